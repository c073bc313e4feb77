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

/// The client of `fixtures/authlib-api.yaml`, the API of the Authlib test
/// server under `servers/authlib/`.
pub mod authlib_api {
    include!(concat!(env!("OUT_DIR"), "/authlib_api.rs"));
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
