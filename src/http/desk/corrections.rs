//! Correcting a published release (`GET`/`POST
//! /desk/releases/{slug}/correct`, editors and admins, checked by
//! [`crate::desk::releases::may`]): a note per language version goes on
//! the site at once (`updated:` and `correction:`), and, when asked, only
//! the correction is emailed by `serve` to those who had the original.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::guard::{Checked, SignedIn};
use super::releases::{answer, not_found, rebuild, sync};
use super::sends::{desk_release, title_of};
use super::{DeskPage, refused, render};
use crate::delivery::Group;
use crate::desk::Actor;
use crate::desk::releases::{self, Act, DeskRelease, SaveError};
use crate::http::AppState;
use crate::i18n::desk_strings;

/// One language version on the form.
struct VersionView {
    lang: String,
    title: String,
    /// The note typed (kept when the form comes back).
    note: String,
    /// The correction it already carries.
    earlier: String,
}

#[derive(Template)]
#[template(path = "desk/correct.html")]
struct CorrectPage {
    page: DeskPage,
    heading: String,
    slug: String,
    back: String,
    versions: Vec<VersionView>,
    /// How many people had the original and would get the correction.
    audience: u64,
    email: bool,
    problem: String,
}

fn correct_page(
    st: &AppState,
    signed: &SignedIn,
    d: &DeskRelease<'_>,
    slug: &str,
    audience: u64,
    form: &BTreeMap<String, String>,
    problem: String,
) -> CorrectPage {
    let ui = signed.lang();
    let heading = format!("{}: {}", desk_strings(ui).correct, title_of(d, ui));
    CorrectPage {
        page: signed.page(st, &heading),
        back: format!("/desk/releases/{slug}/{}", d.versions[0].lang),
        slug: slug.to_string(),
        versions: d
            .versions
            .iter()
            .map(|r| VersionView {
                lang: r.lang.to_string(),
                title: r.title.clone(),
                note: form
                    .get(&format!("note_{}", r.lang))
                    .cloned()
                    .unwrap_or_default(),
                earlier: r.publication.correction.clone().unwrap_or_default(),
            })
            .collect(),
        audience,
        email: form.get("email").is_some_and(|v| v == "1"),
        heading,
        problem,
    }
}

/// The release of `slug` if `signed` may correct it now, else the page
/// that says why not; and how many had the original.
fn correctable<'a>(
    st: &AppState,
    signed: &SignedIn,
    content: &'a crate::content::Content,
    slug: &str,
) -> Result<(DeskRelease<'a>, u64), Box<Response>> {
    let ui = signed.lang();
    let d = match desk_release(st, content, slug) {
        Ok(Some(d)) => d,
        Ok(None) => return Err(Box::new(not_found(st, ui))),
        Err(e) => return Err(Box::new(super::unavailable(st, ui, &e))),
    };
    if let Err(why) = releases::may(
        &signed.session.user,
        Act::Correct,
        &d,
        chrono::Utc::now(),
        st.config.desk.approvals,
    ) {
        return Err(Box::new(refused(
            st,
            ui,
            StatusCode::FORBIDDEN,
            &crate::i18n::desk_diagnostic(&why.to_string(), ui),
        )));
    }
    let group = Group::of(content, d.versions[0]);
    let audience = st
        .with_db(|db| crate::sending::correction::audience(db, &group))
        .map_err(|e| Box::new(super::unavailable(st, ui, &e)))?;
    Ok((d, audience))
}

/// `GET /desk/releases/{slug}/correct`: the form, with how many had the
/// original.
pub async fn form(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    signed: SignedIn,
) -> Response {
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    match sync(|| correctable(&st, &signed, &content, &slug)) {
        Err(res) => *res,
        Ok((d, audience)) => render(
            StatusCode::OK,
            &correct_page(
                &st,
                &signed,
                &d,
                &slug,
                audience,
                &BTreeMap::new(),
                String::new(),
            ),
        ),
    }
}

/// `POST /desk/releases/{slug}/correct`: writes the notes, builds the
/// site, and (with `email=1`) asks `serve` to email the correction.
pub async fn correct(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked(signed, form): Checked<BTreeMap<String, String>>,
) -> Response {
    let ui = signed.lang();
    let t = desk_strings(ui);
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let notes: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("note_")?.to_string(), v.clone())))
        .collect();
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let outcome = sync(|| {
        let (d, audience) = match correctable(&st, &signed, &content, &slug) {
            Ok(found) => found,
            Err(res) => return Ok(Err(res)),
        };
        let done = st.with_db(|db| {
            Ok::<_, anyhow::Error>(releases::correct(
                db,
                &st.config,
                &actor,
                &signed.session.user,
                &d,
                &notes,
                chrono::Utc::now(),
            ))
        })?;
        let back = format!("/desk/releases/{slug}/{}", d.versions[0].lang);
        Ok(Ok((d.key.clone(), back, audience, done)))
    });
    let (key, back, audience, done) = match outcome {
        Err(e) => return super::unavailable(&st, ui, &e),
        Ok(Err(res)) => return *res,
        Ok(Ok(found)) => found,
    };
    if let Err(SaveError::Refused(releases::Refused::NoNote)) = &done {
        let content2 = content.clone();
        let page = sync(|| correctable(&st, &signed, &content2, &slug));
        return match page {
            Err(res) => *res,
            Ok((d, audience)) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &correct_page(
                    &st,
                    &signed,
                    &d,
                    &slug,
                    audience,
                    &form,
                    crate::i18n::desk_diagnostic(&releases::Refused::NoNote.to_string(), ui),
                ),
            ),
        };
    }
    if done.is_err() {
        return answer(&st, ui, Ok(done), |_| String::new());
    }
    rebuild(&st, "corrected").await;
    let mut text = t.correct_done.to_string();
    if form.get("email").is_some_and(|v| v == "1") && audience > 0 {
        // The files changed: read them again for the correction's key.
        let content = match super::content(&st, &signed).await {
            Ok(c) => c,
            Err(res) => return res,
        };
        let asked = sync(|| {
            st.with_db(|db| {
                crate::desk::sending::request_correction(
                    db,
                    &content,
                    &actor,
                    &signed.session.user,
                    &key,
                )
            })
        });
        match asked {
            Ok(Some((_, n))) => {
                st.desk_wake.notify_one();
                text = format!("{text} {} {n}.", t.correct_emailing);
            }
            Ok(None) => {}
            Err(e) => return super::unavailable(&st, ui, &e),
        }
    }
    super::pages::message(
        &st,
        ui,
        StatusCode::OK,
        t.correct,
        &text,
        Some((&back, t.back_to_editor)),
    )
}
