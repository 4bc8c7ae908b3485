//! Scenarios in several languages: `languages = [...]`, texts as tables by
//! language, `<name>.<lang>.md` files. A bilingual scenario loads with every
//! text in both languages; a single-language one stays valid and is shown in
//! its language on every page; each missing or malformed translation gets an
//! error naming the file and the field. No Docker needed.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use sandpit::lang::Lang;
use sandpit::scenario::{ScenarioError, load_dir};

const BILINGUAL_TOML: &str = r#"languages = ["en", "fr"]
title = { en = "Tiny", fr = "Minuscule" }
summary.en = "A tiny scenario for the language tests"
summary.fr = "Un tout petit scénario pour les tests de langues"
image = "shell"

[[web_ports]]
port = 8080
title = { en = "Notes", fr = "Notes de l'équipe" }

[[exercises]]
id = "first"
title = { en = "The first exercise", fr = "Le premier exercice" }

[[exercises]]
id = "second"
title.en = "The second exercise"
title.fr = "Le second exercice"
"#;

const SCRIPT: &str = "#!/bin/sh\ntrue\n";

fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

fn remove(dir: &Path, rel: &str) {
    let path = dir.join(rel);
    assert!(path.exists(), "the template has no {rel} to remove");
    fs::remove_file(path).unwrap();
}

/// Replaces the first `from` in scenario.toml, which must be there.
fn edit(dir: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(dir.join("scenario.toml")).unwrap();
    assert!(text.contains(from), "scenario.toml has no {from:?}");
    write(dir, "scenario.toml", text.replacen(from, to, 1));
}

/// A valid scenario in English and French at `<root>/tiny`: the first
/// exercise's instructions start with its title as a heading and it has a
/// hint; the second's do not, and it has none.
fn write_bilingual(root: &Path) -> PathBuf {
    let dir = root.join("tiny");
    write(&dir, "scenario.toml", BILINGUAL_TOML);
    for ex in ["first", "second"] {
        write(&dir, &format!("exercises/{ex}/check"), SCRIPT);
        write(&dir, &format!("exercises/{ex}/solve"), SCRIPT);
    }
    write(
        &dir,
        "exercises/first/instructions.md",
        "# The first exercise\n\nDo it.\n",
    );
    write(
        &dir,
        "exercises/first/instructions.fr.md",
        "# Le premier exercice\n\nFaites-le.\n",
    );
    write(&dir, "exercises/first/hint.md", "Look closer.\n");
    write(&dir, "exercises/first/hint.fr.md", "Regardez mieux.\n");
    write(&dir, "exercises/second/instructions.md", "Do it again.\n");
    write(
        &dir,
        "exercises/second/instructions.fr.md",
        "Refaites-le.\n",
    );
    dir
}

/// The bilingual scenario made English-only: no `languages`, plain texts,
/// no French files.
fn make_english_only(dir: &Path) {
    let text = fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let text = text
        .replace("languages = [\"en\", \"fr\"]\n", "")
        .replace(
            r#"title = { en = "Tiny", fr = "Minuscule" }"#,
            r#"title = "Tiny""#,
        )
        .replace("summary.en =", "summary =")
        .replace(
            "summary.fr = \"Un tout petit scénario pour les tests de langues\"\n",
            "",
        )
        .replace(
            r#"{ en = "Notes", fr = "Notes de l'équipe" }"#,
            r#""Notes""#,
        )
        .replace(
            r#"{ en = "The first exercise", fr = "Le premier exercice" }"#,
            r#""The first exercise""#,
        )
        .replace("title.en =", "title =")
        .replace("title.fr = \"Le second exercice\"\n", "");
    write(dir, "scenario.toml", text);
    for file in [
        "first/instructions.fr.md",
        "first/hint.fr.md",
        "second/instructions.fr.md",
    ] {
        remove(dir, &format!("exercises/{file}"));
    }
}

fn images() -> BTreeSet<String> {
    BTreeSet::from(["shell".to_owned()])
}

#[test]
fn a_bilingual_scenario_has_every_text_in_both_languages() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bilingual(tmp.path());
    let s = load_dir(&dir, Some(&images())).unwrap();
    assert_eq!(s.languages, [Lang::En, Lang::Fr]);
    assert_eq!(
        (s.title.get("en"), s.title.get("fr")),
        ("Tiny", "Minuscule")
    );
    assert_eq!(
        s.summary.get("fr"),
        "Un tout petit scénario pour les tests de langues"
    );
    assert_eq!(s.web_ports[0].title.get("fr"), "Notes de l'équipe");
    let (first, second) = (&s.exercises[0], &s.exercises[1]);
    assert_eq!(first.title.get("en"), "The first exercise");
    assert_eq!(first.title.get("fr"), "Le premier exercice");
    assert_eq!(second.title.get("fr"), "Le second exercice");
    // The heading is the title, which the page shows itself.
    assert_eq!(first.instructions.get("en"), "Do it.\n");
    assert_eq!(first.instructions.get("fr"), "Faites-le.\n");
    assert_eq!(second.instructions.get("fr"), "Refaites-le.\n");
    let hint = first.hint.as_ref().expect("a hint");
    assert_eq!(
        (hint.get("en"), hint.get("fr")),
        ("Look closer.\n", "Regardez mieux.\n")
    );
    assert!(second.hint.is_none());
    // The xAPI and the API see every language.
    let names: Vec<(Lang, &str)> = s.title.iter().collect();
    assert_eq!(names, [(Lang::En, "Tiny"), (Lang::Fr, "Minuscule")]);
}

#[test]
fn an_english_only_scenario_stays_valid_and_shows_english_on_french_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bilingual(tmp.path());
    make_english_only(&dir);
    let s = load_dir(&dir, Some(&images())).unwrap();
    assert_eq!(s.languages, [Lang::En]);
    assert_eq!(s.title.get("fr"), "Tiny");
    assert_eq!(s.web_ports[0].title.get("fr"), "Notes");
    assert_eq!(s.exercises[1].title.get("fr"), "The second exercise");
    assert_eq!(s.exercises[0].instructions.get("fr"), "Do it.\n");
    assert_eq!(
        s.exercises[0].hint.as_ref().unwrap().get("fr"),
        "Look closer.\n"
    );
}

#[test]
fn a_french_only_scenario_writes_plain_texts_and_unsuffixed_files_in_french() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bilingual(tmp.path());
    make_english_only(&dir);
    let toml = fs::read_to_string(dir.join("scenario.toml")).unwrap();
    write(
        &dir,
        "scenario.toml",
        format!(
            "languages = [\"fr\"]\n{}",
            toml.replace("Tiny", "Minuscule")
        ),
    );
    write(
        &dir,
        "exercises/first/instructions.md",
        "# The first exercise\n\nFaites-le.\n",
    );
    let s = load_dir(&dir, Some(&images())).unwrap();
    assert_eq!(s.languages, [Lang::Fr]);
    assert_eq!(
        (s.title.get("en"), s.title.get("fr")),
        ("Minuscule", "Minuscule")
    );
    assert_eq!(s.exercises[0].instructions.get("en"), "Faites-le.\n");
    // A file for the first language under its code would be a second one.
    write(
        &dir,
        "exercises/second/instructions.fr.md",
        "Refaites-le.\n",
    );
    let e = load_dir(&dir, Some(&images())).unwrap_err();
    assert!(
        e.file.ends_with("exercises/second/instructions.fr.md"),
        "{e}"
    );
    assert!(
        e.message
            .contains("French is this scenario's first language, whose text is instructions.md"),
        "{e}"
    );
}

/// One broken scenario: the mutation of the bilingual one, and its error.
struct Case {
    name: &'static str,
    mutate: fn(&Path),
    /// The path the error names, relative to the scenario's directory.
    file: &'static str,
    field: Option<&'static str>,
    message: &'static str,
}

fn cases() -> Vec<Case> {
    const TOML: &str = "scenario.toml";
    vec![
        Case {
            name: "a plain title in a bilingual scenario",
            mutate: |d| edit(d, r#"{ en = "Tiny", fr = "Minuscule" }"#, r#""Tiny""#),
            file: TOML,
            field: Some("title"),
            message: r#"has no French text (`fr`): this scenario's languages are en, fr, so write `title = { en = "…", fr = "…" }`"#,
        },
        Case {
            name: "a summary without its French",
            mutate: |d| {
                edit(
                    d,
                    "summary.fr = \"Un tout petit scénario pour les tests de langues\"\n",
                    "",
                )
            },
            file: TOML,
            field: Some("summary"),
            message: "has no French text (`fr`)",
        },
        Case {
            name: "a step title without its English",
            mutate: |d| edit(d, "title.en = \"The second exercise\"\n", ""),
            file: TOML,
            field: Some("exercises[1].title"),
            message: "has no English text (`en`)",
        },
        Case {
            name: "a web port title without its French",
            mutate: |d| edit(d, r#", fr = "Notes de l'équipe""#, ""),
            file: TOML,
            field: Some("web_ports[0].title"),
            message: "has no French text (`fr`)",
        },
        Case {
            name: "a language Sandpit does not speak in a text",
            mutate: |d| {
                edit(
                    d,
                    r#"fr = "Minuscule" }"#,
                    r#"fr = "Minuscule", de = "Winzig" }"#,
                )
            },
            file: TOML,
            field: Some("title.de"),
            message: "`de` is not a language Sandpit speaks (en, fr)",
        },
        Case {
            name: "a text in a language the scenario does not declare",
            mutate: |d| edit(d, r#"languages = ["en", "fr"]"#, r#"languages = ["en"]"#),
            file: TOML,
            field: Some("title.fr"),
            message: "French (`fr`) is not one of this scenario's languages (en): add it to `languages` in scenario.toml",
        },
        Case {
            name: "an empty French title",
            mutate: |d| {
                edit(
                    d,
                    r#"title.fr = "Le second exercice""#,
                    r#"title.fr = "  ""#,
                )
            },
            file: TOML,
            field: Some("exercises[1].title.fr"),
            message: "is empty",
        },
        Case {
            name: "a French step title over 120 characters",
            mutate: |d| {
                let long = format!("title.fr = \"{}\"", "é".repeat(121));
                edit(d, r#"title.fr = "Le second exercice""#, &long)
            },
            file: TOML,
            field: Some("exercises[1].title.fr"),
            message: "is longer than 120 characters",
        },
        Case {
            name: "a translation that is not text",
            mutate: |d| edit(d, r#"fr = "Minuscule""#, "fr = 3"),
            file: TOML,
            field: Some("title.fr"),
            message: "invalid type: integer `3`, expected a string",
        },
        Case {
            name: "a title that is neither text nor a table",
            mutate: |d| edit(d, r#"{ en = "Tiny", fr = "Minuscule" }"#, "3"),
            file: TOML,
            field: Some("title"),
            message: r#"expected a text, or texts by language like { en = "…", fr = "…" }"#,
        },
        Case {
            name: "an unknown language in languages",
            mutate: |d| edit(d, r#"["en", "fr"]"#, r#"["en", "de"]"#),
            file: TOML,
            field: Some("languages"),
            message: "`de` is not a language Sandpit speaks (en, fr)",
        },
        Case {
            name: "a language listed twice",
            mutate: |d| edit(d, r#"["en", "fr"]"#, r#"["en", "fr", "en"]"#),
            file: TOML,
            field: Some("languages"),
            message: "`en` is listed twice",
        },
        Case {
            name: "no language at all",
            mutate: |d| edit(d, r#"["en", "fr"]"#, "[]"),
            file: TOML,
            field: Some("languages"),
            message: "is empty: name at least one of en, fr",
        },
        Case {
            name: "missing French instructions",
            mutate: |d| remove(d, "exercises/second/instructions.fr.md"),
            file: "exercises/second/instructions.fr.md",
            field: None,
            message: "missing: this scenario's languages are en, fr, so every exercise needs instructions.fr.md (in French)",
        },
        Case {
            name: "missing English instructions beside the French",
            mutate: |d| remove(d, "exercises/first/instructions.md"),
            file: "exercises/first/instructions.md",
            field: None,
            message: "so every exercise needs instructions.md (in English)",
        },
        Case {
            name: "a hint without its French",
            mutate: |d| remove(d, "exercises/first/hint.fr.md"),
            file: "exercises/first/hint.fr.md",
            field: None,
            message: "so a hint needs hint.fr.md (in French)",
        },
        Case {
            name: "a French hint without the English",
            mutate: |d| write(d, "exercises/second/hint.fr.md", "Regardez mieux.\n"),
            file: "exercises/second/hint.md",
            field: None,
            message: "so a hint needs hint.md (in English)",
        },
        Case {
            name: "instructions in a language Sandpit does not speak",
            mutate: |d| write(d, "exercises/first/instructions.de.md", "Mach es.\n"),
            file: "exercises/first/instructions.de.md",
            field: None,
            message: "`de` is not a language Sandpit speaks (en, fr)",
        },
        Case {
            name: "French instructions in an English-only scenario",
            mutate: |d| {
                make_english_only(d);
                write(d, "exercises/first/instructions.fr.md", "Faites-le.\n");
            },
            file: "exercises/first/instructions.fr.md",
            field: None,
            message: "French (`fr`) is not one of this scenario's languages (en): add it to `languages` in scenario.toml",
        },
        Case {
            name: "the first language's file under its code",
            mutate: |d| write(d, "exercises/first/instructions.en.md", "Do it.\n"),
            file: "exercises/first/instructions.en.md",
            field: None,
            message: "English is this scenario's first language, whose text is instructions.md",
        },
        Case {
            name: "a heading that is not the step's title",
            mutate: |d| {
                write(
                    d,
                    "exercises/first/instructions.fr.md",
                    "# Premier exercice\n\nFaites-le.\n",
                )
            },
            file: "exercises/first/instructions.fr.md",
            field: None,
            message: "starts with the heading “Premier exercice”, but the step's French title (exercises[0].title in scenario.toml) is “Le premier exercice”",
        },
        Case {
            name: "empty French instructions",
            mutate: |d| write(d, "exercises/second/instructions.fr.md", "\n \n"),
            file: "exercises/second/instructions.fr.md",
            field: None,
            message: "is empty",
        },
        Case {
            name: "French instructions that are not UTF-8",
            mutate: |d| {
                write(
                    d,
                    "exercises/second/instructions.fr.md",
                    b"Refa\xefites-le\n",
                )
            },
            file: "exercises/second/instructions.fr.md",
            field: None,
            message: "is not valid UTF-8 (byte 4)",
        },
    ]
}

/// Builds the case's scenario and loads it; `Err` says how the case failed.
fn run(case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bilingual(tmp.path());
    (case.mutate)(&dir);
    let err: ScenarioError = match load_dir(&dir, Some(&images())) {
        Ok(_) => return Err("the broken scenario loaded".into()),
        Err(e) => e,
    };
    let file_ok = err.file.starts_with(&dir) && err.file.ends_with(case.file);
    if file_ok && err.field.as_deref() == case.field && err.message.contains(case.message) {
        Ok(())
    } else {
        Err(format!(
            "expected file …/{}, field {:?}, message containing {:?}\n     got {:?}",
            case.file, case.field, case.message, err
        ))
    }
}

#[test]
fn each_missing_or_malformed_translation_gets_an_error_naming_file_and_field() {
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
fn the_bundled_scenarios_give_every_text_in_english_and_french() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for id in ["git-basics", "wiki-basics"] {
        let s = load_dir(&root.join(id), None).unwrap();
        assert_eq!(s.languages, [Lang::En, Lang::Fr], "{id}");
        assert_ne!(s.title.get("fr"), s.title.get("en"), "{id}");
        assert_ne!(s.summary.get("fr"), s.summary.get("en"), "{id}");
        for ex in &s.exercises {
            assert_ne!(ex.title.get("fr"), ex.title.get("en"), "{id} {}", ex.id);
            assert_ne!(
                ex.instructions.get("fr"),
                ex.instructions.get("en"),
                "{id} {}",
                ex.id
            );
            // Every check prints its feedback in the language it is given.
            assert!(
                ex.check.body.contains("SANDPIT_LANG"),
                "{id} {}: the check ignores SANDPIT_LANG",
                ex.id
            );
        }
    }
}
