//! xAPI delivery for admins: what waits for the LRS, and the statements it
//! refused, each with its answer; exports of those (CSV, JSON), and a
//! retry of one or all once the LRS side is fixed.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Admin, DASH};
use crate::export::Separator;
use crate::http::export::{CsvQuery, separator};
use crate::http::trainer::when;
use crate::http::{AppState, HttpError};
use crate::xapi::{ParkedStatement, parked_csv};

/// How many parked statements the page lists; the exports have them all.
const PAGE_ROWS: u32 = 200;

#[derive(Debug, Deserialize)]
pub(super) struct RetryForm {
    #[serde(default)]
    csrf: String,
}

/// GET /admin/xapi
pub(super) async fn page(Admin(t): Admin) -> Response {
    let result = async {
        let store = &t.state.store;
        let status = store.outbox_status().await?;
        let rows = store.parked_statements(Some(PAGE_ROWS)).await?;
        let view: Vec<Value> = rows
            .iter()
            .map(|r| {
                let p = ParkedStatement::from_row(r);
                let happened = p.happened();
                json!({
                    "id": p.statement_id,
                    "cohort": p.cohort_name.clone().unwrap_or_else(|| p.cohort_id.clone()),
                    "cohort_url": p.cohort_name.as_ref().map(|_| format!("/trainer/cohorts/{}", p.cohort_id)),
                    "learner": p.learner.clone().unwrap_or_else(|| DASH.into()),
                    "actor": p.actor,
                    "verb": p.verb.clone().unwrap_or_else(|| DASH.into()),
                    "happened": happened.map_or_else(|| DASH.into(), |h| when(h, t.state.config.time_zone)),
                    "happened_iso": p.timestamp,
                    "parked": when(r.parked_at, t.state.config.time_zone),
                    "parked_iso": p.parked_at,
                    "status": p.status,
                    "answer": p.answer,
                })
            })
            .collect();
        let mut data = t.base(&t.text("xapi-title"));
        data["configured"] = t.state.config.xapi_endpoint.is_some().into();
        data["summary"] = t
            .text_with(
                "xapi-summary",
                &[
                    ("queued", status.pending.into()),
                    ("sent", status.sent.into()),
                    ("parked", status.parked.into()),
                ],
            )
            .into();
        data["oldest"] = status
            .oldest_pending
            .map(|o| t.text_with("xapi-oldest", &[("when", when(o, t.state.config.time_zone).into())]))
            .into();
        data["last_error"] = status.last_error.into();
        data["more"] = (status.parked > u64::from(PAGE_ROWS)).then(|| {
            t.text_with(
                "xapi-more",
                &[("shown", PAGE_ROWS.into()), ("count", status.parked.into())],
            )
        }).into();
        data["rows"] = view.into();
        data["csv_url"] = format!(
            "/admin/xapi/parked.csv?sep={}",
            Separator::for_lang(t.lang).query()
        )
        .into();
        Ok::<_, HttpError>(t.render("admin_xapi", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// GET /admin/xapi/parked.csv[?sep=comma] and /admin/xapi/parked.json
pub(super) async fn export(
    Admin(t): Admin,
    Path(file): Path<String>,
    query: Result<Query<CsvQuery>, QueryRejection>,
) -> Response {
    let result = async {
        let separator = separator(query)?;
        let csv = match file.as_str() {
            "parked.csv" => true,
            "parked.json" => false,
            _ => return Err(HttpError::NotFound),
        };
        let rows: Vec<ParkedStatement> = t
            .state
            .store
            .parked_statements(None)
            .await?
            .iter()
            .map(ParkedStatement::from_row)
            .collect();
        let internal = |e: &dyn std::fmt::Display| {
            HttpError::Internal(anyhow::anyhow!("exporting parked xAPI statements: {e}"))
        };
        let (body, content_type) = if csv {
            (
                parked_csv(&rows, separator).map_err(|e| internal(&e))?,
                "text/csv; charset=utf-8",
            )
        } else {
            (
                serde_json::to_vec_pretty(&rows).map_err(|e| internal(&e))?,
                "application/json",
            )
        };
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        let name = format!("attachment; filename=\"sandpit-xapi-{file}\"");
        if let Ok(v) = HeaderValue::from_str(&name) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        Ok(response)
    }
    .await;
    t.respond(result)
}

/// POST /admin/xapi/parked/{id}/retry: back in the queue, sent at the
/// sender's next round.
pub(super) async fn retry_one(
    Admin(t): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<RetryForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let id = uuid::Uuid::parse_str(&id).map_err(|_| HttpError::NotFound)?;
        let moved = state.store.unpark_statements(Some(&id.to_string())).await?;
        if moved == 0 {
            return Err(HttpError::NotFound);
        }
        Ok(Redirect::to("/admin/xapi").into_response())
    }
    .await;
    t.respond(result)
}

/// POST /admin/xapi/retry-all
pub(super) async fn retry_all(
    Admin(t): Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<RetryForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        state.store.unpark_statements(None).await?;
        Ok(Redirect::to("/admin/xapi").into_response())
    }
    .await;
    t.respond(result)
}
