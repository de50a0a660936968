//! Signed tokens for unsubscribe links (HMAC-SHA256 of the list and the
//! address hash under a secret that never leaves the machine).
//!
//! The secret comes from `PRESSROOM_SECRET`, or from a key file created on
//! first use with mode 0600. It is never printed.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::address::EmailAddress;

type HmacSha256 = Hmac<Sha256>;

/// The signing secret. `Debug` does not show it.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// From bytes (tests).
    pub fn from_bytes(b: &[u8]) -> Self {
        Self(b.to_vec())
    }

    /// `PRESSROOM_SECRET`, else the key file (created with mode 0600 if missing).
    pub fn load(key_file: &Path) -> anyhow::Result<Self> {
        if let Ok(s) = std::env::var("PRESSROOM_SECRET") {
            if s.len() < 32 {
                bail!("PRESSROOM_SECRET is too short: use at least 32 random characters");
            }
            return Ok(Self(s.into_bytes()));
        }
        match fs::read(key_file) {
            Ok(b) if b.len() >= 32 => return Ok(Self(b)),
            Ok(_) => bail!(
                "{} is too short to be a secret; delete it to have a new one made (existing unsubscribe links stop working)",
                key_file.display()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read the secret {}", key_file.display()));
            }
        }
        let mut bytes = [0u8; 48];
        getrandom(&mut bytes).context("cannot get random bytes for a new secret")?;
        let text = B64.encode(bytes);
        if let Some(dir) = key_file.parent() {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(key_file)
            .with_context(|| format!("cannot create the secret {}", key_file.display()))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        Ok(Self(text.into_bytes()))
    }

    fn mac(&self, parts: &[&[u8]]) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        for p in parts {
            m.update(&(p.len() as u32).to_be_bytes());
            m.update(p);
        }
        m
    }
}

fn getrandom(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    fs::File::open("/dev/urandom")?.read_exact(buf)
}

/// What an unsubscribe token says: which list, which address (by hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeToken {
    pub list: String,
    pub email_hash: String,
}

const PURPOSE: &[u8] = b"pressroom-unsubscribe-v1";

impl UnsubscribeToken {
    /// `LIST.HASH.MAC`, URL-safe.
    pub fn sign(secret: &Secret, list: &str, email: &EmailAddress) -> String {
        Self::sign_hash(secret, list, &email.hash())
    }

    pub fn sign_hash(secret: &Secret, list: &str, email_hash: &str) -> String {
        let mac = secret
            .mac(&[PURPOSE, list.as_bytes(), email_hash.as_bytes()])
            .finalize()
            .into_bytes();
        format!(
            "{}.{}.{}",
            B64.encode(list),
            email_hash,
            B64.encode(&mac[..16])
        )
    }

    /// Checks a token (constant-time comparison of the MAC).
    pub fn verify(secret: &Secret, token: &str) -> Option<Self> {
        let mut it = token.split('.');
        let (list, hash, mac) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let list = String::from_utf8(B64.decode(list).ok()?).ok()?;
        let mac = B64.decode(mac).ok()?;
        secret
            .mac(&[PURPOSE, list.as_bytes(), hash.as_bytes()])
            .verify_truncated_left(&mac)
            .ok()?;
        Some(Self {
            list,
            email_hash: hash.to_string(),
        })
    }
}

/// What a confirmation token says: which address (by hash), which lists,
/// which language, and when it was issued. It expires after 7 days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmToken {
    pub email_hash: String,
    pub lists: Vec<String>,
    pub lang: String,
    pub issued: i64,
}

const CONFIRM: &[u8] = b"pressroom-confirm-v1";

/// How long a confirmation link works.
pub const CONFIRM_VALID_SECONDS: i64 = 7 * 24 * 3600;

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    Expired,
}

impl ConfirmToken {
    pub fn sign(&self, secret: &Secret) -> String {
        let payload = format!(
            "{}|{}|{}|{}",
            self.email_hash,
            self.lists.join(","),
            self.lang,
            self.issued
        );
        let mac = secret
            .mac(&[CONFIRM, payload.as_bytes()])
            .finalize()
            .into_bytes();
        format!("{}.{}", B64.encode(payload), B64.encode(&mac[..16]))
    }

    /// Checks the signature (constant time) and the age at `now` (Unix seconds).
    pub fn verify(secret: &Secret, token: &str, now: i64) -> Result<Self, TokenError> {
        let (payload, mac) = token.split_once('.').ok_or(TokenError::Invalid)?;
        let payload = B64.decode(payload).map_err(|_| TokenError::Invalid)?;
        let mac = B64.decode(mac).map_err(|_| TokenError::Invalid)?;
        secret
            .mac(&[CONFIRM, &payload])
            .verify_truncated_left(&mac)
            .map_err(|_| TokenError::Invalid)?;
        let payload = String::from_utf8(payload).map_err(|_| TokenError::Invalid)?;
        let mut it = payload.split('|');
        let (hash, lists, lang, issued) = (it.next(), it.next(), it.next(), it.next());
        let (Some(hash), Some(lists), Some(lang), Some(issued)) = (hash, lists, lang, issued)
        else {
            return Err(TokenError::Invalid);
        };
        let issued: i64 = issued.parse().map_err(|_| TokenError::Invalid)?;
        if now - issued > CONFIRM_VALID_SECONDS || issued - now > 300 {
            return Err(TokenError::Expired);
        }
        Ok(Self {
            email_hash: hash.to_string(),
            lists: lists
                .split(',')
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            lang: lang.to_string(),
            issued,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_verifies_and_a_forged_one_does_not() {
        let s = Secret::from_bytes(b"0123456789abcdef0123456789abcdef");
        let e = EmailAddress::parse("anna@example.org").unwrap();
        let t = UnsubscribeToken::sign(&s, "media", &e);
        let v = UnsubscribeToken::verify(&s, &t).unwrap();
        assert_eq!(v.list, "media");
        assert_eq!(v.email_hash, e.hash());
        let other = Secret::from_bytes(b"another secret of thirty-two byt");
        assert!(UnsubscribeToken::verify(&other, &t).is_none());
        let forged = t.replacen("bWVkaWE", "Y2l0aXplbnM", 1);
        assert!(UnsubscribeToken::verify(&s, &forged).is_none());
        assert!(UnsubscribeToken::verify(&s, "garbage").is_none());
    }

    #[test]
    fn confirm_tokens_expire_after_seven_days() {
        let s = Secret::from_bytes(b"0123456789abcdef0123456789abcdef");
        let t = ConfirmToken {
            email_hash: "ab".repeat(32),
            lists: vec!["news".into()],
            lang: "fi".into(),
            issued: 1_000_000,
        };
        let signed = t.sign(&s);
        assert_eq!(
            ConfirmToken::verify(&s, &signed, 1_000_000 + 3600),
            Ok(t.clone())
        );
        assert_eq!(
            ConfirmToken::verify(&s, &signed, 1_000_000 + CONFIRM_VALID_SECONDS + 1),
            Err(TokenError::Expired)
        );
        let forged = format!("{}x", signed);
        assert_eq!(
            ConfirmToken::verify(&s, &forged, 1_000_000),
            Err(TokenError::Invalid)
        );
    }
}
