//! The audit trail: who did what, when, from where, to which object. It
//! holds no passwords and no tokens; an account is named by its address.

use crate::db::{AuditEntry, Db};

/// Everything the trail records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    SignInFailed,
    SignInThrottled,
    SignOut,
    UserAdded,
    RoleChanged,
    UserDisabled,
    UserEnabled,
    UserRemoved,
    PasswordLinkMade,
    PasswordSet,
    Create,
    Save,
    Submit,
    Approve,
    Withdraw,
    Release,
    TestSend,
    LanguageSet,
    Upload,
    Import,
    Export,
    Erase,
    Unsuppress,
    /// A send asked for on the desk, carried out (by `serve`).
    Sent,
    SubscriberAdded,
    SubscriberRemoved,
    SubscriberLanguage,
    TotpEnabled,
    TotpReset,
    /// A published release taken off the site.
    TakeDown,
    /// A commit of `[desk] git` failed (the change is saved).
    GitFailed,
    /// A correction published (and perhaps emailed).
    Correct,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign-in",
            Action::SignInFailed => "sign-in-failed",
            Action::SignInThrottled => "sign-in-throttled",
            Action::SignOut => "sign-out",
            Action::UserAdded => "user-added",
            Action::RoleChanged => "role-changed",
            Action::UserDisabled => "user-disabled",
            Action::UserEnabled => "user-enabled",
            Action::UserRemoved => "user-removed",
            Action::PasswordLinkMade => "password-link-made",
            Action::PasswordSet => "password-set",
            Action::Create => "create",
            Action::Save => "save",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Withdraw => "withdraw",
            Action::Release => "release",
            Action::TestSend => "test-send",
            Action::LanguageSet => "language-set",
            Action::Upload => "upload",
            Action::Import => "import",
            Action::Export => "export",
            Action::Erase => "erase",
            Action::Unsuppress => "unsuppress",
            Action::Sent => "sent",
            Action::SubscriberAdded => "subscriber-added",
            Action::SubscriberRemoved => "subscriber-removed",
            Action::SubscriberLanguage => "subscriber-language",
            Action::TotpEnabled => "totp-enabled",
            Action::TotpReset => "totp-reset",
            Action::TakeDown => "take-down",
            Action::GitFailed => "git-failed",
            Action::Correct => "correct",
        }
    }
}

/// Who acts: a signed-in staff member (by address) from an IP address, or
/// the operator at the command line (neither).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub email: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    /// The operator of the command line.
    pub fn command_line() -> Self {
        Self::default()
    }

    /// A staff member, from `ip`.
    pub fn staff(email: &str, ip: &str) -> Self {
        Self {
            email: Some(email.to_string()),
            ip: Some(ip.to_string()),
        }
    }

    /// pressroom itself, as the named part (`serve` carrying out a send
    /// asked for on the desk): shown as `(serve)`.
    pub fn system(part: &str) -> Self {
        Self {
            email: Some(format!("({part})")),
            ip: None,
        }
    }

    /// Someone not signed in, from `ip`.
    pub fn anonymous(ip: &str) -> Self {
        Self {
            email: None,
            ip: Some(ip.to_string()),
        }
    }
}

/// Appends one line to the trail.
pub fn record(
    db: &Db,
    actor: &Actor,
    action: Action,
    object: Option<&str>,
    detail: Option<&str>,
) -> crate::db::Result<()> {
    db.desk().audit(&AuditEntry {
        actor: actor.email.as_deref(),
        action: action.as_str(),
        object,
        ip: actor.ip.as_deref(),
        detail,
    })
}
