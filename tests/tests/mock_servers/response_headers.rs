//! Responses with their metadata (`fixtures/response_headers.yaml`):
//! `send_with_headers` returns the decoded body with the status, the
//! headers, and the headers the document declares read as their types.

use integration_tests::response_headers::builders::{GetItemResponse, ListItemsHeaders};
use integration_tests::response_headers::{types, Client};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder().base_url(server.uri()).build().unwrap()
}

#[tokio::test]
async fn a_typed_rate_limit_header_is_read_from_a_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "41")
                .insert_header("x-ratelimit-reset", "2030-01-01T00:00:00Z")
                .insert_header("x-request-id", "not a uuid")
                .insert_header("x-mode", "fast")
                .set_body_json(serde_json::json!([{"id": 7}])),
        )
        .mount(&server)
        .await;

    let response = client(&server)
        .list_items()
        .send_with_headers()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
    let typed: &ListItemsHeaders = response.typed_headers();
    // Declared and of their type: typed (an alias of `integer` too).
    assert_eq!(typed.x_rate_limit_remaining, Some(41));
    assert_eq!(
        typed.x_rate_limit_reset.map(|at| at.timestamp()),
        Some(1_893_456_000)
    );
    // Declared, absent or not of their type: `None`, and still raw.
    assert_eq!((typed.x_request_id, typed.link.as_deref()), (None, None));
    assert_eq!(response.headers()["x-request-id"], "not a uuid");
    // An enum is not a simple schema: only in the header map.
    assert_eq!(response.headers()["x-mode"], "fast");
    assert_eq!(response.into_inner(), vec![types::Item { id: 7 }]);
}

#[tokio::test]
async fn bodiless_and_multi_status_responses_keep_their_headers() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/items"))
        .respond_with(ResponseTemplate::new(204).insert_header("x-cleared", "3"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/items/1"))
        .respond_with(ResponseTemplate::new(202).insert_header("retry-after", "30"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/items/2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v2\"")
                .set_body_json(serde_json::json!({"id": 2})),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/items/2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 2})))
        .mount(&server)
        .await;
    let client = client(&server);

    let cleared = client.clear_items().send_with_headers().await.unwrap();
    assert_eq!(cleared.status().as_u16(), 204);
    assert_eq!(cleared.typed_headers().x_cleared, Some(3));

    let pending = client.get_item(1).send_with_headers().await.unwrap();
    assert_eq!(pending.typed_headers().retry_after, Some(30));
    assert!(matches!(pending.body(), GetItemResponse::Accepted));

    let (status, headers, typed, body) = client
        .get_item(2)
        .send_with_headers()
        .await
        .unwrap()
        .into_parts();
    assert_eq!(status.as_u16(), 200);
    assert_eq!(headers["etag"], "\"v2\"");
    assert_eq!(typed.e_tag.as_deref(), Some("\"v2\""));
    assert_eq!(body, GetItemResponse::Ok(types::Item { id: 2 }));

    // Without declared headers, the typed part is `()`.
    let put: integration_tests::response_headers::Response<types::Item> =
        client.put_item(2).send_with_headers().await.unwrap();
    assert_eq!(put.body(), &types::Item { id: 2 });
}
