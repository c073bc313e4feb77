//! The token cache: one slot per (token URL, client, grant, parameters,
//! scope set) in memory, one token request at a time per slot, a token
//! whose granted scopes cover a request reused across slots, and an
//! optional [`TokenStore`] behind it that keeps tokens beyond the process
//! and lets the processes sharing it fetch one token between them (the
//! protocol is described in `store/mod.rs`; [`SharedStore`] runs it).
//!
//! A cache hit never touches the store. Every store operation is bounded
//! by the store timeout, and a store that fails is skipped for a while, so
//! the store can delay a call by at most one timeout (plus the lease wait
//! while another process fetches) and never fail it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::error::TokenError;
use crate::oauth2::Token;
use crate::store::{StoreError, StoreFuture, StoredToken, TokenStore};

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

/// How the cache uses a [`TokenStore`]; set on the client builder.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoreSettings {
    /// The bound of each store operation.
    pub(crate) timeout: Duration,
    /// How long a lease is taken for: longer than a token request takes,
    /// short enough that a holder that died does not stall the others
    /// for long.
    pub(crate) lease_ttl: Duration,
    /// How long a process waits for another's lease holder to save before
    /// fetching by itself.
    pub(crate) lease_wait: Duration,
    /// How long a store that failed is left alone before it is tried
    /// again.
    pub(crate) retry_after: Duration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            timeout: Duration::from_millis(500),
            lease_ttl: Duration::from_secs(10),
            lease_wait: Duration::from_secs(15),
            retry_after: Duration::from_secs(5),
        }
    }
}

/// The first wait between two looks at the store while another process
/// holds the lease; it grows by half each time up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(20);
const MAX_POLL: Duration = Duration::from_millis(250);

/// A [`TokenStore`] as the cache uses it: each operation bounded by the
/// timeout, and after a failure the store skipped for `retry_after`, the
/// outage logged when it starts and when it ends rather than per call.
pub(crate) struct SharedStore {
    store: Arc<dyn TokenStore>,
    settings: StoreSettings,
    /// This client's lease owner id, random: another process's (or
    /// another client's) lease is never released by this one.
    owner: String,
    /// Until when the store is skipped, after a failure.
    skip_until: Mutex<Option<Instant>>,
    /// Whether the store is in an outage that has been logged.
    down: AtomicBool,
}

impl SharedStore {
    pub(crate) fn new(store: Arc<dyn TokenStore>, settings: StoreSettings) -> Self {
        let mut bytes = [0u8; 16];
        // Without randomness, the address of this value and the time make
        // a name unlikely to repeat.
        let owner =
            match ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes) {
                Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
                Err(_) => format!(
                    "{}-{:?}",
                    std::process::id(),
                    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH)
                ),
            };
        SharedStore {
            store,
            settings,
            owner,
            skip_until: Mutex::new(None),
            down: AtomicBool::new(false),
        }
    }

    /// Runs `operation` unless the store is being skipped; `None` when it
    /// is, or when the operation failed or timed out. Only a load that
    /// answers ends an outage: a store's lease methods may be defaults
    /// that answer without asking it.
    async fn run<T>(&self, what: &'static str, operation: StoreFuture<'_, T>) -> Option<T> {
        {
            let mut skip = self
                .skip_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match *skip {
                Some(until) if Instant::now() < until => return None,
                Some(_) => *skip = None,
                None => {}
            }
        }
        let error = match tokio::time::timeout(self.settings.timeout, operation).await {
            Ok(Ok(value)) => {
                if what == "load" && self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!("the token store answers again");
                }
                return Some(value);
            }
            Ok(Err(error)) => error,
            Err(_) => StoreError::new(format!(
                "no answer within {} ms",
                self.settings.timeout.as_millis()
            )),
        };
        *self
            .skip_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some(Instant::now() + self.settings.retry_after);
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                operation = what,
                %error,
                retry_after_ms = u64::try_from(self.settings.retry_after.as_millis()).unwrap_or(u64::MAX),
                "the token store failed: tokens are fetched without it until it answers again"
            );
        }
        None
    }

    async fn load(&self, key: &str) -> Option<Option<StoredToken>> {
        self.run("load", self.store.load(key)).await
    }

    async fn save(&self, key: &str, token: &StoredToken) {
        self.run("save", self.store.save(key, token)).await;
    }

    async fn try_lease(&self, key: &str) -> Option<bool> {
        self.run(
            "lease",
            self.store
                .try_lease(key, &self.owner, self.settings.lease_ttl),
        )
        .await
    }

    async fn release(&self, key: &str) {
        self.run("release", self.store.release(key, &self.owner))
            .await;
    }
}

/// A token loaded from a store, as the cache keeps it: its times moved
/// from the wall clock to the client's clock at `now`.
fn from_stored(stored: StoredToken, now: Instant) -> Token {
    let wall = SystemTime::now();
    let expires_at = stored
        .expires_at
        .and_then(|at| now.checked_add(at.duration_since(wall).unwrap_or(Duration::ZERO)));
    // Its lifetime decides how early it is renewed: obtained an hour ago by
    // another process, it is not as good as new.
    let obtained_at = stored
        .obtained_at
        .and_then(|at| wall.duration_since(at).ok())
        .and_then(|age| now.checked_sub(age))
        .unwrap_or(now);
    Token {
        access_token: stored.access_token,
        refresh_token: stored.refresh_token,
        obtained_at,
        expires_at,
        scopes: stored.scopes,
        rejected: false,
    }
}

/// What the store said on a miss.
enum Shared {
    /// A fresh token another process saved.
    Found(Token),
    /// None: fetch, refreshing `previous` when it has a refresh token, and
    /// release the lease after saving when `leased`.
    Fetch {
        previous: Option<Arc<Token>>,
        leased: bool,
    },
}

#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Arc<Slot>>>,
    store: Option<SharedStore>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn with_store(store: Option<SharedStore>) -> Self {
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

    /// The token the store keeps for `key`, if it answers and has one.
    async fn load(&self, key: &str, now: Instant) -> Option<Token> {
        let stored = self.store.as_ref()?.load(key).await??;
        Some(from_stored(stored, now))
    }

    async fn save(&self, key: &str, token: &Token, now: Instant) {
        let Some(store) = &self.store else {
            return;
        };
        let wall = SystemTime::now();
        let expires_at = token
            .expires_at
            .map(|at| wall + at.saturating_duration_since(now));
        let obtained_at = wall
            .checked_sub(now.saturating_duration_since(token.obtained_at))
            .unwrap_or(wall);
        let stored = StoredToken::new(
            SecretString::from(token.access_token.expose_secret().to_owned()),
            token
                .refresh_token
                .as_ref()
                .map(|r| SecretString::from(r.expose_secret().to_owned())),
            expires_at,
            token.scopes.clone(),
        )
        .with_obtained_at(obtained_at);
        store.save(key, &stored).await;
    }

    /// A fresh token the store holds for `key` that is not `stale` (a token
    /// this process already has and cannot use), if any: what another
    /// process saved, for a refresh that failed with `invalid_grant`
    /// because that process rotated the refresh token.
    pub(crate) async fn reread(
        &self,
        key: &TokenKey,
        stale: Option<&Token>,
        now: Instant,
        skew: Option<Duration>,
    ) -> Option<Token> {
        let loaded = self.load(&key.store_key(), now).await?;
        let same = stale.is_some_and(|stale| {
            stale.access_token.expose_secret() == loaded.access_token.expose_secret()
        });
        (!same && loaded.is_fresh(now, skew)).then_some(loaded)
    }

    /// The cached token of `slot` if it is fresh, or a fresh one of another
    /// slot whose granted scopes cover `slot`'s (with that slot, so a
    /// rejection reaches it); otherwise the result of `fetch`, which
    /// receives the previous token (for its refresh token) and runs for at
    /// most one caller at a time per slot. Failures are not cached.
    ///
    /// With a store, a miss goes through it first (`through_store`): a
    /// token another process saved is used, and `fetch` runs under the
    /// key's lease, its result saved before the lease is released.
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
        let cached = slot.current();
        if let Some(token) = &cached {
            // Another caller may have fetched while this one waited.
            if token.is_fresh(now(), skew) {
                return Ok((slot.clone(), token.clone()));
            }
        }
        let token = match &self.store {
            None => fetch(cached).await?,
            Some(store) => match self.through_store(store, slot, cached, &now, skew).await {
                Shared::Found(token) => {
                    let token = Arc::new(token);
                    slot.set(Some(token.clone()));
                    return Ok((slot.clone(), token));
                }
                Shared::Fetch { previous, leased } => {
                    let fetched = fetch(previous).await;
                    let key = slot.key.store_key();
                    // Failures are not stored; the lease is released either way.
                    if let Ok(token) = &fetched {
                        self.save(&key, token, now()).await;
                    }
                    if leased {
                        store.release(&key).await;
                    }
                    fetched?
                }
            },
        };
        let token = Arc::new(token);
        slot.set(Some(token.clone()));
        Ok((slot.clone(), token))
    }

    /// The store's part of a miss, run under the slot's gate: a fresh token
    /// another process saved, or what to fetch with (the newest refresh
    /// token known) and whether this process holds the key's lease.
    async fn through_store(
        &self,
        store: &SharedStore,
        slot: &Slot,
        cached: Option<Arc<Token>>,
        now: &impl Fn() -> Instant,
        skew: Option<Duration>,
    ) -> Shared {
        let key = slot.key.store_key();
        let mut previous = cached.clone();
        // What the store holds, unless it is the token this process already
        // has and the API rejected: its refresh token is the newest known
        // (another process may have rotated it), but it is not used as is.
        let look = |loaded: Token, previous: &mut Option<Arc<Token>>| -> Option<Token> {
            let rejected = cached.as_ref().is_some_and(|c| {
                c.rejected && c.access_token.expose_secret() == loaded.access_token.expose_secret()
            });
            if !rejected && loaded.is_fresh(now(), skew) {
                return Some(loaded);
            }
            if loaded.refresh_token.is_some()
                || previous.as_ref().is_none_or(|p| p.refresh_token.is_none())
            {
                let mut loaded = loaded;
                loaded.rejected = rejected;
                *previous = Some(Arc::new(loaded));
            }
            None
        };
        if let Some(loaded) = self.load(&key, now()).await {
            if let Some(found) = look(loaded, &mut previous) {
                return Shared::Found(found);
            }
        }
        let deadline = Instant::now() + store.settings.lease_wait;
        let mut delay = FIRST_POLL;
        let leased = loop {
            match store.try_lease(&key).await {
                Some(true) => break true,
                // The store failed: on our own.
                None => break false,
                Some(false) => {}
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::debug!(
                    wait_ms =
                        u64::try_from(store.settings.lease_wait.as_millis()).unwrap_or(u64::MAX),
                    "another process held the token lease for the whole wait: fetching"
                );
                break false;
            }
            tokio::time::sleep(delay.min(left)).await;
            delay = (delay + delay / 2).min(MAX_POLL);
            // The holder may have saved.
            match store.load(&key).await {
                None => break false,
                Some(None) => {}
                Some(Some(stored)) => {
                    if let Some(found) = look(from_stored(stored, now()), &mut previous) {
                        return Shared::Found(found);
                    }
                }
            }
        };
        if leased {
            // Another process may have saved between the first look and the
            // lease.
            if let Some(loaded) = self.load(&key, now()).await {
                if let Some(found) = look(loaded, &mut previous) {
                    store.release(&key).await;
                    return Shared::Found(found);
                }
            }
        }
        Shared::Fetch { previous, leased }
    }

    /// Stores a token obtained outside `get_or_fetch` (the device flow).
    pub(crate) async fn store(&self, slot: &Slot, token: Token, now: Instant) {
        let _writer = slot.gate.write().await;
        self.save(&slot.key.store_key(), &token, now).await;
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

    /// A store shared by the caches of one test (its "processes"), with
    /// leases that expire, counting its operations.
    #[derive(Default)]
    struct MemoryStore {
        tokens: Mutex<HashMap<String, StoredToken>>,
        leases: Mutex<HashMap<String, (String, Instant)>>,
        loads: AtomicUsize,
    }

    impl TokenStore for MemoryStore {
        fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
            self.loads.fetch_add(1, Ordering::SeqCst);
            let found = self.tokens.lock().unwrap().get(key).cloned();
            Box::pin(async move { Ok(found) })
        }
        fn save<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
            self.tokens
                .lock()
                .unwrap()
                .insert(key.to_owned(), token.clone());
            Box::pin(async { Ok(()) })
        }
        fn try_lease<'a>(
            &'a self,
            key: &'a str,
            owner: &'a str,
            ttl: Duration,
        ) -> StoreFuture<'a, bool> {
            let mut leases = self.leases.lock().unwrap();
            let free = leases
                .get(key)
                .is_none_or(|(_, until)| *until <= Instant::now());
            if free {
                leases.insert(key.to_owned(), (owner.to_owned(), Instant::now() + ttl));
            }
            Box::pin(async move { Ok(free) })
        }
        fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
            let mut leases = self.leases.lock().unwrap();
            if leases.get(key).is_some_and(|(held_by, _)| held_by == owner) {
                leases.remove(key);
            }
            Box::pin(async { Ok(()) })
        }
    }

    /// A store that never answers.
    struct SilentStore;

    impl TokenStore for SilentStore {
        fn load<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
            Box::pin(std::future::pending())
        }
        fn save<'a>(&'a self, _: &'a str, _: &'a StoredToken) -> StoreFuture<'a, ()> {
            Box::pin(std::future::pending())
        }
    }

    fn shared(store: Arc<dyn TokenStore>, settings: StoreSettings) -> TokenCache {
        TokenCache::with_store(Some(SharedStore::new(store, settings)))
    }

    fn quick() -> StoreSettings {
        StoreSettings {
            timeout: Duration::from_millis(100),
            lease_ttl: Duration::from_secs(5),
            lease_wait: Duration::from_secs(5),
            retry_after: Duration::from_secs(60),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn processes_sharing_a_store_fetch_one_token_between_them() {
        let store = Arc::new(MemoryStore::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let cache = Arc::new(shared(store.clone(), quick()));
            for _ in 0..20 {
                let (cache, fetches) = (cache.clone(), fetches.clone());
                tasks.push(tokio::spawn(async move {
                    let slot = cache.slot(key());
                    let got = cache
                        .get_or_fetch(
                            &slot,
                            Instant::now,
                            Some(Duration::from_secs(60)),
                            |_| async {
                                fetches.fetch_add(1, Ordering::SeqCst);
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                Ok(token("shared", Instant::now(), 3600, Some("r")))
                            },
                        )
                        .await
                        .unwrap();
                    got.1.access_token.expose_secret().to_owned()
                }));
            }
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), "shared");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        // The lease was released after the save.
        assert!(store.leases.lock().unwrap().is_empty());
        // Loaded in another process, the token keeps its lifetime.
        let loads = store.loads.load(Ordering::SeqCst);
        let cache = shared(store.clone(), quick());
        let slot = cache.slot(key());
        let (_, loaded) = cache
            .get_or_fetch(
                &slot,
                Instant::now,
                Some(Duration::from_secs(60)),
                |_| async { panic!("the store has it") },
            )
            .await
            .unwrap();
        assert!(loaded.expires_at.unwrap() - loaded.obtained_at > Duration::from_secs(3590));
        // A hit does not touch the store.
        cache
            .get_or_fetch(
                &slot,
                Instant::now,
                Some(Duration::from_secs(60)),
                |_| async { panic!("cached") },
            )
            .await
            .unwrap();
        assert_eq!(store.loads.load(Ordering::SeqCst), loads + 1);
    }

    #[tokio::test]
    async fn a_lease_left_by_a_dead_process_delays_until_it_expires() {
        let store = Arc::new(MemoryStore::default());
        let store_key = key().store_key();
        let ghost = |ttl| {
            store
                .leases
                .lock()
                .unwrap()
                .insert(store_key.clone(), ("ghost".into(), Instant::now() + ttl));
        };
        ghost(Duration::from_millis(300));
        let cache = shared(store.clone(), quick());
        let slot = cache.slot(key());
        let started = Instant::now();
        let fetch = |_| async { Ok(token("mine", Instant::now(), 3600, None)) };
        cache
            .get_or_fetch(&slot, Instant::now, None, fetch)
            .await
            .unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
        // Past the wait bound, a process fetches by itself.
        ghost(Duration::from_secs(60));
        let impatient = shared(
            store.clone(),
            StoreSettings {
                lease_wait: Duration::from_millis(200),
                ..quick()
            },
        );
        let other = impatient.slot(TokenKey {
            scopes: vec!["other".into()],
            ..key()
        });
        store.leases.lock().unwrap().insert(
            other.key().store_key(),
            ("ghost".into(), Instant::now() + Duration::from_secs(60)),
        );
        let started = Instant::now();
        impatient
            .get_or_fetch(&other, Instant::now, None, fetch)
            .await
            .unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(200) && waited < Duration::from_secs(1),
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn a_silent_store_costs_one_timeout_and_is_then_skipped() {
        let cache = shared(Arc::new(SilentStore), quick());
        let fetches = AtomicUsize::new(0);
        let fetch = |_| async {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(token("direct", Instant::now(), 3600, None))
        };
        let started = Instant::now();
        let slot = cache.slot(key());
        cache
            .get_or_fetch(&slot, Instant::now, None, fetch)
            .await
            .unwrap();
        let first = started.elapsed();
        assert!(first < Duration::from_millis(400), "{first:?}");
        // Another key: the store is skipped, no timeout at all.
        let started = Instant::now();
        let other = cache.slot(TokenKey {
            scopes: vec!["other".into()],
            ..key()
        });
        cache
            .get_or_fetch(&other, Instant::now, None, fetch)
            .await
            .unwrap();
        assert!(started.elapsed() < Duration::from_millis(50));
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_rejected_token_in_the_store_is_refreshed_not_reused() {
        let store = Arc::new(MemoryStore::default());
        let cache = shared(store.clone(), quick());
        let slot = cache.slot(key());
        let now = Instant::now();
        let (_, first) = cache
            .get_or_fetch(&slot, Instant::now, None, |_| async {
                Ok(token("t1", now, 3600, Some("r1")))
            })
            .await
            .unwrap();
        cache.reject(&slot, &first).await;
        let (_, second) = cache
            .get_or_fetch(&slot, Instant::now, None, |previous| async move {
                let previous = previous.expect("the refresh token is handed over");
                assert_eq!(
                    previous.refresh_token.as_ref().unwrap().expose_secret(),
                    "r1"
                );
                Ok(token("t2", now, 3600, Some("r2")))
            })
            .await
            .unwrap();
        assert_eq!(second.access_token.expose_secret(), "t2");
        let saved = store.tokens.lock().unwrap();
        assert_eq!(saved[&key().store_key()].access_token.expose_secret(), "t2");
    }

    #[tokio::test]
    async fn a_newer_refresh_token_from_the_store_is_the_one_refreshed() {
        let store = Arc::new(MemoryStore::default());
        // Another process rotated the refresh token; its access token has
        // expired since.
        let expired = SystemTime::now() - Duration::from_secs(10);
        store.tokens.lock().unwrap().insert(
            key().store_key(),
            StoredToken::new(
                SecretString::from("old"),
                Some(SecretString::from("rotated")),
                Some(expired),
                None,
            ),
        );
        let cache = shared(store.clone(), quick());
        let slot = cache.slot(key());
        let now = Instant::now();
        let (_, got) = cache
            .get_or_fetch(
                &slot,
                Instant::now,
                Some(Duration::from_secs(1)),
                |previous| async move {
                    let previous = previous.expect("the stored token is handed over");
                    assert_eq!(
                        previous.refresh_token.as_ref().unwrap().expose_secret(),
                        "rotated"
                    );
                    Ok(token("new", now, 3600, Some("rotated-again")))
                },
            )
            .await
            .unwrap();
        assert_eq!(got.access_token.expose_secret(), "new");
        // `reread` finds what was saved, but not a token already known.
        let fresh = cache
            .reread(&key(), None, Instant::now(), Some(Duration::from_secs(1)))
            .await
            .unwrap();
        assert_eq!(fresh.access_token.expose_secret(), "new");
        assert!(cache
            .reread(&key(), Some(&fresh), Instant::now(), None)
            .await
            .is_none());
    }

    /// A store that fails while `down` is set.
    #[derive(Default)]
    struct FlakyStore {
        down: AtomicBool,
        inner: MemoryStore,
    }

    impl TokenStore for FlakyStore {
        fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
            if self.down.load(Ordering::SeqCst) {
                return Box::pin(async { Err(StoreError::new("connection refused")) });
            }
            self.inner.load(key)
        }
        fn save<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
            if self.down.load(Ordering::SeqCst) {
                return Box::pin(async { Err(StoreError::new("connection refused")) });
            }
            self.inner.save(key, token)
        }
    }

    /// Counts the events logged at each level.
    #[derive(Clone, Default)]
    struct Events(Arc<Mutex<Vec<tracing::Level>>>);

    impl tracing::Subscriber for Events {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            self.0.lock().unwrap().push(*event.metadata().level());
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[tokio::test]
    async fn an_outage_is_logged_when_it_starts_and_ends_not_per_call() {
        let store = Arc::new(FlakyStore::default());
        store.down.store(true, Ordering::SeqCst);
        // Tried again at every miss, to fail as often as possible.
        let cache = shared(
            store.clone(),
            StoreSettings {
                retry_after: Duration::ZERO,
                ..quick()
            },
        );
        let events = Events::default();
        let _logging = tracing::subscriber::set_default(events.clone());
        let count = |level| {
            events
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|l| **l == level)
                .count()
        };
        let fetch = |_| async { Ok(token("direct", Instant::now(), 3600, None)) };
        for scope in ["a", "b", "c", "d"] {
            let slot = cache.slot(TokenKey {
                scopes: vec![scope.into()],
                ..key()
            });
            let (_, got) = cache
                .get_or_fetch(&slot, Instant::now, None, fetch)
                .await
                .expect("the call goes on without the store");
            assert_eq!(got.access_token.expose_secret(), "direct");
        }
        assert_eq!(count(tracing::Level::WARN), 1);
        store.down.store(false, Ordering::SeqCst);
        for scope in ["e", "f"] {
            let slot = cache.slot(TokenKey {
                scopes: vec![scope.into()],
                ..key()
            });
            cache
                .get_or_fetch(&slot, Instant::now, None, fetch)
                .await
                .unwrap();
        }
        assert_eq!(count(tracing::Level::INFO), 1);
        assert_eq!(count(tracing::Level::WARN), 1);
        // What was fetched while the store answered was saved.
        assert_eq!(store.inner.tokens.lock().unwrap().len(), 2);
    }
}
