//! Terminal recordings in asciicast v2, the format asciinema plays, so that a
//! trainer can replay how an exercise was done.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::fs::OpenOptions;
use tokio::io::{AsyncWriteExt, BufWriter};
use uuid::Uuid;

use super::budget::Account;

/// How often buffered events reach the file at least.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Most text in one output event: a budget's cut falls within this much of
/// its end, and players seek in steps no larger.
const EVENT_TEXT: usize = 8 * 1024;

/// The directory a sandbox's recordings go to.
pub fn sandbox_dir(recordings: &Path, sandbox: Uuid) -> PathBuf {
    recordings.join(sandbox.to_string())
}

/// Removes the recordings of sandboxes that are not live (`live` says which
/// are) and whose newest file is older than `keep`, so that a server left
/// running for months does not fill its disk. Returns how many sandboxes'
/// recordings went.
pub async fn prune(recordings: &Path, keep: Duration, live: impl Fn(Uuid) -> bool) -> usize {
    let mut removed = 0;
    let Ok(mut dirs) = tokio::fs::read_dir(recordings).await else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    while let Ok(Some(dir)) = dirs.next_entry().await {
        let Some(id) = dir
            .file_name()
            .to_str()
            .and_then(|n| Uuid::parse_str(n).ok())
        else {
            continue;
        };
        if live(id) || !dir.file_type().await.is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let mut newest = std::time::SystemTime::UNIX_EPOCH;
        if let Ok(mut files) = tokio::fs::read_dir(dir.path()).await {
            while let Ok(Some(f)) = files.next_entry().await {
                if let Ok(modified) = f.metadata().await.and_then(|m| m.modified()) {
                    newest = newest.max(modified);
                }
            }
        }
        if now.duration_since(newest).is_ok_and(|age| age >= keep) {
            match tokio::fs::remove_dir_all(dir.path()).await {
                Ok(()) => removed += 1,
                Err(e) => tracing::warn!(sandbox = %id, error = %e, "removing old recordings"),
            }
        }
    }
    removed
}

/// An open asciicast file. Writing errors are logged once and end the
/// recording, never the terminal.
pub struct Recorder {
    file: Option<BufWriter<tokio::fs::File>>,
    path: PathBuf,
    started: Instant,
    /// The start of a UTF-8 sequence cut at the end of the last chunk.
    pending: Vec<u8>,
    /// Bytes given to the file, header included.
    written: u64,
    /// What this recording may take from its link's budget.
    account: Account,
    /// Stopped at the budget.
    cut: bool,
}

impl Recorder {
    /// The header line of a recording of `sandbox`.
    pub fn header(sandbox: Uuid, rows: u16, cols: u16) -> String {
        let header = json!({
            "version": 2,
            "width": cols,
            "height": rows,
            "timestamp": chrono::Utc::now().timestamp(),
            "env": {"TERM": "xterm-256color", "SHELL": "/bin/bash"},
            "title": format!("sandbox {sandbox}"),
        });
        format!("{header}\n")
    }

    /// Creates `<recordings>/<sandbox>/<UTC timestamp>.cast` and writes
    /// `header` (whose bytes `account` holds already). On failure the
    /// account comes back, to be released.
    pub async fn create(
        recordings: &Path,
        sandbox: Uuid,
        header: &str,
        account: Account,
    ) -> Result<Self, (std::io::Error, Account)> {
        match Self::open(recordings, sandbox, header).await {
            Ok((file, path)) => Ok(Self {
                file: Some(file),
                path,
                started: Instant::now(),
                pending: Vec::new(),
                written: header.len() as u64,
                account,
                cut: false,
            }),
            Err(e) => Err((e, account)),
        }
    }

    async fn open(
        recordings: &Path,
        sandbox: Uuid,
        header: &str,
    ) -> std::io::Result<(BufWriter<tokio::fs::File>, PathBuf)> {
        let dir = sandbox_dir(recordings, sandbox);
        tokio::fs::create_dir_all(&dir).await?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
        let mut n = 0;
        let (file, path) = loop {
            let name = if n == 0 {
                format!("{stamp}.cast")
            } else {
                format!("{stamp}-{n}.cast")
            };
            let path = dir.join(name);
            let mut options = OpenOptions::new();
            options.write(true).create_new(true).mode(0o600);
            match options.open(&path).await {
                Ok(file) => break (file, path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
                Err(e) => return Err(e),
            }
        };
        let mut file = BufWriter::with_capacity(64 * 1024, file);
        file.write_all(header.as_bytes()).await?;
        file.flush().await?;
        Ok((file, path))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's name in its sandbox's directory.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Whether the recording was stopped at its link's budget.
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// Removes a recording that could not be counted.
    pub async fn discard(mut self) {
        self.file = None;
        let _ = tokio::fs::remove_file(&self.path).await;
        self.account.abandon(self.written);
    }

    /// Records terminal output.
    pub async fn output(&mut self, bytes: &[u8]) {
        for line in self.output_lines(bytes) {
            self.write_line(line).await;
        }
    }

    /// The event lines that record `bytes` of output, at most
    /// [`EVENT_TEXT`] bytes of text each: the CPU part of [`Self::output`],
    /// which may run where blocking is allowed; then [`Self::write_line`].
    pub fn output_lines(&mut self, bytes: &[u8]) -> Vec<String> {
        if self.file.is_none() {
            return Vec::new();
        }
        let text = decode_utf8(&mut self.pending, bytes);
        let mut lines = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let mut end = rest.len().min(EVENT_TEXT);
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            lines.push(self.line("o", &rest[..end]));
            rest = &rest[end..];
        }
        lines
    }

    /// Records a change of the terminal's size.
    pub async fn resize(&mut self, rows: u16, cols: u16) {
        let line = self.line("r", &format!("{cols}x{rows}"));
        self.write_line(line).await;
    }

    fn line(&self, kind: &str, data: &str) -> String {
        let t = self.started.elapsed().as_micros() as f64 / 1e6;
        json!([t, kind, data]).to_string() + "\n"
    }

    /// Writes an event line, or the marker instead when the line would
    /// pass the link's budget.
    pub async fn write_line(&mut self, mut line: String) {
        let Some(file) = self.file.as_mut() else {
            return;
        };
        let cut = !self.account.take(line.len() as u64);
        if cut {
            let note = format!(
                "\r\n[recording stopped: budget of {} reached]\r\n",
                self.account.limit_text()
            );
            let t = self.started.elapsed().as_micros() as f64 / 1e6;
            line = json!([t, "o", note]).to_string() + "\n";
            self.account.cut(line.len() as u64);
        }
        if let Err(e) = file.write_all(line.as_bytes()).await {
            self.fail(e);
            return;
        }
        self.written += line.len() as u64;
        if cut {
            tracing::warn!(path = %self.path.display(), "terminal recording stopped at its link's budget");
            self.cut = true;
            self.flush().await;
            self.file = None;
            self.account.persist(self.written, true, true).await;
        }
    }

    /// Writes what is buffered to the file, and now and then its size to
    /// the store.
    pub async fn flush(&mut self) {
        if let Some(file) = self.file.as_mut()
            && let Err(e) = file.flush().await
        {
            self.fail(e);
        }
        self.account.persist(self.written, self.cut, false).await;
    }

    /// Writes the rest, closes the file and counts it.
    pub async fn finish(mut self) {
        if !self.pending.is_empty() && self.file.is_some() {
            self.pending.clear();
            let line = self.line("o", "\u{FFFD}");
            self.write_line(line).await;
        }
        if let Some(file) = self.file.as_mut()
            && let Err(e) = file.flush().await
        {
            self.fail(e);
        }
        self.account.close(self.written, self.cut).await;
    }

    fn fail(&mut self, e: std::io::Error) {
        tracing::warn!(path = %self.path.display(), error = %e, "terminal recording stopped");
        self.file = None;
    }
}

/// Decodes `bytes` after `pending`, keeping an incomplete sequence at the end
/// for the next call; invalid bytes become U+FFFD.
fn decode_utf8(pending: &mut Vec<u8>, bytes: &[u8]) -> String {
    pending.extend_from_slice(bytes);
    let mut out = String::with_capacity(pending.len());
    let mut rest: &[u8] = pending;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                rest = &[];
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                match e.error_len() {
                    Some(n) => {
                        out.push('\u{FFFD}');
                        rest = &after[n..];
                    }
                    None => {
                        rest = after;
                        break;
                    }
                }
            }
        }
    }
    let rest = rest.to_vec();
    *pending = rest;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn old_recordings_of_ended_sandboxes_go_and_the_rest_stay() {
        let root = tempfile::tempdir().unwrap();
        let (ended, live, fresh) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        for id in [ended, live, fresh] {
            let dir = sandbox_dir(root.path(), id);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("a.cast"), "{}").unwrap();
        }
        std::fs::write(root.path().join("not-a-sandbox"), "x").unwrap();
        // Nothing is old enough for a day's retention.
        assert_eq!(
            prune(root.path(), Duration::from_secs(86_400), |_| false).await,
            0
        );
        // With none, every ended sandbox's recordings go; a live one's stay.
        let removed = prune(root.path(), Duration::ZERO, |id| id == live).await;
        assert_eq!(removed, 2);
        assert!(sandbox_dir(root.path(), live).exists());
        assert!(
            !sandbox_dir(root.path(), ended).exists() && !sandbox_dir(root.path(), fresh).exists()
        );
        assert!(root.path().join("not-a-sandbox").exists());
    }

    #[test]
    fn utf8_cut_between_chunks_is_joined_and_garbage_replaced() {
        let mut pending = Vec::new();
        let bytes = "é€".as_bytes();
        assert_eq!(decode_utf8(&mut pending, &bytes[..1]), "");
        assert_eq!(decode_utf8(&mut pending, &bytes[1..3]), "é");
        assert_eq!(decode_utf8(&mut pending, &bytes[3..]), "€");
        assert_eq!(decode_utf8(&mut pending, b"a\xffb"), "a\u{FFFD}b");
        assert!(pending.is_empty());
    }

    #[tokio::test]
    async fn a_recording_is_a_valid_asciicast() {
        let dir = tempfile::tempdir().unwrap();
        let (recordings, id) =
            crate::terminal::budget::tests::recordings(dir.path(), 1 << 20).await;
        let mut r = recordings.start(id, "link", 24, 80).await.unwrap();
        let path = r.path().to_owned();
        r.output(b"hello \xe2\x82").await;
        r.output(b"\xac\r\n").await;
        r.resize(30, 100).await;
        r.finish().await;
        assert!(path.starts_with(sandbox_dir(dir.path(), id)));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["version"], 2);
        assert_eq!(
            (lines[0]["width"].as_u64(), lines[0]["height"].as_u64()),
            (Some(80), Some(24))
        );
        assert_eq!(lines[1][1], "o");
        assert_eq!(lines[1][2], "hello ");
        assert_eq!(lines[2][2], "€\r\n");
        assert_eq!(lines[3][1], "r");
        assert_eq!(lines[3][2], "100x30");
        assert!(lines[3][0].as_f64().unwrap() >= lines[1][0].as_f64().unwrap());
    }
}
