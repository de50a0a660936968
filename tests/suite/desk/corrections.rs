//! A correction from the desk: the note goes on the site at once, and only
//! the correction is emailed, once, to those who had the original and are
//! still subscribed, through a real SMTP server.

use super::{approved_release, audit_actions, eventually, send_plan, staff, workflow_room};
use crate::common::room::subscribers_csv;
use crate::common::smtp::SmtpServer;

/// The decoded text part of a message.
fn text_part(data: &str) -> String {
    let m = mailparse::parse_mail(data.as_bytes()).unwrap();
    m.subparts
        .iter()
        .flat_map(|p| std::iter::once(p).chain(p.subparts.iter()))
        .find(|p| p.ctype.mimetype == "text/plain")
        .map(|p| p.get_body().unwrap())
        .unwrap_or_default()
}

fn subject(data: &str) -> String {
    use mailparse::MailHeaderMap;
    mailparse::parse_mail(data.as_bytes())
        .unwrap()
        .headers
        .get_first_value("Subject")
        .unwrap_or_default()
}

#[test]
#[allow(clippy::too_many_lines)]
fn a_correction_goes_on_the_site_and_only_to_those_who_had_the_original() {
    let server = SmtpServer::start();
    let room = workflow_room();
    room.edit_config(
        "[delivery]\n",
        &format!("[delivery]\nrelays = [\"{}\"]\n", server.url()),
    );
    assert!(room.import("news", &subscribers_csv(4)).status.success());
    let desk = super::Desk::start(&room);
    let slug = approved_release(&desk, "Kirjasto laajenee");
    let mut editor = staff(&desk, "eka@example.fi");
    let correct = format!("/desk/releases/{slug}/correct");

    // Not before it is out.
    assert_eq!(editor.get(&correct).status, 403);
    let (total, csrf) = send_plan(&mut editor, &slug, "");
    assert_eq!(total, 4);
    let sent = editor.post(
        &format!("/desk/releases/{slug}/send"),
        &[("csrf", &csrf), ("when", "now"), ("confirm", "4")],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    eventually("four messages", || server.accepted().len() == 4);
    eventually("the send to be done", || {
        room.query("SELECT state FROM desk_sends") == ["done"]
    });

    // One of them leaves the list; someone new joins it.
    room.query("UPDATE memberships SET status = 'unsubscribed' WHERE email_hash = (SELECT email_hash FROM subscribers WHERE email = 'user1@example.org') RETURNING list");
    assert!(
        room.import("news", "email,name,lang\nlate@example.org,Late,fi\n")
            .status
            .success()
    );

    // A writer may not correct; the editor sees who had it.
    let mut writer = staff(&desk, "kirjoittaja@example.fi");
    assert_eq!(writer.get(&correct).status, 403);
    let form = editor.get(&correct);
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("name=\"note_fi\""), "{}", form.body);
    assert!(form.body.contains("(3)"), "{}", form.body);
    let csrf = form.csrf();

    // No note: nothing changes.
    let file = room
        .root()
        .join("releases/2026-12-01-kirjasto-laajenee.fi.md");
    let before = std::fs::read_to_string(&file).unwrap();
    let empty = editor.post(
        &correct,
        &[("csrf", &csrf), ("note_fi", "  "), ("email", "1")],
    );
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    // Nor does a writer's post.
    let csrf_w = writer.get("/desk/").csrf();
    assert_eq!(
        writer
            .post(
                &correct,
                &[("csrf", &csrf_w), ("note_fi", "x"), ("email", "1")]
            )
            .status,
        403
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);

    let note = "Avajaispäivä korjattu: kirjasto avataan 3. joulukuuta.";
    let done = editor.post(
        &correct,
        &[("csrf", &csrf), ("note_fi", note), ("email", "1")],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains(" 3."), "{}", done.body);
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(
        after.contains("correction: ") && after.contains(note),
        "{after}"
    );
    assert!(after.contains("updated:"), "{after}");
    // On the site at once.
    let page = std::fs::read_to_string(room.root().join(format!("public/fi/{slug}/index.html")))
        .unwrap_or_else(|e| panic!("the release's page: {e}"));
    assert!(page.contains(note), "the note on the page");

    // Only the correction, only to the three who had the original and
    // are still on the list.
    eventually("three corrections", || server.accepted().len() == 7);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let accepted = server.accepted();
    let corrections: Vec<_> = accepted[4..].iter().collect();
    assert_eq!(corrections.len(), 3);
    let mut to: Vec<&str> = corrections.iter().map(|a| a.rcpt.as_str()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        [
            "user0@example.org",
            "user2@example.org",
            "user3@example.org"
        ]
    );
    for a in &corrections {
        assert_eq!(subject(&a.data), "[KORJAUS] Kirjasto laajenee");
        let text = text_part(&a.data);
        assert!(text.contains(note), "{text}");
        assert!(
            !text.contains("Teksti."),
            "the release's text is not sent again: {text}"
        );
        assert!(text.contains(&format!("/fi/{slug}/")), "{text}");
    }
    eventually("the correction's send to be done", || {
        room.query("SELECT state FROM desk_sends WHERE correction IS NOT NULL") == ["done"]
    });
    // The report lists the correction's send as one.
    let report = editor.get(&format!("/desk/releases/{slug}/report"));
    assert!(report.body.contains("(correction)"), "{}", report.body);

    let trail = audit_actions(&room);
    for expected in [
        "correct|eka@example.fi|127.0.0.1|fi",
        "correct|eka@example.fi|127.0.0.1|emailed to the 3 who had the original",
    ] {
        assert!(
            trail.iter().any(|a| a == expected),
            "{expected} in {trail:?}"
        );
    }
    assert!(
        trail
            .iter()
            .any(|a| a.starts_with("sent|(serve)||done: sent 3")),
        "{trail:?}"
    );

    // A second correction at once (the same minute): a time of its own,
    // to the second, and a message of its own to the same three.
    let second = "Aukioloajat korjattu: kirjasto on auki kello 8–20.";
    let csrf = editor.get(&correct).csrf();
    let done = editor.post(
        &correct,
        &[("csrf", &csrf), ("note_fi", second), ("email", "1")],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains(" 3."), "{}", done.body);
    eventually("three more corrections", || server.accepted().len() == 10);
    for a in &server.accepted()[7..] {
        let text = text_part(&a.data);
        assert!(text.contains(second), "{text}");
    }
}
