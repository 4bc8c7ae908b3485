//! `sandpit demo`: a made-up programme, marked as a demo, so that a
//! newcomer sees a full indicators page at once — teams of an impact study
//! with their people, cohorts in the realisation phase, weeks of history
//! (sandboxes opened, checks failed and passed, exercises given up, pulse
//! answers before and after, use of the real tool). Everything is made
//! through the functions the product itself uses (programmes, cohorts,
//! claims, checks, pulses), back-dated, from a fixed seed: the same demo
//! every time. `sandpit demo --remove` takes all of it away.
//!
//! [`DemoSize`] scales it up, for benchmarks: the records are written in
//! batches, a transaction per cohort.

mod cohorts;
mod history;
mod plan;
mod texts;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

pub use history::Tally;
pub use plan::DemoSize;

use self::cohorts::{Loader, short_name};
use self::history::Memory;
use self::plan::{Rng, shift, window_start};
use super::service::{Programmes, monday_of};
use super::{
    CreateProgramme, PersonRow, PlannedPhase, ProgrammeError, ProgrammeScenario, SetImpact,
    TeamRow, TeamUsage,
};
use crate::sandbox::roster::MAX_LEARNERS;
use crate::scenario::Scenario;
use crate::store::{DemoRemoval, ProgrammeRecord, User};

/// The bundled scenarios the demo trains on: the first is required of
/// every team, the second of the support function.
pub const DEMO_SCENARIOS: [&str; 2] = ["wiki-basics", "git-basics"];

/// The account that leads the demo programme and owns its cohorts.
pub const DEMO_LEAD: &str = "demo-lead";

/// The seed of the demo's numbers.
const SEED: u64 = 15;

/// What loading a demo made.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub programme: ProgrammeRecord,
    pub teams: usize,
    pub people: usize,
    pub cohorts: usize,
    #[serde(flatten)]
    pub tally: Tally,
    /// Weeks of the real tool's use recorded, per team.
    pub usage_weeks: usize,
}

impl Programmes {
    /// Refuses, saying why, a demo that cannot be loaded: one is loaded
    /// already, a programme has its name, or one of `scenarios` is missing.
    pub async fn demo_loadable(&self, scenarios: &[&str]) -> Result<(), ProgrammeError> {
        if let Some(p) = self.store().demo_programme().await? {
            return Err(ProgrammeError::Invalid(format!(
                "a demo is loaded already (programme `{}`); remove it first with `sandpit demo --remove`",
                p.name
            )));
        }
        let taken = self.store().programmes().await?;
        if taken
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(texts::NAME))
        {
            return Err(ProgrammeError::Invalid(format!(
                "a programme is named `{}` already; rename it before loading the demo",
                texts::NAME
            )));
        }
        if scenarios.is_empty() {
            return Err(ProgrammeError::Invalid(
                "a demo needs one scenario or more".into(),
            ));
        }
        for id in scenarios {
            self.scenarios().named(id).map_err(|e| {
                ProgrammeError::Invalid(format!("the demo trains on scenario `{id}`: {e}"))
            })?;
        }
        Ok(())
    }

    /// Loads a demo programme of `size` on `scenarios`, led by `lead` (who
    /// owns its cohorts), its history up to a week before `now`; learner
    /// links are derived from `link_key`, as the server derives them. All
    /// or nothing: what was made is removed if a step fails.
    pub async fn load_demo(
        &self,
        lead: &User,
        link_key: &[u8; 32],
        scenarios: &[&str],
        size: &DemoSize,
        now: DateTime<Utc>,
    ) -> Result<DemoReport, ProgrammeError> {
        self.demo_loadable(scenarios).await?;
        let zone = self.default_zone();
        let monday = monday_of(zone.day_of(now));
        let windows = size.waves.max(1) + scenarios.len() - 1;
        let realise = shift(window_start(monday, 0, windows), -7);
        let engage = shift(realise, -14);
        let prepare = shift(engage, -14);
        let planned = |phase: &str, start: NaiveDate, end: NaiveDate| PlannedPhase {
            phase: phase.to_owned(),
            planned_start: Some(start),
            planned_end: Some(end),
        };
        let req = CreateProgramme {
            name: texts::NAME.to_owned(),
            summary: texts::SUMMARY.to_owned(),
            time_zone: Some(zone.name().to_owned()),
            phases: vec![
                planned("prepare", prepare, shift(engage, -1)),
                planned("engage", engage, shift(realise, -1)),
                planned("realise", realise, shift(monday, 27)),
                planned("anchor", shift(monday, 28), shift(monday, 90)),
            ],
            scenarios: scenarios
                .iter()
                .map(|s| ProgrammeScenario {
                    scenario: (*s).to_owned(),
                    phase: "realise".to_owned(),
                })
                .collect(),
        };
        let programme = self.create_with(lead, req, Some(prepare), true).await?;
        let filled = self
            .fill_demo(&programme, lead, link_key, scenarios, size, now, monday)
            .await;
        match filled {
            Ok(report) => Ok(report),
            Err(e) => {
                if let Err(undo) = self.store().remove_demo(*programme.id, lead.id).await {
                    tracing::error!(error = %undo, "removing a demo that failed half-way");
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn fill_demo(
        &self,
        programme: &ProgrammeRecord,
        lead: &User,
        link_key: &[u8; 32],
        scenario_ids: &[&str],
        size: &DemoSize,
        now: DateTime<Utc>,
        monday: NaiveDate,
    ) -> Result<DemoReport, ProgrammeError> {
        let id = *programme.id;
        let scenarios: Vec<&Scenario> = scenario_ids
            .iter()
            .map(|s| self.scenarios().named(s))
            .collect::<anyhow::Result<_>>()
            .map_err(|e| ProgrammeError::Invalid(e.to_string()))?;
        let mut rng = Rng::new(SEED);
        let teams = plan::teams(size, scenarios.len(), monday, &mut rng);
        let waves = size.waves.max(1);
        let windows = waves + scenarios.len() - 1;
        let realise = shift(window_start(monday, 0, windows), -7);
        self.enter_phase_on(lead, id, "engage", shift(realise, -14))
            .await?;
        self.enter_phase_on(lead, id, "realise", realise).await?;

        // The impact study.
        let rows: Vec<TeamRow> = teams
            .iter()
            .map(|t| TeamRow {
                name: t.name.clone(),
                kind: t.kind,
                site: Some(t.site.clone()),
                headcount: t.headcount,
                maturity: t.maturity,
            })
            .collect();
        self.import_teams(lead, id, &rows).await?;
        let people: Vec<PersonRow> = teams
            .iter()
            .flat_map(|t| {
                t.people.iter().map(|p| PersonRow {
                    name: p.name.clone(),
                    email: Some(p.email.clone()),
                    team: t.name.clone(),
                })
            })
            .collect();
        self.import_people(lead, id, &people).await?;
        for t in &teams {
            let impacts: Vec<SetImpact> = scenarios
                .iter()
                .zip(&t.impacts)
                .map(|(s, (impact, required, due_on))| SetImpact {
                    scenario: s.id.as_str().to_owned(),
                    impact: *impact,
                    required: *required,
                    due_on: *due_on,
                })
                .collect();
            self.set_impacts(lead, id, &t.name, &impacts).await?;
        }
        for (moment, en, fr) in texts::PULSES {
            self.add_pulse(lead, id, "realise", moment, Some(en), Some(fr))
                .await?;
        }
        let questions = self.store().pulse_questions(id).await?;
        let asked = |moment: &str| -> Vec<_> {
            questions
                .iter()
                .filter(|q| q.phase == "realise" && q.moment == moment)
                .cloned()
                .collect()
        };
        let (before, after) = (asked("before"), asked("after"));

        // The cohorts: a scenario and a wave each (split when too big),
        // two weeks per window; the windows end a week before this one.
        let mut loader = Loader {
            programmes: self,
            programme,
            lead,
            link_key,
            teams: &teams,
            size,
            now,
            before: &before,
            after: &after,
            rng: &mut rng,
            memory: Memory::new(SEED + 1),
            tally: Tally::default(),
        };
        let mut cohorts = 0;
        for (s, scenario) in scenarios.iter().enumerate() {
            for wave in 0..waves {
                let roster: Vec<(usize, usize)> = teams
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.wave == wave && t.impacts[s].1)
                    .flat_map(|(i, t)| (0..t.invited).map(move |p| (i, p)))
                    .collect();
                let groups = roster.len().div_ceil(MAX_LEARNERS);
                for (g, group) in roster.chunks(MAX_LEARNERS).enumerate() {
                    let window = window_start(monday, wave + s, windows);
                    let mut name = format!("Demo · {} · wave {}", short_name(scenario), wave + 1);
                    if groups > 1 {
                        name = format!("{name} · group {}", g + 1);
                    }
                    loader.cohort(scenario, s, group, window, &name).await?;
                    cohorts += 1;
                }
            }
        }

        let Loader { memory, tally, .. } = loader;

        // The real tool's use, week by week, growing with those trained.
        let mut usage = Vec::new();
        let mut week = realise;
        while week < monday {
            let sunday = shift(week, 6);
            for (i, t) in teams.iter().enumerate() {
                let required: Vec<usize> =
                    (0..scenarios.len()).filter(|s| t.impacts[*s].1).collect();
                let trained = (0..t.people.len())
                    .filter(|p| {
                        let done = memory.completed.get(&(i, *p));
                        !required.is_empty()
                            && required.iter().all(|s| {
                                done.and_then(|d| d.get(s))
                                    .is_some_and(|at| at.date_naive() <= sunday)
                            })
                    })
                    .count() as f64;
                let maturity = f64::from(t.maturity);
                let base = f64::from(t.headcount) * maturity / 20.0;
                let active =
                    (base + trained * (0.5 + 0.1 * maturity)).round() as u32 + rng.below(3) as u32;
                usage.push(TeamUsage {
                    team: t.name.clone(),
                    week,
                    active_users: active.min(t.headcount),
                });
            }
            week = shift(week, 7);
        }
        let usage_weeks = self.record_usage(lead, id, &usage).await?;
        Ok(DemoReport {
            programme: self
                .store()
                .programme(id)
                .await?
                .ok_or(ProgrammeError::NotFound)?,
            teams: teams.len(),
            people: people.len(),
            cohorts,
            tally,
            usage_weeks,
        })
    }

    /// Removes the demo programme and everything made for it; None when
    /// no demo is loaded.
    pub async fn remove_demo(&self) -> Result<Option<DemoRemoval>, ProgrammeError> {
        let Some(programme) = self.store().demo_programme().await? else {
            return Ok(None);
        };
        for cohort in self.store().cohorts_of_programme(*programme.id).await? {
            let live = self.store().live_sandboxes_of(*cohort.id).await?;
            if *cohort.owner_id == *programme.lead_id && !live.is_empty() {
                return Err(ProgrammeError::Invalid(format!(
                    "cohort `{}` of the demo has {} sandbox(es) running; tear it down first",
                    cohort.name,
                    live.len()
                )));
            }
        }
        Ok(Some(
            self.store()
                .remove_demo(*programme.id, *programme.lead_id)
                .await?,
        ))
    }
}
