//! The record of the last build into an output folder: the stamps (size,
//! times, inode) of the sources it was made from and of the files it left,
//! and when each release goes on the web. A build whose sources, program
//! and output files are all as recorded, and in which no release's
//! publication time passed since, has nothing to do: it ends after looking
//! at the stamps, without parsing or rendering anything.
//!
//! The record lives in the pressroom's `.cache/` folder (mode 0700), never
//! in the output: it names draft and embargoed files, which are not for the
//! public web. It holds no personal data.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::content::Content;
use crate::render::site::{Memo, Summary, fingerprint};

/// Bumped when the record's meaning changes; an older record is ignored.
const FORMAT: u32 = 3;

/// A file changed this close to the build's start may change again
/// within the file system's timestamp granularity (two seconds on FAT)
/// without its stamp showing it: a build that read such a file records it
/// as unknown, so the next one reads that file again.
pub(crate) const RACY: Duration = Duration::from_secs(2);

/// A map read back from its entries in one go: a record holds them in
/// order, and building the map from them is linear, where adding them one
/// at a time searches the map from its root for each (tens of thousands of
/// paths with long common beginnings).
fn in_one_go<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    // A map and a sequence of pairs are encoded alike.
    Vec::<(K, V)>::deserialize(d).map(BTreeMap::from_iter)
}

/// What tells that a file changed without reading it: size, modification
/// and change times (nanoseconds), inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stamp(u64, i128, i128, u64);

impl Stamp {
    /// Equal to no file's stamp: recorded for a file that must be read
    /// again.
    const UNKNOWN: Self = Self(u64::MAX, i128::MIN, i128::MIN, u64::MAX);

    pub(crate) fn of(m: &fs::Metadata) -> Self {
        Self::from_parts(
            m.len(),
            (m.mtime(), m.mtime_nsec()),
            (m.ctime(), m.ctime_nsec()),
            m.ino(),
        )
    }

    /// From a size, the modification and change times (seconds and
    /// nanoseconds) and an inode number.
    fn from_parts(len: u64, mtime: (i64, i64), ctime: (i64, i64), ino: u64) -> Self {
        let ns = |(s, n): (i64, i64)| i128::from(s) * 1_000_000_000 + i128::from(n);
        Self(len, ns(mtime), ns(ctime), ino)
    }

    fn modified_after(&self, t: SystemTime) -> bool {
        let t = t
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        self.1 >= t
    }
}

/// A site's folder, open: its files are looked at by their paths below it,
/// so each look walks only those parts (`fi/slug/index.html`), not the
/// folder's own path again, which tens of thousands of looks would.
pub(crate) struct Under(fs::File);

impl Under {
    pub(crate) fn open(dir: &Path) -> io::Result<Self> {
        fs::File::open(dir).map(Self)
    }

    /// The stamp of `rel` below the folder (`""` for the folder itself),
    /// not following a link at its end: what `fs::symlink_metadata` of the
    /// joined path gives.
    pub(crate) fn stamp(&self, rel: &str) -> io::Result<Stamp> {
        self.stat(rel).map(|st| Self::stamp_of(&st))
    }

    /// As [`stamp`](Self::stamp), for what must be a plain file: `None`
    /// when it is not (a folder, a symbolic link …).
    pub(crate) fn file_stamp(&self, rel: &str) -> io::Result<Option<Stamp>> {
        let st = self.stat(rel)?;
        let is_file = rustix::fs::FileType::from_raw_mode(st.st_mode).is_file();
        Ok(is_file.then(|| Self::stamp_of(&st)))
    }

    fn stat(&self, rel: &str) -> io::Result<rustix::fs::Stat> {
        use rustix::fs::{AtFlags, statat};
        let (rel, flags) = if rel.is_empty() {
            ("", AtFlags::EMPTY_PATH)
        } else {
            (rel, AtFlags::SYMLINK_NOFOLLOW)
        };
        Ok(statat(&self.0, rel, flags)?)
    }

    // The field types of `stat` differ from one platform to another.
    #[allow(clippy::unnecessary_cast)]
    fn stamp_of(st: &rustix::fs::Stat) -> Stamp {
        Stamp::from_parts(
            st.st_size as u64,
            (st.st_mtime as i64, st.st_mtime_nsec as i64),
            (st.st_ctime as i64, st.st_ctime_nsec as i64),
            st.st_ino,
        )
    }
}

/// Why a build rendered every page, not only those whose inputs changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// `--force`.
    Forced,
    /// No record of an earlier build into this folder.
    FirstBuild,
    /// A release file, asset or standing page is not a plain file.
    NotPlainFiles,
    /// pressroom itself changed (another version, or its binary replaced).
    Program,
    /// `pressroom.toml` changed.
    Config,
    /// An asset or a standing page changed.
    Assets,
    /// A file of the site was changed, added or removed since the last
    /// build.
    ChangedByHand,
}

impl Whole {
    /// The reason, as the build's summary gives it.
    pub fn says(self) -> &'static str {
        match self {
            Self::Forced => "--force",
            Self::FirstBuild => "no record of an earlier build into this folder",
            Self::NotPlainFiles => "a release, asset or page is not a plain file",
            Self::Program => "pressroom itself changed since the last build",
            Self::Config => "pressroom.toml changed since the last build",
            Self::Assets => "an asset or a standing page changed",
            Self::ChangedByHand => "a file of the site changed since the last build",
        }
    }
}

/// What a build reads, stamped before it reads it.
#[derive(Debug, PartialEq, Eq)]
pub struct Inputs {
    /// The program's version and the stamp of its executable: the
    /// templates and stylesheet are compiled into it.
    program: String,
    /// A fingerprint of `pressroom.toml`'s bytes.
    config: String,
    /// Release files by name.
    sources: BTreeMap<String, Stamp>,
    /// Files under `releases/assets/`, by path below it, and the standing
    /// pages (`pages/…`).
    assets: BTreeMap<String, Stamp>,
}

impl Inputs {
    /// Stamps what a build of `config`'s pressroom reads; `None` when
    /// something there is not a plain file (a symbolic link, say), which
    /// only a full build reports properly.
    pub fn read(config: &Config) -> io::Result<Option<Self>> {
        use rayon::prelude::*;
        let exe = std::env::current_exe().and_then(fs::metadata)?;
        let program = format!("{} {:?}", env!("CARGO_PKG_VERSION"), Stamp::of(&exe));
        let toml = fs::read(config.root.join("pressroom.toml"))?;
        let dir = config.releases_dir();
        // The names in one pass over the folder, then each file stamped
        // below it, on every core.
        let mut names = vec![];
        for entry in fs::read_dir(&dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if crate::content::is_release_name(&name) {
                names.push(name);
            }
        }
        let under = Under::open(&dir)?;
        let stamped = names
            .into_par_iter()
            .map(|name| Ok(under.file_stamp(&name)?.map(|stamp| (name, stamp))))
            .collect::<io::Result<Vec<_>>>()?;
        // Not a plain file: only a full build reports it properly.
        let Some(sources) = stamped.into_iter().collect::<Option<BTreeMap<_, _>>>() else {
            return Ok(None);
        };
        let mut assets = BTreeMap::new();
        let trees = [
            ("releases/assets/", dir.join("assets")),
            ("pages/", config.root.join(crate::content::standing::DIR)),
        ];
        for (prefix, tree) in trees {
            if !tree.is_dir() {
                continue;
            }
            let walked = crate::files::visit_regular_tree(&tree, &mut |rel, path| {
                assets.insert(format!("{prefix}{rel}"), Stamp::of(&fs::metadata(path)?));
                Ok(())
            });
            if walked.is_err() {
                return Ok(None);
            }
        }
        Ok(Some(Self {
            program,
            config: format!("{:016x}", fingerprint(&toml)),
            sources,
            assets,
        }))
    }

    /// A fingerprint of what a release's parse and view depend on beyond
    /// its own file: the program, the configuration, the assets and the
    /// standing pages (the key of the build's [cache](super::cache)).
    pub fn reading_key(&self) -> u64 {
        fingerprint((&self.program, &self.config, &self.assets))
    }

    /// Whether an asset or standing page changed so close to `start` that
    /// its stamp may not show a change that follows.
    pub fn assets_racy(&self, start: SystemTime) -> bool {
        let since = start.checked_sub(RACY).unwrap_or(SystemTime::UNIX_EPOCH);
        self.assets.values().any(|s| s.modified_after(since))
    }

    /// Forgets the stamp of each file changed so close to `start` that
    /// its stamp may not show a change that follows (within the file
    /// system's clock tick): the next build reads that file again, as if
    /// it had changed, and trusts the stamps of all the others.
    fn forget_racy(&mut self, start: SystemTime) {
        let since = start.checked_sub(RACY).unwrap_or(SystemTime::UNIX_EPOCH);
        for stamp in self.sources.values_mut().chain(self.assets.values_mut()) {
            if stamp.modified_after(since) {
                *stamp = Stamp::UNKNOWN;
            }
        }
    }
}

/// The record of one build.
#[derive(Debug, Serialize, Deserialize)]
pub struct Record {
    format: u32,
    program: String,
    config: String,
    /// The time the build was made as of, in microseconds since 1970.
    now: i64,
    #[serde(deserialize_with = "in_one_go")]
    sources: BTreeMap<String, Stamp>,
    /// For each release file that is out at some time (on the web, or its
    /// email and files): from when
    /// (microseconds since 1970).
    #[serde(deserialize_with = "in_one_go")]
    shown_from: BTreeMap<String, i64>,
    #[serde(deserialize_with = "in_one_go")]
    assets: BTreeMap<String, Stamp>,
    /// Every file and folder the build left, by path below the output
    /// folder.
    outputs: Outputs,
    /// Release files, releases on the web, pages, feeds, languages,
    /// keyword pages and assets.
    counts: [usize; 7],
    /// A fingerprint of the inputs of each page, feed and asset the build
    /// rendered (see [`Memo`]): the next build renders only those whose
    /// inputs changed, when nothing else did.
    #[serde(default, deserialize_with = "in_one_go")]
    pages: BTreeMap<String, u64>,
}

/// What a build made, to record.
pub struct Made<'a> {
    pub summary: &'a Summary,
    pub assets: u64,
    /// The inputs of each page, feed and asset (see [`Memo::inputs`]).
    pub pages: BTreeMap<String, u64>,
    /// The files the site holds now, when the build knows them (`None`:
    /// read the folder).
    pub left: Option<Outputs>,
}

/// What a record says a build produced.
pub struct Recorded {
    pub all_releases: usize,
    pub summary: Summary,
    pub assets: u64,
    pub files: u64,
}

impl Record {
    /// Where the record of builds into `out` is kept.
    pub fn path(config: &Config, out: &Path) -> PathBuf {
        let out = out.canonicalize().unwrap_or_else(|_| out.to_path_buf());
        config.root.join(".cache").join(format!(
            "build-{:016x}.bin",
            fingerprint(out.as_os_str().as_encoded_bytes())
        ))
    }

    /// The record at `path`, if there is a readable one of this format.
    pub fn load(path: &Path) -> Option<Self> {
        let bytes = fs::read(path).ok()?;
        // The first line names the output folder (see `prune`).
        let at = bytes.iter().position(|&b| b == b'\n')?;
        postcard::from_bytes::<Self>(&bytes[at + 1..])
            .ok()
            .filter(|r| r.format == FORMAT)
    }

    /// Whether `out` is exactly as this build left it: no file of the site
    /// changed, went or came since (and so none is a symbolic link). See
    /// [`Outputs::still_in`].
    pub fn left_as_is(&self, out: &Path) -> bool {
        self.outputs.still_in(out)
    }

    /// Whether a build of `inputs` at `now` into an output folder left as
    /// the record says (see [`left_as_is`](Record::left_as_is)) would make
    /// exactly what is there: what it produced, if so.
    pub fn unchanged(&self, inputs: &Inputs, now: DateTime<Utc>) -> Option<Recorded> {
        let same = self.program == inputs.program
            && self.config == inputs.config
            && self.sources == inputs.sources
            && self.assets == inputs.assets;
        // A release whose publication time lies between the two builds'
        // clocks is on the web in one and not in the other.
        let (a, b) = {
            let then = self.now;
            let now = now.timestamp_micros();
            (then.min(now), then.max(now))
        };
        let passed = self.shown_from.values().any(|&t| a < t && t <= b);
        if !same || passed {
            return None;
        }
        let [
            all_releases,
            releases,
            pages,
            feeds,
            languages,
            tags,
            assets,
        ] = self.counts;
        Some(Recorded {
            all_releases,
            summary: Summary {
                releases,
                pages,
                feeds,
                languages,
                tags,
            },
            assets: assets as u64,
            files: self.outputs.files.len() as u64,
        })
    }

    /// What the pages' inputs were at the last build, and the files it
    /// left, when a build of `inputs` into the same output folder may skip
    /// the pages whose inputs are the same: only the release files changed
    /// (or the time). The same program, configuration, templates, assets
    /// and standing pages render the same inputs into the same bytes; the
    /// pages may be skipped only if the files are still as they were left
    /// ([`Outputs::still_in`]).
    /// Why a build of `inputs` cannot take this record's pages as they
    /// were (see [`into_memo`](Record::into_memo)); `None` when it can.
    pub fn differs(&self, inputs: &Inputs) -> Option<Whole> {
        if self.program != inputs.program {
            Some(Whole::Program)
        } else if self.config != inputs.config {
            Some(Whole::Config)
        } else if self.assets != inputs.assets {
            Some(Whole::Assets)
        } else if self.pages.is_empty() {
            Some(Whole::FirstBuild)
        } else {
            None
        }
    }

    pub fn into_memo(self, inputs: &Inputs) -> Option<(Memo, Outputs)> {
        let same = self.program == inputs.program
            && self.config == inputs.config
            && self.assets == inputs.assets
            && !self.pages.is_empty();
        same.then(|| (Memo::with_inputs(self.pages), self.outputs))
    }

    /// Records a build of `content` (read from `inputs`, stamped at
    /// `start`) at `now` into `out`, in place of any older record. A file
    /// changed just before the build started is recorded as unknown, so
    /// that the next build reads it again (and only it).
    pub fn save(
        path: &Path,
        inputs: Option<Inputs>,
        start: SystemTime,
        content: &Content,
        now: DateTime<Utc>,
        out: &Path,
        made: Made<'_>,
    ) -> io::Result<()> {
        let _ = fs::remove_file(path);
        let Some(mut inputs) = inputs else {
            return Ok(());
        };
        inputs.forget_racy(start);
        let shown_from = content
            .releases
            .iter()
            // Email-only releases too: their files go out at their time.
            .filter(|r| !r.publication.draft)
            .filter_map(|r| {
                let name = r.source.path.file_name()?.to_string_lossy().into_owned();
                Some((name, r.publication.date.timestamp_micros()))
            })
            .collect();
        let Made {
            summary: s,
            assets,
            pages,
            left,
        } = made;
        let record = Self {
            format: FORMAT,
            program: inputs.program,
            config: inputs.config,
            now: now.timestamp_micros(),
            sources: inputs.sources,
            shown_from,
            assets: inputs.assets,
            outputs: match left {
                Some(left) => left,
                None => Outputs::read(out)?,
            },
            counts: [
                content.releases.len(),
                s.releases,
                s.pages,
                s.feeds,
                s.languages,
                s.tags,
                assets as usize,
            ],
            pages,
        };
        let dir = path.parent().expect("the record is in .cache/");
        fs::create_dir_all(dir)?;
        fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        serde_json::to_writer(&mut w, &out.canonicalize()?)?;
        w.write_all(b"\n")?;
        w.write_all(&postcard::to_allocvec(&record).map_err(io::Error::other)?)?;
        w.flush()?;
        drop(w);
        tmp.persist(path)?;
        prune(dir);
        Ok(())
    }
}

/// Removes the records of output folders that no longer exist (each
/// record's first line names its folder), and the records of an older
/// format (`build-….json`).
fn prune(dir: &Path) {
    use std::io::BufRead;
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with("build-") {
            continue;
        }
        if name.ends_with(".json") {
            let _ = fs::remove_file(&path);
            continue;
        }
        let mut first = String::new();
        let read = fs::File::open(&path)
            .map(io::BufReader::new)
            .and_then(|mut r| r.read_line(&mut first));
        let gone =
            read.is_ok() && serde_json::from_str::<PathBuf>(&first).is_ok_and(|out| !out.is_dir());
        if gone {
            let _ = fs::remove_file(&path);
        }
    }
}

/// The files of a site (but the build marker), by path below its folder,
/// with their stamps, and its folders (`""` for the site's own, `fi/` …).
///
/// A folder's stamp changes when an entry is added to it, removed or
/// renamed, and a file's when it is written: so the stamps of the folders
/// and files a build left, all equal, say that no file changed, went or
/// came, without reading a folder ([`Outputs::still_in`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outputs {
    #[serde(deserialize_with = "in_one_go")]
    files: BTreeMap<String, Stamp>,
    #[serde(deserialize_with = "in_one_go")]
    dirs: BTreeMap<String, Stamp>,
}

impl Outputs {
    /// Every file and folder under `out` now.
    pub fn read(out: &Path) -> io::Result<Self> {
        outputs(out)
    }

    /// The files of a site just written into a new folder and moved to
    /// `out`, each with the stamp it had when written (the move changes no
    /// file's, nor any folder's but `out`'s own), and its folders, looked
    /// at now: what [`Outputs::read`] would find, without reading a folder.
    /// A file written twice is looked at again.
    pub fn of_written(out: &Path, files: Vec<(String, Stamp)>) -> io::Result<Self> {
        use rayon::prelude::*;
        // In order (sorted on every core), so that the map is built in one
        // go and a file written twice is next to itself.
        let mut files = files;
        files.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut twice = vec![];
        files.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                twice.push(a.0.clone());
            }
            same
        });
        let mut all = Self {
            files: files.into_iter().collect(),
            dirs: BTreeMap::new(),
        };
        let under = Under::open(out)?;
        for rel in twice {
            let stamp = under.stamp(&rel)?;
            all.files.insert(rel, stamp);
        }
        let folders: Vec<&str> = folders_of(all.files.keys()).into_iter().collect();
        let stamped = folders
            .par_iter()
            .map(|dir| Ok((dir.to_string(), under.stamp(dir)?)))
            .collect::<io::Result<Vec<_>>>()?;
        all.dirs.extend(stamped);
        Ok(all)
    }

    /// Every file, by path below the site's folder.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Whether every folder and file of these is in `out` with the same
    /// stamp (each is looked at once, on every core; no folder is read).
    pub fn still_in(&self, out: &Path) -> bool {
        use rayon::prelude::*;
        let Ok(under) = Under::open(out) else {
            return false;
        };
        let same = |(rel, stamp): (&String, &Stamp)| under.stamp(rel).is_ok_and(|s| s == *stamp);
        self.dirs.par_iter().all(same) && self.files.par_iter().all(same)
    }

    /// These files after a build wrote `written` (stamped again) and
    /// removed `removed`, both below the site's folder at `out`; the
    /// folders on their way are stamped again (or gone, when emptied).
    pub fn after(&self, out: &Path, written: &[String], removed: &[String]) -> io::Result<Self> {
        let mut now = self.clone();
        for rel in removed {
            now.files.remove(rel);
        }
        let under = Under::open(out)?;
        for rel in written {
            now.files.insert(rel.clone(), under.stamp(rel)?);
        }
        for dir in folders_of(written.iter().chain(removed)) {
            match under.stamp(dir) {
                Ok(stamp) => {
                    now.dirs.insert(dir.to_string(), stamp);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    now.dirs.remove(dir);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(now)
    }
}

/// The folders on the way to each of `rels` (paths below the site's
/// folder): `""` for the site's own, then `fi/`, `fi/x/` …; none for none.
fn folders_of<'a>(
    rels: impl IntoIterator<Item = &'a String>,
) -> std::collections::BTreeSet<&'a str> {
    rels.into_iter()
        .flat_map(|rel| {
            rel.match_indices('/')
                .map(|(i, _)| &rel[..=i])
                .chain(std::iter::once(""))
        })
        .collect()
}

/// Every file under `out` (but the build marker) and every folder, with
/// their stamps.
fn outputs(out: &Path) -> io::Result<Outputs> {
    use rayon::prelude::*;
    /// The files under `dir` into `into`; its folders into `dirs`.
    fn list(
        dir: &Path,
        prefix: &str,
        into: &mut Outputs,
        dirs: &mut Vec<(std::path::PathBuf, String)>,
    ) -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{prefix}{name}");
            let kind = entry.file_type()?;
            if kind.is_dir() {
                // Stamped before it is read: a change while it is read
                // shows as a changed folder next time.
                let rel = format!("{rel}/");
                into.dirs.insert(rel.clone(), Stamp::of(&entry.metadata()?));
                dirs.push((entry.path(), rel));
            } else if rel != super::MARKER {
                into.files.insert(rel, Stamp::of(&entry.metadata()?));
            }
        }
        Ok(())
    }
    fn walk(dir: &Path, prefix: &str, into: &mut Outputs) -> io::Result<()> {
        let mut dirs = vec![];
        list(dir, prefix, into, &mut dirs)?;
        for (path, rel) in dirs {
            walk(&path, &rel, into)?;
        }
        Ok(())
    }
    // The folders of the top two levels (the languages and what is in
    // them) are walked on every core: a site has thousands of folders,
    // and reading them is mostly waiting for the file system.
    let mut all = Outputs {
        files: BTreeMap::new(),
        // (As `still_in` looks at it: `out/`, through a link to it.)
        dirs: BTreeMap::from([(
            String::new(),
            Stamp::of(&fs::symlink_metadata(out.join(""))?),
        )]),
    };
    let mut top = vec![];
    list(out, "", &mut all, &mut top)?;
    let mut second = vec![];
    for (path, rel) in &top {
        list(path, rel, &mut all, &mut second)?;
    }
    let parts = second
        .par_iter()
        .map(|(path, rel)| {
            let mut part = Outputs {
                files: BTreeMap::new(),
                dirs: BTreeMap::new(),
            };
            walk(path, rel, &mut part).map(|()| part)
        })
        .collect::<io::Result<Vec<_>>>()?;
    for part in parts {
        all.files.extend(part.files);
        all.dirs.extend(part.dirs);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_is_stamped_as_its_metadata_says_and_a_link_among_them_gives_none() {
        let root = tempfile::tempdir().unwrap();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in [
            "pressroom.toml",
            "releases/assets/kaislamaa-logo.svg",
            "subscribers/media.csv",
        ] {
            let to = root.path().join(file);
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(manifest.join(file), to).unwrap();
        }
        let config = Config::load(root.path()).unwrap();
        let dir = config.releases_dir();
        fs::create_dir_all(&dir).unwrap();
        let names: Vec<String> = (0..300)
            .map(|i| format!("2026-01-01-release-{i:03}.fi.md"))
            .collect();
        for (i, name) in names.iter().enumerate() {
            fs::write(dir.join(name), "x".repeat(i)).unwrap();
        }
        fs::write(dir.join("notes.txt"), "not a release").unwrap();
        let inputs = Inputs::read(&config).unwrap().expect("plain files only");
        assert_eq!(inputs.sources.len(), names.len());
        for name in &names {
            let m = fs::symlink_metadata(dir.join(name)).unwrap();
            assert_eq!(inputs.sources[name], Stamp::of(&m), "{name}");
        }

        std::os::unix::fs::symlink(dir.join(&names[0]), dir.join("2026-01-02-linked.fi.md"))
            .unwrap();
        assert!(Inputs::read(&config).unwrap().is_none());
    }

    #[test]
    fn the_maps_of_a_record_read_back_in_one_go_as_they_were() {
        let stamp = |i: u64| Stamp(i, i128::from(i) * 7, -i128::from(i), i + 1);
        let outputs = Outputs {
            files: (0..2000)
                .map(|i| (format!("fi/search/fragments/{i:05}.json"), stamp(i)))
                .collect(),
            dirs: [("", 1), ("fi/", 2), ("fi/search/", 3), ("sv/", 4)]
                .into_iter()
                .map(|(d, i)| (d.to_string(), stamp(i)))
                .collect(),
        };
        let bytes = postcard::to_allocvec(&outputs).unwrap();
        assert_eq!(postcard::from_bytes::<Outputs>(&bytes).unwrap(), outputs);

        // Encoded as a map and as a sequence of pairs alike, so a map read
        // the usual way reads the same bytes to the same map.
        let plain: BTreeMap<String, Stamp> =
            postcard::from_bytes(&postcard::to_allocvec(&outputs.files).unwrap()).unwrap();
        assert_eq!(plain, outputs.files);
        let mut de = postcard::Deserializer::from_bytes(&bytes);
        let files: BTreeMap<String, Stamp> = in_one_go(&mut de).unwrap();
        assert_eq!(files, outputs.files);
    }
}
