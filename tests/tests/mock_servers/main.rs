//! A generated client (from `fixtures/client-credentials.yaml`) against an
//! in-process token endpoint and API (wiremock): what the servers receive
//! and what the client returns. The modules hold the tests of one concern
//! each, as `tests/real_servers/` does against real servers;
//! `integration_tests::support::mock` is what they share.

mod builder_retries;
mod client_authentication;
mod discovery;
mod media_types;
mod pagination;
mod requests;
mod response_headers;
mod retries;
mod schemes_and_headers;
mod tokens;
mod user_flows;
