//! A demo cohort's past, written as the product writes a real one: each
//! learner who came opens their link (a sandbox made ready and claimed for
//! them), maybe answers the pulse before the first exercise, presses Check
//! until an exercise passes or gives up, maybe answers the pulse after the
//! last one; then their sandbox is gone. All in one batch, back-dated.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

use super::super::ProgrammeError;
use super::super::pulse::checked_answers;
use super::plan::{Rng, TeamPlan, shift};
use super::texts::{COMMENTS, profile};
use crate::sandbox::learner_token;
use crate::scenario::Scenario;
use crate::store::{
    Batch, Claim, Cohort, Learner, NewAttempt, NewSandbox, Outcome, PulseQuestion, Rated, Rating,
};

/// One cohort to fill.
pub(super) struct CohortRun<'a> {
    pub teams: &'a [TeamPlan],
    pub scenario: &'a Scenario,
    /// Its place among the programme's scenarios.
    pub scenario_index: usize,
    pub cohort: &'a Cohort,
    /// Its learners, in roster order, each with their team and person.
    pub learners: &'a [(usize, usize, Learner)],
    /// The Monday its two weeks start.
    pub window: NaiveDate,
    pub link_key: &'a [u8; 32],
    /// How often checks fail (1 as in the demo).
    pub failures: f64,
    /// The pulse questions of its phase, asked before and after.
    pub before: &'a [PulseQuestion],
    pub after: &'a [PulseQuestion],
}

/// What a demo's cohorts hold, added up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub learners: usize,
    /// Learners who opened their sandbox.
    pub started: usize,
    pub attempts: usize,
    pub completions: usize,
    /// Learners' answers to pulse questions (one per question).
    pub pulse_answers: usize,
    /// Learners' ratings of exercises.
    pub ratings: usize,
}

/// What the programme's people did, across cohorts.
pub(super) struct Memory {
    /// The learners' opinions of the exercises (their ratings): a
    /// sequence of its own, so that adding them changed no other figure.
    pub opinions: Rng,
    /// People who answered the pulse already (in an earlier cohort).
    pub answered: BTreeSet<(usize, usize)>,
    /// Per person, per scenario index: when they completed it.
    pub completed: BTreeMap<(usize, usize), BTreeMap<usize, DateTime<Utc>>>,
}

impl Memory {
    pub fn new(opinions_seed: u64) -> Self {
        Self {
            opinions: Rng::new(opinions_seed),
            answered: BTreeSet::new(),
            completed: BTreeMap::new(),
        }
    }
}

/// `day` at `minutes` past midnight, UTC.
fn at(day: NaiveDate, minutes: u64) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
        + TimeDelta::minutes(i64::try_from(minutes).unwrap_or(0))
}

fn seconds(s: u64) -> TimeDelta {
    TimeDelta::seconds(i64::try_from(s).unwrap_or(0))
}

/// Writes the cohort's history into `batch`.
pub(super) async fn fill(
    run: &CohortRun<'_>,
    rng: &mut Rng,
    memory: &mut Memory,
    tally: &mut Tally,
    batch: &mut Batch,
) -> Result<(), ProgrammeError> {
    let scenario_id = run.scenario.id.as_str();
    let time_limit = TimeDelta::from_std(run.scenario.time_limit).unwrap_or(TimeDelta::hours(1));
    let cohort_id = run.cohort.id.to_string();
    for (team_index, person, learner) in run.learners {
        let team = &run.teams[*team_index];
        tally.learners += 1;
        if !rng.chance(team.start_rate) {
            continue;
        }
        tally.started += 1;
        // A working day of the two weeks, between 08:00 and 15:00 UTC.
        let day = rng.below(10) as i64;
        let claimed_at = at(
            shift(run.window, day / 5 * 7 + day % 5),
            480 + rng.below(420),
        );
        let sandbox = Uuid::new_v4();
        batch
            .insert_sandbox(
                NewSandbox {
                    id: sandbox,
                    scenario_id,
                    cohort_id: Some(&cohort_id),
                    learner: None,
                    expires_at: Some(claimed_at + time_limit),
                },
                claimed_at - TimeDelta::minutes(20),
            )
            .await?;
        batch
            .mark_ready(sandbox, claimed_at - TimeDelta::minutes(19))
            .await?;
        let token = learner_token(run.link_key, *learner.id);
        batch
            .claim(
                Claim {
                    token_hash: &token.hash(),
                    cohort: *run.cohort.id,
                    learner_id: Some(*learner.id),
                    learner_name: Some(&learner.name),
                    expires_at: claimed_at + time_limit,
                    sandbox: Some(sandbox),
                },
                claimed_at,
            )
            .await?;
        // The pulse is answered once per person, in their first cohort.
        let first_time = memory.answered.insert((*team_index, *person));
        let maturity = u64::from(team.maturity);
        if first_time && rng.chance(0.85) {
            let score = (maturity + rng.below(3)).saturating_sub(1);
            answer(
                run.before,
                learner,
                score,
                rng,
                batch,
                claimed_at + seconds(30),
            )
            .await?;
            tally.pulse_answers += run.before.len();
        }
        let mut t = claimed_at + seconds(40);
        // Some open their sandbox and never check anything.
        let idle = rng.chance(team.give_up * 0.15);
        let mut passed_all = !idle;
        for exercise in run.scenario.exercises.iter().filter(|_| !idle) {
            let profile = profile(scenario_id, exercise.id.as_str());
            let fail = (profile.difficulty * f64::from(6 - team.maturity.min(5)) / 4.0
                * run.failures)
                .clamp(0.02, 0.95);
            t += seconds(45 + (profile.difficulty * 400.0) as u64 + rng.below(180));
            let mut failed = 0;
            let passed = loop {
                let pass = failed >= 15 || !rng.chance(fail);
                let output = if pass {
                    profile.passing
                } else {
                    profile.failing[rng.below(profile.failing.len() as u64) as usize]
                };
                let recorded = batch
                    .record_attempt(
                        NewAttempt {
                            sandbox_id: sandbox,
                            learner: Some(&learner.name),
                            exercise_id: exercise.id.as_str(),
                            outcome: if pass {
                                Outcome::Passed
                            } else {
                                Outcome::Failed
                            },
                            output,
                            detail: "",
                            duration: Duration::from_millis(400 + rng.below(2100)),
                        },
                        t,
                    )
                    .await?;
                tally.attempts += 1;
                if pass {
                    tally.completions += usize::from(recorded.first_pass);
                    break true;
                }
                failed += 1;
                if rng.chance(team.give_up * profile.difficulty / run.failures) {
                    break false;
                }
                t += seconds(30 + rng.below(210));
            };
            // Some rate the exercise: harder ones as less easy to use,
            // more so by those who gave up.
            let o = &mut memory.opinions;
            if o.chance(0.45) {
                let useful = 3 + o.below(3);
                let ease = 5.0 - profile.difficulty * 3.0 - if passed { 0.0 } else { 1.0 };
                let usable = (ease.round() as i64 + o.below(2) as i64).clamp(1, 5);
                batch
                    .rate_exercise(
                        Rated {
                            learner: *learner.id,
                            scenario: scenario_id,
                            exercise: exercise.id.as_str(),
                            passed,
                            rating: Rating {
                                useful: useful as i64,
                                usable,
                            },
                        },
                        t + seconds(20),
                    )
                    .await?;
                tally.ratings += 1;
            }
            if !passed {
                passed_all = false;
                break;
            }
        }
        if passed_all {
            memory
                .completed
                .entry((*team_index, *person))
                .or_default()
                .insert(run.scenario_index, t);
            if first_time && rng.chance(0.8) {
                let score = maturity + rng.below(3);
                answer(run.after, learner, score, rng, batch, t + seconds(30)).await?;
                tally.pulse_answers += run.after.len();
            }
        }
        batch
            .mark_destroyed(sandbox, t + TimeDelta::minutes(5))
            .await?;
    }
    Ok(())
}

/// Answers every question of `questions` with `score` (kept from 1 to 5),
/// sometimes with a comment.
async fn answer(
    questions: &[PulseQuestion],
    learner: &Learner,
    score: u64,
    rng: &mut Rng,
    batch: &mut Batch,
    when: DateTime<Utc>,
) -> Result<(), ProgrammeError> {
    if questions.is_empty() {
        return Ok(());
    }
    let score = u8::try_from(score.clamp(1, 5)).unwrap_or(3);
    let mut answers = BTreeMap::new();
    for q in questions {
        let comment = rng
            .chance(0.25)
            .then(|| COMMENTS[rng.below(COMMENTS.len() as u64) as usize].to_owned());
        answers.insert(*q.id, (score, comment));
    }
    let rows = checked_answers(questions, &answers)?;
    Ok(batch.answer_pulse(*learner.id, &rows, when).await?)
}
