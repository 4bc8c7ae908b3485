//! `/api/v1/programmes/{id}/refreshers`: a programme's refreshers (the
//! anchor phase), and the invitation links of the learners each is due to.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::{Body, Caller, Ids};
use super::indicators::{Format, FormatQuery, csv_file, format_of};
use super::{ApiError, ErrorBody};
use crate::export::CsvRow;
use crate::http::{AppState, HttpError};
use crate::programme::{NewRefresher, Programmes};
use crate::store::RefresherRecord;

type ApiResult<T> = Result<T, ApiError>;

/// A refresher to schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefresherBody {
    /// One of the programme's scenarios.
    pub scenario: String,
    /// One of its exercises.
    pub exercise: String,
    /// Weeks after each learner passed it, 1 to 104.
    pub after_weeks: u32,
}

/// A scheduled refresher.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefresherView {
    pub id: Uuid,
    pub scenario: String,
    pub exercise: String,
    pub after_weeks: i64,
    pub created_at: DateTime<Utc>,
}

impl From<RefresherRecord> for RefresherView {
    fn from(r: RefresherRecord) -> Self {
        Self {
            id: *r.id,
            scenario: r.scenario_id,
            exercise: r.exercise_id,
            after_weeks: r.after_days / 7,
            created_at: r.created_at,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/refreshers", tag = "programmes", operation_id = "addRefresher",
    summary = "Schedule a refresher: a re-check of one exercise some weeks after each learner passed it",
    description = "Each learner of the programme's cohorts who passed the exercise is invited once the weeks have \
        passed: their page shows a link, and the programme's lead can export every link. The link starts a fresh \
        sandbox where only that exercise is checked; passing at the first check counts as retained.",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body = RefresherBody,
    responses(
        (status = 201, description = "Scheduled", body = RefresherView),
        (status = 400, description = "Not one of the programme's scenarios or exercises, weeks out of range, or scheduled already; the message names it", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn add_refresher(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    Body(body): Body<RefresherBody>,
) -> ApiResult<(StatusCode, Json<RefresherView>)> {
    let new = NewRefresher {
        scenario: body.scenario,
        exercise: body.exercise,
        after_weeks: body.after_weeks,
    };
    let created = programmes.add_refresher(&user, id, &new).await?;
    let programme = programmes.visible(&user, id).await?;
    let record = programmes
        .refreshers(&programme)
        .await?
        .into_iter()
        .find(|r| *r.id == created)
        .ok_or_else(|| ApiError::from(HttpError::NotFound))?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/refreshers", tag = "programmes", operation_id = "listRefreshers",
    summary = "The programme's refreshers",
    params(("id" = Uuid, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "Oldest first", body = Vec<RefresherView>),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn list_refreshers(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<Vec<RefresherView>>> {
    let programme = programmes.visible(&user, id).await?;
    let all = programmes.refreshers(&programme).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

/// A learner a refresher is due to, and their invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub learner: Uuid,
    pub name: String,
    pub team: Option<String>,
    /// When they passed the exercise.
    pub passed_at: DateTime<Utc>,
    /// Their invitation: a capability, to send to them alone.
    pub link: String,
    pub started: bool,
}

struct InvitationLine(Vec<String>);

impl CsvRow for InvitationLine {
    const HEADERS: &'static [&'static str] =
        &["learner_id", "name", "team", "passed_at", "link", "started"];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/refreshers/{refresher}/links", tag = "programmes", operation_id = "refresherLinks",
    summary = "The invitation links of the learners a refresher is due to, to send them",
    description = "For the programme's lead or an admin. As CSV (`format=csv`): `learner_id;name;team;passed_at;link;started`, \
        times in the programme's zone.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("refresher" = Uuid, Path, description = "The refresher's id"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "By team, then name", content(
            (Vec<InvitationView> = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad `format` or `sep`", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme or refresher", body = ErrorBody),
    ))]
pub async fn refresher_links(
    Caller(user): Caller,
    State(state): State<AppState>,
    Ids((id, refresher)): Ids<(Uuid, Uuid)>,
    q: Result<Query<FormatQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let format = format_of(q)?;
    let programme = state.programmes.managed(&user, id).await?;
    if !state
        .programmes
        .refreshers(&programme)
        .await?
        .iter()
        .any(|r| *r.id == refresher)
    {
        return Err(HttpError::NotFound.into());
    }
    let due = state
        .service
        .refresher_invitations(id, refresher)
        .await
        .map_err(HttpError::from)?;
    let views: Vec<InvitationView> = due
        .into_iter()
        .map(|(d, token)| InvitationView {
            learner: *d.learner_id,
            name: d.learner_name,
            team: d.team,
            passed_at: d.passed_at,
            link: format!("{}/r/{}", state.public_url, token.as_str()),
            started: d.started_at.is_some(),
        })
        .collect();
    match format {
        Format::Json => Ok(Json(views).into_response()),
        Format::Csv(sep) => {
            let zone = programme.time_zone;
            let rows: Vec<InvitationLine> = views
                .iter()
                .map(|v| {
                    InvitationLine(vec![
                        v.learner.to_string(),
                        v.name.clone(),
                        v.team.clone().unwrap_or_default(),
                        zone.rfc3339(v.passed_at),
                        v.link.clone(),
                        v.started.to_string(),
                    ])
                })
                .collect();
            csv_file(
                crate::export::to_csv(&rows, sep),
                &programme,
                "refresher-links",
            )
        }
    }
}
