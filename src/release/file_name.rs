//! Release file names: `YYYY-MM-DD-some-slug.LANG.md`.

use chrono::NaiveDate;

use super::slug::{InvalidSlug, Slug};
use crate::i18n::{InvalidLang, Lang};

const HINT: &str =
    "release files are named YYYY-MM-DD-some-slug.LANG.md, e.g. 2026-11-20-new-bus-routes.fi.md";

/// Why a file name is not a release's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileNameError {
    #[error("'{0}' is not a .md file; {hint}", hint = HINT)]
    NotMarkdown(String),
    #[error("{0}; {hint}", hint = HINT)]
    Lang(#[from] InvalidLang),
    #[error("'{0}' does not start with a date; {hint}", hint = HINT)]
    NoDate(String),
    #[error("in file name: {0}; {hint}", hint = HINT)]
    Slug(#[from] InvalidSlug),
}

/// What a release's file name says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub date: NaiveDate,
    pub slug: Slug,
    pub lang: Option<Lang>,
}

impl FileName {
    /// Parses a file name such as `2026-11-20-new-bus-routes.fi.md`.
    pub fn parse(name: &str) -> Result<Self, FileNameError> {
        let stem = name
            .strip_suffix(".md")
            .ok_or_else(|| FileNameError::NotMarkdown(name.into()))?;
        let (stem, lang) = match stem.rsplit_once('.') {
            Some((rest, l)) => (rest, Some(Lang::parse(l)?)),
            None => (stem, None),
        };
        let date = stem
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .filter(|_| stem.as_bytes().get(10) == Some(&b'-'))
            .ok_or_else(|| FileNameError::NoDate(name.into()))?;
        let slug = Slug::parse(stem.get(11..).unwrap_or(""))?;
        Ok(Self { date, slug, lang })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_slug_and_language_come_from_the_name() {
        let f = FileName::parse("2026-11-20-new-bus-routes.fi.md").unwrap();
        assert_eq!(f.date.to_string(), "2026-11-20");
        assert_eq!(f.slug.as_str(), "new-bus-routes");
        assert_eq!(f.lang.unwrap().as_str(), "fi");
    }

    #[test]
    fn language_suffix_is_optional() {
        let f = FileName::parse("2026-11-20-new-bus-routes.md").unwrap();
        assert!(f.lang.is_none());
    }

    #[test]
    fn names_without_a_date_are_rejected() {
        assert!(
            FileName::parse("bus-routes.fi.md")
                .unwrap_err()
                .to_string()
                .contains("YYYY-MM-DD")
        );
        assert!(FileName::parse("2026-13-40-x.fi.md").is_err());
        assert!(FileName::parse("2026-11-20.fi.md").is_err());
    }
}
