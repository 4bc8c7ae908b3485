//! Sandpit's cookies, read and written with axum-extra's cookie jars: each
//! cookie's name (`__Host-` over HTTPS) and attributes are decided here, and
//! the ones that carry what Sandpit wrote for itself are signed. This module
//! uses no other module of `http`, so sign-in, languages and pages can all
//! build on it without using each other.

use std::borrow::Cow;

use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, CookieJar, Key, SameSite, SignedCookieJar};

/// The session cookie. Every cookie Sandpit sets is named `sandpit…`
/// (`__Host-sandpit…` over HTTPS), so the proxy never passes it to a sandbox.
pub const SESSION: &str = "sandpit_session";

/// The cookie that remembers a language chosen with the switch. It is the
/// same on every site (no prefix, not `Secure`): it holds no secret.
pub const LANG: &str = "sandpit_lang";

/// How long a chosen language is remembered: a year.
const LANG_MAX_AGE: i64 = 365 * 24 * 3600;

/// How this site names and marks Sandpit's cookies, and the key that signs
/// the signed ones.
pub struct Cookies {
    /// Over HTTPS names take the `__Host-` prefix, so that a sandbox on a
    /// sibling host cannot set one for Sandpit (browsers keep a `__Host-`
    /// cookie only if it is `Secure`, for `/`, with no `Domain`: what
    /// [`Cookies::cookie`] writes).
    host_prefix: bool,
    secure: bool,
    key: Key,
}

impl Cookies {
    /// The cookies of Sandpit at `public_url`; the signing key is derived
    /// from `secret` (at least 32 bytes), so it survives restarts.
    pub fn new(public_url: &str, secret: &[u8]) -> Self {
        Self {
            host_prefix: public_url.starts_with("https://"),
            secure: secure_cookies(public_url),
            key: Key::derive_from(secret),
        }
    }

    /// The name of Sandpit's cookie `base` (always `sandpit…`) on this site.
    pub fn name<'a>(&self, base: &'a str) -> Cow<'a, str> {
        if self.host_prefix {
            Cow::Owned(format!("__Host-{base}"))
        } else {
            Cow::Borrowed(base)
        }
    }

    /// The value the request sends for Sandpit's cookie `base`.
    pub fn get(&self, headers: &HeaderMap, base: &str) -> Option<String> {
        CookieJar::from_headers(headers)
            .get(&self.name(base))
            .map(|c| c.value().to_owned())
    }

    /// Sandpit's cookie `base`: `HttpOnly`, `SameSite=Lax`, for `/` with no
    /// `Domain`, kept `max_age` seconds, `Secure` where browsers keep it.
    pub fn cookie(&self, base: &str, value: impl Into<String>, max_age: i64) -> Cookie<'static> {
        Cookie::build((self.name(base).into_owned(), value.into()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(time::Duration::seconds(max_age))
            .secure(self.secure)
            .build()
    }

    /// The cookie that makes the browser forget Sandpit's cookie `base`.
    pub fn removal(&self, base: &str) -> Cookie<'static> {
        self.cookie(base, "", 0)
    }

    /// The verified value of Sandpit's signed cookie `base`: None if it is
    /// missing or was not signed by this installation.
    pub fn get_signed(&self, headers: &HeaderMap, base: &str) -> Option<String> {
        SignedCookieJar::from_headers(headers, self.key.clone())
            .get(&self.name(base))
            .map(|c| c.value().to_owned())
    }

    /// A jar that sets Sandpit's cookie `base` to `value`, signed.
    pub fn signed(&self, base: &str, value: impl Into<String>, max_age: i64) -> SignedCookieJar {
        SignedCookieJar::new(self.key.clone()).add(self.cookie(base, value, max_age))
    }
}

/// Whether cookies may be marked `Secure`: browsers keep them over HTTPS and
/// on `localhost`, and drop them on plain HTTP elsewhere.
fn secure_cookies(public_url: &str) -> bool {
    public_url.starts_with("https://")
        || public_url
            .strip_prefix("http://")
            .and_then(|rest| rest.split([':', '/']).next())
            .is_some_and(|host| host == "localhost" || host.ends_with(".localhost"))
}

/// The language the request's cookie remembers, if any.
pub fn language(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(LANG)
        .map(|c| c.value().to_owned())
}

/// A jar that remembers `lang` for a year, on every page of the site.
pub fn remember_language(lang: &str) -> CookieJar {
    CookieJar::new().add(
        Cookie::build((LANG, lang.to_owned()))
            .path("/")
            .same_site(SameSite::Lax)
            .max_age(time::Duration::seconds(LANG_MAX_AGE))
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;

    const SECRET: &[u8] = &[7; 32];

    fn headers(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    /// The `Set-Cookie` values a jar answers with.
    fn set_cookies(parts: impl axum::response::IntoResponseParts) -> Vec<String> {
        let response = (parts, ()).into_response();
        response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    fn attributes(set_cookie: &str) -> Vec<&str> {
        let mut a: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
        a.sort_unstable();
        a
    }

    #[test]
    fn cookies_are_secure_where_browsers_keep_them() {
        assert!(secure_cookies("https://sandpit.example"));
        assert!(secure_cookies("http://localhost:8080"));
        assert!(!secure_cookies("http://10.0.0.5:8080"));
        assert!(!secure_cookies("http://localhost.evil.example"));
    }

    #[test]
    fn cookies_are_host_prefixed_over_https_only() {
        let c = Cookies::new("https://sandpit.example.org", SECRET);
        assert_eq!(c.name(SESSION), "__Host-sandpit_session");
        let c = Cookies::new("http://localhost:8080", SECRET);
        assert_eq!(c.name(SESSION), "sandpit_session");
    }

    #[test]
    fn sandpits_cookies_carry_every_attribute() {
        let c = Cookies::new("https://sandpit.example.org", SECRET);
        let set = set_cookies(CookieJar::new().add(c.cookie(SESSION, "abc", 3600)));
        assert_eq!(
            attributes(&set[0]),
            [
                "HttpOnly",
                "Max-Age=3600",
                "Path=/",
                "SameSite=Lax",
                "Secure",
                "__Host-sandpit_session=abc"
            ]
        );
        let c = Cookies::new("http://10.0.0.5:8080", SECRET);
        let set = set_cookies(CookieJar::new().add(c.removal(SESSION)));
        assert_eq!(
            attributes(&set[0]),
            [
                "HttpOnly",
                "Max-Age=0",
                "Path=/",
                "SameSite=Lax",
                "sandpit_session="
            ]
        );
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let c = Cookies::new("http://localhost:8080", SECRET);
        let h = headers("xsandpit_session=1; sandpit_session=abc");
        assert_eq!(c.get(&h, SESSION).as_deref(), Some("abc"));
        assert_eq!(c.get(&h, "nope"), None);
        // Over HTTPS only the prefixed name counts: a sandbox could plant
        // the plain one.
        let c = Cookies::new("https://sandpit.example.org", SECRET);
        assert_eq!(c.get(&h, SESSION), None);
    }

    #[test]
    fn signed_cookies_read_back_and_forged_ones_do_not() {
        let c = Cookies::new("http://localhost:8080", SECRET);
        let set = set_cookies(c.signed("sandpit_flash", "hello", 120));
        let pair = set[0].split(';').next().unwrap();
        assert!(attributes(&set[0]).contains(&"Max-Age=120"), "{}", set[0]);
        assert_eq!(
            c.get_signed(&headers(pair), "sandpit_flash").as_deref(),
            Some("hello")
        );
        assert_eq!(
            c.get_signed(&headers("sandpit_flash=hello"), "sandpit_flash"),
            None
        );
        let other = Cookies::new("http://localhost:8080", &[8; 32]);
        assert_eq!(other.get_signed(&headers(pair), "sandpit_flash"), None);
    }

    #[test]
    fn the_language_cookie_lasts_a_year_and_is_read_back() {
        let set = set_cookies(remember_language("fr"));
        assert_eq!(
            attributes(&set[0]),
            [
                "Max-Age=31536000",
                "Path=/",
                "SameSite=Lax",
                "sandpit_lang=fr"
            ]
        );
        assert_eq!(
            language(&headers("a=b; sandpit_lang=fr")).as_deref(),
            Some("fr")
        );
        assert_eq!(language(&headers("a=b")), None);
    }
}
