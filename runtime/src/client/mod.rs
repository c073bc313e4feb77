//! The client shared by all generated clients: credential selection per
//! operation, sending, and the 401 retry. Around it, one module per seam:
//! `builder` configures and builds it, `tokens` is the token source (the
//! cache, discovery, client authentication and redeemed codes), `apply`
//! puts credentials on a request; the device flow's handle lives beside the
//! device authorization request in `device.rs`, and what generated code
//! calls in `codegen.rs`.
//!
//! Against a hostile or broken server the client keeps three promises:
//! credentials never go over plain HTTP to a host other than loopback
//! (unless `allow_insecure_http`), what the server sends back reaches
//! errors, logs and the inspector only with every secret redacted (see
//! `redact.rs`), and no response body is buffered past a limit (see
//! `body.rs`).

mod apply;
mod builder;
pub(crate) mod tokens;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, Response};
use tracing::Instrument;
use url::Url;

pub(crate) use self::apply::UsedTokens;
pub use self::builder::{ClientBuilder, GeneratedClient};
use self::tokens::{TokenSource, TokenState};
use crate::auth::Credential;
use crate::body::read_at_most;
use crate::codegen::Delivered;
use crate::error::{Error, RawResponse};
use crate::inspect::{header_pairs, redact_query, ApiExchange, Inspector};
use crate::oauth2;
use crate::redact::Redactor;
use crate::retry::{self, Attempts, RetryPolicy};
use crate::security::{ApiKeyLocation, Operation, SchemeUse};

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
    allow_insecure_http: bool,
    /// The most bytes of a success body read to decode it.
    max_response_body: usize,
    /// The most bytes of an error body kept in an error.
    max_error_body: usize,
    /// How failed calls are retried unless a call says otherwise.
    retries: RetryPolicy,
    /// Knows every configured secret; extended per exchange.
    redactor: Redactor,
    inspector: Option<Arc<dyn Inspector>>,
    /// Where OAuth2 tokens come from.
    tokens: TokenSource,
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
pub(crate) struct Configured {
    pub(crate) credential: Credential,
    /// `Some` exactly for OAuth2 credentials.
    pub(crate) tokens: Option<TokenState>,
}

/// As the credential alone (whose `Debug` holds no secret).
impl fmt::Debug for Configured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.credential.fmt(f)
    }
}

impl Client {
    /// The base URL calls go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The HTTP client requests are sent with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
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
    /// replayed. Transient failures are retried as the client's
    /// [`RetryPolicy`] says (see [`ClientBuilder::retries`]). Statuses
    /// other than 2xx become [`Error::Api`].
    pub async fn execute(
        &self,
        operation: &'static Operation,
        request: RequestBuilder,
    ) -> Result<Response, Error> {
        self.execute_with_retries(operation, request, &self.inner.retries)
            .await
    }

    /// As [`execute`](Self::execute), with `policy` instead of the
    /// client's for this one call: [`RetryPolicy::none`] to send it once,
    /// or [`RetryPolicy::retry_non_idempotent`] for a POST known to be safe
    /// to repeat.
    pub async fn execute_with_retries(
        &self,
        operation: &'static Operation,
        request: RequestBuilder,
        policy: &RetryPolicy,
    ) -> Result<Response, Error> {
        let span = tracing::debug_span!("api_request", operation = operation.id);
        self.execute_inner(operation, request, policy)
            .instrument(span)
            .await
    }

    async fn execute_inner(
        &self,
        operation: &'static Operation,
        request: RequestBuilder,
        policy: &RetryPolicy,
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
        // The request as the caller made it, before credentials are put on
        // it, to send again; `None` for a streaming body, sent once.
        let template = request.try_clone();
        let replay = || template.as_ref().and_then(reqwest::Request::try_clone);
        let may_retry = policy.may_replay(request.method(), request.headers());
        let clock = &self.inner.tokens.clock;
        let mut attempts = Attempts::new(policy, clock.now());
        let mut renewed = false;
        loop {
            let used = self.apply(schemes, &mut request).await?;
            let attempt = attempts.number();
            tracing::debug!(method = %request.method(), path = request.url().path(), attempt, "sending");
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
                    attempt,
                    retry_in: None,
                }
            });
            let response = self.inner.http.execute(request).await;
            let retry_in = match &response {
                _ if !may_retry || template.is_none() => None,
                Ok(response) if retry::is_retriable_status(response.status()) => {
                    let server = retry::server_delay(
                        Some(response.status()),
                        response.headers(),
                        SystemTime::now(),
                    );
                    attempts.next_delay(server, clock.now(), retry::jitter())
                }
                Err(error) if retry::is_retriable_error(error) => {
                    attempts.next_delay(None, clock.now(), retry::jitter())
                }
                _ => None,
            };
            if let Some(exchange) = &mut exchange {
                if let Ok(response) = &response {
                    exchange.status = Some(response.status().as_u16());
                    exchange.response_headers = header_pairs(response.headers());
                }
                exchange.retry_in = retry_in;
            }
            if let (Some(inspector), Some(mut exchange)) = (&self.inner.inspector, exchange) {
                exchange.redact(&used.redactor(&self.inner.redactor));
                inspector.api_exchange(&exchange);
            }
            if let Some((delay, again)) = retry_in.and_then(|delay| Some((delay, replay()?))) {
                let status = response.as_ref().ok().map(|r| r.status().as_u16());
                tracing::debug!(
                    attempt,
                    status,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "transient failure: retrying"
                );
                // The connection goes back to the pool (or closes) now.
                drop(response);
                clock.sleep(delay).await;
                request = again;
                continue;
            }
            let mut response = response.map_err(transport)?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !used.is_empty() {
                // The tokens are bad whether or not the call can be replayed.
                for used in used.iter() {
                    self.inner.tokens.reject(&used.slot, &used.token).await;
                }
                // Renewed at most once, and not counted as a retry.
                if let Some(again) = replay().filter(|_| !renewed) {
                    tracing::debug!("401 with a cached token: renewed it, retrying once");
                    renewed = true;
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

    /// The token source of the client's OAuth2 credentials.
    pub(crate) fn token_source(&self) -> &TokenSource {
        &self.inner.tokens
    }

    /// The credentials configured for `scheme`.
    pub(crate) fn credential(&self, scheme: &str) -> Option<&Configured> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::OAuth2;

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
            async move {
                client
                    .token_source()
                    .scoped_tokens(tokens, oauth, scopes)
                    .await
                    .unwrap()
            }
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
            client
                .token_source()
                .resolve("/oauth/token")
                .unwrap()
                .as_str(),
            "https://api.example.com/oauth/token"
        );
        assert_eq!(
            client.token_source().resolve("token").unwrap().as_str(),
            "https://api.example.com/v1/token"
        );
        assert_eq!(
            client
                .token_source()
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
