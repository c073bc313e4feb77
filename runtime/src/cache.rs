//! The in-memory token cache: one slot per (token URL, client, grant, scope
//! set), one token request at a time per slot.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

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

type Slot = Arc<RwLock<Option<Arc<Token>>>>;

#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Slot>>,
}

impl TokenCache {
    fn slot(&self, key: &TokenKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.entry(key.clone()).or_default().clone()
    }

    /// The cached token for `key` if it is fresh; otherwise the result of
    /// `fetch`, which receives the previous token (for its refresh token) and
    /// runs for at most one caller at a time per key. Failures are not cached.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        key: &TokenKey,
        now: impl Fn() -> Instant,
        skew: Option<Duration>,
        fetch: F,
    ) -> Result<Arc<Token>, TokenError>
    where
        F: FnOnce(Option<Arc<Token>>) -> Fut,
        Fut: Future<Output = Result<Token, TokenError>>,
    {
        let slot = self.slot(key);
        if let Some(token) = slot.read().await.as_ref() {
            if token.is_fresh(now(), skew) {
                return Ok(token.clone());
            }
        }
        let mut cached = slot.write().await;
        if let Some(token) = cached.as_ref() {
            // Another caller may have fetched while this one waited.
            if token.is_fresh(now(), skew) {
                return Ok(token.clone());
            }
        }
        let token = Arc::new(fetch(cached.clone()).await?);
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Stores a token obtained outside `get_or_fetch` (the device flow).
    pub(crate) async fn store(&self, key: &TokenKey, token: Token) {
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
                    .unwrap();
                token.access_token.expose_secret().to_owned()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), "t1");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
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
        cache.reject(&key(), &first).await;
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
        assert_eq!(second.access_token.expose_secret(), "t2");
        // What the fetch returned is cached as is: keeping a refresh token
        // is the fetch's decision (only a successful refresh keeps it).
        assert!(second.refresh_token.is_none());
    }
}
