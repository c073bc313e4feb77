//! The client of `fixtures/references.yaml` (compiled with every warning
//! denied in `src/lib.rs`): references into `paths` resolved by the loader,
//! a path template variable no parameter declares taken as an argument, and
//! OpenAPI 3.1's optional `responses` and webhooks: calls against an
//! in-process server showing the URLs and bodies sent. The code and the
//! warnings are snapshots of `tests/type_snapshots.rs` (`references`,
//! `references_warnings`).

use integration_tests::references::{types, Client};
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn references_into_paths_reach_the_wire() {
    let server = MockServer::start().await;
    let pet = json!({ "id": 7, "name": "Rex" });
    // A parameter and a response shared through `paths`, one of them
    // percent-encoded; `toyId` is declared nowhere.
    Mock::given(method("GET"))
        .and(path("/v1/pets/7/toys/ball%20red"))
        .and(query_param("verbose", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&pet))
        .expect(1)
        .mount(&server)
        .await;
    // A request body shared through `paths`, a parameter through a chain
    // of components.
    Mock::given(method("PUT"))
        .and(path("/v1/pets/7"))
        .and(body_json(json!({ "name": "Rex", "tag": "dog" })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    // No `responses` documented: `()`.
    Mock::given(method("DELETE"))
        .and(path("/v1/pets/7/toys/ball"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    // A path item that refers to another.
    Mock::given(method("GET"))
        .and(path("/v1/v2/pets/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&pet))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let toy = client
        .get_toy(7, "ball red")
        .verbose(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        toy,
        types::GetToyResponse {
            id: 7,
            name: "Rex".into()
        }
    );
    client
        .replace_pet(
            7,
            types::ReplacePetBody {
                name: "Rex".into(),
                tag: Some("dog".into()),
            },
        )
        .send()
        .await
        .unwrap();
    // The pattern only matches `()`.
    let () = client.delete_toy(7, "ball").send().await.unwrap();
    let again = client.get_pet_2(7).send().await.unwrap();
    assert_eq!(again.name, "Rex");
}
