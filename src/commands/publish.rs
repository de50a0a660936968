//! `pressroom publish`: build the site, then email every due release to the
//! members its lists had when it was first sent. Made to run from cron.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{Outcome, Ui, parse_now, print_tally, under_root};
use crate::config::Config;
use crate::content::Content;
use crate::delivery::Transport;
use crate::sending::publish::{Planning, PublishPlan, plan_publish, send_planned};
use crate::sending::{Tally, open_store, plan_and_confirm};

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
    /// Print what would be built and sent: messages per release, list and
    /// language, and who is left out and why; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: list every recipient's address too.
    #[arg(long, requires = "dry_run")]
    pub recipients: bool,
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

/// "Would send N messages through RELAY." when the plan sends anything.
pub(super) fn print_would_send(
    plan: &PublishPlan<'_>,
    config: &Config,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if !plan.work.is_empty() {
        writeln!(
            out,
            "Would send {} messages through {}.",
            plan.messages(),
            Transport::from_config(config)?.describe()
        )?;
    }
    Ok(())
}

/// Shows a publish plan: what is sent now, what is too old, what was
/// renamed since it was emailed.
pub(super) fn print_plan(
    plan: &PublishPlan<'_>,
    config: &Config,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let lang = &config.site.default_lang;
    for p in &plan.csv_problems {
        writeln!(out, "{p}")?;
    }
    if plan.work.is_empty() {
        writeln!(
            out,
            "Nothing new to send: every due release has reached everyone on its lists."
        )?;
    } else {
        writeln!(out, "To send:")?;
        writeln!(out, "  {:>8}  {:<44}  LISTS", "MESSAGES", "RELEASE")?;
        for (g, n) in &plan.work {
            writeln!(
                out,
                "  {n:>8}  {:<44}  {}",
                g.title(lang),
                g.lists().join(", ")
            )?;
        }
    }
    if !plan.too_old.is_empty() {
        writeln!(
            out,
            "Too old to email (published more than {} ago; `pressroom send RELEASE` sends one on purpose):",
            config.delivery.max_age
        )?;
        for (g, queued) in &plan.too_old {
            let date = g
                .versions
                .iter()
                .map(|r| r.publication.date)
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
    for r in &plan.renamed {
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
    if args.dry_run && !args.recipients {
        let plan = plan_publish(content, &store, now, Planning::Count)?;
        print_plan(&plan, config, ui.out)?;
        let lang = &config.site.default_lang;
        for ((g, _), counts) in plan.work.iter().zip(&plan.counts) {
            let include_new = store.sends().includes_new_members(&g.key)?;
            super::send::print_counts(counts, g.title(lang), &g.lists(), include_new, ui.out)?;
        }
        print_would_send(&plan, config, ui.out)?;
        writeln!(ui.out, "Dry run: nothing was built, sent or recorded.")?;
        return Ok(Tally {
            already: plan.already,
            ..Tally::default()
        });
    }
    let mut tally = Tally::default();
    let mut keys: Vec<String> = vec![];
    let interactive = ui.interactive;
    let mut declined = false;
    let planned = {
        let out = &mut *ui.out;
        plan_and_confirm(
            &store,
            args.yes,
            |store| plan_publish(content, store, now, Planning::Queue),
            |plan| {
                print_plan(plan, config, out)?;
                tally.already = plan.already;
                keys = plan.work.iter().map(|(g, _)| g.key.clone()).collect();
                if args.dry_run {
                    for (g, _) in &plan.work {
                        let title = g.title(&config.site.default_lang);
                        super::send::dry_run_report(&store, &g.key, title, &g.lists(), out)?;
                    }
                    print_would_send(plan, config, out)?;
                    writeln!(out, "Dry run: nothing was built, sent or recorded.")?;
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
            |question| {
                let yes = super::ask(question, interactive)?;
                declined = !yes;
                Ok(yes)
            },
        )?
    };
    let Some(plan) = planned else {
        if declined {
            writeln!(ui.out, "Nothing sent.")?;
        }
        return Ok(tally);
    };
    // After a confirmation, only what the person said yes to.
    let work: Vec<_> = plan
        .work
        .into_iter()
        .filter(|(g, _)| keys.contains(&g.key))
        .collect();
    send_planned(content, &store, &work, now, &ui.controls(), &mut tally)?;
    print_tally(&tally, ui.out, "pressroom publish")?;
    Ok(tally)
}
