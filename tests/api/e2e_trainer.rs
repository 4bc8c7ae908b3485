//! End to end in a real headless Chromium: a trainer signs in, creates a
//! cohort from a pasted roster, launches it, watches the live counts reach
//! "ready", opens a learner's link, and tears the cohort down; the launch
//! banner and button follow the pool as it changes; the live grid updates
//! cells in place, keeping focus and selection; reloading after a
//! teardown shows its report again and posts nothing.

use std::time::{Duration, Instant};

use crate::common;
use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app, test_app_with};
use chrono::Utc;
use sandpit::sandbox::CohortRequest;
use sandpit::sandbox::roster::RosterEntry;
use sandpit::store::{Cohort, Role, User};
use serde_json::Value;

/// Signs in through the login form.
async fn sign_in(browser: &Browser, server: &TestServer, name: &str, password: &str) {
    browser
        .client
        .goto(&format!("{}/login", server.url))
        .await
        .unwrap();
    browser.sign_in_with(name, password).await;
    browser
        .wait_text("main h1", "the cohorts page", |t| t == "Your cohorts")
        .await;
}

/// A cohort of `tiny` starting tomorrow, with these learners and no spare.
async fn cohort(server: &TestServer, owner: &User, name: &str, learners: &[&str]) -> Cohort {
    let scenario = server.app.scenario("tiny").unwrap().clone();
    let roster = learners
        .iter()
        .map(|n| RosterEntry {
            name: (*n).to_owned(),
            email: None,
            team: None,
        })
        .collect();
    let request = CohortRequest {
        name: name.to_owned(),
        starts_at: Utc::now() + chrono::TimeDelta::days(1),
        ends_at: Utc::now() + chrono::TimeDelta::days(1) + chrono::TimeDelta::hours(3),
        roster,
        spare: 0,
        max_sandboxes: None,
        time_zone: sandpit::timezone::TimeZone::PARIS,
    };
    server
        .app
        .service
        .create_cohort(owner, &scenario, request)
        .await
        .unwrap()
}

/// Runs `js` in the page until it returns true.
async fn wait_js(browser: &Browser, what: &str, js: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = browser.client.execute(js, vec![]).await.unwrap();
        if v == Value::Bool(true) {
            return;
        }
        assert!(Instant::now() < deadline, "waited for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn trainer_creates_launches_watches_and_opens_a_link_in_a_real_browser() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, password) = common::settled_account(&server.app, "tess", Role::Trainer).await;
    let browser = Browser::start().await;
    let b = &browser.client;

    // Signed out, the trainer's page leads to the login form and back.
    b.goto(&format!("{}/trainer", server.url)).await.unwrap();
    browser.sign_in_with("tess", &password).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_launch_banner_and_button_follow_the_pool_and_the_grid_keeps_focus_and_selection() {
    // One sandbox built at a time: the launch's banner is seen while the
    // pool is still being prepared.
    let app = test_app_with(fixture_scenarios(), |c| c.provision_concurrency = 1).await;
    let server = TestServer::start(app).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (tess, password) = common::settled_account(&server.app, "tess", Role::Trainer).await;
    let day = cohort(
        &server,
        &tess,
        "Grid day",
        &["Ada Lovelace", "Grace Hopper", "Alan Turing"],
    )
    .await;
    let other = cohort(&server, &tess, "Other day", &["Bo"]).await;
    let browser = Browser::start().await;
    let b = &browser.client;
    sign_in(&browser, &server, "tess", &password).await;

    // Launched by someone else (the API, the lead-time launcher) while the
    // page is open: its status and button follow, with no reload.
    b.goto(&format!("{}/trainer/cohorts/{}", server.url, other.id))
        .await
        .unwrap();
    browser
        .wait_text("#live-state", "the live stream", |t| t == "Live")
        .await;
    assert_eq!(
        browser.find("#cohort-status").await.text().await.unwrap(),
        "Not launched"
    );
    assert_eq!(
        browser.find("#launch").await.text().await.unwrap(),
        "Launch"
    );
    let tiny = server.app.scenario("tiny").unwrap().clone();
    server
        .app
        .service
        .launch_cohort(&other, &tiny)
        .await
        .unwrap();
    browser
        .wait_text("#cohort-status", "launched elsewhere", |t| t == "Launched")
        .await;
    wait_js(
        &browser,
        "the button to go",
        "return document.getElementById('launch-form').hidden",
    )
    .await;
    assert!(
        !browser
            .find("#launch-form")
            .await
            .is_displayed()
            .await
            .unwrap()
    );

    // Launched here: the banner says what is being prepared and goes once
    // nothing is; "Launch" does not come back as "Launch again".
    b.goto(&format!("{}/trainer/cohorts/{}", server.url, day.id))
        .await
        .unwrap();
    browser.find("#launch").await.click().await.unwrap();
    browser
        .wait_text("#notice", "the launch's banner", |t| {
            t == "3 sandboxes are being prepared."
        })
        .await;
    assert!(
        !browser
            .find("#launch-form")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    assert_eq!(
        browser.find("#cohort-status").await.text().await.unwrap(),
        "Launched"
    );
    browser
        .wait_text("#pool-summary", "every sandbox ready", |t| {
            t == "All 3 sandboxes are ready."
        })
        .await;
    wait_js(
        &browser,
        "the banner to go",
        "return !document.getElementById('notice')",
    )
    .await;
    assert!(
        !browser
            .find("#launch-form")
            .await
            .is_displayed()
            .await
            .unwrap()
    );

    // Ada opens her link; the trainer focuses her name in the grid and
    // selects it; then she passes the step.
    let ada = &server.app.service.learner_links(*day.id).await.unwrap()[0];
    let link = server.link_url(&ada.token);
    let http = common::http::client();
    http.post(format!("{link}/start")).send().await.unwrap();
    let row = format!("#grid-body tr[data-learner='{}']", ada.learner.id);
    browser
        .wait_text(&format!("{row} td[data-col=sandbox]"), "in use", |t| {
            t == "in use"
        })
        .await;
    let held = b
        .execute(
            &format!(
                "const row = document.querySelector(\"{row}\");
                 const a = row.querySelector('th a');
                 a.focus();
                 const range = document.createRange();
                 range.selectNodeContents(a);
                 getSelection().removeAllRanges();
                 getSelection().addRange(range);
                 window.heldRow = row; window.heldLink = a;
                 return [document.activeElement === a, getSelection().toString()];"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(held, serde_json::json!([true, "Ada Lovelace"]));
    let learners = server.app.store.learners(*day.id).await.unwrap();
    let sandbox = learners[0].sandbox_id.as_deref().unwrap().parse().unwrap();
    server.solve(sandbox, "tiny", "make-file").await;
    let passed = common::http::check(&http, &link, "make-file").await;
    assert_eq!(passed["outcome"], "passed");
    wait_js(
        &browser,
        "Ada's cell to show her pass",
        &format!(
            "return document.querySelector(\"{row} td[data-col=cell]\").className === 'cell passed'"
        ),
    )
    .await;
    let after = b
        .execute(
            &format!(
                "const row = document.querySelector(\"{row}\");
                 return {{
                   same_row: row === window.heldRow,
                   focused: document.activeElement === window.heldLink,
                   selected: getSelection().toString(),
                   cell: row.querySelector('td[data-col=cell] span').textContent.startsWith('✓ '),
                   current: row.querySelector('td[data-col=current]').textContent,
                   rows: document.querySelectorAll('#grid-body tr').length,
                 }};"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        after,
        serde_json::json!({
            "same_row": true, "focused": true, "selected": "Ada Lovelace",
            "cell": true, "current": "finished", "rows": 3,
        })
    );

    browser.close().await;
    server.app.service.teardown_cohort(*day.id).await.unwrap();
    server.app.service.teardown_cohort(*other.id).await.unwrap();
    server.assert_nothing_left().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloading_after_a_teardown_shows_its_report_again_and_tears_nothing_down_twice() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (tess, password) = common::settled_account(&server.app, "tess", Role::Trainer).await;
    let (_, root_password) = common::settled_account(&server.app, "root", Role::Admin).await;
    let day = cohort(&server, &tess, "Reload day", &["Ada", "Grace"]).await;
    let tiny = server.app.scenario("tiny").unwrap().clone();
    server.app.service.launch_cohort(&day, &tiny).await.unwrap();
    let reports = || async { server.app.store.teardown_reports(100).await.unwrap().len() };
    let browser = Browser::start().await;
    let b = &browser.client;

    // The trainer tears the cohort down from its page, then reloads.
    sign_in(&browser, &server, "tess", &password).await;
    b.goto(&format!("{}/trainer/cohorts/{}", server.url, day.id))
        .await
        .unwrap();
    browser
        .wait_text("#count-ready", "both ready", |t| t == "2")
        .await;
    browser
        .find("#teardown-confirm")
        .await
        .click()
        .await
        .unwrap();
    browser.find("#teardown").await.click().await.unwrap();
    browser
        .wait_text("#teardown-report", "the report", |t| {
            t == "2 sandboxes were removed."
        })
        .await;
    let at = b.current_url().await.unwrap();
    assert!(
        at.path()
            .starts_with(&format!("/trainer/cohorts/{}/teardowns/", day.id)),
        "{at}"
    );
    assert_eq!(reports().await, 1);
    b.refresh().await.unwrap();
    browser
        .wait_text("#teardown-report", "the report again", |t| {
            t == "2 sandboxes were removed."
        })
        .await;
    let navigation = b
        .execute(
            "return performance.getEntriesByType('navigation')[0].type",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(navigation, "reload");
    assert_eq!(b.current_url().await.unwrap(), at);
    assert_eq!(reports().await, 1, "the reload posted nothing");

    // An admin tears everything down, then reloads.
    browser
        .find("form[action='/logout'] button")
        .await
        .click()
        .await
        .unwrap();
    sign_in(&browser, &server, "root", &root_password).await;
    let (_, loose) = server.link("tiny", "lou").await;
    b.goto(&format!("{}/admin", server.url)).await.unwrap();
    browser
        .find("form[action='/admin/teardown-all'] input[name=confirm]")
        .await
        .send_keys("everything")
        .await
        .unwrap();
    browser
        .find("form[action='/admin/teardown-all'] button")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("#teardown-report", "what was torn down", |t| {
            t.starts_with("1 sandboxes removed.")
        })
        .await;
    let at = b.current_url().await.unwrap();
    assert_eq!(at.path(), "/admin/teardown-all/report");
    assert_eq!(reports().await, 2);
    b.refresh().await.unwrap();
    browser
        .wait_text("#teardown-report", "the same again", |t| {
            t.starts_with("1 sandboxes removed.")
        })
        .await;
    assert_eq!(b.current_url().await.unwrap(), at);
    assert_eq!(reports().await, 2, "the reload tore nothing down again");
    let gone = server
        .app
        .store
        .admin_sandbox(loose.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!gone.state.is_live());

    browser.close().await;
    server.assert_nothing_left().await;
}
