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

/// Reads a metadata document.
pub(crate) fn parse(body: &[u8]) -> Result<Metadata, String> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
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
            parse(br#"{"issuer":"x","token_endpoint":"https://id/t"}"#)
                .unwrap()
                .token_endpoint
                .as_str(),
            "https://id/t"
        );
        assert!(parse(br#"{"issuer":"x"}"#)
            .unwrap_err()
            .contains("token_endpoint"));
    }
}
