//! Reconcile: keeps the store and the engine in step, both ways. Engine
//! objects the store does not know (or knows as over) are removed; live
//! sandboxes whose container vanished or stopped are marked failed with the
//! reason. Runs on start, periodically, and on the engine's events.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use super::{Result, SandboxService};
use crate::runtime::{ContainerStatus, EngineEvent, ObjectKind};
use crate::store::{SandboxState, StoreError};
use crate::sync::Locked;

/// Why a sandbox left provisioning without its task.
pub const INTERRUPTED: &str =
    "provisioning was interrupted (the server stopped before it finished)";

/// What a learner is told of why their sandbox failed (`reason` as
/// recorded), as a message key (in `locales/`) and its arguments. Reasons
/// reconcile records are named; others (a provisioning error, which may
/// quote what setup printed) are not shown to learners.
pub fn failure_message(reason: &str) -> (&'static str, Vec<(&'static str, serde_json::Value)>) {
    let key = if Some(reason) == ContainerStatus::Missing.problem().as_deref() {
        "failure-removed"
    } else if reason == INTERRUPTED {
        "failure-interrupted"
    } else if reason.starts_with("it stopped (") && reason.ends_with(", out of memory)") {
        "failure-out-of-memory"
    } else if reason.starts_with("it stopped (") {
        "failure-stopped"
    } else {
        "failure-not-prepared"
    };
    (key, Vec::new())
}

/// A provisioning record made by another process sharing the data directory
/// is left alone this long (setup may take minutes).
const FOREIGN_PROVISIONING: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Longest wait between reconnections to the engine's event stream.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the service knows of its own life: the tasks it runs in the
/// background (waited for at shutdown) and when it started.
pub(crate) struct Lifecycle {
    pub(crate) tasks: TaskTracker,
    started_at: DateTime<Utc>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            tasks: TaskTracker::new(),
            started_at: Utc::now(),
        }
    }
}

/// What one pass of reconcile changed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReconcileReport {
    /// Sandboxes whose engine objects were removed because the store does
    /// not know them, or knows them as over.
    pub removed: Vec<Uuid>,
    /// Sandboxes marked failed, with the reason.
    pub failed: Vec<(Uuid, String)>,
    /// Live sandboxes of torn-down cohorts (a teardown a crash interrupted),
    /// destroyed.
    pub torn_down: Vec<Uuid>,
}

impl SandboxService {
    /// Compares the store with what the engine reports for this instance and
    /// repairs both ways. Safe to run at any time, alongside everything else.
    pub async fn reconcile(&self) -> Result<ReconcileReport> {
        let mut report = ReconcileReport::default();
        // Provisioning with no task in this process: a crash mid-provision.
        // Read under the reservation lock, so a sandbox being reserved is
        // either not yet recorded or already counted in flight.
        let (provisioning, inflight) = {
            let _guard = self.pool.reserve.lock().await;
            let records = self
                .store
                .sandboxes_in(&[SandboxState::Provisioning])
                .await?;
            let inflight = self.pool.inflight.locked().clone();
            (records, inflight)
        };
        let cutoff = Utc::now() - FOREIGN_PROVISIONING;
        for record in provisioning {
            let orphan = record.created_at < self.life.started_at || record.created_at < cutoff;
            if orphan && !inflight.contains(&record.id) {
                self.fail(record.id, INTERRUPTED, &mut report).await;
            }
        }
        // Live records first, then the engine: a sandbox only becomes ready
        // after its container exists, so one listed here is missing for real.
        let live = self
            .store
            .sandboxes_in(&[SandboxState::Ready, SandboxState::Claimed])
            .await?;
        let objects = self.runtime.list_owned(false).await?;
        let running: BTreeSet<Uuid> = objects
            .iter()
            .filter(|o| o.kind == ObjectKind::Container && o.running)
            .filter_map(|o| o.sandbox)
            .collect();
        // A teardown a crash interrupted is finished: a torn-down cohort
        // keeps no live sandbox.
        let mut torn_down: std::collections::HashMap<String, bool> = Default::default();
        for record in &live {
            let Some(cohort) = record.cohort_id.as_deref() else {
                continue;
            };
            if !torn_down.contains_key(cohort) {
                let over = match Uuid::parse_str(cohort) {
                    Ok(id) => self
                        .store
                        .cohort(id)
                        .await?
                        .is_some_and(|c| c.torn_down_at.is_some()),
                    Err(_) => false,
                };
                torn_down.insert(cohort.to_owned(), over);
            }
            if torn_down[cohort] {
                match self.destroy(record.id).await {
                    Ok(()) => report.torn_down.push(record.id),
                    Err(e) => {
                        tracing::error!(sandbox = %record.id, error = %e, "finishing a cohort's teardown")
                    }
                }
            }
        }
        for record in live {
            if running.contains(&record.id) || report.torn_down.contains(&record.id) {
                continue;
            }
            let status = self.runtime.container_status(record.id).await?;
            if let Some(problem) = status.problem() {
                self.fail(record.id, &problem, &mut report).await;
            }
        }
        // Engine objects the store does not know, or knows as over. A
        // sandbox's intent is recorded before its objects exist, so one
        // that is not in the store now never will be.
        let owners: BTreeSet<Uuid> = objects.iter().filter_map(|o| o.sandbox).collect();
        for id in owners {
            let keep = match self.store.sandbox(id).await {
                Ok(record) => record.state.is_live(),
                Err(StoreError::UnknownSandbox(_)) => false,
                Err(e) => return Err(e.into()),
            };
            if keep {
                continue;
            }
            match self.runtime.remove(id).await {
                Ok(()) => {
                    tracing::info!(sandbox = %id, "reconcile removed engine objects the store does not count as live");
                    report.removed.push(id);
                }
                Err(e) => {
                    tracing::error!(sandbox = %id, error = %e, "reconcile could not remove engine objects")
                }
            }
        }
        for o in objects.iter().filter(|o| o.sandbox.is_none()) {
            tracing::warn!(name = %o.name, "an object of this instance has no sandbox label; left alone");
        }
        Ok(report)
    }

    /// Marks a live sandbox failed with `reason` and removes what is left of
    /// it. A sandbox that moved on meanwhile (destroyed) is left as it is.
    async fn fail(&self, id: Uuid, reason: &str, report: &mut ReconcileReport) {
        match self.store.mark_failed(id, reason).await {
            Ok(()) => {
                tracing::warn!(sandbox = %id, reason, "sandbox failed");
                report.failed.push((id, reason.to_owned()));
                self.changed();
            }
            Err(e) => {
                tracing::debug!(sandbox = %id, error = %e, "not marking failed");
                return;
            }
        }
        // A removal that fails now is retried by the next reconcile: the
        // record says failed, so its objects count as unknown.
        if let Err(e) = self.runtime.remove(id).await {
            tracing::error!(sandbox = %id, error = %e, "removing what is left of a failed sandbox");
        }
    }

    /// Acts on one engine event: a ready or claimed sandbox whose container
    /// died or went is marked failed.
    async fn on_engine_event(&self, event: EngineEvent) -> Result<()> {
        let record = self.store.sandbox(event.sandbox).await?;
        if !matches!(record.state, SandboxState::Ready | SandboxState::Claimed) {
            return Ok(());
        }
        if event.action == "die" {
            // `docker rm -f` kills, then removes: give the removal a moment
            // so the reason says what happened.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let status = self.runtime.container_status(event.sandbox).await?;
        if status != ContainerStatus::Running
            && let Some(problem) = status.problem()
        {
            let mut report = ReconcileReport::default();
            self.fail(event.sandbox, &problem, &mut report).await;
        }
        Ok(())
    }

    /// Follows the engine's events until shutdown, reconnecting with
    /// backoff (and reconciling, for events missed meanwhile) when the
    /// stream breaks.
    pub async fn watch_engine(&self, shutdown: CancellationToken) {
        let mut backoff = Duration::from_secs(1);
        loop {
            let mut events = self.runtime.container_events();
            loop {
                let next = tokio::select! {
                    () = shutdown.cancelled() => return,
                    next = events.next() => next,
                };
                match next {
                    Some(Ok(event)) => {
                        backoff = Duration::from_secs(1);
                        let service = self.clone();
                        self.life.tasks.spawn(async move {
                            if let Err(e) = service.on_engine_event(event.clone()).await {
                                tracing::warn!(sandbox = %event.sandbox, error = %e, "handling an engine event");
                            }
                        });
                    }
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, retry_in = ?backoff, "the engine's event stream broke");
                        break;
                    }
                    None => {
                        tracing::warn!(retry_in = ?backoff, "the engine's event stream ended");
                        break;
                    }
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
            if let Err(e) = self.reconcile().await {
                tracing::warn!(error = %e, "reconciling after the event stream broke");
            }
        }
    }

    /// Reconciles every `interval` until shutdown.
    pub async fn reconcile_every(&self, interval: Duration, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(interval.max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            match self.reconcile().await {
                Ok(r) if !r.removed.is_empty() || !r.failed.is_empty() => {
                    tracing::info!(
                        removed = r.removed.len(),
                        failed = r.failed.len(),
                        "reconciled"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reconciling"),
            }
        }
    }

    /// Waits, at most `limit`, for the background tasks (pool provisioning,
    /// event handling) to finish; no new retry starts after this is called.
    /// True when they all finished.
    pub async fn finish_tasks(&self, limit: Duration) -> bool {
        self.life.tasks.close();
        tokio::time::timeout(limit, self.life.tasks.wait())
            .await
            .is_ok()
    }

    /// True once shutdown began: background retries stop.
    pub(crate) fn closing(&self) -> bool {
        self.life.tasks.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_recorded_reason_has_its_message_for_learners() {
        let said = |status: ContainerStatus| failure_message(&status.problem().unwrap()).0;
        assert_eq!(said(ContainerStatus::Missing), "failure-removed");
        let stopped = |code, oom_killed| ContainerStatus::Exited { code, oom_killed };
        assert_eq!(said(stopped(Some(137), true)), "failure-out-of-memory");
        assert_eq!(said(stopped(Some(1), false)), "failure-stopped");
        assert_eq!(said(stopped(None, false)), "failure-stopped");
        assert_eq!(failure_message(INTERRUPTED).0, "failure-interrupted");
        assert_eq!(
            failure_message("sandbox 1: setup exited with status 1: secret").0,
            "failure-not-prepared"
        );
    }
}
