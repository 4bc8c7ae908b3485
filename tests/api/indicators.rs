//! The proficiency and struggle indicators (and reach's filters) through
//! the API on a real server: a programme of two scenarios and two teams,
//! a cohort whose learners start real sandboxes and pass real checks, a
//! refresher cohort recorded through the store, every record moved to a
//! known moment; then every median, rate, rank, grouped output, filter and
//! CSV byte asserted.

use std::time::{Duration, Instant};

use crate::common::api::{Answer, Api, account, in_minutes};
use crate::common::http::check;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use sandpit::store::{Outcome, Role};
use serde_json::{Value, json};
use uuid::Uuid;

/// The store as a second writer, to move records to given moments.
struct Clock(sqlx::SqlitePool);

impl Clock {
    async fn open(server: &TestServer) -> Self {
        let path = server.data.path().join("sandpit.db");
        Self(
            sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap(),
        )
    }

    /// Moves attempt `id` to `at`. The per-learner tallies each recorded
    /// check keeps are then counted again from every attempt, by the
    /// migration that made them (which gives the tallies the checks keep:
    /// `demo::the_tallies_kept_per_check_are_the_ones_the_migration_computes`).
    async fn attempt_at(&self, id: i64, at: DateTime<Utc>) {
        sqlx::query("UPDATE attempts SET created_at = ? WHERE id = ?")
            .bind(at)
            .bind(id)
            .execute(&self.0)
            .await
            .unwrap();
        let migration = include_str!("../../migrations/0016_learner_exercises.sql");
        let counts: Vec<&str> = migration
            .split(";\n")
            .filter(|statement| {
                let code = statement
                    .lines()
                    .find(|l| !l.starts_with("--") && !l.is_empty());
                code.is_some_and(|l| l.starts_with("INSERT INTO"))
            })
            .collect();
        assert_eq!(counts.len(), 3, "the migration's three counts");
        let mut tx = self.0.begin().await.unwrap();
        sqlx::raw_sql(
            "DELETE FROM learner_exercises; DELETE FROM learner_failures;
             DELETE FROM check_outputs;",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        for statement in counts {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }

    async fn claimed_at(&self, sandbox: Uuid, at: DateTime<Utc>) {
        sqlx::query("UPDATE sandboxes SET claimed_at = ? WHERE id = ?")
            .bind(at)
            .bind(sandbox.to_string())
            .execute(&self.0)
            .await
            .unwrap();
    }

    async fn cohort_ends(&self, cohort: Uuid, at: DateTime<Utc>) {
        sqlx::query("UPDATE cohorts SET ends_at = ? WHERE id = ?")
            .bind(at)
            .bind(cohort.to_string())
            .execute(&self.0)
            .await
            .unwrap();
    }
}

/// Launches a cohort and waits until all its sandboxes are ready.
async fn launch(api: &Api, id: &str, seats: u64) {
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

/// A downloaded file: status, content type, disposition, bytes as text.
async fn download(api: &Api, path: &str) -> (StatusCode, String, String, String) {
    let r = api
        .http
        .get(format!("{}{path}", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    let header = |name| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (kind, disposition) = (header(CONTENT_TYPE), header(CONTENT_DISPOSITION));
    let status = r.status();
    (status, kind, disposition, r.text().await.unwrap())
}

/// `[scenario/exercise, attempted, passed, first_try_passed]` and the
/// rate and medians of each exercise of a proficiency answer.
fn proficiency_rows(body: &Value) -> Vec<(String, [u64; 3], [Value; 3])> {
    body["exercises"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| {
            (
                format!(
                    "{}/{}",
                    e["scenario"].as_str().unwrap(),
                    e["exercise"].as_str().unwrap()
                ),
                ["attempted", "passed", "first_try_passed"].map(|k| e[k].as_u64().unwrap()),
                [
                    "first_try_rate",
                    "median_seconds_to_pass",
                    "median_attempts_to_pass",
                ]
                .map(|k| e[k].clone()),
            )
        })
        .collect()
}

/// `(rank, scenario/exercise, failed checks, abandoned)` of a struggle answer.
fn ranking(body: &Value) -> Vec<(u64, String, u64, u64)> {
    body["exercises"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| {
            (
                e["rank"].as_u64().unwrap(),
                format!(
                    "{}/{}",
                    e["scenario"].as_str().unwrap(),
                    e["exercise"].as_str().unwrap()
                ),
                e["failed_checks"].as_u64().unwrap(),
                e["abandoned"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn refused(answer: &Answer, naming: &str) {
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(answer.error().contains(naming), "{}", answer.error());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proficiency_and_struggle_give_exact_medians_rates_ranks_and_grouped_outputs_by_team_and_phase()
 {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (lead_user, token) = account(&server, "lea", Role::Trainer).await;
    let lead = Api::new(&server, Some(&token));

    let created = lead
        .post(
            "/programmes",
            Some(&json!({
                "name": "Wiki",
                "time_zone": "Europe/Paris",
                "scenarios": [
                    {"scenario": "tiny", "phase": "realise"},
                    {"scenario": "slow", "phase": "anchor"}
                ]
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let p = format!("/programmes/{}", created.body["id"].as_str().unwrap());
    let teams = json!([
        {"name": "Accueil", "kind": "business", "headcount": 4, "maturity": 2},
        {"name": "Finances", "kind": "business", "headcount": 3, "maturity": 3}
    ]);
    assert_eq!(
        lead.post(&format!("{p}/teams"), Some(&teams)).await.status,
        StatusCode::OK
    );
    let people = json!([
        {"name": "Ada", "email": "ada@ville.fr", "team": "Accueil"},
        {"name": "Ben", "email": "ben@ville.fr", "team": "Accueil"},
        {"name": "Cyd", "email": "cyd@ville.fr", "team": "Accueil"},
        {"name": "Fay", "email": "fay@ville.fr", "team": "Accueil"},
        {"name": "Dan", "email": "dan@ville.fr", "team": "Finances"},
        {"name": "Eve", "email": "eve@ville.fr", "team": "Finances"}
    ]);
    let imported = lead.post(&format!("{p}/people"), Some(&people)).await;
    assert_eq!(imported.body, json!({"added": 6, "updated": 0}));
    let due = (Utc::now() + TimeDelta::days(30)).date_naive();
    for team in ["Accueil", "Finances"] {
        let set = lead
            .call(
                Method::PUT,
                &format!("{p}/teams/{team}/impacts"),
                Some(&json!([{"scenario": "tiny", "impact": "high", "required": true, "due_on": due}])),
            )
            .await;
        assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.body);
    }

    // The practice cohort (realise, tiny): real sandboxes, real checks.
    let practice = lead
        .post(
            "/cohorts",
            Some(&json!({
                "name": "Wiki, lundi",
                "scenario": "tiny",
                "starts_at": in_minutes(120),
                "ends_at": in_minutes(240),
                "roster": [
                    {"name": "Ada", "email": "ada@ville.fr"},
                    {"name": "Ben", "email": "ben@ville.fr"},
                    {"name": "Dan", "email": "dan@ville.fr"}
                ],
                "spare": 0,
            })),
        )
        .await;
    assert_eq!(practice.status, StatusCode::CREATED, "{}", practice.body);
    let c1 = practice.body["id"].as_str().unwrap().to_owned();
    // The refresher cohort (anchor, slow): recorded through the store.
    let (refresher, learners) = crate::records::cohort(
        &server.app,
        &lead_user,
        "slow",
        "Wiki, rappel",
        ["Cyd", "Eve", "Fay"]
            .iter()
            .map(|n| {
                let email = format!("{}@ville.fr", n.to_lowercase());
                crate::records::entry(n, Some(email.as_str()), None)
            })
            .collect(),
    )
    .await;
    for (c, phase) in [
        (c1.clone(), "realise"),
        (refresher.id.to_string(), "anchor"),
    ] {
        let attached = lead
            .call(
                Method::PUT,
                &format!("{p}/cohorts/{c}"),
                Some(&json!({"phase": phase})),
            )
            .await;
        assert_eq!(attached.status, StatusCode::NO_CONTENT, "{}", attached.body);
    }

    launch(&lead, &c1, 3).await;
    let http = reqwest::Client::new();
    let link = |name: &str| -> String {
        practice.body["learners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .and_then(|l| l["link"].as_str())
            .unwrap()
            .to_owned()
    };
    for name in ["Ada", "Ben", "Dan"] {
        let opened = http
            .post(format!("{}/start", link(name)))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), StatusCode::OK, "{name}");
    }
    let roster = lead.get(&format!("/cohorts/{c1}/learners")).await.body;
    let sandbox = |name: &str| -> Uuid {
        roster
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .and_then(|l| l["sandbox_id"].as_str())
            .unwrap()
            .parse()
            .unwrap()
    };
    let (ada, ben, dan) = (sandbox("Ada"), sandbox("Ben"), sandbox("Dan"));
    // Ada checks too early (a real failure), then does it; Dan does it first.
    let early = check(&http, &link("Ada"), "make-file").await;
    assert_eq!(early["outcome"], "failed", "{early}");
    server.solve(ada, "tiny", "make-file").await;
    assert_eq!(
        check(&http, &link("Ada"), "make-file").await["outcome"],
        "passed"
    );
    server.solve(dan, "tiny", "make-file").await;
    assert_eq!(
        check(&http, &link("Dan"), "make-file").await["outcome"],
        "passed"
    );
    // Dan's engine trouble and Ben's failures, as the check path records them.
    let app = &server.app;
    let dan_error =
        crate::records::attempt(app, dan, "make-file", Outcome::Error, "", "engine gone").await;
    let mut ben_tries = Vec::new();
    for output in [
        "No done.txt  here\n",
        "  No done.txt here",
        "Permission denied",
    ] {
        ben_tries.push(
            crate::records::attempt(app, ben, "make-file", Outcome::Failed, output, "").await,
        );
    }

    // Every record moved to a known moment: the practice two days ago…
    let now = Utc::now();
    let t0 = DateTime::from_timestamp(now.timestamp() - 2 * 86_400, 0).unwrap();
    let at = |t: DateTime<Utc>, s: i64| t + TimeDelta::seconds(s);
    let clock = Clock::open(&server).await;
    for s in [ada, ben, dan] {
        clock.claimed_at(s, t0).await;
    }
    let ada_tries = app.store.attempts(ada).await.unwrap();
    assert_eq!(ada_tries.len(), 2);
    let ada_output = ada_tries[0]
        .output
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        ada_output.starts_with("There is no done.txt in "),
        "{ada_output}"
    );
    clock.attempt_at(ada_tries[0].id, at(t0, 60)).await;
    clock.attempt_at(ada_tries[1].id, at(t0, 301)).await;
    let dan_tries = app.store.attempts(dan).await.unwrap();
    assert_eq!(dan_tries.len(), 2, "a pass and an error");
    clock.attempt_at(dan_tries[0].id, at(t0, 100)).await;
    clock.attempt_at(dan_error.attempt_id, at(t0, 50)).await;
    for (i, t) in ben_tries.iter().enumerate() {
        clock
            .attempt_at(t.attempt_id, at(t0, 10 * (i as i64 + 1)))
            .await;
    }
    // …and the refresher three hours ago.
    let t1 = DateTime::from_timestamp(now.timestamp() - 3 * 3_600, 0).unwrap();
    let mut claims = Vec::new();
    for l in &learners {
        let s = crate::records::claim(app, &refresher, l).await;
        clock.claimed_at(s, t1).await;
        claims.push(s);
    }
    let (cyd, eve, fay) = (claims[0], claims[1], claims[2]);
    let stored: [(Uuid, &str, Outcome, &str, i64); 10] = [
        (cyd, "wait-a-bit", Outcome::Failed, "Not yet.", 60),
        (cyd, "wait-a-bit", Outcome::Failed, "Not yet.", 120),
        (cyd, "wait-a-bit", Outcome::Passed, "Done.", 600),
        (eve, "wait-a-bit", Outcome::Passed, "Done.", 30),
        (fay, "wait-a-bit", Outcome::Failed, "Still waiting", 40),
        (fay, "wait-a-bit", Outcome::Passed, "Done.", 1201),
        (cyd, "hang", Outcome::Failed, "Timed out.", 700),
        (eve, "hang", Outcome::Failed, "Timed out.", 100),
        (eve, "hang", Outcome::Failed, "Timed  out.\n", 200),
        (eve, "hang", Outcome::Error, "", 300),
    ];
    for (s, exercise, outcome, output, secs) in stored {
        let r = crate::records::attempt(app, s, exercise, outcome, output, "").await;
        clock.attempt_at(r.attempt_id, at(t1, secs)).await;
    }

    // Proficiency, exercise by exercise in the programme's order.
    let all = lead.get(&format!("{p}/indicators/proficiency")).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["team"], Value::Null);
    assert_eq!(all.body["exercises"][2]["title"], "Make a file");
    assert_eq!(
        proficiency_rows(&all.body),
        [
            // Eve first try in 30 s, Cyd in 3 tries and 600 s, Fay in 2 and 1201 s.
            (
                "slow/wait-a-bit".to_owned(),
                [3, 3, 1],
                [json!(0.3333), json!(600), json!(2.0)]
            ),
            (
                "slow/hang".to_owned(),
                [2, 0, 0],
                [json!(0.0), Value::Null, Value::Null]
            ),
            // Dan first try in 100 s (his engine error is no attempt), Ada
            // in 2 tries and 301 s: the median 200.5 s is 201; Ben never.
            (
                "tiny/make-file".to_owned(),
                [3, 2, 1],
                [json!(0.3333), json!(201), json!(1.5)]
            ),
        ]
    );
    let accueil = lead
        .get(&format!("{p}/indicators/proficiency?team=accueil"))
        .await;
    assert_eq!(accueil.body["team"], "Accueil");
    assert_eq!(
        proficiency_rows(&accueil.body),
        [
            (
                "slow/wait-a-bit".to_owned(),
                [2, 2, 0],
                [json!(0.0), json!(901), json!(2.5)]
            ),
            (
                "slow/hang".to_owned(),
                [1, 0, 0],
                [json!(0.0), Value::Null, Value::Null]
            ),
            (
                "tiny/make-file".to_owned(),
                [2, 1, 0],
                [json!(0.0), json!(301), json!(2.0)]
            ),
        ]
    );
    let anchor = lead
        .get(&format!(
            "{p}/indicators/proficiency?phase=anchor&team=Finances"
        ))
        .await;
    assert_eq!(
        (&anchor.body["team"], &anchor.body["phase"]),
        (&json!("Finances"), &json!("anchor"))
    );
    assert_eq!(
        proficiency_rows(&anchor.body),
        [
            (
                "slow/wait-a-bit".to_owned(),
                [1, 1, 1],
                [json!(1.0), json!(30), json!(1.0)]
            ),
            (
                "slow/hang".to_owned(),
                [1, 0, 0],
                [json!(0.0), Value::Null, Value::Null]
            ),
            (
                "tiny/make-file".to_owned(),
                [0, 0, 0],
                [Value::Null, Value::Null, Value::Null]
            ),
        ]
    );

    // Where people struggle: make-file has the most failed checks; the
    // tie between wait-a-bit and hang (3 each, no one gave up yet) goes
    // to the programme's order.
    let struggle = lead.get(&format!("{p}/indicators/struggle")).await;
    assert_eq!(struggle.status, StatusCode::OK, "{}", struggle.body);
    assert_eq!(struggle.body["idle_hours"], 24);
    assert_eq!(
        ranking(&struggle.body),
        [
            (1, "tiny/make-file".to_owned(), 4, 1),
            (2, "slow/wait-a-bit".to_owned(), 3, 0),
            (3, "slow/hang".to_owned(), 3, 0),
        ]
    );
    let outputs = |body: &Value, i: usize| body["exercises"][i]["failing_outputs"].clone();
    assert_eq!(
        outputs(&struggle.body, 0),
        json!([
            {"output": "No done.txt here", "count": 2},
            {"output": "Permission denied", "count": 1},
            {"output": ada_output, "count": 1}
        ])
    );
    assert_eq!(
        outputs(&struggle.body, 1),
        json!([{"output": "Not yet.", "count": 2}, {"output": "Still waiting", "count": 1}])
    );
    assert_eq!(
        outputs(&struggle.body, 2),
        json!([{"output": "Timed out.", "count": 3}])
    );
    assert_eq!(struggle.body["exercises"][2]["attempted"], 2);
    // Idle for more than 2 hours, Cyd and Eve abandoned hang.
    let idle = lead
        .get(&format!("{p}/indicators/struggle?idle_hours=2"))
        .await;
    assert_eq!(
        ranking(&idle.body),
        [
            (1, "tiny/make-file".to_owned(), 4, 1),
            (2, "slow/hang".to_owned(), 3, 2),
            (3, "slow/wait-a-bit".to_owned(), 3, 0),
        ]
    );
    let finances = lead
        .get(&format!("{p}/indicators/struggle?team=Finances"))
        .await;
    assert_eq!(
        ranking(&finances.body),
        [
            (1, "slow/hang".to_owned(), 2, 0),
            (2, "slow/wait-a-bit".to_owned(), 0, 0),
            (3, "tiny/make-file".to_owned(), 0, 0),
        ]
    );
    let realise = lead
        .get(&format!("{p}/indicators/struggle?phase=realise"))
        .await;
    assert_eq!(
        ranking(&realise.body),
        [
            (1, "tiny/make-file".to_owned(), 4, 1),
            (2, "slow/wait-a-bit".to_owned(), 0, 0),
            (3, "slow/hang".to_owned(), 0, 0),
        ]
    );

    // Reach narrowed: one team's row is the total; a phase counts its cohorts only.
    let funnel = |t: &Value| {
        ["headcount", "people", "invited", "started", "completed"].map(|k| t[k].as_u64().unwrap())
    };
    let reach = lead.get(&format!("{p}/indicators/reach")).await.body;
    assert_eq!(funnel(&reach["total"]), [7, 6, 6, 6, 2]);
    let reach_accueil = lead
        .get(&format!("{p}/indicators/reach?team=ACCUEIL"))
        .await
        .body;
    assert_eq!(reach_accueil["teams"].as_array().unwrap().len(), 1);
    assert_eq!(funnel(&reach_accueil["teams"][0]), [4, 4, 4, 4, 1]);
    assert_eq!(funnel(&reach_accueil["total"]), [4, 4, 4, 4, 1]);
    let reach_anchor = lead
        .get(&format!("{p}/indicators/reach?phase=anchor"))
        .await
        .body;
    assert_eq!(reach_anchor["phase"], "anchor");
    assert_eq!(funnel(&reach_anchor["teams"][0]), [4, 4, 2, 2, 0]);
    assert_eq!(funnel(&reach_anchor["teams"][1]), [3, 2, 1, 1, 0]);

    // Bad filters are refused, naming what is wrong.
    for indicator in ["reach", "proficiency", "struggle"] {
        let path = format!("{p}/indicators/{indicator}");
        refused(&lead.get(&format!("{path}?team=Cuisine")).await, "Cuisine");
        refused(
            &lead.get(&format!("{path}?phase=launch")).await,
            "`launch` is not a phase",
        );
        refused(&lead.get(&format!("{path}?format=xml")).await, "`xml`");
        refused(
            &lead.get(&format!("{path}?format=csv&sep=tab")).await,
            "`tab`",
        );
        refused(&lead.get(&format!("{path}?teams=Accueil")).await, "teams");
    }
    refused(
        &lead
            .get(&format!("{p}/indicators/struggle?idle_hours=0"))
            .await,
        "idle_hours",
    );

    // CSV: a byte order mark, `;` and decimal commas by default, `,` and points on request.
    let (status, kind, disposition, text) =
        download(&lead, &format!("{p}/indicators/proficiency?format=csv")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(kind, "text/csv; charset=utf-8");
    assert!(
        disposition.starts_with("attachment; filename=\"sandpit-wiki-")
            && disposition.ends_with("-proficiency.csv\""),
        "{disposition}"
    );
    assert_eq!(
        text,
        "\u{feff}scenario_id;exercise_id;exercise_title;attempted;passed;first_try_passed;first_try_rate;median_seconds_to_pass;median_attempts_to_pass\n\
         slow;wait-a-bit;Wait a bit;3;3;1;0,3333;600;2\n\
         slow;hang;A check that hangs;2;0;0;0;;\n\
         tiny;make-file;Make a file;3;2;1;0,3333;201;1,5\n"
    );
    let (_, _, _, text) = download(
        &lead,
        &format!("{p}/indicators/struggle?format=csv&sep=comma"),
    )
    .await;
    assert_eq!(
        text,
        format!(
            "\u{feff}rank,scenario_id,exercise_id,exercise_title,attempted,failed_checks,abandoned,output_1,output_1_count,output_2,output_2_count,output_3,output_3_count\n\
             1,tiny,make-file,Make a file,3,4,1,No done.txt here,2,Permission denied,1,{ada_output},1\n\
             2,slow,wait-a-bit,Wait a bit,3,3,0,Not yet.,2,Still waiting,1,,\n\
             3,slow,hang,A check that hangs,2,3,0,Timed out.,3,,,,\n"
        )
    );
    let (_, _, _, text) = download(
        &lead,
        &format!("{p}/indicators/reach?format=csv&team=Accueil"),
    )
    .await;
    assert_eq!(
        text,
        format!(
            "\u{feff}row;team;kind;site;headcount;maturity;people;invited;started;completed;completed_share;required;due_on;status\n\
             team;Accueil;business;;4;2;4;4;4;1;0,25;tiny;{due};on_track\n\
             total;;;;4;;4;4;4;1;0,25;;;on_track\n"
        )
    );

    // The trend: the practice (starting in two hours) before the refresher
    // (tomorrow). Practice: Ada and Dan completed its one exercise; of the
    // three pairs tried only Dan's passed first; 301 s and 100 s, 2 and 1
    // checks. Refresher: no one passed `hang`, so no one completed; of five
    // pairs tried only Eve's wait-a-bit passed first; 600, 30 and 1201 s.
    let trend = lead.get(&format!("{p}/indicators/trend")).await;
    assert_eq!(trend.status, StatusCode::OK, "{}", trend.body);
    let trend_rows = |body: &Value| -> Vec<Value> {
        body["cohorts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                json!([
                    c["name"],
                    c["scenario"],
                    c["phase"],
                    c["learners"],
                    c["started"],
                    c["completed"],
                    c["completed_share"],
                    c["attempted"],
                    c["first_try_rate"],
                    c["median_seconds_to_pass"],
                    c["median_attempts_to_pass"]
                ])
            })
            .collect()
    };
    assert_eq!(
        trend_rows(&trend.body),
        [
            json!([
                "Wiki, lundi",
                "tiny",
                "realise",
                3,
                3,
                2,
                0.6667,
                3,
                0.3333,
                201,
                1.5
            ]),
            json!([
                "Wiki, rappel",
                "slow",
                "anchor",
                3,
                3,
                0,
                0.0,
                5,
                0.2,
                600,
                2.0
            ]),
        ]
    );
    let finances = lead
        .get(&format!("{p}/indicators/trend?team=Finances"))
        .await;
    assert_eq!(finances.body["team"], "Finances");
    assert_eq!(
        trend_rows(&finances.body),
        [
            json!([
                "Wiki, lundi",
                "tiny",
                "realise",
                1,
                1,
                1,
                1.0,
                1,
                1.0,
                100,
                1.0
            ]),
            json!([
                "Wiki, rappel",
                "slow",
                "anchor",
                1,
                1,
                0,
                0.0,
                2,
                0.5,
                30,
                1.0
            ]),
        ]
    );
    let anchor = lead
        .get(&format!("{p}/indicators/trend?phase=anchor"))
        .await;
    assert_eq!(
        trend_rows(&anchor.body),
        [json!([
            "Wiki, rappel",
            "slow",
            "anchor",
            3,
            3,
            0,
            0.0,
            5,
            0.2,
            600,
            2.0
        ])]
    );
    let (status, _, disposition, text) =
        download(&lead, &format!("{p}/indicators/trend?format=csv")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(disposition.ends_with("-trend.csv\""), "{disposition}");
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(';').collect()).collect();
    assert_eq!(
        lines[0].join(";"),
        "\u{feff}cohort;scenario_id;phase;starts_at;learners;started;completed;completed_share;attempted;first_try_rate;median_seconds_to_pass;median_attempts_to_pass"
    );
    assert_eq!(lines.len(), 3, "{text}");
    for (line, (cells, json)) in lines[1..].iter().zip([
        (
            "Wiki, lundi;tiny;realise;3;3;2;0,6667;3;0,3333;201;1,5",
            &trend.body["cohorts"][0],
        ),
        (
            "Wiki, rappel;slow;anchor;3;3;0;0;5;0,2;600;2",
            &trend.body["cohorts"][1],
        ),
    ]) {
        let mut without_start = line.clone();
        let start = without_start.remove(3);
        assert_eq!(without_start.join(";"), cells);
        // Written to the millisecond.
        assert_eq!(
            DateTime::parse_from_rfc3339(start)
                .unwrap()
                .timestamp_millis(),
            DateTime::parse_from_rfc3339(json["starts_at"].as_str().unwrap())
                .unwrap()
                .timestamp_millis(),
            "{start}"
        );
    }

    // The document says each indicator comes as JSON or CSV.
    let doc = lead.get("/openapi.json").await.body;
    for indicator in ["reach", "proficiency", "struggle", "trend"] {
        let op = &doc["paths"][format!("/api/v1/programmes/{{id}}/indicators/{indicator}")]["get"];
        let content = &op["responses"]["200"]["content"];
        assert!(
            content["application/json"]["schema"].is_object(),
            "{indicator}: {op}"
        );
        assert!(
            content["text/csv"]["schema"].is_object(),
            "{indicator}: {op}"
        );
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for name in ["team", "phase", "format", "sep"] {
            assert!(params.contains(&name), "{indicator}: {params:?}");
        }
    }

    // The refresher cohort over: its learners who never passed hang gave it up.
    clock
        .cohort_ends(*refresher.id, now - TimeDelta::minutes(1))
        .await;
    let ended = lead.get(&format!("{p}/indicators/struggle")).await;
    assert_eq!(
        ranking(&ended.body),
        [
            (1, "tiny/make-file".to_owned(), 4, 1),
            (2, "slow/hang".to_owned(), 3, 2),
            (3, "slow/wait-a-bit".to_owned(), 3, 0),
        ]
    );
    clock.0.close().await;

    let down = lead.post(&format!("/cohorts/{c1}/teardown"), None).await;
    assert_eq!(down.status, StatusCode::OK, "{}", down.body);
    server.assert_nothing_left().await;
}
