//! Snapshots of generated code and inferred security. Read a changed
//! snapshot before accepting it (`INSTA_UPDATE=always cargo test`, then
//! review the diff); CI never writes them.

use generator::{InspectFormat, Options};
use integration_tests::{corpus_dir, workspace_root};

fn generated(spec: &std::path::Path) -> String {
    let output = generator::generate(&Options::new(spec)).unwrap();
    assert!(output.warnings.is_empty(), "{:?}", output.warnings);
    output.code
}

#[test]
fn example_module() {
    let spec = workspace_root().join("examples/petstore/openapi/petstore.yaml");
    insta::assert_snapshot!("petstore", generated(&spec));
}

#[test]
fn example_security() {
    let spec = workspace_root().join("examples/petstore/openapi/petstore.yaml");
    insta::assert_snapshot!(
        "petstore_inspect",
        generator::inspect(&Options::new(&spec), InspectFormat::Text).unwrap()
    );
}

#[test]
fn corpus_local_petstore() {
    let Some(corpus) = corpus_dir() else { return };
    let spec = corpus.join("LOCAL-petstore-oauth-test-3.0.yaml");
    insta::assert_snapshot!("local_petstore", generated(&spec));
    insta::assert_snapshot!(
        "local_petstore_inspect",
        generator::inspect(&Options::new(&spec), InspectFormat::Json).unwrap()
    );
}
