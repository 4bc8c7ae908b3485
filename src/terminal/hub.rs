//! The hub: at most one live terminal session per sandbox, shared by all of
//! its viewers, started on the first connection and forgotten when its shell
//! exits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::budget::Recordings;
use super::session::{FrameText, Session};
use crate::runtime::{RuntimeError, SandboxRuntime, TtyRequest};
use crate::scenario::Scenario;
use crate::sync::Locked;

/// Most viewers of one terminal at once.
pub const MAX_VIEWERS: usize = 32;

/// Why a viewer could not join.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("this terminal has {MAX_VIEWERS} viewers already")]
    TooManyViewers,
}

/// A session slot: locked while a shell starts, so two first viewers
/// arriving together share one shell.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<Session>>>>;
type Slots = Arc<Mutex<HashMap<Uuid, Slot>>>;

/// Every live terminal, by sandbox.
pub struct TerminalHub {
    runtime: Arc<dyn SandboxRuntime>,
    /// Where recordings go and their budgets; None when recording is off.
    recordings: Option<Arc<Recordings>>,
    slots: Slots,
    /// Shells whose exec is being created and started at once. A whole class
    /// pressing Start in the same second would otherwise have the engine
    /// start a hundred execs together, slowing every claim and prompt (with
    /// 100 opens in a second: claim p99 52 → 23 ms, median prompt 3.8 →
    /// 2.2 s, `./dev bench --full`).
    starting: tokio::sync::Semaphore,
    /// Permits to parse bulk output, shared by every terminal: however
    /// many flood at once, their parsing takes at most this many CPUs and
    /// the runtime's threads none.
    parsers: Arc<tokio::sync::Semaphore>,
}

/// Terminals parsing bulk output at once: half the CPUs, at least one.
fn parse_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Shells started at once: twice the CPUs (as provisioning), 2 to 16.
fn start_concurrency() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .clamp(2, 16)
}

impl TerminalHub {
    pub fn new(runtime: Arc<dyn SandboxRuntime>, recordings: Option<Recordings>) -> Self {
        Self {
            runtime,
            recordings: recordings.map(Arc::new),
            slots: Arc::default(),
            starting: tokio::sync::Semaphore::new(start_concurrency()),
            parsers: Arc::new(tokio::sync::Semaphore::new(parse_concurrency())),
        }
    }

    /// Shells this hub starts at once.
    pub fn start_concurrency(&self) -> usize {
        start_concurrency()
    }

    /// The sandbox's slot, locked: no other viewer starts a shell in it
    /// meanwhile.
    async fn lock_slot(
        &self,
        sandbox: Uuid,
    ) -> (Slot, tokio::sync::OwnedMutexGuard<Option<Arc<Session>>>) {
        loop {
            let slot = self.slots.locked().entry(sandbox).or_default().clone();
            let current = slot.clone().lock_owned().await;
            // The slot may have been dropped from the map while we waited.
            let still_there = self
                .slots
                .locked()
                .get(&sandbox)
                .is_some_and(|s| Arc::ptr_eq(s, &slot));
            if still_there {
                return (slot, current);
            }
        }
    }

    /// A login shell as the scenario's user, sized `rows` × `cols`,
    /// recorded against `link`'s budget (unrecorded without a link: a
    /// shell started ahead in a pool sandbox, recorded once claimed).
    async fn start(
        &self,
        slot: &Slot,
        sandbox: Uuid,
        link: Option<&str>,
        scenario: &Scenario,
        rows: u16,
        cols: u16,
    ) -> Result<Arc<Session>, RuntimeError> {
        let (rows, cols) = super::clamp_size(rows, cols);
        let _turn = self
            .starting
            .acquire()
            .await
            .map_err(|_| RuntimeError::Other("the terminal hub is closed".into()))?;
        Session::start(
            self.runtime.clone(),
            sandbox,
            shell_request(scenario, rows, cols),
            self.recordings.as_deref().zip(link),
            self.parsers.clone(),
            forget(self.slots.clone(), slot.clone()),
        )
        .await
    }

    /// Records a session started ahead, now that its link is known.
    async fn record(&self, session: &Session, link: &str) {
        if let Some(recordings) = self.recordings.as_deref() {
            session.record(recordings, link).await;
        }
    }

    /// Joins the sandbox's terminal, starting a login shell as the
    /// scenario's user if none is running. `rows` × `cols` sizes a new shell;
    /// `link` (the token hash of the sandbox's link) names the recording
    /// budget it draws on.
    pub async fn attach(
        &self,
        sandbox: Uuid,
        link: &str,
        scenario: &Scenario,
        rows: u16,
        cols: u16,
    ) -> Result<Viewer, TerminalError> {
        let (slot, mut current) = self.lock_slot(sandbox).await;
        if let Some(session) = current.as_ref().filter(|s| !s.ended()) {
            if session.viewers() >= MAX_VIEWERS {
                return Err(TerminalError::TooManyViewers);
            }
            self.record(session, link).await;
            if let Some((id, frames)) = session.join() {
                return Ok(Viewer::new(session.clone(), id, frames));
            }
        }
        let session = match self
            .start(&slot, sandbox, Some(link), scenario, rows, cols)
            .await
        {
            Ok(session) => session,
            Err(e) => {
                self.drop_empty(sandbox, &slot, &current);
                return Err(e.into());
            }
        };
        *current = Some(session.clone());
        let (id, frames) = session
            .join()
            .ok_or_else(|| RuntimeError::Other("the shell exited at once".into()))?;
        Ok(Viewer::new(session, id, frames))
    }

    /// Joins the sandbox's running shell, never starting one (a helper
    /// watches the learner's terminal, they do not open one): None when
    /// none runs.
    pub async fn join(&self, sandbox: Uuid) -> Result<Option<Viewer>, TerminalError> {
        let slot = self.slots.locked().get(&sandbox).cloned();
        let Some(slot) = slot else {
            return Ok(None);
        };
        let current = slot.lock().await;
        let Some(session) = current.as_ref().filter(|s| !s.ended()) else {
            return Ok(None);
        };
        if session.viewers() >= MAX_VIEWERS {
            return Err(TerminalError::TooManyViewers);
        }
        Ok(session
            .join()
            .map(|(id, frames)| Viewer::new(session.clone(), id, frames)))
    }

    /// Starts the sandbox's shell before its first viewer arrives (a
    /// learner who just pressed Start opens the terminal a moment later),
    /// so the prompt is already drawn when they do. The first viewer's
    /// size then applies as a resize. A shell already running (started
    /// ahead in the pool) is recorded for `link` from now on.
    pub async fn prestart(
        &self,
        sandbox: Uuid,
        link: &str,
        scenario: &Scenario,
    ) -> Result<(), RuntimeError> {
        self.ensure(sandbox, Some(link), scenario).await.map(|_| ())
    }

    /// Starts a shell in a ready sandbox nobody has claimed yet (a warm
    /// pool's), unrecorded, so that a learner's claim only attaches to it.
    /// Whether a shell was started (false: one was running).
    pub async fn warm(&self, sandbox: Uuid, scenario: &Scenario) -> Result<bool, RuntimeError> {
        self.ensure(sandbox, None, scenario).await
    }

    /// A running shell in the sandbox, started if there is none; whether it
    /// was started.
    async fn ensure(
        &self,
        sandbox: Uuid,
        link: Option<&str>,
        scenario: &Scenario,
    ) -> Result<bool, RuntimeError> {
        let (slot, mut current) = self.lock_slot(sandbox).await;
        if let Some(session) = current.as_ref().filter(|s| !s.ended()) {
            if let Some(link) = link {
                self.record(session, link).await;
            }
            return Ok(false);
        }
        match self.start(&slot, sandbox, link, scenario, 24, 80).await {
            Ok(session) => {
                *current = Some(session);
                Ok(true)
            }
            Err(e) => {
                self.drop_empty(sandbox, &slot, &current);
                Err(e)
            }
        }
    }

    /// Forgets a slot no shell could be started in, so a sandbox that never
    /// gets a terminal leaves nothing behind in the map.
    fn drop_empty(&self, sandbox: Uuid, slot: &Slot, current: &Option<Arc<Session>>) {
        if current.is_none() {
            let mut slots = self.slots.locked();
            if slots.get(&sandbox).is_some_and(|s| Arc::ptr_eq(s, slot)) {
                slots.remove(&sandbox);
            }
        }
    }

    /// Ends the sandbox's terminal, if it has one (its sandbox ended):
    /// viewers see it exit.
    pub fn close(&self, sandbox: Uuid) {
        let slot = self.slots.locked().get(&sandbox).cloned();
        // A shell still starting holds the slot; removing the container
        // ends it anyway.
        if let Some(session) = slot.and_then(|s| s.try_lock().ok().and_then(|g| g.clone())) {
            session.close();
        }
    }

    /// How many sandboxes have a live terminal now.
    pub fn live_count(&self) -> usize {
        let slots: Vec<Slot> = self.slots.locked().values().cloned().collect();
        slots
            .iter()
            .filter(|s| {
                s.try_lock()
                    .ok()
                    .and_then(|g| g.clone())
                    .is_some_and(|s| !s.ended())
            })
            .count()
    }

    /// The recording `file` of `sandbox` as written (asciicast v2); None
    /// when recording is off or the file is gone.
    pub async fn recording(&self, sandbox: Uuid, file: &str) -> std::io::Result<Option<String>> {
        let Some(recordings) = self.recordings.as_deref() else {
            return Ok(None);
        };
        // Names come from the store, which Sandpit wrote: still, a name
        // that is not a plain file name reads nothing.
        let plain = std::path::Path::new(file)
            .file_name()
            .is_some_and(|n| n == file && file.ends_with(".cast"));
        if !plain {
            return Ok(None);
        }
        let path = super::recording::sandbox_dir(recordings.dir(), sandbox).join(file);
        // A file cut mid-character (a crash, a full disk) still replays.
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes every recording of `sandbox` (its data was erased): whether
    /// there were any.
    pub async fn remove_recordings(&self, sandbox: Uuid) -> std::io::Result<bool> {
        let Some(recordings) = self.recordings.as_deref() else {
            return Ok(false);
        };
        let dir = super::recording::sandbox_dir(recordings.dir(), sandbox);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The recording `file` of `sandbox` played into frames (on a blocking
    /// thread: a long recording takes a while); None as for
    /// [`Self::recording`].
    pub async fn replay(
        &self,
        sandbox: Uuid,
        file: &str,
    ) -> anyhow::Result<Option<super::replay::Replay>> {
        let Some(cast) = self.recording(sandbox, file).await? else {
            return Ok(None);
        };
        let played = tokio::task::spawn_blocking(move || super::replay::replay(&cast)).await??;
        Ok(Some(played))
    }

    /// Whether the sandbox has a live terminal.
    pub fn is_live(&self, sandbox: Uuid) -> bool {
        let slot = self.slots.locked().get(&sandbox).cloned();
        slot.and_then(|s| s.try_lock().ok().and_then(|g| g.clone()))
            .is_some_and(|s| !s.ended())
    }
}

/// Clears a slot once its session ended, and drops the slot unless a new
/// shell is starting in it.
fn forget(slots: Slots, slot: Slot) -> impl FnOnce(&Arc<Session>) + Send + 'static {
    move |ended| {
        let mut map = slots.locked();
        let Ok(mut current) = slot.try_lock() else {
            return;
        };
        if current.as_ref().is_some_and(|s| Arc::ptr_eq(s, ended)) {
            *current = None;
            if map
                .get(&ended.sandbox)
                .is_some_and(|s| Arc::ptr_eq(s, &slot))
            {
                map.remove(&ended.sandbox);
            }
        }
    }
}

/// `bash -l` as the scenario's user, in its working directory.
fn shell_request(scenario: &Scenario, rows: u16, cols: u16) -> TtyRequest {
    let user = &scenario.user;
    TtyRequest {
        cmd: vec!["bash".into(), "-l".into()],
        user: Some(user.clone()),
        workdir: Some(scenario.workdir.clone()),
        env: vec![
            format!("HOME=/home/{user}"),
            format!("USER={user}"),
            format!("LOGNAME={user}"),
            "SHELL=/bin/bash".into(),
            "TERM=xterm-256color".into(),
            "COLORTERM=truecolor".into(),
            "LANG=C.UTF-8".into(),
            // Box lines as UTF-8 characters, not the DEC graphics charset
            // (which the emulator does not switch to).
            "NCURSES_NO_UTF8_ACS=1".into(),
        ],
        rows,
        cols,
    }
}

/// One viewer of a terminal: receives frames, sends keys and sizes. Leaves
/// the session when dropped.
pub struct Viewer {
    session: Arc<Session>,
    id: u64,
    frames: mpsc::Receiver<FrameText>,
}

impl Viewer {
    fn new(session: Arc<Session>, id: u64, frames: mpsc::Receiver<FrameText>) -> Self {
        Self {
            session,
            id,
            frames,
        }
    }

    /// The next frame (JSON); None once the shell has exited.
    pub async fn next_frame(&mut self) -> Option<FrameText> {
        self.frames.recv().await
    }

    /// Whether the shell has exited.
    pub fn ended(&self) -> bool {
        self.session.ended()
    }

    pub async fn input(&self, bytes: Bytes) {
        self.session.input(bytes).await;
    }

    /// Types into the shell if its queue has room: the bytes back when it
    /// is full, `Err(None)` once the session ended.
    pub fn try_input(&self, bytes: Bytes) -> Result<(), Option<Bytes>> {
        self.session.try_input(bytes)
    }

    pub fn resize(&self, rows: u16, cols: u16) {
        self.session.resize(self.id, rows, cols);
    }

    /// Looks `offset` lines back into the history (0 = live).
    pub fn scroll(&self, offset: usize) {
        self.session.scroll(self.id, offset);
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.session.leave(self.id);
    }
}
