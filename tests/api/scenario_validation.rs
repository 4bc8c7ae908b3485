//! The scenario loader's validation rules, one broken scenario per rule:
//! each must be refused with an error that names the file, the field where
//! the rule is about one, and what is wrong. No Docker needed.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sandpit::lang::Lang;
use sandpit::scenario::{ScenarioError, load_all, load_dir};

/// The images the tests pretend exist.
fn images() -> BTreeSet<String> {
    BTreeSet::from(["shell".to_owned()])
}

const TEMPLATE_TOML: &str = r#"title = "Tiny"
summary = "A tiny scenario for the validation tests"
image = "shell"
phase = "engage"

[resources]
memory_mb = 256
cpus = 0.5
pids = 256

[[exercises]]
id = "first"
title = "The first exercise"

[[exercises]]
id = "second"
title = "The second exercise"
"#;

const SCRIPT: &str = "#!/bin/sh\ntrue\n";

/// Writes a small valid scenario at `<root>/tiny` and returns its directory.
/// It also holds the things the rules allow: a setup script, seed data with a
/// symlink that stays inside, and a hint. (Languages have tests of their own,
/// in scenario_languages.rs.)
fn write_template(root: &Path) -> PathBuf {
    let dir = root.join("tiny");
    write(&dir, "scenario.toml", TEMPLATE_TOML);
    write(&dir, "setup", SCRIPT);
    write(&dir, "data/notes.txt", "seed data\n");
    std::os::unix::fs::symlink("notes.txt", dir.join("data/notes-link.txt")).unwrap();
    for ex in ["first", "second"] {
        write(&dir, &format!("exercises/{ex}/instructions.md"), "Do it.\n");
        write(&dir, &format!("exercises/{ex}/check"), SCRIPT);
        write(&dir, &format!("exercises/{ex}/solve"), SCRIPT);
    }
    write(
        &dir,
        "exercises/first/hint.md",
        "Look closer.\n\n![The diagram](assets/diagram.svg) [the budget](assets/files/budget.csv)\n",
    );
    write(
        &dir,
        "assets/diagram.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
    );
    write(&dir, "assets/files/budget.csv", "item;amount\n");
    dir
}

fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

fn remove(dir: &Path, rel: &str) {
    let path = dir.join(rel);
    assert!(path.exists(), "the template has no {rel} to remove");
    if path.is_dir() {
        fs::remove_dir_all(path).unwrap();
    } else {
        fs::remove_file(path).unwrap();
    }
}

fn symlink(dir: &Path, target: &str, rel: &str) {
    let link = dir.join(rel);
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    if link.exists() || link.is_symlink() {
        fs::remove_file(&link).unwrap();
    }
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn toml(dir: &Path) -> String {
    fs::read_to_string(dir.join("scenario.toml")).unwrap()
}

/// Replaces the first `from` in scenario.toml, which must be there (so the
/// mutation cannot silently do nothing).
fn edit(dir: &Path, from: &str, to: &str) {
    let text = toml(dir);
    assert!(text.contains(from), "scenario.toml has no {from:?}");
    write(dir, "scenario.toml", text.replacen(from, to, 1));
}

/// Adds top-level keys at the start of scenario.toml.
fn prepend(dir: &Path, lines: &str) {
    write(dir, "scenario.toml", format!("{lines}\n{}", toml(dir)));
}

/// Adds tables at the end of scenario.toml.
fn append(dir: &Path, tables: &str) {
    write(dir, "scenario.toml", format!("{}\n{tables}\n", toml(dir)));
}

fn web_ports(ports: &[u32]) -> String {
    ports
        .iter()
        .map(|p| format!("[[web_ports]]\nport = {p}\ntitle = \"Port {p}\"\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One broken scenario: the mutation applied to the template, and the error
/// it must get.
struct Case {
    name: &'static str,
    mutate: fn(&Path),
    /// The path the error names, relative to the directory holding the scenario.
    file: &'static str,
    field: Option<&'static str>,
    /// A part of the message that says what is wrong.
    message: &'static str,
}

fn cases() -> Vec<Case> {
    const TOML: &str = "tiny/scenario.toml";
    vec![
        // scenario.toml as a whole
        Case {
            name: "unknown key at top level",
            mutate: |d| prepend(d, "colour = \"blue\""),
            file: TOML,
            field: Some("colour"),
            message: "unknown field `colour`",
        },
        Case {
            name: "unknown key in [resources]",
            mutate: |d| edit(d, "pids = 256", "pids = 256\nswap_mb = 512"),
            file: TOML,
            field: Some("resources.swap_mb"),
            message: "unknown field `swap_mb`",
        },
        Case {
            name: "unknown key in [[exercises]]",
            mutate: |d| append(d, "timeout = 5"),
            file: TOML,
            field: Some("exercises[1].timeout"),
            message: "unknown field `timeout`",
        },
        Case {
            name: "misspelt key reports its line",
            mutate: |d| {
                edit(
                    d,
                    "image = \"shell\"",
                    "image = \"shell\"\nimgae = \"shell\"",
                )
            },
            file: TOML,
            field: Some("imgae"),
            message: "(line 4)",
        },
        Case {
            name: "unknown key on the last line reports its line",
            mutate: |d| append(d, "timout = 5"),
            file: TOML,
            field: Some("exercises[1].timout"),
            message: "(line 19)",
        },
        Case {
            name: "missing title",
            mutate: |d| edit(d, "title = \"Tiny\"\n", ""),
            file: TOML,
            field: Some("title"),
            message: "missing field `title`",
        },
        Case {
            name: "missing title in an exercise",
            mutate: |d| edit(d, "title = \"The second exercise\"\n", ""),
            file: TOML,
            field: Some("exercises[1].title"),
            message: "missing field `title`",
        },
        Case {
            name: "unknown key in an inline exercise table",
            mutate: |d| {
                let text = toml(d);
                let cut = text.find("[[exercises]]").unwrap();
                let inline = "exercises = [{ id = \"first\", title = \"One\" }, \
                              { id = \"second\", title = \"Two\", hint = \"x\" }]\n";
                write(d, "scenario.toml", format!("{inline}{}", &text[..cut]));
            },
            file: TOML,
            field: Some("exercises[1].hint"),
            message: "unknown field `hint`",
        },
        Case {
            name: "duplicate key",
            mutate: |d| edit(d, "cpus = 0.5", "cpus = 0.5\ncpus = 1.0"),
            file: TOML,
            field: None,
            message: "(line 9)",
        },
        Case {
            name: "missing summary",
            mutate: |d| edit(d, "summary = ", "# summary = "),
            file: TOML,
            field: Some("summary"),
            message: "missing field `summary`",
        },
        Case {
            name: "invalid TOML syntax",
            mutate: |d| edit(d, "pids = 256", "pids = = 256"),
            file: TOML,
            field: None,
            message: "(line 9)",
        },
        Case {
            name: "wrong type for a value",
            mutate: |d| edit(d, "memory_mb = 256", "memory_mb = \"lots\""),
            file: TOML,
            field: Some("resources.memory_mb"),
            message: "(line 7)",
        },
        Case {
            name: "negative number",
            mutate: |d| edit(d, "pids = 256", "pids = -1"),
            file: TOML,
            field: Some("resources.pids"),
            message: "(line 9)",
        },
        Case {
            name: "bad phase value",
            mutate: |d| edit(d, "phase = \"engage\"", "phase = \"celebrate\""),
            file: TOML,
            field: Some("phase"),
            message: "celebrate",
        },
        Case {
            name: "missing scenario.toml",
            mutate: |d| remove(d, "scenario.toml"),
            file: TOML,
            field: None,
            message: "missing",
        },
        Case {
            name: "bad scenario directory name",
            mutate: |d| fs::rename(d, d.with_file_name("Git_Basics")).unwrap(),
            file: "Git_Basics",
            field: None,
            message: "directory name",
        },
        // Top-level fields
        Case {
            name: "empty title",
            mutate: |d| edit(d, "title = \"Tiny\"", "title = \"  \""),
            file: TOML,
            field: Some("title"),
            message: "is empty",
        },
        Case {
            name: "title over 120 characters",
            mutate: |d| {
                let long = format!("title = \"{}\"", "x".repeat(121));
                edit(d, "title = \"Tiny\"", &long);
            },
            file: TOML,
            field: Some("title"),
            message: "longer than 120 characters",
        },
        Case {
            name: "unknown image",
            mutate: |d| edit(d, "image = \"shell\"", "image = \"desktop\""),
            file: TOML,
            field: Some("image"),
            message: "no image `desktop`",
        },
        Case {
            name: "time_limit_minutes 0",
            mutate: |d| prepend(d, "time_limit_minutes = 0"),
            file: TOML,
            field: Some("time_limit_minutes"),
            message: "0 is outside 1–1440 minutes",
        },
        Case {
            name: "user root",
            mutate: |d| prepend(d, "user = \"root\""),
            file: TOML,
            field: Some("user"),
            message: "may not run as root",
        },
        Case {
            name: "user that is not an account name",
            mutate: |d| prepend(d, "user = \"Ada Lovelace\""),
            file: TOML,
            field: Some("user"),
            message: "not a valid account name",
        },
        Case {
            name: "workdir with ..",
            mutate: |d| prepend(d, "workdir = \"/home/learner/../../etc\""),
            file: TOML,
            field: Some("workdir"),
            message: "not an absolute path without `..`",
        },
        Case {
            name: "relative data_target",
            mutate: |d| prepend(d, "data_target = \"home/learner\""),
            file: TOML,
            field: Some("data_target"),
            message: "not an absolute path",
        },
        Case {
            name: "capability SYS_ADMIN",
            mutate: |d| prepend(d, "capabilities = [\"CHOWN\", \"SYS_ADMIN\"]"),
            file: TOML,
            field: Some("capabilities"),
            message: "`SYS_ADMIN` may not be added",
        },
        Case {
            name: "capability cap_sys_admin",
            mutate: |d| prepend(d, "capabilities = [\"cap_sys_admin\"]"),
            file: TOML,
            field: Some("capabilities"),
            message: "`SYS_ADMIN` may not be added",
        },
        // [resources]
        Case {
            name: "memory_mb too big",
            mutate: |d| edit(d, "memory_mb = 256", "memory_mb = 9000"),
            file: TOML,
            field: Some("resources.memory_mb"),
            message: "9000 is outside 32–8192 MiB",
        },
        Case {
            name: "memory_mb too small",
            mutate: |d| edit(d, "memory_mb = 256", "memory_mb = 16"),
            file: TOML,
            field: Some("resources.memory_mb"),
            message: "16 is outside 32–8192 MiB",
        },
        Case {
            name: "cpus too many",
            mutate: |d| edit(d, "cpus = 0.5", "cpus = 8.0"),
            file: TOML,
            field: Some("resources.cpus"),
            message: "outside 0.05–4 CPUs",
        },
        Case {
            name: "cpus too few",
            mutate: |d| edit(d, "cpus = 0.5", "cpus = 0.01"),
            file: TOML,
            field: Some("resources.cpus"),
            message: "outside 0.05–4 CPUs",
        },
        Case {
            name: "cpus nan",
            mutate: |d| edit(d, "cpus = 0.5", "cpus = nan"),
            file: TOML,
            field: Some("resources.cpus"),
            message: "outside 0.05–4 CPUs",
        },
        Case {
            name: "pids too many",
            mutate: |d| edit(d, "pids = 256", "pids = 5000"),
            file: TOML,
            field: Some("resources.pids"),
            message: "5000 is outside 32–4096 processes",
        },
        Case {
            name: "pids too few",
            mutate: |d| edit(d, "pids = 256", "pids = 8"),
            file: TOML,
            field: Some("resources.pids"),
            message: "8 is outside 32–4096 processes",
        },
        // [[web_ports]]
        Case {
            name: "duplicate web port",
            mutate: |d| append(d, &web_ports(&[8080, 8080])),
            file: TOML,
            field: Some("web_ports[1].port"),
            message: "port 8080 is declared twice",
        },
        Case {
            name: "web port 0",
            mutate: |d| append(d, &web_ports(&[0])),
            file: TOML,
            field: Some("web_ports[0].port"),
            message: "0 is not a TCP port",
        },
        Case {
            name: "web port 70000",
            mutate: |d| append(d, &web_ports(&[8080, 70000])),
            file: TOML,
            field: Some("web_ports[1].port"),
            message: "70000 is not a TCP port",
        },
        Case {
            name: "more than 8 web ports",
            mutate: |d| append(d, &web_ports(&[1, 2, 3, 4, 5, 6, 7, 8, 9])),
            file: TOML,
            field: Some("web_ports"),
            message: "9 ports declared, at most 8",
        },
        Case {
            name: "web port path with ..",
            mutate: |d| {
                append(
                    d,
                    "[[web_ports]]\nport = 80\ntitle = \"Wiki\"\npath = \"/../x\"",
                )
            },
            file: TOML,
            field: Some("web_ports[0].path"),
            message: "must be a plain path starting with `/`",
        },
        Case {
            name: "no terminal and no web port",
            mutate: |d| prepend(d, "terminal = false"),
            file: TOML,
            field: Some("terminal"),
            message: "a scenario without a terminal needs a [[web_ports]] entry",
        },
        // [[exercises]]
        Case {
            name: "zero exercises",
            mutate: |d| {
                let text = toml(d);
                let cut = text.find("[[exercises]]").unwrap();
                write(d, "scenario.toml", &text[..cut]);
            },
            file: TOML,
            field: Some("exercises"),
            message: "at least one exercise",
        },
        Case {
            name: "more than 50 exercises",
            mutate: |d| {
                let more: String = (3..=51)
                    .map(|i| format!("[[exercises]]\nid = \"ex-{i}\"\ntitle = \"Exercise {i}\"\n"))
                    .collect();
                append(d, &more);
            },
            file: TOML,
            field: Some("exercises"),
            message: "51 exercises, at most 50",
        },
        Case {
            name: "bad exercise id",
            mutate: |d| edit(d, "id = \"second\"", "id = \"Second_One\""),
            file: TOML,
            field: Some("exercises[1].id"),
            message: "`Second_One` is not a valid id",
        },
        Case {
            name: "duplicate exercise ids",
            mutate: |d| edit(d, "id = \"second\"", "id = \"first\""),
            file: TOML,
            field: Some("exercises[1].id"),
            message: "exercise id `first` is used twice",
        },
        Case {
            name: "empty exercise title",
            mutate: |d| edit(d, "title = \"The second exercise\"", "title = \"\""),
            file: TOML,
            field: Some("exercises[1].title"),
            message: "is empty",
        },
        Case {
            name: "check_timeout_seconds 0",
            mutate: |d| append(d, "check_timeout_seconds = 0"),
            file: TOML,
            field: Some("exercises[1].check_timeout_seconds"),
            message: "0 is outside 1–300 seconds",
        },
        Case {
            name: "exercise listed but no directory",
            mutate: |d| remove(d, "exercises/second"),
            file: "tiny/exercises/second",
            field: None,
            message: "listed in scenario.toml but has no directory",
        },
        Case {
            name: "exercise directory not listed",
            mutate: |d| fs::create_dir(d.join("exercises/third")).unwrap(),
            file: "tiny/exercises/third",
            field: None,
            message: "not listed in scenario.toml",
        },
        // Exercise files
        Case {
            name: "missing check",
            mutate: |d| remove(d, "exercises/first/check"),
            file: "tiny/exercises/first/check",
            field: None,
            message: "missing: every exercise needs this script",
        },
        Case {
            name: "missing solve",
            mutate: |d| remove(d, "exercises/second/solve"),
            file: "tiny/exercises/second/solve",
            field: None,
            message: "missing: every exercise needs this script",
        },
        Case {
            name: "an asset of a kind Sandpit does not serve",
            mutate: |d| write(d, "assets/run.exe", "MZ"),
            file: "tiny/assets/run.exe",
            field: None,
            message: "is not a kind of asset Sandpit serves (.png, .jpg",
        },
        Case {
            name: "an asset whose name is not plain",
            mutate: |d| write(d, "assets/my photo.png", "x"),
            file: "tiny/assets/my photo.png",
            field: None,
            message: "may hold only letters, digits",
        },
        Case {
            name: "an asset larger than 5 MiB",
            mutate: |d| write(d, "assets/big.png", vec![0u8; 5 * 1024 * 1024 + 1]),
            file: "tiny/assets/big.png",
            field: None,
            message: "more than the 5242880 an asset may have",
        },
        Case {
            name: "an asset that links out of the scenario",
            mutate: |d| symlink(d, "/etc/passwd", "assets/passwd.txt"),
            file: "tiny/assets/passwd.txt",
            field: None,
            message: "points outside the scenario directory",
        },
        Case {
            name: "instructions that show an asset the scenario lacks",
            mutate: |d| {
                write(
                    d,
                    "exercises/second/instructions.md",
                    "Do it.\n\n![Gone](assets/missing.png)\n",
                )
            },
            file: "tiny/exercises/second/instructions.md",
            field: None,
            message: "shows assets/missing.png, which is not in the scenario's assets/",
        },
        Case {
            name: "a hint that links to an asset outside assets/ by a dot segment",
            mutate: |d| {
                write(
                    d,
                    "exercises/first/hint.md",
                    "Look.\n\n[setup](assets/../setup)\n",
                )
            },
            file: "tiny/exercises/first/hint.md",
            field: None,
            message: "shows assets/../setup, which is not in the scenario's assets/",
        },
        Case {
            name: "missing instructions.md",
            mutate: |d| remove(d, "exercises/second/instructions.md"),
            file: "tiny/exercises/second/instructions.md",
            field: None,
            message: "every exercise needs instructions.md",
        },
        Case {
            name: "empty instructions",
            mutate: |d| write(d, "exercises/first/instructions.md", " \n\n"),
            file: "tiny/exercises/first/instructions.md",
            field: None,
            message: "is empty",
        },
        Case {
            name: "empty script",
            mutate: |d| write(d, "exercises/first/check", "  \n"),
            file: "tiny/exercises/first/check",
            field: None,
            message: "the script is empty",
        },
        Case {
            name: "empty setup script",
            mutate: |d| write(d, "setup", ""),
            file: "tiny/setup",
            field: None,
            message: "the script is empty",
        },
        Case {
            name: "script over 64 KiB",
            mutate: |d| {
                let body = format!("#!/bin/sh\n{}", "# padding\n".repeat(7000));
                write(d, "exercises/second/solve", body);
            },
            file: "tiny/exercises/second/solve",
            field: None,
            message: "more than the 65536 allowed",
        },
        Case {
            name: "check that is a directory",
            mutate: |d| {
                remove(d, "exercises/first/check");
                fs::create_dir(d.join("exercises/first/check")).unwrap();
            },
            file: "tiny/exercises/first/check",
            field: None,
            message: "is not a regular file",
        },
        Case {
            name: "non-UTF-8 instructions",
            mutate: |d| write(d, "exercises/first/instructions.md", b"Fa\xefites-le\n"),
            file: "tiny/exercises/first/instructions.md",
            field: None,
            message: "is not valid UTF-8 (byte 2)",
        },
        Case {
            name: "check symlinked outside the scenario",
            mutate: |d| symlink(d, "/etc/passwd", "exercises/first/check"),
            file: "tiny/exercises/first/check",
            field: None,
            message: "points outside the scenario directory",
        },
        Case {
            name: "solve symlinked outside through ..",
            mutate: |d| {
                fs::write(d.parent().unwrap().join("stolen"), SCRIPT).unwrap();
                symlink(d, "../../../stolen", "exercises/second/solve");
            },
            file: "tiny/exercises/second/solve",
            field: None,
            message: "points outside the scenario directory",
        },
        Case {
            name: "dangling check symlink",
            mutate: |d| symlink(d, "nowhere", "exercises/first/check"),
            file: "tiny/exercises/first/check",
            field: None,
            message: "cannot be opened",
        },
        Case {
            name: "empty reset script",
            mutate: |d| write(d, "exercises/second/reset", "  \n"),
            file: "tiny/exercises/second/reset",
            field: None,
            message: "the script is empty",
        },
        Case {
            name: "reset symlinked outside the scenario",
            mutate: |d| symlink(d, "/etc/passwd", "exercises/first/reset"),
            file: "tiny/exercises/first/reset",
            field: None,
            message: "points outside the scenario directory",
        },
        Case {
            name: "bad language suffix",
            mutate: |d| write(d, "exercises/first/instructions.french.md", "Faites-le.\n"),
            file: "tiny/exercises/first/instructions.french.md",
            field: None,
            message: "expected instructions.md or instructions.<language>.md",
        },
        // data/
        Case {
            name: "data symlink pointing outside",
            mutate: |d| symlink(d, "/etc/passwd", "data/passwd"),
            file: "tiny/data/passwd",
            field: None,
            message: "points outside the scenario directory",
        },
        Case {
            name: "data symlink to a directory outside",
            mutate: |d| symlink(d, "/etc", "data/sub/etc"),
            file: "tiny/data/sub/etc",
            field: None,
            message: "points outside the scenario directory",
        },
        Case {
            name: "data itself a symlink outside",
            mutate: |d| {
                remove(d, "data");
                symlink(d, "/etc", "data");
            },
            file: "tiny/data",
            field: None,
            message: "points outside the scenario directory",
        },
        Case {
            name: "data that is a file",
            mutate: |d| {
                remove(d, "data");
                write(d, "data", "not a directory\n");
            },
            file: "tiny/data",
            field: None,
            message: "data must be a directory",
        },
        Case {
            name: "fifo in data",
            mutate: |d| {
                let status = Command::new("mkfifo")
                    .arg(d.join("data/pipe"))
                    .status()
                    .unwrap();
                assert!(status.success(), "mkfifo failed");
            },
            file: "tiny/data/pipe",
            field: None,
            message: "is not a regular file, directory or symlink",
        },
    ]
}

/// The only directory under `root`: the scenario, whatever the mutation
/// renamed it to.
fn only_dir(root: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "expected one scenario directory: {dirs:?}");
    dirs.into_iter().next().unwrap()
}

/// Builds the case's scenario and loads it; `Err` says how the case failed.
fn run(case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_template(tmp.path());
    (case.mutate)(&dir);
    let dir = only_dir(tmp.path());
    let images = images();
    let loaded = std::panic::catch_unwind(|| load_dir(&dir, Some(&images)))
        .map_err(|_| "the loader panicked".to_owned())?;
    let err: ScenarioError = match loaded {
        Ok(_) => return Err("the broken scenario loaded".into()),
        Err(e) => e,
    };
    let file_ok = err.file.starts_with(tmp.path()) && err.file.ends_with(case.file);
    let field_ok = err.field.as_deref() == case.field;
    let message_ok = err.message.contains(case.message);
    if file_ok && field_ok && message_ok {
        Ok(())
    } else {
        Err(format!(
            "expected file …/{}, field {:?}, message containing {:?}\n     got {:?}",
            case.file, case.field, case.message, err
        ))
    }
}

#[test]
fn the_unbroken_template_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_template(tmp.path());
    let scenario = load_dir(&dir, Some(&images())).unwrap();
    assert_eq!(scenario.id.as_str(), "tiny");
    assert_eq!(scenario.exercises.len(), 2);
    assert_eq!(scenario.languages, [Lang::En]);
    assert_eq!(scenario.exercises[0].instructions.get("fr"), "Do it.\n");
    let hint = scenario.exercises[0].hint.as_ref().expect("a hint");
    assert!(hint.get("en").starts_with("Look closer.\n"));
    let assets: Vec<(&str, &str, bool)> = scenario
        .assets
        .iter()
        .map(|(path, a)| (path.as_str(), a.content_type, a.download))
        .collect();
    assert_eq!(
        assets,
        [
            ("diagram.svg", "image/svg+xml", false),
            ("files/budget.csv", "text/csv; charset=utf-8", true)
        ]
    );
    assert!(scenario.exercises[1].hint.is_none());
    assert!(scenario.setup.is_some());
    assert_eq!(scenario.data_dir, Some(dir.join("data")));
}

#[test]
fn each_broken_scenario_gets_an_error_naming_file_and_field() {
    let cases = cases();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "two cases share a name");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| run(case).err().map(|why| format!("{}: {why}", case.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn capabilities_are_accepted_in_any_spelling() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_template(tmp.path());
    prepend(
        &dir,
        "capabilities = [\"CHOWN\", \"cap_chown\", \"CAP_KILL\", \"setuid\"]",
    );
    let scenario = load_dir(&dir, Some(&images())).unwrap();
    assert_eq!(scenario.capabilities, ["CHOWN", "KILL", "SETUID"]);
}

#[test]
fn the_repository_scenarios_all_load_without_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    // Every image the repository can build.
    let images: BTreeSet<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("images"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    let (ok, bad) = load_all(&root, Some(&images)).unwrap();
    let messages: Vec<String> = bad.iter().map(ToString::to_string).collect();
    assert!(messages.is_empty(), "{}", messages.join("\n"));
    assert!(!ok.is_empty(), "no scenarios found in {}", root.display());
}

#[test]
fn an_exercise_may_have_a_reset_script() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_template(tmp.path());
    write(&dir, "exercises/first/reset", SCRIPT);
    let scenario = load_dir(&dir, Some(&images())).unwrap();
    let reset = scenario.exercises[0]
        .reset
        .as_ref()
        .expect("a reset script");
    assert_eq!(reset.body, SCRIPT);
    assert!(scenario.exercises[1].reset.is_none());
}
