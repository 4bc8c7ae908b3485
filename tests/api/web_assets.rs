//! Sandpit's pages and files over real HTTP: every page's title names it
//! once (never "Sandpit · Sandpit"), the favicon is served, static files
//! carry an `ETag` and answer 304 to a browser that holds them, and
//! responses are compressed for clients that accept it, headers kept.

use crate::common;
use crate::common::http::{client, session_of};
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, settled_account, test_app};
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    COOKIE, ETAG, IF_NONE_MATCH,
};
use sandpit::store::Role;

/// The text of a page's `<title>`.
fn title_of(html: &str) -> String {
    let start = html.find("<title>").expect("a title") + "<title>".len();
    let end = html[start..].find("</title>").expect("a closed title");
    html[start..start + end].to_owned()
}

#[tokio::test]
async fn every_page_title_names_the_page_then_sandpit_once() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (token, sandbox) = server.link("tiny", "Ada").await;
    let (_, password) = settled_account(&server.app, "root", Role::Admin).await;
    let session = session_of(&server.url, "root", &password).await;
    let api = common::api::Api::new(&server, None);
    let (_, api_token) = common::api::account(&server, "tess", Role::Trainer).await;
    let created = common::api::Api {
        token: Some(api_token),
        ..api
    }
    .post(
        "/cohorts",
        Some(&serde_json::json!({
            "name": "Wave", "scenario": "tiny", "seats": 1,
            "starts_at": common::api::in_minutes(120), "ends_at": common::api::in_minutes(240),
        })),
    )
    .await;
    let cohort = created.body["id"].as_str().unwrap().to_owned();
    let learner = created.body["learners"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let http = client();
    let learner_link = server.link_url(&token);
    let pages: Vec<(String, &str)> = vec![
        ("/".into(), "Sandpit"),
        ("/?lang=fr".into(), "Sandpit"),
        ("/login".into(), "Sign in · Sandpit"),
        ("/login?lang=fr".into(), "Connexion · Sandpit"),
        ("/no/such/page".into(), "Nothing here · Sandpit"),
        (learner_link.clone(), "Tiny · Sandpit"),
        ("/trainer".into(), "Your cohorts · Sandpit"),
        ("/trainer?lang=fr".into(), "Vos cohortes · Sandpit"),
        ("/trainer/cohorts/new".into(), "New cohort · Sandpit"),
        (format!("/trainer/cohorts/{cohort}"), "Wave · Sandpit"),
        (
            format!("/trainer/cohorts/{cohort}/learners/{learner}"),
            "Seat 1 · Sandpit",
        ),
        ("/admin".into(), "Every sandbox · Sandpit"),
        ("/admin/xapi".into(), "xAPI delivery · Sandpit"),
        ("/account/password".into(), "Change your password · Sandpit"),
    ];
    for (path, expected) in pages {
        let url = if path.starts_with("http") {
            path.clone()
        } else {
            format!("{}{path}", server.url)
        };
        let r = http.get(url).header(COOKIE, &session).send().await.unwrap();
        let html = r.text().await.unwrap();
        let title = title_of(&html);
        assert_eq!(title, expected, "{path}");
        assert_eq!(title.matches("Sandpit").count(), 1, "{path}: {title}");
        assert!(
            html.contains(
                "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">"
            ),
            "{path} links the icon"
        );
    }
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn the_favicon_is_served_and_static_files_answer_304_to_their_etag() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let http = client();
    for path in ["/favicon.ico", "/static/favicon.svg"] {
        let r = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()[CONTENT_TYPE], "image/svg+xml", "{path}");
        let body = r.text().await.unwrap();
        assert!(
            body.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{path}"
        );
    }

    let url = format!("{}/static/app.css", server.url);
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[CACHE_CONTROL], "no-cache");
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with("W/\"") && etag.len() == 3 + 32 + 1,
        "{etag}"
    );
    let css = first.text().await.unwrap();
    assert!(css.contains("--accent"));

    let again = http
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], etag.as_str());
    assert!(again.headers().contains_key(CONTENT_SECURITY_POLICY));
    assert!(again.bytes().await.unwrap().is_empty());

    let other = http
        .get(&url)
        .header(IF_NONE_MATCH, "W/\"0123\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(other.text().await.unwrap(), css);
    let script = http
        .get(format!("{}/static/trainer.js", server.url))
        .send()
        .await
        .unwrap();
    assert_ne!(
        script.headers()[ETAG].to_str().unwrap(),
        etag,
        "one tag per file"
    );
    let missing = http
        .get(format!("{}/static/nope.css", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_and_files_are_compressed_for_clients_that_accept_it_headers_kept() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let http = client();
    for (path, kind) in [("/static/app.css", "text/css"), ("/login", "text/html")] {
        let url = format!("{}{path}", server.url);
        let plain = http.get(&url).send().await.unwrap();
        assert!(!plain.headers().contains_key(CONTENT_ENCODING), "{path}");
        let plain_len = plain.bytes().await.unwrap().len();

        let gzip = http
            .get(&url)
            .header(ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gzip.status(), StatusCode::OK, "{path}");
        assert_eq!(gzip.headers()[CONTENT_ENCODING], "gzip", "{path}");
        assert!(
            gzip.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        assert!(
            gzip.headers().contains_key(CONTENT_SECURITY_POLICY),
            "{path}"
        );
        assert_eq!(
            gzip.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        let body = gzip.bytes().await.unwrap();
        assert_eq!(&body[..2], b"\x1f\x8b", "{path}: a gzip stream");
        assert!(
            body.len() < plain_len,
            "{path}: {} < {plain_len}",
            body.len()
        );

        let br = http
            .get(&url)
            .header(ACCEPT_ENCODING, "br")
            .send()
            .await
            .unwrap();
        assert_eq!(br.headers()[CONTENT_ENCODING], "br", "{path}");
    }
}
