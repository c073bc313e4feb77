//! A bounded fuzz run CI executes: small documents of every version (and a
//! few corpus documents when `../shared/corpus` is present), mutated by a
//! fixed-seed generator (keys deleted, types changed, values replaced,
//! operationIds duplicated, `$ref`s broken or made cyclic, subtrees copied,
//! text truncated, overlays with odd targets), each written to a file and
//! generated. Errors are fine; a panic is a failure, reported with the file
//! that caused it (kept under the scratch directory).
//!
//! `FUZZ_ITERATIONS=N` runs N mutations per document instead of the
//! defaults, `FUZZ_SEED=N` another sequence, and `FUZZ_CHAIN_LENGTH=N`
//! grows chains of references up to N schemas long (300 by default), for a
//! longer search; `scripts/fuzz` runs `long_run` for minutes.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use generator::Options;
use serde_json::{json, Value};

/// xorshift64*: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    /// The generator for `seed`, varied by `FUZZ_SEED` when set.
    fn new(seed: u64) -> Self {
        let vary = std::env::var("FUZZ_SEED")
            .ok()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        Rng((seed ^ vary.wrapping_mul(0x9E37_79B9_7F4A_7C15)).max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Runs per seed document: `FUZZ_ITERATIONS`, or `default`, chosen so that
/// every mutation reaches every document and the whole run stays within a
/// few seconds in a debug build.
fn iterations(default: usize) -> usize {
    std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("generator-fuzz-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every node's JSON pointer, in document order.
fn pointers(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, child) in members {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{pointer}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                pointers(child, format!("{pointer}/{index}"), out);
            }
        }
        _ => {}
    }
    out.push(pointer);
}

/// Pointers of the members whose key is `key`.
fn members_named(value: &Value, key: &str) -> Vec<String> {
    let mut all = Vec::new();
    pointers(value, String::new(), &mut all);
    let suffix = format!("/{key}");
    all.into_iter().filter(|p| p.ends_with(&suffix)).collect()
}

fn parent_and_key(pointer: &str) -> Option<(&str, String)> {
    let (parent, key) = pointer.rsplit_once('/')?;
    Some((parent, key.replace("~1", "/").replace("~0", "~")))
}

fn random_scalar(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(0),
        4 => json!(1.5e300),
        5 => json!(u64::MAX),
        6 => json!(""),
        7 => json!("#/components/schemas/Missing"),
        8 => json!("{petId}"),
        9 => json!("x-😀 \u{0} \\ \" ' /"),
        10 => json!("a".repeat(300)),
        _ => json!(["a", 1, null, {}]),
    }
}

const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "enum",
    "nullable",
    "properties",
    "additionalProperties",
    "required",
    "discriminator",
    "security",
    "securitySchemes",
    "flows",
    "tokenUrl",
    "scopes",
    "in",
    "name",
    "schema",
    "content",
    "responses",
    "parameters",
    "requestBody",
    "callbacks",
    "operationId",
    "servers",
    "x-extension",
    "const",
    "examples",
    "exclusiveMinimum",
];

const BROKEN_REFS: &[&str] = &[
    "#/nope",
    "#",
    "",
    "#/components/schemas/",
    "missing.yaml",
    "missing.yaml#/x",
    "https://example.com/api.yaml#/x",
    "#/paths/~1a~2b",
    "%zz",
    "#/components/schemas/%",
    "#/definitions/Missing",
    "fixture-part.json#/Nope",
    "fixture-part.json",
    "fixture-part.json#/Loop",
    "../../../../../../../../etc/passwd",
    "/etc/passwd#/a",
    "file:///etc/passwd",
    "https://example.com/schema.json#/Pet",
    "#/paths/~1pets~1%7BpetId%7D/get/parameters/0",
    "#/paths/~1a/get/responses/200",
    "#/paths",
];

/// Applies one random mutation to `document`.
fn mutate(document: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    pointers(document, String::new(), &mut all);
    let target = rng.pick(&all).clone();
    match rng.below(11) {
        // Delete a member or an item.
        0 => {
            if let Some((parent, key)) = parent_and_key(&target) {
                match document.pointer_mut(parent) {
                    Some(Value::Object(members)) => {
                        members.shift_remove(&key);
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(index) = key.parse::<usize>() {
                            if index < items.len() {
                                items.remove(index);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // Replace with a scalar of another type.
        1 | 2 => {
            if let Some(node) = document.pointer_mut(&target) {
                *node = random_scalar(rng);
            }
        }
        // Change the container type.
        3 => {
            if let Some(node) = document.pointer_mut(&target) {
                *node = match std::mem::take(node) {
                    Value::Object(members) => {
                        Value::Array(members.into_iter().map(|(_, v)| v).collect())
                    }
                    Value::Array(items) => Value::Object(
                        items
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (i.to_string(), v))
                            .collect(),
                    ),
                    Value::String(text) => json!({ "$ref": text }),
                    other => json!([other]),
                };
            }
        }
        // Duplicate operationIds.
        4 => {
            let ids = members_named(document, "operationId");
            if let Some(first) = ids.first() {
                let id = document.pointer(first).cloned().unwrap_or(Value::Null);
                for pointer in &ids {
                    if rng.below(2) == 0 {
                        if let Some(node) = document.pointer_mut(pointer) {
                            *node = id.clone();
                        }
                    }
                }
            }
        }
        // Break a reference, or point it at itself or at another reference.
        5 | 6 => {
            let refs = members_named(document, "$ref");
            if refs.is_empty() {
                return;
            }
            let pointer = rng.pick(&refs).clone();
            let replacement = match rng.below(3) {
                0 => (*rng.pick(BROKEN_REFS)).to_owned(),
                1 => format!("#{}", parent_and_key(&pointer).map_or("", |(p, _)| p)),
                _ => {
                    let other = rng.pick(&refs).clone();
                    format!("#{}", parent_and_key(&other).map_or("", |(p, _)| p))
                }
            };
            if let Some(node) = document.pointer_mut(&pointer) {
                *node = Value::String(replacement);
            }
        }
        // Copy a subtree over another node.
        7 => {
            let source = rng.pick(&all).clone();
            let copy = document.pointer(&source).cloned().unwrap_or(Value::Null);
            if let Some(node) = document.pointer_mut(&target) {
                *node = copy;
            }
        }
        // Point a node at the head of a long chain of component schemas,
        // each referencing the next through one keyword or another.
        9 => {
            // Short in CI's run; `scripts/fuzz` sets thousands.
            let longest = std::env::var("FUZZ_CHAIN_LENGTH")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(300);
            let length = 1 + rng.below(longest);
            let kind = rng.below(5);
            let prefix = format!("Chain{}x", rng.below(1_000));
            let link = |next: String| {
                let to = json!({ "$ref": format!("#/components/schemas/{next}") });
                match kind {
                    0 => json!({ "allOf": [to], "properties": {"p": {"type": "string"}} }),
                    1 => json!({ "type": "object", "properties": {"next": to} }),
                    2 => json!({ "type": "array", "items": to }),
                    3 => json!({ "oneOf": [to, {"type": "integer"}] }),
                    _ => to,
                }
            };
            let Some(root) = document.as_object_mut() else {
                return;
            };
            let components = root.entry("components").or_insert_with(|| json!({}));
            let Some(components) = components.as_object_mut() else {
                return;
            };
            let schemas = components.entry("schemas").or_insert_with(|| json!({}));
            let Some(schemas) = schemas.as_object_mut() else {
                return;
            };
            for i in 0..length {
                // The last one closes a cycle now and then.
                let next = if i + 1 == length && rng.below(2) == 0 {
                    0
                } else {
                    i + 1
                };
                schemas.insert(format!("{prefix}{i}"), link(format!("{prefix}{next}")));
            }
            schemas.insert(format!("{prefix}{length}"), json!({"type": "string"}));
            if let Some(Value::Object(members)) = document.pointer_mut(&target) {
                members.insert(
                    "$ref".to_owned(),
                    json!(format!("#/components/schemas/{prefix}0")),
                );
            }
        }
        // Add a keyword with an odd value to an object.
        _ => {
            let value = if rng.below(2) == 0 {
                random_scalar(rng)
            } else {
                let source = rng.pick(&all).clone();
                document.pointer(&source).cloned().unwrap_or(Value::Null)
            };
            let key = *rng.pick(KEYWORDS);
            if let Some(Value::Object(members)) = document.pointer_mut(&target) {
                members.insert(key.to_owned(), value);
            }
        }
    }
}

const TARGETS: &[&str] = &[
    "$",
    "$.info",
    "$.paths.*",
    "$.paths.*.*",
    "$..schema",
    "$..[?@.type == 'object']",
    "$.components.securitySchemes",
    "$.securityDefinitions",
    "$..*",
    "$.paths[?@.get && !@.post]",
    "$[?length(@) > 2]",
    "$..$ref",
    "$.nothing",
    "$[",
    "paths",
    "$..[0]",
    "$.paths[-1:]",
];

/// A random overlay: a few actions with targets from `TARGETS`.
fn random_overlay(rng: &mut Rng, document: &Value) -> String {
    let mut all = Vec::new();
    pointers(document, String::new(), &mut all);
    let actions: Vec<Value> = (0..=rng.below(3))
        .map(|_| {
            let target = *rng.pick(TARGETS);
            match rng.below(3) {
                0 => json!({"target": target, "remove": true}),
                1 => json!({"target": target, "update": random_scalar(rng)}),
                _ => {
                    let source = rng.pick(&all).clone();
                    let update = document.pointer(&source).cloned().unwrap_or(Value::Null);
                    json!({"target": target, "update": update})
                }
            }
        })
        .collect();
    json!({"overlay": "1.0.0", "info": {"title": "fuzz", "version": "1"}, "actions": actions})
        .to_string()
}

/// Mutates `seed` many times and generates each result; returns the files
/// that made the generator panic.
fn fuzz(name: &str, seed: &Value, dir: &Path, rng: &mut Rng, runs: usize) -> Vec<PathBuf> {
    let mut panics = Vec::new();
    for iteration in 0..runs {
        let mut document = seed.clone();
        for _ in 0..=rng.below(4) {
            mutate(&mut document, rng);
        }
        let mut text = match rng.below(4) {
            0 => serde_yaml::to_string(&document).unwrap_or_default(),
            _ => serde_json::to_string_pretty(&document).unwrap(),
        };
        if rng.below(20) == 0 {
            // Cut the text anywhere (on a character boundary).
            let mut cut = rng.below(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        let spec = dir.join(format!("{name}-{iteration}.json"));
        std::fs::write(&spec, &text).unwrap();
        let mut options = Options::new(&spec);
        if rng.below(8) == 0 {
            let overlay = dir.join(format!("{name}-{iteration}-overlay.json"));
            std::fs::write(&overlay, random_overlay(rng, &document)).unwrap();
            options.overlays.push(overlay);
        }
        let result = catch_unwind(AssertUnwindSafe(|| generator::generate(&options)));
        match result {
            Err(_) => panics.push(spec),
            Ok(_) => {
                let _ = std::fs::remove_file(&spec);
                for overlay in &options.overlays {
                    let _ = std::fs::remove_file(overlay);
                }
            }
        }
    }
    panics
}

/// A file other fixtures refer to, so that mutations reach bundling.
fn write_part(dir: &Path) {
    let part = json!({
        "Thing": {"type": "object", "properties": {
            "name": {"type": "string"},
            "next": {"$ref": "#/Thing"},
        }},
        "Loop": {"$ref": "#/Loop"},
        "Parameter": {"name": "limit", "in": "query", "schema": {"type": "integer"}},
    });
    std::fs::write(dir.join("fixture-part.json"), part.to_string()).unwrap();
}

fn fixtures() -> Vec<(&'static str, Value)> {
    let openapi30 = json!({
        "openapi": "3.0.3",
        "info": {"title": "Pets", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"oauth": ["pets:read"]}, {"key": []}],
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                        {"$ref": "fixture-part.json#/Parameter"},
                    ],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {
                            "type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}},
                        "default": {"$ref": "#/components/responses/Error"},
                    },
                },
                "post": {
                    "operationId": "createPet",
                    "security": [{"oauth": ["pets:write"]}],
                    "requestBody": {"required": true, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}},
                        "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Pet"}},
                    }},
                    "responses": {"201": {"description": "created"}},
                    "callbacks": {"onEvent": {"{$request.body#/url}": {"post": {
                        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                        "responses": {"200": {"description": "ok"}},
                    }}}},
                },
            },
            "/pets/{petId}": {
                "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {
                    "operationId": "getPet",
                    "security": [],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Pet"}}}}},
                },
            },
        },
        "components": {
            "schemas": {
                "Pet": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": {"type": "integer", "format": "int64"},
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": ["cat", "dog", "self"]},
                        "parent": {"$ref": "#/components/schemas/Pet"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "extra": {"type": "object", "additionalProperties": {"type": "number"}},
                        "owner": {"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": true},
                        "thing": {"$ref": "fixture-part.json#/Thing"},
                    },
                },
                "Owner": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "responses": {"Error": {"description": "failed", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"message": {"type": "string"}}}}}}},
            "securitySchemes": {
                "oauth": {"type": "oauth2", "flows": {
                    "clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {"pets:read": "r", "pets:write": "w"}},
                    "authorizationCode": {"authorizationUrl": "https://auth/authorize", "tokenUrl": "https://auth/token", "refreshUrl": "https://auth/refresh", "scopes": {}},
                    "password": {"tokenUrl": "https://auth/token", "scopes": {}},
                    "implicit": {"authorizationUrl": "https://auth/authorize", "scopes": {}},
                }},
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
                "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://auth/.well-known/openid-configuration"},
            },
        },
    });
    let swagger2 = json!({
        "swagger": "2.0",
        "info": {"title": "Old", "version": "1"},
        "host": "api.example.com",
        "basePath": "/v2",
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {
            "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://auth/token", "scopes": {"read": "r"}},
            "code": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://auth/a", "tokenUrl": "https://auth/token", "scopes": {}},
            "basic": {"type": "basic"},
            "key": {"type": "apiKey", "in": "query", "name": "key"},
        },
        "security": [{"app": ["read"]}],
        "parameters": {"limit": {"name": "limit", "in": "query", "type": "integer"}},
        "responses": {"NotFound": {"description": "missing", "schema": {"$ref": "#/definitions/Error"}}},
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "parameters": [{"$ref": "#/parameters/limit"}, {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "csv"}],
                    "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/Item"}}}, "404": {"$ref": "#/responses/NotFound"}},
                },
                "post": {
                    "operationId": "createItem",
                    "parameters": [{"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Item"}}],
                    "responses": {"201": {"description": "created"}},
                },
            },
            "/upload": {"post": {
                "operationId": "upload",
                "consumes": ["multipart/form-data"],
                "parameters": [{"name": "file", "in": "formData", "type": "file"}, {"name": "note", "in": "formData", "type": "string"}],
                "responses": {"200": {"description": "ok"}},
            }},
        },
        "definitions": {
            "Item": {"type": "object", "properties": {"id": {"type": "integer"}, "error": {"$ref": "#/definitions/Error"}, "part": {"$ref": "fixture-part.json#/Thing"}}},
            "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
        },
    });
    let openapi31 = json!({
        "openapi": "3.1.0",
        "info": {"title": "New", "version": "1"},
        "paths": {
            "/things/{id}": {"$ref": "#/components/pathItems/Thing"},
        },
        "webhooks": {"event": {"post": {"responses": {"200": {"description": "ok"}}}}},
        "components": {
            "pathItems": {"Thing": {"get": {
                "operationId": "getThing",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": ["string", "null"]}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing", "description": "sibling"}}}}},
            }}},
            "schemas": {"Thing": {
                "type": "object",
                "properties": {
                    "kind": {"const": "thing"},
                    "size": {"type": "number", "exclusiveMinimum": 0},
                    "tags": {"type": ["array", "null"], "items": {"type": "string"}, "examples": [["a"]]},
                    "any": true,
                },
            }},
            "securitySchemes": {
                "cert": {"type": "mutualTLS"},
                "device": {"type": "oauth2", "flows": {"deviceAuthorization": {"deviceAuthorizationUrl": "https://auth/device", "tokenUrl": "https://auth/token", "scopes": {}}}},
            },
        },
        "security": [{"cert": []}, {"device": []}],
    });
    vec![
        ("openapi30", openapi30),
        ("swagger2", swagger2),
        ("openapi31", openapi31),
    ]
}

fn assert_no_panics(panics: Vec<PathBuf>) {
    assert!(
        panics.is_empty(),
        "the generator panicked on {} documents (kept for reproduction):\n{}",
        panics.len(),
        panics
            .iter()
            .map(|p| format!("  {}", p.display()))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn fixtures_survive_mutation() {
    let dir = scratch("fixtures");
    write_part(&dir);
    let mut rng = Rng::new(0x5EED_0001);
    let mut panics = Vec::new();
    for (name, seed) in fixtures() {
        // The unmutated fixture generates.
        let spec = dir.join(format!("{name}.json"));
        std::fs::write(&spec, seed.to_string()).unwrap();
        if let Err(error) = generator::generate(&Options::new(&spec)) {
            panic!("fixture {name} does not generate: {error}");
        }
        panics.extend(fuzz(name, &seed, &dir, &mut rng, iterations(150)));
    }
    assert_no_panics(panics);
}

/// Small third-party documents from the corpus, when it is beside the
/// checkout (the corpus test fails in CI when it is not).
#[test]
fn corpus_documents_survive_mutation() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} not found", corpus.display());
        return;
    }
    let dir = scratch("corpus");
    write_part(&dir);
    let mut rng = Rng::new(0x5EED_0002);
    let mut panics = Vec::new();
    for name in [
        "readme-security-3.0.yaml",
        "readme-security-3.1.yaml",
        "go-swagger-compose-auth-2.0.yml",
        "ebay-buy-offer-EMPTY-FLOWS-3.0.json",
        "apisguru-authentiq-3.0.json",
    ] {
        let Ok(text) = std::fs::read_to_string(corpus.join(name)) else {
            eprintln!("skipped: {name} not in the corpus");
            continue;
        };
        let seed: Value = if name.ends_with(".json") {
            serde_json::from_str(&text).unwrap()
        } else {
            serde_yaml::from_str(&text).unwrap()
        };
        panics.extend(fuzz(name, &seed, &dir, &mut rng, iterations(60)));
    }
    assert_no_panics(panics);
}

/// Text that is barely a document: random bytes, random tokens.
#[test]
fn arbitrary_text_survives() {
    const PIECES: &[&str] = &[
        "openapi: 3.0.3\n",
        "swagger: '2.0'\n",
        "openapi: 3.1.0\n",
        "paths:\n",
        "  /a:\n",
        "    get:\n",
        "      responses: {}\n",
        "info: {title: t, version: '1'}\n",
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"$ref\"",
        "'#/'",
        "&anchor ",
        "*anchor",
        "<<: *anchor\n",
        "- ",
        "\n",
        "  ",
        "null",
        "~",
        "!!binary ",
        "0x1F",
        "\"\\u0000\"",
        "---\n",
        "...\n",
        "#",
        "components: {securitySchemes: {o: {type: oauth2, flows: {}}}}\n",
        "security: [{o: []}]\n",
    ];
    let dir = scratch("text");
    let mut rng = Rng::new(0x5EED_0003);
    let mut panics = Vec::new();
    for iteration in 0..iterations(2000) {
        let mut text = String::new();
        for _ in 0..rng.below(24) {
            let piece = PIECES[rng.below(PIECES.len())];
            text.push_str(piece);
        }
        let spec = dir.join(format!("text-{iteration}.yaml"));
        std::fs::write(&spec, &text).unwrap();
        let options = Options::new(&spec);
        match catch_unwind(AssertUnwindSafe(|| generator::generate(&options))) {
            Err(_) => panics.push(spec),
            Ok(_) => {
                let _ = std::fs::remove_file(&spec);
            }
        }
    }
    assert_no_panics(panics);
}

/// `scripts/fuzz`: every fixture and every corpus document but the three
/// large ones, mutated until `FUZZ_SECONDS` have passed (`FUZZ_SEED` varies
/// the sequence). Each input runs on a thread with the main thread's stack
/// (8 MiB, as `cargo run -p generator` and build scripts have) and must
/// finish within `FUZZ_INPUT_SECONDS` (default 60); the path of the input
/// being generated is kept in `current` under the scratch directory
/// (`FUZZ_DIR` when set), so that the script can name the input of an
/// abort. Prints its figures.
#[test]
#[ignore = "run for minutes by scripts/fuzz"]
fn long_run() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let input_limit = std::time::Duration::from_secs(
        std::env::var("FUZZ_INPUT_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(seconds);
    // `FUZZ_DIR` when the script names one, so that it finds `current`.
    let dir = match std::env::var_os("FUZZ_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).unwrap();
            dir
        }
        None => scratch("long"),
    };
    write_part(&dir);
    let mut seeds: Vec<(String, Value)> = fixtures()
        .into_iter()
        .map(|(name, seed)| (name.to_owned(), seed))
        .collect();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("LARGE-") || name == "README.md" {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let parsed = if name.ends_with(".json") {
            serde_json::from_str(&text).ok()
        } else {
            serde_yaml::from_str(&text).ok()
        };
        if let Some(seed) = parsed {
            seeds.push((name, seed));
        }
    }
    let mut rng = Rng::new(0x5EED_0004);
    let (mut inputs, mut panics, mut timeouts) = (0u64, Vec::new(), Vec::new());
    let mut iteration = 0u64;
    'run: while std::time::Instant::now() < deadline {
        for (name, seed) in &seeds {
            if std::time::Instant::now() >= deadline {
                break 'run;
            }
            iteration += 1;
            let mut document = seed.clone();
            for _ in 0..=rng.below(6) {
                mutate(&mut document, &mut rng);
            }
            let text = match rng.below(4) {
                0 => serde_yaml::to_string(&document).unwrap_or_default(),
                _ => serde_json::to_string_pretty(&document).unwrap(),
            };
            let spec = dir.join(format!("{name}-{iteration}.json"));
            std::fs::write(&spec, &text).unwrap();
            std::fs::write(dir.join("current"), spec.to_string_lossy().as_bytes()).unwrap();
            let mut options = Options::new(&spec);
            if rng.below(8) == 0 {
                let overlay = dir.join(format!("{name}-{iteration}-overlay.json"));
                std::fs::write(&overlay, random_overlay(&mut rng, &document)).unwrap();
                options.overlays.push(overlay);
            }
            inputs += 1;
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn(move || {
                    let result = catch_unwind(AssertUnwindSafe(|| generator::generate(&options)));
                    let _ = sender.send(result.is_ok());
                })
                .unwrap();
            match receiver.recv_timeout(input_limit) {
                Ok(true) => {
                    let _ = std::fs::remove_file(&spec);
                }
                Ok(false) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    panics.push(spec)
                }
                // The thread is left running; the input is kept.
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => timeouts.push(spec),
            }
        }
    }
    println!(
        "fuzz: generator: {inputs} inputs from {} documents, {} panics, {} timeouts, {:.0} s",
        seeds.len(),
        panics.len(),
        timeouts.len(),
        started.elapsed().as_secs_f64()
    );
    for spec in &timeouts {
        println!("  timed out: {}", spec.display());
    }
    assert!(timeouts.is_empty(), "inputs took over {input_limit:?}");
    assert_no_panics(panics);
}
