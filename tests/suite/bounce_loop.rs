//! Bounces and complaints that come back after a relay accepted the
//! messages: VERP return paths tie each to its journal row, the rules
//! suppress, and a Maildir is sorted into Processed and Unrecognised.

use crate::common::room::Room;
use crate::common::{stderr, stdout};

/// A Postfix-style delivery status notification for `rcpt`, sent back to
/// the envelope sender `verp`.
fn dsn(verp: &str, rcpt: &str, action: &str, status: &str, id: &str) -> String {
    format!(
        "Return-Path: <>\r\nDelivered-To: {verp}\r\nFrom: MAILER-DAEMON@relay.example.org (Mail Delivery System)\r\n\
         To: {verp}\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-Id: <{id}@relay.example.org>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example.org\r\n\r\n\
         Final-Recipient: rfc822; {rcpt}\r\nAction: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; {status} said no\r\n\r\n--b--\r\n"
    )
}

fn arf(verp: &str, rcpt: &str) -> String {
    format!(
        "From: feedback@isp.example.net\r\nTo: abuse@example.org\r\nSubject: complaint\r\nMessage-Id: <arf1@isp.example.net>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=\"f\"\r\n\r\n\
         --f\r\nContent-Type: text/plain\r\n\r\nA spam report.\r\n\r\n\
         --f\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n\
         Original-Mail-From: <{verp}>\r\nOriginal-Rcpt-To: <{rcpt}>\r\n\r\n--f--\r\n"
    )
}

/// The number on the summary line that starts with `label`.
fn count_in(out: &str, label: &str) -> u64 {
    out.lines()
        .find(|l| l.trim_start().starts_with(label))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line {label:?} in {out}"))
}

#[test]
// A scenario told from start to end: one test, read top to bottom.
#[allow(clippy::too_many_lines)]
fn bounces_and_complaints_from_a_maildir_suppress_exactly_their_addresses() {
    let (server, room) = crate::common::room::sent_with_return_path(4, 2);
    room.append_config("\n[bounces]\nsoft_limit = 2\n");
    // The VERP address each recipient's message was sent from.
    let accepted = server.accepted();
    let verp_of = |rcpt: &str| -> String {
        assert!(
            accepted.iter().any(|a| a.rcpt == rcpt),
            "{rcpt} got no message"
        );
        server
            .envelope_senders()
            .into_iter()
            .find(|v| {
                let tag = v.split('+').nth(1).unwrap();
                let prefix = tag.split('-').nth(1).unwrap();
                pressroom::subscribers::EmailAddress::parse(rcpt)
                    .unwrap()
                    .hash()
                    .starts_with(prefix)
            })
            .unwrap()
    };
    let box_dir = room.root().join("bouncebox");
    for d in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(box_dir.join(d)).unwrap();
    }
    let put =
        |name: &str, text: &str| std::fs::write(box_dir.join("new").join(name), text).unwrap();
    let (v0, v1, v2) = (
        verp_of("user0@example.org"),
        verp_of("user1@example.org"),
        verp_of("user2@example.org"),
    );
    put(
        "1.hard",
        &dsn(&v0, "user0@example.org", "failed", "5.1.1", "h1"),
    );
    put(
        "2.soft",
        &dsn(&v1, "user1@example.org", "failed", "4.2.2", "s1"),
    );
    put("3.arf", &arf(&v2, "user2@example.org"));
    put(
        "4.ooo",
        "From: user3@example.org\r\nTo: bounces@bounce.example.org\r\nSubject: Automatic reply: bridge\r\nAuto-Submitted: auto-replied\r\n\r\nAway.\r\n",
    );
    // A forged bounce for user3: the tag's MAC is not the pressroom's.
    let v3 = verp_of("user3@example.org");
    let (head, mac) = v3.split('@').next().unwrap().rsplit_once('-').unwrap();
    let flipped: String = mac
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let forged = format!("{head}-{flipped}@bounce.example.org");
    put(
        "5.forged",
        &dsn(&forged, "user3@example.org", "failed", "5.1.1", "f1"),
    );
    // A bounce to the plain return path, without any tag.
    put(
        "6.untagged",
        &dsn(
            "bounces@bounce.example.org",
            "user3@example.org",
            "failed",
            "5.1.1",
            "u1",
        ),
    );

    let o = room.run(&["bounces", "ingest", "bouncebox"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Read 6 messages"), "{out}");
    assert_eq!(count_in(&out, "hard bounces"), 1, "{out}");
    assert_eq!(count_in(&out, "soft bounces (counted)"), 1, "{out}");
    assert_eq!(count_in(&out, "complaints"), 1, "{out}");
    assert_eq!(count_in(&out, "unrecognised"), 3, "{out}");
    assert!(out.contains("without a valid return-path tag"), "{out}");
    assert_eq!(
        room.query(
            "SELECT s.email, x.reason FROM suppressions x JOIN subscribers s USING (email_hash) ORDER BY s.email"
        ),
        vec!["user0@example.org|hard_bounce", "user2@example.org|complaint"]
    );
    assert_eq!(
        room.query("SELECT status FROM memberships m JOIN subscribers s USING (email_hash) WHERE s.email = 'user2@example.org'"),
        vec!["unsubscribed"]
    );
    let count =
        |folder: &str| std::fs::read_dir(box_dir.join(folder).join("cur")).map_or(0, |d| d.count());
    assert_eq!((count(".Processed"), count(".Unrecognised")), (3, 3));
    assert_eq!(std::fs::read_dir(box_dir.join("new")).unwrap().count(), 0);

    // Reading the same messages again changes nothing.
    let again = room.root().join("again");
    std::fs::create_dir_all(&again).unwrap();
    for f in std::fs::read_dir(box_dir.join(".Processed/cur")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, again.join(f.file_name().unwrap())).unwrap();
    }
    let o = room.run(&["bounces", "ingest", "again"]);
    assert_eq!(count_in(&stdout(&o), "read before"), 3, "{}", stdout(&o));

    // A second soft bounce (another message) reaches soft_limit = 2.
    let soft2 = room.root().join("soft2.eml");
    std::fs::write(
        &soft2,
        dsn(&v1, "user1@example.org", "delayed", "4.4.1", "s2"),
    )
    .unwrap();
    let o = room.run(&["bounces", "ingest", "soft2.eml"]);
    assert_eq!(
        count_in(&stdout(&o), "suppressed after repeated soft bounces"),
        1,
        "{}",
        stdout(&o)
    );
    assert_eq!(
        room.query("SELECT COUNT(*) FROM suppressions WHERE detail LIKE '2 soft bounces%'"),
        vec!["1"]
    );

    // Recent events, with the address and the server's words.
    let o = room.run(&["subscribers", "bounces"]);
    let table = stdout(&o);
    let line = table
        .lines()
        .find(|l| l.contains("user0@example.org"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        line.contains("hard") && line.contains("5.1.1") && line.contains("hard_bounce"),
        "{line}"
    );
    assert!(table.contains("4 events since"), "{table}");

    // A wrong suppression is lifted, and the record keeps both steps.
    let o = room.run(&["subscribers", "unsuppress", "user0@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("it was: hard_bounce"), "{}", stdout(&o));
    assert_eq!(
        room.query(
            "SELECT l.action, l.reason FROM suppression_log l JOIN subscribers s USING (email_hash)
             WHERE s.email = 'user0@example.org' ORDER BY l.id"
        ),
        vec!["suppressed|hard_bounce", "lifted|hard_bounce"]
    );
    assert_eq!(
        room.query("SELECT COUNT(*) FROM suppressions x JOIN subscribers s USING (email_hash) WHERE s.email = 'user0@example.org'"),
        vec!["0"]
    );

    // The release's deliveries show what came back.
    let o = room.run(&["deliveries", "bridge"]);
    assert!(
        stdout(&o).contains("Came back later: 1 hard bounces, 1 soft bounces, 1 complaints"),
        "{}",
        stdout(&o)
    );

    // Erasure takes the evidence and the history with it.
    let hash = pressroom::subscribers::EmailAddress::parse("user1@example.org")
        .unwrap()
        .hash();
    let o = room.run(&["subscribers", "forget", "user1@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for table in ["bounce_events", "suppression_log"] {
        assert_eq!(
            room.query(&format!(
                "SELECT COUNT(*) FROM {table} WHERE email_hash = '{hash}'"
            )),
            vec!["0"],
            "{table}"
        );
    }
}

#[test]
fn bounces_need_a_return_path() {
    let room = Room::new(1);
    let o = room.run(&["bounces", "ingest", "-"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("return_path"), "{}", stderr(&o));
}

#[test]
fn fetch_needs_a_mailbox_and_its_credentials() {
    let room = Room::new(1);
    room.edit_config(
        "max_attempts = 4",
        "max_attempts = 4\nreturn_path = \"bounces@bounce.example.org\"",
    );
    let o = room.run(&["bounces", "fetch"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("[bounces] imap"), "{}", stderr(&o));
    room.append_config("\n[bounces]\nimap = \"imaps://127.0.0.1:1/INBOX\"\n");
    let o = room.run(&["bounces", "fetch"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("PRESSROOM_IMAP_USER"), "{}", stderr(&o));
}

/// `bounces ingest -` with `text` on standard input (a Postfix pipe).
fn ingest_stdin(room: &Room, text: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = room
        .command(&["bounces", "ingest", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_message_piped_in_is_acted_on_or_kept_never_lost() {
    let (server, room) = crate::common::room::sent_with_return_path(1, 1);
    let verp = server.envelope_senders()[0].clone();
    let o = ingest_stdin(
        &room,
        &dsn(&verp, "user0@example.org", "failed", "5.1.1", "p1"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(count_in(&stdout(&o), "hard bounces"), 1, "{}", stdout(&o));
    assert_eq!(
        room.query("SELECT reason FROM suppressions"),
        vec!["hard_bounce"]
    );
    let letter = "From: someone@example.net\r\nSubject: Thanks\r\n\r\nGood release.\r\n";
    let o = ingest_stdin(&room, letter);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("kept as"), "{}", stdout(&o));
    let kept: Vec<_> = std::fs::read_dir(room.root().join("bounces/unrecognised"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read_to_string(&kept[0]).unwrap(), letter);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a kept message is private: {mode:o}");
    }
}

/// Erasure reaches the bounces kept for a person to read, wherever the
/// message put the address (here only base64-encoded); others stay.
#[test]
fn forget_erases_the_kept_bounce_copies_that_mention_the_address() {
    let (_server, room) = crate::common::room::sent_with_return_path(2, 1);
    use base64::Engine;
    let quoted = base64::engine::general_purpose::STANDARD
        .encode("To: User0@Example.org\r\nSubject: x\r\n\r\nhello\r\n");
    let about = format!(
        "From: mailer@example.net\r\nSubject: Returned\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n{quoted}\r\n--b--\r\n"
    );
    let other = "From: someone@example.net\r\nSubject: Thanks\r\n\r\nGood release.\r\n";
    for text in [about.as_str(), other] {
        let o = ingest_stdin(&room, text);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let kept = || -> Vec<String> {
        std::fs::read_dir(room.root().join("bounces/unrecognised"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    };
    assert_eq!(kept().len(), 2);
    let o = room.run(&["subscribers", "forget", "user0@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 kept bounce messages"),
        "{}",
        stdout(&o)
    );
    assert_eq!(kept(), vec![other.to_string()]);
}

/// A message on standard input larger than any bounce is refused whole
/// with an error and a failing exit code; no cut copy is kept.
#[test]
fn a_piped_message_too_large_is_refused_not_cut() {
    use std::io::Write;
    let (_server, room) = crate::common::room::sent_with_return_path(1, 1);
    let mut child = room
        .command(&["bounces", "ingest", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut big = b"From: someone@example.net\r\nSubject: Big\r\n\r\n".to_vec();
        big.resize(50 * 1024 * 1024, b'x');
        // The reader may stop early: a broken pipe is expected.
        let _ = stdin.write_all(&big);
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than 10 MB"), "{}", stderr(&o));
    let dir = room.root().join("bounces/unrecognised");
    assert!(
        !dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none(),
        "nothing was kept"
    );
}
