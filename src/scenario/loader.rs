//! Reads `scenarios/<id>/` from disk and validates every part of it. Each
//! error names the file and, where there is one, the field that is wrong.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::de::DeValue;

use super::languages::{Languages, RawText, take_heading};
use super::model::{Exercise, Phase, Resources, Scenario, Script, Text, WebPort};
use super::{ExerciseId, ScenarioId};

/// Largest script or instruction file a scenario may ship.
pub(super) const MAX_TEXT_FILE: u64 = 64 * 1024;
/// Largest total size of a scenario's seed data.
const MAX_DATA_BYTES: u64 = 64 * 1024 * 1024;
/// Capabilities a scenario may add back: Docker's default set, nothing that
/// reaches outside the container (no SYS_ADMIN, NET_ADMIN, SYS_PTRACE, …).
const ALLOWED_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    languages: Option<Vec<String>>,
    title: RawText,
    summary: RawText,
    image: String,
    phase: Option<Phase>,
    time_limit_minutes: Option<u32>,
    user: Option<String>,
    script_user: Option<String>,
    workdir: Option<String>,
    data_target: Option<String>,
    #[serde(default)]
    capabilities: Vec<String>,
    #[serde(default)]
    resources: RawResources,
    #[serde(default)]
    web_ports: Vec<RawWebPort>,
    terminal: Option<bool>,
    #[serde(default)]
    exercises: Vec<RawExercise>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawResources {
    memory_mb: Option<u32>,
    cpus: Option<f64>,
    pids: Option<u32>,
    disk_mb: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebPort {
    port: u32,
    title: RawText,
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    id: String,
    title: RawText,
    check_timeout_seconds: Option<u32>,
}

/// Loads every scenario directory under `root`. Valid scenarios and the
/// errors of invalid ones are both returned, so one bad scenario does not
/// hide the others. When `images` is given, each scenario's image must be one of them.
pub fn load_all(
    root: &Path,
    images: Option<&BTreeSet<String>>,
) -> std::io::Result<(Vec<Scenario>, Vec<ScenarioError>)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for dir in dirs {
        match load_dir(&dir, images) {
            Ok(s) => ok.push(s),
            Err(e) => bad.push(e),
        }
    }
    Ok((ok, bad))
}

/// Loads and validates one scenario directory. When `images` is given, the
/// scenario's image must be one of them.
pub fn load_dir(dir: &Path, images: Option<&BTreeSet<String>>) -> Result<Scenario, ScenarioError> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let id = ScenarioId::parse(name).or_else(|e| err(dir, None, format!("directory name: {e}")))?;
    let root = dir.canonicalize().or_else(|e| {
        err(
            dir,
            None,
            format!("cannot open the scenario directory: {e}"),
        )
    })?;
    let toml_path = dir.join("scenario.toml");
    let text = read_text(&root, &toml_path, MAX_TEXT_FILE)?;
    let raw: RawScenario = toml::from_str(&text).map_err(|e| toml_error(&toml_path, &text, &e))?;

    let field = |name: &str, message: String| err::<()>(&toml_path, Some(name), message);
    let languages = Languages::parse(&toml_path, raw.languages)?;
    let title = languages.text(&toml_path, "title", raw.title, 120)?;
    let summary = languages.text(&toml_path, "summary", raw.summary, 500)?;
    if let Some(images) = images {
        if !images.contains(&raw.image) {
            let known: Vec<&str> = images.iter().map(String::as_str).collect();
            field(
                "image",
                format!("no image `{}` (known: {})", raw.image, known.join(", ")),
            )?;
        }
    } else if ScenarioId::parse(&raw.image).is_err() {
        field(
            "image",
            format!("`{}` is not an image name like `shell`", raw.image),
        )?;
    }
    let time_limit = raw.time_limit_minutes.unwrap_or(60);
    in_range(
        &toml_path,
        "time_limit_minutes",
        time_limit,
        1,
        1440,
        "minutes",
    )?;

    let account = |name: &str, value: &str| -> Result<(), ScenarioError> {
        let ok = value.len() <= 32
            && value.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !ok {
            field(name, format!("`{value}` is not a valid account name"))?;
        }
        if value == "root" {
            field(name, "learners and scripts may not run as root".into())?;
        }
        if value == "sandpit-check" {
            field(name, "`sandpit-check` is the checks' own account".into())?;
        }
        Ok(())
    };
    let user = raw.user.unwrap_or_else(|| "learner".into());
    account("user", &user)?;
    let script_user = raw.script_user.unwrap_or_else(|| user.clone());
    account("script_user", &script_user)?;
    let workdir = raw.workdir.unwrap_or_else(|| format!("/home/{user}"));
    container_path(&toml_path, "workdir", &workdir)?;
    let data_target = raw.data_target.unwrap_or_else(|| workdir.clone());
    container_path(&toml_path, "data_target", &data_target)?;

    let mut capabilities = Vec::new();
    for cap in raw.capabilities {
        let cap = cap.to_ascii_uppercase();
        let cap = cap.trim_start_matches("CAP_").to_owned();
        if !ALLOWED_CAPABILITIES.contains(&cap.as_str()) {
            field(
                "capabilities",
                format!(
                    "`{cap}` may not be added (allowed: {})",
                    ALLOWED_CAPABILITIES.join(", ")
                ),
            )?;
        }
        if !capabilities.contains(&cap) {
            capabilities.push(cap);
        }
    }

    let r = raw.resources;
    let resources = Resources {
        memory_mb: r.memory_mb.unwrap_or(256),
        cpus: r.cpus.unwrap_or(0.5),
        pids: r.pids.unwrap_or(256),
        disk_mb: r.disk_mb.unwrap_or(1024),
    };
    in_range(
        &toml_path,
        "resources.memory_mb",
        resources.memory_mb,
        32,
        8192,
        "MiB",
    )?;
    if !(0.05..=4.0).contains(&resources.cpus) {
        field(
            "resources.cpus",
            format!("{} is outside 0.05–4 CPUs", resources.cpus),
        )?;
    }
    in_range(
        &toml_path,
        "resources.pids",
        resources.pids,
        32,
        4096,
        "processes",
    )?;
    in_range(
        &toml_path,
        "resources.disk_mb",
        resources.disk_mb,
        64,
        65536,
        "MiB",
    )?;

    let web_ports = web_ports(&toml_path, &languages, raw.web_ports)?;
    let terminal = raw.terminal.unwrap_or(true);
    if !terminal && web_ports.is_empty() {
        return err(
            &toml_path,
            Some("terminal"),
            "a scenario without a terminal needs a [[web_ports]] entry: learners would have nothing to work in",
        );
    }
    let setup = optional_script(&root, &dir.join("setup"))?;
    let data_dir = dir.join("data");
    let data_dir = if data_dir.exists() || data_dir.is_symlink() {
        check_data(&root, &data_dir)?;
        Some(data_dir)
    } else {
        None
    };
    let exercises = exercises(&root, dir, &toml_path, &languages, raw.exercises)?;

    Ok(Scenario {
        id,
        dir: dir.to_owned(),
        languages: languages.list().to_vec(),
        title,
        summary,
        image: raw.image,
        phase: raw.phase,
        time_limit: Duration::from_secs(u64::from(time_limit) * 60),
        user,
        script_user,
        workdir,
        data_target,
        capabilities,
        resources,
        web_ports,
        terminal,
        setup,
        data_dir,
        exercises,
    })
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ScenarioError {
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
fn path_at(value: &DeValue<'_>, span: &Range<usize>) -> Option<String> {
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

fn in_range(
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
fn container_path(file: &Path, name: &str, value: &str) -> Result<(), ScenarioError> {
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

fn web_ports(
    file: &Path,
    languages: &Languages,
    raw: Vec<RawWebPort>,
) -> Result<Vec<WebPort>, ScenarioError> {
    if raw.len() > 8 {
        return err(
            file,
            Some("web_ports"),
            format!("{} ports declared, at most 8 allowed", raw.len()),
        );
    }
    let mut seen = BTreeSet::new();
    let mut ports = Vec::new();
    for (i, p) in raw.into_iter().enumerate() {
        let name = format!("web_ports[{i}].port");
        let Ok(port) = u16::try_from(p.port) else {
            return err(
                file,
                Some(&name),
                format!("{} is not a TCP port (1–65535)", p.port),
            );
        };
        if port == 0 {
            return err(file, Some(&name), "0 is not a TCP port (1–65535)");
        }
        if !seen.insert(port) {
            return err(file, Some(&name), format!("port {port} is declared twice"));
        }
        let title = languages.text(file, &format!("web_ports[{i}].title"), p.title, 60)?;
        let path = p.path.unwrap_or_else(|| "/".into());
        if !path.starts_with('/') || path.contains("..") || path.chars().any(char::is_control) {
            return err(
                file,
                Some(&format!("web_ports[{i}].path")),
                format!("`{path}` must be a plain path starting with `/`"),
            );
        }
        ports.push(WebPort { port, title, path });
    }
    Ok(ports)
}

fn exercises(
    root: &Path,
    dir: &Path,
    toml_path: &Path,
    languages: &Languages,
    raw: Vec<RawExercise>,
) -> Result<Vec<Exercise>, ScenarioError> {
    if raw.is_empty() {
        return err(
            toml_path,
            Some("exercises"),
            "a scenario needs at least one exercise",
        );
    }
    if raw.len() > 50 {
        return err(
            toml_path,
            Some("exercises"),
            format!("{} exercises, at most 50 allowed", raw.len()),
        );
    }
    let mut out: Vec<Exercise> = Vec::new();
    for (i, ex) in raw.into_iter().enumerate() {
        let id_field = format!("exercises[{i}].id");
        let id = ExerciseId::parse(&ex.id)
            .or_else(|e| err(toml_path, Some(&id_field), e.to_string()))?;
        if out.iter().any(|e| e.id == id) {
            return err(
                toml_path,
                Some(&id_field),
                format!("exercise id `{id}` is used twice"),
            );
        }
        let title = languages.text(toml_path, &format!("exercises[{i}].title"), ex.title, 120)?;
        let timeout = ex.check_timeout_seconds.unwrap_or(30);
        in_range(
            toml_path,
            &format!("exercises[{i}].check_timeout_seconds"),
            timeout,
            1,
            300,
            "seconds",
        )?;
        let ex_dir = dir.join("exercises").join(id.as_str());
        if !ex_dir.is_dir() {
            return err(
                &ex_dir,
                None,
                format!("exercise `{id}` is listed in scenario.toml but has no directory"),
            );
        }
        let check = required_script(root, &ex_dir.join("check"))?;
        let solve = required_script(root, &ex_dir.join("solve"))?;
        let reset = optional_script(root, &ex_dir.join("reset"))?;
        let (instructions, hint) = texts(root, &ex_dir, i, languages, &title)?;
        out.push(Exercise {
            id,
            title,
            instructions,
            hint,
            check,
            solve,
            check_timeout: Duration::from_secs(u64::from(timeout)),
            reset,
        });
    }
    let listed: BTreeSet<&str> = out.iter().map(|e| e.id.as_str()).collect();
    if let Ok(entries) = std::fs::read_dir(dir.join("exercises")) {
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !listed.contains(name.as_str()) {
                return err(
                    &entry.path(),
                    None,
                    "this exercise directory is not listed in scenario.toml",
                );
            }
        }
    }
    Ok(out)
}

/// An exercise's instructions and hint, in every language. A leading
/// `# Heading` in an instructions file must be the step's title in that
/// language, and is taken off (the page shows the title itself).
fn texts(
    root: &Path,
    ex_dir: &Path,
    index: usize,
    languages: &Languages,
    title: &Text,
) -> Result<(Text, Option<Text>), ScenarioError> {
    let mut instructions = languages.files(root, ex_dir, "instructions")?;
    if let Some((name, message)) =
        languages.missing_file(&instructions, "instructions", "every exercise")
    {
        return err(&ex_dir.join(name), None, message);
    }
    for (lang, text) in &mut instructions {
        let Some((heading, body)) = take_heading(text) else {
            continue;
        };
        let want = title.get(lang.code());
        if heading != want {
            return err(
                &ex_dir.join(languages.file_name("instructions", *lang)),
                None,
                format!(
                    "starts with the heading “{heading}”, but the step's {} title \
                     (exercises[{index}].title in scenario.toml) is “{want}”: make them \
                     the same, or start without a `# ` heading (use `##` for sections)",
                    lang.name()
                ),
            );
        }
        *text = body;
    }
    let instructions = Text::new(languages.main(), instructions);
    let hints = languages.files(root, ex_dir, "hint")?;
    if hints.is_empty() {
        return Ok((instructions, None));
    }
    if let Some((name, message)) = languages.missing_file(&hints, "hint", "a hint") {
        return err(&ex_dir.join(name), None, message);
    }
    Ok((instructions, Some(Text::new(languages.main(), hints))))
}

fn required_script(root: &Path, path: &Path) -> Result<Script, ScenarioError> {
    match optional_script(root, path)? {
        Some(s) => Ok(s),
        None => err(path, None, "missing: every exercise needs this script"),
    }
}

fn optional_script(root: &Path, path: &Path) -> Result<Option<Script>, ScenarioError> {
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
fn confined(root: &Path, path: &Path) -> Result<PathBuf, ScenarioError> {
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
fn check_data(root: &Path, data: &Path) -> Result<(), ScenarioError> {
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
