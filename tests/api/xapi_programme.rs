//! A cohort serving a programme: its xAPI statements are grouped under the
//! programme and name the learner's team and the cohort's phase, with the
//! same ids as before it joined; its exports carry the same programme,
//! phase and team columns. A cohort outside any programme gains nothing.
//! Records are made in the store; no sandbox is needed.

use std::collections::BTreeMap;

use crate::common::api::Api;
use crate::common::http::client;
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, test_app};
use crate::records;
use crate::xapi_kit::validate::assert_valid;
use reqwest::header::AUTHORIZATION;
use reqwest::{Method, StatusCode};
use sandpit::store::{Outcome, Role};
use serde_json::{Value, json};

async fn download(url: &str, token: &str) -> String {
    let response = client()
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.text().await.unwrap()
}

/// A CSV export (byte order mark, `;`) as maps of header to cell.
fn csv_rows(body: &str) -> Vec<BTreeMap<String, String>> {
    let body = body.strip_prefix('\u{feff}').expect("a byte order mark");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, c)| (h.to_owned(), c.to_owned()))
                .collect()
        })
        .collect()
}

/// The programme, phase and team cells of each row, in order.
fn csv_context(body: &str) -> Vec<[String; 3]> {
    csv_rows(body)
        .into_iter()
        .map(|r| {
            [
                r["programme"].clone(),
                r["phase"].clone(),
                r["team"].clone(),
            ]
        })
        .collect()
}

/// The same of a JSON export.
fn json_context(body: &str) -> Vec<[Value; 3]> {
    let rows: Vec<Value> = serde_json::from_str(body).unwrap();
    rows.iter()
        .map(|r| {
            [
                r["programme"].clone(),
                r["phase"].clone(),
                r["team"].clone(),
            ]
        })
        .collect()
}

fn ids(statements: &[Value]) -> Vec<Value> {
    statements.iter().map(|s| s["id"].clone()).collect()
}

fn verb(s: &Value) -> &str {
    s["verb"]["id"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://adlnet.gov/expapi/verbs/")
}

#[tokio::test]
async fn a_programmes_cohort_states_and_exports_its_programme_phase_and_each_learners_team() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let app = &server.app;
    let url = server.url.clone();
    let (lea, token) = records::account(app, "lea", Role::Trainer).await;
    let api = Api::new(&server, Some(&token));

    // The programme, its teams and one known person.
    let created = api
        .post(
            "/programmes",
            Some(&json!({
                "name": "Adopting the new wiki",
                "time_zone": "Europe/Paris",
                "scenarios": [{"scenario": "tiny", "phase": "realise"}]
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let programme = created.body["id"].as_str().unwrap().to_owned();
    let p = format!("/programmes/{programme}");
    let teams = api
        .post(
            &format!("{p}/teams"),
            Some(&json!([
                {"name": "Accueil", "kind": "business", "headcount": 4, "maturity": 2},
                {"name": "Finances", "kind": "business", "headcount": 2, "maturity": 3}
            ])),
        )
        .await;
    assert_eq!(teams.status, StatusCode::OK, "{}", teams.body);
    let people = api
        .post(
            &format!("{p}/people"),
            Some(&json!([{"name": "Ada", "email": "ada@ville.fr", "team": "Accueil"}])),
        )
        .await;
    assert_eq!(people.status, StatusCode::OK, "{}", people.body);

    // Ada's roster line names a team of its own; the programme's person she
    // is matched to (by e-mail) says Accueil. Bob has no team at all. Cyd's
    // cohort serves no programme.
    let (cohort, learners) = records::cohort(
        app,
        &lea,
        "tiny",
        "Wiki, Monday",
        vec![
            records::entry("Ada", Some("ADA@ville.fr"), Some("Reception")),
            records::entry("Bob", None, None),
        ],
    )
    .await;
    let (outside, outsiders) = records::cohort(
        app,
        &lea,
        "tiny",
        "Outside",
        vec![records::entry("Cyd", Some("cyd@ville.fr"), Some("Finance"))],
    )
    .await;
    let ada = records::claim(app, &cohort, &learners[0]).await;
    let bob = records::claim(app, &cohort, &learners[1]).await;
    let cyd = records::claim(app, &outside, &outsiders[0]).await;
    records::attempt(app, ada, "make-file", Outcome::Failed, "no", "").await;
    records::attempt(app, ada, "make-file", Outcome::Passed, "yes", "").await;
    records::attempt(app, bob, "make-file", Outcome::Failed, "no", "").await;
    records::attempt(app, cyd, "make-file", Outcome::Passed, "yes", "").await;

    let export = |cohort: &sandpit::store::Cohort, file: &str| {
        format!("{url}/api/v1/cohorts/{}/export/{file}", cohort.id)
    };
    let statements = |body: String| -> Vec<Value> { serde_json::from_str(&body).unwrap() };
    let before = statements(download(&export(&cohort, "xapi.json"), &token).await);
    let outside_before = statements(download(&export(&outside, "xapi.json"), &token).await);

    // The cohort joins the programme in its realisation phase.
    let attached = api
        .call(
            Method::PUT,
            &format!("{p}/cohorts/{}", cohort.id),
            Some(&json!({"phase": "realise"})),
        )
        .await;
    assert_eq!(attached.status, StatusCode::NO_CONTENT, "{}", attached.body);

    let after = statements(download(&export(&cohort, "xapi.json"), &token).await);
    assert_valid(&after);
    assert_eq!(
        ids(&after),
        ids(&before),
        "the same records, the same statement ids"
    );
    // launched ×2, attempted ×2, failed ×2, passed, completed.
    assert_eq!(after.len(), 8, "{after:#?}");
    let grouping = json!([{
        "objectType": "Activity",
        "id": format!("{url}/programmes/{programme}"),
        "definition": {
            "name": {"en": "Adopting the new wiki", "fr": "Adopting the new wiki"},
            "type": format!("{url}/xapi/activity-types/programme")
        }
    }]);
    let team_iri = format!("{url}/xapi/extensions/team");
    let phase_iri = format!("{url}/xapi/extensions/phase");
    for s in &after {
        let context = &s["context"];
        assert_eq!(context["contextActivities"]["grouping"], grouping, "{s:#}");
        let expected = if s["actor"]["name"] == "Ada" {
            json!({&team_iri: "Accueil", &phase_iri: "realise"})
        } else {
            // Bob has no team: no team extension, not an empty one.
            json!({&phase_iri: "realise"})
        };
        assert_eq!(context["extensions"], expected, "{s:#}");
        // The exercise statements keep their scenario as parent.
        let parent = &context["contextActivities"]["parent"];
        if ["launched", "completed"].contains(&verb(s)) {
            assert!(parent.is_null(), "{s:#}");
        } else {
            assert_eq!(parent[0]["id"], format!("{url}/xapi/scenarios/tiny"));
        }
    }
    // Before it joined, the same statements had none of it but the roster's
    // team.
    for s in &before {
        assert!(s["context"]["contextActivities"]["grouping"].is_null());
        let ada = s["actor"]["name"] == "Ada";
        assert_eq!(
            s["context"]["extensions"],
            if ada {
                json!({&team_iri: "Reception"})
            } else {
                Value::Null
            },
            "{s:#}"
        );
    }
    // What the outbox sends is what the export gives.
    let tiny = app.scenario("tiny").unwrap();
    let queued: Vec<Value> =
        sandpit::xapi::cohort_statements(&app.store, cohort.clone(), Some(tiny), &url)
            .await
            .unwrap()
            .into_iter()
            .map(|d| serde_json::to_value(d.statement).unwrap())
            .collect();
    assert_eq!(queued, after);

    // A cohort outside any programme: no grouping, no phase, its roster's
    // team as before.
    let outside_after = statements(download(&export(&outside, "xapi.json"), &token).await);
    assert_valid(&outside_after);
    assert_eq!(outside_after, outside_before);
    assert_eq!(outside_after.len(), 4, "{outside_after:#?}");
    for s in &outside_after {
        assert!(s["context"]["contextActivities"]["grouping"].is_null());
        assert_eq!(s["context"]["extensions"], json!({&team_iri: "Finance"}));
    }

    // The exports carry the same programme, phase and team.
    let wiki = "Adopting the new wiki";
    let cells = |p: &str, ph: &str, t: &str| [p.to_owned(), ph.to_owned(), t.to_owned()];
    assert_eq!(
        csv_context(&download(&export(&cohort, "attempts.csv"), &token).await),
        [
            cells(wiki, "realise", "Accueil"),
            cells(wiki, "realise", "Accueil"),
            cells(wiki, "realise", ""),
        ]
    );
    assert_eq!(
        json_context(&download(&export(&cohort, "attempts.json"), &token).await),
        [
            [json!(wiki), json!("realise"), json!("Accueil")],
            [json!(wiki), json!("realise"), json!("Accueil")],
            [json!(wiki), json!("realise"), Value::Null],
        ]
    );
    assert_eq!(
        csv_context(&download(&export(&cohort, "completions.csv"), &token).await),
        [cells(wiki, "realise", "Accueil")]
    );
    assert_eq!(
        json_context(&download(&export(&cohort, "completions.json"), &token).await),
        [[json!(wiki), json!("realise"), json!("Accueil")]]
    );
    for file in ["attempts", "completions"] {
        assert_eq!(
            csv_context(&download(&export(&outside, &format!("{file}.csv")), &token).await),
            [cells("", "", "Finance")],
            "{file}"
        );
        assert_eq!(
            json_context(&download(&export(&outside, &format!("{file}.json")), &token).await),
            [[Value::Null, Value::Null, json!("Finance")]],
            "{file}"
        );
    }

    records::retire(app, &[ada, bob, cyd]).await;
    server.assert_nothing_left().await;
}
