//! Subscriber CSV files, as staff and Excel write them: a header row with
//! `email` and optional `name` and `lang`; UTF-8 (with or without BOM) or
//! Windows-1252; `,`, `;` or tab as the delimiter. Bad rows are reported with
//! their line number and skipped; nothing else is dropped.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use encoding_rs::{Decoder, Encoding, UTF_8, WINDOWS_1252};

use crate::i18n::Lang;

use super::address::EmailAddress;

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub email: EmailAddress,
    pub name: Option<String>,
    pub lang: Option<Lang>,
}

/// A row that was skipped, or a value that was ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub message: String,
}

/// Bytes read from a file at a time: the file is read as it is parsed,
/// never held whole (a list may be large).
const CHUNK: usize = 64 * 1024;

/// How a file is encoded, from a first pass over it: UTF-8 with a BOM; UTF-8
/// if every byte is; else Windows-1252. Also the raw bytes of its first line
/// (at most `chunk` bytes), to find the delimiter in. Reads `chunk` bytes
/// at a time (at least 8).
fn encoding_of(
    mut file: impl Read,
    chunk: usize,
) -> io::Result<(&'static Encoding, &'static str, Vec<u8>)> {
    let mut buf = vec![0; chunk.max(8)];
    // Bytes of a character that the last read cut in two.
    let mut carry = 0;
    let mut first_line: Option<Vec<u8>> = None;
    let mut start = true;
    loop {
        let n = read_some(&mut file, &mut buf[carry..])?;
        let len = carry + n;
        if start {
            start = false;
            if buf[..len].starts_with(b"\xEF\xBB\xBF") {
                let line = first_line_of(&buf[3..len]);
                return Ok((UTF_8, "UTF-8 with BOM", line));
            }
        }
        if first_line.is_none() {
            first_line = Some(first_line_of(&buf[..len]));
        }
        match std::str::from_utf8(&buf[..len]) {
            Ok(_) => carry = 0,
            // A character cut at the end of what was read: keep its start.
            Err(e) if e.error_len().is_none() && n > 0 => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..len, 0);
                carry = len - valid;
            }
            Err(_) => return Ok((WINDOWS_1252, "Windows-1252", first_line.unwrap_or_default())),
        }
        if n == 0 {
            return Ok((UTF_8, "UTF-8", first_line.unwrap_or_default()));
        }
    }
}

/// What one `read` gives, retried when interrupted.
fn read_some(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// The bytes before the first line break.
fn first_line_of(bytes: &[u8]) -> Vec<u8> {
    let end = memchr::memchr2(b'\n', b'\r', bytes).unwrap_or(bytes.len());
    bytes[..end].to_vec()
}

/// A file's text as UTF-8, decoded a chunk at a time as the CSV reader asks
/// for it (invalid UTF-8 after a BOM as U+FFFD), with CRLF line ends as LF:
/// the csv crate counts lines one short after a CRLF header.
struct Decoded<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    /// Decoded bytes, and how many of them were handed out.
    text: Vec<u8>,
    given: usize,
    /// A `\r` held back until the next byte shows whether a `\n` follows.
    cr: bool,
    done: bool,
}

impl<R: Read> Decoded<R> {
    fn new(inner: R, encoding: &'static Encoding, chunk: usize) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: vec![0; chunk],
            text: Vec::with_capacity(chunk * 3 + 4),
            given: 0,
            cr: false,
            done: false,
        }
    }

    /// Decodes the next chunk of the file into `text`.
    fn fill(&mut self) -> io::Result<()> {
        let n = read_some(&mut self.inner, &mut self.raw)?;
        let last = n == 0;
        let mut decoded = vec![0; self.decoder.max_utf8_buffer_length(n).unwrap_or(n * 3 + 4)];
        let (_, read, written, _) = self
            .decoder
            .decode_to_utf8(&self.raw[..n], &mut decoded, last);
        debug_assert_eq!(read, n, "room for all of it");
        self.text.clear();
        self.given = 0;
        for &b in &decoded[..written] {
            if std::mem::take(&mut self.cr) && b != b'\n' {
                self.text.push(b'\r');
            }
            if b == b'\r' {
                self.cr = true;
            } else {
                self.text.push(b);
            }
        }
        if last {
            if std::mem::take(&mut self.cr) {
                self.text.push(b'\r');
            }
            self.done = true;
        }
        Ok(())
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.given == self.text.len() {
            if self.done {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = buf.len().min(self.text.len() - self.given);
        buf[..n].copy_from_slice(&self.text[self.given..self.given + n]);
        self.given += n;
        Ok(n)
    }
}

/// The delimiter that splits the header line into the most fields.
fn sniff_delimiter(header: &[u8]) -> u8 {
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| header.iter().filter(|b| *b == d).count())
        .unwrap_or(b',')
}

const EMAIL_COLUMNS: &[&str] = &["email", "e-mail", "sähköposti", "e-post", "mail"];
const NAME_COLUMNS: &[&str] = &["name", "nimi", "namn"];
const LANG_COLUMNS: &[&str] = &["lang", "language", "kieli", "språk"];

/// Why a CSV file could not be read at all (a bad row is a [`Problem`]).
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:1: cannot read the header row: {why}", path.display())]
    Header {
        path: std::path::PathBuf,
        why: String,
    },
    #[error(
        "{}:1: no 'email' column in the header row (found: {found}). The first row must name the columns, e.g. email;name;lang",
        path.display()
    )]
    NoEmailColumn {
        path: std::path::PathBuf,
        found: String,
    },
}

/// A CSV reader of `path` (its encoding and delimiter found in a first
/// pass), and the name of its encoding.
fn open(path: &Path) -> io::Result<(csv::Reader<Decoded<File>>, &'static str)> {
    let (encoding, label, header_line) = encoding_of(File::open(path)?, CHUNK)?;
    let reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&header_line))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(Decoded::new(File::open(path)?, encoding, CHUNK));
    Ok((reader, label))
}

/// Reads `path`, calling `on_row` for each valid row and `on_problem` for each
/// skipped row or ignored value. `languages` are the accepted `lang` values.
pub fn read<E: From<CsvError>>(
    path: &Path,
    languages: &[Lang],
    smtputf8: bool,
    mut on_row: impl FnMut(Row) -> Result<(), E>,
    mut on_problem: impl FnMut(Problem),
) -> Result<&'static str, E> {
    let cannot_read = |source: io::Error| CsvError::Read {
        path: path.to_path_buf(),
        source,
    };
    let (mut reader, label) = open(path).map_err(cannot_read)?;
    let headers = reader
        .headers()
        .map_err(|e| CsvError::Header {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?
        .clone();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&h.to_lowercase().as_str()))
    };
    let Some(email_col) = find(EMAIL_COLUMNS) else {
        return Err(CsvError::NoEmailColumn {
            path: path.to_path_buf(),
            found: headers.iter().collect::<Vec<_>>().join(", "),
        }
        .into());
    };
    let (name_col, lang_col) = (find(NAME_COLUMNS), find(LANG_COLUMNS));
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            // The file, not a row: nothing after it can be read.
            Err(e) if e.is_io_error() => {
                let csv::ErrorKind::Io(source) = e.into_kind() else {
                    unreachable!("an I/O error")
                };
                return Err(cannot_read(source).into());
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                on_problem(Problem {
                    line,
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let raw = record.get(email_col).unwrap_or("");
        let email =
            match EmailAddress::parse(raw).and_then(|e| e.check_mailable(smtputf8).map(|()| e)) {
                Ok(e) => e,
                Err(why) => {
                    on_problem(Problem {
                        line,
                        message: format!("skipped: {why}"),
                    });
                    continue;
                }
            };
        let get = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let raw_lang = get(lang_col).map(|l| l.to_lowercase());
        let lang = raw_lang
            .as_deref()
            .and_then(|l| languages.iter().find(|x| x.as_str() == l).cloned());
        if let (Some(l), None) = (&raw_lang, &lang) {
            let known: Vec<&str> = languages.iter().map(Lang::as_str).collect();
            on_problem(Problem {
                line,
                message: format!(
                    "language '{l}' is not one of {}; the default language will be used",
                    known.join(", ")
                ),
            });
        }
        let raw_name = get(name_col);
        if raw_name.as_deref().is_some_and(super::needs_cleaning) {
            on_problem(Problem {
                line,
                message:
                    "the name had line breaks or control characters; they were replaced by spaces"
                        .into(),
            });
        }
        on_row(Row {
            line,
            email,
            name: raw_name.as_deref().and_then(super::clean_name),
            lang,
        })?;
    }
    Ok(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(bytes: &[u8]) -> (Vec<Row>, Vec<Problem>, &'static str) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, bytes).unwrap();
        let (mut rows, mut problems) = (vec![], vec![]);
        let enc = read(
            &p,
            &["fi", "sv", "en"].map(|l| Lang::parse(l).unwrap()),
            false,
            |r| {
                rows.push(r);
                Ok::<_, CsvError>(())
            },
            |p| problems.push(p),
        )
        .unwrap();
        (rows, problems, enc)
    }

    /// What the reader is given for `bytes`, read `chunk` bytes at a time.
    fn streamed(bytes: &[u8], chunk: usize) -> (String, &'static str, Vec<u8>) {
        let (encoding, label, first) = encoding_of(bytes, chunk).unwrap();
        let mut text = String::new();
        Decoded::new(bytes, encoding, chunk)
            .read_to_string(&mut text)
            .unwrap();
        (text, label, first)
    }

    #[test]
    fn a_file_read_a_little_at_a_time_reads_as_it_would_whole() {
        let cases: [(&[u8], &str, &str, &[u8]); 6] = [
            (
                "email;nimi\nä@example.org;Äijälä 😀\n".as_bytes(),
                "email;nimi\nä@example.org;Äijälä 😀\n",
                "UTF-8",
                b"email;nimi",
            ),
            (
                b"email,name\r\na@example.org,A\rB\r\n\r",
                "email,name\na@example.org,A\rB\n\r",
                "UTF-8",
                b"email,name",
            ),
            (
                b"\xEF\xBB\xBFemail\r\nb@example.org \xFF\n",
                "email\nb@example.org \u{FFFD}\n",
                "UTF-8 with BOM",
                b"email",
            ),
            (
                b"email;name\r\nm@example.org;M\xe4kinen\r\n",
                "email;name\nm@example.org;Mäkinen\n",
                "Windows-1252",
                b"email;name",
            ),
            // Valid UTF-8 up to a byte that is not: Windows-1252, all of it.
            (
                b"email\n\xC3\xA4@example.org\n\xE4",
                "email\nÃ¤@example.org\nä",
                "Windows-1252",
                b"email",
            ),
            (b"", "", "UTF-8", b""),
        ];
        for (bytes, text, label, first) in cases {
            for chunk in [1, 2, 3, 5, 8, 9, 13, 64] {
                let (got, got_label, got_first) = streamed(bytes, chunk);
                assert_eq!(
                    (got.as_str(), got_label),
                    (text, label),
                    "chunk {chunk}: {bytes:?}"
                );
                // The first line as far as the first chunk goes.
                assert!(first.starts_with(&got_first), "chunk {chunk}: {bytes:?}");
                if chunk == 64 {
                    assert_eq!(got_first, first);
                }
            }
        }
        let mixed = [&"ä".repeat(20).into_bytes()[..], b"\xe4"].concat();
        for chunk in [8, 9, 10, 64] {
            assert_eq!(streamed(&mixed, chunk).1, "Windows-1252", "chunk {chunk}");
        }
    }

    #[test]
    fn excel_semicolons_and_windows_1252_are_understood() {
        let (rows, problems, enc) = read_str(
            b"Email;Name;Lang\r\nmatti@example.org;Matti M\xe4kinen;fi\r\nbad-address;X;fi\r\n",
        );
        assert_eq!(enc, "Windows-1252");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name.as_deref(), Some("Matti Mäkinen"));
        assert_eq!(
            problems,
            vec![Problem {
                line: 3,
                message: "skipped: 'bad-address' has no '@'".into()
            }]
        );
    }

    #[test]
    fn utf8_bom_and_tabs_work() {
        let (rows, _, enc) = read_str("\u{feff}email\tname\nasa@example.org\tÅsa\n".as_bytes());
        assert_eq!(enc, "UTF-8 with BOM");
        assert_eq!(rows[0].name.as_deref(), Some("Åsa"));
    }

    #[test]
    fn a_multi_line_quoted_name_is_one_line_and_reported() {
        let (rows, problems, _) =
            read_str(b"email,name\na@example.org,\"Anna\nVirtanen\"\nb@example.org,B\0\r\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name.as_deref(), Some("Anna Virtanen"));
        assert_eq!(rows[1].name.as_deref(), Some("B"));
        assert_eq!(
            rows[1].line, 4,
            "line numbers count the line inside the quotes"
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.contains("line breaks"));
    }

    #[test]
    fn an_unknown_language_is_reported_and_dropped() {
        let (rows, problems, _) = read_str(b"email,lang\na@example.org,de\n");
        assert_eq!(rows[0].lang, None);
        assert!(problems[0].message.contains("'de'"));
    }
}
