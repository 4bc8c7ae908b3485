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
