//! A terminal viewer for the tests: a real server on port 0, and a websocket
//! client that rebuilds the screen from the frames it is sent.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sandpit::sandbox::LinkToken;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::server::TestServer;

/// How long any one expectation may take.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The terminal side of a test server.
pub(crate) trait Terminals {
    fn terminal_url(&self, token: &LinkToken) -> String;
    /// Opens the terminal the way the page does, from this site.
    async fn open(&self, token: &LinkToken) -> Term;
}

impl Terminals for TestServer {
    fn terminal_url(&self, token: &LinkToken) -> String {
        format!("ws://{}/s/{}/terminal", self.addr, token.as_str())
    }

    async fn open(&self, token: &LinkToken) -> Term {
        // The page's origin is the public URL's, whatever address the
        // socket goes to.
        Term::connect(&self.terminal_url(token), Some(&self.url))
            .await
            .expect("opening the terminal")
    }
}

/// The screen as one viewer sees it.
pub struct Term {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub lines: Vec<String>,
    pub size: (u64, u64),
    pub cursor: Value,
    pub modes: Value,
    pub scroll: Value,
    pub frames: usize,
    pub exited: bool,
    /// A helper's: whether the learner lets them type, as last told.
    pub may_type: Option<bool>,
    /// A helper's keystrokes refused so far.
    pub refused: usize,
}

impl Term {
    pub async fn connect(
        url: &str,
        origin: Option<&str>,
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let mut request = url.into_client_request()?;
        if let Some(o) = origin {
            request.headers_mut().insert("origin", o.parse().unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Self {
            ws,
            lines: Vec::new(),
            size: (0, 0),
            cursor: Value::Null,
            modes: Value::Null,
            scroll: Value::Null,
            frames: 0,
            exited: false,
            may_type: None,
            refused: 0,
        })
    }

    pub async fn send(&mut self, message: Value) {
        self.ws
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    }

    pub async fn input(&mut self, data: &str) {
        self.send(json!({"type": "input", "data": data})).await;
    }

    pub async fn resize(&mut self, rows: u16, cols: u16) {
        self.send(json!({"type": "resize", "rows": rows, "cols": cols}))
            .await;
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn shows(&self, needle: &str) -> bool {
        self.lines.iter().any(|l| l.contains(needle))
    }

    pub fn alt_screen(&self) -> bool {
        self.modes["alt_screen"] == true
    }

    fn apply(&mut self, frame: &Value) {
        match frame["type"].as_str() {
            Some("frame") => {}
            Some("exit") => {
                self.exited = true;
                return;
            }
            Some("access") => {
                self.may_type = frame["typing"].as_bool();
                return;
            }
            Some("refused") => {
                assert_eq!(frame["reason"], "read-only", "{frame}");
                self.refused += 1;
                return;
            }
            other => panic!("unexpected message {other:?}: {frame}"),
        }
        let rows = frame["rows"].as_u64().unwrap();
        let cols = frame["cols"].as_u64().unwrap();
        if frame["full"] == true || self.size != (rows, cols) {
            assert_eq!(frame["full"], true, "a new size comes with a full frame");
            self.lines = vec![String::new(); rows as usize];
        }
        self.size = (rows, cols);
        for line in frame["lines"].as_array().unwrap() {
            let row = line[0].as_u64().unwrap() as usize;
            let text: String = line[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|run| run["text"].as_str().unwrap())
                .collect();
            self.lines[row] = text;
        }
        self.cursor = frame["cursor"].clone();
        self.modes = frame["modes"].clone();
        self.scroll = frame["scroll"].clone();
        self.frames += 1;
    }

    /// Reads one message; None when the server closed the connection.
    pub async fn read(&mut self) -> Option<Value> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Text(text)) => {
                    let frame: Value = serde_json::from_str(&text).unwrap();
                    self.apply(&frame);
                    return Some(frame);
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Reads frames until `done` holds; panics with the screen after the
    /// deadline.
    pub async fn wait_for(&mut self, what: &str, done: impl Fn(&Term) -> bool) {
        let result = tokio::time::timeout(DEADLINE, async {
            while !done(self) {
                if self.read().await.is_none() {
                    return false;
                }
            }
            true
        })
        .await;
        match result {
            Ok(true) => {}
            Ok(false) => panic!(
                "connection closed waiting for {what}; screen:\n{}",
                self.text()
            ),
            Err(_) => panic!("timed out waiting for {what}; screen:\n{}", self.text()),
        }
    }

    /// Waits until some line shows `needle`.
    pub async fn wait_text(&mut self, needle: &str) {
        let what = format!("{needle:?}");
        self.wait_for(&what, |t| t.shows(needle)).await;
    }

    /// Runs a command at the prompt and waits for a marker it prints: the
    /// marker is computed by the shell, so the typed echo cannot match it.
    pub async fn run(&mut self, command: &str, marker: &str) {
        self.input(&format!("{command}\r")).await;
        self.wait_text(marker).await;
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

pub fn status_of(result: Result<Term, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected an HTTP refusal, got a websocket"),
    }
}
