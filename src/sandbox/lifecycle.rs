//! Expiry and idle culling: when each sandbox ends, what counts as use, how
//! a learner extends their time, and the reaper's round that ends sandboxes
//! (recorded first, engine objects removed after; records stay).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::{Result, SandboxService};
use crate::config::Config;
use crate::store::{EndReason, SandboxState, StoreError};
use crate::sync::Locked;

/// Activity is written to the store at most this often per sandbox: memory
/// knows it first, the store only needs it to survive a restart.
const FLUSH_EVERY: TimeDelta = TimeDelta::seconds(30);

/// The timings of expiry and idle culling.
#[derive(Debug, Clone)]
pub struct LifecyclePolicy {
    /// None: sandboxes are never ended for idleness.
    pub idle: Option<TimeDelta>,
    pub warning: TimeDelta,
    pub extend: TimeDelta,
    pub max_extension: TimeDelta,
}

impl Default for LifecyclePolicy {
    fn default() -> Self {
        Self::from_config(&Config::default())
    }
}

impl LifecyclePolicy {
    pub fn from_config(config: &Config) -> Self {
        let minutes = |m: u32| TimeDelta::minutes(i64::from(m));
        let idle_seconds = config
            .idle_seconds
            .unwrap_or(u64::from(config.idle_minutes) * 60);
        Self {
            idle: (idle_seconds > 0)
                .then(|| TimeDelta::seconds(i64::try_from(idle_seconds).unwrap_or(i64::MAX / 4))),
            warning: minutes(config.expiry_warning_minutes),
            extend: minutes(config.extend_minutes),
            max_extension: minutes(config.max_extension_minutes),
        }
    }
}

/// When a sandbox was last used, and what of that the store has.
#[derive(Debug, Clone, Copy)]
struct Seen {
    last: DateTime<Utc>,
    written: Option<DateTime<Utc>>,
}

/// The service's lifecycle parts: the policy and the activity noted in memory.
#[derive(Debug, Default)]
pub(crate) struct LifecycleState {
    policy: LifecyclePolicy,
    seen: Mutex<HashMap<Uuid, Seen>>,
    /// Ended sandboxes whose engine objects could not be removed yet.
    unremoved: Mutex<HashSet<Uuid>>,
}

impl LifecycleState {
    pub(crate) fn new(policy: LifecyclePolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }
}

/// Why an extension was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtendLimit {
    /// The most a learner may add is added.
    MaxExtension,
    /// The sandbox already ends when its cohort does.
    CohortEnd,
}

/// How much time a sandbox has left, as the learner is shown it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimeStatus {
    /// When its time limit (as extended) ends it.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it will be ended for idleness if nobody uses it; None when idle
    /// culling is off or does not apply (an unclaimed sandbox).
    pub idle_deadline: Option<DateTime<Utc>>,
    /// The earlier of the two, and which one it is.
    pub ends_at: Option<DateTime<Utc>>,
    pub ending: Option<EndReason>,
    /// True within the warning time before `ends_at`.
    pub warning: bool,
    /// Set when Extend can add nothing more to `expires_at`.
    pub extend_limit: Option<ExtendLimit>,
}

/// What a press of Extend did.
#[derive(Debug, Clone)]
pub enum Extended {
    /// The sandbox's time (or idle deadline) moved on.
    Done(TimeStatus),
    /// Nothing more can be added; the status says why.
    Refused(TimeStatus),
}

impl SandboxService {
    /// Notes that someone used the sandbox just now (terminal input, a
    /// proxied request, a check, an extension).
    pub fn touch(&self, sandbox: Uuid) {
        let now = Utc::now();
        self.lifecycle
            .seen
            .locked()
            .entry(sandbox)
            .and_modify(|s| s.last = now)
            .or_insert(Seen {
                last: now,
                written: None,
            });
    }

    fn seen(&self, sandbox: Uuid) -> Option<DateTime<Utc>> {
        let seen = self.lifecycle.seen.locked();
        seen.get(&sandbox).map(|s| s.last)
    }

    pub fn lifecycle_policy(&self) -> &LifecyclePolicy {
        &self.lifecycle.policy
    }

    /// A sandbox's time left, its idle deadline, and whether to warn.
    pub async fn time_status(&self, sandbox: Uuid) -> Result<TimeStatus> {
        let lc = self.store.lifecycle(sandbox).await?;
        let policy = &self.lifecycle.policy;
        let now = Utc::now();
        let idle_deadline = match (policy.idle, lc.state) {
            (Some(idle), SandboxState::Claimed) => {
                [lc.claimed_at, lc.last_activity_at, self.seen(sandbox)]
                    .into_iter()
                    .flatten()
                    .max()
                    .map(|last| last + idle)
            }
            _ => None,
        };
        let (ends_at, ending) = match (lc.expires_at, idle_deadline) {
            (Some(e), Some(i)) if i < e => (Some(i), Some(EndReason::Idle)),
            (Some(e), _) => (Some(e), Some(EndReason::Expired)),
            (None, Some(i)) => (Some(i), Some(EndReason::Idle)),
            (None, None) => (None, None),
        };
        let extend_limit = lc.expires_at.and_then(|expires| {
            let original = expires - TimeDelta::seconds(lc.extended_seconds);
            let max = original + policy.max_extension;
            match lc.cohort_ends_at {
                Some(cohort_end) if cohort_end <= max && expires >= cohort_end => {
                    Some(ExtendLimit::CohortEnd)
                }
                _ if expires >= max => Some(ExtendLimit::MaxExtension),
                _ => None,
            }
        });
        Ok(TimeStatus {
            expires_at: lc.expires_at,
            idle_deadline,
            ends_at,
            ending,
            warning: ends_at.is_some_and(|at| at - now <= policy.warning),
            extend_limit,
        })
    }

    /// The learner asks for more time: counts as activity (so an idle
    /// deadline moves on), and moves the end on by `extend`, up to the
    /// extension limit and never past the cohort's end.
    pub async fn extend(&self, sandbox: Uuid) -> Result<Extended> {
        let before = self.time_status(sandbox).await?;
        self.touch(sandbox);
        if before.warning && before.ending == Some(EndReason::Idle) {
            // "I am still here": the idle deadline moved on.
            return Ok(Extended::Done(self.time_status(sandbox).await?));
        }
        let lc = self.store.lifecycle(sandbox).await?;
        let (Some(expires), None) = (lc.expires_at, before.extend_limit) else {
            return Ok(Extended::Refused(before));
        };
        let policy = &self.lifecycle.policy;
        let original = expires - TimeDelta::seconds(lc.extended_seconds);
        let mut to = (expires + policy.extend).min(original + policy.max_extension);
        if let Some(cohort_end) = lc.cohort_ends_at {
            to = to.min(cohort_end);
        }
        if to <= expires {
            return Ok(Extended::Refused(before));
        }
        let extended = (to - original).num_seconds();
        if !self
            .store
            .extend_sandbox(sandbox, expires, to, extended)
            .await?
        {
            // Ended, or extended by another press meanwhile.
            return Ok(Extended::Refused(self.time_status(sandbox).await?));
        }
        self.changed();
        Ok(Extended::Done(self.time_status(sandbox).await?))
    }

    /// One round of the reaper: writes activity to the store, ends every
    /// sandbox past its end or idle for too long (marked expired first),
    /// calls `on_end` for each (to close what the HTTP side holds), then
    /// removes its engine objects. `busy` says a sandbox is in use now (an
    /// open websocket to its web UI). Returns the sandboxes ended.
    pub async fn reap(
        &self,
        busy: &(dyn Fn(Uuid) -> bool + Sync),
        on_end: &(dyn Fn(Uuid) + Sync),
    ) -> Result<Vec<(Uuid, EndReason)>> {
        let now = Utc::now();
        let live = self.store.live_lifecycles().await?;
        for lc in &live {
            if busy(lc.id) {
                self.touch(lc.id);
            }
        }
        self.flush_activity(now).await;
        // Sandboxes torn down or failed meanwhile need no more noting.
        let live_ids: HashSet<Uuid> = live.iter().map(|lc| lc.id).collect();
        self.lifecycle
            .seen
            .locked()
            .retain(|id, _| live_ids.contains(id));
        let idle = self.lifecycle.policy.idle;
        let mut ended = Vec::new();
        for lc in live {
            let last = [lc.claimed_at, lc.last_activity_at, self.seen(lc.id)]
                .into_iter()
                .flatten()
                .max();
            let reason = if lc.expires_at.is_some_and(|at| at <= now) {
                EndReason::Expired
            } else if lc.state == SandboxState::Claimed
                && let (Some(idle), Some(last)) = (idle, last)
                && last + idle <= now
            {
                EndReason::Idle
            } else {
                continue;
            };
            match self.store.mark_ended(lc.id, reason).await {
                Ok(()) => ended.push((lc.id, reason)),
                // Torn down or failed meanwhile: not ours to end.
                Err(StoreError::WrongState { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if !ended.is_empty() {
            self.changed();
        }
        let retry: Vec<Uuid> = self.unremoved().drain().collect();
        for (id, reason) in &ended {
            tracing::info!(sandbox = %id, reason = reason.as_str(), "sandbox ended");
            on_end(*id);
        }
        for id in ended.iter().map(|(id, _)| *id).chain(retry) {
            self.lifecycle.seen.locked().remove(&id);
            self.check_locks.locked().remove(&id);
            if let Err(e) = self.runtime.remove(id).await {
                tracing::warn!(sandbox = %id, error = %e, "removing an ended sandbox; will retry");
                self.unremoved().insert(id);
            }
        }
        Ok(ended)
    }

    fn unremoved(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        self.lifecycle.unremoved.locked()
    }

    /// Writes activity the store does not have yet, at most every
    /// [`FLUSH_EVERY`] per sandbox.
    async fn flush_activity(&self, now: DateTime<Utc>) {
        let due: Vec<(Uuid, DateTime<Utc>)> = self
            .lifecycle
            .seen
            .locked()
            .iter()
            .filter(|(_, s)| {
                s.written
                    .is_none_or(|w| w < s.last && now - w >= FLUSH_EVERY)
            })
            .map(|(id, s)| (*id, s.last))
            .collect();
        for (id, at) in due {
            match self.store.record_activity(id, at).await {
                Ok(()) => {
                    if let Some(s) = self.lifecycle.seen.locked().get_mut(&id) {
                        s.written = Some(at);
                    }
                }
                Err(e) => tracing::warn!(sandbox = %id, error = %e, "recording activity"),
            }
        }
    }
}

/// How often the reaper runs, from the settings.
pub fn reaper_interval(config: &Config) -> Duration {
    Duration::from_secs(config.reaper_interval_seconds.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_seconds_override_idle_minutes_and_zero_turns_culling_off() {
        let mut config = Config::default();
        assert_eq!(
            LifecyclePolicy::from_config(&config).idle,
            Some(TimeDelta::minutes(30))
        );
        config.idle_seconds = Some(4);
        assert_eq!(
            LifecyclePolicy::from_config(&config).idle,
            Some(TimeDelta::seconds(4))
        );
        config.idle_seconds = Some(0);
        assert_eq!(LifecyclePolicy::from_config(&config).idle, None);
        config.idle_seconds = None;
        config.idle_minutes = 0;
        assert_eq!(LifecyclePolicy::from_config(&config).idle, None);
    }
}
