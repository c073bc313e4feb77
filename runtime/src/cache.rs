//! The token cache: one slot per (token URL, client, grant, parameters,
//! scope set) in memory, one token request at a time per slot, a token
//! whose granted scopes cover a request reused across slots, and an
//! optional [`TokenStore`] behind it that keeps tokens beyond the process.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use tokio::sync::RwLock;

use crate::error::TokenError;
use crate::oauth2::Token;

/// What a cached token is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TokenKey {
    pub(crate) token_url: String,
    pub(crate) client_id: String,
    /// The grant type, and for the password grant the user name.
    pub(crate) grant: String,
    /// Extra token parameters (an `audience`, say), sorted: tokens for
    /// different ones are different tokens.
    pub(crate) params: Vec<(String, String)>,
    /// Sorted and without duplicates.
    pub(crate) scopes: Vec<String>,
}

impl TokenKey {
    /// Whether `other` is for the same token endpoint, client, grant and
    /// parameters, whatever its scopes.
    fn same_grant(&self, other: &TokenKey) -> bool {
        self.token_url == other.token_url
            && self.client_id == other.client_id
            && self.grant == other.grant
            && self.params == other.params
    }

    /// An opaque, stable name for a [`TokenStore`]: a SHA-256 of the key,
    /// so that parameters holding secrets are not written out.
    fn store_key(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.token_url, self.client_id, self.grant);
        for (name, value) in &self.params {
            text.push_str(&format!("{name}={value}\n"));
        }
        text.push_str(&self.scopes.join(" "));
        let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
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
        }
    }
}

/// Keeps tokens beyond the process, so a restart reuses them (refresh
/// tokens especially). Keys are opaque hex strings, one per token endpoint,
/// client, grant, parameters and scope set. Called under the cache's lock
/// for the key: keep it quick.
pub trait TokenStore: Send + Sync {
    /// The token saved under `key`, if any.
    fn load(&self, key: &str) -> Option<StoredToken>;
    /// Saves a token obtained for `key`, replacing the previous one.
    fn save(&self, key: &str, token: &StoredToken);
}

type Slot = Arc<RwLock<Option<Arc<Token>>>>;

#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Slot>>,
    store: Option<Arc<dyn TokenStore>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn with_store(store: Option<Arc<dyn TokenStore>>) -> Self {
        TokenCache {
            slots: Mutex::default(),
            store,
        }
    }

    /// A fresh token of another slot for the same grant whose granted
    /// scopes cover `key`'s.
    fn covering(
        &self,
        key: &TokenKey,
        now: Instant,
        skew: Option<Duration>,
    ) -> Option<(TokenKey, Arc<Token>)> {
        // No scopes asks for the server's default, which a token for
        // particular scopes may not match.
        if key.scopes.is_empty() {
            return None;
        }
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .iter()
            .filter(|(other, _)| *other != key && other.same_grant(key))
            .find_map(|(other, slot)| {
                let guard = slot.try_read().ok()?;
                let token = guard.as_ref()?;
                let granted = token.scopes.as_ref().unwrap_or(&other.scopes);
                (token.is_fresh(now, skew) && key.scopes.iter().all(|s| granted.contains(s)))
                    .then(|| (other.clone(), token.clone()))
            })
    }

    fn load(&self, key: &TokenKey, now: Instant) -> Option<Token> {
        let stored = self.store.as_ref()?.load(&key.store_key())?;
        let expires_at = stored.expires_at.and_then(|at| {
            now.checked_add(
                at.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            )
        });
        Some(Token {
            access_token: stored.access_token,
            refresh_token: stored.refresh_token,
            obtained_at: now,
            expires_at,
            scopes: stored.scopes,
            rejected: false,
        })
    }

    fn save(&self, key: &TokenKey, token: &Token, now: Instant) {
        let Some(store) = &self.store else {
            return;
        };
        let expires_at = token
            .expires_at
            .map(|at| SystemTime::now() + at.saturating_duration_since(now));
        let stored = StoredToken {
            access_token: SecretString::from(token.access_token.expose_secret().to_owned()),
            refresh_token: token
                .refresh_token
                .as_ref()
                .map(|r| SecretString::from(r.expose_secret().to_owned())),
            expires_at,
            scopes: token.scopes.clone(),
        };
        store.save(&key.store_key(), &stored);
    }

    fn slot(&self, key: &TokenKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.entry(key.clone()).or_default().clone()
    }

    /// The cached token for `key` if it is fresh, or a fresh one of another
    /// slot whose granted scopes cover `key`'s (with that slot's key, so a
    /// rejection reaches it); otherwise the result of
    /// `fetch`, which receives the previous token (for its refresh token) and
    /// runs for at most one caller at a time per key. Failures are not cached.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        key: &TokenKey,
        now: impl Fn() -> Instant,
        skew: Option<Duration>,
        fetch: F,
    ) -> Result<(TokenKey, Arc<Token>), TokenError>
    where
        F: FnOnce(Option<Arc<Token>>) -> Fut,
        Fut: Future<Output = Result<Token, TokenError>>,
    {
        let slot = self.slot(key);
        if let Some(token) = slot.read().await.as_ref() {
            if token.is_fresh(now(), skew) {
                return Ok((key.clone(), token.clone()));
            }
        }
        if let Some(found) = self.covering(key, now(), skew) {
            return Ok(found);
        }
        let mut cached = slot.write().await;
        if cached.is_none() {
            // A cold slot: a token kept from an earlier run, if any.
            *cached = self.load(key, now()).map(Arc::new);
        }
        if let Some(token) = cached.as_ref() {
            // Another caller may have fetched while this one waited.
            if token.is_fresh(now(), skew) {
                return Ok((key.clone(), token.clone()));
            }
        }
        let token = fetch(cached.clone()).await?;
        self.save(key, &token, now());
        let token = Arc::new(token);
        *cached = Some(token.clone());
        Ok((key.clone(), token))
    }

    /// Stores a token obtained outside `get_or_fetch` (the device flow).
    pub(crate) async fn store(&self, key: &TokenKey, token: Token, now: Instant) {
        self.save(key, &token, now);
        *self.slot(key).write().await = Some(Arc::new(token));
    }

    /// Marks `token` as rejected by the API, unless it was already replaced.
    /// Its refresh token stays usable.
    pub(crate) async fn reject(&self, key: &TokenKey, token: &Arc<Token>) {
        let slot = self.slot(key);
        let mut cached = slot.write().await;
        if let Some(current) = cached.as_ref() {
            if Arc::ptr_eq(current, token) {
                let mut rejected = Token::clone(current);
                rejected.rejected = true;
                *cached = Some(Arc::new(rejected));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::{ExposeSecret, SecretString};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key() -> TokenKey {
        TokenKey {
            token_url: "https://a/token".into(),
            client_id: "c".into(),
            grant: "client_credentials".into(),
            params: Vec::new(),
            scopes: vec!["read".into()],
        }
    }

    fn token(value: &str, now: Instant, lifetime: u64, refresh: Option<&str>) -> Token {
        Token {
            access_token: SecretString::from(value),
            refresh_token: refresh.map(SecretString::from),
            obtained_at: now,
            expires_at: Some(now + Duration::from_secs(lifetime)),
            scopes: None,
            rejected: false,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_on_a_cold_cache_cause_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let now = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                let token = cache
                    .get_or_fetch(
                        &key(),
                        Instant::now,
                        Some(Duration::from_secs(60)),
                        |_| async {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(token("t1", now, 3600, None))
                        },
                    )
                    .await
                    .unwrap()
                    .1;
                token.access_token.expose_secret().to_owned()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), "t1");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_token_whose_granted_scopes_cover_a_request_is_reused() {
        let cache = TokenCache::default();
        let now = Instant::now();
        let skew = Some(Duration::from_secs(60));
        let key_for = |scopes: &[&str]| TokenKey {
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..key()
        };
        let mut broad = token("both", now, 3600, None);
        broad.scopes = Some(vec!["read".into(), "write".into(), "admin".into()]);
        cache
            .get_or_fetch(
                &key_for(&["read", "write"]),
                || now,
                skew,
                |_| async { Ok(broad) },
            )
            .await
            .unwrap();
        // Covered: no fetch.
        let reused = cache
            .get_or_fetch(
                &key_for(&["read"]),
                || now,
                skew,
                |_| async { panic!("a covering token is cached") },
            )
            .await
            .unwrap();
        assert_eq!(reused.1.access_token.expose_secret(), "both");
        let admin = cache
            .get_or_fetch(
                &key_for(&["admin"]),
                || now,
                skew,
                |_| async { panic!("granted") },
            )
            .await
            .unwrap();
        assert_eq!(admin.1.access_token.expose_secret(), "both");
        // Not covered: fetched.
        let other = cache
            .get_or_fetch(
                &key_for(&["delete"]),
                || now,
                skew,
                |_| async { Ok(token("delete", now, 3600, None)) },
            )
            .await
            .unwrap();
        assert_eq!(other.1.access_token.expose_secret(), "delete");
    }

    #[tokio::test]
    async fn failures_are_not_cached_and_rejected_tokens_are_handed_over() {
        let cache = TokenCache::default();
        let now = Instant::now();
        let skew = Some(Duration::from_secs(60));
        let failed = cache
            .get_or_fetch(
                &key(),
                || now,
                skew,
                |_| async {
                    Err(TokenError::InvalidResponse {
                        url: "u".into(),
                        reason: "r".into(),
                    })
                },
            )
            .await;
        assert!(failed.is_err());
        let first = cache
            .get_or_fetch(
                &key(),
                || now,
                skew,
                |previous| async move {
                    assert!(previous.is_none());
                    Ok(token("t1", now, 100, Some("r1")))
                },
            )
            .await
            .unwrap();
        cache.reject(&key(), &first.1).await;
        let second = cache
            .get_or_fetch(
                &key(),
                || now,
                skew,
                |previous| async move {
                    let previous = previous.expect("the rejected token is handed over");
                    assert_eq!(
                        previous.refresh_token.as_ref().unwrap().expose_secret(),
                        "r1"
                    );
                    Ok(token("t2", now, 100, None))
                },
            )
            .await
            .unwrap();
        assert_eq!(second.1.access_token.expose_secret(), "t2");
        // What the fetch returned is cached as is: keeping a refresh token
        // is the fetch's decision (only a successful refresh keeps it).
        assert!(second.1.refresh_token.is_none());
    }
}
