//! The real binary killed with SIGKILL during a 20-sandbox launch and during
//! a teardown, then restarted on the same data directory: after reconcile
//! nothing is orphaned either way, no attempt is lost, every learner link
//! works, pools resume, and a step's reset still runs its script.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::http::check;
use crate::common::{InstanceCleanup, fixture_scenarios};
use crate::terminal::client::Term;
use reqwest::StatusCode;
use sandpit::store::{SandboxState, Store};
use serde_json::{Value, json};

/// A `sandpit` process; killed with SIGKILL when dropped.
struct Sandpit(Child);

impl Drop for Sandpit {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(data: &Path, port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sandpit"));
    cmd.env("SANDPIT_DATA_DIR", data)
        .env("SANDPIT_LISTEN", format!("127.0.0.1:{port}"))
        .env("SANDPIT_SCENARIOS_DIR", fixture_scenarios())
        .env("SANDPIT_HOST_GUARD", "required")
        .env("SANDPIT_PROVISION_CONCURRENCY", "4");
    cmd
}

fn cli(data: &Path, args: &[&str]) -> String {
    let out = command(data, 1).args(args).output().unwrap();
    assert!(out.status.success(), "sandpit {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Starts `sandpit serve` and waits until it is ready.
async fn serve(data: &Path, port: u16, http: &reqwest::Client) -> Sandpit {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("server.log"))
        .unwrap();
    let child = command(data, port)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let server = Sandpit(child);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status() == StatusCode::OK
        {
            return server;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never answered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Api<'a> {
    http: &'a reqwest::Client,
    base: String,
    token: String,
}

impl Api<'_> {
    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "POST {path}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn cohort(&self, name: &str, seats: u32) -> Value {
        let now = chrono::Utc::now();
        // Beyond the launch lead: only the launch below starts its pool.
        self.post(
            "/cohorts",
            json!({
                "name": name, "scenario": "tiny", "seats": seats, "spare": 0,
                "starts_at": (now + chrono::TimeDelta::hours(2)).to_rfc3339(),
                "ends_at": (now + chrono::TimeDelta::hours(4)).to_rfc3339(),
            }),
        )
        .await
    }

    /// Waits until `done` holds for the cohort's pool counts.
    async fn wait_pool(&self, id: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let status = self.get(&format!("/cohorts/{id}/status")).await;
            if done(&status["counts"]) {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "pool never got there: {status}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Sandbox ids of this instance's containers and of its networks.
fn engine_sandboxes(instance: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let filter = format!("label=sandpit.instance={instance}");
    let format = "{{.Label \"sandpit.sandbox\"}}";
    let list = |args: &[&str]| -> BTreeSet<String> {
        let out = Command::new("docker").args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    (
        list(&["ps", "-a", "--filter", &filter, "--format", format]),
        list(&["network", "ls", "--filter", &filter, "--format", format]),
    )
}

/// Opens a link's terminal as its page does and runs a command in it.
async fn terminal_works(link: &str, port: u16) {
    let url = format!("{}/terminal", link.replacen("http://", "ws://", 1));
    // The public URL's origin (the server's own on loopback).
    let origin = format!("http://sandpit.localhost:{port}");
    let mut term = Term::connect(&url, Some(&origin)).await.unwrap();
    term.wait_for("the first frame", |t| t.frames > 0).await;
    term.run("echo alive-$((40+2))", "alive-42").await;
}

async fn live_sandboxes(data: &Path) -> BTreeSet<String> {
    let store = Store::open(data).await.unwrap();
    let live = store
        .sandboxes_in(&[
            SandboxState::Provisioning,
            SandboxState::Ready,
            SandboxState::Claimed,
        ])
        .await
        .unwrap();
    store.close().await;
    live.iter().map(|r| r.id.to_string()).collect()
}

#[tokio::test]
async fn sigkill_during_a_launch_and_a_teardown_leaves_nothing_orphaned_and_loses_nothing() {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // 1. SIGKILL in the middle of a 20-sandbox launch.
    let server = serve(data, port, &http).await;
    cli(
        data,
        &["user", "create", "--name", "trainer", "--role", "trainer"],
    );
    let token: Value = serde_json::from_str(&cli(
        data,
        &[
            "token", "create", "--user", "trainer", "--name", "t", "--json",
        ],
    ))
    .unwrap();
    let instance = std::fs::read_to_string(data.join("instance"))
        .unwrap()
        .trim()
        .to_owned();
    let _cleanup = InstanceCleanup {
        instance: instance.clone(),
    };
    // Declared after the clean-up, so a failing test stops the server
    // before sweeping (a live server would refill its pools meanwhile).
    let server = server;
    let api = Api {
        http: &http,
        base: format!("http://127.0.0.1:{port}"),
        token: token["token"].as_str().unwrap().to_owned(),
    };

    let a = api.cohort("Twenty", 20).await;
    let a_id = a["id"].as_str().unwrap().to_owned();
    api.post(&format!("/cohorts/{a_id}/launch"), json!({}))
        .await;
    api.wait_pool(&a_id, Duration::from_secs(60), |c| {
        c["ready"].as_u64() >= Some(4)
    })
    .await;
    drop(server);
    let (containers, _) = engine_sandboxes(&instance);
    let store = Store::open(data).await.unwrap();
    let interrupted: Vec<_> = store
        .sandboxes_in(&[SandboxState::Provisioning])
        .await
        .unwrap();
    store.close().await;
    eprintln!(
        "killed with {} containers, {} provisioning",
        containers.len(),
        interrupted.len()
    );

    // 2. Restart: interrupted provisioning is failed, the pool resumes.
    let server = serve(data, port, &http).await;
    let store = Store::open(data).await.unwrap();
    for r in &interrupted {
        let now = store.sandbox(r.id).await.unwrap();
        assert_ne!(now.state, SandboxState::Provisioning, "{now:?}");
    }
    store.close().await;
    api.wait_pool(&a_id, Duration::from_secs(120), |c| {
        c["ready"].as_u64() == Some(20) && c["provisioning"].as_u64() == Some(0)
    })
    .await;
    let learners = api.get(&format!("/cohorts/{a_id}/learners")).await;
    let links: Vec<String> = learners
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["link"]
                .as_str()
                .unwrap()
                .replace("sandpit.localhost", "127.0.0.1")
        })
        .collect();
    assert_eq!(links.len(), 20);
    // Every learner presses Start on their link.
    for link in &links {
        assert_eq!(
            http.post(format!("{link}/start"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::SEE_OTHER,
            "{link}"
        );
    }
    // Three learners pass the exercise.
    let learners = api.get(&format!("/cohorts/{a_id}/learners")).await;
    for (i, link) in links.iter().take(3).enumerate() {
        let sandbox = learners[i]["sandbox_id"].as_str().unwrap();
        let done = Command::new("docker")
            .args([
                "exec",
                "-u",
                "learner",
                &format!("sandpit-{sandbox}"),
                "touch",
                "/home/learner/done.txt",
            ])
            .status()
            .unwrap();
        assert!(done.success());
        let answer = check(&http, link, "make-file").await;
        assert_eq!(answer["outcome"], "passed", "{answer}");
    }

    terminal_works(&links[1], port).await;

    // 3. SIGKILL in the middle of a teardown.
    let b = api.cohort("Torn", 6).await;
    let b_id = b["id"].as_str().unwrap().to_owned();
    api.post(&format!("/cohorts/{b_id}/launch"), json!({}))
        .await;
    api.wait_pool(&b_id, Duration::from_secs(60), |c| {
        c["ready"].as_u64() == Some(6)
    })
    .await;
    let teardown = {
        let request = http
            .post(format!("{}/api/v1/cohorts/{b_id}/teardown", api.base))
            .bearer_auth(&api.token)
            .send();
        tokio::spawn(request)
    };
    // Killed as soon as the cohort is marked torn down: its sandboxes are
    // being removed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while api.get(&format!("/cohorts/{b_id}")).await["state"] != "torn_down" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the teardown never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(server);
    eprintln!(
        "killed during the teardown with {:?} left",
        engine_sandboxes(&instance).0.len()
    );
    let _ = teardown.await;

    // 4. Restart: the engine and the store agree, both ways.
    let server = serve(data, port, &http).await;
    let live = live_sandboxes(data).await;
    let (containers, networks) = engine_sandboxes(&instance);
    assert_eq!(containers, live, "containers vs live records");
    assert_eq!(networks, live, "networks vs live records");
    assert_eq!(
        live.len(),
        20,
        "cohort A's 20, none of the torn-down cohort"
    );
    let filter = format!("label=sandpit.cohort={b_id}");
    let left = Command::new("docker")
        .args(["ps", "-aq", "--filter", &filter])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "the torn-down cohort left containers"
    );

    // No attempt lost; every link works.
    let attempts = api
        .get(&format!("/cohorts/{a_id}/export/attempts.json"))
        .await;
    let attempts = attempts.as_array().unwrap();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    for link in &links {
        assert_eq!(
            http.get(link).send().await.unwrap().status(),
            StatusCode::OK,
            "{link}"
        );
    }
    // The terminal hub starts a new shell for a terminal that reconnects.
    terminal_works(&links[1], port).await;
    // A step's reset still runs its script; the completion stays.
    let reset = http
        .post(format!("{}/reset/make-file", links[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    let answer = check(&http, &links[0], "make-file").await;
    assert_eq!(answer["outcome"], "failed", "{answer}");
    assert_eq!(answer["completed"], true);

    // 5. A graceful stop leaves the sandboxes running for the next start.
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut server = server;
    let status = tokio::task::spawn_blocking(move || {
        let status = server.0.wait();
        (status, server)
    })
    .await
    .unwrap();
    assert!(
        status.0.unwrap().success(),
        "SIGTERM ends the server cleanly"
    );
    let (containers, _) = engine_sandboxes(&instance);
    assert_eq!(
        containers.len(),
        20,
        "sandboxes keep running: {containers:?}"
    );
    let server = serve(data, port, &http).await;
    api.post(&format!("/cohorts/{a_id}/teardown"), json!({}))
        .await;
    let (containers, networks) = engine_sandboxes(&instance);
    assert!(
        containers.is_empty() && networks.is_empty(),
        "{containers:?} {networks:?}"
    );
    drop(server);
}

#[tokio::test]
async fn an_engine_unreachable_at_start_is_retried_then_named_in_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = command(data.path(), 1)
        .arg("serve")
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("SANDPIT_ENGINE_CONNECT_ATTEMPTS", "2")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot reach the Docker engine at DOCKER_HOST=unix:///nonexistent/docker.sock after 2 tries"),
        "{stderr}"
    );
    assert!(stderr.contains("retrying in 1 s"), "{stderr}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "it waited before trying again"
    );
}
