//! `generator call` without the end-to-end servers: arguments checked
//! before anything is sent (exit 2), credentials read from the
//! environment only, the dry run, and a 4xx answer (exit 1) from a one-shot
//! server on 127.0.0.1 that echoes the API key it received, which the
//! output must not show. The calls against Authlib, oidc-provider and Prism
//! are in `tests/tests/real_servers/call.rs`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/petstore/openapi/petstore.yaml")
}

/// `generator call <args>` with exactly `env` for the petstore's variables.
fn call(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_generator"));
    command.arg("call").args(args).stdin(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("PETSTORE_") || name.starts_with("ECHO_") {
            command.env_remove(name);
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command
        .envs(env.iter().copied())
        .output()
        .expect("the generator runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// An unknown operation lists the close matches; a missing required
/// parameter and an unknown one are named; a wrong `--scheme` says which
/// the operation accepts; all exit 2 before anything is sent (the base URL
/// is a closed port: a request would fail differently).
#[test]
fn bad_arguments_exit_2_before_anything_is_sent() {
    let spec = example();
    let spec = spec.to_str().unwrap();
    let env = [("PETSTORE_API_KEY", "k-123456")];
    let base = ["--base-url", "http://127.0.0.1:9/v1", spec];

    let (status, _, stderr) = call(&[&base[..], &["lsitPets"]].concat(), &env);
    assert_eq!(status, 2);
    assert!(stderr.contains("did you mean `listPets`"), "{stderr}");

    let (status, _, stderr) = call(&[&base[..], &["getPet", "-p", "colour=red"]].concat(), &env);
    assert_eq!(status, 2);
    assert!(
        stderr.contains("has no parameter `colour` (it has petId)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the required path parameter `petId` is missing"),
        "every error at once: {stderr}"
    );

    let (status, _, stderr) = call(&[&base[..], &["getPet", "-p", "petId=x"]].concat(), &env);
    assert_eq!(status, 2);
    assert!(
        stderr.contains("expected an integer, found `x`"),
        "{stderr}"
    );

    let (status, _, stderr) = call(
        &[&base[..], &["listPets", "--scheme", "api_key"]].concat(),
        &env,
    );
    assert_eq!(status, 2);
    assert!(stderr.contains("accepts: petstore_auth"), "{stderr}");

    let (status, _, stderr) = call(&[spec, "--overlay", "missing.yaml", "listPets"], &env);
    assert_eq!(status, 2, "{stderr}");
}

/// Without the variables a scheme's constructors read, and off a
/// terminal, the call is refused naming them; there is no option to pass
/// a secret on the command line.
#[test]
fn credentials_come_from_the_environment_only() {
    let spec = example();
    let (status, _, stderr) = call(&[spec.to_str().unwrap(), "listPets"], &[]);
    assert_eq!(status, 2);
    assert!(
        stderr.contains("set PETSTORE_CLIENT_ID and PETSTORE_CLIENT_SECRET (petstore_auth, client_credentials), or PETSTORE_ACCESS_TOKEN (petstore_auth, access_token)"),
        "{stderr}"
    );
    let (_, _, help) = call(&["--help"], &[]);
    assert!(
        !help.contains("--secret") && !help.contains("--token"),
        "{help}"
    );
}

/// A dry run shows the token request and the API request with their
/// secrets as placeholders, and the body; the secret read from the
/// environment appears nowhere.
#[test]
fn a_dry_run_shows_the_requests_without_secrets() {
    let spec = example();
    let secret = "dry-run s3cret";
    let (status, stdout, stderr) = call(
        &[
            spec.to_str().unwrap(),
            "createPet",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--body",
            r#"{"name": "Kit"}"#,
            "--dry-run",
        ],
        &[
            ("PETSTORE_CLIENT_ID", "dry-run-client"),
            ("PETSTORE_CLIENT_SECRET", secret),
        ],
    );
    assert_eq!(status, 0, "{stderr}");
    assert!(!stdout.contains(secret) && !stderr.contains(secret));
    assert!(stdout.contains("[1] token request: POST "), "{stdout}");
    assert!(stdout.contains("  > scope=pets:write"), "{stdout}");
    assert!(
        stdout.contains("[2] api request: POST http://127.0.0.1:9/v1/pets"),
        "{stdout}"
    );
    assert!(stdout.contains("  >   \"name\": \"Kit\""), "{stdout}");
    assert!(stdout.contains("dry run: nothing was sent"), "{stdout}");
}

/// A document whose one operation takes an API key in a header, served by
/// `url`.
fn echo_document(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("echo.yaml");
    std::fs::write(
        &path,
        format!(
            "openapi: 3.0.3
info: {{title: Echo, version: '1'}}
servers: [{{url: '{url}'}}]
paths:
  /things/{{id}}:
    get:
      operationId: getThing
      security: [{{key: []}}]
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: integer}}}}
        - {{name: tags, in: query, explode: false, schema: {{type: array, items: {{type: string}}}}}}
      responses:
        '200': {{description: ok}}
components:
  securitySchemes:
    key: {{type: apiKey, in: header, name: X-Key}}
"
        ),
    )
    .unwrap();
    path
}

/// A server on 127.0.0.1 answering one request with 404 and a JSON body
/// echoing the `x-key` header it received; gives the request it read.
fn one_shot_server() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..n]);
        }
        let request = String::from_utf8_lossy(&request).into_owned();
        let key = request
            .lines()
            .find_map(|line| line.strip_prefix("x-key: "))
            .unwrap_or_default()
            .to_owned();
        let body = format!(r#"{{"error": "no such thing", "your_key": "{key}"}}"#);
        write!(
            stream,
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        request
    });
    (url, server)
}

/// The API answering 404: exit 1, the status and body shown, the key the
/// server echoed back redacted; the request line is as the generated
/// client writes it.
#[test]
fn an_error_answer_exits_1_and_shows_no_key() {
    let (url, server) = one_shot_server();
    let dir = std::env::temp_dir().join(format!("generator-call-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = echo_document(&dir, &url);
    let key = "k3y-that-must-not-show";
    let (status, stdout, stderr) = call(
        &[
            spec.to_str().unwrap(),
            "GET /things/{id}",
            "-p",
            "id=7",
            "-p",
            "tags=a,b",
        ],
        &[("ECHO_API_KEY", key)],
    );
    let request = server.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        request.starts_with("GET /things/7?tags=a,b HTTP/1.1"),
        "{request}"
    );
    assert!(request.contains(&format!("x-key: {key}")), "{request}");
    assert_eq!(status, 1, "{stdout}{stderr}");
    assert!(stdout.contains("  < 404 Not Found"), "{stdout}");
    assert!(stdout.contains("\"error\": \"no such thing\""), "{stdout}");
    assert!(stdout.contains("\"your_key\": \"[redacted]\""), "{stdout}");
    assert!(
        !stdout.contains(key) && !stderr.contains(key),
        "{stdout}{stderr}"
    );
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), a missing
/// secret is asked for with echo off: the key typed is sent, and appears
/// nowhere in what the terminal showed.
#[cfg(target_os = "linux")]
#[test]
fn a_missing_secret_is_asked_for_without_echo() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    }
    let (url, server) = one_shot_server();
    let dir = std::env::temp_dir().join(format!("generator-call-tty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = echo_document(&dir, &url);
    let line = format!(
        "'{}' call '{}' 'GET /things/{{id}}' -p id=7",
        env!("CARGO_BIN_EXE_generator"),
        spec.display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("ECHO_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut shown = Vec::new();
    let mut buffer = [0u8; 1024];
    // Typed only once echo is off, as a user would after the prompt.
    while !String::from_utf8_lossy(&shown).contains("(not shown): ") {
        let n = stdout.read(&mut buffer).unwrap();
        assert_ne!(n, 0, "no prompt: {}", String::from_utf8_lossy(&shown));
        shown.extend_from_slice(&buffer[..n]);
    }
    let key = "typed-k3y-never-echoed";
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{key}").unwrap();
    stdout.read_to_end(&mut shown).unwrap();
    let status = child.wait().unwrap();
    let request = server.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let shown = String::from_utf8_lossy(&shown);
    assert!(shown.contains("ECHO_API_KEY is not set"), "{shown}");
    assert!(request.contains(&format!("x-key: {key}")), "{request}");
    assert!(!shown.contains(key), "{shown}");
    assert_eq!(status.code(), Some(1), "{shown}");
}
