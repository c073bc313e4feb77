//! Credentials for `generator call`, as a program using the generated
//! client gets them: from the environment variables the generated
//! `*_from_env` constructors read (`generator inspect` lists them), built
//! into the runtime credential the generated constructor builds, with the
//! scheme's settings applied.
//!
//! The security alternative is chosen as the runtime chooses it: the first
//! one whose schemes all have credentials, a scheme counting as configured
//! when one of its constructors has every variable set. On a terminal, a
//! missing secret is asked for without echo; secrets are never read from
//! the command line, where `ps` and the shell's history would keep them.

use std::io::IsTerminal;

use generator::plan::{GrantRecipe, ParamIn, Plan, PlanConstructor, PlanOperation, Recipe};
use runtime::auth::{ApiKey, Basic, Bearer, ClientAuthMethod, CredentialHeader, OAuth2};
use runtime::security::ApiKeyLocation;

use super::output::Scrubber;
use super::Failure;

/// What the command line says about choosing credentials.
pub(crate) struct Choice<'a> {
    /// `--scheme`.
    pub(crate) scheme: Option<&'a str>,
    /// `--login`: flows that need a user may be used, and come first.
    pub(crate) login: bool,
    /// Whether a missing secret may be asked for (not in a dry run).
    pub(crate) prompt: bool,
}

/// The credentials chosen for one scheme.
#[derive(Debug)]
pub(crate) struct Chosen<'p> {
    /// The scheme's key.
    pub(crate) scheme: &'p str,
    pub(crate) constructor: &'p PlanConstructor,
    /// The constructor's arguments by name (`client_id`), as read.
    values: Vec<(String, String)>,
    /// The scopes the operation asks of this scheme.
    pub(crate) scopes: Vec<String>,
}

impl Chosen<'_> {
    /// The value of the argument `name`.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A credential built from a [`Chosen`], or what a login needs first.
pub(crate) enum Built {
    /// Ready to configure.
    Ready(runtime::auth::Credential),
    /// The authorization code flow: built once the redirect URI is known.
    Code(Box<CodeLogin>),
    /// The device flow: configured, then started on the client.
    Device(Box<OAuth2>),
}

/// The authorization code grant, waiting for its redirect URI.
pub(crate) struct CodeLogin {
    pub(crate) scheme: String,
    recipe: GrantRecipe,
    client_id: String,
    client_secret: Option<String>,
    token_url: String,
}

impl CodeLogin {
    /// The credential, with the loopback listener's `redirect_uri`.
    pub(crate) fn oauth(&self, redirect_uri: String) -> OAuth2 {
        let recipe = &self.recipe;
        let mut oauth = OAuth2::authorization_code(
            self.scheme.clone(),
            recipe.authorization_url.clone().unwrap_or_default(),
            self.token_url.clone(),
            self.client_id.clone(),
            redirect_uri,
        );
        if !recipe.all_scopes.is_empty() {
            oauth = oauth.scopes(recipe.all_scopes.clone());
        }
        if let Some(secret) = &self.client_secret {
            oauth = oauth.client_secret(secret.clone());
        }
        settings(oauth, recipe)
    }
}

/// Whether a constructor builds a grant a user must take part in.
fn is_user_flow(constructor: &PlanConstructor) -> bool {
    matches!(&constructor.recipe, Recipe::Grant(g) if g.grant == "authorization_code" || g.grant == "device_code")
}

/// The arguments the CLI must read for `constructor`: the redirect URI of
/// a login is the loopback listener's own.
fn needed(constructor: &PlanConstructor) -> impl Iterator<Item = &generator::plan::PlanArgument> {
    let login = is_user_flow(constructor);
    constructor
        .arguments
        .iter()
        .filter(move |a| !(login && a.name == "redirect_uri"))
}

/// The constructors of `scheme` the CLI may use, in the order it tries
/// them: with `--login`, the user flows first; without, none of them.
fn candidates<'p>(plan: &'p Plan, scheme: &str, login: bool) -> Vec<&'p PlanConstructor> {
    let Some(scheme) = plan.schemes.iter().find(|s| s.key == scheme) else {
        return Vec::new();
    };
    let usable = scheme
        .constructors
        .iter()
        .filter(|c| !matches!(c.recipe, Recipe::Certificate));
    let (user, other): (Vec<_>, Vec<_>) = usable.partition(|c| is_user_flow(c));
    if login {
        user.into_iter().chain(other).collect()
    } else {
        other
    }
}

fn env(variable: &str) -> Option<String> {
    std::env::var(variable).ok().filter(|v| !v.is_empty())
}

/// Chooses the credentials of one alternative of `operation`, reading
/// them from the environment (and, on a terminal, asking for missing
/// secrets). Empty when the operation may be called anonymously and no
/// alternative is configured.
pub(crate) fn choose<'p>(
    plan: &'p Plan,
    operation: &'p PlanOperation,
    choice: &Choice<'_>,
    scrubber: &mut Scrubber,
) -> Result<Vec<Chosen<'p>>, Failure> {
    let alternatives: Vec<&Vec<(String, Vec<String>)>> = operation
        .alternatives
        .iter()
        .filter(|alternative| {
            choice
                .scheme
                .is_none_or(|forced| alternative.iter().any(|(s, _)| s == forced))
        })
        .collect();
    if let Some(forced) = choice.scheme {
        if alternatives.is_empty() {
            let accepted: Vec<&str> = operation
                .alternatives
                .iter()
                .flatten()
                .map(|(s, _)| s.as_str())
                .collect();
            return Err(Failure::Usage(format!(
                "operation `{}` does not accept the scheme `{forced}`; it accepts: {}",
                operation.id,
                if accepted.is_empty() {
                    "none (it needs no credentials)".to_owned()
                } else {
                    accepted.join(", ")
                }
            )));
        }
    }
    // The first alternative whose every scheme has a constructor with all
    // its variables set; of a scheme's, the one using the most of them (the
    // password grant when a user name and password are set beside the
    // client's id and secret), the first on a tie.
    for alternative in &alternatives {
        let chosen: Option<Vec<Chosen>> = alternative
            .iter()
            .map(|(scheme, scopes)| {
                candidates(plan, scheme, choice.login)
                    .into_iter()
                    .filter_map(|c| {
                        let values: Option<Vec<(String, String)>> = needed(c)
                            .map(|a| Some((a.name.clone(), env(&a.env_var)?)))
                            .collect();
                        Some(Chosen {
                            scheme,
                            constructor: c,
                            values: values?,
                            scopes: scopes.clone(),
                        })
                    })
                    .rev()
                    .max_by_key(|chosen| chosen.values.len())
            })
            .collect();
        if let Some(chosen) = chosen {
            for chosen in &chosen {
                remember_secrets(chosen, scrubber);
            }
            return Ok(chosen);
        }
    }
    if operation.anonymous && choice.scheme.is_none() {
        return Ok(Vec::new());
    }
    let interactive =
        choice.prompt && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if let (true, Some(alternative)) = (interactive, alternatives.first()) {
        return prompt_for(plan, alternative, choice.login, scrubber);
    }
    Err(Failure::Usage(missing(
        plan,
        operation,
        &alternatives,
        choice.login,
    )))
}

fn remember_secrets(chosen: &Chosen<'_>, scrubber: &mut Scrubber) {
    for argument in chosen.constructor.arguments.iter().filter(|a| a.secret) {
        if let Some(value) = chosen.value(&argument.name) {
            scrubber.add(value);
        }
    }
}

/// The alternative `alternative`, each scheme with the first constructor
/// whose non-secret variables are set, its missing secrets asked for.
fn prompt_for<'p>(
    plan: &'p Plan,
    alternative: &'p [(String, Vec<String>)],
    login: bool,
    scrubber: &mut Scrubber,
) -> Result<Vec<Chosen<'p>>, Failure> {
    let mut chosen = Vec::new();
    for (scheme, scopes) in alternative {
        let constructor = candidates(plan, scheme, login)
            .into_iter()
            .find(|c| needed(c).all(|a| a.secret || env(&a.env_var).is_some()))
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "no credentials for the scheme `{scheme}`: set the variables `generator inspect` lists for it"
                ))
            })?;
        let mut values = Vec::new();
        for argument in needed(constructor) {
            let value = match env(&argument.env_var) {
                Some(value) => value,
                None => prompt_secret(&argument.env_var)?,
            };
            if argument.secret {
                scrubber.add(&value);
            }
            values.push((argument.name.clone(), value));
        }
        chosen.push(Chosen {
            scheme,
            constructor,
            values,
            scopes: scopes.clone(),
        });
    }
    Ok(chosen)
}

/// What to set, per alternative, for an operation none of whose
/// alternatives is configured.
fn missing(
    plan: &Plan,
    operation: &PlanOperation,
    alternatives: &[&Vec<(String, Vec<String>)>],
    login: bool,
) -> String {
    let options: Vec<String> = alternatives
        .iter()
        .flat_map(|alternative| alternative.iter())
        .flat_map(|(scheme, _)| {
            candidates(plan, scheme, login).into_iter().map(move |c| {
                let variables: Vec<&str> = needed(c).map(|a| a.env_var.as_str()).collect();
                format!("{} ({scheme}, {})", variables.join(" and "), c.name)
            })
        })
        .collect();
    let hint = if login {
        ""
    } else {
        "; `--login` also allows the flows that need a user"
    };
    format!(
        "operation `{}` needs credentials: set {}{hint}",
        operation.id,
        if options.is_empty() {
            "credentials for one of its schemes".to_owned()
        } else {
            options.join(", or ")
        }
    )
}

/// Reads a secret from the terminal without echo. Refuses when echo
/// cannot be turned off, rather than show the secret as it is typed.
fn prompt_secret(variable: &str) -> Result<String, Failure> {
    let refuse = || {
        Failure::Usage(format!(
            "`{variable}` is not set, and this terminal cannot read it without echo; set it in the environment"
        ))
    };
    // Echo off before the prompt shows: what is typed once it shows is
    // never echoed.
    if !set_echo(false) {
        return Err(refuse());
    }
    eprint!("{variable} is not set; enter it (not shown): ");
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    set_echo(true);
    eprintln!();
    read.map_err(|_| refuse())?;
    let value = line.trim_end_matches(['\r', '\n']).to_owned();
    if value.is_empty() {
        return Err(Failure::Usage(format!("no value entered for `{variable}`")));
    }
    Ok(value)
}

/// Turns the terminal's echo off or on with `stty` (no dependency for a
/// few lines of termios); `false` when that failed.
fn set_echo(on: bool) -> bool {
    if !cfg!(unix) {
        return false;
    }
    std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The credential the generated constructor builds from `chosen`'s values.
pub(crate) fn build(chosen: &Chosen<'_>) -> Result<Built, String> {
    let scheme = chosen.scheme.to_owned();
    let get = |name: &str| chosen.value(name).unwrap_or_default().to_owned();
    let credential: runtime::auth::Credential = match &chosen.constructor.recipe {
        Recipe::Grant(recipe) => {
            // A token URL the document lacks is an argument.
            let token_url = chosen
                .value("token_url")
                .map_or_else(|| recipe.token_url.clone(), str::to_owned);
            let oauth = match recipe.grant.as_str() {
                "client_credentials" => OAuth2::client_credentials(
                    scheme,
                    token_url,
                    get("client_id"),
                    get("client_secret"),
                ),
                "password" => OAuth2::password(
                    scheme,
                    token_url,
                    get("client_id"),
                    get("client_secret"),
                    get("username"),
                    get("password"),
                ),
                "authorization_code" => {
                    return Ok(Built::Code(Box::new(CodeLogin {
                        scheme,
                        recipe: (**recipe).clone(),
                        client_id: get("client_id"),
                        client_secret: chosen.value("client_secret").map(str::to_owned),
                        token_url,
                    })))
                }
                "device_code" => {
                    let mut oauth = OAuth2::device_authorization(
                        scheme,
                        recipe.device_authorization_url.clone().unwrap_or_default(),
                        token_url,
                        get("client_id"),
                    );
                    if !recipe.all_scopes.is_empty() {
                        oauth = oauth.scopes(recipe.all_scopes.clone());
                    }
                    return Ok(Built::Device(Box::new(settings(oauth, recipe))));
                }
                other => return Err(format!("the `{other}` grant is not supported by `call`")),
            };
            settings(oauth, recipe).into()
        }
        Recipe::Token {
            header_scheme,
            header,
        } => {
            let name = &chosen.constructor.name;
            let mut bearer = if name == "access_token" {
                Bearer::new(scheme, get("access_token"))
            } else {
                Bearer::with_auth_scheme(scheme, header_scheme.clone(), get("token"))
            };
            if let Some((name, pattern)) = header {
                bearer = bearer.credential_header(CredentialHeader::new(name, pattern));
            }
            bearer.into()
        }
        Recipe::Basic => Basic::new(scheme, get("username"), get("password")).into(),
        Recipe::ApiKey {
            location,
            name,
            value_pattern,
        } => {
            let location = match location {
                ParamIn::Query => ApiKeyLocation::Query,
                ParamIn::Cookie => ApiKeyLocation::Cookie,
                ParamIn::Header | ParamIn::Path => ApiKeyLocation::Header,
            };
            let mut key = ApiKey::new(scheme, location, name.clone(), get("api_key"));
            if let Some(pattern) = value_pattern {
                key = key.value_pattern(pattern.clone());
            }
            key.into()
        }
        _ => {
            return Err(format!(
                "the scheme `{}` needs a TLS client certificate, which `call` does not support",
                chosen.scheme
            ))
        }
    };
    Ok(Built::Ready(credential))
}

/// The settings the generated constructor applies from the scheme's
/// extensions (`emit/auth.rs`, `token_settings`), and its discovery and
/// refresh URLs.
fn settings(mut oauth: OAuth2, recipe: &GrantRecipe) -> OAuth2 {
    if let Some(url) = &recipe.discovery_url {
        oauth = oauth.discovery(runtime::discovery::Discovery::Document(url.clone()));
    }
    if let Some(url) = &recipe.refresh_url {
        oauth = oauth.refresh_url(url.clone());
    }
    if let Some(method) = &recipe.client_auth {
        oauth = oauth.client_auth(match method.as_str() {
            "basic" => ClientAuthMethod::Basic,
            "body" => ClientAuthMethod::Body,
            "none" => ClientAuthMethod::None,
            _ => ClientAuthMethod::Auto,
        });
    }
    for (name, value) in &recipe.token_params {
        oauth = oauth.token_param(name.clone(), value.clone());
    }
    for (name, value) in &recipe.token_headers {
        oauth = oauth.token_header(name.clone(), value.clone());
    }
    for (name, value) in &recipe.refresh_params {
        oauth = oauth.refresh_param(name.clone(), value.clone());
    }
    if let Some((access_token, expires_in)) = &recipe.token_response {
        oauth = oauth.token_response_paths(runtime::auth::TokenResponsePaths {
            access_token: access_token.clone(),
            expires_in: expires_in.clone(),
        });
    }
    if let Some((name, pattern)) = &recipe.header {
        oauth = oauth.credential_header(CredentialHeader::new(name, pattern));
    }
    oauth
}
