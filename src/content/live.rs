//! The releases as they are now, for a server that reads them on every
//! request (the desk): loaded again only when a file they are made of
//! changed, which the kernel says (inotify) instead of a look at every
//! file.
//!
//! At 10,000 releases a load that asks the file system about each file
//! (a directory listing and 10,000 `stat`s, then the cross-checks) costs
//! about 30 ms of every desk page. The kernel queues a change to a watched
//! folder before the write that made it returns, so a request that first
//! reads the queue knows of every change made before it began: nothing
//! queued, the last load is still true; only release files named, those
//! alone are read again; anything else (the configuration, an asset, a
//! page, a template, a folder made or removed, a lost event), everything
//! is looked at as before.
//!
//! Watched: the pressroom's own folder (its direct entries, hidden ones
//! aside), and `releases/`, `pages/` and `templates/` with every folder
//! below them. A file the configuration names elsewhere (a logo kept in
//! another folder, say) is looked at again with the next change. Where
//! the kernel cannot watch (another system, or the user's limit of
//! watches reached), every load looks at every file, as before.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{Content, LoadError, ParseCache};

/// What changed since the last look.
#[derive(Debug, PartialEq, Eq)]
pub enum Since {
    /// Nothing the releases are made of.
    Nothing,
    /// These release files (names in `releases/`) alone.
    Releases(Vec<OsString>),
    /// Anything may have: look at everything.
    Anything,
}

/// The releases of the pressroom at `root`, kept between loads.
pub struct Live {
    root: PathBuf,
    /// Watched from the first load on: a server whose desk is off never
    /// asks, and holds no watches.
    changes: Mutex<Option<Changes>>,
    parsed: ParseCache,
    /// The last load, while it is known to be true.
    last: Mutex<Option<Arc<Content>>>,
}

impl Live {
    /// The pressroom at `root`; nothing is watched or read before the
    /// first load.
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            changes: Mutex::new(None),
            parsed: ParseCache::default(),
            last: Mutex::new(None),
        }
    }

    /// Whether the kernel tells this of changes (from the first load on).
    pub fn watching(&self) -> bool {
        self.changes
            .lock()
            .expect("live content lock")
            .as_ref()
            .is_some_and(Changes::watching)
    }

    /// The releases now: the last load when nothing changed since, else a
    /// new one (reading again only the files that changed, when the
    /// watcher can say which).
    pub fn load(&self) -> Result<Arc<Content>, LoadError> {
        let mut last = self.last.lock().expect("live content lock");
        // The watch starts before the first read, so that no change made
        // while it reads is missed.
        let since = self
            .changes
            .lock()
            .expect("live content lock")
            .get_or_insert_with(|| Changes::watch(&self.root))
            .since();
        match (since, last.as_ref()) {
            (Since::Nothing, Some(c)) => return Ok(c.clone()),
            // Names are only worth trusting against a load that parsed
            // every file: one that failed may have stopped before.
            (Since::Releases(names), Some(_)) => self.parsed.only_changed(names),
            _ => {}
        }
        *last = None;
        let content = Arc::new(Content::load_with(&self.root, Some(&self.parsed))?);
        *last = Some(content.clone());
        Ok(content)
    }
}

/// The kernel's queue of changes to the watched folders.
pub struct Changes {
    root: PathBuf,
    #[cfg(target_os = "linux")]
    watch: Option<linux::Watch>,
}

impl Changes {
    /// Watches the pressroom at `root` (see the module's text).
    pub fn watch(root: &Path) -> Self {
        let mut changes = Self {
            root: root.to_path_buf(),
            #[cfg(target_os = "linux")]
            watch: None,
        };
        changes.rewatch();
        changes
    }

    /// Whether changes are being watched.
    pub fn watching(&self) -> bool {
        #[cfg(target_os = "linux")]
        return self.watch.is_some();
        #[cfg(not(target_os = "linux"))]
        false
    }

    fn rewatch(&mut self) {
        #[cfg(target_os = "linux")]
        {
            self.watch = match linux::Watch::new(&self.root) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot watch the release files; every desk page reads them all");
                    None
                }
            };
        }
    }

    /// What changed since the last call (since watching began, the first
    /// time: anything).
    pub fn since(&mut self) -> Since {
        #[cfg(target_os = "linux")]
        if let Some(w) = self.watch.as_mut() {
            match w.drain() {
                Ok(Drained::Names(names)) if names.is_empty() => return Since::Nothing,
                Ok(Drained::Names(names)) => return Since::Releases(names),
                Ok(Drained::Anything) => return Since::Anything,
                // A folder came or went, or events were lost: watch
                // again from scratch, and look at everything.
                Ok(Drained::Rewatch) | Err(_) => {}
            }
        }
        self.rewatch();
        Since::Anything
    }
}

/// What one reading of the queue found.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
enum Drained {
    Names(Vec<OsString>),
    Anything,
    Rewatch,
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::ffi::OsString;
    use std::io;
    use std::path::Path;

    use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};

    use super::Drained;

    /// What the release files are made of: changes, never reads.
    fn mask() -> WatchMask {
        WatchMask::MODIFY
            | WatchMask::ATTRIB
            | WatchMask::CLOSE_WRITE
            | WatchMask::CREATE
            | WatchMask::DELETE
            | WatchMask::DELETE_SELF
            | WatchMask::MOVE_SELF
            | WatchMask::MOVED_FROM
            | WatchMask::MOVED_TO
            | WatchMask::DONT_FOLLOW
            | WatchMask::ONLYDIR
    }

    /// Which watched folder an event is about.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Folder {
        Root,
        Releases,
        Other,
    }

    pub(super) struct Watch {
        inotify: Inotify,
        folders: HashMap<WatchDescriptor, Folder>,
        buf: Vec<u8>,
    }

    impl Watch {
        pub(super) fn new(root: &Path) -> io::Result<Self> {
            let mut w = Self {
                inotify: Inotify::init()?,
                folders: HashMap::new(),
                buf: vec![0; 64 * 1024],
            };
            w.add(root, Folder::Root)?;
            w.add_tree(&root.join("releases"), Folder::Releases)?;
            for dir in [crate::content::standing::DIR, crate::theme::TEMPLATES_DIR] {
                w.add_tree(&root.join(dir), Folder::Other)?;
            }
            Ok(w)
        }

        fn add(&mut self, dir: &Path, folder: Folder) -> io::Result<()> {
            let wd = self.inotify.watches().add(dir, mask())?;
            self.folders.insert(wd, folder);
            Ok(())
        }

        /// Watches `dir` and every folder below it (not through links);
        /// a folder that is not there is not watched (the root's watch
        /// sees it made).
        fn add_tree(&mut self, dir: &Path, top: Folder) -> io::Result<()> {
            match std::fs::symlink_metadata(dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            }
            self.add(dir, top)?;
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                if entry.file_type()?.is_dir() {
                    self.add_tree(&entry.path(), Folder::Other)?;
                }
            }
            Ok(())
        }

        /// Reads every event queued now, without waiting.
        pub(super) fn drain(&mut self) -> io::Result<Drained> {
            let mut names: Vec<OsString> = vec![];
            let mut anything = false;
            loop {
                let events = match self.inotify.read_events(&mut self.buf) {
                    Ok(events) => events,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                };
                for e in events {
                    if e.mask.contains(EventMask::Q_OVERFLOW)
                        || e.mask.intersects(
                            EventMask::IGNORED | EventMask::DELETE_SELF | EventMask::MOVE_SELF,
                        )
                    {
                        return Ok(Drained::Rewatch);
                    }
                    let folder = self.folders.get(&e.wd).copied().unwrap_or(Folder::Other);
                    let name = e.name.map(|n| n.to_string_lossy().into_owned());
                    let hidden = name.as_deref().is_some_and(|n| n.starts_with('.'));
                    if e.mask.contains(EventMask::ISDIR) && !(folder == Folder::Root && hidden) {
                        // A folder made, removed or moved: watch again.
                        return Ok(Drained::Rewatch);
                    }
                    match (folder, name) {
                        // Tools' own files beside the releases (an
                        // editor's swap file, the desk's temporary file
                        // before its rename) and in the pressroom's
                        // folder are not what the releases are made of.
                        (Folder::Root | Folder::Releases, _) if hidden => {}
                        (Folder::Releases, Some(n)) if crate::content::is_release_name(&n) => {
                            names.push(n.into());
                        }
                        _ => anything = true,
                    }
                }
            }
            if anything {
                return Ok(Drained::Anything);
            }
            names.sort();
            names.dedup();
            Ok(Drained::Names(names))
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn room() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("releases/assets/2026")).unwrap();
        std::fs::write(dir.path().join("pressroom.toml"), "").unwrap();
        std::fs::write(dir.path().join("releases/2026-01-01-a.fi.md"), "a").unwrap();
        dir
    }

    #[test]
    fn nothing_is_watched_before_the_first_load() {
        let dir = room();
        let live = Live::new(dir.path());
        assert!(!live.watching());
        // Loaded (here the one release cannot be read): watched from now on.
        let _ = live.load();
        assert!(live.watching());
    }

    #[test]
    fn the_kernel_names_each_change_made_before_the_look() {
        let dir = room();
        let root = dir.path();
        let mut c = Changes::watch(root);
        assert!(c.watching());
        assert_eq!(c.since(), Since::Nothing);
        // Reads are not changes.
        std::fs::read_to_string(root.join("releases/2026-01-01-a.fi.md")).unwrap();
        assert_eq!(c.since(), Since::Nothing);
        // A release written in place, and one made by a rename from a
        // hidden temporary file (as the desk writes): their names alone.
        std::fs::write(root.join("releases/2026-01-01-a.fi.md"), "b").unwrap();
        std::fs::write(root.join("releases/.desk-tmp"), "c").unwrap();
        std::fs::rename(
            root.join("releases/.desk-tmp"),
            root.join("releases/2026-01-02-b.sv.md"),
        )
        .unwrap();
        assert_eq!(
            c.since(),
            Since::Releases(vec![
                "2026-01-01-a.fi.md".into(),
                "2026-01-02-b.sv.md".into()
            ])
        );
        assert_eq!(c.since(), Since::Nothing, "each change is told once");
        // The configuration, an asset in a folder below, a page: anything.
        std::fs::write(root.join("pressroom.toml"), "x").unwrap();
        assert_eq!(c.since(), Since::Anything);
        std::fs::write(root.join("releases/assets/2026/photo.jpg"), "x").unwrap();
        assert_eq!(c.since(), Since::Anything);
        // A folder made (here `pages/`): watched from then on.
        std::fs::create_dir(root.join("pages")).unwrap();
        assert_eq!(c.since(), Since::Anything);
        assert_eq!(c.since(), Since::Nothing);
        std::fs::write(root.join("pages/about.fi.md"), "x").unwrap();
        assert_eq!(c.since(), Since::Anything);
        // A release removed: its name.
        std::fs::remove_file(root.join("releases/2026-01-02-b.sv.md")).unwrap();
        assert_eq!(
            c.since(),
            Since::Releases(vec!["2026-01-02-b.sv.md".into()])
        );
        // `releases/` itself replaced: watched again, anything.
        std::fs::rename(root.join("releases"), root.join("old")).unwrap();
        std::fs::create_dir(root.join("releases")).unwrap();
        assert_eq!(c.since(), Since::Anything);
        std::fs::write(root.join("releases/2026-02-01-c.en.md"), "x").unwrap();
        assert_eq!(
            c.since(),
            Since::Releases(vec!["2026-02-01-c.en.md".into()])
        );
        // The old folder is no longer watched.
        std::fs::write(root.join("old/2026-01-01-a.fi.md"), "y").unwrap();
        assert_eq!(c.since(), Since::Nothing);
    }
}
