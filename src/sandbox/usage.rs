//! The CPU and memory the engine reports for running sandboxes, for the
//! admin's page and API. Asking the engine takes a second or more (it
//! samples CPU twice), so the figures are gathered in the background and
//! served from here with their age: every `usage_refresh_seconds` while
//! someone looks at them, and at once when a page finds them missing or
//! older than that. A page never waits for the engine.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::runtime::{SandboxRuntime, Usage};
use crate::store::{SandboxState, Store, StoreError};
use crate::sync::Locked;

/// How long after the last look the figures are still kept fresh, at
/// least (several refresh periods when those are long).
const WATCH: Duration = Duration::from_secs(120);

/// The figures of one round of asking the engine.
#[derive(Debug, Clone)]
pub struct UsageSnapshot {
    /// When the engine answered.
    pub taken_at: DateTime<Utc>,
    /// Each running sandbox of that time; None where the engine did not
    /// answer in time.
    pub usage: Arc<HashMap<Uuid, Option<Usage>>>,
}

/// What the refresher and the readers share, under one lock so that a
/// reader never asks again for a round that is already on its way.
#[derive(Debug, Default)]
struct Shared {
    latest: Option<UsageSnapshot>,
    /// A round is asked for or under way.
    pending: bool,
    /// Until when someone is looking.
    wanted_until: Option<Instant>,
}

/// The admin's usage figures, kept by a background task ([`Self::run`]).
pub struct UsageFigures {
    runtime: Arc<dyn SandboxRuntime>,
    store: Store,
    every: Duration,
    shared: Mutex<Shared>,
    wake: Notify,
    /// Sandboxes whose figures were asked of the engine so far.
    asked: AtomicU64,
}

impl UsageFigures {
    /// Figures refreshed every `every` while someone looks.
    pub fn new(runtime: Arc<dyn SandboxRuntime>, store: Store, every: Duration) -> Self {
        Self {
            runtime,
            store,
            every: every.max(Duration::from_secs(1)),
            shared: Mutex::default(),
            wake: Notify::new(),
            asked: AtomicU64::new(0),
        }
    }

    /// How many sandboxes' figures were asked of the engine so far (one per
    /// sandbox per round): pages served from the cache ask none.
    pub fn engine_requests(&self) -> u64 {
        self.asked.load(Ordering::Relaxed)
    }

    /// How often the figures are refreshed while someone looks.
    pub fn every(&self) -> Duration {
        self.every
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        // A panic elsewhere leaves plain data behind: keep serving it.
        self.shared.locked()
    }

    /// The latest figures, for a page about to show `running`. Asks the
    /// background task for a new round, without waiting for it, when
    /// there are none yet, when they are older than the refresh period,
    /// or when one of `running` is not in them.
    pub fn read(&self, running: &[Uuid]) -> Option<UsageSnapshot> {
        let mut shared = self.shared();
        let now = Instant::now();
        shared.wanted_until = Some(now + WATCH.max(self.every * 4));
        let latest = shared.latest.clone();
        let stale = latest.as_ref().is_none_or(|s| {
            let age = (Utc::now() - s.taken_at).to_std().unwrap_or_default();
            age >= self.every || running.iter().any(|id| !s.usage.contains_key(id))
        });
        if stale && !shared.pending {
            shared.pending = true;
            self.wake.notify_one();
        }
        latest
    }

    /// Asks the engine about every running sandbox now.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let running: Vec<Uuid> = self
            .store
            .admin_sandboxes(false)
            .await?
            .into_iter()
            .filter(|s| matches!(s.state, SandboxState::Ready | SandboxState::Claimed))
            .map(|s| s.id)
            .collect();
        self.asked
            .fetch_add(running.len() as u64, Ordering::Relaxed);
        let usage: HashMap<Uuid, Option<Usage>> =
            self.runtime.usage_of(&running).await.into_iter().collect();
        let mut shared = self.shared();
        shared.latest = Some(UsageSnapshot {
            taken_at: Utc::now(),
            usage: Arc::new(usage),
        });
        shared.pending = false;
        Ok(())
    }

    /// Keeps the figures fresh while they are wanted, until `shutdown`; a
    /// round under way is dropped then.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.every) => {
                    let mut shared = self.shared();
                    let wanted = shared.wanted_until.is_some_and(|t| t > Instant::now());
                    if !wanted || shared.pending {
                        continue;
                    }
                    shared.pending = true;
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                result = self.refresh() => {
                    if let Err(e) = result {
                        self.shared().pending = false;
                        tracing::warn!(error = %e, "gathering the sandboxes' usage figures");
                    }
                }
            }
        }
    }
}
