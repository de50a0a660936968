//! `pressroom build`: render the site into a staging directory beside the
//! output, then swap it into place, so a failed build never leaves a
//! half-written site. A file whose bytes are the same as in the site it
//! replaces is not written again but hard-linked from it, so it keeps its
//! inode and modification time: rsync, web servers and caches see only the
//! files that really changed.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use crate::content::Content;
use crate::render::site::{self, Output, Summary};

/// Marks a directory as made by `pressroom build` (so it may be replaced).
pub const MARKER: &str = ".pressroom-build";

/// Writes files under a directory, creating parents as needed; a file that
/// `previous` already holds with the same bytes is linked from there.
pub struct DirOutput {
    pub root: PathBuf,
    /// The site being replaced, if any.
    pub previous: Option<PathBuf>,
    /// Files written with new bytes, and files kept from `previous`.
    pub written: AtomicU64,
    pub kept: AtomicU64,
}

impl DirOutput {
    pub fn new(root: PathBuf, previous: Option<PathBuf>) -> Self {
        Self {
            root,
            previous,
            written: AtomicU64::new(0),
            kept: AtomicU64::new(0),
        }
    }

    /// Links `rel` from the previous site when it holds exactly `bytes`.
    fn keep(&self, rel: &str, path: &Path, bytes: &[u8]) -> bool {
        let Some(old) = self.previous.as_ref().map(|p| p.join(rel)) else {
            return false;
        };
        let same = fs::symlink_metadata(&old)
            .is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
            && fs::read(&old).is_ok_and(|b| b == bytes);
        same && fs::hard_link(&old, path).is_ok()
    }
}

impl Output for DirOutput {
    fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        if self.keep(rel, &path, bytes) {
            self.kept.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.written.fetch_add(1, Ordering::Relaxed);
        fs::write(&path, bytes)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    }
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub out: PathBuf,
    pub summary: Summary,
    pub assets: u64,
    /// Pages and feeds written with new bytes.
    pub written: u64,
    /// Pages and feeds unchanged since the last build (kept, not rewritten).
    pub unchanged: u64,
}

/// Builds the site of `content` as seen at `now` into `out`.
pub fn build(content: &Content, out: &Path, now: DateTime<Utc>) -> anyhow::Result<BuildReport> {
    if out.exists() {
        let is_empty = fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !out.is_dir() || (!is_empty && !out.join(MARKER).exists()) {
            bail!(
                "refusing to replace {}: it exists and was not made by `pressroom build`. Choose another --out directory or remove it",
                out.display()
            );
        }
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = out
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let result = (|| -> anyhow::Result<BuildReport> {
        let previous = out.join(MARKER).exists().then(|| out.to_path_buf());
        let output = DirOutput::new(staging.clone(), previous);
        let summary = site::render(content, now, &output).context("cannot write the site")?;
        let assets_dir = content.config.releases_dir().join("assets");
        let assets = if assets_dir.is_dir() {
            crate::files::copy_regular_tree(&assets_dir, &staging.join("assets"))
                .context("cannot copy releases/assets")?
        } else {
            0
        };
        fs::write(staging.join(MARKER), b"").context("cannot write the build marker")?;
        Ok(BuildReport {
            out: out.to_path_buf(),
            summary,
            assets,
            written: output.written.load(Ordering::Relaxed),
            unchanged: output.kept.load(Ordering::Relaxed),
        })
    })();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if out.exists() {
        fs::rename(out, &old)
            .with_context(|| format!("cannot move the old {} aside", out.display()))?;
    }
    fs::rename(&staging, out)
        .with_context(|| format!("cannot move the new site into {}", out.display()))?;
    let _ = fs::remove_dir_all(&old);
    Ok(report)
}
