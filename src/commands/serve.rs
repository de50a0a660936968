//! `pressroom serve`: the built site and the subscription pages.

use std::path::Path;

use chrono::Utc;

use super::{Outcome, Ui};
use crate::config::Config;
use crate::content::Content;

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
    /// and serve that. Never sends mail: confirmation emails go to the outbox.
    #[arg(long)]
    pub drafts: bool,
}

/// Serves until SIGTERM or Ctrl-C.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    if !args.drafts {
        let config = Config::load(root)?;
        crate::http::run(config, &args.addr, args.log_format, false, ui.out)?;
        return Ok(Outcome::Done);
    }
    let mut content = Content::load(root)?;
    content.show_unpublished = true;
    let dir = std::env::temp_dir().join(format!("pressroom-preview-{}", std::process::id()));
    crate::build::build(&content, &dir, Utc::now())?;
    let mut config = content.config;
    config.serve.public_dir = dir.to_string_lossy().into_owned();
    let served = crate::http::run(config, &args.addr, args.log_format, true, ui.out);
    let _ = std::fs::remove_dir_all(&dir);
    served?;
    Ok(Outcome::Done)
}
