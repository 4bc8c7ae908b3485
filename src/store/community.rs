//! What learners leave for each other on an exercise: ratings (useful,
//! usable), tips and questions, votes for the tips that helped, and
//! trainers' answers. Reports never name who rated or wrote what.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::indicators::IndicatorScope;
use super::{Context, DbUuid, Result, Store, now};

/// A learner's rating of an exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Rating {
    pub useful: i64,
    pub usable: i64,
}

/// A learner's rating about to be kept.
pub struct Rated<'a> {
    pub learner: Uuid,
    pub scenario: &'a str,
    pub exercise: &'a str,
    /// Whether they had passed the exercise when they rated it.
    pub passed: bool,
    pub rating: Rating,
}

/// [`Store::rate_exercise`] at `at`, on `conn` (a transaction's, for a
/// batch).
pub(super) async fn rate_exercise(
    conn: &mut sqlx::SqliteConnection,
    r: &Rated<'_>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO exercise_ratings (learner_id, scenario_id, exercise_id, passed, useful, usable, rated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (learner_id, scenario_id, exercise_id) DO UPDATE SET
             passed = ?4, useful = ?5, usable = ?6, rated_at = ?7",
    )
    .bind(r.learner.to_string())
    .bind(r.scenario)
    .bind(r.exercise)
    .bind(r.passed)
    .bind(r.rating.useful)
    .bind(r.rating.usable)
    .bind(at)
    .execute(&mut *conn)
    .await
    .context(|| format!("rating {}/{}", r.scenario, r.exercise))?;
    Ok(())
}

/// A tip or question about to be kept.
pub struct NewTip<'a> {
    pub learner: Uuid,
    pub scenario: &'a str,
    pub exercise: &'a str,
    /// `tip` or `question`.
    pub kind: &'a str,
    pub body: &'a str,
    pub lang: &'a str,
}

/// A tip or question as kept, with what the page or report shows of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct TipRecord {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    #[serde(skip)]
    #[sqlx(try_from = "String")]
    pub learner_id: DbUuid,
    pub scenario_id: String,
    pub exercise_id: String,
    pub kind: String,
    pub body: String,
    pub lang: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// Learners it helped (one vote each).
    pub votes: i64,
    /// Whether the learner the list is for voted for it.
    pub voted: bool,
}

/// A tip or question with who wrote it and where, for the trainers who
/// review and answer it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewedTip {
    #[sqlx(flatten)]
    pub tip: TipRecord,
    pub learner_name: String,
    #[sqlx(try_from = "String")]
    pub cohort_id: DbUuid,
    pub cohort_name: String,
    #[sqlx(try_from = "String")]
    pub owner_id: DbUuid,
}

/// An answer to a question.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct TipAnswer {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    #[sqlx(try_from = "String")]
    pub tip_id: DbUuid,
    /// The answerer's name (a trainer's account).
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A programme's tip or question as exported: its team, never its author.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct ProgrammeTip {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub tip: TipRecord,
    pub team: Option<String>,
}

/// The ratings of one exercise by a programme's learners, added up.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExerciseRatings {
    pub scenario_id: String,
    pub exercise_id: String,
    pub ratings: i64,
    pub useful: i64,
    pub usable: i64,
}

/// The columns of a [`TipRecord`] from `tips t`, for learner `?V` (the
/// viewer) when there is one.
const TIP_COLUMNS: &str =
    "t.id, t.learner_id, t.scenario_id, t.exercise_id, t.kind, t.body, t.lang,
     t.status, t.created_at,
     (SELECT COUNT(*) FROM tip_votes v WHERE v.tip_id = t.id) AS votes,
     EXISTS (SELECT 1 FROM tip_votes v WHERE v.tip_id = t.id AND v.learner_id = ?V) AS voted";

/// [`TIP_COLUMNS`] for viewer parameter number `n`.
fn tip_columns(n: u8) -> String {
    TIP_COLUMNS.replace("?V", &format!("?{n}"))
}

impl Store {
    /// Keeps `learner`'s rating of an exercise (replacing theirs if any).
    pub async fn rate_exercise(
        &self,
        learner: Uuid,
        scenario: &str,
        exercise: &str,
        passed: bool,
        rating: Rating,
    ) -> Result<()> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .context(|| format!("rating {scenario}/{exercise}"))?;
        let rated = Rated {
            learner,
            scenario,
            exercise,
            passed,
            rating,
        };
        rate_exercise(&mut conn, &rated, now()).await
    }

    /// `learner`'s rating of an exercise, if they gave one.
    pub async fn rating(
        &self,
        learner: Uuid,
        scenario: &str,
        exercise: &str,
    ) -> Result<Option<Rating>> {
        sqlx::query_as(
            "SELECT useful, usable FROM exercise_ratings
             WHERE learner_id = ? AND scenario_id = ? AND exercise_id = ?",
        )
        .bind(learner.to_string())
        .bind(scenario)
        .bind(exercise)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading a rating of {scenario}/{exercise}"))
    }

    /// Keeps a tip or question, waiting for review.
    pub async fn add_tip(&self, t: NewTip<'_>) -> Result<Uuid> {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO tips (id, learner_id, scenario_id, exercise_id, kind, body, lang, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(t.learner.to_string())
        .bind(t.scenario)
        .bind(t.exercise)
        .bind(t.kind)
        .bind(t.body)
        .bind(t.lang)
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| format!("keeping a {} on {}/{}", t.kind, t.scenario, t.exercise))?;
        Ok(id)
    }

    /// How many tips and questions `learner` left on an exercise.
    pub async fn tips_left(&self, learner: Uuid, scenario: &str, exercise: &str) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM tips WHERE learner_id = ? AND scenario_id = ? AND exercise_id = ?",
        )
        .bind(learner.to_string())
        .bind(scenario)
        .bind(exercise)
        .fetch_one(&self.pool)
        .await
        .context(|| format!("counting tips on {scenario}/{exercise}"))
    }

    /// The approved tips and questions of an exercise, those that helped
    /// most first, then the newest; `viewer`'s votes marked.
    pub async fn approved_tips(
        &self,
        scenario: &str,
        exercise: &str,
        viewer: Option<Uuid>,
    ) -> Result<Vec<TipRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM tips t
             WHERE t.scenario_id = ?1 AND t.exercise_id = ?2 AND t.status = 'approved'
             ORDER BY votes DESC, t.created_at DESC",
            tip_columns(3)
        )))
        .bind(scenario)
        .bind(exercise)
        .bind(viewer.map(|v| v.to_string()))
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the tips of {scenario}/{exercise}"))
    }

    /// The tips and questions `learner` left on an exercise, newest first.
    pub async fn own_tips(
        &self,
        learner: Uuid,
        scenario: &str,
        exercise: &str,
    ) -> Result<Vec<TipRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM tips t
             WHERE t.learner_id = ?1 AND t.scenario_id = ?2 AND t.exercise_id = ?3
             ORDER BY t.created_at DESC",
            tip_columns(1)
        )))
        .bind(learner.to_string())
        .bind(scenario)
        .bind(exercise)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing a learner's tips on {scenario}/{exercise}"))
    }

    /// The answers to the given tips, oldest first.
    pub async fn tip_answers(&self, tips: &[Uuid]) -> Result<Vec<TipAnswer>> {
        if tips.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(&tips.iter().map(Uuid::to_string).collect::<Vec<_>>())
            .unwrap_or_default();
        sqlx::query_as(
            "SELECT a.id, a.tip_id, COALESCE(u.name, l.name) AS author, a.body, a.created_at
             FROM tip_answers a
             LEFT JOIN users u ON u.id = a.user_id
             LEFT JOIN learners l ON l.id = a.learner_id
             WHERE a.tip_id IN (SELECT value FROM json_each(?))
             ORDER BY a.created_at, a.id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .context(|| "listing answers to tips".into())
    }

    /// One tip or question, with its author and cohort.
    pub async fn reviewed_tip(&self, id: Uuid) -> Result<Option<ReviewedTip>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {}, l.name AS learner_name, c.id AS cohort_id, c.name AS cohort_name,
                    c.owner_id
             FROM tips t JOIN learners l ON l.id = t.learner_id
             JOIN cohorts c ON c.id = l.cohort_id
             WHERE t.id = ?1",
            tip_columns(2)
        )))
        .bind(id.to_string())
        .bind(None::<String>)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading tip {id}"))
    }

    /// The tips and questions trainers have to act on: those waiting for
    /// review, and questions nobody answered; of the cohorts `owner` owns
    /// (all cohorts when None), oldest first.
    pub async fn tips_to_review(&self, owner: Option<Uuid>) -> Result<Vec<ReviewedTip>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {}, l.name AS learner_name, c.id AS cohort_id, c.name AS cohort_name,
                    c.owner_id
             FROM tips t JOIN learners l ON l.id = t.learner_id
             JOIN cohorts c ON c.id = l.cohort_id
             WHERE (?1 IS NULL OR c.owner_id = ?1)
               AND (t.status = 'pending'
                    OR (t.kind = 'question' AND t.status = 'approved'
                        AND NOT EXISTS (SELECT 1 FROM tip_answers a WHERE a.tip_id = t.id)))
             ORDER BY t.created_at, t.id",
            tip_columns(2)
        )))
        .bind(owner.map(|o| o.to_string()))
        .bind(None::<String>)
        .fetch_all(&self.pool)
        .await
        .context(|| "listing the tips to review".into())
    }

    /// Approves or rejects a tip or question.
    pub async fn review_tip(&self, id: Uuid, reviewer: Uuid, status: &str) -> Result<()> {
        sqlx::query("UPDATE tips SET status = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?")
            .bind(status)
            .bind(reviewer.to_string())
            .bind(now())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .context(|| format!("reviewing tip {id}"))?;
        Ok(())
    }

    /// Keeps a trainer's answer to a question.
    pub async fn answer_tip(&self, id: Uuid, user: Uuid, body: &str) -> Result<Uuid> {
        let answer = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO tip_answers (id, tip_id, user_id, body, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(answer.to_string())
        .bind(id.to_string())
        .bind(user.to_string())
        .bind(body)
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| format!("answering tip {id}"))?;
        Ok(answer)
    }

    /// Counts `learner`'s vote for an approved tip, once: true when this
    /// vote is new.
    pub async fn vote_tip(&self, id: Uuid, learner: Uuid) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO tip_votes (tip_id, learner_id, voted_at)
             SELECT id, ?2, ?3 FROM tips WHERE id = ?1 AND status = 'approved'
             ON CONFLICT (tip_id, learner_id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(learner.to_string())
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| format!("voting for tip {id}"))?;
        Ok(done.rows_affected() == 1)
    }

    /// The tips and questions of `programme`'s learners in `scope`, newest
    /// first, with their team.
    pub async fn programme_tips(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<ProgrammeTip>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {}, tm.name AS team
             FROM cohorts c
             JOIN learners l ON l.cohort_id = c.id
             JOIN tips t ON t.learner_id = l.id
             LEFT JOIN people p ON p.id = l.person_id
             LEFT JOIN teams tm ON tm.id = p.team_id
             WHERE c.programme_id = ?1
               AND (?2 IS NULL OR p.team_id = ?2)
               AND (?3 IS NULL OR c.phase = ?3)
             ORDER BY t.created_at DESC, t.id",
            tip_columns(4)
        )))
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .bind(None::<String>)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing programme {programme}'s tips"))
    }

    /// The ratings of `programme`'s learners in `scope`, added up per
    /// exercise.
    pub async fn programme_ratings(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<ExerciseRatings>> {
        sqlx::query_as(
            "SELECT r.scenario_id, r.exercise_id, COUNT(*) AS ratings,
                    SUM(r.useful) AS useful, SUM(r.usable) AS usable
             FROM cohorts c
             JOIN learners l ON l.cohort_id = c.id
             JOIN exercise_ratings r ON r.learner_id = l.id
             LEFT JOIN people p ON p.id = l.person_id
             WHERE c.programme_id = ?1
               AND (?2 IS NULL OR p.team_id = ?2)
               AND (?3 IS NULL OR c.phase = ?3)
             GROUP BY r.scenario_id, r.exercise_id",
        )
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s ratings"))
    }

    /// Whether `learner` checked an exercise (passed or failed), and
    /// whether they passed it.
    pub async fn tried(&self, learner: Uuid, exercise: &str) -> Result<Option<bool>> {
        let passed: Option<bool> = sqlx::query_scalar(
            "SELECT pass_number IS NOT NULL FROM learner_exercises
             WHERE learner_id = ? AND exercise_id = ?",
        )
        .bind(learner.to_string())
        .bind(exercise)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading whether a learner tried {exercise}"))?;
        Ok(passed)
    }
}
