//! `pressroom new`: a new release file from a commented template.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use crate::config::{Config, ListName};
use crate::i18n::Lang;
use crate::release::{NEW_SLUG_MAX, slugify_at_most};

/// What [`template`] writes in one language: the comments, and the sample
/// text (placeholders) that the writer replaces.
struct Texts {
    date: &'static str,
    draft: &'static str,
    summary: &'static str,
    lead: &'static str,
    lists: &'static str,
    key: &'static str,
    name: &'static str,
    role: &'static str,
    email: &'static str,
    alt: &'static str,
    attachment: &'static str,
    web_false: &'static str,
    email_false: &'static str,
    body: &'static str,
}

const PHONE: &str = "+358 40 000 0000";

const FI: Texts = Texts {
    date: "# Julkaisuaika sivuston aikavyöhykkeellä (tai RFC 3339). Tuleva aika on\n# embargo: tiedote ei näy missään ennen sitä.",
    draft: "# Poista tämä rivi, kun tiedote on valmis julkaistavaksi.",
    summary: "# Ingressi: näytetään lihavoituna, syötteissä ja sähköpostin esikatselurivinä.",
    lead: "Kerro uutinen yhdellä tai kahdella virkkeellä.",
    lists: "# Tilaajalistat, jotka saavat tiedotteen sähköpostina.",
    key: "# Tiedotteen tunniste: lähetysloki tuntee tiedotteen tällä avaimella, joten\n# tiedoston uusi nimi tai muutettu slug ei lähetä sitä uudelleen.\n# Saman tiedotteen kieliversioilla on sama avain.",
    name: "Etunimi Sukunimi",
    role: "Tehtävänimike, yksikkö",
    email: "etunimi.sukunimi@example.org",
    alt: "Kuvaile kuva niille, jotka eivät näe sitä.",
    attachment: "Raportti",
    web_false: "vain sähköpostina",
    email_false: "vain verkkosivuilla",
    body: "Kirjoita leipäteksti Markdownina. Ylin väliotsikkotaso on `##`.",
};

const SV: Texts = Texts {
    date: "# Publiceringstid i webbplatsens tidszon (eller RFC 3339). En tid i framtiden\n# är ett embargo: meddelandet syns ingenstans före den.",
    draft: "# Ta bort den här raden när meddelandet är klart att publiceras.",
    summary: "# Ingressen: visas i fetstil, i flöden och som förhandsrad i e-posten.",
    lead: "Berätta nyheten med en eller två meningar.",
    lists: "# Prenumerantlistor som får meddelandet per e-post.",
    key: "# Meddelandets identitet: utskicksloggen känner meddelandet under den här\n# nyckeln, så ett nytt filnamn eller en ändrad slug skickar det aldrig på nytt.\n# Språkversioner av samma meddelande har samma nyckel.",
    name: "Förnamn Efternamn",
    role: "Titel, avdelning",
    email: "fornamn.efternamn@example.org",
    alt: "Beskriv bilden för dem som inte kan se den.",
    attachment: "Rapport",
    web_false: "endast e-post",
    email_false: "endast webbplatsen",
    body: "Skriv brödtexten i Markdown. Den översta rubriknivån är `##`.",
};

const EN: Texts = Texts {
    date: "# Publication time, in the site's time zone (or RFC 3339). A time in the\n# future is an embargo: the release appears nowhere before it.",
    draft: "# Remove this line when the release is ready to publish.",
    summary: "# The lead paragraph: shown in bold, used in feeds and as the email preheader.",
    lead: "One or two sentences that tell the news.",
    lists: "# Subscriber lists that receive this release by email.",
    key: "# The release's identity: the delivery journal knows it by this key, so\n# renaming the file or editing the slug never emails it again. Language\n# versions of one release share it.",
    name: "Firstname Lastname",
    role: "Title, department",
    email: "firstname.lastname@example.org",
    alt: "Describe the picture for people who cannot see it.",
    attachment: "Report",
    web_false: "email only",
    email_false: "pressroom site only",
    body: "Write the body in Markdown. The first heading level is `##`.",
};

fn texts(lang: &Lang) -> &'static Texts {
    match lang.as_str() {
        "fi" => &FI,
        "sv" => &SV,
        _ => &EN,
    }
}

/// The sample text that [`template`] writes, in every language, with what
/// it is: a release that still holds one of them is not ready (`check`
/// says where).
pub static PLACEHOLDERS: std::sync::LazyLock<Vec<(&'static str, &'static str)>> =
    std::sync::LazyLock::new(|| {
        let mut all = vec![(PHONE, "the example phone number")];
        for t in [&FI, &SV, &EN] {
            all.extend([
                (t.lead, "the sample lead"),
                (t.name, "the sample contact name"),
                (t.role, "the sample contact role"),
                (t.email, "the example email address"),
                (t.body, "the sample body"),
            ]);
        }
        all
    });

/// Every placeholder left in `text`: 1-based line and column, what it is,
/// and its text.
pub fn placeholders_in(text: &str) -> Vec<(usize, usize, &'static str, &'static str)> {
    static ANY: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
        // Leftmost-first (which match is found does not matter here): only
        // then can the search run the SIMD prefilter (Teddy) over the
        // file, which every release file goes through at a full build.
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(PLACEHOLDERS.iter().map(|(needle, _)| *needle))
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
        for (needle, what) in PLACEHOLDERS.iter() {
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
    let t = texts(lang);
    format!(
        r#"---
title: {title}
{date_comment}
date: {local_now}
{draft_comment}
draft: true
lang: {lang}
{summary_comment}
summary: >-
  {lead}
tags: {tags}
{lists_comment}
{lists_line}
{key_comment}
translation_key: {key}
contacts:
  - name: {name}
    role: {role}
    phone: "{PHONE}"
    email: {email}
# image:
#   src: assets/photo.jpg
#   alt: {alt}
# attachments:
#   - title: {attachment}
#     src: assets/report.pdf
# web: false    # {web_false}
# email: false  # {email_false}
---

{body}
"#,
        title = yaml_str(title),
        key = yaml_str(&format!(
            "{}-{}",
            &local_now[..local_now.len().min(10)],
            slugify_at_most(title, NEW_SLUG_MAX)
        )),
        date_comment = t.date,
        draft_comment = t.draft,
        summary_comment = t.summary,
        lead = t.lead,
        lists_comment = t.lists,
        key_comment = t.key,
        name = t.name,
        role = t.role,
        email = t.email,
        alt = t.alt,
        attachment = t.attachment,
        web_false = t.web_false,
        email_false = t.email_false,
        body = t.body,
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
    let slug = slugify_at_most(title, NEW_SLUG_MAX);
    // `--tags "a, b"`: the spaces after the commas are not part of the
    // keywords, and empty ones are none.
    let tags: Vec<String> = tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let tags = &tags[..];
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
        for (lang, lead) in [
            ("fi", "Kerro uutinen"),
            ("sv", "Berätta nyheten"),
            ("en", "One or two"),
        ] {
            let text = template(
                "Uusi silta",
                &Lang::parse(lang).unwrap(),
                &[],
                "2026-11-29 10:00",
                &[],
            );
            let found = placeholders_in(&text);
            // The lead, name, role, phone, email and body.
            assert_eq!(found.len(), 6, "{lang}: {found:?}");
            let (line, col, what, _) = found[0];
            assert_eq!(what, "the sample lead");
            assert!(text.lines().nth(line - 1).unwrap()[col - 1..].starts_with(lead));
        }
        assert!(placeholders_in("title: Silta\n# Firstname Lastname\n").is_empty());
    }

    #[test]
    fn a_finnish_or_swedish_release_starts_in_its_own_language() {
        let fi = template(
            "Silta",
            &Lang::parse("fi").unwrap(),
            &[],
            "2026-11-29 10:00",
            &[],
        );
        assert!(fi.contains("# Poista tämä rivi, kun tiedote on valmis julkaistavaksi."));
        assert!(!fi.contains("Remove this line"), "{fi}");
        let sv = template(
            "Bron",
            &Lang::parse("sv").unwrap(),
            &[],
            "2026-11-29 10:00",
            &[],
        );
        assert!(sv.contains("Förnamn Efternamn"));
        assert!(!sv.contains("Firstname"), "{sv}");
    }
}
