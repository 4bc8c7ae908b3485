//! `/api/v1/programmes`: change programmes, their impact study (teams,
//! people, impacts), cohorts put in their phases, the real tool's use. Its
//! indicators are in `indicators.rs`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::{Body, Caller, Ids};
use super::{ApiError, ErrorBody};
use crate::http::i18n;
use crate::programme::{
    CreateProgramme, Impact, PersonRow, PlannedPhase, ProgrammeScenario, Programmes, SetImpact,
    TeamKind, TeamRow,
};
use crate::store::{ImportCounts, PhaseDates, ProgrammeRecord, Store, TeamRecord};

type ApiResult<T> = Result<T, ApiError>;

/// A phase's dates, as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhaseView {
    /// `prepare`, `engage`, `realise` or `anchor`.
    pub phase: String,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
}

impl From<PhaseDates> for PhaseView {
    fn from(p: PhaseDates) -> Self {
        Self {
            phase: p.phase,
            planned_start: p.planned_start,
            planned_end: p.planned_end,
            actual_start: p.actual_start,
            actual_end: p.actual_end,
        }
    }
}

/// A scenario serving a programme.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInPhase {
    pub scenario: String,
    pub phase: String,
}

/// A programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeView {
    pub id: Uuid,
    pub name: String,
    pub summary: String,
    /// The change lead's account name.
    pub lead: String,
    pub time_zone: String,
    /// The phase it is in now.
    pub phase: String,
    pub phases: Vec<PhaseView>,
    pub scenarios: Vec<ScenarioInPhase>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Made up by `sandpit demo`, to be removed with `sandpit demo --remove`.
    pub demo: bool,
}

async fn view(store: &Store, p: ProgrammeRecord) -> ApiResult<ProgrammeView> {
    let phases = store.programme_phases(*p.id).await?;
    let scenarios = store.programme_scenarios(*p.id).await?;
    Ok(ProgrammeView {
        id: *p.id,
        name: p.name,
        summary: p.summary,
        lead: p.lead_name,
        time_zone: p.time_zone.name().to_owned(),
        phase: p.phase,
        phases: phases.into_iter().map(Into::into).collect(),
        scenarios: scenarios
            .into_iter()
            .map(|(scenario, phase)| ScenarioInPhase { scenario, phase })
            .collect(),
        created_at: p.created_at,
        demo: p.demo,
    })
}

/// A phase's planned dates.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedPhaseBody {
    pub phase: String,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
}

/// What creating a programme takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProgrammeBody {
    #[schema(example = "Adopting the new wiki")]
    pub name: String,
    #[serde(default)]
    pub summary: String,
    /// IANA name; the installation's zone when absent.
    pub time_zone: Option<String>,
    #[serde(default)]
    pub phases: Vec<PlannedPhaseBody>,
    /// The scenarios serving it, each in a phase.
    #[serde(default)]
    pub scenarios: Vec<ScenarioInPhase>,
}

#[utoipa::path(post, path = "/api/v1/programmes", tag = "programmes", operation_id = "createProgramme",
    summary = "Create a change programme (you lead it)",
    request_body = CreateProgrammeBody,
    responses(
        (status = 201, description = "The programme, in its first phase", body = ProgrammeView),
        (status = 400, description = "A field is wrong; the message names it", body = ErrorBody),
    ))]
pub async fn create_programme(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(store): State<Store>,
    Body(body): Body<CreateProgrammeBody>,
) -> ApiResult<(StatusCode, Json<ProgrammeView>)> {
    let req = CreateProgramme {
        name: body.name,
        summary: body.summary,
        time_zone: body.time_zone,
        phases: body
            .phases
            .into_iter()
            .map(|p| PlannedPhase {
                phase: p.phase,
                planned_start: p.planned_start,
                planned_end: p.planned_end,
            })
            .collect(),
        scenarios: body
            .scenarios
            .into_iter()
            .map(|s| ProgrammeScenario {
                scenario: s.scenario,
                phase: s.phase,
            })
            .collect(),
    };
    let created = programmes.create(&user, req).await?;
    let created = store
        .programme(*created.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(view(&store, created).await?)))
}

#[utoipa::path(get, path = "/api/v1/programmes", tag = "programmes", operation_id = "listProgrammes",
    summary = "The programmes you lead, train in, or all for an admin",
    responses((status = 200, description = "The programmes, by name", body = Vec<ProgrammeView>)))]
pub async fn list_programmes(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(store): State<Store>,
) -> ApiResult<Json<Vec<ProgrammeView>>> {
    let mut out = Vec::new();
    for p in programmes.list(&user).await? {
        out.push(view(&store, p).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}", tag = "programmes", operation_id = "getProgramme",
    summary = "A programme",
    params(("id" = Uuid, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "The programme", body = ProgrammeView),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn programme(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(store): State<Store>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<ProgrammeView>> {
    let p = programmes.visible(&user, id).await?;
    Ok(Json(view(&store, p).await?))
}

/// The phase to move into.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseBody {
    /// `prepare`, `engage`, `realise` or `anchor`.
    pub phase: String,
}

#[utoipa::path(put, path = "/api/v1/programmes/{id}/phase", tag = "programmes", operation_id = "enterPhase",
    summary = "Move the programme into a phase, today",
    description = "The phase it leaves ends today, the one it enters starts today (in the programme's zone); dates already set are kept.",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body = PhaseBody,
    responses(
        (status = 200, description = "The programme", body = ProgrammeView),
        (status = 400, description = "Not a phase", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn enter_phase(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(store): State<Store>,
    Ids(id): Ids<Uuid>,
    Body(body): Body<PhaseBody>,
) -> ApiResult<Json<ProgrammeView>> {
    programmes.enter_phase(&user, id, &body.phase).await?;
    let p = programmes.visible(&user, id).await?;
    Ok(Json(view(&store, p).await?))
}

/// A team of the impact study.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamBody {
    pub name: String,
    /// `business` or `support`.
    #[schema(value_type = String, example = "business")]
    pub kind: TeamKind,
    /// Department or site.
    pub site: Option<String>,
    pub headcount: u32,
    /// 1 (not ready) to 5.
    pub maturity: u8,
}

/// What an import changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    pub added: u64,
    pub updated: u64,
}

impl From<ImportCounts> for ImportView {
    fn from(c: ImportCounts) -> Self {
        Self {
            added: c.added,
            updated: c.updated,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/teams", tag = "programmes", operation_id = "importTeams",
    summary = "Add or update teams (by name), all or nothing",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body = Vec<TeamBody>,
    responses(
        (status = 200, description = "What changed", body = ImportView),
        (status = 400, description = "An entry is wrong; the message names it", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn import_teams(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    Body(body): Body<Vec<TeamBody>>,
) -> ApiResult<Json<ImportView>> {
    let mut rows = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, t) in body.into_iter().enumerate() {
        let at = |m: &str| ApiError::bad(format!("team {}: {m}", i + 1));
        let name = t.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(at("`name` must be 1 to 100 characters"));
        }
        if !(1..=5).contains(&t.maturity) {
            return Err(at("`maturity` is from 1 to 5"));
        }
        if !names.insert(name.to_lowercase()) {
            return Err(at(&format!("`{name}` is given twice")));
        }
        rows.push(TeamRow {
            name: name.to_owned(),
            kind: t.kind,
            site: t
                .site
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            headcount: t.headcount,
            maturity: t.maturity,
        });
    }
    Ok(Json(
        programmes.import_teams(&user, id, &rows).await?.into(),
    ))
}

/// A CSV file about programme `id`'s teams, read by `parse` with their
/// names once `user` may change the programme; its mistakes, every line's,
/// in the caller's language (400).
pub(super) async fn read_csv<T>(
    programmes: &Programmes,
    user: &crate::store::User,
    id: Uuid,
    headers: &HeaderMap,
    parse: impl FnOnce(&[String]) -> Result<T, crate::programme::import::ImportErrors>,
) -> ApiResult<T> {
    let lang = i18n::negotiate(None, headers);
    programmes.managed(user, id).await?;
    let teams = programmes.team_names(id).await?;
    parse(&teams).map_err(|e| import_refused(lang, &e))
}

/// An import's mistakes, every line's, in the caller's language; 400.
fn import_refused(lang: &str, errors: &crate::programme::import::ImportErrors) -> ApiError {
    let lines: Vec<String> = errors
        .0
        .iter()
        .map(|e| {
            let (key, args) = e.message();
            let detail = i18n::text_with(lang, key, &args);
            match e.line {
                Some(line) => i18n::text_with(
                    lang,
                    "import-line",
                    &[("line", line.into()), ("detail", detail.into())],
                ),
                None => detail,
            }
        })
        .collect();
    ApiError::bad(lines.join("\n"))
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/teams.csv", tag = "programmes", operation_id = "importTeamsCsv",
    summary = "Add or update teams from a CSV file, all or nothing",
    description = "Columns (a header line is required; English or French words): name/équipe, kind/nature (business|métier, support), site/direction, headcount/effectif, maturity/maturité (1–5). UTF-8 or Windows-1252, `,` or `;`, with or without a byte order mark. Every bad line is reported with its number, in the language of `Accept-Language`.",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "What changed", body = ImportView),
        (status = 400, description = "Bad lines, each with its number; nothing was imported", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn import_teams_csv(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportView>> {
    let lang = i18n::negotiate(None, &headers);
    programmes.managed(&user, id).await?;
    let rows =
        crate::programme::import::parse_teams(&body).map_err(|e| import_refused(lang, &e))?;
    Ok(Json(
        programmes.import_teams(&user, id, &rows).await?.into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/people.csv", tag = "programmes", operation_id = "importPeopleCsv",
    summary = "Add people, or update those known by e-mail address, from a CSV file, all or nothing",
    description = "Columns (a header line is required; English or French words): name/nom, email/courriel, team/équipe (one of the programme's teams). UTF-8 or Windows-1252, `,` or `;`, with or without a byte order mark. Every bad line is reported with its number, in the language of `Accept-Language`.",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "What changed", body = ImportView),
        (status = 400, description = "Bad lines, each with its number; nothing was imported", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn import_people_csv(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportView>> {
    let rows = read_csv(&programmes, &user, id, &headers, |teams| {
        crate::programme::import::parse_people(&body, teams)
    })
    .await?;
    Ok(Json(
        programmes.import_people(&user, id, &rows).await?.into(),
    ))
}

/// A team with what the study says of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub site: Option<String>,
    pub headcount: i64,
    pub maturity: i64,
    /// People of it known by name.
    pub people: i64,
    pub impacts: Vec<ImpactBody>,
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/teams", tag = "programmes", operation_id = "listTeams",
    summary = "The programme's impact study: its teams and each scenario's impact on them",
    params(("id" = Uuid, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "The teams, by name", body = Vec<TeamView>),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn list_teams(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(store): State<Store>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<Vec<TeamView>>> {
    programmes.visible(&user, id).await?;
    let impacts = store.impacts(id).await?;
    let teams: Vec<TeamRecord> = store.teams(id).await?;
    Ok(Json(
        teams
            .into_iter()
            .map(|t| TeamView {
                impacts: impacts
                    .iter()
                    .filter(|i| i.team_id == t.id)
                    .map(|i| ImpactBody {
                        scenario: i.scenario_id.clone(),
                        impact: match i.impact.as_str() {
                            "high" => Impact::High,
                            "low" => Impact::Low,
                            _ => Impact::None,
                        },
                        required: i.required,
                        due_on: i.due_on,
                    })
                    .collect(),
                id: *t.id,
                name: t.name,
                kind: t.kind,
                site: t.site,
                headcount: t.headcount,
                maturity: t.maturity,
                people: t.people,
            })
            .collect(),
    ))
}

/// A person of a team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    pub name: String,
    pub email: Option<String>,
    /// The team's name.
    pub team: String,
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/people", tag = "programmes", operation_id = "importPeople",
    summary = "Add people, or update those known by e-mail address, all or nothing",
    description = "Their teams must exist. The programme's cohorts' learners are then matched to them by e-mail address.",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body = Vec<PersonBody>,
    responses(
        (status = 200, description = "What changed", body = ImportView),
        (status = 400, description = "An entry is wrong; the message names it", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn import_people(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    Body(body): Body<Vec<PersonBody>>,
) -> ApiResult<Json<ImportView>> {
    programmes.visible(&user, id).await?;
    let teams = programmes.team_names(id).await?;
    let mut rows = Vec::new();
    let mut emails = std::collections::HashSet::new();
    for (i, p) in body.into_iter().enumerate() {
        let at = |m: &str| ApiError::bad(format!("person {}: {m}", i + 1));
        let name = p.name.trim().to_owned();
        let email = p
            .email
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if name.is_empty() {
            return Err(at("`name` is empty"));
        }
        if let Some(e) = &email {
            if !e.contains('@') || e.chars().any(char::is_whitespace) {
                return Err(at(&format!("`{e}` is not an e-mail address")));
            }
            if !emails.insert(e.to_lowercase()) {
                return Err(at(&format!("`{e}` is given twice")));
            }
        }
        let Some(team) = teams.iter().find(|t| t.eq_ignore_ascii_case(p.team.trim())) else {
            return Err(at(&format!(
                "the programme has no team `{}` (its teams: {})",
                p.team,
                teams.join(", ")
            )));
        };
        rows.push(PersonRow {
            name,
            email,
            team: team.clone(),
        });
    }
    Ok(Json(
        programmes.import_people(&user, id, &rows).await?.into(),
    ))
}

/// One scenario's impact on a team.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactBody {
    pub scenario: String,
    /// `none`, `low` or `high`.
    #[schema(value_type = String, example = "high")]
    pub impact: Impact,
    /// Whether the team's people must complete it.
    #[serde(default)]
    pub required: bool,
    /// By when, if required.
    pub due_on: Option<NaiveDate>,
}

#[utoipa::path(put, path = "/api/v1/programmes/{id}/teams/{team}/impacts", tag = "programmes", operation_id = "setImpacts",
    summary = "Replace a team's impacts: per scenario, its impact and whether (and by when) it is required",
    params(("id" = Uuid, Path, description = "The programme's id"), ("team" = String, Path, description = "The team's name")),
    request_body = Vec<ImpactBody>,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "An entry is wrong; the message names it", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn set_impacts(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids((id, team)): Ids<(Uuid, String)>,
    Body(body): Body<Vec<ImpactBody>>,
) -> ApiResult<StatusCode> {
    let impacts: Vec<SetImpact> = body
        .into_iter()
        .map(|i| SetImpact {
            scenario: i.scenario,
            impact: i.impact,
            required: i.required,
            due_on: i.due_on,
        })
        .collect();
    programmes.set_impacts(&user, id, &team, &impacts).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/programmes/{id}/cohorts/{cohort}", tag = "programmes", operation_id = "attachCohort",
    summary = "Put one of your cohorts in a phase of the programme",
    description = "The cohort's scenario must be one of the programme's. Its learners are matched to the programme's people by e-mail address, or by the team their roster line names.",
    params(("id" = Uuid, Path, description = "The programme's id"), ("cohort" = Uuid, Path, description = "The cohort's id")),
    request_body = PhaseBody,
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Not a phase, no such cohort, or not the programme's scenario", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn attach_cohort(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids((id, cohort)): Ids<(Uuid, Uuid)>,
    Body(body): Body<PhaseBody>,
) -> ApiResult<StatusCode> {
    programmes
        .attach_cohort(&user, id, cohort, &body.phase)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A pulse question to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PulseBody {
    /// The phase whose cohorts' learners are asked.
    pub phase: String,
    /// `before` their first exercise or `after` their last.
    pub moment: String,
    /// The question in English, French or both.
    pub text_en: Option<String>,
    pub text_fr: Option<String>,
}

/// A pulse question.
#[derive(Debug, Serialize, ToSchema)]
pub struct PulseView {
    pub id: Uuid,
    pub phase: String,
    pub moment: String,
    pub position: i64,
    pub text_en: Option<String>,
    pub text_fr: Option<String>,
}

impl From<crate::store::PulseQuestion> for PulseView {
    fn from(q: crate::store::PulseQuestion) -> Self {
        Self {
            id: *q.id,
            phase: q.phase,
            moment: q.moment,
            position: q.position,
            text_en: q.text_en,
            text_fr: q.text_fr,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/pulses", tag = "programmes", operation_id = "addPulse",
    summary = "Add a pulse question to a phase",
    description = "Asked of the learners of the phase's cohorts on their page, before their first exercise or after their last; answered once, from 1 to 5 with an optional comment.",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body = PulseBody,
    responses(
        (status = 201, description = "The question", body = PulseView),
        (status = 400, description = "A field is wrong; the message names it", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn add_pulse(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    Body(body): Body<PulseBody>,
) -> ApiResult<(StatusCode, Json<PulseView>)> {
    let q = programmes
        .add_pulse(
            &user,
            id,
            &body.phase,
            &body.moment,
            body.text_en.as_deref(),
            body.text_fr.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(q.into())))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/pulses", tag = "programmes", operation_id = "listPulses",
    summary = "The programme's pulse questions, by phase, moment and order",
    params(("id" = Uuid, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "The questions", body = Vec<PulseView>),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn list_pulses(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(store): State<Store>,
    Ids(id): Ids<Uuid>,
) -> ApiResult<Json<Vec<PulseView>>> {
    programmes.visible(&user, id).await?;
    Ok(Json(
        store
            .pulse_questions(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
