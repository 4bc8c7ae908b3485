//! Passwords: argon2id hashes (with a fresh salt each), and the rules a
//! password a user chooses must meet.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use super::AuthError;

/// The shortest password a user may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest: argon2 hashes anything, but a megabyte per try is a cost
/// an attacker should not be able to make Sandpit pay.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why a new password was refused; each has a message in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_PASSWORD_BYTES} bytes")]
    TooLong,
    #[error("the new password must differ from the current one")]
    Unchanged,
}

/// Checks a password a user chose.
pub fn acceptable_password(new: &str, current: &str) -> Result<(), PasswordRule> {
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordRule::TooShort);
    }
    if new.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordRule::TooLong);
    }
    if new == current {
        return Err(PasswordRule::Unchanged);
    }
    Ok(())
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

pub(super) async fn verify_password(hash: &str, password: &str) -> bool {
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

    #[test]
    fn chosen_passwords_are_long_enough_bounded_and_new() {
        assert_eq!(
            acceptable_password("eleven char", "x"),
            Err(PasswordRule::TooShort)
        );
        // Characters, not bytes: twelve accented letters pass.
        assert_eq!(acceptable_password("éééééééééééé", "x"), Ok(()));
        let huge = "a".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(acceptable_password(&huge, "x"), Err(PasswordRule::TooLong));
        assert_eq!(
            acceptable_password("the same old password", "the same old password"),
            Err(PasswordRule::Unchanged)
        );
    }
}
