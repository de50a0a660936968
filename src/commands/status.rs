//! `pressroom status`: every release with its languages, state and
//! delivery counts, then what the next `publish` would do. Changes nothing.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{Outcome, Ui, parse_now};
use crate::content::Content;
use crate::db::DeliveryStatus;
use crate::delivery::plan::Group;
use crate::sending::open_store;
use crate::sending::publish::{Planning, plan_publish};

/// Arguments of `status`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Decide embargoes and ages as if it were this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
}

/// Runs `status` in the pressroom at `root`.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let content = Content::load(root)?;
    status(&content, args.now.unwrap_or_else(Utc::now), ui.out)?;
    Ok(Outcome::Done)
}

/// What a release group is at `now`, for `status`.
fn state_of(group: &Group<'_>, now: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let live: Vec<_> = group
        .versions
        .iter()
        .filter(|r| !r.publication.draft)
        .collect();
    if live.is_empty() {
        return "draft".into();
    }
    if live.iter().all(|r| r.publication.date > now) {
        let at = live.iter().map(|r| r.publication.date).min().unwrap_or(now);
        return format!(
            "scheduled {}",
            at.with_timezone(&tz).format("%Y-%m-%d %H:%M")
        );
    }
    let web = live.iter().any(|r| r.publication.web);
    let email = live.iter().any(|r| r.publication.email);
    match (web, email) {
        (true, true) => "published".into(),
        (true, false) => "web only".into(),
        (false, true) => "email only".into(),
        (false, false) => "published nowhere".into(),
    }
}

/// Cuts `s` to `n` characters, with an ellipsis.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// `pressroom status`: every release with its languages, state and delivery
/// counts, then what the next `publish` would do. Changes nothing.
pub fn status(content: &Content, now: DateTime<Utc>, out: &mut dyn Write) -> anyhow::Result<()> {
    let config = &content.config;
    let tz = config.site.timezone;
    let store = open_store(config)?;
    let counts = store.journal().counts_by_release()?;
    writeln!(
        out,
        "{:<10}  {:<40}  {:<9}  {:<27}  {:>7}  {:>7}  {:>7}",
        "DATE", "RELEASE", "LANGS", "STATE", "SENT", "QUEUED", "FAILED"
    )?;
    let mut groups = Group::all(content);
    groups.sort_by_key(|g| std::cmp::Reverse(g.versions.iter().map(|r| r.publication.date).min()));
    for g in &groups {
        let date = g
            .versions
            .iter()
            .map(|r| r.publication.date)
            .min()
            .map(|d| d.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let langs: Vec<&str> = g.versions.iter().map(|r| r.lang.as_str()).collect();
        let c = counts.get(&g.key);
        let n = |s: DeliveryStatus| c.map_or(0, |m| m.get(s));
        let emailed = c.is_some()
            || g.versions
                .iter()
                .any(|r| r.publication.email && !r.publication.draft);
        let (sent, queued, failed) = if emailed {
            (
                n(DeliveryStatus::Sent).to_string(),
                (n(DeliveryStatus::Queued) + n(DeliveryStatus::Sending)).to_string(),
                n(DeliveryStatus::Failed).to_string(),
            )
        } else {
            ("-".into(), "-".into(), "-".into())
        };
        writeln!(
            out,
            "{date:<10}  {:<40}  {:<9}  {:<27}  {sent:>7}  {queued:>7}  {failed:>7}",
            cut(g.title(&config.site.default_lang), 40),
            langs.join(" "),
            state_of(g, now, tz),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Next `pressroom publish`:")?;
    writeln!(
        out,
        "Would build public ({} releases on the web)",
        content.on_web(now).count()
    )?;
    let plan = plan_publish(content, &store, now, Planning::Count)?;
    super::publish::print_plan(&plan, config, out)?;
    super::publish::print_would_send(&plan, config, out)
}
