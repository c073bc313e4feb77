//! The flows a user takes part in: the authorization code with PKCE
//! (redeemed once, then refreshed) and the device flow (RFC 8628 polling,
//! back-off, denial).

use std::sync::Arc;
use std::time::Duration;

use integration_tests::client_credentials::{auth, types, Client};
use integration_tests::support::encoding::s256;
use integration_tests::support::mock::{
    expected_pets, form_value, mount_api, requests_to, token_response,
};
use runtime::clock::{Clock, ManualClock};
use runtime::Error;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn authorization_code_with_pkce_is_redeemed_once_then_refreshed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "code-tok", "expires_in": 120, "refresh_token": "code-r1",
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/refresh"))
        .respond_with(token_response("refreshed-tok", 120))
        .mount(&server)
        .await;
    mount_api(&server, "code-tok").await;
    mount_api(&server, "refreshed-tok").await;
    Mock::given(method("POST"))
        .and(path("/api/pets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 9, "name": "Nine" })))
        .mount(&server)
        .await;

    let credential = auth::Oauth::authorization_code("app-id", "https://app.example/callback");
    let pending = credential.authorize().unwrap();
    let url = url::Url::parse(pending.url()).unwrap();
    assert_eq!(
        url.origin().ascii_serialization(),
        "https://auth.example.com"
    );
    assert_eq!(url.path(), "/authorize");
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "app-id");
    assert_eq!(query["redirect_uri"], "https://app.example/callback");
    assert_eq!(query["scope"], "read write");
    assert_eq!(query["state"], pending.state());
    assert_eq!(query["code_challenge_method"], "S256");
    let challenge = query["code_challenge"].clone();
    assert_eq!(challenge.len(), 43);

    // A redirect with another state is refused.
    let forged = credential.clone().authorize().unwrap();
    let error = credential
        .clone()
        .finish_authorization(forged, "code", "not-the-state")
        .unwrap_err();
    assert!(matches!(error, Error::Authorization(_)), "{error:?}");

    let state = pending.state().to_owned();
    let credential = credential
        .finish_authorization(pending, "the-code", &state)
        .unwrap();
    let (client, clock) = {
        let clock = Arc::new(ManualClock::new());
        let client = Client::builder()
            .base_url(format!("{}/api", server.uri()))
            .auth(credential)
            .clock(clock.clone())
            .build()
            .unwrap();
        (client, clock)
    };
    // Operations with different scopes share the one token the code gave.
    client.list_pets().send().await.unwrap();
    client
        .create_pet(types::NewPet {
            name: "Nine".into(),
            tag: None,
        })
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(61));
    client.list_pets().send().await.unwrap();

    let exchanges = requests_to(&server, "/oauth/token").await;
    assert_eq!(exchanges.len(), 1, "the code is redeemed once");
    let exchange = &exchanges[0];
    assert_eq!(
        form_value(exchange, "grant_type").as_deref(),
        Some("authorization_code")
    );
    assert_eq!(form_value(exchange, "code").as_deref(), Some("the-code"));
    assert_eq!(
        form_value(exchange, "redirect_uri").as_deref(),
        Some("https://app.example/callback")
    );
    assert_eq!(form_value(exchange, "client_id").as_deref(), Some("app-id"));
    assert_eq!(form_value(exchange, "scope"), None);
    // RFC 7636: the challenge is BASE64URL(SHA256(verifier)).
    let verifier = form_value(exchange, "code_verifier").unwrap();
    assert_eq!(s256(&verifier), challenge);
    let refreshes = requests_to(&server, "/oauth/refresh").await;
    assert_eq!(refreshes.len(), 1);
    assert_eq!(
        form_value(&refreshes[0], "refresh_token").as_deref(),
        Some("code-r1")
    );
}

#[tokio::test]
async fn an_unfinished_authorization_fails_before_any_request() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oauth::authorization_code(
            "app-id",
            "https://app.example/cb",
        ))
        .build()
        .unwrap();
    let error = client.list_pets().send().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Token {
                source: runtime::TokenError::AuthorizationPending { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_device_flow_polls_as_rfc_8628_says_then_calls_use_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device/code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": "dc-1",
            "user_code": "WDJB-MJHT",
            "verification_uri": "https://example.com/device",
            "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT",
            "expires_in": 600,
            "interval": 5,
        })))
        .mount(&server)
        .await;
    let pending = |error: &str| ResponseTemplate::new(400).set_body_json(json!({ "error": error }));
    for (priority, error) in [(1, "authorization_pending"), (2, "slow_down")] {
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(pending(error))
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("device-tok", 3600))
        .with_priority(3)
        .mount(&server)
        .await;
    mount_api(&server, "device-tok").await;
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(
            runtime::auth::OAuth2::device_authorization(
                auth::Oauth::NAME,
                "/device/code",
                "/oauth/token",
                "tv-app",
            )
            .scopes(["read"]),
        )
        .clock(clock.clone())
        .build()
        .unwrap();

    // Before the user took part, calls fail before sending anything.
    assert!(client.list_pets().send().await.is_err());
    let start = clock.now();
    let authorization = client
        .runtime()
        .start_device_authorization("oauth")
        .await
        .unwrap();
    assert_eq!(authorization.user_code(), "WDJB-MJHT");
    assert_eq!(
        authorization.verification_uri(),
        "https://example.com/device"
    );
    authorization.wait().await.unwrap();
    // 5 s, 5 s, then 10 s after slow_down.
    assert_eq!(clock.now() - start, Duration::from_secs(20));

    let device = &requests_to(&server, "/device/code").await[0];
    assert_eq!(form_value(device, "client_id").as_deref(), Some("tv-app"));
    assert_eq!(form_value(device, "scope").as_deref(), Some("read"));
    let polls = requests_to(&server, "/oauth/token").await;
    assert_eq!(polls.len(), 3);
    for poll in &polls {
        assert_eq!(
            form_value(poll, "grant_type").as_deref(),
            Some("urn:ietf:params:oauth:grant-type:device_code")
        );
        assert_eq!(form_value(poll, "device_code").as_deref(), Some("dc-1"));
    }
    assert_eq!(client.list_pets().send().await.unwrap(), expected_pets());
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 3);
}

/// Answers device authorization requests with `device_code`, valid for
/// 60 s, to be polled every 5 s.
async fn mount_device_code(server: &MockServer, device_code: &str) {
    Mock::given(method("POST"))
        .and(path("/device/code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": device_code, "user_code": "U", "verification_uri": "https://e/d",
            "expires_in": 60, "interval": 5,
        })))
        .mount(server)
        .await;
}

/// A client of `server` whose `oauth` scheme uses the device flow, on
/// `clock`.
fn device_client(server: &MockServer, clock: Arc<ManualClock>) -> Client {
    Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(runtime::auth::OAuth2::device_authorization(
            "oauth",
            "/device/code",
            "/oauth/token",
            "tv-app",
        ))
        .clock(clock)
        .build()
        .unwrap()
}

/// RFC 8628 §3.5: a poll the server fails (503 here) doubles the interval
/// and the wait goes on; a failure that lasts until the code expires is
/// what the wait reports.
#[tokio::test]
async fn device_polling_backs_off_when_the_token_endpoint_fails() {
    let server = MockServer::start().await;
    let unavailable = || {
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(503).set_body_string("down for maintenance"))
    };
    mount_device_code(&server, "dc-3").await;
    unavailable()
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("device-tok", 3600))
        .with_priority(2)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = device_client(&server, clock.clone());
    let start = clock.now();
    let authorization = client
        .runtime()
        .start_device_authorization("oauth")
        .await
        .unwrap();
    authorization.wait().await.unwrap();
    // 5 s, then 10 s and 20 s after each 503.
    assert_eq!(clock.now() - start, Duration::from_secs(35));
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 3);

    // Failing until the code expires: the failure is the error.
    server.reset().await;
    mount_device_code(&server, "dc-4").await;
    unavailable().mount(&server).await;
    let authorization = client
        .runtime()
        .start_device_authorization("oauth")
        .await
        .unwrap();
    let error = authorization.wait().await.unwrap_err();
    let Error::Token { source, .. } = &error else {
        panic!("expected a token error, got {error:?}");
    };
    assert!(
        source
            .to_string()
            .contains("503 Service Unavailable: down for maintenance"),
        "{source}"
    );
    // Polled at 5, 15 and 35 s; the next one would be at 75 s, past 60 s.
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 3);
}

#[tokio::test]
async fn a_denied_device_authorization_is_reported() {
    let server = MockServer::start().await;
    mount_device_code(&server, "dc-2").await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({ "error": "access_denied" })))
        .mount(&server)
        .await;
    let client = device_client(&server, Arc::new(ManualClock::new()));
    let error = client
        .runtime()
        .start_device_authorization("oauth")
        .await
        .unwrap()
        .wait()
        .await
        .unwrap_err();
    let mut text = error.to_string();
    if let Some(source) = std::error::Error::source(&error) {
        text.push_str(&format!(": {source}"));
    }
    assert!(text.contains("denied"), "{text}");
}
