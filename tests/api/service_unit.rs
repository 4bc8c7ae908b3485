//! The systemd unit shipped in `deploy/systemd/sandpit.service`, as an
//! operator installs it: `systemd-analyze verify` finds nothing wrong, and
//! its own commands run as it says (no systemd runs the tests' machine):
//! `ExecStartPre=+` as root, then `ExecStart` as an unprivileged user in the
//! docker group, with the unit's environment and a configuration file like
//! the operator's guide gives. That Sandpit, behind Caddy over HTTPS, is
//! reached by a browser by its public name: a learner completes an exercise
//! in the terminal, then signs in to the wiki in the page's frame (under
//! the tools' wildcard name) and passes its check. Then everything is torn
//! down by
//! that same unprivileged Sandpit and the host set-up is undone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::common::InstanceCleanup;
use crate::host_guard::docker_gid;
use crate::reverse_proxy::{Caddy, PUBLIC, TOOLS, free_port, learner_works_through};

const UNIT: &str = "deploy/systemd/sandpit.service";
const BINARY: &str = "/usr/local/bin/sandpit";
const RANGE: &str = "10.238.112.0/22";

/// The `[Service]` settings of the unit: every value of each key.
fn service(unit: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut section = "";
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if section == "[Service]"
            && !line.is_empty()
            && !line.starts_with('#')
            && let Some((key, value)) = line.split_once('=')
        {
            out.entry(key.to_owned())
                .or_default()
                .push(value.to_owned());
        }
    }
    out
}

/// Undoes `host install` for the test's range and data directory.
struct Undo(PathBuf, PathBuf);

impl Drop for Undo {
    fn drop(&mut self) {
        let _ = std::process::Command::new(env!("CARGO_BIN_EXE_sandpit"))
            .args(["host", "remove"])
            .env("SANDPIT_CONFIG", &self.0)
            .env("SANDPIT_DATA_DIR", &self.1)
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_units_commands_bring_up_an_unprivileged_sandpit_behind_caddy_for_a_learner() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(UNIT)).unwrap();
    let dir = tempfile::tempdir().unwrap();

    // systemd's own check of the unit, with the binary where it is here.
    let checked = dir.path().join("sandpit.service");
    std::fs::write(
        &checked,
        text.replace(BINARY, env!("CARGO_BIN_EXE_sandpit")),
    )
    .unwrap();
    let verify = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&checked)
        .output()
        .expect("systemd-analyze is installed (Debian's systemd package)");
    assert!(verify.status.success(), "{verify:?}");
    assert_eq!(String::from_utf8_lossy(&verify.stderr), "", "no warning");

    let unit = service(&text);
    assert_eq!(unit["User"], ["sandpit"]);
    assert_eq!(unit["SupplementaryGroups"], ["docker"]);
    assert_eq!(unit["StateDirectory"], ["sandpit"]);
    assert_eq!(unit["ExecStartPre"], [format!("+{BINARY} host install")]);
    assert_eq!(unit["ExecStart"], [format!("{BINARY} serve")]);
    let mut env: BTreeMap<String, String> = unit["Environment"]
        .iter()
        .filter_map(|e| e.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(env["SANDPIT_CONFIG"], "/etc/sandpit/sandpit.toml");
    assert_eq!(env["SANDPIT_DATA_DIR"], "/var/lib/sandpit");

    // The machine's paths, in the test's folder: the state directory
    // systemd makes for the service's user, the operator's configuration.
    let data = dir.path().join("var/lib/sandpit");
    std::fs::create_dir_all(&data).unwrap();
    let made = std::process::Command::new("chown")
        .args(["65534:65534"])
        .arg(&data)
        .status()
        .unwrap();
    assert!(made.success());
    let (sandpit_port, port) = (free_port(), free_port());
    let config = dir.path().join("etc/sandpit/sandpit.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{sandpit_port}\"\n\
             public_url = \"https://{PUBLIC}:{port}\"\n\
             sandbox_domain = \"{TOOLS}\"\n\
             trusted_proxies = [\"127.0.0.1\"]\n\
             subnet_range = \"{RANGE}\"\n\
             host_guard = \"required\"\n\
             max_sandboxes = 20\n"
        ),
    )
    .unwrap();
    env.insert("SANDPIT_CONFIG".into(), config.display().to_string());
    env.insert("SANDPIT_DATA_DIR".into(), data.display().to_string());
    let _undo = Undo(config.clone(), data.clone());

    // ExecStartPre=+…: as root.
    let pre = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"))
        .args(["host", "install"])
        .envs(&env)
        .env_remove("SANDPIT_SERVER")
        .env_remove("SANDPIT_TOKEN")
        .output()
        .await
        .unwrap();
    assert!(pre.status.success(), "{pre:?}");

    // ExecStart: as the service's user (here nobody) in the docker group.
    let as_user = |args: &[&str]| {
        let mut cmd = tokio::process::Command::new("setpriv");
        cmd.args([
            "--reuid=65534",
            "--regid=65534",
            &format!("--groups={}", docker_gid()),
        ])
        .arg("--inh-caps=-all")
        .arg(env!("CARGO_BIN_EXE_sandpit"))
        .args(args)
        .envs(&env)
        .env("HOME", &data)
        .env("RUST_LOG", "warn")
        .env_remove("SANDPIT_SERVER")
        .env_remove("SANDPIT_TOKEN")
        .kill_on_drop(true);
        cmd
    };
    let mut serve = as_user(&["serve"]).stdout(Stdio::piped()).spawn().unwrap();
    let url = crate::common::served_url(&mut serve, Duration::from_secs(300)).await;
    assert_eq!(url, format!("https://{PUBLIC}:{port}"));
    let _cleanup = InstanceCleanup {
        instance: std::fs::read_to_string(data.join("instance"))
            .unwrap()
            .trim()
            .to_owned(),
    };
    let caddy = Caddy::start(dir.path(), port, ([127, 0, 0, 1], sandpit_port).into()).await;

    // The learner's links, made by the service's user.
    let link = |scenario: &'static str| {
        let cmd = as_user(&["link", "create", "--scenario", scenario, "--name", "Ada"]);
        async move {
            let mut cmd = cmd;
            let out = cmd.output().await.unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        }
    };
    // A git exercise through it (the terminal's websocket, a check), then
    // the wiki signed in to and edited in the frame under the wildcard name
    // over HTTP/2.
    let git = link("git-basics").await;
    let wiki = link("wiki-basics").await;
    learner_works_through(dir.path(), &caddy.root, port, &git, Some(&wiki)).await;

    // Torn down by the service's Sandpit: nothing of it stays on the engine
    // or mounted.
    let token = as_user(&["token", "create", "--user", "admin", "--name", "ops"])
        .output()
        .await
        .unwrap();
    assert!(token.status.success(), "{token:?}");
    let token = String::from_utf8(token.stdout).unwrap();
    let torn = as_user(&[
        "teardown",
        "--all",
        "--server",
        &format!("http://127.0.0.1:{sandpit_port}"),
        "--token",
        token.trim(),
    ])
    .output()
    .await
    .unwrap();
    assert!(torn.status.success(), "{torn:?}");
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    assert!(
        !mounts.contains(&format!("{}/sandpit-", data.join("disks").display())),
        "{mounts}"
    );
    serve.kill().await.unwrap();
    drop(caddy);
}
