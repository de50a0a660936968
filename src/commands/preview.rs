//! `pressroom preview RELEASE`: a release's email as files to open.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{Outcome, Ui, parse_lang, under_root};
use crate::content::Content;
use crate::i18n::Lang;

/// Arguments of `preview`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A file path, slug or translation key.
    pub release: String,
    /// Which language version (default: the site's default language).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// Preview the message as a member of this list gets it (default: the
    /// release's first list). A list kept by the staff (a CSV `source`)
    /// says "you are on our distribution list", one people subscribe to
    /// says "you subscribed".
    #[arg(long, value_name = "NAME")]
    pub list: Option<String>,
    /// Directory for the files.
    #[arg(long, value_name = "DIR", default_value = "preview")]
    pub out: PathBuf,
}

/// Writes email.html, email.txt and message.eml and says where.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let content = Content::load(root)?;
    let r = content.find(&args.release, args.lang.as_ref())?;
    let dir = under_root(root, &args.out);
    let list = args
        .list
        .as_deref()
        .map(|l| content.config.list_name(l))
        .transpose()
        .map_err(|e| super::UsageError(format!("--list: {e}")))?;
    let files = crate::preview::write(
        &content.config,
        r,
        &content.unpublished(chrono::Utc::now()),
        list.as_ref(),
        &dir,
    )
    .with_context(|| format!("cannot preview {}", r.source.path.display()))?;
    let out = &mut *ui.out;
    let shown = list.as_ref().or(r.lists.first());
    match shown {
        Some(l) => writeln!(
            out,
            "Preview of {} ({}), as a member of the list '{l}' gets it",
            r.source.path.display(),
            r.lang
        )?,
        None => writeln!(out, "Preview of {} ({})", r.source.path.display(), r.lang)?,
    }
    writeln!(
        out,
        "  {}  ({} KB of HTML)",
        files.html.display(),
        files.html_bytes.div_ceil(1024)
    )?;
    writeln!(out, "  {}", files.text.display())?;
    writeln!(out, "  {}", files.eml.display())?;
    Ok(Outcome::Done)
}
