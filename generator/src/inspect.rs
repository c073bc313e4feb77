//! `generator inspect`: the security the model inferred, as text for people
//! and JSON for tools.

use serde_json::{json, Value};

use crate::model::{Api, SchemeKind};

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
            let fields = match &scheme.kind {
                SchemeKind::OAuth2 {
                    flows,
                    metadata_url,
                } => json!({
                    "type": "oauth2",
                    "metadata_url": metadata_url,
                    "flows": flows.iter().map(|flow| json!({
                        "grant": flow.kind.grant(),
                        "token_url": flow.resolved.token_url,
                        "refresh_url": flow.resolved.refresh_url,
                        "authorization_url": flow.resolved.authorization_url,
                        "device_authorization_url": flow.resolved.device_authorization_url,
                        "scopes": flow.scopes.iter().map(|(name, _)| name).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                }),
                SchemeKind::OpenIdConnect { url } => json!({
                    "type": "openIdConnect",
                    "discovery_url": url,
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
            entry
        })
        .collect();
    let operations: Vec<Value> = api
        .operations
        .iter()
        .map(|op| {
            json!({
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
            })
        })
        .collect();
    json!({
        "title": api.title,
        "base_url": api.base_url,
        "schemes": schemes,
        "operations": operations,
    })
}

fn text(report: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let list = |v: &Value| -> Vec<Value> { v.as_array().cloned().unwrap_or_default() };
    let mut out = format!(
        "{} (base URL {})\n\nsecurity schemes\n",
        text(&report["title"]),
        text(&report["base_url"])
    );
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
            "openIdConnect" => format!(" discovered at {}", text(&scheme["discovery_url"])),
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
                ("token URL", "token_url"),
                ("refresh URL", "refresh_url"),
                ("authorization URL", "authorization_url"),
            ] {
                if let Some(url) = flow[key].as_str() {
                    out.push_str(&format!("      {label}: {url}\n"));
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
    }
    out
}
