//! Generates a client for every document of `../shared/corpus` except the
//! `LARGE-*` ones (see `scripts/check-large-corpus` for those) into
//! `OUT_DIR/corpus.rs`, one module per document, and into
//! `OUT_DIR/examples.rs` a test per document that round-trips the
//! document's JSON examples through the generated types. Without the corpus beside
//! the checkout the crate is empty and says so; in CI that is an error.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(corpus)");
    println!("cargo:rerun-if-env-changed=CI");
    let corpus = Path::new("../../../shared/corpus");
    println!("cargo:rerun-if-changed={}", corpus.display());
    let out_dir =
        std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let Ok(entries) = std::fs::read_dir(corpus) else {
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            eprintln!(
                "error: {} is missing; CI runs with ../shared beside the checkout",
                corpus.display()
            );
            std::process::exit(1);
        }
        println!("cargo:warning=skipped compiling the corpus clients: ../shared/corpus is not beside the checkout");
        return;
    };
    let mut documents: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with("LARGE-")
                && matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("json" | "yaml" | "yml")
                )
        })
        .collect();
    documents.sort();
    let mut modules = String::new();
    let mut examples = String::new();
    for document in &documents {
        let stem = document
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("document");
        let module: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let file_name = format!("{module}.rs");
        let output = match generator::Generator::new()
            .spec(document)
            .file_name(&file_name)
            .generate_output()
        {
            Ok((_, output)) => output,
            Err(error) => {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
        };
        let _ = writeln!(
            modules,
            "#[doc = {stem:?}]\npub mod m_{module} {{ include!(concat!(env!(\"OUT_DIR\"), \"/{file_name}\")); }}"
        );
        // A test per document that has JSON examples: each through the
        // generated types.
        let file = document
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("document");
        if output.examples.is_empty() {
            continue;
        }
        let _ = writeln!(
            examples,
            "#[test]\nfn examples_of_{module}() {{\n    #[allow(unused_imports)]\n    use crate::m_{module}::*;\n    let mut examples = crate::round_trip::Examples::new({file:?});"
        );
        for example in &output.examples {
            let _ = writeln!(
                examples,
                "    examples.check::<{}>({:?}, {:?});",
                example.rust_type,
                example.pointer,
                example.json.to_string()
            );
        }
        examples.push_str("    examples.finish();\n}\n");
    }
    for (name, text) in [("corpus.rs", modules), ("examples.rs", examples)] {
        if let Err(error) = std::fs::write(out_dir.join(name), text) {
            eprintln!("error: cannot write {name}: {error}");
            std::process::exit(1);
        }
    }
    println!("cargo:rustc-cfg=corpus");
}
