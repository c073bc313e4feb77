//! The runtime's `tracing` logs, at every level, show no secret whatever a
//! token endpoint echoes back: the configured ones (client secret, user
//! password) and those of one exchange (a refresh token).
//!
//! Alone in its test binary: `tracing` decides once per log statement
//! whether anyone listens, which races with subscribers of concurrent
//! tests; here one global subscriber hears everything.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use runtime::auth::{ClientAuthMethod, OAuth2};
use runtime::clock::ManualClock;
use runtime::reqwest::Method;
use runtime::security::{Operation, SchemeUse};
use runtime::{Client, ClientBuilder, Error};
use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

static LIST_PETS: Operation = Operation {
    id: "listPets",
    alternatives: &[&[SchemeUse {
        scheme: "auth",
        scopes: &["read"],
    }]],
    anonymous: false,
};

const CLIENT_SECRET: &str = "CLIENTSECRET cl!ent/é+&=";
const PASSWORD: &str = "USERPASSWORD w0nder land:&=+%";
const REFRESH_TOKEN: &str = "ISSUEDREFRESHTOKEN r/+=";

/// Every `tracing` event and span field, as text.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<String>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        write!(self.0, "{}={value:?} ", field.name()).unwrap();
    }
}

impl tracing::Subscriber for Logs {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        span.record(&mut Fields(&mut self.0.lock().unwrap()));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut logs = self.0.lock().unwrap();
        event.record(&mut Fields(&mut logs));
        logs.push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// An OAuth2 error whose description quotes the request: its headers
/// (with the Basic client credentials) and its form.
fn echo(request: &Request) -> ResponseTemplate {
    let authorization = request
        .headers
        .get("authorization")
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    ResponseTemplate::new(400).set_body_json(json!({
        "error": "invalid_grant",
        "error_description": format!(
            "refused {} with {authorization:?}",
            String::from_utf8_lossy(&request.body)
        ),
    }))
}

#[tokio::test]
async fn logs_show_no_secret_a_token_endpoint_echoes() {
    let logs = Logs::default();
    tracing::subscriber::set_global_default(logs.clone()).unwrap();
    let server = MockServer::start().await;
    // The first password grant succeeds; the refresh and every later
    // request are refused with an echo.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=password"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "first", "refresh_token": REFRESH_TOKEN, "expires_in": 60,
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(echo)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let mut shown = String::new();
    for client_auth in [ClientAuthMethod::Basic, ClientAuthMethod::Body] {
        let clock = Arc::new(ManualClock::new());
        let client = ClientBuilder::<Client>::new(server.uri())
            .auth(
                OAuth2::password(
                    "auth",
                    "/oauth/token",
                    "my client",
                    CLIENT_SECRET,
                    "ann",
                    PASSWORD,
                )
                .client_auth(client_auth),
            )
            .clock(clock.clone())
            .build()
            .unwrap();
        let list = || {
            let request = client.request(Method::GET, "/pets");
            use runtime::__private_v0_1::{send_request, ErrorBodies, Json};
            send_request(&client, &LIST_PETS, request, None, ErrorBodies::NONE)
                .__decoded::<Vec<serde_json::Value>, Json>()
        };
        if client_auth == ClientAuthMethod::Basic {
            list().await.unwrap();
            // Expired: the refresh is refused (logged), then the password
            // grant too (logged, and the error).
            clock.advance(Duration::from_secs(3600));
        }
        let error: Error = list().await.unwrap_err();
        write!(shown, "{error} {error:?}").unwrap();
    }
    let logged = logs.0.lock().unwrap().clone();
    assert!(logged.contains("refresh failed"), "{logged}");
    assert!(logged.contains("token request failed"), "{logged}");
    assert!(logged.contains("invalid_grant"), "{logged}");
    for text in [&logged, &shown] {
        for core in ["CLIENTSECRET", "USERPASSWORD", "ISSUEDREFRESHTOKEN"] {
            assert!(!text.contains(core), "{core} in: {text}");
        }
        // The Basic header's credentials, as RFC 6749 §2.3.1 encodes them.
        for basic in ["bXklMjBjbGllbnQ6Q0xJRU5UU0VDUkVU", "Q0xJRU5UU0VDUkVU"] {
            assert!(!text.contains(basic), "a Basic header in: {text}");
        }
        assert!(text.contains("[redacted]"), "{text}");
    }
}
