//! Documents that nest or chain without end must not exhaust the stack or
//! the clock: every form of a long chain of references, and nesting past
//! what the parsers accept, either generates or fails with a message naming
//! where, and none aborts the process.
//!
//! Each test runs on a test thread, whose stack (2 MiB) is a quarter of the
//! main thread's that `cargo run -p generator` and build scripts use, in the
//! unoptimised build those use: what passes here has room to spare there.

use std::path::PathBuf;

use generator::Options;
use serde_json::{json, Value};

/// How long each chain is: the 2,000, twice over.
const CHAIN: usize = 4_000;

fn scratch_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("generator-depth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    file
}

/// A document whose `S0` is the head of a chain of `CHAIN` component
/// schemas, `S{i}` made by `link(i + 1)`, used by one operation.
fn chain(name: &str, link: impl Fn(usize) -> Value) -> PathBuf {
    let mut schemas = serde_json::Map::new();
    for i in 0..CHAIN {
        schemas.insert(format!("S{i}"), link(i + 1));
    }
    schemas.insert(
        format!("S{CHAIN}"),
        json!({"type": "object", "properties": {"end": {"type": "string"}}}),
    );
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "chain", "version": "1"},
        "paths": {"/head": {"get": {
            "operationId": "head",
            "responses": {"200": {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}
            }}
        }}},
        "components": {"schemas": schemas}
    });
    scratch_file(&format!("{name}.json"), &document.to_string())
}

fn to(i: usize) -> Value {
    json!({"$ref": format!("#/components/schemas/S{i}")})
}

fn generates(file: &PathBuf) -> generator::Output {
    match generator::generate(&Options::new(file)) {
        Ok(output) => output,
        Err(error) => panic!("{}: {error}", file.display()),
    }
}

#[test]
fn an_all_of_chain_generates_and_says_where_it_stopped_merging() {
    let file = chain(
        "all-of",
        |next| json!({"allOf": [to(next)], "properties": {format!("p{next}"): {"type": "string"}}}),
    );
    let output = generates(&file);
    // The end of the chain merges into structs; its head, too deep to
    // merge, is a JSON value.
    assert!(output.code.contains(&format!("pub struct S{}", CHAIN - 1)));
    assert!(output.code.contains("pub type S0 = "));
    // Merging stops at a bounded depth, with a warning naming the pointer
    // where it did.
    let warning = output
        .warnings
        .iter()
        .find(|w| w.location.pointer == "/components/schemas/S0")
        .expect("a warning on the head of the chain");
    assert!(
        warning.message.contains("#/components/schemas/S32/allOf/0"),
        "{warning}"
    );
}

#[test]
fn property_chains_generate() {
    let output = generates(&chain(
        "properties",
        |next| json!({"type": "object", "properties": {"next": to(next)}}),
    ));
    assert!(output.code.contains(&format!("pub struct S{}", CHAIN - 1)));
}

#[test]
fn array_item_chains_generate() {
    generates(&chain(
        "items",
        |next| json!({"type": "array", "items": to(next)}),
    ));
}

#[test]
fn union_chains_generate() {
    let output = generates(&chain(
        "one-of",
        |next| json!({"oneOf": [to(next), {"type": "integer"}]}),
    ));
    assert!(output.code.contains(&format!("pub enum S{}", CHAIN - 1)));
    generates(&chain(
        "any-of-all-of",
        |next| json!({"anyOf": [{"allOf": [to(next)]}, {"type": "integer"}]}),
    ));
}

#[test]
fn reference_chains_generate() {
    generates(&chain("refs", to));
    generates(&chain(
        "maps",
        |next| json!({"type": "object", "additionalProperties": to(next)}),
    ));
    generates(&chain("not", |next| json!({"not": to(next)})));
}

/// A chain that closes on itself is a cycle of boxed fields, not a stack
/// overflow.
#[test]
fn a_long_cycle_is_boxed() {
    let file = chain("cycle", |next| {
        let next = if next == CHAIN { 0 } else { next };
        json!({"type": "object", "required": ["next"], "properties": {"next": to(next)}})
    });
    let output = generates(&file);
    assert!(
        output.code.contains("pub next: ::std::boxed::Box<S1>")
            || output.code.contains("pub next: Box<S1>"),
        "the field closing the cycle is boxed"
    );
}

/// Nesting written out in the text, past the parsers' limit, is an error
/// naming the file and line, in JSON and in YAML, and comes back promptly.
#[test]
fn deep_nesting_is_an_error_naming_the_line() {
    let depth = 50_000;
    let head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: ";
    let yaml = format!("{head}{}{}\n", "[".repeat(depth), "]".repeat(depth));
    let json = format!(
        "{{\"openapi\":\"3.0.3\",\"info\":{{\"title\":\"t\",\"version\":\"1\"}},\"paths\":{{}},\
         \"components\":{{\"schemas\":{{\"A\":{}{{}}{}}}}}}}",
        "{\"items\":".repeat(depth),
        "}".repeat(depth)
    );
    for (name, text) in [("nested.yaml", yaml), ("nested.json", json)] {
        let file = scratch_file(name, &text);
        let started = std::time::Instant::now();
        let error = generator::generate(&Options::new(&file))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(name) && (error.contains(":6:") || error.contains(":1:")),
            "{error}"
        );
        assert!(
            error.contains("nest") || error.contains("recursion"),
            "{error}"
        );
        // Not a timing target: a bound far above the few milliseconds this
        // takes, against the minutes a quadratic parse took.
        assert!(
            started.elapsed().as_secs() < 20,
            "{name} took {:?}",
            started.elapsed()
        );
    }
}
