//! Release file names: `YYYY-MM-DD-some-slug.LANG.md`.

use chrono::NaiveDate;

use super::slug::Slug;
use crate::lang::Lang;

/// What a release's file name says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub date: NaiveDate,
    pub slug: Slug,
    pub lang: Option<Lang>,
}

impl FileName {
    /// Parses a file name such as `2026-11-20-new-bus-routes.fi.md`.
    pub fn parse(name: &str) -> Result<Self, String> {
        const HINT: &str = "release files are named YYYY-MM-DD-some-slug.LANG.md, e.g. 2026-11-20-new-bus-routes.fi.md";
        let stem = name
            .strip_suffix(".md")
            .ok_or_else(|| format!("'{name}' is not a .md file; {HINT}"))?;
        let (stem, lang) = match stem.rsplit_once('.') {
            Some((rest, l)) => (
                rest,
                Some(Lang::parse(l).map_err(|e| format!("{e}; {HINT}"))?),
            ),
            None => (stem, None),
        };
        let date = stem
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .filter(|_| stem.as_bytes().get(10) == Some(&b'-'))
            .ok_or_else(|| format!("'{name}' does not start with a date; {HINT}"))?;
        let slug = Slug::parse(stem.get(11..).unwrap_or(""))
            .map_err(|e| format!("in file name: {e}; {HINT}"))?;
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
                .contains("YYYY-MM-DD")
        );
        assert!(FileName::parse("2026-13-40-x.fi.md").is_err());
        assert!(FileName::parse("2026-11-20.fi.md").is_err());
    }
}
