//! Watching the pressroom's files while a writer's preview runs: after
//! each burst of changes, the preview site is updated and the open pages
//! are told to reload, or shown the problem.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use anyhow::Context;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, DebouncedEvent, RecommendedCache};

use super::site::PreviewSite;
use crate::http::preview::{Change, Preview};

/// How long the watcher waits for a burst of file events to end (an
/// editor's save is a few events within a millisecond or two).
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(10);

type Debouncer = notify_debouncer_full::Debouncer<
    notify_debouncer_full::notify::RecommendedWatcher,
    RecommendedCache,
>;

/// The watcher, shared with its own callback (which adds a folder made
/// while the preview runs). The watcher stops when the last `Arc` drops.
pub type Watching = Arc<Mutex<Debouncer>>;

/// The paths of the pressroom that the preview is made of, absolute.
struct Watched {
    releases: PathBuf,
    toml: PathBuf,
    assets: PathBuf,
    /// Whole folders (`pages/`, `templates/`): any change in them starts
    /// the preview from scratch.
    folders: [PathBuf; 2],
}

impl Watched {
    fn new(root: &Path) -> Self {
        let releases = root.join("releases");
        Self {
            toml: root.join("pressroom.toml"),
            assets: releases.join("assets"),
            folders: [
                root.join(crate::content::standing::DIR),
                root.join(crate::theme::TEMPLATES_DIR),
            ],
            releases,
        }
    }
}

/// What a burst of changes asks of the preview.
#[derive(Debug, Default, PartialEq, Eq)]
struct Asked {
    /// Start from scratch: configuration, assets, pages or templates
    /// changed, or the watcher lost events.
    from_scratch: bool,
    /// The release files written (their names).
    releases: Vec<OsString>,
    /// Watched folders made (or put back) while the preview runs.
    new_folders: Vec<PathBuf>,
}

/// Watches `releases/`, `pages/`, `templates/` and `pressroom.toml`; after
/// each burst of changes (debounced), updates the preview and tells the open
/// pages: reload, or here is the problem. A `pages/` or `templates/` folder
/// made while the preview runs is watched from then on. The watcher stops
/// when the returned value drops.
pub fn watch(
    root: &Path,
    site: Arc<PreviewSite>,
    preview: Arc<Preview>,
) -> anyhow::Result<Watching> {
    // The watcher names files by absolute path: so must the paths they are
    // compared with, or a preview started with a relative --root (the
    // default, `.`) would never see a change.
    let root = &std::fs::canonicalize(root)
        .with_context(|| format!("cannot find the pressroom at {}", root.display()))?;
    let watched = Watched::new(root);
    let this: Arc<OnceLock<Weak<Mutex<Debouncer>>>> = Arc::new(OnceLock::new());
    let this_c = this.clone();
    let paths = Watched::new(root);
    let mut debouncer =
        notify_debouncer_full::new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
            let asked = asked(result, &paths);
            for folder in &asked.new_folders {
                watch_folder(&this_c, folder);
            }
            if asked.from_scratch {
                site.forget();
            } else if asked.releases.is_empty() {
                return;
            } else {
                // The watcher saw every change: the releases it did not
                // name are as the last update read them.
                site.parsed.only_changed(asked.releases);
            }
            update_and_tell(&site, &preview);
        })
        .context("cannot watch the pressroom for changes")?;
    debouncer
        .watch(&watched.releases, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", watched.releases.display()))?;
    debouncer
        .watch(root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    for folder in watched.folders.iter().filter(|f| f.is_dir()) {
        debouncer
            .watch(folder, RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch {}", folder.display()))?;
    }
    let debouncer = Arc::new(Mutex::new(debouncer));
    let _ = this.set(Arc::downgrade(&debouncer));
    Ok(debouncer)
}

/// Reads a burst of file events. An error means the watcher lost events
/// (its queue overflowed, say, in a big `git checkout`): nothing it says
/// can be trusted, so the preview starts from scratch.
fn asked(result: DebounceEventResult, w: &Watched) -> Asked {
    let events = match result {
        Ok(events) => events,
        Err(errors) => {
            tracing::warn!(
                errors = errors.len(),
                "the file watcher lost track of changes; updating the whole preview"
            );
            return Asked {
                from_scratch: true,
                ..Asked::default()
            };
        }
    };
    let mut asked = Asked::default();
    for path in events.iter().filter(|e| is_write(e)).flat_map(|e| &e.paths) {
        if w.folders.iter().any(|f| path == f && path.is_dir()) {
            asked.new_folders.push(path.clone());
        }
        if *path == w.toml
            || path.starts_with(&w.assets)
            || w.folders.iter().any(|f| path.starts_with(f))
        {
            asked.from_scratch = true;
        } else if path.parent() == Some(w.releases.as_path())
            && path.extension().is_some_and(|x| x == "md")
            && let Some(name) = path.file_name()
        {
            asked.releases.push(name.to_owned());
        }
    }
    asked
}

/// Only writes count: building reads every release, and reads (access
/// events) must not start the next build.
fn is_write(e: &DebouncedEvent) -> bool {
    use notify_debouncer_full::notify::EventKind;
    use notify_debouncer_full::notify::event::ModifyKind;
    matches!(
        e.kind,
        EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
    )
}

/// Watches a folder made while the preview runs.
fn watch_folder(this: &OnceLock<Weak<Mutex<Debouncer>>>, folder: &Path) {
    let Some(me) = this.get().and_then(Weak::upgrade) else {
        return;
    };
    let watched = me
        .lock()
        .map_err(|_| anyhow::anyhow!("the watcher's lock is poisoned"))
        .and_then(|mut d| {
            d.watch(folder, RecursiveMode::Recursive)
                .map_err(anyhow::Error::from)
        });
    if let Err(e) = watched {
        tracing::warn!(error = %e, folder = %folder.display(), "cannot watch a new folder; restart the preview to see its changes");
    }
}

/// Updates the preview and tells the open pages what changed, or the problem.
fn update_and_tell(site: &PreviewSite, preview: &Preview) {
    let started = std::time::Instant::now();
    match site.update() {
        Ok(u) => {
            tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                written = u.changes.written,
                removed = u.changes.removed,
                "preview updated"
            );
            preview.announce(Change::Reload(crate::http::preview::pages_of(&u.paths)));
        }
        Err(e) => preview.announce(Change::Problem(problem_text(&e))),
    }
}

/// An error as `check` would print it.
fn problem_text(e: &anyhow::Error) -> String {
    let mut out = vec![];
    let _ = crate::error::report(e, &mut out);
    String::from_utf8_lossy(&out).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify_debouncer_full::notify::event::{AccessKind, CreateKind, ModifyKind};
    use notify_debouncer_full::notify::{Event, EventKind};

    fn event(kind: EventKind, path: &Path) -> DebouncedEvent {
        DebouncedEvent::new(
            Event::new(kind).add_path(path.to_path_buf()),
            std::time::Instant::now(),
        )
    }

    #[test]
    fn a_written_release_is_updated_alone_and_configuration_starts_from_scratch() {
        let root = Path::new("/room");
        let w = Watched::new(root);
        let data = EventKind::Modify(ModifyKind::Data(
            notify_debouncer_full::notify::event::DataChange::Content,
        ));
        let release = root.join("releases/2026-01-01-a.fi.md");
        let asked1 = asked(Ok(vec![event(data, &release)]), &w);
        assert_eq!(asked1.releases, vec![OsString::from("2026-01-01-a.fi.md")]);
        assert!(!asked1.from_scratch);
        // Reads do not count; the editor's swap file is not a release.
        let read = EventKind::Access(AccessKind::Any);
        let swap = root.join("releases/.2026-01-01-a.fi.md.swp");
        let asked2 = asked(Ok(vec![event(read, &release), event(data, &swap)]), &w);
        assert_eq!(asked2, Asked::default());
        let toml = root.join("pressroom.toml");
        assert!(asked(Ok(vec![event(data, &toml)]), &w).from_scratch);
        let asset = root.join("releases/assets/photo.jpg");
        assert!(asked(Ok(vec![event(data, &asset)]), &w).from_scratch);
        // Lost events: from scratch.
        assert!(asked(Err(vec![]), &w).from_scratch);
    }

    #[test]
    fn a_templates_folder_made_later_is_watched_and_starts_from_scratch() {
        let dir = tempfile::tempdir().unwrap();
        let w = Watched::new(dir.path());
        let templates = dir.path().join(crate::theme::TEMPLATES_DIR);
        std::fs::create_dir(&templates).unwrap();
        let made = EventKind::Create(CreateKind::Folder);
        let asked = asked(Ok(vec![event(made, &templates)]), &w);
        assert_eq!(asked.new_folders, vec![templates]);
        assert!(asked.from_scratch);
    }
}
