//! The delivery journal: one row per (release, recipient). A row is written
//! as `queued` when a send is planned, `sending` before its SMTP transaction
//! starts, and `sent`, `failed` or `queued` again (retry) right after it ends.
//! `sent` rows are committed in groups: a worker writes each accepted
//! message down in the accepted log before it takes the next row
//! (`db::accepted`), and a run starts by marking `sent` what an
//! interrupted one wrote there. After a crash, the other `sending` rows are
//! the only uncertain ones; they are queued again, so at most the messages
//! that were in flight can arrive twice, and nobody is skipped.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::{Addressee, Result, immediate, now_text};
use crate::config::ListName;
use crate::i18n::Lang;
use crate::subscribers::{EmailAddress, Secret};

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
    /// The version to send; `None` when the row's language is not a
    /// language code (a damaged row): the default version.
    pub lang: Option<Lang>,
    pub list: String,
    pub attempts: u32,
}

/// A message the relay accepted, to be recorded `sent`.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub rowid: i64,
    /// The attempts, this one included.
    pub attempts: u32,
    pub relay: String,
    pub reply: String,
    pub message_id: String,
}

/// The due rows of a release, earliest due first (a row never tried is due
/// from the start), with whether each is blocked since planning. The order
/// is the `deliveries_work` index's own, so a claim reads only the rows it
/// takes: ordered by row number instead, SQLite read every queued row and
/// worked out its blocks, then sorted, for each batch (6.2 ms against
/// 0.8 ms per batch at 20,000 rows, 144 ms against 0.7 ms at 1,000,000).
const CLAIM: &str = "SELECT d.rowid, d.email, d.name, d.lang, d.list, d.attempts, d.email_hash,
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
     ORDER BY d.not_before, d.rowid LIMIT ?3";

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The delivery journal: typed access to the `deliveries`,
/// `planned_lists` and `release_files` tables.
pub struct Journal<'a> {
    pub(super) conn: &'a Connection,
}

impl Journal<'_> {
    /// Queues rows left `sending` by an interrupted run.
    pub fn requeue_in_flight(&self, release: &str) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE deliveries SET status = 'queued', updated_at = ?2 WHERE release = ?1 AND status = 'sending'",
            params![release, now_text()],
        )?)
    }

    /// Registers the link identifier of every address still to be sent
    /// `release`, so that the unsubscribe links in its messages resolve. One
    /// transaction, inserted in key order (in chunks of 50,000 rows, to bound
    /// memory): random keys inserted batch by batch during the send dirtied
    /// most of the table's pages at every commit (11% of the send rate).
    pub fn register_link_ids(&self, secret: &Secret, release: &str) -> Result<()> {
        const CHUNK: i64 = 50_000;
        let tx = immediate(self.conn)?;
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
        Ok(tx.commit()?)
    }

    /// Claims up to `limit` due rows, earliest due first (marking them `sending`); rows whose address
    /// was suppressed, or unsubscribed from every list of the row, since
    /// planning become `suppressed`.
    /// Each job carries its address's link identifier (registered beforehand by
    /// [`register_link_ids`]). Returns the jobs and the number newly suppressed.
    pub fn claim(&self, secret: &Secret, release: &str, limit: usize) -> Result<(Vec<Job>, usize)> {
        let tx = immediate(self.conn)?;
        let mut jobs = vec![];
        let mut blocked = vec![];
        {
            let mut q = tx.prepare_cached(CLAIM)?;
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
                        lang: super::lang_column(Some(lang)),
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

    /// Records messages the relay accepted, in one transaction (rows still
    /// `sending` only: a row is never marked twice).
    pub fn mark_sent(&self, accepted: &[Accepted]) -> Result<()> {
        let tx = immediate(self.conn)?;
        {
            let mut set = tx.prepare_cached(
                "UPDATE deliveries SET status = 'sent', attempts = ?2, relay = ?3, reply = ?4, message_id = ?5, updated_at = ?6 WHERE rowid = ?1 AND status = 'sending'",
            )?;
            let now = now_text();
            for a in accepted {
                set.execute(params![
                    a.rowid,
                    a.attempts,
                    a.relay,
                    a.reply,
                    a.message_id,
                    now
                ])?;
            }
        }
        Ok(tx.commit()?)
    }

    pub fn mark_retry(
        &self,
        job: &Job,
        not_before_ms: i64,
        relay: &str,
        reply: &str,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET status = 'queued', attempts = ?2, not_before = ?3, relay = ?4, reply = ?5, updated_at = ?6 WHERE rowid = ?1",
            params![job.rowid, job.attempts + 1, not_before_ms, relay, reply, now_text()],
        )?;
        Ok(())
    }

    pub fn mark_failed(&self, job: &Job, relay: &str, reply: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET status = 'failed', attempts = ?2, relay = ?3, reply = ?4, updated_at = ?5 WHERE rowid = ?1",
            params![job.rowid, job.attempts + 1, relay, reply, now_text()],
        )?;
        Ok(())
    }

    /// Queues a failed row again (the circuit breaker's refusals that did not
    /// name the recipient), keeping its attempts and the relay's reply.
    pub fn requeue_failed(&self, job: &Job) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET status = 'queued', updated_at = ?2 WHERE rowid = ?1 AND status = 'failed'",
            params![job.rowid, now_text()],
        )?;
        Ok(())
    }

    /// Gives a claimed row back without counting an attempt.
    pub fn unclaim(&self, job: &Job) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET status = 'queued', updated_at = ?2 WHERE rowid = ?1 AND status = 'sending'",
            params![job.rowid, now_text()],
        )?;
        Ok(())
    }

    /// When the next queued row of `release` becomes due, if any is queued.
    pub fn next_due(&self, release: &str) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT MIN(not_before) FROM deliveries WHERE release = ?1 AND status = 'queued'",
            [release],
            |r| r.get(0),
        )?)
    }

    /// Row counts by release and status.
    pub fn counts_by_release(&self) -> Result<BTreeMap<String, StatusCounts>> {
        let mut q = self
            .conn
            .prepare("SELECT release, status, COUNT(*) FROM deliveries GROUP BY release, status")?;
        let mut out: BTreeMap<String, StatusCounts> = BTreeMap::new();
        for row in q.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, DeliveryStatus>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (release, status, n) = row?;
            out.entry(release).or_default().add(status, n);
        }
        Ok(out)
    }

    /// Rows of `release` in any of `statuses`.
    pub fn count(&self, release: &str, statuses: &[DeliveryStatus]) -> Result<u64> {
        let mut q = self.conn.prepare_cached(
            "SELECT status, COUNT(*) FROM deliveries WHERE release = ?1 GROUP BY status",
        )?;
        let mut counts = StatusCounts::default();
        for row in q.query_map([release], |r| {
            Ok((r.get::<_, DeliveryStatus>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (status, n) = row?;
            counts.add(status, n);
        }
        Ok(statuses.iter().map(|s| counts.get(*s)).sum())
    }

    /// Rows of `release` still to be sent (`queued` or `sending`).
    pub fn pending(&self, release: &str) -> Result<u64> {
        self.count(release, &[DeliveryStatus::Queued, DeliveryStatus::Sending])
    }

    /// Per list and language: counts by status.
    pub fn breakdown(&self, release: &str) -> Result<Vec<Breakdown>> {
        let mut q = self.conn.prepare(
            "SELECT list, lang, status, COUNT(*) FROM deliveries WHERE release = ?1 GROUP BY list, lang, status ORDER BY list, lang, status",
        )?;
        let mut out: Vec<Breakdown> = vec![];
        for row in q.query_map([release], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Lang>(1)?,
                r.get::<_, DeliveryStatus>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })? {
            let (list, lang, status, n) = row?;
            match out.last_mut() {
                Some(b) if b.list == list && b.lang == lang => b.counts.add(status, n),
                _ => {
                    let mut counts = StatusCounts::default();
                    counts.add(status, n);
                    out.push(Breakdown { list, lang, counts });
                }
            }
        }
        Ok(out)
    }

    /// The delivery report of `release`: per list and language, how many
    /// were sent, are waiting (never tried, or being sent), wait for a
    /// retry, failed or were suppressed, and how many of them came back
    /// as a bounce or a complaint.
    pub fn report(&self, release: &str) -> Result<Vec<ReportRow>> {
        let mut q = self.conn.prepare(
            "SELECT d.list, d.lang,
                SUM(d.status = 'sent'),
                SUM(d.status = 'sending' OR (d.status = 'queued' AND d.attempts = 0)),
                SUM(d.status = 'queued' AND d.attempts > 0),
                SUM(d.status = 'failed'),
                SUM(d.status = 'suppressed'),
                SUM(EXISTS (SELECT 1 FROM bounce_events b WHERE b.release = d.release
                            AND b.email_hash = d.email_hash AND b.kind IN ('hard', 'soft'))),
                SUM(EXISTS (SELECT 1 FROM bounce_events b WHERE b.release = d.release
                            AND b.email_hash = d.email_hash AND b.kind = 'complaint'))
             FROM deliveries d WHERE d.release = ?1
             GROUP BY d.list, d.lang ORDER BY d.list, d.lang",
        )?;
        let n = |r: &rusqlite::Row<'_>, i| r.get::<_, i64>(i).map(|v| v.max(0) as u64);
        let rows = q.query_map([release], |r| {
            Ok(ReportRow {
                list: r.get(0)?,
                lang: r.get(1)?,
                sent: n(r, 2)?,
                waiting: n(r, 3)?,
                retrying: n(r, 4)?,
                failed: n(r, 5)?,
                suppressed: n(r, 6)?,
                bounced: n(r, 7)?,
                complained: n(r, 8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every recipient of `release` with what became of their message, in
    /// address order, one at a time (for the report's CSV export).
    pub fn report_lines(&self, release: &str, mut each: impl FnMut(ReportLine)) -> Result<()> {
        let mut q = self.conn.prepare(
            "SELECT d.email, d.email_hash, d.list, d.lang, d.status, d.attempts,
                    COALESCE(d.reply, ''), d.updated_at,
                    (SELECT group_concat(DISTINCT b.kind) FROM bounce_events b
                     WHERE b.release = d.release AND b.email_hash = d.email_hash
                       AND b.kind IN ('hard', 'soft', 'complaint'))
             FROM deliveries d WHERE d.release = ?1 ORDER BY d.email",
        )?;
        let mut rows = q.query([release])?;
        while let Some(r) = rows.next()? {
            let line = ReportLine {
                recipient: Addressee::from_columns(r.get(0)?, &r.get::<_, String>(1)?),
                list: r.get(2)?,
                lang: r.get(3)?,
                status: r.get(4)?,
                attempts: r.get(5)?,
                reply: r.get(6)?,
                updated_at: r.get(7)?,
                came_back: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            };
            each(line);
        }
        Ok(())
    }

    /// Failed addresses with the relay's reply (an erased address shows as
    /// the start of its hash).
    pub fn failures(&self, release: &str) -> Result<Vec<Failure>> {
        let mut q = self.conn.prepare(
            "SELECT email, email_hash, list, attempts, COALESCE(reply, '')
             FROM deliveries WHERE release = ?1 AND status = 'failed' ORDER BY email",
        )?;
        let rows = q.query_map([release], |r| {
            Ok(Failure {
                recipient: Addressee::from_columns(r.get(0)?, &r.get::<_, String>(1)?),
                list: r.get(2)?,
                attempts: r.get(3)?,
                reply: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The recipients of `release` still to be sent, by list, language and
    /// address (for a dry run).
    pub fn queued_recipients(&self, release: &str) -> Result<Vec<QueuedRecipient>> {
        let mut q = self.conn.prepare(
            "SELECT email, email_hash, lang, list FROM deliveries
             WHERE release = ?1 AND status IN ('queued', 'sending') ORDER BY list, lang, email",
        )?;
        let rows = q.query_map([release], |r| {
            Ok(QueuedRecipient {
                recipient: Addressee::from_columns(r.get(0)?, &r.get::<_, String>(1)?),
                lang: r.get(2)?,
                list: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The short number of `release` that VERP tags carry (made on first use).
    pub fn release_id(&self, release: &str) -> Result<i64> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO release_ids (release) VALUES (?1)")?
            .execute([release])?;
        Ok(self.conn.query_row(
            "SELECT id FROM release_ids WHERE release = ?1",
            [release],
            |r| r.get(0),
        )?)
    }

    /// The journal row a VERP tag names: the release and the full address
    /// hash of the row of release number `release_id` whose hash starts with
    /// `hash_prefix` (hex: every hash with it sorts before `prefix || 'g'`,
    /// so the primary key answers).
    pub fn row_of_tag(
        &self,
        release_id: i64,
        hash_prefix: &str,
    ) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT d.release, d.email_hash FROM release_ids r
                 JOIN deliveries d ON d.release = r.release
                 WHERE r.id = ?1 AND d.email_hash >= ?2 AND d.email_hash < ?2 || 'g'
                 LIMIT 1",
                params![release_id, hash_prefix],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// All rows of `release`, whatever their status.
    pub fn rows(&self, release: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM deliveries WHERE release = ?1",
            [release],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Whether `release` was already planned for `list`.
    pub fn is_planned(&self, release: &str, list: &ListName) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM planned_lists WHERE release = ?1 AND list = ?2)",
            params![release, list],
            |r| r.get(0),
        )?)
    }

    /// Records that `release` was planned for `list` at `at`: its members
    /// of that moment are in the journal, and nobody is added later.
    pub fn mark_planned(&self, release: &str, list: &ListName, at: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO planned_lists (release, list, planned_at) VALUES (?1, ?2, ?3)",
            params![release, list, at],
        )?;
        Ok(())
    }

    /// The confirmed, unsuppressed members of the database list `list` who
    /// have no row for `release`: people who joined after it was planned.
    pub fn new_members(&self, release: &str, list: &ListName) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM memberships m
             WHERE m.list = ?2 AND m.status = 'confirmed'
               AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = m.email_hash)
               AND NOT EXISTS (SELECT 1 FROM deliveries d
                               WHERE d.release = ?1 AND d.email_hash = m.email_hash)",
            params![release, list],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Queues the confirmed, unsuppressed members of the database list
    /// `list` for `release`, each in their language when it is one of
    /// `langs`, else in `fallback`. A person already queued through another
    /// list joins this one to their one message. Returns the rows changed.
    pub fn queue_members(
        &self,
        release: &str,
        list: &ListName,
        langs: &[Lang],
        fallback: &Lang,
        at: &str,
    ) -> Result<usize> {
        // The languages are bound as a JSON array, never spliced into SQL.
        let langs = format!(
            "[{}]",
            langs
                .iter()
                .map(|l| format!("\"{}\"", l.as_str()))
                .collect::<Vec<_>>()
                .join(",")
        );
        Ok(self.conn.execute(
            &format!(
                "INSERT INTO deliveries (release, email_hash, email, name, lang, list, status, updated_at)
                 SELECT ?1, s.email_hash, s.email, s.name,
                        CASE WHEN s.lang IN (SELECT value FROM json_each(?3)) THEN s.lang ELSE ?4 END,
                        m.list, 'queued', ?5
                 FROM memberships m JOIN subscribers s ON s.email_hash = m.email_hash
                 WHERE m.list = ?2 AND m.status = 'confirmed'
                   AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = s.email_hash)
                 ORDER BY s.email
                 {JOIN}"
            ),
            params![release, list, langs, fallback.as_str(), at],
        )?)
    }

    /// Queues the correction `key` of `original` for everyone the
    /// original was sent to, in the language they had it in, unless they
    /// were erased, suppressed or left one of its lists since. Returns the
    /// rows added (a correction is queued once per person).
    pub fn queue_correction(&self, original: &str, key: &str, at: &str) -> Result<usize> {
        Ok(self.conn.execute(
            &format!(
                "INSERT OR IGNORE INTO deliveries (release, email_hash, email, name, lang, list, status, updated_at)
                 SELECT ?2, d.email_hash, d.email, d.name, d.lang, d.list, 'queued', ?3
                 FROM deliveries d
                 WHERE d.release = ?1 {STILL_THERE}"
            ),
            params![original, key, at],
        )?)
    }

    /// How many people [`Journal::queue_correction`] would queue for a
    /// correction of `original` now.
    pub fn correction_audience(&self, original: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM deliveries d WHERE d.release = ?1 {STILL_THERE}"),
            [original],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// The members of the database lists `lists` (in that order) who would
    /// be queued for `release` now, counted by the lists they are on
    /// (joined by `,`) and the language they would get (theirs when it is
    /// one of `langs`, else `fallback`): confirmed, unsuppressed, with no
    /// row for the release yet. Nothing is written.
    pub fn count_members(
        &self,
        release: &str,
        lists: &[ListName],
        langs: &[Lang],
        fallback: &Lang,
    ) -> Result<Vec<(String, Lang, u64)>> {
        let json = |items: Vec<&str>| serde_json::to_string(&items).expect("strings serialise");
        let lists_json = json(lists.iter().map(ListName::as_str).collect());
        let langs_json = json(langs.iter().map(Lang::as_str).collect());
        // One list (the common case) needs no grouping by person.
        let sql = if lists.len() == 1 {
            "SELECT ?2, CASE WHEN s.lang IN (SELECT value FROM json_each(?3)) THEN s.lang ELSE ?4 END AS l, COUNT(*)
             FROM memberships m JOIN subscribers s ON s.email_hash = m.email_hash
             WHERE m.list = ?2 AND m.status = 'confirmed'
               AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = m.email_hash)
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.release = ?1 AND d.email_hash = m.email_hash)
             GROUP BY l"
        } else {
            "WITH target(list, ord) AS (SELECT value, key FROM json_each(?2)),
             person AS (
               SELECT m.email_hash AS h, group_concat(m.list, ',' ORDER BY t.ord) AS lists
               FROM target t JOIN memberships m ON m.list = t.list
               WHERE m.status = 'confirmed'
                 AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = m.email_hash)
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.release = ?1 AND d.email_hash = m.email_hash)
               GROUP BY m.email_hash)
             SELECT p.lists, CASE WHEN s.lang IN (SELECT value FROM json_each(?3)) THEN s.lang ELSE ?4 END AS l, COUNT(*)
             FROM person p JOIN subscribers s ON s.email_hash = p.h
             GROUP BY p.lists, l"
        };
        let lists_param = match lists {
            [one] => one.as_str().to_string(),
            _ => lists_json,
        };
        let mut q = self.conn.prepare(sql)?;
        let rows = q.query_map(
            params![release, lists_param, langs_json, fallback.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Lang>(1)?,
                    r.get::<_, i64>(2)?.max(0) as u64,
                ))
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The confirmed members of the database lists `lists` whom a
    /// suppression (a bounce, a complaint, an erasure) keeps from `release`:
    /// each person once.
    pub fn count_suppressed(&self, release: &str, lists: &[ListName]) -> Result<u64> {
        let lists_json =
            serde_json::to_string(&lists.iter().map(ListName::as_str).collect::<Vec<_>>())
                .expect("strings serialise");
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(DISTINCT m.email_hash) FROM memberships m
             WHERE m.list IN (SELECT value FROM json_each(?2)) AND m.status = 'confirmed'
               AND EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = m.email_hash)
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.release = ?1 AND d.email_hash = m.email_hash)",
            params![release, lists_json],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// What a plan needs to know of one address for `release`: its row
    /// (list, language, and whether it is still queued), whether it is
    /// suppressed, the database lists of `lists` it is a confirmed member
    /// of, the ones it left, and its language.
    pub fn person(&self, release: &str, email_hash: &str, lists: &[ListName]) -> Result<Person> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT list, lang, status = 'queued' FROM deliveries WHERE release = ?1 AND email_hash = ?2",
            )?
            .query_row(params![release, email_hash], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Lang>(1)?, r.get::<_, bool>(2)?))
            })
            .optional()?;
        let suppressed = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM suppressions WHERE email_hash = ?1)")?
            .query_row([email_hash], |r| r.get(0))?;
        let mut member_of = vec![];
        let mut left = vec![];
        let mut q = self
            .conn
            .prepare_cached("SELECT list, status FROM memberships WHERE email_hash = ?1")?;
        for m in q.query_map([email_hash], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (list, status) = m?;
            match status.as_str() {
                "confirmed" if lists.iter().any(|l| l.as_str() == list) => member_of.push(list),
                "unsubscribed" => left.push(list),
                _ => {}
            }
        }
        let lang = self
            .conn
            .prepare_cached("SELECT lang FROM subscribers WHERE email_hash = ?1")?
            .query_row([email_hash], |r| r.get::<_, Option<Lang>>(0))
            .optional()?
            .flatten();
        Ok(Person {
            row,
            suppressed,
            member_of,
            left,
            lang,
        })
    }

    /// The rows of `release` still to send, by list and language.
    pub fn pending_by_list(&self, release: &str) -> Result<Vec<(String, Lang, u64)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT list, lang, COUNT(*) FROM deliveries
             WHERE release = ?1 AND status IN ('queued', 'sending') GROUP BY list, lang",
        )?;
        let rows = q.query_map([release], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Lang>(1)?,
                r.get::<_, i64>(2)?.max(0) as u64,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A prepared insert of recipients read from a CSV list.
    pub fn csv_inserter(&self) -> Result<CsvInserter<'_>> {
        Ok(CsvInserter(self.conn.prepare_cached(&format!(
            "INSERT INTO deliveries (release, email_hash, email, name, lang, list, status, updated_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7
             WHERE NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = ?2)
               AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.email_hash = ?2 AND m.list = ?6 AND m.status = 'unsubscribed')
             {JOIN}"
        ))?))
    }

    /// Records which file, language and title `release` was sent from.
    pub fn record_file(&self, release: &str, path: &str, lang: &Lang, title: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO release_files (release, path, lang, title) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![release, path, lang.as_str(), title])?;
        Ok(())
    }

    /// The releases that were sent to someone from the file `path`, or
    /// with this language and title.
    pub fn sent_from(&self, path: &str, lang: &Lang, title: &str) -> Result<Vec<String>> {
        let mut q = self.conn.prepare_cached(
            "SELECT DISTINCT f.release FROM release_files f
             WHERE (f.path = ?1 OR (f.lang = ?2 AND f.title = ?3))
               AND EXISTS (SELECT 1 FROM deliveries d WHERE d.release = f.release AND d.status = 'sent')",
        )?;
        let rows = q.query_map(params![path, lang.as_str(), title], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Messages sent (any release) since `since` (RFC 3339): for `max_per_hour`.
    pub fn sent_since(&self, since: &str) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND updated_at >= ?1",
                [since],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(Into::into)
    }
}

/// A second list of someone already queued joins their one message.
const JOIN: &str =
    "ON CONFLICT (release, email_hash) DO UPDATE SET list = deliveries.list || ',' || excluded.list
     WHERE deliveries.status = 'queued'
       AND instr(',' || deliveries.list || ',', ',' || excluded.list || ',') = 0";

/// One address as a plan sees it ([`Journal::person`]).
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// Its row for the release: list, language, still queued.
    pub row: Option<(String, Lang, bool)>,
    pub suppressed: bool,
    /// The lists asked about that it is a confirmed member of.
    pub member_of: Vec<String>,
    /// The lists it unsubscribed from.
    pub left: Vec<String>,
    /// Its own language, as a subscriber.
    pub lang: Option<Lang>,
}

/// The rows of a release sent to someone who may still be written to:
/// not erased (the address is kept), not suppressed, and not unsubscribed
/// from any list the row names.
const STILL_THERE: &str = "AND d.status = 'sent' AND d.email IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = d.email_hash)
   AND NOT EXISTS (SELECT 1 FROM memberships m
                   WHERE m.email_hash = d.email_hash AND m.status = 'unsubscribed'
                     AND instr(',' || d.list || ',', ',' || m.list || ',') > 0)";

/// A prepared insert of CSV-list recipients ([`Journal::csv_inserter`]).
pub struct CsvInserter<'a>(rusqlite::CachedStatement<'a>);

impl CsvInserter<'_> {
    /// Queues one address for `release` unless it is suppressed or
    /// unsubscribed from `list`. Returns the rows changed (0 or 1).
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        &mut self,
        release: &str,
        email: &EmailAddress,
        name: Option<&str>,
        lang: &Lang,
        list: &ListName,
        at: &str,
    ) -> Result<usize> {
        Ok(self.0.execute(params![
            release,
            email.hash(),
            email.as_str(),
            name,
            lang.as_str(),
            list,
            at
        ])?)
    }
}

/// Where one journal row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeliveryStatus {
    /// Planned, not yet handed to a relay (or to be retried).
    Queued,
    /// Handed to a relay; the outcome is not recorded yet.
    Sending,
    Sent,
    Failed,
    /// Not sent: the address was suppressed or unsubscribed after planning.
    Suppressed,
}

impl DeliveryStatus {
    /// In the order reports show them.
    pub const ALL: [DeliveryStatus; 5] = [
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
        DeliveryStatus::Queued,
        DeliveryStatus::Sending,
        DeliveryStatus::Suppressed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Suppressed => "suppressed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Row counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts([u64; 5]);

impl StatusCounts {
    fn add(&mut self, status: DeliveryStatus, n: i64) {
        self.0[status as usize] += n.max(0) as u64;
    }

    pub fn get(&self, status: DeliveryStatus) -> u64 {
        self.0[status as usize]
    }
}

/// One list and language of a release, for `deliveries`.
#[derive(Debug, Clone)]
pub struct Breakdown {
    pub list: String,
    pub lang: Lang,
    pub counts: StatusCounts,
}

/// One failed address, for `deliveries`.
#[derive(Debug, Clone)]
pub struct Failure {
    pub recipient: Addressee,
    pub list: String,
    pub attempts: u32,
    pub reply: String,
}

/// One list and language of a delivery report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportRow {
    pub list: String,
    pub lang: Lang,
    pub sent: u64,
    pub waiting: u64,
    pub retrying: u64,
    pub failed: u64,
    pub suppressed: u64,
    pub bounced: u64,
    pub complained: u64,
}

/// One recipient of a release, as the report's export shows them.
#[derive(Debug, Clone)]
pub struct ReportLine {
    pub recipient: Addressee,
    pub list: String,
    pub lang: Lang,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub reply: String,
    pub updated_at: String,
    /// `hard`, `soft`, `complaint` (comma-separated) when it came back.
    pub came_back: String,
}

/// One recipient still to be sent, for a dry run.
#[derive(Debug, Clone)]
pub struct QueuedRecipient {
    pub recipient: Addressee,
    pub lang: Lang,
    pub list: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_reads_the_queue_in_its_index_order_and_sorts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = super::super::Db::open(&dir.path().join("pressroom.db")).unwrap();
        let plan: Vec<String> = db
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {CLAIM}"))
            .unwrap()
            .query_map(params!["r", 0, 10], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.starts_with("SEARCH d USING INDEX deliveries_work")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
    }
}
