//! Which list operations paginate, and how: the [`Pagination`] of each GET
//! operation whose success body is one JSON type, read from the document
//! alone once every type is finished (the body's fields decide it).
//!
//! The sources, in order of precedence:
//!
//! 1. our `x-pagination` on the operation (`false` turns the rest off; an
//!    object declares the shape, see `EXTENSIONS.md`); a malformed one is a
//!    warning and leaves the operation unpaginated;
//! 2. `x-dropshot-pagination` (dropshot's servers, such as nexus): a
//!    `page_token` cursor read from `next_page`, items in `items`;
//! 3. inference from the query parameters, the body's members and the
//!    declared response headers, tried shape by shape in the order of
//!    [`infer`]: a `Link` header, a cursor, the last item's id (Stripe), a
//!    next-page URL, an item offset, a page number.
//!
//! Inference is conservative: every shape needs its parameters and members
//! by the names of the tables below, with the types they must have, and the
//! items found without ambiguity. It never guesses: an operation that looks
//! paginated (a parameter or member of those names) but fits no shape is
//! left alone with a note saying why, which `inspect` shows, so that an
//! `x-pagination` can say what the document does not.

use std::collections::HashMap;

use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, SchemaKind, StatusCode, Type};
use serde_json::Value;

use super::{
    Field, Operation, PageStyle, Pagination, ParamLocation, Payload, Success, TypeDef, TypeKind,
    TypeRef,
};
use crate::diagnostics::Diagnostics;
use crate::load::Document;
use crate::pointer;

/// `x-pagination`: our extension declaring an operation's pagination.
pub(crate) const PAGINATION: &str = "x-pagination";
/// `x-dropshot-pagination`: dropshot's mark of a paginated operation.
pub(crate) const DROPSHOT: &str = "x-dropshot-pagination";

/// The names of the member holding the items when the body has several
/// arrays: exactly one of them must be among these.
const ITEM_MEMBERS: &[&str] = &[
    "data", "items", "results", "values", "entries", "records", "elements", "list",
];

/// The members one object level down from the body that may hold the
/// cursor and `has_more` (`{"meta": {"next_cursor": …}}`).
const CURSOR_CONTAINERS: &[&str] = &[
    "meta",
    "pagination",
    "paging",
    "response_metadata",
    "page_info",
    "cursor",
];

/// A string member holding the next page's cursor, and the query
/// parameters that take it back, in order of preference. A parameter of
/// the member's own name is taken first (Zoom's `next_page_token`).
const CURSORS: &[(&str, &[&str])] = &[
    ("next_cursor", &["cursor"]),
    ("nextCursor", &["cursor"]),
    ("cursor", &["cursor"]),
    ("next_page_token", &["page_token"]),
    ("nextPageToken", &["pageToken"]),
    ("next_token", &["next_token", "token"]),
    ("nextToken", &["nextToken"]),
    ("after", &["after"]),
    ("end_cursor", &["after"]),
    ("endCursor", &["after"]),
    ("next_page", &["page_token", "page"]),
];

/// String members holding the next page's URL.
const NEXT_URLS: &[&str] = &[
    "next",
    "next_url",
    "nextLink",
    "@odata.nextLink",
    "next_page_url",
];

/// Boolean members saying whether more pages follow.
const HAS_MORE: &[&str] = &["has_more", "hasMore", "more"];

/// Integer query parameters holding an item offset.
const OFFSETS: &[&str] = &["offset", "skip", "start"];
/// Query parameters sizing an offset page.
const OFFSET_SIZES: &[&str] = &["limit", "count", "top", "take", "page_size"];
/// Integer members holding the total number of items.
const TOTALS: &[&str] = &[
    "total",
    "total_count",
    "totalCount",
    "count",
    "total_results",
];

/// Integer query parameters holding a page number.
const PAGES: &[&str] = &["page", "page_number", "pageNumber"];
/// Query parameters sizing a numbered page.
const PAGE_SIZES: &[&str] = &["per_page", "page_size", "pageSize", "limit", "size"];
/// Integer members holding the number of pages.
const TOTAL_PAGES: &[&str] = &["total_pages", "totalPages", "page_count"];

/// Query parameters whose presence makes an operation look paginated
/// (sizes alone do not: a `limit` may cap a list that has no more pages).
const PAGING_PARAMS: &[&str] = &[
    "cursor",
    "page_token",
    "pageToken",
    "next_token",
    "nextToken",
    "next_page_token",
    "after",
    "starting_after",
    "offset",
    "skip",
    "page",
    "page_number",
    "pageNumber",
];

/// How deep aliases and pointers are followed, against cycles.
const MAX_DEPTH: usize = 16;

/// Sets the pagination of every operation, and the note of those that look
/// paginated but fit no shape. Malformed extensions are warnings.
pub(crate) fn infer(
    document: &Document,
    operations: &mut [Operation],
    types: &[TypeDef],
    diagnostics: &Diagnostics<'_>,
) {
    let types = Types {
        by_name: types.iter().map(|def| (def.name.as_str(), def)).collect(),
    };
    for op in operations.iter_mut() {
        let (pagination, note) = decide(document, op, &types, diagnostics);
        op.pagination = pagination;
        op.pagination_note = note;
    }
}

/// The pagination of one operation, or the note on why an operation that
/// looks paginated has none.
fn decide(
    document: &Document,
    op: &Operation,
    types: &Types<'_>,
    diagnostics: &Diagnostics<'_>,
) -> (Option<Pagination>, Option<String>) {
    let method = op.http_method.to_lowercase();
    let op_pointer = format!("{}/{method}", pointer::join("/paths", &op.path));
    let source = document
        .api
        .paths
        .paths
        .get(&op.path)
        .and_then(ReferenceOr::as_item)
        .and_then(|item| {
            item.iter()
                .find(|(m, _)| *m == method)
                .map(|(_, source)| (item, source))
        });
    let Some((item, source)) = source else {
        return (None, None);
    };
    let extension = source.extensions.get(PAGINATION);
    if extension == Some(&Value::Bool(false)) {
        return (None, None);
    }
    let warn = |message: String| {
        diagnostics.warn(
            pointer::join(&op_pointer, PAGINATION),
            format!("{message}; `{}` is left unpaginated", op.id),
        );
    };
    let body = match &op.success {
        // A nullable body has no fields to go through to the items.
        Success::One(Payload::Json(ty)) if op.http_method == "GET" && !types.resolve(ty).1 => ty,
        _ => {
            if extension.is_some() {
                warn(format!(
                    "`{PAGINATION}` applies to GET operations whose success body is one JSON type, not nullable"
                ));
                return (None, None);
            }
            let why = looks_paginated(op, types, None).filter(|_| op.http_method == "GET");
            let note = why.map(|why| {
                format!("looks paginated ({why}) but its success body is not one JSON type, not nullable: not paginated")
            });
            return (None, note);
        }
    };
    let view = View {
        op,
        body,
        types,
        source,
        parameters: item.parameters.iter().chain(&source.parameters).collect(),
        document,
    };
    if let Some(value) = extension {
        return match from_extension(&view, value) {
            Ok(pagination) => (Some(pagination), None),
            Err(message) => {
                warn(message);
                (None, None)
            }
        };
    }
    if source
        .extensions
        .get(DROPSHOT)
        .is_some_and(|value| value != &Value::Bool(false))
    {
        return match dropshot(&view) {
            Some(pagination) => (Some(pagination), None),
            None => {
                diagnostics.warn(
                    pointer::join(&op_pointer, DROPSHOT),
                    format!(
                        "`{}` is marked `{DROPSHOT}` but lacks a `page_token` query parameter or a body with an `items` array and a string `next_page`; it is left unpaginated",
                        op.id
                    ),
                );
                (None, None)
            }
        };
    }
    match infer_shape(&view) {
        Some(pagination) => (Some(pagination), None),
        None => {
            let note = looks_paginated(op, types, Some(body)).map(|why| {
                let reason = match items_of(types, body) {
                    None => "no items array found without ambiguity",
                    Some(_) => "no known shape of parameters and members fits",
                };
                format!("looks paginated ({why}) but {reason}: not paginated; `{PAGINATION}` can declare it")
            });
            (None, note)
        }
    }
}

/// What makes an operation look paginated: a query parameter of
/// [`PAGING_PARAMS`], or a body member of a cursor's name (but `after`).
fn looks_paginated(op: &Operation, types: &Types<'_>, body: Option<&TypeRef>) -> Option<String> {
    if let Some(param) = op
        .params
        .iter()
        .find(|p| p.location == ParamLocation::Query && PAGING_PARAMS.contains(&p.wire.as_str()))
    {
        return Some(format!("query parameter `{}`", param.wire));
    }
    let body = body?;
    let mut places: Vec<(String, &TypeRef)> = vec![(String::new(), body)];
    for container in CURSOR_CONTAINERS {
        if let Some(field) = types.member(body, container) {
            places.push((pointer::join("", container), &field.ty));
        }
    }
    for (place, ty) in places {
        // `after` alone is too common a member (a commit's SHA) to tell.
        for (name, _) in CURSORS.iter().filter(|(name, _)| *name != "after") {
            if types.member(ty, name).is_some() {
                return Some(format!("member `{}`", pointer::join(&place, name)));
            }
        }
    }
    None
}

/// The finished types by name, and how to look through them.
struct Types<'t> {
    by_name: HashMap<&'t str, &'t TypeDef>,
}

impl Types<'_> {
    /// The type with `Option`, `Box` and aliases looked through, and
    /// whether an `Option` was among them.
    fn resolve<'a>(&'a self, mut ty: &'a TypeRef) -> (&'a TypeRef, bool) {
        let mut optional = false;
        for _ in 0..MAX_DEPTH {
            ty = match ty {
                TypeRef::Option(inner) => {
                    optional = true;
                    inner
                }
                TypeRef::Boxed(inner) => inner,
                TypeRef::Named(name) => match self.by_name.get(name.as_str()).map(|d| &d.kind) {
                    Some(TypeKind::Alias(target)) => target,
                    _ => return (ty, optional),
                },
                _ => return (ty, optional),
            };
        }
        (ty, optional)
    }

    /// The fields of the struct `ty` is, if it is one.
    fn fields<'a>(&'a self, ty: &'a TypeRef) -> Option<&'a [Field]> {
        let TypeRef::Named(name) = self.resolve(ty).0 else {
            return None;
        };
        match &self.by_name.get(name.as_str())?.kind {
            TypeKind::Struct { fields } => Some(fields),
            _ => None,
        }
    }

    /// The member of `ty` named `wire` on the wire.
    fn member<'a>(&'a self, ty: &'a TypeRef, wire: &str) -> Option<&'a Field> {
        self.fields(ty)?
            .iter()
            .find(|f| !f.flatten && f.wire == wire)
    }

    /// The element type of the array `ty` is, if it is one.
    fn element<'a>(&'a self, ty: &'a TypeRef) -> Option<&'a TypeRef> {
        match self.resolve(ty).0 {
            TypeRef::Vec(inner) => Some(inner),
            _ => None,
        }
    }

    /// Whether `ty` is a value of a kind, after `Option` and aliases.
    fn is(&self, ty: &TypeRef, kind: Kind) -> bool {
        let ty = self.resolve(ty).0;
        match kind {
            Kind::String => *ty == TypeRef::String,
            Kind::Bool => *ty == TypeRef::Bool,
            Kind::Integer => matches!(
                ty,
                TypeRef::I8
                    | TypeRef::I16
                    | TypeRef::I32
                    | TypeRef::I64
                    | TypeRef::U8
                    | TypeRef::U16
                    | TypeRef::U32
                    | TypeRef::U64
            ),
        }
    }

    /// The fields `pointer` goes through from `ty`, each with whether it is
    /// an `Option`, and the type it names; the type is `Json` when it goes
    /// into untyped JSON, where the rest cannot be checked.
    fn walk<'a>(
        &'a self,
        ty: &'a TypeRef,
        pointer: &str,
    ) -> Option<(Vec<(String, bool)>, &'a TypeRef)> {
        let mut path = Vec::new();
        let mut ty = ty;
        for token in pointer::tokens(pointer).take(MAX_DEPTH) {
            if matches!(self.resolve(ty).0, TypeRef::Json | TypeRef::Map(_)) {
                return Some((path, &TypeRef::Json));
            }
            let field = self.member(ty, &token)?;
            path.push((field.name.clone(), self.resolve(&field.ty).1));
            ty = &field.ty;
        }
        Some((path, ty))
    }
}

/// The kinds of value a paging member or parameter must be.
#[derive(Debug, Clone, Copy)]
enum Kind {
    String,
    Bool,
    Integer,
}

/// Where a page's items are.
struct Items {
    pointer: String,
    path: Vec<(String, bool)>,
    item: TypeRef,
}

/// The items of a body: the body itself when it is an array; else its one
/// array member, or the one of several named in [`ITEM_MEMBERS`]; else,
/// when it has no array member, those found so in its one member named in
/// [`ITEM_MEMBERS`] that is an object (`{"data": {"items": […]}}`).
fn items_of(types: &Types<'_>, body: &TypeRef) -> Option<Items> {
    if let Some(item) = types.element(body) {
        return Some(Items {
            pointer: String::new(),
            path: Vec::new(),
            item: item.clone(),
        });
    }
    let fields = types.fields(body)?;
    let arrays: Vec<&Field> = fields
        .iter()
        .filter(|f| !f.flatten && types.element(&f.ty).is_some())
        .collect();
    let of_field = |field: &Field, item: &TypeRef| Items {
        pointer: pointer::join("", &field.wire),
        path: vec![(field.name.clone(), types.resolve(&field.ty).1)],
        item: item.clone(),
    };
    let chosen = match arrays.as_slice() {
        [one] => Some(*one),
        [] => None,
        several => {
            let named: Vec<&&Field> = several
                .iter()
                .filter(|f| ITEM_MEMBERS.contains(&f.wire.as_str()))
                .collect();
            match named.as_slice() {
                [one] => Some(**one),
                _ => return None,
            }
        }
    };
    if let Some(field) = chosen {
        return types.element(&field.ty).map(|item| of_field(field, item));
    }
    // No array: one level down, in a single container of an item name.
    let containers: Vec<&Field> = fields
        .iter()
        .filter(|f| {
            !f.flatten && ITEM_MEMBERS.contains(&f.wire.as_str()) && types.fields(&f.ty).is_some()
        })
        .collect();
    let [container] = containers.as_slice() else {
        return None;
    };
    let inner = types.fields(&container.ty)?;
    let arrays: Vec<&Field> = inner
        .iter()
        .filter(|f| !f.flatten && types.element(&f.ty).is_some())
        .collect();
    let field = match arrays.as_slice() {
        [one] => *one,
        several => {
            let named: Vec<&&Field> = several
                .iter()
                .filter(|f| ITEM_MEMBERS.contains(&f.wire.as_str()))
                .collect();
            match named.as_slice() {
                [one] => **one,
                _ => return None,
            }
        }
    };
    let item = types.element(&field.ty)?;
    let mut items = of_field(field, item);
    items.pointer = format!("{}{}", pointer::join("", &container.wire), items.pointer);
    items
        .path
        .insert(0, (container.name.clone(), types.resolve(&container.ty).1));
    Some(items)
}

/// What deciding one operation's shape looks at.
struct View<'v> {
    op: &'v Operation,
    body: &'v TypeRef,
    types: &'v Types<'v>,
    /// The operation as in the document.
    source: &'v openapiv3::Operation,
    /// The document's parameters of the operation, path-level first.
    parameters: Vec<&'v ReferenceOr<Parameter>>,
    document: &'v Document,
}

impl View<'_> {
    /// Whether the operation has the query parameter `wire`.
    fn query(&self, wire: &str) -> bool {
        self.op
            .params
            .iter()
            .any(|p| p.location == ParamLocation::Query && p.wire == wire)
    }

    /// Whether the operation has the query parameter `wire`, of `kind`.
    fn query_of(&self, wire: &str, kind: Kind) -> bool {
        self.op.params.iter().any(|p| {
            p.location == ParamLocation::Query && p.wire == wire && self.types.is(&p.ty, kind)
        })
    }

    /// The first of `names` that is a query parameter.
    fn first_query(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .find(|name| self.query(name))
            .map(|name| (*name).to_owned())
    }

    /// The pointer of the first of `names` that is a member of the body of
    /// `kind`, at the top or in one of the [`CURSOR_CONTAINERS`].
    fn body_member(&self, names: &[&str], kind: Kind) -> Option<String> {
        let types = self.types;
        let mut places = vec![(String::new(), self.body)];
        for container in CURSOR_CONTAINERS {
            if let Some(field) = types.member(self.body, container) {
                places.push((pointer::join("", container), &field.ty));
            }
        }
        places.into_iter().find_map(|(place, ty)| {
            names.iter().find_map(|name| {
                let field = types.member(ty, name)?;
                types
                    .is(&field.ty, kind)
                    .then(|| pointer::join(&place, name))
            })
        })
    }

    /// The number of the first page: 0 when the parameter's schema has 0
    /// as its default or minimum, else 1.
    fn first_page(&self, wire: &str) -> i64 {
        let components = self.document.api.components.as_ref();
        let zero = self.parameters.iter().rev().find_map(|parameter| {
            let parameter = match parameter {
                ReferenceOr::Item(parameter) => parameter,
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix("#/components/parameters/")?;
                    components?
                        .parameters
                        .get(&pointer::unescape(name))?
                        .as_item()?
                }
            };
            let Parameter::Query { parameter_data, .. } = parameter else {
                return None;
            };
            if parameter_data.name != wire {
                return None;
            }
            let ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else {
                return Some(false);
            };
            let schema = match schema {
                ReferenceOr::Item(schema) => schema,
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix("#/components/schemas/")?;
                    components?
                        .schemas
                        .get(&pointer::unescape(name))?
                        .as_item()?
                }
            };
            let default = schema.schema_data.default.as_ref().and_then(Value::as_i64);
            let minimum = match &schema.schema_kind {
                SchemaKind::Type(Type::Integer(integer)) => integer.minimum,
                _ => None,
            };
            Some(default == Some(0) || minimum == Some(0))
        });
        if zero == Some(true) {
            0
        } else {
            1
        }
    }

    /// Whether a success response declares a `Link` header.
    fn declares_link(&self) -> bool {
        let components = self.document.api.components.as_ref();
        self.source
            .responses
            .responses
            .iter()
            .filter(|(status, _)| match status {
                StatusCode::Code(code) => (200..300).contains(code),
                StatusCode::Range(range) => *range == 2,
            })
            .filter_map(|(_, response)| match response {
                ReferenceOr::Item(response) => Some(response),
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix("#/components/responses/")?;
                    components?
                        .responses
                        .get(&pointer::unescape(name))?
                        .as_item()
                }
            })
            .any(|response| {
                response
                    .headers
                    .keys()
                    .any(|name| name.eq_ignore_ascii_case("link"))
            })
    }

    /// A pagination of this operation's body.
    fn pagination(&self, style: PageStyle, items: Items, has_more: Option<String>) -> Pagination {
        Pagination {
            style,
            items_pointer: items.pointer,
            items_path: items.path,
            item: items.item,
            has_more,
            source: super::PaginationSource::Inferred,
        }
    }
}

/// `x-dropshot-pagination`: a `page_token` cursor from `next_page`, with
/// only `limit` kept beside it, items in `items`.
fn dropshot(view: &View<'_>) -> Option<Pagination> {
    let types = view.types;
    if !view.query("page_token") {
        return None;
    }
    let next = types.member(view.body, "next_page")?;
    let items = types.member(view.body, "items")?;
    let item = types.element(&items.ty)?;
    if !types.is(&next.ty, Kind::String) {
        return None;
    }
    Some(Pagination {
        style: PageStyle::Cursor {
            param: "page_token".to_owned(),
            pointer: "/next_page".to_owned(),
            keep: vec!["limit".to_owned()],
        },
        items_pointer: "/items".to_owned(),
        items_path: vec![(items.name.clone(), types.resolve(&items.ty).1)],
        item: item.clone(),
        has_more: None,
        source: super::PaginationSource::Dropshot,
    })
}

/// The first shape that fits, in order: a `Link` header, a cursor, the
/// last item's id, a next-page URL, an item offset, a page number. Every
/// shape needs the items.
fn infer_shape(view: &View<'_>) -> Option<Pagination> {
    let types = view.types;
    let items = items_of(types, view.body)?;
    let has_more = view.body_member(HAS_MORE, Kind::Bool);

    if view.declares_link() {
        return Some(view.pagination(PageStyle::LinkHeader, items, has_more));
    }

    // A cursor member, and the parameter taking it back.
    let cursor = CURSORS.iter().find_map(|(member, params)| {
        let pointer = view.body_member(&[member], Kind::String)?;
        let param = std::iter::once(member)
            .chain(params.iter())
            .find(|param| view.query_of(param, Kind::String))?;
        Some(((*param).to_owned(), pointer))
    });
    if let Some((param, pointer)) = cursor {
        let style = PageStyle::Cursor {
            param,
            pointer,
            keep: Vec::new(),
        };
        return Some(view.pagination(style, items, has_more));
    }

    // Stripe: `has_more`, objects with an `id`, `starting_after`.
    let item_has_id = types
        .member(&items.item, "id")
        .is_some_and(|id| types.is(&id.ty, Kind::String) || types.is(&id.ty, Kind::Integer));
    if view.query("starting_after") && item_has_id {
        if let Some(has_more) = types
            .member(view.body, "has_more")
            .filter(|f| types.is(&f.ty, Kind::Bool))
        {
            let style = PageStyle::AfterLast {
                param: "starting_after".to_owned(),
                id: "id".to_owned(),
            };
            let has_more = Some(pointer::join("", &has_more.wire));
            return Some(view.pagination(style, items, has_more));
        }
    }

    // A URL member: `next`, …, `links.next`, `_links.next.href`.
    let next_url = NEXT_URLS
        .iter()
        .map(|name| pointer::join("", name))
        .chain(["/links/next".to_owned(), "/_links/next/href".to_owned()])
        .find(|pointer| {
            types
                .walk(view.body, pointer)
                .is_some_and(|(_, ty)| types.is(ty, Kind::String))
        });
    if let Some(pointer) = next_url {
        return Some(view.pagination(PageStyle::NextUrl { pointer }, items, has_more));
    }

    // An integer offset with a page size.
    let offset = OFFSETS
        .iter()
        .find(|name| view.query_of(name, Kind::Integer));
    let size = view.first_query(OFFSET_SIZES);
    if let (Some(offset), Some(size)) = (offset, size) {
        let style = PageStyle::Offset {
            param: (*offset).to_owned(),
            limit: Some(size),
            total: view.body_member(TOTALS, Kind::Integer),
        };
        return Some(view.pagination(style, items, has_more));
    }

    // An integer page number.
    let page = PAGES
        .iter()
        .find(|name| view.query_of(name, Kind::Integer))?;
    let style = PageStyle::Page {
        param: (*page).to_owned(),
        first: view.first_page(page),
        size: view.first_query(PAGE_SIZES),
        total: view.body_member(TOTALS, Kind::Integer),
        total_pages: view.body_member(TOTAL_PAGES, Kind::Integer),
    };
    Some(view.pagination(style, items, has_more))
}

/// The keys `x-pagination` takes with each style, beside `style`, `items`
/// and `has-more`.
fn style_keys(style: &str) -> Option<&'static [&'static str]> {
    Some(match style {
        "link" => &[],
        "next-url" => &["cursor"],
        "cursor" => &["param", "cursor", "keep"],
        "after-last" => &["param", "id"],
        "offset" => &["param", "limit", "total"],
        "page" => &["param", "size", "total", "total-pages", "first"],
        _ => return None,
    })
}

/// An `x-pagination` object read and checked against the operation: every
/// pointer names a member of the body of the right kind (or goes into
/// untyped JSON), every parameter is a query parameter.
fn from_extension(view: &View<'_>, value: &Value) -> Result<Pagination, String> {
    let types = view.types;
    let Some(object) = value.as_object() else {
        return Err(format!(
            "expected `false` or an object with a `style`, found {value}"
        ));
    };
    let style = object.get("style").and_then(Value::as_str).unwrap_or("");
    let Some(keys) = style_keys(style) else {
        return Err(format!(
            "`style` must be one of `link`, `next-url`, `cursor`, `after-last`, `offset`, `page`, found {}",
            object.get("style").map_or("nothing".to_owned(), Value::to_string)
        ));
    };
    if let Some(key) = object.keys().find(|key| {
        !["style", "items", "has-more"].contains(&key.as_str()) && !keys.contains(&key.as_str())
    }) {
        return Err(format!("`{key}` does not apply to style `{style}`"));
    }
    let text = |key: &str| -> Result<Option<String>, String> {
        match object.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(format!("`{key}` must be a string, found {other}")),
        }
    };
    let required = |key: &str| -> Result<String, String> {
        text(key)?.ok_or_else(|| format!("style `{style}` needs `{key}`"))
    };
    let param = |name: String, key: &str| -> Result<String, String> {
        if view.query(&name) {
            Ok(name)
        } else {
            Err(format!(
                "`{key}`: `{name}` is not a query parameter of the operation"
            ))
        }
    };
    let member = |key: &str, kind: Kind| -> Result<Option<String>, String> {
        let Some(pointer) = text(key)? else {
            return Ok(None);
        };
        let found = types.walk(view.body, &pointer);
        match found {
            Some((_, ty)) if *ty == TypeRef::Json || types.is(ty, kind) => Ok(Some(pointer)),
            Some(_) => Err(format!(
                "`{key}`: `{pointer}` is not a {} member of the body",
                match kind {
                    Kind::String => "string",
                    Kind::Bool => "boolean",
                    Kind::Integer => "integer",
                }
            )),
            None => Err(format!("`{key}`: `{pointer}` names no member of the body")),
        }
    };
    let items = match text("items")? {
        Some(pointer) => {
            let array = types.walk(view.body, &pointer).and_then(|(path, ty)| {
                types.element(ty).map(|item| Items {
                    pointer: pointer.clone(),
                    path,
                    item: item.clone(),
                })
            });
            array
                .ok_or_else(|| format!("`items`: `{pointer}` names no array member of the body"))?
        }
        None => items_of(types, view.body).ok_or_else(|| {
            "`items` is needed: the body is not an array and has no one array member".to_owned()
        })?,
    };
    let has_more = member("has-more", Kind::Bool)?;
    let style = match style {
        "link" => PageStyle::LinkHeader,
        "next-url" => PageStyle::NextUrl {
            pointer: member("cursor", Kind::String)?
                .ok_or_else(|| format!("style `{style}` needs `cursor`"))?,
        },
        "cursor" => {
            let keep = match object.get("keep") {
                None => Vec::new(),
                Some(Value::Array(names)) => names
                    .iter()
                    .map(|name| match name {
                        Value::String(name) => param(name.clone(), "keep"),
                        other => Err(format!("`keep` must list strings, found {other}")),
                    })
                    .collect::<Result<_, _>>()?,
                Some(other) => return Err(format!("`keep` must be an array, found {other}")),
            };
            PageStyle::Cursor {
                param: param(required("param")?, "param")?,
                pointer: member("cursor", Kind::String)?
                    .ok_or_else(|| format!("style `{style}` needs `cursor`"))?,
                keep,
            }
        }
        "after-last" => {
            let id = text("id")?.unwrap_or_else(|| "id".to_owned());
            let typed = types.fields(&items.item).is_some();
            if typed && types.member(&items.item, &id).is_none() {
                return Err(format!("`id`: the items have no member `{id}`"));
            }
            PageStyle::AfterLast {
                param: param(required("param")?, "param")?,
                id,
            }
        }
        "offset" => PageStyle::Offset {
            param: param(required("param")?, "param")?,
            limit: text("limit")?.map(|n| param(n, "limit")).transpose()?,
            total: member("total", Kind::Integer)?,
        },
        _ => {
            let first = match object.get("first") {
                None => None,
                Some(value) => Some(
                    value
                        .as_i64()
                        .ok_or_else(|| format!("`first` must be an integer, found {value}"))?,
                ),
            };
            let page = param(required("param")?, "param")?;
            PageStyle::Page {
                first: first.unwrap_or_else(|| view.first_page(&page)),
                param: page,
                size: text("size")?.map(|n| param(n, "size")).transpose()?,
                total: member("total", Kind::Integer)?,
                total_pages: member("total-pages", Kind::Integer)?,
            }
        }
    };
    Ok(Pagination {
        style,
        items_pointer: items.pointer,
        items_path: items.path,
        item: items.item,
        has_more,
        source: super::PaginationSource::Extension,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Api, PaginationSource};
    use super::*;

    /// The model of a document with these paths and component schemas,
    /// with these overlays applied (their text).
    fn api_with(paths: &str, schemas: &str, overlays: &[&str]) -> Api {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}\ncomponents:\n  schemas:\n{schemas}\n"
        );
        let dir = std::env::temp_dir().join(format!(
            "pagination-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("api.yaml");
        std::fs::write(&file, text).unwrap();
        let overlays: Vec<_> = overlays
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let overlay = dir.join(format!("overlay{index}.yaml"));
                std::fs::write(&overlay, text).unwrap();
                overlay
            })
            .collect();
        let document = crate::load::load(&file, &overlays);
        std::fs::remove_dir_all(&dir).unwrap();
        crate::model::build(&document.unwrap()).unwrap()
    }

    fn model(paths: &str, schemas: &str) -> Api {
        api_with(paths, schemas, &[])
    }

    /// The pagination of the only operation.
    fn only(api: &Api) -> Option<&Pagination> {
        api.operations[0].pagination.as_ref()
    }

    fn warnings(api: &Api) -> Vec<String> {
        api.warnings.iter().map(ToString::to_string).collect()
    }

    /// A `Pet` with an `id`.
    const PET: &str =
        "    Pet: {type: object, properties: {id: {type: string}, name: {type: string}}}\n";

    /// `GET /pets` with these query parameters (`{name: …, in: query, …}`
    /// lines) and this schema for its 200 body.
    fn list<P: AsRef<str>>(params: &[P], body: &str) -> String {
        let mut out = "  /pets:\n    get:\n      operationId: listPets\n".to_owned();
        if !params.is_empty() {
            out.push_str("      parameters:\n");
            for param in params {
                out.push_str(&format!("        - {}\n", param.as_ref()));
            }
        }
        out.push_str(&format!(
            "      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {body}\n"
        ));
        out
    }

    fn query(name: &str, ty: &str) -> String {
        format!("{{name: {name}, in: query, schema: {{type: {ty}}}}}")
    }

    fn pet() -> TypeRef {
        TypeRef::Named("Pet".to_owned())
    }

    #[test]
    fn a_declared_link_header_pages_an_array_body() {
        let paths = "  /pets:\n    get:\n      operationId: listPets\n      parameters: [{name: page, in: query, schema: {type: integer}}]\n      responses:\n        '200':\n          description: ok\n          headers: {Link: {schema: {type: string}}}\n          content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}}}\n";
        let api = model(paths, PET);
        let pagination = only(&api).unwrap();
        // The header wins over the page number.
        assert_eq!(pagination.style, PageStyle::LinkHeader);
        assert_eq!(pagination.items_pointer, "");
        assert!(pagination.items_path.is_empty());
        assert_eq!(pagination.item, pet());
        assert_eq!(pagination.source, PaginationSource::Inferred);
    }

    #[test]
    fn a_cursor_member_is_sent_back_in_its_parameter() {
        let schemas = format!("{PET}    Page:\n      type: object\n      required: [data]\n      properties:\n        data: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n        meta: {{type: object, properties: {{next_cursor: {{type: string}}, has_more: {{type: boolean}}}}}}\n");
        let params = [query("cursor", "string"), query("limit", "integer")];
        let api = model(
            &list(&params, "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        let pagination = only(&api).unwrap();
        assert_eq!(
            pagination.style,
            PageStyle::Cursor {
                param: "cursor".to_owned(),
                pointer: "/meta/next_cursor".to_owned(),
                keep: Vec::new(),
            }
        );
        assert_eq!(pagination.items_pointer, "/data");
        assert_eq!(pagination.items_path, [("data".to_owned(), false)]);
        assert_eq!(pagination.has_more.as_deref(), Some("/meta/has_more"));
    }

    #[test]
    fn a_cursor_without_its_parameter_is_only_a_note() {
        let schemas = format!("{PET}    Page:\n      type: object\n      properties:\n        items: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n        nextPageToken: {{type: string}}\n");
        let params = [query("page_token", "string")];
        let api = model(
            &list(&params, "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        // `nextPageToken` goes back in `pageToken`, which is not there.
        assert_eq!(only(&api), None);
        let note = api.operations[0].pagination_note.as_deref().unwrap();
        assert!(
            note.starts_with("looks paginated (query parameter `page_token`) but no known shape"),
            "{note}"
        );
    }

    #[test]
    fn stripe_lists_continue_after_the_last_id() {
        let schemas = format!("{PET}    PetList:\n      type: object\n      required: [data, has_more, object, url]\n      properties:\n        object: {{type: string}}\n        url: {{type: string}}\n        has_more: {{type: boolean}}\n        data: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n");
        let params = [query("starting_after", "string"), query("limit", "integer")];
        let api = model(
            &list(&params, "{$ref: '#/components/schemas/PetList'}"),
            &schemas,
        );
        let pagination = only(&api).unwrap();
        assert_eq!(
            pagination.style,
            PageStyle::AfterLast {
                param: "starting_after".to_owned(),
                id: "id".to_owned(),
            }
        );
        assert_eq!(pagination.has_more.as_deref(), Some("/has_more"));
        assert_eq!(pagination.items_pointer, "/data");
    }

    #[test]
    fn a_next_url_member_is_followed() {
        let schemas = format!("{PET}    Page:\n      type: object\n      properties:\n        values: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n        next: {{type: string, format: uri}}\n        pagelen: {{type: integer}}\n");
        let api = model(
            &list::<&str>(&[], "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        let pagination = only(&api).unwrap();
        assert_eq!(
            pagination.style,
            PageStyle::NextUrl {
                pointer: "/next".to_owned()
            }
        );
        // Not required, so an `Option` to read through.
        assert_eq!(pagination.items_path, [("values".to_owned(), true)]);

        let schemas = format!("{PET}    Page:\n      type: object\n      properties:\n        results: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n        _links: {{type: object, properties: {{next: {{type: object, properties: {{href: {{type: string}}}}}}}}}}\n");
        let api = model(
            &list::<&str>(&[], "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        assert_eq!(
            only(&api).unwrap().style,
            PageStyle::NextUrl {
                pointer: "/_links/next/href".to_owned()
            }
        );
    }

    #[test]
    fn an_offset_needs_a_size_and_takes_a_total() {
        let schemas = format!("{PET}    Page:\n      type: object\n      properties:\n        total: {{type: integer}}\n        data: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n");
        let params = [query("start", "integer"), query("count", "integer")];
        let api = model(
            &list(&params, "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        assert_eq!(
            only(&api).unwrap().style,
            PageStyle::Offset {
                param: "start".to_owned(),
                limit: Some("count".to_owned()),
                total: Some("/total".to_owned()),
            }
        );
        // Without a size, an offset is only a note.
        let params = [query("offset", "integer")];
        let api = model(
            &list(&params, "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        assert_eq!(only(&api), None);
        assert!(api.operations[0].pagination_note.is_some());
    }

    #[test]
    fn page_numbers_start_where_the_schema_says() {
        let schemas = format!("{PET}    Page:\n      type: object\n      properties:\n        totalPages: {{type: integer}}\n        items: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n        tags: {{type: array, items: {{type: string}}}}\n");
        let params = [
            "{name: page, in: query, schema: {type: integer, minimum: 0}}",
            "{name: per_page, in: query, schema: {type: integer}}",
        ];
        let api = model(
            &list(&params, "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        let pagination = only(&api).unwrap();
        assert_eq!(
            pagination.style,
            PageStyle::Page {
                param: "page".to_owned(),
                first: 0,
                size: Some("per_page".to_owned()),
                total: None,
                total_pages: Some("/totalPages".to_owned()),
            }
        );
        // Of two arrays, the one of an item name.
        assert_eq!(pagination.items_pointer, "/items");
        assert_eq!(pagination.item, pet());

        let params = ["{name: page, in: query, schema: {type: integer, default: 1}}"];
        let api = model(
            &list(
                &params,
                "{type: array, items: {$ref: '#/components/schemas/Pet'}}",
            ),
            PET,
        );
        assert!(matches!(
            only(&api).unwrap().style,
            PageStyle::Page {
                first: 1,
                size: None,
                ..
            }
        ));
    }

    #[test]
    fn items_one_level_down_in_a_data_object() {
        let schemas = format!("{PET}    Page:\n      type: object\n      required: [data]\n      properties:\n        data:\n          type: object\n          properties:\n            list: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n            next_page_url: {{type: string}}\n");
        let params = [query("page", "integer")];
        let api = model(
            &list(&params, "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        let pagination = only(&api).unwrap();
        assert_eq!(pagination.items_pointer, "/data/list");
        assert_eq!(
            pagination.items_path,
            [("data".to_owned(), false), ("list".to_owned(), true)]
        );
    }

    #[test]
    fn two_arrays_without_an_item_name_are_not_guessed_between() {
        let schemas = format!("{PET}    Page:\n      type: object\n      properties:\n        cats: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n        dogs: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n");
        let params = [query("page", "integer")];
        let api = model(
            &list(&params, "{$ref: '#/components/schemas/Page'}"),
            &schemas,
        );
        assert_eq!(only(&api), None);
        let note = api.operations[0].pagination_note.as_deref().unwrap();
        assert!(
            note.contains("no items array found without ambiguity"),
            "{note}"
        );
    }

    #[test]
    fn only_gets_paginate() {
        let params = [query("page", "integer")];
        let paths = list(
            &params,
            "{type: array, items: {$ref: '#/components/schemas/Pet'}}",
        )
        .replace("get:", "post:");
        let api = model(&paths, PET);
        assert_eq!(api.operations[0].http_method, "POST");
        assert_eq!(only(&api), None);
        assert_eq!(api.operations[0].pagination_note, None);
    }

    #[test]
    fn unrelated_lists_are_left_without_a_note() {
        let params = [query("limit", "integer")];
        let api = model(
            &list(
                &params,
                "{type: array, items: {$ref: '#/components/schemas/Pet'}}",
            ),
            PET,
        );
        assert_eq!(only(&api), None);
        assert_eq!(api.operations[0].pagination_note, None);
    }

    #[test]
    fn dropshot_pages_by_page_token_keeping_the_limit() {
        let schemas = format!("{PET}    PetResultsPage:\n      type: object\n      required: [items]\n      properties:\n        items: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n        next_page: {{type: string, nullable: true}}\n");
        let params = [
            query("limit", "integer"),
            query("page_token", "string"),
            query("sort_by", "string"),
        ];
        let paths = list(&params, "{$ref: '#/components/schemas/PetResultsPage'}").replace(
            "operationId: listPets\n",
            "operationId: listPets\n      x-dropshot-pagination: {required: []}\n",
        );
        let api = model(&paths, &schemas);
        let pagination = only(&api).unwrap();
        assert_eq!(
            *pagination,
            Pagination {
                style: PageStyle::Cursor {
                    param: "page_token".to_owned(),
                    pointer: "/next_page".to_owned(),
                    keep: vec!["limit".to_owned()],
                },
                items_pointer: "/items".to_owned(),
                items_path: vec![("items".to_owned(), false)],
                item: pet(),
                has_more: None,
                source: PaginationSource::Dropshot,
            }
        );

        // Marked, but without the token: a warning, and no guess.
        let api = model(&paths.replace("page_token", "token"), &schemas);
        assert_eq!(only(&api), None);
        let warnings = warnings(&api);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .contains("at #/paths/~1pets/get/x-dropshot-pagination: `listPets` is marked"),
            "{warnings:?}"
        );
    }

    /// The paths of `listPets` with `x-pagination: <extension>`, a page
    /// type with `results` and `next` and a `token` query parameter.
    fn with_extension(extension: &str) -> Api {
        let schemas = format!("{PET}    Page:\n      type: object\n      properties:\n        results: {{type: array, items: {{$ref: '#/components/schemas/Pet'}}}}\n        state: {{type: object, properties: {{next: {{type: string}}, more: {{type: boolean}}}}}}\n");
        let params = [query("token", "string"), query("n", "integer")];
        let paths = list(&params, "{$ref: '#/components/schemas/Page'}").replace(
            "operationId: listPets\n",
            &format!("operationId: listPets\n      x-pagination: {extension}\n"),
        );
        model(&paths, &schemas)
    }

    #[test]
    fn the_extension_declares_what_inference_cannot_see() {
        let api = with_extension("{style: cursor, items: /results, param: token, cursor: /state/next, has-more: /state/more, keep: [n]}");
        assert_eq!(warnings(&api), Vec::<String>::new());
        let pagination = only(&api).unwrap();
        assert_eq!(
            pagination.style,
            PageStyle::Cursor {
                param: "token".to_owned(),
                pointer: "/state/next".to_owned(),
                keep: vec!["n".to_owned()],
            }
        );
        assert_eq!(pagination.has_more.as_deref(), Some("/state/more"));
        assert_eq!(pagination.items_path, [("results".to_owned(), true)]);
        assert_eq!(pagination.source, PaginationSource::Extension);
    }

    #[test]
    fn malformed_extensions_are_warnings_naming_the_place() {
        for (extension, message) in [
            ("{style: scroll}", "`style` must be one of"),
            (
                "{style: cursor, items: /state, param: token, cursor: /state/next}",
                "`items`: `/state` names no array member of the body",
            ),
            (
                "{style: cursor, param: page, cursor: /state/next}",
                "`param`: `page` is not a query parameter of the operation",
            ),
            (
                "{style: cursor, param: token, cursor: /state/more}",
                "`cursor`: `/state/more` is not a string member of the body",
            ),
            (
                "{style: offset, param: n, first: 0}",
                "`first` does not apply to style `offset`",
            ),
            ("true", "expected `false` or an object"),
        ] {
            let api = with_extension(extension);
            assert_eq!(only(&api), None, "{extension}");
            let warnings = warnings(&api);
            assert_eq!(warnings.len(), 1, "{extension}: {warnings:?}");
            assert!(
                warnings[0].contains("at #/paths/~1pets/get/x-pagination: ")
                    && warnings[0].contains(message)
                    && warnings[0].ends_with("; `listPets` is left unpaginated"),
                "{extension}: {warnings:?}"
            );
        }
    }

    #[test]
    fn the_extension_applies_through_an_overlay_and_false_turns_inference_off() {
        let params = [query("page", "integer")];
        let paths = list(
            &params,
            "{type: array, items: {$ref: '#/components/schemas/Pet'}}",
        );
        assert!(matches!(
            only(&model(&paths, PET)).unwrap().style,
            PageStyle::Page { .. }
        ));
        let overlay = |update: &str| {
            format!("overlay: 1.0.0\ninfo: {{title: o, version: '1'}}\nactions:\n  - target: \"$.paths['/pets'].get\"\n    update: {{x-pagination: {update}}}\n")
        };
        let api = api_with(&paths, PET, &[&overlay("false")]);
        assert_eq!(only(&api), None);
        assert_eq!(api.operations[0].pagination_note, None);
        let api = api_with(&paths, PET, &[&overlay("{style: link}")]);
        let pagination = only(&api).unwrap();
        assert_eq!(pagination.style, PageStyle::LinkHeader);
        assert_eq!(pagination.source, PaginationSource::Extension);
    }
}
