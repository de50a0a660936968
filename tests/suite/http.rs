//! The subscription web service, started for real on port 0 with a temporary
//! database and the outbox transport: subscribe → confirm (link read from the
//! written .eml) → one-click unsubscribe → preferences, with the database
//! checked at each step; forged, expired and reused tokens; enumeration;
//! malformed input; headers; graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::room::{Room, SECRET, subscribers_csv};
use pressroom::subscribers::{ConfirmToken, EmailAddress, Secret, Subject, UnsubscribeToken};

struct Server {
    running: Running,
    base: String,
    agent: ureq::Agent,
}

/// How a test's server runs.
enum Running {
    /// `pressroom serve`, where the process itself is under test (its
    /// signals, its logs, its flags, a writer's preview).
    Process(Child),
    /// The service of the pressroom, served by this test's own process on
    /// a port of its own; stopped when the server drops.
    InProcess {
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    },
}

impl Drop for Server {
    /// SIGTERM first, so a preview removes its temporary folder.
    fn drop(&mut self) {
        match &mut self.running {
            Running::Process(child) => {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                let start = Instant::now();
                while matches!(child.try_wait(), Ok(None))
                    && start.elapsed() < Duration::from_secs(5)
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                let _ = child.kill();
                let _ = child.wait();
            }
            Running::InProcess { stop, thread } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                if let Some(thread) = thread.take() {
                    let _ = thread.join();
                }
            }
        }
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("the request reaches the server");
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    Reply {
        status: r.status().as_u16(),
        headers,
        body: r.body_mut().read_to_string().unwrap_or_default(),
    }
}

impl Server {
    /// Builds the site and serves the pressroom in this process.
    fn start(room: &Room) -> Self {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T08:00:00+02:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let content = pressroom::content::Content::load(room.root()).unwrap();
        pressroom::build::build(&content, &room.root().join("public"), now).unwrap();
        // The key the commands get from PRESSROOM_SECRET, as the key file.
        std::fs::write(room.root().join("subscribers/.secret"), SECRET).unwrap();
        let config = pressroom::config::Config::load(room.root()).unwrap();
        let service = pressroom::http::service(config, None).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, addr) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                bound.send(listener.local_addr().unwrap()).unwrap();
                let shutdown = async move {
                    let _ = stopped.await;
                };
                pressroom::http::serve(listener, service.router, service.header_timeout, shutdown)
                    .await;
            });
        });
        // Listening once the address is known: no wait beyond that.
        let addr = addr.recv().unwrap();
        Self::at(
            format!("http://{addr}"),
            Running::InProcess {
                stop: Some(stop),
                thread: Some(thread),
            },
        )
    }

    /// Builds the site and starts `pressroom serve` with `args`, stderr to
    /// `stderr`: for tests of the process itself.
    fn start_with(room: &Room, args: &[&str], stderr: Stdio) -> Self {
        let o = room.run(&["build", "--now", "2026-11-22T08:00:00+02:00"]);
        assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
        let child = room
            .command(&[&["serve", "--addr", "127.0.0.1:0"], args].concat())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        Self::from_child(child)
    }

    /// The server that `child` (stdout piped) runs, once it listens.
    fn from_child(mut child: Child) -> Self {
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .expect("the server prints its address")
            .to_string();
        Self::at(format!("http://{addr}"), Running::Process(child))
    }

    fn at(base: String, running: Running) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            // A fresh connection per request: a response that closes its
            // connection (413) must not fail the next request.
            .max_idle_connections(0)
            .build()
            .new_agent();
        Self {
            running,
            base,
            agent,
        }
    }

    /// The process of a server started with [`Server::start_with`].
    fn child(&mut self) -> &mut Child {
        match &mut self.running {
            Running::Process(child) => child,
            Running::InProcess { .. } => panic!("this server runs in the test's process"),
        }
    }

    fn get(&self, path: &str) -> Reply {
        reply(self.agent.get(format!("{}{path}", self.base)).call())
    }

    fn get_with(&self, path: &str, header: (&str, &str)) -> Reply {
        reply(
            self.agent
                .get(format!("{}{path}", self.base))
                .header(header.0, header.1)
                .call(),
        )
    }

    fn post(&self, path: &str, body: &str) -> Reply {
        reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .content_type("application/x-www-form-urlencoded")
                .send(body.to_string()),
        )
    }
}

fn secret() -> Secret {
    Secret::from_bytes(SECRET.as_bytes())
}

fn hash(email: &str) -> String {
    EmailAddress::parse(email).unwrap().hash()
}

/// The confirmation links written to the outbox, oldest first.
fn confirmation_links(room: &Room) -> Vec<String> {
    let dir = room.root().join("outbox/confirmations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| {
            let raw = std::fs::read(f).unwrap();
            let decoded =
                quoted_printable::decode(&raw, quoted_printable::ParseMode::Robust).unwrap();
            let text = String::from_utf8_lossy(&decoded).into_owned();
            let start = text
                .find("https://press.example.org/confirm/")
                .expect("a confirmation link");
            let link: String = text[start..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
                .collect();
            link.replace("https://press.example.org", "")
        })
        .collect()
}

#[test]
// A scenario told from start to end: one test, read top to bottom.
#[allow(clippy::too_many_lines)]
fn subscribe_confirm_unsubscribe_and_preferences_update_the_database() {
    let room = Room::new(1);
    let server = Server::start(&room);
    let form = server.get("/fi/subscribe");
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("<form method=\"post\" action=\"/fi/subscribe\"")
            && form.body.contains("name=\"lists\" value=\"news\"")
    );

    let r = server.post(
        "/fi/subscribe",
        "email=Reader%40Example.org&lists=news&lang=sv&website=",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Tarkista sähköpostisi"));
    let h = hash("reader@example.org");
    assert_eq!(
        room.query(&format!(
            "SELECT list, status, consent_source FROM memberships WHERE email_hash = '{h}'"
        )),
        vec!["news|pending|web form"]
    );

    let links = confirmation_links(&room);
    assert_eq!(links.len(), 1);
    // Opening the link (as a mail scanner does) only shows a button.
    let r = server.get(&links[0]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains(&format!("<form method=\"post\" action=\"{}\">", links[0]))
            && r.body.contains("Bekräfta prenumerationen"),
        "{}",
        r.body
    );
    assert_eq!(
        room.query(&format!(
            "SELECT status FROM memberships WHERE email_hash = '{h}'"
        )),
        vec!["pending"],
        "a GET confirms nothing"
    );
    let r = server.post(&links[0], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("<html lang=\"sv\">") && r.body.contains("Välkommen"),
        "{}",
        r.body
    );
    assert_eq!(
        room.query(&format!(
            "SELECT list, status, consent_source FROM memberships WHERE email_hash = '{h}'"
        )),
        vec!["news|confirmed|web form, confirmed by email"]
    );
    assert_eq!(
        room.query(&format!(
            "SELECT lang FROM subscribers WHERE email_hash = '{h}'"
        )),
        vec!["sv"]
    );
    // Reusing the link is harmless.
    assert_eq!(server.post(&links[0], "").status, 200);
    assert_eq!(
        room.query(&format!(
            "SELECT status FROM memberships WHERE email_hash = '{h}'"
        )),
        vec!["confirmed"]
    );

    // The token delivery puts in List-Unsubscribe. A GET only shows a button.
    let token = UnsubscribeToken::sign_hash(&secret(), "news", &h);
    let r = server.get(&format!("/unsubscribe/{token}"));
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains(&format!(
            "<form method=\"post\" action=\"/unsubscribe/{token}\">"
        )),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!("/preferences/{token}")));
    assert_eq!(
        room.query(&format!(
            "SELECT status FROM memberships WHERE email_hash = '{h}'"
        )),
        vec!["confirmed"]
    );
    // RFC 8058 one-click: a POST with this body, no cookies, answers 200.
    let r = server.post(
        &format!("/unsubscribe/{token}"),
        "List-Unsubscribe=One-Click",
    );
    assert_eq!(r.status, 200);
    assert!(r.header("set-cookie").is_empty());
    assert_eq!(
        room.query(&format!(
            "SELECT status FROM memberships WHERE email_hash = '{h}'"
        )),
        vec!["unsubscribed"]
    );

    // Preferences: the list shows unchecked; choosing it again and English saves both.
    let r = server.get(&format!("/preferences/{token}"));
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("value=\"news\">") && !r.body.contains("value=\"news\" checked"),
        "{}",
        r.body
    );
    let r = server.post(&format!("/preferences/{token}"), "lists=news&lang=en");
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("<html lang=\"en\">") && r.body.contains("Your settings are saved"),
        "{}",
        r.body
    );
    assert_eq!(
        room.query(&format!(
            "SELECT status FROM memberships WHERE email_hash = '{h}'"
        )),
        vec!["confirmed"]
    );
    assert_eq!(
        room.query(&format!(
            "SELECT lang FROM subscribers WHERE email_hash = '{h}'"
        )),
        vec!["en"]
    );
}

#[test]
fn forged_and_expired_tokens_get_a_localised_400_page() {
    let room = Room::new(1);
    let server = Server::start(&room);
    let h = hash("someone@example.org");
    let old = ConfirmToken {
        subject: Subject::LinkId(secret().link_id(&h)),
        lists: vec!["news".into()],
        lang: "sv".into(),
        issued: chrono::Utc::now().timestamp() - 8 * 24 * 3600,
    };
    let expired = old.sign(&secret());
    let r = server.get(&format!("/confirm/{expired}"));
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("<html lang=\"fi\">") && r.body.contains("vanhentunut"),
        "{}",
        r.body
    );

    let good = ConfirmToken {
        issued: chrono::Utc::now().timestamp(),
        ..old
    }
    .sign(&secret());
    let mut forged = good.clone();
    forged.insert(
        2,
        if forged.as_bytes()[2] == b'A' {
            'B'
        } else {
            'A'
        },
    );
    for path in [
        format!("/confirm/{forged}"),
        "/confirm/garbage".into(),
        "/unsubscribe/garbage".into(),
        "/preferences/x.y.z".into(),
    ] {
        let r = server.get(&path);
        assert_eq!(r.status, 400, "{path}");
        assert!(r.body.contains("Linkki ei toimi"), "{path}: {}", r.body);
    }
    let other = Secret::from_bytes(b"some other secret, long enough to use");
    let t = UnsubscribeToken::sign_hash(&other, "news", &h);
    assert_eq!(
        server
            .post(&format!("/unsubscribe/{t}"), "List-Unsubscribe=One-Click")
            .status,
        400
    );
    // Swedish browsers get the page in Swedish.
    let r = reply(
        server
            .agent
            .get(format!("{}/confirm/garbage", server.base))
            .header("Accept-Language", "sv-FI,sv;q=0.9")
            .call(),
    );
    assert!(
        r.body.contains("<html lang=\"sv\">") && r.body.contains("Länken fungerar inte"),
        "{}",
        r.body
    );
}

/// Cuts a token's MAC (its last dot-separated part) to `n` bytes.
fn cut_mac(token: &str, n: usize) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let (head, mac) = token.rsplit_once('.').unwrap();
    format!("{head}.{}", B64.encode(&B64.decode(mac).unwrap()[..n]))
}

#[test]
fn tokens_with_a_cut_mac_are_refused_everywhere_and_old_links_still_work() {
    let room = Room::new(1);
    let server = Server::start(&room);
    let h = hash("victim@example.org");
    let status = || {
        room.query(&format!(
            "SELECT status FROM memberships WHERE email_hash = '{h}'"
        ))
    };
    assert_eq!(
        server
            .post("/en/subscribe", "email=victim%40example.org&lists=news")
            .status,
        200
    );
    let link = confirmation_links(&room).remove(0);
    let token = link.trim_start_matches("/confirm/").to_string();
    assert!(token.starts_with("c2."), "{token}");
    assert!(!token.contains(&h) && !link.contains(&h));
    for n in [1, 8, 15] {
        let cut = cut_mac(&token, n);
        assert_eq!(server.get(&format!("/confirm/{cut}")).status, 400, "{n}");
        assert_eq!(
            server.post(&format!("/confirm/{cut}"), "").status,
            400,
            "{n}"
        );
    }
    assert_eq!(status(), vec!["pending"], "no forged confirmation");
    assert_eq!(server.post(&link, "").status, 200);
    assert_eq!(status(), vec!["confirmed"]);

    let v2 = UnsubscribeToken::sign_hash(&secret(), "news", &h);
    let v1 = UnsubscribeToken::sign_v1(&secret(), "news", &h);
    for (token, lens) in [(&v2, vec![1, 8, 15, 16, 31]), (&v1, vec![1, 8, 15])] {
        for n in lens {
            let cut = cut_mac(token, n);
            for r in [
                server.get(&format!("/unsubscribe/{cut}")),
                server.post(&format!("/unsubscribe/{cut}"), "List-Unsubscribe=One-Click"),
                server.post(&format!("/preferences/{cut}"), "lang=en"),
            ] {
                assert_eq!(r.status, 400, "{cut}");
            }
            let prefs = server.get(&format!("/preferences/{cut}"));
            assert_eq!(prefs.status, 400);
            assert!(
                !prefs.body.contains("name=\"lists\""),
                "a stranger's lists are not shown: {}",
                prefs.body
            );
        }
    }
    assert_eq!(status(), vec!["confirmed"], "no forged unsubscribe");
    // A correctly signed token for an identifier never sent is a bad link.
    let unknown = UnsubscribeToken::sign_id(&secret(), "news", "AAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(server.get(&format!("/unsubscribe/{unknown}")).status, 400);
    // A link sent before version 2 keeps working, with its full MAC.
    let r = server.post(&format!("/unsubscribe/{v1}"), "List-Unsubscribe=One-Click");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(status(), vec!["unsubscribed"]);
    // After erasure, neither version's links work.
    let o = room.run(&["subscribers", "forget", "victim@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    for t in [&v1, &v2] {
        assert_eq!(server.get(&format!("/unsubscribe/{t}")).status, 400);
        assert_eq!(server.get(&format!("/preferences/{t}")).status, 400);
    }
    assert_eq!(status(), Vec::<String>::new());
}

#[test]
fn the_answer_does_not_reveal_whether_an_address_is_known() {
    let room = Room::new(1);
    room.import("news", &subscribers_csv(2));
    let server = Server::start(&room);
    let known = server.post(
        "/en/subscribe",
        "email=user0%40example.org&lists=news&lang=en",
    );
    let unknown = server.post(
        "/en/subscribe",
        "email=stranger%40example.org&lists=news&lang=en",
    );
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body);
    // The confirmed member stays confirmed; the stranger is pending.
    assert_eq!(
        room.query(&format!(
            "SELECT status FROM memberships WHERE email_hash = '{}'",
            hash("user0@example.org")
        )),
        vec!["confirmed"]
    );
    assert_eq!(
        room.query(&format!(
            "SELECT status FROM memberships WHERE email_hash = '{}'",
            hash("stranger@example.org")
        )),
        vec!["pending"]
    );
}

#[test]
fn malformed_forms_get_a_400_with_the_reason_never_a_500() {
    let room = Room::new(1);
    let config = std::fs::read_to_string(room.root().join("pressroom.toml")).unwrap();
    std::fs::write(
        room.root().join("pressroom.toml"),
        format!("{config}\n[lists.events]\ntitle = \"Events\"\npublic = true\n"),
    )
    .unwrap();
    let server = Server::start(&room);
    let r = server.post("/sv/subscribe", "email=not-an-address&lists=news");
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("E-postadressen är inte giltig")
            && r.body.contains("value=\"not-an-address\""),
        "{}",
        r.body
    );
    let r = server.post("/sv/subscribe", "email=a%40example.org&lists=unknown-list");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Välj minst en prenumeration"));
    let r = server.post("/sv/subscribe", "email=b%40example.org");
    assert_eq!(r.status, 400, "with two public lists, one must be chosen");
    let r = server.post("/sv/subscribe", "%%%&&&==\u{1}");
    assert_eq!(r.status, 400);
    // A field the form has once, given twice: not this page's form.
    let r = server.post(
        "/sv/subscribe",
        "email=c%40example.org&email=d%40example.org&lists=news",
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Formuläret kunde inte läsas"), "{}", r.body);
    let big = format!("email={}", "a".repeat(40_000));
    assert_eq!(server.post("/sv/subscribe", &big).status, 413);
    assert_eq!(server.get("/de/subscribe").status, 404);
    assert_eq!(room.query("SELECT COUNT(*) FROM subscribers"), vec!["0"]);
}

#[test]
fn a_honeypot_and_a_per_ip_limit_stop_bots() {
    let room = Room::new(1);
    let config = std::fs::read_to_string(room.root().join("pressroom.toml")).unwrap();
    std::fs::write(
        room.root().join("pressroom.toml"),
        format!("{config}\n[serve]\nsignups_per_ip_per_hour = 3\n"),
    )
    .unwrap();
    let server = Server::start(&room);
    let r = server.post(
        "/en/subscribe",
        "email=bot%40example.org&lists=news&website=http%3A%2F%2Fspam.example",
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Check your inbox"));
    assert_eq!(room.query("SELECT COUNT(*) FROM subscribers"), vec!["0"]);
    assert!(confirmation_links(&room).is_empty());
    for i in 0..3 {
        assert_eq!(
            server
                .post(
                    "/en/subscribe",
                    &format!("email=p{i}%40example.org&lists=news")
                )
                .status,
            200
        );
    }
    let r = server.post("/en/subscribe", "email=p9%40example.org&lists=news");
    assert_eq!(r.status, 429);
    assert!(r.body.contains("Too many attempts"));
}

#[test]
fn the_site_is_served_with_content_types_caching_and_security_headers() {
    let room = Room::new(1);
    let server = Server::start(&room);
    let r = server.get("/fi/bridge/");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("text/html"));
    assert_eq!(r.header("cache-control"), "no-cache");
    assert!(
        r.header("content-security-policy")
            .contains("default-src 'none'")
    );
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(r.header("referrer-policy"), "no-referrer");
    assert!(
        r.body.contains("href=\"/fi/subscribe\""),
        "the release links to the form"
    );
    let css = server.get("/style.css");
    assert_eq!(css.header("content-type"), "text/css");
    assert!(css.header("cache-control").starts_with("public"));
    assert_eq!(
        server.get("/fi/feed.xml").header("content-type"),
        "application/rss+xml; charset=utf-8"
    );
    let missing = server.get("/no/such/page");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Sivua ei löytynyt"));
    // Under a language, that language's page; elsewhere, every language's.
    let sv = server.get("/sv/no-such-page/");
    assert_eq!(sv.status, 404);
    assert!(
        sv.body.contains("<html lang=\"sv\">") && sv.body.contains("Sidan hittades inte"),
        "{}",
        sv.body
    );
    assert!(missing.body.contains("Page not found"), "{}", missing.body);
    // No redirects: the agent does not follow them, so a 3xx would show.
    for path in [
        "//evil.example/",
        "//en",
        "/fi",
        "/fi/bridge",
        "/%2Fevil.example",
    ] {
        let r = server.get(path);
        assert!(
            r.header("location").is_empty(),
            "{path}: {}",
            r.header("location")
        );
        assert!(!(300..400).contains(&r.status), "{path}: {}", r.status);
    }
    assert_eq!(
        server.get("/fi").status,
        200,
        "a directory without its slash is served"
    );
    assert!(server.get("/fi/bridge").body.contains("<html lang=\"fi\">"));
    assert_eq!(server.get("//en").status, 404);
    // Errors are never cached and carry the security headers.
    let errors = [
        server.get("/no/such/page"),
        reply(
            server
                .agent
                .delete(format!("{}/fi/subscribe", server.base))
                .call(),
        ),
        server.post("/fi/subscribe", &format!("email={}", "a".repeat(40_000))),
        server.get("/confirm/%ZZ%C3"),
    ];
    for (r, status) in errors.iter().zip([404, 405, 413, 400]) {
        assert_eq!(r.status, status);
        assert_eq!(r.header("cache-control"), "no-store", "{status}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{status}");
        assert!(
            r.header("content-security-policy")
                .contains("default-src 'none'")
        );
    }
    assert!(
        errors[3].body.contains("Linkki ei toimi"),
        "bad percent-encoding gets the localised page: {}",
        errors[3].body
    );
    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_gracefully() {
    let room = Room::new(1);
    let mut server = Server::start_with(&room, &[], Stdio::null());
    assert_eq!(server.get("/").status, 200);
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &server.child().id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let start = Instant::now();
    loop {
        if let Some(status) = server.child().try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Server {
    fn post_from(&self, path: &str, forwarded_for: &str, body: &str) -> Reply {
        reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("X-Forwarded-For", forwarded_for)
                .content_type("application/x-www-form-urlencoded")
                .send(body.to_string()),
        )
    }
}

#[test]
fn one_address_gets_few_confirmations_however_many_sources_ask() {
    let room = Room::new(1);
    room.append_config("[serve]\ntrusted_proxies = [\"127.0.0.1/32\"]\nsignups_per_ip_per_hour = 100\nconfirmations_per_hour = 6",
    );
    let mut server = Server::start(&room);
    // Sixty sources, one victim: one email (one per 15 minutes).
    let first = server.post_from(
        "/en/subscribe",
        "198.51.100.1",
        "email=victim%40example.org&lists=news",
    );
    for i in 2..=60 {
        let r = server.post_from(
            "/en/subscribe",
            &format!("198.51.100.{i}"),
            "email=Victim%40Example.org&lists=news",
        );
        assert_eq!(
            (r.status, &r.body),
            (first.status, &first.body),
            "same answer"
        );
    }
    assert_eq!(confirmation_links(&room).len(), 1);
    // A restart does not reset the count (it is in the database).
    drop(server);
    server = Server::start(&room);
    server.post_from(
        "/en/subscribe",
        "198.51.100.99",
        "email=victim%40example.org&lists=news",
    );
    assert_eq!(confirmation_links(&room).len(), 1);
    room.query("UPDATE confirmation_sends SET sent_at = sent_at - 3 * 3600");
    // Later the same day: a second email, and after three no more that day.
    server.post_from(
        "/en/subscribe",
        "198.51.100.98",
        "email=victim%40example.org&lists=news",
    );
    assert_eq!(confirmation_links(&room).len(), 2);
    room.query("UPDATE confirmation_sends SET sent_at = sent_at - 3600");
    server.post_from(
        "/en/subscribe",
        "198.51.100.97",
        "email=victim%40example.org&lists=news",
    );
    room.query("UPDATE confirmation_sends SET sent_at = sent_at - 3600");
    server.post_from(
        "/en/subscribe",
        "198.51.100.96",
        "email=victim%40example.org&lists=news",
    );
    assert_eq!(confirmation_links(&room).len(), 3, "three per day");

    // A suppressed or erased address is never mailed; the page is the same.
    room.run(&["subscribers", "add", "gone@example.org", "--list", "news"]);
    let o = room.run(&["subscribers", "forget", "gone@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let r = server.post_from(
        "/en/subscribe",
        "198.51.100.50",
        "email=gone%40example.org&lists=news",
    );
    assert_eq!((r.status, &r.body), (first.status, &first.body));
    assert_eq!(confirmation_links(&room).len(), 3);
    assert_eq!(
        room.query(&format!(
            "SELECT COUNT(*) FROM subscribers WHERE email_hash = '{}'",
            hash("gone@example.org")
        )),
        vec!["0"],
        "an erased address is not stored again"
    );

    // The hourly ceiling on all confirmation emails (6; 2 used this hour).
    room.query("DELETE FROM confirmation_sends");
    for i in 0..6 {
        let r = server.post_from(
            "/en/subscribe",
            &format!("203.0.113.{i}"),
            &format!("email=p{i}%40example.org&lists=news"),
        );
        assert_eq!(r.status, 200, "{i}");
    }
    let r = server.post_from(
        "/en/subscribe",
        "203.0.113.77",
        "email=late%40example.org&lists=news",
    );
    assert_eq!(r.status, 429);
    assert_eq!(confirmation_links(&room).len(), 9);
}

#[test]
fn forwarded_headers_count_only_from_a_trusted_proxy() {
    // Untrusted peer: forged headers change nothing, the limit is per peer.
    let room = Room::new(1);
    room.append_config("[serve]\nsignups_per_ip_per_hour = 2");
    let server = Server::start(&room);
    for (i, xff) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"].iter().enumerate() {
        let r = server.post_from(
            "/en/subscribe",
            xff,
            &format!("email=u{i}%40example.org&lists=news"),
        );
        assert_eq!(r.status, if i < 2 { 200 } else { 429 }, "{xff}");
    }
    drop(server);
    // Behind a trusted proxy: the limit is per client.
    let room = Room::new(1);
    room.append_config("[serve]\nsignups_per_ip_per_hour = 2\ntrusted_proxies = [\"127.0.0.1\"]");
    let server = Server::start(&room);
    let mut statuses = vec![];
    for (i, xff) in ["192.0.2.1", "10.9.9.9, 192.0.2.1", "192.0.2.1", "192.0.2.2"]
        .iter()
        .enumerate()
    {
        statuses.push(
            server
                .post_from(
                    "/en/subscribe",
                    xff,
                    &format!("email=v{i}%40example.org&lists=news"),
                )
                .status,
        );
    }
    assert_eq!(statuses, vec![200, 200, 429, 200]);
}

#[test]
fn addresses_that_cannot_be_mailed_or_look_like_formulas_are_refused() {
    let room = Room::new(1);
    let server = Server::start(&room);
    for email in [
        "%3Dcmd%7C%27%2FC+calc%27%21A0%40example.org",
        "%2Bx%40example.org",
        "-x%40example.org",
        "%40x%40example.org",
        "%22a+b%22%40example.org",
        "a%40%5B127.0.0.1%5D",
    ] {
        let r = server.post("/en/subscribe", &format!("email={email}&lists=news"));
        assert_eq!(r.status, 400, "{email}: {}", r.body);
    }
    assert_eq!(room.query("SELECT COUNT(*) FROM subscribers"), vec!["0"]);
    assert!(confirmation_links(&room).is_empty());
    let o = room.run(&[
        "subscribers",
        "add",
        "\"a b\"@example.org",
        "--list",
        "news",
    ]);
    assert_eq!(o.status.code(), Some(1));
    // A thousand repeated list fields make one membership and a short token.
    let body = format!("email=many%40example.org{}", "&lists=news".repeat(1000));
    assert_eq!(server.post("/en/subscribe", &body).status, 200);
    let link = confirmation_links(&room).remove(0);
    assert!(link.len() < 200, "{} characters", link.len());
    assert_eq!(room.query("SELECT list FROM memberships"), vec!["news"]);
}

#[test]
fn slow_and_idle_connections_are_closed_and_requests_are_logged_without_addresses() {
    use std::io::{Read, Write};
    let room = Room::new(1);
    room.append_config("[serve]\nheader_timeout_seconds = 1");
    let log = room.root().join("serve.log");
    let server = Server::start_with(
        &room,
        &["--log-format", "json"],
        Stdio::from(std::fs::File::create(&log).unwrap()),
    );
    let addr = server.base.trim_start_matches("http://").to_string();
    // A client that trickles its headers, and one idle after a response.
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut idle = std::net::TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    for (name, mut s) in [("slow", slow), ("idle", idle)] {
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let start = Instant::now();
        let mut buf = vec![];
        // Read until the server closes; a timeout error means it never did.
        let r = s.read_to_end(&mut buf);
        assert!(r.is_ok(), "{name}: the server kept the connection: {r:?}");
        assert!(start.elapsed() < Duration::from_secs(10), "{name}");
        if name == "idle" {
            assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
        }
    }
    server.post("/fi/subscribe", "email=logged%40example.org&lists=news");
    let link = confirmation_links(&room).remove(0);
    server.get(&link);
    server.post(
        "/fi/subscribe",
        "email=x%40example.org&lists=news&website=spam",
    );
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let responses: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "response")
        .collect();
    assert!(
        responses.iter().any(|l| l["span"]["path"] == "/confirm/…"
            && l["span"]["method"] == "GET"
            && l["fields"]["status"] == 200
            && l["fields"]["latency_ms"].is_number()),
        "{text}"
    );
    assert!(
        !text.contains("example.org"),
        "no address in the log: {text}"
    );
    assert!(
        !text.contains(link.trim_start_matches("/confirm/")),
        "no token"
    );
}

/// A header of a written message, unfolded.
fn header(eml: &str, name: &str) -> String {
    let unfolded = eml.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {eml}"))
        .to_string()
}

fn outbox_message(room: &Room, folder: &str, email: &str) -> String {
    let name = format!("{}.eml", &hash(email)[..24]);
    std::fs::read_to_string(room.root().join("outbox").join(folder).join(name)).unwrap()
}

#[test]
fn one_click_stops_every_list_of_the_copy_and_a_test_copy_link_does_nothing() {
    let room = Room::new(1);
    room.import("news", &subscribers_csv(3));
    std::fs::write(
        room.root().join("subscribers/journalists.csv"),
        "email;name;lang\nuser0@example.org;Ulla Uutinen;fi\nuser9@example.org;;sv\n",
    )
    .unwrap();
    std::fs::write(
        room.root().join("releases/2026-11-01-bridge.fi.md"),
        "---\ntitle: Silta avataan\ndate: 2026-11-01 09:00\ntranslation_key: bridge\nsummary: Lead fi.\nlists: [news, journalists]\n---\nBody in fi.\n",
    )
    .unwrap();
    let now = "2026-11-01T12:00:00+02:00";
    let o = room.run(&["send", "bridge", "--yes", "--now", now]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    // Four people, one message each: user0 is on both lists.
    assert_eq!(
        std::fs::read_dir(room.root().join("outbox/bridge"))
            .unwrap()
            .count(),
        4
    );
    // A person only on the staff-kept CSV list did not subscribe: the
    // footer says why they get it instead.
    let body = |email: &str| outbox_message(&room, "bridge", email).replace("=\r\n", "");
    assert!(body("user9@example.org").contains("eftersom du finns p"));
    assert!(!body("user9@example.org").contains("eftersom du prenumererar"));
    assert!(body("user1@example.org").contains("eftersom du prenumererar"));
    assert!(body("user0@example.org").contains("koska olet tilannut"));
    let real = outbox_message(&room, "bridge", "user0@example.org");
    let link = header(&real, "List-Unsubscribe");
    let path = link
        .trim_matches(['<', '>'])
        .strip_prefix("https://press.example.org")
        .unwrap()
        .to_string();

    // A test copy to a subscriber: its own Message-ID, [TESTI] (the mark in
    // the Finnish version's language), an inert link.
    let o = room.run(&["send", "bridge", "--to", "user1@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let test = outbox_message(&room, "test", "user1@example.org");
    let real1 = outbox_message(&room, "bridge", "user1@example.org");
    assert!(header(&test, "Subject").starts_with("[TESTI] "), "{test}");
    assert_ne!(header(&test, "Message-ID"), header(&real1, "Message-ID"));
    assert!(header(&test, "Message-ID").ends_with("@example.org>"));
    assert_eq!(
        header(&test, "List-Unsubscribe"),
        "<https://press.example.org/unsubscribe/test-copy>"
    );

    let server = Server::start(&room);
    let memberships = |email: &str| {
        room.query(&format!(
            "SELECT list, status FROM memberships WHERE email_hash = '{}' ORDER BY list",
            hash(email)
        ))
    };
    let before = memberships("user1@example.org");
    let r = server.post("/unsubscribe/test-copy", "List-Unsubscribe=One-Click");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("testikopio"), "{}", r.body);
    assert_eq!(memberships("user1@example.org"), before);
    assert!(room.query("SELECT * FROM suppressions").is_empty());

    // One click on the real message: off both lists, and the page says so
    // and offers the preferences.
    let r = server.post(&path, "List-Unsubscribe=One-Click");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("News") && r.body.contains("Journalists"),
        "{}",
        r.body
    );
    assert!(r.body.contains("/preferences/u2."), "{}", r.body);
    assert_eq!(
        memberships("user0@example.org"),
        vec!["journalists|unsubscribed", "news|unsubscribed"]
    );
    // The next release to both lists does not reach user0.
    std::fs::write(
        room.root().join("releases/2026-11-02-next.fi.md"),
        "---\ntitle: Seuraava\ndate: 2026-11-02 09:00\nlists: [news, journalists]\n---\nTeksti.\n",
    )
    .unwrap();
    let o = room.run(&[
        "send",
        "next",
        "--yes",
        "--now",
        "2026-11-02T12:00:00+02:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    assert_eq!(
        room.query("SELECT email FROM deliveries WHERE release = '2026-11-02/next' ORDER BY email"),
        vec![
            "user1@example.org",
            "user2@example.org",
            "user9@example.org"
        ]
    );
}

#[test]
fn the_confirmation_email_is_signed_like_a_release_and_marked_auto_generated() {
    let room = Room::new(1);
    let key = room.root().join("dkim.pem");
    crate::common::dkim::make_rsa_key(&key);
    std::fs::write(
        room.root().join("dkim-ed25519.key"),
        crate::common::dkim::ED25519_SEED,
    )
    .unwrap();
    room.append_config("[delivery.dkim]\nselector = \"e2e\"\ndomain = \"example.org\"\nkey_file = \"dkim.pem\"\ned25519_key_file = \"dkim-ed25519.key\"\n",
    );
    let server = Server::start(&room);
    let r = server.post(
        "/sv/subscribe",
        "email=new%40example.org&lists=news&lang=sv",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let dir = room.root().join("outbox/confirmations");
    let eml = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&eml).unwrap();
    assert!(
        text.lines().any(|l| l == "Auto-Submitted: auto-generated"),
        "{text}"
    );
    let id = header(&text, "Message-ID");
    assert!(id.starts_with('<') && id.ends_with("@example.org>"), "{id}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("From: ") && l.ends_with("<press@example.org>")),
        "{text}"
    );
    let lines = crate::common::dkim::verify(
        &eml,
        &crate::common::dkim::rsa_txt(&key),
        crate::common::dkim::ED25519_TXT,
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("a=rsa-sha256 ok "), "{lines:?}");
    assert!(lines[1].starts_with("a=ed25519-sha256 ok "), "{lines:?}");
    assert!(lines[0].contains("auto-submitted"), "{lines:?}");
}

#[test]
fn serve_drafts_shows_drafts_and_embargoed_releases_with_a_banner_and_serve_does_not() {
    let room = Room::new(1);
    std::fs::write(
        room.root().join("releases/2026-11-20-new-ferry.fi.md"),
        "---\ntitle: Uusi lautta\ndate: 2026-11-20 09:00\ndraft: true\n---\nLuonnos.\n",
    )
    .unwrap();
    std::fs::write(
        room.root().join("releases/2030-01-02-far-plan.sv.md"),
        "---\ntitle: Långsiktig plan\ndate: 2030-01-02 10:00\n---\nSenare.\n",
    )
    .unwrap();
    let public = Server::start(&room);
    assert_eq!(public.get("/fi/new-ferry/").status, 404);
    assert_eq!(public.get("/sv/far-plan/").status, 404);
    drop(public);

    room.import(
        "news",
        "email,name,lang\nfi1@example.org,A,fi\nsv1@example.org,B,sv\nen1@example.org,C,en\n",
    );
    let preview = Server::start_with(&room, &["--drafts"], Stdio::null());
    // The email view of a published release: both widths, the text part,
    // the subject, the size against Gmail's clip, and who gets which version.
    let bridge = preview.get("/fi/bridge/");
    let view_href = bridge
        .body
        .split("<p class=\"preview-tools\"><a href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no email view link: {}", bridge.body))
        .to_string();
    let view = preview.get(&view_href);
    assert_eq!(view.status, 200, "{view_href}");
    // The email view frames the email, which carries its CSS inline: its
    // policy lets both load, and only from the preview itself.
    let csp = view.header("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'self'") && csp.contains("frame-src 'self'"),
        "{csp}"
    );
    assert!(csp.contains("style-src 'self' 'unsafe-inline'"), "{csp}");
    assert_eq!(view.header("x-frame-options"), "SAMEORIGIN");
    // A site page loads the live-reload script, and is framed by nobody.
    let csp = bridge.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(bridge.header("x-frame-options"), "DENY");
    for want in [
        "width=\"375\"",
        "width=\"640\"",
        // In the staff's language, the site's default (Finnish here).
        "<html lang=\"fi\">",
        "<h1>Sähköpostinäkymä: <span lang=\"fi\">",
        "(Gmail katkaisee yli 102 kt:n viestit)",
        "<h2>Tekstiosa</h2>",
        "<tr><td>news</td><td>fi</td><td>1</td></tr>",
        "<tr><td>news</td><td>sv</td><td>1</td></tr>",
        "<tr><td>news</td><td>en</td><td>1</td></tr>",
    ] {
        assert!(view.body.contains(want), "{want}: {}", view.body);
    }
    assert_eq!(preview.get(&format!("{view_href}email.html")).status, 200);
    let draft = preview.get("/fi/new-ferry/");
    assert_eq!(draft.status, 200);
    assert!(
        draft.body.contains(
            "class=\"preview-banner\" role=\"status\">Luonnos: ei julkaistu eikä lähetetty<"
        ),
        "{}",
        draft.body
    );
    let embargoed = preview.get("/sv/far-plan/");
    assert_eq!(embargoed.status, 200);
    assert!(
        embargoed.body.contains(">Embargo: publiceras först 2"),
        "{}",
        embargoed.body
    );
    // A published release carries no banner, and lists show the draft too.
    let published = preview.get("/fi/bridge/");
    assert_eq!(published.status, 200);
    assert!(!published.body.contains("preview-banner"));
    assert!(preview.get("/fi/").body.contains("Uusi lautta"));
}

#[test]
fn serve_drafts_rebuilds_after_an_edit_and_tells_open_pages_to_reload_or_shows_the_problem() {
    let room = Room::new(1);
    let file = room.root().join("releases/2026-11-20-new-ferry.fi.md");
    let write = |text: &str| std::fs::write(&file, text).unwrap();
    write(
        "---\ntitle: Uusi lautta\ndate: 2026-11-20 09:00\ndraft: true\n---\nEnsimmäinen versio.\n",
    );
    let preview = Server::start_with(&room, &["--drafts"], Stdio::null());
    let page = preview.get("/fi/new-ferry/");
    assert!(page.body.contains("Ensimmäinen versio."), "{}", page.body);
    assert!(page.body.contains("/_pressroom/live.js"), "{}", page.body);
    assert!(
        preview
            .get("/_pressroom/live.js")
            .body
            .contains("EventSource")
    );

    let rx = open_events(&preview);

    write("---\ntitle: Uusi lautta\ndate: 2026-11-20 09:00\ndraft: true\n---\nToinen versio.\n");
    assert_eq!(next_event(&rx).0, "reload");
    assert!(
        preview
            .get("/fi/new-ferry/")
            .body
            .contains("Toinen versio.")
    );
    // Broken front matter: the problem, with file and line, comes to the page.
    // It is the very next event: one save, one update (that the build's own
    // reads start no build is the unit test of `preview::watch`).
    write("---\ntitle: Uusi lautta\ndate: someday\ndraft: true\n---\nRikki.\n");
    let (kind, data) = next_event(&rx);
    assert_eq!(kind, "problem", "{data}");
    assert!(data.contains("2026-11-20-new-ferry.fi.md:3:"), "{data}");
    // The last good version is still served meanwhile.
    assert!(
        preview
            .get("/fi/new-ferry/")
            .body
            .contains("Toinen versio.")
    );

    // Fixed: the pages reload and the problem is gone.
    write("---\ntitle: Uusi lautta\ndate: 2026-11-20 09:00\ndraft: true\n---\nKolmas versio.\n");
    assert_eq!(next_event(&rx).0, "reload");
    assert!(
        preview
            .get("/fi/new-ferry/")
            .body
            .contains("Kolmas versio.")
    );
}

#[cfg(unix)]
#[test]
fn serve_drafts_builds_into_a_private_folder_and_removes_it_on_sigterm() {
    use std::os::unix::fs::PermissionsExt;
    let room = Room::new(1);
    let tmp = tempfile::tempdir().unwrap();
    let mut child = room
        .command(&["serve", "--drafts", "--addr", "127.0.0.1:0"])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("http://"), "{line}");
    let folders: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let name = folders[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("pressroom-preview-"), "{name}");
    assert_ne!(
        name,
        format!("pressroom-preview-{}", child.id()),
        "predictable"
    );
    let mode = std::fs::metadata(&folders[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "drafts readable by others: {mode:o}");
    assert!(folders[0].join("site/index.html").is_file());
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<_> = walk(tmp.path());
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Every path under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(walk(&p));
        }
        v.push(p);
    }
    v
}

/// An open page's event stream, read line by line on a thread.
fn open_events(server: &Server) -> std::sync::mpsc::Receiver<String> {
    let response = server
        .agent
        .get(format!("{}/_pressroom/events", server.base))
        .call()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let reader = std::io::BufReader::new(response.into_body().into_reader());
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for the next `event:` line and the data lines after it.
fn next_event(rx: &std::sync::mpsc::Receiver<String>) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut kind = String::new();
    let mut data = vec![];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).expect("an event within 20 s");
        if let Some(k) = line.strip_prefix("event: ") {
            kind = k.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            data.push(d.to_string());
        } else if line.is_empty() && !kind.is_empty() {
            return (kind, data.join("\n"));
        }
    }
}

#[cfg(unix)]
#[test]
fn serve_drafts_renders_again_only_what_an_edit_touches() {
    use std::os::unix::fs::MetadataExt;
    let room = Room::new(1);
    let releases = room.root().join("releases");
    let release = |title: &str, body: &str| {
        format!("---\ntitle: {title}\ndate: 2026-11-20 09:00\n---\n{body}\n")
    };
    std::fs::write(
        releases.join("2026-11-20-ferry.fi.md"),
        release("Lautta", "Eka."),
    )
    .unwrap();
    std::fs::write(
        releases.join("2026-11-20-harbour.fi.md"),
        release("Satama", "Laituri."),
    )
    .unwrap();
    room.import("news", "email,name,lang\nfi1@example.org,A,fi\n");
    let tmp = tempfile::tempdir().unwrap();
    let child = room
        .command(&["serve", "--drafts", "--addr", "127.0.0.1:0"])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let preview = Server::from_child(child);
    let site = std::fs::read_dir(tmp.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("site");
    let inode = |rel: &str| std::fs::metadata(site.join(rel)).map(|m| m.ino()).ok();
    let untouched = [
        "fi/harbour/index.html",
        "sv/bridge/index.html",
        "en/bridge/index.html",
    ];
    let before: Vec<_> = untouched.iter().map(|r| inode(r)).collect();
    assert!(before.iter().all(Option::is_some), "{before:?}");
    let rx = open_events(&preview);

    // A body edited: that page is new, the others are the very same files.
    std::fs::write(
        releases.join("2026-11-20-ferry.fi.md"),
        release("Lautta", "Toka."),
    )
    .unwrap();
    // The reload names the pages that changed, so that only they reload.
    let (kind, data) = next_event(&rx);
    assert_eq!(kind, "reload");
    let changed: Vec<String> = serde_json::from_str(&data).unwrap();
    assert!(changed.contains(&"/fi/ferry/".to_string()), "{changed:?}");
    assert!(
        !changed.contains(&"/fi/harbour/".to_string()),
        "{changed:?}"
    );
    let ferry = preview.get("/fi/ferry/").body;
    assert!(ferry.contains("Toka."));
    // The email view is made when asked for, from the edited release.
    let view = ferry
        .split("<p class=\"preview-tools\"><a href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no email view link: {ferry}"));
    let email = preview.get(&format!("{view}email.html"));
    assert_eq!(email.status, 200);
    assert!(email.body.contains("Toka.") && !email.body.contains("Eka."));
    assert_eq!(preview.get("/_email/no-such-release/fi/").status, 404);
    let after: Vec<_> = untouched.iter().map(|r| inode(r)).collect();
    assert_eq!(before, after, "{untouched:?} were written again");

    // A title edited: the pages that show it follow, the other language
    // versions' links included.
    let bridge = releases.join("2026-11-01-bridge.fi.md");
    let text = std::fs::read_to_string(&bridge).unwrap();
    std::fs::write(
        &bridge,
        text.replace("Silta avataan", "Silta avataan huomenna"),
    )
    .unwrap();
    assert_eq!(next_event(&rx).0, "reload");
    for page in ["/fi/bridge/", "/fi/", "/sv/bridge/", "/en/bridge/"] {
        let body = preview.get(page).body;
        assert!(body.contains("Silta avataan huomenna"), "{page}: {body}");
    }
    assert_eq!(inode("fi/harbour/index.html"), before[0]);

    // A release removed: its page is gone, from the lists too.
    std::fs::remove_file(releases.join("2026-11-20-harbour.fi.md")).unwrap();
    assert_eq!(next_event(&rx).0, "reload");
    assert_eq!(preview.get("/fi/harbour/").status, 404);
    assert!(!site.join("fi/harbour").exists());
    assert!(!preview.get("/fi/").body.contains("Satama"));
}

#[cfg(unix)]
#[test]
fn serve_drafts_removes_the_folders_of_previews_that_were_killed() {
    let room = Room::new(1);
    let tmp = tempfile::tempdir().unwrap();
    // A preview killed with SIGKILL left its folder (drafts inside); one
    // that still runs (this test's process stands in for it) keeps its own.
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    dead.wait().unwrap();
    let abandoned = tmp.path().join("pressroom-preview-Ab12Cd");
    let running = tmp.path().join("pressroom-preview-Ef34Gh");
    for (dir, pid) in [(&abandoned, dead.id()), (&running, std::process::id())] {
        std::fs::create_dir_all(dir.join("site/fi/secret-draft")).unwrap();
        std::fs::write(dir.join("site/fi/secret-draft/index.html"), "draft").unwrap();
        std::fs::write(dir.join("owner.pid"), pid.to_string()).unwrap();
    }
    let child = room
        .command(&["serve", "--drafts", "--addr", "127.0.0.1:0"])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let preview = Server::from_child(child);
    assert_eq!(preview.get("/fi/").status, 200);
    assert!(
        !abandoned.exists(),
        "the killed preview's drafts are still there"
    );
    assert!(running.join("site/fi/secret-draft/index.html").is_file());
}

#[test]
fn the_finnish_confirmation_names_the_organisation_in_the_genitive() {
    let room = Room::new(1);
    room.append_config("[organization.name_genitive]\nfi = \"Testiliiton\"\n");
    let server = Server::start(&room);
    let r = server.post(
        "/fi/subscribe",
        "email=uusi%40example.org&lists=news&lang=fi",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let dir = room.root().join("outbox/confirmations");
    let eml = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&eml).unwrap();
    assert_eq!(
        header(&text, "Subject"),
        "Vahvista Testiliiton tiedotteiden tilaus"
    );
}

#[test]
fn the_subscription_form_links_the_privacy_notice_beside_its_button() {
    let room = Room::new(1);
    room.append_config(
        "[organization.privacy_url]\nfi = \"https://example.org/tietosuoja\"\nsv = \"https://example.org/sv/dataskydd\"\nen = \"https://example.org/en/privacy\"\n",
    );
    let server = Server::start(&room);
    let form = server.get("/sv/subscribe").body;
    assert!(
        form.contains("</button> <a class=\"privacy\" href=\"https://example.org/sv/dataskydd\">Dataskyddsbeskrivning</a>"),
        "{form}"
    );
    server.post(
        "/fi/subscribe",
        "email=uusi%40example.org&lists=news&lang=fi",
    );
    let dir = room.root().join("outbox/confirmations");
    let eml = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&eml).unwrap();
    assert!(text.contains("https://example.org/tietosuoja"), "{text}");
}

#[test]
fn a_browser_revalidating_a_page_gets_not_modified_not_a_404() {
    // Pages are sent with `no-cache`: browsers ask again with
    // If-Modified-Since on every visit, and the answer must be 304.
    let room = Room::new(1);
    let server = Server::start(&room);
    let first = server.get("/fi/bridge/");
    assert_eq!(first.status, 200);
    let modified = first.header("last-modified").to_string();
    assert!(!modified.is_empty());
    let again = server.get_with("/fi/bridge/", ("if-modified-since", &modified));
    assert_eq!(again.status, 304, "{}", again.body);
    // A redirect is still never sent.
    assert_eq!(server.get("/fi").status, 200);
}

#[test]
fn subscription_pages_from_ejected_templates_are_the_built_in_pages_byte_for_byte() {
    let plain = Room::new(1);
    let ours = Room::new(1);
    let o = ours.run(&["templates", "eject"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    // Each web template and the layout differ from the built-in by a
    // comment, so that they render through the engine.
    for name in [
        "site/base.html",
        "web/subscribe.html",
        "web/choices.html",
        "web/preferences.html",
        "web/unsubscribe.html",
        "web/confirm.html",
        "web/message.html",
    ] {
        let path = ours.root().join("templates").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{{# ours #}}{text}")).unwrap();
    }
    let (a, b) = (Server::start(&plain), Server::start(&ours));
    let h = hash("reader@example.org");
    let unsubscribe = UnsubscribeToken::sign_hash(&secret(), "news", &h);
    let confirm = ConfirmToken {
        subject: Subject::LinkId(secret().link_id(&h)),
        lists: vec!["news".into()],
        lang: "sv".into(),
        issued: chrono::Utc::now().timestamp(),
    }
    .sign(&secret());
    for s in [&a, &b] {
        // A subscriber, so that the unsubscribe and preferences pages show.
        assert_eq!(
            s.post("/fi/subscribe", "email=reader%40example.org&lists=news")
                .status,
            200
        );
    }
    let pages = |s: &Server| {
        vec![
            s.get("/fi/subscribe"),
            s.get("/sv/subscribe"),
            s.post("/en/subscribe", "email=not-an-address&lists=news"),
            s.get(&format!("/confirm/{confirm}")),
            s.get(&format!("/confirm/{}", cut_mac(&confirm, 8))),
            s.get(&format!("/unsubscribe/{unsubscribe}")),
            s.get(&format!("/preferences/{unsubscribe}")),
        ]
    };
    for (x, y) in pages(&a).iter().zip(pages(&b)) {
        assert_eq!(x.status, y.status);
        assert!(x.body.contains("<form") || x.status == 400, "{}", x.body);
        assert_eq!(x.body, y.body);
    }
}

#[test]
fn serve_drafts_watches_a_templates_folder_made_after_it_started_and_shows_template_errors() {
    let room = Room::new(1);
    let preview = Server::start_with(&room, &["--drafts"], Stdio::null());
    assert!(!room.root().join("templates").exists());
    let rx = open_events(&preview);

    // `templates eject` makes the folder while the preview runs; an edit
    // of the copy then shows on the page.
    let o = room.run(&["templates", "eject", "site/release.html"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let path = room.root().join("templates/site/release.html");
    let text = std::fs::read_to_string(&path).unwrap();
    // The copy renders as the built-in. The watcher takes the new folder
    // on when it sees it made; until then an edit inside it goes unseen,
    // so the edit is written again at each look until the page shows it.
    let edited = text.replace(
        "<h1>{{ r.title }}</h1>",
        "<h1 class=\"ours\">{{ r.title }}</h1>",
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        std::fs::write(&path, &edited).unwrap();
        let page = preview.get("/fi/bridge/");
        if page.body.contains("<h1 class=\"ours\">") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edited template never showed: {}",
            page.body
        );
        let _ = rx.recv_timeout(Duration::from_millis(200));
    }

    // A broken template: the problem, with the template's file and line.
    std::fs::write(
        &path,
        text.replace("<h1>{{ r.title }}</h1>", "<h1>{{ r.title </h1>"),
    )
    .unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("<h1>{{ r.title }}</h1>"))
        .unwrap()
        + 1;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (kind, data) = next_event(&rx);
        if kind == "problem" {
            assert!(
                data.contains(&format!("templates/site/release.html:{line}:")),
                "{data}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no problem event");
    }
}

#[test]
fn metrics_count_signups_confirmations_unsubscribes_limits_and_codes_on_their_own_address_only() {
    let room = Room::new(1);
    room.append_config("[serve]\nsignups_per_ip_per_hour = 2\n");
    let o = room.run(&["build", "--now", "2026-11-22T08:00:00+02:00"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let mut child = room
        .command(&[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--metrics-addr",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    stdout.read_line(&mut first).unwrap();
    stdout.read_line(&mut second).unwrap();
    let addr = |line: &str| {
        line.split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("an address in {line:?}"))
            .to_string()
    };
    let (public, metrics) = (addr(&first), addr(&second));
    assert!(second.contains("/metrics"), "{second}");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let post = |path: &str, body: &str| {
        reply(
            agent
                .post(format!("http://{public}{path}"))
                .content_type("application/x-www-form-urlencoded")
                .send(body.to_string()),
        )
    };
    assert_eq!(
        post("/fi/subscribe", "email=a%40example.org&lists=news").status,
        200
    );
    let link = confirmation_links(&room).remove(0);
    assert_eq!(post(&link, "").status, 200);
    let h = hash("a@example.org");
    let token = UnsubscribeToken::sign_hash(&secret(), "news", &h);
    assert_eq!(post(&format!("/unsubscribe/{token}"), "").status, 200);
    assert_eq!(
        post("/fi/subscribe", "email=b%40example.org&lists=news").status,
        200
    );
    assert_eq!(
        post("/fi/subscribe", "email=c%40example.org&lists=news").status,
        429
    );
    assert_eq!(
        reply(agent.get(format!("http://{public}/nowhere")).call()).status,
        404
    );
    // The public address does not serve the metrics.
    assert_eq!(
        reply(agent.get(format!("http://{public}/metrics")).call()).status,
        404
    );

    let m = reply(agent.get(format!("http://{metrics}/metrics")).call());
    assert_eq!(m.status, 200);
    assert!(
        m.header("content-type")
            .starts_with("application/openmetrics-text"),
        "{}",
        m.header("content-type")
    );
    for want in [
        "pressroom_signups_total 2",
        "pressroom_confirmations_total 1",
        "pressroom_unsubscribes_total 1",
        "pressroom_rate_limited_total 1",
        "pressroom_http_responses_total{code=\"429\"} 1",
        "pressroom_http_responses_total{code=\"404\"} 2",
    ] {
        assert!(m.body.contains(want), "{want}\n{}", m.body);
    }
    assert!(!m.body.contains("example.org"), "no addresses in metrics");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[test]
fn serve_drafts_started_inside_the_pressroom_without_root_sees_edits() {
    // The writer's usual way: `cd` into the pressroom and run the preview.
    // The watcher reports absolute paths; before the fix, a relative root
    // (`.`, the default) matched none of them and the preview never changed.
    let room = Room::new(1);
    let o = room.run(&["build", "--now", "2026-11-22T08:00:00+02:00"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_pressroom"))
        .current_dir(room.root())
        .args(["serve", "--drafts", "--addr", "127.0.0.1:0"])
        .env("PRESSROOM_SECRET", crate::common::room::SECRET)
        .env_remove("PRESSROOM_ROOT")
        .env_remove("PRESSROOM_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let preview = Server::from_child(child);
    let file = room.root().join("releases/2026-11-01-bridge.fi.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("Body in fi.", "Muokattu teksti.")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if preview.get("/fi/bridge/").body.contains("Muokattu teksti.") {
            break;
        }
        assert!(Instant::now() < deadline, "the edit never showed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A symbolic link put into the site's folder (a file or a folder) is
/// never served, and the next build removes it instead of writing through.
#[cfg(unix)]
#[test]
fn a_symbolic_link_in_the_site_is_never_served_nor_written_through() {
    let room = Room::new(1);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "SMTP_PASSWORD=hunter2").unwrap();
    std::fs::write(outside.path().join("index.html"), "not the site's").unwrap();
    let server = Server::start(&room);
    let public = room.root().join("public");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), public.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path(), public.join("linked")).unwrap();
    for path in [
        "/leak.txt",
        "/linked/secret.txt",
        "/linked/",
        "/linked",
        "/%6Cinked/secret.txt",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("hunter2"), "{path}");
    }
    drop(server);
    // A build over a site whose language folder became a link to a folder
    // outside: the link goes, the outside file is untouched.
    std::fs::remove_dir_all(public.join("sv")).unwrap();
    std::os::unix::fs::symlink(outside.path(), public.join("sv")).unwrap();
    let o = room.run(&["build", "--now", "2026-11-22T08:00:00+02:00", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    assert_eq!(
        std::fs::read_to_string(outside.path().join("index.html")).unwrap(),
        "not the site's"
    );
    assert!(!public.join("sv").is_symlink() && public.join("sv/index.html").is_file());
    assert!(!public.join("leak.txt").exists() && !public.join("linked").exists());
}

/// A writer's preview never creates nor writes the pressroom's database or
/// secret: a sign-up made in it lands in a throwaway database. It listens
/// on loopback unless told `--public-preview`.
#[test]
fn a_preview_keeps_its_hands_off_the_database_and_the_secret() {
    let room = Room::new(1);
    let mut command = room.command(&["build", "--now", "2026-11-22T08:00:00+02:00"]);
    let o = command.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    // Without PRESSROOM_SECRET, as a writer runs it.
    let child = room
        .command(&["serve", "--drafts", "--addr", "127.0.0.1:0"])
        .env_remove("PRESSROOM_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let preview = Server::from_child(child);
    let r = preview.post(
        "/fi/subscribe",
        "email=writer%40example.org&lists=news&lang=fi&website=",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Tarkista sähköpostisi"), "{}", r.body);
    drop(preview);
    assert!(!room.db().exists(), "the preview made the database");
    assert!(
        !room.root().join("subscribers/.secret").exists(),
        "the preview made the secret"
    );
    let outbox = room.root().join("outbox");
    assert!(
        !outbox.exists() || std::fs::read_dir(&outbox).unwrap().next().is_none(),
        "the preview wrote the pressroom's outbox"
    );

    let o = room.run(&["serve", "--drafts", "--addr", "0.0.0.0:0"]);
    assert_eq!(o.status.code(), Some(2), "{}", crate::common::stderr(&o));
    assert!(
        crate::common::stderr(&o).contains("--public-preview"),
        "{}",
        crate::common::stderr(&o)
    );
    let child = room
        .command(&[
            "serve",
            "--drafts",
            "--public-preview",
            "--addr",
            "0.0.0.0:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut preview = Server::from_child(child);
    let mut err = String::new();
    BufReader::new(preview.child().stderr.take().unwrap())
        .read_line(&mut err)
        .unwrap();
    assert!(
        err.contains("warning: this preview listens on 0.0.0.0:0"),
        "{err}"
    );
}
