//! Local references: `$ref` values of the form `#/a/b~1c` looked up in the
//! document they appear in, and rewritten so the model can follow them.
//!
//! A reference's fragment is a JSON pointer (RFC 6901), possibly
//! percent-encoded as URI fragments are (§6: `#/paths/~1pets~1%7Bid%7D`).
//! Once other files are bundled in, [`normalise`] leaves the model two
//! kinds of local references: `#/components/<kind>/<name>` (in Swagger 2.0
//! `#/definitions/<name>`, `#/parameters/<name>`, `#/responses/<name>`),
//! written as a plain JSON pointer and naming an entry that is not itself a
//! reference (a schema entry may be: an alias is a type of its own), and
//! other schema references, which the model resolves itself. A
//! percent-encoded pointer is written plain, a chain of references is
//! shortened to its last link, and anything else is replaced by what it
//! names: a shared parameter, response, request body or path item written
//! inside `paths`, say. Schemas at places the 3.0 model does not keep
//! (`$defs`, webhooks, 3.1 path items in components; in Swagger 2.0 any
//! place but `definitions`) become components of their own, so a schema
//! that refers to itself stays finite.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::bundle::{replace_keeping_siblings, set_reference};
use super::walk::{self, Kind, Node, Slot, Visitor};
use crate::diagnostics::Diagnostics;
use crate::pointer;

/// The node a local `$ref` (`#` followed by a JSON pointer) names, or `None`
/// when the reference points into another file or at nothing. The fragment
/// may be percent-encoded, as URI fragments are.
pub(super) fn resolve<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let fragment = reference.strip_prefix('#')?;
    pointer::lookup(root, &target(root, fragment)?)
}

/// The JSON pointer a fragment names in `root`: as written, or
/// percent-decoded (RFC 6901 §6); `None` when it names nothing.
pub(super) fn target(root: &Value, fragment: &str) -> Option<String> {
    if pointer::lookup(root, fragment).is_some() {
        return Some(fragment.to_owned());
    }
    let decoded = pointer::percent_decode(fragment);
    pointer::lookup(root, &decoded).map(|_| decoded)
}

/// Chains of references longer than this are an error.
pub(super) const MAX_CHAIN: usize = 64;

/// How deeply inlined values may contain other inlined values.
const MAX_NESTING: usize = 16;

/// How many values one document may inline: references that each inline
/// several others could otherwise grow the document exponentially.
const MAX_INLINED: usize = 10_000;

/// Rewrites the local references of a bundled document (see the module
/// documentation) in the layout it is written in: `swagger2` for Swagger
/// 2.0, before it is converted. References inside callbacks are left to
/// the repair that inlines callbacks. Reports the references that cannot be
/// rewritten as errors: cycles and chains that never reach a value, values
/// that contain the reference to themselves.
pub(super) fn normalise(root: &mut Value, swagger2: bool, diagnostics: &Diagnostics<'_>) {
    if !needs_rewriting(root, root, swagger2) {
        return;
    }
    let snapshot = root.clone();
    let taken = schema_slot(swagger2)
        .0
        .iter()
        .try_fold(root as &Value, |value, key| value.get(key))
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    let mut resolver = Resolver {
        snapshot: &snapshot,
        swagger2,
        inlining: Vec::new(),
        inlined: 0,
        hoisted: HashMap::new(),
        taken,
        additions: Vec::new(),
        diagnostics,
    };
    walk::walk(&mut resolver, root, Kind::Root, "");
    let additions = resolver.additions;
    if !additions.is_empty() {
        add_schemas(root, swagger2, additions, diagnostics);
    }
}

/// Where schema components live.
fn schema_slot(swagger2: bool) -> Slot {
    Node::Schema
        .slot(swagger2)
        .unwrap_or(Slot(&["components", "schemas"]))
}

/// Whether any local reference in `value` needs [`normalise`]: one written
/// otherwise than as the plain pointer it names, one naming something that
/// is not a component entry, or one naming another reference. A cheap scan
/// that spares documents without such references a copy.
fn needs_rewriting(root: &Value, value: &Value, swagger2: bool) -> bool {
    match value {
        Value::Object(members) => {
            if let Some(fragment) = members
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix('#'))
            {
                let canonical = target(root, fragment).is_some_and(|pointer| {
                    pointer == fragment
                        && component_entry(&pointer, swagger2)
                        && pointer::lookup(root, &pointer)
                            .is_some_and(|value| value.get("$ref").is_none())
                });
                if !canonical {
                    return true;
                }
            }
            members
                .values()
                .any(|child| needs_rewriting(root, child, swagger2))
        }
        Value::Array(items) => items
            .iter()
            .any(|child| needs_rewriting(root, child, swagger2)),
        _ => false,
    }
}

/// Whether `pointer` names an entry of a component map the 3.0 model has
/// (3.1 path items in components are none).
fn component_entry(pointer: &str, swagger2: bool) -> bool {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    match tokens.as_slice() {
        ["components", "pathItems", _] => false,
        ["components", _, _] => !swagger2,
        ["definitions" | "parameters" | "responses", _] => swagger2,
        _ => false,
    }
}

/// The walk of [`normalise`].
struct Resolver<'s> {
    /// The document before any rewriting: what references name.
    snapshot: &'s Value,
    swagger2: bool,
    /// The pointers of the values being inlined, innermost last.
    inlining: Vec<String>,
    /// How many values were inlined so far.
    inlined: usize,
    /// Schemas made components: their pointer to their component name.
    /// Looked up, never iterated.
    hoisted: HashMap<String, String>,
    /// Schema component names in use.
    taken: HashSet<String>,
    /// The schemas made components, in the order they were first named.
    additions: Vec<(String, Value)>,
    diagnostics: &'s Diagnostics<'s>,
}

impl Visitor for Resolver<'_> {
    fn reference(&mut self, value: &mut Value, reference: &str, node: Node, pointer: &str) {
        self.rewrite(value, reference, node, pointer);
    }

    /// Callbacks are inlined by the repair, and never generated.
    fn enter_callback(&mut self) -> bool {
        false
    }
}

impl Resolver<'_> {
    fn problem(&self, pointer: &str, message: String, hint: &str) {
        self.diagnostics
            .error_at(pointer, message, Some(hint.to_owned()));
    }

    /// Rewrites the reference object `value` (of kind `node`, at `pointer`)
    /// to name a component entry, or replaces it by what it names.
    fn rewrite(&mut self, value: &mut Value, reference: &str, node: Node, pointer: &str) {
        // References to other files were bundled, remote ones refused, and
        // ones naming nothing reported, before this pass.
        let Some(first) = reference
            .strip_prefix('#')
            .and_then(|fragment| target(self.snapshot, fragment))
        else {
            return;
        };
        if node == Node::Schema {
            self.schema_reference(value, first, pointer);
            return;
        }
        // Follow references that only refer onwards.
        let mut chain = vec![first];
        loop {
            let last = &chain[chain.len() - 1];
            let Some(next) = pointer::lookup(self.snapshot, last)
                .and_then(|target| target.get("$ref"))
                .and_then(Value::as_str)
            else {
                break;
            };
            let Some(next) = next
                .strip_prefix('#')
                .and_then(|fragment| target(self.snapshot, fragment))
            else {
                // Another file's reference left over, or one to nothing:
                // reported before this pass.
                return;
            };
            if chain.contains(&next) || chain.len() >= MAX_CHAIN {
                let cycle = chain.contains(&next);
                chain.push(next);
                let shown: Vec<String> = chain.iter().map(|p| format!("#{p}")).collect();
                let message = if cycle {
                    format!(
                        "`$ref: {reference}` starts a cycle of references that never reaches a value: {}",
                        shown.join(" -> ")
                    )
                } else {
                    format!(
                        "`$ref: {reference}` starts a chain of more than {MAX_CHAIN} references: {} -> ...",
                        shown.iter().take(4).cloned().collect::<Vec<_>>().join(" -> ")
                    )
                };
                self.problem(
                    pointer,
                    message,
                    "one of the references must be replaced by the value it stands for",
                );
                return;
            }
            chain.push(next);
        }
        let end = chain.pop().unwrap_or_default();
        let entry = node
            .slot(self.swagger2)
            .and_then(|slot| entry_name(&end, slot));
        if entry.is_some() {
            set_reference(value, &format!("#{end}"));
            return;
        }
        let Some(content) = self.inlined(&end, node, reference, pointer) else {
            return;
        };
        replace_keeping_siblings(value, content);
    }

    /// A copy of the value at `pointer` of kind `node`, its own references
    /// rewritten; `None` after reporting why it cannot be inlined where
    /// `reference` stands (at `site`).
    fn inlined(&mut self, pointer: &str, node: Node, reference: &str, site: &str) -> Option<Value> {
        if self.inlining.iter().any(|outer| outer == pointer) {
            let mut shown: Vec<String> = self.inlining.iter().map(|p| format!("#{p}")).collect();
            shown.push(format!("#{pointer}"));
            self.problem(
                site,
                format!(
                    "`$ref: {reference}` names a value that contains this reference, which cannot be inlined: {}",
                    shown.join(" -> ")
                ),
                "only schemas may contain themselves; move the shared value into components, or break the cycle",
            );
            return None;
        }
        if self.inlining.len() >= MAX_NESTING || self.inlined >= MAX_INLINED {
            self.problem(
                site,
                format!("`$ref: {reference}` is not inlined: references inline more than {MAX_NESTING} levels deep or {MAX_INLINED} values in all"),
                "move the values shared through `paths` into components and refer to them there",
            );
            return None;
        }
        self.inlined += 1;
        let mut content = pointer::lookup(self.snapshot, pointer).cloned()?;
        self.inlining.push(pointer.to_owned());
        walk::walk(self, &mut content, Kind::Node(node), pointer);
        self.inlining.pop();
        Some(content)
    }

    /// A schema reference: written as the plain pointer of the component
    /// entry it names; made a component when it names a place the 3.0
    /// model does not keep; otherwise left for the model to resolve.
    fn schema_reference(&mut self, value: &mut Value, first: String, pointer: &str) {
        let slot = schema_slot(self.swagger2);
        if entry_name(&first, slot).is_some() {
            set_reference(value, &format!("#{first}"));
            return;
        }
        if !self.moves(&first) {
            set_reference(value, &format!("#{first}"));
            return;
        }
        let name = match self.hoisted.get(&first) {
            Some(name) => name.clone(),
            None => {
                if self.inlining.len() >= MAX_NESTING || self.inlined >= MAX_INLINED {
                    self.problem(
                        pointer,
                        format!("the schema at #{first} is not made a component: references inline more than {MAX_NESTING} levels deep or {MAX_INLINED} values in all"),
                        "move the schema into components and refer to it there",
                    );
                    return;
                }
                self.inlined += 1;
                let name = self.unique_name(&first);
                self.hoisted.insert(first.clone(), name.clone());
                let index = self.additions.len();
                self.additions.push((name.clone(), Value::Null));
                let mut content = pointer::lookup(self.snapshot, &first)
                    .cloned()
                    .unwrap_or_default();
                self.inlining.push(first.clone());
                walk::walk(self, &mut content, Kind::Node(Node::Schema), &first);
                self.inlining.pop();
                self.additions[index].1 = content;
                name
            }
        };
        set_reference(value, &format!("#{}", slot.pointer(&name)));
    }

    /// Whether the schema at `pointer` is somewhere the 3.0 model does not
    /// keep: under a schema's `$defs` or `definitions`, webhooks or 3.1
    /// path items in components (both left out), and in Swagger 2.0
    /// anywhere but `definitions` (the conversion moves the rest).
    fn moves(&self, pointer: &str) -> bool {
        let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
        let nested_definitions = tokens
            .iter()
            .skip(2)
            .any(|token| matches!(*token, "$defs" | "definitions"));
        if self.swagger2 {
            return tokens.first() != Some(&"definitions") || nested_definitions;
        }
        matches!(tokens.first(), Some(&"webhooks"))
            || matches!(tokens.as_slice(), ["components", "pathItems", ..])
            || nested_definitions
    }

    /// A schema component name from the last token of `pointer`, made of
    /// letters, digits, `.`, `-` and `_`, and not yet taken.
    fn unique_name(&mut self, pointer: &str) -> String {
        let last = pointer::last(pointer).unwrap_or_default();
        let base = if last.is_empty() || last.starts_with(|c: char| c.is_ascii_digit()) {
            format!("Schema{last}")
        } else {
            last
        };
        walk::unique_name(&base, &mut self.taken)
    }
}

/// The name of the entry of `slot` that `pointer` names exactly.
fn entry_name(pointer: &str, slot: Slot) -> Option<String> {
    let mut rest = pointer;
    for key in slot.0 {
        rest = rest.strip_prefix('/')?.strip_prefix(key)?;
    }
    let name = rest.strip_prefix('/')?;
    (!name.contains('/')).then(|| pointer::unescape(name))
}

/// Adds the schemas made components to the document.
fn add_schemas(
    root: &mut Value,
    swagger2: bool,
    additions: Vec<(String, Value)>,
    diagnostics: &Diagnostics<'_>,
) {
    let slot = schema_slot(swagger2);
    let mut node = &mut *root;
    for key in slot.0 {
        let Value::Object(members) = node else {
            break;
        };
        node = members
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let Value::Object(schemas) = node else {
        let pointer: String = slot.0.iter().map(|key| format!("/{key}")).collect();
        diagnostics.error_at(
            &pointer,
            "schemas named by references cannot be added here: this is not an object",
            Some("schema components are an object keyed by name".to_owned()),
        );
        return;
    };
    for (name, schema) in additions {
        schemas.insert(name, schema);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_with_escapes_resolve() {
        let root = serde_json::json!({"paths": {"/a/{b}": {"x": 1}}, "s": {"A B": 2, "m~n": 3}});
        assert_eq!(resolve(&root, "#/paths/~1a~1{b}/x"), Some(&Value::from(1)));
        assert_eq!(
            resolve(&root, "#/paths/~1a~1%7Bb%7D/x"),
            Some(&Value::from(1))
        );
        assert_eq!(resolve(&root, "#/s/A%20B"), Some(&Value::from(2)));
        assert_eq!(resolve(&root, "#/s/m~0n"), Some(&Value::from(3)));
        assert_eq!(resolve(&root, "#/s/missing"), None);
        assert_eq!(resolve(&root, "other.yaml#/s"), None);
        assert_eq!(resolve(&root, "#/s/%"), None);
    }

    use crate::error::Error;
    use crate::load::{load_json, load_text};
    use serde_json::json;

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    /// The operations of a loaded document as the model sees them:
    /// (method name, parameters as `location wire: type`, body type).
    fn operations(document: &crate::load::Document) -> Vec<(String, Vec<String>, String)> {
        let api = crate::model::build(document).unwrap_or_else(|e| panic!("{e}"));
        assert!(api.warnings.is_empty(), "{:?}", api.warnings);
        api.operations
            .iter()
            .map(|op| {
                let params = op
                    .params
                    .iter()
                    .map(|p| format!("{:?} {}: {:?}", p.location, p.wire, p.ty))
                    .collect();
                let body = op
                    .body
                    .as_ref()
                    .map(|b| format!("{:?}", b.ty))
                    .unwrap_or_default();
                (op.method_name.clone(), params, body)
            })
            .collect()
    }

    #[test]
    fn references_into_paths_resolve_with_or_without_percent_encoding() {
        let text = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/pets/{id}": {
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                    "get": {
                        "operationId": "getPet",
                        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string"}}}}},
                    },
                    "put": {
                        "operationId": "putPet",
                        "requestBody": {"content": {"application/json": {"schema": {"type": "integer"}}}},
                        "responses": {"204": {"description": "done"}},
                    },
                },
                "/pets/{id}/toys": {
                    "get": {
                        "operationId": "getToys",
                        "parameters": [{"$ref": "#/paths/~1pets~1%7Bid%7D/parameters/0"}],
                        "responses": {"200": {"$ref": "#/paths/~1pets~1{id}/get/responses/200"}},
                    },
                    "post": {
                        "operationId": "postToy",
                        "parameters": [{"$ref": "#/components/parameters/Alias"}],
                        "requestBody": {"$ref": "#/paths/~1pets~1%7Bid%7D/put/requestBody"},
                        "responses": {"204": {"description": "done"}},
                    },
                },
                "/alias/{id}": {"$ref": "#/paths/~1pets~1%7Bid%7D"},
            },
            "components": {"parameters": {
                // A chain through components, to a parameter in `paths`.
                "Alias": {"$ref": "#/components/parameters/Id"},
                "Id": {"$ref": "#/paths/~1pets~1{id}/parameters/0"},
            }},
        });
        let (api, document) = load_json("refs-paths.json", &text.to_string());
        // Nothing the model would have to follow is left.
        let toys = &api["paths"]["/pets/{id}/toys"];
        assert_eq!(toys["get"]["parameters"][0]["name"], "id");
        assert_eq!(toys["get"]["responses"]["200"]["description"], "ok");
        assert_eq!(toys["post"]["parameters"][0]["name"], "id");
        assert_eq!(api["components"]["parameters"]["Alias"]["in"], "path");
        assert_eq!(api["paths"]["/alias/{id}"]["get"]["operationId"], "getPet");
        let id = "Path id: I64".to_owned();
        assert_eq!(
            operations(&document),
            [
                ("get_pet".into(), vec![id.clone()], String::new()),
                ("put_pet".into(), vec![id.clone()], "I64".into()),
                ("get_toys".into(), vec![id.clone()], String::new()),
                ("post_toy".into(), vec![id.clone()], "I64".into()),
                ("get_pet_2".into(), vec![id.clone()], String::new()),
                ("put_pet_2".into(), vec![id], "I64".into()),
            ]
        );
    }

    #[test]
    fn component_references_are_written_as_plain_pointers_to_their_last_entry() {
        let text = format!(
            "{HEAD}paths:\n  /a/{{b}}:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/a~1b'\n        - $ref: '#/components/parameters/One%20Two'\n      responses:\n        '200': {{$ref: '#/components/responses/Ok'}}\ncomponents:\n  parameters:\n    a/b: {{$ref: '#/components/parameters/B'}}\n    B: {{name: b, in: path, required: true, schema: {{type: string}}}}\n    One Two: {{name: q, in: query, schema: {{type: boolean}}}}\n  responses:\n    Ok: {{$ref: '#/components/responses/Done'}}\n    Done: {{description: done}}\n"
        );
        let (api, document) = load_json("refs-components.yaml", &text);
        let get = &api["paths"]["/a/{b}"]["get"];
        assert_eq!(get["parameters"][0]["$ref"], "#/components/parameters/B");
        assert_eq!(
            get["parameters"][1]["$ref"],
            "#/components/parameters/One Two"
        );
        assert_eq!(
            get["responses"]["200"]["$ref"],
            "#/components/responses/Done"
        );
        assert_eq!(
            api["components"]["parameters"]["a/b"]["$ref"],
            "#/components/parameters/B"
        );
        let (_, params, _) = &operations(&document)[0];
        assert_eq!(params, &["Path b: String", "Query q: Bool"]);
    }

    fn errors_of(name: &str, text: &str) -> Vec<String> {
        let err = load_text(name, text).unwrap_err();
        match err {
            Error::Many(errors) => errors.iter().map(ToString::to_string).collect(),
            err => vec![err.to_string()],
        }
    }

    #[test]
    fn values_that_contain_their_own_reference_are_errors_naming_the_pointer() {
        // A header whose encoding's header refers back to it.
        let text = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          headers:\n            X:\n              content:\n                text/plain:\n                  encoding:\n                    p:\n                      headers:\n                        Y: {{$ref: '#/paths/~1a/get/responses/200/headers/X'}}\n"
        );
        let problems = errors_of("refs-contains.yaml", &text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("at #/paths/~1a/get/responses/200/headers/X/content/text~1plain/encoding/p/headers/Y: `$ref: #/paths/~1a/get/responses/200/headers/X` names a value that contains this reference"),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("refs-contains.yaml:16:"),
            "{problems:?}"
        );
    }

    #[test]
    fn chains_of_references_end() {
        // 70 parameters, each a reference to the next.
        let mut parameters = String::new();
        for index in 0..70 {
            parameters.push_str(&format!(
                "    P{index}: {{$ref: '#/components/parameters/P{}'}}\n",
                index + 1
            ));
        }
        let text = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      parameters: [{{$ref: '#/components/parameters/P0'}}]\n      responses: {{'200': {{description: ok}}}}\ncomponents:\n  parameters:\n{parameters}    P70: {{name: q, in: query, schema: {{type: string}}}}\n"
        );
        let problems = errors_of("refs-chain.yaml", &text);
        assert!(!problems.is_empty());
        assert!(
            problems
                .iter()
                .all(|p| p.contains("a chain of more than 64 references")),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("at #/paths/~1a/get/parameters/0: `$ref: #/components/parameters/P0` starts a chain"),
            "{problems:?}"
        );
        // A cycle is named link by link.
        let text = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      parameters: [{{$ref: '#/paths/~1b/get/parameters/0'}}]\n      responses: {{'200': {{description: ok}}}}\n  /b:\n    get:\n      parameters: [{{$ref: '#/paths/~1a/get/parameters/0'}}]\n      responses: {{'200': {{description: ok}}}}\n"
        );
        let problems = errors_of("refs-cycle.yaml", &text);
        assert!(
            problems.iter().any(|p| p.contains("#/paths/~1b/get/parameters/0 -> #/paths/~1a/get/parameters/0 -> #/paths/~1b/get/parameters/0")),
            "{problems:?}"
        );
    }

    #[test]
    fn schemas_where_the_model_keeps_none_become_components() {
        // 3.1: a schema under another's `$defs`, and one in a webhook.
        let text = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {
                    "tag": {"$ref": "#/components/schemas/Holder/$defs/Tag"},
                    "event": {"$ref": "#/webhooks/hook/post/requestBody/content/application~1json/schema"},
                },
            }}}}}}}},
            "webhooks": {"hook": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}}},
            "components": {"schemas": {"Holder": {"$defs": {"Tag": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Holder/$defs/Tag"}}}}}}},
        });
        let (api, document) = load_json("refs-31-defs.json", &text.to_string());
        let schemas = &api["components"]["schemas"];
        assert_eq!(
            schemas["Tag"]["properties"]["next"]["$ref"],
            "#/components/schemas/Tag"
        );
        assert_eq!(schemas["schema"]["properties"]["id"]["type"], "string");
        let model = crate::model::build(&document).unwrap();
        let names: Vec<&str> = model.types.iter().map(|t| t.name.as_str()).collect();
        assert!(
            names.contains(&"Tag") && names.contains(&"Schema"),
            "{names:?}"
        );

        // Swagger 2.0: anything outside `definitions` moves on conversion.
        let text = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      parameters:\n        - {name: body, in: body, schema: {type: object, properties: {n: {type: integer}}}}\n      responses:\n        '200': {description: ok, schema: {$ref: '#/paths/~1a/post/parameters/0/schema'}}\n  /b/{x}:\n    get:\n      parameters:\n        - $ref: '#/paths/~1a~1%7Bx%7D/get/parameters/0'\n      responses: {'200': {description: ok}}\n  /a/{x}:\n    get:\n      parameters: [{name: x, in: path, required: true, type: string}]\n      responses: {'200': {description: ok}}\n";
        let (api, document) = load_json("refs-20.yaml", text);
        let ok = &api["paths"]["/a"]["post"]["responses"]["200"];
        assert_eq!(
            ok["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/schema"
        );
        assert_eq!(api["paths"]["/b/{x}"]["get"]["parameters"][0]["name"], "x");
        operations(&document);
    }
}
