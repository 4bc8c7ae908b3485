//! Making a sandbox's containers: the learner's (read-only root, writable
//! paths on the sandbox's own size-capped disk) and the checker (its own
//! process namespace, the learner's network, the learner's files
//! read-only).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, HostConfigLogConfig,
    Mount, MountType, MountVolumeOptions, NetworkingConfig, RestartPolicy, RestartPolicyNameEnum,
    VolumeCreateRequest,
};
use bollard::query_parameters::CreateContainerOptionsBuilder;
use futures_util::future::join_all;
use ipnet::Ipv4Net;

use super::docker::Context;
use super::{
    CHECKER_HOME, CHECKER_USER, DockerRuntime, LABEL_ROLE, Result, SandboxHandle, SandboxSpec,
    checker_name, disk, object_name,
};

/// Paths every sandbox may write to, whatever its image declares.
const ALWAYS_WRITABLE: &[&str] = &["/tmp", "/var/tmp"];
/// The checker's tmpfs: its home, scratch files and kit (`exec`: the engine
/// mounts a tmpfs `noexec` unless told, and the kit's git must run).
const CHECKER_TMPFS: &str = "rw,exec,nosuid,nodev,size=64m,uid=990,gid=990,mode=0700";

/// The `n`th address of a subnet.
pub(super) fn host(subnet: Ipv4Net, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(subnet.network()) + n)
}

/// Logs of a sandbox's main process are kept small: a learner's process
/// can write to them.
fn log_config() -> HostConfigLogConfig {
    HostConfigLogConfig {
        typ: Some("json-file".into()),
        config: Some(HashMap::from([
            ("max-size".into(), "1m".into()),
            ("max-file".into(), "1".into()),
        ])),
    }
}

impl DockerRuntime {
    /// The paths a sandbox of `image` may write to: the image's declared
    /// volumes (`VOLUME` in its Dockerfile) and the temporary directories.
    /// Asked of the engine once per image: a reference names one build (its
    /// tag is the hash of what it is built from), so its volumes never change.
    async fn writable_paths(&self, image: &str) -> Result<Vec<String>> {
        if let Some(paths) = self.known_writable_paths(image) {
            return Ok(paths);
        }
        let inspected = self
            .docker()
            .inspect_image(image)
            .await
            .context(|| format!("inspecting image {image}"))?;
        let mut paths: Vec<String> = inspected
            .config
            .and_then(|c| c.volumes)
            .map(|v| v.into_iter().collect())
            .unwrap_or_default();
        paths.extend(ALWAYS_WRITABLE.iter().map(|p| (*p).to_owned()));
        paths.sort();
        paths.dedup();
        self.remember_writable_paths(image, &paths);
        Ok(paths)
    }

    /// The sandbox's disk and one volume per writable path on it. The
    /// engine fills each volume from the image at the first mount.
    pub(super) async fn create_volumes(&self, spec: &SandboxSpec) -> Result<Vec<(String, String)>> {
        let paths = self.writable_paths(&spec.image).await?;
        let disk = disk::create(
            &self.config().disk_dir,
            spec.id,
            spec.disk_bytes,
            paths.len(),
            &self.mounter(spec.id),
        )
        .await?;
        let made = paths.into_iter().enumerate().map(|(n, path)| {
            let name = format!("{}-v{n}", object_name(spec.id));
            let device = disk.mount.join(format!("v{n}"));
            let request = VolumeCreateRequest {
                name: Some(name.clone()),
                driver: Some("local".into()),
                driver_opts: Some(HashMap::from([
                    ("type".into(), "none".into()),
                    ("o".into(), "bind".into()),
                    ("device".into(), device.to_string_lossy().into_owned()),
                ])),
                labels: Some(self.labels(spec)),
                ..Default::default()
            };
            async move {
                self.docker()
                    .create_volume(request)
                    .await
                    .context(|| format!("creating the volume for {path} of sandbox {}", spec.id))?;
                Ok((name, path))
            }
        });
        // All asked at once; each answer is awaited, so none is left in
        // flight when one fails (the caller removes what was made).
        join_all(made).await.into_iter().collect()
    }

    /// Makes a sandbox's objects, each as soon as what it needs exists: the
    /// disk with its volumes and the network at the same time (neither needs
    /// the other), then the learner's container; the checker is created
    /// while that container starts and is started once it runs (it joins
    /// its network namespace).
    pub(super) async fn make(&self, spec: &SandboxSpec) -> Result<SandboxHandle> {
        // Both are awaited to their end even when one fails, so nothing is
        // still being made while the caller cleans up.
        let (volumes, network) = tokio::join!(self.create_volumes(spec), self.create_network(spec));
        let volumes = volumes?;
        let (network_id, subnet) = network?;
        let name = object_name(spec.id);
        let address = host(subnet, 2);
        let body = self.sandbox_body(spec, &name, address, &volumes);
        let container_id = self.create_named(&name, body, spec).await?;
        let checker = checker_name(spec.id);
        let (started, checker_id) = tokio::join!(
            self.start_named(&container_id, &name, spec),
            self.create_named(&checker, self.checker_body(spec, &volumes), spec)
        );
        started?;
        self.start_named(&checker_id?, &checker, spec).await?;
        Ok(SandboxHandle {
            container_id,
            network_id,
            address: IpAddr::V4(address),
            gateway: IpAddr::V4(host(subnet, 1)),
        })
    }

    /// The learner's container: read-only root, its writable paths on the
    /// sandbox's disk, its own address on the sandbox's network.
    fn sandbox_body(
        &self,
        spec: &SandboxSpec,
        name: &str,
        address: Ipv4Addr,
        volumes: &[(String, String)],
    ) -> ContainerCreateBody {
        let mounts = volumes
            .iter()
            .map(|(volume, path)| Mount {
                target: Some(path.clone()),
                source: Some(volume.clone()),
                typ: Some(MountType::VOLUME),
                read_only: Some(false),
                ..Default::default()
            })
            .collect();
        let host_config = HostConfig {
            network_mode: Some(name.to_owned()),
            readonly_rootfs: Some(true),
            mounts: Some(mounts),
            log_config: Some(log_config()),
            ..self.hardened(spec)
        };
        let mut labels = self.labels(spec);
        labels.insert(LABEL_ROLE.into(), "sandbox".into());
        ContainerCreateBody {
            image: Some(spec.image.clone()),
            hostname: Some(spec.hostname.clone()),
            labels: Some(labels),
            host_config: Some(host_config),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    name.to_owned(),
                    EndpointSettings {
                        ipam_config: Some(EndpointIpamConfig {
                            ipv4_address: Some(address.to_string()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                )])),
            }),
            ..Default::default()
        }
    }

    /// The checker: same image, its own process namespace (so the learner
    /// cannot see, signal, trace or feed a check), the learner's network
    /// namespace (so checks reach the tool on localhost), the learner's
    /// writable paths read-only, and a private tmpfs.
    fn checker_body(
        &self,
        spec: &SandboxSpec,
        volumes: &[(String, String)],
    ) -> ContainerCreateBody {
        let mounts = volumes
            .iter()
            .map(|(volume, path)| Mount {
                target: Some(path.clone()),
                source: Some(volume.clone()),
                typ: Some(MountType::VOLUME),
                read_only: Some(true),
                volume_options: Some(MountVolumeOptions {
                    no_copy: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect();
        let host_config = HostConfig {
            network_mode: Some(format!("container:{}", object_name(spec.id))),
            readonly_rootfs: Some(true),
            mounts: Some(mounts),
            tmpfs: Some(HashMap::from([(CHECKER_HOME.into(), CHECKER_TMPFS.into())])),
            log_config: Some(log_config()),
            // The scenario's added capabilities are the learner's tools'
            // business, not the checks'.
            cap_add: Some(Vec::new()),
            ..self.hardened(spec)
        };
        let mut labels = self.labels(spec);
        labels.insert(LABEL_ROLE.into(), "checker".into());
        ContainerCreateBody {
            image: Some(spec.image.clone()),
            user: Some(CHECKER_USER.into()),
            entrypoint: Some(super::checker::command()),
            cmd: Some(Vec::new()),
            env: Some(super::checker::container_env()),
            working_dir: Some(CHECKER_HOME.into()),
            labels: Some(labels),
            host_config: Some(host_config),
            ..Default::default()
        }
    }

    /// The limits and hardening both containers share.
    pub(super) fn hardened(&self, spec: &SandboxSpec) -> HostConfig {
        HostConfig {
            privileged: Some(false),
            cap_drop: Some(vec!["ALL".into()]),
            cap_add: Some(spec.capabilities.clone()),
            security_opt: Some(vec!["no-new-privileges:true".into()]),
            memory: Some(spec.memory_bytes),
            // No swap: the memory limit is the whole budget.
            memory_swap: Some(spec.memory_bytes),
            nano_cpus: Some(spec.nano_cpus),
            pids_limit: Some(spec.pids),
            init: Some(true),
            ipc_mode: Some("private".into()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::NO),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }
    }

    pub(super) async fn create_named(
        &self,
        name: &str,
        body: ContainerCreateBody,
        spec: &SandboxSpec,
    ) -> Result<String> {
        let options = CreateContainerOptionsBuilder::new().name(name).build();
        let created = self
            .docker()
            .create_container(Some(options), body)
            .await
            .context(|| format!("creating container {name} of sandbox {}", spec.id))?;
        Ok(created.id)
    }

    pub(super) async fn start_named(&self, id: &str, name: &str, spec: &SandboxSpec) -> Result<()> {
        self.docker()
            .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .context(|| format!("starting container {name} of sandbox {}", spec.id))
    }
}
