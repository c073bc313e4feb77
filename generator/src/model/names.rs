//! Every Rust identifier the generator writes is decided here: case by heck,
//! keywords made valid, names that cannot start an identifier prefixed, and
//! collisions resolved deterministically.

use std::collections::HashSet;

use heck::ToShoutySnakeCase;

/// Keywords that can be raw identifiers (`r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore.
const RESERVED: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Splits a name from the document into ASCII words heck can case: anything
/// that is not an ASCII letter or digit separates words.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Calls `word` with each word of `words` (ASCII letters, digits and
/// spaces, as [`words`] leaves a name) where heck finds them: at spaces,
/// before an upper-case letter that follows a lower-case one (`petId`), and
/// before the last of a run of upper-case letters followed by a lower-case
/// one (`HTTPServer`). heck's own conversions go through `fmt` a character
/// at a time, and the model names every property of a large document.
fn each_word<'w>(words: &'w str, mut word: impl FnMut(&'w str)) {
    #[derive(Clone, Copy, PartialEq)]
    enum Case {
        /// No letter since the last boundary.
        None,
        Lower,
        Upper,
    }
    for part in words.split(' ') {
        let bytes = part.as_bytes();
        let mut start = 0;
        let mut case = Case::None;
        for (index, &c) in bytes.iter().enumerate() {
            let Some(&next) = bytes.get(index + 1) else {
                word(&part[start..]);
                break;
            };
            let next_case = if c.is_ascii_lowercase() {
                Case::Lower
            } else if c.is_ascii_uppercase() {
                Case::Upper
            } else {
                case
            };
            if next_case == Case::Lower && next.is_ascii_uppercase() {
                word(&part[start..=index]);
                start = index + 1;
                case = Case::None;
            } else if case == Case::Upper && c.is_ascii_uppercase() && next.is_ascii_lowercase() {
                word(&part[start..index]);
                start = index;
                case = Case::None;
            } else {
                case = next_case;
            }
        }
    }
}

/// `words` in `UpperCamelCase`, as heck's `to_upper_camel_case` writes it.
fn upper_camel(words: &str) -> String {
    let mut out = String::with_capacity(words.len());
    each_word(words, |word| {
        let mut chars = word.chars();
        out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        out.extend(chars.map(|c| c.to_ascii_lowercase()));
    });
    out
}

/// `words` in `snake_case`, as heck's `to_snake_case` writes it.
fn snake(words: &str) -> String {
    let mut out = String::with_capacity(words.len() + 4);
    each_word(words, |word| {
        if !out.is_empty() {
            out.push('_');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    });
    out
}

/// A type or variant name: `UpperCamelCase`, with `prefix` before a
/// leading digit and `fallback` for names with no usable characters.
fn camel(raw: &str, prefix: &str, fallback: &str) -> String {
    let name = upper_camel(&words(raw));
    let name = if name.is_empty() {
        fallback.to_owned()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}{name}")
    } else {
        name
    };
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// The variant of an enum that holds values the document does not list.
pub(crate) const FALLBACK_VARIANT: &str = "Unknown";

/// The field holding properties a struct does not list.
pub(crate) const ADDITIONAL_PROPERTIES: &str = "additional_properties";

/// A type name from a schema, operation or scheme name.
pub(crate) fn type_name(raw: &str) -> String {
    camel(raw, "T", "Unnamed")
}

/// An enum variant name from a value; a leading minus before a digit is
/// spelled out (`-1` is `VMinus1`).
pub(crate) fn variant_name(raw: &str) -> String {
    match raw.strip_prefix('-') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
            camel(&format!("minus {rest}"), "V", "Empty")
        }
        _ => camel(raw, "V", "Empty"),
    }
}

/// An enum variant name from an integer value: `V1`, `VMinus1`.
pub(crate) fn integer_variant_name(value: i64) -> String {
    if value < 0 {
        format!("VMinus{}", value.unsigned_abs())
    } else {
        format!("V{value}")
    }
}

/// The variant of an operation's response or error enum for a status:
/// its reason phrase (`NotFound`), `Status418` for codes without one.
pub(crate) fn status_variant_name(status: super::StatusMatch) -> String {
    use super::StatusMatch;
    let reason = match status {
        StatusMatch::Default => "Default",
        StatusMatch::Range(2) => "Success",
        StatusMatch::Range(3) => "Redirection",
        StatusMatch::Range(4) => "ClientError",
        StatusMatch::Range(5) => "ServerError",
        StatusMatch::Range(range) => return format!("Status{range}xx"),
        StatusMatch::Code(code) => match code {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            203 => "NonAuthoritativeInformation",
            204 => "NoContent",
            205 => "ResetContent",
            206 => "PartialContent",
            207 => "MultiStatus",
            400 => "BadRequest",
            401 => "Unauthorized",
            402 => "PaymentRequired",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            408 => "RequestTimeout",
            409 => "Conflict",
            410 => "Gone",
            411 => "LengthRequired",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            415 => "UnsupportedMediaType",
            422 => "UnprocessableEntity",
            423 => "Locked",
            428 => "PreconditionRequired",
            429 => "TooManyRequests",
            500 => "InternalServerError",
            501 => "NotImplemented",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            code => return format!("Status{code}"),
        },
    };
    reason.to_owned()
}

/// A field, method or argument name: `snake_case`, keywords as raw
/// identifiers.
pub(crate) fn value_name(raw: &str) -> String {
    let name = snake(&words(raw));
    let name = if name.is_empty() {
        "value".to_owned()
    } else if name.chars().all(|c| c.is_ascii_digit() || c == '_') {
        // `_0` would be a name of underscores and digits, which clippy
        // refuses for bindings (`just_underscores_and_digits`).
        format!("n{name}")
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    };
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// An environment variable name part: `SHOUTY_SNAKE_CASE`, `None` when
/// nothing usable is left. A leading digit gets an underscore.
pub(crate) fn env_name(raw: &str) -> Option<String> {
    let name = words(raw).to_shouty_snake_case();
    match name.chars().next() {
        None => None,
        Some(c) if c.is_ascii_digit() => Some(format!("_{name}")),
        Some(_) => Some(name),
    }
}

/// The name as it appears on the wire after serde strips `r#`.
pub(crate) fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// Names in one scope. Taking a name already taken appends the first free
/// number, so the result depends only on the order of requests.
#[derive(Debug, Default)]
pub(crate) struct Namespace {
    taken: HashSet<String>,
}

impl Namespace {
    /// A namespace where `reserved` are already taken.
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Namespace {
            taken: reserved.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    /// `name`, or `name` with a number appended when it is taken.
    pub(crate) fn unique(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        // `self_` numbers as `self_2`, `Self_` as `Self2`.
        let base = match unraw(&name).trim_end_matches('_') {
            "" => unraw(&name).to_owned(),
            trimmed => trimmed.to_owned(),
        };
        let separator = if base.contains('_')
            || base.starts_with(char::is_lowercase)
            || base.ends_with(|c: char| c.is_ascii_digit())
        {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{base}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .expect("an unbounded range has a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_valid_identifiers() {
        assert_eq!(type_name("pet-store"), "PetStore");
        assert_eq!(type_name("2fa_device"), "T2faDevice");
        assert_eq!(type_name("🐶"), "Unnamed");
        assert_eq!(type_name(""), "Unnamed");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(variant_name("1"), "V1");
        assert_eq!(variant_name("-1"), "Minus1");
        assert_eq!(integer_variant_name(-1), "VMinus1");
        assert_eq!(variant_name("in-progress"), "InProgress");
        assert_eq!(value_name("type"), "r#type");
        assert_eq!(value_name("self"), "self_");
        assert_eq!(value_name("petId"), "pet_id");
        assert_eq!(value_name("X-Request-ID"), "x_request_id");
        assert_eq!(value_name("$count"), "count");
        assert_eq!(value_name("123"), "n123");
        assert_eq!(value_name("1st"), "_1st");
        assert_eq!(value_name("名前"), "value");
        assert_eq!(
            env_name("Pets (oauth2 test)").as_deref(),
            Some("PETS_OAUTH2_TEST")
        );
        assert_eq!(env_name("🐶"), None);
    }

    #[test]
    fn words_are_cased_as_heck_cases_them() {
        use heck::{ToSnakeCase, ToUpperCamelCase};
        let mut names: Vec<String> = [
            "",
            " ",
            "a",
            "A",
            "1",
            "petId",
            "PetID",
            "HTTPServer",
            "HTTP2Server",
            "x  y",
            " lead",
            "trail ",
            "ABc",
            "aB",
            "a1B",
            "A1b",
            "1aB",
            "IDs",
            "iOS",
            "v2Beta",
        ]
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
        // Every string of up to five characters over a small alphabet.
        let alphabet = ['a', 'B', 'C', 'd', '1', ' '];
        let mut frontier = vec![String::new()];
        for _ in 0..5 {
            frontier = frontier
                .iter()
                .flat_map(|prefix| alphabet.iter().map(move |c| format!("{prefix}{c}")))
                .collect();
            names.extend(frontier.iter().cloned());
        }
        for name in &names {
            assert_eq!(snake(name), name.to_snake_case(), "{name:?}");
            assert_eq!(upper_camel(name), name.to_upper_camel_case(), "{name:?}");
        }
    }

    #[test]
    fn collisions_are_numbered_in_order() {
        let mut types = Namespace::default();
        assert_eq!(types.unique(type_name("pet_tag")), "PetTag");
        assert_eq!(types.unique(type_name("PetTag")), "PetTag2");
        assert_eq!(types.unique(type_name("pet tag")), "PetTag3");
        let mut values = Namespace::with_reserved(&["builder"]);
        assert_eq!(values.unique(value_name("builder")), "builder_2");
        assert_eq!(values.unique(value_name("type")), "r#type");
        assert_eq!(values.unique(value_name("Type")), "type_2");
        assert_eq!(values.unique(value_name("self")), "self_");
        assert_eq!(values.unique(value_name("Self")), "self_2");
        assert_eq!(types.unique(type_name("self")), "Self_");
        assert_eq!(types.unique(type_name("Self")), "Self2");
        assert_eq!(types.unique(variant_name("1.5")), "V15");
        assert_eq!(types.unique(variant_name("15")), "V15_2");
    }
}
