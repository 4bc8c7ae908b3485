//! Many of the product's own writes in one transaction, each at a moment
//! given: for records generated in bulk (`sandpit demo`, benchmarks), where
//! a commit per record would take minutes. Each write runs the very
//! statements of its one-off twin on [`Store`] (claim, check, pulse…), so
//! the records are those the product itself makes.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    CheckRecord, Claim, Context, NewAttempt, NewSandbox, Rated, Result, Store, StoreError,
};

/// Writes in one transaction: all of them kept by [`Batch::commit`], none
/// if the batch is dropped without it (as its caller does when a write
/// fails: the writes before it would be half of something).
pub struct Batch {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
}

impl Store {
    /// Starts a batch of writes.
    pub async fn batch(&self) -> Result<Batch> {
        let tx = self
            .pool
            .begin()
            .await
            .context(|| "starting a batch of writes".into())?;
        Ok(Batch { tx })
    }
}

impl Batch {
    /// [`Store::insert_sandbox`], at `at`.
    pub async fn insert_sandbox(&mut self, new: NewSandbox<'_>, at: DateTime<Utc>) -> Result<()> {
        super::sandboxes::insert_sandbox(&mut *self.tx, new, at).await
    }

    /// [`Store::mark_ready`], at `at`.
    pub async fn mark_ready(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<()> {
        super::sandboxes::mark_ready(&mut self.tx, id, at).await
    }

    /// [`Store::claim`], at `at`; a claim that finds nothing to claim or
    /// bind is refused with [`StoreError::NotClaimed`].
    pub async fn claim(&mut self, c: Claim<'_>, at: DateTime<Utc>) -> Result<Uuid> {
        super::pool::claim(&mut self.tx, &c, at)
            .await
            .context(|| "claiming a sandbox for a learner".into())?
            .ok_or(StoreError::NotClaimed)
    }

    /// [`Store::record_attempt`], made at `at`.
    pub async fn record_attempt(
        &mut self,
        a: NewAttempt<'_>,
        at: DateTime<Utc>,
    ) -> Result<CheckRecord> {
        super::attempts::record_attempt(&mut self.tx, &a, at).await
    }

    /// [`Store::rate_exercise`], rated at `at`.
    pub async fn rate_exercise(&mut self, rated: Rated<'_>, at: DateTime<Utc>) -> Result<()> {
        super::community::rate_exercise(&mut self.tx, &rated, at).await
    }

    /// [`Store::mark_destroyed`], at `at`.
    pub async fn mark_destroyed(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<()> {
        super::sandboxes::mark_destroyed(&mut self.tx, id, at).await
    }

    /// [`Store::answer_pulse`], answered at `at`.
    pub async fn answer_pulse(
        &mut self,
        learner: Uuid,
        answers: &[(Uuid, u8, Option<String>)],
        at: DateTime<Utc>,
    ) -> Result<()> {
        super::pulses::answer_pulse(&mut self.tx, learner, answers, at).await
    }

    /// Keeps every write of the batch.
    pub async fn commit(self) -> Result<()> {
        self.tx
            .commit()
            .await
            .context(|| "committing a batch of writes".into())
    }
}
