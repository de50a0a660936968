//! Reading a batch of returned messages and acting on each: one from
//! standard input, a file, a folder of `.eml` files, a Maildir (each
//! message moved, never deleted: into `.Processed` when it was a bounce or
//! complaint of this pressroom, else into `.Unrecognised`) or the IMAP
//! mailbox of `[bounces] imap`. Returns the [`Counts`]; the front door
//! shows them.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sha2::Digest;

use super::imap::{Mailbox, MailboxUrl};
use super::{Ingested, Reader, UNRECOGNISED_DIR};
use crate::config::Config;
use crate::db::{Db, EventKind, SoftRule, Verdict};
use crate::delivery::verp::ReturnPath;
use crate::error::UsageError;
use crate::subscribers::Secret;

/// What a batch did, for the summary.
#[derive(Debug, Default)]
pub struct Counts {
    pub read: u64,
    pub hard: u64,
    pub soft: u64,
    pub soft_suppressed: u64,
    pub complaints: u64,
    pub delivered: u64,
    pub repeated: u64,
    /// Each message not acted on: where it came from, and why.
    pub unrecognised: Vec<(String, String)>,
}

impl Counts {
    /// Counts one message's outcome.
    pub fn add(&mut self, source: &str, outcome: &Ingested) {
        self.read += 1;
        match outcome {
            Ingested::Unrecognised(why) => self.unrecognised.push((source.into(), why.clone())),
            Ingested::Recorded { kind, verdict, .. } => match (kind, verdict) {
                (_, Verdict::Repeated) => self.repeated += 1,
                (EventKind::Hard, _) => self.hard += 1,
                (EventKind::Complaint, _) => self.complaints += 1,
                (EventKind::Delivered, _) => self.delivered += 1,
                (EventKind::Soft, Verdict::Suppressed(_)) => self.soft_suppressed += 1,
                (EventKind::Soft, _) => self.soft += 1,
            },
        }
    }
}

/// The reader of returned messages for this pressroom.
pub fn reader<'a>(config: &Config, secret: &'a Secret, return_path: &'a ReturnPath) -> Reader<'a> {
    Reader {
        secret,
        return_path,
        soft: SoftRule {
            limit: config.bounces.soft_limit,
            window: config.bounces.soft_window.0,
        },
    }
}

/// The IMAP mailbox of `[bounces] imap`, its credentials from the
/// environment, or a usage error when none is configured.
pub fn mailbox(config: &Config) -> anyhow::Result<Mailbox> {
    let Some(url) = &config.bounces.imap else {
        return Err(UsageError(
            "set [bounces] imap = \"imaps://mail.example.org/INBOX\" first (or read a Maildir or standard input with `bounces ingest`)".into(),
        )
        .into());
    };
    let url = MailboxUrl::parse(url)?;
    let (user, password) = Mailbox::credentials_from_env(&url)?;
    let ca_file = config
        .bounces
        .ca_file
        .as_ref()
        .or(config.delivery.ca_file.as_ref());
    let ca_pem = match ca_file {
        Some(f) => {
            let p = config.root.join(f);
            Some(
                std::fs::read(&p)
                    .with_context(|| format!("cannot read the CA file {}", p.display()))?,
            )
        }
        None => None,
    };
    Ok(Mailbox {
        url,
        user,
        password,
        ca_pem,
        timeout: std::time::Duration::from_secs_f64(config.delivery.timeout_seconds.max(1.0)),
        processed: config.bounces.processed_folder.clone(),
        unrecognised: config.bounces.unrecognised_folder.clone(),
    })
}

/// Acts on every message in the mailbox's folder and moves it on.
pub fn fetch(mailbox: &Mailbox, reader: &Reader<'_>, db: &Db) -> anyhow::Result<Counts> {
    let mut counts = Counts::default();
    for (source, outcome) in mailbox.fetch(reader, db)? {
        counts.add(&source, &outcome);
    }
    Ok(counts)
}

/// Reads one message from `input` (a pipe from the mail system) and acts
/// on it. A message larger than any bounce is refused whole (never a cut
/// copy: the mail system keeps it); one not acted on is kept in
/// [`UNRECOGNISED_DIR`] for a person to read, so nothing piped is lost.
pub fn ingest_stream(
    config: &Config,
    db: &Db,
    reader: &Reader<'_>,
    input: &mut dyn Read,
) -> anyhow::Result<Counts> {
    let mut raw = vec![];
    input
        .take(super::parse::MAX_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .context("cannot read the message from standard input")?;
    if raw.len() > super::parse::MAX_MESSAGE_BYTES {
        bail!(
            "the message on standard input is larger than {} MB, more than any bounce can be; it was not read to the end nor kept (the mail system that piped it still has it)",
            super::parse::MAX_MESSAGE_BYTES / (1024 * 1024)
        );
    }
    let outcome = reader.ingest(db, &raw)?;
    let mut source = "stdin".to_string();
    if let Ingested::Unrecognised(_) = outcome {
        let dir = config.root.join(UNRECOGNISED_DIR);
        let name = format!(
            "{}-{}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
            &crate::subscribers::hex(&sha2::Sha256::digest(&raw))[..12]
        );
        let kept = crate::files::write_outbox(&dir, &name, &raw)
            .with_context(|| format!("cannot keep the message in {}", dir.display()))?;
        source = format!("stdin (kept as {})", kept.display());
    }
    let mut counts = Counts::default();
    counts.add(&source, &outcome);
    Ok(counts)
}

/// Reads a message file, a folder of them, or a Maildir (each message
/// moved to `.Processed` or `.Unrecognised`) and acts on each.
pub fn ingest_path(db: &Db, reader: &Reader<'_>, p: &Path) -> anyhow::Result<Counts> {
    let mut counts = Counts::default();
    if is_maildir(p) {
        for file in maildir_messages(p)? {
            let raw = read_capped(&file)?;
            let outcome = reader.ingest(db, &raw)?;
            let folder = match outcome {
                Ingested::Recorded { .. } => ".Processed",
                Ingested::Unrecognised(_) => ".Unrecognised",
            };
            move_to(p, folder, &file)?;
            counts.add(&file_name(&file), &outcome);
        }
    } else if p.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(p)
            .with_context(|| format!("cannot read the folder {}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file())
            .collect();
        files.sort();
        for file in files {
            let raw = read_capped(&file)?;
            counts.add(&file_name(&file), &reader.ingest(db, &raw)?);
        }
    } else {
        let raw = read_capped(p)?;
        counts.add(&file_name(p), &reader.ingest(db, &raw)?);
    }
    Ok(counts)
}

/// `[delivery] return_path`, or a usage error that says why it is needed.
pub fn return_path(config: &Config) -> anyhow::Result<ReturnPath> {
    let Some(text) = &config.delivery.return_path else {
        return Err(UsageError(
            "set [delivery] return_path (e.g. \"bounces@bounce.example.org\") first: only bounces that come back to a signed return path can be matched to the messages sent, and nothing else is acted on".into(),
        )
        .into());
    };
    Ok(ReturnPath::parse(text)?)
}

fn is_maildir(p: &Path) -> bool {
    p.join("cur").is_dir() && p.join("new").is_dir()
}

/// The messages of a Maildir (new, then cur), oldest name first.
fn maildir_messages(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = vec![];
    for sub in ["new", "cur"] {
        let d = dir.join(sub);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .with_context(|| format!("cannot read {}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file())
            .collect();
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// Moves a message into the Maildir++ folder `folder` (made if missing),
/// as read (`cur`).
fn move_to(maildir: &Path, folder: &str, file: &Path) -> anyhow::Result<()> {
    let base = maildir.join(folder);
    for sub in ["cur", "new", "tmp"] {
        crate::files::create_private_dir(&base.join(sub))
            .with_context(|| format!("cannot create {}", base.join(sub).display()))?;
    }
    let name = file.file_name().context("a message file has a name")?;
    let target = base.join("cur").join(name);
    std::fs::rename(file, &target)
        .with_context(|| format!("cannot move {} to {}", file.display(), target.display()))
}

/// A message file, at most one byte more than a bounce may have (so that
/// the parser sees it is too large without reading gigabytes).
fn read_capped(p: &Path) -> anyhow::Result<Vec<u8>> {
    let f = std::fs::File::open(p).with_context(|| format!("cannot read {}", p.display()))?;
    let mut raw = vec![];
    f.take(crate::bounces::parse::MAX_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .with_context(|| format!("cannot read {}", p.display()))?;
    Ok(raw)
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
