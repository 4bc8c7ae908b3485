//! Cohorts, their learners and their attempts (the claims of their pools'
//! sandboxes are in `pool`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, Result, Store, StoreError, now};
use crate::timezone::TimeZone;

/// A group of learners doing one scenario with a trainer.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Cohort {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    pub name: String,
    pub scenario_id: String,
    #[sqlx(try_from = "String")]
    pub owner_id: DbUuid,
    /// The owner's account name.
    pub owner_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Warm sandboxes kept beyond the roster.
    pub spare: i64,
    /// This cohort's cap on live sandboxes; roster + spare when unset.
    pub max_sandboxes: Option<i64>,
    pub launched_at: Option<DateTime<Utc>>,
    pub torn_down_at: Option<DateTime<Utc>>,
    /// Set once the cohort, over, was put out of the default lists.
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// How many learners are on the roster.
    pub learners: i64,
    /// The zone its times are typed, shown and exported in.
    #[sqlx(try_from = "String")]
    pub time_zone: TimeZone,
}

impl Cohort {
    /// Torn down, or past its end: no sandbox starts for it any more.
    /// The one rule every page, API and service asks.
    pub fn is_over(&self) -> bool {
        self.torn_down_at.is_some() || self.ends_at <= Utc::now()
    }
}

/// A uuid column (stored as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct DbUuid(pub Uuid);

impl TryFrom<String> for DbUuid {
    type Error = uuid::Error;
    fn try_from(s: String) -> std::result::Result<Self, Self::Error> {
        Uuid::parse_str(&s).map(Self)
    }
}

impl std::ops::Deref for DbUuid {
    type Target = Uuid;
    fn deref(&self) -> &Uuid {
        &self.0
    }
}

impl std::fmt::Display for DbUuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a trainer asks for when creating a cohort.
pub struct NewCohort<'a> {
    pub name: &'a str,
    pub scenario_id: &'a str,
    pub owner: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub spare: u32,
    pub max_sandboxes: Option<u32>,
    pub time_zone: TimeZone,
}

/// One roster line about to be stored, with its link's hashes.
pub struct NewLearner<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub team: Option<&'a str>,
    pub token_hash: String,
    pub web_key_hash: String,
}

/// A learner of a cohort, with the sandbox their link is bound to, if any.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Learner {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    #[sqlx(try_from = "String")]
    pub cohort_id: DbUuid,
    pub position: i64,
    pub name: String,
    pub email: Option<String>,
    pub team: Option<String>,
    pub sandbox_id: Option<String>,
    pub sandbox_state: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
}

/// An attempt in a cohort, with whose it was.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct CohortAttempt {
    pub id: i64,
    pub learner_id: Option<String>,
    pub sandbox_id: String,
    pub exercise_id: String,
    pub outcome: String,
    pub output: String,
    pub detail: String,
    pub duration_ms: i64,
    pub created_at: DateTime<Utc>,
    /// True when this attempt is the exercise's completion.
    pub completion: bool,
}

pub(super) const COHORT_SELECT: &str =
    "SELECT c.id, c.name, c.scenario_id, c.owner_id, u.name AS owner_name,
        c.starts_at, c.ends_at, c.spare, c.max_sandboxes, c.launched_at, c.torn_down_at,
        c.archived_at, c.created_at,
        (SELECT COUNT(*) FROM learners l WHERE l.cohort_id = c.id) AS learners, c.time_zone
     FROM cohorts c JOIN users u ON u.id = c.owner_id";

impl Store {
    /// Stores a cohort, its roster and one link per learner, all or nothing.
    pub async fn insert_cohort(
        &self,
        new: NewCohort<'_>,
        roster: &[NewLearner<'_>],
    ) -> Result<Cohort> {
        let id = Uuid::new_v4();
        let what = || format!("creating cohort {}", new.name);
        let at = now();
        let mut tx = self.pool.begin().await.context(what)?;
        sqlx::query(
            "INSERT INTO cohorts (id, name, scenario_id, owner_id, starts_at, ends_at, spare, max_sandboxes, created_at, time_zone)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(new.name)
        .bind(new.scenario_id)
        .bind(new.owner.to_string())
        .bind(new.starts_at)
        .bind(new.ends_at)
        .bind(i64::from(new.spare))
        .bind(new.max_sandboxes.map(i64::from))
        .bind(at)
        .bind(new.time_zone.name())
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            // The owner has a cohort of that name (cohorts_owner_name).
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::CohortNameTaken(new.name.to_owned())
            }
            _ => StoreError::Sql {
                context: what(),
                source: e,
            },
        })?;
        for (i, l) in roster.iter().enumerate() {
            sqlx::query(
                "INSERT INTO learners (id, cohort_id, position, name, email, team, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(l.id.to_string())
            .bind(id.to_string())
            .bind(i as i64 + 1)
            .bind(l.name)
            .bind(l.email)
            .bind(l.team)
            .bind(at)
            .execute(&mut *tx)
            .await
            .context(what)?;
            sqlx::query(
                "INSERT INTO links (token_hash, web_key_hash, scenario_id, cohort_id, learner, learner_id, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&l.token_hash)
            .bind(&l.web_key_hash)
            .bind(new.scenario_id)
            .bind(id.to_string())
            .bind(l.name)
            .bind(l.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)?;
        self.cohort(id).await?.ok_or(StoreError::UnknownCohort(id))
    }

    pub async fn cohort(&self, id: Uuid) -> Result<Option<Cohort>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{COHORT_SELECT} WHERE c.id = ?"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading cohort {id}"))
    }

    /// Cohorts, newest first: all of them, or those `owner` owns.
    pub async fn cohorts(&self, owner: Option<Uuid>) -> Result<Vec<Cohort>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{COHORT_SELECT} WHERE (?1 IS NULL OR c.owner_id = ?1) ORDER BY c.created_at DESC"
        )))
        .bind(owner.map(|o| o.to_string()))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing cohorts".into())
    }

    /// Cohorts due to launch: not launched, not torn down, starting before
    /// `by` and not yet ended.
    pub async fn cohorts_due(&self, by: DateTime<Utc>) -> Result<Vec<Cohort>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{COHORT_SELECT} WHERE c.launched_at IS NULL AND c.torn_down_at IS NULL
               AND c.starts_at <= ? AND c.ends_at > ? ORDER BY c.starts_at"
        )))
        .bind(by)
        .bind(now())
        .fetch_all(&self.pool)
        .await
        .context(|| "listing cohorts due to launch".into())
    }

    /// Cohorts whose pool is kept warm: launched, not torn down, not ended.
    pub async fn cohorts_running(&self) -> Result<Vec<Cohort>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{COHORT_SELECT} WHERE c.launched_at IS NOT NULL AND c.torn_down_at IS NULL
               AND c.ends_at > ? ORDER BY c.starts_at"
        )))
        .bind(now())
        .fetch_all(&self.pool)
        .await
        .context(|| "listing running cohorts".into())
    }

    /// Notes the launch; false if the cohort was launched already.
    pub async fn mark_cohort_launched(&self, id: Uuid) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE cohorts SET launched_at = ? WHERE id = ? AND launched_at IS NULL AND torn_down_at IS NULL",
        )
        .bind(now())
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .context(|| format!("marking cohort {id} launched"))?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn mark_cohort_torn_down(&self, id: Uuid) -> Result<()> {
        sqlx::query("UPDATE cohorts SET torn_down_at = COALESCE(torn_down_at, ?) WHERE id = ?")
            .bind(now())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .context(|| format!("marking cohort {id} torn down"))?;
        Ok(())
    }

    /// A cohort's roster, in order, with each learner's current sandbox.
    pub async fn learners(&self, cohort: Uuid) -> Result<Vec<Learner>> {
        sqlx::query_as(
            "SELECT l.id, l.cohort_id, l.position, l.name, l.email, l.team,
                    k.sandbox_id, s.state AS sandbox_state, s.claimed_at
             FROM learners l
             LEFT JOIN links k ON k.learner_id = l.id AND k.revoked_at IS NULL
             LEFT JOIN sandboxes s ON s.id = k.sandbox_id
             WHERE l.cohort_id = ? ORDER BY l.position",
        )
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the learners of cohort {cohort}"))
    }

    /// Every attempt made in a cohort's sandboxes, oldest first.
    pub async fn cohort_attempts(&self, cohort: Uuid) -> Result<Vec<CohortAttempt>> {
        sqlx::query_as(
            "SELECT a.id, s.learner_id, a.sandbox_id, a.exercise_id, a.outcome, a.output, a.detail,
                    a.duration_ms, a.created_at,
                    EXISTS (SELECT 1 FROM completions c WHERE c.attempt_id = a.id) AS completion
             FROM attempts a JOIN sandboxes s ON s.id = a.sandbox_id
             WHERE s.cohort_id = ? ORDER BY a.id",
        )
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the attempts of cohort {cohort}"))
    }

    /// The attempts one learner of a cohort made, oldest first.
    pub async fn learner_attempts(&self, learner: Uuid) -> Result<Vec<CohortAttempt>> {
        sqlx::query_as(
            "SELECT a.id, s.learner_id, a.sandbox_id, a.exercise_id, a.outcome, a.output, a.detail,
                    a.duration_ms, a.created_at,
                    EXISTS (SELECT 1 FROM completions c WHERE c.attempt_id = a.id) AS completion
             FROM attempts a JOIN sandboxes s ON s.id = a.sandbox_id
             WHERE s.learner_id = ? ORDER BY a.id",
        )
        .bind(learner.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the attempts of learner {learner}"))
    }
}
