//! The `subscribers` commands: tables, exports, consent records, forgetting,
//! and the signing secret's file.

use crate::common::room::{Room, subscribers_csv};
use crate::common::{stderr, stdout};

#[test]
fn list_shows_counts_per_list_and_members_of_one() {
    let room = Room::new(1);
    room.import("news", &subscribers_csv(5));
    room.run(&[
        "subscribers",
        "remove",
        "user0@example.org",
        "--list",
        "news",
    ]);
    std::fs::write(
        room.root().join("subscribers/journalists.csv"),
        "email\na@example.org\nb@example.org\n",
    )
    .unwrap();
    let o = room.run(&["subscribers", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let news = out.lines().find(|l| l.starts_with("news")).unwrap();
    assert_eq!(
        news.split_whitespace().collect::<Vec<_>>()[..5],
        ["news", "database", "4", "0", "1"],
        "{out}"
    );
    let journalists = out.lines().find(|l| l.starts_with("journalists")).unwrap();
    assert!(
        journalists.contains("csv") && journalists.split_whitespace().nth(2) == Some("2"),
        "{out}"
    );
    let o = room.run(&["subscribers", "list", "--list", "news"]);
    assert!(
        stdout(&o).contains("user0@example.org") && stdout(&o).contains("unsubscribed"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn export_writes_active_members_or_everything_with_consent() {
    let room = Room::new(1);
    room.import("news", &subscribers_csv(3));
    room.run(&["subscribers", "remove", "user1@example.org"]);
    let o = room.run(&["subscribers", "export", "--list", "news"]);
    assert_eq!(
        stdout(&o),
        "email,name,lang,list\nuser0@example.org,User 0,fi,news\nuser2@example.org,User 2,en,news\n"
    );
    let o = room.run(&["subscribers", "export", "--all"]);
    let out = stdout(&o);
    assert!(
        out.starts_with("email,name,lang,list,status,consent_at,consent_source,updated_at\n"),
        "{out}"
    );
    assert!(
        out.contains("user1@example.org,User 1,sv,news,unsubscribed,"),
        "{out}"
    );
    assert!(
        out.contains(",import import-news.csv,"),
        "the consent record names its source: {out}"
    );
}

/// The number an import's report gives on the line starting with `label`.
fn reported(out: &str, label: &str) -> String {
    out.lines()
        .find(|l| l.trim_start().starts_with(label))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or("?")
        .to_string()
}

#[test]
fn an_import_reports_what_it_did_with_each_row() {
    let room = Room::new(1);
    let csv = "Sähköposti;Nimi;Kieli\nmatti@example.org;Matti;fi\nmatti@EXAMPLE.org;Matti;fi\nfoo@bar;X;fi\nasa@exämple.org;Åsa;sv\nåsa@example.org;Åsa;sv\n";
    let o = room.import("news", csv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("import-news.csv:4: skipped: 'bar' is not a full domain name"),
        "{out}"
    );
    assert!(
        out.contains(
            "import-news.csv:6: skipped: 'åsa@example.org' has letters outside ASCII before the '@'"
        ),
        "{out}"
    );
    let count = |label: &str| reported(&out, label);
    assert_eq!(count("rows read"), "5");
    assert_eq!(count("added"), "2");
    assert_eq!(count("already on the list"), "1");
    assert_eq!(count("skipped: invalid rows"), "2");
    assert_eq!(
        room.query("SELECT email FROM subscribers ORDER BY email"),
        vec!["asa@xn--exmple-cua.org", "matti@example.org"]
    );
}

/// An import sorts its rows 100,000 at a time, spills the sorted runs to
/// an unnamed file and merges them: what each row gets must not depend on
/// where the runs fall. An address's later rows are repeats even in
/// another run, and update its name; the suppressed and the unsubscribed
/// are refused wherever they are, the problems come out in the file's
/// order, and no file of the sort is left behind.
#[test]
fn a_large_import_treats_each_row_as_a_small_one_would() {
    let room = Room::new(1);
    room.import(
        "news",
        "email,name\nleft@example.org,Left\nbounced@example.org,B\n",
    );
    room.run(&[
        "subscribers",
        "remove",
        "left@example.org",
        "--list",
        "news",
    ]);
    // Removed from everything: a suppression.
    room.run(&["subscribers", "remove", "bounced@example.org"]);
    let mut csv = String::from("email,name,lang\nfirst@example.org,,fi\n");
    for i in 0..150_000 {
        csv.push_str(&format!("reader{i}@example.org,Reader {i},sv\n"));
        if i == 120_000 {
            csv.push_str("left@example.org,Left Again,fi\nbounced@example.org,B,fi\n");
        }
    }
    csv.push_str("first@example.org,First Named,\nreader7@example.org,Reader Seven,en\nnot-an-address,X,fi\n");
    let files = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(room.root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("pressroom.db") && !n.starts_with("import-"))
            .collect();
        names.sort();
        names
    };
    let (subscribers_before, root_before) = (files("subscribers"), files("."));
    let o = room.import("news", &csv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files("subscribers"), subscribers_before);
    assert_eq!(files("."), root_before);
    let out = stdout(&o);
    let count = |label: &str| reported(&out, label);
    assert_eq!(count("rows read"), "150006", "{out}");
    assert_eq!(count("added"), "150001", "{out}");
    assert_eq!(count("already on the list"), "2", "{out}");
    assert_eq!(count("not added"), "2", "{out}");
    assert_eq!(count("skipped: invalid rows"), "1", "{out}");
    let problems: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("import-news.csv:"))
        .collect();
    assert_eq!(problems.len(), 3, "{out}");
    assert!(
        problems[0].contains(":120004: not added: left@example.org is unsubscribed from this list"),
        "{out}"
    );
    assert!(
        problems[1]
            .contains(":120005: not added: bounced@example.org is unsubscribed from everything"),
        "{out}"
    );
    assert!(problems[2].contains(":150007: skipped"), "{out}");
    assert_eq!(
        room.query(
            "SELECT email, name, lang FROM subscribers WHERE email IN ('first@example.org', 'reader7@example.org', 'left@example.org') ORDER BY email"
        ),
        vec![
            "first@example.org|First Named|fi",
            "left@example.org|Left Again|fi",
            "reader7@example.org|Reader Seven|en"
        ]
    );
    assert_eq!(
        room.query("SELECT status, COUNT(*) FROM memberships WHERE list = 'news' GROUP BY status ORDER BY status"),
        vec!["confirmed|150001", "unsubscribed|2"]
    );
}

#[test]
fn importing_into_an_unknown_or_file_list_is_refused() {
    let room = Room::new(1);
    let o = room.import("journalists", "email\na@example.org\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("kept in the file subscribers/journalists.csv"),
        "{}",
        stderr(&o)
    );
    let o = room.import("newz", "email\na@example.org\n");
    assert!(
        stderr(&o).contains("unknown list 'newz' (did you mean 'news'?)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_csv_header_is_a_clear_error() {
    let room = Room::new(1);
    let o = room.import("news", "address;name\na@example.org;A\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(":1: no 'email' column in the header row (found: address, name)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(room.query("SELECT COUNT(*) FROM subscribers"), vec!["0"]);
}

#[cfg(unix)]
#[test]
fn the_signing_secret_is_created_once_with_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let room = Room::new(1);
    room.import("news", &subscribers_csv(1));
    let run = || {
        room.command(&["send", "bridge", "--yes"])
            .env_remove("PRESSROOM_SECRET")
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let key = room.root().join("subscribers/.secret");
    let meta = std::fs::metadata(&key).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let before = std::fs::read(&key).unwrap();
    room.run(&["subscribers", "add", "late@example.org", "--list", "news"]);
    run();
    assert_eq!(
        std::fs::read(&key).unwrap(),
        before,
        "the key is reused, not replaced"
    );
    assert!(!stdout(&o).contains(&String::from_utf8_lossy(&before).to_string()));
}

#[test]
fn exports_cannot_run_as_formulas_and_lists_cannot_drive_the_terminal() {
    let room = Room::new(1);
    let o = room.import(
        "news",
        "email,name\n-minus@example.org,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"\nplus@example.org,@SUM(1)\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A name stored before names were cleaned.
    room.query(
        "UPDATE subscribers SET name = 'Red' || char(27) || '[31m' || char(10) || 'x' WHERE email = 'plus@example.org'",
    );
    let o = room.run(&["subscribers", "export", "--list", "news"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = stdout(&o);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let cells: Vec<Vec<String>> = rows
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(cells[0][0], "'-minus@example.org", "{csv}");
    assert_eq!(cells[0][1], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(cells[1][0], "plus@example.org");
    let o = room.run(&["subscribers", "list", "--list", "news"]);
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert!(out.contains("Red\\u{1b}[31m\\nx"), "{out}");
}

/// Closing any descriptor of a file drops every POSIX lock the process holds
/// on it, SQLite's included: opening the database again in the same process
/// (as `serve` and `send` do) must not let another process write meanwhile.
#[cfg(unix)]
#[test]
fn opening_the_database_again_keeps_another_connections_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("subscribers/pressroom.db");
    let a = pressroom::db::Db::open(&db).unwrap();
    let _b = pressroom::db::Db::open(&db).unwrap();
    let tx = a.write().unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        pressroom::files::make_private_file(std::path::Path::new(&p)).unwrap();
    }
    let other_writer = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n\
             try:\n    c.execute('BEGIN IMMEDIATE')\nexcept sqlite3.OperationalError as e:\n    print(e); sys.exit(3)\n",
        )
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(
        other_writer.status.code(),
        Some(3),
        "another process got the write lock: {}",
        String::from_utf8_lossy(&other_writer.stdout)
    );
    tx.commit().unwrap();
}
