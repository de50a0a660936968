//! Sends asked for on the desk, and what became of each: `serve` carries
//! out a "send now" within seconds; a send at the release's date waits for
//! `publish` (see [`SendState`]). The journal, not this table, is what makes
//! each message go once: a request carried out twice sends nothing twice.

use rusqlite::{OptionalExtension, params};

use super::{Result, now_text};

/// Where a send asked for on the desk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendState {
    /// "Send now": `serve` takes it within seconds.
    Waiting,
    /// `serve` is sending it.
    Sending,
    /// Every message it planned was sent, or is waiting for a retry.
    Done,
    /// It could not be carried out (the outcome says why).
    Failed,
    /// At the release's date: `publish` (or `serve`'s scheduler) sends it.
    Scheduled,
}

impl SendState {
    pub fn as_str(self) -> &'static str {
        match self {
            SendState::Waiting => "waiting",
            SendState::Sending => "sending",
            SendState::Done => "done",
            SendState::Failed => "failed",
            SendState::Scheduled => "scheduled",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "waiting" => SendState::Waiting,
            "sending" => SendState::Sending,
            "done" => SendState::Done,
            "scheduled" => SendState::Scheduled,
            _ => SendState::Failed,
        }
    }
}

/// One send asked for on the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    pub id: i64,
    /// The release's group key.
    pub release: String,
    pub requested_by: Option<i64>,
    /// RFC 3339, UTC.
    pub requested_at: String,
    /// Sent at the release's date rather than at once.
    pub at_date: bool,
    /// Members who joined a list after the first send get it too.
    pub include_new: bool,
    /// The number of messages the person confirmed.
    pub expected: u64,
    pub state: SendState,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// What happened, in a line (counts only, never an address).
    pub outcome: Option<String>,
    /// The journal key of the correction it emails, for a correction.
    pub correction: Option<String>,
}

const COLUMNS: &str = "id, release, requested_by, requested_at, at_date, include_new, expected, state, started_at, finished_at, outcome, correction";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SendRequest> {
    Ok(SendRequest {
        id: r.get(0)?,
        release: r.get(1)?,
        requested_by: r.get(2)?,
        requested_at: r.get(3)?,
        at_date: r.get(4)?,
        include_new: r.get(5)?,
        expected: r.get::<_, i64>(6)?.max(0) as u64,
        state: SendState::parse(&r.get::<_, String>(7)?),
        started_at: r.get(8)?,
        finished_at: r.get(9)?,
        outcome: r.get(10)?,
        correction: r.get(11)?,
    })
}

/// The desk's send requests.
pub struct SendQueue<'a> {
    pub(super) conn: &'a rusqlite::Connection,
}

impl SendQueue<'_> {
    /// Records a send of `release` asked for by `user_id`: at once
    /// (`at_date` false, waiting for `serve`) or at its date (scheduled).
    pub fn request(
        &self,
        release: &str,
        user_id: i64,
        at_date: bool,
        include_new: bool,
        expected: u64,
    ) -> Result<i64> {
        let state = if at_date {
            SendState::Scheduled
        } else {
            SendState::Waiting
        };
        self.conn.execute(
            "INSERT INTO desk_sends (release, requested_by, requested_at, at_date, include_new, expected, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                release,
                user_id,
                now_text(),
                at_date,
                include_new,
                i64::try_from(expected).unwrap_or(i64::MAX),
                state.as_str()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the emailing of the correction `key` of `release`, asked
    /// for by `user_id`, to `expected` people: `serve` takes it at once.
    pub fn request_correction(
        &self,
        release: &str,
        key: &str,
        user_id: i64,
        expected: u64,
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO desk_sends (release, requested_by, requested_at, expected, state, correction)
             VALUES (?1, ?2, ?3, ?4, 'waiting', ?5)",
            params![
                release,
                user_id,
                now_text(),
                i64::try_from(expected).unwrap_or(i64::MAX),
                key
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The oldest send waiting for `serve`, marked as sending (one taker
    /// only: the update is conditional on its state).
    pub fn take_waiting(&self) -> Result<Option<SendRequest>> {
        loop {
            let next = self
                .conn
                .query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM desk_sends WHERE state = 'waiting' ORDER BY id LIMIT 1"
                    ),
                    [],
                    row,
                )
                .optional()?;
            let Some(mut req) = next else {
                return Ok(None);
            };
            let now = now_text();
            let taken = self.conn.execute(
                "UPDATE desk_sends SET state = 'sending', started_at = ?2 WHERE id = ?1 AND state = 'waiting'",
                params![req.id, now],
            )?;
            if taken == 1 {
                req.state = SendState::Sending;
                req.started_at = Some(now);
                return Ok(Some(req));
            }
        }
    }

    /// Puts a send back to waiting (the sender was busy, or `serve` stopped
    /// before it began).
    pub fn put_back(&self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE desk_sends SET state = 'waiting', started_at = NULL WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// Sends left `sending` by a `serve` that stopped: waiting again.
    pub fn recover(&self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE desk_sends SET state = 'waiting', started_at = NULL WHERE state = 'sending'",
            [],
        )?)
    }

    /// Records how the send `id` ended.
    pub fn finish(&self, id: i64, state: SendState, outcome: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE desk_sends SET state = ?2, finished_at = ?3, outcome = ?4 WHERE id = ?1",
            params![id, state.as_str(), now_text(), outcome],
        )?;
        Ok(())
    }

    /// Scheduled sends of `release` are carried out: by `publish`, or by
    /// `serve`'s scheduler.
    pub fn finish_scheduled(&self, release: &str, outcome: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE desk_sends SET state = 'done', finished_at = ?2, outcome = ?3
             WHERE release = ?1 AND state = 'scheduled'",
            params![release, now_text(), outcome],
        )?;
        Ok(())
    }

    /// Whether the last send asked for `release` includes members who
    /// joined its lists after the first send.
    pub fn includes_new_members(&self, release: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT include_new FROM desk_sends WHERE release = ?1 ORDER BY id DESC LIMIT 1",
                [release],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Every send asked for `release`, newest first.
    pub fn of_release(&self, release: &str) -> Result<Vec<SendRequest>> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM desk_sends WHERE release = ?1 ORDER BY id DESC"
        ))?;
        let rows = q.query_map([release], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
