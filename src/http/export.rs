//! Downloads of a cohort's records: attempts and completions as CSV
//! (`?sep=semicolon`, the default, or `?sep=comma`) or JSON, and its xAPI
//! statements. For the cohort's trainer (or an admin), by API token or
//! signed-in session.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use uuid::Uuid;

use super::auth::ApiUser;
use super::{AppState, HttpError};
use crate::export::{self, CohortRecords, Separator};

/// `?sep=` of a CSV download.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct CsvQuery {
    sep: Option<String>,
}

/// The separator a CSV download asks for, or a 400 naming what is wrong.
pub(crate) fn separator(
    query: Result<Query<CsvQuery>, QueryRejection>,
) -> Result<Separator, HttpError> {
    let Query(q) = query.map_err(|e| HttpError::BadRequest(e.body_text()))?;
    Separator::from_query(q.sep.as_deref()).map_err(HttpError::BadRequest)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/cohorts/{id}/export/{file}", get(download))
}

/// The files a cohort can be exported as.
pub const FILES: &[&str] = &[
    "attempts.csv",
    "attempts.json",
    "completions.csv",
    "completions.json",
    "xapi.json",
];

async fn download(
    State(state): State<AppState>,
    user: Result<ApiUser, HttpError>,
    Path((id, file)): Path<(String, String)>,
    query: Result<Query<CsvQuery>, QueryRejection>,
) -> Response {
    let separator = match separator(query) {
        Ok(s) => s,
        Err(e) => return json_error(e),
    };
    match build(&state, user, &id, &file, separator).await {
        Ok(response) => response,
        Err(e) => json_error(e),
    }
}

async fn build(
    state: &AppState,
    user: Result<ApiUser, HttpError>,
    id: &str,
    file: &str,
    separator: Separator,
) -> Result<Response, HttpError> {
    let ApiUser(user) = user?;
    if !FILES.contains(&file) {
        return Err(HttpError::NotFound);
    }
    let id = Uuid::parse_str(id).map_err(|_| HttpError::NotFound)?;
    let cohort = state.service.cohort_for(&user, id).await?;
    let scenario = state.scenarios.named(&cohort.scenario_id).ok();
    let records = CohortRecords::load(&state.store, cohort).await?;
    let name = |what: &str, ext: &str| export::file_name(&records.cohort, what, ext);
    let internal = |e: &dyn std::fmt::Display| {
        HttpError::Internal(anyhow::anyhow!("exporting cohort {id}: {e}"))
    };
    let (body, content_type, filename) = match file {
        "attempts.csv" => (
            export::to_csv(&export::attempt_rows(&records, scenario), separator)
                .map_err(|e| internal(&e))?,
            "text/csv; charset=utf-8",
            name("attempts", "csv"),
        ),
        "completions.csv" => (
            export::to_csv(&export::completion_rows(&records, scenario), separator)
                .map_err(|e| internal(&e))?,
            "text/csv; charset=utf-8",
            name("completions", "csv"),
        ),
        "attempts.json" => (
            serde_json::to_vec_pretty(&export::attempt_rows(&records, scenario))
                .map_err(|e| internal(&e))?,
            "application/json",
            name("attempts", "json"),
        ),
        "completions.json" => (
            serde_json::to_vec_pretty(&export::completion_rows(&records, scenario))
                .map_err(|e| internal(&e))?,
            "application/json",
            name("completions", "json"),
        ),
        _ => {
            let statements: Vec<_> = crate::xapi::derive(&records, scenario, &state.public_url)
                .into_iter()
                .map(|d| d.statement)
                .collect();
            (
                serde_json::to_vec_pretty(&statements).map_err(|e| internal(&e))?,
                "application/json",
                name("xapi", "json"),
            )
        }
    };
    Ok(attachment(body, content_type, &filename))
}

/// A file to download: its type, its name (ASCII, from
/// [`export::file_name`]), never cached, never sniffed.
pub(crate) fn attachment(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// An error as the JSON API gives them: `{"error": "…"}`.
fn json_error(e: HttpError) -> Response {
    let status = e.status();
    let retry = e.retry_after();
    let body = serde_json::json!({ "error": e.public_message() });
    let mut response = (status, axum::Json(body)).into_response();
    if let Some(secs) = retry {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, secs.into());
    }
    response
}
