//! The built `sandpit` binary: accounts and tokens made in a data
//! directory, and a cohort run from the command line against a real server.

use std::process::Output;

use crate::common::InstanceCleanup;
use crate::common::api::account;
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, sandpit_cli, test_app};
use sandpit::auth::Auth;
use sandpit::store::{Role, Store};
use serde_json::Value;

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn user_and_token_commands_work_on_the_data_directory_alone() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let created = stdout_json(
        &sandpit_cli(
            &[
                "--data-dir",
                dir,
                "user",
                "create",
                "--name",
                "ada",
                "--role",
                "trainer",
                "--json",
            ],
            &[],
        )
        .await,
    );
    assert_eq!(created["role"], "trainer");
    assert_eq!(created["must_change_password"], true);
    let password = created["password"].as_str().unwrap().to_owned();
    assert!(password.len() >= 20);

    let text = sandpit_cli(
        &[
            "--data-dir",
            dir,
            "user",
            "create",
            "--name",
            "root",
            "--role",
            "admin",
        ],
        &[],
    )
    .await;
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("One-time password: "));
    let again = sandpit_cli(
        &[
            "--data-dir",
            dir,
            "user",
            "create",
            "--name",
            "ADA",
            "--role",
            "admin",
        ],
        &[],
    )
    .await;
    assert!(!again.status.success());
    assert!(stderr(&again).starts_with("error: "), "{}", stderr(&again));
    let bad_role = sandpit_cli(
        &[
            "--data-dir",
            dir,
            "user",
            "create",
            "--name",
            "x",
            "--role",
            "boss",
        ],
        &[],
    )
    .await;
    assert!(!bad_role.status.success());
    assert!(stderr(&bad_role).contains("admin"), "{}", stderr(&bad_role));

    let users =
        stdout_json(&sandpit_cli(&["--data-dir", dir, "user", "list", "--json"], &[]).await);
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "root"]);

    let token = stdout_json(
        &sandpit_cli(
            &[
                "--data-dir",
                dir,
                "token",
                "create",
                "--user",
                "ada",
                "--name",
                "laptop",
                "--json",
            ],
            &[],
        )
        .await,
    );
    let secret = token["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("sandpit_"));
    let listed =
        stdout_json(&sandpit_cli(&["--data-dir", dir, "token", "list", "--json"], &[]).await);
    assert_eq!(listed[0]["user"], "ada");
    assert_eq!(listed[0]["name"], "laptop");
    assert!(
        !listed.to_string().contains(&secret),
        "tokens are never listed"
    );

    // What the commands made works, until revoked or reset.
    let store = Store::open(data.path()).await.unwrap();
    let auth = Auth::new(store.clone());
    assert!(auth.token_user(&secret).await.unwrap().is_some());
    assert!(auth.login("ada", &password, "127.0.0.1").await.is_ok());
    let id = token["id"].as_str().unwrap();
    let revoked = sandpit_cli(&["--data-dir", dir, "token", "revoke", id], &[]).await;
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert!(auth.token_user(&secret).await.unwrap().is_none());
    let twice = sandpit_cli(&["--data-dir", dir, "token", "revoke", id], &[]).await;
    assert!(!twice.status.success());
    let reset = stdout_json(
        &sandpit_cli(
            &[
                "--data-dir",
                dir,
                "user",
                "reset-password",
                "--name",
                "ada",
                "--json",
            ],
            &[],
        )
        .await,
    );
    let new_password = reset["password"].as_str().unwrap();
    assert_eq!(reset["must_change_password"], true);
    let session = auth.login("ada", new_password, "127.0.0.1").await.unwrap();
    assert!(session.session.user.must_change_password);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainer_runs_a_cohort_from_the_command_line() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, token) = account(&server, "ada", Role::Trainer).await;
    let env = [
        ("SANDPIT_SERVER", server.url.as_str()),
        ("SANDPIT_TOKEN", token.as_str()),
    ];

    let no_token = sandpit_cli(&["cohort", "list"], &[("SANDPIT_SERVER", &server.url)]).await;
    assert!(!no_token.status.success());
    assert!(
        stderr(&no_token).starts_with("error: no API token"),
        "{}",
        stderr(&no_token)
    );

    let created = stdout_json(
        &sandpit_cli(
            &[
                "cohort",
                "create",
                "--name",
                "CLI class",
                "--scenario",
                "tiny",
                // Beyond the launch lead time: the test launches it.
                "--starts-at",
                "+2h",
                "--ends-at",
                "+4h",
                "--seats",
                "2",
                "--time-zone",
                "America/New_York",
                "--json",
            ],
            &env,
        )
        .await,
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["learners"].as_array().unwrap().len(), 2);
    assert_eq!(created["time_zone"], "America/New_York");

    let launched = sandpit_cli(&["cohort", "launch", &id, "--wait", "--json"], &env).await;
    let launch = stdout_json(&launched);
    assert_eq!(launch["reservation"]["started"], 3, "2 seats and 1 spare");
    assert_eq!(launch["status"]["counts"]["ready"], 3);
    let progress = stderr(&launched);
    assert!(
        progress
            .lines()
            .any(|l| l.ends_with("3/3 ready · 0 provisioning · 0 failed")),
        "plain progress lines when stderr is not a terminal: {progress}"
    );
    assert!(!progress.contains('\r'));

    let status = stdout_json(&sandpit_cli(&["cohort", "status", &id, "--json"], &env).await);
    assert_eq!(status["state"], "launched");
    assert_eq!(status["pool"]["counts"]["ready"], 3);
    let text = sandpit_cli(&["cohort", "status", &id], &env).await;
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("3/3 ready"), "{text}");
    assert!(text.contains("  time zone America/New_York\n"), "{text}");
    let starts = chrono::DateTime::parse_from_rfc3339(status["starts_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let local = sandpit::timezone::TimeZone::parse("America/New_York")
        .unwrap()
        .display(starts);
    assert!(
        local.ends_with(" EST") || local.ends_with(" EDT"),
        "{local}"
    );
    assert!(text.contains(&format!("  runs      {local} → ")), "{text}");

    let file = server.data.path().join("attempts.csv");
    let export = sandpit_cli(
        &[
            "cohort",
            "export",
            &id,
            "--format",
            "csv",
            "-o",
            file.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert!(export.status.success(), "{}", stderr(&export));
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(
        csv.starts_with("\u{feff}cohort_id;cohort_name;programme;phase;learner_id;"),
        "a byte order mark and `;` by default: {csv}"
    );
    let export = sandpit_cli(
        &[
            "cohort",
            "export",
            &id,
            "--format",
            "csv",
            "--what",
            "completions",
            "--sep",
            "comma",
        ],
        &env,
    )
    .await;
    assert!(export.status.success(), "{}", stderr(&export));
    assert_eq!(
        String::from_utf8(export.stdout).unwrap(),
        "\u{feff}cohort_id,cohort_name,programme,phase,learner_id,learner_name,learner_email,team,exercise_id,exercise_title,completed_at,attempts_before_pass,claimed_at,seconds_from_claim_to_pass\n",
        "no completion yet: the header alone, with commas"
    );

    let unknown = sandpit_cli(
        &["cohort", "status", &uuid::Uuid::new_v4().to_string()],
        &env,
    )
    .await;
    assert!(!unknown.status.success());
    assert_eq!(stderr(&unknown).trim(), "error: not found");

    let report = stdout_json(&sandpit_cli(&["cohort", "teardown", &id, "--json"], &env).await);
    assert_eq!(report["removed"], 3);
    assert_eq!(report["failed"], serde_json::json!([]));
    server.assert_nothing_left().await;
    let list = stdout_json(&sandpit_cli(&["cohort", "list", "--json"], &env).await);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["state"], "torn_down");
}
