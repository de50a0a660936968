//! An import's rows in the order of their address hash across the whole
//! file, in bounded memory: an external merge sort.
//!
//! Rows are kept in memory up to a chunk; a full chunk is sorted and
//! written to a spill file as a run (on a thread of its own, while the
//! next chunk is read), and at the end the runs (and the last chunk, still
//! in memory) are merged. The database then sees the rows in
//! the order of its keys, once: every B-tree page is reached once and
//! filled in order, where chunk by chunk every chunk swept the whole tree
//! again (measured at 1,000,000 rows: 12.8 s chunk by chunk, 7.5 s for the
//! same rows in one order).
//!
//! The spill file holds addresses, so it has no name: it is made in the
//! database's own directory (owner only) with `tempfile`, which on Linux
//! opens it unnamed (`O_TMPFILE`) and elsewhere removes the name at once.
//! Nothing is left behind, even by a crash.
//!
//! The sort is stable: rows of one address keep the file's order (the
//! first one adds it), within a chunk by a stable sort, across runs by the
//! run's number.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::i18n::Lang;
use crate::subscribers::EmailAddress;
use crate::subscribers::csv_file::Row;

/// A row with its address hash (in hex), the key it is sorted by.
pub type Keyed = (String, Row);

/// A row with its address hash as bytes, as kept while sorting: compared
/// in place, in the same order as the hex (a third of the memory of a
/// hex `String`, and no pointer to follow in a comparison).
type Digested = ([u8; 32], Row);

/// Bytes of the spill file read at a time from each run.
const RUN_BUFFER: usize = 64 * 1024;

/// Rows taken in, sorted and given out again by [`Sorter::finish`].
///
/// A full chunk is sorted and written on a thread of its own while the
/// next one is read (the reading, parsing and hashing of the rows is the
/// other half of the work): at most two chunks are in memory.
pub struct Sorter {
    dir: PathBuf,
    chunk_rows: usize,
    chunk: Vec<Digested>,
    /// The spill file, when no run is being written to it.
    spill: Option<Spill>,
    /// The run being sorted and written, if any.
    writing: Option<std::thread::JoinHandle<anyhow::Result<Written>>>,
    /// Where each run starts and ends in the spill file.
    runs: Vec<(u64, u64)>,
}

/// The spill file and how much of it is written.
struct Spill {
    out: BufWriter<File>,
    written: u64,
}

/// A run written: the spill file back, where the run is, and the chunk's
/// memory (emptied) for the next one.
struct Written {
    spill: Spill,
    run: (u64, u64),
    emptied: Vec<Digested>,
}

impl Sorter {
    /// A sorter that keeps at most `chunk_rows` rows in memory and spills
    /// the rest to an unnamed file in `dir`.
    pub fn new(dir: &Path, chunk_rows: usize) -> Self {
        Self {
            dir: dir.to_path_buf(),
            chunk_rows: chunk_rows.max(1),
            chunk: Vec::with_capacity(chunk_rows.clamp(1, 4096)),
            spill: None,
            writing: None,
            runs: vec![],
        }
    }

    /// Takes a row in.
    pub fn push(&mut self, row: Row) -> anyhow::Result<()> {
        self.chunk.push((row.email.digest(), row));
        if self.chunk.len() >= self.chunk_rows {
            self.spill_chunk()?;
        }
        Ok(())
    }

    /// How many runs have been written to the spill file.
    #[cfg(test)]
    pub fn runs(&self) -> usize {
        self.runs.len() + usize::from(self.writing.is_some())
    }

    /// Waits for the run being written, if any: its memory, emptied.
    fn written(&mut self) -> anyhow::Result<Option<Vec<Digested>>> {
        let Some(writing) = self.writing.take() else {
            return Ok(None);
        };
        let done = writing
            .join()
            .map_err(|_| anyhow::anyhow!("the import's sorting thread stopped"))??;
        self.runs.push(done.run);
        self.spill = Some(done.spill);
        Ok(Some(done.emptied))
    }

    /// Hands the full chunk to a thread that sorts it and writes it as a
    /// run (once the run before it is written).
    fn spill_chunk(&mut self) -> anyhow::Result<()> {
        let emptied = self.written()?;
        let spill = match self.spill.take() {
            Some(spill) => spill,
            None => {
                let file = tempfile::tempfile_in(&self.dir).with_context(|| {
                    format!(
                        "cannot make a temporary file in {} to sort the import in",
                        self.dir.display()
                    )
                })?;
                Spill {
                    out: BufWriter::with_capacity(RUN_BUFFER, file),
                    written: 0,
                }
            }
        };
        let next = emptied.unwrap_or_else(|| Vec::with_capacity(self.chunk_rows.min(1 << 20)));
        let chunk = std::mem::replace(&mut self.chunk, next);
        self.writing = Some(std::thread::spawn(move || write_run(spill, chunk)));
        Ok(())
    }

    /// Gives every row taken in to `emit`, in the order of its hash (rows
    /// of one hash in the order taken in), in batches of at most
    /// `batch_rows`.
    pub fn finish(
        mut self,
        batch_rows: usize,
        emit: &mut dyn FnMut(Vec<Keyed>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let batch_rows = batch_rows.max(1);
        self.chunk.sort_by_key(|r| r.0);
        self.written()?;
        let Some(Spill { out: spill, .. }) = self.spill.take() else {
            // Everything fitted in memory: no file was made.
            let mut rows = std::mem::take(&mut self.chunk)
                .into_iter()
                .map(in_hex)
                .peekable();
            while rows.peek().is_some() {
                emit(rows.by_ref().take(batch_rows).collect())?;
            }
            return Ok(());
        };
        let file = spill
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .context("cannot write the import's temporary file")?;
        // One source per run, and the last chunk, still in memory, after
        // them: it holds the file's last rows.
        let mut sources: Vec<Source> = Vec::with_capacity(self.runs.len() + 1);
        for &(start, end) in &self.runs {
            sources.push(Source::Run(Run {
                next: start,
                end,
                buf: vec![],
                at: 0,
            }));
        }
        sources.push(Source::Memory(std::mem::take(&mut self.chunk).into_iter()));
        let mut heads: Vec<Option<Row>> = Vec::with_capacity(sources.len());
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, source) in sources.iter_mut().enumerate() {
            match source.next(&file)? {
                Some((hash, row)) => {
                    heap.push(Reverse((hash, i)));
                    heads.push(Some(row));
                }
                None => heads.push(None),
            }
        }
        let mut batch = Vec::with_capacity(batch_rows.min(65_536));
        while let Some(Reverse((hash, i))) = heap.pop() {
            let row = heads[i]
                .take()
                .expect("a head for every source in the heap");
            batch.push(in_hex((hash, row)));
            if let Some((hash, row)) = sources[i].next(&file)? {
                heap.push(Reverse((hash, i)));
                heads[i] = Some(row);
            }
            if batch.len() >= batch_rows {
                emit(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(batch_rows.min(65_536)),
                ))?;
            }
        }
        if !batch.is_empty() {
            emit(batch)?;
        }
        Ok(())
    }
}

/// Sorts `chunk` and writes it at the end of the spill file.
fn write_run(mut spill: Spill, mut chunk: Vec<Digested>) -> anyhow::Result<Written> {
    chunk.sort_by_key(|r| r.0);
    let start = spill.written;
    let mut buf = Vec::with_capacity(256);
    for (digest, row) in &chunk {
        buf.clear();
        let record = (
            digest,
            row.line,
            row.email.as_str(),
            row.name.as_deref(),
            row.lang.as_ref().map(Lang::as_str),
        );
        buf = postcard::to_extend(&record, buf).context("cannot encode a row to sort")?;
        let len = u32::try_from(buf.len()).context("a row too long to sort")?;
        spill
            .out
            .write_all(&len.to_le_bytes())
            .and_then(|()| spill.out.write_all(&buf))
            .context("cannot write the import's temporary file")?;
        spill.written += 4 + u64::from(len);
    }
    let run = (start, spill.written);
    chunk.clear();
    Ok(Written {
        spill,
        run,
        emptied: chunk,
    })
}

/// A row as the database takes it: its hash in hex.
fn in_hex((digest, row): Digested) -> Keyed {
    (crate::subscribers::hex(&digest), row)
}

/// Where the merge takes rows from.
enum Source {
    Run(Run),
    Memory(std::vec::IntoIter<Digested>),
}

impl Source {
    fn next(&mut self, spill: &File) -> anyhow::Result<Option<Digested>> {
        match self {
            Self::Run(run) => run.next(spill),
            Self::Memory(rows) => Ok(rows.next()),
        }
    }
}

/// One sorted run of the spill file, read a block at a time (each read
/// says where, so the runs share one handle).
struct Run {
    next: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
}

impl Run {
    /// Makes sure `want` unread bytes are in the buffer (fewer at the end).
    fn fill(&mut self, spill: &File, want: usize) -> io::Result<()> {
        let have = self.buf.len() - self.at;
        if have >= want {
            return Ok(());
        }
        self.buf.drain(..self.at);
        self.at = 0;
        let more = (want - have).max(RUN_BUFFER) as u64;
        let take = more.min(self.end - self.next);
        let start = self.buf.len();
        self.buf.resize(start + take as usize, 0);
        read_at(spill, &mut self.buf[start..], self.next)?;
        self.next += take;
        Ok(())
    }

    fn next(&mut self, spill: &File) -> anyhow::Result<Option<Digested>> {
        let broken = || anyhow::anyhow!("the import's temporary file was cut short");
        self.fill(spill, 4)?;
        let left = self.buf.len() - self.at;
        if left == 0 {
            return Ok(None);
        }
        if left < 4 {
            return Err(broken());
        }
        let len = u32::from_le_bytes(self.buf[self.at..self.at + 4].try_into()?) as usize;
        self.at += 4;
        self.fill(spill, len)?;
        if self.buf.len() - self.at < len {
            return Err(broken());
        }
        let bytes = &self.buf[self.at..self.at + len];
        self.at += len;
        let (digest, line, email, name, lang): Spilled = postcard::from_bytes(bytes)
            .context("cannot decode a row of the import's temporary file")?;
        let lang = lang
            .map(|l| Lang::parse(&l))
            .transpose()
            .context("a language in the import's temporary file")?;
        let row = Row {
            line,
            email: EmailAddress::already_parsed(email),
            name,
            lang,
        };
        Ok(Some((digest, row)))
    }
}

/// A row in the spill file: digest, line, address, name, language.
type Spilled = ([u8; 32], u64, String, Option<String>, Option<String>);

/// Reads `buf.len()` bytes at `offset`.
fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, email: &str) -> Row {
        Row {
            line,
            email: EmailAddress::parse(email).unwrap(),
            name: line.is_multiple_of(2).then(|| format!("Nimi {line} ÄÖ")),
            lang: line.is_multiple_of(3).then(|| Lang::parse("sv").unwrap()),
        }
    }

    /// Every row, in hash order, ties in the order taken in.
    fn sorted(rows: &[Row], chunk: usize, batch: usize) -> (Vec<Keyed>, usize, Vec<usize>) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::new(dir.path(), chunk);
        for r in rows {
            s.push(r.clone()).unwrap();
        }
        let runs = s.runs();
        let mut out = vec![];
        let mut sizes = vec![];
        s.finish(batch, &mut |b| {
            sizes.push(b.len());
            out.extend(b);
            Ok(())
        })
        .unwrap();
        // The spill file has no name: nothing is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        (out, runs, sizes)
    }

    fn expected(rows: &[Row]) -> Vec<Keyed> {
        let mut all: Vec<Keyed> = rows.iter().map(|r| (r.email.hash(), r.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    #[test]
    fn spilled_runs_merge_into_one_stable_order() {
        // 1,000 rows over 100 addresses: every address repeats across runs.
        let rows: Vec<Row> = (1..=1000)
            .map(|i| row(i, &format!("reader{}@example.org", (i * 7) % 100)))
            .collect();
        let (out, runs, sizes) = sorted(&rows, 64, 100);
        assert_eq!(runs, 15, "1,000 rows in chunks of 64: 15 runs spilled");
        assert_eq!(out, expected(&rows));
        assert_eq!(sizes.iter().sum::<usize>(), 1000);
        assert!(sizes.iter().all(|&n| n <= 100));
        // Stable: within an address, lines rise.
        for w in out.windows(2) {
            if w[0].0 == w[1].0 {
                assert!(w[0].1.line < w[1].1.line);
            }
        }
    }

    #[test]
    fn rows_that_fit_in_memory_are_never_written() {
        let rows: Vec<Row> = (1..=50)
            .map(|i| row(i, &format!("p{i}@esimerkki.fi")))
            .collect();
        let (out, runs, _) = sorted(&rows, 64, 16);
        assert_eq!(runs, 0);
        assert_eq!(out, expected(&rows));
    }

    #[test]
    fn nothing_in_gives_nothing_out() {
        let (out, runs, sizes) = sorted(&[], 8, 8);
        assert!(out.is_empty() && sizes.is_empty());
        assert_eq!(runs, 0);
    }

    #[test]
    fn a_chunk_exactly_full_spills_and_merges_with_an_empty_tail() {
        let rows: Vec<Row> = (1..=128)
            .map(|i| row(i, &format!("x{i}@example.org")))
            .collect();
        let (out, runs, _) = sorted(&rows, 64, 1000);
        assert_eq!(runs, 2);
        assert_eq!(out, expected(&rows));
    }
}
