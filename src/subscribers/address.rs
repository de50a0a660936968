//! The `EmailAddress` newtype: a validated, normalised address.

use std::fmt;

use sha2::{Digest, Sha256};

/// Why text is not an address pressroom sends to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address is empty")]
    Empty,
    #[error("'{0}' has no '@'")]
    NoAt(String),
    #[error("'{0}' has no valid part before the '@'")]
    NoLocalPart(String),
    #[error("'{0}' is not a valid domain name")]
    BadDomain(String),
    #[error("'{0}' is not a full domain name (such as example.org)")]
    PartialDomain(String),
    #[error("'{0}' uses a quoted name or an IP address literal, which pressroom does not send to")]
    QuotedOrLiteral(String),
    #[error("'{0}' is not a valid email address")]
    Invalid(String),
    #[error(
        "'{0}' has letters outside ASCII before the '@'; only a relay that offers SMTPUTF8 can deliver it. If yours does, set [delivery] smtputf8 = true"
    )]
    NeedsSmtputf8(String),
}

/// A syntactically valid address, lower-cased, with an IDN domain in its
/// ASCII (punycode) form. Two spellings of one address compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses and normalises an address; the error says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, AddressError> {
        use AddressError as E;
        let s = raw.trim().trim_start_matches("mailto:");
        if s.is_empty() {
            return Err(E::Empty);
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(|| E::NoAt(s.into()))?;
        if local.is_empty() || local.len() > 64 {
            return Err(E::NoLocalPart(s.into()));
        }
        let ascii = idna::domain_to_ascii(domain).map_err(|_| E::BadDomain(domain.into()))?;
        if !ascii.contains('.') || ascii.starts_with('.') || ascii.ends_with('.') {
            return Err(E::PartialDomain(domain.into()));
        }
        let candidate = format!("{}@{ascii}", local.to_lowercase());
        // One rule everywhere: what is accepted here can be sent by lettre
        // and written into an SMTP envelope. Quoted local parts and address
        // literals (`"a b"@x`, `a@[192.0.2.1]`) are refused.
        if local.starts_with('"') || domain.starts_with('[') {
            return Err(E::QuotedOrLiteral(s.into()));
        }
        if !email_address::EmailAddress::is_valid(&candidate)
            || candidate.parse::<lettre::Address>().is_err()
        {
            return Err(E::Invalid(s.into()));
        }
        Ok(Self(candidate))
    }

    /// An address this process parsed itself and kept aside (an import's
    /// sort spills its rows to an unnamed file and reads them back): not
    /// checked again. Never for bytes from outside.
    pub(crate) fn already_parsed(normalised: String) -> Self {
        debug_assert!(normalised.contains('@'));
        Self(normalised)
    }

    /// True when the part before the '@' has letters outside ASCII
    /// (`päivi@…`): only a relay that offers SMTPUTF8 (RFC 6531) can carry it.
    pub fn needs_smtputf8(&self) -> bool {
        !self.0.is_ascii()
    }

    /// Refuses an address that needs SMTPUTF8 unless the relay offers it
    /// (`[delivery] smtputf8 = true`); the error says what to do.
    pub fn check_mailable(&self, smtputf8: bool) -> Result<(), AddressError> {
        if self.needs_smtputf8() && !smtputf8 {
            return Err(AddressError::NeedsSmtputf8(self.0.clone()));
        }
        Ok(())
    }

    /// The address as lettre takes it (always possible: `parse` checked).
    pub fn to_lettre(&self) -> lettre::Address {
        self.0
            .parse()
            .expect("EmailAddress::parse accepts only addresses lettre accepts")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the normalised address, in hex: how suppressions remember
    /// an address whose personal data has been erased.
    pub fn hash(&self) -> String {
        hex(&self.digest())
    }

    /// [`Self::hash`] before it is written in hex: 32 bytes that sort in
    /// the same order as the hex text.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }

    /// The domain part.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// `text` with anything shaped like an email address replaced by `<address>`
/// (SMTP replies and errors quote the recipient).
pub fn redact_addresses(text: &str) -> String {
    let is_local = |c: char| c.is_alphanumeric() || "._%+-!#$&'*=?^`{|}~".contains(c);
    let is_domain = |c: char| c.is_alphanumeric() || c == '.' || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices('@') {
        if at < copied {
            continue;
        }
        let start = text[copied..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_local(c))
            .last()
            .map_or(at, |(i, _)| copied + i);
        let end = text[at + 1..]
            .char_indices()
            .find(|&(_, c)| !is_domain(c))
            .map_or(text.len(), |(i, _)| at + 1 + i);
        if start < at && end > at + 1 {
            out.push_str(&text[copied..start]);
            out.push_str("<address>");
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_so_duplicates_match() {
        let a = EmailAddress::parse("  Anna.Virtanen@Example.ORG ").unwrap();
        let b = EmailAddress::parse("anna.virtanen@example.org").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.hash(), b.hash());
    }

    #[test]
    fn idn_domains_are_accepted_in_ascii_form() {
        let a = EmailAddress::parse("toimitus@hämeenlinna.example").unwrap();
        assert_eq!(a.as_str(), "toimitus@xn--hmeenlinna-q5a.example");
    }

    #[test]
    fn invalid_addresses_say_why() {
        assert!(
            EmailAddress::parse("")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(
            EmailAddress::parse("anna.example.org")
                .unwrap_err()
                .to_string()
                .contains("no '@'")
        );
        assert!(
            EmailAddress::parse("anna@localhost")
                .unwrap_err()
                .to_string()
                .contains("full domain")
        );
        assert!(EmailAddress::parse("an na@example.org").is_err());
        for bad in ["\"a b\"@example.org", "a@[127.0.0.1]", "\"x\"@example.org"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        // Every accepted address converts for sending.
        for ok in [
            "a.b+c@example.org",
            "o'neil@example.org",
            "x@hämeenlinna.example",
        ] {
            let _ = EmailAddress::parse(ok).unwrap().to_lettre();
        }
        assert!(EmailAddress::parse("@example.org").is_err());
        let utf8 = EmailAddress::parse("Päivi.Ääninen@example.org").unwrap();
        assert!(utf8.needs_smtputf8());
        assert!(
            utf8.check_mailable(false)
                .unwrap_err()
                .to_string()
                .contains("SMTPUTF8")
        );
        assert!(utf8.check_mailable(true).is_ok());
        let _ = utf8.to_lettre();
        assert!(
            !EmailAddress::parse("a@hämeenlinna.example")
                .unwrap()
                .needs_smtputf8()
        );
    }
}
