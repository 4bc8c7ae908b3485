//! The engine going away under a running server (the real binary, talking
//! to the engine through a socket this test can cut): pages stay up, a
//! learner action that needs the engine gets a clear 503 that says their
//! work is safe, a check is recorded as an error, and nothing is marked
//! failed just because the engine could not be asked.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::http::check;
use crate::common::{InstanceCleanup, fixture_scenarios};
use reqwest::StatusCode;
use sandpit::store::{SandboxState, Store};
use serde_json::Value;
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinSet;

struct Sandpit(Child);

impl Drop for Sandpit {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Forwards `path` to the engine's socket until the returned set is aborted.
fn engine_proxy(path: &Path) -> JoinSet<()> {
    let listener = UnixListener::bind(path).unwrap();
    let mut set = JoinSet::new();
    let connections = std::sync::Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
    let held = connections.clone();
    set.spawn(async move {
        let _held = held;
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            connections.lock().await.spawn(async move {
                if let Ok(mut engine) = UnixStream::connect("/var/run/docker.sock").await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut engine).await;
                }
            });
        }
    });
    set
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_engine_goes_away_pages_say_so_and_nothing_is_marked_failed() {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let socket = data.join("engine.sock");
    let mut proxy = engine_proxy(&socket);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = |cmd: &mut Command| {
        cmd.env("SANDPIT_DATA_DIR", data)
            .env("SANDPIT_LISTEN", format!("127.0.0.1:{port}"))
            .env("SANDPIT_SCENARIOS_DIR", fixture_scenarios())
            .env("SANDPIT_HOST_GUARD", "required")
            .env("DOCKER_HOST", format!("unix://{}", socket.display()));
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sandpit"));
    env(&mut cmd);
    let server = Sandpit(
        cmd.arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    // Ready: it answers from its first second, saying it is starting.
    while !http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == StatusCode::OK)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never answered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let instance = std::fs::read_to_string(data.join("instance"))
        .unwrap()
        .trim()
        .to_owned();
    let _cleanup = InstanceCleanup { instance };
    // Declared after the clean-up, so a failing test stops the server
    // before sweeping (a live server would refill its pools meanwhile).
    let server = server;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sandpit"));
    env(&mut cmd);
    let out = cmd
        .args([
            "link",
            "create",
            "--scenario",
            "tiny",
            "--name",
            "Ada",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let link: Value = serde_json::from_slice(&out.stdout).unwrap();
    let url = format!("{base}/s/{}", link["token"].as_str().unwrap());
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );

    // The engine goes away.
    proxy.abort_all();
    while proxy.join_next().await.is_some() {}
    std::fs::remove_file(&socket).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The page needs only the store; the check is recorded as an error.
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let check = check(&http, &url, "make-file").await;
    assert_eq!(check["outcome"], "error", "{check}");
    // A reset needs the engine: a clear page, not a 500.
    let reset = http
        .post(format!("{url}/reset/make-file"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(reset.headers().contains_key("retry-after"));
    let text = reset.text().await.unwrap();
    assert!(
        text.contains("The sandbox engine is unreachable right now; your work is safe"),
        "{text}"
    );
    // Reconcile could not ask the engine, so it changed nothing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let store = Store::open(data).await.unwrap();
    let id = uuid::Uuid::parse_str(link["sandbox"].as_str().unwrap()).unwrap();
    assert_eq!(
        store.sandbox(id).await.unwrap().state,
        SandboxState::Claimed
    );
    assert_eq!(store.attempts(id).await.unwrap().len(), 1);
    store.close().await;
    drop(server);
}
