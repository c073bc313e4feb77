//! OpenID Connect and RFC 8414 discovery of oidc-provider's token
//! endpoint.

use integration_tests::authlib_api::auth;
use integration_tests::support::servers::{pick, seeded_pets, statuses, Peer};
use runtime::auth::OAuth2;
use runtime::discovery::Discovery;
use serde_json::json;

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
