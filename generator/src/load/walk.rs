//! Where references may stand, and the one walk over a document that
//! finds them: a reference's place (a schema's `properties`, an operation's
//! `responses`, ...) says what it may name, and references in examples,
//! defaults and extensions are data, left alone. The bundler and the
//! resolver of local references are both [`Visitor`]s of this walk.

use std::collections::HashSet;

use serde_json::Value;

use crate::pointer;

/// What a node is, where it matters for references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Node {
    PathItem,
    Operation,
    Callback,
    Parameter,
    Header,
    RequestBody,
    MediaType,
    Encoding,
    Response,
    Link,
    Example,
    Schema,
    SecurityScheme,
}

/// How to walk a value.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Root,
    Components,
    Node(Node),
    /// A map (or list) whose values are all the node. `names`: its keys are
    /// names, so `x-` keys are entries, not extensions.
    Each(Node, bool),
}

/// The operations of an OpenAPI 3.0 path item, by method.
pub(super) const METHODS_3_0: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operations of a path item as 3.2 has them: 3.0's and `query`.
pub(super) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace", "query",
];

impl Node {
    /// The kind of the member `key` (holding `child`) of this node, when
    /// references may stand in it.
    pub(super) fn member(self, key: &str, child: &Value) -> Option<Kind> {
        use Node::*;
        let each = |node| Some(Kind::Each(node, true));
        let node = |node| Some(Kind::Node(node));
        match (self, key) {
            (PathItem, method) if METHODS.contains(&method) => node(Operation),
            (PathItem, "parameters") | (Operation, "parameters") => each(Parameter),
            (PathItem, "additionalOperations") => each(Operation),
            (Operation, "requestBody") => node(RequestBody),
            (Operation, "responses") => Some(Kind::Each(Response, false)),
            (Operation, "callbacks") => each(Callback),
            (Callback, _) => node(PathItem),
            (Parameter | Header | MediaType | Response, "schema") => node(Schema),
            (Parameter | Header | RequestBody | MediaType | Response, "content") => each(MediaType),
            (Parameter | Header | MediaType, "examples") => each(Example),
            (MediaType, "encoding") => each(Encoding),
            (Encoding | Response, "headers") => each(Header),
            (Response, "links") => each(Link),
            (
                Schema,
                "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas"
                | "allOf" | "anyOf" | "oneOf" | "prefixItems",
            ) => each(Schema),
            (Schema, "items") if child.is_array() => each(Schema),
            (
                Schema,
                "items"
                | "additionalProperties"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "additionalItems"
                | "contentSchema",
            ) => node(Schema),
            _ => None,
        }
    }

    /// Where a bundled value of this kind lives, when it can live in
    /// components.
    pub(super) fn slot(self, swagger2: bool) -> Option<Slot> {
        use Node::*;
        let slot = match (swagger2, self) {
            (true, Schema) => &["definitions"][..],
            (true, Parameter) => &["parameters"],
            (true, Response) => &["responses"],
            (true, _) => return None,
            (false, Schema) => &["components", "schemas"],
            (false, Parameter) => &["components", "parameters"],
            (false, Response) => &["components", "responses"],
            (false, RequestBody) => &["components", "requestBodies"],
            (false, Header) => &["components", "headers"],
            (false, Example) => &["components", "examples"],
            (false, Link) => &["components", "links"],
            (false, Callback) => &["components", "callbacks"],
            (false, SecurityScheme) => &["components", "securitySchemes"],
            (false, PathItem | Operation | MediaType | Encoding) => return None,
        };
        Some(Slot(slot))
    }
}

/// The kind of the member `key` of the document root.
pub(super) fn root_member(key: &str) -> Option<Kind> {
    match key {
        "paths" => Some(Kind::Each(Node::PathItem, false)),
        "webhooks" => Some(Kind::Each(Node::PathItem, true)),
        "components" => Some(Kind::Components),
        // Swagger 2.0.
        "definitions" => Some(Kind::Each(Node::Schema, true)),
        "parameters" => Some(Kind::Each(Node::Parameter, true)),
        "responses" => Some(Kind::Each(Node::Response, true)),
        _ => None,
    }
}

pub(super) fn components_member(key: &str) -> Option<Kind> {
    let node = match key {
        "schemas" => Node::Schema,
        "responses" => Node::Response,
        "parameters" => Node::Parameter,
        "examples" => Node::Example,
        "requestBodies" => Node::RequestBody,
        "headers" => Node::Header,
        "securitySchemes" => Node::SecurityScheme,
        "links" => Node::Link,
        "callbacks" => Node::Callback,
        "pathItems" => Node::PathItem,
        _ => return None,
    };
    Some(Kind::Each(node, true))
}

/// A map of components, as the path of keys from the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Slot(pub(super) &'static [&'static str]);

impl Slot {
    pub(super) fn pointer(self, name: &str) -> String {
        let mut pointer: String = self.0.iter().map(|key| format!("/{key}")).collect();
        pointer.push('/');
        pointer.push_str(&pointer::escape(name));
        pointer
    }
}

/// A name for a new entry of a component map, from `base` with every
/// character but letters, digits, `.`, `-` and `_` made `_` (what the
/// specification allows in component names), numbered from 2 when it is
/// `taken`, and taken.
pub(super) fn unique_name(base: &str, taken: &mut HashSet<String>) -> String {
    let base: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = base.clone();
    let mut suffix = 2;
    while taken.contains(&name) {
        name = format!("{base}{suffix}");
        suffix += 1;
    }
    taken.insert(name.clone());
    name
}

/// What a [`walk`] does with the references it finds.
pub(super) trait Visitor {
    /// The reference object `value` (whose `$ref` is `reference`), of kind
    /// `node`, at `pointer`; its other members were walked already.
    fn reference(&mut self, value: &mut Value, reference: &str, node: Node, pointer: &str);

    /// Whether to walk into a callback; each callback walked into is left
    /// with [`Self::leave_callback`].
    fn enter_callback(&mut self) -> bool;

    /// The end of a callback [`Self::enter_callback`] let in.
    fn leave_callback(&mut self) {}
}

/// Walks `value`, of kind `kind` at `pointer`, calling `visitor` on every
/// reference where one may stand, inner ones first.
pub(super) fn walk<V: Visitor>(visitor: &mut V, value: &mut Value, kind: Kind, pointer: &str) {
    match kind {
        Kind::Root | Kind::Components => {
            let Value::Object(members) = value else {
                return;
            };
            for (key, child) in members.iter_mut() {
                let member = match kind {
                    Kind::Root => root_member(key),
                    _ => components_member(key),
                };
                if let Some(member) = member {
                    walk(visitor, child, member, &pointer::join(pointer, key));
                }
            }
        }
        Kind::Each(node, names) => match value {
            Value::Object(entries) => {
                for (key, child) in entries.iter_mut() {
                    if names || !key.starts_with("x-") {
                        walk(
                            visitor,
                            child,
                            Kind::Node(node),
                            &pointer::join(pointer, key),
                        );
                    }
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter_mut().enumerate() {
                    let pointer = format!("{pointer}/{index}");
                    walk(visitor, child, Kind::Node(node), &pointer);
                }
            }
            _ => {}
        },
        Kind::Node(node) => {
            let callback = node == Node::Callback;
            if callback && !visitor.enter_callback() {
                return;
            }
            let Value::Object(members) = value else {
                if callback {
                    visitor.leave_callback();
                }
                return;
            };
            for (key, child) in members.iter_mut() {
                if key == "$ref" || key.starts_with("x-") {
                    continue;
                }
                if let Some(member) = node.member(key, child) {
                    walk(visitor, child, member, &pointer::join(pointer, key));
                }
            }
            if let Some(reference) = members.get("$ref").and_then(Value::as_str) {
                let reference = reference.to_owned();
                visitor.reference(value, &reference, node, pointer);
            }
            if callback {
                visitor.leave_callback();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_component_names_are_valid_and_unique() {
        let mut taken: HashSet<String> = ["Pet".to_owned()].into();
        assert_eq!(unique_name("Pet", &mut taken), "Pet2");
        assert_eq!(unique_name("Pet", &mut taken), "Pet3");
        assert_eq!(unique_name("a b/c{d}", &mut taken), "a_b_c_d_");
        assert_eq!(unique_name("v1.2-x_y", &mut taken), "v1.2-x_y");
        assert!(taken.contains("Pet3") && taken.contains("a_b_c_d_"));
    }

    /// Records every reference a walk finds, and whether it was inside a
    /// callback.
    #[derive(Default)]
    struct Found {
        walk_callbacks: bool,
        depth: usize,
        references: Vec<(String, Node, bool)>,
    }

    impl Visitor for Found {
        fn reference(&mut self, _: &mut Value, reference: &str, node: Node, pointer: &str) {
            self.references
                .push((format!("{pointer} {reference}"), node, self.depth > 0));
        }

        fn enter_callback(&mut self) -> bool {
            if self.walk_callbacks {
                self.depth += 1;
            }
            self.walk_callbacks
        }

        fn leave_callback(&mut self) {
            self.depth -= 1;
        }
    }

    #[test]
    fn references_are_found_where_they_may_stand_and_nowhere_else() {
        let document = serde_json::json!({
            "paths": {
                "/a": {
                    "get": {
                        "parameters": [{"$ref": "#/p"}],
                        "responses": {"200": {"content": {"application/json": {
                            "schema": {"properties": {"x~y": {"$ref": "#/s"}}},
                            "example": {"$ref": "not a reference: data"}
                        }}}},
                        "callbacks": {"cb": {"{$url}": {"post": {"requestBody": {"$ref": "#/b"}}}}}
                    },
                    "x-extension": {"$ref": "#/ignored"}
                }
            },
            "components": {"schemas": {"x-named": {"$ref": "#/named"}}}
        });
        let found = |walk_callbacks| {
            let mut found = Found {
                walk_callbacks,
                ..Found::default()
            };
            walk(&mut found, &mut document.clone(), Kind::Root, "");
            found.references
        };
        let outside = [
            (
                "/paths/~1a/get/parameters/0 #/p".to_owned(),
                Node::Parameter,
                false,
            ),
            (
                "/paths/~1a/get/responses/200/content/application~1json/schema/properties/x~0y #/s"
                    .to_owned(),
                Node::Schema,
                false,
            ),
            (
                "/components/schemas/x-named #/named".to_owned(),
                Node::Schema,
                false,
            ),
        ];
        assert_eq!(found(false), outside);
        let with_callbacks = found(true);
        assert_eq!(with_callbacks.len(), 4);
        assert_eq!(
            with_callbacks[2],
            (
                "/paths/~1a/get/callbacks/cb/{$url}/post/requestBody #/b".to_owned(),
                Node::RequestBody,
                true
            ),
            "in document order"
        );
    }
}
