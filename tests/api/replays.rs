//! Replays on the real engine: a learner works in their terminal and
//! checks twice (a fail, then a pass); their trainer finds the recording on
//! the learner's page, gets it as frames drawn by the server's screen
//! emulation (with a mark for each check) and as asciicast v2, and plays it
//! in a real Chromium: play, then a jump to the passing check shows the
//! screen as it was then. A trainer helping the learner live replays it
//! from the help page; another trainer gets nothing.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use sandpit::store::Role;
use serde_json::Value;

use crate::common::browser::Browser;
use crate::common::http::session_of;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, settled_account, test_app};
use crate::terminal::client::Term;

/// The text of a frame's rows.
fn rows_of(frame: &Value) -> Vec<String> {
    frame["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l[1].as_array()
                .unwrap()
                .iter()
                .map(|r| r["text"].as_str().unwrap())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_trainer_replays_a_learners_terminal_and_jumps_to_their_checks() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let (tom, password) = settled_account(app, "tom", Role::Trainer).await;
    let (cohort, learners) = crate::records::cohort(
        app,
        &tom,
        "tiny",
        "Tuesday",
        vec![crate::records::entry("Ada", None, None)],
    )
    .await;
    let ada = &learners[0];
    let url = server.learner_url(ada);
    let started = server.post_form(&format!("{url}/start"), &[]).await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let token = app.service.learner_token(*ada.id);

    // Ada works in her terminal: a check fails, she makes the file, it passes.
    let mut term = Term::connect(
        &format!("ws://{}/s/{}/terminal", server.addr, token.as_str()),
        Some(&server.url),
    )
    .await
    .unwrap();
    term.run("echo first-$((40+2))", "first-42").await;
    let check = format!("{url}/check/make-file");
    server.post_form(&check, &[]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    term.run("touch ~/done.txt && echo made-$((1+1))", "made-2")
        .await;
    server.post_form(&check, &[]).await;
    term.run("echo after-$((3+3))", "after-6").await;
    term.close().await;
    let recordings = app.store.learner_recordings(*ada.id).await.unwrap();
    assert_eq!(recordings.len(), 1, "{recordings:?}");
    let recording = &recordings[0];

    // Tom's learner page lists it.
    let cookie = session_of(&server.url, "tom", &password).await;
    let http = crate::common::http::client();
    let get = |path: String| {
        let (http, cookie, url) = (http.clone(), cookie.clone(), server.url.clone());
        async move {
            http.get(format!("{url}{path}"))
                .header(COOKIE, cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let learner_page = format!("/trainer/cohorts/{}/learners/{}", cohort.id, ada.id);
    let page = get(learner_page.clone()).await.text().await.unwrap();
    let player = format!("{learner_page}/replays/{}", recording.id);
    assert!(page.contains(&format!("href=\"{player}?lang")), "{page}");

    // Its frames: drawn by the server, the first full, with Ada's commands
    // and a mark for each check, in order. (The recording reaches its file
    // within a second or so.)
    let mut frames = Value::Null;
    for _ in 0..50 {
        frames = get(format!("{player}/frames")).await.json().await.unwrap();
        if frames.to_string().contains("after-6") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let all = frames["frames"].as_array().unwrap();
    assert_eq!(all[0]["frame"]["full"], true);
    assert_eq!((&frames["rows"], &frames["cols"]), (&24.into(), &80.into()));
    let shown: String = all
        .iter()
        .flat_map(|f| rows_of(&f["frame"]))
        .collect::<Vec<_>>()
        .join("\n");
    for text in ["first-42", "made-2", "after-6"] {
        assert!(shown.contains(text), "{text} in {shown}");
    }
    let marks = frames["marks"].as_array().unwrap();
    let labels: Vec<&str> = marks.iter().map(|m| m["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Make a file: Not yet", "Make a file: Passed"]);
    let (t1, t2) = (
        marks[0]["t"].as_f64().unwrap(),
        marks[1]["t"].as_f64().unwrap(),
    );
    assert!(0.0 < t1 && t1 + 1.0 < t2, "{marks:?}");
    assert!(t2 <= frames["duration"].as_f64().unwrap(), "{frames}");

    // As asciicast v2, for asciinema.
    let cast = get(format!("{player}/cast")).await;
    assert_eq!(cast.headers()[CONTENT_TYPE], "application/x-asciicast");
    let cast = cast.text().await.unwrap();
    let header: Value = serde_json::from_str(cast.lines().next().unwrap()).unwrap();
    assert_eq!(
        (&header["version"], &header["width"]),
        (&2.into(), &80.into())
    );
    assert!(cast.contains("made-"), "{cast}");

    // Another trainer, or another recording id: not found.
    let eve = Signed::new(&server, "eve", Role::Trainer).await;
    let (status, _) = eve.page(&format!("{player}/frames")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = eve.page(&player).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let elsewhere = format!("{learner_page}/replays/{}/frames", uuid::Uuid::new_v4());
    assert_eq!(get(elsewhere).await.status(), StatusCode::NOT_FOUND);

    // Helping Ada live, Tom replays her terminal from the help page too.
    let tom_pages = Signed {
        user: tom.clone(),
        http: http.clone(),
        url: server.url.clone(),
        cookie: cookie.clone(),
        csrf: crate::common::http::csrf_of(&get("/trainer".into()).await.text().await.unwrap()),
    };
    let watch = tom_pages
        .post("/trainer/help/watch", &[("learner", &ada.id.to_string())])
        .await;
    let watch_page = Signed::location(&watch);
    let session = watch_page
        .trim_start_matches("/trainer/watch/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let body = get(watch_page.clone()).await.text().await.unwrap();
    let helper_player = format!("/trainer/watch/{session}/replays/{}", recording.id);
    assert!(body.contains(&helper_player), "{body}");
    let helper_frames = get(format!("{helper_player}/frames")).await;
    assert_eq!(helper_frames.status(), StatusCode::OK);
    let (status, _) = eve.page(&format!("{helper_player}/frames")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // In a real browser: the player plays, and a mark jumps there.
    let browser = Browser::start().await;
    let c = &browser.client;
    c.goto(&format!("{}/login?next={player}", server.url))
        .await
        .unwrap();
    browser.sign_in_with("tom", &password).await;
    browser
        .wait_text(".term-status", "the replay loaded", |t| t == "replay")
        .await;
    browser.watch_script_errors().await;
    browser
        .wait_text(".replay-marks", "the marks", |t| {
            t.contains("Make a file: Not yet") && t.contains("Make a file: Passed")
        })
        .await;
    let speed = browser.find(".replay-speed").await;
    speed.select_by_value("8").await.unwrap();
    browser.find(".replay-play").await.click().await.unwrap();
    browser
        .wait_text(
            ".term-screen",
            "the replay reaching her last command",
            |t| t.contains("after-6"),
        )
        .await;
    // Jump to the pass: the screen as it was then, before "after-6".
    browser
        .find(".replay-mark.passed")
        .await
        .click()
        .await
        .unwrap();
    let screen = browser
        .wait_text(".term-screen", "the screen at the pass", |t| {
            t.contains("made-2") && !t.contains("after-6")
        })
        .await;
    assert!(screen.contains("first-42"), "{screen}");
    let clock = browser
        .wait_text(".replay-time", "the clock at the pass", |t| {
            t.contains(" / ")
        })
        .await;
    assert!(!clock.starts_with("0:00 /") || t2 < 1.0, "{clock}");
    assert_eq!(browser.script_errors().await, serde_json::json!([]));
    browser.close().await;

    app.service.teardown_cohort(*cohort.id).await.unwrap();
    server.assert_nothing_left().await;
}
