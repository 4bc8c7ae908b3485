//! Link tokens: the capability in a learner's link. 160 random bits, written
//! in lower-case base32 so that a token also fits in a host name label
//! (`8080-<token>.sandpit.localhost`). Only their hash is stored.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

const BYTES: usize = 20;
/// Base32 of 20 bytes, without padding.
const LEN: usize = 32;

/// A learner link's secret. Its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken(String);

impl LinkToken {
    /// A fresh random token.
    pub fn generate() -> Self {
        let mut bytes = [0u8; BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(BASE32_NOPAD.encode(&bytes).to_ascii_lowercase())
    }

    /// The token written from 20 bytes (a derived secret).
    pub fn from_bytes(bytes: &[u8; BYTES]) -> Self {
        Self(BASE32_NOPAD.encode(bytes).to_ascii_lowercase())
    }

    /// Parses a token from a URL; None for anything that cannot be one.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() == LEN
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
        ok.then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The capability for the link's web UIs only, derived from the token
    /// one way: it cannot be turned back into the token, so a leaked proxied
    /// host name opens no learner page, terminal or check.
    pub fn web_key(&self) -> Self {
        let digest = Sha256::digest(format!("sandpit web key\0{}", self.0).as_bytes());
        Self(BASE32_NOPAD.encode(&digest[..BYTES]).to_ascii_lowercase())
    }

    /// What the store keeps: the hex SHA-256 of the token.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_and_differ() {
        let a = LinkToken::generate();
        let b = LinkToken::generate();
        assert_ne!(a, b);
        assert_eq!(LinkToken::parse(a.as_str()), Some(a.clone()));
        assert_eq!(a.as_str().len(), 32);
        assert_eq!(a.hash().len(), 64);
        assert_ne!(a.hash(), a.as_str());
    }

    #[test]
    fn anything_else_is_not_a_token() {
        for bad in [
            "",
            "short",
            &"A".repeat(32),
            &"a".repeat(31),
            &"a".repeat(33),
            &"1".repeat(32),
            &format!("{}/", "a".repeat(31)),
            "%2e%2e%2e%2e%2e%2e%2e%2e%2e%2e%2e%2e%2e%2e%2e%2e",
        ] {
            assert!(LinkToken::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_web_key_is_another_valid_token_derived_one_way() {
        let t = LinkToken::generate();
        let key = t.web_key();
        assert_ne!(key, t);
        assert_eq!(key, t.web_key(), "stable");
        assert_eq!(LinkToken::parse(key.as_str()), Some(key.clone()));
        assert_ne!(key.web_key(), t);
    }

    #[test]
    fn debug_does_not_reveal_the_token() {
        let t = LinkToken::generate();
        assert!(!format!("{t:?}").contains(t.as_str()));
    }
}
