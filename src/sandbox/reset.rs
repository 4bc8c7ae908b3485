//! Resets: a learner's whole sandbox (a fresh one of the same scenario for
//! the same link, progress kept), or one exercise by its scenario's script.

use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;

use super::{Owner, Result, SandboxError, SandboxService, ScriptRole, run_script};
use crate::runtime::ExecOutput;
use crate::sandbox::LinkToken;
use crate::scenario::{ExerciseId, Scenario};
use crate::store::{LinkRecord, Rebind, SandboxRecord, SandboxState};
use crate::sync::Locked;

/// How long an exercise's reset script may run.
const RESET_TIMEOUT: Duration = Duration::from_secs(120);

impl SandboxService {
    /// The link and its sandbox when that sandbox failed (its container
    /// died or vanished) before its time was up: the learner is told, and
    /// offered a reset. None otherwise.
    pub async fn failed_link(
        &self,
        token: &LinkToken,
    ) -> Result<Option<(LinkRecord, SandboxRecord)>> {
        let Some(link) = self.store.link(&token.hash()).await? else {
            return Ok(None);
        };
        let Some(id) = link.sandbox() else {
            return Ok(None);
        };
        let sandbox = self.store.sandbox(id).await?;
        let over = sandbox.expires_at.is_some_and(|at| at <= Utc::now());
        Ok((sandbox.state == SandboxState::Failed && !over).then_some((link, sandbox)))
    }

    /// Gives a link a fresh sandbox of the same scenario: a ready one from
    /// its cohort's pool, or one made now within the caps. The link, the
    /// completions and the old sandbox's end move in one transaction; the
    /// old sandbox is destroyed. None when the link has nothing to reset
    /// (unknown, revoked, over).
    pub async fn reset_link(&self, token: &LinkToken) -> Result<Option<SandboxRecord>> {
        let Some(link) = self.store.link(&token.hash()).await? else {
            return Ok(None);
        };
        // One reset (or first open) per link at a time.
        let lock = {
            let mut locks = self.binding_locks.locked();
            locks.entry(link.token_hash.clone()).or_default().clone()
        };
        let _one = lock.lock().await;
        let Some(link) = self.store.link(&link.token_hash).await? else {
            return Ok(None);
        };
        let Some(old_id) = link.sandbox() else {
            return Ok(None);
        };
        let old = self.store.sandbox(old_id).await?;
        let over = old.expires_at.is_some_and(|at| at <= Utc::now());
        if over || !matches!(old.state, SandboxState::Claimed | SandboxState::Failed) {
            return Ok(None);
        }
        let Some(scenario) = self.scenario_for(&old.scenario_id) else {
            return Ok(None);
        };
        let cohort = link
            .cohort_id
            .as_deref()
            .and_then(|c| Uuid::parse_str(c).ok());
        // A reset gives a fresh copy, not more time.
        let expires_at = old
            .expires_at
            .unwrap_or_else(|| Utc::now() + scenario.time_limit);
        let rebind = |sandbox| Rebind {
            token_hash: &link.token_hash,
            old: old_id,
            cohort,
            sandbox,
            learner_id: link
                .learner_id
                .as_deref()
                .and_then(|l| Uuid::parse_str(l).ok()),
            learner_name: link.learner.as_deref(),
            expires_at,
        };
        let mut new = None;
        if cohort.is_some() {
            new = self.store.rebind_link(rebind(None)).await?;
        }
        if new.is_none() {
            let made = self.cold_start_for(&link, &scenario, expires_at).await?;
            new = self.store.rebind_link(rebind(Some(made.id))).await?;
            if new.is_none() {
                self.destroy(made.id).await?;
                return Ok(None);
            }
        }
        self.changed();
        tracing::info!(old = %old_id, new = ?new, "a learner reset their sandbox");
        if let Err(e) = self.runtime.remove(old_id).await {
            // Reconcile removes it later: the record says destroyed.
            tracing::error!(sandbox = %old_id, error = %e, "removing a reset sandbox");
        }
        let Some(new) = new else { return Ok(None) };
        Ok(Some(self.store.sandbox(new).await?))
    }

    /// A sandbox made now for a link's reset, within the global cap and its
    /// cohort's.
    async fn cold_start_for(
        &self,
        link: &LinkRecord,
        scenario: &Scenario,
        expires_at: chrono::DateTime<Utc>,
    ) -> Result<SandboxRecord> {
        let owner = Owner {
            cohort: link.cohort_id.clone(),
            learner: link.learner.clone(),
        };
        let mut cap = None;
        if let Some(id) = link
            .cohort_id
            .as_deref()
            .and_then(|c| Uuid::parse_str(c).ok())
            && let Some(cohort) = self.store.cohort(id).await?
        {
            cap = Some(
                cohort
                    .max_sandboxes
                    .map_or((cohort.learners + cohort.spare).max(1) as u64, |m| {
                        m.max(0) as u64
                    }),
            );
        }
        self.provision_one(scenario, &owner, cap, expires_at).await
    }

    /// Runs an exercise's reset script (as the scenario's user), one at a
    /// time with the sandbox's checks. Its completion stays: records are
    /// history; only the sandbox is put back.
    pub async fn reset_exercise(
        &self,
        sandbox: Uuid,
        scenario: &Scenario,
        exercise: &ExerciseId,
    ) -> Result<ExecOutput> {
        let ex = Self::exercise(scenario, exercise)?;
        let Some(script) = &ex.reset else {
            return Err(SandboxError::Invalid(format!(
                "exercise `{exercise}` has no reset script"
            )));
        };
        let (_, _serialised) = self.usable_and_serialised(sandbox).await?;
        let out = run_script(
            self.runtime.as_ref(),
            sandbox,
            scenario,
            script,
            ScriptRole::Act,
            RESET_TIMEOUT,
        )
        .await?;
        if out.exit_code != Some(0) {
            return Err(SandboxError::Provision {
                sandbox,
                message: format!(
                    "the reset script of `{exercise}` failed ({}): {}",
                    out.exit_code
                        .map_or_else(|| "no status".to_owned(), |c| format!("exit {c}")),
                    out.stderr.trim()
                ),
            });
        }
        Ok(out)
    }
}
