//! RSS 2.0 feeds (per language and per keyword), built with the `rss` crate:
//! `atom:link rel="self"`, full bodies in `content:encoded` with absolute URLs,
//! `guid`s that survive rebuilds and edits.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::io;

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

/// What the items of one language's feeds share: the site's host (in
/// their `guid`s) and the language's "About" text (that ends each of them).
pub struct Items {
    host: String,
    about: About,
}

impl Items {
    /// Items of releases on the site at `host`, ending with `about`.
    pub fn new(host: &str, about: About) -> Self {
        Self {
            host: host.to_string(),
            about,
        }
    }

    /// The item of `v` (see [`item`]).
    fn of(&self, v: &ReleaseView) -> rss::Item {
        item(&self.host, v, &self.about)
    }
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
    let mut content = String::with_capacity(v.body_abs.as_str().len() + 1024);
    item_content_into(&mut content, v, about).expect("writing to a String cannot fail");
    content
}

fn item_content_into(content: &mut String, v: &ReleaseView, about: &About) -> fmt::Result {
    let when = v.updated.as_ref().map(|u| u.text.as_str()).unwrap_or("");
    if let Some(c) = &v.correction {
        writeln!(
            content,
            "<p><strong>{} {}:</strong> {}</p>",
            Esc(v.t.correction),
            Esc(when),
            Esc(c)
        )?;
    }
    if v.has_summary && !v.lead.is_empty() {
        writeln!(content, "<p><strong>{}</strong></p>", Esc(&v.lead))?;
    }
    if let Some(img) = &v.image_abs {
        write!(
            content,
            "<figure><img src=\"{}\" alt=\"{}\">",
            Esc(&img.src),
            Esc(&img.alt)
        )?;
        let caption: Vec<&str> = img
            .caption
            .iter()
            .chain(img.credit.iter())
            .map(String::as_str)
            .collect();
        if !caption.is_empty() {
            write!(
                content,
                "<figcaption>{}</figcaption>",
                Esc(&caption.join(" "))
            )?;
        }
        content.push_str("</figure>\n");
    }
    content.push_str(v.body_abs.as_str());
    if !v.attachments.is_empty() {
        write!(content, "<h2>{}</h2>\n<ul>\n", Esc(v.t.attachments))?;
        for a in &v.attachments {
            writeln!(
                content,
                "<li><a href=\"{}\">{}</a> ({})</li>",
                Esc(&a.href),
                Esc(&a.title),
                Esc(&a.meta)
            )?;
        }
        content.push_str("</ul>\n");
    }
    if !v.contacts.is_empty() {
        write!(content, "<h2>{}</h2>\n<ul>\n", Esc(v.t.contacts))?;
        for c in &v.contacts {
            write!(content, "<li><strong>{}</strong>", Esc(&c.name))?;
            if let Some(role) = &c.role {
                write!(content, ", {}", Esc(role))?;
            }
            if let Some(p) = &c.phone {
                write!(
                    content,
                    "<br>{} <a href=\"{}\">{}</a>",
                    Esc(v.t.phone),
                    Esc(&p.uri),
                    Esc(&p.text)
                )?;
            }
            if let Some(e) = &c.email {
                write!(content, "<br><a href=\"mailto:{0}\">{0}</a>", Esc(e))?;
            }
            content.push_str("</li>\n");
        }
        content.push_str("</ul>\n");
    }
    if !about.heading.is_empty() {
        write!(
            content,
            "<h2>{}</h2>\n{}",
            Esc(&about.heading),
            about.html.as_str()
        )?;
    }
    Ok(())
}

/// The item of one release: its page's content (see [`item_content`]),
/// the lead as plain text, keywords, the picture as an enclosure and as
/// `media:content`, and when it was updated.
fn item(host: &str, v: &ReleaseView, about: &About) -> rss::Item {
    let content = item_content(v, about);
    let when = v.updated.as_ref().map(|u| u.text.as_str()).unwrap_or("");
    // Plain text, in a CDATA section that readers take as HTML:
    // escaped, so that markup in a lead stays text.
    let description = match &v.correction {
        Some(c) => format!(
            "{} {when}: {} {}",
            Esc(v.t.correction),
            Esc(c),
            Esc(&v.lead)
        ),
        None => Esc(&v.lead).to_string(),
    };
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

/// Renders a feed of `views` (already newest first); at most `spec.cap`
/// items, made with what `items` share. The XML is written straight into
/// the bytes returned (what `Channel`'s `Display` writes, without its
/// check and copy into a `String`).
pub fn render(spec: &FeedSpec, views: &[&ReleaseView], items: &Items) -> io::Result<Vec<u8>> {
    let items = views
        .iter()
        .take(spec.cap)
        .map(|v| items.of(v))
        .collect::<Vec<_>>();
    let size = items
        .iter()
        .map(|i| i.content().map_or(0, str::len) + 1024)
        .sum::<usize>()
        + 2048;
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
    channel
        .write_to(Vec::with_capacity(size))
        .map_err(io::Error::other)
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

/// `&`, `"`, `<` and `>` of a text escaped for HTML (text or a quoted
/// attribute), written as it is formatted: no copy is made.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '"', '<', '>']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'"' => "&quot;",
                b'<' => "&lt;",
                _ => "&gt;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::Esc;

    #[test]
    fn text_is_escaped_for_html_in_one_pass_and_apostrophes_are_left() {
        assert_eq!(
            Esc(r#"<b>"R&D"</b> & 'co' > ä"#).to_string(),
            "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt; &amp; 'co' &gt; ä"
        );
        assert_eq!(Esc("").to_string(), "");
        assert_eq!(Esc("&&").to_string(), "&amp;&amp;");
        assert_eq!(Esc("plain text").to_string(), "plain text");
    }
}
