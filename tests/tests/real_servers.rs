//! A generated client (from `fixtures/authlib-api.yaml`) against real
//! authorization servers and protected APIs on 127.0.0.1, started by
//! `servers/start`: one written with Authlib (`servers/authlib/`),
//! oidc-provider (`servers/oidc/`), and Prism mocking the document and
//! validating requests against it (`servers/prism/`). Every test asserts on
//! what the server saw (its `/test/events` for the test's own registered
//! client) and on what the client returned.
//!
//! The user's part of the authorization code and device flows is played by
//! [`Browser`], which clicks through oidc-provider's development
//! interactions over plain HTTP.
//!
//! The servers' base URLs come from the file `E2E_SERVERS` names, which
//! `scripts/test` sets. Without it these tests say they skipped, except in
//! CI (`CI=true`), where they fail.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use integration_tests::authlib_api::{auth, types, Client};
use integration_tests::workspace_root;
use runtime::auth::{ClientAuthMethod, OAuth2};
use runtime::clock::{Clock, ManualClock, Sleep};
use runtime::discovery::Discovery;
use runtime::{Error, SigningKey};
use serde_json::{json, Value};
use url::Url;

/// A test server of this run.
struct Peer {
    name: &'static str,
    url: String,
    http: runtime::reqwest::Client,
    /// Where `servers/start` wrote the test-only private keys.
    keys: Option<PathBuf>,
}

/// A client registered in `servers/<peer>/clients.json`.
struct Registered {
    id: String,
    /// Empty for clients without a secret.
    secret: String,
    /// Everything clients.json says of it.
    spec: Value,
}

impl Registered {
    fn redirect_uri(&self) -> String {
        self.spec["redirect_uris"][0].as_str().unwrap().to_owned()
    }
}

/// What the server recorded for one client, oldest first.
struct Events {
    tokens: Vec<Value>,
    api: Vec<Value>,
    /// Authorization requests that ended in a redirect to the client.
    authorizations: Vec<Value>,
    discovery: Vec<Value>,
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

    /// Prism, mocking `fixtures/authlib-api.yaml`.
    fn prism() -> Option<Peer> {
        Peer::connect("prism", "PRISM_URL")
    }

    /// Prism, mocking `fixtures/operations.yaml`.
    fn prism_operations() -> Option<Peer> {
        Peer::connect("prism", "PRISM_OPERATIONS_URL")
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
            keys: vars.get("E2E_KEYS").map(PathBuf::from),
        })
    }

    /// The id and secret of the client registered for `role`.
    fn registered(&self, role: &str) -> Registered {
        let registry = registry(self.name);
        let client = &registry["clients"][role];
        let id = client["client_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{} clients.json has no client {role}", self.name));
        Registered {
            id: id.to_owned(),
            secret: client["client_secret"].as_str().unwrap_or("").to_owned(),
            spec: client.clone(),
        }
    }

    /// A test-only private key `servers/start` generated (`rs256`, `es256`).
    fn signing_key(&self, name: &str) -> SigningKey {
        let keys = self.keys.as_ref().expect("E2E_KEYS in the servers file");
        let path = keys.join(format!("{name}.pem"));
        let pem = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        SigningKey::from_pkcs8_pem(&pem).unwrap()
    }

    /// Forgets what the server saw of `client` (events, pets, tokens), so a
    /// test run twice against the same server starts afresh.
    async fn reset(&self, client: &Registered) {
        self.reset_id(&client.id).await;
    }

    /// Forgets what the server saw under `client_id`, which may be a caller
    /// that is no registered client (`anonymous:<name>`, `(discovery)`).
    async fn reset_id(&self, client_id: &str) {
        let response = self
            .http
            .post(format!("{}/test/reset", self.url))
            .form(&[("client_id", client_id)])
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "the {} server at {} does not answer ({e}); start it with tests/servers/start",
                    self.name, self.url
                )
            });
        assert_eq!(response.status(), 204, "reset {client_id}");
    }

    async fn events(&self, client: &Registered) -> Events {
        self.events_of(&client.id).await
    }

    async fn events_of(&self, client_id: &str) -> Events {
        let body = self
            .http
            .get(format!("{}/test/events", self.url))
            .query(&[("client_id", client_id)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut body: Value = serde_json::from_str(&body).unwrap();
        let mut take = |name: &str| match body[name].take() {
            Value::Array(events) => events,
            // Kinds a server does not record.
            Value::Null => Vec::new(),
            other => panic!("{name}: {other}"),
        };
        Events {
            tokens: take("token_requests"),
            api: take("api_requests"),
            authorizations: take("authorization_requests"),
            discovery: take("discovery_requests"),
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
        // listPets needs `read`, which the first token was granted: it is
        // reused, not fetched again.
        [
            json!({ "grant_type": "password", "client_auth": "client_secret_basic", "username": "alice", "scope": null, "status": 200, "refresh_token_issued": true }),
        ]
    );
    assert_eq!(
        pick(&events.api, &["path", "status", "username", "token_scope"]),
        [
            json!({ "path": "/api/me", "status": 200, "username": "alice", "token_scope": "read write" }),
            json!({ "path": "/api/pets", "status": 200, "username": "alice", "token_scope": "read write" }),
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

// --- the user's part: oidc-provider's development interactions -------------

/// Where [`Browser::click_through`] ended.
#[derive(Debug)]
enum Arrival {
    /// A redirect to the URL it was told to stop at (the client's
    /// redirect_uri), not followed.
    Redirected(Url),
    /// A page without a form.
    Page { url: Url, body: String },
}

/// A browser without JavaScript: it follows redirects by hand, keeps
/// cookies, and submits the first form of each page, signing in as `alice`
/// where a page asks for a login, as a user clicking "Continue" would.
struct Browser {
    http: runtime::reqwest::Client,
    cookies: Vec<(String, String)>,
    visited: Vec<String>,
}

impl Browser {
    fn new() -> Self {
        let http = runtime::reqwest::Client::builder()
            .redirect(runtime::reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            http,
            cookies: Vec::new(),
            visited: Vec::new(),
        }
    }

    fn keep_cookie(&mut self, set_cookie: &str) {
        let pair = set_cookie.split(';').next().unwrap_or_default();
        let Some((name, value)) = pair.split_once('=') else {
            return;
        };
        let cleared = set_cookie
            .to_ascii_lowercase()
            .contains("expires=thu, 01 jan 1970");
        self.cookies.retain(|(kept, _)| kept != name);
        if !value.is_empty() && !cleared {
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    /// Opens `start` and clicks through until a redirect to a URL starting
    /// with `until`, or a page without a form.
    async fn click_through(&mut self, start: &str, until: &str) -> Arrival {
        let mut url = Url::parse(start).unwrap();
        let mut form: Option<Vec<(String, String)>> = None;
        for _ in 0..20 {
            self.visited.push(format!(
                "{} {url}",
                if form.is_some() { "POST" } else { "GET" }
            ));
            let mut request = match form.take() {
                Some(fields) => self.http.post(url.clone()).form(&fields),
                None => self.http.get(url.clone()),
            };
            if !self.cookies.is_empty() {
                let cookies: Vec<String> = self
                    .cookies
                    .iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect();
                request = request.header("cookie", cookies.join("; "));
            }
            let response = request.send().await.unwrap();
            for value in response.headers().get_all("set-cookie") {
                self.keep_cookie(value.to_str().unwrap());
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()["location"].to_str().unwrap();
                let target = url.join(location).unwrap();
                if target.as_str().starts_with(until) {
                    return Arrival::Redirected(target);
                }
                url = target;
                continue;
            }
            let body = response.text().await.unwrap();
            assert!(
                status.is_success(),
                "{status} at {url} after {:?}: {body}",
                self.visited
            );
            let Some((action, mut fields)) = first_form(&body) else {
                return Arrival::Page { url, body };
            };
            for (name, value) in &mut fields {
                match name.as_str() {
                    "login" => *value = "alice".to_owned(),
                    "password" => *value = "any password will do".to_owned(),
                    _ => {}
                }
            }
            url = url.join(&action).unwrap();
            form = Some(fields);
        }
        panic!("still clicking after 20 pages: {:?}", self.visited);
    }
}

/// The action and the named inputs of an HTML page's first form.
fn first_form(html: &str) -> Option<(String, Vec<(String, String)>)> {
    let start = html.find("<form")?;
    let end = html[start..]
        .find("</form>")
        .map_or(html.len(), |e| start + e);
    let form = &html[start..end];
    let tag = &form[..form.find('>')?];
    let action = attribute(tag, "action").unwrap_or_default();
    let fields = form
        .match_indices("<input")
        .filter_map(|(at, _)| {
            let input = &form[at..];
            let input = &input[..input.find('>').unwrap_or(input.len())];
            let name = attribute(input, "name")?;
            Some((name, attribute(input, "value").unwrap_or_default()))
        })
        .collect();
    Some((action, fields))
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag
        .match_indices(&format!("{name}=\""))
        .find(|(at, _)| tag[..*at].ends_with(char::is_whitespace))
        .map(|(at, _)| at + name.len() + 2)?;
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Plays alice at oidc-provider for the authorization request at `url`:
/// signs in, consents, and returns the query of the redirect to
/// `redirect_uri` (`code`, `state`, `iss`).
async fn authorize_as_alice(url: &str, redirect_uri: &str) -> HashMap<String, String> {
    match Browser::new().click_through(url, redirect_uri).await {
        Arrival::Redirected(to) => to.query_pairs().into_owned().collect(),
        Arrival::Page { url, body } => {
            panic!("no redirect to {redirect_uri}; the last page, {url}: {body}")
        }
    }
}

/// The S256 PKCE challenge of `verifier`, computed here rather than by the
/// runtime.
fn s256(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// A clock whose waits pass quickly: each moves it by the time asked and
/// takes 100 ms of real time, so the device flow polls at oidc-provider's
/// 5-second interval as the client sees it, twenty times faster.
#[derive(Debug, Default)]
struct FastClock(ManualClock);

impl Clock for FastClock {
    fn now(&self) -> Instant {
        self.0.now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        self.0.advance(duration);
        Box::pin(tokio::time::sleep(Duration::from_millis(100)))
    }
}

fn authorization_code(server: &Peer, registered: &Registered) -> OAuth2 {
    OAuth2::authorization_code(
        auth::Oauth::NAME,
        format!("{}/auth", server.url),
        "/oauth/token",
        registered.id.clone(),
        registered.redirect_uri(),
    )
}

#[tokio::test]
async fn oidc_provider_authorization_code_with_pkce() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    // A public client: PKCE is all that binds the code to this client.
    let registered = server.registered("code");
    server.reset(&registered).await;
    let redirect_uri = registered.redirect_uri();
    let credential = authorization_code(&server, &registered).scopes(["read", "write"]);

    // A code redeemed with another authorization's verifier is refused.
    let first = credential.authorize().unwrap();
    let redirect = authorize_as_alice(first.url(), &redirect_uri).await;
    assert_eq!(redirect["state"], first.state());
    assert_eq!(redirect["iss"], server.url);
    let other = credential.authorize().unwrap();
    assert_ne!(other.state(), first.state());
    let other_state = other.state().to_owned();
    let mismatched = credential
        .clone()
        .finish_authorization(other, redirect["code"].clone(), &other_state)
        .unwrap();
    let error = server
        .client(mismatched)
        .list_pets()
        .send()
        .await
        .unwrap_err();
    let oauth2 = error.oauth2_error().expect("an OAuth2 error response");
    assert_eq!(
        (oauth2.error.as_str(), oauth2.status.as_u16()),
        ("invalid_grant", 400)
    );

    // A redirect whose state is not the pending one is refused here.
    let pending = credential.authorize().unwrap();
    let redirect = authorize_as_alice(pending.url(), &redirect_uri).await;
    let forged = credential
        .clone()
        .finish_authorization(pending, redirect["code"].clone(), "forged")
        .unwrap_err();
    assert!(matches!(forged, Error::Authorization(_)), "{forged:?}");

    // The code with its own verifier: one token, for every operation.
    let pending = credential.authorize().unwrap();
    let redirect = authorize_as_alice(pending.url(), &redirect_uri).await;
    let credential = credential
        .finish_authorization(pending, redirect["code"].clone(), &redirect["state"])
        .unwrap();
    let client = server.client(credential);
    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
    assert_eq!(client.create_pet(kit()).send().await.unwrap().id, 3);

    let events = server.events(&registered).await;
    assert_eq!(
        pick(
            &events.authorizations,
            &[
                "response_type",
                "scope",
                "state_sent",
                "code_challenge_method",
                "account_id",
                "error"
            ]
        ),
        vec![
            json!({ "response_type": "code", "scope": "read write", "state_sent": true, "code_challenge_method": "S256", "account_id": "alice", "error": null });
            3
        ]
    );
    assert_eq!(
        pick(
            &events.tokens,
            &[
                "grant_type",
                "client_auth",
                "code_verifier_sent",
                "status",
                "error",
                "error_detail"
            ]
        ),
        [
            json!({ "grant_type": "authorization_code", "client_auth": "none", "code_verifier_sent": true, "status": 400, "error": "invalid_grant", "error_detail": "code_verifier does not match code_challenge" }),
            json!({ "grant_type": "authorization_code", "client_auth": "none", "code_verifier_sent": true, "status": 200, "error": null, "error_detail": null }),
        ]
    );
    assert_eq!(
        pick(
            &events.api,
            &["method", "status", "token_grant_type", "account_id"]
        ),
        [
            json!({ "method": "GET", "status": 200, "token_grant_type": "authorization_code", "account_id": "alice" }),
            json!({ "method": "POST", "status": 201, "token_grant_type": "authorization_code", "account_id": "alice" }),
        ]
    );
}

#[tokio::test]
async fn oidc_provider_rotates_refresh_tokens_and_the_client_never_replays_one() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    // A confidential client, its secret in the body. oidc-provider issues a
    // refresh token for offline_access (granted on a consent prompt) and
    // replaces it on every use.
    let registered = server.registered("rotation");
    server.reset(&registered).await;
    let credential = authorization_code(&server, &registered)
        .client_secret(registered.secret.clone())
        .client_auth(ClientAuthMethod::Body)
        .scopes(["offline_access", "read", "write"])
        .authorization_param("prompt", "consent");
    let pending = credential.authorize().unwrap();
    let redirect = authorize_as_alice(pending.url(), &registered.redirect_uri()).await;
    let credential = credential
        .finish_authorization(pending, redirect["code"].clone(), &redirect["state"])
        .unwrap();
    let (client, clock) = server.clocked_client(credential);

    client.list_pets().send().await.unwrap();
    let lifetime = server.events(&registered).await.tokens[0]["expires_in"]
        .as_u64()
        .unwrap();
    for _ in 0..3 {
        // Expired as the client sees it; the server's clock has not moved.
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
                "status",
                "refresh_token_state",
                "rotated"
            ]
        ),
        [
            json!({ "grant_type": "authorization_code", "client_auth": "client_secret_post", "status": 200, "refresh_token_state": null, "rotated": null }),
            json!({ "grant_type": "refresh_token", "client_auth": "client_secret_post", "status": 200, "refresh_token_state": "current", "rotated": true }),
            json!({ "grant_type": "refresh_token", "client_auth": "client_secret_post", "status": 200, "refresh_token_state": "current", "rotated": true }),
            json!({ "grant_type": "refresh_token", "client_auth": "client_secret_post", "status": 200, "refresh_token_state": "current", "rotated": true }),
        ]
    );
    // Each refresh presented the refresh token the previous answer issued.
    let issued: Vec<&Value> = events
        .tokens
        .iter()
        .map(|e| &e["refresh_token_issued"])
        .collect();
    let presented: Vec<&Value> = events.tokens[1..]
        .iter()
        .map(|e| &e["refresh_token_presented"])
        .collect();
    assert!(issued.iter().all(|t| t.is_string()), "{issued:?}");
    assert_eq!(presented, issued[..3]);
    assert_eq!(
        pick(&events.api, &["status", "account_id", "token_scope"]),
        vec![
            json!({ "status": 200, "account_id": "alice", "token_scope": "offline_access read write" });
            4
        ]
    );
}

/// What the rotation test relies on: oidc-provider notices a rotated-out
/// refresh token coming back and revokes the whole grant, so a client that
/// replayed one would fail.
#[tokio::test]
async fn oidc_provider_revokes_the_grant_when_a_rotated_out_refresh_token_comes_back() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    let registered = server.registered("replay");
    server.reset(&registered).await;
    let redirect_uri = registered.redirect_uri();
    // Everything by hand here, PKCE included.
    let verifier = "e2e-replay-test-verifier.0123456789~abcdefghijklmnopqrstuvwxyz";
    let mut url = Url::parse(&format!("{}/auth", server.url)).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &registered.id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", "offline_access read")
        .append_pair("prompt", "consent")
        .append_pair("state", "by-hand")
        .append_pair("code_challenge", &s256(verifier))
        .append_pair("code_challenge_method", "S256");
    let redirect = authorize_as_alice(url.as_str(), &redirect_uri).await;
    assert_eq!(redirect["state"], "by-hand");

    let form = |pairs: &[(&'static str, &str)]| {
        let mut form: Vec<(&'static str, String)> = pairs
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect();
        form.push(("client_id", registered.id.clone()));
        form
    };
    let (status, body) = server
        .token_request(
            None,
            form(&[
                ("grant_type", "authorization_code"),
                ("code", &redirect["code"]),
                ("redirect_uri", &redirect_uri),
                ("code_verifier", verifier),
            ]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let first = body["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: String| {
        server.token_request(
            None,
            form(&[("grant_type", "refresh_token"), ("refresh_token", &token)]),
        )
    };
    let (status, body) = refresh(first.clone()).await;
    assert_eq!(status, 200, "{body}");
    let second = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first, "rotated");
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    let pets = format!("{}/api/pets", server.url);
    let call = |token: String| {
        let request = server.http.get(&pets).bearer_auth(token);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(call(access_token.clone()).await, 200);

    // The first one again: refused, and the grant is gone.
    let (status, body) = refresh(first).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = refresh(second).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(call(access_token).await, 401);

    let events = server.events(&registered).await;
    assert_eq!(
        pick(
            &events.tokens,
            &[
                "grant_type",
                "status",
                "refresh_token_state",
                "error_detail"
            ]
        ),
        [
            json!({ "grant_type": "authorization_code", "status": 200, "refresh_token_state": null, "error_detail": null }),
            json!({ "grant_type": "refresh_token", "status": 200, "refresh_token_state": "current", "error_detail": null }),
            json!({ "grant_type": "refresh_token", "status": 400, "refresh_token_state": "replayed", "error_detail": "refresh token already used" }),
            json!({ "grant_type": "refresh_token", "status": 400, "refresh_token_state": "unknown", "error_detail": "refresh token not found" }),
        ]
    );
}

#[tokio::test]
async fn oidc_provider_device_flow_polls_until_the_user_approves() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    let registered = server.registered("device");
    server.reset(&registered).await;
    let credential = OAuth2::device_authorization(
        auth::Oauth::NAME,
        "/device/auth",
        "/oauth/token",
        registered.id.clone(),
    )
    .scopes(["read", "write"]);
    let client = server
        .builder()
        .auth(credential)
        .clock(Arc::new(FastClock::default()))
        .build()
        .unwrap();

    // No token before a user approved.
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

    let device = client
        .runtime()
        .start_device_authorization(auth::Oauth::NAME)
        .await
        .unwrap();
    assert_eq!(device.verification_uri(), format!("{}/device", server.url));
    let complete = device
        .verification_uri_complete()
        .expect("oidc-provider gives a complete verification URI")
        .to_owned();
    assert!(complete.contains(device.user_code()), "{complete}");
    // The user shows up a little later, while the client polls.
    let user = async {
        tokio::time::sleep(Duration::from_millis(350)).await;
        Browser::new().click_through(&complete, "-").await
    };
    let (waited, arrival) = tokio::join!(device.wait(), user);
    waited.unwrap();
    match arrival {
        Arrival::Page { body, .. } => assert!(body.contains("Sign-in Success"), "{body}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
    assert_eq!(client.create_pet(kit()).send().await.unwrap().id, 3);

    let events = server.events(&registered).await;
    let (first, rest) = events.tokens.split_first().unwrap();
    assert_eq!(
        pick(
            std::slice::from_ref(first),
            &["endpoint", "client_auth", "scope", "status"]
        ),
        [
            json!({ "endpoint": "device_authorization", "client_auth": "none", "scope": "read write", "status": 200 })
        ]
    );
    let (last, polls) = rest.split_last().unwrap();
    assert!(
        !polls.is_empty(),
        "the client polled before the user approved"
    );
    assert!(
        polls
            .iter()
            .all(|poll| poll["error"] == "authorization_pending"),
        "{polls:?}"
    );
    assert_eq!(
        pick(
            std::slice::from_ref(last),
            &["grant_type", "client_auth", "status"]
        ),
        [
            json!({ "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_auth": "none", "status": 200 })
        ]
    );
    assert_eq!(
        pick(&events.api, &["method", "status", "account_id"]),
        [
            json!({ "method": "GET", "status": 200, "account_id": "alice" }),
            json!({ "method": "POST", "status": 201, "account_id": "alice" }),
        ]
    );
}

#[tokio::test]
async fn openid_connect_discovery_finds_the_token_endpoint() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    let registered = server.registered("discovery");
    server.reset(&registered).await;
    server.reset_id("(discovery)").await;

    // The document's openIdConnect scheme; its URL is relative to the
    // server, like the base URL.
    let client = server
        .builder()
        .auth(auth::Oidc::client_credentials(
            registered.id.clone(),
            registered.secret.clone(),
        ))
        .build()
        .unwrap();
    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
    assert_eq!(
        client.list_pets().limit(1).send().await.unwrap(),
        seeded_pets()[..1]
    );
    // An issuer, and a token URL that leads nowhere: only the metadata
    // can have said where the token endpoint is.
    let issuer = OAuth2::client_credentials(
        auth::Oidc::NAME,
        "http://127.0.0.1:9/nowhere",
        registered.id.clone(),
        registered.secret.clone(),
    )
    .discovery(Discovery::Issuer(server.url.clone()));
    let client = server.builder().auth(issuer).build().unwrap();
    assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());

    // Once per client; RFC 8414's location first for an issuer.
    let discovery = server.events_of("(discovery)").await.discovery;
    assert_eq!(
        pick(&discovery, &["path", "status"]),
        [
            json!({ "path": "/.well-known/openid-configuration", "status": 200 }),
            json!({ "path": "/.well-known/oauth-authorization-server", "status": 200 }),
        ]
    );
    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["grant_type", "scope", "status"]),
        vec![json!({ "grant_type": "client_credentials", "scope": "read", "status": 200 }); 2]
    );
    assert_eq!(statuses(&events.api), [200, 200, 200]);
}

/// `private_key_jwt` with an RSA and a P-256 key: each token request
/// carries a fresh assertion; one signed with another key of the same kind
/// is refused. `refusal` is the server's reason, from its events.
async fn private_key_jwt(server: &Peer, roles: [&str; 2], refusal: &str) {
    for role in roles {
        let registered = server.registered(role);
        server.reset(&registered).await;
        let key = registered.spec["key"].as_str().unwrap();
        let credential = |key: &str| {
            auth::Oauth::client_credentials(registered.id.clone(), "")
                .private_key_jwt(server.signing_key(key))
        };
        let client = server.client(credential(key));
        assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
        assert_eq!(client.create_pet(kit()).send().await.unwrap().id, 3);

        let impostor = server.client(credential(&format!("{key}-other")));
        let error = impostor.list_pets().send().await.unwrap_err();
        let oauth2 = error.oauth2_error().expect("an OAuth2 error response");
        assert_eq!(oauth2.error, "invalid_client", "{role}");

        let events = server.events(&registered).await;
        assert_eq!(
            pick(&events.tokens, &["client_auth", "scope", "status", "error"]),
            [
                json!({ "client_auth": "private_key_jwt", "scope": "read", "status": 200, "error": null }),
                json!({ "client_auth": "private_key_jwt", "scope": "write", "status": 200, "error": null }),
                json!({ "client_auth": "private_key_jwt", "scope": "read", "status": oauth2.status.as_u16(), "error": "invalid_client" }),
            ],
            "{role}"
        );
        let reason = &events.tokens[2];
        let reason = reason["error_detail"]
            .as_str()
            .or(reason["error_description"].as_str());
        assert_eq!(reason, Some(refusal), "{role}");
        assert_eq!(statuses(&events.api), [200, 201], "{role}");
    }
}

#[tokio::test]
async fn private_key_jwt_with_authlib() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    private_key_jwt(&server, ["jwt-rs256", "jwt-es256"], "bad_signature").await;
}

#[tokio::test]
async fn private_key_jwt_with_oidc_provider() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    private_key_jwt(
        &server,
        ["jwt-es256", "jwt-rs256"],
        "signature verification failed",
    )
    .await;
}

#[tokio::test]
async fn an_api_key_in_the_query() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // Reserved characters, a space and a non-ASCII letter in the key.
    let registered = server.registered("api-key");
    server.reset(&registered).await;
    let key = registered.spec["api_key"].as_str().unwrap();
    let client = server
        .builder()
        .auth(auth::QueryKey::key(key))
        .build()
        .unwrap();

    assert_eq!(
        client.list_pets_with_key().limit(1).send().await.unwrap(),
        seeded_pets()[..1]
    );
    // Operations that need OAuth2 are not tried without it.
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
    // The server wants the key: a wrong one is refused.
    let status = server
        .http
        .get(format!("{}/api/keyed/pets", server.url))
        .query(&[("api_key", "not the key")])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.api, &["path", "query", "credential", "status"]),
        [json!({
            "path": "/api/keyed/pets",
            "query": format!("limit=1&api_key={}", plus(key)),
            "credential": "api_key",
            "status": 200,
        })]
    );
    assert!(events.tokens.is_empty());
}

#[tokio::test]
async fn a_token_in_a_custom_header_pattern() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // The scheme's x-credential-header: `X-Auth-Token: Token {token}`.
    let registered = server.registered("token-header");
    server.reset(&registered).await;
    let client = server.client(auth::TokenHeader::client_credentials(
        registered.id.clone(),
        registered.secret.clone(),
    ));

    assert_eq!(
        client.list_pets_with_token_header().send().await.unwrap(),
        seeded_pets()
    );

    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["client_auth", "scope", "status"]),
        [json!({ "client_auth": "client_secret_basic", "scope": "read", "status": 200 })]
    );
    assert_eq!(
        pick(
            &events.api,
            &["path", "x_auth_token", "authorization", "status"]
        ),
        [
            json!({ "path": "/api/token-header/pets", "x_auth_token": "Token", "authorization": null, "status": 200 })
        ]
    );

    // The server takes the token in exactly that header and pattern.
    let mut form = vec![("grant_type", "client_credentials".to_owned())];
    form.push(("scope", "read".to_owned()));
    let (status, body) = server
        .token_request(
            Some(basic_header(
                &percent_encode(&registered.id),
                &percent_encode(&registered.secret),
            )),
            form,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let url = format!("{}/api/token-header/pets", server.url);
    let status = |request: runtime::reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    assert_eq!(status(server.http.get(&url).bearer_auth(token)).await, 401);
    assert_eq!(
        status(
            server
                .http
                .get(&url)
                .header("X-Auth-Token", format!("Bearer {token}"))
        )
        .await,
        401
    );
    assert_eq!(
        status(
            server
                .http
                .get(&url)
                .header("X-Auth-Token", format!("Token {token}"))
        )
        .await,
        200
    );
}

#[tokio::test]
async fn optional_authentication_sends_a_token_only_when_configured() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // `security: [{}, {oauth: [read]}]`; anonymous calls are recorded as
    // `anonymous:<name>`.
    let registered = server.registered("greeting");
    server.reset(&registered).await;
    server.reset_id("anonymous:e2e-anonymous").await;

    let anonymous = server.builder().build().unwrap();
    assert_eq!(
        anonymous.greet("e2e-anonymous").send().await.unwrap(),
        types::Greeting {
            greeting: "Hello, e2e-anonymous".into(),
            authenticated: false,
            client_id: None,
        }
    );
    let client = server.client(client_credentials(&registered, ClientAuthMethod::Basic));
    assert_eq!(
        client.greet("e2e-greeting").send().await.unwrap(),
        types::Greeting {
            greeting: "Hello, e2e-greeting".into(),
            authenticated: true,
            client_id: Some(registered.id.clone()),
        }
    );
    // A token that is sent must be good: a bad one is not dropped to call
    // anonymously.
    let bad = server
        .builder()
        .auth(auth::Oauth::access_token("not-a-token"))
        .build()
        .unwrap();
    let error = bad.greet("e2e-bad-token").send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401), "{error:?}");

    let events = server.events_of("anonymous:e2e-anonymous").await;
    assert_eq!(
        pick(&events.api, &["path", "query", "credential", "status"]),
        [
            json!({ "path": "/api/greeting", "query": "name=e2e-anonymous", "credential": null, "status": 200 })
        ]
    );
    assert!(events.tokens.is_empty());
    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["scope", "status"]),
        [json!({ "scope": "read", "status": 200 })]
    );
    assert_eq!(
        pick(&events.api, &["credential", "token_scope", "status"]),
        [json!({ "credential": "bearer", "token_scope": "read", "status": 200 })]
    );
}

/// Prism mocks `fixtures/authlib-api.yaml` and validates every request
/// against it: the generated client's requests, with tokens from the
/// Authlib server and an API key, pass; hand-made invalid ones do not.
#[tokio::test]
async fn prism_finds_the_generated_clients_requests_valid() {
    let (Some(prism), Some(authlib)) = (Peer::prism(), Peer::authlib()) else {
        return;
    };
    let registered = authlib.registered("prism");
    authlib.reset(&registered).await;
    for caller in ["prism-generated", "prism-anonymous", "prism-invalid"] {
        prism.reset_id(caller).await;
    }
    let oauth = auth::Oauth::client_credentials(registered.id.clone(), registered.secret.clone())
        .client_auth(ClientAuthMethod::Basic)
        .token_url(format!("{}/oauth/token", authlib.url));
    // Prism serves the document's paths at its root.
    let builder = |caller: &str| {
        Client::builder()
            .base_url(prism.url.clone())
            .default_header("x-e2e-client", caller)
    };
    let client = builder("prism-generated")
        .auth(oauth)
        .auth(auth::QueryKey::key("prism key&=+/?"))
        .build()
        .unwrap();

    assert!(!client.list_pets().limit(2).send().await.unwrap().is_empty());
    client.create_pet(kit()).send().await.unwrap();
    client.get_pet(1).send().await.unwrap();
    client.delete_pet(1).send().await.unwrap();
    client.who_am_i().send().await.unwrap();
    client.health().send().await.unwrap();
    client.list_pets_with_key().limit(1).send().await.unwrap();
    client.greet("prism").send().await.unwrap();
    let anonymous = builder("prism-anonymous").build().unwrap();
    anonymous.greet("prism").send().await.unwrap();
    anonymous.health().send().await.unwrap();

    let generated = prism.events_of("prism-generated").await.api;
    assert_eq!(
        pick(
            &generated,
            &["method", "path", "status", "authorization", "violations"]
        ),
        [
            json!({ "method": "GET", "path": "/pets", "status": 200, "authorization": "Bearer", "violations": [] }),
            json!({ "method": "POST", "path": "/pets", "status": 201, "authorization": "Bearer", "violations": [] }),
            json!({ "method": "GET", "path": "/pets/1", "status": 200, "authorization": "Bearer", "violations": [] }),
            json!({ "method": "DELETE", "path": "/pets/1", "status": 204, "authorization": "Bearer", "violations": [] }),
            json!({ "method": "GET", "path": "/me", "status": 200, "authorization": "Bearer", "violations": [] }),
            json!({ "method": "GET", "path": "/health", "status": 200, "authorization": null, "violations": [] }),
            json!({ "method": "GET", "path": "/keyed/pets", "status": 200, "authorization": null, "violations": [] }),
            json!({ "method": "GET", "path": "/greeting", "status": 200, "authorization": "Bearer", "violations": [] }),
        ]
    );
    assert_eq!(
        pick(
            &prism.events_of("prism-anonymous").await.api,
            &["path", "status", "authorization", "violations"]
        ),
        [
            json!({ "path": "/greeting", "status": 200, "authorization": null, "violations": [] }),
            json!({ "path": "/health", "status": 200, "authorization": null, "violations": [] }),
        ]
    );
    // The tokens came from Authlib, one per scope set.
    assert_eq!(
        pick(
            &authlib.events(&registered).await.tokens,
            &["scope", "status"]
        ),
        [
            json!({ "scope": "read", "status": 200 }),
            json!({ "scope": "write", "status": 200 }),
            json!({ "scope": "admin write", "status": 200 }),
            json!({ "scope": null, "status": 200 }),
        ]
    );

    // What Prism refuses.
    let url = |path: &str| format!("{}{path}", prism.url);
    let send = |request: runtime::reqwest::RequestBuilder| async move {
        request
            .header("x-e2e-client", "prism-invalid")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let http = &prism.http;
    let statuses = [
        send(http.get(url("/pets?limit=1"))).await,
        send(http.get(url("/pets?limit=many")).bearer_auth("t")).await,
        send(
            http.post(url("/pets"))
                .bearer_auth("t")
                .json(&json!({ "tag": "dog" })),
        )
        .await,
        send(
            http.post(url("/pets"))
                .bearer_auth("t")
                .json(&json!({ "name": "Kit", "tag": "hamster" })),
        )
        .await,
        send(http.get(url("/keyed/pets"))).await,
        send(http.get(url("/greeting"))).await,
    ];
    assert_eq!(statuses, [401, 422, 422, 422, 401, 422]);
    let invalid = prism.events_of("prism-invalid").await.api;
    let found: Vec<Vec<String>> = invalid
        .iter()
        .map(|event| {
            event["violations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| format!("{}: {}", v["location"], v["message"]))
                .collect()
        })
        .collect();
    assert!(found.iter().all(|v| !v.is_empty()), "{found:#?}");
}

/// A code is good once: oidc-provider answers a second redemption with
/// `invalid_grant` and revokes every token issued from the code. Without a
/// refresh token, an expired token from a code can only be replaced by
/// sending the user through the authorization again.
#[tokio::test]
async fn an_expired_token_from_a_code_without_a_refresh_token_does_not_redeem_the_code_again() {
    let Some(server) = Peer::oidc() else {
        return;
    };
    let registered = server.registered("code");
    server.reset(&registered).await;
    // No offline_access: no refresh token.
    let credential = authorization_code(&server, &registered).scopes(["read"]);
    let pending = credential.authorize().unwrap();
    let redirect = authorize_as_alice(pending.url(), &registered.redirect_uri()).await;
    let credential = credential
        .finish_authorization(pending, redirect["code"].clone(), &redirect["state"])
        .unwrap();
    let (client, clock) = server.clocked_client(credential);
    client.list_pets().send().await.unwrap();
    clock.advance(Duration::from_secs(7200));

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
    let events = server.events(&registered).await;
    assert_eq!(
        pick(&events.tokens, &["grant_type", "status", "error_detail"]),
        [json!({ "grant_type": "authorization_code", "status": 200, "error_detail": null })]
    );
}

/// Prism mocks `fixtures/operations.yaml` and validates the generated
/// client's requests against it: parameters in every style and location,
/// cookies, a multipart body with files. Its `Prefer: code=…` header picks
/// the documented response, so each success and error variant is decoded
/// from what a real server sent.
#[tokio::test]
async fn prism_accepts_every_parameter_style_and_multipart_and_answers_typed() {
    use integration_tests::operations::{builders, server, types, Client, Error};
    use runtime::{BodyEncoding, FilePart};

    let Some(prism) = Peer::prism_operations() else {
        return;
    };
    let callers = [
        "operations",
        "operations-409",
        "operations-202",
        "operations-204",
        "operations-404",
        "operations-400",
    ];
    for caller in callers {
        prism.reset_id(caller).await;
    }
    let client = |caller: &str, prefer: Option<&str>| {
        let mut builder = Client::builder()
            .base_url(prism.url.clone())
            .default_header("x-e2e-client", caller);
        if let Some(prefer) = prefer {
            builder = builder.default_header("prefer", prefer);
        }
        builder.build().unwrap()
    };
    let filter = types::Filter {
        color: Some("dark red".into()),
        size: Some(2),
    };

    let c = client("operations", None);
    let items = c
        .search("lamp & co", "s3cr3t; v=1")
        .tags(vec!["a,b".into(), "c".into()])
        .ids(vec![1, 2])
        // Not `spaced`: Prism 5.14.2 splits spaceDelimited values on `%20`
        // after decoding them, so it refuses `spaced=3%204`, which is what
        // the specification writes (runtime's unit tests check that form).
        .piped(vec!["x".into(), "y".into()])
        .filter(filter.clone())
        .x_trace_id("t-1".into())
        .theme(types::SearchTheme::Dark)
        .send()
        .await
        .unwrap();
    assert_eq!(
        items,
        [types::Item {
            id: Some(1),
            name: "lamp".into()
        }]
    );
    let item = c.get_item(7, "big", vec![1, 2]).send().await.unwrap();
    assert_eq!(
        item,
        types::Item {
            id: Some(7),
            name: "chair".into()
        }
    );
    // The same call, the response as received.
    let raw = c.get_item(7, "big", vec![1, 2]).send_raw().await.unwrap();
    assert_eq!(raw.status().as_u16(), 200);
    assert_eq!(raw.headers()["content-type"], "application/json");
    let raw: types::Item = raw.json().await.unwrap();
    assert_eq!(raw, item);
    let created = c
        .create_item(types::Item {
            id: None,
            name: "desk".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        created,
        builders::CreateItemResponse::Created(types::Item {
            id: Some(8),
            name: "desk".into()
        })
    );
    // The same body as the document's other media types for it.
    for encoding in [BodyEncoding::Form, BodyEncoding::Multipart] {
        let created = c
            .create_item(types::Item {
                id: Some(9),
                name: "desk lamp".into(),
            })
            .body_encoding(encoding)
            .send()
            .await
            .unwrap();
        assert!(matches!(created, builders::CreateItemResponse::Created(_)));
    }
    // Prism 5.14.2 neither reads JSON parts (`encoding.contentType`) nor
    // gathers repeated parts into arrays, so only the scalar and file parts
    // go to it; the test below sends all of them to Werkzeug's parser.
    let photo = FilePart::new(b"\x89PNG\r\n".to_vec())
        .file_name("holiday.png")
        .content_type("image/png");
    let upload = c.upload("holiday", photo).count(2).send().await.unwrap();
    assert_eq!(
        upload,
        types::Upload {
            id: "u-1".into(),
            files: 2
        }
    );
    assert_eq!(
        c.legacy().send().await.unwrap(),
        types::Job {
            job: "legacy".into()
        }
    );
    let report = c.report().send().await.unwrap();
    assert_eq!(report.text().await.unwrap(), "a,b\n1,2\n");

    let events = prism.events_of("operations").await.api;
    assert_eq!(
        pick(
            &events,
            &["method", "path", "query", "cookie", "status", "violations"]
        ),
        [
            json!({
                "method": "GET", "path": "/search",
                "query": "q=lamp%20%26%20co&tags=a%2Cb,c&ids=1&ids=2&piped=x|y&filter[color]=dark%20red&filter[size]=2",
                "cookie": "session=s3cr3t%3B%20v=1; theme=dark", "status": 200, "violations": [],
            }),
            json!({ "method": "GET", "path": "/items/7/.big/;coords=1;coords=2", "query": null, "cookie": null, "status": 200, "violations": [] }),
            json!({ "method": "GET", "path": "/items/7/.big/;coords=1;coords=2", "query": null, "cookie": null, "status": 200, "violations": [] }),
            json!({ "method": "POST", "path": "/items", "query": null, "cookie": null, "status": 201, "violations": [] }),
            json!({ "method": "POST", "path": "/items", "query": null, "cookie": null, "status": 201, "violations": [] }),
            json!({ "method": "POST", "path": "/items", "query": null, "cookie": null, "status": 201, "violations": [] }),
            json!({ "method": "POST", "path": "/uploads", "query": null, "cookie": null, "status": 201, "violations": [] }),
            json!({ "method": "GET", "path": "/legacy", "query": null, "cookie": null, "status": 200, "violations": [] }),
            json!({ "method": "GET", "path": "/report", "query": null, "cookie": null, "status": 200, "violations": [] }),
        ]
    );
    let content_type = |i: usize| events[i]["content_type"].as_str().unwrap().to_owned();
    assert_eq!(content_type(3), "application/json");
    assert_eq!(content_type(4), "application/x-www-form-urlencoded");
    assert!(content_type(5).starts_with("multipart/form-data; boundary="));
    assert!(content_type(6).starts_with("multipart/form-data; boundary="));

    // The other documented success responses.
    let accepted = client("operations-202", Some("code=202"))
        .create_item(types::Item {
            id: None,
            name: "desk".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        accepted,
        builders::CreateItemResponse::Accepted(types::Job { job: "j-1".into() })
    );
    let none = client("operations-204", Some("code=204"))
        .create_item(types::Item {
            id: None,
            name: "desk".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(none, builders::CreateItemResponse::NoContent);

    // Documented errors arrive decoded, as the type of their status.
    let conflict = client("operations-409", Some("code=409"))
        .create_item(types::Item {
            id: None,
            name: "desk".into(),
        })
        .send()
        .await
        .unwrap_err();
    match &conflict {
        Error::ErrorResponse { status, body, .. } => {
            assert_eq!(status.as_u16(), 409);
            assert_eq!(
                **body,
                builders::CreateItemError::Conflict(types::NotFound {
                    message: "taken".into(),
                    id: Some(8)
                })
            );
        }
        other => panic!("expected a documented 409, got {other:?}"),
    }
    assert_eq!(
        conflict.to_string(),
        "operation `createItem` returned 409 Conflict"
    );
    let missing = client("operations-404", Some("code=404"))
        .get_item(7, "big", vec![1])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        missing.error_body(),
        Some(&types::NotFound {
            message: "no item 7".into(),
            id: Some(7)
        })
    );
    let problem = client("operations-400", Some("code=400"))
        .search("lamp", "s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        problem.error_body(),
        Some(&types::Problem {
            title: "bad".into(),
            status: Some(400)
        })
    );
    for caller in &callers[1..] {
        let events = prism.events_of(caller).await.api;
        assert_eq!(
            pick(&events, &["violations"]),
            [json!({ "violations": [] })],
            "{caller}"
        );
    }

    // The server variables, as the document lists them.
    assert_eq!(
        server::url("api.example.com", "443", server::Region::ApSouth),
        "http://api.example.com:443/ap-south/v1"
    );
    assert_eq!(server::Region::default(), server::Region::Eu);
    assert_eq!(
        server::url("localhost", "8080", server::Region::default()),
        <Client as runtime::GeneratedClient>::DEFAULT_BASE_URL
    );
}

/// A multipart body as Werkzeug (Flask, on the Authlib server) reads it:
/// text, number and JSON parts as fields, files with their names and
/// content types, repeated parts for an array of files, and a file name
/// with a quote in it (sent as `%22`, which Werkzeug decodes back, as the
/// HTML standard has it).
#[tokio::test]
async fn multipart_bodies_are_read_by_werkzeug_part_by_part() {
    use integration_tests::operations::{types, Client};
    use runtime::FilePart;

    let Some(authlib) = Peer::authlib() else {
        return;
    };
    authlib.reset_id("anonymous:uploads").await;
    let client = Client::builder()
        .base_url(format!("{}/api", authlib.url))
        .build()
        .unwrap();
    let photo = FilePart::new(b"\x89PNG\r\n\x00\xff".to_vec())
        .file_name("holiday \"1\".png")
        .content_type("image/png");
    let upload = client
        .upload("Holiday: day 1", photo)
        .count(2)
        .meta(types::Filter {
            color: Some("dark red".into()),
            size: None,
        })
        .attachments(vec![
            FilePart::from(b"one"),
            FilePart::new(b"two".to_vec())
                .file_name("two.txt")
                .content_type("text/plain"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        upload,
        types::Upload {
            id: "u-1".into(),
            files: 3
        }
    );

    let events = authlib.events_of("anonymous:uploads").await.api;
    assert_eq!(
        pick(
            &events,
            &["path", "status", "content_type", "form", "files"]
        ),
        [json!({
            "path": "/api/uploads",
            "status": 201,
            "content_type": "multipart/form-data",
            "form": [["title", "Holiday: day 1"], ["count", "2"], ["meta", "{\"color\":\"dark red\"}"]],
            "files": [
                { "name": "photo", "filename": "holiday \"1\".png", "content_type": "image/png", "data": "\u{89}PNG\r\n\u{0}\u{ff}" },
                { "name": "attachments", "filename": "attachments", "content_type": "application/octet-stream", "data": "one" },
                { "name": "attachments", "filename": "two.txt", "content_type": "text/plain", "data": "two" },
            ],
        })]
    );
}

#[tokio::test]
async fn a_wrong_user_password_is_the_servers_answer_and_goes_out_once() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    // Authlib answers a wrong password `invalid_request` (400); the client
    // authenticated fine, so automatic client authentication must not try
    // the body (which this client, registered for Basic, would have
    // refused with `invalid_client`, sending the password a second time).
    let registered = server.registered("wrong-password");
    server.reset(&registered).await;
    let (username, _) = alice();
    let wrong = "not alice's WRONGPASSWORD";
    let client = server.client(
        auth::Oauth::password(
            registered.id.clone(),
            registered.secret.clone(),
            username,
            wrong,
        )
        .client_auth(ClientAuthMethod::Auto),
    );

    let error = client.list_pets().send().await.unwrap_err();
    let Error::Token { source, .. } = &error else {
        panic!("expected a token error, got {error:?}");
    };
    assert!(
        !matches!(source, runtime::TokenError::ClientAuthFailed { .. }),
        "{source:?}"
    );
    let oauth2 = error.oauth2_error().expect("the server's OAuth2 error");
    assert_eq!(
        (oauth2.error.as_str(), oauth2.status.as_u16()),
        ("invalid_request", 400)
    );
    assert!(
        oauth2
            .error_description
            .as_deref()
            .is_some_and(|d| d.contains("password")),
        "{oauth2:?}"
    );
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("WRONGPASSWORD"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");

    let events = server.events(&registered).await;
    assert_eq!(
        pick(
            &events.tokens,
            &["grant_type", "client_auth", "username", "status", "error"]
        ),
        [
            json!({ "grant_type": "password", "client_auth": "client_secret_basic", "username": "alice", "status": 400, "error": "invalid_request" }),
        ]
    );
    assert!(events.api.is_empty());
}
