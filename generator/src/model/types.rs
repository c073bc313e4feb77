//! Schemas to Rust types: component schemas keep their names, inline
//! schemas are named after where they appear. `allOf` is merged into one
//! struct, `oneOf` and `anyOf` become enums (tagged by a discriminator when
//! there is one), enums keep values the document does not list, and
//! formats choose the Rust type.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::names::{self, Namespace};
use super::{Example, Field, Tagging, TypeDef, TypeKind, TypeRef, UnionVariant, Variant};
use crate::error::{escape_pointer_token, Warning};
use crate::load::Document;

const COMPONENT_PREFIX: &str = "#/components/schemas/";
const COMPONENT_POINTER: &str = "/components/schemas/";

/// How deep `allOf` may reference other schemas before it is taken for a
/// cycle.
const MAX_ALL_OF_DEPTH: usize = 32;

/// How many component definitions may be nested (a component's `allOf` or
/// property referencing another, which references another…) before the
/// next one is left to [`TypeBuilder::declare_components`]' loop: deep
/// chains of references are defined one stretch at a time instead of
/// overflowing the stack.
const MAX_DEFINE_DEPTH: usize = 48;

pub(crate) struct TypeBuilder<'a> {
    document: &'a Document,
    names: Namespace,
    /// Component schema key to Rust name. Looked up, never iterated.
    components: HashMap<String, String>,
    /// Components whose definition has started. Looked up, never iterated.
    defined: HashSet<String>,
    /// Named inline types by the JSON pointer of their schema, for schemas
    /// under `/components/schemas`: a property merged into several `allOf`
    /// structs keeps the one type its own schema gave it. Looked up, never
    /// iterated.
    inline_types: HashMap<String, TypeRef>,
    defs: Vec<TypeDef>,
    warnings: Vec<Warning>,
    /// The document as JSON, made when a `$ref` points somewhere other than
    /// a component schema (`#/components/schemas/Pet/properties/id`).
    document_json: Option<serde_json::Value>,
    /// How many such `$ref`s are being followed, to stop at a cycle.
    pointer_depth: usize,
    /// How many component definitions are in progress, one inside another.
    define_depth: usize,
    /// The document's JSON examples, with the types they are examples of.
    pub(crate) examples: Vec<Example>,
}

/// What a schema describes, however the document spelled it (`openapiv3`
/// reads a schema mixing keywords of several types as an "any" schema).
enum Shape<'s> {
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
struct Object<'s> {
    properties: &'s IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &'s [String],
    additional: Option<&'s AdditionalProperties>,
}

/// Properties gathered from an object or from the parts of an `allOf`.
#[derive(Default)]
struct Merged<'s> {
    /// Wire name, schema and its pointer; a later part's schema replaces an
    /// earlier one unless it says nothing about the type.
    properties: Vec<(String, &'s ReferenceOr<Box<Schema>>, String)>,
    required: HashSet<String>,
    additional: Option<(&'s AdditionalProperties, String)>,
    /// `oneOf`/`anyOf` parts, kept as flattened fields of their own type.
    unions: Vec<(&'s ReferenceOr<Schema>, String)>,
    /// A part that is neither an object nor a union, so the parts cannot be
    /// merged.
    unmergeable: bool,
    /// Where `allOf` parts referenced others more than [`MAX_ALL_OF_DEPTH`]
    /// deep, which is taken for a cycle and not merged.
    too_deep: Option<String>,
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
    let mut seen = HashSet::new();
    values
        .into_iter()
        .filter(|value| seen.insert(value.clone()))
        .collect()
}

fn shape(schema: &Schema) -> Shape<'_> {
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
fn is_null(part: &ReferenceOr<Schema>) -> bool {
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
fn single_part<'s>(schema: &'s Schema, pointer: &str) -> Option<(&'s ReferenceOr<Schema>, String)> {
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
fn is_nullable(schema: &Schema) -> bool {
    schema.schema_data.nullable
        || match shape(schema) {
            Shape::OneOf(parts, _) => parts.iter().any(is_null),
            _ => false,
        }
}

/// Whether a schema becomes a type of its own (a struct or enum) rather
/// than a built-in type, a collection or another type.
fn needs_name(schema: &Schema) -> bool {
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

fn string_type(format: Option<&str>) -> TypeRef {
    match format {
        Some("date-time") => TypeRef::DateTime,
        Some("date") => TypeRef::Date,
        Some("uuid") => TypeRef::Uuid,
        _ => TypeRef::String,
    }
}

fn integer_type(format: Option<&str>) -> TypeRef {
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

fn number_type(format: Option<&str>) -> TypeRef {
    match format {
        Some("float") => TypeRef::F32,
        _ => TypeRef::F64,
    }
}

/// `ty`, which may also be `null`.
fn optional(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(_) | TypeRef::Json => ty,
        ty => TypeRef::Option(Box::new(ty)),
    }
}

/// The component key a `$ref` names, if it names one.
fn component_key(reference: &str) -> Option<String> {
    reference
        .strip_prefix(COMPONENT_PREFIX)
        .map(|key| key.replace("~1", "/").replace("~0", "~"))
}

impl<'a> TypeBuilder<'a> {
    pub(crate) fn new(document: &'a Document) -> Self {
        TypeBuilder {
            document,
            names: Namespace::default(),
            components: HashMap::new(),
            defined: HashSet::new(),
            inline_types: HashMap::new(),
            defs: Vec::new(),
            warnings: Vec::new(),
            document_json: None,
            pointer_depth: 0,
            define_depth: 0,
            examples: Vec::new(),
        }
    }

    /// Names every component schema, then defines each, in document order
    /// (a schema another one's `allOf` merges comes first).
    pub(crate) fn declare_components(&mut self) {
        let Some(components) = &self.document.api.components else {
            return;
        };
        for (key, schema) in &components.schemas {
            let name = self.names.unique(names::type_name(key));
            if let ReferenceOr::Item(schema) = schema {
                if let Some(value) = &schema.schema_data.example {
                    self.examples.push(Example {
                        pointer: format!(
                            "{COMPONENT_POINTER}{}/example",
                            escape_pointer_token(key)
                        ),
                        ty: TypeRef::Named(name.clone()),
                        value: value.clone(),
                    });
                }
            }
            self.components.insert(key.clone(), name);
        }
        for key in components.schemas.keys() {
            self.define_component(key);
        }
    }

    pub(crate) fn finish(mut self) -> (Vec<TypeDef>, Vec<Warning>, Vec<Example>) {
        box_cycles(&mut self.defs);
        (self.defs, self.warnings, self.examples)
    }

    /// Keeps the examples of a JSON media type (`example`, and the values
    /// of `examples`) as examples of `ty`.
    pub(crate) fn media_examples(
        &mut self,
        media: &openapiv3::MediaType,
        ty: &TypeRef,
        pointer: &str,
    ) {
        if let Some(value) = &media.example {
            self.examples.push(Example {
                pointer: format!("{pointer}/example"),
                ty: ty.clone(),
                value: value.clone(),
            });
        }
        for (name, example) in &media.examples {
            // An example shared through `components/examples` is checked
            // once per type, under its own pointer.
            let (example, pointer) = match example {
                ReferenceOr::Item(example) => (
                    example,
                    format!("{pointer}/examples/{}/value", escape_pointer_token(name)),
                ),
                ReferenceOr::Reference { reference } => {
                    let Some(key) = reference.strip_prefix("#/components/examples/") else {
                        continue;
                    };
                    let components = self.document.api.components.as_ref();
                    let Some(ReferenceOr::Item(example)) =
                        components.and_then(|c| c.examples.get(key))
                    else {
                        continue;
                    };
                    (example, format!("/components/examples/{key}/value"))
                }
            };
            let Some(value) = &example.value else {
                continue;
            };
            if self
                .examples
                .iter()
                .any(|known| known.pointer == pointer && known.ty == *ty)
            {
                continue;
            }
            self.examples.push(Example {
                pointer,
                ty: ty.clone(),
                value: value.clone(),
            });
        }
    }

    fn component(&self, key: &str) -> Option<&'a ReferenceOr<Schema>> {
        self.document.api.components.as_ref()?.schemas.get(key)
    }

    /// The schema a component key stands for, following components that
    /// are `$ref`s to other components.
    fn resolve_component(&self, key: &str) -> Option<(&'a Schema, String)> {
        let mut key = key.to_owned();
        for _ in 0..MAX_ALL_OF_DEPTH {
            match self.component(&key)? {
                ReferenceOr::Item(schema) => {
                    let pointer = format!("{COMPONENT_POINTER}{}", escape_pointer_token(&key));
                    return Some((schema, pointer));
                }
                ReferenceOr::Reference { reference } => key = component_key(reference)?,
            }
        }
        None
    }

    /// Defines the type of a component unless that has started already.
    ///
    /// Defining one component may define those it references first (so that
    /// their inline types are named after them); past [`MAX_DEFINE_DEPTH`]
    /// nested definitions that is left to the loop of
    /// [`Self::declare_components`], which defines every component anyway,
    /// so that no chain of references can exhaust the stack.
    fn define_component(&mut self, key: &str) {
        if self.define_depth >= MAX_DEFINE_DEPTH || !self.defined.insert(key.to_owned()) {
            return;
        }
        let (Some(name), Some(schema)) = (self.components.get(key).cloned(), self.component(key))
        else {
            return;
        };
        let pointer = format!("{COMPONENT_POINTER}{}", escape_pointer_token(key));
        self.define_depth += 1;
        self.define(name, schema, &pointer);
        self.define_depth -= 1;
    }

    /// Defines a named type for `schema`.
    fn define(&mut self, name: String, schema: &ReferenceOr<Schema>, pointer: &str) {
        // Reserve the place first so a type comes before the inline types
        // named after it.
        let index = self.reserve(&name, None);
        let (doc, kind) = match schema {
            ReferenceOr::Reference { .. } => {
                (None, TypeKind::Alias(self.type_of(schema, &name, pointer)))
            }
            ReferenceOr::Item(item) => {
                let doc = item.schema_data.description.clone();
                let kind = match self.named_kind(&name, item, pointer) {
                    Some(kind) => kind,
                    None => TypeKind::Alias(self.type_of(schema, &name, pointer)),
                };
                (doc, kind)
            }
        };
        self.defs[index].doc = doc;
        self.defs[index].kind = kind;
    }

    /// Appends a placeholder definition and returns its index.
    fn reserve(&mut self, name: &str, doc: Option<String>) -> usize {
        self.defs.push(TypeDef {
            name: name.to_owned(),
            doc,
            kind: TypeKind::Alias(TypeRef::Json),
        });
        self.defs.len() - 1
    }

    /// A struct or enum definition for schemas that need one (see
    /// [`needs_name`]).
    fn named_kind(&mut self, name: &str, schema: &Schema, pointer: &str) -> Option<TypeKind> {
        if !needs_name(schema) {
            return None;
        }
        if let Some((part, part_pointer)) = single_part(schema, pointer) {
            return match part {
                ReferenceOr::Item(part) => self.named_kind(name, part, &part_pointer),
                ReferenceOr::Reference { .. } => None,
            };
        }
        let kind = match shape(schema) {
            Shape::String { values, .. } => {
                let mut variant_names = Namespace::default();
                let variants = values
                    .into_iter()
                    .map(|value| Variant {
                        name: variant_names.unique(names::variant_name(&value)),
                        wire: value,
                        doc: None,
                    })
                    .collect();
                TypeKind::Enum {
                    variants,
                    fallback: variant_names.unique(names::FALLBACK_VARIANT.to_owned()),
                }
            }
            Shape::Integer { values, .. } => {
                let labels = enum_labels(schema, values.len());
                let mut variant_names = Namespace::default();
                let variants = values
                    .into_iter()
                    .enumerate()
                    .map(|(i, value)| Variant {
                        name: variant_names.unique(match &labels {
                            Some(labels) => names::variant_name(&labels[i]),
                            None => names::integer_variant_name(value),
                        }),
                        wire: value,
                        doc: None,
                    })
                    .collect();
                TypeKind::IntegerEnum {
                    variants,
                    fallback: variant_names.unique(names::FALLBACK_VARIANT.to_owned()),
                }
            }
            Shape::Object(object) => {
                let mut merged = Merged::default();
                merged.add_object(object, pointer);
                self.struct_kind(name, merged)
            }
            Shape::AllOf(parts, extra) => {
                let mut merged = Merged::default();
                self.merge_parts(parts, &format!("{pointer}/allOf"), &mut merged, 0);
                if let Some(extra) = extra {
                    merged.add_object(extra, pointer);
                }
                if let Some(deepest) = &merged.too_deep {
                    self.warn(
                        pointer,
                        format!(
                            "`allOf` parts reference other `allOf`s more than {MAX_ALL_OF_DEPTH} \
                             deep (down to #{deepest}), taken for a cycle; using a JSON value"
                        ),
                    );
                    TypeKind::Alias(TypeRef::Json)
                } else if merged.unmergeable {
                    self.warn(
                        pointer,
                        "`allOf` combines schemas that are not objects; using a JSON value"
                            .to_owned(),
                    );
                    TypeKind::Alias(TypeRef::Json)
                } else {
                    self.struct_kind(name, merged)
                }
            }
            Shape::OneOf(parts, keyword) => self.union_kind(name, schema, parts, keyword, pointer),
            Shape::Number { .. } | Shape::Boolean | Shape::Array(_) | Shape::Null | Shape::Any => {
                return None
            }
        };
        Some(kind)
    }

    /// Gathers the properties of the parts of an `allOf`, following `$ref`s.
    fn merge_parts<'s>(
        &mut self,
        parts: &'s [ReferenceOr<Schema>],
        pointer: &str,
        merged: &mut Merged<'s>,
        depth: usize,
    ) where
        'a: 's,
    {
        for (index, part) in parts.iter().enumerate() {
            let (schema, part_pointer) = match part {
                ReferenceOr::Item(schema) => (schema, format!("{pointer}/{index}")),
                ReferenceOr::Reference { reference } if component_key(reference).is_none() => {
                    merged.unmergeable = true;
                    continue;
                }
                ReferenceOr::Reference { reference } => {
                    let resolved = component_key(reference).and_then(|key| {
                        // Its inline types are named after it, not after us.
                        self.define_component(&key);
                        self.resolve_component(&key)
                    });
                    match resolved {
                        Some((schema, pointer)) if depth < MAX_ALL_OF_DEPTH => (schema, pointer),
                        Some(_) => {
                            merged.unmergeable = true;
                            merged.too_deep = Some(format!("{pointer}/{index}"));
                            continue;
                        }
                        None => {
                            merged.unmergeable = true;
                            continue;
                        }
                    }
                }
            };
            match shape(schema) {
                Shape::Object(object) => merged.add_object(object, &part_pointer),
                Shape::AllOf(inner, extra) => {
                    self.merge_parts(inner, &format!("{part_pointer}/allOf"), merged, depth + 1);
                    if let Some(extra) = extra {
                        merged.add_object(extra, &part_pointer);
                    }
                }
                Shape::OneOf(..) => merged.unions.push((part, part_pointer)),
                Shape::Any | Shape::Null => {}
                _ => merged.unmergeable = true,
            }
        }
    }

    fn struct_kind(&mut self, name: &str, merged: Merged<'_>) -> TypeKind {
        let mut field_names = Namespace::default();
        let mut fields = Vec::new();
        for (wire, property, field_pointer) in &merged.properties {
            let hint = format!("{name} {wire}");
            let ty = self.type_of_boxed(property, &hint, field_pointer);
            let required = merged.required.contains(wire);
            let doc = match property {
                ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            let ty = if required { ty } else { optional_field(ty) };
            fields.push(Field {
                name: field_names.unique(names::value_name(wire)),
                wire: wire.clone(),
                ty,
                optional: !required,
                flatten: false,
                doc,
            });
        }
        let additional = match &merged.additional {
            Some((AdditionalProperties::Schema(value), pointer)) => {
                let value_pointer = format!("{pointer}/additionalProperties");
                Some(self.type_of(value, &format!("{name} value"), &value_pointer))
            }
            Some((AdditionalProperties::Any(true), _)) => Some(TypeRef::Json),
            Some((AdditionalProperties::Any(false), _)) | None => None,
        };
        for (part, pointer) in &merged.unions {
            let ty = self.type_of(part, &format!("{name} one of"), pointer);
            fields.push(Field {
                name: field_names.unique("one_of".to_owned()),
                wire: String::new(),
                ty,
                optional: false,
                flatten: true,
                doc: None,
            });
        }
        if let Some(value) = additional {
            fields.push(Field {
                name: field_names.unique(names::ADDITIONAL_PROPERTIES.to_owned()),
                wire: String::new(),
                ty: TypeRef::Map(Box::new(value)),
                optional: false,
                flatten: true,
                doc: Some("Properties not listed above.".to_owned()),
            });
        }
        TypeKind::Struct { fields }
    }

    fn union_kind(
        &mut self,
        name: &str,
        schema: &Schema,
        parts: &[ReferenceOr<Schema>],
        keyword: &str,
        pointer: &str,
    ) -> TypeKind {
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut variant_names = Namespace::default();
        let mut variants = Vec::new();
        if let Some(values) = one_of_strings(parts) {
            let variants = values
                .into_iter()
                .map(|(value, doc)| Variant {
                    name: variant_names.unique(names::variant_name(&value)),
                    wire: value,
                    doc,
                })
                .collect();
            return TypeKind::Enum {
                variants,
                fallback: variant_names.unique(names::FALLBACK_VARIANT.to_owned()),
            };
        }
        if discriminator.is_none() {
            if let Some(tag) = implicit_tag(parts) {
                for ((index, part), value) in tag.parts.iter().zip(&tag.values) {
                    let part_pointer = format!("{pointer}/{keyword}/{index}");
                    let variant_name = match &part.schema_data.title {
                        Some(title) => names::type_name(title),
                        None => names::variant_name(value),
                    };
                    let hint = format!("{name} {variant_name}");
                    let stripped = without_property(part, &tag.property);
                    // A part with nothing but the tag is a unit variant.
                    let ty = match shape(&stripped) {
                        Shape::Object(object)
                            if object.properties.is_empty() && object.additional.is_none() =>
                        {
                            None
                        }
                        _ => Some(self.type_of(&ReferenceOr::Item(stripped), &hint, &part_pointer)),
                    };
                    variants.push(UnionVariant {
                        name: variant_names.unique(variant_name),
                        ty,
                        tags: vec![value.clone()],
                        doc: part.schema_data.description.clone(),
                    });
                }
                let tagging = Tagging::Internal {
                    property: tag.property,
                    fallback: variant_names.unique(names::FALLBACK_VARIANT.to_owned()),
                };
                return TypeKind::Union { variants, tagging };
            }
        }
        for (index, part) in parts.iter().enumerate() {
            if is_null(part) {
                continue;
            }
            let part_pointer = format!("{pointer}/{keyword}/{index}");
            let (variant_name, ty) = match part {
                ReferenceOr::Reference { .. } => {
                    let ty = self.type_of(part, name, &part_pointer);
                    let variant_name = match inner_named(&ty) {
                        Some(target) => target.to_owned(),
                        None => "Value".to_owned(),
                    };
                    (variant_name, ty)
                }
                ReferenceOr::Item(item) => {
                    let variant_name = match (shape(item), &item.schema_data.title) {
                        (_, Some(title)) => names::type_name(title),
                        (Shape::String { values, .. }, _) if values.is_empty() => "String".into(),
                        (Shape::Integer { values, .. }, _) if values.is_empty() => "Integer".into(),
                        (Shape::Number { .. }, _) => "Number".into(),
                        (Shape::Boolean, _) => "Boolean".into(),
                        (Shape::Array(_), _) => "Array".into(),
                        (Shape::Object(object), _) if object.properties.is_empty() => {
                            "Object".into()
                        }
                        (Shape::Any, _) => "Value".into(),
                        _ => format!("Variant{}", index + 1),
                    };
                    let hint = format!("{name} {variant_name}");
                    (variant_name, self.type_of(part, &hint, &part_pointer))
                }
            };
            let tags = match discriminator {
                // A value selects the first variant it names.
                Some(discriminator) => variant_tags(discriminator, part)
                    .into_iter()
                    .filter(|tag| !variants.iter().any(|v: &UnionVariant| v.tags.contains(tag)))
                    .collect(),
                None => Vec::new(),
            };
            variants.push(UnionVariant {
                name: variant_names.unique(variant_name),
                ty: Some(ty),
                tags,
                doc: None,
            });
        }
        let tagging = match discriminator {
            Some(discriminator) if variants.iter().all(|v| !v.tags.is_empty()) => Tagging::Tagged {
                property: discriminator.property_name.clone(),
                fallback: variant_names.unique(names::FALLBACK_VARIANT.to_owned()),
            },
            _ => {
                // A variant taking any JSON value would shadow those after it.
                variants.sort_by_key(|v| v.ty == Some(TypeRef::Json));
                Tagging::Untagged
            }
        };
        TypeKind::Union { variants, tagging }
    }

    /// The schema itself, following `$ref`s to components.
    pub(crate) fn resolve<'s>(&self, schema: &'s ReferenceOr<Schema>) -> Option<&'s Schema>
    where
        'a: 's,
    {
        match schema {
            ReferenceOr::Item(schema) => Some(schema),
            ReferenceOr::Reference { reference } => {
                Some(self.resolve_component(&component_key(reference)?)?.0)
            }
        }
    }

    pub(crate) fn type_of_boxed(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        hint: &str,
        pointer: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, hint, pointer),
            ReferenceOr::Item(schema) => self.inline(schema, hint, pointer),
        }
    }

    /// The type of a schema used in a field, parameter or body; inline
    /// objects and enums become named types after `hint`.
    pub(crate) fn type_of(
        &mut self,
        schema: &ReferenceOr<Schema>,
        hint: &str,
        pointer: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, hint, pointer),
            ReferenceOr::Item(schema) => self.inline(schema, hint, pointer),
        }
    }

    fn reference(&mut self, reference: &str, hint: &str, pointer: &str) -> TypeRef {
        let key = component_key(reference);
        match key.as_ref().and_then(|key| self.components.get(key)) {
            Some(name) => {
                let ty = TypeRef::Named(name.clone());
                // A nullable struct or enum; an alias says so itself.
                let nullable = key
                    .as_ref()
                    .and_then(|key| self.component(key))
                    .is_some_and(|schema| match schema {
                        ReferenceOr::Item(schema) => needs_name(schema) && is_nullable(schema),
                        ReferenceOr::Reference { .. } => false,
                    });
                if nullable {
                    optional(ty)
                } else {
                    ty
                }
            }
            None => match self.pointed_schema(reference) {
                Some((schema, target)) if self.pointer_depth < MAX_ALL_OF_DEPTH => {
                    // A schema inside a component: the component names its
                    // inline types first.
                    if let Some(key) = target
                        .strip_prefix(COMPONENT_POINTER)
                        .and_then(|rest| rest.split('/').next())
                    {
                        self.define_component(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    self.pointer_depth += 1;
                    let ty = self.type_of(&schema, hint, &target);
                    self.pointer_depth -= 1;
                    ty
                }
                _ => {
                    self.warn(
                        pointer,
                        format!("`$ref: {reference}` does not point to a schema in the document; using a JSON value"),
                    );
                    TypeRef::Json
                }
            },
        }
    }

    /// The schema a `$ref` to another place in the document points to, and
    /// its JSON pointer.
    fn pointed_schema(&mut self, reference: &str) -> Option<(ReferenceOr<Schema>, String)> {
        let target = percent_decode(reference.strip_prefix('#')?)?;
        if self.document_json.is_none() {
            self.document_json = Some(serde_json::to_value(&self.document.api).ok()?);
        }
        let value = self.document_json.as_ref()?.pointer(&target)?;
        let schema = serde_json::from_value(value.clone()).ok()?;
        Some((schema, target))
    }

    fn inline(&mut self, schema: &Schema, hint: &str, pointer: &str) -> TypeRef {
        let ty = if needs_name(schema) {
            self.inline_named(schema, hint, pointer)
        } else if let Some((part, part_pointer)) = single_part(schema, pointer) {
            self.type_of(part, hint, &part_pointer)
        } else {
            match shape(schema) {
                Shape::String { format, .. } => string_type(format),
                Shape::Integer { format, .. } => integer_type(format),
                Shape::Number { format } => number_type(format),
                Shape::Boolean => TypeRef::Bool,
                Shape::Array(items) => {
                    let item = match items {
                        Some(items) => self.type_of_boxed(
                            items,
                            &format!("{hint} item"),
                            &format!("{pointer}/items"),
                        ),
                        None => TypeRef::Json,
                    };
                    TypeRef::Vec(Box::new(item))
                }
                Shape::Object(object) => match object.additional {
                    Some(AdditionalProperties::Schema(value)) => {
                        let value_pointer = format!("{pointer}/additionalProperties");
                        let value = self.type_of(value, &format!("{hint} value"), &value_pointer);
                        TypeRef::Map(Box::new(value))
                    }
                    Some(AdditionalProperties::Any(true)) => TypeRef::Map(Box::new(TypeRef::Json)),
                    // A free-form object.
                    _ => TypeRef::Json,
                },
                Shape::AllOf(..) | Shape::OneOf(..) | Shape::Null | Shape::Any => TypeRef::Json,
            }
        };
        if is_nullable(schema) {
            optional(ty)
        } else {
            ty
        }
    }

    fn inline_named(&mut self, schema: &Schema, hint: &str, pointer: &str) -> TypeRef {
        let cacheable = pointer.starts_with(COMPONENT_POINTER);
        if cacheable {
            if let Some(ty) = self.inline_types.get(pointer) {
                return ty.clone();
            }
        }
        let name = self.names.unique(names::type_name(hint));
        if cacheable {
            self.inline_types
                .insert(pointer.to_owned(), TypeRef::Named(name.clone()));
        }
        let index = self.reserve(&name, schema.schema_data.description.clone());
        if let Some(kind) = self.named_kind(&name, schema, pointer) {
            self.defs[index].kind = kind;
        }
        TypeRef::Named(name)
    }

    pub(crate) fn warn(&mut self, pointer: &str, message: String) {
        self.warnings.push(Warning {
            location: self.document.at(pointer),
            message,
        });
    }
}

impl<'s> Merged<'s> {
    fn add_object(&mut self, object: Object<'s>, pointer: &str) {
        for (wire, property) in object.properties {
            let property_pointer = format!("{pointer}/properties/{}", escape_pointer_token(wire));
            let says_nothing = matches!(
                property,
                ReferenceOr::Item(schema) if matches!(shape(schema), Shape::Any)
            );
            match self.properties.iter_mut().find(|(w, _, _)| w == wire) {
                Some(_) if says_nothing => {}
                Some(existing) => *existing = (wire.clone(), property, property_pointer),
                None => self
                    .properties
                    .push((wire.clone(), property, property_pointer)),
            }
        }
        self.required.extend(object.required.iter().cloned());
        if let Some(additional) = object.additional {
            if !matches!(additional, AdditionalProperties::Any(false)) || self.additional.is_none()
            {
                self.additional = Some((additional, pointer.to_owned()));
            }
        }
    }
}

/// `text` with `%XX` escapes decoded, as in `$ref`s written as URIs.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// The type of an optional field: `Option`, once.
fn optional_field(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(_) => ty,
        ty => TypeRef::Option(Box::new(ty)),
    }
}

/// The named type a variant holds, under `Option`s.
fn inner_named(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Option(inner) => inner_named(inner),
        _ => None,
    }
}

/// Names for the values of an integer enum from `x-enum-varnames` or
/// `x-enumNames`, when there is one per value.
fn enum_labels(schema: &Schema, count: usize) -> Option<Vec<String>> {
    ["x-enum-varnames", "x-enumNames"].iter().find_map(|key| {
        let labels: Vec<String> = schema
            .schema_data
            .extensions
            .get(*key)?
            .as_array()?
            .iter()
            .map(|label| label.as_str().map(str::to_owned))
            .collect::<Option<_>>()?;
        (labels.len() == count).then_some(labels)
    })
}

/// The values of a union whose parts are all inline string enums (each
/// value documented by its own part, as Oxide's APIs write them), with the
/// description of the part listing each; `null` parts left out.
fn one_of_strings(parts: &[ReferenceOr<Schema>]) -> Option<Vec<(String, Option<String>)>> {
    let mut values: Vec<(String, Option<String>)> = Vec::new();
    for part in parts.iter().filter(|p| !is_null(p)) {
        let ReferenceOr::Item(schema) = part else {
            return None;
        };
        let Shape::String { values: listed, .. } = shape(schema) else {
            return None;
        };
        if listed.is_empty() {
            return None;
        }
        for value in listed {
            if !values.iter().any(|(known, _)| *known == value) {
                values.push((value, schema.schema_data.description.clone()));
            }
        }
    }
    (!values.is_empty()).then_some(values)
}

/// A property that tells the parts of a union apart without a
/// `discriminator`, and the value it has in each part.
struct ImplicitTag<'s> {
    property: String,
    /// The parts, `null` left out, each an inline object, with its index.
    parts: Vec<(usize, &'s Schema)>,
    values: Vec<String>,
}

/// The property every part of a union requires with one allowed string,
/// a different one in each part (`{"type": {"enum": ["range_to"]}}`), when
/// there is one: every part an inline object, at least two of them.
fn implicit_tag(parts: &[ReferenceOr<Schema>]) -> Option<ImplicitTag<'_>> {
    let mut objects = Vec::new();
    for (index, part) in parts.iter().enumerate().filter(|(_, p)| !is_null(p)) {
        let ReferenceOr::Item(schema) = part else {
            return None;
        };
        let Shape::Object(object) = shape(schema) else {
            return None;
        };
        objects.push((index, schema, object));
    }
    if objects.len() < 2 {
        return None;
    }
    let single_value = |object: &Object<'_>, property: &str| {
        if !object.required.iter().any(|r| r == property) {
            return None;
        }
        match object.properties.get(property)? {
            ReferenceOr::Item(schema) => match shape(schema) {
                Shape::String { mut values, .. } if values.len() == 1 => values.pop(),
                _ => None,
            },
            ReferenceOr::Reference { .. } => None,
        }
    };
    objects[0].2.properties.keys().find_map(|property| {
        let values: Vec<String> = objects
            .iter()
            .map(|(_, _, object)| single_value(object, property))
            .collect::<Option<_>>()?;
        let distinct = values.iter().collect::<HashSet<_>>().len() == values.len();
        distinct.then(|| ImplicitTag {
            property: property.clone(),
            parts: objects
                .iter()
                .map(|(index, schema, _)| (*index, *schema))
                .collect(),
            values,
        })
    })
}

/// `schema`, an object, without `property`.
fn without_property(schema: &Schema, property: &str) -> Schema {
    let mut schema = schema.clone();
    let (properties, required) = match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => (&mut object.properties, &mut object.required),
        SchemaKind::Any(any) => (&mut any.properties, &mut any.required),
        _ => return schema,
    };
    properties.shift_remove(property);
    required.retain(|r| r != property);
    schema
}

/// The discriminator values that select `part`: its entries in the
/// mapping, or the component's name; for an inline part, the one value its
/// discriminator property allows.
fn variant_tags(
    discriminator: &openapiv3::Discriminator,
    part: &ReferenceOr<Schema>,
) -> Vec<String> {
    match part {
        ReferenceOr::Reference { reference } => {
            let key = component_key(reference);
            let tags: Vec<String> = discriminator
                .mapping
                .iter()
                .filter(|(_, target)| {
                    *target == reference || key.as_deref() == Some(target.as_str())
                })
                .map(|(value, _)| value.clone())
                .collect();
            match (tags.is_empty(), key) {
                (true, Some(key)) => vec![key],
                _ => tags,
            }
        }
        ReferenceOr::Item(schema) => {
            let Shape::Object(object) = shape(schema) else {
                return Vec::new();
            };
            match object.properties.get(&discriminator.property_name) {
                Some(ReferenceOr::Item(property)) => match shape(property) {
                    Shape::String { values, .. } if values.len() == 1 => values,
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            }
        }
    }
}

/// The types a type holds inline (not behind a `Vec`, map or `Box`).
fn inline_targets(kind: &TypeKind) -> Vec<&str> {
    match kind {
        TypeKind::Struct { fields } => fields.iter().filter_map(|f| inline_target(&f.ty)).collect(),
        TypeKind::Union { variants, .. } => variants
            .iter()
            .filter_map(|v| inline_target(v.ty.as_ref()?))
            .collect(),
        TypeKind::Alias(ty) => inline_target(ty).into_iter().collect(),
        TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } => Vec::new(),
    }
}

/// The named type a field holds inline (not behind a `Vec` or map), if any.
fn inline_target(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Option(inner) => inline_target(inner),
        _ => None,
    }
}

/// The types held by fields and variants, which may need a `Box`.
fn slots_mut(kind: &mut TypeKind) -> Vec<&mut TypeRef> {
    match kind {
        TypeKind::Struct { fields } => fields.iter_mut().map(|f| &mut f.ty).collect(),
        TypeKind::Union { variants, .. } => {
            variants.iter_mut().filter_map(|v| v.ty.as_mut()).collect()
        }
        TypeKind::Alias(_) | TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } => Vec::new(),
    }
}

/// Boxes every struct field and union variant that holds, inline, a type
/// which contains its own type again (directly, through other types, or
/// through aliases), so recursive schemas have a finite size.
fn box_cycles(defs: &mut [TypeDef]) {
    let index: HashMap<String, usize> = defs
        .iter()
        .enumerate()
        .map(|(i, def)| (def.name.clone(), i))
        .collect();
    // The types each type holds inline.
    let edges: Vec<Vec<usize>> = defs
        .iter()
        .map(|def| {
            inline_targets(&def.kind)
                .iter()
                .filter_map(|t| index.get(*t).copied())
                .collect()
        })
        .collect();
    // A slot's target reaches back to its own type exactly when both are
    // in one strongly connected component.
    let component = strongly_connected(&edges);
    let mut to_box = Vec::new();
    for (i, def) in defs.iter_mut().enumerate() {
        for (slot, ty) in slots_mut(&mut def.kind).into_iter().enumerate() {
            let target = inline_target(ty).and_then(|t| index.get(t).copied());
            if target.is_some_and(|t| component[t] == component[i]) {
                to_box.push((i, slot));
            }
        }
    }
    for (i, slot) in to_box {
        if let Some(ty) = slots_mut(&mut defs[i].kind).into_iter().nth(slot) {
            *ty = match std::mem::replace(ty, TypeRef::Json) {
                TypeRef::Option(inner) => TypeRef::Option(Box::new(TypeRef::Boxed(inner))),
                other => TypeRef::Boxed(Box::new(other)),
            };
        }
    }
}

/// The strongly connected component of each node of a graph given by its
/// edges, as a component number per node: Tarjan's algorithm, iterative so
/// that chains of any length fit on the stack, in linear time so that they
/// take no longer than the document's size warrants.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNVISITED: usize = usize::MAX;
    let count = edges.len();
    let mut order = vec![UNVISITED; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut component = vec![UNVISITED; count];
    let mut stack = Vec::new();
    let mut next_order = 0;
    let mut next_component = 0;
    // The depth-first path: a node and the index of its next edge.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for root in 0..count {
        if order[root] != UNVISITED {
            continue;
        }
        path.push((root, 0));
        order[root] = next_order;
        low[root] = next_order;
        next_order += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut edge)) = path.last_mut() {
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if order[next] == UNVISITED {
                    order[next] = next_order;
                    low[next] = next_order;
                    next_order += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    path.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(order[next]);
                }
                continue;
            }
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn components_group_exactly_the_nodes_on_a_common_cycle() {
        // 0 → 1 → 2 → 0 is a cycle; 3 → 3 loops on itself; 2 → 4 → 5 leads
        // out of the cycle and 5 → 4 closes a second one; 6 is alone.
        let edges = vec![
            vec![1],
            vec![2],
            vec![0, 4],
            vec![3],
            vec![5],
            vec![4],
            vec![],
        ];
        let c = strongly_connected(&edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[4] == c[5]);
        assert_ne!(c[0], c[4]);
        assert_ne!(c[0], c[3]);
        assert_ne!(c[3], c[6]);
        assert_ne!(c[4], c[6]);
    }

    #[test]
    fn a_chain_of_any_length_takes_no_stack() {
        let count = 1_000_000;
        let mut edges: Vec<Vec<usize>> = (1..=count).map(|next| vec![next % count]).collect();
        let c = strongly_connected(&edges);
        assert!(c.iter().all(|&n| n == c[0]), "one cycle through every node");
        edges[count - 1].clear();
        let c = strongly_connected(&edges);
        assert!(
            c[0] != c[1] && c[1] != c[count - 1],
            "a chain is all singletons"
        );
    }
}
