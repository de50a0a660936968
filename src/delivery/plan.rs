//! Who gets a release: the members of its lists (database lists and CSV
//! `source` lists), minus suppressed and unsubscribed addresses, one message
//! per address, each in the recipient's language when the release has it.

use std::collections::BTreeSet;

use anyhow::{Context, bail};
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
}

/// Adds every current recipient of `lists` who is not yet in the journal for
/// this release as `queued`. Idempotent.
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
    for list in lists {
        let Some(list_config) = config.lists.get(list) else {
            let known: Vec<&str> = config.lists.keys().map(String::as_str).collect();
            bail!(
                "unknown list '{list}' (declared lists: {})",
                known.join(", ")
            );
        };
        match &list_config.source {
            None => {
                // Language codes are validated `[a-z]{2,3}`, safe to inline.
                let langs = have
                    .iter()
                    .map(|l| format!("'{l}'"))
                    .collect::<Vec<_>>()
                    .join(",");
                let sql = format!(
                    "INSERT OR IGNORE INTO deliveries (release, email_hash, email, name, lang, list, status, updated_at)
                     SELECT ?1, s.email_hash, s.email, s.name,
                            CASE WHEN s.lang IN ({langs}) THEN s.lang ELSE ?3 END, m.list, 'queued', ?4
                     FROM memberships m JOIN subscribers s ON s.email_hash = m.email_hash
                     WHERE m.list = ?2 AND m.status = 'confirmed'
                       AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = s.email_hash)
                     ORDER BY s.email"
                );
                report.new += conn.execute(&sql, params![group.key, list, fallback, now])? as u64;
            }
            Some(src) => {
                let path = config.root.join(src);
                let langs: Vec<&str> = config.site.languages.iter().map(Lang::as_str).collect();
                let mut insert = conn.prepare_cached(
                    "INSERT OR IGNORE INTO deliveries (release, email_hash, email, name, lang, list, status, updated_at)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7
                     WHERE NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = ?2)
                       AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.email_hash = ?2 AND m.list = ?6 AND m.status = 'unsubscribed')",
                )?;
                let mut problems = vec![];
                csv_file::read(
                    &path,
                    &langs,
                    |row| {
                        let lang = group
                            .version_for(row.lang.as_deref(), default)
                            .lang
                            .as_str();
                        report.new += insert.execute(params![
                            group.key,
                            row.email.hash(),
                            row.email.as_str(),
                            row.name,
                            lang,
                            list,
                            now
                        ])? as u64;
                        Ok(())
                    },
                    |p| problems.push(format!("{}:{}: {}", src, p.line, p.message)),
                )
                .with_context(|| format!("cannot read the list '{list}'"))?;
                report.csv_problems.extend(problems);
            }
        }
    }
    Ok(report)
}
