//! The token cache: one slot per (token URL, client, grant, parameters,
//! scope set) in memory, one token request at a time per slot, a token
//! whose granted scopes cover a request reused across slots, and an
//! optional [`TokenStore`] behind it that keeps tokens beyond the process.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};

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

/// The cache's place for one key: the key, and the token cached for it.
/// Slots are never removed, so a caller may keep one (the client keeps the
/// slot of each credential and scope set) instead of looking its key up
/// again on every call.
pub(crate) struct Slot {
    key: TokenKey,
    /// The current token. Only replaced with `gate` held for writing, and
    /// locked just long enough to clone or replace the `Arc`: a cache hit
    /// neither waits nor touches `gate`.
    token: RwLock<Option<Arc<Token>>>,
    /// Held for writing while the token is fetched, stored or rejected;
    /// the callers that need a token meanwhile wait for it by taking it for
    /// reading, and are all released together.
    gate: tokio::sync::RwLock<()>,
}

impl Slot {
    pub(crate) fn key(&self) -> &TokenKey {
        &self.key
    }

    fn current(&self) -> Option<Arc<Token>> {
        self.token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the token; the caller holds `gate` for writing.
    fn set(&self, token: Option<Arc<Token>>) {
        *self.token.write().unwrap_or_else(PoisonError::into_inner) = token;
    }
}

#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Arc<Slot>>>,
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

    /// The slot for `key`, made empty on first use.
    pub(crate) fn slot(&self, key: TokenKey) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .entry(key)
            .or_insert_with_key(|key| {
                Arc::new(Slot {
                    key: key.clone(),
                    token: RwLock::default(),
                    gate: tokio::sync::RwLock::default(),
                })
            })
            .clone()
    }

    /// A fresh token of another slot for the same grant whose granted
    /// scopes cover `slot`'s.
    fn covering(
        &self,
        slot: &Arc<Slot>,
        now: Instant,
        skew: Option<Duration>,
    ) -> Option<(Arc<Slot>, Arc<Token>)> {
        let key = &slot.key;
        // No scopes asks for the server's default, which a token for
        // particular scopes may not match.
        if key.scopes.is_empty() {
            return None;
        }
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .values()
            .filter(|other| !Arc::ptr_eq(other, slot) && other.key.same_grant(key))
            .find_map(|other| {
                // A slot whose token is being fetched has none fresh.
                let _idle = other.gate.try_read().ok()?;
                let token = other.current()?;
                let granted = token.scopes.as_ref().unwrap_or(&other.key.scopes);
                (token.is_fresh(now, skew) && key.scopes.iter().all(|s| granted.contains(s)))
                    .then(|| (other.clone(), token))
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

    /// The cached token of `slot` if it is fresh, or a fresh one of another
    /// slot whose granted scopes cover `slot`'s (with that slot, so a
    /// rejection reaches it); otherwise the result of `fetch`, which
    /// receives the previous token (for its refresh token) and runs for at
    /// most one caller at a time per slot. Failures are not cached.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        slot: &Arc<Slot>,
        now: impl Fn() -> Instant,
        skew: Option<Duration>,
        fetch: F,
    ) -> Result<(Arc<Slot>, Arc<Token>), TokenError>
    where
        F: FnOnce(Option<Arc<Token>>) -> Fut,
        Fut: Future<Output = Result<Token, TokenError>>,
    {
        // The hit, without waiting for anything.
        if let Some(token) = slot.current() {
            if token.is_fresh(now(), skew) {
                return Ok((slot.clone(), token));
            }
        }
        // A fetch in progress for this slot is waited for, and its token
        // used, before looking at other slots.
        drop(slot.gate.read().await);
        if let Some(token) = slot.current() {
            if token.is_fresh(now(), skew) {
                return Ok((slot.clone(), token));
            }
        }
        if let Some(found) = self.covering(slot, now(), skew) {
            return Ok(found);
        }
        let _writer = slot.gate.write().await;
        let mut cached = slot.current();
        if cached.is_none() {
            // A cold slot: a token kept from an earlier run, if any.
            cached = self.load(&slot.key, now()).map(Arc::new);
            slot.set(cached.clone());
        }
        if let Some(token) = &cached {
            // Another caller may have fetched while this one waited.
            if token.is_fresh(now(), skew) {
                return Ok((slot.clone(), token.clone()));
            }
        }
        let token = fetch(cached).await?;
        self.save(&slot.key, &token, now());
        let token = Arc::new(token);
        slot.set(Some(token.clone()));
        Ok((slot.clone(), token))
    }

    /// Stores a token obtained outside `get_or_fetch` (the device flow).
    pub(crate) async fn store(&self, slot: &Slot, token: Token, now: Instant) {
        let _writer = slot.gate.write().await;
        self.save(&slot.key, &token, now);
        slot.set(Some(Arc::new(token)));
    }

    /// Marks `token` as rejected by the API, unless it was already replaced.
    /// Its refresh token stays usable.
    pub(crate) async fn reject(&self, slot: &Slot, token: &Arc<Token>) {
        let _writer = slot.gate.write().await;
        if let Some(current) = slot.current() {
            if Arc::ptr_eq(&current, token) {
                let mut rejected = Token::clone(&current);
                rejected.rejected = true;
                slot.set(Some(Arc::new(rejected)));
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
                let slot = cache.slot(key());
                let token = cache
                    .get_or_fetch(
                        &slot,
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
        let slot_for = |scopes: &[&str]| {
            cache.slot(TokenKey {
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                ..key()
            })
        };
        let mut broad = token("both", now, 3600, None);
        broad.scopes = Some(vec!["read".into(), "write".into(), "admin".into()]);
        cache
            .get_or_fetch(
                &slot_for(&["read", "write"]),
                || now,
                skew,
                |_| async { Ok(broad) },
            )
            .await
            .unwrap();
        // Covered: no fetch.
        let reused = cache
            .get_or_fetch(
                &slot_for(&["read"]),
                || now,
                skew,
                |_| async { panic!("a covering token is cached") },
            )
            .await
            .unwrap();
        assert_eq!(reused.1.access_token.expose_secret(), "both");
        let admin = cache
            .get_or_fetch(
                &slot_for(&["admin"]),
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
                &slot_for(&["delete"]),
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
        let slot = cache.slot(key());
        let now = Instant::now();
        let skew = Some(Duration::from_secs(60));
        let failed = cache
            .get_or_fetch(
                &slot,
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
                &slot,
                || now,
                skew,
                |previous| async move {
                    assert!(previous.is_none());
                    Ok(token("t1", now, 100, Some("r1")))
                },
            )
            .await
            .unwrap();
        cache.reject(&slot, &first.1).await;
        let second = cache
            .get_or_fetch(
                &slot,
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
