//! Operating Sandpit on a real server and the real engine: `/healthz`,
//! `/readyz`, `/metrics` as Prometheus text whose counters move after a
//! provision, a claim and a check, request ids, and logs that never hold a
//! learner's token.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::common::api::{Api, account, in_minutes};
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app, test_app_with};
use reqwest::StatusCode;
use sandpit::store::Role;
use serde_json::{Value, json};

/// Where the process's log goes while a [`Capture`] is alive: the test
/// binary holds every area's tests, so the subscriber is the process's and
/// is installed once; lines written outside a capture are dropped.
fn sink() -> &'static Arc<Mutex<Option<Vec<u8>>>> {
    static SINK: OnceLock<Arc<Mutex<Option<Vec<u8>>>>> = OnceLock::new();
    SINK.get_or_init(|| {
        let sink = Arc::new(Mutex::new(None));
        let writer = sink.clone();
        tracing_subscriber::fmt()
            .json()
            .with_env_filter("info,sqlx=warn")
            .with_writer(move || Writer(writer.clone()))
            .try_init()
            .expect("no other test installs a global subscriber");
        sink
    })
}

/// Everything logged in the process (this test's server and any other
/// test's running meanwhile) from its start until it is dropped, as JSON
/// lines.
struct Capture;

impl Capture {
    fn start() -> Self {
        *sink().lock().unwrap() = Some(Vec::new());
        Capture
    }

    fn text(&self) -> String {
        let bytes = sink().lock().unwrap().clone().unwrap_or_default();
        String::from_utf8(bytes).unwrap()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        *sink().lock().unwrap() = None;
    }
}

struct Writer(Arc<Mutex<Option<Vec<u8>>>>);

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(log) = self.0.lock().unwrap().as_mut() {
            log.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Parses Prometheus text: every sample line is `name{labels} value`, and
/// every sample's metric family has a `# TYPE`. Returns the samples.
fn parse(text: &str) -> BTreeMap<String, f64> {
    let mut typed = BTreeSet::new();
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split_whitespace().next().unwrap();
            typed.insert(name.to_owned());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("`{line}`"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("`{line}`: the value is not a number"));
        let name = series.split('{').next().unwrap();
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':'),
            "`{line}`: a bad metric name"
        );
        let labels = &series[name.len()..];
        if !labels.is_empty() {
            assert!(labels.starts_with('{') && labels.ends_with('}'), "`{line}`");
            for pair in labels[1..labels.len() - 1]
                .split("\",")
                .filter(|p| !p.is_empty())
            {
                let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("`{line}`"));
                assert!(!k.is_empty() && v.starts_with('"'), "`{line}`");
            }
        }
        let family = ["_bucket", "_count", "_sum", "_total", "_created"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .filter(|base| typed.contains(*base))
            .unwrap_or(name);
        assert!(typed.contains(family), "`{line}` has no # TYPE");
        samples.insert(series.to_owned(), value);
    }
    samples
}

async fn scrape(server: &TestServer) -> BTreeMap<String, f64> {
    let response = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    parse(&response.text().await.unwrap())
}

fn get(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_move_after_a_provision_a_claim_and_a_check_and_tokens_stay_out_of_logs()
{
    let logs = Capture::start();
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, token) = account(&server, "root", Role::Admin).await;
    let api = Api::new(&server, Some(&token));
    let before = scrape(&server).await;

    let created = api
        .post(
            "/cohorts",
            Some(&json!({
                "name": "Metrics", "scenario": "tiny",
                "starts_at": in_minutes(120), "ends_at": in_minutes(240),
                "seats": 1, "spare": 0,
            })),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let link = created.body["learners"][0]["link"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(&format!("/cohorts/{id}/launch"), None).await;
    let start = Instant::now();
    while api.get(&format!("/cohorts/{id}/status")).await.body["counts"]["ready"] != 1 {
        assert!(start.elapsed() < Duration::from_secs(120));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let pooled = scrape(&server).await;
    assert_eq!(get(&pooled, "sandpit_sandboxes{state=\"ready\"}"), 1.0);
    assert_eq!(
        get(&pooled, &format!("sandpit_pool_ready{{cohort=\"{id}\"}}")),
        1.0
    );

    let http = reqwest::Client::new();
    // Where a cohort link's first visit has a Start button, its POST claims;
    // elsewhere (no such route) the first GET does.
    let _ = http.post(format!("{link}/start")).send().await.unwrap();
    let page = http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let check: Value = http
        .post(format!("{link}/check/make-file"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(check["outcome"], "failed", "{check}");

    let after = scrape(&server).await;
    for (series, by) in [
        ("sandpit_provision_duration_seconds_count", 1.0),
        ("sandpit_claims_total", 1.0),
        (
            "sandpit_check_duration_seconds_count{outcome=\"failed\"}",
            1.0,
        ),
    ] {
        assert_eq!(get(&after, series) - get(&before, series), by, "{series}");
    }
    assert_eq!(get(&after, "sandpit_sandboxes{state=\"claimed\"}"), 1.0);
    assert!(
        get(
            &after,
            "sandpit_http_requests_total{route=\"learner\",status=\"200\"}"
        ) >= 1.0
    );
    assert!(get(&after, "sandpit_provision_failures_total") >= 0.0);

    // The link's token is in the URLs above, never in the log.
    let learner_token = link.rsplit('/').next().unwrap();
    let text = logs.text();
    assert!(text.contains("/s/{token}/check/make-file"), "{text}");
    assert!(
        !text.contains(learner_token),
        "a learner's token was logged"
    );
    assert!(text.contains("\"request_id\""));

    api.post(&format!("/cohorts/{id}/teardown"), None).await;
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn health_and_readiness_answer_and_request_ids_go_in_and_out() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let http = reqwest::Client::new();
    let health = http
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let generated = health.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 32);
    let health: Value = health.json().await.unwrap();
    assert_eq!(
        health,
        json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "schema": sandpit::store::Store::schema(),
        })
    );
    // The newest migration's number: upgrades go by it.
    let newest = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .split('_')
                .next()?
                .parse::<i64>()
                .ok()
        })
        .max()
        .unwrap();
    assert_eq!(health["schema"], newest);
    let version = crate::common::sandpit_cli(&["--version"], &[]).await;
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!(
            "sandpit {} (store schema {newest})",
            env!("CARGO_PKG_VERSION")
        )
    );

    let ready = http
        .get(format!("{}/readyz", server.url))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.headers()["x-request-id"], "trace-me-42");
    let body: Value = ready.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": "ready", "engine": "ok", "store": "ok"})
    );

    let hostile = http
        .get(format!("{}/healthz", server.url))
        .header("x-request-id", "x".repeat(65))
        .send()
        .await
        .unwrap();
    assert_ne!(hostile.headers()["x-request-id"], &"x".repeat(65));
}

#[tokio::test]
async fn with_a_metrics_token_metrics_need_it() {
    let server = TestServer::start(
        test_app_with(fixture_scenarios(), |c| {
            c.metrics_token = Some(sandpit::config::Secret("s3cret".into()));
        })
        .await,
    )
    .await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", server.url);
    let refused = http.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let wrong = http.get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let ok = http.get(&url).bearer_auth("s3cret").send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    parse(&ok.text().await.unwrap());
}

#[tokio::test]
async fn behind_a_trusted_proxy_on_loopback_metrics_are_for_loopback_clients_only() {
    let server = TestServer::start(
        test_app_with(fixture_scenarios(), |c| {
            c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        })
        .await,
    )
    .await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", server.url);
    // The proxy forwards for a client elsewhere: not a loopback client.
    let forwarded = http
        .get(&url)
        .header("x-forwarded-for", "203.0.113.8")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), StatusCode::FORBIDDEN);
    let local = http.get(&url).send().await.unwrap();
    assert_eq!(local.status(), StatusCode::OK);
}
