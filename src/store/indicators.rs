//! The rows the proficiency and struggle indicators are computed from: per
//! learner and exercise of a programme's cohorts, how their attempts went;
//! per exercise, the outputs of its failed checks. Attempts whose check
//! could not run (`error`) are not the learner's doing and are left out.

use chrono::{DateTime, Utc};
use uuid::Uuid;

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
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LearnerExercise {
    #[sqlx(try_from = "String")]
    pub learner_id: DbUuid,
    /// The cohort whose roster the learner is on.
    #[sqlx(try_from = "String")]
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

/// One learner (a roster line) of one of a programme's cohorts: whether
/// they opened a sandbox, and how many exercises they completed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CohortLearner {
    #[sqlx(try_from = "String")]
    pub cohort_id: DbUuid,
    pub started: bool,
    /// Distinct exercises completed, in any of their sandboxes.
    pub completed: i64,
}

/// The attempts of a programme's learners in `scope`: `a` the attempt,
/// `c` the cohort, `s` the sandbox, `p` the person (if matched).
const SCOPED_ATTEMPTS: &str = "FROM attempts a
     JOIN sandboxes s ON s.id = a.sandbox_id
     JOIN learners l ON l.id = s.learner_id
     JOIN cohorts c ON c.id = l.cohort_id
     LEFT JOIN people p ON p.id = l.person_id
     WHERE c.programme_id = ?1
       AND (?2 IS NULL OR p.team_id = ?2)
       AND (?3 IS NULL OR c.phase = ?3)";

impl Store {
    /// Per learner and exercise of `programme`'s cohorts in `scope`, how
    /// their attempts went (only pairs with one attempt or more).
    pub async fn learner_exercises(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<LearnerExercise>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "WITH tries AS (
                SELECT s.learner_id, c.id AS cohort_id, c.scenario_id, c.ends_at, a.exercise_id, a.outcome, a.created_at,
                       ROW_NUMBER() OVER (PARTITION BY s.learner_id, a.exercise_id
                                          ORDER BY a.created_at, a.id) AS n
                {SCOPED_ATTEMPTS} AND a.outcome IN ('passed', 'failed')
             ),
             passes AS (
                SELECT learner_id, exercise_id, MIN(n) AS pass_number
                FROM tries WHERE outcome = 'passed' GROUP BY learner_id, exercise_id
             )
             SELECT t.learner_id, t.cohort_id, t.scenario_id, t.exercise_id,
                    COUNT(*) AS attempts,
                    MAX(t.n = 1 AND t.outcome = 'passed') AS first_passed,
                    ps.pass_number,
                    MAX(CASE WHEN t.n = ps.pass_number THEN t.created_at END) AS passed_at,
                    MAX(t.created_at) AS last_attempt_at,
                    (SELECT MIN(sb.claimed_at) FROM sandboxes sb
                     WHERE sb.learner_id = t.learner_id AND sb.scenario_id = t.scenario_id
                    ) AS claimed_at,
                    t.ends_at AS cohort_ends_at
             FROM tries t
             LEFT JOIN passes ps ON ps.learner_id = t.learner_id AND ps.exercise_id = t.exercise_id
             GROUP BY t.learner_id, t.cohort_id, t.scenario_id, t.exercise_id, ps.pass_number, t.ends_at
             ORDER BY t.scenario_id, t.exercise_id, t.learner_id"
        )))
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading how programme {programme}'s learners did"))
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

    /// The learners of `programme`'s cohorts in `scope`, each with whether
    /// they started and how many exercises they completed.
    pub async fn cohort_learners(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<CohortLearner>> {
        sqlx::query_as(
            "SELECT c.id AS cohort_id,
                    EXISTS (SELECT 1 FROM sandboxes s
                            WHERE s.learner_id = l.id AND s.claimed_at IS NOT NULL) AS started,
                    (SELECT COUNT(DISTINCT co.exercise_id) FROM sandboxes s
                     JOIN completions co ON co.sandbox_id = s.id
                     WHERE s.learner_id = l.id) AS completed
             FROM learners l
             JOIN cohorts c ON c.id = l.cohort_id
             LEFT JOIN people p ON p.id = l.person_id
             WHERE c.programme_id = ?1
               AND (?2 IS NULL OR p.team_id = ?2)
               AND (?3 IS NULL OR c.phase = ?3)",
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
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT c.scenario_id, a.exercise_id, a.output, COUNT(*) AS count
             {SCOPED_ATTEMPTS} AND a.outcome = 'failed'
             GROUP BY c.scenario_id, a.exercise_id, a.output
             ORDER BY c.scenario_id, a.exercise_id, a.output"
        )))
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s failed checks"))
    }
}
