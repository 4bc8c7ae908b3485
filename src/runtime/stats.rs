//! A running sandbox's CPU and memory as the engine reports them, for the
//! admin page. One answer per container (not a stream), fetched a few at a
//! time, each within a short timeout; missing numbers are simply absent.

use std::time::Duration;

use futures_util::StreamExt;
use uuid::Uuid;

use super::{DockerRuntime, object_name};

/// What a container uses now.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Usage {
    /// Percent of one CPU (200 = two CPUs busy).
    pub cpu_percent: Option<f64>,
    pub memory_bytes: Option<u64>,
    pub memory_limit_bytes: Option<u64>,
}

/// How many containers are asked at once, and how long each may take. The
/// engine needs about a second to sample CPU twice, mostly waiting, so
/// many can wait at once.
const STATS_CONCURRENCY: usize = 16;
const STATS_TIMEOUT: Duration = Duration::from_secs(3);

impl DockerRuntime {
    /// The usage of each sandbox's container; None where the engine did not
    /// answer in time or the container is gone.
    pub(super) async fn stats_of(&self, sandboxes: &[Uuid]) -> Vec<(Uuid, Option<Usage>)> {
        futures_util::stream::iter(sandboxes.iter().copied())
            .map(|id| async move {
                let usage = tokio::time::timeout(STATS_TIMEOUT, self.usage(id))
                    .await
                    .ok()
                    .flatten();
                (id, usage)
            })
            .buffer_unordered(STATS_CONCURRENCY)
            .collect()
            .await
    }

    /// One container's usage. `stream=false` gives one answer; `one_shot`
    /// stays off so the engine fills in the previous CPU sample that a
    /// percentage needs.
    async fn usage(&self, sandbox: Uuid) -> Option<Usage> {
        let options = bollard::query_parameters::StatsOptionsBuilder::default()
            .stream(false)
            .one_shot(false)
            .build();
        let name = object_name(sandbox);
        let mut stream = self.docker().stats(&name, Some(options));
        let stats = stream.next().await?.ok()?;
        let cpu = stats.cpu_stats.as_ref();
        let pre = stats.precpu_stats.as_ref();
        let total = |c: Option<&bollard::models::ContainerCpuStats>| {
            c.and_then(|c| c.cpu_usage.as_ref())
                .and_then(|u| u.total_usage)
        };
        let system =
            |c: Option<&bollard::models::ContainerCpuStats>| c.and_then(|c| c.system_cpu_usage);
        let cpu_percent = match (total(cpu), total(pre), system(cpu), system(pre)) {
            (Some(t), Some(pt), Some(s), Some(ps)) if s > ps => {
                let cpus = cpu.and_then(|c| c.online_cpus).unwrap_or(1).max(1);
                Some(t.saturating_sub(pt) as f64 / (s - ps) as f64 * f64::from(cpus) * 100.0)
            }
            _ => None,
        };
        let memory = stats.memory_stats.as_ref();
        // As `docker stats` shows it: usage less the page cache.
        let cache = memory
            .and_then(|m| m.stats.as_ref())
            .and_then(|s| {
                s.get("inactive_file")
                    .or_else(|| s.get("total_inactive_file"))
            })
            .copied()
            .unwrap_or(0);
        Some(Usage {
            cpu_percent,
            memory_bytes: memory
                .and_then(|m| m.usage)
                .map(|u| u.saturating_sub(cache)),
            memory_limit_bytes: memory.and_then(|m| m.limit),
        })
    }
}
