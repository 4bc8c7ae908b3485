//! Warm pools: a launched cohort keeps one ready sandbox per learner who has
//! not opened their link yet, plus a few spare, within the global and the
//! cohort's caps. Reservations are recorded in the store under one lock, so
//! concurrent launches never overshoot a cap and nothing is half-made.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Semaphore;
use uuid::Uuid;

use super::{Owner, Refusal, Result, SandboxError, SandboxService};
use crate::scenario::Scenario;
use crate::store::{Cohort, NewSandbox, StateCounts};
use crate::sync::Locked;

/// Capacity and concurrency limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Live sandboxes over all cohorts.
    pub max_sandboxes: u32,
    /// Sandboxes provisioned at once.
    pub concurrency: usize,
    /// Failed provisionings in a row before a cohort's pool stops retrying.
    pub attempts: u32,
    /// How long a caller refused for lack of room is told to wait.
    pub retry_after: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_sandboxes: 200,
            concurrency: 4,
            attempts: 3,
            retry_after: Duration::from_secs(30),
        }
    }
}

impl Limits {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            max_sandboxes: config.max_sandboxes,
            concurrency: config.provision_concurrency,
            attempts: config.provision_attempts.max(1),
            retry_after: Duration::from_secs(config.busy_retry_seconds.max(1)),
        }
    }
}

pub(crate) struct PoolState {
    pub(crate) limits: Limits,
    /// Held while counting live sandboxes and recording new ones.
    pub(crate) reserve: tokio::sync::Mutex<()>,
    slots: Semaphore,
    /// Per cohort: failed provisionings in a row and the last reason.
    failing: Mutex<HashMap<Uuid, (u32, String)>>,
    /// Sandboxes reserved and not yet provisioned (or failed): a teardown
    /// waits for them, so that nothing it removed comes back.
    pub(crate) inflight: Mutex<std::collections::HashSet<Uuid>>,
    settled: tokio::sync::Notify,
}

impl PoolState {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            slots: Semaphore::new(limits.concurrency.max(1)),
            limits,
            reserve: tokio::sync::Mutex::new(()),
            failing: Mutex::default(),
            inflight: Mutex::default(),
            settled: tokio::sync::Notify::new(),
        }
    }

    /// Marks a reserved sandbox as done provisioning, one way or another.
    pub(crate) fn settle(&self, id: Uuid) {
        self.inflight.locked().remove(&id);
        self.settled.notify_waiters();
    }

    /// Waits until none of `ids` is being provisioned, or `limit` passed.
    pub(crate) async fn wait_settled(&self, ids: &[Uuid], limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.settled.notified();
            let busy = {
                let inflight = self.inflight.locked();
                ids.iter().any(|id| inflight.contains(id))
            };
            if !busy || tokio::time::Instant::now() >= deadline {
                return;
            }
            let _ = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + Duration::from_millis(250)),
                notified,
            )
            .await;
        }
    }
}

/// How many sandboxes a reservation asks for.
enum Wanted<'a> {
    Exactly(u32),
    /// What this cohort's pool lacks of its target.
    TopUp(&'a Cohort),
}

/// What a reservation got.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reservation {
    /// Sandboxes recorded and being provisioned.
    pub started: u32,
    /// Sandboxes asked for but refused by a cap.
    pub refused: u32,
    /// Why some were refused.
    pub refusal: Option<Refusal>,
}

/// A cohort's pool as the trainer sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PoolStatus {
    pub counts: StateCounts,
    /// Learners whose link is not bound to a sandbox yet.
    pub unclaimed_learners: u64,
    /// Ready sandboxes the pool aims to keep.
    pub target: u64,
    /// Set when provisioning keeps failing: the last reason.
    pub failing: Option<String>,
    pub launched: bool,
}

impl SandboxService {
    /// Records up to `wanted` sandboxes as provisioning, within the global
    /// cap and `cohort_cap` (live sandboxes of `owner.cohort`), and returns
    /// their ids and what was refused.
    async fn reserve(
        &self,
        scenario: &Scenario,
        owner: &Owner,
        wanted: Wanted<'_>,
        cohort_cap: Option<u64>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Vec<Uuid>, Reservation)> {
        let _guard = self.pool.reserve.lock().await;
        // A top-up counts what its pool lacks under the lock: concurrent
        // top-ups (a tick, a claim, a launch) never reserve the same gap twice.
        let wanted = match wanted {
            Wanted::Exactly(n) => n,
            Wanted::TopUp(cohort) => {
                let status = self.pool_status(cohort).await?;
                let have = status.counts.ready + status.counts.provisioning;
                status.target.saturating_sub(have).min(u64::from(u32::MAX)) as u32
            }
        };
        // The caller may hold a cohort read before a teardown: a torn-down
        // cohort gets nothing (teardown marks it under this same lock).
        if let Some(cohort) = owner
            .cohort
            .as_deref()
            .and_then(|c| Uuid::parse_str(c).ok())
            && self
                .store
                .cohort(cohort)
                .await?
                .is_some_and(|c| c.torn_down_at.is_some())
        {
            return Ok((
                Vec::new(),
                Reservation {
                    started: 0,
                    refused: wanted,
                    refusal: Some(Refusal::TornDown),
                },
            ));
        }
        let all = self.store.state_counts(None).await?;
        let global_room = u64::from(self.pool.limits.max_sandboxes).saturating_sub(all.live());
        let mut room = global_room;
        let mut refusal = Refusal::ServerFull {
            max: self.pool.limits.max_sandboxes,
        };
        if let (Some(cap), Some(cohort)) = (cohort_cap, owner.cohort.as_deref()) {
            let cohort_id = Uuid::parse_str(cohort).ok();
            let live = self.store.state_counts(cohort_id).await?.live();
            let cohort_room = cap.saturating_sub(live);
            if cohort_room < room {
                room = cohort_room;
                refusal = Refusal::CohortFull { cap };
            }
        }
        let take = u64::from(wanted).min(room) as u32;
        let mut ids = Vec::with_capacity(take as usize);
        for _ in 0..take {
            let id = Uuid::new_v4();
            self.store
                .insert_sandbox(NewSandbox {
                    id,
                    scenario_id: scenario.id.as_str(),
                    cohort_id: owner.cohort.as_deref(),
                    learner: owner.learner.as_deref(),
                    expires_at: Some(expires_at),
                })
                .await?;
            self.pool.inflight.locked().insert(id);
            ids.push(id);
        }
        if take > 0 {
            self.changed();
        }
        let refused = wanted - take;
        Ok((
            ids,
            Reservation {
                started: take,
                refused,
                refusal: (refused > 0).then_some(refusal),
            },
        ))
    }

    /// Reserves and provisions one sandbox for a learner, now (a cold start).
    pub(crate) async fn provision_one(
        &self,
        scenario: &Scenario,
        owner: &Owner,
        cohort_cap: Option<u64>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::store::SandboxRecord> {
        let (ids, reservation) = self
            .reserve(scenario, owner, Wanted::Exactly(1), cohort_cap, expires_at)
            .await?;
        let Some(id) = ids.first() else {
            return Err(SandboxError::NoCapacity {
                reason: reservation.refusal.unwrap_or(Refusal::ServerFull {
                    max: self.pool.limits.max_sandboxes,
                }),
                retry_after: self.pool.limits.retry_after,
            });
        };
        let _slot = self.pool.slots.acquire().await;
        self.provision_recorded(*id, scenario, owner).await
    }

    /// Marks a cohort torn down so that no reservation for it starts
    /// after: one in progress finishes first, and what it recorded is then
    /// seen by the teardown.
    pub(super) async fn stop_reserving(&self, cohort: Uuid) -> Result<()> {
        let _guard = self.pool.reserve.lock().await;
        self.store.mark_cohort_torn_down(cohort).await?;
        Ok(())
    }

    /// The cohort's cap on live sandboxes.
    pub(super) fn cohort_cap(cohort: &Cohort) -> u64 {
        cohort.max_sandboxes.map_or_else(
            || (cohort.learners + cohort.spare).max(0) as u64,
            |m| m.max(0) as u64,
        )
    }

    /// Launches a cohort's warm pool: marks it launched, forgets earlier
    /// failures, and fills the pool. Launching again only tops it up.
    pub async fn launch_cohort(&self, cohort: &Cohort, scenario: &Scenario) -> Result<Reservation> {
        if cohort.is_over() {
            return Err(SandboxError::CohortOver {
                name: cohort.name.clone(),
            });
        }
        self.store.mark_cohort_launched(*cohort.id).await?;
        let cohort = self
            .store
            .cohort(*cohort.id)
            .await?
            .ok_or(SandboxError::UnknownCohort(*cohort.id))?;
        self.pool.failing.locked().remove(&cohort.id);
        self.fill_pool(&cohort, scenario).await
    }

    /// Tops a launched cohort's pool up to its target and provisions the
    /// new sandboxes in the background, a bounded number at a time.
    pub async fn fill_pool(&self, cohort: &Cohort, scenario: &Scenario) -> Result<Reservation> {
        let none = Reservation {
            started: 0,
            refused: 0,
            refusal: None,
        };
        // A stopping server builds nothing more: what it started is waited
        // for, what starts after that wait would be cut half-made.
        if self.failing(*cohort.id).is_some() || self.closing() {
            return Ok(none);
        }
        let owner = Owner {
            cohort: Some(cohort.id.to_string()),
            learner: None,
        };
        // Pool sandboxes live until the cohort ends; a claim shortens that
        // to the scenario's time limit.
        let (ids, reservation) = self
            .reserve(
                scenario,
                &owner,
                Wanted::TopUp(cohort),
                Some(Self::cohort_cap(cohort)),
                cohort.ends_at,
            )
            .await?;
        for id in ids {
            let (service, scenario, owner, cohort) = (
                self.clone(),
                scenario.clone(),
                owner.clone(),
                cohort.clone(),
            );
            // Tracked: a shutdown waits for provisioning in flight.
            self.life.tasks.spawn(async move {
                let _slot = service.pool.slots.acquire().await;
                match service.provision_recorded(id, &scenario, &owner).await {
                    Ok(_) => {
                        service
                            .pool
                            .failing
                            .locked()
                            .remove(&cohort.id);
                    }
                    Err(e) => {
                        let streak = {
                            let mut failing = service
                                .pool
                                .failing
                                .locked();
                            let entry = failing.entry(*cohort.id).or_insert((0, String::new()));
                            entry.0 += 1;
                            entry.1 = e.to_string();
                            entry.0
                        };
                        if streak < service.pool.limits.attempts && !service.closing() {
                            // Retry: the failed sandbox no longer counts, so
                            // topping up replaces it.
                            tokio::time::sleep(Duration::from_millis(500 * u64::from(streak)))
                                .await;
                            if let Err(e) = service.refill(cohort.clone(), scenario).await {
                                tracing::error!(cohort = %cohort.id, error = %e, "refilling a pool");
                            }
                        }
                    }
                }
            });
        }
        Ok(reservation)
    }

    /// [`fill_pool`](Self::fill_pool) as a boxed future, for the retry
    /// inside it (a recursive `async fn` needs the indirection).
    fn refill(
        &self,
        cohort: Cohort,
        scenario: Scenario,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Reservation>> + Send>> {
        let service = self.clone();
        Box::pin(async move { service.fill_pool(&cohort, &scenario).await })
    }

    /// The last failure of a cohort's pool, once it stopped retrying.
    fn failing(&self, cohort: Uuid) -> Option<String> {
        let failing = self.pool.failing.locked();
        failing
            .get(&cohort)
            .filter(|(streak, _)| *streak >= self.pool.limits.attempts)
            .map(|(_, reason)| reason.clone())
    }

    /// Where a cohort's pool stands.
    pub async fn pool_status(&self, cohort: &Cohort) -> Result<PoolStatus> {
        let counts = self.store.state_counts(Some(*cohort.id)).await?;
        let unclaimed = self.store.unclaimed_learners(*cohort.id).await?;
        let launched = cohort.launched_at.is_some() && cohort.torn_down_at.is_none();
        let target = if launched {
            (unclaimed + cohort.spare.max(0) as u64)
                .min(Self::cohort_cap(cohort).saturating_sub(counts.claimed))
        } else {
            0
        };
        Ok(PoolStatus {
            counts,
            unclaimed_learners: unclaimed,
            target,
            failing: self.failing(*cohort.id),
            launched,
        })
    }

    /// Launches cohorts whose start is within `lead`, and tops up running
    /// pools (after claims, failures or expiries). The server runs this
    /// every few seconds.
    pub async fn tend_pools(
        &self,
        lead: chrono::TimeDelta,
        scenarios: &std::collections::BTreeMap<crate::scenario::ScenarioId, Scenario>,
    ) -> Result<()> {
        let find = |id: &str| {
            crate::scenario::ScenarioId::parse(id)
                .ok()
                .and_then(|id| scenarios.get(&id))
        };
        for cohort in self.store.cohorts_due(chrono::Utc::now() + lead).await? {
            if let Some(scenario) = find(&cohort.scenario_id) {
                tracing::info!(cohort = %cohort.id, name = %cohort.name, "launching a cohort ahead of its start");
                let cohort = self.store.cohort(*cohort.id).await?.unwrap_or(cohort);
                self.launch_cohort(&cohort, scenario).await?;
            }
        }
        for cohort in self.store.cohorts_running().await? {
            if let Some(scenario) = find(&cohort.scenario_id) {
                self.fill_pool(&cohort, scenario).await?;
            }
        }
        Ok(())
    }
}
