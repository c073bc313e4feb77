//! The token source: where an OAuth2 credential's tokens come from. It owns
//! the token cache, the authorization server metadata found by discovery,
//! what client authentication worked per server, and the authorization
//! codes already redeemed; it resolves the document's URLs against the base
//! URL, and it alone sends token requests.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Response;
use secrecy::ExposeSecret;
use url::Url;

use crate::auth::{ClientAuthMethod, CredentialHeader, Grant, OAuth2};
use crate::body::{declared_over, read_at_most, MAX_ENDPOINT_BODY};
use crate::cache::{SharedStore, Slot, StoreSettings, TokenCache, TokenKey};
use crate::clock::Clock;
use crate::discovery::{self, Discovery, Metadata};
use crate::error::{Error, TokenError};
use crate::inspect::Inspector;
use crate::oauth2::{self, ClientAuthStyle, ClientIdentity, Token, TokenRequest};
use crate::redact::Redactor;
use crate::retry::{self, Attempts, RetryPolicy};
use crate::store::TokenStore;

/// Obtains, caches and renews the tokens of a client's OAuth2 credentials.
pub(crate) struct TokenSource {
    /// The base URL, its path taken as a directory, that the document's
    /// relative URLs resolve against.
    base: Url,
    /// Sends token, device authorization and discovery requests; never
    /// follows redirects.
    pub(crate) http: reqwest::Client,
    pub(crate) clock: Arc<dyn Clock>,
    /// `None` when auto-refresh is off.
    refresh_skew: Option<Duration>,
    default_lifetime: Option<Duration>,
    allow_insecure_http: bool,
    /// Knows every configured secret.
    pub(crate) redactor: Redactor,
    inspector: Option<Arc<dyn Inspector>>,
    cache: TokenCache,
    /// What client authentication worked, per token URL and client id, for
    /// [`ClientAuthMethod::Auto`].
    client_auth_memory: Mutex<HashMap<(String, String), ClientAuthStyle>>,
    /// Authorization server metadata per discovery location.
    metadata: tokio::sync::Mutex<HashMap<Discovery, Arc<Metadata>>>,
    /// SHA-256 digests of the authorization codes already sent.
    redeemed_codes: Mutex<HashSet<Vec<u8>>>,
    /// How token requests that fail transiently are retried.
    retries: RetryPolicy,
}

/// What a [`TokenSource`] is made of; the rest starts empty.
pub(crate) struct TokenSettings {
    /// The client's base URL, already checked to parse.
    pub(crate) base_url: Url,
    pub(crate) http: reqwest::Client,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) refresh_skew: Option<Duration>,
    pub(crate) default_lifetime: Option<Duration>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) redactor: Redactor,
    pub(crate) inspector: Option<Arc<dyn Inspector>>,
    pub(crate) store: Option<Arc<dyn TokenStore>>,
    pub(crate) store_settings: StoreSettings,
    pub(crate) retries: RetryPolicy,
}

impl TokenSource {
    pub(crate) fn new(settings: TokenSettings) -> Self {
        let mut base = settings.base_url;
        if !base.path().ends_with('/') {
            let directory = format!("{}/", base.path());
            base.set_path(&directory);
        }
        TokenSource {
            base,
            http: settings.http,
            clock: settings.clock,
            refresh_skew: settings.refresh_skew,
            default_lifetime: settings.default_lifetime,
            allow_insecure_http: settings.allow_insecure_http,
            redactor: settings.redactor,
            inspector: settings.inspector,
            cache: TokenCache::with_store(
                settings
                    .store
                    .map(|store| SharedStore::new(store, settings.store_settings)),
            ),
            client_auth_memory: Mutex::default(),
            metadata: tokio::sync::Mutex::default(),
            redeemed_codes: Mutex::default(),
            retries: settings.retries,
        }
    }

    /// A token for `oauth` covering `scopes`, from the cache or the token
    /// endpoint; with the credential's tokens for `scopes` and the slot the
    /// token is cached in (another scope set's, when its token covers these
    /// scopes).
    pub(crate) async fn token(
        &self,
        tokens: &TokenState,
        oauth: &OAuth2,
        scopes: &'static [&'static str],
    ) -> Result<(Arc<ScopedTokens>, Arc<Slot>, Arc<Token>), TokenError> {
        let scoped = self.scoped_tokens(tokens, oauth, scopes).await?;
        let (slot, token) = self
            .cache
            .get_or_fetch(
                &scoped.slot,
                || self.clock.now(),
                self.refresh_skew,
                |previous| async {
                    let mut token = self
                        .fetch_token(oauth, &scoped.token_url, scoped.slot.key(), previous)
                        .await?;
                    if token.expires_at.is_none() {
                        token.expires_at = self
                            .default_lifetime
                            .and_then(|lifetime| token.obtained_at.checked_add(lifetime));
                    }
                    Ok(token)
                },
            )
            .await?;
        Ok((scoped, slot, token))
    }

    /// Forgets `token`, which the API rejected, so that the next call for
    /// `slot` fetches another.
    pub(crate) async fn reject(&self, slot: &Slot, token: &Arc<Token>) {
        self.cache.reject(slot, token).await;
    }

    /// Caches `token`, obtained by the device flow's polling, in `slot`.
    pub(crate) async fn store(&self, slot: &Slot, token: Token) {
        let now = self.clock.now();
        self.cache.store(slot, token, now).await;
    }

    /// The cache slot and token URL of `oauth`'s tokens for `scopes`:
    /// worked out on the first call for the scope set, then remembered, so
    /// that a cached token is found without parsing the token URL or
    /// building and hashing its cache key again.
    pub(crate) async fn scoped_tokens(
        &self,
        tokens: &TokenState,
        oauth: &OAuth2,
        scopes: &'static [&'static str],
    ) -> Result<Arc<ScopedTokens>, TokenError> {
        let id = if uses_operation_scopes(oauth) {
            ScopeSet::of(scopes)
        } else {
            ScopeSet::ANY
        };
        if let Some(scoped) = tokens
            .scoped
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            return Ok(scoped.clone());
        }
        // Not under the lock: discovery may have to ask the server.
        let (key, token_url) = self.token_key(oauth, scopes).await?;
        let scoped = Arc::new(ScopedTokens {
            slot: self.cache.slot(key),
            token_url,
            header: Mutex::default(),
        });
        // A concurrent first call may have been quicker; both found the
        // same slot.
        let mut known = tokens
            .scoped
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(known.entry(id).or_insert(scoped).clone())
    }

    /// The cache key of `oauth`'s tokens for `scopes`, and its token URL.
    async fn token_key(
        &self,
        oauth: &OAuth2,
        scopes: &[&str],
    ) -> Result<(TokenKey, Url), TokenError> {
        let token_url = match &oauth.discovery {
            Some(discovery) => self.discover(discovery).await?.token_endpoint.clone(),
            None => self.resolve(&oauth.token_url)?,
        };
        // An interactive grant's token covers what the user authorized,
        // whatever the operation: one token, obtained once.
        let mut scopes: Vec<String> = match &oauth.scopes {
            Some(configured) => configured.clone(),
            None if !uses_operation_scopes(oauth) => Vec::new(),
            None => scopes.iter().map(|s| (*s).to_owned()).collect(),
        };
        // An interactive grant without configured scopes sends none: its
        // added scopes were asked for when the user authorized.
        if oauth.scopes.is_some() || !oauth.is_interactive() {
            scopes.extend(oauth.added_scopes.iter().cloned());
        }
        scopes.sort();
        scopes.dedup();
        let grant = match &oauth.grant {
            Grant::Password { username, .. } => format!("password:{username}"),
            other => other.grant_type().to_owned(),
        };
        let mut params = oauth.extra_params.clone();
        params.sort();
        let key = TokenKey {
            token_url: token_url.to_string(),
            client_id: oauth.client_id.clone(),
            grant,
            params,
            scopes,
        };
        Ok((key, token_url))
    }

    /// The authorization server's metadata, fetched once and cached.
    async fn discover(&self, discovery: &Discovery) -> Result<Arc<Metadata>, TokenError> {
        let mut cache = self.metadata.lock().await;
        if let Some(metadata) = cache.get(discovery) {
            return Ok(metadata.clone());
        }
        let candidates = discovery::candidates(discovery, |url| self.resolve(url).ok());
        let mut reasons = Vec::new();
        for url in candidates {
            let response = self.get_metadata(&url).await;
            let reason = match response {
                Ok(response) if response.status().is_success() => {
                    match read_metadata(response).await {
                        Ok(body) => match discovery::parse(
                            &body,
                            discovery::expected_issuer(&url).as_deref(),
                        ) {
                            Ok(metadata) => {
                                tracing::debug!(%url, token_endpoint = %metadata.token_endpoint, "discovered");
                                let metadata = Arc::new(metadata);
                                cache.insert(discovery.clone(), metadata.clone());
                                return Ok(metadata);
                            }
                            Err(reason) => reason,
                        },
                        Err(reason) => reason,
                    }
                }
                Ok(response) => format!("status {}", response.status()),
                Err(error) => error.without_url().to_string(),
            };
            reasons.push(format!("{url}: {reason}"));
        }
        // The documents' texts (an issuer they name) are the server's.
        let reason = if reasons.is_empty() {
            format!("{discovery:?} is not a valid URL")
        } else {
            reasons.join("; ")
        };
        Err(TokenError::Discovery {
            reason: self.redactor.string(reason),
        })
    }

    /// Asks for a metadata document, retrying transient failures (5xx,
    /// 408, 429, connection errors) as the client's policy says, with the
    /// wait the server asks for: discovery stands before every token.
    async fn get_metadata(&self, url: &Url) -> Result<Response, reqwest::Error> {
        let mut attempts = Attempts::new(&self.retries, self.clock.now());
        loop {
            let response = self
                .http
                .get(url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await;
            let (transient, asked) = match &response {
                Ok(response) => (
                    retry::is_retriable_status(response.status()),
                    retry::server_delay(
                        Some(response.status()),
                        response.headers(),
                        std::time::SystemTime::now(),
                    ),
                ),
                Err(error) => (retry::is_retriable_error(error), None),
            };
            let delay = transient
                .then(|| attempts.next_delay(asked, self.clock.now(), retry::jitter()))
                .flatten();
            let Some(delay) = delay else {
                return response;
            };
            tracing::debug!(
                %url,
                attempt = attempts.number() - 1,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "discovery request failed transiently: retrying"
            );
            self.clock.sleep(delay).await;
        }
    }

    /// Obtains a new token for `key`: by refresh token when the previous
    /// one has one, falling back to the credential's own grant.
    async fn fetch_token(
        &self,
        oauth: &OAuth2,
        token_url: &Url,
        key: &TokenKey,
        previous: Option<Arc<Token>>,
    ) -> Result<Token, TokenError> {
        let scope = key.scopes.join(" ");
        let pairs = |list: &[(String, String)]| -> Vec<(String, String)> {
            list.iter()
                .filter(|(name, _)| name != "grant_type")
                .map(|(name, value)| (name.clone(), oauth.fill(value)))
                .collect()
        };
        let headers = pairs(&oauth.token_headers);
        if let Some(refresh_token) = previous.as_ref().and_then(|t| t.refresh_token.as_ref()) {
            let refresh_url = match &oauth.refresh_url {
                Some(url) => self.resolve(url)?,
                None => token_url.clone(),
            };
            let mut params = vec![
                ("grant_type".to_owned(), "refresh_token".to_owned()),
                (
                    "refresh_token".to_owned(),
                    refresh_token.expose_secret().to_owned(),
                ),
            ];
            if !scope.is_empty() {
                params.push(("scope".to_owned(), scope.clone()));
            }
            params.extend(pairs(&oauth.refresh_params));
            let request = TokenRequest {
                url: &refresh_url,
                params,
                headers: headers.clone(),
                paths: oauth.response_paths.as_ref(),
                token_types: &oauth.token_types,
            };
            match self.exchange(oauth, &request, Resend::Retry).await {
                Ok(mut token) => {
                    // A refresh response without a refresh token keeps the
                    // old one; a rotated one replaces it.
                    if token.refresh_token.is_none() {
                        token.refresh_token = Some(refresh_token.clone());
                    }
                    return Ok(token);
                }
                Err(error) => {
                    // With rotating refresh tokens, `invalid_grant` may mean
                    // that another process sharing the store refreshed first
                    // (past its lease): the token it saved is used rather
                    // than a new grant.
                    if is_invalid_grant(&error) {
                        let now = self.clock.now();
                        if let Some(token) = self
                            .cache
                            .reread(key, previous.as_deref(), now, self.refresh_skew)
                            .await
                        {
                            tracing::debug!(
                                "refresh refused, and the token store has a fresh token: using it"
                            );
                            return Ok(token);
                        }
                    }
                    tracing::debug!(%error, "refresh failed; using the primary grant")
                }
            }
        }
        let mut params = vec![("grant_type".to_owned(), oauth.grant.grant_type().to_owned())];
        match &oauth.grant {
            Grant::Password { username, password } => {
                params.push(("username".to_owned(), username.clone()));
                params.push(("password".to_owned(), password.expose_secret().to_owned()));
            }
            Grant::Device { .. } => {
                return Err(TokenError::AuthorizationPending {
                    grant: "device authorization",
                    what: "call `Client::start_device_authorization` and wait for the user",
                });
            }
            Grant::AuthorizationCode(grant) => {
                if let Some(code) = &grant.code {
                    // A code is good once: sending it again makes servers
                    // revoke what it gave (RFC 6749 §4.1.2).
                    let digest = ring::digest::digest(
                        &ring::digest::SHA256,
                        code.expose_secret().as_bytes(),
                    );
                    let fresh = self
                        .redeemed_codes
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(digest.as_ref().to_vec());
                    if !fresh {
                        return Err(TokenError::AuthorizationPending {
                            grant: "authorization code",
                            what: "its code was redeemed and the token expired without a usable refresh token: authorize again",
                        });
                    }
                }
                let (Some(code), Some(verifier)) = (&grant.code, &grant.verifier) else {
                    return Err(TokenError::AuthorizationPending {
                        grant: "authorization code",
                        what: "send the user to `authorize()`'s URL and call `finish_authorization` with the code they bring back",
                    });
                };
                params.push(("code".to_owned(), code.expose_secret().to_owned()));
                params.push(("redirect_uri".to_owned(), grant.redirect_uri.clone()));
                params.push((
                    "code_verifier".to_owned(),
                    verifier.expose_secret().to_owned(),
                ));
            }
            Grant::ClientCredentials | Grant::Custom { .. } => {}
        }
        // The scopes of a code were chosen when the user authorized it.
        let is_code = matches!(oauth.grant, Grant::AuthorizationCode(_));
        if !scope.is_empty() && !is_code {
            params.push(("scope".to_owned(), scope));
        }
        params.extend(pairs(&oauth.extra_params));
        let request = TokenRequest {
            url: token_url,
            params,
            headers,
            paths: oauth.response_paths.as_ref(),
            token_types: &oauth.token_types,
        };
        // A one-time code is sent once: never again to probe client
        // authentication, nor after a failure (RFC 6749 §4.1.2).
        let resend = if is_code {
            Resend::Never
        } else {
            Resend::RetryAndProbe
        };
        self.exchange(oauth, &request, resend).await
    }

    /// Sends a token request with the configured client authentication;
    /// for [`ClientAuthMethod::Auto`], tries Basic then the body when
    /// `resend` allows probing, and remembers what worked.
    pub(crate) async fn exchange(
        &self,
        oauth: &OAuth2,
        request: &TokenRequest<'_>,
        resend: Resend,
    ) -> Result<Token, TokenError> {
        self.refuse_insecure(request.url)?;
        let may_probe = resend == Resend::RetryAndProbe;
        let once = RetryPolicy::none();
        let policy = match resend {
            Resend::Never => &once,
            Resend::Retry | Resend::RetryAndProbe => &self.retries,
        };
        let client = ClientIdentity {
            id: &oauth.client_id,
            secret: oauth.client_secret.as_ref(),
            signing_key: oauth.signing_key.as_deref(),
        };
        let send = |style| self.send_with_retries(request, &client, style, policy);
        let fixed = match oauth.client_auth {
            ClientAuthMethod::Basic => Some(ClientAuthStyle::Basic),
            ClientAuthMethod::Body => Some(ClientAuthStyle::Body),
            ClientAuthMethod::None => Some(ClientAuthStyle::None),
            ClientAuthMethod::PrivateKeyJwt => Some(ClientAuthStyle::PrivateKeyJwt),
            ClientAuthMethod::Auto if client.secret.is_none() => Some(ClientAuthStyle::None),
            ClientAuthMethod::Auto => None,
        };
        if let Some(style) = fixed {
            return send(style).await;
        }
        // Keyed by the token URL even for refresh requests sent elsewhere:
        // one authorization server, one way to authenticate the client.
        let memory_key = (oauth.token_url.clone(), oauth.client_id.clone());
        let remembered = self
            .client_auth_memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&memory_key)
            .copied();
        if let Some(style) = remembered {
            return send(style).await;
        }
        let remember = |style| {
            self.client_auth_memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(memory_key.clone(), style);
        };
        match send(ClientAuthStyle::Basic).await {
            Ok(token) => {
                remember(ClientAuthStyle::Basic);
                Ok(token)
            }
            Err(basic) if may_probe && oauth2::is_client_auth_rejection(&basic) => {
                match send(ClientAuthStyle::Body).await {
                    Ok(token) => {
                        remember(ClientAuthStyle::Body);
                        Ok(token)
                    }
                    Err(body) => Err(TokenError::ClientAuthFailed {
                        basic: Box::new(basic),
                        body: Box::new(body),
                    }),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Sends a token request with client authentication `style`, again on
    /// a connection error, a timeout, a 429 or a 5xx without an OAuth2
    /// error, as `policy` says; never on an OAuth2 error.
    /// Called inside the cache's single-flight gate, so that the callers
    /// waiting for one token share its retries rather than multiply them.
    async fn send_with_retries(
        &self,
        request: &TokenRequest<'_>,
        client: &ClientIdentity<'_>,
        style: ClientAuthStyle,
        policy: &RetryPolicy,
    ) -> Result<Token, TokenError> {
        let mut attempts = Attempts::new(policy, self.clock.now());
        loop {
            let attempt = attempts.number();
            let result = oauth2::request_token(
                &self.http,
                request,
                client,
                style,
                self.clock.now(),
                self.inspector.as_deref(),
                &self.redactor,
            )
            .await;
            let (transient, asked) = match &result {
                Err(TokenError::Status {
                    status,
                    retry_after,
                    ..
                }) => (
                    status.is_server_error() || *status == reqwest::StatusCode::TOO_MANY_REQUESTS,
                    *retry_after,
                ),
                Err(TokenError::Transport { source, .. }) => {
                    (retry::is_retriable_error(source), None)
                }
                _ => (false, None),
            };
            let delay = transient
                .then(|| attempts.next_delay(asked, self.clock.now(), retry::jitter()))
                .flatten();
            let Some(delay) = delay else {
                return result;
            };
            tracing::debug!(
                url = %request.url,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "token request failed transiently: retrying"
            );
            self.clock.sleep(delay).await;
        }
    }

    /// Refuses a request to `url` that carries a secret (a client secret,
    /// password, refresh token, code or device code) over plain HTTP to a
    /// host other than loopback, unless allowed: decided on the URL,
    /// before connecting or looking the host up.
    pub(crate) fn refuse_insecure(&self, url: &Url) -> Result<(), TokenError> {
        if self.allow_insecure_http || oauth2::is_secure_endpoint(url) {
            return Ok(());
        }
        Err(TokenError::InsecureUrl {
            url: url.to_string(),
        })
    }

    /// Resolves a URL from the document against the base URL (RFC 3986
    /// §5), the base URL's path taken as a directory: against
    /// `https://h/api`, `/oauth/token` is `https://h/oauth/token`, `token`
    /// is `https://h/api/token` and `../token` is `https://h/token`; an
    /// absolute URL stays. The base URL's query is not part of its path.
    ///
    /// `generator inspect` resolves with the same algorithm
    /// (`generator/src/model/urls.rs`, `resolve`), so that it shows the
    /// URL called here; `tests/tests/url_resolution.rs` holds the two to it.
    pub(crate) fn resolve(&self, url: &str) -> Result<Url, TokenError> {
        let invalid = |reason: String| TokenError::InvalidUrl {
            url: url.to_owned(),
            reason,
        };
        match Url::parse(url) {
            Ok(absolute) => Ok(absolute),
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                self.base.join(url).map_err(|e| invalid(e.to_string()))
            }
            Err(e) => Err(invalid(e.to_string())),
        }
    }
}

/// Whether the token endpoint refused the grant (RFC 6749 §5.2): for a
/// refresh, a refresh token that is expired, revoked or already used.
fn is_invalid_grant(error: &TokenError) -> bool {
    matches!(error, TokenError::OAuth2(e) if e.error == "invalid_grant")
}

/// Whether a token request may be sent more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Sent once: a one-time authorization code, or a device flow poll,
    /// whose polling loop is its own retry.
    Never,
    /// Sent again after a transient failure (a refresh, whose client
    /// authentication is not probed).
    Retry,
    /// Sent again after a transient failure, and under
    /// [`ClientAuthMethod::Auto`] with the client credentials in the body
    /// when the Basic header is refused.
    RetryAndProbe,
}

/// What applying an OAuth2 credential's tokens needs besides the
/// credential, worked out once rather than on every call: the parsed
/// header name, and per scope set the cache slot and token URL.
pub(crate) struct TokenState {
    /// The credential header's name, parsed; `None` when it is not a valid
    /// header name, which is reported when a token is applied.
    pub(crate) header_name: Option<HeaderName>,
    /// Filled on each scope set's first call (after discovery, for a
    /// credential that discovers its token endpoint); failures are not
    /// kept, so they are retried and reported on the next call.
    scoped: std::sync::RwLock<HashMap<ScopeSet, Arc<ScopedTokens>, BuildScopeSetHasher>>,
}

impl TokenState {
    pub(crate) fn new(oauth: &OAuth2) -> Self {
        TokenState {
            header_name: HeaderName::try_from(oauth.header.name.as_str()).ok(),
            scoped: std::sync::RwLock::default(),
        }
    }
}

/// Which scopes an operation asks for, by the address and length of its
/// `&'static` list: static data is never freed or changed, so one address
/// always means the same scopes (equal lists at different addresses merely
/// get an entry each, for the same cache slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ScopeSet(usize, usize);

impl ScopeSet {
    /// For credentials whose tokens do not depend on the operation's
    /// scopes (see [`uses_operation_scopes`]). No slice starts at address 0.
    const ANY: ScopeSet = ScopeSet(0, 0);

    fn of(scopes: &'static [&'static str]) -> Self {
        ScopeSet(scopes.as_ptr() as usize, scopes.len())
    }
}

/// Hashes [`ScopeSet`]s, two words, with a multiply per word (as FxHash
/// does) rather than SipHash, which took a quarter of a cache hit. Nothing
/// an attacker controls is hashed: the addresses are the program's own.
#[derive(Default)]
struct ScopeSetHasher(u64);

type BuildScopeSetHasher = std::hash::BuildHasherDefault<ScopeSetHasher>;

impl std::hash::Hasher for ScopeSetHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits, which pick the bucket, as
        // poorly spread as the aligned addresses; the high bits are mixed.
        self.0.rotate_left(26)
    }
}

/// An OAuth2 credential's tokens for one scope set.
pub(crate) struct ScopedTokens {
    /// The cache slot, whose key holds the scopes requested.
    pub(crate) slot: Arc<Slot>,
    /// Where the tokens come from: the credential's token URL resolved
    /// against the base URL, or the discovered token endpoint.
    pub(crate) token_url: Url,
    /// The header value last made from a token for this scope set: while
    /// the same token is served, it is not formatted and checked again.
    header: Mutex<Option<(Arc<Token>, HeaderValue)>>,
}

impl ScopedTokens {
    /// The header value carrying `token`.
    pub(crate) fn header_value(
        &self,
        token: &Arc<Token>,
        header: &CredentialHeader,
    ) -> Result<HeaderValue, Error> {
        let mut last = self.header.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((made_from, value)) = last.as_ref() {
            if Arc::ptr_eq(made_from, token) {
                return Ok(value.clone());
            }
        }
        let value = super::apply::header_value(header, &token.access_token)?;
        *last = Some((token.clone(), value.clone()));
        Ok(value)
    }
}

/// Whether `oauth`'s tokens are for the scopes of each operation, rather
/// than for scopes configured on the credential or authorized by the user.
fn uses_operation_scopes(oauth: &OAuth2) -> bool {
    oauth.scopes.is_none() && !oauth.is_interactive()
}

/// An authorization server metadata document, up to [`MAX_ENDPOINT_BODY`]
/// bytes; why not, as a discovery failure reason.
async fn read_metadata(mut response: Response) -> Result<Vec<u8>, String> {
    let too_large = || format!("the document is longer than {MAX_ENDPOINT_BODY} bytes");
    if declared_over(&response, MAX_ENDPOINT_BODY) {
        return Err(too_large());
    }
    let read = read_at_most(&mut response, MAX_ENDPOINT_BODY)
        .await
        .map_err(|e| e.without_url().to_string())?;
    if read.cut {
        return Err(too_large());
    }
    Ok(read.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    fn source(base_url: &str, allow_insecure_http: bool) -> TokenSource {
        TokenSource::new(TokenSettings {
            base_url: Url::parse(base_url).unwrap(),
            http: reqwest::Client::new(),
            clock: Arc::new(SystemClock),
            refresh_skew: None,
            default_lifetime: None,
            allow_insecure_http,
            redactor: Redactor::default(),
            inspector: None,
            store: None,
            store_settings: StoreSettings::default(),
            retries: RetryPolicy::default(),
        })
    }

    #[test]
    fn secrets_go_over_plain_http_only_to_loopback_unless_allowed() {
        let strict = source("https://api.example.com", false);
        for url in [
            "https://auth.example.com/token",
            "http://127.0.0.1:8080/token",
            "http://localhost/token",
        ] {
            assert!(strict.refuse_insecure(&Url::parse(url).unwrap()).is_ok());
        }
        let plain = Url::parse("http://auth.example.com/token").unwrap();
        assert!(matches!(
            strict.refuse_insecure(&plain),
            Err(TokenError::InsecureUrl { url }) if url == plain.as_str()
        ));
        assert!(source("https://api.example.com", true)
            .refuse_insecure(&plain)
            .is_ok());
    }

    #[tokio::test]
    async fn added_scopes_join_every_token_request_but_not_a_code_redemption() {
        let source = source("https://api.example.com", false);
        let scopes = |oauth: OAuth2, operation: &'static [&'static str]| {
            let source = &source;
            async move { source.token_key(&oauth, operation).await.unwrap().0.scopes }
        };
        let machine = OAuth2::client_credentials("o", "/t", "id", "s");
        assert_eq!(
            scopes(machine.clone().add_scopes(["offline_access"]), &["read"]).await,
            ["offline_access", "read"]
        );
        assert_eq!(
            scopes(
                machine
                    .scopes(["admin"])
                    .add_scopes(["offline_access", "admin"]),
                &["read"]
            )
            .await,
            ["admin", "offline_access"]
        );
        let code = OAuth2::authorization_code("c", "https://a/authorize", "/t", "id", "app:/cb")
            .add_scopes(["offline_access"]);
        assert!(scopes(code.clone(), &["read"]).await.is_empty());
        let authorize = code.scopes(["read"]).authorize().unwrap();
        let url = Url::parse(authorize.url()).unwrap();
        let scope = url.query_pairs().find(|(name, _)| name == "scope");
        assert_eq!(scope.unwrap().1, "read offline_access");
    }

    #[test]
    fn a_base_url_without_a_trailing_slash_is_a_directory() {
        let source = source("https://h/api", false);
        assert_eq!(
            source.resolve("token").unwrap().as_str(),
            "https://h/api/token"
        );
        assert_eq!(
            source.resolve("../token").unwrap().as_str(),
            "https://h/token"
        );
        assert!(matches!(
            source.resolve("https://[bad"),
            Err(TokenError::InvalidUrl { .. })
        ));
    }
}
