//! The writer's preview site: built into a private temporary folder, then
//! after each change updated with only what the change touched.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::Utc;

use super::{Audience, email_view};
use crate::build::{Changes, SiteWriter, render_into};
use crate::content::{Content, ParseCache};
use crate::render::Urls;
use crate::render::site::Memo;

/// The start of a preview folder's name (the rest is random).
pub const PREVIEW_PREFIX: &str = "pressroom-preview-";

/// The file in a preview folder that holds the process id of its preview.
pub const OWNER: &str = "owner.pid";

/// Removes the preview folders in `tmp` that this user's previews left when
/// they were killed (SIGKILL, a power cut) before they could clean up:
/// those whose owner process is gone. Drafts and embargoed releases should
/// not linger in a shared temporary folder.
pub fn remove_abandoned_previews(tmp: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with(PREVIEW_PREFIX)
            && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && Some(m.uid()) == me);
        if !ours {
            continue;
        }
        let owner = std::fs::read_to_string(path.join(OWNER)).ok();
        let gone = owner
            .and_then(|pid| pid.trim().parse::<u32>().ok())
            .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
        if gone && std::fs::remove_dir_all(&path).is_ok() {
            tracing::info!(folder = %path.display(), "removed a preview folder left by a preview that was killed");
        }
    }
}

/// The writer's preview site: built once, then after each change updated
/// with only what the change touched. Releases are parsed again only when
/// their file changed; a page or feed is rendered again only when the
/// releases it shows changed (see [`Memo`]); only files whose bytes changed
/// are written. A change to `pressroom.toml` or the assets starts from
/// scratch. Email views are made when asked for, from the content of the
/// last good update.
pub struct PreviewSite {
    root: PathBuf,
    /// The folder the site is built into.
    pub dir: PathBuf,
    pub(super) parsed: ParseCache,
    memo: Memo,
    /// One update at a time.
    updating: Mutex<()>,
    /// What the last good update showed.
    shown: Mutex<Option<Arc<Content>>>,
}

/// What an update did.
pub struct Updated {
    pub content: Arc<Content>,
    pub changes: Changes,
    /// The files written or removed, relative to the site.
    pub paths: Vec<String>,
}

impl PreviewSite {
    /// A preview of the pressroom at `root`, built into `dir`.
    pub fn new(root: &Path, dir: PathBuf) -> Self {
        Self {
            root: root.to_path_buf(),
            dir,
            parsed: ParseCache::default(),
            memo: Memo::default(),
            updating: Mutex::default(),
            shown: Mutex::default(),
        }
    }

    /// Everything read or rendered before is to be forgotten.
    pub fn forget(&self) {
        self.parsed.clear();
        self.memo.clear();
    }

    /// Brings the site up to date with the files; on an error, the site
    /// stays as the last update left it.
    pub fn update(&self) -> anyhow::Result<Updated> {
        // Phase times, for RUST_LOG=pressroom=debug.
        let t0 = std::time::Instant::now();
        let mut content = Content::load_with(&self.root, Some(&self.parsed))?;
        tracing::debug!(
            phase = "load",
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "preview update"
        );
        content.show_unpublished = true;
        let _one_at_a_time = self.updating.lock().expect("preview lock");
        self.memo.begin();
        let writer = if self.dir.exists() {
            SiteWriter::in_place(self.dir.clone())
        } else {
            SiteWriter::fresh(self.dir.clone())
        };
        let rendered = render_into(&content, Utc::now(), &writer, Some(&self.memo));
        tracing::debug!(
            phase = "render",
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "preview update"
        );
        if let Err(e) = rendered {
            writer.abandon();
            self.memo.abandon();
            return Err(e);
        }
        let (mut changes, mut paths) =
            writer.finish_written().inspect_err(|_| self.memo.clear())?;
        let gone = self.memo.sweep();
        changes.removed = SiteWriter::remove(&self.dir, &gone);
        paths.extend(gone);
        tracing::debug!(
            phase = "finish",
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "preview update"
        );
        let content = Arc::new(content);
        *self.shown.lock().expect("preview lock") = Some(content.clone());
        Ok(Updated {
            content,
            changes,
            paths,
        })
    }

    /// The email view at `path` (under `_email/`), from what the last good
    /// update showed; `None` when no emailed release has it.
    pub fn email_page(&self, path: &str) -> Option<anyhow::Result<Vec<u8>>> {
        let content = self.shown.lock().expect("preview lock").clone()?;
        let (dir, file) = path.rsplit_once('/')?;
        let release = content
            .releases
            .iter()
            .find(|r| r.publication.email && Urls::email_view(r).strip_suffix('/') == Some(dir))?;
        if !matches!(file, "index.html" | "email.html") {
            return None;
        }
        let made = Audience::load(&content.config)
            .and_then(|audience| email_view(&content, release, &audience))
            .with_context(|| {
                format!(
                    "cannot make the email view of {}",
                    release.source.path.display()
                )
            });
        Some(made.map(|files| match file {
            "email.html" => files.html.into_bytes(),
            _ => files.page.into_bytes(),
        }))
    }
}
