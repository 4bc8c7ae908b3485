//! Where people struggle, the third change indicator: the programme's
//! exercises ranked by failed checks and abandonment, each with the
//! failing outputs its learners saw most.
//!
//! Counted per learner (a roster line of one of the programme's cohorts)
//! over all their sandboxes; checks that could not run (`error`) are left
//! out, as in the proficiency indicator.
//!
//! - *failed checks*: attempts at the exercise whose check failed;
//! - *abandoned*: learners who attempted the exercise, never passed it,
//!   and either made no attempt at it for more than `idle_hours` hours
//!   (24 unless asked otherwise) or are in a cohort that has ended. A
//!   learner who left an exercise to go on with the next one abandoned
//!   it: that is where the struggle was;
//! - *failing outputs*: what the failed checks printed, each output
//!   trimmed, every run of white space made one space, cut to its first
//!   200 characters; equal outputs are grouped, and the 3 most frequent
//!   kept (ties by the output's text).
//!
//! Ranking: by failed checks, most first; then by abandoned, most first;
//! then in the programme's order of exercises (scenarios by id, each
//! scenario's exercises in order). Every exercise of the programme's
//! scenarios is ranked, those with nothing against them last.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::ProgrammeError;
use super::filter::IndicatorFilter;
use super::service::Programmes;
use crate::store::{LearnerExercise, ProgrammeRecord};

/// How long without an attempt makes an unpassed exercise abandoned,
/// unless asked otherwise.
pub const DEFAULT_IDLE_HOURS: u32 = 24;

/// The longest a caller may set it to: a year.
pub const MAX_IDLE_HOURS: u32 = 24 * 366;

/// How many failing outputs are kept per exercise.
pub const TOP_OUTPUTS: usize = 3;

/// Failing outputs are cut to this many characters.
pub const OUTPUT_CHARS: usize = 200;

/// A failing output (normalised) and how many failed checks gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailingOutput {
    pub output: String,
    pub count: u64,
}

/// One exercise and what went wrong there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExerciseStruggle {
    /// 1 for the exercise people struggle with most.
    pub rank: u32,
    pub scenario: String,
    pub exercise: String,
    /// In the scenario's main language.
    pub title: String,
    /// Learners with one attempt or more.
    pub attempted: u64,
    pub failed_checks: u64,
    pub abandoned: u64,
    /// The most frequent first, at most [`TOP_OUTPUTS`].
    pub failing_outputs: Vec<FailingOutput>,
}

/// The programme's exercises, ranked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Struggle {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    /// The idleness that made an exercise abandoned.
    pub idle_hours: u32,
    /// The moment abandonment was judged at.
    pub as_of: DateTime<Utc>,
    pub exercises: Vec<ExerciseStruggle>,
}

impl Programmes {
    /// Where `programme`'s learners in `filter` struggle, as of `now`.
    pub async fn struggle(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
        idle_hours: u32,
        now: DateTime<Utc>,
    ) -> Result<Struggle, ProgrammeError> {
        if !(1..=MAX_IDLE_HOURS).contains(&idle_hours) {
            return Err(ProgrammeError::Invalid(format!(
                "`idle_hours` is from 1 to {MAX_IDLE_HOURS}, not {idle_hours}"
            )));
        }
        let rows = self.learner_rows(programme, filter).await?;
        self.struggle_of(programme, filter, idle_hours, now, &rows)
            .await
    }

    /// Where `programme`'s learners in `filter` struggle, as of `now`, from
    /// their [`learner_rows`](Self::learner_rows); `idle_hours` is 1 to
    /// [`MAX_IDLE_HOURS`].
    pub async fn struggle_of(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
        idle_hours: u32,
        now: DateTime<Utc>,
        rows: &[LearnerExercise],
    ) -> Result<Struggle, ProgrammeError> {
        let store = self.store();
        let outputs = store.failed_outputs(*programme.id, filter.scope()).await?;
        let idle = TimeDelta::hours(i64::from(idle_hours));
        // Per (scenario, exercise): attempted, abandoned, failed checks, outputs.
        let mut figures: HashMap<(String, String), Figures> = HashMap::new();
        for r in rows {
            let f = figures
                .entry((r.scenario_id.clone(), r.exercise_id.clone()))
                .or_default();
            f.attempted += 1;
            let gave_up = now - r.last_attempt_at > idle || r.cohort_ends_at <= now;
            if r.pass_number.is_none() && gave_up {
                f.abandoned += 1;
            }
        }
        for o in &outputs {
            let f = figures
                .entry((o.scenario_id.clone(), o.exercise_id.clone()))
                .or_default();
            let count = u64::try_from(o.count).unwrap_or(0);
            f.failed += count;
            *f.outputs.entry(normalise(&o.output)).or_default() += count;
        }
        let exercises = self.exercises(programme, figures.keys().cloned()).await?;
        let mut out: Vec<ExerciseStruggle> = exercises
            .into_iter()
            .map(|e| {
                let f = figures
                    .remove(&(e.scenario.clone(), e.exercise.clone()))
                    .unwrap_or_default();
                ExerciseStruggle {
                    rank: 0,
                    scenario: e.scenario,
                    exercise: e.exercise,
                    title: e.title,
                    attempted: f.attempted,
                    failed_checks: f.failed,
                    abandoned: f.abandoned,
                    failing_outputs: top(f.outputs),
                }
            })
            .collect();
        // A stable sort keeps the programme's order among equals.
        out.sort_by_key(|e| std::cmp::Reverse((e.failed_checks, e.abandoned)));
        for (i, e) in out.iter_mut().enumerate() {
            e.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
        Ok(Struggle {
            programme: *programme.id,
            team: filter.team_name(),
            phase: filter.phase_name(),
            idle_hours,
            as_of: now,
            exercises: out,
        })
    }
}

#[derive(Default)]
struct Figures {
    attempted: u64,
    abandoned: u64,
    failed: u64,
    outputs: HashMap<String, u64>,
}

/// A check's output as it is grouped: trimmed, white space collapsed to
/// single spaces, cut to [`OUTPUT_CHARS`] characters.
pub fn normalise(output: &str) -> String {
    let collapsed = output.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(OUTPUT_CHARS).collect()
}

/// The [`TOP_OUTPUTS`] most frequent outputs, ties by text.
fn top(outputs: HashMap<String, u64>) -> Vec<FailingOutput> {
    let mut all: Vec<FailingOutput> = outputs
        .into_iter()
        .map(|(output, count)| FailingOutput { output, count })
        .collect();
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.output.cmp(&b.output)));
    all.truncate(TOP_OUTPUTS);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_trimmed_collapsed_and_cut_to_200_characters() {
        assert_eq!(normalise("  No  file\n\there.\n"), "No file here.");
        assert_eq!(normalise("\n \t"), "");
        let long = format!("é{}", "x ".repeat(300));
        let cut = normalise(&long);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.starts_with("éx x"));
    }

    #[test]
    fn the_three_most_frequent_outputs_are_kept_ties_by_text() {
        let outputs: HashMap<String, u64> = [("b", 2), ("a", 2), ("c", 5), ("d", 1)]
            .into_iter()
            .map(|(o, n)| (o.to_owned(), n))
            .collect();
        let kept: Vec<(String, u64)> = top(outputs)
            .into_iter()
            .map(|o| (o.output, o.count))
            .collect();
        assert_eq!(
            kept,
            [
                ("c".to_owned(), 5),
                ("a".to_owned(), 2),
                ("b".to_owned(), 2)
            ]
        );
    }
}
