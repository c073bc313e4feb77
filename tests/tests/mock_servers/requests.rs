//! Requests on the wire: form, binary and text bodies, a proxy with
//! credentials, TLS settings refused at build, redirects to another
//! origin, and the inspection hook with secrets redacted.

use std::sync::Arc;

use integration_tests::client_credentials::{auth, types, Client};
use integration_tests::support::encoding::basic_header;
use integration_tests::support::mock::{
    client, form, mount_api, requests_to, token_response, CLIENT_ID, CLIENT_SECRET,
};
use runtime::auth::ClientAuthMethod;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
    assert_eq!(
        seen.headers.get("proxy-authorization").unwrap(),
        basic_header("proxy user", "proxy-pass").as_str()
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
