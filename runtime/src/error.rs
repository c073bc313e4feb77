//! Errors of a generated client's calls, split by cause.
//!
//! What a server sent back (error bodies and headers, OAuth2 error
//! descriptions, quoted bodies, decoding errors quoting a value) is kept
//! with every configured or exchanged secret replaced by `[redacted]`, so
//! that `Display`, `Debug` and logs of these errors never show one,
//! whatever the server echoes.

use std::convert::Infallible;
use std::fmt;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// A failed call. `E` is the type of the error bodies the operation
/// documents ([`Error::ErrorResponse`]); operations that document none use
/// `Error<Infallible>`, which is plain `Error`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E = Infallible> {
    /// No configured credentials satisfy any of the operation's security
    /// requirements, and the operation does not allow anonymous calls. The
    /// request was not sent.
    #[error(
        "operation `{operation}` needs credentials for {}; configure one with `ClientBuilder::auth`",
        describe_alternatives(.alternatives)
    )]
    MissingCredentials {
        /// The operation's id.
        operation: &'static str,
        /// The alternatives that would satisfy it, each a list of scheme names.
        alternatives: Vec<Vec<&'static str>>,
    },
    /// A token could not be obtained for a scheme.
    #[error("could not obtain a token for security scheme `{scheme}`")]
    Token {
        /// The security scheme.
        scheme: String,
        /// Why.
        #[source]
        source: TokenError,
    },
    /// The operation's request would carry credentials over plain HTTP
    /// to a host other than loopback (127.0.0.0/8, `::1`, `localhost`),
    /// decided on the URL alone: it was not sent, nor a token fetched for
    /// it, nor the host's name looked up.
    #[error("refusing to send credentials over plain HTTP to {url} (operation `{operation}`); use https, or allow it with `ClientBuilder::allow_insecure_http`")]
    InsecureUrl {
        /// The operation's id.
        operation: &'static str,
        /// The request's URL, without its query.
        url: String,
    },
    /// The request could not be sent or the response not read.
    #[error("request for operation `{operation}` failed")]
    Transport {
        /// The operation's id.
        operation: &'static str,
        /// The underlying error, without the URL (which may hold an API key).
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error response the document describes,
    /// and its body decoded as documented.
    #[error("operation `{operation}` returned {status}")]
    ErrorResponse {
        /// The operation's id.
        operation: &'static str,
        /// The response status.
        status: StatusCode,
        /// The decoded body.
        body: Box<E>,
        /// The response's headers.
        headers: Box<HeaderMap>,
    },
    /// The server answered with a status the operation does not treat as
    /// success, and a body the document does not describe for it (or one
    /// that does not decode as described). The raw response is kept.
    #[error("operation `{operation}` returned {status}")]
    Api {
        /// The operation's id.
        operation: &'static str,
        /// The response status.
        status: StatusCode,
        /// The response's headers and body.
        response: Box<RawResponse>,
    },
    /// A success response whose body does not match the documented type.
    #[error("could not decode the response of operation `{operation}`")]
    Decode {
        /// The operation's id.
        operation: &'static str,
        /// The response body as received, secrets redacted.
        body: Vec<u8>,
        /// The decoding error (its message redacted when it quoted a
        /// secret).
        #[source]
        source: serde_json::Error,
    },
    /// A success response's body is longer than the client reads to
    /// decode; reading stopped at the limit (or before reading, when the
    /// declared `Content-Length` was over it).
    #[error("the response of operation `{operation}` is longer than {limit} bytes, the most the client reads; raise the limit with `ClientBuilder::max_response_body`")]
    ResponseTooLarge {
        /// The operation's id.
        operation: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A page of a list named a next page that cannot be followed: on
    /// another origin than its own (where the operation's credentials
    /// would go), not a valid URL, or a page already fetched. The pages
    /// before it were delivered.
    #[error("could not follow the pages of operation `{operation}`: {reason}")]
    Pagination {
        /// The operation's id.
        operation: &'static str,
        /// What the server sent.
        reason: String,
    },
    /// A `*_from_env` constructor found a variable unset or not Unicode.
    #[error("environment variable `{variable}` is not set")]
    Environment {
        /// The variable.
        variable: &'static str,
    },
    /// An authorization code grant could not start or finish.
    #[error("authorization: {0}")]
    Authorization(String),
    /// The client was configured wrongly.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

fn describe_alternatives(alternatives: &[Vec<&'static str>]) -> String {
    let described: Vec<String> = alternatives.iter().map(|all| all.join(" + ")).collect();
    match described.len() {
        0 => "a security scheme the document does not define".to_owned(),
        1 => format!("scheme {}", described[0]),
        _ => format!("one of: {}", described.join("; ")),
    }
}

/// A response kept in an error: its headers and the start of its body
/// (64 KiB by default, see `ClientBuilder::max_error_body`), with every
/// configured or exchanged secret replaced by `[redacted]`.
#[derive(Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The response headers, secrets redacted.
    pub headers: HeaderMap,
    /// The response body, or its start when [`truncated`](Self::truncated);
    /// secrets redacted.
    pub body: Vec<u8>,
    /// Whether the body went on past what was kept (and was not read
    /// further).
    pub truncated: bool,
}

/// The body as text (lossily, and its start only), not a list of bytes.
impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 1024;
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(SHOWN)]);
        let mut debug = f.debug_struct("RawResponse");
        debug.field("headers", &self.headers).field("body", &text);
        if self.body.len() > SHOWN {
            debug.field("body_len", &self.body.len());
        }
        if self.truncated {
            debug.field("truncated", &true);
        }
        debug.finish()
    }
}

/// Why a token could not be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token endpoint answered with an RFC 6749 §5.2 error.
    #[error(transparent)]
    OAuth2(OAuth2ErrorResponse),
    /// The token endpoint answered with an error status and no OAuth2 error.
    #[error("token endpoint {url} returned {status}: {body}")]
    Status {
        /// The token endpoint.
        url: String,
        /// The response status.
        status: StatusCode,
        /// The start of the response body.
        body: String,
        /// The wait the server asked for before another attempt
        /// (`Retry-After` and the like), which retries honour.
        retry_after: Option<std::time::Duration>,
    },
    /// A success response without a usable access token.
    #[error("token endpoint {url} returned no usable token: {reason}")]
    InvalidResponse {
        /// The token endpoint.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A success response issued a token of a type other than `Bearer`
    /// (RFC 6749 §7.1), such as `mac` or `DPoP`, which would not work as
    /// a bearer token. No API request was made with it.
    #[error("token endpoint {url} issued a token of type `{token_type}`, which is not supported (only Bearer tokens are); if the API takes it as a bearer token, accept the type with `OAuth2::accept_token_type`")]
    UnsupportedTokenType {
        /// The token endpoint.
        url: String,
        /// The `token_type` of the response.
        token_type: String,
    },
    /// A token endpoint, device authorization endpoint or metadata
    /// document answered with a body longer than such answers ever need;
    /// it was not read past the limit.
    #[error(
        "{url} answered with a body longer than {limit} bytes, the most the client reads from it"
    )]
    ResponseTooLarge {
        /// The endpoint.
        url: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// Both ways of sending client credentials were refused.
    #[error("the token endpoint refused the client credentials both in a Basic header ({basic}) and in the request body ({body})")]
    ClientAuthFailed {
        /// The answer to the Basic header.
        basic: Box<TokenError>,
        /// The answer to the credentials in the body.
        body: Box<TokenError>,
    },
    /// The authorization server's metadata could not be found or read.
    #[error("authorization server discovery failed: {reason}")]
    Discovery {
        /// What each location answered.
        reason: String,
    },
    /// A grant that needs a user has not been through its interactive
    /// step, or its token expired without a usable refresh token.
    #[error("the {grant} grant needs a user: {what}")]
    AuthorizationPending {
        /// The grant.
        grant: &'static str,
        /// What to do.
        what: &'static str,
    },
    /// The user denied a device authorization, or its code expired.
    #[error("device authorization failed: {0}")]
    DeviceAuthorization(String),
    /// A client assertion (`private_key_jwt`) could not be made.
    #[error("client assertion: {0}")]
    Assertion(String),
    /// The token URL would send secrets over plain HTTP to another host.
    #[error("refusing to send credentials over plain HTTP to {url}; use https, or allow it with `ClientBuilder::allow_insecure_http`")]
    InsecureUrl {
        /// The token endpoint.
        url: String,
    },
    /// The token URL is not a valid URL.
    #[error("invalid token URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as configured.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The token endpoint could not be reached.
    #[error("could not reach token endpoint {url}")]
    Transport {
        /// The token endpoint.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
}

/// An error response from a token endpoint (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2ErrorResponse {
    /// The error code, such as `invalid_client` or `invalid_scope`.
    pub error: String,
    /// The human-readable description, when given.
    pub error_description: Option<String>,
    /// A page about the error, when given.
    pub error_uri: Option<String>,
    /// The HTTP status of the response.
    pub status: StatusCode,
}

impl fmt::Display for OAuth2ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "token endpoint returned `{}` ({})",
            self.error, self.status
        )?;
        if let Some(description) = &self.error_description {
            write!(f, ": {description}")?;
        }
        if let Some(uri) = &self.error_uri {
            write!(f, " (see {uri})")?;
        }
        Ok(())
    }
}

impl std::error::Error for OAuth2ErrorResponse {}

impl<E> Error<E> {
    /// The HTTP status of an API error response, if this is one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } | Error::ErrorResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The decoded body of a documented error response, if this is one.
    pub fn error_body(&self) -> Option<&E> {
        match self {
            Error::ErrorResponse { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The OAuth2 error code a token endpoint answered with, if any.
    pub fn oauth2_error(&self) -> Option<&OAuth2ErrorResponse> {
        match self {
            Error::Token { source, .. } => source.oauth2_error(),
            _ => None,
        }
    }
}

impl TokenError {
    /// The OAuth2 error the token endpoint answered with; when both ways of
    /// client authentication failed, the answer to the request body.
    pub fn oauth2_error(&self) -> Option<&OAuth2ErrorResponse> {
        match self {
            TokenError::OAuth2(e) => Some(e),
            TokenError::ClientAuthFailed { body, .. } => body.oauth2_error(),
            _ => None,
        }
    }
}
