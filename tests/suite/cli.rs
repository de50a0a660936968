//! The command line: `check` output and exit codes, `new`, `preview`, usage errors.

use crate::common::{pressroom, stderr, stdout, temp_pressroom};
use clap::CommandFactory;
use pressroom::cli::Cli;

#[test]
fn clap_definitions_are_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn check_passes_on_the_sample_and_exits_zero() {
    let root = crate::common::sample_root();
    let o = pressroom(&["--root", root.to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("no problems"), "{}", stdout(&o));
}

#[test]
fn check_reports_every_problem_in_every_file_and_exits_one() {
    let good = "---\ntitle: A\ndate: 2026-11-20\ntranslation_key: k\n---\nBody\n";
    let dir = temp_pressroom(&[
        ("2026-11-20-a.fi.md", good),
        (
            "2026-11-21-a.fi.md",
            "---\ntitle: Same slug\ndate: 2026-11-21\n---\n",
        ),
        ("2026-11-20-b.fi.md", good),
        (
            "2026-11-20-c.sv.md",
            "---\ntitle: C\ndate: 2026-11-20\nsumary: x\n---\n",
        ),
        (
            "2026-11-20-d.en.md",
            "---\ntitle: D\ndate: 2026-11-20\nimage:\n  src: assets/x.png\n---\n",
        ),
    ]);
    let o = pressroom(&["--root", dir.path().to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for expected in [
        "releases/2026-11-21-a.fi.md:1:1: error: slug 'a' in language 'fi' is already used by releases/2026-11-20-a.fi.md",
        "releases/2026-11-20-b.fi.md:4:1: error: translation_key 'k' already has a 'fi' version: releases/2026-11-20-a.fi.md",
        "releases/2026-11-20-c.sv.md:4:1: error: unknown field 'sumary' (did you mean 'summary'?)",
        "releases/2026-11-20-d.en.md:4:1: error: image has no 'alt' text",
        "releases/2026-11-20-d.en.md:5:3: error: image file 'releases/assets/x.png' does not exist",
        "5 problems found",
    ] {
        assert!(err.contains(expected), "missing:\n{expected}\nin:\n{err}");
    }
}

#[test]
fn check_flags_an_email_that_gmail_would_clip() {
    let body: String = (0..3000)
        .map(|i| format!("Kappale {i} kertoo uutisen yksityiskohdista.\n\n"))
        .collect();
    let text = format!("---\ntitle: Pitkä\ndate: 2026-11-20\n---\n{body}");
    let dir = temp_pressroom(&[("2026-11-20-long.fi.md", &text)]);
    let o = pressroom(&["--root", dir.path().to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("releases/2026-11-20-long.fi.md:5:1: error: the email body is"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("Gmail clips"), "{}", stderr(&o));
}

#[test]
fn config_errors_name_the_key_and_suggest_a_fix() {
    let dir = temp_pressroom(&[]);
    let config = std::fs::read_to_string(dir.path().join("pressroom.toml")).unwrap();
    std::fs::write(
        dir.path().join("pressroom.toml"),
        config.replace("timezone", "timezon"),
    )
    .unwrap();
    let o = pressroom(&["--root", dir.path().to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(
            "pressroom.toml:6:1: error: unknown key 'timezon' (did you mean 'timezone'?)"
        ),
        "{}",
        stderr(&o)
    );

    std::fs::write(
        dir.path().join("pressroom.toml"),
        config.replace("Europe/Helsinki", "Europe/Helsinky"),
    )
    .unwrap();
    let o = pressroom(&["--root", dir.path().to_str().unwrap(), "check"]);
    assert!(
        stderr(&o)
            .contains("unknown time zone 'Europe/Helsinky' (did you mean 'Europe/Helsinki'?)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_config_says_how_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let o = pressroom(&["--root", dir.path().to_str().unwrap(), "build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("pressroom.toml not found. Create one"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(
        pressroom(&["build", "--now", "tomorrow"]).status.code(),
        Some(2)
    );
    assert_eq!(pressroom(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(pressroom(&["new"]).status.code(), Some(2));
}

#[test]
fn help_explains_the_commands() {
    let o = pressroom(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    for cmd in ["new", "check", "build", "preview", "--root"] {
        assert!(help.contains(cmd), "{help}");
    }
}

#[test]
fn new_writes_a_draft_that_passes_check() {
    let dir = temp_pressroom(&[]);
    let root = dir.path().to_str().unwrap();
    let o = pressroom(&[
        "--root",
        root,
        "new",
        "Uusi pyörätie: Kaislalahti–Ranta",
        "--lang",
        "fi",
        "--tags",
        "liikenne, pyöräily,",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let path = stdout(&o).trim().to_string();
    assert!(
        path.ends_with("-uusi-pyoratie-kaislalahti-ranta.fi.md"),
        "{path}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("draft: true") && text.contains("tags: [liikenne, pyöräily]"),
        "the keywords are trimmed, the empty one dropped: {text}"
    );
    // A Finnish release starts in Finnish.
    assert!(text.contains("# Poista tämä rivi"), "{text}");
    assert!(!text.contains("Remove this line"), "{text}");
    let o = pressroom(&["--root", root, "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // It carries a stable identity for the delivery journal.
    assert!(
        text.lines().any(|l| l.starts_with("translation_key: ")
            && l.ends_with("-uusi-pyoratie-kaislalahti-ranta")),
        "{text}"
    );
    // Ready to publish, but with the template's sample text left in: check
    // fails and names each line.
    std::fs::write(&path, text.replace("draft: true\n", "")).unwrap();
    let o = pressroom(&["--root", root, "check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    let line_of = |needle: &str| {
        text.replace("draft: true\n", "")
            .lines()
            .position(|l| l.contains(needle))
            .unwrap()
            + 1
    };
    for (needle, what) in [
        ("Kerro uutinen", "the sample lead"),
        ("Etunimi Sukunimi", "the sample contact name"),
        ("+358 40 000 0000", "the example phone number"),
        ("Kirjoita leipäteksti", "the sample body"),
    ] {
        let file = path.rsplit('/').next().unwrap();
        assert!(
            err.contains(&format!("{file}:{}:", line_of(needle))) && err.contains(what),
            "{needle}: {err}"
        );
    }
    std::fs::write(&path, &text).unwrap();
    // A second `new` with the same title must not overwrite the first.
    let o = pressroom(&[
        "--root",
        root,
        "new",
        "Uusi pyörätie: Kaislalahti–Ranta",
        "--lang",
        "fi",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("exist"), "{}", stderr(&o));
}

#[test]
fn new_makes_a_readable_slug_from_a_long_headline() {
    let dir = temp_pressroom(&[]);
    let root = dir.path().to_str().unwrap();
    let title = "Maakuntahallitus esittää valtuustolle liikennejärjestelmäsuunnitelman hyväksymistä ja sen rahoitusta vuosille 2027–2030";
    let o = pressroom(&["--root", root, "new", title, "--lang", "sv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let path = stdout(&o).trim().to_string();
    let name = path.rsplit('/').next().unwrap();
    let slug = name[11..].strip_suffix(".sv.md").unwrap();
    assert!(slug.len() <= 60, "{slug} is {} characters", slug.len());
    assert!(
        slug.starts_with("maakuntahallitus-esittaa-valtuustolle"),
        "{slug}"
    );
    assert!(!slug.ends_with('-'), "{slug}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("Förnamn Efternamn"),
        "a Swedish release starts in Swedish: {text}"
    );
}

#[test]
fn preview_writes_html_text_and_a_complete_message() {
    let out = tempfile::tempdir().unwrap();
    let root = crate::common::sample_root();
    let o = pressroom(&[
        "--root",
        root.to_str().unwrap(),
        "preview",
        "regional-strategy-2040",
        "--lang",
        "sv",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.path().join("email.html")).unwrap();
    let text = std::fs::read_to_string(out.path().join("email.txt")).unwrap();
    let eml = std::fs::read_to_string(out.path().join("message.eml")).unwrap();
    assert!(html.contains("<html lang=\"sv\"") && html.contains("Landskapsfullmäktige"));
    assert!(text.starts_with("Landskapsfullmäktige godkände"), "{text}");
    assert!(eml.contains("Content-Type: multipart/alternative"), "{eml}");
    let text_at = eml.find("Content-Type: text/plain").unwrap();
    let html_at = eml.find("Content-Type: text/html").unwrap();
    assert!(text_at < html_at, "the text part comes first");
    assert!(
        eml.contains("Subject: =?utf-8?"),
        "a UTF-8 subject is encoded: {eml}"
    );
    // The picture shows from the preview folder, before the release is on
    // the live site; the message keeps the live address.
    assert!(
        html.contains("src=\"assets/kaislalahti-shore.png\""),
        "{html}"
    );
    assert!(!html.contains("https://tiedotteet.kaislamaa.example.org/assets/"));
    assert!(out.path().join("assets/kaislalahti-shore.png").is_file());
    assert!(eml.contains("/assets/kaislalahti-shore.png"));
}

#[test]
fn preview_of_an_unknown_release_says_what_to_give() {
    let root = crate::common::sample_root();
    let o = pressroom(&["--root", root.to_str().unwrap(), "preview", "no-such-thing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no release 'no-such-thing'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn deep_nesting_is_refused_with_its_line_before_any_parser_sees_it() {
    let head = "---\ntitle: Syvä\ndate: 2026-11-01 09:00\nsummary: Lyhyt.\n";
    let cases = [
        (
            format!("{head}keywords: {}\n---\nTeksti.\n", "[".repeat(100_000)),
            ":5:",
            "brackets",
        ),
        (
            format!("{head}---\nTeksti.\n\n{}\n", ">".repeat(100_000)),
            ":8:",
            "quotes or lists",
        ),
        (
            format!("{head}---\n{}\n", "<div>".repeat(100_000)),
            ":6:",
            "raw HTML",
        ),
    ];
    for (text, line, what) in cases {
        let dir = temp_pressroom(&[("2026-11-01-deep.fi.md", &text)]);
        let o = pressroom(&["--root", dir.path().to_str().unwrap(), "check"]);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("2026-11-01-deep.fi.md{line}")) && err.contains(what),
            "{what}: {err}"
        );
    }
}

#[test]
fn check_warns_when_dkim_does_not_align_with_from() {
    let good = "---\ntitle: A\ndate: 2026-11-20\n---\nBody\n";
    let dir = temp_pressroom(&[("2026-11-20-a.fi.md", good)]);
    let root = dir.path().to_str().unwrap();
    let config = dir.path().join("pressroom.toml");
    let base = std::fs::read_to_string(&config).unwrap();
    for (domain, warns) in [("mail.example.org", false), ("example.com", true)] {
        std::fs::write(
            &config,
            format!("{base}\n[delivery.dkim]\nselector = \"s\"\ndomain = \"{domain}\"\nkey_file = \"k.pem\"\n"),
        )
        .unwrap();
        let o = pressroom(&["--root", root, "check"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let line = base.lines().count() + 4;
        assert_eq!(
            stderr(&o).contains(&format!(
                "pressroom.toml:{line}:1: warning: DKIM signs for 'example.com' but the mail is From 'example.org'"
            )),
            warns,
            "{domain}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_missing_language_is_reported_where_its_table_is() {
    // The lists come first, so the file's first `title =` belongs to a list.
    let config = crate::common::CONFIG.replace("en = \"Press releases\"\n", "");
    let (head, lists) = config.split_at(config.find("[lists.media]").unwrap());
    let text = format!("{lists}\n{head}");
    let err = pressroom::config::Config::parse(
        std::path::Path::new("/nowhere"),
        std::path::Path::new("pressroom.toml"),
        &text,
    )
    .unwrap_err()
    .to_string();
    let table = text.lines().position(|l| l == "[site.title]").unwrap() + 1;
    let first = text
        .lines()
        .position(|l| l.starts_with("fi = \"Tiedotteet\""))
        .unwrap()
        + 1;
    assert!(
        (table..=first).any(|line| err.contains(&format!("pressroom.toml:{line}:")))
            && err.contains("'site.title' has no text for language 'en'"),
        "lines {table}-{first}: {err}"
    );
}

#[test]
fn colours_under_wcag_contrast_are_refused_and_missing_legal_pages_are_warned() {
    let dir = temp_pressroom(&[]);
    let root = dir.path().to_str().unwrap();
    let toml = dir.path().join("pressroom.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{text}\n[site.colors]\nprimary = \"#4da3ff\"\ntext_on_primary = \"#ffffff\"\n"),
    )
    .unwrap();
    let o = pressroom(&["--root", root, "check"]);
    assert_eq!(o.status.code(), Some(1));
    let line = text.lines().count() + 2;
    let err = stderr(&o);
    assert!(err.contains(&format!("pressroom.toml:{line}:")), "{err}");
    assert!(
        err.contains("contrast of") && err.contains("4.5:1"),
        "{err}"
    );

    std::fs::write(&toml, &text).unwrap();
    let o = pressroom(&["--root", root, "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        all.contains("warning: no accessibility statement in 'fi'"),
        "{all}"
    );
    // A statement page for the language silences it.
    std::fs::create_dir(dir.path().join("pages")).unwrap();
    std::fs::write(
        dir.path().join("pages/accessibility.fi.md"),
        "---\ntitle: Saavutettavuusseloste\n---\nSivusto täyttää vaatimukset.\n",
    )
    .unwrap();
    let o = pressroom(&["--root", root, "check"]);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(!all.contains("no accessibility statement in 'fi'"), "{all}");
    // A page with a broken front matter is an error with its file and line.
    std::fs::write(
        dir.path().join("pages/contacts.fi.md"),
        "---\ntitel: Yhteystiedot\n---\n",
    )
    .unwrap();
    let o = pressroom(&["--root", root, "check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("pages/contacts.fi.md:2:"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn init_writes_a_pressroom_that_check_accepts_and_build_builds_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kunta");
    let d = dir.to_str().unwrap();
    let o = pressroom(&["init", d, "--lang", "fi,sv", "--name", "Testilän kunta"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let said = stdout(&o);
    assert!(
        said.contains("pressroom.toml") && said.contains("pressroom check"),
        "{said}"
    );
    let toml = std::fs::read_to_string(dir.join("pressroom.toml")).unwrap();
    assert!(toml.contains("name = \"Testilän kunta\""), "{toml}");
    assert!(toml.contains("timezone = \"Europe/Helsinki\""), "{toml}");
    // Every section of the configuration is there, set or commented.
    for section in [
        "[site]",
        "[site.colors]",
        "[site.logo]",
        "[organization]",
        "[organization.privacy_url]",
        "[lists.media]",
        "[serve]",
        "[subscribers]",
        "[delivery]",
        "[delivery.dkim]",
        "[bounces]",
    ] {
        assert!(toml.contains(section), "{section}");
    }
    let ignored = std::fs::read_to_string(dir.join("subscribers/.gitignore")).unwrap();
    assert!(ignored.contains("*.db") && ignored.contains(".secret"));
    let ignored = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    for want in ["/public/", "/outbox/", "/preview/"] {
        assert!(ignored.contains(want), "{want}");
    }
    // A first release in each language, versions of each other, drafts.
    let releases: Vec<String> = std::fs::read_dir(dir.join("releases"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    assert_eq!(releases.len(), 2, "{releases:?}");
    assert!(
        releases
            .iter()
            .any(|n| n.ends_with("ensimmainen-tiedote.fi.md")),
        "{releases:?}"
    );

    let o = pressroom(&["--root", d, "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = pressroom(&["--root", d, "build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.join("public/fi/index.html").is_file());
    assert!(dir.join("public/sv/index.html").is_file());

    // A second init refuses and changes nothing.
    std::fs::write(dir.join("pressroom.toml"), "# mine\n").unwrap();
    let o = pressroom(&["init", d]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("never overwrites"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("pressroom.toml")).unwrap(),
        "# mine\n"
    );
    assert!(
        !dir.join("releases").read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".en.md"))
    );
}

/// A footer link or the organisation's website that is not a web address
/// (`javascript:`, `data:`) is refused with its line; a path on the site,
/// `mailto:` and `tel:` are fine.
#[test]
fn script_addresses_in_the_configuration_are_refused() {
    let parse = |text: &str| {
        pressroom::config::Config::parse(
            std::path::Path::new("/nowhere"),
            std::path::Path::new("pressroom.toml"),
            text,
        )
        .map_err(|e| e.to_string())
    };
    let footer = |url: &str| {
        format!(
            "{}\n[[site.footer_links.fi]]\ntitle = \"Linkki\"\nurl = \"{url}\"\n",
            crate::common::CONFIG
        )
    };
    for good in [
        "https://example.org/a",
        "/fi/mediayhteydet/",
        "mailto:a@example.org",
        "tel:+35820000",
    ] {
        assert!(parse(&footer(good)).is_ok(), "{good}");
    }
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "//evil.example/",
    ] {
        let err = parse(&footer(bad)).expect_err(bad);
        assert!(
            err.contains("site.footer_links.fi") && err.contains("is not a web address"),
            "{bad}: {err}"
        );
    }
    let text = crate::common::CONFIG.replace(
        "website = \"https://example.org/\"",
        "website = \"javascript:alert(1)\"",
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("website ="))
        .unwrap()
        + 1;
    let err = parse(&text).unwrap_err();
    assert!(
        err.contains(&format!("pressroom.toml:{line}:")) && err.contains("organization.website"),
        "{err}"
    );
}

/// The preview is the message: email.txt and email.html are the parts of
/// message.eml, and a list kept by the staff reads "on our distribution
/// list" while one people subscribe to reads "you subscribed".
#[test]
fn the_preview_is_the_message_each_list_gets() {
    let root = crate::common::sample_root();
    let r = root.to_str().unwrap();
    for (list, reason) in [
        ("media", "koska olet tiedotteidemme jakelulistalla"),
        ("citizens", "koska olet tilannut tiedotteemme"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let o = pressroom(&[
            "--root",
            r,
            "preview",
            "regional-strategy-2040",
            "--list",
            list,
            "--out",
            out.path().to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!("the list '{list}'")),
            "{}",
            stdout(&o)
        );
        let text = std::fs::read_to_string(out.path().join("email.txt")).unwrap();
        let html = std::fs::read_to_string(out.path().join("email.html")).unwrap();
        assert!(text.contains(reason), "{list}: {text}");
        assert!(html.contains(reason), "{list}");
        // The text file is the message's text part, decoded.
        let eml = std::fs::read(out.path().join("message.eml")).unwrap();
        let message = mailparse::parse_mail(&eml).unwrap();
        let part = |mime: &str| {
            message
                .subparts
                .iter()
                .find(|p| p.ctype.mimetype == mime)
                .unwrap()
                .get_body()
                .unwrap()
                .replace("\r\n", "\n")
        };
        assert_eq!(part("text/plain").trim_end(), text.trim_end(), "{list}");
        assert!(part("text/html").contains(reason), "{list}");
    }
    let o = pressroom(&[
        "--root",
        r,
        "preview",
        "regional-strategy-2040",
        "--list",
        "medai",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("media"), "{}", stderr(&o));
}
