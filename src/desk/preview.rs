//! What the desk's preview shows of a language version, saved or as its
//! form stands: the web page, the email's HTML part (shown at phone and
//! desktop widths) and its text part, subject and preheader, made by the
//! same code as the site and the delivered email.

use chrono::Utc;

use crate::content::Content;
use crate::release::Release;

/// One language version as the public would get it.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The web page (with the banner that says it is not out yet).
    pub page: String,
    /// The email's HTML part; none for a release that is not emailed.
    pub email: Option<String>,
    /// The email's text part.
    pub text: String,
    pub subject: String,
    pub preheader: String,
    /// The HTML part's size in bytes (Gmail clips at 102 KB).
    pub email_bytes: usize,
}

/// The preview of `r` (saved, or a form's text not saved yet) against the
/// rest of `content`. The pictures and stylesheet of both parts are
/// addressed on the site's path (`/assets/…`, `/style.css`), which the
/// desk serves to signed-in staff.
pub fn preview(content: &Content, r: &Release) -> anyhow::Result<Preview> {
    let config = &content.config;
    let now = Utc::now();
    let page = crate::render::site::release_preview(content, r, now)?;
    let hidden = content.unpublished(now);
    let rendered = crate::render::email::render(r, config, &hidden)?;
    let base = crate::render::Urls::new(config);
    let unsubscribe = base.abs("unsubscribe/preview");
    let (html, text) = rendered.personalise(&unsubscribe);
    let html = html.replace(&base.abs("assets/"), &base.path("assets/"));
    Ok(Preview {
        page,
        email: r.publication.email.then_some(html),
        text,
        subject: rendered.subject.clone(),
        preheader: rendered.preheader.clone(),
        email_bytes: rendered.html.len(),
    })
}
