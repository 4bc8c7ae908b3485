//! The baseline: the Docker engine doing the same work directly, through
//! bollard, with the same hardening Sandpit asks for (an internal network of
//! the sandbox's own with ICC off, all capabilities dropped, limits, a
//! read-only root with its writable paths on a disk of its own, and a
//! checker container in its network namespace). Everything it makes carries
//! `sandpit.bench=<run>` and is swept at the end.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::StartExecResults;
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, ExecConfig, HostConfig, Ipam,
    IpamConfig, Mount, MountType, NetworkCreateRequest, NetworkingConfig, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder, RemoveVolumeOptions,
};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

pub const LABEL: &str = "sandpit.bench";
/// The writable paths of the shell image, as Sandpit gives them a disk.
const WRITABLE: [&str; 3] = ["/home/learner", "/tmp", "/var/tmp"];
/// The bench scenario's disk budget.
const DISK_BYTES: u64 = 1024 * 1024 * 1024;
/// Far from Sandpit's default `10.231.0.0/16`.
const SUBNET_BASE: [u8; 2] = [10, 232];

pub struct Raw {
    pub docker: Docker,
    run: String,
    next_subnet: AtomicU32,
    pub image: String,
    /// Where the baseline's disks live.
    disks: std::path::PathBuf,
}

/// The id a baseline box's disk is named by.
fn disk_id(name: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes())
}

/// A container made by the baseline, on its own network or a shared one.
pub struct RawBox {
    pub name: String,
    network: Option<String>,
}

impl RawBox {
    /// A sandbox made by [`Raw::create`]: container and network of one name.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            network: Some(name.to_owned()),
        }
    }
}

impl Raw {
    pub async fn connect(run: &str, image: &str) -> Result<Self> {
        let docker = Docker::connect_with_local_defaults()?
            .negotiate_version()
            .await
            .context("negotiating the Docker API version")?;
        Ok(Self {
            docker,
            run: run.to_owned(),
            next_subnet: AtomicU32::new(0),
            image: image.to_owned(),
            disks: std::env::temp_dir().join(format!("sandpit-bench-{run}")),
        })
    }

    pub async fn engine_version(&self) -> String {
        match self.docker.version().await {
            Ok(v) => format!(
                "{} (API {})",
                v.version.unwrap_or_default(),
                v.api_version.unwrap_or_default()
            ),
            Err(e) => format!("unknown ({e})"),
        }
    }

    fn labels(&self) -> HashMap<String, String> {
        HashMap::from([(LABEL.to_owned(), self.run.clone())])
    }

    /// The next /28 of 10.232.0.0/16.
    fn subnet(&self) -> (String, String, String) {
        let i = self.next_subnet.fetch_add(1, Ordering::Relaxed) % 4096;
        let third = (i * 16) / 256;
        let fourth = (i * 16) % 256;
        let [a, b] = SUBNET_BASE;
        (
            format!("{a}.{b}.{third}.{fourth}/28"),
            format!("{a}.{b}.{third}.{}", fourth + 1),
            format!("{a}.{b}.{third}.{}", fourth + 2),
        )
    }

    /// An internal bridge network with inter-container traffic off, on a
    /// fresh /28; returns the address its sandbox takes.
    pub async fn network(&self, name: &str) -> Result<String> {
        let (subnet, gateway, address) = self.subnet();
        self.network_on(name, &subnet, &gateway).await?;
        Ok(address)
    }

    async fn network_on(&self, name: &str, subnet: &str, gateway: &str) -> Result<()> {
        self.docker
            .create_network(NetworkCreateRequest {
                name: name.to_owned(),
                driver: Some("bridge".into()),
                internal: Some(true),
                ipam: Some(Ipam {
                    driver: Some("default".into()),
                    config: Some(vec![IpamConfig {
                        subnet: Some(subnet.to_owned()),
                        gateway: Some(gateway.to_owned()),
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
                labels: Some(self.labels()),
                ..Default::default()
            })
            .await
            .with_context(|| format!("creating network {name}"))?;
        Ok(())
    }

    /// A shared network for many containers (a /20: room for 4,000).
    pub async fn shared_network(&self, name: &str) -> Result<()> {
        self.network_on(name, "10.233.0.0/20", "10.233.0.1").await
    }

    /// Network + container create + start, the way Sandpit makes a sandbox.
    pub async fn create(&self, name: &str) -> Result<RawBox> {
        let address = self.network(name).await?;
        self.container(name, name, Some(&address)).await?;
        Ok(RawBox {
            name: name.to_owned(),
            network: Some(name.to_owned()),
        })
    }

    /// Container create + start on an existing (shared) network.
    pub async fn create_on(&self, name: &str, network: &str) -> Result<RawBox> {
        self.container(name, network, None).await?;
        Ok(RawBox {
            name: name.to_owned(),
            network: None,
        })
    }

    async fn container(&self, name: &str, network: &str, address: Option<&str>) -> Result<()> {
        let disk = sandpit::runtime::disk::create(
            &self.disks,
            disk_id(name),
            DISK_BYTES,
            3,
            &sandpit::runtime::disk::Mounter::Host,
        )
        .await
        .with_context(|| format!("making the disk of {name}"))?;
        let mut mounts = Vec::new();
        for (n, path) in WRITABLE.iter().enumerate() {
            let volume = format!("{name}-v{n}");
            self.docker
                .create_volume(VolumeCreateRequest {
                    name: Some(volume.clone()),
                    driver: Some("local".into()),
                    driver_opts: Some(HashMap::from([
                        ("type".into(), "none".into()),
                        ("o".into(), "bind".into()),
                        (
                            "device".into(),
                            disk.mount
                                .join(format!("v{n}"))
                                .to_string_lossy()
                                .into_owned(),
                        ),
                    ])),
                    labels: Some(self.labels()),
                    ..Default::default()
                })
                .await
                .with_context(|| format!("creating volume {volume}"))?;
            mounts.push(((*path).to_owned(), volume));
        }
        let mount = |read_only: bool| -> Vec<Mount> {
            mounts
                .iter()
                .map(|(path, volume)| Mount {
                    target: Some(path.clone()),
                    source: Some(volume.clone()),
                    typ: Some(MountType::VOLUME),
                    read_only: Some(read_only),
                    ..Default::default()
                })
                .collect()
        };
        let memory = 64 * 1024 * 1024;
        let hardened = HostConfig {
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges:true".into()]),
            memory: Some(memory),
            memory_swap: Some(memory),
            nano_cpus: Some(250_000_000),
            pids_limit: Some(64),
            init: Some(true),
            ipc_mode: Some("private".into()),
            readonly_rootfs: Some(true),
            ..Default::default()
        };
        let host_config = HostConfig {
            network_mode: Some(network.to_owned()),
            mounts: Some(mount(false)),
            ..hardened.clone()
        };
        let body = ContainerCreateBody {
            image: Some(self.image.clone()),
            hostname: Some("bench".into()),
            labels: Some(self.labels()),
            host_config: Some(host_config),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    network.to_owned(),
                    EndpointSettings {
                        ipam_config: address.map(|a| EndpointIpamConfig {
                            ipv4_address: Some(a.to_owned()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                )])),
            }),
            ..Default::default()
        };
        self.start(name, body).await?;
        // The checker: the same image in the box's network namespace, its
        // paths read-only, a private tmpfs, idle.
        let checker = ContainerCreateBody {
            image: Some(self.image.clone()),
            user: Some("990:990".into()),
            entrypoint: Some(vec!["sleep".into()]),
            cmd: Some(vec!["infinity".into()]),
            labels: Some(self.labels()),
            host_config: Some(HostConfig {
                network_mode: Some(format!("container:{name}")),
                mounts: Some(mount(true)),
                tmpfs: Some(HashMap::from([(
                    "/run/sandpit-check".into(),
                    "rw,exec,nosuid,nodev,size=64m,uid=990,gid=990,mode=0700".into(),
                )])),
                ..hardened
            }),
            ..Default::default()
        };
        self.start(&format!("{name}-check"), checker).await
    }

    async fn start(&self, name: &str, body: ContainerCreateBody) -> Result<()> {
        let options = CreateContainerOptionsBuilder::new().name(name).build();
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .with_context(|| format!("creating container {name}"))?;
        self.docker
            .start_container(
                &created.id,
                None::<bollard::query_parameters::StartContainerOptions>,
            )
            .await
            .with_context(|| format!("starting container {name}"))?;
        Ok(())
    }

    /// Runs `cmd` as `learner` and waits for it to end; the exit code.
    pub async fn exec(&self, name: &str, cmd: &[&str], stdin: Option<&[u8]>) -> Result<i64> {
        let exec = self
            .docker
            .create_exec(
                name,
                ExecConfig {
                    attach_stdin: Some(stdin.is_some()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    cmd: Some(cmd.iter().map(|s| (*s).to_owned()).collect()),
                    user: Some("learner".into()),
                    working_dir: Some("/home/learner".into()),
                    env: Some(vec!["HOME=/home/learner".into()]),
                    ..Default::default()
                },
            )
            .await?;
        if let StartExecResults::Attached {
            mut output,
            mut input,
        } = self.docker.start_exec(&exec.id, None).await?
        {
            // Written while the output is read, as Sandpit does.
            let feeder = stdin.map(|bytes| {
                let bytes = bytes.to_vec();
                tokio::spawn(async move {
                    let _ = input.write_all(&bytes).await;
                    let _ = input.shutdown().await;
                })
            });
            while let Some(chunk) = output.next().await {
                chunk?;
            }
            if let Some(feeder) = feeder {
                feeder.abort();
            }
        }
        let inspect = self.docker.inspect_exec(&exec.id).await?;
        Ok(inspect.exit_code.unwrap_or(-1))
    }

    /// A login shell on a TTY, attached, once its prompt is drawn.
    pub async fn shell(&self, name: &str) -> Result<RawShell> {
        let exec = self
            .docker
            .create_exec(
                name,
                ExecConfig {
                    attach_stdin: Some(true),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    tty: Some(true),
                    cmd: Some(vec!["bash".into(), "-l".into()]),
                    user: Some("learner".into()),
                    working_dir: Some("/home/learner".into()),
                    env: Some(vec![
                        "HOME=/home/learner".into(),
                        "TERM=xterm-256color".into(),
                    ]),
                    ..Default::default()
                },
            )
            .await?;
        let StartExecResults::Attached { output, input } =
            self.docker.start_exec(&exec.id, None).await?
        else {
            anyhow::bail!("the exec did not attach");
        };
        let mut shell = RawShell { output, input };
        let mut seen = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), async {
            while !String::from_utf8_lossy(&seen).contains("$ ") {
                match shell.output.next().await {
                    Some(Ok(LogOutput::Console { message }))
                    | Some(Ok(LogOutput::StdOut { message })) => seen.extend_from_slice(&message),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(anyhow::Error::from(e)),
                    None => anyhow::bail!("the shell ended before its prompt"),
                }
            }
            Ok(())
        })
        .await
        .context("waiting for the raw shell's prompt")??;
        Ok(shell)
    }

    pub async fn remove(&self, b: &RawBox) -> Result<()> {
        for name in [format!("{}-check", b.name), b.name.clone()] {
            self.docker
                .remove_container(
                    &name,
                    Some(
                        RemoveContainerOptionsBuilder::new()
                            .force(true)
                            .v(true)
                            .build(),
                    ),
                )
                .await
                .with_context(|| format!("removing container {name}"))?;
        }
        for n in 0..WRITABLE.len() {
            let volume = format!("{}-v{n}", b.name);
            self.docker
                .remove_volume(&volume, None::<RemoveVolumeOptions>)
                .await
                .with_context(|| format!("removing volume {volume}"))?;
        }
        if let Some(net) = &b.network {
            self.docker
                .remove_network(net)
                .await
                .with_context(|| format!("removing network {net}"))?;
        }
        sandpit::runtime::disk::remove(
            &self.disks,
            disk_id(&b.name),
            &sandpit::runtime::disk::Mounter::Host,
        )
        .await
        .with_context(|| format!("removing the disk of {}", b.name))?;
        Ok(())
    }

    pub async fn remove_network(&self, name: &str) -> Result<()> {
        self.docker.remove_network(name).await?;
        Ok(())
    }

    /// The label on everything this run made.
    pub fn run_label(&self) -> String {
        format!("{LABEL}={}", self.run)
    }

    /// Removes everything this run labelled; returns how many objects.
    pub async fn sweep(&self) -> Result<usize> {
        self.sweep_label(&self.run_label()).await
    }

    /// Removes every container and network carrying `label` (`key=value`);
    /// returns how many there were.
    pub async fn sweep_label(&self, label: &str) -> Result<usize> {
        let (containers, networks, volumes) = self.labelled(label).await?;
        let n = containers.len() + networks.len() + volumes.len();
        for id in containers {
            let _ = self
                .docker
                .remove_container(
                    &id,
                    Some(
                        RemoveContainerOptionsBuilder::new()
                            .force(true)
                            .v(true)
                            .build(),
                    ),
                )
                .await;
        }
        for name in volumes {
            let _ = self
                .docker
                .remove_volume(&name, None::<RemoveVolumeOptions>)
                .await;
        }
        for id in networks {
            let _ = self.docker.remove_network(&id).await;
        }
        self.sweep_disks(&self.disks.clone()).await;
        Ok(n)
    }

    /// Unmounts and deletes every sandbox disk in `dir` (the baseline's, or
    /// a Sandpit data directory's `disks/`).
    pub async fn sweep_disks(&self, dir: &std::path::Path) {
        for (id, _) in sandpit::runtime::disk::list(dir) {
            let _ = sandpit::runtime::disk::remove(dir, id, &sandpit::runtime::disk::Mounter::Host)
                .await;
        }
    }

    /// Containers, volumes and networks carrying `label` (`key=value`), anywhere.
    pub async fn count_labelled(&self, label: &str) -> Result<usize> {
        let (containers, networks, volumes) = self.labelled(label).await?;
        Ok(containers.len() + networks.len() + volumes.len())
    }

    /// The ids of the containers, networks and volumes carrying `label`.
    async fn labelled(&self, label: &str) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
        let filters = HashMap::from([("label".to_string(), vec![label.to_owned()])]);
        let containers = self
            .docker
            .list_containers(Some(
                ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await?;
        let networks = self
            .docker
            .list_networks(Some(
                ListNetworksOptionsBuilder::new().filters(&filters).build(),
            ))
            .await?;
        let volumes = self
            .docker
            .list_volumes(Some(
                ListVolumesOptionsBuilder::new().filters(&filters).build(),
            ))
            .await?;
        Ok((
            containers.into_iter().filter_map(|c| c.id).collect(),
            networks.into_iter().filter_map(|n| n.id).collect(),
            volumes
                .volumes
                .unwrap_or_default()
                .into_iter()
                .map(|v| v.name)
                .collect(),
        ))
    }
}

type ExecOutput = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>,
>;

/// An attached TTY shell of the baseline.
pub struct RawShell {
    output: ExecOutput,
    input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
}

impl RawShell {
    /// Keystroke → its echo read back, `count` times (a letter, then a
    /// backspace), with the pause the Sandpit side takes between keys.
    pub async fn round_trips(&mut self, count: usize) -> Result<Vec<f64>> {
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            let key: &[u8] = if i % 2 == 0 { b"a" } else { b"\x7f" };
            let t = Instant::now();
            self.input.write_all(key).await?;
            self.input.flush().await?;
            let echoed = tokio::time::timeout(Duration::from_secs(5), self.output.next())
                .await
                .context("no echo within 5 s")?;
            match echoed {
                Some(Ok(_)) => samples.push(crate::report::ms(t.elapsed())),
                Some(Err(e)) => return Err(e.into()),
                None => anyhow::bail!("the shell ended"),
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
            while let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(1), self.output.next()).await
            {
            }
        }
        Ok(samples)
    }

    pub async fn close(mut self) {
        let _ = self.input.write_all(b"\x04").await;
    }
}
