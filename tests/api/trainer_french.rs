//! The trainer's and admin's pages in French, over real HTTP, on a real
//! cohort of the bundled git scenario: the scenario's and the steps' titles,
//! the sandboxes' states, a capacity refusal and a cohort that is over are
//! all said in French, none in English.

use std::time::Duration;

use crate::common::http::{client, csrf_of, session_of, set_cookie};
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, repo_scenarios, settled_account, test_app_with};
use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE};
use sandpit::sandbox::CohortRequest;
use sandpit::sandbox::roster::RosterEntry;
use sandpit::store::Role;

/// Text as the pages' templates escape it.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('`', "&#x60;")
        .replace('=', "&#x3D;")
}

/// A browser that prefers French, signed in as `cookie`.
struct French {
    http: reqwest::Client,
    url: String,
    cookie: String,
}

impl French {
    async fn page(&self, path: &str) -> (StatusCode, String) {
        self.page_with(path, "").await
    }

    async fn page_with(&self, path: &str, cookies: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .header(COOKIE, format!("{}{cookies}", self.cookie))
            .header(ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9")
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .header(ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9")
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_french_trainer_sees_french_titles_state_names_and_refusals() {
    // Room for one sandbox: the second learner's is refused.
    let t = test_app_with(repo_scenarios(), |c| c.max_sandboxes = 1).await;
    let _cleanup = InstanceCleanup::of(&t);
    let server = TestServer::start(t).await;
    let (tess, password) = settled_account(&server.app, "tess", Role::Admin).await;
    let scenario = server.app.scenario("git-basics").unwrap().clone();
    // Tomorrow, so that only the trainer's Launch starts it.
    let starts_at = Utc::now() + TimeDelta::days(1);
    let learner = |name: &str| RosterEntry {
        name: name.into(),
        email: None,
        team: None,
    };
    let cohort = server
        .app
        .service
        .create_cohort(
            &tess,
            &scenario,
            CohortRequest {
                name: "Lundi".into(),
                starts_at,
                ends_at: starts_at + TimeDelta::hours(3),
                roster: vec![learner("Ada"), learner("Grace")],
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    let fr = French {
        http: client(),
        url: server.url.clone(),
        cookie: session_of(&server.url, "tess", &password).await,
    };
    let path = format!("/trainer/cohorts/{}", cohort.id);

    let (status, page) = fr.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"fr\">"));
    assert!(
        page.contains(&format!(
            "<dd>{}</dd>",
            html("Les bases de Git : vos premiers pas avec la gestion de versions")
        )),
        "the scenario's French title: {page}"
    );
    assert!(page.contains("<dd id=\"cohort-status\">Pas lancée</dd>"));
    let columns: Vec<String> = page
        .split("<th scope=\"col\" class=\"exercise-col\">")
        .skip(1)
        .map(|s| s[..s.find("</th>").unwrap()].to_owned())
        .collect();
    let french: Vec<String> = scenario
        .exercises
        .iter()
        .map(|e| html(e.title.get("fr")))
        .collect();
    assert_eq!(columns, french);
    assert_eq!(
        columns[1],
        "Trouvez qui a modifié le plafond d&#x27;approbation"
    );
    assert_eq!(
        page.matches("<td data-col=\"sandbox\">lien pas encore ouvert</td>")
            .count(),
        2
    );

    // Launch: one sandbox starts, one is refused, and the page says why in French.
    let r = fr
        .post(&format!("{path}/launch"), &[("csrf", &csrf_of(&page))])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let flash = set_cookie(&r, "sandpit_flash").expect("the launch's outcome");
    let (_, page) = fr
        .page_with(&path, &format!("; sandpit_flash={flash}"))
        .await;
    assert!(
        page.contains(
            "Lancés : 1, refusés : 1 (la limite de 1 bacs à sable en service est atteinte)"
        ),
        "{page}"
    );
    assert!(!page.contains("running sandboxes"), "{page}");

    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while server
        .app
        .service
        .pool_status(&cohort)
        .await
        .unwrap()
        .counts
        .ready
        < 1
    {
        assert!(std::time::Instant::now() < deadline, "no sandbox got ready");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Ada opens her link: her sandbox is in use.
    let links = server.app.service.learner_links(*cohort.id).await.unwrap();
    let ada = links.iter().find(|l| l.learner.name == "Ada").unwrap();
    let start = client()
        .post(format!("{}/s/{}/start", server.url, ada.token.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let (_, page) = fr.page(&path).await;
    assert_eq!(
        page.matches("<td data-col=\"sandbox\">utilisé</td>")
            .count(),
        1,
        "{page}"
    );
    assert_eq!(
        page.matches("<td data-col=\"sandbox\">lien pas encore ouvert</td>")
            .count(),
        1
    );
    assert!(page.contains("<dd id=\"cohort-status\">Lancée</dd>"));
    let (_, detail) = fr
        .page(&format!("{path}/learners/{}", ada.learner.id))
        .await;
    assert!(detail.contains("<dd>utilisé</dd>"), "{detail}");
    assert!(detail.contains(&html(
        "Les bases de Git : vos premiers pas avec la gestion de versions"
    )));

    // The admin's list names the states in French too.
    let (status, admin) = fr.page("/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(admin.contains("<td>utilisé</td>"), "{admin}");
    assert!(
        admin.contains("<option value=\"live\" selected>en service</option>")
            || admin.contains("<option value=\"live\">en service</option>"),
        "{admin}"
    );
    assert!(
        admin.contains("<option value=\"claimed\">utilisé</option>"),
        "{admin}"
    );
    assert!(admin.contains(" · utilisé: 1"), "{admin}");
    assert!(!admin.contains(">claimed<"), "{admin}");

    // A torn-down cohort cannot be launched again: said in French.
    let (_, page) = fr.page(&path).await;
    let r = fr
        .post(
            &format!("{path}/teardown"),
            &[("csrf", &csrf_of(&page)), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = fr
        .post(&format!("{path}/launch"), &[("csrf", &csrf_of(&page))])
        .await;
    // Redirected to the cohort's page, which says why once (a flash cookie).
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let flash = r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (_, page) = fr.page_with(&path, &format!("; {flash}")).await;
    assert!(
        page.contains("La cohorte « Lundi » est terminée : créez-en une nouvelle pour relancer."),
        "{page}"
    );
    assert!(page.contains("<dd id=\"cohort-status\">Démontée</dd>"));
    server.assert_nothing_left().await;
}
