//! The configured relays, shared by every sender of a transport: each new
//! connection goes to the next relay in turn, and a relay that failed is
//! tried last for a while (failover).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{ConnectError, Connector, Session};

/// Every relay failed to open a session, each for its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Unreachable(pub Vec<ConnectError>);
use crate::config::relay::Relay;

/// Relays with the time each one is avoided until.
#[derive(Debug)]
pub struct RelayPool {
    pub relays: Vec<Relay>,
    down_until: Mutex<Vec<Option<Instant>>>,
    next: AtomicUsize,
    cooldown: Duration,
}

impl RelayPool {
    pub fn new(relays: Vec<Relay>, cooldown: Duration) -> Self {
        Self {
            down_until: Mutex::new(vec![None; relays.len()]),
            relays,
            next: AtomicUsize::new(0),
            cooldown,
        }
    }

    /// Connects to a relay, taking turns, trying relays that failed recently
    /// last; `Err` only when a connection to every relay failed just now.
    pub fn connect(&self, connector: &Connector) -> Result<(usize, Session), Unreachable> {
        let n = self.relays.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut order: Vec<usize> = (0..n).map(|k| (start + k) % n).collect();
        {
            let now = Instant::now();
            let down = self.down_until.lock().expect("lock");
            order.sort_by_key(|&i| down[i].is_some_and(|t| t > now));
        }
        let mut errors = vec![];
        for i in order {
            match connector.connect(&self.relays[i]) {
                Ok(c) => return Ok((i, c)),
                Err(e) => {
                    self.mark_down(i);
                    errors.push(e);
                }
            }
        }
        Err(Unreachable(errors))
    }

    /// Avoids relay `i` for the cooldown.
    pub fn mark_down(&self, i: usize) {
        self.down_until.lock().expect("lock")[i] = Some(Instant::now() + self.cooldown);
    }
}
