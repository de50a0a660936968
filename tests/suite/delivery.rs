//! Delivery over a real SMTP server on loopback, with injected faults:
//! exact delivered sets, no duplicates, the journal's states, suppressions,
//! relay failover, and a resumed run after `kill -9`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::common::room::{Room, relay_and_room, subscribers_csv};
use crate::common::smtp::{Fault, SmtpServer, dead_port};
use crate::common::{stderr, stdout};

fn expected(n: usize) -> Vec<String> {
    let mut v: Vec<String> = (0..n).map(|i| format!("user{i}@example.org")).collect();
    v.sort();
    v
}

fn delivered(server: &SmtpServer) -> Vec<String> {
    let mut v: Vec<String> = server.counts().into_keys().collect();
    v.sort();
    v
}

/// Each of the `n` subscribers but `not` got exactly one message.
fn delivered_once_to_all_but(server: &SmtpServer, n: usize, not: &[&str]) {
    let mut want: Vec<String> = expected(n)
        .into_iter()
        .filter(|a| !not.contains(&a.as_str()))
        .collect();
    want.sort();
    assert_eq!(delivered(server), want);
    assert!(
        server.counts().values().all(|&n| n == 1),
        "duplicates: {:?}",
        server.counts()
    );
}

fn subject_line(data: &str) -> String {
    data.lines()
        .find(|l| l.starts_with("Subject:"))
        .unwrap_or_default()
        .to_string()
}

#[test]
// A scenario told from start to end: one test, read top to bottom.
#[allow(clippy::too_many_lines)]
fn every_recipient_gets_exactly_one_message_in_their_language() {
    let server = SmtpServer::start();
    let mut room = Room::new(4);
    room.relays = server.url();
    room.edit_config(
        "from = \"Testikunta <press@example.org>\"",
        "from = \"press@example.org\"\nfrom_name = { fi = \"Testikunta\", sv = \"Testkommunen\", en = \"Test Municipality\" }",
    );
    let o = room.import("news", &subscribers_csv(40));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // One subscriber is also on the CSV list: still one message.
    std::fs::write(
        room.root().join("subscribers/journalists.csv"),
        "email;name;lang\nUSER1@example.org;Dup;sv\nreporter@example.org;Reporter;en\n",
    )
    .unwrap();

    let o = room.run(&[
        "send",
        "bridge",
        "--list",
        "news",
        "--list",
        "journalists",
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let mut want = expected(40);
    want.push("reporter@example.org".into());
    want.sort();
    assert_eq!(delivered(&server), want);
    assert!(
        server.counts().values().all(|&n| n == 1),
        "duplicates: {:?}",
        server.counts()
    );

    // Languages: fi, sv, en as chosen; no language or an unknown one gets the default (fi).
    let by_rcpt: HashMap<String, String> = server
        .accepted()
        .into_iter()
        .map(|a| (a.rcpt, a.data))
        .collect();
    // Each message holds exactly one language version's body.
    let lang_of = |rcpt: &str| {
        let d = &by_rcpt[rcpt];
        let found: Vec<&str> = ["fi", "sv", "en"]
            .into_iter()
            .filter(|l| d.contains(&format!("Body in {l}")))
            .collect();
        assert_eq!(found.len(), 1, "{rcpt} got the bodies {found:?}");
        found[0]
    };
    assert_eq!(lang_of("user0@example.org"), "fi");
    assert_eq!(lang_of("user1@example.org"), "sv");
    assert_eq!(lang_of("user2@example.org"), "en");
    assert_eq!(lang_of("user3@example.org"), "fi");
    assert_eq!(lang_of("reporter@example.org"), "en");
    // The sender's name is in the reader's language too.
    for (rcpt, from) in [
        ("user0@example.org", "From: Testikunta <press@example.org>"),
        (
            "user1@example.org",
            "From: Testkommunen <press@example.org>",
        ),
        (
            "user2@example.org",
            "From: \"Test Municipality\" <press@example.org>",
        ),
    ] {
        assert!(
            by_rcpt[rcpt].lines().any(|l| l == from),
            "{rcpt}: {}",
            &by_rcpt[rcpt][..600]
        );
    }

    // Headers a mail client and Gmail look for.
    let msg = &by_rcpt["user2@example.org"];
    assert!(
        msg.contains("\r\nTo: \"User 2\" <user2@example.org>\r\n")
            || msg.contains("\r\nTo: User 2 <user2@example.org>\r\n"),
        "{msg}"
    );
    assert!(
        msg.contains("List-Unsubscribe: <https://press.example.org/unsubscribe/"),
        "{msg}"
    );
    assert!(msg.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert!(msg.contains("List-Id: news <news.example.org>"));
    assert!(msg.contains("Content-Type: multipart/alternative"));
    assert!(msg.find("text/plain").unwrap() < msg.find("text/html").unwrap());
    assert!(
        subject_line(msg).contains("The bridge opens"),
        "{}",
        subject_line(msg)
    );

    // The journal: everyone sent, once; a second send sends nothing.
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec!["sent|41"]
    );
    let o = room.run(&[
        "send",
        "bridge",
        "--list",
        "news",
        "--list",
        "journalists",
        "--yes",
    ]);
    assert!(stdout(&o).contains("Nothing to send"), "{}", stdout(&o));
    assert_eq!(server.accepted().len(), 41);
}

#[test]
fn faults_are_retried_failed_or_suppressed_as_smtp_says() {
    let server = SmtpServer::start();
    let mut room = Room::new(2);
    room.relays = server.url();
    room.import("news", &subscribers_csv(12));
    server.fault("user1@example.org", &[Fault::Rcpt(451), Fault::Rcpt(451)]);
    server.fault("user2@example.org", &[Fault::Rcpt(421)]);
    server.fault("user3@example.org", &[Fault::Rcpt(550)]);
    server.fault("user4@example.org", &[Fault::Rcpt(552)]);
    server.fault("user5@example.org", &[Fault::DropInData]);
    server.fault("user6@example.org", &[Fault::Rcpt(451); 4]);

    let o = room.run(&["send", "bridge", "--yes"]);
    // Failures make the exit code 1, after everything else was sent.
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("user3@example.org:")
            && out.contains("user6@example.org: gave up after 4 attempts"),
        "{out}"
    );

    delivered_once_to_all_but(
        &server,
        12,
        &[
            "user3@example.org",
            "user4@example.org",
            "user6@example.org",
        ],
    );

    let failed = room.query(
        "SELECT email, status, attempts FROM deliveries WHERE status != 'sent' ORDER BY email",
    );
    assert_eq!(
        failed,
        vec![
            "user3@example.org|failed|1",
            "user4@example.org|failed|1",
            "user6@example.org|failed|4"
        ]
    );
    assert_eq!(
        room.query("SELECT attempts FROM deliveries WHERE email = 'user1@example.org'"),
        vec!["3"]
    );
    assert_eq!(
        room.query("SELECT attempts FROM deliveries WHERE email = 'user5@example.org'"),
        vec!["2"]
    );
    // 550 is a hard bounce: suppressed. 552 is not a mailbox error: not suppressed.
    let hash3 = pressroom::subscribers::EmailAddress::parse("user3@example.org")
        .unwrap()
        .hash();
    assert_eq!(
        room.query("SELECT email_hash, reason FROM suppressions"),
        vec![format!("{hash3}|hard_bounce")]
    );
    // A refused RCPT was followed by RSET, not by a dirty transaction.
    assert!(server.rsets() >= 6, "RSETs: {}", server.rsets());
    // The retried message after the dropped DATA is the same message.
    let seen: Vec<_> = server
        .data_seen()
        .into_iter()
        .filter(|a| a.rcpt == "user5@example.org")
        .collect();
    let id = |d: &str| {
        d.lines()
            .find(|l| l.starts_with("Message-ID:"))
            .unwrap()
            .to_string()
    };
    assert_eq!(seen.len(), 2);
    assert_eq!(id(&seen[0].data), id(&seen[1].data));

    let o = room.run(&["deliveries", "bridge"]);
    let report = stdout(&o);
    assert!(
        report.contains("user4@example.org (news, 1 attempts): permanent error (552)"),
        "{report}"
    );
}

#[test]
fn only_a_refused_recipient_is_suppressed_and_policy_refusals_fail_without_suppressing() {
    let server = SmtpServer::start();
    let mut room = Room::new(1);
    room.relays = server.url();
    room.import("news", &subscribers_csv(6));
    server.fault(
        "user1@example.org",
        &[Fault::RcptReply(
            "550 5.1.1 <user1@example.org>: Recipient address rejected: User unknown",
        )],
    );
    server.fault(
        "user2@example.org",
        &[Fault::RcptReply(
            "550 5.7.1 <user2@example.org>: Relay access denied",
        )],
    );
    server.fault("user3@example.org", &[Fault::DataReply("554 5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy")]);
    server.fault(
        "user4@example.org",
        &[Fault::RcptReply(
            "553 5.7.1 <press@example.org>: Sender address rejected: not owned by user",
        )],
    );
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(
        room.query("SELECT email, status FROM deliveries WHERE status != 'sent' ORDER BY email"),
        vec![
            "user1@example.org|failed",
            "user2@example.org|failed",
            "user3@example.org|failed",
            "user4@example.org|failed"
        ]
    );
    let hash1 = pressroom::subscribers::EmailAddress::parse("user1@example.org")
        .unwrap()
        .hash();
    assert_eq!(
        room.query("SELECT email_hash, reason FROM suppressions"),
        vec![format!("{hash1}|hard_bounce")],
        "only the unknown user is suppressed"
    );
    assert!(stdout(&o).contains("5.7.26"), "{}", stdout(&o));
}

#[test]
fn a_relay_refusing_the_sender_trips_the_breaker_suppresses_nobody_and_keeps_everyone_queued() {
    let server = SmtpServer::start();
    let mut room = Room::new(1);
    room.relays = server.url();
    room.import("news", &subscribers_csv(30));
    server.refuse_sender(Some(
        "553 5.7.1 <press@example.org>: Sender address rejected: not owned by user relay",
    ));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("20 permanent failures in a row")
            && out.contains("Sender address rejected: not owned by user relay"),
        "{out}"
    );
    assert!(room.query("SELECT * FROM suppressions").is_empty());
    // The breaker stopped the run after 20 refusals: the rest was never
    // tried, and the refused ones went back to the queue.
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec!["queued|30"]
    );
    assert_eq!(
        room.query("SELECT COUNT(*) FROM deliveries WHERE attempts > 0"),
        vec!["20"]
    );
    // Once the relay is fixed, the next run reaches everyone.
    server.refuse_sender(None);
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(delivered(&server), expected(30));
}

#[test]
fn a_relay_that_is_down_is_avoided_while_another_works() {
    let server = SmtpServer::start();
    let mut room = Room::new(3);
    room.relays = format!("smtp://127.0.0.1:{},{}", dead_port(), server.url());
    room.import("news", &subscribers_csv(30));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(delivered(&server), expected(30));
    assert!(server.counts().values().all(|&n| n == 1));
}

#[test]
fn when_every_relay_is_down_the_run_stops_and_resumes_later() {
    let mut room = Room::new(2);
    room.relays = format!("smtp://127.0.0.1:{}", dead_port());
    room.import("news", &subscribers_csv(10));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("every relay is unreachable"), "{out}");
    assert!(
        out.contains("run `pressroom send bridge` again to resume"),
        "{out}"
    );
    assert_eq!(
        room.query("SELECT status, COUNT(*), SUM(attempts) FROM deliveries GROUP BY status"),
        vec!["queued|10|0"]
    );

    let server = SmtpServer::start();
    room.relays = server.url();
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(delivered(&server), expected(10));
}

#[test]
fn after_kill_9_the_next_run_reaches_everyone_and_repeats_at_most_the_messages_in_flight() {
    let concurrency = 4;
    let server = SmtpServer::start();
    server.set_delay(Duration::from_millis(15));
    let mut room = Room::new(concurrency);
    room.relays = server.url();
    room.import("news", &subscribers_csv(200));

    let mut child = room.spawn(&["send", "bridge", "--yes"]);
    let start = Instant::now();
    while server.accepted().len() < 60 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "sending did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = server.accepted().len();
    assert!(before < 200, "the kill came too late to test anything");
    let states =
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status");
    assert!(
        states
            .iter()
            .any(|s| s.starts_with("queued|") || s.starts_with("sending|")),
        "{states:?}"
    );

    server.set_delay(Duration::ZERO);
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(delivered(&server), expected(200));
    let duplicates: usize = server.counts().values().map(|n| n - 1).sum();
    assert!(
        duplicates <= concurrency,
        "{duplicates} duplicates after kill -9 with {concurrency} connections"
    );
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec!["sent|200"]
    );
}

#[test]
fn ctrl_c_finishes_in_flight_messages_and_says_how_to_resume() {
    let server = SmtpServer::start();
    let mut room = Room::new(2);
    room.relays = server.url();
    room.import("news", &subscribers_csv(100));
    // The relay holds every message: the send is certainly mid-way when
    // Ctrl-C comes, whatever the machine's speed.
    server.hold(true);
    let mut child = room.spawn(&["send", "bridge", "--yes"]);
    let start = Instant::now();
    while server.data_seen().len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no message in flight"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    // Release the relay only once pressroom says it is stopping.
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("Stopping after the messages in flight") {
        line.clear();
        assert!(
            std::io::BufRead::read_line(&mut err, &mut line).unwrap() > 0,
            "pressroom ended without saying it stops"
        );
    }
    server.hold(false);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("again to resume"), "{}", stdout(&o));
    // The two messages in flight were finished; nothing else was started.
    let sent = server.accepted().len();
    assert_eq!(sent, 2, "{}", stdout(&o));
    // Nothing is left half-done: every row is sent or queued, and sent rows match the server.
    let rows =
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status");
    assert_eq!(
        rows,
        vec![format!("queued|{}", 100 - sent), format!("sent|{sent}")]
    );
}

#[test]
fn suppressed_unsubscribed_and_forgotten_addresses_are_never_mailed_or_resubscribed() {
    let server = SmtpServer::start();
    let mut room = Room::new(2);
    room.relays = server.url();
    let csv = "email;name;lang\r\nuser0@example.org;A;fi\r\nnot-an-address;B;fi\r\nuser1@example.org;C;sv\r\nUSER1@EXAMPLE.ORG;C2;sv\r\nuser2@example.org;D;en\r\n";
    let o = room.import("news", csv);
    let out = stdout(&o);
    assert!(
        out.contains("import-news.csv:3: skipped: 'not-an-address' has no '@'"),
        "{out}"
    );
    assert!(
        out.contains("added                                     3"),
        "{out}"
    );
    room.run(&[
        "subscribers",
        "remove",
        "user0@example.org",
        "--list",
        "news",
    ]);
    room.run(&["subscribers", "forget", "user1@example.org"]);
    // Re-importing the same file resubscribes neither.
    let o = room.import("news", csv);
    let out = stdout(&o);
    assert!(
        out.contains("user0@example.org is unsubscribed from this list"),
        "{out}"
    );
    assert!(
        out.contains("user1@example.org is erased on request (forget)"),
        "{out}"
    );
    // Nor does the CSV list: user0 unsubscribed from news only, so journalists still reach them;
    // user1 was forgotten: suppressed everywhere.
    std::fs::write(
        room.root().join("subscribers/journalists.csv"),
        "email\nuser1@example.org\nuser0@example.org\n",
    )
    .unwrap();
    let o = room.run(&[
        "send",
        "bridge",
        "--list",
        "news",
        "--list",
        "journalists",
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        delivered(&server),
        vec!["user0@example.org", "user2@example.org"]
    );
    assert!(
        server
            .accepted()
            .iter()
            .all(|a| !a.data.contains("user1@example.org"))
    );
    // forget left no personal data behind.
    assert!(
        room.query("SELECT email FROM subscribers")
            .iter()
            .all(|e| e != "user1@example.org")
    );
    assert_eq!(
        room.query("SELECT COUNT(*) FROM deliveries WHERE email = 'user1@example.org'"),
        vec!["0"]
    );
}

#[test]
fn dry_run_counts_by_language_lists_recipients_only_when_asked_and_changes_nothing() {
    let mut room = Room::new(2);
    room.relays = format!("smtp://127.0.0.1:{}", dead_port());
    room.import("news", &subscribers_csv(8));
    let o = room.run(&["send", "bridge", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        !out.contains("@example.org"),
        "no address without --recipients: {out}"
    );
    assert!(out.contains("  news            sv             2"), "{out}");
    let listed = room.run(&["send", "bridge", "--dry-run", "--recipients"]);
    assert!(
        stdout(&listed).contains("user1@example.org\tsv\tnews"),
        "{}",
        stdout(&listed)
    );
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("total") && l.trim_end().ends_with(" 8")),
        "{out}"
    );
    assert_eq!(room.query("SELECT COUNT(*) FROM deliveries"), vec!["0"]);
}

#[test]
fn without_a_terminal_sending_needs_yes() {
    let mut room = Room::new(2);
    room.relays = format!("smtp://127.0.0.1:{}", dead_port());
    room.import("news", &subscribers_csv(3));
    let o = room.run(&["send", "bridge"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pass --yes"), "{}", stderr(&o));
    assert_eq!(room.query("SELECT COUNT(*) FROM deliveries"), vec!["0"]);
}

#[test]
fn clear_messages_for_unknown_lists_no_recipients_and_a_bad_secret() {
    let mut room = Room::new(2);
    room.relays = format!("smtp://127.0.0.1:{}", dead_port());
    let o = room.run(&["subscribers", "add", "a@example.org", "--list", "nwes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown list 'nwes' (did you mean 'news'?)"),
        "{}",
        stderr(&o)
    );
    let o = room.run(&["send", "bridge", "--yes"]);
    assert!(stdout(&o).contains("Nothing to send"), "{}", stdout(&o));
    room.import("news", &subscribers_csv(2));
    let o = room
        .command(&["send", "bridge", "--yes"])
        .env("PRESSROOM_SECRET", "short")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("PRESSROOM_SECRET is too short"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec!["queued|2"]
    );
}

#[test]
fn without_relays_messages_go_to_the_outbox_and_publish_is_idempotent() {
    let room = Room::new(2);
    room.import("news", &subscribers_csv(5));
    let o = room.run(&["publish", "--yes", "--now", "2026-11-01T12:00:00+02:00"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let outbox = || {
        std::fs::read_dir(room.root().join("outbox/bridge"))
            .unwrap()
            .count()
    };
    assert_eq!(outbox(), 5);
    assert!(room.root().join("public/fi/bridge/index.html").is_file());
    let o = room.run(&["publish", "--yes", "--now", "2026-11-01T12:00:00+02:00"]);
    assert!(stdout(&o).contains("Nothing new to send"), "{}", stdout(&o));
    assert_eq!(outbox(), 5);
    // Someone who joins after the release went out gets the next releases,
    // not this one: on the next run and on an explicit `send`.
    room.run(&["subscribers", "add", "late@example.org", "--list", "news"]);
    std::fs::write(
        room.root().join("subscribers/journalists.csv"),
        "email;name;lang\nlate-csv@example.org;Late;sv\n",
    )
    .unwrap();
    let o = room.run(&["publish", "--yes", "--now", "2026-11-01T12:05:00+02:00"]);
    assert!(stdout(&o).contains("Nothing new to send"), "{}", stdout(&o));
    let o = room.run(&[
        "send",
        "bridge",
        "--yes",
        "--now",
        "2026-11-01T12:05:00+02:00",
    ]);
    assert!(
        stdout(&o).contains("people who joined since get the releases published after that"),
        "{}",
        stdout(&o)
    );
    assert_eq!(outbox(), 5);
    assert!(
        room.query("SELECT 1 FROM deliveries WHERE email LIKE 'late%'")
            .is_empty()
    );
    // The plan counts them, and `--include-new-members` sends to them (the
    // database list's new member; a CSV list is read once, when first sent).
    assert!(
        stdout(&o).contains("1 people joined since and have not had it"),
        "{}",
        stdout(&o)
    );
    let o = room.run(&[
        "send",
        "bridge",
        "--include-new-members",
        "--yes",
        "--now",
        "2026-11-01T12:06:00+02:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(outbox(), 6);
    assert_eq!(
        room.query("SELECT email, status FROM deliveries WHERE email LIKE 'late%'"),
        ["late@example.org|sent"]
    );
}

#[test]
fn publish_on_a_fresh_database_emails_no_back_catalogue_but_send_can_on_purpose() {
    let room = Room::new(2);
    room.import("news", &subscribers_csv(3));
    // Three weeks after the release: it is on the site, but not emailed.
    let o = room.run(&["publish", "--yes", "--now", "2026-11-22T08:00:00+02:00"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Too old to email (published more than 2 days ago")
            && out.contains("Silta avataan  [bridge]"),
        "{out}"
    );
    assert!(out.contains("Nothing new to send"), "{out}");
    assert!(!room.root().join("outbox").exists());
    assert!(room.root().join("public/fi/bridge/index.html").is_file());
    assert_eq!(room.query("SELECT COUNT(*) FROM deliveries"), vec!["0"]);
    // max_age is a setting.
    let with_age = "max_attempts = 4\nmax_age = \"4 weeks\"";
    room.edit_config("max_attempts = 4", with_age);
    let o = room.run(&["publish", "--dry-run", "--now", "2026-11-22T08:00:00+02:00"]);
    assert!(
        stdout(&o).contains("Would send 3 messages"),
        "{}",
        stdout(&o)
    );
    room.edit_config(with_age, "max_attempts = 4");
    // On purpose, with `send`.
    let o = room.run(&[
        "send",
        "bridge",
        "--yes",
        "--now",
        "2026-11-22T08:00:00+02:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec!["sent|3"]
    );
}

#[test]
fn a_renamed_release_is_not_emailed_again_and_check_warns() {
    let room = Room::new(2);
    room.import("news", &subscribers_csv(4));
    let now = "2026-11-01T12:00:00+02:00";
    let o = room.run(&["publish", "--yes", "--now", now]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(
        room.query("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"),
        vec!["4"]
    );
    // Renaming the files and changing the key: a new identity.
    for lang in ["fi", "sv", "en"] {
        let old = room
            .root()
            .join(format!("releases/2026-11-01-bridge.{lang}.md"));
        let text = std::fs::read_to_string(&old).unwrap();
        std::fs::remove_file(&old).unwrap();
        std::fs::write(
            room.root()
                .join(format!("releases/2026-11-01-new-bridge.{lang}.md")),
            text.replace("translation_key: bridge", "translation_key: new-bridge"),
        )
        .unwrap();
    }
    let o = room.run(&["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2026-11-01-new-bridge.fi.md:4:1: warning: this release was emailed as 'bridge' and is now 'new-bridge'"),
        "{}",
        stderr(&o)
    );
    let o = room.run(&["publish", "--yes", "--now", now]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("emailed before as 'bridge', now 'new-bridge': not sent again"),
        "{}",
        stdout(&o)
    );
    assert_eq!(room.query("SELECT COUNT(*) FROM deliveries"), vec!["4"]);
    // Renaming only the files keeps the identity: nothing to warn about.
    for lang in ["fi", "sv", "en"] {
        let p = room
            .root()
            .join(format!("releases/2026-11-01-new-bridge.{lang}.md"));
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(
            &p,
            text.replace("translation_key: new-bridge", "translation_key: bridge"),
        )
        .unwrap();
    }
    let o = room.run(&["check"]);
    assert!(!stderr(&o).contains("was emailed as"), "{}", stderr(&o));
    let o = room.run(&["publish", "--yes", "--now", now]);
    assert!(stdout(&o).contains("Nothing new to send"), "{}", stdout(&o));
}

#[test]
fn status_shows_every_release_and_publish_dry_run_changes_nothing() {
    let room = Room::new(2);
    std::fs::write(
        room.root().join("releases/2026-12-01-later.fi.md"),
        "---\ntitle: Myöhemmin\ndate: 2026-12-01 10:00\nlists: [news]\n---\nTeksti.\n",
    )
    .unwrap();
    std::fs::write(
        room.root().join("releases/2026-10-30-draft.fi.md"),
        "---\ntitle: Luonnos\ndate: 2026-10-30 10:00\ndraft: true\n---\nTeksti.\n",
    )
    .unwrap();
    std::fs::write(
        room.root().join("releases/2026-10-29-site.sv.md"),
        "---\ntitle: Bara på webben\ndate: 2026-10-29 10:00\nemail: false\n---\nText.\n",
    )
    .unwrap();
    room.import("news", &subscribers_csv(6));
    let now = "2026-11-01T12:00:00+02:00";
    let o = room.run(&["publish", "--dry-run", "--now", now]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Would build"), "{out}");
    assert!(out.contains("       6  Silta avataan"), "{out}");
    assert!(out.contains("Would send 6 messages"), "{out}");
    assert!(
        out.contains("Dry run: nothing was built, sent or recorded."),
        "{out}"
    );
    // Counts per list and language, and who is left out: no address.
    assert!(
        out.contains("Dry run: “Silta avataan” to lists news"),
        "{out}"
    );
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("news "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["news", "en", "1"],
            ["news", "fi", "3"],
            ["news", "sv", "2"]
        ],
        "{out}"
    );
    assert!(out.contains("had it already"), "{out}");
    assert!(!out.contains("@example.org"), "{out}");
    assert!(!room.root().join("public").exists());
    assert_eq!(room.query("SELECT COUNT(*) FROM deliveries"), vec!["0"]);
    assert_eq!(room.query("SELECT COUNT(*) FROM planned_lists"), vec!["0"]);
    // Addresses only when asked for; still nothing recorded.
    let o = room.run(&["publish", "--dry-run", "--recipients", "--now", now]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("@example.org\t").count(), 6, "{out}");
    assert_eq!(room.query("SELECT COUNT(*) FROM deliveries"), vec!["0"]);

    room.run(&["send", "bridge", "--yes", "--now", now]);
    room.run(&["subscribers", "add", "late@example.org", "--list", "news"]);
    let o = room.run(&["status", "--now", now]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let line = |needle: &str| {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle}: {out}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("Silta avataan"),
        "2026-11-01 Silta avataan fi sv en published 6 0 0"
    );
    assert_eq!(
        line("Myöhemmin"),
        "2026-12-01 Myöhemmin fi scheduled 2026-12-01 10:00 0 0 0"
    );
    assert_eq!(line("Luonnos"), "2026-10-30 Luonnos fi draft - - -");
    assert_eq!(
        line("Bara på webben"),
        "2026-10-29 Bara på webben sv web only - - -"
    );
    assert!(out.contains("Nothing new to send"), "{out}");
}

#[test]
fn an_embargoed_release_is_not_sent_before_its_time() {
    let room = Room::new(2);
    room.import("news", &subscribers_csv(3));
    let o = room.run(&["publish", "--yes", "--now", "2026-10-01T08:00:00+02:00"]);
    assert!(stdout(&o).contains("Nothing new to send"), "{}", stdout(&o));
    let o = room.run(&[
        "send",
        "bridge",
        "--yes",
        "--now",
        "2026-10-01T08:00:00+02:00",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("under embargo until 2026-11-01 09:00"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn max_per_hour_stops_the_run_and_leaves_the_rest_queued() {
    let server = SmtpServer::start();
    let mut room = Room::new(1);
    room.relays = server.url();
    room.edit_config("max_attempts = 4", "max_attempts = 4\nmax_per_hour = 5");
    room.import("news", &subscribers_csv(8));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("max_per_hour reached"),
        "{}",
        stdout(&o)
    );
    assert_eq!(server.accepted().len(), 5);
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status"),
        vec!["queued|3", "sent|5"]
    );
}

/// The recipients the relay accepted, each once.
fn distinct_recipients(accepted: &[crate::common::smtp::Accepted]) -> Vec<&str> {
    let mut rcpts: Vec<&str> = accepted.iter().map(|a| a.rcpt.as_str()).collect();
    rcpts.sort_unstable();
    rcpts.dedup();
    rcpts
}

/// Signing is a stage of its own (a thread per core ahead of the SMTP
/// sessions): every message still reaches the relay once, signed, with its
/// own recipient's unsubscribe headers under the signature.
#[test]
fn signed_messages_reach_a_real_relay_once_each_and_every_signature_verifies() {
    let server = SmtpServer::start();
    let mut room = Room::new(4);
    room.relays = server.url();
    let key = room.root().join("dkim.pem");
    crate::common::dkim::make_rsa_key(&key);
    let rsa_txt = crate::common::dkim::rsa_txt(&key);
    room.append_config(
        "[delivery.dkim]\nselector = \"e2e\"\ndomain = \"example.org\"\nkey_file = \"dkim.pem\"\n",
    );
    room.import("news", &subscribers_csv(40));
    let o = room.run(&[
        "send",
        "bridge",
        "--yes",
        "--now",
        "2026-11-01T12:00:00+02:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let accepted = server.accepted();
    let rcpts = distinct_recipients(&accepted);
    assert_eq!((accepted.len(), rcpts.len()), (40, 40));
    let dir = tempfile::tempdir().unwrap();
    for (i, a) in accepted.iter().enumerate() {
        assert!(a.data.starts_with("DKIM-Signature: "), "{}", a.data);
        let eml = dir.path().join(format!("{i}.eml"));
        std::fs::write(&eml, a.data.replace("\r\n", "\n").replace('\n', "\r\n")).unwrap();
        let lines = crate::common::dkim::verify(&eml, &rsa_txt, crate::common::dkim::ED25519_TXT);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("a=rsa-sha256 ok "),
            "{} {lines:?}",
            a.rcpt
        );
    }
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec!["sent|40"]
    );
}

/// A run that stops while the signing stage holds messages built ahead
/// gives every unsent one back to the queue: nothing is lost, nothing sent
/// twice on the next run.
#[test]
fn a_stop_with_signed_messages_waiting_leaves_them_queued_for_the_next_run() {
    let server = SmtpServer::start();
    let mut room = Room::new(3);
    room.relays = server.url();
    crate::common::dkim::make_rsa_key(&room.root().join("dkim.pem"));
    room.append_config(
        "[delivery.dkim]\nselector = \"e2e\"\ndomain = \"example.org\"\nkey_file = \"dkim.pem\"\n",
    );
    room.edit_config("max_attempts = 4", "max_attempts = 4\nmax_per_hour = 7");
    room.import("news", &subscribers_csv(30));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("max_per_hour reached"),
        "{}",
        stdout(&o)
    );
    assert_eq!(server.accepted().len(), 7);
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status"),
        vec!["queued|23", "sent|7"]
    );
    room.edit_config("max_per_hour = 7", "max_per_hour = 0");
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let accepted = server.accepted();
    let rcpts = distinct_recipients(&accepted);
    assert_eq!((accepted.len(), rcpts.len()), (30, 30));
}

#[test]
fn a_test_copy_goes_to_one_address_only_and_is_not_recorded() {
    let server = SmtpServer::start();
    let mut room = Room::new(1);
    room.relays = server.url();
    room.import("news", &subscribers_csv(3));
    let o = room.run(&[
        "send",
        "bridge",
        "--to",
        "editor@example.org",
        "--lang",
        "sv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(
            "Test copy of releases/2026-11-01-bridge.sv.md (sv) sent to editor@example.org"
        ),
        "{}",
        stdout(&o)
    );
    let accepted = server.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].rcpt, "editor@example.org");
    assert!(accepted[0].data.contains("Body in sv"));
    assert_eq!(room.query("SELECT COUNT(*) FROM deliveries"), vec!["0"]);
}

#[test]
fn a_second_sender_on_the_same_database_waits_its_turn() {
    let server = SmtpServer::start();
    let mut room = Room::new(1);
    room.relays = server.url();
    room.import("news", &subscribers_csv(60));
    // The relay holds the first message, so the first sender is certainly
    // still sending when the second starts.
    server.hold(true);
    let first = room.spawn(&["send", "bridge", "--yes"]);
    let start = Instant::now();
    while server.data_seen().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no message in flight"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("another `pressroom send` or `publish` is sending"),
        "{}",
        stderr(&o)
    );
    server.hold(false);
    let o = first.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(delivered(&server), expected(60));
    assert!(server.counts().values().all(|&n| n == 1));
}

#[test]
fn a_message_the_relay_accepted_is_on_record_at_once_while_the_relay_holds_the_next() {
    let server = SmtpServer::start();
    let mut room = Room::new(1);
    room.relays = server.url();
    room.import("news", &subscribers_csv(12));
    // Three messages accepted at once (their journal commit waits for a
    // group or a few milliseconds), then the relay holds the fourth, as a
    // relay gone slow does: the session waits, and nothing else of the
    // run moves.
    server.hold_after(3);
    let run = room.spawn(&["send", "bridge", "--yes"]);
    let start = Instant::now();
    while server.data_seen().len() < 4 {
        assert!(start.elapsed() < Duration::from_secs(60), "no message held");
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = || {
        room.query("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")[0]
            .parse::<usize>()
            .unwrap()
    };
    let start = Instant::now();
    while sent() < 3 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let on_record = sent();
    server.release();
    let o = run.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        on_record, 3,
        "the three messages the relay accepted are `sent` in the journal while the fourth is held"
    );
    assert_eq!(delivered(&server), expected(12));
    assert!(server.counts().values().all(|&n| n == 1));
}

/// Runs `args` with a deadline: a hung run fails the test instead of hanging it.
fn run_with_deadline(room: &Room, args: &[&str], limit: Duration) -> std::process::Output {
    let mut child = room.spawn(args);
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!(
                "`pressroom {}` still running after {limit:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn line_breaks_and_control_characters_in_names_never_hang_a_send() {
    let server = SmtpServer::start();
    let mut room = Room::new(2);
    room.relays = server.url();
    // A multi-line quoted cell on the CSV list; NUL and CR in an import.
    std::fs::write(
        room.root().join("subscribers/journalists.csv"),
        "email;name;lang\ncsv@example.org;\"Anna\nVirtanen\";fi\n",
    )
    .unwrap();
    let o = room.import("news", "email,name\nimp@example.org,\"Bo\rBerg\0\"\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("line breaks or control characters"),
        "{}",
        stdout(&o)
    );
    let o = room.run(&[
        "subscribers",
        "add",
        "add@example.org",
        "--list",
        "news",
        "--name",
        "Cecilia\nEk",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        room.query("SELECT name FROM subscribers ORDER BY email"),
        vec!["Cecilia Ek", "Bo Berg"]
    );
    // A row written before names were cleaned, straight into the database.
    room.query(
        "INSERT INTO subscribers (email_hash, email, name, lang, created_at)
         VALUES ('00legacy', 'legacy@example.org', 'Dan' || char(10) || 'Dahl' || char(13) || char(0), 'fi', '2026-01-01')",
    );
    room.query(
        "INSERT INTO memberships VALUES ('00legacy', 'news', 'confirmed', '2026-01-01', 'test', '2026-01-01')",
    );
    let o = run_with_deadline(
        &room,
        &[
            "send",
            "bridge",
            "--list",
            "news",
            "--list",
            "journalists",
            "--yes",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(
        delivered(&server),
        vec![
            "add@example.org",
            "csv@example.org",
            "imp@example.org",
            "legacy@example.org"
        ]
    );
    let to_of = |rcpt: &str| {
        let a = server
            .accepted()
            .into_iter()
            .find(|a| a.rcpt == rcpt)
            .unwrap();
        a.data
            .lines()
            .find(|l| l.starts_with("To:"))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        to_of("csv@example.org"),
        "To: \"Anna Virtanen\" <csv@example.org>"
    );
    assert_eq!(
        to_of("legacy@example.org"),
        "To: \"Dan Dahl\" <legacy@example.org>"
    );
    assert_eq!(
        room.query("SELECT COUNT(*) FROM deliveries WHERE status != 'sent'"),
        vec!["0"]
    );
}

/// Every file under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut hits = vec![];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return hits;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            hits.extend(files_containing(&p, needle));
        } else {
            let bytes = std::fs::read(&p).unwrap().to_ascii_lowercase();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                hits.push(p.display().to_string());
            }
        }
    }
    hits
}

#[cfg(unix)]
#[test]
fn forget_leaves_no_copy_in_the_database_its_wal_or_the_outbox() {
    use std::os::unix::fs::PermissionsExt;
    let room = Room::new(2);
    let o = room.import("news", &subscribers_csv(30));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = room.run(&["send", "bridge", "--list", "news", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = room.run(&["send", "bridge", "--to", "user7@example.org", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let needle = b"user7@example.org";
    let outbox = room.root().join("outbox");
    assert_eq!(
        files_containing(&outbox, needle).len(),
        2,
        "a message and a test copy"
    );
    // Private files: the database, its WAL, the outbox and its messages.
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for p in [
        room.db(),
        files_containing(&outbox, needle)[0].clone().into(),
    ] {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    assert_eq!(mode(&outbox), 0o700);

    let o = room.run(&["subscribers", "forget", "User7@Example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 outbox files"), "{}", stdout(&o));
    let db_dir = room.root().join("subscribers");
    assert_eq!(
        files_containing(&db_dir, needle),
        Vec::<String>::new(),
        "the database and its WAL"
    );
    assert_eq!(files_containing(&outbox, needle), Vec::<String>::new());
    // The others are untouched.
    assert_eq!(files_containing(&outbox, b"user8@example.org").len(), 1);
    assert!(!files_containing(&db_dir, b"user8@example.org").is_empty());
}

/// The WAL exists only while the database is open (the last connection
/// removes it): it is looked at in the middle of a send, while the relay
/// holds its replies.
#[cfg(unix)]
#[test]
fn while_a_send_runs_its_wal_and_shared_memory_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = SmtpServer::start();
    let mut room = Room::new(2);
    room.relays = server.url();
    room.import("news", &subscribers_csv(20));
    server.hold(true);
    let mut child = room.spawn(&["send", "bridge", "--yes"]);
    let side = |suffix: &str| {
        room.root()
            .join(format!("subscribers/pressroom.db{suffix}"))
    };
    let start = Instant::now();
    while !(side("-wal").exists() && side("-shm").exists()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the send never opened its database"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for suffix in ["", "-wal", "-shm"] {
        assert_eq!(mode(&side(suffix)), 0o600, "pressroom.db{suffix}");
    }
    server.hold(false);
    assert!(child.wait().unwrap().success());
    assert_eq!(delivered(&server), expected(20));
}

#[test]
fn with_both_keys_a_message_carries_an_rsa_then_an_ed25519_signature_and_dkimpy_verifies_both() {
    let room = Room::new(1);
    let key = room.root().join("dkim.pem");
    crate::common::dkim::make_rsa_key(&key);
    let rsa_txt = crate::common::dkim::rsa_txt(&key);
    let ed_txt = crate::common::dkim::ED25519_TXT;
    std::fs::write(
        room.root().join("dkim-ed25519.key"),
        crate::common::dkim::ED25519_SEED,
    )
    .unwrap();
    room.append_config(
        "[delivery.dkim]\nselector = \"e2e\"\ndomain = \"example.org\"\nkey_file = \"dkim.pem\"\ned25519_key_file = \"dkim-ed25519.key\"\n",
    );
    room.import("news", &subscribers_csv(2));
    let o = room.run(&[
        "send",
        "bridge",
        "--yes",
        "--now",
        "2026-11-01T12:00:00+02:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let eml = room
        .root()
        .join("outbox/bridge")
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&eml).unwrap();
    assert!(text.contains("\r\nPrecedence: bulk\r\n"), "{text}");
    let lines = crate::common::dkim::verify(&eml, &rsa_txt, ed_txt);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("a=rsa-sha256 ok "), "{lines:?}");
    assert!(lines[1].starts_with("a=ed25519-sha256 ok "), "{lines:?}");
    for l in &lines {
        for h in [
            "from",
            "subject",
            "content-type",
            "list-unsubscribe",
            "list-unsubscribe-post",
            "message-id",
        ] {
            assert!(
                l.split(':').any(|x| x.ends_with(h) || x == h),
                "{h} not signed: {l}"
            );
        }
    }
    // A changed body breaks both.
    std::fs::write(&eml, text.replace("Body in", "Body altered in")).unwrap();
    let lines = crate::common::dkim::verify(&eml, &rsa_txt, ed_txt);
    assert_eq!(
        lines.iter().filter(|l| l.contains(" FAIL ")).count(),
        2,
        "{lines:?}"
    );
}

#[test]
fn an_address_with_letters_outside_ascii_needs_a_relay_with_smtputf8() {
    let server = SmtpServer::start();
    let mut room = Room::new(1);
    room.relays = server.url();
    let csv = "email;name;lang\nanna@example.org;Anna;fi\npäivi@example.org;Päivi;fi\n";
    let o = room.import("news", csv);
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        out.contains("line 3") || out.contains(":3:"),
        "the line is named: {out}"
    );
    assert!(out.contains("SMTPUTF8"), "{out}");
    assert_eq!(
        room.query("SELECT email FROM subscribers"),
        vec!["anna@example.org"]
    );
    let o = room.run(&["subscribers", "add", "päivi@example.org", "--list", "news"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("smtputf8 = true"), "{}", stderr(&o));

    room.edit_config("max_attempts = 4", "max_attempts = 4\nsmtputf8 = true");
    let o = room.import("news", csv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = room.run(&[
        "send",
        "bridge",
        "--yes",
        "--now",
        "2026-11-01T12:00:00+02:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(
        delivered(&server),
        vec!["anna@example.org", "päivi@example.org"]
    );
    let mails = server.mail_commands();
    assert_eq!(
        mails.iter().filter(|m| m.ends_with(" SMTPUTF8")).count(),
        1,
        "{mails:?}"
    );
}

#[test]
fn a_relay_that_wants_a_login_gets_the_credentials_from_the_environment() {
    let server = SmtpServer::start();
    server.require_login("press", "s3cret pass");
    let mut room = Room::new(2);
    room.relays = server.url();
    room.import("news", &subscribers_csv(3));
    let now = "2026-11-01T12:00:00+02:00";
    // A wrong password stops the run with the relay's answer; all stay queued.
    let o = room
        .command(&["send", "bridge", "--yes", "--now", now])
        .env("PRESSROOM_SMTP_USER", "press")
        .env("PRESSROOM_SMTP_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("refused the login"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(server.logins().1 >= 1);
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec!["queued|3"]
    );
    // The right credentials, from the environment, are sent and accepted.
    let o = room
        .command(&["send", "bridge", "--yes", "--now", now])
        .env("PRESSROOM_SMTP_USER", "press")
        .env("PRESSROOM_SMTP_PASSWORD", "s3cret pass")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(delivered(&server), expected(3));
    assert!(server.logins().0 >= 1);
}

#[test]
fn with_pipelining_each_message_costs_one_round_trip_and_refusals_stay_apart() {
    // One connection, 20 messages. The next message's MAIL, RCPT and DATA
    // go with this one's content, so the relay never waits for a MAIL:
    // only for the EHLOs, the first MAIL and QUIT, 4 (two round trips a
    // message would make that 23).
    let (server, room) = relay_and_room(20, 1);
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(delivered(&server), expected(20));
    assert_eq!(server.connections(), 1);
    assert!(
        server.command_waits() <= 8,
        "the relay waited for {} commands",
        server.command_waits()
    );

    // Refusals of a message whose successor's commands already went: the
    // refused content, the recipient refused for good and for now. Each
    // touches its own message only, on the same connection.
    let (server, room) = relay_and_room(20, 1);
    server.fault(
        "user4@example.org",
        &[Fault::DataReply("554 5.7.1 content refused")],
    );
    server.fault("user5@example.org", &[Fault::Rcpt(550)]);
    server.fault("user13@example.org", &[Fault::Rcpt(451)]);
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    delivered_once_to_all_but(&server, 20, &["user4@example.org", "user5@example.org"]);
    assert_eq!(server.connections(), 1);
    assert_eq!(
        room.query(
            "SELECT email, status, attempts FROM deliveries WHERE status != 'sent' OR attempts > 1 ORDER BY email"
        ),
        vec![
            "user13@example.org|sent|2",
            "user4@example.org|failed|1",
            "user5@example.org|failed|1"
        ]
    );
    // The refused content's text is what the relay said of it, not of
    // the next message.
    let o = room.run(&["deliveries", "bridge"]);
    assert!(stdout(&o).contains("content refused"), "{}", stdout(&o));
}

#[test]
fn a_relay_without_pipelining_gets_one_command_at_a_time_and_every_message() {
    let server = SmtpServer::start();
    server.without_pipelining();
    server.require_login("press", "pw");
    let mut room = Room::new(2);
    room.relays = server.url();
    room.import("news", &subscribers_csv(6));
    let o = room
        .command(&[
            "send",
            "bridge",
            "--yes",
            "--now",
            "2026-11-01T12:00:00+02:00",
        ])
        .env("PRESSROOM_SMTP_USER", "press")
        .env("PRESSROOM_SMTP_PASSWORD", "pw")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(delivered(&server), expected(6));
    assert!(server.logins().0 >= 1 && server.logins().1 == 0);
}

#[test]
fn a_body_that_is_not_utf8_is_refused_before_any_command_never_altered() {
    use pressroom::config::relay::Relay;
    use pressroom::delivery::transport::{Connector, Envelope, SendError, Smtp, Stage, Transport};
    let server = SmtpServer::start();
    let connector = Connector::from_env(Duration::from_secs(5), None, "example.org");
    let transport = Transport::Smtp(Smtp::new(
        vec![Relay::parse(&server.url()).unwrap()],
        connector,
        Duration::from_secs(1),
    ));
    let from: lettre::Address = "press@example.org".parse().unwrap();
    let to = pressroom::subscribers::EmailAddress::parse("user1@example.org").unwrap();
    let envelope = Envelope {
        from: &from,
        to: &to,
        folder: "test",
        name: "x.eml",
    };
    let mut sender = transport.sender();
    let r = sender.send(&envelope, b"Subject: x\r\n\r\nLatin-1 \xe4\r\n");
    match r {
        Err(SendError::Permanent { stage, reply, .. }) => {
            assert_eq!(stage, Stage::Data);
            assert!(reply.contains("not 7-bit or UTF-8"), "{reply}");
        }
        other => panic!("{other:?}"),
    }
    assert!(server.mail_commands().is_empty());
    // The same connection still sends a proper message.
    sender
        .send(&envelope, "Subject: x\r\n\r\nUTF-8 ä\r\n".as_bytes())
        .unwrap();
    assert_eq!(server.accepted().len(), 1);
    assert!(server.accepted()[0].data.contains("UTF-8 ä"));
    drop(sender);
}

/// This machine's address on its outbound interface (not loopback). A UDP
/// "connect" only picks a route; nothing is sent.
fn non_loopback_ip() -> std::net::IpAddr {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    s.connect("192.0.2.1:9")
        .expect("this test needs a non-loopback IPv4 interface with a route");
    let ip = s.local_addr().unwrap().ip();
    assert!(!ip.is_loopback(), "no non-loopback address: {ip}");
    ip
}

#[test]
fn a_relay_elsewhere_that_does_not_offer_starttls_gets_no_message_in_the_clear() {
    let ip = non_loopback_ip();
    let server = SmtpServer::start_on(ip);
    let mut room = Room::new(2);
    room.relays = format!("smtp://{ip}:{}", server.port);
    room.import("news", &subscribers_csv(3));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("does not offer STARTTLS"),
        "{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(server.connections() >= 1, "pressroom never connected");
    assert!(server.mail_commands().is_empty());
    assert!(server.data_seen().is_empty());
    // Nothing is lost: every row waits for a relay that can take it.
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec!["queued|3"]
    );
}

#[test]
fn rate_per_second_spaces_messages_out_across_workers() {
    let server = SmtpServer::start();
    let mut room = Room::new(4);
    room.relays = server.url();
    room.edit_config("max_attempts = 4", "max_attempts = 4\nrate_per_second = 2");
    room.import("news", &subscribers_csv(6));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut at: Vec<_> = server.accepted().iter().map(|a| a.at).collect();
    assert_eq!(at.len(), 6);
    at.sort();
    // A slow machine can only spread messages further apart; in any one
    // second there are at most rate + 1 (a message that left late next to
    // the one after it). Unpaced, four workers send all six at once.
    for (i, start) in at.iter().enumerate() {
        let in_window = at[i..]
            .iter()
            .take_while(|t| t.duration_since(*start) < Duration::from_secs(1))
            .count();
        assert!(in_window <= 3, "{in_window} messages within one second");
    }
}

#[test]
fn with_a_return_path_each_message_has_its_own_signed_envelope_sender() {
    use pressroom::delivery::verp::ReturnPath;
    use pressroom::subscribers::{EmailAddress, Secret};
    let (server, room) = crate::common::room::sent_with_return_path(3, 2);
    let rp = ReturnPath::parse("bounces@bounce.example.org").unwrap();
    let secret = Secret::from_bytes(crate::common::room::SECRET.as_bytes());
    let release_id: i64 = room.query("SELECT id FROM release_ids WHERE release = 'bridge'")[0]
        .parse()
        .unwrap();
    let mut tagged: Vec<String> = server
        .envelope_senders()
        .iter()
        .map(|addr| {
            assert!(addr.starts_with("bounces+"), "{addr}");
            let tag = rp.tag_of(&secret, addr).expect("a tag pressroom signed");
            assert_eq!(tag.release_id, release_id);
            tag.hash_prefix
        })
        .collect();
    tagged.sort();
    let mut expected: Vec<String> = [
        "user0@example.org",
        "user1@example.org",
        "user2@example.org",
    ]
    .iter()
    .map(|a| EmailAddress::parse(a).unwrap().hash()[..20].to_string())
    .collect();
    expected.sort();
    assert_eq!(
        tagged, expected,
        "one tag per recipient, naming that recipient"
    );
    // The From header is not the return path.
    for a in server.accepted() {
        assert!(
            a.data.contains("From: Testikunta <press@example.org>"),
            "{}",
            a.data
        );
        assert!(
            !a.data.contains("bounces+"),
            "the tag leaks into the message"
        );
    }
}

#[test]
fn a_backup_made_during_a_send_restores_elsewhere_and_the_resumed_send_delivers_the_rest_once() {
    const N: usize = 10_000;
    let server = SmtpServer::start();
    let mut room = Room::new(4);
    room.relays = server.url();
    let o = room.import("news", &subscribers_csv(N));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A suppression, which the backup must carry.
    let o = room.run(&["subscribers", "remove", "user7@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let mut child = room.spawn(&["send", "bridge", "--yes"]);
    let start = Instant::now();
    while server.accepted().len() < 1500 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "sending did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The relay stops answering: the send is caught in the middle (messages
    // in flight, the rest queued) however fast this machine sends.
    server.hold(true);
    let file = room.root().join("backup.db");
    let o = room.run(&["backup", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("delivery journal rows"),
        "{}",
        stdout(&o)
    );
    let at_backup = server.accepted().len();
    child.kill().unwrap();
    child.wait().unwrap();
    server.hold(false);
    assert!(
        at_backup < N - 1,
        "the backup came too late to test anything"
    );

    // Everything the send does not change is in the backup as it is in the
    // database; the journal has every row.
    for sql in [
        "SELECT * FROM subscribers ORDER BY email_hash",
        "SELECT * FROM memberships ORDER BY email_hash, list",
        "SELECT * FROM suppressions ORDER BY email_hash",
        "SELECT * FROM suppression_log ORDER BY 1",
        "SELECT COUNT(*) FROM deliveries",
    ] {
        assert_eq!(
            crate::common::room::query(&file, sql),
            room.query(sql),
            "{sql}"
        );
    }
    assert_eq!(
        crate::common::room::query(&file, "SELECT COUNT(*) FROM suppressions"),
        vec!["1"]
    );
    let sent_before: Vec<String> = crate::common::room::query(
        &file,
        "SELECT s.email FROM deliveries d JOIN subscribers s ON s.email_hash = d.email_hash WHERE d.status = 'sent' ORDER BY s.email",
    );
    assert!(!sent_before.is_empty());

    // Restored into a fresh pressroom with the same releases and secret,
    // the send resumes: everyone the backup had not seen sent, once.
    let other = SmtpServer::start();
    let mut fresh = Room::new(4);
    fresh.relays = other.url();
    assert!(!fresh.db().exists());
    // Where there is no database yet, nothing is replaced: no question.
    let o = fresh.run(&["restore", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    // Over a database, without a terminal, it needs --yes.
    let o = fresh.run(&["restore", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    let o = fresh.run(&["restore", file.to_str().unwrap(), "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let o = fresh.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let resumed = delivered(&other);
    let duplicates: usize = other.counts().values().map(|n| n - 1).sum();
    assert_eq!(duplicates, 0, "each message of the resumed send went once");
    let mut all: Vec<String> = sent_before
        .iter()
        .cloned()
        .chain(resumed.iter().cloned())
        .collect();
    all.sort();
    let mut want = expected(N);
    want.retain(|a| a != "user7@example.org");
    assert_eq!(
        all, want,
        "the backup's sent and the resumed send are everyone, once"
    );
    assert_eq!(
        fresh.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status"),
        vec![format!("sent|{}", N - 1)]
    );
}

#[test]
fn each_send_and_publish_ends_with_one_summary_line_a_log_search_finds() {
    let server = SmtpServer::start();
    let mut room = Room::new(2);
    room.relays = server.url();
    room.import("news", &subscribers_csv(12));
    let o = room.run(&["subscribers", "remove", "user3@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let summary: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("pressroom-summary "))
        .map(str::to_string)
        .collect();
    assert_eq!(summary.len(), 1, "{}", stderr(&o));
    let line = &summary[0];
    for want in [
        "command=send",
        "sent=11",
        "failed=0",
        "outcome=ok",
        "duration_ms=",
    ] {
        assert!(line.contains(want), "{want}: {line}");
    }
    assert!(
        line.contains("releases=") && !line.contains("releases=-"),
        "{line}"
    );
    assert!(!line.contains('@'), "no address in the journal: {line}");

    // A publish that finds nothing to send still says so, once.
    let o = room.run(&["publish", "--yes", "--now", "2026-11-01T12:00:00+02:00"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("pressroom-summary "))
        .collect();
    assert_eq!(lines.len(), 1, "{}", stderr(&o));
    assert!(
        lines[0].contains("command=publish") && lines[0].contains("sent=0"),
        "{}",
        lines[0]
    );
}

/// The decoded subject of a message.
fn decoded_subject(data: &str) -> String {
    use mailparse::MailHeaderMap;
    mailparse::parse_mail(data.as_bytes())
        .unwrap()
        .headers
        .get_first_value("Subject")
        .unwrap_or_default()
}

#[test]
fn send_correction_emails_only_the_correction_once_to_those_who_had_it_and_withdraw_takes_it_down()
{
    let (server, room) = crate::common::room::sent_with_return_path(6, 2);
    assert_eq!(server.accepted().len(), 6);
    // user5 leaves the list: no correction for them.
    room.query("UPDATE memberships SET status = 'unsubscribed' WHERE email_hash = (SELECT email_hash FROM subscribers WHERE email = 'user5@example.org') RETURNING list");

    // Without a correction there is nothing to send, and it says what to do.
    let none = room.run(&["send", "bridge", "--correction", "--yes"]);
    assert_eq!(none.status.code(), Some(2), "{}", stderr(&none));
    assert!(
        stderr(&none).contains("has no correction: write `correction:`"),
        "{}",
        stderr(&none)
    );

    for (lang, note) in [
        ("fi", "Avajaispäivä korjattu."),
        ("sv", "Öppningsdagen är rättad."),
    ] {
        let file = room
            .root()
            .join(format!("releases/2026-11-01-bridge.{lang}.md"));
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(
            &file,
            text.replacen(
                "---\n",
                &format!("---\nupdated: 2026-11-05 10:00\ncorrection: {note}\n"),
                1,
            ),
        )
        .unwrap();
    }
    let dry = room.run(&["send", "bridge", "--correction", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("would go to 5 people who had the original"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(server.accepted().len(), 6, "a dry run sends nothing");

    let sent = room.run(&["send", "bridge", "--correction", "--yes"]);
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    let accepted = server.accepted();
    assert_eq!(accepted.len(), 11, "{}", stdout(&sent));
    let mut got: Vec<(String, String)> = accepted[6..]
        .iter()
        .map(|a| (a.rcpt.clone(), decoded_subject(&a.data)))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "user0@example.org".to_string(),
                "[KORJAUS] Silta avataan".to_string()
            ),
            ("user1@example.org".into(), "[RÄTTELSE] Bron öppnas".into()),
            // No English note: the default language's correction.
            ("user2@example.org".into(), "[KORJAUS] Silta avataan".into()),
            ("user3@example.org".into(), "[KORJAUS] Silta avataan".into()),
            ("user4@example.org".into(), "[KORJAUS] Silta avataan".into()),
        ]
    );
    for a in &accepted[6..] {
        assert!(
            !a.data.contains("Body in"),
            "the release's text is not sent again"
        );
    }
    // Once: a second run finds everyone has it.
    let again = room.run(&["send", "bridge", "--correction", "--yes"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("Nothing to send"),
        "{}",
        stdout(&again)
    );
    assert_eq!(server.accepted().len(), 11);

    a_second_correction_in_the_same_minute_goes_once(&server, &room);

    // Withdrawn: off the site, a notice at its address, never sent again.
    let w = room.run(&["withdraw", "bridge", "--yes"]);
    assert_eq!(w.status.code(), Some(0), "{}", stderr(&w));
    for lang in ["fi", "sv", "en"] {
        let text = std::fs::read_to_string(
            room.root()
                .join(format!("releases/2026-11-01-bridge.{lang}.md")),
        )
        .unwrap();
        assert!(text.contains("withdrawn:"), "{text}");
    }
    assert!(
        room.query("SELECT action || ' ' || coalesce(detail, '') FROM audit")
            .contains(&"take-down pressroom withdraw".to_string())
    );
    let resend = room.run(&["send", "bridge", "--yes"]);
    assert_ne!(resend.status.code(), Some(0));
    assert_eq!(server.accepted().len(), 16);
}

/// After a correction of 10:00 went to the 5 who had the original (11
/// messages so far): a second one of 10:00:30 (the desk writes a second
/// correction of the same minute to the second) is a message of its own,
/// once.
fn a_second_correction_in_the_same_minute_goes_once(server: &SmtpServer, room: &Room) {
    let file = room.root().join("releases/2026-11-01-bridge.fi.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen(
            "updated: 2026-11-05 10:00",
            "updated: 2026-11-05T10:00:30+02:00",
            1,
        )
        .replacen("Avajaispäivä korjattu.", "Avajaisaika korjattu.", 1),
    )
    .unwrap();
    let second = room.run(&["send", "bridge", "--correction", "--yes"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(server.accepted().len(), 16, "{}", stdout(&second));
    assert!(
        server.accepted()[11..]
            .iter()
            .any(|a| a.data.contains("Avajaisaika korjattu"))
    );
    let again = room.run(&["send", "bridge", "--correction", "--yes"]);
    assert!(
        stdout(&again).contains("Nothing to send"),
        "{}",
        stdout(&again)
    );
    assert_eq!(server.accepted().len(), 16);
}

/// What the real plan queues for `lists`, by list and language, worked out
/// in a transaction that is rolled back.
fn planned_by_list(
    db: &pressroom::db::Db,
    content: &pressroom::content::Content,
    lists: &[pressroom::config::ListName],
    include_new: bool,
) -> std::collections::BTreeMap<(String, pressroom::i18n::Lang), u64> {
    use pressroom::delivery::plan;
    let release = content.find("bridge", None).unwrap();
    let group = plan::Group::of(content, release);
    let tx = db.write().unwrap();
    plan::plan(db, &content.config, &group, lists, include_new).unwrap();
    let out = db
        .journal()
        .pending_by_list(&group.key)
        .unwrap()
        .into_iter()
        .map(|(l, lang, n)| ((l, lang), n))
        .collect();
    drop(tx);
    out
}

#[test]
// One story of one room, read top to bottom.
#[allow(clippy::too_many_lines)]
fn the_counted_plan_is_what_the_send_queues_person_by_person() {
    use pressroom::delivery::plan;
    let server = SmtpServer::start();
    let mut room = Room::new(1);
    room.relays = server.url();
    room.append_config(
        "[lists.media]\ntitle = \"Media\"\n[lists.zine]\ntitle = \"Zine\"\nsource = \"subscribers/zine.csv\"\n",
    );
    // A CSV list that sorts after the database lists, with people on them
    // too (in another language), one of them twice, one suppressed, one
    // who left it, and a broken row.
    std::fs::write(
        room.root().join("subscribers/zine.csv"),
        "email,name,lang\nuser3@example.org,,sv\nuser3@example.org,,sv\nzine@example.org,,\nbounced@example.org,,fi\ncsv@example.org,,en\nnot an address,,fi\n",
    )
    .unwrap();
    // Six on news, some of them on media too, in every language and none;
    // one suppressed, one unsubscribed from media only.
    assert!(room.import("news", &subscribers_csv(6)).status.success());
    assert!(room.import("media", "email,name,lang\nuser0@example.org,,fi\nuser1@example.org,,sv\nmedia@example.org,,en\nbounced@example.org,,fi\nleft@example.org,,sv\n").status.success());
    std::fs::write(
        room.root().join("subscribers/journalists.csv"),
        "email;name;lang\nuser2@example.org;;en\ncsv@example.org;;sv\n",
    )
    .unwrap();
    room.query("INSERT INTO suppressions (email_hash, reason, created_at) SELECT email_hash, 'hard_bounce', '2026-12-01T00:00:00Z' FROM subscribers WHERE email = 'bounced@example.org' RETURNING email_hash");
    room.query("UPDATE memberships SET status = 'unsubscribed' WHERE list = 'media' AND email_hash = (SELECT email_hash FROM subscribers WHERE email = 'left@example.org') RETURNING list");

    let content = pressroom::content::Content::load(room.root()).unwrap();
    let db = pressroom::db::Db::open(&room.db()).unwrap();
    let release = content.find("bridge", None).unwrap();
    let group = plan::Group::of(&content, release);
    let names = |l: &[&str]| -> Vec<pressroom::config::ListName> {
        l.iter()
            .map(|n| content.config.list_name(n).unwrap())
            .collect()
    };
    let check = |lists: &[pressroom::config::ListName], include_new: bool| {
        let counted = plan::count(&db, &content.config, &group, lists, include_new).unwrap();
        let queued = planned_by_list(&db, &content, lists, include_new);
        assert_eq!(
            counted.messages, queued,
            "lists {lists:?}, include_new {include_new}"
        );
        counted
    };
    // One list; two database lists (one message each, under both names);
    // with the CSV list too.
    let one = check(&names(&["news"]), false);
    assert_eq!(one.total(), 6);
    let two = check(&names(&["media", "news"]), false);
    assert_eq!(two.total(), 7, "{two:?}");
    assert_eq!(two.suppressed, 1);
    let all = check(&names(&["journalists", "media", "news"]), false);
    assert_eq!(all.total(), 8, "{all:?}");
    let every = check(&names(&["journalists", "media", "news", "zine"]), false);
    assert_eq!(every.total(), 9, "{every:?}");
    assert_eq!(every.csv_problems.len(), 1, "{every:?}");
    check(&names(&["news", "zine"]), false);
    check(&names(&["zine", "journalists"]), false);

    // Sent to news; two people join it since: left out unless asked for.
    let o = room.run(&["send", "bridge", "--list", "news", "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        room.import(
            "news",
            "email,name,lang\nlate1@example.org,,sv\nlate2@example.org,,\n"
        )
        .status
        .success()
    );
    let after = check(&names(&["news"]), false);
    assert_eq!(
        (after.total(), after.already, after.joined_since),
        (0, 6, 2)
    );
    let with_new = check(&names(&["news"]), true);
    assert_eq!((with_new.total(), with_new.joined_since), (2, 2));
    let more = check(&names(&["media", "news"]), true);
    assert_eq!(more.total(), 3, "{more:?}");
    check(&names(&["journalists", "news", "zine"]), true);
    check(&names(&["journalists", "news", "zine"]), false);

    // The dry run prints the counts and no address unless asked.
    let dry = room.run(&[
        "send",
        "bridge",
        "--list",
        "news",
        "--include-new-members",
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry)
            .lines()
            .any(|l| l.trim_start().starts_with("total") && l.trim_end().ends_with(" 2")),
        "{}",
        stdout(&dry)
    );
    assert!(
        !stdout(&dry).contains("late1@example.org"),
        "{}",
        stdout(&dry)
    );
    let listed = room.run(&[
        "send",
        "bridge",
        "--list",
        "news",
        "--include-new-members",
        "--dry-run",
        "--recipients",
    ]);
    assert!(
        stdout(&listed).contains("late1@example.org"),
        "{}",
        stdout(&listed)
    );
}
