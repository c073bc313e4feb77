//! The fixtures under `tests/fixtures/`: the one list of them, read from the
//! folder by the build script (which generates and compiles a client of
//! each) and by the tests (which snapshot each). A fixture is added by
//! adding its document, and nothing else.

use std::path::{Path, PathBuf};

/// An OpenAPI document under `tests/fixtures/`.
pub struct Fixture {
    /// The file's stem with `-` as `_`: the module its client is compiled
    /// as (`integration_tests::<name>`) and the name of its snapshot.
    pub name: String,
    /// The document.
    pub path: PathBuf,
}

/// Every `*.yaml` document in `dir`, sorted by name.
pub fn fixtures_in(dir: &Path) -> Vec<Fixture> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut fixtures: Vec<Fixture> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| Fixture {
            name: path
                .file_stem()
                .expect("a file name")
                .to_string_lossy()
                .replace('-', "_"),
            path,
        })
        .collect();
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    fixtures
}
