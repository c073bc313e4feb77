//! The `builders` module: one request builder per operation, whose `send`
//! builds the request and hands it to the runtime.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::{doc, format_template, ident, rust_type, Context, Template};
use crate::model::{
    Accept, Alternative, Body, BodyEncoding, ErrorBody, Features, Operation, PageStyle, Pagination,
    Param, ParamLocation, ParamStyle, PartKind, Payload, ResponseHeaders, Security, StatusMatch,
    StatusVariant, Success, TypeRef,
};

/// The `builders` module around `items` (see [`builders`]).
pub(crate) fn builders_module(items: TokenStream, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    quote! {
        /// Request builders, one per operation: set optional parameters,
        /// then `send`.
        pub mod builders {
            #[allow(unused_imports)]
            use super::types;
            #[allow(unused_imports)]
            use #private as __rt;

            #items
        }
    }
}

/// The context the items of the `builders` module are written in, where
/// the runtime's hidden module is `__rt`: the module is written for the
/// compiler to read fast, and a path of one token instead of four, used
/// hundreds of times, is less for it to read and resolve. A document
/// cannot name a builder `__rt` (those are in `UpperCamelCase`).
pub(crate) fn builders_context(ctx: &Context) -> Context {
    Context {
        private: quote!(__rt),
        ..ctx.clone()
    }
}

/// The request builders (and response and error enums) of `operations`,
/// after the `Client` methods returning them. The methods are written here,
/// in an `impl` block of their own, so that they build the builders'
/// private fields directly and are formatted in parallel with them.
///
/// With per-tag `features`, each operation's method and items are behind
/// its tags' features.
pub(crate) fn builders(
    operations: &[Operation],
    features: Option<&Features>,
    ctx: &Context,
) -> TokenStream {
    let members: Vec<Vec<Member>> = operations.iter().map(|op| members(op, ctx)).collect();
    let cfg_of =
        |op: &Operation| features.and_then(|features| features.of_operation(&op.method_name));
    let methods = operations
        .iter()
        .zip(&members)
        .map(|(op, members)| client_method(op, members, cfg_of(op), ctx));
    let builders = operations
        .iter()
        .zip(&members)
        .map(|(op, members)| super::gated(builder(op, members, ctx), cfg_of(op)));
    quote! {
        impl super::Client {
            #(#methods)*
        }

        #(#builders)*
    }
}

/// The `Client` method starting a request: required members are its
/// arguments, optional ones start unset. `features`, when given, are those
/// it is compiled under.
fn client_method(
    op: &Operation,
    members: &[Member],
    features: Option<&[String]>,
    ctx: &Context,
) -> TokenStream {
    let cfg = super::cfg_attribute(features);
    let method = ident(&op.method_name);
    let builder = ident(&op.builder_name);
    let docs = doc(op.doc.as_deref());
    let request = format!("`{} {}`", op.http_method, op.path);
    let summary = match operation_id(op) {
        Some(id) => format!("{request} (`{id}`)"),
        None => request,
    };
    let summary = doc(Some(&summary));
    let separator = op.doc.as_ref().map(|_| quote!(#[doc = ""]));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let params = members.iter().filter(|m| m.required).map(Member::parameter);
    let many = (members.iter().filter(|m| m.required).count() > 6)
        .then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let inits = members.iter().map(|m| {
        let name = &m.name;
        match (m.required, &m.into) {
            (true, Some(_)) => quote!(#name: #name.into(),),
            (true, None) => quote!(#name,),
            (false, _) => quote!(#name: ::std::option::Option::None,),
        }
    });
    let choice_init = choice(op, ctx).map(|choice| choice.init);
    let accept_init = op
        .accept
        .as_ref()
        .map(|_| quote!(__accept: ::std::option::Option::None,));
    quote! {
        #docs
        #separator
        #summary
        #cfg
        #deprecated
        #many
        pub fn #method(&self, #(#params),*) -> #builder<'_> {
            #builder {
                client: self,
                retries: ::std::option::Option::None,
                #(#inits)*
                #choice_init
                #accept_init
            }
        }
    }
}

/// The names of the arguments of the operation's `Client` method.
pub(crate) fn required_arguments(op: &Operation, ctx: &Context) -> Vec<String> {
    members(op, ctx)
        .iter()
        .filter(|m| m.required)
        .map(|m| m.name.to_string())
        .collect()
}

/// The operation's `operationId`; `None` when the document gives none and
/// its id is its method and path, which the documentation shows anyway.
fn operation_id(op: &Operation) -> Option<&str> {
    let method_and_path = format!("{} {}", op.http_method, op.path);
    (op.id != method_and_path).then_some(op.id.as_str())
}

/// A field of a request builder: a parameter, the body, or a part of a
/// multipart body. Required ones are arguments of the client method, the
/// others setters.
struct Member {
    name: Ident,
    ty: TokenStream,
    /// `impl Into<…>` accepted as an argument, when not the type itself.
    into: Option<TokenStream>,
    required: bool,
    setter_doc: TokenStream,
}

impl Member {
    /// The client method's parameter.
    fn parameter(&self) -> TokenStream {
        let (name, ty) = (&self.name, &self.ty);
        match &self.into {
            Some(into) => quote!(#name: impl ::std::convert::Into<#into>),
            None => quote!(#name: #ty),
        }
    }
}

/// The members of an operation's request builder, in order: parameters,
/// then the body or its parts.
fn members(op: &Operation, ctx: &Context) -> Vec<Member> {
    let private = &ctx.private;
    let named = quote!(types::);
    let member = |name: &str, ty: &TypeRef, required: bool, doc_text: &str| {
        let into = (*ty == TypeRef::String).then(|| quote!(::std::string::String));
        Member {
            name: ident(name),
            ty: rust_type(ty, &named, ctx),
            into,
            required,
            setter_doc: doc(Some(doc_text)),
        }
    };
    let mut members: Vec<Member> = op
        .params
        .iter()
        .map(|p| {
            let fallback = format!("The `{}` parameter.", p.wire);
            member(
                &p.name,
                &p.ty,
                p.required,
                p.doc.as_deref().unwrap_or(&fallback),
            )
        })
        .collect();
    match &op.body {
        Some(Body {
            encoding: BodyEncoding::Multipart(parts),
            required,
            ..
        }) => members.extend(parts.iter().map(|part| {
            let fallback = format!("The `{}` part of the body.", part.wire);
            let text = part.doc.as_deref().unwrap_or(&fallback);
            let required = *required && part.required;
            match &part.kind {
                PartKind::Value(ty) => member(&part.name, ty, required, text),
                PartKind::File => Member {
                    name: ident(&part.name),
                    ty: quote!(#private::FilePart),
                    into: Some(quote!(#private::FilePart)),
                    required,
                    setter_doc: doc(Some(text)),
                },
                PartKind::Files => Member {
                    name: ident(&part.name),
                    ty: quote!(::std::vec::Vec<#private::FilePart>),
                    into: None,
                    required,
                    setter_doc: doc(Some(text)),
                },
            }
        })),
        Some(body) => members.push(member(
            &body.name,
            &body.ty,
            body.required,
            "The request body.",
        )),
        None => {}
    }
    members
}

fn builder(op: &Operation, members: &[Member], ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let name = ident(&op.builder_name);

    let fields = members.iter().map(|m| {
        let (name, ty) = (&m.name, &m.ty);
        if m.required {
            quote!(#name: #ty,)
        } else {
            quote!(#name: ::std::option::Option<#ty>,)
        }
    });
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

    let (choice_field, choice_setter) = match choice(op, ctx) {
        Some(choice) => (Some(choice.field), Some(choice.setter)),
        None => (None, None),
    };

    let operation = operation_static(op, ctx);
    let method = ident(&op.http_method);
    let style = |p: &Param| style_path(p.style, ctx);
    let located =
        |location: ParamLocation| op.params.iter().filter(move |p| p.location == location);
    let queries: Vec<TokenStream> = located(ParamLocation::Query)
        .map(|p| {
            let (field, wire, style, explode) = (ident(&p.name), &p.wire, style(p), p.explode);
            quote!(#private::query_param(&mut url, #wire, &self.#field, #style, #explode);)
        })
        .collect();
    // A paginated operation's request is for the page it is given (see
    // `__send_page`), the first as the builder was set.
    let start = |path: TokenStream| match op.pagination {
        Some(_) => quote! {
            let request = #private::page_request(
                &self.client.inner,
                #private::Method::#method,
                #path,
                next.as_ref(),
            );
        },
        None => quote!(let request = self.client.inner.request(#private::Method::#method, #path);),
    };
    let request = match (path_expression(op, ctx), queries.is_empty()) {
        (Path::Literal(path), true) => start(quote!(#path)),
        (Path::Format { bindings, format }, true) => {
            let start = start(quote!(&#format));
            quote! {
                #(#bindings)*
                #start
            }
        }
        (path, false) => {
            let (bindings, url) = match path {
                Path::Literal(path) => (Vec::new(), quote!(::std::string::String::from(#path))),
                Path::Format { bindings, format } => (bindings, format),
            };
            let start = start(quote!(&url));
            quote! {
                #(#bindings)*
                let mut url = #url;
                #(#queries)*
                #start
            }
        }
    };
    let headers = located(ParamLocation::Header).map(|p| {
        let (field, wire, explode) = (ident(&p.name), &p.wire, p.explode);
        let fill = (op.idempotency_key.as_ref() == Some(&p.name)).then(|| {
            quote! {
                let request = #private::idempotency_key(request, #wire, self.#field.is_some());
            }
        });
        quote! {
            let request = #private::header_param(request, #wire, &self.#field, #explode);
            #fill
        }
    });
    let cookies: Vec<TokenStream> = located(ParamLocation::Cookie)
        .map(|p| {
            let (field, wire, explode) = (ident(&p.name), &p.wire, p.explode);
            quote!(#private::cookie_param(&mut cookies, #wire, &self.#field, #explode);)
        })
        .collect();
    let cookies = (!cookies.is_empty()).then(|| {
        quote! {
            let mut cookies = ::std::vec::Vec::new();
            #(#cookies)*
            let request = #private::cookie_header(request, cookies);
        }
    });
    let body = op.body.as_ref().map(|body| body_expression(body, ctx));
    let accept = op.accept.as_ref().map(|accept| {
        let default = &accept.default;
        quote! {
            let request = request.header("accept", self.__accept.unwrap_or(#default));
        }
    });

    let Errors {
        ty: error,
        body: error_body,
        bodies: error_bodies,
        decoder: error_decoder,
        enum_def: error_enum,
    } = errors(op, ctx);
    let (output, finish, success_enum) = success(op, error_body.as_ref(), ctx);
    let (with_headers_output, headers_struct) = match &op.headers {
        Some(headers) => {
            let name = ident(&headers.name);
            (
                quote!(super::Response<#output, #name>),
                headers_struct(op, headers, ctx),
            )
        }
        None => (quote!(super::Response<#output>), TokenStream::new()),
    };
    let Finish { decode, decoder } = finish;
    let described = match operation_id(op) {
        Some(id) => format!("A `{id}` request (`{} {}`)", op.http_method, op.path),
        None => format!("A `{} {}` request", op.http_method, op.path),
    };
    // The runtime's `Call`: generated methods build the request and hand it
    // over, with no future, closure or opaque type of their own for the
    // compiler to check. `decode` is how the success response becomes the
    // value, `Json` when not given.
    let call = |output: TokenStream, decode: Option<TokenStream>| match (&error_body, decode) {
        (None, None) => quote!(#private::Call<'a, #output>),
        (Some(body), None) => quote!(#private::Call<'a, #output, #body>),
        (body, Some(decode)) => {
            let body = body
                .clone()
                .unwrap_or_else(|| quote!(::std::convert::Infallible));
            quote!(#private::Call<'a, #output, #body, #decode>)
        }
    };
    let paging = op
        .pagination
        .as_ref()
        .map(|pagination| paging(pagination, &output, &with_headers_output, &error, ctx));
    let send_output = call(output, decode.clone());
    let decode_or_json = decode.unwrap_or_else(|| quote!(#private::Json));
    let with_headers_output = call(
        with_headers_output,
        Some(quote!(#private::Headers<#decode_or_json>)),
    );
    let raw_output = call(quote!(#private::Response), Some(quote!(#private::AsIs)));
    let send = quote! {
        /// Sends the request and decodes the response.
        pub fn send(self) -> #send_output {
            self.send_raw().__decoded()
        }

        /// Sends the request and decodes the response, keeping its status
        /// and headers (those the document declares also typed, in
        /// `typed_headers`).
        #[allow(clippy::type_complexity)]
        pub fn send_with_headers(self) -> #with_headers_output {
            self.send_raw().__decoded()
        }

        #error_decoder
    };
    let struct_doc = super::generated_doc(&format!(
        "{described}; send it with [`{}::send`].",
        op.builder_name
    ));
    let deprecated = op.deprecated.then(|| quote!(#[allow(deprecated)]));
    let (accept_field, accept_send, accept_enum) = match &op.accept {
        Some(accept) => {
            let (send, media_enum) = accepting(op, accept, &raw_output);
            (
                Some(quote!(__accept: ::std::option::Option<&'static str>,)),
                Some(send),
                Some(media_enum),
            )
        }
        None => (None, None, None),
    };
    let send_raw_head = match op.pagination {
        Some(_) => quote! {
            pub fn send_raw(self) -> #raw_output {
                self.__send_page(::std::option::Option::None)
            }

            /// Sends the request for the page `next` names, or the first.
            fn __send_page(self, next: ::std::option::Option<#private::NextPage>) -> #raw_output
        },
        None => quote!(pub fn send_raw(self) -> #raw_output),
    };
    // Written out rather than derived, which costs the compiler more, and
    // without the client, whose own `Debug` says nothing about the request.
    let name_text = &op.builder_name;
    let shown = members
        .iter()
        .map(|m| m.name.clone())
        .chain(
            op.body
                .as_ref()
                .and_then(|b| b.choice.as_ref())
                .map(|c| ident(&c.setter)),
        )
        .chain(std::iter::once(ident("retries")));
    let debug_fields = shown.map(|field| {
        let text = field.to_string();
        let text = text.strip_prefix("r#").unwrap_or(&text).to_owned();
        quote!(.field(#text, &self.#field))
    });
    quote! {
        #struct_doc
        #[derive(Clone)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct #name<'a> {
            client: &'a super::Client,
            retries: ::std::option::Option<#private::RetryPolicy>,
            #(#fields)*
            #choice_field
            #accept_field
        }

        #deprecated
        impl<'a> #name<'a> {
            #(#setters)*
            #choice_setter

            /// Retries this call with `policy` instead of the client's
            /// (`RetryPolicy::none()` to send it once).
            pub fn retries(mut self, policy: #private::RetryPolicy) -> Self {
                self.retries = ::std::option::Option::Some(policy);
                self
            }

            /// The operation's security requirements, as the runtime reads them.
            const __OPERATION: &'static #private::Operation = &#operation;

            /// Sends the request and returns the response as received, for
            /// its status and headers or to read the body yourself. Statuses
            /// other than 2xx are errors, as with [`send`](Self::send).
            #send_raw_head {
                #request
                #(#headers)*
                #cookies
                #body
                #accept
                #private::send_request(
                    &self.client.inner,
                    Self::__OPERATION,
                    request,
                    self.retries,
                    #error_bodies,
                )
            }

            #send
            #accept_send
            #paging
        }

        impl ::std::fmt::Debug for #name<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#name_text)
                    #(#debug_fields)*
                    .finish_non_exhaustive()
            }
        }

        #success_enum
        #decoder
        #accept_enum
        #error_enum
        #headers_struct
    }
}

/// `send_accepting` of a builder whose operation's success responses
/// offer several media types, and the enum of those it does not decode.
fn accepting(
    op: &Operation,
    accept: &Accept,
    raw_output: &TokenStream,
) -> (TokenStream, TokenStream) {
    let name = ident(&accept.name);
    let variants: Vec<Ident> = accept.others.iter().map(|v| ident(&v.name)).collect();
    let docs = accept
        .others
        .iter()
        .map(|v| doc(Some(&format!("`{}`", v.wire))));
    let wires = accept.others.iter().map(|v| &v.wire);
    let enum_doc = super::generated_doc(&format!(
        "The media types [`{}::send_accepting`] can ask for, besides `{}`, which `send` decodes.",
        op.builder_name, accept.default
    ));
    let send = quote! {
        /// Sends the request asking for the response in `media_type`
        /// (`Accept`), and returns the response as received, to read the
        /// body yourself. Statuses other than 2xx are errors, as with
        /// [`send`](Self::send).
        pub fn send_accepting(mut self, media_type: #name) -> #raw_output {
            self.__accept = ::std::option::Option::Some(media_type.as_str());
            self.send_raw()
        }
    };
    let media_enum = quote! {
        #enum_doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#docs #variants,)*
        }

        impl #name {
            /// The media type, as sent in `Accept`.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(Self::#variants => #wires,)*
                }
            }
        }
    };
    (send, media_enum)
}

/// `pages` and `items` of a builder whose operation paginates: the
/// runtime follows the pages, each sent as `send_raw` sends the first.
fn paging(
    pagination: &Pagination,
    output: &TokenStream,
    with_headers: &TokenStream,
    error: &TokenStream,
    ctx: &Context,
) -> TokenStream {
    let private = &ctx.private;
    let item = rust_type(&pagination.item, &quote!(types::), ctx);
    let some = |value: &Option<String>| match value {
        Some(value) => quote!(::std::option::Option::Some(#value)),
        None => quote!(::std::option::Option::None),
    };
    let style = match &pagination.style {
        PageStyle::LinkHeader => quote!(#private::PageStyle::LinkHeader),
        PageStyle::NextUrl { pointer } => {
            quote!(#private::PageStyle::NextUrl { pointer: #pointer })
        }
        PageStyle::Cursor {
            param,
            pointer,
            keep,
        } => quote! {
            #private::PageStyle::Cursor { param: #param, pointer: #pointer, keep: &[#(#keep),*] }
        },
        PageStyle::AfterLast { param, id } => {
            quote!(#private::PageStyle::AfterLast { param: #param, id: #id })
        }
        PageStyle::Offset {
            param,
            limit,
            total,
        } => {
            let (limit, total) = (some(limit), some(total));
            quote!(#private::PageStyle::Offset { param: #param, limit: #limit, total: #total })
        }
        PageStyle::Page {
            param,
            first,
            size,
            total,
            total_pages,
        } => {
            let (size, total, total_pages) = (some(size), some(total), some(total_pages));
            quote! {
                #private::PageStyle::Page {
                    param: #param,
                    first: #first,
                    size: #size,
                    total: #total,
                    total_pages: #total_pages,
                }
            }
        }
    };
    let (items, has_more) = (&pagination.items_pointer, some(&pagination.has_more));
    // The items out of a decoded page: the body, or its fields in turn, an
    // absent one read as no items.
    let extract = if pagination.items_path.iter().any(|(_, optional)| *optional) {
        let steps = pagination.items_path.iter().map(|(field, optional)| {
            let field = ident(field);
            if *optional {
                quote!(.and_then(|value| value.#field))
            } else {
                quote!(.map(|value| value.#field))
            }
        });
        quote!(::std::option::Option::Some(page)#(#steps)*.unwrap_or_default())
    } else {
        let fields = pagination.items_path.iter().map(|(field, _)| ident(field));
        quote!(page #(.#fields)*)
    };
    quote! {
        /// Sends the request and the requests for the pages after it,
        /// yielding each page as [`send_with_headers`](Self::send_with_headers)
        /// would, in order. Every page goes through the same path as a
        /// call (credentials, retries, 401 renewal). The stream ends after
        /// the last page or the first error.
        #[allow(clippy::type_complexity)]
        pub fn pages(
            self,
        ) -> impl #private::Stream<Item = ::std::result::Result<#with_headers, #error>>
               + ::std::marker::Unpin
               + 'a {
            static PAGINATION: #private::Pagination = #private::Pagination {
                style: #style,
                items: #items,
                has_more: #has_more,
            };
            #private::pages(Self::__OPERATION, &PAGINATION, self, Self::__send_page)
        }

        /// Every item of every page, in order (see [`pages`](Self::pages)).
        pub fn items(
            self,
        ) -> impl #private::Stream<Item = ::std::result::Result<#item, #error>>
               + ::std::marker::Unpin
               + 'a {
            #private::items(self.pages(), |page: #output| #extract)
        }
    }
}

/// The struct of the headers an operation's success responses declare,
/// each read by the runtime into its type.
fn headers_struct(op: &Operation, headers: &ResponseHeaders, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let named = quote!(types::);
    let name = ident(&headers.name);
    let fields = headers.fields.iter().map(|header| {
        let (field, ty) = (ident(&header.name), rust_type(&header.ty, &named, ctx));
        let text = match &header.doc {
            Some(doc) => format!("`{}`: {doc}", header.wire),
            None => format!("`{}`", header.wire),
        };
        let docs = doc(Some(&text));
        quote!(#docs pub #field: ::std::option::Option<#ty>,)
    });
    let reads = headers.fields.iter().map(|header| {
        let (field, wire) = (ident(&header.name), &header.wire);
        quote!(#field: #private::header_value(headers, #wire),)
    });
    let docs = doc(Some(&format!(
        "The headers the success responses of `{}` declare, each `None` when absent or not of its type.",
        op.id
    )));
    quote! {
        #docs
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
        }

        impl #private::FromHeaders for #name {
            fn from_headers(headers: &#private::HeaderMap) -> Self {
                #name { #(#reads)* }
            }
        }
    }
}

/// The builder's choice of body encoding, when the document accepts the
/// body in several: its field, its initial value and its setter.
struct Choice {
    field: TokenStream,
    init: TokenStream,
    setter: TokenStream,
}

fn choice(op: &Operation, ctx: &Context) -> Option<Choice> {
    let private = &ctx.private;
    let choice = op.body.as_ref()?.choice.as_ref()?;
    let setter = ident(&choice.setter);
    let primary = choice.primary;
    let primary_variant = ident(encoding_name(primary));
    let offered: Vec<String> =
        std::iter::once(format!("`{}` (the default)", encoding_name(primary)))
            .chain(
                choice
                    .alternatives
                    .iter()
                    .map(|a| format!("`{}`", encoding_name(*a))),
            )
            .collect();
    let docs = doc(Some(&format!(
        "How the body is sent; the document accepts {}.",
        offered.join(", ")
    )));
    Some(Choice {
        field: quote!(#setter: #private::BodyEncoding,),
        init: quote!(#setter: #private::BodyEncoding::#primary_variant,),
        setter: quote! {
            #docs
            pub fn #setter(mut self, encoding: #private::BodyEncoding) -> Self {
                self.#setter = encoding;
                self
            }
        },
    })
}

/// Sets the body on `request`: serialised, raw, or a part per member.
fn body_expression(body: &Body, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    if let BodyEncoding::Multipart(parts) = &body.encoding {
        let parts = parts.iter().map(|part| {
            let (field, wire) = (ident(&part.name), &part.wire);
            let content_type = match &part.content_type {
                Some(content_type) => quote!(::std::option::Option::Some(#content_type)),
                None => quote!(::std::option::Option::None),
            };
            let required = body.required && part.required;
            match (&part.kind, required) {
                (PartKind::Value(_), _) => {
                    quote!(form.value(#wire, &self.#field, #content_type);)
                }
                (PartKind::File, true) => quote!(form.file(#wire, &self.#field, #content_type);),
                (PartKind::File, false) => quote! {
                    if let ::std::option::Option::Some(file) = &self.#field {
                        form.file(#wire, file, #content_type);
                    }
                },
                (PartKind::Files, true) => quote! {
                    for file in &self.#field {
                        form.file(#wire, file, #content_type);
                    }
                },
                (PartKind::Files, false) => quote! {
                    for file in self.#field.iter().flatten() {
                        form.file(#wire, file, #content_type);
                    }
                },
            }
        });
        return quote! {
            let mut form = #private::Multipart::new();
            #(#parts)*
            let request = form.finish(request);
        };
    }
    let field = ident(&body.name);
    if let Some(choice) = &body.choice {
        let setter = ident(&choice.setter);
        return if body.required {
            quote!(let request = #private::encode_body(request, &self.#field, self.#setter);)
        } else {
            quote! {
                let request = match &self.#field {
                    ::std::option::Option::Some(body) => #private::encode_body(request, body, self.#setter),
                    ::std::option::Option::None => request,
                };
            }
        };
    }
    // Serialised bodies are borrowed; raw ones are moved into the request.
    let borrowed = matches!(body.encoding, BodyEncoding::Json | BodyEncoding::Form);
    let encode = |value: TokenStream| match &body.encoding {
        BodyEncoding::Json => quote!(.json(#value)),
        BodyEncoding::Form => quote!(.form(#value)),
        BodyEncoding::Text(media) | BodyEncoding::Bytes(media) => {
            quote!(.header("content-type", #media).body(#value))
        }
        BodyEncoding::Multipart(_) => unreachable!("multipart bodies are handled above"),
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
}

/// How an operation's success response becomes what `send` returns.
struct Finish {
    /// The runtime's `Decode` for it, when not `Json`.
    decode: Option<TokenStream>,
    /// The `Decode` impl of the enum of several success bodies.
    decoder: TokenStream,
}

/// What `send` returns on success, how it gets there, and the enum of
/// success responses when there are several.
fn success(
    op: &Operation,
    error_body: Option<&TokenStream>,
    ctx: &Context,
) -> (TokenStream, Finish, TokenStream) {
    let private = &ctx.private;
    let named = quote!(types::);
    let finish = |decode: Option<TokenStream>| Finish {
        decode,
        decoder: TokenStream::new(),
    };
    match &op.success {
        Success::One(Payload::Empty) => (
            quote!(()),
            finish(Some(quote!(#private::Empty))),
            TokenStream::new(),
        ),
        Success::One(Payload::Json(ty)) => {
            (rust_type(ty, &named, ctx), finish(None), TokenStream::new())
        }
        Success::One(Payload::Raw) => (
            quote!(#private::Response),
            finish(Some(quote!(#private::AsIs))),
            TokenStream::new(),
        ),
        Success::Several { name, variants } => {
            let enum_name = ident(name);
            let decode = |variant: &StatusVariant| {
                let variant_name = ident(&variant.name);
                match &variant.payload {
                    Payload::Empty => quote! {{
                        drop(response);
                        Ok(#enum_name::#variant_name)
                    }},
                    Payload::Json(_) => quote! {
                        #private::decode_json(operation, response).await.map(#enum_name::#variant_name)
                    },
                    Payload::Raw => quote!(Ok(#enum_name::#variant_name(response))),
                }
            };
            let arms = variants.iter().filter_map(|variant| match variant.status {
                StatusMatch::Code(code) => {
                    let code = Literal::u16_unsuffixed(code);
                    let decode = decode(variant);
                    Some(quote!(#code => #decode,))
                }
                _ => None,
            });
            // Other 2xx statuses: the `2XX` variant, or else the first.
            let fallback = variants
                .iter()
                .find(|variant| !matches!(variant.status, StatusMatch::Code(_)))
                .unwrap_or(&variants[0]);
            let fallback = decode(fallback);
            let error_body = error_body
                .cloned()
                .unwrap_or_else(|| quote!(::std::convert::Infallible));
            let decoder = quote! {
                impl<'a> #private::Decode<'a, #enum_name, #error_body> for #enum_name {
                    /// Decodes a success response by its status.
                    fn decode(
                        operation: &'static #private::Operation,
                        response: #private::Response,
                    ) -> #private::Decoding<'a, #enum_name, #error_body> {
                        ::std::boxed::Box::pin(async move {
                            match response.status().as_u16() {
                                #(#arms)*
                                _ => #fallback,
                            }
                        })
                    }
                }
            };
            let doc_text = format!(
                "The success responses of `{}`, one variant per documented status.",
                op.id
            );
            let enum_def = status_enum(&enum_name, &doc_text, variants, ctx);
            (
                quote!(#enum_name),
                Finish {
                    decode: Some(quote!(#enum_name)),
                    decoder,
                },
                enum_def,
            )
        }
    }
}

/// How an operation's error responses are typed and decoded.
struct Errors {
    /// The error type of `send`: `super::Error<…>`.
    ty: TokenStream,
    /// The documented error body `super::Error` is of, if any.
    body: Option<TokenStream>,
    /// The runtime's `ErrorBodies` that `send_raw` hands over.
    bodies: TokenStream,
    /// The builder's `__decode_error`, when the bodies differ by status.
    decoder: TokenStream,
    /// The enum of error bodies, when they differ by status.
    enum_def: TokenStream,
}

/// The error type of `send`, how documented error bodies are decoded, and
/// the enum of error bodies when they differ.
fn errors(op: &Operation, ctx: &Context) -> Errors {
    let private = &ctx.private;
    let named = quote!(types::);
    let pattern = |status: &StatusMatch| match *status {
        StatusMatch::Code(code) => {
            let code = Literal::u16_unsuffixed(code);
            quote!(#code)
        }
        StatusMatch::Range(range) => {
            let low = Literal::u16_unsuffixed(range * 100);
            let high = Literal::u16_unsuffixed(range * 100 + 99);
            quote!(#low..=#high)
        }
        StatusMatch::Default => quote!(_),
    };
    match &op.errors {
        ErrorBody::None => Errors {
            ty: quote!(super::Error),
            body: None,
            bodies: quote!(#private::ErrorBodies::NONE),
            decoder: TokenStream::new(),
            enum_def: TokenStream::new(),
        },
        ErrorBody::One { ty, statuses } => {
            let ty = rust_type(ty, &named, ctx);
            let spans = if statuses.contains(&StatusMatch::Default) {
                vec![quote!((0, u16::MAX))]
            } else {
                merged_spans(statuses)
                    .into_iter()
                    .map(|(low, high)| {
                        let (low, high) =
                            (Literal::u16_unsuffixed(low), Literal::u16_unsuffixed(high));
                        quote!((#low, #high))
                    })
                    .collect()
            };
            Errors {
                ty: quote!(super::Error<#ty>),
                body: Some(ty),
                bodies: quote!(#private::ErrorBodies::json(&[#(#spans),*])),
                decoder: TokenStream::new(),
                enum_def: TokenStream::new(),
            }
        }
        ErrorBody::Several { name, variants } => {
            let enum_name = ident(name);
            let arms = variants.iter().map(|variant| {
                let (pattern, variant_name) = (pattern(&variant.status), ident(&variant.name));
                quote!(#pattern => #private::error_json(body).map(#enum_name::#variant_name),)
            });
            let rest = (!variants.iter().any(|v| v.status == StatusMatch::Default))
                .then(|| quote!(_ => ::std::option::Option::None,));
            let doc_text = format!(
                "The documented error responses of `{}`, one variant per status.",
                op.id
            );
            Errors {
                ty: quote!(super::Error<#enum_name>),
                body: Some(quote!(#enum_name)),
                bodies: quote!(#private::ErrorBodies::by_status(Self::__decode_error)),
                decoder: quote! {
                    /// The documented body of an error response, by its status.
                    fn __decode_error(
                        status: u16,
                        body: &[u8],
                    ) -> ::std::option::Option<#enum_name> {
                        match status {
                            #(#arms)*
                            #rest
                        }
                    }
                },
                enum_def: status_enum(&enum_name, &doc_text, variants, ctx),
            }
        }
    }
}

/// The runtime's `Style` for a parameter's style.
fn style_path(style: ParamStyle, ctx: &Context) -> TokenStream {
    let private = &ctx.private;
    let style = ident(match style {
        ParamStyle::Simple => "Simple",
        ParamStyle::Label => "Label",
        ParamStyle::Matrix => "Matrix",
        ParamStyle::Form => "Form",
        ParamStyle::SpaceDelimited => "SpaceDelimited",
        ParamStyle::PipeDelimited => "PipeDelimited",
        ParamStyle::DeepObject => "DeepObject",
    });
    quote!(#private::Style::#style)
}

/// The runtime's `BodyEncoding` variant of an alternative.
fn encoding_name(alternative: Alternative) -> &'static str {
    match alternative {
        Alternative::Json => "Json",
        Alternative::Form => "Form",
        Alternative::Multipart => "Multipart",
    }
}

/// The statuses as few inclusive ranges as they make: adjacent codes and
/// ranges merged (`(400, 599)` for `4XX` and `5XX`).
fn merged_spans(statuses: &[StatusMatch]) -> Vec<(u16, u16)> {
    let mut spans: Vec<(u16, u16)> = statuses
        .iter()
        .filter_map(|status| match *status {
            StatusMatch::Code(code) => Some((code, code)),
            StatusMatch::Range(range) => Some((range * 100, range * 100 + 99)),
            StatusMatch::Default => None,
        })
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(u16, u16)> = Vec::new();
    for (low, high) in spans {
        match merged.last_mut() {
            Some(last) if low <= last.1.saturating_add(1) => last.1 = last.1.max(high),
            _ => merged.push((low, high)),
        }
    }
    merged
}

/// An enum with a variant per documented status.
fn status_enum(
    name: &Ident,
    doc_text: &str,
    variants: &[StatusVariant],
    ctx: &Context,
) -> TokenStream {
    let private = &ctx.private;
    let named = quote!(types::);
    let docs = doc(Some(doc_text));
    let raw = variants.iter().any(|v| v.payload == Payload::Raw);
    let variants = variants.iter().map(|variant| {
        let status = match variant.status {
            StatusMatch::Code(code) => code.to_string(),
            StatusMatch::Range(range) => format!("{range}XX"),
            StatusMatch::Default => "default".to_owned(),
        };
        let text = match &variant.doc {
            Some(doc) => format!("`{status}`: {doc}"),
            None => format!("`{status}`"),
        };
        let docs = doc(Some(&text));
        let variant_name = ident(&variant.name);
        match &variant.payload {
            Payload::Empty => quote!(#docs #variant_name,),
            Payload::Json(ty) => {
                let ty = rust_type(ty, &named, ctx);
                quote!(#docs #variant_name(#ty),)
            }
            Payload::Raw => quote!(#docs #variant_name(#private::Response),),
        }
    });
    // A raw response can be neither cloned nor compared.
    let derives = if raw {
        quote!(#[derive(Debug)])
    } else {
        quote!(#[derive(Debug, Clone, PartialEq)])
    };
    quote! {
        #docs
        #derives
        #[allow(clippy::large_enum_variant)]
        pub enum #name {
            #(#variants)*
        }
    }
}

/// The operation's security requirements as the runtime reads them.
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
        #private::Operation {
            id: #id,
            alternatives: &[#(#alternatives),*],
            anonymous: #anonymous,
        }
    }
}

/// The request path: a literal, or `format!` of the path parameters, each
/// first bound to its name serialised and percent-encoded by the runtime.
enum Path {
    Literal(String),
    Format {
        bindings: Vec<TokenStream>,
        format: TokenStream,
    },
}

fn path_expression(op: &Operation, ctx: &Context) -> Path {
    let private = &ctx.private;
    let mut bindings = Vec::new();
    let mut bound: Vec<&str> = Vec::new();
    let template = format_template(&op.path, |wire| {
        // An undeclared template variable stays as written.
        let param = op
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.wire == wire)?;
        let name = ident(&param.name);
        if !bound.contains(&param.name.as_str()) {
            bound.push(&param.name);
            let (style, explode) = (style_path(param.style, ctx), param.explode);
            bindings.push(quote! {
                let #name = #private::path_param(#wire, &self.#name, #style, #explode);
            });
        }
        Some(quote!(#name))
    });
    match template {
        Template::Literal(path) => Path::Literal(path),
        Template::Format(format) => Path::Format { bindings, format },
    }
}
