//! The `send`, `publish` and `deliveries` commands: plan, confirm, run the
//! engine, and report in tables a person can read.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::engine::{self, RunSummary, Transport};
use super::plan::{self, Group};
use super::{Recipient, limits, prepare, transport};
use crate::config::Config;
use crate::content::Content;
use crate::db::{Db, DeliveryStatus};
use crate::lang::Lang;
use crate::subscribers::{self, EmailAddress, Secret};

/// A mistake in how the command was called (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// How the command may talk to the person running it.
pub struct Ui<'a> {
    pub out: &'a mut dyn Write,
    /// stdin and stderr are terminals: ask for confirmation, show progress.
    pub interactive: bool,
    pub stop: &'a AtomicBool,
}

impl Ui<'_> {
    pub fn detect<'a>(out: &'a mut dyn Write, stop: &'a AtomicBool) -> Ui<'a> {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        Ui {
            out,
            interactive,
            stop,
        }
    }

    fn confirm(&mut self, question: &str, yes: bool) -> anyhow::Result<bool> {
        if yes {
            return Ok(true);
        }
        if !self.interactive {
            return Err(UsageError(format!("{question} Not on a terminal: pass --yes to confirm, or --dry-run to see the recipients.")).into());
        }
        eprint!("{question} [y/N] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_lowercase().as_str(),
            "y" | "yes" | "k" | "kyllä" | "j" | "ja"
        ))
    }

    fn progress(&self, total: u64) -> ProgressBar {
        if !self.interactive {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} messages  {per_sec}  eta {eta}")
                .expect("valid template"),
        );
        pb
    }
}

/// Arguments of `send`.
#[derive(Debug, Clone, Default)]
pub struct SendArgs {
    pub release: String,
    pub lists: Vec<String>,
    pub dry_run: bool,
    pub to: Option<String>,
    pub lang: Option<Lang>,
    pub yes: bool,
    pub now: Option<DateTime<Utc>>,
}

/// The final tally of `send` or `publish`.
#[derive(Debug, Default)]
pub struct Tally {
    pub sent: u64,
    pub failed: Vec<(String, String)>,
    pub already: u64,
    pub suppressed: u64,
    pub retries: u64,
    pub hard_bounces: u64,
    pub queued_left: u64,
    pub stopped: Option<String>,
}

impl Tally {
    fn add(&mut self, r: RunSummary) {
        self.sent += r.sent;
        self.failed.extend(r.failed);
        self.suppressed += r.suppressed;
        self.retries += r.retries;
        self.hard_bounces += r.hard_bounces;
        if self.stopped.is_none() {
            self.stopped = r.stopped;
        }
    }

    /// True when the run needs attention (exit code 1).
    pub fn is_failure(&self) -> bool {
        !self.failed.is_empty() || self.stopped.is_some()
    }

    fn print(&self, out: &mut dyn Write, resume: &str) -> std::io::Result<()> {
        writeln!(out, "Summary")?;
        writeln!(out, "  {:<34}{:>9}", "sent", self.sent)?;
        writeln!(out, "  {:<34}{:>9}", "failed", self.failed.len())?;
        writeln!(out, "  {:<34}{:>9}", "skipped: already sent", self.already)?;
        writeln!(
            out,
            "  {:<34}{:>9}",
            "skipped: suppressed/unsubscribed", self.suppressed
        )?;
        writeln!(
            out,
            "  {:<34}{:>9}",
            "retries after 4xx or timeouts", self.retries
        )?;
        if self.hard_bounces > 0 {
            writeln!(
                out,
                "  {:<34}{:>9}",
                "hard bounces (now suppressed)", self.hard_bounces
            )?;
        }
        if self.queued_left > 0 {
            writeln!(out, "  {:<34}{:>9}", "still queued", self.queued_left)?;
        }
        if !self.failed.is_empty() {
            writeln!(out, "Failed:")?;
            for (addr, why) in self.failed.iter().take(20) {
                writeln!(out, "  {addr}: {why}")?;
            }
            if self.failed.len() > 20 {
                writeln!(
                    out,
                    "  … and {} more (see `pressroom deliveries`)",
                    self.failed.len() - 20
                )?;
            }
        }
        if let Some(why) = &self.stopped {
            writeln!(out, "Stopped early: {why}.")?;
            writeln!(
                out,
                "Nothing is lost: run `{resume}` again to resume; nobody gets the release twice."
            )?;
        }
        Ok(())
    }
}

fn open_store(config: &Config) -> anyhow::Result<Db> {
    Ok(subscribers::open(config)?)
}

fn load_secret(config: &Config) -> anyhow::Result<Secret> {
    Secret::load(&subscribers::secret_path(config)).context(
        "no signing secret for unsubscribe links: set PRESSROOM_SECRET (32+ random characters) or let pressroom create subscribers/.secret",
    )
}

/// The versions of a group that may be emailed at `now`.
fn sendable<'a>(group: &Group<'a>, now: DateTime<Utc>) -> Group<'a> {
    Group {
        key: group.key.clone(),
        versions: group
            .versions
            .iter()
            .copied()
            .filter(|r| r.email && r.is_published(now))
            .collect(),
    }
}

fn queued(db: &Db, key: &str) -> anyhow::Result<u64> {
    Ok(db.journal().pending(key)?)
}

fn count_sent(db: &Db, key: &str) -> anyhow::Result<u64> {
    Ok(db.journal().count(key, &[DeliveryStatus::Sent])?)
}

fn describe(t: &Transport) -> String {
    match t {
        Transport::Outbox(dir) => format!("the outbox {} (no relay configured)", dir.display()),
        Transport::Smtp { relays, .. } => relays
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn run_group(
    config: &Config,
    store: &Db,
    group: &Group<'_>,
    secret: &Secret,
    ui: &mut Ui<'_>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let transport = transport(config)?;
    let prepared = prepare(config, group)?;
    let total = queued(store, &group.key)?;
    let pb = ui.progress(total);
    let summary = engine::run(&engine::Run {
        db: store.path(),
        release: &group.key,
        prepared: &prepared,
        fallback_lang: config.site.default_lang.as_str(),
        secret,
        transport: &transport,
        limits: &limits(config),
        stop: ui.stop,
        progress: &pb,
    })?;
    pb.finish_and_clear();
    tally.add(summary);
    tally.queued_left += queued(store, &group.key)?;
    Ok(())
}

/// The plan → confirm → re-plan → commit sequence of `send` and `publish`.
/// `plan` runs in a write transaction; `decide` looks at its result (prints
/// it, answers a dry run) and returns the question to ask, or `None` to stop
/// with nothing kept. With `yes` the plan is committed at once. Otherwise the
/// transaction is dropped while the person decides (the database's write
/// lock is never held over a prompt), and after a yes the plan is made again
/// and committed, so whatever changed meanwhile is in it.
fn plan_and_confirm<T>(
    store: &Db,
    ui: &mut Ui<'_>,
    yes: bool,
    mut plan: impl FnMut(&Db) -> anyhow::Result<T>,
    decide: impl FnOnce(&T, &mut Ui<'_>) -> anyhow::Result<Option<String>>,
) -> anyhow::Result<Option<T>> {
    let tx = store.write()?;
    let first = plan(store)?;
    let Some(question) = decide(&first, ui)? else {
        drop(tx);
        return Ok(None);
    };
    if yes {
        tx.commit()?;
        return Ok(Some(first));
    }
    drop(tx);
    if !ui.confirm(&question, false)? {
        writeln!(ui.out, "Nothing sent.")?;
        return Ok(None);
    }
    let tx = store.write()?;
    let again = plan(store)?;
    tx.commit()?;
    Ok(Some(again))
}

/// `pressroom send`.
pub fn send(content: &Content, args: &SendArgs, ui: &mut Ui<'_>) -> anyhow::Result<Tally> {
    let config = &content.config;
    let now = args.now.unwrap_or_else(Utc::now);
    let release = content
        .find(&args.release, args.lang.as_ref())
        .map_err(anyhow::Error::msg)?;
    if let Some(to) = &args.to {
        return send_test(config, release, to, ui);
    }
    let group = Group::of(content, release);
    super::ensure_sendable(&group, now, config.site.timezone)?;
    let group = sendable(&group, now);
    let lists = if args.lists.is_empty() {
        group.lists()
    } else {
        args.lists.clone()
    };
    if lists.is_empty() {
        bail!(
            "{} has no lists: add `lists: [...]` to its front matter or pass --list NAME",
            release.path.display()
        );
    }
    let store = open_store(config)?;
    let title = group.title(&config.site.default_lang).to_string();
    let mut tally = Tally::default();
    let planned = plan_and_confirm(
        &store,
        ui,
        args.yes,
        |store| plan::plan(store, config, &group, &lists),
        |plan, ui| {
            for p in &plan.csv_problems {
                writeln!(ui.out, "{p}")?;
            }
            let pending = queued(&store, &group.key)?;
            tally.already = count_sent(&store, &group.key)?;
            if args.dry_run {
                dry_run_report(&store, &group.key, &title, &lists, ui.out)?;
                return Ok(None);
            }
            if pending == 0 {
                writeln!(
                    ui.out,
                    "Nothing to send: every recipient of {} already has “{title}”.",
                    lists.join(", ")
                )?;
                if !plan.already_planned.is_empty() {
                    writeln!(
                        ui.out,
                        "It went to the members that {} had when it was first sent; people who joined since get the releases published after that.",
                        plan.already_planned.join(", ")
                    )?;
                }
                return Ok(None);
            }
            let published = group.versions.iter().map(|r| r.date).min().unwrap_or(now);
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
                lists.join(", "),
                describe(&transport(config)?)
            )))
        },
    )?;
    if planned.is_none() {
        return Ok(tally);
    }
    let secret = load_secret(config)?;
    run_group(config, &store, &group, &secret, ui, &mut tally)?;
    tally.print(ui.out, &format!("pressroom send {}", args.release))?;
    Ok(tally)
}

fn dry_run_report(
    store: &Db,
    key: &str,
    title: &str,
    lists: &[String],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "Dry run: “{title}” to lists {} (nothing is sent or recorded)",
        lists.join(", ")
    )?;
    let mut by: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut lines = vec![];
    for r in store.journal().queued_recipients(key)? {
        *by.entry((r.list.clone(), r.lang.clone())).or_default() += 1;
        lines.push(format!("{}\t{}\t{}", r.email, r.lang, r.list));
    }
    writeln!(out, "  {:<16}{:<6}{:>10}", "LIST", "LANG", "MESSAGES")?;
    let mut total = 0;
    for ((list, lang), n) in &by {
        writeln!(out, "  {list:<16}{lang:<6}{n:>10}")?;
        total += n;
    }
    writeln!(out, "  {:<22}{total:>10}", "total")?;
    writeln!(out, "Recipients (address, language, list):")?;
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// `send --to ADDR`: one test copy, not recorded in the journal.
fn send_test(
    config: &Config,
    release: &crate::release::Release,
    to: &str,
    ui: &mut Ui<'_>,
) -> anyhow::Result<Tally> {
    let email = EmailAddress::parse(to).map_err(|e| UsageError(format!("--to: {e}")))?;
    let group = Group {
        key: release.group_key(),
        versions: vec![release],
    };
    let prepared = prepare(config, &group)?;
    let p = prepared.values().next().context("nothing to send")?;
    let list = release
        .lists
        .first()
        .cloned()
        .unwrap_or_else(|| "test".into());
    let bytes = p.build_test(&Recipient {
        email: email.clone(),
        link_id: None,
        name: None,
        list,
    })?;
    let name = format!("{}.eml", &email.hash()[..24]);
    let done = super::deliver_one(
        &transport(config)?,
        &p.envelope_from,
        &email,
        &bytes,
        ("test", &name),
    )
    .context("the test copy was not sent")?;
    let (path, lang) = (release.path.display(), &release.lang);
    match done {
        super::Delivered::Outbox(file) => writeln!(
            ui.out,
            "Test copy of {path} ({lang}) written to {}",
            file.display()
        )?,
        super::Delivered::Relay { relay, reply } => writeln!(
            ui.out,
            "Test copy of {path} ({lang}) sent to {email} via {relay}: {reply}"
        )?,
    }
    Ok(Tally {
        sent: 1,
        ..Default::default()
    })
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

    fn print(&self, config: &Config, out: &mut dyn Write) -> std::io::Result<()> {
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

/// How `publish` runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublishArgs {
    pub now: Option<DateTime<Utc>>,
    pub yes: bool,
    /// Print the plan; build nothing, send nothing, record nothing.
    pub dry_run: bool,
}

/// `pressroom publish`: build the site, then send every due release (not
/// older than `max_age`) to the members its lists had when it was first sent.
pub fn publish(
    content: &Content,
    args: PublishArgs,
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
                        describe(&transport(config)?)
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
                describe(&transport(config)?)
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
    for (g, _) in &work {
        if ui.stop.load(std::sync::atomic::Ordering::SeqCst) {
            tally.stopped.get_or_insert_with(|| "interrupted".into());
            break;
        }
        run_group(config, &store, g, &secret, ui, &mut tally)?;
        if tally.stopped.is_some() {
            break;
        }
    }
    tally.print(ui.out, "pressroom publish")?;
    Ok(tally)
}

/// `pressroom deliveries RELEASE`.
pub fn deliveries(content: &Content, release: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let config = &content.config;
    let r = content.find(release, None).map_err(anyhow::Error::msg)?;
    let group = Group::of(content, r);
    let store = open_store(config)?;
    let rows = store.journal().breakdown(&group.key)?;
    writeln!(
        out,
        "Deliveries of “{}” ({})",
        group.title(&config.site.default_lang),
        group.key
    )?;
    if rows.is_empty() {
        writeln!(out, "  not sent to anyone yet")?;
        return Ok(());
    }
    write!(out, "  {:<16}{:<6}", "LIST", "LANG")?;
    for s in DeliveryStatus::ALL {
        write!(out, "{:>11}", s.as_str().to_uppercase())?;
    }
    writeln!(out)?;
    for row in &rows {
        write!(out, "  {:<16}{:<6}", row.list, row.lang)?;
        for s in DeliveryStatus::ALL {
            write!(out, "{:>11}", row.counts.get(s))?;
        }
        writeln!(out)?;
    }
    let failures = store.journal().failures(&group.key)?;
    if !failures.is_empty() {
        writeln!(out, "Failed addresses:")?;
        for f in failures {
            writeln!(
                out,
                "  {} ({}, {} attempts): {}",
                crate::subscribers::printable(&f.email),
                f.list,
                f.attempts,
                crate::subscribers::printable(&f.reply)
            )?;
        }
    }
    Ok(())
}

/// What a release group is at `now`, for `status`.
fn state_of(group: &Group<'_>, now: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let live: Vec<_> = group.versions.iter().filter(|r| !r.draft).collect();
    if live.is_empty() {
        return "draft".into();
    }
    if live.iter().all(|r| r.date > now) {
        let at = live.iter().map(|r| r.date).min().unwrap_or(now);
        return format!(
            "scheduled {}",
            at.with_timezone(&tz).format("%Y-%m-%d %H:%M")
        );
    }
    let web = live.iter().any(|r| r.web);
    let email = live.iter().any(|r| r.email);
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
    groups.sort_by_key(|g| std::cmp::Reverse(g.versions.iter().map(|r| r.date).min()));
    for g in &groups {
        let date = g
            .versions
            .iter()
            .map(|r| r.date)
            .min()
            .map(|d| d.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let langs: Vec<&str> = g.versions.iter().map(|r| r.lang.as_str()).collect();
        let c = counts.get(&g.key);
        let n = |s: DeliveryStatus| c.map_or(0, |m| m.get(s));
        let emailed = c.is_some() || g.versions.iter().any(|r| r.email && !r.draft);
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
    let tx = store.write()?;
    let plan = plan_publish(content, &store, now)?;
    plan.print(config, out)?;
    drop(tx);
    if !plan.work.is_empty() {
        writeln!(
            out,
            "Would send {} messages through {}.",
            plan.messages(),
            describe(&transport(config)?)
        )?;
    }
    Ok(())
}
