//! Cohorts on the real engine and store: a launched cohort's warm pool,
//! claims that never give a sandbox twice, cold starts within the caps,
//! retries of failed provisioning, and teardowns that leave nothing.

use std::collections::HashSet;
use std::time::Duration;

use crate::common;
use crate::common::{InstanceCleanup, TestApp, fixture_scenarios, test_app, test_app_with};
use chrono::Utc;
use sandpit::sandbox::roster::seats;
use sandpit::sandbox::{CohortRequest, PoolStatus, Refusal, SandboxError};
use sandpit::store::{Cohort, Role, User};

async fn trainer(t: &TestApp, name: &str) -> User {
    t.auth.create_user(name, Role::Trainer).await.unwrap().0
}

async fn cohort(
    t: &TestApp,
    owner: &User,
    scenario: &str,
    learners: usize,
    spare: u32,
    cap: Option<u32>,
) -> Cohort {
    let scenario = t.scenario(scenario).unwrap().clone();
    t.service
        .create_cohort(
            owner,
            &scenario,
            CohortRequest {
                name: "Tuesday group".into(),
                starts_at: Utc::now(),
                ends_at: Utc::now() + chrono::TimeDelta::hours(2),
                roster: seats(learners).unwrap(),
                spare,
                max_sandboxes: cap,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap()
}

/// Waits until `done` holds for the cohort's pool, or fails after `limit`.
async fn wait_for(
    t: &TestApp,
    c: &Cohort,
    limit: Duration,
    done: impl Fn(&PoolStatus) -> bool,
) -> PoolStatus {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let c = t.store.cohort(*c.id).await.unwrap().unwrap();
        let status = t.service.pool_status(&c).await.unwrap();
        if done(&status) {
            return status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "pool never got there: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn concurrent_opens_claim_distinct_warm_sandboxes_and_the_pool_refills() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    let c = cohort(&t, &ada, "tiny", 6, 1, None).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let launched = t.service.launch_cohort(&c, &scenario).await.unwrap();
    assert_eq!((launched.started, launched.refused), (7, 0));
    wait_for(&t, &c, Duration::from_secs(60), |s| s.counts.ready == 7).await;

    // Every link opened twice at once: twelve opens, six sandboxes.
    let links = t.service.learner_links(*c.id).await.unwrap();
    let opens = links
        .iter()
        .chain(&links)
        .map(|l| t.service.open_link(&l.token));
    let opened = futures_util::future::join_all(opens).await;
    let mut per_link = std::collections::HashMap::new();
    for (link, result) in links.iter().chain(&links).zip(opened) {
        let (_, sandbox) = result.unwrap().expect("every link opens");
        let first = per_link.entry(link.learner.id).or_insert(sandbox.id);
        assert_eq!(*first, sandbox.id, "one learner, one sandbox");
        assert_eq!(
            sandbox.learner_id.as_deref(),
            Some(link.learner.id.to_string().as_str())
        );
    }
    let distinct: HashSet<_> = per_link.values().collect();
    assert_eq!(distinct.len(), 6, "no sandbox given twice");

    // One spare stays warm, and the spare is not a claimed one.
    let status = wait_for(&t, &c, Duration::from_secs(30), |s| {
        s.counts.claimed == 6 && s.counts.ready == 1
    })
    .await;
    assert_eq!(status.unclaimed_learners, 0);
    assert_eq!(status.counts.provisioning, 0);

    let report = t.service.teardown_cohort(*c.id).await.unwrap();
    assert_eq!(report.removed, 7, "{report:?}");
    assert!(report.failed.is_empty());
    t.assert_nothing_left().await;
    // A torn-down cohort's links open nothing, and its records stay.
    assert!(
        t.service
            .open_link(&links[0].token)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(t.store.learners(*c.id).await.unwrap().len(), 6);
}

#[tokio::test]
async fn an_empty_pool_cold_starts_within_the_cohorts_cap_and_refuses_past_it() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    let c = cohort(&t, &ada, "tiny", 2, 0, Some(1)).await;
    let links = t.service.learner_links(*c.id).await.unwrap();

    let (_, first) = t.service.open_link(&links[0].token).await.unwrap().unwrap();
    assert_eq!(first.state, sandpit::store::SandboxState::Claimed);
    let e = t.service.open_link(&links[1].token).await.unwrap_err();
    assert!(
        matches!(
            &e,
            SandboxError::NoCapacity {
                reason: Refusal::CohortFull { cap: 1 },
                ..
            }
        ),
        "{e}"
    );
    // The refusal made nothing: one sandbox on the engine, one live record.
    let counts = t.store.state_counts(Some(*c.id)).await.unwrap();
    assert_eq!(counts.live(), 1, "{counts:?}");

    t.service.teardown_cohort(*c.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn the_global_cap_splits_a_launch_into_started_and_refused() {
    let t = test_app_with(fixture_scenarios(), |c| c.max_sandboxes = 3).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    let c = cohort(&t, &ada, "tiny", 5, 0, None).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let r = t.service.launch_cohort(&c, &scenario).await.unwrap();
    assert_eq!((r.started, r.refused), (3, 2));
    assert_eq!(r.refusal, Some(Refusal::ServerFull { max: 3 }));
    wait_for(&t, &c, Duration::from_secs(60), |s| s.counts.ready == 3).await;
    let again = t.service.launch_cohort(&c, &scenario).await.unwrap();
    assert_eq!((again.started, again.refused), (0, 2));

    t.service.teardown_cohort(*c.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn failed_provisioning_is_retried_then_reported_with_its_reason() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    let c = cohort(&t, &ada, "broken-setup", 1, 0, None).await;
    let scenario = t.scenario("broken-setup").unwrap().clone();
    t.service.launch_cohort(&c, &scenario).await.unwrap();
    let status = wait_for(&t, &c, Duration::from_secs(90), |s| s.failing.is_some()).await;
    assert_eq!(status.counts.failed, 3, "three tries: {status:?}");
    assert!(
        status.failing.unwrap().contains("setup"),
        "the reason is kept"
    );
    // It stays given up until launched again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let c2 = t.store.cohort(*c.id).await.unwrap().unwrap();
    assert!(t.service.fill_pool(&c2, &scenario).await.unwrap().started == 0);
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn a_teardown_during_a_launch_leaves_nothing_behind() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    let c = cohort(&t, &ada, "tiny", 8, 0, None).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    t.service.launch_cohort(&c, &scenario).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (a, b) = tokio::join!(
        t.service.teardown_cohort(*c.id),
        t.service.teardown_cohort(*c.id)
    );
    a.unwrap();
    b.unwrap();
    t.assert_nothing_left().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    t.assert_nothing_left().await;
    let counts = t.store.state_counts(Some(*c.id)).await.unwrap();
    assert_eq!(counts.live(), 0, "{counts:?}");
}

#[tokio::test]
async fn cohorts_starting_within_the_lead_time_launch_on_their_own() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let make = |minutes: i64, name: &str| {
        let request = CohortRequest {
            name: name.into(),
            starts_at: Utc::now() + chrono::TimeDelta::minutes(minutes),
            ends_at: Utc::now() + chrono::TimeDelta::minutes(minutes + 60),
            roster: seats(1).unwrap(),
            spare: 0,
            max_sandboxes: None,
            time_zone: sandpit::timezone::TimeZone::PARIS,
        };
        let (t, ada, scenario) = (&t, &ada, &scenario);
        async move {
            t.service
                .create_cohort(ada, scenario, request)
                .await
                .unwrap()
        }
    };
    let soon = make(10, "soon").await;
    let later = make(120, "later").await;
    t.service
        .tend_pools(chrono::TimeDelta::minutes(30), &t.scenarios)
        .await
        .unwrap();
    wait_for(&t, &soon, Duration::from_secs(60), |s| {
        s.launched && s.counts.ready == 1
    })
    .await;
    let later = t.store.cohort(*later.id).await.unwrap().unwrap();
    assert!(later.launched_at.is_none(), "two hours ahead is not due");
    assert_eq!(
        t.store.state_counts(Some(*later.id)).await.unwrap().live(),
        0
    );

    t.service.teardown_cohort(*soon.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn a_learner_past_the_cap_gets_a_page_that_says_so_with_retry_after() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    let c = cohort(&t, &ada, "tiny", 2, 0, Some(1)).await;
    let server = common::server::TestServer::start(t).await;
    let links = server.app.service.learner_links(*c.id).await.unwrap();
    let http = reqwest::Client::new();
    let first = http
        .post(format!("{}/start", server.link_url(&links[0].token)))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let second = http
        .post(format!("{}/start", server.link_url(&links[1].token)))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 429);
    let retry: u64 = second.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let body = second.text().await.unwrap();
    assert!(body.contains("not ready yet"), "{body}");
    server.app.service.teardown_cohort(*c.id).await.unwrap();
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn a_learner_who_arrives_while_the_pool_builds_waits_for_it_instead_of_being_refused() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    // A cap of one: a cold start beside the pool's sandbox would be refused.
    let c = cohort(&t, &ada, "tiny", 1, 0, Some(1)).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let r = t.service.launch_cohort(&c, &scenario).await.unwrap();
    assert_eq!(r.started, 1);
    let links = t.service.learner_links(*c.id).await.unwrap();
    let (_, sandbox) = t
        .service
        .open_link(&links[0].token)
        .await
        .unwrap()
        .expect("the pool's sandbox, once built");
    assert_eq!(sandbox.state, sandpit::store::SandboxState::Claimed);
    let counts = t.store.state_counts(Some(*c.id)).await.unwrap();
    assert_eq!((counts.claimed, counts.live()), (1, 1), "{counts:?}");

    t.service.teardown_cohort(*c.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn fetching_a_cohort_link_claims_nothing_until_the_learner_presses_start() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let ada = trainer(&t, "ada").await;
    let c = cohort(&t, &ada, "tiny", 1, 0, None).await;
    let server = common::server::TestServer::start(t).await;
    let links = server.app.service.learner_links(*c.id).await.unwrap();
    let url = server.link_url(&links[0].token);
    let http = reqwest::Client::new();
    // What a mail scanner or a chat preview does: GET and HEAD.
    for _ in 0..2 {
        let page = http.get(&url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["cache-control"], "no-store");
        let body = page.text().await.unwrap();
        assert!(
            body.contains("id=\"start\"") && body.contains("Seat 1"),
            "{body}"
        );
        assert_eq!(http.head(&url).send().await.unwrap().status(), 200);
    }
    let counts = server.app.store.state_counts(Some(*c.id)).await.unwrap();
    // (The pool may be warming up: the cohort starts now.)
    assert_eq!(counts.claimed, 0, "nothing claimed: {counts:?}");
    assert!(
        server.app.store.learners(*c.id).await.unwrap()[0]
            .sandbox_id
            .is_none()
    );

    // Another site cannot start it for them.
    let forged = http
        .post(format!("{url}/start"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // The button does; the learner lands on their page.
    let started = http.post(format!("{url}/start")).send().await.unwrap();
    assert_eq!(started.status(), 200);
    assert!(started.text().await.unwrap().contains("scenario-title"));
    let counts = server.app.store.state_counts(Some(*c.id)).await.unwrap();
    assert_eq!(counts.claimed, 1, "{counts:?}");

    server.app.service.teardown_cohort(*c.id).await.unwrap();
    server.assert_nothing_left().await;
}
