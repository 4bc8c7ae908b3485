//! The module graph, read from the sources: each layer uses only the
//! layers below it (`cli → server → http → app → domain → store, runtime,
//! scenario, images → foundations`), modules of one layer do not use each
//! other in a circle, and neither do the HTTP edge's modules (the edge's
//! root, which holds the state every handler reaches and the router, aside).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first.
const LAYERS: &[&[&str]] = &[
    &["lang", "sync", "lock", "timezone", "config", "tabular"],
    &["store", "runtime", "scenario", "images"],
    &[
        "metrics",
        "auth",
        "export",
        "sandbox",
        "terminal",
        "xapi",
        "programme",
        "community",
    ],
    &["app"],
    &["http"],
    &["server"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's module path: `src/http/learner/page.rs` → `[http, learner,
/// page]`; `mod.rs` is its folder's module.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file
        .strip_prefix(src)
        .unwrap_or_else(|_| panic!("{} is not under src", file.display()));
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments and its unit tests (which may
/// reach anywhere to set things up).
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module paths a file's code names: `crate::a::b…` as is, `super::…`
/// resolved against the file's module.
fn references(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let path_chars = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for (i, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        // Only the start of a path: not `foo_super::`, not `x::super::`.
        let before = code[..i].chars().next_back();
        if before.is_some_and(path_chars) {
            continue;
        }
        let rest: String = code[i..].chars().take_while(|&c| path_chars(c)).collect();
        let mut parts: Vec<&str> = rest.split("::").filter(|p| !p.is_empty()).collect();
        let mut base: Vec<String> = Vec::new();
        if parts.first() == Some(&"crate") {
            parts.remove(0);
        } else {
            base = module.to_vec();
            while parts.first() == Some(&"super") {
                parts.remove(0);
                base.pop();
            }
        }
        base.extend(parts.iter().map(|p| (*p).to_owned()));
        found.push(base);
    }
    found
}

/// Every module's references to other modules, read from `src/`.
fn graph() -> BTreeMap<Vec<String>, Vec<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let module = module_of(&src, &file);
        let refs = references(&module, &code_of(&text));
        graph.entry(module).or_insert_with(Vec::new).extend(refs);
    }
    graph
}

/// A circle in `edges`, if there is one.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut found = path[start..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn every_top_level_module_has_a_layer() {
    let unplaced: BTreeSet<String> = graph()
        .keys()
        .filter_map(|m| m.first())
        .filter(|m| *m != "main" && *m != "layers" && layer_of(m).is_none())
        .cloned()
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules without a layer in src/layers.rs: {unplaced:?}"
    );
}

#[test]
fn layers_use_only_the_layers_below_them() {
    let mut wrong = BTreeSet::new();
    for (module, refs) in graph() {
        let Some(from) = module.first().and_then(|m| layer_of(m)) else {
            continue;
        };
        for target in refs {
            let Some(to) = target.first().and_then(|m| layer_of(m)) else {
                continue;
            };
            if to > from {
                wrong.insert(format!("{} uses {}", module.join("::"), target.join("::")));
            }
        }
    }
    assert!(wrong.is_empty(), "arrows back up the layers: {wrong:#?}");
}

#[test]
fn no_two_top_level_modules_use_each_other_in_a_circle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, refs) in graph() {
        let Some(from) = module.first() else { continue };
        for target in refs {
            if let Some(to) = target
                .first()
                .filter(|t| *t != from && layer_of(t).is_some())
            {
                edges.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    assert_eq!(circle(&edges), None, "a circle between modules");
}

#[test]
fn the_http_edges_modules_form_a_tree() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, refs) in graph() {
        let [top, from, ..] = module.as_slice() else {
            continue;
        };
        if top != "http" {
            continue;
        }
        for target in refs {
            if let [top, to, ..] = target.as_slice()
                && top == "http"
                && to != from
                // The root's types (`AppState`, `HttpError`…) are reached
                // by every handler; only modules count.
                && graph_has_module(&["http", to])
            {
                edges.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    assert_eq!(
        circle(&edges),
        None,
        "a circle between the HTTP edge's modules"
    );
}

/// Whether `src/<path>.rs` or `src/<path>/mod.rs` exists.
fn graph_has_module(path: &[&str]) -> bool {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let joined: PathBuf = path.iter().collect();
    src.join(&joined).with_extension("rs").is_file() || src.join(&joined).join("mod.rs").is_file()
}

#[test]
fn the_checks_find_a_circle_and_an_arrow_back() {
    // The checks above must be able to fail: a made-up graph with a circle,
    // and references read from code that names a higher layer.
    let edges: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(
        circle(&edges),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let module = vec!["store".to_owned(), "links".to_owned()];
    let refs = references(
        &module,
        &code_of("use crate::http::AppState;\nuse super::super::sandbox::X; // crate::cli\n"),
    );
    assert_eq!(
        refs,
        vec![
            vec!["http".to_owned(), "AppState".to_owned()],
            vec!["sandbox".to_owned(), "X".to_owned()],
        ]
    );
}
