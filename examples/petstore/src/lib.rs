//! The Petstore client, generated from `openapi/petstore.yaml` by `build.rs`.

/// The generated client: `Client`, `types`, `auth` and `builders`.
pub mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}
