//! Subscribers in the database: addresses, list memberships with consent
//! records, suppressions, link identifiers and confirmation sends.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Addressee, Db, EventKind, Result, immediate, now_text};
use crate::config::ListName;
use crate::i18n::Lang;
use crate::subscribers::{EmailAddress, Subject};

/// Membership status on one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Confirmed,
    Unsubscribed,
}

impl Status {
    /// The status as stored (`confirmed`), or `None` for any other text.
    pub fn parse(s: &str) -> Option<Self> {
        [Status::Pending, Status::Confirmed, Status::Unsubscribed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Confirmed => "confirmed",
            Status::Unsubscribed => "unsubscribed",
        }
    }
}

/// Why an address is never mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    Unsubscribed,
    HardBounce,
    Complaint,
    Manual,
    Forgotten,
}

impl Suppression {
    /// The reason as stored (`hard_bounce`), or `None` for any other text.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Suppression::Unsubscribed,
            Suppression::HardBounce,
            Suppression::Complaint,
            Suppression::Manual,
            Suppression::Forgotten,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Suppression::Unsubscribed => "unsubscribed",
            Suppression::HardBounce => "hard_bounce",
            Suppression::Complaint => "complaint",
            Suppression::Manual => "manual",
            Suppression::Forgotten => "forgotten",
        }
    }
}

/// What happened to one address in `add` or `import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    AlreadyMember,
    /// Unsubscribed from this list, or suppressed: left alone.
    Refused(&'static str),
}

/// Why a suppressed address is not added, for a suppression's reason.
fn refusal(reason: &str) -> &'static str {
    match reason {
        "hard_bounce" => "suppressed after a hard bounce",
        "complaint" => "suppressed after a complaint",
        "forgotten" => "erased on request (forget)",
        "manual" => "suppressed by hand",
        _ => "unsubscribed from everything",
    }
}

/// Whether a confirmation email may go to an address now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Yes: the send is recorded under this row id (release it if the
    /// email could not be sent).
    Mail(i64),
    /// No, and the visitor is not told: the address is suppressed or
    /// erased, or had its share of confirmation emails.
    Quiet,
    /// No: the hourly ceiling on all confirmation emails is reached.
    Busy,
}

/// Limits on confirmation emails (`[serve]`).
#[derive(Debug, Clone, Copy)]
pub struct ConfirmationLimits {
    /// Seconds between two emails to one address.
    pub interval: i64,
    /// Emails to one address per 24 hours (0: no limit).
    pub per_day: u32,
    /// Emails to anyone per hour (0: no limit).
    pub per_hour: u32,
}

/// Members of one list by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCounts {
    pub confirmed: u64,
    pub pending: u64,
    pub unsubscribed: u64,
}

/// One membership with its consent record, for listings and exports.
#[derive(Debug, Clone)]
pub struct Member {
    pub email: EmailAddress,
    pub name: String,
    /// `None`: no language chosen (the site's default is used).
    pub lang: Option<Lang>,
    pub list: String,
    pub status: Status,
    pub consent_at: String,
    pub consent_source: String,
    pub updated_at: String,
}

/// Why an address hash is suppressed, if it is.
const SUPPRESSION: &str = "SELECT reason FROM suppressions WHERE email_hash = ?1";

/// Adds people to lists, row after row, with its statements prepared once
/// (an import's chunk of 100,000 rows, or a single add): see
/// [`SubscriberStore::record`] and [`SubscriberStore::join`].
pub struct Importer<'c> {
    conn: &'c Connection,
    suppression: rusqlite::CachedStatement<'c>,
    record: rusqlite::CachedStatement<'c>,
    join: rusqlite::CachedStatement<'c>,
    /// When: the time of every row this importer adds.
    now: String,
}

impl Importer<'_> {
    /// [`SubscriberStore::record`].
    pub fn record(
        &mut self,
        hash: &str,
        email: &EmailAddress,
        name: Option<&str>,
        lang: Option<&Lang>,
    ) -> Result<Option<&'static str>> {
        let suppressed: Option<String> = self
            .suppression
            .query_row([hash], |r| r.get(0))
            .optional()?;
        if let Some(reason) = suppressed {
            return Ok(Some(refusal(&reason)));
        }
        let name = name.and_then(crate::subscribers::clean_name);
        self.record
            .execute(params![hash, email.as_str(), name, lang, self.now])?;
        Ok(None)
    }

    /// [`SubscriberStore::join`].
    pub fn join(
        &mut self,
        hash: &str,
        list: &str,
        status: Status,
        source: &str,
    ) -> Result<AddOutcome> {
        let now = &self.now;
        // A new member (most rows of an import) costs one statement.
        let inserted = self
            .join
            .execute(params![hash, list, status.as_str(), now, source])?;
        if inserted == 1 {
            return Ok(AddOutcome::Added);
        }
        let current: Option<String> = self
            .conn
            .prepare_cached("SELECT status FROM memberships WHERE email_hash = ?1 AND list = ?2")?
            .query_row(params![hash, list], |r| r.get(0))
            .optional()?;
        match current.as_deref() {
            Some("unsubscribed") => Ok(AddOutcome::Refused("unsubscribed from this list")),
            Some("confirmed") => Ok(AddOutcome::AlreadyMember),
            Some(_) if status == Status::Pending => Ok(AddOutcome::AlreadyMember),
            Some(_) => {
                self.conn
                    .prepare_cached(
                        "UPDATE memberships SET status = ?3, updated_at = ?4 WHERE email_hash = ?1 AND list = ?2",
                    )?
                    .execute(params![hash, list, status.as_str(), now])?;
                Ok(AddOutcome::Added)
            }
            // The insert above found a row; within this write it is there.
            None => Err(rusqlite::Error::QueryReturnedNoRows.into()),
        }
    }
}

/// The subscriber side of the database: addresses, memberships with their
/// consent records, suppressions, link identifiers and confirmation sends.
pub struct SubscriberStore<'a> {
    pub(super) db: &'a Db,
    pub(super) conn: &'a Connection,
}

impl SubscriberStore<'_> {
    /// Records which address hash a link identifier stands for (idempotent).
    pub fn register_link_id(&self, link_id: &str, email_hash: &str) -> Result<()> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO link_ids (id, email_hash) VALUES (?1, ?2)")?
            .execute([link_id, email_hash])?;
        Ok(())
    }

    /// The address hash a link is about: a version 2 identifier is looked up
    /// (unknown or erased: `None`); a version 1 link carries the hash itself
    /// (erased: `None`).
    pub fn resolve(&self, subject: &Subject) -> Result<Option<String>> {
        match subject {
            Subject::LegacyHash(h) => {
                let erased = self.suppression(h)?.as_deref() == Some("forgotten");
                Ok((!erased).then(|| h.clone()))
            }
            Subject::LinkId(id) => Ok(self
                .conn
                .query_row("SELECT email_hash FROM link_ids WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?),
        }
    }

    /// The suppression of an address hash, if any.
    pub fn suppression(&self, email_hash: &str) -> Result<Option<String>> {
        Ok(self
            .db
            .conn
            .prepare_cached(SUPPRESSION)?
            .query_row([email_hash], |r| r.get(0))
            .optional()?)
    }

    pub fn suppress(
        &self,
        email_hash: &str,
        reason: Suppression,
        detail: Option<&str>,
    ) -> Result<()> {
        let now = now_text();
        self.conn.execute(
            "INSERT INTO suppressions (email_hash, reason, detail, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (email_hash) DO UPDATE SET reason = CASE WHEN suppressions.reason = 'forgotten' THEN 'forgotten' ELSE excluded.reason END,
                 detail = excluded.detail",
            params![email_hash, reason.as_str(), detail, now],
        )?;
        self.conn
            .prepare_cached(
                "INSERT INTO suppression_log (email_hash, action, reason, detail, at) VALUES (?1, 'suppressed', ?2, ?3, ?4)",
            )?
            .execute(params![email_hash, reason.as_str(), detail, now])?;
        Ok(())
    }

    /// Adds an address to a list (or confirms a pending membership), with a
    /// consent record. Never resubscribes an unsubscribed or suppressed address.
    pub fn add(
        &self,
        email: &EmailAddress,
        name: Option<&str>,
        lang: Option<&Lang>,
        list: &str,
        status: Status,
        source: &str,
    ) -> Result<AddOutcome> {
        let hash = email.hash();
        if let Some(why) = self.record(&hash, email, name, lang)? {
            return Ok(AddOutcome::Refused(why));
        }
        self.join(&hash, list, status, source)
    }

    /// The first half of an add: records the person (or, known already,
    /// their new name and language), unless the address is suppressed:
    /// then why it is refused. An import does this for a sorted chunk of
    /// rows, then [`Self::join`] for them, each a sweep through one table
    /// (with an [`Importer`], which prepares the statements once).
    pub fn record(
        &self,
        hash: &str,
        email: &EmailAddress,
        name: Option<&str>,
        lang: Option<&Lang>,
    ) -> Result<Option<&'static str>> {
        self.importer()?.record(hash, email, name, lang)
    }

    /// The second half of an add: the recorded person joins `list`,
    /// unless they left it (never resubscribed by staff).
    pub fn join(&self, hash: &str, list: &str, status: Status, source: &str) -> Result<AddOutcome> {
        self.importer()?.join(hash, list, status, source)
    }

    /// The statements of [`Self::record`] and [`Self::join`], prepared for
    /// many rows, with one time for all of them.
    pub fn importer(&self) -> Result<Importer<'_>> {
        Ok(Importer {
            conn: self.conn,
            suppression: self.conn.prepare_cached(SUPPRESSION)?,
            record: self.conn.prepare_cached(
                "INSERT INTO subscribers (email_hash, email, name, lang, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (email_hash) DO UPDATE SET name = COALESCE(excluded.name, subscribers.name),
                     lang = COALESCE(excluded.lang, subscribers.lang)",
            )?,
            join: self.conn.prepare_cached(
                "INSERT INTO memberships (email_hash, list, status, consent_at, consent_source, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?4) ON CONFLICT (email_hash, list) DO NOTHING",
            )?,
            now: now_text(),
        })
    }

    /// Unsubscribes an address hash from one list, or from everything (`list: None`,
    /// which also records a suppression). Returns how many memberships changed.
    pub fn unsubscribe(&self, email_hash: &str, list: Option<&str>, source: &str) -> Result<usize> {
        let now = now_text();
        match list {
            Some(list) => {
                let n = self.conn.execute(
                    "INSERT INTO memberships (email_hash, list, status, consent_at, consent_source, updated_at)
                     VALUES (?1, ?2, 'unsubscribed', ?3, ?4, ?3)
                     ON CONFLICT (email_hash, list) DO UPDATE SET status = 'unsubscribed', updated_at = excluded.updated_at
                     WHERE memberships.status != 'unsubscribed'",
                    params![email_hash, list, now, source],
                )?;
                Ok(n)
            }
            None => {
                let n = self.conn.execute(
                    "UPDATE memberships SET status = 'unsubscribed', updated_at = ?2 WHERE email_hash = ?1 AND status != 'unsubscribed'",
                    params![email_hash, now],
                )?;
                self.suppress(email_hash, Suppression::Unsubscribed, Some(source))?;
                Ok(n)
            }
        }
    }

    /// Status of an address hash on a list.
    pub fn membership(&self, email_hash: &str, list: &str) -> Result<Option<String>> {
        Ok(self
            .db
            .conn
            .query_row(
                "SELECT status FROM memberships WHERE email_hash = ?1 AND list = ?2",
                params![email_hash, list],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// A sign-up from the web form: the subscriber and a `pending` membership
    /// with a consent record for each list. Memberships already confirmed stay
    /// confirmed. Nothing about the address is revealed to the caller.
    pub fn web_signup(
        &self,
        email: &EmailAddress,
        link_id: &str,
        lang: &Lang,
        lists: &[String],
    ) -> Result<()> {
        let hash = email.hash();
        let now = now_text();
        let tx = immediate(self.conn)?;
        tx.execute(
            "INSERT INTO subscribers (email_hash, email, name, lang, created_at) VALUES (?1, ?2, NULL, ?3, ?4)
             ON CONFLICT (email_hash) DO NOTHING",
            params![hash, email.as_str(), lang, now],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO link_ids (id, email_hash) VALUES (?1, ?2)",
            [link_id, &hash],
        )?;
        for list in lists {
            tx.execute(
                "INSERT INTO memberships (email_hash, list, status, consent_at, consent_source, updated_at)
                 VALUES (?1, ?2, 'pending', ?3, 'web form', ?3)
                 ON CONFLICT (email_hash, list) DO UPDATE SET status = 'pending', consent_at = excluded.consent_at,
                     consent_source = 'web form', updated_at = excluded.updated_at
                 WHERE memberships.status != 'confirmed'",
                params![hash, list, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Decides, and records in one transaction, whether a confirmation email
    /// may go to `email_hash` at `now` (Unix seconds). Counts live in the
    /// database, so a restart does not reset them; rows older than a day are
    /// pruned.
    pub fn reserve_confirmation(
        &self,
        email_hash: &str,
        now: i64,
        limits: ConfirmationLimits,
    ) -> Result<Reservation> {
        let tx = immediate(self.conn)?;
        tx.execute(
            "DELETE FROM confirmation_sends WHERE sent_at <= ?1",
            [now - 24 * 3600],
        )?;
        let count = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> rusqlite::Result<i64> {
            tx.query_row(sql, p, |r| r.get(0))
        };
        if limits.per_hour > 0
            && count(
                "SELECT COUNT(*) FROM confirmation_sends WHERE sent_at > ?1",
                &[&(now - 3600)],
            )? >= i64::from(limits.per_hour)
        {
            return Ok(Reservation::Busy);
        }
        let suppressed: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM suppressions WHERE email_hash = ?1)",
            [email_hash],
            |r| r.get(0),
        )?;
        let recent = count(
            "SELECT COUNT(*) FROM confirmation_sends WHERE email_hash = ?1 AND sent_at > ?2",
            &[&email_hash, &(now - limits.interval)],
        )?;
        let today = count(
            "SELECT COUNT(*) FROM confirmation_sends WHERE email_hash = ?1",
            &[&email_hash],
        )?;
        if suppressed || recent > 0 || (limits.per_day > 0 && today >= i64::from(limits.per_day)) {
            return Ok(Reservation::Quiet);
        }
        tx.execute(
            "INSERT INTO confirmation_sends (email_hash, sent_at) VALUES (?1, ?2)",
            params![email_hash, now],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Reservation::Mail(id))
    }

    /// Gives back a reservation whose email could not be sent.
    pub fn release_confirmation(&self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM confirmation_sends WHERE rowid = ?1", [id])?;
        Ok(())
    }

    /// Confirms pending memberships from a confirmation link (idempotent).
    /// The address proved it receives our mail, so an earlier unsubscribe,
    /// erasure or bounce suppression is lifted; a manual or complaint
    /// suppression is not. Returns false when nothing could be confirmed.
    pub fn confirm(&self, email_hash: &str, lists: &[String], lang: &Lang) -> Result<bool> {
        let now = now_text();
        let tx = immediate(self.conn)?;
        let blocked: Option<String> = tx
            .query_row(
                "SELECT reason FROM suppressions WHERE email_hash = ?1 AND reason IN ('manual', 'complaint')",
                [email_hash],
                |r| r.get(0),
            )
            .optional()?;
        if blocked.is_some() {
            return Ok(false);
        }
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM subscribers WHERE email_hash = ?1)",
            [email_hash],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(false);
        }
        self.lift(email_hash, "confirmed again on the web")?;
        tx.execute(
            "UPDATE subscribers SET lang = ?2 WHERE email_hash = ?1",
            params![email_hash, lang],
        )?;
        for list in lists {
            tx.execute(
                "UPDATE memberships SET status = 'confirmed', consent_at = CASE WHEN status = 'confirmed' THEN consent_at ELSE ?3 END,
                     consent_source = CASE WHEN status = 'confirmed' THEN consent_source ELSE 'web form, confirmed by email' END,
                     updated_at = ?3
                 WHERE email_hash = ?1 AND list = ?2 AND status IN ('pending', 'confirmed')",
                params![email_hash, list, now],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Sets the lists and language chosen on the preferences page.
    pub fn set_preferences(
        &self,
        email_hash: &str,
        chosen: &[String],
        offered: &[String],
        lang: Option<&Lang>,
    ) -> Result<()> {
        let now = now_text();
        let tx = immediate(self.conn)?;
        for list in offered {
            if chosen.contains(list) {
                tx.execute(
                    "INSERT INTO memberships (email_hash, list, status, consent_at, consent_source, updated_at)
                     VALUES (?1, ?2, 'confirmed', ?3, 'preferences page', ?3)
                     ON CONFLICT (email_hash, list) DO UPDATE SET status = 'confirmed',
                         consent_at = CASE WHEN memberships.status = 'confirmed' THEN memberships.consent_at ELSE excluded.consent_at END,
                         consent_source = CASE WHEN memberships.status = 'confirmed' THEN memberships.consent_source ELSE 'preferences page' END,
                         updated_at = excluded.updated_at",
                    params![email_hash, list, now],
                )?;
            } else {
                tx.execute(
                    "INSERT INTO memberships (email_hash, list, status, consent_at, consent_source, updated_at)
                     VALUES (?1, ?2, 'unsubscribed', ?3, 'preferences page', ?3)
                     ON CONFLICT (email_hash, list) DO UPDATE SET status = 'unsubscribed', updated_at = excluded.updated_at
                     WHERE memberships.status != 'unsubscribed'",
                    params![email_hash, list, now],
                )?;
            }
        }
        if let Some(lang) = lang {
            tx.execute(
                "UPDATE subscribers SET lang = ?2 WHERE email_hash = ?1",
                params![email_hash, lang],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Memberships of an address hash: list → status.
    pub fn memberships(&self, email_hash: &str) -> Result<Vec<(String, String)>> {
        let mut q = self
            .conn
            .prepare("SELECT list, status FROM memberships WHERE email_hash = ?1 ORDER BY list")?;
        let rows = q.query_map([email_hash], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The preferred language of an address hash, if known.
    pub fn lang_of(&self, email_hash: &str) -> Result<Option<Lang>> {
        Ok(super::lang_column(
            self.conn
                .query_row(
                    "SELECT lang FROM subscribers WHERE email_hash = ?1",
                    [email_hash],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten(),
        ))
    }

    /// Erases all personal data of an address, keeping only a hashed
    /// suppression. Deleted content is overwritten (`secure_delete`) and the
    /// WAL is checkpointed and truncated, so no copy stays in either file.
    pub fn forget(&self, email: &EmailAddress) -> Result<usize> {
        let hash = email.hash();
        let tx = immediate(self.conn)?;
        let mut n = tx.execute("DELETE FROM subscribers WHERE email_hash = ?1", [&hash])?;
        n += tx.execute("DELETE FROM memberships WHERE email_hash = ?1", [&hash])?;
        n += tx.execute(
            "UPDATE deliveries SET email = NULL, name = NULL, reply = NULL WHERE email_hash = ?1",
            [&hash],
        )?;
        tx.execute("DELETE FROM link_ids WHERE email_hash = ?1", [&hash])?;
        // Bounces quote the message and the address: evidence goes too, and
        // the suppression history (its details quote relay replies).
        tx.execute("DELETE FROM bounce_events WHERE email_hash = ?1", [&hash])?;
        tx.execute("DELETE FROM suppression_log WHERE email_hash = ?1", [&hash])?;
        tx.execute(
            "DELETE FROM confirmation_sends WHERE email_hash = ?1",
            [&hash],
        )?;
        tx.execute(
            "INSERT INTO suppressions (email_hash, reason, detail, created_at) VALUES (?1, 'forgotten', NULL, ?2)
             ON CONFLICT (email_hash) DO UPDATE SET reason = 'forgotten', detail = NULL",
            params![hash, now_text()],
        )?;
        tx.commit()?;
        self.db.checkpoint()?;
        Ok(n)
    }

    /// Confirmed, unsuppressed members of `list` by their language (`None`:
    /// none given), for the writer's email view.
    pub fn mailable_by_lang(&self, list: &ListName) -> Result<Vec<(Option<String>, u64)>> {
        let mut q = self.conn.prepare(
            "SELECT s.lang, COUNT(*) FROM memberships m JOIN subscribers s ON s.email_hash = m.email_hash
             WHERE m.list = ?1 AND m.status = 'confirmed'
               AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = m.email_hash)
             GROUP BY s.lang ORDER BY s.lang",
        )?;
        let rows = q.query_map([list.as_str()], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, i64>(1)?.max(0) as u64,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Members of `list` by status.
    pub fn counts(&self, list: &ListName) -> Result<ListCounts> {
        let mut q = self.conn.prepare_cached(
            "SELECT status, COUNT(*) FROM memberships WHERE list = ?1 GROUP BY status",
        )?;
        let mut out = ListCounts::default();
        for row in q.query_map([list], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (status, n) = row?;
            let n = n.max(0) as u64;
            match status.as_str() {
                "confirmed" => out.confirmed = n,
                "pending" => out.pending = n,
                _ => out.unsubscribed = n,
            }
        }
        Ok(out)
    }

    /// How many addresses are suppressed (never mailed).
    pub fn suppressed_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM suppressions", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Calls `each` for every membership of `list` (of every list: `None`),
    /// ordered by list and address; with `mailable_only`, only confirmed
    /// memberships of addresses that are not suppressed.
    pub fn each_member<E: From<super::Error>>(
        &self,
        list: Option<&str>,
        mailable_only: bool,
        mut each: impl FnMut(Member) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut q = self
            .conn
            .prepare(
                "SELECT s.email, COALESCE(s.name, ''), NULLIF(s.lang, ''), m.list, m.status, m.consent_at, m.consent_source, m.updated_at
                 FROM memberships m JOIN subscribers s ON s.email_hash = m.email_hash
                 WHERE (?1 IS NULL OR m.list = ?1)
                   AND (NOT ?2 OR (m.status = 'confirmed' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = m.email_hash)))
                 ORDER BY m.list, s.email",
            )
            .map_err(super::Error::from)?;
        let mut rows = q
            .query(params![list, mailable_only])
            .map_err(super::Error::from)?;
        while let Some(r) = rows.next().map_err(super::Error::from)? {
            let member = (|| -> rusqlite::Result<Member> {
                Ok(Member {
                    email: r.get(0)?,
                    name: r.get(1)?,
                    lang: r.get(2)?,
                    list: r.get(3)?,
                    status: r.get(4)?,
                    consent_at: r.get(5)?,
                    consent_source: r.get(6)?,
                    updated_at: r.get(7)?,
                })
            })()
            .map_err(super::Error::from)?;
            each(member)?;
        }
        Ok(())
    }

    /// Removes the suppression of `email_hash`, keeping it in the record
    /// (`suppression_log`) with `why`. Returns the reason it had, if any.
    fn lift(&self, email_hash: &str, why: &str) -> Result<Option<String>> {
        let old: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT reason, detail FROM suppressions WHERE email_hash = ?1",
                [email_hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((reason, detail)) = old else {
            return Ok(None);
        };
        self.conn.execute(
            "DELETE FROM suppressions WHERE email_hash = ?1",
            [email_hash],
        )?;
        let detail = match detail {
            Some(d) => format!("{why} (was: {d})"),
            None => why.to_string(),
        };
        self.conn.execute(
            "INSERT INTO suppression_log (email_hash, action, reason, detail, at) VALUES (?1, 'lifted', ?2, ?3, ?4)",
            params![email_hash, reason, detail, now_text()],
        )?;
        Ok(Some(reason))
    }

    /// Lifts a suppression set by mistake (staff, `subscribers unsuppress`).
    /// An erased address stays erased. The address's memberships are left as
    /// they are: one that was unsubscribed must subscribe again.
    pub fn unsuppress(&self, email: &EmailAddress) -> Result<Unsuppressed> {
        self.unsuppress_hash(&email.hash(), "lifted by staff")
    }

    /// [`Self::unsuppress`] by the address's hash (the desk's list of
    /// suppressions names entries so), with the staff's reason.
    pub fn unsuppress_hash(&self, hash: &str, why: &str) -> Result<Unsuppressed> {
        let tx = immediate(self.conn)?;
        if self.suppression(hash)?.as_deref() == Some("forgotten") {
            return Ok(Unsuppressed::Erased);
        }
        let out = match self.lift(hash, why)? {
            Some(reason) => Unsuppressed::Lifted(reason),
            None => Unsuppressed::NotSuppressed,
        };
        tx.commit()?;
        Ok(out)
    }

    /// Subscribers whose address or name holds `q` (any case), in address
    /// order, at most `limit`, each with their lists.
    pub fn search(&self, q: &str, limit: usize) -> Result<Vec<SubscriberRow>> {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let mut st = self.conn.prepare(&format!(
            "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers s
             WHERE s.email LIKE ?1 ESCAPE '\\' OR s.name LIKE ?1 ESCAPE '\\'
             ORDER BY s.email LIMIT ?2"
        ))?;
        let rows = st.query_map(params![pattern, limit as i64], subscriber_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The subscriber with the address hash `hash`.
    pub fn by_hash(&self, hash: &str) -> Result<Option<SubscriberRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers s WHERE s.email_hash = ?1"),
                [hash],
                subscriber_row,
            )
            .optional()?)
    }

    /// The memberships of an address hash with their consent records.
    pub fn consents(&self, hash: &str) -> Result<Vec<Consent>> {
        let mut q = self.conn.prepare(
            "SELECT list, status, consent_at, consent_source, updated_at FROM memberships
             WHERE email_hash = ?1 ORDER BY list",
        )?;
        let rows = q.query_map([hash], |r| {
            Ok(Consent {
                list: r.get(0)?,
                status: r.get(1)?,
                consent_at: r.get(2)?,
                source: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets (or clears) the language of an address hash: whether it is
    /// a subscriber.
    pub fn set_lang(&self, hash: &str, lang: Option<&Lang>) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE subscribers SET lang = ?2 WHERE email_hash = ?1",
            params![hash, lang.map(Lang::as_str)],
        )? == 1)
    }

    /// The suppression list, newest first, at most `limit`: each entry's
    /// address when it is still known, reason, evidence and date.
    pub fn suppressions(&self, limit: usize) -> Result<Vec<SuppressionRow>> {
        let mut q = self.conn.prepare(
            "SELECT x.email_hash, s.email, x.reason, COALESCE(x.detail, ''), x.created_at
             FROM suppressions x LEFT JOIN subscribers s ON s.email_hash = x.email_hash
             ORDER BY x.created_at DESC LIMIT ?1",
        )?;
        let rows = q.query_map([limit as i64], |r| {
            Ok(SuppressionRow {
                recipient: Addressee::from_columns(r.get(1)?, &r.get::<_, String>(0)?),
                hash: r.get(0)?,
                reason: r.get(2)?,
                detail: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Bounce and complaint events received since `since` (RFC 3339),
    /// newest first, at most `limit`.
    pub fn bounce_events(&self, since: &str, limit: usize) -> Result<Vec<BounceRow>> {
        let mut q = self.conn.prepare(
            "SELECT e.received_at, s.email, e.email_hash,
                    e.kind, e.status, e.release, COALESCE(e.diagnostic, ''), x.reason
             FROM bounce_events e
             LEFT JOIN subscribers s ON s.email_hash = e.email_hash
             LEFT JOIN suppressions x ON x.email_hash = e.email_hash
             WHERE e.received_at >= ?1
             ORDER BY e.received_at DESC, e.id DESC LIMIT ?2",
        )?;
        let rows = q.query_map(params![since, limit as i64], |r| {
            Ok(BounceRow {
                at: r.get(0)?,
                recipient: Addressee::from_columns(r.get(1)?, &r.get::<_, String>(2)?),
                kind: r.get(3)?,
                status: r.get(4)?,
                release: r.get(5)?,
                diagnostic: r.get(6)?,
                suppressed: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

const SUBSCRIBER_COLUMNS: &str = "s.email_hash, s.email, s.name, s.lang, s.created_at,
    (SELECT group_concat(m.list || ' (' || m.status || ')', ', ') FROM memberships m
     WHERE m.email_hash = s.email_hash)";

fn subscriber_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SubscriberRow> {
    Ok(SubscriberRow {
        hash: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        lang: r.get(3)?,
        created_at: r.get(4)?,
        lists: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
    })
}

/// One subscriber, for the desk's search and page.
#[derive(Debug, Clone)]
pub struct SubscriberRow {
    pub hash: String,
    pub email: String,
    pub name: Option<String>,
    pub lang: Option<String>,
    pub created_at: String,
    /// "news (confirmed), media (unsubscribed)".
    pub lists: String,
}

/// One membership with its consent record.
#[derive(Debug, Clone)]
pub struct Consent {
    pub list: String,
    pub status: String,
    pub consent_at: String,
    pub source: String,
    pub updated_at: String,
}

/// One entry of the suppression list.
#[derive(Debug, Clone)]
pub struct SuppressionRow {
    pub hash: String,
    /// The address, or the start of its hash when it is not known (erased,
    /// or never a subscriber: a CSV list's).
    pub recipient: Addressee,
    pub reason: String,
    /// The evidence: the relay's or receiving server's words.
    pub detail: String,
    pub at: String,
}

/// What `unsuppress` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsuppressed {
    /// The suppression (with this reason) is lifted.
    Lifted(String),
    NotSuppressed,
    /// Erased on request: it stays so.
    Erased,
}

/// One bounce or complaint, for `subscribers bounces`.
#[derive(Debug, Clone)]
pub struct BounceRow {
    /// When it was received (RFC 3339, UTC).
    pub at: String,
    pub recipient: Addressee,
    pub kind: EventKind,
    /// RFC 3463 status (`5.1.1`), or the feedback type of a complaint.
    pub status: Option<String>,
    pub release: Option<String>,
    pub diagnostic: String,
    /// The address's suppression now.
    pub suppressed: Option<Suppression>,
}
