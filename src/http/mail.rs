//! The confirmation email of a web sign-up (askama `.html` + `.txt`), sent
//! through the configured transport: an SMTP relay, or the outbox.

use anyhow::{Context, bail};
use askama::Template;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::config::Config;
use crate::delivery::{Transport, message::from_mailbox};
use crate::i18n::{self, WebStrings};
use crate::lang::Lang;
use crate::subscribers::EmailAddress;

#[derive(Template)]
#[template(path = "email/confirm.html")]
struct ConfirmHtml<'a> {
    lang: &'a str,
    w: &'static WebStrings,
    link: &'a str,
    org_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/confirm.txt")]
struct ConfirmText<'a> {
    w: &'static WebStrings,
    link: &'a str,
    org_name: &'a str,
}

/// Builds the confirmation message.
pub fn confirmation(
    config: &Config,
    to: &EmailAddress,
    lang: &Lang,
    link: &str,
) -> anyhow::Result<Message> {
    let w = i18n::web_strings(lang);
    let org_name = config
        .organization
        .name
        .get(lang, &config.site.default_lang);
    let html = ConfirmHtml {
        lang: lang.as_str(),
        w,
        link,
        org_name,
    }
    .render()?;
    let text = ConfirmText { w, link, org_name }.render()?;
    let to = Mailbox::new(None, to.to_lettre());
    Message::builder()
        .from(from_mailbox(config, lang)?)
        .to(to)
        .subject(w.confirm_subject)
        .date_now()
        .raw_header(lettre::message::header::HeaderValue::new(
            lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ))
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
        .context("cannot build the confirmation message")
}

/// Sends (or writes to the outbox) one message.
pub fn deliver(transport: &Transport, to: &EmailAddress, message: &Message) -> anyhow::Result<()> {
    let bytes = message.formatted();
    match transport {
        Transport::Outbox(dir) => {
            let name = format!(
                "{}-{}.eml",
                &to.hash()[..24],
                chrono::Utc::now().timestamp_micros()
            );
            crate::files::write_outbox(&dir.join("confirmations"), &name, &bytes)
                .context("cannot write the confirmation email to the outbox")?;
            Ok(())
        }
        Transport::Smtp { relays, connector } => {
            let from = message.envelope().from().cloned().context("no sender")?;
            let rcpt = to.to_lettre();
            let mut errors = vec![];
            for relay in relays {
                match connector.connect(relay) {
                    Ok(mut c) => {
                        let r = crate::delivery::relay::send(&mut c, &from, &rcpt, &bytes);
                        c.quit();
                        match r {
                            Ok(_) => return Ok(()),
                            Err(e) => errors.push(format!("{relay}: {e:?}")),
                        }
                    }
                    Err(e) => errors.push(e),
                }
            }
            bail!(
                "the confirmation email could not be sent: {}",
                errors.join("; ")
            )
        }
    }
}
