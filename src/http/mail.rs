//! The confirmation email of a web sign-up (askama `.html` + `.txt`), sent
//! through the configured transport: an SMTP relay, or the outbox.

use anyhow::Context;
use askama::Template;
use serde::Serialize;

use crate::config::Config;
use crate::delivery::dkim::Signer;
use crate::delivery::{Transport, message};
use crate::i18n::Lang;
use crate::i18n::{self, WebStrings};
use crate::subscribers::EmailAddress;
use crate::theme::optional;

#[derive(Template, Serialize)]
#[template(path = "email/confirm.html")]
struct ConfirmHtml<'a> {
    lang: &'a str,
    w: &'static WebStrings,
    t: &'static i18n::Strings,
    #[serde(serialize_with = "optional")]
    privacy: Option<&'a str>,
    subject: &'a str,
    link: &'a str,
    org_name: &'a str,
    colors: crate::config::look::EmailColors,
}

#[derive(Template, Serialize)]
#[template(path = "email/confirm.txt")]
struct ConfirmText<'a> {
    w: &'static WebStrings,
    t: &'static i18n::Strings,
    #[serde(serialize_with = "optional")]
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
    let parts = confirmation_parts(config, lang, link)?;
    message::one_off(
        config,
        lang,
        to,
        &parts.subject,
        parts.text,
        parts.html,
        signers,
    )
    .context("cannot build the confirmation message")
}

/// The confirmation message's subject and its two parts.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfirmationParts {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders the confirmation email of a sign-up in `lang`, with `link`.
pub fn confirmation_parts(
    config: &Config,
    lang: &Lang,
    link: &str,
) -> Result<ConfirmationParts, crate::theme::RenderError> {
    let w = i18n::web_strings(lang);
    let org_name = config
        .organization
        .name
        .get(lang, &config.site.default_lang);
    let subject = confirm_subject(config, lang);
    let t = i18n::strings(lang);
    let privacy = config
        .organization
        .privacy_url
        .as_ref()
        .map(|u| u.get(lang, &config.site.default_lang));
    let theme = &config.theme;
    let html = theme.render(
        "email/confirm.html",
        &ConfirmHtml {
            lang: lang.as_str(),
            w,
            t,
            privacy,
            subject: &subject,
            link,
            org_name,
            colors: crate::config::look::EmailColors::of(config.site.colors.as_ref()),
        },
    )?;
    let text = theme.render(
        "email/confirm.txt",
        &ConfirmText {
            w,
            t,
            privacy,
            subject: &subject,
            link,
            org_name,
        },
    )?;
    Ok(ConfirmationParts {
        subject,
        text,
        html,
    })
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

/// The confirmation email's subject in `lang`, with the organisation's
/// name in the genitive where the configuration gives it.
pub(crate) fn confirm_subject(config: &crate::config::Config, lang: &Lang) -> String {
    let genitive = config
        .organization
        .name_genitive
        .as_ref()
        .and_then(|g| g.get_exact(lang));
    i18n::confirm_subject(genitive, lang)
}
