//! Operating Sandpit: `/healthz`, `/readyz`, `/metrics`, and the middleware
//! that gives every request an id and logs it without learners' tokens.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tracing::Instrument;

use super::AppState;
use super::auth::same_secret;
use crate::config::Config;
use crate::http::Site;
use crate::sandbox::SandboxService;
use crate::store::Store;
use crate::terminal::TerminalHub;
use std::sync::Arc;

/// The header a request id comes in and goes out in.
pub const REQUEST_ID: &str = "x-request-id";
/// How long Sandpit spent on a response (`app;dur=<ms>`), on its own pages
/// and API; proxied tools keep their own headers.
pub const SERVER_TIMING: &str = "server-timing";

/// How long each readiness probe may take.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// GET /readyz: 200 when the engine and the store both answer in time, 503
/// naming the one that did not.
async fn readyz(State(service): State<SandboxService>, State(store): State<Store>) -> Response {
    let (engine, store) = tokio::join!(
        tokio::time::timeout(READY_TIMEOUT, service.runtime().ping()),
        tokio::time::timeout(READY_TIMEOUT, store.ping()),
    );
    let engine = match engine {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("the engine did not answer a ping: {e}")),
        Err(_) => Err(format!(
            "the engine did not answer within {READY_TIMEOUT:?}"
        )),
    };
    let store = match store {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("the store did not answer a query: {e}")),
        Err(_) => Err(format!("the store did not answer within {READY_TIMEOUT:?}")),
    };
    let show = |r: &Result<(), String>| r.as_ref().err().map_or("ok".to_owned(), Clone::clone);
    let ready = engine.is_ok() && store.is_ok();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "engine": show(&engine),
        "store": show(&store),
    });
    (status, axum::Json(body)).into_response()
}

/// GET /metrics: Prometheus text. With `metrics_token` set, it takes that
/// token as `Authorization: Bearer …` from anywhere; without it, only
/// clients on loopback may read it (behind a trusted proxy, the client it
/// forwards for).
async fn metrics(
    State(config): State<Arc<Config>>,
    State(service): State<SandboxService>,
    State(site): State<Arc<Site>>,
    State(store): State<Store>,
    State(terminals): State<Arc<TerminalHub>>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let allowed = match &config.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| same_secret(sent.trim(), &token.0)),
        None => peer.is_some_and(|axum::Extension(ConnectInfo(addr))| {
            site.client_addr(addr.ip(), &headers).is_loopback()
        }),
    };
    if !allowed {
        return (
            StatusCode::FORBIDDEN,
            "metrics are not served to this client\n",
        )
            .into_response();
    }
    let counts = store.state_counts(None).await;
    let ready = store.ready_per_cohort().await;
    let queue = store.outbox_queue().await;
    let (counts, ready) = match (counts, ready, queue) {
        (Ok(c), Ok(r), Ok((queued, oldest))) => {
            service.metrics().set_xapi_outbox(queued, oldest);
            (c, r)
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            tracing::error!(error = %e, "reading the store for /metrics");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let text = service
        .metrics()
        .render(&counts, &ready, terminals.live_count());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// A request id from the client if it is short and tame, else a new one.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        })
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned)
}

/// A path as it may be logged: the segment after `s` (a learner's link
/// token) becomes `{token}`; no query string; at most 200 characters.
pub fn redact_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_s = false;
    for segment in path.split('/') {
        if after_s && !segment.is_empty() {
            out.push("{token}");
            after_s = false;
            continue;
        }
        after_s = segment == "s";
        out.push(segment);
    }
    let mut joined = out.join("/");
    if joined.len() > 200 {
        let mut cut = 200;
        while !joined.is_char_boundary(cut) {
            cut -= 1;
        }
        joined.truncate(cut);
        joined.push('…');
    }
    joined
}

/// Which kind of route a path is, for metrics and logs.
pub fn route_class(path: &str) -> &'static str {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    match segments.next() {
        None => "page",
        Some("s") => {
            if path.contains("/terminal") {
                "terminal"
            } else {
                "learner"
            }
        }
        Some("trainer") => "trainer",
        Some("admin") => "admin",
        Some("api") => "api",
        Some("static") => "static",
        Some("login" | "logout" | "account") => "auth",
        Some("healthz" | "readyz") => "health",
        Some("metrics") => "metrics",
        Some(_) => "other",
    }
}

/// Whether `host` is a proxied sandbox's (`<port>-<web key>.<domain>`).
fn proxied_host(host: &str, domain: &str) -> bool {
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    host.len() > domain.len() + 1
        && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
}

/// The middleware: request id in and out, one structured log line per
/// request (method, redacted path, status, latency), and the request counted.
pub async fn observe(
    State(config): State<Arc<Config>>,
    State(service): State<SandboxService>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request_id(req.headers());
    let domain = &config.sandbox_domain;
    let proxied = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| proxied_host(h, domain));
    let path = req.uri().path();
    let (class, logged_path) = if proxied {
        ("proxy", redact_path(path))
    } else {
        (route_class(path), redact_path(path))
    };
    let host = proxied.then(|| format!("{{port}}-{{web_key}}.{domain}"));
    let method = req.method().clone();
    let value = HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid"));
    req.headers_mut().insert(REQUEST_ID, value.clone());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    service.metrics().count_request(class, status);
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            path = %logged_path,
            host = host.as_deref(),
            route = class,
            status,
            latency_ms,
            "request"
        );
    });
    response.headers_mut().insert(REQUEST_ID, value);
    if !proxied {
        // The time spent in Sandpit, for browsers' devtools and benchmarks.
        if let Ok(timing) = HeaderValue::from_str(&format!("app;dur={latency_ms:.2}")) {
            response.headers_mut().insert(SERVER_TIMING, timing);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_never_reach_the_log() {
        let token = "abcdefghijklmnopqrstuvwxyz234567";
        for (path, logged) in [
            (format!("/s/{token}"), "/s/{token}".to_owned()),
            (format!("/s/{token}/"), "/s/{token}/".to_owned()),
            (
                format!("/s/{token}/terminal"),
                "/s/{token}/terminal".to_owned(),
            ),
            (
                format!("/s/{token}/proxy/8080/x"),
                "/s/{token}/proxy/8080/x".to_owned(),
            ),
            (format!("//s/{token}/check"), "//s/{token}/check".to_owned()),
            ("/trainer/cohorts".to_owned(), "/trainer/cohorts".to_owned()),
        ] {
            let out = redact_path(&path);
            assert_eq!(out, logged);
            assert!(!out.contains(token));
        }
        assert!(redact_path(&"x".repeat(500)).len() < 210);
    }

    #[test]
    fn request_ids_are_kept_only_when_tame() {
        let mut h = HeaderMap::new();
        h.insert(REQUEST_ID, HeaderValue::from_static("abc-123"));
        assert_eq!(request_id(&h), "abc-123");
        h.insert(REQUEST_ID, HeaderValue::from_static("bad id<script>"));
        assert_ne!(request_id(&h), "bad id<script>");
        let long = "a".repeat(65);
        h.insert(REQUEST_ID, HeaderValue::from_str(&long).unwrap());
        assert_eq!(request_id(&h).len(), 32);
    }

    #[test]
    fn routes_are_classed_and_sandbox_hosts_known() {
        assert_eq!(route_class("/s/x/terminal"), "terminal");
        assert_eq!(route_class("/s/x"), "learner");
        assert_eq!(route_class("/api/v1/cohorts"), "api");
        assert_eq!(route_class("/"), "page");
        assert!(proxied_host(
            "8080-abc.sandpit.localhost:3000",
            "sandpit.localhost"
        ));
        assert!(!proxied_host("localhost:3000", "sandpit.localhost"));
        assert!(!proxied_host("sandpit.localhost", "sandpit.localhost"));
    }
}
