//! Files staff upload from the desk (a release's picture and its
//! attachments), and the assets the desk's preview serves.
//!
//! An upload is taken only when its bytes say it is one of the kinds a
//! press release carries: a JPEG, PNG, WebP or GIF picture, a PDF, or an
//! Office or OpenDocument file. The name it came with decides nothing but
//! the words of the new name: the extension comes from the bytes, the rest
//! is made a slug, and the file goes into the release's own folder
//! (`releases/assets/SLUG/`), never over another file. SVG and HTML are
//! refused (they can carry script), and so is a file whose first kilobyte
//! (what a browser sniffs) reads as a web page too: a polyglot. A PDF
//! with JavaScript or a launch action is refused as well.

use std::io::Write;
use std::path::Path;

use aho_corasick::AhoCorasick;

use crate::config::Config;

/// A kind of file the desk accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub mime: &'static str,
    pub ext: &'static str,
    /// A picture a release can show.
    pub picture: bool,
}

const fn kind(mime: &'static str, ext: &'static str, picture: bool) -> Kind {
    Kind { mime, ext, picture }
}

/// What the desk accepts, by the type its bytes show.
const KINDS: &[Kind] = &[
    kind("image/jpeg", "jpg", true),
    kind("image/png", "png", true),
    kind("image/webp", "webp", true),
    kind("image/gif", "gif", true),
    kind("application/pdf", "pdf", false),
    kind("application/msword", "doc", false),
    kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        false,
    ),
    kind("application/vnd.ms-excel", "xls", false),
    kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        false,
    ),
    kind("application/vnd.ms-powerpoint", "ppt", false),
    kind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
        false,
    ),
    kind("application/vnd.oasis.opendocument.text", "odt", false),
    kind(
        "application/vnd.oasis.opendocument.spreadsheet",
        "ods",
        false,
    ),
    kind(
        "application/vnd.oasis.opendocument.presentation",
        "odp",
        false,
    ),
];

/// Why an upload was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// Not a kind the desk takes (SVG and HTML among them).
    #[error("the file is not a JPEG, PNG, WebP or GIF picture, a PDF or an Office document")]
    Kind,
    /// A picture was asked for and this is a document.
    #[error("the file is not a JPEG, PNG, WebP or GIF picture")]
    NotPicture,
    /// It reads as a web page too, or is a PDF that runs script.
    #[error("the file also holds a web page or a script")]
    Active,
}

/// The start of a web page or a script, which a browser that sniffs the
/// first bytes could run.
const ACTIVE_START: &[&str] = &[
    "<!doctype",
    "<html",
    "<head",
    "<body",
    "<script",
    "<svg",
    "<iframe",
    "<object",
    "<embed",
    "<?php",
    "javascript:",
];

/// What a PDF runs when it is opened.
const PDF_ACTIONS: &[&str] = &["/JavaScript", "/Launch", "/JS "];

/// The kind of `bytes`, if the desk takes it; `picture` asks for a picture.
pub fn sniff(bytes: &[u8], picture: bool) -> Result<Kind, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    let found = infer::get(bytes).ok_or(Refusal::Kind)?;
    let kind = *KINDS
        .iter()
        .find(|k| k.mime == found.mime_type())
        .ok_or(Refusal::Kind)?;
    if picture && !kind.picture {
        return Err(Refusal::NotPicture);
    }
    let head = &bytes[..bytes.len().min(1024)];
    let web = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(ACTIVE_START)
        .expect("fixed patterns");
    if web.is_match(head) {
        return Err(Refusal::Active);
    }
    if kind.ext == "pdf"
        && AhoCorasick::new(PDF_ACTIONS)
            .expect("fixed patterns")
            .is_match(bytes)
    {
        return Err(Refusal::Active);
    }
    if kind.picture && imagesize::blob_size(bytes).is_err() {
        return Err(Refusal::Kind);
    }
    Ok(kind)
}

/// A name for an upload called `given` (any path, any characters): its
/// last part's stem as a slug (at most 60 characters; `file` if nothing
/// is left) and the extension of its kind.
pub fn safe_name(given: &str, kind: Kind) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = last.rsplit_once('.').map_or(last, |(s, _)| s);
    let mut slug = slug::slugify(stem);
    if slug.len() > 60 {
        // A slug is ASCII: any byte is a character boundary.
        slug.truncate(60);
        slug = slug.trim_end_matches('-').to_string();
    }
    if slug.is_empty() {
        slug = "file".into();
    }
    format!("{slug}.{}", kind.ext)
}

/// Keeps `bytes` (called `given`) for the release `slug`: checked, then
/// written to `releases/assets/SLUG/NAME` under a name no other file has
/// (the same bytes under the same name are the file already there).
/// Returns the path the front matter gives (`assets/SLUG/NAME`).
pub fn store(
    config: &Config,
    slug: &str,
    given: &str,
    bytes: &[u8],
    picture: bool,
) -> Result<String, StoreError> {
    let limit = config.desk.upload_limit.0;
    if bytes.len() as u64 > limit {
        return Err(Refusal::TooLarge { limit }.into());
    }
    let kind = sniff(bytes, picture)?;
    if slug.is_empty() || !slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(StoreError::Other(anyhow::anyhow!(
            "'{slug}' is not a release's slug"
        )));
    }
    let dir = config.releases_dir().join("assets").join(slug);
    std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
    let name = safe_name(given, kind);
    let (stem, ext) = name.rsplit_once('.').expect("a name with its extension");
    for n in 1..1000 {
        let candidate = if n == 1 {
            name.clone()
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(&candidate);
        if let Ok(old) = std::fs::read(&path) {
            if old == bytes {
                return Ok(format!("assets/{slug}/{candidate}"));
            }
            continue;
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".upload-")
            .tempfile_in(&dir)
            .map_err(anyhow::Error::from)?;
        tmp.write_all(bytes).map_err(anyhow::Error::from)?;
        tmp.as_file().sync_all().map_err(anyhow::Error::from)?;
        match tmp.persist_noclobber(&path) {
            Ok(_) => return Ok(format!("assets/{slug}/{candidate}")),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::Other(e.error.into())),
        }
    }
    Err(StoreError::Other(anyhow::anyhow!(
        "{} has too many files called {name}",
        dir.display()
    )))
}

/// Why an upload was not kept.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The asset `rel` (under `releases/assets/`) and the type to serve it
/// with, for the desk's preview: only a regular file inside the folder,
/// no hidden name; a picture's web copy (`_web/NAME-1200.jpg`) is made
/// from its original as the build makes it. A file of a kind the desk
/// does not take is served as a download-only byte stream.
pub fn read_asset(config: &Config, rel: &str) -> Option<(Vec<u8>, &'static str)> {
    let assets = config.releases_dir().join("assets");
    let plain = Path::new(rel)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !plain || crate::files::is_hidden_path(rel) {
        return None;
    }
    let bytes = match web_original(&assets, rel) {
        Some(original) => {
            let bytes = std::fs::read(assets.join(&original)).ok()?;
            let cache = config.root.join(".cache").join("images");
            crate::render::images::web_copy(&assets.join(&original), &bytes, &cache)
                .ok()
                .flatten()
                .unwrap_or(bytes)
        }
        None => {
            if !crate::files::is_regular_file_inside(&assets, Path::new(rel)) {
                return None;
            }
            std::fs::read(assets.join(rel)).ok()?
        }
    };
    let mime = infer::get(&bytes)
        .and_then(|t| KINDS.iter().find(|k| k.mime == t.mime_type()))
        .map_or("application/octet-stream", |k| k.mime);
    Some((bytes, mime))
}

/// The original (under `assets`) of the web copy `rel`
/// (`_web/STEM-1200.EXT`), when `rel` is one and its original exists.
fn web_original(assets: &Path, rel: &str) -> Option<String> {
    let rest = rel.strip_prefix("_web/")?;
    let (stem, ext) = rest.rsplit_once('.')?;
    let stem = stem.strip_suffix(&format!("-{}", crate::render::images::WEB_WIDTH))?;
    let parent = Path::new(stem).parent().unwrap_or(Path::new(""));
    let dir = assets.join(parent);
    let want = format!("assets/{rel}");
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let original = if parent.as_os_str().is_empty() {
            name
        } else {
            format!("{}/{name}", parent.display())
        };
        if crate::render::images::web_path(&format!("assets/{original}")).as_deref()
            == Some(want.as_str())
            && crate::files::is_regular_file_inside(assets, Path::new(&original))
        {
            let _ = ext;
            return Some(original);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
    ];

    #[test]
    fn the_kind_comes_from_the_bytes() {
        assert_eq!(sniff(PNG, true).unwrap().ext, "png");
        assert_eq!(sniff(b"%PDF-1.7\n1 0 obj", false).unwrap().ext, "pdf");
        assert_eq!(sniff(b"%PDF-1.7\n1 0 obj", true), Err(Refusal::NotPicture));
        assert_eq!(sniff(b"", false), Err(Refusal::Empty));
        assert_eq!(
            sniff(
                b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                true
            ),
            Err(Refusal::Kind)
        );
        assert_eq!(
            sniff(b"<html><body>hi</body></html>", false),
            Err(Refusal::Kind)
        );
    }

    #[test]
    fn a_polyglot_and_a_pdf_with_script_are_refused() {
        let mut polyglot = PNG.to_vec();
        polyglot.extend_from_slice(b"<SCRIPT>alert(document.cookie)</SCRIPT>");
        assert_eq!(sniff(&polyglot, true), Err(Refusal::Active));
        let pdf = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>";
        assert_eq!(sniff(pdf, false), Err(Refusal::Active));
    }

    #[test]
    fn a_name_is_made_safe_and_takes_the_kind_s_extension() {
        let png = sniff(PNG, true).unwrap();
        assert_eq!(safe_name("../../etc/passwd", png), "passwd.png");
        assert_eq!(
            safe_name("C:\\Users\\x\\Kuva Ääni.JPG.html", png),
            "kuva-aani-jpg.png"
        );
        assert_eq!(safe_name("...", png), "file.png");
        assert_eq!(safe_name("", png), "file.png");
    }
}
