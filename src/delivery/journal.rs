//! The delivery journal: one row per (release, recipient). A row is written
//! as `queued` when a send is planned, `sending` before its SMTP transaction
//! starts, and `sent`, `failed` or `queued` again (retry) right after it ends,
//! each in its own commit. After a crash, `sending` rows are the only
//! uncertain ones; they are queued again, so at most the messages that were
//! in flight can arrive twice, and nobody is skipped.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use crate::subscribers::{EmailAddress, Secret, now_text};

/// One claimed recipient.
#[derive(Debug, Clone)]
pub struct Job {
    pub rowid: i64,
    /// SHA-256 of the address, as stored (saves hashing it again per message).
    pub email_hash: String,
    pub email: EmailAddress,
    /// The keyed identifier its links carry (registered when claimed).
    pub link_id: String,
    pub name: Option<String>,
    pub lang: String,
    pub list: String,
    pub attempts: u32,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Queues rows left `sending` by an interrupted run.
pub fn requeue_in_flight(conn: &Connection, release: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE deliveries SET status = 'queued', updated_at = ?2 WHERE release = ?1 AND status = 'sending'",
        params![release, now_text()],
    )
}

/// Registers the link identifier of every address still to be sent
/// `release`, so that the unsubscribe links in its messages resolve. One
/// transaction, inserted in key order (in chunks of 50,000 rows, to bound
/// memory): random keys inserted batch by batch during the send dirtied
/// most of the table's pages at every commit (11% of the send rate).
pub fn register_link_ids(
    conn: &Connection,
    secret: &Secret,
    release: &str,
) -> rusqlite::Result<()> {
    const CHUNK: i64 = 50_000;
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut q = tx.prepare(
            "SELECT rowid, email_hash FROM deliveries
             WHERE release = ?1 AND status IN ('queued', 'sending') AND rowid > ?2
             ORDER BY rowid LIMIT ?3",
        )?;
        let mut insert =
            tx.prepare("INSERT OR IGNORE INTO link_ids (id, email_hash) VALUES (?1, ?2)")?;
        let mut after = 0i64;
        loop {
            let mut pairs: Vec<(String, String)> = vec![];
            for row in q.query_map(params![release, after, CHUNK], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })? {
                let (rowid, hash) = row?;
                after = rowid;
                pairs.push((secret.link_id(&hash), hash));
            }
            if pairs.is_empty() {
                break;
            }
            pairs.sort_unstable();
            for (id, hash) in &pairs {
                insert.execute([id, hash])?;
            }
        }
    }
    tx.commit()
}

/// Claims up to `limit` due rows (marking them `sending`); rows whose address
/// was suppressed, or unsubscribed from every list of the row, since
/// planning become `suppressed`.
/// Each job carries its address's link identifier (registered beforehand by
/// [`register_link_ids`]). Returns the jobs and the number newly suppressed.
pub fn claim(
    conn: &Connection,
    secret: &Secret,
    release: &str,
    limit: usize,
) -> rusqlite::Result<(Vec<Job>, usize)> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let mut jobs = vec![];
    let mut blocked = vec![];
    {
        let mut q = tx.prepare_cached(
            "SELECT d.rowid, d.email, d.name, d.lang, d.list, d.attempts, d.email_hash,
                    EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = d.email_hash)
                 OR CASE WHEN instr(d.list, ',') = 0
                    THEN EXISTS (SELECT 1 FROM memberships m WHERE m.email_hash = d.email_hash
                                    AND m.list = d.list AND m.status = 'unsubscribed')
                    ELSE (SELECT COUNT(*) FROM memberships m WHERE m.email_hash = d.email_hash
                            AND m.status = 'unsubscribed'
                            AND instr(',' || d.list || ',', ',' || m.list || ',') > 0)
                        = length(d.list) - length(replace(d.list, ',', '')) + 1
                    END
                 OR d.email IS NULL
             FROM deliveries d
             WHERE d.release = ?1 AND d.status = 'queued' AND d.not_before <= ?2
             ORDER BY d.rowid LIMIT ?3",
        )?;
        let rows = q.query_map(params![release, now_ms(), limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, bool>(7)?,
            ))
        })?;
        for row in rows {
            let (rowid, email, name, lang, list, attempts, email_hash, is_blocked) = row?;
            match email.as_deref().map(EmailAddress::parse) {
                Some(Ok(email)) if !is_blocked => jobs.push(Job {
                    rowid,
                    link_id: secret.link_id(&email_hash),
                    email_hash,
                    email,
                    name,
                    lang,
                    list,
                    attempts,
                }),
                _ => blocked.push(rowid),
            }
        }
    }
    let now = now_text();
    {
        let mut set = tx.prepare_cached(
            "UPDATE deliveries SET status = ?3, updated_at = ?2 WHERE rowid = ?1",
        )?;
        for job in &jobs {
            set.execute(params![job.rowid, now, "sending"])?;
        }
        for rowid in &blocked {
            set.execute(params![rowid, now, "suppressed"])?;
        }
    }
    tx.commit()?;
    Ok((jobs, blocked.len()))
}

pub fn mark_sent(
    conn: &Connection,
    job: &Job,
    relay: &str,
    reply: &str,
    message_id: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE deliveries SET status = 'sent', attempts = ?2, relay = ?3, reply = ?4, message_id = ?5, updated_at = ?6 WHERE rowid = ?1",
    )?
    .execute(params![job.rowid, job.attempts + 1, relay, reply, message_id, now_text()])?;
    Ok(())
}

pub fn mark_retry(
    conn: &Connection,
    job: &Job,
    not_before_ms: i64,
    relay: &str,
    reply: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'queued', attempts = ?2, not_before = ?3, relay = ?4, reply = ?5, updated_at = ?6 WHERE rowid = ?1",
        params![job.rowid, job.attempts + 1, not_before_ms, relay, reply, now_text()],
    )?;
    Ok(())
}

pub fn mark_failed(conn: &Connection, job: &Job, relay: &str, reply: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'failed', attempts = ?2, relay = ?3, reply = ?4, updated_at = ?5 WHERE rowid = ?1",
        params![job.rowid, job.attempts + 1, relay, reply, now_text()],
    )?;
    Ok(())
}

/// Queues a failed row again (the circuit breaker's refusals that did not
/// name the recipient), keeping its attempts and the relay's reply.
pub fn requeue_failed(conn: &Connection, job: &Job) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'queued', updated_at = ?2 WHERE rowid = ?1 AND status = 'failed'",
        params![job.rowid, now_text()],
    )?;
    Ok(())
}

/// Gives a claimed row back without counting an attempt.
pub fn unclaim(conn: &Connection, job: &Job) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'queued', updated_at = ?2 WHERE rowid = ?1 AND status = 'sending'",
        params![job.rowid, now_text()],
    )?;
    Ok(())
}

/// When the next queued row of `release` becomes due, if any is queued.
pub fn next_due(conn: &Connection, release: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(not_before) FROM deliveries WHERE release = ?1 AND status = 'queued'",
        [release],
        |r| r.get(0),
    )
}

/// Row counts by release and status.
pub fn counts_by_release(
    conn: &Connection,
) -> rusqlite::Result<BTreeMap<String, BTreeMap<String, i64>>> {
    let mut q =
        conn.prepare("SELECT release, status, COUNT(*) FROM deliveries GROUP BY release, status")?;
    let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for row in q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        let (release, status, n) = row?;
        out.entry(release).or_default().insert(status, n);
    }
    Ok(out)
}

/// Per list and language: counts by status.
pub fn breakdown(
    conn: &Connection,
    release: &str,
) -> rusqlite::Result<Vec<(String, String, String, i64)>> {
    let mut q = conn.prepare(
        "SELECT list, lang, status, COUNT(*) FROM deliveries WHERE release = ?1 GROUP BY list, lang, status ORDER BY list, lang, status",
    )?;
    let rows = q.query_map([release], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    rows.collect()
}

/// Failed addresses with the relay's reply.
pub fn failures(
    conn: &Connection,
    release: &str,
) -> rusqlite::Result<Vec<(String, String, u32, String)>> {
    let mut q = conn.prepare(
        "SELECT COALESCE(email, '(erased) ' || substr(email_hash, 1, 12)), list, attempts, COALESCE(reply, '')
         FROM deliveries WHERE release = ?1 AND status = 'failed' ORDER BY email",
    )?;
    let rows = q.query_map([release], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    rows.collect()
}

/// Messages sent (any release) since `since` (RFC 3339): for `max_per_hour`.
pub fn sent_since(conn: &Connection, since: &str) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND updated_at >= ?1",
        [since],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n.max(0) as u64)
}
