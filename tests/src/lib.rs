//! Generated clients, compiled here with every warning denied, and what the
//! tests under `tests/` share: the list of fixtures, the corpus, and the
//! support of the end-to-end tests ([`support`]).
//!
//! Every document under `fixtures/` is a module of this crate, named after
//! the file (`fixtures/client-credentials.yaml` is [`client_credentials`])
//! and documented with the document's leading comment; `build.rs` generates
//! them. Compiling `fixtures/hostile.yaml` proves hostile names became
//! valid identifiers, `fixtures/recursive.yaml` that recursive schemas got
//! finite types, and `fixtures/hostile-docs.yaml` that no description
//! became a doctest (the workspace's doctest run would fail) nor failed
//! clippy's doc lints.
#![deny(warnings)]

use std::path::PathBuf;

mod fixture_list;
pub mod support;

pub use fixture_list::Fixture;

/// The client of the bundled example, `examples/petstore/openapi/petstore.yaml`.
pub mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}

include!(concat!(env!("OUT_DIR"), "/fixture_clients.rs"));

/// The client of the corpus document written for local servers.
#[cfg(corpus)]
pub mod local_petstore {
    include!(concat!(env!("OUT_DIR"), "/local_petstore.rs"));
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_owned()
}

/// Every fixture under `tests/fixtures/`, sorted by name: the documents
/// this crate compiles a client of.
pub fn fixtures() -> Vec<Fixture> {
    fixture_list::fixtures_in(&workspace_root().join("tests/fixtures"))
}

/// Fails the calling test in CI (`CI=true`), where nothing may be skipped,
/// with `missing` and `in_ci`; elsewhere says the test skipped, with
/// `missing` and `locally`, and returns `None` for the test to return.
pub fn skip_outside_ci<T>(missing: &str, in_ci: &str, locally: &str) -> Option<T> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{missing}; {in_ci}"
    );
    eprintln!("skipped: {missing}; {locally}");
    None
}

/// `../shared/corpus` beside the checkout. In CI (`CI=true`) its absence
/// fails the test; elsewhere the caller skips, and this says so.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    skip_outside_ci(
        &format!("{} is missing", dir.display()),
        "CI runs with ../shared beside the checkout",
        "the corpus tests need it beside the checkout",
    )
}

/// The OpenAPI documents (JSON or YAML) in the corpus directory, sorted by
/// name.
pub fn corpus_documents(corpus: &std::path::Path) -> Vec<PathBuf> {
    let mut documents: Vec<PathBuf> = std::fs::read_dir(corpus)
        .expect("the corpus directory is readable")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            )
        })
        .collect();
    documents.sort();
    documents
}

#[cfg(test)]
mod tests {
    /// The list is the folder: every YAML document, sorted, named as the
    /// module `build.rs` declares for it.
    #[test]
    fn fixtures_are_the_yaml_documents_of_the_folder() {
        let fixtures = super::fixtures();
        let names: Vec<&str> = fixtures.iter().map(|f| f.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        let fixture = fixtures
            .iter()
            .find(|f| f.name == "client_credentials")
            .expect("fixtures/client-credentials.yaml is listed");
        assert!(fixture
            .path
            .ends_with("tests/fixtures/client-credentials.yaml"));
        assert!(fixtures
            .iter()
            .all(|f| f.path.extension().is_some_and(|e| e == "yaml")));
        let on_disk = std::fs::read_dir(super::workspace_root().join("tests/fixtures"))
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|e| e == "yaml")
            })
            .count();
        assert_eq!(fixtures.len(), on_disk);
    }
}
