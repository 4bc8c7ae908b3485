//! Refreshers (the anchor phase) on the real engine: a lead schedules a
//! re-check of an exercise 4 weeks after each pass; the learners who passed
//! it 5 weeks ago find the invitation on their ended page (those who passed
//! a week ago, or never, do not), the lead exports every link; each starts
//! a fresh sandbox through it, where only that exercise shows and can be
//! checked; one fails their first check, one passes it; retention per
//! team is exact, by API (JSON, CSV) and on the programme's page. Bad
//! requests are refused with what is wrong.

use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use sandpit::store::{Learner, Outcome, Role};
use serde_json::json;

use crate::common::api::Api;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};

/// The `/r/…` link an ended page offers, if any.
fn invitation_in(page: &str) -> Option<String> {
    let start = page.find("href=\"/r/")? + "href=\"".len();
    let end = start + page[start..].find('"')?;
    Some(page[start..end].split('?').next()?.to_owned())
}

#[tokio::test]
async fn learners_take_a_refresher_weeks_later_and_retention_counts_first_try_passes() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let lea = Signed::new(&server, "lea", Role::Trainer).await;
    let api = Api::new(&server, Some(&lea.token(&server).await));
    let id = crate::records::programme(
        app,
        &lea.user,
        &["tiny", "slow"],
        &[("Accueil", &["A1", "A2", "A3"]), ("Finances", &["F1"])],
    )
    .await;
    let programmes = &app.programmes;
    let email = crate::records::email_of;
    let roster = |names: &[&str]| {
        names
            .iter()
            .map(|n| crate::records::entry(n, Some(&email(n)), None))
            .collect()
    };
    let (tiny, learners) = crate::records::cohort(
        app,
        &lea.user,
        "tiny",
        "Monday",
        roster(&["A1", "A2", "A3", "F1"]),
    )
    .await;
    let (slow, others) =
        crate::records::cohort(app, &lea.user, "slow", "Tuesday", roster(&["S1"])).await;
    for cohort in [&tiny, &slow] {
        programmes
            .attach_cohort(&lea.user, id, *cohort.id, "realise")
            .await
            .unwrap();
    }
    let [a1, a2, a3, f1] = [0, 1, 2, 3].map(|i| &learners[i]);
    let s1 = &others[0];
    // A1, A2 and F1 passed tiny's exercise; S1 passed slow's second one.
    let mut sandboxes = Vec::new();
    for (l, cohort, exercise) in [
        (a1, &tiny, Some("make-file")),
        (a2, &tiny, Some("make-file")),
        (a3, &tiny, None),
        (f1, &tiny, Some("make-file")),
        (s1, &slow, Some("hang")),
    ] {
        let s = crate::records::claim(app, cohort, l).await;
        if let Some(e) = exercise {
            crate::records::attempt(app, s, e, Outcome::Passed, "Done", "").await;
        }
        sandboxes.push(s);
    }
    crate::records::retire(app, &sandboxes).await;
    // Five weeks ago for all but F1, who passed a week ago.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.data.path().join("sandpit.db").display()
    ))
    .await
    .unwrap();
    for (l, weeks) in [(a1, 5), (a2, 5), (f1, 1), (s1, 5)] {
        sqlx::query("UPDATE learner_exercises SET passed_at = ? WHERE learner_id = ?")
            .bind(Utc::now() - TimeDelta::weeks(weeks))
            .bind(l.id.to_string())
            .execute(&db)
            .await
            .unwrap();
    }

    // Lea schedules refreshers; bad ones are refused with what is wrong.
    let path = format!("/programmes/{id}/refreshers");
    for (body, says) in [
        (
            json!({"scenario": "tiny", "exercise": "make-file", "after_weeks": 0}),
            "`after_weeks`: from 1 to 104",
        ),
        (
            json!({"scenario": "tiny", "exercise": "nope", "after_weeks": 4}),
            "`tiny` has no exercise `nope`",
        ),
        (
            json!({"scenario": "git-basics", "exercise": "x", "after_weeks": 4}),
            "not one of the programme's scenarios",
        ),
    ] {
        let r = api.call(reqwest::Method::POST, &path, Some(&body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(r.error().contains(says), "{}", r.body);
    }
    for (scenario, exercise) in [("tiny", "make-file"), ("slow", "hang")] {
        let body = json!({"scenario": scenario, "exercise": exercise, "after_weeks": 4});
        let made = api.call(reqwest::Method::POST, &path, Some(&body)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.body["after_weeks"], 4);
    }
    let again = api
        .call(
            reqwest::Method::POST,
            &path,
            Some(&json!({"scenario": "tiny", "exercise": "make-file", "after_weeks": 2})),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        again.error().contains("has a refresher already"),
        "{}",
        again.body
    );
    let listed = api.get(&path).await;
    let tiny_refresher = listed.body[0]["id"].as_str().unwrap().to_owned();

    // The learners it is due to find it on their page; the others do not.
    let ended = |l: &Learner| {
        let url = server.learner_url(l);
        async move {
            let r = reqwest::get(url).await.unwrap();
            assert_eq!(r.status(), StatusCode::GONE);
            r.text().await.unwrap()
        }
    };
    let a1_page = ended(a1).await;
    assert!(a1_page.contains("Refresher: Make a file"), "{a1_page}");
    let a1_invite = invitation_in(&a1_page).unwrap();
    for l in [a3, f1] {
        assert!(invitation_in(&ended(l).await).is_none(), "{l:?}");
    }
    // Lea exports the links (A2 has not opened her page).
    let csv = api
        .text(&format!("{path}/{tiny_refresher}/links?format=csv"))
        .await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "\u{feff}learner_id;name;team;passed_at;link;started"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].contains(";A1;Accueil;") && lines[1].ends_with(&format!("{a1_invite};false")),
        "{csv}"
    );
    let a2_invite = lines[2].split(';').nth(4).unwrap().replace(&server.url, "");
    assert!(lines[2].contains(";A2;Accueil;"), "{csv}");
    let s1_invite = invitation_in(&ended(s1).await).unwrap();

    // The invitation: a page, then Start builds a fresh sandbox.
    let page = reqwest::get(format!("{}{a1_invite}", server.url))
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Refresher: Make a file") && page.contains("Hello A1."),
        "{page}"
    );
    let forged = reqwest::Client::new()
        .post(format!("{}{a1_invite}/start", server.url))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let server = &server;
    let start = |invite: &str| {
        let url = format!("{}{invite}/start", server.url);
        async move {
            let r = server.post_form(&url, &[]).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{url}");
            let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
            to.split('?').next().unwrap().to_owned()
        }
    };
    let a1_link = start(&a1_invite).await;
    assert_eq!(
        start(&a1_invite).await,
        a1_link,
        "pressing again leads to the same sandbox"
    );
    let a2_link = start(&a2_invite).await;
    let s1_link = start(&s1_invite).await;
    let unknown = reqwest::get(format!("{}/r/{}", server.url, "a".repeat(32)))
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Only the exercise re-checked shows, and only it can be checked.
    let s1_page = reqwest::get(format!("{}{s1_link}", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(s1_page.contains("Step 1 — A check that hangs"), "{s1_page}");
    assert!(!s1_page.contains("Wait a bit"), "{s1_page}");
    assert!(s1_page.contains("0 of 1 steps done"), "{s1_page}");
    let other = server
        .post_form(&format!("{}{s1_link}/check/wait-a-bit", server.url), &[])
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);

    // A1 checks at once (no file in a fresh sandbox), then makes it; A2
    // makes it first.
    let check = |link: &str| {
        let url = format!("{}{link}/check/make-file", server.url);
        async move {
            let r = crate::common::http::client()
                .post(url)
                .header(reqwest::header::ORIGIN, &server.url)
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .unwrap();
            let body: serde_json::Value = r.json().await.unwrap();
            body["outcome"].as_str().unwrap().to_owned()
        }
    };
    let sandbox_of = |link: &str| {
        let token = sandpit::sandbox::LinkToken::parse(link.trim_start_matches("/s/")).unwrap();
        async move { app.service.open_link(&token).await.unwrap().unwrap().1.id }
    };
    assert_eq!(check(&a1_link).await, "failed");
    let a1_sandbox = sandbox_of(&a1_link).await;
    server.solve(a1_sandbox, "tiny", "make-file").await;
    assert_eq!(check(&a1_link).await, "passed");
    let a2_sandbox = sandbox_of(&a2_link).await;
    server.solve(a2_sandbox, "tiny", "make-file").await;
    assert_eq!(check(&a2_link).await, "passed");
    // The refresher's checks are its own: A1's proficiency figures keep
    // the one attempt of the cohort.
    let attempts: i64 = sqlx::query_scalar(
        "SELECT attempts FROM learner_exercises WHERE learner_id = ? AND exercise_id = 'make-file'",
    )
    .bind(a1.id.to_string())
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(attempts, 1);

    // Retention: Accueil 1 of 2 at the first check; S1 (no team) took it
    // and has not checked.
    let retention = api
        .get(&format!("/programmes/{id}/indicators/retention"))
        .await;
    assert_eq!(retention.status, StatusCode::OK, "{}", retention.body);
    assert_eq!(
        retention.body["teams"],
        json!([
            {"team": "Accueil", "due": 2, "taken": 2, "passed_first_try": 1, "retention_percent": 50.0},
            {"team": null, "due": 1, "taken": 1, "passed_first_try": 0, "retention_percent": 0.0},
        ])
    );
    assert_eq!(
        retention.body["total"],
        json!({"team": null, "due": 3, "taken": 3, "passed_first_try": 1, "retention_percent": 33.3})
    );
    let csv = api
        .text(&format!(
            "/programmes/{id}/indicators/retention?format=csv&team=Accueil"
        ))
        .await;
    assert_eq!(
        csv,
        "\u{feff}row;team;due;taken;passed_first_try;retention_percent\n\
         team;Accueil;2;2;1;50\n\
         total;;2;2;1;50\n"
    );
    let (status, page) = lea.page(&format!("/trainer/programmes/{id}?lang=fr")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Make a file, 4 semaines après la réussite"),
        "{page}"
    );
    assert!(
        page.contains("<tr class=\"total\"><th scope=\"row\">Toutes les équipes</th><td class=\"num\">3</td><td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">33,3 %</td></tr>"),
        "{page}"
    );
    // The page's form schedules one too; a bad number of weeks is refused.
    let refused = lea
        .post(
            &format!("/trainer/programmes/{id}/refreshers"),
            &[("exercise", "slow/wait-a-bit"), ("after_weeks", "0")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let made = lea
        .post(
            &format!("/trainer/programmes/{id}/refreshers"),
            &[("exercise", "slow/wait-a-bit"), ("after_weeks", "6")],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    assert_eq!(api.get(&path).await.body.as_array().unwrap().len(), 3);

    for link in [&a1_link, &a2_link, &s1_link] {
        let sandbox = sandbox_of(link).await;
        app.service.destroy(sandbox).await.unwrap();
    }
    server.assert_nothing_left().await;
}
