//! `/desk/account/totp`: each person enrols their own second factor (the
//! QR code, the secret as text, a first code to confirm, then the recovery
//! codes shown once). With `[desk] require_totp`, a signed-in person
//! without one is sent here before any other page (see [`super::guard`]).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use serde::Deserialize;

use super::guard::{Checked, SignedIn};
use super::releases::sync;
use super::{DeskPage, render};
use crate::desk::Actor;
use crate::desk::totp::{self, Enrolment};
use crate::http::AppState;
use crate::i18n::desk_strings;

#[derive(Template)]
#[template(path = "desk/totp.html")]
struct TotpPage {
    page: DeskPage,
    /// On: since when, and the recovery codes left.
    on: Option<(String, u64)>,
    /// Pending: the QR code (an SVG data address) and the key in groups.
    qr: String,
    key: String,
    /// Just turned on: the recovery codes, shown this once.
    codes: Vec<String>,
    problem: String,
    required: bool,
}

fn grouped(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn page(
    st: &AppState,
    signed: &SignedIn,
    problem: String,
    codes: Vec<String>,
) -> anyhow::Result<TotpPage> {
    let t = desk_strings(signed.lang());
    let user = &signed.session.user;
    let enrolment = st.with_db(|db| totp::enrolment(db, &st.secret, user))?;
    let (on, qr, key) = match enrolment {
        Enrolment::On { since, codes_left } => {
            (Some((since, codes_left)), String::new(), String::new())
        }
        Enrolment::Pending(secret) => {
            let issuer = format!(
                "{} ({})",
                st.config.site.title(&st.config.site.default_lang),
                t.desk
            );
            let svg = totp::qr_svg(&secret.uri(&issuer, user.email.as_str()))?;
            (
                None,
                format!(
                    "data:image/svg+xml;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(svg)
                ),
                grouped(&secret.base32()),
            )
        }
    };
    Ok(TotpPage {
        page: signed.page(st, t.totp_title),
        on,
        qr,
        key,
        codes,
        problem,
        required: st.config.desk.require_totp,
    })
}

/// `GET /desk/account/totp`.
pub async fn show(State(st): State<Arc<AppState>>, signed: SignedIn) -> Response {
    match sync(|| page(&st, &signed, String::new(), vec![])) {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => super::unavailable(&st, signed.lang(), &e),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
}

/// `POST /desk/account/totp` (`code`): turns the second factor on.
pub async fn confirm(
    State(st): State<Arc<AppState>>,
    Checked(signed, form): Checked<ConfirmForm>,
) -> Response {
    let ui = signed.lang();
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let outcome = sync(|| {
        let codes = st.with_db(|db| {
            totp::confirm(
                db,
                &st.secret,
                &actor,
                &signed.session.user,
                &form.code,
                chrono::Utc::now().timestamp(),
            )
        })?;
        match codes {
            Some(codes) => page(&st, &signed, String::new(), codes).map(|p| (StatusCode::OK, p)),
            None => page(
                &st,
                &signed,
                desk_strings(ui).totp_wrong.to_string(),
                vec![],
            )
            .map(|p| (StatusCode::UNPROCESSABLE_ENTITY, p)),
        }
    });
    match outcome {
        Ok((status, p)) => render(status, &p),
        Err(e) => super::unavailable(&st, ui, &e),
    }
}
