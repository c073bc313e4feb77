//! Connection settings every integration platform offers: proxy, minimum
//! TLS version, extra root certificates, a client certificate, timeouts and
//! the user agent. Applied alike to the API's and the token endpoint's
//! HTTP clients.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretSlice, SecretString};

use crate::error::Error;

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.0: refused, it is broken.
    V1_0,
    /// TLS 1.1: refused, it is broken.
    V1_1,
    /// TLS 1.2.
    V1_2,
    /// TLS 1.3.
    V1_3,
}

/// A proxy for every request.
#[derive(Clone)]
pub(crate) struct Proxy {
    /// `http://`, `https://` or `socks5://` with host and port.
    pub(crate) url: String,
    pub(crate) credentials: Option<(String, SecretString)>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &without_password(&self.url))
            .field("username", &self.credentials.as_ref().map(|(user, _)| user))
            .finish_non_exhaustive()
    }
}

/// A proxy URL with any password in it replaced.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "(not a URL)".to_owned(),
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub(crate) proxy: Option<Proxy>,
    pub(crate) min_tls: Option<TlsVersion>,
    pub(crate) root_certificates: Vec<Vec<u8>>,
    pub(crate) identity: Option<SecretSlice<u8>>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) user_agent: Option<String>,
}

impl Default for Connection {
    fn default() -> Self {
        Connection {
            proxy: None,
            min_tls: None,
            root_certificates: Vec::new(),
            identity: None,
            timeout: Some(Duration::from_secs(30)),
            connect_timeout: Some(Duration::from_secs(10)),
            user_agent: None,
        }
    }
}

impl Connection {
    /// A reqwest builder with these settings.
    pub(crate) fn builder(&self) -> Result<reqwest::ClientBuilder, Error> {
        let user_agent = self.user_agent.clone().unwrap_or_else(|| {
            concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned()
        });
        let mut builder = reqwest::Client::builder().user_agent(user_agent);
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(proxy) = &self.proxy {
            let mut configured = reqwest::Proxy::all(&proxy.url).map_err(|e| {
                Error::Config(format!(
                    "proxy `{}`: {}",
                    without_password(&proxy.url),
                    e.without_url()
                ))
            })?;
            if let Some((username, password)) = &proxy.credentials {
                configured = configured.basic_auth(username, password.expose_secret());
            }
            builder = builder.proxy(configured);
        }
        match self.min_tls {
            None => {}
            Some(TlsVersion::V1_0 | TlsVersion::V1_1) => {
                return Err(Error::Config(
                    "TLS 1.0 and 1.1 are refused: they are broken; the minimum is TLS 1.2"
                        .to_owned(),
                ))
            }
            Some(TlsVersion::V1_2) => {
                builder = builder.min_tls_version(reqwest::tls::Version::TLS_1_2);
            }
            Some(TlsVersion::V1_3) => {
                builder = builder.min_tls_version(reqwest::tls::Version::TLS_1_3);
            }
        }
        for pem in &self.root_certificates {
            let certificate = reqwest::Certificate::from_pem(pem)
                .map_err(|e| Error::Config(format!("a root certificate is not valid PEM: {e}")))?;
            builder = builder.add_root_certificate(certificate);
        }
        if let Some(pem) = &self.identity {
            let identity = reqwest::Identity::from_pem(pem.expose_secret()).map_err(|_| {
                Error::Config(
                    "the client certificate is not PEM holding a certificate and its private key"
                        .to_owned(),
                )
            })?;
            builder = builder.identity(identity);
        }
        Ok(builder)
    }
}
