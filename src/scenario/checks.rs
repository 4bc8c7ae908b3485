//! What a scenario's loader says when something is wrong (the file, the
//! field, what), and the checks of single fields it repeats.

use std::fmt;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use toml::de::DeValue;

/// A scenario that cannot be loaded: which file, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    pub file: PathBuf,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file.display())?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

pub(super) fn err<T>(
    file: &Path,
    field: Option<&str>,
    message: impl Into<String>,
) -> Result<T, ScenarioError> {
    Err(ScenarioError {
        file: file.to_owned(),
        field: field.map(str::to_owned),
        message: message.into(),
    })
}

pub(super) fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ScenarioError {
    let message = e.message().to_owned();
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    // Where the error is: the key or value its span covers (`phase`,
    // `resources.swap_mb`, `exercises[1]`). A span of 0..0 is the whole document.
    let at = e
        .span()
        .filter(|s| !s.is_empty())
        .and_then(|span| Some((toml::de::DeTable::parse(text).ok()?, span)))
        .and_then(|(doc, span)| path_at(&DeValue::Table(doc.into_inner()), &span))
        .map(|p| p.trim_start_matches('.').to_owned());
    let field = match (at, quoted("missing field `")) {
        (Some(at), Some(missing)) => Some(format!("{at}.{missing}")),
        (at, missing) => at.or(missing).or_else(|| quoted("unknown field `")),
    };
    let line = e.span().map(|s| {
        let before = &text.as_bytes()[..s.start.min(text.len())];
        before.iter().filter(|&&b| b == b'\n').count() + 1
    });
    let message = match line {
        Some(line) => format!("{message} (line {line})"),
        None => message,
    };
    ScenarioError {
        file: path.to_owned(),
        field,
        message,
    }
}

/// The path (`.resources.cpus`, `.exercises[1].id`) of the innermost key or
/// value inside `value` whose span holds all of `span`.
pub(super) fn path_at(value: &DeValue<'_>, span: &Range<usize>) -> Option<String> {
    let holds = |s: Range<usize>| s.start <= span.start && span.end <= s.end;
    match value {
        DeValue::Table(table) => table.iter().find_map(|(k, v)| {
            let rest = path_at(v.get_ref(), span)
                .or_else(|| (holds(k.span()) || holds(v.span())).then(String::new))?;
            Some(format!(".{}{rest}", k.get_ref()))
        }),
        DeValue::Array(array) => array.iter().enumerate().find_map(|(i, v)| {
            let rest = path_at(v.get_ref(), span).or_else(|| holds(v.span()).then(String::new))?;
            Some(format!("[{i}]{rest}"))
        }),
        _ => None,
    }
}

pub(super) fn bounded_text(
    file: &Path,
    name: &str,
    value: String,
    max: usize,
) -> Result<String, ScenarioError> {
    let value = value.trim().to_owned();
    if value.is_empty() {
        return err(file, Some(name), "is empty");
    }
    if value.chars().count() > max {
        return err(file, Some(name), format!("is longer than {max} characters"));
    }
    Ok(value)
}

pub(super) fn in_range(
    file: &Path,
    name: &str,
    value: u32,
    min: u32,
    max: u32,
    unit: &str,
) -> Result<(), ScenarioError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        err(
            file,
            Some(name),
            format!("{value} is outside {min}–{max} {unit}"),
        )
    }
}

/// A path inside the container: absolute, plain, no `..`.
pub(super) fn container_path(file: &Path, name: &str, value: &str) -> Result<(), ScenarioError> {
    let p = Path::new(value);
    let plain = p
        .components()
        .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    if !p.is_absolute() || !plain || value.chars().any(char::is_control) {
        return err(
            file,
            Some(name),
            format!("`{value}` is not an absolute path without `..`"),
        );
    }
    Ok(())
}
