//! Passwords: the rules a new one must meet, and Argon2id with OWASP's
//! parameters (the `argon2` crate's defaults: 19 MiB, t=2, p=1) to store
//! and check them.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// The fewest characters a password has.
pub const MIN_CHARS: usize = 12;
/// The most: a longer one is refused before it is hashed.
pub const MAX_CHARS: usize = 1024;

/// Why a password is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("the password is shorter than {MIN_CHARS} characters")]
    TooShort,
    #[error("the password is longer than {MAX_CHARS} characters")]
    TooLong,
    #[error("the password contains the account's address")]
    HasAddress,
    #[error("the password contains the account's name")]
    HasName,
}

/// A password that meets the rules for the account it is for.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    /// Checks `raw` for the account of `email` and `name`: at least
    /// [`MIN_CHARS`] characters, and neither the address, its local part,
    /// nor the name or any part of it of four letters or more in it (in
    /// any case).
    pub fn check(raw: &str, email: &str, name: &str) -> Result<Self, PasswordProblem> {
        let n = raw.chars().count();
        if n < MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if n > MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        let lower = raw.to_lowercase();
        let email = email.to_lowercase();
        let local = email.split('@').next().unwrap_or_default();
        if lower.contains(&email) || (local.chars().count() >= 4 && lower.contains(local)) {
            return Err(PasswordProblem::HasAddress);
        }
        let name = name.to_lowercase();
        let whole = name.trim();
        let parts = name.split(|c: char| !c.is_alphanumeric());
        if (whole.chars().count() >= 4 && lower.contains(whole))
            || parts
                .filter(|p| p.chars().count() >= 4)
                .any(|p| lower.contains(p))
        {
            return Err(PasswordProblem::HasName);
        }
        Ok(Self(raw.to_string()))
    }

    /// The Argon2id PHC string to store.
    pub fn hash(&self) -> anyhow::Result<String> {
        Argon2::default()
            .hash_password(self.0.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
    }
}

/// A hash that no password matches, checked when an account has none (or
/// does not exist), so that the answer takes as long as for a real one.
static STAND_IN: LazyLock<String> = LazyLock::new(|| {
    NewPassword("a stand-in that no account has".into())
        .hash()
        .unwrap_or_default()
});

/// Whether `given` is the password of `stored` (a PHC string). Without a
/// stored hash, a stand-in is checked: the time is the same either way.
pub fn verify(stored: Option<&str>, given: &str) -> bool {
    let real = stored.is_some();
    let phc = stored.unwrap_or(STAND_IN.as_str());
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(given.as_bytes(), &parsed)
        .is_ok();
    real && matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_is_long_and_names_neither_the_address_nor_the_name() {
        let check = |p| NewPassword::check(p, "aino.virta@example.fi", "Aino Virta");
        assert_eq!(check("short").unwrap_err(), PasswordProblem::TooShort);
        assert_eq!(
            check("my aino.virta@example.fi!").unwrap_err(),
            PasswordProblem::HasAddress
        );
        assert_eq!(
            check("xxAINO.VIRTAxxxx").unwrap_err(),
            PasswordProblem::HasAddress
        );
        assert_eq!(
            check("virta-kevät-2026").unwrap_err(),
            PasswordProblem::HasName
        );
        assert!(check("kolme karhua metsässä").is_ok());
    }

    #[test]
    fn a_hash_takes_its_password_only_and_is_argon2id_with_owasp_parameters() {
        let p = NewPassword::check("kolme karhua metsässä", "a@example.fi", "A").unwrap();
        let h = p.hash().unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(Some(&h), "kolme karhua metsässä"));
        assert!(!verify(Some(&h), "kolme karhua metsassa"));
        assert!(!verify(None, "a stand-in that no account has"));
        assert!(!verify(Some("not a hash"), "x"));
    }
}
