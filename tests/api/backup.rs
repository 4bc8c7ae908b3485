//! `sandpit backup` and `sandpit restore` with the built binary, around a
//! real `sandpit serve`: a backup taken while a cohort launches holds the
//! store, the installation's id, its link key and the recordings; a
//! restore refuses to run under the running server; once the server
//! stopped it puts the backup in place (what was there goes aside), and
//! reconciling with the engine then removes what the store does not know
//! and loses no record. Bad archives are refused with what is wrong.

use std::process::Stdio;
use std::time::Duration;

use sandpit::store::Role;
use serde_json::Value;

use crate::common::{InstanceCleanup, fixture_scenarios};

/// The binary on `data`, with the fixtures and no ambient settings.
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

async fn run(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    sandpit(data).args(args).output().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_launch_restores_and_reconciles_without_losing_a_record() {
    let data = tempfile::tempdir().unwrap();
    let saved = tempfile::tempdir().unwrap();
    let file = saved.path().join("sandpit.tar");
    // A trainer, a token and a cohort of four, written before serving.
    let (cohort, token, instance, ada_link) = {
        let app = crate::records::open(data.path(), None).await;
        let (tom, token) = crate::records::account(&app, "tom", Role::Trainer).await;
        let (cohort, learners) = crate::records::cohort(
            &app,
            &tom,
            "tiny",
            "Tuesday",
            ["Ada", "Ben", "Cy", "Dan"]
                .iter()
                .map(|n| crate::records::entry(n, None, None))
                .collect(),
        )
        .await;
        app.store.close().await;
        let instance = std::fs::read_to_string(data.path().join("instance")).unwrap();
        let ada_link = app
            .service
            .learner_token(*learners[0].id)
            .as_str()
            .to_owned();
        (cohort, token, instance.trim().to_owned(), ada_link)
    };
    let _cleanup = InstanceCleanup {
        instance: instance.clone(),
    };
    let mut server = sandpit(data.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = crate::common::served_url(&mut server, Duration::from_secs(120)).await;
    // Requests go to loopback, naming the public URL's host.
    let port = url.rsplit(':').next().unwrap().to_owned();
    let api = format!("http://127.0.0.1:{port}/api/v1");
    let http = reqwest::Client::new();
    let launched = http
        .post(format!("{api}/cohorts/{}/launch", cohort.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(
        launched.status().is_success(),
        "{:?}",
        launched.text().await
    );

    // The backup, while the pool fills.
    let out = run(data.path(), &["backup", file.to_str().unwrap(), "--json"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said: Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest = &said["manifest"];
    assert_eq!(manifest["format"], "sandpit-backup-1");
    assert_eq!(manifest["schema"], sandpit::store::Store::schema());
    assert_eq!(
        (
            &manifest["counts"]["cohorts"],
            &manifest["counts"]["learners"]
        ),
        (&1.into(), &4.into())
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the archive holds the link key");
    // A second backup to the same file is refused: nothing is overwritten.
    let again = run(data.path(), &["backup", file.to_str().unwrap()]).await;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("must not exist yet"));

    // No restore under a running server.
    let refused = run(data.path(), &["restore", file.to_str().unwrap()]).await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("a Sandpit server runs on"), "{stderr}");
    assert!(data.path().join("sandpit.db").exists());

    // The pool fills; then the server stops as a crash would.
    let mut ready = 0;
    for _ in 0..120 {
        let status: Value = http
            .get(format!("{api}/cohorts/{}/status", cohort.id))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ready = status["counts"]["ready"].as_u64().unwrap_or(0);
        if ready >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(ready >= 4, "the pool filled");
    server.kill().await.unwrap();
    let _ = server.wait().await;

    // The restore puts the backup in place and keeps what was there aside.
    let out = run(data.path(), &["restore", file.to_str().unwrap()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 cohorts, 4 learners"), "{stdout}");
    assert!(stdout.contains("What was there before is in"), "{stdout}");
    let aside: Vec<_> = std::fs::read_dir(data.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("before-restore-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert!(aside[0].path().join("sandpit.db").exists());
    assert_eq!(
        std::fs::read_to_string(data.path().join("instance"))
            .unwrap()
            .trim(),
        instance
    );

    // Reconciling: the store's records are all there; every engine object
    // of the installation is one the store knows, the rest removed.
    let app = crate::records::open(data.path(), None).await;
    let learners = app.store.learners(*cohort.id).await.unwrap();
    assert_eq!(learners.len(), 4);
    // The link key came back: Ada's link is the one she was given.
    assert_eq!(
        app.service.learner_token(*learners[0].id).as_str(),
        ada_link
    );
    app.service.reconcile().await.unwrap();
    let owned = app.runtime.list_owned(false).await.unwrap();
    for object in &owned {
        let sandbox = object.sandbox.expect("every object names its sandbox");
        let record = app.store.sandbox(sandbox).await.unwrap();
        assert!(
            record.state.is_live(),
            "{} kept for a sandbox the store has as {:?}",
            object.name,
            record.state
        );
    }
    app.service.teardown_cohort(*cohort.id).await.unwrap();
    let left = app.runtime.list_owned(false).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_restore_refuses_what_is_not_a_sandpit_backup_and_changes_nothing() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("instance"), "abc123").unwrap();
    let junk = data.path().join("junk.tar");
    std::fs::write(&junk, b"this is not a tar archive at all").unwrap();
    let out = run(data.path(), &["restore", junk.to_str().unwrap()]).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a Sandpit backup"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(data.path().join("instance")).unwrap(),
        "abc123"
    );
    let missing = run(
        data.path(),
        &["backup", data.path().join("b.tar").to_str().unwrap()],
    )
    .await;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("holds no Sandpit store"));
}
