//! Forwarding one request to a sandbox's web port: headers rewritten as a
//! reverse proxy should, bodies streamed both ways, upgrades (websockets)
//! tunnelled byte for byte.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{StatusCode, Uri, Version};
use axum::response::Response;
use http_body_util::{LengthLimitError, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio_util::sync::CancellationToken;

/// The largest request body forwarded.
pub const MAX_REQUEST_BODY: usize = 32 * 1024 * 1024;
/// How long connecting to a sandbox may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a sandbox may take to start answering (the upload included:
/// most tools answer once they have read the request body).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(120);

/// The client every proxied request goes through (pooled per sandbox port).
pub type HttpClient = Client<HttpConnector, Body>;

pub fn client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(8)
        .build(connector)
}

/// Where one request goes and what the upstream is told about it.
pub struct Upstream<'a> {
    pub addr: SocketAddr,
    /// Path and query to ask for.
    pub path: &'a str,
    /// The host the browser asked for.
    pub host: &'a str,
    /// Set when reached through the path fallback.
    pub prefix: Option<&'a str>,
    pub client_ip: Option<IpAddr>,
    /// `http` or `https`: how the browser reached Sandpit.
    pub proto: &'static str,
    /// Who may frame the tool's pages (see [`super::framing`]).
    pub frame_ancestors: &'a HeaderValue,
}

/// Why a request could not be forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    TooLarge,
    /// Nothing answers, or the answer was not HTTP.
    Unreachable,
    TimedOut,
    BadRequest,
}

/// Sends `req` upstream and returns its response with a streaming body. An
/// accepted upgrade is tunnelled in a task that holds what `tunnel` returns
/// until either side closes or `shutdown` is cancelled.
pub async fn forward<G: Send + 'static>(
    client: &HttpClient,
    mut req: Request,
    up: &Upstream<'_>,
    shutdown: CancellationToken,
    tunnel: impl FnOnce() -> G,
) -> Result<Response, Failure> {
    let upgrade = wants_upgrade(req.headers());
    let client_side = upgrade.then(|| hyper::upgrade::on(&mut req));
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
        return Err(Failure::TooLarge);
    }
    let mut headers = parts.headers;
    request_headers(&mut headers, upgrade, up);
    let uri: Uri = format!("http://{}{}", up.addr, up.path)
        .parse()
        .map_err(|_| Failure::BadRequest)?;
    let mut outbound = axum::http::Request::new(Body::new(Limited::new(body, MAX_REQUEST_BODY)));
    *outbound.method_mut() = parts.method;
    *outbound.uri_mut() = uri;
    *outbound.version_mut() = Version::HTTP_11;
    *outbound.headers_mut() = headers;

    let mut response = tokio::time::timeout(RESPONSE_TIMEOUT, client.request(outbound))
        .await
        .map_err(|_| Failure::TimedOut)?
        .map_err(|e| classify(&e))?;

    let switching = response.status() == StatusCode::SWITCHING_PROTOCOLS;
    if switching {
        let Some(client_side) = client_side else {
            // An upstream may not switch protocols unasked.
            return Err(Failure::Unreachable);
        };
        let upstream_side = hyper::upgrade::on(&mut response);
        let guard = tunnel();
        tokio::spawn(async move {
            let _guard = guard;
            match tokio::join!(client_side, upstream_side) {
                (Ok(a), Ok(b)) => {
                    let (mut a, mut b) = (TokioIo::new(a), TokioIo::new(b));
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut a, &mut b) => {}
                        () = shutdown.cancelled() => {}
                    }
                }
                (a, b) => tracing::debug!(
                    client = ?a.err(),
                    upstream = ?b.err(),
                    "a proxied upgrade did not complete"
                ),
            }
        });
    }
    let (mut parts, body) = response.into_parts();
    response_headers(&mut parts.headers, switching, up);
    let body = if switching {
        Body::empty()
    } else {
        Body::new(body)
    };
    Ok(Response::from_parts(parts, body))
}

/// Sorts a client error by what the browser should be told.
fn classify(e: &hyper_util::client::legacy::Error) -> Failure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut timed_out = false;
    while let Some(err) = source {
        if err.is::<LengthLimitError>() {
            return Failure::TooLarge;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
        }
        source = err.source();
    }
    tracing::debug!(error = %e, "forwarding to a sandbox");
    if timed_out {
        Failure::TimedOut
    } else {
        Failure::Unreachable
    }
}

/// A request for `Upgrade` (websocket and the like): HTTP/1.1 only.
fn wants_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE) && connection_tokens(headers).any(|t| t == "upgrade")
}

fn connection_tokens(headers: &HeaderMap) -> impl Iterator<Item = String> + '_ {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
}

/// Headers meaningful for one connection only (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Removes hop-by-hop headers, and those `Connection` names; keeps the
/// upgrade handshake when `upgrade` is set.
fn strip_hop_by_hop(headers: &mut HeaderMap, upgrade: bool) {
    let keep = headers.get(header::UPGRADE).cloned().filter(|_| upgrade);
    let named: Vec<HeaderName> = connection_tokens(headers)
        .filter_map(|t| HeaderName::from_bytes(t.as_bytes()).ok())
        .filter(|n| n != header::HOST)
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    if let Some(value) = keep {
        headers.insert(header::UPGRADE, value);
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// True for the cookies Sandpit itself sets (`sandpit_*`, also with the
/// `__Host-` and `__Secure-` prefixes): they never reach a sandbox, and a
/// sandbox may not set them.
fn is_sandpit_cookie(name: &[u8]) -> bool {
    let name = name.trim_ascii().to_ascii_lowercase();
    let name = name
        .strip_prefix(b"__host-")
        .or_else(|| name.strip_prefix(b"__secure-"))
        .unwrap_or(&name);
    name.starts_with(b"sandpit")
}

fn cookie_name(pair: &[u8]) -> &[u8] {
    pair.split(|b| *b == b'=').next().unwrap_or_default()
}

/// The request headers the upstream gets.
fn request_headers(headers: &mut HeaderMap, upgrade: bool, up: &Upstream<'_>) {
    strip_hop_by_hop(headers, upgrade);
    let cookies: Vec<&[u8]> = headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b';'))
        .map(<[u8]>::trim_ascii)
        .filter(|c| !c.is_empty() && !is_sandpit_cookie(cookie_name(c)))
        .collect();
    let cookie = (!cookies.is_empty())
        .then(|| HeaderValue::from_bytes(&cookies.join(&b"; "[..])).ok())
        .flatten();
    headers.remove(header::COOKIE);
    if let Some(cookie) = cookie {
        headers.insert(header::COOKIE, cookie);
    }
    if let Ok(host) = HeaderValue::from_str(up.host) {
        // HTTP/2 requests carry the host in the URI only.
        headers.entry(header::HOST).or_insert(host.clone());
        headers.insert("x-forwarded-host", host);
    }
    if let Some(ip) = up.client_ip {
        let chain = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(before) => format!("{before}, {ip}"),
            None => ip.to_string(),
        };
        if let Ok(v) = HeaderValue::from_str(&chain) {
            headers.insert("x-forwarded-for", v);
        }
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static(up.proto));
    headers.remove("x-forwarded-prefix");
    if let Some(prefix) = up.prefix.and_then(|p| HeaderValue::from_str(p).ok()) {
        headers.insert("x-forwarded-prefix", prefix);
    }
}

/// The response headers the browser gets.
fn response_headers(headers: &mut HeaderMap, switching: bool, up: &Upstream<'_>) {
    strip_hop_by_hop(headers, switching);
    super::framing::let_sandpit_frame(headers, up.frame_ancestors);
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter(|v| !is_sandpit_cookie(cookie_name(v.as_bytes())))
        .map(without_domain)
        .map(|v| match up.prefix {
            Some(prefix) => under_prefix(&v, prefix),
            None => v,
        })
        .collect();
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    // `Clear-Site-Data: "cookies"` reaches the whole registrable domain,
    // Sandpit's cookies and other sandboxes' included.
    headers.remove("clear-site-data");
    // The host name carries the link token: it must not leave in a Referer
    // when the tool's page loads or links to anything elsewhere.
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if let Some(prefix) = up.prefix {
        // On Sandpit's own origin a sandbox may not widen its reach: no
        // service worker above its prefix.
        headers.remove("service-worker-allowed");
        let location = headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|l| l.starts_with('/') && !l.starts_with("//"))
            .and_then(|l| HeaderValue::from_str(&format!("{prefix}{l}")).ok());
        if let Some(location) = location {
            headers.insert(header::LOCATION, location);
        }
    }
}

/// A `Set-Cookie` whose `Path` is under `prefix` (`/s/<web key>/proxy/
/// <port>`): tools served by path share one host, and browsers keep
/// cookies apart by path, not by port, so a sandbox's cookie is sent to
/// its own prefix only, never to another sandbox's tool or to Sandpit. A
/// cookie without a `Path` (the request's directory, which is under the
/// prefix) or already under it is kept as it is; any other path is put
/// under the prefix.
fn under_prefix(value: &HeaderValue, prefix: &str) -> HeaderValue {
    let parts: Vec<&[u8]> = value.as_bytes().split(|b| *b == b';').collect();
    let is_path = |p: &&[u8]| cookie_name(p).trim_ascii().eq_ignore_ascii_case(b"path");
    let path_of = |p: &[u8]| {
        p.splitn(2, |b| *b == b'=')
            .nth(1)
            .map(|v| String::from_utf8_lossy(v.trim_ascii()).into_owned())
            .unwrap_or_default()
    };
    let inside = |path: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if parts
        .iter()
        .skip(1)
        .filter(|p| is_path(p))
        .all(|p| inside(&path_of(p)))
    {
        return value.clone();
    }
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 && is_path(part) {
            let path = path_of(part);
            let path = if inside(&path) {
                path
            } else {
                format!("{prefix}/{}", path.trim_start_matches('/'))
            };
            kept.push(format!(" Path={path}").into_bytes());
        } else {
            kept.push(part.to_vec());
        }
    }
    HeaderValue::from_bytes(&kept.join(&b";"[..])).unwrap_or_else(|_| value.clone())
}

/// A `Set-Cookie` without its `Domain` attribute: a sandbox's cookie stays
/// on its own host and cannot be tossed to Sandpit's or another sandbox's.
fn without_domain(value: &HeaderValue) -> HeaderValue {
    let parts: Vec<&[u8]> = value.as_bytes().split(|b| *b == b';').collect();
    let is_domain = |p: &&[u8]| cookie_name(p).trim_ascii().eq_ignore_ascii_case(b"domain");
    if !parts.iter().skip(1).any(is_domain) {
        return value.clone();
    }
    let kept: Vec<&[u8]> = parts
        .iter()
        .enumerate()
        .filter(|(i, p)| *i == 0 || !is_domain(p))
        .map(|(_, p)| *p)
        .collect();
    HeaderValue::from_bytes(&kept.join(&b";"[..])).unwrap_or_else(|_| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn a_cookie_of_a_tool_served_by_path_stays_under_its_prefix() {
        let prefix = "/s/key/proxy/8080";
        let cases = [
            (
                "a=1; Path=/; HttpOnly",
                "a=1; Path=/s/key/proxy/8080/; HttpOnly",
            ),
            ("a=1; path=/wiki", "a=1; Path=/s/key/proxy/8080/wiki"),
            (
                "a=1; Path=/s/key/proxy/8080/w",
                "a=1; Path=/s/key/proxy/8080/w",
            ),
            ("a=1; Path=/s/key/proxy/8080", "a=1; Path=/s/key/proxy/8080"),
            (
                "a=1; Path=/s/key/proxy/80800",
                "a=1; Path=/s/key/proxy/8080/s/key/proxy/80800",
            ),
            ("a=1; Secure", "a=1; Secure"),
        ];
        for (given, sent) in cases {
            let v = under_prefix(&HeaderValue::from_static(given), prefix);
            assert_eq!(v.to_str().unwrap(), sent, "{given}");
        }
    }

    fn upstream(prefix: Option<&'static str>) -> Upstream<'static> {
        Upstream {
            addr: "10.231.0.2:8080".parse().unwrap(),
            path: "/",
            host: "8080-x.sandpit.localhost:3000",
            prefix,
            client_ip: Some("127.0.0.1".parse().unwrap()),
            proto: "http",
            frame_ancestors: Box::leak(Box::new(super::super::framing::ancestors(
                "http://sandpit.localhost:3000",
            ))),
        }
    }

    #[test]
    fn requests_lose_hop_by_hop_headers_and_sandpits_cookies_only() {
        let mut h = headers(&[
            ("host", "8080-x.sandpit.localhost:3000"),
            ("connection", "keep-alive, x-secret"),
            ("x-secret", "1"),
            ("te", "trailers"),
            ("cookie", "sandpit_lang=fr; wiki=1"),
            ("cookie", "__Host-sandpit_session=s; other=2"),
            ("x-forwarded-for", "192.0.2.1"),
            ("x-forwarded-prefix", "/evil"),
            ("authorization", "Basic eDp5"),
        ]);
        request_headers(&mut h, false, &upstream(None));
        assert_eq!(h["cookie"], "wiki=1; other=2");
        assert_eq!(h["host"], "8080-x.sandpit.localhost:3000");
        assert_eq!(h["x-forwarded-host"], "8080-x.sandpit.localhost:3000");
        assert_eq!(h["x-forwarded-for"], "192.0.2.1, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "http");
        assert_eq!(h["authorization"], "Basic eDp5");
        for gone in ["connection", "x-secret", "te", "x-forwarded-prefix"] {
            assert!(!h.contains_key(gone), "{gone}");
        }
        let mut only_ours = headers(&[("cookie", "sandpit_lang=fr")]);
        request_headers(&mut only_ours, false, &upstream(Some("/s/t/proxy/8080")));
        assert!(!only_ours.contains_key("cookie"));
        assert_eq!(only_ours["x-forwarded-prefix"], "/s/t/proxy/8080");
    }

    #[test]
    fn upgrades_keep_their_handshake() {
        let mut h = headers(&[("connection", "Upgrade"), ("upgrade", "websocket")]);
        assert!(wants_upgrade(&h));
        request_headers(&mut h, true, &upstream(None));
        assert_eq!(h["upgrade"], "websocket");
        assert_eq!(h["connection"], "upgrade");
        assert!(!wants_upgrade(&headers(&[("upgrade", "websocket")])));
    }

    #[test]
    fn responses_keep_the_sandboxs_cookies_on_its_own_host() {
        let mut h = headers(&[
            ("set-cookie", "wiki=1; Path=/; HttpOnly"),
            ("set-cookie", "wide=1; Path=/; Domain=.localhost; Secure"),
            ("set-cookie", "sandpit_lang=xx; Path=/"),
            ("transfer-encoding", "chunked"),
            ("location", "/wiki/Main"),
            ("service-worker-allowed", "/"),
            ("clear-site-data", "\"cookies\""),
            ("referrer-policy", "unsafe-url"),
        ]);
        response_headers(&mut h, false, &upstream(None));
        assert!(!h.contains_key("clear-site-data"));
        assert_eq!(
            h["referrer-policy"], "no-referrer",
            "the token in the host never leaves in a Referer"
        );
        let cookies: Vec<_> = h.get_all("set-cookie").iter().collect();
        assert_eq!(
            cookies,
            ["wiki=1; Path=/; HttpOnly", "wide=1; Path=/; Secure"]
        );
        assert!(!h.contains_key("transfer-encoding"));
        assert_eq!(h["location"], "/wiki/Main");
        assert!(h.contains_key("service-worker-allowed"));

        response_headers(&mut h, false, &upstream(Some("/s/t/proxy/8080")));
        assert_eq!(h["location"], "/s/t/proxy/8080/wiki/Main");
        assert!(!h.contains_key("service-worker-allowed"));
    }
}
