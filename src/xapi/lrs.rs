//! The LRS client: one POST of a batch with xAPI's headers and Basic auth,
//! and one GET of a statement by id, over HTTPS (the system's OpenSSL and
//! CA certificates) or plain HTTP, with the `reqwest` client the CLI uses
//! too; what the answers mean for the outbox.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, Method, Request, StatusCode};

use super::XAPI_VERSION;
use super::settings::LrsSettings;
use crate::store::OutboxRow;
use crate::sync::Locked;

/// How long one POST may take, connecting included.
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// An LRS client.
pub struct Lrs {
    settings: LrsSettings,
    client: Client,
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
    /// Fails when the system's TLS library or CA certificates cannot be
    /// loaded (an https endpoint could never be trusted then).
    pub fn new(settings: LrsSettings) -> std::io::Result<Self> {
        let client = Client::builder()
            .connect_timeout(REQUEST_TIMEOUT)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(30))
            // As before: HTTP/1.1, no redirects followed (the credentials
            // go to the configured LRS only), no proxy from the environment.
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Self {
            settings,
            client,
            paused: std::sync::Mutex::new(None),
        })
    }

    pub(super) fn paused_until(&self) -> Option<DateTime<Utc>> {
        *self.paused.locked()
    }

    pub(super) fn pause(&self, until: DateTime<Utc>) {
        *self.paused.locked() = Some(until);
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
        let mut request = self
            .client
            .request(Method::POST, self.settings.statements_url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("X-Experience-API-Version", XAPI_VERSION)
            .body(body);
        if let Some(auth) = &self.settings.authorization {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let request = match request.build() {
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
        let mut url = self.settings.statements_url.clone();
        url.query_pairs_mut().append_pair("statementId", id);
        let mut request = self
            .client
            .request(Method::GET, url)
            .header("X-Experience-API-Version", XAPI_VERSION);
        if let Some(auth) = &self.settings.authorization {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let request = match request.build() {
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
    async fn exchange(&self, request: Request) -> Result<(StatusCode, String), String> {
        let mut response =
            match tokio::time::timeout(REQUEST_TIMEOUT, self.client.execute(request)).await {
                Err(_) => return Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
                Ok(Err(e)) => return Err(describe(&e)),
                Ok(Ok(r)) => r,
            };
        let status = response.status();
        // Read (the start of) the body, so the connection can be reused and
        // a refusal can say why.
        let mut bytes = Vec::new();
        let read = async {
            while bytes.len() < ANSWER_READ {
                match response.chunk().await {
                    Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                    _ => break,
                }
            }
        };
        let _ = tokio::time::timeout(REQUEST_TIMEOUT, read).await;
        bytes.truncate(ANSWER_READ);
        Ok((status, String::from_utf8_lossy(&bytes).trim().to_owned()))
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    format!("cannot reach the LRS: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// A TLS server with a self-signed certificate (OpenSSL's `s_server`),
    /// killed when dropped.
    struct SelfSigned(std::process::Child);

    impl Drop for SelfSigned {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[tokio::test]
    async fn an_https_lrs_is_reached_over_tls_and_an_unknown_certificate_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
        let made = std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=localhost", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("this test needs the openssl command");
        assert!(made.status.success(), "{made:?}");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let _server = SelfSigned(
            std::process::Command::new("openssl")
                .args(["s_server", "-quiet", "-www", "-accept", &port.to_string()])
                .arg("-cert")
                .arg(&cert)
                .arg("-key")
                .arg(&key)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let settings = LrsSettings::from_config(&Config {
            xapi_endpoint: Some(format!("https://localhost:{port}/xapi/")),
            ..Config::default()
        })
        .unwrap()
        .unwrap();
        let lrs = Lrs::new(settings).unwrap();
        match lrs.post(&[]).await {
            Answer::Failed(e) => {
                assert!(e.starts_with("cannot reach the LRS"), "{e}");
                assert!(e.contains("certificate verify failed"), "{e}");
            }
            Answer::Accepted => panic!("a self-signed certificate was trusted"),
            Answer::Refused(r) => panic!("a self-signed certificate was trusted: {r:?}"),
        }
    }
}
