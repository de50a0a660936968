//! Loading a pressroom: the configuration and every release, with the checks
//! that span files (duplicate slugs, duplicate language versions).

pub mod live;
pub mod standing;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::config::{Config, ConfigError};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::i18n::Lang;
use crate::release::{self, Release, ReleaseLink};

/// A loaded pressroom: configuration and all releases (drafts and embargoed included).
#[derive(Debug)]
pub struct Content {
    pub config: Config,
    /// Sorted newest first, ties broken by slug and language. Shared, so
    /// that a preview's cache hands them out without copying.
    pub releases: Vec<Arc<Release>>,
    /// The standing pages (`pages/NAME.LANG.md`).
    pub pages: Vec<crate::content::standing::Page>,
    /// A writer's preview (`serve --drafts`): drafts and embargoed releases
    /// are on the website too, each page with a banner saying so.
    pub show_unpublished: bool,
}

/// Why content could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Content(Diagnostics),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Releases parsed by an earlier load, by file, with the size, change time
/// and inode they had: a long-running preview parses again only the files
/// that changed. Whatever else a parse depends on (the configuration, the
/// assets a release names) must [`clear`](ParseCache::clear) it.
///
/// A file watcher that saw every change can say which files changed
/// ([`only_changed`](ParseCache::only_changed)): the next load then looks
/// only at those (and at files it has not seen), without asking the file
/// system about the thousands of others.
#[derive(Default)]
pub struct ParseCache {
    /// Keyed by the path's bytes: hashing a `Path` walks its components.
    files: crate::sharded::Sharded<crate::sharded::HashMap<std::ffi::OsString, (Stamp, Parsed)>>,
    /// For the next load: the names of the only files that may have
    /// changed since the last one (`None`: any may have).
    vouched: std::sync::Mutex<Option<crate::sharded::HashSet<std::ffi::OsString>>>,
    /// The release files the last load found (sorted as
    /// [`list_releases`] sorts them), when it found nothing amiss.
    listing: std::sync::Mutex<Option<Vec<PathBuf>>>,
    /// Files that loads found unchanged (not parsed again).
    hits: std::sync::atomic::AtomicUsize,
}

type Parsed = Result<Arc<Release>, Vec<Diagnostic>>;

/// What tells that a file changed without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    changed: (i64, i64),
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(Self {
            len: m.len(),
            modified: m.modified().ok(),
            changed: (m.ctime(), m.ctime_nsec()),
            inode: m.ino(),
        })
    }

    /// Whether the file was modified at or after `t` (or when is unknown).
    pub fn modified_since(&self, t: std::time::SystemTime) -> bool {
        self.modified.is_none_or(|m| m >= t)
    }
}

impl ParseCache {
    /// Adds what an earlier process parsed of the file at `path` when it
    /// had `stamp` (the build's cache, see [`crate::build::cache`]).
    pub fn seed(&self, path: std::ffi::OsString, stamp: Stamp, release: Arc<Release>) {
        self.files
            .shard(path.as_os_str())
            .insert(path, (stamp, Ok(release)));
    }

    /// Every release parsed without error, by file, with the stamp its file
    /// had when it was read.
    pub fn parsed(&self) -> Vec<(std::ffi::OsString, Stamp, Arc<Release>)> {
        let mut out = vec![];
        self.files.for_each(|m| {
            out.extend(m.iter().filter_map(|(path, (stamp, parsed))| {
                Some((path.clone(), *stamp, parsed.as_ref().ok()?.clone()))
            }));
        });
        out
    }

    /// How many files loads found unchanged and did not parse again.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets every file.
    pub fn clear(&self) {
        self.files.clear();
        *self.vouched.lock().expect("parse cache lock") = None;
        self.remember_listing(None);
    }

    fn remember_listing(&self, files: Option<Vec<PathBuf>>) {
        *self.listing.lock().expect("parse cache lock") = files;
    }

    /// The release files in `dir` now, from the last listing and the
    /// `changed` names alone (a file named there was added, replaced or
    /// removed), without reading the folder; `None` when a changed name
    /// is something other than a regular file or nothing (a symbolic link,
    /// say), which a full listing reports.
    fn listing_after(
        &self,
        dir: &Path,
        changed: &crate::sharded::HashSet<std::ffi::OsString>,
    ) -> Option<Vec<PathBuf>> {
        let mut listing = self.listing.lock().expect("parse cache lock");
        let files = listing.as_mut()?;
        for name in changed {
            if !is_release_name(&name.to_string_lossy()) {
                continue;
            }
            let path = dir.join(name);
            let at = files.binary_search_by(|f| f.as_os_str().cmp(path.as_os_str()));
            match (std::fs::symlink_metadata(&path), at) {
                (Ok(m), Err(i)) if m.file_type().is_file() => files.insert(i, path),
                (Ok(m), Ok(_)) if m.file_type().is_file() => {}
                (Err(e), Ok(i)) if e.kind() == std::io::ErrorKind::NotFound => {
                    files.remove(i);
                }
                (Err(e), Err(_)) if e.kind() == std::io::ErrorKind::NotFound => {}
                _ => {
                    *listing = None;
                    return None;
                }
            }
        }
        Some(files.clone())
    }

    /// Tells the next load that, of the files it parsed before, only those
    /// named here (file names in `releases/`) may have changed since.
    pub fn only_changed(&self, names: impl IntoIterator<Item = std::ffi::OsString>) {
        *self.vouched.lock().expect("parse cache lock") = Some(names.into_iter().collect());
    }

    /// What the last [`only_changed`](ParseCache::only_changed) vouched
    /// for, now used up.
    fn take_vouched(&self) -> Option<crate::sharded::HashSet<std::ffi::OsString>> {
        self.vouched.lock().expect("parse cache lock").take()
    }

    fn parse(
        &self,
        path: &Path,
        vouched: Option<&crate::sharded::HashSet<std::ffi::OsString>>,
        parse: impl FnOnce() -> Parsed,
    ) -> Parsed {
        let key = path.as_os_str();
        if let Some(unchanged) = vouched
            && !path.file_name().is_some_and(|n| unchanged.contains(n))
            && let Some((_, parsed)) = self.files.shard(key).get(key)
        {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return parsed.clone();
        }
        let stamp = Stamp::of(path);
        if let Some(stamp) = stamp
            && let Some((s, parsed)) = self.files.shard(key).get(key)
            && *s == stamp
        {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return parsed.clone();
        }
        let parsed = parse();
        if let Some(stamp) = stamp {
            self.files
                .shard(path.as_os_str())
                .insert(path.as_os_str().to_owned(), (stamp, parsed.clone()));
        }
        parsed
    }
}

impl Content {
    /// Loads `pressroom.toml` and every `releases/*.md` under `root`.
    pub fn load(root: &Path) -> Result<Self, LoadError> {
        Self::load_with(root, None)
    }

    /// As [`load`](Content::load), reusing what `cache` holds of files that
    /// did not change since it was filled.
    pub fn load_with(root: &Path, cache: Option<&ParseCache>) -> Result<Self, LoadError> {
        let vouched = cache.and_then(ParseCache::take_vouched);
        let config = Config::load(root)?;
        let dir = config.releases_dir();
        let mut diags = Diagnostics::default();
        let known = match (cache, &vouched) {
            (Some(c), Some(names)) => c.listing_after(&dir, names),
            _ => None,
        };
        let files = match known {
            Some(files) => files,
            None => {
                let files = list_releases(&config, &dir, &mut diags)?;
                if let Some(c) = cache {
                    c.remember_listing(diags.is_empty().then(|| files.clone()));
                }
                files
            }
        };
        // Hidden files are never copied: a release cannot use one.
        let exists = |rel: &str| {
            !crate::files::is_hidden_path(rel)
                && crate::files::is_regular_file_inside(&dir, Path::new(rel))
        };
        let results: Vec<Parsed> = files
            .par_iter()
            .map(|path| match cache {
                Some(c) => c.parse(path, vouched.as_ref(), || {
                    parse_file(&config, path, &exists)
                }),
                None => parse_file(&config, path, &exists),
            })
            .collect();
        let assets = dir.join("assets");
        for bad in crate::files::unsafe_entries(&assets).map_err(|e| LoadError::Io {
            path: assets.clone(),
            source: e,
        })? {
            let bad = bad.map_path(|p| config.display_path(p).to_path_buf());
            diags.push(Diagnostic::new(bad.path(), 1, 1, bad.to_string()));
        }
        let mut releases = vec![];
        for r in results {
            match r {
                Ok(rel) => releases.push(rel),
                Err(ds) => ds.into_iter().for_each(|d| diags.push(d)),
            }
        }
        // In file order, before sorting by date.
        cross_checks(&releases, &mut diags);
        let pages = crate::content::standing::load(&config, &mut diags);
        address_checks(&releases, &pages, &mut diags);
        if !diags.is_empty() {
            diags.sort();
            return Err(LoadError::Content(diags));
        }
        releases.sort_by(|a, b| {
            b.publication
                .date
                .cmp(&a.publication.date)
                .then_with(|| a.slug.cmp(&b.slug))
                .then_with(|| a.lang.cmp(&b.lang))
        });
        Ok(Content {
            config,
            releases,
            pages,
            show_unpublished: false,
        })
    }

    /// Releases on the website at `now` (published, `web` not false), newest
    /// first; in a writer's preview, drafts and embargoed ones too.
    pub fn on_web(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Release> {
        self.shared_on_web(now).map(std::sync::Arc::as_ref)
    }

    /// [`Content::on_web`], as the shared releases.
    pub fn shared_on_web(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Arc<Release>> {
        let all = self.show_unpublished;
        self.releases
            .iter()
            .filter(move |r| r.publication.web && (all || r.is_published(now)))
    }

    /// The release pages not out at `now` (drafts, under embargo, never on
    /// the web): links to them are written as text until they are. A
    /// writer's preview shows every page, so it hides none.
    pub fn unpublished(&self, now: DateTime<Utc>) -> crate::markdown::Unpublished {
        let pages = self
            .releases
            .iter()
            .filter(|r| !(self.show_unpublished || (r.publication.web && r.is_published(now))))
            .map(|r| format!("{}/{}/", r.lang, r.slug));
        crate::markdown::Unpublished::new(pages, self.config.site.base_path())
    }

    /// The published web versions of `release` in other languages.
    pub fn translations<'a>(
        &'a self,
        release: &'a Release,
        now: DateTime<Utc>,
    ) -> Vec<&'a Release> {
        let Some(key) = &release.translation_key else {
            return vec![];
        };
        let mut v: Vec<&Release> = self
            .on_web(now)
            .filter(|r| r.translation_key.as_ref() == Some(key) && r.lang != release.lang)
            .collect();
        let order = |l: &Lang| self.config.site.languages.iter().position(|x| x == l);
        v.sort_by_key(|r| order(&r.lang));
        v
    }

    /// Finds a release by file path, slug or translation key; `lang` picks the
    /// language version (default: the site's default language, else any).
    pub fn find(&self, key: &str, lang: Option<&Lang>) -> Result<&Release, FindError> {
        let as_path = Path::new(key);
        let by_path: Vec<&Release> = self
            .releases
            .iter()
            .map(std::sync::Arc::as_ref)
            .filter(|r| {
                let full = self.config.root.join(&r.source.path);
                r.source.path == as_path
                    || full == as_path
                    || as_path.canonicalize().ok() == full.canonicalize().ok()
            })
            .collect();
        if let Some(r) = by_path.first() {
            return match lang {
                Some(l) if *l != r.lang => Err(FindError::OtherLang {
                    path: r.source.path.clone(),
                    has: r.lang.clone(),
                    want: l.clone(),
                }),
                _ => Ok(r),
            };
        }
        let matches: Vec<&Release> = self
            .releases
            .iter()
            .map(std::sync::Arc::as_ref)
            .filter(|r| r.slug.as_str() == key || r.translation_key.as_deref() == Some(key))
            .collect();
        if matches.is_empty() {
            return Err(FindError::NotFound(key.to_string()));
        }
        let want = lang.unwrap_or(&self.config.site.default_lang);
        if let Some(r) = matches.iter().find(|r| &r.lang == want) {
            return Ok(r);
        }
        if let Some(l) = lang {
            return Err(FindError::NoVersion {
                key: key.to_string(),
                want: l.clone(),
                has: matches
                    .iter()
                    .map(|r| r.lang.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(matches[0])
    }
}

/// Why `pressroom send|preview|deliveries RELEASE` found no release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    #[error(
        "no release '{0}': give a file path, a slug or a translation_key (see `pressroom check`)"
    )]
    NotFound(String),
    #[error("{} is the '{has}' version; drop --lang or name the '{want}' file", path.display())]
    OtherLang {
        path: std::path::PathBuf,
        has: Lang,
        want: Lang,
    },
    #[error("release '{key}' has no '{want}' version (it has: {has})")]
    NoVersion {
        key: String,
        want: Lang,
        has: String,
    },
}

/// The releases by file name (`2026-10-26-strategy.fi.md`): what a link
/// written as a release's file name points at.
pub fn by_file_name(releases: &[Arc<Release>]) -> HashMap<&std::ffi::OsStr, &Release> {
    releases
        .iter()
        .filter_map(|r| Some((r.source.path.file_name()?, r.as_ref())))
        .collect()
}

/// Each link in a body to another release's file must reach that
/// release's page: the page the file's name gives (see
/// [`crate::markdown::release_page`]) must be the page the release has.
fn release_links(releases: &[Arc<Release>], diags: &mut Diagnostics) {
    let linking: Vec<&Release> = releases
        .iter()
        .map(Arc::as_ref)
        .filter(|r| !r.source.release_links.is_empty())
        .collect();
    if linking.is_empty() {
        return;
    }
    let by_file = by_file_name(releases);
    for r in linking {
        for ReleaseLink { file, line, col } in &r.source.release_links {
            let Some(target) = by_file.get(std::ffi::OsStr::new(file)) else {
                diags.push(Diagnostic::new(
                    &r.source.path,
                    *line,
                    *col,
                    format!("link to '{file}', which is not a release (a file whose name begins with '_' or '.' is not published)"),
                ));
                continue;
            };
            let page = format!("{}/{}/", target.lang, target.slug);
            if crate::release::page_of_file(file).as_deref() != Some(page.as_str()) {
                diags.push(Diagnostic::new(
                    &r.source.path,
                    *line,
                    *col,
                    format!("link to '{file}': that release's page is /{page} (its front matter sets its language or slug), which the file name does not tell; link to /{page} instead"),
                ));
            }
        }
    }
}

/// No release takes an address of the site's own pages, and no standing
/// page takes a release's address or another page's. (A preview runs this
/// after every save: only the few pages go into a map.)
fn address_checks(
    releases: &[Arc<Release>],
    pages: &[crate::content::standing::Page],
    diags: &mut Diagnostics,
) {
    use crate::content::standing::RESERVED;
    let mut by_address: HashMap<(&Lang, &str), &crate::content::standing::Page> = HashMap::new();
    for p in pages {
        if let Some(first) = by_address.insert((&p.lang, p.slug.as_str()), p) {
            diags.push(taken(p, &first.path));
        }
    }
    for r in releases.iter().map(Arc::as_ref) {
        if RESERVED.contains(&r.slug.as_str()) {
            diags.push(Diagnostic::new(
                &r.source.path,
                r.line_of("slug"),
                1,
                format!(
                    "/{}/{}/ is the address of the site's own page; give the release another 'slug'",
                    r.lang, r.slug
                ),
            ));
        }
        if !by_address.is_empty()
            && let Some(p) = by_address.get(&(&r.lang, r.slug.as_str()))
        {
            diags.push(taken(p, &r.source.path));
        }
    }
}

/// `page` wants the address that `owner` has.
fn taken(page: &crate::content::standing::Page, owner: &Path) -> Diagnostic {
    Diagnostic::new(
        &page.path,
        page.slug_line,
        1,
        format!(
            "/{}/{}/ is already the address of {}; give this page another `slug:`",
            page.lang,
            page.slug,
            owner.display()
        ),
    )
}

fn cross_checks(releases: &[Arc<Release>], diags: &mut Diagnostics) {
    release_links(releases, diags);
    // FxHash: the keys come from the pressroom's own files, and a preview
    // runs this after every save.
    let map = || -> crate::sharded::HashMap<(&Lang, &str), &Release> {
        crate::sharded::HashMap::with_capacity_and_hasher(releases.len(), Default::default())
    };
    let (mut by_slug, mut by_key) = (map(), map());
    // `releases` are in the order of their files' paths, so the first of
    // two with the same slug is always the same one.
    for r in releases.iter().map(Arc::as_ref) {
        if let Some(first) = by_slug.insert((&r.lang, r.slug.as_str()), r) {
            diags.push(Diagnostic::new(
                &r.source.path,
                r.line_of("slug"),
                1,
                format!(
                    "slug '{}' in language '{}' is already used by {}; give one of them another 'slug'",
                    r.slug,
                    r.lang,
                    first.source.path.display()
                ),
            ));
        }
        if let Some(key) = &r.translation_key
            && let Some(first) = by_key.insert((&r.lang, key.as_str()), r)
        {
            diags.push(Diagnostic::new(
                &r.source.path,
                r.line_of("translation_key"),
                1,
                format!(
                    "translation_key '{key}' already has a '{}' version: {}",
                    r.lang,
                    first.source.path.display()
                ),
            ));
        }
    }
}

/// Whether a file in `releases/` named `name` is a release (Markdown, and
/// not a README, a draft note starting with `_` or a hidden file).
pub(crate) fn is_release_name(name: &str) -> bool {
    name.ends_with(".md") && !name.starts_with(['_', '.']) && name != "README.md"
}

/// The release files in `dir`, sorted by their paths' bytes (the same
/// order as by path for files of one folder, and much cheaper to compare);
/// a symbolic link named like a release is a diagnostic.
fn list_releases(
    config: &Config,
    dir: &Path,
    diags: &mut Diagnostics,
) -> Result<Vec<PathBuf>, LoadError> {
    let io = |e| LoadError::Io {
        path: dir.to_path_buf(),
        source: e,
    };
    let mut files = vec![];
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let file_type = entry.file_type().ok();
        if file_type.is_some_and(|t| t.is_symlink()) && name.ends_with(".md") {
            let bad = crate::files::Unsafe::Symlink(config.display_path(&entry.path()).into());
            diags.push(Diagnostic::new(bad.path(), 1, 1, bad.to_string()));
        }
        if file_type.is_some_and(|t| t.is_file()) && is_release_name(&name) {
            files.push(entry.path());
        }
    }
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    Ok(files)
}

/// Reads and parses one release file.
fn parse_file(config: &Config, path: &Path, exists: &dyn Fn(&str) -> bool) -> Parsed {
    let display = config.display_path(path);
    let text = std::fs::read(path).map_err(|e| {
        vec![Diagnostic::new(
            display,
            1,
            1,
            format!("cannot read file: {e}"),
        )]
    })?;
    let text = String::from_utf8(text).map_err(|e| {
        vec![Diagnostic::new(
            display,
            1,
            1,
            format!(
                "file is not UTF-8 text (byte {}); save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )]
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let release = release::parse(display, &name, &text, config, exists)?;
    let left = crate::scaffold::new::placeholders_in(&text);
    if release.publication.draft || left.is_empty() {
        return Ok(Arc::new(release));
    }
    Err(left
            .into_iter()
            .map(|(line, col, what, sample)| {
                Diagnostic::new(
                    display,
                    line,
                    col,
                    format!(
                        "still holds {what} that `pressroom new` wrote (“{sample}”): replace it before publishing, or put back `draft: true`"
                    ),
                )
            })
            .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of the sample pressroom's configuration with two releases.
    fn room() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let sample = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(
            sample.join("pressroom.toml"),
            dir.path().join("pressroom.toml"),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("releases/assets")).unwrap();
        std::fs::copy(
            sample.join("releases/assets/kaislamaa-logo.svg"),
            dir.path().join("releases/assets/kaislamaa-logo.svg"),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("subscribers")).unwrap();
        std::fs::copy(
            sample.join("subscribers/media.csv"),
            dir.path().join("subscribers/media.csv"),
        )
        .unwrap();
        for (name, title) in [
            ("2026-11-01-a.fi.md", "Yksi"),
            ("2026-11-02-b.fi.md", "Kaksi"),
        ] {
            write(&dir, name, title);
        }
        dir
    }

    fn write(dir: &tempfile::TempDir, name: &str, title: &str) {
        std::fs::write(
            dir.path().join("releases").join(name),
            format!("---\ntitle: {title}\ndate: 2026-11-01 09:00\n---\nTeksti.\n"),
        )
        .unwrap();
    }

    fn titles(c: &Content) -> Vec<&str> {
        let mut t: Vec<&str> = c.releases.iter().map(|r| r.title.as_str()).collect();
        t.sort();
        t
    }

    #[test]
    fn a_load_vouched_for_by_the_watcher_reads_only_the_files_it_names() {
        let dir = room();
        let cache = ParseCache::default();
        let first = Content::load_with(dir.path(), Some(&cache)).unwrap();
        assert_eq!(titles(&first), ["Kaksi", "Yksi"]);

        // Changed, added and removed files that the watcher names are seen.
        write(&dir, "2026-11-01-a.fi.md", "Yksi uusi");
        write(&dir, "2026-11-03-c.fi.md", "Kolme");
        std::fs::remove_file(dir.path().join("releases/2026-11-02-b.fi.md")).unwrap();
        cache.only_changed(
            [
                "2026-11-01-a.fi.md",
                "2026-11-03-c.fi.md",
                "2026-11-02-b.fi.md",
            ]
            .map(Into::into),
        );
        let second = Content::load_with(dir.path(), Some(&cache)).unwrap();
        assert_eq!(titles(&second), ["Kolme", "Yksi uusi"]);

        // A file it does not name is taken as it was (it vouched for it);
        // without its word, the next load looks at every file again.
        write(&dir, "2026-11-03-c.fi.md", "Kolme uusi");
        cache.only_changed(["2026-11-01-a.fi.md".into()]);
        let vouched = Content::load_with(dir.path(), Some(&cache)).unwrap();
        assert_eq!(titles(&vouched), ["Kolme", "Yksi uusi"]);
        let looked = Content::load_with(dir.path(), Some(&cache)).unwrap();
        assert_eq!(titles(&looked), ["Kolme uusi", "Yksi uusi"]);
    }

    #[test]
    fn a_symbolic_link_named_by_the_watcher_is_reported_as_a_full_listing_would() {
        let dir = room();
        let cache = ParseCache::default();
        Content::load_with(dir.path(), Some(&cache)).unwrap();
        std::os::unix::fs::symlink(
            "/etc/hostname",
            dir.path().join("releases/2026-11-05-x.fi.md"),
        )
        .unwrap();
        cache.only_changed(["2026-11-05-x.fi.md".into()]);
        let err = Content::load_with(dir.path(), Some(&cache)).unwrap_err();
        assert!(err.to_string().contains("2026-11-05-x.fi.md"), "{err}");
    }
}
