//! VERP return paths (`[delivery] return_path`): the envelope sender of each
//! release message names its journal row, signed with the pressroom secret,
//! so that a bounce that comes back days later says whose address failed in
//! which release, and no forged bounce can suppress anyone.
//!
//! `bounces@bounce.example.org` becomes
//! `bounces+12-0123456789abcdef0123-0123456789abcdef@bounce.example.org`:
//! the release's number in the journal, the first 80 bits of the address
//! hash and 64 bits of HMAC over both, all in lower-case hex (relays may
//! change the case of a local part).

use lettre::Address;

use crate::subscribers::{EmailAddress, Secret};

/// Hex digits of the address hash a tag carries (80 bits).
const HASH_HEX: usize = 20;
/// The longest tag: a release number of up to 9 digits, the hash, the MAC,
/// two `-`.
const TAG_MAX: usize = 9 + 1 + HASH_HEX + 1 + crate::subscribers::VERP_MAC_LEN * 2;

/// Why `[delivery] return_path` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnPathError {
    #[error("[delivery] return_path: {0}")]
    Address(#[from] crate::subscribers::AddressError),
    #[error(
        "[delivery] return_path '{0}' has a '+' before the '@': pressroom adds '+TAG' itself; give the plain address (bounces@…)"
    )]
    Plus(String),
    #[error(
        "[delivery] return_path '{0}': the part before the '@' is too long to carry a bounce tag (at most {max} characters)",
        max = 64 - 1 - TAG_MAX
    )]
    TooLong(String),
}

/// The base address of VERP return paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath {
    local: String,
    domain: String,
}

/// What a verified tag names: a release (by its number in the journal) and
/// the start of an address hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub release_id: i64,
    pub hash_prefix: String,
}

impl ReturnPath {
    pub fn parse(text: &str) -> Result<Self, ReturnPathError> {
        let email = EmailAddress::parse(text)?;
        let (local, domain) = email
            .as_str()
            .rsplit_once('@')
            .expect("a parsed address has an '@'");
        if local.contains('+') {
            return Err(ReturnPathError::Plus(text.to_string()));
        }
        if local.len() + 1 + TAG_MAX > 64 {
            return Err(ReturnPathError::TooLong(text.to_string()));
        }
        Ok(Self {
            local: local.to_string(),
            domain: domain.to_string(),
        })
    }

    /// The domain bounces go to (it needs SPF and an MX of its own).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The envelope sender of the message of `release_id` to the address
    /// whose hash is `email_hash`.
    pub fn address(&self, secret: &Secret, release_id: i64, email_hash: &str) -> Address {
        let payload = format!(
            "{release_id}-{}",
            email_hash.get(..HASH_HEX).unwrap_or(email_hash)
        );
        let mac = secret.verp_mac(&payload);
        format!("{}+{payload}-{mac}@{}", self.local, self.domain)
            .parse()
            .expect("a return path with a hex tag is a valid address")
    }

    /// The tag of `address` if it is one of ours and its MAC is right;
    /// anything else (another address, a forged or cut tag) is `None`.
    pub fn tag_of(&self, secret: &Secret, address: &str) -> Option<Tag> {
        let address = address.trim().trim_start_matches('<').trim_end_matches('>');
        let (local, domain) = address.rsplit_once('@')?;
        if !domain.eq_ignore_ascii_case(&self.domain) {
            return None;
        }
        let (base, tag) = local.split_once('+')?;
        if !base.eq_ignore_ascii_case(&self.local) || tag.len() > TAG_MAX {
            return None;
        }
        let tag = tag.to_ascii_lowercase();
        let (payload, mac) = tag.rsplit_once('-')?;
        let (release, hash_prefix) = payload.split_once('-')?;
        let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
        if hash_prefix.len() != HASH_HEX
            || !hex(hash_prefix)
            || release.is_empty()
            || !release.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        if !secret.verify_verp(payload, mac) {
            return None;
        }
        Some(Tag {
            release_id: release.parse().ok()?,
            hash_prefix: hash_prefix.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp() -> ReturnPath {
        ReturnPath::parse("Bounces@Bounce.Example.org").unwrap()
    }

    #[test]
    fn a_tag_names_the_release_and_the_address_and_only_its_signer_can_make_one() {
        let secret = Secret::from_bytes(&[7; 32]);
        let hash = EmailAddress::parse("anna@example.org").unwrap().hash();
        let a = rp().address(&secret, 12, &hash).to_string();
        assert!(a.starts_with("bounces+12-"), "{a}");
        assert!(a.ends_with("@bounce.example.org"), "{a}");
        assert!(a.split('@').next().unwrap().len() <= 64);
        let tag = rp().tag_of(&secret, &a).unwrap();
        assert_eq!(tag.release_id, 12);
        assert_eq!(tag.hash_prefix, hash[..20]);
        // Case changed on the way, angle brackets: still ours.
        assert_eq!(
            rp().tag_of(&secret, &format!("<{}>", a.to_uppercase())),
            Some(tag)
        );
        // Another secret, another release number, a cut MAC, another domain.
        let other = Secret::from_bytes(&[8; 32]);
        assert_eq!(rp().tag_of(&other, &a), None);
        let forged = a.replacen("+12-", "+13-", 1);
        assert_eq!(rp().tag_of(&secret, &forged), None);
        let (local, domain) = a.rsplit_once('@').unwrap();
        let cut = format!("{}@{domain}", &local[..local.len() - 2]);
        assert_eq!(rp().tag_of(&secret, &cut), None);
        assert_eq!(rp().tag_of(&secret, &format!("{local}@example.org")), None);
        for junk in [
            "",
            "@",
            "bounces@bounce.example.org",
            "bounces+@bounce.example.org",
            "bounces+a-b-c@bounce.example.org",
        ] {
            assert_eq!(rp().tag_of(&secret, junk), None, "{junk}");
        }
    }

    #[test]
    fn a_return_path_must_leave_room_for_the_tag() {
        assert!(matches!(
            ReturnPath::parse("bounces+x@example.org"),
            Err(ReturnPathError::Plus(_))
        ));
        assert!(matches!(
            ReturnPath::parse(&format!("{}@example.org", "b".repeat(30))),
            Err(ReturnPathError::TooLong(_))
        ));
        assert!(ReturnPath::parse("not an address").is_err());
    }
}
