//! `pressroom preview`: the email of one release as files a person can open:
//! `email.html`, `email.txt` and a complete `message.eml`, built exactly as
//! delivery builds it (addressed to the sender, with a dummy unsubscribe link).
//! The images of `email.html` are copied beside it, so that the picture
//! shows before the release is on the live site; `message.eml` keeps the
//! live addresses, as it will be sent.

pub mod site;
pub mod watch;

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

/// Writes the preview of `release` into `out`, as a member of `list` (by
/// default the release's first list) would get it now (links to the pages
/// in `hidden`, not out yet, are text): email.html and email.txt are the
/// parts of message.eml, made by the same code.
pub fn write(
    config: &Config,
    release: &Release,
    hidden: &crate::markdown::Unpublished,
    list: Option<&crate::config::ListName>,
    out: &Path,
) -> anyhow::Result<PreviewFiles> {
    // Rendered once; the message is built exactly as delivery builds it.
    let rendered = crate::render::email::render(release, config, hidden)?;
    let dkim = std::sync::Arc::new(message::dkim_signers(config)?);
    let p = &Prepared::new(config, &release.group_key(), &release.lang, &rendered, dkim)?;
    // A throwaway key: preview links are not meant to work.
    let secret = Secret::from_bytes(b"pressroom preview key, not a secret");
    let from = message::from_mailbox(config, &release.lang)?;
    let email = EmailAddress::parse(from.email.as_ref())?;
    let list = list
        .or(release.lists.first())
        .map_or_else(|| "preview".into(), ToString::to_string);
    let unsubscribe = p.unsubscribe_url(&secret, &list, &email);
    let msg = p.build(
        &secret,
        &Recipient {
            email,
            link_id: None,
            name: from.name.clone(),
            list: list.clone(),
        },
    )?;
    let (html, text) = p.bodies(&list, &unsubscribe);
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
        // Links carry file names percent-encoded.
        let decoded = percent_encoding::percent_decode_str(&tail[..end]).decode_utf8_lossy();
        let rel = decoded.as_ref();
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

/// One row of the email view's recipients table.
#[derive(Debug, Clone)]
pub struct RecipientRow {
    pub list: String,
    /// The language version these readers get.
    pub lang: String,
    pub count: u64,
}

#[derive(askama::Template)]
#[template(path = "preview/email_view.html")]
struct EmailView<'a> {
    /// The staff's language (the site's default): the view's own text.
    ui_lang: &'a str,
    p: &'static crate::i18n::PreviewStrings,
    lang: &'a str,
    lang_name: &'a str,
    subject: &'a str,
    preheader: &'a str,
    size_text: String,
    clipped: bool,
    email: bool,
    recipients: Vec<RecipientRow>,
    page_href: String,
    text: &'a str,
}

/// Gmail shows only the first 102 KB of a message's HTML.
pub const GMAIL_CLIP_BYTES: usize = 102 * 1024;

pub use crate::render::EMAIL_VIEWS;

/// The two files of a writer's email view.
#[derive(Debug)]
pub struct EmailViewFiles {
    /// `index.html`: the page around the email.
    pub page: String,
    /// `email.html`: the HTML part as sent, shown in the page's frames.
    pub html: String,
}

/// The writer's email view of `release` in a preview site: the HTML part
/// at phone and desktop widths, the text part, the subject and preheader,
/// the size against Gmail's clip, and who the next publish would send it
/// to (from the database when there is one; the preview never creates or
/// writes it). Served from [`crate::render::Urls::email_view`].
pub fn email_view(
    content: &crate::content::Content,
    release: &Release,
    audience: &Audience,
) -> anyhow::Result<EmailViewFiles> {
    use askama::Template;
    let config = &content.config;
    let hidden = content.unpublished(chrono::Utc::now());
    let rendered = crate::render::email::render(release, config, &hidden)?;
    let (html, text) =
        rendered.personalise(&format!("{}unsubscribe/preview", config.site.base_url));
    let html = html.replace(&format!("{}assets/", config.site.base_url), "/assets/");
    let recipients = recipients(content, release, audience);
    let ui = &config.site.default_lang;
    let page = EmailView {
        ui_lang: ui.as_str(),
        p: crate::i18n::preview_strings(ui),
        lang: release.lang.as_str(),
        lang_name: crate::i18n::strings(&release.lang).language_name,
        subject: &rendered.subject,
        preheader: &rendered.preheader,
        size_text: crate::i18n::format_size(rendered.html.len() as u64, ui),
        clipped: rendered.html.len() > GMAIL_CLIP_BYTES,
        email: release.publication.email,
        recipients,
        page_href: crate::render::Urls::new(config).path(&crate::render::Urls::release(
            &release.lang,
            release.slug.as_str(),
        )),
        text: &text,
    }
    .render()?;
    Ok(EmailViewFiles { page, html })
}

/// The mailable members of every list by their language, read once per
/// preview build (from the database if there is one, never creating it,
/// and from the CSV lists).
#[derive(Debug, Default, Hash)]
pub struct Audience {
    lists: std::collections::BTreeMap<String, Vec<(Option<crate::i18n::Lang>, u64)>>,
}

impl Audience {
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let db_path = crate::db::database_path(config);
        let db = if db_path.is_file() {
            Some(crate::db::Db::open(&db_path)?)
        } else {
            None
        };
        let mut lists = std::collections::BTreeMap::new();
        for (name, list) in &config.lists {
            let mut counts: std::collections::BTreeMap<Option<crate::i18n::Lang>, u64> =
                Default::default();
            match &list.source {
                Some(src) => {
                    crate::subscribers::csv_file::read(
                        &config.root.join(src),
                        &config.site.languages,
                        config.delivery.smtputf8,
                        |row| {
                            *counts.entry(row.lang).or_default() += 1;
                            Ok::<_, anyhow::Error>(())
                        },
                        |_| {},
                    )?;
                }
                None => {
                    if let Some(db) = &db {
                        for (lang, n) in db.subscribers().mailable_by_lang(name)? {
                            let lang = lang.and_then(|l| crate::i18n::Lang::parse(&l).ok());
                            *counts.entry(lang).or_default() += n;
                        }
                    }
                }
            }
            lists.insert(name.to_string(), counts.into_iter().collect());
        }
        Ok(Self { lists })
    }
}

/// Who the next publish would send `release`'s group to: per list, the
/// language version each reader gets, counted.
fn recipients(
    content: &crate::content::Content,
    release: &Release,
    audience: &Audience,
) -> Vec<RecipientRow> {
    if !release.publication.email {
        return vec![];
    }
    let group = crate::delivery::Group::of(content, release);
    let default = &content.config.site.default_lang;
    let mut rows: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for list in group.lists() {
        let Some(counts) = audience.lists.get(list.as_str()) else {
            continue;
        };
        // A list with nobody on it is a row too.
        rows.entry((list.to_string(), "-".into())).or_default();
        for (lang, n) in counts {
            let version = &group.version_for(lang.as_ref(), default).lang;
            *rows
                .entry((list.to_string(), version.to_string()))
                .or_default() += n;
        }
    }
    let listed: std::collections::BTreeSet<String> = rows
        .iter()
        .filter(|((_, lang), n)| lang != "-" && **n > 0)
        .map(|((list, _), _)| list.clone())
        .collect();
    rows.into_iter()
        .filter(|((list, lang), _)| lang != "-" || !listed.contains(list))
        .map(|((list, lang), count)| RecipientRow { list, lang, count })
        .collect()
}
