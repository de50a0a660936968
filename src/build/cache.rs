//! The releases a build parsed and the views it made of them, kept for the
//! next build in the pressroom's `.cache/` folder: a build after one
//! release was added (the cron case) parses and renders that release, not
//! the thousands that did not change.
//!
//! A view is kept without its bodies (the release's text as HTML, twice:
//! with the site's links and with absolute ones): they are most of its
//! bytes, and a build after one release was added shows a few dozen of
//! them. A view read back renders them from its release's Markdown when a
//! page or feed first shows them (`render::Html`), which gives the same
//! bytes as long as the view's key (the release's file, its embargo and
//! the embargo of the pages it links to) is the same.
//!
//! The file holds a header (the format, and a fingerprint of the program,
//! the configuration, the assets and the standing pages: what a parse and a
//! view depend on beyond the release's own file) and then records, each a
//! length, a checksum and a `postcard` encoding of one parse (keyed by the
//! stamp its file had when it was read) or one view (keyed by the
//! fingerprint of what it was made from). A build appends the records it
//! made to the file in one write; when the file holds more dead records
//! than live ones, or its header no longer fits, it is written anew beside
//! and renamed over. A record that is cut short or does not match its
//! checksum (a build killed while appending) ends the reading there: what
//! follows is made again.
//!
//! Like the build's record, the file is private to the pressroom (0600 in
//! a 0700 folder): it holds drafts and embargoed releases. It holds no
//! subscriber data.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::content::{Content, ParseCache, Stamp};
use crate::release::Release;
use crate::render::ReleaseView;
use crate::render::site::Memo;

/// Bumped when the records' meaning changes; a file of another format is
/// written anew.
const FORMAT: u32 = 2;

/// The file's first bytes.
const MAGIC: &[u8; 8] = b"prcache\n";

/// A record's frame: its length and its checksum, 8 bytes each.
const FRAME: usize = 16;

/// No record is near this length: a frame that gives more is damaged.
const MAX_RECORD: u64 = 1 << 30;

/// Records are encoded this many at a time, on every core.
const BATCH: usize = 512;

#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct Header {
    format: u32,
    key: u64,
}

/// A record as written.
#[derive(Serialize)]
enum Out<'a> {
    Parsed(&'a OsString, &'a Stamp, &'a Release),
    View(&'a OsString, u64, &'a ReleaseView),
}

/// A record as read.
#[derive(Deserialize)]
enum In {
    Parsed(OsString, Stamp, Box<Release>),
    View(OsString, u64, Box<ReleaseView>),
}

/// What the file held when it was read, to tell what the build added.
#[derive(Default)]
pub struct Loaded {
    parsed: FxHashMap<OsString, Stamp>,
    views: FxHashMap<OsString, u64>,
    /// Records in the file, live or dead.
    records: usize,
    /// The file was read to its end and its header fits: new records may
    /// be appended to it.
    appendable: bool,
    /// How many releases were taken from the file.
    pub releases: usize,
}

/// Where the cache of the pressroom of `config` is kept.
pub fn path(config: &Config) -> PathBuf {
    config.root.join(".cache").join("releases.bin")
}

/// Fills `parses` and `memo` with what the file at `path` holds for a
/// build whose reading key (see `record::Inputs::reading_key`) is `key`.
/// A missing, unreadable or foreign file fills nothing.
pub fn load(path: &Path, key: u64, parses: &ParseCache, memo: &Memo) -> Loaded {
    let mut loaded = Loaded::default();
    if !is_plain_file(path) {
        return loaded;
    }
    let Ok(file) = fs::File::open(path) else {
        return loaded;
    };
    // The magic and the header through a small buffer; the records are
    // read past it in large chunks.
    let mut r = io::BufReader::with_capacity(1 << 12, file);
    let mut magic = [0; 8];
    if r.read_exact(&mut magic).is_err() || &magic != MAGIC {
        return loaded;
    }
    let Some(header) = read_record(&mut r) else {
        return loaded;
    };
    let fits = postcard::from_bytes::<Header>(&header).is_ok_and(|h| {
        h == Header {
            format: FORMAT,
            key,
        }
    });
    if !fits {
        return loaded;
    }
    // The next batch is read while this one is decoded and put to use on
    // every core. A record that cannot be read back (of a release type
    // this program does not know) ends the reading: what follows it in
    // other batches is made again, and the file is written anew (those
    // beside it in its batch are whole and checked, and may be used).
    let mut carry = vec![];
    let mut next = read_batch(&mut r, &mut carry);
    'read: loop {
        let (batch, ended) = next;
        let (used, following) = rayon::join(
            || {
                batch
                    .records()
                    .map(|b| {
                        Some(match postcard::from_bytes(b).ok()? {
                            In::Parsed(path, stamp, release) => {
                                parses.seed(path.clone(), stamp, Arc::from(release));
                                Used::Parsed(path, stamp)
                            }
                            In::View(path, key, view) => {
                                memo.seed_view(path.clone(), key, Arc::new(view.restored()));
                                Used::View(path, key)
                            }
                        })
                    })
                    .collect::<Vec<_>>()
            },
            || (ended == End::No).then(|| read_batch(&mut r, &mut carry)),
        );
        for record in used {
            loaded.records += 1;
            match record {
                Some(Used::Parsed(path, stamp)) => {
                    loaded.parsed.insert(path, stamp);
                }
                Some(Used::View(path, key)) => {
                    loaded.views.insert(path, key);
                }
                None => break 'read,
            }
        }
        match following {
            Some(batch) => next = batch,
            None => {
                // Whether the records end cleanly at the end of the file:
                // then new ones may follow them. After a damaged one (a
                // build killed while appending), the file is written anew.
                loaded.appendable = ended == End::Clean;
                break;
            }
        }
    }
    loaded.releases = loaded.parsed.len();
    loaded
}

/// A record read back and put to use: what [`Loaded`] keeps of it.
enum Used {
    Parsed(OsString, Stamp),
    View(OsString, u64),
}

/// How a batch of records ended.
#[derive(PartialEq, Eq, Clone, Copy)]
enum End {
    /// More may follow.
    No,
    /// At the end of the file.
    Clean,
    /// At a record cut short or not matching its checksum.
    Damaged,
}

/// Records are read about this many bytes at a time.
const CHUNK: u64 = 2 << 20;

/// Whole records read into one buffer: each is a range of it.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    records: Vec<std::ops::Range<usize>>,
}

impl Batch {
    fn records(&self) -> impl IndexedParallelIterator<Item = &[u8]> {
        self.records.par_iter().map(|r| &self.bytes[r.clone()])
    }
}

/// The whole records (checked) of the next chunk of the file, in one
/// buffer rather than a buffer each. `carry` holds the start of a record
/// that the last chunk cut, and is left holding the one this chunk cuts.
fn read_batch(r: &mut impl Read, carry: &mut Vec<u8>) -> (Batch, End) {
    let mut bytes = std::mem::take(carry);
    let mut records = vec![];
    let mut at = 0;
    let mut eof = false;
    let end = loop {
        let left = &bytes[at..];
        // The record's length, and the length of what it takes up.
        let whole = (left.len() >= FRAME)
            .then(|| u64::from_le_bytes(left[..8].try_into().expect("8 bytes")))
            .map(|len| (len, (FRAME as u64).saturating_add(len)));
        match whole {
            Some((len, _)) if len > MAX_RECORD => break End::Damaged,
            Some((_, size)) if left.len() as u64 >= size => {
                let size = size as usize;
                let sum = u64::from_le_bytes(left[8..FRAME].try_into().expect("8 bytes"));
                let record = at + FRAME..at + size;
                if checksum(&bytes[record.clone()]) != sum {
                    break End::Damaged;
                }
                records.push(record);
                at += size;
                continue;
            }
            _ => {}
        }
        // The next record is not whole in the buffer.
        if !records.is_empty() {
            carry.extend_from_slice(&bytes[at..]);
            break End::No;
        }
        if eof {
            break if at == bytes.len() {
                End::Clean
            } else {
                End::Damaged
            };
        }
        let want = whole.map_or(CHUNK, |(_, size)| size.max(CHUNK));
        match r.by_ref().take(want).read_to_end(&mut bytes) {
            Ok(0) | Err(_) => eof = true,
            Ok(_) => {}
        }
    };
    bytes.truncate(at);
    (Batch { bytes, records }, end)
}

/// Whether `path` is a regular file (not a symbolic link, which a build
/// neither reads through nor appends through).
fn is_plain_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// The next record's bytes, if a whole one with a matching checksum is
/// there.
fn read_record(r: &mut impl Read) -> Option<Vec<u8>> {
    let mut frame = [0; FRAME];
    r.read_exact(&mut frame).ok()?;
    let len = u64::from_le_bytes(frame[..8].try_into().ok()?);
    let sum = u64::from_le_bytes(frame[8..].try_into().ok()?);
    if len > MAX_RECORD {
        return None;
    }
    let mut bytes = Vec::new();
    r.by_ref().take(len).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 == len && checksum(&bytes) == sum).then_some(bytes)
}

/// Encodes `records` on every core, a batch at a time, and writes them
/// framed to `w`.
fn write_records(w: &mut impl Write, records: &[Out<'_>]) -> io::Result<()> {
    for batch in records.chunks(BATCH) {
        let encoded: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|out| {
                let mut buf = vec![];
                frame(
                    &mut buf,
                    &postcard::to_allocvec(out).map_err(io::Error::other)?,
                );
                Ok(buf)
            })
            .collect::<io::Result<_>>()?;
        for e in &encoded {
            w.write_all(e)?;
        }
    }
    Ok(())
}

/// A record's checksum: to find one cut short or overwritten, not to
/// resist forgery (whoever can write the file can write the releases).
fn checksum(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.finish()
}

/// Appends one framed record to `buf`.
fn frame(buf: &mut Vec<u8>, record: &[u8]) {
    buf.extend_from_slice(&(record.len() as u64).to_le_bytes());
    buf.extend_from_slice(&checksum(record).to_le_bytes());
    buf.extend_from_slice(record);
}

/// What a build parsed and viewed.
pub struct Made<'a> {
    pub content: &'a Content,
    pub parses: &'a ParseCache,
    pub memo: &'a Memo,
}

/// Removes the cache (a build whose assets changed a moment ago cannot
/// vouch for the views it made of them).
pub fn remove(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Writes what the build of `content` parsed and viewed that the file did
/// not hold (`loaded`), appending to it, or writes the file anew. Parses
/// of files changed since `race_from` are left out: their stamps may not
/// show a change that follows.
pub fn save(
    path: &Path,
    key: u64,
    loaded: &Loaded,
    made: Made<'_>,
    race_from: SystemTime,
) -> io::Result<()> {
    let Made {
        content,
        parses,
        memo,
    } = made;
    // The views are kept by the release's path as messages show it, the
    // parses by the file's: both name a file in `releases/`.
    let releases: FxHashSet<&std::ffi::OsStr> = content
        .releases
        .iter()
        .map(|r| r.source.path.as_os_str())
        .collect();
    let names: FxHashSet<&std::ffi::OsStr> = content
        .releases
        .iter()
        .filter_map(|r| r.source.path.file_name())
        .collect();
    let parsed: Vec<_> = parses
        .parsed()
        .into_iter()
        .filter(|(p, stamp, _)| {
            Path::new(p).file_name().is_some_and(|n| names.contains(n))
                && !stamp.modified_since(race_from)
        })
        .collect();
    let views: Vec<_> = memo
        .views()
        .into_iter()
        .filter(|(p, _, _)| releases.contains(p.as_os_str()))
        .collect();
    let live = parsed.len() + views.len();
    let new_parsed: Vec<_> = parsed
        .iter()
        .filter(|(p, s, _)| loaded.parsed.get(p) != Some(s))
        .collect();
    let new_views: Vec<_> = views
        .iter()
        .filter(|(p, k, _)| loaded.views.get(p) != Some(k))
        .collect();
    let added = new_parsed.len() + new_views.len();
    let anew = !loaded.appendable || !is_plain_file(path) || loaded.records + added > 2 * live + 64;
    if !anew && added == 0 {
        return Ok(());
    }
    let (parsed_now, views_now): (Vec<_>, Vec<_>) = if anew {
        (parsed.iter().collect(), views.iter().collect())
    } else {
        (new_parsed, new_views)
    };
    let records: Vec<Out<'_>> = parsed_now
        .iter()
        .map(|(p, s, r)| Out::Parsed(p, s, r))
        .chain(views_now.iter().map(|(p, k, v)| Out::View(p, *k, v)))
        .collect();
    let dir = path.parent().expect("the cache is in .cache/");
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    if anew {
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        let mut w = io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        w.write_all(MAGIC)?;
        let mut header = vec![];
        frame(
            &mut header,
            &postcard::to_allocvec(&Header {
                format: FORMAT,
                key,
            })
            .map_err(io::Error::other)?,
        );
        w.write_all(&header)?;
        write_records(&mut w, &records)?;
        w.flush()?;
        drop(w);
        tmp.persist(path)?;
    } else {
        // One write at the end of the file: builds running side by side
        // do not interleave their records.
        let mut buf = vec![];
        write_records(&mut buf, &records)?;
        let mut f = fs::OpenOptions::new().append(true).open(path)?;
        f.write_all(&buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir` (relative path, bytes), sorted.
    fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(root: &Path, dir: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
            for e in fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, files);
                } else {
                    let rel = path.strip_prefix(root).unwrap().to_path_buf();
                    files.push((rel, fs::read(&path).unwrap()));
                }
            }
        }
        let mut files = vec![];
        walk(dir, dir, &mut files);
        files.sort();
        files
    }

    /// The sample pressroom, built once into `out` with `memo`.
    fn sample_build(memo: &Memo, parses: &ParseCache, out: &Path) -> Content {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let content = Content::load_with(root, Some(parses)).unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let writer = crate::build::SiteWriter::fresh(out.to_path_buf());
        crate::build::render_into(&content, now, &writer, Some(memo)).unwrap();
        content
    }

    #[test]
    fn every_release_and_view_reads_back_as_it_was_written() {
        let d = tempfile::tempdir().unwrap();
        let (memo, parses) = (Memo::default(), ParseCache::default());
        let content = sample_build(&memo, &parses, &d.path().join("a"));
        let file = d.path().join("cache/releases.bin");
        let none = Loaded::default();
        let made = Made {
            content: &content,
            parses: &parses,
            memo: &memo,
        };
        save(&file, 7, &none, made, SystemTime::now()).unwrap();

        let (memo2, parses2) = (Memo::default(), ParseCache::default());
        let loaded = load(&file, 7, &parses2, &memo2);
        assert_eq!(loaded.releases, content.releases.len());
        let debug = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let releases =
            |p: &ParseCache| debug(p.parsed().iter().map(|e| format!("{e:?}")).collect());
        let views = |m: &Memo| debug(m.views().iter().map(|e| format!("{e:?}")).collect());
        assert_eq!(releases(&parses2), releases(&parses));
        // The bodies are not in the file: a build that takes the views
        // renders each body again from its release when a page shows it,
        // and every page is as the first build made it.
        let kept = fs::read(&file).unwrap();
        sample_build(&memo2, &parses2, &d.path().join("b"));
        assert!(!views(&memo).is_empty());
        assert_eq!(views(&memo2), views(&memo));
        assert_eq!(tree(&d.path().join("b")), tree(&d.path().join("a")));
        for (path, _, v) in memo.views() {
            for body in [v.body.as_str(), v.body_abs.as_str()] {
                assert!(!body.is_empty());
                let held = kept.windows(body.len()).any(|w| w == body.as_bytes());
                assert!(!held, "{path:?}: a body is in the file");
            }
        }

        // Another key (the configuration changed, say): nothing is taken.
        let (memo3, parses3) = (Memo::default(), ParseCache::default());
        assert_eq!(load(&file, 8, &parses3, &memo3).releases, 0);
        assert!(parses3.parsed().is_empty() && memo3.views().is_empty());
    }

    #[test]
    fn a_symbolic_link_in_its_place_is_neither_read_nor_written_through() {
        let d = tempfile::tempdir().unwrap();
        let (memo, parses) = (Memo::default(), ParseCache::default());
        let content = sample_build(&memo, &parses, &d.path().join("a"));
        let made = || Made {
            content: &content,
            parses: &parses,
            memo: &memo,
        };
        let elsewhere = d.path().join("elsewhere.bin");
        save(&elsewhere, 7, &Loaded::default(), made(), SystemTime::now()).unwrap();
        let before = fs::read(&elsewhere).unwrap();
        let file = d.path().join("cache/releases.bin");
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();

        let loaded = load(&file, 7, &ParseCache::default(), &Memo::default());
        assert_eq!(loaded.releases, 0, "not read through the link");
        // As if the file had been read whole: it would be appended to.
        let appendable = Loaded {
            appendable: true,
            records: 1,
            ..Loaded::default()
        };
        save(&file, 7, &appendable, made(), SystemTime::now()).unwrap();
        assert_eq!(fs::read(&elsewhere).unwrap(), before, "not written through");
        assert!(fs::symlink_metadata(&file).unwrap().file_type().is_file());
        let again = load(&file, 7, &ParseCache::default(), &Memo::default());
        assert_eq!(again.releases, content.releases.len());
    }

    #[test]
    fn a_record_cut_short_at_the_end_makes_the_next_build_write_the_file_anew() {
        let d = tempfile::tempdir().unwrap();
        let (memo, parses) = (Memo::default(), ParseCache::default());
        let content = sample_build(&memo, &parses, &d.path().join("a"));
        let made = || Made {
            content: &content,
            parses: &parses,
            memo: &memo,
        };
        let file = d.path().join("cache/releases.bin");
        save(&file, 7, &Loaded::default(), made(), SystemTime::now()).unwrap();
        let whole = fs::read(&file).unwrap();
        let loaded = load(&file, 7, &ParseCache::default(), &Memo::default());
        assert!(
            loaded.appendable,
            "a file read to its end takes more records"
        );

        // A build killed while appending: a frame that promises more
        // bytes than follow it.
        let mut torn = whole.clone();
        torn.extend_from_slice(&1000u64.to_le_bytes());
        torn.extend_from_slice(&[0; 8]);
        torn.extend_from_slice(b"cut short");
        fs::write(&file, &torn).unwrap();
        let loaded = load(&file, 7, &ParseCache::default(), &Memo::default());
        assert_eq!(
            loaded.releases,
            content.releases.len(),
            "what precedes it is read"
        );
        assert!(!loaded.appendable, "nothing is appended after it");
        save(&file, 7, &loaded, made(), SystemTime::now()).unwrap();
        assert_eq!(fs::read(&file).unwrap(), whole, "written anew, as it was");
    }

    /// Gives at most `step` bytes a read, as a pipe or a slow disk may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Every record `read_batch` gives from `bytes`, and how the reading
    /// ended.
    fn read_all(bytes: &[u8], step: usize) -> (Vec<Vec<u8>>, End) {
        let mut r = Trickle(bytes, step);
        let (mut carry, mut all) = (vec![], vec![]);
        loop {
            let (batch, end) = read_batch(&mut r, &mut carry);
            all.extend(
                batch
                    .records
                    .iter()
                    .map(|at| batch.bytes[at.clone()].to_vec()),
            );
            if end != End::No {
                return (all, end);
            }
        }
    }

    #[test]
    fn records_are_read_whole_across_chunks_and_reads_of_any_size() {
        // Small records, and records larger than a chunk, in one file.
        let records: Vec<Vec<u8>> = (0..3000u32)
            .map(|i| {
                let len = match i % 1000 {
                    7 => 3 * CHUNK as usize + 5,
                    _ => (i as usize * 37) % 2900,
                };
                (0..len).map(|j| (i as usize + j) as u8).collect()
            })
            .collect();
        let mut file = vec![];
        for r in &records {
            frame(&mut file, r);
        }
        for step in [1 << 20, 4096, 1000] {
            let (read, end) = read_all(&file, step);
            assert!(read == records, "every record, in order (reads of {step})");
            assert!(end == End::Clean, "and the end of the file after them");
        }

        // Cut short inside the last record, or inside its frame.
        for cut in [5, FRAME + 3] {
            let whole: usize = records[..2999].iter().map(|r| FRAME + r.len()).sum();
            let (read, end) = read_all(&file[..whole + cut], 1 << 16);
            assert!(read[..] == records[..2999], "the whole ones before it");
            assert!(end == End::Damaged);
        }

        // A record that does not match its checksum ends the reading.
        let mut bad = file.clone();
        let at: usize = records[..1500].iter().map(|r| FRAME + r.len()).sum();
        bad[at + FRAME] ^= 1;
        let (read, end) = read_all(&bad, 1 << 16);
        assert!(read[..] == records[..1500], "the records before it");
        assert!(end == End::Damaged);
    }
}
