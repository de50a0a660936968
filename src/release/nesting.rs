//! Nesting limits, checked before parsing: the YAML and Markdown parsers
//! (and the HTML sanitiser) take time that grows faster than the input with
//! deep nesting, so a file with 100,000 nested brackets, `>` or `<div>`
//! would cost minutes. A release never needs more than a few levels; a
//! linear scan refuses more, with the line and column, in milliseconds.

/// Deepest `[`/`{` nesting in front matter.
pub const MAX_YAML_DEPTH: usize = 32;
/// Deepest block nesting (block quotes and list items) on one Markdown line.
pub const MAX_BLOCK_DEPTH: usize = 16;
/// Widest indentation of a Markdown line, in columns (a tab counts 4):
/// nested lists need two columns a level, so this bounds their depth too.
pub const MAX_INDENT: usize = 100;
/// Deepest nesting of raw HTML elements in a body.
pub const MAX_HTML_DEPTH: usize = 64;

/// Where nesting went too deep: 1-based line and column (relative to the
/// text scanned), and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Flow collections (`[…]`, `{…}`) nested deeper than [`MAX_YAML_DEPTH`],
/// brackets inside quotes and comments aside.
pub fn check_yaml(yaml: &str) -> Result<(), TooDeep> {
    let mut depth = 0usize;
    let (mut line, mut col) = (1, 0);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut prev = '\n';
    for c in yaml.chars() {
        col += 1;
        if c == '\n' {
            line += 1;
            col = 0;
            comment = false;
            prev = c;
            continue;
        }
        if comment {
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '#' if prev.is_whitespace() => comment = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_YAML_DEPTH {
                        return Err(TooDeep {
                            line,
                            col,
                            message: format!(
                                "front matter nests brackets more than {MAX_YAML_DEPTH} levels deep; a release needs at most a list of words"
                            ),
                        });
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    Ok(())
}

/// Block quotes and list markers opening a line, nested deeper than
/// [`MAX_BLOCK_DEPTH`]; raw HTML elements nested deeper than [`MAX_HTML_DEPTH`].
pub fn check_markdown(body: &str) -> Result<(), TooDeep> {
    for (i, line) in body.lines().enumerate() {
        let indent: usize = line
            .bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .map(|b| if b == b'\t' { 4 } else { 1 })
            .sum();
        if indent > MAX_INDENT && !line.trim().is_empty() {
            return Err(TooDeep {
                line: i + 1,
                col: 1,
                message: format!(
                    "this line is indented {indent} columns (at most {MAX_INDENT}); deeply nested lists cannot be published, flatten them"
                ),
            });
        }
        let depth = block_depth(line);
        if depth > MAX_BLOCK_DEPTH {
            return Err(TooDeep {
                line: i + 1,
                col: 1,
                message: format!(
                    "this line nests quotes or lists {depth} levels deep (at most {MAX_BLOCK_DEPTH}); remove the extra '>' or list markers"
                ),
            });
        }
    }
    check_html(body)
}

/// How many block containers (`>`, `-`, `*`, `+`, `1.`, `1)`) open a line.
fn block_depth(line: &str) -> usize {
    let b = line.as_bytes();
    let (mut i, mut depth) = (0, 0);
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            return depth;
        }
        let spaced = |j: usize| j >= b.len() || b[j] == b' ' || b[j] == b'\t';
        match b[i] {
            b'>' => i += 1,
            b'-' | b'*' | b'+' if spaced(i + 1) => i += 1,
            b'0'..=b'9' => {
                let mut j = i;
                while j < b.len() && j - i < 9 && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j < b.len() && (b[j] == b'.' || b[j] == b')') && spaced(j + 1) {
                    i = j + 1;
                } else {
                    return depth;
                }
            }
            _ => return depth,
        }
        depth += 1;
    }
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param",
];

/// Raw HTML elements nested deeper than [`MAX_HTML_DEPTH`] (a rough count:
/// opening tags minus closing tags, void and self-closed elements aside).
fn check_html(body: &str) -> Result<(), TooDeep> {
    let mut depth = 0usize;
    let b = body.as_bytes();
    // From one `<` to the next (most bodies have none); lines are counted
    // only for the message.
    let mut from = 0;
    while let Some(k) = memchr::memchr(b'<', &b[from..]) {
        let i = from + k;
        from = i + 1;
        let closing = b.get(i + 1) == Some(&b'/');
        let start = i + 1 + usize::from(closing);
        let mut j = start;
        while j < b.len() && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
        if j > start && b[start].is_ascii_alphabetic() {
            let name = body[start..j].to_ascii_lowercase();
            let end = memchr::memchr(b'>', &b[j..]).map(|k| j + k);
            let self_closed = end.is_some_and(|e| e > 0 && b[e - 1] == b'/');
            if closing {
                depth = depth.saturating_sub(1);
            } else if !self_closed && !VOID.contains(&name.as_str()) {
                depth += 1;
                if depth > MAX_HTML_DEPTH {
                    return Err(TooDeep {
                        line: 1 + memchr::memchr_iter(b'\n', &b[..i]).count(),
                        col: 1,
                        message: format!(
                            "raw HTML nests elements more than {MAX_HTML_DEPTH} levels deep; write the text in Markdown instead"
                        ),
                    });
                }
            }
            from = j;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_text_passes_and_deep_nesting_is_located() {
        assert!(check_yaml("keywords: [a, b]\ntitle: \"[[[[\" # {{{{\n").is_ok());
        let deep = format!("title: x\nkeywords: {}", "[".repeat(100_000));
        let e = check_yaml(&deep).unwrap_err();
        assert_eq!((e.line, e.col), (2, 10 + MAX_YAML_DEPTH + 1));

        assert!(check_markdown("> quote\n- item\n  - sub\n1. one\n-5 degrees\n").is_ok());
        let e = check_markdown(&format!("ok\n{}", ">".repeat(100_000))).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(check_markdown(&"> ".repeat(MAX_BLOCK_DEPTH)).is_ok());
        assert!(check_markdown(&"- ".repeat(MAX_BLOCK_DEPTH + 1)).is_err());

        let nested: String = (0..60)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect();
        let e = check_markdown(&nested).unwrap_err();
        assert_eq!(e.line, 52, "{e:?}");

        let divs = "<div>".repeat(100_000);
        assert!(check_markdown(&divs).is_err());
        let fine = "<p>a<br><img src=x /></p>\n".repeat(1000);
        assert!(check_markdown(&fine).is_ok());
        // Located on the line of the element one too deep; `<` that opens
        // no element (a comparison, a heart) counts for nothing.
        let deep = format!(
            "a < b <3 <\n\n{}",
            "<span>x < y\n".repeat(MAX_HTML_DEPTH + 1)
        );
        let e = check_markdown(&deep).unwrap_err();
        assert_eq!(e.line, 3 + MAX_HTML_DEPTH, "{e:?}");
        let closed = "<span>x</span>\n".repeat(10 * MAX_HTML_DEPTH);
        assert!(check_markdown(&closed).is_ok());
    }
}
