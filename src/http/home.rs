//! The pages that belong to no role: the home page that lists the
//! scenarios, and the 404 for every path nothing else serves.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::pages::{LangQuery, base};
use super::{AppState, i18n};

/// GET /: what Sandpit trains for.
pub async fn index(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let mut data = base(lang, "");
    data["scenarios"] = state
        .app
        .scenarios
        .values()
        .map(|s| json!({"title": s.title.get(lang), "summary": s.summary.get(lang), "exercises": s.exercises.len()}))
        .collect();
    state.pages.render("index", &data)
}

/// Every path no route serves.
pub async fn not_found(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state.pages.not_found(&headers)
}
