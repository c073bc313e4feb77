//! [`ClientBuilder`]: the configuration of a client, checked and turned
//! into HTTP clients, a redactor and a token source by `build`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{SecretSlice, SecretString};
use url::Url;

use super::tokens::{TokenSettings, TokenSource, TokenState};
use super::{Client, Configured, Inner};
use crate::auth::Credential;
use crate::body::{DEFAULT_MAX_ERROR_BODY, DEFAULT_MAX_RESPONSE_BODY};
use crate::cache::StoreSettings;
use crate::clock::{Clock, SystemClock};
use crate::connection::{Connection, Proxy, TlsVersion};
use crate::error::Error;
use crate::inspect::Inspector;
use crate::redact::Redactor;
use crate::retry::RetryPolicy;
use crate::store::TokenStore;

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
    token_http: Option<reqwest::Client>,
    retries: RetryPolicy,
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
    store_settings: StoreSettings,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("connection", &self.connection)
            .field("refresh_skew", &self.refresh_skew)
            .field("retries", &self.retries)
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
            token_http: None,
            retries: RetryPolicy::default(),
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
            store_settings: StoreSettings::default(),
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

    /// Uses this HTTP client for token, device authorization and discovery
    /// requests, so that a company network's proxy and TLS settings apply
    /// to them as to API calls. Give it
    /// `redirect(reqwest::redirect::Policy::none())`: the client built by
    /// default never follows a token endpoint's redirect, which could take
    /// the client secret elsewhere.
    pub fn token_http_client(mut self, client: reqwest::Client) -> Self {
        self.token_http = Some(client);
        self
    }

    /// How failed requests are retried, API and token alike: by default at
    /// most 2 retries with exponential backoff and full jitter, within 60
    /// seconds; [`RetryPolicy::none`] turns retries off. One call can
    /// override it with [`Client::execute_with_retries`].
    pub fn retries(mut self, policy: RetryPolicy) -> Self {
        self.retries = policy;
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

    /// The clock that decides token expiry and times the waits between
    /// retries (for tests: a [`ManualClock`](crate::clock::ManualClock)
    /// moves by each wait at once).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Keeps tokens in `store` as well as in memory, so they outlive the
    /// process and the processes sharing the store make one token request
    /// between them (the in-memory cache stays in front of it: a cached
    /// token never touches the store). See [`crate::store`].
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// The bound of every token store operation (500 ms by default): a
    /// store that fails or does not answer within it is skipped, and
    /// tokens are fetched directly, so it can delay a call by at most
    /// this once, and never fail it. The store is tried again `retry_after`
    /// later (5 s by default, [`Self::token_store_retry_after`]).
    pub fn token_store_timeout(mut self, timeout: Duration) -> Self {
        self.store_settings.timeout = timeout;
        self
    }

    /// How long a store that failed is skipped before it is tried again
    /// (5 s by default).
    pub fn token_store_retry_after(mut self, retry_after: Duration) -> Self {
        self.store_settings.retry_after = retry_after;
        self
    }

    /// The lease that lets one process of those sharing a token store
    /// fetch or refresh a token while the others wait: taken for `ttl`
    /// (10 s by default; a holder that dies blocks the others at most that
    /// long), and waited for at most `wait` (15 s by default) before a
    /// process fetches by itself.
    pub fn token_store_lease(mut self, ttl: Duration, wait: Duration) -> Self {
        self.store_settings.lease_ttl = ttl;
        self.store_settings.lease_wait = wait;
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
    /// [`TokenError::InsecureUrl`](crate::TokenError::InsecureUrl), before
    /// connecting or looking the host up. Calls that carry no credentials
    /// are not affected.
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
    /// [`RawResponse::truncated`](crate::RawResponse::truncated) says it
    /// was cut.
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.max_error_body = bytes;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let parsed_base_url = Url::parse(&base_url).map_err(|e| {
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
        let token_http = match self.token_http {
            Some(http) => http,
            None => connection
                .builder()?
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(config_error)?,
        };
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
        let tokens = TokenSource::new(TokenSettings {
            base_url: parsed_base_url,
            http: token_http,
            clock: self.clock,
            refresh_skew: self.auto_refresh.then_some(self.refresh_skew),
            default_lifetime: self.default_lifetime,
            allow_insecure_http: self.allow_insecure_http,
            redactor: redactor.clone(),
            inspector: self.inspector.clone(),
            store: self.token_store,
            store_settings: self.store_settings,
            retries: self.retries.clone(),
        });
        Ok(C::from_runtime(Client {
            inner: Arc::new(Inner {
                base_url,
                credentials,
                default_headers: headers,
                http,
                allow_insecure_http: self.allow_insecure_http,
                max_response_body: self.max_response_body,
                max_error_body: self.max_error_body,
                retries: self.retries,
                redactor,
                inspector: self.inspector,
                tokens,
            }),
        }))
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
