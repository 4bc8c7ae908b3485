//! The `recordings` table: each recorded shell and the bytes its file
//! holds, summed per link (its recording budget) and per sandbox.

use uuid::Uuid;

use super::{Context, Result, Store, now};

/// What a link (or a sandbox with no link) has recorded so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordingUse {
    /// Bytes written to all its recording files.
    pub bytes: u64,
    /// Whether one of its recordings was stopped at the budget.
    pub cut: bool,
}

impl Store {
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
