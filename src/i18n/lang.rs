//! The `Lang` newtype: a language code such as `fi`, `sv` or `en`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Text that is not a language code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a language code (use a two-letter code such as fi, sv or en)")]
pub struct InvalidLang(pub String);

/// A lower-case ISO 639 language code (two or three letters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Lang(String);

impl Lang {
    /// Parses a language code; only `[a-z]{2,3}` is accepted.
    pub fn parse(s: &str) -> Result<Self, InvalidLang> {
        let ok = (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase());
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(InvalidLang(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `Lang` hashes and compares as its code, so maps keyed by `Lang` can
/// be looked up with a `&str`.
impl std::borrow::Borrow<str> for Lang {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Lang::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_iso_codes_and_rejects_the_rest() {
        assert!(Lang::parse("fi").is_ok());
        assert!(Lang::parse("smn").is_ok());
        assert!(Lang::parse("FI").is_err());
        assert!(Lang::parse("fi-FI").is_err());
        assert!(Lang::parse("").is_err());
    }
}
