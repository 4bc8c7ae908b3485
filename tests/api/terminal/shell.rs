//! The learner's shell as its terminal shows it: a short `git log` returns
//! to the prompt by itself (the pager does not stop at "(END)"), and a
//! terminal whose sandbox is torn down is told so, as is one opened after.

use serde_json::json;

use super::client::Terminals;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};

#[tokio::test]
async fn a_short_git_log_returns_to_the_prompt_without_a_keypress() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let server = server;
    let (token, sandbox) = server.link("tiny", "Ada").await;
    let mut term = server.open(&token).await;
    term.wait_text("learner@tiny:~$").await;

    // The echo runs only once git's pager has quit.
    term.run(
        "cd \"$(mktemp -d)\" && git init -q && git -c user.name=Ada -c user.email=ada@example.net \
         commit -q --allow-empty -m first-commit && git log --format='%s by %an'; echo after-$((2+5))",
        "after-7",
    )
    .await;
    assert!(term.shows("first-commit by Ada"), "{}", term.text());
    assert!(!term.shows("(END)"), "{}", term.text());
    assert!(!term.alt_screen(), "the pager is gone");

    term.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn a_torn_down_sandbox_tells_its_open_and_later_terminals_that_it_ended() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let server = server;
    let (token, sandbox) = server.link("tiny", "Ada").await;
    let mut term = server.open(&token).await;
    term.wait_text("learner@tiny:~$").await;

    server.app.service.destroy(sandbox.id).await.unwrap();
    let exit = tokio::time::timeout(super::client::DEADLINE, async {
        loop {
            match term.read().await {
                Some(m) if m["type"] == "exit" => break Some(m),
                Some(_) => {}
                None => break None,
            }
        }
    })
    .await
    .expect("the terminal was told in time");
    assert_eq!(exit, Some(json!({"type": "exit", "sandbox": "ended"})));
    assert!(term.read().await.is_none(), "then closed");

    // The page's reconnect hears the same, rather than a refusal to retry.
    let mut late = server.open(&token).await;
    assert_eq!(
        late.read().await,
        Some(json!({"type": "exit", "sandbox": "ended"}))
    );
    assert!(late.read().await.is_none());
    server.assert_nothing_left().await;
}
