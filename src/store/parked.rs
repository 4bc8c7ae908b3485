//! Statements the LRS refused: parked in the outbox with its status and
//! answer, listed for admins, and put back in the queue on request.

use chrono::{DateTime, Utc};

use super::{Context, Result, Store, now};

/// A statement the LRS refused, with what it said.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ParkedRow {
    pub id: String,
    pub cohort_id: String,
    /// None when the cohort is gone.
    pub cohort_name: Option<String>,
    pub body: String,
    pub parked_at: DateTime<Utc>,
    /// The LRS's HTTP status.
    pub status: i64,
    /// What the LRS answered, cut short.
    pub answer: String,
    /// POSTs that carried it, the refused ones included.
    pub tries: i64,
}

impl Store {
    /// Sets a statement aside with the LRS's refusal; it is not tried again
    /// until [`Store::unpark_statements`].
    pub async fn park_statement(&self, id: &str, status: u16, answer: &str) -> Result<()> {
        sqlx::query(
            "UPDATE xapi_outbox SET parked_at = ?, refusal_status = ?, refusal_answer = ?,
                    tries = tries + 1, last_error = NULL
             WHERE id = ? AND sent_at IS NULL",
        )
        .bind(now())
        .bind(i64::from(status))
        .bind(answer)
        .bind(id)
        .execute(&self.pool)
        .await
        .context(|| format!("parking xAPI statement {id}"))?;
        Ok(())
    }

    /// How many statements are parked.
    pub async fn parked_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM xapi_outbox WHERE parked_at IS NOT NULL AND sent_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .context(|| "counting parked xAPI statements".into())?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Parked statements, the most recently refused first; at most `limit`
    /// when given.
    pub async fn parked_statements(&self, limit: Option<u32>) -> Result<Vec<ParkedRow>> {
        sqlx::query_as(
            "SELECT o.id, o.cohort_id, c.name AS cohort_name, o.body, o.parked_at,
                    COALESCE(o.refusal_status, 0) AS status,
                    COALESCE(o.refusal_answer, '') AS answer, o.tries
             FROM xapi_outbox o LEFT JOIN cohorts c ON c.id = o.cohort_id
             WHERE o.parked_at IS NOT NULL AND o.sent_at IS NULL
             ORDER BY o.parked_at DESC, o.rowid DESC LIMIT ?",
        )
        .bind(limit.map_or(-1, i64::from))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing parked xAPI statements".into())
    }

    /// Puts parked statements back in the queue, due now: the one with `id`,
    /// or all of them; returns how many.
    pub async fn unpark_statements(&self, id: Option<&str>) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE xapi_outbox SET parked_at = NULL, refusal_status = NULL,
                    refusal_answer = NULL, next_try_at = ?
             WHERE parked_at IS NOT NULL AND sent_at IS NULL AND (?2 IS NULL OR id = ?2)",
        )
        .bind(now().timestamp_millis())
        .bind(id)
        .execute(&self.pool)
        .await
        .context(|| "putting parked xAPI statements back in the queue".into())?;
        Ok(done.rows_affected())
    }
}
