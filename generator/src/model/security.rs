//! The security plan: every scheme with its flows and URLs, and per
//! operation the requirement alternatives with their scopes.

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

#[derive(Debug, Default)]
pub(crate) struct ResolvedUrls {
    pub(crate) device_authorization_url: Option<String>,
    pub(crate) token_url: Option<String>,
    pub(crate) refresh_url: Option<String>,
    pub(crate) authorization_url: Option<String>,
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
                let mut list = Vec::new();
                if let Some(f) = &flows.client_credentials {
                    list.push(flow(
                        FlowKind::ClientCredentials,
                        Some(&f.token_url),
                        f.refresh_url.as_ref(),
                        None,
                        &f.scopes,
                    ));
                }
                if let Some(f) = &flows.password {
                    list.push(flow(
                        FlowKind::Password,
                        Some(&f.token_url),
                        f.refresh_url.as_ref(),
                        None,
                        &f.scopes,
                    ));
                }
                if let Some(f) = &flows.authorization_code {
                    list.push(flow(
                        FlowKind::AuthorizationCode,
                        Some(&f.token_url),
                        f.refresh_url.as_ref(),
                        Some(&f.authorization_url),
                        &f.scopes,
                    ));
                }
                if let Some(f) = &flows.implicit {
                    list.push(flow(
                        FlowKind::Implicit,
                        None,
                        f.refresh_url.as_ref(),
                        Some(&f.authorization_url),
                        &f.scopes,
                    ));
                }
                if list.is_empty() {
                    warnings.push(Warning {
                        location: document.at(format!("{pointer}/flows")),
                        message: "the OAuth2 scheme declares no flows; only a token obtained elsewhere can be used".to_owned(),
                    });
                }
                for flow in &list {
                    if flow.kind != FlowKind::Implicit && flow.token_url.is_none() {
                        warnings.push(Warning {
                            location: document.at(format!("{pointer}/flows")),
                            message: format!("the {} flow has no token URL; the generated constructor asks for one", flow.kind.grant()),
                        });
                    }
                }
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
            } => (
                description.clone(),
                SchemeKind::OpenIdConnect {
                    url: open_id_connect_url.clone(),
                },
            ),
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
                let mut device = flow(
                    FlowKind::DeviceAuthorization,
                    Some(token_url),
                    refresh_url.as_ref(),
                    None,
                    scopes,
                );
                device.device_authorization_url = Some(device_authorization_url.clone());
                flows.push(device);
            }
            (ExtraScheme::OAuth2Metadata { url }, Some((_, metadata_url))) => {
                *metadata_url = Some(url.clone());
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

fn flow(
    kind: FlowKind,
    token_url: Option<&String>,
    refresh_url: Option<&String>,
    authorization_url: Option<&String>,
    scopes: &indexmap::IndexMap<String, String>,
) -> Flow {
    let present = |url: Option<&String>| url.filter(|u| !u.trim().is_empty()).cloned();
    Flow {
        kind,
        token_url: present(token_url),
        refresh_url: present(refresh_url),
        authorization_url: present(authorization_url),
        device_authorization_url: None,
        resolved: ResolvedUrls::default(),
        scopes: scopes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}

/// Fills in each flow's URLs resolved against `base_url`, as the runtime
/// will resolve them with the default server.
pub(crate) fn resolve_urls(mut schemes: Vec<Scheme>, base_url: &str) -> Vec<Scheme> {
    for scheme in &mut schemes {
        if let SchemeKind::OAuth2 { flows, .. } = &mut scheme.kind {
            for flow in flows {
                flow.resolved = ResolvedUrls {
                    device_authorization_url: flow
                        .device_authorization_url
                        .as_deref()
                        .map(|u| resolve(base_url, u)),
                    token_url: flow.token_url.as_deref().map(|u| resolve(base_url, u)),
                    refresh_url: flow.refresh_url.as_deref().map(|u| resolve(base_url, u)),
                    authorization_url: flow
                        .authorization_url
                        .as_deref()
                        .map(|u| resolve(base_url, u)),
                };
            }
        }
    }
    schemes
}

/// Resolves `url` against `base` the way the runtime does: an absolute URL
/// stays, `/path` replaces the base's path, anything else is appended to the
/// base treated as a directory.
pub(crate) fn resolve(base: &str, url: &str) -> String {
    if url.contains("://") {
        return url.to_owned();
    }
    let base = base.trim_end_matches('/');
    if let Some(rest) = url.strip_prefix('/') {
        // Keep scheme and authority of the base.
        let origin_end = base
            .find("://")
            .and_then(|start| base[start + 3..].find('/').map(|i| start + 3 + i))
            .unwrap_or(base.len());
        return format!("{}/{rest}", &base[..origin_end]);
    }
    format!("{base}/{url}")
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
    use super::resolve;

    #[test]
    fn relative_urls_resolve_like_the_runtime() {
        assert_eq!(
            resolve("https://h/api/v1", "/oauth/token"),
            "https://h/oauth/token"
        );
        assert_eq!(
            resolve("https://h/api/v1/", "token"),
            "https://h/api/v1/token"
        );
        assert_eq!(resolve("https://h", "/t"), "https://h/t");
        assert_eq!(resolve("https://h/api", "https://auth/t"), "https://auth/t");
    }
}
