//! Paths and methods to operations: names, parameters, bodies, results and
//! security requirements.

use openapiv3::{
    Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Response as DocResponse,
    StatusCode,
};

use super::names::{self, Namespace};
use super::security::{self, Scheme};
use super::types::TypeBuilder;
use super::{Body, BodyEncoding, Operation, Param, ParamLocation, Response, TypeRef};
use crate::error::{escape_pointer_token, Error, Warning};
use crate::load::{media_essence, Document};

/// Client methods that operations cannot take.
const CLIENT_METHODS: &[&str] = &["builder", "base_url", "runtime", "clone", "fmt"];

pub(crate) fn operations(
    document: &Document,
    types: &mut TypeBuilder<'_>,
    schemes: &[Scheme],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Operation>, Error> {
    let mut method_names = Namespace::with_reserved(CLIENT_METHODS);
    let mut builder_names = Namespace::default();
    let mut operations = Vec::new();
    for (path, item) in document.api.paths.iter() {
        let path_pointer = format!("/paths/{}", escape_pointer_token(path));
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                warnings.push(Warning {
                    location: document.at(&path_pointer),
                    message: format!(
                        "path item references (`{reference}`) are not followed yet; the path is left out"
                    ),
                });
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

            let mut param_names = Namespace::with_reserved(&["client", "send"]);
            let mut params = Vec::new();
            for parameter in item.parameters.iter().chain(op.parameters.iter()) {
                if let Some(param) = parameter_of(
                    document,
                    types,
                    parameter,
                    &builder_name,
                    &pointer,
                    &mut param_names,
                    warnings,
                ) {
                    // Operation parameters override path-level ones of the same name and place.
                    params.retain(|p: &Param| {
                        !(p.wire == param.wire && p.location == param.location)
                    });
                    params.push(param);
                }
            }
            // Path parameters in the order of the template, then the rest.
            params.sort_by_key(|p| match p.location {
                ParamLocation::Path => path.find(&format!("{{{}}}", p.wire)).unwrap_or(usize::MAX),
                _ => usize::MAX,
            });

            let body = op.request_body.as_ref().and_then(|body| {
                body_of(
                    document,
                    types,
                    body,
                    &builder_name,
                    &format!("{pointer}/requestBody"),
                    &mut param_names,
                    warnings,
                )
            });
            let response = response_of(
                document,
                types,
                &op.responses.responses,
                &builder_name,
                &pointer,
                warnings,
            );
            let security =
                security::requirements(document, op.security.as_ref(), &pointer, schemes, warnings);
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
                response,
                security,
            });
        }
    }
    Ok(operations)
}

fn resolve_parameter<'d>(
    document: &'d Document,
    parameter: &'d ReferenceOr<Parameter>,
) -> Option<&'d Parameter> {
    match parameter {
        ReferenceOr::Item(parameter) => Some(parameter),
        ReferenceOr::Reference { reference } => {
            let key = reference.strip_prefix("#/components/parameters/")?;
            match document.api.components.as_ref()?.parameters.get(key)? {
                ReferenceOr::Item(parameter) => Some(parameter),
                ReferenceOr::Reference { .. } => None,
            }
        }
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
    warnings: &mut Vec<Warning>,
) -> Option<Param> {
    let Some(parameter) = resolve_parameter(document, parameter) else {
        if let ReferenceOr::Reference { reference } = parameter {
            warnings.push(Warning {
                location: document.at(format!("{pointer}/parameters")),
                message: format!(
                    "parameter `$ref: {reference}` cannot be resolved; the parameter is left out"
                ),
            });
        }
        return None;
    };
    let (location, data, explode) = match parameter {
        Parameter::Path { parameter_data, .. } => (ParamLocation::Path, parameter_data, false),
        Parameter::Query { parameter_data, .. } => (
            ParamLocation::Query,
            parameter_data,
            parameter_data.explode.unwrap_or(true),
        ),
        Parameter::Header { parameter_data, .. } => (ParamLocation::Header, parameter_data, false),
        Parameter::Cookie { parameter_data, .. } => {
            warnings.push(Warning {
                location: document.at(format!("{pointer}/parameters")),
                message: format!(
                    "cookie parameter `{}` is not supported yet and is left out",
                    parameter_data.name
                ),
            });
            return None;
        }
    };
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
        explode,
        doc: data.description.clone(),
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
    warnings: &mut Vec<Warning>,
) -> Option<Body> {
    let body = match body {
        ReferenceOr::Item(body) => body,
        ReferenceOr::Reference { reference } => {
            let resolved = reference
                .strip_prefix("#/components/requestBodies/")
                .and_then(|key| document.api.components.as_ref()?.request_bodies.get(key));
            match resolved {
                Some(ReferenceOr::Item(body)) => body,
                _ => {
                    warnings.push(Warning {
                        location: document.at(pointer),
                        message: format!("request body `$ref: {reference}` cannot be resolved; the body is left out"),
                    });
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
            warnings.push(Warning {
                location: document.at(pointer),
                message: format!("request bodies of type `{media_type}` are not supported yet; the body is left out"),
            });
        }
        return None;
    };
    let content_pointer = format!(
        "{pointer}/content/{}/schema",
        escape_pointer_token(media_type)
    );
    let ty = match (&encoding, &content.schema) {
        (BodyEncoding::Text(_), _) => TypeRef::String,
        (BodyEncoding::Bytes(_), _) => TypeRef::Bytes,
        (_, Some(schema)) => {
            types.type_of(schema, &format!("{builder_name} body"), &content_pointer)
        }
        (_, None) => TypeRef::Json,
    };
    Some(Body {
        name: param_names.unique("body".to_owned()),
        ty,
        required: body.required,
        encoding,
    })
}

fn response_of(
    document: &Document,
    types: &mut TypeBuilder<'_>,
    responses: &indexmap::IndexMap<StatusCode, ReferenceOr<DocResponse>>,
    builder_name: &str,
    pointer: &str,
    warnings: &mut Vec<Warning>,
) -> Response {
    // The lowest documented 2xx status, then the `2XX` range.
    let success = responses
        .iter()
        .filter_map(|(status, response)| {
            let rank = match status {
                StatusCode::Code(code @ 200..=299) => *code,
                StatusCode::Range(2) => 300,
                _ => return None,
            };
            Some((rank, status, response))
        })
        .min_by_key(|(rank, _, _)| *rank);
    let Some((_, status, response)) = success else {
        return Response::Empty;
    };
    let status_pointer = format!("{pointer}/responses/{status}");
    let response = match response {
        ReferenceOr::Item(response) => response,
        ReferenceOr::Reference { reference } => {
            let resolved = reference
                .strip_prefix("#/components/responses/")
                .and_then(|key| document.api.components.as_ref()?.responses.get(key));
            match resolved {
                Some(ReferenceOr::Item(response)) => response,
                _ => {
                    warnings.push(Warning {
                        location: document.at(&status_pointer),
                        message: format!("response `$ref: {reference}` cannot be resolved; the raw response is returned"),
                    });
                    return Response::Raw;
                }
            }
        }
    };
    if response.content.is_empty() {
        return Response::Empty;
    }
    match response
        .content
        .iter()
        .find(|(media_type, _)| is_json(media_type))
    {
        Some((media_type, content)) => {
            let content_pointer = format!(
                "{status_pointer}/content/{}/schema",
                escape_pointer_token(media_type)
            );
            let ty = match &content.schema {
                Some(schema) => types.type_of(
                    schema,
                    &format!("{builder_name} response"),
                    &content_pointer,
                ),
                None => TypeRef::Json,
            };
            Response::Json(ty)
        }
        None => Response::Raw,
    }
}
