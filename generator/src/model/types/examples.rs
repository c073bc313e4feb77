//! The document's JSON examples, each kept with the type it is an example
//! of, so the tests can check that the generated types read them.

use openapiv3::{ReferenceOr, Schema};

use super::super::{Example, TypeRef};
use super::{TypeBuilder, COMPONENT_POINTER};
use crate::pointer;

impl TypeBuilder<'_> {
    /// Keeps the `example` of the component schema `key`, named `name`.
    pub(super) fn component_example(
        &mut self,
        key: &str,
        schema: &ReferenceOr<Schema>,
        name: &str,
    ) {
        if let ReferenceOr::Item(schema) = schema {
            if let Some(value) = &schema.schema_data.example {
                self.examples.push(Example {
                    pointer: format!("{COMPONENT_POINTER}{}/example", pointer::escape(key)),
                    ty: TypeRef::Named(name.to_owned()),
                    value: value.clone(),
                });
            }
        }
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
                    format!("{pointer}/examples/{}/value", pointer::escape(name)),
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
}

#[cfg(test)]
mod tests {
    use super::super::super::TypeRef;

    #[test]
    fn examples_are_kept_with_their_types_once_each() {
        let text = r##"openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
            example: {id: 1}
            examples:
              shared: {$ref: '#/components/examples/Rex'}
              inline: {value: {id: 3}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              examples:
                again: {$ref: '#/components/examples/Rex'}
components:
  schemas:
    Pet:
      type: object
      properties: {id: {type: integer}}
      example: {id: 0}
  examples:
    Rex: {value: {id: 2}}
"##;
        let path = std::env::temp_dir().join(format!("examples-{}.yaml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let document = crate::load::load(&path, &[]).unwrap();
        std::fs::remove_file(&path).unwrap();
        let api = crate::model::build(&document).unwrap();
        let examples: Vec<(&str, &TypeRef, i64)> = api
            .examples
            .iter()
            .map(|e| (e.pointer.as_str(), &e.ty, e.value["id"].as_i64().unwrap()))
            .collect();
        let pet = TypeRef::Named("Pet".to_owned());
        let body = "/paths/~1pets/post/requestBody/content/application~1json";
        assert_eq!(
            examples,
            [
                ("/components/schemas/Pet/example", &pet, 0),
                (&format!("{body}/example") as &str, &pet, 1),
                ("/components/examples/Rex/value", &pet, 2),
                (&format!("{body}/examples/inline/value"), &pet, 3),
            ],
            "the shared example is kept once for its type"
        );
    }
}
