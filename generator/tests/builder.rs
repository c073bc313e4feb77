//! The build-script builder: overlays and split documents.

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("generator-builder-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_builder_applies_overlays_to_split_documents() {
    let dir = scratch("overlay");
    std::fs::write(
        dir.join("vendor.yaml"),
        "openapi: 3.0.3\ninfo: {title: Vendor, version: '1'}\npaths:\n  /things:\n    $ref: 'things.yaml'\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("things.yaml"),
        "get:\n  operationId: listThings\n  responses:\n    '200': {description: ok}\n",
    )
    .unwrap();
    let overlay =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/overlays/add-oauth.yaml");
    let written = generator::Generator::new()
        .spec(dir.join("vendor.yaml"))
        .overlay(&overlay)
        .out_dir(dir.join("out"))
        .generate()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written, dir.join("out/vendor.rs"));
    let code = std::fs::read_to_string(written).unwrap();
    assert!(code.contains("pub fn list_things(&self)"), "{code}");
    assert!(code.contains("pub fn client_credentials("), "{code}");

    let mut options = generator::Options::new(dir.join("vendor.yaml"));
    options.overlays.push(overlay.clone());
    let output = generator::generate(&options).unwrap();
    assert_eq!(
        output.files_read,
        [dir.join("vendor.yaml"), overlay, dir.join("things.yaml")]
    );
}
