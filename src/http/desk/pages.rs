//! The desk's pages: sign-in and sign-out, the one-time password page, the
//! releases by status, and the admin's users and audit trail.

use std::sync::Arc;

use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{self, Admin, AdminForm, Checked, LOGIN_COOKIE, SignedIn, Visitor};
use super::{DeskPage, blocking, refused, render};
use crate::desk::accounts::{self, AccountError};
use crate::desk::sign_in::{self, Refusal, Throttle};
use crate::http::AppState;
use crate::i18n::desk_strings;

/// What a sign-in page's form token is for.
const SIGN_IN: &str = "sign-in";
/// What a password page's form token is for.
const PASSWORD: &str = "password";

/// A `Set-Cookie` value: HttpOnly, SameSite as given, Path=/, and Secure
/// when the desk is reached over https.
pub(super) fn set_cookie(
    st: &AppState,
    name: &str,
    value: &str,
    same_site: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if st.config.desk.is_https() {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).expect("cookie values are URL-safe base64")
}

#[derive(Template)]
#[template(path = "desk/login.html")]
struct LoginPage {
    page: DeskPage,
    problem: String,
    email: String,
    /// The organisation's account's button, with `[desk.oidc]`.
    oidc: Option<String>,
    /// Whether local passwords are on (`[desk] password_sign_in`).
    passwords: bool,
}

/// The sign-in page, with a new nonce cookie that its form token is bound to.
fn login_page(
    st: &AppState,
    lang: &'static str,
    status: StatusCode,
    problem: &str,
    email: &str,
) -> Response {
    let Ok(nonce) = crate::desk::random_token() else {
        return super::unavailable(st, lang, &anyhow::anyhow!("no random numbers"));
    };
    let t = desk_strings(lang);
    let mut page = DeskPage::new(st, lang, t.sign_in, None);
    page.csrf = st.secret.form_token(SIGN_IN, &nonce);
    let mut res = render(
        status,
        &LoginPage {
            page,
            problem: problem.to_string(),
            email: email.to_string(),
            oidc: st.oidc.as_ref().map(|o| match o.label() {
                Some(label) => format!("{} ({label})", t.oidc_sign_in),
                None => t.oidc_sign_in.to_string(),
            }),
            passwords: st.config.desk.password_sign_in,
        },
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(st, LOGIN_COOKIE, &nonce, "Strict", Some(3600)),
    );
    res
}

pub async fn login_form(State(st): State<Arc<AppState>>, visitor: Visitor) -> Response {
    login_page(&st, visitor.lang, StatusCode::OK, "", "")
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// The second factor's code, for an account that has one.
    #[serde(default)]
    code: String,
}

/// The sign-in page's nonce cookie, read from the request's parts.
pub struct LoginNonce(Option<String>);

impl FromRequestParts<Arc<AppState>> for LoginNonce {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        _: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(LoginNonce(
            guard::cookie(parts, LOGIN_COOKIE).map(str::to_string),
        ))
    }
}

/// Signs in: the form must carry the token of the nonce this browser was
/// given with the sign-in page. An unknown address and a wrong password
/// get the same page.
pub async fn login(
    State(st): State<Arc<AppState>>,
    visitor: Visitor,
    LoginNonce(nonce): LoginNonce,
    body: axum::body::Bytes,
) -> Response {
    let lang = visitor.lang;
    let t = desk_strings(lang);
    if !st.config.desk.password_sign_in {
        return refused(&st, lang, StatusCode::FORBIDDEN, t.passwords_off);
    }
    let given = guard::csrf_field(&body).unwrap_or_default();
    let bound = nonce.unwrap_or_default();
    if bound.is_empty() || !st.secret.verify_form_token(SIGN_IN, &bound, &given) {
        return refused(&st, lang, StatusCode::FORBIDDEN, t.refused_form);
    }
    let Ok(form) = serde_html_form::from_bytes::<LoginForm>(&body) else {
        return refused(&st, lang, StatusCode::BAD_REQUEST, t.refused_form);
    };
    let ip = visitor.ip.clone();
    let email = form.email.clone();
    let outcome = blocking(&st, lang, move |st| {
        st.with_db(|db| {
            sign_in::sign_in(
                db,
                &st.secret,
                sign_in::Attempt {
                    address: &email,
                    password: &form.password,
                    code: &form.code,
                    ip: &ip,
                },
                chrono::Utc::now(),
                Throttle::default(),
            )
        })
    })
    .await;
    match outcome {
        Err(res) => res,
        Ok(Err(Refusal::Throttled)) => {
            refused(&st, lang, StatusCode::TOO_MANY_REQUESTS, t.throttled)
        }
        Ok(Err(Refusal::NoMatch)) => login_page(&st, lang, StatusCode::OK, t.no_match, &form.email),
        Ok(Ok(session)) => {
            let mut res = Redirect::to("/desk/").into_response();
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(&st, guard::cookie_name(&st), &session.token, "Lax", None),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(&st, LOGIN_COOKIE, "", "Strict", Some(0)),
            );
            res
        }
    }
}

/// No fields beyond the token.
#[derive(Deserialize)]
pub struct Nothing {}

/// Signs out: the sign-in ends on the server and the cookie is cleared.
pub async fn logout(
    State(st): State<Arc<AppState>>,
    Checked(signed, Nothing {}): Checked<Nothing>,
) -> Response {
    let lang = signed.lang();
    let ip = signed.visitor.ip.clone();
    let session = signed.session.clone();
    if let Err(res) = blocking(&st, lang, move |st| {
        st.with_db(|db| sign_in::sign_out(db, &session, &ip))
    })
    .await
    {
        return res;
    }
    let mut res = Redirect::to("/desk/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, guard::cookie_name(&st), "", "Lax", Some(0)),
    );
    res
}

#[derive(Template)]
#[template(path = "desk/password.html")]
struct PasswordPage {
    page: DeskPage,
    email: String,
    token: String,
    problem: String,
    /// Whether the link sets a password (else it signs in once).
    passwords: bool,
}

fn password_page(
    st: &AppState,
    lang: &'static str,
    status: StatusCode,
    email: &str,
    token: &str,
    problem: &str,
) -> Response {
    let t = desk_strings(lang);
    let passwords = st.config.desk.password_sign_in;
    let title = if passwords { t.set_password } else { t.sign_in };
    let mut page = DeskPage::new(st, lang, title, None);
    page.csrf = st.secret.form_token(PASSWORD, token);
    render(
        status,
        &PasswordPage {
            page,
            email: email.to_string(),
            token: token.to_string(),
            problem: problem.to_string(),
            passwords,
        },
    )
}

/// A plain message page.
pub(super) fn message(
    st: &AppState,
    lang: &'static str,
    status: StatusCode,
    heading: &str,
    text: &str,
    link: Option<(&str, &str)>,
) -> Response {
    render(
        status,
        &super::MessagePage {
            page: DeskPage::new(st, lang, heading, None),
            heading,
            text,
            link,
        },
    )
}

pub async fn password_form(
    State(st): State<Arc<AppState>>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Response {
    let lang = visitor.lang;
    let t = desk_strings(lang);
    let token2 = token.clone();
    match blocking(&st, lang, move |st| {
        st.with_db(
            |db| match accounts::link_owner(db, &token2, chrono::Utc::now()) {
                Ok(u) => Ok(Some(u)),
                Err(AccountError::LinkInvalid) => Ok(None),
                Err(e) => Err(anyhow::Error::from(e)),
            },
        )
    })
    .await
    {
        Err(res) => res,
        Ok(None) => message(
            &st,
            lang,
            StatusCode::NOT_FOUND,
            t.set_password,
            t.link_invalid,
            None,
        ),
        Ok(Some(user)) => password_page(&st, lang, StatusCode::OK, user.email.as_str(), &token, ""),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

/// Signs in once through a one-time link (`[desk] password_sign_in =
/// false`), which is then used up.
async fn sign_in_by_link(
    st: Arc<AppState>,
    lang: &'static str,
    ip: String,
    token: String,
) -> Response {
    let t = desk_strings(lang);
    let outcome = blocking(&st, lang, move |st| {
        st.with_db(
            |db| match accounts::sign_in_by_link(db, &ip, &token, chrono::Utc::now()) {
                Ok(session) => Ok(Some(session)),
                Err(AccountError::LinkInvalid) => Ok(None),
                Err(e) => Err(anyhow::Error::from(e)),
            },
        )
    })
    .await;
    match outcome {
        Err(res) => res,
        Ok(None) => message(
            &st,
            lang,
            StatusCode::NOT_FOUND,
            t.sign_in,
            t.link_invalid,
            None,
        ),
        Ok(Some(session)) => {
            let mut res = Redirect::to("/desk/").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&st, guard::cookie_name(&st), &session.token, "Lax", None),
            );
            res
        }
    }
}

/// Sets a password through a one-time link.
pub async fn set_password(
    State(st): State<Arc<AppState>>,
    visitor: Visitor,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let lang = visitor.lang;
    let t = desk_strings(lang);
    let given = guard::csrf_field(&body).unwrap_or_default();
    if !st.secret.verify_form_token(PASSWORD, &token, &given) {
        return refused(&st, lang, StatusCode::FORBIDDEN, t.refused_form);
    }
    if !st.config.desk.password_sign_in {
        return sign_in_by_link(st, lang, visitor.ip.clone(), token).await;
    }
    let Ok(form) = serde_html_form::from_bytes::<PasswordForm>(&body) else {
        return refused(&st, lang, StatusCode::BAD_REQUEST, t.refused_form);
    };
    let (ip, token2) = (visitor.ip.clone(), token.clone());
    let outcome = blocking(&st, lang, move |st| {
        st.with_db(|db| {
            match accounts::set_password_by_link(
                db,
                &ip,
                &token2,
                &form.password,
                chrono::Utc::now(),
            ) {
                Ok(_) => Ok(Ok(())),
                Err(AccountError::Password(p)) => {
                    let owner = accounts::link_owner(db, &token2, chrono::Utc::now())?;
                    Ok(Err(Some((owner.email.to_string(), p))))
                }
                Err(AccountError::LinkInvalid) => Ok(Err(None)),
                Err(e) => Err(anyhow::Error::from(e)),
            }
        })
    })
    .await;
    match outcome {
        Err(res) => res,
        Ok(Ok(())) => message(
            &st,
            lang,
            StatusCode::OK,
            t.set_password,
            t.password_set,
            Some(("/desk/login", t.sign_in)),
        ),
        Ok(Err(None)) => message(
            &st,
            lang,
            StatusCode::NOT_FOUND,
            t.set_password,
            t.link_invalid,
            None,
        ),
        Ok(Err(Some((email, _)))) => password_page(
            &st,
            lang,
            StatusCode::BAD_REQUEST,
            &email,
            &token,
            t.password_rules,
        ),
    }
}

/// One release on the home page: its language versions together.
pub struct ReleaseRow {
    title: String,
    href: String,
    langs: String,
    date: String,
    date_iso: String,
    /// Who made it on the desk (empty: written outside the desk).
    author: String,
    /// Who changed it last on the desk, and when.
    changed: String,
}

/// The releases of one status.
pub struct StatusGroup {
    key: &'static str,
    name: &'static str,
    rows: Vec<ReleaseRow>,
    /// Releases of this status not shown.
    more: usize,
}

/// Releases shown per status; the search finds the rest.
const SHOWN_PER_STATUS: usize = 200;

/// The release list's search.
#[derive(Deserialize, Clone)]
pub struct HomeQuery {
    /// Words of a title or keyword.
    #[serde(default)]
    q: String,
    /// One keyword, exactly (any case).
    #[serde(default)]
    tag: String,
    /// An author's account id, or `outside` for releases written outside
    /// the desk.
    #[serde(default)]
    author: String,
}

impl HomeQuery {
    /// Whether `d` is among the releases this query asks for.
    fn admits(&self, d: &crate::desk::releases::DeskRelease<'_>) -> bool {
        let needle = self.q.trim().to_lowercase();
        let tag = self.tag.trim().to_lowercase();
        let words = needle.is_empty()
            || d.versions.iter().any(|r| {
                r.title.to_lowercase().contains(&needle)
                    || r.tags
                        .iter()
                        .any(|t| t.name.to_lowercase().contains(&needle))
            });
        let tagged = tag.is_empty()
            || d.versions
                .iter()
                .any(|r| r.tags.iter().any(|t| t.name.to_lowercase() == tag));
        let by = match self.author.trim() {
            "" => true,
            "outside" => d.record.created_by.is_none(),
            id => d.record.created_by.map(|c| c.to_string()).as_deref() == Some(id),
        };
        words && tagged && by
    }
}

/// The row of `d` in the list: its version in the desk's `lang` (else its
/// first), with its status and date to sort by.
fn release_row(
    d: &crate::desk::releases::DeskRelease<'_>,
    lang: &str,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
    needed: u32,
    name: &dyn Fn(i64) -> String,
) -> (
    crate::desk::releases::Status,
    chrono::DateTime<chrono::Utc>,
    ReleaseRow,
) {
    // In the desk's language: "6. joulukuuta 2026 klo 9.00".
    let desk_lang = crate::i18n::Lang::parse(lang).ok();
    let local = |t: chrono::DateTime<chrono::Utc>| match &desk_lang {
        Some(l) => crate::i18n::format_date_time(&t, l, tz),
        None => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
    };
    let first = d
        .versions
        .iter()
        .find(|r| r.lang.as_str() == lang)
        .unwrap_or(&d.versions[0]);
    let mut langs: Vec<&str> = d.versions.iter().map(|r| r.lang.as_str()).collect();
    langs.sort_unstable();
    let date = first.publication.date;
    let changed = d.record.last_change.as_ref().map(|(who, at)| {
        let at = chrono::DateTime::parse_from_rfc3339(at)
            .map_or_else(|_| at.clone(), |t| local(t.with_timezone(&chrono::Utc)));
        format!("{}, {at}", name(*who))
    });
    (
        d.status(now, needed),
        date,
        ReleaseRow {
            title: first.title.clone(),
            href: format!("/desk/releases/{}/{}", first.slug, first.lang),
            langs: langs.join(", "),
            date: local(date),
            date_iso: date.to_rfc3339(),
            author: d.record.created_by.map(name).unwrap_or_default(),
            changed: changed.unwrap_or_default(),
        },
    )
}

#[derive(Template)]
#[template(path = "desk/home.html")]
struct HomePage {
    page: DeskPage,
    tag: String,
    /// The desk's accounts (id, name, chosen) for the author filter.
    authors: Vec<(String, String, bool)>,
    /// The filter asks for releases written outside the desk.
    outside: bool,
    groups: Vec<StatusGroup>,
    q: String,
}

/// The releases by status (draft, in review, approved, scheduled,
/// published), language versions together, newest first; each links to its
/// editor.
pub async fn home(
    State(st): State<Arc<AppState>>,
    signed: SignedIn,
    axum::extract::Query(query): axum::extract::Query<HomeQuery>,
) -> Response {
    use crate::desk::releases::{DeskRelease, Status};
    let lang = signed.lang();
    let t = desk_strings(lang);
    let root = st.config.root.clone();
    let now = chrono::Utc::now();
    let needed = st.config.desk.approvals;
    let content = match super::content(&st, &signed).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let filter = query.clone();
    let rows = blocking(&st, lang, move |st| {
        let query = filter;
        let tz = content.config.site.timezone;
        st.with_db(|db| {
            let users: std::collections::HashMap<i64, String> = db
                .desk()
                .users()?
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect();
            let name = |id: i64| users.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
            let mut rows = vec![];
            for d in DeskRelease::all(db, &root, &content.releases)? {
                if !query.admits(&d) {
                    continue;
                }
                rows.push(release_row(&d, lang, tz, now, needed, &name));
            }
            let mut authors: Vec<(String, String)> = users
                .into_iter()
                .map(|(id, n)| (id.to_string(), n))
                .collect();
            authors.sort_by(|a, b| a.1.cmp(&b.1));
            Ok::<_, anyhow::Error>((rows, authors))
        })
    })
    .await;
    let (mut rows, authors) = match rows {
        Ok(r) => r,
        Err(res) => return res,
    };
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    let mut groups: Vec<StatusGroup> = [
        Status::Draft,
        Status::InReview,
        Status::Approved,
        Status::Scheduled,
        Status::Published,
        Status::Withdrawn,
    ]
    .into_iter()
    .map(|s| StatusGroup {
        key: s.as_str(),
        name: super::releases::status_name(t, s),
        rows: vec![],
        more: 0,
    })
    .collect();
    for (status, _, row) in rows {
        let g = &mut groups[status as usize];
        if g.rows.len() < SHOWN_PER_STATUS {
            g.rows.push(row);
        } else {
            g.more += 1;
        }
    }
    groups.retain(|g| !g.rows.is_empty());
    render(
        StatusCode::OK,
        &HomePage {
            page: signed.page(&st, t.releases),
            groups,
            q: query.q,
            tag: query.tag,
            authors: authors
                .into_iter()
                .map(|(id, name)| {
                    let chosen = id == query.author;
                    (id, name, chosen)
                })
                .collect(),
            outside: query.author == "outside",
        },
    )
}

pub struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    role_key: &'static str,
    disabled: bool,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "desk/users.html")]
struct UsersPage {
    page: DeskPage,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    link: Option<String>,
    problem: Option<String>,
}

/// The users page for `signed`, with a new password link or a problem.
async fn users_page(
    st: &Arc<AppState>,
    signed: &SignedIn,
    link: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = signed.lang();
    let t = desk_strings(lang);
    let users = match blocking(st, lang, |st| st.with_db(|db| db.desk().users())).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let users = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            email: u.email.to_string(),
            name: u.name,
            role: t.role(u.role.as_str()),
            role_key: u.role.as_str(),
            disabled: u.disabled,
            state: if u.disabled {
                t.disabled
            } else if u.password_hash.is_none() {
                t.no_password
            } else {
                t.yes
            },
        })
        .collect();
    render(
        status,
        &UsersPage {
            page: signed.page(st, t.users),
            users,
            roles: crate::db::Role::ALL
                .iter()
                .map(|r| (r.as_str(), t.role(r.as_str())))
                .collect(),
            link,
            problem,
        },
    )
}

/// The accounts (admins only).
pub async fn users(State(st): State<Arc<AppState>>, Admin(signed): Admin) -> Response {
    users_page(&st, &signed, None, None, StatusCode::OK).await
}

/// The address of a password link, on this desk: from `[desk] url`, else
/// from the host the admin's browser asked for.
fn link_url(st: &AppState, visitor: &Visitor, token: &str) -> String {
    let base = st.config.desk.url.as_ref().map_or_else(
        || {
            visitor
                .host
                .as_ref()
                .map_or_else(|| "/".to_string(), |h| format!("http://{h}/"))
        },
        ToString::to_string,
    );
    format!("{base}desk/password/{token}")
}

#[derive(Deserialize)]
pub struct AddUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// Adds an account (admins only) and shows its one-time password link.
pub async fn add_user(
    State(st): State<Arc<AppState>>,
    AdminForm(signed, form): AdminForm<AddUserForm>,
) -> Response {
    let Some(role) = crate::db::Role::parse(&form.role) else {
        return users_page(
            &st,
            &signed,
            None,
            Some(format!("'{}'?", form.role)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let email = match crate::subscribers::EmailAddress::parse(&form.email) {
        Ok(e) => e,
        Err(e) => {
            return users_page(
                &st,
                &signed,
                None,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = crate::desk::Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let name = form.name.clone();
    let added = tokio::task::block_in_place(|| {
        st.with_db(|db| {
            Ok::<_, anyhow::Error>(accounts::add(
                db,
                &actor,
                &email,
                &name,
                role,
                None,
                chrono::Utc::now(),
            ))
        })
    });
    match added {
        Err(e) | Ok(Err(AccountError::Other(e))) => super::unavailable(&st, signed.lang(), &e),
        Ok(Ok(added)) => {
            let link = added.link.map(|l| link_url(&st, &signed.visitor, &l.token));
            users_page(&st, &signed, link, None, StatusCode::OK).await
        }
        Ok(Err(e)) => {
            users_page(
                &st,
                &signed,
                None,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// What an admin does to one account.
enum UserChange {
    Role(crate::db::Role),
    Disabled(bool),
    Link,
    TotpReset,
}

async fn change_user(st: Arc<AppState>, signed: SignedIn, id: i64, change: UserChange) -> Response {
    let lang = signed.lang();
    let t = desk_strings(lang);
    if id == signed.session.user.id && !matches!(change, UserChange::Link) {
        return refused(&st, lang, StatusCode::FORBIDDEN, t.not_yourself);
    }
    let actor = crate::desk::Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let done = tokio::task::block_in_place(|| {
        st.with_db(|db| {
            let Some(user) = db.desk().user(id)? else {
                return Ok(None);
            };
            let link = match change {
                UserChange::Role(role) => {
                    accounts::set_role(db, &actor, &user, role).map(|()| None)
                }
                UserChange::Disabled(d) => {
                    accounts::set_disabled(db, &actor, &user, d).map(|()| None)
                }
                UserChange::Link => accounts::password_link(db, &actor, &user, chrono::Utc::now())
                    .map(|l| Some(l.token)),
                UserChange::TotpReset => {
                    crate::desk::totp::reset(db, &actor, &user)?;
                    Ok(None)
                }
            };
            Ok::<_, anyhow::Error>(Some(link.map_err(anyhow::Error::from)?))
        })
    });
    match done {
        Err(e) => super::unavailable(&st, lang, &e),
        Ok(None) => refused(&st, lang, StatusCode::NOT_FOUND, "No such account."),
        Ok(Some(Some(token))) => {
            users_page(
                &st,
                &signed,
                Some(link_url(&st, &signed.visitor, &token)),
                None,
                StatusCode::OK,
            )
            .await
        }
        Ok(Some(None)) => Redirect::to("/desk/users").into_response(),
    }
}

pub async fn set_role(
    State(st): State<Arc<AppState>>,
    Path(id): Path<i64>,
    AdminForm(signed, form): AdminForm<RoleForm>,
) -> Response {
    match crate::db::Role::parse(&form.role) {
        Some(role) => change_user(st, signed, id, UserChange::Role(role)).await,
        None => refused(&st, signed.lang(), StatusCode::BAD_REQUEST, "No such role."),
    }
}

pub async fn disable_user(
    State(st): State<Arc<AppState>>,
    Path(id): Path<i64>,
    AdminForm(signed, Nothing {}): AdminForm<Nothing>,
) -> Response {
    change_user(st, signed, id, UserChange::Disabled(true)).await
}

pub async fn enable_user(
    State(st): State<Arc<AppState>>,
    Path(id): Path<i64>,
    AdminForm(signed, Nothing {}): AdminForm<Nothing>,
) -> Response {
    change_user(st, signed, id, UserChange::Disabled(false)).await
}

/// Removes an account's second factor (a lost phone and lost codes).
pub async fn reset_totp(
    State(st): State<Arc<AppState>>,
    Path(id): Path<i64>,
    AdminForm(signed, Nothing {}): AdminForm<Nothing>,
) -> Response {
    change_user(st, signed, id, UserChange::TotpReset).await
}

pub async fn user_link(
    State(st): State<Arc<AppState>>,
    Path(id): Path<i64>,
    AdminForm(signed, Nothing {}): AdminForm<Nothing>,
) -> Response {
    change_user(st, signed, id, UserChange::Link).await
}

pub struct AuditLine {
    at: String,
    actor: String,
    action: String,
    object: String,
    ip: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "desk/audit.html")]
struct AuditPage {
    page: DeskPage,
    rows: Vec<AuditLine>,
    q: String,
    since: String,
    csv_href: String,
}

/// The audit trail of the last 30 days, newest first (admins only).
pub async fn audit(
    State(st): State<Arc<AppState>>,
    Admin(signed): Admin,
    axum::extract::Query(query): axum::extract::Query<AuditQuery>,
) -> Response {
    let lang = signed.lang();
    let t = desk_strings(lang);
    let since_text = if query.since.trim().is_empty() {
        "30days".to_string()
    } else {
        query.since.trim().to_string()
    };
    let since = match crate::time::since(&since_text) {
        Ok(s) => s,
        Err(e) => return refused(&st, lang, StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let rows = match blocking(&st, lang, move |st| {
        st.with_db(|db| db.desk().audit_since(&since, 100_000))
    })
    .await
    {
        Ok(r) => r,
        Err(res) => return res,
    };
    let needle = query.q.trim().to_lowercase();
    let rows: Vec<AuditLine> = rows
        .into_iter()
        .rev()
        .map(|r| AuditLine {
            at: r.at.get(..19).unwrap_or(&r.at).replace('T', " "),
            actor: r.actor.unwrap_or_else(|| t.command_line.to_string()),
            action: r.action,
            object: r.object.unwrap_or_default(),
            ip: r.ip.unwrap_or_default(),
            detail: r.detail.unwrap_or_default(),
        })
        .filter(|l| {
            needle.is_empty()
                || [&l.actor, &l.action, &l.object, &l.ip, &l.detail]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
        })
        .collect();
    if query.format == "csv" {
        return audit_csv(&rows);
    }
    let csv_href = format!(
        "/desk/audit?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &query.q)
            .append_pair("since", &since_text)
            .append_pair("format", "csv")
            .finish()
    );
    render(
        StatusCode::OK,
        &AuditPage {
            page: signed.page(&st, t.audit),
            rows: rows.into_iter().take(1000).collect(),
            q: query.q,
            since: since_text,
            csv_href,
        },
    )
}

/// The audit page's filters.
#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    format: String,
}

/// The trail as CSV, newest first, every cell safe to open in a spreadsheet.
fn audit_csv(rows: &[AuditLine]) -> Response {
    let mut w = csv::Writer::from_writer(vec![]);
    let safe = |s: &str| crate::subscribers::spreadsheet_safe(s).into_owned();
    let mut out = w.write_record(["at_utc", "who", "action", "object", "from", "detail"]);
    for l in rows {
        if out.is_err() {
            break;
        }
        out = w.write_record([
            safe(&l.at),
            safe(&l.actor),
            safe(&l.action),
            safe(&l.object),
            safe(&l.ip),
            safe(&l.detail),
        ]);
    }
    match (out, w.into_inner()) {
        (Ok(()), Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"pressroom-audit.csv\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the CSV cannot be written",
        )
            .into_response(),
    }
}

#[derive(Template)]
#[template(path = "desk/account.html")]
struct AccountPage {
    page: DeskPage,
    email: String,
    role: &'static str,
    /// (code, name, chosen) of each desk language.
    langs: Vec<(&'static str, &'static str, bool)>,
    /// No language chosen: the browser's.
    browser: bool,
    saved: bool,
}

/// The query of the account page: `saved=1` after a change.
#[derive(Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `/desk/account`: who is signed in, and the desk's language for them.
pub async fn account(
    State(st): State<Arc<AppState>>,
    signed: SignedIn,
    axum::extract::Query(query): axum::extract::Query<AccountQuery>,
) -> Response {
    let t = desk_strings(signed.lang());
    let user = &signed.session.user;
    let own = user.lang.as_ref().map(crate::i18n::Lang::as_str);
    render(
        StatusCode::OK,
        &AccountPage {
            page: signed.page(&st, t.account),
            email: user.email.to_string(),
            role: t.role(user.role.as_str()),
            langs: [("fi", "suomi"), ("sv", "svenska"), ("en", "English")]
                .into_iter()
                .map(|(code, name)| (code, name, own == Some(code)))
                .collect(),
            browser: own.is_none(),
            saved: query.saved.is_some(),
        },
    )
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    lang: String,
}

/// Saves the desk's language of the one signed in (`browser`: none).
pub async fn set_account(
    State(st): State<Arc<AppState>>,
    Checked(signed, form): Checked<AccountForm>,
) -> Response {
    let ui = signed.lang();
    let lang = match form.lang.as_str() {
        "browser" | "" => None,
        code @ ("fi" | "sv" | "en") => crate::i18n::Lang::parse(code).ok(),
        _ => {
            return super::refused(
                &st,
                ui,
                StatusCode::BAD_REQUEST,
                desk_strings(ui).refused_form,
            );
        }
    };
    let actor = crate::desk::Actor::staff(signed.session.user.email.as_str(), &signed.visitor.ip);
    let user = signed.session.user.clone();
    if let Err(res) = blocking(&st, ui, move |st| {
        st.with_db(|db| accounts::set_language(db, &actor, &user, lang.as_ref()))
    })
    .await
    {
        return res;
    }
    Redirect::to("/desk/account?saved=1").into_response()
}
