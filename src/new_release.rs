//! `pressroom new`: a new release file from a commented template.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use crate::config::{Config, ListName};
use crate::lang::Lang;
use crate::release::slugify;

/// The sample text that [`template`] writes, with what it is: a release
/// that still holds one of them is not ready (`check` says where).
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "One or two sentences that tell the news.",
        "the sample lead",
    ),
    ("Firstname Lastname", "the sample contact name"),
    ("Title, department", "the sample contact role"),
    ("+358 40 000 0000", "the example phone number"),
    (
        "firstname.lastname@example.org",
        "the example email address",
    ),
    ("Write the body in Markdown.", "the sample body"),
];

/// Every placeholder left in `text`: 1-based line and column, what it is,
/// and its text.
pub fn placeholders_in(text: &str) -> Vec<(usize, usize, &'static str, &'static str)> {
    static ANY: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::new(PLACEHOLDERS.iter().map(|(needle, _)| needle))
            .expect("placeholder patterns compile")
    });
    let mut found = vec![];
    // One pass over the file; the line-by-line search only runs when a
    // placeholder is there at all (a release being written, not one ready).
    if !ANY.is_match(text) {
        return found;
    }
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for (needle, what) in PLACEHOLDERS {
            if let Some(at) = line.find(needle) {
                found.push((i + 1, line[..at].chars().count() + 1, *what, *needle));
            }
        }
    }
    found
}

/// Quotes a YAML scalar (double-quoted style).
fn yaml_str(s: &str) -> String {
    serde_yaml::to_string(s).map_or_else(|_| format!("{s:?}"), |y| y.trim_end().to_string())
}

/// The text of a new release.
pub fn template(
    title: &str,
    lang: &Lang,
    tags: &[String],
    local_now: &str,
    lists: &[&str],
) -> String {
    let tags = if tags.is_empty() {
        "[]".to_string()
    } else {
        format!(
            "[{}]",
            tags.iter()
                .map(|t| yaml_str(t))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let lists_line = match lists.first() {
        Some(l) => format!("lists: [{l}]"),
        None => "# lists: [media]".to_string(),
    };
    format!(
        r#"---
title: {title}
# Publication time, in the site's time zone (or RFC 3339). A time in the
# future is an embargo: the release appears nowhere before it.
date: {local_now}
# Remove this line when the release is ready to publish.
draft: true
lang: {lang}
# The lead paragraph: shown in bold, used in feeds and as the email preheader.
summary: >-
  One or two sentences that tell the news.
tags: {tags}
# Subscriber lists that receive this release by email.
{lists_line}
# The release's identity: the delivery journal knows it by this key, so
# renaming the file or editing the slug never emails it again. Language
# versions of one release share it.
translation_key: {key}
contacts:
  - name: Firstname Lastname
    role: Title, department
    phone: "+358 40 000 0000"
    email: firstname.lastname@example.org
# image:
#   src: assets/photo.jpg
#   alt: Describe the picture for people who cannot see it.
# attachments:
#   - title: Report (PDF)
#     src: assets/report.pdf
# web: false    # email only
# email: false  # pressroom site only
---

Write the body in Markdown. The first heading level is `##`.
"#,
        title = yaml_str(title),
        key = yaml_str(&format!(
            "{}-{}",
            &local_now[..local_now.len().min(10)],
            slugify(title)
        )),
    )
}

/// Writes `releases/{today}-{slug}.{lang}.md`; never overwrites a file.
pub fn create(
    config: &Config,
    title: &str,
    lang: &Lang,
    tags: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<PathBuf> {
    if !config.site.languages.contains(lang) {
        let langs: Vec<&str> = config.site.languages.iter().map(Lang::as_str).collect();
        bail!(
            "language '{lang}' is not one of the site's languages ({})",
            langs.join(", ")
        );
    }
    let local = now.with_timezone(&config.site.timezone);
    let slug = slugify(title);
    let dir = config.releases_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{}-{slug}.{lang}.md", local.format("%Y-%m-%d")));
    let lists: Vec<&str> = config.lists.keys().map(ListName::as_str).collect();
    let text = template(
        title,
        lang,
        tags,
        &local.format("%Y-%m-%d %H:%M").to_string(),
        &lists,
    );
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {} (does it exist already?)", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_in_the_template_and_found_on_its_line() {
        let text = template(
            "Uusi silta",
            &Lang::parse("fi").unwrap(),
            &[],
            "2026-11-29 10:00",
            &[],
        );
        let found = placeholders_in(&text);
        assert_eq!(found.len(), PLACEHOLDERS.len(), "{found:?}");
        let (line, col, what, _) = found[0];
        assert_eq!(what, "the sample lead");
        assert!(text.lines().nth(line - 1).unwrap()[col - 1..].starts_with("One or two"));
        assert!(placeholders_in("title: Silta\n# Firstname Lastname\n").is_empty());
    }
}
