//! Signing in and out, and the sign-in a request's cookie stands for.
//!
//! An unknown address, a disabled account, an account without a password
//! and a wrong password all get the same answer, after the same Argon2
//! work. After [`Throttle::per_account`] failures for one address, or
//! [`Throttle::per_ip`] from one IP address, within [`Throttle::window`],
//! every try is refused for that long again, the right password too.

use chrono::{DateTime, Utc};

use super::audit::{self, Action, Actor};
use super::{User, password, random_token, token_hash, totp};
use crate::config::DeskConfig;
use crate::db::Db;
use crate::subscribers::EmailAddress;
use crate::subscribers::Secret;

/// When sign-ins are refused for a while.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub per_account: usize,
    pub per_ip: usize,
    /// Seconds: the failures counted, and how long the refusal lasts.
    pub window: i64,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_ip: 20,
            window: 15 * 60,
        }
    }
}

impl Throttle {
    /// Whether `times` (oldest first) hold `limit` failures within one
    /// window, the last of them less than a window before `now`.
    fn holds(&self, times: &[i64], limit: usize, now: i64) -> bool {
        limit > 0
            && times.windows(limit).any(|w| {
                let (first, last) = (w[0], w[limit - 1]);
                last - first < self.window && now - last < self.window
            })
    }
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The address and password do not match an account that may sign in.
    NoMatch,
    /// Too many failures: try again later.
    Throttled,
}

/// A sign-in: the cookie's value (only its hash is stored), who it is and
/// how they signed in.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub user: User,
    pub method: Method,
}

/// How a sign-in was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A local account's password (and its second factor, if any).
    Password,
    /// A one-time link (`pressroom users add`, or an admin's).
    Link,
    /// The organisation's account, at its OpenID provider.
    Oidc,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::Link => "link",
            Method::Oidc => "oidc",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "link" => Method::Link,
            "oidc" => Method::Oidc,
            _ => Method::Password,
        }
    }

    /// Whether this is a local account's sign-in (`[desk] require_totp`
    /// asks a second factor of these).
    pub fn is_local(self) -> bool {
        self != Method::Oidc
    }
}

/// Starts a sign-in of `user` made by `method` (a new token), and audits
/// it with `detail`.
pub fn open_session(
    db: &Db,
    user: User,
    method: Method,
    ip: &str,
    now: DateTime<Utc>,
    detail: Option<&str>,
) -> anyhow::Result<Session> {
    let token = random_token()?;
    db.desk().start_session(
        &token_hash(&token),
        user.id,
        now.timestamp(),
        method.as_str(),
    )?;
    audit::record(
        db,
        &Actor::staff(user.email.as_str(), ip),
        Action::SignIn,
        None,
        detail,
    )?;
    Ok(Session {
        token,
        user,
        method,
    })
}

/// What the failures of an address are counted under: the hash of the
/// address as typed (normalised when it is an address), never the text.
fn account_key(typed: &str) -> String {
    match EmailAddress::parse(typed) {
        Ok(e) => e.hash(),
        Err(_) => token_hash(&typed.trim().to_lowercase()),
    }
}

/// Checks the second factor of `user`, if they have one: a code of their
/// authenticator app (once) or one of their recovery codes (once). `None`
/// when it fails; otherwise what was used ("" without a second factor).
fn second_factor(
    db: &Db,
    key: &Secret,
    user: &User,
    code: &str,
    now_s: i64,
) -> anyhow::Result<Option<&'static str>> {
    let Some((secret, last_step)) = totp::enabled(db, key, user.id)? else {
        return Ok(Some(""));
    };
    if let Some(step) = secret.and_then(|s| s.verify(code, now_s, last_step)) {
        return Ok(db
            .desk()
            .totp_use(user.id, step)?
            .then_some("with an app's code"));
    }
    let recovery = totp::normalise_recovery(code);
    if recovery.len() == 14
        && db
            .desk()
            .use_recovery_code(user.id, &token_hash(&recovery))?
    {
        return Ok(Some("with a recovery code"));
    }
    Ok(None)
}

/// What a person typed on the sign-in page, and where from.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub address: &'a str,
    pub password: &'a str,
    /// A second factor's code, or a recovery code ("" when none).
    pub code: &'a str,
    pub ip: &'a str,
}

/// Signs in with `attempt`'s address, password and (for an account with a
/// second factor, opened with `key`) code: a new sign-in (a new token,
/// whatever the browser had before), or why not. Every outcome is written
/// to the audit trail.
pub fn sign_in(
    db: &Db,
    key: &Secret,
    attempt: Attempt<'_>,
    now: DateTime<Utc>,
    throttle: Throttle,
) -> anyhow::Result<Result<Session, Refusal>> {
    let Attempt {
        address,
        password: pass,
        code,
        ip,
    } = attempt;
    let now_s = now.timestamp();
    let account = account_key(address);
    let (by_account, by_ip) = db
        .desk()
        .failure_times(&account, ip, now_s - 2 * throttle.window)?;
    let user = match EmailAddress::parse(address) {
        Ok(e) => db.desk().user_by_email(&e)?,
        Err(_) => None,
    };
    let actor = Actor {
        email: user.as_ref().map(|u| u.email.to_string()),
        ip: Some(ip.to_string()),
    };
    if throttle.holds(&by_account, throttle.per_account, now_s)
        || throttle.holds(&by_ip, throttle.per_ip, now_s)
    {
        audit::record(db, &actor, Action::SignInThrottled, None, None)?;
        return Ok(Err(Refusal::Throttled));
    }
    let stored = user
        .as_ref()
        .filter(|u| !u.disabled)
        .and_then(|u| u.password_hash.as_deref());
    if !password::verify(stored, pass) {
        db.desk()
            .add_failure(&account, ip, now_s, now_s - 2 * throttle.window)?;
        let why = match &user {
            None => "no account has this address",
            Some(u) if u.disabled => "the account is disabled",
            Some(u) if u.password_hash.is_none() => "the account has no password yet",
            Some(_) => "wrong password",
        };
        audit::record(db, &actor, Action::SignInFailed, None, Some(why))?;
        return Ok(Err(Refusal::NoMatch));
    }
    let user = user.expect("a password matched an account");
    let Some(how) = second_factor(db, key, &user, code, now_s)? else {
        db.desk()
            .add_failure(&account, ip, now_s, now_s - 2 * throttle.window)?;
        let why = if code.trim().is_empty() {
            "no second-factor code"
        } else {
            "wrong or used second-factor code"
        };
        audit::record(db, &actor, Action::SignInFailed, None, Some(why))?;
        return Ok(Err(Refusal::NoMatch));
    };
    let session = open_session(
        db,
        user,
        Method::Password,
        ip,
        now,
        Some(how).filter(|h| !h.is_empty()),
    )?;
    Ok(Ok(session))
}

/// The sign-in that `token` stands for, if it is still valid: not idle for
/// longer than `[desk] idle_timeout`, not older than `session_limit`, its
/// account not disabled. A valid one is marked as seen now; an expired one
/// is ended.
pub fn current(
    db: &Db,
    desk: &DeskConfig,
    token: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Session>> {
    let now_s = now.timestamp();
    let id = token_hash(token);
    let Some(row) = db.desk().session(&id)? else {
        return Ok(None);
    };
    let idle = desk.idle_timeout.0.as_secs() as i64;
    let limit = desk.session_limit.0.as_secs() as i64;
    if row.user.disabled || now_s - row.seen_at > idle || now_s - row.started_at > limit {
        db.desk().end_session(&id)?;
        return Ok(None);
    }
    db.desk().touch_session(&id, now_s)?;
    Ok(Some(Session {
        token: token.to_string(),
        user: row.user,
        method: Method::parse(&row.method),
    }))
}

/// Ends the sign-in of `session` on the server.
pub fn sign_out(db: &Db, session: &Session, ip: &str) -> anyhow::Result<()> {
    db.desk().end_session(&token_hash(&session.token))?;
    audit::record(
        db,
        &Actor::staff(session.user.email.as_str(), ip),
        Action::SignOut,
        None,
        None,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Throttle;

    #[test]
    fn five_failures_within_the_window_refuse_for_a_window_after_the_last() {
        let t = Throttle::default();
        let w = t.window;
        let five = [0, 10, 20, 30, 40];
        assert!(t.holds(&five, 5, 41));
        assert!(t.holds(&five, 5, 40 + w - 1));
        assert!(!t.holds(&five, 5, 40 + w));
        assert!(!t.holds(&five[..4], 5, 41));
        // Spread over more than a window: no refusal.
        assert!(!t.holds(&[0, 300, 600, 900, w + 1], 5, w + 2));
    }
}
