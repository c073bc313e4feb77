//! Objects and `allOf`: properties gathered from an object or from every
//! part of an `allOf` (following `$ref`s to components) into one struct.

use std::collections::HashSet;

use openapiv3::{AdditionalProperties, ReferenceOr, Schema};

use super::super::names::{self, Namespace};
use super::super::{Field, TypeKind, TypeRef};
use super::shape::{shape, Object, Shape};
use super::{component_key, TypeBuilder, MAX_ALL_OF_DEPTH};
use crate::pointer;

/// Properties gathered from an object or from the parts of an `allOf`.
#[derive(Default)]
pub(super) struct Merged<'s> {
    /// Wire name, schema and its pointer; a later part's schema replaces an
    /// earlier one unless it says nothing about the type.
    pub(super) properties: Vec<(String, &'s ReferenceOr<Box<Schema>>, String)>,
    pub(super) required: HashSet<String>,
    pub(super) additional: Option<(&'s AdditionalProperties, String)>,
    /// `oneOf`/`anyOf` parts, kept as flattened fields of their own type.
    pub(super) unions: Vec<(&'s ReferenceOr<Schema>, String)>,
    /// A part that is neither an object nor a union, so the parts cannot be
    /// merged.
    pub(super) unmergeable: bool,
    /// Where `allOf` parts referenced others more than [`MAX_ALL_OF_DEPTH`]
    /// deep, which is taken for a cycle and not merged.
    pub(super) too_deep: Option<String>,
}

impl<'a> TypeBuilder<'a> {
    /// Gathers the properties of the parts of an `allOf`, following `$ref`s.
    pub(super) fn merge_parts<'s>(
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

    pub(super) fn struct_kind(&mut self, name: &str, merged: Merged<'_>) -> TypeKind {
        let mut field_names = Namespace::default();
        // A field per property and union, and one for additional
        // properties: a large struct would otherwise be moved as it grows.
        let mut fields = Vec::with_capacity(merged.properties.len() + merged.unions.len() + 1);
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
}

impl<'s> Merged<'s> {
    /// Adds the properties of `object` (at `pointer`): a property named
    /// again replaces the earlier one unless it says nothing about its
    /// type; `required` lists add up; `additionalProperties: false` gives
    /// way to any other.
    pub(super) fn add_object(&mut self, object: Object<'s>, pointer: &str) {
        // The properties of the first object added are a map's keys, each
        // once: only a later object's are looked for among those before.
        let first = self.properties.is_empty();
        let properties_pointer = format!("{pointer}/properties");
        for (wire, property) in object.properties {
            let property_pointer = pointer::join(&properties_pointer, wire);
            let existing = if first {
                None
            } else {
                self.properties.iter_mut().find(|(w, _, _)| w == wire)
            };
            match existing {
                Some(existing) => {
                    let says_nothing = matches!(
                        property,
                        ReferenceOr::Item(schema) if matches!(shape(schema), Shape::Any)
                    );
                    if !says_nothing {
                        *existing = (wire.clone(), property, property_pointer);
                    }
                }
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

/// The type of an optional field: `Option`, once.
fn optional_field(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(_) => ty,
        ty => TypeRef::Option(Box::new(ty)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(json: serde_json::Value) -> Schema {
        serde_json::from_value(json).unwrap()
    }

    fn object(schema: &Schema) -> Object<'_> {
        match shape(schema) {
            Shape::Object(object) => object,
            _ => panic!("an object"),
        }
    }

    #[test]
    fn later_parts_refine_earlier_ones() {
        let base = schema(serde_json::json!({
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            "additionalProperties": {"type": "string"}
        }));
        let refinement = schema(serde_json::json!({
            "type": "object",
            "required": ["name"],
            "properties": {"id": {"description": "says nothing of the type"}, "name": {"type": "string", "maxLength": 3}, "tag": {}},
            "additionalProperties": false
        }));
        let mut merged = Merged::default();
        merged.add_object(object(&base), "/a");
        merged.add_object(object(&refinement), "/b");
        let properties: Vec<(&str, &str)> = merged
            .properties
            .iter()
            .map(|(wire, _, pointer)| (wire.as_str(), pointer.as_str()))
            .collect();
        assert_eq!(
            properties,
            [
                ("id", "/a/properties/id"),
                ("name", "/b/properties/name"),
                ("tag", "/b/properties/tag")
            ]
        );
        assert_eq!(merged.required, ["id".to_owned(), "name".to_owned()].into());
        let Some((AdditionalProperties::Schema(_), pointer)) = &merged.additional else {
            panic!("`false` gives way to a schema")
        };
        assert_eq!(pointer, "/a");
        assert!(!merged.unmergeable);
    }

    #[test]
    fn optional_fields_are_optional_once() {
        let once = optional_field(TypeRef::String);
        assert_eq!(once, TypeRef::Option(Box::new(TypeRef::String)));
        assert_eq!(optional_field(once.clone()), once);
    }
}
