//! `/api/v1/programmes/{id}/indicators/retention`: how many learners kept
//! what they learnt, from the refreshers (the anchor phase), per team, as
//! JSON or CSV.

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
use crate::programme::{Programmes, Retention, TeamRetention};

/// One team's retention (or the total's).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamRetentionView {
    /// Absent for learners matched to no team, and for the total.
    pub team: Option<String>,
    /// Learners a refresher is due to (once per refresher).
    pub due: u64,
    /// Those who started it.
    pub taken: u64,
    /// Those who passed it at the first check.
    pub passed_first_try: u64,
    /// Percent of those who took it who passed at the first check, to one decimal.
    pub retention_percent: Option<f64>,
}

impl From<TeamRetention> for TeamRetentionView {
    fn from(t: TeamRetention) -> Self {
        Self {
            team: t.team,
            due: t.due,
            taken: t.taken,
            passed_first_try: t.passed_first_try,
            retention_percent: t.retention_percent,
        }
    }
}

/// The retention indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionView {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    /// By team name; learners of no team last.
    pub teams: Vec<TeamRetentionView>,
    pub total: TeamRetentionView,
}

impl From<Retention> for RetentionView {
    fn from(r: Retention) -> Self {
        Self {
            programme: r.programme,
            team: r.team,
            phase: r.phase,
            teams: r.teams.into_iter().map(Into::into).collect(),
            total: r.total.into(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/retention", tag = "programmes", operation_id = "retention",
    summary = "Retention: the share of learners who pass a refresher at the first check, per team",
    description = "From the programme's refreshers, as of now. As CSV (`format=csv`): a header line \
        (`row;team;due;taken;passed_first_try;retention_percent`), one line per team (`row` = `team`), then the \
        total (`row` = `total`).",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("team" = Option<String>, Query, description = "Only the learners of this team"),
        ("phase" = Option<String>, Query, description = "Only the cohorts of this phase"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "Retention per team", content(
            (RetentionView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "No such team, not a phase, or a bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn retention(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<IndicatorQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, filter) = scope(&programmes, &user, id, q).await?;
    let retention = programmes.retention(&p, &filter).await?;
    match format {
        Format::Json => Ok(Json(RetentionView::from(retention)).into_response()),
        Format::Csv(sep) => csv_file(
            crate::programme::retention_csv(&retention, sep),
            &p,
            "retention",
        ),
    }
}
