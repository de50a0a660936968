//! `pressroom preview`: the email of one release as files a person can open:
//! `email.html`, `email.txt` and a complete `message.eml`, built exactly as
//! delivery builds it (addressed to the sender, with a dummy unsubscribe link).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Config;
use crate::delivery::{Prepared, Recipient, message};
use crate::release::Release;
use crate::subscribers::{EmailAddress, Secret};

/// Files written by a preview.
#[derive(Debug)]
pub struct PreviewFiles {
    pub html: PathBuf,
    pub text: PathBuf,
    pub eml: PathBuf,
    pub html_bytes: usize,
}

/// Writes the preview of `release` into `out`.
pub fn write(config: &Config, release: &Release, out: &Path) -> anyhow::Result<PreviewFiles> {
    // Rendered once; the message is built exactly as delivery builds it.
    let rendered = crate::render::email::render(release, config)?;
    let dkim = std::sync::Arc::new(message::dkim_signers(config)?);
    let p = &Prepared::new(config, &release.group_key(), &release.lang, &rendered, dkim)?;
    // A throwaway key: preview links are not meant to work.
    let secret = Secret::from_bytes(b"pressroom preview key, not a secret");
    let from = message::from_mailbox(config, &release.lang)?;
    let email = EmailAddress::parse(from.email.as_ref())?;
    let list = release
        .lists
        .first()
        .map_or_else(|| "preview".into(), ToString::to_string);
    let unsubscribe = p.unsubscribe_url(&secret, &list, &email);
    let msg = p.build(
        &secret,
        &Recipient {
            email,
            link_id: None,
            name: from.name.clone(),
            list,
        },
    )?;
    let (html, text) = rendered.personalise(&unsubscribe);
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let files = PreviewFiles {
        html: out.join("email.html"),
        text: out.join("email.txt"),
        eml: out.join("message.eml"),
        html_bytes: rendered.html.len(),
    };
    fs::write(&files.html, html)
        .with_context(|| format!("cannot write {}", files.html.display()))?;
    fs::write(&files.text, text)
        .with_context(|| format!("cannot write {}", files.text.display()))?;
    fs::write(&files.eml, msg).with_context(|| format!("cannot write {}", files.eml.display()))?;
    Ok(files)
}
