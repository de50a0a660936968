//! Display names of subscribers, as people paste them: from Word, from a
//! spreadsheet cell with a line break, with stray control characters.

/// The longest name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A name fit for a `To:` header and a terminal: control characters (line
/// breaks, tabs, NUL, escape sequences), Unicode line separators and
/// direction overrides become spaces, runs of white space become one, and
/// the result is trimmed and cut to [`MAX_NAME_CHARS`]. `None` when nothing
/// is left.
pub fn clean_name(raw: &str) -> Option<String> {
    // Most names are printable ASCII with single spaces inside: as they are.
    let b = raw.as_bytes();
    let mut previous = b' ';
    if b.len() <= MAX_NAME_CHARS
        && b.last().is_some_and(|&c| c != b' ')
        && b.iter().all(|&c| {
            let plain = c.is_ascii_graphic() || (c == b' ' && previous != b' ');
            previous = c;
            plain
        })
    {
        return Some(raw.to_string());
    }
    clean_chars(raw)
}

/// [`clean_name`], a character at a time.
fn clean_chars(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    let mut kept = 0;
    for c in raw.chars() {
        if kept == MAX_NAME_CHARS {
            break;
        }
        let blank = c.is_control()
            || c.is_whitespace()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        if blank {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            kept += 1;
            space = false;
            if kept == MAX_NAME_CHARS {
                break;
            }
        }
        out.push(c);
        kept += 1;
    }
    out.truncate(out.trim_end().len());
    (!out.is_empty()).then_some(out)
}

/// True when [`clean_name`] would change `raw` beyond trimming.
pub fn needs_cleaning(raw: &str) -> bool {
    clean_name(raw).as_deref() != Some(raw.trim()).filter(|s| !s.is_empty())
}

/// Text for a terminal: control characters (escape sequences, line breaks)
/// shown as Rust escapes (`\u{1b}`) instead of acting on the terminal.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// A CSV cell that a spreadsheet will not run as a formula: a cell starting
/// with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`
/// (OWASP's advice for CSV injection).
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_path_for_plain_names_agrees_with_the_careful_one() {
        let long = "n".repeat(MAX_NAME_CHARS);
        let longer = "n".repeat(MAX_NAME_CHARS + 1);
        for raw in [
            "Reader 12",
            "Anna-Liisa O'Brien (Yle)",
            "a",
            "",
            " ",
            " a",
            "a ",
            "a  b",
            "a\tb",
            "Åsa Öberg",
            "~!@#$%^&*()_+{}|:\"<>?",
            &long,
            &longer,
            &format!("{long} x"),
        ] {
            assert_eq!(clean_name(raw), clean_chars(raw), "{raw:?}");
        }
    }

    #[test]
    fn control_characters_become_single_spaces() {
        assert_eq!(
            clean_name("Anna\nVirtanen").as_deref(),
            Some("Anna Virtanen")
        );
        assert_eq!(
            clean_name("Anna\r\n Virtanen").as_deref(),
            Some("Anna Virtanen")
        );
        assert_eq!(clean_name("An\0na").as_deref(), Some("An na"));
        assert_eq!(
            clean_name("\u{1b}[31mRed\u{1b}[0m").as_deref(),
            Some("[31mRed [0m")
        );
        assert_eq!(clean_name("Ab\u{202E}cd").as_deref(), Some("Ab cd"));
        assert_eq!(clean_name(" \n\t "), None);
        assert_eq!(clean_name("Åsa Öberg").as_deref(), Some("Åsa Öberg"));
        assert_eq!(clean_name(&"x".repeat(500)).unwrap().len(), MAX_NAME_CHARS);
        assert!(needs_cleaning("a\nb") && !needs_cleaning(" Åsa ") && !needs_cleaning(""));
    }

    #[test]
    fn terminal_and_spreadsheet_output_is_defused() {
        assert_eq!(printable("Red\u{1b}[31m\n"), "Red\\u{1b}[31m\\n");
        assert_eq!(printable("Åsa"), "Åsa");
        for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(bad), format!("'{bad}"));
        }
        assert_eq!(spreadsheet_safe("anna@example.org"), "anna@example.org");
    }
}
