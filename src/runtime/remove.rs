//! Taking a sandbox's engine objects away: containers, volumes, network.
//! Already gone is success; an object still held by one being removed is
//! retried for a moment.

use std::collections::HashMap;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::query_parameters::{
    ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder, RemoveVolumeOptions,
};
use ipnet::Ipv4Net;
use uuid::Uuid;

use super::docker::{Context, is_gone};
use super::{DockerRuntime, LABEL_SANDBOX, Result, RuntimeError, object_name};

impl DockerRuntime {
    pub(super) async fn remove_container(&self, sandbox: Uuid, name: &str) -> Result<()> {
        let options = RemoveContainerOptionsBuilder::new()
            .force(true)
            .v(true)
            .build();
        match self.docker().remove_container(name, Some(options)).await {
            Err(e) if !is_gone(&e) => Err(RuntimeError::Engine {
                context: format!("removing container {name} of sandbox {sandbox}"),
                source: e,
            }),
            _ => Ok(()),
        }
    }

    pub(super) async fn remove_volumes(&self, sandbox: Uuid) -> Result<()> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("{LABEL_SANDBOX}={sandbox}")],
        )]);
        let volumes = self
            .docker()
            .list_volumes(Some(
                ListVolumesOptionsBuilder::new().filters(&filters).build(),
            ))
            .await
            .context(|| format!("listing the volumes of sandbox {sandbox}"))?;
        for v in volumes.volumes.unwrap_or_default() {
            until_gone(
                || {
                    self.docker()
                        .remove_volume(&v.name, None::<RemoveVolumeOptions>)
                },
                || format!("removing volume {} of sandbox {sandbox}", v.name),
            )
            .await?;
        }
        Ok(())
    }

    pub(super) async fn remove_network(&self, sandbox: Uuid) -> Result<()> {
        let name = object_name(sandbox);
        let subnet = match self
            .docker()
            .inspect_network(
                &name,
                None::<bollard::query_parameters::InspectNetworkOptions>,
            )
            .await
        {
            Ok(n) => n
                .ipam
                .and_then(|i| i.config)
                .unwrap_or_default()
                .into_iter()
                .find_map(|c| c.subnet?.parse::<Ipv4Net>().ok()),
            Err(e) if is_gone(&e) => return Ok(()),
            Err(e) => {
                return Err(RuntimeError::Engine {
                    context: format!("inspecting the network of sandbox {sandbox}"),
                    source: e,
                });
            }
        };
        until_gone(
            || self.docker().remove_network(&name),
            || format!("removing the network of sandbox {sandbox}"),
        )
        .await?;
        if let Some(subnet) = subnet {
            self.release_subnet(subnet);
        }
        Ok(())
    }
}

/// Runs a removal until the object is gone: a container being removed can
/// hold its network or volume for a moment, so "busy" is retried (for
/// about 10 s: an engine under load can take seconds to let go); "no such
/// object" is success.
async fn until_gone<F, Fut>(remove: F, what: impl Fn() -> String) -> Result<()>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<(), BollardError>>,
{
    let mut tries: u32 = 0;
    loop {
        match remove().await {
            Ok(()) => return Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => return Ok(()),
            Err(e) if tries < 24 => {
                tries += 1;
                tracing::debug!(error = %e, "{}: still busy, retrying", what());
                // 100 ms, growing to 500 ms: 11 s in all.
                tokio::time::sleep(Duration::from_millis(100 * u64::from(tries.min(5)))).await;
            }
            Err(source) => {
                return Err(RuntimeError::Engine {
                    context: what(),
                    source,
                });
            }
        }
    }
}
