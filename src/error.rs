//! How a run of the `pressroom` binary ends: the usage error type and the
//! exit code of every outcome, in one place.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | done (a closed pipe, as in `pressroom … \| head`, counts as done) |
//! | 1    | content or runtime errors, or a run that needs attention |
//! | 2    | the command was called wrongly |

use crate::config::ConfigError;
use crate::content::LoadError;

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything it was asked to do is done (exit code 0).
    Done,
    /// It finished, but something needs attention: a message failed, a run
    /// was stopped early (exit code 1).
    NeedsAttention,
}

impl Outcome {
    /// `NeedsAttention` when something failed, else `Done`.
    pub fn from_failure(failed: bool) -> Self {
        if failed {
            Outcome::NeedsAttention
        } else {
            Outcome::Done
        }
    }
}

/// A mistake in how the command was called (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: content or runtime errors, or something needs attention.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: a usage mistake.
pub const EXIT_USAGE: u8 = 2;

/// The exit code of a command that returned.
pub fn exit_code(result: &anyhow::Result<Outcome>) -> u8 {
    match result {
        Ok(Outcome::Done) => EXIT_OK,
        Ok(Outcome::NeedsAttention) => EXIT_FAILURE,
        Err(e) if is_broken_pipe(e) => EXIT_OK,
        Err(e) if is_usage(e) => EXIT_USAGE,
        Err(_) => EXIT_FAILURE,
    }
}

/// A closed pipe (`pressroom … | head`) is not an error.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// True when an error is a usage mistake (exit code 2).
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.downcast_ref::<UsageError>().is_some()
}

/// True when an error is about content (already formatted as diagnostics,
/// one `path:line:col: error: …` per line).
pub fn is_diagnostics(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<LoadError>(),
        Some(LoadError::Content(_)) | Some(LoadError::Config(ConfigError::Invalid(_)))
    )
}

/// Writes an error for a person: diagnostics as they are, anything else
/// as `error: …` with its causes.
pub fn report(e: &anyhow::Error, err: &mut dyn std::io::Write) -> std::io::Result<()> {
    if is_diagnostics(e) {
        writeln!(err, "{e}")
    } else {
        writeln!(err, "error: {e}")?;
        for cause in e.chain().skip(1) {
            writeln!(err, "  caused by: {cause}")?;
        }
        Ok(())
    }
}
