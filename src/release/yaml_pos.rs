//! Finds where a key sits in block-style YAML front matter, so that a field
//! problem can be reported at its line and column. It only reads lines, so any
//! input is safe; when it cannot tell, it falls back to the enclosing key.

/// 1-based (line, column) positions inside the front matter text.
pub struct Locator<'a> {
    lines: Vec<&'a str>,
    /// The line of each top-level key's first occurrence, found in one
    /// pass: looking keys up one by one in the lines would be quadratic.
    top: std::collections::HashMap<&'a str, usize>,
}

/// The key that a top-level line `text` starts, as [`starts_with_key`]
/// would match it: quoted, or the text before the first `:`.
fn key_of(text: &str) -> Option<&str> {
    match text.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => {
            let rest = &text[1..];
            let end = rest.find(*q as char)?;
            rest[end + 1..]
                .trim_start()
                .starts_with(':')
                .then(|| &rest[..end])
        }
        _ => text.find(':').map(|c| text[..c].trim_end()),
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// `key:` at the start of `text` (bare or quoted), returning true on a match.
fn starts_with_key(text: &str, key: &str) -> bool {
    let after = match text.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => text[1..]
            .strip_prefix(key)
            .and_then(|r| r.strip_prefix(*q as char)),
        _ => text.strip_prefix(key),
    };
    after.is_some_and(|rest| rest.trim_start().starts_with(':'))
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        let lines: Vec<&'a str> = text.lines().collect();
        let mut top = std::collections::HashMap::new();
        for (i, line) in lines.iter().enumerate() {
            if indent(line) == 0
                && is_content(line)
                && let Some(key) = key_of(line)
            {
                top.entry(key).or_insert(i);
            }
        }
        Self { lines, top }
    }

    /// The position of a top-level key.
    pub fn key(&self, key: &str) -> (usize, usize) {
        self.top_index(key).map_or((1, 1), |i| (i + 1, 1))
    }

    fn top_index(&self, key: &str) -> Option<usize> {
        if let Some(&i) = self.top.get(key) {
            return Some(i);
        }
        // A key with a colon of its own, say: the slow way.
        self.lines
            .iter()
            .position(|l| indent(l) == 0 && starts_with_key(l, key))
    }

    /// Lines of the block under a top-level key (indices), excluding the key line.
    fn block(&self, start: usize) -> std::ops::Range<usize> {
        let end = self.lines[start + 1..]
            .iter()
            .position(|l| is_content(l) && indent(l) == 0)
            .map_or(self.lines.len(), |p| start + 1 + p);
        start + 1..end
    }

    /// The position of `key` inside item `index` of a list under `parent`
    /// (or inside the mapping under `parent` when `index` is `None`).
    /// Falls back to the item, then to the parent.
    pub fn nested(&self, parent: &str, index: Option<usize>, key: Option<&str>) -> (usize, usize) {
        let Some(p) = self.top_index(parent) else {
            return (1, 1);
        };
        let mut range = self.block(p);
        let mut fallback = (p + 1, 1);
        if let Some(index) = index {
            let items: Vec<usize> = range
                .clone()
                .filter(|&i| self.lines[i].trim_start().starts_with('-'))
                .collect();
            let item_indent = items.iter().map(|&i| indent(self.lines[i])).min();
            let items: Vec<usize> = items
                .into_iter()
                .filter(|&i| Some(indent(self.lines[i])) == item_indent)
                .collect();
            match items.get(index) {
                Some(&start) => {
                    let end = items.get(index + 1).copied().unwrap_or(range.end);
                    fallback = (start + 1, indent(self.lines[start]) + 1);
                    range = start..end;
                }
                None => return fallback,
            }
        }
        let Some(key) = key else {
            return fallback;
        };
        for i in range {
            let line = self.lines[i];
            let t = line.trim_start();
            let t2 = t.strip_prefix('-').map_or(t, str::trim_start);
            if starts_with_key(t2, key) {
                return (i + 1, line.len() - t2.len() + 1);
            }
            // Flow style: `image: {src: x, alt: y}`.
            if let Some(col) = line.find(&format!("{key}:"))
                && line.contains('{')
            {
                return (i + 1, col + 1);
            }
        }
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FM: &str = "title: A\ncontacts:\n  - name: Anna\n    role: Head\n  - name: Ben\n    phnoe: 1\nimage:\n  src: a.png\n";

    #[test]
    fn finds_top_level_and_nested_keys() {
        let l = Locator::new(FM);
        assert_eq!(l.key("title"), (1, 1));
        assert_eq!(l.key("image"), (7, 1));
        assert_eq!(l.nested("contacts", Some(1), Some("phnoe")), (6, 5));
        assert_eq!(l.nested("contacts", Some(1), None), (5, 3));
        assert_eq!(l.nested("image", None, Some("src")), (8, 3));
        assert_eq!(l.nested("image", None, Some("alt")), (7, 1));
    }
}
