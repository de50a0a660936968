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
    /// The organisation's "About" text that ends every item, as on the page.
    pub about: About,
    /// The channel's `<image>`: the logo, when it is a PNG, JPEG or GIF
    /// (what RSS 2.0 allows).
    pub image: Option<ChannelImage>,
}

/// The "About" block: its heading ("Kaislamaan liitto lyhyesti") and text.
#[derive(Debug, Clone, Default)]
pub struct About {
    pub heading: String,
    pub html: super::Html,
}

/// A channel's `<image>` (its title and link are the channel's, as RSS
/// readers expect).
#[derive(Debug, Clone)]
pub struct ChannelImage {
    /// Absolute URL of the picture.
    pub url: String,
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

/// An item's `content:encoded`: the release as its page shows it, with
/// absolute links. The correction, the lead, the picture with its caption
/// and credit, the text, the attachments, the contact people and the
/// organisation's "About" text.
pub fn item_content(v: &ReleaseView, about: &About) -> String {
    let mut content = String::new();
    let when = v.updated.as_ref().map(|u| u.text.as_str()).unwrap_or("");
    if let Some(c) = &v.correction {
        content.push_str(&format!(
            "<p><strong>{} {}:</strong> {}</p>\n",
            escape_attr(v.t.correction),
            escape_attr(when),
            escape_attr(c)
        ));
    }
    if v.has_summary && !v.lead.is_empty() {
        content.push_str(&format!(
            "<p><strong>{}</strong></p>\n",
            escape_attr(&v.lead)
        ));
    }
    if let Some(img) = &v.image_abs {
        content.push_str(&format!(
            "<figure><img src=\"{}\" alt=\"{}\">",
            escape_attr(&img.src),
            escape_attr(&img.alt)
        ));
        let caption: Vec<&str> = img
            .caption
            .iter()
            .chain(img.credit.iter())
            .map(String::as_str)
            .collect();
        if !caption.is_empty() {
            content.push_str(&format!(
                "<figcaption>{}</figcaption>",
                escape_attr(&caption.join(" "))
            ));
        }
        content.push_str("</figure>\n");
    }
    content.push_str(v.body_abs.as_str());
    if !v.attachments.is_empty() {
        content.push_str(&format!(
            "<h2>{}</h2>\n<ul>\n",
            escape_attr(v.t.attachments)
        ));
        for a in &v.attachments {
            content.push_str(&format!(
                "<li><a href=\"{}\">{}</a> ({})</li>\n",
                escape_attr(&a.href),
                escape_attr(&a.title),
                escape_attr(&a.meta)
            ));
        }
        content.push_str("</ul>\n");
    }
    if !v.contacts.is_empty() {
        content.push_str(&format!("<h2>{}</h2>\n<ul>\n", escape_attr(v.t.contacts)));
        for c in &v.contacts {
            content.push_str(&format!("<li><strong>{}</strong>", escape_attr(&c.name)));
            if let Some(role) = &c.role {
                content.push_str(&format!(", {}", escape_attr(role)));
            }
            if let Some(p) = &c.phone {
                content.push_str(&format!(
                    "<br>{} <a href=\"{}\">{}</a>",
                    escape_attr(v.t.phone),
                    escape_attr(&p.uri),
                    escape_attr(&p.text)
                ));
            }
            if let Some(e) = &c.email {
                content.push_str(&format!(
                    "<br><a href=\"mailto:{0}\">{0}</a>",
                    escape_attr(e)
                ));
            }
            content.push_str("</li>\n");
        }
        content.push_str("</ul>\n");
    }
    if !about.heading.is_empty() {
        content.push_str(&format!(
            "<h2>{}</h2>\n{}",
            escape_attr(&about.heading),
            about.html.as_str()
        ));
    }
    content
}

/// The item of one release: its page's content (see [`item_content`]),
/// the lead as plain text, keywords, the picture as an enclosure and as
/// `media:content`, and when it was updated.
fn item(host: &str, v: &ReleaseView, about: &About) -> rss::Item {
    let content = item_content(v, about);
    let when = v.updated.as_ref().map(|u| u.text.as_str()).unwrap_or("");
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
    if let Some(img) = &v.image_abs {
        extensions
            .entry("media".to_string())
            .or_default()
            .insert("content".to_string(), vec![media_content(img)]);
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
        .map(|v| item(&host, v, &spec.about))
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
    namespaces.insert("media".to_string(), MEDIA_RSS.to_string());
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
        .image(spec.image.as_ref().map(|i| {
            rss::ImageBuilder::default()
                .url(i.url.clone())
                .title(spec.title.clone())
                .link(spec.link.clone())
                .build()
        }))
        .items(items)
        .build();
    channel.to_string()
}

/// The Media RSS namespace (feed readers take an item's picture from it).
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";

/// `<media:content>` of an item's picture: its address, kind and size.
fn media_content(img: &super::ImageView) -> rss::extension::Extension {
    let mut attrs = BTreeMap::new();
    attrs.insert("url".to_string(), img.src.clone());
    attrs.insert("medium".to_string(), "image".to_string());
    attrs.insert(
        "type".to_string(),
        mime_guess::from_path(&img.src)
            .first_or_octet_stream()
            .to_string(),
    );
    if let Some(size) = &img.size {
        attrs.insert("width".to_string(), size.width.to_string());
        attrs.insert("height".to_string(), size.height.to_string());
    }
    rss::extension::ExtensionBuilder::default()
        .name("media:content".to_string())
        .attrs(attrs)
        .build()
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
