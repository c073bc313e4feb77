//! The Petstore client, generated from `openapi/petstore.yaml` by `build.rs`,
//! and the calls the example binary makes with it.

/// The generated client: `Client`, `types`, `auth` and `builders`.
pub mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}

use petstore::{auth, types, Client, Error};

/// A client authenticating with OAuth2 client credentials. The token URL
/// and scopes come from the document; `base_url` and `token_url` only point
/// the client elsewhere (a local server, say).
pub fn client(
    client_id: &str,
    client_secret: &str,
    base_url: Option<&str>,
    token_url: Option<&str>,
) -> Result<Client, Error> {
    let mut credentials = auth::PetstoreAuth::client_credentials(client_id, client_secret);
    if let Some(token_url) = token_url {
        credentials = credentials.token_url(token_url);
    }
    let mut builder = Client::builder().auth(credentials);
    if let Some(base_url) = base_url {
        builder = builder.base_url(base_url);
    }
    builder.build()
}

/// Up to ten pets available for sale. The document describes error
/// responses with a body of type `types::Error`, so the call's error carries
/// it decoded (`Error::ErrorResponse`).
pub async fn available_pets(client: &Client) -> Result<Vec<types::Pet>, Error<types::Error>> {
    client
        .list_pets()
        .limit(10)
        .status(types::PetStatus::Available)
        .send()
        .await
}
