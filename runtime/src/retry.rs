//! Retries with backoff: which failures are worth another attempt, which
//! requests may be sent again, and how long to wait before the next one.
//!
//! A request is retried on a connection error, a timeout, or a status of
//! 408, 429, 500, 502, 503 or 504, when it can be replayed safely: GET,
//! HEAD, PUT, DELETE, OPTIONS and TRACE always; POST and PATCH only when
//! they carry an `Idempotency-Key` (or `X-Idempotency-Key`) header or the policy opts in; a
//! streaming body never. The wait is the server's when it gives one
//! (`Retry-After` in seconds or as an HTTP-date, `retry-after-ms`, or on a
//! 429 a rate-limit reset header), otherwise exponential backoff with full
//! jitter; no wait reaches past the policy's total time budget.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

/// The header whose presence makes a POST or PATCH safe to send again: the
/// server applies a request with the same key at most once.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The other name of [`IDEMPOTENCY_KEY`] some APIs declare; it makes a
/// request replayable the same way.
const X_IDEMPOTENCY_KEY: &str = "x-idempotency-key";

/// How a client retries failed requests. The default makes at most 2
/// retries (3 attempts), waiting from 0.5 s up to 8 s between them, within
/// 60 s in all; POST and PATCH are retried only with an idempotency key.
///
/// ```
/// use std::time::Duration;
/// use runtime::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_retries(4)
///     .max_elapsed(Duration::from_secs(20));
/// let off = RetryPolicy::none();
/// # let _ = (policy, off);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_elapsed: Duration,
    non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(60),
            non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once (the 401 renewal aside).
    pub fn none() -> Self {
        RetryPolicy::default().max_retries(0)
    }

    /// The most retries after the first attempt; 2 by default, 0 for none.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The ceiling of the first backoff; doubled for each retry after it.
    /// 0.5 s by default.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The highest ceiling a backoff grows to; 8 s by default. A server's
    /// `Retry-After` is not capped by it, only by the total budget.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The total time budget, counted from the first attempt: no retry is
    /// made whose wait would end past it. 60 s by default.
    pub fn max_elapsed(mut self, budget: Duration) -> Self {
        self.max_elapsed = budget;
        self
    }

    /// Whether POST and PATCH requests without an idempotency key are
    /// retried too; off by default, as the server may have acted on the
    /// first attempt.
    pub fn retry_non_idempotent(mut self, on: bool) -> Self {
        self.non_idempotent = on;
        self
    }

    /// Whether a request with `method` and `headers` may be sent again.
    pub(crate) fn may_replay(&self, method: &Method, headers: &HeaderMap) -> bool {
        match *method {
            Method::GET
            | Method::HEAD
            | Method::PUT
            | Method::DELETE
            | Method::OPTIONS
            | Method::TRACE => true,
            _ => {
                self.non_idempotent
                    || headers.contains_key(IDEMPOTENCY_KEY)
                    || headers.contains_key(X_IDEMPOTENCY_KEY)
            }
        }
    }
}

/// Whether a response with `status` is worth another attempt.
pub(crate) fn is_retriable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether a transport error is worth another attempt: the connection
/// failed or dropped, or the request timed out. A redirect loop, a body
/// that failed to encode or a bad URL is not.
pub(crate) fn is_retriable_error(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout() || error.is_request()
}

/// The wait a server asks for in `headers`, read at wall-clock time `now`:
/// `retry-after-ms`, then `Retry-After` (seconds or an HTTP-date), then
/// for a 429 a rate-limit reset (`ratelimit-reset` or `x-ratelimit-reset`,
/// in seconds, or a Unix time when it is one). A date in the past means
/// no wait; a value that does not parse is ignored.
pub(crate) fn server_delay(
    status: Option<StatusCode>,
    headers: &HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(millis) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if millis.is_finite() && millis >= 0.0 {
            return Some(Duration::from_secs_f64((millis / 1000.0).min(1e9)));
        }
    }
    if let Some(value) = text("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
            let at = SystemTime::from(date);
            return Some(at.duration_since(now).unwrap_or_default());
        }
    }
    if status != Some(StatusCode::TOO_MANY_REQUESTS) {
        return None;
    }
    let reset = text("ratelimit-reset")
        .or_else(|| text("x-ratelimit-reset"))
        .and_then(|v| v.parse::<u64>().ok())?;
    // A delta is seconds to wait; anything past 2001 is a Unix time.
    const UNIX_TIME_FROM: u64 = 1_000_000_000;
    if reset >= UNIX_TIME_FROM {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(reset);
        Some(at.duration_since(now).unwrap_or_default())
    } else {
        Some(Duration::from_secs(reset))
    }
}

/// The attempts of one request under a policy: counts the retries made
/// and chooses the wait before the next.
#[derive(Debug)]
pub(crate) struct Attempts<'p> {
    policy: &'p RetryPolicy,
    started: Instant,
    retries: u32,
}

impl<'p> Attempts<'p> {
    /// The attempts of a request whose first attempt starts at `started`.
    pub(crate) fn new(policy: &'p RetryPolicy, started: Instant) -> Self {
        Attempts {
            policy,
            started,
            retries: 0,
        }
    }

    /// The number of the attempt being made, from 1.
    pub(crate) fn number(&self) -> u32 {
        self.retries + 1
    }

    /// The wait before another attempt, counted as made; `None` when the
    /// retries are spent or the wait would end past the budget. `server`
    /// is the wait the server asked for; `jitter` a number in `[0, 1)`.
    pub(crate) fn next_delay(
        &mut self,
        server: Option<Duration>,
        now: Instant,
        jitter: f64,
    ) -> Option<Duration> {
        if self.retries >= self.policy.max_retries {
            return None;
        }
        let delay = server.unwrap_or_else(|| {
            let doubled = self
                .policy
                .initial_delay
                .checked_mul(1 << self.retries.min(30))
                .unwrap_or(Duration::MAX);
            doubled.min(self.policy.max_delay).mul_f64(jitter)
        });
        let deadline = self.started.checked_add(self.policy.max_elapsed)?;
        if now.checked_add(delay)? > deadline {
            return None;
        }
        self.retries += 1;
        Some(delay)
    }
}

/// A random number in `[0, 1)` for full jitter; 0.5 should the system's
/// source of randomness fail.
pub(crate) fn jitter() -> f64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0; 8];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        return 0.5;
    }
    // The top 53 bits, as many as an f64's mantissa holds.
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    reqwest::header::HeaderName::from_static(name),
                    HeaderValue::from_str(value).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn only_replayable_requests_are_retried() {
        let policy = RetryPolicy::default();
        let none = HeaderMap::new();
        for method in [Method::GET, Method::HEAD, Method::PUT, Method::DELETE] {
            assert!(policy.may_replay(&method, &none), "{method}");
        }
        assert!(!policy.may_replay(&Method::POST, &none));
        assert!(!policy.may_replay(&Method::PATCH, &none));
        let keyed = headers(&[("idempotency-key", "k-1")]);
        assert!(policy.may_replay(&Method::POST, &keyed));
        let x_keyed = headers(&[("x-idempotency-key", "k-2")]);
        assert!(policy.may_replay(&Method::PATCH, &x_keyed));
        assert!(policy
            .clone()
            .retry_non_idempotent(true)
            .may_replay(&Method::PATCH, &none));
    }

    #[test]
    fn retriable_statuses_are_the_transient_ones() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(is_retriable_status(StatusCode::from_u16(code).unwrap()));
        }
        for code in [200, 400, 401, 403, 404, 409, 422, 501, 505] {
            assert!(!is_retriable_status(StatusCode::from_u16(code).unwrap()));
        }
    }

    #[test]
    fn servers_set_the_wait_in_seconds_dates_or_reset_times() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let at = |pairs: &[(&'static str, &str)], status: u16| {
            server_delay(StatusCode::from_u16(status).ok(), &headers(pairs), now)
        };
        assert_eq!(
            at(&[("retry-after", "7")], 503),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            at(&[("retry-after-ms", "250"), ("retry-after", "7")], 503),
            Some(Duration::from_millis(250))
        );
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
        assert_eq!(
            at(&[("retry-after", "Tue, 14 Nov 2023 22:13:50 GMT")], 429),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            at(&[("retry-after", "Tue, 14 Nov 2023 22:00:00 GMT")], 429),
            Some(Duration::ZERO)
        );
        assert_eq!(at(&[("retry-after", "soon")], 503), None);
        assert_eq!(
            at(&[("ratelimit-reset", "12")], 429),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            at(&[("x-ratelimit-reset", "1700000005")], 429),
            Some(Duration::from_secs(5))
        );
        assert_eq!(at(&[("x-ratelimit-reset", "12")], 503), None);
    }

    #[test]
    fn backoff_doubles_with_full_jitter_and_stops_at_the_budget() {
        let policy = RetryPolicy::default()
            .max_retries(5)
            .initial_delay(Duration::from_secs(1))
            .max_delay(Duration::from_secs(3))
            .max_elapsed(Duration::from_secs(10));
        let start = Instant::now();
        let mut attempts = Attempts::new(&policy, start);
        assert_eq!(attempts.number(), 1);
        // Jitter near 1 shows the ceiling: 1 s, 2 s, then capped at 3 s.
        let near_one = 0.999_999;
        let ceiling = |d: Option<Duration>| d.map(|d| d.as_secs_f64().round() as u64);
        assert_eq!(ceiling(attempts.next_delay(None, start, near_one)), Some(1));
        assert_eq!(ceiling(attempts.next_delay(None, start, near_one)), Some(2));
        assert_eq!(ceiling(attempts.next_delay(None, start, near_one)), Some(3));
        assert_eq!(attempts.number(), 4);
        assert_eq!(attempts.next_delay(None, start, 0.0), Some(Duration::ZERO));
        // A server's wait past the budget ends the retries.
        let late = start + Duration::from_secs(8);
        assert_eq!(
            attempts.next_delay(Some(Duration::from_secs(3)), late, 0.5),
            None
        );
        assert_eq!(
            attempts.next_delay(Some(Duration::from_secs(2)), late, 0.5),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            attempts.next_delay(None, start, 0.0),
            None,
            "5 retries made"
        );
        let off = RetryPolicy::none();
        assert_eq!(
            Attempts::new(&off, start).next_delay(None, start, 0.0),
            None
        );
        let jitter = jitter();
        assert!((0.0..1.0).contains(&jitter));
    }
}
