//! The `x-` extensions a security scheme may carry for what OpenAPI cannot
//! say about a token endpoint or credential. Each has a run-time
//! counterpart on the runtime's credential types; `EXTENSIONS.md` at the
//! workspace root documents them with examples.

use indexmap::IndexMap;
use serde_json::Value;

use crate::diagnostics::Diagnostics;
use crate::pointer;

/// `x-client-authentication`.
pub(crate) const CLIENT_AUTHENTICATION: &str = "x-client-authentication";
/// `x-token-parameters`.
pub(crate) const TOKEN_PARAMETERS: &str = "x-token-parameters";
/// `x-token-headers`.
pub(crate) const TOKEN_HEADERS: &str = "x-token-headers";
/// `x-refresh-parameters`.
pub(crate) const REFRESH_PARAMETERS: &str = "x-refresh-parameters";
/// `x-token-response`.
pub(crate) const TOKEN_RESPONSE: &str = "x-token-response";
/// `x-credential-header`.
pub(crate) const CREDENTIAL_HEADER: &str = "x-credential-header";

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    Auto,
    Basic,
    Body,
    None,
}

/// The extensions of one scheme, validated.
#[derive(Debug, Default)]
pub(crate) struct Extensions {
    pub(crate) client_auth: Option<ClientAuth>,
    pub(crate) token_params: Vec<(String, String)>,
    pub(crate) token_headers: Vec<(String, String)>,
    pub(crate) refresh_params: Vec<(String, String)>,
    /// Paths of the access token and of its lifetime.
    pub(crate) token_response: Option<(String, Option<String>)>,
    /// Header name and value pattern with `{token}`.
    pub(crate) credential_header: Option<(String, String)>,
}

impl Extensions {
    /// Whether any token-endpoint setting is present (they apply to OAuth2
    /// and OpenID Connect schemes only).
    pub(crate) fn has_token_settings(&self) -> bool {
        self.client_auth.is_some()
            || !self.token_params.is_empty()
            || !self.token_headers.is_empty()
            || !self.refresh_params.is_empty()
            || self.token_response.is_some()
    }
}

/// Reads the known extensions, warning about malformed ones.
pub(crate) fn read(
    pointer: &str,
    extensions: &IndexMap<String, Value>,
    diagnostics: &Diagnostics<'_>,
) -> Extensions {
    let warn =
        |name: &str, message: String| diagnostics.warn(pointer::join(pointer, name), message);
    let mut out = Extensions::default();
    if let Some(value) = extensions.get(CLIENT_AUTHENTICATION) {
        out.client_auth = match value.as_str() {
            Some("auto") => Some(ClientAuth::Auto),
            Some("basic") => Some(ClientAuth::Basic),
            Some("body") => Some(ClientAuth::Body),
            Some("none") => Some(ClientAuth::None),
            _ => {
                warn(
                    CLIENT_AUTHENTICATION,
                    format!(
                        "expected one of `auto`, `basic`, `body`, `none`, found {value}; ignored"
                    ),
                );
                None
            }
        };
    }
    let pairs = |name: &str| -> Vec<(String, String)> {
        let Some(value) = extensions.get(name) else {
            return Vec::new();
        };
        let Some(object) = value.as_object() else {
            warn(
                name,
                "expected an object of names to string values; ignored".to_owned(),
            );
            return Vec::new();
        };
        let mut pairs = Vec::new();
        for (key, value) in object {
            match value {
                Value::String(text) => pairs.push((key.clone(), text.clone())),
                Value::Number(_) | Value::Bool(_) => pairs.push((key.clone(), value.to_string())),
                _ => warn(name, format!("`{key}` is not a string; ignored")),
            }
        }
        pairs
    };
    out.token_params = pairs(TOKEN_PARAMETERS);
    out.token_headers = pairs(TOKEN_HEADERS);
    out.refresh_params = pairs(REFRESH_PARAMETERS);
    if let Some(value) = extensions.get(TOKEN_RESPONSE) {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        match text("access_token") {
            Some(token) => out.token_response = Some((token, text("expires_in"))),
            None => warn(
                TOKEN_RESPONSE,
                "expected `access_token` (and optionally `expires_in`) as paths; ignored"
                    .to_owned(),
            ),
        }
    }
    if let Some(value) = extensions.get(CREDENTIAL_HEADER) {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        match (text("name"), text("value")) {
            (Some(name), Some(pattern)) if pattern.contains("{token}") => {
                out.credential_header = Some((name, pattern));
            }
            (Some(name), None) => out.credential_header = Some((name, "{token}".to_owned())),
            _ => warn(
                CREDENTIAL_HEADER,
                "expected `name` and a `value` containing `{token}`; ignored".to_owned(),
            ),
        }
    }
    out
}
