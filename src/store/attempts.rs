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

    /// Deletes the attempts made before `before` in sandboxes that are no
    /// longer live, with the completions they earned, in one transaction;
    /// returns how many attempts went. The tallies the indicators read
    /// (`learner_exercises`, `learner_failures`) stay: they hold counts,
    /// not what a check printed, and go with their learner on erasure.
    pub async fn purge_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
        let what = || format!("purging the attempts made before {before}");
        let old = "SELECT a.id FROM attempts a JOIN sandboxes s ON s.id = a.sandbox_id
                   WHERE a.created_at < ?1
                     AND s.state NOT IN ('provisioning', 'ready', 'claimed')";
        let mut tx = self.pool.begin().await.context(what)?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM completions WHERE attempt_id IN ({old})"
        )))
        .bind(before)
        .execute(&mut *tx)
        .await
        .context(what)?;
        let purged = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM attempts WHERE id IN ({old})"
        )))
        .bind(before)
        .execute(&mut *tx)
        .await
        .context(what)?
        .rows_affected();
        tx.commit().await.context(what)?;
        Ok(purged)
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
    if a.outcome != Outcome::Error {
        tally(tx, a.sandbox_id, a.exercise_id).await.context(what)?;
    }
    if a.outcome == Outcome::Failed {
        count_failure(tx, a).await.context(what)?;
    }
    if a.outcome == Outcome::Passed {
        // Passing answers the learner's call for help on the exercise.
        sqlx::query(
            "UPDATE help_requests SET closed_at = ?3
             WHERE learner_id = (SELECT learner_id FROM sandboxes WHERE id = ?1)
               AND exercise_id = ?2 AND closed_at IS NULL",
        )
        .bind(a.sandbox_id.to_string())
        .bind(a.exercise_id)
        .bind(at)
        .execute(&mut *tx)
        .await
        .context(what)?;
    }
    Ok(CheckRecord {
        attempt_id,
        first_pass,
    })
}

/// Counts again, from its attempts, how the learner of `sandbox` did on
/// `exercise` (the row of `learner_exercises` the indicators read). A
/// sandbox with no roster learner has no row.
async fn tally(tx: &mut sqlx::SqliteConnection, sandbox: Uuid, exercise: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO learner_exercises
             (learner_id, exercise_id, attempts, first_passed, pass_number, passed_at, last_attempt_at)
         SELECT learner_id, exercise_id,
                COUNT(*),
                MAX(n = 1 AND outcome = 'passed'),
                MIN(CASE WHEN outcome = 'passed' THEN n END),
                MIN(CASE WHEN outcome = 'passed' THEN created_at END),
                MAX(created_at)
         FROM (SELECT l.id AS learner_id, a.exercise_id, a.outcome, a.created_at,
                      ROW_NUMBER() OVER (ORDER BY a.created_at, a.id) AS n
               FROM learners l
               JOIN sandboxes s ON s.learner_id = l.id
               JOIN attempts a ON a.sandbox_id = s.id
               WHERE l.id = (SELECT learner_id FROM sandboxes WHERE id = ?1)
                 AND a.exercise_id = ?2 AND a.outcome IN ('passed', 'failed'))
         GROUP BY learner_id, exercise_id
         ON CONFLICT (learner_id, exercise_id) DO UPDATE SET
             attempts = excluded.attempts,
             first_passed = excluded.first_passed,
             pass_number = excluded.pass_number,
             passed_at = excluded.passed_at,
             last_attempt_at = excluded.last_attempt_at",
    )
    .bind(sandbox.to_string())
    .bind(exercise)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Counts one more failed check of `a`'s exercise with `a`'s output for
/// the learner of `a`'s sandbox (`learner_failures`, the struggle
/// indicator's source). A sandbox with no roster learner counts nothing.
async fn count_failure(tx: &mut sqlx::SqliteConnection, a: &NewAttempt<'_>) -> sqlx::Result<()> {
    let learner =
        "SELECT l.id FROM sandboxes s JOIN learners l ON l.id = s.learner_id WHERE s.id = ?1";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO check_outputs (exercise_id, output)
         SELECT ?2, ?3 WHERE EXISTS ({learner})
         ON CONFLICT (exercise_id, output) DO NOTHING"
    )))
    .bind(a.sandbox_id.to_string())
    .bind(a.exercise_id)
    .bind(a.output)
    .execute(&mut *tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO learner_failures (learner_id, output_id, count)
         SELECT ({learner}), o.id, 1 FROM check_outputs o
         WHERE o.exercise_id = ?2 AND o.output = ?3 AND EXISTS ({learner})
         ON CONFLICT (learner_id, output_id) DO UPDATE SET count = count + 1"
    )))
    .bind(a.sandbox_id.to_string())
    .bind(a.exercise_id)
    .bind(a.output)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
