//! SECURITY.md names, for each claim, the test that proves it
//! (`file::test_name`), and the operator's guide names the test of each
//! configuration it gives: every name must be a test that exists, so that a
//! renamed or deleted test cannot leave a claim without its proof.

use std::path::Path;

#[test]
fn every_test_security_md_names_exists() {
    assert!(tests_named("SECURITY.md") >= 20);
}

#[test]
fn every_test_the_operators_guide_names_exists() {
    assert!(tests_named("docs/operating.md") >= 8);
}

/// Checks every `file::test` the document at `path` names; returns how
/// many it names.
fn tests_named(document: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join(document)).unwrap();
    let mut named = 0;
    for quoted in doc.split('`').skip(1).step_by(2) {
        let Some((file, test)) = quoted.split_once("::") else {
            continue;
        };
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if !plain(file) || !plain(test) {
            continue;
        }
        let path = root.join("tests/api").join(format!("{file}.rs"));
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{document} names {quoted}, but {}: {e}", path.display()));
        assert!(
            source.contains(&format!("fn {test}(")),
            "{document} names {quoted}, which tests/api/{file}.rs does not define"
        );
        named += 1;
    }
    named
}
