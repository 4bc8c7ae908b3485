//! A scenario's `assets/`: git-basics' diagram of the three steps of a
//! commit, shown in the instructions of its third exercise (the first
//! commit), in a real
//! Chromium, in English and in French (each language its own drawing);
//! served with its content type to anyone who asks its exact path, and
//! nothing else under `/scenarios/…/assets/` (unknown files, other
//! scenarios, dot segments, the scenario's own scripts).

use crate::common;
use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{Cleanup, test_app};

/// The width the browser drew the instructions' image at from its file
/// (0 while it has not loaded, or if it could not).
async fn drawn_width(browser: &Browser) -> u64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let width = browser
            .client
            .execute(
                "const i = document.querySelector('.instructions img'); return i && i.complete ? i.naturalWidth : 0;",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(0);
        if width > 0 || std::time::Instant::now() > deadline {
            return width;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instructions_show_the_scenarios_own_image_in_each_language() {
    let server = TestServer::start(test_app(common::repo_scenarios()).await).await;
    let http = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let asset = |path: &str| format!("{base}/scenarios/git-basics/assets/{path}");

    let svg = http.get(asset("three-steps.svg")).send().await.unwrap();
    assert_eq!(svg.status(), reqwest::StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert_eq!(svg.headers()["x-content-type-options"], "nosniff");
    assert!(svg.text().await.unwrap().starts_with("<svg"));
    for missing in [
        asset("nothing.svg"),
        asset("..%2Fsetup"),
        asset("%2E%2E/scenario.toml"),
        format!("{base}/scenarios/git-basics/assets/../setup"),
        format!("{base}/scenarios/no-such/assets/three-steps.svg"),
        format!("{base}/scenarios/wiki-basics/assets/three-steps.svg"),
    ] {
        let status = http.get(&missing).send().await.unwrap().status();
        assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "{missing}");
    }

    // The second exercise, once the first is passed, shows the drawing.
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("git-basics", "Ada").await;
    cleanup.ids.push(sandbox.id);
    server.solve(sandbox.id, "git-basics", "set-identity").await;
    server
        .solve(sandbox.id, "git-basics", "inspect-history")
        .await;
    for (lang, file) in [
        ("en-US", "three-steps.svg"),
        ("fr-FR", "three-steps-fr.svg"),
    ] {
        let browser = Browser::start_in(lang).await;
        if lang == "en-US" {
            // The first two steps pass, and the page moves on to the third.
            browser.open(&server.link_url(&token), "button.check").await;
            for _ in 0..2 {
                let verdict = browser.check().await;
                assert!(verdict.contains("Passed!"), "{verdict}");
                browser.find(".next-link").await.click().await.unwrap();
            }
        } else {
            // Open again at the third step, now unlocked.
            browser
                .open(
                    &format!("{}?step=first-commit", server.link_url(&token)),
                    "button.check",
                )
                .await;
        }
        browser
            .wait_text("#exercise h2", "the third step", |t| t.contains("3"))
            .await;
        let image = browser.find(".instructions img").await;
        let src = image.attr("src").await.unwrap().unwrap_or_default();
        assert_eq!(
            src,
            format!("/scenarios/git-basics/assets/{file}"),
            "{lang}"
        );
        assert!(
            image
                .attr("alt")
                .await
                .unwrap()
                .is_some_and(|a| a.contains("git commit")),
            "{lang}: the drawing is described"
        );
        assert!(
            drawn_width(&browser).await > 0,
            "{lang}: the drawing loaded"
        );
        browser.close().await;
    }
    server.finish(sandbox.id).await;
}
