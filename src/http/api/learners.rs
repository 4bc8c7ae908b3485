//! `/api/v1/learners/{id}`: a learner's personal data, for the rights the
//! GDPR gives them: access (article 15, everything kept about them as
//! JSON) and erasure (article 17, all of it deleted). For the trainer of
//! their cohort, or an admin.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::{Caller, Ids};
use super::{ApiError, ErrorBody};
use crate::http::{AppState, HttpError};
use crate::store::User;

type ApiResult<T> = Result<T, ApiError>;

/// The learner, if `user` trains their cohort (or is an admin); 404 for
/// anyone else, as for no such learner.
async fn theirs(state: &AppState, user: &User, learner: Uuid) -> ApiResult<()> {
    let cohort = state
        .store
        .cohort_of_learner(learner)
        .await
        .map_err(HttpError::from)?
        .ok_or(HttpError::NotFound)?;
    state
        .service
        .cohort_for(user, cohort)
        .await
        .map_err(HttpError::from)?;
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/learners/{id}/data", tag = "cohorts", operation_id = "learnerData",
    summary = "Everything Sandpit keeps about a learner (GDPR article 15)",
    description = "Table by table, every row that is the learner's: their roster line, links, sandboxes, checks, \
        completions, recordings (the list; the files stay on the server), tallies, ratings, tips and the votes and \
        answers on them, pulse answers, calls for help, help sessions received or given, ambassador roles, refresher \
        invitations, and the xAPI statements about them not yet sent.",
    params(("id" = Uuid, Path, description = "The learner's id")),
    responses(
        (status = 200, description = "By table", body = Object),
        (status = 404, description = "No such learner (or not of your cohorts)", body = ErrorBody),
    ))]
pub async fn learner_data(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<serde_json::Value>> {
    theirs(&state, &user, id).await?;
    let data = state
        .store
        .personal_data(id)
        .await
        .map_err(HttpError::from)?
        .ok_or(HttpError::NotFound)?;
    Ok(Json(serde_json::json!({ "learner": id, "data": data })))
}

/// What an erasure deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasedView {
    pub learner: Uuid,
    /// Rows deleted, by table.
    #[schema(value_type = Object)]
    pub rows: serde_json::Map<String, serde_json::Value>,
    /// Sandboxes whose terminal recordings (files) were deleted.
    pub recordings: u64,
}

#[utoipa::path(delete, path = "/api/v1/learners/{id}", tag = "cohorts", operation_id = "eraseLearner",
    summary = "Erase everything Sandpit keeps about a learner (GDPR article 17)",
    description = "Every row `GET …/data` lists is deleted in one transaction, then the recordings' files. Their \
        link stops working, and the indicators no longer count them. Refused while one of their sandboxes is live: \
        tear it down first.",
    params(("id" = Uuid, Path, description = "The learner's id")),
    responses(
        (status = 200, description = "Erased", body = ErasedView),
        (status = 404, description = "No such learner (or not of your cohorts)", body = ErrorBody),
        (status = 409, description = "One of their sandboxes is live", body = ErrorBody),
    ))]
pub async fn erase_learner(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<ErasedView>> {
    theirs(&state, &user, id).await?;
    let live = state
        .store
        .live_sandboxes_of_learner(id)
        .await
        .map_err(HttpError::from)?;
    if let Some(sandbox) = live.first() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("learner {id} still has a live sandbox ({sandbox}): tear it down first"),
        ));
    }
    let (rows, sandboxes) = state
        .store
        .erase_learner(id)
        .await
        .map_err(HttpError::from)?
        .ok_or(HttpError::NotFound)?;
    let mut recordings = 0;
    for sandbox in sandboxes {
        match state.terminals.remove_recordings(sandbox).await {
            Ok(true) => recordings += 1,
            Ok(false) => {}
            Err(e) => {
                return Err(HttpError::Internal(anyhow::Error::new(e).context(format!(
                    "deleting the recordings of sandbox {sandbox} (the rows are erased)"
                )))
                .into());
            }
        }
    }
    tracing::info!(learner = %id, by = %user.name, "erased a learner's data");
    Ok(Json(ErasedView {
        learner: id,
        rows: rows
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| (t.to_owned(), n.into()))
            .collect(),
        recordings,
    }))
}
