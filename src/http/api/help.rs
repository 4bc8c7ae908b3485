//! Ambassadors and the help board through the API: a trainer names the
//! ambassadors of their cohorts (a learner of it, or an account), lists and
//! removes them; an account reads its board of peers who asked for help or
//! look stuck.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::ErrorBody;
use super::error::{ApiError, Body, Caller, Ids};
use crate::community::{Board, Chosen, Community, CommunityError, PeerStatus};
use crate::http::HttpError;
use crate::programme::Programmes;
use crate::store::{AmbassadorRecord, Care, Helper, Store};

/// Who becomes an ambassador: one of the cohort's learners, or an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmbassadorBody {
    /// A learner's id (`GET /cohorts/{id}`'s learners).
    pub learner: Option<Uuid>,
    /// An account's name.
    pub user: Option<String>,
}

/// An ambassador.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmbassadorView {
    pub id: Uuid,
    /// The learner's or the account's name.
    pub name: String,
    pub learner: Option<String>,
    pub user: Option<String>,
    /// The cohort or team in their care.
    pub care: String,
    pub created_at: DateTime<Utc>,
}

impl From<AmbassadorRecord> for AmbassadorView {
    fn from(a: AmbassadorRecord) -> Self {
        Self {
            id: *a.id,
            name: a.name,
            learner: a.learner_id,
            user: a.user_id,
            care: a.care_name,
            created_at: a.created_at,
        }
    }
}

/// A created ambassador's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedView {
    pub id: Uuid,
}

type ApiResult<T> = Result<T, ApiError>;

fn refused(e: CommunityError) -> ApiError {
    HttpError::from(e).into()
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/ambassadors", tag = "cohorts", operation_id = "addAmbassador",
    summary = "Make one of the cohort's learners, or an account, an ambassador of the cohort",
    description = "Give `learner` (a learner's id) or `user` (an account's name), not both. An ambassador sees the \
        cohort's calls for help and the learners who look stuck.",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    request_body = AmbassadorBody,
    responses(
        (status = 201, description = "Done", body = CreatedView),
        (status = 400, description = "Neither or both of `learner` and `user`, or an ambassador already", body = ErrorBody),
        (status = 404, description = "No such cohort (or not yours), learner or account", body = ErrorBody),
    ))]
pub async fn add_ambassador(
    Caller(user): Caller,
    State(community): State<Community>,
    Ids(id): Ids<Uuid>,
    Body(body): Body<AmbassadorBody>,
) -> ApiResult<(StatusCode, Json<CreatedView>)> {
    let helper = helper_of(&community, &body, Care::Cohort(id)).await?;
    let created = community
        .add_ambassador(&user, helper, Care::Cohort(id))
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(CreatedView { id: created })))
}

/// The ambassador a body names for `care`.
async fn helper_of(community: &Community, body: &AmbassadorBody, care: Care) -> ApiResult<Helper> {
    let learner = body.learner.map(|l| l.to_string()).unwrap_or_default();
    let chosen = Chosen {
        learner: &learner,
        user: body.user.as_deref().unwrap_or_default(),
    };
    community.chosen_helper(chosen, care).await.map_err(refused)
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/teams/{team}/ambassadors", tag = "programmes", operation_id = "addTeamAmbassador",
    summary = "Make a learner of the programme's cohorts, or an account, an ambassador of a team",
    description = "For the programme's lead (or an admin). Give `learner` (a learner's id) or `user` (an account's name), \
        not both. A team's ambassador sees the calls for help and the stuck peers of the team's people in the \
        programme's cohorts.",
    params(("id" = Uuid, Path, description = "The programme's id"), ("team" = String, Path, description = "The team's name")),
    request_body = AmbassadorBody,
    responses(
        (status = 201, description = "Done", body = CreatedView),
        (status = 400, description = "No such team; neither or both of `learner` and `user`; or an ambassador already", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours)", body = ErrorBody),
    ))]
pub async fn add_team_ambassador(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(community): State<Community>,
    State(store): State<Store>,
    Ids((id, team)): Ids<(Uuid, String)>,
    Body(body): Body<AmbassadorBody>,
) -> ApiResult<(StatusCode, Json<CreatedView>)> {
    let programme = programmes.managed(&user, id).await?;
    let team = team_named(&store, *programme.id, &team).await?;
    let helper = helper_of(&community, &body, Care::Team(team)).await?;
    let created = community
        .add_ambassador(&user, helper, Care::Team(team))
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(CreatedView { id: created })))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/teams/{team}/ambassadors", tag = "programmes", operation_id = "listTeamAmbassadors",
    summary = "A team's ambassadors",
    params(("id" = Uuid, Path, description = "The programme's id"), ("team" = String, Path, description = "The team's name")),
    responses(
        (status = 200, description = "By name", body = Vec<AmbassadorView>),
        (status = 400, description = "No such team", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours)", body = ErrorBody),
    ))]
pub async fn list_team_ambassadors(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(store): State<Store>,
    Ids((id, team)): Ids<(Uuid, String)>,
) -> ApiResult<Json<Vec<AmbassadorView>>> {
    let programme = programmes.managed(&user, id).await?;
    let team = team_named(&store, *programme.id, &team).await?.to_string();
    let list = store.team_ambassadors(*programme.id).await?;
    Ok(Json(
        list.into_iter()
            .filter(|a| a.team_id.as_deref() == Some(team.as_str()))
            .map(Into::into)
            .collect(),
    ))
}

/// The id of `programme`'s team `name` (letter case aside).
async fn team_named(store: &Store, programme: Uuid, name: &str) -> ApiResult<Uuid> {
    store
        .teams(programme)
        .await?
        .into_iter()
        .find(|t| t.name.to_lowercase() == name.trim().to_lowercase())
        .map(|t| *t.id)
        .ok_or_else(|| ApiError::bad(format!("the programme has no team `{}`", name.trim())))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/ambassadors", tag = "cohorts", operation_id = "listAmbassadors",
    summary = "The cohort's ambassadors",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "By name", body = Vec<AmbassadorView>),
        (status = 404, description = "No such cohort (or not yours)", body = ErrorBody),
    ))]
pub async fn list_ambassadors(
    Caller(user): Caller,
    State(community): State<Community>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<Vec<AmbassadorView>>> {
    let list = community
        .cohort_ambassadors(&user, id)
        .await
        .map_err(refused)?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[utoipa::path(delete, path = "/api/v1/ambassadors/{id}", tag = "cohorts", operation_id = "removeAmbassador",
    summary = "End an ambassador's role",
    params(("id" = Uuid, Path, description = "The ambassador's id")),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such ambassador (or not of your cohorts)", body = ErrorBody),
    ))]
pub async fn remove_ambassador(
    Caller(user): Caller,
    State(community): State<Community>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<StatusCode> {
    community
        .remove_ambassador(&user, id)
        .await
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A peer on the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeerView {
    pub learner: Uuid,
    pub name: String,
    pub cohort: String,
    pub scenario: String,
    pub sandbox: Uuid,
    /// `asked` (a call for help), `failing` (several failed checks on their
    /// current step) or `idle` (not using their sandbox for a while).
    pub why: String,
    pub exercise: Option<String>,
    pub message: Option<String>,
    pub asked_at: Option<DateTime<Utc>>,
    pub failed_checks: i64,
    pub last_failed_output: Option<String>,
    pub idle_minutes: Option<i64>,
}

impl From<PeerStatus> for PeerView {
    fn from(p: PeerStatus) -> Self {
        Self {
            learner: p.learner,
            name: p.name,
            cohort: p.cohort,
            scenario: p.scenario,
            sandbox: p.sandbox,
            why: serde_json::to_value(p.why)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            exercise: p.exercise,
            message: p.message,
            asked_at: p.asked_at,
            failed_checks: p.failed_checks,
            last_failed_output: p.last_failed_output,
            idle_minutes: p.idle_minutes,
        }
    }
}

/// The help board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardView {
    /// The cohorts and teams in the caller's care.
    pub care: Vec<String>,
    /// Calls for help first, oldest first; then the peers who look stuck.
    pub peers: Vec<PeerView>,
}

impl From<Board> for BoardView {
    fn from(b: Board) -> Self {
        Self {
            care: b.care,
            peers: b.peers.into_iter().map(Into::into).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/help", tag = "cohorts", operation_id = "helpBoard",
    summary = "Your help board: who asked for help, who looks stuck",
    description = "Over the cohorts and teams you are an ambassador of, and the cohorts you own (every cohort \
        for an admin). Only learners whose sandbox is live are listed.",
    responses((status = 200, description = "The board", body = BoardView)))]
pub async fn board(
    Caller(user): Caller,
    State(community): State<Community>,
) -> ApiResult<Json<BoardView>> {
    let board = community
        .board(Helper::User(user.id), Some(&user), Utc::now())
        .await
        .map_err(refused)?;
    Ok(Json(board.into()))
}
