//! `pressroom serve`: the built site and the subscription pages.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::Utc;

use super::{Outcome, Ui};
use crate::build::{Changes, SiteWriter, render_into};
use crate::config::Config;
use crate::content::{Content, ParseCache};
use crate::http::preview::{Change, Preview};
use crate::preview::{Audience, email_view};
use crate::render::Urls;
use crate::render::site::Memo;

/// Arguments of `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// How request and error logs on stderr look (RUST_LOG chooses what
    /// is logged; default info). Logs never hold an email address or a token.
    #[arg(long, value_enum, default_value_t = crate::http::LogFormat::Text)]
    pub log_format: crate::http::LogFormat,
    /// A writer's preview: build the site with drafts and embargoed
    /// releases (each page with a banner saying so) into a temporary folder
    /// and serve that; after each change to releases/ or pressroom.toml it is
    /// built again and open pages reload themselves (or show the problem).
    /// Never sends mail: confirmation emails go to the outbox.
    #[arg(long)]
    pub drafts: bool,
    /// Let a writer's preview (--drafts) listen on an address other than
    /// loopback. Everyone who reaches it sees drafts and embargoed
    /// releases: use it only on a network of the staff's own.
    #[arg(long, requires = "drafts")]
    pub public_preview: bool,
    /// Also serve Prometheus metrics on GET /metrics of this address (keep
    /// it on loopback or a private network): sign-ups, confirmations,
    /// unsubscribes, rate-limited requests, responses by status code. The
    /// public address never serves them.
    #[arg(long, value_name = "HOST:PORT")]
    pub metrics_addr: Option<String>,
}

/// Serves until SIGTERM or Ctrl-C.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    if !args.drafts {
        let config = Config::load(root)?;
        crate::http::run(
            config,
            &args.addr,
            args.metrics_addr.as_deref(),
            args.log_format,
            None,
            ui.out,
        )?;
        return Ok(Outcome::Done);
    }
    if !is_loopback(&args.addr) {
        if !args.public_preview {
            return Err(super::UsageError(format!(
                "--addr {} is not a loopback address: a preview shows drafts and embargoed releases to everyone who reaches it. Use 127.0.0.1:PORT, or add --public-preview if the network is the staff's own",
                args.addr
            ))
            .into());
        }
        eprintln!(
            "warning: this preview listens on {}: everyone who reaches it sees drafts and embargoed releases",
            args.addr
        );
    }
    // A private folder (mode 0700, unpredictable name): drafts and
    // embargoed releases are not for other users of the machine. It is
    // removed when the preview stops.
    remove_abandoned_previews(&std::env::temp_dir());
    let private = tempfile::Builder::new()
        .prefix(PREVIEW_PREFIX)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .context("cannot create a private temporary folder for the preview")?;
    std::fs::write(private.path().join(OWNER), std::process::id().to_string())
        .context("cannot write in the preview's private folder")?;
    let site = Arc::new(PreviewSite::new(root, private.path().join("site")));
    let mut config = site.update()?.content.config.clone();
    let pages = site.clone();
    let preview = Preview::with_pages(Some(Box::new(move |path: &str| pages.email_page(path))));
    let watching = watch(root, site.clone(), preview.clone())?;
    config.serve.public_dir = site.dir.to_string_lossy().into_owned();
    let served = crate::http::run(
        config,
        &args.addr,
        args.metrics_addr.as_deref(),
        args.log_format,
        Some(crate::http::PreviewRun {
            preview,
            scratch: private.path().to_path_buf(),
        }),
        ui.out,
    );
    drop(watching);
    drop(private);
    served?;
    Ok(Outcome::Done)
}

/// Whether every address `addr` (`HOST:PORT`) names is a loopback one.
fn is_loopback(addr: &str) -> bool {
    use std::net::ToSocketAddrs;
    addr.to_socket_addrs()
        .map(|mut all| {
            let mut any = false;
            let each = all.all(|a| {
                any = true;
                a.ip().is_loopback()
            });
            any && each
        })
        .unwrap_or(false)
}

/// The start of a preview folder's name (the rest is random).
const PREVIEW_PREFIX: &str = "pressroom-preview-";

/// The file in a preview folder that holds the process id of its preview.
const OWNER: &str = "owner.pid";

/// Removes the preview folders in `tmp` that this user's previews left when
/// they were killed (SIGKILL, a power cut) before they could clean up:
/// those whose owner process is gone. Drafts and embargoed releases should
/// not linger in a shared temporary folder.
fn remove_abandoned_previews(tmp: &Path) {
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
struct PreviewSite {
    root: PathBuf,
    dir: PathBuf,
    parsed: ParseCache,
    memo: Memo,
    /// One update at a time.
    updating: Mutex<()>,
    /// What the last good update showed.
    shown: Mutex<Option<Arc<Content>>>,
}

/// What an update did.
struct Updated {
    content: Arc<Content>,
    changes: Changes,
    /// The files written or removed, relative to the site.
    paths: Vec<String>,
}

impl PreviewSite {
    fn new(root: &Path, dir: PathBuf) -> Self {
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
    fn forget(&self) {
        self.parsed.clear();
        self.memo.clear();
    }

    /// Brings the site up to date with the files; on an error, the site
    /// stays as the last update left it.
    fn update(&self) -> anyhow::Result<Updated> {
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
    fn email_page(&self, path: &str) -> Option<anyhow::Result<Vec<u8>>> {
        let content = self.shown.lock().expect("preview lock").clone()?;
        let (dir, file) = path.rsplit_once('/')?;
        let release = content
            .releases
            .iter()
            .find(|r| r.email && Urls::email_view(r).strip_suffix('/') == Some(dir))?;
        if !matches!(file, "index.html" | "email.html") {
            return None;
        }
        let made = Audience::load(&content.config)
            .and_then(|audience| email_view(&content, release, &audience))
            .with_context(|| format!("cannot make the email view of {}", release.path.display()));
        Some(made.map(|files| match file {
            "email.html" => files.html.into_bytes(),
            _ => files.page.into_bytes(),
        }))
    }
}

/// How long the watcher waits for a burst of file events to end (an
/// editor's save is a few events within a millisecond or two).
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(10);

/// Watches `releases/`, `pages/`, `templates/` and `pressroom.toml`; after
/// each burst of changes (debounced), updates the preview and tells the open
/// pages: reload, or here is the problem. A `pages/` or `templates/` folder
/// made while the preview runs is watched from then on. The watcher stops
/// when the returned value drops.
fn watch(
    root: &Path,
    site: Arc<PreviewSite>,
    preview: Arc<Preview>,
) -> anyhow::Result<Arc<std::sync::Mutex<impl Send>>> {
    use notify_debouncer_full::notify::RecursiveMode;
    // The watcher names files by absolute path: so must the paths they are
    // compared with, or a preview started with a relative --root (the
    // default, `.`) would never see a change.
    let root = &std::fs::canonicalize(root)
        .with_context(|| format!("cannot find the pressroom at {}", root.display()))?;
    let releases = root.join("releases");
    let toml = root.join("pressroom.toml");
    let (releases_c, toml_c) = (releases.clone(), toml.clone());
    let assets = releases.join("assets");
    let pages = root.join(crate::pages::DIR);
    let templates = root.join(crate::theme::TEMPLATES_DIR);
    // Whole folders: any change in them starts the preview from scratch.
    let folders = [pages.clone(), templates.clone()];
    let folders_c = folders.clone();
    // The watcher itself, for the callback to add a folder made later.
    let this: Arc<std::sync::OnceLock<std::sync::Weak<std::sync::Mutex<_>>>> =
        Arc::new(std::sync::OnceLock::new());
    let this_c = this.clone();
    let mut debouncer = notify_debouncer_full::new_debouncer(
        DEBOUNCE,
        None,
        move |result: notify_debouncer_full::DebounceEventResult| {
            // An error means the watcher lost events (its queue overflowed,
            // say, in a big `git checkout`): nothing it says can be trusted,
            // so the preview starts from scratch.
            let (events, lost) = match result {
                Ok(events) => (events, false),
                Err(errors) => {
                    tracing::warn!(
                        errors = errors.len(),
                        "the file watcher lost track of changes; updating the whole preview"
                    );
                    (vec![], true)
                }
            };
            // Only writes count: building reads every release, and reads
            // (access events) must not start the next build. Only files
            // that the site is made of count: an editor's swap and backup
            // files do not.
            let written = events.iter().filter(|e| {
                use notify_debouncer_full::notify::EventKind;
                use notify_debouncer_full::notify::event::ModifyKind;
                matches!(
                    e.kind,
                    EventKind::Create(_)
                        | EventKind::Remove(_)
                        | EventKind::Modify(
                            ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any
                        )
                )
            });
            let (mut releases, mut from_scratch) = (vec![], lost);
            for path in written.flat_map(|e| &e.paths) {
                if folders_c.iter().any(|f| path == f && path.is_dir()) {
                    // Made (or put back) while the preview runs: watch it.
                    if let Some(me) = this_c.get().and_then(std::sync::Weak::upgrade) {
                        let watched = me
                            .lock()
                            .map_err(|_| anyhow::anyhow!("the watcher's lock is poisoned"))
                            .and_then(|mut d: std::sync::MutexGuard<'_, notify_debouncer_full::Debouncer<_, _>>| {
                                d.watch(path, RecursiveMode::Recursive).map_err(anyhow::Error::from)
                            });
                        if let Err(e) = watched {
                            tracing::warn!(error = %e, folder = %path.display(), "cannot watch a new folder; restart the preview to see its changes");
                        }
                    }
                }
                if *path == toml_c
                    || path.starts_with(&assets)
                    || folders_c.iter().any(|f| path.starts_with(f))
                {
                    from_scratch = true;
                } else if path.parent() == Some(releases_c.as_path())
                    && path.extension().is_some_and(|x| x == "md")
                    && let Some(name) = path.file_name()
                {
                    releases.push(name.to_owned());
                }
            }
            if from_scratch {
                site.forget();
            } else if releases.is_empty() {
                return;
            } else {
                // The watcher saw every change: the releases it did not
                // name are as the last update read them.
                site.parsed.only_changed(releases);
            }
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
        },
    )
    .context("cannot watch the pressroom for changes")?;
    debouncer
        .watch(&releases, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", releases.display()))?;
    debouncer
        .watch(root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    for folder in folders.iter().filter(|f| f.is_dir()) {
        debouncer
            .watch(folder, RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch {}", folder.display()))?;
    }
    let debouncer = Arc::new(std::sync::Mutex::new(debouncer));
    let _ = this.set(Arc::downgrade(&debouncer));
    Ok(debouncer)
}

/// An error as `check` would print it.
fn problem_text(e: &anyhow::Error) -> String {
    let mut out = vec![];
    let _ = crate::error::report(e, &mut out);
    String::from_utf8_lossy(&out).trim_end().to_string()
}
