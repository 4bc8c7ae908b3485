//! Expiry and idle culling on the real engine, with short timings: the
//! reaper ends sandboxes past their time or idle (records kept, objects
//! removed, the link answers 410), busy and unclaimed ones stay, Extend adds
//! time up to its limits, and /progress warns near the end.

use std::time::Duration;

use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app_with};
use crate::terminal::client::Terminals;
use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use sandpit::sandbox::roster::seats;
use sandpit::sandbox::{CohortRequest, LinkToken};
use sandpit::store::{EndReason, Role, SandboxState};
use serde_json::Value;
use uuid::Uuid;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Waits until the sandbox is in `state`, or fails after `limit`.
async fn wait_state(server: &TestServer, id: Uuid, state: SandboxState, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let now = server.app.store.sandbox(id).await.unwrap().state;
        if now == state {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "sandbox {id} is {now}, never {state}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until nothing of the server's instance is left on the engine.
async fn wait_nothing_left(server: &TestServer) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !server
        .app
        .runtime
        .list_owned(false)
        .await
        .unwrap()
        .is_empty()
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.assert_nothing_left().await;
}

/// Moves a claimed sandbox's end to `at`, as if its time limit were that.
async fn end_at(server: &TestServer, id: Uuid, at: chrono::DateTime<Utc>) {
    let current = server
        .app
        .store
        .sandbox(id)
        .await
        .unwrap()
        .expires_at
        .unwrap();
    assert!(
        server
            .app
            .store
            .extend_sandbox(id, current, at, 0)
            .await
            .unwrap()
    );
}

async fn progress(server: &TestServer, token: &LinkToken) -> (StatusCode, Value) {
    let response = http()
        .get(format!("{}/progress", server.link_url(token)))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn extend(server: &TestServer, token: &LinkToken) -> (StatusCode, Value) {
    let response = http()
        .post(format!("{}/extend", server.link_url(token)))
        .header("accept", "application/json")
        .header("origin", &server.url)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn time(v: &Value, field: &str) -> chrono::DateTime<Utc> {
    v[field].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_sandbox_past_its_time_limit_is_ended_and_removed_and_its_link_shows_what_was_done() {
    let t = test_app_with(fixture_scenarios(), |c| c.reaper_interval_seconds = 1).await;
    let _cleanup = InstanceCleanup::of(&t);
    let server = TestServer::start(t).await;
    let (token, sandbox) = server.link("tiny", "ada").await;
    let page = http().get(server.link_url(&token)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let check = http()
        .post(format!("{}/check/make-file", server.link_url(&token)))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), StatusCode::OK);

    end_at(&server, sandbox.id, Utc::now() + TimeDelta::seconds(2)).await;
    wait_state(
        &server,
        sandbox.id,
        SandboxState::Expired,
        Duration::from_secs(15),
    )
    .await;
    wait_nothing_left(&server).await;
    let lc = server.app.store.lifecycle(sandbox.id).await.unwrap();
    assert_eq!(lc.ended_reason, Some(EndReason::Expired));

    let ended = http().get(server.link_url(&token)).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::GONE);
    let html = ended.text().await.unwrap();
    assert!(html.contains("This sandbox has ended"), "{html}");
    assert!(html.contains("0 of 1 steps completed"), "{html}");
    let (status, body) = progress(&server, &token).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(body["ended"], true);
    let fr = http()
        .get(format!("{}?lang=fr", server.link_url(&token)))
        .send()
        .await
        .unwrap();
    assert!(
        fr.text()
            .await
            .unwrap()
            .contains("Ce bac à sable est terminé")
    );
    // The records stay; unknown links are still plain 404s.
    assert_eq!(
        server.app.store.attempts(sandbox.id).await.unwrap().len(),
        1
    );
    let unknown = LinkToken::generate();
    let gone = http().get(server.link_url(&unknown)).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn idle_claimed_sandboxes_are_culled_but_busy_and_unclaimed_ones_stay() {
    let t = test_app_with(fixture_scenarios(), |c| {
        c.reaper_interval_seconds = 1;
        c.idle_seconds = Some(4);
    })
    .await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = t.auth.create_user("ada", Role::Trainer).await.unwrap().0;
    let tiny = t.scenario("tiny").unwrap().clone();
    let cohort = t
        .service
        .create_cohort(
            &ada,
            &tiny,
            CohortRequest {
                name: "Pool".into(),
                starts_at: Utc::now() + TimeDelta::hours(1),
                ends_at: Utc::now() + TimeDelta::hours(2),
                roster: seats(1).unwrap(),
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    t.service.launch_cohort(&cohort, &tiny).await.unwrap();
    let server = TestServer::start(t).await;
    let (idle, idle_box) = server.link("tiny", "idle").await;
    let (checking, checking_box) = server.link("tiny", "checking").await;
    let (browsing, browsing_box) = server.link("web", "browsing").await;
    for token in [&idle, &checking, &browsing] {
        let page = http().get(server.link_url(token)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
    }
    let web_host = format!("8080-{}.sandpit.localhost", browsing.web_key().as_str());
    let web = reqwest::Client::builder()
        .no_proxy()
        .resolve(&web_host, server.addr)
        .build()
        .unwrap();
    let web_url = format!("http://{web_host}:{}/", server.addr.port());

    // Ten seconds of use: a check and a page of the tool every second.
    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        http()
            .post(format!("{}/check/make-file", server.link_url(&checking)))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        web.get(&web_url).send().await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let store = &server.app.store;
    assert_eq!(
        store.sandbox(idle_box.id).await.unwrap().state,
        SandboxState::Expired
    );
    let lc = store.lifecycle(idle_box.id).await.unwrap();
    assert_eq!(lc.ended_reason, Some(EndReason::Idle));
    let ended = http().get(server.link_url(&idle)).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::GONE);
    assert!(ended.text().await.unwrap().contains("nobody used it"));
    for id in [checking_box.id, browsing_box.id] {
        assert_eq!(
            store.sandbox(id).await.unwrap().state,
            SandboxState::Claimed
        );
    }
    let pool = store.sandboxes_in(&[SandboxState::Ready]).await.unwrap();
    assert_eq!(pool.len(), 1, "the unclaimed pool sandbox stays");
    // /progress shows an idle deadline that use keeps moving on.
    let (_, body) = progress(&server, &checking).await;
    assert!(time(&body, "idle_deadline") > Utc::now());

    for id in [checking_box.id, browsing_box.id] {
        server.app.service.destroy(id).await.unwrap();
    }
    server
        .app
        .service
        .teardown_cohort(*cohort.id)
        .await
        .unwrap();
    wait_nothing_left(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn extend_adds_time_up_to_the_limit_and_then_refuses_with_a_reason() {
    let t = test_app_with(fixture_scenarios(), |c| {
        c.extend_minutes = 30;
        c.max_extension_minutes = 60;
    })
    .await;
    let _cleanup = InstanceCleanup::of(&t);
    let server = TestServer::start(t).await;
    let (token, sandbox) = server.link("tiny", "ada").await;
    assert_eq!(
        http()
            .get(server.link_url(&token))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let first = server
        .app
        .store
        .sandbox(sandbox.id)
        .await
        .unwrap()
        .expires_at
        .unwrap();

    let (status, body) = extend(&server, &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(time(&body, "expires_at"), first + TimeDelta::minutes(30));
    let (status, body) = extend(&server, &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(time(&body, "expires_at"), first + TimeDelta::minutes(60));
    assert_eq!(body["can_extend"], false);
    let (status, body) = extend(&server, &token).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("cannot be extended further"),
        "{body}"
    );
    assert_eq!(body["extend_limit"], "max_extension");
    assert_eq!(time(&body, "expires_at"), first + TimeDelta::minutes(60));

    // The page says so; a plain form post comes back to the page; another
    // site may not extend.
    let page = http().get(server.link_url(&token)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("all the extra time allowed"), "{html}");
    let form = http()
        .post(format!("{}/extend", server.link_url(&token)))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    let cross = http()
        .post(format!("{}/extend", server.link_url(&token)))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    server.finish(sandbox.id).await;
    server.stop().await;
}

#[tokio::test]
async fn extend_never_goes_past_the_cohorts_end() {
    let t = test_app_with(fixture_scenarios(), |c| {
        c.extend_minutes = 15;
        c.max_extension_minutes = 600;
    })
    .await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = t.auth.create_user("ada", Role::Trainer).await.unwrap().0;
    let tiny = t.scenario("tiny").unwrap().clone();
    let cohort = t
        .service
        .create_cohort(
            &ada,
            &tiny,
            CohortRequest {
                name: "Short".into(),
                starts_at: Utc::now() + TimeDelta::hours(1),
                ends_at: Utc::now() + TimeDelta::hours(1) + TimeDelta::minutes(1),
                roster: seats(1).unwrap(),
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    let server = TestServer::start(t).await;
    // A claim near the cohort's end: its sandbox would outlive the cohort
    // with one more extension.
    let links = server.app.service.learner_links(*cohort.id).await.unwrap();
    let token = &links[0].token;
    assert_eq!(
        http()
            .get(server.link_url(token))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let (_, body) = progress(&server, token).await;
    let id: Uuid = server
        .app
        .store
        .link(&token.hash())
        .await
        .unwrap()
        .unwrap()
        .sandbox()
        .unwrap();
    end_at(&server, id, cohort.ends_at - TimeDelta::minutes(5)).await;
    assert!(time(&body, "expires_at") <= cohort.ends_at);

    let (status, body) = extend(&server, token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(time(&body, "expires_at"), cohort.ends_at);
    let (status, body) = extend(&server, token).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["extend_limit"], "cohort_end");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("end of your session"),
        "{body}"
    );
    server
        .app
        .service
        .teardown_cohort(*cohort.id)
        .await
        .unwrap();
    wait_nothing_left(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn progress_warns_when_the_end_is_near() {
    let t = test_app_with(fixture_scenarios(), |c| c.expiry_warning_minutes = 2).await;
    let _cleanup = InstanceCleanup::of(&t);
    let server = TestServer::start(t).await;
    let (token, sandbox) = server.link("tiny", "ada").await;
    assert_eq!(
        http()
            .get(server.link_url(&token))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let (status, body) = progress(&server, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["warning"], false, "{body}");
    assert_eq!(body["ending"], "expired");
    assert!(body["idle_deadline"].is_string(), "{body}");
    assert!(body["seconds_left"].as_i64().unwrap() > 200);

    end_at(&server, sandbox.id, Utc::now() + TimeDelta::seconds(60)).await;
    let (_, body) = progress(&server, &token).await;
    assert_eq!(body["warning"], true, "{body}");
    assert!(body["seconds_left"].as_i64().unwrap() <= 60);
    let html = http()
        .get(server.link_url(&token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"class="expiry-warning" role="alert">"#),
        "{html}"
    );
    assert!(html.contains("This sandbox ends in a few minutes"));
    server.finish(sandbox.id).await;
    server.stop().await;
}

#[tokio::test]
async fn typing_keeps_a_sandbox_alive_and_its_terminal_sees_it_end_once_idle() {
    let t = test_app_with(fixture_scenarios(), |c| {
        c.reaper_interval_seconds = 1;
        c.idle_seconds = Some(4);
    })
    .await;
    let _cleanup = InstanceCleanup::of(&t);
    let server = TestServer::start(t).await;
    let (token, sandbox) = server.link("tiny", "ada").await;
    let mut term = server.open(&token).await;
    term.wait_for("the first frame", |t| t.frames > 0).await;
    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_secs(7) {
        term.input("echo tick\r").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let state = server.app.store.sandbox(sandbox.id).await.unwrap().state;
    assert_eq!(state, SandboxState::Claimed, "typing is use");

    // Hands off the keyboard: the sandbox is ended and the viewer told.
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while term.read().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the terminal never closed");
    assert!(term.exited, "the viewer was told the shell ended");
    wait_state(
        &server,
        sandbox.id,
        SandboxState::Expired,
        Duration::from_secs(5),
    )
    .await;
    let lc = server.app.store.lifecycle(sandbox.id).await.unwrap();
    assert_eq!(lc.ended_reason, Some(EndReason::Idle));
    assert!(lc.last_activity_at.is_some(), "activity reached the store");
    wait_nothing_left(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn unclaimed_pool_sandboxes_end_with_their_cohort() {
    let t = test_app_with(fixture_scenarios(), |c| c.reaper_interval_seconds = 1).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = t.auth.create_user("ada", Role::Trainer).await.unwrap().0;
    let tiny = t.scenario("tiny").unwrap().clone();
    let cohort = t
        .service
        .create_cohort(
            &ada,
            &tiny,
            CohortRequest {
                name: "Brief".into(),
                starts_at: Utc::now(),
                ends_at: Utc::now() + TimeDelta::seconds(8),
                roster: seats(1).unwrap(),
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    t.service.launch_cohort(&cohort, &tiny).await.unwrap();
    let server = TestServer::start(t).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let ended = loop {
        let expired = server
            .app
            .store
            .sandboxes_in(&[SandboxState::Expired])
            .await
            .unwrap();
        if let Some(sandbox) = expired.first() {
            break sandbox.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the pool sandbox never ended"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(
        Utc::now() >= cohort.ends_at,
        "ended only at the cohort's end"
    );
    assert_eq!(ended.claimed_at, None);
    let lc = server.app.store.lifecycle(ended.id).await.unwrap();
    assert_eq!(lc.ended_reason, Some(EndReason::Expired));
    wait_nothing_left(&server).await;
    server.stop().await;
}
