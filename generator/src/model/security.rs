//! The security plan: every scheme with its flows and URLs, and per
//! operation the requirement alternatives with their scopes.
//!
//! The runtime sends credentials to the URLs read here, so each is checked
//! ([`check_url`]): one that is not a URL the document really names is
//! left out with a warning, and the generated code asks for it instead.
//! Relative URLs are resolved ([`resolve`](super::urls::resolve)) exactly
//! as the runtime resolves them, so that `inspect` shows the URL the client
//! will call. Both live in `urls.rs`.

use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityRequirement, SecurityScheme};

use super::constructors::{self, Constructor};
use super::extensions::{self, Extensions};
use super::names::{self, Namespace};
use super::urls::{check_url, is_relative, resolve_for_report};
use crate::diagnostics::Diagnostics;
use crate::load::{Document, ExtraScheme};
use crate::pointer;

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
    /// The constructors of its type in the `auth` module, with the
    /// environment variables their `*_from_env` twins read.
    pub(crate) constructors: Vec<Constructor>,
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
/// resolved with [`resolve`](super::urls::resolve), or as written when it
/// is relative and the default server's URL is too.
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

pub(crate) fn schemes(document: &Document, diagnostics: &Diagnostics<'_>) -> Vec<Scheme> {
    let Some(components) = &document.api.components else {
        return Vec::new();
    };
    let mut rust_names = Namespace::default();
    let mut schemes = Vec::new();
    for (key, scheme) in &components.security_schemes {
        let pointer = pointer::join("/components/securitySchemes", key);
        let scheme = match scheme {
            ReferenceOr::Item(scheme) => scheme,
            ReferenceOr::Reference { reference } => {
                diagnostics.warn(&pointer, format!(
                        "security scheme references (`{reference}`) are not followed yet; the scheme is left out"
                    ));
                continue;
            }
        };
        let extensions = extensions::read(&pointer, scheme_extensions(scheme), diagnostics);
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
                    diagnostics.warn(format!("{pointer}/flows"), "the OAuth2 scheme declares no flows; only a token obtained elsewhere can be used");
                }
                let list = declared
                    .into_iter()
                    .flatten()
                    .filter_map(|source| flow(&pointer, source, diagnostics))
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
                    &format!("{pointer}/openIdConnectUrl"),
                    Some(open_id_connect_url),
                    "the scheme keeps only `access_token`, for a token obtained elsewhere",
                    diagnostics,
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
            diagnostics.warn(
                &pointer,
                "token endpoint extensions apply to oauth2 and openIdConnect schemes only; ignored",
            );
        }
        schemes.push(Scheme {
            key: key.clone(),
            rust_name: rust_names.unique(names::type_name(key)),
            description,
            kind,
            extensions,
            constructors: Vec::new(),
            discovery: None,
        });
    }
    add_extra_schemes(document, &mut schemes, &mut rust_names, diagnostics);
    constructors::assign(&mut schemes, &document.api.info.title);
    schemes
}

/// What the loader kept of 3.1 and 3.2 security that `openapiv3` cannot
/// hold: `mutualTLS` schemes, `deviceAuthorization` flows and
/// `oauth2MetadataUrl`.
fn add_extra_schemes(
    document: &Document,
    schemes: &mut Vec<Scheme>,
    rust_names: &mut Namespace,
    diagnostics: &Diagnostics<'_>,
) {
    for (key, extra) in &document.extra_schemes {
        let pointer = pointer::join("/components/securitySchemes", key);
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
                constructors: Vec::new(),
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
                flows.extend(flow(&pointer, source, diagnostics));
            }
            (ExtraScheme::OAuth2Metadata { url }, Some((_, metadata_url))) => {
                if let Checked::Url(url) = checked_url(
                    &format!("{pointer}/oauth2MetadataUrl"),
                    Some(url),
                    "flows without a token URL ask for one",
                    diagnostics,
                ) {
                    *metadata_url = Some(url);
                }
            }
            (_, None) => diagnostics.warn(
                &pointer,
                "a deviceAuthorization flow or oauth2MetadataUrl outside an oauth2 scheme; ignored",
            ),
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
    scheme_pointer: &str,
    source: FlowSource<'_>,
    diagnostics: &Diagnostics<'_>,
) -> Option<Flow> {
    let kind = source.kind;
    let pointer = format!("{scheme_pointer}/flows/{}", kind.member());
    let check = |member: &str, url: Option<&String>, consequence: &str| {
        checked_url(
            &format!("{pointer}/{member}"),
            url,
            consequence,
            diagnostics,
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
        diagnostics.warn(
            format!("{scheme_pointer}/flows"),
            format!(
                "the {} flow has no token URL; the generated constructor asks for one",
                kind.grant()
            ),
        );
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
    pointer: &str,
    url: Option<&String>,
    consequence: &str,
    diagnostics: &Diagnostics<'_>,
) -> Checked {
    let Some(url) = url.map(|u| u.trim()).filter(|u| !u.is_empty()) else {
        return Checked::Missing;
    };
    match check_url(url) {
        Ok(()) => Checked::Url(url.to_owned()),
        Err(problem) => {
            diagnostics.warn(
                pointer,
                format!(
                    "`{url}` is not a URL credentials can be sent to: {problem}; {consequence} \
                     (fix the document with an overlay, or set the URL at run time)"
                ),
            );
            Checked::Rejected
        }
    }
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

/// The requirements of an operation: its own `security`, or the document's.
pub(crate) fn requirements(
    document: &Document,
    own: Option<&Vec<SecurityRequirement>>,
    pointer: &str,
    schemes: &[Scheme],
    diagnostics: &Diagnostics<'_>,
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
                diagnostics.warn(format!("{list_pointer}/{index}"), format!(
                        "the requirement names security scheme `{scheme}`, which `components.securitySchemes` does not define; this alternative is left out"
                    ));
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
    use super::{check_url, resolve_for_report, FlowKind, SchemeKind};
    use crate::model::urls::resolve;

    /// The schemes and warnings of the document `yaml`.
    fn schemes_of(yaml: &str, name: &str) -> (Vec<super::Scheme>, Vec<crate::Warning>) {
        let file = std::env::temp_dir().join(format!("{name}-{}.yaml", std::process::id()));
        std::fs::write(&file, yaml).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        let document = document.unwrap();
        let diagnostics = crate::diagnostics::Diagnostics::new(&document.source);
        let schemes = super::schemes(&document, &diagnostics);
        (schemes, diagnostics.check().unwrap())
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
