//! Schemas to Rust types: component schemas keep their names, inline
//! objects and enums are named after where they appear.

use std::collections::HashMap;

use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind, Type,
    VariantOrUnknownOrEmpty,
};

use super::names::{self, Namespace};
use super::{Field, TypeDef, TypeKind, TypeRef, Variant};
use crate::error::{escape_pointer_token, Warning};
use crate::load::Document;

const COMPONENT_PREFIX: &str = "#/components/schemas/";

pub(crate) struct TypeBuilder<'a> {
    document: &'a Document,
    names: Namespace,
    /// Component schema key to Rust name. Looked up, never iterated.
    components: HashMap<String, String>,
    defs: Vec<TypeDef>,
    warnings: Vec<Warning>,
}

impl<'a> TypeBuilder<'a> {
    pub(crate) fn new(document: &'a Document) -> Self {
        TypeBuilder {
            document,
            names: Namespace::default(),
            components: HashMap::new(),
            defs: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Names every component schema, then defines each, in document order.
    pub(crate) fn declare_components(&mut self) {
        let Some(components) = &self.document.api.components else {
            return;
        };
        for key in components.schemas.keys() {
            let name = self.names.unique(names::type_name(key));
            self.components.insert(key.clone(), name);
        }
        for (key, schema) in &components.schemas {
            let name = self.components[key].clone();
            let pointer = format!("/components/schemas/{}", escape_pointer_token(key));
            self.define(name, schema, &pointer);
        }
    }

    pub(crate) fn finish(mut self) -> (Vec<TypeDef>, Vec<Warning>) {
        box_cycles(&mut self.defs);
        (self.defs, self.warnings)
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

    /// A struct or enum definition for schemas that need one.
    fn named_kind(&mut self, name: &str, schema: &Schema, pointer: &str) -> Option<TypeKind> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) if !string.enumeration.is_empty() => {
                let mut variant_names = Namespace::default();
                let variants = string
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|value| Variant {
                        name: variant_names.unique(names::variant_name(value)),
                        wire: value.clone(),
                    })
                    .collect();
                Some(TypeKind::Enum { variants })
            }
            SchemaKind::Type(Type::Object(object))
                if !object.properties.is_empty() || object.additional_properties.is_none() =>
            {
                let mut field_names = Namespace::default();
                let mut fields = Vec::new();
                for (wire, property) in &object.properties {
                    let field_pointer =
                        format!("{pointer}/properties/{}", escape_pointer_token(wire));
                    let hint = format!("{name} {wire}");
                    let ty = self.type_of_boxed(property, &hint, &field_pointer);
                    let required = object.required.iter().any(|r| r == wire);
                    let doc = match property {
                        ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
                        ReferenceOr::Reference { .. } => None,
                    };
                    let ty = match (required, ty) {
                        (true, ty) => ty,
                        (false, TypeRef::Option(inner)) => TypeRef::Option(inner),
                        (false, ty) => TypeRef::Option(Box::new(ty)),
                    };
                    fields.push(Field {
                        name: field_names.unique(names::value_name(wire)),
                        wire: wire.clone(),
                        ty,
                        optional: !required,
                        doc,
                    });
                }
                Some(TypeKind::Struct { fields })
            }
            _ => None,
        }
    }

    pub(crate) fn type_of_boxed(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        hint: &str,
        pointer: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer),
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
            ReferenceOr::Reference { reference } => self.reference(reference, pointer),
            ReferenceOr::Item(schema) => self.inline(schema, hint, pointer),
        }
    }

    fn reference(&mut self, reference: &str, pointer: &str) -> TypeRef {
        let target = reference
            .strip_prefix(COMPONENT_PREFIX)
            .map(|key| key.replace("~1", "/").replace("~0", "~"));
        match target.and_then(|key| self.components.get(&key)) {
            Some(name) => TypeRef::Named(name.clone()),
            None => {
                self.warn(
                    pointer,
                    format!(
                        "`$ref: {reference}` does not name a component schema; using a JSON value"
                    ),
                );
                TypeRef::Json
            }
        }
    }

    fn inline(&mut self, schema: &Schema, hint: &str, pointer: &str) -> TypeRef {
        let ty = match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) if !string.enumeration.is_empty() => {
                self.inline_named(schema, hint, pointer)
            }
            SchemaKind::Type(Type::String(_)) => TypeRef::String,
            SchemaKind::Type(Type::Integer(integer)) => match integer.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                _ => TypeRef::I64,
            },
            SchemaKind::Type(Type::Number(number)) => match number.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            },
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Type(Type::Array(array)) => {
                let item = match &array.items {
                    Some(items) => self.type_of_boxed(
                        items,
                        &format!("{hint} item"),
                        &format!("{pointer}/items"),
                    ),
                    None => TypeRef::Json,
                };
                TypeRef::Vec(Box::new(item))
            }
            SchemaKind::Type(Type::Object(object))
                if object.properties.is_empty() && object.additional_properties.is_some() =>
            {
                match &object.additional_properties {
                    Some(AdditionalProperties::Schema(value)) => {
                        let value_pointer = format!("{pointer}/additionalProperties");
                        let value = self.type_of(value, &format!("{hint} value"), &value_pointer);
                        TypeRef::Map(Box::new(value))
                    }
                    Some(AdditionalProperties::Any(true)) => TypeRef::Map(Box::new(TypeRef::Json)),
                    _ => TypeRef::Json,
                }
            }
            SchemaKind::Type(Type::Object(_)) => self.inline_named(schema, hint, pointer),
            // Composition is typed in a later step; until then it is a JSON value.
            SchemaKind::OneOf { .. }
            | SchemaKind::AllOf { .. }
            | SchemaKind::AnyOf { .. }
            | SchemaKind::Not { .. }
            | SchemaKind::Any(_) => TypeRef::Json,
        };
        if schema.schema_data.nullable && !matches!(ty, TypeRef::Option(_) | TypeRef::Json) {
            TypeRef::Option(Box::new(ty))
        } else {
            ty
        }
    }

    fn inline_named(&mut self, schema: &Schema, hint: &str, pointer: &str) -> TypeRef {
        let name = self.names.unique(names::type_name(hint));
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

/// The named type a field holds inline (not behind a `Vec` or map), if any.
fn inline_target(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Option(inner) => inline_target(inner),
        _ => None,
    }
}

/// Boxes every struct field that holds, inline, a type which contains the
/// struct again (directly, through other structs, or through aliases), so
/// recursive schemas have a finite size.
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
            let targets: Vec<&str> = match &def.kind {
                TypeKind::Struct { fields } => {
                    fields.iter().filter_map(|f| inline_target(&f.ty)).collect()
                }
                TypeKind::Alias(ty) => inline_target(ty).into_iter().collect(),
                TypeKind::Enum { .. } => Vec::new(),
            };
            targets
                .iter()
                .filter_map(|t| index.get(*t).copied())
                .collect()
        })
        .collect();
    let reaches = |from: usize, to: usize| {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        while let Some(node) = stack.pop() {
            if node == to {
                return true;
            }
            if !std::mem::replace(&mut seen[node], true) {
                stack.extend(&edges[node]);
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (i, def) in defs.iter().enumerate() {
        if let TypeKind::Struct { fields } = &def.kind {
            for (f, field) in fields.iter().enumerate() {
                let target = inline_target(&field.ty).and_then(|t| index.get(t).copied());
                if target.is_some_and(|t| reaches(t, i)) {
                    to_box.push((i, f));
                }
            }
        }
    }
    for (i, f) in to_box {
        if let TypeKind::Struct { fields } = &mut defs[i].kind {
            let ty = std::mem::replace(&mut fields[f].ty, TypeRef::Json);
            fields[f].ty = match ty {
                TypeRef::Option(inner) => TypeRef::Option(Box::new(TypeRef::Boxed(inner))),
                other => TypeRef::Boxed(Box::new(other)),
            };
        }
    }
}
