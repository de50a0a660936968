//! `pressroom preview`: the email of one release as files a person can open:
//! `email.html`, `email.txt` and a complete `message.eml`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::config::Config;
use crate::release::Release;
use crate::render::email::{self, RenderedEmail};

/// The From: mailbox: `[delivery] from`, else the organisation's name and email.
pub fn from_mailbox(config: &Config) -> anyhow::Result<Mailbox> {
    let org = &config.organization;
    let text = match &config.delivery.from {
        Some(f) => f.clone(),
        None => format!(
            "{} <{}>",
            org.name
                .get(&config.site.default_lang, &config.site.default_lang),
            org.email
        ),
    };
    text.parse()
        .with_context(|| format!("'{text}' is not a valid From address: set [delivery] from = \"Name <address>\" in pressroom.toml"))
}

/// Builds a complete MIME message (text part first) for `to`.
pub fn message(
    config: &Config,
    rendered: &RenderedEmail,
    to: Mailbox,
    unsubscribe_url: &str,
) -> anyhow::Result<Message> {
    let (html, text) = rendered.personalise(unsubscribe_url);
    let mut builder = Message::builder()
        .from(from_mailbox(config)?)
        .to(to)
        .subject(rendered.subject.clone())
        .date_now();
    if let Some(r) = &config.delivery.reply_to {
        builder =
            builder
                .reply_to(r.parse().with_context(|| {
                    format!("[delivery] reply_to '{r}' is not a valid address")
                })?);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .context("cannot build the message")
}

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
    let rendered = email::render(release, config)?;
    let unsubscribe = format!("{}unsubscribe/PREVIEW", config.site.base_url);
    let to = from_mailbox(config)?;
    let msg = message(config, &rendered, to, &unsubscribe)?;
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
    fs::write(&files.eml, msg.formatted())
        .with_context(|| format!("cannot write {}", files.eml.display()))?;
    Ok(files)
}
