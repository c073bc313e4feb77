//! Token stores: where tokens live beyond one process, so that a restart
//! reuses them and the replicas of a service share one token (and one
//! refresh token) instead of fetching their own.
//!
//! A [`TokenStore`] loads and saves tokens under opaque keys and hands out
//! a lease on a key: an exclusive right, for a bounded time, to fetch or
//! refresh that key's token. The token cache (`cache.rs`) stays in front of
//! the store, so a cache hit never touches it, and drives the protocol that
//! makes one replica of the fleet ask the authorization server while the
//! others wait for what it saves:
//!
//! 1. on a miss in memory, load from the store; a fresh token is used;
//! 2. otherwise take the key's lease and, once held, load again (another
//!    replica may have just saved); only then fetch or refresh, save and
//!    release;
//! 3. a replica that finds the lease taken polls the store until the
//!    holder saves, the lease frees up, or its wait is over, and then goes
//!    on by itself.
//!
//! Every store operation is bounded by a timeout; a store that fails or is
//! slow is skipped for a while (logged once per outage), so it can delay a
//! call by at most the bound and never fail it.
//!
//! Two stores come with the runtime: [`RedisTokenStore`] (feature `redis`)
//! for fleets, and [`FileTokenStore`] for command-line tools and desktop
//! apps run as several processes of one user. Both keep values sealed by a
//! [`StoreEncryption`]: AES-256-GCM under a key the user supplies, unless
//! they opt out by name.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use secrecy::SecretString;

mod file;
#[cfg(feature = "redis")]
mod redis;
mod seal;

pub use file::FileTokenStore;
#[cfg(feature = "redis")]
pub use redis::RedisTokenStore;
pub use seal::StoreEncryption;

/// What a [`TokenStore`] operation returns: a boxed future, so that the
/// trait stays object safe (`Arc<dyn TokenStore>`) without a macro crate.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Keeps tokens beyond the process and coordinates the processes that
/// share them. Keys are opaque hex strings (a SHA-256 of the token URL,
/// client, grant, parameters and scopes), so nothing secret is in them.
///
/// The client bounds every call with its store timeout
/// ([`ClientBuilder::token_store_timeout`](crate::ClientBuilder::token_store_timeout))
/// and treats an error like a miss: an implementation need not retry.
pub trait TokenStore: Send + Sync {
    /// The token saved under `key`, if any. An entry that cannot be read
    /// (sealed with another key, damaged) is `Ok(None)`: the caller then
    /// fetches a token of its own, which replaces it.
    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>>;

    /// Saves a token obtained for `key`, replacing the previous one.
    fn save<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()>;

    /// Takes the lease on `key` for `owner` (a random id per client) for at
    /// most `ttl`, unless someone else holds it: `true` when taken. A store
    /// shared by no other process may keep the default, which always
    /// grants it (the in-process cache already lets one caller fetch).
    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let _ = (key, owner, ttl);
        Box::pin(async { Ok(true) })
    }

    /// Releases `owner`'s lease on `key`; a lease that expired and was
    /// taken by another owner is left alone.
    fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        let _ = (key, owner);
        Box::pin(async { Ok(()) })
    }
}

/// A token as a [`TokenStore`] keeps it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoredToken {
    /// The access token.
    pub access_token: SecretString,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<SecretString>,
    /// When the access token expires, when known.
    pub expires_at: Option<SystemTime>,
    /// The scopes granted, when the server said.
    pub scopes: Option<Vec<String>>,
    /// When the access token was obtained, when known: with `expires_at`,
    /// its lifetime, which decides how early it is renewed.
    pub obtained_at: Option<SystemTime>,
}

impl StoredToken {
    /// A token to hand back from [`TokenStore::load`].
    pub fn new(
        access_token: SecretString,
        refresh_token: Option<SecretString>,
        expires_at: Option<SystemTime>,
        scopes: Option<Vec<String>>,
    ) -> Self {
        StoredToken {
            access_token,
            refresh_token,
            expires_at,
            scopes,
            obtained_at: None,
        }
    }

    /// The same token, obtained at `at`.
    pub fn with_obtained_at(mut self, at: SystemTime) -> Self {
        self.obtained_at = Some(at);
        self
    }
}

/// Why a [`TokenStore`] operation failed: the store is unreachable, timed
/// out, or refused the operation. Never carries a token.
#[derive(Debug)]
pub struct StoreError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// An error described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// How long a saved entry is worth keeping: until the access token
/// expires, or `refresh_for` when a refresh token (good past the access
/// token) or no expiry came with it. At least a second, so a store never
/// gets a zero time-to-live. For stores that expire entries themselves.
#[cfg(any(feature = "redis", test))]
pub(crate) fn entry_ttl(token: &StoredToken, refresh_for: Duration) -> Duration {
    let until_expiry = token
        .expires_at
        .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default());
    let ttl = match (until_expiry, token.refresh_token.is_some()) {
        (Some(left), false) => left,
        (Some(left), true) => left.max(refresh_for),
        (None, _) => refresh_for,
    };
    ttl.max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_as_long_as_their_token_or_its_refresh_token() {
        let hour = Duration::from_secs(3600);
        let day = Duration::from_secs(86_400);
        let access = || SecretString::from("a");
        let in_an_hour = Some(SystemTime::now() + hour);
        let plain = StoredToken::new(access(), None, in_an_hour, None);
        let ttl = entry_ttl(&plain, day);
        assert!(
            ttl <= hour && ttl > hour - Duration::from_secs(5),
            "{ttl:?}"
        );
        let refreshable = StoredToken::new(access(), Some(access()), in_an_hour, None);
        assert_eq!(entry_ttl(&refreshable, day), day);
        let expired = StoredToken::new(access(), None, Some(SystemTime::UNIX_EPOCH), None);
        assert_eq!(entry_ttl(&expired, day), Duration::from_secs(1));
    }
}
