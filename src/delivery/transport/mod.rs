//! Where messages go, behind one [`Transport::send`]: SMTP relays (with
//! failover, timeouts, PIPELINING) or, without a relay, an outbox of `.eml`
//! files. The sending engine, `send --to` test copies and the subscription
//! service's confirmation emails all go through it.

mod error;
pub mod outbox;
pub mod smtp;

use std::path::PathBuf;
use std::time::Duration;

use lettre::Address;

pub use error::{SendError, Stage, enhanced_status};
pub use smtp::{Connector, Smtp};

use crate::config::Config;
use crate::config::relay::{Relay, RelayError};
use crate::subscribers::EmailAddress;

/// Who a message is from and to, and what its outbox file is called.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// The envelope sender (MAIL FROM).
    pub from: &'a Address,
    /// The one recipient (RCPT TO).
    pub to: &'a EmailAddress,
    /// The outbox folder (a release key, `test`, `confirmations`).
    pub folder: &'a str,
    /// The outbox file name.
    pub name: &'a str,
}

/// Where one accepted message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Written to the outbox at this path.
    Outbox(PathBuf),
    /// Accepted by this relay with this reply.
    Relay { relay: String, reply: String },
}

impl Delivered {
    /// The relay's name, or `outbox`.
    pub fn via(&self) -> String {
        match self {
            Delivered::Outbox(_) => "outbox".into(),
            Delivered::Relay { relay, .. } => relay.clone(),
        }
    }

    /// The relay's reply, or the outbox file.
    pub fn reply(&self) -> String {
        match self {
            Delivered::Outbox(path) => path.display().to_string(),
            Delivered::Relay { reply, .. } => reply.clone(),
        }
    }
}

/// Where messages go.
#[derive(Debug)]
pub enum Transport {
    Smtp(Smtp),
    /// No relay configured: `.eml` files in this directory.
    Outbox(PathBuf),
}

/// Why the configured transport cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("in PRESSROOM_RELAYS or [delivery] relays: {0}")]
    Relay(#[from] RelayError),
    #[error("cannot read the CA file {}: {source}", path.display())]
    CaFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    From(#[from] super::message::MessageError),
}

/// The relays: `PRESSROOM_RELAYS` (comma-separated), else `[delivery] relays`.
pub fn relays(config: &Config) -> Result<Vec<Relay>, TransportError> {
    let list: Vec<String> = match std::env::var("PRESSROOM_RELAYS") {
        Ok(v) if !v.trim().is_empty() => v
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => config.delivery.relays.clone(),
    };
    Ok(list
        .iter()
        .map(|r| Relay::parse(r))
        .collect::<Result<Vec<_>, _>>()?)
}

impl Transport {
    /// The transport the configuration asks for.
    pub fn from_config(config: &Config) -> Result<Self, TransportError> {
        let relays = relays(config)?;
        if relays.is_empty() {
            return Ok(Transport::Outbox(config.root.join(&config.delivery.outbox)));
        }
        let ca_pem = match &config.delivery.ca_file {
            Some(f) => {
                let p = config.root.join(f);
                Some(
                    std::fs::read(&p)
                        .map_err(|source| TransportError::CaFile { path: p, source })?,
                )
            }
            None => None,
        };
        let from = super::message::from_mailbox(config, &config.site.default_lang)?;
        let connector = Connector::from_env(
            Duration::from_secs_f64(config.delivery.timeout_seconds.max(1.0)),
            ca_pem,
            from.email.domain(),
        );
        let cooldown = Duration::from_secs_f64(config.delivery.retry_delay_seconds.max(0.0))
            .max(Duration::from_millis(100));
        Ok(Transport::Smtp(Smtp::new(relays, connector, cooldown)))
    }

    /// Where messages go, for a person.
    pub fn describe(&self) -> String {
        match self {
            Transport::Outbox(dir) => {
                format!("the outbox {} (no relay configured)", dir.display())
            }
            Transport::Smtp(smtp) => smtp
                .relays()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// A sender that keeps its connection open from one message to the next
    /// (one per sending thread).
    pub fn sender(&self) -> Sender<'_> {
        Sender {
            transport: self,
            open: None,
        }
    }

    /// Sends one message on a connection of its own. A relay that cannot
    /// take it now (unreachable, 4xx, timeout) hands it to the next; a
    /// refusal (5xx) is the answer, since another relay would give the same.
    pub fn send(&self, envelope: &Envelope<'_>, bytes: &[u8]) -> Result<Delivered, SendError> {
        let tries = match self {
            Transport::Smtp(smtp) => smtp.relays().len().max(1),
            Transport::Outbox(_) => 1,
        };
        let mut errors = vec![];
        for _ in 0..tries {
            let mut sender = self.sender();
            match sender.send(envelope, bytes) {
                Ok(d) => return Ok(d),
                Err(SendError::Transient { reply, .. }) => {
                    if let Some(relay) = sender.relay() {
                        sender.transport.mark_down(relay);
                    }
                    errors.push(reply);
                }
                Err(e) => return Err(e),
            }
        }
        Err(SendError::Unavailable(format!(
            "no relay accepted the message: {}",
            errors.join("; ")
        )))
    }

    fn mark_down(&self, relay: usize) {
        if let Transport::Smtp(smtp) = self {
            smtp.pool.mark_down(relay);
        }
    }
}

/// Sends messages one after another on one connection ([`Transport::sender`]).
/// The connection is closed (QUIT) when the sender is dropped.
pub struct Sender<'a> {
    transport: &'a Transport,
    open: Option<smtp::Open>,
}

impl Sender<'_> {
    /// Sends one message. After an error the sender may be used again: a
    /// refused transaction was reset, a lost connection is reopened.
    pub fn send(&mut self, envelope: &Envelope<'_>, bytes: &[u8]) -> Result<Delivered, SendError> {
        self.send_before(envelope, bytes, None)
    }

    /// [`Sender::send`], telling a relay the `next` message's sender and
    /// recipient with this one's content (one round trip a message); the
    /// next call must send that message, or the connection is closed
    /// first, unused.
    pub fn send_before(
        &mut self,
        envelope: &Envelope<'_>,
        bytes: &[u8],
        next: Option<&Envelope<'_>>,
    ) -> Result<Delivered, SendError> {
        match self.transport {
            Transport::Outbox(dir) => outbox::write(dir, envelope.folder, envelope.name, bytes)
                .map(Delivered::Outbox)
                .map_err(|e| {
                    SendError::Unavailable(format!(
                        "cannot write to the outbox {}: {e}",
                        dir.display()
                    ))
                }),
            Transport::Smtp(smtp) => {
                let (relay, result) = smtp::send(smtp, &mut self.open, envelope, bytes, next);
                result.map(|reply| Delivered::Relay { relay, reply })
            }
        }
    }

    /// The relay of the open connection, if any.
    fn relay(&self) -> Option<usize> {
        self.open.as_ref().map(smtp::Open::relay)
    }

    /// The name of the relay of the open connection (for a failure that
    /// names no relay: empty).
    pub fn relay_name(&self) -> String {
        match (self.transport, self.relay()) {
            (Transport::Smtp(smtp), Some(i)) => smtp.relays()[i].to_string(),
            (Transport::Outbox(_), _) => "outbox".into(),
            _ => String::new(),
        }
    }
}

impl Drop for Sender<'_> {
    fn drop(&mut self) {
        if let Some(open) = self.open.take() {
            open.quit();
        }
    }
}
