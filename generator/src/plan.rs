//! What `generator call` needs to make one request at run time, read from
//! the model: each operation's parameters (with their styles), body and
//! security alternatives, and each scheme's constructors with the
//! environment variables their `*_from_env` twins read and the settings
//! the generated constructor applies. Plain public data, so that the
//! binary can drive the runtime with it while this library stays free of
//! network I/O (STYLE.md, convention 11).
//!
//! The credential recipes mirror what `emit/auth.rs` writes for each
//! constructor (same URLs, same extensions), and the parameter styles what
//! `emit/operations.rs` passes to the runtime's `path_param`,
//! `query_param`, `header_param` and `cookie_param`; a change to either
//! belongs here too.

use crate::model::{
    self, Api, ApiKeyPlace, ArgumentKind, Builds, ClientAuth, FlowKind, ParamLocation, ParamStyle,
    SchemeKind, TypeKind, TypeRef,
};
use crate::{load, Error, Options, Warning};

/// Everything `generator call` needs of one document.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Plan {
    /// The document's title.
    pub title: String,
    /// The first server's URL with its variables at their defaults.
    pub base_url: String,
    /// Every operation the options select, in document order.
    pub operations: Vec<PlanOperation>,
    /// Every security scheme.
    pub schemes: Vec<PlanScheme>,
    /// What the generator worked around in the document.
    pub warnings: Vec<Warning>,
}

/// One operation, as a request is made of it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanOperation {
    /// `operationId`, or method and path.
    pub id: String,
    /// The generated client's method name.
    pub method_name: String,
    /// Upper-case HTTP method.
    pub http_method: String,
    /// The path template as in the document.
    pub path: String,
    pub params: Vec<PlanParam>,
    pub body: Option<PlanBody>,
    /// Requirement alternatives in document order: each a list of
    /// `(scheme, scopes)` that must all be satisfied.
    pub alternatives: Vec<Vec<(String, Vec<String>)>>,
    /// Whether the call may be made without credentials.
    pub anonymous: bool,
    /// The idempotency header generated code fills with a fresh UUID when
    /// the caller leaves it unset.
    pub idempotency_header: Option<String>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
    Header,
    Cookie,
}

/// A parameter's `style`, as the runtime's `Style` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStyle {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

/// The JSON shape a parameter's text is read as, from its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Integer,
    Number,
    Boolean,
    /// A list: comma-separated on the command line, or a JSON array.
    Array(Box<ValueKind>),
    /// An object or anything else: JSON on the command line.
    Json,
}

/// One parameter.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanParam {
    /// The name in the document (and on the wire).
    pub name: String,
    /// The generated setter's name.
    pub rust_name: String,
    pub location: ParamIn,
    pub required: bool,
    pub kind: ValueKind,
    pub style: PlanStyle,
    pub explode: bool,
}

/// How a request body is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`: a part per member of the JSON object given.
    Multipart,
    /// Text sent as is, with this content type.
    Text(String),
    /// Bytes sent as is, with this content type.
    Bytes(String),
}

/// An operation's request body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanBody {
    pub kind: BodyKind,
    pub required: bool,
}

/// A security scheme and the credentials it can be given.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanScheme {
    /// The key in `components.securitySchemes`.
    pub key: String,
    /// Its constructors, in the generated code's order.
    pub constructors: Vec<PlanConstructor>,
}

/// A constructor of a scheme's credentials in the generated `auth`
/// module: what it builds and the environment variables it reads.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanConstructor {
    /// `client_credentials`, `password`, `access_token`, `key`, ...
    pub name: String,
    pub recipe: Recipe,
    pub arguments: Vec<PlanArgument>,
}

/// An argument of a constructor.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanArgument {
    /// `client_id`, `client_secret`, `api_key`, ...
    pub name: String,
    /// The environment variable the `*_from_env` twin reads.
    pub env_var: String,
    /// Whether it is a secret (never shown, prompted without echo).
    pub secret: bool,
}

/// The runtime credential a constructor builds, with what the generated
/// constructor sets on it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Recipe {
    /// An OAuth2 grant (`OAuth2::client_credentials`, `password`,
    /// `authorization_code`, `device_authorization`).
    Grant(Box<GrantRecipe>),
    /// A token sent in a header (`Bearer::with_auth_scheme`).
    Token {
        header_scheme: String,
        /// `x-credential-header`: the header's name and value pattern.
        header: Option<(String, String)>,
    },
    /// A user name and password (`Basic::new`).
    Basic,
    /// An API key (`ApiKey::new`).
    ApiKey {
        location: ParamIn,
        name: String,
        value_pattern: Option<String>,
    },
    /// A TLS client certificate: not supported by `call`.
    Certificate,
}

/// An OAuth2 grant as the generated constructor builds it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct GrantRecipe {
    /// `client_credentials`, `password`, `authorization_code` or
    /// `device_code`.
    pub grant: String,
    /// As written (possibly relative); empty when discovered.
    pub token_url: String,
    /// The metadata document to find the token endpoint in.
    pub discovery_url: Option<String>,
    pub refresh_url: Option<String>,
    /// Resolved against the default server (authorization code).
    pub authorization_url: Option<String>,
    /// The device authorization endpoint (device flow).
    pub device_authorization_url: Option<String>,
    /// Every scope the flow declares, which user flows ask for.
    pub all_scopes: Vec<String>,
    /// `x-client-authentication`: `auto`, `basic`, `body` or `none`.
    pub client_auth: Option<String>,
    pub token_params: Vec<(String, String)>,
    pub token_headers: Vec<(String, String)>,
    pub refresh_params: Vec<(String, String)>,
    /// `x-token-response`: the paths of the token and of its lifetime.
    pub token_response: Option<(String, Option<String>)>,
    /// `x-credential-header`: the header's name and value pattern.
    pub header: Option<(String, String)>,
}

/// Reads the document of `options` (overlays applied) and describes its
/// selected operations and its schemes for a call made at run time.
pub fn plan(options: &Options) -> Result<Plan, Error> {
    let document = load::load_within(
        &options.spec,
        &options.overlays,
        options.ref_root.as_deref(),
    )?;
    let api = model::build_selected(&document, &options.selection())?;
    Ok(from_api(&api))
}

fn from_api(api: &Api) -> Plan {
    Plan {
        title: api.title.clone(),
        base_url: api.base_url.clone(),
        operations: api.operations.iter().map(|op| operation(api, op)).collect(),
        schemes: api.schemes.iter().map(scheme).collect(),
        warnings: api.warnings.clone(),
    }
}

fn operation(api: &Api, op: &model::Operation) -> PlanOperation {
    let params: Vec<PlanParam> = op
        .params
        .iter()
        .map(|param| PlanParam {
            name: param.wire.clone(),
            rust_name: param.name.clone(),
            location: match param.location {
                ParamLocation::Path => ParamIn::Path,
                ParamLocation::Query => ParamIn::Query,
                ParamLocation::Header => ParamIn::Header,
                ParamLocation::Cookie => ParamIn::Cookie,
            },
            required: param.required,
            kind: value_kind(api, &param.ty, 0),
            style: match param.style {
                ParamStyle::Simple => PlanStyle::Simple,
                ParamStyle::Label => PlanStyle::Label,
                ParamStyle::Matrix => PlanStyle::Matrix,
                ParamStyle::Form => PlanStyle::Form,
                ParamStyle::SpaceDelimited => PlanStyle::SpaceDelimited,
                ParamStyle::PipeDelimited => PlanStyle::PipeDelimited,
                ParamStyle::DeepObject => PlanStyle::DeepObject,
            },
            explode: param.explode,
        })
        .collect();
    let idempotency_header = op.idempotency_key.as_ref().and_then(|field| {
        params
            .iter()
            .find(|p| &p.rust_name == field)
            .map(|p| p.name.clone())
    });
    PlanOperation {
        id: op.id.clone(),
        method_name: op.method_name.clone(),
        http_method: op.http_method.clone(),
        path: op.path.clone(),
        params,
        body: op.body.as_ref().map(|body| PlanBody {
            kind: match &body.encoding {
                model::BodyEncoding::Json => BodyKind::Json,
                model::BodyEncoding::Form => BodyKind::Form,
                model::BodyEncoding::Multipart(_) => BodyKind::Multipart,
                model::BodyEncoding::Text(media) => BodyKind::Text(media.clone()),
                model::BodyEncoding::Bytes(media) => BodyKind::Bytes(media.clone()),
            },
            required: body.required,
        }),
        alternatives: op
            .security
            .alternatives
            .iter()
            .map(|alternative| {
                alternative
                    .iter()
                    .map(|used| (used.scheme.clone(), used.scopes.clone()))
                    .collect()
            })
            .collect(),
        anonymous: op.security.anonymous,
        idempotency_header,
    }
}

/// The shape of a parameter of type `ty`: named types are followed to
/// what they are (an enum of strings is a string); `depth` stops a cycle
/// of aliases.
fn value_kind(api: &Api, ty: &TypeRef, depth: usize) -> ValueKind {
    match ty {
        TypeRef::Bool => ValueKind::Boolean,
        TypeRef::I8
        | TypeRef::I16
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::U8
        | TypeRef::U16
        | TypeRef::U32
        | TypeRef::U64 => ValueKind::Integer,
        TypeRef::F32 | TypeRef::F64 => ValueKind::Number,
        TypeRef::String | TypeRef::DateTime | TypeRef::Date | TypeRef::Uuid | TypeRef::Bytes => {
            ValueKind::String
        }
        TypeRef::Vec(item) => ValueKind::Array(Box::new(value_kind(api, item, depth + 1))),
        TypeRef::Option(inner) | TypeRef::Boxed(inner) => value_kind(api, inner, depth + 1),
        TypeRef::Json | TypeRef::Map(_) => ValueKind::Json,
        TypeRef::Named(name) if depth < 16 => {
            match api.types.iter().find(|t| &t.name == name).map(|t| &t.kind) {
                Some(TypeKind::Enum { .. }) => ValueKind::String,
                Some(TypeKind::IntegerEnum { .. }) => ValueKind::Integer,
                Some(TypeKind::Alias(inner)) => value_kind(api, inner, depth + 1),
                _ => ValueKind::Json,
            }
        }
        TypeRef::Named(_) => ValueKind::Json,
    }
}

fn scheme(scheme: &model::Scheme) -> PlanScheme {
    let constructors = scheme
        .constructors
        .iter()
        .filter_map(|c| {
            Some(PlanConstructor {
                name: c.name.to_owned(),
                recipe: recipe(c.builds, scheme)?,
                arguments: c
                    .arguments
                    .iter()
                    .map(|a| PlanArgument {
                        name: a.name.to_owned(),
                        env_var: a.env_var.clone(),
                        secret: a.kind == ArgumentKind::Secret,
                    })
                    .collect(),
            })
        })
        .collect();
    PlanScheme {
        key: scheme.key.clone(),
        constructors,
    }
}

/// What the generated constructor of `builds` writes for `scheme`
/// (`emit/auth.rs`, `rendering`); `None` where it writes nothing.
fn recipe(builds: Builds, scheme: &model::Scheme) -> Option<Recipe> {
    let extensions = &scheme.extensions;
    let header = extensions.credential_header.clone();
    let settings = || GrantRecipe {
        client_auth: extensions.client_auth.map(|method| {
            match method {
                ClientAuth::Auto => "auto",
                ClientAuth::Basic => "basic",
                ClientAuth::Body => "body",
                ClientAuth::None => "none",
            }
            .to_owned()
        }),
        token_params: extensions.token_params.clone(),
        token_headers: extensions.token_headers.clone(),
        refresh_params: extensions.refresh_params.clone(),
        token_response: extensions.token_response.clone(),
        header: header.clone(),
        ..GrantRecipe::default()
    };
    Some(match (builds, &scheme.kind) {
        (
            Builds::Grant(kind),
            SchemeKind::OAuth2 {
                flows,
                metadata_url,
            },
        ) => {
            let flow = flows.iter().find(|flow| flow.kind == kind)?;
            let mut grant = settings();
            grant.grant = kind.grant().to_owned();
            match (&flow.token_url, metadata_url) {
                (Some(url), _) => grant.token_url = url.clone(),
                (None, Some(metadata)) => grant.discovery_url = Some(metadata.clone()),
                // Read from the `token_url` argument.
                (None, None) => {}
            }
            grant.refresh_url = flow.refresh_url.clone();
            grant.all_scopes = flow.scopes.iter().map(|(s, _)| s.clone()).collect();
            if kind == FlowKind::AuthorizationCode {
                grant.authorization_url =
                    Some(flow.resolved.authorization_url.clone().unwrap_or_default());
            }
            if kind == FlowKind::DeviceAuthorization {
                grant.device_authorization_url =
                    Some(flow.device_authorization_url.clone().unwrap_or_default());
            }
            Recipe::Grant(Box::new(grant))
        }
        (Builds::Grant(kind), SchemeKind::OpenIdConnect { url }) => {
            let mut grant = settings();
            grant.grant = kind.grant().to_owned();
            grant.discovery_url = Some(url.clone());
            Recipe::Grant(Box::new(grant))
        }
        (Builds::Grant(_), _) => return None,
        (Builds::AccessToken, _) => Recipe::Token {
            header_scheme: "Bearer".to_owned(),
            header,
        },
        (Builds::Token, kind) => Recipe::Token {
            header_scheme: match kind {
                SchemeKind::HttpToken { header_scheme, .. } => header_scheme.clone(),
                _ => "Bearer".to_owned(),
            },
            header,
        },
        (Builds::Credentials, _) => Recipe::Basic,
        (Builds::Key, kind) => {
            let (location, name) = match kind {
                SchemeKind::ApiKey { location, name } => (*location, name.clone()),
                _ => (ApiKeyPlace::Header, String::new()),
            };
            Recipe::ApiKey {
                location: match location {
                    ApiKeyPlace::Header => ParamIn::Header,
                    ApiKeyPlace::Query => ParamIn::Query,
                    ApiKeyPlace::Cookie => ParamIn::Cookie,
                },
                name,
                value_pattern: header.map(|(_, pattern)| pattern),
            }
        }
        (Builds::Certificate, _) => Recipe::Certificate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(yaml: &str) -> Plan {
        let file =
            std::env::temp_dir().join(format!("plan-{}-{}.yaml", std::process::id(), yaml.len()));
        std::fs::write(&file, yaml).unwrap();
        let plan = plan(&Options::new(&file));
        std::fs::remove_file(&file).unwrap();
        plan.unwrap()
    }

    /// Parameters keep their document names, locations, styles and
    /// shapes (an enum of strings is a string, a list of integers a list);
    /// security alternatives and the constructors' variables are those of
    /// the generated code.
    #[test]
    fn operations_and_schemes_are_described_as_generated_code_uses_them() {
        let plan = plan_of(
            r#"
openapi: 3.0.3
info: {title: Pet Store, version: "1"}
servers: [{url: "https://api.example.com/v1"}]
paths:
  /pets/{petId}:
    put:
      operationId: putPet
      security: [{oauth: [write]}, {key: []}]
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer}}
        - {name: ids, in: query, style: pipeDelimited, explode: false, schema: {type: array, items: {type: integer}}}
        - {name: mode, in: header, schema: {type: string, enum: [a, b]}}
      requestBody:
        required: true
        content: {application/json: {schema: {type: object}}}
      responses: {"204": {description: ok}}
components:
  securitySchemes:
    oauth:
      type: oauth2
      x-client-authentication: body
      flows:
        clientCredentials: {tokenUrl: /token, scopes: {write: w}}
    key: {type: apiKey, in: query, name: api_key}
"#,
        );
        assert_eq!(plan.base_url, "https://api.example.com/v1");
        let op = &plan.operations[0];
        assert_eq!(
            (
                op.id.as_str(),
                op.method_name.as_str(),
                op.http_method.as_str()
            ),
            ("putPet", "put_pet", "PUT")
        );
        let shown: Vec<(&str, ParamIn, bool, &ValueKind, PlanStyle, bool)> = op
            .params
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.location,
                    p.required,
                    &p.kind,
                    p.style,
                    p.explode,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "petId",
                    ParamIn::Path,
                    true,
                    &ValueKind::Integer,
                    PlanStyle::Simple,
                    false
                ),
                (
                    "ids",
                    ParamIn::Query,
                    false,
                    &ValueKind::Array(Box::new(ValueKind::Integer)),
                    PlanStyle::PipeDelimited,
                    false
                ),
                (
                    "mode",
                    ParamIn::Header,
                    false,
                    &ValueKind::String,
                    PlanStyle::Simple,
                    false
                ),
            ]
        );
        assert_eq!(
            op.body.as_ref().map(|b| (&b.kind, b.required)),
            Some((&BodyKind::Json, true))
        );
        assert_eq!(
            op.alternatives,
            [
                vec![("oauth".to_owned(), vec!["write".to_owned()])],
                vec![("key".to_owned(), vec![])]
            ]
        );
        let oauth = &plan.schemes[0];
        let cc = &oauth.constructors[0];
        assert_eq!(cc.name, "client_credentials");
        let Recipe::Grant(grant) = &cc.recipe else {
            panic!("{:?}", cc.recipe)
        };
        assert_eq!(
            (
                grant.grant.as_str(),
                grant.token_url.as_str(),
                grant.client_auth.as_deref()
            ),
            ("client_credentials", "/token", Some("body"))
        );
        let vars: Vec<(&str, bool)> = cc
            .arguments
            .iter()
            .map(|a| (a.env_var.as_str(), a.secret))
            .collect();
        assert_eq!(
            vars,
            [
                ("PET_STORE_CLIENT_ID", false),
                ("PET_STORE_CLIENT_SECRET", true)
            ]
        );
        let key = &plan.schemes[1].constructors[0];
        assert!(matches!(
            &key.recipe,
            Recipe::ApiKey { location: ParamIn::Query, name, value_pattern: None } if name == "api_key"
        ));
        assert_eq!(key.arguments[0].env_var, "PET_STORE_API_KEY");
    }
}
