//! `pressroom publish`: build the site, then email every due release to the
//! members its lists had when it was first sent. Made to run from cron.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::sending::{
    Tally, count_sent, load_secret, open_store, plan_and_confirm, queued, run_group, sendable,
};
use super::{Outcome, Ui, parse_now, under_root};
use crate::config::Config;
use crate::content::Content;
use crate::db::Db;
use crate::delivery::Transport;
use crate::delivery::plan::{self, Group};

/// Arguments of `publish`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Args {
    /// Decide embargoes as if it were this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Output directory of the site.
    #[arg(long, value_name = "DIR", default_value = "public")]
    pub out: PathBuf,
    /// Print what would be built and sent, to whom; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `publish` in the pressroom at `root`.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    super::install_ctrl_c();
    let content = Content::load(root)?;
    let dir = under_root(root, &args.out);
    let started = std::time::Instant::now();
    let tally = publish(&content, args, &dir, ui)?;
    if !args.dry_run {
        eprintln!("{}", tally.log_line("publish", started));
    }
    Ok(Outcome::from_failure(tally.is_failure()))
}

/// What the next `publish` does, worked out inside a write transaction
/// (commit it to keep the plan, drop it to change nothing).
pub struct PublishPlan<'a> {
    /// Releases to email now, with the messages queued for each.
    pub work: Vec<(Group<'a>, u64)>,
    /// Due releases published longer ago than `max_age`, with the messages
    /// still queued (from an earlier, unfinished run).
    pub too_old: Vec<(Group<'a>, u64)>,
    /// Releases emailed before under another identity: not sent again.
    pub renamed: Vec<plan::Renamed>,
    pub csv_problems: Vec<String>,
    pub already: u64,
}

impl PublishPlan<'_> {
    pub fn messages(&self) -> u64 {
        self.work.iter().map(|(_, n)| n).sum()
    }

    pub(super) fn print(&self, config: &Config, out: &mut dyn Write) -> std::io::Result<()> {
        let lang = &config.site.default_lang;
        for p in &self.csv_problems {
            writeln!(out, "{p}")?;
        }
        if self.work.is_empty() {
            writeln!(
                out,
                "Nothing new to send: every due release has reached everyone on its lists."
            )?;
        } else {
            writeln!(out, "To send:")?;
            writeln!(out, "  {:>8}  {:<44}  LISTS", "MESSAGES", "RELEASE")?;
            for (g, n) in &self.work {
                writeln!(
                    out,
                    "  {n:>8}  {:<44}  {}",
                    g.title(lang),
                    g.lists().join(", ")
                )?;
            }
        }
        if !self.too_old.is_empty() {
            writeln!(
                out,
                "Too old to email (published more than {} ago; `pressroom send RELEASE` sends one on purpose):",
                config.delivery.max_age
            )?;
            for (g, queued) in &self.too_old {
                let date = g
                    .versions
                    .iter()
                    .map(|r| r.date)
                    .min()
                    .map(|d| {
                        d.with_timezone(&config.site.timezone)
                            .format("%Y-%m-%d")
                            .to_string()
                    })
                    .unwrap_or_default();
                let left = if *queued > 0 {
                    format!("  ({queued} still queued from an unfinished run)")
                } else {
                    String::new()
                };
                writeln!(out, "  {date}  {}  [{}]{left}", g.title(lang), g.key)?;
            }
        }
        for r in &self.renamed {
            writeln!(
                out,
                "{}:{}: warning: emailed before as '{}', now '{}': not sent again. Put back `translation_key: {}` to keep its identity",
                r.path.display(),
                r.line,
                r.was,
                r.now,
                r.was
            )?;
        }
        Ok(())
    }
}

/// Plans every due release for `publish`: queues its recipients, unless it
/// is older than `max_age` or was emailed under another identity.
pub fn plan_publish<'a>(
    content: &'a Content,
    store: &Db,
    now: DateTime<Utc>,
) -> anyhow::Result<PublishPlan<'a>> {
    let config = &content.config;
    let renamed = plan::renamed(store, content)?;
    let mut p = PublishPlan {
        work: vec![],
        too_old: vec![],
        renamed: vec![],
        csv_problems: vec![],
        already: 0,
    };
    for g in Group::all(content)
        .iter()
        .map(|g| sendable(g, now))
        .filter(|g| !g.versions.is_empty() && !g.lists().is_empty())
    {
        let moved: Vec<_> = renamed.iter().filter(|r| r.now == g.key).cloned().collect();
        if !moved.is_empty() {
            p.renamed.extend(moved);
            continue;
        }
        let published = g.versions.iter().map(|r| r.date).min().unwrap_or(now);
        if now - published > config.delivery.max_age.as_chrono() {
            let left = queued(store, &g.key)?;
            p.too_old.push((g, left));
            continue;
        }
        let report = plan::plan(store, config, &g, &g.lists())?;
        p.csv_problems.extend(report.csv_problems);
        p.already += count_sent(store, &g.key)?;
        let n = queued(store, &g.key)?;
        if n > 0 {
            p.work.push((g, n));
        }
    }
    Ok(p)
}

/// `pressroom publish`: build the site, then send every due release (not
/// older than `max_age`) to the members its lists had when it was first sent.
pub fn publish(
    content: &Content,
    args: &Args,
    out_dir: &std::path::Path,
    ui: &mut Ui<'_>,
) -> anyhow::Result<Tally> {
    let config = &content.config;
    let now = args.now.unwrap_or_else(Utc::now);
    if args.dry_run {
        let on_web = content.on_web(now).count();
        writeln!(
            ui.out,
            "Would build {} ({on_web} releases on the web)",
            out_dir.display()
        )?;
    } else {
        let report = crate::build::build(content, out_dir, now)?;
        writeln!(
            ui.out,
            "Built {} ({} releases on the web, {} pages)",
            report.out.display(),
            report.summary.releases,
            report.summary.pages
        )?;
    }
    let store = open_store(config)?;
    let mut tally = Tally::default();
    let mut keys: Vec<String> = vec![];
    let planned = plan_and_confirm(
        &store,
        ui,
        args.yes,
        |store| plan_publish(content, store, now),
        |plan, ui| {
            plan.print(config, ui.out)?;
            tally.already = plan.already;
            keys = plan.work.iter().map(|(g, _)| g.key.clone()).collect();
            if args.dry_run {
                if !plan.work.is_empty() {
                    writeln!(
                        ui.out,
                        "Would send {} messages through {}.",
                        plan.messages(),
                        Transport::from_config(config)?.describe()
                    )?;
                }
                writeln!(ui.out, "Dry run: nothing was built, sent or recorded.")?;
                return Ok(None);
            }
            if plan.work.is_empty() {
                return Ok(None);
            }
            Ok(Some(format!(
                "Send {} messages for {} releases through {}?",
                plan.messages(),
                plan.work.len(),
                Transport::from_config(config)?.describe()
            )))
        },
    )?;
    let Some(plan) = planned else {
        return Ok(tally);
    };
    // After a confirmation, only what the person said yes to.
    let work: Vec<_> = plan
        .work
        .into_iter()
        .filter(|(g, _)| keys.contains(&g.key))
        .collect();
    let secret = load_secret(config)?;
    let hidden = content.unpublished(now);
    for (g, _) in &work {
        if ui.stop.load(std::sync::atomic::Ordering::SeqCst) {
            tally.stopped.get_or_insert_with(|| "interrupted".into());
            break;
        }
        tally.releases.push(g.key.to_string());
        run_group(config, &store, g, &hidden, &secret, ui, &mut tally)?;
        if tally.stopped.is_some() {
            break;
        }
    }
    tally.print(ui.out, "pressroom publish")?;
    Ok(tally)
}
