//! Front matter parsing and validation: a table of valid and invalid
//! releases; every invalid one names the line, column and problem.

use std::path::Path;

use pressroom::release::{self, Release};

fn parse(name: &str, text: &str) -> Result<Release, Vec<String>> {
    let config = crate::common::config();
    let exists = |p: &str| p == "assets/photo.jpg" || p == "assets/report.pdf";
    release::parse(Path::new(name), name, text, &config, &exists)
        .map_err(|ds| ds.into_iter().map(|d| d.to_string()).collect())
}

const GOOD: &str = "---
title: Uusi bussilinja
date: 2026-11-20 09:00
summary: Lyhyt johdanto.
tags: [liikenne, Ympäristö & ilmasto]
lists: [media]
contacts:
  - name: Anna Virtanen
    role: tiedottaja
    phone: \"+358 40 123 4567\"
    email: anna@example.org
image:
  src: assets/photo.jpg
  alt: Bussi pysäkillä.
attachments:
  - title: Aikataulu
    src: assets/report.pdf
---
Leipäteksti ja [liite](assets/report.pdf).
";

#[test]
fn a_complete_release_parses_with_every_field() {
    let r = parse("2026-11-20-bus.fi.md", GOOD).expect("valid");
    assert_eq!(r.title, "Uusi bussilinja");
    assert_eq!(r.lang.as_str(), "fi");
    assert_eq!(r.slug.as_str(), "bus");
    assert_eq!(r.publication.date.to_rfc3339(), "2026-11-20T07:00:00+00:00");
    assert_eq!(r.tags[1].slug.as_str(), "ymparisto-ilmasto");
    assert_eq!(r.lists, vec!["media"]);
    assert_eq!(
        r.material.contacts[0].phone_uri().as_deref(),
        Some("tel:+358401234567")
    );
    assert_eq!(r.material.image.as_ref().unwrap().alt, "Bussi pysäkillä.");
    assert_eq!(r.material.attachments[0].src, "assets/report.pdf");
    assert!(r.publication.web && r.publication.email && !r.publication.draft);
    assert_eq!(r.source.body_line, 19);
}

#[test]
fn valid_variants_parse() {
    let cases = [
        (
            "rfc 3339 date",
            "2026-11-20-a.fi.md",
            "---\ntitle: A\ndate: 2026-11-20T09:00:00+02:00\n---\nx\n",
        ),
        (
            "lang from front matter",
            "2026-11-20-a.md",
            "---\ntitle: A\ndate: 2026-11-20 09:00\nlang: sv\n---\nx\n",
        ),
        (
            "explicit slug",
            "2026-11-20-a.fi.md",
            "---\ntitle: A\ndate: 2026-11-20\nslug: other-slug\n---\n",
        ),
        (
            "tags as text",
            "2026-11-20-a.fi.md",
            "---\ntitle: A\ndate: 2026-11-20\ntags: a, b\n---\n",
        ),
        (
            "email only",
            "2026-11-20-a.fi.md",
            "---\ntitle: A\ndate: 2026-11-20\nweb: false\n---\n",
        ),
        (
            "windows line ends",
            "2026-11-20-a.fi.md",
            "---\r\ntitle: A\r\ndate: 2026-11-20\r\n---\r\nx\r\n",
        ),
        (
            "byte order mark",
            "2026-11-20-a.fi.md",
            "\u{feff}---\ntitle: A\ndate: 2026-11-20\n---\n",
        ),
    ];
    for (what, name, text) in cases {
        assert!(
            parse(name, text).is_ok(),
            "{what}: {:?}",
            parse(name, text).err()
        );
    }
}

#[test]
// A scenario told from start to end: one test, read top to bottom.
#[allow(clippy::too_many_lines)]
fn each_invalid_release_is_reported_at_its_line_and_column() {
    let f = "2026-11-20-a.fi.md";
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "unknown field",
            f,
            "---\ntitle: A\ndate: 2026-11-20\ntittle: B\n---\n",
            "2026-11-20-a.fi.md:4:1: error: unknown field 'tittle' (did you mean 'title'?)",
        ),
        (
            "missing title",
            f,
            "---\ndate: 2026-11-20\n---\n",
            "2026-11-20-a.fi.md:1:1: error: missing required field 'title'",
        ),
        (
            "missing date",
            f,
            "---\ntitle: A\n---\n",
            "2026-11-20-a.fi.md:1:1: error: missing required field 'date'",
        ),
        (
            "bad date",
            f,
            "---\ntitle: A\ndate: next tuesday\n---\n",
            "2026-11-20-a.fi.md:3:1: error: bad 'date': 'next tuesday' is not a date",
        ),
        (
            "date in the spring-forward gap",
            f,
            "---\ntitle: A\ndate: 2026-03-29 03:30\n---\n",
            "2026-11-20-a.fi.md:3:1: error: bad 'date': '2026-03-29 03:30' does not exist in Europe/Helsinki",
        ),
        (
            "unknown language",
            "2026-11-20-a.md",
            "---\ntitle: A\ndate: 2026-11-20\nlang: de\n---\n",
            "2026-11-20-a.md:4:1: error: language 'de' is not one of the site's languages (fi, sv, en)",
        ),
        (
            "language contradicts file name",
            f,
            "---\ntitle: A\ndate: 2026-11-20\nlang: sv\n---\n",
            "2026-11-20-a.fi.md:4:1: error: 'lang: sv' contradicts the file name, which says 'fi'",
        ),
        (
            "image without alt",
            f,
            "---\ntitle: A\ndate: 2026-11-20\nimage:\n  src: assets/photo.jpg\n---\n",
            "2026-11-20-a.fi.md:4:1: error: image has no 'alt' text",
        ),
        (
            "image file missing",
            f,
            "---\ntitle: A\ndate: 2026-11-20\nimage:\n  src: assets/nope.jpg\n  alt: X\n---\n",
            "2026-11-20-a.fi.md:5:3: error: image file 'releases/assets/nope.jpg' does not exist",
        ),
        (
            "attachment missing",
            f,
            "---\ntitle: A\ndate: 2026-11-20\nattachments:\n  - title: R\n    src: assets/gone.pdf\n---\n",
            "2026-11-20-a.fi.md:6:5: error: attachment file 'releases/assets/gone.pdf' does not exist",
        ),
        (
            "an attachment outside the pressroom",
            f,
            "---\ntitle: A\ndate: 2026-11-20\nattachments:\n  - title: R\n    src: ../subscribers/media.csv\n---\n",
            "2026-11-20-a.fi.md:6:5: error: attachment file 'releases/../subscribers/media.csv' points outside releases/",
        ),
        (
            "typo in a contact",
            f,
            "---\ntitle: A\ndate: 2026-11-20\ncontacts:\n  - name: A\n    phnoe: 1\n---\n",
            "2026-11-20-a.fi.md:6:5: error: in 'contacts[0]': unknown field 'phnoe' (did you mean 'phone'?)",
        ),
        (
            "broken body link",
            f,
            "---\ntitle: A\ndate: 2026-11-20\n---\nText\n\nSee [x](assets/missing.pdf).\n",
            "2026-11-20-a.fi.md:7:5: error: link to 'releases/assets/missing.pdf', which does not exist",
        ),
        (
            "unknown list",
            f,
            "---\ntitle: A\ndate: 2026-11-20\nlists: [meda]\n---\n",
            "2026-11-20-a.fi.md:4:1: error: unknown list 'meda' (did you mean 'media'?)",
        ),
        (
            "not yaml",
            f,
            "---\ntitle: [unclosed\ndate: x\n---\n",
            "2026-11-20-a.fi.md:",
        ),
        (
            "draft not boolean",
            f,
            "---\ntitle: A\ndate: 2026-11-20\ndraft: maybe\n---\n",
            "2026-11-20-a.fi.md:4:1: error: field 'draft' must be true or false",
        ),
        (
            "bad slug",
            f,
            "---\ntitle: A\ndate: 2026-11-20\nslug: Big News\n---\n",
            "2026-11-20-a.fi.md:4:1: error: 'Big News' is not a valid slug",
        ),
        (
            "no front matter",
            f,
            "Just text\n",
            "2026-11-20-a.fi.md:1:1: error: no front matter",
        ),
        (
            "file name without date",
            "bus.fi.md",
            "---\ntitle: A\ndate: 2026-11-20\n---\n",
            "bus.fi.md:1:1: error: 'bus.fi.md' does not start with a date",
        ),
    ];
    for (what, name, text, expected) in cases {
        let errors = parse(name, text).expect_err(what);
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{what}: expected an error starting with\n  {expected}\ngot\n  {}",
            errors.join("\n  ")
        );
    }
}

#[test]
fn all_problems_in_one_file_are_reported_together() {
    let text = "---\ntittle: A\ndate: soon\nlang: xx\nimage:\n  src: assets/photo.jpg\n---\n";
    let errors = parse("2026-11-20-a.md", text).unwrap_err();
    assert!(errors.len() >= 4, "{errors:#?}");
}

#[test]
fn no_input_makes_the_parser_panic() {
    // Every prefix of a full release, and every single-byte corruption of it.
    for end in 0..=GOOD.len() {
        if let Some(prefix) = GOOD.get(..end) {
            let _ = parse("2026-11-20-bus.fi.md", prefix);
        }
    }
    let bytes = GOOD.as_bytes();
    for i in 0..bytes.len() {
        for b in [b'\n', b' ', b'-', b':', b'"', b'[', b'{', b'#', b'\t', b'|'] {
            let mut v = bytes.to_vec();
            v[i] = b;
            if let Ok(s) = String::from_utf8(v) {
                let _ = parse("2026-11-20-bus.fi.md", &s);
            }
        }
    }
}

#[test]
fn line_breaks_in_one_line_fields_are_errors_with_their_line() {
    let cases = [
        (
            "title: Uusi bussilinja",
            "title: \"Uusi\\r\\nBcc: x@example.org\"",
            ":2:",
            "title",
        ),
        (
            "    role: tiedottaja",
            "    role: \"tiedot-\\ntaja\"",
            ":7:",
            "contacts",
        ),
        (
            "  alt: Bussi pysäkillä.",
            "  alt: \"Bussi\\u0000pysäkillä.\"",
            ":12:",
            "image",
        ),
    ];
    for (from, to, line, key) in cases {
        let text = GOOD.replacen(from, to, 1);
        assert_ne!(text, GOOD);
        let errs = parse("2026-11-20-bus.fi.md", &text).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.contains(line) && e.contains(&format!("field '{key}' must be one line"))),
            "{key}: {errs:?}"
        );
    }
    // The lead may run over several lines; a block scalar's last break is fine.
    let text = GOOD.replacen(
        "summary: Lyhyt johdanto.",
        "summary: |\n  Rivi yksi.\n  Rivi kaksi.",
        1,
    );
    assert!(parse("2026-11-20-bus.fi.md", &text).is_ok());
    let text = GOOD.replacen("title: Uusi bussilinja", "title: >\n  Uusi bussilinja", 1);
    assert!(parse("2026-11-20-bus.fi.md", &text).is_ok());
}

/// What makes the site grow faster than the file is refused with the
/// field's line: too many keywords, a keyword too long, a table too wide;
/// and many unknown fields are counted, not reported one by one.
#[test]
fn limits_keep_the_site_linear_in_the_release() {
    let tags: Vec<String> = (0..3000).map(|i| format!("tag{i}")).collect();
    let text = format!(
        "---\ntitle: A\ndate: 2026-11-20 09:00\ntags: [{}]\n---\nText.\n",
        tags.join(", ")
    );
    let errs = parse("2026-11-20-a.fi.md", &text).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.contains(":4:1:") && e.contains("3000 keywords; a release has at most 30")),
        "{errs:?}"
    );
    let long = "x".repeat(500);
    let text = format!("---\ntitle: A\ndate: 2026-11-20 09:00\ntags: [{long}]\n---\nText.\n");
    let errs = parse("2026-11-20-a.fi.md", &text).unwrap_err();
    assert!(
        errs.iter().any(|e| e.contains("is 500 characters long")),
        "{errs:?}"
    );

    let header = format!("|{}\n|{}\n", "a|".repeat(400), "-|".repeat(400));
    let text = format!("---\ntitle: A\ndate: 2026-11-20 09:00\n---\nText.\n\n{header}");
    let errs = parse("2026-11-20-a.fi.md", &text).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.contains(":7:1:") && e.contains("a table of 400 columns")),
        "{errs:?}"
    );

    let keys: String = (0..50_000).map(|i| format!("k{i}: v\n")).collect();
    let text = format!("---\ntitle: A\ndate: 2026-11-20 09:00\n{keys}---\nText.\n");
    let errs = parse("2026-11-20-a.fi.md", &text).unwrap_err();
    assert!(errs.len() < 30, "{} messages", errs.len());
    assert!(
        errs.iter()
            .any(|e| e.contains(":4:1:") && e.contains("'k0'")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("50000 fields that a release does not have")),
        "{errs:?}"
    );
}
