//! xAPI statements an LRS refuses: on a real server with an LRS that
//! answers 422 to one actor of a batch of 50, the 49 others arrive once
//! each, the refused one is parked with the LRS's answer and not sent
//! again, the metrics say so, and an admin sees, exports and retries it.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common;
use crate::common::TestApp;
use crate::common::http::{client, csrf_of};
use crate::common::server::TestServer;
use crate::records;
use crate::xapi_kit::lrs::TestLrs;
use crate::xapi_kit::validate::assert_valid;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use sandpit::store::{Outcome, Role};
use serde_json::Value;

const REFUSED: &str = "mailto:bob@corp.example.org";
const LONG: Duration = Duration::from_secs(40);

/// A signed-in admin's browser.
struct Admin {
    http: reqwest::Client,
    url: String,
    cookie: String,
}

impl Admin {
    async fn sign_in(server: &TestServer) -> Self {
        let (_, password) = common::settled_account(&server.app, "root", Role::Admin).await;
        let http = client();
        let cookie = common::http::session_of(&server.url, "root", &password).await;
        Self {
            http,
            url: server.url.clone(),
            cookie,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        r.text().await.unwrap()
    }

    async fn post(&self, path: &str, csrf: &str) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .form(&[("csrf", csrf)])
            .send()
            .await
            .unwrap()
    }
}

/// The value of each `sandpit_xapi_*` sample in `/metrics`.
async fn xapi_metrics(url: &str) -> BTreeMap<String, f64> {
    let text = client()
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("sandpit_xapi_"))
        .filter_map(|l| {
            let (name, value) = l.split_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

fn metric(m: &BTreeMap<String, f64>, name: &str) -> f64 {
    *m.get(name)
        .unwrap_or_else(|| panic!("{name} is not in /metrics: {m:?}"))
}

#[tokio::test]
async fn one_statement_the_lrs_refuses_is_parked_and_the_49_others_of_its_batch_arrive_once() {
    let lrs_addr = TestLrs::reserve();
    let lrs = TestLrs::start(lrs_addr, false).await;
    lrs.log.lock().unwrap().refuse_actors.insert(REFUSED.into());
    let data = tempfile::tempdir().unwrap();
    let app = records::open(data.path(), Some(&TestLrs::endpoint(lrs_addr))).await;

    // Fifty learners opened their links before the server started: the
    // sender's first round finds fifty `launched` statements, one batch.
    let (trainer, _) = records::account(&app, "trainer", Role::Trainer).await;
    let roster: Vec<_> = (0..50)
        .map(|i| {
            let email = if i == 17 {
                REFUSED.trim_start_matches("mailto:").to_owned()
            } else {
                format!("learner{i}@example.org")
            };
            records::entry(&format!("Learner {i}"), Some(&email), None)
        })
        .collect();
    let (cohort, learners) = records::cohort(&app, &trainer, "tiny", "Wave 50", roster).await;
    let mut sandboxes = Vec::new();
    for learner in &learners {
        sandboxes.push(records::claim(&app, &cohort, learner).await);
    }
    let server = TestServer::start(TestApp::new(app, data)).await;
    let app = server.app.clone();

    records::eventually(LONG, "49 are delivered and 1 is parked", || async {
        let s = app.store.outbox_status().await.unwrap();
        (s.sent, s.parked, s.pending) == (49, 1, 0)
    })
    .await;
    let parked = app.store.parked_statements(None).await.unwrap();
    assert_eq!(parked.len(), 1);
    let refused = &parked[0];
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .answer
            .contains("actor.mbox: mailto:bob@corp.example.org is not a valid email address"),
        "{}",
        refused.answer
    );
    let (stored, conflicts, sizes, with_refused) = {
        let log = lrs.log.lock().unwrap();
        let with_refused = log.posted.iter().filter(|p| **p == refused.id).count();
        (
            log.statements.clone(),
            log.conflicts,
            log.sizes.clone(),
            with_refused,
        )
    };
    assert_eq!(stored.len(), 49, "each of the 49 is stored once");
    assert_valid(&stored);
    assert!(stored.iter().all(|s| s["actor"]["mbox"] != REFUSED));
    assert_eq!(conflicts, 0, "nothing already stored was sent again");
    assert_eq!(sizes[0], 50, "the first POST carried the whole batch");
    // Halving: the batch with the refused one is refused and split, down to
    // it alone (50, 25, 13, 6, 3, 2, 1: 7 POSTs); the halves without it go
    // once each (6 more).
    assert_eq!(with_refused, 7, "{sizes:?}");
    assert_eq!(sizes.len(), 13, "{sizes:?}");
    let body: Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(body["actor"]["mbox"], REFUSED);

    // The metrics say exactly that.
    records::eventually(LONG, "the metrics count the round", || async {
        let m = xapi_metrics(&server.url).await;
        m.get("sandpit_xapi_statements_delivered_total") == Some(&49.0)
    })
    .await;
    let m = xapi_metrics(&server.url).await;
    assert_eq!(metric(&m, "sandpit_xapi_statements_queued"), 0.0);
    assert_eq!(metric(&m, "sandpit_xapi_statements_delivered_total"), 49.0);
    assert_eq!(metric(&m, "sandpit_xapi_statements_refused_total"), 1.0);
    assert_eq!(metric(&m, "sandpit_xapi_outbox_oldest_age_seconds"), 0.0);

    // The sender goes on with new records, round after round, and never
    // sends the parked one again.
    let posts_of_refused = |lrs: &TestLrs| {
        lrs.log
            .lock()
            .unwrap()
            .posted
            .iter()
            .filter(|id| **id == refused.id)
            .count()
    };
    let before = posts_of_refused(&lrs);
    for (round, sandbox) in sandboxes.iter().take(3).enumerate() {
        records::attempt(&app, *sandbox, "make-file", Outcome::Failed, "no", "").await;
        // attempted + failed for each new attempt.
        let want = 49 + 2 * (round + 1);
        records::eventually(LONG, "the new statements arrive", || async {
            lrs.statements().len() == want
        })
        .await;
    }
    assert_eq!(
        posts_of_refused(&lrs),
        before,
        "the parked one is left alone"
    );
    let status = app.store.outbox_status().await.unwrap();
    assert_eq!((status.sent, status.parked, status.pending), (55, 1, 0));

    // An admin sees it, in English and in French, downloads it, and retries
    // it once the LRS accepts that address.
    let admin = Admin::sign_in(&server).await;
    let home = admin.page("/admin").await;
    assert!(home.contains("href=\"/admin/xapi\""), "{home}");
    assert!(home.contains("one statement refused by the LRS"), "{home}");
    let page = admin.page("/admin/xapi").await;
    assert!(page.contains("Statements the LRS refused"), "{page}");
    assert!(page.contains(&format!("data-statement=\"{}\"", refused.id)));
    assert!(page.contains("Wave 50") && page.contains("Learner 17"));
    assert!(page.contains("bob@corp.example.org"));
    assert!(page.contains("<td>launched</td>"), "{page}");
    assert!(page.contains("<td class=\"status\">422</td>"), "{page}");
    assert!(page.contains("is not a valid email address"));
    assert!(page.contains("Waiting for the LRS: 0 · delivered: 55 · refused and parked: 1"));
    let fr = admin.page("/admin/xapi?lang=fr").await;
    assert!(fr.contains("Déclarations refusées par le LRS"), "{fr}");
    assert!(fr.contains("Réponse du LRS") && fr.contains("Réessayer"));
    assert!(fr.contains("En attente du LRS : 0 · remises : 55 · refusées et mises de côté : 1"));

    let csv = admin.get("/admin/xapi/parked.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with("\u{feff}statement_id;cohort_id;cohort_name;learner;actor;verb;timestamp;parked_at;status;answer;tries;statement\n"),
        "{csv}"
    );
    let row = csv.lines().nth(1).unwrap();
    assert!(
        row.starts_with(&format!(
            "{};{};Wave 50;Learner 17;bob@corp.example.org;launched;",
            refused.id, cohort.id
        )),
        "{row}"
    );
    assert!(row.contains(";422;"), "{row}");
    let json: Value = admin
        .get("/admin/xapi/parked.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["statement_id"], refused.id.as_str());
    assert_eq!(json[0]["status"], 422);
    assert_eq!(json[0]["statement"], body, "the statement as it was sent");
    assert_eq!(
        admin.get("/admin/xapi/parked.xml").await.status(),
        StatusCode::NOT_FOUND
    );

    // A retry without the form's token changes nothing.
    let forged = admin
        .post(
            &format!("/admin/xapi/parked/{}/retry", refused.id),
            "forged",
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.outbox_status().await.unwrap().parked, 1);
    let csrf = csrf_of(&page);
    let unknown = admin
        .post(
            &format!("/admin/xapi/parked/{}/retry", uuid::Uuid::new_v4()),
            &csrf,
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Retried while the LRS still refuses that address: one more POST,
    // parked again with the answer.
    let retried = admin
        .post(&format!("/admin/xapi/parked/{}/retry", refused.id), &csrf)
        .await;
    assert_eq!(retried.status(), StatusCode::SEE_OTHER);
    assert_eq!(retried.headers()[LOCATION], "/admin/xapi");
    records::eventually(LONG, "the retried statement is refused again", || async {
        let m = xapi_metrics(&server.url).await;
        m.get("sandpit_xapi_statements_refused_total") == Some(&2.0)
    })
    .await;
    assert_eq!(posts_of_refused(&lrs), before + 1);
    let again = app.store.parked_statements(None).await.unwrap();
    assert_eq!((again.len(), again[0].status), (1, 422));
    assert!(again[0].tries > refused.tries);

    // Fixed on the LRS side; "retry all" sends it.
    lrs.log.lock().unwrap().refuse_actors.clear();
    let retried = admin.post("/admin/xapi/retry-all", &csrf).await;
    assert_eq!(retried.status(), StatusCode::SEE_OTHER);
    records::eventually(LONG, "the retried statement is delivered", || async {
        let s = app.store.outbox_status().await.unwrap();
        (s.sent, s.parked) == (56, 0)
    })
    .await;
    let stored = lrs.statements();
    assert_eq!(stored.len(), 56, "each statement is stored once");
    assert!(stored.iter().any(|s| s["actor"]["mbox"] == REFUSED));
    let page = admin.page("/admin/xapi").await;
    assert!(page.contains("The LRS has refused no statement."), "{page}");
    records::eventually(LONG, "the metrics count the retry", || async {
        let m = xapi_metrics(&server.url).await;
        m.get("sandpit_xapi_statements_delivered_total") == Some(&56.0)
    })
    .await;
    let m = xapi_metrics(&server.url).await;
    assert_eq!(metric(&m, "sandpit_xapi_statements_refused_total"), 2.0);
    assert_eq!(metric(&m, "sandpit_xapi_statements_queued"), 0.0);
    assert_eq!(metric(&m, "sandpit_xapi_outbox_oldest_age_seconds"), 0.0);

    records::retire(&app, &sandboxes).await;
}

#[tokio::test]
async fn statements_waiting_for_an_lrs_that_is_down_show_in_the_queue_metrics() {
    let data = tempfile::tempdir().unwrap();
    // Nothing listens there.
    let endpoint = TestLrs::endpoint(TestLrs::reserve());
    let app = records::open(data.path(), Some(&endpoint)).await;
    let (trainer, _) = records::account(&app, "trainer", Role::Trainer).await;
    let (cohort, learners) = records::cohort(
        &app,
        &trainer,
        "tiny",
        "Waiting",
        vec![
            records::entry("Ada", Some("ada@example.org"), None),
            records::entry("Bob", None, None),
        ],
    )
    .await;
    let mut sandboxes = Vec::new();
    for learner in &learners {
        sandboxes.push(records::claim(&app, &cohort, learner).await);
    }
    let server = TestServer::start(TestApp::new(app, data)).await;
    let app = server.app.clone();
    records::eventually(LONG, "both wait after a failed try", || async {
        let s = app.store.outbox_status().await.unwrap();
        s.pending == 2 && s.failing == 2
    })
    .await;
    let oldest = app
        .store
        .outbox_status()
        .await
        .unwrap()
        .oldest_pending
        .unwrap();
    let m = xapi_metrics(&server.url).await;
    assert_eq!(metric(&m, "sandpit_xapi_statements_queued"), 2.0);
    assert_eq!(metric(&m, "sandpit_xapi_statements_delivered_total"), 0.0);
    assert_eq!(metric(&m, "sandpit_xapi_statements_refused_total"), 0.0);
    let age = metric(&m, "sandpit_xapi_outbox_oldest_age_seconds");
    let since = (chrono::Utc::now() - oldest).num_milliseconds() as f64 / 1000.0;
    assert!(
        age > 0.0 && age <= since,
        "the oldest waited {age} s, at most {since} s"
    );
    records::retire(&app, &sandboxes).await;
}
