//! Generates the clients the tests compile and call: the bundled example,
//! the fixtures under `fixtures/` (among them the API of the Authlib test
//! server, `fixtures/authlib-api.yaml`), and the corpus document written for
//! local servers when `../shared/corpus` is beside the checkout.

use std::path::Path;

/// Fixtures of one feature of the generated types each (and of hostile
/// names), snapshotted by `tests/type_snapshots.rs`.
const TYPE_FIXTURES: &[&str] = &[
    "enums",
    "all_of",
    "one_of",
    "maps",
    "formats",
    "hostile",
    "operations",
];

fn generate(spec: &Path, file_name: &str) {
    if let Err(error) = generator::Generator::new()
        .spec(spec)
        .file_name(file_name)
        .generate()
    {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(corpus)");
    println!("cargo:rerun-if-env-changed=CI");
    generate(
        Path::new("../examples/petstore/openapi/petstore.yaml"),
        "petstore.rs",
    );
    generate(
        Path::new("fixtures/client-credentials.yaml"),
        "client_credentials.rs",
    );
    generate(Path::new("fixtures/recursive.yaml"), "recursive.rs");
    for fixture in TYPE_FIXTURES {
        generate(
            &Path::new("fixtures").join(format!("{fixture}.yaml")),
            &format!("{fixture}.rs"),
        );
    }
    generate(Path::new("fixtures/authlib-api.yaml"), "authlib_api.rs");
    generate(Path::new("fixtures/references.yaml"), "references.rs");
    // Descriptions written to become doctests: any that did would fail the
    // workspace's doctest run (`cargo test --workspace`).
    generate(Path::new("fixtures/hostile-docs.yaml"), "hostile_docs.rs");

    let corpus = Path::new("../../shared/corpus/LOCAL-petstore-oauth-test-3.0.yaml");
    println!("cargo:rerun-if-changed={}", corpus.display());
    if corpus.exists() {
        generate(corpus, "local_petstore.rs");
        println!("cargo:rustc-cfg=corpus");
    } else if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        eprintln!(
            "error: {} is missing; CI runs with ../shared beside the checkout",
            corpus.display()
        );
        std::process::exit(1);
    } else {
        println!("cargo:warning=skipped compiling the corpus client: ../shared/corpus is not beside the checkout");
    }
}
