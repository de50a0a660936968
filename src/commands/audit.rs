//! `pressroom audit [--since WHEN] [--json]`: the desk's audit trail.

use std::path::Path;

use super::{Outcome, Ui, UsageError};
use crate::config::Config;
use crate::sending::open_store;

/// `pressroom audit`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// From when: a duration back from now ("7days", "24h") or a date
    /// (2026-11-01).
    #[arg(long, default_value = "30days")]
    pub since: String,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The most lines shown at once.
const LIMIT: usize = 100_000;

/// Runs `audit` in the pressroom at `root`.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let db = open_store(&config)?;
    let since = crate::time::since(&args.since).map_err(|e| UsageError(e.to_string()))?;
    let rows = db.desk().audit_since(&since, LIMIT)?;
    if args.json {
        for r in &rows {
            writeln!(ui.out, "{}", serde_json::to_string(r)?)?;
        }
        return Ok(Outcome::Done);
    }
    writeln!(
        ui.out,
        "{:<19}  {:<30}  {:<18}  {:<30}  {:<15}  DETAIL",
        "WHEN (UTC)", "WHO", "ACTION", "OBJECT", "FROM"
    )?;
    let p = crate::subscribers::printable;
    for r in &rows {
        writeln!(
            ui.out,
            "{:<19}  {:<30}  {:<18}  {:<30}  {:<15}  {}",
            r.at.get(..19).unwrap_or(&r.at).replace('T', " "),
            p(r.actor.as_deref().unwrap_or("(command line)")),
            r.action,
            p(r.object.as_deref().unwrap_or("-")),
            r.ip.as_deref().unwrap_or("-"),
            p(r.detail.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(ui.out, "{} entries since {}", rows.len(), &since[..10])?;
    Ok(Outcome::Done)
}
