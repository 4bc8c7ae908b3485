//! Small per-sandbox subnets carved from one configured range. The engine's
//! default address pools hold only 30 networks, so Sandpit allocates
//! explicit subnets itself.

use std::collections::HashSet;
use std::sync::Mutex;

use ipnet::Ipv4Net;
use rand::Rng;

use crate::sync::Locked;

/// Hands out non-overlapping subnets of one prefix length from a range.
#[derive(Debug)]
pub struct SubnetPool {
    range: Ipv4Net,
    prefix: u8,
    reserved: Mutex<HashSet<Ipv4Net>>,
}

impl SubnetPool {
    /// A pool of `/prefix` subnets in `range`; the prefix must leave room for
    /// a gateway and at least one sandbox address (at most /29).
    pub fn new(range: Ipv4Net, prefix: u8) -> Result<Self, String> {
        if prefix < range.prefix_len() || prefix > 29 {
            return Err(format!(
                "subnet prefix /{prefix} must be between the range's /{} and /29",
                range.prefix_len()
            ));
        }
        Ok(Self {
            range: range.trunc(),
            prefix,
            reserved: Mutex::new(HashSet::new()),
        })
    }

    pub fn range(&self) -> Ipv4Net {
        self.range
    }

    /// How many subnets the pool holds in all.
    pub fn capacity(&self) -> u64 {
        1u64 << (self.prefix - self.range.prefix_len())
    }

    /// Reserves a free subnet that overlaps none of `taken` (subnets the
    /// engine already uses). Starts at a random place so that several
    /// processes sharing one engine rarely pick the same one.
    pub fn reserve(&self, taken: &HashSet<Ipv4Net>) -> Option<Ipv4Net> {
        let count = self.capacity();
        let start = rand::rng().random_range(0..count);
        let mut reserved = self.reserved.locked();
        let step = 1u64 << (32 - self.prefix);
        let base = u64::from(u32::from(self.range.network()));
        for i in 0..count {
            let index = (start + i) % count;
            let addr = u32::try_from(base + index * step).ok()?;
            let net = Ipv4Net::new(addr.into(), self.prefix).ok()?;
            let overlaps =
                |other: &Ipv4Net| other.contains(&net.network()) || net.contains(&other.network());
            if !reserved.contains(&net) && !taken.iter().any(overlaps) {
                reserved.insert(net);
                return Some(net);
            }
        }
        None
    }

    /// How many subnets are neither reserved nor overlapping `taken`.
    pub fn free(&self, taken: &HashSet<Ipv4Net>) -> u64 {
        let reserved = self.reserved.locked();
        let step = 1u64 << (32 - self.prefix);
        let base = u64::from(u32::from(self.range.network()));
        (0..self.capacity())
            .filter_map(|i| {
                Ipv4Net::new(u32::try_from(base + i * step).ok()?.into(), self.prefix).ok()
            })
            .filter(|net| {
                !reserved.contains(net)
                    && !taken.iter().any(|other| {
                        other.contains(&net.network()) || net.contains(&other.network())
                    })
            })
            .count() as u64
    }

    /// Gives a subnet back; releasing one not reserved is harmless.
    pub fn release(&self, net: Ipv4Net) {
        self.reserved.locked().remove(&net);
    }

    /// Marks a subnet as in use (found on the engine at start).
    pub fn mark_used(&self, net: Ipv4Net) {
        if self.range.contains(&net.network()) {
            self.reserved.locked().insert(net);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn hands_out_every_subnet_once_then_none() {
        let pool = SubnetPool::new(net("10.231.0.0/24"), 28).unwrap();
        assert_eq!(pool.capacity(), 16);
        let mut seen = HashSet::new();
        for _ in 0..16 {
            let s = pool.reserve(&HashSet::new()).unwrap();
            assert_eq!(s.prefix_len(), 28);
            assert!(net("10.231.0.0/24").contains(&s));
            assert!(seen.insert(s), "{s} handed out twice");
        }
        assert_eq!(pool.reserve(&HashSet::new()), None);
        pool.release(net("10.231.0.32/28"));
        assert_eq!(pool.reserve(&HashSet::new()), Some(net("10.231.0.32/28")));
    }

    #[test]
    fn avoids_subnets_the_engine_already_uses() {
        let pool = SubnetPool::new(net("10.231.0.0/26"), 28).unwrap();
        let taken: HashSet<_> = [net("10.231.0.0/27"), net("10.231.0.48/28")].into();
        assert_eq!(pool.reserve(&taken), Some(net("10.231.0.32/28")));
        assert_eq!(pool.reserve(&taken), None);
    }

    #[test]
    fn rejects_prefixes_that_do_not_fit() {
        assert!(SubnetPool::new(net("10.231.0.0/16"), 30).is_err());
        assert!(SubnetPool::new(net("10.231.0.0/16"), 12).is_err());
    }
}
