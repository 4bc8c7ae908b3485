//! A cohort's progress grid: learners × exercises, with attempts, passes,
//! the current step, the last activity and a "stuck" mark.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{PoolStatus, Result, SandboxError, SandboxService};
use crate::scenario::Scenario;
use crate::store::{Cohort, CohortAttempt, Learner};

/// When a learner counts as stuck.
#[derive(Debug, Clone, Copy)]
pub struct StuckRule {
    /// Failed checks on the current step since it was reached.
    pub failures: u32,
    /// Time on an unfinished step with no check.
    pub idle: chrono::TimeDelta,
}

impl StuckRule {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            failures: config.stuck_failures.max(1),
            idle: chrono::TimeDelta::minutes(i64::from(config.stuck_idle_minutes.max(1))),
        }
    }
}

impl Default for StuckRule {
    fn default() -> Self {
        Self {
            failures: 3,
            idle: chrono::TimeDelta::minutes(10),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    NotStarted,
    Attempted,
    Passed,
}

/// One learner's standing on one exercise.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cell {
    pub state: CellState,
    pub attempts: u32,
    pub passed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExerciseColumn {
    pub id: String,
    pub title: String,
}

/// One row of the grid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LearnerProgress {
    pub id: Uuid,
    pub position: i64,
    pub name: String,
    pub email: Option<String>,
    pub team: Option<String>,
    /// The state of the learner's sandbox; None before the link is opened.
    pub sandbox_state: Option<String>,
    pub cells: Vec<Cell>,
    /// The first exercise not passed yet; None when all are.
    pub current_step: Option<String>,
    pub completed: u32,
    pub finished: bool,
    pub last_activity: Option<DateTime<Utc>>,
    pub stuck: bool,
    /// Why the learner is marked stuck.
    pub stuck_reason: Option<String>,
}

/// The whole grid, with the pool's state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CohortProgress {
    pub cohort: Uuid,
    pub exercises: Vec<ExerciseColumn>,
    pub learners: Vec<LearnerProgress>,
    pub pool: PoolStatus,
}

impl SandboxService {
    /// Computes a cohort's grid from the store.
    pub async fn cohort_progress(
        &self,
        cohort: &Cohort,
        scenario: &Scenario,
        rule: StuckRule,
    ) -> Result<CohortProgress> {
        let learners = self.store.learners(*cohort.id).await?;
        let attempts = self.store.cohort_attempts(*cohort.id).await?;
        let pool = self.pool_status(cohort).await?;
        let mut by_learner: HashMap<&str, Vec<&CohortAttempt>> = HashMap::new();
        for a in &attempts {
            if let Some(l) = a.learner_id.as_deref() {
                by_learner.entry(l).or_default().push(a);
            }
        }
        let now = Utc::now();
        let rows = learners
            .iter()
            .map(|l| {
                let mine = by_learner
                    .get(l.id.to_string().as_str())
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                row(l, mine, scenario, rule, now)
            })
            .collect();
        Ok(CohortProgress {
            cohort: *cohort.id,
            exercises: scenario
                .exercises
                .iter()
                .map(|e| ExerciseColumn {
                    id: e.id.to_string(),
                    title: e.title.main().to_owned(),
                })
                .collect(),
            learners: rows,
            pool,
        })
    }

    /// One learner of a cohort and every attempt they made.
    pub async fn learner_detail(
        &self,
        cohort: Uuid,
        learner: Uuid,
    ) -> Result<(Learner, Vec<CohortAttempt>)> {
        let found = self
            .store
            .learners(cohort)
            .await?
            .into_iter()
            .find(|l| *l.id == learner)
            .ok_or_else(|| {
                SandboxError::Invalid(format!("cohort {cohort} has no learner {learner}"))
            })?;
        let attempts = self.store.learner_attempts(learner).await?;
        Ok((found, attempts))
    }
}

fn row(
    l: &Learner,
    attempts: &[&CohortAttempt],
    scenario: &Scenario,
    rule: StuckRule,
    now: DateTime<Utc>,
) -> LearnerProgress {
    let cells: Vec<Cell> = scenario
        .exercises
        .iter()
        .map(|e| {
            let mine = attempts.iter().filter(|a| a.exercise_id == e.id.as_str());
            let mut cell = Cell {
                state: CellState::NotStarted,
                attempts: 0,
                passed_at: None,
            };
            for a in mine {
                cell.attempts += 1;
                if a.completion {
                    cell.passed_at = Some(a.created_at);
                }
            }
            cell.state = match (cell.passed_at, cell.attempts) {
                (Some(_), _) => CellState::Passed,
                (None, 0) => CellState::NotStarted,
                (None, _) => CellState::Attempted,
            };
            cell
        })
        .collect();
    let completed = cells
        .iter()
        .filter(|c| c.state == CellState::Passed)
        .count() as u32;
    let current = scenario
        .exercises
        .iter()
        .zip(&cells)
        .find(|(_, c)| c.state != CellState::Passed)
        .map(|(e, _)| e.id.to_string());
    let last_attempt = attempts.iter().map(|a| a.created_at).max();
    let last_activity = last_attempt.max(l.claimed_at);
    let mut stuck_reason = None;
    if let Some(step) = &current
        && l.claimed_at.is_some()
        && l.sandbox_state.as_deref() == Some("claimed")
    {
        // Failed checks on this step since the previous step was passed.
        let since = cells
            .iter()
            .filter_map(|c| c.passed_at)
            .max()
            .or(l.claimed_at);
        let failures = attempts
            .iter()
            .filter(|a| a.exercise_id == *step && a.outcome == "failed")
            .filter(|a| since.is_none_or(|s| a.created_at >= s))
            .count() as u32;
        if failures >= rule.failures {
            stuck_reason = Some(format!("{failures} failed checks on this step"));
        } else if let Some(at) = last_activity
            && now - at >= rule.idle
        {
            stuck_reason = Some(format!("no check for {} min", (now - at).num_minutes()));
        }
    }
    LearnerProgress {
        id: *l.id,
        position: l.position,
        name: l.name.clone(),
        email: l.email.clone(),
        team: l.team.clone(),
        sandbox_state: l.sandbox_state.clone(),
        finished: current.is_none(),
        current_step: current,
        completed,
        last_activity,
        stuck: stuck_reason.is_some(),
        stuck_reason,
        cells,
    }
}
