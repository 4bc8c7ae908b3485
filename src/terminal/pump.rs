//! The pump: a shell's output into its screen and its recording, at a
//! bounded rate, emulated and encoded off the runtime's threads when it
//! comes in bulk, so a terminal printing without end (`yes`) slows only
//! itself.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use futures_util::{FutureExt, StreamExt};
use tokio::sync::{Semaphore, mpsc, watch};

use super::rate::Allowance;
use super::recording::{FLUSH_EVERY, Recorder};
use super::session::Session;
use crate::runtime::SandboxRuntime;

/// Output up to this size (keys' echoes, prompts) is handled where it
/// arrives; more goes to a blocking thread, under a parser permit.
const INLINE: usize = 1024;
/// Most output taken in one go: what the engine holds ready is gathered up
/// to this, so that a flood's lines can be skimmed (`skim`) in bulk.
const BATCH: usize = 64 * 1024;

type Output = Pin<Box<dyn futures_util::Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Reads the shell's output into the screen and the recording, and applies
/// size changes, until the shell exits.
pub struct Pump {
    pub session: Arc<Session>,
    pub runtime: Arc<dyn SandboxRuntime>,
    pub exec_id: String,
    pub recorder: Option<Recorder>,
    /// A recording to take over with (the session was claimed).
    /// and the size its header says.
    pub recording_rx: mpsc::Receiver<(Recorder, (u16, u16))>,
    pub size_rx: watch::Receiver<(u16, u16)>,
    pub size: (u16, u16),
    /// Permits to handle bulk output on a blocking thread, shared by every
    /// terminal: floods together take at most that many CPUs.
    pub parsers: Arc<Semaphore>,
    pub allowance: Allowance,
}

impl Pump {
    pub async fn run(mut self, mut output: Output) -> Arc<Session> {
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        loop {
            // Over its rate, the terminal reads nothing until it has earned
            // it back; its output queues in the engine meanwhile.
            let wait = self.allowance.wait(Instant::now());
            tokio::select! {
                chunk = output.next(), if wait.is_zero() => match chunk {
                    Some(Ok(bytes)) => {
                        let (batch, ended) = gather(bytes, &mut output);
                        self.output(batch).await;
                        if ended {
                            break;
                        }
                    }
                    Some(Err(e)) => {
                        tracing::debug!(sandbox = %self.session.sandbox, error = %e, "terminal output ended");
                        break;
                    }
                    None => break,
                },
                () = tokio::time::sleep(wait), if !wait.is_zero() => {}
                () = self.session.interrupted.notified() => {
                    self.allowance.interrupt(Instant::now());
                }
                Ok(()) = self.size_rx.changed() => {
                    let size = *self.size_rx.borrow_and_update();
                    self.resize(size).await;
                }
                Some((recorder, size)) = self.recording_rx.recv(), if self.recorder.is_none() => {
                    self.take_recording(recorder, size).await;
                }
                () = self.session.closing.cancelled() => break,
                _ = flush.tick() => {
                    if let Some(r) = self.recorder.as_mut() {
                        r.flush().await;
                    }
                }
            }
        }
        self.session.end();
        if let Some(r) = self.recorder.take() {
            r.finish().await;
        }
        self.session
    }

    /// Records from now on, starting with the screen as it is: the
    /// pump is its only writer, so nothing is drawn twice or missed.
    async fn take_recording(&mut self, mut recorder: Recorder, size: (u16, u16)) {
        // Resized since the header was written: the screen is drawn at
        // its size now.
        if size != self.size {
            recorder.resize(self.size.0, self.size.1).await;
        }
        recorder.output(self.session.formatted().as_bytes()).await;
        self.recorder = Some(recorder);
    }

    async fn output(&mut self, bytes: Bytes) {
        let (replies, lines, took) = if bytes.len() <= INLINE {
            let started = Instant::now();
            let replies = self.session.feed(&bytes);
            let lines = self
                .recorder
                .as_mut()
                .map(|r| r.output_lines(&bytes))
                .unwrap_or_default();
            (replies, lines, started.elapsed())
        } else {
            // Emulating and encoding a batch takes milliseconds: off the
            // runtime's threads, so other learners' requests never queue
            // behind it, and under a permit, so floods together take at
            // most that many CPUs.
            let permit = self.parsers.clone().acquire_owned().await.ok();
            let (session, mut recorder, chunk) =
                (self.session.clone(), self.recorder.take(), bytes.clone());
            let handled = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let started = Instant::now();
                let replies = session.feed(&chunk);
                let lines = recorder
                    .as_mut()
                    .map(|r| r.output_lines(&chunk))
                    .unwrap_or_default();
                (replies, lines, recorder, started.elapsed())
            })
            .await;
            match handled {
                Ok((replies, lines, recorder, took)) => {
                    self.recorder = recorder;
                    (replies, lines, took)
                }
                Err(e) => {
                    tracing::error!(sandbox = %self.session.sandbox, error = %e, "handling terminal output; its recording stops");
                    (Vec::new(), Vec::new(), std::time::Duration::ZERO)
                }
            }
        };
        // Time, not CPU time: a thread the OS left waiting counts too, so
        // under load a flood gets less.
        self.allowance.spend(bytes.len(), took, Instant::now());
        self.session.changed();
        if !replies.is_empty() {
            self.session.reply(replies.into());
        }
        if let Some(r) = self.recorder.as_mut() {
            for line in lines {
                r.write_line(line).await;
            }
        }
    }

    async fn resize(&mut self, (rows, cols): (u16, u16)) {
        if (rows, cols) == self.size {
            return;
        }
        self.size = (rows, cols);
        if let Err(e) = self.runtime.resize_tty(&self.exec_id, rows, cols).await {
            tracing::debug!(sandbox = %self.session.sandbox, error = %e, "resizing a terminal");
        }
        self.session.resize_screen(rows, cols);
        if let Some(r) = self.recorder.as_mut() {
            r.resize(rows, cols).await;
        }
    }
}

/// `first`, and whatever else the engine holds ready, up to [`BATCH`]; and
/// whether the output ended meanwhile.
fn gather(first: Bytes, output: &mut Output) -> (Bytes, bool) {
    if first.len() >= BATCH {
        return (first, false);
    }
    let mut batch: Option<BytesMut> = None;
    let mut ended = false;
    while batch.as_ref().map_or(first.len(), BytesMut::len) < BATCH {
        match output.next().now_or_never() {
            Some(Some(Ok(more))) => batch
                .get_or_insert_with(|| BytesMut::from(&first[..]))
                .extend_from_slice(&more),
            Some(Some(Err(_)) | None) => {
                ended = true;
                break;
            }
            None => break,
        }
    }
    (batch.map_or(first, BytesMut::freeze), ended)
}
