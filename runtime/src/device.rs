//! The device authorization request (RFC 8628 §3.1-3.2): the code a user
//! enters on another device. Polling the token endpoint lives with the
//! client, which owns the cache the token goes to.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::OAuth2;
use crate::error::TokenError;
use crate::oauth2::read_endpoint_body;
use crate::redact::Redactor;

/// The device authorization endpoint's answer.
#[derive(Debug)]
pub(crate) struct DeviceCode {
    pub(crate) device_code: SecretString,
    pub(crate) user_code: String,
    pub(crate) verification_uri: String,
    pub(crate) verification_uri_complete: Option<String>,
    pub(crate) expires_in: Duration,
    pub(crate) interval: Duration,
}

/// Asks the device authorization endpoint for a code. The client
/// authenticates in the body when it has a secret, which is then never
/// sent over plain HTTP to a host other than loopback unless
/// `allow_insecure`; an error the endpoint answers is kept with
/// `redactor`'s secrets replaced.
pub(crate) async fn request_code(
    http: &reqwest::Client,
    endpoint: &Url,
    oauth: &OAuth2,
    params: &[(String, String)],
    allow_insecure: bool,
    redactor: &Redactor,
) -> Result<DeviceCode, TokenError> {
    if oauth.client_secret.is_some()
        && !allow_insecure
        && !crate::oauth2::is_secure_endpoint(endpoint)
    {
        return Err(TokenError::InsecureUrl {
            url: endpoint.to_string(),
        });
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
    let response = http
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
    parse(endpoint, status, &bytes, redactor)
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
