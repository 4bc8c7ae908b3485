//! A signed-in trainer or admin on Sandpit's pages, as far as the server
//! can tell: a session cookie, the forms' CSRF token, no redirects
//! followed (so each test sees the 303s), and the flash cookie an action
//! leaves carried to the page it redirects to.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use sandpit::store::Role;

use super::http::{client, csrf_of, session_of, set_cookie};
use super::server::TestServer;

pub struct Signed {
    pub user: sandpit::store::User,
    pub http: reqwest::Client,
    pub url: String,
    pub cookie: String,
    pub csrf: String,
}

/// Start tomorrow (so no automatic launch), end three hours later, as the
/// new-cohort form's `datetime-local` fields.
pub fn future_times() -> (String, String) {
    let start = chrono::Utc::now() + chrono::TimeDelta::days(1);
    let end = start + chrono::TimeDelta::hours(3);
    let f = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
    (f(start), f(end))
}

impl Signed {
    /// A new account of `role`, signed in through the login form.
    pub async fn new(server: &TestServer, name: &str, role: Role) -> Self {
        let (user, password) = super::settled_account(&server.app, name, role).await;
        let cookie = session_of(&server.url, name, &password).await;
        let mut me = Self {
            user,
            http: client(),
            url: server.url.clone(),
            cookie,
            csrf: String::new(),
        };
        let (status, home) = me.page("/trainer").await;
        assert_eq!(status, StatusCode::OK, "{home}");
        me.csrf = csrf_of(&home);
        me
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        (r.status(), r.text().await.unwrap())
    }

    /// An API token of this account.
    pub async fn token(&self, server: &TestServer) -> String {
        let (token, _) = server
            .app
            .auth
            .create_token(&self.user, "tests")
            .await
            .unwrap();
        token
    }

    /// Posts a form with this session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.http
            .post(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Where a 303 leads, asserting that it is one.
    pub fn location(response: &reqwest::Response) -> String {
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{response:?}");
        response.headers()[LOCATION].to_str().unwrap().to_owned()
    }

    /// Follows a 303 as a browser would, with the flash cookie it set.
    pub async fn follow(&self, response: reqwest::Response) -> (StatusCode, String, String) {
        let to = Self::location(&response);
        let mut cookie = self.cookie.clone();
        if let Some(flash) = set_cookie(&response, "sandpit_flash") {
            cookie.push_str(&format!("; sandpit_flash={flash}"));
        }
        let r = self
            .http
            .get(format!("{}{to}", self.url))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap(), to)
    }

    /// The new-cohort form with a roster file `bytes` uploaded; `query`
    /// goes on its URL (`?lang=fr`).
    pub async fn upload_roster(&self, name: &str, bytes: &[u8], query: &str) -> reqwest::Response {
        let (starts, ends) = future_times();
        let form = reqwest::multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .text("name", name.to_owned())
            .text("scenario", "tiny")
            .text("starts_at", starts)
            .text("ends_at", ends)
            .text("utc_offset", "0")
            .text("spare", "0")
            .text("roster_text", "")
            .text("seats", "")
            .part(
                "roster_file",
                reqwest::multipart::Part::bytes(bytes.to_vec())
                    .file_name("roster.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            );
        self.http
            .post(format!("{}/trainer/cohorts/new{query}", self.url))
            .header(COOKIE, &self.cookie)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// The new-cohort form with a pasted roster; its answer.
    pub async fn new_cohort(&self, name: &str, roster: &str) -> reqwest::Response {
        let (starts, ends) = future_times();
        self.post(
            "/trainer/cohorts/new",
            &[
                ("name", name),
                ("scenario", "tiny"),
                ("starts_at", &starts),
                ("ends_at", &ends),
                ("utc_offset", "0"),
                ("spare", "0"),
                ("roster_text", roster),
            ],
        )
        .await
    }

    /// Creates a cohort of `tiny` from a pasted roster; its id.
    pub async fn create_cohort(&self, name: &str, roster: &str) -> String {
        let response = self.new_cohort(name, roster).await;
        let to = Self::location(&response);
        to.strip_prefix("/trainer/cohorts/")
            .expect("the cohort's page")
            .to_owned()
    }
}
