//! The Docker engine implementation of [`SandboxRuntime`], with bollard.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
    UploadToContainerOptionsBuilder,
};
use ipnet::Ipv4Net;
use uuid::Uuid;

use super::create::host;
use super::{
    EngineHealth, ExecOutput, ExecRequest, LABEL_INSTANCE, LABEL_MANAGED, LABEL_ROLE,
    LABEL_SANDBOX, ObjectKind, OwnedObject, Result, RuntimeError, SandboxHandle, SandboxRuntime,
    SandboxSpec, SubnetPool, SubnetRoom, TtyProcess, TtyRequest, Usage, checker_name, disk,
    object_name,
};
use crate::sync::Locked;

/// How the Docker runtime is set up.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Labels every object; sweeps and listings are scoped to it.
    pub instance: String,
    /// Where per-sandbox subnets come from.
    pub subnet_range: Ipv4Net,
    pub subnet_prefix: u8,
    /// Where sandboxes' disks (image files and their mount points) live;
    /// an absolute path (the engine's helpers bind it).
    pub disk_dir: std::path::PathBuf,
    /// The image that mounts disks for a Sandpit that is not root (see
    /// [`disk::Mounter`]); None: disks need Sandpit to be root.
    pub disk_helper_image: Option<String>,
}

/// Sandboxes as Docker containers, each on an internal network of its own.
pub struct DockerRuntime {
    docker: Docker,
    config: RuntimeConfig,
    subnets: SubnetPool,
    /// Subnets used by networks that are not Sandpit's.
    foreign: Mutex<HashSet<Ipv4Net>>,
    /// The writable paths of each image reference seen.
    writable: Mutex<HashMap<String, Vec<String>>>,
}

pub(super) trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, BollardError> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| RuntimeError::Engine {
            context: what(),
            source,
        })
    }
}

/// A 404 or 409 on removal means "already gone" (or going).
pub(super) fn is_gone(e: &BollardError) -> bool {
    matches!(
        e,
        BollardError::DockerResponseServerError {
            status_code: 404 | 409,
            ..
        }
    )
}

/// Connects to the local Docker engine, trying `attempts` times with a
/// doubling wait, and names where it looked when it gives up.
pub async fn connect_docker(
    config: RuntimeConfig,
    attempts: u32,
) -> Result<std::sync::Arc<dyn SandboxRuntime>> {
    let attempts = attempts.max(1);
    let mut wait = std::time::Duration::from_secs(1);
    let mut tried = 0;
    loop {
        tried += 1;
        match DockerRuntime::connect(config.clone()).await {
            Ok(runtime) => return Ok(std::sync::Arc::new(runtime)),
            Err(e) if tried < attempts => {
                tracing::warn!(error = %e, "the Docker engine is unreachable ({tried}/{attempts}); retrying in {} s", wait.as_secs());
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(30));
            }
            Err(e) => {
                let at = std::env::var("DOCKER_HOST")
                    .map(|h| format!("DOCKER_HOST={h}"))
                    .unwrap_or_else(|_| {
                        "the local socket /var/run/docker.sock (DOCKER_HOST is not set)".into()
                    });
                return Err(RuntimeError::Other(format!(
                    "cannot reach the Docker engine at {at} after {tried} tries: {e}. \
                     Is the engine running, and may this user use its socket? \
                     Set DOCKER_HOST to reach another engine."
                )));
            }
        }
    }
}

impl DockerRuntime {
    /// Connects to the local engine, negotiates the API version (the engine
    /// may speak only 1.41) and learns which subnets are taken.
    pub async fn connect(config: RuntimeConfig) -> Result<Self> {
        let docker = Docker::connect_with_local_defaults()
            .context(|| "connecting to the Docker engine".into())?
            .negotiate_version()
            .await
            .context(|| "negotiating the Docker API version".into())?;
        let subnets = SubnetPool::new(config.subnet_range, config.subnet_prefix)
            .map_err(RuntimeError::Other)?;
        let runtime = Self {
            docker,
            config,
            subnets,
            foreign: Mutex::new(HashSet::new()),
            writable: Mutex::default(),
        };
        runtime.refresh_subnets().await?;
        Ok(runtime)
    }

    /// The bollard client, for this module's parts.
    pub(super) fn docker(&self) -> &Docker {
        &self.docker
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Who mounts `sandbox`'s disk: this process when root, else a helper
    /// container on the engine.
    pub(super) fn mounter(&self, sandbox: Uuid) -> disk::Mounter<'_> {
        match &self.config.disk_helper_image {
            Some(image) if !rustix::process::geteuid().is_root() => {
                disk::Mounter::Engine(disk::EngineMounter {
                    docker: &self.docker,
                    image,
                    labels: HashMap::from([
                        (LABEL_MANAGED.to_owned(), "true".to_owned()),
                        (LABEL_SANDBOX.to_owned(), sandbox.to_string()),
                        (LABEL_INSTANCE.to_owned(), self.config.instance.clone()),
                        (LABEL_ROLE.to_owned(), super::ROLE_DISK_HELPER.to_owned()),
                    ]),
                })
            }
            _ => disk::Mounter::Host,
        }
    }

    pub(super) fn known_writable_paths(&self, image: &str) -> Option<Vec<String>> {
        let known = self.writable.locked();
        known.get(image).cloned()
    }

    pub(super) fn remember_writable_paths(&self, image: &str, paths: &[String]) {
        let mut known = self.writable.locked();
        known.insert(image.to_owned(), paths.to_vec());
    }

    /// Gives a removed network's subnet back to the pool.
    pub(super) fn release_subnet(&self, subnet: Ipv4Net) {
        self.subnets.release(subnet);
    }

    /// Every IPv4 subnet of the engine's networks: (the network's name,
    /// its subnet, whether the network is Sandpit's).
    async fn network_subnets(&self) -> Result<Vec<(String, Ipv4Net, bool)>> {
        let networks = self
            .docker
            .list_networks(None::<bollard::query_parameters::ListNetworksOptions>)
            .await
            .context(|| "listing the engine's networks".into())?;
        let mut out = Vec::new();
        for n in networks {
            let ours = n
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(LABEL_MANAGED));
            let name = n.name.unwrap_or_default();
            let configs = n.ipam.and_then(|i| i.config).unwrap_or_default();
            out.extend(
                configs
                    .iter()
                    .filter_map(|c| c.subnet.as_deref()?.parse::<Ipv4Net>().ok())
                    .map(|subnet| (name.clone(), subnet, ours)),
            );
        }
        Ok(out)
    }

    async fn refresh_subnets(&self) -> Result<()> {
        let mut foreign = HashSet::new();
        for (_, subnet, ours) in self.network_subnets().await? {
            if ours {
                self.subnets.mark_used(subnet);
            } else {
                foreign.insert(subnet);
            }
        }
        *self.foreign.locked() = foreign;
        Ok(())
    }

    pub(super) fn labels(&self, spec: &SandboxSpec) -> HashMap<String, String> {
        let mut labels: HashMap<String, String> = spec.labels.clone().into_iter().collect();
        labels.insert(LABEL_MANAGED.into(), "true".into());
        labels.insert(LABEL_SANDBOX.into(), spec.id.to_string());
        labels.insert(LABEL_INSTANCE.into(), self.config.instance.clone());
        labels
    }

    /// Creates the sandbox's internal network on a fresh subnet, retrying
    /// when another process took the subnet first.
    pub(super) async fn create_network(&self, spec: &SandboxSpec) -> Result<(String, Ipv4Net)> {
        let name = object_name(spec.id);
        let mut last = None;
        for _ in 0..5 {
            let taken = self.foreign.locked().clone();
            let subnet = self.subnets.reserve(&taken).ok_or_else(|| {
                RuntimeError::Other(format!(
                    "no free /{} subnet left in {}",
                    self.config.subnet_prefix, self.config.subnet_range
                ))
            })?;
            let gateway = host(subnet, 1);
            let request = NetworkCreateRequest {
                name: name.clone(),
                driver: Some("bridge".into()),
                internal: Some(true),
                ipam: Some(Ipam {
                    driver: Some("default".into()),
                    config: Some(vec![IpamConfig {
                        subnet: Some(subnet.to_string()),
                        gateway: Some(gateway.to_string()),
                        ..Default::default()
                    }]),
                    options: None,
                }),
                options: Some(HashMap::from([
                    (
                        "com.docker.network.bridge.enable_icc".into(),
                        "false".into(),
                    ),
                    (
                        "com.docker.network.bridge.enable_ip_masquerade".into(),
                        "false".into(),
                    ),
                ])),
                labels: Some(self.labels(spec)),
                ..Default::default()
            };
            match self.docker.create_network(request).await {
                Ok(created) => return Ok((created.id, subnet)),
                Err(e) => {
                    self.subnets.release(subnet);
                    let overlap = e.to_string().contains("overlap");
                    last = Some(e);
                    if !overlap {
                        break;
                    }
                    self.refresh_subnets().await?;
                }
            }
        }
        Err(RuntimeError::Engine {
            context: format!("creating the network for sandbox {}", spec.id),
            source: last.expect("at least one attempt was made"),
        })
    }
}

#[async_trait]
impl SandboxRuntime for DockerRuntime {
    async fn create(&self, spec: &SandboxSpec) -> Result<SandboxHandle> {
        let made = self.make(spec).await;
        if made.is_err() {
            // Nothing half-made: take everything back.
            if let Err(cleanup) = self.remove(spec.id).await {
                tracing::warn!(sandbox = %spec.id, error = %cleanup, "cleaning up a sandbox that failed to start");
            }
        }
        made
    }

    async fn upload(&self, sandbox: Uuid, path: &str, tar: Vec<u8>) -> Result<()> {
        let options = UploadToContainerOptionsBuilder::new().path(path).build();
        self.docker
            .upload_to_container(
                &object_name(sandbox),
                Some(options),
                bollard::body_full(tar.into()),
            )
            .await
            .context(|| format!("copying files to {path} in sandbox {sandbox}"))
    }

    async fn exec(&self, sandbox: Uuid, req: ExecRequest) -> Result<ExecOutput> {
        self.run_exec(sandbox, req).await
    }

    async fn exec_tty(&self, sandbox: Uuid, req: TtyRequest) -> Result<TtyProcess> {
        self.start_tty(sandbox, req).await
    }

    async fn resize_tty(&self, exec_id: &str, rows: u16, cols: u16) -> Result<()> {
        self.resize_exec_tty(exec_id, rows, cols).await
    }

    async fn remove(&self, sandbox: Uuid) -> Result<()> {
        // The checker first: it holds the sandbox's network namespace and
        // volumes. Every step is tried even when one before it failed, so
        // that one busy object leaves only itself behind (for the next
        // removal or reconcile); the first failure is returned.
        let mut first = None;
        let mut keep = |step: Result<()>| {
            if let Err(e) = step {
                first.get_or_insert(e);
            }
        };
        for name in [
            checker_name(sandbox),
            object_name(sandbox),
            format!("{}-disk", object_name(sandbox)),
        ] {
            keep(self.remove_container(sandbox, &name).await);
        }
        keep(self.remove_volumes(sandbox).await);
        keep(self.remove_network(sandbox).await);
        keep(disk::remove(&self.config.disk_dir, sandbox, &self.mounter(sandbox)).await);
        first.map_or(Ok(()), Err)
    }

    async fn usage_of(&self, sandboxes: &[Uuid]) -> Vec<(Uuid, Option<Usage>)> {
        self.stats_of(sandboxes).await
    }

    async fn ping(&self) -> Result<String> {
        // The version call answers whenever `/_ping` does, and says more.
        let version = self
            .docker
            .version()
            .await
            .context(|| "asking the engine its version".into())?;
        Ok(version.version.unwrap_or_else(|| "unknown".into()))
    }

    async fn host_reachable(&self, image: &str) -> Result<Option<bool>> {
        self.probe_host_reach(image).await.map(Some)
    }

    async fn health(&self) -> Result<EngineHealth> {
        let (version, info, networks) = tokio::join!(
            self.docker.version(),
            self.docker.info(),
            self.network_subnets(),
        );
        let version = version.context(|| "asking the engine its version".into())?;
        let info = info.context(|| "asking the engine about itself".into())?;
        let range = self.config.subnet_range;
        let mut taken = HashSet::new();
        let mut foreign = Vec::new();
        for (name, subnet, ours) in networks? {
            if ours {
                continue;
            }
            if range.contains(&subnet.network()) || subnet.contains(&range.network()) {
                foreign.push((name, subnet.to_string()));
            }
            taken.insert(subnet);
        }
        Ok(EngineHealth {
            version: version.version.unwrap_or_else(|| "unknown".into()),
            api_version: Some(self.docker.client_version().to_string()),
            min_api_version: version.min_api_version,
            clock: info
                .system_time
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc)),
            subnets: Some(SubnetRoom {
                free: self.subnets.free(&taken),
                total: self.subnets.capacity(),
                foreign,
            }),
        })
    }

    async fn list_owned(&self, all: bool) -> Result<Vec<OwnedObject>> {
        let mut labels = vec![format!("{LABEL_MANAGED}=true")];
        if !all {
            labels.push(format!("{LABEL_INSTANCE}={}", self.config.instance));
        }
        let filters = HashMap::from([("label".to_string(), labels)]);
        let parse = |labels: Option<&HashMap<String, String>>| {
            let sandbox = labels
                .and_then(|l| l.get(LABEL_SANDBOX))
                .and_then(|s| Uuid::parse_str(s).ok());
            let instance = labels.and_then(|l| l.get(LABEL_INSTANCE)).cloned();
            (sandbox, instance)
        };
        let containers = self
            .docker
            .list_containers(Some(
                ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await
            .context(|| "listing Sandpit's containers".into())?;
        let mut out: Vec<OwnedObject> = containers
            .into_iter()
            .map(|c| {
                let (sandbox, instance) = parse(c.labels.as_ref());
                let checker = c
                    .labels
                    .as_ref()
                    .is_some_and(|l| l.get(LABEL_ROLE).is_some_and(|r| r == "checker"));
                OwnedObject {
                    kind: if checker {
                        ObjectKind::Checker
                    } else {
                        ObjectKind::Container
                    },
                    id: c.id.unwrap_or_default(),
                    name: c
                        .names
                        .and_then(|n| n.into_iter().next())
                        .unwrap_or_default()
                        .trim_start_matches('/')
                        .to_owned(),
                    sandbox,
                    instance,
                    running: c.state.is_some_and(|s| s.to_string() == "running"),
                }
            })
            .collect();
        let networks = self
            .docker
            .list_networks(Some(
                ListNetworksOptionsBuilder::new().filters(&filters).build(),
            ))
            .await
            .context(|| "listing Sandpit's networks".into())?;
        out.extend(networks.into_iter().map(|n| {
            let (sandbox, instance) = parse(n.labels.as_ref());
            OwnedObject {
                kind: ObjectKind::Network,
                id: n.id.unwrap_or_default(),
                name: n.name.unwrap_or_default(),
                sandbox,
                instance,
                running: false,
            }
        }));
        let volumes = self
            .docker
            .list_volumes(Some(
                ListVolumesOptionsBuilder::new().filters(&filters).build(),
            ))
            .await
            .context(|| "listing Sandpit's volumes".into())?;
        out.extend(volumes.volumes.unwrap_or_default().into_iter().map(|v| {
            let (sandbox, instance) = parse(Some(&v.labels));
            OwnedObject {
                kind: ObjectKind::Volume,
                id: v.name.clone(),
                name: v.name,
                sandbox,
                instance,
                running: false,
            }
        }));
        // Disks are this installation's own files.
        out.extend(
            disk::list(&self.config.disk_dir)
                .into_iter()
                .map(|(sandbox, path)| OwnedObject {
                    kind: ObjectKind::Disk,
                    id: path.to_string_lossy().into_owned(),
                    name: path.to_string_lossy().into_owned(),
                    sandbox: Some(sandbox),
                    instance: Some(self.config.instance.clone()),
                    running: false,
                }),
        );
        Ok(out)
    }
}
