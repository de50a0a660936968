//! Email bodies: an HTML part (600px, table-based, CSS inlined at render time)
//! and a plain-text twin made from the Markdown. Both are rendered once per
//! release language version; delivery only swaps in the unsubscribe link.

use std::sync::LazyLock;

use askama::Template;
use serde::Serialize;

use super::{AttachmentView, ContactView, Html, ImageView, LinkView, OrgView, ReleaseView, Urls};
use crate::config::Config;
use crate::config::look::EmailColors;
use crate::i18n::Strings;
use crate::markdown::{self, Links};
use crate::release::{Release, page_of_file};
use crate::theme::optional;

/// Stands in for the per-recipient unsubscribe URL; delivery replaces it.
pub const UNSUBSCRIBE_PLACEHOLDER: &str = "%%UNSUBSCRIBE_URL%%";

/// Gmail clips an HTML body larger than this and hides what follows,
/// including the unsubscribe link.
pub const GMAIL_CLIP_BYTES: usize = 102 * 1024;

/// What the email templates show.
#[derive(Serialize)]
pub struct EmailData<'a> {
    pub lang: &'a str,
    pub t: &'static Strings,
    pub title: &'a str,
    pub date_text: &'a str,
    pub lead: &'a str,
    pub has_summary: bool,
    #[serde(serialize_with = "optional")]
    pub image: &'a Option<ImageView>,
    pub body: &'a Html,
    pub body_text: String,
    pub attachments: &'a [AttachmentView],
    pub contacts: &'a [ContactView],
    pub tags: &'a [LinkView],
    /// The release on the website; none for an email-only release.
    #[serde(serialize_with = "optional")]
    pub web_url: Option<&'a str>,
    pub unsubscribe: &'a str,
    /// Why the reader gets this message (the footer).
    pub reason: &'a str,
    pub org_name: &'a str,
    pub org_address: &'a str,
    pub org_website: &'a str,
    pub org_website_label: &'a str,
    /// "Kaislamaan liitto lyhyesti".
    pub about_heading: &'a str,
    /// `[site.colors]`: the header bar and links.
    pub colors: EmailColors,
    pub about: &'a Html,
    pub about_text: &'a str,
    /// The privacy notice, when the configuration names one.
    #[serde(serialize_with = "optional")]
    pub privacy: Option<&'a str>,
}

#[derive(Template, Serialize)]
#[template(path = "email/release.html")]
struct HtmlEmail<'a> {
    e: &'a EmailData<'a>,
}

#[derive(Template, Serialize)]
#[template(path = "email/release.txt")]
struct TextEmail<'a> {
    e: &'a EmailData<'a>,
}

/// The two parts of a release email, with the unsubscribe placeholder in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub preheader: String,
    pub html: String,
    pub text: String,
    /// Both parts with the footer for a staff-curated list (a CSV `source`),
    /// which does not claim that the reader subscribed.
    pub html_curated: String,
    pub text_curated: String,
    /// The release on the website; none for an email-only release.
    pub web_url: Option<String>,
}

impl RenderedEmail {
    /// Both parts with the placeholder replaced by a recipient's unsubscribe URL.
    pub fn personalise(&self, unsubscribe_url: &str) -> (String, String) {
        (
            self.html.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url),
            self.text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url),
        )
    }
}

static INLINER: LazyLock<css_inline::CSSInliner<'static>> = LazyLock::new(|| {
    css_inline::CSSInliner::options()
        .load_remote_stylesheets(false)
        .keep_style_tags(false)
        // `@media (prefers-color-scheme: dark)` stays in a style tag, for
        // the clients that honour it.
        .keep_at_rules(true)
        .build()
});

/// A template that failed to render, or CSS that could not be inlined (a
/// template problem, not a content problem).
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("cannot inline the email's CSS: {0}")]
    Inline(String),
    #[error("template {0}: {1}")]
    Template(&'static str, crate::theme::RenderError),
}

/// Renders the email for one release language version; links to the
/// pages in `hidden` are written as their text.
pub fn render(
    release: &Release,
    config: &Config,
    hidden: &markdown::Unpublished,
) -> Result<RenderedEmail, EmailError> {
    let urls = Urls::new(config);
    let v = ReleaseView::new(release, config, &urls, &config.releases_dir(), hidden);
    let org = OrgView::new(config, &release.lang, &urls);
    render_view(&v, &release.body, &org, &urls, config, hidden)
}

/// Renders from an existing view (the site build's) and the Markdown body.
pub fn render_view(
    v: &ReleaseView,
    body_md: &str,
    org: &OrgView,
    urls: &Urls,
    config: &Config,
    hidden: &markdown::Unpublished,
) -> Result<RenderedEmail, EmailError> {
    let body_text =
        markdown::to_text_hiding(body_md, Links::absolute(urls.base(), page_of_file), hidden)
            .trim_end()
            .to_string();
    let data = email_data(v, org, config, body_text);
    render_data(v, config, &data)
}

/// The correction of one language version, emailed to those who had the
/// original: the note (with when it was made) as the lead, the link to
/// the corrected release, the contact people and the "About" text; the
/// subject "[KORJAUS] title" ("[RÄTTELSE]", "[CORRECTION]"). `None` when
/// the version has no correction.
pub fn render_correction(
    release: &Release,
    config: &Config,
    hidden: &markdown::Unpublished,
) -> Result<Option<RenderedEmail>, EmailError> {
    let Some(note) = release.publication.correction.as_deref() else {
        return Ok(None);
    };
    let urls = Urls::new(config);
    let v = ReleaseView::new(release, config, &urls, &config.releases_dir(), hidden);
    let org = OrgView::new(config, &release.lang, &urls);
    let when = v.updated.as_ref().map_or("", |u| u.text.as_str());
    let lead = format!("{} {when}: {}", v.t.correction, note.trim());
    let empty = Html::default();
    let data = EmailData {
        lead: &lead,
        has_summary: true,
        image: &None,
        body: &empty,
        body_text: String::new(),
        attachments: &[],
        tags: &[],
        ..email_data(&v, &org, config, String::new())
    };
    let mut rendered = render_data(&v, config, &data)?;
    rendered.subject = format!("[{}] {}", v.t.correction.to_uppercase(), v.title);
    Ok(Some(rendered))
}

/// What the templates show of a release view.
fn email_data<'a>(
    v: &'a ReleaseView,
    org: &'a OrgView,
    config: &Config,
    body_text: String,
) -> EmailData<'a> {
    EmailData {
        lang: v.lang.as_str(),
        t: v.t,
        title: &v.title,
        date_text: &v.date_text,
        lead: &v.lead,
        has_summary: v.has_summary,
        image: &v.image_abs,
        body: &v.body_abs,
        body_text,
        attachments: &v.attachments,
        contacts: &v.contacts,
        tags: &v.tags_abs,
        web_url: v.web.then_some(v.url.as_str()),
        unsubscribe: UNSUBSCRIBE_PLACEHOLDER,
        reason: v.t.email_reason,
        org_name: &org.name,
        org_address: &org.address,
        org_website: &org.website,
        org_website_label: &org.website_label,
        about_heading: &org.about_heading,
        colors: EmailColors::of(config.site.colors.as_ref()),
        about: &org.about,
        about_text: &org.about_text,
        privacy: org.privacy.as_deref(),
    }
}

/// Both parts (and their curated twins) of `data`.
fn render_data(
    v: &ReleaseView,
    config: &Config,
    data: &EmailData<'_>,
) -> Result<RenderedEmail, EmailError> {
    let theme = &config.theme;
    let parts = |data: &EmailData<'_>| -> Result<(String, String), EmailError> {
        const HTML: &str = "email/release.html";
        const TEXT: &str = "email/release.txt";
        let raw = theme
            .render(HTML, &HtmlEmail { e: data })
            .map_err(|e| EmailError::Template(HTML, e))?;
        let html = INLINER
            .inline(&raw)
            .map_err(|e| EmailError::Inline(e.to_string()))?;
        let mut text = theme
            .render(TEXT, &TextEmail { e: data })
            .map_err(|e| EmailError::Template(TEXT, e))?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok((html, text))
    };
    let (html, text) = parts(data)?;
    let (html_curated, text_curated) = parts(&EmailData {
        reason: v.t.email_reason_curated,
        body_text: data.body_text.clone(),
        colors: data.colors.clone(),
        ..*data
    })?;
    Ok(RenderedEmail {
        subject: v.title.clone(),
        preheader: data.lead.to_string(),
        html,
        text,
        html_curated,
        text_curated,
        web_url: v.web.then(|| v.url.clone()),
    })
}
