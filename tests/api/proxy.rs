//! The reverse proxy on the real engine: a sandbox's declared web ports are
//! reached on their own origin (and under the path fallback only when it is
//! enabled), with headers, cookies, redirects, bodies and websockets passing
//! as they should, and nothing else reachable.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::server::{Spawned, spawn_app};
use crate::common::{Cleanup, ensure_images, fixture_scenarios, test_config};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use sandpit::app::App;
use sandpit::config::Config;
use sandpit::http::AppState;
use sandpit::sandbox::{LinkToken, Owner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// A server on 127.0.0.1 port 0 with one `web` sandbox and its link.
struct Running {
    addr: SocketAddr,
    state: AppState,
    /// The link's own token: opens the learner page, never the proxy.
    link: LinkToken,
    /// The link's web key: what proxied host names and paths carry.
    token: LinkToken,
    sandbox: Uuid,
    stop: Option<oneshot::Sender<()>>,
    cleanup: Cleanup,
    _data: tempfile::TempDir,
}

impl Running {
    async fn start(proxy_path_fallback: bool) -> Self {
        let data = tempfile::tempdir().unwrap();
        let config = Config {
            proxy_path_fallback,
            ..test_config(data.path(), fixture_scenarios())
        };
        let app = App::open(config).await.unwrap();
        ensure_images(&app).await;
        let scenario = app.scenario("web").unwrap().clone();
        let mut cleanup = Cleanup::default();
        let (token, sandbox) = app
            .service
            .create_link(&scenario, &Owner::default())
            .await
            .unwrap();
        cleanup.ids.push(sandbox.id);
        let Spawned {
            addr, state, stop, ..
        } = spawn_app(Arc::new(app), |addr| format!("http://{addr}")).await;
        Self {
            addr,
            state,
            token: token.web_key(),
            link: token,
            sandbox: sandbox.id,
            stop: Some(stop),
            cleanup,
            _data: data,
        }
    }

    /// The sandbox origin's host for `port`, with Sandpit's port.
    fn host(&self, port: u16) -> String {
        format!(
            "{port}-{}.sandpit.localhost:{}",
            self.token.as_str(),
            self.addr.port()
        )
    }

    /// A client that reaches `<anything>.sandpit.localhost` on this server.
    fn client(&self, hosts: &[&str]) -> reqwest::Client {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none());
        for host in hosts {
            let name = host.rsplit_once(':').map_or(*host, |(n, _)| n);
            builder = builder.resolve(name, self.addr);
        }
        builder.build().unwrap()
    }

    /// Destroys the sandbox and proves nothing of it is left.
    async fn finish(mut self) {
        let service = self.state.service.clone();
        service.destroy(self.sandbox).await.unwrap();
        let left = service.runtime().list_owned(false).await.unwrap();
        let names: Vec<_> = left.iter().map(|o| &o.name).collect();
        assert!(names.is_empty(), "objects left behind: {names:?}");
        self.cleanup.ids.clear();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Sends `request` as written (no normalising client in between) and
/// returns the status and the whole response.
pub(crate) async fn raw(addr: SocketAddr, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut out))
        .await
        .expect("the server answers")
        .ok();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

pub(crate) fn get(target: &str, host: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn a_declared_port_is_proxied_with_its_headers_and_cookies_but_never_sandpits() {
    let run = Running::start(false).await;
    let host = run.host(8080);
    let http = run.client(&[&host]);
    let response = http
        .get(format!("http://{host}/echo?x=1&y=%2F"))
        .header("cookie", "sandpit_lang=fr; wiki_session=abc")
        .header("x-forwarded-for", "192.0.2.7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["x-upstream"], "echo");
    // A tool's response is not a Sandpit page: Sandpit's policy would
    // break the tool (its frames and scripts are its own business). Only
    // who may frame it is Sandpit's: its learner page, no other site.
    let policies: Vec<_> = headers.get_all("content-security-policy").iter().collect();
    assert_eq!(
        policies,
        [format!("frame-ancestors 'self' {}", run.state.site.origin()).as_str()],
        "Sandpit's CSP on a tool's response"
    );
    let cookies: Vec<_> = headers.get_all("set-cookie").iter().collect();
    assert_eq!(
        cookies,
        ["wiki_session=s1; Path=/; HttpOnly", "wide=1; Path=/"],
        "the sandbox's cookies pass, without Domain; none named like Sandpit's"
    );
    for hop in ["x-hop", "keep-alive"] {
        assert!(!headers.contains_key(hop), "{hop} is hop-by-hop");
    }
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "port: 8080");
    assert_eq!(lines[1], "GET /echo?x=1&y=%2F", "path and query as sent");
    for expected in [
        format!("host: {host}"),
        format!("x-forwarded-host: {host}"),
        "x-forwarded-for: 192.0.2.7, 127.0.0.1".into(),
        "x-forwarded-proto: http".into(),
        "cookie: wiki_session=abc".into(),
    ] {
        assert!(lines.contains(&expected.as_str()), "{expected} in\n{body}");
    }
    assert!(!body.contains("sandpit_lang"), "{body}");

    // Redirects pass unchanged: the Location stays on the sandbox origin.
    let redirect = http
        .get(format!("http://{host}/redirect"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::FOUND);
    assert_eq!(redirect.headers()["location"], "/echo?from=redirect");

    // Sandpit's own routes do not exist on a sandbox origin.
    let health = http
        .get(format!("http://{host}/healthz"))
        .send()
        .await
        .unwrap();
    assert!(health.text().await.unwrap().contains("GET /healthz"));

    // Bodies go up, and come down as they are produced.
    let posted = http
        .post(format!("http://{host}/echo"))
        .body("hello")
        .send()
        .await
        .unwrap();
    assert!(posted.text().await.unwrap().contains("body: hello"));
    let upload = http
        .post(format!("http://{host}/upload"))
        .body(vec![7u8; 5 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(upload.text().await.unwrap(), "received 5242880\n");
    let started = Instant::now();
    let mut slow = http
        .get(format!("http://{host}/slow"))
        .send()
        .await
        .unwrap();
    let first = slow.chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], b"first\n");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the first part came after {:?}: the response was buffered",
        started.elapsed()
    );
    let mut rest = Vec::new();
    while let Some(chunk) = slow.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    assert_eq!(rest, b"second\n");

    let activity = run
        .state
        .proxy
        .activity(run.sandbox)
        .expect("activity noted");
    assert!(activity.last.elapsed() < Duration::from_secs(5));
    run.finish().await;
}

#[tokio::test]
async fn undeclared_ports_unknown_tokens_and_a_disabled_fallback_are_refused() {
    let run = Running::start(false).await;
    let undeclared = run.host(8081);
    let unknown = format!(
        "8080-{}.sandpit.localhost:{}",
        LinkToken::generate().as_str(),
        run.addr.port()
    );
    let malformed = format!("8080-nope.sandpit.localhost:{}", run.addr.port());
    // The link's own token is not a web key: a host name never carries it.
    let link_token = format!(
        "8080-{}.sandpit.localhost:{}",
        run.link.as_str(),
        run.addr.port()
    );
    let http = run.client(&[&undeclared, &unknown, &malformed, &link_token]);

    // Something listens on 8081, but the scenario does not declare it.
    let refused = http
        .get(format!("http://{undeclared}/echo"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("does not offer a web page on that port"),
        "{body}"
    );
    assert!(!body.contains("port: 8081"));

    for host in [&unknown, &malformed, &link_token] {
        let response = http
            .get(format!("http://{host}/echo"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{host}");
    }
    // And the web key opens no learner page.
    let page = http
        .get(format!("http://{}/s/{}", run.addr, run.token.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    // A host name in another case is the same origin.
    let (status, text) = raw(run.addr, &get("/echo", &run.host(8080).to_uppercase())).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("port: 8080"));

    // The path fallback is off: its paths are Sandpit's, and unknown.
    let local = run.addr.to_string();
    let prefix = format!("/s/{}/proxy/8080", run.token.as_str());
    for target in [format!("{prefix}/echo"), format!("{prefix}/../8081/echo")] {
        let (status, text) = raw(run.addr, &get(&target, &local)).await;
        assert_eq!(status, 404, "{target}: {text}");
        assert!(!text.contains("port: 80"), "{target}: {text}");
    }
    run.finish().await;
}

#[tokio::test]
async fn the_path_fallback_when_enabled_proxies_its_prefix_and_refuses_path_tricks() {
    let run = Running::start(true).await;
    let local = run.addr.to_string();
    let token = run.token.as_str();
    let prefix = format!("/s/{token}/proxy/8080");

    let (status, text) = raw(run.addr, &get(&format!("{prefix}/echo?q=1"), &local)).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("port: 8080\nGET /echo?q=1\n"), "{text}");
    assert!(
        text.contains(&format!("x-forwarded-prefix: {prefix}\n")),
        "{text}"
    );
    assert!(text.contains(&format!("host: {local}\n")), "{text}");

    let (status, text) = raw(run.addr, &get(&format!("{prefix}/redirect"), &local)).await;
    assert_eq!(status, 302, "{text}");
    assert!(
        text.contains(&format!("location: {prefix}/echo?from=redirect\r\n")),
        "an absolute-path Location keeps the prefix: {text}"
    );

    let (status, _) = raw(
        run.addr,
        &get(&format!("/s/{token}/proxy/8081/echo"), &local),
    )
    .await;
    assert_eq!(status, 403, "undeclared ports stay refused");

    for target in [
        format!("{prefix}/../8081/echo"),
        format!("{prefix}/%2e%2e/8081/echo"),
        format!("{prefix}/%2E%2e%2f..%2f..%2fhealthz"),
        format!("/s/{token}/proxy/8081/../8080/echo"),
        format!("/s/{token}//proxy/8080/echo"),
        format!("/s/{token}/x/../proxy/8080/echo"),
        format!("/s/{token}/proxy%2f8080/echo"),
        "/s//proxy/8080/echo".to_owned(),
        "/s/%2e%2e/proxy/8080/echo".to_owned(),
        format!("//s/{token}/proxy/8080/echo"),
    ] {
        let (status, text) = raw(run.addr, &get(&target, &local)).await;
        assert_eq!(status, 400, "{target}: {text}");
        assert!(
            !text.contains("port: 80"),
            "{target} reached a sandbox: {text}"
        );
    }
    // Sandpit's own pages are still Sandpit's.
    let (status, text) = raw(run.addr, &get("/healthz", &local)).await;
    assert_eq!(
        (status, text.contains("\"status\":\"ok\"")),
        (200, true),
        "{text}"
    );
    // Signing in from a browser is refused, and the login page says why
    // instead of a form that would not work.
    let (status, text) = raw(run.addr, &get("/login", &local)).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("Signing in from a browser is off on this server because sandboxes"),
        "{text}"
    );
    assert!(
        text.contains("(proxy_path_fallback). Use an API token."),
        "{text}"
    );
    assert!(!text.contains("type=\"password\""), "{text}");
    run.finish().await;
}

#[tokio::test]
async fn a_websocket_through_the_proxy_carries_messages_both_ways() {
    let run = Running::start(false).await;
    let host = run.host(8080);
    let stream = TcpStream::connect(run.addr).await.unwrap();
    let (mut ws, response) = tokio_tungstenite::client_async(format!("ws://{host}/ws"), stream)
        .await
        .expect("the upgrade goes through");
    assert_eq!(response.status(), 101);
    let activity = run.state.proxy.activity(run.sandbox).unwrap();
    assert_eq!(activity.open_tunnels, 1);

    ws.send(Message::text("hello")).await.unwrap();
    let echoed = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(echoed, Message::text("hello"));
    let big = vec![42u8; 100_000];
    ws.send(Message::binary(big.clone())).await.unwrap();
    let echoed = ws.next().await.unwrap().unwrap();
    assert_eq!(echoed.into_data().to_vec(), big);
    ws.close(None).await.unwrap();
    while let Some(Ok(_)) = ws.next().await {}
    drop(ws);

    let deadline = Instant::now() + Duration::from_secs(5);
    while run.state.proxy.activity(run.sandbox).unwrap().open_tunnels > 0 {
        assert!(Instant::now() < deadline, "the tunnel was not closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    run.finish().await;
}

#[tokio::test]
async fn a_declared_port_with_nothing_listening_gives_a_502_quickly() {
    let run = Running::start(false).await;
    let host = run.host(8082);
    let http = run.client(&[&host]);
    let started = Instant::now();
    let response = http.get(format!("http://{host}/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(response.text().await.unwrap().contains("not answering"));
    run.finish().await;
}

#[tokio::test]
async fn request_bodies_over_32_mib_get_a_413_declared_or_streamed() {
    let run = Running::start(false).await;
    let host = run.host(8080);
    let declared = format!(
        "POST /upload HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        33 * 1024 * 1024
    );
    let (status, text) = raw(run.addr, &declared).await;
    assert_eq!(status, 413, "{text}");

    // Chunked, with no length up front: cut off once past the cap.
    let mut stream = TcpStream::connect(run.addr).await.unwrap();
    let head = format!(
        "POST /upload HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = [b"100000\r\n".as_slice(), &vec![b'x'; 0x100000], b"\r\n"].concat();
    for _ in 0..40 {
        if stream.write_all(&chunk).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    run.finish().await;
}
