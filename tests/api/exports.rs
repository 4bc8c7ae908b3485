//! A cohort's exports over real HTTP: every attempt and completion as CSV
//! (a byte order mark, `;` or `,`, formulas neutralised, times in the
//! cohort's zone) and JSON that agree, for the cohort's trainer or an admin
//! only. Records are made in the store; no sandbox is needed.

use crate::common;
use crate::common::http::client;
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, test_app};
use crate::records;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use sandpit::store::{Outcome, Role};
use serde_json::Value;

/// A JSON value as the CSV export writes it.
fn as_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a spreadsheet must not run as a formula (OWASP's list).
fn starts_like_a_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Parses a CSV export (a byte order mark, then `;` between cells) into
/// its header and rows.
fn parse_csv(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body = body.strip_prefix('\u{feff}').expect("a byte order mark");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(body.as_bytes());
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

/// Asserts that CSV rows say what the JSON rows say, cell by cell, with
/// formula-like text prefixed by `'` in the CSV only.
fn assert_csv_matches_json(headers: &[String], rows: &[Vec<String>], json: &[Value]) {
    assert_eq!(rows.len(), json.len(), "as many CSV rows as JSON rows");
    for (row, object) in rows.iter().zip(json) {
        let object = object.as_object().unwrap();
        assert_eq!(headers.len(), object.len(), "the same columns: {headers:?}");
        for (h, cell) in headers.iter().zip(row) {
            let raw = as_cell(&object[h]);
            let expected = if starts_like_a_formula(&raw) {
                format!("'{raw}")
            } else {
                raw
            };
            assert_eq!(cell, &expected, "column {h}");
        }
    }
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    http.get(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn exports_list_every_attempt_and_completion_as_csv_and_json_with_formulas_neutralised() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let app = &server.app;
    let (trainer, token) = records::account(app, "trainer-a", Role::Trainer).await;
    let (cohort, learners) = records::cohort(
        app,
        &trainer,
        "tiny",
        "Finance team, wave 1",
        vec![
            records::entry("Ada Lovelace", Some("ada@example.org"), Some("Finance")),
            records::entry("Bob", None, Some("=evil")),
        ],
    )
    .await;
    let ada = records::claim(app, &cohort, &learners[0]).await;
    let bob = records::claim(app, &cohort, &learners[1]).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    records::attempt(app, ada, "make-file", Outcome::Failed, formula, "@SUM(1)").await;
    let pass = records::attempt(
        app,
        ada,
        "make-file",
        Outcome::Passed,
        "Found done.txt.",
        "",
    )
    .await;
    assert!(pass.first_pass);
    records::attempt(app, bob, "make-file", Outcome::Error, "Try again.", "-1+1").await;
    records::attempt(
        app,
        bob,
        "make-file",
        Outcome::Failed,
        "+cmd|' /C calc'!A0",
        "\tindented",
    )
    .await;

    let http = client();
    let base = format!("{}/api/v1/cohorts/{}/export", server.url, cohort.id);

    // Attempts.
    let csv = get(&http, &format!("{base}/attempts.csv"), &token).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = csv.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"sandpit-finance-team-wave-1-")
            && disposition.ends_with("-attempts.csv\""),
        "{disposition}"
    );
    let (headers, rows) = parse_csv(&csv.text().await.unwrap());
    assert_eq!(
        headers,
        [
            "cohort_id",
            "cohort_name",
            "programme",
            "phase",
            "learner_id",
            "learner_name",
            "learner_email",
            "team",
            "exercise_id",
            "exercise_title",
            "outcome",
            "output",
            "detail",
            "duration_ms",
            "created_at",
            "is_completion"
        ]
    );
    let json = get(&http, &format!("{base}/attempts.json"), &token).await;
    assert_eq!(json.status(), StatusCode::OK);
    assert_eq!(json.headers()[CONTENT_TYPE], "application/json");
    let json: Vec<Value> = json.json().await.unwrap();
    assert_eq!(json.len(), 4, "every attempt: {json:#?}");
    assert_csv_matches_json(&headers, &rows, &json);

    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    // The learner's output stays raw in JSON and is defused in CSV.
    assert_eq!(json[0]["output"], formula);
    assert_eq!(rows[0][col("output")], format!("'{formula}"));
    assert_eq!(rows[0][col("detail")], "'@SUM(1)");
    assert_eq!(rows[2][col("team")], "'=evil");
    assert_eq!(rows[3][col("output")], "'+cmd|' /C calc'!A0");
    assert_eq!(rows[3][col("detail")], "'\tindented");
    assert_eq!(rows[2][col("detail")], "'-1+1");
    let outcomes: Vec<&str> = rows.iter().map(|r| r[col("outcome")].as_str()).collect();
    assert_eq!(outcomes, ["failed", "passed", "error", "failed"]);
    let completions: Vec<&str> = rows
        .iter()
        .map(|r| r[col("is_completion")].as_str())
        .collect();
    assert_eq!(completions, ["false", "true", "false", "false"]);
    assert_eq!(json[1]["learner_email"], "ada@example.org");
    assert_eq!(json[1]["learner_id"], learners[0].id.to_string());
    assert_eq!(json[1]["exercise_title"], "Make a file");
    assert_eq!(json[1]["cohort_name"], "Finance team, wave 1");
    assert_eq!(json[2]["learner_email"], Value::Null);
    assert_eq!(json[1]["duration_ms"], 120);

    // Completions.
    let csv = get(&http, &format!("{base}/completions.csv"), &token).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()[CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .ends_with("-completions.csv\"")
    );
    let (headers, rows) = parse_csv(&csv.text().await.unwrap());
    let json: Vec<Value> = get(&http, &format!("{base}/completions.json"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_csv_matches_json(&headers, &rows, &json);
    assert_eq!(json.len(), 1, "{json:#?}");
    let done = &json[0];
    assert_eq!(done["learner_name"], "Ada Lovelace");
    assert_eq!(done["exercise_id"], "make-file");
    assert_eq!(done["attempts_before_pass"], 1);
    assert!(done["claimed_at"].is_string());
    assert!(done["seconds_from_claim_to_pass"].as_i64().unwrap() >= 0);
    assert_eq!(
        done["completed_at"],
        json_attempt_time(&http, &base, &token, 1).await
    );

    records::retire(app, &[ada, bob]).await;
    server.assert_nothing_left().await;
}

/// The `created_at` of the cohort's attempt at `index`.
async fn json_attempt_time(http: &reqwest::Client, base: &str, token: &str, index: usize) -> Value {
    let all: Vec<Value> = get(http, &format!("{base}/attempts.json"), token)
        .await
        .json()
        .await
        .unwrap();
    all[index]["created_at"].clone()
}

#[tokio::test]
async fn exports_are_for_the_cohorts_trainer_or_an_admin_and_errors_are_json() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let app = &server.app;
    let (trainer, password) = common::settled_account(app, "trainer-a", Role::Trainer).await;
    let (token, _) = app.auth.create_token(&trainer, "tests").await.unwrap();
    let (_, other) = records::account(app, "trainer-b", Role::Trainer).await;
    let (_, admin) = records::account(app, "admin", Role::Admin).await;
    let (cohort, _) = records::cohort(
        app,
        &trainer,
        "tiny",
        "Wave 2",
        vec![records::entry("Ada", None, None)],
    )
    .await;
    let http = client();
    let url = |file: &str| format!("{}/api/v1/cohorts/{}/export/{file}", server.url, cohort.id);

    async fn error_of(response: reqwest::Response, status: StatusCode) -> String {
        assert_eq!(response.status(), status);
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = response.json().await.unwrap();
        body["error"].as_str().expect("an error message").to_owned()
    }

    for file in [
        "attempts.csv",
        "attempts.json",
        "completions.csv",
        "completions.json",
        "xapi.json",
    ] {
        assert_eq!(
            get(&http, &url(file), &token).await.status(),
            StatusCode::OK,
            "{file}"
        );
        assert_eq!(
            get(&http, &url(file), &admin).await.status(),
            StatusCode::OK,
            "{file}"
        );
        error_of(get(&http, &url(file), &other).await, StatusCode::NOT_FOUND).await;
        let anonymous = http.get(url(file)).send().await.unwrap();
        let message = error_of(anonymous, StatusCode::UNAUTHORIZED).await;
        assert!(message.contains("API token"), "{message}");
    }
    // An empty cohort's CSV still has its header.
    let empty = get(&http, &url("attempts.csv"), &token)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        empty.starts_with("\u{feff}cohort_id;cohort_name;"),
        "{empty}"
    );

    error_of(
        get(&http, &url("attempts.csv"), "sandpit_not-a-real-token").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    error_of(
        get(&http, &url("secrets.csv"), &token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let unknown = format!(
        "{}/api/v1/cohorts/{}/export/attempts.csv",
        server.url,
        uuid::Uuid::new_v4()
    );
    error_of(get(&http, &unknown, &token).await, StatusCode::NOT_FOUND).await;
    let malformed = format!(
        "{}/api/v1/cohorts/not-a-uuid/export/attempts.csv",
        server.url
    );
    error_of(get(&http, &malformed, &token).await, StatusCode::NOT_FOUND).await;

    // The trainer's page links to the files: the session cookie works too.
    let session = app
        .auth
        .login("trainer-a", &password, "127.0.0.1")
        .await
        .unwrap();
    let by_cookie = http
        .get(url("completions.csv"))
        .header(COOKIE, format!("sandpit_session={}", session.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), StatusCode::OK);
    server.assert_nothing_left().await;
}
