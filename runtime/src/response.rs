//! A decoded success body together with its response's status and headers
//! ([`Response`], what a generated builder's `send_with_headers` returns),
//! and the typed reading of the headers a document declares
//! ([`FromHeaders`], [`FromHeader`]).

use std::fmt;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// A success response: its decoded body (`T`), its status and headers, and
/// the headers the document declares for the operation read as typed
/// values (`H`, a generated `<Operation>Headers`, or `()` when it declares
/// none).
///
/// Its `Debug` shows the names of the headers, not their values, which may
/// hold what a server echoes of a secret; [`typed_headers`](Self::typed_headers)
/// are the documented ones.
#[derive(Clone)]
pub struct Response<T, H = ()> {
    status: StatusCode,
    headers: HeaderMap,
    typed: H,
    body: T,
}

impl<T, H: FromHeaders> Response<T, H> {
    /// The response with `status` and `headers`, reading the typed
    /// headers from `headers`.
    pub fn new(status: StatusCode, headers: HeaderMap, body: T) -> Self {
        let typed = H::from_headers(&headers);
        Response {
            status,
            headers,
            typed,
            body,
        }
    }
}

impl<T, H> Response<T, H> {
    /// The status (a 2xx, or the `default` response's when the operation
    /// documents no 2xx).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Every header of the response, as received.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers the document declares, typed: each `None` when absent
    /// or not of the documented type (the value is then still in
    /// [`headers`](Self::headers)).
    pub fn typed_headers(&self) -> &H {
        &self.typed
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, dropping the rest.
    pub fn into_inner(self) -> T {
        self.body
    }

    /// The status, the headers, the typed headers and the body.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, H, T) {
        (self.status, self.headers, self.typed, self.body)
    }
}

impl<T: fmt::Debug, H: fmt::Debug> fmt::Debug for Response<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field(
                "headers",
                &self
                    .headers
                    .keys()
                    .map(|name| name.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("typed_headers", &self.typed)
            .field("body", &self.body)
            .finish()
    }
}

/// The typed headers of an operation's responses, read from a header map.
/// Generated `<Operation>Headers` types implement it; `()` stands for
/// operations that declare none.
pub trait FromHeaders {
    /// Reads the declared headers from `headers`.
    fn from_headers(headers: &HeaderMap) -> Self;
}

impl FromHeaders for () {
    fn from_headers(_: &HeaderMap) {}
}

/// A value a declared response header may hold: an integer, a number, a
/// boolean, a string, a date (`format: date`), a timestamp
/// (`format: date-time`, RFC 3339 or an HTTP date) or a UUID.
pub trait FromHeader: Sized {
    /// The value of a header's text, `None` when it is not one.
    fn from_header(text: &str) -> Option<Self>;
}

macro_rules! from_str_headers {
    ($($ty:ty),*) => {$(
        impl FromHeader for $ty {
            fn from_header(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }
    )*};
}

from_str_headers!(
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    bool,
    chrono::NaiveDate,
    uuid::Uuid
);

impl FromHeader for String {
    fn from_header(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

impl FromHeader for chrono::DateTime<chrono::FixedOffset> {
    fn from_header(text: &str) -> Option<Self> {
        chrono::DateTime::parse_from_rfc3339(text)
            .or_else(|_| chrono::DateTime::parse_from_rfc2822(text))
            .ok()
    }
}

/// The first value of the header `name` as a `T`; `None` when absent, not
/// text, or not a `T`. Generated `FromHeaders` implementations call this.
pub fn header_value<T: FromHeader>(headers: &HeaderMap, name: &str) -> Option<T> {
    let text = headers.get(name)?.to_str().ok()?;
    T::from_header(text.trim())
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[derive(Debug, PartialEq)]
    struct RateLimit {
        remaining: Option<i64>,
        reset: Option<chrono::DateTime<chrono::FixedOffset>>,
        policy: Option<String>,
    }

    impl FromHeaders for RateLimit {
        fn from_headers(headers: &HeaderMap) -> Self {
            RateLimit {
                remaining: header_value(headers, "X-RateLimit-Remaining"),
                reset: header_value(headers, "X-RateLimit-Reset"),
                policy: header_value(headers, "X-RateLimit-Policy"),
            }
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn declared_headers_are_read_as_their_types() {
        let response: Response<Vec<u8>, RateLimit> = Response::new(
            StatusCode::OK,
            headers(&[
                ("x-ratelimit-remaining", " 41 "),
                ("x-ratelimit-reset", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("x-ratelimit-policy", "100;w=60"),
            ]),
            vec![1],
        );
        let reset = chrono::DateTime::parse_from_rfc3339("1994-11-06T08:49:37Z").unwrap();
        assert_eq!(
            response.typed_headers(),
            &RateLimit {
                remaining: Some(41),
                reset: Some(reset),
                policy: Some("100;w=60".to_owned()),
            }
        );
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-ratelimit-policy"], "100;w=60");
        assert_eq!(response.into_inner(), vec![1]);
    }

    #[test]
    fn absent_or_malformed_headers_are_none_and_kept_raw() {
        let response: Response<(), RateLimit> = Response::new(
            StatusCode::OK,
            headers(&[
                ("x-ratelimit-remaining", "many"),
                ("x-ratelimit-reset", "tomorrow"),
            ]),
            (),
        );
        let typed = response.typed_headers();
        assert_eq!((typed.remaining, typed.reset), (None, None));
        assert_eq!(typed.policy, None);
        assert_eq!(response.headers()["x-ratelimit-remaining"], "many");
        let date: Option<chrono::NaiveDate> =
            header_value(&headers(&[("x-day", "2024-02-29")]), "X-Day");
        assert_eq!(date, chrono::NaiveDate::from_ymd_opt(2024, 2, 29));
        let rfc3339: Option<chrono::DateTime<chrono::FixedOffset>> =
            header_value(&headers(&[("x-at", "2024-02-29T12:00:00+01:00")]), "x-at");
        assert_eq!(rfc3339.map(|at| at.timestamp()), Some(1_709_204_400));
    }

    #[test]
    fn debug_shows_header_names_not_values() {
        let response: Response<u8> = Response::new(
            StatusCode::OK,
            headers(&[("set-cookie", "session=s3cr3t")]),
            7,
        );
        let shown = format!("{response:?}");
        assert!(shown.contains("set-cookie"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}
