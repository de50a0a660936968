//! The accepted log: a line per message a relay accepted, appended before
//! the worker takes its next row, and committed to the journal in groups.
//!
//! A journal commit per message cost more than building and sending it (a
//! SQLite write transaction is a lock, a handful of page writes and an
//! unlock; at 20,000 messages it was 28% of the send's CPU). A line appended
//! to a file is one `write`: as durable against a crash of the process as a
//! commit with `synchronous = NORMAL`, which is what the journal uses. So
//! a worker appends its accepted message here and moves on, and the
//! journal marks the rows `sent` in one transaction per group (every
//! [`GROUP`] messages or [`WAIT`], whichever comes first), after which the
//! log is emptied. A run that starts finds what an interrupted run left
//! here and marks those rows `sent` before it queues the `sending` ones
//! again ([`replay`]): after `kill -9`, only the messages in flight are
//! sent twice, as with a commit per message.
//!
//! A line holds the journal's row number, the attempts, the Message-ID and
//! the relay's name: no address, name or reply text, so no personal data is
//! kept here (the relay's reply goes to the journal with the group).
//! The file is the database's name with `.accepted`, mode 0600, never
//! opened through a symbolic link.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Accepted, Db};

/// Messages per journal commit at most.
pub const GROUP: usize = 256;
/// How long an accepted message waits for its journal commit at most
/// (while messages keep being accepted).
pub const WAIT: Duration = Duration::from_millis(25);

/// The reply recorded for a message found in the log of an interrupted
/// run: its relay's reply was not kept.
pub const REPLAYED_REPLY: &str =
    "accepted (recorded from the accepted log after an interrupted run)";

/// The log of accepted messages not yet committed to the journal.
pub struct AcceptedLog {
    path: PathBuf,
    file: File,
    pending: Vec<Accepted>,
    oldest: Option<Instant>,
}

/// Where the log of the database at `db` is.
pub fn path_for(db: &Path) -> PathBuf {
    db.with_extension("accepted")
}

fn refuse_symlink(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() => Err(io::Error::other(format!(
            "{} is not a plain file: remove it (pressroom keeps its accepted log there)",
            path.display()
        ))),
        _ => Ok(()),
    }
}

impl AcceptedLog {
    /// Opens (creating, 0600) the log of the database at `db` for appending.
    pub fn open(db: &Path) -> io::Result<Self> {
        let path = path_for(db);
        refuse_symlink(&path)?;
        crate::files::make_private_file(&path)?;
        let file = OpenOptions::new().append(true).open(&path)?;
        Ok(Self {
            path,
            file,
            pending: vec![],
            oldest: None,
        })
    }

    /// Writes `accepted` down (one `write`) and keeps it for the next
    /// commit. If the line cannot be written, the caller commits at once.
    pub fn append(&mut self, accepted: Accepted) -> io::Result<()> {
        let line = line(&accepted);
        self.pending.push(accepted);
        self.oldest.get_or_insert_with(Instant::now);
        self.file.write_all(line.as_bytes())
    }

    /// Whether the pending messages should be committed now.
    pub fn due(&self) -> bool {
        self.pending.len() >= GROUP || self.oldest.is_some_and(|t| t.elapsed() >= WAIT)
    }

    /// How many messages wait for their commit.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Marks the pending messages `sent` in one transaction, then empties
    /// the log. On an error they stay pending (and in the log).
    pub fn commit(&mut self, db: &Db) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        db.journal().mark_sent(&self.pending)?;
        self.pending.clear();
        self.oldest = None;
        self.file.set_len(0).map_err(|e| {
            anyhow::anyhow!("cannot empty the accepted log {}: {e}", self.path.display())
        })
    }
}

fn line(a: &Accepted) -> String {
    // The relay's name comes from pressroom.toml; kept to one field.
    let relay: String = a
        .relay
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!("{} {} {} {}\n", a.rowid, a.attempts, a.message_id, relay)
}

fn parse(line: &str) -> Option<Accepted> {
    let mut f = line.split(' ');
    let a = Accepted {
        rowid: f.next()?.parse().ok()?,
        attempts: f.next()?.parse().ok()?,
        message_id: f.next()?.to_string(),
        relay: f.next()?.to_string(),
        reply: REPLAYED_REPLY.to_string(),
    };
    f.next().is_none().then_some(a)
}

/// The complete lines of the log of the database at `db_path` (none if
/// there is no log). A line cut short (the process killed while writing
/// it) is not a message on record.
pub fn read(db_path: &Path) -> anyhow::Result<Vec<Accepted>> {
    let path = path_for(db_path);
    refuse_symlink(&path)?;
    let text = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => anyhow::bail!("cannot read the accepted log {}: {e}", path.display()),
    };
    let complete = text
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(&text[..0], |i| &text[..=i]);
    Ok(String::from_utf8_lossy(complete)
        .lines()
        .filter_map(parse)
        .collect())
}

/// Marks `sent` the rows an interrupted run wrote down here and did not
/// commit, then empties the log; returns how many. Their rows stay
/// `sending` otherwise, and would be sent again.
pub fn replay(db_path: &Path, db: &Db) -> anyhow::Result<usize> {
    let found = read(db_path)?;
    if found.is_empty() {
        return Ok(0);
    }
    db.journal().mark_sent(&found)?;
    let path = path_for(db_path);
    OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(0))
        .map_err(|e| anyhow::anyhow!("cannot empty the accepted log {}: {e}", path.display()))?;
    Ok(found.len())
}

/// Removes the log of the database at `db_path` if it holds nothing (the
/// end of a run that recorded everything).
pub fn remove_if_empty(db_path: &Path) {
    let path = path_for(db_path);
    if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        let _ = fs::remove_file(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn a_line_reads_back_as_written_and_a_damaged_one_is_not_a_message() {
        let a = Accepted {
            rowid: 42,
            attempts: 2,
            relay: "smtp.example.org:587 (backup)\n".into(),
            reply: "250 ok".into(),
            message_id: "<0123abcd@kaislamaa.example.org>".into(),
        };
        let l = line(&a);
        assert_eq!(l.matches('\n').count(), 1, "{l:?}");
        let back = parse(l.trim_end()).unwrap();
        assert_eq!(
            (back.rowid, back.attempts, back.message_id.as_str()),
            (42, 2, a.message_id.as_str())
        );
        assert_eq!(back.relay, "smtp.example.org:587_(backup)_");
        assert_eq!(back.reply, REPLAYED_REPLY);
        for bad in ["", "42", "42 2", "x 2 <a@b> r", "42 2 <a@b> r extra", "-"] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }

    /// A database with three `sending` rows (1, 2, 3) and its path.
    fn sending_rows(dir: &Path) -> (PathBuf, Db) {
        let path = dir.join("pressroom.db");
        let db = Db::open(&path).unwrap();
        for i in 1..=3 {
            db.conn
                .execute(
                    "INSERT INTO deliveries (rowid, release, email_hash, email, lang, list, status, updated_at)
                     VALUES (?1, 'r', ?2, ?3, 'fi', 'news', 'sending', 't0')",
                    rusqlite::params![i, format!("h{i}"), format!("user{i}@example.org")],
                )
                .unwrap();
        }
        (path, db)
    }

    fn statuses(db: &Db) -> Vec<String> {
        let mut q = db
            .conn
            .prepare("SELECT rowid || ' ' || status || ' ' || IFNULL(message_id, '-') FROM deliveries ORDER BY rowid")
            .unwrap();
        q.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn accepted(rowid: i64) -> Accepted {
        Accepted {
            rowid,
            attempts: 1,
            relay: "relay".into(),
            reply: "250 2.0.0 queued as ABC user@example.org".into(),
            message_id: format!("<m{rowid}@example.org>"),
        }
    }

    #[test]
    fn an_interrupted_runs_accepted_messages_are_recorded_and_a_line_cut_short_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let (path, db) = sending_rows(dir.path());
        let mut log = AcceptedLog::open(&path).unwrap();
        log.append(accepted(1)).unwrap();
        log.append(accepted(2)).unwrap();
        drop(log); // killed before the commit
        // The third line was being written when the process died.
        let mut f = OpenOptions::new()
            .append(true)
            .open(path_for(&path))
            .unwrap();
        f.write_all(b"3 1 <m3@exa").unwrap();
        let text = fs::read_to_string(path_for(&path)).unwrap();
        assert!(
            !text.contains("user@example.org"),
            "no reply text, no address: {text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(path_for(&path)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        assert_eq!(replay(&path, &db).unwrap(), 2);
        assert_eq!(
            statuses(&db),
            [
                "1 sent <m1@example.org>",
                "2 sent <m2@example.org>",
                "3 sending -"
            ]
        );
        assert_eq!(fs::metadata(path_for(&path)).unwrap().len(), 0, "emptied");
        assert_eq!(replay(&path, &db).unwrap(), 0);

        // A commit records the group and empties the log; a row already
        // sent is not marked again.
        let mut log = AcceptedLog::open(&path).unwrap();
        log.append(accepted(3)).unwrap();
        log.append(Accepted {
            message_id: "<other@example.org>".into(),
            ..accepted(1)
        })
        .unwrap();
        assert_eq!(log.pending(), 2);
        log.commit(&db).unwrap();
        assert_eq!(log.pending(), 0);
        assert_eq!(fs::metadata(path_for(&path)).unwrap().len(), 0);
        assert_eq!(
            statuses(&db),
            [
                "1 sent <m1@example.org>",
                "2 sent <m2@example.org>",
                "3 sent <m3@example.org>"
            ]
        );
        drop(log);
        remove_if_empty(&path);
        assert!(!path_for(&path).exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_in_the_logs_place_is_neither_written_nor_read_through() {
        let dir = tempfile::tempdir().unwrap();
        let (path, db) = sending_rows(dir.path());
        let elsewhere = dir.path().join("elsewhere");
        fs::write(&elsewhere, "1 1 <m1@example.org> relay\n").unwrap();
        std::os::unix::fs::symlink(&elsewhere, path_for(&path)).unwrap();
        assert!(AcceptedLog::open(&path).is_err());
        assert!(replay(&path, &db).is_err());
        assert_eq!(statuses(&db)[0], "1 sending -");
        assert_eq!(
            fs::read_to_string(&elsewhere).unwrap(),
            "1 1 <m1@example.org> relay\n"
        );
    }

    #[test]
    fn a_backup_taken_while_messages_wait_in_the_log_has_them_sent_and_a_restore_settles_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (path, db) = sending_rows(dir.path());
        let mut log = AcceptedLog::open(&path).unwrap();
        log.append(accepted(2)).unwrap();
        let copy = dir.path().join("copy.db");
        super::super::backup::backup(&path, &copy).unwrap();
        let restored = Db::open(&copy).unwrap();
        assert_eq!(
            statuses(&restored),
            ["1 sending -", "2 sent <m2@example.org>", "3 sending -"]
        );
        drop(restored);
        // The live database itself has not recorded it yet.
        assert_eq!(statuses(&db)[1], "2 sending -");
        drop(log);

        // A restore over it records the log in the live database it keeps
        // aside, and leaves no log behind for the restored one.
        drop(db);
        fs::write(path_for(&path), "1 1 <m1@example.org> relay\n").unwrap();
        super::super::backup::restore(&copy, &path).unwrap();
        assert!(!path_for(&path).exists());
        let kept = Db::open(&super::super::backup::before_restore_path(&path)).unwrap();
        assert_eq!(statuses(&kept)[0], "1 sent <m1@example.org>");
        let live = Db::open(&path).unwrap();
        assert_eq!(
            statuses(&live),
            ["1 sending -", "2 sent <m2@example.org>", "3 sending -"]
        );
    }
}
