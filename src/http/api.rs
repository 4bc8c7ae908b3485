//! The JSON API under `/api/v1`: what the trainer pages do, for scripts and
//! the `sandpit cohort` commands. Authenticated with an API token (or a
//! page's session and CSRF header); errors are `{"error": "..."}`.
//!
//! The routes are listed once, in [`endpoints`]: the router is built from
//! that table and the OpenAPI document is checked against it.

mod admin;
mod cohorts;
mod error;
mod types;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::{MethodFilter, MethodRouter, any, on};

pub use error::{ApiError, BODY_LIMIT};
pub use types::{CohortView, CreateCohort, LearnerView};

use super::AppState;

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";

/// One route of the API: a method, a path (axum's and OpenAPI's `{param}`
/// syntax) and its handler.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
}

fn endpoint<H, T>(method: Method, path: &'static str, handler: H) -> Endpoint
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a method axum can route");
    Endpoint {
        method,
        path,
        handler: on(filter, handler),
    }
}

/// Every route this module serves. (The export routes are served by
/// `export.rs`; the OpenAPI document lists those too.)
pub fn endpoints() -> Vec<Endpoint> {
    use cohorts as c;
    let get = Method::GET;
    let post = Method::POST;
    vec![
        endpoint(get.clone(), "/api/v1/openapi.json", super::openapi::serve),
        endpoint(get.clone(), "/api/v1/scenarios", c::scenarios),
        endpoint(get.clone(), "/api/v1/cohorts", c::list_cohorts),
        endpoint(post.clone(), "/api/v1/cohorts", c::create_cohort),
        endpoint(get.clone(), "/api/v1/cohorts/{id}", c::cohort),
        endpoint(get.clone(), "/api/v1/cohorts/{id}/learners", c::learners),
        endpoint(post.clone(), "/api/v1/cohorts/{id}/launch", c::launch),
        endpoint(get.clone(), "/api/v1/cohorts/{id}/status", c::status),
        endpoint(get.clone(), "/api/v1/cohorts/{id}/progress", c::progress),
        endpoint(
            get.clone(),
            "/api/v1/cohorts/{id}/learners/{learner}/attempts",
            c::attempts,
        ),
        endpoint(post.clone(), "/api/v1/cohorts/{id}/teardown", c::teardown),
        endpoint(post.clone(), "/api/v1/cohorts/{id}/archive", c::archive),
        endpoint(post.clone(), "/api/v1/cohorts/{id}/restore", c::restore),
        endpoint(get.clone(), "/api/v1/admin/sandboxes", admin::sandboxes),
        endpoint(
            post.clone(),
            "/api/v1/admin/sandboxes/{id}/teardown",
            admin::teardown_sandbox,
        ),
        endpoint(
            post.clone(),
            "/api/v1/admin/cohorts/{id}/teardown",
            admin::teardown_cohort,
        ),
        endpoint(post, "/api/v1/admin/teardown-all", admin::teardown_all),
        endpoint(get, "/api/v1/admin/teardowns/{id}", admin::teardown_report),
    ]
}

/// The (method, path) pairs [`routes`] serves.
pub fn served() -> Vec<(Method, &'static str)> {
    endpoints()
        .into_iter()
        .map(|e| (e.method, e.path))
        .collect()
}

/// The API's router: bodies capped, unknown routes and wrong methods
/// answered in JSON too.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for e in endpoints() {
        // Routes on one path merge their methods.
        router = router.route(e.path, e.handler);
    }
    router
        .route(PREFIX, any(no_route))
        .route("/api/v1/{*rest}", any(no_route))
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        format!(
            "there is no API route `{method} {}`; see {PREFIX}/openapi.json",
            uri.path()
        ),
    )
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!("`{}` does not take {method}", uri.path()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_modules_can_add_routes_under_the_prefix() {
        // The export routes live in another module; they must merge with
        // the API's catch-all.
        for path in [
            "/api/v1/cohorts/{id}/export/xapi.json",
            "/api/v1/cohorts/{id}/export/{file}",
        ] {
            let _ = routes()
                .merge(Router::<AppState>::new().route(path, axum::routing::get(|| async { "" })));
        }
    }
}
