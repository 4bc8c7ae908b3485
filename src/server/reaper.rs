//! The reaper task: ends expired and idle sandboxes (closing their proxy
//! notes and terminals first), prunes old terminal recordings and purges
//! old checks' records.

use std::sync::Arc;

use crate::http::AppState;

/// Ends expired and idle sandboxes every `reaper_interval_seconds`, until
/// shutdown: each is marked expired, its proxy notes and terminal closed,
/// then its engine objects removed.
pub(super) async fn run_reaper(state: AppState) {
    let interval = crate::sandbox::reaper_interval(&state.config);
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let proxy: Arc<crate::http::Proxy> = state.proxy.clone();
    let terminals = state.terminals.clone();
    let busy = |id| proxy.activity(id).is_some_and(|a| a.open_tunnels > 0);
    let on_end = |id| {
        proxy.forget(id);
        terminals.close(id);
    };
    // The first round prunes too: a server restarted daily still prunes.
    let mut last_prune: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = state.service.reap(&busy, &on_end).await {
            tracing::error!(error = %e, "ending expired and idle sandboxes");
        }
        if last_prune.is_none_or(|at| at.elapsed() >= RECORDING_PRUNE_EVERY) {
            last_prune = Some(tokio::time::Instant::now());
            prune_recordings(&state).await;
            purge_attempts(&state).await;
        }
    }
}

/// How often old terminal recordings are looked for.
const RECORDING_PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the recordings of sandboxes that ended more than
/// `recording_retention_days` ago.
async fn prune_recordings(state: &AppState) {
    let config = &state.config;
    if config.recording_retention_days == 0 {
        return;
    }
    let live: std::collections::HashSet<uuid::Uuid> = match state
        .store
        .sandboxes_in(&[
            crate::store::SandboxState::Provisioning,
            crate::store::SandboxState::Ready,
            crate::store::SandboxState::Claimed,
        ])
        .await
    {
        Ok(live) => live.into_iter().map(|s| s.id).collect(),
        Err(e) => {
            tracing::error!(error = %e, "listing live sandboxes before pruning recordings");
            return;
        }
    };
    let keep = std::time::Duration::from_secs(u64::from(config.recording_retention_days) * 86_400);
    let dir = config.data_dir.join("recordings");
    let removed = crate::terminal::recording::prune(&dir, keep, |id| live.contains(&id)).await;
    if removed > 0 {
        state
            .service
            .metrics()
            .recordings_purged
            .inc_by(removed as u64);
        tracing::info!(
            sandboxes = removed,
            "removed terminal recordings past their retention"
        );
    }
}

/// Deletes the records of checks made more than `attempt_retention_days`
/// ago in sandboxes that have ended.
async fn purge_attempts(state: &AppState) {
    let days = state.config.attempt_retention_days;
    if days == 0 {
        return;
    }
    let before = chrono::Utc::now() - chrono::TimeDelta::days(i64::from(days));
    match state.store.purge_attempts(before).await {
        Ok(0) => {}
        Ok(purged) => {
            state.service.metrics().attempts_purged.inc_by(purged);
            tracing::info!(
                attempts = purged,
                "deleted checks' records past their retention"
            );
        }
        Err(e) => tracing::error!(error = %e, "purging checks' records past their retention"),
    }
}
