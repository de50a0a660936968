//! The sending engine: `concurrency` workers, each with its own SMTP
//! connection, take claimed journal rows from a shared queue, and the one
//! that finds it running low claims the next batch. Failures and retries
//! are committed as they happen, through one shared journal connection; an
//! accepted message is written down in the accepted log at once and
//! committed with its group (`db::accepted`).
//!
//! With DKIM on, a message costs a signature (about 0.4 ms of one core for
//! RSA-2048) against microseconds for the rest, so signing is a stage of its
//! own: one signing thread per core builds and signs the claimed messages
//! ahead of the SMTP workers, and a session never waits for a signature
//! while another message could be on the wire.
//!
//! A worker takes the row after its current one when one is ready, so that
//! the relay gets the next message's sender and recipient with this one's
//! content (RFC 2920): one round trip a message instead of two, which is
//! what bounds a send to a relay across a network.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::ProgressBar;

use super::message::{Prepared, Recipient};
use super::transport::{Envelope, SendError, Sender, Transport};
use super::verp::ReturnPath;
use crate::db::accepted::{self, AcceptedLog};
use crate::db::{self, Accepted, Db, Job, Suppression};
use crate::i18n::Lang;
use crate::subscribers::Secret;

/// Limits from `[delivery]`.
#[derive(Debug, Clone)]
pub struct Limits {
    pub concurrency: usize,
    pub rate_per_second: u32,
    pub max_per_hour: u32,
    pub max_attempts: u32,
    pub retry_delay: Duration,
    /// Permanent failures in a row that stop the run (0: never).
    pub max_consecutive_failures: u32,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub sent: u64,
    pub failed: Vec<(String, String)>,
    pub retries: u64,
    pub suppressed: u64,
    pub hard_bounces: u64,
    /// Why the run stopped early, if it did (all relays down, hourly limit, Ctrl-C).
    pub stopped: Option<String>,
}

/// Spaces messages out to `rate_per_second`.
struct Pacer {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pacer {
    fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().expect("lock");
            let slot = (*next).max(Instant::now());
            *next = slot + interval;
            slot
        };
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

/// Stops a run that only meets refusals: a relay that refuses the sender,
/// a blocklisted address or a broken configuration must not burn through
/// the list. The refusals of a tripping streak that did not name the
/// recipient (no hard bounce) go back to the queue, for the run after the
/// fix.
struct Breaker {
    limit: u32,
    streak: Mutex<Vec<(Job, bool)>>,
}

impl Breaker {
    fn succeeded(&self) {
        self.streak.lock().expect("lock").clear();
    }

    fn failed(&self, sh: &Shared<'_>, job: &Job, hard: bool, reply: &str) -> anyhow::Result<()> {
        let mut streak = self.streak.lock().expect("lock");
        streak.push((job.clone(), hard));
        if self.limit == 0 || streak.len() < self.limit as usize {
            return Ok(());
        }
        let mut requeued = 0;
        {
            let db = sh.db();
            let mut failed = sh.failed.lock().expect("lock");
            for (job, hard) in streak.drain(..) {
                if hard {
                    continue;
                }
                db.journal().requeue_failed(&job)?;
                let email = job.email.to_string();
                if let Some(i) = failed.iter().position(|(e, _)| *e == email) {
                    failed.remove(i);
                }
                requeued += 1;
            }
        }
        sh.halt(format!(
            "circuit breaker: {} permanent failures in a row (delivery.max_consecutive_failures); the relay's last reply: {}. \
             The relay is refusing mail, not these recipients: check the relay, the sender address and DKIM/SPF before running again. \
             {requeued} of the refused messages went back to the queue",
            self.limit,
            crate::subscribers::printable(reply)
        ));
        Ok(())
    }
}

struct Shared<'a> {
    /// One connection for every journal write of this run: workers take
    /// turns in-process instead of meeting SQLite's busy handler.
    journal: Mutex<Db>,
    /// Messages the relay accepted whose `sent` is not committed yet
    /// (taken before `journal` when both are).
    log: Mutex<AcceptedLog>,
    /// Rows claimed (`sending`) and not yet taken by a thread.
    claimed: Mutex<std::collections::VecDeque<Job>>,
    /// The first journal error met while claiming.
    claim_error: Mutex<Option<anyhow::Error>>,
    /// Rows that claiming found suppressed since planning.
    suppressed: AtomicU64,
    release: &'a str,
    prepared: &'a HashMap<Lang, Prepared>,
    fallback: &'a Prepared,
    secret: &'a Secret,
    transport: &'a Transport,
    limits: &'a Limits,
    /// With the release's number in the journal.
    return_path: Option<(&'a ReturnPath, i64)>,
    stop: &'a AtomicBool,
    stop_reason: Mutex<Option<String>>,
    in_flight: AtomicUsize,
    hour_budget: Option<AtomicU64>,
    pacer: Pacer,
    progress: &'a ProgressBar,
    sent: AtomicU64,
    retries: AtomicU64,
    hard_bounces: AtomicU64,
    failed: Mutex<Vec<(String, String)>>,
    breaker: Breaker,
}

impl<'a> Shared<'a> {
    /// The journal connection; the accepted messages that have waited
    /// long enough are committed first (so a relay gone quiet does not keep
    /// the last ones off the journal while the run goes on).
    fn db(&self) -> MutexGuard<'_, Db> {
        let mut log = self.log.lock().expect("lock");
        if log.due() {
            self.commit_accepted(&mut log);
        }
        drop(log);
        self.journal.lock().expect("lock")
    }

    /// Marks a recipient failed for good, with the reason.
    fn fail(&self, job: &Job, relay: &str, why: String) -> anyhow::Result<()> {
        self.db().journal().mark_failed(job, relay, &why)?;
        self.failed
            .lock()
            .expect("lock")
            .push((job.email.to_string(), why));
        self.progress.inc(1);
        Ok(())
    }

    /// Commits the accepted messages waiting in `log`. If that fails, they
    /// stay (in the log too, for the next run) and the run halts.
    fn commit_accepted(&self, log: &mut AcceptedLog) {
        if let Err(e) = log.commit(&self.journal.lock().expect("lock")) {
            self.halt(format!(
                "cannot record the messages the relay accepted in the journal: {e:#}"
            ));
        }
    }

    /// The next claimed row to send, claiming more from the journal when
    /// few are left (the thread that notices does it, while the others
    /// go on sending), and waiting out retry delays; `None` when no row is
    /// left or the run stops.
    fn next_job(&self) -> Option<Job> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return None;
            }
            if let Some(job) = self.try_next_job() {
                return Some(job);
            }
            // Nothing to hand out: what was accepted goes on record
            // now rather than wait for the next acceptance.
            self.commit_accepted(&mut self.log.lock().expect("lock"));
            let db = self.db();
            if !self.claimed.lock().expect("lock").is_empty() {
                continue; // another thread claimed while this one waited
            }
            if self.claim_more(&db) > 0 {
                continue;
            }
            let due = match db.journal().next_due(self.release) {
                Ok(due) => due,
                Err(e) => return self.claim_failed(e.into()),
            };
            drop(db);
            let wait = match due {
                None if self.in_flight.load(Ordering::SeqCst) == 0 => return None,
                // Rows in flight may come back as retries.
                None => 5,
                Some(t) => (t - db::now_ms()).clamp(1, 200),
            };
            std::thread::sleep(Duration::from_millis(wait as u64));
        }
    }

    /// A claimed row if one is waiting, without waiting for one (claiming
    /// more when few are left and the journal is free).
    fn try_next_job(&self) -> Option<Job> {
        if self.stop.load(Ordering::SeqCst) {
            return None;
        }
        let (job, low) = {
            let mut claimed = self.claimed.lock().expect("lock");
            (claimed.pop_front(), claimed.len() < self.limits.concurrency)
        };
        if job.is_some()
            && low
            && let Ok(db) = self.journal.try_lock()
        {
            self.claim_more(&db);
        }
        job
    }

    /// Claims the next batch of due rows with `db` into `claimed`; returns
    /// how many. Rows suppressed since planning are counted, not claimed.
    fn claim_more(&self, db: &Db) -> usize {
        let batch = (self.limits.concurrency * 32).max(64);
        match db.journal().claim(self.secret, self.release, batch) {
            Ok((jobs, blocked)) => {
                self.suppressed.fetch_add(blocked as u64, Ordering::Relaxed);
                self.progress.inc(blocked as u64);
                self.in_flight.fetch_add(jobs.len(), Ordering::SeqCst);
                let n = jobs.len();
                self.claimed.lock().expect("lock").extend(jobs);
                n
            }
            Err(e) => {
                self.claim_failed::<()>(e.into());
                0
            }
        }
    }

    /// A journal error while claiming: the run stops with it.
    fn claim_failed<T>(&self, e: anyhow::Error) -> Option<T> {
        self.halt(format!("{e:#}"));
        self.claim_error.lock().expect("lock").get_or_insert(e);
        None
    }

    /// Records a message the relay accepted: written down in the accepted
    /// log at once, committed to the journal with its group.
    fn accepted(&self, accepted: Accepted) {
        let mut log = self.log.lock().expect("lock");
        let written = log.append(accepted).is_ok();
        if !written || log.due() {
            self.commit_accepted(&mut log);
        }
    }

    fn halt(&self, reason: String) {
        let mut r = self.stop_reason.lock().expect("lock");
        if r.is_none() {
            *r = Some(reason);
        }
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn backoff(limits: &Limits, attempts: u32) -> Duration {
    let base = limits.retry_delay.as_secs_f64() * 2f64.powi(attempts.min(16) as i32);
    Duration::from_secs_f64(base * (0.5 + fastrand::f64()))
}

/// A claimed row, with its message when the signing stage built it.
type Item = (Job, Option<anyhow::Result<Vec<u8>>>);

/// Where an SMTP worker takes its next row from.
enum Source<'a> {
    /// Claimed rows: the worker builds the message.
    Claimed,
    /// From the signing stage, built and signed.
    Signed(&'a crossbeam_channel::Receiver<Item>),
}

impl Source<'_> {
    fn next(&self, sh: &Shared<'_>) -> Option<Item> {
        match self {
            Source::Claimed => sh.next_job().map(|j| (j, None)),
            Source::Signed(rx) => rx.recv().ok(),
        }
    }

    /// The next row if one is ready now, without waiting.
    fn try_next(&self, sh: &Shared<'_>) -> Option<Item> {
        match self {
            Source::Claimed => sh.try_next_job().map(|j| (j, None)),
            Source::Signed(rx) => rx.try_recv().ok(),
        }
    }
}

/// The message of `job`: its language's version (or the fallback).
fn prepared_for<'a>(sh: &Shared<'a>, job: &Job) -> &'a Prepared {
    job.lang
        .as_ref()
        .and_then(|l| sh.prepared.get(l))
        .unwrap_or(sh.fallback)
}

fn recipient_of(job: &Job) -> Recipient {
    Recipient {
        email: job.email.clone(),
        link_id: Some(job.link_id.clone()),
        name: job.name.clone(),
        list: job.list.clone(),
    }
}

/// The signing stage: builds and signs each claimed row's message and
/// passes it on, until the dispatcher stops handing out rows. After a stop
/// the rows pass unbuilt: the worker gives them back to the queue.
fn signer(sh: &Shared<'_>, tx: &crossbeam_channel::Sender<Item>) {
    while let Some(job) = sh.next_job() {
        let bytes = (!sh.stop.load(Ordering::SeqCst))
            .then(|| build_bytes(prepared_for(sh, &job), sh.secret, &recipient_of(&job)));
        if let Err(e) = tx.send((job, bytes)) {
            // Every worker has gone (the run halted): the row goes back.
            let (job, _) = e.0;
            sh.in_flight.fetch_sub(1, Ordering::SeqCst);
            if let Err(e) = sh.db().journal().unclaim(&job) {
                sh.halt(format!("{e:#}"));
            }
        }
    }
}

fn worker(sh: &Shared<'_>, source: &Source<'_>) -> anyhow::Result<()> {
    let mut sender = sh.transport.sender();
    // The row after this one, taken when one is ready, so that its sender
    // and recipient go to the relay with this message's content (one round
    // trip a message). Not when messages are paced: a relay would wait for
    // the content for as long as the pace holds it back.
    // Each row's envelope sender (a VERP address is an HMAC) is worked out
    // once, when the row is taken.
    let with_sender = |item: Item| {
        let from = envelope_from(sh, &item.0);
        (item, from)
    };
    let mut ahead: Option<(Item, lettre::Address)> = None;
    while let Some(((job, built), from)) = ahead.take().or_else(|| source.next(sh).map(with_sender))
    {
        if sh.pacer.interval.is_none() {
            ahead = source.try_next(sh).map(with_sender);
        }
        let next = ahead.as_ref().map(|((j, _), f)| (j, f));
        // A panic while handling one recipient fails that recipient, not the
        // run: the row is marked failed with the reason, the connection
        // (perhaps mid-transaction) is dropped, and the worker goes on.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            deliver(sh, &mut sender, &job, built, &from, next)
        }))
        .unwrap_or_else(|panic| {
            sender = sh.transport.sender();
            sh.fail(
                &job,
                "",
                format!("internal error: {}", panic_message(&panic)),
            )
        });
        sh.in_flight.fetch_sub(1, Ordering::SeqCst);
        if let Err(e) = result {
            sh.db().journal().unclaim(&job)?;
            sh.halt(format!("{e:#}"));
        }
    }
    Ok(())
}

/// The text of a caught panic.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Builds one recipient's message; a panic in the builder is an error.
fn build_bytes(
    prepared: &Prepared,
    secret: &Secret,
    recipient: &Recipient,
) -> anyhow::Result<Vec<u8>> {
    no_panic(|| Ok(prepared.build(secret, recipient)?))
}

/// Runs `f`, turning a panic into an error with the panic's message.
fn no_panic<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|panic| Err(anyhow::anyhow!("{}", panic_message(&panic))))
}

/// The envelope sender of `job`: its VERP address, or the From address.
fn envelope_from(sh: &Shared<'_>, job: &Job) -> lettre::Address {
    match sh.return_path {
        Some((rp, id)) => rp.address(sh.secret, id, &job.email_hash),
        None => prepared_for(sh, job).envelope_from.clone(),
    }
}

/// Sends `job`'s message from the envelope sender `from`, telling the
/// relay `next`'s envelope (its row and sender) with it.
fn deliver(
    sh: &Shared<'_>,
    sender: &mut Sender<'_>,
    job: &Job,
    built: Option<anyhow::Result<Vec<u8>>>,
    from: &lettre::Address,
    next: Option<(&Job, &lettre::Address)>,
) -> anyhow::Result<()> {
    if sh.stop.load(Ordering::SeqCst) {
        sh.db().journal().unclaim(job)?;
        return Ok(());
    }
    if let Some(budget) = &sh.hour_budget
        && budget
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1))
            .is_err()
    {
        sh.db().journal().unclaim(job)?;
        sh.halt("max_per_hour reached; the rest stays queued for the next run".into());
        return Ok(());
    }
    sh.pacer.wait();
    let prepared = prepared_for(sh, job);
    let built = built.unwrap_or_else(|| build_bytes(prepared, sh.secret, &recipient_of(job)));
    let bytes = match built {
        Ok(b) => b,
        Err(e) => return sh.fail(job, "", format!("cannot build the message: {e:#}")),
    };
    let message_id = prepared.message_id(&job.email);
    // The hash comes from the database: never trust its length.
    let hash = &job.email_hash;
    let name = format!("{}.eml", hash.get(..24).unwrap_or(hash));
    let envelope = Envelope {
        from,
        to: &job.email,
        folder: sh.release,
        name: &name,
    };
    let next = next.map(|(n, from)| Envelope {
        from,
        to: &n.email,
        folder: sh.release,
        name: "",
    });
    match sender.send_before(&envelope, &bytes, next.as_ref()) {
        Ok(done) => {
            sh.breaker.succeeded();
            sh.accepted(Accepted {
                rowid: job.rowid,
                attempts: job.attempts + 1,
                relay: done.via(),
                reply: done.reply(),
                message_id,
            });
            sh.sent.fetch_add(1, Ordering::Relaxed);
            sh.progress.inc(1);
        }
        Err(SendError::Unavailable(why)) => anyhow::bail!(why),
        Err(SendError::Transient { reply, .. }) => {
            let relay_name = sender.relay_name();
            if job.attempts + 1 >= sh.limits.max_attempts {
                let why = format!("gave up after {} attempts: {reply}", job.attempts + 1);
                sh.fail(job, &relay_name, why)?;
            } else {
                let at = db::now_ms() + backoff(sh.limits, job.attempts).as_millis() as i64;
                sh.db().journal().mark_retry(job, at, &relay_name, &reply)?;
                sh.retries.fetch_add(1, Ordering::Relaxed);
            }
        }
        Err(e @ SendError::Permanent { .. }) => {
            let relay_name = sender.relay_name();
            let hard = e.is_hard_bounce();
            let SendError::Permanent { reply, .. } = e else {
                unreachable!("matched above")
            };
            if hard {
                sh.db().subscribers().suppress(
                    &job.email_hash,
                    Suppression::HardBounce,
                    Some(&reply),
                )?;
                sh.hard_bounces.fetch_add(1, Ordering::Relaxed);
            }
            sh.fail(job, &relay_name, reply.clone())?;
            sh.breaker.failed(sh, job, hard, &reply)?;
        }
    }
    Ok(())
}

/// One run of the engine: what to send, how, and where to report.
pub struct Run<'a> {
    /// The database file (each worker opens its own connection).
    pub db: &'a Path,
    /// The journal key of the release.
    pub release: &'a str,
    /// The prepared message per language.
    pub prepared: &'a HashMap<Lang, Prepared>,
    /// The language whose version goes to readers of other languages.
    pub fallback_lang: &'a Lang,
    pub secret: &'a Secret,
    pub transport: &'a Transport,
    pub limits: &'a Limits,
    /// VERP envelope senders (`[delivery] return_path`); `None`: the From
    /// address is the envelope sender.
    pub return_path: Option<&'a ReturnPath>,
    /// Set by Ctrl-C (or by the run itself when it halts).
    pub stop: &'a AtomicBool,
    pub progress: &'a ProgressBar,
}

/// Sends every queued journal row of `run.release` until none is left
/// (waiting out retry delays), or until `run.stop` is set.
pub fn run(run: &Run<'_>) -> anyhow::Result<RunSummary> {
    let Run {
        db,
        release,
        prepared,
        fallback_lang,
        secret,
        transport,
        limits,
        return_path,
        stop,
        progress,
    } = *run;
    let _lock = sender_lock(db)?;
    let store = Db::open(db)?;
    // What an interrupted run had sent but not committed goes on record
    // first: only the rest of its `sending` rows are queued again.
    accepted::replay(db, &store)?;
    store.journal().requeue_in_flight(release)?;
    store.journal().register_link_ids(secret, release)?;
    let hour_budget = hour_budget(&store, limits)?;
    let fallback = prepared
        .get(fallback_lang)
        .or_else(|| prepared.values().next())
        .context("no language version to send")?;
    let sh = Shared {
        journal: Mutex::new(Db::open(db)?),
        log: Mutex::new(AcceptedLog::open(db).with_context(|| {
            format!(
                "cannot open the accepted log {}",
                accepted::path_for(db).display()
            )
        })?),
        claimed: Mutex::new(std::collections::VecDeque::new()),
        claim_error: Mutex::new(None),
        suppressed: AtomicU64::new(0),
        release,
        prepared,
        fallback,
        secret,
        transport,
        limits,
        return_path: match return_path {
            Some(rp) => Some((rp, store.journal().release_id(release)?)),
            None => None,
        },
        stop,
        stop_reason: Mutex::new(None),
        in_flight: AtomicUsize::new(0),
        hour_budget,
        pacer: Pacer {
            interval: (limits.rate_per_second > 0)
                .then(|| Duration::from_secs_f64(1.0 / f64::from(limits.rate_per_second))),
            next: Mutex::new(Instant::now()),
        },
        progress,
        sent: AtomicU64::new(0),
        retries: AtomicU64::new(0),
        hard_bounces: AtomicU64::new(0),
        failed: Mutex::new(vec![]),
        breaker: Breaker {
            limit: limits.max_consecutive_failures,
            streak: Mutex::new(vec![]),
        },
    };
    let dispatch = dispatch(&sh);
    let mut log = sh.log.lock().expect("lock");
    sh.commit_accepted(&mut log);
    if log.pending() > 0 {
        // They stay `sending` and in the log: the next run records them.
        return dispatch.and(Err(anyhow::anyhow!(
            "{} messages the relay accepted could not be recorded in the journal yet; \
             the next send records them before it sends anything: {}",
            log.pending(),
            sh.stop_reason
                .lock()
                .expect("lock")
                .take()
                .unwrap_or_default()
        )));
    }
    drop(log);
    accepted::remove_if_empty(db);
    // Anything claimed but not sent (a stop) goes back to the queue.
    store.journal().requeue_in_flight(release)?;
    dispatch?;
    let stopped = sh.stop_reason.lock().expect("lock").take().or_else(|| {
        stop.load(Ordering::SeqCst)
            .then(|| "interrupted".to_string())
    });
    Ok(RunSummary {
        sent: sh.sent.load(Ordering::Relaxed),
        failed: sh.failed.into_inner().expect("lock"),
        retries: sh.retries.load(Ordering::Relaxed),
        suppressed: sh.suppressed.load(Ordering::Relaxed),
        hard_bounces: sh.hard_bounces.load(Ordering::Relaxed),
        stopped,
    })
}

/// One sender per database: a second `publish` from cron while the first
/// still runs must not re-queue the first one's messages in flight. The
/// lock holds while the returned file is open.
fn sender_lock(db: &Path) -> anyhow::Result<std::fs::File> {
    let lock_path = db.with_extension("send-lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    if let Err(std::fs::TryLockError::WouldBlock) = lock.try_lock() {
        return Err(SenderBusy(db.to_path_buf()).into());
    }
    Ok(lock)
}

/// Another `send` or `publish` is sending from the same database: nothing
/// was sent, and the same send can be tried again when it has finished.
#[derive(Debug, thiserror::Error)]
#[error(
    "another `pressroom send` or `publish` is sending from {} right now; nothing was sent. Try again when it has finished",
    .0.display()
)]
pub struct SenderBusy(pub std::path::PathBuf);

/// What is left of `max_per_hour` after the messages of the last hour;
/// `None` without an hourly limit.
fn hour_budget(store: &Db, limits: &Limits) -> anyhow::Result<Option<AtomicU64>> {
    if limits.max_per_hour == 0 {
        return Ok(None);
    }
    let since = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let used = store.journal().sent_since(&since)?;
    Ok(Some(AtomicU64::new(
        u64::from(limits.max_per_hour).saturating_sub(used),
    )))
}

/// Runs `concurrency` sending threads (and, when messages are signed, a
/// signing thread per core ahead of them) until no row is left (waiting
/// out retry delays) or the run stops. The threads claim rows themselves
/// ([`Shared::next_job`]): no dispatcher hands them over one by one.
fn dispatch(sh: &Shared<'_>) -> anyhow::Result<()> {
    // The signing stage, when messages are signed: a thread per core, and
    // a few signed messages waiting for each SMTP session.
    let signing = sh.prepared.values().any(Prepared::signs);
    // Any waiting worker takes the next signed message (a channel with
    // many receivers: no lock held while one waits).
    let (signed_tx, signed_rx) = crossbeam_channel::bounded::<Item>(sh.limits.concurrency * 2);
    let source = if signing {
        Source::Signed(&signed_rx)
    } else {
        Source::Claimed
    };
    std::thread::scope(|scope| {
        if signing {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            for _ in 0..cores {
                let tx = signed_tx.clone();
                scope.spawn(move || signer(sh, &tx));
            }
        }
        drop(signed_tx);
        // What the relay accepted goes on record within `accepted::WAIT`
        // even while every session waits on a relay gone slow (the journal
        // and `status` would show those messages `sending` until then).
        let (running, ended) = crossbeam_channel::bounded::<()>(0);
        scope.spawn(move || {
            while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                ended.recv_timeout(accepted::WAIT)
            {
                let mut log = sh.log.lock().expect("lock");
                if log.due() {
                    sh.commit_accepted(&mut log);
                }
            }
        });
        let handles: Vec<_> = (0..sh.limits.concurrency)
            .map(|_| {
                let source = &source;
                scope.spawn(move || worker(sh, source))
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => sh.halt(format!("{e:#}")),
                Err(_) => sh.halt("a sending thread crashed".into()),
            }
        }
        drop(running);
    });
    match sh.claim_error.lock().expect("lock").take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_building_is_an_error_with_its_message() {
        let r: anyhow::Result<()> =
            no_panic(|| panic!("a Display implementation returned an error unexpectedly"));
        assert!(
            r.unwrap_err()
                .to_string()
                .contains("Display implementation")
        );
        let r: anyhow::Result<()> = no_panic(|| std::panic::panic_any(7u8));
        assert_eq!(r.unwrap_err().to_string(), "a panic");
        assert_eq!(no_panic(|| Ok(3)).unwrap(), 3);
    }
}
