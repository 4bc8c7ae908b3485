//! The `links` table: learner links, known only by their token's hash.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, Result, Store, now};

/// A learner link as the store knows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct LinkRecord {
    pub token_hash: String,
    pub scenario_id: String,
    pub cohort_id: Option<String>,
    pub learner: Option<String>,
    pub learner_id: Option<String>,
    pub sandbox_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The one exercise the link opens onto (a refresher's), if any.
    pub only_exercise: Option<String>,
}

impl LinkRecord {
    /// The roster line (cohort learner) the link is for, if any.
    pub fn roster_learner(&self) -> Option<Uuid> {
        self.learner_id
            .as_deref()
            .and_then(|l| Uuid::parse_str(l).ok())
    }

    pub fn sandbox(&self) -> Option<Uuid> {
        self.sandbox_id
            .as_deref()
            .and_then(|s| Uuid::parse_str(s).ok())
    }
}

impl Store {
    pub async fn insert_link(
        &self,
        token_hash: &str,
        web_key_hash: &str,
        scenario_id: &str,
        cohort_id: Option<&str>,
        learner: Option<&str>,
        sandbox: Option<Uuid>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO links (token_hash, web_key_hash, scenario_id, cohort_id, learner, sandbox_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(web_key_hash)
        .bind(scenario_id)
        .bind(cohort_id)
        .bind(learner)
        .bind(sandbox.map(|s| s.to_string()))
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| "recording a learner link".into())?;
        Ok(())
    }

    /// The link with this token hash, unless it was revoked.
    pub async fn link(&self, token_hash: &str) -> Result<Option<LinkRecord>> {
        self.link_where("token_hash", token_hash).await
    }

    /// The link whose web key has this hash, unless it was revoked.
    pub async fn link_by_web_key(&self, web_key_hash: &str) -> Result<Option<LinkRecord>> {
        self.link_where("web_key_hash", web_key_hash).await
    }

    async fn link_where(&self, column: &'static str, hash: &str) -> Result<Option<LinkRecord>> {
        let sql = format!(
            "SELECT token_hash, scenario_id, cohort_id, learner, learner_id, sandbox_id, created_at,
                    revoked_at, only_exercise
             FROM links WHERE {column} = ? AND revoked_at IS NULL"
        );
        // `column` is one of two fixed names above.
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .context(|| "looking up a learner link".into())
    }
}
