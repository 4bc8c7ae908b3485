//! The sandbox service on the real engine and store: provisioning with seed
//! data and setup, checks recorded before they are answered, failures and
//! engine trouble recorded as what they are.

mod common;

use common::{Cleanup, fixture_scenarios, test_app};
use sandpit::lang::Lang;
use sandpit::runtime::{ExecRequest, SandboxRuntime};
use sandpit::sandbox::{Owner, SandboxError};
use sandpit::scenario::ExerciseId;
use sandpit::store::{Outcome, SandboxState};

fn owner() -> Owner {
    Owner {
        cohort: Some("cohort-1".into()),
        learner: Some("ada".into()),
    }
}

#[tokio::test]
async fn check_fails_then_passes_after_the_solve_script_runs_and_both_are_recorded() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let mut cleanup = Cleanup::default();
    let rec = t.service.provision(&scenario, &owner()).await.unwrap();
    cleanup.ids.push(rec.id);
    assert_eq!(rec.state, SandboxState::Ready);
    assert!(rec.address.is_some() && rec.container_id.is_some());

    // Seed data arrived owned by the learner, and setup ran after it, as the learner.
    let probe = ExecRequest {
        cmd: vec![
            "/bin/sh".into(),
            "-c".into(),
            "stat -c %U notes/seed.txt; cat setup-ran-as".into(),
        ],
        workdir: Some("/home/learner".into()),
        timeout: std::time::Duration::from_secs(10),
        ..Default::default()
    };
    let out = t.runtime.exec(rec.id, probe).await.unwrap();
    assert_eq!(
        out.stdout.split_whitespace().collect::<Vec<_>>(),
        ["learner", "learner"],
        "{out:?}"
    );

    let ex = ExerciseId::parse("make-file").unwrap();
    let first = t
        .service
        .check(rec.id, &scenario, &ex, Lang::En)
        .await
        .unwrap();
    assert_eq!(first.outcome, Outcome::Failed);
    assert_eq!(first.feedback, "There is no done.txt in /home/learner yet.");
    assert!(!first.first_pass);

    let solved = t.service.solve(rec.id, &scenario, &ex).await.unwrap();
    assert_eq!(solved.exit_code, Some(0), "{solved:?}");

    let pass = t
        .service
        .check(rec.id, &scenario, &ex, Lang::En)
        .await
        .unwrap();
    assert_eq!(pass.outcome, Outcome::Passed);
    assert!(pass.first_pass);
    // By the time the learner hears "passed", the completion is in the store.
    let completions = t.store.completions(rec.id).await.unwrap();
    assert!(completions.contains_key("make-file"));
    let attempts = t.store.attempts(rec.id).await.unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[1].id, pass.attempt_id);
    assert_eq!(attempts[1].learner.as_deref(), Some("ada"));

    t.service.destroy(rec.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn concurrent_checks_of_one_sandbox_run_one_at_a_time_and_complete_once() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let mut cleanup = Cleanup::default();
    let rec = t.service.provision(&scenario, &owner()).await.unwrap();
    cleanup.ids.push(rec.id);
    let ex = ExerciseId::parse("make-file").unwrap();
    t.service.solve(rec.id, &scenario, &ex).await.unwrap();
    let checks = (0..6).map(|_| t.service.check(rec.id, &scenario, &ex, Lang::En));
    let results = futures_util::future::join_all(checks).await;
    let firsts = results
        .iter()
        .filter(|r| r.as_ref().unwrap().first_pass)
        .count();
    assert_eq!(firsts, 1, "exactly one attempt is the completion");
    assert_eq!(t.store.attempts(rec.id).await.unwrap().len(), 6);
    t.service.destroy(rec.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn a_check_that_hangs_is_stopped_and_recorded_as_an_error() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("slow").unwrap().clone();
    let mut cleanup = Cleanup::default();
    let rec = t.service.provision(&scenario, &owner()).await.unwrap();
    cleanup.ids.push(rec.id);
    let result = t
        .service
        .check(
            rec.id,
            &scenario,
            &ExerciseId::parse("hang").unwrap(),
            Lang::En,
        )
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::Error);
    assert!(
        result.feedback.contains("longer than 1 s"),
        "{}",
        result.feedback
    );
    assert!(result.duration < std::time::Duration::from_secs(10));
    assert_eq!(t.store.attempts(rec.id).await.unwrap()[0].outcome, "error");
    t.service.destroy(rec.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn engine_trouble_during_a_check_is_recorded_as_an_error_not_a_fail() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let mut cleanup = Cleanup::default();
    let rec = t.service.provision(&scenario, &owner()).await.unwrap();
    cleanup.ids.push(rec.id);
    let out = std::process::Command::new("docker")
        .args(["rm", "-f", rec.container_id.as_deref().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let result = t
        .service
        .check(
            rec.id,
            &scenario,
            &ExerciseId::parse("make-file").unwrap(),
            Lang::En,
        )
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::Error);
    assert!(
        result.feedback.contains("problem on our side"),
        "{}",
        result.feedback
    );
    let attempt = &t.store.attempts(rec.id).await.unwrap()[0];
    assert_eq!(attempt.outcome, "error");
    assert!(
        attempt.detail.contains("sandbox"),
        "the trainer sees the engine error: {}",
        attempt.detail
    );
    t.service.destroy(rec.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn a_failing_setup_fails_provisioning_cleanly_with_its_reason() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("broken-setup").unwrap().clone();
    let err = t.service.provision(&scenario, &owner()).await.unwrap_err();
    assert!(matches!(err, SandboxError::Provision { .. }), "{err}");
    assert!(
        err.to_string().contains("the seed database is missing"),
        "{err}"
    );
    let failed = t.store.sandboxes_in(&[SandboxState::Failed]).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .error
            .as_deref()
            .unwrap()
            .contains("setup exited with status 3")
    );
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn unknown_exercises_and_unusable_sandboxes_are_refused() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let mut cleanup = Cleanup::default();
    let rec = t.service.provision(&scenario, &owner()).await.unwrap();
    cleanup.ids.push(rec.id);
    let err = t
        .service
        .check(
            rec.id,
            &scenario,
            &ExerciseId::parse("nope").unwrap(),
            Lang::En,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("has no exercise `nope`"), "{err}");
    t.service.destroy(rec.id).await.unwrap();
    let err = t
        .service
        .check(
            rec.id,
            &scenario,
            &ExerciseId::parse("make-file").unwrap(),
            Lang::En,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, SandboxError::NotUsable(_, SandboxState::Destroyed)),
        "{err}"
    );
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn scripts_reach_the_sandbox_only_on_stdin_never_as_a_file_or_in_the_environment() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let mut cleanup = Cleanup::default();
    let rec = t.service.provision(&scenario, &owner()).await.unwrap();
    cleanup.ids.push(rec.id);
    let marker = "solution-marker-7f3a";
    let script = sandpit::scenario::Script {
        path: "probe".into(),
        body: format!(
            "#!/bin/bash\n# {marker}\ngrep -rl {marker} /tmp /home /var/tmp /dev/shm 2>/dev/null | grep -v '^/proc' || echo no-file\ncat /proc/$$/environ | tr '\\0' '\\n' | grep -c {marker} || true\nid -un\n"
        ),
    };
    let out = sandpit::sandbox::run_script(
        t.runtime.as_ref(),
        rec.id,
        &scenario,
        &script,
        sandpit::sandbox::ScriptRole::Act,
        std::time::Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines, ["no-file", "0", "learner"], "{out:?}");
    t.service.destroy(rec.id).await.unwrap();
    t.assert_nothing_left().await;
}
