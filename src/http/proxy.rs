//! The reverse proxy to the web UIs scenarios declare, in front of Sandpit's
//! own router.
//!
//! # Origins
//!
//! A request whose `Host` is `<port>-<web key>.<sandbox_domain>` (any case,
//! any port; `sandpit.localhost` by default, which browsers resolve to
//! loopback) is the proxy's, whatever its path: Sandpit's own pages are
//! never served on a sandbox origin. Each web port of each link thus has an
//! origin of its own, apart from Sandpit's, so a page a learner controls
//! can neither read Sandpit's cookies nor script Sandpit's pages.
//!
//! With `tools_listen` set, the same paths are served on a listener of
//! their own ([`tools_only`]), an origin apart from Sandpit's where nothing
//! else is: for networks without a wildcard name (a classroom's LAN).
//!
//! With `proxy_path_fallback` on (off by default), `/s/<web key>/proxy/<port>/…`
//! on Sandpit's origin is proxied too, for deployments without wildcard DNS.
//! That shares Sandpit's origin with the tool, which is why it must be asked
//! for. Its prefix must be written plainly: `//`, `.`/`..` segments (also
//! percent-encoded) and encoded slashes there get a 400, and so do dot
//! segments after it, which a normalising browser or front proxy would move
//! out of the prefix.
//!
//! # What is forwarded
//!
//! The web key (a one-way derivative of the link token, see
//! `LinkToken::web_key`: a leaked host name opens no terminal or check) is
//! opened like the learner page opens its token (unknown, revoked or
//! expired: 404). Only ports the scenario declares are forwarded (others:
//! 403), only to the sandbox's own address on its network, which must lie in
//! the configured subnet range. Path and query go as received; `Host` stays
//! the browser's (tools build their URLs from it), with `X-Forwarded-For`,
//! `-Proto`, `-Host` (and `-Prefix` for the fallback) added. Hop-by-hop
//! headers are dropped both ways. Cookies pass both ways except Sandpit's own
//! (so every cookie Sandpit sets must be named `sandpit…`), and a sandbox's
//! `Set-Cookie` loses its `Domain` so that it stays on that sandbox's host.
//! (Script in a sandbox page can still set a cookie for a parent domain:
//! Sandpit's session cookies should be `__Host-` prefixed where HTTPS allows.)
//! Redirects pass unchanged (under the fallback, an absolute-path `Location`
//! gets the prefix). Bodies stream; request bodies over 32 MiB get a 413.
//! Upgrades (websockets) are tunnelled byte for byte in both directions; the
//! tool judges their `Origin`, and they close when the server shuts down.
//! Connecting may take 5 s and the answer's head 120 s (upload included);
//! then the browser gets a small 502 or 504 page.
//!
//! # A helper's read-only view
//!
//! A help session's view key (see `SandboxService::help_view_key`) opens
//! the learner's tool the same way, read only: `GET` and `HEAD` only, no
//! upgrade (405 otherwise), while the session is open and the sandbox
//! live. The helper's browser brings its own cookies, so it sees the tool
//! as a visitor does, never through the learner's session; and its
//! requests do not count as the learner's use of the sandbox.
//!
//! # Activity
//!
//! Every proxied request and open tunnel is noted per sandbox in memory
//! ([`Proxy::activity`]), so idle detection can count web UI use.

mod forward;
mod framing;
mod route;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use self::forward::{Failure, HttpClient, Upstream};
use self::route::{Routed, Target};
use super::{AppState, HttpError};
use crate::scenario::ScenarioId;
use crate::sync::Locked;

/// The proxy's shared parts: a pooled HTTP client and the activity notes.
pub struct Proxy {
    client: HttpClient,
    activity: Arc<Mutex<HashMap<Uuid, Activity>>>,
    /// The framing policy added to every tool response: Sandpit's pages
    /// may frame tools, no one else ([`framing`]).
    frame_ancestors: HeaderValue,
}

/// When a sandbox's web UIs were last used through the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    /// The last request (or end of a tunnel).
    pub last: Instant,
    /// Upgraded connections (websockets) open now.
    pub open_tunnels: usize,
}

impl Proxy {
    /// The proxy of the Sandpit whose pages are at `sandpit_origin`.
    pub fn new(sandpit_origin: &str) -> Self {
        Self {
            client: forward::client(),
            activity: Arc::default(),
            frame_ancestors: framing::ancestors(sandpit_origin),
        }
    }

    /// A sandbox's web activity; None when it was never used.
    pub fn activity(&self, sandbox: Uuid) -> Option<Activity> {
        lock(&self.activity).get(&sandbox).copied()
    }

    /// Drops what is known of a sandbox (when it is gone).
    pub fn forget(&self, sandbox: Uuid) {
        lock(&self.activity).remove(&sandbox);
    }

    fn touch(&self, sandbox: Uuid) {
        lock(&self.activity)
            .entry(sandbox)
            .and_modify(|a| a.last = Instant::now())
            .or_insert(Activity {
                last: Instant::now(),
                open_tunnels: 0,
            });
    }

    /// Counts a tunnel as open until the guard is dropped.
    fn tunnel(&self, sandbox: Uuid) -> TunnelGuard {
        let mut activity = lock(&self.activity);
        let a = activity.entry(sandbox).or_insert(Activity {
            last: Instant::now(),
            open_tunnels: 0,
        });
        a.open_tunnels += 1;
        TunnelGuard {
            sandbox,
            activity: self.activity.clone(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.locked()
}

/// Held by a tunnel's task; counts it while it runs.
struct TunnelGuard {
    sandbox: Uuid,
    activity: Arc<Mutex<HashMap<Uuid, Activity>>>,
}

impl Drop for TunnelGuard {
    fn drop(&mut self) {
        if let Some(a) = lock(&self.activity).get_mut(&self.sandbox) {
            a.last = Instant::now();
            a.open_tunnels = a.open_tunnels.saturating_sub(1);
        }
    }
}

/// Puts the proxy in front of `app`: requests for a sandbox origin (or the
/// fallback prefix, when enabled) never reach Sandpit's own routes.
pub fn in_front_of(app: Router, state: AppState) -> Router {
    Router::new()
        .fallback_service(app)
        .layer(middleware::from_fn_with_state(state, dispatch))
}

/// The tools' own origin (`Config::tools_listen`): `/s/<web key>/proxy/
/// <port>/…` as with the path fallback, and nothing of Sandpit's (404), so
/// that a page in a sandbox never shares Sandpit's origin.
pub fn tools_only(state: AppState) -> Router {
    Router::new()
        .fallback(tools_dispatch)
        .with_state(state.clone())
        .layer(middleware::from_fn_with_state(
            state,
            super::observe::observe,
        ))
}

/// The host the browser asked for (`Host`, or the URI's authority in
/// HTTP/2).
fn request_host(req: &Request) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
}

async fn tools_dispatch(State(state): State<AppState>, req: Request) -> Response {
    let host = request_host(&req);
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    // No host routing here: only the path says which tool.
    match route::route(None, path, "", true) {
        Routed::Sandpit | Routed::NotFound => not_found(),
        Routed::BadPath(why) => page(StatusCode::BAD_REQUEST, "Bad path", why),
        Routed::AddSlash(to) => Redirect::permanent(&to).into_response(),
        Routed::Proxy(target) => proxy(&state, req, target, host.unwrap_or_default()).await,
    }
}

async fn dispatch(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let config = &state.config;
    let host = request_host(&req);
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    match route::route(
        host.as_deref(),
        path,
        &config.sandbox_domain,
        config.proxy_path_fallback,
    ) {
        Routed::Sandpit => next.run(req).await,
        Routed::NotFound => not_found(),
        Routed::BadPath(why) => page(StatusCode::BAD_REQUEST, "Bad path", why),
        Routed::AddSlash(to) => Redirect::permanent(&to).into_response(),
        Routed::Proxy(target) => proxy(&state, req, target, host.unwrap_or_default()).await,
    }
}

async fn proxy(state: &AppState, req: Request, target: Target, host: String) -> Response {
    let (sandbox, read_only) = match open(state, &target.token).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(e) => return e.into_response(),
    };
    // A helper's view changes nothing: no form sent, no socket opened.
    if read_only
        && (!matches!(
            *req.method(),
            axum::http::Method::GET | axum::http::Method::HEAD
        ) || req.headers().contains_key(header::UPGRADE))
    {
        return page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Read only",
            "This is a read-only view of a learner's tool: it can be looked at, not changed.",
        );
    }
    let declared = ScenarioId::parse(&sandbox.scenario_id)
        .ok()
        .and_then(|id| state.scenarios.get(&id))
        .map(|s| s.web_ports.iter().any(|p| p.port == target.port));
    match declared {
        None => return not_found(),
        Some(false) => {
            return page(
                StatusCode::FORBIDDEN,
                "Port not available",
                "This scenario does not offer a web page on that port.",
            );
        }
        Some(true) => {}
    }
    let range = state.config.subnet_range;
    let address = sandbox
        .address
        .as_deref()
        .and_then(|a| a.parse::<IpAddr>().ok())
        .filter(|ip| matches!(ip, IpAddr::V4(v4) if range.contains(v4)));
    let Some(address) = address else {
        tracing::error!(sandbox = %sandbox.id, address = ?sandbox.address, "a sandbox without a usable address");
        return unavailable(StatusCode::BAD_GATEWAY);
    };
    let client_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let proxy = &state.proxy;
    // Only the learner's own use keeps their sandbox alive.
    if !read_only {
        proxy.touch(sandbox.id);
        state.service.touch(sandbox.id);
    }
    let up = Upstream {
        addr: SocketAddr::new(address, target.port),
        path: &target.path,
        host: &host,
        prefix: target.prefix.as_deref(),
        client_ip,
        proto: if state.public_url.starts_with("https://") {
            "https"
        } else {
            "http"
        },
        frame_ancestors: &proxy.frame_ancestors,
    };
    let id = sandbox.id;
    let shutdown = state.shutdown.clone();
    match forward::forward(&proxy.client, req, &up, shutdown, || proxy.tunnel(id)).await {
        Ok(response) => response,
        Err(Failure::TooLarge) => page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            "The request body is larger than the 32 MiB a sandbox accepts.",
        ),
        Err(Failure::BadRequest) => page(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "That request cannot be forwarded.",
        ),
        Err(Failure::TimedOut) => unavailable(StatusCode::GATEWAY_TIMEOUT),
        Err(Failure::Unreachable) => unavailable(StatusCode::BAD_GATEWAY),
    }
}

/// The sandbox a web key opens: a link's (the learner's own, read and
/// write), else a help session's view key (read only); None for neither.
async fn open(
    state: &AppState,
    key: &crate::sandbox::LinkToken,
) -> Result<Option<(crate::store::SandboxRecord, bool)>, HttpError> {
    if let Some((_, sandbox)) = state.service.open_web_key(key).await? {
        return Ok(Some((sandbox, false)));
    }
    let Some(id) = state.community.viewed_sandbox(&key.hash()).await? else {
        return Ok(None);
    };
    Ok(Some((state.store.sandbox(id).await?, true)))
}

fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Not found",
        "This link is unknown or has expired.",
    )
}

fn unavailable(status: StatusCode) -> Response {
    page(
        status,
        "Not answering",
        "The tool in this sandbox is not answering. It may still be starting, or it may have stopped: try again in a moment.",
    )
}

/// A small self-contained page: a sandbox origin has no Sandpit styles.
/// `title` and `message` are Sandpit's own texts, never request input.
fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
         <body style=\"font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222\">\
         <h1 style=\"font-size:1.4em\">{title}</h1><p>{message}</p><p style=\"color:#666\">{status}</p></body></html>"
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
