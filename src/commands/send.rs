//! `pressroom send`: one release to its lists (or `--to` one address, as a
//! test copy), after a confirmation.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use super::sending::{
    Tally, count_sent, load_secret, open_store, plan_and_confirm, queued, run_group, sendable,
};
use super::{Outcome, Ui, UsageError, parse_lang, parse_now};
use crate::config::{Config, ListName};
use crate::content::Content;
use crate::db::Db;
use crate::delivery::plan::{self, Group};
use crate::delivery::{self, Delivered, Envelope, Recipient, Transport, prepare};
use crate::lang::Lang;
use crate::subscribers::EmailAddress;

/// Arguments of `send`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Args {
    /// A file path, slug or translation key.
    pub release: String,
    /// Send to these lists instead of the release's `lists` (repeatable).
    #[arg(long = "list", value_name = "NAME")]
    pub lists: Vec<String>,
    /// Show who would get which language version; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send one test copy to this address only (not recorded; drafts allowed).
    #[arg(long, value_name = "ADDR")]
    pub to: Option<String>,
    /// The language version for --to (default: the site's default language).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Decide embargoes as if it were this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
}

/// Runs `send` in the pressroom at `root`.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    super::install_ctrl_c();
    let started = std::time::Instant::now();
    let content = Content::load(root)?;
    let tally = send(&content, args, ui)?;
    if !args.dry_run && args.to.is_none() {
        eprintln!("{}", tally.log_line("send", started));
    }
    Ok(Outcome::from_failure(tally.is_failure()))
}

/// `pressroom send`.
pub fn send(content: &Content, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Tally> {
    let config = &content.config;
    let now = args.now.unwrap_or_else(Utc::now);
    let release = content.find(&args.release, args.lang.as_ref())?;
    if let Some(to) = &args.to {
        return send_test(config, release, &content.unpublished(now), to, ui);
    }
    let group = Group::of(content, release);
    delivery::ensure_sendable(&group, now, config.site.timezone)?;
    let group = sendable(&group, now);
    let lists = if args.lists.is_empty() {
        group.lists()
    } else {
        args.lists
            .iter()
            .map(|l| config.list_name(l))
            .collect::<Result<Vec<_>, _>>()?
    };
    if lists.is_empty() {
        bail!(
            "{} has no lists: add `lists: [...]` to its front matter or pass --list NAME",
            release.path.display()
        );
    }
    let store = open_store(config)?;
    let title = group.title(&config.site.default_lang).to_string();
    let mut tally = Tally::default();
    let planned = plan_and_confirm(
        &store,
        ui,
        args.yes,
        |store| plan::plan(store, config, &group, &lists),
        |plan, ui| {
            for p in &plan.csv_problems {
                writeln!(ui.out, "{p}")?;
            }
            let pending = queued(&store, &group.key)?;
            tally.already = count_sent(&store, &group.key)?;
            if args.dry_run {
                dry_run_report(&store, &group.key, &title, &lists, ui.out)?;
                return Ok(None);
            }
            if pending == 0 {
                writeln!(
                    ui.out,
                    "Nothing to send: every recipient of {} already has “{title}”.",
                    ListName::join(&lists)
                )?;
                if !plan.already_planned.is_empty() {
                    writeln!(
                        ui.out,
                        "It went to the members that {} had when it was first sent; people who joined since get the releases published after that.",
                        ListName::join(&plan.already_planned)
                    )?;
                }
                return Ok(None);
            }
            let published = group.versions.iter().map(|r| r.date).min().unwrap_or(now);
            let age = if now - published > config.delivery.max_age.as_chrono() {
                format!(
                    " It was published {} days ago, longer than max_age ({}).",
                    (now - published).num_days(),
                    config.delivery.max_age
                )
            } else {
                String::new()
            };
            Ok(Some(format!(
                "Send “{title}” to {pending} recipients on {} through {}?{age}",
                ListName::join(&lists),
                Transport::from_config(config)?.describe()
            )))
        },
    )?;
    if planned.is_none() {
        return Ok(tally);
    }
    let secret = load_secret(config)?;
    tally.releases.push(group.key.to_string());
    let hidden = content.unpublished(now);
    run_group(config, &store, &group, &hidden, &secret, ui, &mut tally)?;
    tally.print(ui.out, &format!("pressroom send {}", args.release))?;
    Ok(tally)
}

fn dry_run_report(
    store: &Db,
    key: &str,
    title: &str,
    lists: &[ListName],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "Dry run: “{title}” to lists {} (nothing is sent or recorded)",
        ListName::join(lists)
    )?;
    let mut by: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut lines = vec![];
    for r in store.journal().queued_recipients(key)? {
        *by.entry((r.list.clone(), r.lang.clone())).or_default() += 1;
        lines.push(format!("{}\t{}\t{}", r.email, r.lang, r.list));
    }
    writeln!(out, "  {:<16}{:<6}{:>10}", "LIST", "LANG", "MESSAGES")?;
    let mut total = 0;
    for ((list, lang), n) in &by {
        writeln!(out, "  {list:<16}{lang:<6}{n:>10}")?;
        total += n;
    }
    writeln!(out, "  {:<22}{total:>10}", "total")?;
    writeln!(out, "Recipients (address, language, list):")?;
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// `send --to ADDR`: one test copy, not recorded in the journal.
fn send_test(
    config: &Config,
    release: &crate::release::Release,
    hidden: &crate::markdown::Unpublished,
    to: &str,
    ui: &mut Ui<'_>,
) -> anyhow::Result<Tally> {
    let email = EmailAddress::parse(to).map_err(|e| UsageError(format!("--to: {e}")))?;
    let group = Group {
        key: release.group_key(),
        versions: vec![release],
    };
    let prepared = prepare(config, &group, hidden)?;
    let p = prepared.values().next().context("nothing to send")?;
    let list = release
        .lists
        .first()
        .map_or_else(|| "test".into(), ListName::to_string);
    let bytes = p.build_test(&Recipient {
        email: email.clone(),
        link_id: None,
        name: None,
        list,
    })?;
    let name = format!("{}.eml", &email.hash()[..24]);
    let envelope = Envelope {
        from: &p.envelope_from,
        to: &email,
        folder: "test",
        name: &name,
    };
    let done = Transport::from_config(config)?
        .send(&envelope, &bytes)
        .context("the test copy was not sent")?;
    let (path, lang) = (release.path.display(), &release.lang);
    match done {
        Delivered::Outbox(file) => writeln!(
            ui.out,
            "Test copy of {path} ({lang}) written to {}",
            file.display()
        )?,
        Delivered::Relay { relay, reply } => writeln!(
            ui.out,
            "Test copy of {path} ({lang}) sent to {email} via {relay}: {reply}"
        )?,
    }
    Ok(Tally {
        sent: 1,
        ..Default::default()
    })
}
