//! The `types` module: structs, enums and aliases for the document's schemas.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident, rust_type, Context};
use crate::model::{names, Api, TypeDef, TypeKind};

pub(crate) fn types_module(api: &Api, ctx: &Context) -> TokenStream {
    let defs = api.types.iter().map(|def| type_def(def, ctx));
    quote! {
        /// Types of the request and response bodies.
        pub mod types {
            #(#defs)*
        }
    }
}

fn type_def(def: &TypeDef, ctx: &Context) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(def.doc.as_deref());
    let private = &ctx.private;
    let serde_crate = &ctx.serde_crate;
    let serde = quote! {
        #private::serde::Serialize, #private::serde::Deserialize
    };
    match &def.kind {
        TypeKind::Struct { fields } => {
            let fields = fields.iter().map(|field| {
                let name = ident(&field.name);
                let ty = rust_type(&field.ty, &TokenStream::new(), ctx);
                let docs = doc(field.doc.as_deref());
                let rename = (names::unraw(&field.name) != field.wire).then(|| {
                    let wire = &field.wire;
                    quote!(#[serde(rename = #wire)])
                });
                let optional = field.optional.then(|| {
                    quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")])
                });
                quote! {
                    #docs
                    #rename
                    #optional
                    pub #name: #ty,
                }
            });
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, #serde)]
                #[serde(crate = #serde_crate)]
                pub struct #name {
                    #(#fields)*
                }
            }
        }
        TypeKind::Enum { variants } => {
            let variants = variants.iter().map(|variant| {
                let name = ident(&variant.name);
                let wire = &variant.wire;
                let rename = (variant.name != *wire).then(|| quote!(#[serde(rename = #wire)]));
                quote! {
                    #rename
                    #name,
                }
            });
            quote! {
                #docs
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, #serde)]
                #[serde(crate = #serde_crate)]
                pub enum #name {
                    #(#variants)*
                }
            }
        }
        TypeKind::Alias(target) => {
            let target = rust_type(target, &TokenStream::new(), ctx);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
    }
}
