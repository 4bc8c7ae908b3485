//! The wiki scenario in a real headless Chromium, as a learner uses it: the
//! page opens on the wiki, the learner signs in and writes a page inside
//! the learner page's frame, and the check passes. MediaWiki forbids
//! framing its login and edit pages and keeps its session in a cookie, so
//! this proves both halves of "a tool works inside the frame": the proxy
//! lets Sandpit's page (and only it) frame the tool, and the tool's cookies
//! are kept there (Sandpit and its tools are one site).

use crate::common::Cleanup;
use crate::common::browser::Browser;
use crate::common::server::served_as_by_default;
use fantoccini::Locator;

#[tokio::test]
async fn learner_signs_in_to_the_wiki_and_writes_their_page_inside_the_frame_then_passes() {
    let server = served_as_by_default().await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("wiki-basics", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let browser = Browser::start().await;
    let b = &browser.client;

    b.goto(&server.link_url(&token)).await.unwrap();
    // A web-only scenario opens on its tool: no terminal tab at all.
    let tab = browser.find("#tab-web-8080").await;
    assert_eq!(
        tab.attr("aria-selected").await.unwrap().as_deref(),
        Some("true")
    );
    assert!(
        b.find(Locator::Css("#tab-terminal")).await.is_err(),
        "a web-only scenario has no terminal tab"
    );
    let new_tab = browser.find("#pane-web-8080 .open-tab a").await;
    let frame = browser.find("#pane-web-8080 iframe").await;
    let src = frame.attr("src").await.unwrap().unwrap_or_default();
    assert!(
        src.starts_with(&format!(
            "http://8080-{}.sandpit.localhost:{}/",
            token.web_key().as_str(),
            server.addr.port()
        )),
        "the tool has its own origin under Sandpit's site: {src}"
    );
    assert_eq!(
        new_tab.attr("href").await.unwrap().as_deref(),
        Some(src.as_str()),
        "the tool can also be opened in a tab of its own"
    );
    assert_eq!(
        new_tab.attr("target").await.unwrap().as_deref(),
        Some("_blank")
    );

    frame.enter_frame().await.unwrap();
    let saved = browser
        .write_wiki_user_page(
            "Hello! I'm Ada, the new colleague in the finance team.\n\
             I'm learning how our wiki works, so that I can keep our pages up to date.",
            "the new colleague in the finance team",
        )
        .await;
    assert!(saved.contains("keep our pages up to date"), "{saved}");
    b.enter_parent_frame().await.unwrap();
    browser.screenshot("/tmp/sandpit-e2e-wiki.png").await;

    // The check reads the wiki: the page exists, written by Learner.
    browser.find("button.check").await.click().await.unwrap();
    let feedback = browser
        .wait_text(".feedback", "the check's verdict", |t| {
            t.contains("Passed!") || t.contains("Not yet.") || t.contains("error")
        })
        .await;
    assert!(
        feedback.contains("Passed!") && feedback.contains("Your user page exists."),
        "{feedback}"
    );

    browser.close().await;
    server.finish(sandbox.id).await;
}

/// A page of another site that frames `url`.
async fn framing_page(url: String) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let html = format!("<!doctype html><title>elsewhere</title><iframe src=\"{url}\"></iframe>");
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(html) }),
    );
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (addr, task)
}

#[tokio::test]
async fn a_page_of_another_site_cannot_frame_the_wikis_login_page() {
    let server = served_as_by_default().await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("wiki-basics", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let login = format!(
        "http://8080-{}.sandpit.localhost:{}/index.php/Special:UserLogin",
        token.web_key().as_str(),
        server.addr.port()
    );
    // Wait for the wiki to answer before a browser asks for it.
    let http = reqwest::Client::builder()
        .resolve(
            &format!("8080-{}.sandpit.localhost", token.web_key().as_str()),
            server.addr,
        )
        .build()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let headers = loop {
        if let Ok(r) = http.get(&login).send().await
            && r.status().is_success()
        {
            break r.headers().clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the wiki never answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert!(
        headers.get("x-frame-options").is_none(),
        "the tool's X-Frame-Options is replaced"
    );
    let policies: Vec<_> = headers
        .get_all("content-security-policy")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let ancestors: Vec<_> = policies
        .iter()
        .filter(|p| p.contains("frame-ancestors"))
        .collect();
    assert_eq!(
        ancestors,
        [&format!(
            "frame-ancestors 'self' http://sandpit.localhost:{}",
            server.addr.port()
        )],
        "only Sandpit's pages may frame the tool: {policies:?}"
    );

    let (elsewhere, page) = framing_page(login.clone()).await;
    let browser = Browser::start().await;
    let b = &browser.client;
    b.goto(&format!("http://{elsewhere}/")).await.unwrap();
    let frame = browser.find("iframe").await;
    // Give the frame time to load (or be refused).
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    frame.enter_frame().await.unwrap();
    let url = b.current_url().await.map(|u| u.to_string());
    let inside: String = b
        .execute("return document.URL", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        inside.starts_with("chrome-error://"),
        "the browser refused to show the wiki in another site's frame: {inside} ({url:?})"
    );
    assert!(
        b.find(Locator::Css("#wpPassword1")).await.is_err(),
        "no password field of the wiki inside another site's page"
    );
    browser.close().await;
    page.abort();
    server.finish(sandbox.id).await;
}
