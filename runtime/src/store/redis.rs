//! [`RedisTokenStore`]: tokens shared by the replicas of a service through
//! Redis (or Valkey), on redis-rs with tokio and its connection manager,
//! which reconnects in the background after the server went away.
//!
//! Keys are `<prefix><store key>` (the store key is already a SHA-256 of
//! the cache key, so nothing about the client shows) and
//! `<prefix><store key>:lease`. A value lives as long as its token is
//! worth keeping (see `entry_ttl`). The lease is `SET … NX PX ttl` with a
//! random owner, released by a script that deletes it only if the owner
//! still holds it, so a holder whose lease expired never frees another's.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::seal::StoreEncryption;
use super::{entry_ttl, StoreError, StoreFuture, StoredToken, TokenStore};

/// Deletes the lease only if `ARGV[1]` still owns it.
const RELEASE: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0";

/// A [`TokenStore`] in Redis, for the replicas of a service: one token
/// request for the fleet, and refresh tokens that rotate safely.
///
/// ```no_run
/// # fn main() -> Result<(), runtime::store::StoreError> {
/// use std::sync::Arc;
/// use runtime::store::{RedisTokenStore, StoreEncryption};
///
/// let key = std::env::var("TOKEN_STORE_KEY").unwrap_or_default();
/// let store = RedisTokenStore::new(
///     "rediss://tokens.internal:6380",
///     StoreEncryption::aes_256_gcm_hex(1, &key)?,
/// )?
/// .prefix("billing-service:tokens:");
/// let builder = runtime::ClientBuilder::<runtime::Client>::new("https://api.example.com")
///     .token_store(Arc::new(store));
/// # let _ = builder;
/// # Ok(())
/// # }
/// ```
pub struct RedisTokenStore {
    client: redis::Client,
    /// Made on first use, inside the caller's tokio runtime.
    connection: tokio::sync::OnceCell<ConnectionManager>,
    encryption: StoreEncryption,
    prefix: String,
    /// How long an entry with a refresh token (or without an expiry) is
    /// kept.
    refresh_for: Duration,
    connect_timeout: Duration,
}

impl fmt::Debug for RedisTokenStore {
    /// The server's address without credentials, never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.client.get_connection_info();
        f.debug_struct("RedisTokenStore")
            .field("server", &info.addr().to_string())
            .field("prefix", &self.prefix)
            .field("encryption", &self.encryption)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore {
    /// A store on the server at `url` (`redis://host:port/db`, or
    /// `rediss://` for TLS), sealing values with `encryption`. Connects
    /// on first use, not here.
    pub fn new(url: &str, encryption: StoreEncryption) -> Result<Self, StoreError> {
        let client =
            redis::Client::open(url).map_err(|e| StoreError::with_source("not a Redis URL", e))?;
        Ok(RedisTokenStore {
            client,
            connection: tokio::sync::OnceCell::new(),
            encryption,
            prefix: "runtime:tokens:".to_owned(),
            refresh_for: Duration::from_secs(30 * 24 * 3600),
            connect_timeout: Duration::from_secs(2),
        })
    }

    /// The prefix of every key (`runtime:tokens:` by default): one per
    /// service or environment sharing a server.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long an entry holding a refresh token is kept after its access
    /// token expired (30 days by default); an entry without one goes when
    /// its access token expires.
    pub fn keep_refresh_tokens_for(mut self, duration: Duration) -> Self {
        self.refresh_for = duration;
        self
    }

    /// The full Redis key of a store key: what `redis-cli` shows.
    pub fn redis_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn lease_key(&self, key: &str) -> String {
        format!("{}{key}:lease", self.prefix)
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        self.connection
            .get_or_try_init(|| async {
                // Reconnection is the manager's; how long a call may wait
                // for it is the client's store timeout.
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.connect_timeout))
                    .set_number_of_retries(2)
                    .set_max_delay(Duration::from_millis(500));
                self.client
                    .get_connection_manager_lazy(config)
                    .map_err(|e| StoreError::with_source("cannot set up the Redis connection", e))
            })
            .await
            .cloned()
    }
}

fn failed(what: &'static str) -> impl Fn(redis::RedisError) -> StoreError {
    move |e| StoreError::with_source(what, e)
}

impl TokenStore for RedisTokenStore {
    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let mut connection = self.connection().await?;
            let value: Option<Vec<u8>> = redis::cmd("GET")
                .arg(self.redis_key(key))
                .query_async(&mut connection)
                .await
                .map_err(failed("Redis GET failed"))?;
            let token = value.and_then(|value| self.encryption.open(key, &value));
            Ok(token)
        })
    }

    fn save<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let value = self.encryption.seal(key, token)?;
            let ttl = entry_ttl(token, self.refresh_for);
            let mut connection = self.connection().await?;
            redis::cmd("SET")
                .arg(self.redis_key(key))
                .arg(value)
                .arg("PX")
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX))
                .query_async::<()>(&mut connection)
                .await
                .map_err(failed("Redis SET failed"))
        })
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut connection = self.connection().await?;
            let taken: Option<String> = redis::cmd("SET")
                .arg(self.lease_key(key))
                .arg(owner)
                .arg("NX")
                .arg("PX")
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
                .query_async(&mut connection)
                .await
                .map_err(failed("Redis SET NX failed"))?;
            Ok(taken.is_some())
        })
    }

    fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection().await?;
            redis::cmd("EVAL")
                .arg(RELEASE)
                .arg(1)
                .arg(self.lease_key(key))
                .arg(owner)
                .query_async::<i64>(&mut connection)
                .await
                .map_err(failed("Redis lease release failed"))?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> StoreEncryption {
        StoreEncryption::aes_256_gcm(7, &[1u8; 32]).unwrap()
    }

    #[test]
    fn urls_are_checked_without_connecting_and_secrets_never_shown() {
        assert!(RedisTokenStore::new("rediss://tokens.example:6380/2", key()).is_ok());
        assert!(RedisTokenStore::new("https://tokens.example", key()).is_err());
        let store = RedisTokenStore::new("redis://:hunter2@127.0.0.1:1/0", key())
            .unwrap()
            .prefix("svc:");
        let shown = format!("{store:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("127.0.0.1:1") && shown.contains("key_id: 7"),
            "{shown}"
        );
        assert_eq!(store.redis_key("abc"), "svc:abc");
        assert_eq!(store.lease_key("abc"), "svc:abc:lease");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error_not_a_hang() {
        // Port 1 on loopback: refused at once.
        let store = RedisTokenStore::new("redis://127.0.0.1:1", key()).unwrap();
        let started = std::time::Instant::now();
        let load = tokio::time::timeout(Duration::from_secs(10), store.load("k")).await;
        assert!(matches!(load, Ok(Err(_))), "{load:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
