//! What a schema describes, however the document spelled it: its
//! [`Shape`], whether it is `null` or nullable, whether it needs a type of
//! its own, and the built-in Rust type its format chooses.

use std::collections::HashSet;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::super::TypeRef;

/// What a schema describes, however the document spelled it (`openapiv3`
/// reads a schema mixing keywords of several types as an "any" schema).
pub(super) enum Shape<'s> {
    String {
        format: Option<&'s str>,
        values: Vec<String>,
    },
    Integer {
        format: Option<&'s str>,
        values: Vec<i64>,
    },
    Number {
        format: Option<&'s str>,
    },
    Boolean,
    Array(Option<&'s ReferenceOr<Box<Schema>>>),
    Object(Object<'s>),
    /// `allOf`, with the properties written beside it.
    AllOf(&'s [ReferenceOr<Schema>], Option<Object<'s>>),
    /// `oneOf` or `anyOf` (the keyword, for pointers).
    OneOf(&'s [ReferenceOr<Schema>], &'static str),
    Null,
    Any,
}

#[derive(Clone, Copy)]
pub(super) struct Object<'s> {
    pub(super) properties: &'s IndexMap<String, ReferenceOr<Box<Schema>>>,
    pub(super) required: &'s [String],
    pub(super) additional: Option<&'s AdditionalProperties>,
}

fn string_format(format: &VariantOrUnknownOrEmpty<StringFormat>) -> Option<&str> {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date"),
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time"),
        VariantOrUnknownOrEmpty::Item(StringFormat::Password) => Some("password"),
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => Some("byte"),
        VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Some("binary"),
        VariantOrUnknownOrEmpty::Unknown(format) => Some(format),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn integer_format(format: &VariantOrUnknownOrEmpty<IntegerFormat>) -> Option<&str> {
    match format {
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Some("int32"),
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => Some("int64"),
        VariantOrUnknownOrEmpty::Unknown(format) => Some(format),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn number_format(format: &VariantOrUnknownOrEmpty<NumberFormat>) -> Option<&str> {
    match format {
        VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Some("float"),
        VariantOrUnknownOrEmpty::Item(NumberFormat::Double) => Some("double"),
        VariantOrUnknownOrEmpty::Unknown(format) => Some(format),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

/// Values listed once each, in document order: a repeated value would be an
/// unreachable match arm.
fn distinct<T: Clone + Eq + std::hash::Hash>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    // Most lists are short, and looking through them beats hashing (and
    // copying) each value: the model asks for the shape of a schema often.
    const SHORT: usize = 16;
    let mut distinct = Vec::new();
    let mut seen = HashSet::new();
    for value in values {
        if distinct.len() < SHORT {
            if !distinct.contains(&value) {
                distinct.push(value);
            }
            continue;
        }
        if seen.is_empty() {
            seen.extend(distinct.iter().cloned());
        }
        if seen.insert(value.clone()) {
            distinct.push(value);
        }
    }
    distinct
}

pub(super) fn shape(schema: &Schema) -> Shape<'_> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => Shape::String {
            format: string_format(&string.format),
            values: distinct(string.enumeration.iter().flatten().cloned()),
        },
        SchemaKind::Type(Type::Integer(integer)) => Shape::Integer {
            format: integer_format(&integer.format),
            values: distinct(integer.enumeration.iter().flatten().copied()),
        },
        SchemaKind::Type(Type::Number(number)) => Shape::Number {
            format: number_format(&number.format),
        },
        SchemaKind::Type(Type::Boolean(_)) => Shape::Boolean,
        SchemaKind::Type(Type::Array(array)) => Shape::Array(array.items.as_ref()),
        SchemaKind::Type(Type::Object(object)) => Shape::Object(Object {
            properties: &object.properties,
            required: &object.required,
            additional: object.additional_properties.as_ref(),
        }),
        SchemaKind::OneOf { one_of } => Shape::OneOf(one_of, "oneOf"),
        SchemaKind::AnyOf { any_of } => Shape::OneOf(any_of, "anyOf"),
        SchemaKind::AllOf { all_of } => Shape::AllOf(all_of, None),
        SchemaKind::Not { .. } => Shape::Any,
        SchemaKind::Any(any) => any_shape(any),
    }
}

fn any_shape(any: &AnySchema) -> Shape<'_> {
    let object = Object {
        properties: &any.properties,
        required: &any.required,
        additional: any.additional_properties.as_ref(),
    };
    let has_properties = !any.properties.is_empty() || any.additional_properties.is_some();
    // Beside `allOf`, a `required` list alone also says something.
    let has_object_keywords = has_properties || !any.required.is_empty();
    let strings = || {
        distinct(
            any.enumeration
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned)),
        )
    };
    let all_strings = any.enumeration.iter().all(|v| v.is_string() || v.is_null());
    if !any.all_of.is_empty() {
        return Shape::AllOf(&any.all_of, has_object_keywords.then_some(object));
    }
    if !any.one_of.is_empty() {
        return Shape::OneOf(&any.one_of, "oneOf");
    }
    if !any.any_of.is_empty() {
        return Shape::OneOf(&any.any_of, "anyOf");
    }
    match any.typ.as_deref() {
        Some("null") => Shape::Null,
        Some("object") => Shape::Object(object),
        Some("array") => Shape::Array(any.items.as_ref()),
        Some("string") if all_strings => Shape::String {
            format: any.format.as_deref(),
            values: strings(),
        },
        Some("string") => Shape::String {
            format: any.format.as_deref(),
            values: Vec::new(),
        },
        Some("integer") => Shape::Integer {
            format: any.format.as_deref(),
            values: distinct(any.enumeration.iter().filter_map(|v| v.as_i64())),
        },
        Some("number") => Shape::Number {
            format: any.format.as_deref(),
        },
        Some("boolean") => Shape::Boolean,
        None if has_properties => Shape::Object(object),
        None if any.items.is_some() => Shape::Array(any.items.as_ref()),
        None if !any.enumeration.is_empty() && all_strings => Shape::String {
            format: any.format.as_deref(),
            values: strings(),
        },
        _ => Shape::Any,
    }
}

/// A part of a composition that only allows `null`.
pub(super) fn is_null(part: &ReferenceOr<Schema>) -> bool {
    matches!(part, ReferenceOr::Item(schema) if matches!(shape(schema), Shape::Null))
}

/// A part of an `allOf` that says nothing about the value (a description,
/// `nullable`, `{}`).
fn is_annotation(part: &ReferenceOr<Schema>) -> bool {
    matches!(part, ReferenceOr::Item(schema) if matches!(shape(schema), Shape::Any | Shape::Null))
}

/// The one part a composition stands for, with its pointer, when it has
/// one: a `oneOf` of one schema (and perhaps `null`), or an `allOf` of one
/// schema that is not an object to merge.
pub(super) fn single_part<'s>(
    schema: &'s Schema,
    pointer: &str,
) -> Option<(&'s ReferenceOr<Schema>, String)> {
    let (parts, keyword) = match shape(schema) {
        Shape::OneOf(parts, keyword) => {
            let mut significant = parts.iter().enumerate().filter(|(_, p)| !is_null(p));
            let (index, part) = significant.next()?;
            if significant.next().is_some() {
                return None;
            }
            return Some((part, format!("{pointer}/{keyword}/{index}")));
        }
        Shape::AllOf(parts, None) => (parts, "allOf"),
        _ => return None,
    };
    let mut significant = parts.iter().enumerate().filter(|(_, p)| !is_annotation(p));
    let (index, part) = significant.next()?;
    if significant.next().is_some() {
        return None;
    }
    let mergeable = match part {
        ReferenceOr::Reference { .. } => false,
        ReferenceOr::Item(schema) => matches!(shape(schema), Shape::Object(_) | Shape::AllOf(..)),
    };
    (!mergeable).then(|| (part, format!("{pointer}/{keyword}/{index}")))
}

/// Whether a schema may be `null`, by `nullable` or a `null` part.
pub(super) fn is_nullable(schema: &Schema) -> bool {
    schema.schema_data.nullable
        || match shape(schema) {
            Shape::OneOf(parts, _) => parts.iter().any(is_null),
            _ => false,
        }
}

/// Whether a schema becomes a type of its own (a struct or enum) rather
/// than a built-in type, a collection or another type.
pub(super) fn needs_name(schema: &Schema) -> bool {
    if let Some((part, _)) = single_part(schema, "") {
        return match part {
            ReferenceOr::Reference { .. } => false,
            ReferenceOr::Item(part) => needs_name(part),
        };
    }
    match shape(schema) {
        Shape::String { values, .. } => !values.is_empty(),
        Shape::Integer { values, .. } => !values.is_empty(),
        Shape::Object(object) => !object.properties.is_empty(),
        Shape::AllOf(parts, extra) => extra.is_some() || parts.iter().any(|p| !is_annotation(p)),
        Shape::OneOf(parts, _) => parts.iter().any(|p| !is_null(p)),
        Shape::Number { .. } | Shape::Boolean | Shape::Array(_) | Shape::Null | Shape::Any => false,
    }
}

pub(super) fn string_type(format: Option<&str>) -> TypeRef {
    match format {
        Some("date-time") => TypeRef::DateTime,
        Some("date") => TypeRef::Date,
        Some("uuid") => TypeRef::Uuid,
        _ => TypeRef::String,
    }
}

pub(super) fn integer_type(format: Option<&str>) -> TypeRef {
    match format {
        Some("int8") => TypeRef::I8,
        Some("int16") => TypeRef::I16,
        Some("int32") => TypeRef::I32,
        Some("uint8") => TypeRef::U8,
        Some("uint16") => TypeRef::U16,
        Some("uint32") => TypeRef::U32,
        Some("uint64") => TypeRef::U64,
        _ => TypeRef::I64,
    }
}

pub(super) fn number_type(format: Option<&str>) -> TypeRef {
    match format {
        Some("float") => TypeRef::F32,
        _ => TypeRef::F64,
    }
}

/// `ty`, which may also be `null`.
pub(super) fn optional(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(_) | TypeRef::Json => ty,
        ty => TypeRef::Option(Box::new(ty)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(json: serde_json::Value) -> Schema {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn values_are_listed_once_each_in_order_however_many() {
        for count in [0, 1, 15, 16, 17, 40] {
            // Each value twice, the second time after all the others.
            let values: Vec<usize> = (0..count).chain(0..count).map(|v| v * 7 % 41).collect();
            let expected: Vec<usize> = (0..count).map(|v| v * 7 % 41).collect();
            assert_eq!(distinct(values), expected, "{count}");
        }
    }

    #[test]
    fn shapes_do_not_depend_on_how_the_schema_is_spelled() {
        // A typed string enum, and one `openapiv3` reads as "any" because
        // it lists `null` among string values.
        let typed = schema(serde_json::json!({"type": "string", "enum": ["a", "b", "a"]}));
        let any = schema(serde_json::json!({"type": "string", "enum": ["a", null, "b"]}));
        for schema in [&typed, &any] {
            let Shape::String { values, format } = shape(schema) else {
                panic!("a string")
            };
            assert_eq!(values, ["a", "b"], "listed once each, in order");
            assert_eq!(format, None);
        }
        let object = schema(serde_json::json!({"properties": {"id": {"type": "integer"}}}));
        assert!(matches!(shape(&object), Shape::Object(o) if o.properties.len() == 1));
        let all_of = schema(serde_json::json!({"allOf": [{"type": "object"}], "required": ["id"]}));
        assert!(matches!(shape(&all_of), Shape::AllOf(parts, Some(_)) if parts.len() == 1));
        let null = schema(serde_json::json!({"type": "null"}));
        assert!(matches!(shape(&null), Shape::Null));
        assert!(matches!(shape(&schema(serde_json::json!({}))), Shape::Any));
    }

    #[test]
    fn a_composition_of_one_schema_stands_for_it() {
        let nullable = schema(serde_json::json!({
            "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Pet"}]
        }));
        let (part, pointer) = single_part(&nullable, "/p").unwrap();
        assert!(matches!(part, ReferenceOr::Reference { .. }));
        assert_eq!(pointer, "/p/oneOf/1");
        assert!(is_nullable(&nullable));
        assert!(!needs_name(&nullable), "a reference names its own type");
        // An `allOf` of an object is merged into a struct, not stood for.
        let merged = schema(serde_json::json!({
            "allOf": [{"description": "d"}, {"type": "object", "properties": {"a": {}}}]
        }));
        assert!(single_part(&merged, "").is_none());
        assert!(needs_name(&merged));
        let two = schema(serde_json::json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}));
        assert!(single_part(&two, "").is_none());
        assert!(!is_nullable(&two));
    }

    #[test]
    fn formats_choose_the_rust_type() {
        assert_eq!(string_type(Some("date-time")), TypeRef::DateTime);
        assert_eq!(string_type(Some("email")), TypeRef::String);
        assert_eq!(integer_type(Some("uint8")), TypeRef::U8);
        assert_eq!(integer_type(None), TypeRef::I64);
        assert_eq!(number_type(Some("float")), TypeRef::F32);
        assert_eq!(
            optional(optional(TypeRef::Bool)),
            TypeRef::Option(Box::new(TypeRef::Bool))
        );
        assert_eq!(optional(TypeRef::Json), TypeRef::Json, "JSON holds null");
    }
}
