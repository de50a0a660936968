//! The desk's tables: staff accounts, their sessions (stored as the hash
//! of the cookie), one-time password links, failed sign-ins and the
//! append-only audit trail.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, immediate, now_text};
use crate::i18n::Lang;
use crate::subscribers::EmailAddress;

/// What a staff member may do on the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Writes releases, edits their own until approved, submits them.
    Writer,
    /// Everything a writer does on anyone's release, and approves and sends.
    Editor,
    /// Users, lists and subscribers, and the audit trail.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Writer, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Writer => "writer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The role as written (`editor`), or `None` for any other text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    /// The Argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
    /// The desk's language for this user (`None`: from the browser).
    pub lang: Option<Lang>,
    pub disabled: bool,
    pub created_at: String,
}

/// One sign-in, as stored.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: User,
    /// Unix seconds.
    pub started_at: i64,
    /// Unix seconds of the last request.
    pub seen_at: i64,
    /// How it was made: `password`, `link` (a one-time link) or `oidc`.
    pub method: String,
}

/// A sign-in begun at the OpenID provider, as stored under its `state`.
#[derive(Debug, Clone)]
pub struct OidcFlow {
    pub verifier: String,
    pub nonce: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The staff member's address; `None` for the command line's operator.
    pub actor: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

/// What to write to the audit trail.
#[derive(Debug, Clone, Copy)]
pub struct AuditEntry<'a> {
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub object: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detail: Option<&'a str>,
}

const USER_COLUMNS: &str = "id, email, name, role, password_hash, lang, disabled, created_at";

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        role: Role::parse(&role).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("'{role}' is not a desk role").into(),
            )
        })?,
        password_hash: r.get(4)?,
        lang: r.get(5)?,
        disabled: r.get(6)?,
        created_at: r.get(7)?,
    })
}

/// The desk's side of the database.
pub struct DeskStore<'a> {
    pub(super) conn: &'a Connection,
}

impl DeskStore<'_> {
    /// Adds an account; `None` when the address has one already.
    pub fn add_user(&self, email: &EmailAddress, name: &str, role: Role) -> Result<Option<User>> {
        let added = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO desk_users (email, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![email.as_str(), name, role.as_str(), now_text()])?;
        if added == 0 {
            return Ok(None);
        }
        self.user_by_email(email)
    }

    pub fn user_by_email(&self, email: &EmailAddress) -> Result<Option<User>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM desk_users WHERE email = ?1"
            ))?
            .query_row([email.as_str()], user_row)
            .optional()?)
    }

    pub fn user(&self, id: i64) -> Result<Option<User>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM desk_users WHERE id = ?1"
            ))?
            .query_row([id], user_row)
            .optional()?)
    }

    /// Every account, by address.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut q = self.conn.prepare(&format!(
            "SELECT {USER_COLUMNS} FROM desk_users ORDER BY email"
        ))?;
        let rows = q.query_map([], user_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn set_role(&self, id: i64, role: Role) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE desk_users SET role = ?2 WHERE id = ?1")?
            .execute(params![id, role.as_str()])?;
        Ok(())
    }

    /// The desk's language for account `id` (`None`: the browser's).
    pub fn set_lang(&self, id: i64, lang: Option<&Lang>) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE desk_users SET lang = ?2 WHERE id = ?1")?
            .execute(params![id, lang.map(Lang::as_str)])?;
        Ok(())
    }

    /// Disables (or enables) an account; disabling ends its sign-ins.
    pub fn set_disabled(&self, id: i64, disabled: bool) -> Result<()> {
        let tx = immediate(self.conn)?;
        tx.execute(
            "UPDATE desk_users SET disabled = ?2 WHERE id = ?1",
            params![id, disabled],
        )?;
        if disabled {
            tx.execute("DELETE FROM desk_sessions WHERE user_id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes an account with its sign-ins and links (the audit trail
    /// keeps what it did).
    pub fn remove_user(&self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM desk_users WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Sets the password hash and ends every sign-in of the account.
    pub fn set_password(&self, id: i64, hash: &str) -> Result<()> {
        let tx = immediate(self.conn)?;
        tx.execute(
            "UPDATE desk_users SET password_hash = ?2 WHERE id = ?1",
            params![id, hash],
        )?;
        tx.execute("DELETE FROM desk_sessions WHERE user_id = ?1", [id])?;
        tx.execute("DELETE FROM desk_password_links WHERE user_id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }

    /// Uses up the one-time link `token_hash`: `false` when it was not
    /// there (already used, or by another request at the same moment).
    pub fn use_password_link(&self, token_hash: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM desk_password_links WHERE token_hash = ?1")?
            .execute([token_hash])?
            == 1)
    }

    /// Stores a one-time password link (its hash) until `expires_at`.
    pub fn add_password_link(&self, token_hash: &str, user_id: i64, expires_at: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO desk_password_links (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![token_hash, user_id, expires_at])?;
        Ok(())
    }

    /// The account a password link is for, while it is valid (`now` is
    /// before its expiry); the link is not used up.
    pub fn password_link(&self, token_hash: &str, now: i64) -> Result<Option<User>> {
        let id: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT user_id FROM desk_password_links WHERE token_hash = ?1 AND expires_at > ?2",
            )?
            .query_row(params![token_hash, now], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => self.user(id),
            None => Ok(None),
        }
    }

    /// Starts a sign-in.
    /// A new sign-in, made by `method` (`password`, `link` or `oidc`).
    pub fn start_session(&self, id_hash: &str, user_id: i64, now: i64, method: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO desk_sessions (id_hash, user_id, started_at, seen_at, method) VALUES (?1, ?2, ?3, ?3, ?4)",
            )?
            .execute(params![id_hash, user_id, now, method])?;
        Ok(())
    }

    /// Keeps a sign-in begun at the provider; forgets the ones begun before
    /// `forget_before`. `false` (nothing kept) when `limit` are waiting.
    pub fn add_oidc_flow(
        &self,
        state_hash: &str,
        flow: &OidcFlow,
        forget_before: i64,
        limit: u64,
    ) -> Result<bool> {
        self.conn
            .prepare_cached("DELETE FROM desk_oidc_flows WHERE created_at < ?1")?
            .execute([forget_before])?;
        let waiting: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM desk_oidc_flows")?
            .query_row([], |r| r.get(0))?;
        if u64::try_from(waiting).unwrap_or(u64::MAX) >= limit {
            return Ok(false);
        }
        self.conn
            .prepare_cached(
                "INSERT INTO desk_oidc_flows (state_hash, verifier, nonce, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![state_hash, flow.verifier, flow.nonce, flow.created_at])?;
        Ok(true)
    }

    /// Takes the sign-in begun under `state_hash` (once: it is removed).
    pub fn take_oidc_flow(&self, state_hash: &str) -> Result<Option<OidcFlow>> {
        Ok(self
            .conn
            .prepare_cached(
                "DELETE FROM desk_oidc_flows WHERE state_hash = ?1 RETURNING verifier, nonce, created_at",
            )?
            .query_row([state_hash], |r| {
                Ok(OidcFlow {
                    verifier: r.get(0)?,
                    nonce: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })
            .optional()?)
    }

    pub fn session(&self, id_hash: &str) -> Result<Option<SessionRow>> {
        let row: Option<(i64, i64, i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT user_id, started_at, seen_at, method FROM desk_sessions WHERE id_hash = ?1",
            )?
            .query_row([id_hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((user_id, started_at, seen_at, method)) = row else {
            return Ok(None);
        };
        Ok(self.user(user_id)?.map(|user| SessionRow {
            user,
            started_at,
            seen_at,
            method,
        }))
    }

    pub fn touch_session(&self, id_hash: &str, now: i64) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE desk_sessions SET seen_at = ?2 WHERE id_hash = ?1")?
            .execute(params![id_hash, now])?;
        Ok(())
    }

    pub fn end_session(&self, id_hash: &str) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM desk_sessions WHERE id_hash = ?1")?
            .execute([id_hash])?;
        Ok(())
    }

    /// Sign-ins of an account still stored.
    pub fn sessions_of(&self, user_id: i64) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM desk_sessions WHERE user_id = ?1",
            [user_id],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Records a failed sign-in for `account` (a keyed hash of the address
    /// typed) from `ip`, and forgets failures older than `forget_before`.
    pub fn add_failure(&self, account: &str, ip: &str, now: i64, forget_before: i64) -> Result<()> {
        let tx = immediate(self.conn)?;
        tx.execute(
            "DELETE FROM desk_sign_in_failures WHERE at < ?1",
            [forget_before],
        )?;
        tx.execute(
            "INSERT INTO desk_sign_in_failures (at, account, ip) VALUES (?1, ?2, ?3)",
            params![now, account, ip],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The times (unix seconds, oldest first) of failed sign-ins since
    /// `since`: for `account`, and from `ip`.
    pub fn failure_times(
        &self,
        account: &str,
        ip: &str,
        since: i64,
    ) -> Result<(Vec<i64>, Vec<i64>)> {
        let times = |sql: &str, key: &str| -> Result<Vec<i64>> {
            let mut q = self.conn.prepare_cached(sql)?;
            let rows = q.query_map(params![key, since], |r| r.get::<_, i64>(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        Ok((
            times(
                "SELECT at FROM desk_sign_in_failures WHERE account = ?1 AND at >= ?2 ORDER BY at",
                account,
            )?,
            times(
                "SELECT at FROM desk_sign_in_failures WHERE ip = ?1 AND at >= ?2 ORDER BY at",
                ip,
            )?,
        ))
    }

    /// Appends to the audit trail.
    pub fn audit(&self, e: &AuditEntry<'_>) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO audit (at, actor, action, object, ip, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![now_text(), e.actor, e.action, e.object, e.ip, e.detail])?;
        Ok(())
    }

    /// The audit trail since `since` (RFC 3339), oldest first, at most `limit`.
    pub fn audit_since(&self, since: &str, limit: usize) -> Result<Vec<AuditRow>> {
        let mut q = self.conn.prepare(
            "SELECT id, at, actor, action, object, ip, detail FROM audit
             WHERE at >= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = q.query_map(params![since, limit as i64], |r| {
            Ok(AuditRow {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                object: r.get(4)?,
                ip: r.get(5)?,
                detail: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What the desk knows of the release `key`.
    pub fn release_record(&self, key: &str) -> Result<ReleaseRecord> {
        let row: Option<(bool, Option<i64>)> = self
            .conn
            .prepare_cached("SELECT in_review, created_by FROM desk_releases WHERE key = ?1")?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let mut q = self
            .conn
            .prepare_cached("SELECT user_id, at FROM desk_changes WHERE key = ?1 ORDER BY rowid")?;
        let changes = q
            .query_map([key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
        let mut changers: Vec<i64> = vec![];
        for (user, _) in &changes {
            if !changers.contains(user) {
                changers.push(*user);
            }
        }
        let last_change = changes.last().cloned();
        let mut q = self.conn.prepare_cached(
            "SELECT user_id, files_hash FROM desk_approvals WHERE key = ?1 ORDER BY at",
        )?;
        let approvals = q
            .query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
        let (in_review, created_by) = row.unwrap_or((false, None));
        Ok(ReleaseRecord {
            in_review,
            created_by,
            changers,
            approvals,
            last_change,
        })
    }

    /// What the desk knows of every release it has a record of, by key:
    /// three queries, whatever the number of releases.
    pub fn release_records(&self) -> Result<std::collections::HashMap<String, ReleaseRecord>> {
        let mut out: std::collections::HashMap<String, ReleaseRecord> = Default::default();
        let mut q = self
            .conn
            .prepare("SELECT key, in_review, created_by FROM desk_releases")?;
        for row in q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))? {
            let (key, in_review, created_by) = row?;
            let rec = out.entry(key).or_default();
            rec.in_review = in_review;
            rec.created_by = created_by;
        }
        let mut q = self
            .conn
            .prepare("SELECT key, user_id, at FROM desk_changes ORDER BY rowid")?;
        for row in q.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get(2)?))
        })? {
            let (key, user, at) = row?;
            let rec = out.entry(key).or_default();
            if !rec.changers.contains(&user) {
                rec.changers.push(user);
            }
            rec.last_change = Some((user, at));
        }
        let mut q = self
            .conn
            .prepare("SELECT key, user_id, files_hash FROM desk_approvals ORDER BY at")?;
        for row in q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))? {
            let (key, user, hash) = row?;
            out.entry(key).or_default().approvals.push((user, hash));
        }
        Ok(out)
    }

    /// Records that `user_id` wrote or changed the release `key`: any
    /// approval it had is withdrawn. The first change makes the record,
    /// with `user_id` as its author.
    pub fn record_change(&self, key: &str, user_id: i64) -> Result<()> {
        let tx = immediate(self.conn)?;
        let now = now_text();
        tx.execute(
            "INSERT INTO desk_releases (key, created_by, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at",
            params![key, user_id, now],
        )?;
        tx.execute(
            "INSERT INTO desk_changes (key, user_id, at) VALUES (?1, ?2, ?3)",
            params![key, user_id, now],
        )?;
        tx.execute("DELETE FROM desk_approvals WHERE key = ?1", [key])?;
        tx.commit()?;
        Ok(())
    }

    /// Puts the release `key` in review (or takes it out, withdrawing its
    /// approvals).
    pub fn set_in_review(&self, key: &str, in_review: bool) -> Result<()> {
        let tx = immediate(self.conn)?;
        tx.execute(
            "INSERT INTO desk_releases (key, in_review, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET in_review = excluded.in_review, updated_at = excluded.updated_at",
            params![key, in_review, now_text()],
        )?;
        if !in_review {
            tx.execute("DELETE FROM desk_approvals WHERE key = ?1", [key])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records `user_id`'s approval of the release `key` as its files are
    /// now (`files_hash`).
    pub fn approve(&self, key: &str, user_id: i64, files_hash: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO desk_approvals (key, user_id, files_hash, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key, user_id) DO UPDATE SET files_hash = excluded.files_hash, at = excluded.at",
            )?
            .execute(params![key, user_id, files_hash, now_text()])?;
        Ok(())
    }
}

/// A local account's second factor, as stored.
#[derive(Clone)]
pub struct TotpRow {
    pub secret: Vec<u8>,
    /// `None` while being enrolled (no right code yet).
    pub enabled_at: Option<String>,
    pub last_step: Option<i64>,
}

impl DeskStore<'_> {
    /// The second factor of `user_id`, enrolled or being enrolled.
    pub fn totp(&self, user_id: i64) -> Result<Option<TotpRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT secret, enabled_at, last_step FROM desk_totp WHERE user_id = ?1",
                [user_id],
                |r| {
                    Ok(TotpRow {
                        secret: r.get(0)?,
                        enabled_at: r.get(1)?,
                        last_step: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Every stored second factor: (account, stored bytes).
    pub fn totp_all(&self) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut q = self.conn.prepare("SELECT user_id, secret FROM desk_totp")?;
        let rows = q
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Replaces the stored bytes `old` of `user_id`'s second factor with
    /// `new` (the same secret, sealed): whether they were still `old`.
    pub fn totp_reseal(&self, user_id: i64, old: &[u8], new: &[u8]) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE desk_totp SET secret = ?3 WHERE user_id = ?1 AND secret = ?2",
            params![user_id, old, new],
        )? == 1)
    }

    /// Starts enrolling `secret` for `user_id` (replacing an enrolment not
    /// finished; never an enabled one).
    pub fn totp_begin(&self, user_id: i64, secret: &[u8]) -> Result<bool> {
        Ok(self.conn.execute(
            "INSERT INTO desk_totp (user_id, secret) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret
             WHERE desk_totp.enabled_at IS NULL",
            params![user_id, secret],
        )? == 1)
    }

    /// Marks `step` as used by `user_id`, if it is later than the last
    /// used: whether it was (a code is accepted once, even by two
    /// requests at the same moment).
    pub fn totp_use(&self, user_id: i64, step: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE desk_totp SET last_step = ?2
             WHERE user_id = ?1 AND (last_step IS NULL OR last_step < ?2)",
            params![user_id, step],
        )? == 1)
    }

    /// Turns the enrolment of `user_id` on, with the recovery codes'
    /// hashes (any earlier ones go).
    pub fn totp_enable(&self, user_id: i64, step: i64, code_hashes: &[String]) -> Result<()> {
        let tx = immediate(self.conn)?;
        tx.execute(
            "UPDATE desk_totp SET enabled_at = ?2, last_step = ?3 WHERE user_id = ?1",
            params![user_id, now_text(), step],
        )?;
        tx.execute(
            "DELETE FROM desk_recovery_codes WHERE user_id = ?1",
            [user_id],
        )?;
        for h in code_hashes {
            tx.execute(
                "INSERT INTO desk_recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
                params![user_id, h],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Uses the recovery code with hash `code_hash` of `user_id`: whether
    /// it was there and unused.
    pub fn use_recovery_code(&self, user_id: i64, code_hash: &str) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE desk_recovery_codes SET used_at = ?3
             WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
            params![user_id, code_hash, now_text()],
        )? == 1)
    }

    /// Recovery codes of `user_id` not used yet.
    pub fn recovery_codes_left(&self, user_id: i64) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM desk_recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
            [user_id],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Removes the second factor of `user_id` (an admin's reset, for a lost
    /// phone and lost codes).
    pub fn totp_remove(&self, user_id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM desk_totp WHERE user_id = ?1", [user_id])?;
        self.conn.execute(
            "DELETE FROM desk_recovery_codes WHERE user_id = ?1",
            [user_id],
        )?;
        Ok(())
    }
}

/// The desk's record of one release.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub in_review: bool,
    /// Who made it on the desk (`None`: written outside the desk).
    pub created_by: Option<i64>,
    /// Everyone who wrote or changed it on the desk.
    pub changers: Vec<i64>,
    /// Who approved it, and the hash of its files then.
    pub approvals: Vec<(i64, String)>,
    /// The last change on the desk: who, and when (RFC 3339).
    pub last_change: Option<(i64, String)>,
}
