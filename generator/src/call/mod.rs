//! `generator call`: one operation tried from the command line, with every
//! exchange shown (token request and response, API request and response),
//! secrets redacted; the test tab of integration platforms.
//!
//! One implementation: the request is made by the runtime exactly as a
//! generated client makes it. The library's [`generator::plan`] describes
//! the operation at run time (parameters with their styles, body, security
//! alternatives, and each scheme's constructors with their environment
//! variables); this module turns the command line into runtime values,
//! builds the credentials the generated `*_from_env` constructors would,
//! and sends with `runtime::__private_v0_1::execute`, the function
//! generated code calls, so that the security choice, the token cache,
//! client authentication, retries and redaction are the runtime's own. The
//! runtime's `Operation` holds `&'static` data: a one-shot command leaks
//! one per process rather than generalising the runtime's type.
//!
//! The exchanges come from the runtime's `Inspector` (already redacted);
//! the CLI adds the request body it built and the response body, read
//! with `runtime::inspect::read_redacted_body`. Every value the CLI read
//! from the environment or a prompt is scrubbed from the output once more
//! before it is printed.
//!
//! `--login` runs the flows that need a user (`login.rs`); with
//! `--token-store`, the runtime's `FileTokenStore` keeps their tokens
//! between calls, and a call first tries the stored token (a grant without
//! its code or device approval can only use one) before logging in.
//!
//! Exit status: 0 when the API answered 2xx (or a dry run), 1 when it
//! answered otherwise or no token could be had, 2 for a bad document or
//! bad arguments.

mod credentials;
mod login;
mod output;
mod request;

use runtime::__private_v0_1 as private;
use std::path::PathBuf;
use std::sync::Arc;

use self::output::{Outcome, Recorder, Report, Scrubber};

/// How `call` prints what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum CallFormat {
    /// Each exchange for people, in order.
    #[default]
    Text,
    /// One JSON object: `exchanges` and `outcome`.
    Json,
}

/// Calls one operation of a document and shows every exchange.
#[derive(Debug, clap::Args)]
pub(crate) struct CallArgs {
    /// The OpenAPI document (YAML or JSON).
    #[arg(value_name = "SPEC")]
    spec: PathBuf,
    /// The operation: its `operationId` as written, the generated method
    /// name, or `"GET /pets/{id}"`.
    #[arg(value_name = "OPERATION")]
    operation: String,
    /// A parameter by its name in the document (path, query, header or
    /// cookie). Lists are comma-separated or a JSON array, or the option
    /// repeated (an item each); objects are JSON.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The request body: JSON, or `@FILE` to read it from a file (sent as
    /// is for text and binary media types).
    #[arg(long, value_name = "JSON|@FILE")]
    body: Option<String>,
    /// The API's base URL, instead of the document's first server.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// OpenAPI Overlay documents applied, in order, to the document.
    #[arg(long = "overlay", value_name = "FILE")]
    overlays: Vec<PathBuf>,
    /// The folder `$ref`s may read files in; by default the document's.
    #[arg(long, value_name = "DIR")]
    ref_root: Option<PathBuf>,
    /// Uses this security scheme, instead of the first alternative whose
    /// credentials are set in the environment.
    #[arg(long, value_name = "NAME")]
    scheme: Option<String>,
    /// An extra request header, not a document parameter (`x-request-id:
    /// 1`). Credentials belong in the environment, not here.
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    headers: Vec<String>,
    /// Logs in for schemes whose flows need a user: the authorization code
    /// flow through the browser and a redirect to 127.0.0.1, or the device
    /// flow.
    #[arg(long)]
    login: bool,
    /// Text for people, JSON for tools.
    #[arg(long, value_enum, default_value_t = CallFormat::Text)]
    format: CallFormat,
    /// Prints the requests that would be sent, the token request included,
    /// and sends nothing.
    #[arg(long)]
    dry_run: bool,
    /// Shows the claims of a JWT access token (not the token).
    #[arg(long)]
    show_token_claims: bool,
    /// How long `--login` waits for the browser's redirect, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    login_timeout: u64,
    /// The port of the `--login` redirect listener, for servers that accept
    /// only a registered one; by default one the system picks.
    #[arg(long, value_name = "PORT")]
    redirect_port: Option<u16>,
    /// Does not open a browser for `--login`: only prints the URL.
    #[arg(long)]
    no_browser: bool,
    /// Keeps tokens in this file between calls (mode 0600), sealed with
    /// the AES-256-GCM key in `GENERATOR_TOKEN_KEY` (64 hex digits): the
    /// next `--login` call uses or refreshes the token instead of logging in
    /// again.
    #[arg(long, value_name = "FILE")]
    token_store: Option<PathBuf>,
}

/// The variable holding the key `--token-store` seals tokens with.
const TOKEN_KEY_VARIABLE: &str = "GENERATOR_TOKEN_KEY";

/// Why a call did not succeed, with its exit status.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A bad document or bad arguments: exit 2, nothing sent.
    Usage(String),
    /// Sending failed or the login did not complete: exit 1.
    Failed(String),
}

impl From<generator::Error> for Failure {
    fn from(error: generator::Error) -> Self {
        Failure::Usage(chain(&error))
    }
}

/// An error with its causes on one line.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// Runs `generator call`; returns the exit status.
pub(crate) fn run(args: CallArgs) -> u8 {
    let mut scrubber = Scrubber::default();
    match call(&args, &mut scrubber) {
        Ok(report) => {
            let text = report.render(args.format, &scrubber);
            print_stdout(&text);
            report.exit_status()
        }
        Err(Failure::Usage(message)) => {
            eprintln!("{}", scrubber.text(&format!("error: {message}")));
            2
        }
        Err(Failure::Failed(message)) => {
            eprintln!("{}", scrubber.text(&format!("error: {message}")));
            1
        }
    }
}

/// Prints to standard output; a reader that went away is not an error.
fn print_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn call(args: &CallArgs, scrubber: &mut Scrubber) -> Result<Report, Failure> {
    let mut options = generator::Options::new(&args.spec);
    options.overlays.clone_from(&args.overlays);
    options.ref_root.clone_from(&args.ref_root);
    let plan = generator::plan::plan(&options)?;
    let operation = request::find_operation(&plan, &args.operation)?;
    let values = request::parse_params(operation, &args.params)?;
    let body = request::read_body(operation, args.body.as_deref())?;
    let headers = request::parse_headers(&args.headers)?;
    let base_url = args
        .base_url
        .clone()
        .unwrap_or_else(|| plan.base_url.clone());
    if url::Url::parse(&base_url).is_err() {
        return Err(Failure::Usage(format!(
            "the base URL `{base_url}` is not absolute; pass `--base-url https://…`"
        )));
    }
    let choice = credentials::Choice {
        scheme: args.scheme.as_deref(),
        login: args.login,
        prompt: !args.dry_run,
    };
    let chosen = credentials::choose(&plan, operation, &choice, scrubber)?;

    let recorder = Arc::new(Recorder::default());
    let store = token_store(args.token_store.as_deref(), scrubber)?;
    // A fresh builder with the credentials: one per client this call
    // makes (a try with stored tokens, then one after a login).
    let builder = |unfinished_logins: bool| {
        let mut builder = runtime::ClientBuilder::<runtime::Client>::new(base_url.clone())
            .inspector(recorder.clone());
        for (name, value) in &headers {
            builder = builder.default_header(name, value);
        }
        if let Some(store) = &store {
            builder = builder.token_store(store.clone());
        }
        let mut user_flows = Vec::new();
        for chosen in &chosen {
            match credentials::build(chosen).map_err(Failure::Usage)? {
                credentials::Built::Ready(credential) => builder = builder.auth(credential),
                credentials::Built::Device(oauth) => {
                    builder = builder.auth(*oauth);
                    user_flows.push(login::UserFlow::Device(chosen.scheme.to_owned()));
                }
                // Without its code, the grant can only use a stored token
                // (the redirect URI is not part of its key).
                credentials::Built::Code(code) if unfinished_logins => {
                    builder = builder.auth(code.oauth(login::UNUSED_REDIRECT_URI.to_owned()));
                }
                credentials::Built::Code(code) => user_flows.push(login::UserFlow::Code(code)),
            }
        }
        Ok::<_, Failure>((builder, user_flows))
    };
    let (first, user_flows) = builder(false)?;
    if args.dry_run {
        // Nothing is sent, a login included: the API request is shown as
        // built, with placeholders where credentials go.
        let client = first.build().map_err(|e| Failure::Usage(chain(&e)))?;
        let request = request::build(&client, operation, &values, body.as_ref())?
            .build()
            .map_err(|e| Failure::Usage(chain(&e)))?;
        return Ok(Report::dry_run(
            operation,
            &chosen,
            &base_url,
            &request,
            body.as_ref(),
        ));
    }
    let settings = login::Settings {
        timeout: std::time::Duration::from_secs(args.login_timeout),
        port: args.redirect_port,
        open_browser: !args.no_browser,
    };
    let shown_body = body.as_ref().map(|b| b.shown.clone());
    let rt = runtime::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
    let (values, body, recorder) = (&values, body.as_ref(), &recorder);
    rt.block_on(async {
        let leaked = request::leak_operation(operation);
        // The call on `client`: its outcome, or, as an error, the outcome
        // of a user's grant that has no token yet (a login is needed).
        let send = |client: runtime::Client| async move {
            let request = request::build(&client, operation, values, body)?;
            recorder.restart();
            let result = private::execute(&client, leaked, request, None).await;
            Ok::<_, Failure>(match result {
                Ok(mut response) => {
                    let claims = args
                        .show_token_claims
                        .then(|| runtime::inspect::access_token_claims(&response));
                    let status = response.status().as_u16();
                    let body =
                        runtime::inspect::read_redacted_body(&mut response, output::MAX_BODY)
                            .await
                            .map_err(|e| chain(&e));
                    recorder.extend_last();
                    Ok(Outcome::answered(status, body, claims))
                }
                Err(error) if needs_login(&error) => Err(Outcome::from_error(&error)),
                Err(error) => {
                    recorder.extend_last();
                    Ok(Outcome::from_error(&error))
                }
            })
        };
        let report = |outcome| {
            Ok(Report::new(
                operation.id.clone(),
                recorder.take(),
                shown_body.clone(),
                outcome,
            ))
        };
        // With a token store, a user's earlier login may have left a token
        // (or a refresh token): tried first, so they log in only when it
        // is gone.
        if store.is_some() && !user_flows.is_empty() {
            let (stored, _) = builder(true)?;
            let client = stored.build().map_err(|e| Failure::Usage(chain(&e)))?;
            if let Ok(outcome) = send(client).await? {
                return report(outcome);
            }
            drop(recorder.take());
        }
        recorder.restart();
        let client = match login::log_in(first, user_flows, &settings).await {
            Ok(client) => client,
            Err(reason) => return report(Outcome::failed(reason)),
        };
        match send(client).await? {
            Ok(outcome) | Err(outcome) => report(outcome),
        }
    })
}

/// Whether the call failed only because a user's grant has no token yet:
/// the authorization code flow before its code, the device flow before the
/// user approved.
fn needs_login(error: &runtime::Error) -> bool {
    matches!(
        error,
        runtime::Error::Token {
            source: runtime::TokenError::AuthorizationPending { .. },
            ..
        }
    )
}

/// `--token-store FILE`: the runtime's file store, sealed with the key in
/// [`TOKEN_KEY_VARIABLE`].
fn token_store(
    path: Option<&std::path::Path>,
    scrubber: &mut Scrubber,
) -> Result<Option<Arc<dyn runtime::store::TokenStore>>, Failure> {
    let Some(path) = path else {
        return Ok(None);
    };
    let key = std::env::var(TOKEN_KEY_VARIABLE).map_err(|_| {
        Failure::Usage(format!(
            "`--token-store` seals tokens with an AES-256 key: set {TOKEN_KEY_VARIABLE} to 64 hex digits (`openssl rand -hex 32`)"
        ))
    })?;
    scrubber.add(&key);
    let encryption = runtime::store::StoreEncryption::aes_256_gcm_hex(1, key.trim())
        .map_err(|e| Failure::Usage(format!("{TOKEN_KEY_VARIABLE}: {}", chain(&e))))?;
    Ok(Some(Arc::new(runtime::store::FileTokenStore::new(
        path, encryption,
    ))))
}
