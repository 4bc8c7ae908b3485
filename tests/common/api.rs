//! Helpers for tests of the JSON API and the CLI: accounts and tokens, a
//! small typed client, a server with its own settings, and a clean-up that
//! removes whatever a failed test left under its instance label.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use sandpit::app::App;
use sandpit::config::Config;
use sandpit::store::{Role, User};
use serde_json::Value;

use super::server::TestServer;
use super::{TestApp, ensure_images, test_config};

/// Like [`super::test_app`], with settings changed before Sandpit opens.
pub async fn test_app_with(
    scenarios: std::path::PathBuf,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let data = tempfile::tempdir().expect("a temporary data directory");
    let mut config = test_config(data.path(), scenarios);
    configure(&mut config);
    let app = App::open(config).await.expect("opening Sandpit");
    ensure_images(&app).await;
    TestApp { app, data }
}

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

/// Removes every container and network labelled with this data directory's
/// instance when dropped, so that a failing test cleans up too. Uses the
/// docker CLI: a panicking test's async runtime cannot be relied on.
pub struct InstanceCleanup {
    instance: String,
}

impl InstanceCleanup {
    pub fn of(data_dir: &std::path::Path) -> Self {
        let instance = std::fs::read_to_string(data_dir.join("instance"))
            .expect("the instance id")
            .trim()
            .to_owned();
        assert!(!instance.is_empty());
        Self { instance }
    }
}

impl Drop for InstanceCleanup {
    fn drop(&mut self) {
        let filter = format!(
            "label={}={}",
            sandpit::runtime::LABEL_INSTANCE,
            self.instance
        );
        let list = |args: &[&str]| -> Vec<String> {
            std::process::Command::new("docker")
                .args(args)
                .output()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        for id in list(&["ps", "-aq", "--filter", &filter]) {
            let _ = std::process::Command::new("docker")
                .args(["rm", "-f", "-v", &id])
                .output();
        }
        for id in list(&["network", "ls", "-q", "--filter", &filter]) {
            let _ = std::process::Command::new("docker")
                .args(["network", "rm", &id])
                .output();
        }
    }
}
