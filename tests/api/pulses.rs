//! Pulse questions: a change lead sets them per phase, a learner of a
//! cohort in that phase answers on their page (once, from this site only),
//! and the confidence indicator reports averages of groups of five or more,
//! never who said what.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use sandpit::store::Role;
use serde_json::{Value, json};

use crate::common::api::{Api, account};
use crate::common::http::client;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};
use crate::programmes::{cohort, launch, link_of, put};

/// The learner page's HTML.
async fn page(url: &str) -> String {
    let response = client().get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_answers_the_pulse_once_and_confidence_shows_only_groups_of_five() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (lead_user, token) = account(&server, "lea", Role::Trainer).await;
    let lead = Api::new(&server, Some(&token));
    let created = lead
        .post(
            "/programmes",
            Some(&json!({"name": "Wiki", "scenarios": [{"scenario": "tiny", "phase": "realise"}]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let p = format!("/programmes/{id}");
    let teams = lead
        .post(
            &format!("{p}/teams"),
            Some(&json!([
                {"name": "Accueil", "kind": "business", "headcount": 10, "maturity": 2},
                {"name": "RH", "kind": "support", "headcount": 3, "maturity": 4}
            ])),
        )
        .await;
    assert_eq!(teams.status, StatusCode::OK, "{}", teams.body);

    // Questions: one before, in both languages; one after, in French only.
    let before = lead
        .post(
            &format!("{p}/pulses"),
            Some(&json!({"phase": "realise", "moment": "before",
                "text_en": "I understand why we change",
                "text_fr": "Je comprends pourquoi nous changeons"})),
        )
        .await;
    assert_eq!(before.status, StatusCode::CREATED, "{}", before.body);
    let question = before.body["id"].as_str().unwrap().to_owned();
    let after = lead
        .post(
            &format!("{p}/pulses"),
            Some(&json!({"phase": "realise", "moment": "after",
                "text_fr": "Je me sens capable d'utiliser le nouvel outil"})),
        )
        .await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.body);
    for (bad, named) in [
        (
            json!({"phase": "realise", "moment": "during", "text_en": "x"}),
            "during",
        ),
        (json!({"phase": "realise", "moment": "before"}), "text_en"),
        (
            json!({"phase": "launch", "moment": "before", "text_en": "x"}),
            "launch",
        ),
    ] {
        let refused = lead.post(&format!("{p}/pulses"), Some(&bad)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(refused.error().contains(named), "{}", refused.error());
    }

    // Seven learners in the realisation phase: five of Accueil, two of RH.
    let roster: Vec<Value> = (1..=5)
        .map(|i| json!({"name": format!("A{i}"), "email": format!("a{i}@ville.fr"), "team": "Accueil"}))
        .chain((1..=2).map(|i| json!({"name": format!("R{i}"), "email": format!("r{i}@ville.fr"), "team": "RH"})))
        .collect();
    let c = cohort(&lead, "Wiki, Monday", json!(roster)).await;
    let cohort_id = c["id"].as_str().unwrap();
    let attached = put(
        &lead,
        &format!("{p}/cohorts/{cohort_id}"),
        &json!({"phase": "realise"}),
    )
    .await;
    assert_eq!(attached.status, StatusCode::NO_CONTENT, "{}", attached.body);
    launch(&lead, cohort_id, 7).await;

    // A1 opens her link: the page asks the "before" question, in French.
    let link = link_of(&c, "A1");
    let started = client().post(format!("{link}/start")).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let html = page(&format!("{link}?lang=fr")).await;
    assert!(
        html.contains("Je comprends pourquoi nous changeons"),
        "{html}"
    );
    assert!(
        !html.contains("Je me sens capable"),
        "the after question waits for the end"
    );
    let action = format!("{link}/pulse?lang=fr&moment=before");
    // A page of another site cannot answer for her.
    let forged = client()
        .post(&action)
        .header(reqwest::header::ORIGIN, "http://evil.example")
        .form(&[(format!("q-{question}"), "1".to_owned())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // A score out of range is refused, and nothing is kept.
    let out_of_range = client()
        .post(&action)
        .form(&[(format!("q-{question}"), "6".to_owned())])
        .send()
        .await
        .unwrap();
    assert_eq!(out_of_range.status(), StatusCode::BAD_REQUEST);
    let answered = client()
        .post(&action)
        .form(&[
            (format!("q-{question}"), "4".to_owned()),
            (format!("c-{question}"), "  Clair, merci  ".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::SEE_OTHER);
    let html = page(&format!("{link}?lang=fr")).await;
    assert!(
        !html.contains("Je comprends pourquoi"),
        "answered once, asked no more"
    );
    let again = client()
        .post(&action)
        .form(&[(format!("q-{question}"), "1".to_owned())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "at most once");

    // The others answer through the domain, as their pages would.
    let learners = lead
        .get(&format!("/cohorts/{cohort_id}/learners"))
        .await
        .body;
    let learner = |name: &str| -> uuid::Uuid {
        learners
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .and_then(|l| l["id"].as_str())
            .unwrap()
            .parse()
            .unwrap()
    };
    let question_id: uuid::Uuid = question.parse().unwrap();
    for (name, score, comment) in [
        ("A2", 5, Some("Enfin")),
        ("A3", 3, None),
        ("A4", 4, None),
        ("A5", 2, Some("Trop vite")),
        ("R1", 1, None),
        ("R2", 5, None),
    ] {
        let answers = BTreeMap::from([(question_id, (score, comment.map(str::to_owned)))]);
        server
            .app
            .programmes
            .answer_pulse(learner(name), "before", &answers)
            .await
            .unwrap();
    }

    let confidence = lead.get(&format!("{p}/indicators/confidence")).await;
    assert_eq!(confidence.status, StatusCode::OK, "{}", confidence.body);
    let body = confidence.body;
    assert_eq!(body["min_group"], 5);
    let q = &body["questions"][0];
    assert_eq!(q["moment"], "before");
    // (4 + 5 + 3 + 4 + 2 + 1 + 5) / 7 = 3.43; Accueil (4 + 5 + 3 + 4 + 2) / 5 = 3.6;
    // RH has two answers: counted, its mean not shown.
    assert_eq!(q["all"], json!({"answers": 7, "average": 3.43}));
    assert_eq!(q["teams"]["Accueil"], json!({"answers": 5, "average": 3.6}));
    assert_eq!(q["teams"]["RH"], json!({"answers": 2, "average": null}));
    assert_eq!(q["comments"], json!(["Clair, merci", "Enfin", "Trop vite"]));
    let a = &body["questions"][1];
    assert_eq!(a["moment"], "after");
    assert_eq!(a["all"], json!({"answers": 0, "average": null}));
    assert_eq!(a["comments"], json!([]));
    assert!(
        !body.to_string().contains("A1"),
        "no answer names its learner"
    );
    let _ = lead_user;
    // A format that is neither JSON nor CSV, or a filter this indicator
    // does not take, is refused with what is wrong named.
    let bad = lead
        .get(&format!("{p}/indicators/confidence?format=xml"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.error()
            .contains("`format` is `json` or `csv`, not `xml`"),
        "{}",
        bad.error()
    );
    let unknown = lead
        .get(&format!("{p}/indicators/confidence?team=Accueil"))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.error().contains("team"), "{}", unknown.error());
    // The same as CSV: all answers, then each team's; a hidden mean is empty.
    let csv = lead
        .http
        .get(format!("{}{p}/indicators/confidence?format=csv", lead.base))
        .bearer_auth(lead.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(
        csv.text().await.unwrap(),
        "\u{feff}phase;moment;question_en;question_fr;group;answers;average\n\
         realise;before;I understand why we change;Je comprends pourquoi nous changeons;;7;3,43\n\
         realise;before;I understand why we change;Je comprends pourquoi nous changeons;Accueil;5;3,6\n\
         realise;before;I understand why we change;Je comprends pourquoi nous changeons;RH;2;\n\
         realise;after;;Je me sens capable d'utiliser le nouvel outil;;0;\n"
    );

    let down = lead
        .post(&format!("/cohorts/{cohort_id}/teardown"), None)
        .await;
    assert_eq!(down.status, StatusCode::OK, "{}", down.body);
    server.assert_nothing_left().await;
}
