//! Reads `scenarios/<id>/` from disk and validates every part of it. Each
//! error names the file and, where there is one, the field that is wrong.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::languages::{Languages, RawText, take_heading};
use super::model::{Exercise, Phase, Resources, Scenario, Text, WebPort};
use super::{ExerciseId, ScenarioId};

use super::checks::{ScenarioError, container_path, err, in_range, toml_error};
use super::files::{MAX_TEXT_FILE, check_data, optional_script, read_text, required_script};

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
    let assets = super::files::assets(&root, &dir.join("assets"))?;
    for ex in &exercises {
        let texts = [
            ("instructions", Some(&ex.instructions)),
            ("hint", ex.hint.as_ref()),
        ];
        for (kind, text) in texts {
            for (lang, markdown) in text.into_iter().flat_map(|t| t.iter()) {
                let file = if lang == languages.list()[0] {
                    format!("{kind}.md")
                } else {
                    format!("{kind}.{}.md", lang.code())
                };
                for asset in super::files::asset_references(markdown) {
                    if !assets.contains_key(&asset) {
                        return err(
                            &dir.join("exercises").join(ex.id.as_str()).join(file),
                            None,
                            format!("shows assets/{asset}, which is not in the scenario's assets/"),
                        );
                    }
                }
            }
        }
    }

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
        assets,
    })
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
