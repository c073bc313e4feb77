//! Authorization server metadata: OpenID Connect discovery and RFC 8414.
//! The two put the well-known path in different places: OpenID Connect
//! appends `/.well-known/openid-configuration` to the issuer, RFC 8414
//! inserts `/.well-known/oauth-authorization-server` between the host and
//! the issuer's path.

use url::Url;

/// Where to find an authorization server's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Discovery {
    /// The metadata document's own URL, as OpenAPI's `openIdConnectUrl`
    /// and `oauth2MetadataUrl` give it (relative URLs follow the base URL).
    Document(String),
    /// An issuer: RFC 8414's location is tried first, then OpenID Connect's.
    Issuer(String),
}

/// What the runtime uses of the metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Metadata {
    pub(crate) token_endpoint: Url,
}

/// The metadata URLs to try for `discovery`, in order.
pub(crate) fn candidates(discovery: &Discovery, resolve: impl Fn(&str) -> Option<Url>) -> Vec<Url> {
    match discovery {
        Discovery::Document(url) => resolve(url).into_iter().collect(),
        Discovery::Issuer(issuer) => {
            let Some(issuer) = resolve(issuer) else {
                return Vec::new();
            };
            let path = issuer.path().trim_end_matches('/');
            let mut rfc8414 = issuer.clone();
            rfc8414.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
            let mut oidc = issuer.clone();
            oidc.set_path(&format!("{path}/.well-known/openid-configuration"));
            vec![rfc8414, oidc]
        }
    }
}

/// The issuer a metadata document fetched from `url` must name, when `url`
/// is a well-known location: OpenID Connect Discovery 1.0 §4.3 and RFC 8414
/// §3.3 require the document's `issuer` to be the one the location was
/// made from, so that a server cannot pass off another's endpoints (the
/// mix-up attack). A trailing `/` is not a difference: providers write
/// `https://tenant.example.com/` for the issuer of
/// `https://tenant.example.com/.well-known/openid-configuration`.
pub(crate) fn expected_issuer(url: &Url) -> Option<String> {
    const OIDC: &str = "/.well-known/openid-configuration";
    const RFC8414: &str = "/.well-known/oauth-authorization-server";
    let path = url.path();
    let issuer_path = if let Some(prefix) = path.strip_suffix(OIDC) {
        prefix
    } else {
        path.strip_prefix(RFC8414)
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))?
    };
    Some(format!(
        "{}{}",
        url.origin().ascii_serialization(),
        issuer_path.trim_end_matches('/')
    ))
}

/// Reads a metadata document, which must name `issuer` when given (see
/// [`expected_issuer`]).
pub(crate) fn parse(body: &[u8], issuer: Option<&str>) -> Result<Metadata, String> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(expected) = issuer {
        match json.get("issuer").and_then(|v| v.as_str()) {
            Some(named) if named.trim_end_matches('/') == expected.trim_end_matches('/') => {}
            Some(named) => {
                return Err(format!(
                    "names the issuer `{named}`, not `{expected}`, the issuer of its location; \
                     refusing its endpoints (OpenID Connect Discovery §4.3, RFC 8414 §3.3)"
                ))
            }
            None => return Err(format!("no `issuer` (expected `{expected}`)")),
        }
    }
    let token_endpoint = json
        .get("token_endpoint")
        .and_then(|v| v.as_str())
        .ok_or("no `token_endpoint`")?;
    let token_endpoint =
        Url::parse(token_endpoint).map_err(|e| format!("`token_endpoint` is not a URL: {e}"))?;
    Ok(Metadata { token_endpoint })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_locations_differ_between_the_two_standards() {
        let resolve = |u: &str| Url::parse(u).ok();
        let urls: Vec<String> = candidates(
            &Discovery::Issuer("https://id.example.com/tenant1".into()),
            resolve,
        )
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(
            urls,
            [
                "https://id.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://id.example.com/tenant1/.well-known/openid-configuration",
            ]
        );
        let root: Vec<String> =
            candidates(&Discovery::Issuer("https://id.example.com".into()), resolve)
                .into_iter()
                .map(String::from)
                .collect();
        assert_eq!(
            root,
            [
                "https://id.example.com/.well-known/oauth-authorization-server",
                "https://id.example.com/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn metadata_needs_a_token_endpoint() {
        assert_eq!(
            parse(br#"{"issuer":"x","token_endpoint":"https://id/t"}"#, None)
                .unwrap()
                .token_endpoint
                .as_str(),
            "https://id/t"
        );
        assert!(parse(br#"{"issuer":"x"}"#, None)
            .unwrap_err()
            .contains("token_endpoint"));
    }

    #[test]
    fn metadata_must_name_the_issuer_of_its_location() {
        let expected = |url: &str| expected_issuer(&Url::parse(url).unwrap());
        assert_eq!(
            expected("https://id.example.com/tenant1/.well-known/openid-configuration").as_deref(),
            Some("https://id.example.com/tenant1")
        );
        assert_eq!(
            expected("https://id.example.com:8443/.well-known/oauth-authorization-server/t1")
                .as_deref(),
            Some("https://id.example.com:8443/t1")
        );
        assert_eq!(
            expected("https://id.example.com/.well-known/openid-configuration").as_deref(),
            Some("https://id.example.com")
        );
        // Anywhere else, the document's location says nothing of its issuer.
        assert_eq!(expected("https://id.example.com/metadata.json"), None);
        assert_eq!(
            expected("https://id.example.com/.well-known/oauth-authorization-serverX"),
            None
        );

        let body = br#"{"issuer":"https://id.example.com/","token_endpoint":"https://id/t"}"#;
        assert!(parse(body, Some("https://id.example.com")).is_ok());
        let error = parse(body, Some("https://other.example.com")).unwrap_err();
        assert!(
            error.contains("`https://id.example.com/`") && error.contains("other.example.com"),
            "{error}"
        );
        let error = parse(br#"{"token_endpoint":"https://id/t"}"#, Some("https://id")).unwrap_err();
        assert!(error.contains("no `issuer`"), "{error}");
    }
}
