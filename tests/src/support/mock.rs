//! An in-process token endpoint and API (wiremock) for the client of
//! `fixtures/client-credentials.yaml`, and readers of what they received.

use std::sync::Arc;

use runtime::auth::ClientAuthMethod;
use runtime::clock::ManualClock;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::client_credentials::{auth, types, Client};

/// The client id of the client credentials grant, with a space.
pub const CLIENT_ID: &str = "my client";
/// Its secret, with characters Basic authentication must encode.
pub const CLIENT_SECRET: &str = "s3cr:t+/ é";

/// A token endpoint's answer: `token`, a Bearer token valid for
/// `expires_in` seconds.
pub fn token_response(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
    }))
}

/// The pets the API lists, as JSON.
pub fn pets() -> serde_json::Value {
    json!([{ "id": 1, "name": "Rex", "tag": "dog" }, { "id": 2, "name": "Tom" }])
}

/// Answers `GET /api/pets` called with the Bearer token `token`.
pub async fn mount_api(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/api/pets"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(pets()))
        .mount(server)
        .await;
}

/// A builder of a client of `server`'s API, with the client credentials
/// grant authenticating with `client_auth`.
pub fn builder(
    server: &MockServer,
    client_auth: ClientAuthMethod,
) -> runtime::ClientBuilder<Client> {
    Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .auth(auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET).client_auth(client_auth))
}

/// A client of `server`'s API, with the client credentials grant
/// authenticating with `client_auth`.
pub fn client(server: &MockServer, client_auth: ClientAuthMethod) -> Client {
    builder(server, client_auth).build().unwrap()
}

/// A client whose token expiry follows a clock the test moves.
pub fn clocked_client(
    server: &MockServer,
    client_auth: ClientAuthMethod,
) -> (Client, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let client = builder(server, client_auth)
        .clock(clock.clone())
        .build()
        .unwrap();
    (client, clock)
}

/// The requests `server` received for the path `wanted`, oldest first.
pub async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .into_iter()
        .filter(|request| request.url.path() == wanted)
        .collect()
}

/// The form-urlencoded body of `request`, as pairs.
pub fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

/// The value of the field `name` of `request`'s form body.
pub fn form_value(request: &Request, name: &str) -> Option<String> {
    form(request)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// [`pets`], as the client returns them.
pub fn expected_pets() -> Vec<types::Pet> {
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
