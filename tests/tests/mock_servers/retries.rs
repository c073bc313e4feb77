//! Retries of a generated client's calls: a 503 and a 429 with
//! `Retry-After` are retried (the wait measured on the client's manual
//! clock, so nothing waits in real time), a POST without an idempotency
//! key is not. `runtime/tests/retries.rs` holds the rest: dropped
//! connections, budgets, opting in and out, the 401 renewal and token
//! requests.

use std::time::Duration;

use integration_tests::client_credentials::types;
use integration_tests::support::mock::{
    clocked_client, expected_pets, pets, requests_to, token_response,
};
use runtime::auth::ClientAuthMethod;
use runtime::clock::Clock;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A token endpoint, and `GET /api/pets` answering `first` once, then the
/// pets.
async fn server_failing_once(first: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/pets"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/pets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pets()))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_503_then_200_is_the_200() {
    let server = server_failing_once(ResponseTemplate::new(503)).await;
    let (client, clock) = clocked_client(&server, ClientAuthMethod::Basic);
    let start = clock.now();
    assert_eq!(client.list_pets().send().await.unwrap(), expected_pets());
    assert_eq!(requests_to(&server, "/api/pets").await.len(), 2);
    // A jittered wait under the first backoff's ceiling.
    assert!(clock.now() - start < Duration::from_millis(500));
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "1");
    let server = server_failing_once(limited).await;
    let (client, clock) = clocked_client(&server, ClientAuthMethod::Basic);
    let start = clock.now();
    assert_eq!(client.list_pets().send().await.unwrap(), expected_pets());
    assert_eq!(clock.now() - start, Duration::from_secs(1));
    assert_eq!(requests_to(&server, "/api/pets").await.len(), 2);
}

#[tokio::test]
async fn a_post_without_an_idempotency_key_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", 3600))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/pets"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (client, clock) = clocked_client(&server, ClientAuthMethod::Basic);
    let start = clock.now();
    let error = client
        .create_pet(types::NewPet {
            name: "Eight".into(),
            tag: None,
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error:?}");
    assert_eq!(requests_to(&server, "/api/pets").await.len(), 1);
    assert_eq!(clock.now(), start, "no wait");
}
