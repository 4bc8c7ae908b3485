//! Teardown from the admin page: each has a page that asks for its
//! confirmation (a button for one sandbox, the cohort's name typed for a
//! cohort, "everything" typed for everything), where a POST without it
//! is sent (303); confirmed, it tears down, keeps a report and redirects
//! to it, so that reloading shows the report and never tears down again.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Admin;
use crate::http::trainer::{Trainer, when};
use crate::http::{AppState, HttpError};
use crate::sandbox::TeardownFailure;
use crate::store::{AdminSandbox, Cohort, TeardownRecord};

/// What everything's teardown must be confirmed with.
pub const EVERYTHING: &str = "everything";

#[derive(Debug, Deserialize)]
pub(super) struct TeardownForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// The confirmation page: `typed` asks for `expected` in a text box.
fn confirm_page(
    t: &Trainer,
    action: &str,
    message: String,
    typed: bool,
    mismatch: bool,
) -> Response {
    let mut data = t.base(&t.text("admin-confirm-title"));
    data["action"] = action.into();
    data["message"] = message.into();
    data["typed"] = typed.into();
    data["mismatch"] = mismatch.into();
    let status = if mismatch {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    t.render("admin_confirm", &data, status)
}

fn to_report(id: Option<i64>) -> Result<Response, HttpError> {
    let id = id.ok_or_else(|| {
        HttpError::Internal(anyhow::anyhow!(
            "the teardown ran but its report could not be kept (see the log)"
        ))
    })?;
    Ok(Redirect::to(&format!("/admin/teardowns/{id}")).into_response())
}

/// What a sandbox's confirmation page says.
async fn sandbox_question(t: &Trainer, id: &str) -> Result<(AdminSandbox, String), HttpError> {
    let id = Uuid::parse_str(id).map_err(|_| HttpError::NotFound)?;
    let s = t
        .state
        .store
        .admin_sandbox(id)
        .await?
        .ok_or(HttpError::NotFound)?;
    let message = t.text_with(
        "admin-confirm-sandbox",
        &[
            ("id", id.to_string().into()),
            ("scenario", s.scenario_id.clone().into()),
            (
                "learner",
                s.learner.clone().unwrap_or_else(|| "—".into()).into(),
            ),
        ],
    );
    Ok((s, message))
}

/// GET /admin/sandboxes/{id}/teardown: asks to confirm.
pub(super) async fn confirm_sandbox(Admin(t): Admin, Path(id): Path<String>) -> Response {
    let result = async {
        let (s, message) = sandbox_question(&t, &id).await?;
        let action = format!("/admin/sandboxes/{}/teardown", s.id);
        Ok(confirm_page(&t, &action, message, false, false))
    }
    .await;
    t.respond(result)
}

/// POST /admin/sandboxes/{id}/teardown
pub(super) async fn sandbox(
    Admin(t): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TeardownForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let (s, _) = sandbox_question(&t, &id).await?;
        if form.confirm.as_deref() != Some("yes") {
            let confirm = format!("/admin/sandboxes/{}/teardown", s.id);
            return Ok(Redirect::to(&confirm).into_response());
        }
        let report = state
            .service
            .teardown_sandbox(&s, Some(&t.user().name))
            .await?;
        to_report(report.report_id)
    }
    .await;
    t.respond(result)
}

async fn cohort_named(t: &Trainer, id: &str) -> Result<Cohort, HttpError> {
    let id = Uuid::parse_str(id).map_err(|_| HttpError::NotFound)?;
    t.state.store.cohort(id).await?.ok_or(HttpError::NotFound)
}

fn cohort_confirm(t: &Trainer, cohort: &Cohort, mismatch: bool) -> Response {
    let message = t.text_with(
        "admin-confirm-cohort",
        &[("name", cohort.name.clone().into())],
    );
    let action = format!("/admin/cohorts/{}/teardown", cohort.id);
    confirm_page(t, &action, message, true, mismatch)
}

/// GET /admin/cohorts/{id}/teardown: asks for the cohort's name.
pub(super) async fn confirm_cohort(Admin(t): Admin, Path(id): Path<String>) -> Response {
    let result = async {
        let cohort = cohort_named(&t, &id).await?;
        Ok(cohort_confirm(&t, &cohort, false))
    }
    .await;
    t.respond(result)
}

/// POST /admin/cohorts/{id}/teardown: confirmed by typing the cohort's
/// name; a wrong one is a 400 that asks again.
pub(super) async fn cohort(
    Admin(t): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TeardownForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let cohort = cohort_named(&t, &id).await?;
        match form.confirm.as_deref().map(str::trim) {
            None => {
                let confirm = format!("/admin/cohorts/{}/teardown", cohort.id);
                return Ok(Redirect::to(&confirm).into_response());
            }
            Some(typed) if typed != cohort.name.trim() => {
                return Ok(cohort_confirm(&t, &cohort, true));
            }
            Some(_) => {}
        }
        let report = state.service.teardown_cohort(*cohort.id).await?;
        to_report(report.report_id)
    }
    .await;
    t.respond(result)
}

/// GET /admin/teardown-all: asks for "everything".
pub(super) async fn confirm_everything(Admin(t): Admin) -> Response {
    let message = t.text("admin-confirm-all");
    confirm_page(&t, "/admin/teardown-all", message, true, false)
}

/// POST /admin/teardown-all: confirmed by typing "everything"; then to a
/// page of the reports it kept.
pub(super) async fn everything(
    Admin(t): Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TeardownForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        match form.confirm.as_deref().map(str::trim) {
            None => return Ok(Redirect::to("/admin/teardown-all").into_response()),
            Some(EVERYTHING) => {}
            Some(_) => {
                let message = t.text("admin-confirm-all");
                return Ok(confirm_page(&t, "/admin/teardown-all", message, true, true));
            }
        }
        let by = t.user().name.clone();
        let all = state
            .service
            .teardown_all(Some(&by), &|step| tracing::info!(admin = %by, "{step}"))
            .await?;
        let ids: Vec<String> = all.reports.iter().map(i64::to_string).collect();
        let to = format!("/admin/teardown-all/report?ids={}", ids.join(","));
        Ok::<_, HttpError>(Redirect::to(&to).into_response())
    }
    .await;
    t.respond(result)
}

#[derive(Debug, Deserialize)]
pub(super) struct ReportsQuery {
    #[serde(default)]
    ids: String,
}

/// GET /admin/teardown-all/report?ids=…: what tearing everything down did,
/// from the reports it kept (one per cohort, one for loose sandboxes).
pub(super) async fn everything_report(Admin(t): Admin, Query(q): Query<ReportsQuery>) -> Response {
    let result = async {
        let mut reports = Vec::new();
        let (mut removed, mut failed) = (0i64, Vec::new());
        for id in q.ids.split(',').filter(|s| !s.trim().is_empty()) {
            let id: i64 = id.trim().parse().map_err(|_| HttpError::NotFound)?;
            let r = t
                .state
                .store
                .teardown_report(id)
                .await?
                .ok_or(HttpError::NotFound)?;
            removed += r.removed;
            failed.extend(
                serde_json::from_str::<Vec<TeardownFailure>>(&r.failures).unwrap_or_default(),
            );
            reports.push(json!({
                "url": format!("/admin/teardowns/{id}"),
                "what": scope_text(&t, &r),
                "removed": r.removed,
            }));
        }
        let mut data = t.base(&t.text("admin-all-title"));
        data["summary"] = t
            .text_with("admin-all-summary", &[("count", removed.into())])
            .into();
        data["reports"] = reports.into();
        data["failed"] = failures(&failed);
        Ok::<_, HttpError>(t.render("admin_all", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

fn failures(failed: &[TeardownFailure]) -> Value {
    failed
        .iter()
        .map(|f| json!({"sandbox": f.sandbox.to_string(), "error": f.error}))
        .collect()
}

/// What a report was about, as a sentence.
pub(super) fn scope_text(t: &Trainer, r: &TeardownRecord) -> String {
    match r.scope.as_str() {
        "cohort" => t.text_with(
            "admin-scope-cohort",
            &[("name", r.cohort_name.clone().unwrap_or_default().into())],
        ),
        "sandbox" => t.text_with(
            "admin-scope-sandbox",
            &[("id", r.sandbox_id.clone().unwrap_or_default().into())],
        ),
        _ => t.text("admin-scope-loose"),
    }
}

/// GET /admin/teardowns/{id}
pub(super) async fn report(Admin(t): Admin, Path(id): Path<String>) -> Response {
    let result = async {
        let id: i64 = id.parse().map_err(|_| HttpError::NotFound)?;
        let r = t
            .state
            .store
            .teardown_report(id)
            .await?
            .ok_or(HttpError::NotFound)?;
        let failed: Vec<TeardownFailure> = serde_json::from_str(&r.failures).unwrap_or_default();
        let mut data = t.base(&t.text("admin-report-title"));
        data["what"] = scope_text(&t, &r).into();
        data["when"] = when(r.created_at, t.state.config.time_zone).into();
        data["by"] = r.requested_by.clone().into();
        data["cohort_url"] = r
            .cohort_id
            .as_ref()
            .map(|c| format!("/trainer/cohorts/{c}"))
            .into();
        data["removed"] = t
            .text_with("admin-report-removed", &[("count", r.removed.into())])
            .into();
        data["hours"] = t
            .text_with(
                "admin-report-hours",
                &[
                    ("memory", format!("{:.3}", r.memory_gib_hours).into()),
                    ("cpu", format!("{:.3}", r.cpu_hours).into()),
                    ("sandboxes", r.sandboxes.into()),
                ],
            )
            .into();
        data["memory_gib_hours"] = r.memory_gib_hours.into();
        data["cpu_hours"] = r.cpu_hours.into();
        data["failed"] = failures(&failed);
        Ok::<_, HttpError>(t.render("admin_report", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}
