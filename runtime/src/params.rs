//! Serialising parameters into paths and query strings, as OpenAPI's
//! `simple` (path) and `form` (query) styles specify.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use reqwest::RequestBuilder;
use serde::Serialize;
use serde_json::Value;

/// Characters encoded in a path segment: everything but RFC 3986 unreserved
/// characters and sub-delimiters that are safe in a segment.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A value in `simple` style: arrays and objects comma-separated.
fn simple(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(scalar)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Object(fields) => Some(
            fields
                .iter()
                .filter_map(|(k, v)| Some(format!("{k},{}", scalar(v)?)))
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => scalar(other),
    }
}

/// A path parameter in `simple` style, percent-encoded as one segment.
pub fn path_param<T: Serialize + ?Sized>(value: &T) -> String {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let text = simple(&value).unwrap_or_default();
    if !text.is_empty() && text.chars().all(|c| c == '.') {
        // `.` and `..` would be removed or climb a level when the URL is
        // normalised; encoded, they stay one segment.
        return text.replace('.', "%2E");
    }
    utf8_percent_encode(&text, PATH_SEGMENT).to_string()
}

/// Adds a query parameter in `form` style; `None` values are left out.
pub fn query_param<T: Serialize + ?Sized>(
    request: RequestBuilder,
    name: &str,
    value: &T,
    explode: bool,
) -> RequestBuilder {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let pairs: Vec<(String, String)> = match &value {
        Value::Null => Vec::new(),
        Value::Array(items) if explode => items
            .iter()
            .filter_map(scalar)
            .map(|item| (name.to_owned(), item))
            .collect(),
        Value::Array(items) => {
            let joined: Vec<String> = items.iter().filter_map(scalar).collect();
            vec![(name.to_owned(), joined.join(","))]
        }
        Value::Object(fields) if explode => fields
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
            .collect(),
        Value::Object(fields) => {
            let joined: Vec<String> = fields
                .iter()
                .filter_map(|(k, v)| Some(format!("{k},{}", scalar(v)?)))
                .collect();
            vec![(name.to_owned(), joined.join(","))]
        }
        other => scalar(other)
            .map(|s| vec![(name.to_owned(), s)])
            .unwrap_or_default(),
    };
    if pairs.is_empty() {
        request
    } else {
        request.query(&pairs)
    }
}

/// Adds a header parameter in `simple` style; `None` values are left out.
/// A value that cannot be a header fails the call when it is sent.
pub fn header_param<T: Serialize + ?Sized>(
    request: RequestBuilder,
    name: &str,
    value: &T,
) -> RequestBuilder {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    match simple(&value) {
        Some(text) => request.header(name, text),
        None => request,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_are_one_encoded_segment() {
        assert_eq!(path_param(&42), "42");
        assert_eq!(path_param("a b/c?d#e%"), "a%20b%2Fc%3Fd%23e%25");
        assert_eq!(path_param(&vec![1, 2, 3]), "1,2,3");
        assert_eq!(path_param(".."), "%2E%2E");
        assert_eq!(path_param("a..b"), "a..b");
    }

    fn query(value: &Value, explode: bool) -> String {
        let client = reqwest::Client::new();
        let request = query_param(client.get("http://h/p"), "ids", value, explode)
            .build()
            .unwrap();
        request.url().query().unwrap_or("").to_owned()
    }

    #[test]
    fn query_params_follow_form_style() {
        assert_eq!(query(&serde_json::json!(null), true), "");
        assert_eq!(query(&serde_json::json!(10), true), "ids=10");
        assert_eq!(query(&serde_json::json!([1, 2]), true), "ids=1&ids=2");
        assert_eq!(query(&serde_json::json!([1, 2]), false), "ids=1%2C2");
        assert_eq!(query(&serde_json::json!("a&b c"), true), "ids=a%26b+c");
    }
}
