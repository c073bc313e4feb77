//! Generated clients, compiled here with every warning denied, and helpers
//! for the tests under `tests/`.
#![deny(warnings)]

use std::path::PathBuf;

/// The client of the bundled example, `examples/petstore/openapi/petstore.yaml`.
pub mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}

/// The client of `fixtures/client-credentials.yaml`.
pub mod client_credentials {
    include!(concat!(env!("OUT_DIR"), "/client_credentials.rs"));
}

/// The client of `fixtures/recursive.yaml`: compiling it proves recursive
/// schemas get finite types.
pub mod recursive {
    include!(concat!(env!("OUT_DIR"), "/recursive.rs"));
}

/// The client of `fixtures/enums.yaml`: enums with a fallback variant.
pub mod enums {
    include!(concat!(env!("OUT_DIR"), "/enums.rs"));
}

/// The client of `fixtures/all_of.yaml`: `allOf` merged into structs.
pub mod all_of {
    include!(concat!(env!("OUT_DIR"), "/all_of.rs"));
}

/// The client of `fixtures/one_of.yaml`: tagged and untagged unions.
pub mod one_of {
    include!(concat!(env!("OUT_DIR"), "/one_of.rs"));
}

/// The client of `fixtures/maps.yaml`: maps and free-form objects.
pub mod maps {
    include!(concat!(env!("OUT_DIR"), "/maps.rs"));
}

/// The client of `fixtures/formats.yaml`: formats and the types they choose.
pub mod formats {
    include!(concat!(env!("OUT_DIR"), "/formats.rs"));
}

/// The client of `fixtures/hostile.yaml`: names that are keywords, emoji,
/// empty, or collide; compiling it proves each became a valid identifier.
pub mod hostile {
    include!(concat!(env!("OUT_DIR"), "/hostile.rs"));
}

/// The client of `fixtures/operations.yaml`: parameter styles, multipart
/// bodies, several success responses, typed errors, server variables.
pub mod operations {
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}

/// The client of `fixtures/authlib-api.yaml`, the API of the Authlib test
/// server under `servers/authlib/`.
pub mod authlib_api {
    include!(concat!(env!("OUT_DIR"), "/authlib_api.rs"));
}

/// The client of `fixtures/hostile-docs.yaml`: descriptions with code
/// blocks, HTML and links in every form. Compiled here so that a code block
/// that became a doctest fails the workspace's doctest run, and with every
/// warning denied so that clippy's doc lints pass on what they became.
pub mod hostile_docs {
    include!(concat!(env!("OUT_DIR"), "/hostile_docs.rs"));
}

/// The client of `fixtures/references.yaml`: references into `paths`, a
/// path variable no parameter declares, OpenAPI 3.1 relaxations.
pub mod references {
    include!(concat!(env!("OUT_DIR"), "/references.rs"));
}

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

/// `../shared/corpus` beside the checkout. In CI (`CI=true`) its absence
/// fails the test; elsewhere the caller skips, and this says so.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing; CI runs with ../shared beside the checkout",
        dir.display()
    );
    eprintln!("skipped: {} not found beside the checkout", dir.display());
    None
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
