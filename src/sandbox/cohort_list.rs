//! What the lists of cohorts need: names free per trainer, archiving a
//! cohort that is over, and each cohort's progress and "stuck" count,
//! computed as its progress grid computes them.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{Result, SandboxError, SandboxService, StuckRule};
use crate::scenario::Scenario;
use crate::store::{Cohort, Store};

/// A cohort's standing, for the lists: steps passed of all its learners'
/// steps, learners finished, learners stuck now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CohortSummary {
    /// (learner, exercise) pairs passed, as the grid's ✓ cells.
    pub steps_passed: u64,
    /// Learners × the scenario's exercises.
    pub steps_total: u64,
    /// `steps_passed` of `steps_total`, in whole percent, rounded down.
    pub percent: u64,
    /// Learners who passed every exercise.
    pub finished: u64,
    /// Learners the grid marks stuck.
    pub stuck: u64,
}

/// Refuses a name `owner` gave to a cohort already (letter case aside,
/// archived ones too).
pub(super) async fn name_free(store: &Store, owner: Uuid, name: &str) -> Result<()> {
    match store.cohort_named(owner, name).await? {
        Some(c) => Err(SandboxError::NameTaken {
            name: c.name,
            archived: c.archived_at.is_some(),
        }),
        None => Ok(()),
    }
}

impl SandboxService {
    /// Archives a cohort that is over and holds no sandbox any more, or
    /// takes one out of the archive. False when it was so already.
    pub async fn archive_cohort(&self, cohort: &Cohort, archived: bool) -> Result<bool> {
        if archived {
            let over = cohort.is_over();
            if !over || !self.store.live_sandboxes_of(*cohort.id).await?.is_empty() {
                return Err(SandboxError::NotOver(cohort.name.clone()));
            }
        }
        let changed = self.store.set_cohort_archived(*cohort.id, archived).await?;
        self.changed();
        Ok(changed)
    }

    /// A cohort's progress and stuck learners, exactly as its grid counts
    /// them. `claimed` is how many of its sandboxes are in use: only a
    /// learner in a sandbox can be stuck, so the grid is computed only then.
    pub async fn cohort_summary(
        &self,
        cohort: &Cohort,
        scenario: Option<&Scenario>,
        claimed: u64,
        rule: StuckRule,
    ) -> Result<CohortSummary> {
        let Some(scenario) = scenario else {
            return Ok(CohortSummary::default());
        };
        let exercises: HashSet<&str> = scenario.exercises.iter().map(|e| e.id.as_str()).collect();
        let mut per_learner: HashMap<String, u64> = HashMap::new();
        for step in self.store.passed_steps(*cohort.id).await? {
            if exercises.contains(step.exercise_id.as_str()) {
                *per_learner.entry(step.learner_id).or_default() += 1;
            }
        }
        let learners = cohort.learners.max(0) as u64;
        let steps_passed: u64 = per_learner.values().sum();
        let steps_total = learners * exercises.len() as u64;
        let stuck = if claimed > 0 {
            let grid = self.cohort_progress(cohort, scenario, rule).await?;
            grid.learners.iter().filter(|l| l.stuck).count() as u64
        } else {
            0
        };
        Ok(CohortSummary {
            steps_passed,
            steps_total,
            percent: (steps_passed * 100).checked_div(steps_total).unwrap_or(0),
            finished: per_learner
                .values()
                .filter(|n| **n == exercises.len() as u64)
                .count() as u64,
            stuck,
        })
    }
}
