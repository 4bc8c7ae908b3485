//! What a change lead does with a programme: create it, import its impact
//! study, set each scenario's impact on each team, put cohorts in its
//! phases, move it from phase to phase, record the real tool's use. Every
//! input is checked here, with what is wrong named, before the store
//! changes anything.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::{Impact, PersonRow, Phase, TeamRow};
use crate::scenario::Scenarios;
use crate::store::{
    ImpactRecord, ImportCounts, NewPerson, NewProgramme, NewTeam, PhaseDates, ProgrammeRecord,
    Role, Store, StoreError, User,
};
use crate::timezone::TimeZone;

/// Kotter's phases, in their order.
pub const PHASES: [Phase; 4] = [Phase::Prepare, Phase::Engage, Phase::Realise, Phase::Anchor];

/// The name a phase is stored and sent under.
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Prepare => "prepare",
        Phase::Engage => "engage",
        Phase::Realise => "realise",
        Phase::Anchor => "anchor",
    }
}

/// A phase from its name.
pub fn parse_phase(name: &str) -> Result<Phase, ProgrammeError> {
    PHASES
        .into_iter()
        .find(|p| phase_name(*p) == name.trim())
        .ok_or_else(|| {
            ProgrammeError::Invalid(format!(
                "`{name}` is not a phase (prepare, engage, realise or anchor)"
            ))
        })
}

/// Why a programme's request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProgrammeError {
    /// The request is wrong; the message names what.
    #[error("{0}")]
    Invalid(String),
    /// What the request would add is there already; the message names it.
    #[error("{0}")]
    Exists(String),
    #[error("no such programme")]
    NotFound,
    /// The caller may not do this to this programme.
    #[error("only the programme's lead or an admin may do this")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A phase's planned dates, as asked for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedPhase {
    pub phase: String,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
}

/// A scenario serving a programme, in one of its phases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeScenario {
    pub scenario: String,
    pub phase: String,
}

/// What creating a programme takes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateProgramme {
    pub name: String,
    #[serde(default)]
    pub summary: String,
    /// IANA name; the installation's zone when absent.
    pub time_zone: Option<String>,
    #[serde(default)]
    pub phases: Vec<PlannedPhase>,
    #[serde(default)]
    pub scenarios: Vec<ProgrammeScenario>,
}

/// One scenario's impact on a team, as asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetImpact {
    pub scenario: String,
    pub impact: Impact,
    /// Whether the team's people must complete it.
    #[serde(default)]
    pub required: bool,
    /// By when, when required.
    pub due_on: Option<NaiveDate>,
}

/// Active users of the real tool in a team for a week, as posted.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TeamUsage {
    pub team: String,
    /// Any day of the week; stored as the ISO week's Monday.
    pub week: NaiveDate,
    pub active_users: u32,
}

/// Programmes over the store, knowing the scenarios they can use.
#[derive(Clone)]
pub struct Programmes {
    store: Store,
    scenarios: Arc<Scenarios>,
    /// The zone of programmes created without one.
    default_zone: TimeZone,
}

impl Programmes {
    pub fn new(store: Store, scenarios: Arc<Scenarios>, default_zone: TimeZone) -> Self {
        Self {
            store,
            scenarios,
            default_zone,
        }
    }

    pub(super) fn store(&self) -> &Store {
        &self.store
    }

    pub(super) fn scenarios(&self) -> &Scenarios {
        &self.scenarios
    }

    /// The zone of programmes created without one.
    pub(super) fn default_zone(&self) -> TimeZone {
        self.default_zone
    }

    /// Creates a programme led by `lead`, in its first phase.
    pub async fn create(
        &self,
        lead: &User,
        req: CreateProgramme,
    ) -> Result<ProgrammeRecord, ProgrammeError> {
        self.create_with(lead, req, None, false).await
    }

    /// [`Programmes::create`], its first phase started on `started` (today
    /// in its zone when None); a `demo` programme is marked as one.
    pub(super) async fn create_with(
        &self,
        lead: &User,
        req: CreateProgramme,
        started: Option<NaiveDate>,
        demo: bool,
    ) -> Result<ProgrammeRecord, ProgrammeError> {
        let invalid = |m: String| Err(ProgrammeError::Invalid(m));
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return invalid("`name` must be 1 to 100 characters".into());
        }
        let time_zone = match req.time_zone.as_deref() {
            None | Some("") => self.default_zone,
            Some(z) => TimeZone::parse(z).map_err(|e| ProgrammeError::Invalid(e.to_string()))?,
        };
        let mut phases = Vec::new();
        let mut seen = BTreeSet::new();
        for p in &req.phases {
            let phase = phase_name(parse_phase(&p.phase)?);
            if !seen.insert(phase) {
                return invalid(format!("phase `{phase}` is given twice"));
            }
            if let (Some(start), Some(end)) = (p.planned_start, p.planned_end)
                && end < start
            {
                return invalid(format!(
                    "phase `{phase}` ends ({end}) before it starts ({start})"
                ));
            }
            phases.push(PhaseDates {
                phase: phase.to_owned(),
                planned_start: p.planned_start,
                planned_end: p.planned_end,
                actual_start: None,
                actual_end: None,
            });
        }
        let mut scenarios = Vec::new();
        for s in &req.scenarios {
            let scenario = self
                .scenarios
                .named(s.scenario.trim())
                .map_err(|e| ProgrammeError::Invalid(e.to_string()))?;
            let phase = phase_name(parse_phase(&s.phase)?);
            if scenarios
                .iter()
                .any(|(id, _): &(String, String)| id == scenario.id.as_str())
            {
                return invalid(format!(
                    "scenario `{}` is given twice",
                    scenario.id.as_str()
                ));
            }
            scenarios.push((scenario.id.as_str().to_owned(), phase.to_owned()));
        }
        let today = started.unwrap_or_else(|| time_zone.today());
        let created = self
            .store
            .insert_programme(NewProgramme {
                name,
                summary: req.summary.trim(),
                lead: lead.id,
                time_zone,
                phases: &phases,
                scenarios: &scenarios,
                demo,
            })
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(what) => {
                    ProgrammeError::Invalid(format!("there is already {what}"))
                }
                e => e.into(),
            })?;
        // Its first phase starts the day it is created.
        self.store
            .enter_phase(*created.id, "prepare", today)
            .await?;
        Ok(created)
    }

    /// A programme `user` may see: admins see all, a lead theirs, a
    /// trainer those where one of their cohorts serves.
    pub async fn visible(&self, user: &User, id: Uuid) -> Result<ProgrammeRecord, ProgrammeError> {
        let programme = self
            .store
            .programme(id)
            .await?
            .ok_or(ProgrammeError::NotFound)?;
        if user.role == Role::Admin || *programme.lead_id == user.id {
            return Ok(programme);
        }
        let trains = self
            .store
            .cohorts_of_programme(id)
            .await?
            .iter()
            .any(|c| *c.owner_id == user.id);
        if trains {
            Ok(programme)
        } else {
            // Not told apart from a programme that does not exist.
            Err(ProgrammeError::NotFound)
        }
    }

    /// A programme `user` may change: its lead's, or any for an admin.
    pub async fn managed(&self, user: &User, id: Uuid) -> Result<ProgrammeRecord, ProgrammeError> {
        let programme = self.visible(user, id).await?;
        if user.role == Role::Admin || *programme.lead_id == user.id {
            Ok(programme)
        } else {
            Err(ProgrammeError::Forbidden)
        }
    }

    /// The programmes `user` may see.
    pub async fn list(&self, user: &User) -> Result<Vec<ProgrammeRecord>, ProgrammeError> {
        let mut out = Vec::new();
        for p in self.store.programmes().await? {
            if self.visible(user, *p.id).await.is_ok() {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Adds or updates teams (by name), all or nothing.
    pub async fn import_teams(
        &self,
        user: &User,
        id: Uuid,
        teams: &[TeamRow],
    ) -> Result<ImportCounts, ProgrammeError> {
        self.managed(user, id).await?;
        let rows: Vec<NewTeam<'_>> = teams
            .iter()
            .map(|t| NewTeam {
                name: &t.name,
                kind: t.kind.as_str(),
                site: t.site.as_deref(),
                headcount: t.headcount,
                maturity: t.maturity,
            })
            .collect();
        Ok(self.store.import_teams(id, &rows).await?)
    }

    /// Adds or updates people (by e-mail address), all or nothing; their
    /// teams must exist.
    pub async fn import_people(
        &self,
        user: &User,
        id: Uuid,
        people: &[PersonRow],
    ) -> Result<ImportCounts, ProgrammeError> {
        self.managed(user, id).await?;
        let rows: Vec<NewPerson<'_>> = people
            .iter()
            .map(|p| NewPerson {
                name: &p.name,
                email: p.email.as_deref(),
                team: &p.team,
            })
            .collect();
        self.store
            .import_people(id, &rows)
            .await
            .map_err(|e| match e {
                StoreError::UnknownTeam(team) => {
                    ProgrammeError::Invalid(format!("the programme has no team `{team}`"))
                }
                e => e.into(),
            })
    }

    /// The names of a programme's teams, by name.
    pub async fn team_names(&self, id: Uuid) -> Result<Vec<String>, ProgrammeError> {
        Ok(self
            .store
            .teams(id)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect())
    }

    /// Replaces a team's impacts: each scenario one of the programme's.
    pub async fn set_impacts(
        &self,
        user: &User,
        id: Uuid,
        team: &str,
        impacts: &[SetImpact],
    ) -> Result<(), ProgrammeError> {
        self.managed(user, id).await?;
        let teams = self.store.teams(id).await?;
        let Some(team) = teams
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(team.trim()))
        else {
            return Err(ProgrammeError::Invalid(format!(
                "the programme has no team `{team}`"
            )));
        };
        let scenarios: Vec<String> = self
            .store
            .programme_scenarios(id)
            .await?
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let mut records = Vec::new();
        for i in impacts {
            let scenario = i.scenario.trim();
            if !scenarios.iter().any(|s| s == scenario) {
                return Err(ProgrammeError::Invalid(format!(
                    "scenario `{scenario}` is not one of the programme's ({})",
                    scenarios.join(", ")
                )));
            }
            if records
                .iter()
                .any(|r: &ImpactRecord| r.scenario_id == scenario)
            {
                return Err(ProgrammeError::Invalid(format!(
                    "scenario `{scenario}` is given twice"
                )));
            }
            if i.required && i.impact == Impact::None {
                return Err(ProgrammeError::Invalid(format!(
                    "scenario `{scenario}` cannot be required of a team it has no impact on"
                )));
            }
            if i.due_on.is_some() && !i.required {
                return Err(ProgrammeError::Invalid(format!(
                    "scenario `{scenario}` has a due date but is not required"
                )));
            }
            records.push(ImpactRecord {
                team_id: team.id,
                scenario_id: scenario.to_owned(),
                impact: i.impact.as_str().to_owned(),
                required: i.required,
                due_on: i.due_on,
            });
        }
        Ok(self.store.set_impacts(*team.id, &records).await?)
    }

    /// Puts one of `user`'s cohorts (any, for an admin or the lead) in a
    /// phase of the programme; the cohort's scenario must be one of it.
    pub async fn attach_cohort(
        &self,
        user: &User,
        id: Uuid,
        cohort: Uuid,
        phase: &str,
    ) -> Result<(), ProgrammeError> {
        let programme = self.visible(user, id).await?;
        let phase = phase_name(parse_phase(phase)?);
        let cohort = self
            .store
            .cohort(cohort)
            .await?
            .ok_or_else(|| ProgrammeError::Invalid("no such cohort".into()))?;
        let may = user.role == Role::Admin
            || *programme.lead_id == user.id
            || *cohort.owner_id == user.id;
        if !may {
            return Err(ProgrammeError::Invalid("no such cohort".into()));
        }
        let serves = self
            .store
            .programme_scenarios(id)
            .await?
            .iter()
            .any(|(s, _)| *s == cohort.scenario_id);
        if !serves {
            return Err(ProgrammeError::Invalid(format!(
                "the cohort's scenario `{}` is not one of the programme's",
                cohort.scenario_id
            )));
        }
        Ok(self.store.attach_cohort(*cohort.id, id, phase).await?)
    }

    /// Moves the programme into `phase` today (in its zone).
    pub async fn enter_phase(
        &self,
        user: &User,
        id: Uuid,
        phase: &str,
    ) -> Result<(), ProgrammeError> {
        let programme = self.managed(user, id).await?;
        let today = programme.time_zone.today();
        self.enter_phase_on(user, id, phase, today).await
    }

    /// [`Programmes::enter_phase`] on `day`.
    pub(super) async fn enter_phase_on(
        &self,
        user: &User,
        id: Uuid,
        phase: &str,
        day: NaiveDate,
    ) -> Result<(), ProgrammeError> {
        self.managed(user, id).await?;
        let phase = phase_name(parse_phase(phase)?);
        Ok(self.store.enter_phase(id, phase, day).await?)
    }

    /// Records active users per team and week, all or nothing.
    pub async fn record_usage(
        &self,
        user: &User,
        id: Uuid,
        usage: &[TeamUsage],
    ) -> Result<usize, ProgrammeError> {
        self.managed(user, id).await?;
        let teams: HashMap<String, Uuid> = self
            .store
            .teams(id)
            .await?
            .into_iter()
            .map(|t| (t.name.to_lowercase(), *t.id))
            .collect();
        let mut records = Vec::new();
        for (i, u) in usage.iter().enumerate() {
            let Some(team) = teams.get(&u.team.trim().to_lowercase()) else {
                return Err(ProgrammeError::Invalid(format!(
                    "entry {}: the programme has no team `{}`",
                    i + 1,
                    u.team
                )));
            };
            records.push(crate::store::UsageRecord {
                team_id: crate::store::DbUuid(*team),
                week: monday_of(u.week),
                active_users: i64::from(u.active_users),
            });
        }
        self.store.record_usage(&records).await?;
        Ok(records.len())
    }
}

/// The Monday of `day`'s ISO week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
}
