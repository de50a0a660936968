//! `pressroom init`: a new, empty pressroom of one's own in one command. A
//! commented `pressroom.toml` with every setting, a first release (a draft)
//! per language as language versions of each other, `subscribers/` with a
//! `.gitignore` that keeps the database and the secret out of version
//! control, and a `.gitignore` for what pressroom writes. Nothing that
//! exists is ever overwritten.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::lang::Lang;

/// What `init` is asked for.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The organisation's name, as written in every language.
    pub name: String,
    /// The site's languages; the first is the default.
    pub languages: Vec<Lang>,
    /// IANA time zone.
    pub timezone: String,
    /// Where the site will be published.
    pub base_url: String,
}

impl Spec {
    /// The time zone of the first language's country, as a guess.
    pub fn default_timezone(languages: &[Lang]) -> &'static str {
        match languages.first().map(Lang::as_str) {
            Some("sv") => "Europe/Stockholm",
            Some("fi") | None => "Europe/Helsinki",
            Some(_) => "UTC",
        }
    }
}

/// Why `init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{} already exist{}; pressroom init never overwrites a file: choose an empty folder", crate::files::path_list(.0), if .0.len() == 1 { "s" } else { "" })]
    Exists(Vec<PathBuf>),
    #[error("name the site's languages, e.g. --lang fi,sv,en")]
    NoLanguages,
    #[error("--lang names {0} twice")]
    Repeated(Lang),
    #[error("cannot write {}: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
}

/// The files of a new pressroom, by path relative to its folder.
pub fn files(spec: &Spec, now: DateTime<Utc>) -> Result<Vec<(PathBuf, String)>, InitError> {
    let Some(default) = spec.languages.first() else {
        return Err(InitError::NoLanguages);
    };
    for (i, l) in spec.languages.iter().enumerate() {
        if spec.languages[..i].contains(l) {
            return Err(InitError::Repeated(l.clone()));
        }
    }
    let tz: chrono_tz::Tz = spec.timezone.parse().unwrap_or(chrono_tz::UTC);
    let local = now.with_timezone(&tz);
    let mut files = vec![
        (PathBuf::from("pressroom.toml"), config(spec, default)),
        (PathBuf::from(".gitignore"), ROOT_GITIGNORE.to_string()),
        (
            PathBuf::from("subscribers/.gitignore"),
            SUBSCRIBERS_GITIGNORE.to_string(),
        ),
        (PathBuf::from("releases/assets/.gitkeep"), String::new()),
        (
            PathBuf::from("templates/README.md"),
            TEMPLATES_README.to_string(),
        ),
    ];
    for lang in &spec.languages {
        let title = first_title(lang);
        let slug = crate::release::slugify_at_most(title, crate::release::NEW_SLUG_MAX);
        let text = crate::new_release::template(
            title,
            lang,
            &[],
            &local.format("%Y-%m-%d %H:%M").to_string(),
            &["media"],
        );
        // The versions of one release share a key.
        let text = text
            .lines()
            .map(|l| {
                if l.starts_with("translation_key:") {
                    "translation_key: first-release".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        files.push((
            PathBuf::from(format!(
                "releases/{}-{slug}.{lang}.md",
                local.format("%Y-%m-%d")
            )),
            text,
        ));
    }
    Ok(files)
}

/// Writes a new pressroom into `dir` (made if missing). Checks every path
/// first: if any exists, nothing is written.
pub fn write(dir: &Path, spec: &Spec, now: DateTime<Utc>) -> Result<Vec<PathBuf>, InitError> {
    let files = files(spec, now)?;
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .collect();
    if !existing.is_empty() {
        return Err(InitError::Exists(existing));
    }
    let mut written = vec![];
    for (rel, text) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| InitError::Io(parent.to_path_buf(), e))?;
        }
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| InitError::Io(path.clone(), e))?;
        written.push(rel);
    }
    Ok(written)
}

fn first_title(lang: &Lang) -> &'static str {
    match lang.as_str() {
        "fi" => "Ensimmäinen tiedote",
        "sv" => "Vårt första pressmeddelande",
        _ => "Our first press release",
    }
}

/// Per language: the site's title, the feed's description and the "About"
/// text, for `name`.
fn words(lang: &Lang, name: &str) -> (String, String, String) {
    match lang.as_str() {
        "fi" => (
            format!("{name} – tiedotteet"),
            format!("{name}: tiedotteet ja uutiset."),
            format!(
                "{name} – kirjoita tähän muutaman lauseen esittely: mitä organisaatio tekee ja kenelle. Teksti päättää jokaisen tiedotteen."
            ),
        ),
        "sv" => (
            format!("{name} – pressmeddelanden"),
            format!("Pressmeddelanden från {name}."),
            format!(
                "{name} – skriv här några meningar om organisationen: vad den gör och för vem. Texten avslutar varje pressmeddelande."
            ),
        ),
        _ => (
            format!("{name} – press releases"),
            format!("Press releases from {name}."),
            format!(
                "{name} – write a few sentences here about what the organisation does and for whom. This text ends every release."
            ),
        ),
    }
}

/// TOML text of a string.
fn s(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn per_lang(spec: &Spec, f: impl Fn(&Lang) -> String) -> String {
    spec.languages
        .iter()
        .map(|l| format!("{l} = {}\n", s(&f(l))))
        .collect()
}

fn config(spec: &Spec, default: &Lang) -> String {
    let langs = spec
        .languages
        .iter()
        .map(|l| s(l.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let name = &spec.name;
    let titles = per_lang(spec, |l| words(l, name).0);
    let descriptions = per_lang(spec, |l| words(l, name).1);
    let about = per_lang(spec, |l| words(l, name).2);
    let list_titles = spec
        .languages
        .iter()
        .map(|l| {
            let (media, news) = match l.as_str() {
                "fi" => ("Tiedotusvälineet", "Tiedotteet sähköpostiin"),
                "sv" => ("Medier", "Pressmeddelanden per e-post"),
                _ => ("Media", "Press releases by email"),
            };
            (format!("{l} = {}", s(media)), format!("{l} = {}", s(news)))
        })
        .collect::<Vec<_>>();
    let media_titles = list_titles
        .iter()
        .map(|t| t.0.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let news_titles = list_titles
        .iter()
        .map(|t| t.1.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r##"# pressroom configuration. Every setting is here: the ones that are
# commented out show their default. `pressroom check` tells what is wrong,
# with the line. README.md of pressroom explains each one.

[site]
# Where the site is published; may have a path (https://www.example.org/press/).
base_url = {base_url}
default_lang = "{default}"
languages = [{langs}]
# Local dates and times in releases are in this zone (an IANA name).
timezone = {timezone}
# page_size = 20          # releases per list page
# feed_items = 50         # items per feed

[site.title]
{titles}
[site.description]
{descriptions}
# The accessibility statement the law asks of a public body's site: write
# pages/accessibility.LANG.md, or give its address when it is kept elsewhere.
# [site.accessibility_statement]
# {default} = "https://www.example.org/accessibility"

# The organisation's colour (header, buttons, links) and the text on it.
# `check` refuses colours under WCAG 2.1 AA contrast (4.5:1).
# [site.colors]
# primary = "#0b4f8a"
# text_on_primary = "#ffffff"

# A logo beside the title: a file under releases/ (SVG or PNG).
# [site.logo]
# src = "assets/logo.svg"
# alt = {{ {default} = {name_s} }}

# Extra links in a language's footer.
# [[site.footer_links.{default}]]
# title = "…"
# url = "https://www.example.org/"

[organization]
name = {name_s}
# name_genitive = {{ fi = "…" }}    # Finnish: the name in the genitive, for the confirmation email
website = "https://www.example.org/"
phone = "+358 00 000 0000"
email = "info@example.org"
address = "Street 1, 00100 City"
# The privacy notice (GDPR Art. 13): beside the subscription form's button
# and in every email. Needed once any list is public.
# [organization.privacy_url]
# {default} = "https://www.example.org/privacy"

# The "About" text that ends every release and email (Markdown).
[organization.about]
{about}
# A subscriber list. `public = true` offers it on the subscription page.
[lists.media]
title = {{ {media_titles} }}
# description = "…"
public = false
# double_opt_in = true
# source = "subscribers/media.csv"   # a list kept as a CSV file instead

[lists.news]
title = {{ {news_titles} }}
public = true

# [serve]
# public_dir = "public"
# signups_per_ip_per_hour = 10
# trusted_proxies = ["127.0.0.1/32", "::1"]   # believe X-Forwarded-For only from these
# confirmation_interval_minutes = 15
# confirmations_per_address_per_day = 3
# confirmations_per_hour = 200
# header_timeout_seconds = 10

# [subscribers]
# database = "subscribers/pressroom.db"     # env PRESSROOM_DB wins
# secret_file = "subscribers/.secret"       # env PRESSROOM_SECRET wins

[delivery]
# from = "press@example.org"                # default: the organisation's email
# reply_to = "info@example.org"
# relays = ["smtps://mail.example.org"]     # env PRESSROOM_RELAYS wins; none: messages go to outbox/
# outbox = "outbox"
# ca_file = "private-ca.pem"
# concurrency = 4
# rate_per_second = 0
# max_per_hour = 0
# max_attempts = 5
# retry_delay_seconds = 30
# timeout_seconds = 60
# max_age = "48h"
# max_consecutive_failures = 20
# smtputf8 = false
# return_path = "bounces@bounce.example.org"

# [delivery.dkim]
# selector = "press2026"
# domain = "example.org"
# key_file = "dkim/press2026.pem"

# [bounces]
# soft_limit = 3
# soft_window = "30days"
# imap = "imaps://mail.example.org/INBOX"
# processed_folder = "Processed"
# unrecognised_folder = "Unrecognised"
"##,
        base_url = s(&spec.base_url),
        default = default,
        timezone = s(&spec.timezone),
        name_s = s(name),
    )
}

const ROOT_GITIGNORE: &str =
    "# What pressroom writes: the built site, previews, the outbox, caches.
/public/
/preview/
/outbox/
/bounces/
/.cache/
.*.partial-*
.*.old-*
";

const SUBSCRIBERS_GITIGNORE: &str =
    "# Personal data and the signing secret never go into version control.
*.db
*.db-*
*.before-restore
.secret
*.send-lock
";

const TEMPLATES_README: &str =
    "A file here replaces pressroom's built-in template of the same name:
`pressroom templates list` shows them, `pressroom templates eject NAME`
copies one here to start from. See docs/templates.md of pressroom for what
each template can use.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(langs: &[&str]) -> Spec {
        Spec {
            name: "Testilän kunta".into(),
            languages: langs.iter().map(|l| Lang::parse(l).unwrap()).collect(),
            timezone: "Europe/Helsinki".into(),
            base_url: "https://press.example.org/".into(),
        }
    }

    #[test]
    fn the_configuration_parses_in_every_language_set() {
        for langs in [&["fi"][..], &["sv", "fi"], &["fi", "sv", "en"], &["en"]] {
            let files = files(&spec(langs), Utc::now()).unwrap();
            let (_, toml) = &files[0];
            let config = crate::config::Config::parse(
                Path::new("/nowhere"),
                Path::new("pressroom.toml"),
                toml,
            )
            .unwrap_or_else(|e| panic!("{langs:?}: {e}\n{toml}"));
            assert_eq!(config.site.default_lang.as_str(), langs[0]);
            assert_eq!(config.site.languages.len(), langs.len());
        }
    }

    #[test]
    fn repeated_or_missing_languages_are_refused() {
        assert!(matches!(
            files(&spec(&["fi", "fi"]), Utc::now()),
            Err(InitError::Repeated(_))
        ));
        assert!(matches!(
            files(&spec(&[]), Utc::now()),
            Err(InitError::NoLanguages)
        ));
    }
}
