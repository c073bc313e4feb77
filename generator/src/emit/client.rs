//! The `Client` type and the `server` module. The methods per operation
//! are written beside their builders (see `operations`).

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, format_template, ident, Context};
use crate::model::Api;

pub(crate) fn client(api: &Api, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let base_url = &api.base_url;
    let title = format!("A client for {} {}.", api.title, api.version);
    let title = doc(Some(&title));
    let description = api.description.as_deref().map(|text| {
        let text = doc(Some(text));
        quote!(#[doc = ""] #text)
    });
    let builder_doc = doc(Some(&format!(
        "Starts configuring a client. The base URL is `{base_url}` unless set with `base_url`."
    )));
    quote! {
        #title
        #description
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: #private::Client,
        }

        impl #private::GeneratedClient for Client {
            const DEFAULT_BASE_URL: &'static str = #base_url;

            fn from_runtime(client: #private::Client) -> Self {
                Client { inner: client }
            }
        }

        /// The error of a call: `Error<E>` for operations whose documented
        /// error responses have bodies of type `E`, plain `Error` otherwise.
        pub type Error<E = ::std::convert::Infallible> = #private::Error<E>;

        impl Client {
            #builder_doc
            pub fn builder() -> #private::ClientBuilder<Client> {
                #private::ClientBuilder::default()
            }

            /// The runtime client under this one, for requests the document
            /// does not describe.
            pub fn runtime(&self) -> &#private::Client {
                &self.inner
            }
        }
    }
}

/// The `server` module, when the first server's URL has variables: an enum
/// per variable whose values are listed, and `url` to fill them in.
pub(crate) fn server_module(api: &Api) -> TokenStream {
    let Some(server) = &api.server else {
        return TokenStream::new();
    };
    // rustdoc resolves the links of a module's outer docs in its parent.
    let module_doc = super::generated_doc(&format!(
        "The document's first server, `{}`, and its variables. Pass [`url`](server::url) to `base_url` to choose other values than the defaults.",
        server.url
    ));
    let enums = server.variables.iter().filter_map(|variable| {
        let (name, variants) = variable.values.as_ref()?;
        let name = ident(name);
        let docs = doc(Some(variable.doc.as_deref().unwrap_or(&format!(
            "The values of the `{}` variable.",
            variable.wire
        ))));
        let default = variants
            .iter()
            .find(|v| v.wire == variable.default)
            .map(|v| {
                let variant = ident(&v.name);
                quote!(#[default] #variant)
            });
        let listed = variants.iter().map(|v| {
            let (variant, wire) = (ident(&v.name), &v.wire);
            let is_default = v.wire == variable.default;
            let text = doc(Some(&format!("`{wire}`")));
            (!is_default).then(|| quote!(#text #variant,))
        });
        let default = default.map(|d| {
            let text = doc(Some(&format!("`{}` (the default)", variable.default)));
            quote!(#text #d,)
        });
        let arms = variants.iter().map(|v| {
            let (variant, wire) = (ident(&v.name), &v.wire);
            quote!(#name::#variant => #wire,)
        });
        let derive_default = default.is_some().then(|| quote!(Default,));
        Some(quote! {
            #docs
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, #derive_default)]
            pub enum #name {
                #default
                #(#listed)*
            }

            impl #name {
                /// The value as the URL has it.
                pub fn as_str(self) -> &'static str {
                    match self {
                        #(#arms)*
                    }
                }
            }
        })
    });
    let params = server.variables.iter().map(|variable| {
        let name = ident(&variable.name);
        match &variable.values {
            Some((ty, _)) => {
                let ty = ident(ty);
                quote!(#name: #ty)
            }
            None => quote!(#name: &str),
        }
    });
    // The URL as a `format!` template: variables become `{}`.
    let (template, args) = format_template(&server.url, |wire| {
        let variable = server.variables.iter().find(|v| v.wire == wire)?;
        let name = ident(&variable.name);
        Some(match variable.values {
            Some(_) => quote!(#name.as_str()),
            None => quote!(#name),
        })
    });
    // Variables the URL does not use are still taken, and ignored.
    let unused = server
        .variables
        .iter()
        .filter(|v| !server.url.contains(&format!("{{{}}}", v.wire)))
        .map(|v| {
            let name = ident(&v.name);
            quote!(let _ = #name;)
        });
    let body = if args.is_empty() {
        let url = template.replace("{{", "{").replace("}}", "}");
        quote!(::std::string::String::from(#url))
    } else {
        quote!(::std::format!(#template, #(#args),*))
    };
    let url_doc = doc(Some(&format!(
        "`{}` with these values; the document's defaults give `{}`.",
        server.url, api.base_url
    )));
    quote! {
        #module_doc
        pub mod server {
            #(#enums)*

            #url_doc
            pub fn url(#(#params),*) -> ::std::string::String {
                #(#unused)*
                #body
            }
        }
    }
}
