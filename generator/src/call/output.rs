//! What `generator call` prints: each exchange in order (token request and
//! response, API request and response) with method, URL, status, headers,
//! body and time taken, then the outcome; as text for people or one JSON
//! object for tools, built from the same [`serde_json::Value`].
//!
//! The exchanges are the runtime inspector's, redacted by the runtime;
//! times are measured here, between one exchange and the next (the
//! inspector reports an exchange when its response arrives), the API
//! response's including the reading of its body. [`Scrubber`] then
//! replaces every secret the CLI itself read, wherever it still appears.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use generator::plan::{PlanOperation, Recipe};
use runtime::inspect::{ApiExchange, Inspector, TokenExchange, REDACTED};
use serde_json::{json, Map, Value};

use super::credentials::Chosen;
use super::request::RequestBody;
use super::CallFormat;

/// The most bytes of a response body read to show it.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// The most characters of a body the text output shows.
const TEXT_BODY: usize = 4000;

/// Replaces the secrets the CLI read (from the environment or a prompt)
/// in what it prints: the runtime redacts what it knows, and this is the
/// last line of defence for anything that would echo one.
#[derive(Debug, Default)]
pub(crate) struct Scrubber {
    secrets: Vec<String>,
}

impl Scrubber {
    /// Remembers a secret; very short values are left alone, as replacing
    /// them would garble the output without hiding anything.
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            // The longest first, so a secret inside another goes with it.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub(crate) fn text(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.secrets {
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            text = text.replace(secret.as_str(), REDACTED);
            if encoded != *secret {
                text = text.replace(&encoded, REDACTED);
            }
        }
        text
    }

    /// Scrubs every string of `value`, keys included.
    fn value(&self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Value::Object(members) => {
                let old = std::mem::take(members);
                for (key, mut member) in old {
                    self.value(&mut member);
                    members.insert(self.text(&key), member);
                }
            }
            _ => {}
        }
    }
}

/// One exchange, as shown.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    /// `token` or `api`.
    kind: &'static str,
    method: String,
    url: String,
    request_headers: Vec<(String, String)>,
    request_body: Option<Value>,
    /// `client_authentication` of a token request, `attempt` of an API one.
    extra: Map<String, Value>,
    /// `None` when no response came (or, in a dry run, nothing was sent).
    status: Option<u16>,
    response_headers: Vec<(String, String)>,
    response_body: Option<Value>,
    duration: Option<Duration>,
}

/// Collects the runtime's exchanges, timing each from the one before.
#[derive(Default)]
pub(crate) struct Recorder {
    state: Mutex<(Option<Instant>, Vec<Exchange>)>,
}

impl Recorder {
    /// Starts the clock for the next exchange.
    pub(crate) fn restart(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.0 = Some(Instant::now());
        }
    }

    fn push(&self, mut exchange: Exchange) {
        if let Ok(mut state) = self.state.lock() {
            let now = Instant::now();
            exchange.duration = state.0.map(|since| now - since);
            state.0 = Some(now);
            state.1.push(exchange);
        }
    }

    /// Adds the time since the last exchange to it (its body was read).
    pub(crate) fn extend_last(&self) {
        if let Ok(mut state) = self.state.lock() {
            let now = Instant::now();
            let since = state.0;
            if let (Some(since), Some(last)) = (since, state.1.last_mut()) {
                last.duration = Some(last.duration.unwrap_or_default() + (now - since));
            }
            state.0 = Some(now);
        }
    }

    /// The exchanges so far.
    pub(crate) fn take(&self) -> Vec<Exchange> {
        self.state
            .lock()
            .map(|mut state| std::mem::take(&mut state.1))
            .unwrap_or_default()
    }
}

impl Inspector for Recorder {
    fn token_exchange(&self, exchange: &TokenExchange) {
        let mut extra = Map::new();
        extra.insert(
            "client_authentication".to_owned(),
            Value::from(exchange.client_auth),
        );
        let form: Map<String, Value> = exchange
            .request_form
            .iter()
            .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
            .collect();
        self.push(Exchange {
            kind: "token",
            method: "POST".to_owned(),
            url: exchange.url.clone(),
            request_headers: exchange.request_headers.clone(),
            request_body: Some(Value::Object(form)),
            extra,
            status: exchange.status,
            response_headers: Vec::new(),
            response_body: exchange.response_body.as_deref().map(body_value),
            duration: None,
        });
    }

    fn api_exchange(&self, exchange: &ApiExchange) {
        let mut extra = Map::new();
        extra.insert("attempt".to_owned(), Value::from(exchange.attempt));
        if let Some(wait) = exchange.retry_in {
            extra.insert(
                "retry_in_ms".to_owned(),
                Value::from(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)),
            );
        }
        self.push(Exchange {
            kind: "api",
            method: exchange.method.clone(),
            url: exchange.url.clone(),
            request_headers: exchange.request_headers.clone(),
            request_body: None,
            extra,
            status: exchange.status,
            response_headers: exchange.response_headers.clone(),
            response_body: None,
            duration: None,
        });
    }
}

/// A body as JSON when it is JSON, else as text.
fn body_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn bytes_value(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => body_value(text),
        Err(_) => Value::String(format!("[{} bytes, not text]", bytes.len())),
    }
}

/// How the call ended.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// The API's status, when it answered.
    status: Option<u16>,
    ok: bool,
    /// The reason, when it failed, with its causes.
    error: Option<String>,
    /// The OAuth2 error code a token endpoint answered with.
    oauth2_error: Option<String>,
    /// The API response's body (redacted) and whether it was cut.
    body: Option<(Value, bool)>,
    /// The claims of the JWT access tokens used (`--show-token-claims`).
    claims: Option<Vec<Value>>,
}

impl Outcome {
    /// The API answered 2xx, with `body` as read.
    pub(crate) fn answered(
        status: u16,
        body: Result<(Vec<u8>, bool), String>,
        claims: Option<Vec<Value>>,
    ) -> Self {
        let (body, error) = match body {
            Ok((bytes, cut)) => (Some((bytes_value(&bytes), cut)), None),
            Err(reason) => (None, Some(format!("reading the body failed: {reason}"))),
        };
        Outcome {
            status: Some(status),
            ok: error.is_none(),
            error,
            oauth2_error: None,
            body,
            claims,
        }
    }

    /// The runtime's error: the API's answer, or why there was none.
    pub(crate) fn from_error(error: &runtime::Error) -> Self {
        let body = match error {
            runtime::Error::Api { response, .. } => {
                Some((bytes_value(&response.body), response.truncated))
            }
            _ => None,
        };
        Outcome {
            status: error.status().map(|s| s.as_u16()),
            ok: false,
            error: Some(super::chain(error)),
            oauth2_error: error.oauth2_error().map(|e| e.error.clone()),
            body,
            claims: None,
        }
    }

    /// No call was made: a login did not complete.
    pub(crate) fn failed(reason: String) -> Self {
        Outcome {
            status: None,
            ok: false,
            error: Some(reason),
            oauth2_error: None,
            body: None,
            claims: None,
        }
    }
}

/// Everything printed for one call.
pub(crate) struct Report {
    operation: String,
    exchanges: Vec<Exchange>,
    outcome: Option<Outcome>,
    dry_run: bool,
}

impl Report {
    /// The exchanges of a call of `operation` whose request body was
    /// `request_body`: it goes on every API exchange, the outcome's body on
    /// the last one.
    pub(crate) fn new(
        operation: String,
        mut exchanges: Vec<Exchange>,
        request_body: Option<Value>,
        outcome: Outcome,
    ) -> Self {
        for exchange in exchanges.iter_mut().filter(|e| e.kind == "api") {
            exchange.request_body.clone_from(&request_body);
        }
        if let (Some(last), Some((body, cut))) = (
            exchanges.iter_mut().rev().find(|e| e.kind == "api"),
            &outcome.body,
        ) {
            last.response_body = Some(body.clone());
            if *cut {
                last.extra.insert("body_cut".to_owned(), Value::Bool(true));
            }
        }
        Report {
            operation,
            exchanges,
            outcome: Some(outcome),
            dry_run: false,
        }
    }

    /// The requests a call would send, nothing sent: the token request of
    /// each grant that needs no user, and the API request with
    /// placeholders where credentials go.
    pub(crate) fn dry_run(
        operation: &PlanOperation,
        chosen: &[Chosen<'_>],
        base_url: &str,
        request: &runtime::reqwest::Request,
        body: Option<&RequestBody>,
    ) -> Self {
        let mut exchanges = Vec::new();
        let mut url = request.url().clone();
        let mut headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(name, value)| {
                let shown = if value.is_sensitive() {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), shown)
            })
            .collect();
        for chosen in chosen {
            match &chosen.constructor.recipe {
                Recipe::Grant(grant) => {
                    if let Some(exchange) = token_request(chosen, grant, base_url) {
                        exchanges.push(exchange);
                    }
                    let (name, _) = grant
                        .header
                        .clone()
                        .unwrap_or_else(|| ("authorization".to_owned(), String::new()));
                    headers.push((name.to_lowercase(), REDACTED.to_owned()));
                }
                Recipe::Token { header, .. } => {
                    let name = header
                        .as_ref()
                        .map_or("authorization".to_owned(), |(n, _)| n.to_lowercase());
                    headers.push((name, REDACTED.to_owned()));
                }
                Recipe::Basic => headers.push(("authorization".to_owned(), REDACTED.to_owned())),
                Recipe::ApiKey { location, name, .. } => match location {
                    generator::plan::ParamIn::Query => {
                        url.query_pairs_mut().append_pair(name, REDACTED);
                    }
                    generator::plan::ParamIn::Cookie => {
                        headers.push(("cookie".to_owned(), format!("{name}={REDACTED}")));
                    }
                    _ => headers.push((name.to_lowercase(), REDACTED.to_owned())),
                },
                _ => {}
            }
        }
        exchanges.push(Exchange {
            kind: "api",
            method: request.method().to_string(),
            url: url.to_string(),
            request_headers: headers,
            request_body: body.map(|b| b.shown.clone()),
            extra: Map::new(),
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            duration: None,
        });
        Report {
            operation: operation.id.clone(),
            exchanges,
            outcome: None,
            dry_run: true,
        }
    }

    /// 0 when the API answered 2xx (or nothing was to be sent), else 1.
    pub(crate) fn exit_status(&self) -> u8 {
        match &self.outcome {
            None => 0,
            Some(outcome) if outcome.ok => 0,
            Some(_) => 1,
        }
    }

    fn json(&self) -> Value {
        let exchanges: Vec<Value> = self
            .exchanges
            .iter()
            .map(|e| {
                let mut entry = json!({
                    "kind": e.kind,
                    "request": {
                        "method": e.method,
                        "url": e.url,
                        "headers": headers_json(&e.request_headers),
                        "body": e.request_body,
                    },
                    "response": e.status.map(|status| json!({
                        "status": status,
                        "headers": headers_json(&e.response_headers),
                        "body": e.response_body,
                    })),
                    "duration_ms": e.duration.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                });
                if let Value::Object(members) = &mut entry {
                    members.extend(e.extra.clone());
                }
                entry
            })
            .collect();
        let outcome = match &self.outcome {
            None => json!({"sent": false}),
            Some(outcome) => {
                let mut value = json!({
                    "ok": outcome.ok,
                    "status": outcome.status,
                    "error": outcome.error,
                    "oauth2_error": outcome.oauth2_error,
                });
                if let (Some(claims), Value::Object(members)) = (&outcome.claims, &mut value) {
                    members.insert("token_claims".to_owned(), Value::from(claims.clone()));
                }
                value
            }
        };
        json!({
            "operation": self.operation,
            "dry_run": self.dry_run,
            "exchanges": exchanges,
            "outcome": outcome,
        })
    }

    /// The report in `format`, every secret the CLI read scrubbed.
    pub(crate) fn render(&self, format: CallFormat, scrubber: &Scrubber) -> String {
        let mut value = self.json();
        scrubber.value(&mut value);
        match format {
            CallFormat::Json => {
                let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
                text.push('\n');
                text
            }
            CallFormat::Text => scrubber.text(&text(&value)),
        }
    }
}

/// The token request a grant would send, for a dry run; `None` for the
/// flows that need a user, whose requests follow the login.
fn token_request(
    chosen: &Chosen<'_>,
    grant: &generator::plan::GrantRecipe,
    base_url: &str,
) -> Option<Exchange> {
    if grant.grant != "client_credentials" && grant.grant != "password" {
        return None;
    }
    let token_url = chosen.value("token_url").unwrap_or(&grant.token_url);
    let url = match &grant.discovery_url {
        Some(discovery) if token_url.is_empty() => {
            format!("(the token endpoint of the metadata at {discovery})")
        }
        _ => url::Url::parse(base_url)
            .and_then(|base| base.join(token_url))
            .map_or_else(|_| token_url.to_owned(), String::from),
    };
    let method = grant.client_auth.as_deref().unwrap_or("auto");
    let mut headers = vec![(
        "content-type".to_owned(),
        "application/x-www-form-urlencoded".to_owned(),
    )];
    let mut form = Map::new();
    form.insert("grant_type".to_owned(), Value::from(grant.grant.as_str()));
    if grant.grant == "password" {
        form.insert(
            "username".to_owned(),
            Value::from(chosen.value("username").unwrap_or_default()),
        );
        form.insert("password".to_owned(), Value::from(REDACTED));
    }
    if !chosen.scopes.is_empty() {
        form.insert("scope".to_owned(), Value::from(chosen.scopes.join(" ")));
    }
    match method {
        "body" => {
            form.insert(
                "client_id".to_owned(),
                Value::from(chosen.value("client_id").unwrap_or_default()),
            );
            form.insert("client_secret".to_owned(), Value::from(REDACTED));
        }
        "none" => {
            form.insert(
                "client_id".to_owned(),
                Value::from(chosen.value("client_id").unwrap_or_default()),
            );
        }
        _ => headers.push(("authorization".to_owned(), REDACTED.to_owned())),
    }
    for (name, _) in &grant.token_params {
        form.insert(name.clone(), Value::from(REDACTED));
    }
    for (name, _) in &grant.token_headers {
        headers.push((name.to_lowercase(), REDACTED.to_owned()));
    }
    let mut extra = Map::new();
    extra.insert("client_authentication".to_owned(), Value::from(method));
    Some(Exchange {
        kind: "token",
        method: "POST".to_owned(),
        url,
        request_headers: headers,
        request_body: Some(Value::Object(form)),
        extra,
        status: None,
        response_headers: Vec::new(),
        response_body: None,
        duration: None,
    })
}

/// Headers as a JSON object; a repeated name's values joined with `, `.
fn headers_json(headers: &[(String, String)]) -> Value {
    let mut object = Map::new();
    for (name, value) in headers {
        match object.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                object.insert(name.clone(), Value::from(value.as_str()));
            }
        }
    }
    Value::Object(object)
}

/// The text report, from its JSON.
fn text(report: &Value) -> String {
    let mut out = String::new();
    let exchanges = report["exchanges"].as_array().cloned().unwrap_or_default();
    for (i, exchange) in exchanges.iter().enumerate() {
        let request = &exchange["request"];
        let kind = exchange["kind"].as_str().unwrap_or_default();
        let mut title = format!(
            "[{}] {kind} request: {} {}",
            i + 1,
            request["method"].as_str().unwrap_or_default(),
            request["url"].as_str().unwrap_or_default()
        );
        if let Some(method) = exchange["client_authentication"].as_str() {
            title.push_str(&format!("  (client authentication: {method})"));
        }
        if let Some(attempt) = exchange["attempt"].as_u64().filter(|a| *a > 1) {
            title.push_str(&format!("  (attempt {attempt})"));
        }
        out.push_str(&title);
        out.push('\n');
        push_headers(&mut out, "  > ", &request["headers"]);
        push_body(&mut out, "  > ", &request["body"], kind == "token", false);
        match exchange["response"].as_object() {
            Some(response) => {
                let status = response.get("status").and_then(Value::as_u64).unwrap_or(0);
                let reason = u16::try_from(status)
                    .ok()
                    .and_then(|s| runtime::reqwest::StatusCode::from_u16(s).ok())
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                let took = exchange["duration_ms"]
                    .as_u64()
                    .map(|ms| format!("  ({ms} ms)"))
                    .unwrap_or_default();
                out.push_str(&format!("  < {status} {reason}{took}\n"));
                if let Some(headers) = response.get("headers") {
                    push_headers(&mut out, "  < ", headers);
                }
                let cut = exchange["body_cut"].as_bool().unwrap_or(false);
                if let Some(body) = response.get("body") {
                    push_body(&mut out, "  < ", body, false, cut);
                }
            }
            None if report["dry_run"] == Value::Bool(true) => {
                out.push_str("  (not sent: dry run)\n");
            }
            None => out.push_str("  (no response)\n"),
        }
        out.push('\n');
    }
    let outcome = &report["outcome"];
    if report["dry_run"] == Value::Bool(true) {
        out.push_str("dry run: nothing was sent\n");
    } else if outcome["ok"] == Value::Bool(true) {
        out.push_str(&format!(
            "ok: {} answered {}\n",
            report["operation"].as_str().unwrap_or_default(),
            outcome["status"]
        ));
    } else {
        if let Some(code) = outcome["oauth2_error"].as_str() {
            out.push_str(&format!("oauth2 error: {code}\n"));
        }
        out.push_str(&format!(
            "failed: {}\n",
            outcome["error"].as_str().unwrap_or("the call failed")
        ));
    }
    if let Some(claims) = outcome["token_claims"].as_array() {
        if claims.is_empty() {
            out.push_str("token claims: none (the access token is not a JWT)\n");
        }
        for claims in claims {
            out.push_str("token claims:\n");
            let pretty = serde_json::to_string_pretty(claims).unwrap_or_default();
            for line in pretty.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    out
}

fn push_headers(out: &mut String, prefix: &str, headers: &Value) {
    if let Some(headers) = headers.as_object() {
        for (name, value) in headers {
            out.push_str(&format!(
                "{prefix}{name}: {}\n",
                value.as_str().unwrap_or_default()
            ));
        }
    }
}

/// A body: JSON pretty-printed, a form as `name=value` lines, text as is;
/// long ones cut with a note.
fn push_body(out: &mut String, prefix: &str, body: &Value, form: bool, cut: bool) {
    let text = match body {
        Value::Null => return,
        Value::String(text) => text.clone(),
        Value::Object(members) if form => members
            .iter()
            .map(|(name, value)| format!("{name}={}", value.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n"),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    out.push_str(prefix.trim_end());
    out.push('\n');
    let total = text.chars().count();
    let shown: String = text.chars().take(TEXT_BODY).collect();
    for line in shown.lines() {
        out.push_str(&format!("{prefix}{line}\n"));
    }
    if total > TEXT_BODY {
        out.push_str(&format!(
            "{prefix}[… {} more characters; --format json shows the whole body]\n",
            total - TEXT_BODY
        ));
    }
    if cut {
        out.push_str(&format!(
            "{prefix}[the body went on past {} bytes and was not read further]\n",
            MAX_BODY
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A secret the CLI read is replaced wherever it appears, as written
    /// and form-encoded, in JSON keys and values alike.
    #[test]
    fn the_scrubber_replaces_secrets_in_every_form() {
        let mut scrubber = Scrubber::default();
        scrubber.add("s3cr:t+/ &");
        scrubber.add("abc");
        let mut value =
            json!({"echo": "was s3cr:t+/ & here", "s3cr%3At%2B%2F+%26": 1, "short": "abc"});
        scrubber.value(&mut value);
        let text = value.to_string();
        assert!(!text.contains("s3cr"), "{text}");
        assert!(text.contains("[redacted]"));
        assert!(text.contains("abc"), "short values stay: {text}");
    }

    /// The text report shows each exchange with its status and time, the
    /// body of a token request as form lines, and the outcome.
    #[test]
    fn the_text_report_shows_each_exchange() {
        let report = json!({
            "operation": "listPets",
            "dry_run": false,
            "exchanges": [{
                "kind": "token",
                "request": {"method": "POST", "url": "http://h/token", "headers": {"authorization": "[redacted]"}, "body": {"grant_type": "client_credentials"}},
                "response": {"status": 200, "headers": {}, "body": {"access_token": "[redacted]"}},
                "duration_ms": 12,
                "client_authentication": "basic"
            }],
            "outcome": {"ok": true, "status": 200}
        });
        let shown = text(&report);
        assert!(
            shown
                .contains("[1] token request: POST http://h/token  (client authentication: basic)"),
            "{shown}"
        );
        assert!(
            shown.contains("  > grant_type=client_credentials"),
            "{shown}"
        );
        assert!(shown.contains("  < 200 OK  (12 ms)"), "{shown}");
        assert!(shown.contains("ok: listPets answered 200"), "{shown}");
    }
}
