//! Delivery: per-recipient messages, SMTP relays (or an outbox of `.eml`
//! files), the durable journal and the engine that sends each release to
//! each recipient exactly once.

pub mod dkim;
pub mod engine;
pub mod message;
pub mod plan;
pub mod relay;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

/// The token in a test copy's unsubscribe link: the subscription service
/// answers it with a page saying so, and changes nothing.
pub const TEST_COPY_TOKEN: &str = "test-copy";

pub use engine::{Limits, RunSummary, Transport};
pub use message::{Prepared, Recipient};
pub use plan::{Group, PlanReport};
pub use relay::{Connector, Relay};

use crate::config::Config;
use crate::render::email;
use crate::subscribers;

/// The relays: `PRESSROOM_RELAYS` (comma-separated), else `[delivery] relays`.
pub fn relays(config: &Config) -> anyhow::Result<Vec<Relay>> {
    let list: Vec<String> = match std::env::var("PRESSROOM_RELAYS") {
        Ok(v) if !v.trim().is_empty() => v
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => config.delivery.relays.clone(),
    };
    list.iter()
        .map(|r| Relay::parse(r).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()
        .context("in PRESSROOM_RELAYS or [delivery] relays")
}

/// The transport the configuration asks for.
pub fn transport(config: &Config) -> anyhow::Result<Transport> {
    let relays = relays(config)?;
    if relays.is_empty() {
        return Ok(Transport::Outbox(config.root.join(&config.delivery.outbox)));
    }
    let ca_pem = match &config.delivery.ca_file {
        Some(f) => {
            let p = config.root.join(f);
            Some(
                std::fs::read(&p)
                    .with_context(|| format!("cannot read the CA file {}", p.display()))?,
            )
        }
        None => None,
    };
    let from = message::from_mailbox(config, &config.site.default_lang)?;
    let connector = Connector::from_env(
        Duration::from_secs_f64(config.delivery.timeout_seconds.max(1.0)),
        ca_pem,
        from.email.domain(),
    );
    Ok(Transport::Smtp { relays, connector })
}

pub fn limits(config: &Config) -> Limits {
    let d = &config.delivery;
    Limits {
        concurrency: d.concurrency.max(1),
        rate_per_second: d.rate_per_second,
        max_per_hour: d.max_per_hour,
        max_attempts: d.max_attempts.max(1),
        retry_delay: Duration::from_secs_f64(d.retry_delay_seconds.max(0.0)),
        max_consecutive_failures: d.max_consecutive_failures,
    }
}

/// Renders each language version of a group once and prepares it for sending.
pub fn prepare(config: &Config, group: &Group<'_>) -> anyhow::Result<HashMap<String, Prepared>> {
    let dkim = std::sync::Arc::new(message::dkim_signers(config)?);
    let mut out = HashMap::new();
    for r in &group.versions {
        let rendered = email::render(r, config)
            .with_context(|| format!("cannot render {}", r.path.display()))?;
        out.insert(
            r.lang.to_string(),
            Prepared::new(config, &group.key, r.lang.as_str(), &rendered, dkim.clone())?,
        );
    }
    Ok(out)
}

/// Where the outbox is, for messages to the user.
pub fn outbox_dir(config: &Config) -> PathBuf {
    config.root.join(&config.delivery.outbox)
}

/// Checks that a group may be emailed now.
pub fn ensure_sendable(
    group: &Group<'_>,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> anyhow::Result<()> {
    let first = group.versions[0];
    if group.versions.iter().all(|r| r.draft) {
        bail!(
            "{} is a draft: remove `draft: true` before sending (or send a test copy with --to)",
            first.path.display()
        );
    }
    if group.versions.iter().all(|r| !r.email) {
        bail!(
            "{} has `email: false`: it is published on the site only",
            first.path.display()
        );
    }
    if group.versions.iter().all(|r| r.date > now) {
        bail!(
            "{} is under embargo until {}: it cannot be sent before then (a test copy with --to can)",
            first.path.display(),
            first.date.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
        );
    }
    Ok(())
}

/// Where one message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Written to the outbox at this path.
    Outbox(PathBuf),
    /// Accepted by this relay with this reply.
    Relay { relay: String, reply: String },
}

/// Delivers one message that is not in the journal (a test copy, a
/// confirmation email): to the first relay that accepts it, trying each in
/// turn, or into `outbox/FOLDER/NAME` without relays.
pub fn deliver_one(
    transport: &Transport,
    from: &lettre::Address,
    to: &subscribers::EmailAddress,
    bytes: &[u8],
    outbox: (&str, &str),
) -> anyhow::Result<Delivered> {
    match transport {
        Transport::Outbox(dir) => {
            let (folder, name) = outbox;
            let path = crate::files::write_outbox(&dir.join(folder), name, bytes)
                .with_context(|| format!("cannot write to the outbox {}", dir.display()))?;
            Ok(Delivered::Outbox(path))
        }
        Transport::Smtp { relays, connector } => {
            let rcpt = to.to_lettre();
            let mut errors = vec![];
            for relay in relays {
                match connector.connect(relay) {
                    Ok(mut c) => {
                        let r = relay::send(&mut c, from, &rcpt, bytes);
                        c.quit();
                        match r {
                            Ok(reply) => {
                                return Ok(Delivered::Relay {
                                    relay: relay.to_string(),
                                    reply,
                                });
                            }
                            // A refusal is the relay's answer: another relay
                            // would give the same.
                            Err(e @ relay::SendError::Permanent { .. }) => {
                                bail!("{relay} refused the message: {e:?}")
                            }
                            Err(e) => errors.push(format!("{relay}: {e:?}")),
                        }
                    }
                    Err(e) => errors.push(e),
                }
            }
            bail!("no relay accepted the message: {}", errors.join("; "))
        }
    }
}
