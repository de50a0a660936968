//! `pressroom withdraw`: takes a release off the site and its feeds. Each
//! language version gets `withdrawn:` (this minute); the site is built at
//! once, with a page at the release's address saying that it was
//! withdrawn, and when. It is not emailed again. Audited as `take-down`.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{Outcome, Ui, parse_now};
use crate::content::Content;
use crate::delivery::Group;
use crate::desk::audit::{self, Action, Actor};
use crate::desk::releases::{SaveError, withdraw_versions};

/// Arguments of `withdraw`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A file path, slug or translation key (every language version goes).
    pub release: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Withdraw as of this time (RFC 3339); default: now.
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
}

/// Runs `withdraw` in the pressroom at `root`.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let now = args.now.unwrap_or_else(Utc::now);
    let content = Content::load(root)?;
    let config = &content.config;
    let found = content.find(&args.release, None)?;
    let group = Group::of(&content, found);
    let title = group.title(&config.site.default_lang).to_string();
    if group.versions.iter().all(|r| r.is_withdrawn(now)) {
        writeln!(ui.out, "“{title}” is withdrawn already.")?;
        return Ok(Outcome::Done);
    }
    let question = format!(
        "Take “{title}” ({} language versions) off the site and its feeds? A page saying it was withdrawn stays at its address.",
        group.versions.len()
    );
    if !args.yes && !super::ask(&question, ui.interactive)? {
        writeln!(ui.out, "Nothing changed.")?;
        return Ok(Outcome::Done);
    }
    withdraw_versions(config, &group.versions, now).map_err(|e| match e {
        SaveError::Invalid(problems) => anyhow::anyhow!(
            "{} would not be valid with `withdrawn:`: {}",
            found.source.path.display(),
            problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::Error::from(other),
    })?;
    let db = crate::sending::open_store(config)?;
    audit::record(
        &db,
        &Actor::command_line(),
        Action::TakeDown,
        Some(&group.key),
        Some("pressroom withdraw"),
    )?;
    let public = crate::desk::sending::public_dir(config);
    crate::build::build_pressroom(root, &public, now, false)?;
    writeln!(
        ui.out,
        "Withdrew “{title}”: {} is built with the notice at its address; it is no longer in the feeds, the lists or the search, and it is not emailed again.",
        public.display()
    )?;
    Ok(Outcome::Done)
}
