//! Serialising parameters as OpenAPI's `style` and `explode` say: `simple`,
//! `label` and `matrix` in paths, `form`, `spaceDelimited`, `pipeDelimited`
//! and `deepObject` in query strings, `simple` in headers and `form` in
//! cookies.
//!
//! Values are percent-encoded piece by piece, so a delimiter inside a value
//! (a comma in an item of a comma-separated list) stays distinguishable
//! from the delimiters the style adds.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};
use reqwest::header::COOKIE;
use reqwest::RequestBuilder;
use serde::Serialize;
use serde_json::Value;

/// How a parameter is written: the `style` of its Parameter Object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Style {
    /// `1,2,3`: paths and headers.
    Simple,
    /// `.1.2.3`: paths.
    Label,
    /// `;id=1,2,3`: paths.
    Matrix,
    /// `id=1,2,3` or `id=1&id=2`: query strings and cookies.
    Form,
    /// `id=1%202%203`: query strings.
    SpaceDelimited,
    /// `id=1|2|3`: query strings.
    PipeDelimited,
    /// `filter[color]=red`: objects in query strings.
    DeepObject,
}

/// Characters encoded in a piece of a path segment: everything but RFC 3986
/// unreserved characters and the sub-delimiters the styles do not use.
const PATH_PIECE: &AsciiSet = &CONTROLS
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
    .add(b'}')
    .add(b',')
    .add(b';')
    .add(b'=');

/// Characters encoded in a query name or value: all but RFC 3986 unreserved
/// characters.
const QUERY_PIECE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Characters encoded in a cookie value: those RFC 6265 does not allow in
/// a `cookie-octet`, and `%`.
const COOKIE_PIECE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'%')
    .add(b',')
    .add(b';')
    .add(b'\\');

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
    }
}

/// A value as the runtime sees it: nothing, one scalar, a list or
/// name/value pairs, each piece already encoded.
enum Shape {
    Nothing,
    Scalar(String),
    List(Vec<String>),
    Pairs(Vec<(String, String)>),
}

fn shape<T: Serialize + ?Sized>(value: &T, encode: impl Fn(&str) -> String) -> Shape {
    match serde_json::to_value(value).unwrap_or(Value::Null) {
        Value::Null => Shape::Nothing,
        Value::Array(items) => Shape::List(
            items
                .iter()
                .filter_map(scalar)
                .map(|s| encode(&s))
                .collect(),
        ),
        Value::Object(fields) => Shape::Pairs(
            fields
                .iter()
                .filter_map(|(k, v)| Some((encode(k), encode(&scalar(v)?))))
                .collect(),
        ),
        other => scalar(&other).map_or(Shape::Nothing, |s| Shape::Scalar(encode(&s))),
    }
}

fn path_piece(text: &str) -> String {
    utf8_percent_encode(text, PATH_PIECE).to_string()
}

fn query_piece(text: &str) -> String {
    utf8_percent_encode(text, QUERY_PIECE).to_string()
}

fn cookie_piece(text: &str) -> String {
    utf8_percent_encode(text, COOKIE_PIECE).to_string()
}

/// `k,v,k2,v2` or, exploded, `k=v,k2=v2`, with `separator` between pairs.
fn join_pairs(pairs: &[(String, String)], explode: bool, separator: &str) -> String {
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            if explode {
                format!("{k}={v}")
            } else {
                format!("{k},{v}")
            }
        })
        .collect();
    joined.join(if explode { separator } else { "," })
}

/// A path parameter in `simple`, `label` or `matrix` style (any other style
/// is taken as `simple`), percent-encoded within one segment.
pub fn path_param<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    style: Style,
    explode: bool,
) -> String {
    let value = shape(value, path_piece);
    let name = path_piece(name);
    match style {
        Style::Label => match value {
            Shape::Nothing => ".".to_owned(),
            Shape::Scalar(s) => format!(".{s}"),
            Shape::List(items) => format!(".{}", items.join(if explode { "." } else { "," })),
            Shape::Pairs(pairs) => format!(".{}", join_pairs(&pairs, explode, ".")),
        },
        Style::Matrix => match value {
            Shape::Nothing => format!(";{name}"),
            Shape::Scalar(s) => format!(";{name}={s}"),
            Shape::List(items) if explode => {
                items.iter().map(|item| format!(";{name}={item}")).collect()
            }
            Shape::List(items) => format!(";{name}={}", items.join(",")),
            Shape::Pairs(pairs) if explode => format!(";{}", join_pairs(&pairs, true, ";")),
            Shape::Pairs(pairs) => format!(";{name}={}", join_pairs(&pairs, false, ",")),
        },
        _ => {
            let text = match value {
                Shape::Nothing => String::new(),
                Shape::Scalar(s) => s,
                Shape::List(items) => items.join(","),
                Shape::Pairs(pairs) => join_pairs(&pairs, explode, ","),
            };
            if !text.is_empty() && text.chars().all(|c| c == '.') {
                // `.` and `..` would be removed or climb a level when the
                // URL is normalised; encoded, they stay one segment.
                return text.replace('.', "%2E");
            }
            text
        }
    }
}

/// Appends a query parameter to `url` (a path, with or without a query
/// string) in `form`, `spaceDelimited`, `pipeDelimited` or `deepObject`
/// style; `None` values are left out.
pub fn query_param<T: Serialize + ?Sized>(
    url: &mut String,
    name: &str,
    value: &T,
    style: Style,
    explode: bool,
) {
    let value = shape(value, query_piece);
    let name = query_piece(name);
    let delimiter = match style {
        Style::SpaceDelimited => "%20",
        Style::PipeDelimited => "|",
        _ => ",",
    };
    let pairs: Vec<(String, String)> = match value {
        Shape::Nothing => Vec::new(),
        Shape::Scalar(s) => vec![(name, s)],
        Shape::List(items) if explode || style == Style::DeepObject => {
            items.into_iter().map(|item| (name.clone(), item)).collect()
        }
        Shape::List(items) => vec![(name, items.join(delimiter))],
        Shape::Pairs(pairs) if style == Style::DeepObject => pairs
            .into_iter()
            .map(|(k, v)| (format!("{name}[{k}]"), v))
            .collect(),
        Shape::Pairs(pairs) if explode => pairs,
        Shape::Pairs(pairs) => {
            let flat: Vec<String> = pairs.into_iter().flat_map(|(k, v)| [k, v]).collect();
            vec![(name, flat.join(delimiter))]
        }
    };
    for (name, value) in pairs {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&name);
        url.push('=');
        url.push_str(&value);
    }
}

/// How a request body is written, for operations whose document accepts
/// the same body in several media types (see each request builder's
/// `body_encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`, a part per member of the body.
    Multipart,
}

/// Sets `body` on the request in `encoding`.
pub fn encode_body<T: Serialize + ?Sized>(
    request: RequestBuilder,
    body: &T,
    encoding: BodyEncoding,
) -> RequestBuilder {
    match encoding {
        BodyEncoding::Json => request.json(body),
        BodyEncoding::Form => request.form(body),
        BodyEncoding::Multipart => {
            let mut form = crate::multipart::Multipart::new();
            form.members(body);
            form.finish(request)
        }
    }
}

/// Adds a header parameter in `simple` style; `None` values are left out.
/// A value that cannot be a header fails the call when it is sent.
pub fn header_param<T: Serialize + ?Sized>(
    request: RequestBuilder,
    name: &str,
    value: &T,
    explode: bool,
) -> RequestBuilder {
    let text = match shape(value, str::to_owned) {
        Shape::Nothing => return request,
        Shape::Scalar(s) => s,
        Shape::List(items) => items.join(","),
        Shape::Pairs(pairs) => join_pairs(&pairs, explode, ","),
    };
    request.header(name, text)
}

/// Adds a cookie parameter in `form` style to `cookies`, the pairs of one
/// `Cookie` header (see [`cookie_header`]); `None` values are left out.
pub fn cookie_param<T: Serialize + ?Sized>(
    cookies: &mut Vec<String>,
    name: &str,
    value: &T,
    explode: bool,
) {
    let name = cookie_piece(name);
    match shape(value, cookie_piece) {
        Shape::Nothing => {}
        Shape::Scalar(s) => cookies.push(format!("{name}={s}")),
        Shape::List(items) if explode => {
            cookies.extend(items.iter().map(|item| format!("{name}={item}")));
        }
        Shape::List(items) => cookies.push(format!("{name}={}", items.join(","))),
        Shape::Pairs(pairs) if explode => {
            cookies.extend(pairs.iter().map(|(k, v)| format!("{k}={v}")));
        }
        Shape::Pairs(pairs) => cookies.push(format!("{name}={}", join_pairs(&pairs, false, ","))),
    }
}

/// Sends the cookie parameters as one `Cookie` header (cookies of API keys
/// are added to it when the request is sent).
pub fn cookie_header(request: RequestBuilder, cookies: Vec<String>) -> RequestBuilder {
    if cookies.is_empty() {
        request
    } else {
        request.header(COOKIE, cookies.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(value: Value, style: Style, explode: bool) -> String {
        path_param("id", &value, style, explode)
    }

    #[test]
    fn path_params_are_one_encoded_segment() {
        assert_eq!(path(json!(42), Style::Simple, false), "42");
        assert_eq!(
            path(json!("a b/c?d#e%"), Style::Simple, false),
            "a%20b%2Fc%3Fd%23e%25"
        );
        assert_eq!(path(json!([1, 2, 3]), Style::Simple, false), "1,2,3");
        assert_eq!(path(json!(["a,b", "c"]), Style::Simple, false), "a%2Cb,c");
        assert_eq!(path(json!(".."), Style::Simple, false), "%2E%2E");
        assert_eq!(path(json!("a..b"), Style::Simple, false), "a..b");
    }

    /// The examples of the OpenAPI specification's style table.
    #[test]
    fn path_styles_follow_the_specification() {
        let list = json!(["blue", "black", "brown"]);
        let object = json!({ "R": 100, "G": 200, "B": 150 });
        let cases = [
            (Style::Simple, false, json!("blue"), "blue"),
            (Style::Simple, false, list.clone(), "blue,black,brown"),
            (Style::Simple, true, list.clone(), "blue,black,brown"),
            (Style::Simple, false, object.clone(), "R,100,G,200,B,150"),
            (Style::Simple, true, object.clone(), "R=100,G=200,B=150"),
            (Style::Label, false, json!("blue"), ".blue"),
            (Style::Label, false, list.clone(), ".blue,black,brown"),
            (Style::Label, true, list.clone(), ".blue.black.brown"),
            (Style::Label, false, object.clone(), ".R,100,G,200,B,150"),
            (Style::Label, true, object.clone(), ".R=100.G=200.B=150"),
            (Style::Matrix, false, json!(null), ";id"),
            (Style::Matrix, false, json!("blue"), ";id=blue"),
            (Style::Matrix, false, list.clone(), ";id=blue,black,brown"),
            (
                Style::Matrix,
                true,
                list.clone(),
                ";id=blue;id=black;id=brown",
            ),
            (
                Style::Matrix,
                false,
                object.clone(),
                ";id=R,100,G,200,B,150",
            ),
            (Style::Matrix, true, object.clone(), ";R=100;G=200;B=150"),
        ];
        for (style, explode, value, expected) in cases {
            assert_eq!(
                path(value.clone(), style, explode),
                expected,
                "{style:?} explode={explode} {value}"
            );
        }
    }

    fn query(value: Value, style: Style, explode: bool) -> String {
        let mut url = "/p".to_owned();
        query_param(&mut url, "id", &value, style, explode);
        url
    }

    #[test]
    fn query_styles_follow_the_specification() {
        let list = json!(["blue", "black", "brown"]);
        let object = json!({ "R": 100, "G": 200, "B": 150 });
        let cases = [
            (Style::Form, true, json!(null), "/p"),
            (Style::Form, true, json!(10), "/p?id=10"),
            (Style::Form, true, json!("a&b c+d"), "/p?id=a%26b%20c%2Bd"),
            (
                Style::Form,
                true,
                list.clone(),
                "/p?id=blue&id=black&id=brown",
            ),
            (Style::Form, false, list.clone(), "/p?id=blue,black,brown"),
            (Style::Form, false, json!(["a,b", "c"]), "/p?id=a%2Cb,c"),
            (Style::Form, false, json!([]), "/p?id="),
            (Style::Form, true, object.clone(), "/p?R=100&G=200&B=150"),
            (
                Style::Form,
                false,
                object.clone(),
                "/p?id=R,100,G,200,B,150",
            ),
            (
                Style::SpaceDelimited,
                false,
                list.clone(),
                "/p?id=blue%20black%20brown",
            ),
            (
                Style::SpaceDelimited,
                true,
                list.clone(),
                "/p?id=blue&id=black&id=brown",
            ),
            (
                Style::SpaceDelimited,
                false,
                object.clone(),
                "/p?id=R%20100%20G%20200%20B%20150",
            ),
            (
                Style::PipeDelimited,
                false,
                list.clone(),
                "/p?id=blue|black|brown",
            ),
            (
                Style::PipeDelimited,
                false,
                object.clone(),
                "/p?id=R|100|G|200|B|150",
            ),
            (
                Style::DeepObject,
                true,
                object.clone(),
                "/p?id[R]=100&id[G]=200&id[B]=150",
            ),
            (
                Style::DeepObject,
                true,
                json!({ "a b": "c&d" }),
                "/p?id[a%20b]=c%26d",
            ),
        ];
        for (style, explode, value, expected) in cases {
            assert_eq!(
                query(value.clone(), style, explode),
                expected,
                "{style:?} explode={explode} {value}"
            );
        }
        // A second parameter, and a path that has a query already.
        let mut url = "/p?fixed=1".to_owned();
        query_param(&mut url, "a", &1, Style::Form, true);
        query_param(&mut url, "b", &Some("x"), Style::Form, true);
        query_param(&mut url, "c", &None::<u8>, Style::Form, true);
        assert_eq!(url, "/p?fixed=1&a=1&b=x");
    }

    #[test]
    fn bodies_in_the_encoding_asked_for() {
        let body = json!({ "name": "Kit", "age": 3, "tags": ["a"] });
        let client = reqwest::Client::new();
        let sent = |encoding| {
            let request = encode_body(client.post("http://h/p"), &body, encoding)
                .build()
                .unwrap();
            let content_type = request.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            let text = String::from_utf8(request.body().unwrap().as_bytes().unwrap().to_vec());
            (content_type, text.unwrap())
        };
        assert_eq!(
            sent(BodyEncoding::Json),
            ("application/json".to_owned(), body.to_string())
        );
        // An array cannot be a form value: the call fails (when sent)
        // rather than sending a wrong body.
        assert!(
            encode_body(client.post("http://h/p"), &body, BodyEncoding::Form)
                .build()
                .is_err()
        );
        let flat = json!({ "name": "Kit Cat", "age": 3 });
        let request = encode_body(client.post("http://h/p"), &flat, BodyEncoding::Form)
            .build()
            .unwrap();
        assert_eq!(
            request.body().unwrap().as_bytes(),
            Some(&b"name=Kit+Cat&age=3"[..])
        );
        let (content_type, multipart) = sent(BodyEncoding::Multipart);
        assert!(content_type.starts_with("multipart/form-data; boundary="));
        assert!(
            multipart.contains("name=\"name\"\r\n\r\nKit\r\n"),
            "{multipart}"
        );
        assert!(
            multipart.contains("name=\"age\"\r\n\r\n3\r\n"),
            "{multipart}"
        );
        assert!(
            multipart
                .contains("name=\"tags\"\r\nContent-Type: application/json\r\n\r\n[\"a\"]\r\n"),
            "{multipart}"
        );
    }

    #[test]
    fn cookies_and_headers() {
        let mut cookies = Vec::new();
        cookie_param(&mut cookies, "session", &"a b;c", false);
        cookie_param(&mut cookies, "ids", &[1, 2], false);
        cookie_param(&mut cookies, "tags", &["x", "y"], true);
        cookie_param(&mut cookies, "absent", &None::<String>, true);
        assert_eq!(
            cookies,
            ["session=a%20b%3Bc", "ids=1,2", "tags=x", "tags=y"]
        );

        let client = reqwest::Client::new();
        let request = cookie_header(client.get("http://h/p"), cookies);
        let request = header_param(request, "x-ids", &[1, 2], false);
        let request = header_param(request, "x-object", &json!({ "a": 1, "b": 2 }), true);
        let request = header_param(request, "x-absent", &None::<u8>, false);
        let request = request.build().unwrap();
        let header = |name: &str| request.headers().get(name).map(|v| v.to_str().unwrap());
        assert_eq!(
            header("cookie"),
            Some("session=a%20b%3Bc; ids=1,2; tags=x; tags=y")
        );
        assert_eq!(header("x-ids"), Some("1,2"));
        assert_eq!(header("x-object"), Some("a=1,b=2"));
        assert_eq!(header("x-absent"), None);
        let empty = cookie_header(client.get("http://h/p"), Vec::new())
            .build()
            .unwrap();
        assert!(empty.headers().get("cookie").is_none());
    }
}
