//! Reach, the first change indicator: per team, headcount → invited →
//! started → completed, as counts and as shares of the headcount, against
//! the team's due date.
//!
//! - *invited*: people of the team on the roster of one of the programme's
//!   cohorts;
//! - *started*: those of them who opened their sandbox;
//! - *completed*: people who completed every exercise of every scenario
//!   required of their team (across all their sandboxes: a reset does not
//!   undo what was done). A team with nothing required has no one
//!   "completed", and no status but `none`.
//!
//! Status: `done` when as many people completed as the team counts;
//! `late` past the earliest due date of the team's required scenarios
//! (the day after it, in the programme's zone) and not done; otherwise
//! `on_track`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use super::ProgrammeError;
use super::filter::IndicatorFilter;
use super::service::Programmes;
use crate::store::{ImpactRecord, PersonProgress, PersonScenario, ProgrammeRecord, TeamRecord};

/// What reach and use are counted from; see [`Programmes::people_facts`].
#[derive(Debug, Clone)]
pub struct PeopleFacts {
    pub programme: Uuid,
    /// The phase whose cohorts `progress` and `done` count (all when None).
    pub phase: Option<String>,
    pub teams: Vec<TeamRecord>,
    pub impacts: Vec<ImpactRecord>,
    pub progress: Vec<PersonProgress>,
    pub done: Vec<PersonScenario>,
}

/// Where a team stands against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReachStatus {
    /// Nothing is required of the team.
    None,
    OnTrack,
    Late,
    Done,
}

impl ReachStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::OnTrack => "on_track",
            Self::Late => "late",
            Self::Done => "done",
        }
    }
}

/// One team's funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamReach {
    pub team: String,
    pub kind: String,
    pub site: Option<String>,
    pub headcount: u64,
    pub maturity: u8,
    /// People of the team known by name.
    pub people: u64,
    pub invited: u64,
    pub started: u64,
    pub completed: u64,
    /// `completed / headcount`, from 0 to 1 (0 for an empty team).
    pub completed_share: f64,
    /// The scenarios required of the team.
    pub required: Vec<String>,
    /// The earliest of their due dates.
    pub due_on: Option<NaiveDate>,
    pub status: ReachStatus,
}

/// The programme's reach: each team's funnel, and the whole programme's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reach {
    pub programme: Uuid,
    /// The day the status was judged on, in the programme's zone.
    pub today: NaiveDate,
    pub teams: Vec<TeamReach>,
    /// Every team added up (`required` and `due_on` left empty).
    pub total: TeamReach,
}

impl Programmes {
    /// The reach of `programme` as of `today`.
    pub async fn reach(
        &self,
        programme: &ProgrammeRecord,
        today: NaiveDate,
    ) -> Result<Reach, ProgrammeError> {
        self.reach_in(programme, today, &IndicatorFilter::default())
            .await
    }

    /// The reach of `programme` as of `today`, narrowed by `filter`: only
    /// its team's row (and the total is that row), counting only cohorts
    /// of its phase.
    pub async fn reach_in(
        &self,
        programme: &ProgrammeRecord,
        today: NaiveDate,
        filter: &IndicatorFilter,
    ) -> Result<Reach, ProgrammeError> {
        let facts = self.people_facts(programme, filter.scope().phase).await?;
        Ok(self.reach_of(today, filter, &facts))
    }

    /// The programme's teams, what is required of them, and how far each
    /// of its people went in its cohorts of `phase` (all when None): what
    /// reach and use are counted from (a page showing both reads them once).
    pub async fn people_facts(
        &self,
        programme: &ProgrammeRecord,
        phase: Option<&str>,
    ) -> Result<PeopleFacts, ProgrammeError> {
        let (id, store) = (*programme.id, self.store());
        Ok(PeopleFacts {
            programme: id,
            phase: phase.map(str::to_owned),
            teams: store.teams(id).await?,
            impacts: store.impacts(id).await?,
            progress: store.person_progress(id, phase).await?,
            done: store.person_scenarios(id, phase).await?,
        })
    }

    /// The reach as of `today` narrowed by `filter`, from the programme's
    /// [`people_facts`](Self::people_facts) of `filter`'s phase.
    pub fn reach_of(
        &self,
        today: NaiveDate,
        filter: &IndicatorFilter,
        facts: &PeopleFacts,
    ) -> Reach {
        debug_assert_eq!(facts.phase.as_deref(), filter.scope().phase);
        let mut teams: Vec<&TeamRecord> = facts.teams.iter().collect();
        if let Some(only) = &filter.team {
            teams.retain(|t| t.id == only.id);
        }
        let (impacts, progress, done) = (&facts.impacts, &facts.progress, &facts.done);
        // How many exercises each scenario has: completing it is doing them all.
        let exercises = |scenario: &str| {
            self.scenarios()
                .find(scenario)
                .map(|s| s.exercises.len() as i64)
        };
        let mut completed_of: HashMap<Uuid, BTreeMap<&str, bool>> = HashMap::new();
        for d in done {
            let all = exercises(&d.scenario_id).is_some_and(|n| d.completed >= n && n > 0);
            completed_of
                .entry(*d.person_id)
                .or_default()
                .insert(d.scenario_id.as_str(), all);
        }
        let mut out = Vec::new();
        for team in &teams {
            let required: Vec<&str> = impacts
                .iter()
                .filter(|i| i.team_id == team.id && i.required)
                .map(|i| i.scenario_id.as_str())
                .collect();
            let due_on = impacts
                .iter()
                .filter(|i| i.team_id == team.id && i.required)
                .filter_map(|i| i.due_on)
                .min();
            let members: Vec<_> = progress.iter().filter(|p| p.team_id == team.id).collect();
            let count = |f: &dyn Fn(&&crate::store::PersonProgress) -> bool| {
                members.iter().filter(|p| f(p)).count() as u64
            };
            let invited = count(&|p| p.invited);
            let started = count(&|p| p.started);
            let completed = if required.is_empty() {
                0
            } else {
                count(&|p| {
                    let done = completed_of.get(&*p.id);
                    required
                        .iter()
                        .all(|s| done.and_then(|d| d.get(s)).copied().unwrap_or(false))
                })
            };
            let headcount = u64::try_from(team.headcount).unwrap_or(0);
            let status = if required.is_empty() {
                ReachStatus::None
            } else if headcount > 0 && completed >= headcount {
                ReachStatus::Done
            } else if due_on.is_some_and(|due| today > due) {
                ReachStatus::Late
            } else {
                ReachStatus::OnTrack
            };
            out.push(TeamReach {
                team: team.name.clone(),
                kind: team.kind.clone(),
                site: team.site.clone(),
                headcount,
                maturity: u8::try_from(team.maturity).unwrap_or(0),
                people: u64::try_from(team.people).unwrap_or(0),
                invited,
                started,
                completed,
                completed_share: share(completed, headcount),
                required: required.iter().map(|s| (*s).to_owned()).collect(),
                due_on,
                status,
            });
        }
        let sum = |f: fn(&TeamReach) -> u64| out.iter().map(f).sum::<u64>();
        let (headcount, completed) = (sum(|t| t.headcount), sum(|t| t.completed));
        let total = TeamReach {
            team: String::new(),
            kind: String::new(),
            site: None,
            headcount,
            maturity: 0,
            people: sum(|t| t.people),
            invited: sum(|t| t.invited),
            started: sum(|t| t.started),
            completed,
            completed_share: share(completed, headcount),
            required: Vec::new(),
            due_on: None,
            status: if out.iter().all(|t| t.status == ReachStatus::None) {
                ReachStatus::None
            } else if out
                .iter()
                .all(|t| matches!(t.status, ReachStatus::Done | ReachStatus::None))
            {
                ReachStatus::Done
            } else if out.iter().any(|t| t.status == ReachStatus::Late) {
                ReachStatus::Late
            } else {
                ReachStatus::OnTrack
            },
        };
        Reach {
            programme: facts.programme,
            today,
            teams: out,
            total,
        }
    }
}

/// `part / whole`, rounded to 4 decimals (0 when `whole` is 0).
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
    }
}
