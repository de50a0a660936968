//! `publish`'s sending half: every due release, emailed to the members its
//! lists had when it was first sent, unless it is older than `max_age` or
//! was emailed before under another identity.

use chrono::{DateTime, Utc};

use super::{Controls, Tally, count_sent, load_secret, queued, run_group, sendable};
use crate::content::Content;
use crate::db::Db;
use crate::delivery::plan::{self, Group};

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
    /// Problems with the lists kept in CSV files, one line each.
    pub csv_problems: Vec<String>,
    /// Messages of the due releases sent by earlier runs.
    pub already: u64,
    /// With [`Planning::Count`]: each release's plan as counts (per list
    /// and language, and who is left out and why), in the order of `work`.
    pub counts: Vec<plan::PlanCounts>,
}

/// How [`plan_publish`] plans each due release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planning {
    /// Queue its recipients (inside the caller's write transaction).
    Queue,
    /// Count them, writing nothing (a dry run): memory and time do not
    /// grow with the lists beyond one pass over each.
    Count,
}

impl PublishPlan<'_> {
    /// The messages the plan sends.
    pub fn messages(&self) -> u64 {
        self.work.iter().map(|(_, n)| n).sum()
    }
}

/// Plans every due release for `publish`: queues its recipients, unless it
/// is older than `max_age` or was emailed under another identity.
pub fn plan_publish<'a>(
    content: &'a Content,
    store: &Db,
    now: DateTime<Utc>,
    planning: Planning,
) -> anyhow::Result<PublishPlan<'a>> {
    let config = &content.config;
    let renamed = plan::renamed(store, content)?;
    let mut p = PublishPlan {
        work: vec![],
        too_old: vec![],
        renamed: vec![],
        csv_problems: vec![],
        already: 0,
        counts: vec![],
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
        let published = g
            .versions
            .iter()
            .map(|r| r.publication.date)
            .min()
            .unwrap_or(now);
        if now - published > config.delivery.max_age.as_chrono() {
            let left = queued(store, &g.key)?;
            p.too_old.push((g, left));
            continue;
        }
        let include_new = store.sends().includes_new_members(&g.key)?;
        if planning == Planning::Count {
            let counts = plan::count(store, config, &g, &g.lists(), include_new)?;
            p.csv_problems.extend(counts.csv_problems.iter().cloned());
            p.already += counts.already;
            let n = counts.total();
            if n > 0 {
                p.work.push((g, n));
                p.counts.push(counts);
            }
            continue;
        }
        let report = plan::plan(store, config, &g, &g.lists(), include_new)?;
        p.csv_problems.extend(report.csv_problems);
        p.already += count_sent(store, &g.key)?;
        let n = queued(store, &g.key)?;
        if n > 0 {
            p.work.push((g, n));
        }
    }
    Ok(p)
}

/// Sends the planned releases `work` one after the other (their messages
/// are queued by a committed [`plan_publish`]), until done or stopped.
pub fn send_planned(
    content: &Content,
    store: &Db,
    work: &[(Group<'_>, u64)],
    now: DateTime<Utc>,
    controls: &Controls<'_>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let config = &content.config;
    let secret = load_secret(config)?;
    let hidden = content.unpublished(now);
    for (g, _) in work {
        if controls.stop.load(std::sync::atomic::Ordering::SeqCst) {
            tally.stopped.get_or_insert_with(|| "interrupted".into());
            break;
        }
        tally.releases.push(g.key.to_string());
        let before = (tally.sent, tally.failed.len());
        run_group(config, store, g, &hidden, &secret, controls, tally)?;
        // A send scheduled on the desk is carried out by this run.
        store.sends().finish_scheduled(
            &g.key,
            &format!(
                "sent {}, failed {} by publish",
                tally.sent - before.0,
                tally.failed.len() - before.1
            ),
        )?;
        if tally.stopped.is_some() {
            break;
        }
    }
    Ok(())
}
