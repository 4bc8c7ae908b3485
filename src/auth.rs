//! Accounts for trainers and admins: argon2id passwords, browser sessions
//! with a CSRF token each, revocable API tokens, and a limit on wrong
//! passwords. Learners have no account: their link is their key.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use data_encoding::BASE32_NOPAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::store::{ApiTokenInfo, Role, Session, Store, StoreError, User};

/// How long a browser session lasts.
pub const SESSION_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(12);
/// Wrong passwords allowed per account name, and per client address, in [`FAILURE_WINDOW`].
pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// What every API token starts with, so that scanners can spot a leaked one.
pub const API_TOKEN_PREFIX: &str = "sandpit_";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("hashing a password: {0}")]
    Hash(String),
    #[error("the name or the password is wrong")]
    WrongCredentials,
    #[error("too many wrong passwords; try again in {} s", .retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    Invalid(String),
}

/// A random secret of `bytes` bytes, in lower-case base32.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    BASE32_NOPAD.encode(&buf).to_ascii_lowercase()
}

/// What the store keeps of a secret: its hex SHA-256.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// An argon2id hash (PHC string) of `password`, with a fresh salt.
pub async fn hash_password(password: &str) -> Result<String, AuthError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| AuthError::Hash(e.to_string()))?
}

async fn verify_password(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// Checks an account name: what a trainer types at the login page.
pub fn valid_name(name: &str) -> Result<&str, AuthError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AuthError::Invalid(
            "a user name has 1 to 64 characters".into(),
        ));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(AuthError::Invalid(
            "a user name cannot hold control characters".into(),
        ));
    }
    Ok(name)
}

/// Counts wrong passwords per account name and per client address, in memory.
#[derive(Default)]
struct Limiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// Counts a try against `keys` before the password is even checked, so
    /// that parallel tries cannot all slip under the limit; or says how long
    /// to wait if any key is over it.
    fn try_once(&self, keys: &[String]) -> Result<Instant, Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let blocked = keys
            .iter()
            .filter_map(|k| {
                let q = map.get_mut(k)?;
                while q.front().is_some_and(|t| now - *t > FAILURE_WINDOW) {
                    q.pop_front();
                }
                (q.len() >= MAX_FAILURES).then(|| FAILURE_WINDOW - (now - q[0]))
            })
            .max();
        if let Some(wait) = blocked {
            return Err(wait);
        }
        // Bound the memory an attacker trying many names can take.
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now - *t < FAILURE_WINDOW));
        }
        for k in keys {
            map.entry(k.clone()).or_default().push_back(now);
        }
        Ok(now)
    }

    /// Takes back the try counted at `at` for `key` (the password was right).
    fn forgive(&self, key: &str, at: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(q) = map.get_mut(key)
            && let Some(i) = q.iter().rposition(|t| *t == at)
        {
            q.remove(i);
        }
    }
}

/// Accounts, sessions and tokens over the store.
pub struct Auth {
    store: Store,
    limiter: Limiter,
    /// argon2 takes ~19 MiB and a core per check: a burst of logins waits
    /// here instead of taking the machine.
    hashing: tokio::sync::Semaphore,
}

/// A session just started: the cookie's value is shown once, here.
pub struct NewSession {
    pub cookie: String,
    pub session: Session,
}

impl Auth {
    pub fn new(store: Store) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            store,
            limiter: Limiter::default(),
            hashing: tokio::sync::Semaphore::new(cores),
        }
    }

    /// Creates an account with a generated password, returned once.
    pub async fn create_user(&self, name: &str, role: Role) -> Result<(User, String), AuthError> {
        let name = valid_name(name)?;
        let password = random_secret(15);
        let user = self
            .store
            .insert_user(name, role, &hash_password(&password).await?)
            .await?;
        Ok((user, password))
    }

    /// Sets a new generated password for `name`, returned once; ends its sessions.
    pub async fn reset_password(&self, name: &str) -> Result<String, AuthError> {
        let user = self
            .store
            .user_by_name(name)
            .await?
            .ok_or_else(|| AuthError::Invalid(format!("there is no user named `{name}`")))?;
        let password = random_secret(15);
        self.store
            .set_password(user.id, &hash_password(&password).await?)
            .await?;
        Ok(password)
    }

    /// Checks a name and password and starts a session. Wrong passwords
    /// count against the name and the client address; past the limit every
    /// try is refused, right or wrong, until the window has passed.
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        client: &str,
    ) -> Result<NewSession, AuthError> {
        let keys = [
            format!("name:{}", name.trim().to_lowercase()),
            format!("addr:{client}"),
        ];
        let tried_at = self
            .limiter
            .try_once(&keys)
            .map_err(|retry_after| AuthError::RateLimited { retry_after })?;
        let user = self.store.user_by_name(name.trim()).await?;
        // Verify against something even for unknown names, so that timing
        // does not tell which names exist.
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FuZHBpdGR1bW15c2FsdA$3Q9G3BkS7nTgfQ6m7u6x1l7F9bSx0H0bQmA1iYyH3kQ";
        let hash = user.as_ref().map_or(DUMMY, |u| u.password_hash.as_str());
        let ok = {
            let _slot = self.hashing.acquire().await;
            verify_password(hash, password).await
        };
        let Some(user) = user.filter(|_| ok) else {
            return Err(AuthError::WrongCredentials);
        };
        for key in &keys {
            self.limiter.forgive(key, tried_at);
        }
        let cookie = random_secret(32);
        let csrf_token = random_secret(20);
        let expires_at = chrono::Utc::now() + SESSION_LIFETIME;
        self.store
            .insert_session(&hash_secret(&cookie), user.id, &csrf_token, expires_at)
            .await?;
        Ok(NewSession {
            cookie,
            session: Session {
                user,
                csrf_token,
                expires_at,
            },
        })
    }

    /// The session a cookie's value opens, if it is live.
    pub async fn session(&self, cookie: &str) -> Result<Option<Session>, AuthError> {
        Ok(self.store.session(&hash_secret(cookie)).await?)
    }

    pub async fn logout(&self, cookie: &str) -> Result<(), AuthError> {
        Ok(self.store.delete_session(&hash_secret(cookie)).await?)
    }

    /// Creates an API token for `user`; the token is returned once.
    pub async fn create_token(
        &self,
        user: &User,
        name: &str,
    ) -> Result<(String, ApiTokenInfo), AuthError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(AuthError::Invalid(
                "a token's name has 1 to 100 characters".into(),
            ));
        }
        let token = format!("{API_TOKEN_PREFIX}{}", random_secret(20));
        let info = self
            .store
            .insert_api_token(&hash_secret(&token), user.id, name)
            .await?;
        Ok((token, info))
    }

    /// The user an API token belongs to, if it is live.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>, AuthError> {
        if !token.starts_with(API_TOKEN_PREFIX) || token.len() > 128 {
            return Ok(None);
        }
        Ok(self.store.api_token_user(&hash_secret(token)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_and_wrong_ones_do_not() {
        let h = hash_password("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse").await);
        assert!(!verify_password(&h, "correct horsE").await);
        assert!(!verify_password("not a hash", "x").await);
    }

    #[tokio::test]
    async fn wrong_passwords_are_limited_per_name_then_refused() {
        let store = Store::in_memory().await.unwrap();
        let auth = Auth::new(store);
        let (_, password) = auth.create_user("ada", Role::Trainer).await.unwrap();
        for _ in 0..MAX_FAILURES {
            let e = auth.login("ada", "wrong", "10.0.0.1").await.err().unwrap();
            assert!(matches!(e, AuthError::WrongCredentials), "{e}");
        }
        // Even the right password waits now, from any address.
        let e = auth
            .login("ADA", &password, "10.0.0.2")
            .await
            .err()
            .unwrap();
        assert!(matches!(e, AuthError::RateLimited { .. }), "{e}");
    }

    #[tokio::test]
    async fn parallel_wrong_passwords_get_no_more_tries_than_the_limit() {
        let auth = std::sync::Arc::new(Auth::new(Store::in_memory().await.unwrap()));
        auth.create_user("eve", Role::Trainer).await.unwrap();
        let tries = (0..20).map(|i| {
            let auth = auth.clone();
            tokio::spawn(async move { auth.login("eve", &format!("guess{i}"), "10.0.0.9").await })
        });
        let mut checked = 0;
        for t in futures_util::future::join_all(tries).await {
            match t.unwrap() {
                Err(AuthError::WrongCredentials) => checked += 1,
                Err(AuthError::RateLimited { .. }) => {}
                other => panic!("{:?}", other.err()),
            }
        }
        assert_eq!(
            checked, MAX_FAILURES,
            "only {MAX_FAILURES} passwords were ever checked"
        );
    }

    #[tokio::test]
    async fn a_session_and_a_token_open_their_user_until_ended() {
        let auth = Auth::new(Store::in_memory().await.unwrap());
        let (user, password) = auth.create_user("bob", Role::Admin).await.unwrap();
        let s = auth.login("bob", &password, "127.0.0.1").await.unwrap();
        assert_eq!(s.session.user.id, user.id);
        let found = auth.session(&s.cookie).await.unwrap().unwrap();
        assert_eq!(found.csrf_token, s.session.csrf_token);
        auth.logout(&s.cookie).await.unwrap();
        assert!(auth.session(&s.cookie).await.unwrap().is_none());

        let (token, info) = auth.create_token(&user, "ci").await.unwrap();
        assert_eq!(auth.token_user(&token).await.unwrap().unwrap().id, user.id);
        assert!(auth.token_user("sandpit_nope").await.unwrap().is_none());
        assert!(auth.store.revoke_api_token(&info.id).await.unwrap());
        assert!(auth.token_user(&token).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn names_are_unique_without_regard_to_case() {
        let auth = Auth::new(Store::in_memory().await.unwrap());
        auth.create_user("Carol", Role::Trainer).await.unwrap();
        let e = auth
            .create_user("carol", Role::Trainer)
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("carol"), "{e}");
    }
}
