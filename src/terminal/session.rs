//! One shared terminal session: a shell on a TTY, its emulated screen, and
//! the viewers it sends frames to at a bounded rate (the `pump` feeds it).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use uuid::Uuid;

use super::budget::Recordings;
use super::frame::Snapshot;
use super::pump::Pump;
use super::rate::{Allowance, Pace};
use super::recording::Recorder;
use super::screen::Screen;
use crate::runtime::{Result, SandboxRuntime, TtyProcess, TtyRequest};
use crate::sync::Locked;

/// Frames queued for one viewer; a viewer further behind gets a full frame
/// once it catches up, instead of a growing queue.
const VIEWER_QUEUE: usize = 4;
/// Input messages queued for the shell.
const INPUT_QUEUE: usize = 64;

/// A frame, serialised once and shared by every viewer it goes to.
pub type FrameText = Arc<str>;

struct ViewerSlot {
    id: u64,
    tx: mpsc::Sender<FrameText>,
    /// Shows exactly `State::live`, so the next diff applies.
    synced: bool,
    /// Lines back in the history; 0 = the live screen.
    scroll: usize,
    /// What a scrolled viewer was sent last: (screen version, offset).
    scrolled_sent: Option<(u64, usize)>,
    /// The size this viewer asked for, and when (for "latest wins").
    size: Option<((u16, u16), u64)>,
}

struct State {
    screen: Screen,
    /// Bumped on every change of the screen.
    version: u64,
    /// The live snapshot synced viewers show, and its version.
    live: Option<(Snapshot, u64)>,
    viewers: Vec<ViewerSlot>,
    ended: bool,
}

/// A shell shared by every viewer of one sandbox.
pub struct Session {
    pub sandbox: Uuid,
    state: Mutex<State>,
    /// Wakes the ticker.
    changed: Notify,
    /// Wakes the pump when a viewer typed an interrupt key.
    pub(super) interrupted: Notify,
    input: mpsc::Sender<Bytes>,
    size: watch::Sender<(u16, u16)>,
    next_id: AtomicU64,
    /// Cancelled to end the session from outside (its sandbox ended).
    pub(super) closing: tokio_util::sync::CancellationToken,
    /// Set once the session is recorded (from its start, or from the claim
    /// of a shell started ahead in a pool sandbox).
    recorded: AtomicBool,
    /// Hands a recording to the pump, which starts it from the screen as
    /// it is then.
    recording: mpsc::Sender<(Recorder, (u16, u16))>,
}

impl Session {
    /// Starts the shell and the tasks that serve it, recorded in
    /// `recording` (the recordings, and the budget key) if given; bulk
    /// output is parsed under one of the `parsers` permits. `on_end` runs
    /// once the shell has exited and the session is closed.
    pub async fn start(
        runtime: Arc<dyn SandboxRuntime>,
        sandbox: Uuid,
        req: TtyRequest,
        recording: Option<(&Recordings, &str)>,
        parsers: Arc<Semaphore>,
        on_end: impl FnOnce(&Arc<Session>) + Send + 'static,
    ) -> Result<Arc<Self>> {
        let (rows, cols) = (req.rows, req.cols);
        let process = runtime.exec_tty(sandbox, req).await?;
        let asked = recording.is_some();
        let recorder = match recording {
            Some((recordings, key)) => recordings.start(sandbox, key, rows, cols).await,
            None => None,
        };
        let (input, input_rx) = mpsc::channel(INPUT_QUEUE);
        let (size, size_rx) = watch::channel((rows, cols));
        let (recording_tx, recording_rx) = mpsc::channel(1);
        let session = Arc::new(Self {
            sandbox,
            state: Mutex::new(State {
                screen: Screen::new(rows, cols),
                version: 1,
                live: None,
                viewers: Vec::new(),
                ended: false,
            }),
            changed: Notify::new(),
            interrupted: Notify::new(),
            input,
            size,
            next_id: AtomicU64::new(1),
            closing: tokio_util::sync::CancellationToken::new(),
            recorded: AtomicBool::new(asked),
            recording: recording_tx,
        });
        let TtyProcess {
            exec_id,
            output,
            input: keyboard,
        } = process;
        let writer = tokio::spawn(write_input(keyboard, input_rx));
        let pump = Pump {
            session: session.clone(),
            runtime,
            exec_id,
            recorder,
            recording_rx,
            size_rx,
            size: (rows, cols),
            parsers,
            allowance: Allowance::new(Instant::now()),
        };
        tokio::spawn(async move {
            let watched = pump.session.clone();
            // A panic in the pump must still end the session (and free the
            // hub's slot), or viewers would join a dead one forever.
            let session = match tokio::spawn(pump.run(output)).await {
                Ok(session) => session,
                Err(e) => {
                    tracing::error!(sandbox = %watched.sandbox, error = %e, "terminal pump failed");
                    watched.end();
                    watched
                }
            };
            writer.abort();
            on_end(&session);
        });
        tokio::spawn(tick(session.clone()));
        Ok(session)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.locked()
    }

    pub fn ended(&self) -> bool {
        self.lock().ended
    }

    /// Starts recording a session that ran unrecorded until now (a shell
    /// started ahead in a pool sandbox, claimed for the link `key`): the
    /// recording opens on the screen as it is, then follows. Nothing
    /// happens if the session is recorded already, or ended.
    pub async fn record(&self, recordings: &Recordings, key: &str) {
        if self.recorded.swap(true, Ordering::SeqCst) || self.ended() {
            return;
        }
        let (rows, cols) = self.lock().screen.size();
        if let Some(recorder) = recordings.start(self.sandbox, key, rows, cols).await
            && let Err(mpsc::error::SendError((recorder, _))) =
                self.recording.send((recorder, (rows, cols))).await
        {
            // The shell exited meanwhile: close the file with what it has.
            recorder.finish().await;
        }
    }

    /// Escape codes that draw the screen as it is on a blank terminal.
    pub(super) fn formatted(&self) -> String {
        self.lock().screen.formatted()
    }

    /// Ends the session: its viewers are told the shell exited.
    pub fn close(&self) {
        self.closing.cancel();
    }

    /// The shell has exited: viewers are told, and no one else joins.
    pub(super) fn end(&self) {
        self.lock().ended = true;
        self.changed.notify_one();
    }

    /// Feeds the shell's output to the screen; returns the replies owed to
    /// the shell (answers to terminal queries).
    pub(super) fn feed(&self, bytes: &[u8]) -> Vec<u8> {
        let mut state = self.lock();
        let before = state.screen.history();
        let replies = state.screen.process(bytes);
        state.version += 1;
        // Viewers reading the history keep their place as it grows.
        let grown = state.screen.history().saturating_sub(before);
        if grown > 0 {
            for v in state.viewers.iter_mut().filter(|v| v.scroll > 0) {
                v.scroll += grown;
            }
        }
        replies
    }

    /// The screen changed: frames are due.
    pub(super) fn changed(&self) {
        self.changed.notify_one();
    }

    /// Types the emulator's answers to the shell's queries, unless its
    /// input is full (a program flooding queries gets no more answers).
    pub(super) fn reply(&self, bytes: Bytes) {
        let _ = self.input.try_send(bytes);
    }

    pub(super) fn resize_screen(&self, rows: u16, cols: u16) {
        {
            let mut state = self.lock();
            state.screen.resize(rows, cols);
            state.version += 1;
        }
        self.changed.notify_one();
    }

    /// Adds a viewer, who gets the whole screen first; None once ended.
    pub fn join(&self) -> Option<(u64, mpsc::Receiver<FrameText>)> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(VIEWER_QUEUE);
        let mut state = self.lock();
        if state.ended {
            return None;
        }
        state.viewers.push(ViewerSlot {
            id,
            tx,
            synced: false,
            scroll: 0,
            scrolled_sent: None,
            size: None,
        });
        drop(state);
        self.changed.notify_one();
        Some((id, rx))
    }

    pub fn viewers(&self) -> usize {
        self.lock().viewers.len()
    }

    /// Removes a viewer; the size goes back to the latest of those left.
    pub fn leave(&self, viewer: u64) {
        let mut state = self.lock();
        state.viewers.retain(|v| v.id != viewer);
        let latest = state
            .viewers
            .iter()
            .filter_map(|v| v.size)
            .max_by_key(|s| s.1);
        drop(state);
        if let Some((size, _)) = latest {
            self.size
                .send_if_modified(|s| std::mem::replace(s, size) != size);
        }
    }

    /// Types into the shell (waits while the shell is not reading).
    pub async fn input(&self, bytes: Bytes) {
        // ^C, ^Z, ^\: the output the viewer waits for is behind whatever
        // the engine holds of what they interrupted.
        if bytes.iter().any(|b| matches!(b, 0x03 | 0x1a | 0x1c)) {
            self.interrupted.notify_one();
        }
        // Fails only once the session ended: nothing to type into.
        let _ = self.input.send(bytes).await;
    }

    /// Types into the shell if its input queue has room (see
    /// [`Self::input`]): the bytes back when it is full, `Err(None)` once
    /// the session ended.
    pub fn try_input(&self, bytes: Bytes) -> Result<(), Option<Bytes>> {
        if bytes.iter().any(|b| matches!(b, 0x03 | 0x1a | 0x1c)) {
            self.interrupted.notify_one();
        }
        match self.input.try_send(bytes) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(bytes)) => Err(Some(bytes)),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(None),
        }
    }

    /// The size `viewer` wants; the most recent request wins.
    pub fn resize(&self, viewer: u64, rows: u16, cols: u16) {
        let size = super::clamp_size(rows, cols);
        let seq = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Some(v) = self.lock().viewers.iter_mut().find(|v| v.id == viewer) {
            v.size = Some((size, seq));
        }
        self.size
            .send_if_modified(|s| std::mem::replace(s, size) != size);
    }

    /// Shows `viewer` the screen `offset` lines back in its history.
    pub fn scroll(&self, viewer: u64, offset: usize) {
        let mut state = self.lock();
        let offset = offset.min(state.screen.history());
        if let Some(v) = state.viewers.iter_mut().find(|v| v.id == viewer)
            && v.scroll != offset
        {
            v.scroll = offset;
            v.synced = false;
            v.scrolled_sent = None;
        }
        drop(state);
        self.changed.notify_one();
    }

    /// Sends every viewer what it is missing.
    fn send_frames(&self) -> Tick {
        // The pump may hold the screen for a batch's emulation (on a
        // blocking thread): rather than wait for it here, on the runtime's
        // thread, try again next round.
        let mut guard = match self.state.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return Tick::Retry,
        };
        let state = &mut *guard;
        if state.ended {
            // Dropping the senders tells each viewer; it then asks `ended`.
            state.viewers.clear();
            return Tick::Ended;
        }
        if state.viewers.is_empty() {
            // Nobody to draw for: the next viewer's full frame is taken
            // from the screen as it is then.
            return Tick::Done;
        }
        let version = state.version;
        let mut diff = None;
        if state.live.as_ref().is_none_or(|(_, v)| *v != version) {
            let snapshot = state.screen.snapshot(0);
            diff = snapshot.frame_from(state.live.as_ref().map(|(s, _)| s));
            state.live = Some((snapshot, version));
        }
        let diff: Option<FrameText> = diff.map(Into::into);
        let mut full: Option<Option<FrameText>> = None;
        let mut retry = false;
        let State {
            screen,
            live,
            viewers,
            ..
        } = state;
        viewers.retain_mut(|v| {
            let sent = if v.scroll > 0 {
                if v.scrolled_sent == Some((version, v.scroll)) {
                    return true;
                }
                let frame = screen.snapshot(v.scroll).frame_from(None);
                let sent = frame.map(|f| v.tx.try_send(f.into()));
                if matches!(sent, Some(Ok(()))) {
                    v.scrolled_sent = Some((version, v.scroll));
                }
                sent
            } else if v.synced {
                let sent = diff.clone().map(|f| v.tx.try_send(f));
                if matches!(sent, Some(Err(mpsc::error::TrySendError::Full(_)))) {
                    v.synced = false;
                }
                sent
            } else {
                let frame = full
                    .get_or_insert_with(|| {
                        live.as_ref()
                            .and_then(|(s, _)| s.frame_from(None))
                            .map(Into::into)
                    })
                    .clone();
                let sent = frame.map(|f| v.tx.try_send(f));
                v.synced = matches!(sent, Some(Ok(())));
                sent
            };
            match sent {
                Some(Err(mpsc::error::TrySendError::Closed(_))) => false,
                Some(Err(mpsc::error::TrySendError::Full(_))) => {
                    retry = true;
                    true
                }
                _ => true,
            }
        });
        if retry { Tick::Retry } else { Tick::Done }
    }
}

/// What one round of frames left to do.
enum Tick {
    Done,
    /// A viewer could not take its frame, or the screen was being fed:
    /// try again next round.
    Retry,
    Ended,
}

/// Sends frames whenever the screen or the viewers change, at most about
/// one per [`super::rate::FRAME_INTERVAL`] (after a burst), until the
/// session ends.
async fn tick(session: Arc<Session>) {
    let mut pace = Pace::new(Instant::now());
    loop {
        session.changed.notified().await;
        // A change after a quiet spell (a key's echo, the next prompt) goes
        // out at once; even a zero sleep would wait for the timer's next
        // millisecond.
        let wait = pace.next(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        match session.send_frames() {
            Tick::Done => {}
            Tick::Retry => session.changed.notify_one(),
            Tick::Ended => break,
        }
    }
}

/// Writes what viewers type to the shell.
async fn write_input(mut keyboard: Pin<Box<dyn AsyncWrite + Send>>, mut rx: mpsc::Receiver<Bytes>) {
    while let Some(bytes) = rx.recv().await {
        if keyboard.write_all(&bytes).await.is_err() || keyboard.flush().await.is_err() {
            break;
        }
    }
}
