//! What generated code calls, and everything it names, at one path
//! (as tonic's `codegen`): generated code reaches it only as
//! `<runtime crate>::__private_v{major}_{minor}` (see the crate root), so
//! that a generated module and a runtime of different versions fail to
//! compile with one clear error rather than many confusing ones. Nothing
//! here is public API.
//!
//! Besides the re-exports, this holds the helpers a generated operation
//! is made of: sending the request its `send_raw` built, with the
//! builder's retry policy and the operation's documented error bodies
//! ([`send_request`] with [`ErrorBodies`], returning a [`Call`]), reading
//! a success body ([`decode_json`], for the enums of several success
//! bodies) and declared headers ([`header_value`]), turning an [`Error`]
//! into one with documented error bodies ([`Error::decode_body`],
//! [`error_json`]), filling a declared idempotency header
//! ([`idempotency_key`]), and reading credentials from the environment
//! ([`env_var`]).

use crate::body::{declared_over, read_at_most, DEFAULT_MAX_RESPONSE_BODY};
use crate::call::BoxFuture;
use crate::client::UsedTokens;
use crate::redact::Redactor;

pub use crate::auth::{
    ApiKey, Basic, Bearer, ClientAuthMethod, ClientCertificate, Credential, CredentialHeader,
    OAuth2, TokenResponsePaths,
};
pub use crate::call::{AsIs, Call, Decode, Decoding, Empty, Headers, Json};
pub use crate::client::{Client, ClientBuilder, GeneratedClient};
pub use crate::discovery::Discovery;
pub use crate::error::Error;
pub use crate::multipart::{FilePart, Multipart};
pub use crate::paginate::{items, page_request, pages, NextPage, PageStyle, Pagination};
pub use crate::params::{
    cookie_header, cookie_param, encode_body, header_param, path_param, query_param, BodyEncoding,
    Style,
};
pub use crate::response::{header_value, FromHeader, FromHeaders, Response as WithHeaders};
pub use crate::retry::RetryPolicy;
pub use crate::security::{ApiKeyLocation, Operation, SchemeUse};
pub use crate::serde_helpers::{
    deserialize_integer_enum, deserialize_string_enum, deserialize_tagged, from_value_untagged,
    serialize_integer_enum, serialize_string_enum, IntegerEnum, StringEnum,
};
pub use crate::{__integer_enum as integer_enum, __string_enum as string_enum};
pub use chrono;
pub use futures_core::Stream;
pub use reqwest::header::HeaderMap;
pub use reqwest::{Method, RequestBuilder, Response};
pub use secrecy::SecretString;
pub use serde;
pub use serde_json;
pub use uuid;

/// The name the hidden module generated code reaches this one through
/// must have: `__private_v{major}_{minor}` of this crate's version, the
/// name the generator of the same version writes.
const PRIVATE_MODULE: &str = concat!(
    "__private_v",
    env!("CARGO_PKG_VERSION_MAJOR"),
    "_",
    env!("CARGO_PKG_VERSION_MINOR")
);

/// Whether `name` is [`PRIVATE_MODULE`]; `const` so that the crate root
/// checks its hidden module's name at compile time.
pub(crate) const fn is_private_module_name(name: &str) -> bool {
    let (name, expected) = (name.as_bytes(), PRIVATE_MODULE.as_bytes());
    if name.len() != expected.len() {
        return false;
    }
    let mut i = 0;
    while i < name.len() {
        if name[i] != expected[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// What [`decode_json`] needs of the call that got a response, carried in
/// the response's extensions (generated code hands over only the
/// response).
#[derive(Clone)]
pub(crate) struct Delivered {
    pub(crate) max_body: usize,
    pub(crate) redactor: Redactor,
    pub(crate) tokens: UsedTokens,
}

/// Sends a request built by a generated builder's `send_raw`: with
/// `retries` when the builder was given a policy, otherwise with the
/// client's.
pub async fn execute(
    client: &Client,
    operation: &'static Operation,
    request: RequestBuilder,
    retries: Option<&RetryPolicy>,
) -> Result<Response, Error> {
    match retries {
        Some(policy) => {
            client
                .execute_with_retries(operation, request, policy)
                .await
        }
        None => client.execute(operation, request).await,
    }
}

/// Sends a request built by a generated builder's `send_raw` (see
/// [`execute`]); an error response whose status `errors` documents becomes
/// an [`Error::ErrorResponse`] with its decoded body. Written once here, so
/// that a generated `send_raw` is a plain function building the request,
/// with no future or closure of its own to compile.
pub fn send_request<'a, E>(
    client: &'a Client,
    operation: &'static Operation,
    request: RequestBuilder,
    retries: Option<RetryPolicy>,
    errors: ErrorBodies<E>,
) -> Call<'a, Response, E, AsIs> {
    Call::new(
        operation,
        sending(client, operation, request, retries),
        errors,
    )
}

/// [`execute`] as a boxed future, of one type whatever the operation's.
fn sending<'a>(
    client: &'a Client,
    operation: &'static Operation,
    request: RequestBuilder,
    retries: Option<RetryPolicy>,
) -> BoxFuture<'a, Result<Response, Error>> {
    Box::pin(async move { execute(client, operation, request, retries.as_ref()).await })
}

/// The documented error bodies of an operation, as generated code hands
/// them to [`send_request`]: data and a function the runtime instantiates,
/// not a closure per operation.
pub struct ErrorBodies<E> {
    /// The statuses whose bodies are documented, as inclusive ranges.
    statuses: &'static [(u16, u16)],
    /// Decodes a body of one of those statuses; `None` when it does not
    /// decode.
    decode: fn(u16, &[u8]) -> Option<E>,
}

impl<E> Clone for ErrorBodies<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for ErrorBodies<E> {}

impl ErrorBodies<std::convert::Infallible> {
    /// An operation documenting no error body: every error response stays
    /// an [`Error::Api`].
    pub const NONE: Self = ErrorBodies {
        statuses: &[],
        decode: no_error_body,
    };
}

impl<E> ErrorBodies<E> {
    /// Bodies of type `E`, as JSON, for the `statuses` (inclusive ranges;
    /// `(0, u16::MAX)` for a `default` response).
    pub const fn json(statuses: &'static [(u16, u16)]) -> Self
    where
        E: serde::de::DeserializeOwned,
    {
        ErrorBodies {
            statuses,
            decode: json_error_body,
        }
    }

    /// Bodies `decode` reads by status: an enum of the documented error
    /// responses, whose `decode` matches on the status.
    pub const fn by_status(decode: fn(u16, &[u8]) -> Option<E>) -> Self {
        ErrorBodies {
            statuses: &[(0, u16::MAX)],
            decode,
        }
    }

    /// The documented body of an error response, if `status` has one and
    /// `body` decodes.
    pub(crate) fn decode(&self, status: u16, body: &[u8]) -> Option<E> {
        let documented = self
            .statuses
            .iter()
            .any(|&(low, high)| (low..=high).contains(&status));
        documented.then(|| (self.decode)(status, body)).flatten()
    }
}

/// Fills the idempotency header `name` an operation declares with a fresh
/// UUID v4, unless the caller `set` it. Called once per `send_raw`, before
/// the first attempt, so every retry carries the same key. Should the
/// system's random source fail, the header is left out (and a POST or
/// PATCH is then not retried) rather than filled with a guessable key.
pub fn idempotency_key(request: RequestBuilder, name: &'static str, set: bool) -> RequestBuilder {
    use ring::rand::SecureRandom;

    if set {
        return request;
    }
    let mut bytes = [0u8; 16];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        return request;
    }
    let key = uuid::Builder::from_random_bytes(bytes).into_uuid();
    request.header(name, key.hyphenated().to_string())
}

/// Reads a success response as JSON of type `T`: at most
/// [`ClientBuilder::max_response_body`] bytes of it, read chunk by chunk.
/// A body that does not decode is kept in [`Error::Decode`] with secrets
/// redacted.
pub async fn decode_json<T: serde::de::DeserializeOwned, E>(
    operation: &'static Operation,
    mut response: Response,
) -> Result<T, Error<E>> {
    let (bytes, failed) = read_success_body(operation, &mut response).await?;
    serde_json::from_slice(&bytes).map_err(|source| failed(&bytes, source))
}

/// Reads a success response's body to decode it: at most
/// [`ClientBuilder::max_response_body`] bytes, read chunk by chunk. Also
/// returns what makes a decoding failure of those bytes an
/// [`Error::Decode`], with secrets redacted.
pub(crate) async fn read_success_body<E>(
    operation: &'static Operation,
    response: &mut Response,
) -> Result<(Vec<u8>, impl FnOnce(&[u8], serde_json::Error) -> Error<E>), Error<E>> {
    let delivered = response.extensions_mut().remove::<Delivered>();
    let limit = delivered
        .as_ref()
        .map_or(DEFAULT_MAX_RESPONSE_BODY, |delivered| delivered.max_body);
    let too_large = || Error::ResponseTooLarge {
        operation: operation.id,
        limit,
    };
    if declared_over(response, limit) {
        return Err(too_large());
    }
    let read = read_at_most(response, limit)
        .await
        .map_err(|source| Error::Transport {
            operation: operation.id,
            source: source.without_url(),
        })?;
    if read.cut {
        return Err(too_large());
    }
    let failed = move |bytes: &[u8], source: serde_json::Error| {
        let redactor = delivered
            .map(|delivered| delivered.tokens.redactor(&delivered.redactor))
            .unwrap_or_default();
        Error::Decode {
            operation: operation.id,
            body: redactor.bytes(bytes).into_owned(),
            source: redactor.json_error(source),
        }
    };
    Ok((read.bytes, failed))
}

impl Error {
    /// The same error as an error of an operation with documented error
    /// bodies: an [`Error::Api`] whose status and body `decode` accepts
    /// becomes an [`Error::ErrorResponse`]. Generated code calls this.
    #[doc(hidden)]
    pub fn decode_body<E>(self, decode: impl FnOnce(u16, &[u8]) -> Option<E>) -> Error<E> {
        match self {
            Error::Api {
                operation,
                status,
                response,
            } => match decode(status.as_u16(), &response.body) {
                Some(body) => Error::ErrorResponse {
                    operation,
                    status,
                    body: Box::new(body),
                    headers: Box::new(response.headers),
                },
                None => Error::Api {
                    operation,
                    status,
                    response,
                },
            },
            other => other.cast(),
        }
    }

    /// The same error as an error of any operation: without a documented
    /// body, it carries none.
    #[doc(hidden)]
    pub fn cast<E>(self) -> Error<E> {
        match self {
            Error::MissingCredentials {
                operation,
                alternatives,
            } => Error::MissingCredentials {
                operation,
                alternatives,
            },
            Error::Token { scheme, source } => Error::Token { scheme, source },
            Error::InsecureUrl { operation, url } => Error::InsecureUrl { operation, url },
            Error::Transport { operation, source } => Error::Transport { operation, source },
            Error::ErrorResponse { body, .. } => match *body {},
            Error::Api {
                operation,
                status,
                response,
            } => Error::Api {
                operation,
                status,
                response,
            },
            Error::Decode {
                operation,
                body,
                source,
            } => Error::Decode {
                operation,
                body,
                source,
            },
            Error::ResponseTooLarge { operation, limit } => {
                Error::ResponseTooLarge { operation, limit }
            }
            Error::Pagination { operation, reason } => Error::Pagination { operation, reason },
            Error::Environment { variable } => Error::Environment { variable },
            Error::Authorization(reason) => Error::Authorization(reason),
            Error::Config(reason) => Error::Config(reason),
        }
    }
}

/// No error body: what [`ErrorBodies::NONE`] decodes.
fn no_error_body(_: u16, _: &[u8]) -> Option<std::convert::Infallible> {
    None
}

/// [`error_json`] as [`ErrorBodies::json`] calls it.
fn json_error_body<T: serde::de::DeserializeOwned>(_: u16, body: &[u8]) -> Option<T> {
    error_json(body)
}

/// A documented error body, or `None` when `body` is not JSON of type `T`.
#[doc(hidden)]
pub fn error_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

/// The value of an environment variable, for `*_from_env` constructors.
pub fn env_var(variable: &'static str) -> Result<String, Error> {
    std::env::var(variable).map_err(|_| Error::Environment { variable })
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue};
    use reqwest::StatusCode;

    use super::*;
    use crate::error::RawResponse;

    fn sent_key(set: bool, preset: Option<&str>) -> Option<String> {
        let mut request = reqwest::Client::new().post("http://localhost/pets");
        if let Some(value) = preset {
            request = request.header("Idempotency-Key", value);
        }
        let request = idempotency_key(request, "Idempotency-Key", set)
            .build()
            .unwrap();
        let values: Vec<_> = request
            .headers()
            .get_all("idempotency-key")
            .iter()
            .collect();
        assert!(values.len() <= 1, "one key at most: {values:?}");
        values.first().map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn an_unset_idempotency_key_is_a_fresh_uuid_v4() {
        let (first, second) = (
            sent_key(false, None).unwrap(),
            sent_key(false, None).unwrap(),
        );
        for key in [&first, &second] {
            let parsed = uuid::Uuid::parse_str(key).unwrap();
            assert_eq!(parsed.get_version_num(), 4);
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(key, &parsed.hyphenated().to_string());
        }
        assert_ne!(first, second);
    }

    #[test]
    fn a_key_the_caller_set_is_kept() {
        assert_eq!(sent_key(true, Some("mine")).as_deref(), Some("mine"));
        assert_eq!(sent_key(true, None), None);
    }

    #[test]
    fn the_hidden_module_is_named_after_the_major_and_minor_version() {
        let version = env!("CARGO_PKG_VERSION");
        let mut parts = version.split('.');
        let (major, minor) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(is_private_module_name(&format!(
            "__private_v{major}_{minor}"
        )));
        assert!(!is_private_module_name("__private"));
        assert!(!is_private_module_name(&format!(
            "__private_v{major}_{minor}0"
        )));
        assert!(!is_private_module_name(&format!(
            "__private_w{major}_{minor}"
        )));
    }

    fn api_error(status: u16, body: &[u8]) -> Error {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("42"));
        Error::Api {
            operation: "getPet",
            status: StatusCode::from_u16(status).unwrap(),
            response: Box::new(RawResponse {
                headers,
                body: body.to_vec(),
                truncated: false,
            }),
        }
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Problem {
        title: String,
    }

    #[test]
    fn documented_error_bodies_are_decoded_and_others_kept_raw() {
        let decode = |status, body: &[u8]| match status {
            404 => error_json::<Problem>(body),
            _ => None,
        };
        let decoded = api_error(404, br#"{"title":"no such pet"}"#).decode_body(decode);
        let Error::ErrorResponse {
            operation,
            status,
            body,
            headers,
        } = decoded
        else {
            panic!("not decoded: {decoded:?}");
        };
        assert_eq!((operation, status.as_u16()), ("getPet", 404));
        assert_eq!(body.title, "no such pet");
        assert_eq!(headers["x-request-id"], "42");
        // Another status, or a body that is not the documented one, stays raw.
        for (status, body) in [(500, &br#"{"title":"x"}"#[..]), (404, b"not json")] {
            let kept = api_error(status, body).decode_body(decode);
            let Error::Api { response, .. } = kept else {
                panic!("not kept raw: {kept:?}");
            };
            assert_eq!(response.body, body);
        }
        let other = Error::Environment { variable: "KEY" }.decode_body(decode);
        assert!(matches!(other, Error::Environment { variable: "KEY" }));
    }

    #[test]
    fn error_bodies_decode_only_the_statuses_they_document() {
        let bodies = ErrorBodies::<Problem>::json(&[(400, 404), (500, 599)]);
        let body = br#"{"title":"bad"}"#;
        for status in [400, 404, 500, 599] {
            assert_eq!(
                bodies.decode(status, body),
                Some(Problem {
                    title: "bad".to_owned()
                }),
                "{status}"
            );
        }
        for status in [399, 405, 499, 600] {
            assert_eq!(bodies.decode(status, body), None, "{status}");
        }
        assert_eq!(bodies.decode(404, b"not json"), None);
        assert_eq!(ErrorBodies::NONE.decode(404, body), None);
        // By status: every status goes to the operation's own function.
        let by_status = ErrorBodies::by_status(|status, body| match status {
            409 => error_json::<Problem>(body),
            _ => None,
        });
        assert!(by_status.decode(409, body).is_some());
        assert_eq!(by_status.decode(404, body), None);
    }
}
