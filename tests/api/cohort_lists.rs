//! The lists of cohorts on a real server and engine: each cohort's
//! progress and how many learners are stuck, exactly as its grid counts
//! them, on the page, in the API and on the command line; and archiving a
//! cohort once it is over, out of the default lists, with a way back.

use std::time::{Duration, Instant};

use crate::common;
use crate::common::api::Api;
use crate::common::http::check;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app_with};
use reqwest::StatusCode;
use sandpit::store::Role;
use serde_json::{Value, json};

/// The row of cohort `id` in a list page.
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<tr data-cohort=\"{id}\">"))
        .unwrap_or_else(|| panic!("no row for {id}: {html}"));
    &html[start..start + html[start..].find("</tr>").unwrap()]
}

/// Runs `sandpit cohort …` against the server with `token`.
async fn cli(server: &TestServer, token: &str, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"))
        .arg("cohort")
        .args(args)
        .env_remove("SANDPIT_CONFIG")
        .env("SANDPIT_SERVER", &server.url)
        .env("SANDPIT_TOKEN", token)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_each_cohorts_exact_progress_and_stuck_count_and_archived_ones_apart() {
    // Two failed checks on a step mark a learner stuck.
    let app = test_app_with(fixture_scenarios(), |c| c.stuck_failures = 2).await;
    let server = TestServer::start(app).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let tess = Signed::new(&server, "tess", Role::Trainer).await;
    let token = tess.token(&server).await;
    let api = Api::new(&server, Some(&token));
    let monday = tess.create_cohort("Monday", "Ada\nGrace\nAlan").await;
    let tuesday = tess.create_cohort("Tuesday", "Bo").await;
    let monday_id = uuid::Uuid::parse_str(&monday).unwrap();

    let launched = tess
        .post(&format!("/trainer/cohorts/{monday}/launch"), &[])
        .await;
    Signed::location(&launched);
    let start = Instant::now();
    while server
        .app
        .store
        .state_counts(Some(monday_id))
        .await
        .unwrap()
        .ready
        < 3
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the pool never got ready"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Ada passes the exercise; Grace fails it twice (stuck); Alan never
    // opens his link.
    let links = server.app.service.learner_links(monday_id).await.unwrap();
    let http = common::http::client();
    let [ada, grace, _] = [0, 1, 2].map(|i| server.link_url(&links[i].token));
    for link in [&ada, &grace] {
        let started = http.post(format!("{link}/start")).send().await.unwrap();
        assert_eq!(started.status(), StatusCode::SEE_OTHER);
    }
    let learners = server.app.store.learners(monday_id).await.unwrap();
    let sandbox = learners[0].sandbox_id.as_deref().unwrap().parse().unwrap();
    server.solve(sandbox, "tiny", "make-file").await;
    assert_eq!(check(&http, &ada, "make-file").await["outcome"], "passed");
    for _ in 0..2 {
        assert_eq!(check(&http, &grace, "make-file").await["outcome"], "failed");
    }

    let (status, html) = tess.page("/trainer").await;
    assert_eq!(status, StatusCode::OK);
    let m = row(&html, &monday);
    assert!(
        m.contains("data-passed=\"1\" data-total=\"3\" data-finished=\"1\""),
        "{m}"
    );
    assert!(m.contains(">1 of 3 steps (33 %)</td>"), "{m}");
    assert!(m.contains("data-stuck=\"1\">1</td>"), "{m}");
    let t = row(&html, &tuesday);
    assert!(t.contains(">0 of 1 steps (0 %)</td>"), "{t}");
    assert!(t.contains("data-stuck=\"0\">0</td>"), "{t}");
    let (_, french) = tess.page("/trainer?lang=fr").await;
    assert!(row(&french, &monday).contains(">1 sur 3 étapes (33 %)</td>"));
    // The same counts as the cohort's own grid.
    let (_, grid) = tess.page(&format!("/trainer/cohorts/{monday}")).await;
    assert_eq!(grid.matches("class=\"stuck\">").count(), 1, "{grid}");
    assert_eq!(grid.matches("class=\"cell passed\"").count(), 1, "{grid}");

    let listed = api.get("/cohorts").await;
    assert_eq!(listed.status, StatusCode::OK);
    let by_name = |list: &Value, name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} is not in {list}"))
    };
    assert_eq!(
        by_name(&listed.body, "Monday")["progress"],
        json!({"steps_passed": 1, "steps_total": 3, "percent": 33, "finished": 1, "stuck": 1})
    );
    assert_eq!(
        by_name(&listed.body, "Tuesday")["progress"],
        json!({"steps_passed": 0, "steps_total": 1, "percent": 0, "finished": 0, "stuck": 0})
    );
    let table = stdout(&cli(&server, &token, &["list"]).await);
    let line = table.lines().find(|l| l.ends_with("  Monday")).unwrap();
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        columns[columns.len() - 5..],
        ["1/3", "steps", "33%", "1", "Monday"],
        "{table}"
    );

    // Not over yet: archiving is refused, on the page and in the API.
    let r = tess
        .post(&format!("/trainer/cohorts/{monday}/archive"), &[])
        .await;
    let (_, page, _) = tess.follow(r).await;
    assert!(
        page.contains("<p class=\"notice error\" role=\"alert\" id=\"notice\">The cohort “Monday” is not over yet: tear it down first, then archive it.</p>"),
        "{page}"
    );
    let refused = api.post(&format!("/cohorts/{tuesday}/archive"), None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        refused.error(),
        "Cohort “Tuesday” is not over yet: tear it down first, then archive it."
    );

    // Torn down, then archived from its page.
    let r = tess
        .post(
            &format!("/trainer/cohorts/{monday}/teardown"),
            &[("confirm", "yes")],
        )
        .await;
    let (status, report, to) = tess.follow(r).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        to.starts_with(&format!("/trainer/cohorts/{monday}/teardowns/")),
        "{to}"
    );
    assert!(report.contains("3 sandboxes were removed."), "{report}");
    let r = tess
        .post(&format!("/trainer/cohorts/{monday}/archive"), &[])
        .await;
    let (_, page, _) = tess.follow(r).await;
    assert!(
        page.contains("The cohort “Monday” is archived: it is no longer in your list of cohorts.")
    );
    assert!(page.contains("id=\"archived-banner\"") && page.contains("id=\"restore\""));

    let (_, html) = tess.page("/trainer").await;
    assert!(!html.contains(&monday), "{html}");
    assert!(
        html.contains("<a href=\"/trainer?archived=1\">One archived cohort</a>"),
        "{html}"
    );
    let (_, archived) = tess.page("/trainer?archived=1").await;
    let m = row(&archived, &monday);
    assert!(
        m.contains(">1 of 3 steps (33 %)</td>"),
        "the record stays: {m}"
    );
    assert!(
        m.contains("data-stuck=\"0\">0</td>"),
        "nobody is in a sandbox: {m}"
    );
    assert!(!archived.contains(&tuesday));
    let current = api.get("/cohorts").await.body;
    assert_eq!(current.as_array().unwrap().len(), 1);
    assert_eq!(current[0]["name"], "Tuesday");
    let old = api.get("/cohorts?archived=true").await.body;
    assert_eq!(old[0]["name"], "Monday");
    assert!(old[0]["archived_at"].is_string(), "{old}");
    assert_eq!(
        api.get("/cohorts?archived=maybe").await.status,
        StatusCode::BAD_REQUEST
    );

    // Back and forth from the command line, and back from the page.
    let said = stdout(&cli(&server, &token, &["restore", &monday]).await);
    assert_eq!(said.trim(), "Restored cohort `Monday`.");
    assert_eq!(api.get("/cohorts").await.body.as_array().unwrap().len(), 2);
    let archived: Value = serde_json::from_str(&stdout(
        &cli(&server, &token, &["archive", &monday, "--json"]).await,
    ))
    .unwrap();
    assert!(archived["archived_at"].is_string());
    let listed: Value = serde_json::from_str(&stdout(
        &cli(&server, &token, &["list", "--archived", "--json"]).await,
    ))
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], monday.as_str());
    let r = tess
        .post(&format!("/trainer/cohorts/{monday}/restore"), &[])
        .await;
    let (_, page, _) = tess.follow(r).await;
    assert!(page.contains("The cohort “Monday” is back in your list of cohorts."));
    let (_, html) = tess.page("/trainer").await;
    assert!(html.contains(&monday) && !html.contains("archived=1"));
    server.assert_nothing_left().await;
}
