//! Paths and methods to operations: names, parameters, bodies, results and
//! security requirements.

use openapiv3::{
    Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Response as DocResponse, Schema,
    SchemaKind, StatusCode, Type,
};

use super::names::{self, Namespace};
use super::security::{self, Scheme};
use super::select::{Candidate, Selector};
use super::types::TypeBuilder;
use super::{
    Accept, Alternative, Body, BodyEncoding, EncodingChoice, ErrorBody, Operation, Param,
    ParamLocation, ParamStyle, Part, PartKind, Payload, ResponseHeader, ResponseHeaders,
    StatusMatch, StatusVariant, Success, TypeRef, Variant,
};
use crate::diagnostics::Diagnostics;
use crate::load::{media_essence, Document};
use crate::pointer;

/// Client methods that operations cannot take.
const CLIENT_METHODS: &[&str] = &["builder", "base_url", "runtime", "clone", "fmt"];

pub(crate) fn operations(
    document: &Document,
    types: &mut TypeBuilder<'_>,
    schemes: &[Scheme],
    selector: &mut Selector<'_>,
    diagnostics: &Diagnostics<'_>,
) -> Vec<Operation> {
    let mut method_names = Namespace::with_reserved(CLIENT_METHODS);
    let mut builder_names = Namespace::default();
    let mut operations = Vec::new();
    for (path, item) in document.api.paths.iter() {
        let path_pointer = pointer::join("/paths", path);
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                diagnostics.warn(
                    &path_pointer,
                    format!(
                        "the path item `$ref: {reference}` cannot be resolved; the path is left out"
                    ),
                );
                continue;
            }
        };
        for (method, op) in item.iter() {
            let pointer = format!("{path_pointer}/{method}");
            let id = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            // An operationId with nothing to make a name of (empty, emoji)
            // is named like an operation without one.
            let naming = if id.chars().any(|c| c.is_ascii_alphanumeric()) {
                id.clone()
            } else {
                format!("{} {path}", method.to_uppercase())
            };
            let method_name = method_names.unique(names::value_name(&naming));
            let builder_name = builder_names.unique(names::type_name(&naming));
            // Named before being skipped, so that the operations kept have
            // the names they have in the whole client.
            let candidate = Candidate {
                id: &id,
                method_name: &method_name,
                tags: &op.tags,
                path,
            };
            if !selector.keeps(&candidate) {
                continue;
            }

            let mut param_names = Namespace::with_reserved(&[
                "client",
                "retries",
                "send",
                "send_raw",
                "send_with_headers",
                // Reserved on every builder, so that a setter's name does
                // not depend on whether the operation paginates or offers
                // several media types.
                "send_accepting",
                "pages",
                "items",
                "__accept",
            ]);
            let mut params = Vec::new();
            for parameter in item.parameters.iter().chain(op.parameters.iter()) {
                if let Some(param) = parameter_of(
                    document,
                    types,
                    parameter,
                    &builder_name,
                    &pointer,
                    &mut param_names,
                    diagnostics,
                ) {
                    // Operation parameters override path-level ones of the same name and place.
                    params.retain(|p: &Param| {
                        !(p.wire == param.wire && p.location == param.location)
                    });
                    params.push(param);
                }
            }
            // A path parameter the template does not name has nowhere to
            // go: it is left out rather than taken and never sent.
            let variables = template_variables(path);
            params.retain(|p: &Param| {
                let placed =
                    p.location != ParamLocation::Path || variables.contains(&p.wire.as_str());
                if !placed {
                    diagnostics.warn(
                        &pointer,
                        format!(
                            "the path parameter `{}` is not in the path template `{path}`; it is left out",
                            p.wire
                        ),
                    );
                }
                placed
            });
            // A template variable no parameter declares is never sent as
            // written: it becomes a required string argument.
            for variable in variables {
                let declared = params
                    .iter()
                    .any(|p| p.location == ParamLocation::Path && p.wire == variable);
                if declared {
                    continue;
                }
                let name = param_names.unique(names::value_name(variable));
                diagnostics.warn(&pointer, format!(
                        "the path template variable `{{{variable}}}` has no path parameter; `{method_name}` takes it as a required string argument `{name}`"
                    ));
                params.push(Param {
                    name,
                    wire: variable.to_owned(),
                    location: ParamLocation::Path,
                    required: true,
                    ty: TypeRef::String,
                    style: ParamStyle::Simple,
                    explode: false,
                    doc: None,
                });
            }
            // Path parameters in the order of the template, then the rest.
            // The key of each parameter is computed once (`find` of a
            // formatted name); the sort is stable, as `sort_by_key` is.
            params.sort_by_cached_key(|p| match p.location {
                ParamLocation::Path => path.find(&format!("{{{}}}", p.wire)).unwrap_or(usize::MAX),
                _ => usize::MAX,
            });

            let idempotency_key = idempotency_key(method, &params);
            let body = op.request_body.as_ref().and_then(|body| {
                body_of(
                    document,
                    types,
                    body,
                    &builder_name,
                    &format!("{pointer}/requestBody"),
                    &mut param_names,
                    diagnostics,
                )
            });
            let (success, errors, headers) = responses_of(
                document,
                types,
                &op.responses,
                &builder_name,
                &mut builder_names,
                &pointer,
                diagnostics,
            );
            // An `Accept` header parameter leaves the choice to the caller.
            let accept = accept_of(document, &op.responses, &builder_name, &mut builder_names)
                .filter(|_| {
                    !params.iter().any(|p| {
                        p.location == ParamLocation::Header && p.wire.eq_ignore_ascii_case("accept")
                    })
                });
            let security = security::requirements(
                document,
                op.security.as_ref(),
                &pointer,
                schemes,
                diagnostics,
            );
            let doc = match (&op.summary, &op.description) {
                (Some(summary), Some(description)) => Some(format!("{summary}\n\n{description}")),
                (summary, description) => summary.clone().or_else(|| description.clone()),
            };
            operations.push(Operation {
                id,
                method_name,
                builder_name,
                http_method: method.to_uppercase(),
                path: path.clone(),
                doc,
                deprecated: op.deprecated,
                params,
                body,
                success,
                errors,
                headers,
                security,
                idempotency_key,
                accept,
                pagination: None,
                pagination_note: None,
            });
        }
    }
    operations
}

/// The headers that carry an idempotency key, in lower case.
const IDEMPOTENCY_HEADERS: &[&str] = &["idempotency-key", "x-idempotency-key"];

/// The field of the idempotency header a POST or PATCH declares, which
/// the generated builder fills with a fresh key when the caller leaves it
/// unset: an optional header parameter named `Idempotency-Key` or
/// `X-Idempotency-Key` (in any case) whose value is a string or a UUID.
/// Other methods are replayable without one; a required one is the
/// caller's to give.
fn idempotency_key(method: &str, params: &[Param]) -> Option<String> {
    if !matches!(method, "post" | "patch") {
        return None;
    }
    params
        .iter()
        .find(|p| {
            p.location == ParamLocation::Header
                && !p.required
                && matches!(p.ty, TypeRef::String | TypeRef::Uuid)
                && IDEMPOTENCY_HEADERS
                    .iter()
                    .any(|name| p.wire.eq_ignore_ascii_case(name))
        })
        .map(|p| p.name.clone())
}

/// The variables of a path template (`id` in `/pets/{id}`), each once, in
/// order: what lies between a `{` and the next `}`, as the emitter reads
/// the template.
fn template_variables(template: &str) -> Vec<&str> {
    let mut variables: Vec<&str> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        let variable = &rest[start + 1..start + length];
        if !variables.contains(&variable) {
            variables.push(variable);
        }
        rest = &rest[start + length + 1..];
    }
    variables
}

/// The entry of a component map (`kind` is `parameters`, `responses`, ...)
/// that `reference` names. The loader leaves references of one form only,
/// `#/components/<kind>/<name>` naming an entry that is not a reference
/// itself; anything else it inlined.
fn component<'d, T>(
    reference: &str,
    kind: &str,
    entries: Option<&'d indexmap::IndexMap<String, ReferenceOr<T>>>,
) -> Option<&'d T> {
    let name = reference
        .strip_prefix("#/components/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?;
    entries?.get(&pointer::unescape(name))?.as_item()
}

fn resolve_parameter<'d>(
    document: &'d Document,
    parameter: &'d ReferenceOr<Parameter>,
) -> Option<&'d Parameter> {
    match parameter {
        ReferenceOr::Item(parameter) => Some(parameter),
        ReferenceOr::Reference { reference } => component(
            reference,
            "parameters",
            document.api.components.as_ref().map(|c| &c.parameters),
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn parameter_of(
    document: &Document,
    types: &mut TypeBuilder<'_>,
    parameter: &ReferenceOr<Parameter>,
    builder_name: &str,
    pointer: &str,
    param_names: &mut Namespace,
    diagnostics: &Diagnostics<'_>,
) -> Option<Param> {
    let Some(parameter) = resolve_parameter(document, parameter) else {
        if let ReferenceOr::Reference { reference } = parameter {
            diagnostics.warn(
                format!("{pointer}/parameters"),
                format!(
                    "parameter `$ref: {reference}` cannot be resolved; the parameter is left out"
                ),
            );
        }
        return None;
    };
    use openapiv3::{PathStyle, QueryStyle};
    let (location, data, style) = match parameter {
        Parameter::Path {
            parameter_data,
            style,
        } => (
            ParamLocation::Path,
            parameter_data,
            match style {
                PathStyle::Simple => ParamStyle::Simple,
                PathStyle::Label => ParamStyle::Label,
                PathStyle::Matrix => ParamStyle::Matrix,
            },
        ),
        Parameter::Query {
            parameter_data,
            style,
            ..
        } => (
            ParamLocation::Query,
            parameter_data,
            match style {
                QueryStyle::Form => ParamStyle::Form,
                QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                QueryStyle::DeepObject => ParamStyle::DeepObject,
            },
        ),
        Parameter::Header { parameter_data, .. } => {
            (ParamLocation::Header, parameter_data, ParamStyle::Simple)
        }
        Parameter::Cookie { parameter_data, .. } => {
            (ParamLocation::Cookie, parameter_data, ParamStyle::Form)
        }
    };
    // `form` explodes unless told otherwise; the other styles do not.
    let explode = data.explode.unwrap_or(style == ParamStyle::Form);
    let hint = format!("{builder_name} {}", data.name);
    let ty = match &data.format {
        ParameterSchemaOrContent::Schema(schema) => {
            types.type_of(schema, &hint, &format!("{pointer}/parameters"))
        }
        ParameterSchemaOrContent::Content(_) => TypeRef::Json,
    };
    let ty = match ty {
        TypeRef::Option(inner) => *inner,
        ty => ty,
    };
    Some(Param {
        name: param_names.unique(names::value_name(&data.name)),
        wire: data.name.clone(),
        location,
        required: data.required || location == ParamLocation::Path,
        ty,
        style,
        explode,
        doc: data.description.clone(),
    })
}

/// The media types an operation's success responses offer, when there are
/// several: `send` asks for the JSON one it decodes (the first JSON one,
/// else the first), and an enum of the others lets the caller ask for one
/// of them instead (`send_accepting`).
fn accept_of(
    document: &Document,
    responses: &openapiv3::Responses,
    builder_name: &str,
    builder_names: &mut Namespace,
) -> Option<Accept> {
    let success: Vec<&ReferenceOr<DocResponse>> = responses
        .responses
        .iter()
        .filter(|(status, _)| match status {
            StatusCode::Code(code) => (200..300).contains(code),
            StatusCode::Range(range) => *range == 2,
        })
        .map(|(_, response)| response)
        .collect();
    let success = match (success.is_empty(), &responses.default) {
        (true, Some(default)) => vec![default],
        _ => success,
    };
    let mut offered: Vec<&str> = Vec::new();
    for response in success {
        for media_type in resolve_response(document, response)
            .into_iter()
            .flat_map(|response| response.content.keys())
        {
            // A wildcard is no type to ask for.
            if !media_type.contains('*') && !offered.contains(&media_type.as_str()) {
                offered.push(media_type);
            }
        }
    }
    if offered.len() < 2 {
        return None;
    }
    let default = offered
        .iter()
        .position(|media_type| is_json(media_type))
        .unwrap_or(0);
    let default = offered.remove(default).to_owned();
    let mut variant_names = Namespace::default();
    let others = offered
        .into_iter()
        .map(|media_type| Variant {
            name: variant_names.unique(names::variant_name(media_type)),
            wire: media_type.to_owned(),
            doc: None,
        })
        .collect();
    Some(Accept {
        default,
        name: builder_names.unique(names::type_name(&format!("{builder_name} MediaType"))),
        others,
    })
}

fn is_json(media_type: &str) -> bool {
    let essence = media_essence(media_type);
    essence == "application/json" || essence.ends_with("+json")
}

fn body_of(
    document: &Document,
    types: &mut TypeBuilder<'_>,
    body: &ReferenceOr<RequestBody>,
    builder_name: &str,
    pointer: &str,
    param_names: &mut Namespace,
    diagnostics: &Diagnostics<'_>,
) -> Option<Body> {
    let body = match body {
        ReferenceOr::Item(body) => body,
        ReferenceOr::Reference { reference } => {
            let components = document.api.components.as_ref();
            match component(
                reference,
                "requestBodies",
                components.map(|c| &c.request_bodies),
            ) {
                Some(body) => body,
                None => {
                    diagnostics.warn(pointer, format!("request body `$ref: {reference}` cannot be resolved; the body is left out"));
                    return None;
                }
            }
        }
    };
    // JSON when offered, then form-urlencoded.
    let chosen = body
        .content
        .iter()
        .find(|(media_type, _)| is_json(media_type))
        .map(|(media_type, content)| (media_type, content, BodyEncoding::Json))
        .or_else(|| {
            body.content
                .iter()
                .find(|(media_type, _)| {
                    media_essence(media_type) == "application/x-www-form-urlencoded"
                })
                .map(|(media_type, content)| (media_type, content, BodyEncoding::Form))
        });
    // Then multipart/form-data, a part per property.
    if chosen.is_none() {
        if let Some((media_type, content)) = body
            .content
            .iter()
            .find(|(media_type, _)| media_essence(media_type) == "multipart/form-data")
        {
            let content_pointer = format!("{pointer}/content/{}", pointer::escape(media_type));
            match multipart_parts(types, content, builder_name, &content_pointer, param_names) {
                Some(parts) => {
                    return Some(Body {
                        name: String::new(),
                        ty: TypeRef::Json,
                        required: body.required,
                        encoding: BodyEncoding::Multipart(parts),
                        choice: None,
                    })
                }
                None => diagnostics.warn(&content_pointer, "a multipart body without an object schema listing its parts is not supported; the body is left out"),
            }
            return None;
        }
    }
    // Then the first media type that is not multipart, sent as is.
    let chosen = chosen.or_else(|| {
        body.content
            .iter()
            .find(|(media_type, _)| !media_essence(media_type).starts_with("multipart/"))
            .map(|(media_type, content)| {
                let essence = media_essence(media_type);
                let encoding = if essence.starts_with("text/") {
                    BodyEncoding::Text(essence)
                } else {
                    BodyEncoding::Bytes(essence)
                };
                (media_type, content, encoding)
            })
    });
    let Some((media_type, content, encoding)) = chosen else {
        if let Some(media_type) = body.content.keys().next() {
            diagnostics.warn(pointer, format!("request bodies of type `{media_type}` are not supported yet; the body is left out"));
        }
        return None;
    };
    let content_pointer = format!("{pointer}/content/{}/schema", pointer::escape(media_type));
    let ty = match (&encoding, &content.schema) {
        (BodyEncoding::Text(_), _) => TypeRef::String,
        (BodyEncoding::Bytes(_), _) => TypeRef::Bytes,
        (_, Some(schema)) => {
            types.type_of(schema, &format!("{builder_name} body"), &content_pointer)
        }
        (_, None) => TypeRef::Json,
    };
    if encoding == BodyEncoding::Json {
        types.media_examples(
            content,
            &ty,
            &format!("{pointer}/content/{}", pointer::escape(media_type)),
        );
    }
    // The same schema in other media types the runtime can write: the
    // caller may pick one of them instead.
    let mut alternatives = Vec::new();
    let primary = match encoding {
        BodyEncoding::Json => Alternative::Json,
        _ => Alternative::Form,
    };
    if matches!(encoding, BodyEncoding::Json | BodyEncoding::Form) {
        for (other, other_content) in &body.content {
            let essence = media_essence(other);
            let alternative = if is_json(other) {
                Alternative::Json
            } else if essence == "application/x-www-form-urlencoded" {
                Alternative::Form
            } else if essence == "multipart/form-data" {
                Alternative::Multipart
            } else {
                continue;
            };
            if alternative != primary
                && !alternatives.contains(&alternative)
                && other_content.schema.is_some()
                && other_content.schema == content.schema
            {
                alternatives.push(alternative);
            }
        }
    }
    let name = param_names.unique("body".to_owned());
    let choice = (!alternatives.is_empty()).then(|| EncodingChoice {
        setter: param_names.unique("body_encoding".to_owned()),
        primary,
        alternatives,
    });
    Some(Body {
        name,
        ty,
        required: body.required,
        encoding,
        choice,
    })
}

/// The parts of a `multipart/form-data` body: the properties of its object
/// schema; `None` when it has none.
fn multipart_parts(
    types: &mut TypeBuilder<'_>,
    content: &openapiv3::MediaType,
    builder_name: &str,
    pointer: &str,
    param_names: &mut Namespace,
) -> Option<Vec<Part>> {
    use openapiv3::{SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};
    // The properties of the object, or of the objects its `allOf` merges.
    fn collect<'s>(
        types: &TypeBuilder<'s>,
        schema: &'s Schema,
        depth: usize,
        properties: &mut Vec<(&'s String, &'s ReferenceOr<Box<Schema>>)>,
        required: &mut Vec<&'s String>,
    ) -> bool {
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                properties.extend(&object.properties);
                required.extend(&object.required);
                true
            }
            SchemaKind::AllOf { all_of } if depth < 8 => all_of.iter().all(|part| {
                types
                    .resolve(part)
                    .is_some_and(|part| collect(types, part, depth + 1, properties, required))
            }),
            _ => false,
        }
    }
    let schema = types.resolve(content.schema.as_ref()?)?;
    let (mut properties, mut required) = (Vec::new(), Vec::new());
    if !collect(types, schema, 0, &mut properties, &mut required) || properties.is_empty() {
        return None;
    }
    let is_binary = |schema: &ReferenceOr<Box<Schema>>| {
        matches!(schema, ReferenceOr::Item(schema) if matches!(
            &schema.schema_kind,
            SchemaKind::Type(Type::String(string))
                if string.format == VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
        ))
    };
    let mut parts: Vec<Part> = Vec::new();
    for (wire, property) in properties {
        // A property an `allOf` part redefines keeps its first place.
        if parts.iter().any(|part| part.wire == *wire) {
            continue;
        }
        let kind = match property {
            property if is_binary(property) => PartKind::File,
            ReferenceOr::Item(schema) => match &schema.schema_kind {
                SchemaKind::Type(Type::Array(array))
                    if array.items.as_ref().is_some_and(is_binary) =>
                {
                    PartKind::Files
                }
                _ => PartKind::Value(TypeRef::Json),
            },
            ReferenceOr::Reference { .. } => PartKind::Value(TypeRef::Json),
        };
        let kind = match kind {
            PartKind::Value(_) => {
                let ty = types.type_of_boxed(
                    property,
                    &format!("{builder_name} {wire}"),
                    &format!("{pointer}/schema/properties/{}", pointer::escape(wire)),
                );
                PartKind::Value(match ty {
                    TypeRef::Option(inner) => *inner,
                    ty => ty,
                })
            }
            kind => kind,
        };
        let doc = match property {
            ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
            ReferenceOr::Reference { .. } => None,
        };
        parts.push(Part {
            name: param_names.unique(names::value_name(wire)),
            wire: wire.clone(),
            kind,
            required: required.contains(&wire),
            // One content type; a list or a wildcard is left to the caller.
            content_type: content
                .encoding
                .get(wire)
                .and_then(|encoding| encoding.content_type.clone())
                .filter(|types| !types.contains(',') && !types.contains('*')),
            doc,
        });
    }
    Some(parts)
}

/// The response a documented response is or refers to; `None` for a
/// reference that cannot be resolved.
fn resolve_response<'d>(
    document: &'d Document,
    response: &'d ReferenceOr<DocResponse>,
) -> Option<&'d DocResponse> {
    match response {
        ReferenceOr::Item(response) => Some(response),
        ReferenceOr::Reference { reference } => {
            let components = document.api.components.as_ref();
            component(reference, "responses", components.map(|c| &c.responses))
        }
    }
}

/// A documented response's body: JSON of a type, nothing, or something
/// else handed over raw.
fn payload_of(
    document: &Document,
    types: &mut TypeBuilder<'_>,
    response: &ReferenceOr<DocResponse>,
    hint: &str,
    status_pointer: &str,
    diagnostics: &Diagnostics<'_>,
) -> (Payload, Option<String>) {
    let Some(response) = resolve_response(document, response) else {
        if let ReferenceOr::Reference { reference } = response {
            diagnostics.warn(
                status_pointer,
                format!(
                    "response `$ref: {reference}` cannot be resolved; the raw response is returned"
                ),
            );
        }
        return (Payload::Raw, None);
    };
    let doc = Some(response.description.clone()).filter(|d| !d.trim().is_empty());
    if response.content.is_empty() {
        return (Payload::Empty, doc);
    }
    let payload = match response
        .content
        .iter()
        .find(|(media_type, _)| is_json(media_type))
    {
        Some((media_type, content)) => {
            let content_pointer = format!(
                "{status_pointer}/content/{}/schema",
                pointer::escape(media_type)
            );
            let ty = match &content.schema {
                Some(schema) => types.type_of(schema, hint, &content_pointer),
                None => TypeRef::Json,
            };
            types.media_examples(
                content,
                &ty,
                &format!("{status_pointer}/content/{}", pointer::escape(media_type)),
            );
            Payload::Json(ty)
        }
        None => Payload::Raw,
    };
    (payload, doc)
}

/// The success and error responses of an operation. Success is the 2xx
/// statuses, or `default` when none is documented; errors are the 4xx and
/// 5xx statuses with JSON bodies, and `default` otherwise.
#[allow(clippy::too_many_arguments)]
fn responses_of(
    document: &Document,
    types: &mut TypeBuilder<'_>,
    responses: &openapiv3::Responses,
    builder_name: &str,
    builder_names: &mut Namespace,
    pointer: &str,
    diagnostics: &Diagnostics<'_>,
) -> (Success, ErrorBody, Option<ResponseHeaders>) {
    let mut entries: Vec<(StatusMatch, &ReferenceOr<DocResponse>, String)> = responses
        .responses
        .iter()
        .map(|(status, response)| {
            let status_match = match status {
                StatusCode::Code(code) => StatusMatch::Code(*code),
                StatusCode::Range(range) => StatusMatch::Range(*range),
            };
            (status_match, response, status.to_string())
        })
        .collect();
    if let Some(default) = &responses.default {
        entries.push((StatusMatch::Default, default, "default".to_owned()));
    }
    let is_success = |status: &StatusMatch| match status {
        StatusMatch::Code(code) => (200..300).contains(code),
        StatusMatch::Range(range) => *range == 2,
        StatusMatch::Default => false,
    };
    let has_success = entries.iter().any(|(status, ..)| is_success(status));
    // Specific codes before ranges before `default`, in document order.
    let rank = |status: &StatusMatch| match status {
        StatusMatch::Code(code) => (0, *code),
        StatusMatch::Range(range) => (1, *range),
        StatusMatch::Default => (2, 0),
    };
    entries.sort_by_key(|(status, ..)| rank(status));

    let mut success = Vec::new();
    let mut errors = Vec::new();
    let mut header_names = Namespace::default();
    let mut headers: Vec<ResponseHeader> = Vec::new();
    for (status, response, key) in entries {
        let wanted_as_success =
            is_success(&status) || (!has_success && status == StatusMatch::Default);
        let is_error = match status {
            StatusMatch::Code(code) => code >= 400,
            StatusMatch::Range(range) => range >= 4,
            StatusMatch::Default => has_success,
        };
        if !wanted_as_success && !is_error {
            continue;
        }
        let suffix = match status {
            StatusMatch::Code(code) if wanted_as_success && code == 200 => "response".to_owned(),
            _ => format!("response {key}"),
        };
        let (payload, doc) = payload_of(
            document,
            types,
            response,
            &format!("{builder_name} {suffix}"),
            &format!("{pointer}/responses/{}", pointer::escape(&key)),
            diagnostics,
        );
        if wanted_as_success {
            let pointer = format!("{pointer}/responses/{}/headers", pointer::escape(&key));
            for (wire, header) in resolve_response(document, response)
                .map(|response| &response.headers)
                .into_iter()
                .flatten()
            {
                let known = headers.iter().any(|h| h.wire.eq_ignore_ascii_case(wire));
                if known || wire.eq_ignore_ascii_case("content-type") {
                    continue;
                }
                let hint = format!("{builder_name} {wire}");
                let pointer = pointer::join(&pointer, wire);
                if let Some((ty, doc)) = header_type(document, types, header, &hint, &pointer) {
                    headers.push(ResponseHeader {
                        name: header_names.unique(names::value_name(wire)),
                        wire: wire.clone(),
                        ty,
                        doc,
                    });
                }
            }
        }
        let entry = (status, payload, doc);
        if wanted_as_success {
            success.push(entry);
        } else if matches!(entry.1, Payload::Json(_)) {
            errors.push(entry);
        }
    }

    let variants = |entries: Vec<(StatusMatch, Payload, Option<String>)>| {
        let mut names = Namespace::default();
        entries
            .into_iter()
            .map(|(status, payload, doc)| StatusVariant {
                name: names.unique(names::status_variant_name(status)),
                status,
                payload,
                doc,
            })
            .collect::<Vec<_>>()
    };
    let success = match success.first() {
        None => Success::One(Payload::Empty),
        Some((_, first, _)) if success.iter().all(|(_, payload, _)| payload == first) => {
            Success::One(first.clone())
        }
        Some(_) => Success::Several {
            name: builder_names.unique(names::type_name(&format!("{builder_name} Response"))),
            variants: variants(success),
        },
    };
    let errors = match errors.first() {
        None => ErrorBody::None,
        Some((_, Payload::Json(first), _))
            if errors
                .iter()
                .all(|(_, payload, _)| matches!(payload, Payload::Json(ty) if ty == first)) =>
        {
            ErrorBody::One {
                ty: first.clone(),
                statuses: errors.iter().map(|(status, ..)| *status).collect(),
            }
        }
        Some(_) => ErrorBody::Several {
            name: builder_names.unique(names::type_name(&format!("{builder_name} Error"))),
            variants: variants(errors),
        },
    };
    let headers = (!headers.is_empty()).then(|| ResponseHeaders {
        name: builder_names.unique(names::type_name(&format!("{builder_name} Headers"))),
        fields: headers,
    });
    (success, errors, headers)
}

/// The type and description of a declared response header whose schema is
/// simple (an integer, a number, a boolean, or a string that is not an
/// enum, with any `format`); `None` for others, which stay readable as
/// text in the response's header map.
fn header_type(
    document: &Document,
    types: &mut TypeBuilder<'_>,
    header: &ReferenceOr<openapiv3::Header>,
    hint: &str,
    pointer: &str,
) -> Option<(TypeRef, Option<String>)> {
    let header = match header {
        ReferenceOr::Item(header) => header,
        ReferenceOr::Reference { reference } => {
            let components = document.api.components.as_ref();
            component(reference, "headers", components.map(|c| &c.headers))?
        }
    };
    let ParameterSchemaOrContent::Schema(schema) = &header.format else {
        return None;
    };
    let resolved = match schema {
        ReferenceOr::Item(schema) => schema,
        ReferenceOr::Reference { reference } => {
            let components = document.api.components.as_ref();
            component(reference, "schemas", components.map(|c| &c.schemas))?
        }
    };
    let simple = match &resolved.schema_kind {
        SchemaKind::Type(Type::String(string)) => string.enumeration.is_empty(),
        SchemaKind::Type(Type::Integer(integer)) => integer.enumeration.is_empty(),
        SchemaKind::Type(Type::Number(number)) => number.enumeration.is_empty(),
        SchemaKind::Type(Type::Boolean(boolean)) => boolean.enumeration.is_empty(),
        _ => false,
    };
    if !simple {
        return None;
    }
    // A referenced alias of a primitive is read as the primitive.
    let inline = ReferenceOr::Item(resolved.clone());
    let ty = match types.type_of(&inline, hint, &format!("{pointer}/schema")) {
        TypeRef::Option(inner) => *inner,
        ty => ty,
    };
    use TypeRef::*;
    let primitive = matches!(
        ty,
        Bool | I8
            | I16
            | I32
            | I64
            | U8
            | U16
            | U32
            | U64
            | F32
            | F64
            | String
            | DateTime
            | Date
            | Uuid
    );
    primitive.then(|| (ty, header.description.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_idempotency_headers_of_posts_and_patches_are_filled() {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/idempotency.yaml"
        );
        let document = crate::load::load(std::path::Path::new(file), &[]).unwrap();
        let api = crate::model::build(&document).unwrap();
        let filled: Vec<(&str, Option<&str>)> = api
            .operations
            .iter()
            .map(|op| (op.id.as_str(), op.idempotency_key.as_deref()))
            .collect();
        // Matched in any case, `X-` or not; a PUT is replayable without
        // one, a required one is the caller's.
        assert_eq!(
            filled,
            [
                ("listOrders", None),
                ("createOrder", Some("idempotency_key")),
                ("replaceOrder", None),
                ("updateOrder", Some("x_idempotency_key")),
                ("createRefund", None),
            ]
        );
    }

    #[test]
    fn simple_headers_of_success_responses_are_typed_once_each() {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/response_headers.yaml"
        );
        let document = crate::load::load(std::path::Path::new(file), &[]).unwrap();
        let api = crate::model::build(&document).unwrap();
        let headers = |id: &str| -> (String, Vec<(String, String, TypeRef)>) {
            let op = api.operations.iter().find(|op| op.id == id).unwrap();
            let headers = op.headers.as_ref().unwrap();
            let fields = headers.fields.iter();
            let fields = fields.map(|h| (h.name.clone(), h.wire.clone(), h.ty.clone()));
            (headers.name.clone(), fields.collect())
        };
        let field = |name: &str, wire: &str, ty: TypeRef| (name.to_owned(), wire.to_owned(), ty);
        // An alias of `integer` is an integer; `Content-Type`, an enum and
        // an object are left to the header map.
        assert_eq!(
            headers("listItems"),
            (
                "ListItemsHeaders".to_owned(),
                vec![
                    field(
                        "x_rate_limit_remaining",
                        "X-RateLimit-Remaining",
                        TypeRef::I64
                    ),
                    field("x_rate_limit_reset", "X-RateLimit-Reset", TypeRef::DateTime),
                    field("x_request_id", "X-Request-Id", TypeRef::Uuid),
                    field("link", "Link", TypeRef::String),
                ]
            )
        );
        // Across success statuses, a header named twice (in any case) is one field.
        assert_eq!(
            headers("getItem").1,
            vec![
                field("e_tag", "ETag", TypeRef::String),
                field("retry_after", "Retry-After", TypeRef::I64),
            ]
        );
        let put = api.operations.iter().find(|op| op.id == "putItem");
        assert!(put.unwrap().headers.is_none());
    }

    #[test]
    fn template_variables_are_read_as_the_emitter_reads_them() {
        assert_eq!(
            template_variables("/a/{x}/b/{y}.json/{x}"),
            ["x", "y"].to_vec()
        );
        assert_eq!(template_variables("/a/{unclosed"), Vec::<&str>::new());
        assert_eq!(template_variables("/{}"), [""].to_vec());
    }

    #[test]
    fn undeclared_template_variables_become_required_string_arguments() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /owners/{ownerId}/pets/{petId}:\n    get:\n      operationId: getPet\n      parameters:\n        - {name: petId, in: path, required: true, schema: {type: integer}}\n        - {name: owner_id, in: query, schema: {type: string}}\n      responses: {'204': {description: none}}\n";
        let file =
            std::env::temp_dir().join(format!("operations-template-{}.yaml", std::process::id()));
        std::fs::write(&file, text).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        let api = crate::model::build(&document.unwrap()).unwrap();
        let params: Vec<(&str, &str, ParamLocation, bool, &TypeRef)> = api.operations[0]
            .params
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.wire.as_str(),
                    p.location,
                    p.required,
                    &p.ty,
                )
            })
            .collect();
        // In template order, named apart from the query parameter.
        assert_eq!(
            params,
            [
                (
                    "owner_id_2",
                    "ownerId",
                    ParamLocation::Path,
                    true,
                    &TypeRef::String
                ),
                ("pet_id", "petId", ParamLocation::Path, true, &TypeRef::I64),
                (
                    "owner_id",
                    "owner_id",
                    ParamLocation::Query,
                    false,
                    &TypeRef::String
                ),
            ]
        );
        let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].ends_with(": at #/paths/~1owners~1{ownerId}~1pets~1{petId}/get: the path template variable `{ownerId}` has no path parameter; `get_pet` takes it as a required string argument `owner_id_2`"),
            "{warnings:?}"
        );
    }
}
