//! Terminals in the browser: a login shell in the sandbox on a TTY, emulated
//! on the server, shared by every viewer of the sandbox and recorded.
//!
//! `hub` keeps one session per sandbox; `session` runs it (frames out to
//! viewers at a bounded rate); `pump` feeds it the shell's output at a
//! bounded rate (`rate`), off the runtime's threads; `screen` is the
//! emulated screen, `frame` what viewers are sent of it; `recording` writes
//! asciicast v2, within each link's `budget`; `warm` starts shells ahead
//! in ready pool sandboxes, so that a claim only attaches.

mod budget;
pub mod frame;
mod hub;
mod pump;
mod rate;
pub mod recording;
pub mod replay;
pub mod screen;
mod session;
mod skim;
mod warm;

pub use budget::Recordings;
pub use hub::{MAX_VIEWERS, TerminalError, TerminalHub, Viewer};
pub use session::FrameText;
pub use warm::keep_warm;

/// Smallest and largest terminal accepted, as (rows, cols).
pub const MIN_SIZE: (u16, u16) = (5, 10);
pub const MAX_SIZE: (u16, u16) = (120, 300);

/// A requested size brought within [`MIN_SIZE`] and [`MAX_SIZE`].
pub fn clamp_size(rows: u16, cols: u16) -> (u16, u16) {
    (
        rows.clamp(MIN_SIZE.0, MAX_SIZE.0),
        cols.clamp(MIN_SIZE.1, MAX_SIZE.1),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_are_clamped() {
        assert_eq!(super::clamp_size(0, 0), (5, 10));
        assert_eq!(super::clamp_size(24, 80), (24, 80));
        assert_eq!(super::clamp_size(u16::MAX, u16::MAX), (120, 300));
    }
}
