//! Files that pressroom reads and writes with care: private files for
//! personal data (the database, the outbox), and the rule that what is
//! published is a regular file inside the pressroom, never what a symbolic
//! link points to.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Paths for a message: `a, b, c`.
pub fn path_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Creates `dir` and its missing parents, readable by the owner only (0700).
/// An existing directory keeps its mode.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Makes sure `path` exists and is readable by the owner only (0600):
/// created empty if missing, its mode narrowed (by path) if it exists.
///
/// An existing file is never opened: closing any descriptor of a file drops
/// every POSIX lock this process holds on it, and SQLite's locks on its
/// database, WAL and shared-memory files are such locks.
pub fn make_private_file(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) => narrow(path, &m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            match opts.open(path) {
                Ok(_) => Ok(()),
                // Created by someone else meanwhile: narrow it by path.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    narrow(path, &fs::metadata(path)?)
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Takes group and other permissions away from `path`, by path.
fn narrow(path: &Path, meta: &fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta);
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, mode 0600: readers never see half a file.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `text` as one path segment: letters, digits and `-` are kept, anything
/// else (`/`, `.`, spaces) becomes `_`, so it can never leave its folder.
pub fn segment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes one message into a folder of the outbox (created 0700), as a
/// private file (0600): outbox messages hold addresses and names.
pub fn write_outbox(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    create_private_dir(dir)?;
    let path = dir.join(name);
    write_private(&path, bytes)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    Ok(path)
}

/// Removes every outbox file about one address: those named after its
/// hash (`prefix`) and any other whose bytes `mentions` the address (the
/// caller decides how: in any letter case, also where MIME encoded it).
/// Returns how many were removed. Also used for the kept copies of bounces.
pub fn scrub_outbox(
    outbox: &Path,
    prefix: &str,
    mentions: &dyn Fn(&[u8]) -> bool,
) -> io::Result<usize> {
    if !outbox.is_dir() {
        return Ok(0);
    }
    let mut doomed = vec![];
    walk_all(outbox, &mut |path, ft| {
        if !ft.is_file() {
            return Ok(());
        }
        let named = path.file_name().is_some_and(|n| {
            n.to_string_lossy()
                .trim_start_matches('.')
                .starts_with(prefix)
        });
        if named || mentions(&fs::read(path)?) {
            doomed.push(path.to_path_buf());
        }
        Ok(())
    })?;
    for p in &doomed {
        fs::remove_file(p)?;
    }
    Ok(doomed.len())
}

/// Why a path may not be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsafe {
    /// A component of the path is a symbolic link.
    Symlink(PathBuf),
    /// Neither a regular file nor a directory (a device, a FIFO, a socket).
    Special(PathBuf),
}

impl Unsafe {
    /// The offending path.
    pub fn path(&self) -> &Path {
        match self {
            Unsafe::Symlink(p) | Unsafe::Special(p) => p,
        }
    }

    /// The same finding with the path shown differently (relative to the root).
    pub fn map_path(self, f: impl FnOnce(&Path) -> PathBuf) -> Self {
        match self {
            Unsafe::Symlink(p) => Unsafe::Symlink(f(&p)),
            Unsafe::Special(p) => Unsafe::Special(f(&p)),
        }
    }
}

impl std::fmt::Display for Unsafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unsafe::Symlink(p) => write!(
                f,
                "{} is a symbolic link; pressroom publishes only regular files inside the pressroom: put the file itself there",
                p.display()
            ),
            Unsafe::Special(p) => write!(
                f,
                "{} is not a regular file; pressroom publishes only regular files",
                p.display()
            ),
        }
    }
}

/// Whether a path under `releases/` has a part whose name begins with `.`
/// (`assets/.draft.pdf`): such files are never published.
pub fn is_hidden_path(rel: &str) -> bool {
    rel.split('/')
        .any(|part| part.starts_with('.') && part != ".")
}

/// True when `rel`, under `root`, is a regular file reached without
/// following a symbolic link (`rel` is relative and stays inside `root`).
pub fn is_regular_file_inside(root: &Path, rel: &Path) -> bool {
    use std::path::Component;
    if !rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return false;
    }
    let mut p = root.to_path_buf();
    let mut last = None;
    for c in rel.components() {
        p.push(c);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => return false,
            Ok(m) => last = Some(m),
            Err(_) => return false,
        }
    }
    last.is_some_and(|m| m.is_file())
}

/// Removes every symbolic link under `dir` (the link, never what it points
/// to), hidden names included, and returns where they were: a folder that
/// a build owns is never written through one.
pub fn remove_symlinks(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut links = vec![];
    walk_all(dir, &mut |path, ft| {
        if ft.is_symlink() {
            links.push(path.to_path_buf());
        }
        Ok(())
    })?;
    for link in &links {
        fs::remove_file(link)?;
    }
    Ok(links)
}

/// Whether the site path `rel` (`fi/page/`, already percent-decoded) under
/// `root` passes through a symbolic link on the way to its file (the
/// `index.html` of a folder included); a server never serves one.
pub fn through_symlink(root: &Path, rel: &str) -> bool {
    let mut p = root.to_path_buf();
    let parts = rel.split('/').filter(|s| !s.is_empty() && *s != ".");
    for part in parts.chain(std::iter::once("index.html")) {
        p.push(part);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => return true,
            Ok(m) if m.is_dir() => {}
            _ => return false,
        }
    }
    false
}

/// Every symbolic link and special file under `dir` (not followed), in
/// path order. A missing directory has none.
pub fn unsafe_entries(dir: &Path) -> io::Result<Vec<Unsafe>> {
    let mut out = vec![];
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
        Ok(m) if m.file_type().is_symlink() => return Ok(vec![Unsafe::Symlink(dir.into())]),
        Ok(_) => {}
    }
    walk(dir, &mut |path, ft| {
        if ft.is_symlink() {
            out.push(Unsafe::Symlink(path.to_path_buf()));
        } else if !ft.is_file() && !ft.is_dir() {
            out.push(Unsafe::Special(path.to_path_buf()));
        }
        Ok(())
    })?;
    out.sort_by(|a, b| format!("{a}").cmp(&format!("{b}")));
    Ok(out)
}

/// Calls `f` for every entry under `dir`, recursing into real directories
/// only (a symbolic link to a directory is reported, not entered). Names
/// starting with `.` are skipped.
fn walk(dir: &Path, f: &mut dyn FnMut(&Path, fs::FileType) -> io::Result<()>) -> io::Result<()> {
    walk_entries(dir, false, f)
}

/// As [`walk`], hidden names included (temporary files of the outbox).
fn walk_all(
    dir: &Path,
    f: &mut dyn FnMut(&Path, fs::FileType) -> io::Result<()>,
) -> io::Result<()> {
    walk_entries(dir, true, f)
}

fn walk_entries(
    dir: &Path,
    hidden: bool,
    f: &mut dyn FnMut(&Path, fs::FileType) -> io::Result<()>,
) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if !hidden && entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let (path, ft) = (entry.path(), entry.file_type()?);
        f(&path, ft)?;
        if ft.is_dir() {
            walk_entries(&path, hidden, f)?;
        }
    }
    Ok(())
}

/// Calls `f` with the path relative to `from` (with `/` separators) and
/// the full path of every regular file under `from`. A symbolic link or
/// special file anywhere fails the walk, naming it. Hidden names are skipped.
pub fn visit_regular_tree(
    from: &Path,
    f: &mut dyn FnMut(&str, &Path) -> io::Result<()>,
) -> io::Result<()> {
    if fs::symlink_metadata(from)?.file_type().is_symlink() {
        return Err(io::Error::other(
            Unsafe::Symlink(from.to_path_buf()).to_string(),
        ));
    }
    walk(from, &mut |src, ft| {
        if ft.is_dir() {
            Ok(())
        } else if ft.is_file() {
            let rel = src.strip_prefix(from).map_err(io::Error::other)?;
            let rel = rel
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/");
            f(&rel, src)
        } else if ft.is_symlink() {
            Err(io::Error::other(
                Unsafe::Symlink(src.to_path_buf()).to_string(),
            ))
        } else {
            Err(io::Error::other(
                Unsafe::Special(src.to_path_buf()).to_string(),
            ))
        }
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn symlinks_in_an_output_folder_are_found_and_removed_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), b"s").unwrap();
        let public = d.path().join("public");
        fs::create_dir_all(public.join("fi/page")).unwrap();
        fs::write(public.join("fi/page/index.html"), b"page").unwrap();
        std::os::unix::fs::symlink(outside.path(), public.join("fi/linked")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), public.join("fi/.s")).unwrap();
        assert!(!through_symlink(&public, "fi/page/"));
        assert!(!through_symlink(&public, "fi/missing"));
        assert!(through_symlink(&public, "fi/linked/secret"));
        assert!(through_symlink(&public, "fi/.s"));
        let removed = remove_symlinks(&public).unwrap();
        assert_eq!(removed.len(), 2);
        assert!(outside.path().join("secret").is_file(), "the target stays");
        assert!(public.join("fi/page/index.html").is_file());
        assert!(!through_symlink(&public, "fi/linked/secret"));
    }

    #[test]
    fn links_are_refused_and_regular_files_copied() {
        let d = tempfile::tempdir().unwrap();
        let assets = d.path().join("assets");
        fs::create_dir_all(assets.join("sub")).unwrap();
        fs::write(assets.join("sub/a.pdf"), b"pdf").unwrap();
        assert!(is_regular_file_inside(&assets, Path::new("sub/a.pdf")));
        assert!(!is_regular_file_inside(
            &assets,
            Path::new("../assets/sub/a.pdf")
        ));
        let mut seen = vec![];
        visit_regular_tree(&assets, &mut |rel, _| {
            seen.push(rel.to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, ["sub/a.pdf"]);
        std::os::unix::fs::symlink("/etc/hostname", assets.join("sub/leak.txt")).unwrap();
        std::os::unix::fs::symlink(d.path(), assets.join("dir-link")).unwrap();
        assert!(!is_regular_file_inside(&assets, Path::new("sub/leak.txt")));
        assert!(!is_regular_file_inside(
            &assets,
            Path::new("dir-link/assets/sub/a.pdf")
        ));
        let found = unsafe_entries(&assets).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        let err = visit_regular_tree(&assets, &mut |_, _| Ok(())).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        // The folder itself a link.
        let linked = d.path().join("linked-assets");
        std::os::unix::fs::symlink(&assets, &linked).unwrap();
        assert_eq!(
            unsafe_entries(&linked).unwrap(),
            vec![Unsafe::Symlink(linked)]
        );
    }

    #[test]
    fn private_files_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x/y/db");
        create_private_dir(p.parent().unwrap()).unwrap();
        make_private_file(&p).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(p.parent().unwrap()), 0o700);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        make_private_file(&p).unwrap();
        assert_eq!(mode(&p), 0o600, "an existing file is narrowed");
        write_private(&d.path().join("m.eml"), b"x").unwrap();
        assert_eq!(mode(&d.path().join("m.eml")), 0o600);
    }
}
