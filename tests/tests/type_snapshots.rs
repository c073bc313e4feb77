//! Snapshots of the code generated for one feature of the types each
//! (`tests/fixtures/*.yaml`); `src/lib.rs` compiles the same fixtures with
//! every warning denied and `tests/types.rs` round-trips JSON through them.
//! Read a changed snapshot before accepting it (`INSTA_UPDATE=always cargo
//! test`, then review the diff); CI never writes them.

use generator::Options;
use integration_tests::workspace_root;

fn generated(fixture: &str) -> String {
    let spec = workspace_root().join(format!("tests/fixtures/{fixture}.yaml"));
    let output = generator::generate(&Options::new(spec)).unwrap();
    assert!(output.warnings.is_empty(), "{:?}", output.warnings);
    output.code
}

#[test]
fn enums_with_a_fallback_variant() {
    insta::assert_snapshot!("enums", generated("enums"));
}

#[test]
fn all_of_merged() {
    insta::assert_snapshot!("all_of", generated("all_of"));
}

#[test]
fn one_of_tagged_and_untagged() {
    insta::assert_snapshot!("one_of", generated("one_of"));
}

#[test]
fn maps_and_free_form_objects() {
    insta::assert_snapshot!("maps", generated("maps"));
}

#[test]
fn formats() {
    insta::assert_snapshot!("formats", generated("formats"));
}

#[test]
fn hostile_names() {
    insta::assert_snapshot!("hostile", generated("hostile"));
}

#[test]
fn operations() {
    insta::assert_snapshot!("operations", generated("operations"));
}

/// Every fixture, not only those snapshotted here: two runs give the same
/// bytes.
#[test]
fn output_is_deterministic() {
    let fixtures = workspace_root().join("tests/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let spec = entry.unwrap().path();
        if spec.extension().is_some_and(|e| e == "yaml") {
            let options = Options::new(&spec);
            let first = generator::generate(&options).unwrap().code;
            assert_eq!(
                first,
                generator::generate(&options).unwrap().code,
                "{}",
                spec.display()
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 7,
        "only {checked} fixtures in {}",
        fixtures.display()
    );
}
