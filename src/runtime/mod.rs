//! The container engine behind a trait. `docker` implements it with bollard
//! against the local engine; a distributed engine would be another
//! implementation of the same trait.

mod checker;
mod create;
pub mod disk;
mod docker;
mod exec;
mod firewall;
mod probe;
mod remove;
mod stats;
mod subnets;
mod tty;
mod watch;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::Stream;
use tokio::io::AsyncWrite;
use uuid::Uuid;

pub use checker::check_env;
pub use docker::{DockerRuntime, RuntimeConfig, connect_docker};
pub use firewall::HostGuard;
pub use stats::Usage;
pub use subnets::SubnetPool;

/// Every Docker object Sandpit creates carries this label (value "true").
pub const LABEL_MANAGED: &str = "sandpit.managed";
/// The sandbox id an object belongs to.
pub const LABEL_SANDBOX: &str = "sandpit.sandbox";
/// The Sandpit installation (data directory) that owns an object.
pub const LABEL_INSTANCE: &str = "sandpit.instance";
pub const LABEL_SCENARIO: &str = "sandpit.scenario";
pub const LABEL_COHORT: &str = "sandpit.cohort";
/// What a container is to its sandbox: `sandbox` (where the learner works)
/// or `checker` (where checks run, out of the learner's sight); or a
/// short-lived helper: `disk-helper` (mounts a sandbox's disk for a Sandpit
/// that is not root), `probe` (proves the host guard).
pub const LABEL_ROLE: &str = "sandpit.role";
/// The role of a container that mounts or unmounts a sandbox's disk.
pub const ROLE_DISK_HELPER: &str = "disk-helper";
/// The role of the host guard's probe.
pub const ROLE_PROBE: &str = "probe";

/// The identity checks run as, in the checker container: no learner process
/// ever runs as it, nor in its process namespace.
pub const CHECKER_USER: &str = "990:990";
/// The checker's own writable directory (a small tmpfs only it can read):
/// its home, its temporary files and the tools Sandpit gives checks.
pub const CHECKER_HOME: &str = "/run/sandpit-check";

/// Errors from the engine, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{context}: {source}")]
    Engine {
        context: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;

/// What a sandbox's container is made from and limited to.
#[derive(Debug, Clone)]
pub struct SandboxSpec {
    pub id: Uuid,
    pub image: String,
    pub hostname: String,
    pub memory_bytes: i64,
    pub nano_cpus: i64,
    pub pids: i64,
    /// Capabilities added back after all are dropped.
    pub capabilities: Vec<String>,
    /// The most the sandbox may write, in bytes: its writable paths share a
    /// file system of this size, and the rest of its file system is
    /// read-only.
    pub disk_bytes: u64,
    /// Extra labels (scenario, cohort); the managed, sandbox and instance
    /// labels are added by the runtime.
    pub labels: BTreeMap<String, String>,
}

/// The engine objects a running sandbox is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxHandle {
    pub container_id: String,
    pub network_id: String,
    /// The sandbox's own address on its network.
    pub address: IpAddr,
    /// Its network's gateway: the host, as the sandbox sees it.
    pub gateway: IpAddr,
}

/// Which of a sandbox's containers a command runs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExecTarget {
    /// Where the learner works (setup, solve, resets, terminals).
    #[default]
    Sandbox,
    /// The checker: its own process namespace, the learner's files
    /// read-only, the learner's network namespace.
    Checker,
}

/// A command to run inside a sandbox.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    pub target: ExecTarget,
    pub cmd: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub env: Vec<String>,
    pub timeout: Duration,
    /// Fed to the command's standard input, which is then closed.
    pub stdin: Option<Vec<u8>>,
}

/// What a command printed and how it ended.
#[derive(Debug, Clone, Default)]
pub struct ExecOutput {
    /// None when the command timed out or its status could not be read.
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub duration: Duration,
}

/// An interactive process to start inside a sandbox, on a TTY.
#[derive(Debug, Clone, Default)]
pub struct TtyRequest {
    pub cmd: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub env: Vec<String>,
    pub rows: u16,
    pub cols: u16,
}

/// A process running on a TTY: what it writes to the terminal, and its
/// keyboard. The output ends when the process exits or its sandbox goes.
pub struct TtyProcess {
    /// Identifies the process to [`SandboxRuntime::resize_tty`].
    pub exec_id: String,
    /// Raw terminal output, in chunks.
    pub output: Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>,
    /// Raw terminal input.
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
}

/// The kind of an engine object Sandpit owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// The container the learner works in.
    Container,
    /// The container checks run in.
    Checker,
    Network,
    /// A writable path's volume.
    Volume,
    /// The file system behind the volumes (an image file and its mount).
    Disk,
}

/// An engine object carrying Sandpit's labels.
#[derive(Debug, Clone)]
pub struct OwnedObject {
    pub kind: ObjectKind,
    pub id: String,
    pub name: String,
    pub sandbox: Option<Uuid>,
    pub instance: Option<String>,
    pub running: bool,
}

/// The container engine as Sandpit needs it.
#[async_trait]
pub trait SandboxRuntime: EngineWatch + Send + Sync {
    /// Creates the sandbox's network and container and starts it.
    async fn create(&self, spec: &SandboxSpec) -> Result<SandboxHandle>;
    /// Unpacks a tar archive at `path` inside the sandbox.
    async fn upload(&self, sandbox: Uuid, path: &str, tar: Vec<u8>) -> Result<()>;
    /// Runs a command and captures its output, within `timeout`.
    async fn exec(&self, sandbox: Uuid, req: ExecRequest) -> Result<ExecOutput>;
    /// Starts an interactive process on a TTY of `req.rows` × `req.cols`.
    async fn exec_tty(&self, sandbox: Uuid, req: TtyRequest) -> Result<TtyProcess>;
    /// Resizes the TTY of a process started with [`exec_tty`](Self::exec_tty).
    async fn resize_tty(&self, exec_id: &str, rows: u16, cols: u16) -> Result<()>;
    /// Removes the sandbox's containers, volumes, disk and network. Already
    /// gone is success.
    async fn remove(&self, sandbox: Uuid) -> Result<()>;
    /// Every object labelled as Sandpit's; only this instance's when `all` is false.
    async fn list_owned(&self, all: bool) -> Result<Vec<OwnedObject>>;
    /// What each sandbox's container uses now; None where the engine did
    /// not answer in time or the container is gone.
    async fn usage_of(&self, sandboxes: &[Uuid]) -> Vec<(Uuid, Option<Usage>)>;
    /// Whether the engine answers, for readiness: its version when it does.
    async fn ping(&self) -> Result<String>;
    /// Whether a sandbox on `image` can open a connection to the host's
    /// own services (the host guard missing or broken); None when this
    /// engine cannot tell.
    async fn host_reachable(&self, _image: &str) -> Result<Option<bool>> {
        Ok(None)
    }
    /// What start-up checks need to know of the engine: its versions, its
    /// clock, the room left for sandboxes' networks. An engine that tells
    /// less leaves those fields empty.
    async fn health(&self) -> Result<EngineHealth> {
        Ok(EngineHealth {
            version: self.ping().await?,
            ..EngineHealth::default()
        })
    }
}

/// The engine as start-up checks see it.
#[derive(Debug, Clone, Default)]
pub struct EngineHealth {
    /// The engine's own version (e.g. `20.10.24+dfsg1`).
    pub version: String,
    /// The API version spoken with it, after negotiation (e.g. `1.41`).
    pub api_version: Option<String>,
    /// The oldest API version the engine accepts, when it says.
    pub min_api_version: Option<String>,
    /// The engine host's clock when it answered.
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
    /// Sandbox networks that can still be made in the configured range,
    /// and how many the range holds; None when the engine has no such pool.
    pub subnets: Option<SubnetRoom>,
}

/// Room in the sandboxes' address range.
#[derive(Debug, Clone, Default)]
pub struct SubnetRoom {
    pub free: u64,
    pub total: u64,
    /// Networks that are not Sandpit's and overlap the range (name, subnet).
    pub foreign: Vec<(String, String)>,
}

/// The name of a sandbox's container and of its network.
pub fn object_name(sandbox: Uuid) -> String {
    format!("sandpit-{sandbox}")
}

/// The name of a sandbox's checker container.
pub fn checker_name(sandbox: Uuid) -> String {
    format!("sandpit-{sandbox}-check")
}

/// How a sandbox's container is, as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerStatus {
    Running,
    /// Stopped: its exit code and whether the kernel killed it for memory.
    Exited {
        code: Option<i64>,
        oom_killed: bool,
    },
    /// The engine has no such container.
    Missing,
}

impl ContainerStatus {
    /// Why a sandbox with this container cannot be used, or None when it can.
    pub fn problem(&self) -> Option<String> {
        match self {
            Self::Running => None,
            Self::Missing => Some("the container was removed".into()),
            Self::Exited { code, oom_killed } => {
                let code = code.map_or_else(|| "no exit code".to_owned(), |c| format!("exit {c}"));
                Some(if *oom_killed {
                    format!("it stopped ({code}, out of memory)")
                } else {
                    format!("it stopped ({code})")
                })
            }
        }
    }
}

/// Something that happened to one of this instance's containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEvent {
    pub sandbox: Uuid,
    /// The engine's action: `die`, `oom` or `destroy`.
    pub action: String,
}

/// The engine's events about this instance's containers; ends or fails when
/// the connection to the engine breaks.
pub type EngineEvents = Pin<Box<dyn Stream<Item = Result<EngineEvent>> + Send>>;

/// Reconcile's view of the engine: a sandbox container's state, and a
/// stream of what happens to containers.
#[async_trait]
pub trait EngineWatch: Send + Sync {
    /// The state of the sandbox's container.
    async fn container_status(&self, sandbox: Uuid) -> Result<ContainerStatus>;
    /// Subscribes to `die`, `oom` and `destroy` events of this instance's containers.
    fn container_events(&self) -> EngineEvents;
}

impl RuntimeError {
    /// True when the engine could not be reached at all (as opposed to an
    /// engine that answered with an error).
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Engine { source, .. } => !matches!(
                source,
                bollard::errors::Error::DockerResponseServerError { .. }
                    | bollard::errors::Error::JsonDataError { .. }
                    | bollard::errors::Error::JsonSerdeError { .. }
            ),
            Self::Other(_) => false,
        }
    }
}
