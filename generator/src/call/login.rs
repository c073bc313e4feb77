//! `generator call --login`: the flows that need a user, run from a
//! terminal. The authorization code flow (with PKCE) sends the user's
//! browser to the authorization URL and takes the redirect on the
//! runtime's loopback listener (`runtime::loopback`, RFC 8252); the code is
//! then redeemed by the runtime on the call. The device flow prints the
//! code and the verification URL and polls, as the runtime does.
//!
//! What the user must see goes to standard error, so that standard output
//! holds the report alone.

use std::time::Duration;

use runtime::loopback::{open_browser, LoopbackRedirect};

use super::chain;
use super::credentials::CodeLogin;

/// The redirect URI of an authorization code credential that only looks
/// for a stored token (`--token-store`): never sent, since a grant without
/// its code makes no token request.
pub(crate) const UNUSED_REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// How to run a login.
pub(crate) struct Settings {
    /// How long to wait for the browser's redirect.
    pub(crate) timeout: Duration,
    /// A fixed port for the redirect listener, for servers that accept only
    /// a registered one.
    pub(crate) port: Option<u16>,
    /// Whether to open the system browser (the URL is printed either way).
    pub(crate) open_browser: bool,
}

/// A flow that needs the user.
pub(crate) enum UserFlow {
    Code(Box<CodeLogin>),
    /// The device flow of this scheme, configured on the client already.
    Device(String),
}

/// Runs the user flows, then builds the client. The error is the reason
/// the login did not complete, for the report.
pub(crate) async fn log_in(
    mut builder: runtime::ClientBuilder<runtime::Client>,
    flows: Vec<UserFlow>,
    settings: &Settings,
) -> Result<runtime::Client, String> {
    let mut devices = Vec::new();
    for flow in flows {
        match flow {
            UserFlow::Code(code) => builder = builder.auth(authorize(&code, settings).await?),
            UserFlow::Device(scheme) => devices.push(scheme),
        }
    }
    let client = builder.build().map_err(|e| chain(&e))?;
    for scheme in devices {
        let device = client
            .start_device_authorization(&scheme)
            .await
            .map_err(|e| chain(&e))?;
        match device.verification_uri_complete() {
            Some(complete) => eprintln!(
                "To sign in for `{scheme}`, open {complete} (or {} and enter the code {}).",
                device.verification_uri(),
                device.user_code()
            ),
            None => eprintln!(
                "To sign in for `{scheme}`, open {} and enter the code {}.",
                device.verification_uri(),
                device.user_code()
            ),
        }
        device.wait().await.map_err(|e| chain(&e))?;
    }
    Ok(client)
}

/// The authorization code flow of `code`: a loopback listener, the
/// browser sent to the authorization URL, the redirect's `state` checked
/// and its code handed to the credential.
async fn authorize(code: &CodeLogin, settings: &Settings) -> Result<runtime::auth::OAuth2, String> {
    let listener =
        LoopbackRedirect::bind_port(settings.port.unwrap_or(0)).map_err(|e| chain(&e))?;
    let oauth = code.oauth(listener.redirect_uri());
    let pending = oauth.authorize().map_err(|e| chain(&e))?;
    eprintln!(
        "To sign in for `{}`, open this URL in a browser:\n{}",
        code.scheme,
        pending.url()
    );
    if settings.open_browser && !open_browser(pending.url()) {
        eprintln!("(no browser could be opened: open the URL yourself)");
    }
    let state = pending.state().to_owned();
    let timeout = settings.timeout;
    let redirect = runtime::tokio::task::spawn_blocking(move || listener.wait(&state, timeout))
        .await
        .map_err(|e| format!("the redirect listener stopped: {e}"))?
        .map_err(|e| format!("login for `{}` failed: {}", code.scheme, chain(&e)))?;
    eprintln!("Signed in; redeeming the code.");
    oauth
        .finish_authorization(pending, redirect.code, &redirect.state)
        .map_err(|e| chain(&e))
}
