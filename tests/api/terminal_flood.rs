//! Terminals that print without end, over the real websocket on the real
//! engine: a link's recordings stop at its budget (over every shell and
//! reset, counted exactly in /metrics and on the admin page), and floods
//! neither stall the server nor the other learners.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app_with};
use crate::terminal::client::{DEADLINE, Term, Terminals};
use reqwest::header::{ACCEPT, COOKIE};
use sandpit::store::Role;
use serde_json::Value;

const MIB: u64 = 1024 * 1024;
const MARKER: &str = "[recording stopped: budget of 1 MiB reached]";

/// The recording files of a sandbox, oldest first.
fn recordings(data: &Path, sandbox: uuid::Uuid) -> Vec<PathBuf> {
    let dir = data.join("recordings").join(sandbox.to_string());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn size_of(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum()
}

/// A value of `/metrics` (read from loopback, which needs no token).
async fn metric(server: &TestServer, name: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .parse()
        .unwrap()
}

/// The `data-bytes` of the element that starts with `opening` on `html`.
fn bytes_at(html: &str, opening: &str) -> u64 {
    let at = html
        .find(opening)
        .unwrap_or_else(|| panic!("no {opening} on the page"));
    let rest = &html[at..];
    let rest = &rest[rest.find("data-bytes=\"").expect("data-bytes") + 12..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

#[tokio::test]
async fn a_flood_is_cut_at_the_link_budget_and_no_later_shell_or_reset_records_more() {
    let app = test_app_with(fixture_scenarios(), |c| c.recording_budget_mb = 1).await;
    let server = TestServer::start(app).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let data = server.data.path().to_owned();
    let (token, first) = server.link("tiny", "Ada").await;

    // About 2 MiB of output, twice the budget.
    let mut term = server.open(&token).await;
    term.run("yes | head -c 2000000; echo flood-$((2+2))", "flood-4")
        .await;
    let files = recordings(&data, first.id);
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let total = text.len() as u64;
    assert!(
        total <= MIB && total > MIB - 64 * 1024,
        "{total} bytes recorded for a 1 MiB budget"
    );
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last[1], "o");
    assert!(last[2].as_str().unwrap().contains(MARKER), "{last}");
    assert!(
        !text.contains("flood-4"),
        "nothing is recorded after the cut"
    );

    // The terminal keeps working; its recording does not grow.
    term.run("echo after-$((3*3))", "after-9").await;
    // Past the recorder's flush interval.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(size_of(&recordings(&data, first.id)), total);

    // A new shell of the link records nothing.
    term.input("exit\r").await;
    term.wait_for("the exit message", |t| t.exited).await;
    let mut again = server.open(&token).await;
    again.run("echo second-$((4*4))", "second-16").await;
    again.close().await;
    assert_eq!(recordings(&data, first.id).len(), 1);

    // Nor does a shell in the fresh sandbox a reset gives the link.
    let reset = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/reset", server.link_url(&token)))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), reqwest::StatusCode::SEE_OTHER);
    let link = server.app.store.link(&token.hash()).await.unwrap().unwrap();
    let second = link.sandbox().unwrap();
    assert_ne!(second, first.id);
    let mut third = server.open(&token).await;
    third.run("echo third-$((5*5))", "third-25").await;
    third.close().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(recordings(&data, second).is_empty());
    assert_eq!(size_of(&recordings(&data, first.id)), total);

    // /metrics and the admin page count the very bytes on disk.
    assert_eq!(
        metric(&server, "sandpit_terminal_recording_bytes_total").await,
        total as f64
    );
    assert_eq!(
        metric(&server, "sandpit_terminal_recordings_cut_total").await,
        1.0
    );
    let (_, password) = common::settled_account(&server.app, "root", Role::Admin).await;
    let session = server
        .app
        .auth
        .login("root", &password, "test")
        .await
        .unwrap();
    let page = reqwest::Client::new()
        .get(format!("{}/admin?state=all", server.url))
        .header(COOKIE, format!("sandpit_session={}", session.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = |id: uuid::Uuid| {
        let at = page
            .find(&format!("data-sandbox=\"{id}\""))
            .unwrap_or_else(|| panic!("no row for {id}"));
        bytes_at(&page[at..], "class=\"recording\"")
    };
    assert_eq!(row(first.id), total);
    assert_eq!(row(second), 0);
    assert_eq!(bytes_at(&page, "id=\"admin-recordings\""), total);
    assert!(
        page.contains(&format!("{total} bytes")),
        "the exact count is shown"
    );

    server.app.service.destroy(second).await.unwrap();
    server.assert_nothing_left().await;
}

/// A terminal whose frames are read in the background, as an open tab's.
struct Watched {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Term>,
}

fn watch(mut term: Term) -> Watched {
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stopped => return term,
                frame = term.read() => assert!(frame.is_some(), "the flooding terminal closed"),
            }
        }
    });
    Watched { stop, task }
}

impl Watched {
    async fn stop(self) -> Term {
        let _ = self.stop.send(());
        self.task.await.unwrap()
    }
}

/// The largest number a `seq` flood shows on the screen.
fn highest(term: &Term) -> u64 {
    term.lines
        .iter()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn while_two_terminals_flood_a_third_still_echoes_and_checks_and_the_floods_still_draw() {
    let server = TestServer::start(test_app_with(fixture_scenarios(), |_| {}).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let mut sandboxes = Vec::new();
    let mut floods = Vec::new();
    for name in ["Flo", "Fanny"] {
        let (token, sandbox) = server.link("tiny", name).await;
        sandboxes.push(sandbox.id);
        let mut term = server.open(&token).await;
        term.run("echo ready-$((1+1))", "ready-2").await;
        term.input("seq 1 1000000000\r").await;
        term.wait_for("the flood", |t| highest(t) > 1000).await;
        floods.push(term);
    }
    // One flood is watched; the other's viewer reads nothing meanwhile (a
    // stalled tab), which must not hold anything up either.
    let stalled = floods.pop().unwrap();
    let watched = watch(floods.pop().unwrap());

    let (token, quiet) = server.link("tiny", "Quentin").await;
    sandboxes.push(quiet.id);
    let mut term = server.open(&token).await;
    term.run("echo quiet-$((5*5))", "quiet-25").await;
    let answer = tokio::time::timeout(
        DEADLINE,
        reqwest::Client::new()
            .post(format!("{}/check/make-file", server.link_url(&token)))
            .header(ACCEPT, "application/json")
            .send(),
    )
    .await
    .expect("a check answered while the neighbours flood")
    .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["outcome"], "failed", "{answer}");
    term.run("echo still-$((6*6))", "still-36").await;

    // Both floods still draw: their numbers keep growing.
    for mut flood in [watched.stop().await, stalled] {
        let seen = highest(&flood);
        flood
            .wait_for("the flood to go on", |t| highest(t) > seen)
            .await;
        // ^C stops it, and the prompt comes back.
        flood.input("\x03").await;
        flood.run("echo stopped-$((7*7))", "stopped-49").await;
        flood.close().await;
    }
    term.close().await;
    for id in sandboxes {
        server.app.service.destroy(id).await.unwrap();
    }
    server.assert_nothing_left().await;
}
