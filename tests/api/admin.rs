//! The admin's pages and API on a real server and the real engine: who may
//! see them, every sandbox with the engine's CPU and memory, filters, and
//! teardown of one sandbox, a cohort or everything, confirmed, reported and
//! leaving nothing labelled behind; and `sandpit teardown`.

use crate::common;
use crate::common::http::{client, csrf_of, memory_figures};
use std::time::{Duration, Instant};

use crate::common::api::{Api, account, in_minutes};
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use sandpit::store::Role;
use serde_json::{Value, json};

/// A signed-in browser.
struct Browser {
    http: reqwest::Client,
    url: String,
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn sign_in(server: &TestServer, name: &str, role: Role) -> Self {
        let (_, password) = common::settled_account(&server.app, name, role).await;
        let http = client();
        let cookie = common::http::session_of(&server.url, name, &password).await;
        let mut me = Self {
            http,
            url: server.url.clone(),
            cookie,
            csrf: String::new(),
        };
        let (_, home) = me.page("/trainer").await;
        me.csrf = csrf_of(&home);
        me
    }

    async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// `/admin` once the engine's figures of `running` sandboxes are in:
    /// they are gathered in the background, the first load only asks.
    async fn admin_with_figures(&self, running: usize) -> String {
        let start = Instant::now();
        loop {
            let (status, html) = self.page("/admin").await;
            assert_eq!(status, StatusCode::OK, "{html}");
            if html.contains("CPU and memory: figures from") && memory_figures(&html) >= running {
                return html;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "{html}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

/// Creates and launches a cohort of `tiny` with `seats` learners and no
/// spare, and waits until its pool is ready; returns its id.
async fn ready_cohort(api: &Api, name: &str, seats: u32) -> String {
    let created = api
        .post(
            "/cohorts",
            Some(&json!({
                "name": name, "scenario": "tiny",
                "starts_at": in_minutes(120), "ends_at": in_minutes(240),
                "seats": seats, "spare": 0,
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let launch = api.post(&format!("/cohorts/{id}/launch"), None).await;
    assert_eq!(launch.status, StatusCode::ACCEPTED, "{}", launch.body);
    let start = Instant::now();
    loop {
        let status = api.get(&format!("/cohorts/{id}/status")).await;
        if status.body["counts"]["ready"] == seats {
            return id;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{}",
            status.body
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Engine objects (containers and networks, any state) carrying `label`.
fn labelled(label: &str) -> Vec<String> {
    let run = |args: &[&str]| -> Vec<String> {
        let out = std::process::Command::new("docker")
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let filter = format!("label={label}");
    let mut all = run(&["ps", "-aq", "--filter", &filter]);
    all.extend(run(&["network", "ls", "-q", "--filter", &filter]));
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_every_sandbox_with_cpu_and_memory_a_trainer_gets_403_and_anonymous_goes_to_login()
 {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, admin_token) = account(&server, "root", Role::Admin).await;
    let (_, trainer_token) = account(&server, "tess", Role::Trainer).await;
    let api = Api::new(&server, Some(&admin_token));
    let cohort = ready_cohort(&api, "Monday", 2).await;
    let (_, loose) = server.link("tiny", "lou").await;

    let admin = Browser::sign_in(&server, "ada", Role::Admin).await;
    let html = admin.admin_with_figures(3).await;
    assert!(html.contains(&loose.id.to_string()), "{html}");
    assert!(html.contains(&format!("href=\"/trainer/cohorts/{cohort}\"")));
    assert!(html.contains("Monday"));
    assert_eq!(html.matches("data-state=\"ready\"").count(), 3, "{html}");
    assert_eq!(memory_figures(&html), 3, "{html}");
    assert!(
        html.contains("href=\"/admin\""),
        "the nav links admins here"
    );
    assert!(html.contains(&format!(
        "action=\"/admin/sandboxes/{}/teardown\"",
        loose.id
    )));
    assert!(
        !html.contains("name=\"csrf\" value=\"\""),
        "every form has its token"
    );

    let listed = api.get("/admin/sandboxes").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let rows = listed.body.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert_eq!(row["state"], "ready");
        assert!(row["usage"]["memory_bytes"].as_u64().unwrap() > 0, "{row}");
        assert!(row["usage"]["cpu_percent"].as_f64().is_some(), "{row}");
        assert!(row["usage_measured_at"].is_string(), "{row}");
    }
    let only = api.get(&format!("/admin/sandboxes?cohort={cohort}")).await;
    assert_eq!(only.body.as_array().unwrap().len(), 2);
    let none = api.get("/admin/sandboxes?scenario=web").await;
    assert_eq!(none.body.as_array().unwrap().len(), 0);
    let (_, filtered) = admin.page(&format!("/admin?cohort={cohort}")).await;
    assert_eq!(filtered.matches("data-state=\"ready\"").count(), 2);

    let trainer = Browser::sign_in(&server, "tina", Role::Trainer).await;
    let (status, _) = trainer.page("/admin").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let refused = Api::new(&server, Some(&trainer_token))
        .get("/admin/sandboxes")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.error().contains("admin"));
    let anonymous = client()
        .get(format!("{}/admin", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert!(
        anonymous.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    let all = api
        .post(
            "/admin/teardown-all",
            Some(&json!({"confirm": "everything"})),
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    server.assert_nothing_left().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_teardowns_need_csrf_and_confirmation_are_reported_and_leave_nothing_labelled() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, token) = account(&server, "root", Role::Admin).await;
    let api = Api::new(&server, Some(&token));
    let cohort = ready_cohort(&api, "Tuesday", 2).await;
    let (_, loose) = server.link("tiny", "lou").await;
    let admin = Browser::sign_in(&server, "ada", Role::Admin).await;

    // One sandbox: no CSRF → refused; no confirmation → asked; confirmed → gone.
    let path = format!("/admin/sandboxes/{}/teardown", loose.id);
    let forged = admin.post(&path, &[("confirm", "yes")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let asked = admin.post(&path, &[("csrf", &admin.csrf)]).await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    assert_eq!(asked.headers()[LOCATION], path.as_str());
    let (status, asked) = admin.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(asked.contains("name=\"confirm\" value=\"yes\""));
    let sandbox_label = format!("sandpit.sandbox={}", loose.id);
    assert!(
        !labelled(&sandbox_label).is_empty(),
        "asking removes nothing"
    );
    let done = admin
        .post(&path, &[("csrf", &admin.csrf), ("confirm", "yes")])
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let report = done.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(report.starts_with("/admin/teardowns/"));
    assert!(labelled(&sandbox_label).is_empty());
    let (status, html) = admin.page(&report).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sandboxes removed: 1"), "{html}");
    let again = admin
        .post(&path, &[("csrf", &admin.csrf), ("confirm", "yes")])
        .await;
    assert_eq!(
        again.status(),
        StatusCode::SEE_OTHER,
        "a second teardown is fine"
    );

    // A cohort: the wrong name is refused, its name tears it down.
    let path = format!("/admin/cohorts/{cohort}/teardown");
    let asked = admin.post(&path, &[("csrf", &admin.csrf)]).await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    assert_eq!(asked.headers()[LOCATION], path.as_str());
    let (status, asked) = admin.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(asked.contains("type=\"text\" name=\"confirm\""));
    let wrong = admin
        .post(&path, &[("csrf", &admin.csrf), ("confirm", "Monday")])
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let cohort_label = format!("sandpit.cohort={cohort}");
    assert_eq!(
        labelled(&cohort_label).len(),
        6,
        "2 sandboxes: a container and a checker each, 2 networks"
    );
    let done = admin
        .post(&path, &[("csrf", &admin.csrf), ("confirm", "Tuesday")])
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert!(labelled(&cohort_label).is_empty());
    let report = done.headers()[LOCATION].to_str().unwrap().to_owned();
    let id: i64 = report.rsplit('/').next().unwrap().parse().unwrap();
    let kept = api.get(&format!("/admin/teardowns/{id}")).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!(kept.body["scope"], "cohort");
    assert_eq!(kept.body["removed"], 2);
    assert_eq!(kept.body["sandboxes"], 2);
    assert!(kept.body["memory_gib_hours"].as_f64().unwrap() > 0.0);
    assert!(kept.body["cpu_hours"].as_f64().unwrap() > 0.0);
    assert_eq!(kept.body["failed"], json!([]));
    let (_, html) = admin.page(&report).await;
    assert!(html.contains("Sandboxes removed: 2"), "{html}");
    assert!(html.contains("GiB·hours"));

    // Everything: only with "everything" typed.
    let wrong = admin
        .post(
            "/admin/teardown-all",
            &[("csrf", &admin.csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let done = admin
        .post(
            "/admin/teardown-all",
            &[("csrf", &admin.csrf), ("confirm", "everything")],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let report = done.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        report.starts_with("/admin/teardown-all/report?ids="),
        "{report}"
    );
    let (status, html) = admin.page(&report).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"teardown-report\""), "{html}");
    server.assert_nothing_left().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_teardowns_are_idempotent_and_concurrent_and_teardown_all_needs_its_confirmation() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, token) = account(&server, "root", Role::Admin).await;
    let api = Api::new(&server, Some(&token));
    let first = ready_cohort(&api, "Wednesday", 3).await;
    let second = ready_cohort(&api, "Thursday", 1).await;
    let (_, loose) = server.link("tiny", "lou").await;

    // Two teardowns of one cohort at once, then a third: all succeed.
    let path = format!("/admin/cohorts/{first}/teardown");
    let (a, b) = tokio::join!(api.post(&path, None), api.post(&path, None));
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    assert!(labelled(&format!("sandpit.cohort={first}")).is_empty());
    let c = api.post(&path, None).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert_eq!(c.body["removed"], 0);
    let kept = api
        .get(&format!("/admin/teardowns/{}", a.body["report_id"]))
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert!(kept.body["memory_gib_hours"].as_f64().unwrap() > 0.0);

    // One sandbox, twice at once.
    let path = format!("/admin/sandboxes/{}/teardown", loose.id);
    let (a, b) = tokio::join!(api.post(&path, None), api.post(&path, None));
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    assert!(labelled(&format!("sandpit.sandbox={}", loose.id)).is_empty());
    let unknown = api
        .post(
            &format!("/admin/sandboxes/{}/teardown", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Everything: refused without its confirmation.
    for body in [json!({}), json!({"confirm": "yes"})] {
        let refused = api.post("/admin/teardown-all", Some(&body)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.error().contains("everything"));
    }
    // One sandbox: its container, its checker, its network.
    assert_eq!(labelled(&format!("sandpit.cohort={second}")).len(), 3);
    let all = api
        .post(
            "/admin/teardown-all",
            Some(&json!({"confirm": "everything"})),
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["removed"], 1);
    server.assert_nothing_left().await;
    let status = api.get(&format!("/cohorts/{second}")).await;
    assert_eq!(status.body["state"], "torn_down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_teardown_command_removes_a_sandbox_and_prints_its_report() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, token) = account(&server, "root", Role::Admin).await;
    let (_, loose) = server.link("tiny", "lou").await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"))
        .args(["teardown", "--server", &server.url, "--token", &token])
        .args(["--sandbox", &loose.id.to_string(), "--json"])
        .env_remove("SANDPIT_TOKEN")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("tearing down sandbox"), "{stderr}");
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["teardown"]["removed"], 1);
    assert_eq!(printed["reports"][0]["scope"], "sandbox");
    assert!(printed["reports"][0]["memory_gib_hours"].as_f64().unwrap() > 0.0);
    server.assert_nothing_left().await;

    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"))
        .args(["teardown", "--server", &server.url, "--token", &token])
        .output()
        .await
        .unwrap();
    assert!(
        !refused.status.success(),
        "one of --cohort, --sandbox, --all is needed"
    );
}
