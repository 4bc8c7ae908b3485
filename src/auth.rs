//! Accounts for trainers and admins: argon2id passwords, browser sessions
//! with a CSRF token each, revocable API tokens, and a limit on wrong
//! passwords. Learners have no account: their link is their key.

mod limiter;
mod password;

use std::time::Duration;

use data_encoding::BASE32_NOPAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::store::{ApiTokenInfo, Role, Session, Store, StoreError, User};

use limiter::Limiter;
pub use limiter::{FAILURE_WINDOW, MAX_FAILURES, MAX_FAILURES_PER_ADDRESS};
use password::verify_password;
pub use password::{
    MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, PasswordRule, acceptable_password, hash_password,
};

/// How long a browser session lasts.
pub const SESSION_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(12);
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
    #[error("{0}")]
    Unacceptable(PasswordRule),
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

    /// Creates an account with a generated password, returned once. It is
    /// printed for someone to pass on, so its owner must change it at their
    /// first sign-in.
    pub async fn create_user(&self, name: &str, role: Role) -> Result<(User, String), AuthError> {
        let name = valid_name(name)?;
        let password = random_secret(15);
        let user = self
            .store
            .insert_user(name, role, &hash_password(&password).await?, true)
            .await?;
        Ok((user, password))
    }

    /// Sets a new generated password for `name`, returned once, that must be
    /// changed at the next sign-in; ends its sessions.
    pub async fn reset_password(&self, name: &str) -> Result<String, AuthError> {
        let user = self
            .store
            .user_by_name(name)
            .await?
            .ok_or_else(|| AuthError::Invalid(format!("there is no user named `{name}`")))?;
        let password = random_secret(15);
        self.store
            .set_password(user.id, &hash_password(&password).await?, true, None)
            .await?;
        Ok(password)
    }

    /// Whether `password` is `hash`'s, one argon2 check at a time per core.
    async fn verify(&self, hash: &str, password: &str) -> bool {
        let _slot = self.hashing.acquire().await;
        verify_password(hash, password).await
    }

    /// Checks a name and password and starts a session. Wrong passwords
    /// count against the name and client address together, and against the
    /// address; past either limit every try is refused, right or wrong,
    /// until the window has passed.
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        client: &str,
    ) -> Result<NewSession, AuthError> {
        let tried = self
            .limiter
            .try_once(name, client)
            .map_err(|retry_after| AuthError::RateLimited { retry_after })?;
        let user = self.store.user_by_name(name.trim()).await?;
        // Verify against something even for unknown names, so that timing
        // does not tell which names exist.
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FuZHBpdGR1bW15c2FsdA$3Q9G3BkS7nTgfQ6m7u6x1l7F9bSx0H0bQmA1iYyH3kQ";
        let hash = user.as_ref().map_or(DUMMY, |u| u.password_hash.as_str());
        let ok = self.verify(hash, password).await;
        let Some(user) = user.filter(|_| ok) else {
            return Err(AuthError::WrongCredentials);
        };
        self.limiter.forgive(&tried);
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

    /// Replaces a signed-in user's password with one they chose, after
    /// checking their current one (counted like a sign-in, so a stolen
    /// session cannot guess it). Their other sessions end; the one whose
    /// cookie is `keep_cookie` stays.
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
        client: &str,
        keep_cookie: &str,
    ) -> Result<(), AuthError> {
        acceptable_password(new, current).map_err(AuthError::Unacceptable)?;
        let tried = self
            .limiter
            .try_once(&user.name, client)
            .map_err(|retry_after| AuthError::RateLimited { retry_after })?;
        // The hash as stored now: the session's copy may predate a reset.
        let stored = self
            .store
            .user(user.id)
            .await?
            .ok_or(AuthError::WrongCredentials)?;
        if !self.verify(&stored.password_hash, current).await {
            return Err(AuthError::WrongCredentials);
        }
        self.limiter.forgive(&tried);
        let hash = hash_password(new).await?;
        self.store
            .set_password(user.id, &hash, false, Some(&hash_secret(keep_cookie)))
            .await?;
        Ok(())
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
    async fn wrong_passwords_are_limited_per_name_and_address_then_refused() {
        let store = Store::in_memory().await.unwrap();
        let auth = Auth::new(store);
        let (_, password) = auth.create_user("ada", Role::Trainer).await.unwrap();
        for _ in 0..MAX_FAILURES {
            let e = auth.login("ada", "wrong", "10.0.0.1").await.err().unwrap();
            assert!(matches!(e, AuthError::WrongCredentials), "{e}");
        }
        // Even the right password waits now, from that address...
        let e = auth
            .login("ADA", &password, "10.0.0.1")
            .await
            .err()
            .unwrap();
        assert!(matches!(e, AuthError::RateLimited { .. }), "{e}");
        // ...but the owner signs in from their own.
        auth.login("ada", &password, "10.0.0.2").await.unwrap();
    }

    #[tokio::test]
    async fn a_changed_password_replaces_the_printed_one_and_ends_other_sessions() {
        let auth = Auth::new(Store::in_memory().await.unwrap());
        let (user, printed) = auth.create_user("dan", Role::Trainer).await.unwrap();
        assert!(user.must_change_password);
        let here = auth.login("dan", &printed, "10.0.0.1").await.unwrap();
        let elsewhere = auth.login("dan", &printed, "10.0.0.2").await.unwrap();
        assert!(here.session.user.must_change_password);
        let e = auth
            .change_password(&user, &printed, "short", "10.0.0.1", &here.cookie)
            .await
            .unwrap_err();
        assert!(
            matches!(e, AuthError::Unacceptable(PasswordRule::TooShort)),
            "{e}"
        );
        let e = auth
            .change_password(
                &user,
                "not it",
                "a long new password",
                "10.0.0.1",
                &here.cookie,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, AuthError::WrongCredentials), "{e}");
        auth.change_password(
            &user,
            &printed,
            "a long new password",
            "10.0.0.1",
            &here.cookie,
        )
        .await
        .unwrap();
        let kept = auth.session(&here.cookie).await.unwrap().unwrap();
        assert!(!kept.user.must_change_password);
        assert!(auth.session(&elsewhere.cookie).await.unwrap().is_none());
        assert!(auth.login("dan", &printed, "10.0.0.3").await.is_err());
        auth.login("dan", "a long new password", "10.0.0.3")
            .await
            .unwrap();
        // A reset prints a password that must be changed again.
        let reset = auth.reset_password("dan").await.unwrap();
        assert!(auth.session(&here.cookie).await.unwrap().is_none());
        let s = auth.login("dan", &reset, "10.0.0.3").await.unwrap();
        assert!(s.session.user.must_change_password);
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
