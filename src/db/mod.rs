//! The SQLite database, and the only place in pressroom that speaks SQL.
//!
//! [`Db`] opens it (creating and migrating it), sets its pragmas (WAL mode
//! with a busy timeout, so that `send` and `serve` share it; `secure_delete`,
//! so erased data is overwritten) and hands out two typed views over its one
//! private connection: [`SubscriberStore`] (addresses, lists, consent,
//! suppressions) and [`Journal`] (one row per release and recipient).

pub mod accepted;
pub mod backup;
mod bounces;
mod columns;
mod desk;
mod journal;
mod migrations;
mod sends;
mod subscribers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use bounces::{Bounces, Event, EventKind, MAX_EVIDENCE_BYTES, SoftRule, Verdict};
pub use columns::Addressee;
pub use desk::{
    AuditEntry, AuditRow, DeskStore, OidcFlow, ReleaseRecord, Role, SessionRow, TotpRow, User,
};
pub use journal::{
    Accepted, Breakdown, CsvInserter, DeliveryStatus, Failure, Job, Journal, Person,
    QueuedRecipient, ReportLine, ReportRow, StatusCounts, now_ms,
};
pub use sends::{SendQueue, SendRequest, SendState};
pub use subscribers::{
    AddOutcome, BounceRow, ConfirmationLimits, Consent, Importer, ListCounts, Member, Reservation,
    Status, SubscriberRow, SubscriberStore, Suppression, SuppressionRow, Unsuppressed,
};

/// Language codes are stored as their text.
impl rusqlite::ToSql for crate::i18n::Lang {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// List names are stored as their text.
impl rusqlite::ToSql for crate::config::ListName {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// A stored language code, or `None` when the column is empty or holds
/// something that is not a language code (a damaged or hand-edited row).
fn lang_column(text: Option<String>) -> Option<crate::i18n::Lang> {
    text.and_then(|t| crate::i18n::Lang::parse(&t).ok())
}

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open the database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot bring the database {} up to date: {source}", path.display())]
    Migrate {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },
    #[error(
        "the database {} is busy (another pressroom process is reading it): its write-ahead log still holds erased data; run the command again when it is idle",
        path.display()
    )]
    Busy { path: PathBuf },
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

/// The current time as stored in the database (RFC 3339, milliseconds, UTC).
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A write transaction taken at once (`BEGIN IMMEDIATE`): never upgraded
/// from a read later, which WAL refuses when another connection wrote in
/// between. Every write transaction in pressroom starts here.
fn immediate(conn: &Connection) -> rusqlite::Result<Transaction<'_>> {
    Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
}

/// The page cache of [`Db::bulk_cache`]; dropping it restores the size.
pub struct BulkCache<'a> {
    conn: &'a Connection,
    before: i64,
}

impl Drop for BulkCache<'_> {
    fn drop(&mut self) {
        // Nothing to report if it fails: the connection keeps a larger cache.
        let _ = self.conn.pragma_update(None, "cache_size", self.before);
    }
}

/// An open write transaction: [`WriteTx::commit`] keeps its changes,
/// dropping it discards them.
pub struct WriteTx<'a>(Transaction<'a>);

impl WriteTx<'_> {
    pub fn commit(self) -> Result<()> {
        Ok(self.0.commit()?)
    }
}

/// The database path: `PRESSROOM_DB`, else `[subscribers] database`, else
/// `subscribers/pressroom.db` under the root.
pub fn database_path(config: &crate::config::Config) -> PathBuf {
    if let Ok(p) = std::env::var("PRESSROOM_DB") {
        return PathBuf::from(p);
    }
    config.root.join(
        config
            .subscribers
            .database
            .as_deref()
            .unwrap_or("subscribers/pressroom.db"),
    )
}

/// Opens the database of a pressroom.
pub fn open(config: &crate::config::Config) -> Result<Db> {
    Db::open(&database_path(config))
}

/// A connection to the database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

impl Db {
    /// Opens (creating and migrating if needed) the database at `path`.
    /// The database and its WAL are readable by the owner only (0600, in a
    /// 0700 directory when pressroom creates it), and deleted content is
    /// overwritten (`secure_delete`), so erasure leaves no copy behind.
    pub fn open(path: &Path) -> Result<Self> {
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| Error::Open {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::create_private_dir(dir).map_err(|e| fail(e.into()))?;
        }
        crate::files::make_private_file(path).map_err(|e| fail(e.into()))?;
        // A WAL left by an older pressroom may be world-readable: narrow it.
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let side = PathBuf::from(side);
            if side.exists() {
                crate::files::make_private_file(&side).map_err(|e| fail(e.into()))?;
            }
        }
        let mut conn = Connection::open(path).map_err(|e| fail(e.into()))?;
        let pragmas = |conn: &Connection| -> rusqlite::Result<()> {
            conn.busy_timeout(Duration::from_secs(10))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.pragma_update(None, "secure_delete", "ON")
        };
        pragmas(&conn).map_err(|e| fail(e.into()))?;
        migrations::MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|source| Error::Migrate {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Addresses, lists, consent and suppressions.
    pub fn subscribers(&self) -> SubscriberStore<'_> {
        SubscriberStore {
            db: self,
            conn: &self.conn,
        }
    }

    /// Bounces and complaints, and the rules that suppress.
    pub fn bounces(&self) -> Bounces<'_> {
        Bounces {
            store: self.subscribers(),
        }
    }

    /// Staff accounts, sign-ins and the audit trail.
    pub fn desk(&self) -> DeskStore<'_> {
        DeskStore { conn: &self.conn }
    }

    /// Sends asked for on the desk.
    pub fn sends(&self) -> SendQueue<'_> {
        SendQueue { conn: &self.conn }
    }

    /// The delivery journal.
    pub fn journal(&self) -> Journal<'_> {
        Journal { conn: &self.conn }
    }

    /// Begins a write transaction on this connection: what the views do
    /// until it is committed or dropped is one unit.
    pub fn write(&self) -> Result<WriteTx<'_>> {
        Ok(WriteTx(immediate(&self.conn)?))
    }

    /// A larger page cache (64 MiB) for bulk work such as an import, until
    /// the guard is dropped: the pages a big transaction changes stay in
    /// memory instead of being written to the WAL and read back.
    pub fn bulk_cache(&self) -> Result<BulkCache<'_>> {
        let before: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        Ok(BulkCache {
            conn: &self.conn,
            before,
        })
    }

    /// Whether the database answers a read of every table's schema.
    pub fn health(&self) -> Result<()> {
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

    /// Copies the WAL into the database and truncates it to zero bytes.
    /// Fails when another process holds a read transaction open throughout
    /// the busy timeout, so erasure never claims more than it did.
    pub fn checkpoint(&self) -> Result<()> {
        let (busy, _, _): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            return Err(Error::Busy {
                path: self.path.clone(),
            });
        }
        Ok(())
    }
}
