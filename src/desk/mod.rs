//! The desk's rules, with no web in them: staff accounts and their
//! passwords, signing in (throttled, the same answer and the same time for
//! an unknown address as for a wrong password), sign-ins with their time
//! limits, and the audit trail that every change writes to. The desk's
//! pages (`http::desk`) and the `users` and `audit` commands are front
//! doors to these functions.

pub mod accounts;
pub mod audit;
pub mod git;
pub mod oidc;
pub mod password;
pub mod preview;
pub mod releases;
pub mod sending;
pub mod sign_in;
pub mod subscribers;
pub mod totp;
pub mod uploads;

pub use crate::db::{Role, User};
pub use audit::{Action, Actor};

/// A random token of 256 bits, URL-safe base64 (43 characters).
pub fn random_token() -> anyhow::Result<String> {
    use aws_lc_rs::rand::SecureRandom;
    use base64::Engine;
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the system's random generator failed"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token: its SHA-256 in hex, so that a copy
/// of the database opens no sign-in and uses no link.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    crate::subscribers::hex(&sha2::Sha256::digest(token.as_bytes()))
}
