//! `pressroom new`: a new release file from a commented template.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::lang::Lang;
use crate::release::slugify;

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
# Language versions of one release share a translation_key.
# translation_key: {slug}
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
        slug = slugify(title),
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
    let lists: Vec<&str> = config.lists.keys().map(String::as_str).collect();
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
