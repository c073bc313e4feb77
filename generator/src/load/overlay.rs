//! OpenAPI Overlay 1.0: actions that update or remove the nodes a JSONPath
//! target selects, applied to the document as written, before it is
//! converted or normalised. This is how a user adds what a vendor's document
//! lacks (a security scheme, a token URL) without editing it.

use std::path::Path;

use serde_json::Value;

use super::jsonpath::{self, Query, Step};
use super::{syntax, Source};
use crate::diagnostics::Diagnostics;
use crate::error::Error;

const SHAPE_HINT: &str = "an overlay is a document with `overlay: 1.0.0` and a list of `actions`, each with a `target` (a JSONPath such as `$.components`) and `update` or `remove: true`";

/// Reads the overlay at `path` and applies its actions in order to
/// `document` (the parsed file `spec`). Every problem is reported: an action
/// that fails is skipped and the next one applied.
pub(super) fn apply(document: &mut Value, path: &Path, spec: &Path) -> Result<(), Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let overlay = syntax::parse(&text).map_err(|e| Error::Syntax {
        file: path.to_owned(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    let source = Source::new(path.to_owned(), text);
    let problem = |pointer: &str, message: String, hint: Option<&str>| Error::Document {
        location: source.at(pointer),
        message,
        hint: hint.map(str::to_owned),
    };
    match overlay.get("overlay") {
        Some(Value::String(version)) if version == "1" || version.starts_with("1.") => {}
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned);
            return Err(problem(
                "/overlay",
                format!("overlay version {shown} is not supported"),
                Some("OpenAPI Overlay 1.0 is supported: `overlay: 1.0.0`"),
            ));
        }
        None => {
            return Err(problem(
                "",
                "the file is not an overlay: it has no `overlay` version field".to_owned(),
                Some(SHAPE_HINT),
            ))
        }
    }
    let Some(actions) = overlay.get("actions").and_then(Value::as_array) else {
        return Err(problem(
            "/actions",
            "the overlay has no list of `actions`".to_owned(),
            Some(SHAPE_HINT),
        ));
    };
    let spec_name = spec.file_name().map_or_else(
        || spec.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let diagnostics = Diagnostics::new(&source);
    for (index, action) in actions.iter().enumerate() {
        let pointer = format!("/actions/{index}");
        let Some(target) = action.get("target").and_then(Value::as_str) else {
            diagnostics.error(problem(
                &pointer,
                format!("action {index} has no `target`"),
                Some(SHAPE_HINT),
            ));
            continue;
        };
        let target_pointer = format!("{pointer}/target");
        let query = match Query::parse(target) {
            Ok(query) => query,
            Err(reason) => {
                diagnostics.error(problem(
                    &target_pointer,
                    format!("action {index}: target `{target}` is not a JSONPath: {reason}"),
                    Some("targets are RFC 9535 JSONPath queries, such as `$.paths['/pets'].get` or `$.components.securitySchemes`"),
                ));
                continue;
            }
        };
        let remove = match action.get("remove") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(remove)) => *remove,
            Some(_) => {
                diagnostics.error(problem(
                    &format!("{pointer}/remove"),
                    format!("action {index}: `remove` must be true or false"),
                    None,
                ));
                continue;
            }
        };
        let update = action.get("update");
        if !remove && update.is_none() {
            diagnostics.error(problem(
                &pointer,
                format!("action {index} has neither `update` nor `remove: true`"),
                Some(SHAPE_HINT),
            ));
            continue;
        }
        let locations = query.locate(document);
        if locations.is_empty() {
            diagnostics.error(problem(
                &target_pointer,
                format!("action {index}: target `{target}` matches nothing in {spec_name}"),
                Some("the target is matched against the document as written, after the actions before it: a Swagger 2.0 document has `definitions` and `securityDefinitions`, not `components`"),
            ));
            continue;
        }
        if remove {
            if locations.iter().any(Vec::is_empty) {
                diagnostics.error(problem(
                    &target_pointer,
                    format!("action {index}: target `{target}` selects the whole document, which cannot be removed"),
                    None,
                ));
                continue;
            }
            remove_all(document, locations);
        } else if let Some(update) = update {
            for location in &locations {
                if let Some(node) = jsonpath::node_mut(document, location) {
                    update_node(node, update);
                }
            }
        }
    }
    diagnostics.check()?;
    Ok(())
}

/// Removes every selected node. Later array items and descendants go
/// first, so the locations still to remove stay valid.
fn remove_all(document: &mut Value, mut locations: Vec<Vec<Step>>) {
    locations.sort();
    locations.dedup();
    for location in locations.iter().rev() {
        jsonpath::remove(document, location);
    }
}

/// An `update` applied to a selected node: an object is merged into an
/// object, a value is appended to an array, anything else replaces the node.
fn update_node(node: &mut Value, update: &Value) {
    match node {
        Value::Array(items) => items.push(update.clone()),
        node => merge(node, update),
    }
}

/// Deep merge: members of objects merged recursively, arrays appended,
/// anything else replaced.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(members), Value::Object(updates)) => {
            for (key, value) in updates {
                match members.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        members.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(items), Value::Array(more)) => items.extend(more.iter().cloned()),
        (node, update) => *node = update.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn overlay(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("generator-overlay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn updates_merge_deeply_append_to_arrays_and_replace_scalars() {
        let mut document = json!({
            "info": {"title": "t", "version": "1", "contact": {"name": "a"}},
            "tags": [{"name": "one"}],
            "servers": [{"url": "https://a"}],
            "paths": {"/a": {"get": {"operationId": "x"}}, "/b": {"get": {"operationId": "y"}}},
        });
        let path = overlay(
            "update.yaml",
            r#"overlay: 1.0.0
info: {title: t, version: '1'}
actions:
  - target: $.info
    update: {title: new, contact: {email: e@example.com}}
  - target: $.tags
    update: {name: two}
  - target: $
    update: {servers: [{url: "https://b"}]}
  - target: $.paths.*.get.operationId
    update: renamed
"#,
        );
        apply(&mut document, &path, Path::new("api.yaml")).unwrap();
        assert_eq!(
            document["info"],
            json!({"title": "new", "version": "1", "contact": {"name": "a", "email": "e@example.com"}})
        );
        assert_eq!(document["tags"], json!([{"name": "one"}, {"name": "two"}]));
        assert_eq!(
            document["servers"],
            json!([{"url": "https://a"}, {"url": "https://b"}])
        );
        assert_eq!(document["paths"]["/b"]["get"]["operationId"], "renamed");
    }

    #[test]
    fn removals_take_every_selected_node() {
        let mut document = json!({
            "paths": {
                "/a": {"get": {"x-internal": true}, "post": {}},
                "/b": {"get": {}},
            },
            "list": [0, 1, 2, 3, 4],
        });
        let path = overlay(
            "remove.json",
            &json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": [
                {"target": "$.paths.*[?@['x-internal'] == true]", "remove": true},
                {"target": "$.list[0,2,3]", "remove": true},
                {"target": "$.paths['/b']", "remove": true, "update": {"ignored": 1}},
            ]})
            .to_string(),
        );
        apply(&mut document, &path, Path::new("api.yaml")).unwrap();
        assert_eq!(
            document,
            json!({"paths": {"/a": {"post": {}}}, "list": [1, 4]})
        );
    }

    #[test]
    fn a_target_matching_nothing_names_the_overlay_the_action_and_the_target() {
        let mut document = json!({"swagger": "2.0", "info": {}, "definitions": {}});
        let path = overlay(
            "nothing.yaml",
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.info\n    update: {title: x}\n  - target: $.components.schemas\n    update: {A: {type: string}}\n",
        );
        let err = apply(&mut document, &path, Path::new("dir/api.yaml")).unwrap_err();
        let Error::Document {
            location, message, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(location.file.ends_with("nothing.yaml"), "{err}");
        assert_eq!(location.pointer, "/actions/1/target");
        assert!(message.contains("action 1"), "{err}");
        assert!(message.contains("`$.components.schemas`"), "{err}");
        assert!(message.contains("api.yaml"), "{err}");
        assert!(err.to_string().contains("definitions"), "{err}");
        // The action before it was applied: every problem is reported
        // after every action is tried.
        assert_eq!(document["info"]["title"], "x");
    }

    #[test]
    fn malformed_overlays_are_refused_with_a_hint() {
        let mut document = json!({"openapi": "3.0.3"});
        for (name, text, expected) in [
            ("not-overlay.yaml", "openapi: 3.0.3\n", "not an overlay"),
            ("v2.yaml", "overlay: 2.0.0\nactions: []\n", "version 2.0.0"),
            (
                "no-actions.yaml",
                "overlay: 1.0.0\n",
                "no list of `actions`",
            ),
            (
                "no-target.yaml",
                "overlay: 1.0.0\nactions:\n  - update: {}\n",
                "no `target`",
            ),
            (
                "bad-path.yaml",
                "overlay: 1.0.0\nactions:\n  - target: paths\n    remove: true\n",
                "not a JSONPath",
            ),
            (
                "no-op.yaml",
                "overlay: 1.0.0\nactions:\n  - target: $.openapi\n",
                "neither",
            ),
            (
                "root.yaml",
                "overlay: 1.0.0\nactions:\n  - target: $\n    remove: true\n",
                "whole document",
            ),
            (
                "bad-remove.yaml",
                "overlay: 1.0.0\nactions:\n  - target: $\n    remove: 'yes'\n",
                "true or false",
            ),
        ] {
            let err = apply(&mut document, &overlay(name, text), Path::new("a.yaml")).unwrap_err();
            assert!(err.to_string().contains(expected), "{name}: {err}");
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
        let missing = std::env::temp_dir().join("generator-no-such-overlay.yaml");
        let err = apply(&mut document, &missing, Path::new("a.yaml")).unwrap_err();
        assert!(matches!(err, Error::Read { .. }), "{err:?}");
    }
}
