//! The emulated screen: a vt100 parser with scrollback, which answers the
//! queries programs make of a terminal and gives snapshots of itself.

use std::num::NonZeroU16;

use super::frame::{Cursor, Modes, Run, Scroll, Snapshot};
use super::skim::{self, Escape};

/// Lines of history kept above the screen.
pub const SCROLLBACK_LINES: usize = 1000;
/// Longest window title kept, in characters.
const MAX_TITLE: usize = 200;
/// Most bytes of replies to terminal queries kept between two reads.
const MAX_REPLIES: usize = 4096;

/// What the parser reports besides the screen: the title, and the answers a
/// real terminal gives to programs that query it (cursor position, device
/// attributes), which must be typed back into the program.
#[derive(Default)]
struct Events {
    title: String,
    replies: Vec<u8>,
    /// Rows that left the top of the screen's history (or of a screen
    /// without one): with the history's length, tells whether it scrolled.
    scrolled: u64,
}

impl Events {
    fn reply(&mut self, bytes: &[u8]) {
        if self.replies.len() + bytes.len() <= MAX_REPLIES {
            self.replies.extend_from_slice(bytes);
        }
    }
}

impl vt100::Callbacks for Events {
    fn on_scroll(&mut self, _: vt100::capture::RowContents<'_>, _: bool) {
        self.scrolled = self.scrolled.wrapping_add(1);
    }

    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.title = String::from_utf8_lossy(title)
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_TITLE)
            .collect();
    }

    fn unhandled_csi(
        &mut self,
        screen: &mut vt100::Screen,
        i1: Option<u8>,
        _i2: Option<u8>,
        params: &[&[u16]],
        c: char,
    ) {
        let first = params.first().and_then(|p| p.first()).copied();
        match (i1, c, first) {
            // Device status report: "OK", and the cursor position.
            (None, 'n', Some(5)) => self.reply(b"\x1b[0n"),
            (None, 'n', Some(6)) => {
                let (row, col) = screen.cursor_position();
                let answer = format!("\x1b[{};{}R", u32::from(row) + 1, u32::from(col) + 1);
                self.reply(answer.as_bytes());
            }
            // Primary and secondary device attributes, as xterm answers them.
            (None, 'c', None | Some(0)) => self.reply(b"\x1b[?1;2c"),
            (Some(b'>'), 'c', None | Some(0)) => self.reply(b"\x1b[>0;276;0c"),
            _ => {}
        }
    }
}

/// A terminal screen fed with a program's output.
pub struct Screen {
    parser: vt100::Parser<Events>,
    /// Where the parser is in escape sequences, for skimming.
    escape: Escape,
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN)
}

impl Screen {
    pub fn new(rows: u16, cols: u16) -> Self {
        Self {
            parser: vt100::Parser::new_with_callbacks(
                nz(rows),
                nz(cols),
                SCROLLBACK_LINES,
                Events::default(),
            ),
            escape: Escape::Ground,
        }
    }

    /// Feeds output; returns the replies owed to the program, if any.
    /// Plain lines that the rest of `bytes` pushes out of the history are
    /// skimmed (see `skim`): the screen ends the same.
    pub fn process(&mut self, bytes: &[u8]) -> Vec<u8> {
        // Past the screen and its history, with a margin.
        let keep = usize::from(self.size().0) + self.parser.screen().scrollback_capacity() + 2;
        match skim::plan(self.escape, bytes, keep) {
            Some(plan) => {
                let before = (self.history(), self.parser.callbacks().scrolled);
                self.feed(&bytes[..plan.head]);
                // Only a screen that scrolled on that line is known to have
                // its cursor on the bottom margin of a region at the top,
                // where every later line feed scrolls.
                if (self.history(), self.parser.callbacks().scrolled) != before {
                    self.feed(b"\r");
                    self.feed(&bytes[plan.resume..]);
                } else {
                    self.feed(&bytes[plan.head..]);
                }
            }
            None => self.feed(bytes),
        }
        std::mem::take(&mut self.parser.callbacks_mut().replies)
    }

    /// Feeds output line by line, never skimming: what skimming is held to.
    #[cfg(test)]
    pub(super) fn process_every_line(&mut self, bytes: &[u8]) {
        self.feed(bytes);
    }

    /// Rows that left the top of the history so far.
    #[cfg(test)]
    pub(super) fn rows_dropped(&self) -> u64 {
        self.parser.callbacks().scrolled
    }

    fn feed(&mut self, bytes: &[u8]) {
        // The output comes from a hostile sandbox: should the parser ever
        // panic on it, start a clean screen rather than lose the session.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.parser.process(bytes);
        }));
        if parsed.is_err() {
            tracing::error!("the terminal emulator failed on some output; screen reset");
            let (rows, cols) = self.size();
            *self = Self::new(rows, cols);
        } else {
            self.escape = self.escape.after(bytes);
        }
    }

    /// (rows, cols).
    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.parser.screen().size();
        (rows.get(), cols.get())
    }

    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.parser.set_size(nz(rows), nz(cols));
    }

    /// Escape codes that draw this screen (contents, cursor, modes) on a
    /// blank terminal of its size.
    pub fn formatted(&self) -> String {
        self.parser.screen().state_formatted()
    }

    /// Lines of history above the screen (none on the alternate screen).
    pub fn history(&self) -> usize {
        self.parser.screen().scrollback_len()
    }

    /// The screen as seen `offset` lines back in its history (0 = live).
    pub fn snapshot(&mut self, offset: usize) -> Snapshot {
        let offset = offset.min(self.history());
        self.parser.screen_mut().set_scrollback(offset);
        let snapshot = self.read(offset);
        self.parser.screen_mut().set_scrollback(0);
        snapshot
    }

    fn read(&self, offset: usize) -> Snapshot {
        let screen = self.parser.screen();
        let (rows, cols) = self.size();
        let lines = (0..rows)
            .map(|row| {
                let mut runs: Vec<Run> = Vec::new();
                for col in 0..cols {
                    let Some(cell) = screen.cell(row, col) else {
                        continue;
                    };
                    if cell.is_wide_continuation() {
                        continue;
                    }
                    let style = Run::styled_like(cell);
                    let text = if cell.has_contents() {
                        cell.contents()
                    } else {
                        " "
                    };
                    match runs.last_mut() {
                        Some(last) if last.same_style(&style) => last.text.push_str(text),
                        _ => runs.push(Run {
                            text: text.to_owned(),
                            ..style
                        }),
                    }
                }
                while runs.last().is_some_and(Run::invisible) {
                    runs.pop();
                }
                if let Some(last) = runs.last_mut().filter(|r| !r.has_visible_blanks()) {
                    let kept = last.text.trim_end().len();
                    last.text.truncate(kept);
                }
                runs
            })
            .collect();
        let (row, col) = screen.cursor_position();
        Snapshot {
            rows,
            cols,
            lines,
            cursor: Cursor {
                row,
                col,
                visible: offset == 0 && !screen.hide_cursor(),
            },
            title: self.parser.callbacks().title.clone(),
            modes: Modes {
                app_cursor: screen.application_cursor(),
                app_keypad: screen.application_keypad(),
                bracketed_paste: screen.bracketed_paste(),
                alt_screen: screen.alternate_screen(),
            },
            scroll: Scroll {
                offset,
                max: screen.scrollback_len(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::frame::Colour;

    #[test]
    fn styled_text_becomes_runs_and_trailing_blanks_go() {
        let mut s = Screen::new(3, 20);
        s.process(b"ab\x1b[1;31mCD\x1b[0m  \r\n\x1b[38;2;1;2;3mrgb\x1b[7m!");
        let snap = s.snapshot(0);
        assert_eq!(snap.lines[0].len(), 2);
        assert_eq!(snap.lines[0][1].text, "CD");
        assert!(snap.lines[0][1].bold);
        assert_eq!(snap.lines[0][1].fg, Some(Colour::Index(1)));
        assert_eq!(snap.lines[1][0].fg, Some(Colour::Rgb(1, 2, 3)));
        assert!(snap.lines[1][1].inverse);
        let json = snap.frame_from(None).unwrap();
        assert!(json.contains(r##""fg":"#010203""##), "{json}");
        assert!(json.contains(r#""full":true"#), "{json}");
    }

    #[test]
    fn a_diff_holds_only_changed_rows_and_nothing_when_unchanged() {
        let mut s = Screen::new(4, 10);
        s.process(b"one\r\ntwo");
        let first = s.snapshot(0);
        assert_eq!(first.frame_from(Some(&first)), None);
        s.process(b"\r\nthree");
        let second = s.snapshot(0);
        let diff: serde_json::Value =
            serde_json::from_str(&second.frame_from(Some(&first)).unwrap()).unwrap();
        assert_eq!(diff["full"], false);
        assert_eq!(diff["lines"].as_array().unwrap().len(), 1);
        assert_eq!(diff["lines"][0][0], 2);
        assert_eq!(diff["cursor"]["row"], 2);
    }

    #[test]
    fn history_can_be_viewed_and_is_bounded() {
        let mut s = Screen::new(5, 10);
        for i in 0..(SCROLLBACK_LINES + 50) {
            s.process(format!("{i}\r\n").as_bytes());
        }
        assert_eq!(s.history(), SCROLLBACK_LINES);
        let back = s.snapshot(3);
        assert_eq!(back.scroll.offset, 3);
        assert!(!back.cursor.visible);
        assert_eq!(s.snapshot(0).scroll.offset, 0, "the live view is restored");
        assert_eq!(s.snapshot(usize::MAX).scroll.offset, SCROLLBACK_LINES);
    }

    #[test]
    fn queries_are_answered_and_titles_kept() {
        let mut s = Screen::new(5, 10);
        let replies = s.process(b"ab\x1b[6n\x1b]2;my title\x07\x1b[c");
        assert_eq!(replies, b"\x1b[1;3R\x1b[?1;2c");
        assert_eq!(s.snapshot(0).title, "my title");
    }

    #[test]
    fn random_output_and_sizes_never_break_the_screen() {
        // A small xorshift: reproducible, and no dependency.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"\x1b[;?0123456789mHJKhlrABCDPM@X\x07\x08\r\n\t]P\\ab\xc3\xa9\xe6\x97\xa5";
        let mut s = Screen::new(24, 80);
        for round in 0..500 {
            let len = (next() % 512) as usize;
            let chunk: Vec<u8> = (0..len)
                .map(|_| match next() % 4 {
                    0 => next() as u8,
                    _ => alphabet[(next() % alphabet.len() as u64) as usize],
                })
                .collect();
            s.process(&chunk);
            if round % 20 == 0 {
                s.resize((next() % 130) as u16, (next() % 320) as u16);
            }
            let offset = (next() % 40) as usize;
            let snap = s.snapshot(offset);
            assert_eq!(snap.lines.len(), usize::from(snap.rows));
            assert!(snap.frame_from(None).is_some());
        }
    }

    #[test]
    fn resizing_and_modes_show_in_snapshots() {
        let mut s = Screen::new(5, 10);
        s.process(b"\x1b[?1h\x1b[?2004h\x1b[?1049h");
        s.resize(7, 12);
        let snap = s.snapshot(0);
        assert_eq!((snap.rows, snap.cols), (7, 12));
        assert!(snap.modes.app_cursor && snap.modes.bracketed_paste && snap.modes.alt_screen);
    }
}
