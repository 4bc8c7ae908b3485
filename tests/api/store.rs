//! The store: the sandbox state machine, and attempts whose first pass
//! becomes the completion, committed and durable across a reopen.

use std::time::Duration;

use sandpit::store::{NewAttempt, NewSandbox, Outcome, SandboxState, Store, StoreError};
use uuid::Uuid;

async fn sandbox(store: &Store) -> Uuid {
    let id = Uuid::new_v4();
    store
        .insert_sandbox(NewSandbox {
            id,
            scenario_id: "git-basics",
            cohort_id: None,
            learner: Some("ada"),
            expires_at: None,
        })
        .await
        .unwrap();
    id
}

fn attempt(id: Uuid, exercise: &str, outcome: Outcome) -> NewAttempt<'_> {
    NewAttempt {
        sandbox_id: id,
        learner: Some("ada"),
        exercise_id: exercise,
        outcome,
        output: "feedback",
        detail: "",
        duration: Duration::from_millis(42),
    }
}

#[tokio::test]
async fn sandboxes_follow_the_state_machine() {
    let store = Store::in_memory().await.unwrap();
    let id = sandbox(&store).await;
    assert_eq!(
        store.sandbox(id).await.unwrap().state,
        SandboxState::Provisioning
    );

    // Cannot be claimed before it is ready.
    let err = store.mark_claimed(id, None).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::WrongState {
                actual: SandboxState::Provisioning,
                ..
            }
        ),
        "{err}"
    );

    store
        .set_sandbox_objects(id, "c1", "n1", "10.231.0.2")
        .await
        .unwrap();
    store.mark_ready(id).await.unwrap();
    store.mark_claimed(id, Some("ada")).await.unwrap();
    let rec = store.sandbox(id).await.unwrap();
    assert_eq!(rec.state, SandboxState::Claimed);
    assert_eq!(rec.address.as_deref(), Some("10.231.0.2"));
    assert!(rec.ready_at.is_some());

    // A claimed sandbox is never handed out (claimed) twice.
    assert!(store.mark_claimed(id, Some("bob")).await.is_err());
    store.mark_destroyed(id).await.unwrap();
    store.mark_destroyed(id).await.unwrap();
    assert!(store.mark_ready(id).await.is_err(), "destroyed is final");
    assert!(matches!(
        store.sandbox(Uuid::new_v4()).await,
        Err(StoreError::UnknownSandbox(_))
    ));
}

#[tokio::test]
async fn failed_sandboxes_keep_their_reason() {
    let store = Store::in_memory().await.unwrap();
    let id = sandbox(&store).await;
    store.mark_failed(id, "setup exited with 2").await.unwrap();
    let rec = store.sandbox(id).await.unwrap();
    assert_eq!(rec.state, SandboxState::Failed);
    assert_eq!(rec.error.as_deref(), Some("setup exited with 2"));
    let live = store
        .sandboxes_in(&[SandboxState::Provisioning, SandboxState::Ready])
        .await
        .unwrap();
    assert!(live.is_empty());
}

#[tokio::test]
async fn only_the_first_passing_attempt_is_the_completion() {
    let store = Store::in_memory().await.unwrap();
    let id = sandbox(&store).await;
    let failed = store
        .record_attempt(attempt(id, "commit", Outcome::Failed))
        .await
        .unwrap();
    assert!(!failed.first_pass);
    let error = store
        .record_attempt(attempt(id, "commit", Outcome::Error))
        .await
        .unwrap();
    assert!(!error.first_pass);
    let pass = store
        .record_attempt(attempt(id, "commit", Outcome::Passed))
        .await
        .unwrap();
    assert!(pass.first_pass);
    let again = store
        .record_attempt(attempt(id, "commit", Outcome::Passed))
        .await
        .unwrap();
    assert!(
        !again.first_pass,
        "a second pass is an attempt, not a completion"
    );

    let attempts = store.attempts(id).await.unwrap();
    let outcomes: Vec<_> = attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["failed", "error", "passed", "passed"]);
    assert_eq!(attempts[0].duration_ms, 42);
    let completions = store.completions(id).await.unwrap();
    assert_eq!(completions.len(), 1);
    assert!(completions.contains_key("commit"));
}

#[tokio::test]
async fn attempts_and_completions_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = Store::open(dir.path()).await.unwrap();
        let id = sandbox(&store).await;
        store
            .record_attempt(attempt(id, "tag", Outcome::Passed))
            .await
            .unwrap();
        store.close().await;
        id
    };
    let store = Store::open(dir.path()).await.unwrap();
    assert_eq!(store.attempts(id).await.unwrap().len(), 1);
    assert!(store.completions(id).await.unwrap().contains_key("tag"));
}

#[tokio::test]
async fn attempts_for_unknown_sandboxes_are_refused() {
    let store = Store::in_memory().await.unwrap();
    let err = store
        .record_attempt(attempt(Uuid::new_v4(), "x", Outcome::Passed))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("recording an attempt"), "{err}");
}

#[tokio::test]
async fn purging_past_the_retention_takes_the_checks_of_ended_sandboxes_only() {
    let store = Store::in_memory().await.unwrap();
    let ended = sandbox(&store).await;
    let live = sandbox(&store).await;
    store.mark_ready(live).await.unwrap();
    for id in [ended, live] {
        store
            .record_attempt(attempt(id, "commit", Outcome::Failed))
            .await
            .unwrap();
        store
            .record_attempt(attempt(id, "commit", Outcome::Passed))
            .await
            .unwrap();
    }
    store.mark_failed(ended, "ended").await.unwrap();
    let counts = |store: Store| async move {
        let mut attempts = 0;
        let mut completions = 0;
        for id in [ended, live] {
            attempts += store.attempts(id).await.unwrap().len();
            completions += store.completions(id).await.unwrap().len();
        }
        (attempts, completions)
    };
    assert_eq!(counts(store.clone()).await, (4, 2));

    // Nothing is old enough an hour back.
    let hour_ago = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    assert_eq!(store.purge_attempts(hour_ago).await.unwrap(), 0);
    assert_eq!(counts(store.clone()).await, (4, 2));

    // Everything made until now is old enough: the ended sandbox's two
    // checks and its completion go, the live one's stay.
    let now = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    assert_eq!(store.purge_attempts(now).await.unwrap(), 2);
    assert!(store.attempts(ended).await.unwrap().is_empty());
    assert!(store.completions(ended).await.unwrap().is_empty());
    assert_eq!(store.attempts(live).await.unwrap().len(), 2);
    assert_eq!(store.completions(live).await.unwrap().len(), 1);
    assert_eq!(counts(store.clone()).await, (2, 1));
    assert_eq!(store.integrity().await.unwrap(), "ok");
}
