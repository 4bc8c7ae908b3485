//! Reconcile on the real engine: what happens behind Sandpit's back is seen
//! within seconds (engine events), engine objects the store does not know
//! are removed, and provisioning a crash interrupted is marked failed.

use crate::common::http::{check, client};
use std::time::Duration;

use crate::common::server::TestServer;
use crate::common::{
    InstanceCleanup, TestApp, ensure_images, fixture_scenarios, shell_spec, test_app, test_config,
};
use reqwest::StatusCode;
use sandpit::app::App;
use sandpit::sandbox::INTERRUPTED;
use sandpit::store::{NewSandbox, SandboxRecord, SandboxState};
use uuid::Uuid;

fn docker(args: &[&str]) {
    let out = std::process::Command::new("docker")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "docker {args:?}: {out:?}");
}

/// Waits until the sandbox leaves `state`, for at most `limit`.
async fn wait_while(
    server: &TestServer,
    id: Uuid,
    state: SandboxState,
    limit: Duration,
) -> SandboxRecord {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let record = server.app.store.sandbox(id).await.unwrap();
        if record.state != state || tokio::time::Instant::now() >= deadline {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_container_removed_behind_sandpits_back_is_failed_within_seconds_and_reset_gives_a_fresh_one_with_progress_kept()
 {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    // Stopped before the sweep when a test fails.
    let server = server;
    let http = client();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    let url = server.link_url(&token);
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    server.solve(sandbox.id, "tiny", "make-file").await;
    let passed = check(&http, &url, "make-file").await;
    assert_eq!(passed["outcome"], "passed");

    let container = server
        .app
        .store
        .sandbox(sandbox.id)
        .await
        .unwrap()
        .container_id
        .unwrap();
    docker(&["rm", "-f", &container]);
    // The periodic pass is a minute away: only the event stream is this quick.
    let failed = wait_while(
        &server,
        sandbox.id,
        SandboxState::Claimed,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(failed.state, SandboxState::Failed);
    assert_eq!(failed.error.as_deref(), Some("the container was removed"));

    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Your sandbox stopped working"), "{html}");
    assert!(html.contains("the container was removed"), "{html}");
    assert!(html.contains("1 of 1 steps done"), "{html}");
    assert!(
        html.contains(&format!("action=\"/s/{}/reset\"", token.as_str())),
        "{html}"
    );
    assert!(
        !html.contains("data-terminal"),
        "no terminal for a failed sandbox"
    );
    let french = http
        .get(&url)
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert!(
        french
            .text()
            .await
            .unwrap()
            .contains("Votre bac à sable ne fonctionne plus")
    );

    let reset = http.post(format!("{url}/reset")).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    let link = server.app.store.link(&token.hash()).await.unwrap().unwrap();
    let fresh = link.sandbox().unwrap();
    assert_ne!(fresh, sandbox.id);
    let record = server.app.store.sandbox(fresh).await.unwrap();
    assert_eq!(record.state, SandboxState::Claimed);
    assert_eq!(
        server.app.store.sandbox(sandbox.id).await.unwrap().state,
        SandboxState::Destroyed
    );
    let html = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("1 of 1 steps done"), "progress kept: {html}");
    assert!(html.contains("data-terminal"), "{html}");
    // The attempt stays where it was made; the fresh sandbox is a fresh copy.
    assert_eq!(
        server.app.store.attempts(sandbox.id).await.unwrap().len(),
        1
    );
    assert!(server.app.store.attempts(fresh).await.unwrap().is_empty());
    let again = check(&http, &url, "make-file").await;
    assert_eq!(again["outcome"], "failed", "a fresh copy has no done.txt");
    assert_eq!(again["completed"], true, "the completion was kept");

    server.finish(fresh).await;
}

#[tokio::test]
async fn a_container_that_stopped_is_failed_with_its_exit_status() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    // Stopped before the sweep when a test fails.
    let server = server;
    let (token, sandbox) = server.link("tiny", "Grace").await;
    assert!(
        server
            .app
            .service
            .open_link(&token)
            .await
            .unwrap()
            .is_some()
    );
    docker(&["kill", &sandpit::runtime::object_name(sandbox.id)]);
    let failed = wait_while(
        &server,
        sandbox.id,
        SandboxState::Claimed,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(failed.state, SandboxState::Failed);
    assert_eq!(failed.error.as_deref(), Some("it stopped (exit 137)"));
    // What was left of it is removed too.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn an_unknown_labelled_container_of_this_instance_is_removed_by_reconcile() {
    let app = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&app);
    let spec = shell_spec(&[]);
    app.runtime.create(&spec).await.unwrap();
    assert!(!app.runtime.list_owned(false).await.unwrap().is_empty());
    let report = app.service.reconcile().await.unwrap();
    assert_eq!(report.removed, vec![spec.id]);
    app.assert_nothing_left().await;
}

#[tokio::test]
async fn a_provisioning_record_a_crash_left_is_marked_failed_and_its_objects_removed() {
    let data = tempfile::tempdir().unwrap();
    let config = test_config(data.path(), fixture_scenarios());
    let id = Uuid::new_v4();
    {
        // The server that crashed: it recorded its intent and made the
        // container, then stopped before the sandbox was ready.
        let before = App::open(config.clone()).await.unwrap();
        ensure_images(&before).await;
        before
            .store
            .insert_sandbox(NewSandbox {
                id,
                scenario_id: "tiny",
                cohort_id: None,
                learner: Some("Linus"),
                expires_at: None,
            })
            .await
            .unwrap();
        let mut spec = shell_spec(&[]);
        spec.id = id;
        before.runtime.create(&spec).await.unwrap();
        before.store.close().await;
    }
    let app = TestApp::new(App::open(config).await.unwrap(), data);
    let _cleanup = InstanceCleanup::of(&app);
    let report = app.service.reconcile().await.unwrap();
    assert_eq!(report.failed, vec![(id, INTERRUPTED.to_owned())]);
    let record = app.store.sandbox(id).await.unwrap();
    assert_eq!(record.state, SandboxState::Failed);
    app.assert_nothing_left().await;
    // A second pass has nothing to do.
    let again = app.service.reconcile().await.unwrap();
    assert!(
        again.failed.is_empty() && again.removed.is_empty(),
        "{again:?}"
    );
}
