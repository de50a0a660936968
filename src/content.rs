//! Loading a pressroom: the configuration and every release, with the checks
//! that span files (duplicate slugs, duplicate language versions).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::config::{Config, ConfigError};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::Lang;
use crate::release::{self, Release};

/// A loaded pressroom: configuration and all releases (drafts and embargoed included).
#[derive(Debug)]
pub struct Content {
    pub config: Config,
    /// Sorted newest first, ties broken by slug and language. Shared, so
    /// that a preview's cache hands them out without copying.
    pub releases: Vec<Arc<Release>>,
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
#[derive(Default)]
pub struct ParseCache {
    /// Keyed by the path's bytes: hashing a `Path` walks its components.
    files: crate::sharded::Sharded<crate::sharded::HashMap<std::ffi::OsString, (Stamp, Parsed)>>,
}

type Parsed = Result<Arc<Release>, Vec<Diagnostic>>;

/// What tells that a file changed without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
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
}

impl ParseCache {
    /// Forgets every file.
    pub fn clear(&self) {
        self.files.clear();
    }

    fn parse(&self, path: &Path, parse: impl FnOnce() -> Parsed) -> Parsed {
        let stamp = Stamp::of(path);
        if let Some(stamp) = stamp
            && let Some((s, parsed)) = self.files.shard(path.as_os_str()).get(path.as_os_str())
            && *s == stamp
        {
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
        let config = Config::load(root)?;
        let dir = config.releases_dir();
        let mut files = vec![];
        let mut diags = Diagnostics::default();
        let entries = std::fs::read_dir(&dir).map_err(|e| LoadError::Io {
            path: dir.clone(),
            source: e,
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| LoadError::Io {
                path: dir.clone(),
                source: e,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let file_type = entry.file_type().ok();
            if file_type.is_some_and(|t| t.is_symlink()) && name.ends_with(".md") {
                let bad = crate::files::Unsafe::Symlink(config.display_path(&entry.path()).into());
                diags.push(Diagnostic::new(bad.path(), 1, 1, bad.to_string()));
            }
            let is_file = file_type.is_some_and(|t| t.is_file());
            if is_file
                && name.ends_with(".md")
                && !name.starts_with(['_', '.'])
                && name != "README.md"
            {
                files.push(entry.path());
            }
        }
        // By bytes: the same order as by path for files of one folder, and
        // much cheaper than comparing components.
        files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        let exists = |rel: &str| crate::files::is_regular_file_inside(&dir, Path::new(rel));
        let results: Vec<Parsed> = files
            .par_iter()
            .map(|path| match cache {
                Some(c) => c.parse(path, || parse_file(&config, path, &exists)),
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
        cross_checks(&releases, &mut diags);
        if !diags.is_empty() {
            diags.sort();
            return Err(LoadError::Content(diags));
        }
        releases.sort_by(|a, b| {
            b.date
                .cmp(&a.date)
                .then_with(|| a.slug.cmp(&b.slug))
                .then_with(|| a.lang.cmp(&b.lang))
        });
        Ok(Content {
            config,
            releases,
            show_unpublished: false,
        })
    }

    /// Releases on the website at `now` (published, `web` not false), newest
    /// first; in a writer's preview, drafts and embargoed ones too.
    pub fn on_web(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Release> {
        let all = self.show_unpublished;
        self.releases
            .iter()
            .map(std::sync::Arc::as_ref)
            .filter(move |r| r.web && (all || r.is_published(now)))
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
                let full = self.config.root.join(&r.path);
                r.path == as_path
                    || full == as_path
                    || as_path.canonicalize().ok() == full.canonicalize().ok()
            })
            .collect();
        if let Some(r) = by_path.first() {
            return match lang {
                Some(l) if *l != r.lang => Err(FindError::OtherLang {
                    path: r.path.clone(),
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

fn cross_checks(releases: &[Arc<Release>], diags: &mut Diagnostics) {
    // FxHash: the keys come from the pressroom's own files, and a preview
    // runs this after every save.
    let mut by_slug: crate::sharded::HashMap<(&Lang, &str), &Release> = Default::default();
    let mut by_key: crate::sharded::HashMap<(&Lang, &str), &Release> = Default::default();
    let mut sorted: Vec<&Release> = releases.iter().map(Arc::as_ref).collect();
    // By the path's bytes (comparing `Path`s walks their components).
    sorted.sort_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
    for r in sorted {
        if let Some(first) = by_slug.insert((&r.lang, r.slug.as_str()), r) {
            diags.push(Diagnostic::new(
                &r.path,
                r.line_of("slug"),
                1,
                format!(
                    "slug '{}' in language '{}' is already used by {}; give one of them another 'slug'",
                    r.slug,
                    r.lang,
                    first.path.display()
                ),
            ));
        }
        if let Some(key) = &r.translation_key
            && let Some(first) = by_key.insert((&r.lang, key.as_str()), r)
        {
            diags.push(Diagnostic::new(
                &r.path,
                r.line_of("translation_key"),
                1,
                format!(
                    "translation_key '{key}' already has a '{}' version: {}",
                    r.lang,
                    first.path.display()
                ),
            ));
        }
    }
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
    let left = crate::new_release::placeholders_in(&text);
    if release.draft || left.is_empty() {
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
