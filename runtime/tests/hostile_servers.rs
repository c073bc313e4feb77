//! The runtime's promises against hostile or broken servers, each tested
//! against an in-process server (wiremock, or a raw TCP listener where a
//! body must never end):
//!
//! - credentials never go over plain HTTP to a host other than loopback,
//!   unless allowed;
//! - whatever a server echoes back, no secret reaches an error's `Display`
//!   or `Debug` or the inspector (`redacted_logs.rs`: nor a `tracing` log);
//! - a token of another type than Bearer is refused before any API call;
//! - client authentication falls back to the body only when the server
//!   says the client failed to authenticate;
//! - no response body is buffered past a limit, whatever the server sends.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use runtime::auth::{ApiKey, Basic, Bearer, ClientAuthMethod, Credential, OAuth2};
use runtime::discovery::Discovery;
use runtime::inspect::{ApiExchange, Inspector, TokenExchange};
use runtime::reqwest::Method;
use runtime::security::{ApiKeyLocation, Operation, SchemeUse};
use runtime::{Client, ClientBuilder, Error, TokenError};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Needs the scheme `auth`.
static GET_PET: Operation = Operation {
    id: "getPet",
    alternatives: &[&[SchemeUse {
        scheme: "auth",
        scopes: &["read"],
    }]],
    anonymous: false,
};

/// Takes the scheme `auth` when configured, and works without.
static HEALTH: Operation = Operation {
    id: "health",
    alternatives: &[
        &[SchemeUse {
            scheme: "auth",
            scopes: &[],
        }],
        &[],
    ],
    anonymous: true,
};

// Secrets whose cores (the capitals) show in every echoed form but base64.
const CLIENT_ID: &str = "my client";
const CLIENT_SECRET: &str = "CLIENTSECRET cl!ent/é+&=";
const PASSWORD: &str = "USERPASSWORD w0nder land:&=+%";
const API_KEY: &str = "APIKEYVALUE k3y with space&=+/?#%é";
const BEARER: &str = "STATICBEARER t0k/+=";
const BASIC_PASSWORD: &str = "BASICPASSWORD p@ss:/é";
const ACCESS_TOKEN: &str = "ISSUEDACCESSTOKEN a+/=";
const CORES: &[&str] = &[
    "CLIENTSECRET",
    "USERPASSWORD",
    "APIKEYVALUE",
    "STATICBEARER",
    "BASICPASSWORD",
    "ISSUEDACCESSTOKEN",
];

/// Fails when `text` shows any secret, in any form: every form keeps its
/// core, but for the base64 of Basic headers, which are checked whole.
fn assert_no_secret(text: &str) {
    for core in CORES {
        assert!(!text.contains(core), "{core} shown in: {text}");
    }
    for (user, password) in [
        (CLIENT_ID, CLIENT_SECRET),
        ("my%20client", "CLIENTSECRET%20cl%21ent%2F%C3%A9%2B%26%3D"),
        ("ann", BASIC_PASSWORD),
    ] {
        // Encoded by the base64 crate, not by the runtime under test.
        let basic = STANDARD.encode(format!("{user}:{password}"));
        assert!(!text.contains(&basic), "a Basic header shown in: {text}");
    }
}

/// An error as a user would see it: `Display` with its causes, and `Debug`.
fn shown(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        write!(text, ": {cause}").unwrap();
        source = cause.source();
    }
    write!(text, "\n{error:?}").unwrap();
    text
}

fn builder(base_url: &str) -> ClientBuilder<Client> {
    ClientBuilder::<Client>::new(base_url)
}

async fn get<T: serde::de::DeserializeOwned + Send>(
    client: &Client,
    operation: &'static Operation,
    path: &str,
) -> Result<T, Error> {
    let request = client.request(Method::GET, path);
    use runtime::__private_v0_1::{send_request, ErrorBodies, Json};
    send_request(client, operation, request, None, ErrorBodies::NONE)
        .__decoded::<T, Json>()
        .await
}

async fn get_raw(
    client: &Client,
    operation: &'static Operation,
    path: &str,
) -> Result<runtime::reqwest::Response, Error> {
    client
        .execute(operation, client.request(Method::GET, path))
        .await
}

/// Each kind of credential, for the scheme `auth`.
fn every_credential(token_url: &str) -> Vec<(&'static str, Credential)> {
    vec![
        (
            "query key",
            ApiKey::new("auth", ApiKeyLocation::Query, "api_key", API_KEY).into(),
        ),
        (
            "header key",
            ApiKey::new("auth", ApiKeyLocation::Header, "X-Api-Key", API_KEY).into(),
        ),
        (
            "cookie key",
            ApiKey::new("auth", ApiKeyLocation::Cookie, "key", API_KEY).into(),
        ),
        ("basic", Basic::new("auth", "ann", BASIC_PASSWORD).into()),
        ("bearer", Bearer::new("auth", BEARER).into()),
        (
            "oauth2",
            OAuth2::client_credentials("auth", token_url, CLIENT_ID, CLIENT_SECRET).into(),
        ),
    ]
}

#[tokio::test]
async fn credentials_never_go_over_plain_http_to_other_hosts() {
    // A proxy sees every request the client sends: a host that does not
    // resolve can only be reached through it.
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .mount(&proxy)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": ACCESS_TOKEN, "token_type": "Bearer",
        })))
        .mount(&proxy)
        .await;
    for (kind, credential) in every_credential("http://auth.invalid/token") {
        let client = builder("http://pets.invalid/api")
            .auth(credential.clone())
            .proxy(proxy.uri())
            .build()
            .unwrap();
        let error = get::<serde_json::Value>(&client, &GET_PET, "/pets/1?limit=2")
            .await
            .unwrap_err();
        let Error::InsecureUrl { operation, url } = &error else {
            panic!("{kind}: expected InsecureUrl, got {error:?}");
        };
        assert_eq!(
            (*operation, url.as_str()),
            ("getPet", "http://pets.invalid/api/pets/1")
        );
        assert_eq!(
            error.to_string(),
            "refusing to send credentials over plain HTTP to http://pets.invalid/api/pets/1 \
             (operation `getPet`); use https, or allow it with `ClientBuilder::allow_insecure_http`"
        );
        // Optional security with credentials configured: refused too.
        let error = get_raw(&client, &HEALTH, "/health").await.unwrap_err();
        assert!(
            matches!(error, Error::InsecureUrl { .. }),
            "{kind}: {error:?}"
        );

        // Allowed: sent, through the proxy.
        let allowed = builder("http://pets.invalid/api")
            .auth(credential)
            .proxy(proxy.uri())
            .allow_insecure_http(true)
            .build()
            .unwrap();
        let answer: serde_json::Value = get(&allowed, &GET_PET, "/pets/1").await.unwrap();
        assert_eq!(answer, json!({ "ok": true }), "{kind}");
    }
    // Refused calls sent nothing, not even a token request: the proxy saw
    // the allowed calls only, and the token request of the allowed OAuth2
    // credential.
    let seen = |wanted: &'static str| {
        let proxy = &proxy;
        async move {
            let seen = proxy.received_requests().await.unwrap();
            seen.iter().filter(|r| r.method.as_str() == wanted).count()
        }
    };
    assert_eq!((seen("GET").await, seen("POST").await), (6, 1));

    // Without credentials, plain HTTP is the user's business.
    let anonymous = builder("http://pets.invalid/api")
        .proxy(proxy.uri())
        .build()
        .unwrap();
    assert_eq!(
        get_raw(&anonymous, &HEALTH, "/health")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(seen("GET").await, 7);
}

#[tokio::test]
async fn loopback_may_be_plain_http_by_address_or_localhost() {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&api)
        .await;
    let port = api.address().port();
    for base in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
        format!("http://LOCALHOST:{port}"),
    ] {
        let client = builder(&base)
            .auth(ApiKey::new(
                "auth",
                ApiKeyLocation::Header,
                "X-Api-Key",
                API_KEY,
            ))
            .build()
            .unwrap();
        let pets: Vec<serde_json::Value> = get(&client, &GET_PET, "/pets").await.unwrap();
        assert!(pets.is_empty(), "{base}");
    }
    // Not loopback: another address, even a private one.
    for base in [
        "http://10.0.0.1:9",
        "http://[fe80::1]:9",
        "http://127.0.0.1.nip.io:9",
    ] {
        let client = builder(base)
            .auth(ApiKey::new(
                "auth",
                ApiKeyLocation::Header,
                "X-Api-Key",
                API_KEY,
            ))
            .build()
            .unwrap();
        let error = get::<serde_json::Value>(&client, &GET_PET, "/pets")
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InsecureUrl { .. }),
            "{base}: {error:?}"
        );
    }
}

/// Answers with everything it received: URL, headers and body, as JSON
/// and in a header, as debugging endpoints and some error pages do.
struct Echo {
    status: u16,
    /// Wrap the echo in an OAuth2 error (`error_description`).
    oauth2_error: Option<&'static str>,
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let headers: serde_json::Map<String, serde_json::Value> = request
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.to_string(), json!(value))
            })
            .collect();
        let echo = json!({
            "url": request.url.to_string(),
            "headers": headers,
            "body": String::from_utf8_lossy(&request.body),
        });
        let header_echo = request
            .headers
            .get("authorization")
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_else(|| request.url.to_string());
        let template = ResponseTemplate::new(self.status).insert_header("x-echo", header_echo);
        match self.oauth2_error {
            Some(code) => template.set_body_json(json!({
                "error": code,
                "error_description": format!("we got {echo}"),
                "error_uri": format!("https://example.com/why?{}", String::from_utf8_lossy(&request.body)),
            })),
            None => template.set_body_json(echo),
        }
    }
}

/// Everything the inspector was handed, as text.
#[derive(Default)]
struct Recorder(Mutex<String>);

impl Inspector for Recorder {
    fn token_exchange(&self, exchange: &TokenExchange) {
        writeln!(self.0.lock().unwrap(), "{exchange:?}").unwrap();
    }
    fn api_exchange(&self, exchange: &ApiExchange) {
        writeln!(self.0.lock().unwrap(), "{exchange:?}").unwrap();
    }
}

#[tokio::test]
async fn a_token_endpoint_echoing_the_request_shows_no_secret_anywhere() {
    // `tests/redacted_logs.rs` checks the `tracing` logs of the same.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(Echo {
            status: 400,
            oauth2_error: Some("invalid_grant"),
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/plain/token"))
        .respond_with(Echo {
            status: 500,
            oauth2_error: None,
        })
        .mount(&server)
        .await;
    let recorder = Arc::new(Recorder::default());
    let mut texts = String::new();
    for (token_path, client_auth) in [
        ("/oauth/token", ClientAuthMethod::Basic),
        ("/oauth/token", ClientAuthMethod::Body),
        ("/plain/token", ClientAuthMethod::Basic),
        ("/plain/token", ClientAuthMethod::Body),
    ] {
        let client = builder(&server.uri())
            .auth(
                OAuth2::password(
                    "auth",
                    token_path,
                    CLIENT_ID,
                    CLIENT_SECRET,
                    "ann",
                    PASSWORD,
                )
                .client_auth(client_auth),
            )
            .inspector(recorder.clone())
            // One request each: the 500 is not tried again.
            .retries(runtime::RetryPolicy::none())
            .build()
            .unwrap();
        let error = get::<serde_json::Value>(&client, &GET_PET, "/pets/1")
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Token { .. }), "{error:?}");
        texts.push_str(&shown(&error));
    }
    // The server did echo them, and what users see still says what went
    // wrong, with the secrets blanked out.
    let echoed = server.received_requests().await.unwrap();
    assert_eq!(echoed.len(), 4);
    assert!(
        texts.contains("invalid_grant") && texts.contains("[redacted]"),
        "{texts}"
    );
    assert!(texts.contains("username=ann"), "{texts}");
    assert_no_secret(&texts);
    let inspected = recorder.0.lock().unwrap().clone();
    assert!(inspected.contains("invalid_grant"), "{inspected}");
    assert_no_secret(&inspected);
}

#[tokio::test]
async fn an_api_echoing_credentials_shows_none_in_errors_or_the_inspector() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600,
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/pets/1"))
        .respond_with(Echo {
            status: 403,
            oauth2_error: None,
        })
        .mount(&server)
        .await;
    // A success body the client cannot decode, quoting what it was sent.
    Mock::given(path("/api/pets/2"))
        .respond_with(|request: &Request| {
            let sent = ["x-api-key", "authorization", "cookie"]
                .into_iter()
                .find_map(|name| request.headers.get(name))
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_else(|| request.url.to_string());
            ResponseTemplate::new(200).set_body_json(json!({ "id": sent }))
        })
        .mount(&server)
        .await;
    let recorder = Arc::new(Recorder::default());
    let mut texts = String::new();
    let api = format!("{}/api", server.uri());
    for (kind, credential) in every_credential("/oauth/token") {
        let client = builder(&api)
            .auth(credential)
            .inspector(recorder.clone())
            .build()
            .unwrap();
        let error = get::<serde_json::Value>(&client, &GET_PET, "/pets/1")
            .await
            .unwrap_err();
        let Error::Api {
            status, response, ..
        } = &error
        else {
            panic!("{kind}: expected an API error, got {error:?}");
        };
        assert_eq!(status.as_u16(), 403);
        let body = String::from_utf8(response.body.clone()).unwrap();
        assert!(body.contains("[redacted]"), "{kind}: {body}");
        // Redacted inside JSON strings, the body still decodes.
        let echoed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(echoed["url"].as_str().unwrap().contains("/api/pets/1"));
        texts.push_str(&shown(&error));
        texts.push_str(&body);
        texts.push_str(&format!("{:?}", response.headers));

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Pet {
            id: u64,
        }
        let error = get::<Pet>(&client, &GET_PET, "/pets/2").await.unwrap_err();
        let Error::Decode { body, .. } = &error else {
            panic!("{kind}: expected a decoding error, got {error:?}");
        };
        assert!(
            String::from_utf8_lossy(body).contains("[redacted]"),
            "{kind}"
        );
        // serde's message quotes the value: redacted as well.
        let message = shown(&error);
        assert!(message.contains("invalid type: string"), "{message}");
        texts.push_str(&message);
        texts.push_str(&String::from_utf8_lossy(body));
    }
    assert_no_secret(&texts);
    let inspected = recorder.0.lock().unwrap().clone();
    assert!(inspected.contains("x-echo"), "{inspected}");
    assert_no_secret(&inspected);
}

#[tokio::test]
async fn tokens_of_another_type_than_bearer_are_refused_before_any_call() {
    let server = MockServer::start().await;
    let token_type = Arc::new(Mutex::new(json!("mac")));
    let answered = token_type.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(move |_: &Request| {
            let mut answer = json!({ "access_token": "t", "expires_in": 3600 });
            let kind = answered.lock().unwrap().clone();
            if !kind.is_null() {
                answer["token_type"] = kind;
            }
            ResponseTemplate::new(200).set_body_json(answer)
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pets/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = |credential: OAuth2| builder(&server.uri()).auth(credential).build().unwrap();
    let credential =
        || OAuth2::client_credentials("auth", "/oauth/token", CLIENT_ID, CLIENT_SECRET);
    async fn api_calls(server: &MockServer) -> usize {
        let seen = server.received_requests().await.unwrap();
        seen.iter().filter(|r| r.url.path() == "/pets/1").count()
    }

    for refused in ["mac", "DPoP", "bot"] {
        *token_type.lock().unwrap() = json!(refused);
        let error = get::<serde_json::Value>(&client(credential()), &GET_PET, "/pets/1")
            .await
            .unwrap_err();
        let Error::Token {
            source: TokenError::UnsupportedTokenType { token_type, .. },
            ..
        } = &error
        else {
            panic!("{refused}: expected UnsupportedTokenType, got {error:?}");
        };
        assert_eq!(token_type, refused);
        assert!(
            shown(&error).contains(&format!("issued a token of type `{refused}`")),
            "{error}"
        );
    }
    assert_eq!(
        api_calls(&server).await,
        0,
        "no API call with a refused token"
    );

    // Bearer in any case, and (leniently) no token_type at all, are bearer
    // tokens; another type only when accepted.
    for accepted in [json!("Bearer"), json!("bEaReR"), json!(null)] {
        *token_type.lock().unwrap() = accepted.clone();
        get::<serde_json::Value>(&client(credential()), &GET_PET, "/pets/1")
            .await
            .unwrap_or_else(|e| panic!("{accepted}: {e:?}"));
    }
    *token_type.lock().unwrap() = json!("bot");
    get::<serde_json::Value>(
        &client(credential().accept_token_type("BOT")),
        &GET_PET,
        "/pets/1",
    )
    .await
    .unwrap();
    assert_eq!(api_calls(&server).await, 4);
}

#[tokio::test]
async fn a_refused_grant_is_the_servers_answer_not_a_client_authentication_failure() {
    // As Authlib: with the client in a Basic header, a wrong user password
    // is `invalid_request` (400); with it in the body, a client registered
    // for Basic is `invalid_client` (401).
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_request",
            "error_description": format!("Invalid \"username\" or \"password\": {PASSWORD}"),
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "error": "invalid_client" })),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/bare/token"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad request"))
        .mount(&server)
        .await;
    for (token_path, code) in [
        ("/oauth/token", Some("invalid_request")),
        ("/bare/token", None),
    ] {
        let client = builder(&server.uri())
            .auth(OAuth2::password(
                "auth",
                token_path,
                CLIENT_ID,
                CLIENT_SECRET,
                "ann",
                PASSWORD,
            ))
            .build()
            .unwrap();
        let error = get::<serde_json::Value>(&client, &GET_PET, "/pets/1")
            .await
            .unwrap_err();
        let Error::Token { source, .. } = &error else {
            panic!("expected a token error, got {error:?}");
        };
        assert!(
            !matches!(source, TokenError::ClientAuthFailed { .. }),
            "{token_path}: {source:?}"
        );
        assert_eq!(
            error.oauth2_error().map(|e| e.error.as_str()),
            code,
            "{error:?}"
        );
        if code.is_some() {
            let description = error
                .oauth2_error()
                .unwrap()
                .error_description
                .clone()
                .unwrap();
            assert_eq!(
                description,
                "Invalid \"username\" or \"password\": [redacted]"
            );
        }
        // The password went out once.
        let sent: Vec<_> = server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == token_path)
            .collect();
        assert_eq!(sent.len(), 1, "{token_path}");
    }
}

/// How a [`raw_server`] answers.
#[derive(Clone, Copy)]
enum Answer {
    /// This status and a chunked body that never ends.
    Endless(u16),
    /// This status and a `Content-Length` it never sends.
    Declared(u16, u64),
}

/// A server on loopback answering every request as `answer` says; for
/// bodies no well-behaved server sends.
async fn raw_server(answer: Answer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buffer = [0u8; 4096];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buffer[..n]),
                    }
                }
                match answer {
                    Answer::Endless(status) => {
                        let head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                             transfer-encoding: chunked\r\n\r\n"
                        );
                        if socket.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        let piece = format!("[{}],", "1".repeat(64 * 1024));
                        let chunk = format!("{:x}\r\n{piece}\r\n", piece.len());
                        // Until the client hangs up.
                        while socket.write_all(chunk.as_bytes()).await.is_ok() {}
                    }
                    Answer::Declared(status, length) => {
                        let head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                             content-length: {length}\r\n\r\n["
                        );
                        let _ = socket.write_all(head.as_bytes()).await;
                        // Holds the connection, sending nothing more.
                        let _ = socket.read(&mut buffer).await;
                    }
                }
            });
        }
    });
    url
}

/// Fails the test when `future` takes longer than an endless body would
/// let it: reading without limit, the client would run to its timeout.
async fn promptly<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .expect("answered before the client's timeout")
}

#[tokio::test]
async fn endless_success_bodies_fail_at_the_limit_with_a_typed_error() {
    for (limit, answer) in [
        (None, Answer::Endless(200)),
        (Some(100_000), Answer::Endless(200)),
        (Some(100_000), Answer::Declared(200, 100_001)),
    ] {
        let url = raw_server(answer).await;
        let mut builder = builder(&url).timeout(Some(Duration::from_secs(60)));
        if let Some(limit) = limit {
            builder = builder.max_response_body(limit);
        }
        let client = builder.build().unwrap();
        let error = promptly(get::<serde_json::Value>(&client, &HEALTH, "/health"))
            .await
            .unwrap_err();
        let Error::ResponseTooLarge {
            operation,
            limit: hit,
        } = &error
        else {
            panic!("expected ResponseTooLarge, got {error:?}");
        };
        assert_eq!(*operation, "health");
        assert_eq!(*hit, limit.unwrap_or(16 * 1024 * 1024));
        assert_eq!(
            error.to_string(),
            format!(
                "the response of operation `health` is longer than {hit} bytes, the most the \
                 client reads; raise the limit with `ClientBuilder::max_response_body`"
            )
        );
    }
    // Under the limit, a declared length is no reason to refuse.
    let url = raw_server(Answer::Declared(200, 2)).await;
    let client = builder(&url)
        .timeout(Some(Duration::from_secs(2)))
        .build()
        .unwrap();
    let error = get::<serde_json::Value>(&client, &HEALTH, "/health")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
}

#[tokio::test]
async fn endless_error_bodies_are_kept_to_their_start() {
    for (limit, answer) in [
        (None, Answer::Endless(500)),
        (Some(1000), Answer::Endless(503)),
    ] {
        let url = raw_server(answer).await;
        let mut builder = builder(&url).timeout(Some(Duration::from_secs(60)));
        if let Some(limit) = limit {
            builder = builder.max_error_body(limit);
        }
        let client = builder.build().unwrap();
        let error = promptly(get::<serde_json::Value>(&client, &HEALTH, "/health"))
            .await
            .unwrap_err();
        let Error::Api { response, .. } = &error else {
            panic!("expected an API error, got {error:?}");
        };
        assert_eq!(response.body.len(), limit.unwrap_or(64 * 1024));
        assert!(response.body.starts_with(b"[111"));
        assert!(response.truncated);
        assert!(format!("{error:?}").contains("truncated: true"));
    }
}

#[tokio::test]
async fn endless_token_device_and_discovery_answers_are_refused() {
    let url = raw_server(Answer::Endless(200)).await;
    let client = builder("http://127.0.0.1:9")
        .auth(OAuth2::client_credentials(
            "auth",
            format!("{url}/token"),
            CLIENT_ID,
            CLIENT_SECRET,
        ))
        .build()
        .unwrap();
    let error = promptly(get::<serde_json::Value>(&client, &GET_PET, "/pets/1"))
        .await
        .unwrap_err();
    let Error::Token {
        source: TokenError::ResponseTooLarge { limit, .. },
        ..
    } = &error
    else {
        panic!("expected ResponseTooLarge, got {error:?}");
    };
    assert_eq!(*limit, 1024 * 1024);

    let declared = raw_server(Answer::Declared(200, 1 << 30)).await;
    let client = builder("http://127.0.0.1:9")
        .auth(
            OAuth2::client_credentials("auth", "/unused", CLIENT_ID, CLIENT_SECRET).discovery(
                Discovery::Document(format!("{declared}/.well-known/openid-configuration")),
            ),
        )
        .build()
        .unwrap();
    let error = promptly(get::<serde_json::Value>(&client, &GET_PET, "/pets/1"))
        .await
        .unwrap_err();
    assert!(
        shown(&error).contains("the document is longer than 1048576 bytes"),
        "{error:?}"
    );

    let client = builder("http://127.0.0.1:9")
        .auth(OAuth2::device_authorization(
            "auth",
            format!("{url}/device"),
            format!("{url}/token"),
            CLIENT_ID,
        ))
        .build()
        .unwrap();
    let error = promptly(client.start_device_authorization("auth"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Token {
                source: TokenError::ResponseTooLarge { .. },
                ..
            }
        ),
        "{error:?}"
    );
}
