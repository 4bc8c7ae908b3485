//! "Used": the real tool's active users per team and week (posted from the
//! production tool, not measured in Sandpit), beside how many of the team
//! had completed what is required of them by the end of that week — so a
//! change lead sees whether training turns into use.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use serde::Serialize;
use uuid::Uuid;

use super::ProgrammeError;
use super::reach::PeopleFacts;
use super::service::Programmes;
use crate::store::ProgrammeRecord;

/// One team's week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageWeek {
    pub team: String,
    /// The ISO week's Monday.
    pub week: NaiveDate,
    pub active_users: u64,
    /// `active_users / headcount`, to 4 decimals.
    pub active_share: f64,
    /// People of the team who had completed every scenario required of it
    /// by the end of that week (Sunday, UTC).
    pub trained: u64,
}

impl Programmes {
    /// Every recorded week of every team, by team then week.
    pub async fn usage_weeks(
        &self,
        programme: &ProgrammeRecord,
    ) -> Result<Vec<UsageWeek>, ProgrammeError> {
        let facts = self.people_facts(programme, None).await?;
        self.usage_of(&facts).await
    }

    /// Every recorded week of every team, from the programme's
    /// [`people_facts`](Self::people_facts) of all its cohorts.
    pub async fn usage_of(&self, facts: &PeopleFacts) -> Result<Vec<UsageWeek>, ProgrammeError> {
        debug_assert!(facts.phase.is_none(), "use counts every cohort");
        let usage = self.store().usage(facts.programme).await?;
        let (teams, impacts, people, done) =
            (&facts.teams, &facts.impacts, &facts.progress, &facts.done);
        let exercises = |scenario: &str| {
            self.scenarios()
                .find(scenario)
                .map_or(0, |s| s.exercises.len() as i64)
        };
        // When each person completed each scenario (its last exercise).
        let mut completed: HashMap<Uuid, BTreeMap<&str, NaiveDate>> = HashMap::new();
        for d in done {
            let n = exercises(&d.scenario_id);
            if n > 0 && d.completed >= n {
                completed
                    .entry(*d.person_id)
                    .or_default()
                    .insert(d.scenario_id.as_str(), d.last.date_naive());
            }
        }
        let mut out = Vec::new();
        for team in teams {
            let required: Vec<&str> = impacts
                .iter()
                .filter(|i| i.team_id == team.id && i.required)
                .map(|i| i.scenario_id.as_str())
                .collect();
            // The day each member had done it all, for those who have.
            let trained_on: Vec<NaiveDate> = people
                .iter()
                .filter(|p| p.team_id == team.id && !required.is_empty())
                .filter_map(|p| {
                    let mine = completed.get(&*p.id)?;
                    required
                        .iter()
                        .map(|s| mine.get(s).copied())
                        .collect::<Option<Vec<_>>>()?
                        .into_iter()
                        .max()
                })
                .collect();
            let headcount = u64::try_from(team.headcount).unwrap_or(0);
            for u in usage.iter().filter(|u| u.team_id == team.id) {
                let sunday = u.week + Days::new(6);
                let active = u64::try_from(u.active_users).unwrap_or(0);
                out.push(UsageWeek {
                    team: team.name.clone(),
                    week: u.week,
                    active_users: active,
                    active_share: if headcount == 0 {
                        0.0
                    } else {
                        (active as f64 / headcount as f64 * 10_000.0).round() / 10_000.0
                    },
                    trained: trained_on.iter().filter(|d| **d <= sunday).count() as u64,
                });
            }
        }
        Ok(out)
    }
}
