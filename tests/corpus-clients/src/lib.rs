//! The generated clients of the third-party documents in `../shared/corpus`
//! (all but the `LARGE-*` ones), one module per document, compiled here with
//! every warning denied; `cargo clippy --workspace -- -D warnings` lints
//! them too. A document's client that does not compile fails the build.
#![deny(warnings)]

#[cfg(corpus)]
include!(concat!(env!("OUT_DIR"), "/corpus.rs"));

#[cfg(all(test, corpus))]
mod round_trip;

#[cfg(all(test, corpus))]
mod examples {
    include!(concat!(env!("OUT_DIR"), "/examples.rs"));
}
