//! A learner's resets over real HTTP on the real engine: one step by its
//! scenario's reset script (the completion stays), the whole sandbox within
//! the caps, and only from Sandpit's own pages.

use crate::common;
use crate::common::http::{check, client};
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, repo_scenarios, test_app, test_app_with};
use reqwest::StatusCode;
use reqwest::header::ORIGIN;
use sandpit::sandbox::roster::seats;
use sandpit::sandbox::{CohortRequest, LinkToken, StuckRule};
use sandpit::store::Role;
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn resetting_a_step_runs_its_reset_script_and_keeps_its_completion() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    // Stopped before the sweep when a test fails.
    let server = server;
    let http = client();
    let (token, sandbox) = server.link("git-basics", "Sam").await;
    let url = server.link_url(&token);
    let html = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Start this step over"), "{html}");
    assert!(html.contains(&format!(
        "action=\"/s/{}/reset/set-identity\"",
        token.as_str()
    )));

    server.solve(sandbox.id, "git-basics", "set-identity").await;
    assert_eq!(
        check(&http, &url, "set-identity").await["outcome"],
        "passed"
    );
    let reset = http
        .post(format!("{url}/reset/set-identity"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        reset.headers()["location"],
        format!("/s/{}?step=set-identity", token.as_str()).as_str()
    );
    // The identity is gone from the sandbox; the completion is history.
    let again = check(&http, &url, "set-identity").await;
    assert_eq!(again["outcome"], "failed", "{again}");
    assert!(
        again["feedback"]
            .as_str()
            .unwrap()
            .contains("Your name is not set yet")
    );
    let progress: Value = http
        .get(format!("{url}/progress"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(progress["exercises"][0]["id"], "set-identity");
    assert_eq!(progress["exercises"][0]["done"], true);

    // A step without a reset script has nothing to run.
    let none = http
        .post(format!("{url}/reset/inspect-history"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn a_reset_past_the_cap_gets_the_busy_page_and_changes_nothing() {
    let app = test_app_with(fixture_scenarios(), |c| c.max_sandboxes = 1).await;
    let server = TestServer::start(app).await;
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

    let refused = http.post(format!("{url}/reset")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Your sandbox is not ready yet")
    );
    let link = server.app.store.link(&token.hash()).await.unwrap().unwrap();
    assert_eq!(link.sandbox(), Some(sandbox.id), "the link did not move");
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn resets_from_another_site_are_refused() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    // Stopped before the sweep when a test fails.
    let server = server;
    let http = client();
    let (token, sandbox) = server.link("tiny", "Eve").await;
    let url = server.link_url(&token);
    for path in ["reset", "reset/make-file"] {
        let answer = http
            .post(format!("{url}/{path}"))
            .header(ORIGIN, "https://elsewhere.example")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let link = server.app.store.link(&token.hash()).await.unwrap().unwrap();
    assert_eq!(link.sandbox(), Some(sandbox.id));
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn a_cohort_learner_resets_onto_a_pool_sandbox_and_the_grid_counts_once() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    // Stopped before the sweep when a test fails.
    let server = server;
    let http = client();
    let app = &server.app;
    let scenario = app.scenario("tiny").unwrap().clone();
    let (trainer, _) = common::api::account(&server, "trainer", Role::Trainer).await;
    let now = chrono::Utc::now();
    let cohort = app
        .service
        .create_cohort(
            &trainer,
            &scenario,
            CohortRequest {
                name: "Reset".into(),
                starts_at: now + chrono::TimeDelta::hours(2),
                ends_at: now + chrono::TimeDelta::hours(4),
                roster: seats(1).unwrap(),
                spare: 1,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    app.service.launch_cohort(&cohort, &scenario).await.unwrap();
    let ready = |want: u64| {
        let cohort = cohort.clone();
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            loop {
                let status = app.service.pool_status(&cohort).await.unwrap();
                if status.counts.ready >= want && status.counts.provisioning == 0 {
                    return;
                }
                assert!(tokio::time::Instant::now() < deadline, "{status:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    ready(2).await;
    let links = app.service.learner_links(*cohort.id).await.unwrap();
    let token = &links[0].token;
    let url = server.link_url(token);
    // The learner presses Start (a GET only shows the button).
    assert_eq!(
        http.post(format!("{url}/start"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    let bound = |token: &LinkToken| {
        let hash = token.hash();
        async move {
            app.store
                .link(&hash)
                .await
                .unwrap()
                .unwrap()
                .sandbox()
                .unwrap()
        }
    };
    let first = bound(token).await;
    server.solve(first, "tiny", "make-file").await;
    assert_eq!(check(&http, &url, "make-file").await["outcome"], "passed");
    ready(1).await;

    let reset = http.post(format!("{url}/reset")).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    let second = bound(token).await;
    assert_ne!(first, second);
    let record = app.store.sandbox(second).await.unwrap();
    assert_eq!(
        record.learner_id.as_deref(),
        Some(links[0].learner.id.to_string().as_str())
    );
    let html = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("1 of 1 steps done"), "{html}");
    let grid = app
        .service
        .cohort_progress(&cohort, &scenario, StuckRule::default())
        .await
        .unwrap();
    let cell = &grid.learners[0].cells[0];
    assert_eq!(cell.attempts, 1, "{cell:?}");
    assert!(cell.passed_at.is_some());
    let records = app.store.cohort_attempts(*cohort.id).await.unwrap();
    assert_eq!(records.iter().filter(|a| a.completion).count(), 1);
    app.service.teardown_cohort(*cohort.id).await.unwrap();
    server.assert_nothing_left().await;
}
