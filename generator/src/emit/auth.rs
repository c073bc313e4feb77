//! The `auth` module: one type per security scheme, with a constructor per
//! flow taking only what the user must supply, settings from the scheme's
//! `x-` extensions applied, and a `*_from_env` twin of each constructor.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, ident, Context};
use crate::model::{
    Api, ApiKeyPlace, ArgumentKind, Builds, ClientAuth, Constructor, Extensions, Flow, FlowKind,
    Scheme, SchemeKind,
};

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

/// How a constructor the model describes is written: its documentation,
/// return type and body.
struct Rendering {
    doc: String,
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
    let methods = scheme
        .constructors
        .iter()
        .filter_map(|c| Some(constructor(c, &rendering(c, scheme, ctx)?, ctx)));
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
fn constructor(c: &Constructor, rendering: &Rendering, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let name = format_ident!("{}", c.name);
    let from_env = format_ident!("{}", c.from_env);
    let docs = doc(Some(&rendering.doc));
    let params = c.arguments.iter().map(|argument| {
        let arg = format_ident!("{}", argument.name);
        let ty = match argument.kind {
            ArgumentKind::Text => quote!(impl ::std::convert::Into<::std::string::String>),
            ArgumentKind::Secret => quote!(impl ::std::convert::Into<#private::SecretString>),
            ArgumentKind::Bytes => quote!(impl ::std::convert::Into<::std::vec::Vec<u8>>),
        };
        quote!(#arg: #ty)
    });
    let (returns, body) = (&rendering.returns, &rendering.body);
    let variables: Vec<String> = c
        .arguments
        .iter()
        .map(|argument| format!("`{}`", argument.env_var))
        .collect();
    let env_doc = super::generated_doc(&format!(
        "[`{}`](Self::{}) with {} read from the environment.",
        c.name,
        c.name,
        variables.join(", ")
    ));
    let reads = c.arguments.iter().map(|argument| {
        let variable = &argument.env_var;
        quote!(#private::env_var(#variable)?)
    });
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

/// How the constructor `c` of `scheme` is written; `None` for a grant the
/// scheme has no flow for, which the model never describes.
fn rendering(c: &Constructor, scheme: &Scheme, ctx: &Context) -> Option<Rendering> {
    let private = &ctx.private;
    let extensions = &scheme.extensions;
    let rendering = match (c.builds, &scheme.kind) {
        (Builds::Grant(kind), SchemeKind::OAuth2 { flows, metadata_url }) => {
            let flow = flows.iter().find(|flow| flow.kind == kind)?;
            grant(flow, metadata_url.as_deref(), extensions, ctx)
        }
        (Builds::Grant(kind), SchemeKind::OpenIdConnect { url }) => {
            let settings = token_settings(extensions, ctx);
            let discovery = quote!(.discovery(#private::Discovery::Document(::std::string::String::from(#url))));
            let found =
                format!("The token endpoint is found at run time in the metadata at `{url}`.");
            let (grant, call) = match kind {
                FlowKind::Password => (
                    "The resource owner password grant.",
                    quote!(#private::OAuth2::password(Self::NAME, "", client_id, client_secret, username, password)),
                ),
                _ => (
                    "The client credentials grant.",
                    quote!(#private::OAuth2::client_credentials(Self::NAME, "", client_id, client_secret)),
                ),
            };
            Rendering {
                doc: format!("{grant} {found}"),
                returns: quote!(#private::OAuth2),
                body: quote!(#call #discovery #settings),
            }
        }
        (Builds::Grant(_), _) => return None,
        (Builds::AccessToken, kind) => access_token(kind, extensions, ctx),
        (Builds::Token, kind) => {
            let header_scheme = match kind {
                SchemeKind::HttpToken { header_scheme, .. } => header_scheme.as_str(),
                _ => "Bearer",
            };
            let header = header_setting(extensions, ctx);
            let sent = header_doc(
                extensions,
                &format!("Authorization: {header_scheme} <token>"),
            );
            Rendering {
                doc: format!("A token, {sent}."),
                returns: quote!(#private::Bearer),
                body: quote!(#private::Bearer::with_auth_scheme(Self::NAME, #header_scheme, token) #header),
            }
        }
        (Builds::Certificate, _) => Rendering {
            doc: "A TLS client certificate: PEM holding the certificate chain and its private key, presented on every connection.".to_owned(),
            returns: quote!(#private::ClientCertificate),
            body: quote!(#private::ClientCertificate::new(Self::NAME, certificate)),
        },
        (Builds::Credentials, _) => Rendering {
            doc: "A user name and password, sent as `Authorization: Basic`.".to_owned(),
            returns: quote!(#private::Basic),
            body: quote!(#private::Basic::new(Self::NAME, username, password)),
        },
        (Builds::Key, kind) => {
            let (location, name) = match kind {
                SchemeKind::ApiKey { location, name } => (*location, name.as_str()),
                _ => (ApiKeyPlace::Header, ""),
            };
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
            Rendering {
                doc: format!("The API key, sent as `{name}` = `{shown}`."),
                returns: quote!(#private::ApiKey),
                body: quote!(#private::ApiKey::new(Self::NAME, #private::ApiKeyLocation::#place, #name, api_key) #pattern),
            }
        }
    };
    Some(rendering)
}

/// The constructor of an OAuth2 scheme's `flow`.
fn grant(
    flow: &Flow,
    metadata_url: Option<&str>,
    extensions: &Extensions,
    ctx: &Context,
) -> Rendering {
    let private = &ctx.private;
    let settings = token_settings(extensions, ctx);
    let mut discovery = TokenStream::new();
    let (url, url_doc) = match (&flow.token_url, metadata_url) {
        (Some(url), _) => (quote!(#url), format!("Tokens come from `{url}`.")),
        (None, Some(metadata)) => {
            discovery = quote!(.discovery(#private::Discovery::Document(::std::string::String::from(#metadata))));
            (
                quote!(""),
                format!("The token endpoint is found at run time in the metadata at `{metadata}`."),
            )
        }
        (None, None) => (
            quote!(token_url),
            "The document gives no token URL for this flow: pass it as `token_url`.".to_owned(),
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
    let all: Vec<&str> = flow.scopes.iter().map(|(s, _)| s.as_str()).collect();
    // No declared scopes: none asked for.
    let ask_all = (!all.is_empty()).then(|| quote!(.scopes([#(#all),*])));
    let (grant, call) = match flow.kind {
        FlowKind::Password => (
            "The resource owner password grant.".to_owned(),
            quote!(#private::OAuth2::password(Self::NAME, #url, client_id, client_secret, username, password)),
        ),
        FlowKind::AuthorizationCode => {
            // Resolved against the default server; when that is relative
            // too, `authorization_url` must set it.
            let authorization_url = flow
                .resolved
                .authorization_url
                .as_deref()
                .unwrap_or_default();
            (
                format!("The authorization code grant with PKCE: `authorize()` gives the URL to send the user to (`{authorization_url}`), `finish_authorization` takes the code they come back with. Asks for every scope the flow declares unless `scopes` says otherwise."),
                quote! {
                    #private::OAuth2::authorization_code(Self::NAME, #authorization_url, #url, client_id, redirect_uri)
                        #ask_all
                },
            )
        }
        FlowKind::DeviceAuthorization => {
            let device_url = flow.device_authorization_url.as_deref().unwrap_or_default();
            (
                "The device authorization grant (RFC 8628): `client.runtime().start_device_authorization(NAME)` gives the code the user enters, `wait()` polls until they did. Asks for every scope the flow declares unless `scopes` says otherwise.".to_owned(),
                quote! {
                    #private::OAuth2::device_authorization(Self::NAME, #device_url, #url, client_id)
                        #ask_all
                },
            )
        }
        // The model gives the implicit flow no constructor.
        FlowKind::ClientCredentials | FlowKind::Implicit => (
            "The client credentials grant.".to_owned(),
            quote!(#private::OAuth2::client_credentials(Self::NAME, #url, client_id, client_secret)),
        ),
    };
    Rendering {
        doc: format!("{grant} {url_doc}{refresh_doc}\n\n{scopes}"),
        returns: quote!(#private::OAuth2),
        body: quote!(#call #discovery #refresh #settings),
    }
}

/// `access_token`: a token obtained elsewhere.
fn access_token(kind: &SchemeKind, extensions: &Extensions, ctx: &Context) -> Rendering {
    let private = &ctx.private;
    let interactive = match kind {
        SchemeKind::OAuth2 { flows, .. } => flows
            .iter()
            .filter(|f| matches!(f.kind, FlowKind::AuthorizationCode | FlowKind::Implicit))
            .map(|f| f.kind.grant())
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let sent = header_doc(extensions, "Authorization: Bearer <token>");
    let mut text = format!("An access token obtained elsewhere, {sent}.");
    if !interactive.is_empty() {
        text.push_str(&format!(
            " Use it for the {} flow, which needs a user's browser.",
            interactive.join(" and ")
        ));
    }
    let header = header_setting(extensions, ctx);
    Rendering {
        doc: text,
        returns: quote!(#private::Bearer),
        body: quote!(#private::Bearer::new(Self::NAME, access_token) #header),
    }
}
