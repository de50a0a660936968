//! The release pages of the desk: the editor of one language version
//! (GET shows it, POST saves), a new release, and the actions submit,
//! approve, withdraw and send (take `draft: true` away so that `publish`
//! puts it out at its time). Every action is checked by
//! [`crate::desk::releases::may`] on the server and audited.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{Checked, CheckedUpload, SignedIn, Submitted};
use super::{DeskPage, refused, render};
use crate::content::Content;
use crate::desk::Actor;
use crate::desk::releases::{
    self, Act, DeskRelease, Edit, FieldProblem, MaterialEdit, Purpose, SaveError, Status, Upload,
};
use crate::http::AppState;
use crate::i18n::{DeskStrings, desk_strings};

/// One field of the editor's form.
pub struct FieldView {
    name: &'static str,
    label: &'static str,
    value: String,
    multiline: bool,
    rows: u32,
    problem: String,
    hint: &'static str,
}

pub struct ListView {
    name: String,
    title: String,
    checked: bool,
}

pub struct ActionView {
    action: String,
    label: &'static str,
    /// A page to open (the send's plan), not a button that acts at once.
    link: bool,
}

/// The picture, attachments and contact people as the editor shows them.
pub struct MaterialView {
    image: Option<crate::release::Image>,
    /// Where the desk shows the picture.
    thumb: String,
    attachments: Vec<crate::release::Attachment>,
    /// The contact people, and one empty row for a new one.
    contacts: Vec<crate::release::Contact>,
    /// Names of the contact people of earlier releases, to pick from.
    picks: Vec<String>,
    image_problem: String,
    attachments_problem: String,
    contacts_problem: String,
    /// The upload limit, as a person reads it.
    limit: String,
}

impl MaterialView {
    fn new(
        st: &AppState,
        ui: &str,
        edit: &Edit,
        content: &Content,
        problems: &[FieldProblem],
    ) -> Self {
        let m = edit.material.clone().unwrap_or_default();
        let problem = |name: &str| {
            problems
                .iter()
                .filter(|p| p.field == name)
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut picks: Vec<String> = vec![];
        let mut seen = std::collections::HashSet::new();
        for c in content.releases.iter().flat_map(|r| &r.material.contacts) {
            if picks.len() >= 200 {
                break;
            }
            if !m.contacts.iter().any(|x| x.name == c.name) && seen.insert(c.name.as_str()) {
                picks.push(c.name.clone());
            }
        }
        picks.sort();
        let mut contacts = m.contacts.clone();
        contacts.push(crate::release::Contact {
            name: String::new(),
            role: None,
            phone: None,
            email: None,
        });
        let ui_lang =
            crate::i18n::Lang::parse(ui).unwrap_or_else(|_| st.config.site.default_lang.clone());
        MaterialView {
            thumb: m
                .image
                .as_ref()
                .map(|i| crate::render::Urls::new(&st.config).path(&i.src))
                .unwrap_or_default(),
            image: m.image,
            attachments: m.attachments,
            contacts,
            picks,
            image_problem: problem("image"),
            attachments_problem: problem("attachments"),
            contacts_problem: problem("contacts"),
            limit: crate::i18n::format_size(st.config.desk.upload_limit.0, &ui_lang),
        }
    }
}

#[derive(Template)]
#[template(path = "desk/editor.html")]
struct EditorPage {
    page: DeskPage,
    heading: String,
    status: &'static str,
    changed_outside: bool,
    info: String,
    test_send: String,
    /// How many addresses `[desk] test_recipients` names.
    test_team: usize,
    /// Scheduled or out: the delivery report is linked.
    has_sends: bool,
    slug: String,
    lang: String,
    notice: String,
    conflict: Option<String>,
    problems_elsewhere: Vec<String>,
    action: String,
    version: String,
    fields: Vec<FieldView>,
    lists: Vec<ListView>,
    actions: Vec<ActionView>,
    /// The other language versions: (language, editor's address).
    versions: Vec<(String, String)>,
    /// Site languages without a version, and where to start one.
    missing: Vec<String>,
    translate: String,
    material: MaterialView,
    preview: String,
}

/// `problems` with their messages in the desk's language `lang`.
pub(super) fn in_desk_language(problems: Vec<FieldProblem>, lang: &str) -> Vec<FieldProblem> {
    problems
        .into_iter()
        .map(|p| FieldProblem {
            message: crate::i18n::desk_diagnostic(&p.message, lang),
            ..p
        })
        .collect()
}

/// The editor page, with the policy that lets its live-preview script run.
fn editor_response(status: StatusCode, page: &EditorPage) -> Response {
    let mut res = render(status, page);
    res.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static(super::EDITOR_CSP),
    );
    res
}

/// The status's name in the desk's language.
pub fn status_name(t: &DeskStrings, s: Status) -> &'static str {
    match s {
        Status::Draft => t.draft,
        Status::InReview => t.in_review,
        Status::Approved => t.approved,
        Status::Scheduled => t.scheduled,
        Status::Published => t.published,
        Status::Withdrawn => t.withdrawn_status,
    }
}

fn fields(t: &'static DeskStrings, edit: &Edit, problems: &[FieldProblem]) -> Vec<FieldView> {
    let problem = |name: &str| {
        problems
            .iter()
            .filter(|p| p.field == name)
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let f = |name, label, value: &str, multiline, rows, hint| FieldView {
        name,
        label,
        value: value.to_string(),
        multiline,
        rows,
        problem: problem(name),
        hint,
    };
    vec![
        f("title", t.title, &edit.title, false, 1, ""),
        f("summary", t.summary, &edit.summary, true, 3, ""),
        f("date", t.date, &edit.date, false, 1, t.date_hint),
        f("tags", t.tags, &edit.tags, false, 1, ""),
        f("body", t.body, &edit.body, true, 20, ""),
    ]
}

/// Everything the editor page shows besides the form's values.
struct Shown {
    /// A note that something went well (a test copy was sent).
    info: String,
    versions: Vec<(String, String)>,
    missing: Vec<String>,
    status: Status,
    changed_outside: bool,
    notice: String,
    conflict: Option<String>,
    problems: Vec<FieldProblem>,
    version: String,
    actions: Vec<ActionView>,
}

fn editor_page(
    st: &AppState,
    signed: &SignedIn,
    slug: &str,
    lang: &str,
    edit: &Edit,
    content: &Content,
    shown: Shown,
) -> EditorPage {
    let t = desk_strings(signed.lang());
    let shown = Shown {
        problems: in_desk_language(shown.problems, signed.lang()),
        ..shown
    };
    let known = [
        "title",
        "summary",
        "date",
        "tags",
        "body",
        "image",
        "attachments",
        "contacts",
    ];
    let problems_elsewhere = shown
        .problems
        .iter()
        .filter(|p| !known.contains(&p.field.as_str()))
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    let default = &st.config.site.default_lang;
    let lists = st
        .config
        .lists
        .iter()
        .map(|(name, l)| ListView {
            name: name.as_str().to_string(),
            title: l.title.get(default, default).to_string(),
            checked: edit.lists.iter().any(|x| x == name.as_str()),
        })
        .collect();
    EditorPage {
        page: signed.page(st, &edit.title),
        heading: edit.title.clone(),
        status: status_name(t, shown.status),
        changed_outside: shown.changed_outside,
        info: shown.info,
        test_send: format!("/desk/releases/{slug}/test-send"),
        test_team: st.config.desk.test_recipients.len(),
        has_sends: shown.status >= Status::Scheduled,
        slug: slug.to_string(),
        lang: lang.to_string(),
        notice: shown.notice,
        conflict: shown.conflict,
        problems_elsewhere,
        action: format!("/desk/releases/{slug}/{lang}"),
        version: shown.version,
        fields: fields(t, edit, &shown.problems),
        lists,
        actions: shown.actions,
        versions: shown.versions,
        missing: shown.missing,
        translate: format!("/desk/releases/{slug}/translate"),
        material: MaterialView::new(st, signed.lang(), edit, content, &shown.problems),
        preview: format!("/desk/releases/{slug}/{lang}/preview"),
    }
}

/// The other language versions of `d` (language, editor's address), and
/// the site's languages it has none in.
fn versions(
    st: &AppState,
    d: &DeskRelease<'_>,
    lang: &str,
) -> (Vec<(String, String)>, Vec<String>) {
    let have: Vec<(String, String)> = d
        .versions
        .iter()
        .filter(|r| r.lang.as_str() != lang)
        .map(|r| {
            (
                r.lang.to_string(),
                format!("/desk/releases/{}/{}", r.slug, r.lang),
            )
        })
        .collect();
    let missing = st
        .config
        .site
        .languages
        .iter()
        .filter(|l| !d.versions.iter().any(|r| &r.lang == *l))
        .map(ToString::to_string)
        .collect();
    (have, missing)
}

/// The actions `user` may take on `d` now, as buttons.
fn actions(st: &AppState, signed: &SignedIn, d: &DeskRelease<'_>, slug: &str) -> Vec<ActionView> {
    let t = desk_strings(signed.lang());
    let now = chrono::Utc::now();
    [
        (Act::Submit, "submit", t.submit),
        (Act::Approve, "approve", t.approve),
        (Act::Withdraw, "withdraw", t.withdraw),
        (Act::Release, "send", t.send_open),
        (Act::TakeDown, "take-down", t.take_down),
        (Act::Correct, "correct", t.correct),
    ]
    .into_iter()
    .filter(|(act, _, _)| {
        releases::may(&signed.session.user, *act, d, now, st.config.desk.approvals).is_ok()
    })
    .map(|(act, path, label)| ActionView {
        action: format!("/desk/releases/{slug}/{path}"),
        label,
        link: matches!(act, Act::Release | Act::Correct),
    })
    .collect()
}

/// Runs blocking work (the database, release files) without holding up the
/// other requests on this worker thread.
pub(super) fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// The language version `slug`/`lang`, with its release's record.
pub(super) fn find<'a>(
    st: &AppState,
    content: &'a Content,
    slug: &str,
    lang: &str,
) -> anyhow::Result<Option<(&'a crate::release::Release, DeskRelease<'a>)>> {
    let Some(r) = content
        .releases
        .iter()
        .find(|r| r.slug.as_str() == slug && r.lang.as_str() == lang)
    else {
        return Ok(None);
    };
    let d =
        st.with_db(|db| DeskRelease::of(db, &st.config.root, &r.group_key(), &content.releases))?;
    Ok(d.map(|d| (r.as_ref(), d)))
}

pub(super) fn not_found(st: &AppState, lang: &'static str) -> Response {
    refused(st, lang, StatusCode::NOT_FOUND, "No such release.")
}

/// The editor's page address's query: `sent=1` after a test copy.
#[derive(Deserialize)]
pub struct EditorQuery {
    #[serde(default)]
    sent: Option<String>,
}

pub async fn editor(
    State(st): State<Arc<AppState>>,
    signed: SignedIn,
    Path((slug, lang)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<EditorQuery>,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let found = match sync(|| find(&st, &content, &slug, &lang)) {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(&st, ui),
        Err(e) => return super::unavailable(&st, ui, &e),
    };
    let (r, d) = found;
    if let Err(why) = releases::may(
        &signed.session.user,
        Act::Edit,
        &d,
        chrono::Utc::now(),
        st.config.desk.approvals,
    ) && why == releases::Refused::NotTheirs
    {
        return refused(
            &st,
            ui,
            StatusCode::FORBIDDEN,
            &crate::i18n::desk_diagnostic(&why.to_string(), ui),
        );
    }
    let text =
        sync(|| std::fs::read_to_string(st.config.root.join(&r.source.path))).unwrap_or_default();
    let (have, missing) = versions(&st, &d, &lang);
    let shown = Shown {
        info: match query.sent.as_deref() {
            Some("team") => desk_strings(ui).test_sent_team.to_string(),
            Some(_) => desk_strings(ui).test_sent.to_string(),
            None => String::new(),
        },
        versions: have,
        missing,
        status: d.status(chrono::Utc::now(), st.config.desk.approvals),
        changed_outside: d.changed_since_approval(),
        notice: String::new(),
        conflict: None,
        problems: vec![],
        version: releases::text_version(&text),
        actions: actions(&st, &signed, &d, &slug),
    };
    let edit = Edit::of(r, &st.config);
    editor_response(
        StatusCode::OK,
        &editor_page(&st, &signed, &slug, &lang, &edit, &content, shown),
    )
}

/// The editor's form as sent.
#[derive(Deserialize)]
pub struct EditorForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    lists: Vec<String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    lang: String,
}

impl EditorForm {
    pub(super) fn edit(&self) -> Edit {
        Edit {
            title: self.title.clone(),
            summary: self.summary.clone(),
            date: self.date.clone(),
            tags: self.tags.clone(),
            lists: self.lists.clone(),
            body: self.body.clone(),
            material: None,
            uploads: vec![],
        }
    }
}

/// The editor's form as sent: its text fields, its material (when the
/// form had it: a `material` field) and its files. A contact person picked
/// from earlier releases (`contact_pick`, by name) is added as the newest
/// release that names them gives them.
pub(super) fn edit_from(sent: &Submitted, content: &Content) -> Edit {
    use crate::release::{Attachment, Contact, Image};
    let text = |k: &str| sent.get(k).to_string();
    let given = |k: &str| Some(sent.get(k).trim().to_string()).filter(|v| !v.is_empty());
    let material = (sent.get("material") == "1").then(|| {
        // A picture chosen now takes the description typed beside it.
        let chosen = sent.files.iter().any(|f| f.field == "image_file");
        let image = (sent.get("image_remove") != "1"
            && (chosen || !sent.get("image_src").is_empty()))
        .then(|| Image {
            src: text("image_src"),
            alt: text("image_alt"),
            caption: given("image_caption"),
            credit: given("image_credit"),
        });
        let removed = sent.all("attachment_remove");
        let attachments = sent
            .all("attachment_src")
            .into_iter()
            .zip(sent.all("attachment_title"))
            .filter(|(src, _)| !removed.contains(src))
            .map(|(src, title)| Attachment {
                title: title.to_string(),
                src: src.to_string(),
            })
            .collect();
        let opt = |v: Option<&&str>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let (names, roles, phones, emails) = (
            sent.all("contact_name"),
            sent.all("contact_role"),
            sent.all("contact_phone"),
            sent.all("contact_email"),
        );
        let mut contacts: Vec<Contact> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.trim().is_empty())
            .map(|(i, n)| Contact {
                name: n.trim().to_string(),
                role: opt(roles.get(i)),
                phone: opt(phones.get(i)),
                email: opt(emails.get(i)),
            })
            .collect();
        let pick = sent.get("contact_pick").trim();
        if !pick.is_empty()
            && !contacts.iter().any(|c| c.name == pick)
            && let Some(c) = content
                .releases
                .iter()
                .flat_map(|r| &r.material.contacts)
                .find(|c| c.name == pick)
        {
            contacts.push(c.clone());
        }
        MaterialEdit {
            image,
            attachments,
            contacts,
        }
    });
    let uploads = sent
        .files
        .iter()
        .filter_map(|f| {
            let purpose = match f.field.as_str() {
                "image_file" => Purpose::Picture,
                "attachment_file" => Purpose::Attachment(text("attachment_new_title")),
                _ => return None,
            };
            Some(Upload {
                name: f.name.clone(),
                bytes: f.bytes.clone(),
                purpose,
            })
        })
        .collect();
    Edit {
        title: text("title"),
        summary: text("summary"),
        date: text("date"),
        tags: text("tags"),
        lists: sent
            .all("lists")
            .into_iter()
            .map(ToString::to_string)
            .collect(),
        body: text("body"),
        material,
        uploads,
    }
}

/// Saves the editor's form: 303 back to the editor, or the form again with
/// the problems next to their fields (422), or both versions (409).
pub async fn save(
    State(st): State<Arc<AppState>>,
    Path((slug, lang)): Path<(String, String)>,
    CheckedUpload(signed, sent): CheckedUpload,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let (r, d) = match sync(|| find(&st, &content, &slug, &lang)) {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(&st, ui),
        Err(e) => return super::unavailable(&st, ui, &e),
    };
    let mut edit = edit_from(&sent, &content);
    let version = sent.get("version").to_string();
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let outcome = sync(|| {
        st.with_db(|db| {
            if let Err(e) = releases::take_uploads(
                db,
                &st.config,
                &actor,
                &signed.session.user,
                &d,
                &slug,
                &mut edit,
            ) {
                return Ok(Err(e));
            }
            Ok::<_, anyhow::Error>(releases::save(
                db,
                &st.config,
                &actor,
                &signed.session.user,
                &d,
                r,
                &version,
                &edit,
            ))
        })
    });
    let t = desk_strings(ui);
    let (have, missing) = versions(&st, &d, &lang);
    let mut shown = Shown {
        info: String::new(),
        versions: have,
        missing,
        status: d.status(chrono::Utc::now(), st.config.desk.approvals),
        changed_outside: d.changed_since_approval(),
        notice: String::new(),
        conflict: None,
        problems: vec![],
        version: version.clone(),
        actions: vec![],
    };
    let status = match outcome {
        Err(e) => return super::unavailable(&st, ui, &e),
        Ok(Ok(())) => {
            return Redirect::to(&format!("/desk/releases/{slug}/{lang}")).into_response();
        }
        Ok(Err(SaveError::Refused(why))) => {
            return refused(
                &st,
                ui,
                StatusCode::FORBIDDEN,
                &crate::i18n::desk_diagnostic(&why.to_string(), ui),
            );
        }
        Ok(Err(SaveError::Other(e))) => return super::unavailable(&st, ui, &e),
        Ok(Err(SaveError::Conflict { now })) => {
            shown.version = releases::text_version(&now);
            shown.conflict = Some(now);
            StatusCode::CONFLICT
        }
        Ok(Err(SaveError::Invalid(problems))) => {
            shown.notice = t.problems.to_string();
            shown.problems = problems;
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    editor_response(
        status,
        &editor_page(&st, &signed, &slug, &lang, &edit, &content, shown),
    )
}

#[derive(Template)]
#[template(path = "desk/new.html")]
struct NewPage {
    page: DeskPage,
    problems: Vec<String>,
    title: String,
    date: String,
    langs: Vec<(String, bool)>,
}

fn new_page(
    st: &AppState,
    signed: &SignedIn,
    form: &EditorForm,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    let t = desk_strings(signed.lang());
    let chosen = if form.lang.is_empty() {
        st.config.site.default_lang.as_str().to_string()
    } else {
        form.lang.clone()
    };
    render(
        status,
        &NewPage {
            page: signed.page(st, t.new_release),
            problems,
            title: form.title.clone(),
            date: form.date.clone(),
            langs: st
                .config
                .site
                .languages
                .iter()
                .map(|l| (l.as_str().to_string(), l.as_str() == chosen))
                .collect(),
        },
    )
}

pub async fn new_form(State(st): State<Arc<AppState>>, signed: SignedIn) -> Response {
    let tz = st.config.site.timezone;
    let form = EditorForm {
        title: String::new(),
        summary: String::new(),
        date: chrono::Utc::now()
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        tags: String::new(),
        lists: vec![],
        body: String::new(),
        lang: String::new(),
    };
    new_page(&st, &signed, &form, vec![], StatusCode::OK)
}

/// Makes a new draft and opens it in the editor.
pub async fn create(
    State(st): State<Arc<AppState>>,
    Checked(signed, form): Checked<EditorForm>,
) -> Response {
    let ui = signed.lang();
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let outcome = sync(|| {
        st.with_db(|db| {
            Ok::<_, anyhow::Error>(releases::create(
                db,
                &st.config,
                &actor,
                &signed.session.user,
                &form.lang,
                &form.edit(),
            ))
        })
    });
    match outcome {
        Err(e) | Ok(Err(SaveError::Other(e))) => super::unavailable(&st, ui, &e),
        Ok(Ok(path)) => {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            match crate::release::FileName::parse(name) {
                Ok(n) => Redirect::to(&format!("/desk/releases/{}/{}", n.slug, form.lang))
                    .into_response(),
                Err(_) => Redirect::to("/desk/").into_response(),
            }
        }
        Ok(Err(SaveError::Invalid(problems))) => new_page(
            &st,
            &signed,
            &form,
            in_desk_language(problems, ui)
                .into_iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Ok(Err(SaveError::Refused(why))) => refused(
            &st,
            ui,
            StatusCode::FORBIDDEN,
            &crate::i18n::desk_diagnostic(&why.to_string(), ui),
        ),
        Ok(Err(SaveError::Conflict { .. })) => refused(&st, ui, StatusCode::CONFLICT, "conflict"),
    }
}

/// The answer to an action: on success a 303 to the page `to` names;
/// a refusal, a problem or a conflict as a page that says so; anything
/// else a 503.
pub(super) fn answer<T>(
    st: &AppState,
    ui: &'static str,
    outcome: anyhow::Result<Result<T, SaveError>>,
    to: impl FnOnce(T) -> String,
) -> Response {
    match outcome {
        Err(e) | Ok(Err(SaveError::Other(e))) => super::unavailable(st, ui, &e),
        Ok(Ok(t)) => Redirect::to(&to(t)).into_response(),
        Ok(Err(SaveError::Refused(why))) => refused(
            st,
            ui,
            StatusCode::FORBIDDEN,
            &crate::i18n::desk_diagnostic(&why.to_string(), ui),
        ),
        Ok(Err(SaveError::Invalid(p))) => refused(
            st,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &in_desk_language(p, ui)
                .into_iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Ok(Err(SaveError::Conflict { .. })) => refused(st, ui, StatusCode::CONFLICT, "conflict"),
    }
}

/// A button's form: only the token.
#[derive(Deserialize)]
pub struct ActForm {}

async fn act(st: Arc<AppState>, signed: SignedIn, slug: String, what: Act) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(r) = content.releases.iter().find(|r| r.slug.as_str() == slug) else {
        return not_found(&st, ui);
    };
    let lang = r.lang.to_string();
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let outcome = sync(|| {
        st.with_db(|db| {
            let Some(d) = DeskRelease::of(db, &st.config.root, &r.group_key(), &content.releases)?
            else {
                return Ok(Err(SaveError::Other(anyhow::anyhow!(
                    "the release went away"
                ))));
            };
            Ok::<_, anyhow::Error>(releases::act(
                db,
                &st.config,
                &actor,
                &signed.session.user,
                &d,
                what,
            ))
        })
    });
    answer(&st, ui, outcome, |()| {
        format!("/desk/releases/{slug}/{lang}")
    })
}

pub async fn submit(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked(signed, ActForm {}): Checked<ActForm>,
) -> Response {
    act(st, signed, slug, Act::Submit).await
}

pub async fn approve(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked(signed, ActForm {}): Checked<ActForm>,
) -> Response {
    act(st, signed, slug, Act::Approve).await
}

/// `POST /desk/releases/{slug}/take-down`: off the site and the feeds
/// (`withdrawn:` now), and the site built again at once.
pub async fn take_down(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked(signed, ActForm {}): Checked<ActForm>,
) -> Response {
    let res = act(st.clone(), signed, slug, Act::TakeDown).await;
    if res.status() == StatusCode::SEE_OTHER {
        // The page that says so replaces the release now, not at the next
        // `publish`.
        rebuild(&st, "taken down").await;
    }
    res
}

/// Builds the site into `[serve] public_dir` at once after a change to a
/// published release (`what` says which, for the log); a failure leaves
/// that to the next `publish` and is logged.
pub(super) async fn rebuild(st: &Arc<AppState>, what: &'static str) {
    let st = st.clone();
    let built = tokio::task::spawn_blocking(move || {
        let content = Content::load(&st.config.root)?;
        crate::build::build(
            &content,
            &crate::desk::sending::public_dir(&st.config),
            chrono::Utc::now(),
        )
    })
    .await;
    if let Ok(Err(e)) = built {
        tracing::error!(error = %format!("{e:#}"), "the site was not built after a release was {what}");
    }
}

pub async fn withdraw(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked(signed, ActForm {}): Checked<ActForm>,
) -> Response {
    act(st, signed, slug, Act::Withdraw).await
}

#[derive(Deserialize)]
pub struct TranslateForm {
    #[serde(default)]
    lang: String,
}

/// Starts another language version and opens it in the editor.
pub async fn translate(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked(signed, form): Checked<TranslateForm>,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(source) = content.releases.iter().find(|r| r.slug.as_str() == slug) else {
        return not_found(&st, ui);
    };
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let outcome = sync(|| {
        st.with_db(|db| {
            let Some(d) =
                DeskRelease::of(db, &st.config.root, &source.group_key(), &content.releases)?
            else {
                return Ok(Err(SaveError::Other(anyhow::anyhow!(
                    "the release went away"
                ))));
            };
            Ok::<_, anyhow::Error>(releases::translate(
                db,
                &st.config,
                &actor,
                &signed.session.user,
                &d,
                source,
                &form.lang,
            ))
        })
    });
    answer(&st, ui, outcome, |_| {
        format!("/desk/releases/{slug}/{}", form.lang)
    })
}

#[derive(Deserialize)]
pub struct TestSendForm {
    #[serde(default)]
    lang: String,
    /// `team`: to `[desk] test_recipients`; else to one's own address.
    #[serde(default)]
    to: String,
}

/// Sends a test copy of one language version to the signed-in person.
pub async fn test_send(
    State(st): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked(signed, form): Checked<TestSendForm>,
) -> Response {
    let ui = signed.lang();
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let found = match sync(|| find(&st, &content, &slug, &form.lang)) {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(&st, ui),
        Err(e) => return super::unavailable(&st, ui, &e),
    };
    let (r, d) = found;
    let actor = Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let hidden = content.unpublished(chrono::Utc::now());
    let outcome = sync(|| {
        st.with_db(|db| {
            Ok::<_, anyhow::Error>(releases::test_send(
                db,
                &st.config,
                &hidden,
                &actor,
                &signed.session.user,
                &d,
                r,
                form.to == "team",
            ))
        })
    });
    let sent = if form.to == "team" { "team" } else { "1" };
    answer(&st, ui, outcome, |_| {
        format!("/desk/releases/{slug}/{}?sent={sent}", form.lang)
    })
}
