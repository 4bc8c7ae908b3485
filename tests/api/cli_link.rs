//! `sandpit link create` with the built binary: the link is on the URL of
//! the `sandpit serve` running on the same data directory (here on a port
//! the system chose), and works there; with no server running, it is on
//! the configured address, and the command says so.

use std::process::Stdio;
use std::time::Duration;

use crate::common;
use crate::common::{fixture_scenarios, test_config};
use serde_json::Value;

/// The binary with the test's data directory and fixtures, and no ambient
/// settings.
fn sandpit(data: &std::path::Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"));
    cmd.env_remove("SANDPIT_CONFIG")
        .env_remove("SANDPIT_LISTEN")
        .env_remove("SANDPIT_PUBLIC_URL")
        .env("SANDPIT_DATA_DIR", data)
        .env("SANDPIT_SCENARIOS_DIR", fixture_scenarios())
        .env("SANDPIT_HOST_GUARD", "required")
        .env("RUST_LOG", "warn");
    cmd
}

/// `link create --json` for a learner; its answer.
async fn link_create(data: &std::path::Path, env: &[(&str, &str)]) -> (Value, String) {
    let mut cmd = sandpit(data);
    cmd.args([
        "link",
        "create",
        "--scenario",
        "tiny",
        "--name",
        "Ada",
        "--json",
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_create_prints_the_running_servers_url_whatever_its_port() {
    let data = tempfile::tempdir().unwrap();
    let mut server = sandpit(data.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = common::served_url(&mut server, Duration::from_secs(120)).await;
    let _cleanup = common::InstanceCleanup {
        instance: std::fs::read_to_string(data.path().join("instance"))
            .unwrap()
            .trim()
            .to_owned(),
    };
    assert!(url.starts_with("http://sandpit.localhost:"), "{url}");
    assert_ne!(url, "http://sandpit.localhost:8080");

    let (served, stderr) = link_create(data.path(), &[]).await;
    let link = served["url"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{url}/s/")), "{link} is on {url}");
    assert!(!stderr.contains("note:"), "{stderr}");
    // Browsers resolve `*.localhost` to loopback by themselves; this
    // client is told so.
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let page = reqwest::Client::builder()
        .resolve("sandpit.localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap()
        .get(&link)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        reqwest::StatusCode::OK,
        "the link opens there"
    );

    // Stopped (SIGTERM to the server this test started): links fall back
    // to the configured address, and the command says there is no server.
    crate::common::stop_gracefully(&mut server).await;
    let (offline, stderr) = link_create(data.path(), &[("SANDPIT_LISTEN", "127.0.0.1:9137")]).await;
    assert!(
        offline["url"]
            .as_str()
            .unwrap()
            .starts_with("http://sandpit.localhost:9137/s/"),
        "{offline}"
    );
    let note = format!(
        "note: no sandpit serve is running on {}; the link is for one at http://sandpit.localhost:9137\n",
        data.path().display()
    );
    assert!(stderr.contains(&note), "{stderr}");

    // Both sandboxes go, and nothing of this data directory is left.
    let app = sandpit::app::App::open(test_config(data.path(), fixture_scenarios()))
        .await
        .unwrap();
    for made in [&served, &offline] {
        let id = uuid::Uuid::parse_str(made["sandbox"].as_str().unwrap()).unwrap();
        app.service.destroy(id).await.unwrap();
    }
    let left = sandpit::runtime::SandboxRuntime::list_owned(&*app.runtime, false)
        .await
        .unwrap();
    assert!(
        left.is_empty(),
        "{:?}",
        left.iter().map(|o| &o.name).collect::<Vec<_>>()
    );
}
