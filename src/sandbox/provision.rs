//! Provisioning: a sandbox recorded, its engine objects made, its seed
//! data copied in and its setup run; anything that fails is removed again
//! and the sandbox marked failed with the reason.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{
    Owner, Result, SETUP_TIMEOUT, SandboxError, SandboxService, ScriptRole, pack_dir, run_script,
};
use crate::runtime::{LABEL_COHORT, LABEL_SCENARIO, SandboxSpec};
use crate::scenario::Scenario;
use crate::store::{NewSandbox, SandboxRecord, SandboxState};
use crate::sync::Locked;

impl SandboxService {
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
        self.pool.inflight.locked().insert(id);
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
}
