//! The web edge of Sandpit's own pages: which site this is (the public
//! URL's origin, never the request's `Host`), the headers every page
//! carries, whether a browser's request came from this site, and the
//! client's address behind trusted proxies (cookies: [`super::cookies`]).
//! Proxied tools' responses are not Sandpit's pages and get none of this.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use ipnet::IpNet;

use crate::config::Config;

/// This site, as browsers see it.
#[derive(Debug)]
pub struct Site {
    /// `scheme://host[:port]`, as browsers write `Origin`.
    origin: String,
    /// Whether browsers send Fetch Metadata (`Sec-Fetch-Site`) here: they
    /// do to HTTPS and to loopback ("potentially trustworthy" origins).
    fetch_metadata: bool,
    /// Whether tools are served by path on another origin of this site
    /// (`tools_listen`): a tool's page is then same-site, so `Origin: null`
    /// is never taken for Sandpit's own.
    tools_apart: bool,
    policy: HeaderValue,
    trusted_proxies: Vec<IpNet>,
}

impl Site {
    /// The site at `public_url`, with `config`'s sandbox domain, proxy
    /// fallback and trusted proxies.
    pub fn new(public_url: &str, config: &Config) -> anyhow::Result<Self> {
        Self::with_tools(public_url, None, config)
    }

    /// The site at `public_url` whose tools are served by path at
    /// `tools_url` (see `Config::tools_listen`), an origin of their own.
    pub fn with_tools(
        public_url: &str,
        tools_url: Option<&str>,
        config: &Config,
    ) -> anyhow::Result<Self> {
        let url = url::Url::parse(public_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                anyhow::anyhow!("public_url: `{public_url}` is not an http:// or https:// URL")
            })?;
        let domain = &config.sandbox_domain;
        if domain.is_empty()
            || !domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            anyhow::bail!("sandbox_domain: `{domain}` is not a DNS name");
        }
        let https = url.scheme() == "https";
        let origin = url.origin().ascii_serialization();
        let fetch_metadata = https
            || match url.host() {
                Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
        let tools = match tools_url {
            Some(tools_url) => {
                let tools = url::Url::parse(tools_url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "tools_url: `{tools_url}` is not an http:// or https:// URL"
                        )
                    })?;
                if tools.path() != "/" || tools.query().is_some() || tools.fragment().is_some() {
                    anyhow::bail!(
                        "tools_url: `{tools_url}` must be only a scheme, a host and a port (tools are served under /s/…)"
                    );
                }
                if tools.origin() == url.origin() {
                    anyhow::bail!(
                        "tools_url: `{tools_url}` has Sandpit's own origin; give tools another port or name"
                    );
                }
                Some(tools.origin().ascii_serialization())
            }
            None => None,
        };
        if let Some(tools) = tools.as_deref()
            && !same_site_hosts(
                url.host_str().unwrap_or_default(),
                url::Url::parse(tools)
                    .ok()
                    .and_then(|t| t.host_str().map(str::to_owned))
                    .as_deref()
                    .unwrap_or_default(),
            )
        {
            tracing::warn!(
                public_url,
                tools,
                "tools at {tools} are not on the same site as {origin}: browsers drop their \
                 cookies inside the learner page's frame, so signing in to a tool works only \
                 in a new tab; give tools_url the public URL's host with another port"
            );
        }
        let policy = HeaderValue::from_str(&policy(&url, tools.as_deref(), config))?;
        if tools.is_none()
            && !config.proxy_path_fallback
            && !same_site(url.host_str().unwrap_or_default(), domain)
        {
            tracing::warn!(
                public_url,
                sandbox_domain = %domain,
                "tools at *.{domain} are not on the same site as {origin}: browsers drop \
                 their cookies inside the learner page's frame, so signing in to a tool \
                 works only in a new tab; serve them under Sandpit's domain (e.g. \
                 sandbox_domain = the public URL's host)"
            );
        }
        Ok(Self {
            origin,
            fetch_metadata,
            tools_apart: tools.is_some(),
            policy,
            trusted_proxies: config.trusted_proxies.clone(),
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether a browser's request came from a page of this site. `Origin`
    /// must be this site's exactly. Under `Referrer-Policy: no-referrer`
    /// browsers send `Origin: null` with a same-origin form (Chromium 156
    /// does; its `fetch()` sends the real origin), and so do sandboxed
    /// frames and pages of any site that ask for it: then only
    /// `Sec-Fetch-Site: same-origin`, which pages cannot forge, lets it in.
    /// Where browsers send no Fetch Metadata (plain HTTP to a host that is
    /// not loopback) a `null` cannot be told apart and is let in: what
    /// still holds there is the forms' CSRF tokens, `SameSite` cookies and,
    /// for learners, the link token in the path. Except with tools served
    /// by path on another origin of this site (`tools_listen`): a tool's
    /// page could send `null` from a sandboxed frame with Sandpit's
    /// same-site cookies, so `null` is refused there, and Sandpit's pages
    /// say `Referrer-Policy: same-origin` so that their own forms send
    /// their real origin.
    /// Clients that send no `Origin` are not browsers, so no cross-site risk.
    pub fn from_this_site(&self, headers: &HeaderMap) -> bool {
        let fetch_site = headers
            .get("sec-fetch-site")
            .map(|v| v.to_str().unwrap_or("?"));
        match headers.get(header::ORIGIN).map(HeaderValue::to_str) {
            None => !matches!(fetch_site, Some("cross-site" | "same-site")),
            Some(Ok("null")) => match fetch_site {
                Some(site) => site == "same-origin",
                None => !self.fetch_metadata && !self.tools_apart,
            },
            Some(Ok(origin)) => origin.eq_ignore_ascii_case(&self.origin),
            Some(Err(_)) => false,
        }
    }

    /// The client's address: the peer's, unless the peer is a trusted
    /// proxy; then the right-most `X-Forwarded-For` hop that is not one
    /// (hops to its left are whatever the client wrote).
    pub fn client_addr(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let trusted = |ip: &IpAddr| self.trusted_proxies.iter().any(|n| n.contains(ip));
        let mut client = peer.to_canonical();
        if !trusted(&client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            // Garbage left of the trusted hops: the last trusted one is all
            // that is known.
            let Some(ip) = parse_hop(hop.trim()) else {
                return client;
            };
            client = ip;
            if !trusted(&ip) {
                return ip;
            }
        }
        client
    }
}

/// Whether a tool at `<port>-<key>.<sandbox_domain>` is on the same site
/// as Sandpit at `public_host`, as browsers decide it for cookies: the same
/// registrable domain (public suffix list; an unknown top-level name such
/// as `localhost` counts as a suffix), or the same host where there is none
/// (an IP address, a bare suffix). Same-site frames keep their cookies
/// (`SameSite=Lax`, the default), whatever the browser's third-party cookie
/// settings: `sandpit.localhost` and `8080-k.sandpit.localhost` are one
/// site, `localhost` and `8080-k.sandpit.localhost` are two.
/// Whether two hosts are one site (the same registrable domain, or the
/// same address).
fn same_site_hosts(a: &str, b: &str) -> bool {
    let bare = |h: &str| {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase()
    };
    let (a, b) = (bare(a), bare(b));
    if a.parse::<IpAddr>().is_ok() || b.parse::<IpAddr>().is_ok() {
        return a == b;
    }
    let site = |host: &str| psl::domain_str(host).map_or(host.to_owned(), str::to_owned);
    site(&a) == site(&b)
}

pub fn same_site(public_host: &str, sandbox_domain: &str) -> bool {
    let site = |host: &str| {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        psl::domain_str(&host).map_or(host.clone(), str::to_owned)
    };
    let public = public_host.trim_start_matches('[').trim_end_matches(']');
    if public.parse::<IpAddr>().is_ok() {
        return false;
    }
    site(public) == site(&format!("8080-k.{sandbox_domain}"))
}

/// One `X-Forwarded-For` hop: an address, possibly with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The Content Security Policy of Sandpit's pages: scripts, styles and
/// everything else from Sandpit's own files only (no inline script or
/// style), the terminal's websocket, frames of the sandboxes' tools only,
/// forms posted to Sandpit only, and no page of Sandpit framed by anyone.
fn policy(url: &url::Url, tools: Option<&str>, config: &Config) -> String {
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let ws = if url.scheme() == "https" { "wss" } else { "ws" };
    // Tools are served at `<port>-<web key>.<sandbox_domain>` on Sandpit's
    // port (see the learner page's `web_url`), under Sandpit's own origin
    // with the path fallback, or on the tools' own origin by path.
    let mut frames = format!("{}://*.{}{port}", url.scheme(), config.sandbox_domain);
    if config.proxy_path_fallback {
        frames.push_str(" 'self'");
    }
    if let Some(tools) = tools {
        frames.push(' ');
        frames.push_str(tools);
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; \
         connect-src 'self' {ws}://{host}{port}; frame-src {frames}; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
}

/// Headers on every response of Sandpit's own routes.
pub async fn page_headers(State(site): State<Arc<Site>>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, site.policy.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // No address leaves in a Referer (learner links carry their token);
    // with tools on another origin of this site, same-origin requests keep
    // theirs, so that forms send their real `Origin` (see `from_this_site`).
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(if site.tools_apart {
            "same-origin"
        } else {
            "no-referrer"
        }),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_url_must_be_another_origin_of_http_or_https_without_a_path() {
        let c = Config::default();
        for (tools, why) in [
            ("http://10.0.0.5:8080", "Sandpit's own origin"),
            ("ftp://10.0.0.5:8081", "not an http:// or https:// URL"),
            (
                "http://10.0.0.5:8081/tools",
                "only a scheme, a host and a port",
            ),
            (
                "http://10.0.0.5:8081/?a=1",
                "only a scheme, a host and a port",
            ),
        ] {
            let e = Site::with_tools("http://10.0.0.5:8080", Some(tools), &c)
                .unwrap_err()
                .to_string();
            assert!(e.contains(why), "{tools}: {e}");
        }
        assert!(
            Site::with_tools("http://10.0.0.5:8080", Some("http://10.0.0.5:8081/"), &c).is_ok()
        );
        assert!(same_site_hosts("10.0.0.5", "10.0.0.5"));
        assert!(!same_site_hosts("10.0.0.5", "10.0.0.6"));
        assert!(same_site_hosts("sandpit.example.org", "tools.example.org"));
        assert!(!same_site_hosts("sandpit.example.org", "example.net"));
    }

    fn site(url: &str, adjust: impl FnOnce(&mut Config)) -> Site {
        let mut config = Config::default();
        adjust(&mut config);
        Site::new(url, &config).unwrap()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_this_sites_origin_passes_whatever_the_host_says() {
        let s = site("https://Sandpit.Example.org/", |_| {});
        assert_eq!(s.origin(), "https://sandpit.example.org");
        assert!(s.from_this_site(&headers(&[("origin", "https://sandpit.example.org")])));
        for (origin, host) in [
            ("http://evil.test", "evil.test"),
            ("http://127.0.0.1:8080", "127.0.0.1:8080"),
            (
                "https://sandpit.example.org:8443",
                "sandpit.example.org:8443",
            ),
            ("http://sandpit.example.org", "sandpit.example.org"),
            ("https://8080-abc.sandpit.localhost", "sandpit.example.org"),
        ] {
            let h = headers(&[("origin", origin), ("host", host)]);
            assert!(!s.from_this_site(&h), "{origin} with Host {host}");
        }
        // A default port is no port.
        let s = site("http://localhost:80", |_| {});
        assert!(s.from_this_site(&headers(&[("origin", "http://localhost")])));
    }

    #[test]
    fn a_null_origin_passes_only_when_the_browser_says_same_origin() {
        let s = site("http://localhost:8080", |_| {});
        let null = |fetch: Option<&'static str>| {
            let mut h = headers(&[("origin", "null")]);
            if let Some(f) = fetch {
                h.insert("sec-fetch-site", HeaderValue::from_static(f));
            }
            s.from_this_site(&h)
        };
        assert!(null(Some("same-origin")));
        assert!(!null(Some("same-site")));
        assert!(!null(Some("cross-site")));
        assert!(!null(Some("none")));
        // Browsers send Fetch Metadata to loopback: without it, no.
        assert!(!null(None));
        // Plain HTTP elsewhere gets none: a null cannot be judged there.
        let lan = site("http://10.0.0.5:8080", |_| {});
        assert!(lan.from_this_site(&headers(&[("origin", "null")])));
        // Unless tools are served on another port of it: a tool's page is
        // same-site, and could send a null from a sandboxed frame.
        let apart = Site::with_tools(
            "http://10.0.0.5:8080",
            Some("http://10.0.0.5:8081"),
            &Config::default(),
        )
        .unwrap();
        assert!(!apart.from_this_site(&headers(&[("origin", "null")])));
        assert!(apart.from_this_site(&headers(&[("origin", "http://10.0.0.5:8080")])));
        assert!(!apart.from_this_site(&headers(&[("origin", "http://10.0.0.5:8081")])));
        // No Origin: not a browser, unless Fetch Metadata says another site.
        assert!(s.from_this_site(&HeaderMap::new()));
        assert!(!s.from_this_site(&headers(&[("sec-fetch-site", "cross-site")])));
    }

    #[test]
    fn the_policy_frames_only_the_sandboxes_and_is_framed_by_no_one() {
        let p = site("http://localhost:8080", |_| {}).policy;
        let p = p.to_str().unwrap();
        assert!(
            p.contains("frame-src http://*.sandpit.localhost:8080;"),
            "{p}"
        );
        assert!(p.contains("connect-src 'self' ws://localhost:8080;"), "{p}");
        assert!(p.contains("frame-ancestors 'none'"), "{p}");
        assert!(!p.contains("unsafe"), "{p}");
        let p = site("https://sandpit.example.org", |c| {
            c.sandbox_domain = "tools.example.org".into();
            c.proxy_path_fallback = true;
        })
        .policy;
        let p = p.to_str().unwrap();
        assert!(
            p.contains("frame-src https://*.tools.example.org 'self';"),
            "{p}"
        );
        assert!(
            p.contains("connect-src 'self' wss://sandpit.example.org;"),
            "{p}"
        );
    }

    #[test]
    fn tools_under_sandpits_domain_are_on_its_site() {
        assert!(same_site("sandpit.localhost", "sandpit.localhost"));
        assert!(!same_site("localhost", "sandpit.localhost"));
        assert!(!same_site("127.0.0.1", "sandpit.localhost"));
        assert!(same_site(
            "sandpit.mairie-exemple.fr",
            "sandpit.mairie-exemple.fr"
        ));
        assert!(same_site(
            "formation.mairie-exemple.fr",
            "outils.mairie-exemple.fr"
        ));
        assert!(same_site("SANDPIT.example.org.", "tools.example.org"));
        assert!(!same_site("sandpit.example.org", "tools.example.net"));
        // Public suffixes are not sites: two cities under gouv.fr are two.
        assert!(!same_site("ville-a.gouv.fr", "ville-b.gouv.fr"));
        assert!(!same_site("sandpit.github.io", "tools.github.io"));
    }

    #[test]
    fn bad_public_urls_and_sandbox_domains_are_named() {
        let e = Site::new("ftp://x", &Config::default()).unwrap_err();
        assert!(e.to_string().contains("public_url: `ftp://x`"), "{e}");
        let c = Config {
            sandbox_domain: "a; script-src *".into(),
            ..Config::default()
        };
        let e = Site::new("http://localhost", &c).unwrap_err();
        assert!(e.to_string().starts_with("sandbox_domain:"), "{e}");
    }

    #[test]
    fn the_client_is_the_right_most_hop_no_trusted_proxy_added() {
        let s = site("http://localhost", |c| {
            c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
        });
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let xff = |v: &'static str| headers(&[("x-forwarded-for", v)]);
        // What the client wrote (left) does not count past the first untrusted hop.
        assert_eq!(
            s.client_addr(peer, &xff("6.6.6.6, 203.0.113.9, 10.0.0.7")),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // Several headers are one list; ports and brackets are dropped.
        let mut h = xff("6.6.6.6");
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("[2001:db8::1]:443"),
        );
        assert_eq!(
            s.client_addr(peer, &h),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        // Garbage next to the proxies: the last trusted hop.
        assert_eq!(
            s.client_addr(peer, &xff("nonsense, 10.0.0.7")),
            "10.0.0.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(s.client_addr(peer, &HeaderMap::new()), peer);
        // From an untrusted peer the header is ignored.
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(s.client_addr(stranger, &xff("203.0.113.9")), stranger);
        // No trusted proxies (the default): always the peer.
        let plain = site("http://localhost", |_| {});
        assert_eq!(plain.client_addr(peer, &xff("203.0.113.9")), peer);
    }
}
