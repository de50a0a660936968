//! A per-IP limit on sign-ups: a fixed one-hour window per address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(3600);

/// Counts sign-ups per client address.
pub struct RateLimiter {
    per_hour: u32,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// `per_hour == 0` means no limit.
    pub fn new(per_hour: u32) -> Self {
        Self {
            per_hour,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt; false when the address is over its limit.
    pub fn allow(&self, ip: IpAddr) -> bool {
        if self.per_hour == 0 {
            return true;
        }
        let now = Instant::now();
        let mut seen = self.seen.lock().expect("lock");
        if seen.len() > 100_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_hour
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_its_limit_is_refused_and_others_are_not() {
        let l = RateLimiter::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(l.allow(a) && l.allow(a));
        assert!(!l.allow(a));
        assert!(l.allow(b));
        assert!(RateLimiter::new(0).allow(a));
    }
}
