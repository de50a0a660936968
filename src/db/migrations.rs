//! The schema, as numbered migrations built into the binary: a database of
//! any earlier pressroom is brought up to date when it is opened.

use std::sync::LazyLock;

use rusqlite::{Transaction, params};
use rusqlite_migration::{M, Migrations};

/// The schema version after every migration (SQLite `user_version`); a
/// test checks it against [`MIGRATIONS`].
pub(super) const LATEST: i64 = 12;

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
        // Every `CHECK (column IN (…))` becomes a chain of `OR`s: the same
        // rule on the same stored rows, without a temporary table built on
        // every row written (see `checks_without_in_lists`).
        M::up_with_hook("", |tx: &Transaction| {
            checks_without_in_lists(tx)?;
            Ok(())
        }),
    ])
});

/// Rewrites each `CHECK (column IN ('a', 'b', …))` of the schema as
/// `CHECK (column = 'a' OR column = 'b' OR …)`. The rule is the same, but
/// SQLite checks an `IN` list of three or more values by building a
/// temporary table each time a row is written: a third of an import's
/// instructions went to building and dropping one for each membership, and
/// every journal write of a send built one too. The stored rows do not
/// change, so this is done the way SQLite documents for such changes
/// (<https://sqlite.org/lang_altertable.html#otheralter>): the tables'
/// text is edited with `writable_schema` on, and the schema version is
/// bumped so that every open connection reads it again.
fn checks_without_in_lists(tx: &Transaction) -> rusqlite::Result<()> {
    let tables: Vec<(String, String)> = tx
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%CHECK (% IN (%'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if tables.is_empty() {
        return Ok(());
    }
    let version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    // Defensive mode (off unless a build turns it on) forbids the edit.
    let defensive = tx.db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE)?;
    tx.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, false)?;
    tx.pragma_update(None, "writable_schema", true)?;
    let edited = tables.iter().try_for_each(|(name, sql)| {
        tx.execute(
            "UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = ?2",
            params![in_lists_as_or(sql), name],
        )
        .map(drop)
    });
    tx.pragma_update(None, "schema_version", version + 1)?;
    tx.pragma_update(None, "writable_schema", false)?;
    tx.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE,
        defensive,
    )?;
    edited
}

/// `sql` with each `CHECK (x IN ('a', 'b'))` written `CHECK (x = 'a' OR
/// x = 'b')`; any other `CHECK` is left as it is.
fn in_lists_as_or(sql: &str) -> String {
    const CHECK: &str = "CHECK (";
    let mut out = String::with_capacity(sql.len() * 2);
    let mut rest = sql;
    while let Some(at) = rest.find(CHECK) {
        let (before, inside) = rest.split_at(at + CHECK.len());
        out.push_str(before);
        let parsed = inside.split_once(" IN (").and_then(|(column, tail)| {
            let (list, after) = tail.split_once("))")?;
            let values: Vec<&str> = list.split(", ").collect();
            let plain = |v: &&str| {
                v.len() >= 2
                    && v.starts_with('\'')
                    && v.ends_with('\'')
                    && !v[1..v.len() - 1].contains(['\'', ',', '(', ')'])
            };
            let is_column = !column.is_empty()
                && column
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            (is_column && values.iter().all(plain)).then_some((column, values, after))
        });
        match parsed {
            Some((column, values, after)) => {
                let ors: Vec<String> = values.iter().map(|v| format!("{column} = {v}")).collect();
                out.push_str(&ors.join(" OR "));
                out.push(')');
                rest = after;
            }
            None => rest = inside,
        }
    }
    out.push_str(rest);
    out
}

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
    fn an_in_list_check_becomes_a_chain_of_comparisons() {
        assert_eq!(
            super::in_lists_as_or(
                "CREATE TABLE t (\n    s TEXT NOT NULL CHECK (s IN ('a', 'b', 'c')),\n    n INTEGER CHECK (n > 0)\n, m TEXT CHECK (m IN ('x', 'y')))"
            ),
            "CREATE TABLE t (\n    s TEXT NOT NULL CHECK (s = 'a' OR s = 'b' OR s = 'c'),\n    n INTEGER CHECK (n > 0)\n, m TEXT CHECK (m = 'x' OR m = 'y'))"
        );
        // Anything else is left as it is.
        for sql in [
            "CREATE TABLE t (s TEXT CHECK (s IN (SELECT x FROM y)))",
            "CREATE TABLE t (s TEXT CHECK (lower(s) IN ('a', 'b')))",
            "CREATE TABLE t (s TEXT CHECK (s IN ('a,b', 'c')))",
        ] {
            assert_eq!(super::in_lists_as_or(sql), sql);
        }
    }

    /// The opcodes SQLite compiles `sql` into.
    fn opcodes(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
        let mut q = conn.prepare(&format!("EXPLAIN {sql}")).unwrap();
        let n = q.parameter_count();
        let args: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
        q.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(1))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn writing_a_membership_or_a_journal_row_builds_no_temporary_table() {
        let hot = [
            "INSERT INTO memberships (email_hash, list, status, consent_at, consent_source, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?4) ON CONFLICT (email_hash, list) DO NOTHING",
            "UPDATE deliveries SET status = 'sent', attempts = 1, relay = ?2, reply = ?3, message_id = ?4, updated_at = ?5 WHERE rowid = ?1",
            "INSERT INTO suppressions (email_hash, reason, detail, created_at) VALUES (?1, ?2, ?3, ?4)",
        ];
        let ephemeral = |conn: &rusqlite::Connection, sql: &str| {
            opcodes(conn, sql).contains(&"OpenEphemeral".to_string())
        };
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::MIGRATIONS.to_version(&mut conn, 11).unwrap();
        assert!(hot.iter().all(|sql| ephemeral(&conn, sql)), "as it was");
        conn.execute_batch(
            "INSERT INTO subscribers VALUES ('a', 'a@example.org', NULL, NULL, 't0');
             INSERT INTO memberships VALUES ('a', 'news', 'confirmed', 't0', 'form', 't0');",
        )
        .unwrap();
        super::MIGRATIONS.to_latest(&mut conn).unwrap();
        // A statement that runs (not only `EXPLAIN`) sees the new schema
        // version and reads the schema again.
        conn.execute_batch("SELECT COUNT(*) FROM memberships")
            .unwrap();
        for sql in hot {
            assert!(!ephemeral(&conn, sql), "{sql}");
        }
        // The same rules: what they refused is still refused.
        for bad in [
            "INSERT INTO memberships VALUES ('b', 'news', 'maybe', 't0', 'form', 't0')",
            "UPDATE memberships SET status = 'gone'",
            "INSERT INTO suppressions (email_hash, reason, created_at) VALUES ('a', 'whim', 't0')",
            "INSERT INTO deliveries (release, email_hash, lang, list, status, updated_at) VALUES ('r', 'a', 'fi', 'news', 'lost', 't0')",
            "INSERT INTO desk_users (name, email, role, created_at) VALUES ('x', 'x@example.org', 'root', 't0')",
        ] {
            let err = conn.execute_batch(bad).unwrap_err().to_string();
            assert!(err.contains("CHECK constraint failed"), "{bad}: {err}");
        }
        conn.execute_batch("UPDATE memberships SET status = 'unsubscribed'")
            .unwrap();
        let schema: Vec<String> = conn
            .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(!schema.iter().any(|s| s.contains(" IN (")), "{schema:?}");
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
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
