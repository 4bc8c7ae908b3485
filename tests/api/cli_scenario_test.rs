//! `sandpit scenario test`, run as the binary on the real engine: it proves
//! sound scenarios, rejects unsound ones, and removes everything it made,
//! even when interrupted.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sandpit");

fn fixtures() -> String {
    format!("{}/tests/fixtures/scenarios", env!("CARGO_MANIFEST_DIR"))
}

fn sandpit(data: &Path, scenarios: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("SANDPIT_HOST_GUARD", "required")
        .env_remove("SANDPIT_SCENARIOS_DIR");
    if let Some(dir) = scenarios {
        cmd.env("SANDPIT_SCENARIOS_DIR", dir);
    }
    cmd
}

/// Engine objects labelled with this data directory's instance.
fn objects_of(data: &Path) -> Vec<String> {
    let instance =
        std::fs::read_to_string(data.join("instance")).expect("the instance id was written");
    let label = format!("label=sandpit.instance={}", instance.trim());
    let mut ids = Vec::new();
    for args in [
        vec!["ps", "-aq", "--filter", &label],
        vec!["network", "ls", "-q", "--filter", &label],
    ] {
        let out = Command::new("docker").args(&args).output().unwrap();
        ids.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_owned),
        );
    }
    ids
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn scenario_test_proves_the_bundled_git_scenario_and_records_every_check() {
    let data = tempfile::tempdir().unwrap();
    let out = sandpit(
        data.path(),
        None,
        &["scenario", "test", "git-basics", "--json"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let exercises = report["exercises"].as_array().unwrap();
    assert!(exercises.len() >= 6, "git-basics has at least 6 exercises");
    for ex in exercises {
        let name = &ex["exercise"];
        assert!(
            ex["check_before"]["summary"]
                .as_str()
                .unwrap()
                .starts_with("failed:"),
            "{name}: the check must fail before the solve"
        );
        assert_eq!(ex["solve"]["ok"], true, "{name}");
        assert!(
            ex["check_after"]["summary"]
                .as_str()
                .unwrap()
                .starts_with("passed:"),
            "{name}"
        );
    }
    assert_eq!(report["cleaned_up"], true);
    assert!(objects_of(data.path()).is_empty());

    // Every check is in the store, run in English then in French (the
    // scenario's languages): two fails then two passes per exercise, with
    // feedback in each language, and a completion each.
    let store = sandpit::store::Store::open(data.path()).await.unwrap();
    let sandbox = uuid::Uuid::parse_str(report["sandbox"].as_str().unwrap()).unwrap();
    let attempts = store.attempts(sandbox).await.unwrap();
    assert_eq!(attempts.len(), exercises.len() * 4);
    for four in attempts.chunks(4) {
        let outcomes: Vec<&str> = four.iter().map(|a| a.outcome.as_str()).collect();
        assert_eq!(
            outcomes,
            ["failed", "failed", "passed", "passed"],
            "{}",
            four[0].exercise_id
        );
        assert_ne!(
            four[0].output, four[1].output,
            "{}: the same feedback in both languages",
            four[0].exercise_id
        );
        assert_ne!(
            four[2].output, four[3].output,
            "{}: the same feedback in both languages",
            four[0].exercise_id
        );
    }
    assert_eq!(attempts[0].exercise_id, "set-identity");
    assert_eq!(
        attempts[0].output,
        "Your name is not set yet. Run: git config --global user.name \"Firstname Lastname\"\n\
         Your e-mail address is not set yet. Run: git config --global user.email \"you@example.org\""
    );
    assert_eq!(
        attempts[1].output,
        "Votre nom n'est pas encore défini. Lancez : git config --global user.name \"Prénom Nom\"\n\
         Votre adresse e-mail n'est pas encore définie. Lancez : git config --global user.email \"vous@example.org\""
    );
    assert_eq!(
        store.completions(sandbox).await.unwrap().len(),
        exercises.len()
    );
    assert_eq!(
        store.sandbox(sandbox).await.unwrap().state,
        sandpit::store::SandboxState::Destroyed
    );
}

#[test]
fn scenario_test_rejects_a_check_that_passes_before_its_solve() {
    let data = tempfile::tempdir().unwrap();
    let out = sandpit(
        data.path(),
        Some(&fixtures()),
        &["scenario", "test", "always-passes"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = text(&out);
    assert!(s.contains("check before: passed: always fine"), "{s}");
    assert!(s.contains("FAILED: 0 of 1"), "{s}");
    assert!(objects_of(data.path()).is_empty());
}

#[test]
fn scenario_test_names_unknown_scenarios() {
    let data = tempfile::tempdir().unwrap();
    let out = sandpit(
        data.path(),
        Some(&fixtures()),
        &["scenario", "test", "no-such"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("no scenario `no-such` (known: "),
        "{}",
        text(&out)
    );
}

#[test]
fn scenario_test_removes_its_sandbox_when_interrupted() {
    let data = tempfile::tempdir().unwrap();
    let mut child = sandpit(
        data.path(),
        Some(&fixtures()),
        &["scenario", "test", "slow"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Wait until the sandbox exists and the slow solve is under way.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !data.path().join("instance").exists() || objects_of(data.path()).is_empty() {
        assert!(Instant::now() < deadline, "the sandbox never appeared");
        assert!(child.try_wait().unwrap().is_none(), "sandpit ended early");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(2));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = text(&out);
    assert!(s.contains("interrupted"), "{s}");
    assert!(s.contains("sandbox removed: yes"), "{s}");
    assert!(
        objects_of(data.path()).is_empty(),
        "the interrupted run left objects behind"
    );
}

#[test]
fn scenario_validate_and_list_report_bad_scenarios_by_file() {
    let data = tempfile::tempdir().unwrap();
    let scenarios = tempfile::tempdir().unwrap();
    let bad = scenarios.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("scenario.toml"),
        "title = \"x\"\nsummary = \"y\"\nimage = \"shell\"\ncolour = 3\n",
    )
    .unwrap();
    let out = sandpit(
        data.path(),
        None,
        &["scenario", "validate", bad.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = text(&out);
    assert!(
        s.contains("bad/scenario.toml: field `colour`: unknown field `colour`"),
        "{s}"
    );

    let out = sandpit(
        data.path(),
        Some(scenarios.path().to_str().unwrap()),
        &["scenario", "list"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("invalid: "), "{}", text(&out));

    let out = sandpit(data.path(), None, &["scenario", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("git-basics"));
}

#[test]
fn scenario_test_proves_the_bundled_wiki_scenario_through_its_web_tool() {
    let data = tempfile::tempdir().unwrap();
    let out = sandpit(data.path(), None, &["scenario", "test", "wiki-basics"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let s = text(&out);
    assert!(s.contains("PASSED: 6 of 6 exercises proven"), "{s}");
    assert!(objects_of(data.path()).is_empty());
}
