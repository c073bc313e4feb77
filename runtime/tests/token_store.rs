//! The client's side of a shared token store, against an in-process
//! authorization server (wiremock): what a refresh refused with
//! `invalid_grant` does when another process rotated the refresh token.
//! The multi-process tests against real servers are in
//! `tests/tests/real_servers/fleet.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use runtime::auth::{ClientAuthMethod, OAuth2};
use runtime::reqwest::Method;
use runtime::security::{Operation, SchemeUse};
use runtime::store::StoreFuture;
use runtime::{Client, ClientBuilder, SecretString, StoredToken, TokenStore};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

static GET_PETS: Operation = Operation {
    id: "getPets",
    alternatives: &[&[SchemeUse {
        scheme: "auth",
        scopes: &[],
    }]],
    anonymous: false,
};

/// A store in memory, shared with the server's responder below.
#[derive(Default)]
struct MemoryStore(Mutex<HashMap<String, StoredToken>>);

impl TokenStore for MemoryStore {
    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        let found = self.0.lock().unwrap().get(key).cloned();
        Box::pin(async move { Ok(found) })
    }
    fn save<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        self.0.lock().unwrap().insert(key.to_owned(), token.clone());
        Box::pin(async { Ok(()) })
    }
}

/// Answers a refresh as a server with rotating refresh tokens does when
/// another process already used this one: `invalid_grant`. That other
/// process saved what it got into the store just before.
struct RotatedElsewhere(Arc<MemoryStore>);

impl Respond for RotatedElsewhere {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut saved = self.0 .0.lock().unwrap();
        for token in saved.values_mut() {
            *token = StoredToken::new(
                SecretString::from("from-another-process"),
                Some(SecretString::from("r2")),
                Some(SystemTime::now() + Duration::from_secs(3600)),
                None,
            );
        }
        ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"}))
    }
}

#[tokio::test]
async fn a_refresh_refused_after_another_process_rotated_uses_the_stored_token() {
    let server = MockServer::start().await;
    let store = Arc::new(MemoryStore::default());
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=password"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "first", "token_type": "Bearer", "expires_in": 1,
            "refresh_token": "r1",
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=r1"))
        .respond_with(RotatedElsewhere(store.clone()))
        .expect(1)
        .mount(&server)
        .await;
    for token in ["first", "from-another-process"] {
        Mock::given(method("GET"))
            .and(path("/pets"))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client: Client = ClientBuilder::<Client>::new(server.uri())
        .auth(
            OAuth2::password(
                "auth",
                format!("{}/token", server.uri()),
                "id",
                "secret",
                "ann",
                "pw",
            )
            .client_auth(ClientAuthMethod::Body),
        )
        .token_store(store.clone())
        .build()
        .unwrap();
    let call = || client.execute(&GET_PETS, client.request(Method::GET, "/pets"));
    assert_eq!(call().await.unwrap().status(), 200);
    // The first token (1 s) needs renewing half-way through its life.
    tokio::time::sleep(Duration::from_millis(600)).await;
    // The refresh is refused; the store has the other process's token,
    // which is used rather than a new password grant.
    assert_eq!(call().await.unwrap().status(), 200);
    server.verify().await;
}
