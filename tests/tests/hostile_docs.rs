//! Document text never becomes code or markup: the crate `generator crate`
//! writes for `fixtures/hostile-docs.yaml` (descriptions with every form of
//! code block, raw HTML and `javascript:` links) has no doctest, and its
//! rustdoc pages hold none of the document's tags nor its links to
//! `javascript:`, and rustdoc has no warning about it.
//!
//! The crate is built by a cargo of its own, in `target/hostile-docs/`: the
//! `cargo test` running this test holds the workspace's target directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use generator::Options;
use integration_tests::workspace_root;

/// The directory of the generated crate and its target directory.
fn work_dir() -> PathBuf {
    workspace_root().join("target").join("hostile-docs")
}

/// Writes the generated crate, with the workspace's `Cargo.lock` so that
/// it builds offline with the versions the workspace uses.
fn write_crate() -> PathBuf {
    let root = workspace_root();
    let output = generator::generate(&Options::new(root.join("tests/fixtures/hostile-docs.yaml")))
        .expect("the fixture generates");
    let dir = work_dir().join("crate");
    generator::write_crate(&dir, "hostile-docs", &root.join("runtime"), &output.code)
        .expect("the crate is written");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock is copied");
    dir
}

/// Runs `cargo <args>` on the crate at `dir`, with `rustdoc_flags`.
fn cargo(dir: &Path, args: &[&str], rustdoc_flags: &str) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(args)
        .args(["--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", work_dir().join("target"))
        .env("RUSTDOCFLAGS", rustdoc_flags)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every `.html` file under `dir`.
fn html_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the doc directory is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            html_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "html") {
            found.push(path);
        }
    }
}

#[test]
fn hostile_descriptions_give_no_doctest_and_no_markup() {
    let dir = write_crate();

    // Every code block of the fixture fails to compile, aborts, or fails as
    // a `should_panic` or `compile_fail` test would: none may be a doctest,
    // not even an ignored one.
    let test = cargo(&dir, &["test", "--doc"], "");
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(
        stdout.contains("running 0 tests")
            && stdout.contains("0 passed; 0 failed; 0 ignored")
            && !stdout.contains("running 1"),
        "doctests ran:\n{stdout}"
    );

    // rustdoc renders the documentation without a warning (bare URLs,
    // broken intra-doc links, invalid HTML tags...), denied here.
    cargo(&dir, &["doc", "--no-deps"], "-D warnings");
    let mut pages = Vec::new();
    html_files(&work_dir().join("target/doc/hostile_docs"), &mut pages);
    assert!(pages.len() > 3, "rustdoc wrote {} pages", pages.len());
    let mut shown = false;
    for page in &pages {
        let html = std::fs::read_to_string(page).expect("the page is readable");
        // The fixture's tags, as elements; rustdoc's own pages have
        // `<script` elements of their own, but none with this content.
        for tag in [
            "<script>alert(",
            "<img src=\"x\"",
            "onerror=\"hostile",
            "<iframe",
            "onclick=\"hostile",
            "<!-- hostile",
            "<div class=\"html-block\"",
            "href=\"javascript:",
            "src=\"javascript:",
        ] {
            assert!(
                !html.contains(tag),
                "{} holds `{tag}` from the document",
                page.display()
            );
        }
        // The text is shown, escaped.
        shown |= html.contains("&lt;iframe") && html.contains("&lt;script&gt;alert(");
    }
    assert!(shown, "no page shows the document's HTML as text");
}
