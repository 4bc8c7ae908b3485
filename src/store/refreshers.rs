//! Refreshers: a programme's scheduled re-checks of an exercise, some
//! days after each learner passed it; each learner's invitation (kept once
//! its link was first given) and what came of it.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::{Context, DbUuid, IndicatorScope, Result, Store, StoreError, now};

/// A scheduled refresher.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct RefresherRecord {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    #[sqlx(try_from = "String")]
    pub programme_id: DbUuid,
    pub scenario_id: String,
    pub exercise_id: String,
    pub after_days: i64,
    pub created_at: DateTime<Utc>,
}

/// A learner whose refresher is due: they passed its exercise long enough
/// ago. With their invitation, if its link was given, and its first check.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueRefresher {
    #[sqlx(try_from = "String")]
    pub refresher_id: DbUuid,
    pub scenario_id: String,
    pub exercise_id: String,
    #[sqlx(try_from = "String")]
    pub learner_id: DbUuid,
    pub learner_name: String,
    pub team: Option<String>,
    pub passed_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    /// The outcome of the first check run in the refresher's sandbox.
    pub first_outcome: Option<String>,
}

/// An invitation found by its token.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InviteRecord {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    #[sqlx(try_from = "String")]
    pub refresher_id: DbUuid,
    #[sqlx(try_from = "String")]
    pub learner_id: DbUuid,
    pub learner_name: String,
    pub scenario_id: String,
    pub exercise_id: String,
    pub link_hash: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
}

const REFRESHER: &str = "SELECT id, programme_id, scenario_id, exercise_id, after_days, created_at
     FROM refreshers";

/// The due refreshers: `?1` the programme, `?2` a team, `?3` a phase, `?4`
/// a learner (all optional but the programme), `?5` now.
const DUE: &str = "SELECT r.id AS refresher_id, r.scenario_id, r.exercise_id,
        l.id AS learner_id, l.name AS learner_name, t.name AS team, le.passed_at,
        i.started_at,
        (SELECT a.outcome FROM links k JOIN attempts a ON a.sandbox_id = k.sandbox_id
         WHERE k.token_hash = i.link_hash AND a.exercise_id = r.exercise_id
           AND a.outcome IN ('passed', 'failed')
         ORDER BY a.created_at, a.id LIMIT 1) AS first_outcome
     FROM refreshers r
     JOIN cohorts c ON c.programme_id = r.programme_id AND c.scenario_id = r.scenario_id
     JOIN learners l ON l.cohort_id = c.id
     JOIN learner_exercises le ON le.learner_id = l.id AND le.exercise_id = r.exercise_id
     LEFT JOIN people p ON p.id = l.person_id
     LEFT JOIN teams t ON t.id = p.team_id
     LEFT JOIN refresher_invites i ON i.refresher_id = r.id AND i.learner_id = l.id
     WHERE (?1 IS NULL OR r.programme_id = ?1)
       AND (?2 IS NULL OR p.team_id = ?2)
       AND (?3 IS NULL OR c.phase = ?3)
       AND (?4 IS NULL OR l.id = ?4)
       AND le.passed_at IS NOT NULL
       AND julianday(le.passed_at) + r.after_days <= julianday(?5)
     ORDER BY t.name, l.name, r.created_at";

impl Store {
    /// Schedules a refresher of `exercise` `after` its pass.
    pub async fn add_refresher(
        &self,
        programme: Uuid,
        scenario: &str,
        exercise: &str,
        after: TimeDelta,
        by: Uuid,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let done = sqlx::query(
            "INSERT INTO refreshers (id, programme_id, scenario_id, exercise_id, after_days, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(programme.to_string())
        .bind(scenario)
        .bind(exercise)
        .bind(after.num_days())
        .bind(by.to_string())
        .bind(now())
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Duplicate(
                format!("a refresher of {scenario}/{exercise}"),
            )),
            Err(e) => Err(e).context(|| "scheduling a refresher".into()),
        }
    }

    /// A programme's refreshers, oldest first.
    pub async fn refreshers(&self, programme: Uuid) -> Result<Vec<RefresherRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REFRESHER} WHERE programme_id = ? ORDER BY created_at, id"
        )))
        .bind(programme.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing programme {programme}'s refreshers"))
    }

    /// One refresher.
    pub async fn refresher(&self, id: Uuid) -> Result<Option<RefresherRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{REFRESHER} WHERE id = ?")))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .context(|| format!("reading refresher {id}"))
    }

    /// The refreshers due as of `at`: of a programme (narrowed to `scope`),
    /// or of one learner (any programme).
    pub async fn due_refreshers(
        &self,
        programme: Option<Uuid>,
        scope: IndicatorScope<'_>,
        learner: Option<Uuid>,
        at: DateTime<Utc>,
    ) -> Result<Vec<DueRefresher>> {
        sqlx::query_as(DUE)
            .bind(programme.map(|p| p.to_string()))
            .bind(scope.team.map(|t| t.to_string()))
            .bind(scope.phase)
            .bind(learner.map(|l| l.to_string()))
            .bind(at)
            .fetch_all(&self.pool)
            .await
            .context(|| "listing the refreshers due".into())
    }

    /// Keeps `learner`'s invitation to `refresher` under `token_hash`, if
    /// it is not kept already.
    pub async fn keep_invite(
        &self,
        refresher: Uuid,
        learner: Uuid,
        token_hash: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO refresher_invites (id, refresher_id, learner_id, token_hash, created_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(refresher.to_string())
        .bind(learner.to_string())
        .bind(token_hash)
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| format!("keeping an invitation to refresher {refresher}"))?;
        Ok(())
    }

    /// The invitation with this token hash.
    pub async fn invite(&self, token_hash: &str) -> Result<Option<InviteRecord>> {
        sqlx::query_as(
            "SELECT i.id, i.refresher_id, i.learner_id, l.name AS learner_name, r.scenario_id,
                    r.exercise_id, i.link_hash, i.started_at
             FROM refresher_invites i
             JOIN refreshers r ON r.id = i.refresher_id
             JOIN learners l ON l.id = i.learner_id
             WHERE i.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .context(|| "looking up a refresher invitation".into())
    }

    /// Marks an invitation started with the link `link_hash`: whether it
    /// was not started before (only one Start builds a sandbox).
    pub async fn start_invite(&self, id: Uuid, link_hash: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE refresher_invites SET link_hash = ?, started_at = ?
             WHERE id = ? AND link_hash IS NULL",
        )
        .bind(link_hash)
        .bind(now())
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .context(|| format!("starting refresher invitation {id}"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes a start back (its sandbox could not be built).
    pub async fn unstart_invite(&self, id: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE refresher_invites SET link_hash = NULL, started_at = NULL WHERE id = ?",
        )
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .context(|| format!("taking back the start of refresher invitation {id}"))?;
        Ok(())
    }

    /// Makes the link `token_hash` open onto `exercise` only.
    pub async fn set_link_exercise(&self, token_hash: &str, exercise: &str) -> Result<()> {
        sqlx::query("UPDATE links SET only_exercise = ? WHERE token_hash = ?")
            .bind(exercise)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .context(|| "narrowing a link to one exercise".into())?;
        Ok(())
    }
}
