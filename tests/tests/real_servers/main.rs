//! A generated client (from `fixtures/authlib-api.yaml`) against real
//! authorization servers and protected APIs on 127.0.0.1, started by
//! `servers/start`: one written with Authlib (`servers/authlib/`),
//! oidc-provider (`servers/oidc/`), and Prism mocking the document and
//! validating requests against it (`servers/prism/`). Every test asserts on
//! what the server saw (its `/test/events` for the test's own registered
//! client) and on what the client returned. The modules hold the tests of
//! one concern each; `integration_tests::support` what they share.
//!
//! The user's part of the authorization code and device flows is played by
//! `integration_tests::support::browser::Browser`, which clicks through
//! oidc-provider's development interactions over plain HTTP.
//!
//! The servers' base URLs come from the file `E2E_SERVERS` names, which
//! `scripts/test` sets. Without it these tests say they skipped, except in
//! CI (`CI=true`), where they fail:
//!
//! ```text
//! tests/servers/start
//! E2E_SERVERS=$PWD/target/e2e-servers.env cargo test -p integration-tests --test real_servers
//! tests/servers/stop
//! ```

mod call;
mod client_authentication;
mod discovery;
mod fleet;
mod requests;
mod schemes_and_headers;
mod tokens;
mod user_flows;
