//! Ambassadors and calls for help: a trainer makes a learner (and another
//! trainer) ambassadors of a cohort; a learner asks for help with a
//! message, another keeps failing their checks, a third does nothing for
//! a while; the ambassador's board (through the ambassador's own link) and
//! the trainer's (API) list them in that order with what they are at;
//! passing the exercise closes the call. Only the cohort's trainer names
//! ambassadors; nobody else sees a board.

use reqwest::StatusCode;
use sandpit::store::{Outcome, Role};
use serde_json::json;

use crate::common::api::Api;
use crate::common::http::client;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};

#[tokio::test]
async fn an_ambassador_sees_who_asked_for_help_then_who_looks_stuck() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let tom = Signed::new(&server, "tom", Role::Trainer).await;
    let tom_api = Api::new(&server, Some(&tom.token(&server).await));
    let (cohort, learners) = crate::records::cohort(
        app,
        &tom.user,
        "tiny",
        "Tuesday",
        ["Ada", "Ben", "Cy", "Dan", "Eli"]
            .iter()
            .map(|n| crate::records::entry(n, None, None))
            .collect(),
    )
    .await;
    let mut sandboxes = Vec::new();
    for l in &learners {
        sandboxes.push(crate::records::claim(app, &cohort, l).await);
    }
    let (ada, ben, cy, dan) = (&learners[0], &learners[1], &learners[2], &learners[3]);

    // Tom makes Ada an ambassador of his cohort, and Eve, a trainer.
    let path = format!("/cohorts/{}/ambassadors", cohort.id);
    let made = tom_api
        .call(
            reqwest::Method::POST,
            &path,
            Some(&json!({"learner": ada.id.to_string()})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let again = tom_api
        .call(
            reqwest::Method::POST,
            &path,
            Some(&json!({"learner": ada.id.to_string()})),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    let eve = Signed::new(&server, "eve", Role::Trainer).await;
    let eve_api = Api::new(&server, Some(&eve.token(&server).await));
    let made_eve = tom_api
        .call(reqwest::Method::POST, &path, Some(&json!({"user": "eve"})))
        .await;
    assert_eq!(made_eve.status, StatusCode::CREATED, "{}", made_eve.body);
    for (body, says) in [
        (json!({}), "give `learner` or `user`"),
        (json!({"user": "nobody"}), "no account `nobody`"),
        (
            json!({"learner": uuid::Uuid::new_v4().to_string()}),
            "is not a learner of cohort",
        ),
    ] {
        let refused = tom_api
            .call(reqwest::Method::POST, &path, Some(&body))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(refused.error().contains(says), "{}", refused.body);
    }
    // Eve cannot name ambassadors of Tom's cohort.
    let refused = eve_api
        .call(reqwest::Method::POST, &path, Some(&json!({"user": "eve"})))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let listed = tom_api.get(&path).await;
    let names: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "eve"]);

    // Ben asks for help; a message too long is refused, in French.
    let ask = format!("{}/help/make-file?lang=fr", server.learner_url(ben));
    let long = "x".repeat(501);
    let refused = server.post_form(&ask, &[("message", long.as_str())]).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("au plus 500 caractères")
    );
    let asked = server
        .post_form(&ask, &[("message", "I cannot find the file")])
        .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let page = client().get(server.learner_url(ben)).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.contains("You asked for help on this exercise"),
        "{page}"
    );
    // Cy keeps failing; Dan has done nothing for 15 minutes.
    for _ in 0..3 {
        crate::records::attempt(
            app,
            sandboxes[2],
            "make-file",
            Outcome::Failed,
            "No done.txt in ~",
            "",
        )
        .await;
    }
    let path_db = server.data.path().join("sandpit.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path_db.display()))
        .await
        .unwrap();
    let long_ago = chrono::Utc::now() - chrono::TimeDelta::minutes(15);
    sqlx::query("UPDATE sandboxes SET claimed_at = ?1, last_activity_at = ?1 WHERE id = ?2")
        .bind(long_ago)
        .bind(sandboxes[3].to_string())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    // Tom's board: Ben (asked), Cy (failing), Dan (idle); Ada and Eli are fine.
    let board = tom_api.get("/help").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    let peers: Vec<(String, String)> = board.body["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["why"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        peers,
        [
            ("Ben".to_owned(), "asked".to_owned()),
            ("Cy".to_owned(), "failing".to_owned()),
            ("Dan".to_owned(), "idle".to_owned()),
        ]
    );
    let p = &board.body["peers"];
    assert_eq!(p[0]["message"], "I cannot find the file");
    assert_eq!(p[0]["exercise"], "make-file");
    assert_eq!(p[1]["failed_checks"], 3);
    assert_eq!(p[1]["last_failed_output"], "No done.txt in ~");
    assert!(p[2]["idle_minutes"].as_i64().unwrap() >= 15, "{}", p[2]);
    // Eve, an ambassador of the cohort, sees the same; Zed, no one.
    assert_eq!(
        eve_api.get("/help").await.body["peers"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let zed = Signed::new(&server, "zed", Role::Trainer).await;
    let zed_api = Api::new(&server, Some(&zed.token(&server).await));
    assert_eq!(zed_api.get("/help").await.body["peers"], json!([]));

    // Ada's board, through her own link; nobody else has one.
    let ada_board = client()
        .get(format!("{}/ambassador", server.learner_url(ada)))
        .send()
        .await
        .unwrap();
    assert_eq!(ada_board.status(), StatusCode::OK);
    let html = ada_board.text().await.unwrap();
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} not in {html}"));
    assert!(at("Ben") < at("Cy") && at("Cy") < at("Dan"), "{html}");
    assert!(html.contains("I cannot find the file") && html.contains("No done.txt in ~"));
    assert!(!html.contains("<strong>Ada</strong>"), "not herself");
    let ben_board = client()
        .get(format!("{}/ambassador", server.learner_url(ben)))
        .send()
        .await
        .unwrap();
    assert_eq!(ben_board.status(), StatusCode::NOT_FOUND);
    let ben_page = client().get(server.learner_url(ben)).send().await.unwrap();
    assert!(!ben_page.text().await.unwrap().contains("/ambassador"));
    let ada_page = client().get(server.learner_url(ada)).send().await.unwrap();
    let ada_page = ada_page.text().await.unwrap();
    assert!(ada_page.contains("My ambassador"), "{ada_page}");

    // Passing the exercise closes Ben's call.
    crate::records::attempt(app, sandboxes[1], "make-file", Outcome::Passed, "Done", "").await;
    let board = tom_api.get("/help").await;
    let names: Vec<&str> = board.body["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Cy", "Dan"]);
    // Cy asks, then withdraws the call.
    let cy_ask = format!("{}/help/make-file", server.learner_url(cy));
    assert_eq!(
        server.post_form(&cy_ask, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(tom_api.get("/help").await.body["peers"][0]["why"], "asked");
    let cy_close = format!("{}/help-close", server.learner_url(cy));
    assert_eq!(
        server.post_form(&cy_close, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        tom_api.get("/help").await.body["peers"][0]["why"],
        "failing"
    );
    let _ = dan;

    // Ending Ada's role takes her board away.
    let id = made.body["id"].as_str().unwrap();
    let removed = eve_api
        .call(reqwest::Method::DELETE, &format!("/ambassadors/{id}"), None)
        .await;
    assert_eq!(
        removed.status,
        StatusCode::NOT_FOUND,
        "only the cohort's trainer"
    );
    let removed = tom_api
        .call(reqwest::Method::DELETE, &format!("/ambassadors/{id}"), None)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let gone = client()
        .get(format!("{}/ambassador", server.learner_url(ada)))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    // Tom's page shows the same board.
    let (status, html) = tom.page("/trainer/help").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Cy") && html.contains("checks keep failing"),
        "{html}"
    );
    crate::records::retire(app, &sandboxes).await;
}

#[tokio::test]
async fn a_teams_ambassador_sees_the_calls_of_that_teams_people_only() {
    use sandpit::programme::{CreateProgramme, PersonRow, ProgrammeScenario, TeamKind, TeamRow};
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let (lead, token) = crate::records::account(app, "lea", Role::Trainer).await;
    let lead_api = Api::new(&server, Some(&token));
    let programme = app
        .programmes
        .create(
            &lead,
            CreateProgramme {
                name: "Adopting the wiki".into(),
                summary: String::new(),
                time_zone: Some("Europe/Paris".into()),
                phases: vec![],
                scenarios: vec![ProgrammeScenario {
                    scenario: "tiny".into(),
                    phase: "realise".into(),
                }],
            },
        )
        .await
        .unwrap();
    let id = *programme.id;
    let team = |name: &str| TeamRow {
        name: name.into(),
        kind: TeamKind::Business,
        site: None,
        headcount: 2,
        maturity: 3,
    };
    app.programmes
        .import_teams(&lead, id, &[team("Accueil"), team("Finances")])
        .await
        .unwrap();
    let people = [("Ada", "Accueil"), ("Ben", "Accueil"), ("Cy", "Finances")];
    let email = |n: &str| format!("{}@ville.fr", n.to_lowercase());
    let rows: Vec<PersonRow> = people
        .iter()
        .map(|(n, t)| PersonRow {
            name: (*n).into(),
            email: Some(email(n)),
            team: (*t).into(),
        })
        .collect();
    app.programmes
        .import_people(&lead, id, &rows)
        .await
        .unwrap();
    let roster = people
        .iter()
        .map(|(n, _)| crate::records::entry(n, Some(&email(n)), None))
        .collect();
    let (cohort, learners) = crate::records::cohort(app, &lead, "tiny", "Monday", roster).await;
    app.programmes
        .attach_cohort(&lead, id, *cohort.id, "realise")
        .await
        .unwrap();
    let mut sandboxes = Vec::new();
    for l in &learners {
        sandboxes.push(crate::records::claim(app, &cohort, l).await);
    }

    // The lead makes Ada the ambassador of the Accueil team.
    let path = format!("/programmes/{id}/teams/accueil/ambassadors");
    let made = lead_api
        .call(
            reqwest::Method::POST,
            &path,
            Some(&json!({"learner": learners[0].id.to_string()})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let listed = lead_api.get(&path).await;
    assert_eq!(listed.body[0]["name"], "Ada");
    assert_eq!(listed.body[0]["care"], "Accueil");
    let no_team = lead_api
        .call(
            reqwest::Method::POST,
            &format!("/programmes/{id}/teams/Nowhere/ambassadors"),
            Some(&json!({"user": "lea"})),
        )
        .await;
    assert_eq!(no_team.status, StatusCode::BAD_REQUEST);
    assert!(
        no_team.error().contains("no team `Nowhere`"),
        "{}",
        no_team.body
    );
    let (_, other) = crate::records::account(app, "tom", Role::Trainer).await;
    let refused = Api::new(&server, Some(&other))
        .call(reqwest::Method::POST, &path, Some(&json!({"user": "tom"})))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "not tom's programme");

    // Ben (Accueil) and Cy (Finances) ask for help: Ada sees Ben only.
    for who in [&learners[1], &learners[2]] {
        let ask = format!("{}/help/make-file", server.learner_url(who));
        let asked = server.post_form(&ask, &[("message", "Help")]).await;
        assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    }
    let html = client()
        .get(format!("{}/ambassador", server.learner_url(&learners[0])))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<strong>Ben</strong>"), "{html}");
    assert!(!html.contains("<strong>Cy</strong>"), "{html}");
    // The lead, who owns the cohort, sees both.
    let board = lead_api.get("/help").await;
    assert_eq!(board.body["peers"].as_array().unwrap().len(), 2);

    // On the programme's page: the teams' ambassadors, and the form.
    let admin = Signed::new(&server, "root", Role::Admin).await;
    let page = format!("/trainer/programmes/{id}");
    let (status, html) = admin.page(&page).await;
    assert_eq!(status, StatusCode::OK);
    let list = &html[html.find("id=\"team-ambassadors\"").unwrap()..];
    let list = &list[..list.find("</ul>").unwrap()];
    assert!(
        list.contains("<strong>Accueil</strong> —\n        Ada"),
        "{list}"
    );
    assert!(list.contains("<strong>Finances</strong> —"), "{list}");
    let add = format!("/trainer/programmes/{id}/ambassadors");
    let refused = admin.post(&add, &[("team", "Finances")]).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("Pick one of the"));
    let refused = admin
        .post(&add, &[("team", "Nowhere"), ("user", "tom")])
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let added = admin
        .post(&add, &[("team", "Finances"), ("user", "tom")])
        .await;
    assert_eq!(Signed::location(&added), format!("{page}#ambassadors"));
    let (_, html) = admin.page(&page).await;
    let list = &html[html.find("id=\"team-ambassadors\"").unwrap()..];
    let list = &list[..list.find("</ul>").unwrap()];
    let finances = &list[list.find("<strong>Finances</strong>").unwrap()..];
    assert!(finances.contains("tom"), "{list}");
    let remove = finances[..finances.find("/remove\"").unwrap()]
        .rsplit("action=\"")
        .next()
        .unwrap()
        .to_owned()
        + "/remove";
    let removed = admin.post(&remove, &[]).await;
    assert_eq!(Signed::location(&removed), format!("{page}#ambassadors"));
    let (_, html) = admin.page(&page).await;
    assert!(!html.contains("tom <span"), "tom is no ambassador any more");
    crate::records::retire(app, &sandboxes).await;
}
