//! What `send` and `publish` share: the plan → confirm → re-plan → commit
//! sequence, running the engine over one release with a progress bar, and
//! the final tally.

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::Ui;
use crate::config::Config;
use crate::db::{Db, DeliveryStatus};
use crate::delivery::engine::{self, RunSummary};
use crate::delivery::plan::Group;
use crate::delivery::verp::ReturnPath;
use crate::delivery::{Transport, limits, prepare};
use crate::subscribers::{self, Secret};

/// The final tally of `send` or `publish`.
#[derive(Debug, Default)]
pub struct Tally {
    pub sent: u64,
    pub failed: Vec<(String, String)>,
    pub already: u64,
    pub suppressed: u64,
    pub retries: u64,
    pub hard_bounces: u64,
    pub queued_left: u64,
    pub stopped: Option<String>,
    /// The keys of the releases the run sent.
    pub releases: Vec<String>,
}

impl Tally {
    pub(super) fn add(&mut self, r: RunSummary) {
        self.sent += r.sent;
        self.failed.extend(r.failed);
        self.suppressed += r.suppressed;
        self.retries += r.retries;
        self.hard_bounces += r.hard_bounces;
        if self.stopped.is_none() {
            self.stopped = r.stopped;
        }
    }

    /// The run's one line for the journal (stderr), that a log search
    /// finds: `pressroom-summary command=send releases=… sent=… failed=…
    /// suppressed=… queued=… duration_ms=… outcome=…`. Release keys and
    /// counts only: never an address.
    pub fn log_line(&self, command: &str, started: std::time::Instant) -> String {
        let releases = if self.releases.is_empty() {
            "-".to_string()
        } else {
            self.releases
                .iter()
                .map(|k| crate::http::log::redact_addresses(k))
                .collect::<Vec<_>>()
                .join(",")
        };
        let outcome = match (&self.stopped, self.failed.is_empty()) {
            (Some(_), _) => "stopped",
            (None, false) => "failures",
            (None, true) => "ok",
        };
        format!(
            "pressroom-summary command={command} releases={releases} sent={} failed={} suppressed={} already_sent={} retries={} hard_bounces={} queued={} duration_ms={} outcome={outcome}",
            self.sent,
            self.failed.len(),
            self.suppressed,
            self.already,
            self.retries,
            self.hard_bounces,
            self.queued_left,
            started.elapsed().as_millis(),
        )
    }

    /// True when the run needs attention (exit code 1).
    pub fn is_failure(&self) -> bool {
        !self.failed.is_empty() || self.stopped.is_some()
    }

    pub(super) fn print(&self, out: &mut dyn Write, resume: &str) -> std::io::Result<()> {
        writeln!(out, "Summary")?;
        writeln!(out, "  {:<34}{:>9}", "sent", self.sent)?;
        writeln!(out, "  {:<34}{:>9}", "failed", self.failed.len())?;
        writeln!(out, "  {:<34}{:>9}", "skipped: already sent", self.already)?;
        writeln!(
            out,
            "  {:<34}{:>9}",
            "skipped: suppressed/unsubscribed", self.suppressed
        )?;
        writeln!(
            out,
            "  {:<34}{:>9}",
            "retries after 4xx or timeouts", self.retries
        )?;
        if self.hard_bounces > 0 {
            writeln!(
                out,
                "  {:<34}{:>9}",
                "hard bounces (now suppressed)", self.hard_bounces
            )?;
        }
        if self.queued_left > 0 {
            writeln!(out, "  {:<34}{:>9}", "still queued", self.queued_left)?;
        }
        if !self.failed.is_empty() {
            writeln!(out, "Failed:")?;
            for (addr, why) in self.failed.iter().take(20) {
                writeln!(out, "  {addr}: {why}")?;
            }
            if self.failed.len() > 20 {
                writeln!(
                    out,
                    "  … and {} more (see `pressroom deliveries`)",
                    self.failed.len() - 20
                )?;
            }
        }
        if let Some(why) = &self.stopped {
            writeln!(out, "Stopped early: {why}.")?;
            writeln!(
                out,
                "Nothing is lost: run `{resume}` again to resume; nobody gets the release twice."
            )?;
        }
        Ok(())
    }
}

pub(super) fn open_store(config: &Config) -> anyhow::Result<Db> {
    Ok(crate::db::open(config)?)
}

pub(super) fn load_secret(config: &Config) -> anyhow::Result<Secret> {
    Secret::load(&subscribers::secret_path(config)).context(
        "no signing secret for unsubscribe links: set PRESSROOM_SECRET (32+ random characters) or let pressroom create subscribers/.secret",
    )
}

/// The versions of a group that may be emailed at `now`.
pub(super) fn sendable<'a>(group: &Group<'a>, now: DateTime<Utc>) -> Group<'a> {
    Group {
        key: group.key.clone(),
        versions: group
            .versions
            .iter()
            .copied()
            .filter(|r| r.email && r.is_published(now))
            .collect(),
    }
}

pub(super) fn queued(db: &Db, key: &str) -> anyhow::Result<u64> {
    Ok(db.journal().pending(key)?)
}

pub(super) fn count_sent(db: &Db, key: &str) -> anyhow::Result<u64> {
    Ok(db.journal().count(key, &[DeliveryStatus::Sent])?)
}

pub(super) fn run_group(
    config: &Config,
    store: &Db,
    group: &Group<'_>,
    hidden: &crate::markdown::Unpublished,
    secret: &Secret,
    ui: &mut Ui<'_>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let transport = Transport::from_config(config)?;
    let prepared = prepare(config, group, hidden)?;
    let total = queued(store, &group.key)?;
    let pb = ui.progress(total);
    let return_path = config
        .delivery
        .return_path
        .as_deref()
        .map(ReturnPath::parse)
        .transpose()?;
    let summary = engine::run(&engine::Run {
        db: store.path(),
        release: &group.key,
        prepared: &prepared,
        fallback_lang: &config.site.default_lang,
        secret,
        transport: &transport,
        limits: &limits(config),
        return_path: return_path.as_ref(),
        stop: ui.stop,
        progress: &pb,
    })?;
    pb.finish_and_clear();
    tally.add(summary);
    tally.queued_left += queued(store, &group.key)?;
    Ok(())
}

/// The plan → confirm → re-plan → commit sequence of `send` and `publish`.
/// `plan` runs in a write transaction; `decide` looks at its result (prints
/// it, answers a dry run) and returns the question to ask, or `None` to stop
/// with nothing kept. With `yes` the plan is committed at once. Otherwise the
/// transaction is dropped while the person decides (the database's write
/// lock is never held over a prompt), and after a yes the plan is made again
/// and committed, so whatever changed meanwhile is in it.
pub(super) fn plan_and_confirm<T>(
    store: &Db,
    ui: &mut Ui<'_>,
    yes: bool,
    mut plan: impl FnMut(&Db) -> anyhow::Result<T>,
    decide: impl FnOnce(&T, &mut Ui<'_>) -> anyhow::Result<Option<String>>,
) -> anyhow::Result<Option<T>> {
    let tx = store.write()?;
    let first = plan(store)?;
    let Some(question) = decide(&first, ui)? else {
        drop(tx);
        return Ok(None);
    };
    if yes {
        tx.commit()?;
        return Ok(Some(first));
    }
    drop(tx);
    if !ui.confirm(&question, false)? {
        writeln!(ui.out, "Nothing sent.")?;
        return Ok(None);
    }
    let tx = store.write()?;
    let again = plan(store)?;
    tx.commit()?;
    Ok(Some(again))
}
