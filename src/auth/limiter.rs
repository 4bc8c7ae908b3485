//! Wrong passwords, counted in memory per account name and client address
//! together (a stranger failing against one name from one address locks
//! out only that pair) and per address (one address cannot try every name).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sync::Locked;

/// Wrong passwords allowed per (account name, client address) in [`FAILURE_WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// Wrong passwords allowed per client address, over every name, in [`FAILURE_WINDOW`].
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// A try counted against its keys; forgiven when the password was right.
#[derive(Debug)]
pub struct Try {
    keys: [(String, usize); 2],
    at: Instant,
}

#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// The part of a client address one person controls: an IPv4 address, or
/// an IPv6 /64 (one subscriber's usual allocation, so that walking through
/// it gives no more tries). Anything else (a test's label) is kept whole.
fn address_key(client: &str) -> String {
    match client.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(ip) => ip.to_string(),
        Err(_) => client.to_owned(),
    }
}

impl Limiter {
    /// Counts a try by `client` at `name` before the password is even
    /// checked, so that parallel tries cannot all slip under the limit; or
    /// says how long to wait if the pair or the address is over its limit.
    pub fn try_once(&self, name: &str, client: &str) -> Result<Try, Duration> {
        let address = address_key(client);
        // The separator cannot be in an address, so pairs cannot collide.
        let pair = format!("pair:{address}|{}", name.trim().to_lowercase());
        let keys = [
            (pair, MAX_FAILURES),
            (format!("addr:{address}"), MAX_FAILURES_PER_ADDRESS),
        ];
        let mut map = self.failures.locked();
        let now = Instant::now();
        let blocked = keys
            .iter()
            .filter_map(|(k, max)| {
                let q = map.get_mut(k)?;
                while q.front().is_some_and(|t| now - *t > FAILURE_WINDOW) {
                    q.pop_front();
                }
                (q.len() >= *max).then(|| FAILURE_WINDOW - (now - q[q.len() - max]))
            })
            .max();
        if let Some(wait) = blocked {
            return Err(wait);
        }
        // Bound the memory an attacker trying many names can take.
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now - *t < FAILURE_WINDOW));
        }
        for (k, _) in &keys {
            map.entry(k.clone()).or_default().push_back(now);
        }
        Ok(Try { keys, at: now })
    }

    /// Takes back a try (the password was right).
    pub fn forgive(&self, t: &Try) {
        let mut map = self.failures.locked();
        for (key, _) in &t.keys {
            if let Some(q) = map.get_mut(key)
                && let Some(i) = q.iter().rposition(|at| *at == t.at)
            {
                q.remove(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(l: &Limiter, name: &str, client: &str, times: usize) {
        for _ in 0..times {
            l.try_once(name, client).expect("not limited yet");
        }
    }

    #[test]
    fn a_pair_over_its_limit_leaves_other_names_and_addresses_alone() {
        let l = Limiter::default();
        fail(&l, "alice", "10.0.0.1", MAX_FAILURES);
        assert!(l.try_once("Alice ", "10.0.0.1").is_err());
        assert!(l.try_once("admin", "10.0.0.1").is_ok());
        assert!(l.try_once("alice", "10.0.0.2").is_ok());
    }

    #[test]
    fn one_address_cannot_try_every_name() {
        let l = Limiter::default();
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            l.try_once(&format!("user{i}"), "10.0.0.3").unwrap();
        }
        let wait = l.try_once("someone-else", "10.0.0.3").unwrap_err();
        assert!(wait <= FAILURE_WINDOW && wait > Duration::ZERO);
        assert!(l.try_once("someone-else", "10.0.0.4").is_ok());
    }

    #[test]
    fn an_ipv6_subnet_counts_as_one_address() {
        let l = Limiter::default();
        for i in 0..MAX_FAILURES {
            l.try_once("alice", &format!("2001:db8:1:2::{i:x}"))
                .unwrap();
        }
        assert!(l.try_once("alice", "2001:db8:1:2:ffff::1").is_err());
        assert!(l.try_once("alice", "2001:db8:1:3::1").is_ok());
        // An IPv4 address written as IPv6 is that IPv4 address.
        fail(&l, "bob", "::ffff:10.0.0.9", MAX_FAILURES);
        assert!(l.try_once("bob", "10.0.0.9").is_err());
    }

    #[test]
    fn a_forgiven_try_does_not_count() {
        let l = Limiter::default();
        for _ in 0..MAX_FAILURES * 2 {
            let t = l.try_once("carol", "10.0.0.5").unwrap();
            l.forgive(&t);
        }
        assert!(l.try_once("carol", "10.0.0.5").is_ok());
    }
}
