//! Subscriber CSV files, as staff and Excel write them: a header row with
//! `email` and optional `name` and `lang`; UTF-8 (with or without BOM) or
//! Windows-1252; `,`, `;` or tab as the delimiter. Bad rows are reported with
//! their line number and skipped; nothing else is dropped.

use crate::i18n::Lang;
use std::path::Path;

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

/// Decodes bytes: UTF-8 (BOM optional), else Windows-1252.
/// UTF-8 text is taken over as it is, not copied (a list may be large).
pub fn decode(bytes: Vec<u8>) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8 with BOM");
    }
    match String::from_utf8(bytes) {
        Ok(s) => (s, "UTF-8"),
        Err(e) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(e.as_bytes());
            (text.into_owned(), "Windows-1252")
        }
    }
}

/// The delimiter that splits the header line into the most fields.
fn sniff_delimiter(header: &str) -> u8 {
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
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

/// Reads `path`, calling `on_row` for each valid row and `on_problem` for each
/// skipped row or ignored value. `languages` are the accepted `lang` values.
pub fn read<E: From<CsvError>>(
    path: &Path,
    languages: &[Lang],
    smtputf8: bool,
    mut on_row: impl FnMut(Row) -> Result<(), E>,
    mut on_problem: impl FnMut(Problem),
) -> Result<&'static str, E> {
    let bytes = std::fs::read(path).map_err(|source| CsvError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let (text, encoding) = decode(bytes);
    // The csv crate counts lines one short after a CRLF header; LF keeps them right.
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    let header_line = text.lines().next().unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(header_line))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
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
    Ok(encoding)
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
