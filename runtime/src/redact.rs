//! Redaction of secrets from every text that leaves the runtime.
//!
//! A server may echo what it received: a token endpoint that quotes the
//! request in its error, an API that repeats the key it refused, a proxy
//! that shows the request's headers. What it sends back reaches users in
//! errors' `Display` and `Debug`, in `tracing` logs and in the
//! [`Inspector`](crate::inspect::Inspector) hook. A [`Redactor`] is built
//! once per client from the configured secrets (client secrets, user
//! passwords, API keys, Basic passwords, static tokens, secret token
//! parameters, authorization codes, the proxy password), extended per
//! exchange with what only that exchange knows (access and refresh tokens,
//! device codes, client assertions), and applied to every such text where
//! it is made: token endpoint errors, discovery and device authorization
//! errors, API error bodies and headers, decoding errors and inspected
//! exchanges.
//!
//! Each secret is looked for in the forms a server could plausibly echo it
//! in: as is, URL-encoded (form encoding with `+`, RFC 6749 §2.3.1's with
//! `%20`, RFC 3986's; upper- or lower-case hex), JSON-escaped (minimal, or
//! with non-ASCII as `\u` escapes, with or without `\/`), HTML-escaped,
//! and as the base64 of the `user:password` pair of a Basic header. Every
//! occurrence becomes [`REDACTED`], however short the secret.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{Credential, Grant};
use crate::inspect::{is_plain_param, is_secret_header, REDACTED};
use crate::oauth2::encode_basic_part;

/// RFC 3986 §2.3's unreserved characters stay; everything else is
/// percent-encoded (Python's `quote`, Java's `URLEncoder` aside from `+`).
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The members of token endpoint requests and answers whose values are
/// secrets: a token endpoint's body quoted in an error has their values
/// replaced by [`REDACTED`] whatever they are, since a token it issued (in
/// an answer that is then refused) is known to no redactor.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "device_code",
    "client_secret",
    "client_assertion",
    "assertion",
    "password",
    "code_verifier",
    "code",
];

/// `text` with the value of every [`SECRET_FIELDS`] member replaced, in JSON
/// (`"access_token": "…"`, any value up to the end of a string or the next
/// `,` `}` `]`) and in form encoding (`access_token=…` up to the next `&`),
/// also when the text is cut off inside a value.
pub(crate) fn secret_fields(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let Some(field) = SECRET_FIELDS.iter().find(|field| {
            bytes[at..].starts_with(field.as_bytes())
                // A whole name: not the end of `auth_code` or `codes`.
                && (at == 0 || !is_name_byte(bytes[at - 1]))
        }) else {
            at += 1;
            continue;
        };
        let mut cursor = at + field.len();
        let quoted_name = bytes.get(cursor) == Some(&b'"');
        if quoted_name {
            cursor += 1;
        }
        while bytes.get(cursor).is_some_and(|b| b.is_ascii_whitespace()) {
            cursor += 1;
        }
        let separator = bytes.get(cursor).copied();
        let json = separator == Some(b':');
        if !(json || (separator == Some(b'=') && !quoted_name)) {
            at += field.len();
            continue;
        }
        cursor += 1;
        while json && bytes.get(cursor).is_some_and(|b| b.is_ascii_whitespace()) {
            cursor += 1;
        }
        let start = cursor;
        let end = if json && bytes.get(cursor) == Some(&b'"') {
            // A JSON string, escapes included, up to its closing quote.
            let mut end = cursor + 1;
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            (end + 1).min(bytes.len())
        } else {
            let stops: &[u8] = if json { b",}]\r\n" } else { b"&\r\n \"" };
            bytes[cursor..]
                .iter()
                .position(|b| stops.contains(b))
                .map_or(bytes.len(), |n| cursor + n)
        };
        if end > start {
            out.push_str(&text[copied..start]);
            out.push_str(if json { "\"[redacted]\"" } else { REDACTED });
            copied = end;
        }
        at = end.max(at + 1);
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Replaces secrets in text. Cheap to clone: clones share the secrets.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    /// `None` when there is nothing to redact.
    known: Option<Arc<Known>>,
}

/// The secrets, and every form they are looked for in.
struct Known {
    /// The secrets as configured or sent; kept to extend the redactor.
    secrets: Vec<SecretString>,
    /// Every form of every secret, longest first, so that the longest
    /// match at a position wins.
    forms: Vec<SecretString>,
    /// Whether some form starts with this byte: most bytes of a text are
    /// passed over with one lookup.
    first_bytes: [bool; 256],
    /// The length of the longest form.
    longest: usize,
}

/// How many secrets, never which.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.known.as_ref().map_or(0, |known| known.secrets.len());
        f.debug_struct("Redactor").field("secrets", &count).finish()
    }
}

impl Redactor {
    /// A redactor for `secrets` (empty ones are ignored).
    pub(crate) fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        Redactor::from_secrets(
            secrets
                .into_iter()
                .filter(|secret| !secret.as_ref().is_empty())
                .map(|secret| SecretString::from(secret.as_ref().to_owned()))
                .collect(),
        )
    }

    /// The redactor of a client: every secret in its credentials and its
    /// proxy's password.
    pub(crate) fn for_client(
        credentials: &[Credential],
        proxy_credentials: Option<&(String, SecretString)>,
    ) -> Self {
        /// A password, and the pair as a Basic header carries it: as is,
        /// and as RFC 6749 §2.3.1 encodes a client's.
        fn basic_pair(user: &str, password: &str, secrets: &mut Vec<String>) {
            secrets.push(password.to_owned());
            secrets.push(crate::encoding::base64(
                format!("{user}:{password}").as_bytes(),
            ));
            secrets.push(crate::encoding::base64(
                format!(
                    "{}:{}",
                    encode_basic_part(user),
                    encode_basic_part(password)
                )
                .as_bytes(),
            ));
        }
        let mut secrets: Vec<String> = Vec::new();
        for credential in credentials {
            match credential {
                Credential::OAuth2(oauth) => {
                    if let Some(secret) = &oauth.client_secret {
                        basic_pair(&oauth.client_id, secret.expose_secret(), &mut secrets);
                    }
                    match &oauth.grant {
                        Grant::Password { password, .. } => {
                            secrets.push(password.expose_secret().to_owned());
                        }
                        Grant::AuthorizationCode(code) => {
                            for secret in [&code.code, &code.verifier].into_iter().flatten() {
                                secrets.push(secret.expose_secret().to_owned());
                            }
                        }
                        Grant::ClientCredentials | Grant::Custom { .. } | Grant::Device { .. } => {}
                    }
                    // Parameters the inspector hides (assertions, vendor
                    // secrets); headers named as credentials.
                    for (name, value) in oauth.extra_params.iter().chain(&oauth.refresh_params) {
                        if !is_plain_param(name) {
                            secrets.push(oauth.fill(value));
                        }
                    }
                    for (name, value) in &oauth.token_headers {
                        if is_secret_header(name) {
                            secrets.push(oauth.fill(value));
                        }
                    }
                }
                Credential::Bearer(bearer) => secrets.push(bearer.token.expose_secret().to_owned()),
                Credential::Basic(basic) => {
                    basic_pair(
                        &basic.username,
                        basic.password.expose_secret(),
                        &mut secrets,
                    );
                }
                Credential::ApiKey(key) => secrets.push(key.key.expose_secret().to_owned()),
                // Never sent as text: the TLS handshake proves it.
                Credential::ClientCertificate(_) => {}
            }
        }
        if let Some((user, password)) = proxy_credentials {
            basic_pair(user, password.expose_secret(), &mut secrets);
        }
        Redactor::new(secrets)
    }

    /// This redactor and `more` secrets (tokens, codes, assertions of one
    /// exchange).
    pub(crate) fn with<S: AsRef<str>>(&self, more: impl IntoIterator<Item = S>) -> Self {
        let mut secrets: Vec<SecretString> = self
            .known
            .as_ref()
            .map(|known| known.secrets.clone())
            .unwrap_or_default();
        let before = secrets.len();
        secrets.extend(
            more.into_iter()
                .filter(|secret| !secret.as_ref().is_empty())
                .map(|secret| SecretString::from(secret.as_ref().to_owned())),
        );
        if secrets.len() == before {
            return self.clone();
        }
        Redactor::from_secrets(secrets)
    }

    fn from_secrets(secrets: Vec<SecretString>) -> Self {
        if secrets.is_empty() {
            return Redactor::default();
        }
        let mut forms: Vec<String> = Vec::new();
        for secret in &secrets {
            forms_of(secret.expose_secret(), &mut forms);
        }
        forms.retain(|form| !form.is_empty());
        forms.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let mut first_bytes = [false; 256];
        for form in &forms {
            first_bytes[usize::from(form.as_bytes()[0])] = true;
        }
        let longest = forms.first().map_or(0, String::len);
        Redactor {
            known: Some(Arc::new(Known {
                secrets,
                forms: forms.into_iter().map(SecretString::from).collect(),
                first_bytes,
                longest,
            })),
        }
    }

    /// `input` with every secret replaced by [`REDACTED`]; borrowed when
    /// it holds none.
    pub(crate) fn bytes<'a>(&self, input: &'a [u8]) -> Cow<'a, [u8]> {
        let Some(known) = &self.known else {
            return Cow::Borrowed(input);
        };
        let mut out: Option<Vec<u8>> = None;
        let (mut copied, mut at) = (0, 0);
        while at < input.len() {
            if known.first_bytes[usize::from(input[at])] {
                let rest = &input[at..];
                if let Some(form) = known
                    .forms
                    .iter()
                    .map(|form| form.expose_secret().as_bytes())
                    .find(|form| rest.starts_with(form))
                {
                    let out = out.get_or_insert_with(|| Vec::with_capacity(input.len()));
                    out.extend_from_slice(&input[copied..at]);
                    out.extend_from_slice(REDACTED.as_bytes());
                    at += form.len();
                    copied = at;
                    continue;
                }
            }
            at += 1;
        }
        match out {
            None => Cow::Borrowed(input),
            Some(mut out) => {
                out.extend_from_slice(&input[copied..]);
                Cow::Owned(out)
            }
        }
    }

    /// [`bytes`](Self::bytes) for text. A secret's forms are whole UTF-8
    /// sequences, so what is replaced starts and ends at character
    /// boundaries and the result stays UTF-8.
    pub(crate) fn text<'a>(&self, input: &'a str) -> Cow<'a, str> {
        match self.bytes(input.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(input),
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// [`text`](Self::text) for an owned string.
    pub(crate) fn string(&self, input: String) -> String {
        match self.text(&input) {
            Cow::Borrowed(_) => input,
            Cow::Owned(redacted) => redacted,
        }
    }

    /// The start of a body that was cut off: redacted, and without a tail
    /// that could be the beginning of a secret the cut went through.
    pub(crate) fn cut(&self, prefix: Vec<u8>) -> Vec<u8> {
        let mut body = match self.bytes(&prefix) {
            Cow::Borrowed(_) => prefix,
            Cow::Owned(redacted) => redacted,
        };
        if let Some(known) = &self.known {
            let from = body.len().saturating_sub(known.longest.saturating_sub(1));
            let partial = (from..body.len()).find(|&start| {
                let tail = &body[start..];
                known.forms.iter().any(|form| {
                    let form = form.expose_secret().as_bytes();
                    form.len() > tail.len() && form.starts_with(tail)
                })
            });
            if let Some(start) = partial {
                body.truncate(start);
            }
        }
        body
    }

    /// Header values with secrets replaced; sensitive ones stay marked.
    pub(crate) fn headers(&self, mut headers: HeaderMap) -> HeaderMap {
        if self.known.is_none() {
            return headers;
        }
        for value in headers.values_mut() {
            if let Cow::Owned(redacted) = self.bytes(value.as_bytes()) {
                let sensitive = value.is_sensitive();
                *value = HeaderValue::from_bytes(&redacted)
                    .unwrap_or_else(|_| HeaderValue::from_static(REDACTED));
                value.set_sensitive(sensitive);
            }
        }
        headers
    }

    /// A JSON decoding error whose message (serde quotes the offending
    /// value: ``invalid type: string "…"``) holds no secret: the same
    /// error when it holds none, else one with the redacted message.
    pub(crate) fn json_error(&self, error: serde_json::Error) -> serde_json::Error {
        let message = error.to_string();
        match self.text(&message) {
            Cow::Borrowed(_) => error,
            Cow::Owned(redacted) => <serde_json::Error as serde::de::Error>::custom(redacted),
        }
    }
}

/// Every form of `secret` a server could echo, into `out`.
fn forms_of(secret: &str, out: &mut Vec<String>) {
    let encodings = [
        secret.to_owned(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        encode_basic_part(secret),
        utf8_percent_encode(secret, URI_COMPONENT).to_string(),
    ];
    for text in encodings {
        let json = json_escaped(&text, false, false);
        let ascii_lower = json_escaped(&text, true, false);
        let ascii_upper = json_escaped(&text, true, true);
        out.push(text.replace('/', "\\/"));
        out.push(json.replace('/', "\\/"));
        out.push(ascii_lower.replace('/', "\\/"));
        out.push(ascii_upper.replace('/', "\\/"));
        out.push(html_escaped(&text));
        out.push(lowercase_percent_hex(&text));
        out.push(json);
        out.push(ascii_lower);
        out.push(ascii_upper);
        out.push(text);
    }
}

/// `text` as inside a JSON string: quotes, backslashes and control
/// characters escaped, and with `ascii` every non-ASCII character as
/// `\u` escapes (Python's `json.dumps`, lower-case hex; Jackson's,
/// upper-case).
fn json_escaped(text: &str, ascii: bool, upper: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let unicode = |unit: u16, out: &mut String| {
        let escaped = if upper {
            format!("\\u{unit:04X}")
        } else {
            format!("\\u{unit:04x}")
        };
        out.push_str(&escaped);
    };
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 || (ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    unicode(*unit, &mut out);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as HTML text or attribute value.
fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `text` with the hex digits of its `%XX` escapes in lower case.
fn lowercase_percent_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut hex_left = 0;
    for c in text.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            if c == '%' {
                hex_left = 2;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr:t+/ é&\"x";

    fn redacted(redactor: &Redactor, text: &str) -> String {
        redactor.text(text).into_owned()
    }

    #[test]
    fn secret_members_of_token_bodies_are_redacted_whatever_their_value() {
        let json =
            r#"{"access_token": "fresh\"one", "token_type":"mac","refresh_token":12,"code":"c"}"#;
        assert_eq!(
            super::secret_fields(json),
            r#"{"access_token": "[redacted]", "token_type":"mac","refresh_token":"[redacted]","code":"[redacted]"}"#
        );
        // Cut off inside a value.
        assert_eq!(
            super::secret_fields(r#"{"id_token":"eyJhbGciOi"#),
            r#"{"id_token":"[redacted]""#
        );
        let form = "grant_type=password&username=u&password=p%20w&scope=a";
        assert_eq!(
            super::secret_fields(form),
            "grant_type=password&username=u&password=[redacted]&scope=a"
        );
        // Names that only end in a secret member's name stay.
        let other = r#"{"auth_code":"x","error":"invalid_grant","codes":[1]}"#;
        assert_eq!(super::secret_fields(other), other);
    }

    #[test]
    fn every_echoed_form_of_a_secret_is_redacted() {
        let redactor = Redactor::new([SECRET]);
        let form: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
        let json = serde_json::to_string(SECRET).unwrap();
        for echoed in [
            format!("bad secret {SECRET}!"),
            format!("client_secret={form}&grant_type=password"),
            format!("secret {}", encode_basic_part(SECRET)),
            format!(
                "secret {}",
                lowercase_percent_hex(&encode_basic_part(SECRET))
            ),
            format!("{{\"client_secret\":{json}}}"),
            // Python's json.dumps, and PHP's escaped slashes.
            r#"{"client_secret": "s3cr:t+\/ \u00e9&\"x"}"#.to_owned(),
            format!("<p>{}</p>", html_escaped(SECRET)),
        ] {
            let shown = redacted(&redactor, &echoed);
            assert!(shown.contains(REDACTED), "{echoed} -> {shown}");
            for piece in ["s3cr", "\\u00e9"] {
                assert!(!shown.contains(piece), "{echoed} -> {shown}");
            }
        }
        // Text around a secret is kept as it is.
        assert_eq!(
            redacted(&redactor, &format!("before {SECRET} after")),
            "before [redacted] after"
        );
        assert_eq!(redacted(&redactor, "nothing here"), "nothing here");
    }

    #[test]
    fn basic_headers_of_configured_credentials_are_redacted() {
        let credentials = [
            Credential::from(crate::auth::Basic::new("b", "ann", "hunter2")),
            Credential::from(crate::auth::OAuth2::client_credentials(
                "o",
                "https://a/t",
                "my client",
                SECRET,
            )),
        ];
        let redactor = Redactor::for_client(&credentials, None);
        let user = crate::encoding::base64(b"ann:hunter2");
        let client = crate::encoding::base64(
            format!("my%20client:{}", encode_basic_part(SECRET)).as_bytes(),
        );
        let echoed =
            format!(r#"{{"headers":{{"Authorization":"Basic {user}","X":"Basic {client}"}}}}"#);
        let shown = redacted(&redactor, &echoed);
        assert!(
            !shown.contains(&user) && !shown.contains(&client),
            "{shown}"
        );
        assert!(shown.contains("Basic [redacted]"), "{shown}");
    }

    #[test]
    fn a_secret_cut_off_at_the_end_of_a_prefix_is_dropped() {
        let redactor = Redactor::new(["abcdef-secret"]);
        assert_eq!(redactor.cut(b"error: abcdef-se".to_vec()), b"error: ");
        assert_eq!(
            redactor.cut(b"error: abcdef-secret and".to_vec()),
            b"error: [redacted] and"
        );
        assert_eq!(redactor.cut(b"error: xyz".to_vec()), b"error: xyz");
    }

    #[test]
    fn the_longest_secret_wins_and_markers_are_not_redacted_again() {
        // "red" occurs in the marker itself, and in the longer secret.
        let redactor = Redactor::new(["red", "redwood"]);
        assert_eq!(redacted(&redactor, "redwood red"), "[redacted] [redacted]");
        let extended = Redactor::default().with(["tok"]);
        assert_eq!(redacted(&extended, "a tok"), "a [redacted]");
        assert_eq!(format!("{extended:?}"), "Redactor { secrets: 1 }");
    }

    #[test]
    fn json_errors_quoting_a_secret_are_rewritten() {
        let redactor = Redactor::new(["k3y"]);
        let error = serde_json::from_str::<u32>(r#""k3y""#).unwrap_err();
        assert!(error.to_string().contains("k3y"));
        let error = redactor.json_error(error);
        assert!(!error.to_string().contains("k3y"), "{error}");
        let untouched = serde_json::from_str::<u32>("{").unwrap_err();
        let text = untouched.to_string();
        assert_eq!(redactor.json_error(untouched).to_string(), text);
    }
}
