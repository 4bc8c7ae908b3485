//! `sandpit demo` on a data directory a real server runs on: the demo
//! programme it loads (marked on its page and in the list), every
//! indicator's figures exactly (the demo is the same every time), a second
//! load refused, and `--remove` taking away the demo and nothing else.

use std::path::Path;
use std::time::Instant;

use crate::common::api::{Api, account};
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, repo_scenarios, sandpit_cli, test_app};
use reqwest::{Method, StatusCode};
use sandpit::store::{Outcome, Role};
use serde_json::{Value, json};

/// Runs `sandpit --data-dir <data> demo <args>`: exit success, stdout,
/// stderr.
async fn demo(data: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let dir = data.to_str().unwrap();
    let mut all = vec!["--data-dir", dir, "demo"];
    all.extend_from_slice(args);
    let out = sandpit_cli(&all, env).await;
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A count of rows, straight from the store's file.
async fn count(data: &Path, sql: &str) -> i64 {
    let path = data.join("sandpit.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

/// `[team, headcount, people, invited, started, completed, status]` rows.
fn reach_rows(body: &Value) -> Vec<(String, [u64; 5], String)> {
    body["teams"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|t| {
            (
                t["team"].as_str().unwrap().to_owned(),
                ["headcount", "people", "invited", "started", "completed"]
                    .map(|k| t[k].as_u64().unwrap()),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_loads_a_marked_programme_whose_indicators_have_exact_figures() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let admin = Signed::new(&server, "ada", Role::Admin).await;
    let api = Api::new(&server, Some(&admin.token(&server).await));
    let data = server.data.path();
    let public = [("SANDPIT_PUBLIC_URL", "https://training.example.org")];

    let started = Instant::now();
    let (ok, out, err) = demo(data, &[], &public).await;
    assert!(ok, "{out}\n{err}");
    let took = started.elapsed();
    assert!(took.as_secs() < 60, "the demo took {took:?}");
    assert!(
        out.starts_with(
            "Loaded the demo programme `Adopting the new wiki (demo)`: 3 teams, 46 people, \
             2 cohorts (37 learners, 34 of whom opened their sandbox), 280 checks, 204 \
             exercises passed, 95 ratings of exercises, 36 pulse answers, 18 weeks of use of \
             the tool."
        ),
        "{out}"
    );
    assert!(out.contains("sign in as `ada`"), "{out}");
    assert!(out.contains("sandpit demo --remove"), "{out}");
    let listed = api.get("/programmes").await.body;
    let programme = &listed[0];
    let id = programme["id"].as_str().unwrap().to_owned();
    assert!(
        out.contains(&format!(
            "See it at https://training.example.org/trainer/programmes/{id}\n"
        )),
        "{out}"
    );
    assert_eq!(programme["demo"], true);
    // Its 280 made-up checks never go to an LRS, even one set up later:
    // the outbox's sweep passes them by.
    let queued = sandpit::xapi::sweep(
        &server.app.store,
        &server.app.scenarios,
        "https://training.example.org",
    )
    .await
    .unwrap();
    assert_eq!(queued, 0, "the demo's records were queued for the LRS");
    assert_eq!(programme["name"], "Adopting the new wiki (demo)");
    assert_eq!(programme["lead"], "demo-lead");
    assert_eq!(programme["phase"], "realise");
    assert_eq!(
        programme["scenarios"],
        json!([
            {"scenario": "git-basics", "phase": "realise"},
            {"scenario": "wiki-basics", "phase": "realise"}
        ])
    );

    // A second load is refused, and changes nothing.
    let (ok, again, err) = demo(data, &[], &[]).await;
    assert!(!ok, "{again}");
    assert!(
        err.contains(
            "a demo is loaded already (programme `Adopting the new wiki (demo)`); \
             remove it first with `sandpit demo --remove`"
        ),
        "{err}"
    );
    assert_eq!(
        api.get("/programmes").await.body.as_array().unwrap().len(),
        1
    );

    // Its cohorts are over and never start a sandbox.
    let p = format!("/programmes/{id}");
    let cohorts = server
        .app
        .store
        .cohorts_of_programme(id.parse().unwrap())
        .await
        .unwrap();
    let names: Vec<&str> = cohorts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Demo · Wiki · wave 1", "Demo · Git · wave 1"]);
    for c in &cohorts {
        assert!(c.is_over() && c.launched_at.is_none(), "{c:?}");
        let counts = server.app.store.state_counts(Some(*c.id)).await.unwrap();
        assert_eq!(counts.live(), 0, "{counts:?}");
        // An admin sees them as any past cohort.
        let (status, page) = admin.page(&format!("/trainer/cohorts/{}", c.id)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains(&c.name), "{page}");
    }

    let reach = api.get(&format!("{p}/indicators/reach")).await;
    assert_eq!(reach.status, StatusCode::OK, "{}", reach.body);
    let s = |x: &str| x.to_owned();
    assert_eq!(
        reach_rows(&reach.body),
        [
            (s("Accounts payable"), [20, 18, 16, 13, 9], s("late")),
            (s("IT support"), [8, 8, 8, 8, 8], s("done")),
            (s("Lyon warehouse"), [25, 20, 5, 5, 3], s("on_track")),
        ]
    );
    let proficiency = api.get(&format!("{p}/indicators/proficiency")).await;
    let rows: Vec<(String, [u64; 3], [Value; 3])> = proficiency.body["exercises"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", proficiency.body))
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
        .collect();
    let row = |x: &str, n: [u64; 3], rate: f64, secs: u64, tries: f64| {
        (s(x), n, [json!(rate), json!(secs), json!(tries)])
    };
    assert_eq!(
        rows,
        [
            row("git-basics/set-identity", [8, 8, 8], 1.0, 250, 1.0),
            row("git-basics/inspect-history", [8, 8, 8], 1.0, 515, 1.0),
            row("git-basics/first-commit", [8, 8, 6], 0.75, 789, 1.0),
            row("git-basics/ignore-files", [8, 8, 8], 1.0, 1085, 1.0),
            row("git-basics/work-on-a-branch", [8, 8, 6], 0.75, 1456, 1.0),
            row("git-basics/merge-conflict", [8, 8, 7], 0.875, 1863, 1.0),
            row("git-basics/restore-file", [8, 8, 6], 0.75, 2264, 1.0),
            row("git-basics/tag-release", [8, 8, 7], 0.875, 2577, 1.0),
            row("wiki-basics/user-page", [26, 26, 24], 0.9231, 240, 1.0),
            row("wiki-basics/fix-a-mistake", [26, 26, 21], 0.8077, 549, 1.0),
            row("wiki-basics/add-category", [26, 26, 17], 0.6538, 892, 1.0),
            row(
                "wiki-basics/link-a-new-page",
                [26, 22, 12],
                0.4615,
                1296,
                1.0
            ),
            row(
                "wiki-basics/undo-vandalism",
                [22, 20, 10],
                0.4545,
                1889,
                1.5
            ),
            row(
                "wiki-basics/reply-on-talk-page",
                [20, 20, 19],
                0.95,
                2137,
                1.0
            ),
        ]
    );

    let struggle = api.get(&format!("{p}/indicators/struggle")).await;
    let ranked: Vec<(u64, String, u64, u64)> = struggle.body["exercises"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", struggle.body))
        .iter()
        .take(5)
        .map(|e| {
            (
                e["rank"].as_u64().unwrap(),
                e["exercise"].as_str().unwrap().to_owned(),
                e["failed_checks"].as_u64().unwrap(),
                e["abandoned"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            (1, s("undo-vandalism"), 22, 2),
            (2, s("link-a-new-page"), 18, 4),
            (3, s("add-category"), 14, 0),
            (4, s("fix-a-mistake"), 8, 0),
            (5, s("reply-on-talk-page"), 3, 0),
        ]
    );
    let top = &struggle.body["exercises"][0]["failing_outputs"];
    assert_eq!(top[0]["count"], 12);
    assert!(
        top[0]["output"]
            .as_str()
            .unwrap()
            .starts_with("\"IT helpdesk\" still has the vandal's changes:"),
        "{top}"
    );
    assert_eq!(top[1]["count"], 10);

    // Pulse answers: Lyon's five before are shown, its two after are not.
    let confidence = api.get(&format!("{p}/indicators/confidence")).await;
    let q = &confidence.body["questions"];
    assert_eq!(q[0]["moment"], "before");
    assert_eq!(q[0]["all"], json!({"answers": 23, "average": 2.91}));
    assert_eq!(
        q[0]["teams"],
        json!({
            "Accounts payable": {"answers": 12, "average": 2.83},
            "IT support": {"answers": 6, "average": 3.67},
            "Lyon warehouse": {"answers": 5, "average": 2.2}
        })
    );
    assert_eq!(q[0]["comments"].as_array().unwrap().len(), 5);
    assert_eq!(q[1]["moment"], "after");
    assert_eq!(q[1]["all"], json!({"answers": 13, "average": 4.46}));
    assert_eq!(
        q[1]["teams"],
        json!({
            "Accounts payable": {"answers": 5, "average": 4.2},
            "IT support": {"answers": 6, "average": 4.83},
            "Lyon warehouse": {"answers": 2, "average": null}
        })
    );

    // Useful and usable: the learners' ratings, exercise by exercise.
    let ratings = api.get(&format!("{p}/indicators/ratings")).await;
    let rated: Vec<String> = ratings.body["exercises"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", ratings.body))
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e["exercise"], e["ratings"], e["useful"], e["usable"]
            )
        })
        .collect();
    // Means from five ratings on; the hardest exercises are rated least
    // easy to use.
    assert_eq!(
        rated,
        [
            "\"set-identity\" 6 4.5 5.0",
            "\"inspect-history\" 4 null null",
            "\"first-commit\" 4 null null",
            "\"ignore-files\" 4 null null",
            "\"work-on-a-branch\" 6 4.33 4.33",
            "\"merge-conflict\" 2 null null",
            "\"restore-file\" 3 null null",
            "\"tag-release\" 2 null null",
            "\"user-page\" 9 4.56 4.44",
            "\"fix-a-mistake\" 11 3.73 4.45",
            "\"add-category\" 9 4.0 4.56",
            "\"link-a-new-page\" 13 4.46 3.46",
            "\"undo-vandalism\" 11 3.73 3.36",
            "\"reply-on-talk-page\" 11 4.0 4.55",
        ]
    );

    // The real tool's use grows with those trained: six weeks from the
    // start of the realisation, per team (active users, trained).
    let usage = api.get(&format!("{p}/indicators/usage")).await;
    let weeks = usage
        .body
        .as_array()
        .unwrap_or_else(|| panic!("{}", usage.body));
    let realise = programme["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ph| ph["phase"] == "realise")
        .unwrap()["actual_start"]
        .as_str()
        .unwrap()
        .parse::<chrono::NaiveDate>()
        .unwrap();
    let series = |team: &str| -> Vec<(i64, u64, u64)> {
        weeks
            .iter()
            .filter(|w| w["team"] == team)
            .map(|w| {
                let week: chrono::NaiveDate = w["week"].as_str().unwrap().parse().unwrap();
                (
                    (week - realise).num_days(),
                    w["active_users"].as_u64().unwrap(),
                    w["trained"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let days = [0, 7, 14, 21, 28, 35];
    let zip = |active: [u64; 6], trained: [u64; 6]| -> Vec<(i64, u64, u64)> {
        (0..6).map(|i| (days[i], active[i], trained[i])).collect()
    };
    assert_eq!(weeks.len(), 18);
    assert_eq!(
        series("Accounts payable"),
        zip([4, 9, 11, 10, 11, 10], [0, 5, 9, 9, 9, 9])
    );
    assert_eq!(
        series("IT support"),
        zip([2, 3, 3, 6, 8, 8], [0, 0, 0, 3, 8, 8])
    );
    assert_eq!(
        series("Lyon warehouse"),
        zip([4, 6, 6, 5, 5, 7], [0, 2, 3, 3, 3, 3])
    );

    // The page says it is a demo, and how to remove it; so does the list.
    let (status, page) = admin.page(&format!("/trainer/programmes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"demo-banner\""), "{page}");
    assert!(page.contains("Demo data — remove it with <code>sandpit demo --remove</code>"));
    // Every indicator has its chart: both pulse questions have enough
    // answers for their mean to show.
    for chart in ["reach", "proficiency", "confidence", "usage", "trend"] {
        assert!(
            page.contains(&format!(
                r#"aria-labelledby="{chart}-chart-title {chart}-chart-desc""#
            )),
            "no {chart} chart"
        );
    }
    assert!(
        page.contains("2 questions with enough answers: the mean answer of each, from 1 to 5."),
        "{page}"
    );
    let (_, list) = admin.page("/trainer/programmes").await;
    assert!(list.contains("class=\"demo-mark\""), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_remove_takes_away_the_demo_and_nothing_else() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let data = server.data.path();
    let app = &server.app;
    // Someone's real cohort, with a learner who checked once.
    let (tom, _) = crate::records::account(app, "tom", Role::Trainer).await;
    let (mine, learners) = crate::records::cohort(
        app,
        &tom,
        "wiki-basics",
        "Tuesday",
        vec![crate::records::entry("Zoé", Some("zoe@ville.fr"), None)],
    )
    .await;
    let sandbox = crate::records::claim(app, &mine, &learners[0]).await;
    crate::records::attempt(app, sandbox, "user-page", Outcome::Failed, "Not yet", "").await;

    let (ok, out, err) = demo(data, &["--remove"], &[]).await;
    assert!(ok, "{err}");
    assert_eq!(out, "No demo is loaded: there is nothing to remove.\n");
    // Not with an LRS: its made-up records would be sent there.
    let lrs = [("SANDPIT_XAPI_ENDPOINT", "https://lrs.example.org/xapi/")];
    let (ok, _, err) = demo(data, &[], &lrs).await;
    assert!(!ok);
    assert!(err.contains("an xAPI LRS is configured"), "{err}");
    let (ok, out, err) = demo(data, &[], &[]).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("create one with `sandpit user create --name admin --role admin`"));

    // The admin puts the real cohort in the demo programme too.
    let (_, token) = account(&server, "ada", Role::Admin).await;
    let api = Api::new(&server, Some(&token));
    let id = api.get("/programmes").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let attached = api
        .call(
            Method::PUT,
            &format!("/programmes/{id}/cohorts/{}", mine.id),
            Some(&json!({"phase": "realise"})),
        )
        .await;
    assert_eq!(attached.status, StatusCode::NO_CONTENT, "{}", attached.body);

    let (ok, out, err) = demo(data, &["--remove"], &[]).await;
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "Removed the demo programme `Adopting the new wiki (demo)`: 3 teams, 46 people, 2 \
         cohorts, 37 learners, 34 sandboxes, 280 checks, 204 completions, 95 ratings of \
         exercises, 2 pulse questions, 36 pulse answers, 18 weeks of use of the tool.\n\
         1 other cohort(s) put in it are kept, out of any programme.\n\
         Its lead's account `demo-lead` is removed too.\n"
    );
    // Only the real cohort's records are left.
    for (sql, n) in [
        ("SELECT COUNT(*) FROM programmes", 0),
        ("SELECT COUNT(*) FROM teams", 0),
        ("SELECT COUNT(*) FROM people", 0),
        ("SELECT COUNT(*) FROM team_impacts", 0),
        ("SELECT COUNT(*) FROM team_usage", 0),
        ("SELECT COUNT(*) FROM pulse_questions", 0),
        ("SELECT COUNT(*) FROM pulse_answers", 0),
        ("SELECT COUNT(*) FROM programme_phases", 0),
        ("SELECT COUNT(*) FROM users WHERE name = 'demo-lead'", 0),
        ("SELECT COUNT(*) FROM cohorts", 1),
        (
            "SELECT COUNT(*) FROM cohorts WHERE programme_id IS NULL AND phase IS NULL",
            1,
        ),
        ("SELECT COUNT(*) FROM learners", 1),
        ("SELECT COUNT(*) FROM learners WHERE person_id IS NULL", 1),
        ("SELECT COUNT(*) FROM links", 1),
        ("SELECT COUNT(*) FROM sandboxes", 1),
        ("SELECT COUNT(*) FROM attempts", 1),
        ("SELECT COUNT(*) FROM learner_exercises", 1),
        ("SELECT COUNT(*) FROM learner_failures", 1),
        ("SELECT COUNT(*) FROM check_outputs", 1),
        ("SELECT COUNT(*) FROM exercise_ratings", 0),
    ] {
        assert_eq!(count(data, sql).await, n, "{sql}");
    }
    let kept = app.store.cohort(*mine.id).await.unwrap().unwrap();
    assert_eq!(kept.name, "Tuesday");
    assert_eq!(app.store.attempts(sandbox).await.unwrap().len(), 1);

    let (ok, out, _) = demo(data, &["--remove"], &[]).await;
    assert!(ok);
    assert_eq!(out, "No demo is loaded: there is nothing to remove.\n");
    crate::records::retire(app, &[sandbox]).await;
}

/// The demo's programmes, on a store of its own in `data`, and its lead.
async fn demo_in_process(
    data: &Path,
) -> (
    sandpit::programme::Programmes,
    sandpit::store::Store,
    sandpit::store::User,
    [u8; 32],
) {
    use sandpit::programme::Programmes;
    let config = crate::common::test_config(data, repo_scenarios());
    let store = sandpit::store::Store::open(data).await.unwrap();
    let images = sandpit::app::image_catalog(&config).unwrap();
    let (scenarios, _) = sandpit::app::load_scenarios(&config, &images).unwrap();
    let programmes = Programmes::new(
        store.clone(),
        std::sync::Arc::new(sandpit::scenario::Scenarios::new(scenarios)),
        config.time_zone,
    );
    let (lead, _) = sandpit::auth::Auth::new(store.clone())
        .create_user("demo-lead", Role::Trainer)
        .await
        .unwrap();
    let key = sandpit::app::App::link_key(data).unwrap();
    (programmes, store, lead, key)
}

/// A row of `learner_exercises`.
type Tally = (
    String,
    String,
    i64,
    bool,
    Option<i64>,
    Option<String>,
    String,
);

/// Every row of the per-learner tallies the indicators read (how each
/// learner did on each exercise, their failed checks' outputs), as text.
async fn tallies(data: &Path) -> Vec<String> {
    let path = data.join("sandpit.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let rows: Vec<Tally> = sqlx::query_as(
        "SELECT learner_id, exercise_id, attempts, first_passed, pass_number, passed_at,
                    last_attempt_at
             FROM learner_exercises ORDER BY learner_id, exercise_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let failures: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT f.learner_id, o.exercise_id, o.output, f.count
         FROM learner_failures f JOIN check_outputs o ON o.id = f.output_id
         ORDER BY f.learner_id, o.exercise_id, o.output",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let rows = rows.into_iter().map(|r| format!("{r:?}"));
    rows.chain(failures.into_iter().map(|r| format!("{r:?}")))
        .collect()
}

/// The tallies each recorded check keeps up to date (one learner and
/// exercise at a time) are the ones the migration computes for a store
/// made before them (every attempt at once): the migration is run again on
/// the demo's records and gives the same rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tallies_kept_per_check_are_the_ones_the_migration_computes() {
    use sandpit::programme::demo::{DEMO_SCENARIOS, DemoSize};
    let data = tempfile::tempdir().unwrap();
    let (programmes, store, lead, key) = demo_in_process(data.path()).await;
    let report = programmes
        .load_demo(
            &lead,
            &key,
            &DEMO_SCENARIOS,
            &DemoSize::DEMO,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    store.close().await;
    let kept = tallies(data.path()).await;
    // One row per learner and exercise they checked (no check errs in
    // the demo).
    let pairs = count(
        data.path(),
        "SELECT COUNT(*) FROM (SELECT DISTINCT s.learner_id, a.exercise_id
         FROM attempts a JOIN sandboxes s ON s.id = a.sandbox_id)",
    )
    .await;
    let outputs = count(
        data.path(),
        "SELECT COUNT(*) FROM (SELECT DISTINCT s.learner_id, a.exercise_id, a.output
         FROM attempts a JOIN sandboxes s ON s.id = a.sandbox_id WHERE a.outcome = 'failed')",
    )
    .await;
    assert_eq!(kept.len() as i64, pairs + outputs);
    assert!(pairs > 100 && outputs > 10, "{report:?}");

    // The store as it was before the migration: no tally.
    let path = data.path().join("sandpit.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP TABLE learner_exercises;
         DROP TABLE learner_failures;
         DROP TABLE check_outputs;
         DELETE FROM _sqlx_migrations WHERE version = 16;",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(
        count(
            data.path(),
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'learner_exercises'"
        )
        .await,
        0
    );
    sandpit::store::Store::open(data.path())
        .await
        .unwrap()
        .close()
        .await;
    assert_eq!(tallies(data.path()).await, kept);
}

/// The size a benchmark loads, through the same code: 20 teams, 5,000
/// people, some 200,000 checks. Run it with
/// `cargo test --test api -- --ignored demo::a_large` to time it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes 5,000 people and some 200,000 checks: a minute or more in a debug build"]
async fn a_large_demo_is_written_in_batches_and_removed_whole() {
    use sandpit::programme::demo::{DEMO_SCENARIOS, DemoSize};
    let data = tempfile::tempdir().unwrap();
    let (programmes, _, lead, key) = demo_in_process(data.path()).await;
    let started = Instant::now();
    let report = programmes
        .load_demo(
            &lead,
            &key,
            &DEMO_SCENARIOS,
            &DemoSize::LARGE,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    eprintln!("loaded in {:?}: {report:?}", started.elapsed());
    assert_eq!((report.teams, report.people), (20, 5_000));
    let attempts = report.tally.attempts;
    assert!((150_000..=250_000).contains(&attempts), "{attempts}");
    let started = Instant::now();
    let removed = programmes.remove_demo().await.unwrap().unwrap();
    eprintln!("removed in {:?}", started.elapsed());
    assert_eq!(removed.attempts, attempts as u64);
    assert_eq!(removed.people, 5_000);
}
