//! The `builders` module: one request builder per operation, whose `send`
//! builds the request and hands it to the runtime.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident, rust_type, Context};
use crate::model::{Api, BodyEncoding, Operation, ParamLocation, Response, Security, TypeRef};

pub(crate) fn builders_module(api: &Api, ctx: &Context) -> TokenStream {
    let builders = api.operations.iter().map(|op| builder(op, ctx));
    quote! {
        /// Request builders, one per operation: set optional parameters,
        /// then `send`.
        pub mod builders {
            #[allow(unused_imports)]
            use super::types;

            #(#builders)*
        }
    }
}

/// A required argument of a client method and the expression passing it on:
/// strings are taken as `impl Into<String>`.
pub(crate) fn argument(name: &str, ty: &TypeRef, ctx: &Context) -> (TokenStream, TokenStream) {
    let name = ident(name);
    if *ty == TypeRef::String {
        (
            quote!(#name: impl ::std::convert::Into<::std::string::String>),
            quote!(#name.into()),
        )
    } else {
        let ty = rust_type(ty, &quote!(types::), ctx);
        (quote!(#name: #ty), quote!(#name))
    }
}

fn builder(op: &Operation, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let name = ident(&op.builder_name);
    let named = quote!(types::);

    struct Member {
        name: proc_macro2::Ident,
        ty: TokenStream,
        required: bool,
        setter_doc: TokenStream,
    }
    let mut members: Vec<Member> = op
        .params
        .iter()
        .map(|p| Member {
            name: ident(&p.name),
            ty: rust_type(&p.ty, &named, ctx),
            required: p.required,
            setter_doc: doc(p
                .doc
                .as_deref()
                .or(Some(&format!("The `{}` parameter.", p.wire)))),
        })
        .collect();
    if let Some(body) = &op.body {
        members.push(Member {
            name: ident(&body.name),
            ty: rust_type(&body.ty, &named, ctx),
            required: body.required,
            setter_doc: doc(Some("The request body.")),
        });
    }

    let fields = members.iter().map(|m| {
        let (name, ty) = (&m.name, &m.ty);
        if m.required {
            quote!(#name: #ty,)
        } else {
            quote!(#name: ::std::option::Option<#ty>,)
        }
    });
    let new_params = members.iter().filter(|m| m.required).map(|m| {
        let (name, ty) = (&m.name, &m.ty);
        quote!(#name: #ty)
    });
    let inits = members.iter().map(|m| {
        let name = &m.name;
        if m.required {
            quote!(#name,)
        } else {
            quote!(#name: ::std::option::Option::None,)
        }
    });
    let many = (members.iter().filter(|m| m.required).count() > 6)
        .then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let setters = members.iter().filter(|m| !m.required).map(|m| {
        let (name, ty, docs) = (&m.name, &m.ty, &m.setter_doc);
        quote! {
            #docs
            pub fn #name(mut self, value: #ty) -> Self {
                self.#name = ::std::option::Option::Some(value);
                self
            }
        }
    });

    let operation = operation_static(op, ctx);
    let path = path_expression(op, ctx);
    let method = ident(&op.http_method);
    let params = op.params.iter().filter(|p| p.location != ParamLocation::Path).map(|p| {
        let field = ident(&p.name);
        let wire = &p.wire;
        match p.location {
            ParamLocation::Query => {
                let explode = p.explode;
                quote!(let request = #private::query_param(request, #wire, &self.#field, #explode);)
            }
            ParamLocation::Header => {
                quote!(let request = #private::header_param(request, #wire, &self.#field);)
            }
            ParamLocation::Path => unreachable!("path parameters are filtered out above"),
        }
    });
    let body = op.body.as_ref().map(|body| {
        let field = ident(&body.name);
        // Serialised bodies are borrowed; raw ones are moved into the request.
        let borrowed = matches!(body.encoding, BodyEncoding::Json | BodyEncoding::Form);
        let encode = |value: TokenStream| match &body.encoding {
            BodyEncoding::Json => quote!(.json(#value)),
            BodyEncoding::Form => quote!(.form(#value)),
            BodyEncoding::Text(media) | BodyEncoding::Bytes(media) => {
                quote!(.header("content-type", #media).body(#value))
            }
        };
        let field = if borrowed {
            quote!(&self.#field)
        } else {
            quote!(self.#field)
        };
        if body.required {
            let call = encode(field);
            quote!(let request = request #call;)
        } else {
            let call = encode(quote!(body));
            quote! {
                let request = match #field {
                    ::std::option::Option::Some(body) => request #call,
                    ::std::option::Option::None => request,
                };
            }
        }
    });
    let (output, finish) = match &op.response {
        Response::Empty => (
            quote!(()),
            quote! {
                drop(response);
                Ok(())
            },
        ),
        Response::Json(ty) => {
            let ty = rust_type(ty, &named, ctx);
            (
                ty,
                quote!(#private::decode_json(&OPERATION, response).await),
            )
        }
        Response::Raw => (quote!(#private::Response), quote!(Ok(response))),
    };
    let struct_doc = doc(Some(&format!(
        "A `{}` request (`{} {}`); send it with [`{}::send`].",
        op.id, op.http_method, op.path, op.builder_name
    )));
    let deprecated = op.deprecated.then(|| quote!(#[allow(deprecated)]));
    quote! {
        #struct_doc
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct #name<'a> {
            client: &'a super::Client,
            #(#fields)*
        }

        #deprecated
        impl<'a> #name<'a> {
            #many
            pub(super) fn new(client: &'a super::Client, #(#new_params),*) -> Self {
                #name { client, #(#inits)* }
            }

            #(#setters)*

            /// Sends the request.
            pub async fn send(self) -> ::std::result::Result<#output, #private::Error> {
                #operation
                let request = self.client.inner.request(#private::Method::#method, #path);
                #(#params)*
                #body
                let response = self.client.inner.execute(&OPERATION, request).await?;
                #finish
            }
        }
    }
}

/// The operation's security requirements as a static the runtime reads.
fn operation_static(op: &Operation, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let id = &op.id;
    let Security {
        alternatives,
        anonymous,
    } = &op.security;
    let alternatives = alternatives.iter().map(|all| {
        let uses = all.iter().map(|required| {
            let scheme = &required.scheme;
            let scopes = &required.scopes;
            quote!(#private::SchemeUse { scheme: #scheme, scopes: &[#(#scopes),*] })
        });
        quote!(&[#(#uses),*])
    });
    quote! {
        static OPERATION: #private::Operation = #private::Operation {
            id: #id,
            alternatives: &[#(#alternatives),*],
            anonymous: #anonymous,
        };
    }
}

/// The request path: a literal, or `format!` with each path parameter
/// serialised and percent-encoded by the runtime.
fn path_expression(op: &Operation, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let mut template = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        let wire = &rest[start + 1..start + length];
        template.push_str(&escape_braces(&rest[..start]));
        match op
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.wire == wire)
        {
            Some(param) => {
                template.push_str("{}");
                let field = ident(&param.name);
                args.push(quote!(#private::path_param(&self.#field)));
            }
            // An undeclared template variable stays as written.
            None => template.push_str(&escape_braces(&rest[start..=start + length])),
        }
        rest = &rest[start + length + 1..];
    }
    template.push_str(&escape_braces(rest));
    if args.is_empty() {
        let literal = template.replace("{{", "{").replace("}}", "}");
        quote!(#literal)
    } else {
        quote!(&::std::format!(#template, #(#args),*))
    }
}

/// Text taken literally by `format!`.
fn escape_braces(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}
