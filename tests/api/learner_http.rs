//! The learner's page and Check over real HTTP, on the real engine: links
//! are capabilities, unknown ones all look the same, checks are recorded
//! before they are answered, pages come in French and English.

use crate::common::http::client;
use crate::common::server::TestServer;
use crate::common::{Cleanup, fixture_scenarios, repo_scenarios, test_app};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, ORIGIN};
use sandpit::sandbox::LinkToken;

/// Presses Check as the page's script does, and returns the answer.
async fn check_json(http: &reqwest::Client, url: &str) -> serde_json::Value {
    let response = http
        .post(url)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

/// The text of a page, tags removed, so that class names do not count.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn link_page_shows_the_first_step_and_unknown_links_all_get_the_same_404() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let http = client();

    let page = http.get(server.link_url(&token)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<h1 id=\"scenario-title\">Tiny</h1>"),
        "{html}"
    );
    assert!(html.contains("Make a file"));
    assert!(
        html.contains("<code>done.txt</code>"),
        "instructions are rendered Markdown"
    );
    assert!(html.contains("0 of 1 steps done"));
    assert!(html.contains(">Check</button>"));
    // Without script the end reads in the server's zone, named; an idle
    // deadline past the 5-minute end is not worth a line.
    let expires = server
        .app
        .store
        .lifecycle(sandbox.id)
        .await
        .unwrap()
        .expires_at
        .unwrap();
    assert!(
        visible_text(&html).contains(&format!(
            "Ends at  {}",
            server.app.config.time_zone.clock(expires)
        )),
        "{html}"
    );
    assert!(html.contains("<p class=\"time-idle\" hidden>"), "{html}");

    let unknown = http
        .get(format!(
            "{}/s/{}",
            server.url,
            LinkToken::generate().as_str()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let unknown_body = unknown.text().await.unwrap();
    let garbage = http
        .get(format!("{}/s/not-a-token", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::NOT_FOUND);
    assert_eq!(garbage.text().await.unwrap(), unknown_body);

    // The holder of a real link whose sandbox went is told so (410, see
    // tests/api/learner_ended.rs); nobody else learns anything.
    server.app.service.destroy(sandbox.id).await.unwrap();
    let ended = http.get(server.link_url(&token)).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::GONE);
    assert_ne!(ended.text().await.unwrap(), unknown_body);
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn check_fails_then_passes_after_solve_and_the_completion_is_stored_before_the_answer() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let http = client();
    let check_url = format!("{}/check/make-file", server.link_url(&token));

    let fail = check_json(&http, &check_url).await;
    assert_eq!(fail["outcome"], "failed");
    assert_eq!(
        fail["feedback"],
        "There is no done.txt in /home/learner yet."
    );
    assert_eq!(fail["completed"], false);

    server.solve(sandbox.id, "tiny", "make-file").await;

    let pass = check_json(&http, &check_url).await;
    assert_eq!(pass["outcome"], "passed");
    assert_eq!(pass["first_pass"], true);
    assert_eq!(pass["completed"], true);
    let completions = server.app.store.completions(sandbox.id).await.unwrap();
    assert!(completions.contains_key("make-file"));
    assert_eq!(
        server.app.store.attempts(sandbox.id).await.unwrap().len(),
        2
    );

    // Progress comes from the store: a reload shows it.
    let html = http
        .get(server.link_url(&token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("1 of 1 steps done"), "{html}");
    assert!(html.contains("All done!"));

    // Without JavaScript the form posts and comes back to the step.
    let form = http.post(&check_url).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        form.headers()["location"],
        format!("/s/{}?step=make-file", token.as_str())
    );
    let html = http
        .get(format!("{}?step=make-file", server.link_url(&token)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Found done.txt."),
        "the last attempt's feedback is shown"
    );

    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn locked_steps_unknown_exercises_and_cross_site_posts_are_refused() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("slow", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let http = client();
    let base = server.link_url(&token);

    let locked = http
        .post(format!("{base}/check/hang"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), StatusCode::CONFLICT);
    assert_eq!(
        locked.text().await.unwrap(),
        "Finish the earlier steps first."
    );
    let unknown = http
        .post(format!("{base}/check/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let bad_id = http
        .post(format!("{base}/check/..%2Fx"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), StatusCode::NOT_FOUND);
    let cross = http
        .post(format!("{base}/check/wait-a-bit"))
        .header(ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert!(
        server
            .app
            .store
            .attempts(sandbox.id)
            .await
            .unwrap()
            .is_empty(),
        "no refused check was run"
    );

    // A locked step cannot be opened either: the current one is shown.
    let html = http
        .get(format!("{base}?step=hang"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-exercise=\"wait-a-bit\""));

    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn pages_are_french_for_french_browsers_and_english_otherwise_with_no_key_showing() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("git-basics", "Amélie").await;
    cleanup.ids.push(sandbox.id);
    let http = client();
    let url = server.link_url(&token);
    let keys: Vec<String> =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en/main.ftl"))
            .unwrap()
            .lines()
            .filter(|l| l.contains(" = ") && !l.starts_with(' '))
            .map(|l| l.split(" = ").next().unwrap().to_owned())
            .collect();

    let fr = http
        .get(&url)
        .header(ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fr.contains("<html lang=\"fr\">"));
    assert!(fr.contains(">Vérifier</button>"), "{fr}");
    assert!(fr.contains("0 étape(s) sur 8 terminée(s)"));
    let en = http
        .get(&url)
        .header(ACCEPT_LANGUAGE, "de-DE,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains(">Check</button>"));
    // The scenario's own instructions follow the language.
    let ex = &server.app.scenario("git-basics").unwrap().exercises[0];
    let fr_title = ex.title.get("fr");
    assert_ne!(fr_title, ex.title.get("en"));
    assert!(
        fr.contains(&format!("Étape 1 — {fr_title}")),
        "French title shown: {fr_title}"
    );
    assert!(en.contains(&format!("Step 1 — {}", ex.title.get("en"))));
    for page in [&fr, &en] {
        let text = visible_text(page);
        for key in keys.iter().filter(|k| k.contains('-')) {
            assert!(
                !text.contains(key.as_str()),
                "untranslated key `{key}` shows"
            );
        }
    }

    // The switch sets a cookie that wins over the browser's language.
    let switched = http
        .get(format!("{url}?lang=fr"))
        .header(ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap();
    let cookie = switched.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("sandpit_lang=fr;"), "{cookie}");
    let again = http
        .get(&url)
        .header("cookie", "sandpit_lang=fr")
        .header(ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains(">Vérifier</button>"));

    // The 404 page is translated too.
    let missing = http
        .get(format!("{}/nowhere", server.url))
        .header(ACCEPT_LANGUAGE, "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("Rien ici"));

    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn path_tricks_and_bad_bytes_get_a_4xx_never_a_file_or_a_5xx() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let http = client();
    for path in [
        "/s/..%2F..%2FCargo.toml",
        "/s/%2e%2e/%2e%2e/Cargo.toml",
        "//s//x",
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/..%2FCargo.toml",
        "/s/%ff%fe",
        "/s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/check/%ff",
    ] {
        let r = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
        let body = r.text().await.unwrap();
        assert!(!body.contains("[package]"), "{path} leaked a file");
    }
    let css = http
        .get(format!("{}/static/app.css", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(css.headers()["content-type"], "text/css");
}
