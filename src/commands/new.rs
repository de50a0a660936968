//! `pressroom new TITLE`: start a release from a commented template.

use std::path::Path;

use chrono::Utc;

use super::{Outcome, Ui, parse_lang};
use crate::config::Config;
use crate::i18n::Lang;

/// Arguments of `new`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The release's title.
    pub title: String,
    /// Language of this version (default: the site's default language).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// Keywords, comma-separated: --tags transport,budget
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
}

/// Writes the new release and prints its path.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let lang = args
        .lang
        .clone()
        .unwrap_or_else(|| config.site.default_lang.clone());
    let path = crate::scaffold::new::create(&config, &args.title, &lang, &args.tags, Utc::now())?;
    writeln!(ui.out, "{}", path.display())?;
    Ok(Outcome::Done)
}
