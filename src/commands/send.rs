//! `pressroom send`: one release to its lists (or `--to` one address, as a
//! test copy), after a confirmation.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{Outcome, Ui, UsageError, parse_lang, parse_now, print_tally};
use crate::config::ListName;
use crate::content::Content;
use crate::db::Db;
use crate::delivery::plan;
use crate::delivery::{Delivered, Transport};
use crate::i18n::Lang;
use crate::sending::send::{Target, deliver, recipients, target, test_copy};
use crate::sending::{Tally, count_sent, open_store, plan_and_confirm, queued};
use crate::subscribers::EmailAddress;

/// Arguments of `send`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Args {
    /// A file path, slug or translation key.
    pub release: String,
    /// Send to these lists instead of the release's `lists` (repeatable).
    #[arg(long = "list", value_name = "NAME")]
    pub lists: Vec<String>,
    /// Show how many messages would go to each list in each language, and
    /// who is left out and why; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: also list every recipient (address, language, list).
    #[arg(long, requires = "dry_run")]
    pub recipients: bool,
    /// Send one test copy to this address only (not recorded; drafts allowed).
    #[arg(long, value_name = "ADDR")]
    pub to: Option<String>,
    /// The language version for --to (default: the site's default language).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// Also send it to people who joined its lists after it was first sent
    /// to them (a list gets a release once, with the members it had then;
    /// the plan counts the people who joined since).
    #[arg(long)]
    pub include_new_members: bool,
    /// Email only the correction the release carries (`correction:` and
    /// `updated:`) to those who had the original and are still
    /// subscribed, once each, in the language they had it in.
    #[arg(long, conflicts_with_all = ["to", "lists", "include_new_members"])]
    pub correction: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Decide embargoes as if it were this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
}

/// Runs `send` in the pressroom at `root`.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    super::install_ctrl_c();
    let started = std::time::Instant::now();
    let content = Content::load(root)?;
    let tally = send(&content, args, ui)?;
    if !args.dry_run && args.to.is_none() {
        eprintln!("{}", tally.log_line("send", started));
    }
    Ok(Outcome::from_failure(tally.is_failure()))
}

/// `pressroom send`.
pub fn send(content: &Content, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Tally> {
    let config = &content.config;
    let now = args.now.unwrap_or_else(Utc::now);
    if let Some(to) = &args.to {
        return send_test_copy(content, args, to, now, ui);
    }
    if args.correction {
        return send_correction(content, args, ui, now);
    }
    let Target { group, lists } =
        target(content, &args.release, args.lang.as_ref(), &args.lists, now)?;
    let store = open_store(config)?;
    if args.dry_run && !args.recipients {
        let counts = plan::count(&store, config, &group, &lists, args.include_new_members)?;
        let title = group.title(&config.site.default_lang);
        for p in &counts.csv_problems {
            writeln!(ui.out, "{p}")?;
        }
        print_counts(&counts, title, &lists, args.include_new_members, ui.out)?;
        return Ok(Tally {
            already: counts.already,
            ..Tally::default()
        });
    }
    let title = group.title(&config.site.default_lang).to_string();
    let mut tally = Tally::default();
    let interactive = ui.interactive;
    let mut declined = false;
    let out = &mut *ui.out;
    let planned = plan_and_confirm(
        &store,
        args.yes,
        |store| plan::plan(store, config, &group, &lists, args.include_new_members),
        |plan| {
            for p in &plan.csv_problems {
                writeln!(out, "{p}")?;
            }
            let pending = queued(&store, &group.key)?;
            tally.already = count_sent(&store, &group.key)?;
            if args.dry_run {
                dry_run_report(&store, &group.key, &title, &lists, out)?;
                if plan.joined_since > 0 {
                    let what = if args.include_new_members {
                        "included above"
                    } else {
                        "left out; --include-new-members sends to them too"
                    };
                    writeln!(
                        out,
                        "Joined a list after the first send: {} ({what})",
                        plan.joined_since
                    )?;
                }
                return Ok(None);
            }
            if pending == 0 {
                nothing_to_send(out, &lists, &title, plan, args.include_new_members)?;
                return Ok(None);
            }
            let published = group
                .versions
                .iter()
                .map(|r| r.publication.date)
                .min()
                .unwrap_or(now);
            let age = if now - published > config.delivery.max_age.as_chrono() {
                format!(
                    " It was published {} days ago, longer than max_age ({}).",
                    (now - published).num_days(),
                    config.delivery.max_age
                )
            } else {
                String::new()
            };
            Ok(Some(format!(
                "Send “{title}” to {pending} recipients on {} through {}?{age}",
                ListName::join(&lists),
                Transport::from_config(config)?.describe()
            )))
        },
        |question| {
            let yes = super::ask(question, interactive)?;
            declined = !yes;
            Ok(yes)
        },
    )?;
    if planned.is_none() {
        if declined {
            writeln!(ui.out, "Nothing sent.")?;
        }
        return Ok(tally);
    }
    deliver(content, &store, &group, now, &ui.controls(), &mut tally)?;
    print_tally(&tally, ui.out, &format!("pressroom send {}", args.release))?;
    Ok(tally)
}

/// `pressroom send RELEASE --to ADDR`: one test copy, not recorded.
fn send_test_copy(
    content: &Content,
    args: &Args,
    to: &str,
    now: DateTime<Utc>,
    ui: &mut Ui<'_>,
) -> anyhow::Result<Tally> {
    let config = &content.config;
    let release = content.find(&args.release, args.lang.as_ref())?;
    let email = EmailAddress::parse(to).map_err(|e| UsageError(format!("--to: {e}")))?;
    let done = test_copy(config, release, &content.unpublished(now), &email)?;
    let (path, lang) = (release.source.path.display(), &release.lang);
    match done {
        Delivered::Outbox(file) => writeln!(
            ui.out,
            "Test copy of {path} ({lang}) written to {}",
            file.display()
        )?,
        Delivered::Relay { relay, reply } => writeln!(
            ui.out,
            "Test copy of {path} ({lang}) sent to {email} via {relay}: {reply}"
        )?,
    }
    Ok(Tally {
        sent: 1,
        ..Default::default()
    })
}

/// `pressroom send RELEASE --correction`.
fn send_correction(
    content: &Content,
    args: &Args,
    ui: &mut Ui<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Tally> {
    use crate::sending::correction;
    let config = &content.config;
    let found = content.find(&args.release, args.lang.as_ref())?;
    let group = plan::Group::of(content, found);
    let Some(key) = correction::key(&group) else {
        return Err(UsageError(format!(
            "{} has no correction: write `correction:` (what was corrected) and `updated:` (when) in its front matter, build, then send it",
            found.source.path.display()
        ))
        .into());
    };
    if !group.versions.iter().any(|r| r.is_published(now)) {
        return Err(UsageError(format!(
            "{} is not published: there is no original to correct",
            found.source.path.display()
        ))
        .into());
    }
    let store = open_store(config)?;
    let title = group.title(&config.site.default_lang).to_string();
    let mut tally = Tally::default();
    let interactive = ui.interactive;
    let mut declined = false;
    let out = &mut *ui.out;
    let planned = plan_and_confirm(
        &store,
        args.yes,
        |store| correction::queue(store, &group, &key),
        |_| {
            let pending = queued(&store, &key)?;
            tally.already = count_sent(&store, &key)?;
            if args.dry_run {
                writeln!(
                    out,
                    "Dry run: the correction of “{title}” ({key}) would go to {pending} people who had the original (nothing is sent or recorded)"
                )?;
                return Ok(None);
            }
            if pending == 0 {
                writeln!(
                    out,
                    "Nothing to send: everyone who had “{title}” and is still subscribed has this correction."
                )?;
                return Ok(None);
            }
            Ok(Some(format!(
                "Email the correction of “{title}” to the {pending} people who had the original, through {}?",
                Transport::from_config(config)?.describe()
            )))
        },
        |question| {
            let yes = super::ask(question, interactive)?;
            declined = !yes;
            Ok(yes)
        },
    )?;
    if planned.is_none() {
        if declined {
            writeln!(ui.out, "Nothing sent.")?;
        }
        return Ok(tally);
    }
    correction::send_queued(
        content,
        &store,
        &group,
        &key,
        now,
        &ui.controls(),
        &mut tally,
    )?;
    print_tally(
        &tally,
        ui.out,
        &format!("pressroom send {} --correction", args.release),
    )?;
    Ok(tally)
}

/// Why a send has nothing to send: everyone on its lists has it; who
/// joined since, and how to send to them.
fn nothing_to_send(
    out: &mut dyn Write,
    lists: &[ListName],
    title: &str,
    plan: &plan::PlanReport,
    include_new: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Nothing to send: every recipient of {} already has “{title}”.",
        ListName::join(lists)
    )?;
    if !plan.already_planned.is_empty() {
        writeln!(
            out,
            "It went to the members that {} had when it was first sent; people who joined since get the releases published after that.",
            ListName::join(&plan.already_planned)
        )?;
    }
    if plan.joined_since > 0 && !include_new {
        writeln!(
            out,
            "{} people joined since and have not had it: `--include-new-members` sends it to them too.",
            plan.joined_since
        )?;
    }
    Ok(())
}

/// A dry run's plan, as counts: messages per list and language, and who
/// is left out and why (the caller prints the lists' problems).
pub(super) fn print_counts(
    counts: &plan::PlanCounts,
    title: &str,
    lists: &[ListName],
    include_new: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "Dry run: “{title}” to lists {} (nothing is sent or recorded)",
        ListName::join(lists)
    )?;
    writeln!(out, "  {:<16}{:<6}{:>10}", "LIST", "LANG", "MESSAGES")?;
    for ((list, lang), n) in &counts.messages {
        writeln!(out, "  {list:<16}{lang:<6}{n:>10}")?;
    }
    writeln!(out, "  {:<22}{:>10}", "total", counts.total())?;
    writeln!(out, "Left out:")?;
    writeln!(out, "  {:<52}{:>10}", "had it already", counts.already)?;
    writeln!(
        out,
        "  {:<52}{:>10}",
        "suppressed (bounced, complained, erased)", counts.suppressed
    )?;
    let joined = if include_new {
        "joined after the first send (included above)"
    } else {
        "joined after the first send (--include-new-members)"
    };
    writeln!(out, "  {joined:<52}{:>10}", counts.joined_since)?;
    writeln!(out, "(--recipients lists every address)")?;
    Ok(())
}

pub(super) fn dry_run_report(
    store: &Db,
    key: &str,
    title: &str,
    lists: &[ListName],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "Dry run: “{title}” to lists {} (nothing is sent or recorded)",
        ListName::join(lists)
    )?;
    let recipients = recipients(store, key)?;
    writeln!(out, "  {:<16}{:<6}{:>10}", "LIST", "LANG", "MESSAGES")?;
    for ((list, lang), n) in &recipients.counts {
        writeln!(out, "  {list:<16}{lang:<6}{n:>10}")?;
    }
    writeln!(out, "  {:<22}{:>10}", "total", recipients.total())?;
    writeln!(out, "Recipients (address, language, list):")?;
    for q in &recipients.rows {
        writeln!(out, "{}\t{}\t{}", q.recipient, q.lang, q.list)?;
    }
    Ok(())
}
