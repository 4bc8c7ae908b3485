//! Changing one's password: a password printed by the CLI (or at first
//! start) sends its owner to the change page from every page and the API
//! until replaced; the page's refusals, in English and French; and the
//! whole first sign-in in a real Chromium, whose no-referrer forms must
//! pass the same-site guard.

use crate::common::browser::Browser;
use crate::common::http::{client, cookie_pair, csrf_of, sign_in};
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, test_app};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION, ORIGIN};
use sandpit::store::Role;

/// A browser's session, as far as the server can tell.
struct Session<'a> {
    server: &'a TestServer,
    cookie: String,
}

impl Session<'_> {
    async fn get(&self, path: &str) -> reqwest::Response {
        client()
            .get(format!("{}{path}", self.server.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// Posts the change form; returns the status, Location and page.
    async fn change(&self, fields: &[(&'static str, String)]) -> (StatusCode, String, String) {
        let r = client()
            .post(format!("{}/account/password", self.server.url))
            .header(COOKIE, &self.cookie)
            .header(ORIGIN, &self.server.url)
            .form(fields)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, r.text().await.unwrap())
    }
}

#[tokio::test]
async fn a_printed_password_leads_everywhere_to_the_change_page_until_replaced() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (user, printed) = server
        .app
        .auth
        .create_user("tess", Role::Trainer)
        .await
        .unwrap();
    let (token, _) = server.app.auth.create_token(&user, "ci").await.unwrap();

    let first = sign_in(&server.url, &server.url, "tess", &printed, &[]).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()[LOCATION], "/account/password?next=/trainer");
    let s = Session {
        server: &server,
        cookie: cookie_pair(&first, "sandpit_session").unwrap(),
    };
    // A second browser signed in with the same printed password.
    let other = sign_in(&server.url, &server.url, "tess", &printed, &[]).await;
    let other = Session {
        server: &server,
        cookie: cookie_pair(&other, "sandpit_session").unwrap(),
    };

    // Every page leads to the change page, and back after.
    for (path, target) in [
        ("/trainer", "/account/password?next=/trainer"),
        (
            "/trainer/cohorts/new",
            "/account/password?next=/trainer/cohorts/new",
        ),
        ("/admin", "/account/password?next=/admin"),
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()[LOCATION], target, "{path}");
    }
    // The API refuses the session, saying where to go; an API token,
    // made deliberately and never from the printed password, still works.
    let api = s.get("/api/v1/cohorts").await;
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    assert!(api.text().await.unwrap().contains("/account/password"));
    let by_token = client()
        .get(format!("{}/api/v1/cohorts", server.url))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status(), StatusCode::OK);

    let page = s.get("/account/password?next=/trainer").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Choose your own to go on"), "{html}");
    let csrf = csrf_of(&html);
    let fr = s
        .get("/account/password?lang=fr")
        .await
        .text()
        .await
        .unwrap();
    assert!(fr.contains("Changer votre mot de passe"), "{fr}");
    assert!(fr.contains("Choisissez le vôtre pour continuer"), "{fr}");

    let chosen = "correct horse battery staple";
    let fields = |current: &str, new: &str, confirm: &str| -> Vec<(&'static str, String)> {
        [
            ("csrf", csrf.as_str()),
            ("current", current),
            ("new", new),
            ("confirm", confirm),
            ("next", "/trainer"),
        ]
        .map(|(k, v)| (k, v.to_owned()))
        .to_vec()
    };
    for (current, new, confirm, says) in [
        (
            printed.as_str(),
            chosen,
            "correct horse battery stapler",
            "The two new passwords differ.",
        ),
        (
            printed.as_str(),
            "short",
            "short",
            "A password has at least 12 characters.",
        ),
        (
            "not my password",
            chosen,
            chosen,
            "Your current password is not right.",
        ),
        (
            printed.as_str(),
            printed.as_str(),
            printed.as_str(),
            "The new password must differ",
        ),
    ] {
        let (status, _, html) = s.change(&fields(current, new, confirm)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{says}");
        assert!(html.contains(says), "{says} in {html}");
    }
    let mut forged = fields(&printed, chosen, chosen);
    forged[0].1 = "not-the-token".into();
    assert_eq!(s.change(&forged).await.0, StatusCode::FORBIDDEN);
    let (status, location, _) = s.change(&fields(&printed, chosen, chosen)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/trainer");

    // On to where they were going; the other browser was signed out.
    let home = s.get("/trainer").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(s.get("/api/v1/cohorts").await.status(), StatusCode::OK);
    let gone = other.get("/trainer").await;
    assert!(
        gone.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let old = sign_in(&server.url, &server.url, "tess", &printed, &[]).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = sign_in(&server.url, &server.url, "tess", chosen, &[]).await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
    assert_eq!(new.headers()[LOCATION], "/trainer");
}

#[tokio::test]
async fn first_sign_in_in_a_real_browser_forces_a_new_password_and_only_it_works_after() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, printed) = server
        .app
        .auth
        .create_user("admin", Role::Admin)
        .await
        .unwrap();
    let browser = Browser::start().await;
    let b = &browser.client;
    let sign_in_as = |password: String| {
        let browser = &browser;
        async move { browser.sign_in_with("admin", &password).await }
    };

    b.goto(&format!("{}/admin", server.url)).await.unwrap();
    sign_in_as(printed.clone()).await;
    browser
        .wait_text("main h1", "the change page", |t| {
            t == "Change your password"
        })
        .await;
    // Any other page leads back here until the password is changed.
    b.goto(&format!("{}/trainer", server.url)).await.unwrap();
    browser
        .wait_text("main h1", "the change page again", |t| {
            t == "Change your password"
        })
        .await;
    let chosen = "a password of my very own";
    browser
        .find("#current")
        .await
        .send_keys(&printed)
        .await
        .unwrap();
    browser.find("#new").await.send_keys(chosen).await.unwrap();
    browser
        .find("#confirm")
        .await
        .send_keys(chosen)
        .await
        .unwrap();
    browser
        .find("form[action='/account/password'] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("main h1", "the cohorts page", |t| t == "Your cohorts")
        .await;

    // Sign out (another no-referrer form), then only the new password works.
    browser
        .find("form[action='/logout'] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("main h1", "the login page", |t| t == "Sign in")
        .await;
    sign_in_as(printed).await;
    browser
        .wait_text("p.error", "the refusal", |t| {
            t == "The name or the password is wrong."
        })
        .await;
    sign_in_as(chosen.to_owned()).await;
    browser
        .wait_text("main h1", "the cohorts page", |t| t == "Your cohorts")
        .await;
    browser.close().await;
}
