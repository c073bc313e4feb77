//! OpenID Connect discovery of the token endpoint: once per client, every
//! location tried named when it fails, metadata of another issuer refused.

use integration_tests::client_credentials::{auth, Client};
use integration_tests::support::mock::{
    expected_pets, form_value, pets, requests_to, token_response,
};
use runtime::Error;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
