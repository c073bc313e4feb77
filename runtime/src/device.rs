//! The device authorization grant (RFC 8628): the request for the code a
//! user enters on another device (§3.1-3.2), and [`DeviceAuthorization`],
//! the handle that shows it and polls the token endpoint (§3.4-3.5) through
//! the client's token source, which caches the token for later calls.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::{Credential, Grant, OAuth2};
use crate::client::tokens::{Resend, ScopedTokens, TokenSource};
use crate::client::{Client, Configured};
use crate::error::{Error, TokenError};
use crate::oauth2::{read_endpoint_body, TokenRequest};
use crate::redact::Redactor;

/// The device authorization endpoint's answer.
#[derive(Debug)]
struct DeviceCode {
    device_code: SecretString,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_in: Duration,
    interval: Duration,
}

/// Asks the device authorization endpoint for a code, through `source`.
/// The client authenticates in the body when it has a secret, which is
/// then never sent over plain HTTP to a host other than loopback unless
/// allowed; an error the endpoint answers is kept with secrets redacted.
async fn request_code(
    source: &TokenSource,
    endpoint: &Url,
    oauth: &OAuth2,
    params: &[(String, String)],
) -> Result<DeviceCode, TokenError> {
    if oauth.client_secret.is_some() {
        source.refuse_insecure(endpoint)?;
    }
    let mut form: Vec<(&str, &str)> = params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    if let Some(secret) = &oauth.client_secret {
        form.push(("client_secret", secret.expose_secret()));
    }
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(form);
    let response = source
        .http
        .post(endpoint.clone())
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.finish())
        .send()
        .await
        .map_err(|source| TokenError::Transport {
            url: endpoint.to_string(),
            source: source.without_url(),
        })?;
    let status = response.status();
    let bytes = read_endpoint_body(response, endpoint).await?;
    parse(endpoint, status, &bytes, &source.redactor)
}

fn parse(
    endpoint: &Url,
    status: reqwest::StatusCode,
    body: &[u8],
    redactor: &Redactor,
) -> Result<DeviceCode, TokenError> {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    if let Some(error) = crate::oauth2::oauth2_error(&json, status, redactor) {
        return Err(TokenError::OAuth2(error));
    }
    let invalid = |reason: &str| TokenError::InvalidResponse {
        url: endpoint.to_string(),
        reason: reason.to_owned(),
    };
    if !status.is_success() {
        return Err(invalid(&format!("status {status}")));
    }
    let text = |name: &str| json.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let seconds = |name: &str| {
        json.get(name).and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        })
    };
    Ok(DeviceCode {
        device_code: SecretString::from(
            text("device_code").ok_or_else(|| invalid("no `device_code`"))?,
        ),
        user_code: text("user_code").ok_or_else(|| invalid("no `user_code`"))?,
        // Some servers (Google) say `verification_url`.
        verification_uri: text("verification_uri")
            .or_else(|| text("verification_url"))
            .ok_or_else(|| invalid("no `verification_uri`"))?,
        verification_uri_complete: text("verification_uri_complete"),
        expires_in: Duration::from_secs(seconds("expires_in").unwrap_or(600).min(86_400)),
        // RFC 8628 §3.2: 5 seconds when the server does not say.
        interval: Duration::from_secs(seconds("interval").unwrap_or(5).clamp(1, 300)),
    })
}

impl Client {
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
        let not_configured = || {
            Error::Config(format!(
                "no device authorization credentials for scheme `{scheme}`; configure them with `ClientBuilder::auth`"
            ))
        };
        let Some(Configured {
            credential: Credential::OAuth2(oauth),
            tokens: Some(tokens),
        }) = self.credential(scheme)
        else {
            return Err(not_configured());
        };
        let Grant::Device {
            device_authorization_url,
        } = &oauth.grant
        else {
            return Err(not_configured());
        };
        let source = self.token_source();
        let endpoint = source
            .resolve(device_authorization_url)
            .map_err(token_error)?;
        // A device grant's tokens do not depend on an operation's scopes.
        let scoped = source
            .scoped_tokens(tokens, oauth, &[])
            .await
            .map_err(token_error)?;
        let mut params = vec![("client_id".to_owned(), oauth.client_id.clone())];
        let scopes = oauth.authorization_scopes();
        if !scopes.is_empty() {
            params.push(("scope".to_owned(), scopes.join(" ")));
        }
        let started = source.clock.now();
        let answer = request_code(source, &endpoint, oauth, &params)
            .await
            .map_err(token_error)?;
        Ok(DeviceAuthorization {
            source,
            oauth,
            scheme: scheme.to_owned(),
            scoped,
            expires_at: started + answer.expires_in,
            interval: answer.interval,
            answer,
        })
    }
}

/// A device authorization in progress: show [`user_code`](Self::user_code)
/// and [`verification_uri`](Self::verification_uri) to the user, then
/// [`wait`](Self::wait).
pub struct DeviceAuthorization<'c> {
    /// The client's token source, which polls and caches the token.
    source: &'c TokenSource,
    oauth: &'c OAuth2,
    scheme: String,
    /// The cache slot the token goes to, and the token URL.
    scoped: Arc<ScopedTokens>,
    answer: DeviceCode,
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
        let clock = self.source.clock.clone();
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
            match self
                .source
                .exchange(self.oauth, &request, Resend::Never)
                .await
            {
                Ok(token) => {
                    self.source.store(&self.scoped.slot, token).await;
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
