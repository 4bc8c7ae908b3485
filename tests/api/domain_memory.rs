//! The domain on an engine kept in memory, through the runtime trait alone:
//! a cohort's launch records and creates one sandbox per seat, a teardown
//! removes them all, reconcile sees a container that vanished and one the
//! store does not know, a container that died is noticed through the
//! engine's events, and a failed setup leaves nothing behind. No Docker.

use std::sync::Arc;
use std::time::Duration;

use crate::common::memory_runtime::{MemoryRuntime, shared, succeeding};
use crate::common::{TestApp, fixture_scenarios, test_config};
use chrono::Utc;
use sandpit::app::App;
use sandpit::config::HostGuardMode;
use sandpit::runtime::{ContainerStatus, ExecOutput, ObjectKind, SandboxSpec};
use sandpit::sandbox::roster::seats;
use sandpit::sandbox::{CohortRequest, Owner};
use sandpit::store::{Cohort, Role, SandboxState};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A Sandpit on a memory engine built by `make` from its instance id.
async fn memory_app(make: impl FnOnce(&str) -> MemoryRuntime) -> (TestApp, Arc<MemoryRuntime>) {
    let data = tempfile::tempdir().expect("a temporary data directory");
    let mut config = test_config(data.path(), fixture_scenarios());
    // No engine, no sandbox network: nothing for a host firewall to guard.
    config.host_guard = HostGuardMode::Off;
    let instance = App::instance(data.path()).expect("the instance id");
    let runtime = Arc::new(make(&instance));
    let app = App::open_with(config, shared(&runtime))
        .await
        .expect("opening Sandpit on the memory engine");
    (TestApp::new(app, data), runtime)
}

async fn cohort_of(t: &TestApp, learners: usize, spare: u32) -> Cohort {
    let trainer = t.auth.create_user("ada", Role::Trainer).await.unwrap().0;
    let scenario = t.scenario("tiny").unwrap().clone();
    t.service
        .create_cohort(
            &trainer,
            &scenario,
            CohortRequest {
                name: "Memory group".into(),
                starts_at: Utc::now(),
                ends_at: Utc::now() + chrono::TimeDelta::hours(2),
                roster: seats(learners).unwrap(),
                spare,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap()
}

/// Waits, at most ten seconds, until `done` holds for the sandbox's record.
async fn wait_for_record(
    t: &TestApp,
    id: Uuid,
    done: impl Fn(&sandpit::store::SandboxRecord) -> bool,
) -> sandpit::store::SandboxRecord {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let record = t.store.sandbox(id).await.unwrap();
        if done(&record) || tokio::time::Instant::now() >= deadline {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A sandbox of `tiny` for one learner, provisioned on the memory engine.
async fn one_sandbox(t: &TestApp) -> Uuid {
    let scenario = t.scenario("tiny").unwrap().clone();
    let owner = Owner {
        cohort: None,
        learner: Some("Ada".into()),
    };
    let (_, record) = t.service.create_link(&scenario, &owner).await.unwrap();
    assert_eq!(record.state, SandboxState::Ready);
    record.id
}

#[tokio::test]
async fn a_launched_cohort_has_one_container_per_seat_and_its_teardown_removes_every_one() {
    let (t, engine) = memory_app(|i| MemoryRuntime::scripted(i, succeeding)).await;
    let c = cohort_of(&t, 4, 1).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let launched = t.service.launch_cohort(&c, &scenario).await.unwrap();
    assert_eq!((launched.started, launched.refused), (5, 0));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let counts = loop {
        let counts = t.store.state_counts(Some(*c.id)).await.unwrap();
        if counts.ready == 5 || tokio::time::Instant::now() >= deadline {
            break counts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        (counts.ready, counts.provisioning, counts.failed),
        (5, 0, 0)
    );

    // The store and the engine agree, sandbox for sandbox.
    let containers = engine.containers();
    assert_eq!(containers.len(), 5);
    let cohort_id = c.id.to_string();
    for (id, container) in &containers {
        let record = t.store.sandbox(*id).await.unwrap();
        assert_eq!(record.cohort_id.as_deref(), Some(cohort_id.as_str()));
        assert_eq!(
            record.container_id.as_deref(),
            Some(container.handle.container_id.as_str())
        );
        assert_eq!(
            container.labels.get("sandpit.cohort"),
            Some(&cohort_id),
            "labelled with its cohort"
        );
        // Seed data copied, then setup run: one probe, one script.
        assert_eq!(container.uploads.len(), 1, "{container:?}");
        assert_eq!(container.execs.len(), 2, "{container:?}");
    }
    assert_eq!(t.runtime.list_owned(false).await.unwrap().len(), 10);

    let report = t.service.teardown_cohort(*c.id).await.unwrap();
    assert_eq!(report.removed, 5, "{report:?}");
    assert!(report.failed.is_empty());
    assert!(engine.containers().is_empty());
    assert_eq!(engine.created_and_removed(), (5, 5));
    assert!(t.runtime.list_owned(false).await.unwrap().is_empty());
    let counts = t.store.state_counts(Some(*c.id)).await.unwrap();
    assert_eq!((counts.live(), counts.destroyed), (0, 5));
}

#[tokio::test]
async fn reconcile_fails_a_sandbox_whose_container_vanished_and_removes_one_the_store_never_knew() {
    let (t, engine) = memory_app(|i| MemoryRuntime::scripted(i, succeeding)).await;
    let kept = one_sandbox(&t).await;
    let vanished = one_sandbox(&t).await;
    engine.vanish_quietly(vanished);
    let stranger = SandboxSpec {
        id: Uuid::new_v4(),
        image: "sandpit/shell:anything".into(),
        hostname: "stranger".into(),
        memory_bytes: 64 * 1024 * 1024,
        nano_cpus: 250_000_000,
        pids: 64,
        capabilities: Vec::new(),
        disk_bytes: 64 * 1024 * 1024,
        labels: Default::default(),
    };
    t.runtime.create(&stranger).await.unwrap();
    assert_eq!(engine.containers().len(), 2);

    let report = t.service.reconcile().await.unwrap();
    assert_eq!(
        report.failed,
        vec![(vanished, "the container was removed".to_owned())]
    );
    assert_eq!(report.removed, vec![stranger.id]);
    assert!(report.torn_down.is_empty());
    let record = t.store.sandbox(vanished).await.unwrap();
    assert_eq!(record.state, SandboxState::Failed);
    assert_eq!(record.error.as_deref(), Some("the container was removed"));
    assert_eq!(
        t.store.sandbox(kept).await.unwrap().state,
        SandboxState::Ready
    );
    let left: Vec<Uuid> = engine.containers().into_keys().collect();
    assert_eq!(left, vec![kept]);

    // Nothing more to do the second time.
    let again = t.service.reconcile().await.unwrap();
    assert!(
        again.failed.is_empty() && again.removed.is_empty(),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_container_killed_for_memory_is_noticed_through_the_engines_events() {
    let (t, engine) = memory_app(|i| MemoryRuntime::scripted(i, succeeding)).await;
    let shutdown = CancellationToken::new();
    let service = t.service.clone();
    let watch = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { service.watch_engine(shutdown).await }
    });
    let sandbox = one_sandbox(&t).await;
    let other = one_sandbox(&t).await;
    // Subscribed before anything happens: give the watcher its turn.
    tokio::time::sleep(Duration::from_millis(100)).await;

    engine.stop_behind_sandpits_back(sandbox, 137, true);
    let record = wait_for_record(&t, sandbox, |r| r.state != SandboxState::Ready).await;
    assert_eq!(record.state, SandboxState::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("it stopped (exit 137, out of memory)")
    );
    // What is left of it is removed; the other sandbox is untouched.
    let left: Vec<Uuid> = engine.containers().into_keys().collect();
    assert_eq!(left, vec![other]);
    assert_eq!(
        t.runtime.container_status(other).await.unwrap(),
        ContainerStatus::Running
    );
    assert_eq!(
        t.store.sandbox(other).await.unwrap().state,
        SandboxState::Ready
    );

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(2), watch)
        .await
        .expect("the watcher stops on shutdown")
        .unwrap();
}

#[tokio::test]
async fn a_setup_that_fails_marks_the_sandbox_failed_with_what_it_said_and_leaves_no_container() {
    let (t, engine) = memory_app(|i| {
        MemoryRuntime::scripted(i, |sandbox, req| {
            let setup = req.stdin.as_deref().is_some_and(|s| !s.is_empty());
            if setup {
                Ok(ExecOutput {
                    exit_code: Some(3),
                    stderr: "no such package: frobnicate\n".into(),
                    ..ExecOutput::default()
                })
            } else {
                succeeding(sandbox, req)
            }
        })
    })
    .await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let owner = Owner {
        cohort: None,
        learner: Some("Ada".into()),
    };
    let error = t
        .service
        .create_link(&scenario, &owner)
        .await
        .expect_err("setup failed")
        .to_string();
    assert!(
        error.contains("setup exited with status 3: no such package: frobnicate"),
        "{error}"
    );
    assert!(engine.containers().is_empty());
    assert_eq!(engine.created_and_removed(), (1, 1));
    let counts = t.store.state_counts(None).await.unwrap();
    assert_eq!((counts.failed, counts.live()), (1, 0));
}

#[tokio::test]
async fn an_engine_that_runs_no_commands_fails_provisioning_and_refuses_terminals_with_a_reason() {
    let (t, engine) = memory_app(MemoryRuntime::new).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let owner = Owner {
        cohort: None,
        learner: Some("Ada".into()),
    };
    let error = t
        .service
        .create_link(&scenario, &owner)
        .await
        .expect_err("seed data needs a command")
        .to_string();
    assert!(
        error.contains("the memory engine runs no commands"),
        "{error}"
    );
    assert_eq!(engine.created_and_removed(), (1, 1));
    assert!(t.runtime.list_owned(true).await.unwrap().is_empty());

    let spec = SandboxSpec {
        id: Uuid::new_v4(),
        image: "sandpit/shell:anything".into(),
        hostname: "t".into(),
        memory_bytes: 1,
        nano_cpus: 1,
        pids: 1,
        capabilities: Vec::new(),
        disk_bytes: 1,
        labels: Default::default(),
    };
    t.runtime.create(&spec).await.unwrap();
    let refused = t
        .runtime
        .exec_tty(spec.id, Default::default())
        .await
        .err()
        .expect("no terminal")
        .to_string();
    assert!(refused.contains("has no terminals"), "{refused}");
    let kinds: Vec<ObjectKind> = t
        .runtime
        .list_owned(false)
        .await
        .unwrap()
        .iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(kinds, vec![ObjectKind::Container, ObjectKind::Network]);
    assert_eq!(t.runtime.ping().await.unwrap(), "memory");
}
