//! Tests of the keyword repairs: values of the wrong type converted or
//! left out with a warning.

use serde_json::json;

use super::super::super::load_json;

#[test]
fn keywords_of_the_wrong_type_are_converted_or_left_out() {
    // One line per defect, so each warning's line is known.
    let text = r#"openapi: 3.0.3
info: {title: t, version: 1.5, description: 5}
security: {oauth: read}
paths:
  /a/{id}:
    get:
      deprecated: "true"
      tags: pets
      parameters:
        - {name: id, in: Path, required: "TRUE", style: form, type: integer}
      responses:
        '200':
          content:
            application/json:
              schema:
                type: Object
                discriminator: kind
                properties:
                  kind: {type: string, required: true}
                  a: {type: string, pattern: 0, minLength: "5", maxLength: 2.0, enum: "a", nullable: "true", readOnly: 1}
                  b: string
                  c: {type: [integer, "null"], exclusiveMinimum: 3, maximum: "10"}
                  d: {type: array, items: [{type: string}], minItems: -1}
                  e: {allOf: {$ref: '#/components/schemas/E'}, description: [x]}
                  f: {type: string, example: {any: thing}, default: 5, required: false}
components:
  schemas:
    E: {type: number, multipleOf: "x", uniqueItems: "maybe", externalDocs: "x"}
  securitySchemes:
    oauth: {type: OAuth2, flows: {clientCredentials: {tokenUrl: /t, scopes: {read: 5, write: null}}}}
"#;
    let (api, document) = load_json("keywords.yaml", text);
    let schema = "/paths/~1a~1{id}/get/responses/200/content/application~1json/schema";
    let property = |name: &str| format!("{schema}/properties/{name}");
    let cases: Vec<(String, serde_json::Value)> = vec![
        ("/info/version".into(), json!("1.5")),
        ("/info/description".into(), json!("5")),
        ("/security".into(), json!([{"oauth": ["read"]}])),
        ("/paths/~1a~1{id}/get/deprecated".into(), json!(true)),
        ("/paths/~1a~1{id}/get/tags".into(), json!(["pets"])),
        ("/paths/~1a~1{id}/get/parameters/0/in".into(), json!("path")),
        (
            "/paths/~1a~1{id}/get/parameters/0/required".into(),
            json!(true),
        ),
        (
            "/paths/~1a~1{id}/get/parameters/0/schema".into(),
            json!({"type": "integer"}),
        ),
        (
            "/paths/~1a~1{id}/get/responses/200/description".into(),
            json!(""),
        ),
        (format!("{schema}/type"), json!("object")),
        (
            format!("{schema}/discriminator"),
            json!({"propertyName": "kind"}),
        ),
        (format!("{schema}/required"), json!(["kind"])),
        (property("a") + "/pattern", json!("0")),
        (property("a") + "/minLength", json!(5)),
        (property("a") + "/maxLength", json!(2)),
        (property("a") + "/enum", json!(["a"])),
        (property("a") + "/nullable", json!(true)),
        (property("a") + "/readOnly", json!(true)),
        (property("b"), json!({})),
        (property("c") + "/type", json!("integer")),
        (property("c") + "/nullable", json!(true)),
        (property("c") + "/minimum", json!(3)),
        (property("c") + "/exclusiveMinimum", json!(true)),
        (property("c") + "/maximum", json!(10)),
        (property("d") + "/items", json!({"type": "string"})),
        (
            property("e") + "/allOf",
            json!([{"$ref": "#/components/schemas/E"}]),
        ),
        (property("f") + "/example", json!({"any": "thing"})),
        (property("f") + "/default", json!(5)),
        (
            "/components/securitySchemes/oauth/type".into(),
            json!("oauth2"),
        ),
        (
            "/components/securitySchemes/oauth/flows/clientCredentials/scopes".into(),
            json!({"read": "5", "write": ""}),
        ),
    ];
    for (pointer, expected) in &cases {
        assert_eq!(api.pointer(pointer), Some(expected), "{pointer}");
    }
    // (The path parameter's `form` style left out, `simple` is its default.)
    let gone = [
        property("d") + "/minItems",
        property("e") + "/description",
        property("f") + "/required",
        "/components/schemas/E/multipleOf".to_owned(),
        "/components/schemas/E/uniqueItems".to_owned(),
        "/components/schemas/E/externalDocs".to_owned(),
    ];
    for pointer in &gone {
        assert_eq!(api.pointer(pointer), None, "{pointer}");
    }
    // Every repair warned at its place and line; none at the examples.
    let warned: Vec<(String, Option<usize>)> = document
        .warnings
        .iter()
        .map(|w| (w.location.pointer.clone(), w.location.line))
        .collect();
    for (pointer, line) in [
        ("/info/version".to_owned(), 2),
        ("/security".to_owned(), 3),
        ("/paths/~1a~1{id}/get/deprecated".to_owned(), 7),
        ("/paths/~1a~1{id}/get/parameters/0/style".to_owned(), 10),
        (format!("{schema}/properties/kind/required"), 19),
        (property("a") + "/minLength", 20),
        (property("b"), 21),
        (property("f") + "/required", 25),
        ("/components/schemas/E/uniqueItems".to_owned(), 28),
        ("/components/securitySchemes/oauth/type".to_owned(), 30),
    ] {
        assert!(
            warned.contains(&(pointer.clone(), Some(line))),
            "{pointer} at {line}: {warned:?}"
        );
    }
    assert!(
        !warned
            .iter()
            .any(|(pointer, _)| pointer.ends_with("/example") || pointer.ends_with("/default")),
        "{warned:?}"
    );
    // The repaired document generates.
    let model = crate::model::build(&document).unwrap();
    let id = &model.operations[0].params[0];
    assert_eq!(
        (id.wire.as_str(), id.style),
        ("id", crate::model::ParamStyle::Simple)
    );
}

#[test]
fn swagger2_repairs_point_into_the_document_as_written() {
    let text = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\ndefinitions:\n  Pet:\n    type: object\n    properties:\n      name: {type: string, minLength: '1'}\n";
    let (api, document) = load_json("keywords-20.yaml", text);
    assert_eq!(
        api["components"]["schemas"]["Pet"]["properties"]["name"]["minLength"],
        1
    );
    let warning = &document.warnings[0];
    assert_eq!(
        warning.location.pointer,
        "/definitions/Pet/properties/name/minLength"
    );
    assert_eq!(warning.location.line, Some(8));
}
