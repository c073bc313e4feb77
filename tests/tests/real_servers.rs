//! A generated client (from `fixtures/authlib-api.yaml`) against real
//! authorization servers and protected APIs on 127.0.0.1, started by
//! `servers/start`: one written with Authlib (`servers/authlib/`) and
//! oidc-provider (`servers/oidc/`). Every test asserts on what the server
//! saw (its `/test/events` for the test's own registered client) and on what
//! the client returned.
//!
//! The servers' base URLs come from the file `E2E_SERVERS` names, which
//! `scripts/test` sets. Without it these tests say they skipped, except in
//! CI (`CI=true`), where they fail.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use integration_tests::authlib_api::{auth, types, Client};
use integration_tests::workspace_root;
use runtime::auth::{ClientAuthMethod, OAuth2};
use runtime::clock::ManualClock;
use runtime::Error;
use serde_json::{json, Value};

/// A test server of this run.
struct Peer {
    name: &'static str,
    url: String,
    http: runtime::reqwest::Client,
}

/// A client registered in `servers/authlib/clients.json`.
struct Registered {
    id: String,
    secret: String,
}

/// What the server recorded for one client, oldest first.
struct Events {
    tokens: Vec<Value>,
    api: Vec<Value>,
}

/// The clients (and users) registered with the server in `servers/<peer>/`.
fn registry(peer: &str) -> Value {
    let path = workspace_root().join(format!("tests/servers/{peer}/clients.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("clients.json is JSON")
}

/// The user name and password of the resource owner of the password grant.
fn alice() -> (String, String) {
    let registry = registry("authlib");
    let user = &registry["users"]["alice"];
    (
        user["username"].as_str().unwrap().to_owned(),
        user["password"].as_str().unwrap().to_owned(),
    )
}

/// Only `fields` of each event, to compare with `json!` literals.
fn pick(events: &[Value], fields: &[&str]) -> Vec<Value> {
    events
        .iter()
        .map(|event| {
            let picked: serde_json::Map<String, Value> = fields
                .iter()
                .map(|field| ((*field).to_owned(), event[*field].clone()))
                .collect();
            Value::Object(picked)
        })
        .collect()
}

fn statuses(events: &[Value]) -> Vec<u64> {
    events
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect()
}

impl Peer {
    /// The Authlib server.
    fn authlib() -> Option<Peer> {
        Peer::connect("authlib", "AUTHLIB_URL")
    }

    /// The oidc-provider server.
    fn oidc() -> Option<Peer> {
        Peer::connect("oidc", "OIDC_URL")
    }

    /// The running server, or `None` (the test then returns) when none was
    /// started outside CI.
    fn connect(name: &'static str, variable: &str) -> Option<Peer> {
        let in_ci = std::env::var("CI").as_deref() == Ok("true");
        let skip = |why: String| {
            assert!(
                !in_ci,
                "{why}; CI runs the tests through scripts/test, which starts the servers"
            );
            eprintln!(
                "skipped: {why}; run scripts/test, or tests/servers/start and \
                 E2E_SERVERS=target/e2e-servers.env cargo test"
            );
            None
        };
        let Some(path) = std::env::var_os("E2E_SERVERS").map(PathBuf::from) else {
            return skip("E2E_SERVERS is not set".to_owned());
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => return skip(format!("cannot read {} ({e})", path.display())),
        };
        let vars: HashMap<&str, &str> = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .collect();
        let url = vars
            .get(variable)
            .unwrap_or_else(|| panic!("{} has no {variable}", path.display()));
        Some(Peer {
            name,
            url: (*url).to_owned(),
            http: runtime::reqwest::Client::new(),
        })
    }

    /// The id and secret of the client registered for `role`.
    fn registered(&self, role: &str) -> Registered {
        let registry = registry(self.name);
        let client = &registry["clients"][role];
        let text = |name: &str| {
            client[name]
                .as_str()
                .unwrap_or_else(|| panic!("{} clients.json has no {name} for {role}", self.name))
                .to_owned()
        };
        Registered {
            id: text("client_id"),
            secret: text("client_secret"),
        }
    }

    /// Forgets what the server saw of `client` (events, pets, tokens), so a
    /// test run twice against the same server starts afresh.
    async fn reset(&self, client: &Registered) {
        let response = self
            .http
            .post(format!("{}/test/reset", self.url))
            .form(&[("client_id", client.id.as_str())])
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "the {} server at {} does not answer ({e}); start it with tests/servers/start",
                    self.name, self.url
                )
            });
        assert_eq!(response.status(), 204, "reset {}", client.id);
    }

    async fn events(&self, client: &Registered) -> Events {
        let body = self
            .http
            .get(format!("{}/test/events", self.url))
            .query(&[("client_id", client.id.as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut body: Value = serde_json::from_str(&body).unwrap();
        let mut take = |name: &str| match body[name].take() {
            Value::Array(events) => events,
            other => panic!("{name}: {other}"),
        };
        Events {
            tokens: take("token_requests"),
            api: take("api_requests"),
        }
    }

    /// Token requests per grant type, from the server's counters.
    async fn token_counts(&self, client: &Registered) -> Value {
        let body = self
            .http
            .get(format!("{}/test/counters", self.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let counters: Value = serde_json::from_str(&body).unwrap();
        counters[&client.id]["token_requests"].clone()
    }

    /// A token request sent by hand, with `authorization` as the
    /// Authorization header: the answer's status and JSON body.
    async fn token_request(
        &self,
        authorization: Option<String>,
        form: Vec<(&'static str, String)>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/oauth/token", self.url))
            .form(&form);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        (status, body)
    }

    fn builder(&self) -> runtime::ClientBuilder<Client> {
        Client::builder().base_url(format!("{}/api", self.url))
    }

    fn client(&self, credential: OAuth2) -> Client {
        self.builder().auth(credential).build().unwrap()
    }

    /// A client whose token expiry follows a clock the test moves.
    fn clocked_client(&self, credential: OAuth2) -> (Client, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new());
        let client = self
            .builder()
            .auth(credential)
            .clock(clock.clone())
            .build()
            .unwrap();
        (client, clock)
    }
}

fn client_credentials(client: &Registered, method: ClientAuthMethod) -> OAuth2 {
    auth::Oauth::client_credentials(client.id.clone(), client.secret.clone()).client_auth(method)
}

fn password(client: &Registered, method: ClientAuthMethod) -> OAuth2 {
    let (username, password) = alice();
    auth::Oauth::password(client.id.clone(), client.secret.clone(), username, password)
        .client_auth(method)
}

fn seeded_pets() -> Vec<types::Pet> {
    vec![
        types::Pet {
            id: 1,
            name: "Rex".into(),
            tag: Some(types::PetTag::Dog),
        },
        types::Pet {
            id: 2,
            name: "Tom".into(),
            tag: Some(types::PetTag::Cat),
        },
    ]
}

fn kit() -> types::NewPet {
    types::NewPet {
        name: "Kit".into(),
        tag: Some(types::NewPetTag::Cat),
    }
}

/// RFC 6749 §2.3.1 as the runtime does it: every byte but alphanumerics and
/// `*-._` percent-encoded, space as `%20`.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Encodes a client id or secret for a Basic header.
type Encoder = fn(&str) -> String;

/// HTML form encoding: space as `+`.
fn plus(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn basic_header(id: &str, secret: &str) -> String {
    let pair = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[tokio::test]
async fn client_credentials_with_basic_authentication() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // An id with a space, `:` and `/`, a secret with reserved characters,
    // a space and a non-ASCII letter.
    let registered = server.registered("basic");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Basic));

    let pets = client.list_pets().limit(1).send().await.unwrap();
    assert_eq!(pets, seeded_pets()[..1]);

    let events = server.events(&registered).await;
    assert_eq!(
        pick(
            &events.tokens,
            &[
                "grant_type",
                "client_auth",
                "scope",
                "status",
                "granted_scope"
            ]
        ),
        [json!({
            "grant_type": "client_credentials",
            "client_auth": "client_secret_basic",
            "scope": "read",
            "status": 200,
            "granted_scope": "read",
        })]
    );
    assert_eq!(
        pick(
            &events.api,
            &["method", "path", "query", "status", "token_scope"]
        ),
        [json!({
            "method": "GET",
            "path": "/api/pets",
            "query": "limit=1",
            "status": 200,
            "token_scope": "read",
        })]
    );
    assert_eq!(
        server.token_counts(&registered).await,
        json!({ "client_credentials": 1 })
    );
}

#[tokio::test]
async fn client_credentials_with_request_body_authentication() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let registered = server.registered("post");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Body));

    let created = client.create_pet(kit()).send().await.unwrap();
    assert_eq!(
        created,
        types::Pet {
            id: 3,
            name: "Kit".into(),
            tag: Some(types::PetTag::Cat),
        }
    );
    let pets = client.list_pets().send().await.unwrap();
    assert_eq!(pets.len(), 3);
    assert_eq!(pets[2], created);

    let events = server.events(&registered).await;
    assert_eq!(
        pick(
            &events.tokens,
            &["grant_type", "client_auth", "scope", "status"]
        ),
        [
            json!({ "grant_type": "client_credentials", "client_auth": "client_secret_post", "scope": "write", "status": 200 }),
            json!({ "grant_type": "client_credentials", "client_auth": "client_secret_post", "scope": "read", "status": 200 }),
        ]
    );
    assert_eq!(
        pick(&events.api, &["method", "status", "token_scope"]),
        [
            json!({ "method": "POST", "status": 201, "token_scope": "write" }),
            json!({ "method": "GET", "status": 200, "token_scope": "read" }),
        ]
    );
}

#[tokio::test]
async fn automatic_client_authentication_falls_back_to_the_body_and_remembers_it() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // Registered for client_secret_post only: Authlib refuses its Basic
    // header with 401 invalid_client.
    let registered = server.registered("auto-post");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Auto));

    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
    assert_eq!(client.create_pet(kit()).send().await.unwrap().id, 3);

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["client_auth", "scope", "status", "error"]),
        [
            json!({ "client_auth": "client_secret_basic", "scope": "read", "status": 401, "error": "invalid_client" }),
            json!({ "client_auth": "client_secret_post", "scope": "read", "status": 200, "error": null }),
            // Remembered: the second scope goes straight to the body.
            json!({ "client_auth": "client_secret_post", "scope": "write", "status": 200, "error": null }),
        ]
    );
    assert_eq!(statuses(&events.api), [200, 201]);
}

#[tokio::test]
async fn automatic_client_authentication_keeps_basic_when_it_works() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let registered = server.registered("auto-basic");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Auto));

    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
    assert_eq!(client.create_pet(kit()).send().await.unwrap().id, 3);

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["client_auth", "scope", "status"]),
        [
            json!({ "client_auth": "client_secret_basic", "scope": "read", "status": 200 }),
            json!({ "client_auth": "client_secret_basic", "scope": "write", "status": 200 }),
        ]
    );
    assert_eq!(statuses(&events.api), [200, 201]);
}

/// What the other tests rely on: the server refuses what it should, so a
/// passing test means the client did it right.
#[tokio::test]
async fn the_server_is_strict_about_client_authentication_and_tokens() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let registered = server.registered("raw");
    server.reset(&registered).await;
    let token_request = |authorization, form| server.token_request(authorization, form);
    let grant = || vec![("grant_type", "client_credentials".to_owned())];

    // Space as `+` (HTML form encoding) is not decoded back to a space.
    let (status, body) = token_request(
        Some(basic_header(
            &plus(&registered.id),
            &plus(&registered.secret),
        )),
        grant(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // A Basic-only client's secret in the body is refused.
    let mut form = grant();
    form.push(("client_id", registered.id.clone()));
    form.push(("client_secret", registered.secret.clone()));
    let (status, body) = token_request(None, form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // RFC 6749 §2.3.1 with `%20` is accepted, for exactly the scope asked.
    let mut form = grant();
    form.push(("scope", "read".to_owned()));
    let (status, body) = token_request(
        Some(basic_header(
            &percent_encode(&registered.id),
            &percent_encode(&registered.secret),
        )),
        form,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read");
    let token = body["access_token"].as_str().unwrap().to_owned();

    let pets_url = format!("{}/api/pets", server.url);
    let call = |request: runtime::reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    assert_eq!(call(server.http.get(&pets_url)).await, 401);
    assert_eq!(
        call(server.http.get(&pets_url).bearer_auth("not-a-token")).await,
        401
    );
    assert_eq!(
        call(server.http.get(&pets_url).bearer_auth(&token)).await,
        200
    );
    // A token without scope write cannot create.
    assert_eq!(
        call(
            server
                .http
                .post(&pets_url)
                .bearer_auth(&token)
                .json(&json!({ "name": "Kit" }))
        )
        .await,
        403
    );

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["client_auth", "status", "error"]),
        [
            json!({ "client_auth": "client_secret_basic", "status": 401, "error": "invalid_client" }),
            json!({ "client_auth": "client_secret_post", "status": 401, "error": "invalid_client" }),
            json!({ "client_auth": "client_secret_basic", "status": 200, "error": null }),
        ]
    );
    assert_eq!(
        pick(&events.api, &["method", "status", "error"]),
        [
            json!({ "method": "GET", "status": 200, "error": null }),
            json!({ "method": "POST", "status": 403, "error": "insufficient_scope" }),
        ]
    );
}

#[tokio::test]
async fn password_grant() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let registered = server.registered("password");
    server.reset(&registered).await;
    let client = server.client(password(&registered, ClientAuthMethod::Basic));

    // whoAmI declares no scope: none is asked for, and Authlib grants the
    // client's registered ones.
    let identity = client.who_am_i().send().await.unwrap();
    assert_eq!(
        identity,
        types::Identity {
            client_id: registered.id.clone(),
            username: Some("alice".into()),
            scope: "read write".into(),
            grant_type: "password".into(),
        }
    );
    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());

    let events = server.events(&registered).await;
    assert_eq!(
        pick(
            &events.tokens,
            &[
                "grant_type",
                "client_auth",
                "username",
                "scope",
                "status",
                "refresh_token_issued"
            ]
        ),
        [
            json!({ "grant_type": "password", "client_auth": "client_secret_basic", "username": "alice", "scope": null, "status": 200, "refresh_token_issued": true }),
            json!({ "grant_type": "password", "client_auth": "client_secret_basic", "username": "alice", "scope": "read", "status": 200, "refresh_token_issued": true }),
        ]
    );
    assert_eq!(
        pick(&events.api, &["path", "status", "username", "token_scope"]),
        [
            json!({ "path": "/api/me", "status": 200, "username": "alice", "token_scope": "read write" }),
            json!({ "path": "/api/pets", "status": 200, "username": "alice", "token_scope": "read" }),
        ]
    );
}

#[tokio::test]
async fn refresh_tokens_are_used_and_rotated() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // The server rotates refresh tokens: each refresh revokes the refresh
    // and access tokens it replaces, and a replayed one revokes the grant.
    let registered = server.registered("rotation");
    server.reset(&registered).await;
    let (client, clock) = server.clocked_client(password(&registered, ClientAuthMethod::Body));

    client.list_pets().send().await.unwrap();
    let lifetime = server.events(&registered).await.tokens[0]["expires_in"]
        .as_u64()
        .unwrap();
    for _ in 0..3 {
        // Past the token's lifetime as the client sees it; the server's
        // clock has not moved, so only a refresh can explain a new token.
        clock.advance(Duration::from_secs(lifetime));
        assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
    }

    let events = server.events(&registered).await;
    assert_eq!(
        pick(
            &events.tokens,
            &[
                "grant_type",
                "client_auth",
                "refresh_token_state",
                "scope",
                "status",
                "refresh_token_issued"
            ]
        ),
        [
            json!({ "grant_type": "password", "client_auth": "client_secret_post", "refresh_token_state": null, "scope": "read", "status": 200, "refresh_token_issued": true }),
            json!({ "grant_type": "refresh_token", "client_auth": "client_secret_post", "refresh_token_state": "current", "scope": "read", "status": 200, "refresh_token_issued": true }),
            json!({ "grant_type": "refresh_token", "client_auth": "client_secret_post", "refresh_token_state": "current", "scope": "read", "status": 200, "refresh_token_issued": true }),
            json!({ "grant_type": "refresh_token", "client_auth": "client_secret_post", "refresh_token_state": "current", "scope": "read", "status": 200, "refresh_token_issued": true }),
        ]
    );
    // Each call used the newest token: a revoked one would have been a 401.
    assert_eq!(
        pick(&events.api, &["status", "token_grant_type"]),
        [
            json!({ "status": 200, "token_grant_type": "password" }),
            json!({ "status": 200, "token_grant_type": "refresh_token" }),
            json!({ "status": 200, "token_grant_type": "refresh_token" }),
            json!({ "status": 200, "token_grant_type": "refresh_token" }),
        ]
    );
    assert_eq!(
        server.token_counts(&registered).await,
        json!({ "password": 1, "refresh_token": 3 })
    );
}

#[tokio::test]
async fn short_lived_tokens_are_renewed_before_they_expire() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // Tokens of this client live a few seconds (--short-token-lifetime);
    // the runtime renews them from half their lifetime on.
    let registered = server.registered("short-lived");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Body));

    client.list_pets().send().await.unwrap();
    let lifetime = server.events(&registered).await.tokens[0]["expires_in"]
        .as_f64()
        .unwrap();
    assert!(lifetime <= 10.0, "a short lifetime, not {lifetime} s");
    client.list_pets().send().await.unwrap();
    tokio::time::sleep(Duration::from_secs_f64(lifetime / 2.0 + 0.3)).await;
    client.list_pets().send().await.unwrap();

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["grant_type", "status"]),
        [
            json!({ "grant_type": "client_credentials", "status": 200 }),
            json!({ "grant_type": "client_credentials", "status": 200 }),
        ]
    );
    // Renewed in time: the server never saw an expired token.
    assert_eq!(statuses(&events.api), [200, 200, 200]);
}

#[tokio::test]
async fn a_token_the_server_expired_is_renewed_after_a_401_and_the_call_retried_once() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // The client's clock stands still, so it believes its token fresh; the
    // server's short lifetime runs out in real time.
    let registered = server.registered("password-expiry");
    server.reset(&registered).await;
    let (client, _clock) = server.clocked_client(password(&registered, ClientAuthMethod::Basic));

    client.list_pets().send().await.unwrap();
    let lifetime = server.events(&registered).await.tokens[0]["expires_in"]
        .as_f64()
        .unwrap();
    assert!(lifetime <= 10.0, "a short lifetime, not {lifetime} s");
    tokio::time::sleep(Duration::from_secs_f64(lifetime + 0.5)).await;
    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.api, &["status", "error", "token_grant_type"]),
        [
            json!({ "status": 200, "error": null, "token_grant_type": "password" }),
            json!({ "status": 401, "error": "invalid_token", "token_grant_type": "password" }),
            json!({ "status": 200, "error": null, "token_grant_type": "refresh_token" }),
        ]
    );
    // The rejected token was renewed with its refresh token.
    assert_eq!(
        pick(
            &events.tokens,
            &["grant_type", "refresh_token_state", "status"]
        ),
        [
            json!({ "grant_type": "password", "refresh_token_state": null, "status": 200 }),
            json!({ "grant_type": "refresh_token", "refresh_token_state": "current", "status": 200 }),
        ]
    );
}

#[tokio::test]
async fn each_operation_gets_a_token_with_exactly_its_scopes() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // The client may have read, write and admin; the server answers 403
    // when a token lacks an operation's scope.
    let registered = server.registered("scopes");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Basic));

    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
    let created = client.create_pet(kit()).send().await.unwrap();
    client.delete_pet(created.id).send().await.unwrap();
    let error = client.get_pet(created.id).send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error:?}");
    let identity = client.who_am_i().send().await.unwrap();
    assert_eq!(identity.scope, "read write admin");
    assert_eq!(identity.username, None);

    let events = server.events(&registered).await;
    // One token per scope set, in the order first needed; getPet reuses
    // listPets' token.
    assert_eq!(
        pick(&events.tokens, &["scope", "granted_scope", "status"]),
        [
            json!({ "scope": "read", "granted_scope": "read", "status": 200 }),
            json!({ "scope": "write", "granted_scope": "write", "status": 200 }),
            json!({ "scope": "admin write", "granted_scope": "admin write", "status": 200 }),
            json!({ "scope": null, "granted_scope": "read write admin", "status": 200 }),
        ]
    );
    assert_eq!(
        pick(&events.api, &["method", "path", "status", "token_scope"]),
        [
            json!({ "method": "GET", "path": "/api/pets", "status": 200, "token_scope": "read" }),
            json!({ "method": "POST", "path": "/api/pets", "status": 201, "token_scope": "write" }),
            json!({ "method": "DELETE", "path": "/api/pets/3", "status": 204, "token_scope": "admin write" }),
            json!({ "method": "GET", "path": "/api/pets/3", "status": 404, "token_scope": "read" }),
            json!({ "method": "GET", "path": "/api/me", "status": 200, "token_scope": "read write admin" }),
        ]
    );
}

#[tokio::test]
async fn a_scope_the_client_lacks_is_refused_by_the_token_endpoint() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let registered = server.registered("read-only");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Basic));

    let error = client.create_pet(kit()).send().await.unwrap_err();
    assert!(matches!(error, Error::Token { .. }), "{error:?}");
    let oauth2 = error.oauth2_error().expect("an OAuth2 error response");
    assert_eq!(
        (oauth2.error.as_str(), oauth2.status.as_u16()),
        ("invalid_scope", 400)
    );
    // The refusal does not spoil the client's other operations.
    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["scope", "status", "error"]),
        [
            json!({ "scope": "write", "status": 400, "error": "invalid_scope" }),
            json!({ "scope": "read", "status": 200, "error": null }),
        ]
    );
    assert_eq!(
        pick(&events.api, &["method", "status"]),
        [json!({ "method": "GET", "status": 200 })]
    );
}

#[tokio::test]
async fn concurrent_calls_on_a_cold_cache_make_one_token_request() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    const CALLS: usize = 40;
    let registered = server.registered("cold-cache");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Basic));

    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_pets().send().await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), seeded_pets());
    }

    assert_eq!(
        server.token_counts(&registered).await,
        json!({ "client_credentials": 1 })
    );
    let events = server.events(&registered).await;
    assert_eq!(statuses(&events.api), [200; CALLS]);
}

#[tokio::test]
async fn oidc_provider_client_credentials_with_basic_authentication() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    // Reserved characters and spaces in the id and the secret, which
    // oidc-provider refuses unless they are encoded.
    let registered = server.registered("basic");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Basic));

    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
    let created = client.create_pet(kit()).send().await.unwrap();
    assert_eq!((created.id, created.name.as_str()), (3, "Kit"));

    let events = server.events(&registered).await;
    assert_eq!(
        pick(
            &events.tokens,
            &[
                "grant_type",
                "client_auth",
                "scope",
                "status",
                "granted_scope"
            ]
        ),
        [
            json!({ "grant_type": "client_credentials", "client_auth": "client_secret_basic", "scope": "read", "status": 200, "granted_scope": "read" }),
            json!({ "grant_type": "client_credentials", "client_auth": "client_secret_basic", "scope": "write", "status": 200, "granted_scope": "write" }),
        ]
    );
    assert_eq!(
        pick(&events.api, &["method", "status", "token_scope"]),
        [
            json!({ "method": "GET", "status": 200, "token_scope": "read" }),
            json!({ "method": "POST", "status": 201, "token_scope": "write" }),
        ]
    );
    assert_eq!(
        server.token_counts(&registered).await,
        json!({ "client_credentials": 2 })
    );
}

#[tokio::test]
async fn oidc_provider_client_credentials_with_request_body_authentication() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    let registered = server.registered("post");
    server.reset(&registered).await;
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Body));

    assert_eq!(
        client.list_pets().limit(5).send().await.unwrap(),
        seeded_pets()
    );

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["client_auth", "scope", "status"]),
        [json!({ "client_auth": "client_secret_post", "scope": "read", "status": 200 })]
    );
    assert_eq!(statuses(&events.api), [200]);
}

/// The same Basic credentials, encoded three ways, against both servers:
/// only RFC 6749 §2.3.1 with `%20`, what the runtime sends, works with both.
/// oidc-provider refuses an unencoded `%` (400 invalid_request) and reads
/// `+` as a space; Authlib takes the unencoded secret as it is and keeps
/// `+` (401 invalid_client).
#[tokio::test]
async fn authlib_and_oidc_provider_decode_basic_credentials_differently() {
    let (Some(oidc), Some(authlib)) = (Peer::oidc(), Peer::authlib()) else {
        return;
    };
    let grant = || vec![("grant_type", "client_credentials".to_owned())];
    let mut answers = Vec::new();
    // Both clients' secret is `raw s3cret 100%`.
    for (server, role) in [(&oidc, "raw"), (&authlib, "interop")] {
        let registered = server.registered(role);
        server.reset(&registered).await;
        let encodings: [(&str, Encoder); 3] = [
            ("unencoded", str::to_owned),
            ("space as +", plus),
            ("RFC 6749", percent_encode),
        ];
        let mut sent = Vec::new();
        for (encoding, encode) in encodings {
            let header = basic_header(&encode(&registered.id), &encode(&registered.secret));
            let (status, body) = server.token_request(Some(header), grant()).await;
            sent.push(u64::from(status));
            answers.push(json!({
                "server": server.name,
                "encoding": encoding,
                "status": status,
                "error": body["error"],
            }));
        }
        // Then the runtime's own Basic header.
        let client = server.client(client_credentials(&registered, ClientAuthMethod::Basic));
        assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
        sent.push(200);

        let events = server.events(&registered).await;
        assert_eq!(statuses(&events.tokens), sent, "{}", server.name);
        assert_eq!(statuses(&events.api), [200], "{}", server.name);
    }
    assert_eq!(
        answers,
        [
            json!({ "server": "oidc", "encoding": "unencoded", "status": 400, "error": "invalid_request" }),
            json!({ "server": "oidc", "encoding": "space as +", "status": 200, "error": null }),
            json!({ "server": "oidc", "encoding": "RFC 6749", "status": 200, "error": null }),
            json!({ "server": "authlib", "encoding": "unencoded", "status": 200, "error": null }),
            json!({ "server": "authlib", "encoding": "space as +", "status": 401, "error": "invalid_client" }),
            json!({ "server": "authlib", "encoding": "RFC 6749", "status": 200, "error": null }),
        ]
    );
}
