//! A generated client against a token endpoint and API that misbehave at
//! random: statuses, headers and bodies of every kind, lengths that lie,
//! bodies that never end, servers that stall or hang up, token responses
//! with fields of the wrong type, and error bodies that echo the request.
//! Every call must come back (success or a typed error) within its timeout,
//! never panic, never buffer without bound, and never show the client
//! secret or a token in what it returns.
//!
//! The test run by `cargo test` tries a few hundred responses with a fixed
//! seed; `scripts/fuzz` runs `long_run` for minutes (`FUZZ_SECONDS`,
//! `FUZZ_SEED`) and prints its figures.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use integration_tests::client_credentials::{auth, Client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CLIENT_ID: &str = "fuzz-client";
const CLIENT_SECRET: &str = "fuzz-s3cret-value";
/// The access tokens the server hands out: a call's error must never show
/// one.
const TOKEN: &str = "fuzz-access-token-value";
/// The client's timeout; a call must be back within it and `SLACK`.
const TIMEOUT: Duration = Duration::from_millis(400);
const SLACK: Duration = Duration::from_secs(5);
/// What the client may buffer of a body, lower than its default so that
/// endless bodies hit it quickly.
const MAX_BODY: usize = 256 * 1024;

/// xorshift64*: the same sequence on every machine.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// How a response's body is sent.
enum Body {
    /// With a `Content-Length`, possibly a lying one.
    Sized {
        bytes: Vec<u8>,
        declared: Option<usize>,
    },
    /// Chunked, possibly with a broken chunk.
    Chunked { bytes: Vec<u8>, broken: bool },
    /// Chunked and never ending.
    Endless,
    /// The head, then nothing, for longer than the client waits.
    Stall,
    /// The connection closed before any response.
    HangUp,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

/// A random JSON value of odd shape or type.
fn odd_value(rng: &mut Rng) -> String {
    match rng.below(14) {
        0 => "null".into(),
        1 => "-1".into(),
        2 => "1e400".into(),
        3 => "18446744073709551616".into(),
        4 => "\"\"".into(),
        5 => "\"3600\"".into(),
        6 => "true".into(),
        7 => "[]".into(),
        8 => "{}".into(),
        9 => format!("\"{}\"", "x".repeat(rng.below(100_000))),
        10 => "0.5".into(),
        11 => "\"\\ud800\"".into(),
        12 => format!("{}1{}", "[".repeat(200), "]".repeat(200)),
        _ => "\"bearer\"".into(),
    }
}

/// A token response body: mostly well formed, with one field odd.
fn token_body(rng: &mut Rng, request: &str) -> Vec<u8> {
    let mut fields = vec![
        ("access_token", format!("\"{TOKEN}\"")),
        (
            "token_type",
            rng.pick(&[
                "\"Bearer\"",
                "\"bearer\"",
                "\"mac\"",
                "\"DPoP\"",
                "\"\"",
                "1",
            ])
            .to_string(),
        ),
        (
            "expires_in",
            rng.pick(&["3600", "0", "-5", "1"]).to_string(),
        ),
        ("refresh_token", "\"fuzz-refresh-token\"".into()),
        ("scope", "\"read write\"".into()),
    ];
    match rng.below(4) {
        0 => {
            let index = rng.below(fields.len());
            fields[index].1 = odd_value(rng);
        }
        1 => {
            let index = rng.below(fields.len());
            fields.remove(index);
        }
        _ => {}
    }
    let mut body = format!(
        "{{{}}}",
        fields
            .iter()
            .map(|(name, value)| format!("\"{name}\":{value}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    if rng.below(6) == 0 {
        // The request echoed back, as some servers do in their errors.
        body = format!(
            "{{\"error\":\"{}\",\"error_description\":{},\"access_token\":\"{TOKEN}\"}}",
            rng.pick(&["invalid_client", "invalid_request", "invalid_grant", "x"]),
            serde_json::Value::String(request.to_owned())
        );
    }
    if rng.below(8) == 0 {
        body.truncate(rng.below(body.len()));
    }
    body.into_bytes()
}

/// An API body: JSON of the right or wrong shape, or not JSON at all.
fn api_body(rng: &mut Rng, request: &str) -> Vec<u8> {
    match rng.below(9) {
        0 => b"[{\"id\":1,\"name\":\"Rex\"}]".to_vec(),
        1 => b"[{\"id\":\"one\"}]".to_vec(),
        2 => format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        3 => vec![0xff, 0xfe, 0x00, 0x80],
        4 => request.as_bytes().to_vec(),
        5 => format!(
            "{{\"message\":{}}}",
            serde_json::Value::String(request.into())
        )
        .into_bytes(),
        6 => vec![b'['; MAX_BODY * 2],
        7 => Vec::new(),
        _ => odd_value(rng).into_bytes(),
    }
}

fn random_response(rng: &mut Rng, is_token: bool, request: &str, port: u16) -> Response {
    // A well-behaved answer a third of the time, so that calls get past the
    // token endpoint and cached tokens are used and renewed.
    if rng.below(3) == 0 {
        let body = if is_token {
            format!(
                "{{\"access_token\":\"{TOKEN}\",\"token_type\":\"Bearer\",\"expires_in\":3600}}"
            )
        } else {
            "[{\"id\":1,\"name\":\"Rex\"}]".to_owned()
        };
        return Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Body::Sized {
                declared: Some(body.len()),
                bytes: body.into_bytes(),
            },
        };
    }
    let status = *rng.pick(&[
        200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 401, 403, 404, 429, 500, 503, 999,
    ]);
    let mut headers = Vec::new();
    match rng.below(5) {
        0 => {}
        1 => headers.push(("Content-Type".into(), "text/html".into())),
        2 => headers.push((
            "Content-Type".into(),
            "application/json; charset=ebcdic".into(),
        )),
        _ => headers.push(("Content-Type".into(), "application/json".into())),
    }
    if (300..400).contains(&status) {
        let location = match rng.below(4) {
            0 => format!("http://127.0.0.1:{port}/api/pets"),
            1 => "http://example.invalid/steal".to_owned(),
            2 => "/api/pets".to_owned(),
            _ => "::not a url::".to_owned(),
        };
        headers.push(("Location".into(), location));
    }
    if status == 401 && rng.below(2) == 0 {
        headers.push((
            "WWW-Authenticate".into(),
            "Bearer error=\"invalid_token\"".into(),
        ));
    }
    if rng.below(10) == 0 {
        headers.push(("X-Echo".into(), format!("{CLIENT_SECRET} {TOKEN}")));
    }
    let bytes = if is_token {
        token_body(rng, request)
    } else {
        api_body(rng, request)
    };
    let body = match rng.below(20) {
        0 => Body::Endless,
        1 => Body::Stall,
        2 => Body::HangUp,
        3 => Body::Sized {
            declared: Some(bytes.len() + 1 + rng.below(1 << 20)),
            bytes,
        },
        4 => Body::Sized {
            declared: Some(usize::MAX / 2),
            bytes,
        },
        5 | 6 => Body::Chunked {
            broken: rng.below(2) == 0,
            bytes,
        },
        7 => Body::Sized {
            declared: Some(bytes.len() / 2),
            bytes,
        },
        _ => Body::Sized {
            declared: Some(bytes.len()),
            bytes,
        },
    };
    Response {
        status,
        headers,
        body,
    }
}

/// Reads one request: the head, and as much body as `Content-Length` says
/// (bounded).
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0)
                .min(1 << 20);
            while buffer.len() < end + 4 + length {
                let read = stream.read(&mut chunk).await.ok()?;
                if read == 0 {
                    break;
                }
                buffer.extend_from_slice(&chunk[..read]);
            }
            return Some(String::from_utf8_lossy(&buffer).into_owned());
        }
        if buffer.len() > 1 << 20 {
            return None;
        }
    }
}

async fn write_response(stream: &mut TcpStream, response: Response) -> std::io::Result<()> {
    if matches!(response.body, Body::HangUp) {
        return Ok(());
    }
    let mut head = format!("HTTP/1.1 {} Fuzz\r\n", response.status);
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match &response.body {
        Body::Sized {
            declared: Some(length),
            ..
        } => head.push_str(&format!("Content-Length: {length}\r\n")),
        Body::Chunked { .. } | Body::Endless => head.push_str("Transfer-Encoding: chunked\r\n"),
        _ => {}
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    match response.body {
        Body::Sized { bytes, .. } => stream.write_all(&bytes).await?,
        Body::Chunked { bytes, broken } => {
            for piece in bytes.chunks(1000) {
                let size = if broken { piece.len() + 7 } else { piece.len() };
                stream.write_all(format!("{size:x}\r\n").as_bytes()).await?;
                stream.write_all(piece).await?;
                stream.write_all(b"\r\n").await?;
            }
            stream.write_all(b"0\r\n\r\n").await?;
        }
        Body::Endless => {
            let piece = vec![b'['; 64 * 1024];
            let started = Instant::now();
            // Endless as far as the client can tell; bounded here so the
            // server's task ends even if the client never hung up.
            while started.elapsed() < TIMEOUT + SLACK {
                stream
                    .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                    .await?;
                stream.write_all(&piece).await?;
                stream.write_all(b"\r\n").await?;
            }
        }
        Body::Stall => tokio::time::sleep(TIMEOUT * 3).await,
        Body::HangUp => {}
    }
    stream.flush().await
}

/// The misbehaving server: each response is drawn from `rng`.
async fn serve(listener: TcpListener, rng: Arc<Mutex<Rng>>) {
    let port = listener.local_addr().unwrap().port();
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let rng = rng.clone();
        tokio::spawn(async move {
            while let Some(request) = read_request(&mut stream).await {
                let is_token = request.starts_with("POST /oauth/token");
                let response = {
                    let mut rng = rng.lock().unwrap();
                    random_response(&mut rng, is_token, &request, port)
                };
                let keep = matches!(response.body, Body::Sized { .. } | Body::Chunked { .. });
                if write_response(&mut stream, response).await.is_err() || !keep {
                    break;
                }
            }
        });
    }
}

#[derive(Default)]
struct Figures {
    inputs: AtomicU64,
    ok: AtomicU64,
    errors: AtomicU64,
}

/// What went wrong in one call, if anything.
async fn one_call(client: &Client) -> Result<bool, String> {
    let started = Instant::now();
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .list_pets()
                .send()
                .await
                .map(|_| ())
                .map_err(|e| (e.to_string(), format!("{e:?}")))
        }
    });
    let outcome = match tokio::time::timeout(TIMEOUT + SLACK, call).await {
        Err(_) => return Err(format!("no answer after {:?}", started.elapsed())),
        Ok(Err(join)) if join.is_panic() => return Err(format!("panicked: {join}")),
        Ok(Err(join)) => return Err(format!("task failed: {join}")),
        Ok(Ok(outcome)) => outcome,
    };
    match outcome {
        Ok(()) => Ok(true),
        Err((display, debug)) => {
            for secret in [CLIENT_SECRET, TOKEN, "fuzz-refresh-token"] {
                if display.contains(secret) || debug.contains(secret) {
                    return Err(format!("a secret in the error: {display} / {debug}"));
                }
            }
            // Bounded by what was buffered: `Debug` of a decoding error shows
            // the body it kept (as bytes, up to four characters each).
            if display.len() > 64 * 1024 || debug.len() > 5 * MAX_BODY {
                return Err(format!(
                    "an error of {} / {} bytes",
                    display.len(),
                    debug.len()
                ));
            }
            Ok(false)
        }
    }
}

/// Calls against the misbehaving server until `inputs` calls are made or
/// `deadline` passes; returns the failures.
async fn run(seed: u64, inputs: u64, deadline: Instant, figures: &Figures) -> Vec<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    let rng = Arc::new(Mutex::new(Rng::new(seed)));
    let server = tokio::spawn(serve(listener, rng.clone()));
    let make_client = || {
        Client::builder()
            .base_url(&base)
            .auth(auth::Oauth::client_credentials(CLIENT_ID, CLIENT_SECRET))
            .timeout(Some(TIMEOUT))
            .max_response_body(MAX_BODY)
            .build()
            .unwrap()
    };
    let mut failures = Vec::new();
    let mut client = make_client();
    let mut count = 0;
    while count < inputs && Instant::now() < deadline {
        count += 1;
        // A cold cache now and then, so the token endpoint keeps being hit.
        if count % 3 == 0 {
            client = make_client();
        }
        figures.inputs.fetch_add(1, Ordering::Relaxed);
        match one_call(&client).await {
            Ok(true) => figures.ok.fetch_add(1, Ordering::Relaxed),
            Ok(false) => figures.errors.fetch_add(1, Ordering::Relaxed),
            Err(failure) => {
                failures.push(format!("seed {seed}, call {count}: {failure}"));
                continue;
            }
        };
    }
    server.abort();
    failures
}

/// The peak resident memory of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_survive_hostile_servers() {
    let figures = Figures::default();
    let far = Instant::now() + Duration::from_secs(3600);
    let failures = run(0x5EED_F00D, 300, far, &figures).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(figures.inputs.load(Ordering::Relaxed), 300);
    // Both outcomes were reached: the server is hostile, not just broken.
    assert!(figures.ok.load(Ordering::Relaxed) > 0);
    assert!(figures.errors.load(Ordering::Relaxed) > 0);
}

/// `scripts/fuzz`: `FUZZ_SECONDS` of calls, `FUZZ_SEED` varying the
/// sequence; prints the figures and fails on any failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run for minutes by scripts/fuzz"]
async fn long_run() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let figures = Figures::default();
    let mut failures = Vec::new();
    let mut round = 0;
    while Instant::now() < deadline {
        round += 1;
        let seed = seed.wrapping_mul(0x9E37_79B9).wrapping_add(round);
        failures.extend(run(seed, 1_000, deadline, &figures).await);
    }
    let timeouts = failures.iter().filter(|f| f.contains("no answer")).count();
    let panics = failures.iter().filter(|f| f.contains("panicked")).count();
    println!(
        "fuzz: runtime: {} inputs ({} answered, {} typed errors), {} panics, {} timeouts, {} other failures, peak RSS {} MiB, {:.0} s",
        figures.inputs.load(Ordering::Relaxed),
        figures.ok.load(Ordering::Relaxed),
        figures.errors.load(Ordering::Relaxed),
        panics,
        timeouts,
        failures.len() - panics - timeouts,
        peak_rss_kib().unwrap_or(0) / 1024,
        started.elapsed().as_secs_f64(),
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
