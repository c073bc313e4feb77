//! The grants a user takes part in: the password grant at Authlib, the
//! authorization code with PKCE and the device flow at oidc-provider, with
//! [`Browser`] playing the user.

use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::authlib_api::{auth, types};
use integration_tests::support::browser::{authorize_as_alice, Arrival, Browser};
use integration_tests::support::servers::{
    alice, authorization_code, kit, password, pick, seeded_pets, Peer,
};
use runtime::auth::{ClientAuthMethod, OAuth2};
use runtime::clock::{Clock, ManualClock, Sleep};
use runtime::Error;
use serde_json::json;

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
