//! Warm shells: a login shell is started in every ready sandbox nobody has
//! claimed yet (a warm pool's), so that when a whole class presses Start in
//! the same second, each claim only attaches to a shell whose prompt is
//! already drawn, instead of having the engine start a hundred execs at
//! once (`./dev bench`: 100 Starts within 1 s). The shell is recorded from
//! its claim on, against the learner's link.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::TerminalHub;
use crate::sandbox::SandboxService;
use crate::store::SandboxState;

/// A sandbox whose shell could not be started is tried again after this.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// Changes arriving together (a pool filling) are handled in one round.
const SETTLE: Duration = Duration::from_millis(100);

/// Keeps a shell running in every ready pool sandbox of a scenario with a
/// terminal, until `stop` is cancelled: at start (after a restart, the
/// pool's shells are gone) and whenever a sandbox changes state.
pub async fn keep_warm(service: SandboxService, hub: Arc<TerminalHub>, stop: CancellationToken) {
    let mut changes = service.changes();
    let mut failed: HashMap<Uuid, Instant> = HashMap::new();
    loop {
        warm_ready(&service, &hub, &mut failed).await;
        tokio::select! {
            () = stop.cancelled() => return,
            changed = changes.changed() => if changed.is_err() { return },
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(SETTLE) => {}
        }
    }
}

/// One round: starts the shells missing in ready sandboxes, a few at a
/// time (the hub bounds how many start at once).
async fn warm_ready(
    service: &SandboxService,
    hub: &Arc<TerminalHub>,
    failed: &mut HashMap<Uuid, Instant>,
) {
    let ready = match service.store().sandboxes_in(&[SandboxState::Ready]).await {
        Ok(ready) => ready,
        Err(e) => {
            tracing::warn!(error = %e, "listing ready sandboxes to start their shells");
            return;
        }
    };
    failed.retain(|_, at| at.elapsed() < RETRY_AFTER);
    let due: Vec<_> = ready
        .into_iter()
        // A pool's: made for nobody in particular. A sandbox cold-started
        // for a learner is theirs already; their page starts its shell.
        .filter(|s| s.cohort_id.is_some() && s.learner.is_none() && s.learner_id.is_none())
        .filter(|s| !failed.contains_key(&s.id) && !hub.is_live(s.id))
        .filter_map(|s| {
            let scenario = service.scenario_for(&s.scenario_id)?;
            scenario.terminal.then_some((s.id, scenario))
        })
        .collect();
    let outcomes: Vec<(Uuid, bool)> = futures_util::stream::iter(due)
        .map(|(id, scenario)| async move {
            match hub.warm(id, &scenario).await {
                Ok(_) => (id, true),
                Err(e) => {
                    // Removed meanwhile (claimed and reset, torn down), or
                    // the engine is in trouble: the learner's page starts
                    // the shell (or says why not) when it opens.
                    tracing::debug!(sandbox = %id, error = %e, "could not start a shell ahead");
                    (id, false)
                }
            }
        })
        .buffer_unordered(hub.start_concurrency())
        .collect()
        .await;
    for (id, ok) in outcomes {
        if !ok {
            failed.insert(id, Instant::now());
        }
    }
}
