//! The API client the command-line tools share (`sandpit cohort`,
//! `programme`, `teardown`): one caller's token, and the server's
//! `{"error": ...}` turned into the command's error ([`ApiFailure`]).

use std::time::Duration;

use anyhow::Context;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Where the server is, who calls it and how answers are printed: the
/// options of every command that talks to a running Sandpit.
#[derive(Debug, clap::Args)]
pub struct Remote {
    /// The Sandpit server to talk to.
    #[arg(
        long,
        global = true,
        env = "SANDPIT_SERVER",
        default_value = "http://localhost:8080"
    )]
    pub server: String,
    /// An API token (`sandpit token create`).
    #[arg(long, global = true, env = "SANDPIT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The API, as one trainer.
pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    /// Sent as `Accept-Language`: the language of the server's messages.
    language: Option<String>,
}

/// The server refused a request: its status and its message (with when to
/// try again, for a 429).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ApiFailure {
    pub status: StatusCode,
    pub message: String,
}

impl Client {
    pub(crate) fn new(remote: &Remote) -> anyhow::Result<Self> {
        Self::connect(&remote.server, remote.token.clone())
    }

    /// A client of `server` with an API token (`--server`, `--token`).
    pub(crate) fn connect(server: &str, token: Option<String>) -> anyhow::Result<Self> {
        let base = server.trim_end_matches('/').to_owned();
        if !base.starts_with("http://") && !base.starts_with("https://") {
            anyhow::bail!("--server must be an https:// or http:// URL, not `{base}`");
        }
        let token = token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            anyhow::anyhow!(
                "no API token: pass --token or set SANDPIT_TOKEN (an admin makes one with `sandpit token create --user NAME --name LABEL`)"
            )
        })?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(600))
            .build()?;
        Ok(Self {
            http,
            base,
            token: token.trim().to_owned(),
            language: None,
        })
    }

    /// Asks the server for its messages in `language` (`en`, `fr`).
    pub(crate) fn in_language(mut self, language: Option<&str>) -> Self {
        self.language = language.map(str::to_owned);
        self
    }

    /// Sends a request; a non-2xx answer becomes an [`ApiFailure`] with the
    /// server's message.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<reqwest::Response> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.answer(request).await
    }

    /// Sends a file's bytes as they are, as `content_type`.
    pub(crate) async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let request = self
            .request(method, path)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes);
        self.answer(request).await
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}/api/v1{path}", self.base);
        let request = self.http.request(method, &url).bearer_auth(&self.token);
        match &self.language {
            Some(l) => request.header(reqwest::header::ACCEPT_LANGUAGE, l),
            None => request,
        }
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach Sandpit at {}", self.base))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        let mut message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("the server answered {status}: {}", text.trim()));
        if status == StatusCode::TOO_MANY_REQUESTS
            && let Some(secs) = retry
        {
            message.push_str(&format!(" (try again in {secs} s)"));
        }
        Err(ApiFailure { status, message }.into())
    }

    pub(crate) async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let response = self.send(method, path, body).await?;
        response.json().await.context("reading the server's answer")
    }
}

/// `now`, `+90m`, `+2h`, `+1d`, or RFC 3339 as it is.
pub(super) fn when(s: &str) -> anyhow::Result<String> {
    let s = s.trim();
    let now = chrono::Utc::now();
    if s == "now" {
        return Ok(now.to_rfc3339());
    }
    if let Some(rel) = s.strip_prefix('+') {
        let (n, unit) = rel.split_at(rel.len().saturating_sub(1));
        let n: i64 = n
            .parse()
            .with_context(|| format!("`{s}` is not a time: use RFC 3339, `now` or `+2h`"))?;
        let delta = match unit {
            "m" => chrono::TimeDelta::minutes(n),
            "h" => chrono::TimeDelta::hours(n),
            "d" => chrono::TimeDelta::days(n),
            _ => anyhow::bail!("`{s}`: a relative time ends in m, h or d"),
        };
        return Ok((now + delta).to_rfc3339());
    }
    // The server checks RFC 3339 and names the field.
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_are_from_now() {
        let t = chrono::DateTime::parse_from_rfc3339(&when("+2h").unwrap()).unwrap();
        let d = t.with_timezone(&chrono::Utc) - chrono::Utc::now();
        assert!(d > chrono::TimeDelta::minutes(119) && d <= chrono::TimeDelta::hours(2));
        assert_eq!(
            when("2030-01-01T09:00:00Z").unwrap(),
            "2030-01-01T09:00:00Z"
        );
        assert!(when("+2y").is_err());
        assert!(when("+h").is_err());
    }
}
