//! `pressroom bounces ingest [PATH|-]`: read bounces and complaints from
//! standard input (a Postfix `pipe` transport), a file, a folder of `.eml`
//! files or a Maildir, act on each, and print what they did.
//!
//! From a Maildir each message is moved, never deleted: into the
//! `.Processed` folder when it was a bounce or complaint of this pressroom,
//! else into `.Unrecognised`, so a person can read what pressroom did not
//! understand.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Outcome, Ui, under_root};
use crate::bounces::batch::{self, Counts, reader, return_path};
use crate::config::Config;
use crate::sending::{load_secret, open_store};

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

/// Shows what a batch did.
fn print_counts(counts: &Counts, from: &str, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "Read {} messages from {from}:", counts.read)?;
    for (label, n) in [
        ("hard bounces (address suppressed)", counts.hard),
        ("soft bounces (counted)", counts.soft),
        (
            "suppressed after repeated soft bounces",
            counts.soft_suppressed,
        ),
        ("complaints (unsubscribed, suppressed)", counts.complaints),
        ("delivery reports (soft count reset)", counts.delivered),
        ("read before (nothing changed)", counts.repeated),
        (
            "unrecognised (nothing changed)",
            counts.unrecognised.len() as u64,
        ),
    ] {
        writeln!(out, "  {label:<42}{n:>7}")?;
    }
    if !counts.unrecognised.is_empty() {
        writeln!(out, "Unrecognised:")?;
        for (source, why) in counts.unrecognised.iter().take(20) {
            writeln!(out, "  {source}: {why}")?;
        }
        if counts.unrecognised.len() > 20 {
            writeln!(out, "  … and {} more", counts.unrecognised.len() - 20)?;
        }
    }
    Ok(())
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
    let mailbox = batch::mailbox(&config)?;
    let secret = load_secret(&config)?;
    let db = open_store(&config)?;
    let reader = reader(&config, &secret, &return_path);
    if watch {
        super::install_ctrl_c();
    }
    let mut told = false;
    loop {
        let counts = batch::fetch(&mailbox, &reader, &db)?;
        if !watch || counts.read > 0 {
            print_counts(&counts, &mailbox.url.to_string(), ui.out)?;
        }
        if !watch || ui.stop.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(Outcome::Done);
        }
        if !told {
            writeln!(
                ui.out,
                "Watching {} for new mail (Ctrl-C stops)",
                mailbox.url
            )?;
            ui.out.flush()?;
            told = true;
        }
        // IDLE for a minute at a time, so that Ctrl-C is noticed.
        mailbox.wait(std::time::Duration::from_secs(60))?;
        if ui.stop.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(Outcome::Done);
        }
    }
}

/// `bounces ingest [PATH|-]`.
fn ingest(root: &Path, path: Option<&Path>, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let return_path = return_path(&config)?;
    let secret = load_secret(&config)?;
    let db = open_store(&config)?;
    let reader = reader(&config, &secret, &return_path);
    let (counts, from) = match path.filter(|p| *p != Path::new("-")) {
        None => (
            batch::ingest_stream(&config, &db, &reader, &mut std::io::stdin().lock())?,
            "standard input".to_string(),
        ),
        Some(p) => {
            let p = under_root(root, p);
            (
                batch::ingest_path(&db, &reader, &p)?,
                p.display().to_string(),
            )
        }
    };
    print_counts(&counts, &from, ui.out)?;
    Ok(Outcome::Done)
}
