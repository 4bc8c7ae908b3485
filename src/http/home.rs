//! The pages that belong to no role: the home page that lists the
//! scenarios, and the 404 for every path nothing else serves.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::i18n;
use super::pages::{LangQuery, base};
use crate::http::Pages;
use crate::scenario::Scenarios;
use std::sync::Arc;

/// GET /: what Sandpit trains for.
pub async fn index(
    State(pages): State<Arc<Pages>>,
    State(scenarios): State<Arc<Scenarios>>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let mut data = base(lang, "");
    data["scenarios"] = scenarios
        .values()
        .map(|s| json!({"title": s.title.get(lang), "summary": s.summary.get(lang), "exercises": s.exercises.len()}))
        .collect();
    pages.render("index", &data)
}

/// Every path no route serves.
pub async fn not_found(State(pages): State<Arc<Pages>>, headers: HeaderMap) -> Response {
    pages.not_found(&headers)
}
