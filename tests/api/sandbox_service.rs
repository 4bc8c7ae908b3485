//! The sandbox service on the real engine and store: provisioning with seed
//! data and setup, checks recorded before they are answered, failures and
//! engine trouble recorded as what they are.

use crate::common;
use crate::common::{Cleanup, fixture_scenarios, test_app};
use sandpit::lang::Lang;
use sandpit::runtime::ExecRequest;
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

/// The command lines of the checker's processes, as the checker sees them.
async fn checker_processes(t: &common::TestApp, sandbox: uuid::Uuid) -> Vec<String> {
    let req = ExecRequest {
        target: sandpit::runtime::ExecTarget::Checker,
        cmd: vec![
            "/bin/sh".into(),
            "-c".into(),
            r#"for d in /proc/[0-9]*; do tr '\0' ' ' < "$d/cmdline"; echo; done"#.into(),
        ],
        user: Some(sandpit::runtime::CHECKER_USER.into()),
        timeout: std::time::Duration::from_secs(10),
        ..Default::default()
    };
    let out = t.runtime.exec(sandbox, req).await.unwrap();
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    out.stdout.lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn a_check_out_of_time_is_killed_with_all_it_started_and_the_checker_stays_up() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let mut cleanup = Cleanup::default();
    let rec = t.service.provision(&scenario, &owner()).await.unwrap();
    cleanup.ids.push(rec.id);
    // Children in the background, in a session of their own, and one that
    // ignores SIGTERM: none may outlive the check's time.
    let script = sandpit::scenario::Script {
        path: "runaway".into(),
        body: "#!/bin/bash\necho started\nsleep 301 &\nsetsid sleep 302 &\n(trap '' TERM; sleep 303) &\nsleep 304\n".into(),
    };
    let check = sandpit::sandbox::ScriptRole::Check(Lang::En);
    let second = std::time::Duration::from_secs(1);
    let runtime = t.runtime.as_ref();
    let out = sandpit::sandbox::run_script(runtime, rec.id, &scenario, &script, check, second)
        .await
        .unwrap();
    assert!(out.timed_out, "{out:?}");
    assert_ne!(out.exit_code, Some(0), "{out:?}");
    assert_eq!(out.stdout.trim(), "started", "what it wrote is kept");
    assert!(out.duration < std::time::Duration::from_secs(4), "{out:?}");
    let left = checker_processes(&t, rec.id).await;
    assert!(
        !left.iter().any(|p| p.contains("sleep 30")),
        "the check's processes outlived it: {left:?}"
    );
    assert!(
        left.iter().any(|p| p.contains("sleep infinity")),
        "the checker's own process must stay: {left:?}"
    );
    // The checker still checks.
    let fine = sandpit::scenario::Script {
        path: "fine".into(),
        body: "#!/bin/sh\necho fine\n".into(),
    };
    let out = sandpit::sandbox::run_script(runtime, rec.id, &scenario, &fine, check, second)
        .await
        .unwrap();
    assert_eq!(
        (out.exit_code, out.stdout.trim()),
        (Some(0), "fine"),
        "{out:?}"
    );
    assert!(!out.timed_out);
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
