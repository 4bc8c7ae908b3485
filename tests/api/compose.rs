//! Sandpit as a container, with the shipped `deploy/compose/compose.yaml`
//! and Debian's docker-compose, as an operator runs it: the image `sandpit
//! images server` builds from this build's binary, the host prepared as
//! root (`sandpit host install` for the disks directory and the test's
//! address range), then `docker-compose up`. The containerised Sandpit runs
//! as an unprivileged user in the host's docker group; behind Caddy over
//! HTTPS a learner's browser reaches it by its public name and completes
//! an exercise in the terminal. Everything is torn down
//! by that Sandpit, then `docker-compose down -v` leaves nothing behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{InstanceCleanup, sandpit_cli};
use crate::host_guard::docker_gid;
use crate::reverse_proxy::{Caddy, PUBLIC, TOOLS, free_port, learner_works_through};

const RANGE: &str = "10.238.120.0/22";
/// The image's user (deploy/compose/Dockerfile).
const IMAGE_UID: &str = "2000";

/// A Compose project: `docker-compose -p <name> -f compose.yaml`, with its
/// environment; taken down with its volumes when dropped.
struct Project {
    name: String,
    env: Vec<(String, String)>,
}

impl Project {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("docker-compose");
        cmd.arg("-p")
            .arg(&self.name)
            .arg("-f")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/compose/compose.yaml"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs `docker-compose <args>`; its stdout.
    fn run(&self, args: &[&str]) -> String {
        let out = self
            .command(args)
            .output()
            .expect("docker-compose is installed (apt-get install docker-compose)");
        assert!(out.status.success(), "docker-compose {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// `sandpit <args>` in the running service's container, as its user.
    fn sandpit(&self, args: &[&str]) -> String {
        let mut all = vec!["exec", "-T", "sandpit", "sandpit"];
        all.extend_from_slice(args);
        self.run(&all)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.command(&["down", "-v", "--timeout", "10"]).output();
    }
}

/// Removes the server image the test built (both its tags) when dropped.
struct RemoveImage(String);

impl Drop for RemoveImage {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", &self.0, "sandpit/server:latest"])
            .output();
    }
}

/// Undoes the host set-up when dropped.
struct Undo(Vec<(String, String)>);

impl Drop for Undo {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_sandpit"))
            .args(["host", "remove"])
            .envs(self.0.iter().map(|(k, v)| (k, v)))
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compose_runs_an_unprivileged_sandpit_that_a_learner_works_in_behind_caddy() {
    let dir = tempfile::tempdir().unwrap();

    // The image of Sandpit, with this build's binary.
    let built = sandpit_cli(&["images", "server"], &[]).await;
    assert!(built.status.success(), "{built:?}");
    let reference = String::from_utf8(built.stdout).unwrap().trim().to_owned();
    assert!(reference.starts_with("sandpit/server:"), "{reference}");
    let _image = RemoveImage(reference.clone());

    // The host, prepared as root: the disks directory owned by the
    // image's user and made a shared mount, the guard for the range.
    let disks: PathBuf = dir.path().join("sandpit-disks");
    std::fs::create_dir(&disks).unwrap();
    let owned = Command::new("chown")
        .arg(format!("{IMAGE_UID}:{IMAGE_UID}"))
        .arg(&disks)
        .status()
        .unwrap();
    assert!(owned.success());
    let host_env = vec![
        ("SANDPIT_DISKS_DIR".to_owned(), disks.display().to_string()),
        ("SANDPIT_SUBNET_RANGE".to_owned(), RANGE.to_owned()),
        (
            "SANDPIT_DATA_DIR".to_owned(),
            dir.path().join("host").display().to_string(),
        ),
    ];
    let _undo = Undo(host_env.clone());
    let install = sandpit_cli(
        &["host", "install"],
        &host_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
    )
    .await;
    assert!(install.status.success(), "{install:?}");

    // docker-compose up, with the settings an operator puts in `.env`.
    let (sandpit_port, port) = (free_port(), free_port());
    let project = Project {
        name: format!(
            "sandpit-test-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ),
        env: vec![
            ("DOCKER_GID".into(), docker_gid()),
            ("SANDPIT_LISTEN".into(), format!("127.0.0.1:{sandpit_port}")),
            (
                "SANDPIT_PUBLIC_URL".into(),
                format!("https://{PUBLIC}:{port}"),
            ),
            ("SANDPIT_SANDBOX_DOMAIN".into(), TOOLS.into()),
            ("SANDPIT_SUBNET_RANGE".into(), RANGE.into()),
            ("SANDPIT_DISKS_DIR".into(), disks.display().to_string()),
        ],
    };
    project.run(&["up", "-d"]);
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    loop {
        let ready = http
            .get(format!("http://127.0.0.1:{sandpit_port}/readyz"))
            .send()
            .await;
        if ready.is_ok_and(|r| r.status() == reqwest::StatusCode::OK) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never ready: {}",
            project.run(&["logs", "--no-color", "sandpit"])
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _cleanup = InstanceCleanup {
        instance: project
            .run(&["exec", "-T", "sandpit", "cat", "/var/lib/sandpit/instance"])
            .trim()
            .to_owned(),
    };
    // Not root in its container.
    assert_eq!(
        project.run(&["exec", "-T", "sandpit", "id", "-u"]).trim(),
        IMAGE_UID
    );

    let caddy = Caddy::start(dir.path(), port, ([127, 0, 0, 1], sandpit_port).into()).await;
    let git = project.sandpit(&[
        "link",
        "create",
        "--scenario",
        "git-basics",
        "--name",
        "Ada",
    ]);
    // One exercise through it (the wiki through Caddy is the systemd
    // unit's test's part).
    learner_works_through(dir.path(), &caddy.root, port, git.trim(), None).await;

    // Torn down by the containerised Sandpit; then nothing of it is left.
    let token = project.sandpit(&["token", "create", "--user", "admin", "--name", "ops"]);
    project.sandpit(&[
        "teardown",
        "--all",
        "--server",
        &format!("http://127.0.0.1:{sandpit_port}"),
        "--token",
        token.trim(),
    ]);
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    assert!(
        !mounts.contains(&format!("{}/sandpit-", disks.display())),
        "{mounts}"
    );
    project.run(&["down", "-v", "--timeout", "10"]);
    let volumes = Command::new("docker")
        .args(["volume", "ls", "-q", "--filter"])
        .arg(format!("name={}_data", project.name))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&volumes.stdout).trim(), "");
    drop(caddy);
}
