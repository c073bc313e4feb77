//! Applying credentials to a request: OAuth2 tokens from the token source,
//! bearer and Basic credentials, API keys in a header, the query or a
//! cookie. Every header value made from a secret is marked sensitive.

use std::sync::Arc;

use reqwest::header::{HeaderName, HeaderValue, COOKIE};
use reqwest::Request;
use secrecy::{ExposeSecret, SecretString};

use super::Client;
use crate::auth::{ApiKey, Credential, CredentialHeader};
use crate::cache::Slot;
use crate::error::Error;
use crate::oauth2::Token;
use crate::redact::Redactor;
use crate::security::{ApiKeyLocation, SchemeUse};

impl Client {
    /// Puts the credentials of `schemes`, chosen by
    /// [`select`](Client::select), on `request`; returns the tokens used.
    pub(super) async fn apply(
        &self,
        schemes: &'static [SchemeUse],
        request: &mut Request,
    ) -> Result<UsedTokens, Error> {
        let mut used = UsedTokens::default();
        for (configured, requirement) in self.configured(schemes) {
            match &configured.credential {
                Credential::OAuth2(oauth) => {
                    let tokens = configured
                        .tokens
                        .as_ref()
                        .expect("`build` prepares every OAuth2 credential");
                    let (scoped, slot, token) = self
                        .inner
                        .tokens
                        .token(tokens, oauth, requirement.scopes)
                        .await
                        .map_err(|source| Error::Token {
                            scheme: oauth.scheme.to_string(),
                            source,
                        })?;
                    let name = tokens
                        .header_name
                        .as_ref()
                        .ok_or_else(|| invalid_header_name(&oauth.header))?;
                    let value = scoped.header_value(&token, &oauth.header)?;
                    request.headers_mut().insert(name.clone(), value);
                    used.push(UsedToken { slot, token });
                }
                Credential::Bearer(bearer) => {
                    set_header(request, &bearer.header, &bearer.token)?;
                }
                Credential::Basic(basic) => {
                    let encoded = crate::encoding::base64(
                        format!("{}:{}", basic.username, basic.password.expose_secret()).as_bytes(),
                    );
                    let basic_header = CredentialHeader::new("Authorization", "Basic {token}");
                    set_header(request, &basic_header, &SecretString::from(encoded))?;
                }
                Credential::ApiKey(key) => apply_api_key(request, key)?,
                // Presented by the TLS connection itself (see `build`).
                Credential::ClientCertificate(_) => {}
            }
        }
        Ok(used)
    }
}

/// A token applied to a request, remembered so a 401 can reject it.
#[derive(Clone)]
pub(crate) struct UsedToken {
    pub(crate) slot: Arc<Slot>,
    pub(crate) token: Arc<Token>,
}

/// The tokens applied to a request: rarely more than one, so the first is
/// kept inline and a call with a cached token allocates nothing for it.
#[derive(Default, Clone)]
pub(crate) struct UsedTokens {
    first: Option<UsedToken>,
    more: Vec<UsedToken>,
}

impl UsedTokens {
    pub(crate) fn push(&mut self, used: UsedToken) {
        if self.first.is_none() {
            self.first = Some(used);
        } else {
            self.more.push(used);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &UsedToken> {
        self.first.iter().chain(&self.more)
    }

    /// `redactor` knowing these access tokens too.
    pub(crate) fn redactor(&self, redactor: &Redactor) -> Redactor {
        redactor.with(
            self.iter()
                .map(|used| used.token.access_token.expose_secret()),
        )
    }
}

/// Sets the header a credential goes in; the scheme's credential replaces a
/// header of the same name set by hand (an `Authorization` header, say).
fn set_header(
    request: &mut Request,
    header: &CredentialHeader,
    credential: &SecretString,
) -> Result<(), Error> {
    let name =
        HeaderName::try_from(header.name.as_str()).map_err(|_| invalid_header_name(header))?;
    let value = header_value(header, credential)?;
    request.headers_mut().insert(name, value);
    Ok(())
}

fn invalid_header_name(header: &CredentialHeader) -> Error {
    Error::Config(format!("`{}` is not a valid header name", header.name))
}

/// `header`'s value pattern with `credential` filled in, marked sensitive.
pub(super) fn header_value(
    header: &CredentialHeader,
    credential: &SecretString,
) -> Result<HeaderValue, Error> {
    let filled = header
        .pattern
        .replace("{token}", credential.expose_secret());
    let mut value = HeaderValue::try_from(filled).map_err(|_| {
        Error::Config(format!(
            "the credential for the `{}` header is not a valid header value",
            header.name
        ))
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn apply_api_key(request: &mut Request, key: &ApiKey) -> Result<(), Error> {
    let value = key.pattern.replace("{token}", key.key.expose_secret());
    let secret = value.as_str();
    match key.location {
        ApiKeyLocation::Header => {
            let header = CredentialHeader::new(key.name.as_ref(), key.pattern.as_ref());
            set_header(request, &header, &key.key)?;
        }
        ApiKeyLocation::Query => {
            request
                .url_mut()
                .query_pairs_mut()
                .append_pair(&key.name, secret);
        }
        ApiKeyLocation::Cookie => {
            let pair = format!("{}={}", key.name, secret);
            let cookie = match request.headers().get(COOKIE).and_then(|v| v.to_str().ok()) {
                Some(existing) => format!("{existing}; {pair}"),
                None => pair,
            };
            let mut value = HeaderValue::try_from(cookie).map_err(|_| {
                Error::Config(format!(
                    "the key for `{}` is not a valid cookie value",
                    key.name
                ))
            })?;
            value.set_sensitive(true);
            request.headers_mut().insert(COOKIE, value);
        }
    }
    Ok(())
}
