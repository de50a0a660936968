//! Who gets a release: the members of its lists (database lists and CSV
//! `source` lists), minus suppressed and unsubscribed addresses, one message
//! per address, each in the recipient's language when the release has it.

use std::collections::BTreeSet;

use crate::config::{Config, ListName};
use crate::content::Content;
use crate::db::{Db, now_text};
use crate::i18n::Lang;
use crate::release::Release;
use crate::subscribers::csv_file;
use anyhow::Context;

/// All language versions of one release.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// The journal key: the translation key, or `date/slug`.
    pub key: String,
    pub versions: Vec<&'a Release>,
}

impl<'a> Group<'a> {
    /// The group that `release` belongs to.
    pub fn of(content: &'a Content, release: &Release) -> Self {
        let key = release.group_key();
        let mut versions: Vec<&Release> = content
            .releases
            .iter()
            .map(std::sync::Arc::as_ref)
            .filter(|r| r.group_key() == key)
            .collect();
        let order = |l: &Lang| content.config.site.languages.iter().position(|x| x == l);
        versions.sort_by_key(|r| order(&r.lang));
        Self { key, versions }
    }

    /// Every group in the content.
    pub fn all(content: &'a Content) -> Vec<Self> {
        let mut seen = BTreeSet::new();
        let mut out = vec![];
        for r in content.releases.iter().map(std::sync::Arc::as_ref) {
            if seen.insert(r.group_key()) {
                out.push(Self::of(content, r));
            }
        }
        out
    }

    /// The union of the versions' `lists`.
    pub fn lists(&self) -> Vec<ListName> {
        let set: BTreeSet<&ListName> = self.versions.iter().flat_map(|r| r.lists.iter()).collect();
        set.into_iter().cloned().collect()
    }

    /// The version a reader of `lang` gets: theirs, else the default language's, else the first.
    pub fn version_for(&self, lang: Option<&Lang>, default: &Lang) -> &'a Release {
        lang.and_then(|l| self.versions.iter().find(|r| &r.lang == l))
            .or_else(|| self.versions.iter().find(|r| &r.lang == default))
            .unwrap_or(&self.versions[0])
    }

    /// The title in the default language (for messages).
    pub fn title(&self, default: &Lang) -> &str {
        &self.version_for(None, default).title
    }
}

/// What planning found.
#[derive(Debug, Default, Clone)]
pub struct PlanReport {
    /// Rows added to the journal by this plan.
    pub new: u64,
    /// CSV rows skipped (invalid), with file, line and reason.
    pub csv_problems: Vec<String>,
    /// Lists this release was sent to before: their members of that moment
    /// are in the journal, and nobody who joined since is added.
    pub already_planned: Vec<ListName>,
    /// People who joined those lists (database lists) after the release was
    /// first sent to them and have not had it: queued by this plan when it
    /// was asked to include new members, otherwise only counted.
    pub joined_since: u64,
}

/// Adds the current recipients of each of `lists` that this release was
/// never sent to before, as `queued` journal rows (one per address; a person
/// on several lists gets one message, whose unsubscribe link names every
/// list). A list is planned once: its members at that moment get the release,
/// and people who join it later get the releases published after that, not
/// this one, unless `include_new` asks for them (`send
/// --include-new-members`, a checkbox on the desk). Idempotent.
pub fn plan(
    db: &Db,
    config: &Config,
    group: &Group<'_>,
    lists: &[ListName],
    include_new: bool,
) -> anyhow::Result<PlanReport> {
    let default = &config.site.default_lang;
    let have: Vec<Lang> = group.versions.iter().map(|r| r.lang.clone()).collect();
    let fallback = &group.version_for(None, default).lang;
    let mut report = PlanReport::default();
    let journal = db.journal();
    let now = now_text();
    let before = journal.rows(&group.key)?;
    for list in lists {
        let list_config = config.list(list.as_str())?;
        if journal.is_planned(&group.key, list)? {
            report.already_planned.push(list.clone());
            if list_config.source.is_none() {
                report.joined_since += journal.new_members(&group.key, list)?;
                if include_new {
                    journal.queue_members(&group.key, list, &have, fallback, &now)?;
                }
            }
            continue;
        }
        let changed = match &list_config.source {
            None => journal.queue_members(&group.key, list, &have, fallback, &now)?,
            Some(src) => {
                let path = config.root.join(src);
                let mut insert = journal.csv_inserter()?;
                let mut problems = vec![];
                let mut changed = 0;
                csv_file::read(
                    &path,
                    &config.site.languages,
                    config.delivery.smtputf8,
                    |row| {
                        let lang = &group.version_for(row.lang.as_ref(), default).lang;
                        changed += insert.insert(
                            &group.key,
                            &row.email,
                            row.name.as_deref(),
                            lang,
                            list,
                            &now,
                        )?;
                        Ok::<_, anyhow::Error>(())
                    },
                    |p| problems.push(format!("{}:{}: {}", src, p.line, p.message)),
                )
                .with_context(|| format!("cannot read the list '{list}'"))?;
                report.csv_problems.extend(problems);
                changed
            }
        };
        // A list with nobody on it is not sent to yet: whoever joins before
        // the first message goes out gets it.
        if changed > 0 {
            journal.mark_planned(&group.key, list, &now)?;
        }
    }
    for r in &group.versions {
        journal.record_file(
            &group.key,
            &r.source.path.to_string_lossy(),
            &r.lang,
            &r.title,
        )?;
    }
    report.new = journal.rows(&group.key)? - before;
    Ok(report)
}

/// A send's plan as counts, made without queuing anything: what `send
/// --dry-run` and the desk's send page show.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PlanCounts {
    /// Messages per list (a person on several: their names joined by `,`)
    /// and language: those still queued from an earlier send, and the new.
    pub messages: std::collections::BTreeMap<(String, Lang), u64>,
    /// Messages of this release sent before.
    pub already: u64,
    /// Confirmed members a suppression keeps from it (bounced, complained).
    pub suppressed: u64,
    /// People who joined a list after it was first sent and have not had
    /// it (in `messages` only when asked for).
    pub joined_since: u64,
    /// CSV rows skipped (invalid), with file, line and reason.
    pub csv_problems: Vec<String>,
}

impl PlanCounts {
    /// The messages in all.
    pub fn total(&self) -> u64 {
        self.messages.values().sum()
    }
}

/// Counts what [`plan`] would queue now, and why the others are left out,
/// without writing: the database lists by aggregate queries (each member
/// is read once, in the order of their hash; memory does not grow with
/// the list). A CSV list not yet sent to is read as the send reads it, in a
/// transaction that is rolled back.
pub fn count(
    db: &Db,
    config: &Config,
    group: &Group<'_>,
    lists: &[ListName],
    include_new: bool,
) -> anyhow::Result<PlanCounts> {
    let journal = db.journal();
    let key = &group.key;
    let mut out = PlanCounts::default();
    let mut csv_unplanned = false;
    let mut db_lists = vec![];
    let mut to_plan = vec![];
    for list in lists {
        let planned = journal.is_planned(key, list)?;
        if config.list(list.as_str())?.source.is_some() {
            csv_unplanned |= !planned;
            continue;
        }
        db_lists.push(list.clone());
        if planned {
            out.joined_since += journal.new_members(key, list)?;
        }
        if !planned || include_new {
            to_plan.push(list.clone());
        }
    }
    out.already = journal.count(key, &[crate::db::DeliveryStatus::Sent])?;
    out.suppressed = journal.count_suppressed(key, &db_lists)?;
    for (list, lang, n) in journal.pending_by_list(key)? {
        *out.messages.entry((list, lang)).or_default() += n;
    }
    let default = &config.site.default_lang;
    let have: Vec<Lang> = group.versions.iter().map(|r| r.lang.clone()).collect();
    let fallback = group.version_for(None, default).lang.clone();
    if !to_plan.is_empty() {
        for (list, lang, n) in journal.count_members(key, &to_plan, &have, &fallback)? {
            *out.messages.entry((list, lang)).or_default() += n;
        }
    }
    if csv_unplanned {
        count_csv(db, config, group, lists, &to_plan, &fallback, &mut out)?;
    }
    Ok(out)
}

/// Adds the CSV lists not yet sent to into `out`, as [`plan`] would queue
/// them. The files are read first (each address with the CSV lists it is
/// on, and the language each gives); then each such address is followed
/// through `lists` in order as the plan goes, from the row the database
/// lists gave it (counted by `count_members`) or its row from before, to
/// the one message it gets. Only the CSV files' addresses are held: the
/// staff's own lists.
fn count_csv(
    db: &Db,
    config: &Config,
    group: &Group<'_>,
    lists: &[ListName],
    to_plan: &[ListName],
    fallback: &Lang,
    out: &mut PlanCounts,
) -> anyhow::Result<()> {
    use std::collections::BTreeMap;
    let journal = db.journal();
    let key = &group.key;
    let default = &config.site.default_lang;
    // Address hash → the CSV lists it is on, with the language each gives.
    let mut on: BTreeMap<String, Vec<(String, Lang)>> = BTreeMap::new();
    for list in lists {
        let Some(src) = config.list(list.as_str())?.source.clone() else {
            continue;
        };
        if journal.is_planned(key, list)? {
            continue;
        }
        let path = config.root.join(&src);
        let mut problems = vec![];
        csv_file::read(
            &path,
            &config.site.languages,
            config.delivery.smtputf8,
            |row| {
                let lang = group.version_for(row.lang.as_ref(), default).lang.clone();
                let entry = on.entry(row.email.hash()).or_default();
                if !entry.iter().any(|(l, _)| l == list.as_str()) {
                    entry.push((list.to_string(), lang));
                }
                Ok::<_, anyhow::Error>(())
            },
            |p| problems.push(format!("{}:{}: {}", src, p.line, p.message)),
        )
        .with_context(|| format!("cannot read the list '{list}'"))?;
        out.csv_problems.extend(problems);
    }
    let db_lang = |l: Option<&Lang>| -> Lang {
        l.filter(|l| group.versions.iter().any(|r| &r.lang == *l))
            .cloned()
            .unwrap_or_else(|| fallback.clone())
    };
    for (hash, csv) in on {
        let person = journal.person(key, &hash, to_plan)?;
        if person.suppressed {
            out.suppressed += 1;
            continue;
        }
        // Where `pending_by_list` or `count_members` counted this person.
        let counted = match &person.row {
            Some((label, lang, true)) => Some((label.clone(), lang.clone())),
            Some(_) => continue,
            None if !person.member_of.is_empty() => Some((
                to_plan
                    .iter()
                    .filter(|l| person.member_of.iter().any(|m| m == l.as_str()))
                    .map(ListName::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                db_lang(person.lang.as_ref()),
            )),
            None => None,
        };
        // The plan, list by list, for this person.
        let mut row: Option<(String, Lang)> = person
            .row
            .as_ref()
            .map(|(label, lang, _)| (label.clone(), lang.clone()));
        for list in lists {
            let name = list.as_str();
            let joins = if to_plan.contains(list) {
                person
                    .member_of
                    .iter()
                    .any(|m| m == name)
                    .then(|| db_lang(person.lang.as_ref()))
            } else {
                csv.iter()
                    .find(|(l, _)| l == name)
                    .filter(|_| !person.left.iter().any(|l| l == name))
                    .map(|(_, lang)| lang.clone())
            };
            let Some(lang) = joins else { continue };
            row = Some(match row {
                None => (name.to_string(), lang),
                Some((label, l)) if label.split(',').any(|x| x == name) => (label, l),
                Some((label, l)) => (format!("{label},{name}"), l),
            });
        }
        if counted == row {
            continue;
        }
        if let Some((label, lang)) = &counted {
            dec(out, label, lang);
        }
        if let Some((label, lang)) = row {
            *out.messages.entry((label, lang)).or_default() += 1;
        }
    }
    Ok(())
}

/// One message fewer under `label` and `lang` (it moves elsewhere).
fn dec(out: &mut PlanCounts, label: &str, lang: &Lang) {
    let k = (label.to_string(), lang.clone());
    if let Some(n) = out.messages.get_mut(&k) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            out.messages.remove(&k);
        }
    }
}

/// A release whose journal identity changed after it was emailed (its file
/// renamed, its slug or `translation_key` edited): sending it again would
/// reach everyone a second time.
#[derive(Debug, Clone)]
pub struct Renamed {
    pub path: std::path::PathBuf,
    pub line: usize,
    /// The identity it was emailed under.
    pub was: String,
    pub now: String,
}

/// Every release of `content` whose file, or whose language and title, was
/// emailed under an identity that no release has any more.
pub fn renamed(db: &Db, content: &Content) -> anyhow::Result<Vec<Renamed>> {
    let keys: BTreeSet<String> = content
        .releases
        .iter()
        .map(std::sync::Arc::as_ref)
        .map(Release::group_key)
        .collect();
    let journal = db.journal();
    let mut out = vec![];
    for r in content.releases.iter().map(std::sync::Arc::as_ref) {
        let rows = journal.sent_from(&r.source.path.to_string_lossy(), &r.lang, &r.title)?;
        for was in rows {
            if !keys.contains(&was) {
                out.push(Renamed {
                    path: r.source.path.clone(),
                    line: r.line_of("translation_key"),
                    was,
                    now: r.group_key(),
                });
            }
        }
    }
    Ok(out)
}
