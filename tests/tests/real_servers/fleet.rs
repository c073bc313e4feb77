//! Token stores across processes: replicas (`fleet-replica`, a binary of
//! this crate, spawned as operating-system processes) sharing tokens
//! through the Redis server `servers/start` runs (or one of the test's
//! own, to stop it), or through a file, against the Authlib server, which
//! counts the token requests and reports a rotated-out refresh token
//! coming back (`refresh_token_state: "replayed"`, after which it revokes
//! the grant).
//!
//! Each test has its own registered client and its own key prefix, so the
//! tests run in parallel and again against the same servers. Without Redis
//! (no `E2E_SERVERS`) they say they skipped, except in CI, where they fail.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use integration_tests::support::servers::{alice, Peer, Redis, Registered};
use runtime::store::{FileTokenStore, RedisTokenStore, StoreEncryption};
use runtime::{ExposeSecret, TokenStore};
use serde_json::{json, Value};

/// The helper binary.
const REPLICA: &str = env!("CARGO_BIN_EXE_fleet-replica");
/// The key `fleet-replica` seals with by default (test-only).
const TEST_KEY: &str = "6b1f7e0c9d2a4b3c8e5f60718293a4b5c6d7e8f90112233445566778899aabbc";

/// A key prefix of this run's own, so that a rerun starts cold.
fn fresh_prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("fleet-test:{test}:{}-{nanos}:", std::process::id())
}

/// A spawned replica.
struct Replica {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Replica {
    fn spawn(args: &[String]) -> Replica {
        let mut child = Command::new(REPLICA)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {REPLICA}: {e}"));
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Replica { child, stdout }
    }

    /// Waits for the line `expected` on stdout.
    fn expect_line(&mut self, expected: &str) {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), expected, "the replica said {line:?}");
    }

    /// The replica's report, once it exited.
    fn report(mut self) -> Value {
        let mut text = String::new();
        for line in self.stdout.lines() {
            text = line.unwrap();
        }
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the replica exited with {status}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text:?}"))
    }
}

/// The arguments of a replica calling `peer`'s API as `client` (with
/// alice's password when the client has the password grant), through the
/// Redis at `redis_url` under `prefix`.
fn redis_args(peer: &Peer, client: &Registered, redis_url: &str, prefix: &str) -> Vec<String> {
    let mut args = vec![
        "--api".to_owned(),
        peer.url.clone(),
        "--redis".to_owned(),
        redis_url.to_owned(),
        "--prefix".to_owned(),
        prefix.to_owned(),
    ];
    args.extend(client_args(client));
    args
}

fn client_args(client: &Registered) -> Vec<String> {
    let mut args = vec![
        "--client-id".to_owned(),
        client.id.clone(),
        "--client-secret".to_owned(),
        client.secret.clone(),
    ];
    let grants = client.spec["grant_types"].as_array().unwrap();
    if grants.iter().any(|g| g == "password") {
        let (username, password) = alice();
        args.extend(["--username".to_owned(), username]);
        args.extend(["--password".to_owned(), password]);
    }
    args
}

fn with(mut args: Vec<String>, extra: &[&str]) -> Vec<String> {
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    args
}

/// Runs `count` replicas with `args`, started together (each builds its
/// client and says `ready`, then all are told to go at once): their
/// reports, and the time from the go until every replica had its token.
fn fleet(count: usize, args: &[String]) -> (Vec<Value>, Duration) {
    let args = with(args.to_vec(), &["--wait-for-go"]);
    let mut replicas: Vec<Replica> = (0..count).map(|_| Replica::spawn(&args)).collect();
    for replica in &mut replicas {
        replica.expect_line("ready");
    }
    for replica in &mut replicas {
        let stdin = replica.child.stdin.as_mut().unwrap();
        stdin.write_all(b"go\n").unwrap();
        stdin.flush().unwrap();
    }
    let reports: Vec<Value> = replicas.into_iter().map(Replica::report).collect();
    let slowest = reports
        .iter()
        .filter_map(|r| r["until_token_ms"].as_u64())
        .max()
        .unwrap_or(0);
    (reports, Duration::from_millis(slowest))
}

/// Asserts that every call of every replica succeeded.
fn all_succeeded(reports: &[Value], calls_each: u64) {
    for report in reports {
        assert_eq!(report["failed"], 0, "{report}");
        assert_eq!(report["ok"], calls_each, "{report}");
    }
}

/// Whether the server saw a rotated-out refresh token come back (and so
/// revoked the grant).
fn replayed(tokens: &[Value]) -> Vec<&Value> {
    tokens
        .iter()
        .filter(|e| e["refresh_token_state"] == "replayed")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_on_a_cold_cache_make_one_token_request() {
    let (Some(server), Some(redis)) = (Peer::authlib(), Redis::shared()) else {
        return;
    };
    let client = server.registered("fleet");
    server.reset(&client).await;
    let args = redis_args(&server, &client, &redis.url, &fresh_prefix("cold"));
    let (reports, until_all) =
        tokio::task::spawn_blocking(move || fleet(8, &with(args, &["--calls", "25"])))
            .await
            .unwrap();
    all_succeeded(&reports, 25);
    assert_eq!(
        server.token_counts(&client).await,
        json!({"client_credentials": 1})
    );
    let events = server.events(&client).await;
    assert_eq!(events.api.len(), 200);
    assert!(events.api.iter().all(|e| e["status"] == 200));
    eprintln!(
        "fleet: 8 processes x 25 calls, 1 token request, every process had its token {} ms after the go",
        until_all.as_millis()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_refresh_a_rotating_refresh_token_once_and_keep_the_grant() {
    let (Some(server), Some(redis)) = (Peer::authlib(), Redis::shared()) else {
        return;
    };
    // Tokens of 6 s (`fleet` lifetime), renewed 1 s before expiry.
    let client = server.registered("fleet-rotation");
    server.reset(&client).await;
    let args = with(
        redis_args(&server, &client, &redis.url, &fresh_prefix("rotation")),
        &["--refresh-skew-ms", "1000"],
    );
    let first = with(args.clone(), &["--calls", "1"]);
    let login = tokio::task::spawn_blocking(move || fleet(1, &first))
        .await
        .unwrap();
    all_succeeded(&login.0, 1);
    // Past the renewal point of the token the first process saved.
    tokio::time::sleep(Duration::from_millis(5300)).await;
    let (reports, _) =
        tokio::task::spawn_blocking(move || fleet(8, &with(args, &["--calls", "25"])))
            .await
            .unwrap();
    all_succeeded(&reports, 25);
    assert_eq!(
        server.token_counts(&client).await,
        json!({"password": 1, "refresh_token": 1})
    );
    let events = server.events(&client).await;
    assert!(replayed(&events.tokens).is_empty(), "{:?}", events.tokens);
    assert!(events.tokens.iter().all(|e| e["status"] == 200));
    assert!(events.api.iter().all(|e| e["status"] == 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_holding_the_lease_holds_the_others_until_it_expires() {
    let (Some(server), Some(redis)) = (Peer::authlib(), Redis::shared()) else {
        return;
    };
    let client = server.registered("fleet-killed");
    server.reset(&client).await;
    let args = redis_args(&server, &client, &redis.url, &fresh_prefix("killed"));
    let holder_args = with(
        args.clone(),
        &[
            "--hang-holding-lease",
            "--lease-ttl-ms",
            "3000",
            "--store-timeout-ms",
            "60000",
            "--calls",
            "1",
        ],
    );
    let (reports, killed_at) = tokio::task::spawn_blocking(move || {
        let mut holder = Replica::spawn(&holder_args);
        holder.expect_line("leased");
        holder.child.kill().unwrap();
        holder.child.wait().unwrap();
        let killed_at = Instant::now();
        let reports = fleet(
            8,
            &with(args, &["--calls", "25", "--lease-wait-ms", "15000"]),
        )
        .0;
        (reports, killed_at)
    })
    .await
    .unwrap();
    all_succeeded(&reports, 25);
    // Nobody fetched before the lease ran out, 3 s after it was taken
    // (just before the kill); nobody waited much longer.
    let waited = killed_at.elapsed();
    assert!(
        waited > Duration::from_millis(2500) && waited < Duration::from_secs(12),
        "{waited:?}"
    );
    assert_eq!(
        server.token_counts(&client).await,
        json!({"client_credentials": 1})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_go_on_within_the_bound_while_redis_is_down() {
    let (Some(server), Some(redis)) = (Peer::authlib(), Redis::shared()) else {
        return;
    };
    // Tokens of 2 s (`short`), renewed every second or so: several token
    // fetches fall in the outage.
    let client = server.registered("fleet-redis-down");
    server.reset(&client).await;
    let mut own = redis.own();
    let args = with(
        redis_args(&server, &client, &own.url(), &fresh_prefix("down")),
        &[
            "--store-timeout-ms",
            "200",
            "--calls",
            "5",
            "--rounds",
            "16",
            "--pause-ms",
            "250",
        ],
    );
    let reports = tokio::task::spawn_blocking(move || {
        let args = with(args, &["--wait-for-go"]);
        let mut replicas: Vec<Replica> = (0..3).map(|_| Replica::spawn(&args)).collect();
        for replica in &mut replicas {
            replica.expect_line("ready");
            replica
                .child
                .stdin
                .as_mut()
                .unwrap()
                .write_all(b"go\n")
                .unwrap();
        }
        std::thread::sleep(Duration::from_millis(1200));
        own.stop();
        std::thread::sleep(Duration::from_millis(2000));
        own.start();
        replicas
            .into_iter()
            .map(Replica::report)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    all_succeeded(&reports, 80);
    for report in &reports {
        // The bound: one store timeout (200 ms) over a token request to a
        // server on loopback, with room for a loaded machine.
        let longest = report["max_call_ms"].as_u64().unwrap();
        assert!(longest < 1500, "{report}");
    }
    let events = server.events(&client).await;
    assert!(events.api.iter().all(|e| e["status"] == 200));
    assert!(events.tokens.iter().all(|e| e["status"] == 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_holds_no_token_in_clear_and_a_wrong_key_is_ignored() {
    let (Some(server), Some(redis)) = (Peer::authlib(), Redis::shared()) else {
        return;
    };
    let client = server.registered("fleet-secrets");
    server.reset(&client).await;
    let prefix = fresh_prefix("secrets");
    let args = redis_args(&server, &client, &redis.url, &prefix);
    let once = with(args.clone(), &["--calls", "3"]);
    let (reports, _) = tokio::task::spawn_blocking(move || fleet(1, &once))
        .await
        .unwrap();
    all_succeeded(&reports, 3);

    let scanned = redis.cli_raw(&redis.url, &["--scan", "--pattern", &format!("{prefix}*")]);
    let keys: Vec<String> = String::from_utf8(scanned)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    // The token's entry; the lease was released.
    assert_eq!(keys.len(), 1, "{keys:?}");
    let store_key = keys[0].strip_prefix(&prefix).unwrap();
    assert!(store_key.len() == 64 && store_key.chars().all(|c| c.is_ascii_hexdigit()));
    let raw = redis.cli_raw(&redis.url, &["GET", &keys[0]]);
    // What the replica saved, read back with the right key.
    let store = RedisTokenStore::new(
        &redis.url,
        StoreEncryption::aes_256_gcm_hex(1, TEST_KEY).unwrap(),
    )
    .unwrap()
    .prefix(prefix.clone());
    let saved = store.load(store_key).await.unwrap().expect("saved");
    let refresh = saved.refresh_token.as_ref().expect("a refresh token");
    let contains = |needle: &str| raw.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!contains(saved.access_token.expose_secret()));
    assert!(!contains(refresh.expose_secret()));
    // Format 1 (AES-256-GCM), key id 1.
    assert_eq!(&raw[..2], &[1, 1]);
    // The entry expires with its refresh token.
    let ttl: i64 = String::from_utf8(redis.cli_raw(&redis.url, &["TTL", &keys[0]]))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(ttl > 3600, "{ttl}");
    assert!(format!("{store:?}").contains("key_id: 1"));
    assert!(!format!("{store:?}").contains(TEST_KEY));

    // A replica with another key ignores the entry and gets its own token.
    let other_key = "ff".repeat(32);
    let stranger = with(args, &["--calls", "3", "--key", &other_key]);
    let (reports, _) = tokio::task::spawn_blocking(move || fleet(1, &stranger))
        .await
        .unwrap();
    all_succeeded(&reports, 3);
    assert_eq!(server.token_counts(&client).await, json!({"password": 2}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_log_in_once_through_a_private_file() {
    let Some(server) = Peer::authlib() else {
        return;
    };
    let client = server.registered("fleet-file");
    server.reset(&client).await;
    let dir = std::env::temp_dir().join(fresh_prefix("file").replace(':', "-"));
    let path = dir.join("tokens.json");
    let mut args = vec![
        "--api".to_owned(),
        server.url.clone(),
        "--file".to_owned(),
        path.display().to_string(),
        "--calls".to_owned(),
        "10".to_owned(),
    ];
    args.extend(client_args(&client));
    let (reports, _) = tokio::task::spawn_blocking(move || fleet(2, &args))
        .await
        .unwrap();
    all_succeeded(&reports, 10);
    assert_eq!(server.token_counts(&client).await, json!({"password": 1}));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    let (store_key, _) = file["entries"].as_object().unwrap().iter().next().unwrap();
    let store = FileTokenStore::new(
        &path,
        StoreEncryption::aes_256_gcm_hex(1, TEST_KEY).unwrap(),
    );
    let saved = store.load(store_key).await.unwrap().expect("saved");
    assert!(!text.contains(saved.access_token.expose_secret()));
    assert!(!text.contains(saved.refresh_token.as_ref().unwrap().expose_secret()));
    std::fs::remove_dir_all(dir).unwrap();
}
