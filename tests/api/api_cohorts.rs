//! The JSON API on a real server and the real engine: a 20-learner cohort
//! from creation to teardown, capacity refusals, authentication, bad
//! bodies, and the OpenAPI document against the routes served.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use crate::common::api::{Api, account, in_minutes};
use crate::common::http::check;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, test_app_with};
use crate::common::{fixture_scenarios, test_app};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use sandpit::store::Role;
use serde_json::{Value, json};

/// A cohort starting in two hours: beyond the launch lead time, so that the
/// server's pool tending does not launch it before the test does.
fn cohort_body(name: &str, seats: u32, spare: u32) -> Value {
    json!({
        "name": name,
        "scenario": "tiny",
        "starts_at": in_minutes(120),
        "ends_at": in_minutes(240),
        "seats": seats,
        "spare": spare,
    })
}

/// Polls the cohort's status until `done` holds, or fails after `limit`.
async fn wait_for(api: &Api, id: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let status = api.get(&format!("/cohorts/{id}/status")).await;
        assert_eq!(status.status, StatusCode::OK, "{}", status.body);
        if done(&status.body) {
            return status.body;
        }
        assert!(
            start.elapsed() < limit,
            "gave up waiting; last status: {}",
            status.body
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_learners_get_distinct_warm_sandboxes_pass_a_check_and_teardown_leaves_nothing() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, token) = account(&server, "ada", Role::Trainer).await;
    let api = Api::new(&server, Some(&token));

    let created = api
        .post("/cohorts", Some(&cohort_body("Ops team", 20, 1)))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["scenario"], "tiny");
    assert_eq!(created.body["state"], "created");
    let links: Vec<String> = created.body["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["link"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(links.len(), 20);
    assert!(
        links
            .iter()
            .all(|l| l.starts_with(&format!("{}/s/", server.url)))
    );
    assert_eq!(links.iter().collect::<HashSet<_>>().len(), 20);

    let launch = api.post(&format!("/cohorts/{id}/launch"), None).await;
    assert_eq!(launch.status, StatusCode::ACCEPTED, "{}", launch.body);
    assert_eq!(launch.body["started"], 21);
    assert_eq!(launch.body["refused"], 0);
    let ready = wait_for(&api, &id, Duration::from_secs(180), |s| {
        s["counts"]["ready"] == 21
    })
    .await;
    assert_eq!(ready["target"], 21);
    assert_eq!(ready["counts"]["failed"], 0);

    // Twenty learners open their links at once.
    let http = reqwest::Client::new();
    let opens = futures_util::future::join_all(
        links.iter().map(|l| http.post(format!("{l}/start")).send()),
    )
    .await;
    for open in opens {
        assert_eq!(open.unwrap().status(), StatusCode::OK);
    }
    let learners = api.get(&format!("/cohorts/{id}/learners")).await;
    assert_eq!(learners.status, StatusCode::OK);
    let learners = learners.body.as_array().unwrap().clone();
    let sandboxes: HashSet<&str> = learners
        .iter()
        .map(|l| l["sandbox_id"].as_str().expect("every link is bound"))
        .collect();
    assert_eq!(sandboxes.len(), 20, "no sandbox is given twice");
    assert!(learners.iter().all(|l| l["sandbox_state"] == "claimed"));

    // The first learner passes the exercise.
    let first = &learners[0];
    let sandbox = first["sandbox_id"].as_str().unwrap().parse().unwrap();
    server.solve(sandbox, "tiny", "make-file").await;
    let check = check(&http, first["link"].as_str().unwrap(), "make-file").await;
    assert_eq!(check["outcome"], "passed", "{check}");

    let progress = api.get(&format!("/cohorts/{id}/progress")).await;
    assert_eq!(progress.status, StatusCode::OK);
    assert_eq!(progress.body["exercises"][0]["id"], "make-file");
    let rows = progress.body["learners"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    assert_eq!(rows[0]["cells"][0]["state"], "passed");
    assert_eq!(rows[0]["finished"], true);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r["cells"][0]["state"] == "not_started")
    );
    let attempts = api
        .get(&format!(
            "/cohorts/{id}/learners/{}/attempts",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(attempts.status, StatusCode::OK);
    assert_eq!(attempts.body[0]["outcome"], "passed");
    assert_eq!(attempts.body[0]["completion"], true);
    assert_eq!(
        attempts.body[0]["output"].as_str().unwrap().trim(),
        "Found done.txt."
    );

    let status = api.get(&format!("/cohorts/{id}")).await;
    assert_eq!(status.body["state"], "launched");
    let counts = &status.body["pool"]["counts"];
    let live = ["provisioning", "ready", "claimed"]
        .iter()
        .map(|k| counts[k].as_u64().unwrap())
        .sum::<u64>();
    let report = api.post(&format!("/cohorts/{id}/teardown"), None).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert_eq!(report.body["failed"], json!([]));
    assert!(report.body["removed"].as_u64().unwrap() >= live);
    server.assert_nothing_left().await;
    let after = api.get(&format!("/cohorts/{id}")).await;
    assert_eq!(after.body["state"], "torn_down");
    let again = api.post(&format!("/cohorts/{id}/launch"), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_cap_of_five_a_launch_of_ten_starts_five_and_refuses_the_rest_clearly() {
    let server =
        TestServer::start(test_app_with(fixture_scenarios(), |c| c.max_sandboxes = 5).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, token) = account(&server, "ada", Role::Trainer).await;
    let api = Api::new(&server, Some(&token));
    let created = api.post("/cohorts", Some(&cohort_body("Big", 10, 0))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();

    let launch = api.post(&format!("/cohorts/{id}/launch"), None).await;
    assert_eq!(launch.status, StatusCode::ACCEPTED, "{}", launch.body);
    assert_eq!(launch.body["started"], 5);
    assert_eq!(launch.body["refused"], 5);
    let refusal = launch.body["refusal"].as_str().unwrap();
    assert!(refusal.contains("limit of 5"), "{refusal}");

    let again = api.post(&format!("/cohorts/{id}/launch"), None).await;
    assert_eq!(
        again.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        again.body
    );
    assert!(again.error().contains("limit of 5"), "{}", again.error());
    let wait: u64 = again.headers[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0);

    let status = wait_for(&api, &id, Duration::from_secs(120), |s| {
        s["counts"]["ready"] == 5 && s["counts"]["provisioning"] == 0
    })
    .await;
    assert_eq!(status["counts"]["failed"], 0);
    let all = server.app.store.state_counts(None).await.unwrap();
    assert_eq!(all.live(), 5, "nothing beyond the cap was made");

    let report = api.post(&format!("/cohorts/{id}/teardown"), None).await;
    assert_eq!(report.body["removed"], 5, "{}", report.body);
    assert_eq!(report.body["failed"], json!([]));
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn callers_need_a_live_token_and_see_only_their_own_cohorts() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, a_token) = account(&server, "trainer-a", Role::Trainer).await;
    let (_, b_token) = account(&server, "trainer-b", Role::Trainer).await;
    let (_, admin_token) = account(&server, "root", Role::Admin).await;
    let (a, b, admin) = (
        Api::new(&server, Some(&a_token)),
        Api::new(&server, Some(&b_token)),
        Api::new(&server, Some(&admin_token)),
    );

    let anonymous = Api::new(&server, None).get("/cohorts").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(
        anonymous.error().contains("API token"),
        "{}",
        anonymous.error()
    );
    assert!(anonymous.headers.contains_key(WWW_AUTHENTICATE));
    let unknown = Api::new(&server, Some("sandpit_notatoken"))
        .get("/cohorts")
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    unknown.error();

    let created = a.post("/cohorts", Some(&cohort_body("A's", 2, 0))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let learner = created.body["learners"][0]["id"].as_str().unwrap();
    for path in [
        format!("/cohorts/{id}"),
        format!("/cohorts/{id}/learners"),
        format!("/cohorts/{id}/status"),
        format!("/cohorts/{id}/progress"),
        format!("/cohorts/{id}/learners/{learner}/attempts"),
    ] {
        assert_eq!(a.get(&path).await.status, StatusCode::OK, "{path}");
        assert_eq!(admin.get(&path).await.status, StatusCode::OK, "{path}");
        let other = b.get(&path).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(other.error(), "not found");
    }
    for action in ["launch", "teardown"] {
        let other = b.post(&format!("/cohorts/{id}/{action}"), None).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(b.get("/cohorts").await.body, json!([]));
    assert_eq!(a.get("/cohorts").await.body[0]["id"], id);
    assert_eq!(admin.get("/cohorts").await.body[0]["id"], id);
    let stranger = format!("/cohorts/{id}/learners/{}/attempts", uuid::Uuid::new_v4());
    assert_eq!(a.get(&stranger).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.get("/cohorts/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );

    // A revoked token opens nothing.
    let user = server
        .app
        .store
        .user_by_name("trainer-a")
        .await
        .unwrap()
        .unwrap();
    let (token, info) = server.app.auth.create_token(&user, "old").await.unwrap();
    let old = Api::new(&server, Some(&token));
    assert_eq!(old.get("/cohorts").await.status, StatusCode::OK);
    assert!(server.app.store.revoke_api_token(&info.id).await.unwrap());
    let revoked = old.get("/cohorts").await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert!(revoked.error().contains("revoked"), "{}", revoked.error());

    // A signed-in page must send its CSRF token.
    let session = server
        .app
        .auth
        .login("trainer-b", "wrong", "127.0.0.9")
        .await;
    assert!(session.is_err());
    let password = server.app.auth.reset_password("trainer-b").await.unwrap();
    let session = server
        .app
        .auth
        .login("trainer-b", &password, "127.0.0.9")
        .await
        .unwrap();
    let forged = a
        .http
        .post(format!("{}/cohorts", a.base))
        .header("cookie", format!("sandpit_session={}", session.cookie))
        .json(&cohort_body("forged", 1, 0))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let body: Value = forged.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("CSRF"), "{body}");
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn bad_bodies_get_json_errors_that_name_the_field() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, token) = account(&server, "ada", Role::Trainer).await;
    let api = Api::new(&server, Some(&token));
    let raw = |body: String, content_type: Option<&'static str>| {
        let mut r = api
            .http
            .post(format!("{}/cohorts", api.base))
            .bearer_auth(&token)
            .body(body);
        if let Some(t) = content_type {
            r = r.header(CONTENT_TYPE, t);
        }
        r
    };
    let answer = |r: reqwest::RequestBuilder| async move {
        let r = r.send().await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.expect("a JSON error body");
        (status, body["error"].as_str().expect("an error").to_owned())
    };

    let (status, error) = answer(raw("{\"name\": ".into(), Some("application/json"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("not valid JSON"), "{error}");
    let (status, error) = answer(raw("{}".into(), None)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(error.contains("application/json"), "{error}");
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 << 20));
    let (status, error) = answer(raw(huge, Some("application/json"))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error.contains("larger"), "{error}");

    let good = cohort_body("Ops", 2, 0);
    let with = |change: Value| {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    for (change, field) in [
        (json!({ "name": null }), "`name`"),
        (json!({ "name": 7 }), "`name`"),
        (json!({ "seats": "three" }), "`seats`"),
        (json!({ "seats": -1 }), "`seats`"),
        (json!({ "starts_at": "tomorrow" }), "`starts_at`"),
        (json!({ "ends_at": "2030-13-01T00:00:00Z" }), "`ends_at`"),
        (json!({ "scenario": "nope" }), "`scenario`"),
        (json!({ "roster": [{ "name": "Ada" }] }), "`roster`"),
        (
            json!({ "seats": null, "roster_text": "Ada\nBob, not-an-email" }),
            "`roster_text`: line 2",
        ),
        (
            json!({ "seats": null, "roster": [{ "name": "Ada", "email": "ada" }] }),
            "`roster[0].email`",
        ),
        (
            json!({ "seats": null, "roster_text": "Ada <ada@example.org>\nBob <bob@corp.local>" }),
            "`roster_text`: line 2: `bob@corp.local`: `.local` is kept for local or test networks and is not a real domain; an LRS refuses it",
        ),
        (
            json!({ "seats": null, "roster": [{ "name": "Ada", "email": "ada@example.org" }, { "name": "Bob", "email": "bob@intranet" }] }),
            "`roster[1].email`: `bob@intranet`: the domain `intranet` has no dot; give a real domain, such as example.org",
        ),
        (json!({ "seats": 0 }), "`seats`"),
        (json!({ "name": " " }), "`name`"),
        (json!({ "spare": 51 }), "`spare`"),
        (json!({ "max_sandboxes": 0 }), "`max_sandboxes`"),
        (
            json!({ "starts_at": in_minutes(-60), "ends_at": in_minutes(-5) }),
            "`ends_at` is in the past",
        ),
        (
            json!({ "starts_at": in_minutes(300) }),
            "`ends_at` must be after `starts_at`",
        ),
        (json!({ "colour": "blue" }), "colour"),
    ] {
        let bad = api.post("/cohorts", Some(&with(change.clone()))).await;
        assert_eq!(
            bad.status,
            StatusCode::BAD_REQUEST,
            "{change}: {}",
            bad.body
        );
        assert!(bad.error().contains(field), "{change}: {}", bad.error());
    }
    let unknown = api
        .post("/cohorts", Some(&with(json!({ "scenario": "nope" }))))
        .await;
    assert!(
        unknown.error().contains("tiny"),
        "known scenarios are named: {}",
        unknown.error()
    );
    let both = api
        .post("/cohorts", Some(&with(json!({ "roster_text": "Ada" }))))
        .await;
    assert!(both.error().contains("exactly one"), "{}", both.error());

    let nowhere = api.get("/nowhere").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(
        nowhere.error().contains("openapi.json"),
        "{}",
        nowhere.error()
    );
    let wrong = api.call(Method::DELETE, "/cohorts", None).await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    wrong.error();
    assert_eq!(
        api.get("/cohorts").await.body,
        json!([]),
        "nothing was made"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes_served() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let anonymous = Api::new(&server, None);
    let doc = anonymous.get("/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.headers[CONTENT_TYPE], "application/json");
    let doc = doc.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["info"]["title"], "Sandpit API");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["servers"][0]["url"], server.url);

    // The document's operations, as a client reads them.
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    let key = |m: &Method, p: &str| format!("{m} {p}");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(key(&method.to_uppercase().parse().unwrap(), path));
        }
    }
    let served: BTreeSet<String> = sandpit::http::api::served()
        .iter()
        .map(|(m, p)| key(m, p))
        .collect();
    let exports: BTreeSet<String> = sandpit::http::api::openapi::EXPORT_ROUTES
        .iter()
        .map(|p| key(&Method::GET, p))
        .collect();
    let expected: BTreeSet<String> = served.union(&exports).cloned().collect();
    assert_eq!(documented, expected);
    assert!(documented.len() >= 23, "{documented:#?}");

    // Walk the document with an admin's token: each documented operation
    // reaches a handler (no catch-all 404, no 405), and every other method
    // on a documented path is refused with 405. Random ids touch nothing.
    let (_, token) = account(&server, "root", Role::Admin).await;
    let admin = Api::new(&server, Some(&token));
    let fill = |p: &str| {
        p.replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{learner}", &uuid::Uuid::new_v4().to_string())
    };
    for path in doc["paths"].as_object().unwrap().keys() {
        let local = fill(path.strip_prefix("/api/v1").unwrap());
        for method in &methods {
            let answer = admin.call(method.clone(), &local, None).await;
            let at = format!("{method} {local}: {} {}", answer.status, answer.body);
            if documented.contains(&key(method, path)) {
                assert_ne!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{at}");
                assert!(
                    !answer.body.to_string().contains("there is no API route"),
                    "{at}"
                );
                assert!(answer.status.as_u16() < 500, "{at}");
            } else {
                assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{at}");
            }
        }
        // Without a token, only the document itself answers.
        if documented.contains(&key(&Method::GET, path)) {
            let expected = if path == "/api/v1/openapi.json" {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(anonymous.get(&local).await.status, expected, "GET {local}");
        }
    }
    // A path the document does not know is the catch-all's.
    let unknown = admin.get("/cohorts/x/y/z").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.error().contains("openapi.json"));
}
