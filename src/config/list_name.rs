//! The `ListName` newtype: the name of a `[lists.NAME]` table.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Text that cannot name a list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "list name '{0}' may only contain letters, digits, '-' and '_' (at most {max} characters)",
    max = ListName::MAX_CHARS
)]
pub struct InvalidListName(pub String);

/// Letters, digits, `-` and `_`, as in `[lists.NAME]`: never a comma (the
/// journal joins the lists of one message with commas), a space or markup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ListName(String);

impl ListName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(s: &str) -> Result<Self, InvalidListName> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_CHARS
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(InvalidListName(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `a, b, c`, for messages.
    pub fn join(lists: &[ListName]) -> String {
        lists
            .iter()
            .map(ListName::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ListName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for ListName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Maps keyed by `ListName` can be looked up with a `&str`.
impl std::borrow::Borrow<str> for ListName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ListName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ListName::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_letters_digits_hyphens_and_underscores_name_a_list() {
        for ok in ["news", "media-fi", "board_2026"] {
            assert_eq!(ListName::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "a,b", "two words", "<b>", "ö", &"x".repeat(65)] {
            assert!(ListName::parse(bad).is_err(), "{bad}");
        }
    }
}
