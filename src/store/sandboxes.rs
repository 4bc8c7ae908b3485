//! The `sandboxes` table and the state machine every sandbox follows:
//! provisioning → ready → claimed → expired | destroyed | failed.

use std::fmt;

use chrono::{DateTime, Utc};
// Dynamic SQL here only joins fixed column lists and `?` placeholders.
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::{Context, Result, Store, StoreError, now};

/// Where a sandbox is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SandboxState {
    Provisioning,
    Ready,
    Claimed,
    Expired,
    Destroyed,
    Failed,
}

impl SandboxState {
    pub const ALL: [Self; 6] = [
        Self::Provisioning,
        Self::Ready,
        Self::Claimed,
        Self::Expired,
        Self::Destroyed,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioning => "provisioning",
            Self::Ready => "ready",
            Self::Claimed => "claimed",
            Self::Expired => "expired",
            Self::Destroyed => "destroyed",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// True while the sandbox may own engine objects.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Provisioning | Self::Ready | Self::Claimed)
    }

    /// The states a sandbox may move to `self` from.
    fn allowed_from(self) -> &'static [Self] {
        use SandboxState::*;
        match self {
            Provisioning => &[],
            Ready => &[Provisioning],
            Claimed => &[Ready],
            Expired => &[Ready, Claimed],
            Failed => &[Provisioning, Ready, Claimed],
            Destroyed => &[Provisioning, Ready, Claimed, Expired, Failed],
        }
    }
}

impl fmt::Display for SandboxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sandbox as the store knows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SandboxRecord {
    pub id: Uuid,
    pub scenario_id: String,
    pub cohort_id: Option<String>,
    pub learner: Option<String>,
    /// The cohort learner who claimed it.
    pub learner_id: Option<String>,
    pub state: SandboxState,
    pub container_id: Option<String>,
    pub network_id: Option<String>,
    pub address: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ready_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    scenario_id: String,
    cohort_id: Option<String>,
    learner: Option<String>,
    learner_id: Option<String>,
    state: String,
    container_id: Option<String>,
    network_id: Option<String>,
    address: Option<String>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    ready_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    claimed_at: Option<DateTime<Utc>>,
}

impl Row {
    fn into_record(self) -> Result<SandboxRecord> {
        let bad = |what: &str, value: &str| StoreError::Sql {
            context: format!("reading sandbox {}", self.id),
            source: sqlx::Error::Decode(format!("{what} `{value}` is not valid").into()),
        };
        Ok(SandboxRecord {
            id: Uuid::parse_str(&self.id).map_err(|_| bad("id", &self.id))?,
            state: SandboxState::parse(&self.state).ok_or_else(|| bad("state", &self.state))?,
            scenario_id: self.scenario_id,
            cohort_id: self.cohort_id,
            learner: self.learner,
            learner_id: self.learner_id,
            container_id: self.container_id,
            network_id: self.network_id,
            address: self.address,
            error: self.error,
            created_at: self.created_at,
            updated_at: self.updated_at,
            ready_at: self.ready_at,
            expires_at: self.expires_at,
            claimed_at: self.claimed_at,
        })
    }
}

const COLUMNS: &str = "id, scenario_id, cohort_id, learner, learner_id, state, container_id, \
                       network_id, address, error, created_at, updated_at, ready_at, expires_at, \
                       claimed_at";

/// What the store records before anything is created on the engine.
pub struct NewSandbox<'a> {
    pub id: Uuid,
    pub scenario_id: &'a str,
    pub cohort_id: Option<&'a str>,
    pub learner: Option<&'a str>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Records the intent to provision, before any engine object exists, so
    /// that a crash at any later point leaves a record to reconcile against.
    pub async fn insert_sandbox(&self, new: NewSandbox<'_>) -> Result<()> {
        insert_sandbox(&self.pool, new, now()).await
    }

    pub async fn sandbox(&self, id: Uuid) -> Result<SandboxRecord> {
        sandbox(&self.pool, id).await
    }

    /// Sandboxes in any of `states`, oldest first.
    pub async fn sandboxes_in(&self, states: &[SandboxState]) -> Result<Vec<SandboxRecord>> {
        let marks = vec!["?"; states.len()].join(", ");
        let sql =
            format!("SELECT {COLUMNS} FROM sandboxes WHERE state IN ({marks}) ORDER BY created_at");
        let mut query = sqlx::query_as::<_, Row>(AssertSqlSafe(sql));
        for s in states {
            query = query.bind(s.as_str());
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context(|| "listing sandboxes".into())?;
        rows.into_iter().map(Row::into_record).collect()
    }

    /// Moves a sandbox to `to`, only from a state the state machine allows.
    pub(super) async fn transition(
        &self,
        id: Uuid,
        to: SandboxState,
        set: &str,
        binds: &[Option<String>],
    ) -> Result<()> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .context(|| format!("marking sandbox {id} {to}"))?;
        transition(&mut conn, id, to, set, binds, now()).await
    }

    /// Remembers the engine objects as soon as they exist.
    pub async fn set_sandbox_objects(
        &self,
        id: Uuid,
        container_id: &str,
        network_id: &str,
        address: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE sandboxes SET container_id = ?, network_id = ?, address = ?, updated_at = ? WHERE id = ?")
            .bind(container_id)
            .bind(network_id)
            .bind(address)
            .bind(now())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .context(|| format!("recording the engine objects of sandbox {id}"))?;
        Ok(())
    }

    pub async fn mark_ready(&self, id: Uuid) -> Result<()> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .context(|| format!("marking sandbox {id} ready"))?;
        mark_ready(&mut conn, id, now()).await
    }

    pub async fn mark_claimed(&self, id: Uuid, learner: Option<&str>) -> Result<()> {
        let learner = learner.map(str::to_owned);
        self.transition(
            id,
            SandboxState::Claimed,
            ", learner = COALESCE(?, learner), claimed_at = ?",
            &[learner, Some(now().to_rfc3339())],
        )
        .await
    }

    pub async fn mark_failed(&self, id: Uuid, error: &str) -> Result<()> {
        self.transition(
            id,
            SandboxState::Failed,
            ", error = ?",
            &[Some(error.to_owned())],
        )
        .await
    }

    pub async fn mark_expired(&self, id: Uuid) -> Result<()> {
        self.transition(id, SandboxState::Expired, "", &[]).await
    }

    /// Marks a sandbox destroyed; destroying a destroyed sandbox is a no-op.
    pub async fn mark_destroyed(&self, id: Uuid) -> Result<()> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .context(|| format!("marking sandbox {id} destroyed"))?;
        mark_destroyed(&mut conn, id, now()).await
    }
}

/// [`Store::insert_sandbox`], made `at`, on `db`.
pub(super) async fn insert_sandbox<'c>(
    db: impl sqlx::SqliteExecutor<'c>,
    new: NewSandbox<'_>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sandboxes (id, scenario_id, cohort_id, learner, state, created_at, updated_at, expires_at)
         VALUES (?, ?, ?, ?, 'provisioning', ?, ?, ?)",
    )
    .bind(new.id.to_string())
    .bind(new.scenario_id)
    .bind(new.cohort_id)
    .bind(new.learner)
    .bind(at)
    .bind(at)
    .bind(new.expires_at)
    .execute(db)
    .await
    .context(|| format!("recording sandbox {}", new.id))?;
    Ok(())
}

async fn sandbox<'c>(db: impl sqlx::SqliteExecutor<'c>, id: Uuid) -> Result<SandboxRecord> {
    let row: Option<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM sandboxes WHERE id = ?"
    )))
    .bind(id.to_string())
    .fetch_optional(db)
    .await
    .context(|| format!("reading sandbox {id}"))?;
    row.ok_or(StoreError::UnknownSandbox(id))?.into_record()
}

/// Moves a sandbox to `to` at `at`, only from a state the state machine
/// allows; `set` adds columns to set, from `binds`.
async fn transition(
    conn: &mut sqlx::SqliteConnection,
    id: Uuid,
    to: SandboxState,
    set: &str,
    binds: &[Option<String>],
    at: DateTime<Utc>,
) -> Result<()> {
    let from = to.allowed_from();
    let marks = vec!["?"; from.len()].join(", ");
    let sql = format!(
        "UPDATE sandboxes SET state = ?, updated_at = ?{set} WHERE id = ? AND state IN ({marks})"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(to.as_str()).bind(at);
    for b in binds {
        query = query.bind(b.clone());
    }
    query = query.bind(id.to_string());
    for s in from {
        query = query.bind(s.as_str());
    }
    let done = query
        .execute(&mut *conn)
        .await
        .context(|| format!("marking sandbox {id} {to}"))?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let actual = sandbox(&mut *conn, id).await?.state;
    Err(StoreError::WrongState {
        id,
        expected: from
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        actual,
    })
}

/// [`Store::mark_ready`] at `at`, on `conn`.
pub(super) async fn mark_ready(
    conn: &mut sqlx::SqliteConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    let ready_at = Some(at.to_rfc3339());
    transition(
        conn,
        id,
        SandboxState::Ready,
        ", ready_at = ?",
        &[ready_at],
        at,
    )
    .await
}

/// [`Store::mark_destroyed`] at `at`, on `conn`.
pub(super) async fn mark_destroyed(
    conn: &mut sqlx::SqliteConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    match transition(conn, id, SandboxState::Destroyed, "", &[], at).await {
        Err(StoreError::WrongState {
            actual: SandboxState::Destroyed,
            ..
        }) => Ok(()),
        other => other,
    }
}
