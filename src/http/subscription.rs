//! Handlers and askama templates of the subscription pages. Every page uses
//! the site's layout; bad tokens and malformed forms get a localised 400 page.

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use serde::{Deserialize, Serialize};

use crate::theme::optional;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::form::{Form, FormRejection};
use super::{AppState, client, mail};
use crate::db::{ConfirmationLimits, Reservation};
use crate::i18n::Lang;
use crate::i18n::{self, WebStrings};
use crate::render::LinkView;
use crate::render::site::{LangLink, Layout, standalone_layout};
use crate::subscribers::{ConfirmToken, EmailAddress, Subject, TokenError, UnsubscribeToken};

#[derive(Clone, Serialize)]
pub struct ListChoice {
    pub name: String,
    pub title: String,
    pub description: String,
    pub checked: bool,
}

#[derive(Template, Serialize)]
#[template(path = "web/subscribe.html")]
struct SubscribePage<'a> {
    page: Layout<'a>,
    w: &'static WebStrings,
    action: String,
    email: String,
    #[serde(serialize_with = "optional")]
    error: Option<&'static str>,
    lists: Vec<ListChoice>,
    languages: Vec<LangLink>,
}

#[derive(Template, Serialize)]
#[template(path = "web/message.html")]
struct MessagePage<'a> {
    page: Layout<'a>,
    heading: &'a str,
    paragraphs: Vec<&'a str>,
    #[serde(serialize_with = "optional")]
    link: Option<LinkView>,
}

#[derive(Template, Serialize)]
#[template(path = "web/unsubscribe.html")]
struct UnsubscribePage<'a> {
    page: Layout<'a>,
    w: &'static WebStrings,
    action: String,
    preferences: String,
    question: String,
}

#[derive(Template, Serialize)]
#[template(path = "web/confirm.html")]
struct ConfirmPage<'a> {
    page: Layout<'a>,
    w: &'static WebStrings,
    subject: &'a str,
    action: String,
}

#[derive(Template, Serialize)]
#[template(path = "web/preferences.html")]
struct PreferencesPage<'a> {
    page: Layout<'a>,
    w: &'static WebStrings,
    action: String,
    saved: bool,
    lists: Vec<ListChoice>,
    languages: Vec<LangLink>,
}

fn html(status: StatusCode, body: Result<String, crate::theme::RenderError>) -> Response {
    match body {
        Ok(body) => {
            let mut res = (status, body).into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template error");
            (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
        }
    }
}

impl AppState {
    fn lang(&self, s: &str) -> Option<Lang> {
        self.config
            .site
            .languages
            .iter()
            .find(|l| l.as_str() == s)
            .cloned()
    }

    /// The first site language the browser accepts, else the default.
    fn lang_from(&self, headers: &HeaderMap) -> Lang {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        accept
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().split('-').next().unwrap_or("").to_lowercase())
            .find_map(|code| self.lang(&code))
            .unwrap_or_else(|| self.config.site.default_lang.clone())
    }

    fn layout<'a>(
        &'a self,
        lang: &'a Lang,
        title: &str,
        rel: &str,
        lang_href: impl Fn(&Lang) -> String,
    ) -> Layout<'a> {
        standalone_layout(
            &self.config,
            lang,
            self.org(lang),
            title.to_string(),
            rel,
            lang_href,
        )
    }

    fn path(&self, rel: &str) -> String {
        format!("{}{rel}", self.config.site.base_path())
    }

    fn list_title(&self, name: &str, lang: &Lang) -> String {
        self.config.lists.get(name).map_or_else(
            || name.to_string(),
            |l| {
                l.title
                    .get(lang, &self.config.site.default_lang)
                    .to_string()
            },
        )
    }

    fn choice(&self, name: &str, lang: &Lang, checked: bool) -> ListChoice {
        let d = &self.config.site.default_lang;
        let l = self.config.lists.get(name);
        ListChoice {
            name: name.to_string(),
            title: self.list_title(name, lang),
            description: l
                .and_then(|l| l.description.as_ref())
                .map_or(String::new(), |x| x.get(lang, d).to_string()),
            checked,
        }
    }

    fn public_lists(&self) -> Vec<String> {
        self.config
            .lists
            .iter()
            .filter(|(_, l)| l.public)
            .map(|(n, _)| n.to_string())
            .collect()
    }

    fn language_choices(&self, current: &Lang) -> Vec<LangLink> {
        language_choices(&self.config, current)
    }

    /// A page with a heading, text and a link back to the releases.
    fn message(
        &self,
        status: StatusCode,
        lang: &Lang,
        heading: &str,
        paragraphs: Vec<&str>,
        rel: &str,
    ) -> Response {
        let w = i18n::web_strings(lang);
        let page = MessagePage {
            page: self.layout(lang, heading, rel, |l| self.path(&format!("{l}/"))),
            heading,
            paragraphs,
            link: Some(LinkView {
                name: w.back_to_releases.to_string(),
                href: self.path(&format!("{lang}/")),
            }),
        };
        html(status, self.config.theme.render("web/message.html", &page))
    }

    fn bad_link(&self, lang: &Lang, text: &str) -> Response {
        let w = i18n::web_strings(lang);
        let form = self.path(&format!("{lang}/subscribe"));
        let page = MessagePage {
            page: self.layout(lang, w.bad_link_title, "", |l| {
                self.path(&format!("{l}/subscribe"))
            }),
            heading: w.bad_link_title,
            paragraphs: vec![text],
            link: Some(LinkView {
                name: w.subscribe_title.to_string(),
                href: form,
            }),
        };
        html(
            StatusCode::BAD_REQUEST,
            self.config.theme.render("web/message.html", &page),
        )
    }

    fn unavailable(&self, lang: &Lang, e: &anyhow::Error) -> Response {
        tracing::error!(error = %super::log::redact_addresses(&format!("{e:#}")), "request failed");
        let w = i18n::web_strings(lang);
        self.message(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            w.error_title,
            vec![w.unavailable],
            "",
        )
    }

    fn subscribe_page(
        &self,
        lang: &Lang,
        email: &str,
        error: Option<&'static str>,
        chosen: &[String],
        status: StatusCode,
    ) -> Response {
        let w = i18n::web_strings(lang);
        let public = self.public_lists();
        let only_one = public.len() == 1;
        let page = SubscribePage {
            page: self.layout(lang, w.subscribe_title, &format!("{lang}/subscribe"), |l| {
                self.path(&format!("{l}/subscribe"))
            }),
            w,
            action: self.path(&format!("{lang}/subscribe")),
            email: email.to_string(),
            error,
            lists: public
                .iter()
                .map(|n| self.choice(n, lang, only_one || chosen.contains(n)))
                .collect(),
            languages: self.language_choices(lang),
        };
        html(
            status,
            self.config.theme.render("web/subscribe.html", &page),
        )
    }
}

/// One path segment (a language or a token). A segment that is not valid
/// percent-encoded UTF-8 gets the localised "bad link" page, not axum's
/// plain-text 400.
pub struct Seg(pub String);

impl axum::extract::FromRequestParts<Arc<AppState>> for Seg {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &Arc<AppState>,
    ) -> Result<Self, Response> {
        match Path::<String>::from_request_parts(parts, st).await {
            Ok(Path(s)) => Ok(Seg(s)),
            Err(_) => {
                let lang = st.lang_from(&parts.headers);
                Err(st.bad_link(&lang, i18n::web_strings(&lang).bad_link_text))
            }
        }
    }
}

/// `GET /healthz`: 200 when the database answers, else 503.
pub async fn healthz(State(st): State<Arc<AppState>>) -> Response {
    let st2 = Arc::clone(&st);
    let ok = tokio::task::spawn_blocking(move || st2.with_db(|d| d.health()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .and_then(|r| r);
    let (status, body) = match ok {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %super::log::redact_addresses(&format!("{e:#}")), "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    };
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Runs database work on a blocking thread; a failure becomes a 503 page.
async fn blocking<T: Send + 'static>(
    st: &Arc<AppState>,
    lang: &Lang,
    f: impl FnOnce(&AppState) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Response> {
    let st2 = Arc::clone(st);
    match tokio::task::spawn_blocking(move || f(&st2)).await {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(st.unavailable(lang, &e)),
        Err(e) => Err(st.unavailable(lang, &anyhow::anyhow!("{e}"))),
    }
}

pub async fn subscribe_form(State(st): State<Arc<AppState>>, Seg(lang): Seg) -> Response {
    match st.lang(&lang) {
        Some(lang) => st.subscribe_page(&lang, "", None, &[], StatusCode::OK),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP's
/// CSV injection list): refused at the start of an address from the web.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// Reserves a confirmation email for `email` (within the limits per
/// address and per hour), records the sign-up and sends the email; a
/// failed send gives the reservation back.
fn send_confirmation(
    st: &AppState,
    email: &EmailAddress,
    pref: &Lang,
    chosen: Vec<String>,
) -> anyhow::Result<Reservation> {
    let hash = email.hash();
    let now = chrono::Utc::now().timestamp();
    let serve = &st.config.serve;
    let limits = ConfirmationLimits {
        interval: i64::from(serve.confirmation_interval_minutes) * 60,
        per_day: serve.confirmations_per_address_per_day,
        per_hour: serve.confirmations_per_hour,
    };
    let id = match st.with_store(|s| s.reserve_confirmation(&hash, now, limits))? {
        Reservation::Mail(id) => id,
        other => return Ok(other),
    };
    let result = (|| {
        let link_id = st.secret.link_id(&hash);
        st.with_store(|s| s.web_signup(email, &link_id, pref, &chosen))?;
        let token = ConfirmToken {
            subject: Subject::LinkId(link_id),
            lists: chosen,
            lang: pref.to_string(),
            issued: now,
        }
        .sign(&st.secret);
        let link = format!("{}confirm/{token}", st.config.site.base_url);
        let (from, bytes) = mail::confirmation(&st.config, &st.dkim, email, pref, &link)?;
        mail::deliver(&st.transport, &from, email, &bytes)
    })();
    if result.is_err() {
        st.with_store(|s| s.release_confirmation(id))?;
    }
    result.map(|()| Reservation::Mail(id))
}

/// The subscription form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct SubscribeForm {
    #[serde(default)]
    pub email: String,
    /// A honeypot: hidden from people, filled in by bots.
    #[serde(default)]
    pub website: String,
    /// The language the person wants their email in.
    #[serde(default)]
    pub lang: Option<String>,
    /// The lists ticked (names; each may repeat).
    #[serde(default)]
    pub lists: Vec<String>,
}

impl AppState {
    /// The public lists a subscription form chose, each at most once
    /// however often the form names it; the only one when there is one.
    fn chosen_lists(&self, named: &[String]) -> Vec<String> {
        let public = self.public_lists();
        let chosen: Vec<String> = public
            .iter()
            .filter(|l| named.contains(l))
            .cloned()
            .collect();
        if chosen.is_empty() && public.len() == 1 {
            public
        } else {
            chosen
        }
    }
}

/// The preferences form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct PreferencesForm {
    /// The lists left ticked.
    #[serde(default)]
    pub lists: Vec<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

pub async fn subscribe(
    State(st): State<Arc<AppState>>,
    Seg(lang): Seg,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<SubscribeForm>, FormRejection>,
) -> Response {
    let Some(lang) = st.lang(&lang) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let w = i18n::web_strings(&lang);
    let f = match form {
        Ok(Form(f)) => f,
        Err(FormRejection::Body(e)) => return e.into_response(),
        Err(FormRejection::Fields(_)) => {
            return st.subscribe_page(
                &lang,
                "",
                Some(w.form_unreadable),
                &[],
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let raw_email = f.email.trim().to_string();
    let chosen = st.chosen_lists(&f.lists);
    let check_inbox = || {
        st.message(
            StatusCode::OK,
            &lang,
            w.check_inbox_title,
            vec![w.check_inbox_text],
            "",
        )
    };
    let too_many = || {
        st.message(
            StatusCode::TOO_MANY_REQUESTS,
            &lang,
            w.error_title,
            vec![w.too_many],
            "",
        )
    };
    // A filled honeypot is a bot: answer as if all went well, do nothing.
    if !f.website.is_empty() {
        return check_inbox();
    }
    let client = client::client_ip(peer.ip(), &headers, &st.config.serve.trusted_proxies);
    if !st.limiter.allow(client::limit_key(client)) {
        st.metrics.rate_limited.inc();
        return too_many();
    }
    let email = match EmailAddress::parse(&raw_email) {
        Ok(e)
            if !raw_email.starts_with(FORMULA_STARTS)
                && e.check_mailable(st.config.delivery.smtputf8).is_ok() =>
        {
            e
        }
        _ => {
            return st.subscribe_page(
                &lang,
                &raw_email,
                Some(w.invalid_email),
                &chosen,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    if chosen.is_empty() {
        return st.subscribe_page(
            &lang,
            &raw_email,
            Some(w.choose_list),
            &chosen,
            StatusCode::BAD_REQUEST,
        );
    }
    let pref = f
        .lang
        .as_deref()
        .and_then(|l| st.lang(l))
        .unwrap_or_else(|| lang.clone());
    let sent = blocking(&st, &lang, move |st| {
        send_confirmation(st, &email, &pref, chosen)
    })
    .await;
    match sent {
        // The same answer whether the address was known, suppressed, or
        // already had its confirmation email.
        Ok(Reservation::Mail(_)) => {
            st.metrics.signups.inc();
            check_inbox()
        }
        Ok(Reservation::Quiet) => check_inbox(),
        Ok(Reservation::Busy) => {
            st.metrics.rate_limited.inc();
            too_many()
        }
        Err(r) => r,
    }
}

/// Verifies a confirmation token; a bad or expired one gets its 400 page
/// (a whole response as the error: built once per bad request, not a hot path).
#[allow(clippy::result_large_err)]
fn confirm_context(
    st: &AppState,
    token: &str,
    headers: &HeaderMap,
) -> Result<(ConfirmToken, Lang), Response> {
    let fallback = st.lang_from(headers);
    let now = chrono::Utc::now().timestamp();
    match ConfirmToken::verify(&st.secret, token, now) {
        Ok(t) => {
            let lang = st.lang(&t.lang).unwrap_or(fallback);
            Ok((t, lang))
        }
        Err(TokenError::Expired) => {
            Err(st.bad_link(&fallback, i18n::web_strings(&fallback).expired_text))
        }
        Err(TokenError::Invalid) => {
            Err(st.bad_link(&fallback, i18n::web_strings(&fallback).bad_link_text))
        }
    }
}

/// A confirmation link opened: a page with a button. Mail scanners (Safe
/// Links, Proofpoint) open every link, so only the button's POST confirms.
pub async fn confirm_page(
    State(st): State<Arc<AppState>>,
    Seg(token): Seg,
    headers: HeaderMap,
) -> Response {
    let (_, lang) = match confirm_context(&st, &token, &headers) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let w = i18n::web_strings(&lang);
    let subject = super::mail::confirm_subject(&st.config, &lang);
    let page = ConfirmPage {
        page: st.layout(&lang, &subject, "", |l| st.path(&format!("{l}/"))),
        w,
        subject: &subject,
        action: st.path(&format!("confirm/{token}")),
    };
    html(
        StatusCode::OK,
        st.config.theme.render("web/confirm.html", &page),
    )
}

/// The confirmation page's button: confirms the pending memberships.
pub async fn confirm(
    State(st): State<Arc<AppState>>,
    Seg(token): Seg,
    headers: HeaderMap,
    _body: Bytes,
) -> Response {
    let (t, lang) = match confirm_context(&st, &token, &headers) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let w = i18n::web_strings(&lang);
    let lists: Vec<String> = t
        .lists
        .iter()
        .filter(|l| st.config.lists.contains_key(l.as_str()))
        .cloned()
        .collect();
    let lang_code = lang.clone();
    match blocking(&st, &lang, move |st| {
        st.with_store(|s| match s.resolve(&t.subject)? {
            Some(hash) => s.confirm(&hash, &lists, &lang_code),
            None => Ok(false),
        })
    })
    .await
    {
        Ok(true) => {
            st.metrics.confirmations.inc();
            st.message(
                StatusCode::OK,
                &lang,
                w.confirmed_title,
                vec![w.confirmed_text],
                "",
            )
        }
        Ok(false) => st.bad_link(&lang, w.bad_link_text),
        Err(r) => r,
    }
}

/// The token in a test copy's unsubscribe link (`send --to`): a page that
/// says so, and changes nothing.
pub const TEST_COPY_TOKEN: &str = crate::delivery::TEST_COPY_TOKEN;

/// Verifies an unsubscribe token, finds the address hash it stands for and
/// the reader's language. A token whose identifier is unknown (never sent,
/// or erased) is a bad link, like a forged one.
async fn unsubscribe_context(
    st: &Arc<AppState>,
    token: &str,
    headers: &HeaderMap,
) -> Result<(UnsubscribeToken, String, Lang), Response> {
    let fallback = st.lang_from(headers);
    if token == TEST_COPY_TOKEN {
        let w = i18n::web_strings(&fallback);
        return Err(st.message(
            StatusCode::OK,
            &fallback,
            w.test_copy_title,
            vec![w.test_copy_text],
            "",
        ));
    }
    let bad = || st.bad_link(&fallback, i18n::web_strings(&fallback).bad_link_text);
    let Some(t) = UnsubscribeToken::verify(&st.secret, token)
        .filter(|t| t.lists().all(|l| st.config.lists.contains_key(l)))
    else {
        return Err(bad());
    };
    let subject = t.subject.clone();
    let found = blocking(st, &fallback, move |st| {
        st.with_store(|s| match s.resolve(&subject)? {
            Some(hash) => Ok::<_, anyhow::Error>(Some((s.lang_of(&hash)?, hash))),
            None => Ok(None),
        })
    })
    .await?;
    let Some((known, hash)) = found else {
        return Err(bad());
    };
    let lang = known.and_then(|l| st.lang(l.as_str())).unwrap_or(fallback);
    Ok((t, hash, lang))
}

pub async fn unsubscribe_page(
    State(st): State<Arc<AppState>>,
    Seg(token): Seg,
    headers: HeaderMap,
) -> Response {
    let (t, _, lang) = match unsubscribe_context(&st, &token, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let w = i18n::web_strings(&lang);
    let page = UnsubscribePage {
        page: st.layout(&lang, w.unsubscribe_title, "", |l| {
            st.path(&format!("{l}/"))
        }),
        w,
        action: st.path(&format!("unsubscribe/{token}")),
        preferences: st.path(&format!("preferences/{token}")),
        question: w.unsubscribe_question_for(
            &t.lists()
                .map(|l| st.list_title(l, &lang).to_string())
                .collect::<Vec<_>>(),
        ),
    };
    html(
        StatusCode::OK,
        st.config.theme.render("web/unsubscribe.html", &page),
    )
}

/// The form's button and RFC 8058 one-click (`List-Unsubscribe=One-Click`) alike.
/// The body is read (and ignored) so that a kept-alive connection stays usable.
pub async fn unsubscribe(
    State(st): State<Arc<AppState>>,
    Seg(token): Seg,
    headers: HeaderMap,
    _body: Bytes,
) -> Response {
    let (t, hash, lang) = match unsubscribe_context(&st, &token, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let w = i18n::web_strings(&lang);
    // One message went out for every list the person is on: one click
    // stops all of them.
    let lists: Vec<String> = t.lists().map(str::to_string).collect();
    let done = blocking(&st, &lang, move |st| {
        st.with_store(|s| {
            for list in &lists {
                s.unsubscribe(&hash, Some(list), "unsubscribe link")?;
            }
            Ok::<_, anyhow::Error>(())
        })
    })
    .await;
    match done {
        Ok(()) => {
            st.metrics.unsubscribes.inc();
            let titles: Vec<String> = t.lists().map(|l| st.list_title(l, &lang)).collect();
            let text = format!("{} {}.", w.unsubscribed_from, titles.join(", "));
            let page = MessagePage {
                page: st.layout(&lang, w.unsubscribed_title, "", |l| {
                    st.path(&format!("{l}/"))
                }),
                heading: w.unsubscribed_title,
                paragraphs: vec![&text],
                link: Some(LinkView {
                    name: w.preferences_after.to_string(),
                    href: st.path(&format!("preferences/{token}")),
                }),
            };
            html(
                StatusCode::OK,
                st.config.theme.render("web/message.html", &page),
            )
        }
        Err(r) => r,
    }
}

async fn preferences_page(
    st: Arc<AppState>,
    token: String,
    headers: HeaderMap,
    submitted: Option<Result<PreferencesForm, FormRejection>>,
) -> Response {
    let (t, hash, lang) = match unsubscribe_context(&st, &token, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let token_lists: Vec<String> = t.lists().map(str::to_string).collect();
    let submitted = match submitted {
        Some(Ok(f)) => Some(f),
        Some(Err(FormRejection::Body(e))) => return e.into_response(),
        Some(Err(FormRejection::Fields(_))) => {
            let w = i18n::web_strings(&lang);
            return st.message(
                StatusCode::BAD_REQUEST,
                &lang,
                w.error_title,
                vec![w.form_unreadable],
                "",
            );
        }
        None => None,
    };
    let saved = submitted.is_some();
    let outcome = blocking(&st, &lang, move |st2| {
        st2.with_store(|s| {
            let current = s.memberships(&hash)?;
            let mut offered = st2.public_lists();
            for (l, _) in &current {
                if st2.config.lists.contains_key(l.as_str()) && !offered.contains(l) {
                    offered.push(l.clone());
                }
            }
            for l in &token_lists {
                if !offered.contains(l) {
                    offered.push(l.clone());
                }
            }
            offered.sort();
            if let Some(f) = &submitted {
                let chosen: Vec<String> = f
                    .lists
                    .iter()
                    .filter(|l| offered.contains(l))
                    .cloned()
                    .collect();
                let lang = f.lang.as_deref().and_then(|l| st2.lang(l));
                s.set_preferences(&hash, &chosen, &offered, lang.as_ref())?;
            }
            let current = s.memberships(&hash)?;
            let lang = s.lang_of(&hash)?;
            Ok::<_, anyhow::Error>((offered, current, lang))
        })
    })
    .await;
    let (offered, current, stored_lang) = match outcome {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = stored_lang
        .and_then(|l| st.lang(l.as_str()))
        .unwrap_or(lang);
    let w = i18n::web_strings(&lang);
    let status_of = |l: &str| {
        current
            .iter()
            .find(|(n, _)| n == l)
            .map(|(_, s)| s.as_str())
    };
    let lists = offered
        .iter()
        .map(|l| {
            let from_file = st
                .config
                .lists
                .get(l.as_str())
                .is_some_and(|c| c.source.is_some());
            let checked = match status_of(l) {
                Some("confirmed" | "pending") => true,
                Some(_) => false,
                None => from_file && *l == t.list,
            };
            st.choice(l, &lang, checked)
        })
        .collect();
    let page = PreferencesPage {
        page: st.layout(&lang, w.preferences_title, "", |l| {
            st.path(&format!("{l}/"))
        }),
        w,
        action: st.path(&format!("preferences/{token}")),
        saved,
        lists,
        languages: st.language_choices(&lang),
    };
    html(
        StatusCode::OK,
        st.config.theme.render("web/preferences.html", &page),
    )
}

pub async fn preferences(
    State(st): State<Arc<AppState>>,
    Seg(token): Seg,
    headers: HeaderMap,
) -> Response {
    preferences_page(st, token, headers, None).await
}

pub async fn save_preferences(
    State(st): State<Arc<AppState>>,
    Seg(token): Seg,
    headers: HeaderMap,
    form: Result<Form<PreferencesForm>, FormRejection>,
) -> Response {
    preferences_page(st, token, headers, Some(form.map(|Form(f)| f))).await
}

/// The forms' language choice, `current` selected.
fn language_choices(config: &crate::config::Config, current: &Lang) -> Vec<LangLink> {
    config
        .site
        .languages
        .iter()
        .map(|l| LangLink {
            lang: l.to_string(),
            name: i18n::strings(l).language_name.to_string(),
            href: String::new(),
            title: String::new(),
            current: l == current,
        })
        .collect()
}

/// Renders every subscription page once per site language with sample
/// values (an error, a saved form, every list): what `check` runs to find
/// what a pressroom's own templates get wrong before a visitor does.
pub fn samples(config: &crate::config::Config) -> Result<(), crate::theme::RenderError> {
    let urls = crate::render::Urls::new(config);
    let theme = &config.theme;
    for lang in &config.site.languages {
        let org = crate::render::OrgView::new(config, lang, &urls);
        let w = i18n::web_strings(lang);
        let layout = |title: &str| {
            standalone_layout(config, lang, &org, title.to_string(), "", |l| {
                format!("/{l}/")
            })
        };
        let lists: Vec<ListChoice> = config
            .lists
            .iter()
            .map(|(name, l)| ListChoice {
                name: name.to_string(),
                title: l.title.get(lang, &config.site.default_lang).to_string(),
                description: l.description.as_ref().map_or(String::new(), |d| {
                    d.get(lang, &config.site.default_lang).to_string()
                }),
                checked: true,
            })
            .collect();
        let languages = language_choices(config, lang);
        theme.render(
            "web/subscribe.html",
            &SubscribePage {
                page: layout(w.subscribe_title),
                w,
                action: "/".into(),
                email: "someone@example.org".into(),
                error: Some(w.invalid_email),
                lists: lists.iter().map(ListChoice::clone).collect(),
                languages: languages.clone(),
            },
        )?;
        theme.render(
            "web/preferences.html",
            &PreferencesPage {
                page: layout(w.preferences_title),
                w,
                action: "/".into(),
                saved: true,
                lists,
                languages,
            },
        )?;
        theme.render(
            "web/unsubscribe.html",
            &UnsubscribePage {
                page: layout(w.unsubscribe_title),
                w,
                action: "/".into(),
                preferences: "/".into(),
                question: w.unsubscribe_title.to_string(),
            },
        )?;
        theme.render(
            "web/confirm.html",
            &ConfirmPage {
                page: layout(w.confirm_button),
                w,
                subject: w.confirm_button,
                action: "/".into(),
            },
        )?;
        theme.render(
            "web/message.html",
            &MessagePage {
                page: layout(w.error_title),
                heading: w.error_title,
                paragraphs: vec![w.unavailable],
                link: Some(LinkView {
                    name: w.back_to_releases.to_string(),
                    href: "/".into(),
                }),
            },
        )?;
    }
    Ok(())
}
