//! Cohorts: created from a roster with one link per learner; a link is bound
//! to a sandbox of the cohort's warm pool when first opened, or to one made
//! on the spot when the pool is empty.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::roster::RosterEntry;
use super::{LinkToken, Owner, Result, SandboxError, SandboxService};
use crate::scenario::Scenario;
use crate::store::{
    Claim, Cohort, Learner, LinkRecord, NewCohort, NewLearner, Store, StoreError, User,
};
use crate::sync::{Locked, LockedRw};
use crate::timezone::TimeZone;

/// How long a learner's first open waits for a pool sandbox being built
/// before a cold start is tried instead.
const POOL_WAIT: Duration = Duration::from_secs(60);

/// The longest a cohort may run.
const MAX_COHORT_DAYS: i64 = 366;

/// What a trainer asks for.
#[derive(Debug, Clone)]
pub struct CohortRequest {
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub roster: Vec<RosterEntry>,
    /// Warm sandboxes beyond the roster.
    pub spare: u32,
    /// A cap on this cohort's live sandboxes (roster + spare when unset).
    pub max_sandboxes: Option<u32>,
    /// The zone its times are typed, shown and exported in.
    pub time_zone: TimeZone,
}

/// A learner and the link that is their key.
#[derive(Debug, Clone)]
pub struct LearnerLink {
    pub learner: Learner,
    pub token: LinkToken,
}

impl SandboxService {
    /// A cohort learner's link token: derived from the link key and the
    /// learner's id, so it can be shown again; the store has only its hash.
    pub fn learner_token(&self, learner: Uuid) -> LinkToken {
        learner_token(&self.link_key, learner)
    }

    /// Creates a cohort for `owner`: the cohort, its roster and a link per
    /// learner are stored together, or not at all.
    pub async fn create_cohort(
        &self,
        owner: &User,
        scenario: &Scenario,
        req: CohortRequest,
    ) -> Result<Cohort> {
        let cohort = create_cohort(&self.store, &self.link_key, owner, scenario, req).await?;
        self.changed();
        Ok(cohort)
    }

    /// A cohort's learners with their links.
    pub async fn learner_links(&self, cohort: Uuid) -> Result<Vec<LearnerLink>> {
        Ok(self
            .store
            .learners(cohort)
            .await?
            .into_iter()
            .map(|learner| LearnerLink {
                token: self.learner_token(*learner.id),
                learner,
            })
            .collect())
    }

    /// Binds a cohort link that has no sandbox yet: claims a ready one from
    /// the pool, or makes one now. Returns the link as it is afterwards.
    pub(crate) async fn bind_cohort_link(&self, link: LinkRecord) -> Result<Option<LinkRecord>> {
        let Some(cohort_id) = link
            .cohort_id
            .as_deref()
            .and_then(|c| Uuid::parse_str(c).ok())
        else {
            return Ok(None);
        };
        let Some(cohort) = self.store.cohort(cohort_id).await? else {
            return Ok(None);
        };
        if cohort.is_over() {
            return Ok(None);
        }
        let Some(scenario) = self.scenario_for(&cohort.scenario_id) else {
            return Ok(None);
        };
        let learner_id = link
            .learner_id
            .as_deref()
            .and_then(|l| Uuid::parse_str(l).ok());
        let expires_at = (Utc::now() + scenario.time_limit).min(cohort.ends_at);
        let claim = |sandbox| Claim {
            token_hash: &link.token_hash,
            cohort: cohort_id,
            learner_id,
            learner_name: link.learner.as_deref(),
            expires_at,
            sandbox,
        };
        // One binding per link at a time: two first opens must not both
        // make a sandbox.
        let lock = {
            let mut locks = self.pool_binding_locks();
            locks.entry(link.token_hash.clone()).or_default().clone()
        };
        let _bound = lock.lock().await;
        let fresh = self.store.link(&link.token_hash).await?;
        if fresh.as_ref().is_none_or(|l| l.sandbox_id.is_some()) {
            return Ok(fresh);
        }
        // A pool sandbox still being built is worth waiting for: sooner than
        // a cold start, and it does not count twice against the caps.
        let deadline = tokio::time::Instant::now() + POOL_WAIT;
        let mut changes = self.changes();
        let owner = Owner {
            cohort: Some(cohort_id.to_string()),
            learner: link.learner.clone(),
        };
        // A cohort has at least one learner, so its cap is at least one.
        let cap = Self::cohort_cap(&cohort);
        loop {
            if self.store.claim(claim(None)).await?.is_some() {
                self.metrics.claims.inc();
                self.changed();
                // Keep the pool topped up behind the learner who just arrived.
                let (service, scenario) = (self.clone(), scenario.clone());
                self.life.tasks.spawn(async move {
                    if let Ok(Some(cohort)) = service.store.cohort(cohort_id).await
                        && let Err(e) = service.fill_pool(&cohort, &scenario).await
                    {
                        tracing::warn!(cohort = %cohort_id, error = %e, "refilling a pool after a claim");
                    }
                });
                break;
            }
            let waiting = tokio::time::Instant::now() < deadline;
            if waiting && self.store.pool_building(cohort_id).await? > 0 {
                let _ = tokio::time::timeout(Duration::from_millis(500), changes.changed()).await;
                continue;
            }
            // Nothing ready nor coming: a cold start, within the caps.
            match self
                .provision_one(&scenario, &owner, Some(cap), expires_at)
                .await
            {
                Ok(sandbox) => {
                    if self.store.claim(claim(Some(sandbox.id))).await?.is_none() {
                        self.destroy(sandbox.id).await?;
                    }
                    self.changed();
                    break;
                }
                // The pool started building meanwhile (a launch, a top-up):
                // its sandbox is this learner's to wait for.
                Err(SandboxError::NoCapacity { .. })
                    if waiting && self.store.pool_building(cohort_id).await? > 0 => {}
                Err(e) => return Err(e),
            }
        }
        self.pool_binding_locks().remove(&link.token_hash);
        Ok(self.store.link(&link.token_hash).await?)
    }

    fn pool_binding_locks(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>
    {
        self.binding_locks.locked()
    }

    /// The scenario of that id, among those the service was told of.
    pub fn scenario_for(&self, id: &str) -> Option<Scenario> {
        let id = crate::scenario::ScenarioId::parse(id).ok()?;
        self.scenarios.read_locked().get(&id).cloned()
    }

    /// Tells the service which scenarios exist (cold starts need them).
    pub fn set_scenarios(
        &self,
        scenarios: &std::collections::BTreeMap<crate::scenario::ScenarioId, Scenario>,
    ) {
        *self.scenarios.write_locked() = scenarios.clone();
    }
}

/// [`SandboxService::create_cohort`] on `store`, its learners' links
/// derived from `link_key`: what creating a cohort stores, which needs no
/// engine (nothing starts before the cohort is launched).
pub async fn create_cohort(
    store: &Store,
    link_key: &[u8; 32],
    owner: &User,
    scenario: &Scenario,
    req: CohortRequest,
) -> Result<Cohort> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(SandboxError::Invalid(
            "a cohort's name has 1 to 100 characters".into(),
        ));
    }
    if req.ends_at <= req.starts_at {
        return Err(SandboxError::Invalid(
            "the cohort must end after it starts".into(),
        ));
    }
    if req.ends_at <= Utc::now() {
        return Err(SandboxError::Invalid(
            "the cohort's end is in the past".into(),
        ));
    }
    if req.ends_at - req.starts_at > chrono::TimeDelta::days(MAX_COHORT_DAYS) {
        return Err(SandboxError::Invalid(format!(
            "a cohort runs for at most {MAX_COHORT_DAYS} days"
        )));
    }
    if req.roster.is_empty() || req.roster.len() > super::roster::MAX_LEARNERS {
        return Err(SandboxError::Invalid(format!(
            "a cohort has 1 to {} learners",
            super::roster::MAX_LEARNERS
        )));
    }
    // The pages and the API check each line already; this keeps any
    // other caller from storing an address the LRS would refuse.
    for (i, r) in req.roster.iter().enumerate() {
        if let Some(email) = r.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            super::email::check_email(email)
                .map_err(|p| SandboxError::Invalid(format!("learner {}: {p}", i + 1)))?;
        }
    }
    if req.spare > 50 {
        return Err(SandboxError::Invalid(
            "a cohort keeps at most 50 spare sandboxes".into(),
        ));
    }
    if req.max_sandboxes == Some(0) {
        return Err(SandboxError::Invalid(
            "a cohort's sandbox limit must be at least 1".into(),
        ));
    }
    super::cohort_list::name_free(store, owner.id, name).await?;
    let roster: Vec<NewLearner> = req
        .roster
        .iter()
        .map(|r| {
            let id = Uuid::new_v4();
            let token = learner_token(link_key, id);
            NewLearner {
                id,
                name: r.name.trim(),
                email: r.email.as_deref(),
                team: r.team.as_deref(),
                token_hash: token.hash(),
                web_key_hash: token.web_key().hash(),
            }
        })
        .collect();
    let cohort = store
        .insert_cohort(
            NewCohort {
                name,
                scenario_id: scenario.id.as_str(),
                owner: owner.id,
                starts_at: req.starts_at,
                ends_at: req.ends_at,
                spare: req.spare,
                max_sandboxes: req.max_sandboxes,
                time_zone: req.time_zone,
            },
            &roster,
        )
        .await
        .map_err(|e| match e {
            // Taken between the check above and the insert.
            StoreError::CohortNameTaken(name) => SandboxError::NameTaken {
                name,
                archived: false,
            },
            e => e.into(),
        })?;
    Ok(cohort)
}

/// A cohort learner's link token, derived from the installation's link
/// key and the learner's id.
pub fn learner_token(link_key: &[u8; 32], learner: Uuid) -> LinkToken {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(link_key.as_slice())
        .expect("HMAC takes keys of any length");
    mac.update(b"sandpit learner link\0");
    mac.update(learner.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut bytes = [0u8; 20];
    bytes.copy_from_slice(&digest[..20]);
    LinkToken::from_bytes(&bytes)
}

/// What tearing a cohort down did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TeardownReport {
    /// Sandboxes whose engine objects were removed.
    pub removed: u32,
    /// Sandboxes that could not be removed, and why.
    pub failed: Vec<TeardownFailure>,
    /// What the sandboxes used while alive.
    pub resources: super::ResourceHours,
    /// The kept report (`/admin/teardowns/{id}`), once kept.
    pub report_id: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TeardownFailure {
    pub sandbox: Uuid,
    pub error: String,
}

impl SandboxService {
    /// The cohort `user` asks for, if they may manage it: their own, or any
    /// for an admin. Others' cohorts look like unknown ones.
    pub async fn cohort_for(&self, user: &User, id: Uuid) -> Result<Cohort> {
        match self.store.cohort(id).await? {
            Some(c) if user.is_admin() || *c.owner_id == user.id => Ok(c),
            _ => Err(SandboxError::UnknownCohort(id)),
        }
    }

    /// Ends a cohort: its pool stops refilling, then every live sandbox of
    /// it is destroyed, a few at a time. Records (attempts, completions)
    /// stay. Safe to run twice or concurrently.
    /// It runs as a task of its own: a caller that stops waiting (a closed
    /// page, a client timeout) does not stop it half-way.
    pub async fn teardown_cohort(&self, cohort: Uuid) -> Result<TeardownReport> {
        let service = self.clone();
        self.life
            .tasks
            .spawn(async move { service.teardown_cohort_now(cohort).await })
            .await
            .map_err(|e| SandboxError::Provision {
                sandbox: Uuid::nil(),
                message: format!("tearing down cohort {cohort}: {e}"),
            })?
    }

    async fn teardown_cohort_now(&self, cohort: Uuid) -> Result<TeardownReport> {
        use futures_util::StreamExt;
        self.stop_reserving(cohort).await?;
        self.changed();
        let ids = self.store.live_sandboxes_of(cohort).await?;
        // Removal of a sandbox still being built is finished by its builder,
        // which finds it destroyed; wait for those.
        let waiting = ids.clone();
        let concurrency = self.pool.limits.concurrency.max(1);
        let results: Vec<(Uuid, Result<()>)> = futures_util::stream::iter(ids)
            .map(|id| async move { (id, self.destroy(id).await) })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        self.pool
            .wait_settled(&waiting, std::time::Duration::from_secs(300))
            .await;
        let mut report = TeardownReport::default();
        for (sandbox, result) in results {
            match result {
                Ok(()) => report.removed += 1,
                Err(e) => report.failed.push(TeardownFailure {
                    sandbox,
                    error: e.to_string(),
                }),
            }
        }
        self.keep_cohort_report(cohort, &mut report).await;
        Ok(report)
    }
}
