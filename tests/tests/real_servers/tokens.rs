//! Tokens over their life against real servers: refreshed and rotated
//! (never replayed), renewed before they expire or after a 401, one per
//! scope set, one request for concurrent calls.

use std::time::Duration;

use integration_tests::support::browser::authorize_as_alice;
use integration_tests::support::encoding::s256;
use integration_tests::support::servers::{
    authorization_code, client_credentials, kit, password, pick, seeded_pets, statuses, Peer,
};
use runtime::auth::ClientAuthMethod;
use runtime::Error;
use serde_json::{json, Value};
use url::Url;

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
