//! `oneOf` and `anyOf`: enums of strings when every part lists strings,
//! unions tagged by a `discriminator` or by a property every part fixes to
//! its own value (an implicit tag), untagged unions otherwise.

use std::collections::HashSet;

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use super::super::names::{self, Namespace};
use super::super::{Tagging, TypeKind, TypeRef, UnionVariant, Variant};
use super::cycles::inline_target;
use super::shape::{is_null, shape, Object, Shape};
use super::{component_key, TypeBuilder};

impl TypeBuilder<'_> {
    pub(super) fn union_kind(
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
                    let variant_name = match inline_target(&ty) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(json: serde_json::Value) -> Vec<ReferenceOr<Schema>> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_property_fixed_to_a_different_value_in_each_part_is_a_tag() {
        let parts = parts(serde_json::json!([
            {"type": "object", "required": ["type", "end"],
             "properties": {"type": {"type": "string", "enum": ["range_to"]}, "end": {"type": "integer"}}},
            {"type": "null"},
            {"type": "object", "required": ["type"],
             "properties": {"type": {"type": "string", "enum": ["range_from"]}}},
        ]));
        let tag = implicit_tag(&parts).unwrap();
        assert_eq!(tag.property, "type");
        assert_eq!(tag.values, ["range_to", "range_from"]);
        let indices: Vec<usize> = tag.parts.iter().map(|(index, _)| *index).collect();
        assert_eq!(indices, [0, 2], "the null part is left out");
        let stripped = without_property(tag.parts[0].1, "type");
        let Shape::Object(object) = shape(&stripped) else {
            panic!("an object")
        };
        assert_eq!(object.properties.keys().collect::<Vec<_>>(), ["end"]);
        assert_eq!(object.required, ["end"]);
    }

    #[test]
    fn no_tag_without_distinct_required_values() {
        let same = parts(serde_json::json!([
            {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["a"]}}},
            {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["a"]}}},
        ]));
        assert!(implicit_tag(&same).is_none());
        let optional = parts(serde_json::json!([
            {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a"]}}},
            {"type": "object", "properties": {"kind": {"type": "string", "enum": ["b"]}}},
        ]));
        assert!(implicit_tag(&optional).is_none());
        let one = parts(serde_json::json!([
            {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["a"]}}},
        ]));
        assert!(
            implicit_tag(&one).is_none(),
            "a union of one part needs no tag"
        );
    }

    #[test]
    fn parts_listing_strings_make_one_enum_documented_per_value() {
        let parts = parts(serde_json::json!([
            {"type": "string", "enum": ["ok", "fine"], "description": "All is well."},
            {"type": "string", "enum": ["bad", "ok"], "description": "It is not."},
            {"type": "null"},
        ]));
        let values = one_of_strings(&parts).unwrap();
        assert_eq!(
            values,
            [
                ("ok".to_owned(), Some("All is well.".to_owned())),
                ("fine".to_owned(), Some("All is well.".to_owned())),
                ("bad".to_owned(), Some("It is not.".to_owned())),
            ]
        );
        let open =
            self::parts(serde_json::json!([{"type": "string", "enum": ["a"]}, {"type": "string"}]));
        assert!(one_of_strings(&open).is_none(), "any string goes");
    }

    #[test]
    fn discriminator_values_come_from_the_mapping_or_the_component() {
        let discriminator: openapiv3::Discriminator = serde_json::from_value(serde_json::json!({
            "propertyName": "kind",
            "mapping": {"dog": "#/components/schemas/Dog", "hound": "Dog"}
        }))
        .unwrap();
        let parts = parts(serde_json::json!([
            {"$ref": "#/components/schemas/Dog"},
            {"$ref": "#/components/schemas/Cat"},
            {"type": "object", "properties": {"kind": {"type": "string", "enum": ["bird"]}}},
        ]));
        let tags: Vec<Vec<String>> = parts
            .iter()
            .map(|part| variant_tags(&discriminator, part))
            .collect();
        assert_eq!(tags, [vec!["dog", "hound"], vec!["Cat"], vec!["bird"]]);
    }
}
