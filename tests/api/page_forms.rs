//! Every form on Sandpit's pages posts and is answered with a redirect
//! (303) to a page a reload can fetch again, or, for bad input, a clear
//! 4xx. The test walks the pages as an admin, a trainer and a learner,
//! collects each `<form method="post">`, holds the list to the routes
//! below, and sends each route good and bad input.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, ORIGIN};
use sandpit::store::Role;

/// Every route a page's form posts to.
const FORM_ROUTES: [&str; 23] = [
    "/login",
    "/logout",
    "/account/password",
    "/trainer/cohorts/new",
    "/trainer/cohorts/{id}/launch",
    "/trainer/cohorts/{id}/teardown",
    "/trainer/cohorts/{id}/archive",
    "/trainer/cohorts/{id}/restore",
    "/admin/sandboxes/{id}/teardown",
    "/admin/cohorts/{id}/teardown",
    "/admin/teardown-all",
    "/admin/xapi/parked/{id}/retry",
    "/admin/xapi/retry-all",
    "/s/{token}/start",
    "/s/{token}/check/{exercise}",
    "/s/{token}/reset",
    "/s/{token}/reset/{exercise}",
    "/s/{token}/extend",
    "/s/{token}/help/{exercise}",
    "/s/{token}/help-close",
    "/s/{token}/feedback/{exercise}",
    "/trainer/cohorts/{id}/ambassadors",
    "/trainer/ambassadors/{id}/remove",
];

/// A form's action as a route: ids, tokens and exercises as parameters.
fn route(action: &str) -> String {
    let parts: Vec<&str> = action.split('?').next().unwrap().split('/').collect();
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| parts[j]);
        out.push(match (before, *p) {
            (Some("s"), _) => "{token}",
            (Some("check" | "reset" | "help" | "feedback"), _) => "{exercise}",
            (_, p) if uuid::Uuid::parse_str(p).is_ok() => "{id}",
            (_, p) => p,
        });
    }
    out.join("/")
}

/// The actions of the page's `<form method="post">`s.
fn post_forms(html: &str) -> Vec<String> {
    html.split("<form")
        .skip(1)
        .map(|f| &f[..f.find('>').unwrap()])
        .filter(|tag| tag.contains("method=\"post\""))
        .map(|tag| {
            let at = tag.find("action=\"").expect("a form with an action") + 8;
            tag[at..at + tag[at..].find('"').unwrap()].to_owned()
        })
        .collect()
}

struct Walk {
    found: BTreeSet<String>,
}

impl Walk {
    /// Reads a page and notes its forms.
    async fn visit(&mut self, who: &Signed, path: &str) -> String {
        let (status, html) = who.page(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        self.note(&html);
        html
    }

    fn note(&mut self, html: &str) {
        self.found.extend(post_forms(html).iter().map(|a| route(a)));
    }
}

/// A 4xx page shown for a form's bad input: the URL it answered at also
/// serves a GET, so a reload or the language switch there works.
async fn bad_input(who: &Signed, response: reqwest::Response, status: StatusCode, text: &str) {
    let path = response.url().path().to_owned();
    assert_eq!(response.status(), status, "{path}");
    let html = response.text().await.unwrap();
    assert!(html.contains(text), "{path}: {html}");
    let again = who.get(&format!("{path}?lang=fr")).await;
    assert_eq!(again.status(), StatusCode::OK, "GET {path}");
}

/// A 303 to `prefix…`, whose page then answers 200.
async fn redirected(who: &Signed, response: reqwest::Response, prefix: &str) -> String {
    let path = response.url().path().to_owned();
    let (status, html, to) = who.follow(response).await;
    assert!(to.starts_with(prefix), "{path} → {to}");
    assert_eq!(status, StatusCode::OK, "{path} → {to}: {html}");
    html
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_post_answers_with_a_redirect_or_a_clear_4xx_for_bad_input() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let root = Signed::new(&server, "root", Role::Admin).await;
    let mut walk = Walk {
        found: BTreeSet::new(),
    };
    let login = root.http.get(format!("{}/login", server.url)).send().await;
    walk.note(&login.unwrap().text().await.unwrap());

    // A trainer's forms: new cohort (bad input, then good), launch.
    let r = root.new_cohort("", "Ada").await;
    bad_input(
        &root,
        r,
        StatusCode::BAD_REQUEST,
        "Name: give the cohort a name",
    )
    .await;
    let id = root.create_cohort("Walk", "Ada\nGrace").await;
    walk.visit(&root, "/trainer").await;
    walk.visit(&root, "/trainer/cohorts/new").await;
    walk.visit(&root, &format!("/trainer/cohorts/{id}")).await;
    let r = root
        .post(&format!("/trainer/cohorts/{id}/launch"), &[])
        .await;
    redirected(&root, r, &format!("/trainer/cohorts/{id}")).await;
    let cohort = uuid::Uuid::parse_str(&id).unwrap();
    let start = Instant::now();
    while server
        .app
        .store
        .state_counts(Some(cohort))
        .await
        .unwrap()
        .ready
        < 2
    {
        assert!(start.elapsed() < Duration::from_secs(120));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let r = root
        .post(&format!("/trainer/cohorts/{id}/teardown"), &[])
        .await;
    let page = redirected(&root, r, &format!("/trainer/cohorts/{id}")).await;
    assert!(page.contains("Tick the box to confirm the teardown; nothing was removed."));

    // Ambassadors: neither a learner nor an account (or both) is said on
    // the page; an unknown account too; a learner of the cohort is added,
    // then removed.
    let ambassadors = format!("/trainer/cohorts/{id}/ambassadors");
    for fields in [vec![], vec![("user", "nobody")]] {
        let r = root.post(&ambassadors, &fields).await;
        let page = redirected(&root, r, &format!("/trainer/cohorts/{id}")).await;
        assert!(
            page.contains("Pick one of the cohort")
                || page.contains("There is no account “nobody”."),
            "{fields:?}"
        );
    }
    let ada = server
        .app
        .store
        .learners(id.parse().unwrap())
        .await
        .unwrap()[0]
        .id
        .to_string();
    let r = root.post(&ambassadors, &[("learner", ada.as_str())]).await;
    let page = redirected(&root, r, &format!("/trainer/cohorts/{id}")).await;
    assert!(page.contains("The ambassador was added."));
    walk.note(&page);
    let remove = page[..page.find("/remove\"").expect("a remove form")]
        .rsplit("action=\"")
        .next()
        .unwrap()
        .to_owned()
        + "/remove";
    let r = root.post(&remove, &[]).await;
    let page = redirected(&root, r, &format!("/trainer/cohorts/{id}")).await;
    assert!(
        page.contains("is no longer an ambassador of this cohort"),
        "{page}"
    );

    // A learner's forms: start, check, reset a step, extend, reset all.
    let links = server.app.service.learner_links(cohort).await.unwrap();
    let link = server.link_url(&links[0].token);
    let token = links[0].token.as_str().to_owned();
    let http = common::http::client();
    walk.note(&http.get(&link).send().await.unwrap().text().await.unwrap());
    let learner = |path: String| http.post(format!("{}{path}", server.url));
    let forged = learner(format!("/s/{token}/start"))
        .header(ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let started = learner(format!("/s/{token}/start")).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    walk.note(&http.get(&link).send().await.unwrap().text().await.unwrap());
    for (path, to) in [
        (
            format!("/s/{token}/check/make-file"),
            format!("/s/{token}?step=make-file"),
        ),
        (
            format!("/s/{token}/reset/make-file"),
            format!("/s/{token}?step=make-file"),
        ),
        (format!("/s/{token}/extend"), format!("/s/{token}")),
        (format!("/s/{token}/reset"), format!("/s/{token}")),
    ] {
        let r = learner(path.clone())
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()[LOCATION], to.as_str(), "{path}");
        let forged = learner(path.clone())
            .header(ORIGIN, "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let unknown = learner(format!("/s/{token}/check/no-such-step"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // Checked once: the page offers to rate the exercise and to ask for
    // help; a bad rating or too long a message is a 400 that says so.
    walk.note(&http.get(&link).send().await.unwrap().text().await.unwrap());
    let bad = learner(format!("/s/{token}/feedback/make-file"))
        .form(&[("useful", "9"), ("usable", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("Give both scores"));
    let rated = learner(format!("/s/{token}/feedback/make-file"))
        .form(&[("useful", "4"), ("usable", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), StatusCode::SEE_OTHER);
    let long = "x".repeat(501);
    let bad = learner(format!("/s/{token}/help/make-file"))
        .form(&[("message", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("at most 500 characters"));
    let asked = learner(format!("/s/{token}/help/make-file"))
        .form(&[("message", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    walk.note(&http.get(&link).send().await.unwrap().text().await.unwrap());
    let closed = learner(format!("/s/{token}/help-close"))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);

    // An admin's forms: each without its confirmation goes to the page
    // that asks for it; a wrong one is a 400 there; confirmed, a report.
    let (_, loose) = server.link("tiny", "lou").await;
    walk.visit(&root, "/admin").await;
    walk.visit(&root, "/admin/xapi").await;
    let sandbox = format!("/admin/sandboxes/{}/teardown", loose.id);
    let r = root.post(&sandbox, &[]).await;
    walk.note(&redirected(&root, r, &sandbox).await);
    let r = root.post(&sandbox, &[("confirm", "yes")]).await;
    redirected(&root, r, "/admin/teardowns/").await;
    let teardown = format!("/admin/cohorts/{id}/teardown");
    let r = root.post(&teardown, &[]).await;
    walk.note(&redirected(&root, r, &teardown).await);
    let r = root.post(&teardown, &[("confirm", "Not its name")]).await;
    bad_input(
        &root,
        r,
        StatusCode::BAD_REQUEST,
        "What you typed does not match",
    )
    .await;
    let r = root.post(&teardown, &[("confirm", "Walk")]).await;
    redirected(&root, r, "/admin/teardowns/").await;
    let r = root.post("/admin/teardown-all", &[]).await;
    walk.note(&redirected(&root, r, "/admin/teardown-all").await);
    let r = root
        .post("/admin/teardown-all", &[("confirm", "all")])
        .await;
    bad_input(
        &root,
        r,
        StatusCode::BAD_REQUEST,
        "What you typed does not match",
    )
    .await;
    let r = root
        .post("/admin/teardown-all", &[("confirm", "everything")])
        .await;
    redirected(&root, r, "/admin/teardown-all/report?ids=").await;
    let r = root.post("/admin/xapi/retry-all", &[]).await;
    redirected(&root, r, "/admin/xapi").await;
    let r = root
        .post(
            &format!("/admin/xapi/parked/{}/retry", uuid::Uuid::new_v4()),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The cohort is over now: archive, then restore, from its page.
    walk.visit(&root, &format!("/trainer/cohorts/{id}")).await;
    let r = root
        .post(&format!("/trainer/cohorts/{id}/archive"), &[])
        .await;
    walk.note(&redirected(&root, r, &format!("/trainer/cohorts/{id}")).await);
    let r = root
        .post(&format!("/trainer/cohorts/{id}/restore"), &[])
        .await;
    redirected(&root, r, &format!("/trainer/cohorts/{id}")).await;

    // Every form of a signed-in page without its CSRF token: 403.
    for path in [
        "/trainer/cohorts/new".to_owned(),
        format!("/trainer/cohorts/{id}/launch"),
        format!("/trainer/cohorts/{id}/teardown"),
        format!("/trainer/cohorts/{id}/archive"),
        format!("/trainer/cohorts/{id}/restore"),
        sandbox.clone(),
        teardown.clone(),
        "/admin/teardown-all".to_owned(),
        "/admin/xapi/retry-all".to_owned(),
        "/account/password".to_owned(),
        "/logout".to_owned(),
    ] {
        let r = root
            .http
            .post(format!("{}{path}", server.url))
            .header(COOKIE, &root.cookie)
            .form(&[("confirm", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }

    // The account's forms: a password change, signing out and in.
    walk.visit(&root, "/account/password").await;
    let fields = |new: &'static str, again: &'static str| {
        [
            ("current", "root's own password"),
            ("new", new),
            ("confirm", again),
        ]
    };
    let r = root
        .post(
            "/account/password",
            &fields("a long new password", "another one"),
        )
        .await;
    bad_input(
        &root,
        r,
        StatusCode::BAD_REQUEST,
        "The two new passwords differ.",
    )
    .await;
    let r = root
        .post(
            "/account/password",
            &fields("a long new password", "a long new password"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = root.post("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = common::http::sign_in(&server.url, &server.url, "root", "wrong", &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r =
        common::http::sign_in(&server.url, &server.url, "root", "a long new password", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Every form met is one of the routes above, and each route but the
    // parked statements' (there are none here) was met on a page.
    let all: BTreeSet<String> = FORM_ROUTES.iter().map(|r| (*r).to_owned()).collect();
    assert!(
        walk.found.is_subset(&all),
        "unlisted: {:?}",
        walk.found.difference(&all)
    );
    let unseen: Vec<_> = all.difference(&walk.found).collect();
    assert_eq!(
        unseen,
        ["/admin/xapi/parked/{id}/retry", "/admin/xapi/retry-all"],
        "forms never met on a page"
    );
    server.assert_nothing_left().await;
}
