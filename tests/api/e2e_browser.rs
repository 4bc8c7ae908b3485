//! End to end in a real headless Chromium: a learner opens their link,
//! presses Check, sees the feedback, passes, and moves on.

use crate::common;
use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{Cleanup, fixture_scenarios, test_app};
use fantoccini::Locator;

#[tokio::test]
async fn learner_checks_fails_then_passes_and_reaches_the_end_in_a_real_browser() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let browser = Browser::start().await;
    let b = &browser.client;

    b.goto(&server.link_url(&token)).await.unwrap();
    browser
        .wait_text("#scenario-title", "the scenario title", |t| t == "Tiny")
        .await;
    browser
        .wait_text(".progress-text", "no progress yet", |t| {
            t == "0 of 1 steps done"
        })
        .await;

    browser.find("button.check").await.click().await.unwrap();
    let feedback = browser
        .wait_text(".feedback", "a verdict", |t| t.contains("Not yet."))
        .await;
    assert!(
        feedback.contains("There is no done.txt in /home/learner yet."),
        "{feedback}"
    );

    server.solve(sandbox.id, "tiny", "make-file").await;
    browser.find("button.check").await.click().await.unwrap();
    browser
        .wait_text(".feedback", "a pass", |t| {
            t.contains("Passed!") && t.contains("Found done.txt.")
        })
        .await;
    let next = browser.find(".next-link").await;
    assert!(
        next.is_displayed().await.unwrap(),
        "the next-step link appears"
    );
    next.click().await.unwrap();
    browser
        .wait_text(".completed", "the completed view", |t| {
            t.contains("All done!")
        })
        .await;
    let progress = b
        .find(Locator::Css(".progress-text"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(progress, "1 of 1 steps done");
    assert!(
        server
            .app
            .store
            .completions(sandbox.id)
            .await
            .unwrap()
            .contains_key("make-file")
    );

    browser.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn learner_does_the_first_git_exercise_in_the_page_terminal_and_passes() {
    let server = TestServer::start(test_app(common::repo_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("git-basics", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let browser = Browser::start().await;

    browser.client.goto(&server.link_url(&token)).await.unwrap();
    // Type what the instructions ask, as a learner would.
    browser.introduce_to_git().await;

    browser.find("button.check").await.click().await.unwrap();
    browser
        .wait_text(".feedback", "a pass", |t| t.contains("Passed!"))
        .await;
    // The page says so at once: the progress, the step ticked, the next
    // one open in the list of steps.
    browser
        .wait_text(".progress-text", "progress after the pass", |t| {
            t == "1 of 8 steps done"
        })
        .await;
    assert_eq!(
        browser
            .find(".progress")
            .await
            .attr("aria-valuenow")
            .await
            .unwrap()
            .as_deref(),
        Some("1")
    );
    browser
        .wait_text(".steps .step.done", "the first step ticked", |t| {
            t.contains("✓")
        })
        .await;
    let second = browser
        .find(".steps .step[data-step='inspect-history'] a")
        .await;
    assert!(
        second
            .attr("href")
            .await
            .unwrap()
            .is_some_and(|h| h.ends_with("?step=inspect-history")),
        "the second step is a link now"
    );
    browser.find(".next-link").await.click().await.unwrap();
    let heading = browser
        .wait_text(".exercise h2", "the second step", |t| {
            t.starts_with("Step 2")
        })
        .await;
    assert!(heading.contains("approval limit"), "{heading}");
    browser
        .wait_text(".progress-text", "progress", |t| t == "1 of 8 steps done")
        .await;
    let completions = server.app.store.completions(sandbox.id).await.unwrap();
    assert!(completions.contains_key("set-identity"));

    browser.close().await;
    server.finish(sandbox.id).await;
}
