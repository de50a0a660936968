//! Who gets a release: the members of its lists (database lists and CSV
//! `source` lists), minus suppressed and unsubscribed addresses, one message
//! per address, each in the recipient's language when the release has it.

use std::collections::BTreeSet;

use anyhow::Context;
use rusqlite::params;

use crate::config::Config;
use crate::content::Content;
use crate::lang::Lang;
use crate::release::Release;
use crate::subscribers::{Store, csv_file, now_text};

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
        for r in &content.releases {
            if seen.insert(r.group_key()) {
                out.push(Self::of(content, r));
            }
        }
        out
    }

    /// The union of the versions' `lists`.
    pub fn lists(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.versions.iter().flat_map(|r| r.lists.iter()).collect();
        set.into_iter().cloned().collect()
    }

    /// The version a reader of `lang` gets: theirs, else the default language's, else the first.
    pub fn version_for(&self, lang: Option<&str>, default: &Lang) -> &'a Release {
        lang.and_then(|l| self.versions.iter().find(|r| r.lang.as_str() == l))
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
    pub already_planned: Vec<String>,
}

fn rows_of(conn: &rusqlite::Connection, key: &str) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COUNT(*) FROM deliveries WHERE release = ?1",
        [key],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
}

/// Adds the current recipients of each of `lists` that this release was
/// never sent to before, as `queued` journal rows (one per address; a person
/// on several lists gets one message, whose unsubscribe link names every
/// list). A list is planned once: its members at that moment get the release,
/// and people who join it later get the releases published after that, not
/// this one. Idempotent.
pub fn plan(
    store: &Store,
    config: &Config,
    group: &Group<'_>,
    lists: &[String],
) -> anyhow::Result<PlanReport> {
    let default = &config.site.default_lang;
    let have: Vec<&str> = group.versions.iter().map(|r| r.lang.as_str()).collect();
    let fallback = group.version_for(None, default).lang.as_str().to_string();
    let mut report = PlanReport::default();
    let conn = &store.conn;
    let now = now_text();
    let before = rows_of(conn, &group.key)?;
    for list in lists {
        let list_config = config.list(list)?;
        let planned: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM planned_lists WHERE release = ?1 AND list = ?2)",
            params![group.key, list],
            |r| r.get(0),
        )?;
        if planned {
            report.already_planned.push(list.clone());
            continue;
        }
        // A second list of someone already queued joins their one message.
        const JOIN: &str = "ON CONFLICT (release, email_hash) DO UPDATE SET list = deliveries.list || ',' || excluded.list
             WHERE deliveries.status = 'queued'
               AND instr(',' || deliveries.list || ',', ',' || excluded.list || ',') = 0";
        let changed = match &list_config.source {
            None => {
                // Language codes are validated `[a-z]{2,3}`, safe to inline.
                let langs = have
                    .iter()
                    .map(|l| format!("'{l}'"))
                    .collect::<Vec<_>>()
                    .join(",");
                let sql = format!(
                    "INSERT INTO deliveries (release, email_hash, email, name, lang, list, status, updated_at)
                     SELECT ?1, s.email_hash, s.email, s.name,
                            CASE WHEN s.lang IN ({langs}) THEN s.lang ELSE ?3 END, m.list, 'queued', ?4
                     FROM memberships m JOIN subscribers s ON s.email_hash = m.email_hash
                     WHERE m.list = ?2 AND m.status = 'confirmed'
                       AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = s.email_hash)
                     ORDER BY s.email
                     {JOIN}"
                );
                conn.execute(&sql, params![group.key, list, fallback, now])?
            }
            Some(src) => {
                let path = config.root.join(src);
                let langs: Vec<&str> = config.site.languages.iter().map(Lang::as_str).collect();
                let mut insert = conn.prepare_cached(&format!(
                    "INSERT INTO deliveries (release, email_hash, email, name, lang, list, status, updated_at)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7
                     WHERE NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = ?2)
                       AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.email_hash = ?2 AND m.list = ?6 AND m.status = 'unsubscribed')
                     {JOIN}"
                ))?;
                let mut problems = vec![];
                let mut changed = 0;
                csv_file::read(
                    &path,
                    &langs,
                    config.delivery.smtputf8,
                    |row| {
                        let lang = group
                            .version_for(row.lang.as_deref(), default)
                            .lang
                            .as_str();
                        changed += insert.execute(params![
                            group.key,
                            row.email.hash(),
                            row.email.as_str(),
                            row.name,
                            lang,
                            list,
                            now
                        ])?;
                        Ok(())
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
            conn.execute(
                "INSERT OR IGNORE INTO planned_lists (release, list, planned_at) VALUES (?1, ?2, ?3)",
                params![group.key, list, now],
            )?;
        }
    }
    let mut files = conn.prepare_cached(
        "INSERT OR REPLACE INTO release_files (release, path, lang, title) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for r in &group.versions {
        files.execute(params![
            group.key,
            r.path.to_string_lossy(),
            r.lang.as_str(),
            r.title
        ])?;
    }
    report.new = rows_of(conn, &group.key)? - before;
    Ok(report)
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
pub fn renamed(store: &Store, content: &Content) -> anyhow::Result<Vec<Renamed>> {
    let keys: BTreeSet<String> = content.releases.iter().map(Release::group_key).collect();
    let mut q = store.conn.prepare_cached(
        "SELECT DISTINCT f.release FROM release_files f
         WHERE (f.path = ?1 OR (f.lang = ?2 AND f.title = ?3))
           AND EXISTS (SELECT 1 FROM deliveries d WHERE d.release = f.release AND d.status = 'sent')",
    )?;
    let mut out = vec![];
    for r in &content.releases {
        let rows = q.query_map(
            params![r.path.to_string_lossy(), r.lang.as_str(), r.title],
            |row| row.get::<_, String>(0),
        )?;
        for was in rows {
            let was = was?;
            if !keys.contains(&was) {
                out.push(Renamed {
                    path: r.path.clone(),
                    line: r.line_of("translation_key"),
                    was,
                    now: r.group_key(),
                });
            }
        }
    }
    Ok(out)
}
