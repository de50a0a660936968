//! Bounces and complaints in the database, and the rules that turn them
//! into suppressions: a hard bounce suppresses the address; `soft_limit`
//! soft bounces within `soft_window` (with no delivery in between) do too;
//! a complaint unsubscribes it from everything and suppresses it. Each
//! event keeps the message it came from as evidence, and one message is
//! counted once however often it is read.

use rusqlite::params;

use super::{Result, SubscriberStore, Suppression, immediate, now_text};

/// The most bytes of a bounce kept as evidence (the report and the start
/// of the quoted original; the rest is the release everyone got).
pub const MAX_EVIDENCE_BYTES: usize = 64 * 1024;

/// What a bounce or complaint says about one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Hard,
    Soft,
    Complaint,
    Delivered,
}

impl EventKind {
    /// The kind as stored (`hard`), or `None` for any other text.
    pub fn parse(s: &str) -> Option<Self> {
        [
            EventKind::Hard,
            EventKind::Soft,
            EventKind::Complaint,
            EventKind::Delivered,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Hard => "hard",
            EventKind::Soft => "soft",
            EventKind::Complaint => "complaint",
            EventKind::Delivered => "delivered",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub email_hash: &'a str,
    pub release: Option<&'a str>,
    pub kind: EventKind,
    /// RFC 3463 status (`5.1.1`), or the feedback type of a complaint.
    pub status: Option<&'a str>,
    pub diagnostic: &'a str,
    /// The bounce's Message-ID: the same message read twice counts once.
    pub message_id: Option<&'a str>,
    pub evidence: &'a [u8],
}

/// The soft-bounce rule (`[bounces] soft_limit` within `soft_window`).
#[derive(Debug, Clone, Copy)]
pub struct SoftRule {
    pub limit: u32,
    pub window: std::time::Duration,
}

/// What recording an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The address is suppressed now (or already was).
    Suppressed(Suppression),
    /// A soft bounce, counted: `count` of `limit` within the window.
    Counted { count: u32, limit: u32 },
    /// A delivery: the soft count starts again.
    Reset,
    /// This message was recorded before: nothing changed.
    Repeated,
}

/// The bounce side of the database.
pub struct Bounces<'a> {
    pub(super) store: SubscriberStore<'a>,
}

impl Bounces<'_> {
    /// Records `event` and applies the rules, in one transaction.
    pub fn record(&self, event: &Event<'_>, soft: SoftRule) -> Result<Verdict> {
        let conn = self.store.conn;
        let tx = immediate(conn)?;
        let now = now_text();
        let evidence = &event.evidence[..event.evidence.len().min(MAX_EVIDENCE_BYTES)];
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO bounce_events
                 (email_hash, release, kind, status, diagnostic, evidence, message_id, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                event.email_hash,
                event.release,
                event.kind.as_str(),
                event.status,
                event.diagnostic,
                evidence,
                event.message_id,
                now
            ],
        )?;
        if inserted == 0 {
            return Ok(Verdict::Repeated);
        }
        let detail = |what: &str| {
            let mut d = what.to_string();
            if let Some(s) = event.status {
                d.push_str(&format!(" {s}"));
            }
            if !event.diagnostic.is_empty() {
                d.push_str(&format!(": {}", event.diagnostic));
            }
            d
        };
        let verdict = match event.kind {
            EventKind::Hard => {
                self.store.suppress(
                    event.email_hash,
                    Suppression::HardBounce,
                    Some(&detail("bounce")),
                )?;
                Verdict::Suppressed(Suppression::HardBounce)
            }
            EventKind::Complaint => {
                self.store
                    .unsubscribe(event.email_hash, None, "complaint (spam report)")?;
                self.store.suppress(
                    event.email_hash,
                    Suppression::Complaint,
                    Some(&detail("complaint")),
                )?;
                Verdict::Suppressed(Suppression::Complaint)
            }
            EventKind::Delivered => Verdict::Reset,
            EventKind::Soft => {
                // A window longer than the calendar counts everything.
                let since = chrono::Duration::from_std(soft.window)
                    .ok()
                    .and_then(|w| chrono::Utc::now().checked_sub_signed(w))
                    .map_or_else(String::new, |t| {
                        t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    });
                let count: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM bounce_events
                     WHERE email_hash = ?1 AND kind = 'soft' AND received_at >= ?2
                       AND received_at > COALESCE((SELECT MAX(received_at) FROM bounce_events
                                                   WHERE email_hash = ?1 AND kind = 'delivered'), '')",
                    params![event.email_hash, since],
                    |r| r.get(0),
                )?;
                let count = count.max(0) as u32;
                if soft.limit > 0 && count >= soft.limit {
                    self.store.suppress(
                        event.email_hash,
                        Suppression::HardBounce,
                        Some(&detail(&format!(
                            "{count} soft bounces within {}",
                            crate::time::human_duration(soft.window)
                        ))),
                    )?;
                    Verdict::Suppressed(Suppression::HardBounce)
                } else {
                    Verdict::Counted {
                        count,
                        limit: soft.limit,
                    }
                }
            }
        };
        tx.commit()?;
        Ok(verdict)
    }

    /// Bounces and complaints of `release`: (kind, count).
    pub fn counts_for_release(&self, release: &str) -> Result<Vec<(EventKind, u64)>> {
        let mut q = self.store.conn.prepare(
            "SELECT kind, COUNT(DISTINCT email_hash) FROM bounce_events
             WHERE release = ?1 AND kind != 'delivered' GROUP BY kind ORDER BY kind",
        )?;
        let rows = q.query_map([release], |r| {
            Ok((r.get::<_, EventKind>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
