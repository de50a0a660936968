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
    })
}
