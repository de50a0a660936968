//! Sending releases by email, as library workflows that every front door
//! (the command line, the desk) calls: the plan → confirm → re-plan →
//! commit sequence, running the engine over one release, the final tally.
//! Nothing here prints or asks: the front door shows the plan, asks its
//! question through a callback and shows the [`Tally`].

pub mod correction;
pub mod publish;
pub mod send;

use std::sync::atomic::AtomicBool;

use anyhow::Context;
use chrono::{DateTime, Utc};
use indicatif::ProgressBar;

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
    pub(crate) fn add(&mut self, r: RunSummary) {
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
                .map(|k| crate::subscribers::redact_addresses(k))
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
}

/// How a front door watches and stops a run.
pub struct Controls<'a> {
    /// Set (by Ctrl-C, or a stop button) to end the run after the messages
    /// in flight; the rest stays queued for the next run.
    pub stop: &'a AtomicBool,
    /// Makes the progress bar of one release's `total` messages
    /// (`ProgressBar::hidden` when nobody watches).
    pub progress: fn(u64) -> ProgressBar,
}

/// Opens the pressroom's database (made and migrated on first use).
pub fn open_store(config: &Config) -> anyhow::Result<Db> {
    Ok(crate::db::open(config)?)
}

/// The signing secret of unsubscribe and preference links.
pub fn load_secret(config: &Config) -> anyhow::Result<Secret> {
    Secret::load(&subscribers::secret_path(config)).context(
        "no signing secret for unsubscribe links: set PRESSROOM_SECRET (32+ random characters) or let pressroom create subscribers/.secret",
    )
}

/// The versions of a group that may be emailed at `now`.
pub fn sendable<'a>(group: &Group<'a>, now: DateTime<Utc>) -> Group<'a> {
    Group {
        key: group.key.clone(),
        versions: group
            .versions
            .iter()
            .copied()
            .filter(|r| r.publication.email && r.is_published(now))
            .collect(),
    }
}

/// The messages of release `key` still queued.
pub fn queued(db: &Db, key: &str) -> anyhow::Result<u64> {
    Ok(db.journal().pending(key)?)
}

/// The messages of release `key` sent so far.
pub fn count_sent(db: &Db, key: &str) -> anyhow::Result<u64> {
    Ok(db.journal().count(key, &[DeliveryStatus::Sent])?)
}

/// Sends the queued messages of one release (every language version in
/// `group`) through the configured transport, and adds the result to `tally`.
pub fn run_group(
    config: &Config,
    store: &Db,
    group: &Group<'_>,
    hidden: &crate::markdown::Unpublished,
    secret: &Secret,
    controls: &Controls<'_>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let prepared = prepare(config, group, hidden)?;
    run_prepared(
        config, store, &group.key, &prepared, secret, controls, tally,
    )
}

/// Sends the queued messages of the journal key `key`, each recipient
/// the message of their language in `prepared`, and adds the result to
/// `tally`.
pub fn run_prepared(
    config: &Config,
    store: &Db,
    key: &str,
    prepared: &std::collections::HashMap<crate::i18n::Lang, crate::delivery::Prepared>,
    secret: &Secret,
    controls: &Controls<'_>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let transport = Transport::from_config(config)?;
    let total = queued(store, key)?;
    let pb = (controls.progress)(total);
    let return_path = config
        .delivery
        .return_path
        .as_deref()
        .map(ReturnPath::parse)
        .transpose()?;
    let summary = engine::run(&engine::Run {
        db: store.path(),
        release: key,
        prepared,
        fallback_lang: &config.site.default_lang,
        secret,
        transport: &transport,
        limits: &limits(config),
        return_path: return_path.as_ref(),
        stop: controls.stop,
        progress: &pb,
    })?;
    pb.finish_and_clear();
    tally.add(summary);
    tally.queued_left += queued(store, key)?;
    Ok(())
}

/// The plan → confirm → re-plan → commit sequence of `send` and `publish`.
/// `plan` runs in a write transaction; `decide` looks at its result (a
/// front door shows it, answers a dry run) and returns the question to
/// ask, or `None` to stop with nothing kept. With `yes` the plan is
/// committed at once. Otherwise the transaction is dropped while `confirm`
/// asks the question (the database's write lock is never held over a
/// person's decision), and after a yes the plan is made again and
/// committed, so whatever changed meanwhile is in it.
pub fn plan_and_confirm<T>(
    store: &Db,
    yes: bool,
    mut plan: impl FnMut(&Db) -> anyhow::Result<T>,
    decide: impl FnOnce(&T) -> anyhow::Result<Option<String>>,
    confirm: impl FnOnce(&str) -> anyhow::Result<bool>,
) -> anyhow::Result<Option<T>> {
    let tx = store.write()?;
    let first = plan(store)?;
    let Some(question) = decide(&first)? else {
        drop(tx);
        return Ok(None);
    };
    if yes {
        tx.commit()?;
        return Ok(Some(first));
    }
    drop(tx);
    if !confirm(&question)? {
        return Ok(None);
    }
    let tx = store.write()?;
    let again = plan(store)?;
    tx.commit()?;
    Ok(Some(again))
}
