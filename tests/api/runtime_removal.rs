//! Removal is idempotent: twice, or after the container vanished behind
//! Sandpit's back, it still succeeds and leaves nothing.

use crate::common::{Cleanup, fixture_scenarios, shell_spec, test_app};
use sandpit::runtime::ObjectKind;
use sandpit::sandbox::Owner;
use sandpit::store::SandboxState;

#[tokio::test]
async fn removing_twice_succeeds() {
    let t = test_app(fixture_scenarios()).await;
    let rt = t.runtime();
    let mut cleanup = Cleanup::default();
    let spec = shell_spec(&[]);
    cleanup.ids.push(spec.id);
    rt.create(&spec).await.unwrap();
    rt.remove(spec.id).await.unwrap();
    rt.remove(spec.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn destroying_a_sandbox_whose_container_was_removed_out_of_band_succeeds() {
    let t = test_app(fixture_scenarios()).await;
    let scenario = t.scenario("tiny").unwrap().clone();
    let mut cleanup = Cleanup::default();
    let record = t
        .service
        .provision(&scenario, &Owner::default())
        .await
        .unwrap();
    cleanup.ids.push(record.id);
    assert_eq!(record.state, SandboxState::Ready);

    // Behind Sandpit's back: the learner's container goes; its checker,
    // volumes, disk and network stay.
    let container = record.container_id.clone().unwrap();
    let out = std::process::Command::new("docker")
        .args(["rm", "-f", &container])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let left = t.runtime.list_owned(false).await.unwrap();
    assert!(
        left.iter().all(|o| o.kind != ObjectKind::Container),
        "the learner's container is gone: {left:?}"
    );
    assert_eq!(
        left.iter()
            .filter(|o| o.kind == ObjectKind::Network)
            .count(),
        1
    );

    t.service.destroy(record.id).await.unwrap();
    t.service.destroy(record.id).await.unwrap();
    assert_eq!(
        t.store.sandbox(record.id).await.unwrap().state,
        SandboxState::Destroyed
    );
    t.assert_nothing_left().await;
}
