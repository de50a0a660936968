//! `pressroom backup` and `restore`: a consistent copy of the database made
//! with SQLite's online backup API while `serve` and `send` keep writing,
//! and a copy put back after it has been checked.
//!
//! The copy is taken in one step: a read transaction, which in WAL mode
//! never blocks the writers, sees one moment of the database, and the copy
//! is that moment. It is written beside the target under a temporary name,
//! checked (`integrity_check`), made a single file (no WAL) and renamed into
//! place, readable by its owner only: it holds personal data.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

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
/// database this pressroom can open, whole.
pub fn inspect(file: &Path) -> Result<Summary, BackupError> {
    let not_db = |e: rusqlite::Error| BackupError::NotADatabase(file.to_path_buf(), e.to_string());
    let meta = std::fs::metadata(file).map_err(|e| BackupError::Io(file.to_path_buf(), e))?;
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
    let mut rows = vec![];
    for (table, _) in COUNTED {
        let n: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(|e| {
                BackupError::NotADatabase(
                    file.to_path_buf(),
                    format!("it has no {table} table ({e})"),
                )
            })?;
        rows.push((*table, u64::try_from(n).unwrap_or(0)));
    }
    Ok(Summary {
        version,
        rows,
        bytes: meta.len(),
    })
}

/// Puts the backup `file` back as the database at `db` (made if missing),
/// after checking it; refuses while a sender holds the database's lock, and
/// holds that lock itself meanwhile. An older schema is brought up to date.
pub fn restore(file: &Path, db: &Path) -> Result<Summary, BackupError> {
    inspect(file)?;
    let lock_path = db.with_extension("send-lock");
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::files::create_private_dir(dir).map_err(|e| BackupError::Io(dir.to_path_buf(), e))?;
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| BackupError::Io(lock_path.clone(), e))?;
    if let Err(std::fs::TryLockError::WouldBlock) = lock.try_lock() {
        return Err(BackupError::Sending(db.to_path_buf()));
    }
    let sql = |e| BackupError::Sqlite(db.to_path_buf(), e);
    // Opening makes the file private (0600) and sets WAL mode.
    let mut live =
        Db::open(db).map_err(|e| BackupError::NotADatabase(db.to_path_buf(), e.to_string()))?;
    let source =
        Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sql)?;
    live.conn
        .busy_timeout(Duration::from_secs(10))
        .map_err(sql)?;
    copy(&source, &mut live.conn).map_err(|e| match e {
        Copy::Busy => BackupError::Busy,
        Copy::Sqlite(e) => BackupError::Sqlite(db.to_path_buf(), e),
    })?;
    drop(live);
    // Migrations run on open: a backup from an older pressroom is brought
    // up to this one's schema.
    let live =
        Db::open(db).map_err(|e| BackupError::NotADatabase(db.to_path_buf(), e.to_string()))?;
    live.checkpoint()
        .map_err(|e| BackupError::NotADatabase(db.to_path_buf(), e.to_string()))?;
    drop(live);
    drop(lock);
    inspect(db)
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
}
