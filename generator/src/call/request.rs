//! The request of `generator call`, made as the generated builder's
//! `send_raw` makes it: the operation found by id, method name or method
//! and path; parameters converted from the command line's text to JSON
//! values by their schema's type, then serialised by the runtime's
//! `path_param`, `query_param`, `header_param` and `cookie_param` with
//! their styles; the body encoded by `encode_body` or sent as is.

use generator::plan::{BodyKind, ParamIn, Plan, PlanOperation, PlanStyle, ValueKind};
use runtime::__private_v0_1 as private;
use serde_json::Value;

use super::Failure;

/// Finds the operation `wanted` names: its `operationId` as written, its
/// generated method name, or `METHOD /path` as in the document. An unknown
/// one is an error listing the close matches.
pub(crate) fn find_operation<'p>(
    plan: &'p Plan,
    wanted: &str,
) -> Result<&'p PlanOperation, Failure> {
    let by_route = wanted
        .split_once(' ')
        .map(|(method, path)| (method.trim().to_ascii_uppercase(), path.trim().to_owned()));
    let found = plan.operations.iter().find(|op| {
        op.id == wanted
            || op.method_name == wanted
            || by_route
                .as_ref()
                .is_some_and(|(method, path)| &op.http_method == method && &op.path == path)
    });
    if let Some(found) = found {
        return Ok(found);
    }
    let wanted_lower = wanted.to_lowercase();
    let mut close: Vec<(usize, String)> = plan
        .operations
        .iter()
        .flat_map(|op| [op.id.clone(), format!("{} {}", op.http_method, op.path)])
        .map(|name| {
            let lower = name.to_lowercase();
            let distance = if lower.contains(&wanted_lower) || wanted_lower.contains(&lower) {
                0
            } else {
                edit_distance(&lower, &wanted_lower)
            };
            (distance, name)
        })
        .filter(|(distance, name)| *distance <= (name.chars().count() / 3).max(2))
        .collect();
    close.sort();
    close.dedup_by(|a, b| a.1 == b.1);
    let names: Vec<String> = close.into_iter().take(5).map(|(_, n)| n).collect();
    Err(Failure::Usage(if names.is_empty() {
        format!("no operation `{wanted}` in the document; `generator inspect` lists them")
    } else {
        format!(
            "no operation `{wanted}` in the document; did you mean {}?",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }))
}

/// Levenshtein distance, for suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

/// The parameters given on the command line (`NAME=VALUE`), as JSON
/// values by their schema's type, in the operation's order. Every unknown,
/// malformed or missing required parameter is reported at once.
pub(crate) fn parse_params(
    operation: &PlanOperation,
    given: &[String],
) -> Result<Vec<(usize, Value)>, Failure> {
    let mut raw: Vec<Vec<&str>> = vec![Vec::new(); operation.params.len()];
    let mut errors = Vec::new();
    for text in given {
        let Some((name, value)) = text.split_once('=') else {
            errors.push(format!("`--param {text}` is not NAME=VALUE"));
            continue;
        };
        match operation
            .params
            .iter()
            .position(|p| p.name == name || p.rust_name == name)
        {
            Some(index) => raw[index].push(value),
            None => errors.push(format!(
                "operation `{}` has no parameter `{name}`{}",
                operation.id,
                known(operation)
            )),
        }
    }
    let mut values = Vec::new();
    for (index, (param, raw)) in operation.params.iter().zip(&raw).enumerate() {
        let value = match (raw.as_slice(), &param.kind) {
            ([], _) if param.required => {
                errors.push(format!(
                    "the required {} parameter `{}` is missing: pass `--param {}=VALUE`",
                    location(param.location),
                    param.name,
                    param.name
                ));
                continue;
            }
            ([], _) => continue,
            ([one], kind) => convert(kind, one),
            (several, ValueKind::Array(item)) => several
                .iter()
                .map(|one| convert(item, one))
                .collect::<Result<Vec<Value>, String>>()
                .map(Value::Array),
            (_, _) => Err("given more than once, but it is not a list".to_owned()),
        };
        match value {
            Ok(value) => values.push((index, value)),
            Err(reason) => errors.push(format!("parameter `{}`: {reason}", param.name)),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(Failure::Usage(errors.join("\nerror: ")))
    }
}

fn known(operation: &PlanOperation) -> String {
    if operation.params.is_empty() {
        return " (it has none)".to_owned();
    }
    let names: Vec<&str> = operation.params.iter().map(|p| p.name.as_str()).collect();
    format!(" (it has {})", names.join(", "))
}

fn location(location: ParamIn) -> &'static str {
    match location {
        ParamIn::Path => "path",
        ParamIn::Query => "query",
        ParamIn::Header => "header",
        ParamIn::Cookie => "cookie",
    }
}

/// The JSON value of a parameter's text, by its type: a list is a JSON
/// array or comma-separated items; an object is JSON.
fn convert(kind: &ValueKind, text: &str) -> Result<Value, String> {
    match kind {
        ValueKind::String => Ok(Value::String(text.to_owned())),
        ValueKind::Integer => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.trim().parse::<u64>().map(Value::from))
            .map_err(|_| format!("expected an integer, found `{text}`")),
        ValueKind::Number => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("expected a number, found `{text}`")),
        ValueKind::Boolean => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("expected `true` or `false`, found `{text}`")),
        },
        ValueKind::Array(_) if text.trim_start().starts_with('[') => {
            serde_json::from_str::<Value>(text).map_err(|e| format!("not a JSON array: {e}"))
        }
        ValueKind::Array(item) => text
            .split(',')
            .map(|one| convert(item, one))
            .collect::<Result<Vec<Value>, String>>()
            .map(Value::Array),
        ValueKind::Json => {
            serde_json::from_str::<Value>(text).map_err(|e| format!("expected JSON: {e}"))
        }
    }
}

/// A request body, as read from `--body`.
#[derive(Debug, Clone)]
pub(crate) struct RequestBody {
    kind: BodyKind,
    /// The JSON given, for JSON, form and multipart bodies.
    json: Option<Value>,
    /// The bytes given, for text and binary bodies.
    raw: Vec<u8>,
    /// What the output shows of it.
    pub(crate) shown: Value,
}

/// Reads `--body` (JSON, or `@FILE`) for `operation`'s body: JSON for
/// JSON, form and multipart bodies, sent as is for the others.
pub(crate) fn read_body(
    operation: &PlanOperation,
    given: Option<&str>,
) -> Result<Option<RequestBody>, Failure> {
    let Some(declared) = &operation.body else {
        return match given {
            Some(_) => Err(Failure::Usage(format!(
                "operation `{}` takes no request body",
                operation.id
            ))),
            None => Ok(None),
        };
    };
    let Some(given) = given else {
        return if declared.required {
            Err(Failure::Usage(format!(
                "operation `{}` needs a request body: pass `--body JSON` or `--body @FILE`",
                operation.id
            )))
        } else {
            Ok(None)
        };
    };
    let raw = match given.strip_prefix('@') {
        Some(path) => std::fs::read(path)
            .map_err(|e| Failure::Usage(format!("cannot read the body from `{path}`: {e}")))?,
        None => given.as_bytes().to_vec(),
    };
    let body = match &declared.kind {
        BodyKind::Json | BodyKind::Form | BodyKind::Multipart => {
            let json: Value = serde_json::from_slice(&raw)
                .map_err(|e| Failure::Usage(format!("the request body is not JSON: {e}")))?;
            RequestBody {
                kind: declared.kind.clone(),
                shown: json.clone(),
                json: Some(json),
                raw: Vec::new(),
            }
        }
        _ => RequestBody {
            kind: declared.kind.clone(),
            shown: match std::str::from_utf8(&raw) {
                Ok(text) => Value::String(text.to_owned()),
                Err(_) => Value::String(format!("[{} bytes]", raw.len())),
            },
            json: None,
            raw,
        },
    };
    Ok(Some(body))
}

/// `--header NAME:VALUE` as pairs.
pub(crate) fn parse_headers(given: &[String]) -> Result<Vec<(String, String)>, Failure> {
    given
        .iter()
        .map(|text| match text.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_owned(), value.trim().to_owned()))
            }
            _ => Err(Failure::Usage(format!(
                "`--header {text}` is not NAME:VALUE"
            ))),
        })
        .collect()
}

fn style(style: PlanStyle) -> private::Style {
    match style {
        PlanStyle::Simple => private::Style::Simple,
        PlanStyle::Label => private::Style::Label,
        PlanStyle::Matrix => private::Style::Matrix,
        PlanStyle::Form => private::Style::Form,
        PlanStyle::SpaceDelimited => private::Style::SpaceDelimited,
        PlanStyle::PipeDelimited => private::Style::PipeDelimited,
        PlanStyle::DeepObject => private::Style::DeepObject,
    }
}

/// The request, as the generated builder's `send_raw` builds it, on
/// `client` (credentials are put on it when it is sent).
pub(crate) fn build(
    client: &runtime::Client,
    operation: &PlanOperation,
    values: &[(usize, Value)],
    body: Option<&RequestBody>,
) -> Result<private::RequestBuilder, Failure> {
    let of = |location: ParamIn| {
        values.iter().filter_map(move |(index, value)| {
            let param = operation.params.get(*index)?;
            (param.location == location).then_some((param, value))
        })
    };
    let mut url = operation.path.clone();
    for (param, value) in of(ParamIn::Path) {
        let text = private::path_param(&param.name, value, style(param.style), param.explode);
        url = url.replace(&format!("{{{}}}", param.name), &text);
    }
    for (param, value) in of(ParamIn::Query) {
        private::query_param(
            &mut url,
            &param.name,
            value,
            style(param.style),
            param.explode,
        );
    }
    let method = private::Method::from_bytes(operation.http_method.as_bytes()).map_err(|_| {
        Failure::Usage(format!("`{}` is not an HTTP method", operation.http_method))
    })?;
    let mut request = client.request(method, &url);
    for (param, value) in of(ParamIn::Header) {
        request = private::header_param(request, &param.name, value, param.explode);
    }
    let mut cookies = Vec::new();
    for (param, value) in of(ParamIn::Cookie) {
        private::cookie_param(&mut cookies, &param.name, value, param.explode);
    }
    request = private::cookie_header(request, cookies);
    if let Some(header) = &operation.idempotency_header {
        let set = of(ParamIn::Header).any(|(param, _)| &param.name == header);
        // Leaked: the runtime takes a `&'static str`, and this process
        // makes one call.
        let name: &'static str = Box::leak(header.clone().into_boxed_str());
        request = private::idempotency_key(request, name, set);
    }
    if let Some(body) = body {
        request = match (&body.kind, &body.json) {
            (BodyKind::Json, Some(json)) => {
                private::encode_body(request, json, runtime::BodyEncoding::Json)
            }
            (BodyKind::Form, Some(json)) => {
                private::encode_body(request, json, runtime::BodyEncoding::Form)
            }
            (BodyKind::Multipart, Some(json)) => {
                private::encode_body(request, json, runtime::BodyEncoding::Multipart)
            }
            (BodyKind::Text(media) | BodyKind::Bytes(media), _) => request
                .header("content-type", media.as_str())
                .body(body.raw.clone()),
            _ => request.body(body.raw.clone()),
        };
    }
    Ok(request)
}

/// The runtime's description of `operation`'s security, leaked: the
/// runtime's `Operation` holds `&'static` data, as generated code's
/// statics do, and a one-shot command makes one.
pub(crate) fn leak_operation(operation: &PlanOperation) -> &'static private::Operation {
    fn leak(text: &str) -> &'static str {
        Box::leak(text.to_owned().into_boxed_str())
    }
    let alternatives: Vec<&'static [private::SchemeUse]> = operation
        .alternatives
        .iter()
        .map(|alternative| {
            let uses: Vec<private::SchemeUse> = alternative
                .iter()
                .map(|(scheme, scopes)| private::SchemeUse {
                    scheme: leak(scheme),
                    scopes: Box::leak(
                        scopes
                            .iter()
                            .map(|s| leak(s))
                            .collect::<Vec<_>>()
                            .into_boxed_slice(),
                    ),
                })
                .collect();
            &*Box::leak(uses.into_boxed_slice())
        })
        .collect();
    Box::leak(Box::new(private::Operation {
        id: leak(&operation.id),
        alternatives: Box::leak(alternatives.into_boxed_slice()),
        anonymous: operation.anonymous,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text becomes the JSON value the generated setter would have been
    /// given: numbers and booleans parsed, lists split on commas or read
    /// as JSON, objects read as JSON; a wrong type is an error saying what
    /// was expected.
    #[test]
    fn values_are_converted_by_type() {
        let ints = ValueKind::Array(Box::new(ValueKind::Integer));
        assert_eq!(convert(&ints, "1,2").unwrap(), serde_json::json!([1, 2]));
        assert_eq!(convert(&ints, "[3]").unwrap(), serde_json::json!([3]));
        assert_eq!(
            convert(&ValueKind::Boolean, "true").unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            convert(&ValueKind::Json, r#"{"a":1}"#).unwrap(),
            serde_json::json!({"a": 1})
        );
        assert_eq!(
            convert(&ValueKind::String, "1,2").unwrap(),
            Value::String("1,2".into())
        );
        let error = convert(&ValueKind::Integer, "ten").unwrap_err();
        assert!(error.contains("expected an integer"), "{error}");
        assert!(convert(&ints, "1,x").is_err());
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("listpets", "lsitpets"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
