//! Change programmes through the API on a real server and the real engine:
//! an impact study of three teams, two cohorts of two trainers put in the
//! realisation phase, learners who start and pass real checks, and the
//! reach indicator's every number; bad imports change nothing.

use std::time::{Duration, Instant};

use crate::common::api::{Api, account, in_minutes};
use crate::common::http::check;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};
use reqwest::{Method, StatusCode};
use sandpit::store::Role;
use sandpit::timezone::TimeZone;
use serde_json::{Value, json};

pub(crate) async fn put(api: &Api, path: &str, body: &Value) -> crate::common::api::Answer {
    api.call(Method::PUT, path, Some(body)).await
}

/// A cohort of `roster` on the tiny scenario, starting in two hours (so
/// that pool tending leaves its launch to the test).
pub(crate) async fn cohort(api: &Api, name: &str, roster: Value) -> Value {
    let created = api
        .post(
            "/cohorts",
            Some(&json!({
                "name": name,
                "scenario": "tiny",
                "starts_at": in_minutes(120),
                "ends_at": in_minutes(240),
                "roster": roster,
                "spare": 0,
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body
}

/// The link of the learner named `name` in a created cohort.
pub(crate) fn link_of(cohort: &Value, name: &str) -> String {
    cohort["learners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .and_then(|l| l["link"].as_str())
        .unwrap_or_else(|| panic!("no learner {name} in {cohort}"))
        .to_owned()
}

/// Launches a cohort and waits until all its sandboxes are ready.
pub(crate) async fn launch(api: &Api, id: &str, seats: u64) {
    let launched = api.post(&format!("/cohorts/{id}/launch"), None).await;
    assert_eq!(launched.status, StatusCode::ACCEPTED, "{}", launched.body);
    let start = Instant::now();
    loop {
        let status = api.get(&format!("/cohorts/{id}/status")).await;
        if status.body["counts"]["ready"] == seats {
            return;
        }
        assert_eq!(status.body["counts"]["failed"], 0, "{}", status.body);
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "{}",
            status.body
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_programmes_reach_counts_each_teams_invited_started_and_completed_people_against_its_due_date()
 {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (lea, lead_password) =
        crate::common::settled_account(&server.app, "lea", Role::Trainer).await;
    let (lead_token, _) = server.app.auth.create_token(&lea, "tests").await.unwrap();
    let (_, trainer_token) = account(&server, "tom", Role::Trainer).await;
    let lead = Api::new(&server, Some(&lead_token));
    let trainer = Api::new(&server, Some(&trainer_token));
    let paris = TimeZone::parse("Europe/Paris").unwrap();
    let today = paris.today();

    // Bad programmes are refused with what is wrong named.
    let unknown = lead
        .post(
            "/programmes",
            Some(&json!({"name": "X", "scenarios": [{"scenario": "nope", "phase": "realise"}]})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.error().contains("nope"), "{}", unknown.error());
    let backwards = lead
        .post(
            "/programmes",
            Some(&json!({"name": "X", "phases": [
                {"phase": "engage", "planned_start": "2030-02-01", "planned_end": "2030-01-01"}]})),
        )
        .await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert!(
        backwards.error().contains("engage"),
        "{}",
        backwards.error()
    );
    let bad_phase = lead
        .post(
            "/programmes",
            Some(&json!({"name": "X", "scenarios": [{"scenario": "tiny", "phase": "launch"}]})),
        )
        .await;
    assert!(
        bad_phase.error().contains("`launch` is not a phase"),
        "{}",
        bad_phase.error()
    );

    let created = lead
        .post(
            "/programmes",
            Some(&json!({
                "name": "Adopting the new wiki",
                "summary": "Every agent edits the wiki",
                "time_zone": "Europe/Paris",
                "phases": [
                    {"phase": "prepare", "planned_start": "2030-01-01", "planned_end": "2030-01-31"},
                    {"phase": "realise", "planned_start": "2030-03-01", "planned_end": "2030-04-30"}
                ],
                "scenarios": [{"scenario": "tiny", "phase": "realise"}]
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["phase"], "prepare");
    assert_eq!(created.body["lead"], "lea");
    assert_eq!(created.body["phases"][0]["phase"], "prepare");
    assert_eq!(created.body["phases"][0]["planned_end"], "2030-01-31");
    assert_eq!(created.body["phases"][0]["actual_start"], today.to_string());
    assert_eq!(created.body["phases"][1]["phase"], "realise");
    let again = lead
        .post(
            "/programmes",
            Some(&json!({"name": "adopting the NEW wiki"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.error().contains("already"), "{}", again.error());

    // The impact study: three teams, then one of them corrected.
    let p = format!("/programmes/{id}");
    let teams = json!([
        {"name": "Accueil", "kind": "business", "site": "Mairie", "headcount": 4, "maturity": 2},
        {"name": "Finances", "kind": "business", "headcount": 2, "maturity": 3},
        {"name": "Informatique", "kind": "support", "headcount": 2, "maturity": 4}
    ]);
    let imported = lead.post(&format!("{p}/teams"), Some(&teams)).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert_eq!(imported.body, json!({"added": 3, "updated": 0}));
    let corrected = lead
        .post(
            &format!("{p}/teams"),
            Some(&json!([{"name": "Finances", "kind": "business", "headcount": 3, "maturity": 3}])),
        )
        .await;
    assert_eq!(corrected.body, json!({"added": 0, "updated": 1}));
    let refused = lead
        .post(
            &format!("{p}/teams"),
            Some(&json!([
                {"name": "Juridique", "kind": "support", "headcount": 1, "maturity": 3},
                {"name": "RH", "kind": "support", "headcount": 1, "maturity": 9}
            ])),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.error().contains("team 2"), "{}", refused.error());

    let people = json!([
        {"name": "Ada", "email": "ada@ville.fr", "team": "Accueil"},
        {"name": "Ben", "email": "ben@ville.fr", "team": "accueil"},
        {"name": "Cyd", "email": "cyd@ville.fr", "team": "Accueil"},
        {"name": "Dan", "email": "dan@ville.fr", "team": "Finances"},
        {"name": "Eve", "email": "eve@ville.fr", "team": "Finances"},
        {"name": "Fox", "email": "fox@ville.fr", "team": "Informatique"}
    ]);
    let bad_people = lead
        .post(
            &format!("{p}/people"),
            Some(&json!([
                {"name": "Ada", "email": "ada@ville.fr", "team": "Accueil"},
                {"name": "Zed", "email": "zed@ville.fr", "team": "Cuisine"}
            ])),
        )
        .await;
    assert_eq!(bad_people.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_people.error().contains("person 2") && bad_people.error().contains("Cuisine"),
        "{}",
        bad_people.error()
    );
    let listed = lead.get(&format!("{p}/teams")).await;
    let known: u64 = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["people"].as_u64().unwrap())
        .sum();
    assert_eq!(known, 0, "a refused import adds no one");
    let imported = lead.post(&format!("{p}/people"), Some(&people)).await;
    assert_eq!(
        imported.body,
        json!({"added": 6, "updated": 0}),
        "{}",
        imported.body
    );

    let yesterday = today.pred_opt().unwrap();
    let in_a_month = today + chrono::Days::new(30);
    for (team, impacts) in [
        (
            "Accueil",
            json!([{"scenario": "tiny", "impact": "high", "required": true, "due_on": yesterday}]),
        ),
        (
            "Finances",
            json!([{"scenario": "tiny", "impact": "low", "required": true, "due_on": in_a_month}]),
        ),
        (
            "Informatique",
            json!([{"scenario": "tiny", "impact": "none"}]),
        ),
    ] {
        let set = put(&lead, &format!("{p}/teams/{team}/impacts"), &impacts).await;
        assert_eq!(set.status, StatusCode::NO_CONTENT, "{team}: {}", set.body);
    }
    let not_required = put(
        &lead,
        &format!("{p}/teams/Informatique/impacts"),
        &json!([{"scenario": "tiny", "impact": "none", "required": true}]),
    )
    .await;
    assert_eq!(not_required.status, StatusCode::BAD_REQUEST);

    // Two cohorts: the trainer's (Gus is on no list, but his roster line
    // names his team), and the lead's own.
    let first = cohort(
        &trainer,
        "Wiki, Monday",
        json!([
            {"name": "Ada", "email": "ADA@ville.fr"},
            {"name": "Ben", "email": "ben@ville.fr"},
            {"name": "Dan", "email": "dan@ville.fr"},
            {"name": "Gus", "email": "gus@ville.fr", "team": "Finances"}
        ]),
    )
    .await;
    let second = cohort(
        &lead,
        "Wiki, Tuesday",
        json!([
            {"name": "Cyd", "email": "cyd@ville.fr"},
            {"name": "Fox", "email": "fox@ville.fr"}
        ]),
    )
    .await;
    let (c1, c2) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );
    assert_eq!(
        trainer.get(&p).await.status,
        StatusCode::NOT_FOUND,
        "not the trainer's yet"
    );
    for c in [c1, c2] {
        let attached = put(
            &lead,
            &format!("{p}/cohorts/{c}"),
            &json!({"phase": "realise"}),
        )
        .await;
        assert_eq!(attached.status, StatusCode::NO_CONTENT, "{}", attached.body);
    }
    // The trainer now sees the programme, and may not change it.
    assert_eq!(trainer.get(&p).await.status, StatusCode::OK);
    let meddling = trainer
        .post(
            &format!("{p}/teams"),
            Some(&json!([{"name": "X", "kind": "support", "headcount": 1, "maturity": 1}])),
        )
        .await;
    assert_eq!(meddling.status, StatusCode::FORBIDDEN, "{}", meddling.body);

    let moved = put(&lead, &format!("{p}/phase"), &json!({"phase": "realise"})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["phase"], "realise");
    assert_eq!(moved.body["phases"][0]["actual_end"], today.to_string());
    assert_eq!(moved.body["phases"][1]["actual_start"], today.to_string());

    // Ada, Ben and Dan open their links; Ada and Dan pass the exercise.
    launch(&trainer, c1, 4).await;
    launch(&lead, c2, 2).await;
    let http = reqwest::Client::new();
    for name in ["Ada", "Ben", "Dan"] {
        let link = link_of(&first, name);
        let opened = http.post(format!("{link}/start")).send().await.unwrap();
        assert_eq!(opened.status(), StatusCode::OK, "{name}");
    }
    let learners = trainer.get(&format!("/cohorts/{c1}/learners")).await.body;
    for name in ["Ada", "Dan"] {
        let learner = learners
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap();
        let sandbox = learner["sandbox_id"].as_str().unwrap().parse().unwrap();
        server.solve(sandbox, "tiny", "make-file").await;
        let checked = check(&http, &link_of(&first, name), "make-file").await;
        assert_eq!(checked["outcome"], "passed", "{name}: {checked}");
    }

    let reach = trainer.get(&format!("{p}/indicators/reach")).await;
    assert_eq!(reach.status, StatusCode::OK, "{}", reach.body);
    let body = reach.body;
    assert_eq!(body["today"], today.to_string());
    let row = |team: &str| -> Value {
        body["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["team"] == team)
            .cloned()
            .unwrap_or_else(|| panic!("no team {team} in {body}"))
    };
    let funnel = |t: &Value| {
        ["headcount", "people", "invited", "started", "completed"].map(|k| t[k].as_u64().unwrap())
    };
    // Accueil: Ada, Ben on Monday, Cyd on Tuesday; Ada and Ben started,
    // Ada completed; due yesterday.
    let accueil = row("Accueil");
    assert_eq!(funnel(&accueil), [4, 3, 3, 2, 1]);
    assert_eq!(accueil["completed_share"], 0.25);
    assert_eq!(accueil["status"], "late");
    assert_eq!(accueil["due_on"], yesterday.to_string());
    assert_eq!(accueil["required"], json!(["tiny"]));
    // Finances: Dan and Gus (made a person of Finances by his roster
    // line) invited, Dan started and completed; Eve not invited.
    let finances = row("Finances");
    assert_eq!(funnel(&finances), [3, 3, 2, 1, 1]);
    assert_eq!(finances["completed_share"], 0.3333);
    assert_eq!(finances["status"], "on_track");
    // Informatique: nothing required of it.
    let it = row("Informatique");
    assert_eq!(funnel(&it), [2, 1, 1, 0, 0]);
    assert_eq!(it["status"], "none");
    assert_eq!(it["completed_share"], 0.0);
    assert_eq!(funnel(&body["total"]), [9, 7, 6, 3, 2]);
    assert_eq!(body["total"]["completed_share"], 0.2222);
    assert_eq!(body["total"]["status"], "late");

    // Real use of the tool, posted per team and week from the production
    // tool, beside the people trained by the end of each week.
    let this_week = sandpit::programme::monday_of(paris.today());
    let last_week = this_week - chrono::Days::new(7);
    let unknown_team = lead
        .post(
            &format!("{p}/usage"),
            Some(&json!([
                {"team": "Accueil", "week": this_week, "active_users": 3},
                {"team": "Cuisine", "week": this_week, "active_users": 1}
            ])),
        )
        .await;
    assert_eq!(unknown_team.status, StatusCode::BAD_REQUEST);
    assert!(unknown_team.error().contains("entry 2") && unknown_team.error().contains("Cuisine"));
    let posted = lead
        .post(
            &format!("{p}/usage"),
            Some(&json!([
                {"team": "Accueil", "week": last_week + chrono::Days::new(3), "active_users": 1},
                {"team": "Accueil", "week": this_week, "active_users": 3},
                {"team": "Finances", "week": this_week, "active_users": 2}
            ])),
        )
        .await;
    assert_eq!(posted.body, json!({"recorded": 3}), "{}", posted.body);
    let usage = lead.get(&format!("{p}/indicators/usage")).await;
    assert_eq!(
        usage.body,
        json!([
            {"team": "Accueil", "week": last_week, "active_users": 1, "active_share": 0.25, "trained": 0},
            {"team": "Accueil", "week": this_week, "active_users": 3, "active_share": 0.75, "trained": 1},
            {"team": "Finances", "week": this_week, "active_users": 2, "active_share": 0.6667, "trained": 1}
        ]),
        "{}",
        usage.body
    );

    // The same figures from the production tool's export: a French CSV
    // file in Windows-1252 (any day of the week names it); a file with bad
    // lines is refused whole, each line named, in French.
    let http_csv = |path: String, body: Vec<u8>| {
        let request = lead
            .http
            .post(format!("{}{path}", lead.base))
            .bearer_auth(lead.token.as_deref().unwrap())
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .header(reqwest::header::ACCEPT_LANGUAGE, "fr-FR")
            .body(body);
        async move {
            let r = request.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let friday = (last_week + chrono::Days::new(4)).format("%d/%m/%Y");
    let mut file = b"\xc9quipe;Semaine du;Utilisateurs actifs\r\n".to_vec();
    file.extend_from_slice(format!("Finances;{friday};1\r\n").as_bytes());
    let (status, text) = http_csv(format!("{p}/usage.csv"), file).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, r#"{"recorded":1}"#)
    );
    let (status, text) = http_csv(
        format!("{p}/usage.csv"),
        b"team;week;active\nFinances;2030-01-14;2\nCuisine;2030-01-14;1\nFinances;bient\xf4t;x\n"
            .to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(
        text.contains("ligne 3 : l’équipe Cuisine") && text.contains("ligne 4 : « bientôt »"),
        "{text}"
    );
    let usage_csv = lead
        .http
        .get(format!(
            "{}{p}/indicators/usage?format=csv&sep=comma",
            lead.base
        ))
        .bearer_auth(lead.token.as_deref().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        usage_csv,
        format!(
            "\u{feff}team,week,active_users,active_share,trained\n\
             Accueil,{last_week},1,0.25,0\n\
             Accueil,{this_week},3,0.75,1\n\
             Finances,{last_week},1,0.3333,0\n\
             Finances,{this_week},2,0.6667,1\n"
        )
    );

    // The lead reads the same figures on the programme's page, in French:
    // the chart (an image with a name and a description) and its table.
    let cookie = crate::common::http::session_of(&server.url, "lea", &lead_password).await;
    let page = crate::common::http::client()
        .get(format!("{}/trainer/programmes/{id}?lang=fr", server.url))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let status = page.status();
    let html = page.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("<h2 id=\"reach-heading\">Couverture par équipe</h2>"),
        "{html}"
    );
    assert!(html.contains(r#"role="img" aria-labelledby="reach-chart-title reach-chart-desc""#));
    assert!(
        html.contains("3 équipes : 2 personne(s) sur 9 ont terminé"),
        "{html}"
    );
    assert!(
        html.contains(r#"<strong id="current-phase">Réaliser</strong>"#),
        "{html}"
    );
    let row_cells = |row: &str| -> Vec<String> {
        let start = html
            .find(&format!("<tr {row}>"))
            .unwrap_or_else(|| panic!("no row {row}"));
        let row = &html[start..start + html[start..].find("</tr>").unwrap()];
        row.split("<td")
            .skip(1)
            .map(|c| {
                let inner = &c[c.find('>').unwrap() + 1..];
                let inner = inner.split("</td>").next().unwrap();
                // The text of the cell, tags (e.g. <time>) aside.
                let mut text = String::new();
                let mut in_tag = false;
                for ch in inner.chars() {
                    match ch {
                        '<' => in_tag = true,
                        '>' => in_tag = false,
                        c if !in_tag => text.push(c),
                        _ => {}
                    }
                }
                text.trim().replace("&#x27;", "'")
            })
            .collect()
    };
    let cells = |team: &str| row_cells(&format!("data-team=\"{team}\""));
    assert_eq!(
        cells("Accueil"),
        [
            "Équipe métier",
            "Mairie",
            "2",
            "4",
            "3",
            "2",
            "1",
            "25 %",
            &yesterday.to_string(),
            "En retard"
        ]
    );
    assert_eq!(
        cells("Finances")[3..],
        [
            "3",
            "2",
            "1",
            "1",
            "33 %",
            &in_a_month.to_string(),
            "Dans les temps"
        ]
    );
    assert_eq!(cells("Informatique")[0], "Fonction support");
    assert_eq!(cells("Informatique")[9], "Rien d'exigé");
    assert_eq!(cells("")[3..8], ["9", "6", "3", "2", "22 %"]);
    // The trend, cohort after cohort: Monday's four learners, three
    // started, Ada and Dan passed at their first check; no one on Tuesday.
    assert!(html.contains(r#"aria-labelledby="trend-chart-title trend-chart-desc""#));
    // Real use beside training, week by week (two weeks reported).
    assert!(html.contains(r#"aria-labelledby="usage-chart-title usage-chart-desc""#));
    assert!(
        html.contains("2 semaines : la part de l’effectif qui utilise l’outil"),
        "{html}"
    );
    let monday = row_cells(r#"data-cohort="Wiki, Monday""#);
    assert_eq!(monday[1..7], ["Réaliser", "4", "3", "2", "50 %", "100 %"]);
    assert_eq!(monday[8], "1");
    let tuesday = row_cells(r#"data-cohort="Wiki, Tuesday""#);
    assert_eq!(
        tuesday[1..9],
        ["Réaliser", "2", "0", "0", "0 %", "", "", ""]
    );
    // Another trainer's programme is not found, like one that does not exist.
    let (_, other_password) =
        crate::common::settled_account(&server.app, "ula", Role::Trainer).await;
    let other = crate::common::http::session_of(&server.url, "ula", &other_password).await;
    let hidden = crate::common::http::client()
        .get(format!("{}/trainer/programmes/{id}", server.url))
        .header(reqwest::header::COOKIE, &other)
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    // Both cohorts torn down: nothing is left on the engine, and the
    // indicator keeps what was done.
    for (api, c) in [(&trainer, c1), (&lead, c2)] {
        let down = api.post(&format!("/cohorts/{c}/teardown"), None).await;
        assert_eq!(down.status, StatusCode::OK, "{}", down.body);
    }
    server.assert_nothing_left().await;
    let after = lead.get(&format!("{p}/indicators/reach")).await.body;
    assert_eq!(funnel(&after["total"]), [9, 7, 6, 3, 2]);
}
