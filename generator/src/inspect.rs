//! `generator inspect`: the security the model inferred, and how each list
//! operation paginates (or why one that looks paginated does not), as text
//! for people and JSON for tools.
//!
//! URLs are shown as the runtime will call them with the default server:
//! relative ones resolved against the base URL the report starts with, by
//! the same algorithm as the client (`model/urls.rs`, `resolve`). Each
//! relative one is also given as written (`as_written` in JSON), since a
//! client built with another `base_url` (or other server variables)
//! resolves it against that instead; under a relative server URL it stays
//! as written, to be resolved against the base URL the client is given.

use serde_json::{json, Value};

use crate::model::{Api, PageStyle, Pagination, PaginationSource, SchemeKind};

/// How `inspect` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum InspectFormat {
    /// Aligned text.
    #[default]
    Text,
    /// One JSON object with `schemes` and `operations`.
    Json,
}

pub(crate) fn render(api: &Api, format: InspectFormat) -> String {
    let report = report(api);
    match format {
        InspectFormat::Json => {
            let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
            text.push('\n');
            text
        }
        InspectFormat::Text => text(&report),
    }
}

fn report(api: &Api) -> Value {
    let schemes: Vec<Value> = api
        .schemes
        .iter()
        .map(|scheme| {
            let mut entry = json!({
                "name": scheme.key,
                "rust": format!("auth::{}", scheme.rust_name),
            });
            let discovery = scheme.discovery.as_ref().map(|d| &d.url);
            let relative_discovery = scheme.discovery.as_ref().and_then(|d| d.relative.as_ref());
            let fields = match &scheme.kind {
                SchemeKind::OAuth2 { flows, .. } => json!({
                    "type": "oauth2",
                    "metadata_url": discovery,
                    "flows": flows.iter().map(|flow| {
                        let mut entry = json!({
                            "grant": flow.kind.grant(),
                            "token_url": flow.resolved.token_url,
                            "refresh_url": flow.resolved.refresh_url,
                            "authorization_url": flow.resolved.authorization_url,
                            "device_authorization_url": flow.resolved.device_authorization_url,
                            "scopes": flow.scopes.iter().map(|(name, _)| name).collect::<Vec<_>>(),
                        });
                        if !flow.resolved.relative.is_empty() {
                            entry["as_written"] = flow
                                .resolved
                                .relative
                                .iter()
                                .map(|(field, url)| ((*field).to_owned(), json!(url)))
                                .collect();
                        }
                        entry
                    }).collect::<Vec<_>>(),
                }),
                SchemeKind::OpenIdConnect { .. } => json!({
                    "type": "openIdConnect",
                    "discovery_url": discovery,
                }),
                SchemeKind::HttpToken { scheme, .. } => json!({ "type": "http", "scheme": scheme }),
                SchemeKind::HttpBasic => json!({ "type": "http", "scheme": "basic" }),
                SchemeKind::MutualTls => json!({ "type": "mutualTLS" }),
                SchemeKind::ApiKey { location, name } => json!({
                    "type": "apiKey",
                    "in": format!("{location:?}").to_lowercase(),
                    "parameter": name,
                }),
            };
            if let (Value::Object(entry), Value::Object(fields)) = (&mut entry, fields) {
                entry.extend(fields);
            }
            entry["from_env"] = scheme
                .constructors
                .iter()
                .map(|c| {
                    json!({
                        "constructor": c.from_env,
                        "variables": c.arguments.iter().map(|a| &a.env_var).collect::<Vec<_>>(),
                    })
                })
                .collect();
            if let Some(url) = relative_discovery {
                let field = match scheme.kind {
                    SchemeKind::OpenIdConnect { .. } => "discovery_url",
                    _ => "metadata_url",
                };
                entry["as_written"] = json!({ field: url });
            }
            entry
        })
        .collect();
    let operations: Vec<Value> = api
        .operations
        .iter()
        .map(|op| {
            let mut entry = json!({
                "id": op.id,
                "method": op.http_method,
                "path": op.path,
                "rust_method": op.method_name,
                "alternatives": op.security.alternatives.iter().map(|all| {
                    all.iter().map(|used| {
                        let mut entry = json!({ "scheme": used.scheme, "scopes": used.scopes });
                        if !used.flows.is_empty() {
                            entry["flows"] = json!(used.flows);
                        }
                        entry
                    }).collect::<Vec<_>>()
                }).collect::<Vec<_>>(),
                "anonymous": op.security.anonymous,
            });
            // Only where there is something to say, as the text does.
            if let Some(pagination) = &op.pagination {
                entry["pagination"] = pagination_report(pagination);
            }
            if let Some(note) = &op.pagination_note {
                entry["pagination_note"] = json!(note);
            }
            entry
        })
        .collect();
    json!({
        "title": api.title,
        "base_url": api.base_url,
        "base_url_has_variables": api.server.is_some(),
        "schemes": schemes,
        "operations": operations,
    })
}

/// An operation's pagination: the style with its parameters and the
/// pointers into the body, as on the wire, and where it was read from.
fn pagination_report(pagination: &Pagination) -> Value {
    let mut entry = match &pagination.style {
        PageStyle::LinkHeader => json!({ "style": "link" }),
        PageStyle::NextUrl { pointer } => json!({ "style": "next-url", "cursor": pointer }),
        PageStyle::Cursor {
            param,
            pointer,
            keep,
        } => json!({ "style": "cursor", "param": param, "cursor": pointer, "keep": keep }),
        PageStyle::AfterLast { param, id } => {
            json!({ "style": "after-last", "param": param, "id": id })
        }
        PageStyle::Offset {
            param,
            limit,
            total,
        } => json!({ "style": "offset", "param": param, "limit": limit, "total": total }),
        PageStyle::Page {
            param,
            first,
            size,
            total,
            total_pages,
        } => json!({
            "style": "page",
            "param": param,
            "first": first,
            "size": size,
            "total": total,
            "total_pages": total_pages,
        }),
    };
    entry["items"] = json!(pagination.items_pointer);
    entry["has_more"] = json!(pagination.has_more);
    entry["source"] = json!(match pagination.source {
        PaginationSource::Extension => "x-pagination",
        PaginationSource::Dropshot => "x-dropshot-pagination",
        PaginationSource::Inferred => "inferred",
    });
    entry
}

/// The text of a pagination entry of the report: `cursor page_token <-
/// /next_page, items /items, keeps limit (x-dropshot-pagination)`.
fn pagination_text(pagination: &Value) -> String {
    let text = |key: &str| pagination[key].as_str().map(str::to_owned);
    let mut out = text("style").unwrap_or_default();
    if let Some(param) = text("param") {
        out.push_str(&format!(" `{param}`"));
    }
    if let Some(first) = pagination["first"].as_i64() {
        out.push_str(&format!(" from {first}"));
    }
    if let Some(cursor) = text("cursor") {
        out.push_str(&format!(" <- {cursor}"));
    }
    if let Some(id) = text("id") {
        out.push_str(&format!(" <- the last item's `{id}`"));
    }
    let items = text("items").unwrap_or_default();
    out.push_str(&format!(
        ", items {}",
        if items.is_empty() { "the body" } else { &items }
    ));
    for (label, key) in [
        ("size", "limit"),
        ("size", "size"),
        ("total", "total"),
        ("pages", "total_pages"),
        ("more", "has_more"),
    ] {
        if let Some(value) = text(key) {
            out.push_str(&format!(", {label} {value}"));
        }
    }
    let keep: Vec<String> = pagination["keep"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str().map(str::to_owned))
        .collect();
    if !keep.is_empty() {
        out.push_str(&format!(", keeps {}", keep.join(" ")));
    }
    out.push_str(&format!(" ({})", text("source").unwrap_or_default()));
    out
}

fn text(report: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let list = |v: &Value| -> Vec<Value> { v.as_array().cloned().unwrap_or_default() };
    let variables = if report["base_url_has_variables"].as_bool() == Some(true) {
        ": the first server, its variables at their defaults"
    } else {
        ""
    };
    let mut out = format!(
        "{} (base URL {}{variables})\n\nsecurity schemes\n",
        text(&report["title"]),
        text(&report["base_url"])
    );
    // How a relative URL was resolved, after the URL.
    let relative = |url: &Value, written: &Value| -> String {
        match (url.as_str(), written.as_str()) {
            (Some(url), Some(written)) if url == written => {
                " (relative: resolved against the base URL the client is given)".to_owned()
            }
            (_, Some(written)) => format!(
                " (`{written}` resolved against the base URL; follows the client's `base_url`)"
            ),
            _ => String::new(),
        }
    };
    let schemes = list(&report["schemes"]);
    if schemes.is_empty() {
        out.push_str("  (none)\n");
    }
    for scheme in &schemes {
        let kind = text(&scheme["type"]);
        let detail = match kind.as_str() {
            "http" => format!(" {}", text(&scheme["scheme"])),
            "apiKey" => format!(
                " in {} `{}`",
                text(&scheme["in"]),
                text(&scheme["parameter"])
            ),
            "openIdConnect" => format!(
                " discovered at {}{}",
                text(&scheme["discovery_url"]),
                relative(
                    &scheme["discovery_url"],
                    &scheme["as_written"]["discovery_url"]
                )
            ),
            "oauth2" if scheme["metadata_url"].is_string() => format!(
                " with metadata at {}{}",
                text(&scheme["metadata_url"]),
                relative(
                    &scheme["metadata_url"],
                    &scheme["as_written"]["metadata_url"]
                )
            ),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {}: {kind}{detail} ({})\n",
            text(&scheme["name"]),
            text(&scheme["rust"])
        ));
        for flow in list(&scheme["flows"]) {
            out.push_str(&format!("    {}\n", text(&flow["grant"])));
            for (label, key) in [
                ("device authorization URL", "device_authorization_url"),
                ("token URL", "token_url"),
                ("refresh URL", "refresh_url"),
                ("authorization URL", "authorization_url"),
            ] {
                if let Some(url) = flow[key].as_str() {
                    let how = relative(&flow[key], &flow["as_written"][key]);
                    out.push_str(&format!("      {label}: {url}{how}\n"));
                }
            }
            let scopes: Vec<String> = list(&flow["scopes"]).iter().map(text).collect();
            out.push_str(&format!(
                "      scopes: {}\n",
                if scopes.is_empty() {
                    "(none)".to_owned()
                } else {
                    scopes.join(" ")
                }
            ));
        }
        let from_env = list(&scheme["from_env"]);
        if !from_env.is_empty() {
            out.push_str("    from the environment\n");
        }
        for constructor in from_env {
            let variables: Vec<String> = list(&constructor["variables"]).iter().map(text).collect();
            out.push_str(&format!(
                "      {}(): {}\n",
                text(&constructor["constructor"]),
                variables.join(" ")
            ));
        }
    }
    out.push_str("\noperations\n");
    for op in list(&report["operations"]) {
        out.push_str(&format!(
            "  {} {}  {} -> {}\n",
            text(&op["method"]),
            text(&op["path"]),
            text(&op["id"]),
            text(&op["rust_method"])
        ));
        let mut alternatives: Vec<String> = list(&op["alternatives"])
            .iter()
            .map(|all| {
                list(all)
                    .iter()
                    .map(|used| {
                        let scopes: Vec<String> = list(&used["scopes"]).iter().map(text).collect();
                        let flows: Vec<String> = list(&used["flows"]).iter().map(text).collect();
                        let mut shown = text(&used["scheme"]);
                        if !scopes.is_empty() {
                            shown = format!("{shown}[{}]", scopes.join(" "));
                        }
                        if !flows.is_empty() {
                            shown = format!("{shown} via {}", flows.join("/"));
                        }
                        shown
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect();
        if op["anonymous"].as_bool() == Some(true) {
            alternatives.push("anonymous".to_owned());
        }
        out.push_str(&format!("    needs: {}\n", alternatives.join(" | ")));
        if op["pagination"].is_object() {
            out.push_str(&format!(
                "    pages: {}\n",
                pagination_text(&op["pagination"])
            ));
        }
        if let Some(note) = op["pagination_note"].as_str() {
            out.push_str(&format!("    pages: {note}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{render, InspectFormat};

    /// The report of the document `yaml`.
    fn report(yaml: &str, format: InspectFormat) -> String {
        // A file per test thread: tests run in parallel.
        let file = std::env::temp_dir().join(format!(
            "inspect-{}-{:?}.yaml",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&file, yaml).unwrap();
        let document = crate::load::load(&file, &[]);
        std::fs::remove_file(&file).unwrap();
        let api = crate::model::build(&document.unwrap()).unwrap();
        render(&api, format)
    }

    /// Each scheme lists its `*_from_env` constructors with the variables
    /// they read, the names the generated code uses.
    #[test]
    fn environment_variables_are_listed_per_scheme() {
        let yaml = r#"
openapi: 3.0.3
info: {title: Pet Store, version: "1"}
paths: {}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: "https://h/token", scopes: {}}
    key: {type: apiKey, in: query, name: api_key}
"#;
        let text = report(yaml, InspectFormat::Text);
        assert!(
            text.contains(
                "    from the environment\n      client_credentials_from_env(): PET_STORE_CLIENT_ID PET_STORE_CLIENT_SECRET\n      access_token_from_env(): PET_STORE_ACCESS_TOKEN\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("      key_from_env(): PET_STORE_API_KEY\n"),
            "{text}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&report(yaml, InspectFormat::Json)).unwrap();
        assert_eq!(
            json["schemes"][1]["from_env"],
            serde_json::json!([{ "constructor": "key_from_env", "variables": ["PET_STORE_API_KEY"] }])
        );
    }

    /// Each paginated operation shows its style, parameter, pointers and
    /// source; one that looks paginated but fits no shape shows why not.
    #[test]
    fn pagination_and_its_notes_are_shown_per_operation() {
        let yaml = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: page_token, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
      x-dropshot-pagination: true
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [items]
                properties:
                  items: {type: array, items: {type: string}}
                  next_page: {type: string}
  /cats:
    get:
      operationId: listCats
      parameters: [{name: offset, in: query, schema: {type: integer}}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: array, items: {type: string}}}}
"#;
        let text = report(yaml, InspectFormat::Text);
        assert!(
            text.contains("    pages: cursor `page_token` <- /next_page, items /items, keeps limit (x-dropshot-pagination)\n"),
            "{text}"
        );
        assert!(
            text.contains("    pages: looks paginated (query parameter `offset`) but no known shape of parameters and members fits: not paginated; `x-pagination` can declare it\n"),
            "{text}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&report(yaml, InspectFormat::Json)).unwrap();
        assert_eq!(
            json["operations"][0]["pagination"],
            serde_json::json!({
                "style": "cursor",
                "param": "page_token",
                "cursor": "/next_page",
                "keep": ["limit"],
                "items": "/items",
                "has_more": null,
                "source": "x-dropshot-pagination",
            })
        );
        assert!(json["operations"][0].get("pagination_note").is_none());
        assert!(json["operations"][1].get("pagination").is_none());
        assert!(json["operations"][1]["pagination_note"].is_string());
    }

    /// A relative URL is shown resolved as the client resolves it, with
    /// what it was resolved against: the first server with its variables'
    /// defaults, which another `base_url` replaces.
    #[test]
    fn relative_urls_say_what_they_were_resolved_against() {
        let yaml = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
servers:
  - url: "https://{region}.example.com/api/v1"
    variables: {region: {default: eu}}
paths: {}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        password:
          tokenUrl: ../oauth/token
          refreshUrl: "https://auth.example.com/refresh"
          scopes: {}
    oidc:
      type: openIdConnect
      openIdConnectUrl: .well-known/openid-configuration
"#;
        let text = report(yaml, InspectFormat::Text);
        assert!(
            text.starts_with("t (base URL https://eu.example.com/api/v1: the first server, its variables at their defaults)"),
            "{text}"
        );
        assert!(text.contains("      token URL: https://eu.example.com/api/oauth/token (`../oauth/token` resolved against the base URL; follows the client's `base_url`)\n"), "{text}");
        assert!(
            text.contains("      refresh URL: https://auth.example.com/refresh\n"),
            "{text}"
        );
        assert!(text.contains("oidc: openIdConnect discovered at https://eu.example.com/api/v1/.well-known/openid-configuration (`.well-known/openid-configuration` resolved"), "{text}");
        let json: serde_json::Value =
            serde_json::from_str(&report(yaml, InspectFormat::Json)).unwrap();
        let flow = &json["schemes"][0]["flows"][0];
        assert_eq!(flow["token_url"], "https://eu.example.com/api/oauth/token");
        assert_eq!(
            flow["as_written"],
            serde_json::json!({ "token_url": "../oauth/token" })
        );
        assert_eq!(json["base_url_has_variables"], true);

        // Under a relative server URL only the client's base URL tells.
        let text = report(
            &yaml.replace("https://{region}.example.com/api/v1", "/api/v1"),
            InspectFormat::Text,
        );
        assert!(text.contains("      token URL: ../oauth/token (relative: resolved against the base URL the client is given)\n"), "{text}");
    }
}
