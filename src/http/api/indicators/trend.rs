//! `/api/v1/programmes/{id}/indicators/trend`: the same figures cohort
//! after cohort.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::super::ErrorBody;
use super::super::error::{Caller, Ids};
use super::{ApiResult, Format, IndicatorQuery, csv_file, scope};
use crate::programme::{CohortTrend, Programmes, Trend};

/// One cohort's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortTrendView {
    pub cohort: Uuid,
    pub name: String,
    pub scenario: String,
    /// The phase the cohort was attached in.
    pub phase: Option<String>,
    pub starts_at: DateTime<Utc>,
    /// Roster lines (of the team asked for, if any).
    pub learners: u64,
    /// Learners who opened a sandbox.
    pub started: u64,
    /// Learners who completed every exercise of the cohort's scenario.
    pub completed: u64,
    /// `completed / learners`, to 4 decimals.
    pub completed_share: f64,
    /// Pairs (learner, exercise) with one attempt or more.
    pub attempted: u64,
    /// Share of those pairs whose first attempt passed, to 4 decimals; null when none.
    pub first_try_rate: Option<f64>,
    /// Median over the pairs that passed of the time from the first sandbox claim to the first pass, in whole seconds.
    pub median_seconds_to_pass: Option<i64>,
    /// Median over the pairs that passed of the attempts up to and including the first pass, to one decimal.
    pub median_attempts_to_pass: Option<f64>,
}

impl From<CohortTrend> for CohortTrendView {
    fn from(c: CohortTrend) -> Self {
        Self {
            cohort: c.cohort,
            name: c.name,
            scenario: c.scenario,
            phase: c.phase,
            starts_at: c.starts_at,
            learners: c.learners,
            started: c.started,
            completed: c.completed,
            completed_share: c.completed_share,
            attempted: c.attempted,
            first_try_rate: c.first_try_rate,
            median_seconds_to_pass: c.median_seconds_to_pass,
            median_attempts_to_pass: c.median_attempts_to_pass,
        }
    }
}

/// The trend indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendView {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    /// The programme's cohorts with a learner in the filter, by start then name.
    pub cohorts: Vec<CohortTrendView>,
}

impl From<Trend> for TrendView {
    fn from(t: Trend) -> Self {
        Self {
            programme: t.programme,
            team: t.team,
            phase: t.phase,
            cohorts: t.cohorts.into_iter().map(Into::into).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/trend", tag = "programmes", operation_id = "trend",
    summary = "Trend: reach and proficiency cohort after cohort",
    description = "One line per cohort of the programme (of the phase asked for), by start then name, counting its \
        learners of the team asked for; cohorts with none are left out. As CSV (`format=csv`): a header line \
        (`cohort;scenario_id;phase;starts_at;learners;started;completed;completed_share;attempted;first_try_rate;\
        median_seconds_to_pass;median_attempts_to_pass`), one line per cohort; absent figures are empty cells.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("team" = Option<String>, Query, description = "Only the learners of this team"),
        ("phase" = Option<String>, Query, description = "Only the cohorts of this phase"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "The programme's cohorts, one after the other", content(
            (TrendView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "No such team, not a phase, or a bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn trend(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<IndicatorQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, filter) = scope(&programmes, &user, id, q).await?;
    let trend = programmes.trend(&p, &filter).await?;
    match format {
        Format::Json => Ok(Json(TrendView::from(trend)).into_response()),
        Format::Csv(sep) => csv_file(crate::programme::trend_csv(&trend, sep), &p, "trend"),
    }
}
