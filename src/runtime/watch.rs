//! What reconcile asks of the Docker engine: a container's state, and the
//! event stream filtered on this instance's label.

use std::collections::HashMap;

use async_trait::async_trait;
use bollard::query_parameters::{EventsOptionsBuilder, InspectContainerOptions};
use futures_util::StreamExt;
use uuid::Uuid;

use super::{
    ContainerStatus, DockerRuntime, EngineEvent, EngineEvents, EngineWatch, LABEL_INSTANCE,
    LABEL_ROLE, LABEL_SANDBOX, ROLE_DISK_HELPER, ROLE_PROBE, RuntimeError, object_name,
};

#[async_trait]
impl EngineWatch for DockerRuntime {
    async fn container_status(&self, sandbox: Uuid) -> super::Result<ContainerStatus> {
        match self
            .docker()
            .inspect_container(&object_name(sandbox), None::<InspectContainerOptions>)
            .await
        {
            Ok(c) => {
                let state = c.state.unwrap_or_default();
                Ok(if state.running == Some(true) {
                    ContainerStatus::Running
                } else {
                    ContainerStatus::Exited {
                        code: state.exit_code,
                        oom_killed: state.oom_killed == Some(true),
                    }
                })
            }
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(ContainerStatus::Missing),
            Err(source) => Err(RuntimeError::Engine {
                context: format!("inspecting the container of sandbox {sandbox}"),
                source,
            }),
        }
    }

    fn container_events(&self) -> EngineEvents {
        let filters = HashMap::from([
            (
                "label",
                vec![format!("{LABEL_INSTANCE}={}", self.config().instance)],
            ),
            ("type", vec!["container".to_owned()]),
            (
                "event",
                vec!["die".to_owned(), "oom".to_owned(), "destroy".to_owned()],
            ),
        ]);
        let options = EventsOptionsBuilder::new().filters(&filters).build();
        let stream = self
            .docker()
            .events(Some(options))
            .filter_map(|event| async move {
                match event {
                    Ok(message) => {
                        let actor = message.actor?;
                        let attributes = actor.attributes.as_ref()?;
                        // Short-lived helpers (disk mounts, the host-guard
                        // probe) end by design.
                        if attributes
                            .get(LABEL_ROLE)
                            .is_some_and(|r| r == ROLE_DISK_HELPER || r == ROLE_PROBE)
                        {
                            return None;
                        }
                        let sandbox = attributes
                            .get(LABEL_SANDBOX)
                            .and_then(|s| Uuid::parse_str(s).ok())?;
                        Some(Ok(EngineEvent {
                            sandbox,
                            action: message.action.unwrap_or_default(),
                        }))
                    }
                    Err(source) => Some(Err(RuntimeError::Engine {
                        context: "reading the engine's events".into(),
                        source,
                    })),
                }
            });
        Box::pin(stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_container_says_how_it_stopped() {
        let oom = ContainerStatus::Exited {
            code: Some(137),
            oom_killed: true,
        };
        assert_eq!(
            oom.problem().as_deref(),
            Some("it stopped (exit 137, out of memory)")
        );
        assert_eq!(
            ContainerStatus::Missing.problem().as_deref(),
            Some("the container was removed")
        );
        assert_eq!(ContainerStatus::Running.problem(), None);
    }

    #[test]
    fn only_an_engine_that_does_not_answer_is_unreachable() {
        let io = RuntimeError::Engine {
            context: "x".into(),
            source: bollard::errors::Error::IOError {
                err: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            },
        };
        assert!(io.is_unreachable());
        let answered = RuntimeError::Engine {
            context: "x".into(),
            source: bollard::errors::Error::DockerResponseServerError {
                status_code: 500,
                message: "no".into(),
            },
        };
        assert!(!answered.is_unreachable());
    }
}
