//! Recording budgets: a link may record so many bytes in all, over every
//! shell and every sandbox (reset) it has had. A recording that would pass
//! the budget is cut with a marker, and the link records nothing more.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use uuid::Uuid;

use super::recording::Recorder;
use crate::store::Store;

/// Room each live recording keeps for its marker line, so that a cut
/// recording still ends within the budget however many record at once.
pub const MARKER_ROOM: u64 = 256;
/// How often a recording's byte count reaches the store while it grows; a
/// cut and a recording's end are written at once.
const PERSIST_EVERY: Duration = Duration::from_secs(10);

/// Where recordings go and what they may take.
pub struct Recordings {
    dir: PathBuf,
    store: Store,
    /// Bytes one link may record in all.
    limit: u64,
    bytes: Counter,
    cuts: Counter,
    /// The budgets of links with a live recording; loaded from the store
    /// when a link's first live recording starts.
    budgets: tokio::sync::Mutex<HashMap<String, Weak<Budget>>>,
}

impl Recordings {
    /// Recordings under `dir`, at most `limit` bytes per link, counted in
    /// `metrics`.
    pub fn new(dir: PathBuf, store: Store, limit: u64, metrics: &crate::metrics::Metrics) -> Self {
        Self {
            dir,
            store,
            limit,
            bytes: metrics.recording_bytes.clone(),
            cuts: metrics.recordings_cut.clone(),
            budgets: tokio::sync::Mutex::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The budget of `key`, shared by its live recordings.
    async fn budget(&self, key: &str) -> crate::store::Result<Arc<Budget>> {
        let mut budgets = self.budgets.lock().await;
        if let Some(b) = budgets.get(key).and_then(Weak::upgrade) {
            return Ok(b);
        }
        // No live recording: every earlier one wrote its final count.
        let used = self.store.recording_use(key).await?;
        let budget = Arc::new(Budget {
            limit: self.limit,
            used: AtomicU64::new(used.bytes),
            cut: AtomicBool::new(used.cut),
        });
        budgets.retain(|_, b| b.strong_count() > 0);
        budgets.insert(key.to_owned(), Arc::downgrade(&budget));
        Ok(budget)
    }

    /// Starts recording a shell of `sandbox` against `key`'s budget (the
    /// link's token hash). None when the budget is spent or the file cannot
    /// be made (logged): the terminal works unrecorded.
    pub async fn start(&self, sandbox: Uuid, key: &str, rows: u16, cols: u16) -> Option<Recorder> {
        let budget = match self.budget(key).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(sandbox = %sandbox, error = %e, "cannot record this terminal");
                return None;
            }
        };
        let header = Recorder::header(sandbox, rows, cols);
        let size = header.len() as u64;
        if !budget.open(size + MARKER_ROOM) {
            tracing::info!(sandbox = %sandbox, "this link's recording budget is spent; the terminal is not recorded");
            return None;
        }
        let id = Uuid::new_v4();
        let account = Account {
            id,
            budget,
            store: self.store.clone(),
            bytes: self.bytes.clone(),
            cuts: self.cuts.clone(),
            persisted: size,
            persisted_at: Instant::now(),
            room: MARKER_ROOM,
        };
        match Recorder::create(&self.dir, sandbox, &header, account).await {
            Ok(recorder) => {
                let file = recorder.file_name();
                let noted = self
                    .store
                    .insert_recording(id, sandbox, key, &file, size)
                    .await;
                match noted {
                    Ok(()) => {
                        self.bytes.inc_by(size);
                        Some(recorder)
                    }
                    Err(e) => {
                        // Bytes the store cannot count are not written.
                        tracing::warn!(sandbox = %sandbox, error = %e, "cannot record this terminal");
                        recorder.discard().await;
                        None
                    }
                }
            }
            Err((e, account)) => {
                tracing::warn!(sandbox = %sandbox, error = %e, "cannot record this terminal");
                account.budget.release(size + MARKER_ROOM);
                None
            }
        }
    }
}

/// One link's bytes: those recorded, plus the room live recordings keep
/// for their markers.
pub struct Budget {
    limit: u64,
    used: AtomicU64,
    /// A recording was cut: nothing more is recorded for the link.
    cut: AtomicBool,
}

impl Budget {
    /// Takes `n` bytes if they fit and the budget was never cut.
    fn open(&self, n: u64) -> bool {
        !self.cut.load(Ordering::SeqCst) && self.take(n)
    }

    fn take(&self, n: u64) -> bool {
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                u.checked_add(n).filter(|&after| after <= self.limit)
            })
            .is_ok()
    }

    fn release(&self, n: u64) {
        let _ = self
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                Some(u.saturating_sub(n))
            });
    }
}

/// What one recording took from its link's budget, and its count in the
/// store and the metrics.
pub struct Account {
    id: Uuid,
    budget: Arc<Budget>,
    store: Store,
    bytes: Counter,
    cuts: Counter,
    persisted: u64,
    persisted_at: Instant,
    /// The marker room this recording still keeps.
    room: u64,
}

impl Account {
    /// The budget as the marker says it: "64 MiB".
    pub fn limit_text(&self) -> String {
        size_text(self.budget.limit)
    }

    /// Whether `n` more bytes may be written; counts them if so. Past a
    /// cut of any recording of the link, nothing may.
    pub fn take(&mut self, n: u64) -> bool {
        let ok = self.budget.open(n);
        if ok {
            self.bytes.inc_by(n);
        }
        ok
    }

    /// Counts the marker (at most [`MARKER_ROOM`] bytes) against the room
    /// kept for it, and closes the link's budget.
    pub fn cut(&mut self, marker: u64) {
        let marker = marker.min(self.room);
        self.budget.release(self.room - marker);
        self.room = 0;
        self.budget.cut.store(true, Ordering::SeqCst);
        self.bytes.inc_by(marker);
        self.cuts.inc();
    }

    /// Writes the recording's size to the store: every [`PERSIST_EVERY`]
    /// while it grows, or now when `now` is set.
    pub async fn persist(&mut self, written: u64, cut: bool, now: bool) {
        let due = self.persisted_at.elapsed() >= PERSIST_EVERY && written != self.persisted;
        if !(now || due) {
            return;
        }
        match self.store.set_recording_bytes(self.id, written, cut).await {
            Ok(()) => {
                self.persisted = written;
                self.persisted_at = Instant::now();
            }
            Err(e) => tracing::warn!(error = %e, "counting a terminal recording"),
        }
    }

    /// The recording ended: its unused marker room goes back to the link,
    /// and its final size to the store.
    pub async fn close(mut self, written: u64, cut: bool) {
        self.budget.release(self.room);
        self.room = 0;
        self.persist(written, cut, true).await;
    }

    /// The recording was never noted: everything it took goes back.
    pub fn abandon(self, written: u64) {
        self.budget.release(written + self.room);
    }
}

/// "64 MiB", "10 KiB" or "1000 bytes": the largest unit that divides it.
fn size_text(bytes: u64) -> String {
    match bytes {
        b if b > 0 && b % (1024 * 1024) == 0 => format!("{} MiB", b / (1024 * 1024)),
        b if b > 0 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::store::NewSandbox;

    /// Recordings under `dir` with `limit` bytes per link, on an in-memory
    /// store holding one sandbox; and that sandbox.
    pub async fn recordings(dir: &Path, limit: u64) -> (Recordings, Uuid) {
        let store = Store::in_memory().await.unwrap();
        let id = Uuid::new_v4();
        store
            .insert_sandbox(NewSandbox {
                id,
                scenario_id: "tiny",
                cohort_id: None,
                learner: None,
                expires_at: None,
            })
            .await
            .unwrap();
        let metrics = crate::metrics::Metrics::new();
        (Recordings::new(dir.to_owned(), store, limit, &metrics), id)
    }

    /// Every recording file of the sandbox, read whole.
    fn files(dir: &Path, sandbox: Uuid) -> Vec<String> {
        let mut paths: Vec<_> =
            std::fs::read_dir(super::super::recording::sandbox_dir(dir, sandbox))
                .map(|d| d.map(|e| e.unwrap().path()).collect())
                .unwrap_or_default();
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_recording_is_cut_with_a_marker_within_its_link_budget() {
        let dir = tempfile::tempdir().unwrap();
        let limit = 4 * 1024;
        let (recordings, id) = recordings(dir.path(), limit).await;
        let mut r = recordings.start(id, "link", 24, 80).await.unwrap();
        for _ in 0..200 {
            r.output(b"0123456789012345678901234567890123456789\r\n")
                .await;
        }
        assert!(r.is_cut());
        r.finish().await;
        let text = files(dir.path(), id).concat();
        assert!(text.len() as u64 <= limit, "{} bytes", text.len());
        assert!(
            text.len() as u64 > limit - MARKER_ROOM - 100,
            "{} bytes",
            text.len()
        );
        assert!(
            text.trim_end()
                .ends_with(r#"[recording stopped: budget of 4 KiB reached]\r\n"]"#),
            "{text}"
        );
        let used = recordings.store.recording_use("link").await.unwrap();
        assert_eq!(used.bytes, text.len() as u64, "the store counts every byte");
        assert!(used.cut);
        assert_eq!(
            recordings.bytes.get(),
            text.len() as u64,
            "so does the metric"
        );
        assert_eq!(recordings.cuts.get(), 1);
    }

    #[tokio::test]
    async fn a_link_whose_budget_was_cut_records_no_more_and_others_still_do() {
        let dir = tempfile::tempdir().unwrap();
        let (recordings, id) = recordings(dir.path(), 4 * 1024).await;
        let mut r = recordings.start(id, "link", 24, 80).await.unwrap();
        while !r.is_cut() {
            r.output(&[b'y'; 100]).await;
        }
        r.finish().await;
        // Another shell of the link, even after every budget was forgotten
        // (a restart): nothing.
        assert!(recordings.start(id, "link", 24, 80).await.is_none());
        recordings.budgets.lock().await.clear();
        assert!(recordings.start(id, "link", 24, 80).await.is_none());
        assert_eq!(files(dir.path(), id).len(), 1);
        // Another link records as before.
        let other = recordings.start(id, "other", 24, 80).await.unwrap();
        other.finish().await;
        assert_eq!(files(dir.path(), id).len(), 2);
    }

    #[tokio::test]
    async fn shells_of_one_link_share_its_budget_even_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let limit = 8 * 1024;
        let (recordings, id) = recordings(dir.path(), limit).await;
        // Two shells at once (a reset's new sandbox while the old shell
        // still runs), then a third after they ended.
        let mut a = recordings.start(id, "link", 24, 80).await.unwrap();
        let mut b = recordings.start(id, "link", 24, 80).await.unwrap();
        for _ in 0..10 {
            a.output(&[b'a'; 100]).await;
            b.output(&[b'b'; 100]).await;
        }
        a.finish().await;
        b.finish().await;
        let used = recordings.store.recording_use("link").await.unwrap();
        assert!(!used.cut);
        assert_eq!(used.bytes, files(dir.path(), id).concat().len() as u64);
        recordings.budgets.lock().await.clear();
        let mut c = recordings.start(id, "link", 24, 80).await.unwrap();
        while !c.is_cut() {
            c.output(&[b'c'; 100]).await;
        }
        c.finish().await;
        let total = files(dir.path(), id).concat().len() as u64;
        assert!(total <= limit, "{total} bytes over all shells");
        assert_eq!(
            recordings.store.recording_use("link").await.unwrap().bytes,
            total
        );
    }

    #[test]
    fn budgets_are_named_in_their_largest_whole_unit() {
        assert_eq!(size_text(64 * 1024 * 1024), "64 MiB");
        assert_eq!(size_text(4 * 1024), "4 KiB");
        assert_eq!(size_text(1000), "1000 bytes");
    }

    fn budget(limit: u64) -> Budget {
        Budget {
            limit,
            used: AtomicU64::new(0),
            cut: AtomicBool::new(false),
        }
    }

    #[test]
    fn a_budget_gives_bytes_until_its_limit_and_none_after_a_cut() {
        let b = budget(1000);
        assert!(b.open(600));
        assert!(!b.open(401), "past the limit");
        assert!(b.open(400));
        b.release(100);
        assert!(b.open(100));
        b.release(500);
        b.cut.store(true, Ordering::SeqCst);
        assert!(!b.open(1), "a cut budget gives nothing, even with room");
    }
}
