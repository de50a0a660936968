//! A release: one language version of a press release, read from
//! `releases/YYYY-MM-DD-slug.LANG.md` (YAML front matter, then Markdown).
//!
//! Parsing (`front_matter`) does no I/O; `load` reads the files.

mod file_name;
pub(crate) mod front_matter;
mod nesting;
mod slug;
mod yaml_pos;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use file_name::FileName;
pub use front_matter::{FIELDS, parse};
pub use slug::{NEW_SLUG_MAX, Slug, slugify, slugify_at_most};

use crate::i18n::Lang;

/// The site path of the release page that a link to a release file
/// (`2026-10-26-regional-strategy-2040.fi.md`, `./….sv.md#tausta`) stands
/// for: `fi/regional-strategy-2040/` and the fragment. The file name gives
/// the language and slug; `Content::load` reports a link whose target says
/// otherwise in its front matter, or has no language in its name. This is
/// the [`crate::markdown::PageOf`] that releases are rendered with.
pub fn page_of_file(dest: &str) -> Option<String> {
    let at = dest.find(['#', '?']).unwrap_or(dest.len());
    let (file, rest) = dest.split_at(at);
    let file = file.strip_prefix("./").unwrap_or(file);
    if file.contains('/') {
        return None;
    }
    let name = FileName::parse(file).ok()?;
    Some(format!("{}/{}/{rest}", name.lang?, name.slug))
}

/// A keyword with its URL-safe form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Tag {
    pub name: String,
    pub slug: Slug,
}

/// A contact person shown in the release's contact block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// Quotation marks that a word processor puts around pasted text: a phone
/// number written `phone: ”+358 40 123 4567”` arrives with them.
const QUOTES: &[char] = &[
    '"', '\'', '“', '”', '„', '‟', '«', '»', '‘', '’', '‚', '‛', '‹', '›',
];

impl Contact {
    /// The phone number as shown: without quotation marks around it.
    pub fn phone_text(&self) -> Option<&str> {
        self.phone
            .as_deref()
            .map(|p| p.trim().trim_matches(QUOTES).trim())
    }

    /// Whether the phone number was written with quotation marks around
    /// it that are part of the value (typographic quotes from a word
    /// processor, which YAML does not take as quoting).
    pub fn phone_has_quotes(&self) -> bool {
        self.phone
            .as_deref()
            .is_some_and(|p| p.trim() != self.phone_text().unwrap_or_default())
    }

    /// The phone number as a `tel:` URI (spaces and dashes removed).
    pub fn phone_uri(&self) -> Option<String> {
        self.phone.as_ref().map(|p| {
            let digits: String = p
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            format!("tel:{digits}")
        })
    }
}

/// The release's main image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub src: String,
    pub alt: String,
    /// Shown under the picture on the page and in the email.
    #[serde(default)]
    pub caption: Option<String>,
    /// The photographer (or other author), shown after the caption.
    #[serde(default)]
    pub credit: Option<String>,
}

/// A downloadable file (e.g. a PDF in `releases/assets/`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub title: String,
    pub src: String,
}

/// One language version of a release, parsed and validated: what it is
/// (language, slug, title, text, keywords, lists) at the top, and its
/// parts: when and where it is published, the material that goes with it,
/// and where in its file each thing was written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Release {
    /// The date in the file name; with the slug, it identifies the release in feeds.
    pub file_date: NaiveDate,
    pub lang: Lang,
    pub slug: Slug,
    /// Shared by the language versions of one release.
    pub translation_key: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    /// The Markdown after the front matter.
    #[serde(deserialize_with = "crate::text::string")]
    pub body: String,
    pub tags: Vec<Tag>,
    pub lists: Vec<crate::config::ListName>,
    pub publication: Publication,
    pub material: Material,
    pub source: Source,
}

/// When and where a release is published.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Publication {
    pub date: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
    /// What was corrected, shown with the time of `updated` on the page
    /// and in the feeds.
    pub correction: Option<String>,
    /// Taken off the site and the feeds at this time (`withdrawn:`): a
    /// page saying so stays at its address, and it is never emailed again.
    pub withdrawn: Option<DateTime<Utc>>,
    pub draft: bool,
    /// On the site and in the feeds.
    pub web: bool,
    /// Emailed to its lists.
    pub email: bool,
}

/// What goes with the text: the contact people, the picture, the files.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Material {
    pub contacts: Vec<Contact>,
    pub image: Option<Image>,
    pub attachments: Vec<Attachment>,
}

/// A link in a release's text to another release's file (`….fi.md`),
/// with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseLink {
    pub file: String,
    pub line: usize,
    pub col: usize,
}

/// Where a release was read from, for messages and for the preview.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    /// The file, relative to the pressroom root (for messages).
    pub path: PathBuf,
    /// A hash of the file's path and text: equal fingerprints, equal
    /// releases (for a preview that renders only what changed).
    pub fingerprint: u64,
    /// 1-based line in the file where the body starts.
    pub body_line: usize,
    /// Links in the body to other release files: pages link to those
    /// releases' pages.
    pub release_links: Vec<ReleaseLink>,
    /// Every local link and picture in the body, as written (the files a
    /// release uses, without parsing its text again).
    pub local_links: Vec<String>,
    /// 1-based file line of each top-level front-matter field present.
    pub field_lines: std::collections::BTreeMap<FieldName, usize>,
}

/// The name of a top-level front-matter field: one of [`FIELDS`], so a
/// release read back from the build's cache makes no string of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldName(&'static str);

impl FieldName {
    /// `name`, when it is one of [`FIELDS`].
    pub fn of(name: &str) -> Option<Self> {
        FIELDS.iter().find(|f| **f == name).map(|f| Self(f))
    }
}

impl std::borrow::Borrow<str> for FieldName {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl Serialize for FieldName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = FieldName;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a front-matter field's name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FieldName, E> {
                FieldName::of(v).ok_or_else(|| E::unknown_variant(v, FIELDS))
            }
        }
        d.deserialize_str(Name)
    }
}

impl Release {
    /// The file line of a field, or 1 when the field is absent.
    pub fn line_of(&self, field: &str) -> usize {
        self.source.field_lines.get(field).copied().unwrap_or(1)
    }
}

impl Release {
    /// The lead: `summary`, or else the first paragraph of the body.
    pub fn lead(&self) -> String {
        self.summary
            .clone()
            .unwrap_or_else(|| crate::markdown::first_paragraph(&self.body))
    }

    /// Published (not a draft, not under embargo) at `now`.
    pub fn is_published(&self, now: DateTime<Utc>) -> bool {
        !self.publication.draft && self.publication.date <= now && !self.is_withdrawn(now)
    }

    /// Taken off the site by `withdrawn:` at or before `now`.
    pub fn is_withdrawn(&self, now: DateTime<Utc>) -> bool {
        self.publication.withdrawn.is_some_and(|w| w <= now)
    }

    /// The key shared by all language versions of this release.
    pub fn group_key(&self) -> String {
        self.translation_key
            .clone()
            .unwrap_or_else(|| format!("{}/{}", self.file_date, self.slug))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn field_lines_are_kept_as_a_map_of_names_and_read_back_without_an_unknown_name() {
        let lines: BTreeMap<FieldName, usize> = FIELDS
            .iter()
            .enumerate()
            .map(|(i, f)| (FieldName::of(f).unwrap(), i + 2))
            .collect();
        // The bytes of a map of strings, as the cache held them before.
        let as_strings: BTreeMap<String, usize> =
            lines.iter().map(|(k, v)| (k.0.to_string(), *v)).collect();
        let bytes = postcard::to_allocvec(&lines).unwrap();
        assert_eq!(bytes, postcard::to_allocvec(&as_strings).unwrap());
        let back: BTreeMap<FieldName, usize> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, lines);
        assert_eq!(back.get("title"), lines.get("title"));

        assert_eq!(FieldName::of("titel"), None);
        let unknown = BTreeMap::from([("titel".to_string(), 3usize)]);
        let bytes = postcard::to_allocvec(&unknown).unwrap();
        assert!(postcard::from_bytes::<BTreeMap<FieldName, usize>>(&bytes).is_err());
    }
}
