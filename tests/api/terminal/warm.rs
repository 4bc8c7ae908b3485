//! Shells started ahead in a warm pool: a launched cohort's ready sandboxes
//! each run a login shell before anyone opens a link, the learner who
//! presses Start attaches to it (no second shell), and its recording for
//! that learner's link opens on the prompt the shell drew before the claim.

use std::time::Duration;

use chrono::Utc;
use sandpit::sandbox::CohortRequest;
use sandpit::sandbox::roster::seats;
use sandpit::store::{Role, SandboxState};

use super::client::{DEADLINE, Terminals};
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};

/// `sandpit_terminals_live` as `/metrics` says it.
async fn live_terminals(server: &TestServer) -> u64 {
    let text = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("sandpit_terminals_live "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sandpit_terminals_live in /metrics:\n{text}"))
}

/// Waits until `/metrics` counts `n` live terminals.
async fn wait_live_terminals(server: &TestServer, n: u64) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let live = live_terminals(server).await;
        if live == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{live} live terminals, not {n}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_warm_pool_runs_its_shells_ahead_and_a_claim_attaches_to_one_recorded_from_the_prompt() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let trainer = app.auth.create_user("ada", Role::Trainer).await.unwrap().0;
    let scenario = app.scenario("tiny").unwrap().clone();
    let cohort = app
        .service
        .create_cohort(
            &trainer,
            &scenario,
            CohortRequest {
                name: "Warm group".into(),
                starts_at: Utc::now(),
                ends_at: Utc::now() + chrono::TimeDelta::hours(2),
                roster: seats(2).unwrap(),
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    app.service.launch_cohort(&cohort, &scenario).await.unwrap();

    // Both pool sandboxes get a shell with nobody there yet.
    wait_live_terminals(&server, 2).await;
    let ready = app
        .store
        .sandboxes_in(&[SandboxState::Ready])
        .await
        .unwrap();
    assert_eq!(ready.len(), 2, "{ready:?}");
    assert_eq!(
        std::fs::read_dir(server.data.path().join("recordings"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "nothing is recorded before a learner claims a sandbox"
    );

    // The learner presses Start, then the page opens the terminal.
    let link = &app.service.learner_links(*cohort.id).await.unwrap()[0];
    let started = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/s/{}/start", server.url, link.token.as_str()))
        .header("origin", &server.url)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), reqwest::StatusCode::SEE_OTHER);
    let mut term = server.open(&link.token).await;
    term.wait_text("learner@tiny:~$").await;
    term.run("echo claimed-$((6*7))", "claimed-42").await;
    // The same shell: none was started for the claim.
    assert_eq!(live_terminals(&server).await, 2);

    // Its recording, made for the link, begins with the prompt drawn
    // before the claim, then what the learner typed.
    let (_, sandbox) = app.service.open_link(&link.token).await.unwrap().unwrap();
    let dir = server
        .data
        .path()
        .join("recordings")
        .join(sandbox.id.to_string());
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let text = loop {
        let text = std::fs::read_dir(&dir)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .unwrap_or_default();
        if text.contains("claimed-42") {
            break text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no recording of the claimed shell in {}:\n{text}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let first_output = text
        .lines()
        .nth(1)
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .unwrap_or_else(|| panic!("no event after the header:\n{text}"));
    assert_eq!(first_output[1], "o", "{text}");
    assert!(
        first_output[2]
            .as_str()
            .is_some_and(|o| o.contains("learner@tiny")),
        "the recording opens on the prompt: {text}"
    );
    let recorded = app
        .store
        .recording_use(&link.token.hash())
        .await
        .unwrap()
        .bytes;
    assert!(recorded > 0, "the link's budget counts it");

    term.close().await;
    app.service.teardown_cohort(*cohort.id).await.unwrap();
    wait_live_terminals(&server, 0).await;
    server.assert_nothing_left().await;
}
