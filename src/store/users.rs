//! Trainer and admin accounts, their browser sessions and their API tokens.
//! Only hashes of secrets are stored.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, Result, Store, StoreError, now};

/// What an account may do: a trainer manages their own cohorts, an admin
/// sees and manages everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Trainer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Trainer => "trainer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "trainer" => Some(Self::Trainer),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    /// Set while the password is one somebody else saw (printed by the
    /// CLI): every page but the change page sends its owner there.
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    name: String,
    role: String,
    password_hash: String,
    must_change_password: bool,
    created_at: DateTime<Utc>,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        let bad = |what: &str| StoreError::Sql {
            context: format!("reading user {}", self.name),
            source: sqlx::Error::Decode(format!("{what} is not valid").into()),
        };
        Ok(User {
            id: Uuid::parse_str(&self.id).map_err(|_| bad("id"))?,
            role: Role::parse(&self.role).ok_or_else(|| bad("role"))?,
            name: self.name,
            password_hash: self.password_hash,
            must_change_password: self.must_change_password,
            created_at: self.created_at,
        })
    }
}

/// A browser session, found by the hash of its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ApiTokenInfo {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const USER_COLUMNS: &str =
    "u.id, u.name, u.role, u.password_hash, u.must_change_password, u.created_at";

impl Store {
    /// Creates an account; fails with [`StoreError::Duplicate`] if the name is taken.
    pub async fn insert_user(
        &self,
        name: &str,
        role: Role,
        password_hash: &str,
        must_change_password: bool,
    ) -> Result<User> {
        let id = Uuid::new_v4();
        let done = sqlx::query(
            "INSERT INTO users (id, name, role, password_hash, must_change_password, created_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(must_change_password)
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| format!("creating user {name}"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Duplicate(format!("a user named `{name}`")));
        }
        self.user(id)
            .await?
            .ok_or_else(|| StoreError::Duplicate(format!("a user named `{name}`")))
    }

    /// Replaces an account's password and ends its sessions, all but the
    /// one whose hash is `keep` (the owner changing it on a page stays
    /// signed in there). `must_change` says whether the new password is
    /// one somebody else saw.
    pub async fn set_password(
        &self,
        id: Uuid,
        password_hash: &str,
        must_change: bool,
        keep: Option<&str>,
    ) -> Result<()> {
        let what = || format!("setting the password of user {id}");
        let mut tx = self.pool.begin().await.context(what)?;
        sqlx::query("UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?")
            .bind(password_hash)
            .bind(must_change)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .context(what)?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?")
            .bind(id.to_string())
            .bind(keep)
            .execute(&mut *tx)
            .await
            .context(what)?;
        tx.commit().await.context(what)
    }

    pub async fn user(&self, id: Uuid) -> Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = ? AND u.disabled_at IS NULL"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading user {id}"))?;
        row.map(UserRow::into_user).transpose()
    }

    /// An enabled account by name (names are case-insensitive).
    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.name = ? AND u.disabled_at IS NULL"
        )))
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading user {name}"))?;
        row.map(UserRow::into_user).transpose()
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.disabled_at IS NULL ORDER BY u.name"
        )))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing users".into())?;
        rows.into_iter().map(UserRow::into_user).collect()
    }

    pub async fn insert_session(
        &self,
        id_hash: &str,
        user: Uuid,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id_hash)
        .bind(user.to_string())
        .bind(csrf_token)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .context(|| format!("starting a session for user {user}"))?;
        Ok(())
    }

    /// The live session with this hash, with its (enabled) user.
    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            csrf_token: String,
            expires_at: DateTime<Utc>,
        }
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s
             JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL"
        )))
        .bind(id_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .context(|| "reading a session".into())?;
        row.map(|r| {
            Ok(Session {
                user: r.user.into_user()?,
                csrf_token: r.csrf_token,
                expires_at: r.expires_at,
            })
        })
        .transpose()
    }

    /// Ends a session (logout); also drops every expired one.
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ? OR expires_at <= ?")
            .bind(id_hash)
            .bind(now())
            .execute(&self.pool)
            .await
            .context(|| "ending a session".into())?;
        Ok(())
    }

    pub async fn insert_api_token(
        &self,
        token_hash: &str,
        user: Uuid,
        name: &str,
    ) -> Result<ApiTokenInfo> {
        let id = Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(token_hash)
        .bind(user.to_string())
        .bind(name)
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| format!("creating an API token for user {user}"))?;
        Ok(ApiTokenInfo {
            id,
            name: name.to_owned(),
            user_id: user.to_string(),
            created_at: now(),
            last_used_at: None,
            revoked_at: None,
        })
    }

    /// The enabled user an unrevoked API token belongs to; notes its use.
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>> {
        let user: Option<String> = sqlx::query_scalar(
            "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? AND revoked_at IS NULL
             RETURNING user_id",
        )
        .bind(now())
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .context(|| "looking up an API token".into())?;
        match user.and_then(|u| Uuid::parse_str(&u).ok()) {
            Some(id) => self.user(id).await,
            None => Ok(None),
        }
    }

    pub async fn api_tokens(&self, user: Option<Uuid>) -> Result<Vec<ApiTokenInfo>> {
        sqlx::query_as(
            "SELECT id, name, user_id, created_at, last_used_at, revoked_at FROM api_tokens
             WHERE (?1 IS NULL OR user_id = ?1) ORDER BY created_at",
        )
        .bind(user.map(|u| u.to_string()))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing API tokens".into())
    }

    /// Revokes a token by id; false if there was no such live token.
    pub async fn revoke_api_token(&self, id: &str) -> Result<bool> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(now())
                .bind(id)
                .execute(&self.pool)
                .await
                .context(|| format!("revoking API token {id}"))?;
        Ok(done.rows_affected() == 1)
    }
}
