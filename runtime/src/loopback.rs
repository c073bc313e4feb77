//! The redirect of the authorization code flow for a command-line or
//! desktop app (RFC 8252, "OAuth 2.0 for Native Apps"): a listener on the
//! loopback interface, `127.0.0.1` with an ephemeral port (§7.3) or one the
//! authorization server insists on, whose URL is the `redirect_uri`.
//!
//! [`LoopbackRedirect::wait`] serves requests until the one to the
//! redirect path arrives (a browser may ask for `/favicon.ico` first), or
//! the time is up. That request is answered with a page telling the user
//! to go back to the app, and its `state` checked against the pending
//! authorization's: a mismatch is refused, as it is how a forged redirect
//! shows (RFC 6749 §10.12). Only loopback is listened on, so no other
//! machine can reach it; the code it hands over is redeemed with the PKCE
//! verifier that never left the app, so a code stolen by another local
//! process is worth nothing on its own (RFC 8252 §8.1).
//!
//! [`open_browser`] opens the system browser at the authorization URL
//! where one exists; the caller prints the URL as well, for machines
//! without one.
//!
//! Blocking (std networking): a one-shot login waits for one request, and
//! this crate's `tokio` is built without its network feature. From async
//! code, run it in `tokio::task::spawn_blocking`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The path of the redirect URI.
const REDIRECT_PATH: &str = "/callback";

/// The most bytes read of a request's head; a browser's is far smaller.
const MAX_HEAD: usize = 16 * 1024;

/// How long one connection may take to send its request line and
/// headers, so that a connection that says nothing does not hold the
/// listener until the overall timeout.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Why no code came back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoopbackError {
    /// The listener could not be opened (the port is taken, say).
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    /// Accepting or reading a connection failed.
    #[error("the redirect listener failed: {0}")]
    Io(#[source] std::io::Error),
    /// No redirect arrived in time.
    #[error("no redirect arrived within {} s", .0.as_secs())]
    Timeout(Duration),
    /// The redirect's `state` was not the pending authorization's: a forged
    /// or stale redirect. Nothing is redeemed.
    #[error("the redirect's `state` does not match the authorization's; refused")]
    StateMismatch,
    /// The authorization server sent the user back with an error
    /// (RFC 6749 §4.1.2.1): `access_denied` when they declined, say.
    #[error("the authorization server answered `{error}`{}", .description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Denied {
        /// The `error` parameter.
        error: String,
        /// The `error_description` parameter, when given.
        description: Option<String>,
    },
    /// The redirect carried neither a code nor an error.
    #[error("the redirect carries no `code`")]
    NoCode,
}

/// What the redirect carried back.
#[derive(Clone)]
pub struct Redirect {
    /// The authorization code, to hand to `OAuth2::finish_authorization`.
    pub code: secrecy::SecretString,
    /// The `state` it carried (checked already).
    pub state: String,
}

/// The code is a secret: not shown.
impl std::fmt::Debug for Redirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redirect")
            .field("code", &crate::inspect::REDACTED)
            .field("state", &self.state)
            .finish()
    }
}

/// A listener for one authorization redirect on 127.0.0.1.
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    address: SocketAddr,
}

impl LoopbackRedirect {
    /// Listens on 127.0.0.1 at an ephemeral port chosen by the system
    /// (RFC 8252 §7.3: the server must accept any port for a loopback
    /// redirect URI).
    pub fn bind() -> Result<Self, LoopbackError> {
        Self::bind_port(0)
    }

    /// Listens on 127.0.0.1 at `port`, for an authorization server that
    /// only accepts a registered port (`0` for an ephemeral one).
    pub fn bind_port(port: u16) -> Result<Self, LoopbackError> {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(LoopbackError::Bind)?;
        let address = listener.local_addr().map_err(LoopbackError::Bind)?;
        Ok(LoopbackRedirect { listener, address })
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The redirect URI to register and send: `http://127.0.0.1:<port>/callback`
    /// (an IP literal rather than `localhost`, RFC 8252 §7.3, so no name
    /// lookup can send it elsewhere).
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{REDIRECT_PATH}", self.port())
    }

    /// Serves requests until the redirect arrives or `timeout` passes, and
    /// returns its code once its `state` is `expected_state`. Requests to
    /// other paths get a 404 and waiting goes on; the redirect itself,
    /// whatever it carries, ends the wait with a page for the user.
    pub fn wait(self, expected_state: &str, timeout: Duration) -> Result<Redirect, LoopbackError> {
        let deadline = Instant::now() + timeout;
        self.listener
            .set_nonblocking(true)
            .map_err(LoopbackError::Io)?;
        loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(LoopbackError::Timeout(timeout));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(LoopbackError::Io(error)),
            };
            if let Some(outcome) = serve(stream, expected_state, deadline) {
                return outcome;
            }
        }
    }
}

/// Answers one connection: `None` when it was not the redirect (waiting
/// goes on), else the redirect's outcome.
fn serve(
    mut stream: TcpStream,
    expected_state: &str,
    deadline: Instant,
) -> Option<Result<Redirect, LoopbackError>> {
    // A connection that fails or says nothing readable is not the redirect;
    // nor may it keep the wait past its deadline.
    let left = deadline.saturating_duration_since(Instant::now());
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(left.clamp(Duration::from_millis(10), READ_TIMEOUT)))
        .ok()?;
    let target = read_target(&stream)?;
    let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    if url.path() != REDIRECT_PATH {
        respond(&mut stream, "404 Not Found", "Not found.");
        return None;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    let state = param("state").unwrap_or_default();
    // Checked first: a forged redirect gets no word on anything else.
    let outcome = if !constant_time_eq(state.as_bytes(), expected_state.as_bytes()) {
        Err(LoopbackError::StateMismatch)
    } else if let Some(error) = param("error") {
        Err(LoopbackError::Denied {
            error,
            description: param("error_description"),
        })
    } else {
        match param("code") {
            Some(code) if !code.is_empty() => Ok(Redirect {
                code: secrecy::SecretString::from(code),
                state,
            }),
            _ => Err(LoopbackError::NoCode),
        }
    };
    match &outcome {
        Ok(_) => respond(
            &mut stream,
            "200 OK",
            "Signed in. You can close this tab and go back to the terminal.",
        ),
        Err(LoopbackError::StateMismatch) => respond(
            &mut stream,
            "400 Bad Request",
            "This sign-in was not started here (its state does not match). Nothing was done.",
        ),
        Err(_) => respond(
            &mut stream,
            "200 OK",
            "Sign-in did not complete. Go back to the terminal for details.",
        ),
    }
    Some(outcome)
}

/// The request target of the request line (`/callback?code=…`), after
/// reading the head; `None` for anything that is not an HTTP GET.
fn read_target(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD as u64));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?, parts.next()?);
    // The rest of the head, so the browser sees its request read.
    let mut header = String::new();
    while reader.read_line(&mut header).ok()? > 2 {
        header.clear();
    }
    (method == "GET" && target.starts_with('/')).then(|| target.to_owned())
}

fn respond(stream: &mut TcpStream, status: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in</title></head>\
         <body><p>{message}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n\
         content-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // The user may have closed the tab: nothing to do about it.
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

/// Compares `state`s without leaking, by timing, how much of one matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Opens `url` in the system browser (`open` on macOS, `xdg-open`
/// elsewhere on Unix, `start` on Windows); `false` when there is none or it
/// failed, and the caller should print the URL for the user to open.
pub fn open_browser(url: &str) -> bool {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut command = std::process::Command::new("cmd");
        // `start`'s first quoted argument is a window title.
        command.args(["/C", "start", ""]);
        command
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `GET target` to the listener and returns the answer's
    /// status line and body.
    fn get(port: u16, target: &str) -> (String, String) {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status = answer.lines().next().unwrap_or_default().to_owned();
        let body = answer
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        (status, body)
    }

    /// The redirect URI is on 127.0.0.1 at the port listened on; another
    /// path is answered 404 without ending the wait; the redirect with the
    /// right state gives its code and a page for the user.
    #[test]
    fn the_redirect_with_the_right_state_gives_the_code() {
        let listener = LoopbackRedirect::bind().unwrap();
        let port = listener.port();
        assert_ne!(port, 0);
        assert_eq!(
            listener.redirect_uri(),
            format!("http://127.0.0.1:{port}/callback")
        );
        let waiting = std::thread::spawn(move || listener.wait("st4te", Duration::from_secs(10)));
        let (status, _) = get(port, "/favicon.ico");
        assert!(status.contains("404"), "{status}");
        let (status, body) = get(port, "/callback?code=c0de%2B1&state=st4te");
        assert!(status.contains("200"), "{status}");
        assert!(body.contains("go back to the terminal"), "{body}");
        let redirect = waiting.join().unwrap().unwrap();
        use secrecy::ExposeSecret;
        assert_eq!(redirect.code.expose_secret(), "c0de+1");
        assert!(!format!("{redirect:?}").contains("c0de"));
    }

    /// A redirect whose state is not the pending one is refused with a 400
    /// and ends the wait with an error, even when it carries a code.
    #[test]
    fn a_wrong_state_is_refused() {
        let listener = LoopbackRedirect::bind().unwrap();
        let port = listener.port();
        let waiting = std::thread::spawn(move || listener.wait("right", Duration::from_secs(10)));
        let (status, _) = get(port, "/callback?code=stolen&state=wrong");
        assert!(status.contains("400"), "{status}");
        assert!(matches!(
            waiting.join().unwrap(),
            Err(LoopbackError::StateMismatch)
        ));
    }

    /// The user declining comes back as the server's error code.
    #[test]
    fn a_denial_is_reported_with_its_code() {
        let listener = LoopbackRedirect::bind().unwrap();
        let port = listener.port();
        let waiting = std::thread::spawn(move || listener.wait("s", Duration::from_secs(10)));
        get(
            port,
            "/callback?error=access_denied&error_description=no+thanks&state=s",
        );
        match waiting.join().unwrap() {
            Err(LoopbackError::Denied { error, description }) => {
                assert_eq!(error, "access_denied");
                assert_eq!(description.as_deref(), Some("no thanks"));
            }
            other => panic!("{other:?}"),
        }
    }

    /// Without a redirect the wait ends at the timeout; a connection that
    /// says nothing does not keep it waiting past that.
    #[test]
    fn the_wait_ends_at_the_timeout() {
        let listener = LoopbackRedirect::bind().unwrap();
        let port = listener.port();
        let started = Instant::now();
        let waiting = std::thread::spawn(move || listener.wait("s", Duration::from_millis(300)));
        let silent = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        let outcome = waiting.join().unwrap();
        drop(silent);
        assert!(
            matches!(outcome, Err(LoopbackError::Timeout(_))),
            "{outcome:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
}
