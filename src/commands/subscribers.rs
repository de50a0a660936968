//! `pressroom subscribers …`: import, add, remove, list, export and forget
//! subscribers, with a table or a summary for each.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::bail;

use super::{Outcome, Ui, UsageError, parse_lang, under_root};
use crate::config::Config;
use crate::db::{Db, Suppression, Unsuppressed};
use crate::desk::Action;
use crate::i18n::Lang;
use crate::lists::{self, Added, Erased, ImportReport, Imported};
use crate::subscribers::{self as subs, EmailAddress};

/// `pressroom subscribers …`
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Import a CSV file (columns email, name, lang; `,` `;` or tab; UTF-8 or
    /// Windows-1252) into a list. Invalid rows are reported and skipped;
    /// unsubscribed and suppressed addresses are never resubscribed.
    Import {
        file: PathBuf,
        #[arg(long, value_name = "NAME")]
        list: String,
    },
    /// Add one address to a list.
    Add {
        email: String,
        #[arg(long, value_name = "NAME")]
        list: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
    },
    /// Unsubscribe an address from a list, or (without --list) from everything.
    Remove {
        email: String,
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
    },
    /// Show the lists with their counts, or the members of one list.
    List {
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
    },
    /// Write the confirmed members as CSV to stdout (--all: every status and
    /// the consent record).
    Export {
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Erase an address's personal data, keeping only a hashed suppression so
    /// that a later import cannot resubscribe it.
    Forget { email: String },
    /// Show recent bounces and complaints: when, which address, hard, soft
    /// or complaint, the status and the receiving server's words.
    Bounces {
        /// How far back: a duration ("7days", the default "30days") or a
        /// date (2026-11-01).
        #[arg(long, value_name = "WHEN", default_value = "30days")]
        since: String,
    },
    /// Lift a suppression set by mistake (a bounce that was not the
    /// address's fault). The old suppression stays in the record; lists the
    /// address left stay left.
    Unsuppress { email: String },
}

/// Runs one `subscribers` command in the pressroom at `root`.
pub fn run(root: &Path, cmd: &Command, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let db = crate::db::open(&config)?;
    let out = &mut *ui.out;
    match cmd {
        Command::Import { file, list } => {
            let file = if file.exists() {
                file.clone()
            } else {
                under_root(root, file)
            };
            let report = import(&config, &db, &file, list, out)?;
            let detail = format!(
                "{}: {} rows, {} added, {} already on it, {} not added (unsubscribed or suppressed), {} skipped",
                file.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                report.rows,
                report.added,
                report.already,
                report.refused,
                report.skipped
            );
            audited(&db, Action::Import, list, &detail)?;
        }
        Command::Add {
            email,
            list,
            name,
            lang,
        } => {
            let email = EmailAddress::parse(email)?;
            match lists::add(&config, &db, &email, list, name.as_deref(), lang.as_ref())? {
                Added::Added => writeln!(out, "added {email} to '{list}'")?,
                Added::AlreadyMember => writeln!(out, "{email} is already on '{list}'")?,
            }
        }
        Command::Remove { email, list } => {
            let email = EmailAddress::parse(email)?;
            let n = lists::remove(&config, &db, &email, list.as_deref())?;
            match list {
                Some(l) => writeln!(
                    out,
                    "{email} is unsubscribed from '{l}'{}",
                    if n == 0 { " (it already was)" } else { "" }
                )?,
                None => writeln!(
                    out,
                    "{email} is unsubscribed from everything ({n} list memberships ended) and will not be mailed again"
                )?,
            }
        }
        Command::List { list: name } => list(&config, &db, name.as_deref(), out)?,
        Command::Export { list, all } => {
            let n = lists::export(&config, &db, list.as_deref(), *all, out)?;
            eprintln!("{n} rows exported");
            let what = if *all {
                "every column"
            } else {
                "the mailable members"
            };
            audited(
                &db,
                Action::Export,
                list.as_deref().unwrap_or("(every list)"),
                &format!("{n} rows, {what}"),
            )?;
        }
        Command::Forget { email } => {
            forget(&config, &db, email, out)?;
            // The trail keeps no address of an erased person: the start of
            // its hash, as the suppression list does.
            let hash = EmailAddress::parse(email)?.hash();
            let object = format!("(erased) {}", &hash[..hash.len().min(12)]);
            audited(&db, Action::Erase, &object, "personal data erased")?;
        }
        Command::Bounces { since } => bounces(&db, since, out)?,
        Command::Unsuppress { email } => {
            let email = EmailAddress::parse(email)?;
            let msg = match db.subscribers().unsuppress(&email)? {
                Unsuppressed::Lifted(reason) => {
                    // By the start of its hash: the trail cannot be erased,
                    // so it keeps no subscriber's address.
                    let hash = email.hash();
                    audited(
                        &db,
                        Action::Unsuppress,
                        &format!("(address) {}", &hash[..hash.len().min(12)]),
                        &format!("was: {reason}"),
                    )?;
                    format!(
                        "{email} is no longer suppressed (it was: {reason}); the lifted suppression stays in the record"
                    )
                }
                Unsuppressed::NotSuppressed => format!("{email} is not suppressed"),
                Unsuppressed::Erased => bail!(
                    "{email} was erased on request (forget): it stays suppressed; the person can subscribe again on the web form"
                ),
            };
            writeln!(out, "{msg}")?;
        }
    }
    Ok(Outcome::Done)
}

/// Records a change to the lists made at the command line in the audit
/// trail.
fn audited(db: &Db, action: Action, object: &str, detail: &str) -> anyhow::Result<()> {
    crate::desk::audit::record(
        db,
        &crate::desk::Actor::command_line(),
        action,
        Some(object),
        Some(detail),
    )?;
    Ok(())
}

/// `subscribers import FILE --list NAME`: all rows in one transaction,
/// then a line per row not added and a summary.
pub fn import(
    config: &Config,
    db: &Db,
    file: &Path,
    list: &str,
    out: &mut dyn Write,
) -> anyhow::Result<ImportReport> {
    let Imported {
        report,
        encoding,
        problems,
    } = lists::import(config, db, file, list)?;
    for p in &problems {
        writeln!(out, "{p}")?;
    }
    writeln!(
        out,
        "Imported {} ({encoding}) into list '{list}':",
        file.display()
    )?;
    writeln!(out, "  {:<34}{:>9}", "rows read", report.rows)?;
    writeln!(out, "  {:<34}{:>9}", "added", report.added)?;
    writeln!(
        out,
        "  {:<34}{:>9}",
        "already on the list (or repeated)", report.already
    )?;
    writeln!(
        out,
        "  {:<34}{:>9}",
        "not added: unsubscribed/suppressed", report.refused
    )?;
    writeln!(
        out,
        "  {:<34}{:>9}",
        "skipped: invalid rows", report.skipped
    )?;
    Ok(report)
}

/// `subscribers forget EMAIL`: erases the address's personal data and
/// says what was removed.
fn forget(config: &Config, db: &Db, email: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email)?;
    let Erased {
        records,
        outbox_files,
        kept_bounces,
    } = lists::erase(config, db, &email)?;
    let mailbox = if config.bounces.imap.is_some() {
        format!(
            "; copies in the bounce mailbox's '{}' and '{}' folders are not touched: delete them there",
            config.bounces.processed_folder, config.bounces.unrecognised_folder
        )
    } else {
        String::new()
    };
    writeln!(
        out,
        "erased the personal data of {email} ({records} records, {outbox_files} outbox files, {kept_bounces} kept bounce messages); a hashed suppression entry keeps it from being imported again{mailbox}"
    )?;
    Ok(())
}

/// `subscribers list [--list NAME]`.
pub fn list(
    config: &Config,
    db: &Db,
    list: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match list {
        None => {
            writeln!(
                out,
                "{:<16} {:<8} {:>10} {:>10} {:>13}  TITLE",
                "LIST", "KIND", "CONFIRMED", "PENDING", "UNSUBSCRIBED"
            )?;
            for (name, l) in &config.lists {
                let title = l
                    .title
                    .get(&config.site.default_lang, &config.site.default_lang);
                let counts = db.subscribers().counts(name)?;
                let (confirmed, kind) = match &l.source {
                    Some(src) => {
                        let mut n = 0u64;
                        subs::csv_file::read(
                            &config.root.join(src),
                            &config.site.languages,
                            config.delivery.smtputf8,
                            |_| {
                                n += 1;
                                Ok::<_, anyhow::Error>(())
                            },
                            |_| {},
                        )?;
                        (n, "csv")
                    }
                    None => (counts.confirmed, "database"),
                };
                writeln!(
                    out,
                    "{:<16} {:<8} {:>10} {:>10} {:>13}  {}",
                    name, kind, confirmed, counts.pending, counts.unsubscribed, title
                )?;
            }
            let suppressed = db.subscribers().suppressed_count()?;
            writeln!(
                out,
                "\n{suppressed} addresses are suppressed (never mailed)."
            )?;
        }
        Some(name) => {
            config.list(name)?;
            writeln!(
                out,
                "{:<40} {:<24} {:<4} {:<12} SINCE",
                "EMAIL", "NAME", "LANG", "STATUS"
            )?;
            let mut n = 0;
            db.subscribers()
                .each_member(Some(name), false, |m| -> anyhow::Result<()> {
                    writeln!(
                        out,
                        "{:<40} {:<24} {:<4} {:<12} {}",
                        subs::printable(m.email.as_str()),
                        subs::printable(&m.name),
                        m.lang.as_ref().map_or("", Lang::as_str),
                        m.status.as_str(),
                        m.updated_at.get(..10).unwrap_or(&m.updated_at)
                    )?;
                    n += 1;
                    Ok(())
                })?;
            writeln!(out, "{n} members")?;
        }
    }
    Ok(())
}

/// `subscribers bounces [--since WHEN]`: recent events, newest first.
fn bounces(db: &Db, since: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let from = crate::time::since(since).map_err(|e| UsageError(e.to_string()))?;
    let rows = db.subscribers().bounce_events(&from, 500)?;
    writeln!(
        out,
        "{:<16}  {:<32}  {:<9}  {:<7}  {:<12}  DIAGNOSTIC",
        "RECEIVED", "ADDRESS", "KIND", "STATUS", "SUPPRESSED"
    )?;
    for r in &rows {
        let diagnostic: String = subs::printable(&r.diagnostic).chars().take(60).collect();
        writeln!(
            out,
            "{:<16}  {:<32}  {:<9}  {:<7}  {:<12}  {diagnostic}",
            r.at.get(..16).unwrap_or(&r.at).replace('T', " "),
            subs::printable(&r.recipient.to_string()),
            r.kind.as_str(),
            r.status.as_deref().unwrap_or(""),
            r.suppressed.map_or("-", Suppression::as_str),
        )?;
    }
    writeln!(out, "{} events since {}", rows.len(), &from[..10])?;
    Ok(())
}
