//! Keywords of the wrong JSON type, repaired before `openapiv3` reads the
//! document. Published documents carry `"pattern": 0`, `"minLength": "5"`,
//! `"deprecated": "true"`, `"enum": "a"`, `"required": true` on a property,
//! and `openapiv3` refuses the whole document for any one of them.
//!
//! One table, [`want`], says what each keyword of each object `openapiv3`
//! deserialises must be, and what objects lie inside it. A value of another
//! type is converted where its meaning is clear (a number or boolean where
//! text is expected is written out, `"true"` is a boolean, `"5"` a count,
//! one value a list of it, `required: true` on a property an entry in its
//! object's `required`) and left out otherwise, each with a warning at its
//! pointer. A few required members the 3.0 model cannot do without are
//! filled in (an operation's `responses`, a response's `description`, a
//! parameter's `schema`). Keywords the table does not name are left alone:
//! `openapiv3` ignores them or reads them as any JSON.

use serde_json::{json, Map, Number, Value};

use super::super::openapi31;
use super::super::walk::METHODS_3_0 as METHODS;
use crate::diagnostics::Diagnostics;
use crate::pointer;

/// The objects of the 3.0 model whose keywords have fixed types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Obj {
    Root,
    Info,
    Contact,
    License,
    Server,
    ServerVariable,
    Tag,
    ExternalDocs,
    Paths,
    PathItem,
    Operation,
    Parameter,
    Header,
    RequestBody,
    MediaType,
    Encoding,
    Responses,
    Response,
    Example,
    Link,
    Callback,
    Components,
    Schema,
    Discriminator,
    SecurityScheme,
    Flows,
    Flow,
}

impl Obj {
    /// Whether a Reference Object may stand for it: `openapiv3` then reads
    /// the `$ref` and nothing else.
    fn may_refer(self) -> bool {
        use Obj::*;
        matches!(
            self,
            PathItem
                | Parameter
                | Header
                | RequestBody
                | Response
                | Example
                | Link
                | Callback
                | Schema
                | SecurityScheme
        )
    }
}

/// What a keyword's value must be.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// Anything (`example`, `default`).
    Any,
    /// A string; a number or boolean is written out.
    Text,
    /// A boolean; `"true"`, `"false"`, 1 and 0 are read as one.
    Bool,
    /// A non-negative integer; a string of digits or a whole float is read
    /// as one.
    Count,
    /// A number; a string holding one is read as it.
    Number,
    /// A list of strings; one string is a list of it.
    Texts,
    /// A list; one value is a list of it.
    List,
    /// An object of strings (OAuth2 scopes, discriminator mappings).
    TextMap,
    /// An object of anything.
    AnyMap,
    /// One of these names, in any case; another is left out.
    Name(&'static [&'static str]),
    /// One of these names, in any case; another is left for `openapiv3` to
    /// report, since the object means nothing without it (`in`, `type`).
    Tag(&'static [&'static str]),
    /// Security requirements: a list of objects of scope lists.
    Requirements,
    /// An object of this kind.
    Node(Obj),
    /// An object of objects of this kind.
    Map(Obj),
    /// A list of objects of this kind; one object is a list of it.
    Seq(Obj),
    /// A schema or a boolean (`additionalProperties`).
    SchemaOrBool,
}

impl Want {
    /// The type it asks for, in a message.
    fn describe(self) -> &'static str {
        match self {
            Want::Any => "any value",
            Want::Text => "a string",
            Want::Bool => "a boolean",
            Want::Count => "a non-negative integer",
            Want::Number => "a number",
            Want::Texts => "a list of strings",
            Want::List => "a list",
            Want::TextMap => "an object of strings",
            Want::AnyMap | Want::Map(_) => "an object",
            Want::Name(_) | Want::Tag(_) => "one of the names OpenAPI defines",
            Want::Requirements => "a list of security requirements",
            Want::Node(Obj::Schema) | Want::SchemaOrBool => "a schema object",
            Want::Node(_) => "an object",
            Want::Seq(_) => "a list of objects",
        }
    }
}

/// The table: what the keyword `key` of an object of kind `obj` must be;
/// `None` for keywords `openapiv3` ignores or reads as any JSON.
fn want(obj: Obj, key: &str) -> Option<Want> {
    use Obj::*;
    use Want::{
        Any, AnyMap, Bool, Count, List, Map, Name, Node, Number, Requirements, SchemaOrBool, Seq,
        Tag, Text, TextMap, Texts,
    };
    let want = match (obj, key) {
        (Root, "openapi") => Text,
        (Root, "info") => Node(Info),
        (Root, "paths") => Node(Paths),
        (Root, "components") => Node(Components),
        (Root, "tags") => Seq(Obj::Tag),
        (Root | Operation, "security") => Requirements,
        (Root | PathItem | Operation, "servers") => Seq(Server),
        (Root | Operation | Obj::Tag | Schema, "externalDocs") => Node(ExternalDocs),
        (Info, "title" | "termsOfService" | "version") => Text,
        (Info, "contact") => Node(Contact),
        (Info, "license") => Node(License),
        (Contact, "name" | "url" | "email") => Text,
        (License | Obj::Tag, "name") => Text,
        (License | ExternalDocs, "url") => Text,
        (Server, "url") => Text,
        (Server, "variables") => Map(ServerVariable),
        (ServerVariable, "enum") => Texts,
        (ServerVariable, "default") => Text,
        (Paths, path) if path.starts_with('/') => Node(PathItem),
        (Callback, _) => Node(PathItem),
        (PathItem | Operation, "summary") => Text,
        (PathItem, method) if METHODS.contains(&method) => Node(Operation),
        (PathItem | Operation, "parameters") => Seq(Parameter),
        (Operation, "tags") => Texts,
        (Operation, "operationId") => Text,
        (Operation, "requestBody") => Node(RequestBody),
        (Operation, "responses") => Node(Responses),
        (Operation, "callbacks") => Map(Callback),
        (Responses, status) if !status.starts_with("x-") => Node(Response),
        (Parameter, "name") => Text,
        (Parameter, "in") => Tag(&["query", "header", "path", "cookie"]),
        // A parameter's `style` depends on its `in`: see `parameter_style`.
        (Parameter | Header | RequestBody, "required") => Bool,
        (Parameter, "allowEmptyValue" | "allowReserved") => Bool,
        (Parameter | Encoding, "explode") => Bool,
        (Header, "style") => Name(&["simple"]),
        (Parameter | Header | MediaType, "schema") => Node(Schema),
        (Parameter | Header | MediaType | Schema, "example") => Any,
        (Parameter | Header | MediaType, "examples") => Map(Example),
        (Parameter | Header | RequestBody | Response, "content") => Map(MediaType),
        (MediaType, "encoding") => Map(Encoding),
        (Encoding, "contentType") => Text,
        (Encoding, "style") => Name(&["form", "spaceDelimited", "pipeDelimited", "deepObject"]),
        (Encoding, "allowReserved") => Bool,
        (Encoding | Response, "headers") => Map(Header),
        (Response, "links") => Map(Link),
        (Example, "summary" | "externalValue") => Text,
        (Example, "value") => Any,
        (Link, "operationRef" | "operationId") => Text,
        (Link, "parameters") => AnyMap,
        (Link, "server") => Node(Server),
        (Components, "schemas") => Map(Schema),
        (Components, "responses") => Map(Response),
        (Components, "parameters") => Map(Parameter),
        (Components, "examples") => Map(Example),
        (Components, "requestBodies") => Map(RequestBody),
        (Components, "headers") => Map(Header),
        (Components, "securitySchemes") => Map(SecurityScheme),
        (Components, "links") => Map(Link),
        (Components, "callbacks") => Map(Callback),
        (Operation | Parameter | Header | Schema, "deprecated") => Bool,
        (
            Info
            | Server
            | ServerVariable
            | Obj::Tag
            | ExternalDocs
            | PathItem
            | Operation
            | Parameter
            | Header
            | RequestBody
            | Response
            | Example
            | Link
            | Schema
            | SecurityScheme,
            "description",
        ) => Text,
        (Schema, "title" | "pattern" | "format") => Text,
        (
            Schema,
            "nullable" | "readOnly" | "writeOnly" | "uniqueItems" | "exclusiveMinimum"
            | "exclusiveMaximum",
        ) => Bool,
        (Schema, "minimum" | "maximum" | "multipleOf") => Number,
        (
            Schema,
            "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" | "maxProperties",
        ) => Count,
        (Schema, "required") => Texts,
        (Schema, "enum") => List,
        (Schema, "default") => Any,
        (Schema, "discriminator") => Node(Discriminator),
        (Schema, "properties") => Map(Schema),
        (Schema, "items" | "not") => Node(Schema),
        (Schema, "allOf" | "oneOf" | "anyOf") => Seq(Schema),
        (Schema, "additionalProperties") => SchemaOrBool,
        (Discriminator, "propertyName") => Text,
        (Discriminator, "mapping") => TextMap,
        (SecurityScheme, "type") => Tag(&["apiKey", "http", "oauth2", "openIdConnect"]),
        (SecurityScheme, "in") => Tag(&["query", "header", "cookie"]),
        (SecurityScheme, "name" | "scheme" | "bearerFormat" | "openIdConnectUrl") => Text,
        (SecurityScheme, "flows") => Node(Flows),
        (Flows, "implicit" | "password" | "clientCredentials" | "authorizationCode") => Node(Flow),
        (Flow, "authorizationUrl" | "tokenUrl" | "refreshUrl") => Text,
        (Flow, "scopes") => TextMap,
        _ => return None,
    };
    Some(want)
}

/// Whether the 3.0 model cannot do without the keyword `key` of an object
/// of kind `obj`: one of the wrong type is not left out, so the error names
/// it rather than its absence.
fn is_required(obj: Obj, key: &str) -> bool {
    use Obj::*;
    matches!(
        (obj, key),
        (Root, "openapi" | "info" | "paths")
            | (Info, "title" | "version")
            | (License | Tag | Parameter, "name")
            | (Server, "url")
            | (ServerVariable, "default")
            | (ExternalDocs, "url")
            | (Operation, "responses")
            | (Parameter, "in")
            | (Response, "description")
            | (Discriminator, "propertyName")
            | (
                SecurityScheme,
                "type" | "in" | "name" | "scheme" | "flows" | "openIdConnectUrl"
            )
            | (Flow, "authorizationUrl" | "tokenUrl" | "scopes")
    )
}

/// The styles a parameter in `location` may have.
fn parameter_styles(location: &str) -> &'static [&'static str] {
    match location {
        "path" => &["matrix", "label", "simple"],
        "query" => &["form", "spaceDelimited", "pipeDelimited", "deepObject"],
        "header" => &["simple"],
        "cookie" => &["form"],
        _ => &[],
    }
}

/// Repairs every keyword of the wrong type in a 3.0 document.
pub(super) fn repair(root: &mut Value, diagnostics: &Diagnostics<'_>) {
    Fixer { diagnostics }.object(root, Obj::Root, "");
}

/// Whether a scalar keyword already is what `want` asks for: the common
/// case, checked without building its pointer. Objects and lists of
/// objects are walked whatever they hold.
fn fits(value: &Value, want: Want) -> bool {
    match (want, value) {
        (Want::Any, _)
        | (Want::Text, Value::String(_))
        | (Want::Bool, Value::Bool(_))
        | (Want::Number, Value::Number(_))
        | (Want::List, Value::Array(_))
        | (Want::SchemaOrBool, Value::Bool(_))
        | (Want::AnyMap, Value::Object(_)) => true,
        (Want::Count, Value::Number(number)) => number.is_u64(),
        (Want::Texts, Value::Array(items)) => items.iter().all(Value::is_string),
        (Want::Name(names) | Want::Tag(names), Value::String(name)) => {
            names.contains(&name.as_str())
        }
        _ => false,
    }
}

/// The JSON type of a value, in a message.
fn shape(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A scalar written out as text: numbers and booleans.
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

struct Fixer<'n> {
    diagnostics: &'n Diagnostics<'n>,
}

impl Fixer<'_> {
    fn converted(&mut self, pointer: &str, key: &str, want: Want, found: &'static str) {
        self.diagnostics.warn(
            pointer,
            format!(
                "`{key}` should be {}, not {found}; it is converted",
                want.describe()
            ),
        );
    }

    fn dropped(&mut self, pointer: &str, key: &str, want: Want, found: &'static str) {
        self.diagnostics.warn(
            pointer,
            format!(
                "`{key}` should be {}, not {found}; it is left out",
                want.describe()
            ),
        );
    }

    /// Repairs the object `value` of kind `obj` at `pointer` and the
    /// objects inside it. Returns whether a schema said `required: true`,
    /// which its parent object turns into an entry of its `required`.
    fn object(&mut self, value: &mut Value, obj: Obj, pointer: &str) -> bool {
        let Value::Object(members) = value else {
            return false;
        };
        if obj.may_refer() {
            match members.get("$ref") {
                Some(Value::String(_)) => return false,
                Some(other) => {
                    let found = shape(other);
                    self.dropped(&format!("{pointer}/$ref"), "$ref", Want::Text, found);
                    members.shift_remove("$ref");
                }
                None => {}
            }
        }
        let required = match obj {
            Obj::Schema => self.schema_shapes(members, pointer),
            _ => {
                self.missing_members(members, obj, pointer);
                false
            }
        };
        let mut dropped = Vec::new();
        let mut required_properties = Vec::new();
        for (key, child) in members.iter_mut() {
            let Some(want) = want(obj, key) else {
                continue;
            };
            if fits(child, want) {
                continue;
            }
            let child_pointer = pointer::join(pointer, key);
            if obj == Obj::Schema && key == "properties" {
                if let Value::Object(properties) = child {
                    required_properties = self.entries(properties, Obj::Schema, &child_pointer);
                    continue;
                }
            }
            let noted = self.diagnostics.mark();
            if !self.check(child, want, key, &child_pointer) {
                if is_required(obj, key) {
                    // Left for `openapiv3` to report where it is: without
                    // it the object means nothing.
                    self.diagnostics.retract(noted);
                } else {
                    dropped.push(key.clone());
                }
            }
        }
        for key in dropped {
            members.shift_remove(&key);
        }
        if obj == Obj::Parameter {
            self.parameter_style(members, pointer);
        }
        if !required_properties.is_empty() {
            let list = members
                .entry("required")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                for name in required_properties {
                    if !list.iter().any(|known| known.as_str() == Some(&name)) {
                        list.push(Value::String(name));
                    }
                }
            }
        }
        required
    }

    /// Repairs each entry of a map of objects of kind `obj`; returns the
    /// names of the entries that said `required: true`.
    fn entries(
        &mut self,
        entries: &mut Map<String, Value>,
        obj: Obj,
        pointer: &str,
    ) -> Vec<String> {
        let mut dropped = Vec::new();
        let mut required = Vec::new();
        for (key, child) in entries.iter_mut() {
            let child_pointer = pointer::join(pointer, key);
            if obj == Obj::Link && !is_link(child) {
                self.diagnostics.warn(
                    &child_pointer,
                    "a link names exactly one of `operationRef` and `operationId`; the link is left out",
                );
                dropped.push(key.clone());
                continue;
            }
            match child {
                Value::Object(_) => {
                    if self.object(child, obj, &child_pointer) {
                        required.push(key.clone());
                    }
                }
                Value::Bool(_) if obj == Obj::Schema => {
                    self.check(child, Want::Node(obj), key, &child_pointer);
                }
                _ if obj == Obj::Schema => {
                    // A property (or a component) keeps its name.
                    let found = shape(child);
                    *child = json!({});
                    self.diagnostics.warn(
                        &child_pointer,
                        format!(
                            "`{key}` should be a schema object, not {found}; it allows any value"
                        ),
                    );
                }
                _ => {
                    let found = shape(child);
                    self.dropped(&child_pointer, key, Want::Node(obj), found);
                    dropped.push(key.clone());
                }
            }
        }
        for key in dropped {
            entries.shift_remove(&key);
        }
        required
    }

    /// Checks `value` (the keyword `key`, at `pointer`) against `want`,
    /// converting it where the meaning is clear and repairing the objects
    /// inside it. Returns whether to keep it. A `null` is left out without
    /// a warning: it says as much as the keyword's absence.
    fn check(&mut self, value: &mut Value, want: Want, key: &str, pointer: &str) -> bool {
        let found = shape(value);
        match (want, &*value) {
            (Want::Any, _) => return true,
            (_, Value::Null) => return false,
            _ => {}
        }
        match want {
            Want::Any => true,
            Want::Text => match as_text(value) {
                _ if value.is_string() => true,
                Some(text) => {
                    *value = Value::String(text);
                    self.converted(pointer, key, want, found);
                    true
                }
                None => {
                    self.dropped(pointer, key, want, found);
                    false
                }
            },
            Want::Bool => {
                let flag = match &*value {
                    Value::Bool(_) => return true,
                    Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    },
                    Value::Number(number) => match number.as_u64() {
                        Some(1) => Some(true),
                        Some(0) => Some(false),
                        _ => None,
                    },
                    _ => None,
                };
                self.replace(value, flag.map(Value::Bool), want, key, pointer)
            }
            Want::Count => {
                let count = match &*value {
                    Value::Number(number) if number.is_u64() => return true,
                    Value::Number(number) => number
                        .as_f64()
                        .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n < 1e15)
                        .map(|n| n as u64),
                    Value::String(text) => text.trim().parse::<u64>().ok(),
                    _ => None,
                };
                self.replace(value, count.map(Value::from), want, key, pointer)
            }
            Want::Number => {
                let number = match &*value {
                    Value::Number(_) => return true,
                    Value::String(text) => text
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .map(Number::from)
                        .or_else(|| text.trim().parse::<f64>().ok().and_then(Number::from_f64)),
                    _ => None,
                };
                self.replace(value, number.map(Value::Number), want, key, pointer)
            }
            Want::Texts => self.texts(value, key, pointer),
            Want::List => match value {
                Value::Array(_) => true,
                Value::Object(_) => {
                    self.dropped(pointer, key, want, found);
                    false
                }
                _ => {
                    *value = Value::Array(vec![value.take()]);
                    self.converted(pointer, key, want, found);
                    true
                }
            },
            Want::TextMap => {
                let Value::Object(entries) = value else {
                    self.dropped(pointer, key, want, found);
                    return false;
                };
                for (name, entry) in entries.iter_mut() {
                    if entry.is_string() {
                        continue;
                    }
                    let text = as_text(entry).unwrap_or_default();
                    let found = shape(entry);
                    *entry = Value::String(text);
                    let entry_pointer = pointer::join(pointer, name);
                    self.converted(&entry_pointer, name, Want::Text, found);
                }
                true
            }
            Want::AnyMap => {
                let keep = value.is_object();
                if !keep {
                    self.dropped(pointer, key, want, found);
                }
                keep
            }
            Want::Name(names) | Want::Tag(names) => {
                let Value::String(text) = &*value else {
                    if matches!(want, Want::Tag(_)) {
                        return true;
                    }
                    self.dropped(pointer, key, want, found);
                    return false;
                };
                if names.contains(&text.as_str()) {
                    return true;
                }
                match names.iter().find(|name| name.eq_ignore_ascii_case(text)) {
                    Some(name) => {
                        *value = Value::String((*name).to_owned());
                        self.diagnostics.warn(
                            pointer,
                            format!("`{key}` is `{name}` written in another case; it is read as `{name}`"),
                        );
                        true
                    }
                    None if matches!(want, Want::Tag(_)) => true,
                    None => {
                        self.diagnostics.warn(
                            pointer,
                            format!(
                                "`{key}` should be one of {}; it is left out",
                                names.join(", ")
                            ),
                        );
                        false
                    }
                }
            }
            Want::Requirements => self.requirements(value, key, pointer),
            Want::Node(obj) => match value {
                Value::Object(_) => {
                    self.object(value, obj, pointer);
                    true
                }
                Value::Bool(flag) if obj == Obj::Schema => {
                    // `true` allows any value, `false` none.
                    *value = if *flag { json!({}) } else { json!({"not": {}}) };
                    self.converted(pointer, key, want, found);
                    true
                }
                _ => {
                    self.dropped(pointer, key, want, found);
                    false
                }
            },
            Want::SchemaOrBool => match value {
                Value::Bool(_) => true,
                Value::Object(_) => {
                    self.object(value, Obj::Schema, pointer);
                    true
                }
                _ => {
                    self.dropped(pointer, key, want, found);
                    false
                }
            },
            Want::Map(obj) => {
                let Value::Object(entries) = value else {
                    self.dropped(pointer, key, want, found);
                    return false;
                };
                self.entries(entries, obj, pointer);
                true
            }
            Want::Seq(obj) => {
                if value.is_object() {
                    *value = Value::Array(vec![value.take()]);
                    self.converted(pointer, key, want, found);
                }
                let Value::Array(items) = value else {
                    self.dropped(pointer, key, want, found);
                    return false;
                };
                let mut index = 0;
                items.retain_mut(|item| {
                    let item_pointer = format!("{pointer}/{index}");
                    index += 1;
                    match item {
                        Value::Object(_) => {
                            self.object(item, obj, &item_pointer);
                            true
                        }
                        _ => {
                            let found = shape(item);
                            self.dropped(&item_pointer, key, Want::Node(obj), found);
                            false
                        }
                    }
                });
                true
            }
        }
    }

    /// Puts `replacement` in place of `value` with a warning, or, when
    /// there is none, asks for the keyword to be left out.
    fn replace(
        &mut self,
        value: &mut Value,
        replacement: Option<Value>,
        want: Want,
        key: &str,
        pointer: &str,
    ) -> bool {
        let found = shape(value);
        match replacement {
            Some(replacement) => {
                *value = replacement;
                self.converted(pointer, key, want, found);
                true
            }
            None => {
                self.dropped(pointer, key, want, found);
                false
            }
        }
    }

    /// A list of strings: one string is a list of it, numbers and booleans
    /// in it are written out, anything else in it is left out.
    fn texts(&mut self, value: &mut Value, key: &str, pointer: &str) -> bool {
        let found = shape(value);
        if value.is_string() {
            *value = Value::Array(vec![value.take()]);
            self.converted(pointer, key, Want::Texts, found);
            return true;
        }
        let Value::Array(items) = value else {
            self.dropped(pointer, key, Want::Texts, found);
            return false;
        };
        if items.iter().all(Value::is_string) {
            return true;
        }
        items.retain_mut(|item| match as_text(item) {
            _ if item.is_string() => true,
            Some(text) => {
                *item = Value::String(text);
                true
            }
            None => false,
        });
        self.diagnostics.warn(
            pointer,
            format!("`{key}` should be a list of strings; numbers and booleans in it are written out, anything else is left out"),
        );
        true
    }

    /// Security requirements: a list of objects whose values are lists of
    /// scopes. One requirement is a list of it; a scheme's name alone is a
    /// requirement of it without scopes; one scope is a list of it. Nothing
    /// is ever left out, since a requirement left out (or an empty list)
    /// would let calls go without credentials: what cannot be read this
    /// way is left for `openapiv3` to report.
    fn requirements(&mut self, value: &mut Value, key: &str, pointer: &str) -> bool {
        let found = shape(value);
        let readable = |item: &Value| match item {
            Value::String(_) => true,
            Value::Object(schemes) => schemes
                .values()
                .all(|scopes| matches!(scopes, Value::Null | Value::String(_) | Value::Array(_))),
            _ => false,
        };
        let readable = match &*value {
            Value::Array(items) => items.iter().all(readable),
            item => readable(item),
        };
        if !readable {
            return true;
        }
        if !value.is_array() {
            *value = Value::Array(vec![value.take()]);
            self.converted(pointer, key, Want::Requirements, found);
        }
        let Value::Array(requirements) = value else {
            return true;
        };
        for (index, requirement) in requirements.iter_mut().enumerate() {
            let requirement_pointer = format!("{pointer}/{index}");
            if let Value::String(scheme) = requirement {
                let mut schemes = Map::new();
                schemes.insert(scheme.clone(), Value::Array(Vec::new()));
                *requirement = Value::Object(schemes);
                self.converted(&requirement_pointer, key, Want::Node(Obj::Root), "a string");
            }
            let Value::Object(schemes) = requirement else {
                continue;
            };
            for (scheme, scopes) in schemes.iter_mut() {
                let scopes_pointer = pointer::join(&requirement_pointer, scheme);
                if scopes.is_null() {
                    *scopes = Value::Array(Vec::new());
                } else if !fits(scopes, Want::Texts) {
                    self.texts(scopes, scheme, &scopes_pointer);
                }
            }
        }
        true
    }

    /// The shapes of a schema `openapiv3` cannot read although their
    /// meaning is clear, rewritten before its keywords are checked: `type`
    /// as a list or `"null"`, numeric exclusive bounds (both as in 3.1),
    /// `discriminator` as the property name, `items` as a list. Returns
    /// whether it said `required: true`, taking that out.
    fn schema_shapes(&mut self, schema: &mut Map<String, Value>, pointer: &str) -> bool {
        match schema.get("type") {
            Some(Value::Array(_)) => {
                openapi31::type_list(schema);
                self.diagnostics.warn(
                    format!("{pointer}/type"),
                    "`type` as a list is OpenAPI 3.1; it is read as 3.1 reads it",
                );
            }
            Some(Value::String(kind)) if kind == "null" => {
                openapi31::type_list(schema);
                self.diagnostics.warn(
                    format!("{pointer}/type"),
                    "`type: null` is OpenAPI 3.1; it is read as `nullable`",
                );
            }
            Some(Value::String(_) | Value::Null) | None => {}
            Some(other) => {
                let found = shape(other);
                schema.shift_remove("type");
                self.dropped(&format!("{pointer}/type"), "type", Want::Text, found);
            }
        }
        let kinds = ["string", "number", "integer", "boolean", "object", "array"];
        if let Some(Value::String(kind)) = schema.get_mut("type") {
            if let Some(known) = kinds
                .iter()
                .find(|known| known.eq_ignore_ascii_case(kind) && *known != kind)
            {
                *kind = (*known).to_owned();
                self.diagnostics.warn(
                    format!("{pointer}/type"),
                    format!("`type` is `{known}` written in another case; it is read as `{known}`"),
                );
            }
        }
        let numeric_bound = ["exclusiveMinimum", "exclusiveMaximum"]
            .iter()
            .any(|key| schema.get(*key).is_some_and(Value::is_number));
        if numeric_bound {
            openapi31::exclusive_bounds(schema);
            self.diagnostics.warn(
                pointer,
                "a numeric `exclusiveMinimum` or `exclusiveMaximum` is OpenAPI 3.1; it is read as 3.1 reads it",
            );
        }
        if let Some(Value::String(property)) = schema.get("discriminator") {
            let discriminator = json!({ "propertyName": property });
            schema.insert("discriminator".to_owned(), discriminator);
            self.diagnostics.warn(
                format!("{pointer}/discriminator"),
                "`discriminator` should be an object; the string is read as its `propertyName`",
            );
        }
        if let Some(Value::Array(items)) = schema.get_mut("items") {
            let items_pointer = format!("{pointer}/items");
            if items.len() == 1 {
                let only = items.remove(0);
                schema.insert("items".to_owned(), only);
                self.diagnostics.warn(
                    items_pointer,
                    "`items` should be a schema, not a list; its one schema is used",
                );
            } else {
                schema.insert("items".to_owned(), json!({}));
                self.diagnostics.warn(
                    items_pointer,
                    "`items` as a list (tuple validation) has no OpenAPI 3.0 equivalent; the items are left untyped",
                );
            }
        }
        match schema.get("required") {
            Some(Value::Bool(required)) => {
                let required = *required;
                schema.shift_remove("required");
                let message = if required && is_property(pointer) {
                    "`required: true` on a property schema; the property is listed in its object's `required`"
                } else {
                    "`required` on a schema should be a list of property names, not a boolean; it is left out"
                };
                self.diagnostics
                    .warn(format!("{pointer}/required"), message);
                required && is_property(pointer)
            }
            _ => false,
        }
    }

    /// Members the 3.0 model requires, where the document's intent is
    /// clear without them.
    fn missing_members(&mut self, members: &mut Map<String, Value>, obj: Obj, pointer: &str) {
        match obj {
            Obj::Operation if !members.contains_key("responses") => {
                members.insert("responses".to_owned(), json!({}));
                self.diagnostics.warn(
                    pointer,
                    "the operation documents no `responses` (required before OpenAPI 3.1); it is taken to document none, so `send` returns `()`",
                );
            }
            Obj::Response if !members.contains_key("description") => {
                members.insert("description".to_owned(), json!(""));
                self.diagnostics.warn(
                    pointer,
                    "the response has no `description`, which OpenAPI requires; an empty one is used",
                );
            }
            Obj::Parameter | Obj::Header
                if !members.contains_key("schema") && !members.contains_key("content") =>
            {
                // Swagger 2.0's way: the schema's keywords on the parameter.
                let mut schema = Map::new();
                for key in [
                    "type",
                    "format",
                    "items",
                    "enum",
                    "default",
                    "minimum",
                    "maximum",
                    "pattern",
                    "minLength",
                    "maxLength",
                    "minItems",
                    "maxItems",
                ] {
                    if let Some(value) = members.shift_remove(key) {
                        schema.insert(key.to_owned(), value);
                    }
                }
                let message = if schema.is_empty() {
                    "the parameter has neither `schema` nor `content`; it takes any value"
                } else {
                    "the parameter has no `schema` but schema keywords of its own (as in Swagger 2.0); they are read as its schema"
                };
                members.insert("schema".to_owned(), Value::Object(schema));
                self.diagnostics.warn(pointer, message);
            }
            _ => {}
        }
    }

    /// A parameter's `style` must be one its `in` allows.
    fn parameter_style(&mut self, members: &mut Map<String, Value>, pointer: &str) {
        let location = members.get("in").and_then(Value::as_str).unwrap_or("");
        let styles = parameter_styles(location);
        let Some(style) = members.get_mut("style") else {
            return;
        };
        let style_pointer = format!("{pointer}/style");
        if styles.is_empty() {
            return;
        }
        if !self.check(style, Want::Name(styles), "style", &style_pointer) {
            members.shift_remove("style");
        }
    }
}

/// Whether `pointer` is a schema's property.
fn is_property(pointer: &str) -> bool {
    let mut tokens = pointer.rsplit('/');
    tokens.next();
    tokens.next() == Some("properties")
}

/// Whether `link` is a reference, or names exactly one operation.
fn is_link(link: &Value) -> bool {
    let Value::Object(members) = link else {
        // Left for the type check to report.
        return true;
    };
    if members.contains_key("$ref") {
        return true;
    }
    let names = ["operationRef", "operationId"]
        .iter()
        .filter(|key| members.contains_key(**key))
        .count();
    names == 1
}

#[cfg(test)]
mod tests;
