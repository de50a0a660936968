//! A second factor for local accounts: time-based one-time passwords
//! (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, the codes an
//! authenticator app shows), enrolled with a QR code or the secret typed
//! in, and ten single-use recovery codes. A code is accepted one step
//! either side of now (clocks drift) and never twice: the last step used
//! is kept, and only a later one is accepted after it.
//!
//! The database keeps each secret sealed (AES-256-GCM, a random nonce,
//! bound to its account) under a key derived from pressroom's signing
//! secret, which is not in the database: a copy of the database (a
//! backup sent elsewhere, a stolen file) gives no one the codes. Secrets
//! stored before sealing (20 plain bytes) are sealed when the desk starts,
//! and read as they are until then.

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::rand::SecureRandom;
use base64::Engine;

use crate::db::Db;
use crate::subscribers::Secret;

/// Seconds per step.
pub const STEP: i64 = 30;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// A shared secret (20 random bytes, as RFC 4226 recommends).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// A new random secret.
    pub fn generate() -> anyhow::Result<Self> {
        let mut bytes = vec![0u8; SECRET_LEN];
        aws_lc_rs::rand::SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| anyhow::anyhow!("the system's random generator failed"))?;
        Ok(Self(bytes))
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret of a key as an app shows it (base32, any case, spaces
    /// allowed).
    pub fn from_base32(key: &str) -> Option<Self> {
        let key: String = key
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .collect::<String>()
            .to_ascii_uppercase();
        data_encoding::BASE32_NOPAD
            .decode(key.as_bytes())
            .ok()
            .map(Self)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32 (RFC 4648, no padding): what an app takes when typed in,
    /// shown in groups of four.
    pub fn base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// The `otpauth://` address an authenticator app reads from the QR code.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer)
        )
    }

    /// The code of step `step` (RFC 4226 dynamic truncation).
    pub fn code_at(&self, step: i64) -> String {
        let key =
            aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &self.0);
        let tag = aws_lc_rs::hmac::sign(&key, &step.to_be_bytes());
        let h = tag.as_ref();
        let offset = usize::from(h[h.len() - 1] & 0x0f);
        let bin = (u32::from(h[offset]) & 0x7f) << 24
            | u32::from(h[offset + 1]) << 16
            | u32::from(h[offset + 2]) << 8
            | u32::from(h[offset + 3]);
        format!("{:06}", bin % 1_000_000)
    }

    /// The step `code` belongs to, if it is the code of the step of `now`
    /// (Unix seconds) or one either side, and later than `last_used`.
    pub fn verify(&self, code: &str, now: i64, last_used: Option<i64>) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = now.div_euclid(STEP);
        let mut found = None;
        // Every candidate is compared, in constant time, whatever matched.
        for step in [current - 1, current, current + 1] {
            if same(self.code_at(step).as_bytes(), code.as_bytes())
                && last_used.is_none_or(|l| step > l)
            {
                found = Some(step);
            }
        }
        found
    }
}

/// What a sealed secret starts with (a plain one, from before sealing, is
/// 20 bytes, shorter than any sealed one).
const SEALED: &[u8; 4] = b"PRS1";

/// Bytes of the tag that ends a sealed secret.
const TAG_LEN: usize = 16;

/// Bytes of a secret (RFC 4226 recommends 160 bits).
const SECRET_LEN: usize = 20;

/// A stored secret, as read with the desk's key.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// Sealed, and opened.
    Sealed(TotpSecret),
    /// Stored before sealing: plain bytes, to be sealed.
    Plain(TotpSecret),
    /// Neither: sealed under another key (the signing secret was replaced)
    /// or damaged. Its owner signs in with a recovery code, or an admin
    /// resets it.
    Unreadable,
}

fn sealing_key(key: &Secret) -> anyhow::Result<RandomizedNonceKey> {
    RandomizedNonceKey::new(&AES_256_GCM, &key.derived_key("desk-totp"))
        .map_err(|_| anyhow::anyhow!("cannot make the key that seals second factors"))
}

/// What a sealed secret is bound to: its account (a sealed secret copied
/// to another account's row does not open).
fn bound_to(user_id: i64) -> Aad<[u8; 8]> {
    Aad::from(user_id.to_be_bytes())
}

impl TotpSecret {
    /// The secret sealed for the database, for account `user_id`.
    pub fn seal(&self, key: &Secret, user_id: i64) -> anyhow::Result<Vec<u8>> {
        let mut sealed = self.0.clone();
        let nonce = sealing_key(key)?
            .seal_in_place_append_tag(bound_to(user_id), &mut sealed)
            .map_err(|_| anyhow::anyhow!("cannot seal a second factor"))?;
        Ok([SEALED.as_slice(), nonce.as_ref(), &sealed].concat())
    }

    /// The secret stored for account `user_id`, opened with `key`.
    pub fn open(stored: &[u8], key: &Secret, user_id: i64) -> Stored {
        if stored.len() == SECRET_LEN {
            return Stored::Plain(Self(stored.to_vec()));
        }
        let Some(rest) = stored.strip_prefix(SEALED.as_slice()) else {
            return Stored::Unreadable;
        };
        if rest.len() <= NONCE_LEN + TAG_LEN {
            return Stored::Unreadable;
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let (Ok(k), Ok(nonce)) = (sealing_key(key), Nonce::try_assume_unique_for_key(nonce)) else {
            return Stored::Unreadable;
        };
        let mut in_out = sealed.to_vec();
        match k.open_in_place(nonce, bound_to(user_id), &mut in_out) {
            Ok(plain) => Stored::Sealed(Self(plain.to_vec())),
            Err(_) => Stored::Unreadable,
        }
    }
}

/// The second factor of `user_id` from its stored bytes: a plain one (from
/// before sealing) is sealed now; an unreadable one is `None`, and said
/// in the log (the account, not the person).
fn stored(db: &Db, key: &Secret, user_id: i64, bytes: &[u8]) -> anyhow::Result<Option<TotpSecret>> {
    match TotpSecret::open(bytes, key, user_id) {
        Stored::Sealed(s) => Ok(Some(s)),
        Stored::Plain(s) => {
            db.desk()
                .totp_reseal(user_id, bytes, &s.seal(key, user_id)?)?;
            Ok(Some(s))
        }
        Stored::Unreadable => {
            tracing::warn!(
                user_id,
                "the second factor of desk account {user_id} cannot be opened with this signing secret (was it replaced?): \
                 they can sign in with a recovery code, or an admin can reset it"
            );
            Ok(None)
        }
    }
}

/// Seals every second factor stored before sealing: when the desk starts.
/// Returns how many were sealed.
pub fn seal_plain(db: &Db, key: &Secret) -> anyhow::Result<usize> {
    let mut sealed = 0;
    for (user_id, bytes) in db.desk().totp_all()? {
        if let Stored::Plain(s) = TotpSecret::open(&bytes, key, user_id) {
            sealed += usize::from(db.desk().totp_reseal(
                user_id,
                &bytes,
                &s.seal(key, user_id)?,
            )?);
        }
    }
    Ok(sealed)
}

/// The second factor `user_id` has switched on: its secret (`None` when
/// it cannot be opened, see [`Stored`]) and the last step used; `None`
/// without one.
pub fn enabled(
    db: &Db,
    key: &Secret,
    user_id: i64,
) -> anyhow::Result<Option<(Option<TotpSecret>, Option<i64>)>> {
    let Some(row) = db.desk().totp(user_id)? else {
        return Ok(None);
    };
    if row.enabled_at.is_none() {
        return Ok(None);
    }
    Ok(Some((
        stored(db, key, user_id, &row.secret)?,
        row.last_step,
    )))
}

/// Whether `a` and `b` are equal, in time that depends on their length only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Ten recovery codes (`xxxx-xxxx-xxxx`, 60 random bits each), shown once;
/// only their hashes are stored.
pub fn recovery_codes() -> anyhow::Result<Vec<String>> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 9];
            rng.fill(&mut bytes)
                .map_err(|_| anyhow::anyhow!("the system's random generator failed"))?;
            let s = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(bytes)
                .to_ascii_lowercase()
                .replace(['-', '_'], "x");
            Ok(format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12]))
        })
        .collect()
}

/// A recovery code as typed, in the form it was hashed in.
pub fn normalise_recovery(code: &str) -> String {
    code.trim().to_ascii_lowercase().replace(' ', "")
}

/// The enrolment QR code of `uri`, as an SVG picture.
pub fn qr_svg(uri: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(uri.as_bytes())?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Where a person's second factor stands, for their account page.
#[derive(Debug, Clone)]
pub enum Enrolment {
    /// On since then, with this many recovery codes left.
    On { since: String, codes_left: u64 },
    /// Being enrolled: the secret to show (QR code and text).
    Pending(TotpSecret),
}

/// The enrolment of `user`: on, or pending (a new secret is made when
/// there is none yet; one not confirmed stays until it is).
/// A pending secret that cannot be opened is replaced by a new one.
pub fn enrolment(db: &Db, key: &Secret, user: &super::User) -> anyhow::Result<Enrolment> {
    if let Some(row) = db.desk().totp(user.id)? {
        if let Some(since) = row.enabled_at {
            return Ok(Enrolment::On {
                since,
                codes_left: db.desk().recovery_codes_left(user.id)?,
            });
        }
        if let Some(secret) = stored(db, key, user.id, &row.secret)? {
            return Ok(Enrolment::Pending(secret));
        }
    }
    let secret = TotpSecret::generate()?;
    db.desk().totp_begin(user.id, &secret.seal(key, user.id)?)?;
    Ok(Enrolment::Pending(secret))
}

/// Confirms the pending enrolment of `user` with a first `code` from their
/// app: the ten recovery codes (to show once), or `None` when the code is
/// wrong (or there is nothing pending). Audited.
pub fn confirm(
    db: &Db,
    key: &Secret,
    actor: &super::Actor,
    user: &super::User,
    code: &str,
    now: i64,
) -> anyhow::Result<Option<Vec<String>>> {
    let Some(row) = db.desk().totp(user.id)? else {
        return Ok(None);
    };
    if row.enabled_at.is_some() {
        return Ok(None);
    }
    let Some(secret) = stored(db, key, user.id, &row.secret)? else {
        return Ok(None);
    };
    let Some(step) = secret.verify(code, now, None) else {
        return Ok(None);
    };
    let codes = recovery_codes()?;
    let hashes: Vec<String> = codes.iter().map(|c| super::token_hash(c)).collect();
    db.desk().totp_enable(user.id, step, &hashes)?;
    super::audit::record(
        db,
        actor,
        super::audit::Action::TotpEnabled,
        Some(user.email.as_str()),
        None,
    )?;
    Ok(Some(codes))
}

/// An admin removes the second factor of `user` (a lost phone and lost
/// recovery codes); they enrol again at their next sign-in. Audited.
pub fn reset(db: &Db, actor: &super::Actor, user: &super::User) -> anyhow::Result<()> {
    db.desk().totp_remove(user.id)?;
    super::audit::record(
        db,
        actor,
        super::audit::Action::TotpReset,
        Some(user.email.as_str()),
        None,
    )?;
    Ok(())
}

/// Whether `user` has a second factor switched on.
pub fn is_on(db: &Db, user: &super::User) -> anyhow::Result<bool> {
    Ok(db
        .desk()
        .totp(user.id)?
        .is_some_and(|r| r.enabled_at.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
    #[test]
    fn the_codes_are_rfc_6238_s() {
        let s = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(s.code_at(time / STEP), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_good_one_step_either_side_and_only_once() {
        let s = TotpSecret::generate().unwrap();
        let now = 1_800_000_000;
        let step = now / STEP;
        assert_eq!(s.verify(&s.code_at(step), now, None), Some(step));
        assert_eq!(s.verify(&s.code_at(step - 1), now, None), Some(step - 1));
        assert_eq!(s.verify(&s.code_at(step + 1), now, None), Some(step + 1));
        assert_eq!(s.verify(&s.code_at(step - 2), now, None), None);
        // Used: the same code, or an earlier one, is refused.
        assert_eq!(s.verify(&s.code_at(step), now, Some(step)), None);
        assert_eq!(s.verify(&s.code_at(step - 1), now, Some(step)), None);
        assert_eq!(s.verify("12345", now, None), None);
        assert_eq!(s.verify("abcdef", now, None), None);
        let spaced = format!("{} {}", &s.code_at(step)[..3], &s.code_at(step)[3..]);
        assert_eq!(s.verify(&spaced, now, None), Some(step));
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_account() {
        let key = Secret::from_bytes(b"a signing secret of thirty-two bytes!");
        let s = TotpSecret::generate().unwrap();
        let sealed = s.seal(&key, 7).unwrap();
        assert!(sealed.starts_with(SEALED));
        assert!(
            !sealed
                .windows(s.as_bytes().len())
                .any(|w| w == s.as_bytes()),
            "the secret is not in what is stored"
        );
        assert_ne!(sealed, s.seal(&key, 7).unwrap(), "a new nonce each time");
        assert_eq!(
            TotpSecret::open(&sealed, &key, 7),
            Stored::Sealed(s.clone())
        );
        // Another account's row, another signing secret, a changed byte.
        assert_eq!(TotpSecret::open(&sealed, &key, 8), Stored::Unreadable);
        let other = Secret::from_bytes(b"another signing secret, also long!!");
        assert_eq!(TotpSecret::open(&sealed, &other, 7), Stored::Unreadable);
        for i in [SEALED.len(), SEALED.len() + NONCE_LEN, sealed.len() - 1] {
            let mut bent = sealed.clone();
            bent[i] ^= 1;
            assert_eq!(
                TotpSecret::open(&bent, &key, 7),
                Stored::Unreadable,
                "byte {i}"
            );
        }
        assert_eq!(
            TotpSecret::open(&sealed[..sealed.len() - 1], &key, 7),
            Stored::Unreadable
        );
    }

    #[test]
    fn a_plain_secret_from_before_sealing_is_read_and_nothing_else_is() {
        let key = Secret::from_bytes(b"a signing secret of thirty-two bytes!");
        let plain = b"12345678901234567890";
        assert_eq!(
            TotpSecret::open(plain, &key, 1),
            Stored::Plain(TotpSecret::from_bytes(plain.to_vec()))
        );
        for other in [
            &b""[..],
            b"PRS1",
            &[0u8; 21],
            &[b'P', b'R', b'S', b'1', 0, 0, 0],
        ] {
            assert_eq!(TotpSecret::open(other, &key, 1), Stored::Unreadable);
        }
    }

    #[test]
    fn the_uri_and_the_recovery_codes_are_well_formed() {
        let s = TotpSecret::from_bytes(vec![0; 20]);
        assert_eq!(s.base32(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(
            s.uri("Kaislamaa desk", "a@example.fi"),
            "otpauth://totp/Kaislamaa%20desk:a%40example%2Efi?secret=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&issuer=Kaislamaa%20desk&algorithm=SHA1&digits=6&period=30"
        );
        let codes = recovery_codes().unwrap();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 14 && c.as_bytes()[4] == b'-')
        );
        assert!(qr_svg(&s.uri("x", "y")).unwrap().starts_with("<?xml"));
    }
}
