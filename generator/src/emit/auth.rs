//! The `auth` module: one type per security scheme, with a constructor per
//! flow taking only what the user must supply, settings from the scheme's
//! `x-` extensions applied, and a `*_from_env` twin of each constructor.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, ident, Context};
use crate::model::{Api, ApiKeyPlace, ClientAuth, Extensions, FlowKind, Scheme, SchemeKind};

pub(crate) fn auth_module(api: &Api, ctx: &Context) -> TokenStream {
    let schemes = api.schemes.iter().map(|scheme| scheme_type(scheme, ctx));
    quote! {
        /// Credentials for the document's security schemes, one type per
        /// scheme. Pass what a constructor returns to `ClientBuilder::auth`.
        pub mod auth {
            #(#schemes)*
        }
    }
}

/// One constructor: its name, documentation, arguments (names the model
/// also uses for environment variables), return type and body.
struct Constructor {
    name: &'static str,
    doc: String,
    arguments: Vec<(&'static str, TokenStream)>,
    returns: TokenStream,
    body: TokenStream,
}

fn scheme_type(scheme: &Scheme, ctx: &Context) -> TokenStream {
    let name = ident(&scheme.rust_name);
    let key = &scheme.key;
    let summary = format!("The `{key}` security scheme: {}.", describe(&scheme.kind));
    let summary = doc(Some(&summary));
    let description = doc(scheme.description.as_deref());
    let separator = scheme.description.as_ref().map(|_| quote!(#[doc = ""]));
    let constructors = constructors(scheme, ctx);
    let methods = constructors.iter().map(|c| constructor(c, scheme, ctx));
    quote! {
        #summary
        #separator
        #description
        #[derive(Debug)]
        pub enum #name {}

        impl #name {
            /// The scheme's name in the document.
            pub const NAME: &'static str = #key;

            #(#methods)*
        }
    }
}

/// A constructor and its `_from_env` twin.
fn constructor(c: &Constructor, scheme: &Scheme, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let name = format_ident!("{}", c.name);
    let from_env = format_ident!("{}_from_env", c.name);
    let docs = doc(Some(&c.doc));
    let params = c.arguments.iter().map(|(arg, ty)| {
        let arg = format_ident!("{arg}");
        quote!(#arg: #ty)
    });
    let (returns, body) = (&c.returns, &c.body);
    let variables: Vec<String> = c
        .arguments
        .iter()
        .map(|(arg, _)| format!("{}_{}", scheme.env_prefix, arg.to_uppercase()))
        .collect();
    let env_doc = super::generated_doc(&format!(
        "[`{}`](Self::{}) with {} read from the environment.",
        c.name,
        c.name,
        variables
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let reads = variables.iter().map(|v| quote!(#private::env_var(#v)?));
    quote! {
        #docs
        pub fn #name(#(#params),*) -> #returns {
            #body
        }

        #env_doc
        pub fn #from_env() -> ::std::result::Result<#returns, #private::Error> {
            ::std::result::Result::Ok(Self::#name(#(#reads),*))
        }
    }
}

fn describe(kind: &SchemeKind) -> String {
    match kind {
        SchemeKind::OAuth2 { flows, .. } if flows.is_empty() => "OAuth2 without flows".to_owned(),
        SchemeKind::OAuth2 { flows, .. } => {
            let grants: Vec<&str> = flows.iter().map(|f| f.kind.grant()).collect();
            format!("OAuth2 ({})", grants.join(", "))
        }
        SchemeKind::OpenIdConnect { url } => format!("OpenID Connect, discovered at <{url}>"),
        SchemeKind::HttpToken { scheme, format, .. } => match format {
            Some(format) => format!("HTTP `{scheme}` ({format})"),
            None => format!("HTTP `{scheme}`"),
        },
        SchemeKind::HttpBasic => "HTTP Basic".to_owned(),
        SchemeKind::MutualTls => "mutual TLS (a client certificate)".to_owned(),
        SchemeKind::ApiKey { location, name } => {
            let place = match location {
                ApiKeyPlace::Header => "header",
                ApiKeyPlace::Query => "query parameter",
                ApiKeyPlace::Cookie => "cookie",
            };
            format!("an API key in the {place} `{name}`")
        }
    }
}

fn scopes_doc(scopes: &[(String, String)]) -> String {
    if scopes.is_empty() {
        return "The flow declares no scopes.".to_owned();
    }
    let lines: Vec<String> = scopes
        .iter()
        .map(|(scope, description)| {
            if description.trim().is_empty() {
                format!("- `{scope}`")
            } else {
                format!("- `{scope}`: {}", description.trim())
            }
        })
        .collect();
    format!(
        "Each call asks for the scopes its operation declares, from:\n{}",
        lines.join("\n")
    )
}

/// The calls that apply a scheme's token-endpoint extensions to an
/// `OAuth2` credential.
fn token_settings(extensions: &Extensions, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let mut calls = TokenStream::new();
    if let Some(method) = extensions.client_auth {
        let variant = match method {
            ClientAuth::Auto => quote!(Auto),
            ClientAuth::Basic => quote!(Basic),
            ClientAuth::Body => quote!(Body),
            ClientAuth::None => quote!(None),
        };
        calls.extend(quote!(.client_auth(#private::ClientAuthMethod::#variant)));
    }
    for (method, pairs) in [
        (quote!(token_param), &extensions.token_params),
        (quote!(token_header), &extensions.token_headers),
        (quote!(refresh_param), &extensions.refresh_params),
    ] {
        for (name, value) in pairs {
            calls.extend(quote!(.#method(#name, #value)));
        }
    }
    if let Some((token, expires_in)) = &extensions.token_response {
        let expires_in = match expires_in {
            Some(path) => quote!(::std::option::Option::Some(::std::string::String::from(#path))),
            None => quote!(::std::option::Option::None),
        };
        calls.extend(quote! {
            .token_response_paths(#private::TokenResponsePaths {
                access_token: ::std::string::String::from(#token),
                expires_in: #expires_in,
            })
        });
    }
    calls.extend(header_setting(extensions, ctx));
    calls
}

/// The call that moves a token to the header `x-credential-header` names.
fn header_setting(extensions: &Extensions, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    match &extensions.credential_header {
        Some((name, pattern)) => {
            quote!(.credential_header(#private::CredentialHeader::new(#name, #pattern)))
        }
        None => TokenStream::new(),
    }
}

fn header_doc(extensions: &Extensions, default: &str) -> String {
    match &extensions.credential_header {
        Some((name, pattern)) => format!("sent as `{name}: {pattern}`"),
        None => format!("sent as `{default}`"),
    }
}

fn constructors(scheme: &Scheme, ctx: &Context) -> Vec<Constructor> {
    let private = &ctx.private;
    let string = quote!(impl ::std::convert::Into<::std::string::String>);
    let secret = quote!(impl ::std::convert::Into<#private::SecretString>);
    let extensions = &scheme.extensions;
    let mut out = Vec::new();
    match &scheme.kind {
        SchemeKind::OAuth2 {
            flows,
            metadata_url,
        } => {
            let settings = token_settings(extensions, ctx);
            for flow in flows {
                let mut discovery = TokenStream::new();
                let (url_argument, url, url_doc) = match (&flow.token_url, metadata_url) {
                    (Some(url), _) => (None, quote!(#url), format!("Tokens come from `{url}`.")),
                    (None, Some(metadata)) => {
                        discovery = quote!(.discovery(#private::Discovery::Document(::std::string::String::from(#metadata))));
                        (
                            None,
                            quote!(""),
                            format!("The token endpoint is found at run time in the metadata at `{metadata}`."),
                        )
                    }
                    (None, None) => (
                        Some(("token_url", string.clone())),
                        quote!(token_url),
                        "The document gives no token URL for this flow: pass it as `token_url`."
                            .to_owned(),
                    ),
                };
                let refresh = flow
                    .refresh_url
                    .as_ref()
                    .map(|url| quote!(.refresh_url(#url)));
                let refresh_doc = flow
                    .refresh_url
                    .as_ref()
                    .map(|url| format!(" Refresh tokens are redeemed at `{url}`."))
                    .unwrap_or_default();
                let scopes = scopes_doc(&flow.scopes);
                let (name, grant, mut arguments, call) = match flow.kind {
                    FlowKind::ClientCredentials => (
                        "client_credentials",
                        "The client credentials grant.",
                        vec![
                            ("client_id", string.clone()),
                            ("client_secret", secret.clone()),
                        ],
                        quote!(#private::OAuth2::client_credentials(Self::NAME, #url, client_id, client_secret)),
                    ),
                    FlowKind::Password => (
                        "password",
                        "The resource owner password grant.",
                        vec![
                            ("client_id", string.clone()),
                            ("client_secret", secret.clone()),
                            ("username", string.clone()),
                            ("password", secret.clone()),
                        ],
                        quote!(#private::OAuth2::password(Self::NAME, #url, client_id, client_secret, username, password)),
                    ),
                    FlowKind::AuthorizationCode => {
                        // Resolved against the default server; when that is
                        // relative too, `authorization_url` must set it.
                        let authorization_url = flow
                            .resolved
                            .authorization_url
                            .as_deref()
                            .unwrap_or_default();
                        let all: Vec<&str> = flow.scopes.iter().map(|(s, _)| s.as_str()).collect();
                        // No declared scopes: none asked for.
                        let scopes = (!all.is_empty()).then(|| quote!(.scopes([#(#all),*])));
                        (
                            "authorization_code",
                            "The authorization code grant with PKCE: `authorize()` gives the URL to send the user to (`{authorization_url}`), `finish_authorization` takes the code they come back with. Asks for every scope the flow declares unless `scopes` says otherwise.",
                            vec![("client_id", string.clone()), ("redirect_uri", string.clone())],
                            quote! {
                                #private::OAuth2::authorization_code(Self::NAME, #authorization_url, #url, client_id, redirect_uri)
                                    #scopes
                            },
                        )
                    }
                    FlowKind::DeviceAuthorization => {
                        let device_url = flow
                            .device_authorization_url
                            .as_deref()
                            .unwrap_or_default();
                        let all: Vec<&str> = flow.scopes.iter().map(|(s, _)| s.as_str()).collect();
                        // No declared scopes: none asked for.
                        let scopes = (!all.is_empty()).then(|| quote!(.scopes([#(#all),*])));
                        (
                            "device_authorization",
                            "The device authorization grant (RFC 8628): `Client::start_device_authorization(NAME)` gives the code the user enters, `wait()` polls until they did. Asks for every scope the flow declares unless `scopes` says otherwise.",
                            vec![("client_id", string.clone())],
                            quote! {
                                #private::OAuth2::device_authorization(Self::NAME, #device_url, #url, client_id)
                                    #scopes
                            },
                        )
                    }
                    // The implicit flow hands the token to a browser; such a
                    // token is accepted by `access_token`.
                    FlowKind::Implicit => continue,
                };
                arguments.extend(url_argument);
                let grant = grant.replace(
                    "{authorization_url}",
                    flow.resolved
                        .authorization_url
                        .as_deref()
                        .unwrap_or_default(),
                );
                out.push(Constructor {
                    name,
                    doc: format!("{grant} {url_doc}{refresh_doc}\n\n{scopes}"),
                    arguments,
                    returns: quote!(#private::OAuth2),
                    body: quote!(#call #discovery #refresh #settings),
                });
            }
            out.push(access_token(scheme, ctx));
        }
        SchemeKind::OpenIdConnect { url } => {
            let settings = token_settings(extensions, ctx);
            let discovery = quote!(.discovery(#private::Discovery::Document(::std::string::String::from(#url))));
            let found =
                format!("The token endpoint is found at run time in the metadata at `{url}`.");
            out.push(Constructor {
                name: "client_credentials",
                doc: format!("The client credentials grant. {found}"),
                arguments: vec![("client_id", string.clone()), ("client_secret", secret.clone())],
                returns: quote!(#private::OAuth2),
                body: quote!(#private::OAuth2::client_credentials(Self::NAME, "", client_id, client_secret) #discovery #settings),
            });
            out.push(Constructor {
                name: "password",
                doc: format!("The resource owner password grant. {found}"),
                arguments: vec![
                    ("client_id", string.clone()),
                    ("client_secret", secret.clone()),
                    ("username", string.clone()),
                    ("password", secret.clone()),
                ],
                returns: quote!(#private::OAuth2),
                body: quote!(#private::OAuth2::password(Self::NAME, "", client_id, client_secret, username, password) #discovery #settings),
            });
            out.push(access_token(scheme, ctx));
        }
        SchemeKind::HttpToken { header_scheme, .. } => {
            let header = header_setting(extensions, ctx);
            let sent = header_doc(
                extensions,
                &format!("Authorization: {header_scheme} <token>"),
            );
            out.push(Constructor {
                name: "token",
                doc: format!("A token, {sent}."),
                arguments: vec![("token", secret.clone())],
                returns: quote!(#private::Bearer),
                body: quote!(#private::Bearer::with_auth_scheme(Self::NAME, #header_scheme, token) #header),
            });
        }
        SchemeKind::MutualTls => out.push(Constructor {
            name: "certificate",
            doc: "A TLS client certificate: PEM holding the certificate chain and its private key, presented on every connection.".to_owned(),
            arguments: vec![("certificate", quote!(impl ::std::convert::Into<::std::vec::Vec<u8>>))],
            returns: quote!(#private::ClientCertificate),
            body: quote!(#private::ClientCertificate::new(Self::NAME, certificate)),
        }),
        SchemeKind::HttpBasic => out.push(Constructor {
            name: "credentials",
            doc: "A user name and password, sent as `Authorization: Basic`.".to_owned(),
            arguments: vec![("username", string.clone()), ("password", secret.clone())],
            returns: quote!(#private::Basic),
            body: quote!(#private::Basic::new(Self::NAME, username, password)),
        }),
        SchemeKind::ApiKey { location, name } => {
            let place = match location {
                ApiKeyPlace::Header => quote!(Header),
                ApiKeyPlace::Query => quote!(Query),
                ApiKeyPlace::Cookie => quote!(Cookie),
            };
            // For a key, `x-credential-header` only sets the value pattern:
            // the document already names where the key goes.
            let pattern = extensions
                .credential_header
                .as_ref()
                .map(|(_, pattern)| quote!(.value_pattern(#pattern)));
            let shown = extensions.credential_header.as_ref().map_or_else(
                || "<key>".to_owned(),
                |(_, p)| p.replace("{token}", "<key>"),
            );
            out.push(Constructor {
                name: "key",
                doc: format!("The API key, sent as `{name}` = `{shown}`."),
                arguments: vec![("api_key", secret.clone())],
                returns: quote!(#private::ApiKey),
                body: quote!(#private::ApiKey::new(Self::NAME, #private::ApiKeyLocation::#place, #name, api_key) #pattern),
            });
        }
    }
    out
}

fn access_token(scheme: &Scheme, ctx: &Context) -> Constructor {
    let private = &ctx.private;
    let interactive = match &scheme.kind {
        SchemeKind::OAuth2 { flows, .. } => flows
            .iter()
            .filter(|f| matches!(f.kind, FlowKind::AuthorizationCode | FlowKind::Implicit))
            .map(|f| f.kind.grant())
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let sent = header_doc(&scheme.extensions, "Authorization: Bearer <token>");
    let mut text = format!("An access token obtained elsewhere, {sent}.");
    if !interactive.is_empty() {
        text.push_str(&format!(
            " Use it for the {} flow, which needs a user's browser.",
            interactive.join(" and ")
        ));
    }
    let header = header_setting(&scheme.extensions, ctx);
    Constructor {
        name: "access_token",
        doc: text,
        arguments: vec![(
            "access_token",
            quote!(impl ::std::convert::Into<#private::SecretString>),
        )],
        returns: quote!(#private::Bearer),
        body: quote!(#private::Bearer::new(Self::NAME, access_token) #header),
    }
}
