//! The desk, served in this process on a port of its own as `serve` does:
//! sign-in and sign-out, sessions and their limits, CSRF and cross-site
//! refusals, throttling, roles, one-time password links and the audit
//! trail, each checked in the database too.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

mod corrections;
mod oidc;

use crate::common::room::{Room, SECRET};
use pressroom::db::{Db, Role};
use pressroom::desk::Actor;
use pressroom::desk::accounts;
use pressroom::subscribers::EmailAddress;

const PASSWORD: &str = "kolme karhua metsässä";

/// The desk of a pressroom, and the public site beside it.
struct Desk {
    base: String,
    public: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Desk {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Desk {
    fn start(room: &Room) -> Self {
        Self::start_with(room, |_| {})
    }

    /// Starts the desk with its configuration changed by `edit` first
    /// (what the environment would add, such as a secret).
    fn start_with(room: &Room, edit: impl FnOnce(&mut pressroom::config::Config)) -> Self {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T08:00:00+02:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let content = pressroom::content::Content::load(room.root()).unwrap();
        pressroom::build::build(&content, &room.root().join("public"), now).unwrap();
        std::fs::write(room.root().join("subscribers/.secret"), SECRET).unwrap();
        let mut config = pressroom::config::Config::load(room.root()).unwrap();
        edit(&mut config);
        let service = pressroom::http::service(config, None).unwrap();
        let (tx, rx) = tokio::sync::watch::channel(false);
        let sender = service.desk_sender(rx.clone()).expect("a desk sender");
        let desk = service.desk.expect("a desk outside a writer's preview");
        let public = service.router;
        let timeout = service.header_timeout;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, addrs) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let d = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let p = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                bound
                    .send((d.local_addr().unwrap(), p.local_addr().unwrap()))
                    .unwrap();
                let sender = tokio::spawn(sender);
                let mut rx2 = rx.clone();
                let public = tokio::spawn(pressroom::http::serve(p, public, timeout, async move {
                    let _ = rx2.wait_for(|s| *s).await;
                }));
                let mut rx3 = rx.clone();
                let desk = tokio::spawn(pressroom::http::serve(d, desk, timeout, async move {
                    let _ = rx3.wait_for(|s| *s).await;
                }));
                let _ = stopped.await;
                let _ = tx.send(true);
                let _ = public.await;
                let _ = desk.await;
                let _ = sender.await;
            });
        });
        let (d, p) = addrs.recv().unwrap();
        Self {
            base: format!("http://{d}"),
            public: format!("http://{p}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            cookies: BTreeMap::new(),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_idle_connections(0)
                .build()
                .new_agent(),
        }
    }
}

#[derive(Debug)]
struct Page {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The CSRF token of the page's first form.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("a form with a token: {}", self.body));
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// A browser: keeps the cookies it is given, sends them back.
struct Browser {
    base: String,
    cookies: BTreeMap<String, String>,
    agent: ureq::Agent,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, page: &Page) {
        for c in page.set_cookies() {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
    }

    fn read(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Page {
        let mut r = r.expect("the desk answers");
        Page {
            status: r.status().as_u16(),
            headers: r
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect(),
            body: r.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    fn get(&mut self, path: &str) -> Page {
        let page = Self::read(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("Cookie", self.cookie_header())
                .call(),
        );
        self.keep(&page);
        page
    }

    fn post_with(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .content_type("application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let page = Self::read(req.send(body));
        self.keep(&page);
        page
    }

    /// A multipart form (`fields`, then `files` as field, file name,
    /// bytes) sent as a browser sends it from the desk's own page.
    fn post_files(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        let boundary = "----pressroom-test-boundary-7d3f";
        let mut body: Vec<u8> = vec![];
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (k, name, bytes) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let sent = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .header("Sec-Fetch-Site", "same-origin")
            .content_type(format!("multipart/form-data; boundary={boundary}"))
            .send(&body[..]);
        // A server that refuses a body too large may close the connection
        // before it has all of it: the sender sees a broken pipe.
        if let Err(ureq::Error::Io(e)) = &sent
            && matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            )
        {
            return Page {
                status: 0,
                headers: vec![],
                body: format!("connection closed: {e}"),
            };
        }
        let page = Self::read(sent);
        self.keep(&page);
        page
    }

    /// A form sent as a browser sends it from the desk's own page.
    fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with(path, fields, &[("Sec-Fetch-Site", "same-origin")])
    }

    fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.sign_in_with(email, password, "")
    }

    /// Signs in with a second factor's `code`.
    fn sign_in_with(&mut self, email: &str, password: &str, code: &str) -> Page {
        let form = self.get("/desk/login");
        assert_eq!(form.status, 200);
        self.post(
            "/desk/login",
            &[
                ("csrf", &form.csrf()),
                ("email", email),
                ("password", password),
                ("code", code),
            ],
        )
    }
}

fn db(room: &Room) -> Db {
    Db::open(&room.db()).unwrap()
}

fn add_user(room: &Room, email: &str, name: &str, role: Role) {
    let email = EmailAddress::parse(email).unwrap();
    accounts::add(
        &db(room),
        &Actor::command_line(),
        &email,
        name,
        role,
        Some(PASSWORD),
        chrono::Utc::now(),
    )
    .unwrap();
}

fn sql(room: &Room, statement: &str) {
    rusqlite::Connection::open(room.db())
        .unwrap()
        .execute(statement, [])
        .unwrap();
}

fn audit_actions(room: &Room) -> Vec<String> {
    room.query("SELECT action || '|' || COALESCE(actor, '') || '|' || COALESCE(ip, '') || '|' || COALESCE(detail, '') FROM audit ORDER BY id")
}

#[test]
fn the_public_address_never_serves_the_desk_and_a_stranger_is_sent_to_sign_in() {
    let room = Room::new(1);
    let desk = Desk::start(&room);
    let agent = desk.browser().agent;
    for path in ["/desk/", "/desk/login", "/desk/users", "/desk"] {
        let r = Browser::read(agent.get(format!("{}{path}", desk.public)).call());
        assert_eq!(r.status, 404, "{path} on the public address");
    }
    let mut b = desk.browser();
    let home = b.get("/desk/");
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), "/desk/login");
    // Every page of the desk, without a sign-in: to the sign-in page.
    for path in [
        "/desk/releases/bridge/send",
        "/desk/releases/bridge/correct",
        "/desk/releases/bridge/report",
        "/desk/releases/bridge/report?format=csv",
        "/desk/releases/bridge/report?format=json",
        "/desk/subscribers",
        "/desk/subscribers?q=user",
        "/desk/subscribers/export?list=news",
        "/desk/subscribers/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "/desk/suppressions",
        "/desk/account/totp",
    ] {
        let r = b.get(path);
        assert_eq!(r.status, 303, "{path} without a sign-in");
        assert_eq!(r.header("location"), "/desk/login", "{path}");
        assert!(!r.body.contains("@example"), "{path} shows nothing");
    }
    // Nor is any of them on the public address.
    for path in ["/desk/subscribers", "/desk/releases/bridge/report"] {
        let r = Browser::read(agent.get(format!("{}{path}", desk.public)).call());
        assert_eq!(r.status, 404, "{path} on the public address");
    }
    let login = b.get("/desk/login");
    assert_eq!(login.status, 200);
    assert!(
        login
            .header("content-security-policy")
            .contains("default-src 'none'")
    );
    assert!(
        !login
            .header("content-security-policy")
            .contains("script-src")
    );
    assert_eq!(login.header("cache-control"), "no-store");
    assert_eq!(login.header("x-frame-options"), "DENY");
    assert_eq!(login.header("referrer-policy"), "same-origin");
    // A page that changes nothing without a sign-in is refused, not redirected.
    let out = b.post("/desk/logout", &[("csrf", "x")]);
    assert_eq!(out.status, 403);
}

#[test]
fn signing_in_makes_a_new_session_and_signing_out_ends_it_on_the_server() {
    let room = Room::new(1);
    add_user(&room, "aino@example.fi", "Aino Virta", Role::Editor);
    let desk = Desk::start(&room);
    let mut b = desk.browser();
    // A session id planted before sign-in is never the one after it.
    b.cookies
        .insert("pressroom-desk".into(), "planted-by-an-attacker".into());
    let signed = b.sign_in("aino@example.fi", PASSWORD);
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.header("location"), "/desk/");
    let cookie = signed
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("pressroom-desk="))
        .expect("a session cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "http desk: {cookie}");
    let token = b.cookies["pressroom-desk"].clone();
    assert_ne!(token, "planted-by-an-attacker");
    assert_eq!(token.len(), 43);
    // Only the token's hash is stored.
    let stored = room.query("SELECT id_hash FROM desk_sessions");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    let home = b.get("/desk/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Aino Virta"), "{}", home.body);

    let csrf = home.csrf();
    let out = b.post("/desk/logout", &[("csrf", &csrf)]);
    assert_eq!(out.status, 303);
    assert!(room.query("SELECT * FROM desk_sessions").is_empty());
    // The old cookie, replayed, opens nothing.
    b.cookies.insert("pressroom-desk".into(), token);
    assert_eq!(b.get("/desk/").status, 303);
    let trail = audit_actions(&room);
    assert!(
        trail
            .iter()
            .any(|a| a == "sign-in|aino@example.fi|127.0.0.1|"),
        "{trail:?}"
    );
    assert!(
        trail
            .iter()
            .any(|a| a == "sign-out|aino@example.fi|127.0.0.1|"),
        "{trail:?}"
    );
}

#[test]
fn an_unknown_address_and_a_wrong_password_get_the_same_answer() {
    let room = Room::new(1);
    add_user(&room, "aino@example.fi", "Aino Virta", Role::Writer);
    let desk = Desk::start(&room);
    let mut b = desk.browser();
    let tokens = |p: &Page| {
        let mut body = p.body.clone();
        let csrf = p.csrf();
        body = body.replace(&csrf, "TOKEN");
        body.replace("aino@example.fi", "ADDRESS")
            .replace("nobody@example.fi", "ADDRESS")
    };
    let wrong = b.sign_in("aino@example.fi", "not the password at all");
    let unknown = b.sign_in("nobody@example.fi", "not the password at all");
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.status, 200);
    assert!(
        wrong
            .body
            .contains("The address or the password is not right.")
    );
    assert_eq!(tokens(&wrong), tokens(&unknown));
    assert!(b.get("/desk/").status == 303);
    let trail = audit_actions(&room);
    assert!(
        trail.contains(&"sign-in-failed|aino@example.fi|127.0.0.1|wrong password".to_string()),
        "{trail:?}"
    );
    // The address typed for no account is not kept.
    assert!(
        trail.contains(&"sign-in-failed||127.0.0.1|no account has this address".to_string()),
        "{trail:?}"
    );
    assert!(
        !room
            .query("SELECT * FROM audit")
            .concat()
            .contains("nobody@")
    );
}

#[test]
fn five_failures_for_an_address_refuse_even_the_right_password_for_a_while() {
    let room = Room::new(1);
    add_user(&room, "aino@example.fi", "Aino Virta", Role::Writer);
    let desk = Desk::start(&room);
    let mut b = desk.browser();
    for _ in 0..5 {
        assert_eq!(
            b.sign_in("aino@example.fi", "wrong password 123").status,
            200
        );
    }
    let refused = b.sign_in("Aino@Example.fi", PASSWORD);
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.body.contains("Try again in 15 minutes"));
    assert!(room.query("SELECT * FROM desk_sessions").is_empty());
    assert!(
        audit_actions(&room)
            .iter()
            .any(|a| a.starts_with("sign-in-throttled|aino@example.fi"))
    );
    // The refusal ends a window after the fifth failure.
    sql(&room, "UPDATE desk_sign_in_failures SET at = at - 901");
    assert_eq!(b.sign_in("aino@example.fi", PASSWORD).status, 303);
}

#[test]
fn twenty_failures_from_one_address_refuse_every_account_from_it() {
    let room = Room::new(1);
    add_user(&room, "aino@example.fi", "Aino Virta", Role::Writer);
    let desk = Desk::start(&room);
    let mut b = desk.browser();
    for i in 0..20 {
        assert_eq!(
            b.sign_in(&format!("guess{i}@example.fi"), "wrong password 123")
                .status,
            200
        );
    }
    assert_eq!(b.sign_in("aino@example.fi", PASSWORD).status, 429);
}

#[test]
fn a_form_without_this_sign_ins_token_or_from_another_site_changes_nothing() {
    let room = Room::new(1);
    add_user(&room, "aino@example.fi", "Aino Virta", Role::Editor);
    add_user(&room, "eero@example.fi", "Eero Koski", Role::Editor);
    let desk = Desk::start(&room);
    let mut aino = desk.browser();
    assert_eq!(aino.sign_in("aino@example.fi", PASSWORD).status, 303);
    let mut eero = desk.browser();
    assert_eq!(eero.sign_in("eero@example.fi", PASSWORD).status, 303);
    let eeros_token = eero.get("/desk/").csrf();
    let ainos_token = aino.get("/desk/").csrf();
    let sessions = || room.query("SELECT COUNT(*) FROM desk_sessions")[0].clone();
    assert_eq!(sessions(), "2");

    for (fields, headers, why) in [
        (vec![], vec![("Sec-Fetch-Site", "same-origin")], "no token"),
        (
            vec![("csrf", "forged")],
            vec![("Sec-Fetch-Site", "same-origin")],
            "a forged token",
        ),
        (
            vec![("csrf", eeros_token.as_str())],
            vec![("Sec-Fetch-Site", "same-origin")],
            "another sign-in's token",
        ),
        (
            vec![("csrf", ainos_token.as_str())],
            vec![("Sec-Fetch-Site", "cross-site")],
            "another site (Sec-Fetch-Site)",
        ),
        (
            vec![("csrf", ainos_token.as_str())],
            vec![("Origin", "http://evil.example")],
            "another site (Origin)",
        ),
        (
            vec![("csrf", ainos_token.as_str())],
            vec![("Origin", "null")],
            "an opaque origin",
        ),
    ] {
        let r = aino.post_with("/desk/logout", &fields, &headers);
        assert_eq!(r.status, 403, "{why}: {}", r.body);
        assert!(
            !r.header("location").contains("login"),
            "{why}: a refusal is not a redirect"
        );
        assert_eq!(sessions(), "2", "{why}: nothing changed");
    }
    // The sign-in form too: without the token its page gave, or from elsewhere.
    let mut c = desk.browser();
    let r = c.post(
        "/desk/login",
        &[("email", "aino@example.fi"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 403);
    let form = c.get("/desk/login");
    let r = c.post_with(
        "/desk/login",
        &[
            ("csrf", &form.csrf()),
            ("email", "aino@example.fi"),
            ("password", PASSWORD),
        ],
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(sessions(), "2");
    // With its own token, from its own page: signed out.
    let r = aino.post("/desk/logout", &[("csrf", &ainos_token)]);
    assert_eq!(r.status, 303);
    assert_eq!(sessions(), "1");
}

#[test]
fn only_an_admin_reads_the_users_and_the_audit_trail() {
    let room = Room::new(1);
    add_user(&room, "admin@example.fi", "Anna Admin", Role::Admin);
    add_user(&room, "writer@example.fi", "Ville Writer", Role::Writer);
    let desk = Desk::start(&room);
    let mut w = desk.browser();
    assert_eq!(w.sign_in("writer@example.fi", PASSWORD).status, 303);
    for path in ["/desk/users", "/desk/audit"] {
        let r = w.get(path);
        assert_eq!(r.status, 403, "{path}");
        assert!(
            r.body.contains("Your role does not allow this"),
            "{}",
            r.body
        );
    }
    assert!(!w.get("/desk/").body.contains("/desk/users"));
    let mut a = desk.browser();
    assert_eq!(a.sign_in("admin@example.fi", PASSWORD).status, 303);
    let users = a.get("/desk/users");
    assert_eq!(users.status, 200);
    assert!(users.body.contains("writer@example.fi") && users.body.contains("Ville Writer"));
    let audit = a.get("/desk/audit");
    assert_eq!(audit.status, 200);
    assert!(audit.body.contains("user-added"), "{}", audit.body);
    assert!(audit.body.contains("sign-in"), "{}", audit.body);
}

#[test]
fn an_idle_or_old_sign_in_ends_and_disabling_an_account_ends_its_sign_ins() {
    let room = Room::new(1);
    add_user(&room, "aino@example.fi", "Aino Virta", Role::Editor);
    let desk = Desk::start(&room);
    let mut b = desk.browser();
    assert_eq!(b.sign_in("aino@example.fi", PASSWORD).status, 303);
    // 29 minutes idle: still signed in, and the request counts as activity.
    sql(
        &room,
        "UPDATE desk_sessions SET seen_at = seen_at - 29 * 60",
    );
    assert_eq!(b.get("/desk/").status, 200);
    // 31 minutes idle: ended, and removed on the server.
    sql(
        &room,
        "UPDATE desk_sessions SET seen_at = seen_at - 31 * 60",
    );
    assert_eq!(b.get("/desk/").status, 303);
    assert!(room.query("SELECT * FROM desk_sessions").is_empty());

    // Busy, but begun 12 hours ago: ended.
    assert_eq!(b.sign_in("aino@example.fi", PASSWORD).status, 303);
    sql(
        &room,
        "UPDATE desk_sessions SET started_at = started_at - 12 * 3600 - 1",
    );
    assert_eq!(b.get("/desk/").status, 303);

    // Disabled: every sign-in of the account ends at once.
    assert_eq!(b.sign_in("aino@example.fi", PASSWORD).status, 303);
    let mut other = desk.browser();
    assert_eq!(other.sign_in("aino@example.fi", PASSWORD).status, 303);
    let store = db(&room);
    let user = accounts::find(&store, "aino@example.fi").unwrap();
    accounts::set_disabled(&store, &Actor::command_line(), &user, true).unwrap();
    assert_eq!(b.get("/desk/").status, 303);
    assert_eq!(other.get("/desk/").status, 303);
    assert_eq!(b.sign_in("aino@example.fi", PASSWORD).status, 200);
}

#[test]
fn a_password_link_sets_a_password_once_within_a_day() {
    let room = Room::new(1);
    let store = db(&room);
    let email = EmailAddress::parse("uusi@example.fi").unwrap();
    let added = accounts::add(
        &store,
        &Actor::command_line(),
        &email,
        "Uusi Toimittaja",
        Role::Writer,
        None,
        chrono::Utc::now(),
    )
    .unwrap();
    let link = added.link.expect("a link without a password");
    let desk = Desk::start(&room);
    let mut b = desk.browser();
    // No password yet: no sign-in.
    assert_eq!(b.sign_in("uusi@example.fi", "").status, 200);
    let path = format!("/desk/password/{}", link.token);
    let form = b.get(&path);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("uusi@example.fi"));
    let weak = b.post(
        &path,
        &[("csrf", &form.csrf()), ("password", "toimittaja-2026!")],
    );
    assert_eq!(weak.status, 400, "a password with the name: {}", weak.body);
    let short = b.post(&path, &[("csrf", &form.csrf()), ("password", "lyhyt")]);
    assert_eq!(short.status, 400);
    let forged = b.post(&path, &[("csrf", "forged"), ("password", PASSWORD)]);
    assert_eq!(forged.status, 403);
    let set = b.post(&path, &[("csrf", &form.csrf()), ("password", PASSWORD)]);
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(b.sign_in("uusi@example.fi", PASSWORD).status, 303);
    // Used once: gone.
    assert_eq!(b.get(&path).status, 404);
    assert_eq!(
        b.post(
            &path,
            &[
                ("csrf", &form.csrf()),
                ("password", "another good passphrase")
            ]
        )
        .status,
        404
    );
    // A link older than a day does not work.
    let user = accounts::find(&store, "uusi@example.fi").unwrap();
    let late =
        accounts::password_link(&store, &Actor::command_line(), &user, chrono::Utc::now()).unwrap();
    sql(
        &room,
        "UPDATE desk_password_links SET expires_at = expires_at - 24 * 3600",
    );
    assert_eq!(b.get(&format!("/desk/password/{}", late.token)).status, 404);
    // Neither the password nor a token is in the trail.
    let all = room.query("SELECT * FROM audit").concat();
    assert!(!all.contains(PASSWORD) && !all.contains(&link.token) && !all.contains(&late.token));
    assert!(
        audit_actions(&room)
            .iter()
            .any(|a| a.starts_with("password-set|uusi@example.fi|127.0.0.1|"))
    );
}

#[test]
fn users_and_audit_from_the_command_line() {
    use std::io::Write;
    use std::process::Stdio;
    let room = Room::new(1);
    let mut add = room
        .command(&[
            "users",
            "add",
            "Aino@Example.fi",
            "--name",
            "Aino Virta",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let o = add.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let o = room.run(&[
        "users",
        "add",
        "eero@example.fi",
        "--name",
        "Eero Koski",
        "--role",
        "writer",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("/desk/password/"), "{out}");
    let o = room.run(&[
        "users",
        "add",
        "eero@example.fi",
        "--name",
        "Eero",
        "--role",
        "writer",
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(crate::common::stderr(&o).contains("already has an account"));
    let list = String::from_utf8_lossy(&room.run(&["users", "list"]).stdout).into_owned();
    assert!(
        list.contains("aino@example.fi") && list.contains("no password yet"),
        "{list}"
    );
    let o = room.run(&["users", "set-role", "eero@example.fi", "editor"]);
    assert_eq!(o.status.code(), Some(0));
    let json = String::from_utf8_lossy(&room.run(&["audit", "--json"]).stdout).into_owned();
    let actions: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = actions
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "user-added",
            "password-set",
            "user-added",
            "password-link-made",
            "role-changed"
        ]
    );
    assert_eq!(actions[4]["detail"], "writer → editor");
}

#[test]
fn serve_with_a_desk_address_serves_the_desk_there() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let room = Room::new(1);
    add_user(&room, "aino@example.fi", "Aino Virta", Role::Admin);
    let o = room.run(&["build", "--now", "2026-11-22T08:00:00+02:00"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let mut child = room
        .command(&[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--desk-addr",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("Listening on http://"), "{first}");
    let second = lines.next().unwrap().unwrap();
    let addr = second
        .strip_prefix("Desk on http://")
        .and_then(|r| r.strip_suffix("/desk/"))
        .unwrap_or_else(|| panic!("{second}"))
        .to_string();
    let mut b = Browser {
        base: format!("http://{addr}"),
        cookies: BTreeMap::new(),
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .new_agent(),
    };
    assert_eq!(b.sign_in("aino@example.fi", PASSWORD).status, 303);
    assert_eq!(b.get("/desk/users").status, 200);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The value of a field in a page's form.
fn field(page: &Page, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("a field {name}: {}", page.body));
    let rest = &page.body[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Signs `email` in on a browser of its own.
fn staff(desk: &Desk, email: &str) -> Browser {
    let mut b = desk.browser();
    let r = b.sign_in(email, PASSWORD);
    assert_eq!(r.status, 303, "{email} signs in: {}", r.body);
    b
}

/// Saves the editor's form of `path` with `title` and `body`.
fn save(b: &mut Browser, path: &str, title: &str, body: &str) -> Page {
    let form = b.get(path);
    assert_eq!(form.status, 200, "{}", form.body);
    b.post(
        path,
        &[
            ("csrf", &form.csrf()),
            ("version", &field(&form, "version")),
            ("title", title),
            ("summary", ""),
            ("date", "2026-12-01 09:00"),
            ("tags", "satama, liikenne"),
            ("lists", "news"),
            ("body", body),
        ],
    )
}

const SUB_LANG: &str =
    "/desk/subscribers/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/lang";
const SUB_REMOVE: &str =
    "/desk/subscribers/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/remove";
const SUB_ERASE: &str =
    "/desk/subscribers/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/erase";
const SUB_LIFT: &str =
    "/desk/suppressions/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/lift";

/// The send page of `slug` (with `query`): the plan's number of messages
/// and the form's token.
fn send_plan(b: &mut Browser, slug: &str, query: &str) -> (u64, String) {
    let page = b.get(&format!("/desk/releases/{slug}/send{query}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let total = page
        .body
        .split("id=\"total\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.parse().ok())
        .expect("the plan's total");
    (total, page.csrf())
}

/// Presses the button of `act` on release `slug`.
fn press(b: &mut Browser, slug: &str, act: &str) -> Page {
    let csrf = b.get("/desk/").csrf();
    b.post(&format!("/desk/releases/{slug}/{act}"), &[("csrf", &csrf)])
}

fn new_release(b: &mut Browser, title: &str) -> String {
    let form = b.get("/desk/releases/new");
    assert_eq!(form.status, 200);
    let made = b.post(
        "/desk/releases/new",
        &[
            ("csrf", &form.csrf()),
            ("title", title),
            ("lang", "fi"),
            ("date", "2026-12-01 09:00"),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    made.header("location").to_string()
}

fn workflow_room() -> Room {
    let room = Room::new(1);
    add_user(
        &room,
        "kirjoittaja@example.fi",
        "Kalle Kirjoittaja",
        Role::Writer,
    );
    add_user(&room, "toinen@example.fi", "Tiina Toinen", Role::Writer);
    add_user(&room, "eka@example.fi", "Eeva Eka", Role::Editor);
    add_user(&room, "toka@example.fi", "Tuomas Toka", Role::Editor);
    room
}

/// One story, end to end: each step depends on the ones before it.
#[test]
#[allow(clippy::too_many_lines)]
fn a_release_is_written_submitted_approved_by_another_and_sent_and_any_change_withdraws_the_approval()
 {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let editor_path = new_release(&mut writer, "Uusi satama avataan");
    assert_eq!(editor_path, "/desk/releases/uusi-satama-avataan/fi");
    let file = room
        .root()
        .join("releases/2026-12-01-uusi-satama-avataan.fi.md");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("draft: true")
    );

    let saved = save(
        &mut writer,
        &editor_path,
        "Uusi satama avataan joulukuussa",
        "Satama avataan.\r\n\r\nToinen kappale.",
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("title: Uusi satama avataan joulukuussa"),
        "{text}"
    );
    assert!(
        text.contains("draft: true") && text.contains("- news"),
        "{text}"
    );
    assert!(
        text.ends_with("Satama avataan.\n\nToinen kappale.\n"),
        "{text:?}"
    );

    assert_eq!(
        press(&mut writer, "uusi-satama-avataan", "submit").status,
        303
    );
    // A writer approves nothing; nor does an editor who changed it.
    assert_eq!(
        press(&mut writer, "uusi-satama-avataan", "approve").status,
        403
    );
    let mut first = staff(&desk, "eka@example.fi");
    assert_eq!(
        save(
            &mut first,
            &editor_path,
            "Uusi satama avataan 1.12.",
            "Satama avataan."
        )
        .status,
        303
    );
    let own = press(&mut first, "uusi-satama-avataan", "approve");
    assert_eq!(own.status, 403);
    assert!(
        own.body
            .contains("someone other than the people who wrote or changed it"),
        "{}",
        own.body
    );
    // Not approved: it cannot be sent, and its file keeps `draft: true`.
    assert_eq!(press(&mut first, "uusi-satama-avataan", "send").status, 403);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("draft: true")
    );

    let mut second = staff(&desk, "toka@example.fi");
    assert_eq!(
        press(&mut second, "uusi-satama-avataan", "approve").status,
        303
    );
    assert!(
        second
            .get(&editor_path)
            .body
            .contains("<strong>Approved</strong>")
    );
    // A change after the approval withdraws it.
    assert_eq!(
        save(
            &mut first,
            &editor_path,
            "Uusi satama avataan 1.12.",
            "Korjattu teksti."
        )
        .status,
        303
    );
    assert!(
        second
            .get(&editor_path)
            .body
            .contains("<strong>In review</strong>")
    );
    assert_eq!(
        press(&mut second, "uusi-satama-avataan", "send").status,
        403
    );
    // So does a change made outside the desk.
    assert_eq!(
        press(&mut second, "uusi-satama-avataan", "approve").status,
        303
    );
    let mut outside = std::fs::read_to_string(&file).unwrap();
    outside.push_str("\nLisätty tekstieditorissa.\n");
    std::fs::write(&file, &outside).unwrap();
    let page = second.get(&editor_path);
    assert!(
        page.body.contains("changed since it was approved"),
        "{}",
        page.body
    );
    assert_eq!(
        press(&mut second, "uusi-satama-avataan", "send").status,
        403
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        outside,
        "a refusal changes nothing"
    );

    assert_eq!(
        press(&mut second, "uusi-satama-avataan", "approve").status,
        303
    );
    // Sending asks for the number of messages; at its date, `publish` sends.
    let (total, csrf) = send_plan(&mut second, "uusi-satama-avataan", "");
    let sent = second.post(
        "/desk/releases/uusi-satama-avataan/send",
        &[
            ("csrf", &csrf),
            ("when", "date"),
            ("confirm", &total.to_string()),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.header("location"),
        "/desk/releases/uusi-satama-avataan/report"
    );
    let sent = std::fs::read_to_string(&file).unwrap();
    assert!(!sent.contains("draft"), "{sent}");
    assert!(sent.contains("Lisätty tekstieditorissa."));
    let content = pressroom::content::Content::load(room.root()).unwrap();
    let r = content.find("uusi-satama-avataan", None).unwrap();
    assert!(!r.publication.draft);

    let trail = audit_actions(&room);
    for expected in [
        "create|kirjoittaja@example.fi|127.0.0.1|",
        "save|kirjoittaja@example.fi|127.0.0.1|",
        "submit|kirjoittaja@example.fi|127.0.0.1|",
        "save|eka@example.fi|127.0.0.1|",
        "approve|toka@example.fi|127.0.0.1|",
        "release|toka@example.fi|127.0.0.1|0 messages, at its date",
    ] {
        assert!(
            trail.iter().any(|a| a == expected),
            "{expected} in {trail:?}"
        );
    }
}

#[test]
fn a_writer_touches_only_their_own_release_and_a_refusal_changes_nothing() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Kirjaston aukioloajat");
    let file = room
        .root()
        .join("releases/2026-12-01-kirjaston-aukioloajat.fi.md");
    let before = std::fs::read_to_string(&file).unwrap();
    let form = writer.get(&path);
    let (csrf_w, version) = (form.csrf(), field(&form, "version"));

    let mut other = staff(&desk, "toinen@example.fi");
    assert_eq!(other.get(&path).status, 403);
    let csrf = other.get("/desk/").csrf();
    let r = other.post(
        &path,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("title", "Kaapattu"),
            ("date", "2026-12-01 09:00"),
            ("body", "x"),
        ],
    );
    assert_eq!(r.status, 403);
    for act in ["submit", "approve", "withdraw", "send"] {
        assert_eq!(
            press(&mut other, "kirjaston-aukioloajat", act).status,
            403,
            "{act}"
        );
    }
    // A release written outside the desk is an editor's to submit.
    assert_eq!(press(&mut other, "bridge", "submit").status, 403);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);

    // The owner's form without its token: refused too.
    let r = writer.post(
        &path,
        &[
            ("version", &version),
            ("title", "x"),
            ("date", "2026-12-01 09:00"),
            ("body", "x"),
        ],
    );
    assert_eq!(r.status, 403);
    let r = writer.post(
        &path,
        &[
            ("csrf", &csrf_w),
            ("version", &version),
            ("title", "x"),
            ("date", "2026-12-01 09:00"),
            ("body", "x"),
        ],
    );
    assert_eq!(r.status, 303, "the owner's own form with its token saves");
    assert_eq!(
        room.query("SELECT COUNT(*) FROM audit WHERE action = 'save'"),
        ["1"]
    );
}

#[test]
fn a_save_over_a_change_it_has_not_seen_is_refused_with_both_versions_and_a_problem_sits_by_its_field()
 {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Uimahallin remontti");
    let file = room
        .root()
        .join("releases/2026-12-01-uimahallin-remontti.fi.md");
    let form = writer.get(&path);
    let (csrf, version) = (form.csrf(), field(&form, "version"));
    // Someone saves the file meanwhile.
    let theirs = std::fs::read_to_string(&file)
        .unwrap()
        .replace("title: Uimahallin remontti", "title: Uimahalli suljetaan");
    std::fs::write(&file, &theirs).unwrap();
    let mine = "Minun versioni tekstistä.";
    let r = writer.post(
        &path,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("title", "Uimahallin remontti alkaa"),
            ("date", "2026-12-01 09:00"),
            ("body", mine),
        ],
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains("Uimahalli suljetaan"),
        "the file as it is now is shown"
    );
    assert!(
        r.body.contains(mine) && r.body.contains("Uimahallin remontti alkaa"),
        "and the writer's own"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        theirs,
        "nothing was overwritten"
    );
    // Saving again from that page replaces it, on purpose.
    let again = writer.post(
        &path,
        &[
            ("csrf", &csrf),
            ("version", &field(&r, "version")),
            ("title", "Uimahallin remontti alkaa"),
            ("date", "2026-12-01 09:00"),
            ("body", mine),
        ],
    );
    assert_eq!(again.status, 303);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains(mine));

    // A problem: shown by its field, with the form's values kept; nothing written.
    let form = writer.get(&path);
    let r = writer.post(
        &path,
        &[
            ("csrf", &form.csrf()),
            ("version", &field(&form, "version")),
            ("title", "Uimahallin remontti"),
            ("date", "someday"),
            ("body", "Uusi teksti."),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"date-problem\""), "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(r.body.contains("Uusi teksti."));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), saved);
}

#[test]
fn an_admin_manages_accounts_on_the_desk_and_no_one_else_can() {
    let room = Room::new(1);
    add_user(&room, "admin@example.fi", "Anna Admin", Role::Admin);
    add_user(&room, "writer@example.fi", "Ville Writer", Role::Writer);
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "writer@example.fi");
    let csrf = writer.get("/desk/").csrf();
    let r = writer.post(
        "/desk/users",
        &[
            ("csrf", &csrf),
            ("email", "mole@example.fi"),
            ("name", "Mole"),
            ("role", "admin"),
        ],
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        writer
            .post("/desk/users/1/disable", &[("csrf", &csrf)])
            .status,
        403
    );
    assert!(
        room.query("SELECT email FROM desk_users WHERE email = 'mole@example.fi'")
            .is_empty()
    );

    let mut admin = staff(&desk, "admin@example.fi");
    let page = admin.get("/desk/users");
    let added = admin.post(
        "/desk/users",
        &[
            ("csrf", &page.csrf()),
            ("email", "Uusi@Example.fi"),
            ("name", "Uusi Ihminen"),
            ("role", "editor"),
        ],
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(
        added.body.contains("/desk/password/"),
        "the one-time link is shown"
    );
    assert_eq!(
        room.query("SELECT role FROM desk_users WHERE email = 'uusi@example.fi'"),
        ["editor"]
    );
    let writer_id =
        room.query("SELECT id FROM desk_users WHERE email = 'writer@example.fi'")[0].clone();
    let admin_id =
        room.query("SELECT id FROM desk_users WHERE email = 'admin@example.fi'")[0].clone();
    let csrf = admin.get("/desk/users").csrf();
    let r = admin.post(
        &format!("/desk/users/{writer_id}/role"),
        &[("csrf", &csrf), ("role", "editor")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        room.query(&format!(
            "SELECT role FROM desk_users WHERE id = {writer_id}"
        )),
        ["editor"]
    );
    // Disabling ends the account's sign-ins at once.
    assert_eq!(
        admin
            .post(
                &format!("/desk/users/{writer_id}/disable"),
                &[("csrf", &csrf)]
            )
            .status,
        303
    );
    assert_eq!(writer.get("/desk/").status, 303);
    // An admin cannot lock themselves out.
    let r = admin.post(
        &format!("/desk/users/{admin_id}/disable"),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 403);
    let r = admin.post(
        &format!("/desk/users/{admin_id}/role"),
        &[("csrf", &csrf), ("role", "writer")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        room.query(&format!(
            "SELECT role, disabled FROM desk_users WHERE id = {admin_id}"
        )),
        ["admin|0"]
    );
    let trail = audit_actions(&room);
    for expected in [
        "user-added|admin@example.fi|127.0.0.1|editor",
        "role-changed|admin@example.fi|127.0.0.1|writer → editor",
        "user-disabled|admin@example.fi|127.0.0.1|",
    ] {
        assert!(
            trail.iter().any(|a| a == expected),
            "{expected} in {trail:?}"
        );
    }
}

#[test]
fn the_audit_trail_filters_exports_csv_safely_and_cannot_be_changed() {
    let room = Room::new(1);
    add_user(&room, "admin@example.fi", "Anna Admin", Role::Admin);
    add_user(&room, "writer@example.fi", "Ville Writer", Role::Writer);
    let desk = Desk::start(&room);
    let mut admin = staff(&desk, "admin@example.fi");
    let _ = desk
        .browser()
        .sign_in("writer@example.fi", "wrong password here");
    sql(
        &room,
        "INSERT INTO audit (at, actor, action, detail) VALUES ('2026-12-01T00:00:00.000Z', 'x@example.fi', 'save', '=HYPERLINK(\"http://evil\")')",
    );
    let page = admin.get("/desk/audit?q=FAILED&since=2026-01-01");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("sign-in-failed"));
    assert!(
        !page.body.contains("<td>user-added</td>"),
        "filtered by the text"
    );
    let csv = admin.get("/desk/audit?since=2026-01-01&format=csv");
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.header("content-disposition").contains("attachment"));
    assert!(
        csv.body
            .starts_with("at_utc,who,action,object,from,detail\n"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("'=HYPERLINK"),
        "a formula is defused: {}",
        csv.body
    );
    assert!(csv.body.contains("user-added"));
    // The trail refuses to be edited or shortened.
    let conn = rusqlite::Connection::open(room.db()).unwrap();
    assert!(
        conn.execute("UPDATE audit SET actor = 'someone else'", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM audit", []).is_err());
}

#[test]
fn a_language_version_starts_from_the_other_and_joins_its_release() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Torin joulumarkkinat");
    assert_eq!(
        save(
            &mut writer,
            &path,
            "Torin joulumarkkinat",
            "Markkinat avataan lauantaina."
        )
        .status,
        303
    );
    let page = writer.get(&path);
    assert!(
        page.body.contains("name=\"lang\" value=\"sv\""),
        "{}",
        page.body
    );
    let r = writer.post(
        "/desk/releases/torin-joulumarkkinat/translate",
        &[("csrf", &page.csrf()), ("lang", "sv")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        "/desk/releases/torin-joulumarkkinat/sv"
    );
    let sv = std::fs::read_to_string(
        room.root()
            .join("releases/2026-12-01-torin-joulumarkkinat.sv.md"),
    )
    .unwrap();
    assert!(
        sv.contains("draft: true") && sv.contains("Markkinat avataan lauantaina."),
        "{sv}"
    );
    let page = writer.get("/desk/releases/torin-joulumarkkinat/sv");
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("href=\"/desk/releases/torin-joulumarkkinat/fi\"")
    );
    // A second one in the same language is refused; the file stays.
    let again = writer.post(
        "/desk/releases/torin-joulumarkkinat/translate",
        &[("csrf", &page.csrf()), ("lang", "sv")],
    );
    assert_eq!(again.status, 422);
    let content = pressroom::content::Content::load(room.root()).unwrap();
    let keys: Vec<String> = content
        .releases
        .iter()
        .filter(|r| r.slug.as_str() == "torin-joulumarkkinat")
        .map(|r| r.group_key())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "one release in two languages");
}

#[test]
fn the_release_list_finds_by_title_and_keyword_and_shows_desk_statuses() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let one = new_release(&mut writer, "Kirjastoauto uusitaan");
    new_release(&mut writer, "Pyöräteiden talvikunnossapito");
    assert_eq!(
        save(&mut writer, &one, "Kirjastoauto uusitaan", "Teksti.").status,
        303
    );
    assert_eq!(
        press(&mut writer, "kirjastoauto-uusitaan", "submit").status,
        303
    );
    let all = writer.get("/desk/");
    assert!(
        all.body.contains("Kirjastoauto uusitaan")
            && all.body.contains("Pyöräteiden talvikunnossapito")
    );
    assert!(all.body.contains("id=\"status-in-review\""), "{}", all.body);
    let found = writer.get("/desk/?q=KIRJASTO");
    assert!(found.body.contains("Kirjastoauto uusitaan"));
    assert!(!found.body.contains("Pyöräteiden"));
    // The keywords the save gave it find it too.
    let by_tag = writer.get("/desk/?q=satama");
    assert!(
        by_tag.body.contains("Kirjastoauto uusitaan"),
        "{}",
        by_tag.body
    );
    assert!(!by_tag.body.contains("Pyöräteiden"));
    // One keyword exactly, and the author (or the files written outside).
    let tagged = writer.get("/desk/?tag=LIIKENNE");
    assert!(tagged.body.contains("Kirjastoauto uusitaan") && !tagged.body.contains("Pyöräteiden"));
    assert!(
        !writer
            .get("/desk/?tag=liiken")
            .body
            .contains("Kirjastoauto")
    );
    let id =
        room.query("SELECT id FROM desk_users WHERE email = 'kirjoittaja@example.fi'")[0].clone();
    let mine = writer.get(&format!("/desk/?author={id}"));
    assert!(mine.body.contains("Kirjastoauto uusitaan") && mine.body.contains("Pyöräteiden"));
    assert!(
        !mine.body.contains("The bridge opens"),
        "the room's own release was written outside"
    );
    let outside = writer.get("/desk/?author=outside");
    assert!(outside.body.contains("The bridge opens") && !outside.body.contains("Kirjastoauto"));
    // Who made it and who changed it last are in the row.
    assert!(
        all.body.contains("<td>Kalle Kirjoittaja</td>"),
        "{}",
        all.body
    );
    assert!(all.body.contains("<td>Kalle Kirjoittaja, "), "{}", all.body);
}

#[test]
fn each_person_picks_the_desk_s_language_and_the_choice_is_audited() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    // The browser asks for nothing in particular: English.
    let page = writer.get("/desk/account");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<html lang=\"en\">"));
    let saved = writer.post("/desk/account", &[("csrf", &page.csrf()), ("lang", "sv")]);
    assert_eq!(saved.status, 303);
    let releases = writer.get("/desk/");
    assert!(
        releases.body.contains("<html lang=\"sv\">"),
        "{}",
        releases.body
    );
    assert!(
        releases.body.contains("Pressmeddelanden")
            || releases.body.contains("Nytt pressmeddelande"),
        "{}",
        releases.body
    );
    assert_eq!(
        room.query("SELECT lang FROM desk_users WHERE email = 'kirjoittaja@example.fi'"),
        ["sv"]
    );
    assert!(
        audit_actions(&room)
            .iter()
            .any(|a| a.starts_with("language-set|kirjoittaja@example.fi") && a.ends_with("|sv"))
    );
    // Back to what the browser asks; an unknown language is refused.
    let page = writer.get("/desk/account");
    let bad = writer.post("/desk/account", &[("csrf", &page.csrf()), ("lang", "de")]);
    assert_eq!(bad.status, 400);
    writer.post(
        "/desk/account",
        &[("csrf", &page.csrf()), ("lang", "browser")],
    );
    assert_eq!(
        room.query(
            "SELECT COALESCE(lang, '-') FROM desk_users WHERE email = 'kirjoittaja@example.fi'"
        ),
        ["-"]
    );
}

#[test]
fn a_test_copy_goes_to_the_senders_own_address_only_for_those_who_may_edit() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Koulukuljetukset muuttuvat");
    assert_eq!(
        save(
            &mut writer,
            &path,
            "Koulukuljetukset muuttuvat",
            "Uudet reitit."
        )
        .status,
        303
    );
    let outbox = room.root().join("outbox/test");
    let count = || std::fs::read_dir(&outbox).map_or(0, |d| d.count());
    let mut other = staff(&desk, "toinen@example.fi");
    let csrf = other.get("/desk/").csrf();
    let r = other.post(
        "/desk/releases/koulukuljetukset-muuttuvat/test-send",
        &[("csrf", &csrf), ("lang", "fi")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(count(), 0);
    let page = writer.get(&path);
    let r = writer.post(
        "/desk/releases/koulukuljetukset-muuttuvat/test-send",
        &[("csrf", &page.csrf()), ("lang", "fi")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        writer
            .get(r.header("location"))
            .body
            .contains("The test copy went to your address.")
    );
    assert_eq!(count(), 1);
    let eml = std::fs::read_dir(&outbox)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(eml).unwrap();
    assert!(text.contains("To: kirjoittaja@example.fi"), "{text}");
    assert!(
        text.contains("Subject: [TESTI] Koulukuljetukset muuttuvat"),
        "the mark in the release's language: {text}"
    );
    assert!(
        room.query("SELECT * FROM deliveries").is_empty(),
        "no journal entry"
    );
    assert!(
        audit_actions(&room)
            .iter()
            .any(|a| a.starts_with("test-send|kirjoittaja@example.fi|127.0.0.1|"))
    );
}

/// Every release file with its text, by path.
fn release_files(room: &Room) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(room.root().join("releases"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (p.display().to_string(), text)
        })
        .collect();
    v.sort();
    v
}

#[test]
#[allow(clippy::too_many_lines)] // one table of every form of the desk
fn every_form_of_the_desk_without_its_token_is_refused_and_changes_nothing() {
    let room = workflow_room();
    add_user(&room, "admin@example.fi", "Anna Admin", Role::Admin);
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Lomakkeiden tarkistus");
    let mut admin = staff(&desk, "admin@example.fi");
    let files = || release_files(&room);
    let before = (
        files(),
        room.query("SELECT COUNT(*) FROM audit"),
        room.query("SELECT * FROM desk_users ORDER BY id"),
    );
    let version = field(&admin.get(&path), "version");
    let preview = format!("{path}/preview");
    let routes = [
        ("/desk/logout", vec![]),
        (
            "/desk/releases/new",
            vec![
                ("title", "Kaapattu"),
                ("lang", "fi"),
                ("date", "2026-12-02 09:00"),
            ],
        ),
        (
            path.as_str(),
            vec![
                ("version", version.as_str()),
                ("title", "Kaapattu"),
                ("date", "2026-12-01 09:00"),
                ("body", "x"),
            ],
        ),
        ("/desk/releases/lomakkeiden-tarkistus/submit", vec![]),
        ("/desk/releases/lomakkeiden-tarkistus/approve", vec![]),
        ("/desk/releases/lomakkeiden-tarkistus/withdraw", vec![]),
        ("/desk/releases/lomakkeiden-tarkistus/take-down", vec![]),
        (
            "/desk/releases/lomakkeiden-tarkistus/correct",
            vec![("note_fi", "Kaapattu korjaus"), ("email", "1")],
        ),
        (
            "/desk/releases/lomakkeiden-tarkistus/send",
            vec![("when", "now"), ("confirm", "0")],
        ),
        (
            "/desk/subscribers",
            vec![("email", "mole@example.org"), ("list", "news")],
        ),
        ("/desk/subscribers/import", vec![("list", "news")]),
        (SUB_LANG, vec![("lang", "sv")]),
        (SUB_REMOVE, vec![("list", "news")]),
        (SUB_ERASE, vec![("confirm", "x@example.org")]),
        (SUB_LIFT, vec![("why", "x")]),
        (
            "/desk/releases/lomakkeiden-tarkistus/translate",
            vec![("lang", "sv")],
        ),
        (
            "/desk/releases/lomakkeiden-tarkistus/test-send",
            vec![("lang", "fi")],
        ),
        (
            "/desk/users",
            vec![
                ("email", "mole@example.fi"),
                ("name", "Mole"),
                ("role", "admin"),
            ],
        ),
        ("/desk/users/1/role", vec![("role", "admin")]),
        ("/desk/users/1/disable", vec![]),
        ("/desk/users/1/enable", vec![]),
        ("/desk/users/1/link", vec![]),
        ("/desk/account", vec![("lang", "sv")]),
        ("/desk/account/totp", vec![("code", "123456")]),
        ("/desk/users/1/totp-reset", vec![]),
        (preview.as_str(), vec![("title", "Kaapattu"), ("body", "x")]),
    ];
    for (route, fields) in &routes {
        for token in ["", "forged-token"] {
            let mut with: Vec<(&str, &str)> = fields.clone();
            if !token.is_empty() {
                with.push(("csrf", token));
            }
            let r = admin.post(route, &with);
            assert_eq!(r.status, 403, "{route} with token {token:?}: {}", r.body);
        }
    }
    // No sign-in at all, and a valid token sent from another site.
    let mut stranger = desk.browser();
    let token = admin.get("/desk/").csrf();
    for (route, fields) in &routes {
        let r = stranger.post(route, fields);
        assert_eq!(r.status, 403, "{route} without a sign-in");
        let mut with = fields.clone();
        with.push(("csrf", token.as_str()));
        let r = admin.post_with(route, &with, &[("Sec-Fetch-Site", "cross-site")]);
        assert_eq!(r.status, 403, "{route} from another site");
    }
    assert!(
        !room.root().join("outbox/test").exists(),
        "no test copy went out"
    );
    let after = (
        files(),
        room.query("SELECT COUNT(*) FROM audit"),
        room.query("SELECT * FROM desk_users ORDER BY id"),
    );
    assert_eq!(
        before, after,
        "nothing changed: files, audit trail, accounts"
    );
    // Still signed in: the refused sign-out did not end the session.
    assert_eq!(admin.get("/desk/").status, 200);
}

/// The desk keeps what it read of the release files while nothing changes
/// (the kernel tells it of changes): a change made outside the desk is on
/// the very next page, whether a release written in place, one added or
/// removed, or the configuration.
#[test]
fn a_change_made_outside_the_desk_is_on_the_next_page_at_once() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Uusi satama avataan");
    let file = room
        .root()
        .join("releases/2026-12-01-uusi-satama-avataan.fi.md");
    let text = std::fs::read_to_string(&file).unwrap();
    for i in 0..20 {
        let title = format!("Satama, versio {i}");
        std::fs::write(
            &file,
            text.replace("title: Uusi satama avataan", &format!("title: {title}")),
        )
        .unwrap();
        let page = writer.get(&path);
        assert!(page.body.contains(&title), "round {i}: {}", page.body);
        // Unchanged since: the same page again.
        assert!(writer.get(&path).body.contains(&title), "round {i}");
    }
    // A release added and removed outside: on the list, then gone.
    let added = room.root().join("releases/2026-11-30-toinen-tiedote.fi.md");
    std::fs::write(
        &added,
        "---\ntitle: Toinen tiedote ulkoa\ndate: 2026-11-30 09:00\n---\nTeksti.\n",
    )
    .unwrap();
    assert!(writer.get("/desk/").body.contains("Toinen tiedote ulkoa"));
    std::fs::remove_file(&added).unwrap();
    assert!(!writer.get("/desk/").body.contains("Toinen tiedote ulkoa"));
    // The configuration broken outside: its problem, with where it is,
    // at once (the desk does not go on with what it read before, nor
    // blame its database), and the desk back when it is mended.
    let toml = room.root().join("pressroom.toml");
    let config = std::fs::read_to_string(&toml).unwrap();
    let lines = config.lines().count();
    std::fs::write(&toml, format!("{config}\n[site\n")).unwrap();
    let page = writer.get("/desk/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(&format!("pressroom.toml:{}:", lines + 2)),
        "{}",
        page.body
    );
    assert!(!page.body.contains("database"), "{}", page.body);
    std::fs::write(&toml, &config).unwrap();
    assert!(writer.get(&path).body.contains("Satama, versio 19"));
}

#[test]
fn a_release_file_broken_outside_the_desk_is_shown_with_its_problem() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    std::fs::write(
        room.root().join("releases/2026-12-02-rikki.fi.md"),
        "---\ntitle: Rikki\ndate: someday\n---\nTeksti.\n",
    )
    .unwrap();
    for path in ["/desk/", "/desk/releases/bridge/fi"] {
        let page = writer.get(path);
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body.contains("The release files have problems"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("releases/2026-12-02-rikki.fi.md:3:1"),
            "{}",
            page.body
        );
    }
}

/// The address of a frame (`/desk/preview/ID/page`) in a preview page.
fn frame_of(page: &Page, part: &str) -> String {
    let end = format!("/{part}\"");
    let at = page
        .body
        .find(&end)
        .unwrap_or_else(|| panic!("a frame of the {part}: {}", page.body));
    let start = page.body[..at].rfind("\"/desk/preview/").unwrap() + 1;
    page.body[start..at + end.len() - 1].to_string()
}

#[test]
#[allow(clippy::too_many_lines)] // one story: the saved text, then the same form unsaved
fn the_preview_shows_the_page_and_the_email_of_the_saved_text_and_of_the_form_unsaved() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Uusi satama avataan");
    assert_eq!(
        save(
            &mut writer,
            &path,
            "Uusi satama avataan",
            "Laiturit valmistuvat."
        )
        .status,
        303
    );
    let changes = |room: &Room| {
        audit_actions(room)
            .into_iter()
            .filter(|a| !a.starts_with("sign"))
            .count()
    };
    let audit_before = changes(&room);

    // The saved file: the page, the email at two widths, its text part.
    let shown = writer.get(&format!("{path}/preview"));
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.header("x-frame-options"), "SAMEORIGIN");
    assert!(
        shown
            .header("content-security-policy")
            .contains("frame-ancestors 'self'")
    );
    assert!(
        shown.body.contains("Laiturit valmistuvat."),
        "the text part"
    );
    assert_eq!(
        shown.body.matches("/email\"").count(),
        2,
        "phone and desktop"
    );
    let page = writer.get(&frame_of(&shown, "page"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Uusi satama avataan") && page.body.contains("Laiturit valmistuvat.")
    );
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("sandbox") && !csp.contains("script-src"),
        "{csp}"
    );
    let email = writer.get(&frame_of(&shown, "email"));
    assert_eq!(email.status, 200);
    assert!(email.body.contains("Laiturit valmistuvat."));
    // Its stylesheet and pictures are the desk's to serve, to staff only.
    assert_eq!(writer.get("/style.css").status, 200);
    assert_eq!(desk.browser().get("/style.css").status, 303);
    // Another person's preview is not theirs to see.
    let mut editor = staff(&desk, "eka@example.fi");
    assert_eq!(editor.get(&frame_of(&shown, "page")).status, 404);

    // The form as it stands, not saved.
    let file = room
        .root()
        .join("releases/2026-12-01-uusi-satama-avataan.fi.md");
    let on_disk = std::fs::read_to_string(&file).unwrap();
    let form = writer.get(&path);
    let unsaved = writer.post(
        &format!("{path}/preview"),
        &[
            ("csrf", &form.csrf()),
            ("title", "Satama avataan jo toukokuussa"),
            ("date", "2026-12-01 09:00"),
            ("lists", "news"),
            ("body", "Uusi teksti, ei vielä tallennettu."),
        ],
    );
    assert_eq!(unsaved.status, 200, "{}", unsaved.body);
    let page = writer.get(&frame_of(&unsaved, "page"));
    assert!(page.body.contains("Satama avataan jo toukokuussa"));
    assert!(page.body.contains("Uusi teksti, ei vielä tallennettu."));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        on_disk,
        "nothing saved"
    );
    // A form that would not read as a release shows why.
    let broken = writer.post(
        &format!("{path}/preview"),
        &[
            ("csrf", &form.csrf()),
            ("title", "Satama"),
            ("date", "ensi viikolla"),
            ("body", "Teksti."),
        ],
    );
    assert_eq!(broken.status, 422);
    assert!(broken.body.contains("date: "), "{}", broken.body);
    // Without this sign-in's token, or signed out, there is no preview.
    assert_eq!(
        writer
            .post(
                &format!("{path}/preview"),
                &[("csrf", "forged"), ("title", "X")]
            )
            .status,
        403
    );
    assert_eq!(desk.browser().get(&format!("{path}/preview")).status, 303);
    assert_eq!(changes(&room), audit_before, "a preview changes nothing");
}

/// A picture of one pixel, a PNG.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
];
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// The files under `releases/assets`, relative to it.
fn assets(room: &Room) -> Vec<String> {
    let dir = room.root().join("releases/assets");
    let mut out = vec![];
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(&dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// The editor's form of `path` as it stands, with `extra` fields and
/// `files`, sent as the browser sends it.
fn save_with_files(
    b: &mut Browser,
    path: &str,
    extra: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Page {
    let form = b.get(path);
    let csrf = form.csrf();
    let version = field(&form, "version");
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("title", "Uusi satama avataan"),
        ("date", "2026-12-01 09:00"),
        ("lists", "news"),
        ("body", "Laiturit valmistuvat."),
        ("material", "1"),
    ];
    fields.extend_from_slice(extra);
    b.post_files(path, &fields, files)
}

#[test]
#[allow(clippy::too_many_lines)] // one story: each upload depends on the ones before it
fn uploads_are_checked_by_their_bytes_named_safely_and_a_picture_needs_its_credit_to_be_submitted()
{
    let room = workflow_room();
    room.append_config("[desk]\nupload_limit = \"4 KB\"");
    std::fs::write(
        room.root().join("releases/2026-10-01-earlier.fi.md"),
        "---\ntitle: Aiempi\ndate: 2026-10-01 09:00\ncontacts:\n  - name: Maija Meikäläinen\n    role: viestintäjohtaja\n    phone: +358 40 765 4321\n---\nTeksti.\n",
    )
    .unwrap();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Uusi satama avataan");
    let file = room
        .root()
        .join("releases/2026-12-01-uusi-satama-avataan.fi.md");

    // A multipart form with a file and a forged token stores nothing.
    let r = writer.post_files(
        &path,
        &[("csrf", "forged-token"), ("material", "1")],
        &[("image_file", "kuva.png", PNG)],
    );
    assert_eq!(r.status, 403);
    assert!(!room.root().join("releases/assets").exists());
    // A picture named with a path and the wrong extension, a PDF, a contact picked.
    let saved = save_with_files(
        &mut writer,
        &path,
        &[
            ("image_alt", "Laituri aamulla"),
            ("attachment_new_title", "Hankesuunnitelma"),
            ("contact_name", "Ville Virta"),
            ("contact_role", ""),
            ("contact_phone", "+358 40 123 4567"),
            ("contact_email", ""),
            ("contact_pick", "Maija Meikäläinen"),
        ],
        &[
            ("image_file", "../../../etc/Kuva satamasta.JPG", PNG),
            ("attachment_file", "C:\\Users\\x\\suunnitelma.exe", PDF),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        assets(&room),
        [
            "uusi-satama-avataan/kuva-satamasta.png",
            "uusi-satama-avataan/suunnitelma.pdf"
        ]
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("src: assets/uusi-satama-avataan/kuva-satamasta.png"),
        "{text}"
    );
    assert!(text.contains("alt: Laituri aamulla"), "{text}");
    assert!(text.contains("title: Hankesuunnitelma"), "{text}");
    assert!(
        text.contains("name: Ville Virta") && text.contains("name: Maija Meikäläinen"),
        "{text}"
    );
    assert!(
        text.contains("+358 40 765 4321"),
        "the picked contact's phone: {text}"
    );
    // Each file kept is in the audit trail.
    assert!(
        audit_actions(&room).iter().any(|a| a.starts_with("upload|kirjoittaja@example.fi|")
            && a.ends_with("|assets/uusi-satama-avataan/kuva-satamasta.png, assets/uusi-satama-avataan/suunnitelma.pdf")),
        "{:?}",
        audit_actions(&room)
    );
    // The desk shows the picture to staff.
    let picture = writer.get("/assets/uusi-satama-avataan/kuva-satamasta.png");
    assert_eq!(picture.status, 200);
    assert_eq!(picture.header("content-type"), "image/png");
    assert_eq!(writer.get("/assets/../pressroom.toml").status, 404);

    // Hostile files: each refused with its reason, nothing stored or changed.
    let before = std::fs::read_to_string(&file).unwrap();
    let mut polyglot = PNG.to_vec();
    polyglot.extend_from_slice(b"<script>alert(document.cookie)</script>");
    let svg: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let big = vec![0x25u8; 5000];
    let mut big_pdf = PDF.to_vec();
    big_pdf.extend_from_slice(&big);
    for (name, bytes, why) in [
        (
            "kuva.png",
            &polyglot[..],
            "also holds a web page or a script",
        ),
        ("kuva.svg", svg, "is not a JPEG, PNG, WebP or GIF picture"),
        ("iso.pdf", &big_pdf[..], "larger than the limit"),
    ] {
        let field = if name.ends_with("pdf") {
            "attachment_file"
        } else {
            "image_file"
        };
        let r = save_with_files(
            &mut writer,
            &path,
            &[("image_alt", "x")],
            &[(field, name, bytes)],
        );
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert!(r.body.contains(why), "{name}: {}", r.body);
        assert_eq!(assets(&room).len(), 2, "{name} was not stored");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), before, "{name}");
    }
    // More than the form's limit is refused before anything is read.
    let huge = vec![0u8; 5 * 1024 * 1024];
    let r = save_with_files(
        &mut writer,
        &path,
        &[],
        &[("attachment_file", "huge.pdf", &huge)],
    );
    assert!(
        r.status == 413 || r.status == 0,
        "413, or the connection closed before all was sent: {} {}",
        r.status,
        r.body
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    // Another writer may not upload into this release.
    let mut other = staff(&desk, "toinen@example.fi");
    let csrf = other.get("/desk/").csrf();
    let r = other.post_files(
        &path,
        &[("csrf", &csrf), ("material", "1"), ("title", "Vallattu")],
        &[("image_file", "x.png", PNG)],
    );
    assert_eq!(r.status, 403);
    assert_eq!(assets(&room).len(), 2);

    // The picture has no credit: it cannot be submitted yet.
    let refused = press(&mut writer, "uusi-satama-avataan", "submit");
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("credit"), "{}", refused.body);
    let form = writer.get(&path);
    let fixed = writer.post(
        &path,
        &[
            ("csrf", &form.csrf()),
            ("version", &field(&form, "version")),
            ("title", "Uusi satama avataan"),
            ("date", "2026-12-01 09:00"),
            ("lists", "news"),
            ("body", "Laiturit valmistuvat."),
            ("material", "1"),
            ("image_src", "assets/uusi-satama-avataan/kuva-satamasta.png"),
            ("image_alt", "Laituri aamulla"),
            ("image_credit", "Ville Virta"),
            (
                "attachment_src",
                "assets/uusi-satama-avataan/suunnitelma.pdf",
            ),
            ("attachment_title", "Hankesuunnitelma"),
            ("contact_name", "Ville Virta"),
            ("contact_phone", "+358 40 123 4567"),
        ],
    );
    assert_eq!(fixed.status, 303, "{}", fixed.body);
    assert_eq!(
        press(&mut writer, "uusi-satama-avataan", "submit").status,
        303
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("credit: Ville Virta"), "{text}");
    assert!(
        !text.contains("Maija"),
        "a contact left out of the form is removed: {text}"
    );
}

#[test]
fn check_s_problems_and_the_desk_s_refusals_are_in_the_desk_s_language() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Uusi satama avataan");
    let account = writer.get("/desk/account");
    writer.post(
        "/desk/account",
        &[("csrf", &account.csrf()), ("lang", "fi")],
    );
    let form = writer.get(&path);
    let bad = writer.post(
        &path,
        &[
            ("csrf", &form.csrf()),
            ("version", &field(&form, "version")),
            ("title", ""),
            ("date", "ensi viikolla"),
            ("body", "Teksti."),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains("&#39;ensi viikolla&#39; ei ole päivämäärä"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("kenttä &#39;title&#39; on tyhjä")
            || bad.body.contains("pakollinen kenttä"),
        "{}",
        bad.body
    );
    // A refusal says why in Finnish too: the release is not in review.
    let refused = press(&mut writer, "uusi-satama-avataan", "withdraw");
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("roolisi ei salli tätä"),
        "{}",
        refused.body
    );
}

#[test]
fn imports_exports_and_erasures_at_the_command_line_are_in_the_trail_without_the_address() {
    let room = Room::new(1);
    let o = room.import(
        "news",
        "email,name,lang\nlaura.lehto@example.fi,Laura Lehto,fi\nolle@example.se,Olle,sv\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let o = room.run(&["subscribers", "export", "--list", "news"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let o = room.run(&["subscribers", "forget", "laura.lehto@example.fi"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let trail = audit_actions(&room);
    let line = |action: &str| {
        trail
            .iter()
            .find(|a| a.starts_with(&format!("{action}|")))
            .unwrap_or_else(|| panic!("no {action} in {trail:?}"))
            .clone()
    };
    assert!(line("import").ends_with("|import-news.csv: 2 rows, 2 added, 0 already on it, 0 not added (unsubscribed or suppressed), 0 skipped"), "{trail:?}");
    assert!(
        line("export").ends_with("|2 rows, the mailable members"),
        "{trail:?}"
    );
    assert!(
        line("erase").ends_with("|personal data erased"),
        "{trail:?}"
    );
    let everything =
        room.query("SELECT COALESCE(object, '') || ' ' || COALESCE(detail, '') FROM audit");
    assert!(
        !everything
            .iter()
            .any(|r| r.contains("laura") || r.contains("Lehto")),
        "the trail keeps no erased address: {everything:?}"
    );
}

#[test]
fn a_test_copy_goes_to_the_team_s_test_addresses_when_asked() {
    let room = workflow_room();
    room.append_config("[desk]\ntest_recipients = [\"testi1@example.fi\", \"testi2@example.fi\"]");
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Testiviesti tiimille");
    let page = writer.get(&path);
    assert!(
        page.body.contains("name=\"to\" value=\"team\""),
        "{}",
        page.body
    );
    let r = writer.post(
        "/desk/releases/testiviesti-tiimille/test-send",
        &[("csrf", &page.csrf()), ("lang", "fi"), ("to", "team")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.header("location").ends_with("?sent=team"));
    let outbox = room.root().join("outbox/test");
    let mut to: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            assert!(
                text.contains("Subject: [TESTI] Testiviesti tiimille"),
                "{text}"
            );
            text.lines()
                .find(|l| l.starts_with("To: "))
                .unwrap()
                .to_string()
        })
        .collect();
    to.sort();
    assert_eq!(to, ["To: testi1@example.fi", "To: testi2@example.fi"]);
    assert!(
        audit_actions(&room)
            .iter()
            .any(|a| a.starts_with("test-send|kirjoittaja@example.fi|")
                && a.ends_with("|to the 2 addresses of [desk] test_recipients"))
    );
}

/// Writes, submits and approves (by another editor) a release for `news`.
fn approved_release(desk: &Desk, title: &str) -> String {
    let mut writer = staff(desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, title);
    assert_eq!(save(&mut writer, &path, title, "Teksti.").status, 303);
    let slug = path.split('/').nth(3).unwrap().to_string();
    assert_eq!(press(&mut writer, &slug, "submit").status, 303);
    let mut approver = staff(desk, "toka@example.fi");
    assert_eq!(press(&mut approver, &slug, "approve").status, 303);
    slug
}

/// Polls `f` for up to 30 seconds.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[allow(clippy::too_many_lines)]
fn send_now_shows_counts_asks_for_the_number_and_serve_sends_it_within_seconds() {
    let server = crate::common::smtp::SmtpServer::start();
    let room = workflow_room();
    room.edit_config(
        "[delivery]\n",
        &format!("[delivery]\nrelays = [\"{}\"]\n", server.url()),
    );
    assert!(
        room.import("news", &crate::common::room::subscribers_csv(6))
            .status
            .success()
    );
    let desk = Desk::start(&room);
    let slug = approved_release(&desk, "Kirjasto laajenee");

    // A writer may not even see the plan.
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    assert_eq!(
        writer.get(&format!("/desk/releases/{slug}/send")).status,
        403
    );

    let mut editor = staff(&desk, "eka@example.fi");
    let plan = editor.get(&format!("/desk/releases/{slug}/send"));
    assert_eq!(plan.status, 200, "{}", plan.body);
    // Counts per list and language, the subject; never an address.
    assert!(
        plan.body.contains("<td>news</td><td>fi</td>"),
        "{}",
        plan.body
    );
    assert!(plan.body.contains("Kirjasto laajenee"), "{}", plan.body);
    assert!(!plan.body.contains("@example.org"), "{}", plan.body);
    let (total, csrf) = send_plan(&mut editor, &slug, "");
    assert_eq!(total, 6);

    // A wrong number sends nothing and changes nothing.
    let file = room
        .root()
        .join("releases/2026-12-01-kirjasto-laajenee.fi.md");
    let wrong = editor.post(
        &format!("/desk/releases/{slug}/send"),
        &[("csrf", &csrf), ("when", "now"), ("confirm", "60")],
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("type 6."), "{}", wrong.body);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("draft: true")
    );
    assert!(room.query("SELECT id FROM desk_sends").is_empty());
    // So does a writer's POST, and one without a token.
    let csrf_w = writer.get("/desk/").csrf();
    assert_eq!(
        writer
            .post(
                &format!("/desk/releases/{slug}/send"),
                &[("csrf", &csrf_w), ("when", "now"), ("confirm", "6")],
            )
            .status,
        403
    );
    assert_eq!(
        editor
            .post(
                &format!("/desk/releases/{slug}/send"),
                &[("when", "now"), ("confirm", "6")],
            )
            .status,
        403
    );
    assert!(server.accepted().is_empty());

    let sent = editor.post(
        &format!("/desk/releases/{slug}/send"),
        &[("csrf", &csrf), ("when", "now"), ("confirm", "6")],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    eventually("six messages at the relay", || server.accepted().len() == 6);
    eventually("the send to be recorded as done", || {
        room.query("SELECT state FROM desk_sends") == ["done"]
    });
    // The site was built with it before the email went out.
    let sitemap = crate::common::sitemaps(&room.root().join("public"));
    assert!(sitemap.contains(&slug), "{sitemap}");

    // The report: counts for everyone, addresses and the CSV for editors.
    let report = editor.get(&format!("/desk/releases/{slug}/report"));
    assert_eq!(report.status, 200);
    assert!(
        report.body.contains("data-k=\"sent\">6<"),
        "{}",
        report.body
    );
    assert!(
        report
            .header("content-security-policy")
            .contains("script-src 'self'"),
        "{}",
        report.header("content-security-policy")
    );
    let live = editor.get(&format!("/desk/releases/{slug}/report?format=json"));
    let v: serde_json::Value = serde_json::from_str(&live.body).unwrap();
    assert_eq!(v["total"]["sent"], 6);
    assert_eq!(v["live"], false);
    let csv = editor.get(&format!("/desk/releases/{slug}/report?format=csv"));
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-disposition").contains("attachment"));
    assert_eq!(csv.body.lines().count(), 7, "{}", csv.body);
    assert!(
        csv.body.contains("user0@example.org,news,fi,sent,1"),
        "{}",
        csv.body
    );
    assert_eq!(
        writer
            .get(&format!("/desk/releases/{slug}/report?format=csv"))
            .status,
        403
    );
    let as_writer = writer.get(&format!("/desk/releases/{slug}/report"));
    assert_eq!(as_writer.status, 200);
    assert!(!as_writer.body.contains("@example.org"));

    // Who joined later is left out unless the editor says so.
    assert!(
        room.import("news", "email,name,lang\nlate@example.org,Late,fi\n")
            .status
            .success()
    );
    let (again, _) = send_plan(&mut editor, &slug, "");
    assert_eq!(again, 0);
    let page = editor.get(&format!("/desk/releases/{slug}/send"));
    assert!(
        page.body.contains("Joined a list after the first send: 1"),
        "{}",
        page.body
    );
    let (with_new, csrf) = send_plan(&mut editor, &slug, "?include_new=1");
    assert_eq!(with_new, 1);
    let more = editor.post(
        &format!("/desk/releases/{slug}/send"),
        &[
            ("csrf", &csrf),
            ("when", "now"),
            ("include_new", "1"),
            ("confirm", "1"),
        ],
    );
    assert_eq!(more.status, 303, "{}", more.body);
    eventually("the late member's message", || server.accepted().len() == 7);
    assert_eq!(
        server
            .accepted()
            .iter()
            .filter(|a| a.rcpt == "late@example.org")
            .count(),
        1
    );

    let trail = audit_actions(&room);
    for expected in [
        "release|eka@example.fi|127.0.0.1|6 messages, now",
        "release|eka@example.fi|127.0.0.1|1 messages, now, with members who joined since",
        "export|eka@example.fi|127.0.0.1|delivery report, 6 rows",
    ] {
        assert!(
            trail.iter().any(|a| a == expected),
            "{expected} in {trail:?}"
        );
    }
    assert!(
        trail
            .iter()
            .any(|a| a.starts_with("sent|(serve)||done: sent 6")),
        "{trail:?}"
    );
}

#[test]
#[allow(clippy::too_many_lines)] // one story: each step depends on the ones before it
fn an_admin_finds_adds_changes_imports_exports_erases_and_lifts_and_each_step_is_audited() {
    let room = workflow_room();
    add_user(&room, "admin@example.fi", "Anna Admin", Role::Admin);
    assert!(
        room.import("news", &crate::common::room::subscribers_csv(3))
            .status
            .success()
    );
    let bounced = EmailAddress::parse("user1@example.org").unwrap().hash();
    room.query(&format!(
        "INSERT INTO suppressions (email_hash, reason, detail, created_at) VALUES ('{bounced}', 'hard_bounce', '550 5.1.1 user unknown', '2026-12-01T10:00:00Z') RETURNING 1"
    ));
    let desk = Desk::start(&room);

    // Only admins: a writer and an editor are refused every page and form.
    for who in ["kirjoittaja@example.fi", "eka@example.fi"] {
        let mut b = staff(&desk, who);
        for path in [
            "/desk/subscribers",
            "/desk/suppressions",
            "/desk/subscribers/export?list=news",
            &format!("/desk/subscribers/{bounced}"),
        ] {
            assert_eq!(b.get(path).status, 403, "{who} GET {path}");
        }
        let csrf = b.get("/desk/").csrf();
        for path in [
            "/desk/subscribers".to_string(),
            format!("/desk/subscribers/{bounced}/erase"),
            format!("/desk/suppressions/{bounced}/lift"),
        ] {
            let r = b.post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("email", "x@example.org"),
                    ("list", "news"),
                    ("confirm", "user1@example.org"),
                    ("why", "x"),
                ],
            );
            assert_eq!(r.status, 403, "{who} POST {path}");
        }
        let up = b.post_files(
            "/desk/subscribers/import",
            &[("csrf", &csrf), ("list", "news")],
            &[("file", "x.csv", b"email\nnobody@example.org\n")],
        );
        assert_eq!(up.status, 403, "{who} import");
    }
    assert!(
        room.query("SELECT 1 FROM subscribers WHERE email LIKE 'x@%' OR email LIKE 'nobody@%'")
            .is_empty()
    );

    let mut admin = staff(&desk, "admin@example.fi");
    let lists = admin.get("/desk/subscribers");
    assert_eq!(lists.status, 200, "{}", lists.body);
    assert!(
        lists.body.contains("<td class=\"n\">3</td>"),
        "{}",
        lists.body
    );
    let found = admin.get("/desk/subscribers?q=USER2");
    assert!(found.body.contains("user2@example.org"), "{}", found.body);
    assert!(!found.body.contains("user0@example.org"));
    // A search's wildcard is a character, not a pattern.
    assert!(
        admin
            .get("/desk/subscribers?q=%25")
            .body
            .contains("No matches.")
    );

    // Add, change the language, remove from the list.
    let csrf = lists.csrf();
    let added = admin.post(
        "/desk/subscribers",
        &[
            ("csrf", &csrf),
            ("email", "uusi@example.org"),
            ("name", "Uusi Toimittaja"),
            ("lang", "sv"),
            ("list", "news"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let bad = admin.post(
        "/desk/subscribers",
        &[
            ("csrf", &csrf),
            ("email", "not an address"),
            ("list", "news"),
        ],
    );
    assert_eq!(bad.status, 422);
    let new = EmailAddress::parse("uusi@example.org").unwrap().hash();
    let page = admin.get(&format!("/desk/subscribers/{new}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("added by staff"), "{}", page.body);
    let r = admin.post(
        &format!("/desk/subscribers/{new}/lang"),
        &[("csrf", &csrf), ("lang", "fi")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin.post(
        &format!("/desk/subscribers/{new}/remove"),
        &[("csrf", &csrf), ("list", "news")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        room.query(&format!(
            "SELECT s.lang, m.status FROM subscribers s JOIN memberships m USING (email_hash) WHERE email_hash = '{new}'"
        )),
        ["fi|unsubscribed"]
    );
    // Without the token, nothing.
    let r = admin.post(&format!("/desk/subscribers/{new}/lang"), &[("lang", "sv")]);
    assert_eq!(r.status, 403);
    assert_eq!(admin.get("/desk/subscribers/not-a-hash").status, 404);

    // Import a CSV: the importer's report, with the rows it skipped.
    let up = admin.post_files(
        "/desk/subscribers/import",
        &[("csrf", &csrf), ("list", "news")],
        &[(
            "file",
            "toimittajat.csv",
            b"email;name;lang\nlehti@example.org;Lehti;fi\nei-osoite;Rikki;fi\nuser1@example.org;Palautunut;fi\n",
        )],
    );
    assert_eq!(up.status, 200, "{}", up.body);
    assert!(up.body.contains("id=\"added\">1<"), "{}", up.body);
    assert!(up.body.contains("id=\"skipped\">1<"), "{}", up.body);
    assert!(up.body.contains("toimittajat.csv:3:"), "{}", up.body);
    assert!(
        std::fs::read_dir(room.root().join("subscribers"))
            .unwrap()
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().starts_with(".desk-import")),
        "the upload's temporary file is gone"
    );

    // Export: spreadsheet-safe CSV.
    let csv = admin.get("/desk/subscribers/export?list=news");
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("email,name,lang,list"), "{}", csv.body);
    assert!(csv.body.contains("lehti@example.org"), "{}", csv.body);

    // The suppression list shows the evidence; lifting needs a reason.
    let sup = admin.get("/desk/suppressions");
    assert!(sup.body.contains("550 5.1.1 user unknown"), "{}", sup.body);
    let no_reason = admin.post(
        &format!("/desk/suppressions/{bounced}/lift"),
        &[("csrf", &csrf), ("why", " ")],
    );
    assert_eq!(no_reason.status, 422);
    let lifted = admin.post(
        &format!("/desk/suppressions/{bounced}/lift"),
        &[("csrf", &csrf), ("why", "the mailbox was full, not gone")],
    );
    assert_eq!(lifted.status, 303, "{}", lifted.body);
    assert!(
        room.query(&format!(
            "SELECT 1 FROM suppressions WHERE email_hash = '{bounced}'"
        ))
        .is_empty()
    );

    // Erase: the address must be typed; then nothing of it is left.
    let wrong = admin.post(
        &format!("/desk/subscribers/{bounced}/erase"),
        &[("csrf", &csrf), ("confirm", "user2@example.org")],
    );
    assert_eq!(wrong.status, 422);
    let erased = admin.post(
        &format!("/desk/subscribers/{bounced}/erase"),
        &[("csrf", &csrf), ("confirm", "USER1@example.org")],
    );
    assert_eq!(erased.status, 303, "{}", erased.body);
    assert!(
        room.query("SELECT 1 FROM subscribers WHERE email = 'user1@example.org'")
            .is_empty()
    );
    assert_eq!(
        room.query(&format!(
            "SELECT reason FROM suppressions WHERE email_hash = '{bounced}'"
        )),
        ["forgotten"]
    );

    let trail = audit_actions(&room);
    let short = |h: &str| h[..12].to_string();
    for expected in [
        "subscriber-added|admin@example.fi|127.0.0.1|to news".to_string(),
        "subscriber-language|admin@example.fi|127.0.0.1|fi".to_string(),
        "subscriber-removed|admin@example.fi|127.0.0.1|from news".to_string(),
        "import|admin@example.fi|127.0.0.1|toimittajat.csv: 3 rows, 1 added, 0 already on it, 1 not added (unsubscribed or suppressed), 1 skipped".to_string(),
        "export|admin@example.fi|127.0.0.1|3 rows, the mailable members, from the desk".to_string(),
        "unsuppress|admin@example.fi|127.0.0.1|was: hard_bounce; why: the mailbox was full, not gone".to_string(),
        "erase|admin@example.fi|127.0.0.1|personal data erased".to_string(),
    ] {
        assert!(trail.contains(&expected), "{expected} in {trail:?}");
    }
    let objects = room.query("SELECT COALESCE(object, '') FROM audit");
    assert!(
        objects.contains(&format!("(address) {}", short(&new))),
        "{objects:?}"
    );
    assert!(
        objects.contains(&format!("(erased) {}", short(&bounced))),
        "{objects:?}"
    );
    let everything = room.query("SELECT COALESCE(object, '') || COALESCE(detail, '') FROM audit");
    assert!(
        everything
            .iter()
            .all(|l| !l.contains("user1@example.org") && !l.contains("uusi@example.org")),
        "no subscriber's address in the trail: {everything:?}"
    );
}

#[test]
#[allow(clippy::too_many_lines)] // one story: each step depends on the ones before it
fn a_second_factor_is_enrolled_asked_for_once_per_code_and_recovery_codes_work_once() {
    use pressroom::desk::totp::{STEP, TotpSecret};
    let room = workflow_room();
    add_user(&room, "admin@example.fi", "Anna Admin", Role::Admin);
    room.append_config("[desk]\nrequire_totp = true");
    let desk = Desk::start(&room);

    // Required: a sign-in without one reaches only the enrolment.
    let mut b = staff(&desk, "eka@example.fi");
    let home = b.get("/desk/");
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), "/desk/account/totp");
    let csrf = b.get("/desk/account/totp").csrf();
    assert_eq!(
        b.post("/desk/account", &[("csrf", &csrf), ("lang", "fi")])
            .status,
        403
    );
    let enrol = b.get("/desk/account/totp");
    assert_eq!(enrol.status, 200);
    assert!(
        enrol.body.contains("data:image/svg+xml;base64,"),
        "{}",
        enrol.body
    );
    let key = enrol
        .body
        .split("id=\"totp-key\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap()
        .to_string();
    let secret = TotpSecret::from_base32(&key).expect("the key shown is base32");
    let now = || chrono::Utc::now().timestamp();
    // A wrong code is refused, and nothing is switched on.
    let wrong = b.post("/desk/account/totp", &[("csrf", &csrf), ("code", "000000")]);
    let wrong = if wrong.status == 200 {
        // 000000 happened to be right: try another wrong one.
        b.post("/desk/account/totp", &[("csrf", &csrf), ("code", "999999")])
    } else {
        wrong
    };
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    let step = now() / STEP;
    let on = b.post(
        "/desk/account/totp",
        &[("csrf", &csrf), ("code", &secret.code_at(step - 1))],
    );
    assert_eq!(on.status, 200, "{}", on.body);
    let codes: Vec<String> = on
        .body
        .split("<li><code>")
        .skip(1)
        .map(|r| r.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{}", on.body);
    assert_eq!(b.get("/desk/").status, 200, "enrolled: the desk opens");
    // What the database keeps is sealed: a copy of it without the signing
    // secret does not give the codes.
    let stored = room.query("SELECT hex(secret) FROM desk_totp")[0].clone();
    let plain_hex: String = secret
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert!(
        stored.starts_with("50525331") && !stored.contains(&plain_hex),
        "{stored}"
    );

    // Signing in now needs a code: none, a wrong one, and the one used at
    // enrolment are refused; the next step's code works once.
    let mut c = desk.browser();
    // (Four failures: the fifth would throttle the account, as it should.)
    for code in ["", &secret.code_at(step - 1)] {
        let r = c.sign_in_with("eka@example.fi", PASSWORD, code);
        assert_eq!(r.status, 200, "code {code:?} refused: {}", r.body);
        assert!(c.get("/desk/").status == 303);
    }
    let fresh = secret.code_at(now() / STEP + 1);
    assert_eq!(
        c.sign_in_with("eka@example.fi", PASSWORD, &fresh).status,
        303
    );
    let mut d = desk.browser();
    assert_eq!(
        d.sign_in_with("eka@example.fi", PASSWORD, &fresh).status,
        200,
        "a code is used once"
    );
    // A recovery code works once, in any case and with spaces around it.
    let shouted = format!("  {}  ", codes[3].to_uppercase());
    assert_eq!(
        d.sign_in_with("eka@example.fi", PASSWORD, &shouted).status,
        303
    );
    let mut e = desk.browser();
    assert_eq!(
        e.sign_in_with("eka@example.fi", PASSWORD, &codes[3]).status,
        200
    );
    assert_eq!(
        e.sign_in_with("eka@example.fi", PASSWORD, &codes[4]).status,
        303
    );

    // An admin resets it (a lost phone): the person enrols again.
    let mut admin = desk.browser();
    assert_eq!(admin.sign_in("admin@example.fi", PASSWORD).status, 303);
    let csrf = admin.get("/desk/account/totp").csrf();
    let id = room.query("SELECT id FROM desk_users WHERE email = 'eka@example.fi'")[0].clone();
    let mut writer = desk.browser();
    writer.sign_in("kirjoittaja@example.fi", PASSWORD);
    let wcsrf = writer.get("/desk/account/totp").csrf();
    assert_eq!(
        writer
            .post(&format!("/desk/users/{id}/totp-reset"), &[("csrf", &wcsrf)])
            .status,
        403,
        "only an admin resets"
    );
    assert_eq!(
        admin
            .post(&format!("/desk/users/{id}/totp-reset"), &[("csrf", &csrf)])
            .status,
        403,
        "an admin without a second factor, under require_totp, does nothing but enrol"
    );
    let admin_key = admin
        .get("/desk/account/totp")
        .body
        .split("id=\"totp-key\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap()
        .to_string();
    let admin_secret = TotpSecret::from_base32(&admin_key).unwrap();
    let r = admin.post(
        "/desk/account/totp",
        &[
            ("csrf", &csrf),
            ("code", &admin_secret.code_at(now() / STEP)),
        ],
    );
    assert_eq!(r.status, 200);
    let r = admin.post(&format!("/desk/users/{id}/totp-reset"), &[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let mut f = desk.browser();
    assert_eq!(f.sign_in("eka@example.fi", PASSWORD).status, 303);
    assert_eq!(f.get("/desk/").header("location"), "/desk/account/totp");

    let trail = audit_actions(&room);
    for expected in [
        "totp-enabled|eka@example.fi|127.0.0.1|",
        "sign-in-failed|eka@example.fi|127.0.0.1|no second-factor code",
        "sign-in-failed|eka@example.fi|127.0.0.1|wrong or used second-factor code",
        "sign-in|eka@example.fi|127.0.0.1|with an app's code",
        "sign-in|eka@example.fi|127.0.0.1|with a recovery code",
        "totp-reset|admin@example.fi|127.0.0.1|",
    ] {
        assert!(
            trail.iter().any(|a| a == expected),
            "{expected} in {trail:?}"
        );
    }
}

#[test]
fn second_factors_stored_plain_are_sealed_when_the_desk_starts_and_one_sealed_under_another_secret_falls_back_to_recovery_codes()
 {
    use pressroom::desk::totp::{STEP, TotpSecret};
    use pressroom::subscribers::Secret;
    let room = workflow_room();
    let now = || chrono::Utc::now().timestamp();
    // Two accounts enrolled before: one's secret stored plain (as pressroom
    // stored them until now), the other's sealed under a signing secret
    // that has since been replaced, with a recovery code.
    let id = |email: &str| -> i64 {
        room.query(&format!(
            "SELECT id FROM desk_users WHERE email = '{email}'"
        ))[0]
            .parse()
            .unwrap()
    };
    let (eka, writer) = (id("eka@example.fi"), id("kirjoittaja@example.fi"));
    let plain = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
    let lost = TotpSecret::generate().unwrap();
    let sealed_elsewhere = lost
        .seal(
            &Secret::from_bytes(b"the signing secret before it was replaced"),
            writer,
        )
        .unwrap();
    let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02X}")).collect::<String>();
    sql(
        &room,
        &format!(
            "INSERT INTO desk_totp (user_id, secret, enabled_at) VALUES
                 ({eka}, X'{}', '2026-11-01T08:00:00Z'), ({writer}, X'{}', '2026-11-01T08:00:00Z')",
            hex(plain.as_bytes()),
            hex(&sealed_elsewhere),
        ),
    );
    sql(
        &room,
        &format!(
            "INSERT INTO desk_recovery_codes (user_id, code_hash) VALUES ({writer}, '{}')",
            pressroom::desk::token_hash("abcd-efgh-ijkl")
        ),
    );
    let desk = Desk::start(&room);

    let stored = room.query(&format!(
        "SELECT hex(secret) FROM desk_totp WHERE user_id = {eka}"
    ))[0]
        .clone();
    assert!(
        stored.starts_with("50525331") && !stored.contains(&hex(plain.as_bytes())),
        "sealed at start: {stored}"
    );
    let mut b = desk.browser();
    assert_eq!(
        b.sign_in_with("eka@example.fi", PASSWORD, &plain.code_at(now() / STEP))
            .status,
        303,
        "the same codes work once sealed"
    );
    assert_eq!(b.get("/desk/").status, 200);

    // The one sealed under the old secret cannot be opened: its codes are
    // refused (nothing else is given away), a recovery code still works.
    let mut w = desk.browser();
    let refused = w.sign_in_with(
        "kirjoittaja@example.fi",
        PASSWORD,
        &lost.code_at(now() / STEP),
    );
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert_eq!(w.get("/desk/").status, 303);
    assert_eq!(
        w.sign_in_with("kirjoittaja@example.fi", PASSWORD, "ABCD-EFGH-IJKL")
            .status,
        303
    );
    assert_eq!(w.get("/desk/").status, 200);
    assert_eq!(
        room.query(&format!(
            "SELECT hex(secret) FROM desk_totp WHERE user_id = {writer}"
        ))[0],
        hex(&sealed_elsewhere),
        "left as it was, for an admin to reset"
    );
}

#[test]
fn an_editor_takes_a_published_release_off_the_site_and_a_page_says_so() {
    let room = workflow_room();
    let desk = Desk::start(&room);
    let slug = approved_release(&desk, "Kirjaston remontti alkaa");
    let mut editor = staff(&desk, "eka@example.fi");
    let (total, csrf) = send_plan(&mut editor, &slug, "");
    let sent = editor.post(
        &format!("/desk/releases/{slug}/send"),
        &[
            ("csrf", &csrf),
            ("when", "date"),
            ("confirm", &total.to_string()),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let content = pressroom::content::Content::load(room.root()).unwrap();
    pressroom::build::build(&content, &room.root().join("public"), chrono::Utc::now()).unwrap();
    let page = room.root().join(format!("public/fi/{slug}/index.html"));
    let feed = room.root().join("public/fi/feed.xml");
    assert!(std::fs::read_to_string(&page).unwrap().contains("Teksti."));
    assert!(std::fs::read_to_string(&feed).unwrap().contains(&slug));

    // A writer may not; an editor may, once, and the site is built at once.
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    assert_eq!(press(&mut writer, &slug, "take-down").status, 403);
    assert_eq!(press(&mut editor, &slug, "take-down").status, 303);
    assert_eq!(press(&mut editor, &slug, "take-down").status, 403);
    let file = std::fs::read_to_string(
        room.root()
            .join("releases/2026-12-01-kirjaston-remontti-alkaa.fi.md"),
    )
    .unwrap();
    assert!(file.contains("withdrawn:"), "{file}");
    let notice = std::fs::read_to_string(&page).unwrap();
    assert!(
        notice.contains("Tämä tiedote on poistettu julkaisusta")
            && notice.contains("Kirjaston remontti alkaa"),
        "{notice}"
    );
    assert!(!notice.contains("Teksti."), "the text is gone: {notice}");
    assert!(!std::fs::read_to_string(&feed).unwrap().contains(&slug));
    let sitemap = crate::common::sitemaps(&room.root().join("public"));
    assert!(!sitemap.contains(&slug), "{sitemap}");
    // Never sent again, on the desk or at the command line.
    assert_eq!(
        editor.get(&format!("/desk/releases/{slug}/send")).status,
        403
    );
    let o = room.run(&["send", &slug, "--yes"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("was withdrawn from the site"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        editor.get("/desk/").body.contains("Withdrawn"),
        "the list has a group for it"
    );
    assert!(
        audit_actions(&room)
            .iter()
            .any(|a| a == "take-down|eka@example.fi|127.0.0.1|")
    );
}

#[test]
fn with_desk_git_each_change_is_a_commit_by_its_author_and_a_failed_commit_loses_nothing() {
    let git = |root: &std::path::Path, args: &[&str]| {
        let o = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let room = workflow_room();
    room.append_config("[desk]\ngit = true");
    git(room.root(), &["init", "-q"]);
    let desk = Desk::start(&room);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Torin valaistus uusitaan");
    assert_eq!(
        save(
            &mut writer,
            &path,
            "Torin valaistus uusitaan",
            "Valot vaihtuvat."
        )
        .status,
        303
    );
    let slug = path.split('/').nth(3).unwrap();
    assert_eq!(press(&mut writer, slug, "submit").status, 303);
    let log = git(room.root(), &["log", "--format=%an <%ae>|%s"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines,
        [
            "Kalle Kirjoittaja <kirjoittaja@example.fi>|save: releases/2026-12-01-torin-valaistus-uusitaan.fi.md",
            "Kalle Kirjoittaja <kirjoittaja@example.fi>|create: releases/2026-12-01-torin-valaistus-uusitaan.fi.md",
        ],
        "one commit per change of the files (a submit changes none): {log}"
    );
    // Nothing outside releases/ is committed: no database, no secret.
    let files = git(room.root(), &["ls-files"]);
    assert!(files.lines().all(|f| f.starts_with("releases/")), "{files}");

    // Not a work tree: the save stands, and the failure is in the trail.
    let elsewhere = workflow_room();
    elsewhere.append_config("[desk]\ngit = true");
    let desk = Desk::start(&elsewhere);
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    let path = new_release(&mut writer, "Puistot siivotaan");
    assert_eq!(
        save(&mut writer, &path, "Puistot siivotaan", "Siivous alkaa.").status,
        303
    );
    let text = std::fs::read_to_string(
        elsewhere
            .root()
            .join("releases/2026-12-01-puistot-siivotaan.fi.md"),
    )
    .unwrap();
    assert!(text.contains("Siivous alkaa."));
    assert!(
        audit_actions(&elsewhere)
            .iter()
            .any(|a| a.starts_with("git-failed|(git)||") && a.contains("not in a git work tree")),
        "{:?}",
        audit_actions(&elsewhere)
    );
}
