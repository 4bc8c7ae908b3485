//! `/api/v1/programmes/{id}/indicators/ratings`: "useful, usable", how the
//! programme's learners rate each exercise, as JSON or CSV.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::super::ErrorBody;
use super::super::error::{Caller, Ids};
use super::{ApiResult, Format, IndicatorQuery, csv_file, scope};
use crate::programme::{ExerciseRating, Programmes, Ratings};

/// One exercise's ratings.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExerciseRatingView {
    pub scenario: String,
    pub exercise: String,
    pub title: String,
    /// Learners who rated it (once each).
    pub ratings: u64,
    /// Mean usefulness (1–5), to two decimals; absent below `min_group` ratings.
    pub useful: Option<f64>,
    /// Mean ease of use (1–5), to two decimals; absent below `min_group` ratings.
    pub usable: Option<f64>,
}

impl From<ExerciseRating> for ExerciseRatingView {
    fn from(e: ExerciseRating) -> Self {
        Self {
            scenario: e.scenario,
            exercise: e.exercise,
            title: e.title,
            ratings: e.ratings,
            useful: e.useful,
            usable: e.usable,
        }
    }
}

/// The "useful, usable" indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingsView {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    /// Below this many ratings an exercise's means are not shown.
    pub min_group: usize,
    /// The programme's exercises, in its order.
    pub exercises: Vec<ExerciseRatingView>,
}

impl From<Ratings> for RatingsView {
    fn from(r: Ratings) -> Self {
        Self {
            programme: r.programme,
            team: r.team,
            phase: r.phase,
            min_group: r.min_group,
            exercises: r.exercises.into_iter().map(Into::into).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/ratings", tag = "programmes", operation_id = "ratings",
    summary = "Useful, usable: how learners rate each exercise they checked, from 1 to 5",
    description = "One rating per learner and exercise (the last they gave). As CSV (`format=csv`): a header line \
        (`scenario_id;exercise_id;exercise_title;ratings;useful;usable`), one line per exercise; a mean not shown \
        (fewer ratings than `min_group`) is an empty cell.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("team" = Option<String>, Query, description = "Only the learners of this team"),
        ("phase" = Option<String>, Query, description = "Only the cohorts of this phase"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "Every exercise of the programme's scenarios", content(
            (RatingsView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "No such team, not a phase, or a bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn ratings(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<IndicatorQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, filter) = scope(&programmes, &user, id, q).await?;
    let ratings = programmes.ratings(&p, &filter).await?;
    match format {
        Format::Json => Ok(Json(RatingsView::from(ratings)).into_response()),
        Format::Csv(sep) => csv_file(crate::programme::ratings_csv(&ratings, sep), &p, "ratings"),
    }
}
