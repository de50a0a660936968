//! `pressroom init`: a new, empty pressroom of one's own in one command. A
//! commented `pressroom.toml` with every setting, a first release (a draft)
//! per language as language versions of each other, `subscribers/` with a
//! `.gitignore` that keeps the database and the secret out of version
//! control, and a `.gitignore` for what pressroom writes. Nothing that
//! exists is ever overwritten.

use askama::Template;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::i18n::Lang;

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
        let text = crate::scaffold::new::template(
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
    PressroomToml {
        base_url: s(&spec.base_url),
        default,
        langs,
        timezone: s(&spec.timezone),
        titles,
        descriptions,
        about,
        name_s: s(name),
        media_titles,
        news_titles,
    }
    .render()
    .expect("the pressroom.toml template renders")
        // askama drops the template file's last line break.
        + "\n"
}

/// `pressroom.toml` of a new pressroom: every setting, the ones with a
/// default commented out. Each value is already TOML (quoted, escaped).
#[derive(askama::Template)]
#[template(path = "pressroom.toml", escape = "none", syntax = "toml")]
struct PressroomToml<'a> {
    base_url: String,
    default: &'a Lang,
    langs: String,
    timezone: String,
    titles: String,
    descriptions: String,
    about: String,
    name_s: String,
    media_titles: String,
    news_titles: String,
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
