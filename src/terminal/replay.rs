//! Replays: a terminal recording (asciicast v2, see `recording`) played
//! back through the same screen emulation as the live terminal, into the
//! frames the browser's terminal already draws.
//!
//! The recording's output is fed to a [`Screen`] in order; a frame is
//! taken at most every [`FRAME_STEP`] of recording time (as the live
//! terminal sends at most about 30 a second), and a full frame (a
//! keyframe) at least every [`KEYFRAME_EVERY`], so that a player seeks by
//! drawing the last keyframe before the time wanted and the frames after
//! it. Nothing of the player is third-party: the page's own terminal draws
//! the frames.

use serde::Serialize;
use serde_json::value::RawValue;

use super::frame::Snapshot;
use super::screen::Screen;

/// Recording time between two frames at most.
pub const FRAME_STEP: f64 = 1.0 / 30.0;
/// Recording time between two keyframes at most, in seconds.
pub const KEYFRAME_EVERY: f64 = 5.0;
/// Largest recording replayed, in bytes (recordings are kept within each
/// link's budget, far smaller by default).
pub const MAX_CAST: usize = 64 * 1024 * 1024;
/// Most frame text one replay makes: past it, the replay stops there (and
/// says so), however the recording was drawn.
pub const MAX_FRAMES_BYTES: usize = 64 * 1024 * 1024;

/// Why a recording cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the recording is larger than {MAX_CAST} bytes")]
    TooLarge,
    #[error("line {line} of the recording: {what}")]
    Malformed { line: usize, what: String },
}

/// One frame of a replay: when (seconds from the recording's start) and
/// the frame as the live terminal sends it.
#[derive(Debug, Serialize)]
pub struct ReplayFrame {
    pub t: f64,
    pub frame: Box<RawValue>,
}

/// A recording made into frames.
#[derive(Debug, Serialize)]
pub struct Replay {
    pub rows: u16,
    pub cols: u16,
    /// Seconds from the first event to the last.
    pub duration: f64,
    /// In time order; the first is a keyframe.
    pub frames: Vec<ReplayFrame>,
    /// Whether the frames stop before the recording's end, at
    /// [`MAX_FRAMES_BYTES`].
    pub truncated: bool,
}

/// Plays `cast` (asciicast v2) through the screen emulation. Output and
/// resize events are replayed; input and markers are skipped. A recording
/// cut short (a server stopped mid-line) replays up to its last whole line.
pub fn replay(cast: &str) -> Result<Replay, ReplayError> {
    if cast.len() > MAX_CAST {
        return Err(ReplayError::TooLarge);
    }
    let mut lines = cast.lines().enumerate();
    let malformed = |line: usize, what: &str| ReplayError::Malformed {
        line: line + 1,
        what: what.to_owned(),
    };
    let (_, header) = lines.next().ok_or_else(|| malformed(0, "it is empty"))?;
    let header: serde_json::Value =
        serde_json::from_str(header).map_err(|_| malformed(0, "the header is not JSON"))?;
    if header["version"] != 2 {
        return Err(malformed(0, "only asciicast version 2 is replayed"));
    }
    let size = |key: &str| {
        header[key]
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| malformed(0, &format!("the header has no `{key}`")))
    };
    let (rows, cols) = (size("height")?, size("width")?);
    let mut player = Player::new(rows, cols);
    let last = cast.lines().count().saturating_sub(1);
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let event: (f64, String, String) = match serde_json::from_str(line) {
            Ok(event) => event,
            // The last line of a recording whose writer stopped mid-line.
            Err(_) if n == last => break,
            Err(_) => return Err(malformed(n, "not an event `[time, kind, data]`")),
        };
        let (t, kind, data) = event;
        if !t.is_finite() || t < 0.0 {
            return Err(malformed(n, "its time is not a number of seconds"));
        }
        match kind.as_str() {
            "o" => player.output(t, data.as_bytes()),
            "r" => {
                let parsed = data
                    .split_once('x')
                    .and_then(|(c, r)| Some((r.trim().parse().ok()?, c.trim().parse().ok()?)));
                let (rows, cols) =
                    parsed.ok_or_else(|| malformed(n, "a resize is not `COLSxROWS`"))?;
                player.resize(t, rows, cols);
            }
            _ => {}
        }
    }
    Ok(player.finish(rows, cols))
}

/// The screen being played, and the frames taken of it so far.
struct Player {
    screen: Screen,
    /// What the last frame showed.
    shown: Option<Snapshot>,
    frames: Vec<ReplayFrame>,
    /// Time of the last keyframe.
    last_key: f64,
    /// Time of the latest event; whether the screen changed since the last
    /// frame, and from when.
    now: f64,
    pending: bool,
    changed_at: f64,
    /// Frame text made so far, and whether the cap stopped it.
    bytes: usize,
    truncated: bool,
}

impl Player {
    fn new(rows: u16, cols: u16) -> Self {
        let (rows, cols) = super::clamp_size(rows, cols);
        Self {
            screen: Screen::new(rows, cols),
            shown: None,
            frames: Vec::new(),
            last_key: f64::NEG_INFINITY,
            now: 0.0,
            // The blank screen at 0 is the first frame.
            pending: true,
            changed_at: 0.0,
            bytes: 0,
            truncated: false,
        }
    }

    /// An event at `t`: the changes before it are framed first once they
    /// are [`FRAME_STEP`] old (a burst of output makes one frame per step,
    /// not one per write).
    fn at(&mut self, t: f64) {
        let t = t.max(self.now);
        if self.pending && t >= self.changed_at + FRAME_STEP {
            self.take(self.now);
        }
        self.now = t;
        if !self.pending {
            self.pending = true;
            self.changed_at = t;
        }
    }

    fn output(&mut self, t: f64, bytes: &[u8]) {
        self.at(t);
        // Replies to the program's queries went to it back then.
        let _ = self.screen.process(bytes);
    }

    fn resize(&mut self, t: f64, rows: u16, cols: u16) {
        self.at(t);
        let (rows, cols) = super::clamp_size(rows, cols);
        self.screen.resize(rows, cols);
    }

    /// A frame of the screen as it is, dated `t`.
    fn take(&mut self, t: f64) {
        self.pending = false;
        if self.truncated {
            return;
        }
        let snapshot = self.screen.snapshot(0);
        let key = t - self.last_key >= KEYFRAME_EVERY || self.shown.is_none();
        let frame = if key {
            snapshot.frame_from(None)
        } else {
            snapshot.frame_from(self.shown.as_ref())
        };
        let Some(frame) = frame.and_then(|f| RawValue::from_string(f).ok()) else {
            return;
        };
        self.bytes += frame.get().len();
        if self.bytes > MAX_FRAMES_BYTES {
            self.truncated = true;
            return;
        }
        if key {
            self.last_key = t;
        }
        self.shown = Some(snapshot);
        self.frames.push(ReplayFrame {
            t: (t * 1000.0).round() / 1000.0,
            frame,
        });
    }

    fn finish(mut self, rows: u16, cols: u16) -> Replay {
        if self.pending {
            self.take(self.now);
        }
        Replay {
            rows,
            cols,
            duration: (self.now * 1000.0).round() / 1000.0,
            frames: self.frames,
            truncated: self.truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast(events: &[(f64, &str, &str)]) -> String {
        let mut out = r#"{"version":2,"width":20,"height":4}"#.to_owned() + "\n";
        for (t, k, d) in events {
            out += &serde_json::json!([t, k, d]).to_string();
            out.push('\n');
        }
        out
    }

    fn text(frame: &RawValue) -> serde_json::Value {
        serde_json::from_str(frame.get()).unwrap()
    }

    #[test]
    fn output_becomes_frames_with_a_keyframe_first_and_diffs_after() {
        let r = replay(&cast(&[
            (0.1, "o", "$ "),
            (1.0, "o", "ls\r\n"),
            (1.01, "o", "a b\r\n$ "),
            (7.5, "o", "x"),
        ]))
        .unwrap();
        assert_eq!((r.rows, r.cols, r.duration), (4, 20, 7.5));
        let times: Vec<f64> = r.frames.iter().map(|f| f.t).collect();
        // The first frame is the blank screen before any output; events
        // 10 ms apart share a frame.
        assert_eq!(times, [0.0, 0.1, 1.01, 7.5]);
        let fulls: Vec<bool> = r
            .frames
            .iter()
            .map(|f| text(&f.frame)["full"] == true)
            .collect();
        assert_eq!(fulls, [true, false, false, true], "a keyframe every 5 s");
        let third = text(&r.frames[3].frame);
        let line = |n: usize| {
            third["lines"][n][1]
                .as_array()
                .unwrap()
                .iter()
                .map(|run| run["text"].as_str().unwrap())
                .collect::<String>()
        };
        assert_eq!(
            (line(0), line(1), line(2)),
            ("$ ls".into(), "a b".into(), "$ x".into())
        );
    }

    #[test]
    fn resizes_replay_and_bad_recordings_say_where() {
        let r = replay(&cast(&[(0.5, "r", "30x6"), (0.6, "o", "hi")])).unwrap();
        let last = text(&r.frames.last().unwrap().frame);
        assert_eq!((&last["cols"], &last["rows"]), (&30.into(), &6.into()));
        assert_eq!(
            replay("").unwrap_err(),
            ReplayError::Malformed {
                line: 1,
                what: "it is empty".into()
            }
        );
        let bad = cast(&[(0.5, "o", "a")]) + "nonsense\n" + &cast(&[])[..0] + "[1, \"o\", \"b\"]\n";
        assert!(matches!(
            replay(&bad),
            Err(ReplayError::Malformed { line: 3, .. })
        ));
        // A last line cut short replays what came before.
        let cut = cast(&[(0.5, "o", "a")]) + "[0.9, \"o\", \"b";
        assert_eq!(replay(&cut).unwrap().duration, 0.5);
        assert!(replay(r#"{"version":1,"width":2,"height":2}"#).is_err());
    }
}
