//! Retries against in-process servers (wiremock, or a raw TCP listener
//! that drops a connection): what is retried and what is not, the waits
//! chosen (measured on a manual clock, so nothing waits in real time), the
//! inspector's view of each attempt, the 401 renewal kept apart, and token
//! requests retried once for all the callers waiting on them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use runtime::auth::{ClientAuthMethod, OAuth2};
use runtime::clock::{Clock, ManualClock};
use runtime::discovery::Discovery;
use runtime::inspect::{ApiExchange, Inspector};
use runtime::reqwest::Method;
use runtime::security::{Operation, SchemeUse};
use runtime::{Client, ClientBuilder, Error, RetryPolicy, TokenError};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Needs no credentials.
static ANONYMOUS: Operation = Operation {
    id: "anonymous",
    alternatives: &[],
    anonymous: true,
};

/// Needs the OAuth2 scheme `auth`.
static WITH_TOKEN: Operation = Operation {
    id: "withToken",
    alternatives: &[&[SchemeUse {
        scheme: "auth",
        scopes: &["read"],
    }]],
    anonymous: false,
};

/// Keeps every API exchange.
#[derive(Default)]
struct Recorder(Mutex<Vec<ApiExchange>>);

impl Inspector for Recorder {
    fn api_exchange(&self, exchange: &ApiExchange) {
        self.0.lock().unwrap().push(exchange.clone());
    }
}

impl Recorder {
    /// Each attempt's number, status and chosen wait.
    fn attempts(&self) -> Vec<(u32, Option<u16>, Option<Duration>)> {
        let exchanges = self.0.lock().unwrap();
        exchanges
            .iter()
            .map(|e| (e.attempt, e.status, e.retry_in))
            .collect()
    }
}

/// A client of `base_url` on a manual clock, with an inspector.
fn client(base_url: &str) -> (Client, Arc<ManualClock>, Arc<Recorder>) {
    let clock = Arc::new(ManualClock::new());
    let recorder = Arc::new(Recorder::default());
    let client = ClientBuilder::<Client>::new(base_url)
        .clock(clock.clone())
        .inspector(recorder.clone())
        .build()
        .unwrap();
    (client, clock, recorder)
}

/// Answers `method path` with `first` once, then with `then`.
async fn mount_once_then(
    server: &MockServer,
    verb: &str,
    route: &str,
    first: ResponseTemplate,
    then: ResponseTemplate,
) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

async fn calls(server: &MockServer, route: &str) -> Vec<wiremock::Request> {
    let received = server.received_requests().await.unwrap();
    received
        .into_iter()
        .filter(|r| r.url.path() == route)
        .collect()
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
}

#[tokio::test]
async fn a_503_is_retried_after_a_jittered_backoff() {
    let server = MockServer::start().await;
    mount_once_then(&server, "GET", "/pets", ResponseTemplate::new(503), ok()).await;
    let (client, clock, recorder) = client(&server.uri());
    let start = clock.now();
    let response = client
        .execute(&ANONYMOUS, client.request(Method::GET, "/pets"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(calls(&server, "/pets").await.len(), 2);
    let attempts = recorder.attempts();
    let [(1, Some(503), Some(delay)), (2, Some(200), None)] = attempts[..] else {
        panic!("{attempts:?}");
    };
    // Full jitter under the first ceiling, 0.5 s; waited on the clock.
    assert!(delay < Duration::from_millis(500), "{delay:?}");
    assert_eq!(clock.now() - start, delay);
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("retry-after", "1");
    mount_once_then(&server, "GET", "/pets", limited, ok()).await;
    let (client, clock, recorder) = client(&server.uri());
    let start = clock.now();
    client
        .execute(&ANONYMOUS, client.request(Method::GET, "/pets"))
        .await
        .unwrap();
    assert_eq!(clock.now() - start, Duration::from_secs(1));
    assert_eq!(
        recorder.attempts(),
        [
            (1, Some(429), Some(Duration::from_secs(1))),
            (2, Some(200), None)
        ]
    );
}

#[tokio::test]
async fn a_wait_past_the_time_budget_is_not_made() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("retry-after", "120");
    mount_once_then(&server, "GET", "/pets", limited, ok()).await;
    let (client, clock, _) = client(&server.uri());
    let start = clock.now();
    let error = client
        .execute(&ANONYMOUS, client.request(Method::GET, "/pets"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api { status, .. } if status.as_u16() == 429),
        "{error:?}"
    );
    assert_eq!(clock.now(), start);
    assert_eq!(calls(&server, "/pets").await.len(), 1);
}

#[tokio::test]
async fn retries_stop_after_the_maximum_and_the_last_answer_is_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let (client, _, recorder) = client(&server.uri());
    let error = client
        .execute(&ANONYMOUS, client.request(Method::GET, "/pets"))
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::Api { status, .. } if status.as_u16() == 502));
    // The default: 2 retries.
    let numbers: Vec<u32> = recorder.attempts().iter().map(|a| a.0).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(recorder.attempts()[2].2, None);
}

#[tokio::test]
async fn a_post_is_retried_only_with_an_idempotency_key_or_when_asked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (client, _, _) = client(&server.uri());
    let post = || client.request(Method::POST, "/pets").body("{}");
    let error = client.execute(&ANONYMOUS, post()).await.unwrap_err();
    assert!(matches!(error, Error::Api { .. }));
    assert_eq!(calls(&server, "/pets").await.len(), 1, "not retried");

    let keyed = post().header("Idempotency-Key", "key-1");
    client.execute(&ANONYMOUS, keyed).await.unwrap_err();
    let keyed_calls = &calls(&server, "/pets").await[1..];
    assert_eq!(keyed_calls.len(), 3);
    assert!(keyed_calls
        .iter()
        .all(|c| c.headers.get("idempotency-key").unwrap() == "key-1"));

    let opted_in = RetryPolicy::default()
        .max_retries(1)
        .retry_non_idempotent(true);
    client
        .execute_with_retries(&ANONYMOUS, post(), &opted_in)
        .await
        .unwrap_err();
    assert_eq!(calls(&server, "/pets").await.len(), 6);
}

#[tokio::test]
async fn one_call_can_turn_retries_off_and_the_client_can_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (client, _, _) = client(&server.uri());
    let request = client.request(Method::GET, "/pets");
    client
        .execute_with_retries(&ANONYMOUS, request, &RetryPolicy::none())
        .await
        .unwrap_err();
    assert_eq!(calls(&server, "/pets").await.len(), 1);
    let off = ClientBuilder::<Client>::new(server.uri())
        .retries(RetryPolicy::none())
        .build()
        .unwrap();
    off.execute(&ANONYMOUS, off.request(Method::GET, "/pets"))
        .await
        .unwrap_err();
    assert_eq!(calls(&server, "/pets").await.len(), 2);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        // The first connection reads the request and closes unanswered.
        let (mut dropped, _) = listener.accept().await.unwrap();
        let mut buffer = [0; 4096];
        let _ = dropped.read(&mut buffer).await.unwrap();
        drop(dropped);
        let (mut answered, _) = listener.accept().await.unwrap();
        let _ = answered.read(&mut buffer).await.unwrap();
        answered
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
            .await
            .unwrap();
    });
    let (client, _, recorder) = client(&format!("http://{address}"));
    let response = client
        .execute(&ANONYMOUS, client.request(Method::GET, "/pets"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.await.unwrap();
    let attempts = recorder.attempts();
    assert!(
        matches!(attempts[..], [(1, None, Some(_)), (2, Some(200), None)]),
        "{attempts:?}"
    );
}

/// OAuth2 client credentials from `token_url`, sent in the body.
fn credentials(token_url: &str) -> OAuth2 {
    OAuth2::client_credentials("auth", token_url, "id", "secret")
        .client_auth(ClientAuthMethod::Body)
}

/// A client of `server` with `credential`, on `clock`.
fn oauth_client_with(server: &MockServer, credential: OAuth2, clock: Arc<ManualClock>) -> Client {
    ClientBuilder::<Client>::new(server.uri())
        .auth(credential)
        .clock(clock)
        .build()
        .unwrap()
}

/// A client of `server` whose OAuth2 client credentials come from
/// `/oauth/token`.
fn oauth_client(server: &MockServer) -> Client {
    oauth_client_with(
        server,
        credentials("/oauth/token"),
        Arc::new(ManualClock::new()),
    )
}

fn token(value: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": value,
        "token_type": "Bearer",
        "expires_in": 3600,
    }))
}

#[tokio::test]
async fn a_401_renews_once_apart_from_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok"))
        .mount(&server)
        .await;
    // 401, then 503, then 401 for good.
    for (status, priority) in [(401, 1), (503, 2)] {
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .with_priority(3)
        .mount(&server)
        .await;
    let client = oauth_client(&server);
    let error = client
        .execute(&WITH_TOKEN, client.request(Method::GET, "/pets"))
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::Api { status, .. } if status.as_u16() == 401));
    // The renewal did not use up a retry (the 503 was retried) and the
    // second 401 renewed nothing more than the token it rejected.
    assert_eq!(calls(&server, "/pets").await.len(), 3);
    assert_eq!(calls(&server, "/oauth/token").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_requests_are_retried_once_for_all_waiters() {
    let server = MockServer::start().await;
    mount_once_then(
        &server,
        "POST",
        "/oauth/token",
        ResponseTemplate::new(503),
        token("tok"),
    )
    .await;
    Mock::given(method("GET"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let client = oauth_client(&server);
    let mut waiters = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let client = client.clone();
        waiters.spawn(async move {
            client
                .execute(&WITH_TOKEN, client.request(Method::GET, "/pets"))
                .await
                .map(|response| response.status())
        });
    }
    while let Some(result) = waiters.join_next().await {
        assert_eq!(result.unwrap().unwrap(), 200);
    }
    assert_eq!(calls(&server, "/oauth/token").await.len(), 2);
}

#[tokio::test]
async fn oauth2_errors_from_the_token_endpoint_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_client"})))
        .mount(&server)
        .await;
    let client = oauth_client(&server);
    let error = client
        .execute(&WITH_TOKEN, client.request(Method::GET, "/pets"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Token {
                source: TokenError::OAuth2(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(calls(&server, "/oauth/token").await.len(), 1);
}

#[tokio::test]
async fn a_token_endpoint_429_waits_as_long_as_retry_after_says() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("retry-after", "7");
    mount_once_then(&server, "POST", "/oauth/token", limited, token("tok")).await;
    Mock::given(method("GET"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = oauth_client_with(&server, credentials("/oauth/token"), clock.clone());
    let start = clock.now();
    client
        .execute(&WITH_TOKEN, client.request(Method::GET, "/pets"))
        .await
        .unwrap();
    // Seven seconds, not a jittered backoff of at most half a second.
    assert_eq!(clock.now() - start, Duration::from_secs(7));
    assert_eq!(calls(&server, "/oauth/token").await.len(), 2);
}

#[tokio::test]
async fn a_discovery_document_answering_503_is_asked_again() {
    let server = MockServer::start().await;
    let metadata = ResponseTemplate::new(200).set_body_json(json!({
        "issuer": server.uri(),
        "token_endpoint": format!("{}/oauth/token", server.uri()),
    }));
    mount_once_then(
        &server,
        "GET",
        "/.well-known/openid-configuration",
        ResponseTemplate::new(503),
        metadata,
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pets"))
        .respond_with(ok())
        .mount(&server)
        .await;
    // The token URL the credential names is not the one discovery finds.
    let discovered = credentials("/unused").discovery(Discovery::Document(format!(
        "{}/.well-known/openid-configuration",
        server.uri()
    )));
    let client = oauth_client_with(&server, discovered, Arc::new(ManualClock::new()));
    client
        .execute(&WITH_TOKEN, client.request(Method::GET, "/pets"))
        .await
        .unwrap();
    assert_eq!(
        calls(&server, "/.well-known/openid-configuration")
            .await
            .len(),
        2
    );
    assert_eq!(calls(&server, "/oauth/token").await.len(), 1);
}
