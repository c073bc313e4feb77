//! Credentials encoded by hand, as specifications and servers have them, to
//! compare with what the runtime sends or to send what it never would.

use base64::Engine;

/// RFC 6749 §2.3.1 as the runtime does it: every byte but alphanumerics and
/// `*-._` percent-encoded, space as `%20`.
pub fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Encodes a client id or secret for a Basic header.
pub type Encoder = fn(&str) -> String;

/// HTML form encoding: space as `+`.
pub fn plus(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A Basic `Authorization` header of `id` and `secret`, taken as they are.
pub fn basic_header(id: &str, secret: &str) -> String {
    let pair = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The S256 PKCE challenge of `verifier` (RFC 7636: BASE64URL(SHA256(verifier))),
/// computed here rather than by the runtime.
pub fn s256(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}
