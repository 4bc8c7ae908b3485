//! The API's handlers: scenarios, and cohorts from creation to teardown.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

use super::error::{ApiError, Body, Caller, ErrorBody, Ids};
use super::types::{
    CohortListed, CohortView, CohortWithLearners, CohortWithPool, CreateCohort, ExerciseView,
    LearnerView, ScenarioView, cohort_request,
};
use crate::config::Config;
use crate::http::AppState;
use crate::sandbox::SandboxService;
use crate::sandbox::{
    CohortProgress, PoolStatus, Reservation, SandboxError, StuckRule, TeardownReport,
};
use crate::scenario::Scenario;
use crate::scenario::Scenarios;
use crate::store::Store;
use crate::store::{Cohort, CohortAttempt, CohortListing, Learner, User};
use std::sync::Arc;

/// How long a refused launch is told to wait (the pool's own retry delay).
const LAUNCH_RETRY_AFTER: u64 = 30;

type ApiResult<T> = Result<T, ApiError>;

fn link(state: &AppState, learner: Uuid) -> String {
    format!(
        "{}/s/{}",
        state.public_url,
        state.service.learner_token(learner).as_str()
    )
}

fn learner_view(state: &AppState, l: Learner) -> LearnerView {
    LearnerView {
        link: link(state, *l.id),
        id: *l.id,
        position: l.position,
        name: l.name,
        email: l.email,
        team: l.team,
        sandbox_id: l.sandbox_id,
        sandbox_state: l.sandbox_state,
        claimed_at: l.claimed_at,
    }
}

async fn learner_views(state: &AppState, cohort: Uuid) -> ApiResult<Vec<LearnerView>> {
    Ok(state
        .store
        .learners(cohort)
        .await?
        .into_iter()
        .map(|l| learner_view(state, l))
        .collect())
}

/// The caller's cohort `id`; others' look unknown.
async fn cohort_of(state: &AppState, user: &User, id: Uuid) -> ApiResult<Cohort> {
    Ok(state.service.cohort_for(user, id).await?)
}

fn scenario_of<'a>(state: &'a AppState, cohort: &Cohort) -> ApiResult<&'a Scenario> {
    state.scenarios.named(&cohort.scenario_id).map_err(|_| {
        ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "scenario `{}` of this cohort is no longer served",
                cohort.scenario_id
            ),
        )
    })
}

#[utoipa::path(get, path = "/api/v1/scenarios", tag = "scenarios", operation_id = "listScenarios",
    summary = "The scenarios cohorts can use",
    responses((status = 200, description = "The scenarios", body = Vec<ScenarioView>)))]
pub async fn scenarios(
    _: Caller,
    State(scenarios): State<Arc<Scenarios>>,
) -> Json<Vec<ScenarioView>> {
    Json(
        scenarios
            .values()
            .map(|s| ScenarioView {
                id: s.id.to_string(),
                title: s.title.main().to_owned(),
                summary: s.summary.main().to_owned(),
                exercises: s
                    .exercises
                    .iter()
                    .map(|e| ExerciseView {
                        id: e.id.to_string(),
                        title: e.title.main().to_owned(),
                    })
                    .collect(),
            })
            .collect(),
    )
}

#[utoipa::path(post, path = "/api/v1/cohorts", tag = "cohorts", operation_id = "createCohort",
    summary = "Create a cohort",
    description = "A roster (exactly one of `roster`, `roster_text`, `seats`) and a link per learner.",
    request_body = CreateCohort,
    responses(
        (status = 201, description = "The cohort and its learners' links", body = CohortWithLearners),
        (status = 400, description = "A field is wrong; the message names it", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 409, description = "You already have a cohort of that name (letter case aside, archived ones too)", body = ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorBody),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
    ))]
pub async fn create_cohort(
    Caller(user): Caller,
    State(state): State<AppState>,
    Body(body): Body<CreateCohort>,
) -> ApiResult<(StatusCode, Json<CohortWithLearners>)> {
    let scenario = state
        .scenarios
        .named(&body.scenario)
        .map_err(|e| ApiError::bad(format!("`scenario`: {e}")))?;
    let request = cohort_request(body, state.config.time_zone)?;
    let cohort = state
        .service
        .create_cohort(&user, scenario, request)
        .await?;
    let learners = learner_views(&state, *cohort.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(CohortWithLearners {
            cohort: (&cohort).into(),
            learners,
        }),
    ))
}

/// `GET /cohorts?archived=true`: the archived ones instead.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    archived: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/cohorts", tag = "cohorts", operation_id = "listCohorts",
    summary = "Your cohorts, with their progress",
    description = "Newest first (all of them for an admin); archived ones only with `archived=true`.",
    params(("archived" = Option<bool>, Query, description = "`true`: the archived cohorts instead of the others")),
    responses(
        (status = 200, description = "The cohorts", body = Vec<CohortListed>),
        (status = 400, description = "`archived` is neither `true` nor `false`", body = ErrorBody),
    ))]
pub async fn list_cohorts(
    Caller(user): Caller,
    State(config): State<Arc<Config>>,
    State(scenarios): State<Arc<Scenarios>>,
    State(service): State<SandboxService>,
    State(store): State<Store>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<CohortListed>>> {
    let archived = match query.map(|q| q.0.archived) {
        Ok(None) => false,
        Ok(Some(v)) => match v.as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            other => {
                return Err(ApiError::bad(format!(
                    "`archived` is `true` or `false`, not `{other}`"
                )));
            }
        },
        Err(e) => return Err(ApiError::bad(e.body_text())),
    };
    let listing = if archived {
        CohortListing::Archived
    } else {
        CohortListing::Current
    };
    let owner = (!user.is_admin()).then_some(user.id);
    let store = &store;
    let rule = StuckRule::from_config(&config);
    let mut out = Vec::new();
    for c in store.cohorts_listed(owner, listing).await? {
        let claimed = store.state_counts(Some(*c.id)).await?.claimed;
        let scenario = scenarios.named(&c.scenario_id).ok();
        let progress = service.cohort_summary(&c, scenario, claimed, rule).await?;
        out.push(CohortListed {
            cohort: (&c).into(),
            progress,
        });
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/archive", tag = "cohorts", operation_id = "archiveCohort",
    summary = "Archive a cohort that is over",
    description = "Torn down, or ended with no sandbox left: out of the default list, records kept.",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "The archived cohort", body = CohortView),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
        (status = 409, description = "The cohort is not over yet", body = ErrorBody),
    ))]
/// `POST /cohorts/{id}/archive`: out of the default list, once over.
pub async fn archive(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<CohortView>> {
    set_archived(&state, &user, id, true).await
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/restore", tag = "cohorts", operation_id = "restoreCohort",
    summary = "Take a cohort out of the archive",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "The restored cohort", body = CohortView),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
    ))]
/// `POST /cohorts/{id}/restore`: back in the default list.
pub async fn restore(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<CohortView>> {
    set_archived(&state, &user, id, false).await
}

async fn set_archived(
    state: &AppState,
    user: &User,
    id: Uuid,
    archived: bool,
) -> ApiResult<Json<CohortView>> {
    let cohort = cohort_of(state, user, id).await?;
    state.service.archive_cohort(&cohort, archived).await?;
    let cohort = cohort_of(state, user, id).await?;
    Ok(Json((&cohort).into()))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}", tag = "cohorts", operation_id = "getCohort",
    summary = "A cohort and its pool",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "The cohort", body = CohortWithPool),
        (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
    ))]
pub async fn cohort(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<CohortWithPool>> {
    let cohort = cohort_of(&state, &user, id).await?;
    let pool = state.service.pool_status(&cohort).await?;
    Ok(Json(CohortWithPool {
        cohort: (&cohort).into(),
        pool,
    }))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/learners", tag = "cohorts", operation_id = "listLearners",
    summary = "The roster with links and sandboxes",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "The learners", body = Vec<LearnerView>),
        (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
    ))]
pub async fn learners(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<Vec<LearnerView>>> {
    let cohort = cohort_of(&state, &user, id).await?;
    Ok(Json(learner_views(&state, *cohort.id).await?))
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/launch", tag = "cohorts", operation_id = "launchCohort",
    summary = "Launch the cohort's warm pool",
    description = "Some sandboxes may be refused by a cap; the answer says how many and why.",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 202, description = "Sandboxes are being provisioned", body = Reservation),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
        (status = 409, description = "The cohort is over, or its scenario is no longer served", body = ErrorBody),
        (status = 429, description = "Nothing could start because of a capacity limit; see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn launch(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<(StatusCode, Json<Reservation>)> {
    let cohort = cohort_of(&state, &user, id).await?;
    if cohort.is_over() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "cohort `{}` is over; create a new one to launch again",
                cohort.name
            ),
        ));
    }
    let scenario = scenario_of(&state, &cohort)?;
    let reservation = state.service.launch_cohort(&cohort, scenario).await?;
    if reservation.started == 0 && reservation.refused > 0 {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "no sandbox could start: {}",
                reservation.refusal.map_or_else(
                    || "a capacity limit is reached".to_owned(),
                    |r| r.to_string()
                )
            ),
        );
        e.retry_after = Some(LAUNCH_RETRY_AFTER);
        return Err(e);
    }
    Ok((StatusCode::ACCEPTED, Json(reservation)))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/status", tag = "cohorts", operation_id = "cohortStatus",
    summary = "The warm pool's counts (poll this for progress)",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "The pool", body = PoolStatus),
        (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
    ))]
pub async fn status(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<PoolStatus>> {
    let cohort = cohort_of(&state, &user, id).await?;
    Ok(Json(state.service.pool_status(&cohort).await?))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/progress", tag = "cohorts", operation_id = "cohortProgress",
    summary = "The progress grid: learners × exercises",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "The grid", body = CohortProgress),
        (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
        (status = 409, description = "The cohort's scenario is no longer served", body = ErrorBody),
    ))]
pub async fn progress(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<CohortProgress>> {
    let cohort = cohort_of(&state, &user, id).await?;
    let scenario = scenario_of(&state, &cohort)?;
    let rule = StuckRule::from_config(&state.config);
    Ok(Json(
        state
            .service
            .cohort_progress(&cohort, scenario, rule)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/learners/{learner}/attempts", tag = "cohorts", operation_id = "learnerAttempts",
    summary = "Every attempt of one learner, with the check's output",
    params(("id" = Uuid, Path, description = "The cohort's id"), ("learner" = Uuid, Path, description = "The learner's id")),
    responses(
        (status = 200, description = "The attempts, oldest first", body = Vec<CohortAttempt>),
        (status = 404, description = "Unknown cohort or learner, or another trainer's", body = ErrorBody),
    ))]
pub async fn attempts(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids((id, learner)): Ids<(Uuid, Uuid)>,
) -> ApiResult<Json<Vec<CohortAttempt>>> {
    let cohort = cohort_of(&state, &user, id).await?;
    match state.service.learner_detail(*cohort.id, learner).await {
        Ok((_, attempts)) => Ok(Json(attempts)),
        // A learner of another cohort is as unknown as a made-up one.
        Err(SandboxError::Invalid(_)) => Err(ApiError::not_found()),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/teardown", tag = "cohorts", operation_id = "teardownCohort",
    summary = "End the cohort: remove every sandbox; records stay",
    params(("id" = Uuid, Path, description = "The cohort's id")),
    responses(
        (status = 200, description = "What was removed, and the kept report", body = TeardownReport),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
    ))]
pub async fn teardown(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<TeardownReport>> {
    let cohort = cohort_of(&state, &user, id).await?;
    Ok(Json(state.service.teardown_cohort(*cohort.id).await?))
}
