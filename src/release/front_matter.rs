//! Front matter: split the `---` fences, read the YAML into a typed
//! [`RawFrontMatter`], check every field and report every problem with its
//! line and column. No I/O.
//!
//! serde's derive stops at the first field of the wrong type; a writer
//! wants every problem at once. So each field is a [`Field`]: absent, the
//! type it needs, or the value it has instead (reported at the field's
//! line by [`Ctx::take`]). Lines and columns come from [`Locator`], since
//! serde_yaml keeps no positions for values.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use super::file_name::FileName;
use super::slug::{Slug, slugify};
use super::yaml_pos::Locator;
use super::{Attachment, Contact, Image, Material, Publication, Release, ReleaseLink, Source, Tag};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::i18n::Lang;
use crate::suggest;
use crate::time::parse_publish_time;

/// Every front-matter field, in the order the reference lists them.
pub const FIELDS: &[&str] = &[
    "title",
    "date",
    "updated",
    "correction",
    "withdrawn",
    "lang",
    "slug",
    "translation_key",
    "summary",
    "tags",
    "lists",
    "contacts",
    "image",
    "attachments",
    "draft",
    "web",
    "email",
];
const CONTACT_FIELDS: &[&str] = &["name", "role", "phone", "email"];

/// Keywords per release.
pub const MAX_TAGS: usize = 30;
/// Characters per keyword (its page's address is made from it).
pub const MAX_TAG_CHARS: usize = 80;
/// Columns per table in a release's text: every row is written with as
/// many cells as the table has columns.
pub const MAX_TABLE_COLUMNS: usize = 50;
/// Unknown fields reported one by one; the rest are counted.
const MAX_UNKNOWN_REPORTED: usize = 20;
const IMAGE_FIELDS: &[&str] = &["src", "alt", "caption", "credit"];
const IMAGE_REQUIRED: &[&str] = &["src", "alt"];
const ATTACHMENT_FIELDS: &[&str] = &["title", "src"];

/// A front-matter field as written: absent, of the type the field needs,
/// or a value of another type (kept for the message).
#[derive(Debug, Default)]
enum Field<T> {
    #[default]
    Absent,
    Given(T),
    Wrong,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(serde_yaml::from_value::<T>(value).map_or(Field::Wrong, Field::Given))
    }
}

/// Words written as a YAML list, or as one line separated by commas
/// (`tags: budget, schools`).
#[derive(Debug, Default)]
struct Words(Vec<String>);

impl<'de> Deserialize<'de> for Words {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Line(String),
            List(Vec<String>),
            Nothing(()),
        }
        Ok(Words(match Written::deserialize(d)? {
            Written::Line(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            Written::List(l) => l,
            Written::Nothing(()) => vec![],
        }))
    }
}

/// The front matter's fields with the types they are written in. The
/// nested entries (`contacts`, `image`, `attachments`) stay YAML values
/// here: [`Ctx::object`] checks their keys one by one, for messages that
/// name the entry and suggest the field that was meant.
#[derive(Debug, Deserialize)]
struct RawFrontMatter {
    #[serde(default)]
    title: Field<String>,
    #[serde(default)]
    lang: Field<String>,
    #[serde(default)]
    slug: Field<String>,
    #[serde(default)]
    translation_key: Field<String>,
    #[serde(default)]
    summary: Field<String>,
    #[serde(default)]
    tags: Field<Words>,
    #[serde(default)]
    lists: Field<Words>,
    #[serde(flatten)]
    publication: RawPublication,
    #[serde(flatten)]
    material: RawMaterial,
}

/// The fields of [`Publication`], as written.
#[derive(Debug, Deserialize)]
struct RawPublication {
    #[serde(default)]
    date: Field<String>,
    #[serde(default)]
    updated: Field<String>,
    #[serde(default)]
    correction: Field<String>,
    #[serde(default)]
    withdrawn: Field<String>,
    #[serde(default)]
    draft: Field<bool>,
    #[serde(default)]
    web: Field<bool>,
    #[serde(default)]
    email: Field<bool>,
}

/// The fields of [`Material`], as written.
#[derive(Debug, Deserialize)]
struct RawMaterial {
    #[serde(default)]
    contacts: Field<Option<Vec<Value>>>,
    #[serde(default)]
    image: Field<Option<Value>>,
    #[serde(default)]
    attachments: Field<Option<Vec<Value>>>,
}

/// Splits `---\nYAML\n---\nbody`; returns (yaml, body, 1-based body line).
pub(crate) fn split(text: &str) -> Option<(&str, &str, usize)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = 2 + yaml.lines().count() + 1;
            return Some((yaml, body, body_line));
        }
        offset += line.len();
    }
    None
}

struct Ctx<'a> {
    path: &'a Path,
    loc: Locator<'a>,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// Reports at a front-matter position (front matter starts on file line 2).
    fn at(&mut self, (line, col): (usize, usize), msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(self.path, line + 1, col, msg));
    }
    fn key(&mut self, key: &str, msg: impl Into<String>) {
        let pos = self.loc.key(key);
        self.at(pos, msg);
    }

    /// The value of a field of the right type; a field of another type is
    /// reported as "field 'key' must be `what`".
    fn take<T>(&mut self, field: Field<T>, key: &str, what: &str) -> Option<T> {
        match field {
            Field::Absent => None,
            Field::Given(t) => Some(t),
            Field::Wrong => {
                self.key(key, format!("field '{key}' must be {what}"));
                None
            }
        }
    }

    /// A `true`/`false` field, `default` when it is missing.
    fn flag(&mut self, field: Field<bool>, key: &str, default: bool) -> bool {
        self.take(field, key, "true or false").unwrap_or(default)
    }

    fn required_string(&mut self, field: Field<String>, key: &str) -> Option<String> {
        if matches!(field, Field::Absent) {
            self.at((0, 1), format!("missing required field '{key}'"));
            return None;
        }
        let s = self.take(field, key, "text")?;
        if s.trim().is_empty() {
            self.key(key, format!("field '{key}' is empty"));
            return None;
        }
        Some(s)
    }

    /// Checks the keys of a nested mapping, then deserialises it.
    fn object<T: DeserializeOwned>(
        &mut self,
        value: &Value,
        parent: &str,
        index: Option<usize>,
        allowed: &[&str],
        required: &[&str],
    ) -> Option<T> {
        let what = match index {
            Some(i) => format!("{parent}[{i}]"),
            None => parent.to_string(),
        };
        let Value::Mapping(m) = value else {
            let pos = self.loc.nested(parent, index, None);
            self.at(
                pos,
                format!(
                    "'{what}' must be a mapping with the fields {}",
                    allowed.join(", ")
                ),
            );
            return None;
        };
        let mut ok = true;
        for k in m.keys() {
            let name = k.as_str().unwrap_or("?");
            if !allowed.contains(&name) {
                let pos = self.loc.nested(parent, index, Some(name));
                self.at(
                    pos,
                    format!(
                        "in '{what}': {}",
                        suggest::unknown_field_message("field", name, allowed)
                    ),
                );
                ok = false;
            }
        }
        for r in required {
            let present = m
                .get(*r)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.trim().is_empty());
            if !present {
                let pos = self.loc.nested(parent, index, Some(r));
                let msg = if (*r == "alt") && parent == "image" {
                    "image has no 'alt' text: describe the picture for people who cannot see it"
                        .to_string()
                } else {
                    format!("'{what}' is missing the field '{r}'")
                };
                self.at(pos, msg);
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        match serde_yaml::from_value(value.clone()) {
            Ok(t) => Some(t),
            Err(e) => {
                let pos = self.loc.nested(parent, index, None);
                self.at(pos, format!("'{what}': {e}"));
                None
            }
        }
    }

    fn objects<T: DeserializeOwned>(
        &mut self,
        field: Field<Option<Vec<Value>>>,
        key: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> Vec<T> {
        self.take(field, key, "a list")
            .flatten()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, v)| self.object(v, key, Some(i), allowed, required))
            .collect()
    }

    fn words(&mut self, field: Field<Words>, key: &str) -> Vec<String> {
        self.take(field, key, "a list of words")
            .unwrap_or_default()
            .0
    }
}

/// Why a local path is not a publishable file.
fn why_missing(rel: &str) -> &'static str {
    use std::path::Component;
    let leaves = std::path::Path::new(rel)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if leaves {
        "points outside releases/: pressroom publishes only files inside the pressroom"
    } else if crate::files::is_hidden_path(rel) {
        "has a name beginning with '.', which pressroom never publishes: rename the file"
    } else {
        // A symbolic link here is reported by the scan of releases/assets.
        "does not exist"
    }
}

/// The first control character in any text of `v` ("a line break", …);
/// a block scalar's final line break does not count.
fn control_in(v: &Value) -> Option<&'static str> {
    match v {
        Value::String(s) => {
            let s = s.strip_suffix('\n').unwrap_or(s);
            s.chars().find(|c| c.is_control()).map(|c| match c {
                '\n' | '\r' => "a line break",
                '\t' => "a tab",
                _ => "a control character",
            })
        }
        Value::Sequence(items) => items.iter().find_map(control_in),
        Value::Mapping(m) => m.values().find_map(control_in),
        Value::Tagged(t) => control_in(&t.value),
        _ => None,
    }
}

/// A release file's parts, before its fields are checked.
struct Parts<'a> {
    names: FileName,
    yaml: &'a str,
    body: &'a str,
    body_line: usize,
    map: Mapping,
}

/// Splits a release file into its name's parts, its front matter (read
/// as YAML into a mapping) and its body, or the one problem that stops
/// its fields from being read.
fn parts<'a>(
    display_path: &Path,
    file_name: &str,
    text: &'a str,
) -> Result<Parts<'a>, Vec<Diagnostic>> {
    let fail = |line, col, msg: String| Err(vec![Diagnostic::new(display_path, line, col, msg)]);
    let names = match FileName::parse(file_name) {
        Ok(n) => n,
        Err(e) => return fail(1, 1, e.to_string()),
    };
    let Some((yaml, body, body_line)) = split(text) else {
        return fail(
            1,
            1,
            "no front matter: a release starts with a line '---', YAML fields (title, date, …), and another '---'".into(),
        );
    };
    // Before any parser sees it: deep nesting would cost minutes.
    if let Err(e) = super::nesting::check_yaml(yaml) {
        return fail(e.line + 1, e.col, e.message);
    }
    if let Err(e) = super::nesting::check_markdown(body) {
        return fail(body_line + e.line - 1, e.col, e.message);
    }
    let value: Value = match serde_yaml::from_str(yaml) {
        Ok(v) => v,
        Err(e) => {
            let (line, col) = e.location().map_or((1, 1), |l| (l.line() + 1, l.column()));
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            let hint = if msg.contains("mapping values are not allowed") {
                " (a value that contains ': ' must be in quotes: title: \"Budget: the numbers\")"
            } else {
                ""
            };
            return fail(
                line,
                col,
                format!("front matter is not valid YAML: {msg}{hint}"),
            );
        }
    };
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => {
            return fail(
                1,
                1,
                "front matter is empty: add at least 'title' and 'date'".into(),
            );
        }
        _ => return fail(2, 1, "front matter must be 'field: value' lines".into()),
    };
    Ok(Parts {
        names,
        yaml,
        body,
        body_line,
        map,
    })
}

/// One-line fields stay one line, and every field is one a release has
/// (after [`MAX_UNKNOWN_REPORTED`] unknown ones, the rest are counted).
fn check_keys(cx: &mut Ctx<'_>, map: &Mapping) {
    // A line break in a title would end up in an email header and a feed
    // item. Only the lead may run on.
    for (k, v) in map {
        let Some(key) = k
            .as_str()
            .filter(|k| !matches!(*k, "summary" | "correction"))
        else {
            continue;
        };
        if let Some(what) = control_in(v) {
            cx.key(
                key,
                format!(
                    "field '{key}' must be one line of text, but it contains {what}; join the lines"
                ),
            );
        }
    }

    let mut unknown = 0;
    for k in map.keys() {
        match k.as_str() {
            Some(name) if FIELDS.contains(&name) => {}
            Some(name) => {
                unknown += 1;
                if unknown <= MAX_UNKNOWN_REPORTED {
                    let msg = suggest::unknown_field_message("field", name, FIELDS);
                    cx.key(name, msg);
                }
            }
            None => cx.at((1, 1), "field names must be text"),
        }
    }
    if unknown > MAX_UNKNOWN_REPORTED {
        cx.at(
            (2, 1),
            format!(
                "{unknown} fields that a release does not have (the first {MAX_UNKNOWN_REPORTED} are above); a release has only these: {}",
                FIELDS.join(", ")
            ),
        );
    }
}

/// When and where: `date`, `updated` and `correction` in the site's time
/// zone, and the `draft`, `web` and `email` switches.
fn publication(cx: &mut Ctx<'_>, raw: RawPublication, tz: chrono_tz::Tz) -> Option<Publication> {
    let updated_written = !matches!(raw.updated, Field::Absent);
    let date =
        cx.required_string(raw.date, "date")
            .and_then(|s| match parse_publish_time(&s, tz) {
                Ok(t) => Some(t),
                Err(e) => {
                    cx.key("date", format!("bad 'date': {e}"));
                    None
                }
            });
    let updated = cx.take(raw.updated, "updated", "a date").and_then(|s| {
        parse_publish_time(&s, tz)
            .map_err(|e| cx.key("updated", format!("bad 'updated': {e}")))
            .ok()
    });
    if let (Some(d), Some(u)) = (date, updated)
        && u < d
    {
        cx.key("updated", "'updated' is earlier than 'date'");
    }
    let correction = cx
        .take(raw.correction, "correction", "text")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if correction.is_some() && updated.is_none() && !updated_written {
        cx.key(
            "correction",
            "a 'correction' needs 'updated' with the time it was made (readers and feeds are told when)",
        );
    }
    let withdrawn = cx.take(raw.withdrawn, "withdrawn", "a date").and_then(|s| {
        parse_publish_time(&s, tz)
            .map_err(|e| cx.key("withdrawn", format!("bad 'withdrawn': {e}")))
            .ok()
    });
    if let (Some(d), Some(w)) = (date, withdrawn)
        && w < d
    {
        cx.key("withdrawn", "'withdrawn' is earlier than 'date'");
    }
    let (draft, web, email) = (
        cx.flag(raw.draft, "draft", false),
        cx.flag(raw.web, "web", true),
        cx.flag(raw.email, "email", true),
    );
    if !web && !email && !draft {
        cx.key(
            "web",
            "'web: false' and 'email: false' together publish nowhere; use 'draft: true' instead",
        );
    }
    Some(Publication {
        date: date?,
        updated,
        correction,
        withdrawn,
        draft,
        web,
        email,
    })
}

/// The contact people, the picture and the attachments, each file one
/// that exists under `releases/`.
fn material(cx: &mut Ctx<'_>, raw: RawMaterial, exists: &dyn Fn(&str) -> bool) -> Material {
    let contacts: Vec<Contact> = cx.objects(raw.contacts, "contacts", CONTACT_FIELDS, &["name"]);
    let image_value = cx.take(raw.image, "image", "a mapping").flatten();
    let image: Option<Image> = image_value
        .as_ref()
        .and_then(|v| cx.object(v, "image", None, IMAGE_FIELDS, IMAGE_REQUIRED));
    let attachments: Vec<Attachment> = cx.objects(
        raw.attachments,
        "attachments",
        ATTACHMENT_FIELDS,
        ATTACHMENT_FIELDS,
    );
    check_files(cx, image_value.as_ref(), &attachments, exists);
    Material {
        contacts,
        image,
        attachments,
    }
}

/// The release's language: `lang`, or the file name's; one of the site's.
fn language(
    cx: &mut Ctx<'_>,
    field: Field<String>,
    names: &FileName,
    site: &crate::config::Site,
) -> Option<Lang> {
    let written = !matches!(field, Field::Absent);
    let lang = match cx.take(field, "lang", "a language code") {
        Some(s) => match Lang::parse(&s) {
            Ok(l) => {
                if let Some(fl) = &names.lang
                    && *fl != l
                {
                    cx.key(
                        "lang",
                        format!("'lang: {l}' contradicts the file name, which says '{fl}'"),
                    );
                }
                Some(l)
            }
            Err(e) => {
                cx.key("lang", e.to_string());
                None
            }
        },
        None => {
            if names.lang.is_none() {
                cx.at(
                    (0, 1),
                    "no language: name the file *.LANG.md (e.g. .fi.md) or add 'lang: fi'",
                );
            }
            names.lang.clone()
        }
    };
    if let Some(l) = &lang
        && !site.languages.contains(l)
    {
        let langs: Vec<&str> = site.languages.iter().map(Lang::as_str).collect();
        let msg = format!(
            "language '{l}' is not one of the site's languages ({}) in pressroom.toml",
            langs.join(", ")
        );
        if written {
            cx.key("lang", msg);
        } else {
            cx.diags.push(Diagnostic::new(cx.path, 1, 1, msg));
        }
    }
    lang
}

/// The lists the release is emailed to, each one declared in pressroom.toml.
fn lists(cx: &mut Ctx<'_>, field: Field<Words>, config: &Config) -> Vec<crate::config::ListName> {
    cx.words(field, "lists")
        .iter()
        .filter_map(|l| {
            config
                .list_name(l)
                .map_err(|e| cx.key("lists", e.to_string()))
                .ok()
        })
        .collect()
}

/// The keywords, at most [`MAX_TAGS`] of at most [`MAX_TAG_CHARS`] each.
fn tags(cx: &mut Ctx<'_>, field: Field<Words>) -> Vec<Tag> {
    let tags: Vec<Tag> = cx
        .words(field, "tags")
        .into_iter()
        .map(|name| Tag {
            slug: slugify(&name),
            name,
        })
        .collect();
    // Every keyword has a page and a feed listing its releases with all
    // their keywords: bounded here, the site grows linearly.
    if tags.len() > MAX_TAGS {
        cx.key(
            "tags",
            format!(
                "{} keywords; a release has at most {MAX_TAGS}: keep the ones a journalist would search for",
                tags.len()
            ),
        );
    }
    if let Some(long) = tags.iter().find(|t| t.name.chars().count() > MAX_TAG_CHARS) {
        cx.key(
            "tags",
            format!(
                "the keyword '{}…' is {} characters long; a keyword has at most {MAX_TAG_CHARS}",
                long.name.chars().take(20).collect::<String>(),
                long.name.chars().count()
            ),
        );
    }
    tags
}

/// The picture and the attachments are files under `releases/`.
fn check_files(
    cx: &mut Ctx<'_>,
    image: Option<&Value>,
    attachments: &[Attachment],
    exists: &dyn Fn(&str) -> bool,
) {
    // Checked on the raw value, so a missing file is reported even when `alt` is missing too.
    if let Some(src) = image.and_then(|v| v.get("src")).and_then(Value::as_str)
        && crate::markdown::is_local(src)
        && !exists(src)
    {
        let pos = cx.loc.nested("image", None, Some("src"));
        cx.at(
            pos,
            format!("image file 'releases/{src}' {}", why_missing(src)),
        );
    }
    for (i, a) in attachments.iter().enumerate() {
        if !crate::markdown::is_local(&a.src) {
            let pos = cx.loc.nested("attachments", Some(i), Some("src"));
            cx.at(
                pos,
                format!(
                    "attachment '{}' must be a file under releases/ (e.g. assets/report.pdf)",
                    a.src
                ),
            );
        } else if !exists(&a.src) {
            let pos = cx.loc.nested("attachments", Some(i), Some("src"));
            cx.at(
                pos,
                format!(
                    "attachment file 'releases/{}' {}",
                    a.src,
                    why_missing(&a.src)
                ),
            );
        }
    }
}

/// The links in the body (each to a file that exists; those to another
/// release's file returned with their place, and every one as written)
/// and the tables' widths.
fn check_body(
    cx: &mut Ctx<'_>,
    body: &str,
    body_line: usize,
    exists: &dyn Fn(&str) -> bool,
) -> (Vec<ReleaseLink>, Vec<String>) {
    let mut release_links = vec![];
    let crate::markdown::BodyRefs {
        local_links: links,
        table_widths,
    } = crate::markdown::body_refs(body);
    for (dest, offset) in &links {
        let (dest, offset) = (dest.as_str(), *offset);
        let target = dest.split(['#', '?']).next().unwrap_or("");
        let (line, col) = crate::diagnostic::line_col(body, offset);
        let file = target.strip_prefix("./").unwrap_or(target);
        if file.ends_with(".md") && !file.contains('/') {
            release_links.push(ReleaseLink {
                file: file.to_string(),
                line: body_line + line - 1,
                col,
            });
        }
        let target = percent_encoding::percent_decode_str(target).decode_utf8_lossy();
        let target = target.as_ref();
        if target.is_empty() || target.starts_with('/') || exists(target) {
            continue;
        }
        cx.diags.push(Diagnostic::new(
            cx.path,
            body_line + line - 1,
            col,
            format!("link to 'releases/{target}', which {}", why_missing(target)),
        ));
    }
    for (columns, offset) in table_widths {
        if columns > MAX_TABLE_COLUMNS {
            let (line, col) = crate::diagnostic::line_col(body, offset);
            cx.diags.push(Diagnostic::new(
                cx.path,
                body_line + line - 1,
                col,
                format!("a table of {columns} columns; a table has at most {MAX_TABLE_COLUMNS} (split it, or attach it as a spreadsheet)"),
            ));
        }
    }
    (
        release_links,
        links.into_iter().map(|(dest, _)| dest).collect(),
    )
}

/// Parses the text of a release file. `display_path` is used in messages;
/// `file_name` is the bare name (`2026-11-20-x.fi.md`); `exists` tells whether
/// a path relative to `releases/` names a file (links, images, attachments).
pub fn parse(
    display_path: &Path,
    file_name: &str,
    text: &str,
    config: &Config,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Release, Vec<Diagnostic>> {
    let Parts {
        names,
        yaml,
        body,
        body_line,
        map,
    } = parts(display_path, file_name, text)?;
    let mut cx = Ctx {
        path: display_path,
        loc: Locator::new(yaml),
        diags: vec![],
    };
    check_keys(&mut cx, &map);
    // Only known fields: another is an error (check_keys).
    let field_lines: std::collections::BTreeMap<super::FieldName, usize> = map
        .keys()
        .filter_map(Value::as_str)
        .filter_map(|k| Some((super::FieldName::of(k)?, cx.loc.key(k).0 + 1)))
        .collect();
    let raw: RawFrontMatter = match serde_yaml::from_value(Value::Mapping(map)) {
        Ok(raw) => raw,
        // Only a field name that is not text gets here; check_keys said so.
        Err(e) => {
            cx.at((1, 1), format!("front matter cannot be read: {e}"));
            return Err(cx.diags);
        }
    };
    let site = &config.site;
    let title = cx.required_string(raw.title, "title");
    let publication = publication(&mut cx, raw.publication, site.timezone);
    let lang = language(&mut cx, raw.lang, &names, site);
    let slug = match cx.take(raw.slug, "slug", "text") {
        Some(s) => Slug::parse(&s)
            .map_err(|e| cx.key("slug", e.to_string()))
            .ok(),
        None => Some(names.slug.clone()),
    };
    let translation_key = cx.take(raw.translation_key, "translation_key", "text");
    let summary = cx.take(raw.summary, "summary", "text");
    let tags = tags(&mut cx, raw.tags);
    let lists = lists(&mut cx, raw.lists, config);
    let material = material(&mut cx, raw.material, exists);
    let (release_links, local_links) = check_body(&mut cx, body, body_line, exists);

    if !cx.diags.is_empty() {
        return Err(cx.diags);
    }
    match (title, publication, lang, slug) {
        (Some(title), Some(publication), Some(lang), Some(slug)) => Ok(Release {
            file_date: names.date,
            lang,
            slug,
            translation_key,
            title,
            summary,
            body: body.to_string(),
            tags,
            lists,
            publication,
            material,
            source: Source {
                path: display_path.to_path_buf(),
                fingerprint: {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    (display_path, text).hash(&mut h);
                    h.finish()
                },
                body_line,
                release_links,
                local_links,
                field_lines,
            },
        }),
        _ => Err(vec![Diagnostic::new(
            display_path,
            1,
            1,
            "release could not be read",
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_fences_and_counts_the_body_line() {
        let (yaml, body, line) = split("---\ntitle: A\ndate: x\n---\nBody\n").unwrap();
        assert_eq!(yaml, "title: A\ndate: x\n");
        assert_eq!(body, "Body\n");
        assert_eq!(line, 5);
        assert!(split("title: A\n").is_none());
        assert!(split("---\ntitle: A\n").is_none());
    }
}
