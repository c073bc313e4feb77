//! The `Client` type: one method per operation, returning its request
//! builder.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident, operations::argument, Context};
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
    let methods = api.operations.iter().map(|op| {
        let method = ident(&op.method_name);
        let builder = ident(&op.builder_name);
        let docs = doc(op.doc.as_deref());
        let summary = doc(Some(&format!(
            "`{} {}` (`{}`)",
            op.http_method, op.path, op.id
        )));
        let separator = op.doc.as_ref().map(|_| quote!(#[doc = ""]));
        let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
        let (params, args): (Vec<_>, Vec<_>) = op
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| argument(&p.name, &p.ty, ctx))
            .chain(
                op.body
                    .iter()
                    .filter(|b| b.required)
                    .map(|b| argument(&b.name, &b.ty, ctx)),
            )
            .unzip();
        let many = (params.len() > 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        quote! {
            #docs
            #separator
            #summary
            #deprecated
            #many
            pub fn #method(&self, #(#params),*) -> builders::#builder<'_> {
                builders::#builder::new(self, #(#args),*)
            }
        }
    });
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

        /// The error of every call.
        pub type Error = #private::Error;

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

            #(#methods)*
        }
    }
}
