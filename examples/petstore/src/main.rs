//! Lists the pets of a Petstore server with OAuth2 client credentials.
//!
//! ```sh
//! PETSTORE_CLIENT_ID=... PETSTORE_CLIENT_SECRET=... \
//! PETSTORE_BASE_URL=http://127.0.0.1:4010 \
//! PETSTORE_TOKEN_URL=http://127.0.0.1:5000/oauth/token \
//! cargo run -p petstore-example
//! ```
//!
//! The token URL and scopes come from `openapi/petstore.yaml`; the two
//! `*_URL` variables only point the example at a local server.

use std::process::ExitCode;

use petstore_example::petstore;

fn main() -> ExitCode {
    let runtime = match runtime::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = std::error::Error::source(&*error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let variable = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let mut credentials = petstore::auth::PetstoreAuth::client_credentials(
        variable("PETSTORE_CLIENT_ID")?,
        variable("PETSTORE_CLIENT_SECRET")?,
    );
    if let Ok(token_url) = std::env::var("PETSTORE_TOKEN_URL") {
        credentials = credentials.token_url(token_url);
    }
    let mut builder = petstore::Client::builder().auth(credentials);
    if let Ok(base_url) = std::env::var("PETSTORE_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    let client = builder.build()?;

    let pets = client
        .list_pets()
        .limit(10)
        .status(petstore::types::PetStatus::Available)
        .send()
        .await?;
    for pet in &pets {
        println!("{:>6}  {}", pet.id, pet.name);
    }
    Ok(())
}
