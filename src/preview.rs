//! `pressroom preview`: the email of one release as files a person can open:
//! `email.html`, `email.txt` and a complete `message.eml`, built exactly as
//! delivery builds it (addressed to the sender, with a dummy unsubscribe link).
//! The images of `email.html` are copied beside it, so that the picture
//! shows before the release is on the live site; `message.eml` keeps the
//! live addresses, as it will be sent.

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
    let html = local_assets(config, &html, out)?;
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

/// `html` with every `{base_url}assets/…` address pointing at a copy in
/// `out/assets/`: only regular files inside `releases/assets` are copied.
fn local_assets(config: &Config, html: &str, out: &Path) -> anyhow::Result<String> {
    let live = format!("{}assets/", config.site.base_url);
    let assets = config.releases_dir().join("assets");
    let mut rest = html;
    while let Some(at) = rest.find(&live) {
        let tail = &rest[at + live.len()..];
        let end = tail
            .find(['"', '\'', ')', ' ', '<', '>'])
            .unwrap_or(tail.len());
        let rel = &tail[..end];
        rest = &tail[end..];
        let inside = !rel.is_empty()
            && Path::new(rel)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        let src = assets.join(rel);
        if inside && fs::symlink_metadata(&src).is_ok_and(|m| m.is_file()) {
            let dst = out.join("assets").join(rel);
            if let Some(dir) = dst.parent() {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            fs::copy(&src, &dst).with_context(|| format!("cannot copy {}", src.display()))?;
        }
    }
    Ok(html.replace(&live, "assets/"))
}
