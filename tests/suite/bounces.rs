//! Bounce and complaint parsing on a corpus of the formats a pressroom
//! meets: Postfix, Exim, qmail, Exchange (text and Office 365 DSN), Gmail,
//! an ARF complaint, an out-of-office reply, and broken input.

use pressroom::bounces::{Outcome, Report, parse};

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bounces")
            .join(name),
    )
    .unwrap()
}

/// The one recipient of a bounce: (address, status, outcome).
fn one(name: &str) -> (Option<String>, Option<String>, Outcome) {
    match parse(&corpus(name)).report {
        Report::Bounce { recipients } => {
            assert_eq!(recipients.len(), 1, "{name}: {recipients:?}");
            let r = &recipients[0];
            (r.address.clone(), r.status.clone(), r.outcome)
        }
        other => panic!("{name}: {other:?}"),
    }
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn each_bounce_format_names_the_address_the_status_and_hard_or_soft() {
    use Outcome::*;
    for (file, address, status, outcome) in [
        (
            "postfix-unknown-user.eml",
            "nobody@inbox.example.org",
            some("5.1.1"),
            Hard,
        ),
        (
            "postfix-delayed.eml",
            "slow@far.example.net",
            some("4.4.1"),
            Soft,
        ),
        (
            "exim-permanent.eml",
            "left.the.company@example.com",
            some("5.1.1"),
            Hard,
        ),
        (
            "exim-mailbox-full.eml",
            "full.box@example.com",
            some("4.2.2"),
            Soft,
        ),
        (
            "exchange-text-ndr.eml",
            "matti.meikalainen@exchange.example.fi",
            some("5.1.1"),
            Hard,
        ),
        (
            "office365-dsn.eml",
            "virkailija@example.onmicrosoft.com",
            some("5.1.10"),
            Hard,
        ),
        (
            "gmail-address-not-found.eml",
            "ei.ole@gmail.example",
            some("5.1.1"),
            Hard,
        ),
        (
            "gmail-over-quota.eml",
            "tayna@gmail.example",
            some("5.2.2"),
            Soft,
        ),
        ("qmail.eml", "gone@qmail.example.net", some("5.1.1"), Hard),
        (
            "policy-refusal.eml",
            "strict@filtered.example.com",
            some("5.7.1"),
            Soft,
        ),
        (
            "delivered.eml",
            "reader@inbox.example.org",
            some("2.0.0"),
            Delivered,
        ),
    ] {
        assert_eq!(one(file), (some(address), status, outcome), "{file}");
    }
}

#[test]
fn a_bounce_says_which_return_path_it_came_back_to() {
    let p = parse(&corpus("postfix-unknown-user.eml"));
    assert_eq!(
        p.tag_candidates.first().map(String::as_str),
        Some("bounces+7-0123456789abcdef0123-0011223344556677@bounce.example.org")
    );
    // Office 365 puts it only in To and in the quoted original.
    let p = parse(&corpus("office365-dsn.eml"));
    assert!(
        p.tag_candidates
            .iter()
            .any(|a| a.starts_with("bounces+9-eeee")),
        "{:?}",
        p.tag_candidates
    );
}

#[test]
fn an_arf_report_is_a_complaint_with_its_original_sender() {
    let p = parse(&corpus("arf-complaint.eml"));
    assert_eq!(
        p.report,
        Report::Complaint {
            feedback_type: "abuse".into(),
            recipient: some("annoyed@isp.example.net"),
        }
    );
    assert!(
        p.tag_candidates
            .iter()
            .any(|a| a == "bounces+7-1234512345123451234a-0011223344556677@bounce.example.org"),
        "{:?}",
        p.tag_candidates
    );
}

#[test]
fn an_out_of_office_reply_is_never_a_bounce() {
    assert_eq!(
        parse(&corpus("out-of-office.eml")).report,
        Report::AutoReply
    );
}

#[test]
fn broken_huge_and_unrelated_mail_is_unrecognised_without_a_panic() {
    assert!(matches!(
        parse(&corpus("malformed.eml")).report,
        Report::Unrecognised(_)
    ));
    let mut huge = b"From: MAILER-DAEMON@x.example\r\nSubject: Undelivered Mail\r\n\r\n".to_vec();
    huge.resize(20 * 1024 * 1024, b'a');
    assert!(matches!(parse(&huge).report, Report::Unrecognised(_)));
    let letter = b"From: anna@example.org\r\nSubject: Kiitos tiedotteesta\r\n\r\nHyva tiedote!\r\n";
    assert!(matches!(parse(letter).report, Report::Unrecognised(_)));
    for junk in [
        &b""[..],
        b"\xff\xfe",
        b"\r\n\r\n",
        b"Content-Type: multipart/report\r\n\r\n--",
    ] {
        let _ = parse(junk);
    }
}
