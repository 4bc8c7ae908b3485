//! What the admin pages read: every sandbox with its cohort's name, ready
//! sandboxes per cohort, and the teardown reports kept after each teardown.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, Result, SandboxState, Store, StoreError, now};

/// One sandbox as the admin list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdminSandbox {
    pub id: Uuid,
    pub scenario_id: String,
    pub cohort_id: Option<String>,
    pub cohort_name: Option<String>,
    pub learner: Option<String>,
    pub state: SandboxState,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Bytes its terminal recordings hold (as last counted: every few
    /// seconds while a shell records, exactly once it stopped).
    pub recording_bytes: u64,
}

#[derive(sqlx::FromRow)]
struct AdminRow {
    id: String,
    scenario_id: String,
    cohort_id: Option<String>,
    cohort_name: Option<String>,
    learner: Option<String>,
    state: String,
    error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    recording_bytes: i64,
}

impl AdminRow {
    fn into_sandbox(self) -> Result<AdminSandbox> {
        let bad = |what: &str| StoreError::Sql {
            context: format!("reading sandbox {}", self.id),
            source: sqlx::Error::Decode(format!("its {what} is not valid").into()),
        };
        Ok(AdminSandbox {
            id: Uuid::parse_str(&self.id).map_err(|_| bad("id"))?,
            state: SandboxState::parse(&self.state).ok_or_else(|| bad("state"))?,
            scenario_id: self.scenario_id,
            cohort_id: self.cohort_id,
            cohort_name: self.cohort_name,
            learner: self.learner,
            error: self.error,
            created_at: self.created_at,
            updated_at: self.updated_at,
            expires_at: self.expires_at,
            recording_bytes: u64::try_from(self.recording_bytes).unwrap_or(0),
        })
    }
}

const ADMIN_SELECT: &str =
    "SELECT s.id, s.scenario_id, s.cohort_id, c.name AS cohort_name, s.learner,
        s.state, s.error, s.created_at, s.updated_at, s.expires_at,
        (SELECT COALESCE(SUM(r.bytes), 0) FROM recordings r WHERE r.sandbox_id = s.id) AS recording_bytes
     FROM sandboxes s LEFT JOIN cohorts c ON c.id = s.cohort_id";

/// A teardown report to keep.
#[derive(Debug, Clone, Default)]
pub struct NewTeardownReport<'a> {
    /// `cohort`, `sandbox` or `loose` (the sandboxes of no cohort).
    pub scope: &'a str,
    pub cohort_id: Option<Uuid>,
    pub cohort_name: Option<&'a str>,
    pub sandbox_id: Option<Uuid>,
    pub requested_by: Option<&'a str>,
    pub removed: u32,
    pub sandboxes: u32,
    pub memory_gib_hours: f64,
    pub cpu_hours: f64,
    /// JSON: `[{"sandbox": id, "error": text}]`.
    pub failures: String,
}

/// A kept teardown report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeardownRecord {
    pub id: i64,
    pub scope: String,
    pub cohort_id: Option<String>,
    pub cohort_name: Option<String>,
    pub sandbox_id: Option<String>,
    pub requested_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub removed: i64,
    pub sandboxes: i64,
    pub memory_gib_hours: f64,
    pub cpu_hours: f64,
    pub failures: String,
}

impl Store {
    /// Every sandbox, newest first; only live ones unless `all`.
    pub async fn admin_sandboxes(&self, all: bool) -> Result<Vec<AdminSandbox>> {
        let sql = if all {
            format!("{ADMIN_SELECT} ORDER BY s.created_at DESC")
        } else {
            format!(
                "{ADMIN_SELECT} WHERE s.state IN ('provisioning', 'ready', 'claimed') ORDER BY s.created_at DESC"
            )
        };
        let rows: Vec<AdminRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .context(|| "listing sandboxes for the admin page".into())?;
        rows.into_iter().map(AdminRow::into_sandbox).collect()
    }

    /// One sandbox as the admin list shows it.
    pub async fn admin_sandbox(&self, id: Uuid) -> Result<Option<AdminSandbox>> {
        let row: Option<AdminRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{ADMIN_SELECT} WHERE s.id = ?"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading sandbox {id}"))?;
        row.map(AdminRow::into_sandbox).transpose()
    }

    /// Every sandbox of a cohort, in any state.
    pub async fn cohort_sandboxes(&self, cohort: Uuid) -> Result<Vec<AdminSandbox>> {
        let rows: Vec<AdminRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{ADMIN_SELECT} WHERE s.cohort_id = ? ORDER BY s.created_at"
        )))
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the sandboxes of cohort {cohort}"))?;
        rows.into_iter().map(AdminRow::into_sandbox).collect()
    }

    /// Ready (unclaimed) sandboxes per cohort: the warm pools' sizes.
    pub async fn ready_per_cohort(&self) -> Result<Vec<(String, i64)>> {
        sqlx::query_as(
            "SELECT COALESCE(cohort_id, ''), COUNT(*) FROM sandboxes WHERE state = 'ready' GROUP BY cohort_id",
        )
        .fetch_all(&self.pool)
        .await
        .context(|| "counting ready sandboxes per cohort".into())
    }

    /// Whether the store answers a query at all (readiness).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query_scalar::<_, i64>("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .context(|| "querying the store".into())?;
        Ok(())
    }

    /// Keeps a teardown report; returns its id.
    pub async fn insert_teardown_report(&self, r: NewTeardownReport<'_>) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO teardown_reports (scope, cohort_id, cohort_name, sandbox_id, requested_by,
                 created_at, removed, sandboxes, memory_gib_hours, cpu_hours, failures)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(r.scope)
        .bind(r.cohort_id.map(|c| c.to_string()))
        .bind(r.cohort_name)
        .bind(r.sandbox_id.map(|s| s.to_string()))
        .bind(r.requested_by)
        .bind(now())
        .bind(i64::from(r.removed))
        .bind(i64::from(r.sandboxes))
        .bind(r.memory_gib_hours)
        .bind(r.cpu_hours)
        .bind(&r.failures)
        .fetch_one(&self.pool)
        .await
        .context(|| "keeping a teardown report".into())?;
        Ok(id)
    }

    pub async fn teardown_report(&self, id: i64) -> Result<Option<TeardownRecord>> {
        sqlx::query_as(
            "SELECT id, scope, cohort_id, cohort_name, sandbox_id, requested_by, created_at, removed,
                    sandboxes, memory_gib_hours, cpu_hours, failures
             FROM teardown_reports WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading teardown report {id}"))
    }

    /// The most recent teardown reports, newest first.
    pub async fn teardown_reports(&self, limit: u32) -> Result<Vec<TeardownRecord>> {
        sqlx::query_as(
            "SELECT id, scope, cohort_id, cohort_name, sandbox_id, requested_by, created_at, removed,
                    sandboxes, memory_gib_hours, cpu_hours, failures
             FROM teardown_reports ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing teardown reports".into())
    }
}
