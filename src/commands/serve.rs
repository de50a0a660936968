//! `pressroom serve`: the built site and the subscription pages.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use super::{Outcome, Ui};
use crate::config::Config;
use crate::http::preview::Preview;
use crate::preview::site::{OWNER, PREVIEW_PREFIX, PreviewSite, remove_abandoned_previews};
use crate::preview::watch::watch;

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
    /// Also serve the desk, where staff sign in to write, review and send,
    /// on this address under /desk/ (default: [desk] addr; none, no desk).
    /// Keep it on the internal network, or behind an HTTPS reverse proxy
    /// and set [desk] url. The public address never serves /desk/.
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "drafts")]
    pub desk_addr: Option<String>,
}

/// Serves until SIGTERM or Ctrl-C.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    if !args.drafts {
        let mut config = Config::load(root)?;
        if let Some(addr) = &args.desk_addr {
            config.desk.addr = Some(addr.clone());
        }
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
