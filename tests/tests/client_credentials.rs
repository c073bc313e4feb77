//! A generated client against an in-process token endpoint and API
//! (wiremock): what the servers receive and what the client returns.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use integration_tests::client_credentials::{auth, types, Client};
use runtime::auth::ClientAuthMethod;
use runtime::clock::{Clock, ManualClock};
use runtime::Error;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "my client";
const CLIENT_SECRET: &str = "s3cr:t+/ é";

fn token_response(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
    }))
}

fn pets() -> serde_json::Value {
    json!([{ "id": 1, "name": "Rex", "tag": "dog" }, { "id": 2, "name": "Tom" }])
}

async fn mount_api(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/api/pets"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(pets()))
        .mount(server)
        .await;
}

fn client(server: &MockServer, client_auth: ClientAuthMethod) -> Client {
    Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET).client_auth(client_auth))
        .build()
        .unwrap()
}

/// A client whose token expiry follows a clock the test moves.
fn clocked_client(
    server: &MockServer,
    client_auth: ClientAuthMethod,
) -> (Client, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET).client_auth(client_auth))
        .clock(clock.clone())
        .build()
        .unwrap();
    (client, clock)
}

async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .into_iter()
        .filter(|request| request.url.path() == wanted)
        .collect()
}

fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

fn form_value(request: &Request, name: &str) -> Option<String> {
    form(request)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

fn expected_pets() -> Vec<types::Pet> {
    vec![
        types::Pet {
            id: 1,
            name: "Rex".into(),
            tag: Some(types::PetTag::Dog),
        },
        types::Pet {
            id: 2,
            name: "Tom".into(),
            tag: None,
        },
    ]
}

#[tokio::test]
async fn basic_client_authentication_then_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok-1", 3600))
        .mount(&server)
        .await;
    mount_api(&server, "tok-1").await;

    let pets = client(&server, ClientAuthMethod::Basic)
        .list_pets()
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(pets, expected_pets());

    let tokens = requests_to(&server, "/oauth/token").await;
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    // RFC 6749 §2.3.1: each part form-urlencoded (space as %20), then base64.
    let expected =
        base64::engine::general_purpose::STANDARD.encode("my%20client:s3cr%3At%2B%2F%20%C3%A9");
    assert_eq!(
        token.headers.get("authorization").unwrap(),
        format!("Basic {expected}").as_str()
    );
    assert_eq!(
        token.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        form(token),
        [
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("scope".to_owned(), "read".to_owned()),
        ]
    );

    let calls = requests_to(&server, "/api/pets").await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].url.query(), Some("limit=5"));
    assert_eq!(
        calls[0].headers.get("authorization").unwrap(),
        "Bearer tok-1"
    );
}

#[tokio::test]
async fn request_body_client_authentication() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok-body", 3600))
        .mount(&server)
        .await;
    mount_api(&server, "tok-body").await;

    let pets = client(&server, ClientAuthMethod::Body)
        .list_pets()
        .send()
        .await
        .unwrap();
    assert_eq!(pets, expected_pets());

    let tokens = requests_to(&server, "/oauth/token").await;
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0].headers.get("authorization").is_none());
    assert_eq!(
        form_value(&tokens[0], "grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(
        form_value(&tokens[0], "client_id").as_deref(),
        Some(CLIENT_ID)
    );
    assert_eq!(
        form_value(&tokens[0], "client_secret").as_deref(),
        Some(CLIENT_SECRET)
    );
    assert_eq!(requests_to(&server, "/api/pets").await[0].url.query(), None);
}

#[tokio::test]
async fn automatic_client_authentication_falls_back_to_the_body_and_remembers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header_exists("authorization"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "error": "invalid_client" })),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok-auto", 3600))
        .with_priority(2)
        .mount(&server)
        .await;
    mount_api(&server, "tok-auto").await;
    Mock::given(method("POST"))
        .and(path("/api/pets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 3, "name": "Kit" })))
        .mount(&server)
        .await;

    let client = client(&server, ClientAuthMethod::Auto);
    client.list_pets().send().await.unwrap();
    let created = client
        .create_pet(types::NewPet {
            name: "Kit".into(),
            tag: Some(types::NewPetTag::Cat),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(created.name, "Kit");

    let tokens = requests_to(&server, "/oauth/token").await;
    let styles: Vec<(bool, Option<String>)> = tokens
        .iter()
        .map(|t| {
            (
                t.headers.contains_key("authorization"),
                form_value(t, "scope"),
            )
        })
        .collect();
    assert_eq!(
        form_value(&tokens[1], "client_id").as_deref(),
        Some(CLIENT_ID)
    );
    assert_eq!(
        form_value(&tokens[1], "client_secret").as_deref(),
        Some(CLIENT_SECRET)
    );
    // Basic refused, body accepted; the second scope goes straight to the body.
    assert_eq!(
        styles,
        [
            (true, Some("read".to_owned())),
            (false, Some("read".to_owned())),
            (false, Some("write".to_owned())),
        ]
    );
    let created_request = &requests_to(&server, "/api/pets").await[1];
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&created_request.body).unwrap(),
        json!({ "name": "Kit", "tag": "cat" })
    );
}

#[tokio::test]
async fn tokens_are_cached_until_they_near_expiry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok-cached", 120))
        .mount(&server)
        .await;
    mount_api(&server, "tok-cached").await;
    let (client, clock) = clocked_client(&server, ClientAuthMethod::Auto);

    client.list_pets().send().await.unwrap();
    client.list_pets().send().await.unwrap();
    clock.advance(Duration::from_secs(59));
    client.list_pets().send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);

    // With a 60 s skew (at most half the lifetime), a 120 s token is
    // renewed from its 60th second on.
    clock.advance(Duration::from_secs(1));
    client.list_pets().send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
    assert_eq!(requests_to(&server, "/api/pets").await.len(), 4);
}

#[tokio::test]
async fn each_operation_asks_for_its_own_scopes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/pets/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": 7, "name": "Seven" })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/pets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 8, "name": "Eight" })))
        .mount(&server)
        .await;
    let client = client(&server, ClientAuthMethod::Basic);

    let pet = client.get_pet(7).send().await.unwrap();
    assert_eq!(pet.id, 7);
    client
        .create_pet(types::NewPet {
            name: "Eight".into(),
            tag: None,
        })
        .send()
        .await
        .unwrap();
    client.get_pet(7).send().await.unwrap();

    let scopes: Vec<Option<String>> = requests_to(&server, "/oauth/token")
        .await
        .iter()
        .map(|t| form_value(t, "scope"))
        .collect();
    assert_eq!(scopes, [Some("read".to_owned()), Some("write".to_owned())]);
}

#[tokio::test]
async fn form_urlencoded_bodies_are_sent_as_forms() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", 3600))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/pets/7/name"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    client(&server, ClientAuthMethod::Basic)
        .rename_pet(
            7,
            types::RenamePetBody {
                name: "Rex & co".into(),
                note: None,
            },
        )
        .send()
        .await
        .unwrap();
    let calls = requests_to(&server, "/api/pets/7/name").await;
    assert_eq!(
        calls[0].headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        form(&calls[0]),
        [("name".to_owned(), "Rex & co".to_owned())]
    );
    assert_eq!(calls[0].headers.get("authorization").unwrap(), "Bearer tok");
}

#[tokio::test]
async fn an_api_key_alternative_is_used_when_only_it_is_configured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/pets/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": 7, "name": "Seven" })))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Key::key("k-123"))
        .build()
        .unwrap();
    client.get_pet(7).send().await.unwrap();
    let calls = requests_to(&server, "/api/pets/7").await;
    assert_eq!(calls[0].url.query(), Some("api_key=k-123"));
    assert!(calls[0].headers.get("authorization").is_none());

    // listPets accepts only OAuth2: the call fails before anything is sent.
    let error = client.list_pets().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::MissingCredentials {
                operation: "listPets",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "operation `listPets` needs credentials for scheme oauth; configure one with `ClientBuilder::auth`"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn anonymous_operations_need_no_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .default_header("X-Tenant", "blue")
        .http_client(runtime::reqwest::Client::new())
        .build()
        .unwrap();
    client.health().send().await.unwrap();
    let calls = requests_to(&server, "/api/health").await;
    assert_eq!(calls.len(), 1);
    assert!(calls[0].headers.get("authorization").is_none());
    // Default headers reach the server also through a client given by the user.
    assert_eq!(calls[0].headers.get("x-tenant").unwrap(), "blue");
}

#[tokio::test]
async fn a_401_renews_the_token_and_retries_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok-stale", 3600))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok-fresh", 3600))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/pets"))
        .and(header("authorization", "Bearer tok-stale"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    mount_api(&server, "tok-fresh").await;

    let pets = client(&server, ClientAuthMethod::Basic)
        .list_pets()
        .send()
        .await
        .unwrap();
    assert_eq!(pets, expected_pets());
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
    assert_eq!(requests_to(&server, "/api/pets").await.len(), 2);
}

#[tokio::test]
async fn a_second_401_is_returned_as_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/pets"))
        .respond_with(ResponseTemplate::new(401).set_body_string("nope"))
        .mount(&server)
        .await;
    let error = client(&server, ClientAuthMethod::Basic)
        .list_pets()
        .send()
        .await
        .unwrap_err();
    let Error::Api {
        status, response, ..
    } = &error
    else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(status.as_u16(), 401);
    assert_eq!(response.body, b"nope");
    // The retry renewed the token first.
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
    assert_eq!(requests_to(&server, "/api/pets").await.len(), 2);
}

#[tokio::test]
async fn token_endpoint_errors_name_the_oauth2_error_code_and_hide_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_scope",
            "error_description": "scope read is not allowed",
        })))
        .mount(&server)
        .await;
    let error = client(&server, ClientAuthMethod::Basic)
        .list_pets()
        .send()
        .await
        .unwrap_err();
    let oauth2 = error.oauth2_error().expect("an OAuth2 error response");
    assert_eq!(oauth2.error, "invalid_scope");
    assert_eq!(oauth2.status.as_u16(), 400);
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(text.contains("invalid_scope"), "{text}");
    assert!(text.contains("oauth"), "{text}");
    for shown in [text, format!("{error:?}")] {
        assert!(!shown.contains("s3cr"), "{shown}");
    }
    assert!(requests_to(&server, "/api/pets").await.is_empty());
}

#[tokio::test]
async fn client_secrets_are_not_sent_over_plain_http_to_other_hosts() {
    // Over https to the API (plain HTTP there is refused before any token
    // is fetched), over plain HTTP to the token endpoint.
    let client = Client::builder()
        .base_url("https://api.example.com/api")
        .auth(
            auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET)
                .token_url("http://api.example.com/oauth/token"),
        )
        .build()
        .unwrap();
    let error = client.list_pets().send().await.unwrap_err();
    let Error::Token { source, .. } = &error else {
        panic!("expected a token error, got {error:?}");
    };
    assert!(
        matches!(source, runtime::TokenError::InsecureUrl { url } if url == "http://api.example.com/oauth/token"),
        "{source:?}"
    );
}

#[tokio::test]
async fn expiring_tokens_are_renewed_by_refresh_token_and_rotation_is_kept() {
    let server = MockServer::start().await;
    // The primary grant: a token with a refresh token.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok-1", "expires_in": 120, "refresh_token": "r-1",
        })))
        .mount(&server)
        .await;
    // Refreshing r-1 rotates it; refreshing r-2 returns no new refresh token.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=r-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok-2", "expires_in": 120, "refresh_token": "r-2",
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=r-2"))
        .respond_with(token_response("tok-3", 120))
        .mount(&server)
        .await;
    for token in ["tok-1", "tok-2", "tok-3"] {
        mount_api(&server, token).await;
    }
    let (client, clock) = clocked_client(&server, ClientAuthMethod::Body);

    for _ in 0..4 {
        client.list_pets().send().await.unwrap();
        clock.advance(Duration::from_secs(60));
    }

    let grants: Vec<(Option<String>, Option<String>)> = requests_to(&server, "/oauth/token")
        .await
        .iter()
        .map(|t| (form_value(t, "grant_type"), form_value(t, "refresh_token")))
        .collect();
    let refresh = |token: &str| (Some("refresh_token".to_owned()), Some(token.to_owned()));
    assert_eq!(
        grants,
        [
            (Some("client_credentials".to_owned()), None),
            refresh("r-1"),
            refresh("r-2"),
            // tok-3 came without a refresh token: r-2 is kept and used again.
            refresh("r-2"),
        ]
    );
    let used: Vec<String> = requests_to(&server, "/api/pets")
        .await
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        used,
        [
            "Bearer tok-1",
            "Bearer tok-2",
            "Bearer tok-3",
            "Bearer tok-3"
        ]
    );
}

#[tokio::test]
async fn a_refused_refresh_falls_back_to_the_primary_grant_and_drops_the_refresh_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok-1", "expires_in": 120, "refresh_token": "r-dead",
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(token_response("tok-2", 120))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({ "error": "invalid_grant" })))
        .mount(&server)
        .await;
    mount_api(&server, "tok-1").await;
    mount_api(&server, "tok-2").await;
    let (client, clock) = clocked_client(&server, ClientAuthMethod::Body);

    for _ in 0..3 {
        client.list_pets().send().await.unwrap();
        clock.advance(Duration::from_secs(60));
    }

    let grants: Vec<Option<String>> = requests_to(&server, "/oauth/token")
        .await
        .iter()
        .map(|t| form_value(t, "grant_type"))
        .collect();
    let grant = |g: &str| Some(g.to_owned());
    // The dead refresh token is tried once, then never again.
    assert_eq!(
        grants,
        [
            grant("client_credentials"),
            grant("refresh_token"),
            grant("client_credentials"),
            grant("client_credentials"),
        ]
    );
}

#[tokio::test]
async fn concurrent_calls_on_a_cold_cache_make_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok-shared", 3600).set_delay(Duration::from_millis(100)))
        .mount(&server)
        .await;
    mount_api(&server, "tok-shared").await;
    let client = client(&server, ClientAuthMethod::Basic);

    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.list_pets().send().await })
    });
    let calls: Vec<_> = calls.collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), expected_pets());
    }
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
    assert_eq!(requests_to(&server, "/api/pets").await.len(), 50);
}

#[tokio::test]
async fn extensions_shape_the_token_request_response_and_credential_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vendor/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": { "token": "vendor-tok", "ttl": 600 }
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/vendor/pets"))
        .and(header("x-auth-token", "Token vendor-tok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pets()))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Vendor::client_credentials(
            "vendor-id",
            "vendor-secret",
        ))
        .build()
        .unwrap();

    assert_eq!(
        client.list_vendor_pets().send().await.unwrap(),
        expected_pets()
    );

    let token = &requests_to(&server, "/vendor/token").await[0];
    assert!(
        token.headers.get("authorization").is_none(),
        "x-client-authentication: body"
    );
    assert_eq!(token.headers.get("client-id").unwrap(), "vendor-id");
    assert_eq!(
        form(token),
        [
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("audience".to_owned(), "pets-api".to_owned()),
            ("client_id".to_owned(), "vendor-id".to_owned()),
            ("client_secret".to_owned(), "vendor-secret".to_owned()),
        ]
    );
    let call = &requests_to(&server, "/api/vendor/pets").await[0];
    assert!(call.headers.get("authorization").is_none());
}

#[tokio::test]
async fn an_api_key_value_pattern_and_credentials_from_the_environment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/vendor/pets"))
        .and(header("authorization", "Bot b-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pets()))
        .mount(&server)
        .await;
    // Only this test reads this variable, so setting it cannot race.
    // Two API-key schemes: the variable is qualified by the scheme name.
    std::env::set_var("CLIENT_CREDENTIALS_FIXTURE_BOT_API_KEY", "b-123");
    let key = auth::Bot::key_from_env().unwrap();
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(key)
        .build()
        .unwrap();
    assert_eq!(
        client.list_vendor_pets().send().await.unwrap(),
        expected_pets()
    );

    let missing = auth::Oauth::client_credentials_from_env().unwrap_err();
    assert_eq!(
        missing.to_string(),
        "environment variable `CLIENT_CREDENTIALS_FIXTURE_OAUTH_CLIENT_ID` is not set"
    );
}

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
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref()),
        challenge
    );
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
async fn requests_go_through_a_proxy_with_credentials() {
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/pets/5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": 5, "name": "Five" })))
        .mount(&proxy)
        .await;
    let client = Client::builder()
        // Not resolvable: only the proxy can answer.
        .base_url("http://pets.invalid/api")
        .auth(auth::Key::key("k-5"))
        .proxy_with_credentials(proxy.uri(), "proxy user", "proxy-pass")
        // The key would go out in clear through the proxy.
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert_eq!(client.get_pet(5).send().await.unwrap().name, "Five");
    let seen = &proxy.received_requests().await.unwrap()[0];
    assert_eq!(seen.headers.get("host").unwrap(), "pets.invalid");
    let expected = base64::engine::general_purpose::STANDARD.encode("proxy user:proxy-pass");
    assert_eq!(
        seen.headers.get("proxy-authorization").unwrap(),
        format!("Basic {expected}").as_str()
    );
}

#[test]
fn broken_tls_versions_and_bad_certificates_are_refused_at_build() {
    let old = Client::builder()
        .min_tls_version(runtime::TlsVersion::V1_1)
        .build()
        .unwrap_err();
    assert!(old.to_string().contains("minimum is TLS 1.2"), "{old}");
    assert!(Client::builder()
        .min_tls_version(runtime::TlsVersion::V1_3)
        .build()
        .is_ok());
    let bad = Client::builder()
        .client_certificate_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(bad.to_string().contains("client certificate"), "{bad}");
}

#[tokio::test]
async fn openid_connect_schemes_discover_the_token_endpoint_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": server.uri(),
            "token_endpoint": format!("{}/connect/token", server.uri()),
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(token_response("oidc-tok", 3600))
        .mount(&server)
        .await;
    Mock::given(path("/api/oidc/pets"))
        .and(header("authorization", "Bearer oidc-tok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pets()))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oidc::client_credentials("oidc-client", "oidc-secret"))
        .build()
        .unwrap();

    assert_eq!(
        client.list_oidc_pets().send().await.unwrap(),
        expected_pets()
    );
    client.create_oidc_pet().send().await.unwrap();
    let discoveries = requests_to(&server, "/.well-known/openid-configuration").await;
    assert_eq!(discoveries.len(), 1, "metadata is cached");
    let scopes: Vec<Option<String>> = requests_to(&server, "/connect/token")
        .await
        .iter()
        .map(|t| form_value(t, "scope"))
        .collect();
    assert_eq!(
        scopes,
        [Some("pets.read".to_owned()), Some("pets.write".to_owned())]
    );
}

/// The token error of an OpenID Connect call through `server`.
async fn oidc_token_error(server: &MockServer) -> String {
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oidc::client_credentials("oidc-client", "oidc-secret"))
        .build()
        .unwrap();
    let error = client.list_oidc_pets().send().await.unwrap_err();
    let Error::Token { source, .. } = &error else {
        panic!("expected a token error, got {error:?}");
    };
    source.to_string()
}

#[tokio::test]
async fn failed_discovery_names_every_location_tried() {
    let server = MockServer::start().await;
    let text = oidc_token_error(&server).await;
    assert!(text.contains("discovery failed"), "{text}");
    assert!(
        text.contains("/.well-known/openid-configuration: status 404"),
        "{text}"
    );
}

/// A metadata document naming another issuer than the one its location
/// belongs to is refused, so its token endpoint never sees the secret.
#[tokio::test]
async fn discovery_refuses_metadata_of_another_issuer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": "https://attacker.example.com",
            "token_endpoint": format!("{}/connect/token", server.uri()),
        })))
        .mount(&server)
        .await;
    let text = oidc_token_error(&server).await;
    assert!(
        text.contains("names the issuer `https://attacker.example.com`")
            && text.contains(&format!("not `{}`", server.uri())),
        "{text}"
    );
    assert!(requests_to(&server, "/connect/token").await.is_empty());
}

/// Collects what the inspection hook receives.
#[derive(Default)]
struct Recorder {
    tokens: std::sync::Mutex<Vec<runtime::inspect::TokenExchange>>,
    calls: std::sync::Mutex<Vec<runtime::inspect::ApiExchange>>,
}

impl runtime::inspect::Inspector for Recorder {
    fn token_exchange(&self, exchange: &runtime::inspect::TokenExchange) {
        self.tokens.lock().unwrap().push(exchange.clone());
    }
    fn api_exchange(&self, exchange: &runtime::inspect::ApiExchange) {
        self.calls.lock().unwrap().push(exchange.clone());
    }
}

#[tokio::test]
async fn the_inspection_hook_sees_both_exchanges_with_secrets_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok-seen", "refresh_token": "r-seen", "expires_in": 60,
        })))
        .mount(&server)
        .await;
    mount_api(&server, "tok-seen").await;
    let recorder = Arc::new(Recorder::default());
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(
            auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET)
                .client_auth(ClientAuthMethod::Body),
        )
        .inspector(recorder.clone())
        .build()
        .unwrap();
    client.list_pets().limit(3).send().await.unwrap();

    let tokens = recorder.tokens.lock().unwrap().clone();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].client_auth, "body");
    assert_eq!(tokens[0].status, Some(200));
    assert!(tokens[0]
        .request_form
        .contains(&("client_secret".to_owned(), "[redacted]".to_owned())));
    assert!(tokens[0]
        .request_form
        .contains(&("client_id".to_owned(), CLIENT_ID.to_owned())));
    let calls = recorder.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].operation, "listPets");
    assert_eq!(calls[0].status, Some(200));
    assert!(
        calls[0].url.ends_with("/api/pets?limit=3"),
        "{}",
        calls[0].url
    );
    assert!(calls[0]
        .request_headers
        .contains(&("authorization".to_owned(), "[redacted]".to_owned())));
    let everything = format!("{tokens:?} {calls:?}");
    for secret in ["tok-seen", "r-seen", "s3cr"] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
}

#[tokio::test]
async fn with_auto_refresh_off_a_token_is_used_until_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok-long", 60))
        .mount(&server)
        .await;
    mount_api(&server, "tok-long").await;
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET))
        .auto_refresh(false)
        .clock(clock.clone())
        .build()
        .unwrap();
    client.list_pets().send().await.unwrap();
    clock.advance(Duration::from_secs(3600));
    client.list_pets().send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
}

#[tokio::test]
async fn tokens_without_expiry_get_the_configured_lifetime() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "access_token": "tok-n" })))
        .mount(&server)
        .await;
    mount_api(&server, "tok-n").await;
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET))
        .default_token_lifetime(Duration::from_secs(300))
        .clock(clock.clone())
        .build()
        .unwrap();
    client.list_pets().send().await.unwrap();
    clock.advance(Duration::from_secs(200));
    client.list_pets().send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
    clock.advance(Duration::from_secs(50));
    client.list_pets().send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
}

#[tokio::test]
async fn redirects_to_another_origin_are_not_followed_with_credentials() {
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/api/pets/1"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&api)
        .await;
    Mock::given(path("/api/pets/2"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/api/pets/3"))
        .mount(&api)
        .await;
    Mock::given(path("/api/pets/3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": 3, "name": "Three" })))
        .mount(&api)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/api", api.uri()))
        .auth(auth::Key::key("k-secret"))
        .build()
        .unwrap();

    let error = client.get_pet(1).send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302));
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    // Within the origin, redirects are followed.
    assert_eq!(client.get_pet(2).send().await.unwrap().id, 3);
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

#[tokio::test]
async fn private_key_jwt_sends_a_signed_assertion_instead_of_a_secret() {
    use ring::signature::{self, EcdsaKeyPair};
    let rng = ring::rand::SystemRandom::new();
    let der =
        EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der.as_ref())
    );
    let key = runtime::SigningKey::from_pkcs8_pem(&pem).unwrap();
    let public_key = key.public_key();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("jwt-tok", 3600))
        .mount(&server)
        .await;
    mount_api(&server, "jwt-tok").await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oauth::client_credentials("jwt-client", "unused").private_key_jwt(key))
        .build()
        .unwrap();
    client.list_pets().send().await.unwrap();

    let token = &requests_to(&server, "/oauth/token").await[0];
    assert!(token.headers.get("authorization").is_none());
    assert_eq!(form_value(token, "client_secret"), None);
    assert_eq!(
        form_value(token, "client_id").as_deref(),
        Some("jwt-client")
    );
    assert_eq!(
        form_value(token, "client_assertion_type").as_deref(),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    let assertion = form_value(token, "client_assertion").unwrap();
    let parts: Vec<&str> = assertion.split('.').collect();
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap()
    };
    let claims: serde_json::Value = serde_json::from_slice(&decode(parts[1])).unwrap();
    assert_eq!(claims["iss"], "jwt-client");
    assert_eq!(claims["aud"], format!("{}/oauth/token", server.uri()));
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, public_key)
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &decode(parts[2]),
        )
        .expect("the assertion is signed with the client's key");
}

#[tokio::test]
async fn binary_and_text_bodies_are_sent_as_they_are() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", 3600))
        .mount(&server)
        .await;
    Mock::given(path("/api/pets/4/photo"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(path("/api/pets/4/notes"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = client(&server, ClientAuthMethod::Basic);
    let png = vec![0x89, b'P', b'N', b'G', 0, 255];
    client.upload_photo(4, png.clone()).send().await.unwrap();
    client
        .add_note(4)
        .body("good dog".to_owned())
        .send()
        .await
        .unwrap();
    client.add_note(4).send().await.unwrap();

    let photo = &requests_to(&server, "/api/pets/4/photo").await[0];
    assert_eq!(photo.method.as_str(), "PUT");
    assert_eq!(photo.headers.get("content-type").unwrap(), "image/png");
    assert_eq!(photo.body, png);
    let notes = requests_to(&server, "/api/pets/4/notes").await;
    assert_eq!(notes[0].headers.get("content-type").unwrap(), "text/plain");
    assert_eq!(notes[0].body, b"good dog");
    assert!(notes[1].body.is_empty());
}

/// A token store as a user would write one, in memory here.
#[derive(Default)]
struct MemoryStore(std::sync::Mutex<std::collections::HashMap<String, runtime::StoredToken>>);

impl runtime::TokenStore for MemoryStore {
    fn load(&self, key: &str) -> Option<runtime::StoredToken> {
        self.0.lock().unwrap().get(key).cloned()
    }
    fn save(&self, key: &str, token: &runtime::StoredToken) {
        self.0.lock().unwrap().insert(key.to_owned(), token.clone());
    }
}

#[tokio::test]
async fn a_token_store_lets_a_new_client_reuse_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "stored-tok", "expires_in": 3600, "refresh_token": "stored-r",
            "scope": "read write",
        })))
        .mount(&server)
        .await;
    mount_api(&server, "stored-tok").await;
    let store = Arc::new(MemoryStore::default());
    let client_with_store = || {
        Client::builder()
            .base_url(format!("{}/api", server.uri()))
            .auth(auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET))
            .token_store(store.clone())
            .build()
            .unwrap()
    };

    client_with_store().list_pets().send().await.unwrap();
    // A new client (a restarted process) finds the token in the store.
    client_with_store().list_pets().send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);

    let saved = store.0.lock().unwrap();
    assert_eq!(saved.len(), 1);
    let (key, token) = saved.iter().next().unwrap();
    assert!(
        key.len() == 64 && key.chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(
        runtime::ExposeSecret::expose_secret(token.refresh_token.as_ref().unwrap()),
        "stored-r"
    );
    assert_eq!(
        token.scopes.as_deref(),
        Some(&["read".to_owned(), "write".to_owned()][..])
    );
}
