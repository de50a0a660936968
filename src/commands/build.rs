//! `pressroom build`: the website and feeds, with a summary table.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{Outcome, Ui, parse_now, under_root};

/// Arguments of `build`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "public")]
    pub out: PathBuf,
    /// Build as if it were this time (RFC 3339), for embargo decisions.
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// Render and compare every page even when the record of the last
    /// build (in .cache/) says that nothing changed since.
    #[arg(long)]
    pub force: bool,
}

/// Builds the site and prints what it holds.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let now = args.now.unwrap_or_else(Utc::now);
    let dir = under_root(root, &args.out);
    let report = crate::build::build_pressroom(root, &dir, now, args.force)?;
    let s = &report.summary;
    let total = report.all_releases;
    let out = &mut *ui.out;
    if report.up_to_date {
        writeln!(
            out,
            "Up to date: {} (nothing changed since the last build; --force builds anyway)",
            report.out.display()
        )?;
    } else {
        writeln!(out, "Built {}", report.out.display())?;
        if let Some(whole) = report.whole {
            writeln!(out, "  every page rendered: {}", whole.says())?;
        }
    }
    writeln!(out, "  {:<40}{:>6}", "releases on the web", s.releases)?;
    writeln!(
        out,
        "  {:<40}{:>6}",
        "left out (draft, embargo, email only)",
        total - s.releases
    )?;
    if !report.up_to_date
        && let Some(parsed) = report.parsed
        && parsed < total
    {
        writeln!(
            out,
            "  {:<40}{:>6}",
            "release files read (new or changed)", parsed
        )?;
    }
    writeln!(out, "  {:<40}{:>6}", "languages", s.languages)?;
    writeln!(out, "  {:<40}{:>6}", "pages", s.pages)?;
    writeln!(out, "  {:<40}{:>6}", "feeds", s.feeds)?;
    writeln!(out, "  {:<40}{:>6}", "keyword pages", s.tags)?;
    writeln!(out, "  {:<40}{:>6}", "assets", report.assets)?;
    writeln!(
        out,
        "  {:<40}{:>6}",
        "files written (new or changed)", report.written
    )?;
    writeln!(
        out,
        "  {:<40}{:>6}",
        "files unchanged (kept as they were)", report.unchanged
    )?;
    if !report.up_to_date && report.skipped > 0 {
        writeln!(
            out,
            "    {:<38}{:>6}",
            "not rendered (inputs as before)", report.skipped
        )?;
    }
    if report.removed > 0 {
        writeln!(
            out,
            "  {:<40}{:>6}",
            "files removed (no longer in the site)", report.removed
        )?;
    }
    Ok(Outcome::Done)
}
