//! Which requests belong to the proxy: host names `<port>-<web key>.<domain>`
//! and, when enabled, paths `/s/<token>/proxy/<port>/…`, with path tricks
//! that could move a request out of its prefix refused.

use crate::sandbox::LinkToken;

/// What the proxy makes of a request, before anything is looked up.
#[derive(Debug, PartialEq, Eq)]
pub enum Routed {
    /// Not the proxy's: Sandpit's own router serves it.
    Sandpit,
    /// Addressed to the proxy but names no valid token and port.
    NotFound,
    /// A fallback path with a trick in it; says which.
    BadPath(&'static str),
    /// A fallback path without the slash after the port: redirect here.
    AddSlash(String),
    /// Forward to a web port of the token's sandbox.
    Proxy(Target),
}

/// A web port of a link's sandbox, and what to ask it for.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub token: LinkToken,
    pub port: u16,
    /// Path and query as the upstream gets them.
    pub path: String,
    /// `/s/<token>/proxy/<port>` when reached through the path fallback.
    pub prefix: Option<String>,
}

/// Routes a request by its host (`Host`, any case, any port) and its raw
/// path and query. `domain` is the sandbox domain; `fallback` enables the
/// path prefix on Sandpit's own origin.
pub fn route(host: Option<&str>, path_and_query: &str, domain: &str, fallback: bool) -> Routed {
    if let Some(label) = host.and_then(|h| sandbox_label(h, domain)) {
        return match port_and_token(&label) {
            Some((port, token)) => Routed::Proxy(Target {
                token,
                port,
                path: if path_and_query.starts_with('/') {
                    path_and_query.to_owned()
                } else {
                    format!("/{path_and_query}")
                },
                prefix: None,
            }),
            None => Routed::NotFound,
        };
    }
    if fallback {
        fallback_path(path_and_query)
    } else {
        Routed::Sandpit
    }
}

/// The first label of `host` when `host` is a sub-domain of `domain`.
fn sandbox_label(host: &str, domain: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let domain = domain.trim_matches('.').to_ascii_lowercase();
    if domain.is_empty() || host.starts_with('[') {
        return None;
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        Some(_) => return None,
        None => &host,
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    let sub = name.strip_suffix(&domain)?.strip_suffix('.')?;
    Some(sub.to_owned())
}

/// `8080-<token>`: a port in canonical form and a link token.
fn port_and_token(label: &str) -> Option<(u16, LinkToken)> {
    let (port, token) = label.split_once('-')?;
    Some((parse_port(port)?, LinkToken::parse(token)?))
}

/// A TCP port written the one canonical way (no sign, no leading zero).
fn parse_port(s: &str) -> Option<u16> {
    let canonical = !s.is_empty() && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit());
    canonical.then(|| s.parse().ok()).flatten()
}

/// The path fallback. A path is the proxy's when it has the fallback's
/// shape as written, or would have it once decoded and normalised (as a
/// browser or a front proxy might): then it must be written canonically.
fn fallback_path(path_and_query: &str) -> Routed {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let raw: Vec<&str> = path.split('/').collect();
    let as_written = raw.len() >= 4 && raw[0].is_empty() && raw[1] == "s" && raw[3] == "proxy";
    let normal = normalised_segments(path);
    let as_normalised =
        normal.len() >= 3 && normal[0] == "s" && normal[2].eq_ignore_ascii_case("proxy");
    if !as_written {
        return if as_normalised {
            Routed::BadPath(
                "the proxy prefix must be written plainly, without `//`, `..` or encoded characters",
            )
        } else {
            Routed::Sandpit
        };
    }
    let token = raw[2];
    let port = raw.get(4).copied();
    let more = raw.len() > 5;
    if tricky(token) || port.is_some_and(|p| tricky(p) && (more || !p.is_empty())) {
        return Routed::BadPath(
            "the proxy prefix must be written plainly, without `//`, `..` or encoded characters",
        );
    }
    let (Some(token), Some(port)) = (LinkToken::parse(token), port.and_then(parse_port)) else {
        return Routed::NotFound;
    };
    let prefix = format!("/s/{}/proxy/{port}", token.as_str());
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    if !more {
        return Routed::AddSlash(format!("{prefix}/{query}"));
    }
    let rest = format!("/{}", raw[5..].join("/"));
    if has_dot_segment(&rest) {
        return Routed::BadPath("`.` and `..` segments are refused under the proxy prefix");
    }
    Routed::Proxy(Target {
        token,
        port,
        path: format!("{rest}{query}"),
        prefix: Some(prefix),
    })
}

/// A prefix segment that is empty, a dot segment, or not written plainly.
fn tricky(segment: &str) -> bool {
    segment.is_empty() || segment == "." || segment == ".." || segment.contains(['%', '\\'])
}

/// True when a segment is `.` or `..` as written or once decoded (even
/// twice), counting encoded slashes and backslashes as separators.
fn has_dot_segment(path: &str) -> bool {
    decoded(path)
        .split(['/', '\\'])
        .any(|s| s == "." || s == "..")
        || path.split(['/', '\\']).any(|s| s == "." || s == "..")
}

/// The path's segments as a normalising intermediary would see them.
fn normalised_segments(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for segment in decoded(path).split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s.to_owned()),
        }
    }
    out
}

/// Percent-decodes until nothing changes (at most three rounds).
fn decoded(s: &str) -> String {
    let mut current = s.to_owned();
    for _ in 0..3 {
        let next = percent_decode(&current);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sandpit.localhost";

    fn token() -> LinkToken {
        LinkToken::parse(&"a".repeat(32)).unwrap()
    }

    fn proxied(port: u16, path: &str, prefix: Option<&str>) -> Routed {
        Routed::Proxy(Target {
            token: token(),
            port,
            path: path.into(),
            prefix: prefix.map(str::to_owned),
        })
    }

    #[test]
    fn sandbox_hosts_are_routed_to_the_proxy_in_any_case_and_on_any_port() {
        let t = "a".repeat(32);
        for host in [
            format!("8080-{t}.sandpit.localhost"),
            format!("8080-{t}.SANDPIT.localhost:3000"),
            format!("8080-{}.sandpit.localhost.", t.to_uppercase()),
        ] {
            assert_eq!(
                route(Some(&host), "/a/../b?x=1", D, false),
                proxied(8080, "/a/../b?x=1", None),
                "{host}"
            );
        }
        assert_eq!(
            route(Some(&format!("80-{t}.sandpit.localhost")), "*", D, false),
            proxied(80, "/*", None)
        );
    }

    #[test]
    fn malformed_sandbox_hosts_are_not_found_and_other_hosts_are_sandpits() {
        let t = "a".repeat(32);
        for host in [
            format!("08080-{t}.sandpit.localhost"),
            format!("0-{t}.sandpit.localhost"),
            format!("70000-{t}.sandpit.localhost"),
            format!("8080-{}.sandpit.localhost", &t[1..]),
            format!("x.8080-{t}.sandpit.localhost"),
            format!("+80-{t}.sandpit.localhost"),
            "sandbox-x.sandpit.localhost".into(),
        ] {
            assert_eq!(
                route(Some(&host), "/", D, false),
                Routed::NotFound,
                "{host}"
            );
        }
        for host in [
            "localhost:8080",
            "sandpit.localhost",
            "evilsandpit.localhost",
            "[::1]:8080",
            "sandpit.localhost:x",
        ] {
            assert_eq!(route(Some(host), "/", D, false), Routed::Sandpit, "{host}");
        }
        assert_eq!(route(None, "/", D, false), Routed::Sandpit);
    }

    #[test]
    fn the_fallback_forwards_what_follows_the_prefix() {
        let t = "a".repeat(32);
        let prefix = format!("/s/{t}/proxy/8080");
        assert_eq!(
            route(
                Some("localhost"),
                &format!("{prefix}/wiki/a%2Fb?q=1"),
                D,
                true
            ),
            proxied(8080, "/wiki/a%2Fb?q=1", Some(&prefix))
        );
        assert_eq!(
            route(Some("localhost"), &format!("{prefix}?q=1"), D, true),
            Routed::AddSlash(format!("{prefix}/?q=1"))
        );
        assert_eq!(
            route(Some("localhost"), &format!("/s/{t}/proxy/"), D, true),
            Routed::NotFound
        );
        assert_eq!(
            route(Some("localhost"), &format!("/s/{t}/proxy/x/"), D, true),
            Routed::NotFound
        );
        assert_eq!(
            route(Some("localhost"), "/s/nope/proxy/8080/", D, true),
            Routed::NotFound
        );
        // Off by default: Sandpit's router answers (with a 404).
        assert_eq!(
            route(Some("localhost"), &format!("{prefix}/"), D, false),
            Routed::Sandpit
        );
    }

    #[test]
    fn path_tricks_in_the_fallback_are_refused() {
        let t = "a".repeat(32);
        for path in [
            format!("/s/{t}/proxy/8080/../8081/"),
            format!("/s/{t}/proxy/8080/%2e%2e/8081/"),
            format!("/s/{t}/proxy/8080/%2E./x"),
            format!("/s/{t}/proxy/8080/a/%252e%252e/x"),
            format!("/s/{t}/proxy/8080/..%2f..%2fx"),
            format!("/s/{t}/proxy/8080/..\\x"),
            format!("/s/{t}/proxy/8080/./x"),
            format!("/s/{t}/proxy/8080/../../../admin"),
            format!("/s/{t}//proxy/8080/"),
            format!("/s/{t}/x/../proxy/8080/"),
            format!("/s/{t}/proxy%2f8080/"),
            format!("/s/{t}/PROXY/8080/"),
            format!("/s/{t}/proxy//8080/"),
            format!("/s/{t}/proxy/8080%2f..%2f8081/"),
            format!("/s/{t}/proxy/%38080/"),
            "/s//proxy/8080/".into(),
            "/s/%2e%2e/proxy/8080/".into(),
            "/s/../proxy/8080/".into(),
            format!("//s/{t}/proxy/8080/"),
            format!("/x/../s/{t}/proxy/8080/"),
        ] {
            assert!(
                matches!(route(Some("localhost"), &path, D, true), Routed::BadPath(_)),
                "{path}: {:?}",
                route(Some("localhost"), &path, D, true)
            );
        }
        // Encoded slashes after the prefix are the upstream's business.
        assert!(matches!(
            route(
                Some("localhost"),
                &format!("/s/{t}/proxy/8080/a%2fb//c"),
                D,
                true
            ),
            Routed::Proxy(_)
        ));
        // Paths that only look alike are Sandpit's.
        assert_eq!(
            route(Some("localhost"), &format!("/s/{t}/check/proxy-1"), D, true),
            Routed::Sandpit
        );
        assert_eq!(
            route(Some("localhost"), "/static/proxy/x", D, true),
            Routed::Sandpit
        );
    }
}
