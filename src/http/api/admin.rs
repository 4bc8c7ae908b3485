//! The admin's API: every sandbox with its usage, teardown of one sandbox,
//! one cohort or everything, and the kept teardown reports. Admins only.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::{ApiError, Body, Caller, ErrorBody, Ids};
use crate::http::AppState;
use crate::http::admin::{Filters, listed};
use crate::runtime::Usage;
use crate::sandbox::SandboxService;
use crate::sandbox::{TeardownAll, TeardownFailure, TeardownReport};
use crate::store::Store;
use crate::store::User;

type ApiResult<T> = Result<T, ApiError>;

fn admin_only(user: &User) -> ApiResult<()> {
    if user.is_admin() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this route is for admins",
        ))
    }
}

/// One sandbox in the admin's list.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminSandbox)]
pub struct AdminSandboxView {
    pub id: Uuid,
    pub scenario: String,
    pub cohort_id: Option<String>,
    pub cohort_name: Option<String>,
    pub learner: Option<String>,
    /// `provisioning`, `ready`, `claimed`, `failed`, `expired` or `destroyed`.
    pub state: String,
    pub error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub age_seconds: i64,
    /// What the engine says it uses, as last gathered in the background;
    /// null when not running or not measured yet.
    pub usage: Option<Usage>,
    /// When the engine gave `usage`.
    pub usage_measured_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Bytes its terminal recordings hold.
    pub recording_bytes: u64,
}

#[utoipa::path(get, path = "/api/v1/admin/sandboxes", tag = "admin", operation_id = "adminListSandboxes",
    summary = "Every sandbox, with its usage",
    description = "Live ones unless `state` says otherwise, newest first, with CPU and memory from the engine for running ones.",
    params(
        ("state" = Option<String>, Query, description = "`live` (the default), `all`, or one state"),
        ("cohort" = Option<Uuid>, Query, description = "A cohort's id"),
        ("scenario" = Option<String>, Query, description = "A scenario's id"),
    ),
    responses(
        (status = 200, description = "The sandboxes", body = Vec<AdminSandboxView>),
        (status = 403, description = "This route is for admins", body = ErrorBody),
    ))]
/// GET /api/v1/admin/sandboxes?state=&cohort=&scenario=
pub async fn sandboxes(
    Caller(user): Caller,
    State(state): State<AppState>,
    Query(filters): Query<Filters>,
) -> ApiResult<Json<Vec<AdminSandboxView>>> {
    admin_only(&user)?;
    let now = chrono::Utc::now();
    let (rows, snapshot) = listed(&state, &filters).await?;
    let measured_at = snapshot.map(|s| s.taken_at);
    Ok(Json(
        rows.into_iter()
            .map(|(s, usage)| AdminSandboxView {
                id: s.id,
                scenario: s.scenario_id,
                cohort_id: s.cohort_id,
                cohort_name: s.cohort_name,
                learner: s.learner,
                state: s.state.as_str().to_owned(),
                error: s.error,
                age_seconds: (now - s.created_at).num_seconds().max(0),
                created_at: s.created_at,
                expires_at: s.expires_at,
                usage_measured_at: usage.and(measured_at),
                usage,
                recording_bytes: s.recording_bytes,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/sandboxes/{id}/teardown", tag = "admin", operation_id = "adminTeardownSandbox",
    summary = "Tear one sandbox down (again is fine); the report is kept",
    params(("id" = Uuid, Path, description = "The sandbox's id")),
    responses(
        (status = 200, description = "What was removed", body = TeardownReport),
        (status = 403, description = "This route is for admins", body = ErrorBody),
        (status = 404, description = "No such sandbox", body = ErrorBody),
    ))]
/// POST /api/v1/admin/sandboxes/{id}/teardown
pub async fn teardown_sandbox(
    Caller(user): Caller,
    State(service): State<SandboxService>,
    State(store): State<Store>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<TeardownReport>> {
    admin_only(&user)?;
    let sandbox = store
        .admin_sandbox(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(
        service.teardown_sandbox(&sandbox, Some(&user.name)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/cohorts/{id}/teardown", tag = "admin", operation_id = "adminTeardownCohort",
    summary = "Tear a cohort down (any owner's); the report is kept",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "What was removed", body = TeardownReport),
        (status = 403, description = "This route is for admins", body = ErrorBody),
        (status = 404, description = "No such cohort", body = ErrorBody),
    ))]
/// POST /api/v1/admin/cohorts/{id}/teardown
pub async fn teardown_cohort(
    Caller(user): Caller,
    State(service): State<SandboxService>,
    State(store): State<Store>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<TeardownReport>> {
    admin_only(&user)?;
    store.cohort(id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(service.teardown_cohort(id).await?))
}

/// The body of `teardown-all`: `{"confirm": "everything"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmAll {
    #[serde(default)]
    #[schema(value_type = String, required = true, pattern = "^everything$", example = "everything")]
    confirm: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/admin/teardown-all", tag = "admin", operation_id = "adminTeardownAll",
    summary = "End every cohort and remove every sandbox",
    description = "One kept report per cohort.",
    request_body = ConfirmAll,
    responses(
        (status = 200, description = "What was removed", body = TeardownAll),
        (status = 400, description = "`confirm` is not `everything`", body = ErrorBody),
        (status = 403, description = "This route is for admins", body = ErrorBody),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
    ))]
/// POST /api/v1/admin/teardown-all with `{"confirm": "everything"}`
pub async fn teardown_all(
    Caller(user): Caller,
    State(service): State<SandboxService>,
    Body(body): Body<ConfirmAll>,
) -> ApiResult<Json<TeardownAll>> {
    admin_only(&user)?;
    if body.confirm.as_deref() != Some("everything") {
        return Err(ApiError::bad(
            "`confirm` must be \"everything\": this removes every sandbox and ends every cohort",
        ));
    }
    let by = user.name.clone();
    Ok(Json(
        service
            .teardown_all(Some(&by), &|step| tracing::info!(admin = %by, "{step}"))
            .await?,
    ))
}

/// A kept teardown report.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KeptTeardownReport)]
pub struct TeardownReportView {
    pub id: i64,
    /// `cohort`, `sandbox` or `loose`.
    pub scope: String,
    pub cohort_id: Option<String>,
    pub cohort_name: Option<String>,
    pub sandbox_id: Option<String>,
    pub requested_by: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub removed: i64,
    pub sandboxes: i64,
    pub memory_gib_hours: f64,
    pub cpu_hours: f64,
    pub failed: Vec<TeardownFailure>,
}

#[utoipa::path(get, path = "/api/v1/admin/teardowns/{id}", tag = "admin", operation_id = "adminTeardownReport",
    summary = "A kept teardown report",
    params(("id" = i64, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The report", body = TeardownReportView),
        (status = 403, description = "This route is for admins", body = ErrorBody),
        (status = 404, description = "No such report", body = ErrorBody),
    ))]
/// GET /api/v1/admin/teardowns/{id}
pub async fn teardown_report(
    Caller(user): Caller,
    State(store): State<Store>,
    Ids(id): Ids<i64>,
) -> ApiResult<Json<TeardownReportView>> {
    admin_only(&user)?;
    let r = store
        .teardown_report(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let failed = serde_json::from_str::<Vec<TeardownFailure>>(&r.failures).unwrap_or_default();
    Ok(Json(TeardownReportView {
        id: r.id,
        scope: r.scope,
        cohort_id: r.cohort_id,
        cohort_name: r.cohort_name,
        sandbox_id: r.sandbox_id,
        requested_by: r.requested_by,
        created_at: r.created_at,
        removed: r.removed,
        sandboxes: r.sandboxes,
        memory_gib_hours: r.memory_gib_hours,
        cpu_hours: r.cpu_hours,
        failed,
    }))
}
