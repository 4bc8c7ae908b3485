//! "Useful, usable": how the programme's learners rate each exercise they
//! checked, from 1 to 5 (see `crate::community`). Per exercise, in the
//! programme's order: how many rated it, and the mean of each score, to
//! two decimals, shown from [`MIN_GROUP`] ratings on (fewer would let a
//! reader guess who gave which). A learner's rating counts once, however
//! often they changed it.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use super::ProgrammeError;
use super::filter::IndicatorFilter;
use super::pulse::MIN_GROUP;
use super::service::Programmes;
use crate::store::ProgrammeRecord;

/// One exercise's ratings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExerciseRating {
    pub scenario: String,
    pub exercise: String,
    /// In the scenario's main language.
    pub title: String,
    pub ratings: u64,
    /// Mean usefulness, absent below [`MIN_GROUP`] ratings.
    pub useful: Option<f64>,
    /// Mean ease of use, absent below [`MIN_GROUP`] ratings.
    pub usable: Option<f64>,
}

/// The programme's ratings, exercise by exercise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ratings {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    /// Below this many ratings an exercise's means are not shown.
    pub min_group: usize,
    pub exercises: Vec<ExerciseRating>,
}

impl Programmes {
    /// How `programme`'s learners in `filter` rate its exercises.
    pub async fn ratings(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
    ) -> Result<Ratings, ProgrammeError> {
        let sums = self
            .store()
            .programme_ratings(*programme.id, filter.scope())
            .await?;
        let by_exercise: HashMap<(&str, &str), _> = sums
            .iter()
            .map(|s| ((s.scenario_id.as_str(), s.exercise_id.as_str()), s))
            .collect();
        let seen = by_exercise
            .keys()
            .map(|(s, e)| ((*s).to_owned(), (*e).to_owned()));
        let exercises = self.exercises(programme, seen).await?;
        let mean = |total: i64, n: i64| {
            (usize::try_from(n).unwrap_or(0) >= MIN_GROUP)
                .then(|| (total as f64 / n as f64 * 100.0).round() / 100.0)
        };
        Ok(Ratings {
            programme: *programme.id,
            team: filter.team_name(),
            phase: filter.phase_name(),
            min_group: MIN_GROUP,
            exercises: exercises
                .into_iter()
                .map(|e| {
                    let s = by_exercise.get(&(e.scenario.as_str(), e.exercise.as_str()));
                    let n = s.map_or(0, |s| s.ratings);
                    ExerciseRating {
                        ratings: u64::try_from(n).unwrap_or(0),
                        useful: s.and_then(|s| mean(s.useful, n)),
                        usable: s.and_then(|s| mean(s.usable, n)),
                        scenario: e.scenario,
                        exercise: e.exercise,
                        title: e.title,
                    }
                })
                .collect(),
        })
    }
}
