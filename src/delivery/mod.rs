//! Delivery: per-recipient messages, SMTP relays (or an outbox of `.eml`
//! files), the durable journal and the engine that sends each release to
//! each recipient exactly once.

pub mod dkim;
pub mod engine;
pub mod message;
pub mod plan;
pub mod transport;
pub mod verp;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

/// The token in a test copy's unsubscribe link: the subscription service
/// answers it with a page saying so, and changes nothing.
pub const TEST_COPY_TOKEN: &str = "test-copy";

pub use engine::{Limits, RunSummary};
pub use message::{Prepared, Recipient};
pub use plan::{Group, PlanReport};
pub use transport::{Delivered, Envelope, SendError, Transport};

use crate::config::Config;
use crate::i18n::Lang;
use crate::render::email;

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

/// Renders each language version of a group once and prepares it for
/// sending; links to the pages in `hidden` (not out yet) are text.
pub fn prepare(
    config: &Config,
    group: &Group<'_>,
    hidden: &crate::markdown::Unpublished,
) -> anyhow::Result<HashMap<Lang, Prepared>> {
    let dkim = std::sync::Arc::new(message::dkim_signers(config)?);
    let mut out = HashMap::new();
    for r in &group.versions {
        let rendered = email::render(r, config, hidden)
            .with_context(|| format!("cannot render {}", r.source.path.display()))?;
        out.insert(
            r.lang.clone(),
            Prepared::new(config, &group.key, &r.lang, &rendered, dkim.clone())?,
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
    if group.versions.iter().all(|r| r.publication.draft) {
        bail!(
            "{} is a draft: remove `draft: true` before sending (or send a test copy with --to)",
            first.source.path.display()
        );
    }
    if group.versions.iter().all(|r| !r.publication.email) {
        bail!(
            "{} has `email: false`: it is published on the site only",
            first.source.path.display()
        );
    }
    if group.versions.iter().all(|r| r.is_withdrawn(now)) {
        bail!(
            "{} was withdrawn from the site (`withdrawn:`): it is not sent again",
            first.source.path.display()
        );
    }
    if group.versions.iter().all(|r| r.publication.date > now) {
        bail!(
            "{} is under embargo until {}: it cannot be sent before then (a test copy with --to can)",
            first.source.path.display(),
            first
                .publication
                .date
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M %Z")
        );
    }
    Ok(())
}
