//! `pressroom build`: render the site and put it in place so that a failed
//! build never leaves a half-written site.
//!
//! A first build renders into a staging directory beside the output and
//! swaps it into place. A rebuild over a site that `pressroom build` made
//! updates it in place: each page is compared with the file already there;
//! only pages whose bytes changed are written (to a temporary file beside
//! the page), and only when the whole render succeeded are they renamed
//! over the old ones and the pages that no longer exist removed. An
//! unchanged file keeps its inode and modification time, so rsync, web
//! servers and caches see only the files that really changed, and a no-op
//! rebuild creates no directory and writes no file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use crate::content::Content;
use crate::render::site::{self, Memo, Output, Summary};

pub mod assets;
pub mod cache;
pub mod record;
use crate::sharded::{HashSet, Sharded};

/// Marks a directory as made by `pressroom build` (so it may be replaced).
pub const MARKER: &str = ".pressroom-build";

/// Suffix of a page written beside the one it replaces, until the rename.
const NEW_SUFFIX: &str = ".pressroom-new";

/// Writes a site under a directory: straight into a fresh (staging)
/// directory, or as an in-place update of a site already there.
pub struct SiteWriter {
    root: PathBuf,
    in_place: bool,
    /// Every page and feed of this build, written or kept.
    produced: Sharded<HashSet<String>>,
    /// Temporary files to rename over their pages when the build succeeds.
    pending: Mutex<Vec<(PathBuf, PathBuf)>>,
    /// Into a fresh folder: each file written, stamped as it was written
    /// (so that the record of the build need not read the site again).
    stamps: Mutex<Vec<(String, record::Stamp)>>,
    written: AtomicU64,
    kept: AtomicU64,
    /// Of `kept`: not rendered at all (the memo knew their inputs).
    skipped: AtomicU64,
}

/// What [`SiteWriter::finish`] changed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Changes {
    /// Files written with new bytes.
    pub written: u64,
    /// Files left as they were.
    pub unchanged: u64,
    /// Of those: not rendered again, their inputs being as recorded.
    pub skipped: u64,
    /// Files of the old site that this build no longer has, removed.
    pub removed: u64,
}

impl SiteWriter {
    /// A writer into `root`, an empty or new directory.
    pub fn fresh(root: PathBuf) -> Self {
        Self::new(root, false)
    }

    /// A writer that updates the site already at `root` in place.
    pub fn in_place(root: PathBuf) -> Self {
        Self::new(root, true)
    }

    fn new(root: PathBuf, in_place: bool) -> Self {
        Self {
            root,
            in_place,
            produced: Sharded::default(),
            pending: Mutex::default(),
            stamps: Mutex::default(),
            written: AtomicU64::new(0),
            kept: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
        }
    }

    fn produce(&self, rel: &str) {
        self.produced.insert(rel);
    }

    /// Puts the written pages in place and removes the pages (and emptied
    /// folders) of the old site that this build did not produce, including
    /// temporary files a crashed build left. Call only after every page was
    /// rendered without error.
    pub fn finish(self) -> io::Result<Changes> {
        put_in_place(self.pending.into_inner().expect("pending list"))?;
        let produced = self.produced.into_set();
        let mut removed = 0;
        if self.in_place {
            removed = remove_stale(&self.root, &self.root, &produced)?;
        }
        Ok(Changes {
            written: self.written.into_inner(),
            unchanged: self.kept.into_inner(),
            skipped: self.skipped.into_inner(),
            removed,
        })
    }

    /// As [`finish`](SiteWriter::finish), for a writer into a fresh folder:
    /// also returns each file written with its stamp.
    fn finish_fresh(self) -> io::Result<(Changes, Vec<(String, record::Stamp)>)> {
        let stamps = std::mem::take(&mut *self.stamps.lock().expect("stamps"));
        Ok((self.finish()?, stamps))
    }

    /// As [`finish`](SiteWriter::finish), for a site known to hold exactly
    /// `old` (no other file, no symbolic link): the files of `old` that
    /// this build did not produce are removed without reading the folder.
    /// Returns the site's files as they are now.
    pub fn finish_known(self, old: &record::Outputs) -> io::Result<(Changes, record::Outputs)> {
        let pending = self.pending.into_inner().expect("pending list");
        let written = relative(&self.root, &pending);
        put_in_place(pending)?;
        let produced = self.produced.into_set();
        let gone: Vec<String> = old
            .files()
            .filter(|rel| !produced.contains(*rel))
            .map(str::to_string)
            .collect();
        for rel in &gone {
            let path = self.root.join(rel);
            fs::remove_file(&path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            remove_empty_parents(&self.root, &path);
        }
        let now = old.after(&self.root, &written, &gone)?;
        let changes = Changes {
            written: self.written.into_inner(),
            unchanged: self.kept.into_inner(),
            skipped: self.skipped.into_inner(),
            removed: gone.len() as u64,
        };
        Ok((changes, now))
    }

    /// Puts the written pages in place, and nothing else: for a writer whose
    /// caller knows which files are gone (a preview's [`Memo::sweep`]).
    /// Also returns the files written (paths relative to the site).
    pub fn finish_written(self) -> io::Result<(Changes, Vec<String>)> {
        let pending = self.pending.into_inner().expect("pending list");
        let written = relative(&self.root, &pending);
        put_in_place(pending)?;
        let changes = Changes {
            written: self.written.into_inner(),
            unchanged: self.kept.into_inner(),
            skipped: self.skipped.into_inner(),
            removed: 0,
        };
        Ok((changes, written))
    }

    /// Removes `rels` (files of an earlier build) and the folders they leave
    /// empty; returns how many files were there.
    pub fn remove(root: &Path, rels: &[String]) -> u64 {
        let mut removed = 0;
        for rel in rels {
            let path = root.join(rel);
            if fs::remove_file(&path).is_ok() {
                removed += 1;
            }
            remove_empty_parents(root, &path);
        }
        removed
    }

    /// Leaves the site as it was: temporary files are removed, and so are
    /// the folders this build created for new pages.
    pub fn abandon(self) {
        let pending = self.pending.into_inner().unwrap_or_default();
        for (tmp, _) in pending {
            let _ = fs::remove_file(&tmp);
            remove_empty_parents(&self.root, &tmp);
        }
    }

    fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
        fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
            && fs::read(path).is_ok_and(|b| b == bytes)
    }
}

impl Output for SiteWriter {
    fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        self.produce(rel);
        let path = self.root.join(rel);
        let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        if self.in_place && Self::same_bytes(&path, bytes) {
            self.kept.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(with_path)?;
        }
        self.written.fetch_add(1, Ordering::Relaxed);
        if !self.in_place {
            let stamp = write_new(&path, bytes).map_err(with_path)?;
            self.stamps
                .lock()
                .expect("stamps")
                .push((rel.to_string(), stamp));
            return Ok(());
        }
        let mut tmp = path.clone().into_os_string();
        tmp.push(NEW_SUFFIX);
        let tmp = PathBuf::from(tmp);
        fs::write(&tmp, bytes).map_err(with_path)?;
        self.pending.lock().expect("pending list").push((tmp, path));
        Ok(())
    }

    /// A page the memo knows unchanged: it stays as it is, part of the site.
    fn unchanged(&self, rel: &str) {
        self.produce(rel);
        self.kept.fetch_add(1, Ordering::Relaxed);
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }
}

/// Writes `bytes` to a new file at `path`; returns its stamp (taken from
/// the open file, which no path lookup costs).
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<record::Stamp> {
    use std::io::Write as _;
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    Ok(record::Stamp::of(&file.metadata()?))
}

/// The pages of `pending` as paths below `root` (with `/`).
fn relative(root: &Path, pending: &[(PathBuf, PathBuf)]) -> Vec<String> {
    pending
        .iter()
        .filter_map(|(_, path)| path.strip_prefix(root).ok())
        .map(|rel| {
            rel.to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/")
        })
        .collect()
}

/// Renames each written temporary file over its page.
fn put_in_place(pending: Vec<(PathBuf, PathBuf)>) -> io::Result<()> {
    for (tmp, path) in &pending {
        fs::rename(tmp, path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

/// Removes the folders between `path` and `root` that are empty, from
/// the innermost out.
fn remove_empty_parents(root: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != root && d.starts_with(root)) {
        if fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Removes the files under `dir` that are not in `produced` (paths relative
/// to `root`), and folders left empty; returns how many files went.
fn remove_stale(root: &Path, dir: &Path, produced: &HashSet<String>) -> io::Result<u64> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            removed += remove_stale(root, &path, produced)?;
            if fs::read_dir(&path)?.next().is_none() {
                fs::remove_dir(&path)?;
            }
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .map_err(io::Error::other)?
            .to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "/");
        if rel != MARKER && !produced.contains(&rel) {
            fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub out: PathBuf,
    /// Every release file, drafts and embargoed ones included.
    pub all_releases: usize,
    /// Nothing had changed since the last build: nothing was rendered.
    pub up_to_date: bool,
    pub summary: Summary,
    pub assets: u64,
    /// Pages, feeds and assets written with new bytes.
    pub written: u64,
    /// Pages, feeds and assets unchanged since the last build (kept, not rewritten).
    pub unchanged: u64,
    /// Of those: not even rendered, their inputs being as recorded.
    pub skipped: u64,
    /// Files of the previous build that this one no longer has.
    pub removed: u64,
    /// Releases parsed (new or changed since the last build), when the
    /// build kept the others from the last one.
    pub parsed: Option<usize>,
    /// The site's files after the build, when it knew them without
    /// reading the folder again.
    pub outputs: Option<record::Outputs>,
    /// Why every page was rendered, when it was.
    pub whole: Option<record::Whole>,
}

impl BuildReport {
    /// What a build that rendered `content` into `out` did.
    fn rendered(
        content: &Content,
        out: &Path,
        summary: Summary,
        assets: u64,
        changes: Changes,
    ) -> Self {
        Self {
            out: out.to_path_buf(),
            all_releases: content.releases.len(),
            up_to_date: false,
            summary,
            assets,
            written: changes.written,
            unchanged: changes.unchanged,
            skipped: changes.skipped,
            removed: changes.removed,
            parsed: None,
            outputs: None,
            whole: None,
        }
    }
}

/// Renders the site of `content` as seen at `now`, with the assets, through
/// `out`; `memo` lets a long-running preview skip pages whose inputs did
/// not change since its last render.
pub fn render_into(
    content: &Content,
    now: DateTime<Utc>,
    out: &SiteWriter,
    memo: Option<&Memo>,
) -> anyhow::Result<(Summary, u64)> {
    let summary = site::render(content, now, out, memo).context("cannot write the site")?;
    let assets_dir = content.config.releases_dir().join("assets");
    let mut assets = 0;
    if assets_dir.is_dir() {
        let cache = content.config.root.join(".cache").join("images");
        let withheld = assets::withheld(content, now);
        crate::files::visit_regular_tree(&assets_dir, &mut |rel, src| {
            let rel = format!("assets/{rel}");
            // Used only by releases not out yet: it waits for them.
            if withheld.contains(&rel) {
                return Ok(());
            }
            assets += 1;
            // A large JPEG or PNG also gets its web copy.
            let web = crate::render::images::web_path(&rel).filter(|_| {
                imagesize::size(src)
                    .is_ok_and(|d| crate::render::images::web_size((d.width, d.height)).is_some())
            });
            if let Some(memo) = memo {
                let m = fs::metadata(src)?;
                let inputs = site::fingerprint((m.len(), m.modified().ok()));
                // Both recorded, hence `&`.
                let fresh =
                    memo.fresh(&rel, inputs) & web.as_ref().is_none_or(|w| memo.fresh(w, inputs));
                if fresh {
                    out.unchanged(&rel);
                    if let Some(w) = &web {
                        out.unchanged(w);
                    }
                    return Ok(());
                }
            }
            let bytes = fs::read(src)?;
            out.write(&rel, &bytes)?;
            if let Some(w) = web
                && let Some(copy) = crate::render::images::web_copy(src, &bytes, &cache)
                    .map_err(io::Error::other)?
            {
                out.write(&w, &copy)?;
            }
            Ok(())
        })
        .context("cannot copy releases/assets")?;
    }
    Ok((summary, assets))
}

/// Builds the pressroom at `root` as seen at `now` into `out`, unless the
/// [record](record::Record) of the last build there shows that nothing it
/// was made from changed, nor any file it left (`force` builds anyway).
pub fn build_pressroom(
    root: &Path,
    out: &Path,
    now: DateTime<Utc>,
    force: bool,
) -> anyhow::Result<BuildReport> {
    let config = crate::config::Config::load(root)?;
    let start = std::time::SystemTime::now();
    let at = record::Record::path(&config, out);
    // The last build's record, read while the sources are stamped.
    let marked = !force && out.join(MARKER).is_file();
    let (inputs, old) = rayon::join(
        || record::Inputs::read(&config),
        || marked.then(|| record::Record::load(&at)).flatten(),
    );
    let inputs = inputs.with_context(|| format!("cannot read {}", config.root.display()))?;
    // Whether the site is as the last build left it: each of its folders
    // and files is looked at once (no folder is read).
    let mut changed_by_hand = false;
    if let Some(old) = &old
        && let Some(inputs) = &inputs
        && let Some(made) = old.unchanged(inputs, now)
    {
        if old.left_as_is(out) {
            return Ok(BuildReport {
                out: out.to_path_buf(),
                all_releases: made.all_releases,
                up_to_date: true,
                summary: made.summary,
                assets: made.assets,
                written: 0,
                unchanged: made.files,
                skipped: made.files,
                removed: 0,
                parsed: Some(0),
                outputs: None,
                whole: None,
            });
        }
        changed_by_hand = true;
    }
    // Why every page is rendered, if it is.
    let mut whole = match (&old, &inputs) {
        _ if force => Some(record::Whole::Forced),
        (_, None) => Some(record::Whole::NotPlainFiles),
        (None, _) => Some(record::Whole::FirstBuild),
        (Some(old), Some(inputs)) => old.differs(inputs),
    };
    // Only the releases changed: the pages whose inputs are as recorded
    // are neither rendered nor read again, if the site is as it was left
    // (looked at while the cache is read; if not, every page is rendered).
    let (memo, left) = match old
        .zip(inputs.as_ref())
        .and_then(|(old, i)| old.into_memo(i))
    {
        Some((memo, left)) => (memo, Some(left).filter(|_| !changed_by_hand)),
        None => (Memo::default(), None),
    };
    // The releases parsed and viewed by earlier builds, unless forced.
    let parses = crate::content::ParseCache::default();
    let cache_at = cache::path(&config);
    let reading_key = inputs.as_ref().map(record::Inputs::reading_key);
    let (known, loaded) = rayon::join(
        || left.filter(|left| left.still_in(out)),
        || match reading_key {
            Some(key) if !force => cache::load(&cache_at, key, &parses, &memo),
            _ => cache::Loaded::default(),
        },
    );
    if known.is_none() {
        memo.forget_pages();
        whole = whole.or(Some(record::Whole::ChangedByHand));
    }
    let content = Content::load_with(root, Some(&parses))?;
    memo.begin();
    let mut report = build_with(&content, out, now, Some(&memo), known.as_ref())?;
    report.parsed = Some(content.releases.len().saturating_sub(parses.hits()));
    report.whole = whole;
    memo.sweep();
    // The parsed releases for the next build, and the record of this one,
    // are written side by side.
    let keep_parsed = inputs.as_ref().is_some_and(|i| !i.assets_racy(start));
    let left = report.outputs.take();
    let (kept, recorded) = rayon::join(
        || match reading_key {
            Some(key) if keep_parsed => {
                let race_from = start
                    .checked_sub(record::RACY)
                    .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
                let made = cache::Made {
                    content: &content,
                    parses: &parses,
                    memo: &memo,
                };
                cache::save(&cache_at, key, &loaded, made, race_from)
            }
            _ => cache::remove(&cache_at),
        },
        || {
            // The pages' inputs gathered here, beside the cache's saving.
            let made = record::Made {
                summary: &report.summary,
                assets: report.assets,
                pages: memo.inputs(),
                left,
            };
            record::Record::save(&at, inputs, start, &content, now, out, made)
        },
    );
    if let Err(e) = kept {
        // The site is built; only the next build's head start is lost.
        tracing::warn!(error = %e, path = %cache_at.display(), "cannot keep the parsed releases");
    }
    if let Err(e) = recorded {
        // The site is built; only the next build's shortcut is lost.
        tracing::warn!(error = %e, path = %at.display(), "cannot record the build");
    }
    drop_aside((content, parses, memo, loaded, known));
    Ok(report)
}

/// Drops `big` on a thread of its own: freeing what a build of thousands
/// of releases made takes tens of milliseconds, which a command that ends
/// next need not wait for (it exits without them).
fn drop_aside<T: Send + 'static>(big: T) {
    // Should no thread start, the closure and `big` are dropped here.
    let _ = std::thread::Builder::new()
        .name("drop".into())
        .spawn(move || drop(big));
}

/// Builds the site of `content` as seen at `now` into `out`.
pub fn build(content: &Content, out: &Path, now: DateTime<Utc>) -> anyhow::Result<BuildReport> {
    build_with(content, out, now, None, None)
}

/// [`build`], skipping the pages whose inputs `memo` knows unchanged (an
/// update in place only: a new site renders every page, and records each
/// one's inputs in `memo`). `known` is what the site at `out` holds, when
/// a record vouches for it.
fn build_with(
    content: &Content,
    out: &Path,
    now: DateTime<Utc>,
    memo: Option<&Memo>,
    known: Option<&record::Outputs>,
) -> anyhow::Result<BuildReport> {
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
        if !is_empty {
            return update(content, out, now, memo, known);
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
    remove_abandoned_staging(parent, &name);
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let writer = SiteWriter::fresh(staging.clone());
    // A new site has nothing to keep: the memo only learns the inputs.
    if let Some(memo) = memo {
        memo.forget_pages();
    }
    let rendered = render_into(content, now, &writer, memo).and_then(|r| {
        fs::write(staging.join(MARKER), b"").context("cannot write the build marker")?;
        Ok(r)
    });
    let (summary, assets) = match rendered {
        Ok(r) => r,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let placed = writer
        .finish_fresh()
        .map_err(anyhow::Error::from)
        .and_then(|finished| {
            if out.exists() {
                fs::remove_dir(out).with_context(|| format!("cannot replace {}", out.display()))?;
            }
            fs::rename(&staging, out)
                .with_context(|| format!("cannot move the new site into {}", out.display()))?;
            Ok(finished)
        });
    let (changes, stamps) = match placed {
        Ok(finished) => finished,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let mut report = BuildReport::rendered(content, out, summary, assets, changes);
    // Should a folder not be there to stamp, the record reads the site.
    report.outputs = record::Outputs::of_written(out, stamps).ok();
    Ok(report)
}

/// Removes the staging folders (`.public.partial-PID`) that a build of
/// `name` in `parent` left when it was killed or failed: those of processes
/// that no longer run (all but this one's, where `/proc` cannot tell).
fn remove_abandoned_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let proc_knows = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let running = proc_knows && Path::new("/proc").join(pid.to_string()).exists();
        if pid != std::process::id() && !running {
            let path = entry.path();
            match fs::remove_dir_all(&path) {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "removed an interrupted build's staging folder")
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot remove an interrupted build's staging folder")
                }
            }
        }
    }
}

/// Updates the site that a previous build left at `out`. A symbolic link
/// inside it (which no build makes) is removed first, so that nothing is
/// written through it; a site `known` to hold the files its record names
/// (of which none is a link) is not read again.
fn update(
    content: &Content,
    out: &Path,
    now: DateTime<Utc>,
    memo: Option<&Memo>,
    known: Option<&record::Outputs>,
) -> anyhow::Result<BuildReport> {
    if known.is_none() {
        let links = crate::files::remove_symlinks(out)
            .with_context(|| format!("cannot check {} for symbolic links", out.display()))?;
        for link in &links {
            tracing::warn!(path = %link.display(), "removed a symbolic link from the site's folder: pressroom build never writes through one");
        }
    }
    let writer = SiteWriter::in_place(out.to_path_buf());
    let (summary, assets) = match render_into(content, now, &writer, memo) {
        Ok(r) => r,
        Err(e) => {
            writer.abandon();
            if let Some(memo) = memo {
                memo.abandon();
            }
            return Err(e);
        }
    };
    let finished = match known {
        Some(old) => writer.finish_known(old).map(|(c, now)| (c, Some(now))),
        None => writer.finish().map(|c| (c, None)),
    };
    let (changes, outputs) =
        finished.with_context(|| format!("cannot update {}", out.display()))?;
    let mut report = BuildReport::rendered(content, out, summary, assets, changes);
    report.outputs = outputs;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry under `dir` (relative path, bytes of files), sorted.
    fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
        fn walk(root: &Path, dir: &Path, v: &mut Vec<(String, Vec<u8>)>) {
            for e in fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                if p.is_dir() {
                    v.push((rel, vec![]));
                    walk(root, &p, v);
                } else {
                    v.push((rel, fs::read(&p).unwrap()));
                }
            }
        }
        let mut v = vec![(String::new(), vec![])];
        walk(dir, dir, &mut v);
        v.sort();
        v
    }

    #[test]
    fn a_first_build_knows_its_site_as_a_reading_of_its_folders_would() {
        let content = Content::load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("public");
        let now = "2030-01-01T00:00:00Z".parse().unwrap();
        let report = build_with(&content, &out, now, None, None).unwrap();
        let known = report.outputs.expect("the stamps of the files written");
        let read = record::Outputs::read(&out).unwrap();
        assert!(read.files().count() > 20, "the sample's site");
        assert_eq!(known, read);
    }

    #[test]
    fn an_abandoned_update_leaves_the_site_exactly_as_it_was() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("fi/old")).unwrap();
        fs::write(d.path().join("fi/old/index.html"), b"old").unwrap();
        fs::write(d.path().join("index.html"), b"front").unwrap();
        let before = tree(d.path());
        let w = SiteWriter::in_place(d.path().to_path_buf());
        w.write("index.html", b"new front").unwrap();
        w.write("fi/new/deeper/index.html", b"new page").unwrap();
        w.write("fi/old/index.html", b"old").unwrap();
        w.abandon();
        assert_eq!(tree(d.path()), before);
    }

    #[test]
    fn a_finished_update_renames_changes_and_removes_what_is_gone() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("fi/gone")).unwrap();
        fs::write(d.path().join("fi/gone/index.html"), b"gone").unwrap();
        fs::write(d.path().join("index.html"), b"front").unwrap();
        fs::write(d.path().join(MARKER), b"").unwrap();
        fs::write(d.path().join("index.html.pressroom-new"), b"crash").unwrap();
        let w = SiteWriter::in_place(d.path().to_path_buf());
        w.write("index.html", b"front").unwrap();
        w.write("fi/new/index.html", b"new").unwrap();
        let changes = w.finish().unwrap();
        assert_eq!((changes.written, changes.unchanged), (1, 1));
        assert_eq!(changes.removed, 2, "the old page and the crash leftover");
        let names: Vec<String> = tree(d.path()).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "",
                ".pressroom-build",
                "fi",
                "fi/new",
                "fi/new/index.html",
                "index.html"
            ]
        );
    }
}
