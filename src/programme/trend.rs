//! The trend: the same figures cohort after cohort, so a change lead sees
//! whether what changed between them (a scenario reworded, a hint added, a
//! longer session) helped.
//!
//! One line per cohort of the programme (of the filter's phase), by start
//! then name, counting its learners in the filter's team; a cohort with no
//! learner there is left out. Per cohort:
//!
//! - *learners*: its roster lines; *started*: those who opened a sandbox;
//!   *completed*: those who completed every exercise of its scenario;
//! - *completed share*: `completed / learners`, to 4 decimals;
//! - *first-try pass rate*: over the pairs (learner, exercise) with one
//!   attempt or more, the share whose first attempt passed, to 4 decimals
//!   (none when no one attempted);
//! - *median time to pass* and *median attempts to pass*: over the pairs
//!   that passed, as the proficiency indicator defines them (see
//!   `super::proficiency`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::ProgrammeError;
use super::filter::IndicatorFilter;
use super::proficiency::{median, rate};
use super::service::Programmes;
use crate::store::{LearnerExercise, ProgrammeRecord};

/// One cohort's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortTrend {
    pub cohort: Uuid,
    pub name: String,
    pub scenario: String,
    pub phase: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub learners: u64,
    pub started: u64,
    pub completed: u64,
    pub completed_share: f64,
    /// Pairs (learner, exercise) with one attempt or more.
    pub attempted: u64,
    pub first_try_rate: Option<f64>,
    pub median_seconds_to_pass: Option<i64>,
    pub median_attempts_to_pass: Option<f64>,
}

/// The programme's cohorts, one after the other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    pub cohorts: Vec<CohortTrend>,
}

/// What one cohort's learners did, gathered before the figures are drawn.
#[derive(Default)]
struct Tally {
    learners: u64,
    started: u64,
    completed: u64,
    attempted: u64,
    first_try: u64,
    times: Vec<i64>,
    tries: Vec<i64>,
}

impl Programmes {
    /// The trend of `programme`'s cohorts in `filter`.
    pub async fn trend(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
    ) -> Result<Trend, ProgrammeError> {
        let rows = self.learner_rows(programme, filter).await?;
        self.trend_of(programme, filter, &rows).await
    }

    /// The trend of `programme`'s cohorts in `filter`, from their learners'
    /// [`learner_rows`](Self::learner_rows).
    pub async fn trend_of(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
        pairs: &[LearnerExercise],
    ) -> Result<Trend, ProgrammeError> {
        let id = *programme.id;
        let store = self.store();
        let cohorts = store.programme_cohorts(id, filter.scope()).await?;
        let learners = store.cohort_learners(id, filter.scope()).await?;
        let mut tallies: HashMap<Uuid, Tally> = HashMap::new();
        let exercises: HashMap<Uuid, i64> = cohorts
            .iter()
            .map(|c| {
                let n = self
                    .scenarios()
                    .find(&c.scenario_id)
                    .map_or(0, |s| s.exercises.len() as i64);
                (*c.id, n)
            })
            .collect();
        for l in &learners {
            let t = tallies.entry(*l.cohort_id).or_default();
            let n = u64::try_from(l.learners).unwrap_or(0);
            t.learners += n;
            if l.started {
                t.started += n;
            }
            let needed = exercises.get(&*l.cohort_id).copied().unwrap_or(0);
            if needed > 0 && l.completed >= needed {
                t.completed += n;
            }
        }
        for p in pairs {
            let t = tallies.entry(*p.cohort_id).or_default();
            t.attempted += 1;
            t.first_try += u64::from(p.first_passed);
            if let Some(n) = p.pass_number {
                t.tries.push(n);
                if let (Some(claimed), Some(passed)) = (p.claimed_at, p.passed_at) {
                    t.times.push((passed - claimed).num_milliseconds().max(0));
                }
            }
        }
        let cohorts = cohorts
            .into_iter()
            .filter_map(|c| {
                let t = tallies.remove(&*c.id)?;
                (t.learners > 0).then(|| CohortTrend {
                    cohort: *c.id,
                    name: c.name,
                    scenario: c.scenario_id,
                    phase: c.phase,
                    starts_at: c.starts_at,
                    learners: t.learners,
                    started: t.started,
                    completed: t.completed,
                    completed_share: rate(t.completed, t.learners),
                    attempted: t.attempted,
                    first_try_rate: (t.attempted > 0).then(|| rate(t.first_try, t.attempted)),
                    median_seconds_to_pass: median(t.times).map(|ms| (ms / 1000.0).round() as i64),
                    median_attempts_to_pass: median(t.tries).map(|n| (n * 10.0).round() / 10.0),
                })
            })
            .collect();
        Ok(Trend {
            programme: id,
            team: filter.team_name(),
            phase: filter.phase_name(),
            cohorts,
        })
    }
}
