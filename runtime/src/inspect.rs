//! An inspection hook: every token exchange and API exchange handed to a
//! user's [`Inspector`] with secrets redacted, so a test or a tool can show
//! what went over the wire, as integration platforms' test tabs do.
//! Secret parameters and credential headers are redacted by name; what the
//! server sends back (a token response, response headers) also has every
//! configured or exchanged secret replaced, in whatever form it is echoed
//! (see `redact.rs`).

use crate::redact::Redactor;

/// What replaces a secret in an exchange, an error or a log.
pub const REDACTED: &str = "[redacted]";

/// Form parameters shown as they are; every other value (secrets, and
/// extra parameters that may hold credentials) is redacted.
const PLAIN_PARAMS: &[&str] = &[
    "grant_type",
    "scope",
    "client_id",
    "username",
    "redirect_uri",
    "client_assertion_type",
    "audience",
    "resource",
];

/// Headers whose values are credentials whoever set them.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
];

/// Response members whose values are secrets.
const SECRET_MEMBERS: &[&str] = &["access_token", "refresh_token", "id_token"];

/// Receives exchanges as they happen. Both methods do nothing by default.
/// Called on the task making the request: keep it quick.
pub trait Inspector: Send + Sync {
    /// A request to a token endpoint and its answer.
    fn token_exchange(&self, exchange: &TokenExchange) {
        let _ = exchange;
    }

    /// A request to the API and its answer.
    fn api_exchange(&self, exchange: &ApiExchange) {
        let _ = exchange;
    }
}

/// A token request and response, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenExchange {
    /// The token endpoint.
    pub url: String,
    /// How the client authenticated: `basic`, `body` or `none`.
    pub client_auth: &'static str,
    /// Request headers; the Basic credential and configured extra headers
    /// are redacted.
    pub request_headers: Vec<(String, String)>,
    /// The form sent; secret parameters are redacted.
    pub request_form: Vec<(String, String)>,
    /// The response status; `None` when no response came.
    pub status: Option<u16>,
    /// The response body with tokens redacted; `None` when no response came.
    pub response_body: Option<String>,
}

/// An API request and response, credentials redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiExchange {
    /// The operation's id.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: String,
    /// The URL, API keys in the query redacted.
    pub url: String,
    /// Request headers; credentials are redacted.
    pub request_headers: Vec<(String, String)>,
    /// The response status; `None` when no response came.
    pub status: Option<u16>,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Which attempt of the call this was, from 1 (a request sent again
    /// after a 401 keeps the number of the attempt it repeats).
    pub attempt: u32,
    /// The wait chosen before the next attempt; `None` when this one is
    /// not retried.
    pub retry_in: Option<std::time::Duration>,
}

/// Whether a token request parameter is shown as it is: the others may be
/// secrets.
pub(crate) fn is_plain_param(name: &str) -> bool {
    PLAIN_PARAMS.contains(&name)
}

/// Whether a header's value is a credential whoever set it.
pub(crate) fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

impl TokenExchange {
    /// Replaces what `redactor` knows wherever a server's answer could
    /// echo it.
    pub(crate) fn redact(&mut self, redactor: &Redactor) {
        self.url = redactor.string(std::mem::take(&mut self.url));
        if let Some(body) = self.response_body.take() {
            self.response_body = Some(redactor.string(body));
        }
    }
}

impl ApiExchange {
    /// Replaces what `redactor` knows in the URL and the headers (a
    /// server may echo a credential in a response header; a header set by
    /// hand may hold one).
    pub(crate) fn redact(&mut self, redactor: &Redactor) {
        self.url = redactor.string(std::mem::take(&mut self.url));
        for (_, value) in self
            .request_headers
            .iter_mut()
            .chain(&mut self.response_headers)
        {
            *value = redactor.string(std::mem::take(value));
        }
    }
}

pub(crate) fn redact_form(form: &[(&str, &str)]) -> Vec<(String, String)> {
    form.iter()
        .map(|(name, value)| {
            let value = if is_plain_param(name) {
                value
            } else {
                REDACTED
            };
            ((*name).to_owned(), value.to_owned())
        })
        .collect()
}

/// A token response body with every token replaced, also at a configured
/// token path; a body that is not JSON is only measured.
pub(crate) fn redact_token_body(body: &[u8], token_path: Option<&str>) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut json) => {
            redact_members(&mut json);
            if let Some(path) = token_path {
                let path = path.strip_prefix("$.").unwrap_or(path);
                let target = path
                    .split('.')
                    .try_fold(&mut json, |value, step| match value {
                        serde_json::Value::Array(items) => {
                            items.get_mut(step.parse::<usize>().ok()?)
                        }
                        other => other.get_mut(step),
                    });
                if let Some(value) = target {
                    *value = serde_json::Value::String(REDACTED.to_owned());
                }
            }
            json.to_string()
        }
        Err(_) => format!("[{} bytes, not JSON]", body.len()),
    }
}

fn redact_members(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Object(members) => {
            for (name, value) in members.iter_mut() {
                if SECRET_MEMBERS.contains(&name.as_str()) {
                    *value = serde_json::Value::String(REDACTED.to_owned());
                } else {
                    redact_members(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_members),
        _ => {}
    }
}

/// Headers as text pairs; sensitive values (credentials) redacted.
pub(crate) fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if value.is_sensitive() || is_secret_header(name.as_str()) {
                REDACTED.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// A URL with the values of `secret_params` in its query redacted.
pub(crate) fn redact_query(url: &url::Url, secret_params: &[&str]) -> String {
    if secret_params.is_empty() || url.query().is_none() {
        return url.to_string();
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(name, value)| {
            let value = if secret_params.contains(&name.as_ref()) {
                REDACTED.to_owned()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    let mut redacted = url.clone();
    redacted.query_pairs_mut().clear().extend_pairs(pairs);
    redacted.to_string()
}

/// The start of a success response's body for a tool to show (such as
/// `generator call`): at most `limit` bytes, with every configured secret
/// and every token used for the call replaced, in whatever form the API
/// echoes it. Also says whether the body went on past `limit`. Reads only
/// what a response of `Client::execute` carries; for another response,
/// nothing is known to redact.
pub async fn read_redacted_body(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let redactor = response
        .extensions()
        .get::<crate::codegen::Delivered>()
        .map(|delivered| delivered.tokens.redactor(&delivered.redactor))
        .unwrap_or_default();
    let read = crate::body::read_at_most(response, limit).await?;
    let body = if read.cut {
        redactor.cut(read.bytes)
    } else {
        redactor.bytes(&read.bytes).into_owned()
    };
    Ok((body, read.cut))
}

/// The claims of each JSON Web Token used as an access token for the call
/// that got `response` (a response of `Client::execute`): the token's
/// payload, decoded and not verified, so that a tool can show what a token
/// grants (`scope`, `aud`, `exp`) without showing the token. Opaque tokens
/// are left out.
pub fn access_token_claims(response: &reqwest::Response) -> Vec<serde_json::Value> {
    use secrecy::ExposeSecret;
    let Some(delivered) = response.extensions().get::<crate::codegen::Delivered>() else {
        return Vec::new();
    };
    delivered
        .tokens
        .iter()
        .filter_map(|used| jwt_claims(used.token.access_token.expose_secret()))
        .collect()
}

/// The payload of a compact JWS (`header.payload.signature`) when it is a
/// JSON object.
fn jwt_claims(token: &str) -> Option<serde_json::Value> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = crate::encoding::decode_base64url(payload)?;
    serde_json::from_slice(&bytes)
        .ok()
        .filter(serde_json::Value::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_wherever_they_appear() {
        let form = redact_form(&[
            ("grant_type", "password"),
            ("password", "hunter2"),
            ("username", "ann"),
            ("x_secret_param", "{client_secret} filled in"),
        ]);
        assert_eq!(form[3].1, REDACTED);
        assert_eq!(form[1], ("password".to_owned(), REDACTED.to_owned()));
        assert_eq!(form[2], ("username".to_owned(), "ann".to_owned()));
        let body = redact_token_body(
            br#"{"access_token":"a","data":{"refresh_token":"r","tok":"t"},"expires_in":5}"#,
            Some("data.tok"),
        );
        assert!(!body.contains("\"t\""), "{body}");
        assert_eq!(redact_token_body(b"token=abc", None), "[9 bytes, not JSON]");
        assert!(!body.contains("\"a\"") && !body.contains("\"r\""), "{body}");
        assert!(body.contains("expires_in"), "{body}");
        let url = url::Url::parse("https://h/p?api_key=k1&limit=2").unwrap();
        assert_eq!(
            redact_query(&url, &["api_key"]),
            "https://h/p?api_key=%5Bredacted%5D&limit=2"
        );
    }

    /// A JWT's payload is read; an opaque token or one whose payload is
    /// not a JSON object gives nothing.
    #[test]
    fn claims_are_read_from_jwts_only() {
        let payload = crate::encoding::base64url(br#"{"scope":"read","sub":"alice"}"#);
        let claims = jwt_claims(&format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln")).unwrap();
        assert_eq!(claims["scope"], "read");
        assert!(jwt_claims("opaque-token").is_none());
        let number = crate::encoding::base64url(b"42");
        assert!(jwt_claims(&format!("a.{number}.b")).is_none());
        assert!(jwt_claims(&format!("a.{payload}.b.c")).is_none());
    }
}
