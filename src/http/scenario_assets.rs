//! A scenario's `assets/`: the images its instructions show and the files
//! its learners download, at `/scenarios/<id>/assets/<path>`. Only files the
//! loader listed are served (by their exact path: no path is ever joined
//! to a folder here), each with its kind's content type; downloads go as
//! attachments, and nothing is sniffed or scripted (every Sandpit response
//! has `nosniff` and a policy without inline script).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

use super::AppState;
use crate::scenario::{ScenarioId, Scenarios};

pub fn routes() -> Router<AppState> {
    Router::new().route("/scenarios/{scenario}/assets/{*path}", get(asset))
}

/// Where a scenario's assets are served, with a trailing slash.
pub fn base(scenario: &ScenarioId) -> String {
    format!("/scenarios/{}/assets/", scenario.as_str())
}

async fn asset(
    State(scenarios): State<Arc<Scenarios>>,
    Path((scenario, path)): Path<(String, String)>,
) -> Response {
    let Some(asset) = scenarios.find(&scenario).and_then(|s| s.assets.get(&path)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let bytes = match tokio::fs::read(&asset.file).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(file = %asset.file.display(), error = %e, "reading a scenario asset");
            return StatusCode::NOT_FOUND.into_response();
        }
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    // Scenarios change only when Sandpit restarts.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    if asset.download {
        let name = path.rsplit('/').next().unwrap_or(&path);
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    response
}
