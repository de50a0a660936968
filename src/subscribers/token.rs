//! Signed tokens for unsubscribe links (HMAC-SHA256 of the list and the
//! address hash under a secret that never leaves the machine).
//!
//! The secret comes from `PRESSROOM_SECRET`, or from a key file created on
//! first use with mode 0600. It is never printed.

use std::fs;
use std::io::Write;
use std::path::Path;

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

/// Why the signing secret could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("PRESSROOM_SECRET is too short: use at least 32 random characters")]
    EnvTooShort,
    #[error(
        "{} is too short to be a secret; delete it to have a new one made (existing unsubscribe links stop working)",
        .0.display()
    )]
    FileTooShort(std::path::PathBuf),
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Secret {
    /// From bytes (tests).
    pub fn from_bytes(b: &[u8]) -> Self {
        Self(b.to_vec())
    }

    /// `PRESSROOM_SECRET`, else the key file (created with mode 0600 if missing).
    pub fn load(key_file: &Path) -> Result<Self, SecretError> {
        if let Ok(s) = std::env::var("PRESSROOM_SECRET") {
            if s.len() < 32 {
                return Err(SecretError::EnvTooShort);
            }
            return Ok(Self(s.into_bytes()));
        }
        let io = |what: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| SecretError::Io { what, path, source }
        };
        match fs::read(key_file) {
            Ok(b) if b.len() >= 32 => return Ok(Self(b)),
            Ok(_) => return Err(SecretError::FileTooShort(key_file.to_path_buf())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("read the secret", key_file)(e)),
        }
        let mut bytes = [0u8; 48];
        getrandom(&mut bytes).map_err(io("get random bytes for a new secret", key_file))?;
        let text = B64.encode(bytes);
        if let Some(dir) = key_file.parent() {
            fs::create_dir_all(dir).map_err(io("create the folder of", key_file))?;
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
            .map_err(io("create the secret", key_file))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(io("write the secret", key_file))?;
        Ok(Self(text.into_bytes()))
    }

    /// A 256-bit key for one `purpose` only (HMAC-SHA256 of the purpose
    /// under the secret): what seals data the database keeps, so that a
    /// copy of the database (a backup) without the secret cannot open it.
    pub fn derived_key(&self, purpose: &str) -> [u8; 32] {
        let tag = self
            .mac(&[b"pressroom-derived-key-v1", purpose.as_bytes()])
            .finalize()
            .into_bytes();
        let mut key = [0u8; 32];
        key.copy_from_slice(&tag);
        key
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

/// Bytes from hex digits (either case); `None` for anything else.
fn unhex(s: &str) -> Option<Vec<u8>> {
    // Digits only: `from_str_radix` alone would take a sign ("+f").
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// Fills `buf` from the operating system's generator (getrandom(2)).
fn getrandom(buf: &mut [u8]) -> std::io::Result<()> {
    use aws_lc_rs::rand::SecureRandom as _;
    aws_lc_rs::rand::SystemRandom::new()
        .fill(buf)
        .map_err(|_| std::io::Error::other("the system's random generator failed"))
}

/// Who a token is about.
///
/// Version 2 tokens carry a keyed identifier (an HMAC of the address hash
/// under the secret, see [`Secret::link_id`]), which says nothing to whoever
/// sees the link; the database maps it back to the address hash. Version 1
/// tokens, issued before, carried the plain SHA-256 of the address; they keep
/// working until they expire or their address is erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A keyed identifier (version 2).
    LinkId(String),
    /// The SHA-256 of the address in hex (version 1 links already sent).
    LegacyHash(String),
}

/// What an unsubscribe token says: which list, which address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeToken {
    pub list: String,
    pub subject: Subject,
}

const PURPOSE_V1: &[u8] = b"pressroom-unsubscribe-v1";
const PURPOSE: &[u8] = b"pressroom-unsubscribe-v2";
const LINK_ID: &[u8] = b"pressroom-link-id-v2";
const VERP: &[u8] = b"pressroom-verp-v1";

/// Bytes of MAC a VERP tag carries: 64 bits, so a forger must guess them
/// for each address and release.
pub const VERP_MAC_LEN: usize = 8;

/// Length of a version 1 MAC (HMAC-SHA256 cut to 128 bits, as issued).
const V1_MAC_LEN: usize = 16;

/// Checks `mac` against the full expected tag, in constant time. A tag of
/// any other length is refused: a cut tag is a forgery, however short.
fn verify_full(m: HmacSha256, mac: &[u8], len: usize) -> Option<()> {
    if mac.len() != len {
        return None;
    }
    m.verify_truncated_left(mac).ok()
}

impl Secret {
    /// The MAC of a VERP tag's payload: lower-case hex, 16 characters.
    pub fn verp_mac(&self, payload: &str) -> String {
        let tag = self
            .mac(&[VERP, payload.as_bytes()])
            .finalize()
            .into_bytes();
        super::hex(&tag[..VERP_MAC_LEN])
    }

    /// Whether `mac` (hex, any case) is the full MAC of `payload`, checked
    /// in constant time.
    pub fn verify_verp(&self, payload: &str, mac: &str) -> bool {
        let Some(bytes) = unhex(mac) else {
            return false;
        };
        verify_full(self.mac(&[VERP, payload.as_bytes()]), &bytes, VERP_MAC_LEN).is_some()
    }

    /// The keyed identifier of an address hash that links carry: 128 bits of
    /// HMAC-SHA256, URL-safe base64 (22 characters).
    pub fn link_id(&self, email_hash: &str) -> String {
        let tag = self
            .mac(&[LINK_ID, email_hash.as_bytes()])
            .finalize()
            .into_bytes();
        B64.encode(&tag[..16])
    }
}

/// What a desk form token is for: it is valid for that purpose only.
const FORM: &[u8] = b"pressroom-desk-form-v1";

impl Secret {
    /// The token a desk form carries (CSRF): the full HMAC of `purpose` and
    /// `bound_to` (the sign-in's cookie, or the sign-in page's nonce),
    /// URL-safe base64. A form copied from one sign-in is refused in another.
    pub fn form_token(&self, purpose: &str, bound_to: &str) -> String {
        let mac = self
            .mac(&[FORM, purpose.as_bytes(), bound_to.as_bytes()])
            .finalize()
            .into_bytes();
        B64.encode(mac)
    }

    /// Whether `token` is the full form token of `purpose` and `bound_to`,
    /// checked in constant time.
    pub fn verify_form_token(&self, purpose: &str, bound_to: &str, token: &str) -> bool {
        let Ok(mac) = B64.decode(token.trim()) else {
            return false;
        };
        verify_full(
            self.mac(&[FORM, purpose.as_bytes(), bound_to.as_bytes()]),
            &mac,
            32,
        )
        .is_some()
    }
}

fn is_link_id(s: &str) -> bool {
    s.len() == 22
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_hex_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl UnsubscribeToken {
    /// The lists the link unsubscribes from: one message goes to a person
    /// once for all the lists they are on, and its link names every one
    /// (comma-separated; list names have no commas).
    pub fn lists(&self) -> impl Iterator<Item = &str> {
        self.list.split(',').filter(|l| !l.is_empty())
    }
}

impl UnsubscribeToken {
    /// `u2.LIST.ID.MAC`, URL-safe, with the full 256-bit MAC.
    pub fn sign(secret: &Secret, list: &str, email: &EmailAddress) -> String {
        Self::sign_hash(secret, list, &email.hash())
    }

    pub fn sign_hash(secret: &Secret, list: &str, email_hash: &str) -> String {
        Self::sign_id(secret, list, &secret.link_id(email_hash))
    }

    /// Signs a token for a link identifier (see [`Secret::link_id`]).
    pub fn sign_id(secret: &Secret, list: &str, link_id: &str) -> String {
        let mac = secret
            .mac(&[PURPOSE, list.as_bytes(), link_id.as_bytes()])
            .finalize()
            .into_bytes();
        format!("u2.{}.{link_id}.{}", B64.encode(list), B64.encode(mac))
    }

    /// A version 1 token, as links sent before version 2 carry (tests).
    pub fn sign_v1(secret: &Secret, list: &str, email_hash: &str) -> String {
        let mac = secret
            .mac(&[PURPOSE_V1, list.as_bytes(), email_hash.as_bytes()])
            .finalize()
            .into_bytes();
        format!(
            "{}.{}.{}",
            B64.encode(list),
            email_hash,
            B64.encode(&mac[..V1_MAC_LEN])
        )
    }

    /// Checks a token: its version, its shape and its full MAC (constant time).
    pub fn verify(secret: &Secret, token: &str) -> Option<Self> {
        let parts: Vec<&str> = token.split('.').collect();
        match parts.as_slice() {
            ["u2", list, id, mac] if is_link_id(id) => {
                let list = String::from_utf8(B64.decode(list).ok()?).ok()?;
                let mac = B64.decode(mac).ok()?;
                verify_full(
                    secret.mac(&[PURPOSE, list.as_bytes(), id.as_bytes()]),
                    &mac,
                    32,
                )?;
                Some(Self {
                    list,
                    subject: Subject::LinkId((*id).to_string()),
                })
            }
            [list, hash, mac] if is_hex_hash(hash) => {
                let list = String::from_utf8(B64.decode(list).ok()?).ok()?;
                let mac = B64.decode(mac).ok()?;
                verify_full(
                    secret.mac(&[PURPOSE_V1, list.as_bytes(), hash.as_bytes()]),
                    &mac,
                    V1_MAC_LEN,
                )?;
                Some(Self {
                    list,
                    subject: Subject::LegacyHash((*hash).to_string()),
                })
            }
            _ => None,
        }
    }
}

/// What a confirmation token says: which address, which lists, which
/// language, and when it was issued. It expires after 7 days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmToken {
    pub subject: Subject,
    pub lists: Vec<String>,
    pub lang: String,
    pub issued: i64,
}

const CONFIRM_V1: &[u8] = b"pressroom-confirm-v1";
const CONFIRM: &[u8] = b"pressroom-confirm-v2";

/// How long a confirmation link works.
pub const CONFIRM_VALID_SECONDS: i64 = 7 * 24 * 3600;

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    Expired,
}

impl ConfirmToken {
    /// `c2.PAYLOAD.MAC` with the full 256-bit MAC. A `LegacyHash` subject
    /// signs a version 1 token (`PAYLOAD.MAC`, 128-bit MAC), as sent before.
    pub fn sign(&self, secret: &Secret) -> String {
        let (id, purpose, mac_len, prefix) = match &self.subject {
            Subject::LinkId(id) => (id, CONFIRM, 32, "c2."),
            Subject::LegacyHash(h) => (h, CONFIRM_V1, V1_MAC_LEN, ""),
        };
        let payload = format!(
            "{id}|{}|{}|{}",
            self.lists.join(","),
            self.lang,
            self.issued
        );
        let mac = secret
            .mac(&[purpose, payload.as_bytes()])
            .finalize()
            .into_bytes();
        format!(
            "{prefix}{}.{}",
            B64.encode(payload),
            B64.encode(&mac[..mac_len])
        )
    }

    /// Checks the version, the full signature (constant time) and the age
    /// at `now` (Unix seconds).
    pub fn verify(secret: &Secret, token: &str, now: i64) -> Result<Self, TokenError> {
        let parts: Vec<&str> = token.split('.').collect();
        let (purpose, mac_len, payload, mac) = match parts.as_slice() {
            ["c2", payload, mac] => (CONFIRM, 32, *payload, *mac),
            [payload, mac] => (CONFIRM_V1, V1_MAC_LEN, *payload, *mac),
            _ => return Err(TokenError::Invalid),
        };
        let payload = B64.decode(payload).map_err(|_| TokenError::Invalid)?;
        let mac = B64.decode(mac).map_err(|_| TokenError::Invalid)?;
        verify_full(secret.mac(&[purpose, &payload]), &mac, mac_len).ok_or(TokenError::Invalid)?;
        let payload = String::from_utf8(payload).map_err(|_| TokenError::Invalid)?;
        let mut it = payload.split('|');
        let (id, lists, lang, issued) = (it.next(), it.next(), it.next(), it.next());
        let (Some(id), Some(lists), Some(lang), Some(issued), None) =
            (id, lists, lang, issued, it.next())
        else {
            return Err(TokenError::Invalid);
        };
        let subject = if purpose == CONFIRM && is_link_id(id) {
            Subject::LinkId(id.to_string())
        } else if purpose == CONFIRM_V1 && is_hex_hash(id) {
            Subject::LegacyHash(id.to_string())
        } else {
            return Err(TokenError::Invalid);
        };
        let issued: i64 = issued.parse().map_err(|_| TokenError::Invalid)?;
        if now - issued > CONFIRM_VALID_SECONDS || issued - now > 300 {
            return Err(TokenError::Expired);
        }
        Ok(Self {
            subject,
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

    fn secret() -> Secret {
        Secret::from_bytes(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_signed_token_verifies_and_a_forged_one_does_not() {
        let s = secret();
        let e = EmailAddress::parse("anna@example.org").unwrap();
        let t = UnsubscribeToken::sign(&s, "media", &e);
        assert!(t.starts_with("u2."), "{t}");
        assert!(!t.contains(&e.hash()), "no plain address hash in the link");
        let v = UnsubscribeToken::verify(&s, &t).unwrap();
        assert_eq!(v.list, "media");
        assert_eq!(v.subject, Subject::LinkId(s.link_id(&e.hash())));
        let other = Secret::from_bytes(b"another secret of thirty-two byt");
        assert!(UnsubscribeToken::verify(&other, &t).is_none());
        assert_ne!(other.link_id(&e.hash()), s.link_id(&e.hash()));
        let forged = t.replacen("bWVkaWE", "Y2l0aXplbnM", 1);
        assert!(UnsubscribeToken::verify(&s, &forged).is_none());
        assert!(UnsubscribeToken::verify(&s, "garbage").is_none());
    }

    /// Cuts the MAC (the last dot-separated part) to `n` bytes.
    fn cut(token: &str, n: usize) -> String {
        let (head, mac) = token.rsplit_once('.').unwrap();
        let mac = B64.decode(mac).unwrap();
        format!("{head}.{}", B64.encode(&mac[..n]))
    }

    #[test]
    fn a_cut_mac_is_refused_however_it_was_cut() {
        let s = secret();
        let h = EmailAddress::parse("anna@example.org").unwrap().hash();
        let unsub = UnsubscribeToken::sign_hash(&s, "media", &h);
        let v1 = UnsubscribeToken::sign_v1(&s, "media", &h);
        let confirm = ConfirmToken {
            subject: Subject::LinkId(s.link_id(&h)),
            lists: vec!["media".into()],
            lang: "fi".into(),
            issued: 1_000_000,
        }
        .sign(&s);
        assert!(
            UnsubscribeToken::verify(&s, &v1).is_some(),
            "old links work"
        );
        for n in [0, 1, 8, 15, 16, 31] {
            assert!(
                UnsubscribeToken::verify(&s, &cut(&unsub, n)).is_none(),
                "{n}"
            );
            assert_eq!(
                ConfirmToken::verify(&s, &cut(&confirm, n), 1_000_000),
                Err(TokenError::Invalid),
                "{n}"
            );
        }
        for n in [0, 1, 8, 15] {
            assert!(UnsubscribeToken::verify(&s, &cut(&v1, n)).is_none(), "{n}");
        }
        // A version 2 token with a version 1 tag length, and the reverse.
        let (head, _) = v1.rsplit_once('.').unwrap();
        let (_, long) = unsub.rsplit_once('.').unwrap();
        assert!(UnsubscribeToken::verify(&s, &format!("{head}.{long}")).is_none());
    }

    #[test]
    fn confirm_tokens_expire_after_seven_days() {
        let s = secret();
        for subject in [
            Subject::LinkId(s.link_id(&"ab".repeat(32))),
            Subject::LegacyHash("ab".repeat(32)),
        ] {
            let t = ConfirmToken {
                subject,
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
}
