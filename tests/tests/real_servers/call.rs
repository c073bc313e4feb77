//! `generator call` against the real servers: the command a user runs to
//! see an operation work before writing code. Each test runs the built
//! binary and asserts on its exit status, on what it printed (both
//! exchanges, nothing secret) and on what the server saw.
//!
//! The binary is built once per test run by `cargo build -p generator`
//! into its own target directory (`target/cli-e2e`), as the tests that
//! compile generated crates do: the `CARGO_BIN_EXE_` variables only exist
//! in the generator's own tests, and a binary found under `target/` could
//! be stale, or not built at all by `cargo test -p integration-tests`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use integration_tests::support::browser::{Arrival, Browser};
use integration_tests::support::servers::{alice, pick, Peer, Registered};
use integration_tests::workspace_root;
use serde_json::{json, Value};

/// The generator binary of this checkout, built on first use.
fn generator_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = workspace_root();
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("target"))
            .join("cli-e2e");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let built = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "--offline",
                "-p",
                "generator",
                "--bin",
                "generator",
            ])
            .arg("--manifest-path")
            .arg(root.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("cargo runs");
        assert!(
            built.status.success(),
            "cargo build -p generator failed:\n{}",
            String::from_utf8_lossy(&built.stderr)
        );
        target.join("debug").join("generator")
    })
}

/// `generator call <args>` with `env` as its only credentials: variables
/// the developer's shell may hold for the same API are removed.
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(generator_bin());
    command.arg("call").args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("AUTHLIB_TEST_API_") || name.starts_with("LOGIN_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.stdin(Stdio::null());
    command
}

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command(args, env).output().expect("the generator runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

fn fixture(name: &str) -> String {
    workspace_root()
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Asserts that none of `secrets` appears in `output`, as written or
/// form-encoded.
fn assert_no_secret(output: &str, secrets: &[&str]) {
    for secret in secrets {
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        assert!(!output.contains(secret), "`{secret}` shown in:\n{output}");
        assert!(
            !output.contains(&encoded),
            "`{encoded}` shown in:\n{output}"
        );
    }
}

/// The credentials of `client` for the fixture's `oauth` scheme.
fn oauth_env(client: &Registered) -> [(&'static str, &str); 2] {
    [
        ("AUTHLIB_TEST_API_OAUTH_CLIENT_ID", client.id.as_str()),
        (
            "AUTHLIB_TEST_API_OAUTH_CLIENT_SECRET",
            client.secret.as_str(),
        ),
    ]
}

/// Client credentials at Authlib: the token exchange, then the API
/// exchange, both shown; exit 0; no secret or token in the output. In
/// JSON, the tokens of the token response and the API request's
/// credential are `[redacted]`.
#[tokio::test]
async fn client_credentials_show_both_exchanges() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let client = server.registered("cli");
    server.reset(&client).await;
    let api = format!("{}/api", server.url);
    let spec = fixture("authlib-api.yaml");
    let args = ["--base-url", &api, &spec, "listPets"];

    let (status, stdout, stderr) = run(&args, &oauth_env(&client));
    assert_eq!(status, 0, "{stdout}{stderr}");
    let token_line = format!(
        "[1] token request: POST {}/oauth/token  (client authentication: basic)",
        server.url
    );
    assert!(stdout.contains(&token_line), "{stdout}");
    assert!(
        stdout.contains(&format!("[2] api request: GET {api}/pets")),
        "{stdout}"
    );
    assert!(
        stdout.contains("  > grant_type=client_credentials\n  > scope=read\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\"name\": \"Rex\""), "{stdout}");
    assert!(stdout.contains("ok: listPets answered 200"), "{stdout}");
    assert_no_secret(&(stdout.clone() + &stderr), &[&client.secret]);

    // The same as JSON, for tools; the token is cached per process, so
    // this run asks for one again.
    let (status, stdout, stderr) = run(
        &[&args[..], &["--format", "json"]].concat(),
        &oauth_env(&client),
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert_no_secret(&(stdout.clone() + &stderr), &[&client.secret]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let exchanges = report["exchanges"].as_array().unwrap();
    let kinds: Vec<&str> = exchanges
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["token", "api"]);
    let (token, call) = (&exchanges[0], &exchanges[1]);
    assert_eq!(token["request"]["body"]["grant_type"], "client_credentials");
    assert_eq!(
        token["request"]["headers"]["authorization"],
        "Basic [redacted]"
    );
    assert_eq!(token["response"]["status"], 200);
    assert_eq!(token["response"]["body"]["access_token"], "[redacted]");
    assert!(token["duration_ms"].is_u64(), "{token}");
    assert_eq!(call["request"]["method"], "GET");
    assert_eq!(call["request"]["headers"]["authorization"], "[redacted]");
    assert_eq!(call["response"]["status"], 200);
    assert_eq!(call["response"]["body"][0]["name"], "Rex");
    assert_eq!(report["outcome"]["ok"], true);

    let events = server.events(&client).await;
    assert_eq!(
        pick(&events.tokens, &["grant_type", "scope", "status"]),
        [
            json!({"grant_type": "client_credentials", "scope": "read", "status": 200}),
            json!({"grant_type": "client_credentials", "scope": "read", "status": 200}),
        ]
    );
    assert_eq!(
        pick(&events.api, &["method", "path", "status"]),
        [
            json!({"method": "GET", "path": "/api/pets", "status": 200}),
            json!({"method": "GET", "path": "/api/pets", "status": 200}),
        ]
    );
}

/// A wrong secret: exit 1, the OAuth2 error code shown, the API never
/// called, and neither the wrong secret nor the right one in the output.
#[tokio::test]
async fn a_wrong_secret_exits_1_with_the_oauth2_error() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let client = server.registered("cli-wrong-secret");
    server.reset(&client).await;
    let api = format!("{}/api", server.url);
    let spec = fixture("authlib-api.yaml");
    let wrong = "not the s3cret at all";
    let env = [
        ("AUTHLIB_TEST_API_OAUTH_CLIENT_ID", client.id.as_str()),
        ("AUTHLIB_TEST_API_OAUTH_CLIENT_SECRET", wrong),
    ];
    let (status, stdout, stderr) = run(&["--base-url", &api, &spec, "listPets"], &env);
    assert_eq!(status, 1, "{stdout}{stderr}");
    assert!(stdout.contains("oauth2 error: invalid_client"), "{stdout}");
    assert!(stdout.contains("  < 401 Unauthorized"), "{stdout}");
    assert_no_secret(&(stdout.clone() + &stderr), &[wrong, &client.secret]);

    let (status, stdout, _) = run(
        &["--base-url", &api, &spec, "listPets", "--format", "json"],
        &env,
    );
    assert_eq!(status, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["outcome"]["oauth2_error"], "invalid_client");
    assert_eq!(report["outcome"]["ok"], false);
    let events = server.events(&client).await;
    assert!(events.api.is_empty(), "{:?}", events.api);
    assert!(
        events.tokens.iter().all(|e| e["status"] == 401),
        "{:?}",
        events.tokens
    );
}

/// The password grant: neither the password nor the client secret shown,
/// the user name shown as sent.
#[tokio::test]
async fn the_password_grant_shows_no_password() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let client = server.registered("cli-password");
    server.reset(&client).await;
    let (username, password) = alice();
    let api = format!("{}/api", server.url);
    let spec = fixture("authlib-api.yaml");
    let env = [
        ("AUTHLIB_TEST_API_OAUTH_CLIENT_ID", client.id.as_str()),
        (
            "AUTHLIB_TEST_API_OAUTH_CLIENT_SECRET",
            client.secret.as_str(),
        ),
        ("AUTHLIB_TEST_API_OAUTH_USERNAME", username.as_str()),
        ("AUTHLIB_TEST_API_OAUTH_PASSWORD", password.as_str()),
    ];
    let (status, stdout, stderr) = run(
        &["--base-url", &api, &spec, "whoAmI", "--format", "json"],
        &env,
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert_no_secret(&(stdout.clone() + &stderr), &[&password, &client.secret]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let exchanges = report["exchanges"].as_array().unwrap();
    // The client is registered for `client_secret_post`: the runtime's
    // `auto` tries Basic first, then the body.
    let token = exchanges
        .iter()
        .find(|e| e["kind"] == "token" && e["response"]["status"] == 200)
        .unwrap();
    let form = &token["request"]["body"];
    assert_eq!(form["grant_type"], "password");
    assert_eq!(form["username"], "alice");
    assert_eq!(form["password"], "[redacted]");
    assert_eq!(form["client_secret"], "[redacted]");
    assert_eq!(token["response"]["body"]["refresh_token"], "[redacted]");
    let call = exchanges.iter().find(|e| e["kind"] == "api").unwrap();
    assert_eq!(call["response"]["body"]["username"], "alice");
}

/// `--dry-run` prints the token request and the API request, body
/// included, and sends nothing: the server saw no request of the client.
#[tokio::test]
async fn a_dry_run_sends_nothing() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let client = server.registered("cli-dry-run");
    server.reset(&client).await;
    let api = format!("{}/api", server.url);
    let spec = fixture("authlib-api.yaml");
    let (status, stdout, stderr) = run(
        &[
            "--base-url",
            &api,
            &spec,
            "POST /pets",
            "--body",
            r#"{"name": "Kit", "tag": "cat"}"#,
            "--dry-run",
            "--format",
            "json",
        ],
        &oauth_env(&client),
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert_no_secret(&(stdout.clone() + &stderr), &[&client.secret]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["dry_run"], true);
    let token = &report["exchanges"][0];
    assert_eq!(
        token["request"]["url"],
        format!("{}/oauth/token", server.url)
    );
    assert_eq!(token["request"]["body"]["scope"], "write");
    assert_eq!(token["response"], Value::Null);
    let call = &report["exchanges"][1];
    assert_eq!(call["request"]["method"], "POST");
    assert_eq!(call["request"]["url"], format!("{api}/pets"));
    assert_eq!(call["request"]["headers"]["authorization"], "[redacted]");
    assert_eq!(
        call["request"]["body"],
        json!({"name": "Kit", "tag": "cat"})
    );
    let events = server.events(&client).await;
    assert!(events.tokens.is_empty() && events.api.is_empty());
}

/// Every parameter location and a JSON body through Prism, which validates
/// each request against the document: the CLI sends exactly what the
/// generated client sends in `requests.rs` (the same query, path and
/// cookie strings), and Prism finds nothing wrong.
#[tokio::test]
async fn parameters_and_bodies_as_the_generated_client_sends_them() {
    let Some(prism) = Peer::prism_operations() else {
        return;
    };
    prism.reset_id("cli").await;
    let spec = fixture("operations.yaml");
    let base = [
        "--base-url",
        prism.url.as_str(),
        "--header",
        "x-e2e-client: cli",
    ];
    let calls: [&[&str]; 3] = [
        &[
            "search",
            "--param",
            "q=lamp & co",
            "--param",
            "tags=a,b",
            "--param",
            "tags=c",
            "--param",
            "ids=1,2",
            "--param",
            "piped=x,y",
            "--param",
            r#"filter={"color": "dark red", "size": 2}"#,
            "--param",
            "X-Trace-Id=t-1",
            "--param",
            "session=s3cr3t; v=1",
            "--param",
            "theme=dark",
        ],
        &[
            "GET /items/{id}/{label}/{coords}",
            "-p",
            "id=7",
            "-p",
            "label=big",
            "-p",
            "coords=[1,2]",
        ],
        &["createItem", "--body", r#"{"name": "desk"}"#],
    ];
    for call in calls {
        let args = [&base[..], &[spec.as_str()], call].concat();
        let (status, stdout, stderr) = run(&args, &[]);
        assert_eq!(status, 0, "{args:?}\n{stdout}{stderr}");
    }
    let events = prism.events_of("cli").await.api;
    assert_eq!(
        pick(
            &events,
            &["method", "path", "query", "cookie", "status", "violations"]
        ),
        [
            json!({
                "method": "GET", "path": "/search",
                "query": "q=lamp%20%26%20co&tags=a%2Cb,c&ids=1&ids=2&piped=x|y&filter[color]=dark%20red&filter[size]=2",
                "cookie": "session=s3cr3t%3B%20v=1; theme=dark", "status": 200, "violations": [],
            }),
            json!({ "method": "GET", "path": "/items/7/.big/;coords=1;coords=2", "query": null, "cookie": null, "status": 200, "violations": [] }),
            json!({ "method": "POST", "path": "/items", "query": null, "cookie": null, "status": 201, "violations": [] }),
        ]
    );
    assert_eq!(events[2]["content_type"], "application/json");

    // A missing required parameter is named before anything is sent.
    let args = [&base[..], &[spec.as_str(), "search", "-p", "q=x"]].concat();
    let (status, _, stderr) = run(&args, &[]);
    assert_eq!(status, 2);
    assert!(
        stderr.contains("the required cookie parameter `session` is missing"),
        "{stderr}"
    );
    assert_eq!(prism.events_of("cli").await.api.len(), 3);
}

/// The key `--token-store` seals tokens with (test-only).
const TOKEN_KEY: (&str, &str) = (
    "GENERATOR_TOKEN_KEY",
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
);

/// A document with the authorization code flow at oidc-provider, written
/// for its URL.
fn login_document(oidc: &Peer, dir: &Path) -> String {
    let document = format!(
        "openapi: 3.0.3
info: {{title: Login, version: '1'}}
servers: [{{url: '{url}/api'}}]
paths:
  /pets:
    get:
      operationId: listPets
      security: [{{code: [read]}}]
      responses: {{'200': {{description: the pets}}}}
components:
  securitySchemes:
    code:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: {url}/auth
          tokenUrl: {url}/oauth/token
          scopes: {{openid: sign in, read: read pets}}
",
        url = oidc.url
    );
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("login.yaml");
    std::fs::write(&path, document).unwrap();
    path.to_string_lossy().into_owned()
}

/// Runs `call --login` until it prints the authorization URL, plays alice
/// at oidc-provider, and returns the process with the loopback redirect
/// the provider sent her to.
async fn start_login(
    spec: &str,
    client: &Registered,
    store: &str,
) -> (std::process::Child, url::Url) {
    let mut child = command(
        &[
            spec,
            "listPets",
            "--login",
            "--no-browser",
            "--login-timeout",
            "60",
            "--format",
            "json",
            "--token-store",
            store,
        ],
        &[("LOGIN_CLIENT_ID", client.id.as_str()), TOKEN_KEY],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the generator runs");
    let stderr = child.stderr.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("http") {
                let _ = sender.send(line);
            }
        }
    });
    let url = tokio::task::spawn_blocking(move || {
        receiver
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the authorization URL is printed")
    })
    .await
    .unwrap();
    // The loopback redirect URI the CLI sent (the provider is on 127.0.0.1
    // too: its own pages are not the redirect).
    let redirect_uri = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "redirect_uri")
        .map(|(_, value)| value.into_owned())
        .expect("the authorization URL carries the redirect URI");
    assert!(
        redirect_uri.starts_with("http://127.0.0.1:"),
        "{redirect_uri}"
    );
    let redirect = match Browser::new().click_through(&url, &redirect_uri).await {
        Arrival::Redirected(to) => to,
        Arrival::Page { url, body } => panic!("no redirect; the last page, {url}: {body}"),
    };
    (child, redirect)
}

/// `--login` runs the authorization code flow with PKCE: the browser (alice,
/// played headlessly) is sent back to the CLI's loopback listener, which
/// answers with a page, and the code is redeemed on the call.
#[tokio::test]
async fn login_with_the_authorization_code_flow() {
    let Some(oidc) = Peer::oidc() else {
        return;
    };
    let client = oidc.registered("cli-login");
    oidc.reset(&client).await;
    let dir = std::env::temp_dir().join(format!("cli-login-{}", std::process::id()));
    let spec = login_document(&oidc, &dir);
    let store = dir.join("tokens.json").to_string_lossy().into_owned();
    let (child, redirect) = start_login(&spec, &client, &store).await;
    assert_eq!(redirect.path(), "/callback");
    let page = oidc.http.get(redirect.as_str()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("go back to the terminal"));
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let code = redirect
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_no_secret(&stdout, &[&code]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let token = &report["exchanges"][0];
    assert_eq!(token["request"]["body"]["grant_type"], "authorization_code");
    assert_eq!(token["request"]["body"]["code"], "[redacted]");
    assert_eq!(token["request"]["body"]["code_verifier"], "[redacted]");
    assert_eq!(token["response"]["body"]["access_token"], "[redacted]");
    assert_eq!(report["exchanges"][1]["response"]["status"], 200);
    let events = oidc.events(&client).await;
    assert_eq!(
        pick(&events.tokens, &["grant_type", "status"]),
        [json!({"grant_type": "authorization_code", "status": 200})]
    );

    // The next call finds the token in the store: no login (it would wait
    // for a redirect that never comes), no token request.
    let (status, stdout, stderr) = run(
        &[
            &spec,
            "listPets",
            "--login",
            "--no-browser",
            "--login-timeout",
            "5",
            "--token-store",
            &store,
        ],
        &[("LOGIN_CLIENT_ID", client.id.as_str()), TOKEN_KEY],
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("open this URL"), "{stderr}");
    assert!(stdout.starts_with("[1] api request: GET "), "{stdout}");
    let stored = std::fs::read_to_string(&store).unwrap();
    assert!(!stored.contains(&code), "the store is sealed");
    assert_eq!(oidc.events(&client).await.tokens.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The listener refuses a redirect whose `state` is not the one sent: a
/// 400 page, exit 1, and no code redeemed.
#[tokio::test]
async fn login_refuses_a_wrong_state() {
    let Some(oidc) = Peer::oidc() else {
        return;
    };
    let client = oidc.registered("cli-login");
    let dir = std::env::temp_dir().join(format!("cli-login-state-{}", std::process::id()));
    let spec = login_document(&oidc, &dir);
    let store = dir.join("tokens.json").to_string_lossy().into_owned();
    let (child, mut redirect) = start_login(&spec, &client, &store).await;
    let forged: Vec<(String, String)> = redirect
        .query_pairs()
        .map(|(k, v)| match k.as_ref() {
            "state" => (k.into_owned(), "forged".to_owned()),
            _ => (k.into_owned(), v.into_owned()),
        })
        .collect();
    redirect.query_pairs_mut().clear().extend_pairs(forged);
    let page = oidc.http.get(redirect.as_str()).send().await.unwrap();
    assert_eq!(page.status(), 400);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        report["outcome"]["error"]
            .as_str()
            .unwrap()
            .contains("`state` does not match"),
        "{stdout}"
    );
    assert!(report["exchanges"].as_array().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--login` with the device flow (RFC 8628, OpenAPI 3.2's
/// `deviceAuthorization`): the CLI prints the verification URL with the
/// user code and polls; alice approves in the (headless) browser; the call
/// then goes through with the token, and the token requests are shown.
#[tokio::test]
async fn login_with_the_device_flow() {
    let Some(oidc) = Peer::oidc() else {
        return;
    };
    let client = oidc.registered("cli-device");
    oidc.reset(&client).await;
    let dir = std::env::temp_dir().join(format!("cli-device-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("device.yaml");
    std::fs::write(
        &spec,
        format!(
            "openapi: 3.2.0
info: {{title: Device, version: '1'}}
servers: [{{url: '{url}/api'}}]
paths:
  /pets:
    get:
      operationId: listPets
      security: [{{device: [read]}}]
      responses: {{'200': {{description: the pets}}}}
components:
  securitySchemes:
    device:
      type: oauth2
      flows:
        deviceAuthorization:
          deviceAuthorizationUrl: {url}/device/auth
          tokenUrl: {url}/oauth/token
          scopes: {{read: read pets}}
",
            url = oidc.url
        ),
    )
    .unwrap();
    let spec = spec.to_string_lossy().into_owned();
    let mut child = command(
        &[&spec, "listPets", "--login", "--format", "json"],
        &[("DEVICE_CLIENT_ID", client.id.as_str())],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the generator runs");
    let stderr = child.stderr.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let line = tokio::task::spawn_blocking(move || {
        receiver
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the verification URL is printed")
    })
    .await
    .unwrap();
    // "To sign in for `device`, open <complete> (or <uri> and enter the code <code>)."
    let complete = line
        .split_once(", open ")
        .and_then(|(_, rest)| rest.split_once(" (or "))
        .map(|(url, _)| url.to_owned())
        .unwrap_or_else(|| panic!("no verification URL in {line}"));
    assert!(
        complete.starts_with(&format!("{}/device", oidc.url)),
        "{line}"
    );
    match Browser::new().click_through(&complete, "-").await {
        Arrival::Page { body, .. } => assert!(body.contains("Sign-in Success"), "{body}"),
        other => panic!("{other:?}"),
    }
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let exchanges = report["exchanges"].as_array().unwrap();
    let granted = exchanges
        .iter()
        .find(|e| e["kind"] == "token" && e["response"]["status"] == 200)
        .unwrap_or_else(|| panic!("no token granted: {stdout}"));
    assert_eq!(
        granted["request"]["body"]["grant_type"],
        "urn:ietf:params:oauth:grant-type:device_code"
    );
    assert_eq!(granted["request"]["body"]["device_code"], "[redacted]");
    assert_eq!(granted["response"]["body"]["access_token"], "[redacted]");
    let call = exchanges.iter().find(|e| e["kind"] == "api").unwrap();
    assert_eq!(call["response"]["status"], 200);
    let _ = std::fs::remove_dir_all(&dir);
}
