//! The `pressroom subscribers …` commands.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use rusqlite::params;

use super::{AddOutcome, EmailAddress, Status, Store, csv_file};
use crate::config::Config;
use crate::lang::Lang;

/// Lists that live in the database (not a CSV `source`).
fn db_list<'a>(config: &'a Config, list: &str) -> anyhow::Result<&'a crate::config::ListConfig> {
    let l = config.list(list)?;
    if let Some(src) = &l.source {
        bail!("list '{list}' is kept in the file {src}: edit that file instead");
    }
    Ok(l)
}

fn check_lang(config: &Config, lang: Option<&str>) -> anyhow::Result<()> {
    if let Some(l) = lang {
        let ok = config.site.languages.iter().any(|x| x.as_str() == l);
        if !ok {
            let langs: Vec<&str> = config.site.languages.iter().map(Lang::as_str).collect();
            bail!(
                "language '{l}' is not one of the site's languages ({})",
                langs.join(", ")
            );
        }
    }
    Ok(())
}

/// Counts of an import.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: u64,
    pub added: u64,
    pub already: u64,
    pub refused: u64,
    pub skipped: u64,
}

/// `subscribers import FILE --list NAME`: all rows in one transaction.
pub fn import(
    config: &Config,
    store: &Store,
    file: &Path,
    list: &str,
    out: &mut dyn Write,
) -> anyhow::Result<ImportReport> {
    db_list(config, list)?;
    let langs: Vec<&str> = config.site.languages.iter().map(Lang::as_str).collect();
    let mut report = ImportReport::default();
    let mut refusals = vec![];
    let mut problems = vec![];
    let source = format!(
        "import {}",
        file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned()
        )
    );
    let tx = rusqlite::Transaction::new_unchecked(
        &store.conn,
        rusqlite::TransactionBehavior::Immediate,
    )?;
    let encoding = csv_file::read(
        file,
        &langs,
        config.delivery.smtputf8,
        |row| {
            report.rows += 1;
            match store.add(
                &row.email,
                row.name.as_deref(),
                row.lang.as_deref(),
                list,
                Status::Confirmed,
                &source,
            )? {
                AddOutcome::Added => report.added += 1,
                AddOutcome::AlreadyMember => report.already += 1,
                AddOutcome::Refused(why) => {
                    report.refused += 1;
                    refusals.push((
                        row.line,
                        format!(
                            "{}:{}: not added: {} is {why}",
                            file.display(),
                            row.line,
                            row.email
                        ),
                    ));
                }
            }
            Ok(())
        },
        |p| problems.push((p.line, p.message)),
    )?;
    tx.commit()?;
    let skipped = problems
        .iter()
        .filter(|(_, m)| m.starts_with("skipped") || m.starts_with("unreadable"))
        .count() as u64;
    report.skipped = skipped;
    report.rows += skipped;
    let mut lines: Vec<(u64, String)> = problems
        .into_iter()
        .map(|(line, m)| (line, format!("{}:{line}: {m}", file.display())))
        .chain(refusals)
        .collect();
    lines.sort();
    for (_, p) in &lines {
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

/// `subscribers add EMAIL --list NAME`.
pub fn add(
    config: &Config,
    store: &Store,
    email: &str,
    list: &str,
    name: Option<&str>,
    lang: Option<&str>,
) -> anyhow::Result<String> {
    db_list(config, list)?;
    check_lang(config, lang)?;
    let email = EmailAddress::parse(email).map_err(anyhow::Error::msg)?;
    email
        .check_mailable(config.delivery.smtputf8)
        .map_err(anyhow::Error::msg)?;
    Ok(
        match store.add(
            &email,
            name,
            lang,
            list,
            Status::Confirmed,
            "added by staff",
        )? {
            AddOutcome::Added => format!("added {email} to '{list}'"),
            AddOutcome::AlreadyMember => format!("{email} is already on '{list}'"),
            AddOutcome::Refused(why) => bail!(
                "{email} was not added: the address is {why}. pressroom never resubscribes it; the person can subscribe again on the web form"
            ),
        },
    )
}

/// `subscribers remove EMAIL [--list NAME]`.
pub fn remove(
    config: &Config,
    store: &Store,
    email: &str,
    list: Option<&str>,
) -> anyhow::Result<String> {
    if let Some(l) = list {
        config.list(l)?;
    }
    let email = EmailAddress::parse(email).map_err(anyhow::Error::msg)?;
    let n = store.unsubscribe(&email.hash(), list, "removed by staff")?;
    Ok(match list {
        Some(l) => format!(
            "{email} is unsubscribed from '{l}'{}",
            if n == 0 { " (it already was)" } else { "" }
        ),
        None => format!(
            "{email} is unsubscribed from everything ({n} list memberships ended) and will not be mailed again"
        ),
    })
}

/// `subscribers forget EMAIL`: erases the address from the database (its
/// deleted pages overwritten, the WAL truncated) and every outbox file about it.
pub fn forget(config: &Config, store: &Store, email: &str) -> anyhow::Result<String> {
    let email = EmailAddress::parse(email).map_err(anyhow::Error::msg)?;
    let n = store.forget(&email)?;
    let outbox = crate::delivery::outbox_dir(config);
    let files = crate::files::scrub_outbox(&outbox, &email.hash()[..24], email.as_str())
        .with_context(|| {
            format!(
                "cannot remove the address's messages from {}",
                outbox.display()
            )
        })?;
    Ok(format!(
        "erased the personal data of {email} ({n} records, {files} outbox files); a hashed suppression entry keeps it from being imported again"
    ))
}

/// `subscribers list [--list NAME]`.
pub fn list(
    config: &Config,
    store: &Store,
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
                let count = |status: &str| -> anyhow::Result<i64> {
                    Ok(store.conn.query_row(
                        "SELECT COUNT(*) FROM memberships WHERE list = ?1 AND status = ?2",
                        params![name, status],
                        |r| r.get(0),
                    )?)
                };
                let (confirmed, kind) = match &l.source {
                    Some(src) => {
                        let mut n = 0i64;
                        let langs: Vec<&str> =
                            config.site.languages.iter().map(Lang::as_str).collect();
                        csv_file::read(
                            &config.root.join(src),
                            &langs,
                            config.delivery.smtputf8,
                            |_| {
                                n += 1;
                                Ok(())
                            },
                            |_| {},
                        )?;
                        (n, "csv")
                    }
                    None => (count("confirmed")?, "database"),
                };
                writeln!(
                    out,
                    "{:<16} {:<8} {:>10} {:>10} {:>13}  {}",
                    name,
                    kind,
                    confirmed,
                    count("pending")?,
                    count("unsubscribed")?,
                    title
                )?;
            }
            let suppressed: i64 =
                store
                    .conn
                    .query_row("SELECT COUNT(*) FROM suppressions", [], |r| r.get(0))?;
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
            let mut q = store.conn.prepare(
                "SELECT s.email, COALESCE(s.name, ''), COALESCE(s.lang, ''), m.status, m.updated_at
                 FROM memberships m JOIN subscribers s ON s.email_hash = m.email_hash
                 WHERE m.list = ?1 ORDER BY s.email",
            )?;
            let mut rows = q.query([name])?;
            let mut n = 0;
            while let Some(r) = rows.next()? {
                let since: String = r.get(4)?;
                writeln!(
                    out,
                    "{:<40} {:<24} {:<4} {:<12} {}",
                    super::printable(&r.get::<_, String>(0)?),
                    super::printable(&r.get::<_, String>(1)?),
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    since.get(..10).unwrap_or(&since)
                )?;
                n += 1;
            }
            writeln!(out, "{n} members")?;
        }
    }
    Ok(())
}

/// `subscribers export [--list NAME] [--all]`: CSV on `out`, every cell
/// safe to open in a spreadsheet.
pub fn export(
    config: &Config,
    store: &Store,
    list: Option<&str>,
    all: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    if let Some(l) = list {
        config.list(l)?;
    }
    let mut w = csv::Writer::from_writer(out);
    if all {
        w.write_record([
            "email",
            "name",
            "lang",
            "list",
            "status",
            "consent_at",
            "consent_source",
            "updated_at",
        ])?;
    } else {
        w.write_record(["email", "name", "lang", "list"])?;
    }
    let mut q = store.conn.prepare(
        "SELECT s.email, COALESCE(s.name, ''), COALESCE(s.lang, ''), m.list, m.status, m.consent_at, m.consent_source, m.updated_at
         FROM memberships m JOIN subscribers s ON s.email_hash = m.email_hash
         WHERE (?1 IS NULL OR m.list = ?1)
           AND (?2 OR (m.status = 'confirmed' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = m.email_hash)))
         ORDER BY m.list, s.email",
    )?;
    let mut rows = q.query(params![list, all])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let cols: Vec<String> = (0..8)
            .map(|i| {
                r.get::<_, String>(i)
                    .map(|c| super::spreadsheet_safe(&c).into_owned())
            })
            .collect::<Result<_, _>>()?;
        if all {
            w.write_record(&cols)?;
        } else {
            w.write_record(&cols[..4])?;
        }
        n += 1;
    }
    w.flush().context("cannot write the export")?;
    Ok(n)
}
