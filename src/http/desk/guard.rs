//! What every desk request must show before a handler runs, as extractors
//! a handler cannot forget: [`SignedIn`] (a valid sign-in), [`Admin`] (and
//! the admin role), [`Checked`] (a signed-in form whose CSRF token is the
//! one this sign-in was given). A refusal is a 403 page that changes
//! nothing, never a redirect; only a page asked for without a sign-in is
//! sent to the sign-in page.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

use super::{DeskPage, refused};
use crate::db::Role;
use crate::desk::sign_in::{self, Session};
use crate::http::AppState;
use crate::i18n::{desk_lang, desk_strings};

/// The sign-in cookie: `__Host-` (Secure, whole host, no Domain) when the
/// desk is reached over https.
pub const COOKIE: &str = "pressroom-desk";
pub const COOKIE_HTTPS: &str = "__Host-pressroom-desk";
/// The sign-in page's nonce, which its form token is bound to.
pub const LOGIN_COOKIE: &str = "pressroom-desk-login";

/// What a CSRF token of a signed-in form is for.
pub const FORM_PURPOSE: &str = "desk";

/// Who asks, before any sign-in: their address (behind trusted proxies,
/// the forwarded one) and the desk language their browser asks for.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub ip: String,
    pub lang: &'static str,
    /// The `Host` it asked for (the desk's address when `[desk] url` does
    /// not say), when it is a plain host name or address with a port.
    pub host: Option<String>,
}

impl FromRequestParts<Arc<AppState>> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        st: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let ip =
            crate::http::client::client_ip(peer, &parts.headers, &st.config.serve.trusted_proxies);
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            })
            .map(ToString::to_string);
        Ok(Visitor {
            ip: ip.to_string(),
            lang: desk_lang(accept),
            host,
        })
    }
}

/// A cookie's value from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The sign-in cookie's name for this desk.
pub fn cookie_name(st: &AppState) -> &'static str {
    if st.config.desk.is_https() {
        COOKIE_HTTPS
    } else {
        COOKIE
    }
}

/// A request with a valid sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub visitor: Visitor,
    /// The token this sign-in's forms carry.
    pub csrf: String,
}

impl SignedIn {
    /// The desk language: the user's own, else the browser's.
    pub fn lang(&self) -> &'static str {
        match self
            .session
            .user
            .lang
            .as_ref()
            .map(crate::i18n::Lang::as_str)
        {
            Some("fi") => "fi",
            Some("sv") => "sv",
            Some("en") => "en",
            _ => self.visitor.lang,
        }
    }

    /// The frame of a page for this user.
    pub fn page(&self, st: &AppState, title: &str) -> DeskPage {
        DeskPage::new(st, self.lang(), title, Some(self))
    }
}

impl FromRequestParts<Arc<AppState>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        st: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Ok(visitor) = Visitor::from_request_parts(parts, st).await;
        let token = cookie(parts, cookie_name(st)).map(str::to_string);
        let session = match token {
            Some(token) => {
                let st2 = Arc::clone(st);
                tokio::task::spawn_blocking(move || {
                    st2.with_db(|db| {
                        let Some(session) =
                            sign_in::current(db, &st2.config.desk, &token, chrono::Utc::now())?
                        else {
                            return Ok(None);
                        };
                        // A second factor is asked of local accounts only:
                        // the organisation's provider has its own.
                        let second = !st2.config.desk.require_totp
                            || !session.method.is_local()
                            || crate::desk::totp::is_on(db, &session.user)?;
                        Ok::<_, anyhow::Error>(Some((session, second)))
                    })
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .and_then(|r| r)
                .map_err(|e| super::unavailable(st, visitor.lang, &e))?
            }
            None => None,
        };
        // With `[desk] require_totp`, a sign-in without a second factor
        // reaches only its enrolment (and signing out).
        let session = match session {
            Some((session, false)) if st.config.desk.require_totp => {
                let path = parts.uri.path();
                if path != "/desk/account/totp" && path != "/desk/logout" {
                    return Err(if matches!(parts.method, Method::GET | Method::HEAD) {
                        Redirect::to("/desk/account/totp").into_response()
                    } else {
                        refused(
                            st,
                            visitor.lang,
                            StatusCode::FORBIDDEN,
                            desk_strings(visitor.lang).totp_required,
                        )
                    });
                }
                Some(session)
            }
            other => other.map(|(session, _)| session),
        };
        let Some(session) = session else {
            return Err(if matches!(parts.method, Method::GET | Method::HEAD) {
                Redirect::to("/desk/login").into_response()
            } else {
                refused(
                    st,
                    visitor.lang,
                    StatusCode::FORBIDDEN,
                    desk_strings(visitor.lang).refused_form,
                )
            });
        };
        let csrf = st.secret.form_token(FORM_PURPOSE, &session.token);
        Ok(SignedIn {
            session,
            visitor,
            csrf,
        })
    }
}

/// The 403 page, unless `signed` is an admin's.
fn unless_admin(st: &AppState, signed: &SignedIn) -> Option<Response> {
    if signed.session.user.role == Role::Admin {
        return None;
    }
    let lang = signed.lang();
    Some(refused(
        st,
        lang,
        StatusCode::FORBIDDEN,
        desk_strings(lang).refused_role,
    ))
}

/// A request with a valid sign-in of an admin.
#[derive(Debug, Clone)]
pub struct Admin(pub SignedIn);

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        st: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let signed = SignedIn::from_request_parts(parts, st).await?;
        if let Some(refusal) = unless_admin(st, &signed) {
            return Err(refusal);
        }
        Ok(Admin(signed))
    }
}

/// The `csrf` field of a form body.
pub fn csrf_field(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
}

/// A signed-in form of fields `T`, whose `csrf` field is this sign-in's
/// token (checked in full, in constant time).
pub struct Checked<T>(pub SignedIn, pub T);

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for Checked<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let signed = SignedIn::from_request_parts(&mut parts, st).await?;
        let lang = signed.lang();
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), st)
            .await
            .map_err(IntoResponse::into_response)?;
        let given = csrf_field(&bytes).unwrap_or_default();
        if !st
            .secret
            .verify_form_token(FORM_PURPOSE, &signed.session.token, &given)
        {
            return Err(refused(
                st,
                lang,
                StatusCode::FORBIDDEN,
                desk_strings(lang).refused_form,
            ));
        }
        let fields = serde_html_form::from_bytes(&bytes).map_err(|e| {
            refused(
                st,
                lang,
                StatusCode::BAD_REQUEST,
                &format!("{}: {e}", desk_strings(lang).refused_form),
            )
        })?;
        Ok(Checked(signed, fields))
    }
}

/// A signed-in admin's form of fields `T`, with this sign-in's CSRF token.
pub struct AdminForm<T>(pub SignedIn, pub T);

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for AdminForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let Checked(signed, fields) = Checked::<T>::from_request(req, st).await?;
        if let Some(refusal) = unless_admin(st, &signed) {
            return Err(refusal);
        }
        Ok(AdminForm(signed, fields))
    }
}

/// A file part of a multipart form.
#[derive(Debug, Clone)]
pub struct SentFile {
    /// The form field it was sent in.
    pub field: String,
    /// The name the browser gave (anything at all).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A form's fields in the order sent, and its files (a multipart form
/// with no file chosen sends an empty part, which is left out).
#[derive(Debug, Clone, Default)]
pub struct Submitted {
    pub fields: Vec<(String, String)>,
    pub files: Vec<SentFile>,
}

impl Submitted {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A signed-in form (URL-encoded, or multipart with files) whose `csrf`
/// field is this sign-in's token; nothing is looked at before the token
/// is checked but the parts themselves, which stay in memory.
pub struct CheckedUpload(pub SignedIn, pub Submitted);

impl FromRequest<Arc<AppState>> for CheckedUpload {
    type Rejection = Response;

    async fn from_request(req: Request, st: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let signed = SignedIn::from_request_parts(&mut parts, st).await?;
        let lang = signed.lang();
        let t = desk_strings(lang);
        let too_large = |e: &dyn std::fmt::Display| {
            refused(
                st,
                lang,
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("{} ({e})", t.upload_too_large),
            )
        };
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let req = Request::from_parts(parts, body);
        let mut sent = Submitted::default();
        if multipart {
            let mut form = axum::extract::Multipart::from_request(req, st)
                .await
                .map_err(IntoResponse::into_response)?;
            loop {
                let field = match form.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large(&e));
                    }
                    Err(e) => {
                        return Err(refused(
                            st,
                            lang,
                            StatusCode::BAD_REQUEST,
                            &format!("{}: {e}", t.refused_form),
                        ));
                    }
                };
                let name = field.name().unwrap_or("").to_string();
                let file = field.file_name().map(ToString::to_string);
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large(&e)
                    } else {
                        refused(
                            st,
                            lang,
                            StatusCode::BAD_REQUEST,
                            &format!("{}: {e}", t.refused_form),
                        )
                    }
                })?;
                match file {
                    Some(f) if f.is_empty() && bytes.is_empty() => {}
                    Some(f) => sent.files.push(SentFile {
                        field: name,
                        name: f,
                        bytes: bytes.to_vec(),
                    }),
                    None => sent
                        .fields
                        .push((name, String::from_utf8_lossy(&bytes).into_owned())),
                }
            }
        } else {
            let bytes = axum::body::Bytes::from_request(req, st)
                .await
                .map_err(|e| too_large(&e.body_text()))?;
            sent.fields = form_urlencoded::parse(&bytes).into_owned().collect();
        }
        if !st
            .secret
            .verify_form_token(FORM_PURPOSE, &signed.session.token, sent.get("csrf"))
        {
            return Err(refused(st, lang, StatusCode::FORBIDDEN, t.refused_form));
        }
        Ok(CheckedUpload(signed, sent))
    }
}
