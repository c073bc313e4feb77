//! The model turned into tokens with `quote!`, one file per concern, and
//! formatted with prettyplease. Nothing here reads the document.

mod auth;
mod client;
mod direct;
mod docs;
mod operations;
mod spacing;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::error::Error;
use crate::model::{Api, Operation, TypeDef, TypeKind, TypeRef};

/// The runtime's hidden module generated code reaches it through, named
/// after the version (`__private_v{major}_{minor}`, as serde names its own):
/// the runtime of the same version has it, and against another one the
/// generated code fails with one clear error (`could not find
/// __private_v0_1 in runtime`).
const PRIVATE_MODULE: &str = concat!(
    "__private_v",
    env!("CARGO_PKG_VERSION_MAJOR"),
    "_",
    env!("CARGO_PKG_VERSION_MINOR")
);

fn context(runtime_crate: &str) -> Result<Context, Error> {
    let rt: syn::Path = syn::parse_str(runtime_crate).map_err(|e| Error::InvalidOption {
        option: "runtime crate",
        message: format!("`{runtime_crate}` is not a Rust path: {e}"),
    })?;
    let module = Ident::new(PRIVATE_MODULE, Span::call_site());
    Ok(Context {
        private: quote!(#rt::#module),
        serde_crate: format!("{}::{PRIVATE_MODULE}::serde", runtime_crate.trim()),
    })
}

/// The document's JSON examples with the Rust type of each, as a path from
/// the generated module's root (`types::Pet`).
pub(crate) fn examples(api: &Api, runtime_crate: &str) -> Result<Vec<crate::Example>, Error> {
    let ctx = context(runtime_crate)?;
    Ok(api
        .examples
        .iter()
        .map(|example| crate::Example {
            pointer: example.pointer.clone(),
            rust_type: rust_type(&example.ty, &quote!(types::), &ctx).to_string(),
            json: example.value.clone(),
        })
        .collect())
}

/// The crate-level documentation of a crate holding the module of `api`
/// as its `lib.rs` (see `write_crate`): `//!` lines naming the API, its
/// description, and the example of the `Client`'s documentation. A module
/// that a build script's output is `include!`d into cannot have it: inner
/// attributes are not allowed there.
pub(crate) fn crate_doc(api: &Api, runtime_crate: &str) -> Result<String, Error> {
    let ctx = context(runtime_crate)?;
    let mut lines = docs::doc_lines(
        &format!(
            "A client for {} {}, generated from `{}`.",
            api.title, api.version, api.source
        ),
        docs::Links::Web,
    );
    if let Some(description) = api.description.as_deref().map(str::trim) {
        if !description.is_empty() {
            lines.push(String::new());
            lines.extend(docs::doc_lines(description, docs::Links::Web));
        }
    }
    lines.push(String::new());
    lines.extend(docs::doc_lines(
        &client::example(api, &ctx),
        docs::Links::Items,
    ));
    if let Some(features) = &api.features {
        let names: Vec<String> = features
            .tags
            .iter()
            .map(|feature| format!("`{}`", feature.name))
            .collect();
        lines.push(String::new());
        lines.extend(docs::doc_lines(
            &format!(
                "Each tag's operations are behind a cargo feature, none on by default: {}; \
                 `{}` enables them all. Operations without a tag are always there.",
                names.join(", "),
                crate::model::FULL_FEATURE
            ),
            docs::Links::Items,
        ));
    }
    let file: syn::File =
        syn::parse2(quote!(#(#![doc = #lines])*)).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(prettyplease::unparse(&file))
}

/// Emits the formatted module for `api`, with its `@generated` header.
///
/// Formatting (tokens to `syn` to text) is most of the generator's time, so
/// it runs on as many threads as the machine has: the items of the `types`
/// and `builders` modules are formatted in chunks, each inside a stand-in
/// module so that it is indented as in the real one, and the texts are
/// joined in order. A chunk of `builders` is a fixed number of operations,
/// since it starts with their `Client` methods' `impl` block. prettyplease formats items independently of their
/// neighbours, so the result is the text of the whole file formatted at once
/// (the snapshot tests hold it to that). The joined text then gets a blank
/// line between items ([`spacing`]). Most structs and string enums of
/// `types` skip the tokens and are written as that text ([`direct`]).
pub(crate) fn emit(api: &Api, runtime_crate: &str) -> Result<String, Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    emit_on(api, runtime_crate, threads)
}

/// [`emit`] on `threads` threads; the text does not depend on how many.
fn emit_on(api: &Api, runtime_crate: &str, threads: usize) -> Result<String, Error> {
    // Checked once here, so that no job fails on it.
    context(runtime_crate)?;
    // Several chunks per thread, so that one slow chunk does not leave the
    // other threads idle at the end.
    let chunks_of = |len: usize| len.div_ceil(threads * 4).max(1);
    let type_chunks: Vec<&[TypeDef]> = api.types.chunks(chunks_of(api.types.len())).collect();
    // The builders' chunks are a fixed size: each holds an `impl Client`
    // block with its operations' methods, so the chunks show in the output,
    // which must not depend on the machine.
    let operation_chunks: Vec<&[Operation]> = api.operations.chunks(OPERATIONS_PER_CHUNK).collect();

    let mut jobs: Vec<Job<'_>> = vec![Job::Head];
    if type_chunks.is_empty() {
        // Formatted whole: an empty module is written on one line.
        jobs.push(Job::Types(&[]));
    } else {
        jobs.push(Job::Open(Module::Types));
        jobs.extend(type_chunks.iter().map(|defs| Job::TypesChunk(defs)));
        jobs.push(Job::Close);
    }
    jobs.extend([Job::Auth, Job::Open(Module::Builders)]);
    jobs.extend(operation_chunks.iter().map(|ops| Job::Builders(ops)));
    jobs.push(Job::Close);

    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: std::sync::Mutex<Vec<Option<Result<String, Error>>>> =
        std::sync::Mutex::new(jobs.iter().map(|_| None).collect());
    let work = || loop {
        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(job) = jobs.get(index) else {
            break;
        };
        let text = job.format(api, runtime_crate);
        done.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)[index] = Some(text);
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    // No version in the header: it would change every generated file on
    // each release of the generator.
    let mut code = format!(
        "// @generated by generator from {}. Do not edit by hand.\n\n",
        api.source
    );
    for text in done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        code.push_str(
            &text.ok_or_else(|| Error::Internal("a formatting job did not run".to_owned()))??,
        );
    }
    Ok(spacing::space_items(&code))
}

#[derive(Clone, Copy)]
enum Module {
    Types,
    Builders,
}

/// A piece of the generated file, formatted on its own.
enum Job<'a> {
    /// `Client` and the `server` module.
    Head,
    /// A module's first lines, up to its items.
    Open(Module),
    /// The whole `types` module.
    Types(&'a [TypeDef]),
    TypesChunk(&'a [TypeDef]),
    Builders(&'a [Operation]),
    /// The end of a module.
    Close,
    Auth,
}

/// The operations of a chunk of the `builders` module, whose `Client`
/// methods share an `impl` block.
const OPERATIONS_PER_CHUNK: usize = 32;

/// The stand-in module a chunk of items is formatted in.
const CHUNK: &str = "__chunk";

impl Job<'_> {
    /// The job's text. Tokens are made on the thread that formats them:
    /// `proc_macro2`'s cannot move between threads.
    fn format(&self, api: &Api, runtime_crate: &str) -> Result<String, Error> {
        let ctx = context(runtime_crate)?;
        let features = api.features.as_ref();
        if let (Job::TypesChunk(defs), None) = (self, features) {
            return types_chunk(defs, &ctx);
        }
        let chunk = ident(CHUNK);
        let (tokens, part) = match self {
            Job::Close => return Ok("}\n".to_owned()),
            Job::Head => {
                let client = client::client(api, &ctx);
                let server = client::server_module(api);
                (quote!(#client #server), Part::Whole)
            }
            Job::Auth => (auth::auth_module(api, &ctx), Part::Whole),
            Job::Open(module) => {
                let placeholder = quote!(mod #chunk {});
                let tokens = match module {
                    Module::Types => types::types_module(placeholder),
                    Module::Builders => operations::builders_module(placeholder, &ctx),
                };
                (tokens, Part::Opening)
            }
            Job::Types(defs) => (
                types::types_module(types::type_defs(defs, features, &ctx)),
                Part::Whole,
            ),
            Job::TypesChunk(defs) => {
                let items = types::type_defs(defs, features, &ctx);
                (quote!(mod #chunk { #items }), Part::Inside)
            }
            Job::Builders(operations) => {
                let ctx = operations::builders_context(&ctx);
                let items = operations::builders(operations, features, &ctx);
                (quote!(mod #chunk { #items }), Part::Inside)
            }
        };
        let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Internal(e.to_string()))?;
        let text = prettyplease::unparse(&file);
        let internal = || Error::Internal(format!("unexpected formatting of `{CHUNK}`"));
        match part {
            Part::Whole => Ok(text),
            // Up to the stand-in module, which is the last item.
            Part::Opening => {
                let end = text
                    .rfind(&format!("    mod {CHUNK} {{}}\n"))
                    .ok_or_else(internal)?;
                Ok(text[..end].to_owned())
            }
            // Between the stand-in module's first and last lines.
            Part::Inside => {
                if text == format!("mod {CHUNK} {{}}\n") {
                    return Ok(String::new());
                }
                let body = text
                    .strip_prefix(&format!("mod {CHUNK} {{\n"))
                    .and_then(|rest| rest.strip_suffix("}\n"))
                    .ok_or_else(internal)?;
                Ok(body.to_owned())
            }
        }
    }
}

/// The `#[cfg(…)]` compiling an item only with one of `features`; none
/// for an item always compiled.
pub(crate) fn cfg_attribute(features: Option<&[String]>) -> Option<TokenStream> {
    match features? {
        [] => None,
        [feature] => Some(quote!(#[cfg(feature = #feature)])),
        several => Some(quote!(#[cfg(any(#(feature = #several),*))])),
    }
}

/// Each of `items` behind the `#[cfg(…)]` of `features` (see
/// [`cfg_attribute`]); `items` as they are when always compiled. The
/// attribute goes on every item (a struct, its `impl`s, the enums beside
/// it), which the tokens do not delimit: they are parsed to find them,
/// only when there is a condition.
pub(crate) fn gated(items: TokenStream, features: Option<&[String]>) -> TokenStream {
    let Some(cfg) = cfg_attribute(features) else {
        return items;
    };
    let mut file: syn::File = match syn::parse2(items.clone()) {
        Ok(file) => file,
        // Left for the formatting, which parses them again, to report.
        Err(_) => return items,
    };
    for item in &mut file.items {
        if let Some(attrs) = item_attrs(item) {
            // After the documentation, as one writes it by hand; made anew
            // for each item: `syn` is built without `Clone` impls.
            let docs = attrs
                .iter()
                .take_while(|attr| attr.path().is_ident("doc"))
                .count();
            attrs.insert(docs, syn::parse_quote!(#cfg));
        }
    }
    quote!(#file)
}

/// The attributes of the items emitted in `types` and `builders`.
fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    match item {
        syn::Item::Struct(item) => Some(&mut item.attrs),
        syn::Item::Enum(item) => Some(&mut item.attrs),
        syn::Item::Impl(item) => Some(&mut item.attrs),
        syn::Item::Type(item) => Some(&mut item.attrs),
        syn::Item::Const(item) => Some(&mut item.attrs),
        syn::Item::Static(item) => Some(&mut item.attrs),
        syn::Item::Fn(item) => Some(&mut item.attrs),
        syn::Item::Mod(item) => Some(&mut item.attrs),
        syn::Item::Use(item) => Some(&mut item.attrs),
        syn::Item::Trait(item) => Some(&mut item.attrs),
        syn::Item::Macro(item) => Some(&mut item.attrs),
        _ => None,
    }
}

/// The text of `defs` in the `types` module: structs written directly
/// ([`direct`]), the other items formatted by prettyplease, a run of
/// consecutive ones at a time.
fn types_chunk(defs: &[TypeDef], ctx: &Context) -> Result<String, Error> {
    let direct = direct::Direct::new(ctx)?;
    let mut text = String::new();
    // The first of the items not yet formatted.
    let mut pending = 0;
    for (index, def) in defs.iter().enumerate() {
        let written = match &def.kind {
            TypeKind::Struct { .. } => direct.struct_text(def, ctx)?,
            TypeKind::Enum { variants, fallback } => {
                direct.string_enum_text(def, variants, fallback)
            }
            _ => None,
        };
        if let Some(written) = written {
            if pending < index {
                text.push_str(&format_inside(types::type_defs(
                    &defs[pending..index],
                    None,
                    ctx,
                ))?);
            }
            text.push_str(&written);
            pending = index + 1;
        }
    }
    if pending < defs.len() {
        text.push_str(&format_inside(types::type_defs(
            &defs[pending..],
            None,
            ctx,
        ))?);
    }
    Ok(text)
}

/// `items` formatted as the items of a module nested in the file's, as in
/// `types` and `builders`: each line indented by four spaces.
fn format_inside(items: TokenStream) -> Result<String, Error> {
    let chunk = ident(CHUNK);
    let file: syn::File =
        syn::parse2(quote!(mod #chunk { #items })).map_err(|e| Error::Internal(e.to_string()))?;
    let text = prettyplease::unparse(&file);
    if text == format!("mod {CHUNK} {{}}\n") {
        return Ok(String::new());
    }
    text.strip_prefix(&format!("mod {CHUNK} {{\n"))
        .and_then(|rest| rest.strip_suffix("}\n"))
        .map(str::to_owned)
        .ok_or_else(|| Error::Internal(format!("unexpected formatting of `{CHUNK}`")))
}

/// Which part of a job's formatted text is kept.
enum Part {
    Whole,
    Opening,
    Inside,
}

/// What every emitter needs to know.
#[derive(Clone)]
pub(crate) struct Context {
    /// The path of the runtime's hidden module.
    private: TokenStream,
    /// The same path as a string, for `#[serde(crate = "…")]`.
    serde_crate: String,
}

/// A `{name}` template (a path or server URL) as Rust: a literal when no
/// variable is known, else a `format!` call in which each variable
/// `argument` knows is `{name}` when the argument is a plain (not raw)
/// identifier, as one writes by hand, or `{}` with the argument. Other
/// text (undeclared variables included) is kept literally.
pub(crate) fn format_template(
    template: &str,
    mut argument: impl FnMut(&str) -> Option<TokenStream>,
) -> Template {
    let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
    let mut format = String::new();
    let mut args = Vec::new();
    let mut known = false;
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        format.push_str(&escape(&rest[..start]));
        match argument(&rest[start + 1..start + length]) {
            Some(arg) => {
                known = true;
                match syn::parse2::<Ident>(arg.clone()) {
                    Ok(name) if !name.to_string().starts_with("r#") => {
                        format.push_str(&format!("{{{name}}}"));
                    }
                    _ => {
                        format.push_str("{}");
                        args.push(arg);
                    }
                }
            }
            None => format.push_str(&escape(&rest[start..=start + length])),
        }
        rest = &rest[start + length + 1..];
    }
    format.push_str(&escape(rest));
    if known {
        Template::Format(quote!(::std::format!(#format #(, #args)*)))
    } else {
        Template::Literal(template.to_owned())
    }
}

/// A template made Rust by [`format_template`].
pub(crate) enum Template {
    /// No variable was known: the template as written.
    Literal(String),
    /// A `format!` call.
    Format(TokenStream),
}

/// An identifier from a name the model decided, raw when it says so.
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Doc attributes for text from the document, one per line, made only
/// text: no doctest, HTML, or link but to web and mail addresses (see
/// [`docs`]).
pub(crate) fn doc(text: Option<&str>) -> TokenStream {
    doc_with(text, docs::Links::Web)
}

/// Doc attributes for a sentence the generator writes (text from the
/// document in it in code spans), as [`doc`] makes them, but keeping its
/// intra-doc links to generated items (``[`send`](Self::send)``).
pub(crate) fn generated_doc(text: &str) -> TokenStream {
    doc_with(Some(text), docs::Links::Items)
}

fn doc_with(text: Option<&str>, links: docs::Links) -> TokenStream {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return TokenStream::new();
    };
    let lines = docs::doc_lines(text, links);
    quote! { #(#[doc = #lines])* }
}

/// The Rust type for a model type; `named` is the path prefix of the
/// `types` module where it is used.
pub(crate) fn rust_type(ty: &TypeRef, named: &TokenStream, ctx: &Context) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(bool),
        TypeRef::I8 => quote!(i8),
        TypeRef::I16 => quote!(i16),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U8 => quote!(u8),
        TypeRef::U16 => quote!(u16),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Bytes => quote!(::std::vec::Vec<u8>),
        TypeRef::DateTime => {
            let private = &ctx.private;
            quote!(#private::chrono::DateTime<#private::chrono::FixedOffset>)
        }
        TypeRef::Date => {
            let private = &ctx.private;
            quote!(#private::chrono::NaiveDate)
        }
        TypeRef::Uuid => {
            let private = &ctx.private;
            quote!(#private::uuid::Uuid)
        }
        TypeRef::Json => {
            let private = &ctx.private;
            quote!(#private::serde_json::Value)
        }
        TypeRef::Vec(item) => {
            let item = rust_type(item, named, ctx);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = rust_type(value, named, ctx);
            quote!(::std::collections::BTreeMap<::std::string::String, #value>)
        }
        TypeRef::Option(inner) => {
            let inner = rust_type(inner, named, ctx);
            quote!(::std::option::Option<#inner>)
        }
        TypeRef::Boxed(inner) => {
            let inner = rust_type(inner, named, ctx);
            quote!(::std::boxed::Box<#inner>)
        }
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#named #name)
        }
    }
}

#[cfg(test)]
mod tests {
    /// The code generated for `yaml`.
    fn generated(yaml: &str, name: &str) -> String {
        let file = std::env::temp_dir().join(format!("{name}-{}.yaml", std::process::id()));
        std::fs::write(&file, yaml).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        let api = crate::model::build(&document.unwrap()).unwrap();
        super::emit_on(&api, "::runtime", 1).unwrap()
    }

    /// An operation without an `operationId` is documented by its method
    /// and path once, not as its own id beside them; path parameters are
    /// bound to their names before the `format!` that uses them, raw names
    /// passed as arguments.
    #[test]
    fn operations_read_like_hand_written_code() {
        let code = generated(
            r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items/{id}/{type}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
      - {name: type, in: path, required: true, schema: {type: string}}
    get:
      responses: {"204": {description: none}}
    delete:
      operationId: deleteItem
      responses: {"204": {description: none}}
"#,
            "hand-written",
        );
        assert!(code.contains("/// `GET /items/{id}/{type}`\n"), "{code}");
        assert!(!code.contains("(`GET /items"), "{code}");
        assert!(
            code.contains("/// A `GET /items/{id}/{type}` request; send it with"),
            "{code}"
        );
        assert!(
            code.contains("/// `DELETE /items/{id}/{type}` (`deleteItem`)\n"),
            "{code}"
        );
        assert!(
            code.contains("let id = __rt::path_param(\"id\", &self.id, "),
            "{code}"
        );
        assert!(
            code.contains("::std::format!(\"/items/{id}/{}\", r#type)"),
            "{code}"
        );
    }

    /// The output is the same however many threads format it, with more
    /// operations than a chunk of the `builders` module holds.
    #[test]
    fn the_text_does_not_depend_on_the_threads() {
        let count = super::OPERATIONS_PER_CHUNK * 2 + 5;
        let paths: String = (0..count)
            .map(|i| {
                format!(
                    "  /items{i}/{{id}}:\n    get:\n      operationId: getItem{i}\n      \
                     parameters:\n        - {{name: id, in: path, required: true, schema: {{type: string}}}}\n        \
                     - {{name: q, in: query, schema: {{type: integer}}}}\n      \
                     responses:\n        \"200\":\n          description: ok\n          \
                     content: {{application/json: {{schema: {{type: object, properties: {{n{i}: {{type: string}}}}}}}}}}\n"
                )
            })
            .collect();
        let spec = format!("openapi: 3.0.3\ninfo: {{title: t, version: \"1\"}}\npaths:\n{paths}");
        let file = std::env::temp_dir().join(format!("threads-{}.yaml", std::process::id()));
        std::fs::write(&file, spec).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        let api = crate::model::build(&document.unwrap()).unwrap();
        assert_eq!(api.operations.len(), count);
        let one = super::emit_on(&api, "::runtime", 1).unwrap();
        assert_eq!(one.matches("impl super::Client {").count(), 3);
        for threads in [2, 3, 8] {
            assert!(
                super::emit_on(&api, "::runtime", threads).unwrap() == one,
                "{threads} threads"
            );
        }
        syn::parse_file(&one).unwrap();
    }
}
