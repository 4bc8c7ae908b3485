//! The `recordings` table: each recorded shell and the bytes its file
//! holds, summed per link (its recording budget) and per sandbox.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, DbUuid, Result, Store, now};

/// A recorded shell: its sandbox (and that sandbox's learner, if a
/// cohort's), its file, its size and when it started.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordingRecord {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    #[sqlx(try_from = "String")]
    pub sandbox_id: DbUuid,
    pub learner_id: Option<String>,
    /// Its name under `recordings/<sandbox_id>/`.
    pub file: String,
    pub bytes: i64,
    pub started_at: DateTime<Utc>,
    pub cut_at: Option<DateTime<Utc>>,
}

const RECORDING: &str =
    "SELECT r.id, r.sandbox_id, s.learner_id, r.file, r.bytes, r.started_at, r.cut_at
     FROM recordings r JOIN sandboxes s ON s.id = r.sandbox_id";

/// What a link (or a sandbox with no link) has recorded so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordingUse {
    /// Bytes written to all its recording files.
    pub bytes: u64,
    /// Whether one of its recordings was stopped at the budget.
    pub cut: bool,
}

impl Store {
    /// One recording.
    pub async fn recording(&self, id: Uuid) -> Result<Option<RecordingRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{RECORDING} WHERE r.id = ?")))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .context(|| format!("reading terminal recording {id}"))
    }

    /// The recordings of every sandbox `learner` had, oldest first.
    pub async fn learner_recordings(&self, learner: Uuid) -> Result<Vec<RecordingRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{RECORDING} WHERE s.learner_id = ? ORDER BY r.started_at, r.id"
        )))
        .bind(learner.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the terminal recordings of learner {learner}"))
    }

    /// Notes a new recording file of `sandbox`, counted in `budget_key`'s budget.
    pub async fn insert_recording(
        &self,
        id: Uuid,
        sandbox: Uuid,
        budget_key: &str,
        file: &str,
        bytes: u64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO recordings (id, sandbox_id, budget_key, file, bytes, started_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(sandbox.to_string())
        .bind(budget_key)
        .bind(file)
        .bind(i64::try_from(bytes).unwrap_or(i64::MAX))
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| format!("noting a terminal recording of sandbox {sandbox}"))?;
        Ok(())
    }

    /// Sets how many bytes a recording's file holds, and marks it cut.
    pub async fn set_recording_bytes(&self, id: Uuid, bytes: u64, cut: bool) -> Result<()> {
        sqlx::query(
            "UPDATE recordings SET bytes = ?,
                 cut_at = CASE WHEN ? AND cut_at IS NULL THEN ? ELSE cut_at END
             WHERE id = ?",
        )
        .bind(i64::try_from(bytes).unwrap_or(i64::MAX))
        .bind(cut)
        .bind(now())
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .context(|| format!("counting the bytes of terminal recording {id}"))?;
        Ok(())
    }

    /// What all recordings under `budget_key` hold.
    pub async fn recording_use(&self, budget_key: &str) -> Result<RecordingUse> {
        let (bytes, cut): (i64, bool) = sqlx::query_as(
            "SELECT COALESCE(SUM(bytes), 0), COALESCE(MAX(cut_at IS NOT NULL), 0)
             FROM recordings WHERE budget_key = ?",
        )
        .bind(budget_key)
        .fetch_one(&self.pool)
        .await
        .context(|| "summing a link's terminal recordings".into())?;
        Ok(RecordingUse {
            bytes: u64::try_from(bytes).unwrap_or(0),
            cut,
        })
    }
}
