//! References across files, and every reference checked before the
//! document is converted.
//!
//! A `$ref` to another file (a relative path, YAML or JSON, with or without
//! a `#/json/pointer` fragment) is bundled into the document: what can live
//! in components (schemas, parameters, responses, ... ; `definitions`,
//! `parameters` and `responses` in Swagger 2.0) is added there under a name
//! taken from the reference and made unique, and the reference points at it;
//! anything else (a path item) is inlined. A reference that names a
//! component entry which itself only refers to another file makes that
//! entry the bundled value's home, so `Pet: {$ref: pet.yaml}` stays `Pet`.
//! Cycles across files end at components; a cycle of inlined values, or of
//! references that only refer to each other, is an error.
//!
//! Where a reference may stand is known from its place in the document
//! (a schema's `properties`, an operation's `responses`, ...); references in
//! examples, defaults and extensions are data and left alone.
//!
//! Only files under the reference root (the document's folder unless the
//! caller widens it) are read: a reference that leads elsewhere, through
//! `..`, an absolute path or a symbolic link, is refused before the file is
//! opened, and `http(s):` and `file:` URLs are not followed. Messages name
//! files, pointers and lines, never the text of a file.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use super::refs::{self, percent_decode, MAX_CHAIN};
use super::syntax;
use crate::error::{escape_pointer_token, Error, Location};

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

const METHODS: &[&str] = &[
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
        pointer.push_str(&escape_pointer_token(name));
        pointer
    }
}

/// A file taking part: the document (index 0) or one a reference named.
struct File {
    /// As reported: the document's path, or the referring file's directory
    /// joined with the reference.
    path: PathBuf,
    text: String,
    /// Parsed; `Null` for the document, which is walked in place.
    value: Value,
    /// The canonical path, when it has one.
    identity: Option<PathBuf>,
}

/// Where a reference stands.
#[derive(Debug, Clone)]
struct Site {
    file: usize,
    pointer: String,
}

/// A reference into the document, checked once everything is bundled.
struct LocalReference {
    site: Site,
    written: String,
    fragment: String,
}

struct Bundler {
    swagger2: bool,
    /// The canonical folder files must be in.
    root_dir: PathBuf,
    files: Vec<File>,
    /// Canonical path to index in `files`. Looked up, never iterated.
    by_identity: HashMap<PathBuf, usize>,
    /// Files that could not be read or parsed, reported once.
    failed: HashSet<PathBuf>,
    /// The component each bundled value lives at: (file, pointer, slot) to
    /// a pointer into the document.
    homes: HashMap<(usize, String, Slot), String>,
    /// Homes named by component entries, by canonical path of the file
    /// they refer to, until the file is opened.
    pending_homes: HashMap<(PathBuf, String, Slot), String>,
    /// Component names in use, per slot.
    taken: HashMap<Slot, HashSet<String>>,
    /// Bundled components, in the order they were first referred to.
    additions: Vec<(Slot, String, Value)>,
    /// Values being inlined, to find a cycle of them.
    inlining: Vec<(usize, String)>,
    local: Vec<LocalReference>,
    /// Callbacks being walked: a reference in one that names nothing is left
    /// to the repair that drops it with a warning, since a client makes no
    /// use of callbacks.
    in_callbacks: usize,
    errors: Vec<Error>,
}

/// Bundles the files `root` refers to into it and checks every reference.
/// `root` was read from `path` (with `text`); only files under the
/// canonical folder `root_dir` are read. Returns the other files read, in
/// the order they were first read.
pub(super) fn bundle(
    root: &mut Value,
    path: &Path,
    text: &str,
    swagger2: bool,
    root_dir: &Path,
) -> Result<Vec<PathBuf>, Error> {
    let mut bundler = Bundler {
        swagger2,
        root_dir: root_dir.to_owned(),
        files: vec![File {
            path: path.to_owned(),
            text: text.to_owned(),
            value: Value::Null,
            identity: path.canonicalize().ok(),
        }],
        by_identity: HashMap::new(),
        failed: HashSet::new(),
        homes: HashMap::new(),
        pending_homes: HashMap::new(),
        taken: HashMap::new(),
        additions: Vec::new(),
        inlining: Vec::new(),
        local: Vec::new(),
        in_callbacks: 0,
        errors: Vec::new(),
    };
    if let Some(identity) = bundler.files[0].identity.clone() {
        bundler.by_identity.insert(identity, 0);
    }
    bundler.register_homes(root);
    bundler.walk(root, Kind::Root, 0, "");
    bundler.add_components(root);
    bundler.check_local(root);
    let Bundler {
        files, mut errors, ..
    } = bundler;
    match errors.len() {
        0 => Ok(files.into_iter().skip(1).map(|file| file.path).collect()),
        1 => Err(errors.remove(0)),
        _ => Err(Error::Many(errors)),
    }
}

impl Bundler {
    fn location(&self, site: &Site) -> Location {
        let file = &self.files[site.file];
        Location {
            file: file.path.clone(),
            pointer: site.pointer.clone(),
            line: syntax::line_of(&file.text, &site.pointer),
        }
    }

    fn error(&mut self, site: &Site, message: String, hint: &str) {
        self.errors.push(Error::Document {
            location: self.location(site),
            message,
            hint: Some(hint.to_owned()),
        });
    }

    /// Reserves the names already in the document's component maps, and
    /// makes each entry that only refers to another file the home of what it
    /// refers to.
    fn register_homes(&mut self, root: &Value) {
        let nodes = [
            Node::Schema,
            Node::Parameter,
            Node::Response,
            Node::RequestBody,
            Node::Header,
            Node::Example,
            Node::Link,
            Node::Callback,
            Node::SecurityScheme,
        ];
        for node in nodes {
            let Some(slot) = node.slot(self.swagger2) else {
                continue;
            };
            let entries = slot.0.iter().try_fold(root, |value, key| value.get(key));
            let Some(Value::Object(entries)) = entries else {
                continue;
            };
            self.taken
                .entry(slot)
                .or_default()
                .extend(entries.keys().cloned());
            for (name, entry) in entries {
                let Some(reference) = entry.get("$ref").and_then(Value::as_str) else {
                    continue;
                };
                let (file_part, fragment) = split(reference);
                if file_part.is_empty() || is_remote(file_part) {
                    continue;
                }
                let target = self.joined(0, file_part);
                let Ok(identity) = target.canonicalize() else {
                    continue;
                };
                if self.by_identity.get(&identity) == Some(&0) {
                    continue;
                }
                // The fragment resolves as written or percent-decoded; which
                // one is known once the file is read.
                for fragment in [fragment.to_owned(), percent_decode(fragment)] {
                    self.pending_homes
                        .entry((identity.clone(), fragment, slot))
                        .or_insert_with(|| slot.pointer(name));
                }
            }
        }
    }

    fn walk(&mut self, value: &mut Value, kind: Kind, file: usize, pointer: &str) {
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
                        let pointer = format!("{pointer}/{}", escape_pointer_token(key));
                        self.walk(child, member, file, &pointer);
                    }
                }
            }
            Kind::Each(node, names) => match value {
                Value::Object(entries) => {
                    for (key, child) in entries.iter_mut() {
                        if names || !key.starts_with("x-") {
                            let pointer = format!("{pointer}/{}", escape_pointer_token(key));
                            self.walk(child, Kind::Node(node), file, &pointer);
                        }
                    }
                }
                Value::Array(items) => {
                    for (index, child) in items.iter_mut().enumerate() {
                        self.walk(child, Kind::Node(node), file, &format!("{pointer}/{index}"));
                    }
                }
                _ => {}
            },
            Kind::Node(Node::Callback) if self.in_callbacks == 0 => {
                self.in_callbacks += 1;
                self.walk(value, kind, file, pointer);
                self.in_callbacks -= 1;
            }
            Kind::Node(node) => {
                let Value::Object(members) = value else {
                    return;
                };
                for (key, child) in members.iter_mut() {
                    if key == "$ref" || key.starts_with("x-") {
                        continue;
                    }
                    if let Some(member) = node.member(key, child) {
                        let pointer = format!("{pointer}/{}", escape_pointer_token(key));
                        self.walk(child, member, file, &pointer);
                    }
                }
                if let Some(reference) = members.get("$ref").and_then(Value::as_str) {
                    let reference = reference.to_owned();
                    let site = Site {
                        file,
                        pointer: pointer.to_owned(),
                    };
                    self.reference(value, &reference, node, site);
                }
            }
        }
    }

    /// Handles the reference `value` (a `$ref` object of kind `node`) at
    /// `site`: a reference into the document is recorded for checking, one
    /// into another file bundled.
    fn reference(&mut self, value: &mut Value, reference: &str, node: Node, site: Site) {
        let (file_part, fragment) = split(reference);
        let target_file = if file_part.is_empty() {
            site.file
        } else if is_remote(file_part) {
            let (message, hint) = if file_part
                .get(..5)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("file:"))
            {
                (
                    format!("`$ref: {reference}` is a `file:` URL, which is not followed"),
                    "refer to the file by a path relative to the file that holds the reference",
                )
            } else {
                (
                    format!("`$ref: {reference}` refers to a remote document"),
                    "the generator reads no network resources; download the document and refer to it by a relative path",
                )
            };
            self.error(&site, message, hint);
            return;
        } else {
            match self.open(site.file, file_part, &site, reference) {
                Some(index) => index,
                None => return,
            }
        };
        if target_file == 0 {
            let local = format!("#{fragment}");
            if local != reference {
                set_reference(value, &local);
            }
            if self.in_callbacks > 0 {
                return;
            }
            self.local.push(LocalReference {
                site,
                written: reference.to_owned(),
                fragment: fragment.to_owned(),
            });
            return;
        }
        let Some(pointer) = refs::target(&self.files[target_file].value, fragment) else {
            let file = self.files[target_file].path.display().to_string();
            self.error(
                &site,
                format!("`$ref: {reference}` names nothing in {file}"),
                POINTER_HINT,
            );
            return;
        };
        // Anything but an object (a boolean schema aside) would reach a
        // later message as text of the file.
        let found = self.files[target_file].value.pointer(&pointer);
        let shape = match found {
            Some(Value::Object(_)) => None,
            Some(Value::Bool(_)) if node == Node::Schema => None,
            Some(Value::Bool(_)) => Some("a boolean"),
            Some(Value::String(_)) => Some("a string"),
            Some(Value::Number(_)) => Some("a number"),
            Some(Value::Array(_)) => Some("a list"),
            Some(Value::Null) | None => Some("nothing (null)"),
        };
        if let Some(shape) = shape {
            let file = self.files[target_file].path.display().to_string();
            self.error(
                &site,
                format!("`$ref: {reference}` names {shape} in {file}, not an object"),
                "a reference to another file names a YAML or JSON object: the whole file, or a `#/json/pointer` into it",
            );
            return;
        }
        match node.slot(self.swagger2) {
            Some(slot) => self.bundle_component(value, target_file, pointer, node, slot, site),
            None => {
                let key = (target_file, pointer.clone());
                if let Some(start) = self.inlining.iter().position(|entry| *entry == key) {
                    let chain: Vec<String> = self.inlining[start..]
                        .iter()
                        .chain(std::iter::once(&key))
                        .map(|(file, pointer)| {
                            format!("{}#{pointer}", self.files[*file].path.display())
                        })
                        .collect();
                    self.error(
                        &site,
                        format!(
                            "`$ref: {reference}` closes a cycle of references that cannot be inlined: {}",
                            chain.join(" -> ")
                        ),
                        "only schemas, parameters, responses and the other component kinds may refer back to themselves; break the cycle or move the repeated part into components",
                    );
                    return;
                }
                self.inlining.push(key);
                let content = self.processed(target_file, &pointer, node);
                self.inlining.pop();
                replace_keeping_siblings(value, content);
            }
        }
    }

    /// Bundles the value at `pointer` of file `target` as a component of
    /// `slot`, unless it already is, and points `value` at it.
    fn bundle_component(
        &mut self,
        value: &mut Value,
        target: usize,
        pointer: String,
        node: Node,
        slot: Slot,
        site: Site,
    ) {
        // A home found before the file was open moves to the file's index.
        if let Some(identity) = self.files[target].identity.clone() {
            if let Some(home) = self
                .pending_homes
                .remove(&(identity, pointer.clone(), slot))
            {
                self.homes.insert((target, pointer.clone(), slot), home);
            }
        }
        let key = (target, pointer.clone(), slot);
        if let Some(home) = self.homes.get(&key).cloned() {
            if site.file == 0 && home == site.pointer {
                // The entry that only referred to the file becomes its value.
                let saved = std::mem::take(&mut self.inlining);
                let content = self.processed(target, &pointer, node);
                self.inlining = saved;
                replace_keeping_siblings(value, content);
            } else {
                set_reference(value, &format!("#{home}"));
            }
            return;
        }
        let name = self.unique_name(slot, target, &pointer);
        let home = slot.pointer(&name);
        self.homes.insert(key, home.clone());
        let index = self.additions.len();
        self.additions.push((slot, name, Value::Null));
        // A cycle through a component ends at its reference.
        let saved = std::mem::take(&mut self.inlining);
        let content = self.processed(target, &pointer, node);
        self.inlining = saved;
        self.additions[index].2 = content;
        set_reference(value, &format!("#{home}"));
    }

    /// A copy of the value at `pointer` in file `file`, its references
    /// bundled.
    fn processed(&mut self, file: usize, pointer: &str, node: Node) -> Value {
        let mut content = self.files[file]
            .value
            .pointer(pointer)
            .cloned()
            .unwrap_or(Value::Null);
        self.walk(&mut content, Kind::Node(node), file, pointer);
        content
    }

    /// A component name from the last token of `pointer` (or the file's
    /// name), made of letters, digits, `.`, `-` and `_`, and not yet taken
    /// in `slot`.
    fn unique_name(&mut self, slot: Slot, file: usize, pointer: &str) -> String {
        let last = pointer
            .rsplit('/')
            .next()
            .filter(|token| !token.is_empty())
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .unwrap_or_else(|| {
                self.files[file]
                    .path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        let mut base: String = last
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if base.is_empty() {
            base = "Bundled".to_owned();
        }
        let taken = self.taken.entry(slot).or_default();
        let mut name = base.clone();
        let mut suffix = 2;
        while taken.contains(&name) {
            name = format!("{base}{suffix}");
            suffix += 1;
        }
        taken.insert(name.clone());
        name
    }

    /// `relative` resolved against the directory of file `from`.
    fn joined(&self, from: usize, relative: &str) -> PathBuf {
        let relative = percent_decode(relative);
        let base = self.files[from].path.parent().unwrap_or(Path::new(""));
        normalize(&base.join(relative))
    }

    /// The index of the file `relative` names (relative to file `from`),
    /// read and parsed on first use; `None` after reporting why not.
    fn open(&mut self, from: usize, relative: &str, site: &Site, reference: &str) -> Option<usize> {
        let path = self.joined(from, relative);
        if self.failed.contains(&path) {
            return None;
        }
        let fail = |bundler: &mut Self, error: Error| {
            bundler.failed.insert(path.clone());
            bundler.errors.push(error);
            None
        };
        let identity = match path.canonicalize() {
            Ok(identity) => identity,
            Err(source) => {
                let error = Error::Document {
                    location: self.location(site),
                    message: format!(
                        "`$ref: {reference}` names {}, which cannot be read: {source}",
                        path.display()
                    ),
                    hint: Some(
                        "a reference to another file is resolved relative to the file that holds it"
                            .to_owned(),
                    ),
                };
                return fail(self, error);
            }
        };
        if let Some(index) = self.by_identity.get(&identity) {
            return Some(*index);
        }
        if !identity.starts_with(&self.root_dir) {
            let error = Error::Document {
                location: self.location(site),
                message: format!(
                    "`$ref: {reference}` names {}, outside {}, the folder references may read",
                    path.display(),
                    self.root_dir.display()
                ),
                hint: Some(
                    "references may name files in the document's folder and below (symbolic links are followed first); move the file there, or widen the folder with `--ref-root DIR` (`Generator::ref_root`)"
                        .to_owned(),
                ),
            };
            return fail(self, error);
        }
        // The checked path, not the one written: a link swapped meanwhile
        // cannot lead out.
        let text = match std::fs::read_to_string(&identity) {
            Ok(text) => text,
            Err(source) => {
                let path = path.clone();
                return fail(self, Error::Read { path, source });
            }
        };
        let value = match syntax::parse(&text) {
            Ok(value) => value,
            Err(e) => {
                let error = Error::Syntax {
                    file: path.clone(),
                    line: e.line,
                    column: e.column,
                    message: e.message,
                };
                return fail(self, error);
            }
        };
        let index = self.files.len();
        self.files.push(File {
            path,
            text,
            value,
            identity: Some(identity.clone()),
        });
        self.by_identity.insert(identity, index);
        Some(index)
    }

    /// Adds the bundled components to the document.
    fn add_components(&mut self, root: &mut Value) {
        for (slot, name, value) in std::mem::take(&mut self.additions) {
            let mut node = &mut *root;
            for key in slot.0 {
                let Value::Object(members) = node else {
                    break;
                };
                node = members
                    .entry((*key).to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
            }
            match node {
                Value::Object(members) => {
                    members.insert(name, value);
                }
                _ => {
                    let pointer: String = slot.0.iter().map(|key| format!("/{key}")).collect();
                    let site = Site { file: 0, pointer };
                    self.error(
                        &site,
                        format!("`{name}` from another file cannot be added here: this is not an object"),
                        "component maps are objects keyed by name",
                    );
                }
            }
        }
    }

    /// Every reference into the document names a node, and no chain of
    /// references that only refer to each other comes back to its start.
    fn check_local(&mut self, root: &Value) {
        let mut reported = HashSet::new();
        for reference in std::mem::take(&mut self.local) {
            let Some(mut pointer) = refs::target(root, &reference.fragment) else {
                let message = if reference.site.file == 0 {
                    format!(
                        "`$ref: {}` names nothing in this document",
                        reference.written
                    )
                } else {
                    format!(
                        "`$ref: {}` names nothing in {}",
                        reference.written,
                        self.files[0].path.display()
                    )
                };
                self.error(&reference.site, message, POINTER_HINT);
                continue;
            };
            // Follow references that only refer onwards.
            let mut chain = vec![pointer.clone()];
            while let Some(next) = root
                .pointer(&pointer)
                .and_then(|target| target.get("$ref"))
                .and_then(Value::as_str)
                .and_then(|next| next.strip_prefix('#'))
                .and_then(|fragment| refs::target(root, fragment))
            {
                if let Some(start) = chain.iter().position(|seen| *seen == next) {
                    let mut cycle = chain[start..].to_vec();
                    let mut key = cycle.clone();
                    key.sort();
                    if reported.insert(key) {
                        cycle.push(next);
                        let site = Site {
                            file: 0,
                            pointer: cycle[0].clone(),
                        };
                        let shown: Vec<String> = cycle.iter().map(|p| format!("#{p}")).collect();
                        self.error(
                            &site,
                            format!(
                                "references form a cycle that never reaches a definition: {}",
                                shown.join(" -> ")
                            ),
                            "one of them must define the value instead of referring to another",
                        );
                    }
                    break;
                }
                if chain.len() > MAX_CHAIN {
                    break;
                }
                chain.push(next.clone());
                pointer = next;
            }
        }
    }
}

const POINTER_HINT: &str = "a fragment is a JSON pointer such as `#/components/schemas/Pet`, with `~1` for `/` and `~0` for `~` in keys; check it against the document";

/// A reference split at `#`: the file part (empty for the same file) and
/// the fragment.
fn split(reference: &str) -> (&str, &str) {
    match reference.split_once('#') {
        Some((file, fragment)) => (file, fragment),
        None => (reference, ""),
    }
}

/// A reference with a URL scheme (`https:`, `file:`); a Windows drive
/// letter is not one.
fn is_remote(file_part: &str) -> bool {
    match file_part.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

pub(super) fn set_reference(value: &mut Value, reference: &str) {
    if let Value::Object(members) = value {
        members.insert("$ref".to_owned(), Value::String(reference.to_owned()));
    }
}

/// Replaces the reference object `value` by `content`, keeping the
/// reference's other members (a `summary`, a `description`) over it.
pub(super) fn replace_keeping_siblings(value: &mut Value, content: Value) {
    let siblings = match std::mem::replace(value, content) {
        Value::Object(mut members) => {
            members.shift_remove("$ref");
            members
        }
        _ => Map::new(),
    };
    if let Value::Object(members) = value {
        for (key, sibling) in siblings {
            members.insert(key, sibling);
        }
    }
}

/// `.` and `..` removed without touching the file system, so reported paths
/// stay short.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(last, Some(Component::RootDir | Component::Prefix(_))) {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load;

    /// Writes `files` (relative path, text) under a fresh directory named
    /// after the test and returns it.
    fn tree(test: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("generator-bundle-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn loaded(dir: &Path) -> (Value, crate::load::Document) {
        let document = load(&dir.join("api.yaml"), &[]).unwrap_or_else(|e| panic!("{e}"));
        (serde_json::to_value(&document.api).unwrap(), document)
    }

    const SPLIT: &[(&str, &str)] = &[
        (
            "api.yaml",
            r"openapi: 3.0.3
info: {title: split, version: '1'}
paths:
  /pets:
    $ref: paths/pets.yaml
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - $ref: 'parameters.json#/Id'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'schemas/pet.yaml'}
components:
  schemas:
    Pet: {$ref: 'schemas/pet.yaml'}
    Error: {type: string}
",
        ),
        (
            "paths/pets.yaml",
            r"get:
  operationId: listPets
  responses:
    '200':
      description: ok
      content:
        application/json:
          schema:
            type: array
            items: {$ref: '../schemas/pet.yaml'}
    default:
      $ref: '../responses.yaml#/Failure'
",
        ),
        (
            "schemas/pet.yaml",
            r"type: object
properties:
  id: {type: integer}
  owner: {$ref: 'owner.yaml'}
  parent: {$ref: '#'}
  example: {$ref: 'owner.yaml'}
example: {$ref: 'data, not a reference'}
",
        ),
        (
            "schemas/owner.yaml",
            r"type: object
properties:
  pets: {type: array, items: {$ref: pet.yaml}}
  error: {$ref: '../api.yaml#/components/schemas/Error'}
",
        ),
        (
            "responses.yaml",
            r"Failure:
  description: failed
  content:
    application/json:
      schema: {$ref: '#/Body'}
Body:
  type: object
  properties: {message: {type: string}}
",
        ),
        (
            "parameters.json",
            r#"{"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}}"#,
        ),
    ];

    #[test]
    fn split_files_are_bundled_into_components_and_inlined() {
        let dir = tree("split", SPLIT);
        let (api, document) = loaded(&dir);
        let schemas = &api["components"]["schemas"];
        let names: Vec<&String> = schemas.as_object().unwrap().keys().collect();
        assert_eq!(names, ["Pet", "Error", "Body", "owner"]);
        // A path item is inlined; references in it point at components.
        let list = &api["paths"]["/pets"]["get"];
        assert_eq!(list["operationId"], "listPets");
        let items = &list["responses"]["200"]["content"]["application/json"]["schema"]["items"];
        assert_eq!(items["$ref"], "#/components/schemas/Pet");
        assert_eq!(
            list["responses"]["default"]["$ref"],
            "#/components/responses/Failure"
        );
        // Cycles within and across files end at components.
        let pet = &schemas["Pet"]["properties"];
        assert_eq!(pet["parent"]["$ref"], "#/components/schemas/Pet");
        assert_eq!(pet["owner"]["$ref"], "#/components/schemas/owner");
        // A property named `example` is a schema; the keyword is data.
        assert_eq!(pet["example"]["$ref"], "#/components/schemas/owner");
        assert_eq!(schemas["Pet"]["example"]["$ref"], "data, not a reference");
        let owner = &schemas["owner"]["properties"];
        assert_eq!(owner["pets"]["items"]["$ref"], "#/components/schemas/Pet");
        assert_eq!(owner["error"]["$ref"], "#/components/schemas/Error");
        let failure = &api["components"]["responses"]["Failure"];
        assert_eq!(
            failure["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Body"
        );
        let get = &api["paths"]["/pets/{id}"]["get"];
        assert_eq!(get["parameters"][0]["$ref"], "#/components/parameters/Id");
        let read: Vec<String> = document
            .files_read
            .iter()
            .map(|path| path.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(
            read,
            [
                "api.yaml",
                "paths/pets.yaml",
                "schemas/pet.yaml",
                "responses.yaml",
                "parameters.json",
                "schemas/owner.yaml",
            ]
        );
    }

    #[test]
    fn a_split_document_generates_a_client() {
        let dir = tree("split-generate", SPLIT);
        let output = crate::generate(&crate::Options::new(dir.join("api.yaml")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(output.warnings.is_empty(), "{:?}", output.warnings);
        assert!(output.code.contains("pub struct Pet {"), "{}", output.code);
        assert!(
            output.code.contains("pub struct Owner {"),
            "{}",
            output.code
        );
        assert!(
            output.code.contains("pub fn list_pets(&self)"),
            "{}",
            output.code
        );
        assert_eq!(output.files_read.len(), 6);
        let again = crate::generate(&crate::Options::new(dir.join("api.yaml"))).unwrap();
        assert_eq!(output.code, again.code);
    }

    #[test]
    fn bundled_names_never_collide() {
        let dir = tree(
            "collide",
            &[
                (
                    "api.yaml",
                    r"openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Pet: {type: string}
    A: {$ref: 'a.yaml#/components/schemas/Pet'}
    Holder:
      type: object
      properties:
        x: {$ref: 'b.json#/components/schemas/Pet'}
        y: {$ref: 'c.yaml#/Pet'}
        z: {$ref: 'b.json#/components/schemas/odd%20name'}
        a: {$ref: 'a.yaml#/components/schemas/Pet'}
        s: {$ref: 'b.json#/components/schemas/with%20space'}
    Space: {$ref: 'b.json#/components/schemas/with%20space', description: kept}
",
                ),
                ("a.yaml", "components: {schemas: {Pet: {type: integer}}}\n"),
                ("c.yaml", "Pet: {type: array}\n"),
                (
                    "b.json",
                    r#"{"components": {"schemas": {"Pet": {"type": "boolean"}, "odd name": {"type": "number"}, "with space": {"type": "null"}}}}"#,
                ),
            ],
        );
        let (api, _) = loaded(&dir);
        let schemas = &api["components"]["schemas"];
        // An entry that only refers to another file becomes its value.
        assert_eq!(schemas["A"]["type"], "integer");
        assert_eq!(schemas["Space"]["description"], "kept");
        let holder = &schemas["Holder"]["properties"];
        assert_eq!(holder["x"]["$ref"], "#/components/schemas/Pet2");
        assert_eq!(holder["y"]["$ref"], "#/components/schemas/Pet3");
        assert_eq!(holder["z"]["$ref"], "#/components/schemas/odd_name");
        assert_eq!(holder["a"]["$ref"], "#/components/schemas/A");
        assert_eq!(holder["s"]["$ref"], "#/components/schemas/Space");
        assert_eq!(schemas["Pet"]["type"], "string");
        assert_eq!(schemas["Pet2"]["type"], "boolean");
        assert_eq!(schemas["Pet3"]["type"], "array");
        assert_eq!(schemas["odd_name"]["type"], "number");
    }

    #[test]
    fn swagger2_documents_bundle_into_definitions() {
        let dir = tree(
            "swagger2",
            &[
                (
                    "api.yaml",
                    r"swagger: '2.0'
info: {title: t, version: '1'}
paths:
  /things:
    get:
      parameters:
        - $ref: 'common.yaml#/parameters/limit'
      responses:
        '200': {description: ok, schema: {$ref: 'common.yaml#/definitions/Thing'}}
",
                ),
                (
                    "common.yaml",
                    r"parameters:
  limit: {name: limit, in: query, type: integer}
definitions:
  Thing:
    type: object
    properties:
      next: {$ref: '#/definitions/Thing'}
",
                ),
            ],
        );
        let (api, _) = loaded(&dir);
        let thing = &api["components"]["schemas"]["Thing"];
        assert_eq!(
            thing["properties"]["next"]["$ref"],
            "#/components/schemas/Thing"
        );
        assert_eq!(
            api["components"]["parameters"]["limit"]["schema"]["type"],
            "integer"
        );
        let get = &api["paths"]["/things"]["get"];
        assert_eq!(
            get["parameters"][0]["$ref"],
            "#/components/parameters/limit"
        );
    }

    fn error_of(test: &str, files: &[(&str, &str)]) -> Error {
        let dir = tree(test, files);
        load(&dir.join("api.yaml"), &[]).unwrap_err()
    }

    fn document_error(err: &Error) -> (&Location, &str, &str) {
        match err {
            Error::Document {
                location,
                message,
                hint: Some(hint),
            } => (location, message, hint),
            other => panic!("{other:?}"),
        }
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn a_reference_to_a_missing_file_names_the_file_pointer_line_and_path() {
        let api = format!("{HEAD}paths:\n  /a:\n    $ref: 'paths/missing.yaml'\n");
        let err = error_of("missing-file", &[("api.yaml", &api)]);
        let (location, message, hint) = document_error(&err);
        assert!(location.file.ends_with("api.yaml"), "{err}");
        assert_eq!(location.pointer, "/paths/~1a");
        assert_eq!(location.line, Some(4), "{err}");
        assert!(message.contains("paths/missing.yaml"), "{err}");
        assert!(message.contains("cannot be read"), "{err}");
        assert!(hint.contains("relative to the file"), "{err}");
    }

    #[test]
    fn a_reference_to_a_missing_node_is_an_error_in_any_file() {
        let api = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      responses:\n        '200': {{$ref: '#/components/responses/Nope'}}\n  /b:\n    $ref: 'b.yaml'\n"
        );
        let b = "get:\n  responses:\n    '200':\n      description: ok\n      content:\n        application/json:\n          schema: {$ref: 'schemas.yaml#/Missing'}\n";
        let err = error_of(
            "missing-node",
            &[
                ("api.yaml", &api),
                ("b.yaml", b),
                ("schemas.yaml", "Present: {}\n"),
            ],
        );
        let Error::Many(errors) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(errors.len(), 2, "{err}");
        // In the order found: b.yaml is inlined where /b is walked, before
        // the local references are checked.
        let (location, message, hint) = document_error(&errors[0]);
        assert!(location.file.ends_with("b.yaml"), "{err}");
        assert_eq!(
            location.pointer,
            "/get/responses/200/content/application~1json/schema"
        );
        assert_eq!(location.line, Some(7), "{err}");
        assert!(message.contains("names nothing in"), "{err}");
        assert!(hint.contains("JSON pointer"), "{err}");
        let (location, message, _) = document_error(&errors[1]);
        assert!(location.file.ends_with("api.yaml"), "{err}");
        assert_eq!(location.pointer, "/paths/~1a/get/responses/200");
        assert_eq!(location.line, Some(7), "{err}");
        assert!(
            message.contains("`$ref: #/components/responses/Nope` names nothing in this document"),
            "{err}"
        );
    }

    #[test]
    fn unrepresentable_reference_cycles_are_errors() {
        // Schemas that only refer to each other never define a type.
        let api = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n    C: {{$ref: '#/components/schemas/A'}}\n"
        );
        let err = error_of("alias-cycle", &[("api.yaml", &api)]);
        let (location, message, hint) = document_error(&err);
        assert_eq!(location.pointer, "/components/schemas/B");
        assert!(
            message.contains(
                "#/components/schemas/B -> #/components/schemas/A -> #/components/schemas/B"
            ),
            "{err}"
        );
        assert!(hint.contains("define the value"), "{err}");

        // Path items cannot live in components in 3.0: a cycle of them
        // cannot be inlined.
        let api = format!("{HEAD}paths:\n  /a:\n    $ref: 'a.yaml'\n");
        let err = error_of(
            "inline-cycle",
            &[
                ("api.yaml", &api),
                ("a.yaml", "$ref: 'b.yaml'\n"),
                ("b.yaml", "summary: b\n$ref: 'a.yaml'\n"),
            ],
        );
        let (location, message, _) = document_error(&err);
        assert!(location.file.ends_with("b.yaml"), "{err}");
        assert!(message.contains("cannot be inlined"), "{err}");
        assert!(message.contains("a.yaml# -> "), "{err}");
    }

    /// Every message of an error, one per problem.
    fn messages(err: &Error) -> Vec<String> {
        match err {
            Error::Many(errors) => errors.iter().map(ToString::to_string).collect(),
            err => vec![err.to_string()],
        }
    }

    #[test]
    fn references_may_not_leave_the_documents_folder() {
        let outside = tree(
            "outside",
            &[
                (
                    "secret.yaml",
                    "get: {operationId: hunter2, responses: {}}\n",
                ),
                ("other.yaml", "get: {operationId: hunter2, responses: {}}\n"),
            ],
        );
        let secret = outside.join("secret.yaml");
        let relative = format!(
            "../{}/secret.yaml",
            outside.file_name().unwrap().to_string_lossy()
        );
        let api = format!(
            "{HEAD}paths:\n  /a: {{$ref: '{relative}'}}\n  /b: {{$ref: '{}'}}\n  /c: {{$ref: 'inside/link.yaml'}}\n  /d: {{$ref: 'file://{}'}}\n",
            outside.join("other.yaml").display(),
            secret.display()
        );
        let dir = tree("leave", &[("api.yaml", &api), ("inside/keep.yaml", "{}\n")]);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&secret, dir.join("inside/link.yaml")).unwrap();
        #[cfg(not(unix))]
        std::fs::copy(&secret, dir.join("inside/link.yaml")).unwrap();
        let err = load(&dir.join("api.yaml"), &[]).unwrap_err();
        let messages = messages(&err);
        let expected = if cfg!(unix) { 4 } else { 3 };
        assert_eq!(messages.len(), expected, "{messages:?}");
        for message in &messages {
            assert!(!message.contains("hunter2"), "{message}");
        }
        let outside_root = format!("outside {}", dir.canonicalize().unwrap().display());
        assert!(
            messages[0].contains("api.yaml:4: at #/paths/~1a: "),
            "{messages:?}"
        );
        assert!(messages[0].contains(&outside_root), "{messages:?}");
        assert!(messages[0].contains("--ref-root"), "{messages:?}");
        assert!(
            messages[1].contains("api.yaml:5: at #/paths/~1b: "),
            "{messages:?}"
        );
        assert!(messages[1].contains(&outside_root), "{messages:?}");
        if cfg!(unix) {
            // A symbolic link is followed before the check.
            assert!(messages[2].contains("at #/paths/~1c: "), "{messages:?}");
            assert!(messages[2].contains(&outside_root), "{messages:?}");
        }
        let last = messages.last().unwrap();
        assert!(last.contains("at #/paths/~1d: "), "{messages:?}");
        assert!(
            last.contains("is a `file:` URL, which is not followed"),
            "{messages:?}"
        );

        // The caller may widen the folder.
        let api = format!("{HEAD}paths:\n  /a: {{$ref: '{relative}'}}\n");
        let dir = tree("widened", &[("api.yaml", &api)]);
        let parent = dir.parent().unwrap();
        let document = crate::load::load_within(&dir.join("api.yaml"), &[], Some(parent))
            .unwrap_or_else(|e| panic!("{e}"));
        let api = serde_json::to_value(&document.api).unwrap();
        assert_eq!(api["paths"]["/a"]["get"]["operationId"], "hunter2");
        let err = crate::load::load_within(&dir.join("api.yaml"), &[], Some(&dir.join("nope")))
            .unwrap_err();
        assert!(
            err.to_string().starts_with("invalid reference root: "),
            "{err}"
        );
    }

    #[test]
    fn messages_never_show_the_text_of_a_referenced_file() {
        let api = format!(
            "{HEAD}paths:\n  /a: {{$ref: 'notes.txt'}}\n  /b: {{$ref: 'tagged.yaml'}}\n  /c: {{$ref: 'item.yaml'}}\n"
        );
        let err = error_of(
            "no-echo",
            &[
                ("api.yaml", &api),
                ("notes.txt", "the secret is swordfish\n"),
                ("tagged.yaml", "get: !!int swordfish\n"),
                (
                    "item.yaml",
                    "get:\n  parameters: [{name: p, in: swordfish}]\n  responses: {}\n",
                ),
            ],
        );
        let messages = messages(&err);
        assert_eq!(messages.len(), 2, "{messages:?}");
        for message in &messages {
            assert!(!message.contains("swordfish"), "{message}");
        }
        assert!(
            messages[0].contains("`$ref: notes.txt` names a string in"),
            "{messages:?}"
        );
        assert!(messages[1].contains("tagged.yaml:1:"), "{messages:?}");
        // Once the files load, a value of the wrong kind is named by its
        // place, not shown.
        let api = format!("{HEAD}paths:\n  /c: {{$ref: 'item.yaml'}}\n");
        let err = error_of(
            "no-echo-value",
            &[
                ("api.yaml", &api),
                (
                    "item.yaml",
                    "get:\n  parameters: [{name: p, in: swordfish}]\n  responses: {}\n",
                ),
            ],
        );
        let message = err.to_string();
        assert!(!message.contains("swordfish"), "{message}");
        assert!(
            message.contains("at #/paths/~1c/get/parameters/0"),
            "{message}"
        );
    }

    #[test]
    fn remote_and_unparsable_files_are_refused() {
        let api = format!(
            "{HEAD}paths:\n  /a:\n    $ref: 'https://example.com/a.yaml'\n  /b:\n    $ref: 'broken.json'\n"
        );
        let err = error_of(
            "remote",
            &[("api.yaml", &api), ("broken.json", "{\"get\": }")],
        );
        let Error::Many(errors) = &err else {
            panic!("{err:?}")
        };
        let (_, message, hint) = document_error(&errors[0]);
        assert!(message.contains("remote"), "{err}");
        assert!(hint.contains("download"), "{err}");
        let Error::Syntax { file, line, .. } = &errors[1] else {
            panic!("{err:?}")
        };
        assert!(file.ends_with("broken.json"), "{err}");
        assert_eq!(*line, 1);
    }

    #[test]
    fn remote_references_are_told_from_paths() {
        assert!(is_remote("https://example.com/a.yaml"));
        assert!(is_remote("file:/tmp/a.yaml"));
        assert!(!is_remote("C:/specs/a.yaml"));
        assert!(!is_remote("schemas/a.yaml"));
        assert!(!is_remote("../a%3Ab.yaml"));
    }

    #[test]
    fn paths_are_normalized_lexically() {
        assert_eq!(
            normalize(Path::new("openapi/./schemas/../pet.yaml")),
            Path::new("openapi/pet.yaml")
        );
        assert_eq!(
            normalize(Path::new("../a/b.yaml")),
            Path::new("../a/b.yaml")
        );
        assert_eq!(normalize(Path::new("/x/../../y")), Path::new("/y"));
    }
}
