//! The LRS client: one POST of a batch with xAPI's headers and Basic auth,
//! and one GET of a statement by id, over HTTPS (the system's OpenSSL and
//! CA certificates) or plain HTTP; what the answers mean for the outbox.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_tls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::XAPI_VERSION;
use super::settings::LrsSettings;
use crate::store::OutboxRow;

/// How long one POST may take, connecting included.
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// An LRS client.
pub struct Lrs {
    settings: LrsSettings,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// No sends before this: the LRS was unreachable.
    paused: std::sync::Mutex<Option<DateTime<Utc>>>,
}

/// How one POST went.
pub(super) enum Answer {
    Accepted,
    /// 400, 409, 413 or 422: the LRS refuses something in the batch (and,
    /// as xAPI requires, stores none of it); alone, the others may pass.
    Refused(Refusal),
    /// Anything else (unreachable, 5xx, 401…): try again later.
    Failed(String),
}

/// What an LRS said when it refused statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    /// Its answer's body (or the status's reason), cut short.
    pub answer: String,
}

/// What the LRS holds under a statement id.
pub(super) enum Stored {
    Statement(serde_json::Value),
    Nothing,
    /// The LRS will not say (e.g. 403: credentials that may only write).
    Unknown(String),
    /// Unreachable, or a 5xx: ask again later.
    Failed(String),
}

/// How much of an answer's body is read, and how much of it is kept: an
/// LRS's error says what is wrong in its first lines.
const ANSWER_READ: usize = 16 * 1024;
const ANSWER_KEPT: usize = 2000;

/// The statuses that mean "this content is refused", not "try later".
fn is_refusal(status: StatusCode) -> bool {
    matches!(status.as_u16(), 400 | 409 | 413 | 422)
}

/// Text cut to `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

impl Lrs {
    /// Fails when the system's CA certificates cannot be read (an https
    /// endpoint could never be trusted then).
    pub fn new(settings: LrsSettings) -> std::io::Result<Self> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(REQUEST_TIMEOUT));
        http.set_nodelay(true);
        http.enforce_http(false);
        let tls = hyper_tls::native_tls::TlsConnector::new().map_err(std::io::Error::other)?;
        let connector = HttpsConnector::from((http, tls.into()));
        Ok(Self {
            settings,
            client: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector),
            paused: std::sync::Mutex::new(None),
        })
    }

    pub(super) fn paused_until(&self) -> Option<DateTime<Utc>> {
        *self.paused.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn pause(&self, until: DateTime<Utc>) {
        *self.paused.lock().unwrap_or_else(|e| e.into_inner()) = Some(until);
    }

    pub(super) async fn post(&self, rows: &[&OutboxRow]) -> Answer {
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
        let (status, text) = match self.exchange(request).await {
            Ok(answer) => answer,
            Err(e) => return Answer::Failed(e),
        };
        let said = |text: &str| {
            let mut s = cut(text, 300);
            if s.is_empty() {
                s = status.canonical_reason().unwrap_or_default().to_owned();
            }
            format!("the LRS answered {}: {s}", status.as_u16())
        };
        if status.is_success() {
            Answer::Accepted
        } else if is_refusal(status) {
            let answer = if text.is_empty() {
                status.canonical_reason().unwrap_or_default().to_owned()
            } else {
                cut(&text, ANSWER_KEPT)
            };
            Answer::Refused(Refusal {
                status: status.as_u16(),
                answer,
            })
        } else {
            Answer::Failed(said(&text))
        }
    }

    /// The statement the LRS stores under `id` (xAPI's
    /// `GET statements?statementId=`), to tell a copy of what was sent from
    /// a conflicting one.
    pub(super) async fn stored(&self, id: &str) -> Stored {
        let url = &self.settings.statements_url;
        let path = url.path();
        let query = match url.query() {
            Some(q) => format!("{q}&statementId={id}"),
            None => format!("statementId={id}"),
        };
        let uri = match Uri::builder()
            .scheme(url.scheme_str().unwrap_or("http"))
            .authority(url.authority().map_or("", |a| a.as_str()))
            .path_and_query(format!("{path}?{query}"))
            .build()
        {
            Ok(u) => u,
            Err(e) => return Stored::Failed(format!("building the request: {e}")),
        };
        let mut request = Request::builder()
            .method(Method::GET)
            .uri(uri)
            .header("X-Experience-API-Version", XAPI_VERSION);
        if let Some(auth) = &self.settings.authorization {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let request = match request.body(Full::new(Bytes::new())) {
            Ok(r) => r,
            Err(e) => return Stored::Failed(format!("building the request: {e}")),
        };
        match self.exchange(request).await {
            Ok((status, text)) if status.is_success() => match serde_json::from_str(&text) {
                Ok(v) => Stored::Statement(v),
                Err(e) => {
                    Stored::Failed(format!("the LRS sent statement {id} as invalid JSON: {e}"))
                }
            },
            Ok((StatusCode::NOT_FOUND, _)) => Stored::Nothing,
            Ok((status, text)) => {
                let said = format!(
                    "the LRS answered {} to reading statement {id}: {}",
                    status.as_u16(),
                    cut(&text, 300)
                );
                if status.is_client_error() {
                    Stored::Unknown(said)
                } else {
                    Stored::Failed(said)
                }
            }
            Err(e) => Stored::Failed(e),
        }
    }

    /// Sends a request; the status and the start of the body's text.
    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, String), String> {
        let response =
            match tokio::time::timeout(REQUEST_TIMEOUT, self.client.request(request)).await {
                Err(_) => return Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
                Ok(Err(e)) => return Err(describe(&e)),
                Ok(Ok(r)) => r,
            };
        let status = response.status();
        // Read (the start of) the body, so the connection can be reused and
        // a refusal can say why.
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        let read = async {
            while bytes.len() < ANSWER_READ {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            bytes.extend_from_slice(data);
                        }
                    }
                    _ => break,
                }
            }
        };
        let _ = tokio::time::timeout(REQUEST_TIMEOUT, read).await;
        bytes.truncate(ANSWER_READ);
        Ok((status, String::from_utf8_lossy(&bytes).trim().to_owned()))
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
