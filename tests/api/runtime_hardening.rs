//! A sandbox's container really runs with the hardening and limits asked
//! for: checked from the engine's view and from inside.

use std::time::Duration;

use crate::common::{Cleanup, repo_scenarios, shell_spec, test_app};
use sandpit::runtime::ExecRequest;

fn exec(cmd: &str, user: &str) -> ExecRequest {
    ExecRequest {
        cmd: vec!["/bin/bash".into(), "-c".into(), cmd.into()],
        user: Some(user.into()),
        timeout: Duration::from_secs(30),
        ..Default::default()
    }
}

fn status_field(status: &str, field: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {status}"))
        .trim()
        .to_owned()
}

/// The container's pids cgroup directory on the host (cgroup v1 or v2).
fn pids_cgroup(container_id: &str) -> std::path::PathBuf {
    [
        format!("/sys/fs/cgroup/pids/docker/{container_id}"),
        format!("/sys/fs/cgroup/system.slice/docker-{container_id}.scope"),
        format!("/sys/fs/cgroup/docker/{container_id}"),
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.join("pids.max").exists())
    .expect("the container's pids cgroup is visible on the host")
}

#[tokio::test]
async fn container_runs_with_the_hardening_and_limits_asked_for() {
    let t = test_app(repo_scenarios()).await;
    let rt = t.runtime();
    let mut cleanup = Cleanup::default();
    let spec = shell_spec(&[]);
    cleanup.ids.push(spec.id);
    let handle = rt.create(&spec).await.unwrap();

    let info = crate::common::docker()
        .await
        .inspect_container(&handle.container_id, None)
        .await
        .unwrap();
    let hc = info.host_config.unwrap();
    assert_eq!(hc.privileged, Some(false));
    assert_eq!(hc.cap_drop, Some(vec!["ALL".to_string()]));
    assert!(hc.cap_add.unwrap_or_default().is_empty());
    assert!(
        hc.security_opt
            .unwrap_or_default()
            .iter()
            .any(|o| o.starts_with("no-new-privileges"))
    );
    assert_eq!(hc.memory, Some(spec.memory_bytes));
    assert_eq!(hc.memory_swap, Some(spec.memory_bytes));
    assert_eq!(hc.nano_cpus, Some(spec.nano_cpus));
    assert_eq!(hc.pids_limit, Some(spec.pids));
    assert!(hc.binds.unwrap_or_default().is_empty(), "no host mounts");
    assert_eq!(
        hc.readonly_rootfs,
        Some(true),
        "the image's files are read-only"
    );
    // The only mounts are the sandbox's own volumes (so no engine socket,
    // no host path), on its own disk.
    let mounts = info.mounts.unwrap_or_default();
    let prefix = format!("sandpit-{}-v", spec.id);
    let mut targets: Vec<String> = mounts
        .iter()
        .map(|m| {
            assert_eq!(m.typ.as_deref(), Some("volume"), "{m:?}");
            assert!(
                m.name.as_deref().unwrap_or("").starts_with(&prefix),
                "{m:?}"
            );
            assert_eq!(m.rw, Some(true), "{m:?}");
            m.destination.clone().unwrap()
        })
        .collect();
    targets.sort();
    assert_eq!(targets, ["/home/learner", "/tmp", "/var/tmp"]);

    // The checker: same limits, nothing added back, its own process
    // namespace, the learner's paths read-only.
    let checker = crate::common::docker()
        .await
        .inspect_container(&sandpit::runtime::checker_name(spec.id), None)
        .await
        .unwrap();
    let chc = checker.host_config.unwrap();
    assert_eq!(chc.cap_drop, Some(vec!["ALL".to_string()]));
    assert!(chc.cap_add.unwrap_or_default().is_empty());
    assert_eq!(chc.readonly_rootfs, Some(true));
    assert_eq!(chc.pids_limit, Some(spec.pids));
    assert_eq!(chc.memory, Some(spec.memory_bytes));
    assert!(
        chc.pid_mode.unwrap_or_default().is_empty(),
        "its own PID namespace"
    );
    assert_eq!(
        chc.network_mode.as_deref(),
        Some(format!("container:{}", handle.container_id).as_str())
    );
    for m in checker.mounts.unwrap_or_default() {
        if m.typ.as_deref() == Some("volume") {
            assert_eq!(m.rw, Some(false), "{m:?}");
        } else {
            assert_eq!(m.typ.as_deref(), Some("tmpfs"), "{m:?}");
        }
    }
    let ns = |target| {
        let rt = rt.clone();
        async move {
            rt.exec(
                spec.id,
                sandpit::runtime::ExecRequest {
                    target,
                    cmd: vec!["readlink".into(), "/proc/self/ns/pid".into()],
                    user: Some(sandpit::runtime::CHECKER_USER.into()),
                    timeout: std::time::Duration::from_secs(10),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .stdout
        }
    };
    let (learner_ns, checker_ns) = (
        ns(sandpit::runtime::ExecTarget::Sandbox).await,
        ns(sandpit::runtime::ExecTarget::Checker).await,
    );
    assert!(learner_ns.starts_with("pid:"), "{learner_ns}");
    assert_ne!(
        learner_ns, checker_ns,
        "checks share the learner's PID namespace"
    );
    let labels = info.config.unwrap().labels.unwrap();
    assert_eq!(
        labels.get("sandpit.managed").map(String::as_str),
        Some("true")
    );
    assert_eq!(labels.get("sandpit.sandbox"), Some(&spec.id.to_string()));

    let net = crate::common::docker()
        .await
        .inspect_network(
            &handle.network_id,
            None::<bollard::query_parameters::InspectNetworkOptions>,
        )
        .await
        .unwrap();
    assert_eq!(net.internal, Some(true), "the network has no route out");
    assert_eq!(
        net.options
            .unwrap()
            .get("com.docker.network.bridge.enable_icc")
            .map(String::as_str),
        Some("false")
    );
    assert_eq!(
        net.labels
            .unwrap()
            .get("sandpit.managed")
            .map(String::as_str),
        Some("true")
    );

    // From inside, as the learner and as the container's root.
    for user in ["learner", "root"] {
        let out = rt
            .exec(spec.id, exec("cat /proc/self/status", user))
            .await
            .unwrap();
        assert_eq!(out.exit_code, Some(0), "{out:?}");
        assert_eq!(
            status_field(&out.stdout, "CapEff"),
            "0000000000000000",
            "{user}"
        );
        assert_eq!(
            status_field(&out.stdout, "CapBnd"),
            "0000000000000000",
            "{user}"
        );
        assert_eq!(status_field(&out.stdout, "NoNewPrivs"), "1", "{user}");
    }
    // Nothing leaves the sandbox's own subnet: the engine's firewall drops
    // whatever its bridge would forward elsewhere.
    let subnet = net.ipam.unwrap().config.unwrap()[0].subnet.clone().unwrap();
    let rules = String::from_utf8(
        std::process::Command::new("iptables")
            .args(["-S"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let bridge = format!("br-{}", &handle.network_id[..12]);
    assert!(
        rules
            .lines()
            .any(|l| l.contains(&format!("! -d {subnet} -i {bridge} -j DROP"))),
        "no egress drop rule for {bridge}:\n{rules}"
    );

    // A fork loop stops at the pids limit. Read the container's pids cgroup
    // from the host while the loop runs: inside, nothing more can fork.
    let cgroup = pids_cgroup(&handle.container_id);
    let bomb = exec("for i in $(seq 1 200); do sleep 15 & done", "learner");
    let bomb = ExecRequest {
        timeout: Duration::from_secs(5),
        ..bomb
    };
    let out = rt.exec(spec.id, bomb).await.unwrap();
    assert!(
        out.timed_out || out.exit_code != Some(0),
        "the loop should not finish: {out:?}"
    );
    let read = |f: &str| std::fs::read_to_string(cgroup.join(f)).unwrap();
    assert_eq!(read("pids.max").trim(), spec.pids.to_string());
    let current: i64 = read("pids.current").trim().parse().unwrap();
    assert!(
        current >= spec.pids - 2 && current <= spec.pids,
        "pids.current {current}, limit {}",
        spec.pids
    );
    let refused: i64 = read("pids.events")
        .trim()
        .strip_prefix("max ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(refused > 0, "the kernel refused no fork");

    rt.remove(spec.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn declared_capabilities_are_the_only_ones_added_back() {
    let t = test_app(repo_scenarios()).await;
    let rt = t.runtime();
    let mut cleanup = Cleanup::default();
    let spec = shell_spec(&["CHOWN"]);
    cleanup.ids.push(spec.id);
    rt.create(&spec).await.unwrap();
    // CAP_CHOWN is bit 0: it is the only one a process could ever hold, and
    // the learner (not root) holds none.
    let status = rt
        .exec(spec.id, exec("cat /proc/self/status", "learner"))
        .await
        .unwrap()
        .stdout;
    assert_eq!(status_field(&status, "CapBnd"), "0000000000000001");
    assert_eq!(
        status_field(&status, "CapEff"),
        "0000000000000000",
        "the learner gets none"
    );
    let status = rt
        .exec(spec.id, exec("cat /proc/self/status", "root"))
        .await
        .unwrap()
        .stdout;
    assert_eq!(status_field(&status, "CapBnd"), "0000000000000001");
    let eff = u64::from_str_radix(&status_field(&status, "CapEff"), 16).unwrap();
    assert_eq!(eff & !1, 0, "root holds nothing beyond CHOWN");
    rt.remove(spec.id).await.unwrap();
    t.assert_nothing_left().await;
}

#[tokio::test]
async fn sandbox_cannot_reach_host_services_or_other_sandboxes() {
    let t = test_app(repo_scenarios()).await;
    let guard = t
        .host_guard
        .as_ref()
        .expect("the host guard is required in tests");
    assert!(guard.is_installed().await, "the firewall rule is in place");

    let rt = t.runtime();
    let mut cleanup = Cleanup::default();
    let (a, b) = (shell_spec(&[]), shell_spec(&[]));
    cleanup.ids.extend([a.id, b.id]);
    let ha = rt.create(&a).await.unwrap();
    let hb = rt.create(&b).await.unwrap();
    assert_ne!(ha.network_id, hb.network_id);

    // A host service on the gateway address (as one listening on all
    // interfaces would be), which the sandbox can route to.
    let listener = tokio::net::TcpListener::bind((ha.gateway, 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = tokio::spawn(async move {
        tokio::time::timeout(Duration::from_secs(8), listener.accept())
            .await
            .is_ok()
    });
    // The host itself can reach the sandbox's address (the proxy and
    // terminal rely on it): a closed port there answers "refused" at once,
    // where a dropped packet would leave the attempt waiting.
    let host_probe = tokio::time::timeout(
        Duration::from_secs(3),
        tokio::net::TcpStream::connect((ha.address, 1)),
    )
    .await;
    match host_probe {
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
        other => panic!(
            "the host cannot reach the sandbox at {}: {other:?}",
            ha.address
        ),
    }
    let probe = format!(
        "timeout 4 bash -c 'echo hi > /dev/tcp/{}/{port}' && echo CONNECTED || echo BLOCKED",
        ha.gateway
    );
    let out = rt.exec(a.id, exec(&probe, "learner")).await.unwrap();
    assert!(
        out.stdout.contains("BLOCKED"),
        "sandbox reached a host service: {out:?}"
    );
    assert!(
        !accepted.await.unwrap(),
        "the host service saw a connection from the sandbox"
    );

    // Another sandbox: a closed port there would answer "refused" at once if
    // packets got through; they are dropped, so the attempt times out.
    let probe = format!(
        "timeout 3 bash -c 'echo hi > /dev/tcp/{}/1' 2>&1; echo \"exit $?\"",
        hb.address
    );
    let out = rt.exec(a.id, exec(&probe, "learner")).await.unwrap();
    assert!(
        out.stdout.contains("exit 124") && !out.stdout.contains("refused"),
        "the other sandbox answered: {out:?}"
    );

    rt.remove(a.id).await.unwrap();
    rt.remove(b.id).await.unwrap();
    t.assert_nothing_left().await;
}
