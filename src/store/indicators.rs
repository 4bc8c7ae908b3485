//! The rows the proficiency and struggle indicators are computed from: per
//! learner and exercise of a programme's cohorts, how their attempts went
//! (kept in `learner_exercises` as each attempt is recorded, see
//! `attempts::record_attempt`); per exercise, the outputs of its failed
//! checks (kept per learner in `learner_failures`). Attempts whose check could not run (`error`) are not the
//! learner's doing and are left out.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::packed::unpack;
use super::{Context, DbUuid, Result, Store};

/// Which of a programme's learners an indicator counts: those of one team
/// (through the person they were matched to), in cohorts of one phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndicatorScope<'a> {
    pub team: Option<Uuid>,
    pub phase: Option<&'a str>,
}

/// How one learner (a roster line of one of the programme's cohorts) did
/// on one exercise they tried. "Attempt" means a check that ran (`passed`
/// or `failed`); attempts are ordered by time, then by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnerExercise {
    /// The cohort whose roster the learner is on.
    pub cohort_id: DbUuid,
    pub scenario_id: String,
    pub exercise_id: String,
    /// How many attempts they made (1 or more).
    pub attempts: i64,
    /// Their first attempt passed.
    pub first_passed: bool,
    /// The rank of their first passing attempt: attempts up to and
    /// including it. None when they never passed.
    pub pass_number: Option<i64>,
    /// When that attempt was made.
    pub passed_at: Option<DateTime<Utc>>,
    /// When their last attempt at this exercise was made.
    pub last_attempt_at: DateTime<Utc>,
    /// Their first claim of a sandbox of the scenario.
    pub claimed_at: Option<DateTime<Utc>>,
    /// When their cohort ends.
    pub cohort_ends_at: DateTime<Utc>,
}

/// The learners of one cohort who tried one exercise: one row per cohort
/// and exercise, the learners' figures packed (see `packed`).
#[derive(sqlx::FromRow)]
struct CohortExercise {
    #[sqlx(try_from = "String")]
    cohort_id: DbUuid,
    scenario_id: String,
    ends_at: DateTime<Utc>,
    exercise_id: String,
    /// `[[attempts, first_passed, pass_number, passed_at, last_attempt_at,
    /// claimed_at], …]`, one per learner.
    learners: String,
}

/// One learner of a [`CohortExercise`], in the order of its array.
type LearnerFigures = (
    i64,
    u8,
    Option<i64>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// How many failed checks of an exercise gave one output, word for word.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FailedOutput {
    pub scenario_id: String,
    pub exercise_id: String,
    pub output: String,
    pub count: i64,
}

/// One of a programme's cohorts, with what the trend shows beside it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProgrammeCohort {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    pub name: String,
    pub scenario_id: String,
    /// The phase it was attached in.
    pub phase: Option<String>,
    pub starts_at: DateTime<Utc>,
}

/// The learners (roster lines) of one of a programme's cohorts who went as
/// far: whether they opened a sandbox, how many exercises they completed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CohortLearners {
    #[sqlx(try_from = "String")]
    pub cohort_id: DbUuid,
    pub started: bool,
    /// Distinct exercises completed, in any of their sandboxes.
    pub completed: i64,
    /// How many learners went that far.
    pub learners: i64,
}

impl Store {
    /// Per learner and exercise of `programme`'s cohorts in `scope`, how
    /// their attempts went (only pairs with one attempt or more), in no
    /// particular order.
    pub async fn learner_exercises(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<LearnerExercise>> {
        let rows: Vec<CohortExercise> = sqlx::query_as(
            // Each learner's first claim is looked up once, not once per
            // exercise they tried.
            "WITH scoped AS MATERIALIZED (
                SELECT l.id, l.cohort_id, c.scenario_id, c.ends_at,
                       (SELECT MIN(sb.claimed_at) FROM sandboxes sb
                        WHERE sb.learner_id = l.id AND sb.scenario_id = c.scenario_id
                       ) AS claimed_at
                FROM cohorts c
                JOIN learners l ON l.cohort_id = c.id
                LEFT JOIN people p ON p.id = l.person_id
                WHERE c.programme_id = ?1
                  AND (?2 IS NULL OR p.team_id = ?2)
                  AND (?3 IS NULL OR c.phase = ?3)
             )
             SELECT s.cohort_id, s.scenario_id, s.ends_at, le.exercise_id,
                    json_group_array(json_array(
                        le.attempts, le.first_passed, le.pass_number, le.passed_at,
                        le.last_attempt_at, s.claimed_at)) AS learners
             FROM scoped s
             JOIN learner_exercises le ON le.learner_id = s.id
             GROUP BY s.cohort_id, s.scenario_id, s.ends_at, le.exercise_id",
        )
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading how programme {programme}'s learners did"))?;
        let mut out = Vec::new();
        for row in rows {
            let learners: Vec<LearnerFigures> = unpack(&row.learners, || {
                format!(
                    "reading how cohort {} did on {}",
                    row.cohort_id, row.exercise_id
                )
            })?;
            out.extend(learners.into_iter().map(
                |(attempts, first_passed, pass_number, passed_at, last_attempt_at, claimed_at)| {
                    LearnerExercise {
                        cohort_id: row.cohort_id,
                        scenario_id: row.scenario_id.clone(),
                        exercise_id: row.exercise_id.clone(),
                        attempts,
                        first_passed: first_passed == 1,
                        pass_number,
                        passed_at,
                        last_attempt_at,
                        claimed_at,
                        cohort_ends_at: row.ends_at,
                    }
                },
            ));
        }
        Ok(out)
    }

    /// `programme`'s cohorts of `scope`'s phase, by start then name.
    pub async fn programme_cohorts(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<ProgrammeCohort>> {
        sqlx::query_as(
            "SELECT id, name, scenario_id, phase, starts_at FROM cohorts
             WHERE programme_id = ?1 AND (?2 IS NULL OR phase = ?2)
             ORDER BY starts_at, name",
        )
        .bind(programme.to_string())
        .bind(scope.phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing programme {programme}'s cohorts"))
    }

    /// The learners of `programme`'s cohorts in `scope`, counted by cohort,
    /// whether they started and how many exercises they completed.
    pub async fn cohort_learners(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<CohortLearners>> {
        sqlx::query_as(
            "SELECT cohort_id, started, completed, COUNT(*) AS learners
             FROM (SELECT l.cohort_id,
                          EXISTS (SELECT 1 FROM sandboxes s
                                  WHERE s.learner_id = l.id AND s.claimed_at IS NOT NULL
                                 ) AS started,
                          (SELECT COUNT(*) FROM learner_exercises le
                           WHERE le.learner_id = l.id AND le.pass_number IS NOT NULL
                          ) AS completed
                   FROM cohorts c
                   JOIN learners l ON l.cohort_id = c.id
                   LEFT JOIN people p ON p.id = l.person_id
                   WHERE c.programme_id = ?1
                     AND (?2 IS NULL OR p.team_id = ?2)
                     AND (?3 IS NULL OR c.phase = ?3))
             GROUP BY cohort_id, started, completed",
        )
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading how far programme {programme}'s learners went"))
    }

    /// The outputs of the failed checks of `programme`'s learners in
    /// `scope`, per exercise, with how many checks gave each.
    pub async fn failed_outputs(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<FailedOutput>> {
        sqlx::query_as(
            "SELECT t.scenario_id, o.exercise_id, o.output, t.count
             FROM (SELECT c.scenario_id, f.output_id, SUM(f.count) AS count
                   FROM cohorts c
                   JOIN learners l ON l.cohort_id = c.id
                   JOIN learner_failures f ON f.learner_id = l.id
                   LEFT JOIN people p ON p.id = l.person_id
                   WHERE c.programme_id = ?1
                     AND (?2 IS NULL OR p.team_id = ?2)
                     AND (?3 IS NULL OR c.phase = ?3)
                   GROUP BY c.scenario_id, f.output_id) t
             JOIN check_outputs o ON o.id = t.output_id
             ORDER BY t.scenario_id, o.exercise_id, o.output",
        )
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s failed checks"))
    }
}
