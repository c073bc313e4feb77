//! Tests of the Swagger 2.0 conversion, and of pointers mapped back to the
//! 2.0 layout.

use super::super::{load_json, load_text};
use serde_json::json;

const HEAD: &str = "swagger: '2.0'\ninfo: {title: t, version: '1'}\n";

#[test]
fn servers_from_host_base_path_and_schemes() {
    let text = format!(
        "{HEAD}host: api.example.com\nbasePath: /v1/\nschemes: [https, http]\npaths: {{}}\n"
    );
    let (api, document) = load_json("s2-servers.yaml", &text);
    assert_eq!(
        api["servers"],
        json!([{"url": "https://api.example.com/v1"}, {"url": "http://api.example.com/v1"}])
    );
    assert!(document.warnings.is_empty());

    let text = format!("{HEAD}basePath: /api\npaths: {{}}\n");
    let (api, _) = load_json("s2-servers-relative.yaml", &text);
    assert_eq!(api["servers"], json!([{"url": "/api"}]));

    let text = format!("{HEAD}host: h.example\npaths: {{}}\n");
    let (api, document) = load_json("s2-servers-no-scheme.yaml", &text);
    assert_eq!(api["servers"], json!([{"url": "https://h.example"}]));
    assert_eq!(document.warnings.len(), 1);
    assert_eq!(document.warnings[0].location.pointer, "/host");
}

#[test]
fn definitions_become_component_schemas_with_refs_rewritten() {
    let text = format!(
        "{HEAD}paths: {{}}
definitions:
  Pet:
    type: object
    discriminator: kind
    properties:
      kind: {{type: string}}
      owner: {{$ref: '#/definitions/Owner'}}
      photo: {{type: file}}
      nick: {{type: string, x-nullable: true}}
      tags: {{type: array, items: {{$ref: '#/definitions/Tag'}}}}
  Owner: {{allOf: [{{$ref: '#/definitions/Tag'}}]}}
  Tag: {{type: string}}
"
    );
    let (api, _) = load_json("s2-definitions.yaml", &text);
    let pet = &api["components"]["schemas"]["Pet"];
    assert_eq!(pet["discriminator"], json!({"propertyName": "kind"}));
    assert_eq!(
        pet["properties"]["owner"]["$ref"],
        "#/components/schemas/Owner"
    );
    assert_eq!(
        pet["properties"]["photo"],
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(pet["properties"]["nick"]["nullable"], true);
    assert_eq!(
        pet["properties"]["tags"]["items"]["$ref"],
        "#/components/schemas/Tag"
    );
    assert_eq!(
        api["components"]["schemas"]["Owner"]["allOf"][0]["$ref"],
        "#/components/schemas/Tag"
    );
}

#[test]
fn body_parameters_become_request_bodies_in_the_consumed_media_types() {
    let text = format!(
        "{HEAD}consumes: [application/json]
parameters:
  PetBody: {{name: pet, in: body, required: true, schema: {{$ref: '#/definitions/Pet'}}}}
  Limit: {{name: limit, in: query, type: integer}}
paths:
  /pets:
    post:
      parameters:
        - $ref: '#/parameters/PetBody'
        - $ref: '#/parameters/Limit'
      responses: {{'200': {{description: ok}}}}
    put:
      consumes: [application/xml, application/merge-patch+json]
      parameters:
        - {{name: pet, in: body, description: the pet, schema: {{type: object}}}}
      responses: {{'200': {{description: ok}}}}
definitions:
  Pet: {{type: object}}
"
    );
    let (api, _) = load_json("s2-body.yaml", &text);
    let post = &api["paths"]["/pets"]["post"];
    assert_eq!(
        post["parameters"],
        json!([{"$ref": "#/components/parameters/Limit"}])
    );
    assert_eq!(
        post["requestBody"],
        json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}, "required": true})
    );
    let put = &api["paths"]["/pets"]["put"];
    let content = put["requestBody"]["content"].as_object().unwrap();
    let media_types: Vec<&String> = content.keys().collect();
    assert_eq!(
        media_types,
        ["application/xml", "application/merge-patch+json"]
    );
    assert_eq!(put["requestBody"]["description"], "the pet");
    assert!(put["requestBody"].get("required").is_none());
    // Body parameters have no place among 3.0 component parameters.
    let components = api["components"]["parameters"].as_object().unwrap();
    assert_eq!(components.keys().collect::<Vec<_>>(), ["Limit"]);
    assert_eq!(components["Limit"]["schema"], json!({"type": "integer"}));
}

#[test]
fn form_parameters_become_form_bodies() {
    let text = format!(
        "{HEAD}paths:
  /login:
    parameters:
      - {{name: client, in: formData, type: string, required: true}}
    post:
      parameters:
        - {{name: user, in: formData, type: string, required: true, description: who}}
        - {{name: remember, in: formData, type: boolean}}
      responses: {{'200': {{description: ok}}}}
  /upload:
    post:
      parameters:
        - {{name: file, in: formData, type: file}}
      responses: {{'200': {{description: ok}}}}
  /typed:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {{name: a, in: formData, type: string}}
      responses: {{'200': {{description: ok}}}}
"
    );
    let (api, _) = load_json("s2-form.yaml", &text);
    let login = &api["paths"]["/login"];
    assert!(login.get("parameters").is_none(), "{login}");
    let body = &login["post"]["requestBody"];
    assert_eq!(body["required"], true);
    let schema = &body["content"]["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(schema["required"], json!(["client", "user"]));
    assert_eq!(
        schema["properties"]["user"],
        json!({"type": "string", "description": "who"})
    );
    assert_eq!(schema["properties"]["remember"], json!({"type": "boolean"}));
    let upload = &api["paths"]["/upload"]["post"]["requestBody"]["content"];
    assert_eq!(
        upload["multipart/form-data"]["schema"]["properties"]["file"],
        json!({"type": "string", "format": "binary"})
    );
    assert!(
        api["paths"]["/typed"]["post"]["requestBody"]["content"]["multipart/form-data"].is_object()
    );
}

#[test]
fn responses_take_the_produced_media_types() {
    let text = format!(
        "{HEAD}produces: [application/json, application/xml]
responses:
  NotFound: {{description: missing, schema: {{$ref: '#/definitions/Error'}}}}
paths:
  /pets:
    get:
      produces: [application/vnd.pets+json]
      responses:
        '200':
          description: ok
          headers: {{X-Rate: {{type: integer, description: left}}}}
          schema: {{type: array, items: {{type: string}}}}
          examples: {{application/vnd.pets+json: [a]}}
        '204': {{description: none}}
        '404': {{$ref: '#/responses/NotFound'}}
definitions:
  Error: {{type: object}}
"
    );
    let (api, _) = load_json("s2-responses.yaml", &text);
    let responses = &api["paths"]["/pets"]["get"]["responses"];
    assert_eq!(
        responses["200"]["content"],
        json!({"application/vnd.pets+json": {"schema": {"type": "array", "items": {"type": "string"}}, "example": ["a"]}})
    );
    assert_eq!(
        responses["200"]["headers"]["X-Rate"],
        json!({"description": "left", "schema": {"type": "integer"}, "style": "simple"})
    );
    assert!(responses["204"].get("content").is_none());
    assert_eq!(responses["404"]["$ref"], "#/components/responses/NotFound");
    let not_found = &api["components"]["responses"]["NotFound"]["content"];
    let media_types: Vec<&String> = not_found.as_object().unwrap().keys().collect();
    assert_eq!(media_types, ["application/json", "application/xml"]);
}

#[test]
fn security_definitions_become_schemes_with_flows() {
    let text = format!(
            "{HEAD}paths: {{}}
security:
  - Client Authentication: [read]
securityDefinitions:
  Client Authentication: {{type: oauth2, flow: application, tokenUrl: 'https://a/token', scopes: {{read: r}}}}
  pw: {{type: oauth2, flow: password, tokenUrl: /token, scopes: {{}}}}
  code: {{type: oauth2, flow: accessCode, authorizationUrl: 'https://a/auth', tokenUrl: 'https://a/token'}}
  imp: {{type: oauth2, flow: implicit, authorizationUrl: 'https://a/auth', scopes: {{x: y}}}}
  basic: {{type: basic, description: b}}
  key: {{type: apiKey, in: header, name: X-Key}}
"
        );
    let (api, document) = load_json("s2-security.yaml", &text);
    let schemes = &api["components"]["securitySchemes"];
    assert_eq!(
        schemes["Client Authentication"]["flows"],
        json!({"clientCredentials": {"tokenUrl": "https://a/token", "scopes": {"read": "r"}}})
    );
    assert_eq!(schemes["pw"]["flows"]["password"]["tokenUrl"], "/token");
    assert_eq!(
        schemes["code"]["flows"]["authorizationCode"],
        json!({"authorizationUrl": "https://a/auth", "tokenUrl": "https://a/token", "scopes": {}})
    );
    assert_eq!(
        schemes["imp"]["flows"]["implicit"]["scopes"],
        json!({"x": "y"})
    );
    assert_eq!(
        schemes["basic"],
        json!({"type": "http", "scheme": "basic", "description": "b"})
    );
    assert_eq!(
        schemes["key"],
        json!({"type": "apiKey", "in": "header", "name": "X-Key"})
    );
    assert_eq!(
        api["security"],
        json!([{"Client Authentication": ["read"]}])
    );
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    let model = crate::model::build(&document).unwrap();
    assert_eq!(model.schemes[0].key, "Client Authentication");
}

#[test]
fn collection_formats_become_styles() {
    let text = format!(
        "{HEAD}paths:
  /a/{{ids}}:
    get:
      parameters:
        - {{name: ids, in: path, type: array, items: {{type: integer}}}}
        - {{name: csv, in: query, type: array, items: {{type: string}}}}
        - {{name: multi, in: query, type: array, collectionFormat: multi, items: {{type: string}}}}
        - {{name: pipes, in: query, type: array, collectionFormat: pipes, items: {{type: string}}}}
        - {{name: tsv, in: query, type: array, collectionFormat: tsv, items: {{type: string}}}}
      responses: {{'200': {{description: ok}}}}
"
    );
    let (api, document) = load_json("s2-collections.yaml", &text);
    let params = api["paths"]["/a/{ids}"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let styles: Vec<(&str, &str, bool)> = params
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["style"].as_str().unwrap(),
                p["explode"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        styles,
        [
            ("ids", "simple", false),
            ("csv", "form", false),
            ("multi", "form", true),
            ("pipes", "pipeDelimited", false),
            ("tsv", "form", false),
        ]
    );
    assert_eq!(params[0]["required"], true);
    assert_eq!(
        params[0]["schema"],
        json!({"type": "array", "items": {"type": "integer"}})
    );
    assert_eq!(document.warnings.len(), 1);
    assert!(document.warnings[0]
        .location
        .pointer
        .ends_with("/4/collectionFormat"));
}

#[test]
fn errors_and_warnings_point_into_the_swagger_layout() {
    let text = format!("{HEAD}paths: {{}}\nsecurityDefinitions:\n  broken: {{type: oauth2, flow: password}}\n  bad: {{type: apiKey, in: body, name: k}}\n");
    let err = load_text("s2-errors.yaml", &text).unwrap_err();
    assert!(
        err.to_string()
            .contains("s2-errors.yaml:6: at #/securityDefinitions/bad"),
        "{err}"
    );
    let text = format!(
        "{HEAD}paths: {{}}\nsecurityDefinitions:\n  pw: {{type: oauth2, flow: password}}\n"
    );
    let (_, document) = load_json("s2-warnings.yaml", &text);
    let model = crate::model::build(&document).unwrap();
    assert!(
        model
            .warnings
            .iter()
            .any(|w| w.location.pointer == "/securityDefinitions/pw/flows"
                && w.message.contains("token URL")),
        "{:?}",
        model.warnings
    );
}
