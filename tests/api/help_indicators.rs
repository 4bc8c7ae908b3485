//! Help between peers as an indicator, with exact figures: four help
//! sessions (an ambassador's three, the lead's one) on a programme's two
//! teams, three calls for help of which two were answered, passes before
//! and after the 30 minutes that make a session count as unblocking. By
//! API (JSON and CSV, narrowed by team) and on the indicators page.

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use sandpit::store::{Care, Helper, Learner, Outcome, Role};
use serde_json::json;
use uuid::Uuid;

use crate::common::api::Api;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};

#[tokio::test]
async fn help_given_counts_sessions_unblocked_learners_and_calls_answered_exactly() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let lea = Signed::new(&server, "lea", Role::Trainer).await;
    let token = lea.token(&server).await;
    let api = Api::new(&server, Some(&token));
    let names = ["A1", "A2", "A3", "A4", "F1", "F2"];
    let id = crate::records::programme(
        app,
        &lea.user,
        &["tiny"],
        &[("Accueil", &names[..4]), ("Finances", &names[4..])],
    )
    .await;
    let programmes = &app.programmes;
    let email = crate::records::email_of;
    let roster = names
        .iter()
        .map(|n| crate::records::entry(n, Some(&email(n)), None))
        .collect();
    let (cohort, learners) = crate::records::cohort(app, &lea.user, "tiny", "Monday", roster).await;
    programmes
        .attach_cohort(&lea.user, id, *cohort.id, "realise")
        .await
        .unwrap();
    let mut sandboxes = Vec::new();
    for l in &learners {
        sandboxes.push(crate::records::claim(app, &cohort, l).await);
    }
    let [a1, a2, a3, a4, f1, f2] = [0, 1, 2, 3, 4, 5].map(|i| &learners[i]);
    let community = &app.community;
    community
        .add_ambassador(&lea.user, Helper::Learner(*a1.id), Care::Cohort(*cohort.id))
        .await
        .unwrap();

    // A2, A3 and F1 ask for help.
    for (l, s) in [(a2, sandboxes[1]), (a3, sandboxes[2]), (f1, sandboxes[4])] {
        community
            .ask_help(*l.id, s, "tiny", "make-file", None)
            .await
            .unwrap();
    }
    // A1 helps A2 (answering her call), A4 and F2; Lea helps F1 (his call).
    let ambassador = Helper::Learner(*a1.id);
    let lead = Helper::User(lea.user.id);
    let s1 = community
        .start_help(ambassador, None, *a2.id)
        .await
        .unwrap();
    let s2 = community
        .start_help(ambassador, None, *a4.id)
        .await
        .unwrap();
    let s4 = community
        .start_help(ambassador, None, *f2.id)
        .await
        .unwrap();
    let s3 = community
        .start_help(lead, Some(&lea.user), *f1.id)
        .await
        .unwrap();
    // A3's call stays unanswered: a session on her needs her in care, and
    // nobody started one.
    // A2, A4 and F1 pass; F2 does not.
    for s in [sandboxes[1], sandboxes[3], sandboxes[4]] {
        crate::records::attempt(app, s, "make-file", Outcome::Passed, "Done", "").await;
    }
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.data.path().join("sandpit.db").display()
    ))
    .await
    .unwrap();
    let passed = |l: &Learner| {
        let db = db.clone();
        let l = l.id.to_string();
        async move {
            let at: DateTime<Utc> =
                sqlx::query_scalar("SELECT passed_at FROM learner_exercises WHERE learner_id = ?")
                    .bind(l)
                    .fetch_one(&db)
                    .await
                    .unwrap();
            at
        }
    };
    // Each session's start and end, in seconds before a time: its
    // learner's pass (or now, for F2 who did not pass).
    let set = |session: Uuid, at: DateTime<Utc>, started: i64, ended: i64| {
        let db = db.clone();
        async move {
            sqlx::query(
                "UPDATE help_sessions SET started_at = ?, ended_at = ?, seen_at = ? WHERE id = ?",
            )
            .bind(at - TimeDelta::seconds(started))
            .bind(at - TimeDelta::seconds(ended))
            .bind(at - TimeDelta::seconds(ended))
            .bind(session.to_string())
            .execute(&db)
            .await
            .unwrap();
        }
    };
    // s1: 10 min before A2's pass, 6 min long: unblocked in 10.
    set(s1, passed(a2).await, 600, 240).await;
    // s2: 40 min before A4's pass, 5 min long: too long ago to count.
    set(s2, passed(a4).await, 2400, 2100).await;
    // s3: 5.5 min before F1's pass, 4.5 min long: unblocked in 5.5.
    set(s3, passed(f1).await, 330, 60).await;
    // s4: F2 never passed; 2 min long.
    set(s4, Utc::now(), 1200, 1080).await;

    let path = format!("/programmes/{id}/indicators/help");
    let all = api.get(&path).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let b = &all.body;
    assert_eq!(
        (
            &b["calls"],
            &b["calls_answered"],
            &b["answered_percent"],
            &b["sessions"],
            &b["learners"],
            &b["minutes"],
            &b["unblocked"],
            &b["median_minutes_to_unblock"],
        ),
        (
            &json!(3),
            &json!(2),
            &json!(66.7),
            &json!(4),
            &json!(4),
            &json!(17.5),
            &json!(2),
            &json!(7.8)
        ),
        "{b}"
    );
    assert_eq!(
        b["helpers"],
        json!([
            {"name": "A1", "kind": "ambassador", "sessions": 3, "learners": 3, "minutes": 13.0, "unblocked": 1},
            {"name": "lea", "kind": "account", "sessions": 1, "learners": 1, "minutes": 4.5, "unblocked": 1},
        ])
    );
    let accueil = api.get(&format!("{path}?team=Accueil")).await.body;
    assert_eq!(
        (
            &accueil["calls"],
            &accueil["calls_answered"],
            &accueil["answered_percent"],
            &accueil["sessions"],
            &accueil["unblocked"],
            &accueil["median_minutes_to_unblock"],
        ),
        (
            &json!(2),
            &json!(1),
            &json!(50.0),
            &json!(2),
            &json!(1),
            &json!(10.0)
        ),
        "{accueil}"
    );
    let other_phase = api.get(&format!("{path}?phase=anchor")).await.body;
    assert_eq!(
        (
            &other_phase["sessions"],
            &other_phase["calls"],
            &other_phase["answered_percent"]
        ),
        (&json!(0), &json!(0), &serde_json::Value::Null)
    );
    let csv = api.text(&format!("{path}?format=csv&team=Finances")).await;
    assert_eq!(
        csv,
        "\u{feff}row;helper;kind;sessions;learners;minutes;unblocked;calls;calls_answered;answered_percent;median_minutes_to_unblock\n\
         helper;A1;ambassador;1;1;2;0;;;;\n\
         helper;lea;account;1;1;4,5;1;;;;\n\
         total;;;2;2;6,5;1;1;1;100;5,5\n"
    );
    let refused = api.get(&format!("{path}?team=Nobody")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    // So does the command line.
    let env = [
        ("SANDPIT_SERVER", server.url.as_str()),
        ("SANDPIT_TOKEN", token.as_str()),
    ];
    let out = crate::common::sandpit_cli(
        &[
            "programme",
            "indicators",
            &id.to_string(),
            "help",
            "--team",
            "Accueil",
        ],
        &env,
    )
    .await;
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("2 calls for help, 1 answered (50.0 %); 2 help sessions, 2 learners helped, 11.0 min; 1 unblocked their learner (median 10.0 min to unblock)"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["A1", "ambassador", "2", "2", "11.0", "1"]),
        "{table}"
    );

    // The indicators page says the same, in French too.
    let (status, page) = lea.page(&format!("/trainer/programmes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("3 calls for help, 2 answered by a help session (66.7 %)."),
        "{page}"
    );
    assert!(
        page.contains(
            "4 help sessions; 2 unblocked their learner. Median time to unblock: 7.8 min."
        ),
        "{page}"
    );
    assert!(
        page.contains("<title id=\"help-chart-title\">Help given, by helper</title>"),
        "{page}"
    );
    let (_, page) = lea
        .page(&format!("/trainer/programmes/{id}?lang=fr&team=Finances"))
        .await;
    assert!(
        page.contains("1 demande d’aide, dont 1 prises en charge par une séance d’aide (100 %)")
            || page.contains("1 demande d&#x27;aide, dont 1 prises en charge"),
        "{page}"
    );
    assert!(
        page.contains("Temps médian pour débloquer : 5,5 min."),
        "{page}"
    );
    crate::records::retire(app, &sandboxes).await;
}
