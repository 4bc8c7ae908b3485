//! What an admin tears down beyond one cohort: one sandbox, or everything;
//! and the resource-hours every teardown report states and keeps.

use chrono::Utc;
use uuid::Uuid;

use super::{Result, SandboxService, TeardownFailure, TeardownReport};
use crate::store::{AdminSandbox, NewTeardownReport};

/// What sandboxes used while they were alive, from their scenario's
/// resources: memory (GiB) × hours and CPUs × hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ResourceHours {
    /// Sandboxes counted.
    pub sandboxes: u32,
    pub memory_gib_hours: f64,
    pub cpu_hours: f64,
}

/// What tearing everything down did: one kept report per cohort (and one
/// for the sandboxes of no cohort, when there were any).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TeardownAll {
    pub removed: u32,
    pub failed: Vec<TeardownFailure>,
    /// The ids of the kept reports.
    pub reports: Vec<i64>,
}

impl SandboxService {
    /// Sums what `sandboxes` used: each from its creation until it ended
    /// (its last change of state) or until now while it is live.
    pub fn resource_hours(&self, sandboxes: &[AdminSandbox]) -> ResourceHours {
        let now = Utc::now();
        let mut sum = ResourceHours::default();
        for s in sandboxes {
            let Some(scenario) = self.scenario_for(&s.scenario_id) else {
                continue;
            };
            let end = if s.state.is_live() { now } else { s.updated_at };
            let hours = (end - s.created_at).num_milliseconds().max(0) as f64 / 3_600_000.0;
            sum.sandboxes += 1;
            sum.memory_gib_hours += f64::from(scenario.resources.memory_mb) / 1024.0 * hours;
            sum.cpu_hours += scenario.resources.cpus * hours;
        }
        sum
    }

    /// Keeps a cohort's teardown report, with its resource-hours, and
    /// returns it with its id. Called by [`teardown_cohort`](Self::teardown_cohort).
    pub(super) async fn keep_cohort_report(&self, cohort: Uuid, report: &mut TeardownReport) {
        let kept = async {
            let sandboxes = self.store.cohort_sandboxes(cohort).await?;
            let name = self.store.cohort(cohort).await?.map(|c| c.name);
            let hours = self.resource_hours(&sandboxes);
            report.resources = hours;
            self.store
                .insert_teardown_report(NewTeardownReport {
                    scope: "cohort",
                    cohort_id: Some(cohort),
                    cohort_name: name.as_deref(),
                    removed: report.removed,
                    sandboxes: hours.sandboxes,
                    memory_gib_hours: hours.memory_gib_hours,
                    cpu_hours: hours.cpu_hours,
                    failures: serde_json::to_string(&report.failed).unwrap_or_default(),
                    ..Default::default()
                })
                .await
        }
        .await;
        match kept {
            Ok(id) => report.report_id = Some(id),
            Err(e) => tracing::error!(cohort = %cohort, error = %e, "keeping a teardown report"),
        }
    }

    /// Tears one sandbox down and keeps a report of it. Safe to run twice
    /// or concurrently: an already destroyed sandbox is removed again
    /// (nothing to do) and reported as removed.
    pub async fn teardown_sandbox(
        &self,
        sandbox: &AdminSandbox,
        requested_by: Option<&str>,
    ) -> Result<TeardownReport> {
        let mut report = TeardownReport::default();
        match self.destroy(sandbox.id).await {
            Ok(()) => report.removed = 1,
            Err(e) => report.failed.push(TeardownFailure {
                sandbox: sandbox.id,
                error: e.to_string(),
            }),
        }
        let after = self
            .store
            .admin_sandbox(sandbox.id)
            .await?
            .unwrap_or_else(|| sandbox.clone());
        report.resources = self.resource_hours(std::slice::from_ref(&after));
        let cohort = sandbox
            .cohort_id
            .as_deref()
            .and_then(|c| Uuid::parse_str(c).ok());
        let id = self
            .store
            .insert_teardown_report(NewTeardownReport {
                scope: "sandbox",
                cohort_id: cohort,
                cohort_name: sandbox.cohort_name.as_deref(),
                sandbox_id: Some(sandbox.id),
                requested_by,
                removed: report.removed,
                sandboxes: report.resources.sandboxes,
                memory_gib_hours: report.resources.memory_gib_hours,
                cpu_hours: report.resources.cpu_hours,
                failures: serde_json::to_string(&report.failed).unwrap_or_default(),
            })
            .await?;
        report.report_id = Some(id);
        Ok(report)
    }

    /// Tears down every cohort that is not over yet and every live sandbox.
    /// `progress` hears each step. Records (attempts, completions) stay.
    pub async fn teardown_all(
        &self,
        requested_by: Option<&str>,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<TeardownAll> {
        let mut all = TeardownAll::default();
        for cohort in self.store.cohorts(None).await? {
            let live = self.store.live_sandboxes_of(*cohort.id).await?;
            if cohort.torn_down_at.is_some() && live.is_empty() {
                continue;
            }
            progress(&format!(
                "tearing down cohort {} ({})",
                cohort.name, cohort.id
            ));
            let report = self.teardown_cohort(*cohort.id).await?;
            all.removed += report.removed;
            all.failed.extend(report.failed);
            all.reports.extend(report.report_id);
        }
        // What is left belongs to no cohort (links made by hand, tests).
        let loose: Vec<AdminSandbox> = self.store.admin_sandboxes(false).await?;
        if !loose.is_empty() {
            progress(&format!("removing {} sandboxes of no cohort", loose.len()));
            let mut report = TeardownReport::default();
            for s in &loose {
                match self.destroy(s.id).await {
                    Ok(()) => report.removed += 1,
                    Err(e) => report.failed.push(TeardownFailure {
                        sandbox: s.id,
                        error: e.to_string(),
                    }),
                }
            }
            let ids: Vec<Uuid> = loose.iter().map(|s| s.id).collect();
            let mut ended = Vec::new();
            for id in ids {
                if let Some(s) = self.store.admin_sandbox(id).await? {
                    ended.push(s);
                }
            }
            let hours = self.resource_hours(&ended);
            let id = self
                .store
                .insert_teardown_report(NewTeardownReport {
                    scope: "loose",
                    requested_by,
                    removed: report.removed,
                    sandboxes: hours.sandboxes,
                    memory_gib_hours: hours.memory_gib_hours,
                    cpu_hours: hours.cpu_hours,
                    failures: serde_json::to_string(&report.failed).unwrap_or_default(),
                    ..Default::default()
                })
                .await?;
            all.removed += report.removed;
            all.failed.extend(report.failed);
            all.reports.push(id);
        }
        Ok(all)
    }
}
