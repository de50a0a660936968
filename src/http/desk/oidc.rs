//! Signing in with the organisation's account (`[desk.oidc]`):
//! `/desk/login/oidc` begins it and sends the browser to the provider,
//! `/desk/login/oidc/callback` is where the provider sends it back (the
//! redirect URI to register there). The rules are `desk::oidc`'s.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::blocking;
use super::guard::{self, Visitor};
use super::pages::{message, set_cookie};
use crate::desk::oidc::{Callback, FLOW_LIFETIME, OidcError};
use crate::http::AppState;
use crate::i18n::desk_strings;

/// The cookie that binds a sign-in begun at the provider to this browser.
/// `SameSite=Lax`: the provider's redirect back is a cross-site top-level
/// navigation, which a `Strict` cookie would not come with.
pub const OIDC_COOKIE: &str = "pressroom-desk-oidc";

/// The page for a sign-in that did not work, and its status.
fn failed(st: &AppState, lang: &'static str, e: &OidcError) -> Response {
    let t = desk_strings(lang);
    let (status, text) = match e {
        OidcError::Provider(_) | OidcError::Other(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, t.oidc_unavailable)
        }
        OidcError::Busy => (StatusCode::TOO_MANY_REQUESTS, t.oidc_unavailable),
        OidcError::State => (StatusCode::BAD_REQUEST, t.oidc_state),
        OidcError::Unknown | OidcError::Disabled => (StatusCode::FORBIDDEN, t.oidc_unknown),
        OidcError::Refused(_)
        | OidcError::Exchange(_)
        | OidcError::Token(_)
        | OidcError::NoAddress(_)
        | OidcError::Unverified => (StatusCode::FORBIDDEN, t.oidc_refused),
    };
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        tracing::error!(error = %e, "signing in with the organisation's account failed");
    } else {
        tracing::warn!(error = %crate::http::log::redact_addresses(&e.to_string()), "a sign-in with the organisation's account was refused");
    }
    message(
        st,
        lang,
        status,
        t.oidc_failed,
        text,
        Some(("/desk/login", t.sign_in)),
    )
}

/// Begins a sign-in at the provider.
pub async fn begin(State(st): State<Arc<AppState>>, visitor: Visitor) -> Response {
    let lang = visitor.lang;
    if st.oidc.is_none() {
        return super::refused(
            &st,
            lang,
            StatusCode::NOT_FOUND,
            desk_strings(lang).refused_form,
        );
    }
    let outcome = blocking(&st, lang, move |st| {
        let oidc = st.oidc.as_ref().expect("checked above");
        st.with_db(|db| Ok::<_, anyhow::Error>(oidc.begin(db, chrono::Utc::now())))
    })
    .await;
    match outcome {
        Err(res) => res,
        Ok(Err(e)) => failed(&st, lang, &e),
        Ok(Ok(begun)) => {
            let mut res = Redirect::to(begun.url.as_str()).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&st, OIDC_COOKIE, &begun.state, "Lax", Some(FLOW_LIFETIME)),
            );
            res
        }
    }
}

/// The state cookie, read from the request's parts.
pub struct StateCookie(Option<String>);

impl FromRequestParts<Arc<AppState>> for StateCookie {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        _: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(StateCookie(
            guard::cookie(parts, OIDC_COOKIE).map(str::to_string),
        ))
    }
}

/// Where the provider sends the browser back: signs in, or says why not.
pub async fn callback(
    State(st): State<Arc<AppState>>,
    visitor: Visitor,
    StateCookie(cookie): StateCookie,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let lang = visitor.lang;
    if st.oidc.is_none() {
        return super::refused(
            &st,
            lang,
            StatusCode::NOT_FOUND,
            desk_strings(lang).refused_form,
        );
    }
    // A query that does not parse is a callback with nothing in it: it is
    // refused for its state, and audited as such.
    let answer: Callback =
        serde_html_form::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let ip = visitor.ip.clone();
    let outcome = blocking(&st, lang, move |st| {
        let oidc = st.oidc.as_ref().expect("checked above");
        st.with_db(|db| {
            Ok::<_, anyhow::Error>(oidc.finish(
                db,
                cookie.as_deref(),
                &answer,
                &ip,
                chrono::Utc::now(),
            ))
        })
    })
    .await;
    let mut res = match outcome {
        Err(res) => return res,
        Ok(Err(e)) => failed(&st, lang, &e),
        Ok(Ok(session)) => {
            let mut res = Redirect::to("/desk/").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&st, guard::cookie_name(&st), &session.token, "Lax", None),
            );
            res
        }
    };
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, OIDC_COOKIE, "", "Lax", Some(0)),
    );
    res
}
