//! Tokens over their life: cached until near expiry, one per scope set,
//! one request for concurrent calls, renewed after a 401 or by refresh
//! token (rotation kept, a refused refresh dropped), the configured
//! lifetime and auto refresh, and a token store shared between clients.

use std::sync::Arc;
use std::time::Duration;

use integration_tests::client_credentials::{auth, types, Client};
use integration_tests::support::mock::{
    client, clocked_client, expected_pets, form_value, mount_api, requests_to, token_response,
    CLIENT_ID, CLIENT_SECRET,
};
use runtime::auth::ClientAuthMethod;
use runtime::clock::ManualClock;
use runtime::Error;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// A token store as a user would write one, in memory here.
#[derive(Default)]
struct MemoryStore(std::sync::Mutex<std::collections::HashMap<String, runtime::StoredToken>>);

impl runtime::TokenStore for MemoryStore {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> runtime::store::StoreFuture<'a, Option<runtime::StoredToken>> {
        let found = self.0.lock().unwrap().get(key).cloned();
        Box::pin(async move { Ok(found) })
    }
    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a runtime::StoredToken,
    ) -> runtime::store::StoreFuture<'a, ()> {
        self.0.lock().unwrap().insert(key.to_owned(), token.clone());
        Box::pin(async { Ok(()) })
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
