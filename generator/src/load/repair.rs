//! Shapes the 3.0 model (`openapiv3`) cannot hold although documents use
//! them, rewritten so the document loads: keywords of the wrong type are
//! converted or left out (see `keywords`), and `$ref`s in an operation's
//! `callbacks` are inlined, and dropped with a warning when they cannot be.

mod keywords;

use std::collections::HashMap;

use serde_json::Value;

use super::refs;
use super::walk::METHODS_3_0 as METHODS;
use crate::diagnostics::Diagnostics;
use crate::pointer;

/// How deeply callbacks inlined from references may nest before the rest is
/// dropped (a callback whose operations refer to the callback again would
/// otherwise never end).
const MAX_CALLBACK_DEPTH: usize = 4;

/// Applies every repair to a 3.0 document.
pub(super) fn repair(root: &mut Value, diagnostics: &Diagnostics<'_>) {
    keywords::repair(root, diagnostics);
    callback_references(root, diagnostics);
}

/// OpenAPI 3.0 allows a Reference Object for each entry of an operation's
/// `callbacks`; `openapiv3` reads those entries as callbacks only, and would
/// take `$ref` for a path item. Each reference is replaced by the callback
/// it names; one that names nothing usable is dropped with a warning.
fn callback_references(root: &mut Value, diagnostics: &Diagnostics<'_>) {
    let mut references = Vec::new();
    for_each_operation(root, &mut |op, _| collect(op, &mut references, 0));
    if references.is_empty() {
        return;
    }
    // Looked up, never iterated.
    let targets: HashMap<String, Value> = references
        .into_iter()
        .filter_map(|reference| {
            let target = refs::resolve(root, &reference)?;
            target
                .is_object()
                .then(|| (reference.clone(), target.clone()))
        })
        .collect();
    for_each_operation_mut(root, &mut |op, pointer| {
        inline(op, pointer, &targets, 0, diagnostics);
    });
}

/// Calls `visit` with each operation under `paths` and in
/// `components.callbacks`, and its pointer.
fn for_each_operation(root: &Value, visit: &mut dyn FnMut(&Value, &str)) {
    let places = [
        ("/paths", root.get("paths")),
        (
            "/components/callbacks",
            root.get("components").and_then(|c| c.get("callbacks")),
        ),
    ];
    for (prefix, place) in places {
        let Some(Value::Object(entries)) = place else {
            continue;
        };
        let in_callbacks = prefix != "/paths";
        for (key, entry) in entries {
            let pointer = pointer::join(prefix, key);
            let items: Vec<(String, &Value)> = if in_callbacks {
                match entry {
                    Value::Object(callback) => callback
                        .iter()
                        .map(|(k, v)| (pointer::join(&pointer, k), v))
                        .collect(),
                    _ => Vec::new(),
                }
            } else {
                vec![(pointer, entry)]
            };
            for (pointer, item) in items {
                for method in METHODS {
                    if let Some(op) = item.get(*method) {
                        visit(op, &format!("{pointer}/{method}"));
                    }
                }
            }
        }
    }
}

/// The same walk with mutable operations.
fn for_each_operation_mut(root: &mut Value, visit: &mut dyn FnMut(&mut Value, &str)) {
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for (key, item) in paths.iter_mut() {
            let pointer = pointer::join("/paths", key);
            operations_mut(item, &pointer, visit);
        }
    }
    if let Some(Value::Object(callbacks)) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("callbacks"))
    {
        for (key, callback) in callbacks.iter_mut() {
            let pointer = pointer::join("/components/callbacks", key);
            if let Value::Object(callback) = callback {
                for (expression, item) in callback.iter_mut() {
                    let pointer = pointer::join(&pointer, expression);
                    operations_mut(item, &pointer, visit);
                }
            }
        }
    }
}

fn operations_mut(item: &mut Value, pointer: &str, visit: &mut dyn FnMut(&mut Value, &str)) {
    let Value::Object(item) = item else {
        return;
    };
    for (method, op) in item.iter_mut() {
        if METHODS.contains(&method.as_str()) {
            visit(op, &format!("{pointer}/{method}"));
        }
    }
}

/// The operations of the path items of a callback.
fn callback_operations(callback: &Value) -> impl Iterator<Item = &Value> {
    callback
        .as_object()
        .into_iter()
        .flat_map(|c| c.values())
        .flat_map(|item| METHODS.iter().filter_map(move |m| item.get(*m)))
}

/// Every callback `$ref` of an operation and of the operations of its
/// inline callbacks.
fn collect(op: &Value, references: &mut Vec<String>, depth: usize) {
    let Some(Value::Object(callbacks)) = op.get("callbacks") else {
        return;
    };
    for callback in callbacks.values() {
        match callback.get("$ref") {
            Some(Value::String(reference)) => references.push(reference.clone()),
            Some(_) => {}
            None if depth < MAX_CALLBACK_DEPTH => {
                for op in callback_operations(callback) {
                    collect(op, references, depth + 1);
                }
            }
            None => {}
        }
    }
}

fn inline(
    op: &mut Value,
    pointer: &str,
    targets: &HashMap<String, Value>,
    depth: usize,
    diagnostics: &Diagnostics<'_>,
) {
    let Some(Value::Object(callbacks)) = op.get_mut("callbacks") else {
        return;
    };
    let mut dropped = Vec::new();
    for (name, callback) in callbacks.iter_mut() {
        let pointer = format!("{pointer}/callbacks/{}", pointer::escape(name));
        if let Some(reference) = callback.get("$ref") {
            let reference = match reference {
                Value::String(reference) => reference.clone(),
                other => other.to_string(),
            };
            match targets.get(&reference) {
                Some(target) if depth < MAX_CALLBACK_DEPTH => *callback = target.clone(),
                Some(_) => {
                    diagnostics.warn(
                        &pointer,
                        format!("callback `$ref: {reference}` nests too deeply (does it refer to itself?); the callback is left out"),
                    );
                    dropped.push(name.clone());
                    continue;
                }
                None => {
                    diagnostics.warn(
                        &pointer,
                        format!("callback `$ref: {reference}` does not name a callback in this document; the callback is left out"),
                    );
                    dropped.push(name.clone());
                    continue;
                }
            }
        }
        if let Value::Object(items) = callback {
            for (expression, item) in items.iter_mut() {
                let pointer = pointer::join(&pointer, expression);
                operations_mut(item, &pointer, &mut |op, pointer| {
                    inline(op, pointer, targets, depth + 1, diagnostics);
                });
            }
        }
    }
    callbacks.retain(|name, _| !dropped.contains(name));
}

#[cfg(test)]
mod tests {
    use super::super::load_json;
    use serde_json::json;

    #[test]
    fn callback_references_are_inlined_or_dropped_with_a_warning() {
        let callback = json!({"{$request.body#/url}": {"post": {
            "responses": {"200": {"description": "ok"}},
            "callbacks": {"again": {"$ref": "#/components/callbacks/Hook"}},
        }}});
        let text = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/subscribe": {"post": {
                "responses": {"200": {"description": "ok"}},
                "callbacks": {
                    "hook": {"$ref": "#/components/callbacks/Hook"},
                    "missing": {"$ref": "#/components/callbacks/Missing"},
                },
            }}},
            "components": {"callbacks": {"Hook": callback}},
        });
        let (api, document) = load_json("repair-callbacks.json", &text.to_string());
        let callbacks = &api["paths"]["/subscribe"]["post"]["callbacks"];
        assert_eq!(callbacks.as_object().unwrap().len(), 1);
        let inlined = &callbacks["hook"]["{$request.body#/url}"]["post"];
        assert_eq!(inlined["responses"]["200"]["description"], "ok");
        let pointers: Vec<&str> = document
            .warnings
            .iter()
            .map(|w| w.location.pointer.as_str())
            .collect();
        assert!(
            pointers.contains(&"/paths/~1subscribe/post/callbacks/missing"),
            "{pointers:?}"
        );
        // The callback refers to itself: inlined a few levels, then cut.
        assert!(
            document
                .warnings
                .iter()
                .any(|w| w.message.contains("nests too deeply")),
            "{:?}",
            document.warnings
        );
    }
}
