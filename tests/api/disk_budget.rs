//! A learner who fills their sandbox's disk: the kernel stops them at the
//! scenario's budget, inside the sandbox, and the host keeps the rest.

use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use crate::common::http::{check, client};
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};
use sandpit::runtime::{ExecOutput, ExecRequest};
use uuid::Uuid;

async fn as_learner(server: &TestServer, sandbox: Uuid, script: &str) -> ExecOutput {
    let req = ExecRequest {
        cmd: vec!["bash".into(), "-c".into(), script.into()],
        user: Some("learner".into()),
        workdir: Some("/home/learner".into()),
        env: vec!["HOME=/home/learner".into()],
        timeout: Duration::from_secs(120),
        ..Default::default()
    };
    server.app.runtime.exec(sandbox, req).await.unwrap()
}

#[tokio::test]
async fn writing_past_the_disk_budget_fails_inside_and_costs_the_host_no_more_than_the_budget() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let http = client();
    // The tiny scenario's budget is 64 MiB.
    let (token, sandbox) = server.link("tiny", "Filler").await;
    let url = server.link_url(&token);
    let image = server
        .data
        .path()
        .join("disks")
        .join(format!("sandpit-{}.img", sandbox.id));
    let before = std::fs::metadata(&image)
        .expect("the sandbox's disk image")
        .blocks()
        * 512;

    // 200 MiB into the home folder, then more into /tmp and /var/tmp.
    let filled = as_learner(
        &server,
        sandbox.id,
        "for f in $HOME/big /tmp/big /var/tmp/big; do \
           dd if=/dev/zero of=$f bs=1M count=200 2>&1 | grep -o 'No space left on device'; done; \
         du -smc $HOME/big /tmp/big /var/tmp/big | tail -n 1 | cut -f1",
    )
    .await;
    assert_eq!(
        filled.stdout.matches("No space left on device").count(),
        3,
        "{filled:?}"
    );
    let written: u64 = filled
        .stdout
        .lines()
        .last()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(written < 64, "{written} MiB written into a 64 MiB budget");
    // Everything else is read-only: the image's layer takes nothing.
    let elsewhere = as_learner(
        &server,
        sandbox.id,
        "for d in /var/cache /opt /usr/local /etc /run /home; do \
           touch $d/x 2>&1 | grep -q 'Read-only file system' && echo refused || echo \"wrote $d\"; done",
    )
    .await;
    assert_eq!(
        elsewhere.stdout.lines().collect::<Vec<_>>(),
        vec!["refused"; 6],
        "{elsewhere:?}"
    );
    let after = std::fs::metadata(&image).unwrap().blocks() * 512;
    assert!(
        after <= 64 * 1024 * 1024,
        "the disk image takes {after} bytes of the host's disk (was {before})"
    );

    // The sandbox still works, and still answers checks.
    let answer = check(&http, &url, "make-file").await;
    assert_eq!(answer["outcome"], "failed", "{answer}");
    as_learner(&server, sandbox.id, "rm -f $HOME/big /tmp/big /var/tmp/big").await;
    server.solve(sandbox.id, "tiny", "make-file").await;
    let answer = check(&http, &url, "make-file").await;
    assert_eq!(answer["outcome"], "passed", "{answer}");

    server.finish(sandbox.id).await;
    assert!(!image.exists(), "the disk image outlived its sandbox");
    server.stop().await;
}
