//! Who may frame a proxied tool: Sandpit's learner page, and no one else.
//!
//! Tools protect their sign-in and edit pages against clickjacking with
//! `X-Frame-Options` (`DENY`, `SAMEORIGIN`) or a Content Security Policy's
//! `frame-ancestors`; MediaWiki sends both on its login and edit pages.
//! Inside the learner page those pages would stay blank. The proxy keeps the
//! protection and moves its boundary: it drops `X-Frame-Options` (which
//! cannot name another origin) and every `frame-ancestors` directive the
//! tool wrote, in enforced and report-only policies alike, and adds a policy
//! of its own, `frame-ancestors 'self' <Sandpit's origin>`. Every other
//! directive of the tool's policies stays as the tool wrote it.
//!
//! Framing is only half of it: the tool's cookies must also be kept inside
//! the frame. That holds when Sandpit and its tools are one site (see
//! `Site` in `http/edge.rs`), which is why tools are served under Sandpit's
//! own domain.

use axum::http::header::{self, HeaderMap, HeaderValue};

/// The policy the proxy adds to every tool response: the tool itself and
/// Sandpit's pages at `sandpit_origin` may frame it.
pub fn ancestors(sandpit_origin: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("frame-ancestors 'self' {sandpit_origin}"))
        .unwrap_or(HeaderValue::from_static("frame-ancestors 'self'"))
}

/// Rewrites a tool response's framing headers so that only `ancestors`
/// decides who frames it.
pub fn let_sandpit_frame(headers: &mut HeaderMap, ancestors: &HeaderValue) {
    headers.remove(header::X_FRAME_OPTIONS);
    for name in [
        header::CONTENT_SECURITY_POLICY,
        header::CONTENT_SECURITY_POLICY_REPORT_ONLY,
    ] {
        let kept: Vec<HeaderValue> = headers
            .get_all(&name)
            .iter()
            .filter_map(without_frame_ancestors)
            .collect();
        headers.remove(&name);
        for value in kept {
            headers.append(&name, value);
        }
    }
    headers.append(header::CONTENT_SECURITY_POLICY, ancestors.clone());
}

/// One CSP header value (one policy, or several separated by commas)
/// without its `frame-ancestors` directives; None when nothing is left.
/// A value that is not text is dropped whole: browsers could not parse it.
fn without_frame_ancestors(value: &HeaderValue) -> Option<HeaderValue> {
    let text = value.to_str().ok()?;
    let policies: Vec<String> = text
        .split(',')
        .map(|policy| {
            policy
                .split(';')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .filter(|d| {
                    let name = d.split_ascii_whitespace().next().unwrap_or_default();
                    !name.eq_ignore_ascii_case("frame-ancestors")
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|p| !p.is_empty())
        .collect();
    if policies.is_empty() {
        return None;
    }
    HeaderValue::from_str(&policies.join(", ")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(pairs: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        let_sandpit_frame(&mut h, &ancestors("http://sandpit.localhost:8080"));
        h.iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect()
    }

    #[test]
    fn x_frame_options_goes_and_only_sandpit_may_frame() {
        let h = rewritten(&[("x-frame-options", "DENY"), ("content-type", "text/html")]);
        assert_eq!(
            h,
            vec![
                ("content-type".into(), "text/html".into()),
                (
                    "content-security-policy".into(),
                    "frame-ancestors 'self' http://sandpit.localhost:8080".into()
                ),
            ]
        );
    }

    #[test]
    fn the_tools_other_directives_stay_as_written() {
        let h = rewritten(&[
            (
                "content-security-policy",
                "default-src 'self'; FRAME-ANCESTORS 'none' ;script-src 'self' 'nonce-x'",
            ),
            (
                "content-security-policy-report-only",
                "frame-ancestors 'self', img-src *; frame-ancestors https://evil.example",
            ),
        ]);
        assert_eq!(
            h,
            vec![
                (
                    "content-security-policy".into(),
                    "default-src 'self'; script-src 'self' 'nonce-x'".into()
                ),
                (
                    "content-security-policy".into(),
                    "frame-ancestors 'self' http://sandpit.localhost:8080".into()
                ),
                (
                    "content-security-policy-report-only".into(),
                    "img-src *".into()
                ),
            ]
        );
    }

    #[test]
    fn a_policy_of_frame_ancestors_only_is_replaced_not_kept_empty() {
        let h = rewritten(&[("content-security-policy", "frame-ancestors 'none'")]);
        assert_eq!(
            h,
            vec![(
                "content-security-policy".into(),
                "frame-ancestors 'self' http://sandpit.localhost:8080".into()
            )]
        );
    }
}
