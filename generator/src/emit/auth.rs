//! The `auth` module: one type per security scheme, with a constructor per
//! flow taking only what the user must supply.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident, Context};
use crate::model::{Api, ApiKeyPlace, FlowKind, Scheme, SchemeKind};

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

fn scheme_type(scheme: &Scheme, ctx: &Context) -> TokenStream {
    let name = ident(&scheme.rust_name);
    let key = &scheme.key;
    let summary = format!("The `{key}` security scheme: {}.", describe(&scheme.kind));
    let summary = doc(Some(&summary));
    let description = doc(scheme.description.as_deref());
    let separator = scheme.description.as_ref().map(|_| quote!(#[doc = ""]));
    let constructors = constructors(scheme, ctx);
    quote! {
        #summary
        #separator
        #description
        #[derive(Debug)]
        pub enum #name {}

        impl #name {
            /// The scheme's name in the document.
            pub const NAME: &'static str = #key;

            #(#constructors)*
        }
    }
}

fn describe(kind: &SchemeKind) -> String {
    match kind {
        SchemeKind::OAuth2 { flows } if flows.is_empty() => "OAuth2 without flows".to_owned(),
        SchemeKind::OAuth2 { flows } => {
            let grants: Vec<&str> = flows.iter().map(|f| f.kind.grant()).collect();
            format!("OAuth2 ({})", grants.join(", "))
        }
        SchemeKind::OpenIdConnect { url } => format!("OpenID Connect, discovered at <{url}>"),
        SchemeKind::HttpToken { scheme, format, .. } => match format {
            Some(format) => format!("HTTP `{scheme}` ({format})"),
            None => format!("HTTP `{scheme}`"),
        },
        SchemeKind::HttpBasic => "HTTP Basic".to_owned(),
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

fn constructors(scheme: &Scheme, ctx: &Context) -> Vec<TokenStream> {
    let private = &ctx.private;
    let string = quote!(impl ::std::convert::Into<::std::string::String>);
    let secret = quote!(impl ::std::convert::Into<#private::SecretString>);
    let mut out = Vec::new();
    match &scheme.kind {
        SchemeKind::OAuth2 { flows } => {
            for flow in flows {
                let (url_param, url_arg, url_doc) = match &flow.token_url {
                    Some(url) => (
                        TokenStream::new(),
                        quote!(#url),
                        format!("Tokens come from `{url}`."),
                    ),
                    None => (
                        quote!(token_url: #string,),
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
                match flow.kind {
                    FlowKind::ClientCredentials => {
                        let docs = doc(Some(&format!(
                            "The client credentials grant. {url_doc}{refresh_doc}\n\n{scopes}"
                        )));
                        out.push(quote! {
                            #docs
                            pub fn client_credentials(#url_param client_id: #string, client_secret: #secret) -> #private::OAuth2 {
                                #private::OAuth2::client_credentials(Self::NAME, #url_arg, client_id, client_secret) #refresh
                            }
                        });
                    }
                    FlowKind::Password => {
                        let docs = doc(Some(&format!(
                            "The resource owner password grant. {url_doc}{refresh_doc}\n\n{scopes}"
                        )));
                        out.push(quote! {
                            #docs
                            pub fn password(#url_param client_id: #string, client_secret: #secret, username: #string, password: #secret) -> #private::OAuth2 {
                                #private::OAuth2::password(Self::NAME, #url_arg, client_id, client_secret, username, password) #refresh
                            }
                        });
                    }
                    // The interactive flows run outside the client; their
                    // tokens are accepted by `access_token`.
                    FlowKind::AuthorizationCode | FlowKind::Implicit => {}
                }
            }
            out.push(access_token(scheme, ctx));
        }
        SchemeKind::OpenIdConnect { .. } => out.push(access_token(scheme, ctx)),
        SchemeKind::HttpToken { header_scheme, .. } => {
            let docs = doc(Some(&format!(
                "A token sent as `Authorization: {header_scheme} <token>`."
            )));
            out.push(quote! {
                #docs
                pub fn token(token: #secret) -> #private::Bearer {
                    #private::Bearer::with_auth_scheme(Self::NAME, #header_scheme, token)
                }
            });
        }
        SchemeKind::HttpBasic => out.push(quote! {
            /// A user name and password, sent as `Authorization: Basic`.
            pub fn credentials(username: #string, password: #secret) -> #private::Basic {
                #private::Basic::new(Self::NAME, username, password)
            }
        }),
        SchemeKind::ApiKey { location, name } => {
            let place = match location {
                ApiKeyPlace::Header => quote!(Header),
                ApiKeyPlace::Query => quote!(Query),
                ApiKeyPlace::Cookie => quote!(Cookie),
            };
            let docs = doc(Some(&format!("The API key, sent as `{name}`.")));
            out.push(quote! {
                #docs
                pub fn key(key: #secret) -> #private::ApiKey {
                    #private::ApiKey::new(Self::NAME, #private::ApiKeyLocation::#place, #name, key)
                }
            });
        }
    }
    out
}

fn access_token(scheme: &Scheme, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let interactive = match &scheme.kind {
        SchemeKind::OAuth2 { flows } => flows
            .iter()
            .filter(|f| matches!(f.kind, FlowKind::AuthorizationCode | FlowKind::Implicit))
            .map(|f| f.kind.grant())
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let mut text = "An access token obtained elsewhere, sent as a bearer token.".to_owned();
    if !interactive.is_empty() {
        text.push_str(&format!(
            " Use it for the {} flow, which needs a user's browser.",
            interactive.join(" and ")
        ));
    }
    let docs = doc(Some(&text));
    quote! {
        #docs
        pub fn access_token(token: impl ::std::convert::Into<#private::SecretString>) -> #private::Bearer {
            #private::Bearer::new(Self::NAME, token)
        }
    }
}
