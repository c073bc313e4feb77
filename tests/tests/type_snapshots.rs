//! Snapshots of the code generated for every fixture (`tests/fixtures/*.yaml`,
//! one feature of the types or operations each, hostile names, references),
//! named after the fixture: a fixture added to the folder is snapshotted
//! here, compiled with every warning denied by `src/lib.rs`, and called
//! by the tests that want it (`tests/types.rs` round-trips JSON through the
//! types). A fixture's warnings are none, or a snapshot of their own
//! (`<fixture>_warnings`).
//!
//! Read a changed snapshot before accepting it (`INSTA_UPDATE=always cargo
//! test`, then review the diff); CI never writes them.

use generator::Options;
use integration_tests::fixtures;

#[test]
fn every_fixture() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 7, "only {} fixtures", fixtures.len());
    for fixture in fixtures {
        let output = generator::generate(&Options::new(&fixture.path))
            .unwrap_or_else(|e| panic!("{}: {e}", fixture.name));
        insta::assert_snapshot!(fixture.name.as_str(), output.code);
        if !output.warnings.is_empty() {
            let warnings: Vec<String> = output
                .warnings
                .iter()
                .map(|w| format!("{}: {}", w.location.pointer, w.message))
                .collect();
            insta::assert_snapshot!(format!("{}_warnings", fixture.name), warnings.join("\n"));
        }
    }
}

/// Every fixture: two runs give the same bytes.
#[test]
fn output_is_deterministic() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 7, "only {} fixtures", fixtures.len());
    for fixture in fixtures {
        let options = Options::new(&fixture.path);
        let first = generator::generate(&options).unwrap().code;
        assert_eq!(
            first,
            generator::generate(&options).unwrap().code,
            "{}",
            fixture.path.display()
        );
    }
}
