//! `pressroom check`: everything `Content::load` checks, plus what needs
//! rendering (an email body too large for Gmail).

use std::path::Path;

use rayon::prelude::*;

use crate::content::{Content, LoadError};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::render::email::{self, GMAIL_CLIP_BYTES};
use crate::theme::RenderError;

/// The outcome of a successful check.
#[derive(Debug)]
pub struct Report {
    pub releases: usize,
    /// Problems that do not stop a build, as `path:line:col: warning: …`.
    pub warnings: Vec<String>,
}

/// Checks the configuration and every release; all problems or a report.
pub fn run(root: &Path) -> Result<Report, LoadError> {
    let mut content = Content::load(root)?;
    let mut problems: Vec<Diagnostic> = content
        .releases
        .par_iter()
        .map(std::sync::Arc::as_ref)
        .filter(|r| r.publication.email && !r.publication.draft)
        .filter_map(|r| match email::render(r, &content.config, &Default::default()) {
            Ok(e) if e.html.len() > GMAIL_CLIP_BYTES => Some(Diagnostic::new(
                &r.source.path,
                r.source.body_line,
                1,
                format!(
                    "the email body is {} KB; Gmail clips messages over 102 KB and hides the rest, including the unsubscribe link. Shorten the release or move material into an attachment",
                    e.html.len().div_ceil(1024)
                ),
            )),
            Ok(_) => None,
            // A template's problem is the template's, not the release's.
            Err(email::EmailError::Template(_, e)) => Some(e.diagnostic()),
            Err(e) => Some(Diagnostic::new(&r.source.path, 1, 1, e.to_string())),
        })
        .collect();
    problems.extend(template_problems(&mut content));
    problems.extend(picture_problems(&content));
    problems.sort();
    problems.dedup();
    if !problems.is_empty() {
        let mut d = Diagnostics(problems);
        d.sort();
        return Err(LoadError::Content(d));
    }
    Ok(Report {
        releases: content.releases.len(),
        warnings: identity_warnings(&content)
            .into_iter()
            .chain(quoted_phones(&content))
            .chain(early_links(&content))
            .chain(legal_warnings(&content))
            .chain(unused_templates(&content))
            .chain(dkim_alignment(&content.config))
            .collect(),
    })
}

/// Links from a release to another that comes out later (or never on the
/// web): until the target is out, the page and the email show the link's
/// text only, so that its address is not revealed early.
fn early_links(content: &Content) -> Vec<String> {
    let by_file = crate::content::by_file_name(&content.releases);
    let tz = content.config.site.timezone;
    let mut out = vec![];
    for r in content.releases.iter().filter(|r| !r.publication.draft) {
        for crate::release::ReleaseLink { file, line, col } in &r.source.release_links {
            let Some(target) = by_file.get(std::ffi::OsStr::new(file)) else {
                continue;
            };
            let why = if target.publication.draft {
                "is a draft".to_string()
            } else if !target.publication.web {
                "is never on the web (`web: false`)".to_string()
            } else if target.publication.date > r.publication.date {
                format!(
                    "comes out later ({})",
                    target
                        .publication
                        .date
                        .with_timezone(&tz)
                        .format("%Y-%m-%d %H:%M")
                )
            } else {
                continue;
            };
            out.push(format!(
                "{}:{line}:{col}: warning: links to {file}, which {why}: until it is out, this release's page and email show the link's text only",
                r.source.path.display()
            ));
        }
    }
    out
}

/// Pictures in `releases/assets/` that the build would refuse (too large
/// to make a web copy of), named as the build names them.
fn picture_problems(content: &Content) -> Vec<Diagnostic> {
    let dir = content.config.releases_dir().join("assets");
    let mut out = vec![];
    if !dir.is_dir() {
        return out;
    }
    // Symbolic links and special files are reported by loading.
    let _ = crate::files::visit_regular_tree(&dir, &mut |rel, path| {
        if let Some(why) = crate::render::images::refusal(&format!("assets/{rel}"), path) {
            let shown = Path::new("releases/assets").join(rel);
            out.push(Diagnostic::new(&shown, 1, 1, why));
        }
        Ok(())
    });
    out
}

/// What the pressroom's own templates get wrong that only rendering shows
/// (a name the context does not have, a filter given the wrong value):
/// with templates replaced, every page of the site (drafts included) is
/// rendered into nothing and every subscription page with sample values.
fn template_problems(content: &mut Content) -> Vec<Diagnostic> {
    if content.config.theme.is_builtin() {
        return vec![];
    }
    struct Discard;
    impl crate::render::site::Output for Discard {
        fn write(&self, _: &str, _: &[u8]) -> std::io::Result<()> {
            Ok(())
        }
    }
    content.show_unpublished = true;
    let mut problems = vec![];
    if let Err(e) = crate::render::site::render(content, chrono::Utc::now(), &Discard, None) {
        problems.push(
            match e.get_ref().and_then(|e| e.downcast_ref::<RenderError>()) {
                Some(t) => t.diagnostic(),
                None => Diagnostic::new(&content.config.root, 1, 1, e.to_string()),
            },
        );
    }
    content.show_unpublished = false;
    problems.extend(
        crate::http::subscription::samples(&content.config)
            .err()
            .map(|e| e.diagnostic()),
    );
    for lang in &content.config.site.languages {
        if let Err(e) =
            crate::http::mail::confirmation_parts(&content.config, lang, "https://example.org/")
        {
            problems.push(e.diagnostic());
        }
    }
    problems
}

/// Files of `templates/` that nothing uses: most likely a misspelt name.
fn unused_templates(content: &Content) -> Vec<String> {
    content
        .config
        .theme
        .unused()
        .iter()
        .map(|p| format!("{}:1:1: warning: this file replaces no built-in template and no template includes it; `pressroom templates list` shows the names", p.display()))
        .collect()
}

/// What the law asks of a public body's site and is missing: an
/// accessibility statement in each language (Finland 306/2019, Sweden
/// 2018:1937, EU 2016/2102), and a privacy notice where the public
/// subscribes (GDPR Art. 13).
fn legal_warnings(content: &Content) -> Vec<String> {
    let config = &content.config;
    let toml = config.root.join(crate::config::CONFIG_FILE);
    let toml = config.display_path(&toml);
    let mut out = vec![];
    for lang in &config.site.languages {
        let has_page = content
            .pages
            .iter()
            .any(|p| &p.lang == lang && p.name.as_str() == crate::content::standing::ACCESSIBILITY);
        if config.site.accessibility_statement.is_none() && !has_page {
            out.push(format!(
                "{}:1:1: warning: no accessibility statement in '{lang}': the law asks one of a public body's site (Finland 306/2019, Sweden 2018:1937, EU 2016/2102). Write pages/{}.{lang}.md, or set [site] accessibility_statement to its address",
                toml.display(),
                crate::content::standing::ACCESSIBILITY
            ));
        }
    }
    if config.organization.privacy_url.is_none() && config.lists.values().any(|l| l.public) {
        out.push(format!(
            "{}:1:1: warning: the subscription form collects email addresses but [organization] privacy_url is not set: GDPR Art. 13 asks for the privacy notice where the data is collected",
            toml.display()
        ));
    }
    out
}

/// A warning for each contact's phone number written with quotation marks
/// around it that are part of the value (typographic quotes pasted from a
/// word processor): pages show the number without them, but the file
/// should not hold them.
fn quoted_phones(content: &Content) -> Vec<String> {
    let mut out = vec![];
    for r in &content.releases {
        for (i, c) in r.material.contacts.iter().enumerate() {
            if c.phone_has_quotes() {
                out.push(format!(
                    "{}:{}:1: warning: contacts[{i}].phone {:?} has quotation marks around the number (pasted from a word processor?): write it as phone: \"{}\"",
                    r.source.path.display(),
                    r.line_of("contacts"),
                    c.phone.as_deref().unwrap_or_default(),
                    c.phone_text().unwrap_or_default(),
                ));
            }
        }
    }
    out
}

/// True when DKIM's `d=` domain aligns with the From domain in DMARC's
/// relaxed mode: the same domain, or one a subdomain of the other.
pub fn aligned(dkim_domain: &str, from_domain: &str) -> bool {
    let (d, f) = (
        dkim_domain.trim_end_matches('.').to_ascii_lowercase(),
        from_domain.trim_end_matches('.').to_ascii_lowercase(),
    );
    d == f || f.ends_with(&format!(".{d}")) || d.ends_with(&format!(".{f}"))
}

/// A warning when the DKIM signature would not align with From: receivers
/// applying DMARC (Gmail, Microsoft) then treat the mail as unauthenticated.
fn dkim_alignment(config: &crate::config::Config) -> Option<String> {
    let dkim = config.delivery.dkim.as_ref()?;
    let from = crate::delivery::message::from_mailbox(config, &config.site.default_lang).ok()?;
    let from_domain = from.email.domain();
    if aligned(&dkim.domain, from_domain) {
        return None;
    }
    let path = config.root.join("pressroom.toml");
    let line = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| {
            let start = text.find("[delivery.dkim]")?;
            let offset = text[start..].find("domain")? + start;
            Some(text[..offset].matches('\n').count() + 1)
        })
        .unwrap_or(1);
    Some(format!(
        "{}:{line}:1: warning: DKIM signs for '{}' but the mail is From '{from_domain}': DMARC needs them aligned, or Gmail and Microsoft treat the mail as unauthenticated. Sign with a key of '{from_domain}' (or of a parent domain)",
        config.display_path(&path).display(),
        dkim.domain
    ))
}

/// Releases emailed under an identity they no longer have (renamed file,
/// edited slug or `translation_key`), from the delivery journal if there is
/// one. A journal that cannot be read is a warning too.
fn identity_warnings(content: &Content) -> Vec<String> {
    let db = crate::db::database_path(&content.config);
    if !db.is_file() {
        return vec![];
    }
    let renamed = crate::db::Db::open(&db)
        .map_err(anyhow::Error::from)
        .and_then(|db| crate::delivery::plan::renamed(&db, content));
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

#[cfg(test)]
mod tests {
    #[test]
    fn dkim_alignment_is_relaxed_by_subdomain() {
        assert!(super::aligned("example.org", "example.org"));
        assert!(super::aligned("example.org", "news.example.org"));
        assert!(super::aligned("Mail.Example.org.", "example.org"));
        assert!(!super::aligned("example.org", "example.com"));
        assert!(!super::aligned("ample.org", "example.org"));
    }
}
