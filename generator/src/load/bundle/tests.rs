//! Tests of bundling: split documents, names of bundled components,
//! files outside the reference root, and the errors of broken references.

use super::*;
use crate::load::load;

/// Writes `files` (relative path, text) under a fresh directory named
/// after the test and returns it.
fn tree(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("generator-bundle-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn loaded(dir: &Path) -> (Value, crate::load::Document) {
    let document = load(&dir.join("api.yaml"), &[]).unwrap_or_else(|e| panic!("{e}"));
    (serde_json::to_value(&document.api).unwrap(), document)
}

const SPLIT: &[(&str, &str)] = &[
    (
        "api.yaml",
        r"openapi: 3.0.3
info: {title: split, version: '1'}
paths:
  /pets:
    $ref: paths/pets.yaml
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - $ref: 'parameters.json#/Id'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'schemas/pet.yaml'}
components:
  schemas:
    Pet: {$ref: 'schemas/pet.yaml'}
    Error: {type: string}
",
    ),
    (
        "paths/pets.yaml",
        r"get:
  operationId: listPets
  responses:
    '200':
      description: ok
      content:
        application/json:
          schema:
            type: array
            items: {$ref: '../schemas/pet.yaml'}
    default:
      $ref: '../responses.yaml#/Failure'
",
    ),
    (
        "schemas/pet.yaml",
        r"type: object
properties:
  id: {type: integer}
  owner: {$ref: 'owner.yaml'}
  parent: {$ref: '#'}
  example: {$ref: 'owner.yaml'}
example: {$ref: 'data, not a reference'}
",
    ),
    (
        "schemas/owner.yaml",
        r"type: object
properties:
  pets: {type: array, items: {$ref: pet.yaml}}
  error: {$ref: '../api.yaml#/components/schemas/Error'}
",
    ),
    (
        "responses.yaml",
        r"Failure:
  description: failed
  content:
    application/json:
      schema: {$ref: '#/Body'}
Body:
  type: object
  properties: {message: {type: string}}
",
    ),
    (
        "parameters.json",
        r#"{"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}}"#,
    ),
];

#[test]
fn split_files_are_bundled_into_components_and_inlined() {
    let dir = tree("split", SPLIT);
    let (api, document) = loaded(&dir);
    let schemas = &api["components"]["schemas"];
    let names: Vec<&String> = schemas.as_object().unwrap().keys().collect();
    assert_eq!(names, ["Pet", "Error", "Body", "owner"]);
    // A path item is inlined; references in it point at components.
    let list = &api["paths"]["/pets"]["get"];
    assert_eq!(list["operationId"], "listPets");
    let items = &list["responses"]["200"]["content"]["application/json"]["schema"]["items"];
    assert_eq!(items["$ref"], "#/components/schemas/Pet");
    assert_eq!(
        list["responses"]["default"]["$ref"],
        "#/components/responses/Failure"
    );
    // Cycles within and across files end at components.
    let pet = &schemas["Pet"]["properties"];
    assert_eq!(pet["parent"]["$ref"], "#/components/schemas/Pet");
    assert_eq!(pet["owner"]["$ref"], "#/components/schemas/owner");
    // A property named `example` is a schema; the keyword is data.
    assert_eq!(pet["example"]["$ref"], "#/components/schemas/owner");
    assert_eq!(schemas["Pet"]["example"]["$ref"], "data, not a reference");
    let owner = &schemas["owner"]["properties"];
    assert_eq!(owner["pets"]["items"]["$ref"], "#/components/schemas/Pet");
    assert_eq!(owner["error"]["$ref"], "#/components/schemas/Error");
    let failure = &api["components"]["responses"]["Failure"];
    assert_eq!(
        failure["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Body"
    );
    let get = &api["paths"]["/pets/{id}"]["get"];
    assert_eq!(get["parameters"][0]["$ref"], "#/components/parameters/Id");
    let read: Vec<String> = document
        .files_read
        .iter()
        .map(|path| path.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    assert_eq!(
        read,
        [
            "api.yaml",
            "paths/pets.yaml",
            "schemas/pet.yaml",
            "responses.yaml",
            "parameters.json",
            "schemas/owner.yaml",
        ]
    );
}

#[test]
fn a_split_document_generates_a_client() {
    let dir = tree("split-generate", SPLIT);
    let output = crate::generate(&crate::Options::new(dir.join("api.yaml")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(output.warnings.is_empty(), "{:?}", output.warnings);
    assert!(output.code.contains("pub struct Pet {"), "{}", output.code);
    assert!(
        output.code.contains("pub struct Owner {"),
        "{}",
        output.code
    );
    assert!(
        output.code.contains("pub fn list_pets(&self)"),
        "{}",
        output.code
    );
    assert_eq!(output.files_read.len(), 6);
    let again = crate::generate(&crate::Options::new(dir.join("api.yaml"))).unwrap();
    assert_eq!(output.code, again.code);
}

#[test]
fn bundled_names_never_collide() {
    let dir = tree(
        "collide",
        &[
            (
                "api.yaml",
                r"openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Pet: {type: string}
    A: {$ref: 'a.yaml#/components/schemas/Pet'}
    Holder:
      type: object
      properties:
        x: {$ref: 'b.json#/components/schemas/Pet'}
        y: {$ref: 'c.yaml#/Pet'}
        z: {$ref: 'b.json#/components/schemas/odd%20name'}
        a: {$ref: 'a.yaml#/components/schemas/Pet'}
        s: {$ref: 'b.json#/components/schemas/with%20space'}
    Space: {$ref: 'b.json#/components/schemas/with%20space', description: kept}
",
            ),
            ("a.yaml", "components: {schemas: {Pet: {type: integer}}}\n"),
            ("c.yaml", "Pet: {type: array}\n"),
            (
                "b.json",
                r#"{"components": {"schemas": {"Pet": {"type": "boolean"}, "odd name": {"type": "number"}, "with space": {"type": "null"}}}}"#,
            ),
        ],
    );
    let (api, _) = loaded(&dir);
    let schemas = &api["components"]["schemas"];
    // An entry that only refers to another file becomes its value.
    assert_eq!(schemas["A"]["type"], "integer");
    assert_eq!(schemas["Space"]["description"], "kept");
    let holder = &schemas["Holder"]["properties"];
    assert_eq!(holder["x"]["$ref"], "#/components/schemas/Pet2");
    assert_eq!(holder["y"]["$ref"], "#/components/schemas/Pet3");
    assert_eq!(holder["z"]["$ref"], "#/components/schemas/odd_name");
    assert_eq!(holder["a"]["$ref"], "#/components/schemas/A");
    assert_eq!(holder["s"]["$ref"], "#/components/schemas/Space");
    assert_eq!(schemas["Pet"]["type"], "string");
    assert_eq!(schemas["Pet2"]["type"], "boolean");
    assert_eq!(schemas["Pet3"]["type"], "array");
    assert_eq!(schemas["odd_name"]["type"], "number");
}

#[test]
fn swagger2_documents_bundle_into_definitions() {
    let dir = tree(
        "swagger2",
        &[
            (
                "api.yaml",
                r"swagger: '2.0'
info: {title: t, version: '1'}
paths:
  /things:
    get:
      parameters:
        - $ref: 'common.yaml#/parameters/limit'
      responses:
        '200': {description: ok, schema: {$ref: 'common.yaml#/definitions/Thing'}}
",
            ),
            (
                "common.yaml",
                r"parameters:
  limit: {name: limit, in: query, type: integer}
definitions:
  Thing:
    type: object
    properties:
      next: {$ref: '#/definitions/Thing'}
",
            ),
        ],
    );
    let (api, _) = loaded(&dir);
    let thing = &api["components"]["schemas"]["Thing"];
    assert_eq!(
        thing["properties"]["next"]["$ref"],
        "#/components/schemas/Thing"
    );
    assert_eq!(
        api["components"]["parameters"]["limit"]["schema"]["type"],
        "integer"
    );
    let get = &api["paths"]["/things"]["get"];
    assert_eq!(
        get["parameters"][0]["$ref"],
        "#/components/parameters/limit"
    );
}

fn error_of(test: &str, files: &[(&str, &str)]) -> Error {
    let dir = tree(test, files);
    load(&dir.join("api.yaml"), &[]).unwrap_err()
}

fn document_error(err: &Error) -> (&Location, &str, &str) {
    match err {
        Error::Document {
            location,
            message,
            hint: Some(hint),
        } => (location, message, hint),
        other => panic!("{other:?}"),
    }
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

#[test]
fn a_reference_to_a_missing_file_names_the_file_pointer_line_and_path() {
    let api = format!("{HEAD}paths:\n  /a:\n    $ref: 'paths/missing.yaml'\n");
    let err = error_of("missing-file", &[("api.yaml", &api)]);
    let (location, message, hint) = document_error(&err);
    assert!(location.file.ends_with("api.yaml"), "{err}");
    assert_eq!(location.pointer, "/paths/~1a");
    assert_eq!(location.line, Some(4), "{err}");
    assert!(message.contains("paths/missing.yaml"), "{err}");
    assert!(message.contains("cannot be read"), "{err}");
    assert!(hint.contains("relative to the file"), "{err}");
}

#[test]
fn a_reference_to_a_missing_node_is_an_error_in_any_file() {
    let api = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      responses:\n        '200': {{$ref: '#/components/responses/Nope'}}\n  /b:\n    $ref: 'b.yaml'\n"
        );
    let b = "get:\n  responses:\n    '200':\n      description: ok\n      content:\n        application/json:\n          schema: {$ref: 'schemas.yaml#/Missing'}\n";
    let err = error_of(
        "missing-node",
        &[
            ("api.yaml", &api),
            ("b.yaml", b),
            ("schemas.yaml", "Present: {}\n"),
        ],
    );
    let Error::Many(errors) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(errors.len(), 2, "{err}");
    // In the order found: b.yaml is inlined where /b is walked, before
    // the local references are checked.
    let (location, message, hint) = document_error(&errors[0]);
    assert!(location.file.ends_with("b.yaml"), "{err}");
    assert_eq!(
        location.pointer,
        "/get/responses/200/content/application~1json/schema"
    );
    assert_eq!(location.line, Some(7), "{err}");
    assert!(message.contains("names nothing in"), "{err}");
    assert!(hint.contains("JSON pointer"), "{err}");
    let (location, message, _) = document_error(&errors[1]);
    assert!(location.file.ends_with("api.yaml"), "{err}");
    assert_eq!(location.pointer, "/paths/~1a/get/responses/200");
    assert_eq!(location.line, Some(7), "{err}");
    assert!(
        message.contains("`$ref: #/components/responses/Nope` names nothing in this document"),
        "{err}"
    );
}

#[test]
fn unrepresentable_reference_cycles_are_errors() {
    // Schemas that only refer to each other never define a type.
    let api = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n    C: {{$ref: '#/components/schemas/A'}}\n"
        );
    let err = error_of("alias-cycle", &[("api.yaml", &api)]);
    let (location, message, hint) = document_error(&err);
    assert_eq!(location.pointer, "/components/schemas/B");
    assert!(
        message
            .contains("#/components/schemas/B -> #/components/schemas/A -> #/components/schemas/B"),
        "{err}"
    );
    assert!(hint.contains("define the value"), "{err}");

    // Path items cannot live in components in 3.0: a cycle of them
    // cannot be inlined.
    let api = format!("{HEAD}paths:\n  /a:\n    $ref: 'a.yaml'\n");
    let err = error_of(
        "inline-cycle",
        &[
            ("api.yaml", &api),
            ("a.yaml", "$ref: 'b.yaml'\n"),
            ("b.yaml", "summary: b\n$ref: 'a.yaml'\n"),
        ],
    );
    let (location, message, _) = document_error(&err);
    assert!(location.file.ends_with("b.yaml"), "{err}");
    assert!(message.contains("cannot be inlined"), "{err}");
    assert!(message.contains("a.yaml# -> "), "{err}");
}

/// Every message of an error, one per problem.
fn messages(err: &Error) -> Vec<String> {
    match err {
        Error::Many(errors) => errors.iter().map(ToString::to_string).collect(),
        err => vec![err.to_string()],
    }
}

#[test]
fn references_may_not_leave_the_documents_folder() {
    let outside = tree(
        "outside",
        &[
            (
                "secret.yaml",
                "get: {operationId: hunter2, responses: {}}\n",
            ),
            ("other.yaml", "get: {operationId: hunter2, responses: {}}\n"),
        ],
    );
    let secret = outside.join("secret.yaml");
    let relative = format!(
        "../{}/secret.yaml",
        outside.file_name().unwrap().to_string_lossy()
    );
    let api = format!(
            "{HEAD}paths:\n  /a: {{$ref: '{relative}'}}\n  /b: {{$ref: '{}'}}\n  /c: {{$ref: 'inside/link.yaml'}}\n  /d: {{$ref: 'file://{}'}}\n",
            outside.join("other.yaml").display(),
            secret.display()
        );
    let dir = tree("leave", &[("api.yaml", &api), ("inside/keep.yaml", "{}\n")]);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&secret, dir.join("inside/link.yaml")).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(&secret, dir.join("inside/link.yaml")).unwrap();
    let err = load(&dir.join("api.yaml"), &[]).unwrap_err();
    let messages = messages(&err);
    let expected = if cfg!(unix) { 4 } else { 3 };
    assert_eq!(messages.len(), expected, "{messages:?}");
    for message in &messages {
        assert!(!message.contains("hunter2"), "{message}");
    }
    let outside_root = format!("outside {}", dir.canonicalize().unwrap().display());
    assert!(
        messages[0].contains("api.yaml:4: at #/paths/~1a: "),
        "{messages:?}"
    );
    assert!(messages[0].contains(&outside_root), "{messages:?}");
    assert!(messages[0].contains("--ref-root"), "{messages:?}");
    assert!(
        messages[1].contains("api.yaml:5: at #/paths/~1b: "),
        "{messages:?}"
    );
    assert!(messages[1].contains(&outside_root), "{messages:?}");
    if cfg!(unix) {
        // A symbolic link is followed before the check.
        assert!(messages[2].contains("at #/paths/~1c: "), "{messages:?}");
        assert!(messages[2].contains(&outside_root), "{messages:?}");
    }
    let last = messages.last().unwrap();
    assert!(last.contains("at #/paths/~1d: "), "{messages:?}");
    assert!(
        last.contains("is a `file:` URL, which is not followed"),
        "{messages:?}"
    );

    // The caller may widen the folder.
    let api = format!("{HEAD}paths:\n  /a: {{$ref: '{relative}'}}\n");
    let dir = tree("widened", &[("api.yaml", &api)]);
    let parent = dir.parent().unwrap();
    let document = crate::load::load_within(&dir.join("api.yaml"), &[], Some(parent))
        .unwrap_or_else(|e| panic!("{e}"));
    let api = serde_json::to_value(&document.api).unwrap();
    assert_eq!(api["paths"]["/a"]["get"]["operationId"], "hunter2");
    let err =
        crate::load::load_within(&dir.join("api.yaml"), &[], Some(&dir.join("nope"))).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid reference root: "),
        "{err}"
    );
}

#[test]
fn messages_never_show_the_text_of_a_referenced_file() {
    let api = format!(
            "{HEAD}paths:\n  /a: {{$ref: 'notes.txt'}}\n  /b: {{$ref: 'tagged.yaml'}}\n  /c: {{$ref: 'item.yaml'}}\n"
        );
    let err = error_of(
        "no-echo",
        &[
            ("api.yaml", &api),
            ("notes.txt", "the secret is swordfish\n"),
            ("tagged.yaml", "get: !!int swordfish\n"),
            (
                "item.yaml",
                "get:\n  parameters: [{name: p, in: swordfish}]\n  responses: {}\n",
            ),
        ],
    );
    let messages = messages(&err);
    assert_eq!(messages.len(), 2, "{messages:?}");
    for message in &messages {
        assert!(!message.contains("swordfish"), "{message}");
    }
    assert!(
        messages[0].contains("`$ref: notes.txt` names a string in"),
        "{messages:?}"
    );
    assert!(messages[1].contains("tagged.yaml:1:"), "{messages:?}");
    // Once the files load, a value of the wrong kind is named by its
    // place, not shown.
    let api = format!("{HEAD}paths:\n  /c: {{$ref: 'item.yaml'}}\n");
    let err = error_of(
        "no-echo-value",
        &[
            ("api.yaml", &api),
            (
                "item.yaml",
                "get:\n  parameters: [{name: p, in: swordfish}]\n  responses: {}\n",
            ),
        ],
    );
    let message = err.to_string();
    assert!(!message.contains("swordfish"), "{message}");
    assert!(
        message.contains("at #/paths/~1c/get/parameters/0"),
        "{message}"
    );
}

#[test]
fn remote_and_unparsable_files_are_refused() {
    let api = format!(
            "{HEAD}paths:\n  /a:\n    $ref: 'https://example.com/a.yaml'\n  /b:\n    $ref: 'broken.json'\n"
        );
    let err = error_of(
        "remote",
        &[("api.yaml", &api), ("broken.json", "{\"get\": }")],
    );
    let Error::Many(errors) = &err else {
        panic!("{err:?}")
    };
    let (_, message, hint) = document_error(&errors[0]);
    assert!(message.contains("remote"), "{err}");
    assert!(hint.contains("download"), "{err}");
    let Error::Syntax { file, line, .. } = &errors[1] else {
        panic!("{err:?}")
    };
    assert!(file.ends_with("broken.json"), "{err}");
    assert_eq!(*line, 1);
}

#[test]
fn remote_references_are_told_from_paths() {
    assert!(is_remote("https://example.com/a.yaml"));
    assert!(is_remote("file:/tmp/a.yaml"));
    assert!(!is_remote("C:/specs/a.yaml"));
    assert!(!is_remote("schemas/a.yaml"));
    assert!(!is_remote("../a%3Ab.yaml"));
}

#[test]
fn paths_are_normalized_lexically() {
    assert_eq!(
        normalize(Path::new("openapi/./schemas/../pet.yaml")),
        Path::new("openapi/pet.yaml")
    );
    assert_eq!(
        normalize(Path::new("../a/b.yaml")),
        Path::new("../a/b.yaml")
    );
    assert_eq!(normalize(Path::new("/x/../../y")), Path::new("/y"));
}
