//! Blank lines between items, which prettyplease does not print: the one
//! change made to its text, so that a generated file reads like one
//! written by hand.
//!
//! prettyplease indents each block by four spaces, opens a block at the end
//! of a line and closes it at the start of one, and prints no string
//! literal over several lines (`quote!` escapes line breaks). So a line's
//! indentation says which block it is in, and a block whose first line
//! starts a module, an `impl` or a trait holds items: between two of its
//! items, at the indentation of its members, goes a blank line. Function
//! bodies, struct fields, enum variants and `use` lists stay as they are.

/// `text` (prettyplease's output) with a blank line before each item or
/// `impl` member that follows another.
pub(crate) fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    // The blocks open before the current line: the indentation of the line
    // that opened each, and whether it holds items. The file holds items.
    let mut blocks: Vec<(usize, bool)> = Vec::new();
    // The last line, trimmed, and its indentation.
    let mut previous: Option<(&str, usize)> = None;
    // The line that started the last item or statement at each
    // indentation, for a block opened on a later line: a `{` of its own
    // (after `where`), or `for Type {` of an `impl` header too long for
    // one line.
    let mut starts: Vec<&str> = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            out.push_str(line);
            previous = None;
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        while blocks.last().is_some_and(|&(opened, _)| opened >= indent) {
            blocks.pop();
        }
        let (members, holds_items) = match blocks.last() {
            Some(&(opened, items)) => (opened + 4, items),
            None => (0, true),
        };
        let comment = trimmed.starts_with("//");
        if holds_items && indent == members && !trimmed.starts_with('}') {
            if let Some((last, at)) = previous {
                if at == members && ends_item(last) && !(is_use(last) && is_use(trimmed)) {
                    out.push('\n');
                }
            }
        }
        out.push_str(line);
        if !comment && !trimmed.starts_with("#[") {
            let level = indent / 4;
            if starts.len() <= level {
                starts.resize(level + 1, "");
            }
            let continues = trimmed == "{" || trimmed.starts_with("for ");
            if !continues && trimmed != "where" && !trimmed.starts_with(['}', ')', '>']) {
                starts[level] = trimmed;
            }
            if trimmed.ends_with('{') {
                let opener = if continues { starts[level] } else { trimmed };
                blocks.push((indent, opens_items(opener)));
            }
        }
        previous = Some((trimmed, indent));
    }
    out
}

/// Whether a line at a member's indentation ends an item: a block's
/// closing brace or a `;`.
fn ends_item(line: &str) -> bool {
    !line.starts_with("//") && (line.ends_with('}') || line.ends_with(';'))
}

fn is_use(line: &str) -> bool {
    without_visibility(line).starts_with("use ")
}

/// Whether the block the line opens holds items: a module, an `impl`, a
/// trait or an `extern` block.
fn opens_items(line: &str) -> bool {
    let line = without_visibility(line);
    let line = line.strip_prefix("unsafe ").unwrap_or(line);
    line.starts_with("mod ")
        || line.starts_with("impl ")
        || line.starts_with("impl<")
        || line.starts_with("trait ")
        || line.starts_with("extern ")
}

/// The line without a leading `pub`, `pub(crate)` or `pub(in …)`.
fn without_visibility(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("pub(") {
        return rest.split_once(") ").map_or(line, |(_, rest)| rest);
    }
    line.strip_prefix("pub ").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::space_items;

    /// Items of the file, of modules and of `impl` blocks are set apart,
    /// their doc comments and attributes with them; statements, fields,
    /// variants, arguments and consecutive `use`s are not.
    #[test]
    fn items_and_members_are_set_apart_and_nothing_else() {
        let text = "\
// @generated

use a::b;
use a::c;
/// A client.
pub struct Client {
    inner: u8,
    other: u8,
}
impl Client {
    /// Starts.
    pub fn builder() -> u8 {
        let a = 1;
        let b = 2;
        if a {
            b;
        } else {
            a;
        }
        a
    }
    #[inline]
    pub fn call(
        self,
        b: u8,
    ) -> u8 {
        b
    }
    pub const N: u8 = 1;
}
pub enum Empty {}
pub mod builders {
    #[allow(unused_imports)]
    use super::types;
    static OPERATION: Operation = Operation {
        id: \"x {\",
    };
    impl<T> Trait for Builder<T>
    where
        T: Send,
    {
        type Output = T;
        fn f() {}
    }
    pub type Error<E> = Inner<
        E,
    >;
    pub(crate) struct S;
    impl ::runtime::StringEnum
    for AVeryLongName {
        fn a() {}
        fn b() {}
    }
}
";
        let expected = "\
// @generated

use a::b;
use a::c;

/// A client.
pub struct Client {
    inner: u8,
    other: u8,
}

impl Client {
    /// Starts.
    pub fn builder() -> u8 {
        let a = 1;
        let b = 2;
        if a {
            b;
        } else {
            a;
        }
        a
    }

    #[inline]
    pub fn call(
        self,
        b: u8,
    ) -> u8 {
        b
    }

    pub const N: u8 = 1;
}

pub enum Empty {}

pub mod builders {
    #[allow(unused_imports)]
    use super::types;

    static OPERATION: Operation = Operation {
        id: \"x {\",
    };

    impl<T> Trait for Builder<T>
    where
        T: Send,
    {
        type Output = T;

        fn f() {}
    }

    pub type Error<E> = Inner<
        E,
    >;

    pub(crate) struct S;

    impl ::runtime::StringEnum
    for AVeryLongName {
        fn a() {}

        fn b() {}
    }
}
";
        assert_eq!(space_items(text), expected);
        // Already spaced text stays as it is.
        assert_eq!(space_items(expected), expected);
    }
}
