//! Client authentication at an in-process token endpoint: Basic, in the
//! body, automatic (Basic, then the body, remembered), `private_key_jwt`;
//! token endpoint errors, and client secrets kept off plain HTTP.

use base64::Engine;
use integration_tests::client_credentials::{auth, types, Client};
use integration_tests::support::encoding::basic_header;
use integration_tests::support::mock::{
    client, expected_pets, form, form_value, mount_api, requests_to, token_response, CLIENT_ID,
    CLIENT_SECRET,
};
use runtime::auth::ClientAuthMethod;
use runtime::Error;
use serde_json::json;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
    assert_eq!(
        token.headers.get("authorization").unwrap(),
        basic_header("my%20client", "s3cr%3At%2B%2F%20%C3%A9").as_str()
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
