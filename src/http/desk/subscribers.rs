//! The lists on the desk, for admins only (every handler takes [`Admin`]
//! or [`AdminForm`], or checks the role before it reads a byte of a
//! multipart form): the lists with their counts, searching a subscriber,
//! one subscriber's page (language, lists, consent, erasure), adding one,
//! importing a CSV, exporting a list, and the suppression list with lifting.
//! Every change goes through [`crate::desk::subscribers`], which audits it.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{Admin, AdminForm, CheckedUpload, SignedIn};
use super::releases::sync;
use super::{DeskPage, refused, render};
use crate::db::{Consent, Role, SubscriberRow, Unsuppressed};
use crate::desk::Actor;
use crate::desk::audit::{self, Action};
use crate::desk::subscribers as lists_desk;
use crate::http::AppState;
use crate::i18n::{Lang, desk_strings};
use crate::subscribers::EmailAddress;

/// One list with its counts.
pub struct ListRow {
    name: String,
    title: String,
    /// A CSV list: its file (members are not counted here).
    csv: Option<String>,
    confirmed: u64,
    pending: u64,
    unsubscribed: u64,
}

#[derive(Template)]
#[template(path = "desk/subscribers.html")]
struct ListsPage {
    page: DeskPage,
    lists: Vec<ListRow>,
    /// Database lists, for the forms.
    names: Vec<String>,
    langs: Vec<String>,
    q: String,
    found: Option<Vec<SubscriberRow>>,
    info: String,
    problem: String,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: Option<String>,
}

fn actor(signed: &SignedIn) -> Actor {
    Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip)
}

fn lists_page(
    st: &AppState,
    signed: &SignedIn,
    q: &str,
    info: String,
    problem: String,
) -> anyhow::Result<ListsPage> {
    let default = &st.config.site.default_lang;
    let t = desk_strings(signed.lang());
    let (lists, found) = st.with_db(|db| {
        let mut rows = vec![];
        for (name, l) in &st.config.lists {
            let counts = db.subscribers().counts(name)?;
            rows.push(ListRow {
                name: name.as_str().to_string(),
                title: l.title.get(default, default).to_string(),
                csv: l.source.clone(),
                confirmed: counts.confirmed,
                pending: counts.pending,
                unsubscribed: counts.unsubscribed,
            });
        }
        let q = q.trim();
        let found = if q.is_empty() {
            None
        } else {
            Some(db.subscribers().search(q, 50)?)
        };
        Ok::<_, anyhow::Error>((rows, found))
    })?;
    Ok(ListsPage {
        page: signed.page(st, t.subscribers),
        names: st
            .config
            .lists
            .iter()
            .filter(|(_, l)| l.source.is_none())
            .map(|(n, _)| n.as_str().to_string())
            .collect(),
        langs: st
            .config
            .site
            .languages
            .iter()
            .map(ToString::to_string)
            .collect(),
        lists,
        q: q.to_string(),
        found,
        info,
        problem,
    })
}

/// `GET /desk/subscribers`: the lists and their counts, and (`?q=`) the
/// subscribers whose address or name holds the words.
pub async fn lists(
    State(st): State<Arc<AppState>>,
    Query(q): Query<SearchQuery>,
    Admin(signed): Admin,
) -> Response {
    let ui = signed.lang();
    let info = if q.done.is_some() {
        desk_strings(ui).changes_saved.to_string()
    } else {
        String::new()
    };
    match sync(|| lists_page(&st, &signed, &q.q, info, String::new())) {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => super::unavailable(&st, ui, &e),
    }
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    list: String,
}

/// The language a form names (empty: none).
fn form_lang(s: &str) -> Result<Option<Lang>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    Lang::parse(s.trim())
        .map(Some)
        .map_err(|e| format!("lang: {e}"))
}

/// `POST /desk/subscribers`: adds one address to a list, as confirmed by
/// the admin (their consent record says so).
pub async fn add(
    State(st): State<Arc<AppState>>,
    AdminForm(signed, form): AdminForm<AddForm>,
) -> Response {
    let ui = signed.lang();
    let outcome = sync(|| {
        let email = match EmailAddress::parse(form.email.trim()) {
            Ok(e) => e,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let lang = match form_lang(&form.lang) {
            Ok(l) => l,
            Err(e) => return Ok(Err(e)),
        };
        let name = Some(form.name.trim()).filter(|n| !n.is_empty());
        st.with_db(|db| {
            Ok::<_, anyhow::Error>(
                lists_desk::add(
                    db,
                    &st.config,
                    &actor(&signed),
                    &email,
                    name,
                    lang.as_ref(),
                    &form.list,
                )
                .map_err(|e| crate::subscribers::redact_addresses(&format!("{e:#}"))),
            )
        })
    });
    match outcome {
        Ok(Ok(_)) => Redirect::to("/desk/subscribers?done=1").into_response(),
        Ok(Err(why)) => match sync(|| lists_page(&st, &signed, "", String::new(), why)) {
            Ok(page) => render(StatusCode::UNPROCESSABLE_ENTITY, &page),
            Err(e) => super::unavailable(&st, ui, &e),
        },
        Err(e) => super::unavailable(&st, ui, &e),
    }
}

#[derive(Template)]
#[template(path = "desk/import.html")]
struct ImportPage {
    page: DeskPage,
    list: String,
    rows: u64,
    added: u64,
    already: u64,
    refused: u64,
    skipped: u64,
    problems: Vec<String>,
}

/// `POST /desk/subscribers/import` (multipart: `file`, `list`): the CSV
/// importer with its report.
pub async fn import(
    State(st): State<Arc<AppState>>,
    CheckedUpload(signed, form): CheckedUpload,
) -> Response {
    let ui = signed.lang();
    if signed.session.user.role != Role::Admin {
        return refused(
            &st,
            ui,
            StatusCode::FORBIDDEN,
            &crate::i18n::desk_diagnostic("your role does not allow this", ui),
        );
    }
    let list = form.get("list").to_string();
    let Some(file) = form
        .files
        .iter()
        .find(|f| f.field == "file" && !f.bytes.is_empty())
    else {
        return refused(
            &st,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            "file: choose a CSV file",
        );
    };
    let name: String = std::path::Path::new(&file.name)
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect()
        })
        .unwrap_or_else(|| "upload.csv".into());
    let outcome = sync(|| {
        st.with_db(|db| {
            Ok::<_, anyhow::Error>(
                lists_desk::import(db, &st.config, &actor(&signed), &name, &file.bytes, &list)
                    .map_err(|e| format!("{e:#}")),
            )
        })
    });
    match outcome {
        Ok(Ok(imported)) => {
            let r = imported.report;
            render(
                StatusCode::OK,
                &ImportPage {
                    page: signed.page(&st, desk_strings(ui).import_report),
                    list,
                    rows: r.rows,
                    added: r.added,
                    already: r.already,
                    refused: r.refused,
                    skipped: r.skipped,
                    problems: imported.problems,
                },
            )
        }
        Ok(Err(why)) => refused(&st, ui, StatusCode::UNPROCESSABLE_ENTITY, &why),
        Err(e) => super::unavailable(&st, ui, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    list: Option<String>,
}

/// `GET /desk/subscribers/export?list=NAME`: the list's mailable members
/// as CSV (every cell safe to open in a spreadsheet); audited.
pub async fn export(
    State(st): State<Arc<AppState>>,
    Query(q): Query<ExportQuery>,
    Admin(signed): Admin,
) -> Response {
    let ui = signed.lang();
    let list = q.list.filter(|l| !l.is_empty());
    let made = sync(|| {
        st.with_db(|db| {
            let mut out = Vec::new();
            let n = crate::lists::export(&st.config, db, list.as_deref(), false, &mut out)?;
            audit::record(
                db,
                &actor(&signed),
                Action::Export,
                Some(list.as_deref().unwrap_or("(every list)")),
                Some(&format!("{n} rows, the mailable members, from the desk")),
            )?;
            Ok::<_, anyhow::Error>(out)
        })
    });
    match made {
        Ok(bytes) => {
            let file = list.as_deref().unwrap_or("subscribers");
            let file: String = file.chars().filter(char::is_ascii_alphanumeric).collect();
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}.csv\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) if e.to_string().contains("no list") => {
            refused(&st, ui, StatusCode::NOT_FOUND, &e.to_string())
        }
        Err(e) => super::unavailable(&st, ui, &e),
    }
}

#[derive(Template)]
#[template(path = "desk/subscriber.html")]
struct SubscriberPage {
    page: DeskPage,
    s: SubscriberRow,
    consents: Vec<Consent>,
    suppressed: Option<String>,
    langs: Vec<String>,
    problem: String,
    info: String,
}

fn subscriber_page(
    st: &AppState,
    signed: &SignedIn,
    id: &str,
    problem: String,
    info: String,
) -> anyhow::Result<Option<SubscriberPage>> {
    st.with_db(|db| {
        let Some(s) = lists_desk::find(db, id)? else {
            return Ok(None);
        };
        let consents = db.subscribers().consents(&s.hash)?;
        let suppressed = db.subscribers().suppression(&s.hash)?;
        Ok::<_, anyhow::Error>(Some(SubscriberPage {
            page: signed.page(st, &s.email),
            langs: st
                .config
                .site
                .languages
                .iter()
                .map(ToString::to_string)
                .collect(),
            s,
            consents,
            suppressed,
            problem,
            info,
        }))
    })
}

/// `GET /desk/subscribers/{id}` (the address's hash).
pub async fn subscriber(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<SearchQuery>,
    Admin(signed): Admin,
) -> Response {
    let ui = signed.lang();
    let info = if q.done.is_some() {
        desk_strings(ui).changes_saved.to_string()
    } else {
        String::new()
    };
    match sync(|| subscriber_page(&st, &signed, &id, String::new(), info)) {
        Ok(Some(page)) => render(StatusCode::OK, &page),
        Ok(None) => refused(&st, ui, StatusCode::NOT_FOUND, "No such subscriber."),
        Err(e) => super::unavailable(&st, ui, &e),
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    confirm: String,
}

/// What a change to one subscriber asks for.
enum Change {
    Lang,
    Remove,
    Erase,
}

async fn change(
    st: Arc<AppState>,
    signed: SignedIn,
    id: String,
    form: ChangeForm,
    what: Change,
) -> Response {
    let ui = signed.lang();
    let t = desk_strings(ui);
    let outcome = sync(|| {
        st.with_db(|db| {
            let Some(s) = lists_desk::find(db, &id)? else {
                return Ok(None);
            };
            let who = actor(&signed);
            let done: Result<(), String> = match what {
                Change::Lang => match form_lang(&form.lang) {
                    Ok(lang) => lists_desk::set_lang(db, &st.config, &who, &s, lang.as_ref())
                        .map_err(|e| format!("{e:#}")),
                    Err(e) => Err(e),
                },
                Change::Remove => lists_desk::remove(db, &st.config, &who, &s, &form.list)
                    .map(|_| ())
                    .map_err(|e| format!("{e:#}")),
                Change::Erase => {
                    if form.confirm.trim().eq_ignore_ascii_case(&s.email) {
                        lists_desk::erase(db, &st.config, &who, &s)
                            .map(|_| ())
                            .map_err(|e| format!("{e:#}"))
                    } else {
                        Err(t.erase_mismatch.to_string())
                    }
                }
            };
            Ok::<_, anyhow::Error>(Some(done))
        })
    });
    match outcome {
        Ok(None) => refused(&st, ui, StatusCode::NOT_FOUND, "No such subscriber."),
        Ok(Some(Ok(()))) => match what {
            Change::Erase => Redirect::to("/desk/subscribers?done=1").into_response(),
            _ => Redirect::to(&format!("/desk/subscribers/{id}?done=1")).into_response(),
        },
        Ok(Some(Err(why))) => match sync(|| subscriber_page(&st, &signed, &id, why, String::new()))
        {
            Ok(Some(page)) => render(StatusCode::UNPROCESSABLE_ENTITY, &page),
            Ok(None) => refused(&st, ui, StatusCode::NOT_FOUND, "No such subscriber."),
            Err(e) => super::unavailable(&st, ui, &e),
        },
        Err(e) => super::unavailable(&st, ui, &e),
    }
}

/// `POST /desk/subscribers/{id}/lang`.
pub async fn set_lang(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    AdminForm(signed, form): AdminForm<ChangeForm>,
) -> Response {
    change(st, signed, id, form, Change::Lang).await
}

/// `POST /desk/subscribers/{id}/remove` (`list`).
pub async fn remove(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    AdminForm(signed, form): AdminForm<ChangeForm>,
) -> Response {
    change(st, signed, id, form, Change::Remove).await
}

/// `POST /desk/subscribers/{id}/erase` (`confirm`: the address typed).
pub async fn erase(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    AdminForm(signed, form): AdminForm<ChangeForm>,
) -> Response {
    change(st, signed, id, form, Change::Erase).await
}

/// One suppression as the page shows it.
pub struct SuppressionView {
    id: String,
    who: String,
    reason: String,
    detail: String,
    at: String,
    /// Erased on request: never lifted.
    erased: bool,
}

#[derive(Template)]
#[template(path = "desk/suppressions.html")]
struct SuppressionsPage {
    page: DeskPage,
    rows: Vec<SuppressionView>,
    info: String,
    problem: String,
}

fn suppressions_page(
    st: &AppState,
    signed: &SignedIn,
    info: String,
    problem: String,
) -> anyhow::Result<SuppressionsPage> {
    let t = desk_strings(signed.lang());
    let rows = st.with_db(|db| db.subscribers().suppressions(1000))?;
    Ok(SuppressionsPage {
        page: signed.page(st, t.suppressions),
        rows: rows
            .into_iter()
            .map(|r| SuppressionView {
                erased: r.reason == "forgotten",
                id: r.hash,
                who: crate::subscribers::printable(&r.recipient.to_string()).into_owned(),
                reason: r.reason,
                detail: r.detail,
                at: r.at,
            })
            .collect(),
        info,
        problem,
    })
}

/// `GET /desk/suppressions`: every suppression with its reason and
/// evidence, newest first.
pub async fn suppressions(
    State(st): State<Arc<AppState>>,
    Query(q): Query<SearchQuery>,
    Admin(signed): Admin,
) -> Response {
    let ui = signed.lang();
    let info = if q.done.is_some() {
        desk_strings(ui).changes_saved.to_string()
    } else {
        String::new()
    };
    match sync(|| suppressions_page(&st, &signed, info, String::new())) {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => super::unavailable(&st, ui, &e),
    }
}

#[derive(Deserialize)]
pub struct LiftForm {
    #[serde(default)]
    why: String,
}

/// `POST /desk/suppressions/{id}/lift` (`why`, required): lifts a
/// suppression set by mistake; an erasure is never lifted.
pub async fn lift(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    AdminForm(signed, form): AdminForm<LiftForm>,
) -> Response {
    let ui = signed.lang();
    let outcome = sync(|| {
        st.with_db(|db| {
            Ok::<_, anyhow::Error>(
                lists_desk::lift(db, &actor(&signed), &id, &form.why).map_err(|e| format!("{e:#}")),
            )
        })
    });
    let problem = match outcome {
        Ok(Ok(Unsuppressed::Lifted(_))) => {
            return Redirect::to("/desk/suppressions?done=1").into_response();
        }
        Ok(Ok(Unsuppressed::NotSuppressed)) => {
            return refused(&st, ui, StatusCode::NOT_FOUND, "No such suppression.");
        }
        Ok(Ok(Unsuppressed::Erased)) => {
            "erased on request: it stays suppressed; the person can subscribe again on the web form"
                .to_string()
        }
        Ok(Err(why)) => why,
        Err(e) => return super::unavailable(&st, ui, &e),
    };
    match sync(|| suppressions_page(&st, &signed, String::new(), problem)) {
        Ok(page) => render(StatusCode::UNPROCESSABLE_ENTITY, &page),
        Err(e) => super::unavailable(&st, ui, &e),
    }
}
