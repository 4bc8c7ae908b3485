//! Ambassadors and help: who helps whom (a learner or an account, for a
//! cohort or a team), learners' calls for help, and what an ambassador
//! needs to see of the peers in their care.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, DbUuid, Result, Store, StoreError, now};

/// Who an ambassador is: a roster line (reached through their link) or an
/// account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Helper {
    Learner(Uuid),
    User(Uuid),
}

/// Whose ambassador they are: a cohort's learners, or a team's people in
/// the cohorts of its programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Care {
    Cohort(Uuid),
    Team(Uuid),
}

/// An ambassador as kept, with names for pages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct AmbassadorRecord {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    pub learner_id: Option<String>,
    pub user_id: Option<String>,
    /// The learner's or the account's name.
    pub name: String,
    pub cohort_id: Option<String>,
    pub team_id: Option<String>,
    /// The cohort's or the team's name.
    pub care_name: String,
    pub created_at: DateTime<Utc>,
}

/// A learner in an ambassador's care, with what they are at: their live
/// sandbox, how their exercises went, their open call for help.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Peer {
    #[sqlx(try_from = "String")]
    pub learner_id: DbUuid,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub cohort_id: DbUuid,
    pub cohort_name: String,
    pub scenario_id: String,
    #[sqlx(try_from = "String")]
    pub sandbox_id: DbUuid,
    /// When the sandbox was last used (typing, a check), if known.
    pub last_activity_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    /// Their open call for help, if any.
    pub request_id: Option<String>,
    pub request_exercise: Option<String>,
    pub request_message: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
}

/// How a peer did on one exercise: checks failed, passed or not, the last
/// failed check's output and when they last checked.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PeerExercise {
    #[sqlx(try_from = "String")]
    pub learner_id: DbUuid,
    pub exercise_id: String,
    pub attempts: i64,
    pub passed: bool,
    pub last_attempt_at: DateTime<Utc>,
    pub last_failed_output: Option<String>,
}

/// The learners an ambassador's care reaches: `?1` a JSON array of cohort
/// ids, `?2` one of team ids; `l` the learner, `c` their cohort.
const IN_CARE: &str = "(l.cohort_id IN (SELECT value FROM json_each(?1))
      OR EXISTS (SELECT 1 FROM people p WHERE p.id = l.person_id
                 AND p.team_id IN (SELECT value FROM json_each(?2))
                 AND c.programme_id = (SELECT t.programme_id FROM teams t WHERE t.id = p.team_id)))";

fn json_ids(ids: &[Uuid]) -> String {
    serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).unwrap_or_default()
}

impl Store {
    /// Makes `helper` an ambassador of `care`.
    pub async fn add_ambassador(&self, helper: Helper, care: Care, by: Uuid) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let (learner, user) = match helper {
            Helper::Learner(l) => (Some(l.to_string()), None),
            Helper::User(u) => (None, Some(u.to_string())),
        };
        let (cohort, team) = match care {
            Care::Cohort(c) => (Some(c.to_string()), None),
            Care::Team(t) => (None, Some(t.to_string())),
        };
        let done = sqlx::query(
            "INSERT INTO ambassadors (id, learner_id, user_id, cohort_id, team_id, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(learner)
        .bind(user)
        .bind(cohort)
        .bind(team)
        .bind(by.to_string())
        .bind(now())
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Duplicate("such an ambassador".into()))
            }
            Err(e) => Err(e).context(|| "adding an ambassador".into()),
        }
    }

    /// Ends an ambassador's role.
    pub async fn remove_ambassador(&self, id: Uuid) -> Result<bool> {
        let done = sqlx::query("DELETE FROM ambassadors WHERE id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .context(|| format!("removing ambassador {id}"))?;
        Ok(done.rows_affected() == 1)
    }

    /// One ambassador.
    pub async fn ambassador(&self, id: Uuid) -> Result<Option<AmbassadorRecord>> {
        Ok(self
            .ambassadors_where("a.id = ?1", &id.to_string())
            .await?
            .pop())
    }

    /// The ambassadors of a cohort.
    pub async fn cohort_ambassadors(&self, cohort: Uuid) -> Result<Vec<AmbassadorRecord>> {
        self.ambassadors_where("a.cohort_id = ?1", &cohort.to_string())
            .await
    }

    /// The ambassadors of a programme's teams.
    pub async fn team_ambassadors(&self, programme: Uuid) -> Result<Vec<AmbassadorRecord>> {
        self.ambassadors_where(
            "a.team_id IN (SELECT id FROM teams WHERE programme_id = ?1)",
            &programme.to_string(),
        )
        .await
    }

    /// The roles `helper` has.
    pub async fn roles_of(&self, helper: Helper) -> Result<Vec<AmbassadorRecord>> {
        match helper {
            Helper::Learner(l) => {
                self.ambassadors_where("a.learner_id = ?1", &l.to_string())
                    .await
            }
            Helper::User(u) => {
                self.ambassadors_where("a.user_id = ?1", &u.to_string())
                    .await
            }
        }
    }

    async fn ambassadors_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<AmbassadorRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT a.id, a.learner_id, a.user_id, COALESCE(l.name, u.name) AS name,
                    a.cohort_id, a.team_id, COALESCE(c.name, t.name) AS care_name, a.created_at
             FROM ambassadors a
             LEFT JOIN learners l ON l.id = a.learner_id
             LEFT JOIN users u ON u.id = a.user_id
             LEFT JOIN cohorts c ON c.id = a.cohort_id
             LEFT JOIN teams t ON t.id = a.team_id
             WHERE {condition}
             ORDER BY care_name, name"
        )))
        .bind(value)
        .fetch_all(&self.pool)
        .await
        .context(|| "listing ambassadors".into())
    }

    /// The cohort a learner is on, if the learner exists.
    pub async fn cohort_of_learner(&self, learner: Uuid) -> Result<Option<Uuid>> {
        let cohort: Option<String> =
            sqlx::query_scalar("SELECT cohort_id FROM learners WHERE id = ?")
                .bind(learner.to_string())
                .fetch_optional(&self.pool)
                .await
                .context(|| format!("reading learner {learner}"))?;
        Ok(cohort.and_then(|c| Uuid::parse_str(&c).ok()))
    }

    /// The learners of a programme's cohorts: id, name and cohort name, by
    /// name.
    pub async fn programme_learners(
        &self,
        programme: Uuid,
    ) -> Result<Vec<(String, String, String)>> {
        sqlx::query_as(
            "SELECT l.id, l.name, c.name FROM cohorts c JOIN learners l ON l.cohort_id = c.id
             WHERE c.programme_id = ? ORDER BY l.name, c.name",
        )
        .bind(programme.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing programme {programme}'s learners"))
    }

    /// The programme whose cohort a learner is on, if any.
    pub async fn programme_of_learner(&self, learner: Uuid) -> Result<Option<Uuid>> {
        let programme: Option<Option<String>> = sqlx::query_scalar(
            "SELECT c.programme_id FROM learners l JOIN cohorts c ON c.id = l.cohort_id
             WHERE l.id = ?",
        )
        .bind(learner.to_string())
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading learner {learner}'s programme"))?;
        Ok(programme.flatten().and_then(|p| Uuid::parse_str(&p).ok()))
    }

    /// The programme a team is of, and that programme's lead.
    pub async fn team_programme(&self, team: Uuid) -> Result<Option<(Uuid, Uuid)>> {
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT p.id, p.lead_id FROM teams t JOIN programmes p ON p.id = t.programme_id
             WHERE t.id = ?",
        )
        .bind(team.to_string())
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading team {team}"))?;
        Ok(found.and_then(|(p, l)| Some((Uuid::parse_str(&p).ok()?, Uuid::parse_str(&l).ok()?))))
    }

    /// Opens `learner`'s call for help on an exercise (replacing the one
    /// they had open, if any): its id.
    pub async fn ask_help(
        &self,
        learner: Uuid,
        sandbox: Uuid,
        exercise: &str,
        message: Option<&str>,
    ) -> Result<Uuid> {
        let what = || format!("asking for help on {exercise}");
        let mut tx = self.pool.begin().await.context(what)?;
        let at = now();
        sqlx::query(
            "UPDATE help_requests SET closed_at = ? WHERE learner_id = ? AND closed_at IS NULL",
        )
        .bind(at)
        .bind(learner.to_string())
        .execute(&mut *tx)
        .await
        .context(what)?;
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO help_requests (id, learner_id, sandbox_id, exercise_id, message, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(learner.to_string())
        .bind(sandbox.to_string())
        .bind(exercise)
        .bind(message)
        .bind(at)
        .execute(&mut *tx)
        .await
        .context(what)?;
        tx.commit().await.context(what)?;
        Ok(id)
    }

    /// Closes `learner`'s open call for help: whether one was open.
    pub async fn close_help(&self, learner: Uuid) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE help_requests SET closed_at = ? WHERE learner_id = ? AND closed_at IS NULL",
        )
        .bind(now())
        .bind(learner.to_string())
        .execute(&self.pool)
        .await
        .context(|| "closing a call for help".into())?;
        Ok(done.rows_affected() > 0)
    }

    /// `learner`'s open call for help: its id and exercise.
    pub async fn open_help(&self, learner: Uuid) -> Result<Option<(String, String)>> {
        sqlx::query_as(
            "SELECT id, exercise_id FROM help_requests WHERE learner_id = ? AND closed_at IS NULL",
        )
        .bind(learner.to_string())
        .fetch_optional(&self.pool)
        .await
        .context(|| "reading a call for help".into())
    }

    /// The exercises `learner` has passed.
    pub async fn passed_exercises(&self, learner: Uuid) -> Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT exercise_id FROM learner_exercises
             WHERE learner_id = ? AND pass_number IS NOT NULL",
        )
        .bind(learner.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading what learner {learner} passed"))
    }

    /// The learners of `cohorts` and of `teams` (in their programme's
    /// cohorts) whose sandbox is live, with their open call for help.
    pub async fn peers(&self, cohorts: &[Uuid], teams: &[Uuid]) -> Result<Vec<Peer>> {
        self.peers_where(cohorts, teams, None).await
    }

    /// `learner`, if they are in the care of `cohorts` and `teams` and
    /// their sandbox is live.
    pub async fn peer(
        &self,
        cohorts: &[Uuid],
        teams: &[Uuid],
        learner: Uuid,
    ) -> Result<Option<Peer>> {
        Ok(self.peers_where(cohorts, teams, Some(learner)).await?.pop())
    }

    async fn peers_where(
        &self,
        cohorts: &[Uuid],
        teams: &[Uuid],
        learner: Option<Uuid>,
    ) -> Result<Vec<Peer>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT l.id AS learner_id, l.name, c.id AS cohort_id, c.name AS cohort_name,
                    s.scenario_id, s.id AS sandbox_id, s.last_activity_at, s.claimed_at,
                    h.id AS request_id, h.exercise_id AS request_exercise,
                    h.message AS request_message, h.created_at AS requested_at
             FROM learners l
             JOIN cohorts c ON c.id = l.cohort_id
             JOIN sandboxes s ON s.learner_id = l.id AND s.state = 'claimed'
             LEFT JOIN help_requests h ON h.learner_id = l.id AND h.closed_at IS NULL
             WHERE {IN_CARE} AND (?3 IS NULL OR l.id = ?3)
             ORDER BY h.created_at IS NULL, h.created_at, l.name"
        )))
        .bind(json_ids(cohorts))
        .bind(json_ids(teams))
        .bind(learner.map(|l| l.to_string()))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing the peers in an ambassador's care".into())
    }

    /// How the learners of `cohorts` and `teams` did on each exercise they
    /// checked, with their last failed check's output.
    pub async fn peer_exercises(
        &self,
        cohorts: &[Uuid],
        teams: &[Uuid],
    ) -> Result<Vec<PeerExercise>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT le.learner_id, le.exercise_id, le.attempts, le.pass_number IS NOT NULL AS passed,
                    le.last_attempt_at,
                    (SELECT a.output FROM attempts a JOIN sandboxes s ON s.id = a.sandbox_id
                     WHERE s.learner_id = l.id AND a.exercise_id = le.exercise_id
                       AND a.outcome = 'failed'
                     ORDER BY a.created_at DESC, a.id DESC LIMIT 1) AS last_failed_output
             FROM learners l
             JOIN cohorts c ON c.id = l.cohort_id
             JOIN learner_exercises le ON le.learner_id = l.id
             WHERE {IN_CARE}
               AND EXISTS (SELECT 1 FROM sandboxes s WHERE s.learner_id = l.id AND s.state = 'claimed')"
        )))
        .bind(json_ids(cohorts))
        .bind(json_ids(teams))
        .fetch_all(&self.pool)
        .await
        .context(|| "reading how the peers in an ambassador's care did".into())
    }
}
