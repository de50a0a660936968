//! The shape of the library, checked over its source: the top-level
//! modules of `src/` import one another without a circle, and the
//! command-line front door (`commands/`) is imported by `cli.rs` alone, so
//! that a second front door calls the library, never the first one.
//!
//! A module's imports are the `crate::NAME` paths in its files (comments
//! and `#[cfg(test)]` modules left out); `super::NAME` in a file directly
//! under `src/` counts the same.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<PathBuf>>>;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments, string literals' contents and test modules.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The top-level modules named after each `prefix` (`crate::`) in `code`:
/// `crate::db::Db` gives `db`; `crate::{db, files::x}` gives both.
fn targets(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // The names at the group's first level.
            let mut depth = 0;
            let mut word = String::new();
            let mut first = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        if first && !word.is_empty() {
                            found.insert(std::mem::take(&mut word));
                        }
                        break;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 && is_ident(c) {
                    word.push(c);
                    continue;
                }
                if !word.is_empty() && first {
                    found.insert(std::mem::take(&mut word));
                }
                word.clear();
                if depth == 0 {
                    first = c == ',' || (first && c.is_whitespace());
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found.remove("self");
    found
}

/// The import graph of the top-level modules under `src`.
fn graph(src: &Path) -> Graph {
    let mut files = vec![];
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src/");
        let first = rel.components().next().expect("a file name");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let code = code_of(&fs::read_to_string(&file).expect("a readable source file"));
        let mut names = targets(&code, "crate::");
        if rel.components().count() == 1 {
            names.extend(targets(&code, "super::"));
        }
        let edges = graph.entry(module.clone()).or_default();
        for name in names.into_iter().filter(|n| *n != module) {
            edges.entry(name).or_default().insert(file.clone());
        }
    }
    graph
}

/// The circles of `graph`: its strongly connected components of more than
/// one module (Tarjan's algorithm).
fn circles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flat_map(|e| e.keys()) {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = vec![];
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on_stack: BTreeSet::new(),
        found: vec![],
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// A readable account of each circle: its modules and the imports between them.
fn describe(graph: &Graph, found: &[Vec<String>]) -> String {
    let mut text = String::new();
    for circle in found {
        text.push_str(&format!("circle: {}\n", circle.join(", ")));
        for from in circle {
            for (to, files) in &graph[from] {
                if circle.contains(to) {
                    let files: Vec<_> = files.iter().map(|f| f.display().to_string()).collect();
                    text.push_str(&format!("  {from} -> {to} ({})\n", files.join(", ")));
                }
            }
        }
    }
    text
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_top_level_modules_import_one_another_without_a_circle() {
    let graph = graph(&src());
    assert!(graph.len() > 10, "the scan found the modules: {graph:?}");
    let found = circles(&graph);
    assert!(found.is_empty(), "{}", describe(&graph, &found));
}

#[test]
fn only_the_command_line_imports_the_commands() {
    let graph = graph(&src());
    let importers: Vec<_> = graph
        .iter()
        .filter(|(from, edges)| *from != "cli" && edges.contains_key("commands"))
        .map(|(from, edges)| format!("{from} ({:?})", edges["commands"]))
        .collect();
    assert!(
        importers.is_empty(),
        "commands/ is the command line's front door; the library must not import it: {importers:?}"
    );
    assert!(
        graph["cli"].contains_key("commands"),
        "the scan sees cli's imports"
    );
}

#[test]
fn the_checker_finds_a_circle_and_reads_grouped_imports() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::create_dir(src.join("a")).unwrap();
    fs::write(src.join("a/mod.rs"), "use crate::{b::{X, Y}, c};\n").unwrap();
    fs::write(
        src.join("b.rs"),
        "// crate::d in a comment\nfn f() { crate::a::g() }\n",
    )
    .unwrap();
    fs::write(
        src.join("c.rs"),
        "use super::d;\n#[cfg(test)]\nmod tests { use crate::a; }\n",
    )
    .unwrap();
    fs::write(src.join("d.rs"), "").unwrap();
    let graph = graph(src);
    let edges = |m: &str| graph[m].keys().cloned().collect::<Vec<_>>();
    assert_eq!(edges("a"), ["b", "c"]);
    assert_eq!(edges("b"), ["a"]);
    assert_eq!(edges("c"), ["d"]);
    assert_eq!(circles(&graph), [vec!["a".to_string(), "b".to_string()]]);
}
