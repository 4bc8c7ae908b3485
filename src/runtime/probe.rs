//! Proving the host guard works, without root: a throwaway sandbox (its own
//! network in the sandbox range, the hardening every sandbox gets) tries to
//! open a connection to a port Sandpit listens on at that network's gateway,
//! which is the host. With the guard in place the connection never opens;
//! without it, it does. Reading the firewall's rules would need root; this
//! needs only the engine, and it tests what the rules are for.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::models::{ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig};
use bollard::query_parameters::WaitContainerOptions;
use futures_util::StreamExt;
use uuid::Uuid;

use super::create::host;
use super::{
    DockerRuntime, LABEL_ROLE, ROLE_PROBE, Result, SandboxRuntime, SandboxSpec, object_name,
};

/// How long the probe tries to connect before giving up.
const CONNECT_SECONDS: u32 = 3;

impl DockerRuntime {
    /// Whether a sandbox on `image` can open a TCP connection to the host.
    /// Everything the probe made is removed before it answers.
    pub(super) async fn probe_host_reach(&self, image: &str) -> Result<bool> {
        let spec = SandboxSpec {
            id: Uuid::new_v4(),
            image: image.to_owned(),
            hostname: "probe".into(),
            memory_bytes: 32 << 20,
            nano_cpus: 250_000_000,
            pids: 16,
            capabilities: Vec::new(),
            disk_bytes: 0,
            labels: BTreeMap::from([(LABEL_ROLE.into(), ROLE_PROBE.into())]),
        };
        let reached = self.probe(&spec).await;
        let removed = self.remove(spec.id).await;
        let reached = reached?;
        removed?;
        Ok(reached)
    }

    async fn probe(&self, spec: &SandboxSpec) -> Result<bool> {
        let (_, subnet) = self.create_network(spec).await?;
        let gateway = host(subnet, 1);
        let listener = tokio::net::TcpListener::bind((gateway, 0))
            .await
            .map_err(|e| {
                super::RuntimeError::Other(format!(
                    "listening on the probe network's gateway {gateway}: {e}"
                ))
            })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let name = object_name(spec.id);
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            hostname: Some(spec.hostname.clone()),
            user: Some("65534:65534".into()),
            cmd: Some(vec![
                "timeout".into(),
                CONNECT_SECONDS.to_string(),
                "bash".into(),
                "-c".into(),
                format!("exec 3<>/dev/tcp/{gateway}/{port}"),
            ]),
            labels: Some(self.labels(spec)),
            host_config: Some(HostConfig {
                network_mode: Some(name.clone()),
                readonly_rootfs: Some(true),
                ..self.hardened(spec)
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    name.clone(),
                    EndpointSettings::default(),
                )])),
            }),
            ..Default::default()
        };
        let id = self.create_named(&name, body, spec).await?;
        self.start_named(&id, &name, spec).await?;
        let mut wait = self
            .docker()
            .wait_container(&id, None::<WaitContainerOptions>);
        let code = match wait.next().await {
            Some(Ok(status)) => status.status_code,
            // A non-zero exit comes as an error carrying its code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
            _ => {
                return Err(super::RuntimeError::Other(
                    "the host-guard probe's container did not finish".into(),
                ));
            }
        };
        // A connection that opened waits in the listener's backlog.
        let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept())
            .await
            .is_ok_and(|r| r.is_ok());
        // 124: `timeout` ended the attempt (dropped); 1: refused. 0: open.
        Ok(accepted || code == 0)
    }
}
