//! `pressroom serve`: the built site and the subscription pages.

use std::path::Path;

use super::{Outcome, Ui};
use crate::config::Config;

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
}

/// Serves until SIGTERM or Ctrl-C.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    crate::http::run(config, &args.addr, args.log_format, ui.out)?;
    Ok(Outcome::Done)
}
