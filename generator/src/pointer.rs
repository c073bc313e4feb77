//! JSON pointers (RFC 6901): the one place that escapes and unescapes
//! their reference tokens, joins and splits them, and reads the pointer a
//! `$ref` fragment names (percent-decoded as URI fragments are, §6).

/// One reference token escaped for a pointer (§3): `~` as `~0`, `/` as
/// `~1`.
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// One reference token of a pointer as the key it names (§4): `~1` is `/`,
/// then `~0` is `~`, so `~01` stays `~1`.
pub(crate) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `base` (a pointer) followed by the key or index `token`.
pub(crate) fn join(base: &str, token: &str) -> String {
    format!("{base}/{}", escape(token))
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
