//! `pressroom backup` and `restore`: a consistent copy of the database made
//! with SQLite's online backup API while `serve` and `send` keep writing,
//! and a copy put back after it has been checked.
//!
//! The copy is taken in one step: a read transaction, which in WAL mode
//! never blocks the writers, sees one moment of the database, and the copy
//! is that moment. It is written beside the target under a temporary name,
//! checked (`integrity_check`), made a single file (no WAL) and renamed into
//! place, readable by its owner only: it holds personal data. The messages
//! a running send has in its accepted log (`accepted`) and not yet in the
//! journal are marked `sent` in the copy.
//!
//! A restore never makes things worse: the backup is copied into a new
//! file beside the live database, checked there in full (integrity, the
//! exact schema of its version, no trigger or view that pressroom did not
//! make, foreign keys) and migrated there; only then does it replace the
//! live database, in one transaction, and the database it replaced is kept
//! as `*.before-restore`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{Db, migrations};

/// The tables a backup's summary counts, and what a person calls them.
pub const COUNTED: &[(&str, &str)] = &[
    ("subscribers", "subscribers"),
    ("memberships", "list memberships (with consent records)"),
    ("suppressions", "suppressions"),
    ("suppression_log", "suppression log entries"),
    ("deliveries", "delivery journal rows"),
    ("bounce_events", "bounces and complaints"),
];

/// What a backup or a restore holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The schema version (SQLite `user_version`).
    pub version: i64,
    /// Rows per table of [`COUNTED`], in its order.
    pub rows: Vec<(&'static str, u64)>,
    pub bytes: u64,
}

/// Why a backup or restore did nothing.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{} already exists; pressroom never overwrites a backup: name a new file", .0.display())]
    Exists(PathBuf),
    #[error("there is no database at {} yet: nothing to back up", .0.display())]
    NoDatabase(PathBuf),
    #[error("{} is not a pressroom database: {}", .0.display(), .1)]
    NotADatabase(PathBuf, String),
    #[error("{} is damaged (SQLite integrity check: {}); it was not restored", .0.display(), .1)]
    Damaged(PathBuf, String),
    #[error("{} was made by a newer pressroom (schema {}; this one knows up to {}); update pressroom first", .0.display(), .1, .2)]
    Newer(PathBuf, i64, i64),
    #[error("a `pressroom send` or `publish` is sending from {} right now; restore when it has finished (or stop it), so that no message is sent twice", .0.display())]
    Sending(PathBuf),
    #[error(
        "the database stayed busy: another process kept it locked; try again, or stop `serve` for the moment of the restore"
    )]
    Busy,
    #[error("{}: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
    #[error("{}: {}", .0.display(), .1)]
    Sqlite(PathBuf, rusqlite::Error),
}

/// The newest schema this pressroom knows.
pub fn latest_version() -> i64 {
    migrations::LATEST
}

/// Copies the database at `db` into `dest` (a new file).
pub fn backup(db: &Path, dest: &Path) -> Result<Summary, BackupError> {
    if std::fs::symlink_metadata(dest).is_ok() {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.to_path_buf()));
    }
    let sql = |p: &Path| {
        let p = p.to_path_buf();
        move |e| BackupError::Sqlite(p.clone(), e)
    };
    let source =
        Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sql(db))?;
    source
        .busy_timeout(Duration::from_secs(10))
        .map_err(sql(db))?;
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The messages a send running now has on record in its accepted log
    // but not yet in the journal: read before the copy's moment, so each
    // is either committed by then or marked `sent` in the copy below.
    let accepted = super::accepted::read(db).map_err(|e| {
        BackupError::Io(
            super::accepted::path_for(db),
            std::io::Error::other(format!("{e:#}")),
        )
    })?;
    let tmp = tempfile::Builder::new()
        .prefix(".pressroom-backup-")
        .tempfile_in(dir)
        .map_err(|e| BackupError::Io(dir.to_path_buf(), e))?;
    {
        let mut target = Connection::open(tmp.path()).map_err(sql(dest))?;
        copy(&source, &mut target).map_err(|e| match e {
            Copy::Busy => BackupError::Busy,
            Copy::Sqlite(e) => BackupError::Sqlite(db.to_path_buf(), e),
        })?;
        if !accepted.is_empty() {
            super::Journal { conn: &target }
                .mark_sent(&accepted)
                .map_err(|e| match e {
                    super::Error::Sql(e) => BackupError::Sqlite(dest.to_path_buf(), e),
                    other => BackupError::Io(
                        dest.to_path_buf(),
                        std::io::Error::other(other.to_string()),
                    ),
                })?;
        }
        // One self-contained file: no WAL beside it.
        target
            .pragma_update(None, "journal_mode", "DELETE")
            .map_err(sql(dest))?;
    }
    let summary = inspect(tmp.path()).map_err(|e| match e {
        BackupError::Damaged(_, why) => BackupError::Damaged(dest.to_path_buf(), why),
        other => other,
    })?;
    tmp.persist_noclobber(dest)
        .map_err(|e| BackupError::Io(dest.to_path_buf(), e.error))?;
    crate::files::make_private_file(dest).map_err(|e| BackupError::Io(dest.to_path_buf(), e))?;
    Ok(summary)
}

/// Checks `file` as a restore would, without restoring: a pressroom
/// database this pressroom can open, whole, with exactly the schema that
/// pressroom gives a database of its version (every table, column, index;
/// no trigger or view of anyone else's), and no broken foreign key.
pub fn inspect(file: &Path) -> Result<Summary, BackupError> {
    let not_db = |e: rusqlite::Error| BackupError::NotADatabase(file.to_path_buf(), e.to_string());
    let meta = std::fs::metadata(file).map_err(|e| BackupError::Io(file.to_path_buf(), e))?;
    if !meta.is_file() {
        return Err(BackupError::NotADatabase(
            file.to_path_buf(),
            "it is not a file".into(),
        ));
    }
    let conn =
        Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(not_db)?;
    let check: String = conn
        .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
        .map_err(not_db)?;
    if check != "ok" {
        return Err(BackupError::Damaged(file.to_path_buf(), check));
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(not_db)?;
    if version > latest_version() {
        return Err(BackupError::Newer(
            file.to_path_buf(),
            version,
            latest_version(),
        ));
    }
    if version < 1 {
        return Err(BackupError::NotADatabase(
            file.to_path_buf(),
            "it has no pressroom schema (version 0)".into(),
        ));
    }
    let found = schema_of(&conn).map_err(not_db)?;
    let expected = expected_schema(version);
    if found != expected {
        return Err(BackupError::NotADatabase(
            file.to_path_buf(),
            format!(
                "its schema is not pressroom's schema version {version}: {}",
                schema_difference(&expected, &found)
            ),
        ));
    }
    let broken: Option<String> = conn
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()
        .map_err(not_db)?;
    if let Some(table) = broken {
        return Err(BackupError::Damaged(
            file.to_path_buf(),
            format!("a row of {table} refers to a row that does not exist"),
        ));
    }
    let mut rows = vec![];
    for (table, _) in COUNTED {
        let has = expected
            .iter()
            .any(|e| e.kind == "table" && e.name == *table);
        let n: i64 = if has {
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .map_err(not_db)?
        } else {
            0
        };
        rows.push((*table, u64::try_from(n).unwrap_or(0)));
    }
    Ok(Summary {
        version,
        rows,
        bytes: meta.len(),
    })
}

/// One entry of a database's schema (`sqlite_schema`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SchemaEntry {
    kind: String,
    name: String,
    table: String,
    sql: Option<String>,
}

/// Every entry of the schema of `conn`, sorted, except the statistics that
/// `ANALYZE` keeps (they steer the query planner and run nothing).
fn schema_of(conn: &Connection) -> rusqlite::Result<Vec<SchemaEntry>> {
    let mut st = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema \
         WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\' ORDER BY type, name",
    )?;
    st.query_map([], |r| {
        Ok(SchemaEntry {
            kind: r.get(0)?,
            name: r.get(1)?,
            table: r.get(2)?,
            sql: r.get(3)?,
        })
    })?
    .collect()
}

/// The schema pressroom's migrations give a new database at `version`.
fn expected_schema(version: i64) -> Vec<SchemaEntry> {
    let mut conn = Connection::open_in_memory().expect("SQLite opens an in-memory database");
    let version = usize::try_from(version).expect("a version checked to be at least 1");
    migrations::MIGRATIONS
        .to_version(&mut conn, version)
        .expect("pressroom's own migrations apply to an empty database");
    schema_of(&conn).expect("the schema of an in-memory database reads")
}

/// What differs between two schemas, in words: the first few entries.
fn schema_difference(expected: &[SchemaEntry], found: &[SchemaEntry]) -> String {
    let mut said = vec![];
    for f in found {
        match expected
            .iter()
            .find(|e| e.kind == f.kind && e.name == f.name)
        {
            None => said.push(format!("{} '{}' is not pressroom's", f.kind, f.name)),
            Some(e) if e != f => said.push(format!("{} '{}' differs", f.kind, f.name)),
            Some(_) => {}
        }
    }
    for e in expected {
        if !found.iter().any(|f| f.kind == e.kind && f.name == e.name) {
            said.push(format!("{} '{}' is missing", e.kind, e.name));
        }
    }
    let more = said.len().saturating_sub(4);
    said.truncate(4);
    let mut text = said.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// Where [`restore`] keeps the database it replaced: `pressroom.db` is
/// kept as `pressroom.db.before-restore`.
pub fn before_restore_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".before-restore");
    PathBuf::from(name)
}

/// Records in the database at `db` the messages its accepted log holds
/// (left by an interrupted send), and removes the log.
fn settle_accepted(db: &Path) -> Result<(), BackupError> {
    let log = super::accepted::path_for(db);
    let io =
        |e: anyhow::Error| BackupError::Io(log.clone(), std::io::Error::other(format!("{e:#}")));
    if !super::accepted::read(db).map_err(io)?.is_empty()
        && let Ok(live) = Db::open(db)
    {
        super::accepted::replay(db, &live).map_err(io)?;
    }
    match std::fs::remove_file(&log) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(BackupError::Io(log.clone(), e)),
        _ => Ok(()),
    }
}

/// Puts the backup `file` back as the database at `db` (made if missing).
///
/// The backup is copied into a new file beside the live one and checked
/// there completely ([`inspect`]), and brought up to this pressroom's
/// schema there; only then is it copied over the live database in one
/// SQLite transaction (so `serve`, which may have it open, sees the old
/// database or the new one, never a mixture), after the live one was saved
/// as [`before_restore_path`]. Any failure before that step leaves the live
/// database as it was, byte for byte. Refuses while a sender holds the
/// database's lock, and holds that lock itself meanwhile.
pub fn restore(file: &Path, db: &Path) -> Result<Summary, BackupError> {
    inspect(file)?;
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    crate::files::create_private_dir(&dir).map_err(|e| BackupError::Io(dir.clone(), e))?;
    let lock_path = db.with_extension("send-lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| BackupError::Io(lock_path.clone(), e))?;
    if let Err(std::fs::TryLockError::WouldBlock) = lock.try_lock() {
        return Err(BackupError::Sending(db.to_path_buf()));
    }
    let side = private_temp(&dir, ".pressroom-restore-")?;
    let sql = |p: &Path| {
        let p = p.to_path_buf();
        move |e| BackupError::Sqlite(p.clone(), e)
    };
    let copied = |e| match e {
        Copy::Busy => BackupError::Busy,
        Copy::Sqlite(e) => BackupError::Sqlite(file.to_path_buf(), e),
    };
    // 1. The backup, copied beside the live database.
    {
        let source = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sql(file))?;
        let mut target = Connection::open(side.path()).map_err(sql(side.path()))?;
        copy(&source, &mut target).map_err(copied)?;
        target
            .pragma_update(None, "journal_mode", "DELETE")
            .map_err(sql(side.path()))?;
    }
    // 2. Checked there (the file may have changed since the first look),
    // 3. migrated there, with the live database's page size (a WAL
    // database takes a copy only of its own page size), and checked again.
    inspect(side.path()).map_err(|e| renamed(e, side.path(), file))?;
    {
        let mut conn = Connection::open(side.path()).map_err(sql(side.path()))?;
        migrations::MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|e| BackupError::NotADatabase(file.to_path_buf(), e.to_string()))?;
        let page_size = live_page_size(db).unwrap_or(4096);
        let current: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(sql(side.path()))?;
        if current != page_size {
            conn.pragma_update(None, "page_size", page_size)
                .map_err(sql(side.path()))?;
            conn.execute_batch("VACUUM").map_err(sql(side.path()))?;
        }
    }
    inspect(side.path()).map_err(|e| renamed(e, side.path(), file))?;
    // 4. The live database, kept aside until the swap has succeeded, with
    // what an interrupted send left in its accepted log recorded in it
    // first: the log's rows are the live database's, not the backup's.
    settle_accepted(db)?;
    let before = if db.exists() {
        let kept = private_temp(&dir, ".pressroom-before-restore-")?;
        keep_copy(db, kept.path())?;
        Some(kept)
    } else {
        None
    };
    // 5. The swap: every page of the checked copy into the live database,
    // in one transaction. A live file that is no database at all (nothing
    // can have it open as one) is replaced by a rename instead.
    if before.is_some() && live_page_size(db).is_none() {
        for suffix in ["-wal", "-shm"] {
            let mut stale = db.as_os_str().to_owned();
            stale.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(stale));
        }
        side.persist(db)
            .map_err(|e| BackupError::Io(db.to_path_buf(), e.error))?;
    } else {
        let swap_err = |e| match e {
            Copy::Busy => BackupError::Busy,
            Copy::Sqlite(e) => BackupError::Sqlite(db.to_path_buf(), e),
        };
        let source = Connection::open_with_flags(side.path(), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sql(side.path()))?;
        crate::files::make_private_file(db).map_err(|e| BackupError::Io(db.to_path_buf(), e))?;
        let mut live = Connection::open(db).map_err(sql(db))?;
        live.busy_timeout(Duration::from_secs(10))
            .map_err(sql(db))?;
        copy(&source, &mut live).map_err(swap_err)?;
    }
    if let Some(kept) = before {
        kept.persist(before_restore_path(db))
            .map_err(|e| BackupError::Io(before_restore_path(db), e.error))?;
    }
    // Opening sets WAL mode and makes the files private.
    let live =
        Db::open(db).map_err(|e| BackupError::NotADatabase(db.to_path_buf(), e.to_string()))?;
    live.checkpoint()
        .map_err(|e| BackupError::NotADatabase(db.to_path_buf(), e.to_string()))?;
    drop(live);
    drop(lock);
    inspect(db)
}

/// A new private file in `dir`, removed unless persisted.
fn private_temp(dir: &Path, prefix: &str) -> Result<tempfile::NamedTempFile, BackupError> {
    let tmp = tempfile::Builder::new()
        .prefix(prefix)
        .tempfile_in(dir)
        .map_err(|e| BackupError::Io(dir.to_path_buf(), e))?;
    crate::files::make_private_file(tmp.path())
        .map_err(|e| BackupError::Io(tmp.path().to_path_buf(), e))?;
    Ok(tmp)
}

/// A copy of the database at `db` (as SQLite sees it, its WAL included) in
/// `dest`; the file's bytes when it is no database at all.
fn keep_copy(db: &Path, dest: &Path) -> Result<(), BackupError> {
    let by_sqlite = || -> Result<(), Copy> {
        let from = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(Copy::Sqlite)?;
        from.busy_timeout(Duration::from_secs(10))
            .map_err(Copy::Sqlite)?;
        let mut to = Connection::open(dest).map_err(Copy::Sqlite)?;
        copy(&from, &mut to)?;
        to.pragma_update(None, "journal_mode", "DELETE")
            .map_err(Copy::Sqlite)
    };
    match by_sqlite() {
        Ok(()) => Ok(()),
        Err(Copy::Busy) => Err(BackupError::Busy),
        Err(Copy::Sqlite(_)) => std::fs::copy(db, dest)
            .map(|_| ())
            .map_err(|e| BackupError::Io(db.to_path_buf(), e)),
    }
}

/// The page size of the database at `db`, if it is one.
fn live_page_size(db: &Path) -> Option<i64> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    // The header is read with the schema; `page_size` alone reads nothing.
    conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .ok()?;
    conn.query_row("PRAGMA page_size", [], |r| r.get(0)).ok()
}

/// An error about the working copy `side`, said of the backup `file`.
fn renamed(e: BackupError, side: &Path, file: &Path) -> BackupError {
    match e {
        BackupError::NotADatabase(p, why) if p == side => {
            BackupError::NotADatabase(file.into(), why)
        }
        BackupError::Damaged(p, why) if p == side => BackupError::Damaged(file.into(), why),
        other => other,
    }
}

enum Copy {
    Busy,
    Sqlite(rusqlite::Error),
}

/// Every page of `from` into `to`, in one step (one read transaction: one
/// moment of `from`), retried a few times while `to` is busy.
fn copy(from: &Connection, to: &mut Connection) -> Result<(), Copy> {
    let backup = Backup::new(from, to).map_err(Copy::Sqlite)?;
    for _ in 0..50 {
        match backup.step(-1).map_err(Copy::Sqlite)? {
            StepResult::Done => return Ok(()),
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    Err(Copy::Busy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_is_checked_private_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("subscribers/pressroom.db");
        let store = Db::open(&db).unwrap();
        store
            .conn
            .execute_batch("INSERT INTO suppressions (email_hash, reason, created_at) VALUES ('h', 'manual', '2026-01-01T00:00:00Z')")
            .unwrap();
        let file = dir.path().join("copy.db");
        let summary = backup(&db, &file).unwrap();
        assert_eq!(summary.version, latest_version());
        assert!(summary.rows.contains(&("suppressions", 1)), "{summary:?}");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(matches!(backup(&db, &file), Err(BackupError::Exists(_))));

        // Damaged: refused, and the live database is untouched.
        let broken = dir.path().join("broken.db");
        let mut bytes = std::fs::read(&file).unwrap();
        let half = bytes.len() / 2;
        bytes.truncate(half);
        std::fs::write(&broken, &bytes).unwrap();
        assert!(restore(&broken, &db).is_err());
        let not = dir.path().join("notes.txt");
        std::fs::write(&not, "hello").unwrap();
        assert!(matches!(
            restore(&not, &db),
            Err(BackupError::NotADatabase(..))
        ));
        assert!(inspect(&db).unwrap().rows.contains(&("suppressions", 1)));

        // Restored into a fresh place: the same rows.
        let fresh = dir.path().join("fresh/pressroom.db");
        let restored = restore(&file, &fresh).unwrap();
        assert_eq!(restored.rows, summary.rows);
    }

    #[test]
    fn a_restore_waits_for_no_sender() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("pressroom.db");
        drop(Db::open(&db).unwrap());
        let file = dir.path().join("copy.db");
        backup(&db, &file).unwrap();
        let lock = std::fs::File::create(db.with_extension("send-lock")).unwrap();
        lock.lock().unwrap();
        assert!(matches!(restore(&file, &db), Err(BackupError::Sending(_))));
        drop(lock);
        restore(&file, &db).unwrap();
    }

    /// A database at `path` made by `sql`, claiming schema `version`.
    fn hostile(path: &Path, version: i64, sql: &str) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "user_version", version).unwrap();
    }

    /// A live database with one subscriber and one suppression, closed; and
    /// a good backup of it.
    fn live_and_backup(dir: &Path) -> (PathBuf, PathBuf) {
        let db = dir.join("subscribers/pressroom.db");
        let store = Db::open(&db).unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO subscribers (email_hash, email, created_at) VALUES ('h', 'a@example.org', '2026-01-01T00:00:00Z');
                 INSERT INTO suppressions (email_hash, reason, created_at) VALUES ('h2', 'manual', '2026-01-01T00:00:00Z')",
            )
            .unwrap();
        drop(store);
        let file = dir.join("good.db");
        backup(&db, &file).unwrap();
        (db, file)
    }

    /// The bytes of every file in the database's folder.
    fn folder(db: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(db.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_none_or(|e| e != "send-lock"))
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_restore_that_fails_leaves_the_live_database_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let (db, good) = live_and_backup(dir.path());
        let before = folder(&db);
        let cases: Vec<(&str, i64, String)> = vec![
            (
                "right table names, other columns",
                4,
                COUNTED
                    .iter()
                    .map(|(t, _)| format!("CREATE TABLE {t} (x TEXT);"))
                    .collect(),
            ),
            (
                "a known version with the wrong tables",
                4,
                "CREATE TABLE subscribers (email_hash TEXT PRIMARY KEY);".into(),
            ),
            ("version 0, nothing", 0, String::new()),
        ];
        for (what, version, sql) in cases {
            let file = dir.path().join(format!("{version}-{}.db", what.len()));
            hostile(&file, version, &sql);
            let err = restore(&file, &db).expect_err(what);
            assert!(
                matches!(err, BackupError::NotADatabase(..)),
                "{what}: {err}"
            );
            assert_eq!(folder(&db), before, "{what}: the live database changed");
        }
        // A real backup with a trigger that deletes suppressions, and one
        // with a view and an extra index.
        for (what, extra) in [
            (
                "trigger",
                "CREATE TRIGGER forget AFTER INSERT ON suppressions BEGIN DELETE FROM suppressions; END;",
            ),
            (
                "view",
                "CREATE VIEW everyone AS SELECT email FROM subscribers;",
            ),
            ("index", "CREATE INDEX by_email ON subscribers (email);"),
        ] {
            let file = dir.path().join(format!("{what}.db"));
            std::fs::copy(&good, &file).unwrap();
            Connection::open(&file)
                .unwrap()
                .execute_batch(extra)
                .unwrap();
            let err = restore(&file, &db).expect_err(what);
            assert!(err.to_string().contains("not pressroom's"), "{what}: {err}");
            assert_eq!(folder(&db), before, "{what}: the live database changed");
        }
    }

    #[test]
    fn a_restore_keeps_the_replaced_database_and_migrates_an_old_backup() {
        let dir = tempfile::tempdir().unwrap();
        let (db, good) = live_and_backup(dir.path());
        // An old backup: schema version 2, one subscriber.
        let old = dir.path().join("old.db");
        {
            let mut conn = Connection::open(&old).unwrap();
            migrations::MIGRATIONS.to_version(&mut conn, 2).unwrap();
            conn.execute_batch("INSERT INTO subscribers (email_hash, email, created_at) VALUES ('o', 'old@example.org', '2025-01-01T00:00:00Z')").unwrap();
        }
        let seen = inspect(&old).unwrap();
        assert_eq!(seen.version, 2);
        let restored = restore(&old, &db).unwrap();
        assert_eq!(restored.version, latest_version());
        assert!(restored.rows.contains(&("subscribers", 1)));
        assert!(restored.rows.contains(&("suppressions", 0)));
        // The database it replaced is kept, private, and restorable.
        let kept = before_restore_path(&db);
        let kept_summary = inspect(&kept).unwrap();
        assert!(kept_summary.rows.contains(&("suppressions", 1)));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // The next restore replaces it; no working copy is left behind.
        restore(&good, &db).unwrap();
        assert!(inspect(&kept).unwrap().rows.contains(&("subscribers", 1)));
        let names: Vec<String> = std::fs::read_dir(db.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.starts_with(".pressroom-")),
            "{names:?}"
        );
        // A live file that is no database is replaced too.
        std::fs::write(&db, b"not a database at all").unwrap();
        restore(&good, &db).unwrap();
        assert!(inspect(&db).unwrap().rows.contains(&("suppressions", 1)));
    }
}
