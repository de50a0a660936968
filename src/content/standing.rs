//! Standing pages: `pages/NAME.LANG.md` (a `title` in front matter, the
//! text in Markdown below it) become `/LANG/NAME/` on the site, or
//! `/LANG/SLUG/` with a `slug` of the language (`slug: mediayhteydet`). Two names
//! have a role: `contacts`, the media contacts page, linked from every
//! page's navigation; and `accessibility`, the accessibility statement the
//! law asks of a public body's site (Finland 306/2019, Sweden 2018:1937, EU
//! 2016/2102), linked from every page's footer unless
//! `[site] accessibility_statement` points to one kept elsewhere.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::i18n::Lang;
use crate::release::Slug;

/// The folder of the standing pages, in the pressroom root.
pub const DIR: &str = "pages";

/// The media contacts page's name.
pub const CONTACTS: &str = "contacts";

/// The accessibility statement's name.
pub const ACCESSIBILITY: &str = "accessibility";

/// Addresses under `/LANG/` that the site's own pages use: no release or
/// standing page may take them.
pub const RESERVED: &[&str] = &[
    "tags",
    "search",
    "archive",
    "page",
    "subscribe",
    "feed.xml",
    "search.json",
    "404.html",
    "assets",
];

/// One standing page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Page {
    /// The page's name, from its file (`contacts`): its role.
    pub name: Slug,
    /// Its address under the language: the `slug` of its front matter, or
    /// its name.
    pub slug: Slug,
    /// The line of `slug` in the file (1 without one).
    pub slug_line: usize,
    pub lang: Lang,
    pub title: String,
    /// The Markdown text.
    pub body: String,
    /// The file, as `check` shows it.
    pub path: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    #[serde(default)]
    slug: Option<String>,
}

impl Page {
    /// The page's path on the site: `fi/mediayhteydet/`.
    pub fn rel(&self) -> String {
        format!("{}/{}/", self.lang, self.slug)
    }
}

/// Reads every `pages/*.md` of the pressroom; what is wrong goes into
/// `diags` with the file and line.
pub fn load(config: &Config, diags: &mut Diagnostics) -> Vec<Page> {
    let dir = config.root.join(DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "md")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(['.', '_']))
        })
        .collect();
    files.sort();
    let mut pages = vec![];
    for path in files {
        let display = config.display_path(&path).to_path_buf();
        match read(config, &path, &display) {
            Ok(page) => pages.push(page),
            Err(d) => diags.push(d),
        }
    }
    pages
}

fn read(config: &Config, path: &Path, display: &Path) -> Result<Page, Diagnostic> {
    let at = |line: usize, msg: String| Diagnostic::new(display, line, 1, msg);
    if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(at(
            1,
            "not a plain file (a symbolic link?): pressroom reads only files inside the pressroom"
                .into(),
        ));
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let stem = name.strip_suffix(".md").unwrap_or(&name);
    let Some((slug, lang)) = stem.rsplit_once('.') else {
        return Err(at(
            1,
            format!(
                "name the page NAME.LANG.md, e.g. {CONTACTS}.{}.md",
                config.site.default_lang
            ),
        ));
    };
    let lang = Lang::parse(lang)
        .ok()
        .filter(|l| config.site.languages.contains(l))
        .ok_or_else(|| {
            at(
                1,
                format!("'{lang}' in the file name is not one of site.languages"),
            )
        })?;
    let name = Slug::parse(slug).map_err(|e| at(1, format!("'{slug}' in the file name: {e}")))?;
    let text =
        std::fs::read_to_string(path).map_err(|e| at(1, format!("cannot read the file: {e}")))?;
    let Some((yaml, body, _)) = crate::release::front_matter::split(&text) else {
        return Err(at(
            1,
            "the page must start with front matter: ---, title: …, ---".into(),
        ));
    };
    let front: FrontMatter = serde_yaml::from_str(yaml).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() + 1);
        at(line, format!("front matter: {e}"))
    })?;
    if front.title.trim().is_empty() {
        return Err(at(2, "title is empty".into()));
    }
    let slug_line = yaml
        .lines()
        .position(|l| l.trim_start().starts_with("slug:"))
        .map_or(1, |i| i + 2);
    let slug = match &front.slug {
        Some(s) => Slug::parse(s.trim()).map_err(|e| at(slug_line, format!("slug: {e}")))?,
        None => name.clone(),
    };
    if RESERVED.contains(&slug.as_str()) {
        return Err(at(
            slug_line,
            format!(
                "/{lang}/{slug}/ is the address of the site's own page; give this page another `slug:`"
            ),
        ));
    }
    Ok(Page {
        slug,
        slug_line,
        name,
        lang,
        title: front.title,
        body: body.to_string(),
        path: display.to_path_buf(),
    })
}

/// The site path of the standing page `name` in `lang` (`fi/mediayhteydet/`),
/// if the pressroom has one. The subscription pages, which do not load the
/// content, ask this too.
pub fn address(config: &Config, name: &str, lang: &Lang) -> Option<String> {
    let path = config.root.join(DIR).join(format!("{name}.{lang}.md"));
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    match read(config, &path, &path) {
        Ok(page) => Some(page.rel()),
        // `check` reports the problem; meanwhile the page's own name.
        Err(_) => Some(format!("{lang}/{name}/")),
    }
}
