//! Cohort names are unique per trainer, letter case aside: the page, the
//! API and the command line each say so clearly; another trainer may use
//! the same name; and the migration that brings the rule renames the
//! duplicates an older store holds, oldest first, without a clash.

use crate::common::api::{Api, account, in_minutes};
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, test_app};
use reqwest::StatusCode;
use sandpit::store::{NewCohort, Role, Store, StoreError};
use serde_json::json;

#[tokio::test]
async fn a_trainers_second_cohort_of_the_same_name_is_refused_on_the_page_the_api_and_the_cli() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let tess = Signed::new(&server, "tess", Role::Trainer).await;
    let first = tess.create_cohort("Monday", "Ada").await;

    // The page: the name field says why, everything typed is kept, along
    // with the form's other mistakes.
    let r = tess.new_cohort(" monday ", "Ada\nBob, bob@intranet").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<p class=\"field-error\" id=\"name-error\">Name: you already have a cohort named “Monday”; choose another name.</p>"),
        "{html}"
    );
    assert!(html.contains("value=\" monday \""), "{html}");
    assert!(html.contains("Roster: line 2:"), "{html}");
    let r = tess
        .http
        .post(format!("{}/trainer/cohorts/new?lang=fr", server.url))
        .header(reqwest::header::COOKIE, &tess.cookie)
        .form(&[("csrf", tess.csrf.as_str()), ("name", "MONDAY")])
        .send()
        .await
        .unwrap();
    assert!(
        r.text().await.unwrap().contains(
            "Nom : vous avez déjà une cohorte nommée « Monday » ; choisissez un autre nom."
        )
    );

    // Another trainer's cohorts are theirs: the same name is fine.
    let tom = Signed::new(&server, "tom", Role::Trainer).await;
    tom.create_cohort("Monday", "Ada").await;

    // The API: 409, naming the cohort.
    let token = tess.token(&server).await;
    let api = Api::new(&server, Some(&token));
    let body = json!({
        "name": "MONDAY", "scenario": "tiny", "seats": 1,
        "starts_at": in_minutes(120), "ends_at": in_minutes(240),
    });
    let taken = api.post("/cohorts", Some(&body)).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(
        taken.error(),
        "You already have a cohort named “Monday”; choose another name."
    );

    // The command line prints the server's refusal.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"))
        .args(["cohort", "create", "--name", "monday", "--scenario", "tiny"])
        .args(["--starts-at", "+2h", "--ends-at", "+4h", "--seats", "1"])
        .env_remove("SANDPIT_CONFIG")
        .env("SANDPIT_SERVER", &server.url)
        .env("SANDPIT_TOKEN", &token)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: You already have a cohort named “Monday”; choose another name."
    );
    let mine = api.get("/cohorts").await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    assert_eq!(mine.body[0]["id"], first.as_str());
}

/// The migrations before 0012, copied as they are, so that a store can be
/// made as it was before names were unique.
async fn store_before_unique_names(dir: &std::path::Path) -> sqlx::SqlitePool {
    let old = dir.join("old-migrations");
    std::fs::create_dir_all(&old).unwrap();
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < "0012" {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("sandpit.db"))
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    pool
}

#[tokio::test]
async fn the_migration_renames_existing_duplicates_oldest_first_and_then_refuses_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let pool = store_before_unique_names(dir.path()).await;
    for (id, name) in [("a", "ann"), ("b", "bea")] {
        sqlx::query("INSERT INTO users (id, name, role, password_hash, created_at) VALUES (?, ?, 'trainer', 'x', '2030-01-01T00:00:00+00:00')")
            .bind(format!("00000000-0000-0000-0000-00000000000{}", if id == "a" { 1 } else { 2 }))
            .bind(name)
            .execute(&pool)
            .await
            .unwrap();
    }
    let ann = "00000000-0000-0000-0000-000000000001";
    let bea = "00000000-0000-0000-0000-000000000002";
    // (id, owner, name, seconds after 09:00): "Monday (2)" was typed by
    // hand before the others, so the second "Monday" cannot take it.
    let rows = [
        ("10000000-0000-0000-0000-000000000000", ann, "Monday (2)", 0),
        ("20000000-0000-0000-0000-000000000000", ann, "Monday", 1),
        ("30000000-0000-0000-0000-000000000000", ann, "monday", 2),
        ("40000000-0000-0000-0000-000000000000", ann, "MONDAY", 3),
        ("50000000-0000-0000-0000-000000000000", bea, "Monday", 4),
        ("60000000-0000-0000-0000-000000000000", ann, "Tuesday", 5),
    ];
    for (id, owner, name, s) in rows {
        sqlx::query("INSERT INTO cohorts (id, name, scenario_id, owner_id, starts_at, ends_at, created_at) VALUES (?, ?, 'tiny', ?, '2030-01-01T09:00:00+00:00', '2030-01-01T17:00:00+00:00', ?)")
            .bind(id)
            .bind(name)
            .bind(owner)
            .bind(format!("2030-01-01T09:00:0{s}+00:00"))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let store = Store::open(dir.path()).await.unwrap();
    let mut names: Vec<(String, String)> = store
        .cohorts(None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id.to_string()[..1].to_owned(), c.name))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("1", "Monday (2)"),
            ("2", "Monday"),
            ("3", "monday (2) · 30000000"),
            ("4", "MONDAY (3)"),
            ("5", "Monday"),
            ("6", "Tuesday"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert!(
        store
            .cohorts(None)
            .await
            .unwrap()
            .iter()
            .all(|c| c.archived_at.is_none())
    );

    // From now on the store itself refuses a name its owner has.
    let new = |name| NewCohort {
        name,
        scenario_id: "tiny",
        owner: uuid::Uuid::parse_str(ann).unwrap(),
        starts_at: chrono::Utc::now(),
        ends_at: chrono::Utc::now() + chrono::TimeDelta::hours(1),
        spare: 0,
        max_sandboxes: None,
        time_zone: sandpit::timezone::TimeZone::PARIS,
    };
    match store.insert_cohort(new("tuesday"), &[]).await {
        Err(StoreError::CohortNameTaken(name)) => assert_eq!(name, "tuesday"),
        other => panic!("{other:?}"),
    }
    store.insert_cohort(new("Wednesday"), &[]).await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn an_archived_cohort_keeps_its_name_and_the_refusal_says_it_is_archived() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, token) = account(&server, "ada", Role::Trainer).await;
    let api = Api::new(&server, Some(&token));
    let made = api
        .post(
            "/cohorts",
            Some(&json!({
                "name": "Friday", "scenario": "tiny", "seats": 1, "spare": 0,
                "starts_at": in_minutes(120), "ends_at": in_minutes(240),
            })),
        )
        .await;
    let id = made.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        api.post(&format!("/cohorts/{id}/teardown"), None)
            .await
            .status,
        StatusCode::OK
    );
    let archived = api.post(&format!("/cohorts/{id}/archive"), None).await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.body);
    let again = api
        .post(
            "/cohorts",
            Some(&json!({
                "name": "friday", "scenario": "tiny", "seats": 1,
                "starts_at": in_minutes(120), "ends_at": in_minutes(240),
            })),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        again.error(),
        "You already have a cohort named “Friday” (archived); choose another name."
    );
}
