//! Credentials a user configures on a client, one per security scheme.
//!
//! Generated code offers a constructor per scheme and flow (for example
//! `petstore::auth::Oauth::client_credentials(id, secret)`) that fills in what
//! the document says (token URL, scheme name) and returns one of the types
//! here. Their methods override what was inferred.

use std::borrow::Cow;

use secrecy::SecretString;

use crate::security::ApiKeyLocation;

/// How the client authenticates itself to a token endpoint
/// (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// Try the HTTP Basic header first; when the server answers 401 or
    /// `invalid_client`, try the request body, and remember what worked for
    /// this token URL and client id. Any other error (`invalid_request`,
    /// `invalid_grant`, a 400 without an OAuth2 error) is the server's
    /// answer, reported as it is, without a second request.
    #[default]
    Auto,
    /// `Authorization: Basic` with the id and secret form-urlencoded first
    /// (`client_secret_basic`).
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    Body,
    /// A JWT signed with the client's private key (`private_key_jwt`,
    /// RFC 7523); set with [`OAuth2::private_key_jwt`].
    PrivateKeyJwt,
    /// Only `client_id` in the body: a public client without a secret.
    None,
}

/// The grant an [`OAuth2`] credential uses to obtain tokens.
#[derive(Debug, Clone)]
pub(crate) enum Grant {
    ClientCredentials,
    Password {
        username: String,
        password: SecretString,
    },
    /// Any other grant type (JWT bearer, token exchange, vendor grants),
    /// its parameters given with [`OAuth2::token_param`].
    Custom {
        grant_type: String,
    },
    /// The authorization code grant with PKCE.
    AuthorizationCode(Box<CodeGrant>),
    /// The device authorization grant (RFC 8628).
    Device {
        device_authorization_url: String,
    },
}

/// The grant type of the device flow's token requests.
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The state of an authorization code grant: where to send the user, and
/// once they came back, the code and the PKCE verifier to redeem it with.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub(crate) authorization_url: String,
    pub(crate) redirect_uri: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) code: Option<SecretString>,
    pub(crate) verifier: Option<SecretString>,
}

/// An authorization in progress: the URL to send the user's browser to, and
/// what [`OAuth2::finish_authorization`] needs when they come back.
pub struct PendingAuthorization {
    url: String,
    state: String,
    verifier: SecretString,
}

impl PendingAuthorization {
    /// The authorization URL, with `state` and the PKCE challenge (S256).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `state` the redirect must carry back.
    pub fn state(&self) -> &str {
        &self.state
    }
}

impl std::fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("url", &self.url)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// `n` random bytes from the operating system, URL-safe base64.
fn random_token(n: usize) -> Result<String, crate::Error> {
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| {
            crate::Error::Config("the system random number generator failed".to_owned())
        })?;
    Ok(crate::encoding::base64url(&bytes))
}

/// The S256 code challenge of a PKCE verifier (RFC 7636 §4.2).
pub(crate) fn pkce_challenge(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    crate::encoding::base64url(digest.as_ref())
}

impl Grant {
    pub(crate) fn grant_type(&self) -> &str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::Password { .. } => "password",
            Grant::Custom { grant_type } => grant_type,
            Grant::AuthorizationCode(_) => "authorization_code",
            Grant::Device { .. } => DEVICE_CODE_GRANT,
        }
    }
}

/// Where a token endpoint with a non-standard response keeps the access
/// token and its lifetime: dotted paths into the JSON body, such as
/// `data.token` or `result.0.access_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponsePaths {
    /// The path of the access token.
    pub access_token: String,
    /// The path of the lifetime in seconds, when the response has one.
    pub expires_in: Option<String>,
}

/// The header a credential is sent in and its value, where `{token}`
/// stands for the token or key: `Authorization: Bearer {token}` by default
/// for tokens, `X-Auth-Token: Token {token}` for some vendors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialHeader {
    pub(crate) name: String,
    pub(crate) pattern: String,
}

impl CredentialHeader {
    /// A header `name` whose value is `pattern` with `{token}` replaced.
    pub fn new(name: impl Into<String>, pattern: impl Into<String>) -> Self {
        CredentialHeader {
            name: name.into(),
            pattern: pattern.into(),
        }
    }

    pub(crate) fn bearer() -> Self {
        Self::new("Authorization", "Bearer {token}")
    }
}

/// OAuth2 credentials that obtain tokens from a token endpoint.
#[derive(Clone)]
pub struct OAuth2 {
    pub(crate) scheme: Cow<'static, str>,
    pub(crate) grant: Grant,
    pub(crate) token_url: String,
    pub(crate) discovery: Option<crate::discovery::Discovery>,
    pub(crate) refresh_url: Option<String>,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) client_auth: ClientAuthMethod,
    pub(crate) scopes: Option<Vec<String>>,
    /// Asked for besides the operation's or configured scopes.
    pub(crate) added_scopes: Vec<String>,
    pub(crate) extra_params: Vec<(String, String)>,
    pub(crate) token_headers: Vec<(String, String)>,
    pub(crate) refresh_params: Vec<(String, String)>,
    pub(crate) response_paths: Option<TokenResponsePaths>,
    /// `token_type`s accepted besides `Bearer`.
    pub(crate) token_types: Vec<String>,
    pub(crate) header: CredentialHeader,
    pub(crate) signing_key: Option<std::sync::Arc<crate::jwt::SigningKey>>,
}

impl std::fmt::Debug for OAuth2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Extra parameters and headers may carry assertions or credentials:
        // names only.
        fn names(pairs: &[(String, String)]) -> Vec<&str> {
            pairs.iter().map(|(name, _)| name.as_str()).collect()
        }
        let params = names(&self.extra_params);
        f.debug_struct("OAuth2")
            .field("scheme", &self.scheme)
            .field("grant", &self.grant)
            .field("token_url", &self.token_url)
            .field("discovery", &self.discovery)
            .field("refresh_url", &self.refresh_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("client_auth", &self.client_auth)
            .field("scopes", &self.scopes)
            .field("added_scopes", &self.added_scopes)
            .field("token_params", &params)
            .field("token_headers", &names(&self.token_headers))
            .field("refresh_params", &names(&self.refresh_params))
            .field("response_paths", &self.response_paths)
            .field("token_types", &self.token_types)
            .field("header", &self.header)
            .finish()
    }
}

impl OAuth2 {
    fn new(
        scheme: impl Into<Cow<'static, str>>,
        grant: Grant,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Option<SecretString>,
    ) -> Self {
        OAuth2 {
            scheme: scheme.into(),
            grant,
            token_url: token_url.into(),
            discovery: None,
            refresh_url: None,
            client_id: client_id.into(),
            client_secret,
            client_auth: ClientAuthMethod::default(),
            scopes: None,
            added_scopes: Vec::new(),
            extra_params: Vec::new(),
            token_headers: Vec::new(),
            refresh_params: Vec::new(),
            response_paths: None,
            token_types: Vec::new(),
            header: CredentialHeader::bearer(),
            signing_key: None,
        }
    }

    /// The client credentials grant (RFC 6749 §4.4) for `scheme`. A relative
    /// `token_url` is resolved against the client's base URL.
    pub fn client_credentials(
        scheme: impl Into<Cow<'static, str>>,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        Self::new(
            scheme,
            Grant::ClientCredentials,
            token_url,
            client_id,
            Some(client_secret.into()),
        )
    }

    /// The resource owner password credentials grant (RFC 6749 §4.3) for
    /// `scheme`. Use [`OAuth2::public_client`] when the client has no secret.
    pub fn password(
        scheme: impl Into<Cow<'static, str>>,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        let grant = Grant::Password {
            username: username.into(),
            password: password.into(),
        };
        Self::new(
            scheme,
            grant,
            token_url,
            client_id,
            Some(client_secret.into()),
        )
    }

    /// A grant of another type (for example
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer` or
    /// `urn:ietf:params:oauth:grant-type:token-exchange`); add its
    /// parameters with [`token_param`](Self::token_param).
    pub fn custom_grant(
        scheme: impl Into<Cow<'static, str>>,
        token_url: impl Into<String>,
        grant_type: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        let grant = Grant::Custom {
            grant_type: grant_type.into(),
        };
        Self::new(
            scheme,
            grant,
            token_url,
            client_id,
            Some(client_secret.into()),
        )
    }

    /// The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636)
    /// for `scheme`: call [`authorize`](Self::authorize), send the user to
    /// the URL, then [`finish_authorization`](Self::finish_authorization)
    /// with the code the redirect carries. The code is redeemed on the first
    /// call; later tokens come from the refresh token. A public client by
    /// default: add a secret with [`client_secret`](Self::client_secret).
    pub fn authorization_code(
        scheme: impl Into<Cow<'static, str>>,
        authorization_url: impl Into<String>,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        let grant = Grant::AuthorizationCode(Box::new(CodeGrant {
            authorization_url: authorization_url.into(),
            redirect_uri: redirect_uri.into(),
            params: Vec::new(),
            code: None,
            verifier: None,
        }));
        Self::new(scheme, grant, token_url, client_id, None)
    }

    /// The device authorization grant (RFC 8628) for `scheme`, for
    /// devices without a browser: [`Client::start_device_authorization`]
    /// gives the code the user enters at the verification URL, and
    /// [`DeviceAuthorization::wait`] polls until they did. A public client
    /// by default.
    ///
    /// [`Client::start_device_authorization`]: crate::Client::start_device_authorization
    /// [`DeviceAuthorization::wait`]: crate::DeviceAuthorization::wait
    pub fn device_authorization(
        scheme: impl Into<Cow<'static, str>>,
        device_authorization_url: impl Into<String>,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        let grant = Grant::Device {
            device_authorization_url: device_authorization_url.into(),
        };
        Self::new(scheme, grant, token_url, client_id, None)
    }

    /// Whether tokens come from a grant a user must take part in, whose
    /// token covers what they authorized rather than each operation's
    /// scopes.
    pub(crate) fn is_interactive(&self) -> bool {
        matches!(
            self.grant,
            Grant::AuthorizationCode(_) | Grant::Device { .. }
        )
    }

    /// Authenticates the client with JWTs signed by `key` instead of a
    /// secret (`private_key_jwt`, RFC 7523 §2.2).
    pub fn private_key_jwt(mut self, key: crate::jwt::SigningKey) -> Self {
        // The key replaces the secret, which is then never sent.
        self.client_secret = None;
        self.signing_key = Some(std::sync::Arc::new(key));
        self.client_auth = ClientAuthMethod::PrivateKeyJwt;
        self
    }

    /// A client secret, for confidential clients.
    pub fn client_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Overrides the authorization URL the document gives (which must be
    /// absolute for [`authorize`](Self::authorize)).
    pub fn authorization_url(mut self, url: impl Into<String>) -> Self {
        if let Grant::AuthorizationCode(code) = &mut self.grant {
            code.authorization_url = url.into();
        }
        self
    }

    /// Adds a parameter to the authorization URL (`prompt`, `audience`,
    /// `access_type`, ...).
    pub fn authorization_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        if let Grant::AuthorizationCode(code) = &mut self.grant {
            code.params.push((name.into(), value.into()));
        }
        self
    }

    /// Starts an authorization code grant: a fresh `state` and PKCE
    /// verifier, and the URL with `response_type=code`, `client_id`,
    /// `redirect_uri`, `scope` (those set with [`scopes`](Self::scopes)),
    /// `state`, `code_challenge` and extra parameters.
    pub fn authorize(&self) -> Result<PendingAuthorization, crate::Error> {
        let Grant::AuthorizationCode(code) = &self.grant else {
            return Err(crate::Error::Authorization(
                "only an authorization code credential can authorize".to_owned(),
            ));
        };
        let mut url = url::Url::parse(&code.authorization_url).map_err(|e| {
            crate::Error::Authorization(format!(
                "the authorization URL `{}` is not absolute ({e}); set one with `authorization_url`",
                code.authorization_url
            ))
        })?;
        let state = random_token(16)?;
        let verifier = random_token(32)?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", &code.redirect_uri);
            let scopes = self.authorization_scopes();
            if !scopes.is_empty() {
                query.append_pair("scope", &scopes.join(" "));
            }
            query
                .append_pair("state", &state)
                .append_pair("code_challenge", &pkce_challenge(&verifier))
                .append_pair("code_challenge_method", "S256");
            for (name, value) in &code.params {
                query.append_pair(name, value);
            }
        }
        Ok(PendingAuthorization {
            url: url.into(),
            state,
            verifier: SecretString::from(verifier),
        })
    }

    /// Finishes an authorization with the `code` and `state` the redirect
    /// carried. A `state` other than the pending one is refused (it is how
    /// cross-site request forgery shows).
    pub fn finish_authorization(
        mut self,
        pending: PendingAuthorization,
        code: impl Into<SecretString>,
        state: &str,
    ) -> Result<Self, crate::Error> {
        let Grant::AuthorizationCode(grant) = &mut self.grant else {
            return Err(crate::Error::Authorization(
                "only an authorization code credential can finish an authorization".to_owned(),
            ));
        };
        if state != pending.state {
            return Err(crate::Error::Authorization(
                "the redirect's `state` does not match the pending authorization's".to_owned(),
            ));
        }
        grant.code = Some(code.into());
        grant.verifier = Some(pending.verifier);
        Ok(self)
    }

    /// Finds the token endpoint in the authorization server's metadata at
    /// run time (OpenID Connect discovery or RFC 8414), instead of the
    /// token URL; fetched once per client and cached.
    pub fn discovery(mut self, discovery: crate::discovery::Discovery) -> Self {
        self.discovery = Some(discovery);
        self
    }

    /// Overrides the token URL the document gives.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self.discovery = None;
        self
    }

    /// The endpoint for the refresh token grant, when it differs from the
    /// token URL.
    pub fn refresh_url(mut self, url: impl Into<String>) -> Self {
        self.refresh_url = Some(url.into());
        self
    }

    /// How the client id and secret are sent to the token endpoint.
    pub fn client_auth(mut self, method: ClientAuthMethod) -> Self {
        self.client_auth = method;
        self
    }

    /// Drops the client secret: the client is public and sends only its id.
    pub fn public_client(mut self) -> Self {
        self.client_secret = None;
        self.client_auth = ClientAuthMethod::None;
        self
    }

    /// Requests these scopes for every call instead of the scopes each
    /// operation declares.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Adds these scopes to every token request, besides each operation's
    /// scopes or those set with [`scopes`](Self::scopes): for example
    /// `offline_access`, which some servers want before they issue a
    /// refresh token. An interactive grant asks for them when the user
    /// authorizes.
    pub fn add_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.added_scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// The scopes a user is asked to authorize (authorization code and
    /// device grants): the configured ones, then the added ones, each once.
    pub(crate) fn authorization_scopes(&self) -> Vec<&str> {
        let mut scopes: Vec<&str> = Vec::new();
        let configured = self.scopes.iter().flatten();
        for scope in configured.chain(&self.added_scopes) {
            if !scopes.contains(&scope.as_str()) {
                scopes.push(scope);
            }
        }
        scopes
    }

    /// Adds a parameter to every token request (for example `audience`).
    /// The value may refer to `{client_id}`, `{client_secret}`,
    /// `{username}` and `{password}`. `grant_type` cannot be replaced this
    /// way: use [`custom_grant`](Self::custom_grant).
    pub fn token_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_params.push((name.into(), value.into()));
        self
    }

    /// Adds a header to every token request, with the same placeholders as
    /// [`token_param`](Self::token_param): for servers that take
    /// credentials in headers such as `Client-Id: {client_id}`.
    pub fn token_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.token_headers.push((name.into(), value.into()));
        self
    }

    /// Adds a parameter to refresh token requests only.
    pub fn refresh_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.refresh_params.push((name.into(), value.into()));
        self
    }

    /// Reads the token and its lifetime from these paths of a non-standard
    /// token response.
    pub fn token_response_paths(mut self, paths: TokenResponsePaths) -> Self {
        self.response_paths = Some(paths);
        self
    }

    /// Sends the token in this header and value pattern instead of
    /// `Authorization: Bearer {token}`.
    pub fn credential_header(mut self, header: CredentialHeader) -> Self {
        self.header = header;
        self
    }

    /// Accepts tokens whose `token_type` is `token_type` (compared
    /// case-insensitively) as bearer tokens. By default a token endpoint
    /// answer whose `token_type` is not `Bearer` (a `mac` or `DPoP` token,
    /// which would not work sent as a bearer token) is a
    /// [`TokenError::UnsupportedTokenType`](crate::TokenError::UnsupportedTokenType);
    /// a few vendors name their bearer tokens otherwise (Slack's `bot`
    /// and `user`). An answer without `token_type` is taken as Bearer.
    pub fn accept_token_type(mut self, token_type: impl Into<String>) -> Self {
        self.token_types.push(token_type.into());
        self
    }

    /// `template` with the credentials it refers to filled in.
    pub(crate) fn fill(&self, template: &str) -> String {
        use secrecy::ExposeSecret;
        let mut value = template.replace("{client_id}", &self.client_id);
        if let Some(secret) = &self.client_secret {
            value = value.replace("{client_secret}", secret.expose_secret());
        }
        if let Grant::Password { username, password } = &self.grant {
            value = value
                .replace("{username}", username)
                .replace("{password}", password.expose_secret());
        }
        value
    }
}

/// A token sent as `Authorization: <scheme> <token>`: HTTP bearer, other HTTP
/// schemes, and OAuth2 access tokens obtained elsewhere.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub(crate) scheme: Cow<'static, str>,
    pub(crate) header: CredentialHeader,
    pub(crate) token: SecretString,
}

impl Bearer {
    /// A bearer token for `scheme`.
    pub fn new(scheme: impl Into<Cow<'static, str>>, token: impl Into<SecretString>) -> Self {
        Bearer {
            scheme: scheme.into(),
            header: CredentialHeader::bearer(),
            token: token.into(),
        }
    }

    /// A credential for another HTTP authentication scheme, sent as
    /// `Authorization: <auth_scheme> <credential>`.
    pub fn with_auth_scheme(
        scheme: impl Into<Cow<'static, str>>,
        auth_scheme: impl Into<Cow<'static, str>>,
        credential: impl Into<SecretString>,
    ) -> Self {
        let pattern = format!("{} {{token}}", auth_scheme.into());
        Bearer {
            scheme: scheme.into(),
            header: CredentialHeader::new("Authorization", pattern),
            token: credential.into(),
        }
    }

    /// Sends the token in this header and value pattern.
    pub fn credential_header(mut self, header: CredentialHeader) -> Self {
        self.header = header;
        self
    }
}

/// HTTP Basic authentication.
#[derive(Debug, Clone)]
pub struct Basic {
    pub(crate) scheme: Cow<'static, str>,
    pub(crate) username: String,
    pub(crate) password: SecretString,
}

impl Basic {
    /// A user name and password for `scheme`.
    pub fn new(
        scheme: impl Into<Cow<'static, str>>,
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        Basic {
            scheme: scheme.into(),
            username: username.into(),
            password: password.into(),
        }
    }
}

/// An API key sent in a header, query parameter or cookie.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub(crate) scheme: Cow<'static, str>,
    pub(crate) location: ApiKeyLocation,
    pub(crate) name: Cow<'static, str>,
    pub(crate) pattern: Cow<'static, str>,
    pub(crate) key: SecretString,
}

impl ApiKey {
    /// A key for `scheme`, sent where the document says.
    pub fn new(
        scheme: impl Into<Cow<'static, str>>,
        location: ApiKeyLocation,
        name: impl Into<Cow<'static, str>>,
        key: impl Into<SecretString>,
    ) -> Self {
        ApiKey {
            scheme: scheme.into(),
            location,
            name: name.into(),
            pattern: Cow::Borrowed("{token}"),
            key: key.into(),
        }
    }

    /// The value sent, where `{token}` stands for the key: `Bot {token}`
    /// for an `Authorization` header that wants a prefix.
    pub fn value_pattern(mut self, pattern: impl Into<Cow<'static, str>>) -> Self {
        self.pattern = pattern.into();
        self
    }
}

/// A TLS client certificate for a `mutualTLS` scheme: presented on every
/// connection the client makes.
#[derive(Debug, Clone)]
pub struct ClientCertificate {
    pub(crate) scheme: Cow<'static, str>,
    pub(crate) pem: secrecy::SecretSlice<u8>,
}

impl ClientCertificate {
    /// PEM holding the certificate chain and its private key.
    pub fn new(scheme: impl Into<Cow<'static, str>>, pem: impl Into<Vec<u8>>) -> Self {
        ClientCertificate {
            scheme: scheme.into(),
            pem: secrecy::SecretSlice::from(pem.into()),
        }
    }
}

/// Credentials for one security scheme, as given to
/// [`ClientBuilder::auth`](crate::ClientBuilder::auth).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credential {
    /// Tokens obtained from an OAuth2 token endpoint.
    OAuth2(Box<OAuth2>),
    /// A token sent in the `Authorization` header.
    Bearer(Bearer),
    /// HTTP Basic.
    Basic(Basic),
    /// An API key.
    ApiKey(ApiKey),
    /// A TLS client certificate.
    ClientCertificate(ClientCertificate),
}

impl Credential {
    /// The name of the security scheme these credentials are for.
    pub fn scheme(&self) -> &str {
        match self {
            Credential::OAuth2(c) => &c.scheme,
            Credential::Bearer(c) => &c.scheme,
            Credential::Basic(c) => &c.scheme,
            Credential::ApiKey(c) => &c.scheme,
            Credential::ClientCertificate(c) => &c.scheme,
        }
    }
}

macro_rules! credential_from {
    ($($variant:ident),*) => {$(
        impl From<$variant> for Credential {
            fn from(value: $variant) -> Self {
                Credential::$variant(value)
            }
        }
    )*};
}
credential_from!(Bearer, Basic, ApiKey, ClientCertificate);

impl From<OAuth2> for Credential {
    fn from(value: OAuth2) -> Self {
        Credential::OAuth2(Box::new(value))
    }
}
