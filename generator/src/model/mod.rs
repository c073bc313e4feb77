//! The intermediate representation: every type, operation, security scheme
//! and Rust name decided, as plain data. `emit` writes it without looking at
//! the document again; `inspect` reports it.

mod extensions;
pub(crate) mod names;
mod operations;
mod security;
mod types;

use crate::error::{Error, Warning};
use crate::load::Document;

pub(crate) use extensions::{ClientAuth, Extensions};
pub(crate) use security::{ApiKeyPlace, FlowKind, Scheme, SchemeKind, Security};

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
    pub(crate) types: Vec<TypeDef>,
    pub(crate) operations: Vec<Operation>,
    pub(crate) schemes: Vec<Scheme>,
    pub(crate) warnings: Vec<Warning>,
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
}

/// A variant of a union, holding one type.
#[derive(Debug)]
pub(crate) struct UnionVariant {
    pub(crate) name: String,
    pub(crate) ty: TypeRef,
    /// The discriminator values that select it, when the union is tagged.
    pub(crate) tags: Vec<String>,
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
    pub(crate) response: Response,
    pub(crate) security: Security,
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
    pub(crate) explode: bool,
    pub(crate) doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Debug)]
pub(crate) struct Body {
    /// The Rust name of the argument or setter.
    pub(crate) name: String,
    pub(crate) ty: TypeRef,
    pub(crate) required: bool,
    pub(crate) encoding: BodyEncoding,
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
}

/// What a successful call returns.
#[derive(Debug)]
pub(crate) enum Response {
    /// No content.
    Empty,
    /// A JSON body of this type.
    Json(TypeRef),
    /// A body of another media type, handed over as the raw response.
    Raw,
}

/// Builds the model of a loaded document, collecting every error.
pub(crate) fn build(document: &Document) -> Result<Api, Error> {
    let api = &document.api;
    let mut warnings = document.warnings.clone();
    let mut types = types::TypeBuilder::new(document);
    types.declare_components();
    let schemes = security::schemes(document, &mut warnings);
    let base_url = security::base_url(api);
    let operations = operations::operations(document, &mut types, &schemes, &mut warnings)?;
    let (types, type_warnings) = types.finish();
    warnings.extend(type_warnings);
    let schemes = security::resolve_urls(schemes, &base_url);
    Ok(Api {
        source: document.file_name(),
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        base_url,
        types,
        operations,
        schemes,
        warnings,
    })
}
