//! A terminal viewer on Sandpit's websocket, as the learner page is: it
//! waits for the prompt and times keystrokes until their echo is drawn.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub struct Term {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// The text of a frame's changed lines.
fn frame_text(frame: &Value) -> String {
    let mut out = String::new();
    for line in frame["lines"].as_array().into_iter().flatten() {
        for run in line[1].as_array().into_iter().flatten() {
            out.push_str(run["text"].as_str().unwrap_or(""));
        }
        out.push('\n');
    }
    out
}

impl Term {
    pub async fn connect(url: &str, origin: &str) -> Result<Self> {
        let mut request = url.into_client_request()?;
        request.headers_mut().insert("origin", origin.parse()?);
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .context("opening the terminal websocket")?;
        Ok(Self { ws })
    }

    /// The next frame, or an error after `limit`.
    async fn frame(&mut self, limit: Duration) -> Result<Value> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.ws.next()).await {
                Err(_) => bail!("no frame within {limit:?}"),
                Ok(None) => bail!("the terminal closed"),
                Ok(Some(Err(e))) => return Err(e.into()),
                Ok(Some(Ok(Message::Text(text)))) => {
                    let v: Value = serde_json::from_str(&text)?;
                    if v["type"] == "exit" {
                        bail!("the shell exited");
                    }
                    return Ok(v);
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Reads frames until one shows a shell prompt.
    pub async fn wait_prompt(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let frame = self
                .frame(deadline.saturating_duration_since(Instant::now()))
                .await?;
            // Rows come without trailing blanks: the prompt ends in `$`.
            if frame_text(&frame)
                .lines()
                .any(|l| l.trim_end().ends_with('$'))
            {
                return Ok(());
            }
        }
    }

    /// Types `data` (keys, as the page sends them).
    pub async fn type_text(&mut self, data: &str) -> Result<()> {
        self.input(data).await
    }

    async fn input(&mut self, data: &str) -> Result<()> {
        self.ws
            .send(Message::text(
                json!({"type": "input", "data": data}).to_string(),
            ))
            .await?;
        Ok(())
    }

    /// Keystroke → the frame that draws its echo, `count` times (a letter,
    /// then a backspace, so the line stays short).
    pub async fn echo_round_trips(&mut self, count: usize) -> Result<Vec<f64>> {
        // Whatever the prompt still draws arrives first.
        while self.frame(Duration::from_millis(200)).await.is_ok() {}
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            let key = if i % 2 == 0 { "a" } else { "\x7f" };
            let t = Instant::now();
            self.input(key).await?;
            self.frame(Duration::from_secs(5)).await?;
            samples.push(crate::report::ms(t.elapsed()));
            // Past the frame interval, so the next key is drawn at once (as
            // a typist's keys are, ~100 ms apart); then whatever else the
            // key drew, so the next key is timed by its own frame.
            tokio::time::sleep(Duration::from_millis(40)).await;
            while self.frame(Duration::from_millis(1)).await.is_ok() {}
        }
        Ok(samples)
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }

    /// Reads every frame in the background, as a browser tab left open
    /// does, until [`Watched::stop`].
    pub fn watch(mut self) -> Watched {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut frames = 0usize;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    message = self.ws.next() => match message {
                        Some(Ok(Message::Text(_))) => frames += 1,
                        Some(Ok(_)) => {}
                        Some(Err(e)) => return Err(e.into()),
                        None => bail!("the terminal closed"),
                    },
                }
            }
            // ^C, timed until the prompt is drawn again.
            let t = Instant::now();
            self.input("\x03").await?;
            self.wait_prompt().await?;
            let back = crate::report::ms(t.elapsed());
            self.close().await;
            Ok((frames, back))
        });
        Watched { stop, task }
    }
}

/// A terminal read in the background.
pub struct Watched {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(usize, f64)>>,
}

impl Watched {
    /// Stops reading, and the command with ^C; the frames read, and the
    /// time from ^C to the prompt drawn again, in ms.
    pub async fn stop(self) -> Result<(usize, f64)> {
        let _ = self.stop.send(());
        self.task.await?
    }
}
