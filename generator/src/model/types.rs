//! Schemas to Rust types: component schemas keep their names, inline
//! schemas are named after where they appear. `allOf` is merged into one
//! struct, `oneOf` and `anyOf` become enums (tagged by a discriminator when
//! there is one), enums keep values the document does not list, and
//! formats choose the Rust type.
//!
//! This module is the builder: it names and defines types and follows
//! references. What a schema describes is in `shape`, objects and `allOf`
//! in `objects`, unions in `unions`, examples in `examples`, and the boxing
//! that breaks cycles of types in `cycles`.

mod cycles;
mod examples;
mod objects;
mod shape;
mod unions;

use std::collections::{HashMap, HashSet};

use openapiv3::{AdditionalProperties, ReferenceOr, Schema};

use super::names::{self, Namespace};
use super::{Example, TypeDef, TypeKind, TypeRef, Variant};
use crate::diagnostics::Diagnostics;
use crate::load::Document;
use crate::pointer;
use objects::Merged;
use shape::{
    integer_type, is_nullable, needs_name, number_type, optional, shape, single_part, string_type,
    Shape,
};

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
    diagnostics: &'a Diagnostics<'a>,
    /// How many such `$ref`s are being followed, to stop at a cycle.
    pointer_depth: usize,
    /// How many component definitions are in progress, one inside another.
    define_depth: usize,
    /// The document's JSON examples, with the types they are examples of.
    pub(crate) examples: Vec<Example>,
}

/// The component key a `$ref` names, if it names one.
fn component_key(reference: &str) -> Option<String> {
    reference
        .strip_prefix(COMPONENT_PREFIX)
        .map(pointer::unescape)
}

impl<'a> TypeBuilder<'a> {
    pub(crate) fn new(document: &'a Document, diagnostics: &'a Diagnostics<'a>) -> Self {
        TypeBuilder {
            document,
            names: Namespace::default(),
            components: HashMap::new(),
            defined: HashSet::new(),
            inline_types: HashMap::new(),
            defs: Vec::new(),
            diagnostics,
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
            self.component_example(key, schema, &name);
            self.components.insert(key.clone(), name);
        }
        for key in components.schemas.keys() {
            self.define_component(key);
        }
    }

    /// The types defined, cycles boxed, and the examples found.
    pub(crate) fn finish(mut self) -> (Vec<TypeDef>, Vec<Example>) {
        cycles::box_cycles(&mut self.defs);
        (self.defs, self.examples)
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
                    let pointer = format!("{COMPONENT_POINTER}{}", pointer::escape(&key));
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
        let pointer = format!("{COMPONENT_POINTER}{}", pointer::escape(key));
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
                        self.define_component(&pointer::unescape(key));
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
    fn pointed_schema(&self, reference: &str) -> Option<(ReferenceOr<Schema>, String)> {
        let target = pointer::of_fragment(reference)?;
        let value = self.document.json.pointer(&target)?;
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

    /// Warns about something at `pointer` the builder worked around.
    pub(crate) fn warn(&self, pointer: &str, message: String) {
        self.diagnostics.warn(pointer, message);
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

#[cfg(test)]
mod tests {
    use super::super::{TypeKind, TypeRef};

    #[test]
    fn references_into_schemas_resolve_through_the_documents_json() {
        let text = r##"openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Pet:
      type: object
      properties:
        id: {type: integer, format: int32}
        kind: {type: string, enum: [cat, dog]}
    Owner:
      type: object
      required: [pet_id, kind, other]
      properties:
        pet_id: {$ref: '#/components/schemas/Pet/properties/id'}
        kind: {$ref: '#/components/schemas/Pet/properties/kind'}
        other: {$ref: '#/info/version'}
"##;
        let path = std::env::temp_dir().join(format!("pointed-{}.yaml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let document = crate::load::load(&path, &[]).unwrap();
        std::fs::remove_file(&path).unwrap();
        let api = crate::model::build(&document).unwrap();
        let owner = api.types.iter().find(|t| t.name == "Owner").unwrap();
        let TypeKind::Struct { fields } = &owner.kind else {
            panic!("a struct")
        };
        let types: Vec<&TypeRef> = fields.iter().map(|f| &f.ty).collect();
        assert_eq!(
            types,
            [
                &TypeRef::I32,
                &TypeRef::Named("PetKind".to_owned()),
                &TypeRef::Json
            ],
            "the enum keeps the name its component gave it"
        );
        let [warning] = &api.warnings[..] else {
            panic!("{:?}", api.warnings)
        };
        assert_eq!(
            warning.location.pointer,
            "/components/schemas/Owner/properties/other"
        );
        assert_eq!(warning.location.line, Some(17), "{warning}");
    }
}
