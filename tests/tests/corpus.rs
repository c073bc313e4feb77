//! Every third-party document in `../shared/corpus` generates a client
//! (the `LARGE-*` ones too; compiling them is left out of the default run),
//! and an overlay adds OAuth2 to a document that has no security.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use generator::Options;
use integration_tests::{corpus_dir, corpus_documents, workspace_root};

/// The documents in the corpus directory, smallest first: workers pop the
/// largest, slowest ones first.
fn documents(corpus: &Path) -> Vec<PathBuf> {
    let mut documents = corpus_documents(corpus);
    documents.sort_by_key(|path| std::fs::metadata(path).map_or(0, |m| m.len()));
    documents
}

#[test]
fn every_corpus_document_generates() {
    let Some(corpus) = corpus_dir() else { return };
    let queue = Mutex::new(documents(&corpus));
    assert!(
        queue.lock().unwrap().len() >= 29,
        "the corpus holds 29 documents"
    );
    let failures = Mutex::new(Vec::new());
    // Generation is single-threaded; the documents are shared out over the
    // cores (the largest takes most of the run in a debug build).
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let Some(spec) = queue.lock().unwrap().pop() else {
                    return;
                };
                let name = spec.file_name().unwrap().to_string_lossy().into_owned();
                match generator::generate(&Options::new(&spec)) {
                    Ok(output) if output.code.starts_with("// @generated") => {}
                    Ok(output) => failures.lock().unwrap().push(format!(
                        "{name}: no @generated header: {:?}",
                        output.code.lines().next()
                    )),
                    Err(error) => failures.lock().unwrap().push(format!("{name}: {error}")),
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_overlay_adds_oauth2_to_a_document_without_security() {
    let Some(corpus) = corpus_dir() else { return };
    let spec = corpus.join("progenitor-sample-keeper.json");
    let overlay = workspace_root().join("examples/overlays/add-oauth.yaml");

    let plain = generator::generate(&Options::new(&spec)).unwrap();
    assert!(
        plain.code.contains("pub mod auth {}"),
        "keeper has no security"
    );

    let mut options = Options::new(&spec);
    options.overlays.push(overlay.clone());
    let output = generator::generate(&options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.files_read, [spec.clone(), overlay.clone()]);
    let code = &output.code;
    assert!(code.contains("pub mod auth {"), "{code}");
    assert!(
        code.contains("/// The `oauth` security scheme: OAuth2 (client_credentials)."),
        "{code}"
    );
    assert!(code.contains("pub enum Oauth {}"), "{code}");
    assert!(code.contains("pub fn client_credentials("), "{code}");
    assert!(
        code.contains("\"https://auth.example.com/oauth/token\""),
        "{code}"
    );

    let security = generator::inspect(&options, generator::InspectFormat::Json).unwrap();
    let security: serde_json::Value = serde_json::from_str(&security).unwrap();
    assert_eq!(
        security["schemes"][0]["flows"][0]["grant"],
        "client_credentials"
    );
    for operation in security["operations"].as_array().unwrap() {
        assert_eq!(
            operation["alternatives"],
            serde_json::json!([[{ "scheme": "oauth", "scopes": ["api"] }]]),
            "{operation}"
        );
    }
}
