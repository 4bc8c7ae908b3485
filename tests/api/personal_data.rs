//! A learner's rights under the GDPR: their trainer exports everything
//! kept about them (article 15) and erases it (article 17). The export
//! lists each record; the erasure is refused while their sandbox lives,
//! then deletes every row that names them, anywhere in the store, and
//! leaves the other learner's untouched. Another trainer gets nothing.

use reqwest::{Method, StatusCode};
use sandpit::community::Feedback;
use sandpit::store::{Care, Helper, Outcome, Role};
use serde_json::json;
use sqlx::Row;

use crate::common::api::Api;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};

#[tokio::test]
async fn a_trainer_exports_then_erases_everything_kept_about_a_learner() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let tom = Signed::new(&server, "tom", Role::Trainer).await;
    let api = Api::new(&server, Some(&tom.token(&server).await));
    let (cohort, learners) = crate::records::cohort(
        app,
        &tom.user,
        "tiny",
        "Tuesday",
        ["Ada", "Ben"]
            .iter()
            .map(|n| crate::records::entry(n, Some(&crate::records::email_of(n)), None))
            .collect(),
    )
    .await;
    let (ada, ben) = (&learners[0], &learners[1]);
    let ada_sandbox = crate::records::claim(app, &cohort, ada).await;
    let ben_sandbox = crate::records::claim(app, &cohort, ben).await;
    for (sandbox, outcome) in [
        (ada_sandbox, Outcome::Failed),
        (ada_sandbox, Outcome::Passed),
        (ben_sandbox, Outcome::Passed),
    ] {
        crate::records::attempt(app, sandbox, "make-file", outcome, "out", "").await;
    }
    let community = &app.community;
    community
        .give_feedback(
            *ada.id,
            "tiny",
            "make-file",
            "en",
            Feedback {
                useful: Some(4),
                usable: Some(5),
                kind: None,
                body: Some("Use touch.".into()),
            },
        )
        .await
        .unwrap();
    community
        .ask_help(*ada.id, ada_sandbox, "tiny", "make-file", Some("help me"))
        .await
        .unwrap();
    community
        .add_ambassador(
            &tom.user,
            Helper::Learner(*ben.id),
            Care::Cohort(*cohort.id),
        )
        .await
        .unwrap();
    community
        .start_help(Helper::Learner(*ben.id), None, *ada.id)
        .await
        .unwrap();

    // Access: every record, table by table.
    let path = format!("/learners/{}", ada.id);
    let export = api.get(&format!("{path}/data")).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let data = &export.body["data"];
    let count = |table: &str| data[table].as_array().map_or(0, Vec::len);
    for (table, n) in [
        ("learners", 1),
        ("links", 1),
        ("sandboxes", 1),
        ("attempts", 2),
        ("completions", 1),
        ("learner_exercises", 1),
        ("learner_failures", 1),
        ("exercise_ratings", 1),
        ("tips", 1),
        ("help_requests", 1),
        ("help_sessions", 1),
        ("ambassadors", 0),
    ] {
        assert_eq!(count(table), n, "{table}: {data}");
    }
    assert_eq!(data["learners"][0]["email"], "ada@ville.fr");
    assert_eq!(data["tips"][0]["body"], "Use touch.");

    // Another trainer gets nothing.
    let eve = Signed::new(&server, "eve", Role::Trainer).await;
    let eve_api = Api::new(&server, Some(&eve.token(&server).await));
    assert_eq!(
        eve_api.get(&format!("{path}/data")).await.status,
        StatusCode::NOT_FOUND
    );
    let refused = eve_api.call(Method::DELETE, &path, None).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    // Erasure waits for her sandbox to end.
    let refused = api.call(Method::DELETE, &path, None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.error().contains("still has a live sandbox"),
        "{}",
        refused.body
    );
    crate::records::retire(app, &[ada_sandbox, ben_sandbox]).await;
    let erased = api.call(Method::DELETE, &path, None).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    assert_eq!(
        erased.body["rows"],
        json!({
            "tips": 1, "exercise_ratings": 1, "help_sessions": 1, "help_requests": 1,
            "learner_failures": 1, "learner_exercises": 1, "completions": 1, "attempts": 2,
            "links": 1, "sandboxes": 1, "learners": 1,
        })
    );
    assert_eq!(
        api.get(&format!("{path}/data")).await.status,
        StatusCode::NOT_FOUND
    );
    let link = reqwest::get(server.learner_url(ada)).await.unwrap();
    assert_eq!(link.status(), StatusCode::NOT_FOUND);

    // Nothing in the store names her any more; Ben's records stay.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.data.path().join("sandpit.db").display()
    ))
    .await
    .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    for table in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM \"{table}\"")))
            .fetch_all(&db)
            .await
            .unwrap();
        for row in rows {
            for i in 0..row.len() {
                let text: Option<String> = row.try_get(i).ok().flatten();
                if let Some(text) = text {
                    for needle in [
                        ada.id.to_string(),
                        "ada@ville.fr".into(),
                        ada_sandbox.to_string(),
                    ] {
                        assert!(!text.contains(&needle), "{table} still names her: {text}");
                    }
                }
            }
        }
    }
    let ben_data = api.get(&format!("/learners/{}/data", ben.id)).await;
    assert_eq!(
        ben_data.body["data"]["attempts"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        ben_data.body["data"]["ambassadors"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
