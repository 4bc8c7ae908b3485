//! A learner's reset: their link moves to a fresh sandbox, their
//! completions come along, and the old sandbox is over, in one transaction.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::pool::{Claimant, claim_ready};
use super::{Context, Result, Store, now};

/// What [`Store::rebind_link`] moves.
pub struct Rebind<'a> {
    pub token_hash: &'a str,
    /// The sandbox the link is bound to now.
    pub old: Uuid,
    /// A cohort link takes a ready sandbox from its cohort's pool...
    pub cohort: Option<Uuid>,
    /// ...or this ready sandbox, made for it.
    pub sandbox: Option<Uuid>,
    pub learner_id: Option<Uuid>,
    pub learner_name: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Claims a ready sandbox for the link, binds the link to it, copies the
    /// old sandbox's completions to it (attempts stay where they were made;
    /// a copied completion still names its one attempt, so nothing counts
    /// twice) and marks the old sandbox destroyed. None, with nothing
    /// changed, when no sandbox was ready or the link moved meanwhile.
    pub async fn rebind_link(&self, r: Rebind<'_>) -> Result<Option<Uuid>> {
        let what = || format!("resetting the sandbox {} of a learner link", r.old);
        let mut tx = self.pool.begin().await.context(what)?;
        let at = now();
        let claimed = claim_ready(
            &mut tx,
            Claimant {
                learner_name: r.learner_name,
                learner_id: r.learner_id,
                expires_at: r.expires_at,
                sandbox: r.sandbox,
                cohort: r.cohort,
                at,
            },
        )
        .await
        .context(what)?;
        let Some(new) = claimed else {
            return Ok(None);
        };
        let old = r.old.to_string();
        let moved = sqlx::query(
            "UPDATE links SET sandbox_id = ? WHERE token_hash = ? AND sandbox_id = ? AND revoked_at IS NULL",
        )
        .bind(&new)
        .bind(r.token_hash)
        .bind(&old)
        .execute(&mut *tx)
        .await
        .context(what)?;
        if moved.rows_affected() != 1 {
            return Ok(None);
        }
        sqlx::query(
            "INSERT OR IGNORE INTO completions (sandbox_id, exercise_id, attempt_id, completed_at)
             SELECT ?, exercise_id, attempt_id, completed_at FROM completions WHERE sandbox_id = ?",
        )
        .bind(&new)
        .bind(&old)
        .execute(&mut *tx)
        .await
        .context(what)?;
        // The record goes first, as in every destroy: the engine objects
        // are removed after the commit (or by reconcile after a crash).
        sqlx::query(
            "UPDATE sandboxes SET state = 'destroyed', updated_at = ?
             WHERE id = ? AND state IN ('ready', 'claimed', 'expired', 'failed')",
        )
        .bind(at)
        .bind(&old)
        .execute(&mut *tx)
        .await
        .context(what)?;
        tx.commit().await.context(what)?;
        Ok(Uuid::parse_str(&new).ok())
    }
}
