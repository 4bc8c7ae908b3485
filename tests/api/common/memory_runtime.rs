//! An engine kept in memory, for domain tests that need no real container:
//! it records the containers Sandpit creates and removes, with their labels
//! and statuses, sends the events an engine would, and runs no command but
//! the ones a test scripts. A terminal it refuses, saying why.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sandpit::runtime::{
    ContainerStatus, EngineEvent, EngineEvents, EngineWatch, ExecOutput, ExecRequest,
    LABEL_INSTANCE, LABEL_MANAGED, LABEL_SANDBOX, ObjectKind, OwnedObject, Result, RuntimeError,
    SandboxHandle, SandboxRuntime, SandboxSpec, TtyProcess, TtyRequest, Usage, object_name,
};
use tokio::sync::broadcast;
use uuid::Uuid;

/// What a test says a command prints, given the request; an error is the
/// engine failing to run it.
pub type ExecScript = dyn Fn(Uuid, &ExecRequest) -> Result<ExecOutput> + Send + Sync;

/// A container as the memory engine keeps it.
#[derive(Debug, Clone)]
pub struct MemoryContainer {
    pub spec: SandboxSpec,
    /// Every label, the runtime's own included.
    pub labels: BTreeMap<String, String>,
    pub status: ContainerStatus,
    pub handle: SandboxHandle,
    /// Paths archives were unpacked at, in order.
    pub uploads: Vec<String>,
    /// The commands run in it, in order.
    pub execs: Vec<Vec<String>>,
}

#[derive(Default)]
struct State {
    containers: BTreeMap<Uuid, MemoryContainer>,
    /// Containers ever created and removed through the trait.
    created: u64,
    removed: u64,
    /// Gives each container its own address.
    next_host: u32,
}

/// Sandboxes as records in memory.
pub struct MemoryRuntime {
    instance: String,
    state: Mutex<State>,
    events: broadcast::Sender<EngineEvent>,
    script: Option<Box<ExecScript>>,
}

impl MemoryRuntime {
    /// An engine that labels its containers with `instance` and refuses to
    /// run any command.
    pub fn new(instance: &str) -> Self {
        let (events, _) = broadcast::channel(256);
        Self {
            instance: instance.to_owned(),
            state: Mutex::default(),
            events,
            script: None,
        }
    }

    /// The engine, running commands as `script` says they end.
    pub fn scripted(
        instance: &str,
        script: impl Fn(Uuid, &ExecRequest) -> Result<ExecOutput> + Send + Sync + 'static,
    ) -> Self {
        Self {
            script: Some(Box::new(script)),
            ..Self::new(instance)
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("the memory engine's lock")
    }

    /// The containers there are now, by sandbox.
    pub fn containers(&self) -> BTreeMap<Uuid, MemoryContainer> {
        self.state().containers.clone()
    }

    /// How many containers were created, and removed, through the runtime.
    pub fn created_and_removed(&self) -> (u64, u64) {
        let s = self.state();
        (s.created, s.removed)
    }

    /// A container stops on its own (a crash, the kernel's OOM killer): the
    /// engine says `die` (and `oom` first when it was killed for memory).
    pub fn stop_behind_sandpits_back(&self, sandbox: Uuid, code: i64, oom_killed: bool) {
        let mut s = self.state();
        let container = s.containers.get_mut(&sandbox).expect("a container to stop");
        container.status = ContainerStatus::Exited {
            code: Some(code),
            oom_killed,
        };
        drop(s);
        if oom_killed {
            self.send(sandbox, "oom");
        }
        self.send(sandbox, "die");
    }

    /// Someone else removes a container (`docker rm -f`), quietly: the
    /// engine's events are dropped, as when nobody listens.
    pub fn vanish_quietly(&self, sandbox: Uuid) {
        self.state()
            .containers
            .remove(&sandbox)
            .expect("a container to remove");
    }

    fn send(&self, sandbox: Uuid, action: &str) {
        // Nobody listening is no error: events are not kept.
        let _ = self.events.send(EngineEvent {
            sandbox,
            action: action.to_owned(),
        });
    }

    fn missing(sandbox: Uuid) -> RuntimeError {
        RuntimeError::Other(format!(
            "the memory engine has no container for sandbox {sandbox}"
        ))
    }

    /// The container of `sandbox`, if it is running.
    fn running(&self, sandbox: Uuid) -> Result<std::sync::MutexGuard<'_, State>> {
        let s = self.state();
        match s.containers.get(&sandbox).map(|c| &c.status) {
            Some(ContainerStatus::Running) => Ok(s),
            Some(_) => Err(RuntimeError::Other(format!(
                "the container of sandbox {sandbox} is not running"
            ))),
            None => Err(Self::missing(sandbox)),
        }
    }
}

#[async_trait]
impl SandboxRuntime for MemoryRuntime {
    async fn create(&self, spec: &SandboxSpec) -> Result<SandboxHandle> {
        let mut s = self.state();
        if s.containers.contains_key(&spec.id) {
            return Err(RuntimeError::Other(format!(
                "a container named {} already exists",
                object_name(spec.id)
            )));
        }
        s.next_host += 1;
        let n = s.next_host;
        let mut labels = spec.labels.clone();
        labels.insert(LABEL_MANAGED.into(), "true".into());
        labels.insert(LABEL_SANDBOX.into(), spec.id.to_string());
        labels.insert(LABEL_INSTANCE.into(), self.instance.clone());
        let handle = SandboxHandle {
            container_id: format!("memory-container-{n}"),
            network_id: format!("memory-network-{n}"),
            address: IpAddr::V4(Ipv4Addr::from(0x0ae7_0000 + n * 16 + 2)),
            gateway: IpAddr::V4(Ipv4Addr::from(0x0ae7_0000 + n * 16 + 1)),
        };
        s.containers.insert(
            spec.id,
            MemoryContainer {
                spec: spec.clone(),
                labels,
                status: ContainerStatus::Running,
                handle: handle.clone(),
                uploads: Vec::new(),
                execs: Vec::new(),
            },
        );
        s.created += 1;
        Ok(handle)
    }

    async fn upload(&self, sandbox: Uuid, path: &str, _tar: Vec<u8>) -> Result<()> {
        let mut s = self.running(sandbox)?;
        if let Some(c) = s.containers.get_mut(&sandbox) {
            c.uploads.push(path.to_owned());
        }
        Ok(())
    }

    async fn exec(&self, sandbox: Uuid, req: ExecRequest) -> Result<ExecOutput> {
        {
            let mut s = self.running(sandbox)?;
            if let Some(c) = s.containers.get_mut(&sandbox) {
                c.execs.push(req.cmd.clone());
            }
        }
        match &self.script {
            Some(script) => script(sandbox, &req),
            None => Err(RuntimeError::Other(format!(
                "the memory engine runs no commands (asked to run {:?} in sandbox {sandbox})",
                req.cmd
            ))),
        }
    }

    async fn exec_tty(&self, sandbox: Uuid, _req: TtyRequest) -> Result<TtyProcess> {
        Err(RuntimeError::Other(format!(
            "the memory engine has no terminals (asked for one in sandbox {sandbox})"
        )))
    }

    async fn resize_tty(&self, exec_id: &str, _rows: u16, _cols: u16) -> Result<()> {
        Err(RuntimeError::Other(format!(
            "the memory engine has no terminal {exec_id} to resize"
        )))
    }

    async fn remove(&self, sandbox: Uuid) -> Result<()> {
        let gone = self.state().containers.remove(&sandbox);
        // Already gone is success, as on a real engine.
        if let Some(c) = gone {
            self.state().removed += 1;
            if c.status == ContainerStatus::Running {
                self.send(sandbox, "die");
            }
            self.send(sandbox, "destroy");
        }
        Ok(())
    }

    async fn list_owned(&self, all: bool) -> Result<Vec<OwnedObject>> {
        let s = self.state();
        let mut out = Vec::new();
        for (id, c) in &s.containers {
            let instance = c.labels.get(LABEL_INSTANCE).cloned();
            if !all && instance.as_deref() != Some(self.instance.as_str()) {
                continue;
            }
            let object = |kind, id_: &str, running| OwnedObject {
                kind,
                id: id_.to_owned(),
                name: object_name(*id),
                sandbox: Some(*id),
                instance: instance.clone(),
                running,
            };
            out.push(object(
                ObjectKind::Container,
                &c.handle.container_id,
                c.status == ContainerStatus::Running,
            ));
            out.push(object(ObjectKind::Network, &c.handle.network_id, false));
        }
        Ok(out)
    }

    async fn usage_of(&self, sandboxes: &[Uuid]) -> Vec<(Uuid, Option<Usage>)> {
        // Only the limit is known here; what a container would use is not
        // made up.
        let s = self.state();
        sandboxes
            .iter()
            .map(|id| {
                let usage = s
                    .containers
                    .get(id)
                    .filter(|c| c.status == ContainerStatus::Running)
                    .map(|c| Usage {
                        cpu_percent: None,
                        memory_bytes: None,
                        memory_limit_bytes: u64::try_from(c.spec.memory_bytes).ok(),
                    });
                (*id, usage)
            })
            .collect()
    }

    async fn ping(&self) -> Result<String> {
        Ok("memory".into())
    }
}

#[async_trait]
impl EngineWatch for MemoryRuntime {
    async fn container_status(&self, sandbox: Uuid) -> Result<ContainerStatus> {
        Ok(self
            .state()
            .containers
            .get(&sandbox)
            .map_or(ContainerStatus::Missing, |c| c.status.clone()))
    }

    fn container_events(&self) -> EngineEvents {
        let events = self.events.subscribe();
        Box::pin(futures_util::stream::unfold(
            events,
            |mut events| async move {
                match events.recv().await {
                    Ok(event) => Some((Ok(event), events)),
                    // A listener that fell behind missed events: the stream
                    // breaks, as a real one does, and the listener reconciles.
                    Err(broadcast::error::RecvError::Lagged(n)) => Some((
                        Err(RuntimeError::Other(format!(
                            "{n} engine events were missed"
                        ))),
                        events,
                    )),
                    Err(broadcast::error::RecvError::Closed) => None,
                }
            },
        ))
    }
}

/// Runs every command as though it succeeded and printed nothing, except
/// the seed-data probe (`id -u && id -g`), which prints the scenario user's
/// ids as a Debian image would.
pub fn succeeding(_sandbox: Uuid, req: &ExecRequest) -> Result<ExecOutput> {
    let probe = req.cmd.iter().any(|c| c.contains("id -u && id -g"));
    Ok(ExecOutput {
        exit_code: Some(0),
        stdout: if probe {
            "1000\n1000\n".into()
        } else {
            String::new()
        },
        ..ExecOutput::default()
    })
}

/// The memory runtime as the trait object an App takes.
pub fn shared(runtime: &Arc<MemoryRuntime>) -> Arc<dyn SandboxRuntime> {
    runtime.clone()
}
