//! The host guard as an operator runs it: `sandpit host install` (root,
//! idempotent, `--dry-run` prints the rules), `host check` proving with a
//! probe sandbox that a sandbox cannot reach the host, and `serve` run as an
//! unprivileged user in the docker group, refusing to start while the
//! guard is missing and starting once it is in place. Each test uses an
//! address range of its own and removes its rules.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{InstanceCleanup, fixture_scenarios, sandpit_cli};
use tokio::io::{AsyncBufReadExt, BufReader};

/// `sandpit host <args>` on `range`; (success, stdout, stderr).
async fn host(range: &str, data: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["host"];
    all.extend_from_slice(args);
    let out = sandpit_cli(
        &all,
        &[
            ("SANDPIT_SUBNET_RANGE", range),
            ("SANDPIT_DATA_DIR", data.to_str().unwrap()),
        ],
    )
    .await;
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The guard's rules for `range`, as iptables lists them.
fn rules_for(range: &str) -> Vec<String> {
    let out = std::process::Command::new("iptables")
        .args(["-w", "-S", "SANDPIT-HOSTGUARD"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(range))
        .map(str::to_owned)
        .collect()
}

/// Removes a range's rules when dropped, whatever the test did.
struct RemoveRules(&'static str);

impl Drop for RemoveRules {
    fn drop(&mut self) {
        let data = tempfile::tempdir().unwrap();
        let _ = std::process::Command::new(env!("CARGO_BIN_EXE_sandpit"))
            .args(["host", "remove"])
            .env("SANDPIT_SUBNET_RANGE", self.0)
            .env("SANDPIT_DATA_DIR", data.path())
            .output();
    }
}

fn instance(data: &Path) -> InstanceCleanup {
    InstanceCleanup {
        instance: std::fs::read_to_string(data.join("instance"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
    }
}

#[tokio::test]
async fn dry_run_prints_the_rules_it_would_install() {
    let data = tempfile::tempdir().unwrap();
    let (ok, out, err) = host("10.238.48.0/24", data.path(), &["install", "--dry-run"]).await;
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "# what `sandpit host install` runs, each only where its rule is missing:\n\
         iptables -w -N SANDPIT-HOSTGUARD\n\
         iptables -w -A SANDPIT-HOSTGUARD -s 10.238.48.0/24 -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n\
         iptables -w -A SANDPIT-HOSTGUARD -s 10.238.48.0/24 -j DROP\n\
         iptables -w -I INPUT 1 -j SANDPIT-HOSTGUARD\n"
    );
    assert!(
        rules_for("10.238.48.0/24").is_empty(),
        "a dry run changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_is_idempotent_and_a_probe_sandbox_proves_it_works_then_remove_undoes_it() {
    const RANGE: &str = "10.238.64.0/24";
    let _rules = RemoveRules(RANGE);
    let data = tempfile::tempdir().unwrap();
    let _cleanup = scopeguard(data.path());

    // No rule for this range: the probe reaches the host.
    let (ok, out, _) = host(RANGE, data.path(), &["check"]).await;
    assert!(!ok);
    assert!(
        out.contains("SANDBOXES IN 10.238.64.0/24 CAN REACH THIS HOST'S SERVICES: run `sudo sandpit host install`"),
        "{out}"
    );

    for _ in 0..2 {
        let (ok, out, err) = host(RANGE, data.path(), &["install"]).await;
        assert!(ok, "{err}");
        assert_eq!(
            out,
            "the host guard is in place: new connections from 10.238.64.0/24 to this host are dropped\n"
        );
    }
    assert_eq!(
        rules_for(RANGE),
        [
            "-A SANDPIT-HOSTGUARD -s 10.238.64.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
            "-A SANDPIT-HOSTGUARD -s 10.238.64.0/24 -j DROP",
        ],
        "installed once, however many times it ran"
    );
    let (ok, out, err) = host(RANGE, data.path(), &["check"]).await;
    assert!(ok, "{out}{err}");
    assert_eq!(
        out,
        "sandboxes in 10.238.64.0/24 cannot reach this host: the host guard works\n"
    );

    let (ok, _, err) = host(RANGE, data.path(), &["remove"]).await;
    assert!(ok, "{err}");
    assert!(rules_for(RANGE).is_empty());
    let (ok, _, _) = host(RANGE, data.path(), &["check"]).await;
    assert!(!ok, "without the rule the probe reaches the host again");
}

/// The instance's leftovers swept when the test ends, even a failed one.
fn scopeguard(data: &Path) -> impl Drop {
    struct Sweep(std::path::PathBuf);
    impl Drop for Sweep {
        fn drop(&mut self) {
            drop(instance(&self.0));
        }
    }
    Sweep(data.to_owned())
}

/// The docker group's id: an unprivileged user in it may use the engine.
fn docker_gid() -> String {
    let out = std::process::Command::new("getent")
        .args(["group", "docker"])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    line.split(':')
        .nth(2)
        .unwrap_or_else(|| panic!("no docker group on this machine: {line}"))
        .to_owned()
}

/// `sandpit serve` as `nobody` with the docker group only.
fn serve_unprivileged(data: &Path, range: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("setpriv");
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        &format!("--groups={}", docker_gid()),
        "--inh-caps=-all",
        env!("CARGO_BIN_EXE_sandpit"),
        "serve",
        "--listen",
        "127.0.0.1:0",
    ])
    .env("SANDPIT_DATA_DIR", data)
    .env("SANDPIT_SCENARIOS_DIR", fixture_scenarios())
    .env("SANDPIT_SUBNET_RANGE", range)
    .env("SANDPIT_HOST_GUARD", "required")
    // Within the range's 16 networks.
    .env("SANDPIT_MAX_SANDBOXES", "10")
    .env("HOME", data)
    .env_remove("SANDPIT_CONFIG")
    .env("RUST_LOG", "warn")
    .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_as_an_unprivileged_user_refuses_without_the_guard_and_starts_with_it() {
    const RANGE: &str = "10.238.80.0/24";
    let _rules = RemoveRules(RANGE);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let chown = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&data)
        .status()
        .unwrap();
    assert!(chown.success());
    let _cleanup = scopeguard(&data);

    // No guard: the start stops, saying what to do.
    let out = serve_unprivileged(&data, RANGE).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("cannot start: SANDBOXES CAN REACH THIS HOST'S SERVICES: a probe sandbox in 10.238.80.0/24 opened a connection to the host"),
        "{stderr}"
    );
    assert!(
        stderr.contains("what to do: run `sudo sandpit host install`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: Sandpit cannot start: the host guard is missing"),
        "{stderr}"
    );
    assert!(
        rules_for(RANGE).is_empty(),
        "an unprivileged serve installs nothing"
    );

    // Root installs it once; the unprivileged server starts and serves.
    let (ok, _, err) = host(RANGE, &dir.path().join("root"), &["install"]).await;
    assert!(ok, "{err}");
    let mut server = serve_unprivileged(&data, RANGE)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let serving = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Sandpit is serving ") {
                return url.rsplit(' ').next().unwrap().to_owned();
            }
        }
        panic!("the server stopped before it was ready");
    })
    .await
    .expect("the server started");
    let port = serving.rsplit(':').next().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
            .await
            .unwrap();
        if ready.status() == reqwest::StatusCode::OK {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Its files are its own.
    let store = std::fs::metadata(data.join("sandpit.db")).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&store), 65534);
    server.kill().await.unwrap();
}
