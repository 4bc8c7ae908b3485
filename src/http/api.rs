//! The JSON API under `/api/v1`: what the trainer pages do, for scripts and
//! the `sandpit cohort` commands. Authenticated with an API token (or a
//! page's session and CSRF header); errors are `{"error": "..."}`.
//!
//! The routes are registered once, with `utoipa-axum`: each handler's
//! `#[utoipa::path]` gives both the axum route and its entry in the OpenAPI
//! document (`openapi.rs`), so the two cannot drift apart.

mod admin;
mod cohorts;
mod error;
mod help;
mod indicators;
mod learners;
pub mod openapi;
mod programmes;
mod refreshers;
mod schemas;
mod types;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::any;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, BODY_LIMIT, ErrorBody};
pub use types::{CohortView, CreateCohort, LearnerView};

use super::AppState;

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";

/// Every route this module serves, with its documentation. (The export
/// routes are served by `export.rs`; `openapi.rs` documents those too.)
fn documented() -> OpenApiRouter<AppState> {
    use cohorts as c;
    use programmes as p;
    OpenApiRouter::new()
        .routes(routes!(openapi::serve))
        .routes(routes!(c::scenarios))
        .routes(routes!(c::list_cohorts, c::create_cohort))
        .routes(routes!(c::cohort))
        .routes(routes!(c::learners))
        .routes(routes!(c::launch))
        .routes(routes!(c::status))
        .routes(routes!(c::progress))
        .routes(routes!(c::attempts))
        .routes(routes!(c::teardown))
        .routes(routes!(c::archive))
        .routes(routes!(c::restore))
        .routes(routes!(admin::sandboxes))
        .routes(routes!(admin::teardown_sandbox))
        .routes(routes!(admin::teardown_cohort))
        .routes(routes!(admin::teardown_all))
        .routes(routes!(admin::teardown_report))
        .routes(routes!(p::list_programmes, p::create_programme))
        .routes(routes!(p::programme))
        .routes(routes!(p::enter_phase))
        .routes(routes!(p::list_teams, p::import_teams))
        .routes(routes!(p::import_people))
        .routes(routes!(p::import_teams_csv))
        .routes(routes!(p::import_people_csv))
        .routes(routes!(p::set_impacts))
        .routes(routes!(p::attach_cohort))
        .routes(routes!(indicators::usage::record_usage))
        .routes(routes!(indicators::usage::record_usage_csv))
        .routes(routes!(indicators::reach))
        .routes(routes!(indicators::proficiency))
        .routes(routes!(indicators::struggle))
        .routes(routes!(indicators::trend::trend))
        .routes(routes!(p::list_pulses, p::add_pulse))
        .routes(routes!(indicators::confidence::confidence))
        .routes(routes!(indicators::usage::usage))
        .routes(routes!(indicators::ratings::ratings))
        .routes(routes!(indicators::help::help_given))
        .routes(routes!(indicators::retention::retention))
        .routes(routes!(
            refreshers::add_refresher,
            refreshers::list_refreshers
        ))
        .routes(routes!(refreshers::refresher_links))
        .routes(routes!(learners::learner_data))
        .routes(routes!(learners::erase_learner))
        .routes(routes!(indicators::tips::programme_tips))
        .routes(routes!(help::add_ambassador, help::list_ambassadors))
        .routes(routes!(help::remove_ambassador))
        .routes(routes!(
            help::add_team_ambassador,
            help::list_team_ambassadors
        ))
        .routes(routes!(help::board))
}

/// The paths and schemas of the routes [`routes`] serves, as `utoipa-axum`
/// collected them while building the router.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().into_openapi()
}

/// The (method, path) pairs [`routes`] serves.
pub fn served() -> Vec<(Method, String)> {
    openapi::operations(&openapi())
}

/// The API's router: bodies capped, unknown routes and wrong methods
/// answered in JSON too.
pub fn routes() -> Router<AppState> {
    let (router, _) = documented().split_for_parts();
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
