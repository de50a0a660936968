//! A temporary pressroom for delivery tests: a release in three languages,
//! a database list and a CSV list, and the pressroom binary run against it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const SECRET: &str = "test-secret-0123456789abcdef0123456789";

/// The test configuration: the shared site tables, a database list and a
/// CSV list, and fast retries.
pub const CONFIG: &str = concat!(
    crate::site_tables!(),
    r#"[lists.news]
title = "News"
public = true
[lists.journalists]
title = "Journalists"
source = "subscribers/journalists.csv"
[delivery]
from = "Testikunta <press@example.org>"
concurrency = CONCURRENCY
retry_delay_seconds = 0.02
timeout_seconds = 5
max_attempts = 4
"#
);

fn release(lang: &str, title: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: 2026-11-01 09:00\ntranslation_key: bridge\nsummary: Lead {lang}.\nlists: [news]\n---\nBody in {lang}.\n"
    )
}

pub struct Room {
    pub dir: tempfile::TempDir,
    pub relays: String,
}

impl Room {
    pub fn new(concurrency: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("pressroom.toml"),
            CONFIG.replace("CONCURRENCY", &concurrency.to_string()),
        )
        .unwrap();
        std::fs::create_dir_all(root.join("releases")).unwrap();
        std::fs::create_dir_all(root.join("subscribers")).unwrap();
        for (lang, title) in [
            ("fi", "Silta avataan"),
            ("sv", "Bron öppnas"),
            ("en", "The bridge opens"),
        ] {
            std::fs::write(
                root.join(format!("releases/2026-11-01-bridge.{lang}.md")),
                release(lang, title),
            )
            .unwrap();
        }
        std::fs::write(
            root.join("subscribers/journalists.csv"),
            "email;name;lang\n",
        )
        .unwrap();
        Self {
            dir,
            relays: String::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.root().join("subscribers/pressroom.db")
    }

    /// Replaces `from` (which must be there) by `to` in `pressroom.toml`.
    pub fn edit_config(&self, from: &str, to: &str) {
        let path = self.root().join("pressroom.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        assert!(config.contains(from), "no {from:?} in the configuration");
        std::fs::write(path, config.replacen(from, to, 1)).unwrap();
    }

    /// Appends `toml` (tables such as `[serve]`) to `pressroom.toml`.
    pub fn append_config(&self, toml: &str) {
        let path = self.root().join("pressroom.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, format!("{config}\n{toml}\n")).unwrap();
    }

    /// Writes `lines` as a CSV file and imports it into `list`.
    pub fn import(&self, list: &str, csv: &str) -> Output {
        let f = self.root().join(format!("import-{list}.csv"));
        std::fs::write(&f, csv).unwrap();
        self.run(&["subscribers", "import", f.to_str().unwrap(), "--list", list])
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pressroom"));
        c.arg("--root").arg(self.root()).args(args);
        c.env("PRESSROOM_SECRET", SECRET)
            .env("PRESSROOM_RELAYS", &self.relays);
        c.env_remove("PRESSROOM_DB").env_remove("PRESSROOM_ROOT");
        c.env_remove("PRESSROOM_SMTP_USER")
            .env_remove("PRESSROOM_SMTP_PASSWORD");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// A query on the database, each row's columns joined by `|`.
    pub fn query(&self, sql: &str) -> Vec<String> {
        query(&self.db(), sql)
    }
}

/// A query on the database at `path`, each row's columns joined by `|`.
pub fn query(path: &Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut q = conn.prepare(sql).unwrap();
    let n = q.column_count();
    let rows = q
        .query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => "NULL".to_string(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// `n` subscribers `user{i}@example.org` with languages cycling fi, sv, en, de(unknown).
pub fn subscribers_csv(n: usize) -> String {
    let mut s = String::from("email,name,lang\n");
    for i in 0..n {
        let lang = ["fi", "sv", "en", ""][i % 4];
        s.push_str(&format!("user{i}@example.org,User {i},{lang}\n"));
    }
    s
}

/// A room with `[delivery] return_path = "bounces@bounce.example.org"` that
/// has sent `bridge` to `n` subscribers of `news` through a test server.
/// A test relay and a room that sends to it with `concurrency`
/// connections, `n` subscribers on the news list.
pub fn relay_and_room(n: usize, concurrency: usize) -> (super::smtp::SmtpServer, Room) {
    let server = super::smtp::SmtpServer::start();
    let mut room = Room::new(concurrency);
    room.relays = server.url();
    room.import("news", &subscribers_csv(n));
    (server, room)
}

pub fn sent_with_return_path(n: usize, concurrency: usize) -> (super::smtp::SmtpServer, Room) {
    let server = super::smtp::SmtpServer::start();
    let mut room = Room::new(concurrency);
    room.relays = server.url();
    room.edit_config(
        "max_attempts = 4",
        "max_attempts = 4\nreturn_path = \"bounces@bounce.example.org\"",
    );
    room.import("news", &subscribers_csv(n));
    let o = room.run(&["send", "bridge", "--yes"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (server, room)
}
