//! The constructors of each scheme's type in the generated `auth` module:
//! their names, their arguments and the environment variables their
//! `*_from_env` twins read. Decided here, once, so that the generated code
//! and `inspect` show the same names.

use super::names;
use super::security::{FlowKind, Scheme, SchemeKind};

/// A constructor of a scheme's credentials, and its `_from_env` twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Constructor {
    /// The function's name (`client_credentials`).
    pub(crate) name: &'static str,
    /// The name of its twin reading the arguments from the environment
    /// (`client_credentials_from_env`).
    pub(crate) from_env: String,
    /// What it builds.
    pub(crate) builds: Builds,
    /// Its arguments, in order.
    pub(crate) arguments: Vec<Argument>,
}

/// What a [`Constructor`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builds {
    /// OAuth2 credentials for a grant: the scheme's flow of that kind, or
    /// for OpenID Connect the grant at the discovered token endpoint.
    Grant(FlowKind),
    /// A bearer token obtained elsewhere (OAuth2, OpenID Connect).
    AccessToken,
    /// A token sent in `Authorization` (HTTP schemes other than Basic).
    Token,
    /// A user name and password (HTTP Basic).
    Credentials,
    /// An API key.
    Key,
    /// A TLS client certificate.
    Certificate,
}

/// An argument of a constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Argument {
    /// The Rust name (`client_id`).
    pub(crate) name: &'static str,
    pub(crate) kind: ArgumentKind,
    /// The environment variable the `_from_env` twin reads it from
    /// (`PETSTORE_CLIENT_ID`); set by [`assign`].
    pub(crate) env_var: String,
}

/// The type of an [`Argument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgumentKind {
    /// Text that is not secret (a client id, a URL).
    Text,
    /// A secret (`SecretString`).
    Secret,
    /// Bytes (a PEM file's content).
    Bytes,
}

/// Describes the constructors of every scheme and names their environment
/// variables: `<API>_<ARGUMENT>`, with the API's title as prefix
/// (`PETSTORE_CLIENT_ID`), qualified by the scheme's name
/// (`PETSTORE_OAUTH_CLIENT_ID`) where two schemes would otherwise read the
/// same variable.
pub(crate) fn assign(schemes: &mut [Scheme], title: &str) {
    for scheme in schemes.iter_mut() {
        scheme.constructors = of(&scheme.kind);
    }
    let api = names::env_name(title).unwrap_or_else(|| "API".to_owned());
    let arguments: Vec<Vec<&str>> = schemes.iter().map(Scheme::arguments).collect();
    let prefixes: Vec<String> = schemes
        .iter()
        .enumerate()
        .map(|(i, scheme)| {
            let shared = arguments
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && other.iter().any(|a| arguments[i].contains(a)));
            match (shared, names::env_name(&scheme.key)) {
                (true, Some(qualifier)) => format!("{api}_{qualifier}"),
                _ => api.clone(),
            }
        })
        .collect();
    for (scheme, prefix) in schemes.iter_mut().zip(prefixes) {
        for argument in scheme
            .constructors
            .iter_mut()
            .flat_map(|c| &mut c.arguments)
        {
            argument.env_var = format!("{prefix}_{}", argument.name.to_uppercase());
        }
    }
}

impl Scheme {
    /// The arguments of its constructors, each once, in order of first use.
    pub(crate) fn arguments(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        for argument in self.constructors.iter().flat_map(|c| &c.arguments) {
            if !names.contains(&argument.name) {
                names.push(argument.name);
            }
        }
        names
    }
}

/// The constructors of a scheme of `kind`, taking only what the document
/// does not say.
fn of(kind: &SchemeKind) -> Vec<Constructor> {
    use ArgumentKind::{Bytes, Secret, Text};
    let client = [("client_id", Text), ("client_secret", Secret)];
    let password = [("username", Text), ("password", Secret)];
    let mut out = Vec::new();
    match kind {
        SchemeKind::OAuth2 {
            flows,
            metadata_url,
        } => {
            for flow in flows {
                let mut arguments: Vec<(&'static str, ArgumentKind)> = match flow.kind {
                    FlowKind::ClientCredentials => client.to_vec(),
                    FlowKind::Password => [client, password].concat(),
                    FlowKind::AuthorizationCode => {
                        vec![("client_id", Text), ("redirect_uri", Text)]
                    }
                    FlowKind::DeviceAuthorization => vec![("client_id", Text)],
                    // The implicit flow hands the token to a browser; such
                    // a token is accepted by `access_token`.
                    FlowKind::Implicit => continue,
                };
                // Neither the flow nor discovery gives a token URL.
                if flow.token_url.is_none() && metadata_url.is_none() {
                    arguments.push(("token_url", Text));
                }
                out.push(constructor(
                    flow.kind.grant_constructor(),
                    Builds::Grant(flow.kind),
                    &arguments,
                ));
            }
            out.push(access_token());
        }
        SchemeKind::OpenIdConnect { .. } => {
            for kind in [FlowKind::ClientCredentials, FlowKind::Password] {
                let arguments = match kind {
                    FlowKind::Password => [client, password].concat(),
                    _ => client.to_vec(),
                };
                out.push(constructor(
                    kind.grant_constructor(),
                    Builds::Grant(kind),
                    &arguments,
                ));
            }
            out.push(access_token());
        }
        SchemeKind::HttpToken { .. } => {
            out.push(constructor("token", Builds::Token, &[("token", Secret)]));
        }
        SchemeKind::HttpBasic => {
            out.push(constructor("credentials", Builds::Credentials, &password))
        }
        SchemeKind::ApiKey { .. } => {
            out.push(constructor("key", Builds::Key, &[("api_key", Secret)]));
        }
        SchemeKind::MutualTls => out.push(constructor(
            "certificate",
            Builds::Certificate,
            &[("certificate", Bytes)],
        )),
    }
    out
}

fn access_token() -> Constructor {
    constructor(
        "access_token",
        Builds::AccessToken,
        &[("access_token", ArgumentKind::Secret)],
    )
}

fn constructor(
    name: &'static str,
    builds: Builds,
    arguments: &[(&'static str, ArgumentKind)],
) -> Constructor {
    Constructor {
        name,
        from_env: format!("{name}_from_env"),
        builds,
        arguments: arguments
            .iter()
            .map(|&(name, kind)| Argument {
                name,
                kind,
                env_var: String::new(),
            })
            .collect(),
    }
}

impl FlowKind {
    /// The name of the constructor for the grant.
    fn grant_constructor(self) -> &'static str {
        match self {
            FlowKind::ClientCredentials => "client_credentials",
            FlowKind::Password => "password",
            FlowKind::AuthorizationCode => "authorization_code",
            FlowKind::Implicit => "implicit",
            FlowKind::DeviceAuthorization => "device_authorization",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ArgumentKind, Builds};
    use crate::model::FlowKind;

    fn api(yaml_schemes: &str) -> crate::model::Api {
        let yaml = format!(
            "openapi: 3.0.3\ninfo: {{title: Pet Store, version: \"1\"}}\npaths: {{}}\n\
             components:\n  securitySchemes:\n{yaml_schemes}"
        );
        let file = std::env::temp_dir().join(format!(
            "constructors-{}-{}.yaml",
            std::process::id(),
            yaml_schemes.len()
        ));
        std::fs::write(&file, yaml).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        crate::model::build(&document.unwrap()).unwrap()
    }

    /// Each flow has its constructor, the implicit one none; a token URL
    /// the document lacks becomes an argument; arguments are named once for
    /// the generated code and the environment.
    #[test]
    fn constructors_follow_the_flows_and_name_their_variables() {
        let api = api(r#"
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: "https://h/token", scopes: {}}
        implicit: {authorizationUrl: "https://h/authorize", scopes: {}}
        password: {tokenUrl: not a url, scopes: {}}
"#);
        let scheme = &api.schemes[0];
        let shown: Vec<(&str, Vec<&str>)> = scheme
            .constructors
            .iter()
            .map(|c| {
                (
                    c.name,
                    c.arguments.iter().map(|a| a.env_var.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "client_credentials",
                    vec!["PET_STORE_CLIENT_ID", "PET_STORE_CLIENT_SECRET"]
                ),
                (
                    "password",
                    vec![
                        "PET_STORE_CLIENT_ID",
                        "PET_STORE_CLIENT_SECRET",
                        "PET_STORE_USERNAME",
                        "PET_STORE_PASSWORD",
                        "PET_STORE_TOKEN_URL"
                    ]
                ),
                ("access_token", vec!["PET_STORE_ACCESS_TOKEN"]),
            ]
        );
        assert_eq!(
            scheme.constructors[1].builds,
            Builds::Grant(FlowKind::Password)
        );
        assert_eq!(
            scheme.constructors[1].arguments[3].kind,
            ArgumentKind::Secret
        );
        assert_eq!(
            scheme.constructors[0].from_env,
            "client_credentials_from_env"
        );
    }

    /// Two schemes that would read the same variable are told apart by
    /// their names; one that shares nothing keeps the API's prefix.
    #[test]
    fn shared_variables_are_qualified_by_the_scheme() {
        let api = api(r#"
    basic: {type: http, scheme: basic}
    oauth:
      type: oauth2
      flows:
        password: {tokenUrl: "https://h/token", scopes: {}}
    key: {type: apiKey, in: header, name: X-Key}
"#);
        let variables = |i: usize| -> Vec<&str> {
            api.schemes[i].constructors[0]
                .arguments
                .iter()
                .map(|a| a.env_var.as_str())
                .collect()
        };
        assert_eq!(
            variables(0),
            ["PET_STORE_BASIC_USERNAME", "PET_STORE_BASIC_PASSWORD"]
        );
        assert_eq!(variables(1)[2], "PET_STORE_OAUTH_USERNAME");
        assert_eq!(variables(2), ["PET_STORE_API_KEY"]);
        assert_eq!(api.schemes[2].constructors[0].builds, Builds::Key);
    }
}
