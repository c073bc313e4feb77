//! Token endpoint exchanges: building the request, authenticating the
//! client, and reading the response leniently where servers are sloppy and
//! strictly where it matters. What the server answers reaches errors, logs
//! and the inspector only through the exchange's [`Redactor`], which knows
//! every secret the request carried.

use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;
use url::Url;

use crate::auth::TokenResponsePaths;
use crate::body::{declared_over, read_at_most, MAX_ENDPOINT_BODY};
use crate::error::{OAuth2ErrorResponse, TokenError};
use crate::inspect::{
    is_plain_param, redact_form, redact_token_body, Inspector, TokenExchange, REDACTED,
};
use crate::redact::Redactor;
/// Longer lifetimes are taken as this one, so absurd `expires_in` values
/// cannot overflow the clock.
const MAX_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// How much of an unexpected response body an error message quotes.
const QUOTED_BODY: usize = 300;

/// An access token and what came with it.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) access_token: SecretString,
    pub(crate) refresh_token: Option<SecretString>,
    pub(crate) obtained_at: Instant,
    pub(crate) expires_at: Option<Instant>,
    /// The scopes granted, when the response said (`scope`); otherwise
    /// those requested.
    pub(crate) scopes: Option<Vec<String>>,
    /// Set when the API rejected the token; it is then only good for its
    /// refresh token.
    pub(crate) rejected: bool,
}

impl Token {
    /// Whether the token can still be used at `now`, leaving `skew` before
    /// its expiry (at most half its lifetime, so short-lived tokens are
    /// still used).
    /// With `skew` `None` (auto-refresh off) a token is used until the API
    /// rejects it.
    pub(crate) fn is_fresh(&self, now: Instant, skew: Option<Duration>) -> bool {
        if self.rejected {
            return false;
        }
        let Some(skew) = skew else {
            return true;
        };
        match self.expires_at {
            None => true,
            Some(expires_at) => {
                let lifetime = expires_at.saturating_duration_since(self.obtained_at);
                let skew = skew.min(lifetime / 2);
                now + skew < expires_at
            }
        }
    }
}

/// How client credentials travel in one token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ClientAuthStyle {
    Basic,
    Body,
    None,
    PrivateKeyJwt,
}

/// The client's identity at the token endpoint.
pub(crate) struct ClientIdentity<'a> {
    pub(crate) id: &'a str,
    pub(crate) secret: Option<&'a SecretString>,
    pub(crate) signing_key: Option<&'a crate::jwt::SigningKey>,
}

/// One token request, before client authentication is added.
pub(crate) struct TokenRequest<'a> {
    pub(crate) url: &'a Url,
    /// `grant_type` first, then the grant's parameters, then extra ones.
    pub(crate) params: Vec<(String, String)>,
    /// Extra headers, placeholders filled.
    pub(crate) headers: Vec<(String, String)>,
    /// Where a non-standard response keeps the token.
    pub(crate) paths: Option<&'a TokenResponsePaths>,
    /// `token_type`s accepted besides `Bearer`.
    pub(crate) token_types: &'a [String],
}

/// The characters RFC 6749 §2.3.1 leaves unencoded in a Basic client
/// credential: `application/x-www-form-urlencoded` keeps alphanumerics and
/// `*-._`. Space becomes `%20`, not `+`, which some servers reject.
const FORM_URLENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// Encodes a client id or secret for the Basic header (RFC 6749 §2.3.1).
pub(crate) fn encode_basic_part(value: &str) -> String {
    utf8_percent_encode(value, FORM_URLENCODED).to_string()
}

/// Whether a secret may be sent to `url`: over TLS, or to a loopback address.
pub(crate) fn is_secure_endpoint(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// Sends one token request and reads the answer. `redactor` knows the
/// client's configured secrets; the secrets of this request (refresh
/// token, code, device code, assertion) are added to it for the answer.
pub(crate) async fn request_token(
    http: &reqwest::Client,
    request: &TokenRequest<'_>,
    client: &ClientIdentity<'_>,
    style: ClientAuthStyle,
    now: Instant,
    inspector: Option<&dyn Inspector>,
    redactor: &Redactor,
) -> Result<Token, TokenError> {
    let grant_type = request
        .params
        .first()
        .map_or("", |(_, value)| value.as_str());
    let span = tracing::debug_span!(
        "token_request",
        url = %request.url,
        grant_type,
        client_auth = ?style,
    );
    let assertion: String;
    let mut form: Vec<(&str, &str)> = request
        .params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let mut builder = http
        .post(request.url.clone())
        .header(ACCEPT, "application/json");
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    match style {
        ClientAuthStyle::Basic => {
            let id = encode_basic_part(client.id);
            let secret = client
                .secret
                .map(|s| encode_basic_part(s.expose_secret()))
                .unwrap_or_default();
            builder = builder.basic_auth(id, Some(secret));
        }
        ClientAuthStyle::Body => {
            form.push(("client_id", client.id));
            if let Some(secret) = client.secret {
                form.push(("client_secret", secret.expose_secret()));
            }
        }
        ClientAuthStyle::None => form.push(("client_id", client.id)),
        ClientAuthStyle::PrivateKeyJwt => {
            let Some(key) = client.signing_key else {
                return Err(TokenError::Assertion(
                    "private_key_jwt needs a signing key".to_owned(),
                ));
            };
            assertion = key
                .assertion(client.id, request.url.as_str())
                .map_err(|e| TokenError::Assertion(e.to_string()))?;
            form.push(("client_id", client.id));
            form.push(("client_assertion_type", crate::jwt::ASSERTION_TYPE));
            form.push(("client_assertion", &assertion));
        }
    }
    let body = encode_form(&form);
    // What the inspector hides of the request is what must not come back.
    let redactor = redactor.with(
        form.iter()
            .filter(|(name, _)| !is_plain_param(name))
            .map(|(_, value)| *value),
    );
    let mut exchange = inspector.map(|_| {
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, _)| (name.clone(), REDACTED.to_owned()))
            .collect();
        if style == ClientAuthStyle::Basic {
            headers.push(("authorization".to_owned(), format!("Basic {REDACTED}")));
        }
        TokenExchange {
            url: request.url.to_string(),
            client_auth: match style {
                ClientAuthStyle::Basic => "basic",
                ClientAuthStyle::Body => "body",
                ClientAuthStyle::None => "none",
                ClientAuthStyle::PrivateKeyJwt => "private_key_jwt",
            },
            request_headers: headers,
            request_form: redact_form(&form),
            status: None,
            response_body: None,
        }
    });
    let report = |exchange: Option<TokenExchange>, redactor: &Redactor| {
        if let (Some(inspector), Some(mut exchange)) = (inspector, exchange) {
            exchange.redact(redactor);
            inspector.token_exchange(&exchange);
        }
    };
    let response = builder
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .instrument(span)
        .await;
    let response = match response {
        Ok(response) => response,
        Err(source) => {
            report(exchange, &redactor);
            return Err(TokenError::Transport {
                url: request.url.to_string(),
                source: source.without_url(),
            });
        }
    };
    let status = response.status();
    if let Some(exchange) = &mut exchange {
        exchange.status = Some(status.as_u16());
    }
    let retry_after = crate::retry::server_delay(
        Some(status),
        response.headers(),
        std::time::SystemTime::now(),
    );
    let body = match read_endpoint_body(response, request.url).await {
        Ok(body) => body,
        Err(error) => {
            report(exchange, &redactor);
            return Err(error);
        }
    };
    let mut token = parse_token_response(request.url, status, &body, now, request, &redactor);
    if let Err(TokenError::Status {
        retry_after: wait, ..
    }) = &mut token
    {
        *wait = retry_after;
    }
    if let Some(exchange) = &mut exchange {
        let token_path = request.paths.map(|p| p.access_token.as_str());
        exchange.response_body = Some(redact_token_body(&body, token_path));
    }
    match &token {
        // The tokens issued are redacted wherever the body has them.
        Ok(token) => {
            let issued = std::iter::once(&token.access_token).chain(&token.refresh_token);
            report(exchange, &redactor.with(issued.map(|t| t.expose_secret())));
        }
        Err(_) => report(exchange, &redactor),
    }
    match &token {
        Ok(_) => tracing::debug!(url = %request.url, %status, "token obtained"),
        Err(error) => tracing::debug!(url = %request.url, %status, %error, "token request failed"),
    }
    token
}

fn encode_form(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

/// The body of a token or device authorization endpoint's answer, up to
/// [`MAX_ENDPOINT_BODY`]: a longer one is refused, unread when its
/// declared length says so.
pub(crate) async fn read_endpoint_body(
    mut response: reqwest::Response,
    url: &Url,
) -> Result<Vec<u8>, TokenError> {
    let too_large = || TokenError::ResponseTooLarge {
        url: url.to_string(),
        limit: MAX_ENDPOINT_BODY,
    };
    if declared_over(&response, MAX_ENDPOINT_BODY) {
        return Err(too_large());
    }
    let body = read_at_most(&mut response, MAX_ENDPOINT_BODY)
        .await
        .map_err(|source| TokenError::Transport {
            url: url.to_string(),
            source: source.without_url(),
        })?;
    if body.cut {
        return Err(too_large());
    }
    Ok(body.bytes)
}

/// Reads a token endpoint's answer: any 2xx with an `access_token` is a
/// token; an `error` member is an RFC 6749 §5.2 error whatever the status.
///
/// The token must be a bearer token: a `token_type` other than `Bearer`
/// (compared case-insensitively, RFC 6749 §5.1), or one of
/// `request.token_types`, is refused. RFC 6749 requires `token_type`, but
/// servers that leave it out issue bearer tokens in practice, so a
/// response without one (or with `null`) is taken as Bearer.
///
/// What the server wrote in an error (its code, description and URI, or
/// the start of a body that is no OAuth2 error) is kept with `redactor`'s
/// secrets replaced.
pub(crate) fn parse_token_response(
    url: &Url,
    status: reqwest::StatusCode,
    body: &[u8],
    now: Instant,
    request: &TokenRequest<'_>,
    redactor: &Redactor,
) -> Result<Token, TokenError> {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if let Some(error) = json
        .as_ref()
        .and_then(|json| oauth2_error(json, status, redactor))
    {
        return Err(TokenError::OAuth2(error));
    }
    if !status.is_success() {
        return Err(TokenError::Status {
            url: url.to_string(),
            status,
            // Redacted whole before it is cut, so no piece of a secret is
            // left at the cut.
            body: quote_body(&redactor.bytes(body)),
            retry_after: None,
        });
    }
    let invalid = |reason: &str| TokenError::InvalidResponse {
        url: url.to_string(),
        reason: reason.to_owned(),
    };
    let Some(json @ serde_json::Value::Object(_)) = json else {
        return Err(invalid("the body is not a JSON object"));
    };
    match json.get("token_type") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(kind))
            if kind.eq_ignore_ascii_case("bearer")
                || request
                    .token_types
                    .iter()
                    .any(|accepted| accepted.eq_ignore_ascii_case(kind)) => {}
        Some(other) => {
            let token_type = match other {
                serde_json::Value::String(kind) => kind.clone(),
                other => other.to_string(),
            };
            return Err(TokenError::UnsupportedTokenType {
                url: url.to_string(),
                token_type: redactor.string(token_type),
            });
        }
    }
    let (token_path, expires_path) = match request.paths {
        Some(paths) => (paths.access_token.as_str(), paths.expires_in.as_deref()),
        None => ("access_token", Some("expires_in")),
    };
    let access_token = match lookup(&json, token_path) {
        Some(serde_json::Value::String(token)) if !token.is_empty() => token.clone(),
        Some(_) => {
            return Err(invalid(&format!(
                "`{token_path}` is not a non-empty string"
            )))
        }
        None => return Err(invalid(&format!("the response has no `{token_path}`"))),
    };
    let expires_in = match expires_path.and_then(|path| lookup(&json, path)) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    }
    .filter(|seconds| *seconds >= 0.0)
    .and_then(|seconds| Duration::try_from_secs_f64(seconds.min(MAX_LIFETIME.as_secs_f64())).ok());
    let scopes = json
        .get("scope")
        .and_then(|s| s.as_str())
        .map(|s| s.split_whitespace().map(str::to_owned).collect());
    let refresh_token = match json.get("refresh_token") {
        Some(serde_json::Value::String(token)) if !token.is_empty() => {
            Some(SecretString::from(token.clone()))
        }
        _ => None,
    };
    Ok(Token {
        access_token: SecretString::from(access_token),
        refresh_token,
        obtained_at: now,
        expires_at: expires_in.and_then(|lifetime| now.checked_add(lifetime)),
        scopes,
        rejected: false,
    })
}

/// The value at a dotted path (`data.token`, `items.0.value`, with an
/// optional leading `$.`).
fn lookup<'v>(json: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    let path = path.strip_prefix("$.").unwrap_or(path);
    path.split('.').try_fold(json, |value, step| match value {
        serde_json::Value::Array(items) => items.get(step.parse::<usize>().ok()?),
        other => other.get(step),
    })
}

/// The RFC 6749 §5.2 error of a JSON answer, if it is one, its texts
/// redacted. Shared by the token and device authorization endpoints.
pub(crate) fn oauth2_error(
    json: &serde_json::Value,
    status: reqwest::StatusCode,
    redactor: &Redactor,
) -> Option<OAuth2ErrorResponse> {
    let text = |name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .map(|text| redactor.text(text).into_owned())
    };
    Some(OAuth2ErrorResponse {
        error: text("error")?,
        error_description: text("error_description"),
        error_uri: text("error_uri"),
        status,
    })
}

fn quote_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    // Tokens the endpoint issued in an answer refused here are known to no
    // redactor: their members are redacted by name.
    let text = crate::redact::secret_fields(&text);
    let mut quoted: String = text.chars().take(QUOTED_BODY).collect();
    if quoted.len() < text.len() {
        quoted.push('…');
    }
    quoted
}

/// Whether a failure with one client authentication style justifies trying
/// the other: the server said the client failed to authenticate, with
/// `invalid_client` or a 401 (RFC 6749 §5.2). Nothing else does: an
/// `invalid_request` or `invalid_grant` is about the request (a wrong user
/// password, at Authlib), and trying again would send the grant's secrets
/// twice and report the server's answer to the wrong question.
pub(crate) fn is_client_auth_rejection(error: &TokenError) -> bool {
    match error {
        TokenError::OAuth2(e) => e.error == "invalid_client" || e.status.as_u16() == 401,
        TokenError::Status { status, .. } => status.as_u16() == 401,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn url() -> Url {
        Url::parse("https://auth.example.com/token").unwrap()
    }

    /// [`parse_token_response`] of an answer to a standard request.
    fn parse(
        status: StatusCode,
        body: &[u8],
        now: Instant,
        paths: Option<&TokenResponsePaths>,
    ) -> Result<Token, TokenError> {
        let url = url();
        let request = TokenRequest {
            url: &url,
            params: Vec::new(),
            headers: Vec::new(),
            paths,
            token_types: &[],
        };
        parse_token_response(&url, status, body, now, &request, &Redactor::default())
    }

    #[test]
    fn basic_parts_are_form_urlencoded_with_space_as_percent_20() {
        assert_eq!(encode_basic_part("my client:1"), "my%20client%3A1");
        assert_eq!(encode_basic_part("a+b/c=d&é"), "a%2Bb%2Fc%3Dd%26%C3%A9");
        assert_eq!(encode_basic_part("safe-._*"), "safe-._*");
    }

    #[test]
    fn expires_in_may_be_a_number_or_a_numeric_string() {
        let now = Instant::now();
        for body in [
            r#"{"access_token":"t","expires_in":3600}"#,
            r#"{"access_token":"t","expires_in":"3600"}"#,
            r#"{"access_token":"t","expires_in":3600.0,"token_type":"BEARER"}"#,
        ] {
            let token = parse(StatusCode::OK, body.as_bytes(), now, None).unwrap();
            assert_eq!(
                token.expires_at,
                Some(now + Duration::from_secs(3600)),
                "{body}"
            );
        }
        let token = parse(StatusCode::CREATED, br#"{"access_token":"t"}"#, now, None).unwrap();
        assert_eq!(token.expires_at, None);
    }

    #[test]
    fn absurd_lifetimes_are_capped_instead_of_overflowing() {
        let now = Instant::now();
        for body in [
            r#"{"access_token":"t","expires_in":1e20}"#,
            r#"{"access_token":"t","expires_in":18446744073709551615}"#,
            r#"{"access_token":"t","expires_in":"1e300"}"#,
        ] {
            let token = parse(StatusCode::OK, body.as_bytes(), now, None).unwrap();
            assert_eq!(token.expires_at, Some(now + MAX_LIFETIME), "{body}");
        }
        for body in [
            r#"{"access_token":"t","expires_in":-5}"#,
            r#"{"access_token":"t","expires_in":"soon"}"#,
        ] {
            let token = parse(StatusCode::OK, body.as_bytes(), now, None).unwrap();
            assert_eq!(token.expires_at, None, "{body}");
        }
    }

    #[test]
    fn non_standard_responses_are_read_at_configured_paths() {
        let now = Instant::now();
        let paths = TokenResponsePaths {
            access_token: "$.data.auth.0.token".into(),
            expires_in: Some("data.ttl".into()),
        };
        let body = br#"{"data":{"auth":[{"token":"deep"}],"ttl":"90"}}"#;
        let token = parse(StatusCode::OK, body, now, Some(&paths)).unwrap();
        assert_eq!(token.access_token.expose_secret(), "deep");
        assert_eq!(token.expires_at, Some(now + Duration::from_secs(90)));
        let missing = parse(StatusCode::OK, br#"{"data":{}}"#, now, Some(&paths)).unwrap_err();
        assert!(
            missing.to_string().contains("$.data.auth.0.token"),
            "{missing}"
        );
    }

    #[test]
    fn an_error_member_is_an_error_even_with_status_200() {
        let body = br#"{"error":"invalid_scope","error_description":"no such scope","error_uri":"https://x/e"}"#;
        let Err(TokenError::OAuth2(e)) = parse(StatusCode::OK, body, Instant::now(), None) else {
            panic!("expected an OAuth2 error");
        };
        assert_eq!(e.error, "invalid_scope");
        assert_eq!(e.error_description.as_deref(), Some("no such scope"));
        assert_eq!(e.error_uri.as_deref(), Some("https://x/e"));
        assert_eq!(e.status, StatusCode::OK);
    }

    #[test]
    fn error_statuses_without_oauth2_body_quote_the_body() {
        let err = parse(
            StatusCode::BAD_GATEWAY,
            b"<html>upstream down</html>",
            Instant::now(),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("502"), "{err}");
        assert!(err.to_string().contains("upstream down"), "{err}");
    }

    #[test]
    fn a_success_without_access_token_is_invalid() {
        let err = parse(StatusCode::OK, br#"{"token":"t"}"#, Instant::now(), None).unwrap_err();
        assert!(matches!(err, TokenError::InvalidResponse { .. }), "{err}");
    }

    #[test]
    fn freshness_keeps_a_skew_of_at_most_half_the_lifetime() {
        let now = Instant::now();
        let token = |lifetime: u64| Token {
            access_token: SecretString::from("t"),
            refresh_token: None,
            obtained_at: now,
            expires_at: Some(now + Duration::from_secs(lifetime)),
            scopes: None,
            rejected: false,
        };
        let skew = Some(Duration::from_secs(60));
        let hour = token(3600);
        assert!(hour.is_fresh(now + Duration::from_secs(3539), skew));
        assert!(!hour.is_fresh(now + Duration::from_secs(3540), skew));
        let short = token(10);
        assert!(short.is_fresh(now + Duration::from_secs(4), skew));
        assert!(!short.is_fresh(now + Duration::from_secs(5), skew));
        // Auto-refresh off: used until rejected.
        assert!(short.is_fresh(now + Duration::from_secs(3600), None));
    }

    #[test]
    fn only_bearer_tokens_are_taken_and_a_missing_type_is_bearer() {
        let now = Instant::now();
        for body in [
            r#"{"access_token":"t"}"#,
            r#"{"access_token":"t","token_type":null}"#,
            r#"{"access_token":"t","token_type":"bearer"}"#,
            r#"{"access_token":"t","token_type":"BEARER"}"#,
        ] {
            assert!(
                parse(StatusCode::OK, body.as_bytes(), now, None).is_ok(),
                "{body}"
            );
        }
        for (body, named) in [
            (r#"{"access_token":"t","token_type":"mac"}"#, "mac"),
            (r#"{"access_token":"t","token_type":"DPoP"}"#, "DPoP"),
            (r#"{"access_token":"t","token_type":7}"#, "7"),
        ] {
            let Err(TokenError::UnsupportedTokenType { token_type, .. }) =
                parse(StatusCode::OK, body.as_bytes(), now, None)
            else {
                panic!("{body} was accepted");
            };
            assert_eq!(token_type, named);
        }
    }

    #[test]
    fn a_quoted_body_is_redacted_before_it_is_cut() {
        let secret = "0123456789-secret";
        // The secret straddles the cut at `QUOTED_BODY` characters.
        let body = format!("{}{secret} and more", "x".repeat(QUOTED_BODY - 5));
        let url = url();
        let request = TokenRequest {
            url: &url,
            params: Vec::new(),
            headers: Vec::new(),
            paths: None,
            token_types: &[],
        };
        let redactor = Redactor::new([secret]);
        let Err(TokenError::Status { body: quoted, .. }) = parse_token_response(
            &url,
            StatusCode::BAD_REQUEST,
            body.as_bytes(),
            Instant::now(),
            &request,
            &redactor,
        ) else {
            panic!("expected a status error");
        };
        assert!(quoted.ends_with("x[reda…"), "{quoted}");
        assert!(!quoted.contains("01234"), "{quoted}");
    }

    #[test]
    fn secrets_go_only_to_https_or_loopback() {
        for (url, secure) in [
            ("https://auth.example.com/t", true),
            ("http://127.0.0.1:5000/t", true),
            ("http://localhost/t", true),
            ("http://[::1]:80/t", true),
            ("http://auth.example.com/t", false),
            ("http://10.0.0.1/t", false),
        ] {
            assert_eq!(
                is_secure_endpoint(&Url::parse(url).unwrap()),
                secure,
                "{url}"
            );
        }
    }
}
