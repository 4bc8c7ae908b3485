//! Helpers for tests of the JSON API and the CLI: accounts and tokens, a
//! small typed client, a server with its own settings, and a clean-up that
//! removes whatever a failed test left under its instance label.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use sandpit::store::{Role, User};
use serde_json::Value;

use super::server::TestServer;

/// An account and an API token for it.
pub async fn account(server: &TestServer, name: &str, role: Role) -> (User, String) {
    let (user, _) = server.app.auth.create_user(name, role).await.unwrap();
    let (token, _) = server.app.auth.create_token(&user, "tests").await.unwrap();
    (user, token)
}

/// The API as one caller.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

/// An answer: status, headers and the body as JSON (Null if it is not).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The `error` of a JSON error body; fails the test if there is none.
    pub fn error(&self) -> &str {
        self.body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no JSON error in {} {}", self.status, self.body))
    }
}

impl Api {
    pub fn new(server: &TestServer, token: Option<&str>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: format!("{}/api/v1", server.url),
            token: token.map(str::to_owned),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// The body of a GET that answers something else than JSON (a CSV).
    pub async fn text(&self, path: &str) -> String {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().text().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Option<&Value>) -> Answer {
        self.call(Method::POST, path, body).await
    }
}

/// RFC 3339, `minutes` from now.
pub fn in_minutes(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::TimeDelta::minutes(minutes)).to_rfc3339()
}
