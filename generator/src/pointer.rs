//! JSON pointers (RFC 6901): the one place that escapes and unescapes
//! their reference tokens, joins and splits them, and reads the pointer a
//! `$ref` fragment names (percent-decoded as URI fragments are, §6).

/// One reference token escaped for a pointer (§3): `~` as `~0`, `/` as
/// `~1`.
pub(crate) fn escape(token: &str) -> String {
    // Most keys need no escape: a copy, without the two passes of `replace`.
    if !token.contains(['~', '/']) {
        return token.to_owned();
    }
    token.replace('~', "~0").replace('/', "~1")
}

/// One reference token of a pointer as the key it names (§4): `~1` is `/`,
/// then `~0` is `~`, so `~01` stays `~1`.
pub(crate) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `base` (a pointer) followed by the key or index `token`.
pub(crate) fn join(base: &str, token: &str) -> String {
    // Written in place: the walks of the loader join a pointer for every
    // node of the document.
    let mut pointer = String::with_capacity(base.len() + 1 + token.len());
    pointer.push_str(base);
    pointer.push('/');
    if token.contains(['~', '/']) {
        pointer.push_str(&escape(token));
    } else {
        pointer.push_str(token);
    }
    pointer
}

/// The value `pointer` names in `root`, as [`serde_json::Value::pointer`]
/// finds it, without unescaping a copy of every token that has nothing to
/// unescape: the loader looks up every `$ref` of a document this way.
pub(crate) fn lookup<'v>(
    root: &'v serde_json::Value,
    pointer: &str,
) -> Option<&'v serde_json::Value> {
    use serde_json::Value;
    if pointer.is_empty() {
        return Some(root);
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').try_fold(root, |target, token| {
        let token = if token.contains('~') {
            std::borrow::Cow::Owned(unescape(token))
        } else {
            std::borrow::Cow::Borrowed(token)
        };
        match target {
            Value::Object(members) => members.get(token.as_ref()),
            // An index as `Value::pointer` reads one: no sign, no leading
            // zero.
            Value::Array(items) => {
                if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
                    return None;
                }
                token
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| items.get(index))
            }
            _ => None,
        }
    })
}

/// The keys a pointer names, unescaped, from the root down; none for the
/// whole document (`""`).
pub(crate) fn tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer.split('/').skip(1).map(unescape)
}

/// The last key a pointer names, unescaped; `None` for the whole document.
pub(crate) fn last(pointer: &str) -> Option<String> {
    pointer.rsplit_once('/').map(|(_, token)| unescape(token))
}

/// `%XX` escapes decoded, where they make UTF-8; `text` as it is otherwise
/// (a `%` that starts no escape stays).
pub(crate) fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
        match (
            bytes[index],
            hex(bytes.get(index + 1)),
            hex(bytes.get(index + 2)),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                index += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// The pointer a local `$ref` (`#/a/b`) names, percent-decoded (§6):
/// `#/paths/~1pets~1%7Bid%7D` is `/paths/~1pets~1{id}`. `None` when the
/// reference is not local.
pub(crate) fn of_fragment(reference: &str) -> Option<String> {
    reference.strip_prefix('#').map(percent_decode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_escape_and_unescape_in_the_rfc_order() {
        for (key, token) in [
            ("a/b", "a~1b"),
            ("m~n", "m~0n"),
            ("~1", "~01"),
            ("/~", "~1~0"),
            ("", ""),
        ] {
            assert_eq!(escape(key), token);
            assert_eq!(unescape(token), key);
        }
    }

    #[test]
    fn pointers_join_and_split() {
        let pointer = join(&join("/paths", "/pets/{id}"), "get");
        assert_eq!(pointer, "/paths/~1pets~1{id}/get");
        assert_eq!(
            tokens(&pointer).collect::<Vec<_>>(),
            ["paths", "/pets/{id}", "get"]
        );
        assert_eq!(tokens("").count(), 0);
        assert_eq!(tokens("/").collect::<Vec<_>>(), [""]);
        assert_eq!(last(&pointer).as_deref(), Some("get"));
        assert_eq!(last("/a~1b").as_deref(), Some("a/b"));
        assert_eq!(last(""), None);
    }

    #[test]
    fn lookups_find_what_value_pointer_finds() {
        let root = serde_json::json!({
            "a/b": {"m~n": [10, {"x": 1}]},
            "": {"": 2},
            "0": ["zero"],
        });
        for pointer in [
            "",
            "/",
            "//",
            "/a~1b",
            "/a~1b/m~0n",
            "/a~1b/m~0n/1/x",
            "/a~1b/m~0n/01",
            "/a~1b/m~0n/+1",
            "/a~1b/m~0n/2",
            "/a~1b/m~0n/-",
            "/0/0",
            "/a/b",
            "a",
            "/x",
        ] {
            assert_eq!(lookup(&root, pointer), root.pointer(pointer), "{pointer}");
        }
    }

    #[test]
    fn fragments_are_percent_decoded() {
        assert_eq!(
            of_fragment("#/paths/~1pets~1%7Bid%7D").as_deref(),
            Some("/paths/~1pets~1{id}")
        );
        assert_eq!(of_fragment("#").as_deref(), Some(""));
        assert_eq!(of_fragment("other.yaml#/a"), None);
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        // Not an escape, or not UTF-8: kept as written.
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%FF"), "%FF");
    }
}
