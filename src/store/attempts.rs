//! Attempts (every press of Check) and completions (the first pass of each
//! exercise). These are the product's memory: written in one transaction,
//! committed before anyone is told the result.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, Result, Store, now};

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    /// The check could not run (engine trouble, timeout): not the learner's fault.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Error => "error",
        }
    }
}

/// One recorded attempt.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Attempt {
    pub id: i64,
    pub sandbox_id: String,
    pub learner: Option<String>,
    pub exercise_id: String,
    pub outcome: String,
    pub output: String,
    pub detail: String,
    pub duration_ms: i64,
    pub created_at: DateTime<Utc>,
}

/// What recording an attempt produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CheckRecord {
    pub attempt_id: i64,
    /// True when this attempt is the exercise's completion.
    pub first_pass: bool,
}

/// An attempt about to be recorded.
pub struct NewAttempt<'a> {
    pub sandbox_id: Uuid,
    pub learner: Option<&'a str>,
    pub exercise_id: &'a str,
    pub outcome: Outcome,
    pub output: &'a str,
    pub detail: &'a str,
    pub duration: Duration,
}

impl Store {
    /// Records an attempt and, if it is the first pass, the completion, in
    /// one committed transaction.
    pub async fn record_attempt(&self, a: NewAttempt<'_>) -> Result<CheckRecord> {
        let what = || {
            format!(
                "recording an attempt at {} in sandbox {}",
                a.exercise_id, a.sandbox_id
            )
        };
        let mut tx = self.pool.begin().await.context(what)?;
        let recorded = record_attempt(&mut tx, &a, now()).await?;
        tx.commit().await.context(what)?;
        Ok(recorded)
    }

    /// Every attempt made in a sandbox, oldest first.
    pub async fn attempts(&self, sandbox_id: Uuid) -> Result<Vec<Attempt>> {
        sqlx::query_as(
            "SELECT id, sandbox_id, learner, exercise_id, outcome, output, detail, duration_ms, created_at
             FROM attempts WHERE sandbox_id = ? ORDER BY id",
        )
        .bind(sandbox_id.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the attempts of sandbox {sandbox_id}"))
    }

    /// When each completed exercise of a sandbox was completed.
    pub async fn completions(&self, sandbox_id: Uuid) -> Result<BTreeMap<String, DateTime<Utc>>> {
        let rows: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT exercise_id, completed_at FROM completions WHERE sandbox_id = ?",
        )
        .bind(sandbox_id.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the completions of sandbox {sandbox_id}"))?;
        Ok(rows.into_iter().collect())
    }
}

/// [`Store::record_attempt`] made `at`, inside `tx` (the caller commits).
pub(super) async fn record_attempt(
    tx: &mut sqlx::SqliteConnection,
    a: &NewAttempt<'_>,
    at: DateTime<Utc>,
) -> Result<CheckRecord> {
    let what = || {
        format!(
            "recording an attempt at {} in sandbox {}",
            a.exercise_id, a.sandbox_id
        )
    };
    let duration_ms = i64::try_from(a.duration.as_millis()).unwrap_or(i64::MAX);
    let attempt_id: i64 = sqlx::query_scalar(
        "INSERT INTO attempts (sandbox_id, learner, exercise_id, outcome, output, detail, duration_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(a.sandbox_id.to_string())
    .bind(a.learner)
    .bind(a.exercise_id)
    .bind(a.outcome.as_str())
    .bind(a.output)
    .bind(a.detail)
    .bind(duration_ms)
    .bind(at)
    .fetch_one(&mut *tx)
    .await
    .context(what)?;
    let first_pass = if a.outcome == Outcome::Passed {
        sqlx::query(
            "INSERT OR IGNORE INTO completions (sandbox_id, exercise_id, attempt_id, completed_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(a.sandbox_id.to_string())
        .bind(a.exercise_id)
        .bind(attempt_id)
        .bind(at)
        .execute(&mut *tx)
        .await
        .context(what)?
        .rows_affected()
            == 1
    } else {
        false
    };
    Ok(CheckRecord {
        attempt_id,
        first_pass,
    })
}
