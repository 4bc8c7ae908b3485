//! SECURITY.md names, for each claim, the test that proves it
//! (`file::test_name`): every name must be a test that exists, so that a
//! renamed or deleted test cannot leave a claim without its proof.

use std::path::Path;

#[test]
fn every_test_security_md_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("SECURITY.md")).unwrap();
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
            .unwrap_or_else(|e| panic!("SECURITY.md names {quoted}, but {}: {e}", path.display()));
        assert!(
            source.contains(&format!("fn {test}(")),
            "SECURITY.md names {quoted}, which tests/api/{file}.rs does not define"
        );
        named += 1;
    }
    assert!(named >= 20, "SECURITY.md names only {named} tests");
}
