//! Snapshot tests of rendered output: a release page, a feed and both parts
//! of an email, from the sample pressroom at a fixed clock.

use std::collections::BTreeMap;
use std::io;
use std::sync::Mutex;

use pressroom::content::Content;
use pressroom::i18n::Lang;
use pressroom::render::{email, site};

struct Memory(Mutex<BTreeMap<String, String>>);

impl site::Output for Memory {
    fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let text = String::from_utf8(bytes.to_vec()).map_err(io::Error::other)?;
        self.0.lock().unwrap().insert(rel.to_string(), text);
        Ok(())
    }
}

fn sample_site() -> BTreeMap<String, String> {
    let content = Content::load(&crate::common::sample_root()).expect("sample loads");
    let now = pressroom::time::parse_now(crate::common::NOW).unwrap();
    let out = Memory(Mutex::new(BTreeMap::new()));
    site::render(&content, now, &out, None).expect("renders");
    out.0.into_inner().unwrap()
}

#[test]
fn release_page() {
    let site = sample_site();
    insta::assert_snapshot!(site["fi/regional-strategy-2040/index.html"]);
}

#[test]
fn language_feed() {
    let site = sample_site();
    insta::assert_snapshot!(site["sv/feed.xml"]);
}

#[test]
fn email_parts() {
    let content = Content::load(&crate::common::sample_root()).expect("sample loads");
    let r = content
        .find("regional-strategy-2040", Some(&Lang::parse("en").unwrap()))
        .unwrap();
    let e = email::render(r, &content.config, &Default::default()).unwrap();
    assert!(e.html.contains(email::UNSUBSCRIBE_PLACEHOLDER));
    assert!(e.text.contains(email::UNSUBSCRIBE_PLACEHOLDER));
    insta::assert_snapshot!("email_html", e.html);
    insta::assert_snapshot!("email_text", e.text);
}

#[test]
fn the_stylesheet_is_inlined_and_only_the_dark_mode_rules_stay_in_a_style_block() {
    let content = Content::load(&crate::common::sample_root()).expect("sample loads");
    let r = content.find("rail-connection-study", None).unwrap();
    let e = email::render(r, &content.config, &Default::default()).unwrap();
    // Outside Outlook's conditional comments, one style block is left: the
    // rules for a dark screen, which no style attribute can hold.
    let mut html = e.html.clone();
    while let (Some(a), Some(b)) = (html.find("<!--"), html.find("-->")) {
        html.replace_range(a..b + 3, "");
    }
    let blocks: Vec<&str> = html
        .split("<style>")
        .skip(1)
        .map(|b| b.split("</style>").next().unwrap().trim())
        .collect();
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    assert!(
        blocks[0].starts_with("@media (prefers-color-scheme: dark)"),
        "{}",
        blocks[0]
    );
    let container = e
        .html
        .split("<table class=\"container\"")
        .nth(1)
        .and_then(|r| r.split('>').next())
        .unwrap();
    assert!(
        container.contains("style=\"width: 100%;max-width: 600px;")
            && container.contains("lang=\"fi\""),
        "{container}"
    );
}

#[test]
fn an_email_only_release_has_no_view_in_browser_link_and_the_preheader_has_no_colour() {
    let content = Content::load(&crate::common::sample_root()).unwrap();
    let only_email = content.find("november-newsletter", None).unwrap();
    assert!(!only_email.publication.web);
    let e = email::render(only_email, &content.config, &Default::default()).unwrap();
    assert_eq!(e.web_url, None);
    for part in [&e.html, &e.text] {
        assert!(!part.contains("Avaa selaimessa"), "{part}");
        assert!(!part.contains("november-newsletter/"), "{part}");
    }
    let on_web = content.find("rail-connection-study", None).unwrap();
    let e = email::render(on_web, &content.config, &Default::default()).unwrap();
    assert!(e.html.contains("Avaa selaimessa") && e.text.contains("Avaa selaimessa"));
    // SpamAssassin's HTML_FONT_LOW_CONTRAST: hidden text in the
    // background's colour.
    let preheader = e.html.split("class=\"preheader\"").nth(1).unwrap();
    let style = preheader.split('>').next().unwrap();
    assert!(!style.contains("color"), "{style}");
}

/// No text part has a signature separator (`-- ` alone on a line): mail
/// clients grey out or cut what follows it, and the unsubscribe and
/// privacy links come after the organisation's block.
#[test]
fn text_parts_have_no_signature_separator() {
    let content = Content::load(&crate::common::sample_root()).expect("sample loads");
    for r in content.releases.iter().filter(|r| r.publication.email) {
        let e = email::render(r, &content.config, &Default::default()).unwrap();
        for text in [&e.text, &e.text_curated] {
            assert!(
                !text.lines().any(|l| l == "-- "),
                "{}: {text}",
                r.source.path.display()
            );
        }
    }
    for lang in &content.config.site.languages {
        let parts = pressroom::http::mail::confirmation_parts(
            &content.config,
            lang,
            "https://example.org/confirm/x",
        )
        .unwrap();
        assert!(
            !parts.text.lines().any(|l| l == "-- "),
            "{lang}: {}",
            parts.text
        );
    }
}
