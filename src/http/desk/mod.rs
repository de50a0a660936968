//! The desk: the staff's pages, on a listener of their own (`[desk] addr`
//! or `serve --desk-addr`), under `/desk/`. The public address never
//! serves them.
//!
//! Every response carries a strict Content-Security-Policy (no script),
//! `X-Frame-Options: DENY`, `Referrer-Policy: same-origin` (a password
//! link's token never leaves the desk; `no-referrer` would make browsers
//! send `Origin: null` with the desk's own forms) and
//! `Cache-Control: no-store`. A request
//! that changes anything is refused when `Sec-Fetch-Site` or `Origin` say
//! it came from another site, and (see [`guard`]) when its form does not
//! carry this sign-in's CSRF token.

mod corrections;
pub mod guard;
mod oidc;
mod pages;
pub mod preview;
mod releases;
pub mod sender;
mod sends;
mod subscribers;
mod totp;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use super::AppState;
use crate::i18n::{DeskStrings, desk_strings};
use guard::SignedIn;

/// No script at all, styles from the desk's own stylesheet.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The editor's policy: the desk's, and the one script of the desk (its
/// own file, the live preview), never an inline one.
pub const EDITOR_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Who is signed in, as the page frame shows it.
pub struct UserView {
    pub name: String,
    pub role: &'static str,
    pub admin: bool,
}

/// What every desk page has: its language and words, its title, the site's
/// name, who is signed in and the token their forms carry.
pub struct DeskPage {
    pub lang: &'static str,
    pub t: &'static DeskStrings,
    pub title: String,
    pub site: String,
    pub user: Option<UserView>,
    pub csrf: String,
}

impl DeskPage {
    pub fn new(st: &AppState, lang: &'static str, title: &str, signed: Option<&SignedIn>) -> Self {
        let default = &st.config.site.default_lang;
        Self {
            lang,
            t: desk_strings(lang),
            title: title.to_string(),
            site: st.config.site.title(default).to_string(),
            user: signed.map(|s| UserView {
                name: s.session.user.name.clone(),
                role: desk_strings(lang).role(s.session.user.role.as_str()),
                admin: s.session.user.role == crate::db::Role::Admin,
            }),
            csrf: signed.map(|s| s.csrf.clone()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "desk/message.html")]
struct MessagePage<'a> {
    page: DeskPage,
    heading: &'a str,
    text: &'a str,
    link: Option<(&'a str, &'a str)>,
}

/// A rendered page, or a plain 500 when a template fails.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a desk page cannot be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page cannot be shown",
            )
                .into_response()
        }
    }
}

/// A page that says why nothing was done.
pub fn refused(st: &AppState, lang: &'static str, status: StatusCode, why: &str) -> Response {
    let t = desk_strings(lang);
    let heading = if status == StatusCode::TOO_MANY_REQUESTS {
        t.throttled_title
    } else {
        t.refused_title
    };
    render(
        status,
        &MessagePage {
            page: DeskPage::new(st, lang, heading, None),
            heading,
            text: why,
            link: Some(("/desk/", t.desk)),
        },
    )
}

#[derive(Template)]
#[template(path = "desk/problems.html")]
struct ProblemsPage {
    page: DeskPage,
    problems: Vec<String>,
}

/// The release files as the desk reads them (a request parses again only
/// what changed since the last), or the page that lists their problems
/// (a file broken outside the desk), or a 503.
pub async fn content(
    st: &Arc<AppState>,
    signed: &SignedIn,
) -> Result<Arc<crate::content::Content>, Response> {
    use crate::config::ConfigError;
    use crate::content::LoadError;
    let lang = signed.lang();
    let loaded = blocking(st, lang, move |st| {
        // Whatever keeps the files from loading is theirs to show, with
        // where it is: the configuration's problems as the releases'.
        Ok(match st.desk_content.load() {
            Ok(c) => Ok(c),
            Err(LoadError::Content(d) | LoadError::Config(ConfigError::Invalid(d))) => Err(d
                .0
                .iter()
                .map(|d| {
                    format!(
                        "{}:{}:{}: error: {}",
                        d.path.display(),
                        d.line,
                        d.col,
                        crate::i18n::desk_diagnostic(&d.message, lang)
                    )
                })
                .collect::<Vec<_>>()),
            Err(e) => Err(vec![format!("error: {e}")]),
        })
    })
    .await?;
    loaded.map_err(|problems| {
        render(
            StatusCode::OK,
            &ProblemsPage {
                page: signed.page(st, desk_strings(lang).broken_title),
                problems,
            },
        )
    })
}

/// A 503 page when the database fails; the cause goes to the log.
pub fn unavailable(st: &AppState, lang: &'static str, e: &anyhow::Error) -> Response {
    tracing::error!(error = %crate::http::log::redact_addresses(&format!("{e:#}")), "desk request failed");
    render(
        StatusCode::SERVICE_UNAVAILABLE,
        &MessagePage {
            page: DeskPage::new(st, lang, "503", None),
            heading: "503",
            text: "The desk cannot reach its database just now. Try again in a moment.",
            link: None,
        },
    )
}

/// Runs database work on a blocking thread; a failure becomes a 503 page.
pub async fn blocking<T: Send + 'static>(
    st: &Arc<AppState>,
    lang: &'static str,
    f: impl FnOnce(&AppState) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Response> {
    let st2 = Arc::clone(st);
    match tokio::task::spawn_blocking(move || f(&st2)).await {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(unavailable(st, lang, &e)),
        Err(e) => Err(unavailable(st, lang, &anyhow::anyhow!("{e}"))),
    }
}

/// The desk's own origin (`https://desk.example.org`), when `[desk] url` says.
fn own_origin(st: &AppState) -> Option<String> {
    st.config
        .desk
        .url
        .as_ref()
        .map(|u| u.origin().ascii_serialization())
}

/// Refuses a state-changing request from another site: `Sec-Fetch-Site`
/// other than same-origin (or none, typed by the user), or an `Origin`
/// that is not the desk's (by `[desk] url`, else by the `Host` it asked).
async fn same_site_only(
    axum::extract::State(st): axum::extract::State<Arc<AppState>>,
    req: Request<axum::body::Body>,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let h = req.headers();
    let text = |name| h.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let fetch_site_ok = text("sec-fetch-site").is_none_or(|s| s == "same-origin" || s == "none");
    let origin_ok = match text("origin") {
        None => true,
        Some(origin) => match own_origin(&st) {
            Some(own) => origin == own,
            None => {
                let host = text("host").unwrap_or("");
                origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"))
                    .is_some_and(|o| !host.is_empty() && o == host)
            }
        },
    };
    if fetch_site_ok && origin_ok {
        return next.run(req).await;
    }
    let lang = crate::i18n::desk_lang(text("accept-language").unwrap_or(""));
    tracing::warn!(
        method = %req.method(),
        path = %req.uri().path(),
        sec_fetch_site = text("sec-fetch-site").unwrap_or("-"),
        origin = text("origin").unwrap_or("-"),
        host = text("host").unwrap_or("-"),
        "refused a cross-site request to the desk"
    );
    refused(
        &st,
        lang,
        StatusCode::FORBIDDEN,
        desk_strings(lang).refused_site,
    )
}

/// The desk's headers on every response.
async fn desk_headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A page with a policy of its own (the preview's frames) keeps it.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn live_preview_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../templates/desk/live-preview.js"),
    )
        .into_response()
}

async fn report_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../templates/desk/report.js"),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../../templates/desk/desk.css"),
    )
        .into_response()
}

async fn not_found(
    axum::extract::State(st): axum::extract::State<Arc<AppState>>,
    visitor: guard::Visitor,
) -> Response {
    let t = desk_strings(visitor.lang);
    render(
        StatusCode::NOT_FOUND,
        &MessagePage {
            page: DeskPage::new(&st, visitor.lang, "404", None),
            heading: "404",
            text: "Not found.",
            link: Some(("/desk/", t.desk)),
        },
    )
}

/// The route of the site path `rel` (the previews' stylesheet and
/// pictures, at the addresses the site gives them).
fn site_path(st: &AppState, rel: &str) -> String {
    crate::render::Urls::new(&st.config).path(rel)
}

/// The desk's routes, behind its headers and the cross-site check.
pub fn router(state: Arc<AppState>) -> Router {
    // The editor's form: its text, a picture and an attachment.
    let form_limit = usize::try_from(state.config.desk.upload_limit.0)
        .unwrap_or(usize::MAX / 4)
        .saturating_mul(2)
        .saturating_add(2 << 20);
    Router::new()
        .route("/desk/", get(pages::home))
        .route(
            "/desk",
            get(|| async { axum::response::Redirect::to("/desk/") }),
        )
        .route("/desk/desk.css", get(stylesheet))
        .route("/desk/live-preview.js", get(live_preview_script))
        .route("/desk/login", get(pages::login_form).post(pages::login))
        .route("/desk/login/oidc", get(oidc::begin))
        .route("/desk/login/oidc/callback", get(oidc::callback))
        .route("/desk/logout", post(pages::logout))
        .route(
            "/desk/password/{token}",
            get(pages::password_form).post(pages::set_password),
        )
        .route(
            "/desk/releases/new",
            get(releases::new_form).post(releases::create),
        )
        .route(
            "/desk/releases/{slug}/{lang}",
            get(releases::editor)
                .post(releases::save)
                .layer(axum::extract::DefaultBodyLimit::max(form_limit)),
        )
        .route(
            "/desk/releases/{slug}/{lang}/preview",
            get(preview::saved)
                .post(preview::unsaved)
                .layer(axum::extract::DefaultBodyLimit::max(form_limit)),
        )
        .route("/desk/preview/{id}/{part}", get(preview::frame))
        .route("/desk/releases/{slug}/submit", post(releases::submit))
        .route("/desk/releases/{slug}/approve", post(releases::approve))
        .route("/desk/releases/{slug}/withdraw", post(releases::withdraw))
        .route("/desk/releases/{slug}/take-down", post(releases::take_down))
        .route(
            "/desk/releases/{slug}/correct",
            get(corrections::form).post(corrections::correct),
        )
        .route(
            "/desk/releases/{slug}/send",
            get(sends::send_form).post(sends::send),
        )
        .route("/desk/releases/{slug}/report", get(sends::report))
        .route("/desk/report.js", get(report_script))
        .route("/desk/releases/{slug}/translate", post(releases::translate))
        .route("/desk/releases/{slug}/test-send", post(releases::test_send))
        .route("/desk/users", get(pages::users).post(pages::add_user))
        .route("/desk/users/{id}/role", post(pages::set_role))
        .route("/desk/users/{id}/disable", post(pages::disable_user))
        .route("/desk/users/{id}/enable", post(pages::enable_user))
        .route("/desk/users/{id}/link", post(pages::user_link))
        .route("/desk/audit", get(pages::audit))
        .route(
            "/desk/subscribers",
            get(subscribers::lists).post(subscribers::add),
        )
        .route(
            "/desk/subscribers/import",
            post(subscribers::import).layer(axum::extract::DefaultBodyLimit::max(form_limit)),
        )
        .route("/desk/subscribers/export", get(subscribers::export))
        .route("/desk/subscribers/{id}", get(subscribers::subscriber))
        .route("/desk/subscribers/{id}/lang", post(subscribers::set_lang))
        .route("/desk/subscribers/{id}/remove", post(subscribers::remove))
        .route("/desk/subscribers/{id}/erase", post(subscribers::erase))
        .route("/desk/suppressions", get(subscribers::suppressions))
        .route("/desk/suppressions/{id}/lift", post(subscribers::lift))
        .route(
            "/desk/account",
            get(pages::account).post(pages::set_account),
        )
        .route("/desk/account/totp", get(totp::show).post(totp::confirm))
        .route("/desk/users/{id}/totp-reset", post(pages::reset_totp))
        .route(&site_path(&state, "style.css"), get(preview::site_file))
        .route(&site_path(&state, "favicon.svg"), get(preview::site_file))
        .route(
            &site_path(&state, "assets/{*path}"),
            get(preview::site_file),
        )
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            same_site_only,
        ))
        .layer(middleware::from_fn(desk_headers))
        .with_state(state)
}
