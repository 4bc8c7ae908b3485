//! What expiry and idle culling need of the `sandboxes` table: each live
//! sandbox's end, last activity and extensions, and ending one with a reason.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, Result, SandboxState, Store, StoreError};

/// Why a sandbox ended on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndReason {
    /// Its time limit (or its cohort's end) came.
    Expired,
    /// Nobody used it for the configured idle time.
    Idle,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Idle => "idle",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Expired, Self::Idle]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// A sandbox's timing, as the reaper and the learner page see it.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub id: Uuid,
    pub state: SandboxState,
    pub expires_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    /// The last activity written to the store (memory may know a later one).
    pub last_activity_at: Option<DateTime<Utc>>,
    /// How far the learner has moved `expires_at` on.
    pub extended_seconds: i64,
    pub ended_reason: Option<EndReason>,
    /// The end of the sandbox's cohort, if it has one.
    pub cohort_ends_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    state: String,
    expires_at: Option<DateTime<Utc>>,
    claimed_at: Option<DateTime<Utc>>,
    last_activity_at: Option<DateTime<Utc>>,
    extended_seconds: i64,
    ended_reason: Option<String>,
    cohort_ends_at: Option<DateTime<Utc>>,
}

impl Row {
    fn into_lifecycle(self) -> Result<Lifecycle> {
        let bad = |what: &str, value: &str| StoreError::Sql {
            context: format!("reading the lifecycle of sandbox {}", self.id),
            source: sqlx::Error::Decode(format!("{what} `{value}` is not valid").into()),
        };
        Ok(Lifecycle {
            id: Uuid::parse_str(&self.id).map_err(|_| bad("id", &self.id))?,
            state: SandboxState::parse(&self.state).ok_or_else(|| bad("state", &self.state))?,
            expires_at: self.expires_at,
            claimed_at: self.claimed_at,
            last_activity_at: self.last_activity_at,
            extended_seconds: self.extended_seconds,
            ended_reason: self.ended_reason.as_deref().and_then(EndReason::parse),
            cohort_ends_at: self.cohort_ends_at,
        })
    }
}

const SELECT: &str = "SELECT s.id, s.state, s.expires_at, s.claimed_at, s.last_activity_at, \
                      s.extended_seconds, s.ended_reason, c.ends_at AS cohort_ends_at \
                      FROM sandboxes s LEFT JOIN cohorts c ON c.id = s.cohort_id";

impl Store {
    /// One sandbox's timing.
    pub async fn lifecycle(&self, id: Uuid) -> Result<Lifecycle> {
        let row: Option<Row> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.id = ?")))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .context(|| format!("reading the lifecycle of sandbox {id}"))?;
        row.ok_or(StoreError::UnknownSandbox(id))?.into_lifecycle()
    }

    /// The timing of every sandbox that may still be ended (ready or claimed).
    pub async fn live_lifecycles(&self) -> Result<Vec<Lifecycle>> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE s.state IN ('ready', 'claimed')"
        )))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing live sandboxes' timing".into())?;
        rows.into_iter().map(Row::into_lifecycle).collect()
    }

    /// Marks a ready or claimed sandbox expired, saying why.
    pub async fn mark_ended(&self, id: Uuid, reason: EndReason) -> Result<()> {
        self.transition(
            id,
            SandboxState::Expired,
            ", ended_reason = ?",
            &[Some(reason.as_str().to_owned())],
        )
        .await
    }

    /// Writes when a sandbox was last used.
    pub async fn record_activity(&self, id: Uuid, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE sandboxes SET last_activity_at = ? WHERE id = ?")
            .bind(at)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .context(|| format!("recording activity of sandbox {id}"))?;
        Ok(())
    }

    /// Moves a claimed sandbox's end from `from` to `to`; false when it is no
    /// longer claimed or another extension got there first.
    pub async fn extend_sandbox(
        &self,
        id: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        extended_seconds: i64,
    ) -> Result<bool> {
        let current = self.lifecycle(id).await?;
        if current.state != SandboxState::Claimed || current.expires_at != Some(from) {
            return Ok(false);
        }
        let done = sqlx::query(
            "UPDATE sandboxes SET expires_at = ?, extended_seconds = ?, updated_at = ?
             WHERE id = ? AND state = 'claimed' AND extended_seconds = ?",
        )
        .bind(to)
        .bind(extended_seconds)
        .bind(super::now())
        .bind(id.to_string())
        .bind(current.extended_seconds)
        .execute(&self.pool)
        .await
        .context(|| format!("extending sandbox {id}"))?;
        Ok(done.rows_affected() == 1)
    }
}
