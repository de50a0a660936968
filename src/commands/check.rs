//! `pressroom check`: every problem of the configuration and the releases.

use std::path::Path;

use super::{Outcome, Ui};

/// Prints the warnings (stderr) and a line saying all is well; the errors
/// come back as diagnostics.
pub fn run(root: &Path, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let report = crate::validate::run(root)?;
    for w in &report.warnings {
        eprintln!("{w}");
    }
    writeln!(
        ui.out,
        "ok: pressroom.toml and {} releases have no problems",
        report.releases
    )?;
    Ok(Outcome::Done)
}
