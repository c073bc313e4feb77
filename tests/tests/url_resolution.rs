//! `generator inspect` shows the token URL the runtime calls: for a table
//! of relative token URLs under servers with and without a path, a
//! trailing slash or a query, the URL `inspect` reports is the one the
//! client POSTs to (as its inspection hook reports it), against an
//! in-process server. The two resolve with one algorithm written twice
//! (the generator cannot depend on the runtime): this holds them to it.

use std::sync::{Arc, Mutex};

use generator::{InspectFormat, Options};
use runtime::auth::OAuth2;
use runtime::inspect::{Inspector, TokenExchange};
use runtime::reqwest::Method;
use runtime::security::{Operation, SchemeUse};
use runtime::{Client, ClientBuilder};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

static OPERATION: Operation = Operation {
    id: "getThing",
    alternatives: &[&[SchemeUse {
        scheme: "oauth",
        scopes: &[],
    }]],
    anonymous: false,
};

/// Keeps the URL of every token request.
#[derive(Default)]
struct TokenUrls(Mutex<Vec<String>>);

impl Inspector for TokenUrls {
    fn token_exchange(&self, exchange: &TokenExchange) {
        self.0.lock().unwrap().push(exchange.url.clone());
    }
}

/// The token URL `inspect` reports for `token_url` under the server `base`.
fn inspected(base: &str, token_url: &str) -> String {
    let spec = json!({
        "openapi": "3.0.3",
        "info": { "title": "Resolution", "version": "1" },
        "servers": [{ "url": base }],
        "paths": {},
        "components": { "securitySchemes": { "oauth": {
            "type": "oauth2",
            "flows": { "clientCredentials": { "tokenUrl": token_url, "scopes": {} } },
        } } },
    });
    let file = std::env::temp_dir().join(format!(
        "url-resolution-{}-{}.json",
        std::process::id(),
        base.len() * 100 + token_url.len()
    ));
    std::fs::write(&file, spec.to_string()).unwrap();
    let report = generator::inspect(&Options::new(&file), InspectFormat::Json);
    std::fs::remove_file(&file).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report.unwrap()).unwrap();
    report["schemes"][0]["flows"][0]["token_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no token URL for {token_url} under {base}: {report}"))
        .to_owned()
}

/// The URL the runtime POSTs its token request to for `token_url`, with
/// the client's base URL `base`.
async fn called(base: &str, token_url: &str) -> String {
    let urls = Arc::new(TokenUrls::default());
    let client: Client = ClientBuilder::new(base)
        .auth(OAuth2::client_credentials(
            "oauth",
            token_url,
            "a-client",
            "a-client-secret",
        ))
        .inspector(urls.clone())
        .build()
        .unwrap();
    client
        .execute(&OPERATION, client.request(Method::GET, "/things"))
        .await
        .unwrap_or_else(|e| panic!("{token_url} under {base}: {e}"));
    let urls = urls.0.lock().unwrap();
    assert_eq!(urls.len(), 1, "{token_url} under {base}: {urls:?}");
    urls[0].clone()
}

#[tokio::test]
async fn inspect_reports_the_token_url_the_client_calls() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "an-access-token",
            "token_type": "bearer",
            "expires_in": 600,
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let origin = server.uri();
    let port = server.address().port();
    let bases = [
        origin.clone(),
        format!("{origin}/"),
        format!("{origin}/api"),
        format!("{origin}/api/"),
        format!("{origin}/api/v1"),
        format!("{origin}/api/v1?tenant=t"),
    ];
    let references = [
        "/oauth/token".to_owned(),
        "oauth/token".to_owned(),
        "../token".to_owned(),
        "./token".to_owned(),
        format!("//localhost:{port}/other/token"),
        "?x=1".to_owned(),
        "token?x=1".to_owned(),
        format!("{origin}/absolute/token"),
    ];
    let mut seen = Vec::new();
    for base in &bases {
        for reference in &references {
            let inspected = inspected(base, reference);
            let called = called(base, reference).await;
            assert_eq!(
                inspected, called,
                "`{reference}` under `{base}`: inspect shows one URL, the client calls another"
            );
            seen.push(called);
        }
    }
    // The table tells cases apart: the base's path counts (a directory),
    // its query does not.
    let under = |base: usize, reference: usize| &seen[base * references.len() + reference];
    assert_eq!(under(2, 1), &format!("{origin}/api/oauth/token"));
    assert_eq!(under(4, 2), &format!("{origin}/api/token"));
    assert_eq!(under(5, 1), &format!("{origin}/api/v1/oauth/token"));
    assert_eq!(under(2, 0), &format!("{origin}/oauth/token"));
    assert_eq!(under(3, 4), &format!("http://localhost:{port}/other/token"));
}
