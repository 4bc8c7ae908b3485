//! End to end in a real headless Chromium: a trainer signs in, creates a
//! cohort from a pasted roster, launches it, watches the live counts reach
//! "ready", opens a learner's link, and tears the cohort down.

mod common;

use common::browser::Browser;
use common::server::TestServer;
use common::{fixture_scenarios, test_app};
use sandpit::store::Role;

#[tokio::test]
async fn trainer_creates_launches_watches_and_opens_a_link_in_a_real_browser() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, password) = common::settled_account(&server.app, "tess", Role::Trainer).await;
    let browser = Browser::start().await;
    let b = &browser.client;

    // Signed out, the trainer's page leads to the login form and back.
    b.goto(&format!("{}/trainer", server.url)).await.unwrap();
    browser.find("#name").await.send_keys("tess").await.unwrap();
    browser
        .find("#password")
        .await
        .send_keys(&password)
        .await
        .unwrap();
    browser
        .find("form[action='/login'] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("main h1", "the cohorts page", |t| t == "Your cohorts")
        .await;

    // A new cohort from a pasted roster.
    browser
        .find("main a[href='/trainer/cohorts/new']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .find("#name")
        .await
        .send_keys("Browser day")
        .await
        .unwrap();
    browser
        .find("#scenario option[value='tiny']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .find("#roster_text")
        .await
        .send_keys("Ada Lovelace <ada@example.org>\nGrace Hopper, grace@example.org, Blue")
        .await
        .unwrap();
    // The times are in the browser's own zone, the same instants the
    // server proposed in its own (Europe/Paris).
    let zone = b
        .execute(
            "return Intl.DateTimeFormat().resolvedOptions().timeZone",
            vec![],
        )
        .await
        .unwrap();
    let zone = zone.as_str().unwrap().to_owned();
    let starts = browser.find("#starts_at").await;
    let proposed = starts.attr("data-utc").await.unwrap().unwrap();
    let typed = starts.prop("value").await.unwrap().unwrap();
    let chosen = browser
        .find("#time_zone")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(chosen.as_deref(), Some(zone.as_str()));
    browser
        .find("#cohort-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("#cohort-title", "the cohort's page", |t| t == "Browser day")
        .await;
    let cohort = &server.app.store.cohorts(None).await.unwrap()[0];
    assert_eq!(cohort.time_zone.name(), zone);
    assert_eq!(cohort.starts_at.to_rfc3339(), proposed, "typed as {typed}");
    browser
        .wait_text("#cohort-time-zone", "the cohort's zone", |t| t == zone)
        .await;
    let links = b
        .find_all(fantoccini::Locator::Css("input.link"))
        .await
        .unwrap();
    assert_eq!(links.len(), 2, "one link per learner");
    let link = links[0].prop("value").await.unwrap().unwrap();
    assert!(link.starts_with(&format!("{}/s/", server.url)), "{link}");

    // Launch, then the live counts reach ready: two learners and a spare.
    browser.find("#launch").await.click().await.unwrap();
    browser
        .wait_text("#pool-summary", "every sandbox ready", |t| {
            t == "All 3 sandboxes are ready."
        })
        .await;
    browser
        .wait_text("#count-ready", "three ready", |t| t == "3")
        .await;
    browser
        .wait_text("#live-state", "the live stream", |t| t == "Live")
        .await;

    // Copy all links: to the clipboard, or selected for Ctrl+C.
    browser.find("#copy-all").await.click().await.unwrap();
    browser
        .wait_text("#copy-status", "a copy status", |t| !t.is_empty())
        .await;

    // Ada's link opens her learner page with a sandbox from the pool.
    let cohort_page = b.current_url().await.unwrap();
    b.goto(&link).await.unwrap();
    // Her first visit asks her to start: a link preview never claims.
    browser.find("#start").await.click().await.unwrap();
    browser
        .wait_text("#scenario-title", "the learner page", |t| t == "Tiny")
        .await;
    b.goto(cohort_page.as_str()).await.unwrap();
    browser
        .wait_text("#count-claimed", "Ada's sandbox in use", |t| t == "1")
        .await;
    browser
        .wait_text("#grid-body tr:first-child", "Ada's row", |t| {
            t.contains("Ada Lovelace") && t.contains("in use")
        })
        .await;

    // Teardown, confirmed.
    browser
        .find("#teardown-confirm")
        .await
        .click()
        .await
        .unwrap();
    browser.find("#teardown").await.click().await.unwrap();
    let report = browser
        .wait_text("#teardown-report", "the teardown report", |t| {
            t.contains("removed")
        })
        .await;
    assert!(report.contains("sandboxes were removed"), "{report}");

    browser.close().await;
    server.assert_nothing_left().await;
}
