//! `pressroom serve`: the built site and the subscription pages.

use std::path::Path;

use chrono::Utc;

use anyhow::Context;

use super::{Outcome, Ui};
use crate::config::Config;
use crate::content::Content;
use crate::http::preview::{Change, Preview};

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
}

/// Serves until SIGTERM or Ctrl-C.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    if !args.drafts {
        let config = Config::load(root)?;
        crate::http::run(config, &args.addr, args.log_format, None, ui.out)?;
        return Ok(Outcome::Done);
    }
    // A private folder (mode 0700, unpredictable name): drafts and
    // embargoed releases are not for other users of the machine. It is
    // removed when the preview stops.
    let private = tempfile::Builder::new()
        .prefix("pressroom-preview-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .context("cannot create a private temporary folder for the preview")?;
    let dir = private.path().join("site");
    let config = preview_build(root, &dir)?;
    let preview = Preview::new();
    let _watching = watch(root, &dir, preview.clone())?;
    let mut config = config;
    config.serve.public_dir = dir.to_string_lossy().into_owned();
    let served = crate::http::run(config, &args.addr, args.log_format, Some(preview), ui.out);
    drop(_watching);
    drop(private);
    served?;
    Ok(Outcome::Done)
}

/// Builds the writer's preview of the pressroom at `root` into `dir`.
fn preview_build(root: &Path, dir: &Path) -> anyhow::Result<Config> {
    let mut content = Content::load(root)?;
    content.show_unpublished = true;
    crate::build::build(&content, dir, Utc::now())?;
    use rayon::prelude::*;
    let audience = crate::preview::Audience::load(&content.config)?;
    let emailed: Vec<_> = content.releases.iter().filter(|r| r.email).collect();
    emailed.par_iter().try_for_each(|r| {
        crate::preview::email_view(&content, r, dir, &audience)
            .with_context(|| format!("cannot write the email view of {}", r.path.display()))
    })?;
    Ok(content.config)
}

/// Watches `releases/` and `pressroom.toml`; after each burst of changes
/// (debounced), builds the preview again and tells the open pages: reload,
/// or here is the problem. The watcher stops when the returned value drops.
fn watch(root: &Path, dir: &Path, preview: std::sync::Arc<Preview>) -> anyhow::Result<impl Drop> {
    use notify_debouncer_full::notify::RecursiveMode;
    let (root_c, dir_c) = (root.to_path_buf(), dir.to_path_buf());
    let releases = root.join("releases");
    let toml = root.join("pressroom.toml");
    let (releases_c, toml_c) = (releases.clone(), toml.clone());
    let mut debouncer = notify_debouncer_full::new_debouncer(
        std::time::Duration::from_millis(100),
        None,
        move |result: notify_debouncer_full::DebounceEventResult| {
            let Ok(events) = result else {
                return;
            };
            // Only writes count: building reads every release, and reads
            // (access events) must not start the next build.
            let relevant = events.iter().any(|e| {
                use notify_debouncer_full::notify::EventKind;
                use notify_debouncer_full::notify::event::ModifyKind;
                let write = matches!(
                    e.kind,
                    EventKind::Create(_)
                        | EventKind::Remove(_)
                        | EventKind::Modify(
                            ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any
                        )
                );
                write
                    && e.paths
                        .iter()
                        .any(|p| p.starts_with(&releases_c) || *p == toml_c)
            });
            if !relevant {
                return;
            }
            match preview_build(&root_c, &dir_c) {
                Ok(_) => preview.announce(Change::Reload),
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
    Ok(debouncer)
}

/// An error as `check` would print it.
fn problem_text(e: &anyhow::Error) -> String {
    let mut out = vec![];
    let _ = crate::error::report(e, &mut out);
    String::from_utf8_lossy(&out).trim_end().to_string()
}
