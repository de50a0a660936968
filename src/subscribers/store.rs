//! The SQLite database: subscribers, list memberships with consent records,
//! suppressions and the delivery journal. WAL mode with a busy timeout, so
//! that `send` and `serve` can share it; migrations are built into the binary.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use super::address::EmailAddress;
use super::token::Subject;

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(
            r#"
CREATE TABLE subscribers (
    email_hash TEXT PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT,
    lang       TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE memberships (
    email_hash     TEXT NOT NULL,
    list           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    consent_at     TEXT NOT NULL,
    consent_source TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (email_hash, list)
);
CREATE INDEX memberships_by_list ON memberships (list, status);
CREATE TABLE suppressions (
    email_hash TEXT PRIMARY KEY,
    reason     TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'hard_bounce', 'complaint', 'manual', 'forgotten')),
    detail     TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE deliveries (
    release     TEXT NOT NULL,
    email_hash  TEXT NOT NULL,
    email       TEXT,
    name        TEXT,
    lang        TEXT NOT NULL,
    list        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL DEFAULT 0,
    message_id  TEXT,
    relay       TEXT,
    reply       TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (release, email_hash)
);
CREATE INDEX deliveries_work ON deliveries (release, status, not_before);
"#,
        ),
        // Links carry a keyed identifier, not the address hash; this maps it
        // back. Confirmation emails sent, for per-address and global caps.
        M::up(
            r#"
CREATE TABLE link_ids (
    id         TEXT PRIMARY KEY,
    email_hash TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE confirmation_sends (
    email_hash TEXT NOT NULL,
    sent_at    INTEGER NOT NULL
);
CREATE INDEX confirmation_sends_by_hash ON confirmation_sends (email_hash, sent_at);
CREATE INDEX confirmation_sends_by_time ON confirmation_sends (sent_at);
"#,
        ),
        // What a release was first sent to, so that it goes to the members of
        // that moment only (nobody who joins later gets the back catalogue),
        // and which files it was sent from (to notice a changed identity).
        M::up(
            r#"
CREATE TABLE planned_lists (
    release    TEXT NOT NULL,
    list       TEXT NOT NULL,
    planned_at TEXT NOT NULL,
    PRIMARY KEY (release, list)
) WITHOUT ROWID;
INSERT OR IGNORE INTO planned_lists (release, list, planned_at)
    SELECT release, list, MIN(updated_at) FROM deliveries GROUP BY release, list;
CREATE TABLE release_files (
    release TEXT NOT NULL,
    path    TEXT NOT NULL,
    lang    TEXT NOT NULL,
    title   TEXT NOT NULL,
    PRIMARY KEY (release, path)
) WITHOUT ROWID;
CREATE INDEX release_files_by_path ON release_files (path);
"#,
        ),
    ])
});

/// Membership status on one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Confirmed,
    Unsubscribed,
}

impl Status {
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

/// A connection to the database.
pub struct Store {
    pub conn: Connection,
    pub path: PathBuf,
}

pub fn now_text() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`.
    /// The database and its WAL are readable by the owner only (0600, in a
    /// 0700 directory when pressroom creates it), and deleted content is
    /// overwritten (`secure_delete`), so erasure leaves no copy behind.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::create_private_dir(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        crate::files::make_private_file(path)
            .with_context(|| format!("cannot create the database {}", path.display()))?;
        // A WAL left by an older pressroom may be world-readable: narrow it.
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let side = PathBuf::from(side);
            if side.exists() {
                crate::files::make_private_file(&side)
                    .with_context(|| format!("cannot make {} private", side.display()))?;
            }
        }
        let mut conn = Connection::open(path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        MIGRATIONS
            .to_latest(&mut conn)
            .with_context(|| format!("cannot migrate the database {}", path.display()))?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Whether the database answers a read of every table's schema.
    pub fn health(&self) -> anyhow::Result<()> {
        let _: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))?;
        let _: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM suppressions LIMIT 1", [], |r| {
                r.get(0)
            })?;
        Ok(())
    }

    /// Records which address hash a link identifier stands for (idempotent).
    pub fn register_link_id(&self, link_id: &str, email_hash: &str) -> anyhow::Result<()> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO link_ids (id, email_hash) VALUES (?1, ?2)")?
            .execute([link_id, email_hash])?;
        Ok(())
    }

    /// The address hash a link is about: a version 2 identifier is looked up
    /// (unknown or erased: `None`); a version 1 link carries the hash itself
    /// (erased: `None`).
    pub fn resolve(&self, subject: &Subject) -> anyhow::Result<Option<String>> {
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
    pub fn suppression(&self, email_hash: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT reason FROM suppressions WHERE email_hash = ?1",
                [email_hash],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn suppress(
        &self,
        email_hash: &str,
        reason: Suppression,
        detail: Option<&str>,
    ) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO suppressions (email_hash, reason, detail, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (email_hash) DO UPDATE SET reason = CASE WHEN suppressions.reason = 'forgotten' THEN 'forgotten' ELSE excluded.reason END,
                 detail = excluded.detail",
            params![email_hash, reason.as_str(), detail, now_text()],
        )?;
        Ok(())
    }

    /// Adds an address to a list (or confirms a pending membership), with a
    /// consent record. Never resubscribes an unsubscribed or suppressed address.
    pub fn add(
        &self,
        email: &EmailAddress,
        name: Option<&str>,
        lang: Option<&str>,
        list: &str,
        status: Status,
        source: &str,
    ) -> anyhow::Result<AddOutcome> {
        let hash = email.hash();
        let name = name.and_then(super::clean_name);
        if let Some(reason) = self.suppression(&hash)? {
            return Ok(AddOutcome::Refused(match reason.as_str() {
                "hard_bounce" => "suppressed after a hard bounce",
                "complaint" => "suppressed after a complaint",
                "forgotten" => "erased on request (forget)",
                "manual" => "suppressed by hand",
                _ => "unsubscribed from everything",
            }));
        }
        let now = now_text();
        self.conn.execute(
            "INSERT INTO subscribers (email_hash, email, name, lang, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (email_hash) DO UPDATE SET name = COALESCE(excluded.name, subscribers.name),
                 lang = COALESCE(excluded.lang, subscribers.lang)",
            params![hash, email.as_str(), name, lang, now],
        )?;
        let current: Option<String> = self
            .conn
            .query_row(
                "SELECT status FROM memberships WHERE email_hash = ?1 AND list = ?2",
                params![hash, list],
                |r| r.get(0),
            )
            .optional()?;
        match current.as_deref() {
            Some("unsubscribed") => Ok(AddOutcome::Refused("unsubscribed from this list")),
            Some("confirmed") => Ok(AddOutcome::AlreadyMember),
            Some(_) if status == Status::Pending => Ok(AddOutcome::AlreadyMember),
            Some(_) => {
                self.conn.execute(
                    "UPDATE memberships SET status = ?3, updated_at = ?4 WHERE email_hash = ?1 AND list = ?2",
                    params![hash, list, status.as_str(), now],
                )?;
                Ok(AddOutcome::Added)
            }
            None => {
                self.conn.execute(
                    "INSERT INTO memberships (email_hash, list, status, consent_at, consent_source, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
                    params![hash, list, status.as_str(), now, source],
                )?;
                Ok(AddOutcome::Added)
            }
        }
    }

    /// Unsubscribes an address hash from one list, or from everything (`list: None`,
    /// which also records a suppression). Returns how many memberships changed.
    pub fn unsubscribe(
        &self,
        email_hash: &str,
        list: Option<&str>,
        source: &str,
    ) -> anyhow::Result<usize> {
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
    pub fn membership(&self, email_hash: &str, list: &str) -> anyhow::Result<Option<String>> {
        Ok(self
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
        lang: &str,
        lists: &[String],
    ) -> anyhow::Result<()> {
        let hash = email.hash();
        let now = now_text();
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
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
    ) -> anyhow::Result<Reservation> {
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
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
    pub fn release_confirmation(&self, id: i64) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM confirmation_sends WHERE rowid = ?1", [id])?;
        Ok(())
    }

    /// Confirms pending memberships from a confirmation link (idempotent).
    /// The address proved it receives our mail, so an earlier unsubscribe,
    /// erasure or bounce suppression is lifted; a manual or complaint
    /// suppression is not. Returns false when nothing could be confirmed.
    pub fn confirm(&self, email_hash: &str, lists: &[String], lang: &str) -> anyhow::Result<bool> {
        let now = now_text();
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
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
        tx.execute(
            "DELETE FROM suppressions WHERE email_hash = ?1",
            [email_hash],
        )?;
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
        lang: Option<&str>,
    ) -> anyhow::Result<()> {
        let now = now_text();
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
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
    pub fn memberships(&self, email_hash: &str) -> anyhow::Result<Vec<(String, String)>> {
        let mut q = self
            .conn
            .prepare("SELECT list, status FROM memberships WHERE email_hash = ?1 ORDER BY list")?;
        let rows = q.query_map([email_hash], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The preferred language of an address hash, if known.
    pub fn lang_of(&self, email_hash: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT lang FROM subscribers WHERE email_hash = ?1",
                [email_hash],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Erases all personal data of an address, keeping only a hashed
    /// suppression. Deleted content is overwritten (`secure_delete`) and the
    /// WAL is checkpointed and truncated, so no copy stays in either file.
    pub fn forget(&self, email: &EmailAddress) -> anyhow::Result<usize> {
        let hash = email.hash();
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        let mut n = tx.execute("DELETE FROM subscribers WHERE email_hash = ?1", [&hash])?;
        n += tx.execute("DELETE FROM memberships WHERE email_hash = ?1", [&hash])?;
        n += tx.execute(
            "UPDATE deliveries SET email = NULL, name = NULL, reply = NULL WHERE email_hash = ?1",
            [&hash],
        )?;
        tx.execute("DELETE FROM link_ids WHERE email_hash = ?1", [&hash])?;
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
        self.checkpoint()?;
        Ok(n)
    }

    /// Copies the WAL into the database and truncates it to zero bytes.
    /// Fails when another process holds a read transaction open throughout
    /// the busy timeout, so erasure never claims more than it did.
    pub fn checkpoint(&self) -> anyhow::Result<()> {
        let (busy, _, _): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            anyhow::bail!(
                "the database {} is busy (another pressroom process is reading it): its write-ahead log still holds erased data; run the command again when it is idle",
                self.path.display()
            );
        }
        Ok(())
    }
}
