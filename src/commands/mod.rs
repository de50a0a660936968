//! The subcommands, one file each: every `run` takes its parsed arguments
//! and a [`Ui`], calls into the library, and reports to a person (tables,
//! summaries, progress bars, confirmation questions).

pub mod audit;
pub mod backup;
pub mod bounces;
pub mod build;
pub mod check;
pub mod completions;
pub mod deliveries;
pub mod init;
pub mod new;
pub mod preview;
pub mod publish;
pub mod send;
pub mod serve;
pub mod status;
pub mod subscribers;
pub mod templates;
pub mod users;
pub mod withdraw;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub use crate::error::{Outcome, UsageError};
use crate::i18n::Lang;

/// How the command may talk to the person running it.
pub struct Ui<'a> {
    pub out: &'a mut dyn Write,
    /// stdin and stderr are terminals: ask for confirmation, show progress.
    pub interactive: bool,
    pub stop: &'a AtomicBool,
}

impl Ui<'_> {
    pub fn detect<'a>(out: &'a mut dyn Write, stop: &'a AtomicBool) -> Ui<'a> {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        Ui {
            out,
            interactive,
            stop,
        }
    }

    pub fn confirm(&mut self, question: &str, yes: bool) -> anyhow::Result<bool> {
        if yes {
            return Ok(true);
        }
        ask(question, self.interactive)
    }

    /// How a library workflow is watched and stopped from here: Ctrl-C,
    /// and a progress bar on a terminal.
    pub fn controls(&self) -> crate::sending::Controls<'_> {
        crate::sending::Controls {
            stop: self.stop,
            progress: if self.interactive {
                progress_bar
            } else {
                |_| ProgressBar::hidden()
            },
        }
    }

    pub fn progress(&self, total: u64) -> ProgressBar {
        if !self.interactive {
            return ProgressBar::hidden();
        }
        progress_bar(total)
    }
}

/// Asks a yes/no question on the terminal; without one, says how to
/// answer it on the command line instead.
pub fn ask(question: &str, interactive: bool) -> anyhow::Result<bool> {
    if !interactive {
        return Err(UsageError(format!("{question} Not on a terminal: pass --yes to confirm, or --dry-run to see the recipients.")).into());
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes" | "k" | "kyllä" | "j" | "ja"
    ))
}

/// A progress bar of `total` messages on stderr.
fn progress_bar(total: u64) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} messages  {per_sec}  eta {eta}")
            .expect("valid template"),
    );
    pb
}

/// Shows the final tally of `send` or `publish`; `resume` is the command
/// that resumes a stopped run.
pub fn print_tally(
    tally: &crate::sending::Tally,
    out: &mut dyn Write,
    resume: &str,
) -> std::io::Result<()> {
    writeln!(out, "Summary")?;
    writeln!(out, "  {:<34}{:>9}", "sent", tally.sent)?;
    writeln!(out, "  {:<34}{:>9}", "failed", tally.failed.len())?;
    writeln!(out, "  {:<34}{:>9}", "skipped: already sent", tally.already)?;
    writeln!(
        out,
        "  {:<34}{:>9}",
        "skipped: suppressed/unsubscribed", tally.suppressed
    )?;
    writeln!(
        out,
        "  {:<34}{:>9}",
        "retries after 4xx or timeouts", tally.retries
    )?;
    if tally.hard_bounces > 0 {
        writeln!(
            out,
            "  {:<34}{:>9}",
            "hard bounces (now suppressed)", tally.hard_bounces
        )?;
    }
    if tally.queued_left > 0 {
        writeln!(out, "  {:<34}{:>9}", "still queued", tally.queued_left)?;
    }
    if !tally.failed.is_empty() {
        writeln!(out, "Failed:")?;
        for (addr, why) in tally.failed.iter().take(20) {
            writeln!(out, "  {addr}: {why}")?;
        }
        if tally.failed.len() > 20 {
            writeln!(
                out,
                "  … and {} more (see `pressroom deliveries`)",
                tally.failed.len() - 20
            )?;
        }
    }
    if let Some(why) = &tally.stopped {
        writeln!(out, "Stopped early: {why}.")?;
        writeln!(
            out,
            "Nothing is lost: run `{resume}` again to resume; nobody gets the release twice."
        )?;
    }
    Ok(())
}

/// Resolves a path given on the command line against `--root`.
pub fn under_root(root: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// Parses `--now`.
pub fn parse_now(s: &str) -> Result<DateTime<Utc>, crate::time::TimeError> {
    crate::time::parse_now(s)
}

/// Parses `--lang`.
pub fn parse_lang(s: &str) -> Result<Lang, crate::i18n::InvalidLang> {
    Lang::parse(s)
}

/// Set by Ctrl-C: stop taking new work, finish what is in flight.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Makes Ctrl-C set [`STOP`] (a second Ctrl-C quits at once).
pub fn install_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nStopping after the messages in flight… (Ctrl-C again to quit at once)");
    });
}
