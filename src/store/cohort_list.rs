//! The lists of cohorts (current or archived), a cohort found by its
//! owner and name, archiving, and the steps a cohort's learners passed,
//! from which the lists' progress is computed.

use uuid::Uuid;

use super::cohorts::COHORT_SELECT;
use super::{Cohort, Context, Result, Store, now};

/// Which of their cohorts a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortListing {
    /// Those not archived (the default).
    Current,
    Archived,
}

/// A learner who passed an exercise (once, however many passes).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PassedStep {
    pub learner_id: String,
    pub exercise_id: String,
}

impl Store {
    /// Cohorts, newest first, archived or not: all, or those `owner` owns.
    pub async fn cohorts_listed(
        &self,
        owner: Option<Uuid>,
        listing: CohortListing,
    ) -> Result<Vec<Cohort>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{COHORT_SELECT} WHERE (?1 IS NULL OR c.owner_id = ?1)
               AND (c.archived_at IS NOT NULL) = ?2 ORDER BY c.created_at DESC"
        )))
        .bind(owner.map(|o| o.to_string()))
        .bind(listing == CohortListing::Archived)
        .fetch_all(&self.pool)
        .await
        .context(|| "listing cohorts".into())
    }

    /// How many archived cohorts `owner` has (all owners' when None).
    pub async fn archived_cohorts(&self, owner: Option<Uuid>) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cohorts WHERE (?1 IS NULL OR owner_id = ?1) AND archived_at IS NOT NULL",
        )
        .bind(owner.map(|o| o.to_string()))
        .fetch_one(&self.pool)
        .await
        .context(|| "counting archived cohorts".into())?;
        Ok(n.max(0) as u64)
    }

    /// `owner`'s cohort named `name`, letter case aside, archived or not.
    pub async fn cohort_named(&self, owner: Uuid, name: &str) -> Result<Option<Cohort>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{COHORT_SELECT} WHERE c.owner_id = ? AND c.name = ? COLLATE NOCASE"
        )))
        .bind(owner.to_string())
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("looking for the cohort named {name}"))
    }

    /// Archives a cohort (or takes it out of the archive); false when it
    /// was so already.
    pub async fn set_cohort_archived(&self, id: Uuid, archived: bool) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE cohorts SET archived_at = CASE WHEN ?2 THEN ?3 END
             WHERE id = ?1 AND (archived_at IS NOT NULL) <> ?2",
        )
        .bind(id.to_string())
        .bind(archived)
        .bind(now())
        .execute(&self.pool)
        .await
        .context(|| format!("archiving cohort {id}"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Every (learner, exercise) of a cohort with a completion: what its
    /// progress grid shows as passed.
    pub async fn passed_steps(&self, cohort: Uuid) -> Result<Vec<PassedStep>> {
        sqlx::query_as(
            "SELECT DISTINCT s.learner_id, a.exercise_id
             FROM completions c
             JOIN attempts a ON a.id = c.attempt_id
             JOIN sandboxes s ON s.id = a.sandbox_id
             WHERE s.cohort_id = ? AND s.learner_id IS NOT NULL",
        )
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the steps passed in cohort {cohort}"))
    }
}
