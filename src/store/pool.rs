//! A cohort's warm pool in the store: its sandboxes counted by state, the
//! learners still to come, and the claim that binds a learner's link to a
//! ready sandbox, in one transaction, never giving one twice.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, Result, SandboxState, Store, now};

/// How many of a cohort's (or all) sandboxes are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StateCounts {
    pub provisioning: u64,
    pub ready: u64,
    pub claimed: u64,
    pub failed: u64,
    pub expired: u64,
    pub destroyed: u64,
}

impl StateCounts {
    /// Sandboxes that may hold engine objects.
    pub fn live(&self) -> u64 {
        self.provisioning + self.ready + self.claimed
    }
}

impl Store {
    /// How many sandboxes are in each state, for one cohort or for all.
    pub async fn state_counts(&self, cohort: Option<Uuid>) -> Result<StateCounts> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, COUNT(*) FROM sandboxes WHERE (?1 IS NULL OR cohort_id = ?1) GROUP BY state",
        )
        .bind(cohort.map(|c| c.to_string()))
        .fetch_all(&self.pool)
        .await
        .context(|| "counting sandboxes".into())?;
        let mut counts = StateCounts::default();
        for (state, n) in rows {
            let n = n.max(0) as u64;
            match SandboxState::parse(&state) {
                Some(SandboxState::Provisioning) => counts.provisioning = n,
                Some(SandboxState::Ready) => counts.ready = n,
                Some(SandboxState::Claimed) => counts.claimed = n,
                Some(SandboxState::Failed) => counts.failed = n,
                Some(SandboxState::Expired) => counts.expired = n,
                Some(SandboxState::Destroyed) => counts.destroyed = n,
                None => {}
            }
        }
        Ok(counts)
    }

    /// How many learners' links are not bound to a live sandbox yet.
    pub async fn unclaimed_learners(&self, cohort: Uuid) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM links k LEFT JOIN sandboxes s ON s.id = k.sandbox_id
             WHERE k.cohort_id = ? AND k.learner_id IS NOT NULL AND k.revoked_at IS NULL
               AND (k.sandbox_id IS NULL)",
        )
        .bind(cohort.to_string())
        .fetch_one(&self.pool)
        .await
        .context(|| format!("counting unclaimed learners of cohort {cohort}"))?;
        Ok(n.max(0) as u64)
    }

    /// How many of a cohort's pool sandboxes (made for nobody in
    /// particular) are still being provisioned.
    pub async fn pool_building(&self, cohort: Uuid) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sandboxes WHERE cohort_id = ? AND state = 'provisioning'
               AND learner IS NULL AND learner_id IS NULL",
        )
        .bind(cohort.to_string())
        .fetch_one(&self.pool)
        .await
        .context(|| format!("counting the pool sandboxes of cohort {cohort} being built"))?;
        Ok(n.max(0) as u64)
    }

    /// Binds a learner's link to a sandbox in one transaction: the given one
    /// (which must be ready), or else the oldest ready sandbox of the
    /// cohort's pool (never one cold-started for another learner).
    /// None when there is none ready or the link was bound meanwhile; a
    /// sandbox is never given twice.
    pub async fn claim(&self, c: Claim<'_>) -> Result<Option<Uuid>> {
        let what = || "claiming a sandbox for a learner".to_owned();
        let mut tx = self.pool.begin().await.context(what)?;
        let claimed = claim(&mut tx, &c, now()).await.context(what)?;
        if claimed.is_some() {
            tx.commit().await.context(what)?;
        }
        // Else nothing is kept: another open of the same link won, and the
        // sandbox stays in the pool.
        Ok(claimed)
    }

    /// A cohort's sandboxes that may still hold engine objects.
    pub async fn live_sandboxes_of(&self, cohort: Uuid) -> Result<Vec<Uuid>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM sandboxes WHERE cohort_id = ? AND state IN ('provisioning', 'ready', 'claimed')",
        )
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing the live sandboxes of cohort {cohort}"))?;
        Ok(ids.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect())
    }
}

/// What [`Store::claim`] binds.
pub struct Claim<'a> {
    pub token_hash: &'a str,
    pub cohort: Uuid,
    pub learner_id: Option<Uuid>,
    pub learner_name: Option<&'a str>,
    /// The sandbox's end: its scenario's time limit from now, capped by the cohort's end.
    pub expires_at: DateTime<Utc>,
    /// A particular ready sandbox (provisioned for this learner), else any of the pool.
    pub sandbox: Option<Uuid>,
}

/// [`Store::claim`] at `at` inside `tx`, which the caller commits when a
/// sandbox was claimed and bound, and drops otherwise.
pub(super) async fn claim(
    tx: &mut sqlx::SqliteConnection,
    c: &Claim<'_>,
    at: DateTime<Utc>,
) -> std::result::Result<Option<Uuid>, sqlx::Error> {
    let claimed = claim_ready(
        &mut *tx,
        Claimant {
            learner_name: c.learner_name,
            learner_id: c.learner_id,
            expires_at: c.expires_at,
            sandbox: c.sandbox,
            cohort: Some(c.cohort),
            at,
        },
    )
    .await?;
    let Some(id) = claimed else {
        return Ok(None);
    };
    let bound = sqlx::query(
        "UPDATE links SET sandbox_id = ? WHERE token_hash = ? AND sandbox_id IS NULL AND revoked_at IS NULL",
    )
    .bind(&id)
    .bind(c.token_hash)
    .execute(&mut *tx)
    .await?;
    if bound.rows_affected() != 1 {
        return Ok(None);
    }
    Ok(Uuid::parse_str(&id).ok())
}

/// Who a ready sandbox is claimed for, and which ones may be taken.
pub(super) struct Claimant<'a> {
    pub learner_name: Option<&'a str>,
    pub learner_id: Option<Uuid>,
    /// Capped to this (the scenario's time limit from now, the cohort's end).
    pub expires_at: DateTime<Utc>,
    /// This ready sandbox, made for the learner...
    pub sandbox: Option<Uuid>,
    /// ...or else the oldest ready one of this cohort's pool.
    pub cohort: Option<Uuid>,
    /// The moment of the claim.
    pub at: DateTime<Utc>,
}

/// Marks one ready sandbox claimed for `who` inside `tx`: the one named,
/// or the oldest ready sandbox of the cohort's pool (made for nobody in
/// particular). Its id, or None when there is none ready.
pub(super) async fn claim_ready(
    tx: &mut sqlx::SqliteConnection,
    who: Claimant<'_>,
) -> std::result::Result<Option<String>, sqlx::Error> {
    let at = who.at;
    sqlx::query_scalar(
        "UPDATE sandboxes SET state = 'claimed', learner = ?, learner_id = ?, claimed_at = ?,
                updated_at = ?, expires_at = MIN(COALESCE(expires_at, ?5), ?5)
         WHERE id = (SELECT id FROM sandboxes
                     WHERE state = 'ready' AND (?6 IS NOT NULL AND id = ?6
                           OR ?6 IS NULL AND cohort_id = ?7 AND learner_id IS NULL
                              AND learner IS NULL)
                     ORDER BY ready_at LIMIT 1)
         RETURNING id",
    )
    .bind(who.learner_name)
    .bind(who.learner_id.map(|l| l.to_string()))
    .bind(at)
    .bind(at)
    .bind(who.expires_at)
    .bind(who.sandbox.map(|s| s.to_string()))
    .bind(who.cohort.map(|c| c.to_string()))
    .fetch_optional(tx)
    .await
}
