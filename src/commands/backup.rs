//! `pressroom backup FILE` and `pressroom restore FILE`: a consistent copy
//! of the database while `serve` and `send` run, and putting one back.

use std::path::{Path, PathBuf};

use super::{Outcome, Ui, UsageError, under_root};
use crate::config::Config;
use crate::db::backup::{self, COUNTED, Summary};

/// Arguments of `backup`.
#[derive(Debug, Clone, clap::Args)]
pub struct BackupArgs {
    /// The new file to write (never overwritten), e.g.
    /// /var/backups/pressroom/2026-11-30.db
    pub file: PathBuf,
}

/// Arguments of `restore`.
#[derive(Debug, Clone, clap::Args)]
pub struct RestoreArgs {
    /// A file that `pressroom backup` wrote.
    pub file: PathBuf,
    /// Replace the database without asking (needed without a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Check the file and show what it holds; restore nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn backup(root: &Path, args: &BackupArgs, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let db = crate::db::database_path(&config);
    let file = under_root(root, &args.file);
    let summary = backup::backup(&db, &file)?;
    writeln!(ui.out, "Backed up {} to {}", db.display(), file.display())?;
    table(ui, &summary)?;
    writeln!(
        ui.out,
        "The file holds personal data (mode 0600): keep it as safe as the database. Keep the secret ({}) too: without it, the unsubscribe links already sent stop working.",
        config
            .subscribers
            .secret_file
            .as_deref()
            .unwrap_or("subscribers/.secret")
    )?;
    Ok(Outcome::Done)
}

pub fn restore(root: &Path, args: &RestoreArgs, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let db = crate::db::database_path(&config);
    let file = under_root(root, &args.file);
    let summary = backup::inspect(&file)?;
    writeln!(
        ui.out,
        "{} is whole (integrity check ok) and holds:",
        file.display()
    )?;
    table(ui, &summary)?;
    if args.dry_run {
        writeln!(ui.out, "Dry run: nothing was restored.")?;
        return Ok(Outcome::Done);
    }
    if db.exists() {
        let question = format!(
            "Replace the database at {} with this backup? What was written since the backup is lost.",
            db.display()
        );
        if !args.yes && !ui.interactive {
            return Err(UsageError(format!(
                "{question} Not on a terminal: pass --yes to confirm, or --dry-run to only check the file."
            ))
            .into());
        }
        if !ui.confirm(&question, args.yes)? {
            writeln!(ui.out, "Nothing was restored.")?;
            return Ok(Outcome::Done);
        }
    }
    let had = db.exists();
    let restored = backup::restore(&file, &db)?;
    writeln!(ui.out, "Restored {} into {}", file.display(), db.display())?;
    if had {
        writeln!(
            ui.out,
            "The database it replaced is kept as {} until the next restore.",
            backup::before_restore_path(&db).display()
        )?;
    }
    if restored.version != summary.version {
        writeln!(
            ui.out,
            "Its schema was brought up to date (version {} to {}).",
            summary.version, restored.version
        )?;
    }
    writeln!(
        ui.out,
        "Messages that were being sent when the backup was made are queued again: `pressroom send RELEASE` resumes them."
    )?;
    Ok(Outcome::Done)
}

fn table(ui: &mut Ui<'_>, s: &Summary) -> anyhow::Result<()> {
    for ((_, label), (_, n)) in COUNTED.iter().zip(&s.rows) {
        writeln!(ui.out, "  {n:>10}  {label}")?;
    }
    writeln!(
        ui.out,
        "  schema version {}, {} KB",
        s.version,
        s.bytes.div_ceil(1024)
    )?;
    Ok(())
}
