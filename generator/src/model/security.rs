//! The security plan: every scheme with its flows and URLs, and per
//! operation the requirement alternatives with their scopes.
//!
//! The runtime sends credentials to the URLs read here, so each is checked
//! ([`check_url`]): one that is not a URL the document really names is
//! left out with a warning, and the generated code asks for it instead.
//! Relative URLs are resolved ([`resolve`]) exactly as the runtime resolves
//! them, so that `inspect` shows the URL the client will call.

use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityRequirement, SecurityScheme};

use super::extensions::{self, Extensions};
use super::names::{self, Namespace};
use crate::error::{escape_pointer_token, Warning};
use crate::load::{Document, ExtraScheme};

/// A security scheme from `components.securitySchemes`.
#[derive(Debug)]
pub(crate) struct Scheme {
    /// The key in the document.
    pub(crate) key: String,
    /// The type in the `auth` module.
    pub(crate) rust_name: String,
    pub(crate) description: Option<String>,
    pub(crate) kind: SchemeKind,
    /// The `x-` extensions it carries.
    pub(crate) extensions: Extensions,
    /// The prefix of the environment variables its `*_from_env`
    /// constructors read: `PETSTORE`, or `PETSTORE_OAUTH` when another
    /// scheme would read a variable of the same name.
    pub(crate) env_prefix: String,
    /// Its discovery document (`openIdConnectUrl`, `oauth2MetadataUrl`)
    /// as the runtime fetches it with the default server, for reports.
    pub(crate) discovery: Option<Resolved>,
}

/// A URL as the runtime calls it with the default server, for reports.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// Resolved with [`resolve_for_report`].
    pub(crate) url: String,
    /// As written, when it is a relative reference: it follows the
    /// client's base URL.
    pub(crate) relative: Option<String>,
}

impl Resolved {
    fn new(base_url: &str, url: &str) -> Self {
        Resolved {
            url: resolve_for_report(base_url, url),
            relative: is_relative(url).then(|| url.to_owned()),
        }
    }
}

impl Scheme {
    /// The arguments of its constructors, which name its environment
    /// variables (`client_id` is read from `<PREFIX>_CLIENT_ID`).
    pub(crate) fn arguments(&self) -> Vec<&'static str> {
        match &self.kind {
            SchemeKind::OAuth2 {
                flows,
                metadata_url,
            } => {
                let mut arguments = Vec::new();
                for flow in flows {
                    let own: &[&str] = match flow.kind {
                        FlowKind::ClientCredentials => &["client_id", "client_secret"],
                        FlowKind::Password => {
                            &["client_id", "client_secret", "username", "password"]
                        }
                        FlowKind::AuthorizationCode => &["client_id", "redirect_uri"],
                        FlowKind::DeviceAuthorization => &["client_id"],
                        FlowKind::Implicit => &[],
                    };
                    let missing_url = flow.kind != FlowKind::Implicit
                        && flow.token_url.is_none()
                        && metadata_url.is_none();
                    for argument in own.iter().chain(missing_url.then_some(&"token_url")) {
                        if !arguments.contains(argument) {
                            arguments.push(*argument);
                        }
                    }
                }
                arguments.push("access_token");
                arguments
            }
            SchemeKind::OpenIdConnect { .. } => {
                vec![
                    "client_id",
                    "client_secret",
                    "username",
                    "password",
                    "access_token",
                ]
            }
            SchemeKind::HttpToken { .. } => vec!["token"],
            SchemeKind::HttpBasic => vec!["username", "password"],
            SchemeKind::ApiKey { .. } => vec!["api_key"],
            SchemeKind::MutualTls => vec!["certificate"],
        }
    }
}

#[derive(Debug)]
pub(crate) enum SchemeKind {
    OAuth2 {
        flows: Vec<Flow>,
        /// `oauth2MetadataUrl` (OpenAPI 3.2): where flows without a token
        /// URL find one.
        metadata_url: Option<String>,
    },
    /// `mutualTLS` (OpenAPI 3.1): a TLS client certificate.
    MutualTls,
    OpenIdConnect {
        url: String,
    },
    /// `http` with `scheme: bearer`, or another scheme sent as
    /// `Authorization: <scheme> <credential>`.
    HttpToken {
        /// As written in the document, for documentation.
        scheme: String,
        /// What goes before the credential in the header.
        header_scheme: String,
        format: Option<String>,
    },
    HttpBasic,
    ApiKey {
        location: ApiKeyPlace,
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiKeyPlace {
    Header,
    Query,
    Cookie,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowKind {
    ClientCredentials,
    Password,
    AuthorizationCode,
    Implicit,
    /// RFC 8628, from OpenAPI 3.2's `deviceAuthorization`.
    DeviceAuthorization,
}

impl FlowKind {
    /// The flow's member of `flows` in the document.
    fn member(self) -> &'static str {
        match self {
            FlowKind::ClientCredentials => "clientCredentials",
            FlowKind::Password => "password",
            FlowKind::AuthorizationCode => "authorizationCode",
            FlowKind::Implicit => "implicit",
            FlowKind::DeviceAuthorization => "deviceAuthorization",
        }
    }

    /// The grant's name in RFC 6749 terms.
    pub(crate) fn grant(self) -> &'static str {
        match self {
            FlowKind::ClientCredentials => "client_credentials",
            FlowKind::Password => "password",
            FlowKind::AuthorizationCode => "authorization_code",
            FlowKind::Implicit => "implicit",
            FlowKind::DeviceAuthorization => "device_code",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Flow {
    pub(crate) kind: FlowKind,
    /// As written in the document (possibly relative); `None` when missing.
    pub(crate) token_url: Option<String>,
    pub(crate) refresh_url: Option<String>,
    pub(crate) authorization_url: Option<String>,
    /// The device authorization endpoint of the device flow.
    pub(crate) device_authorization_url: Option<String>,
    /// The same URLs resolved against the default server, for reports.
    pub(crate) resolved: ResolvedUrls,
    /// Scope names and descriptions, in document order.
    pub(crate) scopes: Vec<(String, String)>,
}

/// A flow's URLs as the runtime calls them with the default server: each
/// resolved with [`resolve`], or as written when it is relative and the
/// default server's URL is too.
#[derive(Debug, Default)]
pub(crate) struct ResolvedUrls {
    pub(crate) device_authorization_url: Option<String>,
    pub(crate) token_url: Option<String>,
    pub(crate) refresh_url: Option<String>,
    pub(crate) authorization_url: Option<String>,
    /// The relative ones as written, by the name of their field above: they
    /// follow the client's base URL.
    pub(crate) relative: Vec<(&'static str, String)>,
}

/// One operation's requirements.
#[derive(Debug, Clone, Default)]
pub(crate) struct Security {
    /// Alternatives in document order, each a conjunction of schemes; no
    /// empty alternative (those set `anonymous`).
    pub(crate) alternatives: Vec<Vec<SchemeUse>>,
    pub(crate) anonymous: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct SchemeUse {
    /// The scheme's key in the document.
    pub(crate) scheme: String,
    pub(crate) scopes: Vec<String>,
    /// For an OAuth2 scheme with several flows, the grants whose declared
    /// scopes include all of `scopes` (some vendors give each flow its own
    /// scopes, so the scopes decide the flow). Empty otherwise.
    pub(crate) flows: Vec<&'static str>,
}

/// The first server's URL with each variable at its default, or `/` when
/// the document names no server (OpenAPI's default).
pub(crate) fn base_url(api: &OpenAPI) -> String {
    let Some(server) = api.servers.first() else {
        return "/".to_owned();
    };
    let mut url = server.url.clone();
    if let Some(variables) = &server.variables {
        for (name, variable) in variables {
            url = url.replace(&format!("{{{name}}}"), &variable.default);
        }
    }
    url
}

pub(crate) fn schemes(document: &Document, warnings: &mut Vec<Warning>) -> Vec<Scheme> {
    let Some(components) = &document.api.components else {
        return Vec::new();
    };
    let mut rust_names = Namespace::default();
    let mut schemes = Vec::new();
    for (key, scheme) in &components.security_schemes {
        let pointer = format!("/components/securitySchemes/{}", escape_pointer_token(key));
        let scheme = match scheme {
            ReferenceOr::Item(scheme) => scheme,
            ReferenceOr::Reference { reference } => {
                warnings.push(Warning {
                    location: document.at(&pointer),
                    message: format!(
                        "security scheme references (`{reference}`) are not followed yet; the scheme is left out"
                    ),
                });
                continue;
            }
        };
        let extensions = extensions::read(document, &pointer, scheme_extensions(scheme), warnings);
        let (description, kind) = match scheme {
            SecurityScheme::OAuth2 {
                flows, description, ..
            } => {
                let declared = [
                    flows.client_credentials.as_ref().map(|f| FlowSource {
                        kind: FlowKind::ClientCredentials,
                        token_url: Some(&f.token_url),
                        refresh_url: f.refresh_url.as_ref(),
                        authorization_url: None,
                        device_authorization_url: None,
                        scopes: &f.scopes,
                    }),
                    flows.password.as_ref().map(|f| FlowSource {
                        kind: FlowKind::Password,
                        token_url: Some(&f.token_url),
                        refresh_url: f.refresh_url.as_ref(),
                        authorization_url: None,
                        device_authorization_url: None,
                        scopes: &f.scopes,
                    }),
                    flows.authorization_code.as_ref().map(|f| FlowSource {
                        kind: FlowKind::AuthorizationCode,
                        token_url: Some(&f.token_url),
                        refresh_url: f.refresh_url.as_ref(),
                        authorization_url: Some(&f.authorization_url),
                        device_authorization_url: None,
                        scopes: &f.scopes,
                    }),
                    flows.implicit.as_ref().map(|f| FlowSource {
                        kind: FlowKind::Implicit,
                        token_url: None,
                        refresh_url: f.refresh_url.as_ref(),
                        authorization_url: Some(&f.authorization_url),
                        device_authorization_url: None,
                        scopes: &f.scopes,
                    }),
                ];
                if declared.iter().all(Option::is_none) {
                    warnings.push(Warning {
                        location: document.at(format!("{pointer}/flows")),
                        message: "the OAuth2 scheme declares no flows; only a token obtained elsewhere can be used".to_owned(),
                    });
                }
                let list = declared
                    .into_iter()
                    .flatten()
                    .filter_map(|source| flow(document, &pointer, source, warnings))
                    .collect();
                (
                    description.clone(),
                    SchemeKind::OAuth2 {
                        flows: list,
                        metadata_url: None,
                    },
                )
            }
            SecurityScheme::OpenIDConnect {
                open_id_connect_url,
                description,
                ..
            } => {
                let url = checked_url(
                    document,
                    &format!("{pointer}/openIdConnectUrl"),
                    Some(open_id_connect_url),
                    "the scheme keeps only `access_token`, for a token obtained elsewhere",
                    warnings,
                );
                let kind = match url {
                    Checked::Url(url) => SchemeKind::OpenIdConnect { url },
                    // Without discovery there is no token endpoint: what is
                    // left is the OAuth2 scheme without flows.
                    Checked::Missing | Checked::Rejected => SchemeKind::OAuth2 {
                        flows: Vec::new(),
                        metadata_url: None,
                    },
                };
                (description.clone(), kind)
            }
            SecurityScheme::HTTP {
                scheme,
                bearer_format,
                description,
                ..
            } => {
                let kind = if scheme.eq_ignore_ascii_case("basic") {
                    SchemeKind::HttpBasic
                } else {
                    let header_scheme = if scheme.eq_ignore_ascii_case("bearer") {
                        "Bearer".to_owned()
                    } else {
                        scheme.clone()
                    };
                    SchemeKind::HttpToken {
                        scheme: scheme.clone(),
                        header_scheme,
                        format: bearer_format.clone(),
                    }
                };
                (description.clone(), kind)
            }
            SecurityScheme::APIKey {
                location,
                name,
                description,
                ..
            } => {
                let location = match location {
                    APIKeyLocation::Header => ApiKeyPlace::Header,
                    APIKeyLocation::Query => ApiKeyPlace::Query,
                    APIKeyLocation::Cookie => ApiKeyPlace::Cookie,
                };
                (
                    description.clone(),
                    SchemeKind::ApiKey {
                        location,
                        name: name.clone(),
                    },
                )
            }
        };
        if extensions.has_token_settings()
            && !matches!(
                kind,
                SchemeKind::OAuth2 { .. } | SchemeKind::OpenIdConnect { .. }
            )
        {
            warnings.push(Warning {
                location: document.at(&pointer),
                message: "token endpoint extensions apply to oauth2 and openIdConnect schemes only; ignored".to_owned(),
            });
        }
        schemes.push(Scheme {
            key: key.clone(),
            rust_name: rust_names.unique(names::type_name(key)),
            description,
            kind,
            extensions,
            env_prefix: String::new(),
            discovery: None,
        });
    }
    add_extra_schemes(document, &mut schemes, &mut rust_names, warnings);
    assign_env_prefixes(&mut schemes, &document.api.info.title);
    schemes
}

/// What the loader kept of 3.1 and 3.2 security that `openapiv3` cannot
/// hold: `mutualTLS` schemes, `deviceAuthorization` flows and
/// `oauth2MetadataUrl`.
fn add_extra_schemes(
    document: &Document,
    schemes: &mut Vec<Scheme>,
    rust_names: &mut Namespace,
    warnings: &mut Vec<Warning>,
) {
    for (key, extra) in &document.extra_schemes {
        let pointer = format!("/components/securitySchemes/{}", escape_pointer_token(key));
        let oauth = schemes
            .iter_mut()
            .find(|s| &s.key == key)
            .and_then(|s| match &mut s.kind {
                SchemeKind::OAuth2 {
                    flows,
                    metadata_url,
                } => Some((flows, metadata_url)),
                _ => None,
            });
        match (extra, oauth) {
            (ExtraScheme::MutualTls { description }, _) => schemes.push(Scheme {
                key: key.clone(),
                rust_name: rust_names.unique(names::type_name(key)),
                description: description.clone(),
                kind: SchemeKind::MutualTls,
                extensions: Extensions::default(),
                env_prefix: String::new(),
                discovery: None,
            }),
            (
                ExtraScheme::DeviceAuthorization {
                    device_authorization_url,
                    token_url,
                    refresh_url,
                    scopes,
                },
                Some((flows, _)),
            ) => {
                let source = FlowSource {
                    kind: FlowKind::DeviceAuthorization,
                    token_url: Some(token_url),
                    refresh_url: refresh_url.as_ref(),
                    authorization_url: None,
                    device_authorization_url: Some(device_authorization_url),
                    scopes,
                };
                flows.extend(flow(document, &pointer, source, warnings));
            }
            (ExtraScheme::OAuth2Metadata { url }, Some((_, metadata_url))) => {
                if let Checked::Url(url) = checked_url(
                    document,
                    &format!("{pointer}/oauth2MetadataUrl"),
                    Some(url),
                    "flows without a token URL ask for one",
                    warnings,
                ) {
                    *metadata_url = Some(url);
                }
            }
            (_, None) => warnings.push(Warning {
                location: document.at(&pointer),
                message: "a deviceAuthorization flow or oauth2MetadataUrl outside an oauth2 scheme; ignored".to_owned(),
            }),
        }
    }
}

fn scheme_extensions(scheme: &SecurityScheme) -> &indexmap::IndexMap<String, serde_json::Value> {
    match scheme {
        SecurityScheme::APIKey { extensions, .. }
        | SecurityScheme::HTTP { extensions, .. }
        | SecurityScheme::OAuth2 { extensions, .. }
        | SecurityScheme::OpenIDConnect { extensions, .. } => extensions,
    }
}

/// The API's prefix (its title in `SHOUTY_SNAKE_CASE`) for every scheme,
/// qualified by the scheme's name where two schemes would otherwise read
/// the same variable.
fn assign_env_prefixes(schemes: &mut [Scheme], title: &str) {
    let api = names::env_name(title).unwrap_or_else(|| "API".to_owned());
    let arguments: Vec<Vec<&str>> = schemes.iter().map(Scheme::arguments).collect();
    for (i, scheme) in schemes.iter_mut().enumerate() {
        let shared = arguments
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && other.iter().any(|a| arguments[i].contains(a)));
        scheme.env_prefix = match (shared, names::env_name(&scheme.key)) {
            (true, Some(qualifier)) => format!("{api}_{qualifier}"),
            _ => api.clone(),
        };
    }
}

/// A flow as the document declares it.
struct FlowSource<'a> {
    kind: FlowKind,
    token_url: Option<&'a String>,
    refresh_url: Option<&'a String>,
    authorization_url: Option<&'a String>,
    device_authorization_url: Option<&'a String>,
    scopes: &'a indexmap::IndexMap<String, String>,
}

/// The flow of the scheme at `scheme_pointer`, its URLs checked: one that
/// is not a URL is left out with a warning (the generated constructor then
/// asks for the token URL; refresh tokens go to the token URL). `None`
/// when the flow cannot work without the URL it lacks (authorization and
/// device authorization URLs).
fn flow(
    document: &Document,
    scheme_pointer: &str,
    source: FlowSource<'_>,
    warnings: &mut Vec<Warning>,
) -> Option<Flow> {
    let kind = source.kind;
    let pointer = format!("{scheme_pointer}/flows/{}", kind.member());
    let mut check = |member: &str, url: Option<&String>, consequence: &str| {
        checked_url(
            document,
            &format!("{pointer}/{member}"),
            url,
            consequence,
            warnings,
        )
    };
    let left_out = format!("the {} flow is left out", kind.member());
    let authorization_url = match check("authorizationUrl", source.authorization_url, &left_out) {
        Checked::Url(url) => Some(url),
        Checked::Missing => None,
        Checked::Rejected => return None,
    };
    let device_authorization_url = match check(
        "deviceAuthorizationUrl",
        source.device_authorization_url,
        &left_out,
    ) {
        Checked::Url(url) => Some(url),
        Checked::Missing => None,
        Checked::Rejected => return None,
    };
    let token_url = check(
        "tokenUrl",
        source.token_url,
        "the generated constructor asks for the token URL",
    );
    let refresh_url = check(
        "refreshUrl",
        source.refresh_url,
        "refresh tokens are redeemed at the token URL",
    )
    .url();
    if kind != FlowKind::Implicit && matches!(token_url, Checked::Missing) {
        warnings.push(Warning {
            location: document.at(format!("{scheme_pointer}/flows")),
            message: format!(
                "the {} flow has no token URL; the generated constructor asks for one",
                kind.grant()
            ),
        });
    }
    Some(Flow {
        kind,
        token_url: token_url.url(),
        refresh_url,
        authorization_url,
        device_authorization_url,
        resolved: ResolvedUrls::default(),
        scopes: source
            .scopes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

/// A URL of a security scheme after [`checked_url`].
enum Checked {
    /// Usable, trimmed of surrounding whitespace.
    Url(String),
    /// Absent or empty.
    Missing,
    /// Not a usable URL; a warning says why.
    Rejected,
}

impl Checked {
    fn url(self) -> Option<String> {
        match self {
            Checked::Url(url) => Some(url),
            Checked::Missing | Checked::Rejected => None,
        }
    }
}

/// Checks the URL at `pointer` with [`check_url`], warning about one that
/// is not usable and saying what the generator does instead
/// (`consequence`).
fn checked_url(
    document: &Document,
    pointer: &str,
    url: Option<&String>,
    consequence: &str,
    warnings: &mut Vec<Warning>,
) -> Checked {
    let Some(url) = url.map(|u| u.trim()).filter(|u| !u.is_empty()) else {
        return Checked::Missing;
    };
    match check_url(url) {
        Ok(()) => Checked::Url(url.to_owned()),
        Err(problem) => {
            warnings.push(Warning {
                location: document.at(pointer),
                message: format!(
                    "`{url}` is not a URL credentials can be sent to: {problem}; {consequence} \
                     (fix the document with an overlay, or set the URL at run time)"
                ),
            });
            Checked::Rejected
        }
    }
}

/// Values that stand for a URL not written yet.
const PLACEHOLDERS: &[&str] = &[
    "todo",
    "tbd",
    "tba",
    "fixme",
    "xxx",
    "n/a",
    "na",
    "none",
    "null",
    "nil",
    "undefined",
    "changeme",
    "placeholder",
    "url",
    "-",
    "...",
];

/// Checks a URL the document gives a security scheme (a token, refresh,
/// authorization or device authorization URL, or a discovery document):
/// the runtime sends credentials to it, so it must be a URL the document
/// really names. Accepted are
///
/// - absolute `http` and `https` URLs with a host (`https://h/token`);
/// - relative references (RFC 3986 §4.2: `/oauth/token`, `token`,
///   `../token`, `./token`, `//auth.example.com/token`, `?x=1`,
///   `.well-known/openid-configuration`), which the runtime resolves
///   against the client's base URL (see [`resolve`]).
///
/// Rejected, with the reason as the error:
///
/// - text with whitespace, control characters or characters no URL holds
///   (`<>"|\^` and backquotes), and `{variables}`, which OpenAPI fills in
///   server URLs only;
/// - placeholders (`TODO`, `TBD`, `none`, `n/a`…);
/// - schemes other than `http` and `https` (`ftp:`, `file:`,
///   `javascript:`), and `http:`/`https:` without `//` and a host;
/// - host names written without a scheme, which would otherwise be taken
///   for a path on the API's host: a relative reference whose first segment
///   is a domain name followed by a path (`example.com/oauth/token`), a
///   domain name of three labels or more (`auth.example.com`), an IPv4
///   address or `localhost` followed by a path, or a host and port
///   (`example.com:8080/token`). A single file name such as `token.php`
///   stays a relative reference.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(if c == ' ' {
            "it contains spaces".to_owned()
        } else {
            format!("it contains the character U+{:04X}", u32::from(c))
        });
    }
    if url.contains('{') || url.contains('}') {
        return Err(
            "`{…}` variables are filled in server URLs only, not in the URLs of security schemes"
                .to_owned(),
        );
    }
    if let Some(c) = url
        .chars()
        .find(|c| matches!(c, '<' | '>' | '"' | '|' | '\\' | '^' | '`'))
    {
        return Err(format!("`{c}` cannot appear in a URL"));
    }
    if PLACEHOLDERS.iter().any(|p| url.eq_ignore_ascii_case(p)) {
        return Err("it is a placeholder".to_owned());
    }
    // The first segment: up to the first `/`, `?` or `#`.
    let first_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let first = &url[..first_end];
    if let Some((scheme, rest)) = first.split_once(':').map(|(s, _)| (s, &url[s.len() + 1..])) {
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !is_scheme || scheme.contains('.') || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "`{first}` looks like a host without a scheme; write `https://{url}`"
            ));
        }
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(format!(
                "it uses the `{scheme}:` scheme; only http and https URLs are accepted"
            ));
        }
        if !rest.starts_with("//") {
            return Err(format!("`{scheme}:` is not followed by `//` and a host"));
        }
        return match url::Url::parse(url) {
            Ok(parsed) if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
            Ok(_) => Err("it names no host".to_owned()),
            Err(e) => Err(e.to_string()),
        };
    }
    let followed_by_path = url[first_end..].starts_with('/');
    if looks_like_host(first, followed_by_path) {
        return Err(format!(
            "`{first}` looks like a host without a scheme, which would make it a path on the API's host; write `https://{url}`"
        ));
    }
    // What remains is a relative reference: it must resolve.
    match resolve("https://api.example.invalid/base", url) {
        Some(resolved) if resolved.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        _ => Err("it is neither an absolute URL nor a relative reference".to_owned()),
    }
}

/// Whether the first segment of a relative reference is a host name
/// (see [`check_url`]).
fn looks_like_host(segment: &str, followed_by_path: bool) -> bool {
    if segment.eq_ignore_ascii_case("localhost") {
        return followed_by_path;
    }
    let labels: Vec<&str> = segment.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return false;
    }
    let ipv4 = labels.len() == 4 && labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit()));
    let domain = labels
        .last()
        .is_some_and(|l| l.len() >= 2 && l.chars().all(|c| c.is_ascii_alphabetic()));
    (ipv4 && followed_by_path) || (domain && (followed_by_path || labels.len() >= 3))
}

/// Fills in each flow's URLs resolved against `base_url`, as the runtime
/// will resolve them with the default server.
pub(crate) fn resolve_urls(mut schemes: Vec<Scheme>, base_url: &str) -> Vec<Scheme> {
    let resolved = |url: Option<&String>| url.map(|u| resolve_for_report(base_url, u));
    for scheme in &mut schemes {
        let discovery = match &mut scheme.kind {
            SchemeKind::OAuth2 {
                flows,
                metadata_url,
            } => {
                for flow in flows.iter_mut() {
                    let relative = [
                        ("device_authorization_url", &flow.device_authorization_url),
                        ("token_url", &flow.token_url),
                        ("refresh_url", &flow.refresh_url),
                        ("authorization_url", &flow.authorization_url),
                    ]
                    .into_iter()
                    .filter_map(|(field, url)| {
                        url.as_ref()
                            .filter(|u| is_relative(u))
                            .map(|u| (field, u.clone()))
                    })
                    .collect();
                    flow.resolved = ResolvedUrls {
                        device_authorization_url: resolved(flow.device_authorization_url.as_ref()),
                        token_url: resolved(flow.token_url.as_ref()),
                        refresh_url: resolved(flow.refresh_url.as_ref()),
                        authorization_url: resolved(flow.authorization_url.as_ref()),
                        relative,
                    };
                }
                metadata_url.as_deref()
            }
            SchemeKind::OpenIdConnect { url } => Some(url.as_str()),
            _ => None,
        };
        scheme.discovery = discovery.map(|url| Resolved::new(base_url, url));
    }
    schemes
}

/// `url` resolved against `base_url` with [`resolve`], or as written when
/// it cannot be (a relative reference under a relative server URL: the
/// client resolves it against the base URL it is given).
pub(crate) fn resolve_for_report(base_url: &str, url: &str) -> String {
    resolve(base_url, url).map_or_else(|| url.to_owned(), String::from)
}

/// Whether `url` is a relative reference, which follows the client's base
/// URL.
pub(crate) fn is_relative(url: &str) -> bool {
    matches!(
        url::Url::parse(url),
        Err(url::ParseError::RelativeUrlWithoutBase)
    )
}

/// Resolves `reference` against `base` (RFC 3986 §5) as the runtime's
/// client does: an absolute URL stays as it is (normalised, as the client
/// sends it); anything else is resolved against the base URL with trailing
/// `/` trimmed (as the client builder stores it) and its path taken as a
/// directory: against `https://h/api`, `token` is `https://h/api/token`,
/// `/token` is `https://h/token`, `../token` is `https://h/token`.
/// `None` when `base` is not an absolute URL (a relative server URL) or the
/// reference does not resolve.
///
/// The runtime's `Client::resolve` (`runtime/src/client.rs`) is the same
/// algorithm: the generator cannot depend on the runtime, so
/// `tests/tests/url_resolution.rs` holds the two to the same answers.
pub(crate) fn resolve(base: &str, reference: &str) -> Option<url::Url> {
    match url::Url::parse(reference) {
        Ok(absolute) => Some(absolute),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let mut base = url::Url::parse(base.trim_end_matches('/')).ok()?;
            if !base.path().ends_with('/') {
                let directory = format!("{}/", base.path());
                base.set_path(&directory);
            }
            base.join(reference).ok()
        }
        Err(_) => None,
    }
}

/// The requirements of an operation: its own `security`, or the document's.
pub(crate) fn requirements(
    document: &Document,
    own: Option<&Vec<SecurityRequirement>>,
    pointer: &str,
    schemes: &[Scheme],
    warnings: &mut Vec<Warning>,
) -> Security {
    let (list, list_pointer) = match own {
        Some(list) => (Some(list), format!("{pointer}/security")),
        None => (document.api.security.as_ref(), "/security".to_owned()),
    };
    let Some(list) = list else {
        return Security {
            alternatives: Vec::new(),
            anonymous: true,
        };
    };
    let mut security = Security {
        alternatives: Vec::new(),
        anonymous: list.is_empty(),
    };
    'alternatives: for (index, requirement) in list.iter().enumerate() {
        if requirement.is_empty() {
            security.anonymous = true;
            continue;
        }
        let mut all = Vec::new();
        for (scheme, scopes) in requirement {
            if !schemes.iter().any(|s| &s.key == scheme) {
                warnings.push(Warning {
                    location: document.at(format!("{list_pointer}/{index}")),
                    message: format!(
                        "the requirement names security scheme `{scheme}`, which `components.securitySchemes` does not define; this alternative is left out"
                    ),
                });
                continue 'alternatives;
            }
            let flows = match schemes.iter().find(|s| &s.key == scheme).map(|s| &s.kind) {
                Some(SchemeKind::OAuth2 { flows, .. }) if flows.len() > 1 => flows
                    .iter()
                    .filter(|flow| {
                        scopes
                            .iter()
                            .all(|scope| flow.scopes.iter().any(|(name, _)| name == scope))
                    })
                    .map(|flow| flow.kind.grant())
                    .collect(),
                _ => Vec::new(),
            };
            all.push(SchemeUse {
                scheme: scheme.clone(),
                scopes: scopes.clone(),
                flows,
            });
        }
        security.alternatives.push(all);
    }
    security
}

#[cfg(test)]
mod tests {
    use super::{check_url, resolve, resolve_for_report, FlowKind, SchemeKind};

    /// The schemes and warnings of the document `yaml`.
    fn schemes_of(yaml: &str, name: &str) -> (Vec<super::Scheme>, Vec<crate::Warning>) {
        let file = std::env::temp_dir().join(format!("{name}-{}.yaml", std::process::id()));
        std::fs::write(&file, yaml).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        let mut warnings = Vec::new();
        let schemes = super::schemes(&document.unwrap(), &mut warnings);
        (schemes, warnings)
    }

    /// A URL that is not one is never given to the runtime: the token URL
    /// becomes an argument of the constructor, a refresh URL is dropped,
    /// a flow that cannot work without its URL is left out, and an
    /// OpenID Connect scheme without discovery keeps `access_token` only;
    /// each with a warning at the URL's JSON pointer.
    #[test]
    fn urls_that_are_not_urls_are_left_out_with_a_warning() {
        let (schemes, warnings) = schemes_of(
            r#"
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com/v1"}]
paths: {}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: not a url, refreshUrl: TODO, scopes: {}}
        password: {tokenUrl: example.com/oauth/token, scopes: {}}
        authorizationCode:
          authorizationUrl: "javascript:alert(1)"
          tokenUrl: /oauth/token
          scopes: {}
    oidc:
      type: openIdConnect
      openIdConnectUrl: "ftp://id.example.com/.well-known/openid-configuration"
"#,
            "bad-urls",
        );
        let pointers: Vec<&str> = warnings
            .iter()
            .map(|w| w.location.pointer.as_str())
            .collect();
        assert_eq!(
            pointers,
            [
                "/components/securitySchemes/oauth/flows/clientCredentials/tokenUrl",
                "/components/securitySchemes/oauth/flows/clientCredentials/refreshUrl",
                "/components/securitySchemes/oauth/flows/password/tokenUrl",
                "/components/securitySchemes/oauth/flows/authorizationCode/authorizationUrl",
                "/components/securitySchemes/oidc/openIdConnectUrl",
            ],
            "{warnings:#?}"
        );
        assert!(
            warnings[0].message.contains("`not a url`"),
            "{}",
            warnings[0].message
        );
        assert!(warnings[2]
            .message
            .contains("write `https://example.com/oauth/token`"));
        let SchemeKind::OAuth2 { flows, .. } = &schemes[0].kind else {
            panic!("{:?}", schemes[0].kind);
        };
        let kinds: Vec<FlowKind> = flows.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FlowKind::ClientCredentials, FlowKind::Password]);
        assert!(flows
            .iter()
            .all(|f| f.token_url.is_none() && f.refresh_url.is_none()));
        assert!(schemes[0].arguments().contains(&"token_url"));
        assert!(
            matches!(&schemes[1].kind, SchemeKind::OAuth2 { flows, metadata_url: None } if flows.is_empty()),
            "{:?}",
            schemes[1].kind
        );
        assert_eq!(schemes[1].arguments(), ["access_token"]);
    }

    /// The same for OpenAPI 3.2's device authorization URL and metadata URL.
    #[test]
    fn device_and_metadata_urls_are_checked() {
        let (schemes, warnings) = schemes_of(
            r#"
openapi: 3.2.0
info: {title: t, version: "1"}
paths: {}
components:
  securitySchemes:
    oauth:
      type: oauth2
      oauth2MetadataUrl: TBD
      flows:
        clientCredentials: {tokenUrl: "https://auth.example.com/token", scopes: {}}
        deviceAuthorization:
          deviceAuthorizationUrl: "file:///device"
          tokenUrl: "https://auth.example.com/token"
          scopes: {}
"#,
            "bad-device-urls",
        );
        let pointers: Vec<&str> = warnings
            .iter()
            .map(|w| w.location.pointer.as_str())
            .filter(|p| p.ends_with("Url"))
            .collect();
        assert_eq!(
            pointers,
            [
                "/components/securitySchemes/oauth/oauth2MetadataUrl",
                "/components/securitySchemes/oauth/flows/deviceAuthorization/deviceAuthorizationUrl",
            ],
            "{warnings:#?}"
        );
        let SchemeKind::OAuth2 {
            flows,
            metadata_url,
        } = &schemes[0].kind
        else {
            panic!("{:?}", schemes[0].kind);
        };
        assert_eq!(flows.len(), 1);
        assert_eq!(flows[0].kind, FlowKind::ClientCredentials);
        assert_eq!(metadata_url, &None);
    }

    #[test]
    fn relative_urls_resolve_like_the_runtime() {
        let resolved = |base: &str, url: &str| resolve(base, url).map(String::from);
        assert_eq!(
            resolved("https://h/api/v1", "/oauth/token").as_deref(),
            Some("https://h/oauth/token")
        );
        assert_eq!(
            resolved("https://h/api/v1/", "token").as_deref(),
            Some("https://h/api/v1/token")
        );
        assert_eq!(
            resolved("https://h/api/v1", "../token").as_deref(),
            Some("https://h/api/token")
        );
        // The base's query is not a path: `token` is under `/api/`, not
        // under `/api?v=1/`.
        assert_eq!(
            resolved("https://h/api?v=1", "token").as_deref(),
            Some("https://h/api/token")
        );
        assert_eq!(
            resolved("https://h/api", "//auth.h/t").as_deref(),
            Some("https://auth.h/t")
        );
        assert_eq!(resolved("https://h", "/t").as_deref(), Some("https://h/t"));
        assert_eq!(
            resolved("https://h/api", "https://auth/t").as_deref(),
            Some("https://auth/t")
        );
        // Under a relative server URL only the client's base URL tells.
        assert_eq!(resolved("/api", "token"), None);
        assert_eq!(resolve_for_report("/api", "/oauth/token"), "/oauth/token");
    }

    #[test]
    fn urls_credentials_go_to_are_urls_the_document_names() {
        for url in [
            "https://auth.example.com/oauth/token",
            "http://127.0.0.1:5000/token",
            "HTTPS://Auth.Example.com/t",
            "/oauth/token",
            "oauth/token",
            "token",
            "token.php",
            "../token",
            "./token",
            "//auth.example.com/token",
            "?x=1",
            ".well-known/openid-configuration",
            "/api/v1/users/token",
            "v1.0/token",
        ] {
            assert_eq!(check_url(url), Ok(()), "{url}");
        }
        for (url, reason) in [
            ("not a url", "spaces"),
            ("https://h/oauth/token\tx", "U+0009"),
            ("TODO", "placeholder"),
            ("n/a", "placeholder"),
            ("example.com/oauth/token", "host without a scheme"),
            ("auth.example.com", "host without a scheme"),
            ("localhost/token", "host without a scheme"),
            ("127.0.0.1/token", "host without a scheme"),
            ("example.com:8080/token", "host without a scheme"),
            ("localhost:8080/token", "host without a scheme"),
            ("ftp://h/token", "`ftp:` scheme"),
            ("javascript:alert(1)", "`javascript:` scheme"),
            ("file:///etc/passwd", "`file:` scheme"),
            ("https:/h/token", "not followed by `//`"),
            ("https://", "empty host"),
            ("https://{tenant}.h/token", "variables"),
            ("https://h/<token>", "`<`"),
        ] {
            let error = check_url(url).expect_err(url);
            assert!(error.contains(reason), "{url}: {error}");
        }
    }
}
