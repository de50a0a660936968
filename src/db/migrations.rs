//! The schema, as numbered migrations built into the binary: a database of
//! any earlier pressroom is brought up to date when it is opened.

use std::sync::LazyLock;

use rusqlite_migration::{M, Migrations};

/// The schema version after every migration (SQLite `user_version`); a
/// test checks it against [`MIGRATIONS`].
pub(super) const LATEST: i64 = 11;

pub(super) static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(
            r#"
CREATE TABLE subscribers (
    email_hash TEXT PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT,
    lang       TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE memberships (
    email_hash     TEXT NOT NULL,
    list           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    consent_at     TEXT NOT NULL,
    consent_source TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (email_hash, list)
);
CREATE INDEX memberships_by_list ON memberships (list, status);
CREATE TABLE suppressions (
    email_hash TEXT PRIMARY KEY,
    reason     TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'hard_bounce', 'complaint', 'manual', 'forgotten')),
    detail     TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE deliveries (
    release     TEXT NOT NULL,
    email_hash  TEXT NOT NULL,
    email       TEXT,
    name        TEXT,
    lang        TEXT NOT NULL,
    list        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL DEFAULT 0,
    message_id  TEXT,
    relay       TEXT,
    reply       TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (release, email_hash)
);
CREATE INDEX deliveries_work ON deliveries (release, status, not_before);
"#,
        ),
        // Links carry a keyed identifier, not the address hash; this maps it
        // back. Confirmation emails sent, for per-address and global caps.
        M::up(
            r#"
CREATE TABLE link_ids (
    id         TEXT PRIMARY KEY,
    email_hash TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE confirmation_sends (
    email_hash TEXT NOT NULL,
    sent_at    INTEGER NOT NULL
);
CREATE INDEX confirmation_sends_by_hash ON confirmation_sends (email_hash, sent_at);
CREATE INDEX confirmation_sends_by_time ON confirmation_sends (sent_at);
"#,
        ),
        // What a release was first sent to, so that it goes to the members of
        // that moment only (nobody who joins later gets the back catalogue),
        // and which files it was sent from (to notice a changed identity).
        M::up(
            r#"
CREATE TABLE planned_lists (
    release    TEXT NOT NULL,
    list       TEXT NOT NULL,
    planned_at TEXT NOT NULL,
    PRIMARY KEY (release, list)
) WITHOUT ROWID;
INSERT OR IGNORE INTO planned_lists (release, list, planned_at)
    SELECT release, list, MIN(updated_at) FROM deliveries GROUP BY release, list;
CREATE TABLE release_files (
    release TEXT NOT NULL,
    path    TEXT NOT NULL,
    lang    TEXT NOT NULL,
    title   TEXT NOT NULL,
    PRIMARY KEY (release, path)
) WITHOUT ROWID;
CREATE INDEX release_files_by_path ON release_files (path);
"#,
        ),
        // A short number per release for VERP return paths, and what comes
        // back: bounces and complaints, each with its evidence.
        M::up(
            r#"
CREATE TABLE release_ids (
    id      INTEGER PRIMARY KEY,
    release TEXT NOT NULL UNIQUE
);
CREATE TABLE bounce_events (
    id          INTEGER PRIMARY KEY,
    email_hash  TEXT NOT NULL,
    release     TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint', 'delivered')),
    status      TEXT,
    diagnostic  TEXT,
    evidence    BLOB,
    message_id  TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX bounce_events_by_hash ON bounce_events (email_hash, received_at);
CREATE UNIQUE INDEX bounce_events_once ON bounce_events (message_id, email_hash) WHERE message_id IS NOT NULL;
CREATE INDEX bounce_events_by_release ON bounce_events (release, kind);
CREATE TABLE suppression_log (
    id         INTEGER PRIMARY KEY,
    email_hash TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('suppressed', 'lifted')),
    reason     TEXT NOT NULL,
    detail     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX suppression_log_by_hash ON suppression_log (email_hash, at);
"#,
        ),
        // The desk: staff accounts, their sign-ins (only the hash of each
        // session's cookie, so a copy of the database opens no session),
        // one-time password links, failed sign-ins for throttling, and the
        // audit trail, which SQL itself keeps append-only.
        M::up(
            r#"
CREATE TABLE desk_users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('writer', 'editor', 'admin')),
    password_hash TEXT,
    lang          TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE TABLE desk_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES desk_users (id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
);
CREATE INDEX desk_sessions_by_user ON desk_sessions (user_id);
CREATE TABLE desk_password_links (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES desk_users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE TABLE desk_sign_in_failures (
    at      INTEGER NOT NULL,
    account TEXT NOT NULL,
    ip      TEXT NOT NULL
);
CREATE INDEX desk_sign_in_failures_by_account ON desk_sign_in_failures (account, at);
CREATE INDEX desk_sign_in_failures_by_ip ON desk_sign_in_failures (ip, at);
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT,
    action TEXT NOT NULL,
    object TEXT,
    ip     TEXT,
    detail TEXT
);
CREATE INDEX audit_by_time ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"#,
        ),
        // The desk's record of each release (by its group key): who made it,
        // who changed it, whether it is in review, and who approved which
        // bytes of its files.
        M::up(
            r#"
CREATE TABLE desk_releases (
    key        TEXT PRIMARY KEY,
    in_review  INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES desk_users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE desk_changes (
    key     TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX desk_changes_by_key ON desk_changes (key);
CREATE TABLE desk_approvals (
    key        TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    files_hash TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (key, user_id)
);
"#,
        ),
        // Sends asked for on the desk: "now" ones are carried out by `serve`,
        // scheduled ones by `publish` at the release's date; both with or
        // without the members who joined a list after the first send.
        M::up(
            r#"
CREATE TABLE desk_sends (
    id           INTEGER PRIMARY KEY,
    release      TEXT NOT NULL,
    requested_by INTEGER REFERENCES desk_users (id) ON DELETE SET NULL,
    requested_at TEXT NOT NULL,
    at_date      INTEGER NOT NULL DEFAULT 0,
    include_new  INTEGER NOT NULL DEFAULT 0,
    expected     INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL CHECK (state IN ('waiting', 'sending', 'done', 'failed', 'scheduled')),
    started_at   TEXT,
    finished_at  TEXT,
    outcome      TEXT
);
CREATE INDEX desk_sends_by_state ON desk_sends (state, id);
CREATE INDEX desk_sends_by_release ON desk_sends (release, id);
"#,
        ),
        // A second factor for local accounts: the TOTP secret (enabled once
        // a first code was right; the last step used, so that no code is
        // accepted twice) and the recovery codes' hashes.
        M::up(
            r#"
CREATE TABLE desk_totp (
    user_id    INTEGER PRIMARY KEY REFERENCES desk_users (id) ON DELETE CASCADE,
    secret     BLOB NOT NULL,
    enabled_at TEXT,
    last_step  INTEGER
);
CREATE TABLE desk_recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES desk_users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;
"#,
        ),
        // Signing in with the organisation's account: how each sign-in was
        // made (a second factor is asked of local ones only), and the
        // sign-ins begun at the provider, each used once: the hash of its
        // `state`, its PKCE verifier and its nonce. A send asked for on the
        // desk may be a correction's (its journal key).
        M::up(
            r#"
ALTER TABLE desk_sends ADD COLUMN correction TEXT;
ALTER TABLE desk_sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password'
    CHECK (method IN ('password', 'link', 'oidc'));
CREATE TABLE desk_oidc_flows (
    state_hash TEXT PRIMARY KEY,
    verifier   TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
"#,
        ),
        // A plan counts a list's members from this index alone, in the
        // order of their hash (the subscribers' and the journal's lookups
        // then go the same way). An index of each subscriber's language
        // by hash would make the count three times faster but an import
        // of 1,000,000 a third slower: not made.
        M::up(
            r#"
DROP INDEX memberships_by_list;
CREATE INDEX memberships_by_list ON memberships (list, status, email_hash);
"#,
        ),
        // Subscribers and memberships are kept in the order of their key
        // (WITHOUT ROWID): one B-tree each instead of a table and an index
        // of its key. The address is no longer indexed on its own: nothing
        // looks it up, and its hash, the key, is unique already. An import
        // of 1,000,000 then writes four B-trees instead of six.
        M::up(
            r#"
CREATE TABLE subscribers_by_hash (
    email_hash TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    name       TEXT,
    lang       TEXT,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO subscribers_by_hash (email_hash, email, name, lang, created_at)
    SELECT email_hash, email, name, lang, created_at FROM subscribers ORDER BY email_hash;
DROP TABLE subscribers;
ALTER TABLE subscribers_by_hash RENAME TO subscribers;
CREATE TABLE memberships_by_hash (
    email_hash     TEXT NOT NULL,
    list           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    consent_at     TEXT NOT NULL,
    consent_source TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (email_hash, list)
) WITHOUT ROWID;
INSERT INTO memberships_by_hash (email_hash, list, status, consent_at, consent_source, updated_at)
    SELECT email_hash, list, status, consent_at, consent_source, updated_at FROM memberships
    ORDER BY email_hash, list;
DROP TABLE memberships;
ALTER TABLE memberships_by_hash RENAME TO memberships;
CREATE INDEX memberships_by_list ON memberships (list, status, email_hash);
"#,
        ),
    ])
});

#[cfg(test)]
mod tests {
    #[test]
    fn keying_subscribers_and_memberships_by_hash_keeps_every_row() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::MIGRATIONS.to_version(&mut conn, 10).unwrap();
        conn.execute_batch(
            "INSERT INTO subscribers VALUES ('b', 'b@example.org', 'Bee', 'sv', 't1'), ('a', 'a@example.org', NULL, NULL, 't0');
             INSERT INTO memberships VALUES ('b', 'news', 'confirmed', 't1', 'import x.csv', 't1'),
                 ('a', 'news', 'unsubscribed', 't0', 'form', 't2'), ('a', 'media', 'pending', 't0', 'form', 't0');",
        )
        .unwrap();
        super::MIGRATIONS.to_latest(&mut conn).unwrap();
        let rows = |sql: &str| -> Vec<String> {
            let mut q = conn.prepare(sql).unwrap();
            q.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(
            rows(
                "SELECT email_hash || email || IFNULL(name, '-') || IFNULL(lang, '-') || created_at FROM subscribers"
            ),
            ["aa@example.org--t0", "bb@example.orgBeesvt1"]
        );
        assert_eq!(
            rows(
                "SELECT email_hash || list || status || consent_at || consent_source || updated_at FROM memberships"
            ),
            [
                "amediapendingt0formt0",
                "anewsunsubscribedt0formt2",
                "bnewsconfirmedt1import x.csvt1"
            ]
        );
        // Kept in key order, with no rowid of their own.
        assert!(conn.prepare("SELECT rowid FROM subscribers").is_err());
        assert!(conn.prepare("SELECT rowid FROM memberships").is_err());
        let plan: Vec<String> = conn
            .prepare("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM memberships WHERE list = 'news' AND status = 'confirmed'")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter().any(|p| p.contains("memberships_by_list")),
            "{plan:?}"
        );
    }

    #[test]
    fn latest_is_the_number_of_migrations() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::MIGRATIONS.to_latest(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, super::LATEST);
    }
}
