//! YAML and JSON text to a JSON value, behind one function so the YAML
//! parser can be swapped, finding the line of a JSON pointer for error
//! messages, and keeping the document's text out of parser messages.

/// A syntax error with its 1-based position.
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

/// Parses a document: JSON when it starts with `{`, YAML otherwise.
pub(crate) fn parse(text: &str) -> Result<serde_json::Value, SyntaxError> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| SyntaxError {
            line: e.line(),
            column: e.column(),
            message: redact(&strip_position(&e.to_string())),
        })
    } else {
        parse_yaml(text)
    }
}

/// How deep brackets may nest in a YAML document. The parser refuses more
/// than 128 levels of nesting, but only after scanning the whole text, in
/// time quadratic in the depth of its brackets (minutes for a few megabytes
/// of `[[[…`), so deeper ones are refused before it runs. Brackets inside
/// quoted text count too: no real document comes near this.
const MAX_BRACKET_DEPTH: usize = 1_000;

/// Where brackets first nest deeper than [`MAX_BRACKET_DEPTH`], if they do.
fn too_deep_brackets(text: &str) -> Option<SyntaxError> {
    let mut depth = 0usize;
    for (index, line) in text.lines().enumerate() {
        for (column, c) in line.chars().enumerate() {
            match c {
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => continue,
            }
            if depth > MAX_BRACKET_DEPTH {
                return Some(SyntaxError {
                    line: index + 1,
                    column: column + 1,
                    message: format!(
                        "brackets nest more than {MAX_BRACKET_DEPTH} deep; \
                         the document is refused before parsing"
                    ),
                });
            }
        }
    }
    None
}

/// The one place that knows the YAML parser.
fn parse_yaml(text: &str) -> Result<serde_json::Value, SyntaxError> {
    if let Some(error) = too_deep_brackets(text) {
        return Err(error);
    }
    serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 1), |location| (location.line(), location.column()));
        SyntaxError {
            line,
            column,
            message: redact(&strip_position(&e.to_string())),
        }
    })
}

/// Parsers append " at line L column C"; the error prints its own position.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// A parser's or deserialiser's message without the values it quotes from
/// the document (`invalid type: string "..."`, ``unknown variant `...` ``):
/// a referenced file may hold anything, and errors name the file, pointer
/// and line instead. What the message expects (``expected one of `a` ``)
/// comes from the parser and stays.
pub(crate) fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    loop {
        let quoted = ["string \"", "key \""]
            .iter()
            .filter_map(|lead| rest.find(lead).map(|at| (at + lead.len(), '"')));
        let ticked = ["unknown variant `", "unknown field `", "duplicate field `"]
            .iter()
            .filter_map(|lead| rest.find(lead).map(|at| (at + lead.len(), '`')));
        let Some((open, close)) = quoted.chain(ticked).min_by_key(|found| found.0) else {
            out.push_str(rest);
            return out;
        };
        // The lead without its space and opening quote.
        out.push_str(&rest[..open - 2]);
        let mut end = None;
        let mut escaped = false;
        for (index, c) in rest[open..].char_indices() {
            match c {
                '\\' if close == '"' && !escaped => escaped = true,
                c if c == close && !escaped => {
                    end = Some(open + index + 1);
                    break;
                }
                _ => escaped = false,
            }
        }
        match end {
            Some(end) => rest = &rest[end..],
            None => return out,
        }
    }
}

/// The 1-based line where the node at `pointer` starts, found by following
/// the pointer's keys through the text: block YAML by indentation, JSON and
/// flow YAML by quoted keys in order. A best effort for error messages;
/// `None` when a step cannot be found.
pub(crate) fn line_of(text: &str, pointer: &str) -> Option<usize> {
    if pointer.is_empty() {
        return Some(1);
    }
    let mut offset = 0;
    for key in crate::pointer::tokens(pointer) {
        if let Ok(index) = key.parse::<usize>() {
            // Items of block sequences are followed; numbers may also be
            // keys (status codes); in flow sequences and JSON arrays the line
            // of the array is close enough.
            if let Some(item) = find_item(&text[offset..], index) {
                offset += item;
            } else if let Some(found) = find_key(&text[offset..], &key) {
                offset += found;
            }
            continue;
        }
        offset += find_key(&text[offset..], &key)?;
    }
    Some(text[..offset].matches('\n').count() + 1)
}

/// The offset of item `index` of the block sequence that is the value of
/// the key at the start of `text` (`key:` then lines of `- item`).
fn find_item(text: &str, index: usize) -> Option<usize> {
    let (first_line, _) = text.split_once('\n')?;
    let after_colon = first_line.split_once(':').map_or("", |(_, rest)| rest);
    if !after_colon.trim().is_empty() && !after_colon.trim_start().starts_with('#') {
        // A flow sequence or a scalar on the key's line.
        return None;
    }
    let mut offset = first_line.len() + 1;
    let mut indent = None;
    let mut seen = 0;
    for line in text[first_line.len() + 1..].split_inclusive('\n') {
        let content = line.trim_start_matches(' ');
        let depth = line.len() - content.len();
        let blank = content.trim().is_empty() || content.starts_with('#');
        if !blank {
            match indent {
                None if content.starts_with('-') => indent = Some(depth),
                None => return None,
                Some(indent) if depth < indent => return None,
                Some(_) => {}
            }
            if Some(depth) == indent && content.starts_with('-') {
                if seen == index {
                    return Some(offset + depth);
                }
                seen += 1;
            } else if Some(depth) == indent {
                return None;
            }
        }
        offset += line.len();
    }
    None
}

fn find_key(text: &str, key: &str) -> Option<usize> {
    let candidates = [format!("\"{key}\""), format!("'{key}'"), format!("{key}:")];
    candidates
        .iter()
        .filter_map(|needle| {
            text.match_indices(needle.as_str())
                .find(|(index, _)| is_key_at(text, *index, needle))
                .map(|(index, _)| index)
        })
        .min()
}

/// Whether the match at `index` is a mapping key, not part of a longer word
/// or a value.
fn is_key_at(text: &str, index: usize, needle: &str) -> bool {
    let before = text[..index].chars().next_back();
    let boundary = matches!(before, None | Some(' ' | '\n' | '{' | ',' | '\t'));
    if !boundary {
        return false;
    }
    if needle.ends_with(':') {
        return true;
    }
    text[index + needle.len()..].trim_start().starts_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_pointers_in_yaml_and_json() {
        let yaml = "openapi: 3.0.3\npaths:\n  /pets:\n    get:\n      operationId: x\n";
        assert_eq!(line_of(yaml, "/paths/~1pets/get/operationId"), Some(5));
        let json = "{\n \"paths\": {\n  \"/pets\": {\n   \"get\": {\"responses\": 1}\n  }\n }\n}";
        assert_eq!(line_of(json, "/paths/~1pets/get/responses"), Some(4));
        assert_eq!(line_of(json, "/nothing"), None);
        let list = "overlay: 1.0.0\nactions:\n  - target: $.a\n    update: {}\n\n  # two\n  - target: $.b\n    remove: true\nafter: 1\n";
        assert_eq!(line_of(list, "/actions/0/target"), Some(3));
        assert_eq!(line_of(list, "/actions/1/target"), Some(7));
        assert_eq!(line_of(list, "/actions/1/remove"), Some(8));
        assert_eq!(line_of(list, "/actions/2"), Some(2));
        let flow = "tags: [a, b]\n";
        assert_eq!(line_of(flow, "/tags/1"), Some(1));
    }

    #[test]
    fn messages_keep_no_text_of_the_document() {
        for (message, expected) in [
            (
                "invalid type: string \"root:x:0:0\\\"quoted\\\" tail\", expected struct PathItem",
                "invalid type: string, expected struct PathItem",
            ),
            (
                "x: invalid value: string \"secret\", expected an integer",
                "x: invalid value: string, expected an integer",
            ),
            (
                "unknown variant `Query`, expected one of `query`, `header`",
                "unknown variant, expected one of `query`, `header`",
            ),
            (
                "duplicate entry with key \"secret\"",
                "duplicate entry with key",
            ),
            ("missing field `responses`", "missing field `responses`"),
            (
                "invalid type: string \"unterminated",
                "invalid type: string",
            ),
        ] {
            assert_eq!(redact(message), expected);
        }
        let err = parse("x: !!int secretvalue\n").unwrap_err();
        assert!(!err.message.contains("secret"), "{}", err.message);
    }
}
