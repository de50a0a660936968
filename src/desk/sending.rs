//! Sending from the desk: the plan an editor confirms (messages per list
//! and language, never a list of addresses), the request it becomes, and
//! carrying it out. "Send now" is carried out by `serve` within seconds
//! ([`carry_out`]); a send at the release's date by `publish`, or by
//! `serve` when `[desk] scheduled_sends = "serve"` ([`publish_due`]). Both
//! run the same engine as the command line: the journal (each message
//! once), the breaker, the rate limits.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};

use super::User;
use super::audit::{self, Action, Actor};
use super::releases::{Act, DeskRelease, SaveError, may, release_files};
use crate::config::Config;
use crate::content::Content;
use crate::db::{Db, SendState};
use crate::delivery::engine::SenderBusy;
use crate::delivery::plan::{self, Group};
use crate::i18n::Lang;
use crate::sending::{Controls, Tally, send};

/// What a send of one release would do now.
#[derive(Debug, Clone, Default)]
pub struct DeskPlan {
    /// Messages per list and language (a person on two lists gets one
    /// message, counted under both names joined by a comma).
    pub rows: BTreeMap<(String, Lang), u64>,
    /// The messages in all: the number the editor types to confirm.
    pub total: u64,
    /// Messages sent by earlier sends.
    pub already: u64,
    /// People who joined a list after the first send and have not had it.
    pub joined_since: u64,
    /// Whether they are in `rows` (asked for).
    pub include_new: bool,
    /// The subject of each language version.
    pub subjects: Vec<(Lang, String)>,
    /// Rows of CSV lists that cannot be used, with file, line and reason.
    pub csv_problems: Vec<String>,
    /// The release's date (its earliest version's).
    pub date: Option<DateTime<Utc>>,
}

/// The versions of `d` that are emailed, as one group (drafts included:
/// the plan is made before the send takes `draft: true` away).
fn email_group<'a>(d: &DeskRelease<'a>) -> Group<'a> {
    Group {
        key: d.key.clone(),
        versions: d
            .versions
            .iter()
            .copied()
            .filter(|r| r.publication.email)
            .collect(),
    }
}

/// The plan of sending `d` now, worked out in a transaction that is rolled
/// back: nothing is queued or recorded.
pub fn plan(
    db: &Db,
    content: &Content,
    d: &DeskRelease<'_>,
    include_new: bool,
) -> anyhow::Result<DeskPlan> {
    let config = &content.config;
    let group = email_group(d);
    let mut out = DeskPlan {
        include_new,
        date: d.versions.iter().map(|r| r.publication.date).min(),
        ..DeskPlan::default()
    };
    if group.versions.is_empty() {
        return Ok(out);
    }
    let hidden = content.unpublished(Utc::now());
    for r in &group.versions {
        let rendered = crate::render::email::render(r, config, &hidden)?;
        out.subjects
            .push((r.lang.clone(), rendered.subject.clone()));
    }
    let counts = plan::count(db, config, &group, &group.lists(), include_new)?;
    out.total = counts.total();
    out.already = counts.already;
    out.joined_since = counts.joined_since;
    out.rows = counts.messages;
    out.csv_problems = counts.csv_problems;
    Ok(out)
}

/// When a confirmed send goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Now: `serve` sends it within seconds; a date still ahead is moved
    /// to now.
    Now,
    /// At the release's date, by `publish` (or `serve`'s scheduler).
    AtDate,
}

/// Why a send is not asked for.
#[derive(Debug, thiserror::Error)]
pub enum SendRefused {
    #[error(transparent)]
    Save(#[from] SaveError),
    /// The number typed is not the plan's (or the plan changed meanwhile).
    #[error("type the number of messages, {expected}, to confirm")]
    Mismatch { expected: u64 },
}

impl From<anyhow::Error> for SendRefused {
    fn from(e: anyhow::Error) -> Self {
        SendRefused::Save(SaveError::Other(e))
    }
}

/// Asks for a send of `d` after `user` confirmed it by typing `typed`
/// (the plan's number of messages, worked out again now): the release is
/// released (`draft: true` taken away; for [`When::Now`] a date still
/// ahead becomes this minute), the request recorded for `serve` or
/// `publish`, and both audited. Returns the request's id and the plan.
#[allow(clippy::too_many_arguments)]
pub fn request(
    db: &Db,
    content: &Content,
    actor: &Actor,
    user: &User,
    d: &DeskRelease<'_>,
    when: When,
    include_new: bool,
    typed: &str,
) -> Result<(i64, DeskPlan), SendRefused> {
    let config = &content.config;
    let now = Utc::now();
    may(user, Act::Release, d, now, config.desk.approvals).map_err(SaveError::Refused)?;
    let p = plan(db, content, d, include_new)?;
    let typed: Option<u64> = typed
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '.' | '\u{a0}' | '\u{202f}'))
        .collect::<String>()
        .parse()
        .ok();
    if typed != Some(p.total) {
        return Err(SendRefused::Mismatch { expected: p.total });
    }
    let moved = when == When::Now && p.date.is_some_and(|d| d > now);
    release_files(config, d, (when == When::Now).then_some(now))?;
    db.desk()
        .set_in_review(&d.key, false)
        .map_err(anyhow::Error::from)?;
    let id = db
        .sends()
        .request(&d.key, user.id, when == When::AtDate, include_new, p.total)
        .map_err(anyhow::Error::from)?;
    let mut detail = format!(
        "{} messages, {}",
        p.total,
        match when {
            When::Now => "now",
            When::AtDate => "at its date",
        }
    );
    if include_new {
        detail.push_str(", with members who joined since");
    }
    if moved {
        detail.push_str(", date moved to now");
    }
    audit::record(db, actor, Action::Release, Some(&d.key), Some(&detail))
        .map_err(anyhow::Error::from)?;
    super::git::commit(db, config, user, Action::Release, &d.key);
    Ok((id, p))
}

/// Whether a desk send was carried out, and how.
#[derive(Debug)]
pub enum Carried {
    /// Sent (or the rest left for retries): the state and a line of counts.
    Finished(SendState, String),
    /// Another sender holds the database: try again in a moment.
    Busy,
}

/// Carries out the waiting "send now" `id` of release `key` (what `serve`
/// does): builds the site into `public` (so that the email's links work),
/// plans with the members of this moment, and sends. Never an address in
/// what it returns.
pub fn carry_out(
    root: &std::path::Path,
    public: &std::path::Path,
    key: &str,
    include_new: bool,
    correction: Option<&str>,
    stop: &AtomicBool,
) -> anyhow::Result<Carried> {
    let content = Content::load(root)?;
    let config = &content.config;
    let now = Utc::now();
    let Some(group) = Group::all(&content).into_iter().find(|g| g.key == key) else {
        return Ok(Carried::Finished(
            SendState::Failed,
            "the release is no longer among the release files".into(),
        ));
    };
    let controls = Controls {
        stop,
        progress: |_| indicatif::ProgressBar::hidden(),
    };
    let mut tally = Tally::default();
    if let Some(asked) = correction {
        if crate::sending::correction::key(&group).as_deref() != Some(asked) {
            return Ok(Carried::Finished(
                SendState::Failed,
                "the correction was changed after it was asked for: nothing was sent; ask again"
                    .into(),
            ));
        }
        crate::build::build(&content, public, now)?;
        let store = crate::sending::open_store(config)?;
        let sent = crate::sending::correction::deliver(
            &content, &store, &group, now, &controls, &mut tally,
        );
        return finished(sent.map(|_| ()), &tally);
    }
    if group.versions.iter().all(|r| !r.publication.email) {
        crate::build::build(&content, public, now)?;
        return Ok(Carried::Finished(
            SendState::Done,
            "published on the site; it is not emailed".into(),
        ));
    }
    if let Err(e) = crate::delivery::ensure_sendable(&group, now, config.site.timezone) {
        return Ok(Carried::Finished(SendState::Failed, e.to_string()));
    }
    let group = crate::sending::sendable(&group, now);
    crate::build::build(&content, public, now)?;
    let store = crate::sending::open_store(config)?;
    let tx = store.write()?;
    plan::plan(&store, config, &group, &group.lists(), include_new)?;
    tx.commit()?;
    let sent = send::deliver(&content, &store, &group, now, &controls, &mut tally);
    finished(sent, &tally)
}

/// How a send that ran ended: put back when the sender lock was held.
fn finished(sent: anyhow::Result<()>, tally: &Tally) -> anyhow::Result<Carried> {
    match sent {
        Ok(()) => {}
        Err(e) if e.downcast_ref::<SenderBusy>().is_some() => return Ok(Carried::Busy),
        Err(e) => return Err(e),
    }
    Ok(Carried::Finished(
        if tally.stopped.is_some() && tally.sent == 0 {
            SendState::Failed
        } else {
            SendState::Done
        },
        outcome_line(tally),
    ))
}

/// Asks `serve` to email the correction the release `group_key` carries
/// in `content` (read after the correction was written) to those who had
/// the original: the request's id and how many people it goes to, or
/// `None` when the release has no correction. Audited.
pub fn request_correction(
    db: &Db,
    content: &Content,
    actor: &Actor,
    user: &User,
    group_key: &str,
) -> anyhow::Result<Option<(i64, u64)>> {
    let Some(group) = Group::all(content).into_iter().find(|g| g.key == group_key) else {
        return Ok(None);
    };
    let Some(key) = crate::sending::correction::key(&group) else {
        return Ok(None);
    };
    let n = crate::sending::correction::audience(db, &group)?;
    let id = db.sends().request_correction(group_key, &key, user.id, n)?;
    audit::record(
        db,
        actor,
        Action::Correct,
        Some(group_key),
        Some(&format!("emailed to the {n} who had the original")),
    )?;
    Ok(Some((id, n)))
}

/// A tally as one line of counts.
pub fn outcome_line(t: &Tally) -> String {
    let mut line = format!(
        "sent {}, failed {}, waiting for a retry {}",
        t.sent,
        t.failed.len(),
        t.queued_left
    );
    if let Some(why) = &t.stopped {
        line.push_str(&format!("; stopped: {why}"));
    }
    line
}

/// `publish` for `serve`'s scheduler: builds the site (a release whose
/// date has come goes on it), then sends every due release to the members
/// its lists had when it was first sent.
pub fn publish_due(
    root: &std::path::Path,
    public: &std::path::Path,
    stop: &AtomicBool,
) -> anyhow::Result<Tally> {
    let content = Content::load(root)?;
    let now = Utc::now();
    let store = crate::sending::open_store(&content.config)?;
    let tx = store.write()?;
    let planned = crate::sending::publish::plan_publish(
        &content,
        &store,
        now,
        crate::sending::publish::Planning::Queue,
    )?;
    tx.commit()?;
    let mut tally = Tally::default();
    crate::build::build(&content, public, now)?;
    let controls = Controls {
        stop,
        progress: |_| indicatif::ProgressBar::hidden(),
    };
    crate::sending::publish::send_planned(
        &content,
        &store,
        &planned.work,
        now,
        &controls,
        &mut tally,
    )?;
    Ok(tally)
}

/// The public site's folder of a pressroom (`[serve] public_dir`).
pub fn public_dir(config: &Config) -> std::path::PathBuf {
    config.root.join(&config.serve.public_dir)
}
