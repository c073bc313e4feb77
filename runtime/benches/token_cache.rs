//! What the token cache costs at run time (issues 6 and 8).
//!
//! * `cache_hit/*`: one GET to a loopback server through
//!   [`runtime::Client::execute`], for an anonymous operation (`plain`) and
//!   for an operation that needs an OAuth2 token already in the cache
//!   (`cached_token`: look up the token, apply it, send), on the same
//!   client, server and path. `raw_reqwest` is the same GET without the
//!   runtime, for context.
//! * `cold_cache/N`: N concurrent calls of an OAuth2 operation on a fresh
//!   client (empty token cache), released together from a barrier; every
//!   iteration checks that the authorization server saw exactly one token
//!   request.
//!
//! * `token_store/*` (with `--features redis`; needs `REDIS_URL`, or
//!   `redis-server` on the `PATH`, started here on a free port): the
//!   cache hit of `cache_hit/cached_token` on a client with and without a
//!   Redis token store (the in-process cache is in front, so they should
//!   not differ), a fresh client finding the token in Redis
//!   (`store_hit_cold_client`: one Redis round trip, then the call) against
//!   a fresh client without a store (`token_request_cold_client`: a token
//!   request, then the call), and `redis_load`, one load from the store.
//!   Then, outside criterion, a cold burst across processes: 8 copies of
//!   this executable (`TOKEN_CACHE_BENCH_REPLICA=1`), each making 25
//!   concurrent calls on a cold client through the same Redis, released
//!   together; the server must see exactly one token request per round
//!   (`TOKEN_CACHE_BENCH_ROUNDS`, default 3), and the report gives the time
//!   until every process had its token. The fleet tests
//!   (`tests/tests/real_servers/fleet.rs`) do the same against real
//!   servers.
//!
//! After criterion, a report measured outside it: the cache-hit overhead
//! from interleaved runs (plain, the same call with an `Authorization`
//! header set by hand, cached, in rotating order, so that drift of a shared
//! machine cancels), against the plain call and against the hand-set header
//! (what the cache costs beyond the header itself), and for each N the number of token requests per
//! round and the distribution of per-call latencies. It is printed and, when
//! `TOKEN_CACHE_BENCH_REPORT` names a file, written there as JSON (read by
//! `benches/run`).
//!
//! The loopback server is this executable started again as a child process
//! (`TOKEN_CACHE_BENCH_SERVER=1`): a minimal HTTP/1.1 server on tokio, so
//! that 10,000 connections are spread over two processes' descriptor limits
//! and the server's cost is as small as can be (the smaller a plain request,
//! the larger the cache hit's share of it).
//!
//! ```sh
//! cargo bench -p runtime --bench token_cache
//! TOKEN_CACHE_BENCH_ROUNDS=2 cargo bench -p runtime --bench token_cache -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! Knobs (environment): `TOKEN_CACHE_BENCH_SIZES` (the Ns, comma-separated,
//! default `1000,10000`; empty for none), `TOKEN_CACHE_BENCH_ROUNDS` (report
//! rounds per N, default 5), `TOKEN_CACHE_BENCH_PAIRS` (interleaved pairs,
//! default 20,000; 0 skips), `TOKEN_CACHE_BENCH_TOKEN_DELAY_MS` (how long the
//! token endpoint takes to answer, default 10 ms, so that every caller of a
//! burst arrives while the one token request is in flight).

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use runtime::auth::OAuth2;
use runtime::reqwest::{self, Method};
use runtime::security::{Operation, SchemeUse};
use runtime::{Client, ClientBuilder};

const SERVER_ENV: &str = "TOKEN_CACHE_BENCH_SERVER";
const DELAY_ENV: &str = "TOKEN_CACHE_BENCH_TOKEN_DELAY_MS";

/// An operation that may be called without credentials.
static PLAIN: Operation = Operation {
    id: "plain",
    alternatives: &[],
    anonymous: true,
};

/// An operation that needs an OAuth2 token with one scope.
static AUTHED: Operation = Operation {
    id: "authed",
    alternatives: &[&[SchemeUse {
        scheme: "oauth",
        scopes: &["read"],
    }]],
    anonymous: false,
};

fn main() {
    if std::env::var_os(SERVER_ENV).is_some() {
        server::run();
        return;
    }
    #[cfg(feature = "redis")]
    if std::env::var_os(token_store::REPLICA_ENV).is_some() {
        token_store::replica();
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then everything runs once, small.
    let full = std::env::args().any(|argument| argument == "--bench");
    let server = Server::spawn();
    let rt = match std::env::var("TOKEN_CACHE_BENCH_FLAVOR").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        _ => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    }
    .expect("tokio runtime");
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .expect("HTTP client");
    let sizes: Vec<usize> = match std::env::var("TOKEN_CACHE_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect(),
        Err(_) if full => vec![1_000, 10_000],
        Err(_) => vec![100],
    };

    let mut criterion = Criterion::default().configure_from_args();
    bench_cache_hit(&mut criterion, &rt, &server, &http);
    bench_cold_cache(&mut criterion, &rt, &server, &http, &sizes);
    #[cfg(feature = "redis")]
    token_store::bench(&mut criterion, &rt, &server, &http);
    criterion.final_summary();

    let rounds = env_number("TOKEN_CACHE_BENCH_ROUNDS", if full { 5 } else { 1 });
    let pairs = env_number("TOKEN_CACHE_BENCH_PAIRS", if full { 20_000 } else { 200 });
    let hit = (pairs > 0).then(|| rt.block_on(paired_cache_hit(&server, &http, pairs)));
    let bursts: Vec<BurstReport> = sizes
        .iter()
        .map(|&n| rt.block_on(burst_report(&server, &http, n, rounds)))
        .collect();
    let report = render_report(hit.as_ref(), &bursts, server.token_delay_ms);
    println!("{report}");
    if let Some(path) = std::env::var_os("TOKEN_CACHE_BENCH_REPORT") {
        std::fs::write(&path, to_json(hit.as_ref(), &bursts, server.token_delay_ms))
            .expect("write the report");
    }
    let failed = bursts
        .iter()
        .any(|burst| burst.token_requests.iter().any(|&count| count != 1) || burst.errors > 0);
    assert!(
        !failed,
        "a cold-cache burst made other than one token request, or calls failed"
    );
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The loopback server, a child process; it exits when its standard input
/// closes, so also when this process dies.
struct Server {
    child: Child,
    _stdin: ChildStdin,
    base_url: String,
    token_delay_ms: u64,
}

impl Server {
    fn spawn() -> Server {
        let token_delay_ms = env_number(DELAY_ENV, 10) as u64;
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .env(SERVER_ENV, "1")
            .env(DELAY_ENV, token_delay_ms.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the loopback server");
        let stdin = child.stdin.take().expect("server stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("server stdout"))
            .read_line(&mut line)
            .expect("read the server's port");
        let port: u16 = line.trim().parse().expect("the server prints its port");
        Server {
            child,
            _stdin: stdin,
            base_url: format!("http://127.0.0.1:{port}"),
            token_delay_ms,
        }
    }

    fn token_url(&self) -> String {
        format!("{}/token", self.base_url)
    }

    /// A client whose token cache is empty, over the shared connection pool.
    fn client(&self, http: &reqwest::Client) -> Client {
        ClientBuilder::<Client>::new(self.base_url.clone())
            .http_client(http.clone())
            .auth(OAuth2::client_credentials(
                "oauth",
                self.token_url(),
                "bench-client",
                "bench-secret",
            ))
            .build()
            .expect("client")
    }

    /// How many token requests the server has answered so far.
    async fn token_requests(&self, http: &reqwest::Client) -> usize {
        let body = http
            .get(format!("{}/__token_requests", self.base_url))
            .send()
            .await
            .expect("ask the server")
            .text()
            .await
            .expect("read the count");
        body.trim().parse().expect("a count")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One GET of `/resource` for `operation`, body read (so the connection
/// goes back to the pool); the body's length.
async fn call(client: &Client, operation: &'static Operation) -> Result<usize, String> {
    let response = client
        .execute(operation, client.request(Method::GET, "/resource"))
        .await
        .map_err(|error| error.to_string())?;
    let body = response.bytes().await.map_err(|error| error.to_string())?;
    Ok(body.len())
}

fn bench_cache_hit(
    criterion: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    server: &Server,
    http: &reqwest::Client,
) {
    let client = server.client(http);
    rt.block_on(call(&client, &AUTHED)).expect("warm the cache");
    let url = format!("{}/resource", server.base_url);
    let mut group = criterion.benchmark_group("cache_hit");
    group.throughput(Throughput::Elements(1));
    for (name, operation) in [("plain", &PLAIN), ("cached_token", &AUTHED)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iterations {
                        std::hint::black_box(call(&client, operation).await.expect("call"));
                    }
                    started.elapsed()
                })
            })
        });
    }
    group.bench_function("raw_reqwest", |b| {
        b.iter_custom(|iterations| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iterations {
                    let response = http.get(&url).send().await.expect("send");
                    std::hint::black_box(response.bytes().await.expect("body"));
                }
                started.elapsed()
            })
        })
    });
    group.finish();
}

/// Runs `n` concurrent calls on a fresh client, all released at once from
/// a barrier; the per-call latencies (from the release to each call's end),
/// the number of token requests the server saw, the failed calls, and the
/// wall time of the whole burst.
async fn burst(
    server: &Server,
    http: &reqwest::Client,
    n: usize,
    operation: &'static Operation,
) -> (Vec<Duration>, usize, usize, Duration) {
    let client = server.client(http);
    let before = server.token_requests(http).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(n + 1));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let result = call(&client, operation).await;
                (Instant::now(), result.is_ok())
            })
        })
        .collect();
    barrier.wait().await;
    let released = Instant::now();
    let mut latencies = Vec::with_capacity(n);
    let mut errors = 0;
    for task in tasks {
        let (finished, ok) = task.await.expect("task");
        latencies.push(finished.saturating_duration_since(released));
        errors += usize::from(!ok);
    }
    let wall = released.elapsed();
    let token_requests = server.token_requests(http).await - before;
    (latencies, token_requests, errors, wall)
}

fn bench_cold_cache(
    criterion: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    server: &Server,
    http: &reqwest::Client,
    sizes: &[usize],
) {
    let mut group = criterion.benchmark_group("cold_cache");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for &n in sizes {
        // Opens the connections once; later bursts reuse them.
        rt.block_on(burst(server, http, n, &AUTHED));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let (_, token_requests, errors, wall) =
                        rt.block_on(burst(server, http, n, &AUTHED));
                    assert_eq!(token_requests, 1, "token requests of a cold-cache burst");
                    assert_eq!(errors, 0, "failed calls in a cold-cache burst");
                    total += wall;
                }
                total
            })
        });
    }
    group.finish();
}

struct HitReport {
    pairs: usize,
    plain_median: Duration,
    cached_median: Duration,
    /// The median of (cached − plain) over adjacent runs.
    difference_median_ns: f64,
    /// The median of (cached − the same anonymous call with the same
    /// `Authorization` header set by hand) over adjacent runs: what the
    /// cache costs beyond the header every authenticated request carries.
    beyond_header_median_ns: f64,
}

/// One anonymous GET of `/resource` carrying a bearer header set by hand,
/// as long as the one the cache applies.
async fn call_with_header(client: &Client) -> Result<usize, String> {
    let request = client
        .request(Method::GET, "/resource")
        .header("authorization", "Bearer bench-token-1");
    let response = client
        .execute(&PLAIN, request)
        .await
        .map_err(|error| error.to_string())?;
    let body = response.bytes().await.map_err(|error| error.to_string())?;
    Ok(body.len())
}

async fn paired_cache_hit(server: &Server, http: &reqwest::Client, pairs: usize) -> HitReport {
    let client = server.client(http);
    call(&client, &AUTHED).await.expect("warm the cache");
    for _ in 0..pairs.min(1_000) {
        call(&client, &PLAIN).await.expect("warm up");
    }
    let mut plain = Vec::with_capacity(pairs);
    let mut cached = Vec::with_capacity(pairs);
    let mut differences = Vec::with_capacity(pairs);
    let mut beyond_header = Vec::with_capacity(pairs);
    for i in 0..pairs {
        // Rotate which goes first, so none always follows another:
        // 0 plain, 1 header set by hand, 2 cached token.
        let mut times = [Duration::ZERO; 3];
        for step in 0..3 {
            let which = (i + step) % 3;
            let started = Instant::now();
            let length = match which {
                0 => call(&client, &PLAIN).await,
                1 => call_with_header(&client).await,
                _ => call(&client, &AUTHED).await,
            };
            std::hint::black_box(length.expect("call"));
            times[which] = started.elapsed();
        }
        let [p, h, c] = times;
        plain.push(p);
        cached.push(c);
        differences.push(c.as_nanos() as f64 - p.as_nanos() as f64);
        beyond_header.push(c.as_nanos() as f64 - h.as_nanos() as f64);
    }
    plain.sort();
    cached.sort();
    differences.sort_by(f64::total_cmp);
    beyond_header.sort_by(f64::total_cmp);
    HitReport {
        pairs,
        plain_median: plain[pairs / 2],
        cached_median: cached[pairs / 2],
        difference_median_ns: differences[pairs / 2],
        beyond_header_median_ns: beyond_header[pairs / 2],
    }
}

struct BurstReport {
    n: usize,
    token_requests: Vec<usize>,
    errors: usize,
    /// Sorted, over all measured rounds.
    latencies: Vec<Duration>,
    walls: Vec<Duration>,
    /// The same bursts of an anonymous operation (no token at all), for
    /// what N concurrent requests cost this machine and server anyway.
    plain_latencies: Vec<Duration>,
    plain_walls: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

impl BurstReport {
    fn percentile(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }
}

async fn burst_report(
    server: &Server,
    http: &reqwest::Client,
    n: usize,
    rounds: usize,
) -> BurstReport {
    let mut report = BurstReport {
        n,
        token_requests: Vec::new(),
        errors: 0,
        latencies: Vec::with_capacity(n * rounds),
        walls: Vec::new(),
        plain_latencies: Vec::with_capacity(n * rounds),
        plain_walls: Vec::new(),
    };
    for _ in 0..rounds.max(1) {
        let (latencies, token_requests, errors, wall) = burst(server, http, n, &AUTHED).await;
        report.token_requests.push(token_requests);
        report.errors += errors;
        report.latencies.extend(latencies);
        report.walls.push(wall);
        let (latencies, _, errors, wall) = burst(server, http, n, &PLAIN).await;
        report.errors += errors;
        report.plain_latencies.extend(latencies);
        report.plain_walls.push(wall);
    }
    report.latencies.sort();
    report.walls.sort();
    report.plain_latencies.sort();
    report.plain_walls.sort();
    report
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn us(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn render_report(hit: Option<&HitReport>, bursts: &[BurstReport], delay_ms: u64) -> String {
    let mut out = String::from("\ntoken_cache report\n");
    if let Some(hit) = hit {
        out.push_str(&format!(
            "cache hit, {} interleaved runs: plain {:.1} µs, cached token {:.1} µs (medians); \
             median difference {:+.0} ns = {:+.2}% of a plain loopback request; \
             beyond the same header set by hand {:+.0} ns = {:+.2}%\n",
            hit.pairs,
            us(hit.plain_median),
            us(hit.cached_median),
            hit.difference_median_ns,
            100.0 * hit.difference_median_ns / hit.plain_median.as_nanos() as f64,
            hit.beyond_header_median_ns,
            100.0 * hit.beyond_header_median_ns / hit.plain_median.as_nanos() as f64,
        ));
    }
    out.push_str(&format!(
        "cold cache (token endpoint answers after {delay_ms} ms), latency per call over all rounds:\n"
    ));
    for burst in bursts {
        out.push_str(&format!(
            "  N={:>6}: token requests per round {:?}, failed calls {}, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms, burst wall median {:.1} ms\n",
            burst.n,
            burst.token_requests,
            burst.errors,
            ms(burst.percentile(0.5)),
            ms(burst.percentile(0.9)),
            ms(burst.percentile(0.99)),
            ms(*burst.latencies.last().expect("latencies")),
            ms(median(&burst.walls)),
        ));
        out.push_str(&format!(
            "           same burst without auth: p50 {:.1} ms, p99 {:.1} ms, burst wall median {:.1} ms\n",
            ms(percentile(&burst.plain_latencies, 0.5)),
            ms(percentile(&burst.plain_latencies, 0.99)),
            ms(median(&burst.plain_walls)),
        ));
    }
    out
}

fn to_json(hit: Option<&HitReport>, bursts: &[BurstReport], delay_ms: u64) -> String {
    let bursts: Vec<serde_json::Value> = bursts
        .iter()
        .map(|burst| {
            serde_json::json!({
                "n": burst.n,
                "rounds": burst.token_requests.len(),
                "token_requests": burst.token_requests,
                "failed_calls": burst.errors,
                "p50_ms": ms(burst.percentile(0.5)),
                "p90_ms": ms(burst.percentile(0.9)),
                "p99_ms": ms(burst.percentile(0.99)),
                "max_ms": ms(*burst.latencies.last().expect("latencies")),
                "wall_median_ms": ms(median(&burst.walls)),
                "plain_p50_ms": ms(percentile(&burst.plain_latencies, 0.5)),
                "plain_p99_ms": ms(percentile(&burst.plain_latencies, 0.99)),
                "plain_wall_median_ms": ms(median(&burst.plain_walls)),
            })
        })
        .collect();
    let hit = hit.map(|hit| {
        serde_json::json!({
            "pairs": hit.pairs,
            "plain_median_us": us(hit.plain_median),
            "cached_median_us": us(hit.cached_median),
            "difference_median_ns": hit.difference_median_ns,
            "overhead_fraction": hit.difference_median_ns / hit.plain_median.as_nanos() as f64,
            "beyond_header_fraction": hit.beyond_header_median_ns / hit.plain_median.as_nanos() as f64,
        })
    });
    let report = serde_json::json!({
        "cache_hit": hit,
        "token_delay_ms": delay_ms,
        "cold_cache": bursts,
    });
    serde_json::to_string_pretty(&report).expect("JSON")
}

/// The loopback server: HTTP/1.1 with keep-alive, `POST /token` answers a
/// bearer token valid for an hour (after the configured delay) and counts,
/// `GET /__token_requests` tells the count, anything else answers `{}`.
mod server {
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpSocket, TcpStream};

    pub(super) fn run() {
        let delay = Duration::from_millis(super::env_number(super::DELAY_ENV, 10) as u64);
        // Exit when the parent closes our standard input (or dies).
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let socket = TcpSocket::new_v4().expect("socket");
            socket
                .bind("127.0.0.1:0".parse().expect("address"))
                .expect("bind");
            let listener = socket.listen(8192).expect("listen");
            let port = listener.local_addr().expect("address").port();
            let mut stdout = std::io::stdout();
            writeln!(stdout, "{port}").expect("print the port");
            stdout.flush().expect("flush");
            let tokens = Arc::new(AtomicUsize::new(0));
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        tokio::spawn(connection(stream, tokens.clone(), delay));
                    }
                    // Out of descriptors, say: let connections close.
                    Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
        });
    }

    async fn connection(mut stream: TcpStream, tokens: Arc<AtomicUsize>, delay: Duration) {
        let mut buffer = Vec::with_capacity(4096);
        let mut chunk = [0u8; 4096];
        loop {
            // One request: the head, then `content-length` bytes of body.
            let head_end = loop {
                if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    break end + 4;
                }
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => buffer.extend_from_slice(&chunk[..read]),
                }
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
            let length = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buffer.len() < head_end + length {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => buffer.extend_from_slice(&chunk[..read]),
                }
            }
            buffer.drain(..head_end + length);
            let mut request_line = head.split_whitespace();
            let method = request_line.next().unwrap_or_default();
            let path = request_line.next().unwrap_or_default();
            let body = match (method, path) {
                ("POST", "/token") => {
                    let n = tokens.fetch_add(1, Ordering::SeqCst) + 1;
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    format!(
                        r#"{{"access_token":"bench-token-{n}","token_type":"Bearer","expires_in":3600}}"#
                    )
                }
                ("GET", "/__token_requests") => tokens.load(Ordering::SeqCst).to_string(),
                _ => "{}".to_owned(),
            };
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if stream.write_all(response.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

/// The `token_store` group: what a Redis token store costs, and saves.
#[cfg(feature = "redis")]
mod token_store {
    use super::*;
    use runtime::store::{RedisTokenStore, StoreEncryption};
    use runtime::{SecretString, StoredToken, TokenStore};

    /// A Redis server: `REDIS_URL`'s, or one started here (killed on drop).
    struct Redis {
        url: String,
        child: Option<Child>,
    }

    impl Drop for Redis {
        fn drop(&mut self) {
            if let Some(child) = &mut self.child {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    fn redis() -> Option<Redis> {
        if let Ok(url) = std::env::var("REDIS_URL") {
            return Some(Redis { url, child: None });
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .ok()?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        let redis = Redis {
            url: format!("redis://127.0.0.1:{port}"),
            child: Some(child),
        };
        // Until it listens.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(redis);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Set in the environment of a replica of the cold burst.
    pub(super) const REPLICA_ENV: &str = "TOKEN_CACHE_BENCH_REPLICA";
    /// Processes per cold burst, and calls per process.
    const REPLICAS: usize = 8;
    const CALLS_EACH: usize = 25;

    /// A replica of the cold burst: builds its client, says `ready`, waits
    /// for a line on stdin, makes its calls, and prints the microseconds
    /// from the go to its first completed call, then to its last.
    pub(super) fn replica() {
        let var = |name: &str| std::env::var(name).expect(name);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let _entered = rt.enter();
        let shared = store(&var("REDIS_URL"), &var("PREFIX"));
        let client = ClientBuilder::<Client>::new(var("BASE_URL"))
            .auth(OAuth2::client_credentials(
                "oauth",
                format!("{}/token", var("BASE_URL")),
                "bench-fleet-client",
                "bench-secret",
            ))
            .token_store(shared)
            .build()
            .expect("client");
        println!("ready");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).expect("the go");
        let (first, last) = rt.block_on(async {
            let go = Instant::now();
            let calls: Vec<_> = (0..CALLS_EACH)
                .map(|_| {
                    let client = client.clone();
                    tokio::spawn(async move {
                        call(&client, &AUTHED).await.expect("call");
                        go.elapsed()
                    })
                })
                .collect();
            let mut done = Vec::new();
            for call in calls {
                done.push(call.await.expect("task"));
            }
            done.sort();
            (done[0], done[done.len() - 1])
        });
        println!("{} {}", first.as_micros(), last.as_micros());
    }

    /// One cold burst across processes: the token requests it caused, the
    /// time until every process had its token, and until every call ended.
    fn fleet_burst(
        server: &Server,
        http: &reqwest::Client,
        rt: &tokio::runtime::Runtime,
        redis_url: &str,
        round: usize,
    ) -> (usize, Duration, Duration) {
        let before = rt.block_on(server.token_requests(http));
        let prefix = format!("bench-fleet:{}:{round}:", std::process::id());
        let mut replicas: Vec<(Child, BufReader<std::process::ChildStdout>)> = (0..REPLICAS)
            .map(|_| {
                let mut child = Command::new(std::env::current_exe().expect("own path"))
                    .env(REPLICA_ENV, "1")
                    .env("BASE_URL", &server.base_url)
                    .env("REDIS_URL", redis_url)
                    .env("PREFIX", &prefix)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("start a replica");
                let stdout = BufReader::new(child.stdout.take().expect("stdout"));
                (child, stdout)
            })
            .collect();
        for (_, stdout) in &mut replicas {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("ready");
            assert_eq!(line.trim(), "ready");
        }
        for (child, _) in &mut replicas {
            use std::io::Write;
            let stdin = child.stdin.as_mut().expect("stdin");
            stdin.write_all(b"go\n").expect("go");
            stdin.flush().expect("go");
        }
        let (mut first, mut last) = (Duration::ZERO, Duration::ZERO);
        for (mut child, mut stdout) in replicas {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("report");
            let mut times = line
                .split_whitespace()
                .map(|t| Duration::from_micros(t.parse().expect("micros")));
            first = first.max(times.next().expect("first"));
            last = last.max(times.next().expect("last"));
            assert!(child.wait().expect("exit").success());
        }
        let after = rt.block_on(server.token_requests(http));
        (after - before, first, last)
    }

    fn store(url: &str, prefix: &str) -> Arc<RedisTokenStore> {
        let key = StoreEncryption::aes_256_gcm(1, &[42u8; 32]).expect("a key");
        Arc::new(
            RedisTokenStore::new(url, key)
                .expect("a Redis URL")
                .prefix(prefix.to_owned()),
        )
    }

    fn client(
        server: &Server,
        http: &reqwest::Client,
        store: Option<Arc<RedisTokenStore>>,
    ) -> Client {
        let mut builder = ClientBuilder::<Client>::new(server.base_url.clone())
            .http_client(http.clone())
            .auth(OAuth2::client_credentials(
                "oauth",
                server.token_url(),
                "bench-store-client",
                "bench-secret",
            ));
        if let Some(store) = store {
            builder = builder.token_store(store);
        }
        builder.build().expect("client")
    }

    pub(super) fn bench(
        criterion: &mut Criterion,
        rt: &tokio::runtime::Runtime,
        server: &Server,
        http: &reqwest::Client,
    ) {
        let Some(redis) = redis() else {
            println!("token_store: skipped, no REDIS_URL and no redis-server to start");
            return;
        };
        let prefix = format!("bench:{}:", std::process::id());
        let shared = store(&redis.url, &prefix);
        let memory = client(server, http, None);
        let with_store = client(server, http, Some(shared.clone()));
        rt.block_on(async {
            call(&memory, &AUTHED).await.expect("warm the cache");
            // Fetches and saves the token the cold clients find.
            call(&with_store, &AUTHED).await.expect("warm the store");
        });
        let timed = |b: &mut criterion::Bencher<'_>, run: &dyn Fn() -> Client| {
            b.iter_custom(|iterations| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iterations {
                        let client = run();
                        std::hint::black_box(call(&client, &AUTHED).await.expect("call"));
                    }
                    started.elapsed()
                })
            })
        };
        let mut group = criterion.benchmark_group("token_store");
        group.throughput(Throughput::Elements(1));
        group.bench_function("cache_hit_memory", |b| timed(b, &|| memory.clone()));
        group.bench_function("cache_hit_redis_store", |b| {
            timed(b, &|| with_store.clone())
        });
        group.bench_function("store_hit_cold_client", |b| {
            timed(b, &|| client(server, http, Some(shared.clone())))
        });
        group.bench_function("token_request_cold_client", |b| {
            timed(b, &|| client(server, http, None))
        });
        let token = StoredToken::new(SecretString::from("bench-token"), None, None, None);
        rt.block_on(shared.save("bench-load", &token))
            .expect("save");
        group.bench_function("redis_load", |b| {
            b.iter_custom(|iterations| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iterations {
                        let loaded = shared.load("bench-load").await.expect("load");
                        std::hint::black_box(loaded.expect("saved"));
                    }
                    started.elapsed()
                })
            })
        });
        group.finish();

        // Interleaved pairs, order alternating, so that the drift of a
        // shared machine falls on both alike.
        let pairs = env_number("TOKEN_CACHE_BENCH_PAIRS", 2_000).max(1);
        let (mut plain, mut stored) = (Vec::with_capacity(pairs), Vec::with_capacity(pairs));
        rt.block_on(async {
            for i in 0..pairs {
                for first in [i % 2 == 0, i % 2 != 0] {
                    let (client, into) = if first {
                        (&memory, &mut plain)
                    } else {
                        (&with_store, &mut stored)
                    };
                    let started = Instant::now();
                    call(client, &AUTHED).await.expect("call");
                    into.push(started.elapsed());
                }
            }
        });
        plain.sort();
        stored.sort();
        let rounds = env_number("TOKEN_CACHE_BENCH_ROUNDS", 3).max(1);
        for round in 0..rounds {
            let (tokens, first, last) = fleet_burst(server, http, rt, &redis.url, round);
            println!(
                "token_store: cold burst, {REPLICAS} processes x {CALLS_EACH} calls through Redis: \
                 {tokens} token request(s); every process had its token after {:.1} ms, \
                 every call done after {:.1} ms",
                ms(first),
                ms(last),
            );
            assert_eq!(
                tokens, 1,
                "a cold burst across processes made {tokens} token requests"
            );
        }
        println!(
            "token_store: cache hit, median of {pairs} interleaved pairs: in memory {:.1} us, \
             with a Redis store {:.1} us (p90 {:.1} / {:.1} us)",
            us(median(&plain)),
            us(median(&stored)),
            us(percentile(&plain, 0.9)),
            us(percentile(&stored, 0.9)),
        );
    }
}
