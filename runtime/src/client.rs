//! The client shared by all generated clients: configuration, credential
//! selection per operation, token acquisition through the cache, and sending.
//!
//! Against a hostile or broken server the client keeps three promises:
//! credentials never go over plain HTTP to a host other than loopback
//! (unless `allow_insecure_http`), what the server sends back reaches
//! errors, logs and the inspector only with every secret redacted (see
//! `redact.rs`), and no response body is buffered past a limit (see
//! `body.rs`).

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, COOKIE};
use reqwest::{Method, Request, RequestBuilder, Response};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use tracing::Instrument;
use url::Url;

use crate::auth::{ClientAuthMethod, Credential, CredentialHeader, Grant, OAuth2};
use crate::body::{
    declared_over, read_at_most, DEFAULT_MAX_ERROR_BODY, DEFAULT_MAX_RESPONSE_BODY,
    MAX_ENDPOINT_BODY,
};
use crate::cache::{Slot, TokenCache, TokenKey, TokenStore};
use crate::clock::{Clock, SystemClock};
use crate::connection::{Connection, Proxy, TlsVersion};
use crate::device;
use crate::discovery::{self, Discovery, Metadata};
use crate::error::{Error, RawResponse, TokenError};
use crate::inspect::{header_pairs, redact_query, ApiExchange, Inspector};
use crate::oauth2::{self, ClientAuthStyle, ClientIdentity, Token, TokenRequest};
use crate::redact::Redactor;
use crate::security::{ApiKeyLocation, Operation, SchemeUse};

/// Implemented by generated clients so that one [`ClientBuilder`] serves
/// them all. Not meant to be implemented by hand.
pub trait GeneratedClient: Sized {
    /// The first server URL of the document.
    const DEFAULT_BASE_URL: &'static str;
    /// Wraps a configured runtime client.
    fn from_runtime(client: Client) -> Self;
}

impl GeneratedClient for Client {
    const DEFAULT_BASE_URL: &'static str = "";
    fn from_runtime(client: Client) -> Self {
        client
    }
}

/// Configures a client: base URL, credentials per security scheme, and
/// connection settings. Generated clients return one from `Client::builder()`.
pub struct ClientBuilder<C = Client> {
    base_url: String,
    credentials: Vec<Credential>,
    http: Option<reqwest::Client>,
    connection: Connection,
    default_headers: Vec<(String, String)>,
    clock: Arc<dyn Clock>,
    refresh_skew: Duration,
    auto_refresh: bool,
    default_lifetime: Option<Duration>,
    allow_insecure_http: bool,
    max_response_body: usize,
    max_error_body: usize,
    inspector: Option<Arc<dyn Inspector>>,
    token_store: Option<Arc<dyn TokenStore>>,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("connection", &self.connection)
            .field("refresh_skew", &self.refresh_skew)
            .finish_non_exhaustive()
    }
}

impl<C: GeneratedClient> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self::new(C::DEFAULT_BASE_URL)
    }
}

impl<C: GeneratedClient> ClientBuilder<C> {
    /// A builder for a client of the API at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientBuilder {
            base_url: base_url.into(),
            credentials: Vec::new(),
            http: None,
            connection: Connection::default(),
            default_headers: Vec::new(),
            clock: Arc::new(SystemClock),
            refresh_skew: Duration::from_secs(60),
            auto_refresh: true,
            default_lifetime: None,
            allow_insecure_http: false,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            max_error_body: DEFAULT_MAX_ERROR_BODY,
            inspector: None,
            token_store: None,
            client: PhantomData,
        }
    }

    /// Replaces the base URL (by default the document's first server). Token
    /// URLs that the document gives as relative follow it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Adds credentials for one security scheme, replacing earlier ones for
    /// the same scheme.
    pub fn auth(mut self, credential: impl Into<Credential>) -> Self {
        let credential = credential.into();
        self.credentials
            .retain(|known| known.scheme() != credential.scheme());
        self.credentials.push(credential);
        self
    }

    /// Uses this HTTP client for API calls. Token requests keep a client of
    /// their own, which never follows redirects.
    ///
    /// Its redirect policy is its own: the client built by default follows
    /// redirects only within the request's origin (scheme, host and port),
    /// while reqwest's default policy follows them to other hosts, with
    /// credentials sent in custom headers or the query. Give it
    /// `redirect(reqwest::redirect::Policy::none())` when credentials must
    /// not follow a redirect.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The timeout of each request, API or token; 30 seconds by default.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connection.timeout = timeout;
        self
    }

    /// The timeout of establishing a connection; 10 seconds by default.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connection.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.connection.user_agent = Some(user_agent.into());
        self
    }

    /// Sends every request, API or token, through a proxy:
    /// `http://host:port`, `https://…` or `socks5://…`.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.connection.proxy = Some(Proxy {
            url: url.into(),
            credentials: None,
        });
        self
    }

    /// A proxy that wants a user name and password.
    pub fn proxy_with_credentials(
        mut self,
        url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        self.connection.proxy = Some(Proxy {
            url: url.into(),
            credentials: Some((username.into(), password.into())),
        });
        self
    }

    /// The oldest TLS version accepted; 1.2 unless raised to 1.3. Asking
    /// for 1.0 or 1.1 makes `build` fail.
    pub fn min_tls_version(mut self, version: TlsVersion) -> Self {
        self.connection.min_tls = Some(version);
        self
    }

    /// Trusts this root certificate (PEM) besides the built-in ones.
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.connection.root_certificates.push(pem.into());
        self
    }

    /// Presents this client certificate (mutual TLS): PEM holding the
    /// certificate chain and the private key.
    pub fn client_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.connection.identity = Some(SecretSlice::from(pem.into()));
        self
    }

    /// A header sent with every API request that does not set it, also
    /// through a client given to [`http_client`](Self::http_client).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// How long before expiry a token is renewed; 60 seconds by default, at
    /// most half the token's lifetime.
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.refresh_skew = skew;
        self
    }

    /// Whether tokens are renewed before they expire (the default). Off,
    /// a token is used until the API answers 401, then renewed.
    pub fn auto_refresh(mut self, on: bool) -> Self {
        self.auto_refresh = on;
        self
    }

    /// The lifetime assumed for tokens whose response gives no
    /// `expires_in`; without it they are used until the API rejects them.
    pub fn default_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = Some(lifetime);
        self
    }

    /// The clock that decides token expiry (for tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Keeps tokens in `store` as well as in memory, so they outlive the
    /// process (the in-memory cache stays in front of it).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Hands every token and API exchange, secrets redacted, to
    /// `inspector`.
    pub fn inspector(mut self, inspector: Arc<dyn Inspector>) -> Self {
        self.inspector = Some(inspector);
        self
    }

    /// Allows sending credentials over plain HTTP to hosts other than
    /// loopback (127.0.0.0/8, `::1`, `localhost`). Off by default: then a
    /// call whose request would carry an API key, a Basic or bearer
    /// credential or an OAuth2 token to an `http://` URL elsewhere fails
    /// with [`Error::InsecureUrl`], and a token request (client secret,
    /// password, refresh token, code) to one with
    /// [`TokenError::InsecureUrl`], before connecting or looking the host
    /// up. Calls that carry no credentials are not affected.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The most bytes of a success body read to decode it: 16 MiB by
    /// default. A longer body fails the call with
    /// [`Error::ResponseTooLarge`] once the limit is reached (at once when
    /// its declared `Content-Length` is over it), so memory stays bounded
    /// whatever the server sends. `send_raw` hands the body over unread
    /// and unlimited. Token endpoint, device authorization and discovery
    /// answers have a fixed limit of 1 MiB.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// The most bytes of an error response's body kept in
    /// [`Error::Api`]: 64 KiB by default. The rest is not read, and
    /// [`RawResponse::truncated`] says it was cut.
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.max_error_body = bytes;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        Url::parse(&base_url).map_err(|e| {
            Error::Config(format!(
                "base URL `{}` is not a valid absolute URL ({e}); set one with `base_url`",
                self.base_url
            ))
        })?;
        let mut headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|e| Error::Config(format!("default header name `{name}`: {e}")))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|e| Error::Config(format!("default header `{name}` value: {e}")))?;
            headers.append(name, value);
        }
        let redactor = Redactor::for_client(
            &self.credentials,
            self.connection
                .proxy
                .as_ref()
                .and_then(|proxy| proxy.credentials.as_ref()),
        );
        let mut connection = self.connection;
        for credential in &self.credentials {
            if let Credential::ClientCertificate(certificate) = credential {
                connection.identity = Some(certificate.pem.clone());
            }
        }
        let config_error = |e: reqwest::Error| Error::Config(format!("HTTP client: {e}"));
        let http = match self.http {
            Some(http) => http,
            None => connection
                .builder()?
                .redirect(same_origin_redirects())
                .build()
                .map_err(config_error)?,
        };
        let token_http = connection
            .builder()?
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(config_error)?;
        let credentials = self
            .credentials
            .into_iter()
            .map(|credential| {
                let tokens = match &credential {
                    Credential::OAuth2(oauth) => Some(TokenState::new(oauth)),
                    _ => None,
                };
                Configured { credential, tokens }
            })
            .collect();
        Ok(C::from_runtime(Client {
            inner: Arc::new(Inner {
                base_url,
                credentials,
                default_headers: headers,
                http,
                token_http,
                clock: self.clock,
                refresh_skew: self.auto_refresh.then_some(self.refresh_skew),
                default_lifetime: self.default_lifetime,
                allow_insecure_http: self.allow_insecure_http,
                max_response_body: self.max_response_body,
                max_error_body: self.max_error_body,
                redactor,
                tokens: TokenCache::with_store(self.token_store),
                client_auth_memory: Mutex::default(),
                metadata: tokio::sync::Mutex::default(),
                inspector: self.inspector,
                redeemed_codes: Mutex::default(),
            }),
        }))
    }
}

/// A configured client. Cheap to clone; clones share the token cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: String,
    credentials: Vec<Configured>,
    /// Added to every API request that does not set them itself, also when
    /// the user supplies the HTTP client.
    default_headers: HeaderMap,
    http: reqwest::Client,
    token_http: reqwest::Client,
    clock: Arc<dyn Clock>,
    /// `None` when auto-refresh is off.
    refresh_skew: Option<Duration>,
    default_lifetime: Option<Duration>,
    allow_insecure_http: bool,
    /// The most bytes of a success body read to decode it.
    max_response_body: usize,
    /// The most bytes of an error body kept in an error.
    max_error_body: usize,
    /// Knows every configured secret; extended per exchange.
    redactor: Redactor,
    tokens: TokenCache,
    /// What client authentication worked, per token URL and client id, for
    /// [`ClientAuthMethod::Auto`].
    client_auth_memory: Mutex<HashMap<(String, String), ClientAuthStyle>>,
    /// Authorization server metadata per discovery location.
    metadata: tokio::sync::Mutex<HashMap<Discovery, Arc<Metadata>>>,
    inspector: Option<Arc<dyn Inspector>>,
    /// SHA-256 digests of the authorization codes already sent.
    redeemed_codes: Mutex<std::collections::HashSet<Vec<u8>>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// A credential as the client keeps it, with what was worked out from it.
struct Configured {
    credential: Credential,
    /// `Some` exactly for OAuth2 credentials.
    tokens: Option<TokenState>,
}

/// As the credential alone (whose `Debug` holds no secret).
impl fmt::Debug for Configured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.credential.fmt(f)
    }
}

/// What applying an OAuth2 credential's tokens needs besides the
/// credential, worked out once rather than on every call: the parsed
/// header name, and per scope set the cache slot and token URL.
struct TokenState {
    /// The credential header's name, parsed; `None` when it is not a valid
    /// header name, which is reported when a token is applied.
    header_name: Option<HeaderName>,
    /// Filled on each scope set's first call (after discovery, for a
    /// credential that discovers its token endpoint); failures are not
    /// kept, so they are retried and reported on the next call.
    scoped: std::sync::RwLock<HashMap<ScopeSet, Arc<ScopedTokens>, BuildScopeSetHasher>>,
}

impl TokenState {
    fn new(oauth: &OAuth2) -> Self {
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
struct ScopedTokens {
    /// The cache slot, whose key holds the scopes requested.
    slot: Arc<Slot>,
    /// Where the tokens come from: the credential's token URL resolved
    /// against the base URL, or the discovered token endpoint.
    token_url: Url,
    /// The header value last made from a token for this scope set: while
    /// the same token is served, it is not formatted and checked again.
    header: Mutex<Option<(Arc<Token>, HeaderValue)>>,
}

impl ScopedTokens {
    /// The header value carrying `token`.
    fn header_value(
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
        let value = header_value(header, &token.access_token)?;
        *last = Some((token.clone(), value.clone()));
        Ok(value)
    }
}

/// Whether `oauth`'s tokens are for the scopes of each operation, rather
/// than for scopes configured on the credential or authorized by the user.
fn uses_operation_scopes(oauth: &OAuth2) -> bool {
    oauth.scopes.is_none() && !oauth.is_interactive()
}

/// A token applied to a request, remembered so a 401 can reject it.
#[derive(Clone)]
struct UsedToken {
    slot: Arc<Slot>,
    token: Arc<Token>,
}

/// The tokens applied to a request: rarely more than one, so the first is
/// kept inline and a call with a cached token allocates nothing for it.
#[derive(Default, Clone)]
struct UsedTokens {
    first: Option<UsedToken>,
    more: Vec<UsedToken>,
}

impl UsedTokens {
    fn push(&mut self, used: UsedToken) {
        if self.first.is_none() {
            self.first = Some(used);
        } else {
            self.more.push(used);
        }
    }

    fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    fn iter(&self) -> impl Iterator<Item = &UsedToken> {
        self.first.iter().chain(&self.more)
    }

    /// `redactor` knowing these access tokens too.
    fn redactor(&self, redactor: &Redactor) -> Redactor {
        redactor.with(
            self.iter()
                .map(|used| used.token.access_token.expose_secret()),
        )
    }
}

/// What [`decode_json`] needs of the call that got a response, carried in
/// the response's extensions (generated code hands over only the
/// response).
#[derive(Clone)]
struct Delivered {
    max_body: usize,
    redactor: Redactor,
    tokens: UsedTokens,
}

impl Client {
    /// The base URL calls go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// A request to `path` (which starts with `/`) under the base URL.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}{}", self.inner.base_url, path);
        self.inner.http.request(method, url)
    }

    /// Sends a request for `operation` with the credentials it needs: the
    /// first requirement alternative whose schemes all have credentials,
    /// tokens for exactly the scopes the operation declares. A 401 answer
    /// rejects the tokens used and retries once when the request can be
    /// replayed. Statuses other than 2xx become [`Error::Api`].
    pub async fn execute(
        &self,
        operation: &'static Operation,
        request: RequestBuilder,
    ) -> Result<Response, Error> {
        let span = tracing::debug_span!("api_request", operation = operation.id);
        self.execute_inner(operation, request)
            .instrument(span)
            .await
    }

    async fn execute_inner(
        &self,
        operation: &'static Operation,
        request: RequestBuilder,
    ) -> Result<Response, Error> {
        let transport = |source: reqwest::Error| Error::Transport {
            operation: operation.id,
            source: source.without_url(),
        };
        let mut request = request.build().map_err(transport)?;
        for (name, value) in &self.inner.default_headers {
            if !request.headers().contains_key(name) {
                request.headers_mut().append(name, value.clone());
            }
        }
        let schemes = self.select(operation)?;
        self.refuse_insecure(operation, schemes, request.url())?;
        let mut replay = request.try_clone();
        loop {
            let used = self.apply(schemes, &mut request).await?;
            tracing::debug!(method = %request.method(), path = request.url().path(), "sending");
            let mut exchange = self.inner.inspector.as_ref().map(|_| {
                let query_keys: Vec<&str> = self
                    .configured(schemes)
                    .filter_map(|(configured, _)| match &configured.credential {
                        Credential::ApiKey(key) if key.location == ApiKeyLocation::Query => {
                            Some(key.name.as_ref())
                        }
                        _ => None,
                    })
                    .collect();
                ApiExchange {
                    operation: operation.id,
                    method: request.method().to_string(),
                    url: redact_query(request.url(), &query_keys),
                    request_headers: header_pairs(request.headers()),
                    status: None,
                    response_headers: Vec::new(),
                }
            });
            let response = self.inner.http.execute(request).await;
            if let Some(exchange) = &mut exchange {
                if let Ok(response) = &response {
                    exchange.status = Some(response.status().as_u16());
                    exchange.response_headers = header_pairs(response.headers());
                }
            }
            if let (Some(inspector), Some(mut exchange)) = (&self.inner.inspector, exchange) {
                exchange.redact(&used.redactor(&self.inner.redactor));
                inspector.api_exchange(&exchange);
            }
            let mut response = response.map_err(transport)?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !used.is_empty() {
                // The tokens are bad whether or not the call can be replayed.
                for used in used.iter() {
                    self.inner.tokens.reject(&used.slot, &used.token).await;
                }
                if let Some(again) = replay.take() {
                    tracing::debug!("401 with a cached token: renewed it, retrying once");
                    request = again;
                    continue;
                }
            }
            if status.is_success() {
                response.extensions_mut().insert(Delivered {
                    max_body: self.inner.max_response_body,
                    redactor: self.inner.redactor.clone(),
                    tokens: used,
                });
                return Ok(response);
            }
            // The start of the body only, as the server may send without
            // end; secrets it echoes are redacted.
            let redactor = used.redactor(&self.inner.redactor);
            let headers = redactor.headers(response.headers().clone());
            let read = read_at_most(&mut response, self.inner.max_error_body)
                .await
                .map_err(transport)?;
            let body = if read.cut {
                redactor.cut(read.bytes)
            } else {
                redactor.bytes(&read.bytes).into_owned()
            };
            return Err(Error::Api {
                operation: operation.id,
                status,
                response: Box::new(RawResponse {
                    headers,
                    body,
                    truncated: read.cut,
                }),
            });
        }
    }

    /// Refuses a request to `url` that would carry credentials of `schemes`
    /// over plain HTTP to a host other than loopback, unless allowed:
    /// decided on the URL, before any token is fetched, connection made or
    /// name looked up. A client certificate is no secret sent as text, and
    /// a call that carries no credentials is not refused.
    fn refuse_insecure(
        &self,
        operation: &'static Operation,
        schemes: &'static [SchemeUse],
        url: &Url,
    ) -> Result<(), Error> {
        if self.inner.allow_insecure_http || oauth2::is_secure_endpoint(url) {
            return Ok(());
        }
        let sends_secrets = self.configured(schemes).any(|(configured, _)| {
            !matches!(configured.credential, Credential::ClientCertificate(_))
        });
        if !sends_secrets {
            return Ok(());
        }
        let mut shown = url.clone();
        shown.set_query(None);
        shown.set_fragment(None);
        Err(Error::InsecureUrl {
            operation: operation.id,
            url: shown.to_string(),
        })
    }

    fn credential(&self, scheme: &str) -> Option<&Configured> {
        self.inner
            .credentials
            .iter()
            .find(|configured| configured.credential.scheme() == scheme)
    }

    /// The first alternative whose schemes all have credentials (which
    /// [`configured`](Self::configured) then gives); an empty one when no
    /// alternative is satisfied and the operation allows anonymous calls.
    fn select(&self, operation: &'static Operation) -> Result<&'static [SchemeUse], Error> {
        for alternative in operation.alternatives {
            if alternative.is_empty() {
                continue;
            }
            if alternative
                .iter()
                .all(|required| self.credential(required.scheme).is_some())
            {
                return Ok(alternative);
            }
        }
        if operation.anonymous {
            return Ok(&[]);
        }
        Err(Error::MissingCredentials {
            operation: operation.id,
            alternatives: operation
                .alternatives
                .iter()
                .filter(|alternative| !alternative.is_empty())
                .map(|alternative| alternative.iter().map(|s| s.scheme).collect())
                .collect(),
        })
    }

    /// The credentials of schemes chosen by [`select`](Self::select), which
    /// are all configured.
    fn configured(
        &self,
        schemes: &'static [SchemeUse],
    ) -> impl Iterator<Item = (&Configured, &'static SchemeUse)> {
        schemes.iter().filter_map(|required| {
            self.credential(required.scheme)
                .map(|configured| (configured, required))
        })
    }

    async fn apply(
        &self,
        schemes: &'static [SchemeUse],
        request: &mut Request,
    ) -> Result<UsedTokens, Error> {
        let mut used = UsedTokens::default();
        for (configured, requirement) in self.configured(schemes) {
            match &configured.credential {
                Credential::OAuth2(oauth) => {
                    let tokens = configured
                        .tokens
                        .as_ref()
                        .expect("`build` prepares every OAuth2 credential");
                    let (scoped, slot, token) = self
                        .token(tokens, oauth, requirement.scopes)
                        .await
                        .map_err(|source| Error::Token {
                            scheme: oauth.scheme.to_string(),
                            source,
                        })?;
                    let name = tokens
                        .header_name
                        .as_ref()
                        .ok_or_else(|| invalid_header_name(&oauth.header))?;
                    let value = scoped.header_value(&token, &oauth.header)?;
                    request.headers_mut().insert(name.clone(), value);
                    used.push(UsedToken { slot, token });
                }
                Credential::Bearer(bearer) => {
                    set_header(request, &bearer.header, &bearer.token)?;
                }
                Credential::Basic(basic) => {
                    let encoded = crate::encoding::base64(
                        format!("{}:{}", basic.username, basic.password.expose_secret()).as_bytes(),
                    );
                    let basic_header = CredentialHeader::new("Authorization", "Basic {token}");
                    set_header(request, &basic_header, &SecretString::from(encoded))?;
                }
                Credential::ApiKey(key) => apply_api_key(request, key)?,
                // Presented by the TLS connection itself (see `build`).
                Credential::ClientCertificate(_) => {}
            }
        }
        Ok(used)
    }

    /// A token for `oauth` covering `scopes`, from the cache or the token
    /// endpoint; with the credential's tokens for `scopes` and the slot the
    /// token is cached in (another scope set's, when its token covers these
    /// scopes).
    async fn token(
        &self,
        tokens: &TokenState,
        oauth: &OAuth2,
        scopes: &'static [&'static str],
    ) -> Result<(Arc<ScopedTokens>, Arc<Slot>, Arc<Token>), TokenError> {
        let scoped = self.scoped_tokens(tokens, oauth, scopes).await?;
        let (slot, token) = self
            .inner
            .tokens
            .get_or_fetch(
                &scoped.slot,
                || self.inner.clock.now(),
                self.inner.refresh_skew,
                |previous| async {
                    let mut token = self
                        .fetch_token(
                            oauth,
                            &scoped.token_url,
                            &scoped.slot.key().scopes,
                            previous,
                        )
                        .await?;
                    if token.expires_at.is_none() {
                        token.expires_at = self
                            .inner
                            .default_lifetime
                            .and_then(|lifetime| token.obtained_at.checked_add(lifetime));
                    }
                    Ok(token)
                },
            )
            .await?;
        Ok((scoped, slot, token))
    }

    /// The cache slot and token URL of `oauth`'s tokens for `scopes`:
    /// worked out on the first call for the scope set, then remembered, so
    /// that a cached token is found without parsing the token URL or
    /// building and hashing its cache key again.
    async fn scoped_tokens(
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
            slot: self.inner.tokens.slot(key),
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

    /// Starts the device authorization grant (RFC 8628) of the credentials
    /// configured for `scheme`: asks the device authorization endpoint for
    /// a code to show the user. [`DeviceAuthorization::wait`] then polls
    /// until they entered it, and later calls use the token and refresh it.
    pub async fn start_device_authorization(
        &self,
        scheme: &str,
    ) -> Result<DeviceAuthorization<'_>, Error> {
        let token_error = |source| Error::Token {
            scheme: scheme.to_owned(),
            source,
        };
        let (oauth, tokens) = match self.credential(scheme) {
            Some(Configured {
                credential: Credential::OAuth2(oauth),
                tokens: Some(tokens),
            }) if matches!(oauth.grant, Grant::Device { .. }) => (oauth, tokens),
            _ => {
                return Err(Error::Config(format!(
                    "no device authorization credentials for scheme `{scheme}`; configure them with `ClientBuilder::auth`"
                )))
            }
        };
        let Grant::Device {
            device_authorization_url,
        } = &oauth.grant
        else {
            unreachable!("matched above");
        };
        let endpoint = self
            .resolve(device_authorization_url)
            .map_err(token_error)?;
        // A device grant's tokens do not depend on an operation's scopes.
        let scoped = self
            .scoped_tokens(tokens, oauth, &[])
            .await
            .map_err(token_error)?;
        let mut params = vec![("client_id".to_owned(), oauth.client_id.clone())];
        if let Some(scopes) = oauth.scopes.as_ref().filter(|s| !s.is_empty()) {
            params.push(("scope".to_owned(), scopes.join(" ")));
        }
        let started = self.inner.clock.now();
        let answer = device::request_code(
            &self.inner.token_http,
            &endpoint,
            oauth,
            &params,
            self.inner.allow_insecure_http,
            &self.inner.redactor,
        )
        .await
        .map_err(token_error)?;
        Ok(DeviceAuthorization {
            client: self,
            oauth,
            scheme: scheme.to_owned(),
            scoped,
            expires_at: started + answer.expires_in,
            interval: answer.interval,
            answer,
        })
    }

    /// The authorization server's metadata, fetched once and cached.
    async fn discover(&self, discovery: &Discovery) -> Result<Arc<Metadata>, TokenError> {
        let mut cache = self.inner.metadata.lock().await;
        if let Some(metadata) = cache.get(discovery) {
            return Ok(metadata.clone());
        }
        let candidates = discovery::candidates(discovery, |url| self.resolve(url).ok());
        let mut reasons = Vec::new();
        for url in candidates {
            let response = self
                .inner
                .token_http
                .get(url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await;
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
            reason: self.inner.redactor.string(reason),
        })
    }

    /// Obtains a new token: by refresh token when the previous one has one,
    /// falling back to the credential's own grant.
    async fn fetch_token(
        &self,
        oauth: &OAuth2,
        token_url: &Url,
        scopes: &[String],
        previous: Option<Arc<Token>>,
    ) -> Result<Token, TokenError> {
        let scope = scopes.join(" ");
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
            match self.exchange(oauth, &request, false).await {
                Ok(mut token) => {
                    // A refresh response without a refresh token keeps the
                    // old one; a rotated one replaces it.
                    if token.refresh_token.is_none() {
                        token.refresh_token = Some(refresh_token.clone());
                    }
                    return Ok(token);
                }
                Err(error) => {
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
                        .inner
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
        // A one-time code is never used to probe client authentication.
        self.exchange(oauth, &request, !is_code).await
    }

    /// Sends a token request with the configured client authentication;
    /// for [`ClientAuthMethod::Auto`], tries Basic then the body, unless
    /// `may_probe` is false, and remembers what worked.
    async fn exchange(
        &self,
        oauth: &OAuth2,
        request: &TokenRequest<'_>,
        may_probe: bool,
    ) -> Result<Token, TokenError> {
        if !self.inner.allow_insecure_http && !oauth2::is_secure_endpoint(request.url) {
            return Err(TokenError::InsecureUrl {
                url: request.url.to_string(),
            });
        }
        let client = ClientIdentity {
            id: &oauth.client_id,
            secret: oauth.client_secret.as_ref(),
            signing_key: oauth.signing_key.as_deref(),
        };
        let now = || self.inner.clock.now();
        let send = |style| {
            oauth2::request_token(
                &self.inner.token_http,
                request,
                &client,
                style,
                now(),
                self.inner.inspector.as_deref(),
                &self.inner.redactor,
            )
        };
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
            .inner
            .client_auth_memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&memory_key)
            .copied();
        if let Some(style) = remembered {
            return send(style).await;
        }
        let remember = |style| {
            self.inner
                .client_auth_memory
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

    /// Resolves a URL from the document against the base URL (RFC 3986
    /// §5), the base URL's path taken as a directory: against
    /// `https://h/api`, `/oauth/token` is `https://h/oauth/token`, `token`
    /// is `https://h/api/token` and `../token` is `https://h/token`; an
    /// absolute URL stays. The base URL's query is not part of its path.
    ///
    /// `generator inspect` resolves with the same algorithm
    /// (`generator/src/model/security.rs`, `resolve`), so that it shows the
    /// URL called here; `tests/tests/url_resolution.rs` holds the two to it.
    fn resolve(&self, url: &str) -> Result<Url, TokenError> {
        let invalid = |reason: String| TokenError::InvalidUrl {
            url: url.to_owned(),
            reason,
        };
        match Url::parse(url) {
            Ok(absolute) => Ok(absolute),
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                let mut base =
                    Url::parse(&self.inner.base_url).map_err(|e| invalid(e.to_string()))?;
                if !base.path().ends_with('/') {
                    let directory = format!("{}/", base.path());
                    base.set_path(&directory);
                }
                base.join(url).map_err(|e| invalid(e.to_string()))
            }
            Err(e) => Err(invalid(e.to_string())),
        }
    }
}

/// Redirects within the origin of the request are followed (up to 10);
/// a redirect elsewhere is returned as the response, so credentials in
/// custom headers or the query never reach another host. The origin holds
/// the scheme, host and port: a redirect from `https` to `http` is never
/// followed, nor one from loopback to another host, so a redirect cannot
/// take credentials where [`Client::refuse_insecure`] would not send them.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > 10 {
            attempt.error("too many redirects")
        } else if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Sets the header a credential goes in; the scheme's credential replaces a
/// header of the same name set by hand (an `Authorization` header, say).
fn set_header(
    request: &mut Request,
    header: &CredentialHeader,
    credential: &SecretString,
) -> Result<(), Error> {
    let name =
        HeaderName::try_from(header.name.as_str()).map_err(|_| invalid_header_name(header))?;
    let value = header_value(header, credential)?;
    request.headers_mut().insert(name, value);
    Ok(())
}

fn invalid_header_name(header: &CredentialHeader) -> Error {
    Error::Config(format!("`{}` is not a valid header name", header.name))
}

/// `header`'s value pattern with `credential` filled in, marked sensitive.
fn header_value(
    header: &CredentialHeader,
    credential: &SecretString,
) -> Result<HeaderValue, Error> {
    let filled = header
        .pattern
        .replace("{token}", credential.expose_secret());
    let mut value = HeaderValue::try_from(filled).map_err(|_| {
        Error::Config(format!(
            "the credential for the `{}` header is not a valid header value",
            header.name
        ))
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn apply_api_key(request: &mut Request, key: &crate::auth::ApiKey) -> Result<(), Error> {
    let value = key.pattern.replace("{token}", key.key.expose_secret());
    let secret = value.as_str();
    match key.location {
        ApiKeyLocation::Header => {
            let header = CredentialHeader::new(key.name.as_ref(), key.pattern.as_ref());
            set_header(request, &header, &key.key)?;
        }
        ApiKeyLocation::Query => {
            request
                .url_mut()
                .query_pairs_mut()
                .append_pair(&key.name, secret);
        }
        ApiKeyLocation::Cookie => {
            let pair = format!("{}={}", key.name, secret);
            let cookie = match request.headers().get(COOKIE).and_then(|v| v.to_str().ok()) {
                Some(existing) => format!("{existing}; {pair}"),
                None => pair,
            };
            let mut value = HeaderValue::try_from(cookie).map_err(|_| {
                Error::Config(format!(
                    "the key for `{}` is not a valid cookie value",
                    key.name
                ))
            })?;
            value.set_sensitive(true);
            request.headers_mut().insert(COOKIE, value);
        }
    }
    Ok(())
}

/// A device authorization in progress: show [`user_code`](Self::user_code)
/// and [`verification_uri`](Self::verification_uri) to the user, then
/// [`wait`](Self::wait).
pub struct DeviceAuthorization<'c> {
    client: &'c Client,
    oauth: &'c OAuth2,
    scheme: String,
    /// The cache slot the token goes to, and the token URL.
    scoped: Arc<ScopedTokens>,
    answer: device::DeviceCode,
    expires_at: std::time::Instant,
    interval: Duration,
}

impl fmt::Debug for DeviceAuthorization<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("scheme", &self.scheme)
            .field("user_code", &self.answer.user_code)
            .field("verification_uri", &self.answer.verification_uri)
            .finish_non_exhaustive()
    }
}

impl DeviceAuthorization<'_> {
    /// The code the user enters.
    pub fn user_code(&self) -> &str {
        &self.answer.user_code
    }

    /// Where the user enters it.
    pub fn verification_uri(&self) -> &str {
        &self.answer.verification_uri
    }

    /// The verification URL with the code filled in, when the server gives
    /// one (for a QR code, say).
    pub fn verification_uri_complete(&self) -> Option<&str> {
        self.answer.verification_uri_complete.as_deref()
    }

    /// Polls the token endpoint until the user approved (RFC 8628 §3.5):
    /// at the server's interval, five seconds slower after each
    /// `slow_down`, until `authorization_pending` ends, the user denies, or
    /// the code expires. A poll that cannot reach the server, or that it
    /// answers with a 5xx or 429 status, doubles the interval (up to five
    /// minutes) rather than ending the wait, as §3.5 asks for connection
    /// timeouts; should the code expire meanwhile, that failure is the
    /// error. The token is cached for later calls.
    pub async fn wait(mut self) -> Result<(), Error> {
        const LONGEST_INTERVAL: Duration = Duration::from_secs(300);
        let clock = self.client.inner.clock.clone();
        let fail = |source| Error::Token {
            scheme: self.scheme.clone(),
            source,
        };
        let mut transient: Option<TokenError> = None;
        loop {
            clock.sleep(self.interval).await;
            if clock.now() >= self.expires_at {
                return Err(fail(transient.unwrap_or_else(|| {
                    TokenError::DeviceAuthorization(
                        "the device code expired before the user approved".to_owned(),
                    )
                })));
            }
            let request = TokenRequest {
                url: &self.scoped.token_url,
                params: vec![
                    (
                        "grant_type".to_owned(),
                        crate::auth::DEVICE_CODE_GRANT.to_owned(),
                    ),
                    (
                        "device_code".to_owned(),
                        self.answer.device_code.expose_secret().to_owned(),
                    ),
                ],
                headers: Vec::new(),
                paths: self.oauth.response_paths.as_ref(),
                token_types: &self.oauth.token_types,
            };
            match self.client.exchange(self.oauth, &request, false).await {
                Ok(token) => {
                    let now = self.client.inner.clock.now();
                    self.client
                        .inner
                        .tokens
                        .store(&self.scoped.slot, token, now)
                        .await;
                    return Ok(());
                }
                Err(TokenError::OAuth2(e)) if e.error == "authorization_pending" => {
                    transient = None;
                }
                Err(TokenError::OAuth2(e)) if e.error == "slow_down" => {
                    transient = None;
                    self.interval += Duration::from_secs(5);
                }
                Err(error @ TokenError::Transport { .. }) => {
                    transient = Some(error);
                    self.interval = (self.interval * 2).min(LONGEST_INTERVAL);
                }
                Err(error @ TokenError::Status { status, .. })
                    if status.is_server_error()
                        || status == reqwest::StatusCode::TOO_MANY_REQUESTS =>
                {
                    tracing::debug!(%status, "device flow: the token endpoint failed; polling less often");
                    transient = Some(error);
                    self.interval = (self.interval * 2).min(LONGEST_INTERVAL);
                }
                Err(TokenError::OAuth2(e)) if e.error == "access_denied" => {
                    return Err(fail(TokenError::DeviceAuthorization(
                        "the user denied the authorization".to_owned(),
                    )));
                }
                Err(TokenError::OAuth2(e)) if e.error == "expired_token" => {
                    return Err(fail(TokenError::DeviceAuthorization(
                        "the device code expired before the user approved".to_owned(),
                    )));
                }
                Err(other) => return Err(fail(other)),
            }
        }
    }
}

/// The value of an environment variable, for `*_from_env` constructors.
pub fn env_var(variable: &'static str) -> Result<String, Error> {
    std::env::var(variable).map_err(|_| Error::Environment { variable })
}

/// Reads a success response as JSON of type `T`: at most
/// [`ClientBuilder::max_response_body`] bytes of it, read chunk by chunk.
/// A body that does not decode is kept in [`Error::Decode`] with secrets
/// redacted.
pub async fn decode_json<T: serde::de::DeserializeOwned, E>(
    operation: &'static Operation,
    mut response: Response,
) -> Result<T, Error<E>> {
    let delivered = response.extensions_mut().remove::<Delivered>();
    let limit = delivered
        .as_ref()
        .map_or(DEFAULT_MAX_RESPONSE_BODY, |delivered| delivered.max_body);
    let too_large = || Error::ResponseTooLarge {
        operation: operation.id,
        limit,
    };
    if declared_over(&response, limit) {
        return Err(too_large());
    }
    let read = read_at_most(&mut response, limit)
        .await
        .map_err(|source| Error::Transport {
            operation: operation.id,
            source: source.without_url(),
        })?;
    if read.cut {
        return Err(too_large());
    }
    serde_json::from_slice(&read.bytes).map_err(|source| {
        let redactor = delivered
            .map(|delivered| delivered.tokens.redactor(&delivered.redactor))
            .unwrap_or_default();
        Error::Decode {
            operation: operation.id,
            body: redactor.bytes(&read.bytes).into_owned(),
            source: redactor.json_error(source),
        }
    })
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

/// Sends a request (the generated builder's `send_raw`) and reads the
/// success response as JSON of type `T`: the whole of a generated `send`,
/// written once here rather than as an `async fn` per operation.
pub async fn send_json<T: serde::de::DeserializeOwned, E>(
    operation: &'static Operation,
    raw: impl std::future::Future<Output = Result<Response, Error<E>>>,
) -> Result<T, Error<E>> {
    decode_json(operation, raw.await?).await
}

/// Sends a request (the generated builder's `send_raw`) whose success
/// response has no body worth reading, and drops the response.
pub async fn send_empty<E>(
    raw: impl std::future::Future<Output = Result<Response, Error<E>>>,
) -> Result<(), Error<E>> {
    drop(raw.await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    static NEEDS_OAUTH_OR_KEY: Operation = Operation {
        id: "getPet",
        alternatives: &[
            &[SchemeUse {
                scheme: "oauth",
                scopes: &["read"],
            }],
            &[
                SchemeUse {
                    scheme: "key",
                    scopes: &[],
                },
                SchemeUse {
                    scheme: "basic",
                    scopes: &[],
                },
            ],
        ],
        anonymous: false,
    };

    fn client(credentials: Vec<Credential>) -> Client {
        let mut builder = ClientBuilder::<Client>::new("https://api.example.com/v1");
        for credential in credentials {
            builder = builder.auth(credential);
        }
        builder.build().unwrap()
    }

    #[test]
    fn selection_takes_the_first_alternative_fully_configured() {
        let key = Credential::from(crate::auth::ApiKey::new(
            "key",
            ApiKeyLocation::Query,
            "k",
            "secret",
        ));
        let basic = Credential::from(crate::auth::Basic::new("basic", "u", "p"));
        let client = client(vec![key.clone()]);
        let err = client.select(&NEEDS_OAUTH_OR_KEY).unwrap_err();
        assert_eq!(
            err.to_string(),
            "operation `getPet` needs credentials for one of: oauth; key + basic; \
             configure one with `ClientBuilder::auth`"
        );
        let client = self::client(vec![key, basic]);
        let selected = client.select(&NEEDS_OAUTH_OR_KEY).unwrap();
        let schemes: Vec<_> = client
            .configured(selected)
            .map(|(c, _)| c.credential.scheme())
            .collect();
        assert_eq!(schemes, ["key", "basic"]);
    }

    #[tokio::test]
    async fn each_scope_set_is_resolved_once_and_equal_scopes_share_a_slot() {
        static READ: &[&str] = &["read"];
        static READ_AGAIN: &[&str] = &["read", "read"];
        static WRITE: &[&str] = &["write"];
        let oauth = OAuth2::client_credentials("oauth", "/oauth/token", "id", "secret");
        let configured_scopes =
            OAuth2::client_credentials("fixed", "/t", "id", "secret").scopes(["admin"]);
        let client = client(vec![oauth.into(), configured_scopes.into()]);
        let scoped = |scheme: &str, scopes: &'static [&'static str]| {
            let configured = client.credential(scheme).unwrap();
            let Credential::OAuth2(oauth) = &configured.credential else {
                unreachable!("an OAuth2 credential")
            };
            let tokens = configured.tokens.as_ref().unwrap();
            let client = &client;
            async move { client.scoped_tokens(tokens, oauth, scopes).await.unwrap() }
        };
        let read = scoped("oauth", READ).await;
        assert_eq!(
            read.token_url.as_str(),
            "https://api.example.com/oauth/token"
        );
        assert_eq!(read.slot.key().scopes, ["read"]);
        assert!(Arc::ptr_eq(&read, &scoped("oauth", READ).await));
        assert!(Arc::ptr_eq(
            &read.slot,
            &scoped("oauth", READ_AGAIN).await.slot
        ));
        assert!(!Arc::ptr_eq(&read.slot, &scoped("oauth", WRITE).await.slot));
        // Configured scopes replace the operation's: one entry for all.
        let fixed = scoped("fixed", READ).await;
        assert!(Arc::ptr_eq(&fixed, &scoped("fixed", WRITE).await));
        assert_eq!(fixed.slot.key().scopes, ["admin"]);
    }

    #[test]
    fn relative_token_urls_resolve_against_the_base_url() {
        let client = client(Vec::new());
        assert_eq!(
            client.resolve("/oauth/token").unwrap().as_str(),
            "https://api.example.com/oauth/token"
        );
        assert_eq!(
            client.resolve("token").unwrap().as_str(),
            "https://api.example.com/v1/token"
        );
        assert_eq!(
            client
                .resolve("https://auth.example.com/t")
                .unwrap()
                .as_str(),
            "https://auth.example.com/t"
        );
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let builder = ClientBuilder::<Client>::new("https://api.example.com")
            .auth(
                OAuth2::client_credentials("o", "https://a/t", "id", "s3cr3t-client")
                    .token_param("client_assertion", "s3cr3t-assertion"),
            )
            .auth(crate::auth::Basic::new("b", "user", "s3cr3t-password"))
            .auth(crate::auth::Bearer::new("t", "s3cr3t-token"));
        let text = format!("{builder:?}");
        let text = format!("{text} {:?}", builder.build().unwrap());
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("id") && text.contains("user"), "{text}");
    }
}
