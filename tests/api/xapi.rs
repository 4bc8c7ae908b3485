//! xAPI: statements meet the spec's required fields and keep their ids; an
//! LRS that is down (or answers 503) leaves them waiting in the outbox, and
//! once it is back each is sent exactly once, across restarts; a learner who
//! claims and passes on the real engine reaches the LRS.

use crate::common;
use crate::common::http::{check, client};
use crate::records;
use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::server::TestServer;
use crate::common::{TestApp, fixture_scenarios, test_app};
use crate::xapi_kit::lrs::TestLrs;
use crate::xapi_kit::validate::{assert_valid, is_iso8601_duration, validate};
use chrono::{DateTime, SubsecRound, Utc};
use reqwest::header::AUTHORIZATION;
use sandpit::store::{Outcome, Role};
use serde_json::Value;

#[test]
fn the_validator_refuses_what_the_spec_refuses() {
    let good = serde_json::json!({
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "actor": {"objectType": "Agent", "mbox": "mailto:a@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
        "object": {"id": "http://localhost/xapi/scenarios/tiny"},
        "result": {"duration": "PT1M3.5S"},
        "context": {"registration": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
        "timestamp": "2024-05-01T10:00:00.000Z"
    });
    validate(&good).unwrap();
    let spoil = |path: &[&str], v: Value| {
        let mut s = good.clone();
        let mut at = &mut s;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = v;
        validate(&s).unwrap_err()
    };
    spoil(&["id"], "42".into());
    spoil(
        &["actor", "account"],
        serde_json::json!({"homePage": "http://x", "name": "1"}),
    );
    spoil(&["verb", "id"], "passed".into());
    spoil(
        &["verb", "display"],
        serde_json::json!({"english!": "passed"}),
    );
    spoil(&["object", "id"], "not an iri".into());
    spoil(&["timestamp"], "yesterday".into());
    spoil(&["result", "duration"], "1 minute".into());
    spoil(&["result", "duration"], "PT".into());
    spoil(&["result", "duration"], "PT1.5M".into());
    spoil(&["context", "registration"], "cohort-1".into());
    for d in ["PT0S", "PT1H2M3.04S", "P1D", "PT25H", "P1DT2H"] {
        assert!(is_iso8601_duration(d), "{d}");
    }
}

async fn xapi_export(url: &str, cohort: &str, token: &str) -> Vec<Value> {
    let response = client()
        .get(format!("{url}/api/v1/cohorts/{cohort}/export/xapi.json"))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.json().await.unwrap()
}

fn verb(s: &Value) -> &str {
    s["verb"]["id"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://adlnet.gov/expapi/verbs/")
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn statements_meet_the_specs_required_fields_and_keep_their_ids() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let app = &server.app;
    let (trainer, token) = records::account(app, "trainer", Role::Trainer).await;
    let (cohort, learners) = records::cohort(
        app,
        &trainer,
        "tiny",
        "Wave 1",
        vec![
            records::entry("Ada", Some("ada@example.org"), Some("Finance")),
            records::entry("Bob", None, None),
            records::entry("Cleo", None, None),
        ],
    )
    .await;
    let ada = records::claim(app, &cohort, &learners[0]).await;
    let bob = records::claim(app, &cohort, &learners[1]).await;
    for outcome in [
        Outcome::Failed,
        Outcome::Error,
        Outcome::Passed,
        Outcome::Passed,
    ] {
        records::attempt(app, ada, "make-file", outcome, "out", "").await;
    }

    let statements = xapi_export(&server.url, &cohort.id.to_string(), &token).await;
    assert_valid(&statements);
    let verbs: Vec<&str> = statements.iter().map(verb).collect();
    let mut sorted = verbs.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "attempted",
            "completed",
            "failed",
            "launched",
            "launched",
            "passed",
            "passed"
        ],
        "an error is not the learner's doing; Cleo never came: {verbs:?}"
    );
    let times: Vec<DateTime<Utc>> = statements.iter().map(|s| time(&s["timestamp"])).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order");

    let scenario_iri = format!("{}/xapi/scenarios/tiny", server.url);
    let exercise_iri = format!("{scenario_iri}/exercises/make-file");
    let claims = app.store.first_claims(*cohort.id).await.unwrap();
    let attempts = app.store.cohort_attempts(*cohort.id).await.unwrap();
    let iso = |from: DateTime<Utc>, to: DateTime<Utc>| sandpit::xapi::iso8601_duration(to - from);
    let ada_claim = claims[&learners[0].id];
    let mine = |v: &str| -> Vec<&Value> {
        statements
            .iter()
            .filter(|s| verb(s) == v && s["actor"]["mbox"] == "mailto:ada@example.org")
            .collect()
    };
    for s in &statements {
        assert_eq!(s["context"]["registration"], cohort.id.to_string());
        assert_eq!(s["context"]["platform"], "Sandpit");
    }
    // Ada: claimed, failed, (error), passed, passed again.
    let launched = mine("launched");
    assert_eq!(launched[0]["object"]["id"], scenario_iri.as_str());
    // Timestamps carry milliseconds.
    let ms = |t: DateTime<Utc>| t.trunc_subsecs(3);
    assert_eq!(time(&launched[0]["timestamp"]), ms(ada_claim));
    assert_eq!(launched[0]["actor"]["name"], "Ada");
    assert_eq!(
        launched[0]["context"]["extensions"][format!("{}/xapi/extensions/team", server.url)],
        "Finance"
    );
    let attempted = mine("attempted");
    assert_eq!(attempted.len(), 1, "attempted once per exercise");
    assert_eq!(attempted[0]["object"]["id"], exercise_iri.as_str());
    assert_eq!(time(&attempted[0]["timestamp"]), ms(attempts[0].created_at));
    let failed = mine("failed");
    assert_eq!(failed[0]["result"]["success"], false);
    assert_eq!(
        failed[0]["result"]["duration"],
        iso(ada_claim, attempts[0].created_at)
    );
    assert_eq!(
        failed[0]["context"]["contextActivities"]["parent"][0]["id"],
        scenario_iri.as_str()
    );
    let passed = mine("passed");
    assert_eq!(passed.len(), 2);
    assert_eq!(passed[0]["result"]["success"], true);
    // From the previous check (the error) to this one.
    assert_eq!(
        passed[0]["result"]["duration"],
        iso(attempts[1].created_at, attempts[2].created_at)
    );
    assert_eq!(
        passed[1]["result"]["duration"],
        iso(attempts[2].created_at, attempts[3].created_at)
    );
    let completed = mine("completed");
    assert_eq!(completed.len(), 1);
    assert_eq!(completed[0]["object"]["id"], scenario_iri.as_str());
    assert_eq!(completed[0]["result"]["completion"], true);
    assert_eq!(
        completed[0]["result"]["duration"],
        iso(ada_claim, attempts[2].created_at)
    );
    assert_eq!(
        completed[0]["object"]["definition"]["type"],
        "http://adlnet.gov/expapi/activities/course"
    );
    // Bob has no email: an account on this Sandpit names him.
    let bob_launch = statements
        .iter()
        .find(|s| s["actor"]["name"] == "Bob")
        .unwrap();
    assert_eq!(
        bob_launch["actor"]["account"],
        serde_json::json!({"homePage": server.url, "name": learners[1].id.to_string()})
    );
    assert!(bob_launch["actor"].get("mbox").is_none());

    // The same records give the same statements, ids included.
    let again = xapi_export(&server.url, &cohort.id.to_string(), &token).await;
    assert_eq!(again, statements);

    records::retire(app, &[ada, bob]).await;
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn statements_wait_in_the_outbox_while_the_lrs_is_down_and_are_sent_once_each_across_restarts()
 {
    let lrs_addr = TestLrs::reserve();
    let endpoint = TestLrs::endpoint(lrs_addr);
    let data = tempfile::tempdir().unwrap();
    let long = Duration::from_secs(40);

    // The LRS is not running: statements are queued and wait.
    let first = records::Running::start(records::open(data.path(), Some(&endpoint)).await).await;
    let app = first.app.clone();
    let (trainer, _) = records::account(&app, "trainer", Role::Trainer).await;
    let (cohort, learners) = records::cohort(
        &app,
        &trainer,
        "tiny",
        "Wave 1",
        vec![
            records::entry("Ada", Some("ada@example.org"), None),
            records::entry("Bob", None, None),
        ],
    )
    .await;
    let ada = records::claim(&app, &cohort, &learners[0]).await;
    let bob = records::claim(&app, &cohort, &learners[1]).await;
    records::attempt(&app, ada, "make-file", Outcome::Failed, "no", "").await;
    records::attempt(&app, ada, "make-file", Outcome::Passed, "yes", "").await;
    // launched ×2, attempted, failed, passed, completed
    records::eventually(long, "six statements wait after a failed try", || async {
        let s = app.store.outbox_status().await.unwrap();
        s.pending == 6 && s.failing > 0
    })
    .await;
    let status = app.store.outbox_status().await.unwrap();
    assert_eq!(status.sent, 0);
    let error = status.last_error.unwrap();
    assert!(error.contains("cannot reach the LRS"), "{error}");

    // Restarted with the LRS answering 503: still waiting, tried again.
    first.stop().await.store.close().await;
    drop(app);
    let lrs = TestLrs::start(lrs_addr, true).await;
    let second = records::Running::start(records::open(data.path(), Some(&endpoint)).await).await;
    let app = second.app.clone();
    records::eventually(long, "the LRS refuses with 503", || async {
        lrs.refused() > 0
            && app
                .store
                .outbox_status()
                .await
                .unwrap()
                .last_error
                .is_some_and(|e| e.contains("503"))
    })
    .await;
    assert_eq!(app.store.outbox_status().await.unwrap().pending, 6);
    assert!(lrs.statements().is_empty());

    // The LRS is back: each statement arrives once.
    lrs.set_unavailable(false);
    records::eventually(long, "all six are sent", || async {
        let s = app.store.outbox_status().await.unwrap();
        s.sent == 6 && s.pending == 0
    })
    .await;
    let arrived = lrs.arrivals();
    assert_eq!(arrived.len(), 6);
    assert!(arrived.values().all(|n| *n == 1), "{arrived:?}");
    assert_valid(&lrs.statements());
    assert_eq!(app.store.outbox_status().await.unwrap().last_error, None);

    // New records while it runs are sent promptly.
    records::attempt(&app, bob, "make-file", Outcome::Failed, "no", "").await;
    records::eventually(long, "Bob's attempt is sent", || async {
        lrs.arrivals().len() == 8
    })
    .await;

    // Records made while Sandpit is stopped are sent at its next start, and
    // nothing already sent goes again.
    let app = second.stop().await;
    records::attempt(&app, bob, "make-file", Outcome::Passed, "yes", "").await;
    app.store.close().await;
    drop(app);
    let third = records::Running::start(records::open(data.path(), Some(&endpoint)).await).await;
    let app = third.app.clone();
    records::eventually(long, "Bob's pass and completion are sent", || async {
        lrs.arrivals().len() == 10
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let arrived = lrs.arrivals();
    assert_eq!(arrived.len(), 10);
    assert!(
        arrived.values().all(|n| *n == 1),
        "sent exactly once: {arrived:?}"
    );
    let status = app.store.outbox_status().await.unwrap();
    assert_eq!((status.pending, status.sent), (0, 10));
    assert_eq!(lrs.log.lock().unwrap().malformed, 0);
    let verbs: Vec<String> = lrs
        .statements()
        .iter()
        .map(|s| verb(s).to_owned())
        .collect();
    let count = |v: &str| verbs.iter().filter(|x| *x == v).count();
    assert_eq!(
        [
            count("launched"),
            count("attempted"),
            count("failed"),
            count("passed"),
            count("completed")
        ],
        [2, 2, 2, 2, 2],
        "{verbs:?}"
    );

    records::retire(&app, &[ada, bob]).await;
    third.stop().await;
}

#[tokio::test]
async fn a_learner_who_claims_and_passes_reaches_the_lrs() {
    let lrs_addr = TestLrs::reserve();
    let lrs = TestLrs::start(lrs_addr, false).await;
    let data = tempfile::tempdir().unwrap();
    let app = records::open(data.path(), Some(&TestLrs::endpoint(lrs_addr))).await;
    let server = TestServer::start(TestApp::new(app, data)).await;
    let app = &server.app;
    let (trainer, token) = records::account(app, "trainer", Role::Trainer).await;
    let (cohort, learners) = records::cohort(
        app,
        &trainer,
        "tiny",
        "Live wave",
        vec![records::entry("Ada", Some("ada@example.org"), Some("Ops"))],
    )
    .await;
    let link = server.link_url(&app.service.learner_token(*learners[0].id));
    let http = client();

    // Opening the link claims (here: cold-starts) Ada's sandbox.
    // (Pressing Start: a GET only shows the button.)
    let page = http.post(format!("{link}/start")).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::SEE_OTHER);
    let sandbox = app.store.learners(*cohort.id).await.unwrap()[0]
        .sandbox_id
        .as_deref()
        .map(|s| uuid::Uuid::parse_str(s).unwrap())
        .expect("the link is bound to a sandbox");
    let mut cleanup = common::Cleanup::default();
    cleanup.ids.push(sandbox);
    server.solve(sandbox, "tiny", "make-file").await;
    let pass = check(&http, &link, "make-file").await;
    assert_eq!(pass["outcome"], "passed");

    records::eventually(
        Duration::from_secs(30),
        "four statements reach the LRS",
        || async { lrs.statements().len() >= 4 },
    )
    .await;
    let received = lrs.statements();
    assert_valid(&received);
    let verbs: BTreeSet<&str> = received.iter().map(verb).collect();
    assert_eq!(
        verbs,
        BTreeSet::from(["launched", "attempted", "passed", "completed"])
    );
    assert!(
        received
            .iter()
            .all(|s| s["actor"]["mbox"] == "mailto:ada@example.org")
    );
    // What the LRS got is what the cohort's download says.
    let mut exported = xapi_export(&server.url, &cohort.id.to_string(), &token).await;
    let mut sent = received.clone();
    let by_id = |a: &Value, b: &Value| a["id"].as_str().cmp(&b["id"].as_str());
    exported.sort_by(by_id);
    sent.sort_by(by_id);
    assert_eq!(exported, sent);

    let report = app.service.teardown_cohort(*cohort.id).await.unwrap();
    assert!(report.failed.is_empty(), "{report:?}");
    server.assert_nothing_left().await;
}
