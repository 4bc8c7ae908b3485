//! The help board of an account, `/trainer/help`: who asked for help and
//! who looks stuck, over the cohorts it owns (every cohort for an admin)
//! and those it is an ambassador of.

use axum::http::StatusCode;
use axum::response::Response;

use super::Trainer;
use crate::http::HttpError;
use crate::store::Helper;

/// GET /trainer/help
pub(super) async fn page(t: Trainer) -> Response {
    let result = async {
        let user = t.user();
        let board = t
            .state
            .community
            .board(Helper::User(user.id), Some(user), chrono::Utc::now())
            .await?;
        let mut data = t.base(&t.text("help-board-title"));
        data["heading"] = t.text("help-board-title").into();
        let watch = format!("/trainer/help/watch?lang={}", t.lang);
        let csrf = t.session.0.csrf_token.clone();
        data["board"] = crate::http::learner::board_data(&t.state, &board, t.lang, &watch, &csrf);
        Ok::<_, HttpError>(t.render("ambassador", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}
