//! Refreshers (the anchor phase) and retention. A programme's lead
//! schedules a refresher of one of its exercises some weeks after each
//! learner passed it; each learner then finds a link to it (on their page,
//! or in the export their trainer mails), which starts a fresh sandbox
//! where only that exercise is checked.
//!
//! **Retention**, per team: of the learners a refresher is due to, how
//! many took it (started its sandbox) and how many passed it at the first
//! check; retention is the share of those who took it who passed at the
//! first check, to one decimal of a percent.

use std::collections::BTreeMap;

use chrono::{TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ProgrammeError;
use super::filter::IndicatorFilter;
use super::service::Programmes;
use crate::store::{DueRefresher, ProgrammeRecord, RefresherRecord, StoreError, User};

/// Most weeks a refresher may wait.
pub const MAX_WEEKS: u32 = 104;

/// A refresher as asked for.
#[derive(Debug, Clone, Deserialize)]
pub struct NewRefresher {
    pub scenario: String,
    pub exercise: String,
    /// Weeks after each learner's pass, 1 to [`MAX_WEEKS`].
    pub after_weeks: u32,
}

/// One team's (or the total's) retention.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamRetention {
    /// None: learners matched to no team.
    pub team: Option<String>,
    /// Learners a refresher is due to (once per refresher).
    pub due: u64,
    pub taken: u64,
    pub passed_first_try: u64,
    /// Percent of those who took it who passed at the first check.
    pub retention_percent: Option<f64>,
}

/// Retention in a programme, per team and in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retention {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    pub teams: Vec<TeamRetention>,
    pub total: TeamRetention,
}

impl Programmes {
    /// Schedules a refresher in programme `id` (its lead, or an admin).
    pub async fn add_refresher(
        &self,
        user: &User,
        id: Uuid,
        new: &NewRefresher,
    ) -> Result<Uuid, ProgrammeError> {
        self.managed(user, id).await?;
        let scenario = new.scenario.trim();
        let serves = self
            .store()
            .programme_scenarios(id)
            .await?
            .iter()
            .any(|(s, _)| s == scenario);
        if !serves {
            return Err(ProgrammeError::Invalid(format!(
                "`scenario`: `{scenario}` is not one of the programme's scenarios"
            )));
        }
        let exercise = new.exercise.trim();
        let known = self
            .scenarios()
            .find(scenario)
            .is_some_and(|s| s.exercises.iter().any(|e| e.id.as_str() == exercise));
        if !known {
            return Err(ProgrammeError::Invalid(format!(
                "`exercise`: `{scenario}` has no exercise `{exercise}`"
            )));
        }
        if !(1..=MAX_WEEKS).contains(&new.after_weeks) {
            return Err(ProgrammeError::Invalid(format!(
                "`after_weeks`: from 1 to {MAX_WEEKS} weeks, not {}",
                new.after_weeks
            )));
        }
        let after = TimeDelta::weeks(i64::from(new.after_weeks));
        match self
            .store()
            .add_refresher(id, scenario, exercise, after, user.id)
            .await
        {
            Ok(r) => Ok(r),
            Err(StoreError::Duplicate(_)) => Err(ProgrammeError::Exists(format!(
                "`exercise`: `{scenario}/{exercise}` has a refresher already"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The programme's refreshers.
    pub async fn refreshers(
        &self,
        programme: &ProgrammeRecord,
    ) -> Result<Vec<RefresherRecord>, ProgrammeError> {
        Ok(self.store().refreshers(*programme.id).await?)
    }

    /// Retention in `programme`, narrowed by `filter`, as of now.
    pub async fn retention(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
    ) -> Result<Retention, ProgrammeError> {
        let due = self
            .store()
            .due_refreshers(Some(*programme.id), filter.scope(), None, Utc::now())
            .await?;
        Ok(retention(programme, filter, &due))
    }
}

fn tally(team: Option<String>, rows: &[&DueRefresher]) -> TeamRetention {
    let taken = rows.iter().filter(|d| d.started_at.is_some()).count() as u64;
    let passed = rows
        .iter()
        .filter(|d| d.first_outcome.as_deref() == Some("passed"))
        .count() as u64;
    TeamRetention {
        team,
        due: rows.len() as u64,
        taken,
        passed_first_try: passed,
        retention_percent: (taken > 0)
            .then(|| (passed as f64 * 1000.0 / taken as f64).round() / 10.0),
    }
}

fn retention(
    programme: &ProgrammeRecord,
    filter: &IndicatorFilter,
    due: &[DueRefresher],
) -> Retention {
    let mut by_team: BTreeMap<Option<&str>, Vec<&DueRefresher>> = BTreeMap::new();
    for d in due {
        by_team.entry(d.team.as_deref()).or_default().push(d);
    }
    let all: Vec<&DueRefresher> = due.iter().collect();
    Retention {
        programme: *programme.id,
        team: filter.team_name(),
        phase: filter.phase_name(),
        // By name, learners of no team last.
        teams: {
            let mut teams: Vec<_> = by_team.into_iter().collect();
            teams.sort_by_key(|(team, _)| (team.is_none(), *team));
            teams
                .into_iter()
                .map(|(team, rows)| tally(team.map(str::to_owned), &rows))
                .collect()
        },
        total: tally(None, &all),
    }
}
