//! The trainer's pages over real HTTP, on the real engine: sign-in and its
//! limit, who sees which cohort, CSRF on every form, the new-cohort form's
//! errors, the links' CSV, launch with its refusals, live progress over
//! server-sent events, a learner's attempts, and teardown.

use crate::common;
use crate::common::http::{client, csrf_of, set_cookie};
use std::time::Duration;

use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, test_app};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, COOKIE, LOCATION};
use sandpit::store::Role;
use serde_json::Value;

/// Signs in through the login form; returns the response to the POST.
async fn login(server: &TestServer, name: &str, password: &str) -> reqwest::Response {
    let http = client();
    let page = http
        .get(format!("{}/login?next=/trainer", server.url))
        .send()
        .await
        .unwrap();
    let cookie = set_cookie(&page, "sandpit_login_csrf").expect("a login CSRF cookie");
    let csrf = csrf_of(&page.text().await.unwrap());
    http.post(format!("{}/login", server.url))
        .header(COOKIE, format!("sandpit_login_csrf={cookie}"))
        .form(&[
            ("name", name),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/trainer"),
        ])
        .send()
        .await
        .unwrap()
}

/// A signed-in browser, as far as the server can tell.
struct Trainer {
    http: reqwest::Client,
    url: String,
    cookie: String,
    csrf: String,
}

impl Trainer {
    /// Creates a cohort of the tiny scenario from a roster uploaded as a CSV
    /// file, as the new-cohort form does; `query` is appended to its URL.
    async fn upload_roster(
        &self,
        server: &TestServer,
        name: &str,
        file: &str,
        (starts, ends): (String, String),
        query: &str,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .text("name", name.to_owned())
            .text("scenario", "tiny")
            .text("starts_at", starts)
            .text("ends_at", ends)
            .text("time_zone", "UTC")
            .text("spare", "0")
            .text("roster_text", "")
            .text("seats", "")
            .part(
                "roster_file",
                reqwest::multipart::Part::bytes(file.as_bytes().to_vec())
                    .file_name("roster.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            );
        self.http
            .post(format!("{}/trainer/cohorts/new{query}", server.url))
            .header(COOKIE, &self.cookie)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    async fn new(server: &TestServer, name: &str, role: Role) -> Self {
        let (_, password) = common::settled_account(&server.app, name, role).await;
        let response = login(server, name, &password).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/trainer");
        let session = set_cookie(&response, "sandpit_session").expect("a session cookie");
        let mut me = Self {
            http: client(),
            url: server.url.clone(),
            cookie: format!("sandpit_session={session}"),
            csrf: String::new(),
        };
        let (status, home) = me.page("/trainer").await;
        assert_eq!(status, StatusCode::OK, "{home}");
        me.csrf = csrf_of(&home);
        me
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        (r.status(), r.text().await.unwrap())
    }

    /// Posts a form with this session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Creates a cohort of `tiny` from a pasted roster; returns its id.
    async fn create_cohort(&self, name: &str, roster: &str, extra: &[(&str, &str)]) -> String {
        let (starts, ends) = future_times();
        let mut fields = vec![
            ("name", name),
            ("scenario", "tiny"),
            ("starts_at", starts.as_str()),
            ("ends_at", ends.as_str()),
            ("time_zone", "UTC"),
            ("roster_text", roster),
        ];
        fields.extend_from_slice(extra);
        if !extra.iter().any(|(k, _)| *k == "spare") {
            fields.push(("spare", "0"));
        }
        let response = self.post("/trainer/cohorts/new", &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{}",
            response.text().await.unwrap()
        );
        let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
        location
            .strip_prefix("/trainer/cohorts/")
            .expect("the cohort's page")
            .to_owned()
    }

    /// The learners' links from the CSV download: (name, email, team, link).
    async fn links(&self, cohort: &str) -> Vec<[String; 4]> {
        let response = self
            .get(&format!("/trainer/cohorts/{cohort}/links.csv"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.text().await.unwrap();
        let body = body.strip_prefix('\u{feff}').expect("a byte order mark");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(body.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            ["name", "email", "team", "link"]
        );
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                [0, 1, 2, 3].map(|i| r[i].to_owned())
            })
            .collect()
    }
}

/// Start tomorrow (so no automatic launch), end three hours later.
fn future_times() -> (String, String) {
    let start = chrono::Utc::now() + chrono::TimeDelta::days(1);
    let end = start + chrono::TimeDelta::hours(3);
    let f = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
    (f(start), f(end))
}

/// A server-sent event stream, read one `progress` event at a time.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if !data.is_empty() {
                    assert!(block.contains("event: progress"), "{block}");
                    return serde_json::from_str(&data).unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(60), self.response.chunk())
                .await
                .expect("an event within a minute")
                .unwrap()
                .expect("the stream goes on");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn a_learner_link_token_on_trainer_pages_leads_to_the_login_page() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let trainer = Trainer::new(&server, "tess", Role::Trainer).await;
    let cohort = trainer.create_cohort("Git day", "Ada\nGrace", &[]).await;
    let links = trainer.links(&cohort).await;
    let token = links[0][3].rsplit('/').next().unwrap().to_owned();
    let http = client();
    for path in [
        "/trainer".to_owned(),
        format!("/trainer/cohorts/{cohort}"),
        format!("/trainer/cohorts/{cohort}/links.csv"),
        format!("/trainer/cohorts/{cohort}/events"),
    ] {
        for (header, value) in [
            (COOKIE, format!("sandpit_session={token}")),
            (AUTHORIZATION, format!("Bearer {token}")),
        ] {
            let r = http
                .get(format!("{}{path}", server.url))
                .header(header, value)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
            let location = r.headers()[LOCATION].to_str().unwrap();
            assert!(location.starts_with("/login?next="), "{path}: {location}");
            assert!(!r.text().await.unwrap().contains(&token));
        }
    }
    let launch = http
        .post(format!("{}/trainer/cohorts/{cohort}/launch", server.url))
        .header(COOKIE, format!("sandpit_session={token}"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(launch.status(), StatusCode::SEE_OTHER);
    let id = uuid::Uuid::parse_str(&cohort).unwrap();
    let stored = server.app.store.cohort(id).await.unwrap().unwrap();
    assert!(stored.launched_at.is_none(), "nothing was launched");
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn a_trainer_cannot_see_another_trainers_cohort_but_an_admin_can() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let alice = Trainer::new(&server, "alice", Role::Trainer).await;
    let bob = Trainer::new(&server, "bob", Role::Trainer).await;
    let admin = Trainer::new(&server, "root", Role::Admin).await;
    let cohort = alice
        .create_cohort("Alice's secret cohort", "Ada <ada@example.org>", &[])
        .await;
    let learner = server
        .app
        .store
        .learners(uuid::Uuid::parse_str(&cohort).unwrap())
        .await
        .unwrap()[0]
        .id
        .to_string();

    let (_, home) = bob.page("/trainer").await;
    assert!(!home.contains("Alice&#x27;s secret cohort") && !home.contains("secret cohort"));
    for path in [
        format!("/trainer/cohorts/{cohort}"),
        format!("/trainer/cohorts/{cohort}/links.csv"),
        format!("/trainer/cohorts/{cohort}/events"),
        format!("/trainer/cohorts/{cohort}/learners/{learner}"),
        "/trainer/cohorts/not-a-uuid".to_owned(),
        format!("/trainer/cohorts/{}", uuid::Uuid::new_v4()),
    ] {
        let (status, body) = bob.page(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("ada@example.org"), "{path}");
    }
    for action in ["launch", "teardown"] {
        let r = bob
            .post(
                &format!("/trainer/cohorts/{cohort}/{action}"),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
    }

    let (_, home) = admin.page("/trainer").await;
    assert!(home.contains("secret cohort"), "{home}");
    assert!(home.contains("<td>alice</td>"), "the admin sees the owner");
    let (status, page) = admin.page(&format!("/trainer/cohorts/{cohort}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("ada@example.org"));
    let (status, _) = admin
        .page(&format!("/trainer/cohorts/{cohort}/learners/{learner}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, french) = admin
        .page(&format!("/trainer/cohorts/{cohort}?lang=fr"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(french.contains("Liens des apprenants") && french.contains("Pas encore lancée"));
    let (status, page) = alice.page(&format!("/trainer/cohorts/{cohort}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("ada@example.org"));
    let stored = server
        .app
        .store
        .cohort(uuid::Uuid::parse_str(&cohort).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.launched_at.is_none() && stored.torn_down_at.is_none());
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let trainer = Trainer::new(&server, "tess", Role::Trainer).await;
    let (starts, ends) = future_times();
    let fields = [
        ("name", "No token"),
        ("scenario", "tiny"),
        ("starts_at", starts.as_str()),
        ("ends_at", ends.as_str()),
        ("roster_text", "Ada"),
    ];
    let r = trainer.post_raw("/trainer/cohorts/new", &fields).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut wrong = fields.to_vec();
    wrong.push(("csrf", "not-the-token"));
    let r = trainer.post_raw("/trainer/cohorts/new", &wrong).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A page on another site posting with the right token is refused too.
    let mut cross = fields.to_vec();
    cross.push(("csrf", trainer.csrf.as_str()));
    let r = trainer
        .http
        .post(format!("{}/trainer/cohorts/new", server.url))
        .header(COOKIE, &trainer.cookie)
        .header(reqwest::header::ORIGIN, "https://evil.example")
        .form(&cross)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(server.app.store.cohorts(None).await.unwrap().is_empty());

    let cohort = trainer.create_cohort("With token", "Ada", &[]).await;
    for action in ["launch", "teardown"] {
        let r = trainer
            .post_raw(
                &format!("/trainer/cohorts/{cohort}/{action}"),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{action}");
    }
    let r = trainer.post_raw("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let stored = server
        .app
        .store
        .cohort(uuid::Uuid::parse_str(&cohort).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.launched_at.is_none() && stored.torn_down_at.is_none());
    assert_eq!(server.app.store.cohorts(None).await.unwrap().len(), 1);
    // Signing out with the token works, and the session is gone after.
    let r = trainer.post("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        trainer.get("/trainer").await.status(),
        StatusCode::SEE_OTHER
    );
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn the_sixth_login_after_five_wrong_passwords_is_refused_even_when_right() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, password) = server
        .app
        .auth
        .create_user("tess", Role::Trainer)
        .await
        .unwrap();
    for _ in 0..5 {
        let r = login(&server, "tess", "not-my-password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(set_cookie(&r, "sandpit_session").is_none());
    }
    let r = login(&server, "tess", &password).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(reqwest::header::RETRY_AFTER));
    assert!(set_cookie(&r, "sandpit_session").is_none());
    assert!(r.text().await.unwrap().contains("Too many wrong passwords"));
}

#[tokio::test]
async fn a_bad_email_in_a_pasted_roster_names_the_field_and_keeps_what_was_typed() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let trainer = Trainer::new(&server, "tess", Role::Trainer).await;
    let (starts, ends) = future_times();
    let roster = "Ada Lovelace <ada@example.org>\nGrace <grace@@example>\nAlan & Co";
    let r = trainer
        .post(
            "/trainer/cohorts/new",
            &[
                ("name", "Keep me"),
                ("scenario", "tiny"),
                ("starts_at", starts.as_str()),
                ("ends_at", ends.as_str()),
                ("time_zone", "asia/kathmandu"),
                ("spare", "2"),
                ("roster_text", roster),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("Roster: line 2"), "{html}");
    assert!(
        html.contains("href=\"#roster_text\""),
        "the summary links the field"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("Ada Lovelace &lt;ada@example.org&gt;\nGrace &lt;grace@@example&gt;\nAlan &amp; Co</textarea>"),
        "the roster is kept: {html}"
    );
    assert!(html.contains("value=\"Keep me\""));
    assert!(html.contains(&format!("value=\"{starts}\"")));
    assert!(
        html.contains("name=\"time_zone\" list=\"time-zones\" value=\"asia/kathmandu\""),
        "the zone is kept as typed: {html}"
    );
    assert!(html.contains("id=\"spare\" name=\"spare\" type=\"number\" min=\"0\" max=\"50\" inputmode=\"numeric\" value=\"2\""));

    // Other fields are named too, all at once.
    let r = trainer
        .post(
            "/trainer/cohorts/new",
            &[
                ("name", ""),
                ("scenario", "no-such"),
                ("starts_at", "soon"),
                ("ends_at", starts.as_str()),
                ("spare", "99"),
                ("seats", "3"),
                ("roster_text", "Ada"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    for text in [
        "Name: give the cohort a name",
        "Scenario: choose one",
        "Starts: give a date and a time.",
        "Spare sandboxes: give a whole number from 0 to 50.",
        "Learners: give them one way only",
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    // In French as well.
    let r = trainer
        .http
        .post(format!("{}/trainer/cohorts/new?lang=fr", server.url))
        .header(COOKIE, &trainer.cookie)
        .form(&[("csrf", trainer.csrf.as_str()), ("roster_text", "x@")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Liste : ligne 1 : « x@ » n’est pas une adresse e-mail"),
        "{html}"
    );
    assert!(server.app.store.cohorts(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_email_an_lrs_would_refuse_is_refused_at_import_pasted_or_uploaded_in_english_and_french()
 {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let trainer = Trainer::new(&server, "tess", Role::Trainer).await;
    let (starts, ends) = future_times();

    // Pasted, in English: the line, the address as typed, and why.
    let roster = "Ada <ada@example.org>\nBob <bob@corp.local>";
    let r = trainer
        .post(
            "/trainer/cohorts/new",
            &[
                ("name", "Wave"),
                ("scenario", "tiny"),
                ("starts_at", starts.as_str()),
                ("ends_at", ends.as_str()),
                ("time_zone", "UTC"),
                ("spare", "0"),
                ("roster_text", roster),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Roster: line 2: “bob@corp.local”: “.local” is kept for local or test networks and is not a real domain; an LRS refuses it."),
        "{html}"
    );
    assert!(
        html.contains("Ada &lt;ada@example.org&gt;\nBob &lt;bob@corp.local&gt;</textarea>"),
        "the roster is kept: {html}"
    );

    // Uploaded as CSV, in French: the file's text is kept in the box.
    let file = "name,email\nAda,ada@example.org\nBob,bob@intranet\n";
    let r = trainer
        .upload_roster(&server, "Vague", file, (starts, ends), "?lang=fr")
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Liste : ligne 3 : « bob@intranet » : le domaine « intranet » n’a pas de point ; indiquez un vrai domaine, comme example.org."),
        "{html}"
    );
    assert!(
        html.contains("name,email\nAda,ada@example.org\nBob,bob@intranet\n</textarea>"),
        "the file's text is kept: {html}"
    );
    assert!(server.app.store.cohorts(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn links_csv_lists_every_learner_with_a_working_link_and_the_learner_page_shows_checks() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let trainer = Trainer::new(&server, "tess", Role::Trainer).await;
    // The roster comes as an uploaded CSV file this time.
    let (starts, ends) = future_times();
    let file = "name,email,team\n\"Lovelace, Ada\",ada@example.org,Red\nGrace Hopper,grace@example.org,\"Blue \"\"B\"\"\"\nAlan,,\n";
    let r = trainer
        .upload_roster(&server, "Upload day", file, (starts, ends), "")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cohort = r.headers()[LOCATION]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    let response = trainer
        .get(&format!("/trainer/cohorts/{cohort}/links.csv"))
        .await;
    let disposition = response.headers()[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, "attachment; filename=\"upload-day-links.csv\"");
    let links = trainer.links(&cohort).await;
    let people: Vec<_> = links
        .iter()
        .map(|l| (l[0].as_str(), l[1].as_str(), l[2].as_str()))
        .collect();
    assert_eq!(
        people,
        [
            ("Lovelace, Ada", "ada@example.org", "Red"),
            ("Grace Hopper", "grace@example.org", "Blue \"B\""),
            ("Alan", "", ""),
        ]
    );
    let (_, page) = trainer.page(&format!("/trainer/cohorts/{cohort}")).await;
    let http = client();
    for l in &links {
        assert!(l[3].starts_with(&format!("{}/s/", server.url)), "{}", l[3]);
        assert!(page.contains(&l[3]), "the page shows each link");
        // The link's first visit shows the Start button; pressing it
        // claims the learner's sandbox and lands on their page.
        let first = http.get(&l[3]).send().await.unwrap();
        assert!(first.text().await.unwrap().contains("id=\"start\""));
        let started = http.post(format!("{}/start", l[3])).send().await.unwrap();
        assert_eq!(started.status(), StatusCode::SEE_OTHER, "{}", l[0]);
        let r = http.get(&l[3]).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", l[0]);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("<h1 id=\"scenario-title\">Tiny</h1>")
        );
    }
    // Ada presses Check before doing the exercise.
    let check = http
        .post(format!("{}/check/make-file", links[0][3]))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), StatusCode::OK);
    let learners = server
        .app
        .store
        .learners(uuid::Uuid::parse_str(&cohort).unwrap())
        .await
        .unwrap();
    let ada = learners.iter().find(|l| l.name == "Lovelace, Ada").unwrap();
    let (status, detail) = trainer
        .page(&format!("/trainer/cohorts/{cohort}/learners/{}", ada.id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains("Not yet"), "{detail}");
    assert!(
        detail.contains("<pre class=\"output\">There is no done.txt in /home/learner yet."),
        "{detail}"
    );
    let (_, page) = trainer.page(&format!("/trainer/cohorts/{cohort}")).await;
    assert!(page.contains("attempted, one check"), "the grid shows it");

    // Teardown needs its box ticked: back to the cohort's page, which
    // says so once.
    let r = trainer
        .post(&format!("/trainer/cohorts/{cohort}/teardown"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], format!("/trainer/cohorts/{cohort}"));
    let flash = set_cookie(&r, "sandpit_flash").expect("the refusal");
    let page = trainer
        .http
        .get(format!("{}/trainer/cohorts/{cohort}", server.url))
        .header(COOKIE, format!("{}; sandpit_flash={flash}", trainer.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tick the box"), "{page}");
    let r = trainer
        .post(
            &format!("/trainer/cohorts/{cohort}/teardown"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(report.starts_with(&format!("/trainer/cohorts/{cohort}/teardowns/")));
    let (status, html) = trainer.page(&report).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("3 sandboxes were removed."), "{html}");
    for l in &links {
        assert_eq!(
            http.get(&l[3]).send().await.unwrap().status(),
            StatusCode::GONE,
            "a torn-down learner's link says the sandbox ended"
        );
    }
    server.assert_nothing_left().await;
}

/// A test app whose server runs at most `max` sandboxes at once.
async fn capped_app(max: u32) -> common::TestApp {
    common::test_app_with(fixture_scenarios(), |c| c.max_sandboxes = max).await
}

#[tokio::test]
async fn live_counts_move_after_launch_and_refusals_are_said_on_the_page() {
    let server = TestServer::start(capped_app(2).await).await;
    let trainer = Trainer::new(&server, "tess", Role::Trainer).await;
    let cohort = trainer
        .create_cohort("Live", "Ada\nGrace\nAlan", &[("spare", "0")])
        .await;
    let links = trainer.links(&cohort).await;
    let mut events = Events {
        response: trainer
            .get(&format!("/trainer/cohorts/{cohort}/events"))
            .await,
        buffer: String::new(),
    };
    assert_eq!(
        events.response.headers()[reqwest::header::CONTENT_TYPE],
        "text/event-stream"
    );
    let first = events.next().await;
    assert_eq!(first["pool"]["launched"], false);
    assert_eq!(first["pool"]["counts"]["ready"], 0);
    assert_eq!(first["grid"]["learners"].as_array().unwrap().len(), 3);

    // The server's cap lets 2 of 3 start: the page says so.
    let r = trainer
        .post(&format!("/trainer/cohorts/{cohort}/launch"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let flash = set_cookie(&r, "sandpit_flash").expect("the launch's outcome");
    let page = trainer
        .http
        .get(format!("{}/trainer/cohorts/{cohort}", server.url))
        .header(COOKIE, format!("{}; sandpit_flash={flash}", trainer.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2 started, 1 refused: the limit of 2 running sandboxes is reached"),
        "{page}"
    );

    let mut moved = false;
    let last = loop {
        let event = events.next().await;
        let text = event.to_string();
        for l in &links {
            let token = l[3].rsplit('/').next().unwrap();
            assert!(!text.contains(token), "no link token in events");
        }
        let counts = &event["pool"]["counts"];
        moved |= counts["provisioning"].as_u64() > Some(0) || counts["ready"].as_u64() > Some(0);
        if counts["ready"] == 2 {
            break event;
        }
    };
    assert!(moved);
    assert_eq!(last["pool"]["launched"], true);
    assert_eq!(last["summary"]["text"], "Sandboxes ready: 2 of 3…");

    // Nothing more can start: the page says why.
    let r = trainer
        .post(&format!("/trainer/cohorts/{cohort}/launch"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let flash = set_cookie(&r, "sandpit_flash").expect("the refusal");
    let page = trainer
        .http
        .get(format!("{}/trainer/cohorts/{cohort}", server.url))
        .header(COOKIE, format!("{}; sandpit_flash={flash}", trainer.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<p class=\"notice error\" role=\"alert\" id=\"notice\">Nothing could start: the limit of 2 running sandboxes is reached. Try again later.</p>"),
        "{page}"
    );

    // A learner opens their link: the grid and counts follow.
    let http = client();
    assert_eq!(
        http.post(format!("{}/start", links[0][3]))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    loop {
        let event = events.next().await;
        if event["pool"]["counts"]["claimed"] == 1 {
            assert_eq!(event["grid"]["learners"][0]["sandbox"], "in use");
            break;
        }
    }

    let r = trainer
        .post(
            &format!("/trainer/cohorts/{cohort}/teardown"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    loop {
        let event = events.next().await;
        if event["summary"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("torn down"))
        {
            break;
        }
    }
    server.assert_nothing_left().await;
}
