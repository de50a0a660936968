//! The outbox: without a relay, each message is an `.eml` file under
//! `outbox/FOLDER/`, readable by the owner only, written atomically.

use std::path::{Path, PathBuf};

/// Writes `bytes` as `dir/FOLDER/NAME`; the folder name keeps letters,
/// digits and `-` of `folder` and turns anything else into `_`.
pub fn write(dir: &Path, folder: &str, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    crate::files::write_outbox(&dir.join(crate::files::segment(folder)), name, bytes)
}
