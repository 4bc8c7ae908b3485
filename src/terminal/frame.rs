//! The screen as viewers get it: styled runs per row, cursor, modes,
//! history position; serialised whole or as the rows that changed.

use serde::{Serialize, Serializer};

/// A colour: an index into the 256-colour palette, or 24-bit RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Index(u8),
    Rgb(u8, u8, u8),
}

impl Colour {
    pub(super) fn from_vt100(c: vt100::Color) -> Option<Self> {
        match c {
            vt100::Color::Default => None,
            vt100::Color::Idx(i) => Some(Self::Index(i)),
            vt100::Color::Rgb(r, g, b) => Some(Self::Rgb(r, g, b)),
        }
    }
}

/// A palette index is sent as a number, RGB as "#rrggbb".
impl Serialize for Colour {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Index(i) => s.serialize_u8(*i),
            Self::Rgb(r, g, b) => s.serialize_str(&format!("#{r:02x}{g:02x}{b:02x}")),
        }
    }
}

fn is_false(b: &bool) -> bool {
    !b
}

/// Text of one style; default attributes are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Run {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fg: Option<Colour>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bg: Option<Colour>,
    #[serde(skip_serializing_if = "is_false")]
    pub bold: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub dim: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub italic: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub underline: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub inverse: bool,
}

impl Run {
    pub(super) fn styled_like(cell: &vt100::Cell) -> Self {
        Self {
            text: String::new(),
            fg: Colour::from_vt100(cell.fgcolor()),
            bg: Colour::from_vt100(cell.bgcolor()),
            bold: cell.bold(),
            dim: cell.dim(),
            italic: cell.italic(),
            underline: cell.underline(),
            inverse: cell.inverse(),
        }
    }

    pub(super) fn same_style(&self, other: &Self) -> bool {
        (self.fg, self.bg, self.bold, self.dim, self.italic)
            == (other.fg, other.bg, other.bold, other.dim, other.italic)
            && (self.underline, self.inverse) == (other.underline, other.inverse)
    }

    /// Whether blanks in this style can be seen (a background, a line).
    pub(super) fn has_visible_blanks(&self) -> bool {
        self.bg.is_some() || self.inverse || self.underline
    }

    /// Blank text that would look the same if left out.
    pub(super) fn invisible(&self) -> bool {
        !self.has_visible_blanks() && self.text.trim().is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cursor {
    pub row: u16,
    pub col: u16,
    pub visible: bool,
}

/// Terminal modes the browser needs to encode keys and paste.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Modes {
    pub app_cursor: bool,
    pub app_keypad: bool,
    pub bracketed_paste: bool,
    pub alt_screen: bool,
}

/// Where a viewer is in the history: `offset` lines back of `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Scroll {
    pub offset: usize,
    pub max: usize,
}

/// Everything a viewer draws, at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub rows: u16,
    pub cols: u16,
    pub lines: Vec<Vec<Run>>,
    pub cursor: Cursor,
    pub title: String,
    pub modes: Modes,
    pub scroll: Scroll,
}

/// The JSON a viewer is sent; `lines` holds `[row, runs]` pairs.
#[derive(Serialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    full: bool,
    cols: u16,
    rows: u16,
    cursor: Cursor,
    title: &'a str,
    modes: Modes,
    scroll: Scroll,
    lines: Vec<(usize, &'a [Run])>,
}

impl Snapshot {
    /// The frame that brings a viewer who shows `prev` to this snapshot;
    /// everything when `prev` is None or of another size; None when nothing
    /// changed.
    pub fn frame_from(&self, prev: Option<&Snapshot>) -> Option<String> {
        let prev = prev.filter(|p| (p.rows, p.cols) == (self.rows, self.cols));
        let lines: Vec<(usize, &[Run])> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(i, line)| prev.is_none_or(|p| p.lines.get(*i) != Some(*line)))
            .map(|(i, line)| (i, line.as_slice()))
            .collect();
        if let Some(p) = prev {
            let same = (p.cursor, &p.title, p.modes, p.scroll)
                == (self.cursor, &self.title, self.modes, self.scroll);
            if lines.is_empty() && same {
                return None;
            }
        }
        let frame = Frame {
            kind: "frame",
            full: prev.is_none(),
            cols: self.cols,
            rows: self.rows,
            cursor: self.cursor,
            title: &self.title,
            modes: self.modes,
            scroll: self.scroll,
            lines,
        };
        serde_json::to_string(&frame).ok()
    }

    /// The screen as plain text, one line per row (for logs and tests).
    pub fn text(&self) -> String {
        let rows: Vec<String> = self
            .lines
            .iter()
            .map(|l| l.iter().map(|r| r.text.as_str()).collect())
            .collect();
        rows.join("\n")
    }
}
