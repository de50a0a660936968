//! The organisation's own look without a fork: a file in the pressroom's
//! `templates/` folder replaces the built-in template, stylesheet or script
//! of the same name (`templates/site/release.html`, `templates/site/style.css`).
//!
//! The built-in templates are compiled in by askama. They are written in the
//! part of the template language that askama and minijinja share, so the
//! same source also runs in minijinja, the engine that renders overrides at
//! run time with the same context (serialised with serde). That is what
//! `pressroom templates eject` copies out, and a test renders the sample
//! pressroom through both engines and compares every byte.
//!
//! Conventions of that shared language (also in `docs/templates.md`):
//! optional values are lists of zero or one item (`{% for img in r.image %}`);
//! `x.is_empty()`, `x.len()` and `x.is_some()` work on lists and text;
//! negation is a comparison (`x.len() > 0`, `loop.index > 1`).

mod context;

pub use context::optional;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics};

/// The folder of overrides inside a pressroom.
pub const TEMPLATES_DIR: &str = "templates";

/// What a built-in is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A template with a context (rendered by askama, or by minijinja when
    /// it or a template it uses is overridden).
    Template,
    /// Copied as it is into the site (`style.css`, `search.js`).
    Static,
}

/// A built-in template, stylesheet or script.
#[derive(Debug)]
pub struct Builtin {
    /// Its name, relative to `templates/`: `site/release.html`.
    pub name: &'static str,
    pub source: &'static str,
    pub kind: Kind,
    /// What it is for, as `templates list` shows it.
    pub about: &'static str,
}

macro_rules! builtins {
    ($($kind:ident $name:literal $about:literal,)*) => {
        &[$(Builtin {
            name: $name,
            source: include_str!(concat!("../../templates/", $name)),
            kind: Kind::$kind,
            about: $about,
        },)*]
    };
}

/// Every built-in a pressroom can replace.
pub const BUILTINS: &[Builtin] = builtins![
    Template "site/base.html" "layout of every web page: header, navigation, footer",
    Template "site/release.html" "a release's page",
    Template "site/list.html" "a language's release list, a keyword's and a year's",
    Template "site/keywords.html" "the keyword index",
    Template "site/languages.html" "the root page that offers the languages",
    Template "site/search.html" "the search page with the archive by year",
    Template "site/page.html" "a standing page (pages/NAME.LANG.md)",
    Template "site/not_found.html" "a language's 404 page",
    Template "site/not_found_all.html" "the root 404 page, in every language",
    Template "site/sitemap.xml" "each sitemap file (sitemap-pages.xml, sitemap-2026.xml, …; sitemap.xml is their index)",
    Static "site/style.css" "the site's stylesheet",
    Static "site/search.js" "the search page's script",
    Template "email/release.html" "a release email, HTML part (CSS is inlined after rendering)",
    Template "email/release.txt" "a release email, plain-text part",
    Template "email/confirm.html" "the sign-up confirmation email, HTML part",
    Template "email/confirm.txt" "the sign-up confirmation email, plain-text part",
    Template "web/subscribe.html" "the subscription form",
    Template "web/choices.html" "the list and language choices of the forms (included)",
    Template "web/preferences.html" "a subscriber's preferences",
    Template "web/unsubscribe.html" "the unsubscribe question",
    Template "web/confirm.html" "the confirmation button of a sign-up link",
    Template "web/message.html" "a subscription page's outcome or error",
];

/// Templates of pressroom's own tools, which a pressroom cannot replace
/// (the writer's preview).
const FIXED: &[(&str, &str)] = &[(
    "preview/email_view.html",
    include_str!("../../templates/preview/email_view.html"),
)];

/// The desk's own pages (askama, compiled in), which a pressroom cannot
/// replace either: the staff's tool looks the same everywhere.
const DESK: &[(&str, &str)] = &[
    (
        "desk/account.html",
        include_str!("../../templates/desk/account.html"),
    ),
    (
        "desk/audit.html",
        include_str!("../../templates/desk/audit.html"),
    ),
    (
        "desk/base.html",
        include_str!("../../templates/desk/base.html"),
    ),
    (
        "desk/desk.css",
        include_str!("../../templates/desk/desk.css"),
    ),
    (
        "desk/editor.html",
        include_str!("../../templates/desk/editor.html"),
    ),
    (
        "desk/home.html",
        include_str!("../../templates/desk/home.html"),
    ),
    (
        "desk/live-preview.js",
        include_str!("../../templates/desk/live-preview.js"),
    ),
    (
        "desk/import.html",
        include_str!("../../templates/desk/import.html"),
    ),
    (
        "desk/subscriber.html",
        include_str!("../../templates/desk/subscriber.html"),
    ),
    (
        "desk/subscribers.html",
        include_str!("../../templates/desk/subscribers.html"),
    ),
    (
        "desk/suppressions.html",
        include_str!("../../templates/desk/suppressions.html"),
    ),
    (
        "desk/totp.html",
        include_str!("../../templates/desk/totp.html"),
    ),
    (
        "desk/report.html",
        include_str!("../../templates/desk/report.html"),
    ),
    (
        "desk/report.js",
        include_str!("../../templates/desk/report.js"),
    ),
    (
        "desk/send.html",
        include_str!("../../templates/desk/send.html"),
    ),
    (
        "desk/correct.html",
        include_str!("../../templates/desk/correct.html"),
    ),
    (
        "desk/login.html",
        include_str!("../../templates/desk/login.html"),
    ),
    (
        "desk/message.html",
        include_str!("../../templates/desk/message.html"),
    ),
    (
        "desk/new.html",
        include_str!("../../templates/desk/new.html"),
    ),
    (
        "desk/password.html",
        include_str!("../../templates/desk/password.html"),
    ),
    (
        "desk/preview.html",
        include_str!("../../templates/desk/preview.html"),
    ),
    (
        "desk/problems.html",
        include_str!("../../templates/desk/problems.html"),
    ),
    (
        "desk/users.html",
        include_str!("../../templates/desk/users.html"),
    ),
];

/// The built-in named `name`.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The templates of one pressroom: the built-ins, and what its
/// `templates/` folder replaces.
#[derive(Default)]
pub struct Theme {
    /// Every template (built-in or replaced) when anything is replaced.
    env: Option<Environment<'static>>,
    /// Templates that render through minijinja: the replaced ones and those
    /// that extend or include one.
    engine: BTreeSet<String>,
    /// Replaced static files, by built-in name.
    statics: BTreeMap<&'static str, String>,
    /// Files of `templates/` by name, as shown in messages.
    paths: BTreeMap<String, PathBuf>,
    /// Files that replace nothing and that no template uses.
    unused: Vec<PathBuf>,
}

impl fmt::Debug for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Theme")
            .field("engine", &self.engine)
            .field("statics", &self.statics.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A template that failed to render, with the file and line.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Askama(#[from] askama::Error),
    /// A pressroom's own template (or a built-in it uses) failed.
    #[error("{}:{}: {message}", file.display(), line)]
    Template {
        /// `templates/site/list.html`, or `(built-in) site/base.html`.
        file: PathBuf,
        line: usize,
        message: String,
    },
}

impl RenderError {
    /// As a diagnostic of the template file.
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            RenderError::Template {
                file,
                line,
                message,
            } => Diagnostic::new(file, *line, 1, message.clone()),
            RenderError::Askama(e) => Diagnostic::new("templates", 1, 1, e.to_string()),
        }
    }
}

impl Theme {
    /// The built-ins alone.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// Reads `root/templates/`. `shown` turns a path into the form messages
    /// use. Every file that fails to parse is a diagnostic with its line.
    pub fn load(root: &Path, shown: &dyn Fn(&Path) -> PathBuf) -> Result<Self, Diagnostics> {
        let dir = root.join(TEMPLATES_DIR);
        if std::fs::symlink_metadata(&dir).is_err() {
            return Ok(Self::builtin());
        }
        let files = read_templates(&dir, shown)?;
        if files.is_empty() {
            return Ok(Self::builtin());
        }
        let mut diags = Diagnostics::default();
        let mut theme = Theme::default();
        let mut env = environment();
        let mut sources: BTreeMap<String, String> = BUILTINS
            .iter()
            .filter(|b| b.kind == Kind::Template)
            .map(|b| (b.name.to_string(), b.source.to_string()))
            .collect();
        let mut replaced = BTreeSet::new();
        for (name, (path, text)) in files {
            theme.paths.insert(name.clone(), shown(&path));
            match builtin(&name) {
                Some(b) if b.kind == Kind::Static => {
                    theme.statics.insert(b.name, text);
                }
                Some(_) => {
                    replaced.insert(name.clone());
                    sources.insert(name, text);
                }
                None => {
                    sources.insert(name, text);
                }
            }
        }
        for (name, text) in &sources {
            if let Err(e) = env.add_template_owned(name.clone(), text.clone()) {
                let path = theme
                    .paths
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from(format!("(built-in) {name}")));
                let (line, col) = position(text, &e);
                diags.push(Diagnostic::new(path, line, col, describe(&e)));
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let uses: BTreeMap<&str, Vec<String>> = sources
            .iter()
            .map(|(n, t)| (n.as_str(), referenced(t)))
            .collect();
        theme.engine = through_engine(&uses, &replaced);
        let used: BTreeSet<&str> = uses.values().flatten().map(String::as_str).collect();
        theme.unused = theme
            .paths
            .iter()
            .filter(|(n, _)| builtin(n).is_none() && !used.contains(n.as_str()))
            .map(|(_, p)| p.clone())
            .collect();
        theme.env = Some(env);
        Ok(theme)
    }

    /// True when nothing is replaced.
    pub fn is_builtin(&self) -> bool {
        self.engine.is_empty() && self.statics.is_empty()
    }

    /// The templates a pressroom replaces (or that use a replaced one).
    pub fn through_engine(&self) -> impl Iterator<Item = &str> {
        self.engine.iter().map(String::as_str)
    }

    /// Files of `templates/` that replace no built-in and that no template
    /// extends or includes: most likely a misspelt name.
    pub fn unused(&self) -> &[PathBuf] {
        &self.unused
    }

    /// The text of a static built-in (`site/style.css`), or its replacement.
    pub fn static_file(&self, name: &'static str) -> &str {
        match self.statics.get(name) {
            Some(text) => text,
            None => builtin(name).map_or("", |b| b.source),
        }
    }

    /// Renders `page` with the template `name`: compiled askama, unless the
    /// pressroom replaces it (or something it uses).
    pub fn render<T>(&self, name: &str, page: &T) -> Result<String, RenderError>
    where
        T: askama::Template + Serialize,
    {
        match &self.env {
            Some(env) if self.engine.contains(name) => env
                .get_template(name)
                .and_then(|t| t.render(Value::from_serialize(page)))
                .map_err(|e| self.located(&e)),
            _ => Ok(page.render()?),
        }
    }

    /// An engine error, naming the file in `templates/` (or the built-in)
    /// and the line where it happened.
    fn located(&self, e: &minijinja::Error) -> RenderError {
        let mut inner: &minijinja::Error = e;
        // The innermost template error says where it really happened.
        while let Some(next) =
            std::error::Error::source(inner).and_then(|s| s.downcast_ref::<minijinja::Error>())
        {
            inner = next;
        }
        let name = inner.name().unwrap_or("?");
        let file = self
            .paths
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(format!("(built-in) {name}")));
        RenderError::Template {
            file,
            line: inner.line().unwrap_or(1),
            message: describe(inner),
        }
    }
}

/// The engine, set up to write what askama writes: the same escaping, the
/// same whitespace, and the Rust methods the built-ins call.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(false);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".xml") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::Html && !value.is_safe() && !value.is_none() {
            let text = value.to_string();
            let escaped = askama::filters::escape(&text, askama::filters::Html)
                .map_err(|e| minijinja::Error::new(ErrorKind::WriteFailure, e.to_string()))?;
            write!(out, "{escaped}").map_err(minijinja::Error::from)
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.set_unknown_method_callback(context::rust_methods);
    // A loop inside a loop over long ranges would never end: each render
    // gets a budget of steps, far above what any page of the built-ins
    // takes (the archive of 10,000 releases takes a few million).
    env.set_fuel(Some(FUEL));
    env
}

/// Steps of the template engine one page may take.
pub const FUEL: u64 = 200_000_000;

/// What the error is, without the file (messages add it).
fn describe(e: &minijinja::Error) -> String {
    if e.kind() == ErrorKind::OutOfFuel {
        return format!(
            "the template stopped after {FUEL} steps without finishing one page: a loop that never ends, or loops inside loops over long ranges? Make it do less"
        );
    }
    let kind = e.kind().to_string();
    match e.detail() {
        Some(detail) => format!("{kind}: {detail}"),
        None => kind,
    }
}

/// The line and column of a parse error in `text`.
fn position(text: &str, e: &minijinja::Error) -> (usize, usize) {
    match e.range() {
        Some(range) => crate::diagnostic::line_col(text, range.start),
        None => (e.line().unwrap_or(1), 1),
    }
}

/// The templates that `text` extends or includes (literal names).
fn referenced(text: &str) -> Vec<String> {
    let mut names = vec![];
    let mut rest = text;
    while let Some(at) = rest.find("{%") {
        rest = &rest[at + 2..];
        let tag = rest.split("%}").next().unwrap_or("");
        let words = tag.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        for keyword in ["extends", "include", "import", "from"] {
            if let Some(arg) = words.strip_prefix(keyword) {
                let arg = arg.trim_start();
                if let Some(q) = arg.chars().next().filter(|c| *c == '"' || *c == '\'')
                    && let Some(end) = arg[1..].find(q)
                {
                    names.push(arg[1..1 + end].to_string());
                }
            }
        }
    }
    names
}

/// Copies built-ins into `root/templates/` to start from: `name`, or every
/// one. Never overwrites a file. Returns what was written.
pub fn eject(root: &Path, name: Option<&str>) -> Result<Vec<PathBuf>, EjectError> {
    let chosen: Vec<&Builtin> = match name {
        Some(n) => {
            let n = n.trim_start_matches("templates/");
            vec![builtin(n).ok_or_else(|| EjectError::Unknown(n.to_string()))?]
        }
        None => BUILTINS.iter().collect(),
    };
    let dir = root.join(TEMPLATES_DIR);
    let existing: Vec<PathBuf> = chosen
        .iter()
        .map(|b| dir.join(b.name))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .collect();
    if !existing.is_empty() {
        return Err(EjectError::Exists(existing));
    }
    let mut written = vec![];
    for b in chosen {
        let path = dir.join(b.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| EjectError::Io(parent.to_path_buf(), e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| EjectError::Io(path.clone(), e))?;
        std::io::Write::write_all(&mut file, b.source.as_bytes())
            .map_err(|e| EjectError::Io(path.clone(), e))?;
        written.push(path);
    }
    Ok(written)
}

/// Why `templates eject` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum EjectError {
    #[error("there is no built-in template {0:?}; `pressroom templates list` shows their names")]
    Unknown(String),
    #[error("{} already exist{}; pressroom never overwrites a template: move {} away first", crate::files::path_list(.0), if .0.len() == 1 { "s" } else { "" }, if .0.len() == 1 { "it" } else { "them" })]
    Exists(Vec<PathBuf>),
    #[error("cannot write {}: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
}

/// The organisation's templates in `dir` by name (path and text): those
/// that replace or add to the built-ins. A file that cannot be read, or
/// that replaces a part of the writer's preview, is a diagnostic.
fn read_templates(
    dir: &Path,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Result<BTreeMap<String, (PathBuf, String)>, Diagnostics> {
    let mut files: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
    let mut diags = Diagnostics::default();
    let walked = crate::files::visit_regular_tree(dir, &mut |rel, path| {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                files.insert(rel.to_string(), (path.to_path_buf(), text));
            }
            Err(e) => diags.push(Diagnostic::new(
                shown(path),
                1,
                1,
                format!("cannot read this template: {e}"),
            )),
        }
        Ok(())
    });
    if let Err(e) = walked {
        diags.push(Diagnostic::new(shown(dir), 1, 1, e.to_string()));
    }
    // Notes beside the templates (a README) are not templates.
    files.retain(|name, _| {
        [".html", ".txt", ".xml", ".css", ".js"]
            .iter()
            .any(|ext| name.ends_with(ext))
    });
    // A file that is the built-in itself (this repository's own
    // `templates/`, or an eject not yet edited) replaces nothing.
    files.retain(|name, (_, text)| builtin(name).is_none_or(|b| b.source != text.as_str()));
    for (name, (path, text)) in &files {
        if name.starts_with("desk/") && !DESK.iter().any(|(n, src)| n == name && src == text) {
            diags.push(Diagnostic::new(
                shown(path),
                1,
                1,
                "the desk's pages are part of pressroom and cannot be replaced: remove the file",
            ));
        }
    }
    files.retain(|name, _| !name.starts_with("desk/"));
    for (fixed, source) in FIXED {
        if let Some((path, text)) = files.remove(*fixed)
            && text != *source
        {
            diags.push(Diagnostic::new(
                shown(&path),
                1,
                1,
                "this template is part of the writer's preview and cannot be replaced: remove the file",
            ));
        }
    }
    if diags.is_empty() {
        Ok(files)
    } else {
        Err(diags)
    }
}

/// The templates that render through the engine: those replaced, and
/// those that extend or include (to any depth) one replaced.
fn through_engine(
    uses: &BTreeMap<&str, Vec<String>>,
    replaced: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut engine = BTreeSet::new();
    for name in uses.keys() {
        let mut stack = vec![*name];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            if replaced.contains(n) {
                engine.insert(name.to_string());
                break;
            }
            stack.extend(uses.get(n).into_iter().flatten().map(String::as_str));
        }
    }
    engine
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_in_tags() {
        let t = r#"{% extends "site/base.html" %}{%- include 'web/choices.html' -%}{{ "x" }}"#;
        assert_eq!(referenced(t), ["site/base.html", "web/choices.html"]);
    }

    #[test]
    fn every_builtin_template_parses_in_the_engine() {
        let mut env = environment();
        for b in BUILTINS.iter().filter(|b| b.kind == Kind::Template) {
            env.add_template(b.name, b.source)
                .unwrap_or_else(|e| panic!("{}: {e:#}", b.name));
        }
    }

    /// Every name a built-in reads from its context is in the reference
    /// of docs/templates.md (interface strings `t.*` and `w.*` are listed
    /// in i18n.rs).
    #[test]
    fn the_template_reference_documents_every_name_the_built_ins_read() {
        let doc = include_str!("../../docs/templates.md");
        let documented: BTreeSet<&str> = doc
            .split('`')
            .skip(1)
            .step_by(2)
            .flat_map(|code| code.split(|c: char| !(c.is_alphanumeric() || c == '_')))
            .collect();
        let mut missing = BTreeSet::new();
        for b in BUILTINS.iter().filter(|b| b.kind == Kind::Template) {
            let tags = |open| b.source.split(open).skip(1);
            for tag in tags("{{").chain(tags("{%")) {
                let tag = tag.split(['}', '%']).next().unwrap_or("");
                for word in tag.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
                    let parts: Vec<&str> = word.split('.').collect();
                    if parts.len() < 2 || ["t", "w", "loop"].contains(&parts[parts.len() - 2]) {
                        continue;
                    }
                    let field = parts[parts.len() - 1];
                    if !["len", "is_empty", "is_some", "html", "xml", "txt", ""].contains(&field)
                        && !documented.contains(field)
                    {
                        missing.insert(format!("{} reads {word}", b.name));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "not in docs/templates.md: {missing:#?}");
    }

    #[test]
    fn parse_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("templates/site");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(site.join("page.html"), "<h1>{{ title }}</h1>\n{% if %}\n").unwrap();
        let err = Theme::load(dir.path(), &|p| p.to_path_buf()).unwrap_err();
        let d = &err.0[0];
        assert!(d.path.ends_with("templates/site/page.html"), "{d}");
        assert_eq!(d.line, 2, "{d}");
        assert!(d.message.contains("syntax error"), "{d}");
    }

    #[test]
    fn the_desk_s_pages_cannot_be_replaced_and_a_copy_of_them_is_no_template() {
        let dir = tempfile::tempdir().unwrap();
        let desk = dir.path().join("templates/desk");
        std::fs::create_dir_all(&desk).unwrap();
        // This repository's own desk pages (askama, not minijinja) are fine.
        for (name, text) in DESK {
            std::fs::write(dir.path().join("templates").join(name), text).unwrap();
        }
        let theme = Theme::load(dir.path(), &|p| p.to_path_buf()).unwrap();
        assert!(theme.is_builtin());
        std::fs::write(desk.join("editor.html"), "<h1>mine</h1>").unwrap();
        let err = Theme::load(dir.path(), &|p| p.to_path_buf()).unwrap_err();
        assert!(err.0[0].path.ends_with("templates/desk/editor.html"));
        assert!(
            err.0[0].message.contains("cannot be replaced"),
            "{}",
            err.0[0]
        );
    }

    #[test]
    fn a_copy_of_a_builtin_replaces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let written = eject(dir.path(), Some("site/release.html")).unwrap();
        assert_eq!(written.len(), 1);
        let theme = Theme::load(dir.path(), &|p| p.to_path_buf()).unwrap();
        assert!(theme.is_builtin());
        // A second eject refuses to overwrite.
        let again = eject(dir.path(), Some("site/release.html")).unwrap_err();
        assert!(matches!(again, EjectError::Exists(_)), "{again}");
        assert!(matches!(
            eject(dir.path(), Some("site/nope.html")).unwrap_err(),
            EjectError::Unknown(_)
        ));
    }

    #[test]
    fn replacing_the_layout_sends_every_page_through_the_engine() {
        let dir = tempfile::tempdir().unwrap();
        eject(dir.path(), Some("site/base.html")).unwrap();
        let base = dir.path().join("templates/site/base.html");
        let text = std::fs::read_to_string(&base).unwrap();
        std::fs::write(&base, text.replace("<main", "<!-- ours --><main")).unwrap();
        std::fs::write(dir.path().join("templates/site/typo.html"), "x").unwrap();
        let theme = Theme::load(dir.path(), &|p| p.to_path_buf()).unwrap();
        let engine: Vec<&str> = theme.through_engine().collect();
        assert!(engine.contains(&"site/release.html"), "{engine:?}");
        assert!(engine.contains(&"web/preferences.html"), "{engine:?}");
        assert!(!engine.contains(&"email/release.html"), "{engine:?}");
        assert_eq!(theme.unused().len(), 1);
        assert!(theme.unused()[0].ends_with("site/typo.html"));
    }
}
