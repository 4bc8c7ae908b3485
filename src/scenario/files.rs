//! A scenario's files on disk: scripts and texts read within their size
//! limit and never through a link out of the scenario's folder, and its seed
//! data within its total size.

use std::path::{Path, PathBuf};

use super::checks::{ScenarioError, err};
use super::model::Script;

/// Largest script or instruction file a scenario may ship.
pub(super) const MAX_TEXT_FILE: u64 = 64 * 1024;
/// Largest total size of a scenario's seed data.
const MAX_DATA_BYTES: u64 = 64 * 1024 * 1024;

pub(super) fn required_script(root: &Path, path: &Path) -> Result<Script, ScenarioError> {
    match optional_script(root, path)? {
        Some(s) => Ok(s),
        None => err(path, None, "missing: every exercise needs this script"),
    }
}

pub(super) fn optional_script(root: &Path, path: &Path) -> Result<Option<Script>, ScenarioError> {
    if !path.exists() && !path.is_symlink() {
        return Ok(None);
    }
    let body = read_text(root, path, MAX_TEXT_FILE)?;
    if body.trim().is_empty() {
        return err(path, None, "the script is empty");
    }
    if body.starts_with("#!") && body.lines().next().is_some_and(|l| l.len() > 120) {
        return err(path, None, "the #! line is longer than 120 characters");
    }
    Ok(Some(Script {
        path: path.to_owned(),
        body,
    }))
}

/// Resolves `path` and proves it stays inside the scenario directory.
pub(super) fn confined(root: &Path, path: &Path) -> Result<PathBuf, ScenarioError> {
    let real = path
        .canonicalize()
        .or_else(|e| err(path, None, format!("cannot be opened: {e}")))?;
    if !real.starts_with(root) {
        return err(path, None, "points outside the scenario directory");
    }
    Ok(real)
}

pub(super) fn read_text(root: &Path, path: &Path, max: u64) -> Result<String, ScenarioError> {
    if !path.exists() && !path.is_symlink() {
        return err(path, None, "missing");
    }
    let real = confined(root, path)?;
    let meta =
        std::fs::metadata(&real).or_else(|e| err(path, None, format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        return err(path, None, "is not a regular file");
    }
    if meta.len() > max {
        return err(
            path,
            None,
            format!("is {} bytes, more than the {max} allowed", meta.len()),
        );
    }
    let bytes =
        std::fs::read(&real).or_else(|e| err(path, None, format!("cannot be read: {e}")))?;
    String::from_utf8(bytes).or_else(|e| {
        err(
            path,
            None,
            format!("is not valid UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Seed data: regular files, directories and symlinks that stay inside the
/// scenario, within a total size.
pub(super) fn check_data(root: &Path, data: &Path) -> Result<(), ScenarioError> {
    let real = confined(root, data)?;
    if !real.is_dir() {
        return err(data, None, "data must be a directory");
    }
    let mut total = 0u64;
    let mut stack = vec![data.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).or_else(|e| err(&dir, None, format!("cannot read: {e}")))?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path)
                .or_else(|e| err(&path, None, format!("cannot read: {e}")))?;
            let kind = meta.file_type();
            if kind.is_symlink() {
                confined(root, &path)?;
            } else if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                total += meta.len();
                if total > MAX_DATA_BYTES {
                    return err(
                        data,
                        None,
                        format!("seed data is larger than {MAX_DATA_BYTES} bytes"),
                    );
                }
            } else {
                return err(&path, None, "is not a regular file, directory or symlink");
            }
        }
    }
    Ok(())
}

/// Largest asset (an image or a file for the learner) a scenario may ship.
const MAX_ASSET_BYTES: u64 = 5 * 1024 * 1024;
/// Largest total size of a scenario's assets.
const MAX_ASSETS_BYTES: u64 = 32 * 1024 * 1024;
/// Most assets a scenario may ship.
const MAX_ASSETS: usize = 200;

/// The kinds of file `assets/` may hold: extension, content type, and
/// whether the browser downloads it (rather than showing it in the page).
const ASSET_KINDS: &[(&str, &str, bool)] = &[
    ("png", "image/png", false),
    ("jpg", "image/jpeg", false),
    ("jpeg", "image/jpeg", false),
    ("gif", "image/gif", false),
    ("webp", "image/webp", false),
    ("svg", "image/svg+xml", false),
    ("pdf", "application/pdf", true),
    ("txt", "text/plain; charset=utf-8", true),
    ("csv", "text/csv; charset=utf-8", true),
    (
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        true,
    ),
    ("odt", "application/vnd.oasis.opendocument.text", true),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        true,
    ),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        true,
    ),
];

/// A file of the scenario's `assets/`, served to its learners' pages.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Asset {
    /// Where it is on disk (inside the scenario's folder).
    #[serde(skip)]
    pub file: PathBuf,
    pub content_type: &'static str,
    /// Sent as an attachment (a file to save), not shown in the page.
    pub download: bool,
    pub bytes: u64,
}

/// The scenario's `assets/`, by their path under it (`diagram.png`,
/// `files/budget.csv`): regular files of the kinds above, with plain names,
/// within the size limits, never through a link out of the scenario.
pub(super) fn assets(
    root: &Path,
    dir: &Path,
) -> Result<std::collections::BTreeMap<String, Asset>, ScenarioError> {
    let mut found = std::collections::BTreeMap::new();
    if !dir.exists() && !dir.is_symlink() {
        return Ok(found);
    }
    if !confined(root, dir)?.is_dir() {
        return err(dir, None, "assets must be a directory");
    }
    let mut total = 0u64;
    let mut stack = vec![(dir.to_owned(), String::new())];
    while let Some((folder, prefix)) = stack.pop() {
        let entries = std::fs::read_dir(&folder)
            .or_else(|e| err(&folder, None, format!("cannot read: {e}")))?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let plain = !name.starts_with('.')
                && !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !plain {
                return err(
                    &path,
                    None,
                    "an asset's name may hold only letters, digits, `.`, `_` and `-`, and not start with `.`",
                );
            }
            let real = confined(root, &path)?;
            let meta = std::fs::metadata(&real)
                .or_else(|e| err(&path, None, format!("cannot read: {e}")))?;
            let key = format!("{prefix}{name}");
            if meta.is_dir() {
                stack.push((path, format!("{key}/")));
                continue;
            }
            if !meta.is_file() {
                return err(&path, None, "is not a regular file or directory");
            }
            let extension = name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            let Some((_, content_type, download)) =
                ASSET_KINDS.iter().find(|(e, _, _)| *e == extension)
            else {
                let kinds: Vec<&str> = ASSET_KINDS.iter().map(|(e, _, _)| *e).collect();
                return err(
                    &path,
                    None,
                    format!(
                        "is not a kind of asset Sandpit serves (.{})",
                        kinds.join(", .")
                    ),
                );
            };
            if meta.len() > MAX_ASSET_BYTES {
                return err(
                    &path,
                    None,
                    format!(
                        "is {} bytes, more than the {MAX_ASSET_BYTES} an asset may have",
                        meta.len()
                    ),
                );
            }
            total += meta.len();
            if total > MAX_ASSETS_BYTES {
                return err(
                    dir,
                    None,
                    format!("assets are larger than {MAX_ASSETS_BYTES} bytes in all"),
                );
            }
            if found.len() == MAX_ASSETS {
                return err(dir, None, format!("more than {MAX_ASSETS} assets"));
            }
            found.insert(
                key,
                Asset {
                    file: real,
                    content_type,
                    download: *download,
                    bytes: meta.len(),
                },
            );
        }
    }
    Ok(found)
}

/// What instructions write before an asset's path (`![…](assets/x.png)`).
pub const ASSETS_PREFIX: &str = "assets/";

/// The assets a Markdown text's images and links name (`assets/<path>`),
/// as paths under `assets/`, for the loader to prove each exists.
pub fn asset_references(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    Parser::new_ext(markdown, markdown_options())
        .filter_map(|event| match event {
            Event::Start(Tag::Image { dest_url, .. } | Tag::Link { dest_url, .. }) => dest_url
                .strip_prefix(ASSETS_PREFIX)
                .map(|p| p.split(['?', '#']).next().unwrap_or_default().to_owned()),
            _ => None,
        })
        .collect()
}

/// The Markdown a scenario's texts are written in (tables, strikethrough):
/// what the loader reads them with and the pages render them with.
pub fn markdown_options() -> pulldown_cmark::Options {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    options
}
