//! The learner page's clocks and endings in a real headless Chromium: when
//! the sandbox ends and how long it may stay idle, labelled in English and
//! French; a teardown under an open page; a "not ready yet" page that
//! tries again by itself until the learner lands on their sandbox.

use std::time::{Duration, Instant};

use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, repo_scenarios, test_app, test_app_with};
use chrono::{TimeDelta, Timelike, Utc};
use sandpit::sandbox::roster::seats;
use sandpit::sandbox::{CohortRequest, Owner};
use sandpit::store::Role;
use sandpit::timezone::TimeZone;
use serde_json::{Value, json};

/// Seconds of an "m:ss" countdown.
fn seconds_of(countdown: &str) -> Option<i64> {
    let (m, s) = countdown.split_once(':')?;
    Some(m.parse::<i64>().ok()? * 60 + s.parse::<i64>().ok()?)
}

/// Whether `text` is `prefix`, an idle countdown within the 30 minutes
/// just started, then `suffix`.
fn idle_line(text: &str, prefix: &str, suffix: &str) -> bool {
    text.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .and_then(seconds_of)
        .is_some_and(|s| (1700..=1800).contains(&s))
}

/// Dispatches a `beforeunload` as closing the tab would; true when the
/// page asks first.
async fn asks_before_leaving(browser: &Browser) -> Value {
    browser
        .client
        .execute(
            "const e = document.createEvent('BeforeUnloadEvent'); \
             e.initEvent('beforeunload', false, true); \
             window.dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_page_labels_when_the_sandbox_ends_and_its_idle_countdown_in_english_and_french() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let server = server;
    let (token, sandbox) = server.link("git-basics", "Ada").await;
    // A browser whose zone puts the end on the day it starts (about noon),
    // and not in UTC, so that the clock shown is the learner's own.
    let hours = if Utc::now().hour() == 12 {
        1
    } else {
        12 - Utc::now().hour() as i64
    };
    let zone = if hours >= 0 {
        format!("Etc/GMT-{hours}")
    } else {
        format!("Etc/GMT+{}", -hours)
    };
    let browser = Browser::start_in_zone(&zone).await;

    browser.client.goto(&server.link_url(&token)).await.unwrap();
    browser.watch_script_errors().await;
    browser
        .wait_text("#scenario-title", "the page", |t| {
            t.starts_with("Git basics")
        })
        .await;
    let expires = server
        .app
        .store
        .lifecycle(sandbox.id)
        .await
        .unwrap()
        .expires_at
        .unwrap();
    let clock = (expires + TimeDelta::hours(hours))
        .format("%H:%M")
        .to_string();
    // (Without script it reads in the server's zone, named.)
    let ends = format!("Ends at {clock}");
    browser
        .wait_text(".time-end", "the end in the browser's zone", |t| t == ends)
        .await;
    let minutes = (expires
        - server
            .app
            .store
            .sandbox(sandbox.id)
            .await
            .unwrap()
            .claimed_at
            .unwrap())
    .num_minutes();
    assert!(
        (89..=90).contains(&minutes),
        "a 90-minute sandbox: {minutes}"
    );
    let idle = browser
        .wait_text(".time-idle", "the idle countdown", |t| {
            idle_line(t, "Closes after 30 idle minutes: ", " left")
        })
        .await;
    // It counts down.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = browser
        .find(".time-idle .idle-countdown")
        .await
        .text()
        .await
        .unwrap();
    let before = seconds_of(idle.rsplit(' ').nth(1).unwrap()).unwrap();
    let after = seconds_of(later.split(' ').next().unwrap()).unwrap();
    assert!(after < before, "{idle} then {later}");
    assert_eq!(browser.script_errors().await, json!([]));

    browser
        .client
        .goto(&format!("{}?lang=fr", server.link_url(&token)))
        .await
        .unwrap();
    let ends = format!("Se termine à {clock}");
    browser
        .wait_text(".time-end", "the end in French", |t| t == ends)
        .await;
    browser
        .wait_text(".time-idle", "the idle countdown in French", |t| {
            idle_line(t, "Se ferme après 30 minutes d’inactivité : encore ", "")
        })
        .await;
    browser.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn a_cohort_sandbox_ends_at_a_time_of_its_cohorts_zone_named_for_a_browser_elsewhere() {
    let t = test_app(fixture_scenarios()).await;
    let _cleanup = InstanceCleanup::of(&t);
    let (trainer, _) = t.auth.create_user("grace", Role::Trainer).await.unwrap();
    let scenario = t.scenario("tiny").unwrap().clone();
    let kathmandu = TimeZone::parse("Asia/Kathmandu").unwrap();
    let cohort = t
        .service
        .create_cohort(
            &trainer,
            &scenario,
            CohortRequest {
                name: "Kathmandu group".into(),
                starts_at: Utc::now(),
                ends_at: Utc::now() + TimeDelta::hours(2),
                roster: seats(1).unwrap(),
                spare: 0,
                max_sandboxes: None,
                time_zone: kathmandu,
            },
        )
        .await
        .unwrap();
    let server = TestServer::start(t).await;
    let links = server.app.service.learner_links(*cohort.id).await.unwrap();
    let browser = Browser::start_in_zone("Etc/GMT-2").await;

    browser
        .client
        .goto(&server.link_url(&links[0].token))
        .await
        .unwrap();
    browser.find("#start").await.click().await.unwrap();
    browser
        .wait_text("#scenario-title", "the learner's page", |t| t == "Tiny")
        .await;
    let learner = &server.app.store.learners(*cohort.id).await.unwrap()[0];
    let sandbox = learner.sandbox_id.as_deref().unwrap().parse().unwrap();
    let expires = server
        .app
        .store
        .lifecycle(sandbox)
        .await
        .unwrap()
        .expires_at
        .unwrap();
    // Its trainer's times are Kathmandu's: so is the end, named, since the
    // learner's browser is two hours east of UTC.
    let ends = format!("Ends at {} GMT+5:45", kathmandu.hour_minute(expires));
    browser
        .wait_text(".time-end", "the end in the cohort's zone", |t| t == ends)
        .await;
    browser.close().await;
    server
        .app
        .service
        .teardown_cohort(*cohort.id)
        .await
        .unwrap();
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn a_sandbox_torn_down_under_an_open_page_says_so_in_its_terminal_and_leads_to_what_was_done()
{
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let server = server;
    let (token, sandbox) = server.link("tiny", "Ada").await;
    let browser = Browser::start().await;

    browser.client.goto(&server.link_url(&token)).await.unwrap();
    browser.watch_script_errors().await;
    browser
        .wait_text(".term-status", "a connected terminal", |t| t == "connected")
        .await;
    server.solve(sandbox.id, "tiny", "make-file").await;
    browser.find("button.check").await.click().await.unwrap();
    browser
        .wait_text(".feedback", "a pass", |t| t.contains("Passed!"))
        .await;
    let terminal = browser.find(".terminal").await;
    terminal.click().await.unwrap();
    terminal
        .send_keys("echo still-$((2*3))\u{E007}")
        .await
        .unwrap();
    browser
        .wait_text(".term-screen", "the shell", |t| t.contains("\nstill-6"))
        .await;
    assert_eq!(asks_before_leaving(&browser).await, json!(true));

    // What a trainer's or an admin's teardown does.
    server.app.service.destroy(sandbox.id).await.unwrap();
    browser
        .wait_text(".term-status", "the ended message", |t| {
            t == "this sandbox has ended: nothing more runs in it"
        })
        .await;
    let banner = browser
        .wait_text(".sandbox-ended", "the banner", |t| !t.is_empty())
        .await;
    assert_eq!(banner, "This sandbox has ended. See what you completed");
    // Nothing to lose now; Enter offers no new shell.
    assert_eq!(asks_before_leaving(&browser).await, json!(false));
    assert_eq!(browser.script_errors().await, json!([]));
    terminal.send_keys("\u{E007}").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = browser.find(".term-status").await.text().await.unwrap();
    assert_eq!(status, "this sandbox has ended: nothing more runs in it");

    browser
        .find(".sandbox-ended-link")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("h1", "the ended page", |t| t == "This sandbox has ended")
        .await;
    let reason = browser.find(".reason").await.text().await.unwrap();
    assert_eq!(reason, "It was closed by your trainer or an administrator.");
    browser
        .wait_text("main", "what was done", |t| {
            t.contains("What you did is kept: 1 of 1 steps completed.")
        })
        .await;
    browser.close().await;
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn the_busy_page_counts_down_tries_again_by_post_and_lands_on_the_sandbox_once_there_is_room()
{
    let t = test_app_with(fixture_scenarios(), |c| {
        c.max_sandboxes = 1;
        c.busy_retry_seconds = 2;
    })
    .await;
    let _cleanup = InstanceCleanup::of(&t);
    let scenario = t.scenario("tiny").unwrap().clone();
    // The one sandbox this server may run is someone else's, before the
    // cohort's pool could take it.
    let owner = Owner {
        cohort: None,
        learner: Some("Bob".into()),
    };
    let (_, bobs) = t.service.create_link(&scenario, &owner).await.unwrap();
    let (trainer, _) = t.auth.create_user("grace", Role::Trainer).await.unwrap();
    let cohort = t
        .service
        .create_cohort(
            &trainer,
            &scenario,
            CohortRequest {
                name: "Busy group".into(),
                starts_at: Utc::now(),
                ends_at: Utc::now() + TimeDelta::hours(2),
                roster: seats(1).unwrap(),
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    let server = TestServer::start(t).await;
    let links = server.app.service.learner_links(*cohort.id).await.unwrap();
    let url = server.link_url(&links[0].token);
    let browser = Browser::start().await;
    let b = &browser.client;

    b.goto(&url).await.unwrap();
    browser.find("#start").await.click().await.unwrap();
    browser
        .wait_text("h1", "the busy page", |t| {
            t == "Your sandbox is not ready yet"
        })
        .await;
    let countdown = browser
        .wait_text(".busy-wait", "a countdown", |t| {
            t.starts_with("Trying again in ")
        })
        .await;
    assert!(
        [
            "Trying again in 1 s…",
            "Trying again in 2 s…",
            "Trying again in 3 s…"
        ]
        .contains(&countdown.as_str()),
        "{countdown}"
    );
    // The retry is a new page: the busy page again (a GET there would be a
    // 405 with no heading), at the Start URL.
    b.execute("document.body.dataset.first = 'yes'", vec![])
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let retried = loop {
        let seen = b
            .execute(
                "return [document.body && document.body.dataset.first || null, \
                 (document.querySelector('h1') || {}).textContent || null, location.pathname]",
                vec![],
            )
            .await
            .unwrap_or(Value::Null);
        if seen[0].is_null() && !seen[1].is_null() {
            break seen;
        }
        assert!(Instant::now() < deadline, "no retry: {seen}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        retried,
        json!([
            null,
            "Your sandbox is not ready yet",
            format!("/s/{}/start", links[0].token.as_str())
        ])
    );

    // Room comes; the next try starts the learner's sandbox.
    server.app.service.destroy(bobs.id).await.unwrap();
    browser
        .wait_text("#scenario-title", "the learner's page", |t| t == "Tiny")
        .await;
    let path = b.execute("return location.pathname", vec![]).await.unwrap();
    assert_eq!(path, json!(format!("/s/{}", links[0].token.as_str())));
    let counts = server
        .app
        .store
        .state_counts(Some(*cohort.id))
        .await
        .unwrap();
    assert_eq!(counts.claimed, 1, "{counts:?}");

    browser.close().await;
    server
        .app
        .service
        .teardown_cohort(*cohort.id)
        .await
        .unwrap();
    server.assert_nothing_left().await;
}
