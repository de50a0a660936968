//! `pressroom deliveries RELEASE`: counts per list, language and status,
//! and the failed addresses with the relay's reply.

use std::io::Write;
use std::path::Path;

use super::{Outcome, Ui};
use crate::content::Content;
use crate::db::{DeliveryStatus, EventKind};
use crate::delivery::plan::Group;
use crate::sending::open_store;

/// Arguments of `deliveries`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A file path, slug or translation key.
    pub release: String,
}

/// Runs `deliveries` in the pressroom at `root`.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let content = Content::load(root)?;
    deliveries(&content, &args.release, ui.out)?;
    Ok(Outcome::Done)
}

/// `pressroom deliveries RELEASE`.
pub fn deliveries(content: &Content, release: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let config = &content.config;
    let r = content.find(release, None)?;
    let group = Group::of(content, r);
    let store = open_store(config)?;
    let rows = store.journal().breakdown(&group.key)?;
    writeln!(
        out,
        "Deliveries of “{}” ({})",
        group.title(&config.site.default_lang),
        group.key
    )?;
    if rows.is_empty() {
        writeln!(out, "  not sent to anyone yet")?;
        return Ok(());
    }
    write!(out, "  {:<16}{:<6}", "LIST", "LANG")?;
    for s in DeliveryStatus::ALL {
        write!(out, "{:>11}", s.as_str().to_uppercase())?;
    }
    writeln!(out)?;
    for row in &rows {
        write!(out, "  {:<16}{:<6}", row.list, row.lang)?;
        for s in DeliveryStatus::ALL {
            write!(out, "{:>11}", row.counts.get(s))?;
        }
        writeln!(out)?;
    }
    let bounced = store.bounces().counts_for_release(&group.key)?;
    if !bounced.is_empty() {
        let n = |k: EventKind| {
            bounced
                .iter()
                .find(|(kind, _)| *kind == k)
                .map_or(0, |(_, n)| *n)
        };
        writeln!(
            out,
            "Came back later: {} hard bounces, {} soft bounces, {} complaints (addresses)",
            n(EventKind::Hard),
            n(EventKind::Soft),
            n(EventKind::Complaint)
        )?;
    }
    let failures = store.journal().failures(&group.key)?;
    if !failures.is_empty() {
        writeln!(out, "Failed addresses:")?;
        for f in failures {
            writeln!(
                out,
                "  {} ({}, {} attempts): {}",
                crate::subscribers::printable(&f.recipient.to_string()),
                f.list,
                f.attempts,
                crate::subscribers::printable(&f.reply)
            )?;
        }
    }
    Ok(())
}
