//! The admin page's CPU and memory figures on a real server and the real
//! engine: gathered in the background, served from there with their age in
//! English and French, so that loading the page asks the engine nothing;
//! and the task that gathers them stops when told to.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::api::{Api, account};
use crate::common::http::{client, memory_figures, session_of};
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, settled_account, test_app, test_app_with};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use sandpit::sandbox::UsageFigures;
use sandpit::store::Role;
use tokio_util::sync::CancellationToken;

/// The seconds in "figures from N s ago".
fn age_in(html: &str) -> u64 {
    let at = html.find("figures from ").expect("the figures' age") + "figures from ".len();
    html[at..].split(' ').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_shows_cached_figures_with_their_age_and_later_loads_ask_the_engine_nothing()
{
    // One refresh an hour at most: every figure after the first round can
    // only come from the cache.
    let app = test_app_with(fixture_scenarios(), |c| c.usage_refresh_seconds = 3600).await;
    let server = TestServer::start(app).await;
    let (_, sandbox) = server.link("tiny", "Ada").await;
    let (_, password) = settled_account(&server.app, "root", Role::Admin).await;
    let session = session_of(&server.url, "root", &password).await;
    let http = client();
    let page = |path: &'static str| {
        let request = http
            .get(format!("{}{path}", server.url))
            .header(COOKIE, &session);
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.text().await.unwrap()
        }
    };
    let asked = || server.usage.engine_requests();
    assert_eq!(asked(), 0);

    // The first load does not wait for the engine: it says the figures are
    // on their way, and asks the background task for them.
    let first = page("/admin").await;
    assert!(
        first.contains("CPU and memory: the figures are being gathered in the background; reload in a few seconds."),
        "{first}"
    );
    assert!(first.contains("<td class=\"memory\">—</td>"), "{first}");
    let start = Instant::now();
    let html = loop {
        let html = page("/admin").await;
        if memory_figures(&html) == 1 {
            break html;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{html}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(html.contains("CPU and memory: figures from "), "{html}");
    assert!(
        html.contains(" ago (refreshed in the background every 3600 s while this page is in use)."),
        "{html}"
    );
    assert_eq!(asked(), 1, "one round, one container");

    // Later loads, in both languages, and the API: from the cache.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = page("/admin").await;
    assert_eq!(memory_figures(&again), 1);
    assert!(age_in(&again) >= 1, "the age grows: {again}");
    let fr = page("/admin?lang=fr").await;
    assert!(
        fr.contains("Processeur et mémoire : chiffres relevés il y a "),
        "{fr}"
    );
    let (_, token) = account(&server, "api-root", Role::Admin).await;
    let listed = Api::new(&server, Some(&token))
        .get("/admin/sandboxes")
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(listed.body[0]["usage"]["memory_bytes"].as_u64().unwrap() > 0);
    assert!(listed.body[0]["usage_measured_at"].is_string());
    assert_eq!(asked(), 1, "no load after the first round asked the engine");

    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn the_figures_task_stops_when_shutdown_is_signalled() {
    let t = test_app(fixture_scenarios()).await;
    let figures = Arc::new(UsageFigures::new(
        t.app.runtime.clone(),
        t.app.store.clone(),
        Duration::from_secs(1),
    ));
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(figures.clone().run(shutdown.clone()));
    // Someone looks: a round is asked for, then one every second.
    assert!(figures.read(&[]).is_none());
    let start = Instant::now();
    while figures.read(&[]).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no round was made"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("the task ended on the signal")
        .expect("without a panic");
    t.assert_nothing_left().await;
}
