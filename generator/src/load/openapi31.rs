//! OpenAPI 3.1 (and 3.2) normalised to the 3.0 model: JSON Schema 2020-12
//! keywords rewritten in every schema (type lists with `null`, `const`,
//! `examples`, numeric exclusive bounds, boolean schemas, `$ref` with
//! siblings), `mutualTLS` schemes and 3.2 device flows set aside, webhooks
//! left out with a warning, and what 3.1 made optional filled in: `paths`
//! (a document of webhooks only gives a client without operations) and an
//! operation's `responses` (an operation documenting none returns `()`, as
//! one whose responses have no content does; `send_raw` gives the response).
//! References to path items (in components or elsewhere) were inlined
//! before (see `refs`).

use serde_json::{json, Map, Value};

use super::walk::METHODS;
use super::ExtraScheme;
use crate::diagnostics::Diagnostics;
use crate::pointer;

/// Path item keys holding operations (3.2 adds `query`, which the 3.0 model
/// has no place for; it is normalised all the same).
/// Normalises the document in place and returns the security the 3.0 model
/// cannot hold.
pub(super) fn normalise(
    root: &mut Value,
    diagnostics: &Diagnostics<'_>,
) -> Vec<(String, ExtraScheme)> {
    let Some(doc) = root.as_object_mut() else {
        return Vec::new();
    };
    doc.insert("openapi".to_owned(), json!("3.0.3"));
    // Webhooks are requests the API sends, not ones a client makes.
    if let Some(webhooks) = doc.shift_remove("webhooks") {
        let count = webhooks.as_object().map_or(0, |hooks| {
            hooks.keys().filter(|key| !key.starts_with("x-")).count()
        });
        if count > 0 {
            diagnostics.warn(
                "/webhooks",
                format!("webhooks are requests the API sends, not ones a client makes; the {count} webhook(s) are not generated"),
            );
        }
    }
    // 3.1 makes `paths` optional; the 3.0 model requires it.
    if !doc.contains_key("paths") {
        doc.insert("paths".to_owned(), json!({}));
    }
    let extra = security_schemes(doc);
    let mut walker = Walker { diagnostics };
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            if !path.starts_with("x-") {
                walker.path_item(item, &pointer::join("/paths", path));
            }
        }
    }
    if let Some(Value::Object(components)) = doc.get_mut("components") {
        // Their uses were inlined with the other references.
        components.shift_remove("pathItems");
        walker.components(components);
    }
    extra
}

/// Takes out what `openapiv3` cannot hold: `mutualTLS` schemes, the
/// `deviceAuthorization` flow and `oauth2MetadataUrl`, for the model to
/// use.
fn security_schemes(doc: &mut Map<String, Value>) -> Vec<(String, ExtraScheme)> {
    let Some(Value::Object(schemes)) = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
    else {
        return Vec::new();
    };
    let mut extra = Vec::new();
    let mut mutual_tls = Vec::new();
    for (key, scheme) in schemes.iter_mut() {
        let Some(object) = scheme.as_object_mut() else {
            continue;
        };
        match object.get("type").and_then(Value::as_str) {
            Some("mutualTLS") => {
                let description = object
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                extra.push((key.clone(), ExtraScheme::MutualTls { description }));
                mutual_tls.push(key.clone());
            }
            Some("oauth2") => {
                if let Some(Value::String(url)) = object.shift_remove("oauth2MetadataUrl") {
                    extra.push((key.clone(), ExtraScheme::OAuth2Metadata { url }));
                }
                let device = object
                    .get_mut("flows")
                    .and_then(Value::as_object_mut)
                    .and_then(|flows| flows.shift_remove("deviceAuthorization"));
                if let Some(flow) = device {
                    let text =
                        |name: &str| flow.get(name).and_then(Value::as_str).map(str::to_owned);
                    let scopes = flow
                        .get("scopes")
                        .and_then(Value::as_object)
                        .map(|scopes| {
                            scopes
                                .iter()
                                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                                .collect()
                        })
                        .unwrap_or_default();
                    extra.push((
                        key.clone(),
                        ExtraScheme::DeviceAuthorization {
                            device_authorization_url: text("deviceAuthorizationUrl")
                                .unwrap_or_default(),
                            token_url: text("tokenUrl").unwrap_or_default(),
                            refresh_url: text("refreshUrl"),
                            scopes,
                        },
                    ));
                }
            }
            _ => {}
        }
    }
    schemes.retain(|key, _| !mutual_tls.contains(key));
    extra
}

/// Walks the places that hold schemas and normalises each schema.
struct Walker<'n> {
    diagnostics: &'n Diagnostics<'n>,
}

impl Walker<'_> {
    fn components(&mut self, components: &mut Map<String, Value>) {
        for (kind, entries) in components.iter_mut() {
            let Value::Object(entries) = entries else {
                continue;
            };
            for (key, entry) in entries.iter_mut() {
                let pointer = format!("/components/{kind}/{}", pointer::escape(key));
                match kind.as_str() {
                    "schemas" => self.schema(entry, &pointer),
                    "parameters" | "headers" => self.parameter(entry, &pointer),
                    "requestBodies" => self.request_body(entry, &pointer),
                    "responses" => self.response(entry, &pointer),
                    "callbacks" => self.callback(entry, &pointer),
                    _ => {}
                }
            }
        }
    }

    fn path_item(&mut self, item: &mut Value, pointer: &str) {
        let Some(item) = item.as_object_mut() else {
            return;
        };
        for (key, value) in item.iter_mut() {
            let pointer = format!("{pointer}/{key}");
            if key == "parameters" {
                self.list(value, &pointer, Self::parameter);
            } else if METHODS.contains(&key.as_str()) {
                self.operation(value, &pointer);
            }
        }
    }

    fn operation(&mut self, op: &mut Value, pointer: &str) {
        let Some(op) = op.as_object_mut() else {
            return;
        };
        // 3.1 makes `responses` optional; none documented is `{}` in 3.0.
        if !op.contains_key("responses") {
            op.insert("responses".to_owned(), json!({}));
        }
        for (key, value) in op.iter_mut() {
            let pointer = format!("{pointer}/{key}");
            match key.as_str() {
                "parameters" => self.list(value, &pointer, Self::parameter),
                "requestBody" => self.request_body(value, &pointer),
                "responses" => self.map(value, &pointer, Self::response),
                "callbacks" => self.map(value, &pointer, Self::callback),
                _ => {}
            }
        }
    }

    fn callback(&mut self, callback: &mut Value, pointer: &str) {
        if is_reference(callback) {
            return;
        }
        self.map(callback, pointer, Self::path_item);
    }

    /// A parameter or a header.
    fn parameter(&mut self, parameter: &mut Value, pointer: &str) {
        if is_reference(parameter) {
            return;
        }
        if let Some(schema) = parameter.get_mut("schema") {
            self.schema(schema, &format!("{pointer}/schema"));
        }
        if let Some(content) = parameter.get_mut("content") {
            self.content(content, &format!("{pointer}/content"));
        }
    }

    fn request_body(&mut self, body: &mut Value, pointer: &str) {
        if is_reference(body) {
            return;
        }
        if let Some(content) = body.get_mut("content") {
            self.content(content, &format!("{pointer}/content"));
        }
    }

    fn response(&mut self, response: &mut Value, pointer: &str) {
        if is_reference(response) {
            return;
        }
        if let Some(headers) = response.get_mut("headers") {
            self.map(headers, &format!("{pointer}/headers"), Self::parameter);
        }
        if let Some(content) = response.get_mut("content") {
            self.content(content, &format!("{pointer}/content"));
        }
    }

    fn content(&mut self, content: &mut Value, pointer: &str) {
        let Some(content) = content.as_object_mut() else {
            return;
        };
        for (media_type, entry) in content.iter_mut() {
            let pointer = pointer::join(pointer, media_type);
            if let Some(schema) = entry.get_mut("schema") {
                self.schema(schema, &format!("{pointer}/schema"));
            }
            if let Some(Value::Object(encodings)) = entry.get_mut("encoding") {
                for (property, encoding) in encodings.iter_mut() {
                    if let Some(headers) = encoding.get_mut("headers") {
                        let pointer =
                            format!("{pointer}/encoding/{}/headers", pointer::escape(property));
                        self.map(headers, &pointer, Self::parameter);
                    }
                }
            }
        }
    }

    fn list(&mut self, list: &mut Value, pointer: &str, each: fn(&mut Self, &mut Value, &str)) {
        if let Value::Array(list) = list {
            for (index, value) in list.iter_mut().enumerate() {
                each(self, value, &format!("{pointer}/{index}"));
            }
        }
    }

    /// Each entry of a map but its extensions.
    fn map(&mut self, map: &mut Value, pointer: &str, each: fn(&mut Self, &mut Value, &str)) {
        if let Value::Object(map) = map {
            for (key, value) in map.iter_mut() {
                if !key.starts_with("x-") {
                    each(self, value, &pointer::join(pointer, key));
                }
            }
        }
    }

    /// Normalises one schema and the schemas inside it.
    fn schema(&mut self, schema: &mut Value, pointer: &str) {
        match schema {
            Value::Bool(true) => {
                *schema = json!({});
                return;
            }
            Value::Bool(false) => {
                *schema = json!({ "not": {} });
                return;
            }
            _ => {}
        }
        let Value::Object(object) = schema else {
            return;
        };
        if object.contains_key("$ref") {
            reference_with_siblings(object);
            return;
        }
        null_branches(object);
        type_list(object);
        const_to_enum(object);
        examples_to_example(object);
        exclusive_bounds(object);
        content_encoding(object);
        if let Some(Value::Array(_)) = object.get("items") {
            self.diagnostics.warn(
                format!("{pointer}/items"),
                "`items` as a list (tuple validation) has no OpenAPI 3.0 equivalent; the items are left untyped",
            );
            object.insert("items".to_owned(), json!({}));
        }
        for (key, value) in object.iter_mut() {
            let pointer = pointer::join(pointer, key);
            match key.as_str() {
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" => {
                    if let Value::Object(map) = value {
                        for (name, schema) in map.iter_mut() {
                            self.schema(schema, &pointer::join(&pointer, name));
                        }
                    }
                }
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                    self.list(value, &pointer, Self::schema);
                }
                "items" | "not" => self.schema(value, &pointer),
                // Booleans are meaningful here in the 3.0 model too.
                "additionalProperties"
                | "contains"
                | "if"
                | "then"
                | "else"
                | "propertyNames"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "contentSchema"
                    if value.is_object() =>
                {
                    self.schema(value, &pointer);
                }
                _ => {}
            }
        }
        enum_of_constants(object);
    }
}

fn is_reference(value: &Value) -> bool {
    value.get("$ref").is_some()
}

/// A `$ref` keeps only the reference (3.0 ignores siblings), unless a sibling
/// makes it nullable: then `allOf: [$ref]` with `nullable`, the 3.0 spelling.
fn reference_with_siblings(object: &mut Map<String, Value>) {
    if object.len() == 1 {
        return;
    }
    let nullable = object.get("nullable").and_then(Value::as_bool) == Some(true)
        || match object.get("type") {
            Some(Value::String(kind)) => kind == "null",
            Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "null"),
            _ => false,
        };
    let reference = object.shift_remove("$ref").unwrap_or(Value::Null);
    let description = object.shift_remove("description");
    object.clear();
    if nullable {
        object.insert("allOf".to_owned(), json!([{ "$ref": reference }]));
        object.insert("nullable".to_owned(), json!(true));
        if let Some(description) = description {
            object.insert("description".to_owned(), description);
        }
    } else {
        object.insert("$ref".to_owned(), reference);
    }
}

/// Whether a schema only says "null".
fn is_null_schema(schema: &Value) -> bool {
    let Some(object) = schema.as_object() else {
        return false;
    };
    let says_null = match object.get("type") {
        Some(Value::String(kind)) => kind == "null",
        Some(Value::Array(kinds)) => kinds.len() == 1 && kinds[0] == "null",
        _ => object.get("const") == Some(&Value::Null) && !object.contains_key("type"),
    };
    says_null
        && object.keys().all(|k| {
            matches!(
                k.as_str(),
                "type" | "const" | "title" | "description" | "$comment"
            )
        })
}

/// `oneOf`/`anyOf` with a `{type: null}` branch: the branch removed and the
/// schema `nullable`. One remaining `$ref` becomes `allOf: [$ref]`; one
/// remaining inline schema is merged when no keyword collides.
fn null_branches(object: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = object.get_mut(key) else {
            continue;
        };
        let before = branches.len();
        branches.retain(|branch| !is_null_schema(branch));
        if branches.len() == before {
            continue;
        }
        let remaining = std::mem::take(branches);
        object.insert("nullable".to_owned(), json!(true));
        match remaining.len() {
            0 => {
                object.shift_remove(key);
            }
            1 => {
                let only = remaining.into_iter().next().unwrap_or(Value::Null);
                match only {
                    Value::Object(branch) if branch.contains_key("$ref") => {
                        object.shift_remove(key);
                        let branch =
                            json!({ "$ref": branch.get("$ref").cloned().unwrap_or(Value::Null) });
                        match object.get_mut("allOf") {
                            Some(Value::Array(all)) => all.push(branch),
                            _ => {
                                object.insert("allOf".to_owned(), json!([branch]));
                            }
                        }
                    }
                    Value::Object(branch) if !branch.keys().any(|k| object.contains_key(k)) => {
                        object.shift_remove(key);
                        for (k, v) in branch {
                            object.insert(k, v);
                        }
                    }
                    other => {
                        object.insert(key.to_owned(), json!([other]));
                    }
                }
            }
            _ => {
                object.insert(key.to_owned(), Value::Array(remaining));
            }
        }
    }
}

/// `type: [X, "null"]` to `type: X` with `nullable`; `type: "null"` to
/// `nullable`; several types to `anyOf` of each.
pub(super) fn type_list(object: &mut Map<String, Value>) {
    let nullable = match object.get("type") {
        Some(Value::String(kind)) if kind == "null" => {
            object.shift_remove("type");
            true
        }
        Some(Value::Array(kinds)) => {
            let null = kinds.iter().any(|k| k == "null");
            let rest: Vec<Value> = kinds.iter().filter(|k| *k != "null").cloned().collect();
            match rest.len() {
                0 => {
                    object.shift_remove("type");
                }
                1 => {
                    let kind = rest.into_iter().next().unwrap_or(Value::Null);
                    object.insert("type".to_owned(), kind);
                }
                _ => {
                    object.shift_remove("type");
                    if !object.contains_key("anyOf") {
                        let each: Vec<Value> = rest
                            .into_iter()
                            .map(|kind| json!({ "type": kind }))
                            .collect();
                        object.insert("anyOf".to_owned(), Value::Array(each));
                    }
                }
            }
            null
        }
        _ => false,
    };
    if nullable {
        object.insert("nullable".to_owned(), json!(true));
    }
}

/// `const: v` to `enum: [v]`.
fn const_to_enum(object: &mut Map<String, Value>) {
    if let Some(value) = object.shift_remove("const") {
        if !object.contains_key("enum") {
            object.insert("enum".to_owned(), json!([value]));
        }
    }
}

/// The first of `examples` as `example`.
fn examples_to_example(object: &mut Map<String, Value>) {
    if let Some(Value::Array(examples)) = object.shift_remove("examples") {
        if let (false, Some(first)) = (object.contains_key("example"), examples.into_iter().next())
        {
            object.insert("example".to_owned(), first);
        }
    }
}

/// Numeric `exclusiveMinimum: n` to `minimum: n, exclusiveMinimum: true`
/// (and the same for the maximum), keeping whichever bound is stricter.
pub(super) fn exclusive_bounds(object: &mut Map<String, Value>) {
    for (exclusive, bound, lower) in [
        ("exclusiveMinimum", "minimum", true),
        ("exclusiveMaximum", "maximum", false),
    ] {
        let Some(Value::Number(limit)) = object.get(exclusive).cloned() else {
            continue;
        };
        let limit_value = limit.as_f64().unwrap_or(0.0);
        let stricter = match object.get(bound).and_then(Value::as_f64) {
            Some(existing) if lower => limit_value >= existing,
            Some(existing) => limit_value <= existing,
            None => true,
        };
        if stricter {
            object.insert(bound.to_owned(), Value::Number(limit));
            object.insert(exclusive.to_owned(), json!(true));
        } else {
            object.shift_remove(exclusive);
        }
    }
}

/// `contentEncoding` and `contentMediaType` on strings to the 3.0 formats
/// `byte` and `binary`.
fn content_encoding(object: &mut Map<String, Value>) {
    let encoding = object.shift_remove("contentEncoding");
    let media_type = object.shift_remove("contentMediaType");
    let is_string = object.get("type").and_then(Value::as_str) == Some("string");
    if !is_string || object.contains_key("format") {
        return;
    }
    let format = match encoding.as_ref().and_then(Value::as_str) {
        Some("base64" | "base64url") => Some("byte"),
        Some(_) => Some("binary"),
        None => media_type.map(|_| "binary"),
    };
    if let Some(format) = format {
        object.insert("format".to_owned(), json!(format));
    }
}

/// `oneOf` (or `anyOf`) whose every branch is one constant, the 3.1 way to
/// document enum values, to an `enum` of the values.
fn enum_of_constants(object: &mut Map<String, Value>) {
    if object.contains_key("enum") {
        return;
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = object.get(key) else {
            continue;
        };
        if branches.is_empty() {
            continue;
        }
        let declared = object
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut kind = declared.clone();
        let mut values = Vec::new();
        for branch in branches {
            let Some(branch) = branch.as_object() else {
                return;
            };
            let only_constant = branch.keys().all(|k| {
                matches!(
                    k.as_str(),
                    "enum" | "type" | "title" | "description" | "deprecated" | "$comment"
                )
            });
            let Some(Value::Array(constant)) = branch.get("enum") else {
                return;
            };
            let [value] = constant.as_slice() else {
                return;
            };
            let Some(value_kind) = json_type(value) else {
                return;
            };
            if !only_constant {
                return;
            }
            let branch_kind = branch.get("type").and_then(Value::as_str);
            for expected in [kind.as_deref(), branch_kind].into_iter().flatten() {
                if !fits(expected, value_kind) {
                    return;
                }
            }
            if kind.is_none() {
                kind = Some(branch_kind.unwrap_or(value_kind).to_owned());
            }
            values.push(value.clone());
        }
        // A later constant may not fit a kind inferred from an earlier one.
        let Some(kind) = kind else {
            return;
        };
        if !values
            .iter()
            .all(|v| json_type(v).is_some_and(|t| fits(&kind, t)))
        {
            return;
        }
        object.shift_remove(key);
        if declared.is_none() {
            object.insert("type".to_owned(), json!(kind));
        }
        object.insert("enum".to_owned(), Value::Array(values));
        return;
    }
}

/// The JSON Schema type of a constant usable in an enum.
fn json_type(value: &Value) -> Option<&'static str> {
    match value {
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
        Value::Number(_) => Some("number"),
        _ => None,
    }
}

fn fits(declared: &str, value_kind: &str) -> bool {
    declared == value_kind || (declared == "number" && value_kind == "integer")
}

#[cfg(test)]
mod tests {
    use super::super::{load_json, ExtraScheme};
    use serde_json::{json, Value};

    /// Loads a 3.1 document with `schemas` as its component schemas and
    /// returns them normalised.
    fn schemas(name: &str, schemas: Value) -> Value {
        let text = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "components": {"schemas": schemas},
        });
        let (api, document) = load_json(name, &text.to_string());
        assert_eq!(api["openapi"], "3.0.3");
        assert!(document.warnings.is_empty(), "{:?}", document.warnings);
        api["components"]["schemas"].clone()
    }

    #[test]
    fn type_lists_with_null_become_nullable() {
        let out = schemas(
            "31-types.json",
            json!({
                "A": {"type": ["string", "null"], "format": "date"},
                "B": {"type": ["null", "integer"]},
                "C": {"type": "null"},
                "D": {"type": ["string", "integer"]},
            }),
        );
        assert_eq!(
            out["A"],
            json!({"nullable": true, "type": "string", "format": "date"})
        );
        assert_eq!(out["B"], json!({"nullable": true, "type": "integer"}));
        assert_eq!(out["C"], json!({"nullable": true}));
        assert_eq!(
            out["D"],
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
        );
    }

    #[test]
    fn null_branches_of_one_of_become_nullable() {
        let out = schemas(
            "31-null-branches.json",
            json!({
                "Ref": {"oneOf": [{"$ref": "#/components/schemas/Inline"}, {"type": "null"}]},
                "Inline": {"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "null"}]},
                "Many": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
            }),
        );
        assert_eq!(
            out["Ref"],
            json!({"allOf": [{"$ref": "#/components/schemas/Inline"}], "nullable": true})
        );
        assert_eq!(
            out["Inline"],
            json!({"nullable": true, "type": "object", "properties": {"a": {"type": "string"}}})
        );
        assert_eq!(
            out["Many"],
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
    }

    #[test]
    fn const_becomes_a_single_value_enum() {
        let out = schemas(
            "31-const.json",
            json!({
                "Kind": {"type": "string", "const": "pet"},
                "Level": {"oneOf": [
                    {"title": "LOW", "const": 1},
                    {"title": "HIGH", "const": 2, "description": "high"},
                ]},
                "Mixed": {"oneOf": [{"const": "a"}, {"const": 1}]},
            }),
        );
        assert_eq!(out["Kind"], json!({"type": "string", "enum": ["pet"]}));
        assert_eq!(out["Level"], json!({"type": "integer", "enum": [1, 2]}));
        assert_eq!(
            out["Mixed"],
            json!({"oneOf": [{"enum": ["a"]}, {"enum": [1]}]})
        );
    }

    #[test]
    fn examples_become_example() {
        let out = schemas(
            "31-examples.json",
            json!({
                "A": {"type": "string", "examples": ["first", "second"]},
                "B": {"type": "string", "example": "kept", "examples": ["other"]},
            }),
        );
        assert_eq!(out["A"], json!({"example": "first", "type": "string"}));
        assert_eq!(out["B"], json!({"example": "kept", "type": "string"}));
    }

    #[test]
    fn numeric_exclusive_bounds_become_boolean_ones() {
        let out = schemas(
            "31-bounds.json",
            json!({
                "A": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
                "B": {"type": "number", "minimum": 5, "exclusiveMinimum": 1},
                "C": {"type": "number", "maximum": 5, "exclusiveMaximum": 1.5},
            }),
        );
        assert_eq!(
            out["A"],
            json!({"type": "integer", "exclusiveMinimum": true, "exclusiveMaximum": true, "minimum": 0, "maximum": 10})
        );
        assert_eq!(out["B"], json!({"type": "number", "minimum": 5.0}));
        assert_eq!(
            out["C"],
            json!({"type": "number", "exclusiveMaximum": true, "maximum": 1.5})
        );
    }

    #[test]
    fn references_keep_only_the_reference_unless_nullable() {
        let out = schemas(
            "31-ref-siblings.json",
            json!({
                "T": {"type": "string"},
                "Holder": {"type": "object", "properties": {
                    "plain": {"$ref": "#/components/schemas/T", "description": "d", "type": "string"},
                    "nullable": {"$ref": "#/components/schemas/T", "type": ["string", "null"], "description": "d"},
                }},
            }),
        );
        let properties = &out["Holder"]["properties"];
        assert_eq!(
            properties["plain"],
            json!({"$ref": "#/components/schemas/T"})
        );
        assert_eq!(
            properties["nullable"],
            json!({"allOf": [{"$ref": "#/components/schemas/T"}], "nullable": true, "description": "d"})
        );
    }

    #[test]
    fn boolean_schemas_and_content_encodings() {
        let out = schemas(
            "31-booleans.json",
            json!({
                "A": {"type": "object", "properties": {"any": true, "never": false}, "additionalProperties": false},
                "B": {"type": "string", "contentEncoding": "base64"},
                "C": {"type": "string", "contentMediaType": "image/png"},
            }),
        );
        assert_eq!(
            out["A"]["properties"],
            json!({"any": {}, "never": {"not": {}}})
        );
        assert_eq!(out["A"]["additionalProperties"], false);
        assert_eq!(out["B"], json!({"type": "string", "format": "byte"}));
        assert_eq!(out["C"], json!({"type": "string", "format": "binary"}));
    }

    #[test]
    fn schemas_in_paths_are_normalised_too() {
        let text = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {
                "parameters": [{"name": "p", "in": "query", "schema": {"type": ["integer", "null"]}}],
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"const": "x"}}}},
                    "responses": {"200": {
                        "description": "ok",
                        "headers": {"X-N": {"schema": {"type": ["string", "null"]}}},
                        "content": {"application/json": {"schema": {"type": "array", "items": {"type": ["boolean", "null"]}}}},
                    }},
                },
            }},
        });
        let (api, _) = load_json("31-paths.json", &text.to_string());
        let item = &api["paths"]["/a"];
        assert_eq!(item["parameters"][0]["schema"]["nullable"], true);
        let post = &item["post"];
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["enum"],
            json!(["x"])
        );
        let response = &post["responses"]["200"];
        assert_eq!(response["headers"]["X-N"]["schema"]["type"], "string");
        assert_eq!(
            response["content"]["application/json"]["schema"]["items"],
            json!({"nullable": true, "type": "boolean"})
        );
    }

    #[test]
    fn webhooks_are_left_out_and_path_items_in_components_inlined() {
        let text = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "webhooks": {"newPet": {"post": {"responses": {"200": {"description": "ok"}}}}},
            "paths": {"/pets": {"$ref": "#/components/pathItems/Pets", "summary": "own"}},
            "components": {"pathItems": {"Pets": {
                "summary": "shared",
                "get": {"operationId": "listPets", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": ["array", "null"], "items": {"type": "string"}}}}}}},
            }}},
        });
        let (api, document) = load_json("31-webhooks.json", &text.to_string());
        assert!(api.get("webhooks").is_none());
        let item = &api["paths"]["/pets"];
        assert_eq!(item["summary"], "own");
        assert_eq!(item["get"]["operationId"], "listPets");
        let schema = &item["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(schema["nullable"], true);
        let model = crate::model::build(&document).unwrap();
        assert_eq!(model.operations.len(), 1);
    }

    #[test]
    fn webhooks_only_documents_give_a_client_without_operations() {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks:\n  newPet:\n    post:\n      requestBody: {content: {application/json: {schema: {type: object}}}}\n";
        let document = super::super::load_text("31-webhooks-only.yaml", text).unwrap();
        let model = crate::model::build(&document).unwrap();
        assert!(model.operations.is_empty());
        let warnings: Vec<String> = model.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].ends_with("31-webhooks-only.yaml:3: at #/webhooks: webhooks are requests the API sends, not ones a client makes; the 1 webhook(s) are not generated"),
            "{warnings:?}"
        );
        let code = crate::generate(&crate::Options::new(&document.source.file))
            .unwrap()
            .code;
        assert!(code.contains("pub mod builders {"), "{code}");
    }

    #[test]
    fn operations_without_responses_return_nothing() {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    delete:\n      operationId: remove\n";
        let document = super::super::load_text("31-no-responses.yaml", text).unwrap();
        assert!(document.warnings.is_empty(), "{:?}", document.warnings);
        let model = crate::model::build(&document).unwrap();
        let operation = &model.operations[0];
        assert!(matches!(
            operation.success,
            crate::model::Success::One(crate::model::Payload::Empty)
        ));
        assert!(matches!(operation.errors, crate::model::ErrorBody::None));
    }

    #[test]
    fn documents_without_paths_load() {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks: {}\n";
        let (api, _) = load_json("31-no-paths.yaml", text);
        assert_eq!(api["paths"], json!({}));
    }

    #[test]
    fn mutual_tls_and_device_flows_are_kept_aside() {
        let text = json!({
            "openapi": "3.2.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"securitySchemes": {
                "cert": {"type": "mutualTLS", "description": "client certificate"},
                "oauth": {"type": "oauth2", "oauth2MetadataUrl": "https://a/.well-known/oauth-authorization-server", "flows": {
                    "clientCredentials": {"tokenUrl": "https://a/token", "scopes": {}},
                    "deviceAuthorization": {"deviceAuthorizationUrl": "https://a/device", "tokenUrl": "https://a/token", "scopes": {"read": "r"}},
                }},
            }},
        });
        let (api, document) = load_json("32-security.json", &text.to_string());
        let schemes = api["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(schemes.keys().collect::<Vec<_>>(), ["oauth"]);
        assert!(schemes["oauth"]["flows"]["clientCredentials"].is_object());
        assert_eq!(
            document.extra_schemes,
            [
                (
                    "cert".to_owned(),
                    ExtraScheme::MutualTls {
                        description: Some("client certificate".to_owned())
                    }
                ),
                (
                    "oauth".to_owned(),
                    ExtraScheme::OAuth2Metadata {
                        url: "https://a/.well-known/oauth-authorization-server".to_owned()
                    }
                ),
                (
                    "oauth".to_owned(),
                    ExtraScheme::DeviceAuthorization {
                        device_authorization_url: "https://a/device".to_owned(),
                        token_url: "https://a/token".to_owned(),
                        refresh_url: None,
                        scopes: [("read".to_owned(), "r".to_owned())].into_iter().collect(),
                    }
                ),
            ]
        );
        // The model uses all three, so the loader does not warn of them.
        assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    }
}
