//! Selecting operations: generating only what a user calls, so that a
//! client of a huge API (GitHub's 1,223 operations) compiles in proportion
//! to its use.
//!
//! Two steps. While `operations` walks the document, a [`Selector`] says
//! which operations to model; the others are named (so that the kept ones
//! get the method names they have in the whole client) and then skipped,
//! never modelled. After the types are finished, [`prune`] keeps only the
//! types reachable from the kept operations (parameters, bodies, success
//! and error payloads, response headers, pagination items) through the type
//! graph (struct fields, union variants, aliases, and the `Vec`, `Map`,
//! `Option` and `Box` around them), in their document order, and the
//! examples of those types. Security schemes all stay: they are few, and
//! operations name them.
//!
//! Selectors combine as a union: an operation is kept when it matches any
//! of them. A selector that matches no operation is an error naming it,
//! with the closest names the document has, since a typo would otherwise
//! give a client quietly missing what was asked for.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::{
    Body, BodyEncoding, ErrorBody, Example, Operation, PartKind, Payload, Success, TypeDef,
    TypeKind, TypeRef,
};
use crate::error::Error;

/// Which operations to generate. Empty means every one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Selection {
    /// Tags, as written in the document.
    pub(crate) tags: Vec<String>,
    /// `operationId`s as written, or generated method names.
    pub(crate) operations: Vec<String>,
    /// Path prefixes, matched a whole segment at a time: `/repos` matches
    /// `/repos` and `/repos/{owner}`, not `/repositories`.
    pub(crate) paths: Vec<String>,
}

impl Selection {
    /// Whether every operation is kept: no selector given.
    pub(crate) fn is_all(&self) -> bool {
        self.tags.is_empty() && self.operations.is_empty() && self.paths.is_empty()
    }
}

/// What a selector is matched against: one operation as the document and
/// the naming give it.
pub(crate) struct Candidate<'a> {
    /// `operationId`, or method and path when it has none.
    pub(crate) id: &'a str,
    /// The generated client method.
    pub(crate) method_name: &'a str,
    pub(crate) tags: &'a [String],
    /// The path template as in the document.
    pub(crate) path: &'a str,
}

/// Decides, operation by operation, what a [`Selection`] keeps, and
/// remembers which selectors matched and what names the document has, to
/// report those that matched nothing.
pub(crate) struct Selector<'s> {
    selection: &'s Selection,
    /// The tag and operation selectors without the spaces around them
    /// (`--tags "a, b"`).
    tags: Vec<String>,
    operations: Vec<String>,
    /// The path selectors, normalised (see [`normalise_prefix`]).
    prefixes: Vec<String>,
    /// Per selector, in the order of `tags`, `operations`, `paths`, whether
    /// it matched an operation.
    matched: Vec<bool>,
    /// The names seen, sorted, for suggestions: tags, operation ids and
    /// method names, and path templates.
    seen_tags: BTreeSet<String>,
    seen_operations: BTreeSet<String>,
    seen_paths: BTreeSet<String>,
}

impl<'s> Selector<'s> {
    pub(crate) fn new(selection: &'s Selection) -> Self {
        let count = selection.tags.len() + selection.operations.len() + selection.paths.len();
        let trimmed = |names: &[String]| names.iter().map(|n| n.trim().to_owned()).collect();
        Selector {
            selection,
            tags: trimmed(&selection.tags),
            operations: trimmed(&selection.operations),
            prefixes: selection
                .paths
                .iter()
                .map(|p| normalise_prefix(p))
                .collect(),
            matched: vec![false; count],
            seen_tags: BTreeSet::new(),
            seen_operations: BTreeSet::new(),
            seen_paths: BTreeSet::new(),
        }
    }

    /// Whether `operation` is to be modelled. Every selector it matches is
    /// marked as used, so that all are checked in one pass.
    pub(crate) fn keeps(&mut self, operation: &Candidate<'_>) -> bool {
        if self.selection.is_all() {
            return true;
        }
        self.seen_tags.extend(operation.tags.iter().cloned());
        self.seen_operations.insert(operation.id.to_owned());
        self.seen_operations
            .insert(operation.method_name.to_owned());
        self.seen_paths.insert(operation.path.to_owned());
        let tag_hits = self.tags.iter().map(|tag| operation.tags.contains(tag));
        let operation_hits = self
            .operations
            .iter()
            .map(|id| id == operation.id || id == operation.method_name);
        let path_hits = self
            .prefixes
            .iter()
            .map(|prefix| under_prefix(operation.path, prefix));
        let mut kept = false;
        for (matched, hit) in self
            .matched
            .iter_mut()
            .zip(tag_hits.chain(operation_hits).chain(path_hits))
        {
            *matched |= hit;
            kept |= hit;
        }
        kept
    }

    /// Every selector that matched no operation, as one error each naming
    /// it with the closest names of its kind.
    pub(crate) fn finish(self) -> Result<(), Error> {
        let selection = self.selection;
        let kinds = selection
            .tags
            .iter()
            .map(|tag| (tag, Kind::Tag))
            .chain(selection.operations.iter().map(|id| (id, Kind::Operation)))
            .chain(selection.paths.iter().map(|path| (path, Kind::Path)));
        let mut errors: Vec<Error> = kinds
            .zip(&self.matched)
            .filter(|(_, matched)| !**matched)
            .map(|((selector, kind), _)| {
                let close = match kind {
                    Kind::Tag => close_matches(selector, &self.seen_tags),
                    Kind::Operation => close_matches(selector, &self.seen_operations),
                    Kind::Path => close_prefixes(&normalise_prefix(selector), &self.seen_paths),
                };
                unmatched(kind, selector, &close)
            })
            .collect();
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Many(errors)),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Tag,
    Operation,
    Path,
}

/// The error for a selector that matched nothing.
fn unmatched(kind: Kind, selector: &str, close: &[String]) -> Error {
    let (option, what) = match kind {
        Kind::Tag => (
            "tag selection",
            format!("no operation has the tag `{selector}`"),
        ),
        Kind::Operation => (
            "operation selection",
            format!("no operation has the id or method name `{selector}`"),
        ),
        Kind::Path => (
            "path selection",
            format!("no operation's path starts with the segments `{selector}`"),
        ),
    };
    let message = if close.is_empty() {
        what
    } else {
        let close: Vec<String> = close.iter().map(|name| format!("`{name}`")).collect();
        format!("{what} (did you mean {}?)", close.join(", "))
    };
    Error::InvalidOption { option, message }
}

/// A path selector as compared: with a leading `/` and without a trailing
/// one, so that `repos/` selects as `/repos`; `/` alone stays `/` (every
/// path).
fn normalise_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim().trim_matches('/');
    format!("/{trimmed}")
}

/// Whether `path` is `prefix` or continues it with a new segment.
fn under_prefix(path: &str, prefix: &str) -> bool {
    if prefix == "/" {
        return true;
    }
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// How many names a suggestion lists at most.
const MAX_SUGGESTIONS: usize = 5;

/// The names closest to `wanted`: those within a few edits of it (a third
/// of its length, at least two), ignoring case, or holding it; nearest
/// first, then in name order.
fn close_matches<'n>(wanted: &str, names: impl IntoIterator<Item = &'n String>) -> Vec<String> {
    let wanted_lower = wanted.to_lowercase();
    let limit = (wanted_lower.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &String)> = names
        .into_iter()
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let distance = levenshtein(&wanted_lower, &lower);
            if distance <= limit {
                Some((distance, name))
            } else if wanted_lower.len() >= 3 && lower.contains(&wanted_lower) {
                // Ranked after every near spelling.
                Some((limit + 1 + lower.len() - wanted_lower.len(), name))
            } else {
                None
            }
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, name)| name.clone())
        .collect()
}

/// The prefixes of the document's paths closest to `prefix`, each path cut
/// to as many segments as `prefix` has (`/repo` is compared with `/repos`,
/// not with `/repos/{owner}/{repo}`).
fn close_prefixes(prefix: &str, paths: &BTreeSet<String>) -> Vec<String> {
    let segments = prefix.split('/').count();
    let cut: BTreeSet<String> = paths
        .iter()
        .map(|path| {
            path.split('/')
                .take(segments)
                .collect::<Vec<&str>>()
                .join("/")
        })
        .collect();
    close_matches(prefix, &cut)
}

/// The Levenshtein distance between `a` and `b`, in characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Keeps the types reachable from `operations` and the examples of types
/// kept, both in their order; with no selection, everything (a whole
/// client keeps the component schemas no operation uses).
pub(crate) fn prune(
    selection: &Selection,
    operations: &[Operation],
    types: Vec<TypeDef>,
    examples: Vec<Example>,
) -> (Vec<TypeDef>, Vec<Example>) {
    if selection.is_all() {
        return (types, examples);
    }
    let (keep, examples) = {
        let reached = reachable(operations, &types);
        let keep: Vec<bool> = types
            .iter()
            .map(|def| reached.contains(def.name.as_str()))
            .collect();
        let examples = examples
            .into_iter()
            .filter(|example| {
                let mut named = Vec::new();
                named_in(&example.ty, &mut named);
                named.iter().all(|name| reached.contains(name))
            })
            .collect();
        (keep, examples)
    };
    let types = types
        .into_iter()
        .zip(keep)
        .filter_map(|(def, keep)| keep.then_some(def))
        .collect();
    (types, examples)
}

/// The names of the types `operations` use, directly or through other
/// types.
fn reachable<'t>(operations: &'t [Operation], types: &'t [TypeDef]) -> HashSet<&'t str> {
    // Looked up, never iterated: the order of the output is the order of
    // `types`.
    let by_name: HashMap<&str, &TypeDef> =
        types.iter().map(|def| (def.name.as_str(), def)).collect();
    reachable_by_name(operations, &by_name)
}

/// [`reachable`] with the types already indexed by name, for callers that
/// follow several groups of operations through the same types.
fn reachable_by_name<'t>(
    operations: impl IntoIterator<Item = &'t Operation>,
    by_name: &HashMap<&'t str, &'t TypeDef>,
) -> HashSet<&'t str> {
    let mut pending: Vec<&str> = Vec::new();
    for operation in operations {
        roots(operation, &mut pending);
    }
    let mut reached: HashSet<&str> = HashSet::new();
    while let Some(name) = pending.pop() {
        if !reached.insert(name) {
            continue;
        }
        // A name without a definition is left for the compiler to report:
        // pruning cannot make it worse.
        let Some(def) = by_name.get(name) else {
            continue;
        };
        match &def.kind {
            TypeKind::Struct { fields } => {
                for field in fields {
                    named_in(&field.ty, &mut pending);
                }
            }
            TypeKind::Union { variants, .. } => {
                for ty in variants.iter().filter_map(|v| v.ty.as_ref()) {
                    named_in(ty, &mut pending);
                }
            }
            TypeKind::Alias(ty) => named_in(ty, &mut pending),
            TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } => {}
        }
    }
    reached
}

/// The named types an operation uses itself: its parameters, body, success
/// and error payloads, response headers and pagination items.
fn roots<'t>(operation: &'t Operation, out: &mut Vec<&'t str>) {
    for param in &operation.params {
        named_in(&param.ty, out);
    }
    if let Some(Body { ty, encoding, .. }) = &operation.body {
        named_in(ty, out);
        if let BodyEncoding::Multipart(parts) = encoding {
            for part in parts {
                if let PartKind::Value(ty) = &part.kind {
                    named_in(ty, out);
                }
            }
        }
    }
    let payload = |payload: &'t Payload, out: &mut Vec<&'t str>| {
        if let Payload::Json(ty) = payload {
            named_in(ty, out);
        }
    };
    match &operation.success {
        Success::One(one) => payload(one, out),
        Success::Several { variants, .. } => {
            for variant in variants {
                payload(&variant.payload, out);
            }
        }
    }
    match &operation.errors {
        ErrorBody::None => {}
        ErrorBody::One { ty, .. } => named_in(ty, out),
        ErrorBody::Several { variants, .. } => {
            for variant in variants {
                payload(&variant.payload, out);
            }
        }
    }
    for header in operation.headers.iter().flat_map(|h| &h.fields) {
        named_in(&header.ty, out);
    }
    if let Some(pagination) = &operation.pagination {
        named_in(&pagination.item, out);
    }
}

/// Pushes the names of the types in `ty` (inside `Vec`, `Map`, `Option`
/// and `Box` too) onto `out`.
fn named_in<'t>(ty: &'t TypeRef, out: &mut Vec<&'t str>) {
    match ty {
        TypeRef::Named(name) => out.push(name),
        TypeRef::Vec(inner)
        | TypeRef::Map(inner)
        | TypeRef::Option(inner)
        | TypeRef::Boxed(inner) => named_in(inner, out),
        TypeRef::Bool
        | TypeRef::I8
        | TypeRef::I16
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::U8
        | TypeRef::U16
        | TypeRef::U32
        | TypeRef::U64
        | TypeRef::F32
        | TypeRef::F64
        | TypeRef::String
        | TypeRef::Bytes
        | TypeRef::DateTime
        | TypeRef::Date
        | TypeRef::Uuid
        | TypeRef::Json => {}
    }
}

/// Cargo features per tag, for a crate that serves every user of a large
/// API while each compiles only the tags they enable (as `async-stripe`
/// does): which feature each tag becomes, and which features each
/// operation and each type is compiled under.
///
/// An operation is compiled under the features of its tags (any of them);
/// an untagged one always. A type is compiled under the features of every
/// operation reaching it, so that a type shared by several tags is one
/// item compiled once; a type an always-compiled operation reaches, or one
/// reached by the operations of every feature, has no condition. A type no
/// operation reaches (a component schema nothing uses) is compiled only
/// with `full`, the feature enabling every tag.
#[derive(Debug, Default)]
pub(crate) struct Features {
    /// Each feature and the tag it stands for, by feature name.
    pub(crate) tags: Vec<TagFeature>,
    /// By method name: the features an operation is compiled under, when
    /// it has any. Looked up, never iterated.
    operations: HashMap<String, Vec<String>>,
    /// By type name: the features a type is compiled under, when it has
    /// any; `full` alone for a type no operation reaches.
    types: HashMap<String, Vec<String>>,
}

/// One tag's cargo feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TagFeature {
    /// `tag-repos`: the tag made a feature name.
    pub(crate) name: String,
    /// The tag as written in the document.
    pub(crate) tag: String,
}

/// The feature enabling every tag's.
pub(crate) const FULL_FEATURE: &str = "full";

impl Features {
    /// The features `method` (an operation's method name) is compiled
    /// under, sorted; `None` when it always is.
    pub(crate) fn of_operation(&self, method: &str) -> Option<&[String]> {
        self.operations.get(method).map(Vec::as_slice)
    }

    /// The features the type `name` is compiled under, sorted; `None` when
    /// it always is.
    pub(crate) fn of_type(&self, name: &str) -> Option<&[String]> {
        self.types.get(name).map(Vec::as_slice)
    }
}

/// The per-tag features of a model: `operation_tags` gives the tags of an
/// operation (by HTTP method and path). `None` when no operation has a
/// tag: there is nothing to split.
pub(crate) fn features<'t>(
    operations: &[Operation],
    types: &[TypeDef],
    operation_tags: impl Fn(&Operation) -> &'t [String],
) -> Option<Features> {
    // Feature names in the order the tags first appear, so that two tags
    // made the same name (`Repos`, `repos`) are numbered by document order.
    let mut by_tag: HashMap<&str, String> = HashMap::new();
    let mut taken: HashSet<String> = HashSet::new();
    let mut tags: Vec<TagFeature> = Vec::new();
    for operation in operations {
        for tag in operation_tags(operation) {
            if by_tag.contains_key(tag.as_str()) {
                continue;
            }
            let base = feature_name(tag);
            let mut name = base.clone();
            let mut number = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}-{number}");
                number += 1;
            }
            by_tag.insert(tag, name.clone());
            tags.push(TagFeature {
                name,
                tag: tag.clone(),
            });
        }
    }
    if tags.is_empty() {
        return None;
    }
    tags.sort_by(|a, b| a.name.cmp(&b.name));

    // Operations grouped by their features, so that the type graph is
    // followed once per group rather than once per operation; the group
    // with no feature is the always-compiled one.
    let mut groups: BTreeMap<Vec<String>, Vec<&Operation>> = BTreeMap::new();
    let mut by_operation = HashMap::new();
    for operation in operations {
        let mut names: Vec<String> = operation_tags(operation)
            .iter()
            .filter_map(|tag| by_tag.get(tag.as_str()).cloned())
            .collect();
        names.sort();
        names.dedup();
        if !names.is_empty() {
            by_operation.insert(operation.method_name.clone(), names.clone());
        }
        groups.entry(names).or_default().push(operation);
    }
    let by_name: HashMap<&str, &TypeDef> =
        types.iter().map(|def| (def.name.as_str(), def)).collect();
    let mut always: HashSet<&str> = HashSet::new();
    let mut reached_by: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (names, group) in &groups {
        let reached = reachable_by_name(group.iter().copied(), &by_name);
        if names.is_empty() {
            always = reached;
            continue;
        }
        for name in reached {
            reached_by
                .entry(name)
                .or_default()
                .extend(names.iter().map(String::as_str));
        }
    }
    let mut by_type = HashMap::new();
    for def in types {
        let name = def.name.as_str();
        if always.contains(name) {
            continue;
        }
        let features: Vec<String> = match reached_by.get(name) {
            None => vec![FULL_FEATURE.to_owned()],
            Some(features) if features.len() == tags.len() => continue,
            Some(features) => features.iter().map(|f| (*f).to_owned()).collect(),
        };
        by_type.insert(def.name.clone(), features);
    }
    Some(Features {
        tags,
        operations: by_operation,
        types: by_type,
    })
}

/// A tag as a cargo feature name: `tag-` and the tag in lower case, every
/// run of characters other than ASCII letters and digits made one `-`
/// (`Git Data` gives `tag-git-data`); a tag with none of them gives `tag`.
fn feature_name(tag: &str) -> String {
    let mut name = String::from("tag");
    for word in tag
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        name.push('-');
        name.push_str(&word.to_ascii_lowercase());
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tagged groups of operations over a small type graph: `Pet`
    /// reaches `Owner` (and through it `Address`) by fields and `Kibble`
    /// and `Meat` through the union `Food`; `Store` and `StoreKind` only
    /// the `stores` operation uses; `Unused` nothing does.
    const DOCUMENT: &str = r##"openapi: 3.0.3
info: {title: Shop, version: '1'}
paths:
  /pets:
    get:
      operationId: listPets
      tags: [pets]
      parameters:
        - {name: sort, in: query, schema: {type: string, enum: [name, age]}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/PetList'}}}
        default:
          description: failed
          content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}
  /pets/{id}:
    get:
      operationId: getPet
      tags: [pets]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
  /stores:
    post:
      operationId: createStore
      tags: [stores]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Store'}}}
      responses:
        '201':
          description: created
          content: {application/json: {schema: {$ref: '#/components/schemas/Store'}}}
components:
  schemas:
    Unused: {type: object, properties: {x: {type: string}}}
    Pet:
      type: object
      properties:
        owner: {$ref: '#/components/schemas/Owner'}
        food: {$ref: '#/components/schemas/Food'}
      example: {owner: {name: ann}}
    PetList: {type: array, items: {$ref: '#/components/schemas/Pet'}}
    Owner:
      type: object
      properties:
        name: {type: string}
        address: {$ref: '#/components/schemas/Address'}
    Address: {type: object, properties: {city: {type: string}}}
    Food:
      oneOf:
        - {$ref: '#/components/schemas/Kibble'}
        - {$ref: '#/components/schemas/Meat'}
    Kibble: {type: object, required: [grams], properties: {grams: {type: integer}}}
    Meat: {type: object, required: [kind], properties: {kind: {type: string}}}
    Problem: {type: object, properties: {message: {type: string}}}
    Store:
      type: object
      properties:
        kind: {$ref: '#/components/schemas/StoreKind'}
      example: {kind: a}
    StoreKind: {type: string, enum: [a, b]}
"##;

    fn build(selection: Selection) -> Result<crate::model::Api, Error> {
        let file = std::env::temp_dir().join(format!(
            "select-{}-{:?}.yaml",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&file, DOCUMENT).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        crate::model::build_selected(&document.unwrap(), &selection)
    }

    fn operation_ids(api: &crate::model::Api) -> Vec<&str> {
        api.operations.iter().map(|op| op.id.as_str()).collect()
    }

    fn type_names(api: &crate::model::Api) -> Vec<&str> {
        api.types.iter().map(|def| def.name.as_str()).collect()
    }

    fn tags(tags: &[&str]) -> Selection {
        Selection {
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            ..Selection::default()
        }
    }

    #[test]
    fn a_tag_keeps_its_operations_and_the_types_they_reach() {
        let api = build(tags(&["pets"])).unwrap();
        assert_eq!(operation_ids(&api), ["listPets", "getPet"]);
        // In document order: the list alias, the fields' types (`Address`
        // only through `Owner`), the union and its variants, the error
        // body, and the query parameter's inline enum.
        assert_eq!(
            type_names(&api),
            [
                "Pet",
                "PetList",
                "Owner",
                "Address",
                "Food",
                "Kibble",
                "Meat",
                "Problem",
                "ListPetsSort"
            ]
        );
        // `Store`'s example went with it.
        let examples: Vec<&str> = api.examples.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(examples, ["/components/schemas/Pet/example"]);
        // The security schemes and the names are those of the whole client.
        let whole = build(Selection::default()).unwrap();
        let methods = |api: &crate::model::Api| -> Vec<String> {
            api.operations
                .iter()
                .map(|op| op.method_name.clone())
                .collect()
        };
        assert_eq!(methods(&api), methods(&whole)[..2]);
        assert_eq!(api.schemes.len(), whole.schemes.len());
    }

    #[test]
    fn no_selection_keeps_everything_even_unused_types() {
        let api = build(Selection::default()).unwrap();
        assert_eq!(operation_ids(&api), ["listPets", "getPet", "createStore"]);
        let names = type_names(&api);
        assert!(names.contains(&"Unused") && names.contains(&"StoreKind"));
        assert_eq!(api.examples.len(), 2);
    }

    #[test]
    fn operations_by_id_or_method_name_and_paths_add_up() {
        let selection = Selection {
            operations: vec!["create_store".to_owned()],
            ..Selection::default()
        };
        let api = build(selection).unwrap();
        assert_eq!(operation_ids(&api), ["createStore"]);
        assert_eq!(type_names(&api), ["Store", "StoreKind"]);

        // `/pets/` is `/pets`, which holds `/pets/{id}` as well; the union
        // with an operation id keeps each once, in document order.
        let selection = Selection {
            operations: vec!["createStore".to_owned(), "getPet".to_owned()],
            paths: vec!["/pets/".to_owned()],
            ..Selection::default()
        };
        let api = build(selection).unwrap();
        assert_eq!(operation_ids(&api), ["listPets", "getPet", "createStore"]);
        assert!(!type_names(&api).contains(&"Unused"));

        // A whole segment: `/pets/{id}` is under `/pets/{id}`, `/pets` is not.
        let selection = Selection {
            paths: vec!["/pets/{id}".to_owned()],
            ..Selection::default()
        };
        assert_eq!(operation_ids(&build(selection).unwrap()), ["getPet"]);
    }

    #[test]
    fn a_selector_matching_nothing_is_named_with_close_matches() {
        let selection = Selection {
            tags: vec!["pet".to_owned(), "stores".to_owned()],
            operations: vec!["getpets".to_owned()],
            paths: vec!["/pet".to_owned(), "/zzzzzzzz".to_owned()],
        };
        let error = build(selection).unwrap_err().to_string();
        assert_eq!(
            error,
            "4 problems:\n  invalid tag selection: no operation has the tag `pet` (did you mean `pets`?)\n  invalid operation selection: no operation has the id or method name `getpets` (did you mean `getPet`, `get_pet`?)\n  invalid path selection: no operation's path starts with the segments `/pet` (did you mean `/pets`?)\n  invalid path selection: no operation's path starts with the segments `/zzzzzzzz`"
        );
        // One alone is not wrapped in a list.
        let error = build(tags(&["Pets"])).unwrap_err().to_string();
        assert_eq!(
            error,
            "invalid tag selection: no operation has the tag `Pets` (did you mean `pets`?)"
        );
        // Spaces around a selector are not part of it.
        assert_eq!(
            operation_ids(&build(tags(&[" stores "])).unwrap()),
            ["createStore"]
        );
    }

    #[test]
    fn path_prefixes_match_whole_segments() {
        assert!(under_prefix("/repos/{owner}", "/repos"));
        assert!(under_prefix("/repos", "/repos"));
        assert!(!under_prefix("/repositories", "/repos"));
        assert!(under_prefix("/anything", "/"));
        assert_eq!(normalise_prefix("repos/"), "/repos");
        assert_eq!(normalise_prefix("/"), "/");
    }

    /// Each operation is behind its tags' feature, each type behind the
    /// features of the operations reaching it; a type only an untagged
    /// operation reaches, or one every feature reaches, has none; a type
    /// nothing reaches is behind `full`.
    #[test]
    fn per_tag_features_follow_the_operations_reaching_each_type() {
        let file = std::env::temp_dir().join(format!("features-{}.yaml", std::process::id()));
        // `createStore` gains the tag `Pets & more`, made `tag-pets-more`;
        // `/health`, untagged, reaches `Address`.
        let document = DOCUMENT
            .replace(
                "tags: [stores]",
                "tags: [stores, 'Pets & more']",
            )
            .replace(
                "components:",
                "  /health:\n    get:\n      operationId: health\n      responses:\n        '200':\n          description: ok\n          content: {application/json: {schema: {$ref: '#/components/schemas/Address'}}}\ncomponents:",
            );
        std::fs::write(&file, document).unwrap();
        let document = crate::load::load(&file, &[]).unwrap();
        std::fs::remove_file(&file).unwrap();
        let mut api = crate::model::build_selected(&document, &Selection::default()).unwrap();
        crate::model::tag_features(&document, &mut api);
        let features = api.features.expect("the operations have tags");
        let names: Vec<(&str, &str)> = features
            .tags
            .iter()
            .map(|f| (f.name.as_str(), f.tag.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("tag-pets", "pets"),
                ("tag-pets-more", "Pets & more"),
                ("tag-stores", "stores")
            ]
        );
        let strings = |features: Option<&[String]>| features.map(<[String]>::to_vec);
        assert_eq!(
            strings(features.of_operation("list_pets")),
            Some(vec!["tag-pets".to_owned()])
        );
        assert_eq!(
            strings(features.of_operation("create_store")),
            Some(vec!["tag-pets-more".to_owned(), "tag-stores".to_owned()])
        );
        assert_eq!(features.of_operation("health"), None);
        assert_eq!(
            strings(features.of_type("Owner")),
            Some(vec!["tag-pets".to_owned()])
        );
        assert_eq!(
            strings(features.of_type("StoreKind")),
            Some(vec!["tag-pets-more".to_owned(), "tag-stores".to_owned()])
        );
        // Reached through `Owner` by the pets, and by the untagged `health`.
        assert_eq!(features.of_type("Address"), None);
        assert_eq!(
            strings(features.of_type("Unused")),
            Some(vec![FULL_FEATURE.to_owned()])
        );
    }

    #[test]
    fn tags_become_feature_names() {
        assert_eq!(feature_name("repos"), "tag-repos");
        assert_eq!(feature_name("Git Data"), "tag-git-data");
        assert_eq!(feature_name("  --é!"), "tag");
        assert_eq!(feature_name("v1/Users_x"), "tag-v1-users-x");
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("repos", "repos"), 0);
        assert_eq!(levenshtein("é", "e"), 1);
    }
}
