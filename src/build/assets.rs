//! Which files of `releases/` go out with the site: a file that a release
//! uses goes out only with the first published release that uses it.
//!
//! A file that no release refers to is site furniture (a logo, a theme's
//! font) and goes out as it always did. A file that some release refers to
//! (its `image`, an `attachments` entry, or a link or picture in its text)
//! is withheld while every release that uses it is a draft or under
//! embargo, unless a standing page or the configuration uses it too. An
//! email-only release (`web: false`) counts once its time has come: its
//! email links to its files on the site. A writer's preview withholds
//! nothing.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::content::Content;
use crate::release::Release;

/// The file under `releases/` that a link or source in a release stands
/// for (`assets/report.pdf`), if it is one: a local link, relative or under
/// the site's base path, without its query or fragment, percent-decoded.
pub fn file_of(dest: &str, base_path: &str) -> Option<String> {
    if !crate::markdown::is_local(dest) || crate::release::page_of_file(dest).is_some() {
        return None;
    }
    let end = dest.find(['?', '#']).unwrap_or(dest.len());
    let path = &dest[..end];
    let path = match path.strip_prefix('/') {
        Some(_) => path.strip_prefix(base_path)?,
        None => path.strip_prefix("./").unwrap_or(path),
    };
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    (!decoded.is_empty()).then(|| decoded.into_owned())
}

/// Every file under `releases/` that `release` uses.
pub fn used_by(release: &Release, base_path: &str) -> Vec<String> {
    let image = release.material.image.iter().map(|i| i.src.as_str());
    let attachments = release.material.attachments.iter().map(|a| a.src.as_str());
    let body = release.source.local_links.iter().map(String::as_str);
    image
        .chain(attachments)
        .chain(body)
        .filter_map(|s| file_of(s, base_path))
        .collect()
}

/// The files under `releases/` (as `assets/budget.pdf`) that may not go
/// out at `now`: used by releases, none of them out yet.
pub fn withheld(content: &Content, now: DateTime<Utc>) -> HashSet<String> {
    if content.show_unpublished {
        return HashSet::new();
    }
    let base = content.config.site.base_path();
    let mut waiting = HashSet::new();
    let mut out = HashSet::new();
    for r in &content.releases {
        let set = if r.is_published(now) {
            &mut out
        } else {
            &mut waiting
        };
        set.extend(used_by(r, base));
    }
    if waiting.is_empty() {
        return waiting;
    }
    for p in &content.pages {
        out.extend(
            crate::markdown::local_links(&p.body)
                .iter()
                .filter_map(|(dest, _)| file_of(dest, base)),
        );
    }
    if let Some(logo) = &content.config.site.logo {
        out.extend(file_of(&logo.src, base));
    }
    waiting.retain(|f| !out.contains(f));
    waiting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_names_the_file_it_stands_for() {
        let f = |d: &str| file_of(d, "/press/");
        assert_eq!(f("assets/a.pdf").as_deref(), Some("assets/a.pdf"));
        assert_eq!(f("./assets/a.pdf#p2").as_deref(), Some("assets/a.pdf"));
        assert_eq!(
            f("/press/assets/a%20b.pdf?x=1").as_deref(),
            Some("assets/a b.pdf")
        );
        assert_eq!(f("/elsewhere/a.pdf"), None);
        assert_eq!(f("https://example.org/assets/a.pdf"), None);
        assert_eq!(f("2026-01-02-plan.fi.md"), None);
        assert_eq!(f("#top"), None);
    }
}
