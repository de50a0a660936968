//! `pressroom check`: everything `Content::load` checks, plus what needs
//! rendering (an email body too large for Gmail).

use std::path::Path;

use rayon::prelude::*;

use crate::content::{Content, LoadError};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::render::email::{self, GMAIL_CLIP_BYTES};

/// The outcome of a successful check.
#[derive(Debug)]
pub struct Report {
    pub releases: usize,
    /// Problems that do not stop a build, as `path:line:col: warning: …`.
    pub warnings: Vec<String>,
}

/// Checks the configuration and every release; all problems or a report.
pub fn run(root: &Path) -> Result<Report, LoadError> {
    let content = Content::load(root)?;
    let problems: Vec<Diagnostic> = content
        .releases
        .par_iter()
        .filter(|r| r.email && !r.draft)
        .filter_map(|r| match email::render(r, &content.config) {
            Ok(e) if e.html.len() > GMAIL_CLIP_BYTES => Some(Diagnostic::new(
                &r.path,
                r.body_line,
                1,
                format!(
                    "the email body is {} KB; Gmail clips messages over 102 KB and hides the rest, including the unsubscribe link. Shorten the release or move material into an attachment",
                    e.html.len().div_ceil(1024)
                ),
            )),
            Ok(_) => None,
            Err(e) => Some(Diagnostic::new(&r.path, 1, 1, e.to_string())),
        })
        .collect();
    if !problems.is_empty() {
        let mut d = Diagnostics(problems);
        d.sort();
        return Err(LoadError::Content(d));
    }
    Ok(Report {
        releases: content.releases.len(),
        warnings: identity_warnings(&content),
    })
}

/// Releases emailed under an identity they no longer have (renamed file,
/// edited slug or `translation_key`), from the delivery journal if there is
/// one. A journal that cannot be read is a warning too.
fn identity_warnings(content: &Content) -> Vec<String> {
    let db = crate::subscribers::database_path(&content.config);
    if !db.is_file() {
        return vec![];
    }
    let renamed = crate::subscribers::Store::open(&db)
        .and_then(|store| crate::delivery::plan::renamed(&store, content));
    match renamed {
        Ok(list) => list
            .into_iter()
            .map(|r| {
                format!(
                    "{}:{}:1: warning: this release was emailed as '{}' and is now '{}' (file renamed, or slug or translation_key edited): publish will not send it again, and `send` would reach everyone a second time. Put back `translation_key: {}`",
                    r.path.display(),
                    r.line,
                    r.was,
                    r.now,
                    r.was
                )
            })
            .collect(),
        Err(e) => vec![format!(
            "{}: warning: cannot read the delivery journal to check release identities: {e:#}",
            db.display()
        )],
    }
}
