//! Small HTTP helpers the page and API tests share.

use reqwest::header::{ACCEPT, SET_COOKIE};
use serde_json::Value;

/// A client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value a response sets for cookie `name`.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()?
                .trim()
                .strip_prefix(&format!("{name}="))
                .map(str::to_owned)
        })
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Presses Check on `exercise` of the learner page at `url`, as the page's
/// script does, and returns the JSON answer.
pub async fn check(http: &reqwest::Client, url: &str, exercise: &str) -> Value {
    let response = http
        .post(format!("{url}/check/{exercise}"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("Check answered {status} with no JSON ({e}): {body}"))
}

/// The `name=value` of the first cookie a response sets whose name ends
/// with `suffix` (so `sandpit_session` finds `__Host-sandpit_session` too).
pub fn cookie_pair(response: &reqwest::Response, suffix: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| {
            pair.split_once('=')
                .is_some_and(|(name, _)| name.trim().ends_with(suffix))
        })
        .map(|pair| pair.trim().to_owned())
}

/// Signs in through the login form of the server at `base`, as a browser
/// on `origin` would (the form's CSRF cookie and field), sending `extra`
/// headers with the POST; returns the POST's answer.
pub async fn sign_in(
    base: &str,
    origin: &str,
    name: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let http = client();
    let page = http
        .get(format!("{base}/login?next=/trainer"))
        .send()
        .await
        .unwrap();
    let cookie = cookie_pair(&page, "sandpit_login_csrf").expect("a login CSRF cookie");
    let csrf = csrf_of(&page.text().await.unwrap());
    let mut post = http
        .post(format!("{base}/login"))
        .header(reqwest::header::COOKIE, cookie)
        .header(reqwest::header::ORIGIN, origin)
        .form(&[
            ("name", name),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/trainer"),
        ]);
    for (k, v) in extra {
        post = post.header(*k, *v);
    }
    post.send().await.unwrap()
}

/// Signs in as a browser on the server's own site would; the session's
/// `Cookie` header.
pub async fn session_of(base: &str, name: &str, password: &str) -> String {
    let response = sign_in(base, base, name, password, &[]).await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let session = set_cookie(&response, "sandpit_session").expect("a session cookie");
    format!("sandpit_session={session}")
}

/// How many rows of the admin page show a memory figure from the engine.
pub fn memory_figures(html: &str) -> usize {
    html.split("<td class=\"memory\">")
        .skip(1)
        .filter(|cell| {
            cell.split("</td>")
                .next()
                .is_some_and(|c| c.ends_with(" MiB"))
        })
        .count()
}
