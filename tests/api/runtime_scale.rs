//! More sandboxes than the engine's default address pools allow (30
//! networks), each isolated, all removed again.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::{Cleanup, repo_scenarios, shell_spec, test_app};
use futures_util::{StreamExt, TryStreamExt};
use sandpit::runtime::{ExecRequest, ObjectKind};

const SANDBOXES: usize = 40;

#[tokio::test]
async fn forty_isolated_sandboxes_live_at_once_then_all_are_removed() {
    let t = test_app(repo_scenarios()).await;
    let rt = t.runtime();
    let mut cleanup = Cleanup::default();
    let specs: Vec<_> = (0..SANDBOXES).map(|_| shell_spec(&[])).collect();
    cleanup.ids.extend(specs.iter().map(|s| s.id));

    // `buffered` keeps the handles in the order of the specs.
    let handles: Vec<_> = futures_util::stream::iter(specs.iter().map(|s| rt.create(s)))
        .buffered(4)
        .try_collect()
        .await
        .expect("every sandbox starts");
    assert_eq!(handles.len(), SANDBOXES);

    let owned = rt.list_owned(false).await.unwrap();
    let running = owned
        .iter()
        .filter(|o| o.kind == ObjectKind::Container && o.running)
        .count();
    let networks: HashSet<_> = owned
        .iter()
        .filter(|o| o.kind == ObjectKind::Network)
        .map(|o| o.id.clone())
        .collect();
    assert_eq!(running, SANDBOXES, "all containers run at once");
    assert_eq!(networks.len(), SANDBOXES, "one network each");
    let addresses: HashSet<_> = handles.iter().map(|h| h.address).collect();
    assert_eq!(addresses.len(), SANDBOXES, "distinct addresses");
    for (spec, handle) in specs.iter().zip(&handles) {
        let owner = owned
            .iter()
            .find(|o| o.id == handle.container_id)
            .and_then(|o| o.sandbox);
        assert_eq!(owner, Some(spec.id), "handles follow the specs' order");
    }

    // Each sandbox's packets to its neighbour are dropped (a reachable
    // closed port would answer "refused" at once).
    let checks = specs
        .iter()
        .zip(handles.iter().cycle().skip(1))
        .map(|(spec, next)| {
            let rt = rt.clone();
            let probe = format!(
                "timeout 2 bash -c 'echo > /dev/tcp/{}/1' 2>&1; echo \"exit $?\"",
                next.address
            );
            async move {
                let req = ExecRequest {
                    cmd: vec!["/bin/bash".into(), "-c".into(), probe],
                    timeout: Duration::from_secs(20),
                    ..Default::default()
                };
                rt.exec(spec.id, req).await.map(|o| o.stdout)
            }
        });
    let outputs: Vec<String> = futures_util::stream::iter(checks)
        .buffer_unordered(4)
        .try_collect()
        .await
        .unwrap();
    for out in outputs {
        assert!(
            out.contains("exit 124") && !out.contains("refused"),
            "a sandbox reached another: {out}"
        );
    }

    futures_util::stream::iter(specs.iter().map(|s| rt.remove(s.id)))
        .buffer_unordered(4)
        .try_collect::<Vec<_>>()
        .await
        .expect("every sandbox is removed");
    t.assert_nothing_left().await;
}
