//! A learner's link after their sandbox is gone, over real HTTP on the real
//! engine: whatever ended it (a teardown, its cohort's end before they
//! started), the link answers 410 with why and what they completed, in
//! English and French; unknown links stay plain 404s.

use crate::common::http::{check, client};
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, repo_scenarios, test_app};
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use sandpit::sandbox::roster::seats;
use sandpit::sandbox::{CohortRequest, LinkToken};
use sandpit::store::Role;
use serde_json::Value;

/// The `/progress` answer of a link: status and body.
async fn progress(http: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    let response = http
        .get(format!("{url}/progress"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_torn_down_sandbox_link_answers_410_with_the_steps_completed_in_english_and_french() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let server = server;
    let http = client();
    let (token, sandbox) = server.link("git-basics", "Ada").await;
    let url = server.link_url(&token);
    server.solve(sandbox.id, "git-basics", "set-identity").await;
    assert_eq!(
        check(&http, &url, "set-identity").await["outcome"],
        "passed"
    );

    // What a trainer's or an admin's teardown does to the sandbox.
    server.app.service.destroy(sandbox.id).await.unwrap();
    let ended = http.get(&url).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::GONE);
    assert_eq!(ended.headers()["cache-control"], "no-store");
    let html = ended.text().await.unwrap();
    assert!(html.contains("<h1>This sandbox has ended</h1>"), "{html}");
    assert!(
        html.contains(
            "<p class=\"reason\" data-end=\"torn_down\">It was closed by your trainer or an administrator.</p>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<p>What you did is kept: 1 of 8 steps completed.</p>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<li class=\"step done\">Introduce yourself to git <span class=\"tick\" aria-label=\"done\">✓</span></li>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<li class=\"step\">Find out who changed the approval limit</li>"),
        "{html}"
    );
    let (status, body) = progress(&http, &url).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(
        body,
        serde_json::json!({"ended": true, "reason": "torn_down"})
    );

    let fr = http.get(format!("{url}?lang=fr")).send().await.unwrap();
    assert_eq!(fr.status(), StatusCode::GONE);
    let fr = fr.text().await.unwrap();
    assert!(fr.contains("<h1>Ce bac à sable est terminé</h1>"), "{fr}");
    assert!(
        fr.contains("Il a été fermé par votre formateur ou formatrice, ou par un administrateur."),
        "{fr}"
    );
    assert!(
        fr.contains("Votre travail est conservé : 1 étape(s) réussie(s) sur 8."),
        "{fr}"
    );

    // A Check pressed on the page still open says the same; unknown links
    // are still 404s.
    let again = http
        .post(format!("{url}/check/set-identity"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
    let unknown = http
        .get(server.link_url(&LinkToken::generate()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        !unknown
            .text()
            .await
            .unwrap()
            .contains("This sandbox has ended")
    );
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn a_cohort_link_never_started_answers_410_once_its_cohort_is_torn_down() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let (trainer, _) = t.auth.create_user("grace", Role::Trainer).await.unwrap();
    let scenario = t.scenario("tiny").unwrap().clone();
    let cohort = t
        .service
        .create_cohort(
            &trainer,
            &scenario,
            CohortRequest {
                name: "Friday group".into(),
                starts_at: chrono::Utc::now(),
                ends_at: chrono::Utc::now() + chrono::TimeDelta::hours(2),
                roster: seats(1).unwrap(),
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    let server = TestServer::start(t).await;
    let http = client();
    let links = server.app.service.learner_links(*cohort.id).await.unwrap();
    let url = server.link_url(&links[0].token);
    let start = http.get(&url).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::OK);
    // Told of both ends before it starts.
    let start = start.text().await.unwrap();
    assert!(
        start.contains(
            "Your sandbox lasts 5 minutes from when you start it. It closes earlier if nobody uses it for 30 minutes."
        ),
        "{start}"
    );

    server
        .app
        .service
        .teardown_cohort(*cohort.id)
        .await
        .unwrap();
    let ended = http.get(&url).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::GONE);
    let html = ended.text().await.unwrap();
    assert!(
        html.contains(
            "<p class=\"reason\" data-end=\"cohort_over\">Your session ended before you started this sandbox.</p>"
        ),
        "{html}"
    );
    assert!(
        html.contains("What you did is kept: 0 of 1 steps completed."),
        "{html}"
    );
    // A Start button left open in another tab gets the same answer.
    let late = http
        .post(format!("{url}/start"))
        .header("origin", &server.url)
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::GONE);
    let (status, body) = progress(&http, &url).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(body["reason"], "cohort_over");
    server.assert_nothing_left().await;
}
