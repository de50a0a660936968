//! Rendering: the website (`site`), RSS feeds (`feed`) and email bodies
//! (`email`). Each release is turned into a `ReleaseView` once; pages, feeds
//! and emails are built from views, in parallel, without global locks.

pub mod email;
pub mod feed;
pub mod images;
pub mod search;
pub mod site;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::Config;
use crate::i18n::Lang;
use crate::i18n::{self, Strings};
use crate::markdown::{self, Links};
use crate::release::{Release, page_of_file};
use crate::theme::optional;

/// HTML that pressroom produced or sanitised itself; askama writes it
/// unescaped. Only Markdown rendering (which sanitises raw HTML by an
/// allow-list) makes one: there is no way to wrap any other string.
///
/// A release's body read back from the build's cache is not kept there: it
/// is rendered again from the release's Markdown the first time a page or
/// feed shows it (see [`ReleaseView::bind_bodies`]), so that a build which
/// renders a handful of pages reads and keeps a handful of bodies.
#[derive(Clone, Default)]
pub struct Html(Text);

#[derive(Clone)]
enum Text {
    Owned(String),
    Later(Arc<Later>, Half),
}

impl Default for Text {
    fn default() -> Self {
        Self::Owned(String::new())
    }
}

/// Which of a release body's two forms.
#[derive(Clone, Copy)]
enum Half {
    /// Root-relative links (web pages).
    Site,
    /// Absolute links (feeds, email).
    Abs,
}

/// A release's body, rendered from its Markdown when it is first shown.
#[derive(Default)]
struct Later {
    from: OnceLock<Source>,
    pair: OnceLock<(String, String)>,
}

/// What a body is rendered from, as [`Html::pair_from_markdown`] takes it.
struct Source {
    release: Arc<Release>,
    base: Arc<Url>,
    hidden: Arc<markdown::Unpublished>,
}

impl Later {
    fn half(&self, half: Half) -> &str {
        let (site, abs) = self.pair.get_or_init(|| match self.from.get() {
            Some(f) => {
                markdown::to_html_pair_hiding(&f.release.body, &f.base, page_of_file, &f.hidden)
            }
            None => {
                // Every view taken from the cache is bound before it is
                // handed out (site::release_views).
                debug_assert!(false, "a body shown before it was bound to its release");
                tracing::error!("a release's body was shown before pressroom knew its release");
                Default::default()
            }
        });
        match half {
            Half::Site => site,
            Half::Abs => abs,
        }
    }
}

impl Html {
    /// Markdown as sanitised HTML with links in the form of `links`.
    pub fn from_markdown(md: &str, links: Links<'_>) -> Self {
        Self(Text::Owned(markdown::to_html(md, links)))
    }

    /// Markdown as sanitised HTML twice, rendered once: with root-relative
    /// links (web pages) and with absolute ones (feeds, email); links to
    /// the pages in `hidden` written as their text.
    pub fn pair_from_markdown(
        md: &str,
        base: &Url,
        hidden: &markdown::Unpublished,
    ) -> (Self, Self) {
        let (site, abs) = markdown::to_html_pair_hiding(md, base, page_of_file, hidden);
        (Self(Text::Owned(site)), Self(Text::Owned(abs)))
    }

    /// The HTML text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Text::Owned(s) => s,
            Text::Later(later, half) => later.half(*half),
        }
    }
}

impl PartialEq for Html {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Html {}

impl fmt::Debug for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Html").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl askama::filters::HtmlSafe for Html {}

/// Marked safe for the template engine, as askama treats it. In a compact
/// format (the build's cache, see [`crate::build::cache`]) it is left out:
/// a view read back renders its bodies again when they are shown.
impl serde::Serialize for Html {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            minijinja::Value::from_safe_string(self.as_str().to_string()).serialize(s)
        } else {
            s.serialize_unit()
        }
    }
}

/// Read back from the build's cache only, where it is not kept (see
/// [`ReleaseView::restored`]).
impl<'de> Deserialize<'de> for Html {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <()>::deserialize(d).map(|()| Self::default())
    }
}

/// URLs of the site's pages.
#[derive(Debug, Clone)]
pub struct Urls {
    base: Url,
}

impl Urls {
    pub fn new(config: &Config) -> Self {
        Self {
            base: config.site.base_url.clone(),
        }
    }
    /// Root-relative path of a site path such as `fi/some-slug/`.
    pub fn path(&self, rel: &str) -> String {
        format!("{}{rel}", self.base.path())
    }
    /// Absolute URL of a site path.
    pub fn abs(&self, rel: &str) -> String {
        self.base
            .join(rel)
            .map_or_else(|_| format!("{}{rel}", self.base), |u| u.to_string())
    }
    pub fn base(&self) -> &Url {
        &self.base
    }
    pub fn release(lang: &Lang, slug: &str) -> String {
        format!("{lang}/{slug}/")
    }
    pub fn lang_index(lang: &Lang) -> String {
        format!("{lang}/")
    }
    /// A year of the language's archive.
    pub fn archive(lang: &Lang, year: i32) -> String {
        format!("{lang}/archive/{year}/")
    }
    /// The language's search page.
    pub fn search(lang: &Lang) -> String {
        format!("{lang}/search/")
    }
    /// The folder of the language's search index (see `search`).
    pub fn search_fragments(lang: &Lang) -> String {
        format!("{lang}/search/fragments/")
    }
    /// The language's keyword index.
    pub fn keywords(lang: &Lang) -> String {
        format!("{lang}/tags/")
    }
    pub fn tag(lang: &Lang, tag: &str) -> String {
        format!("{lang}/tags/{tag}/")
    }
    pub fn subscribe(lang: &Lang) -> String {
        format!("{lang}/subscribe")
    }
    /// Where the email view of `release` is in a writer's preview site.
    pub fn email_view(release: &Release) -> String {
        format!(
            "{EMAIL_VIEWS}{}/{}/",
            crate::files::segment(&release.group_key()),
            release.lang
        )
    }
}

/// The folder of a preview site's email views (see [`Urls::email_view`]).
pub const EMAIL_VIEWS: &str = "_email/";

/// A localised point in time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct When {
    pub iso: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkView {
    pub name: String,
    pub href: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageView {
    pub src: String,
    pub alt: String,
    #[serde(serialize_with = "optional")]
    pub caption: Option<String>,
    /// "Kuva: Aino Rantanen" in the release's language.
    #[serde(serialize_with = "optional")]
    pub credit: Option<String>,
    /// Caption or credit: the email's caption line.
    pub captioned: bool,
    /// Caption, credit or download: the page's `figcaption`.
    pub figcaption: bool,
    /// The picture's size in pixels, when the file says (raster and SVG).
    #[serde(serialize_with = "optional")]
    pub size: Option<Size>,
    /// The original file offered for download ("JPEG, 3.2 MB").
    #[serde(serialize_with = "optional")]
    pub download: Option<String>,
    /// The original's address (`src` is its web copy when it has one).
    pub original: String,
    /// The web copy and the original by width, when there is a web copy.
    #[serde(serialize_with = "optional")]
    pub srcset: Option<String>,
}

/// A picture's size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Size {
    pub width: usize,
    pub height: usize,
}

/// A picture and its alternative text.
#[derive(Debug, Clone, Serialize)]
pub struct Picture {
    pub src: String,
    pub alt: String,
}

/// The organisation's logo in the header: a picture, and its width at the
/// header's height of [`LOGO_HEIGHT`] pixels when its proportions are
/// known (so that the page does not shift when it loads).
#[derive(Debug, Clone, Serialize)]
pub struct Logo {
    pub src: String,
    pub alt: String,
    #[serde(serialize_with = "optional")]
    pub width: Option<usize>,
}

/// The logo's height in the header, in CSS pixels.
pub const LOGO_HEIGHT: usize = 48;

/// The width of the picture `file` at [`LOGO_HEIGHT`]: from a raster
/// picture's size, or an SVG's `viewBox`.
fn logo_width(file: &Path) -> Option<usize> {
    let (w, h) = match imagesize::size(file) {
        Ok(d) => (d.width as f64, d.height as f64),
        Err(_) => svg_size(&std::fs::read_to_string(file).ok()?)?,
    };
    (w > 0.0 && h > 0.0).then(|| (LOGO_HEIGHT as f64 * w / h).round() as usize)
}

/// An SVG's proportions, from the `viewBox` of its root element.
fn svg_size(svg: &str) -> Option<(f64, f64)> {
    let root = &svg[svg.find("<svg")?..];
    let root = &root[..root.find('>')?];
    let at = root.find("viewBox")?;
    let value = root[at..].split(['"', '\'']).nth(1)?;
    let n: Vec<f64> = value
        .split([' ', ','])
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    match n.as_slice() {
        [_, _, w, h] => Some((*w, *h)),
        _ => None,
    }
}

/// The site's icon when the organisation has no logo: its initial on its
/// colour, as SVG (`favicon.svg`).
pub fn favicon_svg(config: &Config) -> String {
    let name = config
        .organization
        .name
        .get(&config.site.default_lang, &config.site.default_lang);
    let initial: String = name
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    let (bg, fg) = match &config.site.colors {
        Some(c) => (c.primary.css(), c.text_on_primary.css()),
        None => ("#0b4f8a".to_string(), "#ffffff".to_string()),
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><rect width=\"32\" height=\"32\" rx=\"6\" fill=\"{bg}\"/><text x=\"16\" y=\"23\" font-family=\"sans-serif\" font-size=\"20\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{fg}\">{initial}</text></svg>\n"
    )
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachmentView {
    pub title: String,
    /// Absolute URL (feeds, email).
    pub href: String,
    /// Root-relative path (web pages).
    pub path: String,
    pub mime: String,
    /// "PDF, 245 KB"
    pub meta: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Phone {
    pub text: String,
    pub uri: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContactView {
    pub name: String,
    #[serde(serialize_with = "optional")]
    pub role: Option<String>,
    #[serde(serialize_with = "optional")]
    pub phone: Option<Phone>,
    #[serde(serialize_with = "optional")]
    pub email: Option<String>,
}

/// Everything about one release that pages, feeds and emails show, computed once.
/// Serialised only into the build's cache (see [`crate::build::cache`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseView {
    /// The release's fingerprint, and whatever else the view depends on
    /// (see `site::Memo`).
    pub fingerprint: u64,
    pub lang: Lang,
    /// Not stored: [`ReleaseView::restored`] takes it from `lang`.
    #[serde(skip, default = "i18n::english")]
    pub t: &'static Strings,
    pub translation_key: Option<String>,
    pub title: String,
    pub date: DateTime<Utc>,
    pub date_iso: String,
    pub date_text: String,
    pub updated: Option<When>,
    /// What was corrected (see [`Release::correction`]).
    pub correction: Option<String>,
    pub lead: String,
    pub has_summary: bool,
    /// Body for web pages (root-relative links).
    pub body: Html,
    /// Body with absolute links (feeds, email).
    pub body_abs: Html,
    pub image: Option<ImageView>,
    pub image_abs: Option<ImageView>,
    /// Size of a local image file (0 for a remote image), for feed enclosures.
    pub image_bytes: u64,
    /// The date in the file name: part of the feed `guid`.
    pub file_date: chrono::NaiveDate,
    pub attachments: Vec<AttachmentView>,
    pub contacts: Vec<ContactView>,
    /// Tag links, root-relative.
    pub tags: Vec<LinkView>,
    /// The tags' slugs, in the order of `tags`.
    pub tag_slugs: Vec<String>,
    /// Tag links, absolute.
    pub tags_abs: Vec<LinkView>,
    /// Site path `fi/slug/`.
    pub rel_path: String,
    pub url: String,
    /// On the website (`web` not false): the email may link to it.
    pub web: bool,
    /// In a writer's preview, why the public cannot see this page yet
    /// ("Draft", "Embargoed until …").
    pub banner: Option<String>,
    /// In a writer's preview, the address of the release's email view.
    pub email_view: Option<LinkView>,
    /// Its words for the site's search index.
    pub words: search::Words,
}

/// An attachment's title without a last "(PDF)" or "(PDF, 2 MB)" that
/// only repeats the file type: pages show the type and size after the
/// title already, and "Strategia (PDF) (PDF, 617 tavua)" says it twice.
fn without_kind<'t>(title: &'t str, kind: &str) -> &'t str {
    let trimmed = title.trim_end();
    let Some(open) = trimmed.strip_suffix(')').and_then(|t| t.rfind('(')) else {
        return title;
    };
    let inside = &trimmed[open + 1..trimmed.len() - 1];
    let first = inside.split(',').next().unwrap_or("").trim();
    let before = trimmed[..open].trim_end();
    if first.eq_ignore_ascii_case(kind) && !before.is_empty() {
        before
    } else {
        title
    }
}

/// A file of `releases/` as a link destination (each part of its name
/// percent-encoded); an address elsewhere as it is.
fn file_dest(src: &str) -> String {
    if markdown::is_local(src) {
        markdown::file_link(src)
    } else {
        src.to_string()
    }
}

impl ReleaseView {
    /// A view read back from the build's cache, with the interface text of
    /// its language (which is not stored).
    pub fn restored(mut self) -> Self {
        self.t = i18n::strings(&self.lang);
        let later = Arc::new(Later::default());
        self.body = Html(Text::Later(Arc::clone(&later), Half::Site));
        self.body_abs = Html(Text::Later(later, Half::Abs));
        self
    }

    /// Binds the bodies of a view read back from the cache to what they are
    /// rendered from when shown: `release` (whose file the view was made
    /// from), the site's `base` and the pages not out (`hidden`), as
    /// [`ReleaseView::new`] renders them. A view made in this build, or
    /// already bound, is left as it is.
    pub fn bind_bodies(
        &self,
        release: &Arc<Release>,
        base: &Arc<Url>,
        hidden: &Arc<markdown::Unpublished>,
    ) {
        if let Text::Later(later, _) = &self.body.0 {
            later.from.get_or_init(|| Source {
                release: Arc::clone(release),
                base: Arc::clone(base),
                hidden: Arc::clone(hidden),
            });
        }
    }

    /// Renders what every output needs from a release. `releases_dir` is read
    /// only for attachment sizes.
    /// Links to the pages in `hidden` are written as their text.
    pub fn new(
        r: &Release,
        config: &Config,
        urls: &Urls,
        releases_dir: &Path,
        hidden: &markdown::Unpublished,
    ) -> Self {
        let tz = config.site.timezone;
        let lang = r.lang.clone();
        let t = i18n::strings(&lang);
        let site_links = Links::site(urls.base().path(), page_of_file);
        let abs_links = Links::absolute(urls.base(), page_of_file);
        let images = ImageViews::new(r, releases_dir, t);
        let attachments = attachment_views(r, releases_dir, site_links, abs_links);
        let tag_links = |abs: bool| {
            r.tags
                .iter()
                .map(|tag| {
                    let rel = Urls::tag(&lang, tag.slug.as_str());
                    LinkView {
                        name: tag.name.clone(),
                        href: if abs { urls.abs(&rel) } else { urls.path(&rel) },
                    }
                })
                .collect()
        };
        let rel_path = Urls::release(&lang, r.slug.as_str());
        let (body, body_abs) = Html::pair_from_markdown(&r.body, urls.base(), hidden);
        let keywords: Vec<&str> = r.tags.iter().map(|t| t.name.as_str()).collect();
        let lead = r.lead();
        let words = search::Words::of(&r.title, &keywords, &lead, body.as_str());
        Self {
            words,
            fingerprint: r.source.fingerprint,
            t,
            translation_key: r.translation_key.clone(),
            title: r.title.clone(),
            date: r.publication.date,
            date_iso: r.publication.date.to_rfc3339(),
            date_text: i18n::format_date_time(&r.publication.date, &lang, tz),
            correction: r.publication.correction.clone(),
            updated: r.publication.updated.map(|u| When {
                iso: u.to_rfc3339(),
                text: i18n::format_date_time(&u, &lang, tz),
            }),
            lead,
            has_summary: r.summary.is_some(),
            body,
            body_abs,
            image: images.view(r, site_links),
            image_abs: images.view(r, abs_links),
            image_bytes: r
                .material
                .image
                .as_ref()
                .filter(|i| markdown::is_local(&i.src))
                .and_then(|i| std::fs::metadata(releases_dir.join(&i.src)).ok())
                .map_or(0, |m| m.len()),
            file_date: r.file_date,
            attachments,
            contacts: r
                .material
                .contacts
                .iter()
                .map(|c| ContactView {
                    name: c.name.clone(),
                    role: c.role.clone(),
                    phone: c.phone_text().map(|p| Phone {
                        text: p.to_string(),
                        uri: c.phone_uri().unwrap_or_default(),
                    }),
                    email: c.email.clone(),
                })
                .collect(),
            tags: tag_links(false),
            tag_slugs: r.tags.iter().map(|t| t.slug.as_str().to_string()).collect(),
            tags_abs: tag_links(true),
            url: urls.abs(&rel_path),
            web: r.publication.web,
            banner: None,
            email_view: None,
            rel_path,
            lang,
        }
    }
}

/// What the release's picture looks like, read once for both link forms.
struct ImageViews<'a> {
    t: &'a Strings,
    size: Option<(usize, usize)>,
    /// "JPEG, 1,2 MB": what the download link says.
    meta: Option<String>,
}

impl<'a> ImageViews<'a> {
    fn new(r: &Release, releases_dir: &Path, t: &'a Strings) -> Self {
        let lang = &r.lang;
        let image_file = r
            .material
            .image
            .as_ref()
            .filter(|i| markdown::is_local(&i.src))
            .map(|i| releases_dir.join(&i.src));
        let size = image_file
            .as_ref()
            .and_then(|f| imagesize::size(f).ok())
            .map(|d| (d.width, d.height));
        let meta = image_file.as_ref().and_then(|f| {
            let bytes = std::fs::metadata(f).ok()?.len();
            let kind = f.extension()?.to_string_lossy().to_uppercase();
            let kind = if kind == "JPG" {
                "JPEG".to_string()
            } else {
                kind
            };
            Some(format!("{kind}, {}", i18n::format_size(bytes, lang)))
        });
        Self { t, size, meta }
    }

    /// The picture with its links in the form of `links`. A large JPEG or
    /// PNG is shown as its web copy.
    fn view(&self, r: &Release, links: Links<'_>) -> Option<ImageView> {
        let i = r.material.image.as_ref()?;
        let original = links.rewrite(&file_dest(&i.src));
        let web = self.size.and_then(|size| {
            let (w, h) = images::web_size(size)?;
            Some((images::web_path(&i.src)?, (w, h), size.0))
        });
        let (src, size, srcset) = match web {
            Some((path, size, full)) => {
                let src = links.rewrite(&file_dest(&path));
                let set = format!("{src} {}w, {original} {full}w", size.0);
                (src, Some(size), Some(set))
            }
            None => (original.clone(), self.size, None),
        };
        let captioned = i.caption.is_some() || i.credit.is_some();
        Some(ImageView {
            src,
            alt: i.alt.clone(),
            caption: i.caption.clone(),
            credit: i
                .credit
                .as_ref()
                .map(|c| format!("{}: {c}", self.t.photo_credit)),
            captioned,
            figcaption: captioned || self.meta.is_some(),
            size: size.map(|(width, height)| Size { width, height }),
            download: self.meta.clone(),
            original,
            srcset,
        })
    }
}

/// The release's attachments, with their kind and size.
fn attachment_views(
    r: &Release,
    releases_dir: &Path,
    site_links: Links<'_>,
    abs_links: Links<'_>,
) -> Vec<AttachmentView> {
    r.material
        .attachments
        .iter()
        .map(|a| {
            let bytes = std::fs::metadata(releases_dir.join(&a.src)).map_or(0, |m| m.len());
            let mime = mime_guess::from_path(&a.src).first_or_octet_stream();
            let kind = Path::new(&a.src)
                .extension()
                .map(|e| e.to_string_lossy().to_uppercase())
                .unwrap_or_else(|| mime.subtype().as_str().to_uppercase());
            AttachmentView {
                title: without_kind(&a.title, &kind).to_string(),
                href: abs_links.rewrite(&file_dest(&a.src)),
                path: site_links.rewrite(&file_dest(&a.src)),
                mime: mime.essence_str().to_string(),
                meta: format!("{kind}, {}", i18n::format_size(bytes, &r.lang)),
                bytes,
            }
        })
        .collect()
}

/// The organisation, in one language, for footers and the "About" block.
#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub phone_uri: String,
    pub email: String,
    pub website: String,
    pub website_label: String,
    /// The "About" boilerplate, rendered from Markdown.
    pub about: Html,
    pub about_text: String,
    /// "Kaislamaan liitto lyhyesti": the heading of the "About" block.
    pub about_heading: String,
    /// The language's media contacts page, when there is one.
    #[serde(serialize_with = "optional")]
    pub contacts: Option<String>,
    /// The accessibility statement: kept elsewhere, or the language's page.
    #[serde(serialize_with = "optional")]
    pub accessibility: Option<String>,
    /// The privacy notice (absolute: emails link to it too).
    #[serde(serialize_with = "optional")]
    pub privacy: Option<String>,
    /// Extra footer links of the language.
    pub footer_links: Vec<LinkView>,
    /// Any of the three above: the footer has its list of links.
    pub footer_list: bool,
    /// The logo (root-relative source).
    #[serde(serialize_with = "optional")]
    pub logo: Option<Logo>,
    /// The site's icon: the logo, or `favicon.svg` (root-relative).
    pub favicon: String,
}

impl OrgView {
    pub fn new(config: &Config, lang: &Lang, urls: &Urls) -> Self {
        let o = &config.organization;
        let d = &config.site.default_lang;
        let about = o.about.get(lang, d);
        let phone_uri = format!(
            "tel:{}",
            o.phone
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        );
        let name = o.name.get(lang, d);
        let mut org = Self {
            name: name.to_string(),
            about_heading: i18n::strings(lang).about_heading(name),
            address: o.address.get(lang, d).to_string(),
            phone: o.phone.clone(),
            phone_uri,
            email: o.email.clone(),
            website_label: o
                .website
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string(),
            website: o.website.clone(),
            about: Html::from_markdown(about, Links::absolute(urls.base(), page_of_file)),
            about_text: markdown::to_text(about, Links::absolute(urls.base(), page_of_file))
                .trim_end()
                .to_string(),
            contacts: crate::content::standing::address(
                config,
                crate::content::standing::CONTACTS,
                lang,
            )
            .map(|rel| urls.path(&rel)),
            accessibility: match &config.site.accessibility_statement {
                Some(url) => Some(url.get(lang, d).to_string()),
                None => crate::content::standing::address(
                    config,
                    crate::content::standing::ACCESSIBILITY,
                    lang,
                )
                .map(|rel| urls.path(&rel)),
            },
            privacy: o.privacy_url.as_ref().map(|u| u.get(lang, d).to_string()),
            footer_links: config
                .site
                .footer_links
                .get(lang)
                .into_iter()
                .flatten()
                .map(|l| LinkView {
                    name: l.title.clone(),
                    href: l.url.clone(),
                })
                .collect(),
            footer_list: false,
            logo: config.site.logo.as_ref().map(|l| Logo {
                src: Links::site(urls.base().path(), page_of_file).rewrite(&file_dest(&l.src)),
                alt: l.alt.get(lang, d).to_string(),
                width: logo_width(&config.releases_dir().join(&l.src)),
            }),
            favicon: String::new(),
        };
        org.favicon = match &org.logo {
            Some(logo) => logo.src.clone(),
            None => urls.path("favicon.svg"),
        };
        org.footer_list =
            org.accessibility.is_some() || org.privacy.is_some() || !org.footer_links.is_empty();
        org
    }
}

#[cfg(test)]
mod tests {
    use super::without_kind;

    #[test]
    fn an_attachment_title_does_not_repeat_its_file_type() {
        assert_eq!(without_kind("Strategia (PDF)", "PDF"), "Strategia");
        assert_eq!(without_kind("Strategia (pdf, 2 MB) ", "PDF"), "Strategia");
        assert_eq!(
            without_kind("Budjetti (luonnos)", "PDF"),
            "Budjetti (luonnos)"
        );
        assert_eq!(without_kind("(PDF)", "PDF"), "(PDF)");
        assert_eq!(without_kind("Kartta", "PNG"), "Kartta");
    }
}
