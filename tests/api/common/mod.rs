//! Shared helpers for the integration tests: a Sandpit wired to the real
//! engine and a fresh data directory, and the leftover checks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sandpit::app::App;
use sandpit::config::{Config, HostGuardMode};
use sandpit::runtime::{SandboxRuntime, SandboxSpec};
use tokio::sync::OnceCell;

pub mod api;
pub mod browser;
pub mod http;
pub mod memory_runtime;
pub mod netns;
pub mod pages;
pub mod server;

/// The repository's own scenarios.
pub fn repo_scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Scenarios made for the tests (some deliberately unsound).
pub fn fixture_scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios")
}

/// A test's own Sandpit: fresh data directory (so a fresh instance label),
/// real engine, real store.
pub struct TestApp {
    pub app: App,
    /// Sweeps this instance's leftovers when the test ends; declared before
    /// `data` so that it runs before the data directory is deleted.
    pub sweeper: Sweeper,
    pub data: tempfile::TempDir,
}

impl std::ops::Deref for TestApp {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

pub fn test_config(data: &Path, scenarios: PathBuf) -> Config {
    Config {
        data_dir: data.to_owned(),
        scenarios_dir: Some(scenarios),
        host_guard: HostGuardMode::Required,
        // A free port on loopback, for the tests that serve.
        listen: ([127, 0, 0, 1], 0).into(),
        ..Config::default()
    }
}

static IMAGES: OnceCell<()> = OnceCell::const_new();

/// Builds the bundled images once per test binary (a no-op when current).
pub async fn ensure_images(app: &App) {
    IMAGES
        .get_or_init(|| async {
            app.ensure_images(&[], &|i, m| eprintln!("[{i}] {m}"))
                .await
                .expect("building the bundled images");
        })
        .await;
}

pub async fn test_app(scenarios: PathBuf) -> TestApp {
    let data = tempfile::tempdir().expect("a temporary data directory");
    let app = App::open(test_config(data.path(), scenarios))
        .await
        .expect("opening Sandpit");
    ensure_images(&app).await;
    TestApp::new(app, data)
}

impl TestApp {
    /// A test app on `app`, whose data directory is `data`.
    pub fn new(app: App, data: tempfile::TempDir) -> Self {
        let sweeper = Sweeper::of(&app);
        Self { app, sweeper, data }
    }

    pub fn runtime(&self) -> Arc<dyn SandboxRuntime> {
        self.app.runtime.clone()
    }

    /// Asserts that this test's instance owns no container or network.
    pub async fn assert_nothing_left(&self) {
        let left = self
            .app
            .runtime
            .list_owned(false)
            .await
            .expect("listing owned objects");
        let names: Vec<_> = left
            .iter()
            .map(|o| format!("{:?} {}", o.kind, o.name))
            .collect();
        assert!(names.is_empty(), "objects left behind: {names:?}");
    }
}

/// A connection of the tests' own to the Docker engine, to inspect what a
/// runtime made there; Sandpit's App knows its runtime only by the trait.
pub async fn docker() -> bollard::Docker {
    bollard::Docker::connect_with_local_defaults()
        .expect("connecting to the Docker engine")
        .negotiate_version()
        .await
        .expect("negotiating the Docker API version")
}

/// A plain hardened sandbox spec on the shell image.
pub fn shell_spec(capabilities: &[&str]) -> SandboxSpec {
    SandboxSpec {
        id: uuid::Uuid::new_v4(),
        image: sandpit::images::ImageCatalog::bundled().reference("shell"),
        hostname: "test".into(),
        memory_bytes: 128 * 1024 * 1024,
        nano_cpus: 250_000_000,
        pids: 64,
        capabilities: capabilities.iter().map(|c| (*c).to_owned()).collect(),
        disk_bytes: 256 * 1024 * 1024,
        labels: Default::default(),
    }
}

/// Removes the sandboxes when dropped, so a failing test cleans up too.
/// Uses the docker CLI: a panicking test's async runtime cannot be relied on.
#[derive(Default)]
pub struct Cleanup {
    pub ids: Vec<uuid::Uuid>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            sweep(&format!("label=sandpit.sandbox={id}"));
        }
    }
}

/// Removes, with the docker CLI, every container, volume and network that
/// `filter` selects, and unmounts and deletes the disks behind the volumes.
pub fn sweep(filter: &str) {
    let list = |args: &[&str]| -> Vec<String> {
        std::process::Command::new("docker")
            .args(args)
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let run = |args: &[&str]| {
        let _ = std::process::Command::new("docker").args(args).output();
    };
    for id in list(&["ps", "-aq", "--filter", filter]) {
        run(&["rm", "-f", "-v", &id]);
    }
    for name in list(&["volume", "ls", "-q", "--filter", filter]) {
        // The volume's device is a directory on the sandbox's disk.
        let device = list(&[
            "volume",
            "inspect",
            "--format",
            "{{index .Options \"device\"}}",
            &name,
        ]);
        run(&["volume", "rm", "-f", &name]);
        if let Some(mount) = device
            .first()
            .and_then(|d| std::path::Path::new(d).parent().map(|p| p.to_owned()))
        {
            let _ = std::process::Command::new("umount").arg(&mount).output();
            let _ = std::fs::remove_dir(&mount);
            let _ = std::fs::remove_file(mount.with_extension("img"));
        }
    }
    for id in list(&["network", "ls", "-q", "--filter", filter]) {
        run(&["network", "rm", &id]);
    }
}

/// What a test's Sandpit leaves behind is swept when the test ends, passed
/// or failed: the sandboxes still being provisioned are waited for (on a
/// multi-threaded runtime; a single-threaded one cannot run them while this
/// blocks), then every object labelled with the instance is removed and
/// every disk still mounted in its data directory unmounted. A sandbox half
/// made when the test's runtime stops would otherwise leave its network and
/// disk behind.
pub struct Sweeper {
    instance: String,
    disks: PathBuf,
    service: sandpit::sandbox::SandboxService,
}

impl Sweeper {
    pub fn of(app: &App) -> Self {
        Self {
            instance: InstanceCleanup::of(app).instance.clone(),
            disks: app.config.data_dir.join("disks"),
            service: app.service.clone(),
        }
    }

    /// Waits (at most 30 s) for the sandboxes being provisioned, when the
    /// runtime can run them meanwhile.
    fn wait_for_provisioning(&self) {
        use tokio::runtime::{Handle, RuntimeFlavor};
        let Ok(handle) = Handle::try_current() else {
            return;
        };
        if handle.runtime_flavor() == RuntimeFlavor::MultiThread {
            tokio::task::block_in_place(|| {
                handle.block_on(
                    self.service
                        .finish_tasks(std::time::Duration::from_secs(30)),
                )
            });
        }
    }
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.wait_for_provisioning();
        sweep(&format!("label=sandpit.instance={}", self.instance));
        unmount_disks_in(&self.disks);
    }
}

/// Unmounts every sandbox disk mounted under `dir` and deletes it.
pub fn unmount_disks_in(dir: &Path) {
    let Ok(mounts) = std::fs::read_to_string("/proc/mounts") else {
        return;
    };
    for mount in mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(PathBuf::from)
        .filter(|m| m.parent() == Some(dir))
    {
        let _ = std::process::Command::new("umount").arg(&mount).output();
        let _ = std::fs::remove_dir(&mount);
        let _ = std::fs::remove_file(mount.with_extension("img"));
    }
}

/// Removes everything labelled with a test app's instance when dropped, so
/// a failing test that made sandboxes it does not know the ids of (a warm
/// pool's) cleans up too. Uses the docker CLI, like [`Cleanup`].
pub struct InstanceCleanup {
    pub instance: String,
}

impl InstanceCleanup {
    pub fn of(app: &App) -> Self {
        let instance = std::fs::read_to_string(app.config.data_dir.join("instance"))
            .expect("the instance id")
            .trim()
            .to_owned();
        Self { instance }
    }
}

impl Drop for InstanceCleanup {
    fn drop(&mut self) {
        sweep(&format!("label=sandpit.instance={}", self.instance));
    }
}

/// Runs the built binary with `args` and `env` (and no ambient SANDPIT_*
/// settings that would point it elsewhere).
pub async fn sandpit_cli(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"));
    cmd.args(args)
        .env_remove("SANDPIT_SERVER")
        .env_remove("SANDPIT_TOKEN")
        .env_remove("SANDPIT_CONFIG")
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("running sandpit")
}

/// Waits up to `within` for a spawned `sandpit serve` (its stdout piped)
/// to say it serves ("Sandpit is serving N scenarios at URL"), and returns
/// that URL. The rest of its output is read until it exits, so that its
/// later lines never meet a closed pipe.
pub async fn served_url(server: &mut tokio::process::Child, within: std::time::Duration) -> String {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let stdout = server.stdout.take().expect("serve's stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(within, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some((_, url)) = line
                .strip_prefix("Sandpit is serving ")
                .and_then(|rest| rest.rsplit_once(" at "))
            {
                return url.to_owned();
            }
        }
        panic!("the server stopped before saying where it serves");
    })
    .await
    .expect("the server started");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    url
}

/// Stops a `sandpit serve` this test started as an operator would
/// (SIGTERM, to that process only) and asserts it stopped cleanly.
pub async fn stop_gracefully(server: &mut tokio::process::Child) {
    let pid = server.id().expect("the server is running");
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a child's pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM sent");
    let status = tokio::time::timeout(std::time::Duration::from_secs(60), server.wait())
        .await
        .expect("the server stopped within a minute")
        .unwrap();
    assert!(status.success(), "{status}");
}

/// A test app whose configuration `adjust` changes first.
pub async fn test_app_with(scenarios: PathBuf, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let data = tempfile::tempdir().expect("a temporary data directory");
    let mut config = test_config(data.path(), scenarios);
    adjust(&mut config);
    let app = App::open(config).await.expect("opening Sandpit");
    ensure_images(&app).await;
    TestApp::new(app, data)
}

/// An account whose owner already replaced the password printed for them
/// (the change page's own call); returns the password they chose.
pub async fn settled_account(
    app: &App,
    name: &str,
    role: sandpit::store::Role,
) -> (sandpit::store::User, String) {
    let (user, printed) = app.auth.create_user(name, role).await.unwrap();
    let chosen = format!("{name}'s own password");
    let first = app.auth.login(name, &printed, "127.0.0.1").await.unwrap();
    app.auth
        .change_password(&user, &printed, &chosen, "127.0.0.1", &first.cookie)
        .await
        .unwrap();
    app.auth.logout(&first.cookie).await.unwrap();
    let user = app.store.user(user.id).await.unwrap().unwrap();
    (user, chosen)
}
