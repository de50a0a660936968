//! Sending a release from the desk, and following it: the plan and its
//! confirmation (`GET`/`POST /desk/releases/{slug}/send`, editors and
//! admins only, checked by [`crate::desk::releases::may`]), and the
//! delivery report (`/desk/releases/{slug}/report`: counts for all staff;
//! failed addresses and `?format=csv` for editors and admins, the export
//! audited; `?format=json` for the page's live counts).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{Checked, SignedIn};
use super::releases::{not_found, sync};
use super::{DeskPage, refused, render};
use crate::db::{ReportRow, Role, SendRequest, SendState};
use crate::desk::Actor;
use crate::desk::audit::{self, Action};
use crate::desk::releases::{Act, DeskRelease, SaveError, may};
use crate::desk::sending::{self, DeskPlan, SendRefused, When};
use crate::http::AppState;
use crate::i18n::{DeskStrings, Lang, desk_strings};

/// The report page's policy: the desk's, and its one script (the live
/// counts), never an inline one.
const REPORT_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

#[derive(Template)]
#[template(path = "desk/send.html")]
struct SendPage {
    page: DeskPage,
    heading: String,
    slug: String,
    back: String,
    plan: DeskPlan,
    include_new: bool,
    date_ahead: bool,
    date: String,
    problem: String,
    /// What the editor typed (kept when it did not match).
    typed: String,
    when_now: bool,
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    #[serde(default)]
    include_new: Option<String>,
}

/// The release of `slug` (any language version) with its desk record.
pub(super) fn desk_release<'a>(
    st: &AppState,
    content: &'a crate::content::Content,
    slug: &str,
) -> anyhow::Result<Option<DeskRelease<'a>>> {
    let Some(r) = content.releases.iter().find(|r| r.slug.as_str() == slug) else {
        return Ok(None);
    };
    st.with_db(|db| DeskRelease::of(db, &st.config.root, &r.group_key(), &content.releases))
}

pub(super) fn title_of(d: &DeskRelease<'_>, ui: &str) -> String {
    d.versions
        .iter()
        .find(|r| r.lang.as_str() == ui)
        .unwrap_or(&d.versions[0])
        .title
        .clone()
}

#[allow(clippy::too_many_arguments)]
fn send_page(
    st: &AppState,
    signed: &SignedIn,
    d: &DeskRelease<'_>,
    slug: &str,
    plan: DeskPlan,
    problem: String,
    typed: String,
    when_now: bool,
) -> SendPage {
    let ui = signed.lang();
    let t = desk_strings(ui);
    let heading = format!("{}: {}", t.send_title, title_of(d, ui));
    let first = &d.versions[0];
    let date = plan
        .date
        .map(|at| {
            crate::i18n::format_date_time(
                &at,
                &Lang::parse(ui).unwrap_or_else(|_| first.lang.clone()),
                st.config.site.timezone,
            )
        })
        .unwrap_or_default();
    SendPage {
        page: signed.page(st, &heading),
        back: format!("/desk/releases/{slug}/{}", first.lang),
        slug: slug.to_string(),
        include_new: plan.include_new,
        date_ahead: plan.date.is_some_and(|at| at > chrono::Utc::now()),
        date,
        plan,
        problem,
        typed,
        heading,
        when_now,
    }
}

/// `GET /desk/releases/{slug}/send`: the plan (counts per list and
/// language, the subject per language) and the confirmation form.
pub async fn send_form(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Query(q): Query<PlanQuery>,
    signed: SignedIn,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let include_new = q.include_new.is_some();
    let outcome = sync(|| {
        let Some(d) = desk_release(&st, &content, &slug)? else {
            return Ok(None);
        };
        if let Err(why) = may(
            &signed.session.user,
            Act::Release,
            &d,
            chrono::Utc::now(),
            st.config.desk.approvals,
        ) {
            return Ok(Some(Err(why)));
        }
        let plan = st.with_db(|db| sending::plan(db, &content, &d, include_new))?;
        Ok::<_, anyhow::Error>(Some(Ok(send_page(
            &st,
            &signed,
            &d,
            &slug,
            plan,
            String::new(),
            String::new(),
            true,
        ))))
    });
    match outcome {
        Err(e) => super::unavailable(&st, ui, &e),
        Ok(None) => not_found(&st, ui),
        Ok(Some(Err(why))) => refused(
            &st,
            ui,
            StatusCode::FORBIDDEN,
            &crate::i18n::desk_diagnostic(&why.to_string(), ui),
        ),
        Ok(Some(Ok(page))) => render(StatusCode::OK, &page),
    }
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    when: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    include_new: Option<String>,
}

/// What became of a send asked for.
enum Asked {
    Done,
    NoSuchRelease,
    Refused(crate::desk::releases::Refused),
    NoWhen,
    /// The number typed was not the plan's: the page again.
    Mismatch(Box<SendPage>),
    Invalid(Vec<crate::desk::releases::FieldProblem>),
}

/// `POST /desk/releases/{slug}/send`: sends (now, by `serve` within
/// seconds, or at its date) once the number typed is the plan's.
pub async fn send(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked(signed, form): Checked<SendForm>,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let include_new = form.include_new.is_some();
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let outcome = sync(|| {
        let Some(d) = desk_release(&st, &content, &slug)? else {
            return Ok(Asked::NoSuchRelease);
        };
        // Who may send is answered before what the form says.
        let user = &signed.session.user;
        let now = chrono::Utc::now();
        if let Err(why) = may(user, Act::Release, &d, now, st.config.desk.approvals) {
            return Ok(Asked::Refused(why));
        }
        let when = match form.when.as_str() {
            "now" => When::Now,
            "date" => When::AtDate,
            _ => return Ok(Asked::NoWhen),
        };
        let asked = st.with_db(|db| {
            Ok::<_, anyhow::Error>(sending::request(
                db,
                &content,
                &actor,
                user,
                &d,
                when,
                include_new,
                &form.confirm,
            ))
        })?;
        Ok::<_, anyhow::Error>(match asked {
            Ok(_) => Asked::Done,
            Err(SendRefused::Mismatch { expected }) => {
                let plan = st.with_db(|db| sending::plan(db, &content, &d, include_new))?;
                Asked::Mismatch(Box::new(send_page(
                    &st,
                    &signed,
                    &d,
                    &slug,
                    plan,
                    format!("{} {expected}.", desk_strings(ui).mismatch),
                    form.confirm.chars().take(20).collect(),
                    when == When::Now,
                )))
            }
            Err(SendRefused::Save(SaveError::Refused(why))) => Asked::Refused(why),
            Err(SendRefused::Save(SaveError::Invalid(p))) => Asked::Invalid(p),
            Err(SendRefused::Save(SaveError::Other(e))) => return Err(e),
            Err(SendRefused::Save(SaveError::Conflict { .. })) => {
                return Err(anyhow::anyhow!("the release changed while it was sent"));
            }
        })
    });
    match outcome {
        Err(e) => super::unavailable(&st, ui, &e),
        Ok(Asked::NoSuchRelease) => not_found(&st, ui),
        Ok(Asked::Done) => {
            st.desk_wake.notify_one();
            Redirect::to(&format!("/desk/releases/{slug}/report")).into_response()
        }
        Ok(Asked::Mismatch(page)) => render(StatusCode::UNPROCESSABLE_ENTITY, page.as_ref()),
        Ok(Asked::NoWhen) => refused(&st, ui, StatusCode::BAD_REQUEST, "when: now or date"),
        Ok(Asked::Refused(why)) => refused(
            &st,
            ui,
            StatusCode::FORBIDDEN,
            &crate::i18n::desk_diagnostic(&why.to_string(), ui),
        ),
        Ok(Asked::Invalid(p)) => refused(
            &st,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &super::releases::in_desk_language(p, ui)
                .into_iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// One request of the report's list of sends, as shown.
pub struct SendView {
    requested_at: String,
    /// A correction's send (only the correction was emailed).
    correction: bool,
    state: &'static str,
    expected: u64,
    outcome: String,
}

fn state_name(t: &DeskStrings, s: SendState) -> &'static str {
    match s {
        SendState::Waiting => t.state_waiting,
        SendState::Sending => t.state_sending,
        SendState::Done => t.state_done,
        SendState::Failed => t.state_failed,
        SendState::Scheduled => t.state_scheduled,
    }
}

/// One failed address, for editors and admins.
pub struct FailureView {
    address: String,
    list: String,
    attempts: u32,
    reply: String,
}

#[derive(Template)]
#[template(path = "desk/report.html")]
struct ReportPage {
    page: DeskPage,
    heading: String,
    back: String,
    slug: String,
    rows: Vec<ReportRow>,
    total: ReportRow,
    sends: Vec<SendView>,
    failures: Vec<FailureView>,
    may_export: bool,
    /// Something is still to be sent: the page refreshes itself.
    live: bool,
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    format: Option<String>,
}

/// The counts of `rows` added up.
fn total_of(rows: &[ReportRow]) -> ReportRow {
    let mut t = ReportRow {
        list: String::new(),
        lang: Lang::parse("en").expect("en is a language"),
        sent: 0,
        waiting: 0,
        retrying: 0,
        failed: 0,
        suppressed: 0,
        bounced: 0,
        complained: 0,
    };
    for r in rows {
        t.sent += r.sent;
        t.waiting += r.waiting;
        t.retrying += r.retrying;
        t.failed += r.failed;
        t.suppressed += r.suppressed;
        t.bounced += r.bounced;
        t.complained += r.complained;
    }
    t
}

/// `GET /desk/releases/{slug}/report`: the delivery report (HTML, or
/// `?format=json` for the live counts, or `?format=csv`, editors only).
pub async fn report(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Query(q): Query<ReportQuery>,
    signed: SignedIn,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let editor = signed.session.user.role >= Role::Editor;
    let format = q.format.as_deref().unwrap_or("html");
    if !matches!(format, "html" | "json" | "csv") {
        return refused(
            &st,
            ui,
            StatusCode::BAD_REQUEST,
            "format: html, json or csv",
        );
    }
    if format == "csv" && !editor {
        return refused(
            &st,
            ui,
            StatusCode::FORBIDDEN,
            &crate::i18n::desk_diagnostic("your role does not allow this", ui),
        );
    }
    let Some(key) = content
        .releases
        .iter()
        .find(|r| r.slug.as_str() == slug)
        .map(|r| r.group_key())
    else {
        return not_found(&st, ui);
    };
    match format {
        "csv" => export(&st, &signed, &key, &slug),
        "json" => match st.with_db(|db| live(db, &key)) {
            Ok(v) => (
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::to_string(&v).unwrap_or_default(),
            )
                .into_response(),
            Err(e) => super::unavailable(&st, ui, &e),
        },
        _ => {
            let outcome = sync(|| {
                let d = desk_release(&st, &content, &slug)?
                    .ok_or_else(|| anyhow::anyhow!("the release went away"))?;
                st.with_db(|db| {
                    let rows = db.journal().report(&key)?;
                    let requests = db.sends().of_release(&key)?;
                    let failures = if editor {
                        db.journal().failures(&key)?
                    } else {
                        vec![]
                    };
                    Ok::<_, anyhow::Error>(report_page(
                        &st, &signed, &d, &slug, rows, &requests, failures, editor,
                    ))
                })
            });
            match outcome {
                Ok(page) => {
                    let mut res = render(StatusCode::OK, &page);
                    if let Ok(v) = REPORT_CSP.parse() {
                        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
                    }
                    res
                }
                Err(e) => super::unavailable(&st, ui, &e),
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report_page(
    st: &AppState,
    signed: &SignedIn,
    d: &DeskRelease<'_>,
    slug: &str,
    rows: Vec<ReportRow>,
    requests: &[SendRequest],
    failures: Vec<crate::db::Failure>,
    editor: bool,
) -> ReportPage {
    let ui = signed.lang();
    let t = desk_strings(ui);
    let heading = format!("{}: {}", t.report_title, title_of(d, ui));
    let total = total_of(&rows);
    let ui_lang = Lang::parse(ui).unwrap_or_else(|_| d.versions[0].lang.clone());
    let when = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s).map_or_else(
            |_| s.to_string(),
            |at| {
                crate::i18n::format_date_time(
                    &at.with_timezone(&chrono::Utc),
                    &ui_lang,
                    st.config.site.timezone,
                )
            },
        )
    };
    let live = total.waiting + total.retrying > 0
        || requests
            .iter()
            .any(|r| matches!(r.state, SendState::Waiting | SendState::Sending));
    ReportPage {
        page: signed.page(st, &heading),
        heading,
        back: format!("/desk/releases/{slug}/{}", d.versions[0].lang),
        slug: slug.to_string(),
        rows,
        total,
        sends: requests
            .iter()
            .map(|r| SendView {
                requested_at: when(&r.requested_at),
                correction: r.correction.is_some(),
                state: state_name(t, r.state),
                expected: r.expected,
                outcome: r.outcome.clone().unwrap_or_default(),
            })
            .collect(),
        failures: failures
            .into_iter()
            .map(|f| FailureView {
                address: crate::subscribers::printable(&f.recipient.to_string()).into_owned(),
                list: f.list,
                attempts: f.attempts,
                reply: f.reply,
            })
            .collect(),
        may_export: editor,
        live,
    }
}

/// The live counts: per list and language, the total, and whether a send
/// is still going on.
fn live(db: &crate::db::Db, key: &str) -> anyhow::Result<serde_json::Value> {
    let rows = db.journal().report(key)?;
    let total = total_of(&rows);
    let busy = db
        .sends()
        .of_release(key)?
        .iter()
        .any(|r| matches!(r.state, SendState::Waiting | SendState::Sending));
    Ok(serde_json::json!({
        "rows": rows,
        "total": total,
        "live": busy || total.waiting + total.retrying > 0,
    }))
}

/// The report as CSV, one row per recipient, each cell spreadsheet-safe;
/// audited as an export.
fn export(st: &Arc<AppState>, signed: &SignedIn, key: &str, slug: &str) -> Response {
    let ui = signed.lang();
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let made = sync(|| {
        st.with_db(|db| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "email",
                "list",
                "lang",
                "status",
                "attempts",
                "reply",
                "came_back",
                "updated_at",
            ])?;
            let mut rows = 0u64;
            let mut failed = None;
            db.journal().report_lines(key, |l| {
                let cells = [
                    l.recipient.to_string(),
                    l.list,
                    l.lang.to_string(),
                    l.status.as_str().to_string(),
                    l.attempts.to_string(),
                    l.reply,
                    l.came_back,
                    l.updated_at,
                ];
                let safe: Vec<String> = cells
                    .iter()
                    .map(|c| crate::subscribers::spreadsheet_safe(c).into_owned())
                    .collect();
                if let Err(e) = w.write_record(&safe) {
                    failed.get_or_insert(e);
                }
                rows += 1;
            })?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
            audit::record(
                db,
                &actor,
                Action::Export,
                Some(key),
                Some(&format!("delivery report, {rows} rows")),
            )?;
            Ok::<_, anyhow::Error>(bytes)
        })
    });
    match made {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{slug}-deliveries.csv\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => super::unavailable(st, ui, &e),
    }
}
