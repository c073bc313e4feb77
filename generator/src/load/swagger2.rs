//! Swagger 2.0 converted to the OpenAPI 3.0 model: servers from `host`,
//! `basePath` and `schemes`; `definitions`, `parameters` and `responses` to
//! components; `body` and `formData` parameters to request bodies;
//! `consumes` and `produces` to media types; `securityDefinitions` to
//! security schemes.

use serde_json::{json, Map, Value};

use super::refs;
use crate::diagnostics::Diagnostics;
use crate::pointer;

/// The media type assumed when a document lists none.
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// Keywords a non-body parameter (or an `items` object, or a header) shares
/// with a schema.
const SCHEMA_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// Converts a Swagger 2.0 document (an object with `swagger: "2.0"`) to an
/// OpenAPI 3.0.3 document. What cannot be converted faithfully is noted at
/// its pointer in the 2.0 document.
pub(super) fn convert(root: &Value, diagnostics: &Diagnostics<'_>) -> Value {
    let empty = Map::new();
    let doc = root.as_object().unwrap_or(&empty);
    let converter = Converter {
        root,
        consumes: media_types(doc.get("consumes")),
        produces: media_types(doc.get("produces")),
    };
    let mut out = Map::new();
    out.insert("openapi".to_owned(), json!("3.0.3"));
    copy(doc, &mut out, &["info", "externalDocs"]);
    let servers = servers(doc, diagnostics);
    if !servers.is_empty() {
        out.insert("servers".to_owned(), Value::Array(servers));
    }
    copy(doc, &mut out, &["security", "tags"]);
    let paths = match doc.get("paths") {
        Some(Value::Object(paths)) => Value::Object(converter.paths(paths, diagnostics)),
        Some(other) => other.clone(),
        None => json!({}),
    };
    out.insert("paths".to_owned(), paths);
    let components = converter.components(doc, diagnostics);
    if !components.is_empty() {
        out.insert("components".to_owned(), Value::Object(components));
    }
    copy_extensions(doc, &mut out);
    Value::Object(out)
}

struct Converter<'a> {
    root: &'a Value,
    /// The document's `consumes`, empty when absent.
    consumes: Vec<String>,
    /// The document's `produces`, empty when absent.
    produces: Vec<String>,
}

impl Converter<'_> {
    fn paths(
        &self,
        paths: &Map<String, Value>,
        diagnostics: &Diagnostics<'_>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for (path, item) in paths {
            let pointer = pointer::join("/paths", path);
            let converted = match item {
                Value::Object(item) if !path.starts_with("x-") => {
                    Value::Object(self.path_item(item, &pointer, diagnostics))
                }
                other => other.clone(),
            };
            out.insert(path.clone(), converted);
        }
        out
    }

    fn path_item(
        &self,
        item: &Map<String, Value>,
        pointer: &str,
        diagnostics: &Diagnostics<'_>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(Value::String(reference)) = item.get("$ref") {
            out.insert("$ref".to_owned(), json!(rewrite_ref(reference)));
        }
        // Body and form parameters of the path apply to each operation; the
        // others stay on the path.
        let shared = self.parameters(item.get("parameters"), &format!("{pointer}/parameters"));
        let (path_params, path_payload): (Vec<_>, Vec<_>) =
            shared.into_iter().partition(|p| p.payload.is_none());
        let path_params: Vec<Value> = path_params
            .into_iter()
            .map(|p| self.parameter(p, diagnostics))
            .collect();
        for (key, value) in item {
            if METHODS.contains(&key.as_str()) {
                let converted = match value {
                    Value::Object(op) => Value::Object(self.operation(
                        op,
                        &format!("{pointer}/{key}"),
                        &path_payload,
                        diagnostics,
                    )),
                    other => other.clone(),
                };
                out.insert(key.clone(), converted);
            } else if key == "parameters" && !path_params.is_empty() {
                out.insert(key.clone(), Value::Array(path_params.clone()));
            } else if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
        out
    }

    /// The parameters of a list, `$ref`s to body and form parameters
    /// followed so they can become request bodies.
    fn parameters<'v>(&'v self, list: Option<&'v Value>, pointer: &str) -> Vec<Param<'v>> {
        let Some(Value::Array(list)) = list else {
            return Vec::new();
        };
        list.iter()
            .enumerate()
            .map(|(index, value)| {
                let pointer = format!("{pointer}/{index}");
                let resolved = match value.get("$ref").and_then(Value::as_str) {
                    Some(reference) => refs::resolve(self.root, reference),
                    None => Some(value),
                };
                let payload = resolved
                    .and_then(|p| p.get("in"))
                    .and_then(Value::as_str)
                    .and_then(|place| match place {
                        "body" => Some(Payload::Body),
                        "formData" => Some(Payload::Form),
                        _ => None,
                    });
                let key = resolved.and_then(|p| {
                    Some((
                        p.get("name")?.as_str()?.to_owned(),
                        p.get("in")?.as_str()?.to_owned(),
                    ))
                });
                Param {
                    value: if payload.is_some() {
                        resolved.unwrap_or(value)
                    } else {
                        value
                    },
                    pointer,
                    payload,
                    key,
                }
            })
            .collect()
    }

    fn operation(
        &self,
        op: &Map<String, Value>,
        pointer: &str,
        path_payload: &[Param<'_>],
        diagnostics: &Diagnostics<'_>,
    ) -> Map<String, Value> {
        let consumes = media_types(op.get("consumes")).or(&self.consumes);
        let produces = media_types(op.get("produces")).or(&self.produces);
        let own = self.parameters(op.get("parameters"), &format!("{pointer}/parameters"));
        // The operation's payload parameters override the path's of the same name.
        let mut payload: Vec<&Param<'_>> = path_payload
            .iter()
            .filter(|p| p.key.is_none() || !own.iter().any(|o| o.key == p.key))
            .collect();
        payload.extend(own.iter().filter(|p| p.payload.is_some()));

        let mut out = Map::new();
        for (key, value) in op {
            match key.as_str() {
                "tags" | "summary" | "description" | "externalDocs" | "operationId" => {
                    out.insert(key.clone(), value.clone());
                }
                _ => {}
            }
        }
        let parameters: Vec<Value> = own
            .iter()
            .filter(|p| p.payload.is_none())
            .map(|p| self.parameter(p.clone(), diagnostics))
            .collect();
        if !parameters.is_empty() {
            out.insert("parameters".to_owned(), Value::Array(parameters));
        }
        if let Some(body) = self.request_body(&payload, &consumes, diagnostics) {
            out.insert("requestBody".to_owned(), body);
        }
        let responses = match op.get("responses") {
            Some(Value::Object(responses)) => {
                let mut converted = Map::new();
                for (status, response) in responses {
                    let value = if status.starts_with("x-") {
                        response.clone()
                    } else {
                        self.response(response, &produces)
                    };
                    converted.insert(status.clone(), value);
                }
                Value::Object(converted)
            }
            Some(other) => other.clone(),
            None => json!({}),
        };
        out.insert("responses".to_owned(), responses);
        copy(op, &mut out, &["deprecated", "security"]);
        copy_extensions(op, &mut out);
        out
    }

    /// The request body made of the `body` parameter or the `formData`
    /// parameters.
    fn request_body(
        &self,
        payload: &[&Param<'_>],
        consumes: &[String],
        diagnostics: &Diagnostics<'_>,
    ) -> Option<Value> {
        let bodies: Vec<&&Param<'_>> = payload
            .iter()
            .filter(|p| p.payload == Some(Payload::Body))
            .collect();
        let form: Vec<&&Param<'_>> = payload
            .iter()
            .filter(|p| p.payload == Some(Payload::Form))
            .collect();
        if let Some(body) = bodies.first() {
            if bodies.len() > 1 {
                diagnostics.warn(
                    &bodies[1].pointer,
                    "an operation has at most one body parameter; only the first is used",
                );
            }
            if let Some(first) = form.first() {
                diagnostics.warn(
                    &first.pointer,
                    "an operation cannot have both body and formData parameters; the form parameters are left out",
                );
            }
            let schema = body
                .value
                .get("schema")
                .map(convert_schema)
                .unwrap_or_else(|| json!({}));
            let media_types = if consumes.is_empty() {
                vec![JSON.to_owned()]
            } else {
                consumes.to_vec()
            };
            let mut content = Map::new();
            for media_type in media_types {
                content.insert(media_type, json!({ "schema": schema }));
            }
            let mut out = Map::new();
            copy_from(body.value, &mut out, &["description"]);
            out.insert("content".to_owned(), Value::Object(content));
            if body.value.get("required").and_then(Value::as_bool) == Some(true) {
                out.insert("required".to_owned(), json!(true));
            }
            if let Some(object) = body.value.as_object() {
                copy_extensions(object, &mut out);
            }
            return Some(Value::Object(out));
        }
        if form.is_empty() {
            return None;
        }
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut has_file = false;
        for param in &form {
            let Some(name) = param.value.get("name").and_then(Value::as_str) else {
                diagnostics.warn(
                    &param.pointer,
                    "a formData parameter without a name is left out",
                );
                continue;
            };
            has_file |= param.value.get("type").and_then(Value::as_str) == Some("file");
            let mut schema = parameter_schema(param.value);
            if let (Some(description), Value::Object(schema)) =
                (param.value.get("description"), &mut schema)
            {
                schema.insert("description".to_owned(), description.clone());
            }
            properties.insert(name.to_owned(), schema);
            if param.value.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(json!(name));
            }
        }
        let mut schema = Map::new();
        schema.insert("type".to_owned(), json!("object"));
        schema.insert("properties".to_owned(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".to_owned(), Value::Array(required.clone()));
        }
        let mut media_types: Vec<String> = consumes
            .iter()
            .filter(|m| {
                let essence = super::media_essence(m);
                essence == FORM || essence == MULTIPART
            })
            .cloned()
            .collect();
        if media_types.is_empty() {
            media_types.push(if has_file { MULTIPART } else { FORM }.to_owned());
        }
        let mut content = Map::new();
        for media_type in media_types {
            content.insert(media_type, json!({ "schema": schema }));
        }
        let mut out = Map::new();
        out.insert("content".to_owned(), Value::Object(content));
        if !required.is_empty() {
            out.insert("required".to_owned(), json!(true));
        }
        Some(Value::Object(out))
    }

    /// A non-body parameter, or a `$ref` to one.
    fn parameter(&self, param: Param<'_>, diagnostics: &Diagnostics<'_>) -> Value {
        let Some(object) = param.value.as_object() else {
            return param.value.clone();
        };
        if let Some(Value::String(reference)) = object.get("$ref") {
            return json!({ "$ref": rewrite_ref(reference) });
        }
        convert_parameter(object, &param.pointer, diagnostics)
    }

    fn components(
        &self,
        doc: &Map<String, Value>,
        diagnostics: &Diagnostics<'_>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(Value::Object(definitions)) = doc.get("definitions") {
            let schemas: Map<String, Value> = definitions
                .iter()
                .map(|(name, schema)| (name.clone(), convert_schema(schema)))
                .collect();
            out.insert("schemas".to_owned(), Value::Object(schemas));
        }
        if let Some(Value::Object(responses)) = doc.get("responses") {
            let responses: Map<String, Value> = responses
                .iter()
                .map(|(name, response)| (name.clone(), self.response(response, &self.produces)))
                .collect();
            out.insert("responses".to_owned(), Value::Object(responses));
        }
        if let Some(Value::Object(parameters)) = doc.get("parameters") {
            // Body and form parameters are inlined where they are used.
            let mut converted = Map::new();
            for (name, param) in parameters {
                let place = param.get("in").and_then(Value::as_str);
                if matches!(place, Some("body" | "formData")) {
                    continue;
                }
                let pointer = pointer::join("/parameters", name);
                let value = match param.as_object() {
                    Some(object) => convert_parameter(object, &pointer, diagnostics),
                    None => param.clone(),
                };
                converted.insert(name.clone(), value);
            }
            if !converted.is_empty() {
                out.insert("parameters".to_owned(), Value::Object(converted));
            }
        }
        if let Some(Value::Object(definitions)) = doc.get("securityDefinitions") {
            let schemes: Map<String, Value> = definitions
                .iter()
                .map(|(name, scheme)| {
                    let pointer = pointer::join("/securityDefinitions", name);
                    (name.clone(), security_scheme(scheme, &pointer, diagnostics))
                })
                .collect();
            out.insert("securitySchemes".to_owned(), Value::Object(schemes));
        }
        out
    }

    /// A response, or a `$ref` to one; its schema offered in each media
    /// type the operation produces.
    fn response(&self, response: &Value, produces: &[String]) -> Value {
        let Some(object) = response.as_object() else {
            return response.clone();
        };
        if let Some(Value::String(reference)) = object.get("$ref") {
            return json!({ "$ref": rewrite_ref(reference) });
        }
        let mut out = Map::new();
        out.insert(
            "description".to_owned(),
            object
                .get("description")
                .cloned()
                .unwrap_or_else(|| json!("")),
        );
        if let Some(Value::Object(headers)) = object.get("headers") {
            let headers: Map<String, Value> = headers
                .iter()
                .map(|(name, header)| (name.clone(), convert_header(header)))
                .collect();
            out.insert("headers".to_owned(), Value::Object(headers));
        }
        if let Some(schema) = object.get("schema") {
            let schema = convert_schema(schema);
            let examples = object.get("examples").and_then(Value::as_object);
            let media_types = if produces.is_empty() {
                vec![JSON.to_owned()]
            } else {
                produces.to_vec()
            };
            let mut content = Map::new();
            for media_type in media_types {
                let mut entry = Map::new();
                entry.insert("schema".to_owned(), schema.clone());
                if let Some(example) = examples.and_then(|e| e.get(&media_type)) {
                    entry.insert("example".to_owned(), example.clone());
                }
                content.insert(media_type, Value::Object(entry));
            }
            out.insert("content".to_owned(), Value::Object(content));
        }
        copy_extensions(object, &mut out);
        Value::Object(out)
    }
}

/// A parameter as listed, with what is needed to merge path and operation
/// parameters.
#[derive(Clone)]
struct Param<'v> {
    /// The parameter, or its `$ref` unless it is a body or form parameter
    /// (those are resolved).
    value: &'v Value,
    pointer: String,
    payload: Option<Payload>,
    /// Name and place, when known.
    key: Option<(String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Payload {
    Body,
    Form,
}

/// The strings of a `consumes` or `produces` list.
fn media_types(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The list, or `fallback` when it is empty.
trait OrFallback {
    fn or(self, fallback: &[String]) -> Vec<String>;
}

impl OrFallback for Vec<String> {
    fn or(self, fallback: &[String]) -> Vec<String> {
        if self.is_empty() {
            fallback.to_vec()
        } else {
            self
        }
    }
}

/// One server per scheme; a relative URL (the base path) when there is no
/// host.
fn servers(doc: &Map<String, Value>, diagnostics: &Diagnostics<'_>) -> Vec<Value> {
    let base_path = doc
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/');
    let base_path = if base_path.is_empty() || base_path.starts_with('/') {
        base_path.to_owned()
    } else {
        format!("/{base_path}")
    };
    let Some(host) = doc.get("host").and_then(Value::as_str) else {
        if base_path.is_empty() {
            return Vec::new();
        }
        return vec![json!({ "url": base_path })];
    };
    let host = host.trim_end_matches('/');
    let mut schemes: Vec<&str> = match doc.get("schemes") {
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if schemes.is_empty() {
        diagnostics.warn(
            "/host",
            "the document names a host but no `schemes`; https is assumed",
        );
        schemes.push("https");
    }
    schemes
        .into_iter()
        .map(|scheme| json!({ "url": format!("{scheme}://{host}{base_path}") }))
        .collect()
}

/// A pointer into the converted document mapped back to the 2.0 layout
/// where the node has a counterpart there: components to `definitions`,
/// `parameters`, `responses` and `securityDefinitions`. Other pointers
/// (most under `paths`) are the same in both or have no counterpart, and are
/// returned unchanged.
pub(super) fn original_pointer(pointer: &str) -> String {
    for (new, old) in [
        ("/components/schemas/", "/definitions/"),
        ("/components/parameters/", "/parameters/"),
        ("/components/responses/", "/responses/"),
        ("/components/securitySchemes/", "/securityDefinitions/"),
    ] {
        if let Some(rest) = pointer.strip_prefix(new) {
            return format!("{old}{rest}");
        }
    }
    pointer.to_owned()
}

/// `#/definitions/X`, `#/parameters/X` and `#/responses/X` (also after a
/// file name) to their place in `components`.
fn rewrite_ref(reference: &str) -> String {
    let (file, fragment) = match reference.find('#') {
        Some(index) => reference.split_at(index),
        None => return reference.to_owned(),
    };
    for (old, new) in [
        ("#/definitions/", "#/components/schemas/"),
        ("#/parameters/", "#/components/parameters/"),
        ("#/responses/", "#/components/responses/"),
    ] {
        if let Some(rest) = fragment.strip_prefix(old) {
            return format!("{file}{new}{rest}");
        }
    }
    reference.to_owned()
}

/// A 2.0 schema to a 3.0 schema: `$ref`s rewritten, `type: file` to binary
/// strings, `x-nullable` to `nullable`, a discriminator name to a
/// discriminator object.
fn convert_schema(schema: &Value) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        let converted = match key.as_str() {
            "$ref" => match value {
                Value::String(reference) => json!(rewrite_ref(reference)),
                other => other.clone(),
            },
            "type" if value.as_str() == Some("file") => {
                out.insert("type".to_owned(), json!("string"));
                out.insert("format".to_owned(), json!("binary"));
                continue;
            }
            "format" if object.get("type").and_then(Value::as_str) == Some("file") => continue,
            "x-nullable" => {
                if value.as_bool() == Some(true) && !object.contains_key("nullable") {
                    out.insert("nullable".to_owned(), json!(true));
                }
                continue;
            }
            "discriminator" => match value {
                Value::String(name) => json!({ "propertyName": name }),
                other => other.clone(),
            },
            "properties" | "definitions" | "patternProperties" => match value {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .map(|(name, schema)| (name.clone(), convert_schema(schema)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "not" | "additionalProperties" => match value {
                Value::Array(list) => Value::Array(list.iter().map(convert_schema).collect()),
                other => convert_schema(other),
            },
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(list) => Value::Array(list.iter().map(convert_schema).collect()),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    Value::Object(out)
}

/// The schema described by a non-body parameter, a header or an `items`
/// object.
fn parameter_schema(param: &Value) -> Value {
    let mut out = Map::new();
    let Some(object) = param.as_object() else {
        return Value::Object(out);
    };
    for (key, value) in object {
        if !SCHEMA_KEYWORDS.contains(&key.as_str()) {
            if key == "x-nullable" && value.as_bool() == Some(true) {
                out.insert("nullable".to_owned(), json!(true));
            }
            continue;
        }
        match key.as_str() {
            "type" if value.as_str() == Some("file") => {
                out.insert("type".to_owned(), json!("string"));
                out.insert("format".to_owned(), json!("binary"));
            }
            "format" if object.get("type").and_then(Value::as_str) == Some("file") => {}
            "items" => {
                out.insert(key.clone(), parameter_schema(value));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

fn convert_parameter(
    param: &Map<String, Value>,
    pointer: &str,
    diagnostics: &Diagnostics<'_>,
) -> Value {
    let place = param.get("in").and_then(Value::as_str).unwrap_or("");
    let mut out = Map::new();
    copy(param, &mut out, &["name", "in", "description"]);
    if place == "path" {
        out.insert("required".to_owned(), json!(true));
    } else {
        copy(param, &mut out, &["required"]);
    }
    if place == "query" {
        copy(param, &mut out, &["allowEmptyValue"]);
    }
    let is_array = param.get("type").and_then(Value::as_str) == Some("array");
    if is_array {
        let format = param
            .get("collectionFormat")
            .and_then(Value::as_str)
            .unwrap_or("csv");
        let (style, explode) = match (format, place) {
            ("csv", "query") => ("form", false),
            ("multi", "query") => ("form", true),
            ("ssv", "query") => ("spaceDelimited", false),
            ("pipes", "query") => ("pipeDelimited", false),
            ("csv", _) => ("simple", false),
            (other, _) => {
                diagnostics.warn(
                    format!("{pointer}/collectionFormat"),
                    format!("collectionFormat `{other}` has no OpenAPI 3.0 equivalent for {place} parameters; comma-separated values are used"),
                );
                if place == "query" {
                    ("form", false)
                } else {
                    ("simple", false)
                }
            }
        };
        out.insert("style".to_owned(), json!(style));
        out.insert("explode".to_owned(), json!(explode));
    }
    out.insert(
        "schema".to_owned(),
        parameter_schema(&Value::Object(param.clone())),
    );
    if let Some(example) = param.get("x-example") {
        out.insert("example".to_owned(), example.clone());
    }
    copy_extensions(param, &mut out);
    Value::Object(out)
}

fn convert_header(header: &Value) -> Value {
    let Some(object) = header.as_object() else {
        return header.clone();
    };
    let mut out = Map::new();
    copy(object, &mut out, &["description"]);
    out.insert("schema".to_owned(), parameter_schema(header));
    copy_extensions(object, &mut out);
    Value::Object(out)
}

/// `basic` to http basic, `apiKey` unchanged, `oauth2` with its one flow
/// under `flows`: `application` → clientCredentials, `password`,
/// `accessCode` → authorizationCode, `implicit`.
fn security_scheme(scheme: &Value, pointer: &str, diagnostics: &Diagnostics<'_>) -> Value {
    let Some(object) = scheme.as_object() else {
        return scheme.clone();
    };
    let mut out = Map::new();
    match object.get("type").and_then(Value::as_str) {
        Some("basic") => {
            out.insert("type".to_owned(), json!("http"));
            out.insert("scheme".to_owned(), json!("basic"));
            copy(object, &mut out, &["description"]);
        }
        Some("oauth2") => {
            out.insert("type".to_owned(), json!("oauth2"));
            copy(object, &mut out, &["description"]);
            let flow = object.get("flow").and_then(Value::as_str);
            let (name, urls): (&str, &[&str]) = match flow {
                Some("implicit") => ("implicit", &["authorizationUrl"]),
                Some("password") => ("password", &["tokenUrl"]),
                Some("application") => ("clientCredentials", &["tokenUrl"]),
                Some("accessCode") => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
                other => {
                    let message = match other {
                        Some(other) => format!("unknown OAuth2 flow `{other}`; the scheme declares no flows (expected implicit, password, application or accessCode)"),
                        None => "the OAuth2 scheme has no `flow`; the scheme declares no flows".to_owned(),
                    };
                    diagnostics.warn(format!("{pointer}/flow"), message);
                    out.insert("flows".to_owned(), json!({}));
                    copy_extensions(object, &mut out);
                    return Value::Object(out);
                }
            };
            let mut flow = Map::new();
            for url in urls {
                let value = object.get(*url).cloned().unwrap_or_else(|| {
                    // A missing token URL is reported by the security model.
                    if *url == "authorizationUrl" {
                        diagnostics
                            .warn(pointer, format!("the {name} flow has no authorizationUrl"));
                    }
                    json!("")
                });
                flow.insert((*url).to_owned(), value);
            }
            let scopes = match object.get("scopes") {
                Some(Value::Object(scopes)) => Value::Object(scopes.clone()),
                _ => json!({}),
            };
            flow.insert("scopes".to_owned(), scopes);
            let mut flows = Map::new();
            flows.insert(name.to_owned(), Value::Object(flow));
            out.insert("flows".to_owned(), Value::Object(flows));
        }
        // apiKey is the same in both versions; anything else is reported
        // when the document is read.
        _ => return scheme.clone(),
    }
    copy_extensions(object, &mut out);
    Value::Object(out)
}

fn copy(from: &Map<String, Value>, to: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(value) = from.get(*key) {
            to.insert((*key).to_owned(), value.clone());
        }
    }
}

fn copy_from(from: &Value, to: &mut Map<String, Value>, keys: &[&str]) {
    if let Some(from) = from.as_object() {
        copy(from, to, keys);
    }
}

fn copy_extensions(from: &Map<String, Value>, to: &mut Map<String, Value>) {
    for (key, value) in from {
        if key.starts_with("x-") && key != "x-nullable" && key != "x-example" {
            to.insert(key.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests;
