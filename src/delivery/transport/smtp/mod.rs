//! SMTP relays: `smtp://` (STARTTLS, required unless the relay is on
//! loopback) and `smtps://` (implicit TLS), with credentials from the
//! environment. A transaction that fails is reset (RSET) or its connection
//! dropped, never reused dirty.

mod pipelining;
mod pool;
mod session;

use std::time::Duration;

pub use pool::{RelayPool, Unreachable};
pub use session::{ConnectError, Connector, Session, Step};

use super::{Envelope, SendError};
use crate::config::relay::Relay;

/// The relays and how to connect to them.
#[derive(Debug)]
pub struct Smtp {
    pub pool: RelayPool,
    pub connector: Connector,
}

impl Smtp {
    /// `cooldown`: how long a relay that failed is tried last.
    pub fn new(relays: Vec<Relay>, connector: Connector, cooldown: Duration) -> Self {
        Self {
            pool: RelayPool::new(relays, cooldown),
            connector,
        }
    }

    pub fn relays(&self) -> &[Relay] {
        &self.pool.relays
    }
}

/// One open connection of a sender, and the relay it goes to.
pub(super) struct Open {
    relay: usize,
    session: Session,
}

impl Open {
    pub(super) fn relay(&self) -> usize {
        self.relay
    }

    pub(super) fn quit(mut self) {
        self.session.quit();
    }
}

/// Sends one message on `open` (connecting first if there is no
/// connection), with the commands of the `next` one after its content when
/// the relay offers PIPELINING. A lost connection is dropped and its relay
/// avoided for a while. Returns the relay's name with the outcome.
pub(super) fn send(
    smtp: &Smtp,
    open: &mut Option<Open>,
    envelope: &Envelope<'_>,
    bytes: &[u8],
    next: Option<&Envelope<'_>>,
) -> (String, Result<String, SendError>) {
    let to = envelope.to.to_lettre();
    if open.as_ref().is_some_and(|o| {
        o.session
            .ahead
            .as_ref()
            .is_some_and(|(f, t)| f != envelope.from || *t != to)
    }) {
        // The commands written ahead were for a message that is not sent
        // after all (the run stopped, it could not be built): the relay
        // waits for that content, so the connection is closed, unused.
        *open = None;
    }
    if open.is_none() {
        match smtp.pool.connect(&smtp.connector) {
            Ok((relay, session)) => *open = Some(Open { relay, session }),
            Err(e) => {
                return (
                    String::new(),
                    Err(SendError::Unavailable(format!(
                        "every relay is unreachable: {e}"
                    ))),
                );
            }
        }
    }
    let o = open.as_mut().expect("connected");
    let relay = o.relay;
    let name = smtp.pool.relays[relay].to_string();
    let next = next.map(|n| (n.from.clone(), n.to.to_lettre()));
    let result = pipelining::send(
        &mut o.session,
        envelope.from,
        &to,
        bytes,
        next.as_ref().map(|(f, t)| (f, t)),
    );
    if let Err(SendError::Transient {
        connection_lost: true,
        ..
    }) = &result
    {
        smtp.pool.mark_down(relay);
        *open = None;
    }
    (name, result)
}
