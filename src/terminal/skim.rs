//! Skimming floods: lines of plain text that later lines of the same batch
//! push out of the history are never on screen, so they need not be
//! emulated. `yes` prints two-byte lines and each line scrolled costs the
//! emulator microseconds; skimmed, a batch costs its last screenful and
//! history instead, and the screen ends exactly as if every line had been
//! emulated.

/// Where the emulator's escape-sequence parser is, as far as skimming needs
/// to know (a coarse copy of vte's states). Where it is unsure it stays out
/// of `Ground`: skimming is then only skipped, never wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Escape {
    #[default]
    Ground,
    Esc,
    EscIntermediate,
    Csi,
    /// OSC (ended by BEL too), or DCS, SOS, PM, APC (ended by ST only).
    Str {
        osc: bool,
    },
}

impl Escape {
    fn step(self, b: u8) -> Self {
        use Escape::*;
        match (self, b) {
            // CAN and SUB cancel any sequence; ESC starts one, even in one.
            (_, 0x18 | 0x1a) => Ground,
            (_, 0x1b) => Esc,
            (Esc, b'[') => Csi,
            (Esc, b']') => Str { osc: true },
            (Esc, b'P' | b'X' | b'^' | b'_') => Str { osc: false },
            (Esc, 0x20..=0x2f) => EscIntermediate,
            (Esc | EscIntermediate, 0x30..=0x7e) | (Csi, 0x40..=0x7e) => Ground,
            (Str { osc: true }, 0x07) => Ground,
            (state, _) => state,
        }
    }

    /// The state after `bytes`.
    pub fn after(self, bytes: &[u8]) -> Self {
        // Plain output is most of it: from the ground, only an ESC moves.
        let from = if self == Escape::Ground {
            match bytes.iter().position(|&b| b == 0x1b) {
                Some(i) => i,
                None => return self,
            }
        } else {
            0
        };
        bytes[from..].iter().fold(self, |s, &b| s.step(b))
    }
}

/// Text that only prints, or moves the cursor by a carriage return, a line
/// feed or a tab: from the ground it changes no mode, colour or margin.
/// Bytes from 0x80 are UTF-8 text (or C1 controls, which vte executes and
/// vt100 ignores).
fn plain(b: u8) -> bool {
    matches!(b, 0x20..=0x7e | b'\t' | b'\r' | b'\n' | 0x80..)
}

/// How to feed a batch: its first `head` bytes (a line), then, if the
/// screen scrolled on them, a carriage return and everything from `resume`
/// (just after a CR LF); the bytes between are pushed out of the history by
/// the lines after `resume` anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub head: usize,
    pub resume: usize,
}

/// The plan for `bytes` when the parser is in `state` and the screen keeps
/// `keep` lines of screen and history (rows + scrollback, with a margin);
/// None when nothing can be skimmed.
pub fn plan(state: Escape, bytes: &[u8], keep: usize) -> Option<Plan> {
    if state != Escape::Ground {
        return None;
    }
    let run = &bytes[..bytes.iter().position(|&b| !plain(b)).unwrap_or(bytes.len())];
    let lines = run.iter().filter(|&&b| b == b'\n').count();
    // Line feeds after the head's, past the `keep` that must be emulated.
    let spare = lines.checked_sub(1 + keep).filter(|&n| n > 0)?;
    let mut feeds = run
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i);
    let head = feeds.next()? + 1;
    // The last line feed that may be skipped, then back to one after a CR.
    let last = feeds.nth(spare - 1)?;
    let resume = run[head..=last]
        .windows(2)
        .rposition(|w| w == b"\r\n")
        .map(|i| head + i + 2)?;
    Some(Plan { head, resume })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parser_state_is_followed_through_sequences() {
        let g = Escape::Ground;
        assert_eq!(g.after(b"plain text\r\n"), Escape::Ground);
        assert_eq!(g.after(b"\x1b[31mred\x1b[0m"), Escape::Ground);
        assert_eq!(g.after(b"\x1b[3"), Escape::Csi);
        // Digits are parameters: a `seq` flood after an open CSI is in it.
        assert_eq!(g.after(b"\x1b[3").after(b"1\r\n2\r\n"), Escape::Csi);
        assert_eq!(g.after(b"\x1b]0;title"), Escape::Str { osc: true });
        assert_eq!(g.after(b"\x1b]0;title\x07"), Escape::Ground);
        assert_eq!(g.after(b"\x1b]0;title\x1b\\"), Escape::Ground);
        assert_eq!(g.after(b"\x1bPq#0\x07more"), Escape::Str { osc: false });
        assert_eq!(g.after(b"\x1bPq#0\x18"), Escape::Ground);
        assert_eq!(g.after(b"\x1b(B"), Escape::Ground);
        assert_eq!(g.after(b"\x1b("), Escape::EscIntermediate);
        assert_eq!(g.after(b"\x1b"), Escape::Esc);
        assert_eq!(g.after(b"\x1b7"), Escape::Ground);
    }

    #[test]
    fn only_long_plain_runs_after_a_line_are_skimmed() {
        let flood = b"y\r\n".repeat(100);
        // Too few lines to skim anything.
        assert_eq!(plan(Escape::Ground, &flood, 99), None);
        assert!(plan(Escape::Ground, &flood, 98).is_some());
        // Inside a sequence, nothing.
        assert_eq!(plan(Escape::Csi, &flood, 10), None);
        // Keep 10 lines past the head: resume just after a CR LF, with
        // exactly 10 line feeds after it.
        let p = plan(Escape::Ground, &flood, 10).unwrap();
        assert_eq!(p.head, 3);
        assert_eq!(&flood[p.resume - 2..p.resume], b"\r\n");
        assert_eq!(
            flood[p.resume..].iter().filter(|&&b| b == b'\n').count(),
            10
        );
        // Only the plain run counts: an escape ends it.
        let mut mixed = b"y\r\n".repeat(20);
        mixed.extend_from_slice(b"\x1b[H");
        mixed.extend_from_slice(&flood);
        let p = plan(Escape::Ground, &mixed, 10).unwrap();
        assert_eq!(
            mixed[p.resume..60].iter().filter(|&&b| b == b'\n').count(),
            10
        );
        // Bare line feeds carry the column along: only a CR LF resumes.
        let bare = b"y\n".repeat(100);
        assert_eq!(plan(Escape::Ground, &bare, 10), None);
    }

    use crate::terminal::screen::{SCROLLBACK_LINES, Screen};

    /// Asserts that two screens show the same, live and all through their
    /// history.
    fn assert_same(skimmed: &mut Screen, every: &mut Screen, what: &str) {
        assert_eq!(skimmed.history(), every.history(), "{what}: history");
        let rows = usize::from(skimmed.size().0);
        let mut offset = 0;
        loop {
            assert_eq!(
                skimmed.snapshot(offset),
                every.snapshot(offset),
                "{what}: {offset} lines back"
            );
            if offset >= every.history() {
                break;
            }
            offset = (offset + rows).min(every.history());
        }
    }

    /// Feeds `before`, then `flood` in chunks of `chunk` bytes, to a screen
    /// that skims and to one that emulates every line; they must agree.
    /// Returns how many rows each dropped off the top of its history.
    fn compare(
        what: &str,
        (rows, cols): (u16, u16),
        before: &[u8],
        flood: &[u8],
        chunk: usize,
    ) -> (u64, u64) {
        let (mut skimmed, mut every) = (Screen::new(rows, cols), Screen::new(rows, cols));
        skimmed.process(before);
        every.process_every_line(before);
        for c in flood.chunks(chunk) {
            skimmed.process(c);
            every.process_every_line(c);
        }
        assert_same(&mut skimmed, &mut every, what);
        (skimmed.rows_dropped(), every.rows_dropped())
    }

    fn lines(count: usize, text: impl Fn(usize) -> String) -> Vec<u8> {
        (0..count)
            .flat_map(|i| format!("{}\r\n", text(i)).into_bytes())
            .collect()
    }

    #[test]
    fn a_skimmed_flood_leaves_the_screen_and_history_as_emulating_every_line() {
        // After a screenful, on the bottom row: every batch is skimmed.
        let yes = lines(60_000, |_| "y".into());
        let before = lines(30, |i| format!("$ {i}"));
        let (skimmed, every) = compare("yes", (24, 80), &before, &yes, 64 * 1024);
        assert!(
            skimmed * 4 < every,
            "skimming skipped little: {skimmed} rows dropped against {every}"
        );
        // Numbered lines, some wider than the screen, wide characters, and
        // tabs, cut anywhere (in a CR LF, in a UTF-8 sequence).
        let seq = lines(6_000, |i| match i % 7 {
            0 => format!("{i} {}", "long ".repeat(i % 40)),
            1 => format!("{i}\t日本語\té"),
            _ => i.to_string(),
        });
        for chunk in [1000, 4099, 16 * 1024, 300_000] {
            compare(
                &format!("seq in chunks of {chunk}"),
                (24, 80),
                b"",
                &seq,
                chunk,
            );
        }
        // Some history already, colours left on, a title, a small screen.
        let before = [
            lines(300, |i| format!("old {i}")),
            b"\x1b[1;33m\x1b]0;t\x07".to_vec(),
        ]
        .concat();
        compare("colours and history", (5, 10), &before, &seq, 16 * 1024);
        // The alternate screen, which has no history.
        compare(
            "alternate screen",
            (24, 80),
            b"\x1b[?1049h",
            &seq,
            16 * 1024,
        );
    }

    #[test]
    fn margins_open_sequences_and_bare_line_feeds_are_emulated_line_by_line() {
        let seq = lines(SCROLLBACK_LINES * 3, |i| i.to_string());
        // A scroll region at the top, the cursor in it.
        compare(
            "region, cursor in it",
            (24, 80),
            b"\x1b[1;10r\x1b[5;1H",
            &seq,
            16 * 1024,
        );
        // The cursor below the region: line feeds do not scroll, every line
        // overwrites the last row.
        let ragged = lines(SCROLLBACK_LINES * 3, |i| "x".repeat(i % 50));
        let (skimmed, every) = compare(
            "below the region",
            (24, 80),
            b"\x1b[1;10r\x1b[20;1H",
            &ragged,
            16 * 1024,
        );
        assert_eq!((skimmed, every), (0, 0));
        // A region that does not start at the top keeps no history.
        compare(
            "region lower down",
            (24, 80),
            b"\x1b[5;20r\x1b[10;1H",
            &ragged,
            16 * 1024,
        );
        // Open sequences swallow the flood as parameters or a title.
        compare("open CSI", (24, 80), b"\x1b[3", &seq, 16 * 1024);
        compare("open OSC", (24, 80), b"\x1b]0;", &seq, 16 * 1024);
        compare("open DCS", (24, 80), b"\x1bPq", &seq, 16 * 1024);
        // Bare line feeds (a TTY in raw mode): columns carry over.
        let bare: Vec<u8> = (0..5000)
            .flat_map(|i| format!("{}\n", i % 97).into_bytes())
            .collect();
        compare("bare line feeds", (24, 80), b"", &bare, 16 * 1024);
    }

    #[test]
    fn random_floods_with_escapes_leave_the_same_screen() {
        // A small xorshift: reproducible, and no dependency.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let escapes: [&[u8]; 10] = [
            b"\x1b[31m",
            b"\x1b[0m",
            b"\x1b[H",
            b"\x1b[2J",
            b"\x1b[3;15r",
            b"\x1b[r",
            b"\x1b[?1049h",
            b"\x1b[?1049l",
            b"\x1b]0;x",
            b"\x07",
        ];
        let mut skipped = 0;
        for round in 0..20 {
            let mut flood = Vec::new();
            for _ in 0..(next() % 6 + 1) {
                let count = (next() % 3000) as usize;
                let width = (next() % 120) as usize;
                flood.extend(lines(count, |i| "z".repeat((i * 7) % (width + 1))));
                flood.extend_from_slice(escapes[(next() % 10) as usize]);
            }
            let chunk = (next() % 40_000 + 1) as usize;
            let (skimmed, every) = compare(&format!("round {round}"), (24, 80), b"", &flood, chunk);
            skipped += every - skimmed;
        }
        assert!(skipped > 0, "no round skimmed anything");
    }
}
