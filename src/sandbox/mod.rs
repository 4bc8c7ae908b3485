//! The sandbox service: provision, check, solve and tear down sandboxes,
//! keeping the store and the engine in step.

mod admin;
mod cohort;
mod cohort_list;
pub mod email;
mod lifecycle;
mod links;
mod pool;
mod progress;
mod prove;
mod reconcile;
mod refusal;
mod reset;
pub mod roster;
mod scripts;
mod token;
mod usage;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

pub use admin::{ResourceHours, TeardownAll};
pub use cohort::{CohortRequest, LearnerLink, TeardownFailure, TeardownReport};
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

use crate::lang::Lang;
use crate::runtime::{LABEL_COHORT, LABEL_SCENARIO, RuntimeError, SandboxRuntime, SandboxSpec};
use crate::scenario::{Exercise, ExerciseId, Scenario};
use crate::store::{
    NewAttempt, NewSandbox, Outcome, SandboxRecord, SandboxState, Store, StoreError,
};

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

/// The result of one press of Check, after it was recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckResult {
    pub outcome: Outcome,
    /// What the learner is shown.
    pub feedback: String,
    /// True when this attempt completed the exercise for the first time.
    pub first_pass: bool,
    pub attempt_id: i64,
    pub duration: Duration,
}

/// The most of a check's output a learner is shown.
const MAX_FEEDBACK: usize = 4096;

/// A check's output as the learner sees it: at most [`MAX_FEEDBACK`] bytes,
/// cut at a character boundary with a note.
fn feedback_of(stdout: &str) -> String {
    if stdout.len() <= MAX_FEEDBACK {
        return stdout.to_owned();
    }
    let mut end = MAX_FEEDBACK;
    while !stdout.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[…]", &stdout[..end])
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

    /// Provisions a sandbox: records the intent, creates the container and
    /// network, copies the seed data in, runs `setup`. Anything that fails
    /// is removed again and the sandbox is marked failed with the reason.
    pub async fn provision(&self, scenario: &Scenario, owner: &Owner) -> Result<SandboxRecord> {
        self.provision_with_id(Uuid::new_v4(), scenario, owner)
            .await
    }

    /// [`provision`](Self::provision) with an id chosen by the caller, who
    /// can then clean up by id even if it stops waiting.
    pub async fn provision_with_id(
        &self,
        id: Uuid,
        scenario: &Scenario,
        owner: &Owner,
    ) -> Result<SandboxRecord> {
        let expires_at = chrono::Utc::now() + scenario.time_limit;
        // In flight before it is recorded: reconcile never takes it for a
        // crash's leftover.
        self.pool
            .inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
        if let Err(e) = self
            .store
            .insert_sandbox(NewSandbox {
                id,
                scenario_id: scenario.id.as_str(),
                cohort_id: owner.cohort.as_deref(),
                learner: owner.learner.as_deref(),
                expires_at: Some(expires_at),
            })
            .await
        {
            self.pool.settle(id);
            return Err(e.into());
        }
        self.changed();
        self.provision_recorded(id, scenario, owner).await
    }

    /// Builds a sandbox whose intent is already recorded (state
    /// provisioning): it ends ready, or failed with its engine objects gone.
    pub(crate) async fn provision_recorded(
        &self,
        id: Uuid,
        scenario: &Scenario,
        owner: &Owner,
    ) -> Result<SandboxRecord> {
        let started = Instant::now();
        let outcome = self.provision_inner(id, scenario, owner).await;
        self.metrics
            .observe_provision(started.elapsed(), outcome.is_ok());
        self.pool.settle(id);
        self.changed();
        outcome
    }

    async fn provision_inner(
        &self,
        id: Uuid,
        scenario: &Scenario,
        owner: &Owner,
    ) -> Result<SandboxRecord> {
        // Torn down while it waited for a slot: make nothing.
        let record = self.store.sandbox(id).await?;
        if record.state != SandboxState::Provisioning {
            return Err(SandboxError::NotUsable(id, record.state));
        }
        let result = match self.build(id, scenario, owner).await {
            Ok(()) => self.store.mark_ready(id).await.map_err(SandboxError::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => Ok(self.store.sandbox(id).await?),
            Err(e) => {
                tracing::warn!(sandbox = %id, scenario = %scenario.id, error = %e, "provisioning failed");
                if let Err(cleanup) = self.runtime.remove(id).await {
                    tracing::error!(sandbox = %id, error = %cleanup, "removing a sandbox that failed to provision");
                }
                // A sandbox destroyed meanwhile stays destroyed.
                if let Err(mark) = self.store.mark_failed(id, &e.to_string()).await {
                    tracing::debug!(sandbox = %id, error = %mark, "not marking failed");
                }
                Err(e)
            }
        }
    }

    async fn build(&self, id: Uuid, scenario: &Scenario, owner: &Owner) -> Result<()> {
        let mut labels = BTreeMap::from([(LABEL_SCENARIO.to_owned(), scenario.id.to_string())]);
        if let Some(cohort) = &owner.cohort {
            labels.insert(LABEL_COHORT.to_owned(), cohort.clone());
        }
        let spec = SandboxSpec {
            id,
            image: (self.image_ref)(&scenario.image),
            hostname: scenario.id.to_string(),
            memory_bytes: i64::from(scenario.resources.memory_mb) * 1024 * 1024,
            nano_cpus: (scenario.resources.cpus * 1e9) as i64,
            pids: i64::from(scenario.resources.pids),
            capabilities: scenario.capabilities.clone(),
            disk_bytes: u64::from(scenario.resources.disk_mb) * 1024 * 1024,
            labels,
        };
        let handle = self.runtime.create(&spec).await?;
        self.store
            .set_sandbox_objects(
                id,
                &handle.container_id,
                &handle.network_id,
                &handle.address.to_string(),
            )
            .await?;
        if let Some(data) = &scenario.data_dir {
            self.copy_data(id, scenario, data).await?;
        }
        if let Some(setup) = &scenario.setup {
            let out = run_script(
                self.runtime.as_ref(),
                id,
                scenario,
                setup,
                ScriptRole::Act,
                SETUP_TIMEOUT,
            )
            .await?;
            if out.exit_code != Some(0) {
                let status = match out.exit_code {
                    _ if out.timed_out => format!("timed out after {} s", SETUP_TIMEOUT.as_secs()),
                    Some(code) => format!("exited with status {code}"),
                    None => "ended without a status".to_owned(),
                };
                let said: Vec<&str> = [out.stdout.trim(), out.stderr.trim()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                return Err(SandboxError::Provision {
                    sandbox: id,
                    message: format!("setup {status}: {}", said.join("\n")),
                });
            }
        }
        Ok(())
    }

    /// Copies `data/` to the scenario's data target, owned by its user.
    async fn copy_data(&self, id: Uuid, scenario: &Scenario, data: &std::path::Path) -> Result<()> {
        let probe = crate::runtime::ExecRequest {
            cmd: vec![
                "/bin/sh".into(),
                "-c".into(),
                r#"mkdir -p "$1" && id -u && id -g"#.into(),
                "-".into(),
                scenario.data_target.clone(),
            ],
            user: Some(scenario.user.clone()),
            timeout: Duration::from_secs(30),
            ..Default::default()
        };
        let out = self.runtime.exec(id, probe).await?;
        let ids: Vec<u64> = out
            .stdout
            .split_whitespace()
            .filter_map(|s| s.parse().ok())
            .collect();
        let (Some(0), &[uid, gid]) = (out.exit_code, ids.as_slice()) else {
            return Err(SandboxError::Provision {
                sandbox: id,
                message: format!(
                    "cannot prepare {} as user `{}` (does the image have that user?): {}",
                    scenario.data_target,
                    scenario.user,
                    out.stderr.trim()
                ),
            });
        };
        let data = data.to_owned();
        let tar = tokio::task::spawn_blocking(move || pack_dir(&data, uid, gid))
            .await
            .map_err(|e| SandboxError::Provision {
                sandbox: id,
                message: format!("packing seed data: {e}"),
            })?
            .map_err(|e| SandboxError::Provision {
                sandbox: id,
                message: format!("packing seed data: {e}"),
            })?;
        self.runtime.upload(id, &scenario.data_target, tar).await?;
        Ok(())
    }

    fn exercise<'a>(scenario: &'a Scenario, exercise: &ExerciseId) -> Result<&'a Exercise> {
        scenario
            .exercise(exercise)
            .ok_or_else(|| SandboxError::UnknownExercise {
                scenario: scenario.id.to_string(),
                exercise: exercise.to_string(),
            })
    }

    /// The sandbox's record, if it can run scripts (ready or claimed), and
    /// its turn: checks and step resets of one sandbox run one at a time.
    pub(crate) async fn usable_and_serialised(
        &self,
        sandbox: Uuid,
    ) -> Result<(SandboxRecord, tokio::sync::OwnedMutexGuard<()>)> {
        let record = self.store.sandbox(sandbox).await?;
        if !matches!(record.state, SandboxState::Ready | SandboxState::Claimed) {
            return Err(SandboxError::NotUsable(sandbox, record.state));
        }
        let lock = {
            let mut locks = self.check_locks.lock().unwrap_or_else(|e| e.into_inner());
            locks.entry(sandbox).or_default().clone()
        };
        Ok((record, lock.lock_owned().await))
    }

    /// Runs an exercise's check, which gives its feedback in `lang` (the
    /// learner's page's), records the attempt (and the completion on a first
    /// pass), commits, and only then returns the result. Checks of one
    /// sandbox run one at a time.
    pub async fn check(
        &self,
        sandbox: Uuid,
        scenario: &Scenario,
        exercise: &ExerciseId,
        lang: Lang,
    ) -> Result<CheckResult> {
        let ex = Self::exercise(scenario, exercise)?;
        let (record, _serialised) = self.usable_and_serialised(sandbox).await?;
        self.touch(sandbox);
        let started = Instant::now();
        let (outcome, feedback, detail) = match run_script(
            self.runtime.as_ref(),
            sandbox,
            scenario,
            &ex.check,
            ScriptRole::Check(lang),
            ex.check_timeout,
        )
        .await
        {
            Ok(out) if out.timed_out => (
                Outcome::Error,
                format!(
                    "The check took longer than {} s and was stopped. Try again.",
                    ex.check_timeout.as_secs()
                ),
                out.stderr,
            ),
            Ok(out) if out.exit_code == Some(0) => {
                (Outcome::Passed, feedback_of(&out.stdout), out.stderr)
            }
            Ok(out) if out.exit_code == Some(1) => {
                (Outcome::Failed, feedback_of(&out.stdout), out.stderr)
            }
            // Any other status is the check's own failure (a syntax error,
            // a crash): what it printed may quote its source, so only the
            // trainers see it.
            Ok(out) => (
                Outcome::Error,
                "The check itself failed, so your work could not be checked. Your trainer \
                 can see why; try again in a moment."
                    .to_owned(),
                format!(
                    "exit status {}\n{}\n{}",
                    out.exit_code
                        .map_or_else(|| "unknown".to_owned(), |c| c.to_string()),
                    out.stdout.trim_end(),
                    out.stderr.trim_end()
                ),
            ),
            Err(e) => (
                Outcome::Error,
                "The check could not run because of a problem on our side. Try again in a moment."
                    .to_owned(),
                e.to_string(),
            ),
        };
        let duration = started.elapsed();
        self.metrics.observe_check(outcome.as_str(), duration);
        let recorded = self
            .store
            .record_attempt(NewAttempt {
                sandbox_id: sandbox,
                learner: record.learner.as_deref(),
                exercise_id: ex.id.as_str(),
                outcome,
                output: feedback.trim_end(),
                detail: detail.trim_end(),
                duration,
            })
            .await?;
        self.changed();
        Ok(CheckResult {
            outcome,
            feedback: feedback.trim_end().to_owned(),
            first_pass: recorded.first_pass,
            attempt_id: recorded.attempt_id,
            duration,
        })
    }

    /// Runs an exercise's solve script (used to prove scenarios sound).
    pub async fn solve(
        &self,
        sandbox: Uuid,
        scenario: &Scenario,
        exercise: &ExerciseId,
    ) -> Result<crate::runtime::ExecOutput> {
        let ex = Self::exercise(scenario, exercise)?;
        Ok(run_script(
            self.runtime.as_ref(),
            sandbox,
            scenario,
            &ex.solve,
            ScriptRole::Act,
            Duration::from_secs(120),
        )
        .await?)
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
        self.check_locks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&sandbox);
        Ok(())
    }
}
