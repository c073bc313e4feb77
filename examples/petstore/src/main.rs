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
    let client = petstore_example::client(
        &variable("PETSTORE_CLIENT_ID")?,
        &variable("PETSTORE_CLIENT_SECRET")?,
        std::env::var("PETSTORE_BASE_URL").ok().as_deref(),
        std::env::var("PETSTORE_TOKEN_URL").ok().as_deref(),
    )?;
    for pet in petstore_example::available_pets(&client).await? {
        println!("{:>6}  {}", pet.id, pet.name);
    }
    Ok(())
}
