//! Selecting operations on GitHub's document (1,223 operations): a
//! selected client has exactly the operations asked for, and exactly the
//! component types they reach, counted here independently of the
//! generator by following the document's `$ref`s.
//!
//! The document is in the corpus beside the checkout (`../shared/corpus`);
//! without it the tests are skipped with a message, except in CI
//! (`CI=true`), where they fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;

const GITHUB: &str = "LARGE-github-api.github.com-3.0.json";

/// GitHub's document, or `None` (with a message) when the corpus is not
/// beside the checkout; in CI its absence fails the test.
fn github() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(GITHUB);
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} not found: CI runs with ../shared beside the checkout",
        path.display()
    );
    eprintln!(
        "skipped: {} not found; the selection tests need the corpus beside the checkout",
        path.display()
    );
    None
}

fn generator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_generator"))
        .args(args)
        .output()
        .expect("the generator binary runs")
}

/// Runs the generator, which must succeed, and returns what it printed.
fn generate(args: &[&str]) -> String {
    let output = generator(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the module is UTF-8")
}

/// The names of the `Client` methods in a generated module: the
/// `pub fn`s of its `impl super::Client` blocks, as prettyplease lays
/// them out.
fn client_methods(code: &str) -> BTreeSet<String> {
    let mut methods = BTreeSet::new();
    let mut in_client = false;
    for line in code.lines() {
        if line == "    impl super::Client {" {
            in_client = true;
        } else if line == "    }" {
            in_client = false;
        } else if let Some(rest) = line.strip_prefix("        pub fn ").filter(|_| in_client) {
            let name = rest.split(['(', '<']).next().unwrap_or_default();
            methods.insert(name.trim_start_matches("r#").to_owned());
        }
    }
    methods
}

/// The names of the items of the generated `types` module.
fn types(code: &str) -> BTreeSet<String> {
    let start = code.find("\npub mod types {").expect("a types module");
    let module = &code[start..];
    let end = module.find("\n}\n").expect("the types module ends");
    module[..end]
        .lines()
        .filter_map(|line| {
            ["    pub struct ", "    pub enum ", "    pub type "]
                .iter()
                .find_map(|item| line.strip_prefix(item))
        })
        .map(|rest| {
            let end = rest.find([' ', '<', '(', ';']).unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .collect()
}

/// A name as the generator's naming rule makes it: the document's name
/// split at anything but ASCII letters and digits, then cased by heck.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// The operations of `document` that `keep` selects, each with its path
/// item (whose parameters it shares), in document order.
fn operations(document: &Value, keep: impl Fn(&str, &Value) -> bool) -> Vec<(&Value, &Value)> {
    const METHODS: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let paths = document["paths"].as_object().expect("paths");
    let mut selected = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(*method).filter(|op| keep(path, op)) {
                selected.push((item, operation));
            }
        }
    }
    selected
}

/// The component schemas the selected operations reach by following
/// every `$ref` in them, transitively, whatever kind of component it
/// leads to (parameters, responses, schemas): an over-approximation of
/// what a client needs, since a schema only merged into another by
/// `allOf`, or only under a media type the generator does not read, has
/// no type of its own.
fn reached_schemas(document: &Value, selected: &[(&Value, &Value)]) -> BTreeSet<String> {
    fn walk(document: &Value, node: &Value, seen: &mut BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    if seen.insert(reference.clone()) {
                        let pointer = reference.trim_start_matches('#');
                        let target = document.pointer(pointer).expect("the reference resolves");
                        walk(document, target, seen);
                    }
                    return;
                }
                for value in map.values() {
                    walk(document, value, seen);
                }
            }
            Value::Array(values) => {
                for value in values {
                    walk(document, value, seen);
                }
            }
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    for (item, operation) in selected {
        walk(document, operation, &mut seen);
        if let Some(parameters) = item.get("parameters") {
            walk(document, parameters, &mut seen);
        }
    }
    seen.iter()
        .filter_map(|r| r.strip_prefix("#/components/schemas/"))
        .map(|key| key.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Checks a selected module against the operations the document says it
/// holds: exactly their methods, and among the types named after component
/// schemas exactly those their `$ref`s reach (`exact`), or at least none
/// they do not reach.
fn check(code: &str, document: &Value, selected: &[(&Value, &Value)], exact: bool) {
    let expected_methods: BTreeSet<String> = selected
        .iter()
        .map(|(_, op)| words(op["operationId"].as_str().expect("an id")).to_snake_case())
        .collect();
    assert_eq!(client_methods(code), expected_methods);

    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    let component_type = |key: &str| words(key).to_upper_camel_case();
    let generated = types(code);
    let generated_components: BTreeSet<String> = schemas
        .keys()
        .filter(|key| generated.contains(&component_type(key)))
        .cloned()
        .collect();
    let reached = reached_schemas(document, selected);
    let unreached: Vec<&String> = generated_components.difference(&reached).collect();
    assert!(
        unreached.is_empty(),
        "types no selected operation reaches: {unreached:?}"
    );
    if exact {
        assert_eq!(generated_components, reached);
    }
    // Far from the whole: GitHub has 969 component schemas.
    assert!(
        generated_components.len() * 4 < schemas.len(),
        "{}",
        generated_components.len()
    );
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the document is readable");
    serde_json::from_str(&text).expect("the document is JSON")
}

/// `--tags licenses` gives the three licence operations (one under
/// `/repos`), and the six component schemas they reach; `--paths` and
/// `--operations` naming the same operations give the same bytes.
#[test]
fn a_tag_selects_its_operations_and_the_types_they_reach() {
    let Some(spec) = github() else { return };
    let document = read(&spec);
    let spec = spec.to_str().expect("a UTF-8 path");
    let code = generate(&["generate", spec, "--tags", "licenses"]);
    let selected = operations(&document, |_, op| {
        op["tags"]
            .as_array()
            .is_some_and(|tags| tags.iter().any(|t| t == "licenses"))
    });
    assert_eq!(selected.len(), 3);
    check(&code, &document, &selected, true);
    let generated = types(&code);
    for present in [
        "License",
        "LicenseContent",
        "NullableLicenseSimple",
        "BasicError",
    ] {
        assert!(
            generated.contains(present),
            "{present} missing: {generated:?}"
        );
    }
    for absent in ["Repository", "SimpleUser", "Issue", "FullRepository"] {
        assert!(!generated.contains(absent), "{absent} present");
    }

    // The same operations by path prefix and by id: a union, in document
    // order.
    let union = generate(&[
        "generate",
        spec,
        "--paths",
        "/licenses",
        "--operations",
        "licenses/get-for-repo",
    ]);
    assert!(union == code, "the union differs from the tag's selection");
}

/// One operation by its method name: its method alone and the types its
/// parameters and responses reach, the same bytes on every run, and through
/// the build-script builder too.
#[test]
fn one_operation_selects_only_what_it_reaches() {
    let Some(spec) = github() else { return };
    let document = read(&spec);
    let code = generate(&[
        "generate",
        spec.to_str().unwrap(),
        "--operations",
        "repos_get",
    ]);
    let selected = operations(&document, |_, op| op["operationId"] == "repos/get");
    check(&code, &document, &selected, true);
    let generated = types(&code);
    assert!(generated.contains("FullRepository"), "{generated:?}");
    assert!(!generated.contains("License"), "{generated:?}");

    let dir = std::env::temp_dir().join(format!("generator-select-{}", std::process::id()));
    let (written, output) = generator::Generator::new()
        .spec(&spec)
        .operations(["repos/get"])
        .out_dir(&dir)
        .file_name("github.rs")
        .generate_output()
        .unwrap_or_else(|e| panic!("{e}"));
    let file = std::fs::read_to_string(&written).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(file == code && output.code == code, "not byte-identical");
}

/// A whole tag as large as `repos` keeps no type its operations do not
/// reach; some it reaches by `$ref` need none of their own (merged by
/// `allOf`, or under media types the generator does not read).
#[test]
fn a_large_tag_keeps_no_unreached_type() {
    let Some(spec) = github() else { return };
    let document = read(&spec);
    let code = generate(&["generate", spec.to_str().unwrap(), "--tags", "repos"]);
    let selected = operations(&document, |_, op| {
        op["tags"]
            .as_array()
            .is_some_and(|tags| tags.iter().any(|t| t == "repos"))
    });
    assert!(selected.len() > 150, "{}", selected.len());
    check(&code, &document, &selected, false);
}

/// A misspelt selector fails with exit status 2, naming it and the
/// document's closest names.
#[test]
fn a_selector_matching_nothing_fails_with_close_names() {
    let Some(spec) = github() else { return };
    let output = generator(&[
        "inspect",
        spec.to_str().unwrap(),
        "--tags",
        "licence",
        "--paths",
        "/repositorie",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no operation has the tag `licence` (did you mean `licenses`?)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("segments `/repositorie` (did you mean `/repositories`"),
        "{stderr}"
    );
}
