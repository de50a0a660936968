//! The desk's preview of a language version: the web page, the email at
//! phone and desktop widths and its text part. `GET …/preview` shows the
//! saved file; `POST …/preview` (the editor's "Update the preview", which
//! the editor's small script also sends as the text changes) shows the
//! form as it stands without saving it. The page and the email are kept
//! in memory for a while (the last [`KEPT`] previews) and served to the
//! person who asked, inside frames whose policy forbids any script, so a
//! release's text cannot act in the desk. The site's stylesheet and
//! pictures are served at their site paths to signed-in staff.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::guard::{CheckedUpload, SignedIn};
use super::releases::{edit_from, find, not_found, sync};
use super::{DeskPage, render};
use crate::desk::preview::Preview;
use crate::desk::releases::{self, FieldProblem, SaveError};
use crate::http::AppState;

/// How many previews the desk keeps in memory (all staff together).
const KEPT: usize = 64;

/// The policy of a preview's frames: styles (the email's are inline) and
/// the desk's own pictures, no script, no forms, shown only inside the desk.
const FRAME_CSP: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox";

/// The policy of the preview page itself: the desk's, but shown in the
/// editor's frame.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

struct Kept {
    id: String,
    user: i64,
    preview: Arc<Preview>,
}

/// The last previews made, by their random id and who made them.
#[derive(Default)]
pub struct PreviewStore(Mutex<VecDeque<Kept>>);

impl std::fmt::Debug for PreviewStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreviewStore").finish_non_exhaustive()
    }
}

impl PreviewStore {
    fn put(&self, user: i64, preview: Preview) -> anyhow::Result<String> {
        let id = crate::desk::random_token()?;
        let mut kept = self.0.lock().expect("preview store lock");
        kept.push_back(Kept {
            id: id.clone(),
            user,
            preview: Arc::new(preview),
        });
        while kept.len() > KEPT {
            kept.pop_front();
        }
        Ok(id)
    }

    fn get(&self, user: i64, id: &str) -> Option<Arc<Preview>> {
        let kept = self.0.lock().expect("preview store lock");
        kept.iter()
            .find(|k| k.user == user && k.id == id)
            .map(|k| k.preview.clone())
    }
}

#[derive(Template)]
#[template(path = "desk/preview.html")]
struct PreviewPage {
    page: DeskPage,
    editor: String,
    problems: Vec<FieldProblem>,
    shown: Option<Shown>,
}

struct Shown {
    subject: String,
    preheader: String,
    size: String,
    page: String,
    email: Option<String>,
    text: String,
}

/// `res`, shown only inside the desk's own frames, under `policy`.
fn framed(mut res: Response, policy: &'static str) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    res
}

fn answer(status: StatusCode, page: &PreviewPage) -> Response {
    framed(render(status, page), PAGE_CSP)
}

/// The preview page of `made` (or of the problems that stop it).
fn page_of(
    st: &AppState,
    signed: &SignedIn,
    slug: &str,
    lang: &str,
    title: &str,
    made: Result<Preview, Vec<FieldProblem>>,
) -> Response {
    let ui = signed.lang();
    let t = crate::i18n::desk_strings(ui);
    let mut page = PreviewPage {
        page: signed.page(st, &format!("{} – {title}", t.preview)),
        editor: format!("/desk/releases/{slug}/{lang}"),
        problems: vec![],
        shown: None,
    };
    match made {
        Err(problems) => {
            page.problems = super::releases::in_desk_language(problems, ui);
            answer(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Ok(p) => {
            let (subject, preheader, text, bytes) = (
                p.subject.clone(),
                p.preheader.clone(),
                p.text.clone(),
                p.email_bytes,
            );
            let emailed = p.email.is_some();
            let id = match st.desk_previews.put(signed.session.user.id, p) {
                Ok(id) => id,
                Err(e) => return super::unavailable(st, ui, &e),
            };
            let lang_of_ui = crate::i18n::Lang::parse(ui)
                .unwrap_or_else(|_| st.config.site.default_lang.clone());
            page.shown = Some(Shown {
                subject,
                preheader,
                size: crate::i18n::format_size(bytes as u64, &lang_of_ui),
                page: format!("/desk/preview/{id}/page"),
                email: emailed.then(|| format!("/desk/preview/{id}/email")),
                text,
            });
            answer(StatusCode::OK, &page)
        }
    }
}

/// `GET /desk/releases/{slug}/{lang}/preview`: the saved file.
pub async fn saved(
    State(st): State<Arc<AppState>>,
    signed: SignedIn,
    Path((slug, lang)): Path<(String, String)>,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let (r, _) = match sync(|| find(&st, &content, &slug, &lang)) {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(&st, ui),
        Err(e) => return super::unavailable(&st, ui, &e),
    };
    match sync(|| crate::desk::preview::preview(&content, r)) {
        Ok(p) => page_of(&st, &signed, &slug, &lang, &r.title, Ok(p)),
        Err(e) => super::unavailable(&st, ui, &e),
    }
}

/// `POST /desk/releases/{slug}/{lang}/preview`: the form as it stands,
/// not saved.
pub async fn unsaved(
    State(st): State<Arc<AppState>>,
    Path((slug, lang)): Path<(String, String)>,
    CheckedUpload(signed, sent): CheckedUpload,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let (r, _) = match sync(|| find(&st, &content, &slug, &lang)) {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(&st, ui),
        Err(e) => return super::unavailable(&st, ui, &e),
    };
    let made = sync(|| {
        releases::candidate(&st.config, r, &edit_from(&sent, &content))
            .and_then(|c| Ok(crate::desk::preview::preview(&content, &c)?))
    });
    match made {
        Ok(p) => page_of(&st, &signed, &slug, &lang, &r.title, Ok(p)),
        Err(SaveError::Invalid(problems)) => {
            page_of(&st, &signed, &slug, &lang, &r.title, Err(problems))
        }
        Err(e) => super::unavailable(&st, ui, &anyhow::anyhow!("{e}")),
    }
}

/// `GET /desk/preview/{id}/{page|email}`: a kept preview's web page or
/// email, to the person who made it, in a frame that runs no script.
pub async fn frame(
    State(st): State<Arc<AppState>>,
    signed: SignedIn,
    Path((id, part)): Path<(String, String)>,
) -> Response {
    let found = st.desk_previews.get(signed.session.user.id, &id);
    let body = match (found, part.as_str()) {
        (Some(p), "page") => p.page.clone(),
        (Some(p), "email") => match &p.email {
            Some(html) => html.clone(),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    framed(
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        FRAME_CSP,
    )
}

/// The site's stylesheet, icon and pictures at their site paths
/// (`{base}style.css`, `{base}assets/…`), for the previews' frames: only
/// regular files inside `releases/assets`, to signed-in staff.
pub async fn site_file(
    State(st): State<Arc<AppState>>,
    _signed: SignedIn,
    uri: axum::http::Uri,
) -> Response {
    let base = crate::render::Urls::new(&st.config).path("");
    let Some(rel) = uri.path().strip_prefix(base.as_str()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let rel = percent_encoding::percent_decode_str(rel)
        .decode_utf8_lossy()
        .into_owned();
    match rel.as_str() {
        "style.css" => {
            return (
                [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                crate::render::site::stylesheet(&st.config).into_owned(),
            )
                .into_response();
        }
        "favicon.svg" => {
            return (
                [(header::CONTENT_TYPE, "image/svg+xml")],
                crate::render::favicon_svg(&st.config),
            )
                .into_response();
        }
        _ => {}
    }
    let Some(asset) = rel.strip_prefix("assets/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match sync(|| crate::desk::uploads::read_asset(&st.config, asset)) {
        Some((bytes, kind)) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
