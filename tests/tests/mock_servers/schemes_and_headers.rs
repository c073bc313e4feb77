//! Security schemes other than a plain OAuth2 bearer token: API keys (an
//! alternative, a value pattern, from the environment), anonymous
//! operations, and extensions shaping the token request and the
//! credential header.

use integration_tests::client_credentials::{auth, Client};
use integration_tests::support::mock::{expected_pets, form, pets, requests_to};
use runtime::Error;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
