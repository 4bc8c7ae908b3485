//! Live help on the real engine: a learner asks for help; their cohort's
//! ambassador (a learner, through their own link) sees the call, watches
//! the peer's live terminal and cannot type; the peer lets them type and a
//! command of theirs runs in the peer's shell; the peer stops them and the
//! very next keystroke is refused. A learner who is no ambassador, an
//! ambassador of another cohort, a cross-site page: 403, on the page and on
//! the websocket. The trainer watches through their own pages. Each help
//! session is kept: who, whom, on what, the call it answered, the grant.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use sandpit::sandbox::LinkToken;
use sandpit::store::{Care, Helper, Learner, Role};

use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};
use crate::terminal::client::{Term, status_of};

/// A learner presses Start: their sandbox is claimed for real.
async fn start(server: &TestServer, learner: &Learner) -> LinkToken {
    let url = server.learner_url(learner);
    let started = server.post_form(&format!("{url}/start"), &[]).await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER, "{learner:?}");
    let learners = server.app.store.learners(*learner.cohort_id).await.unwrap();
    let now = learners.iter().find(|l| l.id == learner.id).unwrap();
    assert_eq!(now.sandbox_state.as_deref(), Some("claimed"), "{now:?}");
    server.app.service.learner_token(*learner.id)
}

/// Tom's cohort "Tuesday" of `scenario` with Ada, its ambassador, and
/// Ben, both started: the cohort, its learners and their links.
async fn ada_helps_ben(
    server: &TestServer,
    tom: &Signed,
    scenario: &str,
) -> (sandpit::store::Cohort, Vec<Learner>, LinkToken, LinkToken) {
    let app = &server.app;
    let (cohort, learners) = crate::records::cohort(
        app,
        &tom.user,
        scenario,
        "Tuesday",
        ["Ada", "Ben"]
            .iter()
            .map(|n| crate::records::entry(n, None, None))
            .collect(),
    )
    .await;
    app.community
        .add_ambassador(
            &tom.user,
            Helper::Learner(*learners[0].id),
            Care::Cohort(*cohort.id),
        )
        .await
        .unwrap();
    let ada_link = start(server, &learners[0]).await;
    let ben_link = start(server, &learners[1]).await;
    (cohort, learners, ada_link, ben_link)
}

fn ws_url(server: &TestServer, path: &str) -> String {
    format!("ws://{}{path}", server.addr)
}

/// Waits until `term` was told whether it may type, and that it is `may`.
async fn told(term: &mut Term, may: bool) {
    term.wait_for(&format!("being told typing={may}"), |t| {
        t.may_type == Some(may)
    })
    .await;
}

#[tokio::test]
async fn a_peer_lets_their_ambassador_type_then_stops_them_at_once() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let tom = Signed::new(&server, "tom", Role::Trainer).await;
    let entries = |names: &[&str]| {
        names
            .iter()
            .map(|n| crate::records::entry(n, None, None))
            .collect()
    };
    let (tuesday, learners) = crate::records::cohort(
        app,
        &tom.user,
        "tiny",
        "Tuesday",
        entries(&["Ada", "Ben", "Cy"]),
    )
    .await;
    let (ada, ben, cy) = (&learners[0], &learners[1], &learners[2]);
    let (friday, others) =
        crate::records::cohort(app, &tom.user, "tiny", "Friday", entries(&["Dan"])).await;
    let dan = &others[0];
    for (who, cohort) in [(ada, &tuesday), (dan, &friday)] {
        app.community
            .add_ambassador(
                &tom.user,
                Helper::Learner(*who.id),
                Care::Cohort(*cohort.id),
            )
            .await
            .unwrap();
    }
    let ada_link = start(&server, ada).await;
    let ben_link = start(&server, ben).await;
    let cy_link = start(&server, cy).await;
    let dan_link = start(&server, dan).await;
    let url = |t: &LinkToken| server.link_url(t);

    // Ben asks for help; Ada's board lists him with a way to watch.
    let asked = server
        .post_form(
            &format!("{}/help/make-file", url(&ben_link)),
            &[("message", "where does the file go?")],
        )
        .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let board = reqwest::get(format!("{}/ambassador", url(&ada_link)))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(board.contains("where does the file go?"), "{board}");
    assert!(
        board.contains(&format!("name=\"learner\" value=\"{}\"", ben.id)),
        "{board}"
    );

    // She starts helping him: a page with his live terminal.
    let started = server
        .post_form(
            &format!("{}/watch", url(&ada_link)),
            &[("learner", &ben.id.to_string())],
        )
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let page_path = started.headers()[LOCATION].to_str().unwrap().to_owned();
    let session: uuid::Uuid = page_path
        .split('/')
        .nth(4)
        .and_then(|s| s.split('?').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a session in {page_path}"));
    let page = reqwest::get(format!("{}{page_path}", server.url))
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Helping Ben"), "{page}");
    assert!(
        page.contains(&format!(
            "/s/{}/watch/{session}/terminal",
            ada_link.as_str()
        )),
        "{page}"
    );

    // Ben's terminal and Ada's view of it: the same screen, live.
    let mut ben_term = Term::connect(
        &ws_url(&server, &format!("/s/{}/terminal", ben_link.as_str())),
        Some(&server.url),
    )
    .await
    .unwrap();
    let ada_path = format!("/s/{}/watch/{session}/terminal", ada_link.as_str());
    let mut ada_term = Term::connect(&ws_url(&server, &ada_path), Some(&server.url))
        .await
        .unwrap();
    told(&mut ada_term, false).await;
    // Three connections to her session at most: Ben's own terminal keeps
    // its room among the viewers.
    let mut tabs = Vec::new();
    for _ in 0..2 {
        tabs.push(
            Term::connect(&ws_url(&server, &ada_path), Some(&server.url))
                .await
                .unwrap(),
        );
    }
    let fourth = Term::connect(&ws_url(&server, &ada_path), Some(&server.url)).await;
    assert_eq!(status_of(fourth), 429);
    for tab in tabs {
        tab.close().await;
    }
    ben_term.run("echo ben-$((6*7))", "ben-42").await;
    ada_term.wait_text("ben-42").await;

    // He sees who watches.
    let watchers: serde_json::Value = reqwest::get(format!("{}/watchers", url(&ben_link)))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(watchers[0]["name"], "Ada", "{watchers}");
    assert_eq!(watchers[0]["typing"], false);
    assert_eq!(watchers[0]["connected"], true);
    assert_eq!(watchers[0]["text"], "Ada is watching your terminal.");

    // Read only: her keys are refused and never reach his shell.
    ada_term.input("echo ada-$((1+1))\r").await;
    ada_term.wait_for("a refusal", |t| t.refused == 1).await;
    ben_term.run("echo mark-$((2+3))", "mark-5").await;
    assert!(!ben_term.shows("ada"), "{}", ben_term.text());
    // Nor does her window resize his terminal.
    let size = ben_term.size;
    ada_term.resize(10, 40).await;
    ben_term.run("echo size-$((3+3))", "size-6").await;
    assert_eq!(ben_term.size, size);

    // He lets her type: her command runs in his shell.
    let typing = format!("{}/watchers/{session}", url(&ben_link));
    let let_her = server.post_form(&typing, &[("allow", "1")]).await;
    assert_eq!(let_her.status(), StatusCode::SEE_OTHER);
    told(&mut ada_term, true).await;
    ada_term.input("echo ada-$((1+1))\r").await;
    ben_term.wait_text("ada-2").await;
    ada_term.wait_text("ada-2").await;

    // He stops her: the next keystroke is refused.
    let stop_her = server.post_form(&typing, &[("allow", "0")]).await;
    assert_eq!(stop_her.status(), StatusCode::SEE_OTHER);
    ada_term.input("echo ada-$((4+4))\r").await;
    ada_term
        .wait_for("a second refusal", |t| t.refused == 2)
        .await;
    ben_term.run("echo mark-$((5+5))", "mark-10").await;
    assert!(!ben_term.shows("ada-8"), "{}", ben_term.text());
    assert_eq!(ada_term.may_type, Some(false));

    // Bad and foreign requests change nothing.
    let bad = server.post_form(&typing, &[("allow", "maybe")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("`allow` must be 1"));
    let not_his = server
        .post_form(
            &format!("{}/watchers/{}", url(&cy_link), session),
            &[("allow", "1")],
        )
        .await;
    assert_eq!(not_his.status(), StatusCode::NOT_FOUND);
    let cross_site = reqwest::Client::new()
        .post(&typing)
        .header("origin", "https://evil.example")
        .form(&[("allow", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);

    // Cy is no ambassador; Dan is Friday's: neither may watch Ben, on the
    // page or on the websocket, nor join Ada's session.
    for link in [&cy_link, &dan_link] {
        let refused = server
            .post_form(
                &format!("{}/watch", url(link)),
                &[("learner", &ben.id.to_string())],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{}", link.as_str());
        let page = reqwest::get(format!("{}/watch/{session}", url(link)))
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN);
        let ws = ws_url(
            &server,
            &format!("/s/{}/watch/{session}/terminal", link.as_str()),
        );
        assert_eq!(status_of(Term::connect(&ws, Some(&server.url)).await), 403);
    }
    // Nor may another site open Ada's view.
    let evil = Term::connect(&ws_url(&server, &ada_path), Some("https://evil.example")).await;
    assert_eq!(status_of(evil), 403);

    // Tom, the trainer, watches Ben from his own pages; Eve, a trainer of
    // other cohorts, may not.
    let watch = tom
        .post("/trainer/help/watch", &[("learner", &ben.id.to_string())])
        .await;
    let tom_page = Signed::location(&watch);
    let (status, body) = tom.page(&tom_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Helping Ben"), "{body}");
    let tom_session = tom_page
        .trim_start_matches("/trainer/watch/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws_url(
            &server,
            &format!("/trainer/watch/{tom_session}/terminal"),
        ))
        .unwrap();
    request
        .headers_mut()
        .insert("origin", server.url.parse().unwrap());
    request
        .headers_mut()
        .insert(COOKIE, tom.cookie.parse().unwrap());
    let (mut tom_ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let first = futures_util::StreamExt::next(&mut tom_ws)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        first.to_text().unwrap(),
        r#"{"type":"access","typing":false}"#
    );
    let eve = Signed::new(&server, "eve", Role::Trainer).await;
    let refused = eve
        .post("/trainer/help/watch", &[("learner", &ben.id.to_string())])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let (status, _) = eve.page(&tom_page).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    drop(tom_ws);

    // From her help page she can replay what Ben did; Cy cannot.
    let recordings = app.store.learner_recordings(*ben.id).await.unwrap();
    let replay = format!(
        "/s/{}/watch/{session}/replays/{}",
        ada_link.as_str(),
        recordings[0].id
    );
    let page = reqwest::get(format!("{}{page_path}", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&replay), "{page}");
    let mut frames = String::new();
    for _ in 0..50 {
        frames = reqwest::get(format!("{}{replay}/frames", server.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if frames.contains("ben-42") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(frames.contains("ben-42"), "{frames}");
    let cy_replay = replay.replace(ada_link.as_str(), cy_link.as_str());
    let refused = reqwest::get(format!("{}{cy_replay}/frames", server.url))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Ada leaves: her session ends, and is kept.
    ada_term.close().await;
    crate::records::eventually(
        std::time::Duration::from_secs(10),
        "the session to end",
        || async {
            app.store
                .help_session(session)
                .await
                .unwrap()
                .is_some_and(|s| s.ended_at.is_some())
        },
    )
    .await;
    let kept = app.store.help_session(session).await.unwrap().unwrap();
    assert_eq!(kept.learner_name, "Ben");
    assert_eq!(kept.helper_name, "Ada");
    assert_eq!(kept.helper(), Some(Helper::Learner(*ada.id)));
    assert_eq!(kept.exercise_id.as_deref(), Some("make-file"));
    assert!(kept.request_id.is_some(), "it answered Ben's call");
    assert_eq!((kept.grants, kept.typing), (1, false));
    let watchers: serde_json::Value = reqwest::get(format!("{}/watchers", url(&ben_link)))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        watchers
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["name"] != "Ada"),
        "{watchers}"
    );
    // Ended sessions cannot be joined again after a while, nor typed in.
    assert_eq!(
        server.post_form(&typing, &[("allow", "1")]).await.status(),
        StatusCode::NOT_FOUND
    );
    // Both sessions count in the programme's help indicator: Ada's answered
    // Ben's call.
    let programme = app
        .programmes
        .create(
            &tom.user,
            sandpit::programme::CreateProgramme {
                name: "Adopting the wiki".into(),
                summary: String::new(),
                time_zone: Some("Europe/Paris".into()),
                phases: vec![],
                scenarios: vec![sandpit::programme::ProgrammeScenario {
                    scenario: "tiny".into(),
                    phase: "realise".into(),
                }],
            },
        )
        .await
        .unwrap();
    app.programmes
        .attach_cohort(&tom.user, *programme.id, *tuesday.id, "realise")
        .await
        .unwrap();
    let api = crate::common::api::Api::new(&server, Some(&tom.token(&server).await));
    let help = api
        .get(&format!("/programmes/{}/indicators/help", programme.id))
        .await
        .body;
    assert_eq!(
        (
            &help["calls"],
            &help["calls_answered"],
            &help["sessions"],
            &help["learners"]
        ),
        (&1.into(), &1.into(), &2.into(), &1.into()),
        "{help}"
    );
    let helpers: Vec<(&str, &str)> = help["helpers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["name"].as_str().unwrap(), h["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(helpers, [("Ada", "ambassador"), ("tom", "account")]);

    ben_term.close().await;
    for cohort in [&tuesday, &friday] {
        app.service.teardown_cohort(*cohort.id).await.unwrap();
    }
    server.assert_nothing_left().await;
}

/// The same in two real Chromium windows: the learner's page and the
/// ambassador's, each with the terminal the learner's shell draws.
#[tokio::test]
async fn in_a_real_browser_the_learner_lets_the_ambassador_type_with_a_button_and_stops_them() {
    use crate::common::browser::Browser;
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let tom = Signed::new(&server, "tom", Role::Trainer).await;
    let (cohort, _, ada_link, ben_link) = ada_helps_ben(&server, &tom, "tiny").await;
    let asked = server
        .post_form(
            &format!("{}/help/make-file", server.link_url(&ben_link)),
            &[("message", "stuck on the file")],
        )
        .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);

    let ben_window = Browser::start().await;
    ben_window
        .client
        .goto(&server.link_url(&ben_link))
        .await
        .unwrap();
    ben_window
        .wait_text(".term-status", "his terminal", |t| t.contains("connected"))
        .await;
    ben_window.watch_script_errors().await;
    let ada_window = Browser::start().await;
    ada_window
        .client
        .goto(&format!("{}/ambassador", server.link_url(&ada_link)))
        .await
        .unwrap();
    ada_window
        .wait_text("#peers", "Ben's call", |t| t.contains("stuck on the file"))
        .await;
    ada_window
        .find(".watch-form button")
        .await
        .click()
        .await
        .unwrap();
    ada_window
        .wait_text("h1", "the help page", |t| t == "Helping Ben")
        .await;
    ada_window
        .wait_text(".term-status", "read only", |t| t.contains("read only"))
        .await;
    ada_window.watch_script_errors().await;
    ben_window
        .wait_text(".watchers", "who watches", |t| {
            t.contains("Ada is watching your terminal.")
        })
        .await;

    // What he types, she sees.
    let his = ben_window.find(".terminal").await;
    his.click().await.unwrap();
    his.send_keys("echo ben-$((6*7))\u{E007}").await.unwrap();
    ada_window
        .wait_text(".term-screen", "his command's output", |t| {
            t.contains("ben-42")
        })
        .await;
    // What she types does not reach his shell.
    let hers = ada_window.find(".terminal").await;
    hers.click().await.unwrap();
    hers.send_keys("echo ada-$((1+1))\u{E007}").await.unwrap();
    ada_window
        .wait_text(".term-status", "the refusal", |t| t.contains("not sent"))
        .await;
    his.send_keys("echo mark-$((2+3))\u{E007}").await.unwrap();
    let screen = ben_window
        .wait_text(".term-screen", "his marker", |t| t.contains("mark-5"))
        .await;
    assert!(!screen.contains("ada-"), "{screen}");

    // He lets her type, with the button by her name.
    ben_window
        .find(".watchers button")
        .await
        .click()
        .await
        .unwrap();
    ben_window
        .wait_text(".watchers", "the grant", |t| t.contains("may type in it"))
        .await;
    ada_window
        .wait_text(".term-status", "may type", |t| t.contains("lets you type"))
        .await;
    hers.send_keys("echo ada-$((2+2))\u{E007}").await.unwrap();
    ben_window
        .wait_text(".term-screen", "her command's output", |t| {
            t.contains("ada-4")
        })
        .await;

    // He stops her: her next keys are refused.
    ben_window
        .wait_text(".watchers button", "the stop button", |t| {
            t == "Stop Ada typing"
        })
        .await;
    ben_window
        .find(".watchers button")
        .await
        .click()
        .await
        .unwrap();
    ada_window
        .wait_text(".term-status", "read only again", |t| {
            t.contains("read only")
        })
        .await;
    hers.send_keys("echo ada-$((3+3))\u{E007}").await.unwrap();
    ada_window
        .wait_text(".term-status", "the refusal", |t| t.contains("not sent"))
        .await;
    his.send_keys("echo mark-$((5+5))\u{E007}").await.unwrap();
    let screen = ben_window
        .wait_text(".term-screen", "his marker", |t| t.contains("mark-10"))
        .await;
    assert!(!screen.contains("ada-6"), "{screen}");
    for window in [&ada_window, &ben_window] {
        assert_eq!(window.script_errors().await, serde_json::json!([]));
    }

    ada_window.close().await;
    ben_window.close().await;
    app.service.teardown_cohort(*cohort.id).await.unwrap();
    server.assert_nothing_left().await;
}

/// The peer's tool (its web UI) is shown to the helper too, read only,
/// through a key of the help session's own.
#[tokio::test]
async fn an_ambassador_sees_the_peers_tool_read_only_through_a_key_of_their_own() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let tom = Signed::new(&server, "tom", Role::Trainer).await;
    let (cohort, learners, ada_link, ben_link) = ada_helps_ben(&server, &tom, "web").await;
    let ben = &learners[1];
    let started = server
        .post_form(
            &format!("{}/watch", server.link_url(&ada_link)),
            &[("learner", &ben.id.to_string())],
        )
        .await;
    let page_path = started.headers()[LOCATION].to_str().unwrap().to_owned();
    let page = reqwest::get(format!("{}{page_path}", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The page frames the tool on a host of the session's own key.
    let at = page.find("://8080-").unwrap_or_else(|| panic!("{page}")) + "://8080-".len();
    let key = &page[at..at + page[at..].find('.').unwrap()];
    assert_ne!(
        key,
        ben_link.web_key().as_str(),
        "never the learner's own key"
    );
    assert!(page.contains("Echo"), "{page}");
    let host = format!("8080-{key}.sandpit.localhost");
    let addr = server.addr;
    let (status, answer) = crate::proxy::raw(addr, &crate::proxy::get("/echo", &host)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer.to_lowercase().contains("x-upstream: echo"),
        "{answer}"
    );
    // Nothing can be changed through it.
    let post = format!(
        "POST /echo HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    );
    let (status, answer) = crate::proxy::raw(addr, &post).await;
    assert_eq!(status, 405, "{answer}");
    assert!(answer.contains("read-only view"), "{answer}");
    let mut upgrade =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{addr}/ws"
        ))
        .unwrap();
    upgrade.headers_mut().insert("host", host.parse().unwrap());
    match tokio_tungstenite::connect_async(upgrade).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 405),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a socket opened through a read-only view"),
    }
    // A key of no session opens nothing; once the session ends, neither
    // does this one.
    let other = format!("8080-{}.sandpit.localhost", "b".repeat(key.len()));
    assert_eq!(
        crate::proxy::raw(addr, &crate::proxy::get("/echo", &other))
            .await
            .0,
        404
    );
    let session: uuid::Uuid = page_path
        .split('/')
        .nth(4)
        .and_then(|s| s.split('?').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    app.store.end_help_session(session).await.unwrap();
    assert_eq!(
        crate::proxy::raw(addr, &crate::proxy::get("/echo", &host))
            .await
            .0,
        404
    );

    app.service.teardown_cohort(*cohort.id).await.unwrap();
    server.assert_nothing_left().await;
}
