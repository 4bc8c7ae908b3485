//! The sandbox service: provision, check, solve and tear down sandboxes,
//! keeping the store and the engine in step.

mod admin;
mod check;
mod cohort;
mod cohort_list;
pub mod email;
mod lifecycle;
mod links;
mod pool;
mod progress;
mod prove;
mod provision;
mod reconcile;
mod refresher;
mod refusal;
mod reset;
pub mod roster;
mod scripts;
mod token;
mod usage;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;

pub use admin::{ResourceHours, TeardownAll};
pub use check::CheckResult;
pub use cohort::{
    CohortRequest, LearnerLink, TeardownFailure, TeardownReport, create_cohort, learner_token,
};
pub use cohort_list::CohortSummary;
pub use lifecycle::{ExtendLimit, Extended, LifecyclePolicy, TimeStatus, reaper_interval};
pub use links::{EndedLink, LinkEnd};
pub use pool::{Limits, PoolStatus, Reservation};
pub use progress::{Cell, CellState, CohortProgress, ExerciseColumn, LearnerProgress, StuckRule};
pub use prove::{ExerciseProof, PROOF_LEARNER, ProofReport, Step, prove};
pub use reconcile::{INTERRUPTED, ReconcileReport, failure_message};
pub use refusal::Refusal;
pub use scripts::{ScriptRole, pack_dir, run_script};
pub use token::LinkToken;
pub use usage::{UsageFigures, UsageSnapshot};

use crate::runtime::{RuntimeError, SandboxRuntime};
use crate::scenario::Scenario;
use crate::store::{SandboxState, Store, StoreError};
use crate::sync::Locked;

/// How long `setup` may run.
const SETUP_TIMEOUT: Duration = Duration::from_secs(180);

/// Errors of the sandbox service.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sandbox {sandbox}: {message}")]
    Provision { sandbox: Uuid, message: String },
    #[error("scenario `{scenario}` has no exercise `{exercise}`")]
    UnknownExercise { scenario: String, exercise: String },
    #[error("sandbox {0} is {1}, so it cannot be used")]
    NotUsable(Uuid, SandboxState),
    /// A capacity limit is reached: nothing was made; try again later.
    #[error("{reason}")]
    NoCapacity {
        reason: Refusal,
        retry_after: Duration,
    },
    /// Bad input from a trainer (a roster, a date, a name).
    #[error("{0}")]
    Invalid(String),
    #[error("cohort {0} does not exist")]
    UnknownCohort(Uuid),
    /// The trainer has a cohort of that name already (letter case aside).
    #[error(
        "you already have a cohort named `{name}`{suffix}; choose another name",
        suffix = if_archived(.archived)
    )]
    NameTaken { name: String, archived: bool },
    /// Archiving waits until the cohort is over and its sandboxes gone.
    #[error("cohort `{0}` is not over yet: tear it down first, then archive it")]
    NotOver(String),
    /// The cohort ended or was torn down: it cannot be launched again.
    #[error("cohort `{name}` is over; create a new one")]
    CohortOver { name: String },
}

impl SandboxError {
    /// What a page says of the errors learners and trainers meet, as a
    /// message key (in `locales/`) and its arguments; None for the others,
    /// which pages do not explain.
    pub fn message(&self) -> Option<(&'static str, Vec<(&'static str, serde_json::Value)>)> {
        match self {
            Self::NotUsable(_, state) => {
                Some(("error-not-usable", vec![("state", state.as_str().into())]))
            }
            Self::NoCapacity { reason, .. } => Some(reason.message()),
            Self::CohortOver { name } => {
                Some(("error-cohort-over", vec![("name", name.as_str().into())]))
            }
            Self::NameTaken { name, archived } => Some((
                if *archived {
                    "error-name-taken-archived"
                } else {
                    "error-name-taken"
                },
                vec![("name", name.as_str().into())],
            )),
            Self::NotOver(name) => Some(("error-not-over", vec![("name", name.as_str().into())])),
            _ => None,
        }
    }
}

pub type Result<T, E = SandboxError> = std::result::Result<T, E>;

fn if_archived(archived: &bool) -> &'static str {
    if *archived { " (archived)" } else { "" }
}

/// Who a sandbox is for.
#[derive(Debug, Clone, Default)]
pub struct Owner {
    pub cohort: Option<String>,
    pub learner: Option<String>,
}

/// A scenario's image name to the image reference sandboxes start from.
pub type ImageRef = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// Creates, checks and removes sandboxes.
#[derive(Clone)]
pub struct SandboxService {
    runtime: Arc<dyn SandboxRuntime>,
    store: Store,
    /// Turns a scenario's image name (`shell`) into the exact image its
    /// sandboxes start from.
    image_ref: ImageRef,
    /// One lock per sandbox: its checks run one at a time.
    check_locks: Arc<Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>>,
    /// Learner links of cohorts are derived from this key and the learner's
    /// id, so a trainer can see them again while the store keeps only hashes.
    link_key: Arc<[u8; 32]>,
    pool: Arc<pool::PoolState>,
    binding_locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    scenarios: Arc<std::sync::RwLock<BTreeMap<crate::scenario::ScenarioId, Scenario>>>,
    /// Bumped whenever a sandbox changes state or an attempt is recorded:
    /// live pages wait on it.
    changes: Arc<tokio::sync::watch::Sender<u64>>,
    /// Expiry and idle culling: the timings and the activity seen.
    lifecycle: Arc<lifecycle::LifecycleState>,
    /// Background tasks to wait for at shutdown.
    life: Arc<reconcile::Lifecycle>,
    /// Counters and histograms for `/metrics`.
    metrics: Arc<crate::metrics::Metrics>,
}

impl SandboxService {
    /// `image_ref` turns a scenario's image name into the exact image its
    /// sandboxes start from (`shell` → `sandpit/shell:<hash>`).
    pub fn new(
        runtime: Arc<dyn SandboxRuntime>,
        store: Store,
        image_ref: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Self {
        let mut link_key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut link_key);
        Self {
            runtime,
            store,
            image_ref: Arc::new(image_ref),
            check_locks: Arc::default(),
            link_key: Arc::new(link_key),
            pool: Arc::new(pool::PoolState::new(Limits::default())),
            binding_locks: Arc::default(),
            scenarios: Arc::default(),
            changes: Arc::new(tokio::sync::watch::channel(0).0),
            lifecycle: Arc::default(),
            life: Arc::default(),
            metrics: Arc::default(),
        }
    }

    /// The metrics this service moves.
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.metrics
    }

    /// Uses `key` (kept in the data directory) for learner links, so they
    /// stay the same across restarts.
    pub fn with_link_key(mut self, key: [u8; 32]) -> Self {
        self.link_key = Arc::new(key);
        self
    }

    /// Sets the capacity and concurrency limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.pool = Arc::new(pool::PoolState::new(limits));
        self
    }

    /// Sets the timings of expiry and idle culling.
    pub fn with_lifecycle(mut self, policy: LifecyclePolicy) -> Self {
        self.lifecycle = Arc::new(lifecycle::LifecycleState::new(policy));
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.pool.limits
    }

    /// A receiver that sees a new value after every change of a sandbox's
    /// state and every recorded attempt.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub(crate) fn changed(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn runtime(&self) -> &Arc<dyn SandboxRuntime> {
        &self.runtime
    }

    /// Removes a sandbox's engine objects and marks it destroyed. Safe to
    /// call twice, or after the container vanished behind Sandpit's back.
    pub async fn destroy(&self, sandbox: Uuid) -> Result<()> {
        // The record goes first: once the engine objects are gone their
        // subnet (and so the sandbox's address) can be handed to another
        // sandbox, and a link must never lead there.
        self.store.mark_destroyed(sandbox).await?;
        self.changed();
        self.runtime.remove(sandbox).await?;
        self.check_locks.locked().remove(&sandbox);
        Ok(())
    }
}
