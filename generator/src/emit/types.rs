//! The `types` module: structs, enums, unions and aliases for the
//! document's schemas. Enums and tagged unions read and write themselves
//! through helpers in the runtime, so each carries only its table of values.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{doc, ident, rust_type, Context};
use crate::model::{names, Features, Field, Tagging, TypeDef, TypeKind, UnionVariant, Variant};

/// The `types` module around `items` (see [`type_defs`]).
pub(crate) fn types_module(items: TokenStream) -> TokenStream {
    quote! {
        /// Types of the request and response bodies.
        pub mod types {
            #items
        }
    }
}

/// The definitions of `defs`, each behind the cargo features of the
/// operations using it when `features` says so.
pub(crate) fn type_defs(
    defs: &[TypeDef],
    features: Option<&Features>,
    ctx: &Context,
) -> TokenStream {
    let defs = defs.iter().map(|def| {
        let cfg = features.and_then(|features| features.of_type(&def.name));
        super::gated(type_def(def, ctx), cfg)
    });
    quote!(#(#defs)*)
}

fn type_def(def: &TypeDef, ctx: &Context) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(def.doc.as_deref());
    match &def.kind {
        TypeKind::Struct { fields } => struct_def(&name, &docs, fields, ctx),
        TypeKind::Enum { variants, fallback } => string_enum(&name, &docs, variants, fallback, ctx),
        TypeKind::IntegerEnum { variants, fallback } => {
            integer_enum(&name, &docs, variants, fallback, ctx)
        }
        TypeKind::Union { variants, tagging } => union(&name, &docs, variants, tagging, ctx),
        TypeKind::Alias(target) => {
            let target = rust_type(target, &TokenStream::new(), ctx);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
    }
}

fn serde_derives(ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    quote!(#private::serde::Serialize, #private::serde::Deserialize)
}

/// A struct of `fields` (see [`direct`](super::direct), which writes the
/// same text without tokens).
pub(super) fn struct_def(
    name: &syn::Ident,
    docs: &TokenStream,
    fields: &[Field],
    ctx: &Context,
) -> TokenStream {
    let serde = serde_derives(ctx);
    let serde_crate = &ctx.serde_crate;
    let fields = fields.iter().map(|f| field(f, ctx));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #serde)]
        #[serde(crate = #serde_crate)]
        pub struct #name {
            #(#fields)*
        }
    }
}

/// A field of a struct: its documentation, its serde attributes, and
/// itself.
pub(super) fn field(field: &Field, ctx: &Context) -> TokenStream {
    let name = ident(&field.name);
    let ty = rust_type(&field.ty, &TokenStream::new(), ctx);
    let docs = doc(field.doc.as_deref());
    let attrs = if field.flatten {
        quote!(#[serde(flatten)])
    } else {
        let rename = (names::unraw(&field.name) != field.wire).then(|| {
            let wire = &field.wire;
            quote!(#[serde(rename = #wire)])
        });
        let optional = field.optional.then(
            || quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]),
        );
        quote!(#rename #optional)
    };
    quote! {
        #docs
        #attrs
        pub #name: #ty,
    }
}

/// An enum of strings: its variants, the table between variants and values,
/// and serde and `Display` from the runtime.
fn string_enum(
    name: &syn::Ident,
    docs: &TokenStream,
    variants: &[Variant<String>],
    fallback: &str,
    ctx: &Context,
) -> TokenStream {
    let private = &ctx.private;
    let fallback = ident(fallback);
    let names: Vec<_> = variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<_> = variants.iter().map(|v| &v.wire).collect();
    let variant_docs = variants.iter().map(|v| {
        doc(Some(&match &v.doc {
            Some(text) => format!("`{}`: {}", v.wire, text.trim()),
            None => format!("`{}`", v.wire),
        }))
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variant_docs #names,)*
            /// A value the document does not list.
            #fallback(::std::string::String),
        }

        impl #private::StringEnum for #name {
            fn from_wire(value: &str) -> Self {
                match value {
                    #(#wires => Self::#names,)*
                    other => Self::#fallback(::std::string::String::from(other)),
                }
            }

            fn as_wire(&self) -> &str {
                match self {
                    #(Self::#names => #wires,)*
                    Self::#fallback(other) => other,
                }
            }
        }

        #private::string_enum!(#name);
    }
}

/// An integer literal, negative ones as a minus sign and a literal.
fn integer(value: i64) -> TokenStream {
    let magnitude = Literal::u64_unsuffixed(value.unsigned_abs());
    if value < 0 {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}

fn integer_enum(
    name: &syn::Ident,
    docs: &TokenStream,
    variants: &[Variant<i64>],
    fallback: &str,
    ctx: &Context,
) -> TokenStream {
    let private = &ctx.private;
    let fallback = ident(fallback);
    let names: Vec<_> = variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<_> = variants.iter().map(|v| integer(v.wire)).collect();
    let variant_docs = variants.iter().map(|v| doc(Some(&format!("`{}`", v.wire))));
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variant_docs #names,)*
            /// A value the document does not list.
            #fallback(i64),
        }

        impl #private::IntegerEnum for #name {
            fn from_wire(value: i64) -> Self {
                match value {
                    #(#wires => Self::#names,)*
                    other => Self::#fallback(other),
                }
            }

            fn as_wire(&self) -> i64 {
                match self {
                    #(Self::#names => #wires,)*
                    Self::#fallback(other) => *other,
                }
            }
        }

        #private::integer_enum!(#name);
    }
}

/// `oneOf`/`anyOf`: an enum serialised as the variant it holds. Untagged
/// unions deserialise as the first variant that accepts the value; tagged
/// ones by the discriminator property, through the runtime. Internally
/// tagged ones are serde's `tag = "…"` enums whose variants' types leave the
/// property out; serde writes it, the runtime reads past it.
fn union(
    name: &syn::Ident,
    docs: &TokenStream,
    variants: &[UnionVariant],
    tagging: &Tagging,
    ctx: &Context,
) -> TokenStream {
    let private = &ctx.private;
    let serde_crate = &ctx.serde_crate;
    // A variant's attributes (its tag), documentation and value.
    let variant = |v: &UnionVariant, attrs: TokenStream| {
        let variant = ident(&v.name);
        let docs = doc(v.doc.as_deref());
        match &v.ty {
            Some(ty) => {
                let ty = rust_type(ty, &TokenStream::new(), ctx);
                quote!(#docs #attrs #variant(#ty),)
            }
            None => quote!(#docs #attrs #variant,),
        }
    };
    match tagging {
        Tagging::Untagged => {
            let serde = serde_derives(ctx);
            let arms = variants.iter().map(|v| variant(v, TokenStream::new()));
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, #serde)]
                #[serde(crate = #serde_crate, untagged)]
                #[allow(clippy::large_enum_variant)]
                pub enum #name {
                    #(#arms)*
                }
            }
        }
        Tagging::Tagged { property, fallback } | Tagging::Internal { property, fallback } => {
            // Declared discriminators name a property the variants' types
            // hold; serialising the variant writes it. Inferred tags are
            // left out of the variants' types and written by serde.
            let internal = matches!(tagging, Tagging::Internal { .. });
            let fallback = ident(fallback);
            let fallback_doc = doc(Some(&format!(
                "A value whose `{property}` the document does not list."
            )));
            let (representation, fallback_attr) = if internal {
                (quote!(tag = #property), quote!(#[serde(untagged)]))
            } else {
                (quote!(untagged), TokenStream::new())
            };
            let arms = variants.iter().map(|v| {
                let rename = internal.then(|| {
                    let tag = &v.tags[0];
                    quote!(#[serde(rename = #tag)])
                });
                variant(v, quote!(#rename))
            });
            let choices = variants.iter().map(|v| {
                let variant = ident(&v.name);
                let tags = &v.tags;
                let decode = match (&v.ty, internal) {
                    (None, _) => quote!(::std::result::Result::Ok(Self::#variant)),
                    (Some(_), true) => {
                        quote!(#private::from_value_untagged(value, #property).map(Self::#variant))
                    }
                    (Some(_), false) => {
                        quote!(#private::serde_json::from_value(value).map(Self::#variant))
                    }
                };
                quote!(#(#tags)|* => #decode,)
            });
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, #private::serde::Serialize)]
                #[serde(crate = #serde_crate, #representation)]
                #[allow(clippy::large_enum_variant)]
                pub enum #name {
                    #(#arms)*
                    #fallback_doc
                    #fallback_attr
                    #fallback(#private::serde_json::Value),
                }

                impl<'de> #private::serde::Deserialize<'de> for #name {
                    fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                    where
                        D: #private::serde::Deserializer<'de>,
                    {
                        #private::deserialize_tagged(deserializer, #property, |tag, value| match tag {
                            #(#choices)*
                            _ => ::std::result::Result::Ok(Self::#fallback(value)),
                        })
                    }
                }
            }
        }
    }
}
