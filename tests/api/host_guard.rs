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

/// Undoes `host install` for a range and data directory when dropped,
/// whatever the test did.
struct RemoveRules(&'static str, std::path::PathBuf);

impl Drop for RemoveRules {
    fn drop(&mut self) {
        let _ = std::process::Command::new(env!("CARGO_BIN_EXE_sandpit"))
            .args(["host", "remove"])
            .env("SANDPIT_SUBNET_RANGE", self.0)
            .env("SANDPIT_DATA_DIR", &self.1)
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
        format!(
            "# what `sandpit host install` runs, each only where its rule is missing:\n\
             iptables -w -N SANDPIT-HOSTGUARD\n\
             iptables -w -A SANDPIT-HOSTGUARD -s 10.238.48.0/24 -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n\
             iptables -w -A SANDPIT-HOSTGUARD -s 10.238.48.0/24 -j DROP\n\
             iptables -w -I INPUT 1 -j SANDPIT-HOSTGUARD\n\
             # and, unless the mount holding {disks} is shared already (for a serve that is not root):\n\
             mount --bind {disks} {disks}\n\
             mount --make-shared {disks}\n",
            disks = data.path().join("disks").display()
        )
    );
    assert!(
        !data.path().join("disks").exists(),
        "a dry run makes nothing"
    );
    assert!(
        rules_for("10.238.48.0/24").is_empty(),
        "a dry run changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_is_idempotent_and_a_probe_sandbox_proves_it_works_then_remove_undoes_it() {
    const RANGE: &str = "10.238.64.0/24";
    let data = tempfile::tempdir().unwrap();
    let _cleanup = scopeguard(data.path());
    let _rules = RemoveRules(RANGE, data.path().to_owned());

    // No rule for this range: the probe reaches the host.
    let (ok, out, _) = host(RANGE, data.path(), &["check"]).await;
    assert!(!ok);
    assert!(
        out.contains("SANDBOXES IN 10.238.64.0/24 CAN REACH THIS HOST'S SERVICES: run `sudo sandpit host install`"),
        "{out}"
    );

    let disks = data.path().join("disks");
    for made in [" (made one now)", ""] {
        let (ok, out, err) = host(RANGE, data.path(), &["install"]).await;
        assert!(ok, "{err}");
        assert_eq!(
            out,
            format!(
                "the host guard is in place: new connections from 10.238.64.0/24 to this host are dropped\n\
                 sandboxes' disks go to {}, a shared mount{made}\n",
                disks.display()
            )
        );
    }
    assert!(sandpit::runtime::disk::is_shared(&disks));
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

    let (ok, out, err) = host(RANGE, data.path(), &["remove"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("is no longer a mount of its own"), "{out}");
    assert!(rules_for(RANGE).is_empty());
    assert!(
        !std::fs::read_to_string("/proc/self/mounts")
            .unwrap()
            .contains(&disks.display().to_string())
    );
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
pub(crate) fn docker_gid() -> String {
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
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let _rules = RemoveRules(RANGE, data.clone());
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
    let (ok, out, err) = host(RANGE, &data, &["install"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "sandboxes' disks go to {}, a shared mount",
            data.join("disks").display()
        )),
        "{out}"
    );
    let mut server = serve_unprivileged(&data, RANGE)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let serving = crate::common::served_url(&mut server, Duration::from_secs(120)).await;
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

    // A learner's sandbox, its disk mounted by the engine's helper: a
    // check fails, the learner does the work, the check passes.
    let link = unprivileged(&data, &["link", "create", "--scenario", "tiny", "--json"]).await;
    let link: serde_json::Value = serde_json::from_str(&link).unwrap();
    let sandbox = link["sandbox"].as_str().unwrap().to_owned();
    let page = link["url"].as_str().unwrap().to_owned();
    let mount = data.join(format!("disks/sandpit-{sandbox}"));
    assert!(
        std::fs::read_to_string("/proc/self/mounts")
            .unwrap()
            .contains(&format!(" {} ext4 ", mount.display())),
        "the sandbox's own disk is mounted on the host"
    );
    let base = format!("http://127.0.0.1:{port}");
    let path = page
        .split_once("/s/")
        .map(|(_, t)| format!("/s/{t}"))
        .unwrap();
    let check = |expect: &'static str| {
        let url = format!("{base}{path}/check/make-file");
        let origin = serving.clone();
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .header("origin", origin)
                .header("accept", "application/json")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::OK);
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["outcome"], expect, "{body}");
        }
    };
    check("failed").await;
    let touched = std::process::Command::new("docker")
        .args([
            "exec",
            &format!("sandpit-{sandbox}"),
            "sh",
            "-c",
            "touch \"$HOME/done.txt\"",
        ])
        .output()
        .unwrap();
    assert!(touched.status.success(), "{touched:?}");
    check("passed").await;

    // Torn down through the unprivileged server: the helper unmounts it.
    let token = unprivileged(
        &data,
        &["token", "create", "--user", "admin", "--name", "t"],
    )
    .await;
    let torn = unprivileged(
        &data,
        &[
            "teardown",
            "--sandbox",
            &sandbox,
            "--server",
            &base,
            "--token",
            token.trim(),
        ],
    )
    .await;
    assert!(!torn.is_empty());
    assert!(
        !std::fs::read_to_string("/proc/self/mounts")
            .unwrap()
            .contains(&mount.display().to_string()),
        "the disk is unmounted"
    );
    assert!(!mount.exists(), "and its mount point removed");
    server.kill().await.unwrap();
}

/// Runs `sandpit <args>` as the unprivileged user on `data`; its stdout.
async fn unprivileged(data: &Path, args: &[&str]) -> String {
    let out = tokio::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            &format!("--groups={}", docker_gid()),
        ])
        .arg(env!("CARGO_BIN_EXE_sandpit"))
        .args(args)
        .env("SANDPIT_DATA_DIR", data)
        .env("SANDPIT_SCENARIOS_DIR", fixture_scenarios())
        .env("HOME", data)
        .env_remove("SANDPIT_CONFIG")
        .env_remove("SANDPIT_SERVER")
        .env_remove("SANDPIT_TOKEN")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "sandpit {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}
