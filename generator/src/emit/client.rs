//! The `Client` type and the `server` module. The methods per operation
//! are written beside their builders (see `operations`).

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, format_template, ident, Context, Template};
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
    let example = super::generated_doc(&example(api, ctx));
    let builder_doc = doc(Some(&format!(
        "Starts configuring a client. The base URL is `{base_url}` unless set with `base_url`."
    )));
    quote! {
        #title
        #description
        #[doc = ""]
        #example
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

        /// A decoded success body with its response's status and headers,
        /// what `send_with_headers` returns: `H` is the operation's
        /// `<Operation>Headers` when its responses declare headers.
        pub type Response<T, H = ()> = #private::WithHeaders<T, H>;

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

/// The use of the client in a few lines, for its documentation (and the
/// crate's, see [`crate_doc`](super::crate_doc)): the first scheme's first
/// constructor, the variables of its `_from_env` twin, and the first
/// operation. A `text` block, which no consumer's doctests compile: it
/// would need their credentials and a runtime.
pub(crate) fn example(api: &Api, ctx: &Context) -> String {
    let mut code = String::from("let client = Client::builder()\n");
    let mut from_env = String::new();
    if let Some((scheme, constructor)) = api
        .schemes
        .iter()
        .find_map(|scheme| Some((scheme, scheme.constructors.first()?)))
    {
        let arguments: Vec<&str> = constructor.arguments.iter().map(|a| a.name).collect();
        code.push_str(&format!(
            "    .auth(auth::{}::{}({}))\n",
            scheme.rust_name,
            constructor.name,
            arguments.join(", ")
        ));
        let variables: Vec<String> = constructor
            .arguments
            .iter()
            .map(|a| format!("`{}`", a.env_var))
            .collect();
        from_env = format!(
            "\n`auth::{}::{}()` reads {} from the environment instead.",
            scheme.rust_name,
            constructor.from_env,
            variables.join(", ")
        );
    }
    code.push_str("    .build()?;\n");
    if let Some(op) = api.operations.first() {
        let arguments = super::operations::required_arguments(op, ctx);
        code.push_str(&format!(
            "let response = client.{}({}).send().await?;\n",
            op.method_name,
            arguments.join(", ")
        ));
    }
    format!(
        "# Example\n\n\
         Build one client and share it: it holds the connection pool and the\n\
         token cache. Calls are `async` and need a Tokio runtime; a call's\n\
         future borrows the client, so run several at once with `tokio::join!`\n\
         or `futures::future::join_all`, or clone the client (cheaply) into\n\
         each task you spawn.\n\n\
         ```text\n{code}```\n\n\
         Required parameters are the method's arguments, optional ones setters\n\
         on the builder it returns.{from_env}"
    )
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
    let url = format_template(&server.url, |wire| {
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
    let body = match url {
        Template::Literal(url) => quote!(::std::string::String::from(#url)),
        Template::Format(format) => format,
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
