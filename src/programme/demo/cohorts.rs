//! The demo's cohorts: each created and put in the realisation phase as
//! a real one is, its history written in one batch, then torn down.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::history::{self, CohortRun, Memory, Tally};
use super::plan::{DemoSize, Rng, TeamPlan};
use crate::programme::{ProgrammeError, Programmes};
use crate::sandbox::roster::RosterEntry;
use crate::sandbox::{CohortRequest, SandboxError};
use crate::scenario::Scenario;
use crate::store::{ProgrammeRecord, PulseQuestion, User};

/// What loading a demo's cohorts needs, and what it learns on the way.
pub(super) struct Loader<'a> {
    pub programmes: &'a Programmes,
    pub programme: &'a ProgrammeRecord,
    pub lead: &'a User,
    pub link_key: &'a [u8; 32],
    pub teams: &'a [TeamPlan],
    pub size: &'a DemoSize,
    pub now: DateTime<Utc>,
    pub before: &'a [PulseQuestion],
    pub after: &'a [PulseQuestion],
    pub rng: &'a mut Rng,
    pub memory: Memory,
    pub tally: Tally,
}

impl Loader<'_> {
    /// One demo cohort: created and put in the realisation like a real
    /// one, its history written in one batch, then torn down (no sandbox
    /// of it was ever started, and none will be).
    pub(super) async fn cohort(
        &mut self,
        scenario: &Scenario,
        scenario_index: usize,
        roster: &[(usize, usize)],
        window: NaiveDate,
        name: &str,
    ) -> Result<(), ProgrammeError> {
        let (programmes, teams) = (self.programmes, self.teams);
        let id = *self.programme.id;
        let entries: Vec<RosterEntry> = roster
            .iter()
            .map(|(t, p)| {
                let person = &teams[*t].people[*p];
                RosterEntry {
                    name: person.name.clone(),
                    email: Some(person.email.clone()),
                    team: None,
                }
            })
            .collect();
        let starts_at = window.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc();
        // A cohort cannot be created with its end past; it ends a minute
        // from now and is torn down at once, so nothing ever starts for it.
        let ends_at = self.now.max(Utc::now()) + TimeDelta::minutes(1);
        let cohort = crate::sandbox::create_cohort(
            programmes.store(),
            self.link_key,
            self.lead,
            scenario,
            CohortRequest {
                name: name.to_owned(),
                starts_at,
                ends_at,
                roster: entries,
                spare: 0,
                max_sandboxes: None,
                time_zone: self.programme.time_zone,
            },
        )
        .await
        .map_err(cohort_error)?;
        // Torn down before anything else, so that a server running beside
        // never launches it (a launch refuses a torn-down cohort).
        programmes.store().mark_cohort_torn_down(*cohort.id).await?;
        programmes
            .attach_cohort(self.lead, id, *cohort.id, "realise")
            .await?;
        let listed = programmes.store().learners(*cohort.id).await?;
        let learners: Vec<_> = roster
            .iter()
            .zip(listed)
            .map(|((t, p), l)| (*t, *p, l))
            .collect();
        let mut batch = programmes.store().batch().await?;
        history::fill(
            &CohortRun {
                teams,
                scenario,
                scenario_index,
                cohort: &cohort,
                learners: &learners,
                window,
                link_key: self.link_key,
                failures: self.size.failures,
                before: self.before,
                after: self.after,
            },
            self.rng,
            &mut self.memory,
            &mut self.tally,
            &mut batch,
        )
        .await?;
        batch.commit().await?;
        Ok(())
    }
}

/// A scenario's short name for cohort names: its id's first word,
/// capitalised ("wiki-basics": "Wiki").
pub(super) fn short_name(scenario: &Scenario) -> String {
    let id = scenario.id.as_str();
    let word = id.split('-').next().unwrap_or(id);
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn cohort_error(e: SandboxError) -> ProgrammeError {
    match e {
        SandboxError::Store(e) => ProgrammeError::Store(e),
        e => ProgrammeError::Invalid(e.to_string()),
    }
}
