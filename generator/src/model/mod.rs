//! The intermediate representation: every type, operation, security scheme
//! and Rust name decided, as plain data. `emit` writes it without looking at
//! the document again; `inspect` reports it.

mod constructors;
mod extensions;
pub(crate) mod names;
mod operations;
mod pagination;
mod security;
mod select;
mod types;
mod urls;

use crate::diagnostics::Diagnostics;
use crate::error::{Error, Warning};
use crate::load::Document;

pub(crate) use constructors::{ArgumentKind, Builds, Constructor};
pub(crate) use extensions::{ClientAuth, Extensions};
pub(crate) use security::{ApiKeyPlace, Flow, FlowKind, Scheme, SchemeKind, Security};
pub(crate) use select::{Features, Selection, FULL_FEATURE};

/// One API, ready to emit.
#[derive(Debug)]
pub(crate) struct Api {
    /// The document's file name, for the `@generated` header.
    pub(crate) source: String,
    pub(crate) title: String,
    pub(crate) version: String,
    pub(crate) description: Option<String>,
    /// The first server's URL with variables at their defaults.
    pub(crate) base_url: String,
    /// The first server, when its URL has variables.
    pub(crate) server: Option<Server>,
    pub(crate) types: Vec<TypeDef>,
    pub(crate) operations: Vec<Operation>,
    pub(crate) schemes: Vec<Scheme>,
    pub(crate) warnings: Vec<Warning>,
    /// The JSON examples the document gives, with their types.
    pub(crate) examples: Vec<Example>,
    /// The cargo feature per tag each operation and type is compiled
    /// under, when asked for (see [`tag_features`]).
    pub(crate) features: Option<Features>,
}

/// A JSON example from the document and the type it is an example of.
#[derive(Debug)]
pub(crate) struct Example {
    /// Where it is, as a JSON pointer.
    pub(crate) pointer: String,
    pub(crate) ty: TypeRef,
    pub(crate) value: serde_json::Value,
}

/// A server URL with variables (`https://{region}.example.com/{version}`).
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) url: String,
    pub(crate) variables: Vec<ServerVariable>,
}

#[derive(Debug)]
pub(crate) struct ServerVariable {
    /// The Rust name of the argument.
    pub(crate) name: String,
    pub(crate) wire: String,
    pub(crate) default: String,
    /// The enum of the values the document lists: its name, and a variant
    /// per value. `None` when any value goes.
    pub(crate) values: Option<(String, Vec<Variant<String>>)>,
    pub(crate) doc: Option<String>,
}

/// A Rust type as used in a field, argument or result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeRef {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    String,
    /// Raw bytes (`Vec<u8>`), for bodies sent as they are.
    Bytes,
    /// `format: date-time`: a timestamp with its UTC offset.
    DateTime,
    /// `format: date`: a calendar date.
    Date,
    /// `format: uuid`.
    Uuid,
    /// Any JSON value.
    Json,
    Vec(Box<TypeRef>),
    /// A map with string keys.
    Map(Box<TypeRef>),
    Option(Box<TypeRef>),
    /// On the heap, to break a cycle of types containing each other.
    Boxed(Box<TypeRef>),
    /// A type in the `types` module.
    Named(String),
}

/// A type in the `types` module.
#[derive(Debug)]
pub(crate) struct TypeDef {
    pub(crate) name: String,
    pub(crate) doc: Option<String>,
    pub(crate) kind: TypeKind,
}

#[derive(Debug)]
pub(crate) enum TypeKind {
    Struct {
        fields: Vec<Field>,
    },
    /// An enum of strings, with a variant holding values the document does
    /// not list.
    Enum {
        variants: Vec<Variant<String>>,
        /// The name of the variant holding any other value.
        fallback: String,
    },
    /// An enum of integers, with a variant holding values the document does
    /// not list.
    IntegerEnum {
        variants: Vec<Variant<i64>>,
        fallback: String,
    },
    /// `oneOf` or `anyOf`: one of several types.
    Union {
        variants: Vec<UnionVariant>,
        tagging: Tagging,
    },
    /// Another name for a type.
    Alias(TypeRef),
}

#[derive(Debug)]
pub(crate) struct Field {
    /// The Rust name, possibly raw (`r#type`).
    pub(crate) name: String,
    /// The name on the wire; empty for a flattened field.
    pub(crate) wire: String,
    /// The type, `Option` included when the field may be absent or null.
    pub(crate) ty: TypeRef,
    /// Absent from the JSON when `None`.
    pub(crate) optional: bool,
    /// The properties the other fields do not name (`additionalProperties`),
    /// serialised inline as a map (`#[serde(flatten)]`).
    pub(crate) flatten: bool,
    pub(crate) doc: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Variant<W> {
    pub(crate) name: String,
    pub(crate) wire: W,
    /// What the value means, when a `oneOf` part describes it.
    pub(crate) doc: Option<String>,
}

/// A variant of a union, holding one type.
#[derive(Debug)]
pub(crate) struct UnionVariant {
    pub(crate) name: String,
    /// The value's type; none for a variant of an internally tagged union
    /// that holds nothing but its tag.
    pub(crate) ty: Option<TypeRef>,
    /// The discriminator values that select it, when the union is tagged.
    pub(crate) tags: Vec<String>,
    /// What the variant means, when its part says so.
    pub(crate) doc: Option<String>,
}

/// How a union finds its variant when deserialising.
#[derive(Debug)]
pub(crate) enum Tagging {
    /// The first variant that accepts the value.
    Untagged,
    /// By the value of a property (`discriminator`); any other value goes
    /// to the fallback variant as JSON. Variants serialise as their type,
    /// which holds the property itself.
    Tagged { property: String, fallback: String },
    /// By the value of a property that every variant declares with one
    /// allowed value, without a `discriminator` (nexus's ranges: `"type":
    /// "range_to"`). The property is left out of the variants' types and
    /// written by the union, as serde's internally tagged enums do; any
    /// other value goes to the fallback variant as JSON.
    Internal { property: String, fallback: String },
}

/// One operation.
#[derive(Debug)]
pub(crate) struct Operation {
    /// `operationId`, or method and path.
    pub(crate) id: String,
    /// The client method.
    pub(crate) method_name: String,
    /// The request builder type in the `builders` module.
    pub(crate) builder_name: String,
    /// Upper-case HTTP method.
    pub(crate) http_method: String,
    /// The path template as in the document.
    pub(crate) path: String,
    pub(crate) doc: Option<String>,
    pub(crate) deprecated: bool,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Option<Body>,
    pub(crate) success: Success,
    pub(crate) errors: ErrorBody,
    /// The headers its success responses declare with simple schemas,
    /// read into a type of their own.
    pub(crate) headers: Option<ResponseHeaders>,
    pub(crate) security: Security,
    /// The field of the optional idempotency header parameter
    /// (`Idempotency-Key`, `X-Idempotency-Key`) of a POST or PATCH, which
    /// `send_raw` fills with a fresh UUID when the caller leaves it unset.
    pub(crate) idempotency_key: Option<String>,
    /// The media types its success responses offer, when there are
    /// several.
    pub(crate) accept: Option<Accept>,
    /// How the list it returns continues on later pages, when it does.
    pub(crate) pagination: Option<Pagination>,
    /// Why an operation that looks paginated (a `page` parameter, a
    /// `next_cursor` member) has no `pagination`, for `inspect` to show.
    pub(crate) pagination_note: Option<String>,
}

/// The media types an operation's success responses offer beyond the one
/// `send` decodes: an enum in the `builders` module, and the builder's
/// `send_accepting` asking for one of them (`Accept`).
#[derive(Debug)]
pub(crate) struct Accept {
    /// What `send` asks for: the JSON type it decodes, else the first.
    pub(crate) default: String,
    /// The enum.
    pub(crate) name: String,
    /// A variant per other media type.
    pub(crate) others: Vec<Variant<String>>,
}

/// How a list operation's later pages are requested: what `pages()` and
/// `items()` of its builder follow. Every name and pointer is as on the
/// wire; JSON pointers are into the success body (RFC 6901, `""` for the
/// body itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pagination {
    pub(crate) style: PageStyle,
    /// Where the page's items are: `""` when the body is the array.
    pub(crate) items_pointer: String,
    /// The same, as the fields of the decoded body to go through, each
    /// with whether it is an `Option` (read as empty when `None`); empty
    /// when the body is the array.
    pub(crate) items_path: Vec<(String, bool)>,
    /// One item's type.
    pub(crate) item: TypeRef,
    /// A boolean saying whether more pages follow (`has_more`), when the
    /// body has one: `false` ends the list whatever else the page says.
    pub(crate) has_more: Option<String>,
    /// What the shape was read from.
    pub(crate) source: PaginationSource,
}

/// The shapes of pagination the runtime follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageStyle {
    /// A `Link` response header with `rel="next"` (RFC 8288).
    LinkHeader,
    /// A URL in the body (`next`, `nextLink`, `links.next`).
    NextUrl { pointer: String },
    /// A cursor in the body, sent back in the query parameter `param`;
    /// the list ends when it is absent, null or empty. `keep`, when not
    /// empty, are the only other query parameters later pages carry
    /// (dropshot wants `limit` alone beside `page_token`).
    Cursor {
        param: String,
        pointer: String,
        keep: Vec<String>,
    },
    /// The id of the page's last item sent back in `param` (Stripe's
    /// `starting_after`), while `has_more` says so. `id` is the item's
    /// member.
    AfterLast { param: String, id: String },
    /// An item offset in `param`, advanced by each page's count; `limit`
    /// is the page-size parameter, `total` the body's item total.
    Offset {
        param: String,
        limit: Option<String>,
        total: Option<String>,
    },
    /// A page number in `param`, the first page numbered `first`; `size`
    /// is the page-size parameter; `total` the body's item total and
    /// `total_pages` its page count.
    Page {
        param: String,
        first: i64,
        size: Option<String>,
        total: Option<String>,
        total_pages: Option<String>,
    },
}

/// Where an operation's pagination was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PaginationSource {
    /// Our `x-pagination` extension.
    Extension,
    /// `x-dropshot-pagination`.
    Dropshot,
    /// Inferred from the parameters, the body and the headers.
    Inferred,
}

/// The typed view of the headers an operation's success responses declare:
/// a struct in the `builders` module, a field per header.
#[derive(Debug)]
pub(crate) struct ResponseHeaders {
    /// The struct.
    pub(crate) name: String,
    pub(crate) fields: Vec<ResponseHeader>,
}

/// One declared response header.
#[derive(Debug)]
pub(crate) struct ResponseHeader {
    /// The field.
    pub(crate) name: String,
    /// The header's name as declared.
    pub(crate) wire: String,
    /// A primitive: an integer, a number, a boolean, a string, a date, a
    /// timestamp or a UUID.
    pub(crate) ty: TypeRef,
    pub(crate) doc: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Param {
    /// The Rust name (field, argument and setter).
    pub(crate) name: String,
    pub(crate) wire: String,
    pub(crate) location: ParamLocation,
    pub(crate) required: bool,
    /// The type without `Option`.
    pub(crate) ty: TypeRef,
    pub(crate) style: ParamStyle,
    pub(crate) explode: bool,
    pub(crate) doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

/// How a parameter is serialised (its `style`); the runtime's `Style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamStyle {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

#[derive(Debug)]
pub(crate) struct Body {
    /// The Rust name of the argument or setter.
    pub(crate) name: String,
    pub(crate) ty: TypeRef,
    pub(crate) required: bool,
    pub(crate) encoding: BodyEncoding,
    /// The encodings the caller may pick instead, when the document
    /// accepts the same schema in several.
    pub(crate) choice: Option<EncodingChoice>,
}

/// The other encodings a body can be sent in, and the setter picking one.
#[derive(Debug)]
pub(crate) struct EncodingChoice {
    pub(crate) setter: String,
    /// The body's own encoding, the default: `Json` or `Form`.
    pub(crate) primary: Alternative,
    pub(crate) alternatives: Vec<Alternative>,
}

/// An encoding a JSON or form body can be sent in instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alternative {
    Json,
    Form,
    /// A part per member of the serialised object.
    Multipart,
}

/// How a request body is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyEncoding {
    /// `application/json` and `*+json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `text/*`: a `String` sent as is, with this content type.
    Text(String),
    /// Anything else but multipart: bytes sent as is, with this content
    /// type (`application/octet-stream`, `application/jwt`, images, ...).
    Bytes(String),
    /// `multipart/form-data`: a part per property of the body's schema,
    /// each its own argument or setter.
    Multipart(Vec<Part>),
}

/// A part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// The Rust name of the argument or setter.
    pub(crate) name: String,
    pub(crate) wire: String,
    pub(crate) kind: PartKind,
    pub(crate) required: bool,
    /// The content type the document's `encoding` gives it.
    pub(crate) content_type: Option<String>,
    pub(crate) doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PartKind {
    /// A value of this type (without `Option`), as text or JSON.
    Value(TypeRef),
    /// `format: binary`: a file.
    File,
    /// An array of files, a part each.
    Files,
}

/// The body of one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Payload {
    /// No content.
    Empty,
    /// A JSON body of this type.
    Json(TypeRef),
    /// A body of another media type, handed over as the raw response.
    Raw,
}

/// Which statuses a documented response stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusMatch {
    Code(u16),
    /// `2XX`, `4XX`, `5XX`: the hundreds digit.
    Range(u16),
    /// `default`: any status not documented otherwise.
    Default,
}

/// One documented response, as a variant of an operation's response or
/// error enum.
#[derive(Debug)]
pub(crate) struct StatusVariant {
    pub(crate) name: String,
    pub(crate) status: StatusMatch,
    pub(crate) payload: Payload,
    pub(crate) doc: Option<String>,
}

/// What a call returns when it succeeds.
#[derive(Debug)]
pub(crate) enum Success {
    /// Every documented success status has this body.
    One(Payload),
    /// Success statuses with different bodies: an enum in the `builders`
    /// module, a variant per status. Undocumented 2xx statuses decode as
    /// the `2XX` variant, or else the first.
    Several {
        name: String,
        variants: Vec<StatusVariant>,
    },
}

/// The documented JSON bodies of error responses.
#[derive(Debug)]
pub(crate) enum ErrorBody {
    /// None documented: the runtime's `Error` as is.
    None,
    /// Every documented error body is of this type.
    One {
        ty: TypeRef,
        statuses: Vec<StatusMatch>,
    },
    /// Error bodies of different types: an enum in the `builders` module,
    /// a variant per status; every payload is JSON.
    Several {
        name: String,
        variants: Vec<StatusVariant>,
    },
}

/// [`build_selected`] with every operation: the whole client, as the
/// tests build it.
#[cfg(test)]
pub(crate) fn build(document: &Document) -> Result<Api, Error> {
    build_selected(document, &Selection::default())
}

/// Builds the model of a loaded document, for the operations `selection`
/// keeps and the types they reach (see [`select`]); a selector that
/// matches no operation fails it. Every part reports what it finds to one
/// [`Diagnostics`]: the build fails with every error reported, or the
/// model carries the loader's warnings and its own.
pub(crate) fn build_selected(document: &Document, selection: &Selection) -> Result<Api, Error> {
    let api = &document.api;
    let diagnostics = Diagnostics::new(&document.source);
    let mut types = types::TypeBuilder::new(document, &diagnostics);
    types.declare_components();
    let schemes = security::schemes(document, &diagnostics);
    let base_url = security::base_url(api);
    let server = server(api);
    let mut selector = select::Selector::new(selection);
    let mut operations =
        operations::operations(document, &mut types, &schemes, &mut selector, &diagnostics);
    selector.finish()?;
    let (types, examples) = types.finish();
    // The success bodies' fields decide pagination: after the types.
    pagination::infer(document, &mut operations, &types, &diagnostics);
    let (types, examples) = select::prune(selection, &operations, types, examples);
    let schemes = security::resolve_urls(schemes, &base_url);
    let mut warnings = document.warnings.clone();
    warnings.extend(diagnostics.check()?);
    Ok(Api {
        source: document.file_name(),
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        base_url,
        server,
        types,
        operations,
        schemes,
        warnings,
        examples,
        features: None,
    })
}

/// Puts the operations and types of `api` behind a cargo feature per tag
/// of the document (see [`Features`]); nothing changes when no operation
/// has a tag.
pub(crate) fn tag_features(document: &Document, api: &mut Api) {
    // An operation's tags, by its HTTP method and path: the model keeps
    // neither, and the pair is unique where an `operationId` may not be.
    let mut tags: std::collections::HashMap<(String, &str), &[String]> =
        std::collections::HashMap::new();
    for (path, item) in document.api.paths.iter() {
        if let openapiv3::ReferenceOr::Item(item) = item {
            for (method, op) in item.iter() {
                tags.insert((method.to_uppercase(), path.as_str()), &op.tags);
            }
        }
    }
    api.features = select::features(&api.operations, &api.types, |op| {
        tags.get(&(op.http_method.clone(), op.path.as_str()))
            .copied()
            .unwrap_or_default()
    });
}

/// The first server, when its URL has variables, with names for each and
/// enums for those whose values are listed.
fn server(api: &openapiv3::OpenAPI) -> Option<Server> {
    let server = api.servers.first()?;
    let variables = server.variables.as_ref().filter(|v| !v.is_empty())?;
    let mut value_names = names::Namespace::with_reserved(&["url"]);
    let mut type_names = names::Namespace::default();
    let variables = variables
        .iter()
        .map(|(wire, variable)| ServerVariable {
            name: value_names.unique(names::value_name(wire)),
            wire: wire.clone(),
            default: variable.default.clone(),
            values: (!variable.enumeration.is_empty()).then(|| {
                let mut variant_names = names::Namespace::default();
                let variants = variable
                    .enumeration
                    .iter()
                    .map(|value| Variant {
                        name: variant_names.unique(names::variant_name(value)),
                        wire: value.clone(),
                        doc: None,
                    })
                    .collect();
                (type_names.unique(names::type_name(wire)), variants)
            }),
            doc: variable.description.clone(),
        })
        .collect();
    Some(Server {
        url: server.url.clone(),
        variables,
    })
}
