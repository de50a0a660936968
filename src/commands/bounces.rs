//! `pressroom bounces ingest [PATH|-]`: read bounces and complaints from
//! standard input (a Postfix `pipe` transport), a file, a folder of `.eml`
//! files or a Maildir, act on each, and print what they did.
//!
//! From a Maildir each message is moved, never deleted: into the
//! `.Processed` folder when it was a bounce or complaint of this pressroom,
//! else into `.Unrecognised`, so a person can read what pressroom did not
//! understand.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sha2::Digest;

use super::sending::{load_secret, open_store};
use super::{Outcome, Ui, UsageError, under_root};
use crate::bounces::imap::{Mailbox, MailboxUrl};
use crate::bounces::{Ingested, Reader};
use crate::config::Config;
use crate::db::{EventKind, SoftRule, Verdict};
use crate::delivery::verp::ReturnPath;
use crate::subscribers::Secret;

/// `pressroom bounces …`
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Read bounces and complaints and act on them: a hard bounce suppresses
    /// the address, soft bounces count (soft_limit within soft_window
    /// suppress), a complaint unsubscribes it from everything.
    ///
    /// PATH is a message file, a folder of them, or a Maildir (its messages
    /// are moved to .Processed or .Unrecognised); `-` or nothing reads one
    /// message from standard input (one that is not acted on is kept in
    /// bounces/unrecognised/). Needs [delivery] return_path: only
    /// bounces that carry a valid return-path tag are acted on.
    Ingest {
        /// A message file, a folder of `.eml` files, a Maildir, or `-`.
        path: Option<PathBuf>,
    },
    /// Read the IMAP mailbox of [bounces] imap: act on every message in its
    /// folder and move it to processed_folder (a bounce or complaint of this
    /// pressroom) or unrecognised_folder (anything else). Nothing is deleted.
    ///
    /// Credentials come from PRESSROOM_IMAP_USER and PRESSROOM_IMAP_PASSWORD.
    /// Run it from cron beside `publish`, or with --watch.
    Fetch {
        /// Keep running: wait for new mail with IMAP IDLE and read it as it
        /// comes (Ctrl-C or SIGTERM to stop).
        #[arg(long)]
        watch: bool,
    },
}

/// Where a message read from standard input that pressroom did not act on
/// is kept (under the pressroom root, readable by the owner only).
pub const UNRECOGNISED_DIR: &str = "bounces/unrecognised";

/// What a batch did, for the summary.
#[derive(Debug, Default)]
struct Counts {
    read: u64,
    hard: u64,
    soft: u64,
    soft_suppressed: u64,
    complaints: u64,
    delivered: u64,
    repeated: u64,
    unrecognised: Vec<(String, String)>,
}

impl Counts {
    fn add(&mut self, source: &str, outcome: &Ingested) {
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

    fn print(&self, from: &str, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "Read {} messages from {from}:", self.read)?;
        for (label, n) in [
            ("hard bounces (address suppressed)", self.hard),
            ("soft bounces (counted)", self.soft),
            (
                "suppressed after repeated soft bounces",
                self.soft_suppressed,
            ),
            ("complaints (unsubscribed, suppressed)", self.complaints),
            ("delivery reports (soft count reset)", self.delivered),
            ("read before (nothing changed)", self.repeated),
            (
                "unrecognised (nothing changed)",
                self.unrecognised.len() as u64,
            ),
        ] {
            writeln!(out, "  {label:<42}{n:>7}")?;
        }
        if !self.unrecognised.is_empty() {
            writeln!(out, "Unrecognised:")?;
            for (source, why) in self.unrecognised.iter().take(20) {
                writeln!(out, "  {source}: {why}")?;
            }
            if self.unrecognised.len() > 20 {
                writeln!(out, "  … and {} more", self.unrecognised.len() - 20)?;
            }
        }
        Ok(())
    }
}

/// Runs one `bounces` command in the pressroom at `root`.
pub fn run(root: &Path, cmd: &Command, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    match cmd {
        Command::Ingest { path } => ingest(root, path.as_deref(), ui),
        Command::Fetch { watch } => fetch(root, *watch, ui),
    }
}

/// `bounces fetch [--watch]`.
fn fetch(root: &Path, watch: bool, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let return_path = return_path(&config)?;
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
    let mailbox = Mailbox {
        url,
        user,
        password,
        ca_pem,
        timeout: std::time::Duration::from_secs_f64(config.delivery.timeout_seconds.max(1.0)),
        processed: config.bounces.processed_folder.clone(),
        unrecognised: config.bounces.unrecognised_folder.clone(),
    };
    let secret = load_secret(&config)?;
    let db = open_store(&config)?;
    let reader = reader(&config, &secret, &return_path);
    if watch {
        super::install_ctrl_c();
    }
    loop {
        let mut counts = Counts::default();
        for (source, outcome) in mailbox.fetch(&reader, &db)? {
            counts.add(&source, &outcome);
        }
        if !watch || counts.read > 0 {
            counts.print(&mailbox.url.to_string(), ui.out)?;
        }
        if !watch || ui.stop.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(Outcome::Done);
        }
        // IDLE for a minute at a time, so that Ctrl-C is noticed.
        mailbox.wait(std::time::Duration::from_secs(60))?;
        if ui.stop.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(Outcome::Done);
        }
    }
}

fn reader<'a>(config: &Config, secret: &'a Secret, return_path: &'a ReturnPath) -> Reader<'a> {
    Reader {
        secret,
        return_path,
        soft: SoftRule {
            limit: config.bounces.soft_limit,
            window: config.bounces.soft_window.0,
        },
    }
}

/// `bounces ingest [PATH|-]`.
fn ingest(root: &Path, path: Option<&Path>, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let return_path = return_path(&config)?;
    let secret = load_secret(&config)?;
    let db = open_store(&config)?;
    let reader = reader(&config, &secret, &return_path);
    let mut counts = Counts::default();
    let from = match path {
        None => "standard input".to_string(),
        Some(p) if p == Path::new("-") => "standard input".to_string(),
        Some(p) => under_root(root, p).display().to_string(),
    };
    match path.filter(|p| *p != Path::new("-")) {
        None => {
            let mut raw = vec![];
            std::io::stdin()
                .lock()
                .take(crate::bounces::parse::MAX_MESSAGE_BYTES as u64 + 1)
                .read_to_end(&mut raw)
                .context("cannot read the message from standard input")?;
            // Never a cut copy: a message too large to be a bounce is
            // refused whole, so that the mail system keeps it.
            if raw.len() > crate::bounces::parse::MAX_MESSAGE_BYTES {
                bail!(
                    "the message on standard input is larger than {} MB, more than any bounce can be; it was not read to the end nor kept (the mail system that piped it still has it)",
                    crate::bounces::parse::MAX_MESSAGE_BYTES / (1024 * 1024)
                );
            }
            let outcome = reader.ingest(&db, &raw)?;
            let mut source = "stdin".to_string();
            if let Ingested::Unrecognised(_) = outcome {
                // Nothing read from a pipe is lost: what pressroom did not
                // act on is kept for a person to read.
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
            counts.add(&source, &outcome);
        }
        Some(p) => {
            let p = under_root(root, p);
            if is_maildir(&p) {
                for file in maildir_messages(&p)? {
                    let raw = read_capped(&file)?;
                    let outcome = reader.ingest(&db, &raw)?;
                    let folder = match outcome {
                        Ingested::Recorded { .. } => ".Processed",
                        Ingested::Unrecognised(_) => ".Unrecognised",
                    };
                    move_to(&p, folder, &file)?;
                    counts.add(&file_name(&file), &outcome);
                }
            } else if p.is_dir() {
                let mut files: Vec<PathBuf> = std::fs::read_dir(&p)
                    .with_context(|| format!("cannot read the folder {}", p.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.is_file())
                    .collect();
                files.sort();
                for file in files {
                    let raw = read_capped(&file)?;
                    counts.add(&file_name(&file), &reader.ingest(&db, &raw)?);
                }
            } else {
                let raw = read_capped(&p)?;
                counts.add(&file_name(&p), &reader.ingest(&db, &raw)?);
            }
        }
    }
    counts.print(&from, ui.out)?;
    Ok(Outcome::Done)
}

/// `[delivery] return_path`, or a usage error that says why it is needed.
fn return_path(config: &Config) -> anyhow::Result<ReturnPath> {
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
