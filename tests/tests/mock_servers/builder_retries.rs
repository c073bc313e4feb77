//! Retries set on one generated request builder, and the idempotency keys
//! a generated client fills (`fixtures/idempotency.yaml`): `.retries(...)`
//! overrides the client's policy for one call, and a POST or PATCH that
//! declares an idempotency header is sent with a fresh UUID in it, the
//! same on every attempt, and so is retried.

use std::sync::Arc;

use integration_tests::idempotency::{types, Client};
use integration_tests::support::mock::requests_to;
use runtime::clock::ManualClock;
use runtime::uuid::Uuid;
use runtime::{Error, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A server whose `verb` of `route` answers 503 once, then `then`.
async fn failing_once(verb: &str, route: &str, then: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(then)
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

/// A client of `server` with the default retry policy, whose waits pass on
/// a manual clock rather than in real time.
fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .clock(Arc::new(ManualClock::new()))
        .build()
        .unwrap()
}

/// The value of the header `name` of each request, in order.
fn header_values(requests: &[Request], name: &str) -> Vec<String> {
    requests
        .iter()
        .map(|request| request.headers[name].to_str().unwrap().to_owned())
        .collect()
}

fn order() -> types::Order {
    types::Order {
        item: "tea".to_owned(),
    }
}

#[tokio::test]
async fn a_builder_without_retries_is_sent_once() {
    let server = failing_once("GET", "/orders", ResponseTemplate::new(200)).await;
    let error = client(&server)
        .list_orders()
        .retries(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api { status, .. } if status.as_u16() == 503),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "/orders").await.len(), 1);
}

#[tokio::test]
async fn a_builder_retries_with_the_client_policy_by_default() {
    let ok = ResponseTemplate::new(200).set_body_json(serde_json::json!([{"item": "tea"}]));
    let server = failing_once("GET", "/orders", ok).await;
    let orders = client(&server).list_orders().send().await.unwrap();
    assert_eq!(orders, vec![order()]);
    assert_eq!(requests_to(&server, "/orders").await.len(), 2);
}

#[tokio::test]
async fn a_declared_idempotency_key_is_generated_once_and_retried() {
    let created = ResponseTemplate::new(201).set_body_json(serde_json::json!({"item": "tea"}));
    let server = failing_once("POST", "/orders", created).await;
    let client = client(&server);
    assert_eq!(client.create_order(order()).send().await.unwrap(), order());
    let keys = header_values(&requests_to(&server, "/orders").await, "idempotency-key");
    assert_eq!(keys.len(), 2, "retried: {keys:?}");
    assert_eq!(keys[0], keys[1], "one key for every attempt");
    let key = Uuid::parse_str(&keys[0]).unwrap();
    assert_eq!(key.get_version_num(), 4);

    // Another call, another key; a key the caller sets is sent as it is.
    client.create_order(order()).send().await.unwrap();
    client
        .create_order(order())
        .idempotency_key("order-7".to_owned())
        .send()
        .await
        .unwrap();
    let keys = header_values(&requests_to(&server, "/orders").await, "idempotency-key");
    assert_eq!(keys.len(), 4);
    assert_ne!(keys[2], keys[0]);
    assert_eq!(keys[3], "order-7");
}

#[tokio::test]
async fn an_x_idempotency_key_makes_a_patch_retriable() {
    let server = failing_once("PATCH", "/orders/7", ResponseTemplate::new(204)).await;
    client(&server)
        .update_order(7, order())
        .send()
        .await
        .unwrap();
    let keys = header_values(
        &requests_to(&server, "/orders/7").await,
        "x-idempotency-key",
    );
    assert_eq!(keys.len(), 2, "retried: {keys:?}");
    assert_eq!(keys[0], keys[1]);
    Uuid::parse_str(&keys[0]).unwrap();
}
