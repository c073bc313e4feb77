//! The URLs of security schemes: which are URLs the runtime may send
//! credentials to ([`check_url`]), and how relative ones resolve
//! ([`resolve`]), exactly as the runtime resolves them, so that `inspect`
//! shows the URL the client will call.

/// Values that stand for a URL not written yet.
const PLACEHOLDERS: &[&str] = &[
    "todo",
    "tbd",
    "tba",
    "fixme",
    "xxx",
    "n/a",
    "na",
    "none",
    "null",
    "nil",
    "undefined",
    "changeme",
    "placeholder",
    "url",
    "-",
    "...",
];

/// Checks a URL the document gives a security scheme (a token, refresh,
/// authorization or device authorization URL, or a discovery document):
/// the runtime sends credentials to it, so it must be a URL the document
/// really names. Accepted are
///
/// - absolute `http` and `https` URLs with a host (`https://h/token`);
/// - relative references (RFC 3986 §4.2: `/oauth/token`, `token`,
///   `../token`, `./token`, `//auth.example.com/token`, `?x=1`,
///   `.well-known/openid-configuration`), which the runtime resolves
///   against the client's base URL (see [`resolve`]).
///
/// Rejected, with the reason as the error:
///
/// - text with whitespace, control characters or characters no URL holds
///   (`<>"|\^` and backquotes), and `{variables}`, which OpenAPI fills in
///   server URLs only;
/// - placeholders (`TODO`, `TBD`, `none`, `n/a`…);
/// - schemes other than `http` and `https` (`ftp:`, `file:`,
///   `javascript:`), and `http:`/`https:` without `//` and a host;
/// - host names written without a scheme, which would otherwise be taken
///   for a path on the API's host: a relative reference whose first segment
///   is a domain name followed by a path (`example.com/oauth/token`), a
///   domain name of three labels or more (`auth.example.com`), an IPv4
///   address or `localhost` followed by a path, or a host and port
///   (`example.com:8080/token`). A single file name such as `token.php`
///   stays a relative reference.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(if c == ' ' {
            "it contains spaces".to_owned()
        } else {
            format!("it contains the character U+{:04X}", u32::from(c))
        });
    }
    if url.contains('{') || url.contains('}') {
        return Err(
            "`{…}` variables are filled in server URLs only, not in the URLs of security schemes"
                .to_owned(),
        );
    }
    if let Some(c) = url
        .chars()
        .find(|c| matches!(c, '<' | '>' | '"' | '|' | '\\' | '^' | '`'))
    {
        return Err(format!("`{c}` cannot appear in a URL"));
    }
    if PLACEHOLDERS.iter().any(|p| url.eq_ignore_ascii_case(p)) {
        return Err("it is a placeholder".to_owned());
    }
    // The first segment: up to the first `/`, `?` or `#`.
    let first_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let first = &url[..first_end];
    if let Some((scheme, rest)) = first.split_once(':').map(|(s, _)| (s, &url[s.len() + 1..])) {
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !is_scheme || scheme.contains('.') || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "`{first}` looks like a host without a scheme; write `https://{url}`"
            ));
        }
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(format!(
                "it uses the `{scheme}:` scheme; only http and https URLs are accepted"
            ));
        }
        if !rest.starts_with("//") {
            return Err(format!("`{scheme}:` is not followed by `//` and a host"));
        }
        return match url::Url::parse(url) {
            Ok(parsed) if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
            Ok(_) => Err("it names no host".to_owned()),
            Err(e) => Err(e.to_string()),
        };
    }
    let followed_by_path = url[first_end..].starts_with('/');
    if looks_like_host(first, followed_by_path) {
        return Err(format!(
            "`{first}` looks like a host without a scheme, which would make it a path on the API's host; write `https://{url}`"
        ));
    }
    // What remains is a relative reference: it must resolve.
    match resolve("https://api.example.invalid/base", url) {
        Some(resolved) if resolved.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        _ => Err("it is neither an absolute URL nor a relative reference".to_owned()),
    }
}

/// Whether the first segment of a relative reference is a host name
/// (see [`check_url`]).
fn looks_like_host(segment: &str, followed_by_path: bool) -> bool {
    if segment.eq_ignore_ascii_case("localhost") {
        return followed_by_path;
    }
    let labels: Vec<&str> = segment.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return false;
    }
    let ipv4 = labels.len() == 4 && labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit()));
    let domain = labels
        .last()
        .is_some_and(|l| l.len() >= 2 && l.chars().all(|c| c.is_ascii_alphabetic()));
    (ipv4 && followed_by_path) || (domain && (followed_by_path || labels.len() >= 3))
}

/// `url` resolved against `base_url` with [`resolve`], or as written when
/// it cannot be (a relative reference under a relative server URL: the
/// client resolves it against the base URL it is given).
pub(crate) fn resolve_for_report(base_url: &str, url: &str) -> String {
    resolve(base_url, url).map_or_else(|| url.to_owned(), String::from)
}

/// Whether `url` is a relative reference, which follows the client's base
/// URL.
pub(crate) fn is_relative(url: &str) -> bool {
    matches!(
        url::Url::parse(url),
        Err(url::ParseError::RelativeUrlWithoutBase)
    )
}

/// Resolves `reference` against `base` (RFC 3986 §5) as the runtime's
/// client does: an absolute URL stays as it is (normalised, as the client
/// sends it); anything else is resolved against the base URL with trailing
/// `/` trimmed (as the client builder stores it) and its path taken as a
/// directory: against `https://h/api`, `token` is `https://h/api/token`,
/// `/token` is `https://h/token`, `../token` is `https://h/token`.
/// `None` when `base` is not an absolute URL (a relative server URL) or the
/// reference does not resolve.
///
/// The runtime's `TokenSource::resolve` (`runtime/src/client/tokens.rs`) is the same
/// algorithm: the generator cannot depend on the runtime, so
/// `tests/tests/url_resolution.rs` holds the two to the same answers.
pub(crate) fn resolve(base: &str, reference: &str) -> Option<url::Url> {
    match url::Url::parse(reference) {
        Ok(absolute) => Some(absolute),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let mut base = url::Url::parse(base.trim_end_matches('/')).ok()?;
            if !base.path().ends_with('/') {
                let directory = format!("{}/", base.path());
                base.set_path(&directory);
            }
            base.join(reference).ok()
        }
        Err(_) => None,
    }
}
