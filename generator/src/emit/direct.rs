//! The structs of the `types` module written straight as formatted text,
//! without the round trip through tokens, `syn` and prettyplease that every
//! other item takes: structs are most of a large client (GitHub's 13 MB
//! document gives 200,000 lines of them), and their shape is regular.
//!
//! The text is what prettyplease prints for the same tokens, byte for byte,
//! and the generation benchmark's corpus comparison holds it to that. Only
//! what is certain to print the same is written here; the rest goes the
//! usual way:
//!
//! - the attributes before `pub struct` (the derives, which prettyplease
//!   may break over lines, and `#[serde(crate = …)]`), the path of the
//!   runtime's module in a type, and the `skip_serializing_if` attribute
//!   are taken from prettyplease once per [`Direct`], by formatting a
//!   sample struct;
//! - a documentation line is `///` and the line, trailing spaces removed,
//!   as prettyplease writes a `#[doc]` without a line break that does not
//!   start with `/`; a struct with another documentation line goes the
//!   usual way;
//! - a field's type is broken over lines as prettyplease breaks it
//!   ([`print_type`]: each generic argument list a consistent box, kept on
//!   the line when it fits within the margin);
//! - a field whose `rename` attribute could reach the margin, or whose wire
//!   name needs escaping in a string literal, is formatted by prettyplease
//!   alone, in a stand-in struct: fields are formatted independently of
//!   each other;
//! - a string enum with a line that could reach the margin, or a value
//!   that needs escaping, is formatted by prettyplease.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, types, Context, CHUNK};
use crate::error::Error;
use crate::model::{names, Field, TypeDef, TypeKind, TypeRef, Variant};

/// The longest attribute or enum line written here: well inside
/// prettyplease's margin (89 columns), so that no line it would have broken
/// is written whole.
const MAX_LINE: usize = 80;

/// Indentation of a struct in the `types` module, and of its fields.
const ITEM_INDENT: &str = "    ";
const FIELD_INDENT: &str = "        ";

/// The stand-in struct's name.
const SAMPLE: &str = "__Sample";

/// What prettyplease prints for the parts every struct shares.
pub(crate) struct Direct {
    /// The lines from the derives to before `pub struct`, indented.
    prelude: String,
    /// The runtime's hidden module as prettyplease prints the path.
    private: String,
    /// The attribute of an optional field, without indentation.
    optional: String,
}

impl Direct {
    /// Formats the sample struct the shared parts are taken from.
    pub(crate) fn new(ctx: &Context) -> Result<Self, Error> {
        let private = &ctx.private;
        let sample = types::struct_def(&ident(SAMPLE), &TokenStream::new(), &[], ctx);
        let fields = quote! {
            pub private: #private::Marker,
            #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
            pub optional: u8,
        };
        let internal = || Error::Internal("unexpected formatting of the sample struct".to_owned());
        let text = super::format_inside(quote!(#sample pub struct __Fields { #fields }))?;
        let header = format!("{ITEM_INDENT}pub struct {SAMPLE} {{}}\n");
        let prelude = text[..text.find(&header).ok_or_else(internal)?].to_owned();
        let private = text
            .lines()
            .find_map(|line| {
                line.trim()
                    .strip_prefix("pub private: ")?
                    .strip_suffix("::Marker,")
            })
            .ok_or_else(internal)?
            .to_owned();
        // The line after the first field's.
        let optional = text
            .lines()
            .map(str::trim)
            .skip_while(|line| !line.starts_with("pub private: "))
            .nth(1)
            .ok_or_else(internal)?
            .to_owned();
        if !optional.starts_with("#[serde(default") || !prelude.starts_with(ITEM_INDENT) {
            return Err(internal());
        }
        Ok(Direct {
            prelude,
            private,
            optional,
        })
    }

    /// The text of `def` as prettyplease prints it, when it is a struct
    /// written here; `None` for anything to format the usual way.
    pub(crate) fn struct_text(
        &self,
        def: &TypeDef,
        ctx: &Context,
    ) -> Result<Option<String>, Error> {
        let TypeKind::Struct { fields } = &def.kind else {
            return Ok(None);
        };
        if fields.is_empty() {
            return Ok(None);
        }
        let mut out = String::with_capacity(64 * (fields.len() + 4));
        if !push_docs(&mut out, def.doc.as_deref(), ITEM_INDENT) {
            return Ok(None);
        }
        out.push_str(&self.prelude);
        out.push_str(ITEM_INDENT);
        out.push_str("pub struct ");
        out.push_str(&def.name);
        out.push_str(" {\n");
        for field in fields {
            if !self.push_field(&mut out, field) {
                out.push_str(&field_by_prettyplease(field, ctx)?);
            }
        }
        out.push_str(ITEM_INDENT);
        out.push_str("}\n");
        Ok(Some(out))
    }

    /// The text of a string enum (see `types::string_enum`) as
    /// prettyplease prints it: the enum, its `StringEnum` table and the
    /// runtime's macro call; `None` when a line could reach the margin or
    /// a value needs escaping.
    pub(crate) fn string_enum_text(
        &self,
        def: &TypeDef,
        variants: &[Variant<String>],
        fallback: &str,
    ) -> Option<String> {
        if variants.is_empty() {
            return None;
        }
        let private = &self.private;
        let name = &def.name;
        let mut out = String::with_capacity(128 * (variants.len() + 4));
        if !push_docs(&mut out, def.doc.as_deref(), ITEM_INDENT) {
            return None;
        }
        let mut lines = vec![format!(
            "{ITEM_INDENT}#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]\n{ITEM_INDENT}pub enum {name} {{\n"
        )];
        for variant in variants {
            if !plain(&variant.wire) {
                return None;
            }
            let text = match &variant.doc {
                Some(text) => format!("`{}`: {}", variant.wire, text.trim()),
                None => format!("`{}`", variant.wire),
            };
            let mut docs = String::new();
            if !push_docs(&mut docs, Some(&text), FIELD_INDENT) {
                return None;
            }
            lines.push(docs);
            lines.push(format!("{FIELD_INDENT}{},\n", variant.name));
        }
        lines.push(format!(
            "{FIELD_INDENT}/// A value the document does not list.\n{FIELD_INDENT}{fallback}(::std::string::String),\n{ITEM_INDENT}}}\n"
        ));
        lines.push(format!(
            "{ITEM_INDENT}impl {private}::StringEnum for {name} {{\n{FIELD_INDENT}fn from_wire(value: &str) -> Self {{\n{FIELD_INDENT}    match value {{\n"
        ));
        const ARM_INDENT: &str = "                ";
        for variant in variants {
            lines.push(format!(
                "{ARM_INDENT}\"{}\" => Self::{},\n",
                variant.wire, variant.name
            ));
        }
        lines.push(format!(
            "{ARM_INDENT}other => Self::{fallback}(::std::string::String::from(other)),\n{FIELD_INDENT}    }}\n{FIELD_INDENT}}}\n"
        ));
        lines.push(format!(
            "{FIELD_INDENT}fn as_wire(&self) -> &str {{\n{FIELD_INDENT}    match self {{\n"
        ));
        for variant in variants {
            lines.push(format!(
                "{ARM_INDENT}Self::{} => \"{}\",\n",
                variant.name, variant.wire
            ));
        }
        lines.push(format!(
            "{ARM_INDENT}Self::{fallback}(other) => other,\n{FIELD_INDENT}    }}\n{FIELD_INDENT}}}\n{ITEM_INDENT}}}\n"
        ));
        lines.push(format!("{ITEM_INDENT}{private}::string_enum!({name});\n"));
        for text in lines {
            // Documentation lines are never broken; any other could be.
            let too_long = text
                .lines()
                .any(|line| !line.trim_start().starts_with("///") && line.len() > MAX_LINE);
            if too_long {
                return None;
            }
            out.push_str(&text);
        }
        Some(out)
    }

    /// Writes `field` when it can be written here, and says whether it was.
    fn push_field(&self, out: &mut String, field: &Field) -> bool {
        let mut line = format!("{FIELD_INDENT}pub {}: ", field.name);
        let mut lines = String::new();
        if !print_type(&self.type_tree(&field.ty), &mut line, &mut lines, 1) {
            return false;
        }
        line.push_str(",\n");
        lines.push_str(&line);
        let rename = if field.flatten {
            None
        } else if names::unraw(&field.name) != field.wire {
            let plain = plain(&field.wire);
            let length = FIELD_INDENT.len() + "#[serde(rename = \"\")]".len() + field.wire.len();
            if !plain || length > MAX_LINE {
                return false;
            }
            Some(format!("#[serde(rename = \"{}\")]", field.wire))
        } else {
            None
        };
        let start = out.len();
        if !push_docs(out, field.doc.as_deref(), FIELD_INDENT) {
            out.truncate(start);
            return false;
        }
        if field.flatten {
            out.push_str(FIELD_INDENT);
            out.push_str("#[serde(flatten)]\n");
        } else {
            if let Some(rename) = rename {
                out.push_str(FIELD_INDENT);
                out.push_str(&rename);
                out.push('\n');
            }
            if field.optional {
                out.push_str(FIELD_INDENT);
                out.push_str(&self.optional);
                out.push('\n');
            }
        }
        out.push_str(&lines);
        true
    }

    /// A field's type as a path and its generic arguments, as the `types`
    /// module writes it.
    fn type_tree(&self, ty: &TypeRef) -> TypeTree {
        let private = &self.private;
        let leaf = |path: &str| TypeTree {
            path: path.to_owned(),
            args: Vec::new(),
        };
        let generic = |path: &str, args: Vec<TypeTree>| TypeTree {
            path: path.to_owned(),
            args,
        };
        match ty {
            TypeRef::Bool => leaf("bool"),
            TypeRef::I8 => leaf("i8"),
            TypeRef::I16 => leaf("i16"),
            TypeRef::I32 => leaf("i32"),
            TypeRef::I64 => leaf("i64"),
            TypeRef::U8 => leaf("u8"),
            TypeRef::U16 => leaf("u16"),
            TypeRef::U32 => leaf("u32"),
            TypeRef::U64 => leaf("u64"),
            TypeRef::F32 => leaf("f32"),
            TypeRef::F64 => leaf("f64"),
            TypeRef::String => leaf("::std::string::String"),
            TypeRef::Bytes => generic("::std::vec::Vec", vec![leaf("u8")]),
            TypeRef::DateTime => generic(
                &format!("{private}::chrono::DateTime"),
                vec![leaf(&format!("{private}::chrono::FixedOffset"))],
            ),
            TypeRef::Date => leaf(&format!("{private}::chrono::NaiveDate")),
            TypeRef::Uuid => leaf(&format!("{private}::uuid::Uuid")),
            TypeRef::Json => leaf(&format!("{private}::serde_json::Value")),
            TypeRef::Vec(item) => generic("::std::vec::Vec", vec![self.type_tree(item)]),
            TypeRef::Map(value) => generic(
                "::std::collections::BTreeMap",
                vec![leaf("::std::string::String"), self.type_tree(value)],
            ),
            TypeRef::Option(inner) => generic("::std::option::Option", vec![self.type_tree(inner)]),
            TypeRef::Boxed(inner) => generic("::std::boxed::Box", vec![self.type_tree(inner)]),
            TypeRef::Named(name) => leaf(name),
        }
    }
}

/// A type path with its generic arguments (`::std::vec::Vec` and `u8`).
struct TypeTree {
    path: String,
    args: Vec<TypeTree>,
}

impl TypeTree {
    /// On one line: `::std::vec::Vec<u8>`.
    fn flat(&self, out: &mut String) {
        out.push_str(&self.path);
        if let Some((first, rest)) = self.args.split_first() {
            out.push('<');
            first.flat(out);
            for arg in rest {
                out.push_str(", ");
                arg.flat(out);
            }
            out.push('>');
        }
    }
}

/// prettyplease's margin and the least room it leaves a line.
const MARGIN: usize = 89;
const MIN_SPACE: usize = 60;

/// Appends `ty` to `line` as prettyplease prints it, moving finished lines
/// to `lines`; `trailing` is the length of what follows it up to
/// prettyplease's next break (the field's `,`, or an argument's). Its
/// generic arguments are a consistent box: they stay on the line when the
/// box, its `>` and `trailing` fit within the margin, else each goes on a
/// line of its own, four spaces deeper, with a comma, and `>` on a line at
/// the type's indentation. `false` when a line would be deeper than the
/// margin leaves room for (prettyplease then keeps a minimum width).
fn print_type(ty: &TypeTree, line: &mut String, lines: &mut String, trailing: usize) -> bool {
    line.push_str(&ty.path);
    if ty.args.is_empty() {
        return true;
    }
    line.push('<');
    let mut flat = String::new();
    for (index, arg) in ty.args.iter().enumerate() {
        if index > 0 {
            flat.push_str(", ");
        }
        arg.flat(&mut flat);
    }
    if line.len() + flat.len() + ">".len() + trailing <= MARGIN {
        line.push_str(&flat);
        line.push('>');
        return true;
    }
    let indent = line.len() - line.trim_start_matches(' ').len();
    let inner = indent + 4;
    if MARGIN - inner < MIN_SPACE {
        return false;
    }
    lines.push_str(line);
    lines.push('\n');
    for (index, arg) in ty.args.iter().enumerate() {
        let last = index + 1 == ty.args.len();
        *line = " ".repeat(inner);
        // A `,` word after an argument but the last, which ends at a
        // break whose `,` only shows when it breaks.
        if !print_type(arg, line, lines, usize::from(!last)) {
            return false;
        }
        line.push_str(",\n");
        lines.push_str(line);
    }
    *line = " ".repeat(indent);
    line.push('>');
    true
}

/// Whether `text` is written as it is in a string literal: printable
/// ASCII but `"` and `\`.
fn plain(text: &str) -> bool {
    text.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
}

/// Writes the documentation of `text` at `indent`, as [`super::doc`] makes
/// it and prettyplease prints it; `false` when a line would be printed
/// otherwise (with a line break, or starting with `/`).
fn push_docs(out: &mut String, text: Option<&str>, indent: &str) -> bool {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return true;
    };
    for line in super::docs::doc_lines(text, super::docs::Links::Web) {
        if line.contains(['\n', '\r']) || line.starts_with('/') {
            return false;
        }
        out.push_str(indent);
        out.push_str("///");
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    true
}

/// `field` formatted by prettyplease, as the lines it has in a struct of
/// the `types` module.
fn field_by_prettyplease(field: &Field, ctx: &Context) -> Result<String, Error> {
    let sample = ident(SAMPLE);
    let field = types::field(field, ctx);
    let text = super::format_inside(quote!(pub struct #sample { #field }))?;
    let header = format!("{ITEM_INDENT}pub struct {SAMPLE} {{\n");
    let footer = format!("{ITEM_INDENT}}}\n");
    text.strip_prefix(&header)
        .and_then(|rest| rest.strip_suffix(&footer))
        .map(str::to_owned)
        .ok_or_else(|| Error::Internal(format!("unexpected formatting of a field in `{CHUNK}`")))
}

#[cfg(test)]
mod tests {
    use super::super::{context, format_inside, types, types_chunk};
    use super::Direct;
    use crate::model::TypeKind;

    /// Structs and string enums of every shape `direct` writes or hands
    /// on: documentation, renamed, optional, flattened and raw-named
    /// fields, runtime types, a field too long for one line, values that
    /// need escaping or reach the margin.
    const DOCUMENT: &str = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Pet:
      description: "A pet.\n\nWith two paragraphs,   and trailing spaces   "
      type: object
      required: [id, type]
      properties:
        id: {type: integer, format: int64, description: The id.}
        type: {type: string}
        "@odata.type": {type: string}
        born: {type: string, format: date-time}
        tag: {type: string, format: uuid}
        extra: {}
        "quoted\"wire": {type: string}
        a_very_long_field_name_that_reaches_the_margin: {type: object, additionalProperties: {type: array, items: {type: string, format: date-time}}}
      additionalProperties: {type: integer}
    Colour:
      description: A colour.
      type: string
      enum: [red, green, dark-blue]
    LongValues:
      type: string
      enum: [a-value-so-long-that-its-match-arm-reaches-the-margin-of-prettyplease-by-far]
    Quoted:
      type: string
      enum: ['say "hi"', plain]
"##;

    /// Fields of every name length around prettyplease's margin, of
    /// nested generic types: each written as prettyplease breaks it.
    #[test]
    fn long_fields_break_where_prettyplease_breaks_them() {
        let types = [
            "{type: string}",
            "{type: string, format: date-time}",
            "{type: array, items: {type: string, format: date-time}}",
            "{type: object, additionalProperties: {type: array, items: {type: integer}}}",
            "{type: object, additionalProperties: {type: object, additionalProperties: {type: string, format: date-time}}}",
            "{$ref: '#/components/schemas/AVeryLongNamedTypeThatFillsMuchOfTheLineOnItsOwnWithoutHelp'}",
        ];
        let mut properties = String::new();
        for (t, ty) in types.iter().enumerate() {
            for length in 20..90 {
                let name = "a".repeat(length);
                properties.push_str(&format!("        {name}_{t}: {ty}\n"));
            }
        }
        let yaml = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    \
             AVeryLongNamedTypeThatFillsMuchOfTheLineOnItsOwnWithoutHelp: {{type: object, properties: {{x: {{type: string}}}}}}\n    \
             Wide:\n      type: object\n      properties:\n{properties}"
        );
        let file = std::env::temp_dir().join(format!("direct-wide-{}.yaml", std::process::id()));
        std::fs::write(&file, yaml).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        let api = crate::model::build(&document.unwrap()).unwrap();
        for runtime in [
            "::runtime",
            "crate::vendored::a_runtime_crate_with_a_long_name",
        ] {
            let ctx = context(runtime).unwrap();
            let direct = Direct::new(&ctx).unwrap();
            for def in &api.types {
                let defs = std::slice::from_ref(def);
                let expected = format_inside(types::type_defs(defs, None, &ctx)).unwrap();
                assert_eq!(types_chunk(defs, &ctx).unwrap(), expected, "{}", def.name);
                // Written here, none handed to prettyplease.
                let TypeKind::Struct { fields } = &def.kind else {
                    continue;
                };
                let mut out = String::new();
                assert!(fields.iter().all(|f| direct.push_field(&mut out, f)));
            }
        }
    }

    /// `direct` writes what prettyplease prints for the same items, and
    /// does write the plain ones.
    #[test]
    fn written_text_is_what_prettyplease_prints() {
        let file = std::env::temp_dir().join(format!("direct-{}.yaml", std::process::id()));
        std::fs::write(&file, DOCUMENT).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        let api = crate::model::build(&document.unwrap()).unwrap();
        // A long runtime path moves more lines past the margin.
        let long = context("crate::vendored::a_runtime_crate_with_a_long_name").unwrap();
        for def in &api.types {
            let defs = std::slice::from_ref(def);
            let expected = format_inside(types::type_defs(defs, None, &long)).unwrap();
            assert_eq!(types_chunk(defs, &long).unwrap(), expected, "{}", def.name);
        }
        let ctx = context("::runtime").unwrap();
        let direct = Direct::new(&ctx).unwrap();
        let mut written = Vec::new();
        for (index, def) in api.types.iter().enumerate() {
            let defs = &api.types[index..=index];
            let expected = format_inside(types::type_defs(defs, None, &ctx)).unwrap();
            assert_eq!(types_chunk(defs, &ctx).unwrap(), expected, "{}", def.name);
            let text = match &def.kind {
                TypeKind::Struct { .. } => direct.struct_text(def, &ctx).unwrap(),
                TypeKind::Enum { variants, fallback } => {
                    direct.string_enum_text(def, variants, fallback)
                }
                _ => None,
            };
            if text.is_some() {
                written.push(def.name.as_str());
            }
        }
        // `Pet` with its long and quoted fields formatted by prettyplease;
        // the enums with a long or a quoted value wholly by prettyplease.
        assert_eq!(written, ["Pet", "Colour"]);
        // The whole chunk too, mixing both.
        let expected = format_inside(types::type_defs(&api.types, None, &ctx)).unwrap();
        assert_eq!(types_chunk(&api.types, &ctx).unwrap(), expected);
    }
}
