//! The terminal websocket, `/s/{token}/terminal`: a learner's browser (or any
//! other viewer of the sandbox) sees the shared, server-emulated screen and
//! types into it.
//!
//! Before the upgrade: a cross-site Origin gets 403, an unknown token 404. `?cols=N&rows=N` sizes a shell that this connection starts.
//! Every message is a JSON text frame of at most 64 KiB.
//!
//! Client → server:
//! - `{"type":"input","data":"ls\r"}`: keys or paste, as the bytes a
//!   terminal sends (escape sequences included), in UTF-8.
//! - `{"type":"resize","cols":120,"rows":40}`: this viewer's size; the most
//!   recent request of any viewer wins (clamped to 10–300 × 5–120).
//! - `{"type":"scroll","offset":N}`: show this viewer the screen N lines back
//!   in the history (0 = live; clamped to `scroll.max`).
//!
//! Server → client:
//! - `{"type":"frame","full":true,"cols":80,"rows":24,
//!   "cursor":{"row":0,"col":2,"visible":true},"title":"",
//!   "modes":{"app_cursor":false,"app_keypad":false,"bracketed_paste":true,"alt_screen":false},
//!   "scroll":{"offset":0,"max":12},"lines":[[0,[{"text":"$ ","fg":2,"bold":true}]],…]}`:
//!   `lines` holds `[row, runs]` for every row when `full`, else only for the
//!   rows that changed since the previous frame. A run is text in one style:
//!   `fg`/`bg` are a palette index (0–255) or `"#rrggbb"`, absent for the
//!   default; `bold`, `dim`, `italic`, `underline`, `inverse` appear only when
//!   true. Rows leave out trailing blanks. At most ~30 frames a second.
//! - `{"type":"exit"}`: the shell ended; the server closes the connection,
//!   and the next connection starts a new shell.
//! - `{"type":"access","typing":false}`: to a helper (an ambassador or a
//!   trainer watching through `/s/{token}/watch/{session}/terminal` or
//!   `/trainer/watch/{session}/terminal`): whether the learner lets them
//!   type now; sent on connecting and on every change. A helper's resizes
//!   are ignored (the learner's size stays).
//! - `{"type":"refused","reason":"read-only"}`: a helper's keystrokes while
//!   they may not type; nothing reached the shell.
//! - `{"type":"exit","sandbox":"ended"}` (or `"failed"`): the sandbox itself
//!   has ended (expired, closed for idleness, torn down) or stopped working;
//!   no new shell can start. A connection to such a sandbox's terminal gets
//!   this message and is closed, so the page can say so instead of retrying.

use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::community::Watching;
use crate::http::{AppState, HttpError, same_origin};
use crate::sandbox::{LinkToken, SandboxService};
use crate::scenario::{Scenario, ScenarioId};
use crate::terminal::{TerminalError, Viewer};

/// Largest message a client may send.
const MAX_MESSAGE: usize = 64 * 1024;
/// A client that takes longer than this to accept a message is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Pings keep idle connections open through proxies and find dead ones.
const PING_EVERY: Duration = Duration::from_secs(25);
const EXIT: &str = r#"{"type":"exit"}"#;
const REFUSED: &str = r#"{"type":"refused","reason":"read-only"}"#;

/// What a connection may do to the shared terminal.
pub(in crate::http) enum Access {
    /// The learner, through their link: types and sizes the terminal.
    Learner,
    /// A helper in a help session: watches; types only while the learner
    /// lets them (asked on every keystroke); never resizes.
    Helper(Box<Watching>),
}

impl Access {
    fn may_type(&self) -> bool {
        match self {
            Self::Learner => true,
            Self::Helper(w) => w.may_type(),
        }
    }

    /// The message telling a helper whether they may type; None for the
    /// learner.
    fn message(&self) -> Option<String> {
        match self {
            Self::Learner => None,
            Self::Helper(w) => {
                Some(serde_json::json!({"type": "access", "typing": w.may_type()}).to_string())
            }
        }
    }

    /// Resolves when a helper's grant changes; never for the learner.
    async fn changed(&mut self) {
        if let Self::Helper(w) = self
            && w.changed().await
        {
            return;
        }
        std::future::pending().await
    }

    /// The connection is still open: a helper's session lives on, if they
    /// still may watch (false: close the connection).
    async fn alive(&self) -> bool {
        match self {
            Self::Learner => true,
            Self::Helper(w) => w.seen().await,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/s/{token}/terminal", get(terminal))
}

/// `?cols=N&rows=N`: the size of a shell this connection starts.
#[derive(Debug, Deserialize)]
pub(in crate::http) struct SizeQuery {
    pub cols: Option<u16>,
    pub rows: Option<u16>,
}

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ClientMessage {
    Input { data: String },
    Resize { cols: u32, rows: u32 },
    Scroll { offset: u64 },
}

async fn terminal(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(size): Query<SizeQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, HttpError> {
    if !same_origin(&headers, &state.site) {
        return Err(HttpError::Forbidden("cross-origin terminal refused".into()));
    }
    let Some(token) = LinkToken::parse(&token) else {
        return Err(HttpError::NotFound);
    };
    let Some((link, sandbox)) = state.service.open_link(&token).await? else {
        // A refused upgrade only reads as "try again" to a browser: an ended
        // sandbox's open page is told over the socket instead.
        return match (gone(&state.service, &token).await, ws) {
            (Some(kind), Ok(ws)) => Ok(ws.on_upgrade(move |socket| say_gone(socket, kind))),
            _ => Err(HttpError::NotFound),
        };
    };
    let scenario = ScenarioId::parse(&sandbox.scenario_id)
        .ok()
        .and_then(|id| state.scenarios.get(&id))
        .filter(|s| s.terminal)
        .ok_or(HttpError::NotFound)?;
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return Ok(rejection.into_response()),
    };
    let to = Attach {
        sandbox: sandbox.id,
        link: &link.token_hash,
        scenario,
        size,
        start: true,
    };
    // When the shell exits, whether its sandbox went with it.
    let service = state.service.clone();
    let exited = Box::pin(async move { gone(&service, &token).await });
    connect(&state, ws, to, Access::Learner, exited).await
}

/// A helper's connection to the terminal of the learner they help, whose
/// session `watching` holds (checked by the caller, origin included).
pub(in crate::http) async fn helper_terminal(
    state: &AppState,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    watching: Watching,
    size: (Option<u16>, Option<u16>),
) -> Result<Response, HttpError> {
    let session = &watching.session;
    let scenario = state
        .scenarios
        .find(&session.scenario_id)
        .filter(|s| s.terminal)
        .ok_or(HttpError::NotFound)?;
    let link = session.link_hash.clone().ok_or(HttpError::NotFound)?;
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return Ok(rejection.into_response()),
    };
    let to = Attach {
        sandbox: *session.sandbox_id,
        link: &link,
        scenario,
        size: SizeQuery {
            rows: size.0,
            cols: size.1,
        },
        start: false,
    };
    let (community, sandbox) = (state.community.clone(), *session.sandbox_id);
    let exited = Box::pin(async move { community.sandbox_gone(sandbox).await });
    connect(state, ws, to, Access::Helper(Box::new(watching)), exited).await
}

/// Whether the sandbox went with its shell, once the shell has exited:
/// asked only then (the future does nothing until awaited).
type Exited = std::pin::Pin<Box<dyn Future<Output = Option<&'static str>> + Send>>;

/// The terminal a connection joins.
struct Attach<'a> {
    sandbox: uuid::Uuid,
    /// The learner's link (hash): the recording's budget.
    link: &'a str,
    scenario: &'a Scenario,
    size: SizeQuery,
    /// Whether the connection starts a shell when none runs (the
    /// learner's; a helper only joins the learner's).
    start: bool,
}

/// Joins the sandbox's terminal (starting its shell if none runs) and
/// serves the connection with `access`.
async fn connect(
    state: &AppState,
    ws: WebSocketUpgrade,
    to: Attach<'_>,
    access: Access,
    exited: Exited,
) -> Result<Response, HttpError> {
    let (rows, cols) = (to.size.rows.unwrap_or(24), to.size.cols.unwrap_or(80));
    let joined = if to.start {
        state
            .terminals
            .attach(to.sandbox, to.link, to.scenario, rows, cols)
            .await
    } else {
        match state.terminals.join(to.sandbox).await {
            Ok(Some(viewer)) => Ok(viewer),
            Ok(None) => {
                return Err(HttpError::Conflict(crate::http::i18n::Message::new(
                    "help-no-terminal",
                )));
            }
            Err(e) => Err(e),
        }
    };
    let viewer = match joined {
        Ok(viewer) => viewer,
        Err(e @ TerminalError::TooManyViewers) => {
            return Ok((StatusCode::TOO_MANY_REQUESTS, e.to_string()).into_response());
        }
        Err(TerminalError::Runtime(e)) => {
            return Err(HttpError::Internal(
                anyhow::Error::new(e).context(format!("opening the terminal of {}", to.sandbox)),
            ));
        }
    };
    let shutdown = state.shutdown.clone();
    // Typing counts as use of the sandbox (idle culling).
    let service = state.service.clone();
    let sandbox_id = to.sandbox;
    let typed = move || service.touch(sandbox_id);
    Ok(ws
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(socket, viewer, access, shutdown, typed, exited)))
}

/// `ended` when the link's sandbox has ended, `failed` when it stopped
/// working; None while it is live (or for a link that is not one).
async fn gone(service: &SandboxService, token: &LinkToken) -> Option<&'static str> {
    match service.ended_link(token).await {
        Ok(Some(_)) => return Some("ended"),
        Ok(None) => {}
        Err(e) => {
            tracing::debug!(error = %e, "looking up an ended link for its terminal");
            return None;
        }
    }
    match service.failed_link(token).await {
        Ok(Some(_)) => Some("failed"),
        _ => None,
    }
}

/// The exit message of a shell, saying whether its sandbox is gone too.
fn exit_message(sandbox: Option<&str>) -> String {
    match sandbox {
        Some(kind) => serde_json::json!({"type": "exit", "sandbox": kind}).to_string(),
        None => EXIT.to_owned(),
    }
}

/// Tells a terminal of an ended or failed sandbox so, and closes it.
async fn say_gone(mut socket: WebSocket, kind: &'static str) {
    let say = async {
        socket
            .send(Message::Text(exit_message(Some(kind)).into()))
            .await?;
        socket.send(Message::Close(None)).await
    };
    let _ = tokio::time::timeout(SEND_TIMEOUT, say).await;
}

/// Forwards frames to the browser and its messages to the session, until
/// either side leaves, the shell exits or the server stops.
async fn serve(
    socket: WebSocket,
    mut viewer: Viewer,
    mut access: Access,
    shutdown: CancellationToken,
    typed: impl Fn(),
    exited: Exited,
) {
    let (mut tx, mut rx) = socket.split();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    // Sends one message, giving up on a client that does not take it.
    let send = async |tx: &mut SplitSink<WebSocket, Message>, message: Message| {
        tokio::select! {
            sent = tokio::time::timeout(SEND_TIMEOUT, tx.send(message)) => matches!(sent, Ok(Ok(()))),
            () = shutdown.cancelled() => false,
        }
    };
    if let Some(said) = access.message()
        && !send(&mut tx, Message::Text(said.into())).await
    {
        return;
    }
    loop {
        tokio::select! {
            () = access.changed() => {
                if let Some(said) = access.message()
                    && !send(&mut tx, Message::Text(said.into())).await
                {
                    break;
                }
            }
            frame = viewer.next_frame() => match frame {
                Some(text) => {
                    if !send(&mut tx, Message::Text(text.as_ref().into())).await {
                        break;
                    }
                }
                None => {
                    // The session closes its viewers only when the shell ended.
                    if viewer.ended() {
                        let exit = exit_message(exited.await);
                        send(&mut tx, Message::Text(exit.into())).await;
                    }
                    send(&mut tx, Message::Close(None)).await;
                    break;
                }
            },
            _ = ping.tick() => {
                if !send(&mut tx, Message::Ping(Bytes::new())).await {
                    break;
                }
                if !access.alive().await {
                    break;
                }
            }
            message = rx.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    // Typing waits while the shell does not read; not past a shutdown.
                    let reply = tokio::select! {
                        reply = handle(&viewer, &access, text.as_str(), &typed) => reply,
                        () = shutdown.cancelled() => break,
                    };
                    if let Some(reply) = reply
                        && !send(&mut tx, Message::Text(reply.into())).await
                    {
                        break;
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                // Pings are answered by axum; binary messages mean nothing here.
                Some(Ok(_)) => {}
            },
            () = shutdown.cancelled() => {
                let close = CloseFrame { code: close_code::AWAY, reason: "server stopping".into() };
                let _ = tokio::time::timeout(Duration::from_secs(1), tx.send(Message::Close(Some(close)))).await;
                break;
            }
        }
    }
}

/// Acts on one message of the client; what to tell it back, if anything.
async fn handle(
    viewer: &Viewer,
    access: &Access,
    text: &str,
    typed: &impl Fn(),
) -> Option<&'static str> {
    match serde_json::from_str::<ClientMessage>(text) {
        // Asked for each message: a grant revoked a moment ago holds.
        Ok(ClientMessage::Input { .. }) if !access.may_type() => return Some(REFUSED),
        Ok(ClientMessage::Input { data }) if !data.is_empty() => {
            typed();
            match access {
                Access::Learner => viewer.input(Bytes::from(data)).await,
                // A helper's keys wait for room in the shell's queue only
                // while the grant holds: a revocation meanwhile drops them.
                Access::Helper(_) => {
                    let mut bytes = Bytes::from(data);
                    loop {
                        match viewer.try_input(bytes) {
                            Ok(()) => break,
                            Err(None) => break,
                            Err(Some(back)) => bytes = back,
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        if !access.may_type() {
                            return Some(REFUSED);
                        }
                    }
                }
            }
        }
        Ok(ClientMessage::Input { .. }) => {}
        // The learner's size stays: a helper's window does not change it.
        Ok(ClientMessage::Resize { .. }) if matches!(access, Access::Helper(_)) => {}
        Ok(ClientMessage::Resize { cols, rows }) => {
            let clamp = |n: u32| u16::try_from(n).unwrap_or(u16::MAX);
            viewer.resize(clamp(rows), clamp(cols));
        }
        Ok(ClientMessage::Scroll { offset }) => {
            viewer.scroll(usize::try_from(offset).unwrap_or(usize::MAX));
        }
        Err(e) => tracing::debug!(error = %e, "ignoring a terminal message"),
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_this_site_may_open_a_terminal() {
        let site =
            crate::http::Site::new("https://sandpit.example.org", &Default::default()).unwrap();
        assert!(same_origin(&headers(None, "x"), &site));
        assert!(same_origin(
            &headers(Some("https://sandpit.example.org"), "10.0.0.1:80"),
            &site
        ));
        // The request's own Host is no authority: a rebound name fails.
        assert!(!same_origin(
            &headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"),
            &site
        ));
        assert!(!same_origin(
            &headers(Some("https://evil.example"), "127.0.0.1:8080"),
            &site
        ));
        assert!(!same_origin(
            &headers(
                Some("http://8080-abc.sandpit.localhost:8080"),
                "localhost:8080"
            ),
            &site
        ));
        assert!(!same_origin(
            &headers(Some("null"), "127.0.0.1:8080"),
            &site
        ));
    }

    #[test]
    fn client_messages_parse_and_bad_ones_do_not() {
        let m: ClientMessage =
            serde_json::from_str(r#"{"type":"resize","cols":100,"rows":30}"#).unwrap();
        assert!(matches!(
            m,
            ClientMessage::Resize {
                cols: 100,
                rows: 30
            }
        ));
        assert!(
            serde_json::from_str::<ClientMessage>(r#"{"type":"resize","cols":-1,"rows":3}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"launch"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>("not json").is_err());
    }
}
