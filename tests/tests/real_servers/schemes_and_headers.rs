//! Security schemes other than a bearer token in the Authorization header:
//! an API key in the query, a token in a custom header pattern, optional
//! authentication.

use integration_tests::authlib_api::{auth, types};
use integration_tests::support::encoding::{basic_header, percent_encode, plus};
use integration_tests::support::servers::{client_credentials, pick, seeded_pets, Peer};
use runtime::auth::ClientAuthMethod;
use runtime::Error;
use serde_json::json;

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
