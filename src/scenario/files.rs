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
