//! `sandpit serve` answers from its first second: while an image builds,
//! `/readyz` says "building images: 1/2", pages say so in the visitor's
//! language, the API answers 503; then the same address serves Sandpit.
//! And a start-up check that finds Sandpit cannot work (no address left for
//! sandboxes' networks) stops the start, naming the cause and the fix.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{InstanceCleanup, fixture_scenarios};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Removes the test's image (every tag of it) when dropped.
struct ImageCleanup(&'static str);

impl Drop for ImageCleanup {
    fn drop(&mut self) {
        let out = std::process::Command::new("docker")
            .args(["images", "-q", "--filter"])
            .arg(format!("reference=sandpit/{}", self.0))
            .output()
            .unwrap();
        let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let _ = std::process::Command::new("docker")
                .args(["rmi", "--force", &id])
                .output();
        }
    }
}

fn sandpit(data: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"));
    cmd.env("SANDPIT_DATA_DIR", data)
        .env_remove("SANDPIT_CONFIG")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_while_images_build_then_serves_sandpit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // One scenario, on an image whose build takes a few seconds and is
    // never cached (its Dockerfile is new each run).
    let scenarios = dir.path().join("scenarios");
    copy_tree(
        &fixture_scenarios().join("tiny"),
        &scenarios.join("tiny-slow"),
    );
    let toml = scenarios.join("tiny-slow/scenario.toml");
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("image = \"shell\"", "image = \"slowbuild\"");
    std::fs::write(&toml, text).unwrap();
    let images = dir.path().join("images");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("images/base"),
        &images.join("base"),
    );
    std::fs::create_dir_all(images.join("slowbuild")).unwrap();
    std::fs::write(
        images.join("slowbuild/Dockerfile"),
        format!(
            "FROM sandpit/base\nRUN sleep 8 && echo {} > /etc/sandpit-test-build\n",
            uuid::Uuid::new_v4()
        ),
    )
    .unwrap();
    let _image = ImageCleanup("slowbuild");

    let mut server = sandpit(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SANDPIT_SCENARIOS_DIR", &scenarios)
        .env("SANDPIT_IMAGES_DIR", &images)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("serve says where it starts")
        .unwrap()
        .expect("a line");
    let url = first
        .strip_prefix("Sandpit is starting at ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let port = url.rsplit(':').next().unwrap().to_owned();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();

    // While the image builds: alive, not ready, and saying why.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let building = loop {
        let r = http.get(format!("{base}/readyz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "5");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], "starting");
        let doing = body["starting"].as_str().unwrap().to_owned();
        if doing == "building images: 1/2" {
            break doing;
        }
        assert!(
            doing == "connecting to the engine and opening the store"
                || doing.starts_with("building images: 0/2"),
            "{doing}"
        );
        assert!(tokio::time::Instant::now() < deadline, "still {doing}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let health: Value = health.json().await.unwrap();
    assert_eq!(health["status"], "starting");
    assert_eq!(health["starting"], building);
    let page = http
        .get(format!("{base}/trainer"))
        .header("accept-language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = page.text().await.unwrap();
    assert!(page.contains("<h1>Sandpit démarre</h1>"), "{page}");
    assert!(page.contains("1 sur 2 prêtes"), "{page}");
    // The latest step of the build, as the builder said it.
    assert!(
        page.contains("<p><code>base: up to date</code></p>")
            || page.contains("<p><code>slowbuild: "),
        "{page}"
    );
    assert!(page.contains("http-equiv=\"refresh\""), "{page}");
    let api = http
        .get(format!("{base}/api/v1/cohorts"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    let api: Value = api.json().await.unwrap();
    assert_eq!(api["error"], "Sandpit is starting: building images: 1/2");

    // Built: the same address serves Sandpit.
    let serving = tokio::time::timeout(Duration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("Sandpit is serving 1 scenarios at ") {
                return line;
            }
        }
        panic!("the server stopped before it was ready");
    })
    .await
    .expect("the image was built");
    assert!(serving.ends_with(&url), "{serving}");
    let _cleanup = InstanceCleanup {
        instance: std::fs::read_to_string(data.join("instance"))
            .unwrap()
            .trim()
            .to_owned(),
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let r = http.get(format!("{base}/readyz")).send().await.unwrap();
        if r.status() == StatusCode::OK {
            assert_eq!(r.json::<Value>().await.unwrap()["status"], "ready");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login = http.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert!(login.text().await.unwrap().contains("<form"));
    server.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_with_no_address_left_for_sandboxes_stops_naming_the_network_in_the_way() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Another network takes the whole range Sandpit is given.
    let name = format!(
        "sandpit-test-foreign-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let made = std::process::Command::new("docker")
        .args([
            "network",
            "create",
            "--internal",
            "--subnet",
            "10.239.77.0/24",
            &name,
        ])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    struct Network(String);
    impl Drop for Network {
        fn drop(&mut self) {
            let _ = std::process::Command::new("docker")
                .args(["network", "rm", &self.0])
                .output();
        }
    }
    let _network = Network(name.clone());

    let out = sandpit(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SANDPIT_SCENARIOS_DIR", fixture_scenarios())
        .env("SANDPIT_SUBNET_RANGE", "10.239.77.0/24")
        // No firewall rule for a range that is not Sandpit's.
        .env("SANDPIT_HOST_GUARD", "off")
        .output()
        .await
        .unwrap();
    let _cleanup = InstanceCleanup {
        instance: std::fs::read_to_string(data.join("instance"))
            .unwrap()
            .trim()
            .to_owned(),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot start: no /28 network is left for a sandbox in subnet_range 10.239.77.0/24 (16 in all); \
             other networks on the engine overlap it: {name} (10.239.77.0/24)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("what to do: set subnet_range to a private range"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: Sandpit cannot start: 1 problem above"),
        "{stderr}"
    );
}
