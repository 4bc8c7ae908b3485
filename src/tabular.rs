//! Tables that people make with spreadsheets (rosters, impact studies):
//! bytes decoded as UTF-8 (with or without its byte order mark), UTF-16
//! (with it) or else Windows-1252, as Excel saves CSV in western Europe;
//! fields separated by `,` or `;`; a header's columns found by their
//! English or French names; each row with the line a text editor shows.

use std::borrow::Cow;

use serde_json::Value;

/// Words that name a person's name column, lower case, English and French.
pub const NAME_WORDS: &[&str] = &[
    "name",
    "learner",
    "full name",
    "nom",
    "nom complet",
    "apprenant",
];
/// Words that name an email column.
pub const EMAIL_WORDS: &[&str] = &["email", "e-mail", "mail", "courriel", "adresse e-mail"];
/// Words that name a person's team column.
pub const TEAM_WORDS: &[&str] = &[
    "team",
    "group",
    "department",
    "équipe",
    "equipe",
    "groupe",
    "service",
];

/// Why a file's bytes are not text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Undecodable {
    /// It starts with a byte order mark, so says what it is, but is not.
    #[error(
        "the file starts with the mark of {encoding} text, but line {line} is not {encoding}; save it again as CSV (UTF-8)"
    )]
    Malformed { encoding: &'static str, line: u64 },
    /// It is UTF-8 in places and not in others: read either way, some of
    /// its names would come out garbled.
    #[error(
        "line {line} is not UTF-8 text, though the rest of the file is; save it again as CSV (UTF-8)"
    )]
    Mixed { line: u64 },
}

impl Undecodable {
    /// The line the first bad byte is on.
    pub fn line(&self) -> u64 {
        match self {
            Self::Malformed { line, .. } | Self::Mixed { line } => *line,
        }
    }

    /// The message key (in `locales/`) and its arguments.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, Value)>) {
        match self {
            Self::Malformed { encoding, line } => (
                "table-malformed",
                vec![("encoding", (*encoding).into()), ("line", (*line).into())],
            ),
            Self::Mixed { line } => ("table-mixed", vec![("line", (*line).into())]),
        }
    }
}

/// The text of a file's bytes: UTF-8 or UTF-16 when a byte order mark says
/// so (and then it must be), UTF-8 when the bytes are valid UTF-8, and
/// Windows-1252 when no part of them is UTF-8 beyond ASCII (a file from a
/// French spreadsheet that is not UTF-8 is almost always Windows-1252, and
/// its accents almost never make valid UTF-8).
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, Undecodable> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom..];
        return encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .ok_or_else(|| Undecodable::Malformed {
                encoding: encoding.name(),
                line: first_bad_line(encoding, body),
            });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(e) if bytes.utf8_chunks().any(|c| !c.valid().is_ascii()) => Err(Undecodable::Mixed {
            line: line_at(bytes, e.valid_up_to()),
        }),
        Err(_) => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0),
    }
}

/// The line of the first byte that is not `encoding`.
fn first_bad_line(encoding: &'static encoding_rs::Encoding, body: &[u8]) -> u64 {
    if encoding == encoding_rs::UTF_8 {
        let upto = std::str::from_utf8(body).map_or_else(|e| e.valid_up_to(), str::len);
        return line_at(body, upto);
    }
    // Two bytes a character or more: count in the decoded text, up to the
    // first character that could not be decoded.
    let (text, _) = encoding.decode_without_bom_handling(body);
    let good = text.split('\u{fffd}').next().unwrap_or_default();
    line_at(good.as_bytes(), good.len())
}

/// The line (from 1) that byte `at` of ASCII-compatible `bytes` is on,
/// `\r\n`, `\n` and a lone `\r` each ending a line.
fn line_at(bytes: &[u8], at: usize) -> u64 {
    let before = &bytes[..at.min(bytes.len())];
    let breaks = before
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && before.get(i + 1) != Some(&b'\n')))
        .count();
    breaks as u64 + 1
}

/// The text without a byte order mark, with every line ending (`\r\n`,
/// `\r`) made `\n`, so that lines count as an editor counts them.
fn normalise(text: &str) -> String {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n")
        .replace('\r', "\n")
}

/// How many lines an editor shows for `text` (normalised): the last one
/// counts even when it does not end with a line break.
fn line_count(text: &str) -> u64 {
    text.bytes().filter(|b| *b == b'\n').count() as u64 + 1
}

/// `;` when the first line (the header, if there is one) has more `;`
/// than `,` outside quotes, as spreadsheets set to French write; else `,`.
fn delimiter(text: &str) -> u8 {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// The line (from 1) of the record that the reader started at `byte`: the
/// reader reports where it stood after the previous record, before the
/// blank and comment lines it skipped, so those are skipped here too.
fn line_of(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    loop {
        match bytes.get(at) {
            Some(b'\n') => at += 1,
            Some(b'#') if at == 0 || bytes[at - 1] == b'\n' => {
                at = bytes[at..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(bytes.len(), |p| at + p + 1);
            }
            _ => break,
        }
    }
    bytes[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

/// A table's text, ready to be read: no byte order mark, every line
/// ending `\n`.
#[derive(Debug, Clone)]
pub struct Table {
    text: String,
}

/// One row with something in it, and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    /// Each field without the spaces around it.
    pub fields: Vec<String>,
}

/// A row the CSV reader could not read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub line: u64,
    pub detail: String,
}

impl Table {
    /// A table from text as typed or pasted.
    pub fn from_text(text: &str) -> Self {
        Self {
            text: normalise(text),
        }
    }

    /// A table from a file's bytes (see [`decode`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Undecodable> {
        Ok(Self::from_text(&decode(bytes)?))
    }

    /// How many lines an editor shows, blank and comment lines included.
    pub fn lines(&self) -> u64 {
        line_count(self.text.strip_suffix('\n').unwrap_or(&self.text))
    }

    /// Its rows, in order, skipping blank lines and lines starting with
    /// `#`; fields are separated by `,` or `;`, whichever the first line
    /// uses more. Reading stops at the first row that cannot be read.
    pub fn rows(&self) -> Rows<'_> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .delimiter(delimiter(&self.text))
            .from_reader(self.text.as_bytes());
        Rows {
            text: &self.text,
            reader,
            record: csv::StringRecord::new(),
            done: false,
        }
    }
}

/// The rows of a [`Table`].
pub struct Rows<'a> {
    text: &'a str,
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    done: bool,
}

impl Iterator for Rows<'_> {
    type Item = Result<Row, Unreadable>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    let line = e.position().map_or(1, |p| line_of(self.text, p.byte()));
                    return Some(Err(Unreadable {
                        line,
                        detail: e.to_string(),
                    }));
                }
            }
            if self.done {
                break;
            }
            // csv trims ASCII spaces only; a spreadsheet's no-break
            // spaces around a value are no part of it either.
            let fields: Vec<String> = self.record.iter().map(|f| f.trim().to_owned()).collect();
            if fields.iter().all(String::is_empty) {
                continue;
            }
            let line = self
                .record
                .position()
                .map_or(1, |p| line_of(self.text, p.byte()));
            return Some(Ok(Row { line, fields }));
        }
        None
    }
}

impl Row {
    /// The field in `column`, if there is one and it is not empty.
    pub fn get(&self, column: Option<usize>) -> Option<&str> {
        column
            .and_then(|c| self.fields.get(c))
            .map(String::as_str)
            .filter(|f| !f.is_empty())
    }

    /// The first column whose header is one of `words` (lower case),
    /// letter case and the kind and number of spaces aside.
    pub fn column(&self, words: &[&str]) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| words.contains(&folded(f).as_str()))
    }

    /// Whether any field is one of any of `words`: a header line.
    pub fn names_any(&self, words: &[&[&str]]) -> bool {
        words.iter().any(|w| self.column(w).is_some())
    }
}

/// `text` in lower case with each run of spaces (no-break ones too) made
/// one space: how a spreadsheet's word is compared with a known one.
pub fn folded(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(table: &Table) -> Vec<(u64, Vec<String>)> {
        table
            .rows()
            .map(|r| r.map(|r| (r.line, r.fields)).unwrap())
            .collect()
    }

    fn row(line: u64, fields: &[&str]) -> (u64, Vec<String>) {
        (line, fields.iter().map(|f| (*f).to_owned()).collect())
    }

    #[test]
    fn utf8_with_and_without_its_mark_reads_as_utf8() {
        assert_eq!(decode("Zoé".as_bytes()).unwrap(), "Zoé");
        assert_eq!(decode(b"\xEF\xBB\xBFZo\xC3\xA9").unwrap(), "Zoé");
    }

    #[test]
    fn bytes_that_are_not_utf8_read_as_windows_1252() {
        // É (0xC9), é (0xE9), the euro sign (0x80) and a curly apostrophe
        // (0x92), as Excel saves "CSV (séparateur : point-virgule)".
        let text = decode(b"\xC9quipe;co\xFBt \x80;l\x92app").unwrap();
        assert_eq!(text, "Équipe;coût €;l’app");
    }

    #[test]
    fn utf16_with_its_mark_is_read_and_broken_marked_text_is_refused_with_its_line() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("Nom\r\nZoé".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le).unwrap(), "Nom\r\nZoé");
        let mut be = vec![0xFE, 0xFF];
        be.extend("Zoé".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).unwrap(), "Zoé");
        // Marked UTF-8 with a Windows-1252 é on line 3.
        let e = decode(b"\xEF\xBB\xBFa\r\nb\r\nZo\xE9\r\n").unwrap_err();
        assert_eq!(
            e,
            Undecodable::Malformed {
                encoding: "UTF-8",
                line: 3
            }
        );
        assert_eq!(e.line(), 3);
        assert_eq!(e.message().0, "table-malformed");
        // A lone surrogate on line 2 of UTF-16.
        let mut bad = vec![0xFF, 0xFE];
        bad.extend("a\nb".encode_utf16().flat_map(u16::to_le_bytes));
        bad.extend([0x00, 0xD8]);
        assert_eq!(decode(&bad).unwrap_err().line(), 2);
    }

    #[test]
    fn a_file_that_is_utf8_in_places_only_is_refused_with_the_first_line_that_is_not() {
        let e = decode(b"Nom\r\nZo\xC3\xA9\r\nR\xE9gie\r\n").unwrap_err();
        assert_eq!(e, Undecodable::Mixed { line: 3 });
        assert_eq!(e.message().0, "table-mixed");
        // Accents only in Windows-1252, with ASCII around them: read.
        assert_eq!(decode(b"Nom\rR\xE9gie\r").unwrap(), "Nom\rRégie\r");
    }

    #[test]
    fn semicolons_win_only_when_the_first_line_has_more_of_them_outside_quotes() {
        let t = Table::from_text("\u{feff}a;b,c;d\r\n1;2,3;4\r\n");
        assert_eq!(
            rows(&t),
            [row(1, &["a", "b,c", "d"]), row(2, &["1", "2,3", "4"])]
        );
        let t = Table::from_text("\"x;y;z\",b\n");
        assert_eq!(rows(&t), [row(1, &["x;y;z", "b"])]);
    }

    #[test]
    fn rows_carry_the_line_an_editor_shows_past_blank_comment_and_quoted_lines() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = [
                "# study",
                "a,b",
                "",
                " , ",
                "\"x",
                "y\",z",
                "# end",
                "c,\u{a0}d\u{a0}",
            ]
            .join(ending);
            let t = Table::from_text(&text);
            assert_eq!(
                rows(&t),
                [
                    row(2, &["a", "b"]),
                    row(5, &["x\ny", "z"]),
                    row(8, &["c", "d"])
                ],
                "{ending:?}"
            );
            assert_eq!(t.lines(), 8);
        }
        assert_eq!(Table::from_text("a\nb\n").lines(), 2);
    }

    #[test]
    fn a_header_finds_its_columns_by_english_or_french_words() {
        let header = Row {
            line: 1,
            fields: vec![
                "Matricule".into(),
                "Équipe".into(),
                "Adresse\u{a0}E-mail".into(),
            ],
        };
        assert_eq!(header.column(TEAM_WORDS), Some(1));
        assert_eq!(header.column(EMAIL_WORDS), Some(2));
        assert_eq!(header.column(NAME_WORDS), None);
        assert!(header.names_any(&[NAME_WORDS, EMAIL_WORDS]));
        assert!(!header.names_any(&[NAME_WORDS]));
        assert_eq!(header.get(Some(0)), Some("Matricule"));
        assert_eq!(header.get(Some(9)), None);
    }
}
