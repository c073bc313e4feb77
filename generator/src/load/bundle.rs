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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use super::refs::{self, MAX_CHAIN};
use super::syntax;
use super::walk::{self, Kind, Node, Slot, Visitor};
use super::Source;
use crate::diagnostics::Diagnostics;
use crate::error::{Error, Location};
use crate::pointer;

/// A file taking part: the document (index 0) or one a reference named.
struct File<'d> {
    /// As reported: the document's path, or the referring file's directory
    /// joined with the reference.
    path: PathBuf,
    /// Only to find lines in: borrowed for the document rather than a copy
    /// of it, which is megabytes for a large one.
    text: Cow<'d, str>,
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

struct Bundler<'d> {
    swagger2: bool,
    /// The canonical folder files must be in.
    root_dir: PathBuf,
    files: Vec<File<'d>>,
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
    /// The file being walked.
    file: usize,
    diagnostics: &'d Diagnostics<'d>,
}

/// Bundles the files `root` refers to into it and checks every reference,
/// reporting every problem to `diagnostics`. `root` was read from `source`;
/// only files under the canonical folder `root_dir` are read. Returns the
/// other files read, in the order they were first read.
pub(super) fn bundle(
    root: &mut Value,
    source: &Source,
    diagnostics: &Diagnostics<'_>,
    root_dir: &Path,
) -> Vec<PathBuf> {
    let mut bundler = Bundler {
        swagger2: source.swagger2,
        root_dir: root_dir.to_owned(),
        files: vec![File {
            path: source.file.clone(),
            text: Cow::Borrowed(&source.text),
            value: Value::Null,
            identity: source.file.canonicalize().ok(),
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
        file: 0,
        diagnostics,
    };
    if let Some(identity) = bundler.files[0].identity.clone() {
        bundler.by_identity.insert(identity, 0);
    }
    bundler.register_homes(root);
    walk::walk(&mut bundler, root, Kind::Root, "");
    bundler.add_components(root);
    bundler.check_local(root);
    let files = bundler.files.into_iter().skip(1);
    files.map(|file| file.path).collect()
}

impl Visitor for Bundler<'_> {
    fn reference(&mut self, value: &mut Value, reference: &str, node: Node, pointer: &str) {
        let site = Site {
            file: self.file,
            pointer: pointer.to_owned(),
        };
        self.follow(value, reference, node, site);
    }

    /// Callbacks are walked: a reference in one that names nothing is
    /// left to the repair that drops it.
    fn enter_callback(&mut self) -> bool {
        self.in_callbacks += 1;
        true
    }

    fn leave_callback(&mut self) {
        self.in_callbacks -= 1;
    }
}

impl Bundler<'_> {
    fn location(&self, site: &Site) -> Location {
        let file = &self.files[site.file];
        Location {
            file: file.path.clone(),
            pointer: site.pointer.clone(),
            line: syntax::line_of(&file.text, &site.pointer),
        }
    }

    fn error(&self, site: &Site, message: String, hint: &str) {
        self.diagnostics.error(Error::Document {
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
                for fragment in [fragment.to_owned(), pointer::percent_decode(fragment)] {
                    self.pending_homes
                        .entry((identity.clone(), fragment, slot))
                        .or_insert_with(|| slot.pointer(name));
                }
            }
        }
    }

    /// Handles the reference `value` (a `$ref` object of kind `node`) at
    /// `site`: a reference into the document is recorded for checking, one
    /// into another file bundled.
    fn follow(&mut self, value: &mut Value, reference: &str, node: Node, site: Site) {
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
        let found = pointer::lookup(&self.files[target_file].value, &pointer);
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
        let outer = std::mem::replace(&mut self.file, file);
        walk::walk(self, &mut content, Kind::Node(node), pointer);
        self.file = outer;
        content
    }

    /// A component name from the last token of `pointer` (or the file's
    /// name), made of letters, digits, `.`, `-` and `_`, and not yet taken
    /// in `slot`.
    fn unique_name(&mut self, slot: Slot, file: usize, pointer: &str) -> String {
        let last = pointer::last(pointer)
            .filter(|token| !token.is_empty())
            .unwrap_or_else(|| {
                self.files[file]
                    .path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        let base = if last.is_empty() { "Bundled" } else { &last };
        walk::unique_name(base, self.taken.entry(slot).or_default())
    }

    /// `relative` resolved against the directory of file `from`.
    fn joined(&self, from: usize, relative: &str) -> PathBuf {
        let relative = pointer::percent_decode(relative);
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
            bundler.diagnostics.error(error);
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
            text: Cow::Owned(text),
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
            while let Some(next) = pointer::lookup(root, &pointer)
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
mod tests;
