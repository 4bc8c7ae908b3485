//! Proficiency, the second change indicator: per exercise of the
//! programme's scenarios, how quickly and in how many tries the learners of
//! its cohorts pass it.
//!
//! Counted per learner (a roster line of one of the programme's cohorts;
//! a person on two rosters counts twice), over the attempts of all their
//! sandboxes. An *attempt* is a check that ran: `passed` or `failed`;
//! checks that could not run (`error`: engine trouble, not the learner's
//! doing) are left out everywhere. Attempts are ordered by time, then by
//! the order they were recorded in.
//!
//! - *attempted*: learners with one attempt or more at the exercise;
//! - *passed*: those of them with a passing attempt;
//! - *first-try pass rate*: learners whose first attempt passed, divided
//!   by *attempted*, rounded to 4 decimals (none when no one attempted);
//! - *median time to pass*: over the learners who passed, from their
//!   first claim of a sandbox of the scenario (`sandboxes.claimed_at`) to
//!   their first passing attempt, measured to the millisecond (0 if the
//!   pass predates the claim); learners with no recorded claim are left
//!   out of this median only;
//! - *median attempts to pass*: over the learners who passed, their
//!   attempts up to and including the first passing one.
//!
//! Medians: the values sorted; with an odd count, the middle one; with an
//! even count, the mean of the two middle ones. Times are then rounded to
//! the nearest whole second, attempts to one decimal (halves away from
//! zero). No learner, no median.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use super::ProgrammeError;
use super::filter::{IndicatorFilter, ProgrammeExercise};
use super::service::Programmes;
use crate::store::{LearnerExercise, ProgrammeRecord};

/// How one exercise is mastered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExerciseProficiency {
    pub scenario: String,
    pub exercise: String,
    /// In the scenario's main language.
    pub title: String,
    pub attempted: u64,
    pub passed: u64,
    /// Learners whose first attempt passed.
    pub first_try_passed: u64,
    /// `first_try_passed / attempted`.
    pub first_try_rate: Option<f64>,
    pub median_seconds_to_pass: Option<i64>,
    pub median_attempts_to_pass: Option<f64>,
}

/// The programme's proficiency, exercise by exercise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proficiency {
    pub programme: Uuid,
    /// The team it is narrowed to, if any.
    pub team: Option<String>,
    /// The phase it is narrowed to, if any.
    pub phase: Option<String>,
    /// In the programme's order (see [`Programmes::exercises`]).
    pub exercises: Vec<ExerciseProficiency>,
}

impl Programmes {
    /// How each of `programme`'s learners in `filter` did on each exercise
    /// they tried: what proficiency, struggle and trend are drawn from (a
    /// page showing all three reads them once).
    pub async fn learner_rows(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
    ) -> Result<Vec<LearnerExercise>, ProgrammeError> {
        Ok(self
            .store()
            .learner_exercises(*programme.id, filter.scope())
            .await?)
    }

    /// The proficiency of `programme`'s learners in `filter`.
    pub async fn proficiency(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
    ) -> Result<Proficiency, ProgrammeError> {
        let rows = self.learner_rows(programme, filter).await?;
        self.proficiency_of(programme, filter, &rows).await
    }

    /// The proficiency of `programme`'s learners in `filter`, from their
    /// [`learner_rows`](Self::learner_rows).
    pub async fn proficiency_of(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
        rows: &[LearnerExercise],
    ) -> Result<Proficiency, ProgrammeError> {
        let mut by_exercise: HashMap<(&str, &str), Vec<&LearnerExercise>> = HashMap::new();
        for r in rows {
            by_exercise
                .entry((r.scenario_id.as_str(), r.exercise_id.as_str()))
                .or_default()
                .push(r);
        }
        let seen = by_exercise
            .keys()
            .map(|(s, e)| ((*s).to_owned(), (*e).to_owned()));
        let exercises = self.exercises(programme, seen).await?;
        let out = exercises
            .into_iter()
            .map(|e| {
                let rows = by_exercise
                    .get(&(e.scenario.as_str(), e.exercise.as_str()))
                    .cloned()
                    .unwrap_or_default();
                of_exercise(e, &rows)
            })
            .collect();
        Ok(Proficiency {
            programme: *programme.id,
            team: filter.team_name(),
            phase: filter.phase_name(),
            exercises: out,
        })
    }
}

/// One exercise's figures from its learners' rows.
fn of_exercise(e: ProgrammeExercise, rows: &[&LearnerExercise]) -> ExerciseProficiency {
    let attempted = rows.len() as u64;
    let passes: Vec<&&LearnerExercise> = rows.iter().filter(|r| r.pass_number.is_some()).collect();
    let first_try_passed = rows.iter().filter(|r| r.first_passed).count() as u64;
    let times: Vec<i64> = passes
        .iter()
        .filter_map(|r| {
            let (claimed, passed) = (r.claimed_at?, r.passed_at?);
            Some((passed - claimed).num_milliseconds().max(0))
        })
        .collect();
    let tries: Vec<i64> = passes.iter().filter_map(|r| r.pass_number).collect();
    ExerciseProficiency {
        scenario: e.scenario,
        exercise: e.exercise,
        title: e.title,
        attempted,
        passed: passes.len() as u64,
        first_try_passed,
        first_try_rate: (attempted > 0).then(|| rate(first_try_passed, attempted)),
        median_seconds_to_pass: median(times).map(|ms| (ms / 1000.0).round() as i64),
        median_attempts_to_pass: median(tries).map(|n| (n * 10.0).round() / 10.0),
    }
}

/// The median of `values` (see the module's documentation), unrounded.
pub(super) fn median(mut values: Vec<i64>) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    Some(if n % 2 == 1 {
        values[mid] as f64
    } else {
        (values[mid - 1] as f64 + values[mid] as f64) / 2.0
    })
}

/// `part / whole`, rounded to 4 decimals; `whole` is not 0.
pub(super) fn rate(part: u64, whole: u64) -> f64 {
    (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeDelta, Utc};

    #[test]
    fn medians_take_the_middle_value_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![7]), Some(7.0));
        assert_eq!(median(vec![9, 1, 5]), Some(5.0));
        assert_eq!(median(vec![4, 1, 2, 3]), Some(2.5));
        assert_eq!(median(vec![10, 20]), Some(15.0));
    }

    fn row(claim: i64, pass: Option<(i64, i64)>, attempts: i64, first: bool) -> LearnerExercise {
        let t0 = DateTime::<Utc>::from_timestamp(1_900_000_000, 0).unwrap();
        let at = |ms: i64| t0 + TimeDelta::milliseconds(ms);
        LearnerExercise {
            cohort_id: crate::store::DbUuid(Uuid::nil()),
            scenario_id: "s".into(),
            exercise_id: "e".into(),
            attempts,
            first_passed: first,
            pass_number: pass.map(|(n, _)| n),
            passed_at: pass.map(|(_, ms)| at(ms)),
            last_attempt_at: at(pass.map_or(99_000, |(_, ms)| ms)),
            claimed_at: Some(at(claim)),
            cohort_ends_at: at(10_000_000),
        }
    }

    #[test]
    fn an_exercises_figures_round_times_to_seconds_and_attempts_to_a_tenth() {
        let exercise = ProgrammeExercise {
            scenario: "s".into(),
            exercise: "e".into(),
            title: "E".into(),
        };
        // Times 60.4 s and 61.7 s: median 61.05 s → 61; attempts 1 and 2 → 1.5.
        let rows = [
            row(0, Some((1, 60_400)), 1, true),
            row(1_000, Some((2, 62_700)), 3, false),
            row(0, None, 4, false),
        ];
        let refs: Vec<&LearnerExercise> = rows.iter().collect();
        let p = of_exercise(exercise, &refs);
        assert_eq!((p.attempted, p.passed, p.first_try_passed), (3, 2, 1));
        assert_eq!(p.first_try_rate, Some(0.3333));
        assert_eq!(p.median_seconds_to_pass, Some(61));
        assert_eq!(p.median_attempts_to_pass, Some(1.5));
    }

    #[test]
    fn an_exercise_no_one_tried_has_counts_of_zero_and_no_medians() {
        let exercise = ProgrammeExercise {
            scenario: "s".into(),
            exercise: "e".into(),
            title: "E".into(),
        };
        let p = of_exercise(exercise, &[]);
        assert_eq!((p.attempted, p.passed), (0, 0));
        assert_eq!(p.first_try_rate, None);
        assert_eq!(p.median_seconds_to_pass, None);
        assert_eq!(p.median_attempts_to_pass, None);
    }
}
