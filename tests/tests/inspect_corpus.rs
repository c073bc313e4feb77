//! The security inferred from every corpus document, as `generator inspect
//! --format json` prints it: one snapshot per document. Each was checked by
//! hand against its document (relative token URLs of motaword, mastodon,
//! peertube, sakari and zapier; zoom's token endpoint on another host; the
//! per-flow scopes of ebay-developer-analytics; optional authentication in
//! readme-security and mastodon; AND/OR alternatives in
//! readme-security-multiple and go-swagger-compose-auth; Swagger 2.0 flows
//! of lyft, netatmo and bitbucket; lyft's scheme names with spaces;
//! discord's API key in the Authorization header).

use generator::{InspectFormat, Options};
use integration_tests::{corpus_dir, corpus_documents};

#[test]
fn every_corpus_document() {
    let Some(corpus) = corpus_dir() else { return };
    let documents = corpus_documents(&corpus);
    assert_eq!(documents.len(), 29, "the corpus README lists 29 documents");
    for document in documents {
        let name = document.file_stem().unwrap().to_string_lossy().into_owned();
        let report = generator::inspect(&Options::new(&document), InspectFormat::Json)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(format!("inspect_{name}"), report);
    }
}
