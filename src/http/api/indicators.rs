//! `/api/v1/programmes/{id}/indicators/…`: a programme's change indicators
//! (reach, proficiency, where people struggle, trend) as JSON, or as CSV with
//! `?format=csv`; each narrowed to a team (`?team=`) and to the cohorts of
//! a phase (`?phase=`). Their definitions are the domain's
//! (`crate::programme`).

pub mod confidence;
pub mod help;
pub mod ratings;
pub mod retention;
pub mod tips;
pub mod trend;
pub mod usage;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::{Caller, Ids};
use super::{ApiError, ErrorBody};
use crate::export::{self, Separator};
use crate::http::export::attachment;
use crate::programme::{
    DEFAULT_IDLE_HOURS, ExerciseProficiency, ExerciseStruggle, IndicatorFilter, Proficiency,
    Programmes, Reach, Struggle, TeamReach,
};
use crate::store::ProgrammeRecord;

type ApiResult<T> = Result<T, ApiError>;

/// `?team=&phase=&format=&sep=`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorQuery {
    team: Option<String>,
    phase: Option<String>,
    format: Option<String>,
    sep: Option<String>,
}

/// `?team=&phase=&format=&sep=&idle_hours=`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StruggleQuery {
    team: Option<String>,
    phase: Option<String>,
    format: Option<String>,
    sep: Option<String>,
    idle_hours: Option<u32>,
}

/// `?format=&sep=`: for the indicators that are not narrowed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    format: Option<String>,
    sep: Option<String>,
}

/// What every indicator's query names.
trait Narrowing {
    /// `(team, phase, format, sep)`.
    fn parts(&self) -> [Option<&str>; 4];
}

impl Narrowing for IndicatorQuery {
    fn parts(&self) -> [Option<&str>; 4] {
        [&self.team, &self.phase, &self.format, &self.sep].map(Option::as_deref)
    }
}

impl Narrowing for FormatQuery {
    fn parts(&self) -> [Option<&str>; 4] {
        [None, None, self.format.as_deref(), self.sep.as_deref()]
    }
}

impl Narrowing for StruggleQuery {
    fn parts(&self) -> [Option<&str>; 4] {
        [&self.team, &self.phase, &self.format, &self.sep].map(Option::as_deref)
    }
}

/// What an indicator is sent as.
pub(super) enum Format {
    Json,
    Csv(Separator),
}

fn query<T>(query: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::bad(e.body_text()))
}

/// The format a `?format=&sep=` query asks for.
pub(super) fn format_of(q: Result<Query<FormatQuery>, QueryRejection>) -> ApiResult<Format> {
    let q = query(q)?;
    format(q.format.as_deref(), q.sep.as_deref())
}

fn format(format: Option<&str>, sep: Option<&str>) -> ApiResult<Format> {
    let separator = Separator::from_query(sep).map_err(ApiError::bad)?;
    match format.map(str::trim).unwrap_or_default() {
        "" | "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv(separator)),
        other => Err(ApiError::bad(format!(
            "`format` is `json` or `csv`, not `{other}`"
        ))),
    }
}

/// An indicator's query read: its format, the programme `user` may see,
/// and the filter the query names.
async fn scope<Q: Narrowing>(
    programmes: &Programmes,
    user: &crate::store::User,
    id: Uuid,
    q: Result<Query<Q>, QueryRejection>,
) -> ApiResult<(Q, Format, ProgrammeRecord, IndicatorFilter)> {
    let q = query(q)?;
    let [team, phase, format_asked, sep] = q.parts();
    let format = format(format_asked, sep)?;
    let programme = programmes.visible(user, id).await?;
    let filter = programmes.filter(&programme, team, phase).await?;
    Ok((q, format, programme, filter))
}

/// The CSV download of an indicator.
pub(super) fn csv_file(
    bytes: Result<Vec<u8>, csv::Error>,
    programme: &ProgrammeRecord,
    what: &str,
) -> ApiResult<Response> {
    let bytes = bytes.map_err(|e| {
        ApiError::from(crate::http::HttpError::Internal(anyhow::anyhow!(
            "writing programme {}'s {what} as CSV: {e}",
            *programme.id
        )))
    })?;
    let name = export::file_name_for(&programme.name, *programme.id, what, "csv");
    Ok(attachment(bytes, "text/csv; charset=utf-8", &name))
}

/// One team's funnel (or the programme's, for the total).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamReachView {
    /// Empty for the total.
    pub team: String,
    pub kind: String,
    pub site: Option<String>,
    pub headcount: u64,
    pub maturity: u8,
    pub people: u64,
    /// On a roster of one of the programme's cohorts.
    pub invited: u64,
    /// Opened their sandbox.
    pub started: u64,
    /// Completed every scenario required of their team.
    pub completed: u64,
    /// `completed / headcount`.
    pub completed_share: f64,
    pub required: Vec<String>,
    pub due_on: Option<NaiveDate>,
    /// `none` (nothing required), `on_track`, `late` or `done`.
    pub status: String,
}

/// The reach indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReachView {
    pub programme: Uuid,
    /// The team it is narrowed to (as the programme spells it), if any.
    pub team: Option<String>,
    /// The phase whose cohorts it counts, if narrowed to one.
    pub phase: Option<String>,
    /// The day the status was judged on, in the programme's zone.
    pub today: NaiveDate,
    pub teams: Vec<TeamReachView>,
    pub total: TeamReachView,
}

impl From<TeamReach> for TeamReachView {
    fn from(t: TeamReach) -> Self {
        Self {
            team: t.team,
            kind: t.kind,
            site: t.site,
            headcount: t.headcount,
            maturity: t.maturity,
            people: t.people,
            invited: t.invited,
            started: t.started,
            completed: t.completed,
            completed_share: t.completed_share,
            required: t.required,
            due_on: t.due_on,
            status: t.status.as_str().to_owned(),
        }
    }
}

impl ReachView {
    fn new(r: Reach, filter: &IndicatorFilter) -> Self {
        Self {
            programme: r.programme,
            team: filter.team_name(),
            phase: filter.phase_name(),
            today: r.today,
            teams: r.teams.into_iter().map(Into::into).collect(),
            total: r.total.into(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/reach", tag = "programmes", operation_id = "reach",
    summary = "Reach: per team, headcount → invited → started → completed, against the due date",
    description = "Narrowed to a team, only its row is given and the total is that row; narrowed to a phase, \
        only the cohorts of that phase count. As CSV (`format=csv`): UTF-8 with a byte order mark, a header line \
        (`row;team;kind;site;headcount;maturity;people;invited;started;completed;completed_share;required;due_on;status`), \
        one line per team (`row` = `team`) then the total (`row` = `total`); decimals take a comma when cells are \
        separated by `;`.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("team" = Option<String>, Query, description = "Only this team (its name, letter case aside)"),
        ("phase" = Option<String>, Query, description = "Only the cohorts of this phase: `prepare`, `engage`, `realise` or `anchor`"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "The funnel per team and in all", content(
            (ReachView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "No such team, not a phase, or a bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn reach(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<IndicatorQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, filter) = scope(&programmes, &user, id, q).await?;
    let today = p.time_zone.today();
    let reach = programmes.reach_in(&p, today, &filter).await?;
    match format {
        Format::Json => Ok(Json(ReachView::new(reach, &filter)).into_response()),
        Format::Csv(sep) => csv_file(crate::programme::reach_csv(&reach, sep), &p, "reach"),
    }
}

/// How one exercise is mastered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExerciseProficiencyView {
    pub scenario: String,
    pub exercise: String,
    /// In the scenario's main language.
    pub title: String,
    /// Learners with one attempt or more (checks that could not run are not attempts).
    pub attempted: u64,
    /// Learners who passed it.
    pub passed: u64,
    /// Learners whose first attempt passed.
    pub first_try_passed: u64,
    /// `first_try_passed / attempted`, to 4 decimals; null when no one attempted.
    pub first_try_rate: Option<f64>,
    /// Median, over those who passed, of the time from their first sandbox claim to their first pass, in whole seconds.
    pub median_seconds_to_pass: Option<i64>,
    /// Median, over those who passed, of their attempts up to and including the first pass, to one decimal.
    pub median_attempts_to_pass: Option<f64>,
}

impl From<ExerciseProficiency> for ExerciseProficiencyView {
    fn from(e: ExerciseProficiency) -> Self {
        Self {
            scenario: e.scenario,
            exercise: e.exercise,
            title: e.title,
            attempted: e.attempted,
            passed: e.passed,
            first_try_passed: e.first_try_passed,
            first_try_rate: e.first_try_rate,
            median_seconds_to_pass: e.median_seconds_to_pass,
            median_attempts_to_pass: e.median_attempts_to_pass,
        }
    }
}

/// The proficiency indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProficiencyView {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    /// The programme's exercises: scenarios by id, each one's exercises in order.
    pub exercises: Vec<ExerciseProficiencyView>,
}

impl From<Proficiency> for ProficiencyView {
    fn from(p: Proficiency) -> Self {
        Self {
            programme: p.programme,
            team: p.team,
            phase: p.phase,
            exercises: p.exercises.into_iter().map(Into::into).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/proficiency", tag = "programmes", operation_id = "proficiency",
    summary = "Proficiency: per exercise, median time and attempts to pass, first-try pass rate",
    description = "Per learner of the programme's cohorts; checks that could not run (`error`) are not attempts. \
        Medians: the middle value, or the mean of the two middle ones for an even count. As CSV (`format=csv`): \
        a header line (`scenario_id;exercise_id;exercise_title;attempted;passed;first_try_passed;first_try_rate;\
        median_seconds_to_pass;median_attempts_to_pass`), one line per exercise; absent figures are empty cells.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("team" = Option<String>, Query, description = "Only the learners of this team"),
        ("phase" = Option<String>, Query, description = "Only the cohorts of this phase"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "Every exercise of the programme's scenarios", content(
            (ProficiencyView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "No such team, not a phase, or a bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn proficiency(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<IndicatorQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, filter) = scope(&programmes, &user, id, q).await?;
    let proficiency = programmes.proficiency(&p, &filter).await?;
    match format {
        Format::Json => Ok(Json(ProficiencyView::from(proficiency)).into_response()),
        Format::Csv(sep) => csv_file(
            crate::programme::proficiency_csv(&proficiency, sep),
            &p,
            "proficiency",
        ),
    }
}

/// A failing check's output (trimmed, white space collapsed, cut to 200 characters) and how many failed checks gave it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailingOutputView {
    pub output: String,
    pub count: u64,
}

/// One exercise and what went wrong there.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExerciseStruggleView {
    /// 1 for the exercise people struggle with most.
    pub rank: u32,
    pub scenario: String,
    pub exercise: String,
    pub title: String,
    /// Learners with one attempt or more.
    pub attempted: u64,
    /// Checks that failed.
    pub failed_checks: u64,
    /// Learners who attempted it, never passed it, and made no attempt at it for more than `idle_hours`, or whose cohort ended.
    pub abandoned: u64,
    /// The 3 most frequent, most first (ties by text).
    pub failing_outputs: Vec<FailingOutputView>,
}

impl From<ExerciseStruggle> for ExerciseStruggleView {
    fn from(e: ExerciseStruggle) -> Self {
        Self {
            rank: e.rank,
            scenario: e.scenario,
            exercise: e.exercise,
            title: e.title,
            attempted: e.attempted,
            failed_checks: e.failed_checks,
            abandoned: e.abandoned,
            failing_outputs: e
                .failing_outputs
                .into_iter()
                .map(|o| FailingOutputView {
                    output: o.output,
                    count: o.count,
                })
                .collect(),
        }
    }
}

/// The struggle indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct StruggleView {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    /// Hours without an attempt after which an unpassed exercise counts as abandoned.
    pub idle_hours: u32,
    /// The moment abandonment was judged at.
    pub as_of: DateTime<Utc>,
    /// Ranked: by failed checks, then abandoned (most first), then in the programme's order.
    pub exercises: Vec<ExerciseStruggleView>,
}

impl From<Struggle> for StruggleView {
    fn from(s: Struggle) -> Self {
        Self {
            programme: s.programme,
            team: s.team,
            phase: s.phase,
            idle_hours: s.idle_hours,
            as_of: s.as_of,
            exercises: s.exercises.into_iter().map(Into::into).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/struggle", tag = "programmes", operation_id = "struggle",
    summary = "Where people struggle: exercises ranked by failed checks and abandonment, with the most common failing outputs",
    description = "Ranked by failed checks, then by learners who abandoned the exercise (most first), then in the programme's \
        order of exercises. As CSV (`format=csv`): a header line (`rank;scenario_id;exercise_id;exercise_title;attempted;\
        failed_checks;abandoned;output_1;output_1_count;output_2;output_2_count;output_3;output_3_count`), one line per exercise.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("team" = Option<String>, Query, description = "Only the learners of this team"),
        ("phase" = Option<String>, Query, description = "Only the cohorts of this phase"),
        ("idle_hours" = Option<u32>, Query, description = "Hours without an attempt after which an unpassed exercise is abandoned: 1 to 8784, 24 by default"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "Every exercise of the programme's scenarios, ranked", content(
            (StruggleView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "No such team, not a phase, `idle_hours` out of range, or a bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn struggle(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<StruggleQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (q, format, p, filter) = scope(&programmes, &user, id, q).await?;
    let idle_hours = q.idle_hours.unwrap_or(DEFAULT_IDLE_HOURS);
    let struggle = programmes
        .struggle(&p, &filter, idle_hours, Utc::now())
        .await?;
    match format {
        Format::Json => Ok(Json(StruggleView::from(struggle)).into_response()),
        Format::Csv(sep) => csv_file(
            crate::programme::struggle_csv(&struggle, sep),
            &p,
            "struggle",
        ),
    }
}
