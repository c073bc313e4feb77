//! The schemas of a document read into `openapiv3` without serde, where
//! they take the common shapes. `openapiv3` reads a schema through an
//! untagged reference and two flattened structs, the second read into a
//! struct of every keyword before the kind of schema is decided: serde
//! buffers each schema several times over, and schemas are most of the time
//! of deserialising a document. A schema is built here as that code builds
//! it; one with a keyword left to serde (`discriminator`, `externalDocs`), a
//! value of another type than expected, or a `null`, is read by serde,
//! whole. The component schemas are read apart from the document; inline
//! ones (of parameters, headers and media types) are taken out of it while
//! serde reads the rest, and put back.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, ArrayType, BooleanType, IntegerType, NumberType, ObjectType,
    ReferenceOr, Schema, SchemaData, SchemaKind, StringType, Type,
};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// A schema serde would refuse: the caller reads the document with serde,
/// which says where and why.
#[derive(Debug)]
pub(super) struct Refused;

/// The entries of `components.schemas`, as `openapiv3` reads them.
pub(super) fn component_schemas(
    schemas: &Map<String, Value>,
) -> Result<IndexMap<String, ReferenceOr<Schema>>, Refused> {
    schemas
        .iter()
        .map(|(name, schema)| Ok((name.clone(), reference_or(schema)?)))
        .collect()
}

/// What stands in for an inline schema taken out of the document while
/// serde reads the rest: a reference no document writes, numbered.
const MARKER: &str = "\u{0}inline-schema/";

/// The inline schemas of a document (of parameters, headers and media
/// types, under `paths` and in components), taken out of `root` for
/// [`inline_schema`] to build, each replaced by a numbered reference;
/// [`put_back`] restores them. `None`, with `root` untouched, when a
/// reference in the document could be taken for one of those.
pub(super) fn take_inline(root: &mut Value) -> Option<Vec<Value>> {
    let mut clash = false;
    schema_slots(root, &mut |slot| clash |= marker(slot).is_some());
    if clash {
        return None;
    }
    let mut taken = Vec::new();
    schema_slots(root, &mut |slot| {
        if slot.is_object() && slot.get("$ref").is_none() {
            let reference = format!("{MARKER}{}", taken.len());
            taken.push(std::mem::replace(
                slot,
                serde_json::json!({ "$ref": reference }),
            ));
        }
    });
    Some(taken)
}

/// Puts the schemas [`take_inline`] took back where they were.
pub(super) fn put_back(root: &mut Value, mut taken: Vec<Value>) {
    schema_slots(root, &mut |slot| {
        if let Some(schema) = marker(slot).and_then(|index| taken.get_mut(index)) {
            *slot = std::mem::take(schema);
        }
    });
}

/// An inline schema, as `openapiv3` reads it.
pub(super) fn inline_schema(value: &Value) -> Result<ReferenceOr<Schema>, Refused> {
    reference_or(value)
}

/// Puts the `built` inline schemas where their numbered references stand in
/// `api`; `None` unless each is put in exactly once.
pub(super) fn fill_inline(
    api: &mut openapiv3::OpenAPI,
    built: Vec<ReferenceOr<Schema>>,
) -> Option<()> {
    let mut built: Vec<Option<ReferenceOr<Schema>>> = built.into_iter().map(Some).collect();
    let mut missing = false;
    let mut fill = |slot: &mut ReferenceOr<Schema>| {
        let ReferenceOr::Reference { reference } = slot else {
            return;
        };
        let Some(index) = reference.strip_prefix(MARKER) else {
            return;
        };
        match index
            .parse::<usize>()
            .ok()
            .and_then(|index| built.get_mut(index)?.take())
        {
            Some(schema) => *slot = schema,
            None => missing = true,
        }
    };
    api_schema_slots(api, &mut fill);
    (!missing && built.iter().all(Option::is_none)).then_some(())
}

/// The number a stand-in reference carries.
fn marker(slot: &Value) -> Option<usize> {
    slot.get("$ref")?
        .as_str()?
        .strip_prefix(MARKER)?
        .parse()
        .ok()
}

/// The members of an object but its extensions (`x-`), which `openapiv3`
/// keeps as JSON: a schema in one must stay as written.
fn entries(value: &mut Value) -> impl Iterator<Item = &mut Value> {
    value
        .as_object_mut()
        .into_iter()
        .flat_map(|members| members.iter_mut())
        .filter(|(key, _)| !key.starts_with("x-"))
        .map(|(_, member)| member)
}

/// The object, unless it is a reference, which `openapiv3` reads as one.
fn item(value: &mut Value) -> Option<&mut Value> {
    (value.is_object() && !value.get("$ref").is_some_and(Value::is_string)).then_some(value)
}

/// Calls `visit` with every place in `root` where `openapiv3` reads an
/// inline schema, walking the 3.0 layout as `openapiv3` reads it.
fn schema_slots(root: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    if let Some(paths) = root.get_mut("paths") {
        for item in entries(paths) {
            path_item(item, visit);
        }
    }
    let Some(components) = root.get_mut("components") else {
        return;
    };
    for (key, walk) in [
        (
            "parameters",
            parameter as fn(&mut Value, &mut dyn FnMut(&mut Value)),
        ),
        ("headers", parameter),
        ("responses", response),
        ("requestBodies", request_body),
        ("callbacks", callback),
    ] {
        if let Some(map) = components.get_mut(key) {
            for entry in map.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
                walk(entry, visit);
            }
        }
    }
}

fn path_item(item: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    let Some(item) = self::item(item) else {
        return;
    };
    for (key, member) in item.as_object_mut().into_iter().flat_map(|m| m.iter_mut()) {
        if key == "parameters" {
            for parameter in member.as_array_mut().into_iter().flatten() {
                self::parameter(parameter, visit);
            }
        } else if super::walk::METHODS_3_0.contains(&key.as_str()) {
            operation(member, visit);
        }
    }
}

fn operation(operation: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters {
            self::parameter(parameter, visit);
        }
    }
    if let Some(body) = operation.get_mut("requestBody") {
        request_body(body, visit);
    }
    if let Some(responses) = operation.get_mut("responses") {
        for response in entries(responses) {
            self::response(response, visit);
        }
    }
    if let Some(callbacks) = operation.get_mut("callbacks") {
        for callback in entries(callbacks) {
            self::callback(callback, visit);
        }
    }
}

fn callback(callback: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    if let Some(callback) = item(callback) {
        for item in entries(callback) {
            path_item(item, visit);
        }
    }
}

/// A parameter or a header: a schema, or content.
fn parameter(parameter: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    let Some(parameter) = item(parameter) else {
        return;
    };
    if let Some(schema) = parameter.get_mut("schema") {
        visit(schema);
    }
    content(parameter, visit);
}

fn response(response: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    let Some(response) = item(response) else {
        return;
    };
    if let Some(headers) = response.get_mut("headers") {
        for header in entries(headers) {
            parameter(header, visit);
        }
    }
    content(response, visit);
}

fn request_body(body: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    if let Some(body) = item(body) {
        content(body, visit);
    }
}

/// The media types of `content`, and the headers of their encodings.
fn content(holder: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    let Some(content) = holder.get_mut("content") else {
        return;
    };
    for media in entries(content) {
        if let Some(schema) = media.get_mut("schema") {
            visit(schema);
        }
        if let Some(encoding) = media.get_mut("encoding") {
            for encoding in entries(encoding) {
                if let Some(headers) = encoding.get_mut("headers") {
                    for header in entries(headers) {
                        parameter(header, visit);
                    }
                }
            }
        }
    }
}

/// Calls `fill` with every inline schema of `api`, where [`schema_slots`]
/// finds them in the document.
fn api_schema_slots(api: &mut openapiv3::OpenAPI, fill: &mut dyn FnMut(&mut ReferenceOr<Schema>)) {
    for item in api.paths.paths.values_mut() {
        if let ReferenceOr::Item(item) = item {
            api_path_item(item, fill);
        }
    }
    let Some(components) = &mut api.components else {
        return;
    };
    for parameter in components.parameters.values_mut() {
        if let ReferenceOr::Item(parameter) = parameter {
            api_parameter_data(api_data(parameter), fill);
        }
    }
    for header in components.headers.values_mut() {
        if let ReferenceOr::Item(header) = header {
            api_header(header, fill);
        }
    }
    for response in components.responses.values_mut() {
        if let ReferenceOr::Item(response) = response {
            api_response(response, fill);
        }
    }
    for body in components.request_bodies.values_mut() {
        if let ReferenceOr::Item(body) = body {
            api_content(&mut body.content, fill);
        }
    }
    for callback in components.callbacks.values_mut() {
        if let ReferenceOr::Item(callback) = callback {
            for item in callback.values_mut() {
                api_path_item(item, fill);
            }
        }
    }
}

fn api_path_item(item: &mut openapiv3::PathItem, fill: &mut dyn FnMut(&mut ReferenceOr<Schema>)) {
    for parameter in &mut item.parameters {
        if let ReferenceOr::Item(parameter) = parameter {
            api_parameter_data(api_data(parameter), fill);
        }
    }
    let operations = [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ];
    for operation in operations.into_iter().flatten() {
        for parameter in &mut operation.parameters {
            if let ReferenceOr::Item(parameter) = parameter {
                api_parameter_data(api_data(parameter), fill);
            }
        }
        if let Some(ReferenceOr::Item(body)) = &mut operation.request_body {
            api_content(&mut body.content, fill);
        }
        let responses = &mut operation.responses;
        for response in responses
            .default
            .iter_mut()
            .chain(responses.responses.values_mut())
        {
            if let ReferenceOr::Item(response) = response {
                api_response(response, fill);
            }
        }
        for callback in operation.callbacks.values_mut() {
            for item in callback.values_mut() {
                api_path_item(item, fill);
            }
        }
    }
}

fn api_data(parameter: &mut openapiv3::Parameter) -> &mut openapiv3::ParameterData {
    use openapiv3::Parameter;
    match parameter {
        Parameter::Query { parameter_data, .. }
        | Parameter::Header { parameter_data, .. }
        | Parameter::Path { parameter_data, .. }
        | Parameter::Cookie { parameter_data, .. } => parameter_data,
    }
}

fn api_parameter_data(
    data: &mut openapiv3::ParameterData,
    fill: &mut dyn FnMut(&mut ReferenceOr<Schema>),
) {
    api_format(&mut data.format, fill);
}

fn api_header(header: &mut openapiv3::Header, fill: &mut dyn FnMut(&mut ReferenceOr<Schema>)) {
    api_format(&mut header.format, fill);
}

fn api_format(
    format: &mut openapiv3::ParameterSchemaOrContent,
    fill: &mut dyn FnMut(&mut ReferenceOr<Schema>),
) {
    match format {
        openapiv3::ParameterSchemaOrContent::Schema(schema) => fill(schema),
        openapiv3::ParameterSchemaOrContent::Content(content) => api_content(content, fill),
    }
}

fn api_response(
    response: &mut openapiv3::Response,
    fill: &mut dyn FnMut(&mut ReferenceOr<Schema>),
) {
    for header in response.headers.values_mut() {
        if let ReferenceOr::Item(header) = header {
            api_header(header, fill);
        }
    }
    api_content(&mut response.content, fill);
}

fn api_content(
    content: &mut IndexMap<String, openapiv3::MediaType>,
    fill: &mut dyn FnMut(&mut ReferenceOr<Schema>),
) {
    for media in content.values_mut() {
        if let Some(schema) = &mut media.schema {
            fill(schema);
        }
        for encoding in media.encoding.values_mut() {
            for header in encoding.headers.values_mut() {
                if let ReferenceOr::Item(header) = header {
                    api_header(header, fill);
                }
            }
        }
    }
}

/// A schema or a reference to one.
fn reference_or(value: &Value) -> Result<ReferenceOr<Schema>, Refused> {
    if let Some(reference) = reference(value) {
        return Ok(reference);
    }
    match schema(value) {
        Some(schema) => Ok(ReferenceOr::Item(schema)),
        None => ReferenceOr::deserialize(value).map_err(|_| Refused),
    }
}

/// [`reference_or`], boxed as properties and items are.
fn boxed(value: &Value) -> Result<ReferenceOr<Box<Schema>>, Refused> {
    if let Some(reference) = reference(value) {
        return Ok(reference);
    }
    match schema(value) {
        Some(schema) => Ok(ReferenceOr::Item(Box::new(schema))),
        None => ReferenceOr::deserialize(value).map_err(|_| Refused),
    }
}

/// An object with a `$ref` string is a reference, whatever else it holds.
fn reference<T>(value: &Value) -> Option<ReferenceOr<T>> {
    match value.get("$ref") {
        Some(Value::String(reference)) => Some(ReferenceOr::Reference {
            reference: reference.clone(),
        }),
        _ => None,
    }
}

/// The keywords of a schema, each `None` when absent, as `openapiv3`
/// collects them before it decides which kind of schema it is.
#[derive(Default)]
struct Keywords {
    typ: Option<String>,
    pattern: Option<String>,
    multiple_of: Option<Number>,
    exclusive_minimum: Option<bool>,
    exclusive_maximum: Option<bool>,
    minimum: Option<Number>,
    maximum: Option<Number>,
    properties: Option<IndexMap<String, ReferenceOr<Box<Schema>>>>,
    required: Option<Vec<String>>,
    additional_properties: Option<AdditionalProperties>,
    min_properties: Option<usize>,
    max_properties: Option<usize>,
    items: Option<ReferenceOr<Box<Schema>>>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    unique_items: Option<bool>,
    enumeration: Option<Vec<Value>>,
    format: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    one_of: Option<Vec<ReferenceOr<Schema>>>,
    all_of: Option<Vec<ReferenceOr<Schema>>>,
    any_of: Option<Vec<ReferenceOr<Schema>>>,
    not: Option<Box<ReferenceOr<Schema>>>,
}

/// The schema `value` is, built directly; `None` leaves it to serde: a
/// keyword this code does not read, a value of another type than serde
/// accepts without question, or a part serde refuses.
fn schema(value: &Value) -> Option<Schema> {
    let Value::Object(members) = value else {
        return None;
    };
    let mut data = SchemaData::default();
    let mut k = Keywords::default();
    for (key, member) in members {
        match key.as_str() {
            "nullable" => data.nullable = member.as_bool()?,
            "readOnly" => data.read_only = member.as_bool()?,
            "writeOnly" => data.write_only = member.as_bool()?,
            "deprecated" => data.deprecated = member.as_bool()?,
            "title" => data.title = Some(text(member)?),
            "description" => data.description = Some(text(member)?),
            "example" => data.example = Some(present(member)?.clone()),
            "default" => data.default = Some(present(member)?.clone()),
            "type" => k.typ = Some(text(member)?),
            "pattern" => k.pattern = Some(text(member)?),
            "format" => k.format = Some(text(member)?),
            "multipleOf" => k.multiple_of = Some(number(member)?),
            "minimum" => k.minimum = Some(number(member)?),
            "maximum" => k.maximum = Some(number(member)?),
            "exclusiveMinimum" => k.exclusive_minimum = Some(member.as_bool()?),
            "exclusiveMaximum" => k.exclusive_maximum = Some(member.as_bool()?),
            "uniqueItems" => k.unique_items = Some(member.as_bool()?),
            "minProperties" => k.min_properties = Some(count(member)?),
            "maxProperties" => k.max_properties = Some(count(member)?),
            "minItems" => k.min_items = Some(count(member)?),
            "maxItems" => k.max_items = Some(count(member)?),
            "minLength" => k.min_length = Some(count(member)?),
            "maxLength" => k.max_length = Some(count(member)?),
            "enum" => k.enumeration = Some(member.as_array()?.clone()),
            "required" => {
                let names = member.as_array()?.iter().map(text);
                k.required = Some(names.collect::<Option<_>>()?);
            }
            "properties" => {
                let properties = member.as_object()?.iter();
                let properties =
                    properties.map(|(name, schema)| Some((name.clone(), boxed(schema).ok()?)));
                k.properties = Some(properties.collect::<Option<_>>()?);
            }
            "additionalProperties" => {
                k.additional_properties = Some(match member {
                    Value::Bool(allowed) => AdditionalProperties::Any(*allowed),
                    Value::Object(_) => {
                        AdditionalProperties::Schema(Box::new(reference_or(member).ok()?))
                    }
                    _ => return None,
                });
            }
            "items" => k.items = Some(boxed(present(member)?).ok()?),
            "oneOf" => k.one_of = Some(list(member)?),
            "allOf" => k.all_of = Some(list(member)?),
            "anyOf" => k.any_of = Some(list(member)?),
            "not" => k.not = Some(Box::new(reference_or(present(member)?).ok()?)),
            // Read by serde: the structured keywords.
            "externalDocs" | "discriminator" => return None,
            // Not a string (a string makes a reference): serde decides.
            "$ref" => return None,
            key if key.starts_with("x-") => {
                data.extensions.insert(key.to_owned(), member.clone());
            }
            // Keywords `openapiv3` does not read.
            _ => {}
        }
    }
    Some(Schema {
        schema_data: data,
        schema_kind: kind(k),
    })
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// Any value but `null`, which serde reads as an absent keyword.
fn present(value: &Value) -> Option<&Value> {
    (!value.is_null()).then_some(value)
}

fn number(value: &Value) -> Option<Number> {
    match value {
        Value::Number(number) => Some(number.clone()),
        _ => None,
    }
}

fn count(value: &Value) -> Option<usize> {
    value.as_u64().and_then(|count| usize::try_from(count).ok())
}

fn list(value: &Value) -> Option<Vec<ReferenceOr<Schema>>> {
    let parts = value.as_array()?.iter();
    parts.map(|part| reference_or(part).ok()).collect()
}

/// Which kind of schema the keywords make, decided as `openapiv3` decides
/// it (`SchemaKind`'s `Deserialize`): a `type` with only the keywords that
/// type has, a composition alone, or else "any".
fn kind(mut k: Keywords) -> SchemaKind {
    let numeric = k.multiple_of.is_none()
        && k.exclusive_minimum.is_none()
        && k.exclusive_maximum.is_none()
        && k.minimum.is_none()
        && k.maximum.is_none();
    let object = k.properties.is_none()
        && k.required.is_none()
        && k.additional_properties.is_none()
        && k.min_properties.is_none()
        && k.max_properties.is_none();
    let array = k.items.is_none()
        && k.min_items.is_none()
        && k.max_items.is_none()
        && k.unique_items.is_none();
    let string = k.pattern.is_none() && k.min_length.is_none() && k.max_length.is_none();
    let composed =
        k.one_of.is_none() && k.all_of.is_none() && k.any_of.is_none() && k.not.is_none();
    let listed = |valid: fn(&Value) -> bool| {
        k.enumeration
            .as_ref()
            .is_none_or(|values| values.iter().all(|v| v.is_null() || valid(v)))
    };
    let int = |number: &Option<Number>| number.as_ref().is_none_or(Number::is_i64);
    let typ = k.typ.as_deref();
    if typ == Some("string") && numeric && object && array && composed && listed(Value::is_string) {
        return SchemaKind::Type(Type::String(StringType {
            format: k.format.into(),
            pattern: k.pattern,
            enumeration: transform(k.enumeration, |v| v.as_str().map(String::from)),
            min_length: k.min_length,
            max_length: k.max_length,
        }));
    }
    let not_numeric = k.pattern.is_none()
        && object
        && array
        && k.min_length.is_none()
        && k.max_length.is_none()
        && composed;
    if typ == Some("number") && not_numeric && listed(Value::is_number) {
        return SchemaKind::Type(Type::Number(NumberType {
            format: k.format.into(),
            multiple_of: k.multiple_of.as_ref().map(float),
            exclusive_minimum: k.exclusive_minimum.unwrap_or_default(),
            exclusive_maximum: k.exclusive_maximum.unwrap_or_default(),
            minimum: k.minimum.as_ref().map(float),
            maximum: k.maximum.as_ref().map(float),
            enumeration: transform(k.enumeration, Value::as_f64),
        }));
    }
    if typ == Some("integer")
        && not_numeric
        && listed(Value::is_i64)
        && int(&k.multiple_of)
        && int(&k.minimum)
        && int(&k.maximum)
    {
        return SchemaKind::Type(Type::Integer(IntegerType {
            format: k.format.into(),
            multiple_of: k.multiple_of.as_ref().and_then(Number::as_i64),
            exclusive_minimum: k.exclusive_minimum.unwrap_or_default(),
            exclusive_maximum: k.exclusive_maximum.unwrap_or_default(),
            minimum: k.minimum.as_ref().and_then(Number::as_i64),
            maximum: k.maximum.as_ref().and_then(Number::as_i64),
            enumeration: transform(k.enumeration, Value::as_i64),
        }));
    }
    let no_scalar = k.pattern.is_none()
        && numeric
        && k.enumeration.is_none()
        && k.format.is_none()
        && k.min_length.is_none()
        && k.max_length.is_none();
    if typ == Some("boolean")
        && string
        && numeric
        && object
        && array
        && k.format.is_none()
        && composed
        && listed(Value::is_boolean)
    {
        return SchemaKind::Type(Type::Boolean(BooleanType {
            enumeration: transform(k.enumeration, Value::as_bool),
        }));
    }
    if typ == Some("object") && no_scalar && array && composed {
        return SchemaKind::Type(Type::Object(ObjectType {
            properties: k.properties.unwrap_or_default(),
            required: k.required.unwrap_or_default(),
            additional_properties: k.additional_properties,
            min_properties: k.min_properties,
            max_properties: k.max_properties,
        }));
    }
    if typ == Some("array") && no_scalar && object && composed {
        return SchemaKind::Type(Type::Array(ArrayType {
            items: k.items,
            min_items: k.min_items,
            max_items: k.max_items,
            unique_items: k.unique_items.unwrap_or_default(),
        }));
    }
    let compositions = [
        k.one_of.is_some(),
        k.all_of.is_some(),
        k.any_of.is_some(),
        k.not.is_some(),
    ];
    let one_composition = compositions.iter().filter(|present| **present).count() == 1;
    if typ.is_none() && no_scalar && object && array && one_composition {
        if let Some(one_of) = k.one_of.take() {
            return SchemaKind::OneOf { one_of };
        }
        if let Some(all_of) = k.all_of.take() {
            return SchemaKind::AllOf { all_of };
        }
        if let Some(any_of) = k.any_of.take() {
            return SchemaKind::AnyOf { any_of };
        }
        if let Some(not) = k.not.take() {
            return SchemaKind::Not { not };
        }
    }
    SchemaKind::Any(any(k))
}

/// The keywords as `openapiv3`'s "any" schema holds them.
fn any(k: Keywords) -> AnySchema {
    AnySchema {
        typ: k.typ,
        pattern: k.pattern,
        multiple_of: k.multiple_of.as_ref().map(float),
        exclusive_minimum: k.exclusive_minimum,
        exclusive_maximum: k.exclusive_maximum,
        minimum: k.minimum.as_ref().map(float),
        maximum: k.maximum.as_ref().map(float),
        properties: k.properties.unwrap_or_default(),
        required: k.required.unwrap_or_default(),
        additional_properties: k.additional_properties,
        min_properties: k.min_properties,
        max_properties: k.max_properties,
        items: k.items,
        min_items: k.min_items,
        max_items: k.max_items,
        unique_items: k.unique_items,
        enumeration: k.enumeration.unwrap_or_default(),
        format: k.format,
        min_length: k.min_length,
        max_length: k.max_length,
        one_of: k.one_of.unwrap_or_default(),
        all_of: k.all_of.unwrap_or_default(),
        any_of: k.any_of.unwrap_or_default(),
        not: k.not,
    }
}

/// Every JSON number has a value as `f64`.
fn float(number: &Number) -> f64 {
    number.as_f64().unwrap_or_default()
}

/// Listed values of one type, `null` as `None`; [`kind`] checked their
/// types.
fn transform<T>(values: Option<Vec<Value>>, read: impl Fn(&Value) -> Option<T>) -> Vec<Option<T>> {
    values
        .unwrap_or_default()
        .iter()
        .map(|value| if value.is_null() { None } else { read(value) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Builds `schemas` here and with serde, and checks they agree: both
    /// refuse, or both read the same schemas.
    fn agrees(schemas: Value) {
        let map = schemas.as_object().unwrap();
        let built = component_schemas(map);
        let read = IndexMap::<String, ReferenceOr<Schema>>::deserialize(&schemas);
        match (built, read) {
            (Ok(built), Ok(read)) => {
                assert_eq!(format!("{built:?}"), format!("{read:?}"), "{schemas}");
                assert!(built == read, "{schemas}");
            }
            (Err(_), Err(_)) => {}
            (built, read) => panic!("{schemas}: built {built:?}, serde {read:?}"),
        }
    }

    #[test]
    fn schemas_are_built_as_serde_reads_them() {
        let cases = [
            json!({"type": "string", "format": "date-time", "pattern": "^a", "minLength": 1, "maxLength": 9, "enum": ["a", null, "b"]}),
            json!({"type": "string", "format": "uuid", "minimum": 1}),
            json!({"type": "string", "enum": ["a", 1]}),
            json!({"type": "number", "format": "double", "multipleOf": 0.5, "minimum": 1, "maximum": 2.5, "exclusiveMinimum": true, "enum": [1, 2.5, null]}),
            json!({"type": "number", "pattern": "x"}),
            json!({"type": "integer", "format": "int64", "multipleOf": 2, "minimum": -1, "maximum": 10, "exclusiveMaximum": false, "enum": [1, null]}),
            json!({"type": "integer", "minimum": 1.5}),
            json!({"type": "integer", "enum": [1, 2.5]}),
            json!({"type": "integer", "format": "int32", "minLength": 1}),
            json!({"type": "boolean", "enum": [true, null]}),
            json!({"type": "boolean", "format": "flag"}),
            json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"$ref": "#/components/schemas/B"}}, "required": ["a"], "additionalProperties": false, "minProperties": 1, "maxProperties": 3}),
            json!({"type": "object", "additionalProperties": {"$ref": "#/components/schemas/B"}}),
            json!({"type": "object", "additionalProperties": {"type": "integer"}, "items": {}}),
            json!({"type": "object", "additionalProperties": null}),
            json!({"type": "array", "items": {"type": "array", "items": {"$ref": "#/components/schemas/B"}}, "minItems": 1, "maxItems": 2, "uniqueItems": true}),
            json!({"type": "array", "items": [{"type": "string"}]}),
            json!({"type": "array", "items": null}),
            json!({"type": "array", "format": "csv"}),
            json!({"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/B"}]}),
            json!({"allOf": [{"$ref": "#/components/schemas/B"}, {"type": "object", "properties": {"c": {}}}]}),
            json!({"anyOf": [{"type": "integer"}]}),
            json!({"not": {"type": "string"}}),
            json!({"oneOf": [{}], "anyOf": [{}]}),
            json!({"oneOf": [{}], "properties": {"a": {}}}),
            json!({"type": "object", "oneOf": [{}]}),
            json!({"type": "null"}),
            json!({"type": ["string", "null"]}),
            json!({"properties": {"a": {"type": "string"}}, "items": {}, "enum": [1], "format": "f", "minimum": 1.5}),
            json!({}),
            json!({"nullable": true, "readOnly": true, "writeOnly": false, "deprecated": true, "title": "T", "description": "D", "example": {"a": [1]}, "default": "x", "x-one": 1, "x-two": null, "xml": {"name": "n"}}),
            json!({"nullable": "yes"}),
            json!({"description": null, "type": "string"}),
            json!({"example": null, "default": null}),
            json!({"discriminator": {"propertyName": "kind"}, "oneOf": [{"$ref": "#/components/schemas/B"}]}),
            json!({"externalDocs": {"url": "https://example.com"}}),
            json!({"$ref": "#/components/schemas/B", "description": "ignored"}),
            json!({"$ref": 1, "type": "string"}),
            json!({"type": "string", "minLength": -1}),
            json!({"type": "string", "maxLength": 2.0}),
            json!({"type": 1}),
            json!({"properties": {"a": true}}),
            json!({"properties": {"a": {"type": "string", "minLength": "1"}}}),
            json!({"required": ["a", 1]}),
            json!(true),
            json!("text"),
        ];
        for case in &cases {
            agrees(json!({ "S": case }));
        }
        // All of them side by side, as one document's components.
        let all: Map<String, Value> = cases
            .iter()
            .enumerate()
            .map(|(index, case)| (format!("S{index}"), case.clone()))
            .collect();
        agrees(Value::Object(all));
    }
}
