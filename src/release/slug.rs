//! The `Slug` newtype: the URL segment of a release or keyword.

use std::fmt;

/// Text that is not a slug, with the slug it could be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{given}' is not a valid slug: use lower-case letters a-z, digits and single hyphens (for example '{suggestion}')"
)]
pub struct InvalidSlug {
    pub given: String,
    pub suggestion: String,
}

/// Lower-case ASCII letters, digits and single hyphens, e.g. `regional-plan-2030`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Slug(String);

/// Read back (from the build's cache) only if it is a slug.
impl<'de> serde::Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Slug::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Slug {
    /// Accepts only a slug that is already in canonical form.
    pub fn parse(s: &str) -> Result<Self, InvalidSlug> {
        let ok = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(InvalidSlug {
                given: s.to_string(),
                suggestion: slugify(s).0,
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A slug made from any text: "Ympäristö & ilmasto" → `ymparisto-ilmasto`.
pub fn slugify(text: &str) -> Slug {
    let s = slug::slugify(text);
    Slug(if s.is_empty() { "untitled".into() } else { s })
}

/// Longest slug that `pressroom new` makes from a title (a headline of
/// twenty words makes a file name and an address nobody can read).
pub const NEW_SLUG_MAX: usize = 60;

/// [`slugify`], cut at the last word boundary (a hyphen) within `max`
/// characters, or at `max` when a single word is longer.
pub fn slugify_at_most(text: &str, max: usize) -> Slug {
    let full = slugify(text).0;
    if full.len() <= max {
        return Slug(full);
    }
    // Slugs are ASCII: byte offsets are characters.
    let cut = &full[..max];
    let cut = match cut.rfind('-') {
        Some(at) if at > 0 && full.as_bytes()[max] != b'-' => &cut[..at],
        _ => cut.trim_end_matches('-'),
    };
    Slug(cut.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_title_makes_a_slug_cut_at_a_word() {
        let title = "Maakuntahallitus esittää valtuustolle uuden liikennejärjestelmäsuunnitelman hyväksymistä ja rahoitusta vuosille 2027–2030";
        let s = slugify_at_most(title, NEW_SLUG_MAX);
        assert!(s.as_str().len() <= NEW_SLUG_MAX, "{s:?}");
        assert!(slugify(title).as_str().starts_with(s.as_str()));
        assert_eq!(slugify(title).as_str().as_bytes()[s.as_str().len()], b'-');
        assert!(Slug::parse(s.as_str()).is_ok());
        assert_eq!(
            slugify_at_most("Lyhyt otsikko", 60).as_str(),
            "lyhyt-otsikko"
        );
        assert_eq!(slugify_at_most("aaaaaaaaaa", 4).as_str(), "aaaa");
        assert_eq!(slugify_at_most("abc def", 3).as_str(), "abc");
    }

    #[test]
    fn nordic_letters_are_transliterated() {
        assert_eq!(slugify("Ympäristö & ilmasto").as_str(), "ymparisto-ilmasto");
        assert_eq!(slugify("Åland").as_str(), "aland");
    }

    #[test]
    fn only_canonical_slugs_parse() {
        assert!(Slug::parse("regional-plan-2030").is_ok());
        assert!(Slug::parse("Regional Plan").is_err());
        assert!(Slug::parse("a--b").is_err());
        assert!(Slug::parse("").is_err());
    }
}
