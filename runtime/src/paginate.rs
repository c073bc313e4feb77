//! Following a list across its pages: what a generated builder's `pages()`
//! and `items()` are made of.
//!
//! The generator reads from the document how an operation's list goes on
//! (a [`Pagination`]); here, once for every client, each page is fetched
//! through the operation's own `send` (credentials, retries, 401 renewal,
//! body limits), and what comes next is read from the page: a `Link`
//! header, a URL or a cursor in the body, the id of the last item, or an
//! offset or page number counted from the items received.
//!
//! A server is not trusted to end its list: a next URL must stay on the
//! origin of the page that named it (credentials go with it), and a cursor
//! or URL that names a page already fetched ends the stream with
//! [`Error::Pagination`] rather than requesting it forever.

use std::collections::hash_map::RandomState;
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::BuildHasher;

use futures_core::Stream;
use futures_util::StreamExt;
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, LINK};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::client::Client;
use crate::codegen::read_success_body;
use crate::error::Error;
use crate::response::{FromHeaders, Response as WithHeaders};
use crate::security::Operation;

/// How an operation's list continues on later pages, as the generator
/// read it from the document. JSON pointers (RFC 6901) are into the
/// success body; names are as on the wire.
#[derive(Debug)]
pub struct Pagination {
    /// How the next page is found.
    pub style: PageStyle,
    /// Where the page's items are: `""` when the body is the array.
    pub items: &'static str,
    /// A boolean member saying whether more pages follow: `false` ends
    /// the list whatever else the page says.
    pub has_more: Option<&'static str>,
}

/// The shapes of pagination followed.
#[derive(Debug)]
pub enum PageStyle {
    /// A `Link` response header with `rel="next"` (RFC 8288).
    LinkHeader,
    /// A URL in the body.
    NextUrl {
        /// Where it is.
        pointer: &'static str,
    },
    /// A cursor in the body, sent back in the query parameter `param`;
    /// the list ends when it is absent, null or empty.
    Cursor {
        /// The query parameter.
        param: &'static str,
        /// Where the cursor is.
        pointer: &'static str,
        /// When not empty, the only other query parameters later pages
        /// keep (dropshot wants `limit` alone beside `page_token`).
        keep: &'static [&'static str],
    },
    /// The id of the page's last item sent back in `param` (Stripe's
    /// `starting_after`), while [`Pagination::has_more`] says `true`.
    AfterLast {
        /// The query parameter.
        param: &'static str,
        /// The item's member holding its id.
        id: &'static str,
    },
    /// An item offset in `param`, advanced by each page's item count.
    Offset {
        /// The query parameter.
        param: &'static str,
        /// The page-size query parameter, when there is one.
        limit: Option<&'static str>,
        /// Where the body gives the total number of items.
        total: Option<&'static str>,
    },
    /// A page number in `param`.
    Page {
        /// The query parameter.
        param: &'static str,
        /// The first page's number (1, or 0 for lists counted from 0).
        first: i64,
        /// The page-size query parameter, when there is one.
        size: Option<&'static str>,
        /// Where the body gives the total number of items.
        total: Option<&'static str>,
        /// Where the body gives the number of pages.
        total_pages: Option<&'static str>,
    },
}

/// Where the next page is: what the generated `send` applies to the
/// request it builds (see [`page_request`]).
#[derive(Debug, Clone)]
pub struct NextPage(Next);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Next {
    /// A whole URL, on the origin of the page that named it.
    Url(Url),
    /// The request's own URL with the query parameter `name` set to
    /// `value` (already encoded), and only `keep` of the others when it
    /// is not empty.
    Param {
        name: &'static str,
        value: String,
        keep: &'static [&'static str],
    },
}

/// The request for `path` (with its query) relative to the client's base
/// URL, or for the page `next` says instead: the generated `send` of an
/// operation that paginates builds its request with this.
pub fn page_request(
    client: &Client,
    method: Method,
    path: &str,
    next: Option<&NextPage>,
) -> RequestBuilder {
    match next.map(|next| &next.0) {
        None => client.request(method, path),
        Some(Next::Url(url)) => client.http().request(method, url.clone()),
        Some(Next::Param { name, value, keep }) => {
            client.request(method, &with_param(path, name, value, keep))
        }
    }
}

/// `path` with the query parameter `name` set to `value` (encoded),
/// every other pair kept byte for byte, or only those named in `keep`
/// when it is not empty.
fn with_param(path: &str, name: &str, value: &str, keep: &[&str]) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut out = String::from(path);
    let mut separator = '?';
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let key = decode_component(pair.split_once('=').map_or(pair, |(key, _)| key));
        if key == name || (!keep.is_empty() && !keep.contains(&key.as_str())) {
            continue;
        }
        out.push(separator);
        out.push_str(pair);
        separator = '&';
    }
    out.push(separator);
    out.push_str(&encode(name));
    out.push('=');
    out.push_str(value);
    out
}

/// A query component decoded as a form would send it (`+` a space).
fn decode_component(component: &str) -> String {
    percent_decode_str(&component.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Every page of an operation's list, in order, each a success response
/// decoded as `send_with_headers` would decode it. `send` sends a copy of
/// the `builder`'s request, for the page it is given (`None` for the
/// first, as the builder was set): a generated builder passes itself and
/// its `__send_page`, so that it needs no closure of its own. The stream
/// ends after the last page, or after the first error, which it yields.
pub fn pages<'a, B, T, H, E, S, F>(
    operation: &'static Operation,
    pagination: &'static Pagination,
    builder: B,
    send: S,
) -> impl Stream<Item = Result<WithHeaders<T, H>, Error<E>>> + Unpin + 'a
where
    B: Clone + 'a,
    T: DeserializeOwned + 'a,
    H: FromHeaders + 'a,
    E: 'a,
    S: Fn(B, Option<NextPage>) -> F + 'a,
    F: Future<Output = Result<Response, Error<E>>> + 'a,
{
    let send = move |next| send(builder.clone(), next);
    let state = State {
        send,
        step: Step::Fetch(None),
        counted: Counted::default(),
    };
    Box::pin(futures_util::stream::unfold(
        state,
        move |mut state| async move {
            let next = match std::mem::replace(&mut state.step, Step::Done) {
                Step::Done => return None,
                Step::Failed(error) => return Some((Err(error), state)),
                Step::Fetch(next) => next,
            };
            let page =
                fetch::<T, H, E, _>(operation, pagination, &state.send, next, &mut state.counted)
                    .await;
            match page {
                Err(error) => Some((Err(error), state)),
                Ok((page, after)) => {
                    state.step = match after {
                        Ok(Some(next)) => Step::Fetch(Some(next)),
                        Ok(None) => Step::Done,
                        Err(error) => Step::Failed(error),
                    };
                    Some((Ok(page), state))
                }
            }
        },
    ))
}

/// Every item of an operation's list, in order: the items `extract` takes
/// out of each of `pages`' bodies. Ends after the last page's items, or
/// with the first error.
pub fn items<'a, T, H, I, E, P>(
    pages: P,
    extract: fn(T) -> Vec<I>,
) -> impl Stream<Item = Result<I, Error<E>>> + Unpin + 'a
where
    P: Stream<Item = Result<WithHeaders<T, H>, Error<E>>> + Unpin + 'a,
    T: 'a,
    H: 'a,
    I: 'a,
    E: 'a,
{
    let state = (pages, VecDeque::new());
    Box::pin(futures_util::stream::unfold(
        state,
        move |(mut pages, mut buffered)| async move {
            loop {
                if let Some(item) = buffered.pop_front() {
                    return Some((Ok(item), (pages, buffered)));
                }
                match pages.next().await {
                    None => return None,
                    Some(Err(error)) => return Some((Err(error), (pages, buffered))),
                    Some(Ok(page)) => buffered.extend(extract(page.into_inner())),
                }
            }
        },
    ))
}

struct State<S, E> {
    send: S,
    step: Step<E>,
    counted: Counted,
}

enum Step<E> {
    /// Fetch this page (`None`: the first).
    Fetch(Option<NextPage>),
    /// The last page named a next one that cannot be followed.
    Failed(Error<E>),
    Done,
}

/// What the pages so far say, for the styles that count, and which pages
/// were asked for.
#[derive(Default)]
struct Counted {
    /// Items received on every page so far.
    items: u64,
    /// The first page's item count: a later page with fewer is the last
    /// when the request names no page size.
    first_page: Option<u64>,
    /// A keyed hash of every later page asked for (8 bytes a page, however
    /// long the cursors), so that a server sending the list round in a
    /// circle is caught.
    requested: HashSet<u64>,
    keys: RandomState,
}

type Page<T, H, E> = (WithHeaders<T, H>, Result<Option<NextPage>, Error<E>>);

/// Fetches one page and reads from it where the next one is.
async fn fetch<T, H, E, F>(
    operation: &'static Operation,
    pagination: &'static Pagination,
    send: &impl Fn(Option<NextPage>) -> F,
    next: Option<NextPage>,
    counted: &mut Counted,
) -> Result<Page<T, H, E>, Error<E>>
where
    T: DeserializeOwned,
    H: FromHeaders,
    F: Future<Output = Result<Response, Error<E>>>,
{
    if let Some(next) = &next {
        counted.requested.insert(counted.keys.hash_one(&next.0));
    }
    let mut response = send(next).await?;
    let (status, headers, url) = (
        response.status(),
        response.headers().clone(),
        response.url().clone(),
    );
    let (bytes, decode_error) = read_success_body(operation, &mut response).await?;
    drop(response);
    let body: T = serde_json::from_slice(&bytes).map_err(|source| decode_error(&bytes, source))?;
    // The same bytes parsed whole, for the members the page's position is
    // read from; they are JSON, since they just decoded.
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let after = next_page(pagination, &value, &headers, &url, counted)
        .map_err(|reason| Error::Pagination {
            operation: operation.id,
            reason,
        })
        .and_then(|next| match &next {
            Some(page) if counted.requested.contains(&counted.keys.hash_one(&page.0)) => {
                Err(Error::Pagination {
                    operation: operation.id,
                    reason: "the server named a page already fetched as the next one".to_owned(),
                })
            }
            _ => Ok(next),
        });
    Ok((WithHeaders::new(status, headers, body), after))
}

/// Where the page after the one at `url` is, or `None` when it was the
/// last. An error names what the server sent that cannot be followed.
fn next_page(
    pagination: &Pagination,
    body: &Value,
    headers: &HeaderMap,
    url: &Url,
    counted: &mut Counted,
) -> Result<Option<NextPage>, String> {
    let count = match body.pointer(pagination.items) {
        Some(Value::Array(items)) => items.len() as u64,
        _ => 0,
    };
    counted.items += count;
    let first_page = *counted.first_page.get_or_insert(count);
    if let Some(pointer) = pagination.has_more {
        if body.pointer(pointer) == Some(&Value::Bool(false)) {
            return Ok(None);
        }
    }
    let param = |name: &'static str, value: String, keep: &'static [&'static str]| {
        Some(NextPage(Next::Param { name, value, keep }))
    };
    // Whether a page of `count` items is the last of a list whose pages
    // hold `size` items (the request's, else the first page's count).
    let short = |size: Option<&'static str>| {
        let size = size
            .and_then(|name| query_value(url, name))
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(first_page);
        count == 0 || count < size
    };
    Ok(match &pagination.style {
        PageStyle::LinkHeader => match link_next(headers) {
            Some(target) => Some(NextPage(Next::Url(same_origin(url, &target)?))),
            None => None,
        },
        PageStyle::NextUrl { pointer } => match body.pointer(pointer) {
            Some(Value::String(target)) if !target.is_empty() => {
                Some(NextPage(Next::Url(same_origin(url, target)?)))
            }
            _ => None,
        },
        PageStyle::Cursor {
            param: name,
            pointer,
            keep,
        } => match body.pointer(pointer).and_then(scalar) {
            Some(cursor) => param(name, encode(&cursor), keep),
            None => None,
        },
        PageStyle::AfterLast { param: name, id } => {
            let more = pagination
                .has_more
                .is_some_and(|pointer| body.pointer(pointer) == Some(&Value::Bool(true)));
            let last = match body.pointer(pagination.items) {
                Some(Value::Array(items)) => items.last().and_then(|item| item.get(*id)),
                _ => None,
            };
            match last.and_then(scalar) {
                Some(last) if more => param(name, encode(&last), &[]),
                _ => None,
            }
        }
        PageStyle::Offset {
            param: name,
            limit,
            total,
        } => {
            let offset = query_value(url, name)
                .map(|value| value.parse::<u64>())
                .transpose()
                .map_err(|_| format!("the offset `{name}` of the page fetched is not a number"))?
                .unwrap_or(0);
            let next = offset + count;
            let total = total.and_then(|pointer| body.pointer(pointer)?.as_u64());
            if short(*limit) || total.is_some_and(|total| next >= total) {
                None
            } else {
                param(name, next.to_string(), &[])
            }
        }
        PageStyle::Page {
            param: name,
            first,
            size,
            total,
            total_pages,
        } => {
            let page = query_value(url, name)
                .map(|value| value.parse::<i64>())
                .transpose()
                .map_err(|_| {
                    format!("the page number `{name}` of the page fetched is not a number")
                })?
                .unwrap_or(*first);
            let pages_read = u64::try_from(page.saturating_sub(*first)).unwrap_or(0) + 1;
            let total = total.and_then(|pointer| body.pointer(pointer)?.as_u64());
            let total_pages = total_pages.and_then(|pointer| body.pointer(pointer)?.as_u64());
            if short(*size)
                || total.is_some_and(|total| counted.items >= total)
                || total_pages.is_some_and(|pages| pages_read >= pages)
            {
                None
            } else {
                param(name, page.saturating_add(1).to_string(), &[])
            }
        }
    })
}

/// A cursor or id as it goes in a query: a non-empty string, or a number.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Characters encoded in a query value: all but RFC 3986 unreserved ones.
const QUERY_VALUE: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The first value of the query parameter `name` in `url`.
fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The target of the first `Link` header value with `rel="next"` (RFC
/// 8288: `rel` holds space-separated relation types, compared without
/// regard to case).
fn link_next(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(split_links)
        .find(|(_, params)| {
            params.iter().any(|(name, value)| {
                name.eq_ignore_ascii_case("rel")
                    && value
                        .split_ascii_whitespace()
                        .any(|rel| rel.eq_ignore_ascii_case("next"))
            })
        })
        .map(|(target, _)| target)
}

/// The links of one `Link` header value: each `<target>` with its
/// parameters (`; name=value` or `; name="value"`), values unquoted.
fn split_links(header: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut links = Vec::new();
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let target = rest[start + 1..start + end].trim().to_owned();
        rest = &rest[start + end + 1..];
        let mut params = Vec::new();
        // Parameters run up to the next link's comma, outside quotes.
        loop {
            rest = rest.trim_start();
            let Some(after) = rest.strip_prefix(';') else {
                break;
            };
            let (name, after) = after.split_once('=').unwrap_or((after, ""));
            let after = after.trim_start();
            let (value, after) = match after.strip_prefix('"') {
                Some(quoted) => match quoted.find('"') {
                    Some(close) => (&quoted[..close], &quoted[close + 1..]),
                    None => (quoted, ""),
                },
                None => {
                    let end = after.find([';', ',']).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            params.push((name.trim().to_owned(), value.trim().to_owned()));
            rest = after;
        }
        links.push((target, params));
        rest = rest.trim_start().strip_prefix(',').unwrap_or(rest);
    }
    links
}

/// `target` resolved against `page`, which must leave it on `page`'s
/// origin: the credentials of the operation go with the request.
fn same_origin(page: &Url, target: &str) -> Result<Url, String> {
    let next = page
        .join(target)
        .map_err(|_| "the server named a next page whose URL is not valid".to_owned())?;
    if next.origin() != page.origin() {
        return Err(format!(
            "the server named a next page on another origin ({}), where the operation's credentials would go; not followed",
            next.origin().ascii_serialization()
        ));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;
    use serde_json::json;

    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn follow(pagination: &Pagination, body: Value, at: &str) -> Result<Option<Next>, String> {
        next_page(
            pagination,
            &body,
            &HeaderMap::new(),
            &url(at),
            &mut Counted::default(),
        )
        .map(|next| next.map(|next| next.0))
    }

    #[test]
    fn with_param_replaces_the_parameter_and_keeps_the_others_byte_for_byte() {
        assert_eq!(
            with_param(
                "/pets?filter%5Ba%5D=x+y&cursor=old&limit=5",
                "cursor",
                "n%2F1",
                &[]
            ),
            "/pets?filter%5Ba%5D=x+y&limit=5&cursor=n%2F1"
        );
        assert_eq!(with_param("/pets", "page", "2", &[]), "/pets?page=2");
        assert_eq!(
            with_param(
                "/v1/things?sort_by=name&limit=3&page_token=a",
                "page_token",
                "b",
                &["limit"]
            ),
            "/v1/things?limit=3&page_token=b"
        );
    }

    #[test]
    fn link_headers_are_read_as_rfc_8288_says() {
        let mut headers = HeaderMap::new();
        headers.append(
            LINK,
            HeaderValue::from_static(
                r#"<https://api.example.com/items?page=1>; rel="prev first", <https://api.example.com/items?page=3>; title="a, b; c"; REL="Next""#,
            ),
        );
        assert_eq!(
            link_next(&headers).as_deref(),
            Some("https://api.example.com/items?page=3")
        );
        let mut none = HeaderMap::new();
        none.append(
            LINK,
            HeaderValue::from_static(r#"<https://x.test/a>; rel="last""#),
        );
        assert_eq!(link_next(&none), None);
    }

    #[test]
    fn a_next_url_on_another_origin_is_refused() {
        let page = url("https://api.example.com/v1/items?page=1");
        assert_eq!(
            same_origin(&page, "/v1/items?page=2").unwrap().as_str(),
            "https://api.example.com/v1/items?page=2"
        );
        for elsewhere in [
            "https://evil.example/v1/items",
            "http://api.example.com/v1/items",
            "https://api.example.com:8443/v1/items",
            "//evil.example/x",
        ] {
            let refused = same_origin(&page, elsewhere).unwrap_err();
            assert!(refused.contains("another origin"), "{elsewhere}: {refused}");
        }
    }

    #[test]
    fn cursors_end_when_absent_null_or_empty_and_has_more_false_ends_any_style() {
        let cursor = Pagination {
            style: PageStyle::Cursor {
                param: "page_token",
                pointer: "/next_page",
                keep: &["limit"],
            },
            items: "/items",
            has_more: Some("/has_more"),
        };
        let at = "https://h.test/things?limit=2";
        assert_eq!(
            follow(&cursor, json!({"items": [1, 2], "next_page": "a b/c"}), at),
            Ok(Some(Next::Param {
                name: "page_token",
                value: "a%20b%2Fc".into(),
                keep: &["limit"]
            }))
        );
        for end in [
            json!({"items": [1]}),
            json!({"items": [1], "next_page": null}),
            json!({"items": [1], "next_page": ""}),
            json!({"items": [1], "next_page": "x", "has_more": false}),
        ] {
            assert_eq!(follow(&cursor, end.clone(), at), Ok(None), "{end}");
        }
    }

    #[test]
    fn stripe_lists_go_on_after_the_last_id_while_has_more() {
        let stripe = Pagination {
            style: PageStyle::AfterLast {
                param: "starting_after",
                id: "id",
            },
            items: "/data",
            has_more: Some("/has_more"),
        };
        let at = "https://h.test/v1/customers?limit=2";
        assert_eq!(
            follow(
                &stripe,
                json!({"data": [{"id": "c1"}, {"id": "c2"}], "has_more": true}),
                at
            ),
            Ok(Some(Next::Param {
                name: "starting_after",
                value: "c2".into(),
                keep: &[]
            }))
        );
        assert_eq!(
            follow(
                &stripe,
                json!({"data": [{"id": "c3"}], "has_more": false}),
                at
            ),
            Ok(None)
        );
        assert_eq!(
            follow(&stripe, json!({"data": [], "has_more": true}), at),
            Ok(None)
        );
    }

    #[test]
    fn offsets_advance_by_the_items_received_and_stop_at_the_total_or_a_short_page() {
        let offset = Pagination {
            style: PageStyle::Offset {
                param: "offset",
                limit: Some("limit"),
                total: Some("/total"),
            },
            items: "",
            has_more: None,
        };
        let next = |body: Value, at: &str| follow(&offset, body, at);
        assert_eq!(
            next(json!([1, 2]), "https://h.test/a?limit=2&offset=4"),
            Ok(Some(Next::Param {
                name: "offset",
                value: "6".into(),
                keep: &[]
            }))
        );
        assert_eq!(
            next(json!([1]), "https://h.test/a?limit=2&offset=4"),
            Ok(None)
        );
        assert_eq!(next(json!([]), "https://h.test/a"), Ok(None));
        assert!(next(json!([1]), "https://h.test/a?offset=x")
            .unwrap_err()
            .contains("not a number"));
        let with_total = Pagination {
            items: "/rows",
            ..offset
        };
        assert_eq!(
            follow(
                &with_total,
                json!({"rows": [1, 2], "total": 6}),
                "https://h.test/a?limit=2&offset=4"
            ),
            Ok(None)
        );
    }

    #[test]
    fn page_numbers_count_from_the_first_and_stop_at_the_page_count() {
        let paged = Pagination {
            style: PageStyle::Page {
                param: "page",
                first: 1,
                size: Some("per_page"),
                total: None,
                total_pages: Some("/pages"),
            },
            items: "/results",
            has_more: None,
        };
        assert_eq!(
            follow(
                &paged,
                json!({"results": [1, 2], "pages": 3}),
                "https://h.test/a?per_page=2"
            ),
            Ok(Some(Next::Param {
                name: "page",
                value: "2".into(),
                keep: &[]
            }))
        );
        assert_eq!(
            follow(
                &paged,
                json!({"results": [1, 2], "pages": 3}),
                "https://h.test/a?per_page=2&page=3"
            ),
            Ok(None)
        );
        // Without a size in the request, a page shorter than the first ends
        // the list.
        let mut counted = Counted::default();
        let at = url("https://h.test/a");
        let body = |n: usize| json!({"results": vec![0; n]});
        let mut read = |n: usize, at: &Url| {
            next_page(&paged, &body(n), &HeaderMap::new(), at, &mut counted)
                .unwrap()
                .is_some()
        };
        assert!(read(3, &at));
        assert!(read(3, &url("https://h.test/a?page=2")));
        assert!(!read(1, &url("https://h.test/a?page=3")));
    }
}
