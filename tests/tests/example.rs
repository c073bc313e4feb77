//! The example crate's calls, as its binary makes them, against an
//! in-process token endpoint and API.

use petstore_example::petstore::types::PetStatus;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn the_example_lists_available_pets_with_a_client_credentials_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": "t-example", "expires_in": 600 })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/pets"))
        .and(query_param("limit", "10"))
        .and(query_param("status", "available"))
        .and(header("authorization", "Bearer t-example"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "id": 4, "name": "Nala", "status": "available", "owner": { "name": "Ann", "email": null } }
        ])))
        .expect(1)
        .mount(&server)
        .await;

    let client = petstore_example::client(
        "example-id",
        "example-secret",
        Some(&format!("{}/v1", server.uri())),
        Some(&format!("{}/oauth/token", server.uri())),
    )
    .unwrap();
    let pets = petstore_example::available_pets(&client).await.unwrap();

    assert_eq!(pets.len(), 1);
    assert_eq!(pets[0].name, "Nala");
    assert_eq!(pets[0].status, PetStatus::Available);
    assert_eq!(pets[0].owner.as_ref().unwrap().email, None);
    let token_request = &server.received_requests().await.unwrap()[0];
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&token_request.body)
        .into_owned()
        .collect();
    assert!(
        form.contains(&("scope".to_owned(), "pets:read".to_owned())),
        "{form:?}"
    );
}
