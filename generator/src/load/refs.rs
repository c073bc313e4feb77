//! Local references: `$ref` values of the form `#/a/b~1c` looked up in the
//! document they appear in.

use serde_json::Value;

/// The node a local `$ref` (`#` followed by a JSON pointer) names, or `None`
/// when the reference points into another file or at nothing. The fragment
/// may be percent-encoded, as URI fragments are.
pub(super) fn resolve<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let fragment = reference.strip_prefix('#')?;
    if let Some(found) = root.pointer(fragment) {
        return Some(found);
    }
    let decoded = percent_decode(fragment)?;
    root.pointer(&decoded)
}

/// `%XX` escapes decoded; `None` when the result is not UTF-8 or has no
/// escapes to decode.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[index], bytes.get(index + 1), bytes.get(index + 2)) {
            (b'%', Some(&high), Some(&low)) if hex(high).is_some() && hex(low).is_some() => {
                let value = hex(high).unwrap_or(0) * 16 + hex(low).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                index += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_with_escapes_resolve() {
        let root = serde_json::json!({"paths": {"/a/{b}": {"x": 1}}, "s": {"A B": 2, "m~n": 3}});
        assert_eq!(resolve(&root, "#/paths/~1a~1{b}/x"), Some(&Value::from(1)));
        assert_eq!(
            resolve(&root, "#/paths/~1a~1%7Bb%7D/x"),
            Some(&Value::from(1))
        );
        assert_eq!(resolve(&root, "#/s/A%20B"), Some(&Value::from(2)));
        assert_eq!(resolve(&root, "#/s/m~0n"), Some(&Value::from(3)));
        assert_eq!(resolve(&root, "#/s/missing"), None);
        assert_eq!(resolve(&root, "other.yaml#/s"), None);
        assert_eq!(resolve(&root, "#/s/%"), None);
    }
}
