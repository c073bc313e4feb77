//! One replica of a fleet, for the multi-process tests of token stores
//! (`tests/real_servers/fleet.rs`): a process with a client of the Authlib
//! test server's API (`fixtures/authlib-api.yaml`) whose tokens go through
//! a shared store, making a burst of concurrent calls and reporting how
//! they went as one JSON line on stdout.
//!
//! ```text
//! fleet-replica --api URL (--redis URL | --file PATH) --client-id ID
//!     --client-secret S [--username U --password P] [--key HEX]
//!     [--calls 25] [--rounds 1] [--pause-ms 0] [--store-timeout-ms 500]
//!     [--lease-ttl-ms 10000] [--lease-wait-ms 15000] [--refresh-skew-ms 60000]
//!     [--prefix P] [--wait-for-go] [--hang-holding-lease]
//! ```
//!
//! `--wait-for-go` prints `ready` once the client is built and waits for a
//! line on stdin, so the test starts every replica's burst at once.
//! `--hang-holding-lease` makes the process stop forever right after it
//! took a key's lease (it prints `leased`), for the test to kill it there.
//! The report: `{"ok": n, "failed": n, "max_call_ms": n, "until_token_ms":
//! n, "errors": [...]}`, the times from the go.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::authlib_api::{auth, Client};
use runtime::store::{FileTokenStore, RedisTokenStore, StoreEncryption, StoreFuture, StoredToken};
use runtime::TokenStore;

/// The key the tests seal with unless told otherwise (test-only).
const TEST_KEY: &str = "6b1f7e0c9d2a4b3c8e5f60718293a4b5c6d7e8f90112233445566778899aabbc";

struct Options {
    values: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Options {
    fn parse() -> Options {
        let mut values = Vec::new();
        let mut flags = Vec::new();
        let mut args = std::env::args().skip(1).peekable();
        while let Some(arg) = args.next() {
            match args.peek() {
                Some(next) if !next.starts_with("--") => {
                    let value = args.next().unwrap_or_default();
                    values.push((arg, value));
                }
                _ => flags.push(arg),
            }
        }
        Options { values, flags }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> &str {
        self.get(name)
            .unwrap_or_else(|| fail(&format!("{name} is required")))
    }

    fn number(&self, name: &str, default: u64) -> u64 {
        self.get(name).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| fail(&format!("{name} is a number")))
        })
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }
}

fn fail(message: &str) -> ! {
    eprintln!("fleet-replica: {message}");
    std::process::exit(2)
}

/// A store that stops forever once it holds a lease: the process is then
/// killed by the test while holding it.
struct HangHoldingLease(Arc<dyn TokenStore>);

impl TokenStore for HangHoldingLease {
    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        self.0.load(key)
    }
    fn save<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        self.0.save(key, token)
    }
    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let taken = self.0.try_lease(key, owner, ttl).await?;
            if taken {
                println!("leased");
                let _ = std::io::stdout().flush();
                std::future::pending::<()>().await;
            }
            Ok(taken)
        })
    }
    fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        self.0.release(key, owner)
    }
}

fn main() {
    let options = Options::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("no tokio runtime: {e}")));
    let _entered = runtime.enter();
    let encryption = StoreEncryption::aes_256_gcm_hex(
        u8::try_from(options.number("--key-id", 1)).unwrap_or(1),
        options.get("--key").unwrap_or(TEST_KEY),
    )
    .unwrap_or_else(|e| fail(&e.to_string()));
    let store: Arc<dyn TokenStore> = match (options.get("--redis"), options.get("--file")) {
        (Some(url), None) => Arc::new(
            RedisTokenStore::new(url, encryption)
                .unwrap_or_else(|e| fail(&e.to_string()))
                .prefix(options.get("--prefix").unwrap_or("fleet:").to_owned()),
        ),
        (None, Some(path)) => Arc::new(FileTokenStore::new(path, encryption)),
        _ => fail("give --redis or --file"),
    };
    let store: Arc<dyn TokenStore> = if options.flag("--hang-holding-lease") {
        Arc::new(HangHoldingLease(store))
    } else {
        store
    };
    let (id, secret) = (
        options.required("--client-id").to_owned(),
        options.required("--client-secret").to_owned(),
    );
    let credential = match (options.get("--username"), options.get("--password")) {
        (Some(user), Some(password)) => auth::Oauth::password(id, secret, user, password),
        _ => auth::Oauth::client_credentials(id, secret),
    };
    let millis = |name, default| Duration::from_millis(options.number(name, default));
    let client = Client::builder()
        .base_url(format!("{}/api", options.required("--api")))
        .auth(credential)
        .token_store(store)
        .token_store_timeout(millis("--store-timeout-ms", 500))
        .token_store_lease(
            millis("--lease-ttl-ms", 10_000),
            millis("--lease-wait-ms", 15_000),
        )
        .refresh_skew(millis("--refresh-skew-ms", 60_000))
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    if options.flag("--wait-for-go") {
        println!("ready");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    }
    let calls = options.number("--calls", 25);
    let rounds = options.number("--rounds", 1);
    let pause = millis("--pause-ms", 0);
    let report = runtime.block_on(async move {
        let go = Instant::now();
        let mut longest = Duration::ZERO;
        let mut until_token = None;
        let (mut ok, mut failed) = (0u64, 0u64);
        let mut errors = Vec::new();
        for round in 0..rounds {
            if round > 0 {
                tokio::time::sleep(pause).await;
            }
            let mut burst = Vec::new();
            for _ in 0..calls {
                let client = client.clone();
                burst.push(tokio::spawn(async move {
                    let started = Instant::now();
                    let result = client.list_pets().send().await;
                    (started.elapsed(), Instant::now(), result.map(|_| ()))
                }));
            }
            for call in burst {
                match call.await {
                    Ok((took, done, result)) => {
                        longest = longest.max(took);
                        match result {
                            Ok(()) => {
                                ok += 1;
                                until_token.get_or_insert(done - go);
                            }
                            Err(e) => {
                                failed += 1;
                                errors.push(e.to_string());
                            }
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        errors.push(e.to_string());
                    }
                }
            }
        }
        serde_json::json!({
            "ok": ok,
            "failed": failed,
            "max_call_ms": longest.as_millis() as u64,
            "until_token_ms": until_token.map(|d: Duration| d.as_millis() as u64),
            "errors": errors,
        })
    });
    println!("{report}");
}
