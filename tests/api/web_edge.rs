//! The web edge over real HTTP: the headers of every kind of Sandpit page,
//! origin checks against the public URL (a rebound host name is refused),
//! `__Host-` cookies behind HTTPS, and the sign-in limit per name and
//! address, with `X-Forwarded-For` counted only from trusted proxies.

use crate::common::http::{client, cookie_pair, csrf_of, sign_in};
use crate::common::server::TestServer;
use crate::common::{Cleanup, fixture_scenarios, settled_account, test_app, test_app_with};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HOST, LOCATION, ORIGIN, RETRY_AFTER, SET_COOKIE};
use sandpit::store::Role;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Asserts the headers every Sandpit page carries; returns its policy.
fn assert_page_headers(what: &str, response: &reqwest::Response) -> String {
    let h = response.headers();
    assert_eq!(response.status(), StatusCode::OK, "{what}");
    assert!(
        h["content-type"].to_str().unwrap().starts_with("text/html"),
        "{what}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {directive} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{what}: {csp}");
    csp
}

/// Asserts that a page needs nothing its policy forbids: no inline script,
/// no style attribute or element, no inline event handler.
fn assert_no_inline_code(what: &str, html: &str) {
    for (at, _) in html.match_indices("<script") {
        assert!(
            html[at..].starts_with("<script src=\"/static/"),
            "{what}: {}",
            &html[at..at + 40]
        );
    }
    for forbidden in [
        "<style",
        " style=\"",
        " onclick=",
        " onload=",
        " onsubmit=",
        "javascript:",
    ] {
        assert!(!html.contains(forbidden), "{what} holds {forbidden}");
    }
}

#[tokio::test]
async fn learner_trainer_admin_and_login_pages_carry_the_policy_nosniff_and_no_referrer() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let http = client();
    let port = server.addr.port();

    let learner = http.get(server.link_url(&token)).send().await.unwrap();
    let csp = assert_page_headers("the learner page", &learner);
    // Tools are framed from their own origins; the terminal is a websocket.
    assert!(
        csp.contains(&format!("frame-src http://*.sandpit.localhost:{port};")),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("connect-src 'self' ws://localhost:{port};")),
        "{csp}"
    );
    assert_no_inline_code("the learner page", &learner.text().await.unwrap());

    let login = http
        .get(format!("{}/login", server.url))
        .send()
        .await
        .unwrap();
    assert_page_headers("the login page", &login);
    // Over plain HTTP the cookies keep their plain names.
    assert!(
        cookie_pair(&login, "sandpit_login_csrf")
            .unwrap()
            .starts_with("sandpit_login_csrf=")
    );
    assert_no_inline_code("the login page", &login.text().await.unwrap());

    let (_, password) = settled_account(&server.app, "root", Role::Admin).await;
    let signed = sign_in(&server.url, &server.url, "root", &password, &[]).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let session = cookie_pair(&signed, "sandpit_session").unwrap();
    for (what, path) in [("a trainer page", "/trainer"), ("an admin page", "/admin")] {
        let page = http
            .get(format!("{}{path}", server.url))
            .header(COOKIE, &session)
            .send()
            .await
            .unwrap();
        assert_page_headers(what, &page);
        assert_no_inline_code(what, &page.text().await.unwrap());
    }
    let cohort_form = http
        .get(format!("{}/trainer/cohorts/new", server.url))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_no_inline_code("the new-cohort page", &cohort_form.text().await.unwrap());
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn a_rebound_host_name_cannot_post_sign_in_or_open_a_terminal() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let http = client();
    // A page served under a name rebound to this server: its Origin and
    // the Host it sends agree, and neither is the public URL.
    let (evil_host, evil_origin) = ("evil.test", "http://evil.test");

    let check = http
        .post(format!("{}/check/make-file", server.link_url(&token)))
        .header(HOST, evil_host)
        .header(ORIGIN, evil_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), StatusCode::FORBIDDEN);
    assert!(
        server
            .app
            .store
            .attempts(sandbox.id)
            .await
            .unwrap()
            .is_empty()
    );

    let (_, password) = settled_account(&server.app, "tess", Role::Trainer).await;
    let login = sign_in(
        &server.url,
        evil_origin,
        "tess",
        &password,
        &[("host", evil_host)],
    )
    .await;
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert!(cookie_pair(&login, "sandpit_session").is_none());

    let terminal = format!("ws://{}/s/{}/terminal", server.addr, token.as_str());
    let mut ws = terminal.into_client_request().unwrap();
    ws.headers_mut().insert("host", evil_host.parse().unwrap());
    ws.headers_mut()
        .insert("origin", evil_origin.parse().unwrap());
    match tokio_tungstenite::connect_async(ws).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a terminal opened from a rebound name"),
    }

    // A signed-in trainer's form, with its right CSRF token, from the
    // rebound name: refused, and the session lives on.
    let signed = sign_in(&server.url, &server.url, "tess", &password, &[]).await;
    let session = cookie_pair(&signed, "sandpit_session").unwrap();
    let home = http
        .get(format!("{}/trainer", server.url))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    let csrf = csrf_of(&home.text().await.unwrap());
    let logout = |origin: &'static str, fetch_site: Option<&'static str>| {
        let mut post = http
            .post(format!("{}/logout", server.url))
            .header(COOKIE, &session)
            .header(ORIGIN, origin)
            .form(&[("csrf", csrf.as_str())]);
        if let Some(site) = fetch_site {
            post = post.header("sec-fetch-site", site);
        }
        post.send()
    };
    let rebound = logout(evil_origin, None).await.unwrap();
    assert_eq!(rebound.status(), StatusCode::FORBIDDEN);
    // `Origin: null` is what a sandboxed frame, or a page of any site with
    // no-referrer, sends: refused unless the browser says same-origin...
    let framed = logout("null", Some("cross-site")).await.unwrap();
    assert_eq!(framed.status(), StatusCode::FORBIDDEN);
    let sibling = logout("null", Some("same-site")).await.unwrap();
    assert_eq!(sibling.status(), StatusCode::FORBIDDEN);
    let still = http
        .get(format!("{}/trainer", server.url))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), StatusCode::OK, "the session survived");
    // ...which is what Sandpit's own no-referrer pages send with a form.
    let own = logout("null", Some("same-origin")).await.unwrap();
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
    assert_eq!(own.headers()[LOCATION], "/login");
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn session_cookies_take_the_host_prefix_when_the_public_url_is_https() {
    let t = test_app(fixture_scenarios()).await;
    let server = TestServer::start_at(t, |_| "https://sandpit.test".into()).await;
    // As behind a TLS proxy: plain HTTP to the server, HTTPS to browsers.
    let base = format!("http://{}", server.addr);
    let origin = "https://sandpit.test";
    let (_, password) = settled_account(&server.app, "tess", Role::Trainer).await;

    let login_page = client().get(format!("{base}/login")).send().await.unwrap();
    let signed = sign_in(&base, origin, "tess", &password, &[]).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    for (response, name) in [
        (&login_page, "__Host-sandpit_login_csrf="),
        (&signed, "__Host-sandpit_session="),
    ] {
        let set: Vec<&str> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .filter(|v| v.starts_with(name))
            .collect();
        assert_eq!(set.len(), 1, "{name} in {:?}", response.headers());
        let attributes: Vec<&str> = set[0].split(';').map(str::trim).collect();
        assert!(attributes.contains(&"Secure"), "{}", set[0]);
        assert!(attributes.contains(&"Path=/"), "{}", set[0]);
        assert!(
            !set[0].to_ascii_lowercase().contains("domain="),
            "{}",
            set[0]
        );
    }
    let session = cookie_pair(&signed, "sandpit_session").unwrap();
    let trainer = |cookie: String| {
        client()
            .get(format!("{base}/trainer"))
            .header(COOKIE, cookie)
            .send()
    };
    assert_eq!(
        trainer(session.clone()).await.unwrap().status(),
        StatusCode::OK
    );
    // The same value under the plain name, as a sandbox on a sibling host
    // could plant it, opens nothing.
    let planted = session.trim_start_matches("__Host-").to_owned();
    let refused = trainer(planted).await.unwrap();
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    assert!(
        refused.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn failing_against_alice_from_one_address_locks_neither_admin_there_nor_alice_elsewhere() {
    let t = test_app_with(fixture_scenarios(), |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let server = TestServer::start(t).await;
    let (_, alice) = settled_account(&server.app, "alice", Role::Trainer).await;
    let (_, admin) = settled_account(&server.app, "admin", Role::Admin).await;
    // This test's loopback client is the trusted proxy; the addresses it
    // forwards for are the clients.
    let from = |address: &'static str, name: &'static str, password: String| {
        let url = server.url.clone();
        async move {
            let hops = format!("{address}, 127.0.0.1");
            sign_in(&url, &url, name, &password, &[("x-forwarded-for", &hops)]).await
        }
    };
    let x = "203.0.113.5";
    for _ in 0..sandpit::auth::MAX_FAILURES {
        let r = from(x, "alice", "not her password".into()).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = from(x, "alice", alice.clone()).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().contains_key(RETRY_AFTER));
    assert!(cookie_pair(&locked, "sandpit_session").is_none());

    let admin_there = from(x, "admin", admin).await;
    assert_eq!(
        admin_there.status(),
        StatusCode::SEE_OTHER,
        "admin is not locked out"
    );
    assert!(cookie_pair(&admin_there, "sandpit_session").is_some());
    let alice_elsewhere = from("198.51.100.7", "alice", alice).await;
    assert_eq!(
        alice_elsewhere.status(),
        StatusCode::SEE_OTHER,
        "alice signs in from home"
    );
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_client_changes_nothing() {
    // No trusted proxies (the default): a client writing X-Forwarded-For
    // cannot pose as a new address to get more tries.
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, password) = settled_account(&server.app, "alice", Role::Trainer).await;
    for i in 0..sandpit::auth::MAX_FAILURES {
        let forged = format!("203.0.113.{i}");
        let r = sign_in(
            &server.url,
            &server.url,
            "alice",
            "guess",
            &[("x-forwarded-for", &forged)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = sign_in(
        &server.url,
        &server.url,
        "alice",
        &password,
        &[("x-forwarded-for", "198.51.100.9")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}
