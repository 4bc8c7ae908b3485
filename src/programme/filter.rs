//! What an indicator may be narrowed to: one team of the programme (its
//! people, through the learners matched to them) and the cohorts of one
//! phase. Also the programme's exercises in the order indicators list them.

use std::collections::BTreeSet;

use serde::Serialize;

use super::service::{Programmes, parse_phase, phase_name};
use super::{Phase, ProgrammeError};
use crate::store::{IndicatorScope, ProgrammeRecord, TeamRecord};

/// One team, one phase, both or neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndicatorFilter {
    pub team: Option<TeamRecord>,
    pub phase: Option<Phase>,
}

impl IndicatorFilter {
    /// What the store selects on.
    pub fn scope(&self) -> IndicatorScope<'static> {
        IndicatorScope {
            team: self.team.as_ref().map(|t| *t.id),
            phase: self.phase.map(phase_name),
        }
    }

    /// The team's name as the programme spells it.
    pub fn team_name(&self) -> Option<String> {
        self.team.as_ref().map(|t| t.name.clone())
    }

    pub fn phase_name(&self) -> Option<String> {
        self.phase.map(|p| phase_name(p).to_owned())
    }
}

/// An exercise of one of the programme's scenarios.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgrammeExercise {
    pub scenario: String,
    pub exercise: String,
    /// In the scenario's main language.
    pub title: String,
}

impl Programmes {
    /// The filter `team` and `phase` name (absent or blank: not narrowed);
    /// a team the programme does not have, or a word that is no phase, is
    /// refused with its name.
    pub async fn filter(
        &self,
        programme: &ProgrammeRecord,
        team: Option<&str>,
        phase: Option<&str>,
    ) -> Result<IndicatorFilter, ProgrammeError> {
        let team = match team.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(name) => {
                let teams = self.store().teams(*programme.id).await?;
                let found = teams.iter().find(|t| t.name.eq_ignore_ascii_case(name));
                match found {
                    Some(t) => Some(t.clone()),
                    None => {
                        let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
                        return Err(ProgrammeError::Invalid(format!(
                            "the programme has no team `{name}` (its teams: {})",
                            if names.is_empty() {
                                "none yet".to_owned()
                            } else {
                                names.join(", ")
                            }
                        )));
                    }
                }
            }
        };
        let phase = match phase.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => Some(parse_phase(p)?),
        };
        Ok(IndicatorFilter { team, phase })
    }

    /// The exercises of the programme's scenarios: scenario by scenario (by
    /// id), each scenario's exercises in their order; then any exercise
    /// `seen` in the records that its scenario no longer has (titled by
    /// its id), by scenario and exercise id.
    pub(super) async fn exercises(
        &self,
        programme: &ProgrammeRecord,
        seen: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Vec<ProgrammeExercise>, ProgrammeError> {
        let mut out = Vec::new();
        for (scenario_id, _phase) in self.store().programme_scenarios(*programme.id).await? {
            if let Some(scenario) = self.scenarios().find(&scenario_id) {
                out.extend(scenario.exercises.iter().map(|e| ProgrammeExercise {
                    scenario: scenario_id.clone(),
                    exercise: e.id.as_str().to_owned(),
                    title: e.title.main().to_owned(),
                }));
            }
        }
        let gone: BTreeSet<(String, String)> = seen
            .into_iter()
            .filter(|(s, e)| !out.iter().any(|x| x.scenario == *s && x.exercise == *e))
            .collect();
        out.extend(
            gone.into_iter()
                .map(|(scenario, exercise)| ProgrammeExercise {
                    scenario,
                    title: exercise.clone(),
                    exercise,
                }),
        );
        Ok(out)
    }
}
