//! Lists across pages (`fixtures/pagination.yaml`): for each shape the
//! generator recognises, `items()` yields every item of a three-page list
//! once, in order, each page requested through the operation's own path
//! (its API key, retries); an empty list ends at once; an error on page 2
//! ends the stream with that error; and a server that names a page on
//! another origin, or the same page again, is not followed.

use std::sync::Arc;

use futures::{Stream, StreamExt};
use integration_tests::pagination::{auth, types, Client};
use runtime::clock::ManualClock;
use runtime::Error;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

const KEY: &str = "k-page";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .auth(auth::Key::key(KEY))
        .clock(Arc::new(ManualClock::new()))
        .build()
        .unwrap()
}

/// Items `first..first + n`, as JSON.
fn items(first: usize, n: usize) -> Value {
    (first..first + n)
        .map(|i| json!({"id": format!("i{i}"), "name": format!("item {i}")}))
        .collect()
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// Mounts `answer` for `GET route` with the API key, matched further by
/// `matching`.
async fn mount(
    server: &MockServer,
    route: &str,
    matching: impl FnOnce(MockBuilder) -> MockBuilder,
    answer: ResponseTemplate,
) {
    matching(
        Mock::given(method("GET"))
            .and(path(route))
            .and(header("x-api-key", KEY)),
    )
    .respond_with(answer)
    .mount(server)
    .await;
}

/// Mounts the pages of a list at `route`: `first` for the request without
/// the query parameter `param`, then each answer of `later` for `param`
/// set to its value.
async fn mount_pages<const N: usize>(
    server: &MockServer,
    route: &str,
    param: &str,
    first: ResponseTemplate,
    later: [(&str, ResponseTemplate); N],
) {
    mount(
        server,
        route,
        |m| m.and(query_param_is_missing(param)),
        first,
    )
    .await;
    for (value, answer) in later {
        mount(server, route, |m| m.and(query_param(param, value)), answer).await;
    }
}

/// Every item the stream yields, and the error that ended it, if any.
async fn drain<T, E>(
    stream: impl Stream<Item = Result<T, Error<E>>> + Unpin,
) -> (Vec<T>, Option<Error<E>>) {
    let mut stream = stream;
    let mut received = Vec::new();
    while let Some(next) = stream.next().await {
        match next {
            Ok(item) => received.push(item),
            Err(error) => {
                assert!(stream.next().await.is_none(), "nothing after an error");
                return (received, Some(error));
            }
        }
    }
    (received, None)
}

fn ids(items: &[types::Item]) -> Vec<String> {
    items.iter().map(|item| item.id.clone()).collect()
}

fn expected(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("i{i}")).collect()
}

/// The requests the server received for `route`, in order.
async fn requests_to(server: &MockServer, route: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|request| request.url.path() == route)
        .collect()
}

fn queries(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|request| request.url.query().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn link_headers_are_followed_to_the_last_page() {
    let server = MockServer::start().await;
    let link = |page: u32| {
        format!(
            "<{}/linked?per_page=2&page={page}>; rel=\"next\"",
            server.uri()
        )
    };
    mount_pages(
        &server,
        "/linked",
        "page",
        ok(items(0, 2)).insert_header("link", link(2)),
        [
            ("2", ok(items(2, 2)).insert_header("link", link(3))),
            ("3", ok(items(4, 1))),
        ],
    )
    .await;

    let (received, error) = drain(client(&server).list_linked().per_page(2).items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(5));
    assert_eq!(
        queries(&requests_to(&server, "/linked").await),
        ["per_page=2", "per_page=2&page=2", "per_page=2&page=3"]
    );
}

#[tokio::test]
async fn pages_carry_their_headers() {
    let server = MockServer::start().await;
    let link = format!("<{}/linked?page=2>; rel=\"next\"", server.uri());
    mount(
        &server,
        "/linked",
        |m| m.and(query_param_is_missing("page")),
        ok(items(0, 2)).insert_header("link", link.as_str()),
    )
    .await;
    mount(
        &server,
        "/linked",
        |m| m.and(query_param("page", "2")),
        ok(items(2, 1)),
    )
    .await;

    let pages: Vec<_> = client(&server).list_linked().pages().collect().await;
    let pages: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
    assert_eq!(pages.len(), 2);
    assert_eq!(
        pages[0].typed_headers().link.as_deref(),
        Some(link.as_str())
    );
    assert_eq!(pages[1].typed_headers().link, None);
    assert_eq!(ids(pages[1].body()), ["i2"]);
}

#[tokio::test]
async fn cursors_in_the_body_are_sent_back_keeping_the_other_parameters() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/cursored",
        "pageToken",
        ok(json!({"items": items(0, 2), "nextPageToken": "t/2"})),
        [
            (
                "t/2",
                ok(json!({"items": items(2, 2), "nextPageToken": "t3"})),
            ),
            ("t3", ok(json!({"items": items(4, 2), "nextPageToken": ""}))),
        ],
    )
    .await;

    let (received, error) = drain(client(&server).list_cursored().page_size(2).items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(6));
    assert_eq!(
        queries(&requests_to(&server, "/cursored").await),
        [
            "pageSize=2",
            "pageSize=2&pageToken=t%2F2",
            "pageSize=2&pageToken=t3"
        ]
    );
}

#[tokio::test]
async fn stripe_lists_continue_after_the_last_id_while_has_more() {
    let server = MockServer::start().await;
    let page =
        |first, n, more| ok(json!({"object": "list", "data": items(first, n), "has_more": more}));
    mount_pages(
        &server,
        "/customers",
        "starting_after",
        page(0, 2, true),
        [("i1", page(2, 2, true)), ("i3", page(4, 2, false))],
    )
    .await;

    let (received, error) = drain(client(&server).list_customers().limit(2).items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(6));
    assert_eq!(requests_to(&server, "/customers").await.len(), 3);
}

#[tokio::test]
async fn offsets_advance_by_the_items_received_up_to_the_total() {
    let server = MockServer::start().await;
    let page = |first, n| ok(json!({"results": items(first, n), "total": 5}));
    mount_pages(
        &server,
        "/offset",
        "offset",
        page(0, 2),
        [("2", page(2, 2)), ("4", page(4, 1))],
    )
    .await;

    let (received, error) = drain(client(&server).list_by_offset().limit(2).items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(5));
    assert_eq!(requests_to(&server, "/offset").await.len(), 3);
}

#[tokio::test]
async fn page_numbers_end_on_a_short_page() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/paged",
        "page",
        ok(items(0, 3)),
        [("2", ok(items(3, 3))), ("3", ok(items(6, 1)))],
    )
    .await;

    // No page size in the request: the first page's count is the size.
    let (received, error) = drain(client(&server).list_by_page().items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(7));
    assert_eq!(requests_to(&server, "/paged").await.len(), 3);
}

#[tokio::test]
async fn next_urls_in_the_body_are_followed() {
    let server = MockServer::start().await;
    let next = |page: u32| format!("{}/next-url?pagelen=2&page={page}", server.uri());
    mount(
        &server,
        "/next-url",
        |m| m.and(query_param_is_missing("page")),
        ok(json!({"values": items(0, 2), "next": next(2)})),
    )
    .await;
    // A relative URL resolves against the page that named it.
    mount(
        &server,
        "/next-url",
        |m| m.and(query_param("page", "2")),
        ok(json!({"values": items(2, 2), "next": "/next-url?pagelen=2&page=3"})),
    )
    .await;
    mount(
        &server,
        "/next-url",
        |m| m.and(query_param("page", "3")),
        ok(json!({"values": items(4, 2)})),
    )
    .await;

    let (received, error) = drain(client(&server).list_with_next_url().pagelen(2).items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(6));
}

#[tokio::test]
async fn dropshot_pages_after_the_first_carry_only_the_limit_and_the_token() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/dropshot",
        "page_token",
        ok(json!({"items": items(0, 2), "next_page": "p2"})),
        [
            ("p2", ok(json!({"items": items(2, 2), "next_page": "p3"}))),
            ("p3", ok(json!({"items": items(4, 1), "next_page": null}))),
        ],
    )
    .await;

    let client = client(&server);
    let list = client
        .list_dropshot()
        .limit(2)
        .sort_by(types::ListDropshotSortBy::NameDescending);
    let (received, error) = drain(list.items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(5));
    assert_eq!(
        queries(&requests_to(&server, "/dropshot").await),
        [
            "limit=2&sort_by=name_descending",
            "limit=2&page_token=p2",
            "limit=2&page_token=p3"
        ]
    );
}

#[tokio::test]
async fn the_x_pagination_extension_declares_a_shape_inference_cannot_see() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/custom",
        "continue",
        ok(json!({"entries": items(0, 2), "meta": {"continue": "c2"}})),
        [
            (
                "c2",
                ok(json!({"entries": items(2, 2), "meta": {"continue": "c3"}})),
            ),
            ("c3", ok(json!({"entries": items(4, 1), "meta": {}}))),
        ],
    )
    .await;

    let (received, error) = drain(client(&server).list_custom().items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(5));
}

#[tokio::test]
async fn an_empty_list_ends_at_once() {
    let server = MockServer::start().await;
    mount(&server, "/cursored", |m| m, ok(json!({"items": []}))).await;
    mount(&server, "/paged", |m| m, ok(json!([]))).await;
    mount(
        &server,
        "/customers",
        |m| m,
        ok(json!({"object": "list", "data": [], "has_more": false})),
    )
    .await;

    let client = client(&server);
    assert_eq!(drain(client.list_cursored().items()).await.0.len(), 0);
    assert_eq!(drain(client.list_by_page().items()).await.0.len(), 0);
    assert_eq!(drain(client.list_customers().items()).await.0.len(), 0);
    for route in ["/cursored", "/paged", "/customers"] {
        assert_eq!(requests_to(&server, route).await.len(), 1, "{route}");
    }
}

#[tokio::test]
async fn an_error_on_page_two_ends_the_stream_with_that_error() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/cursored",
        |m| m.and(query_param_is_missing("pageToken")),
        ok(json!({"items": items(0, 2), "nextPageToken": "t2"})),
    )
    .await;
    mount(
        &server,
        "/cursored",
        |m| m.and(query_param("pageToken", "t2")),
        ResponseTemplate::new(400).set_body_json(json!({"message": "token expired"})),
    )
    .await;

    let (received, error) = drain(client(&server).list_cursored().items()).await;
    assert_eq!(ids(&received), expected(2));
    match error {
        Some(Error::ErrorResponse { status, body, .. }) => {
            assert_eq!(status.as_u16(), 400);
            assert_eq!(body.message, "token expired");
        }
        other => panic!("expected the page's error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_transient_failure_on_a_later_page_is_retried() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/cursored",
        |m| m.and(query_param_is_missing("pageToken")),
        ok(json!({"items": items(0, 2), "nextPageToken": "t2"})),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/cursored"))
        .and(query_param("pageToken", "t2"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/cursored"))
        .and(query_param("pageToken", "t2"))
        .respond_with(ok(json!({"items": items(2, 1)})))
        .with_priority(2)
        .mount(&server)
        .await;

    let (received, error) = drain(client(&server).list_cursored().items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids(&received), expected(3));
    assert_eq!(requests_to(&server, "/cursored").await.len(), 3);
}

#[tokio::test]
async fn a_next_page_on_another_origin_is_not_followed() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    mount(&elsewhere, "/linked", |m| m, ok(items(9, 1))).await;
    let link = format!("<{}/linked?page=2>; rel=\"next\"", elsewhere.uri());
    mount(
        &server,
        "/linked",
        |m| m,
        ok(items(0, 2)).insert_header("link", link.as_str()),
    )
    .await;

    let (received, error) = drain(client(&server).list_linked().items()).await;
    assert_eq!(ids(&received), expected(2));
    assert!(
        matches!(&error, Some(Error::Pagination { operation: "listLinked", reason }) if reason.contains("another origin")),
        "{error:?}"
    );
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "the API key went elsewhere"
    );
}

#[tokio::test]
async fn a_cursor_naming_the_page_just_fetched_ends_the_stream() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/cursored",
        |m| m,
        ok(json!({"items": items(0, 1), "nextPageToken": "again"})),
    )
    .await;

    let (received, error) = drain(client(&server).list_cursored().items()).await;
    assert_eq!(received.len(), 2, "the first page and the one it named");
    assert!(
        matches!(&error, Some(Error::Pagination { .. })),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "/cursored").await.len(), 2);
}

#[tokio::test]
async fn cursors_going_round_in_a_circle_end_the_stream() {
    let server = MockServer::start().await;
    // a -> b -> a: each page names one already fetched in turn.
    mount_pages(
        &server,
        "/cursored",
        "pageToken",
        ok(json!({"items": items(0, 1), "nextPageToken": "a"})),
        [
            ("a", ok(json!({"items": items(1, 1), "nextPageToken": "b"}))),
            ("b", ok(json!({"items": items(2, 1), "nextPageToken": "a"}))),
        ],
    )
    .await;

    let (received, error) = drain(client(&server).list_cursored().items()).await;
    assert_eq!(ids(&received), expected(3));
    assert!(
        matches!(&error, Some(Error::Pagination { reason, .. }) if reason.contains("already fetched")),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "/cursored").await.len(), 3);
}
