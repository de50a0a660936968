//! Signing in with the organisation's account, against a real OpenID
//! provider (`oidc-provider`, certified by the OpenID Foundation) started
//! by `scripts/node/oidc-provider.mjs`: the flow works for an added
//! person, and an unknown person, a wrong `state`, a replayed code, a token
//! for another client, an expired token (and a token from another issuer,
//! with another key or another nonce) are refused, each audited.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::{Browser, Desk, Page, add_user, audit_actions, db};
use crate::common::room::Room;
use pressroom::db::Role;
use pressroom::desk::{Actor, accounts};
use pressroom::subscribers::EmailAddress;

/// Where the desk under test says the provider should send people back.
const DESK_URL: &str = "http://127.0.0.1:1/";

/// The provider, as a child process; it ends when the test drops it.
struct Provider {
    child: Child,
    issuer: String,
    agent: ureq::Agent,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    fn start() -> Self {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/node/oidc-provider.mjs"
        );
        let mut child = Command::new("node")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs (scripts/test-deps installs the provider)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let issuer = line
            .trim()
            .strip_prefix("ISSUER ")
            .unwrap_or_else(|| {
                panic!("the provider did not start ({line:?}); run scripts/test-deps")
            })
            .to_string();
        Self {
            child,
            issuer,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_idle_connections(0)
                .build()
                .new_agent(),
        }
    }

    fn control(&self, path: &str, json: &str) {
        let r = self
            .agent
            .post(format!("{}{path}", self.issuer))
            .content_type("application/json")
            .send(json)
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// The next person to sign in at the provider.
    fn next(&self, sub: &str, email: &str) {
        self.control(
            "/__next",
            &format!(
                r#"{{"sub":"{sub}","email":"{email}","email_verified":true,"name":"Test Person","preferred_username":"{email}"}}"#
            ),
        );
    }

    /// How the token endpoint behaves (see the script).
    fn mode(&self, mode: &str) {
        self.control("/__mode", &format!(r#"{{"mode":"{mode}"}}"#));
    }

    /// Follows the provider's redirects from `url` (its login and consent
    /// finish on their own) to the desk's callback: its query.
    fn authorize(&self, url: &str) -> String {
        let mut cookies: BTreeMap<String, String> = BTreeMap::new();
        let mut url = url.to_string();
        for _ in 0..12 {
            let jar = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let r = self.agent.get(&url).header("Cookie", jar).call().unwrap();
            for c in r.headers().get_all("set-cookie") {
                let pair = c.to_str().unwrap().split(';').next().unwrap();
                let (k, v) = pair.split_once('=').unwrap();
                cookies.insert(k.to_string(), v.to_string());
            }
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string())
                .unwrap_or_else(|| panic!("the provider answered {status} at {url}"));
            if let Some(query) =
                location.strip_prefix(&format!("{DESK_URL}desk/login/oidc/callback?"))
            {
                return query.to_string();
            }
            url = if location.starts_with('/') {
                format!("{}{location}", self.issuer)
            } else {
                location
            };
        }
        panic!("the provider never sent the browser back to the desk");
    }
}

/// A room whose desk signs in with the provider only.
fn oidc_room(provider: &Provider, extra: &str) -> Room {
    let room = Room::new(1);
    add_user(
        &room,
        "paivi@example.fi",
        "Päivi Päätoimittaja",
        Role::Editor,
    );
    room.append_config(&format!(
        "[desk]\nurl = \"{DESK_URL}\"\npassword_sign_in = false\n{extra}\n[desk.oidc]\nissuer = \"{}\"\nclient_id = \"pressroom-desk\"\nallow_domain = \"kunta.example.fi\"\n",
        provider.issuer
    ));
    room
}

fn start(room: &Room) -> Desk {
    Desk::start_with(room, |c| {
        c.desk.oidc.as_mut().unwrap().secret = Some("desk-secret".into());
    })
}

/// Begins a sign-in on the desk: where it sends the browser.
fn begin(b: &mut Browser) -> String {
    let page = b.get("/desk/login/oidc");
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        page.set_cookies()
            .iter()
            .any(|c| c.starts_with("pressroom-desk-oidc=") && c.contains("SameSite=Lax")),
        "{:?}",
        page.headers
    );
    page.header("location").to_string()
}

/// A whole sign-in of `email`: the desk's answer at its callback, and the
/// callback's query.
fn sign_in(p: &Provider, b: &mut Browser, sub: &str, email: &str) -> (Page, String) {
    p.next(sub, email);
    let url = begin(b);
    assert!(url.starts_with(&p.issuer), "{url}");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(url.contains("nonce="), "{url}");
    let query = p.authorize(&url);
    (b.get(&format!("/desk/login/oidc/callback?{query}")), query)
}

fn param<'a>(query: &'a str, name: &str) -> &'a str {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or("")
}

fn sessions(room: &Room) -> Vec<String> {
    room.query("SELECT u.email || ' ' || s.method FROM desk_sessions s JOIN desk_users u ON u.id = s.user_id ORDER BY s.rowid")
}

fn last_audit(room: &Room) -> String {
    room.query("SELECT coalesce(actor, '-') || ' ' || action || ' ' || coalesce(detail, '') FROM audit ORDER BY id DESC LIMIT 1")
        .pop()
        .unwrap_or_default()
}

#[test]
#[allow(clippy::too_many_lines)]
fn an_added_person_signs_in_with_the_organisation_s_account_and_a_bad_answer_is_refused() {
    let p = Provider::start();
    let room = oidc_room(&p, "");
    let desk = start(&room);
    let mut b = desk.browser();

    // Passwords are off: the page offers the organisation's account only,
    // and a password sent anyway is refused.
    let login = b.get("/desk/login");
    assert!(
        login.body.contains("href=\"/desk/login/oidc\""),
        "{}",
        login.body
    );
    assert!(!login.body.contains("type=\"password\""), "{}", login.body);
    let posted = b.post(
        "/desk/login",
        &[
            ("csrf", "x"),
            ("email", "paivi@example.fi"),
            ("password", "x"),
        ],
    );
    assert_eq!(posted.status, 403);

    // The added person signs in; the address is matched whatever its case.
    let (page, query) = sign_in(&p, &mut b, "u-1", "Paivi@Example.fi");
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.header("location"), "/desk/");
    assert!(
        page.set_cookies()
            .iter()
            .any(|c| c.starts_with("pressroom-desk-oidc=;") && c.contains("Max-Age=0"))
    );
    let home = b.get("/desk/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Päivi Päätoimittaja"), "{}", home.body);
    assert_eq!(sessions(&room), ["paivi@example.fi oidc"]);
    assert_eq!(
        last_audit(&room),
        "paivi@example.fi sign-in with the organisation's account"
    );

    // The same callback again (a replay): its state was used up.
    let replay = b.get(&format!("/desk/login/oidc/callback?{query}"));
    assert_eq!(replay.status, 400, "{}", replay.body);
    // The used code under a state of its own: the provider refuses it.
    let fresh = begin(&mut b);
    let state = param(&fresh, "state");
    let code = param(&query, "code");
    let again = b.get(&format!(
        "/desk/login/oidc/callback?code={code}&state={state}"
    ));
    assert_eq!(again.status, 403, "{}", again.body);
    assert!(
        last_audit(&room)
            .contains("sign-in-failed organisation's account: the code was not accepted"),
        "{}",
        last_audit(&room)
    );

    // A wrong state, and a right one from a browser that did not begin
    // the sign-in: refused (and the flow is used up all the same).
    p.next("u-1", "paivi@example.fi");
    let url = begin(&mut b);
    let query = p.authorize(&url);
    let wrong = b.get(&format!(
        "/desk/login/oidc/callback?code={}&state=not-the-state",
        param(&query, "code")
    ));
    assert_eq!(wrong.status, 400);
    p.next("u-1", "paivi@example.fi");
    let url = begin(&mut b);
    let query = p.authorize(&url);
    let mut other = desk.browser();
    let elsewhere = other.get(&format!("/desk/login/oidc/callback?{query}"));
    assert_eq!(elsewhere.status, 400);
    assert_eq!(
        b.get(&format!("/desk/login/oidc/callback?{query}")).status,
        400
    );

    // Someone the desk does not know, outside the admitted domain.
    let mut s = desk.browser();
    let (page, _) = sign_in(&p, &mut s, "u-2", "vieras@muualla.example");
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(
        page.body.contains("Ask an admin") || page.body.contains("ylläpitäjää"),
        "{}",
        page.body
    );
    assert!(
        room.query("SELECT email FROM desk_users WHERE email LIKE 'vieras%'")
            .is_empty()
    );
    assert!(last_audit(&room).contains("no account has this address"));

    // The admitted domain: a new writer (the role is pressroom's).
    let mut w = desk.browser();
    let (page, _) = sign_in(&p, &mut w, "u-3", "uusi.kirjoittaja@kunta.example.fi");
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        room.query("SELECT role FROM desk_users WHERE email = 'uusi.kirjoittaja@kunta.example.fi'"),
        ["writer"]
    );
    assert!(
        audit_actions(&room)
            .iter()
            .any(|a| a
                .starts_with("user-added|(oidc)||writer, admitted by [desk.oidc] allow_domain")),
        "{:?}",
        audit_actions(&room)
    );

    // A disabled account stays out.
    room.query("UPDATE desk_users SET disabled = 1 WHERE email = 'paivi@example.fi' RETURNING id");
    let mut d = desk.browser();
    let (page, _) = sign_in(&p, &mut d, "u-1", "paivi@example.fi");
    assert_eq!(page.status, 403);
    assert!(last_audit(&room).starts_with("paivi@example.fi sign-in-failed"));
    room.query("UPDATE desk_users SET disabled = 0 WHERE email = 'paivi@example.fi' RETURNING id");

    // What an honest provider never sends, each refused for its claim.
    let before = sessions(&room).len();
    for (mode, why) in [
        ("wrong-aud", "Invalid audiences"),
        ("expired", "Expired"),
        ("wrong-iss", "Invalid issuer"),
        ("bad-signature", "Signature verification failed"),
        ("wrong-nonce", "Invalid nonce"),
    ] {
        p.mode(mode);
        let mut t = desk.browser();
        let (page, _) = sign_in(&p, &mut t, "u-1", "paivi@example.fi");
        assert_eq!(page.status, 403, "{mode}: {}", page.body);
        assert!(t.get("/desk/").status == 303, "{mode}: signed in");
        let audited = last_audit(&room);
        assert!(
            audited.contains("the ID token was refused") && audited.contains(why),
            "{mode}: {audited}"
        );
    }
    p.mode("honest");
    assert_eq!(sessions(&room).len(), before);
    let mut h = desk.browser();
    assert_eq!(sign_in(&p, &mut h, "u-1", "paivi@example.fi").0.status, 303);
}

#[test]
fn with_passwords_off_a_one_time_link_signs_in_once_and_a_second_factor_is_asked_of_it_only() {
    let p = Provider::start();
    let room = oidc_room(&p, "require_totp = true");
    let added = accounts::add(
        &db(&room),
        &Actor::command_line(),
        &EmailAddress::parse("eka.admin@example.fi").unwrap(),
        "Eka Admin",
        Role::Admin,
        None,
        chrono::Utc::now(),
    )
    .unwrap();
    let token = added.link.expect("a link").token;
    let desk = start(&room);

    // The organisation's account needs no second factor of the desk's.
    let mut b = desk.browser();
    let (page, _) = sign_in(&p, &mut b, "u-1", "paivi@example.fi");
    assert_eq!(page.status, 303, "{}", last_audit(&room));
    assert_eq!(b.get("/desk/").status, 200);

    // The link: a page with a button and no password field; it signs in
    // once, as a local account, which must then enrol a second factor.
    let mut a = desk.browser();
    let path = format!("/desk/password/{token}");
    let form = a.get(&path);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("eka.admin@example.fi"));
    assert!(!form.body.contains("type=\"password\""), "{}", form.body);
    let signed = a.post(&path, &[("csrf", &form.csrf())]);
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.header("location"), "/desk/");
    assert_eq!(a.get("/desk/").header("location"), "/desk/account/totp");
    assert!(sessions(&room).contains(&"eka.admin@example.fi link".to_string()));
    assert_eq!(
        last_audit(&room),
        "eka.admin@example.fi sign-in through a one-time link"
    );
    let mut again = desk.browser();
    let form = again.get(&path);
    assert_eq!(form.status, 404);
}

#[test]
fn passwords_off_without_the_organisation_s_account_is_a_configuration_error() {
    let room = Room::new(1);
    room.append_config("[desk]\npassword_sign_in = false\n");
    let err = pressroom::config::Config::load(room.root())
        .unwrap_err()
        .to_string();
    assert!(err.contains("pressroom.toml:"), "{err}");
    assert!(
        err.contains("password_sign_in = false needs [desk.oidc]"),
        "{err}"
    );
    let room = Room::new(1);
    room.append_config("[desk.oidc]\nissuer = \"http://login.example.org/\"\nclient_id = \"x\"\n");
    let err = pressroom::config::Config::load(room.root())
        .unwrap_err()
        .to_string();
    assert!(err.contains("must be an https:// address"), "{err}");
}
