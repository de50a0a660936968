//! Staff accounts: add one (with a one-time link to set its password),
//! change its role, disable, remove, set a password. Each change is
//! written to the audit trail with whoever made it.

use chrono::{DateTime, Utc};

use super::audit::{self, Action, Actor};
use super::password::{NewPassword, PasswordProblem};
use super::{Role, User, random_token, token_hash};
use crate::db::Db;
use crate::subscribers::EmailAddress;

/// How long a link to set a password works.
pub const LINK_HOURS: i64 = 24;

/// What can stop a change to an account.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0} already has an account")]
    Exists(EmailAddress),
    #[error("no account has the address {0}")]
    Unknown(String),
    #[error("a name is needed: --name \"Aino Virta\"")]
    NoName,
    #[error(transparent)]
    Password(#[from] PasswordProblem),
    #[error("this link to set a password has expired or has been used: ask an admin for a new one")]
    LinkInvalid,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<crate::db::Error> for AccountError {
    fn from(e: crate::db::Error) -> Self {
        AccountError::Other(e.into())
    }
}

/// A link to set a password: the token goes into the address
/// `…/desk/password/TOKEN`, valid until `expires`.
#[derive(Debug, Clone)]
pub struct PasswordLink {
    pub token: String,
    pub expires: DateTime<Utc>,
}

/// A new account: either its password was given, or here is its link.
#[derive(Debug)]
pub struct Added {
    pub user: User,
    pub link: Option<PasswordLink>,
}

/// The account of `address`, or [`AccountError::Unknown`].
pub fn find(db: &Db, address: &str) -> Result<User, AccountError> {
    let unknown = || AccountError::Unknown(address.to_string());
    let email = EmailAddress::parse(address).map_err(|_| unknown())?;
    db.desk().user_by_email(&email)?.ok_or_else(unknown)
}

/// Adds an account. With `password`, it is set at once (it must meet the
/// rules); without, a one-time link to set it is made.
pub fn add(
    db: &Db,
    by: &Actor,
    email: &EmailAddress,
    name: &str,
    role: Role,
    password: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Added, AccountError> {
    let name = crate::subscribers::clean_name(name).ok_or(AccountError::NoName)?;
    let checked = password
        .map(|p| NewPassword::check(p, email.as_str(), &name))
        .transpose()?;
    let user = db
        .desk()
        .add_user(email, &name, role)?
        .ok_or_else(|| AccountError::Exists(email.clone()))?;
    audit::record(
        db,
        by,
        Action::UserAdded,
        Some(email.as_str()),
        Some(role.as_str()),
    )?;
    let link = match checked {
        Some(p) => {
            db.desk().set_password(user.id, &p.hash()?)?;
            audit::record(db, by, Action::PasswordSet, Some(email.as_str()), None)?;
            None
        }
        None => Some(password_link(db, by, &user, now)?),
    };
    Ok(Added { user, link })
}

/// Makes a new one-time link for `user` to set a password.
pub fn password_link(
    db: &Db,
    by: &Actor,
    user: &User,
    now: DateTime<Utc>,
) -> Result<PasswordLink, AccountError> {
    let token = random_token()?;
    let expires = now + chrono::Duration::hours(LINK_HOURS);
    db.desk()
        .add_password_link(&token_hash(&token), user.id, expires.timestamp())?;
    audit::record(
        db,
        by,
        Action::PasswordLinkMade,
        Some(user.email.as_str()),
        None,
    )?;
    Ok(PasswordLink { token, expires })
}

/// The account a password link is for, while the link works.
pub fn link_owner(db: &Db, token: &str, now: DateTime<Utc>) -> Result<User, AccountError> {
    db.desk()
        .password_link(&token_hash(token), now.timestamp())?
        .filter(|u| !u.disabled)
        .ok_or(AccountError::LinkInvalid)
}

/// Sets a password through a one-time link, which is then used up; every
/// sign-in of the account ends.
pub fn set_password_by_link(
    db: &Db,
    ip: &str,
    token: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<User, AccountError> {
    let user = link_owner(db, token, now)?;
    let p = NewPassword::check(password, user.email.as_str(), &user.name)?;
    db.desk().set_password(user.id, &p.hash()?)?;
    audit::record(
        db,
        &Actor::staff(user.email.as_str(), ip),
        Action::PasswordSet,
        Some(user.email.as_str()),
        Some("through a one-time link"),
    )?;
    Ok(user)
}

/// Signs in through a one-time link, which is then used up: the way in
/// with `[desk] password_sign_in = false` for someone the organisation's
/// account does not admit yet (the first admin).
pub fn sign_in_by_link(
    db: &Db,
    ip: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<super::sign_in::Session, AccountError> {
    let user = link_owner(db, token, now)?;
    if !db.desk().use_password_link(&token_hash(token))? {
        return Err(AccountError::LinkInvalid);
    }
    Ok(super::sign_in::open_session(
        db,
        user,
        super::sign_in::Method::Link,
        ip,
        now,
        Some("through a one-time link"),
    )?)
}

/// Sets the password of `user` (from the command line).
pub fn set_password(db: &Db, by: &Actor, user: &User, password: &str) -> Result<(), AccountError> {
    let p = NewPassword::check(password, user.email.as_str(), &user.name)?;
    db.desk().set_password(user.id, &p.hash()?)?;
    audit::record(db, by, Action::PasswordSet, Some(user.email.as_str()), None)?;
    Ok(())
}

/// Changes the role of `user`.
pub fn set_role(db: &Db, by: &Actor, user: &User, role: Role) -> Result<(), AccountError> {
    db.desk().set_role(user.id, role)?;
    let detail = format!("{} → {}", user.role, role);
    audit::record(
        db,
        by,
        Action::RoleChanged,
        Some(user.email.as_str()),
        Some(&detail),
    )?;
    Ok(())
}

/// Sets the desk's language of `user` (`None`: the browser's), as they
/// chose it themselves.
pub fn set_language(
    db: &Db,
    by: &Actor,
    user: &User,
    lang: Option<&crate::i18n::Lang>,
) -> Result<(), AccountError> {
    db.desk().set_lang(user.id, lang)?;
    let detail = lang.map_or("browser", crate::i18n::Lang::as_str);
    audit::record(
        db,
        by,
        Action::LanguageSet,
        Some(user.email.as_str()),
        Some(detail),
    )?;
    Ok(())
}

/// Disables `user` (ending every sign-in) or enables it again.
pub fn set_disabled(db: &Db, by: &Actor, user: &User, disabled: bool) -> Result<(), AccountError> {
    db.desk().set_disabled(user.id, disabled)?;
    let action = if disabled {
        Action::UserDisabled
    } else {
        Action::UserEnabled
    };
    audit::record(db, by, action, Some(user.email.as_str()), None)?;
    Ok(())
}

/// Removes `user`; the trail keeps what the account did.
pub fn remove(db: &Db, by: &Actor, user: &User) -> Result<(), AccountError> {
    db.desk().remove_user(user.id)?;
    audit::record(db, by, Action::UserRemoved, Some(user.email.as_str()), None)?;
    Ok(())
}
