//! The confirmation email of a web sign-up (askama `.html` + `.txt`), sent
//! through the configured transport: an SMTP relay, or the outbox.

use anyhow::Context;
use askama::Template;

use crate::config::Config;
use crate::delivery::dkim::Signer;
use crate::delivery::{Transport, message};
use crate::i18n::{self, WebStrings};
use crate::lang::Lang;
use crate::subscribers::EmailAddress;

#[derive(Template)]
#[template(path = "email/confirm.html")]
struct ConfirmHtml<'a> {
    lang: &'a str,
    w: &'static WebStrings,
    t: &'static i18n::Strings,
    privacy: Option<&'a str>,
    subject: &'a str,
    link: &'a str,
    org_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/confirm.txt")]
struct ConfirmText<'a> {
    w: &'static WebStrings,
    t: &'static i18n::Strings,
    privacy: Option<&'a str>,
    subject: &'a str,
    link: &'a str,
    org_name: &'a str,
}

/// Builds the confirmation message: the envelope sender and the signed
/// bytes.
pub fn confirmation(
    config: &Config,
    signers: &[Signer],
    to: &EmailAddress,
    lang: &Lang,
    link: &str,
) -> anyhow::Result<(lettre::Address, Vec<u8>)> {
    let w = i18n::web_strings(lang);
    let org_name = config
        .organization
        .name
        .get(lang, &config.site.default_lang);
    let subject = i18n::confirm_subject(config, lang);
    let t = i18n::strings(lang);
    let privacy = config
        .organization
        .privacy_url
        .as_ref()
        .map(|u| u.get(lang, &config.site.default_lang));
    let html = ConfirmHtml {
        lang: lang.as_str(),
        w,
        t,
        privacy,
        subject: &subject,
        link,
        org_name,
    }
    .render()?;
    let text = ConfirmText {
        w,
        t,
        privacy,
        subject: &subject,
        link,
        org_name,
    }
    .render()?;
    message::one_off(config, lang, to, &subject, text, html, signers)
        .context("cannot build the confirmation message")
}

/// Sends (or writes to the outbox) the confirmation email.
pub fn deliver(
    transport: &Transport,
    from: &lettre::Address,
    to: &EmailAddress,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let name = format!(
        "{}-{}.eml",
        &to.hash()[..24],
        chrono::Utc::now().timestamp_micros()
    );
    let envelope = crate::delivery::Envelope {
        from,
        to,
        folder: "confirmations",
        name: &name,
    };
    transport
        .send(&envelope, bytes)
        .context("the confirmation email could not be sent")?;
    Ok(())
}
