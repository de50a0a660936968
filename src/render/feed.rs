//! RSS 2.0 feeds (per language and per keyword), built with the `rss` crate:
//! `atom:link rel="self"`, full bodies in `content:encoded` with absolute URLs,
//! `guid`s that survive rebuilds and edits.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rss::extension::atom::{AtomExtension, Link};
use rss::{CategoryBuilder, ChannelBuilder, EnclosureBuilder, GuidBuilder, ItemBuilder};

use super::ReleaseView;
use crate::i18n::Lang;

/// What a feed's channel says about itself.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    pub title: String,
    /// The HTML page the feed belongs to.
    pub link: String,
    pub description: String,
    /// The feed's own URL (`atom:link rel="self"`).
    pub self_url: String,
    pub lang: Lang,
    /// Most items in the feed.
    pub cap: usize,
    /// The build time (`lastBuildDate`).
    pub now: DateTime<Utc>,
}

/// A `guid` that identifies the release, not its URL or text: the host, the
/// date in the file name, the language and the slug (an RFC 4151 tag URI).
pub fn guid(host: &str, v: &ReleaseView) -> String {
    format!(
        "tag:{host},{}:{}",
        v.file_date.format("%Y-%m-%d"),
        v.rel_path.trim_end_matches('/')
    )
}

/// When the channel's content last changed: the newest publication or
/// update among its items (so a rebuild that changes nothing leaves the
/// feed's bytes alone); none for an empty feed.
fn last_change(spec: &FeedSpec, views: &[&ReleaseView]) -> Option<DateTime<Utc>> {
    views
        .iter()
        .take(spec.cap)
        .flat_map(|v| {
            let updated = v
                .updated
                .as_ref()
                .and_then(|u| DateTime::parse_from_rfc3339(&u.iso).ok())
                .map(|d| d.with_timezone(&Utc));
            std::iter::once(v.date).chain(updated)
        })
        .max()
}

/// The item of one release: its page's content (the correction first, as
/// on the page), the lead as plain text, keywords, the picture as an
/// enclosure, and when it was updated.
fn item(host: &str, v: &ReleaseView) -> rss::Item {
    let mut content = String::new();
    if let Some(img) = &v.image_abs {
        content.push_str(&format!(
            "<p><img src=\"{}\" alt=\"{}\"></p>\n",
            escape_attr(&img.src),
            escape_attr(&img.alt)
        ));
    }
    // A correction comes first, as on the page.
    let when = v.updated.as_ref().map(|u| u.text.as_str()).unwrap_or("");
    if let Some(c) = &v.correction {
        content.push_str(&format!(
            "<p><strong>{} {}:</strong> {}</p>\n",
            escape_attr(v.t.correction),
            escape_attr(when),
            escape_attr(c)
        ));
    }
    content.push_str(v.body_abs.as_str());
    // Plain text, in a CDATA section that readers take as HTML:
    // escaped, so that markup in a lead stays text.
    let description = escape_attr(&match &v.correction {
        Some(c) => format!("{} {when}: {c} {}", v.t.correction, v.lead),
        None => v.lead.clone(),
    });
    // pubDate stays the publication time; a release updated since
    // says when in atom:updated (RFC 3339), which feed readers show
    // as the item's update.
    let mut extensions = rss::extension::ExtensionMap::default();
    if let Some(u) = &v.updated {
        let updated = rss::extension::ExtensionBuilder::default()
            .name("atom:updated".to_string())
            .value(Some(u.iso.clone()))
            .build();
        extensions
            .entry("atom".to_string())
            .or_default()
            .insert("updated".to_string(), vec![updated]);
    }
    let enclosure = v.image_abs.as_ref().map(|img| {
        EnclosureBuilder::default()
            .url(img.original.clone())
            .length(v.image_bytes.to_string())
            .mime_type(
                mime_guess::from_path(&img.original)
                    .first_or_octet_stream()
                    .to_string(),
            )
            .build()
    });
    ItemBuilder::default()
        .title(Some(v.title.clone()))
        .link(Some(v.url.clone()))
        .description(Some(description))
        .extensions(extensions)
        .content(Some(content))
        .guid(Some(
            GuidBuilder::default()
                .value(guid(host, v))
                .permalink(false)
                .build(),
        ))
        .pub_date(Some(v.date.to_rfc2822()))
        .categories(
            v.tags
                .iter()
                .map(|t| CategoryBuilder::default().name(t.name.clone()).build())
                .collect::<Vec<_>>(),
        )
        .enclosure(enclosure)
        .build()
}

/// Renders a feed of `views` (already newest first); at most `spec.cap` items.
pub fn render(spec: &FeedSpec, views: &[&ReleaseView]) -> String {
    let host = url::Url::parse(&spec.link)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default();
    let items = views
        .iter()
        .take(spec.cap)
        .map(|v| item(&host, v))
        .collect::<Vec<_>>();
    let mut namespaces = BTreeMap::new();
    namespaces.insert(
        "atom".to_string(),
        rss::extension::atom::NAMESPACE.to_string(),
    );
    namespaces.insert(
        "content".to_string(),
        "http://purl.org/rss/1.0/modules/content/".to_string(),
    );
    let channel = ChannelBuilder::default()
        .title(spec.title.clone())
        .link(spec.link.clone())
        .description(spec.description.clone())
        .language(Some(spec.lang.to_string()))
        .last_build_date(last_change(spec, views).map(|d| d.to_rfc2822()))
        .generator(Some("pressroom".to_string()))
        .namespaces(namespaces)
        .atom_ext(Some(AtomExtension {
            links: vec![Link {
                href: spec.self_url.clone(),
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Default::default()
            }],
        }))
        .items(items)
        .build();
    channel.to_string()
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
