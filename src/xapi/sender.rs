//! The background sender: sweeps new records into the outbox and POSTs due
//! statements to the LRS in batches. A statement is marked sent once the LRS
//! accepts it; a failed try (refused connection, timeout, 5xx) is retried
//! with exponential backoff per statement, and the outbox is in the store,
//! so a restart resumes where the last run stopped.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio_util::sync::CancellationToken;

use super::{XAPI_VERSION, sweep};
use crate::app::App;
use crate::config::{Config, ConfigError};
use crate::store::{OutboxRow, Store, StoreError};

/// Statements per POST.
const BATCH: u32 = 50;
/// How long one POST may take, connecting included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The first retry's delay; each failure doubles it, up to the cap.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(300);
/// How often the sender looks for new records when nothing wakes it.
const POLL: Duration = Duration::from_secs(2);

/// Where statements go and how Sandpit signs in there.
#[derive(Clone)]
pub struct LrsSettings {
    /// The LRS's statements resource.
    pub statements_url: Uri,
    authorization: Option<HeaderValue>,
}

impl std::fmt::Debug for LrsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LrsSettings")
            .field("statements_url", &self.statements_url)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

fn config_error(source: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        source_name: source.to_owned(),
        message: message.into(),
    }
}

impl LrsSettings {
    /// The configured LRS, None when none is; an error names the setting
    /// that is wrong.
    pub fn from_config(config: &Config) -> Result<Option<Self>, ConfigError> {
        let Some(endpoint) = config.xapi_endpoint.as_deref().map(str::trim) else {
            if config.xapi_username.is_some() || config.xapi_password.is_some() {
                tracing::warn!(
                    "xAPI credentials are set but xapi_endpoint is not: nothing is sent"
                );
            }
            return Ok(None);
        };
        let uri: Uri = endpoint
            .parse()
            .map_err(|e| config_error("xapi_endpoint", format!("`{endpoint}`: {e}")))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(config_error(
                    "xapi_endpoint",
                    format!(
                        "`{endpoint}`: https is not supported yet (Sandpit has no TLS client); \
                         use an http:// endpoint on a trusted network, or a local proxy that adds TLS"
                    ),
                ));
            }
            _ => {
                return Err(config_error(
                    "xapi_endpoint",
                    format!("`{endpoint}` is not an http:// URL"),
                ));
            }
        }
        let Some(authority) = uri.authority().cloned() else {
            return Err(config_error(
                "xapi_endpoint",
                format!("`{endpoint}` has no host"),
            ));
        };
        if authority.as_str().contains('@') {
            return Err(config_error(
                "xapi_endpoint",
                "put the LRS's credentials in xapi_username and xapi_password, not in the URL",
            ));
        }
        // The xAPI endpoint is the LRS's base; statements live under it.
        // A URL that names the statements resource already is used as is.
        let path = uri.path().trim_end_matches('/');
        let path = if path.ends_with("/statements") {
            path.to_owned()
        } else {
            format!("{path}/statements")
        };
        let path_and_query = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let statements_url = Uri::builder()
            .scheme("http")
            .authority(authority)
            .path_and_query(path_and_query)
            .build()
            .map_err(|e| config_error("xapi_endpoint", format!("`{endpoint}`: {e}")))?;
        let authorization = match (&config.xapi_username, &config.xapi_password) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(config_error(
                    "xapi_password",
                    "is set without xapi_username",
                ));
            }
            (Some(user), password) => {
                if user.contains(':') {
                    return Err(config_error(
                        "xapi_username",
                        "must not contain `:` (Basic authentication)",
                    ));
                }
                let pair = format!("{user}:{}", password.as_ref().map_or("", |p| p.0.as_str()));
                let mut value = HeaderValue::from_str(&format!(
                    "Basic {}",
                    data_encoding::BASE64.encode(pair.as_bytes())
                ))
                .map_err(|e| config_error("xapi_username", e.to_string()))?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        Ok(Some(Self {
            statements_url,
            authorization,
        }))
    }
}

/// An LRS client.
pub struct Lrs {
    settings: LrsSettings,
    client: Client<HttpConnector, Full<Bytes>>,
    /// No sends before this: the LRS was unreachable.
    paused: std::sync::Mutex<Option<DateTime<Utc>>>,
}

/// How one POST went.
enum Answer {
    Accepted,
    /// 409: the LRS has statements with these ids already.
    Conflict,
    /// 400 or 413: something in the batch is refused; alone, the others
    /// may pass.
    Refused(String),
    /// Anything else: try again later.
    Failed(String),
}

impl Lrs {
    pub fn new(settings: LrsSettings) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(REQUEST_TIMEOUT));
        connector.set_nodelay(true);
        Self {
            settings,
            client: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector),
            paused: std::sync::Mutex::new(None),
        }
    }

    fn paused_until(&self) -> Option<DateTime<Utc>> {
        *self.paused.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pause(&self, until: DateTime<Utc>) {
        *self.paused.lock().unwrap_or_else(|e| e.into_inner()) = Some(until);
    }

    async fn post(&self, rows: &[&OutboxRow]) -> Answer {
        let mut body = Vec::with_capacity(rows.iter().map(|r| r.body.len() + 1).sum::<usize>() + 2);
        body.push(b'[');
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(row.body.as_bytes());
        }
        body.push(b']');
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(self.settings.statements_url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("X-Experience-API-Version", XAPI_VERSION);
        if let Some(auth) = &self.settings.authorization {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let request = match request.body(Full::new(Bytes::from(body))) {
            Ok(r) => r,
            Err(e) => return Answer::Failed(format!("building the request: {e}")),
        };
        let response = match tokio::time::timeout(REQUEST_TIMEOUT, self.client.request(request))
            .await
        {
            Err(_) => {
                return Answer::Failed(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()));
            }
            Ok(Err(e)) => return Answer::Failed(describe(&e)),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        // Read (a little of) the body, so the connection can be reused and
        // a refusal can say why.
        let text = match tokio::time::timeout(
            REQUEST_TIMEOUT,
            Limited::new(response.into_body(), 4096).collect(),
        )
        .await
        {
            Ok(Ok(b)) => String::from_utf8_lossy(&b.to_bytes()).trim().to_owned(),
            _ => String::new(),
        };
        let said = |text: &str| {
            let mut s: String = text.chars().take(300).collect();
            if s.is_empty() {
                s = status.canonical_reason().unwrap_or_default().to_owned();
            }
            format!("the LRS answered {}: {s}", status.as_u16())
        };
        match status {
            s if s.is_success() => Answer::Accepted,
            StatusCode::CONFLICT => Answer::Conflict,
            StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE => Answer::Refused(said(&text)),
            _ => Answer::Failed(said(&text)),
        }
    }
}

fn describe(e: &hyper_util::client::legacy::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    format!("cannot reach the LRS: {text}")
}

/// When a statement that failed `tries` times before is tried again.
fn next_try(tries: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    let doublings = u32::try_from(tries.clamp(0, 16)).unwrap_or(16);
    let delay = BACKOFF_FIRST
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(BACKOFF_CAP);
    now + chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::seconds(300))
}

/// What one round of sending did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
}

/// Sends every statement that is due, a batch at a time. After a failure
/// that is not about the statements (the LRS is unreachable or answers
/// 5xx), nothing more is tried until the failed batch's next try.
pub async fn send_due(store: &Store, lrs: &Lrs) -> Result<SendReport, StoreError> {
    let mut report = SendReport::default();
    loop {
        let now = Utc::now();
        if lrs.paused_until().is_some_and(|until| until > now) {
            return Ok(report);
        }
        let due = store.due_statements(now, BATCH).await?;
        if due.is_empty() {
            return Ok(report);
        }
        let rows: Vec<&OutboxRow> = due.iter().collect();
        match lrs.post(&rows).await {
            Answer::Accepted => settle_sent(store, &rows, &mut report).await?,
            Answer::Conflict | Answer::Refused(_) if rows.len() > 1 => {
                // One statement spoils a batch: send them one at a time.
                for row in rows {
                    match lrs.post(&[row]).await {
                        Answer::Accepted | Answer::Conflict => {
                            settle_sent(store, &[row], &mut report).await?;
                        }
                        Answer::Refused(e) => {
                            settle_failed(store, &[row], &e, &mut report).await?;
                        }
                        Answer::Failed(e) => {
                            let until = settle_failed(store, &[row], &e, &mut report).await?;
                            lrs.pause(until);
                            return Ok(report);
                        }
                    }
                }
            }
            // A lone statement the LRS has already.
            Answer::Conflict => settle_sent(store, &rows, &mut report).await?,
            Answer::Refused(e) => {
                settle_failed(store, &rows, &e, &mut report).await?;
            }
            Answer::Failed(e) => {
                let until = settle_failed(store, &rows, &e, &mut report).await?;
                lrs.pause(until);
                return Ok(report);
            }
        }
        if due.len() < BATCH as usize {
            return Ok(report);
        }
    }
}

async fn settle_sent(
    store: &Store,
    rows: &[&OutboxRow],
    report: &mut SendReport,
) -> Result<(), StoreError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    store.mark_statements_sent(&ids).await?;
    report.sent += rows.len();
    Ok(())
}

/// Notes the failure with each row's next try; returns the earliest.
async fn settle_failed(
    store: &Store,
    rows: &[&OutboxRow],
    error: &str,
    report: &mut SendReport,
) -> Result<DateTime<Utc>, StoreError> {
    let now = Utc::now();
    let next: Vec<(&str, DateTime<Utc>)> = rows
        .iter()
        .map(|r| (r.id.as_str(), next_try(r.tries, now)))
        .collect();
    store.mark_statements_failed(&next, error).await?;
    report.failed += rows.len();
    tracing::debug!(statements = rows.len(), error, "xAPI send failed");
    Ok(next.iter().map(|(_, t)| *t).min().unwrap_or(now))
}

/// Sends due statements until the server shuts down.
pub async fn run_sender(app: Arc<App>, public_url: String, shutdown: CancellationToken) {
    let settings = match LrsSettings::from_config(&app.config) {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(e) => {
            tracing::error!("not sending xAPI statements: {e}");
            return;
        }
    };
    tracing::info!(lrs = %settings.statements_url, "sending xAPI statements");
    let lrs = Lrs::new(settings);
    let mut changes = app.service.changes();
    let mut failing = false;
    loop {
        if let Err(e) = sweep(&app.store, &app.scenarios, &public_url).await {
            tracing::error!(error = %e, "turning records into xAPI statements");
        }
        match send_due(&app.store, &lrs).await {
            Ok(r) if r.failed > 0 && !failing => {
                failing = true;
                tracing::warn!(
                    failed = r.failed,
                    "xAPI statements could not be sent; they wait in the outbox"
                );
            }
            Ok(r) if r.failed == 0 && r.sent > 0 && failing => {
                failing = false;
                tracing::info!(sent = r.sent, "the LRS accepts xAPI statements again");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sending xAPI statements"),
        }
        let due = app.store.next_statement_due().await.ok().flatten();
        let wait = match due.max(lrs.paused_until()) {
            Some(at) => (at - Utc::now()).to_std().unwrap_or_default().min(POLL),
            None => POLL,
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = changes.changed() => {
                if changed.is_err() {
                    // The service is gone: only the clock wakes us now.
                    tokio::time::sleep(POLL).await;
                }
            }
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn settings(endpoint: &str) -> Result<Option<LrsSettings>, ConfigError> {
        LrsSettings::from_config(&Config {
            xapi_endpoint: Some(endpoint.to_owned()),
            xapi_username: Some("sandpit".into()),
            xapi_password: Some(Secret("pw".into())),
            ..Config::default()
        })
    }

    #[test]
    fn statements_go_to_the_endpoints_statements_resource() {
        for (endpoint, url) in [
            ("http://lrs:8080/xapi/", "http://lrs:8080/xapi/statements"),
            ("http://lrs:8080/xapi", "http://lrs:8080/xapi/statements"),
            ("http://lrs/xapi/statements", "http://lrs/xapi/statements"),
            ("http://lrs/xapi/statements/", "http://lrs/xapi/statements"),
            ("http://lrs", "http://lrs/statements"),
        ] {
            let s = settings(endpoint).unwrap().unwrap();
            assert_eq!(s.statements_url.to_string(), url, "{endpoint}");
        }
        let s = settings("http://lrs/xapi/").unwrap().unwrap();
        assert_eq!(
            s.authorization.as_ref().unwrap().to_str().unwrap(),
            format!("Basic {}", data_encoding::BASE64.encode(b"sandpit:pw"))
        );
        assert!(
            !format!("{s:?}").contains("Basic"),
            "credentials stay out of logs"
        );
    }

    #[test]
    fn wrong_settings_are_refused_with_the_setting_named() {
        let e = settings("https://lrs.example/xapi/").unwrap_err();
        assert_eq!(e.source_name, "xapi_endpoint");
        assert!(e.message.contains("https is not supported"), "{e}");
        let e = settings("ftp://lrs/").unwrap_err();
        assert!(e.message.contains("not an http:// URL"), "{e}");
        let e = settings("http://user:pw@lrs/").unwrap_err();
        assert!(e.message.contains("xapi_username"), "{e}");
        let e = LrsSettings::from_config(&Config {
            xapi_endpoint: Some("http://lrs/".into()),
            xapi_password: Some(Secret("pw".into())),
            ..Config::default()
        })
        .unwrap_err();
        assert_eq!(e.source_name, "xapi_password");
        assert!(
            LrsSettings::from_config(&Config::default())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn retries_back_off_from_a_second_to_five_minutes() {
        let now = Utc::now();
        let delay = |tries| (next_try(tries, now) - now).num_seconds();
        assert_eq!(
            [0, 1, 2, 3, 8, 9, 40].map(delay),
            [1, 2, 4, 8, 256, 300, 300]
        );
    }
}
