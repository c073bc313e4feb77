//! Client authentication at Authlib and oidc-provider: Basic, in the body,
//! automatic, `private_key_jwt`; the servers' strictness the other tests
//! rely on, and how each decodes Basic credentials.

use integration_tests::authlib_api::{auth, types};
use integration_tests::support::encoding::{basic_header, percent_encode, plus, Encoder};
use integration_tests::support::servers::{
    client_credentials, kit, pick, seeded_pets, statuses, Peer,
};
use runtime::auth::ClientAuthMethod;
use serde_json::json;

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

/// `private_key_jwt` with an RSA and a P-256 key, read from PKCS#8 PEM and
/// from a JSON Web Key: each token request carries a fresh assertion; one signed with another key of the same kind
/// is refused. `refusal` is the server's reason, from its events.
async fn private_key_jwt(server: &Peer, roles: [&str; 2], refusal: &str) {
    for role in roles {
        let registered = server.registered(role);
        let key = registered.spec["key"].as_str().unwrap();

        // The key handed out as a JSON Web Key signs the same.
        server.reset(&registered).await;
        let client = server.client(
            auth::Oauth::client_credentials(registered.id.clone(), "")
                .private_key_jwt(server.signing_jwk(key)),
        );
        assert_eq!(client.list_pets().send().await.unwrap(), seeded_pets());
        assert_eq!(
            pick(
                &server.events(&registered).await.tokens,
                &["client_auth", "status"]
            ),
            [json!({ "client_auth": "private_key_jwt", "status": 200 })],
            "{role}, JWK"
        );

        server.reset(&registered).await;
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
