//! Reading a document: YAML or JSON into one normalised
//! [`openapiv3::OpenAPI`]. Overlays are applied to the document as written,
//! references to other files (under the reference root) bundled into it and
//! local references rewritten to the one form the model follows, then
//! Swagger 2.0 is converted, OpenAPI 3.1 and 3.2 are normalised to the 3.0
//! model and published defects repaired on the JSON value before it is
//! deserialised; nothing after this step knows which version the file was,
//! that it was split, or how its references were written.

mod bundle;
mod jsonpath;
mod openapi31;
mod overlay;
mod refs;
mod repair;
mod schemas;
mod swagger2;
mod syntax;
mod walk;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::diagnostics::Diagnostics;
use crate::error::{Error, Location, Warning};
use crate::pointer;

/// A loaded document.
#[derive(Debug)]
pub(crate) struct Document {
    /// The file, to locate pointers into it.
    pub(crate) source: Source,
    /// The parsed, normalised document.
    pub(crate) api: openapiv3::OpenAPI,
    /// The normalised document as JSON, which `api` was read from: where
    /// the model follows a `$ref` to a place other than a component
    /// (`#/components/schemas/Pet/properties/id`).
    pub(crate) json: serde_json::Value,
    /// Every file read.
    pub(crate) files_read: Vec<PathBuf>,
    /// What the loader worked around, at pointers into the file as written.
    pub(crate) warnings: Vec<Warning>,
    /// Security the 3.0 model cannot hold (3.1 `mutualTLS` schemes, 3.2
    /// device flows and metadata URLs), by scheme key in document order. The
    /// loader warns about each, so none is dropped silently.
    #[allow(
        dead_code,
        reason = "read by the security model once it supports these schemes"
    )]
    pub(crate) extra_schemes: Vec<(String, ExtraScheme)>,
}

/// The file a document was read from: what locates a JSON pointer in it.
#[derive(Debug)]
pub(crate) struct Source {
    /// The document as given on the command line or to the builder.
    pub(crate) file: PathBuf,
    /// The file's text, where the lines of pointers are found.
    pub(super) text: String,
    /// The file is Swagger 2.0: pointers into the converted document are
    /// mapped back to the 2.0 layout where there is one.
    pub(super) swagger2: bool,
}

impl Source {
    /// The file at `file`, which holds `text`.
    pub(crate) fn new(file: PathBuf, text: String) -> Self {
        Source {
            file,
            text,
            swagger2: false,
        }
    }

    /// The place `pointer` names, with its line when it can be found. A
    /// pointer into a converted Swagger 2.0 document names the place it
    /// came from (`/components/schemas/Pet` is `/definitions/Pet`).
    pub(crate) fn at(&self, pointer: &str) -> Location {
        let pointer = if self.swagger2 {
            swagger2::original_pointer(pointer)
        } else {
            pointer.to_owned()
        };
        Location {
            file: self.file.clone(),
            line: syntax::line_of(&self.text, &pointer),
            pointer,
        }
    }
}

/// Security from a 3.1 or 3.2 document that `openapiv3` cannot represent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExtraScheme {
    /// A `mutualTLS` security scheme: the client authenticates with a TLS
    /// certificate.
    MutualTls { description: Option<String> },
    /// The `deviceAuthorization` flow (RFC 8628) of the oauth2 scheme with
    /// the same key.
    DeviceAuthorization {
        device_authorization_url: String,
        token_url: String,
        refresh_url: Option<String>,
        scopes: IndexMap<String, String>,
    },
    /// The `oauth2MetadataUrl` (RFC 8414) of the oauth2 scheme with the same
    /// key.
    OAuth2Metadata { url: String },
}

impl Document {
    /// The file name, for the `@generated` header.
    pub(crate) fn file_name(&self) -> String {
        self.source
            .file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The document versions the loader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    Swagger2,
    OpenApi30,
    /// 3.1 and 3.2, normalised the same way.
    OpenApi31,
}

/// [`load_within`] the document's folder.
#[cfg(test)]
pub(crate) fn load(path: &Path, overlays: &[PathBuf]) -> Result<Document, Error> {
    load_within(path, overlays, None)
}

/// Reads and parses the document at `path`, with the `overlays` applied in
/// order. References may name files in `ref_root` and below, or in the
/// document's folder and below when it is `None`.
pub(crate) fn load_within(
    path: &Path,
    overlays: &[PathBuf],
    ref_root: Option<&Path>,
) -> Result<Document, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let root_dir = reference_root(path, ref_root)?;
    let mut value = syntax::parse(&text).map_err(|e| Error::Syntax {
        file: path.to_owned(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    let mut source = Source::new(path.to_owned(), text);
    let mut files_read = vec![path.to_owned()];
    for overlay in overlays {
        files_read.push(overlay.clone());
        overlay::apply(&mut value, overlay, path)?;
    }
    let version = check_version(&value, &source)?;
    // Every pointer from here on is mapped back to the file as written.
    source.swagger2 = version == Version::Swagger2;
    let diagnostics = Diagnostics::new(&source);
    files_read.extend(bundle::bundle(&mut value, &source, &diagnostics, &root_dir));
    diagnostics.check_errors()?;
    refs::normalise(&mut value, source.swagger2, &diagnostics);
    diagnostics.check_errors()?;
    let mut extra_schemes = Vec::new();
    match version {
        Version::Swagger2 => value = swagger2::convert(&value, &diagnostics),
        Version::OpenApi30 => {}
        Version::OpenApi31 => extra_schemes = openapi31::normalise(&mut value, &diagnostics),
    }
    // The repairs see the converted document; the source maps their
    // pointers back to the document as written where it has the same place.
    repair::repair(&mut value, &diagnostics);
    // Deserialised without tracking the path first: tracking costs a tenth
    // of generating a large document, and only an error needs the path.
    let api = match read_with_schemas(&mut value) {
        Some(api) => Ok(api),
        None => <openapiv3::OpenAPI as serde::Deserialize>::deserialize(&value)
            .or_else(|_| serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&value)),
    };
    let api = match api {
        Ok(api) => api,
        Err(e) => {
            for (pointer, message) in narrow(&value) {
                diagnostics.error_at(&pointer, syntax::redact(&message), None);
            }
            // Where serde lost the path, the narrowed errors say more.
            let unnarrowed = Error::Document {
                location: source.at(&pointer_of(e.path())),
                message: syntax::redact(&e.inner().to_string()),
                hint: None,
            };
            return Err(diagnostics.check_errors().err().unwrap_or(unnarrowed));
        }
    };
    let warnings = diagnostics.check()?;
    Ok(Document {
        source,
        api,
        json: value,
        files_read,
        warnings,
        extra_schemes,
    })
}

/// The document read by serde but for its schemas, which [`schemas`]
/// builds: by serde, they are most of the time of reading a document.
/// `None` when any part is refused, for serde to read the whole and say
/// where and why. `value` is left as it was.
fn read_with_schemas(value: &mut serde_json::Value) -> Option<openapiv3::OpenAPI> {
    let inline = schemas::take_inline(value)?;
    let components = value
        .get_mut("components")
        .and_then(|components| components.get_mut("schemas"))
        .filter(|schemas| schemas.is_object())
        .map(|slot| std::mem::replace(slot, serde_json::Value::Object(serde_json::Map::new())));
    let rest = <openapiv3::OpenAPI as serde::Deserialize>::deserialize(&*value);
    let built = components
        .as_ref()
        .and_then(serde_json::Value::as_object)
        .map(schemas::component_schemas);
    let built_inline: Result<Vec<_>, _> = inline.iter().map(schemas::inline_schema).collect();
    schemas::put_back(value, inline);
    if let Some(components) = components {
        if let Some(slot) = value
            .get_mut("components")
            .and_then(|c| c.get_mut("schemas"))
        {
            *slot = components;
        }
    }
    let mut api = rest.ok()?;
    if let Some(built) = built {
        api.components.as_mut()?.schemas = built.ok()?;
    }
    schemas::fill_inline(&mut api, built_inline.ok()?)?;
    Some(api)
}

/// The canonical folder references may name files in: `ref_root`, or the
/// folder of the document at `path`.
fn reference_root(path: &Path, ref_root: Option<&Path>) -> Result<PathBuf, Error> {
    match ref_root {
        Some(dir) => dir.canonicalize().map_err(|e| Error::InvalidOption {
            option: "reference root",
            message: format!("{} cannot be used: {e}", dir.display()),
        }),
        None => {
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            dir.canonicalize().map_err(|source| Error::Read {
                path: dir.to_owned(),
                source,
            })
        }
    }
}

const SUPPORTED: &str = "Swagger 2.0 and OpenAPI 3.0, 3.1 and 3.2 documents are supported";

fn check_version(value: &serde_json::Value, source: &Source) -> Result<Version, Error> {
    let at = |pointer: &str| source.at(pointer);
    let Some(object) = value.as_object() else {
        return Err(Error::Document {
            location: at(""),
            message: "the document is not an object".to_owned(),
            hint: Some("an OpenAPI document starts with `openapi: 3.0.x`".to_owned()),
        });
    };
    // `swagger: 2.0` unquoted in YAML is a number.
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if let (Some(swagger), None) = (object.get("swagger"), object.get("openapi")) {
        let version = text(swagger);
        return match version.as_str() {
            "2.0" => Ok(Version::Swagger2),
            _ => Err(Error::Document {
                location: at("/swagger"),
                message: format!("Swagger version {version} is not supported"),
                hint: Some(SUPPORTED.to_owned()),
            }),
        };
    }
    let Some(version) = object.get("openapi").map(text) else {
        return Err(Error::Document {
            location: at(""),
            message: "the document has no `openapi` version field".to_owned(),
            hint: Some("an OpenAPI document starts with `openapi: 3.0.x`".to_owned()),
        });
    };
    let is = |minor: &str| version == minor || version.starts_with(&format!("{minor}."));
    if is("3.0") {
        Ok(Version::OpenApi30)
    } else if is("3.1") || is("3.2") {
        Ok(Version::OpenApi31)
    } else {
        Err(Error::Document {
            location: at("/openapi"),
            message: format!("OpenAPI version {version} is not supported"),
            hint: Some(SUPPORTED.to_owned()),
        })
    }
}

/// Every problem in the maps whose entries serde cannot point into (paths
/// and components sit behind untagged enums and flattened maps, where a
/// deserialisation error loses its path): each entry is deserialised on its
/// own so the error names the entry and the place inside it.
fn narrow(value: &serde_json::Value) -> Vec<(String, String)> {
    fn check<T: serde::de::DeserializeOwned>(
        entries: Option<&serde_json::Value>,
        prefix: &str,
        problems: &mut Vec<(String, String)>,
    ) {
        let Some(entries) = entries.and_then(|v| v.as_object()) else {
            return;
        };
        for (key, entry) in entries {
            if key.starts_with("x-") || entry.get("$ref").is_some() {
                continue;
            }
            if let Err(e) = serde_path_to_error::deserialize::<_, T>(entry) {
                let pointer = format!("{prefix}/{}{}", pointer::escape(key), pointer_of(e.path()));
                problems.push((pointer, e.inner().to_string()));
            }
        }
    }
    let mut problems = Vec::new();
    check::<openapiv3::PathItem>(value.get("paths"), "/paths", &mut problems);
    let components = value.get("components");
    let part = |name: &str| components.and_then(|c| c.get(name));
    check::<openapiv3::Schema>(part("schemas"), "/components/schemas", &mut problems);
    check::<openapiv3::SecurityScheme>(
        part("securitySchemes"),
        "/components/securitySchemes",
        &mut problems,
    );
    check::<openapiv3::Parameter>(part("parameters"), "/components/parameters", &mut problems);
    check::<openapiv3::Response>(part("responses"), "/components/responses", &mut problems);
    check::<openapiv3::RequestBody>(
        part("requestBodies"),
        "/components/requestBodies",
        &mut problems,
    );
    problems
}

/// The JSON pointer of a deserialisation error's path.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&pointer::escape(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// Writes `text` to a file called `name` in a temporary directory and loads
/// it. Names must be unique across tests, which run in parallel.
#[cfg(test)]
fn load_text(name: &str, text: &str) -> Result<Document, Error> {
    let dir = std::env::temp_dir().join(format!("generator-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    load(&path, &[])
}

/// Loads `text` and returns the normalised document as JSON, for assertions
/// by pointer, with the loaded document.
#[cfg(test)]
fn load_json(name: &str, text: &str) -> (serde_json::Value, Document) {
    let document = load_text(name, text).unwrap_or_else(|e| panic!("{e}"));
    (serde_json::to_value(&document.api).unwrap(), document)
}

/// A media type without its parameters, lower-cased
/// (`Application/JSON; charset=utf-8` is `application/json`).
pub(crate) fn media_essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every document of the corpus beside the checkout (`../shared/corpus`)
    /// reads into the same `openapiv3` document whether its schemas are
    /// built by `schemas` or read by serde. Skipped with a message when the
    /// corpus is absent, except in CI (`CI=true`), where that fails.
    #[test]
    fn corpus_schemas_read_apart_are_read_as_serde_reads_them() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
        if !dir.is_dir() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{} not found: CI runs with ../shared beside the checkout",
                dir.display()
            );
            eprintln!("skipped: {} not found", dir.display());
            return;
        }
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                let extension = path.extension().and_then(|e| e.to_str());
                matches!(extension, Some("json" | "yaml" | "yml"))
            })
            .collect();
        paths.sort();
        assert!(paths.len() > 20, "{} documents", paths.len());
        for path in paths {
            let document = load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
            let read: openapiv3::OpenAPI = serde::Deserialize::deserialize(&document.json).unwrap();
            assert!(document.api == read, "{}", path.display());
        }
    }

    #[test]
    fn schemas_read_apart_are_read_as_serde_reads_them() {
        let schema = |n: u32| serde_json::json!({"type": "object", "properties": {"n": {"type": "integer", "maximum": n}}});
        let content = |n: u32| {
            serde_json::json!({"application/json": {
                "schema": schema(n),
                "encoding": {"n": {"headers": {"X-N": {"schema": schema(n + 1)}}}},
            }})
        };
        let operation = |n: u32| {
            serde_json::json!({
                "parameters": [
                    {"name": "a", "in": "query", "schema": schema(n)},
                    {"name": "b", "in": "query", "content": content(n + 10)},
                    {"$ref": "#/components/parameters/P"},
                ],
                "requestBody": {"content": content(n + 20)},
                "responses": {
                    "200": {"description": "ok", "headers": {"X-A": {"schema": schema(n + 30)}}, "content": content(n + 40)},
                    "default": {"$ref": "#/components/responses/R"},
                    "x-extension": {"description": "kept", "content": content(n + 50)},
                },
                "callbacks": {"hook": {"{$request.body#/url}": {"post": {
                    "requestBody": {"content": content(n + 60)},
                    "responses": {"200": {"description": "ok"}},
                }}}},
                "x-extension": {"schema": schema(n + 70)},
            })
        };
        let document = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/a": {"parameters": [{"name": "c", "in": "header", "schema": schema(1)}], "get": operation(100), "post": operation(200)},
                "x-extension": {"get": operation(300)},
            },
            "components": {
                "schemas": {"S": schema(2), "T": {"$ref": "#/components/schemas/S"}},
                "parameters": {"P": {"name": "p", "in": "path", "required": true, "schema": schema(3)}},
                "headers": {"H": {"schema": schema(4)}, "I": {"content": content(5)}},
                "responses": {"R": {"description": "r", "content": content(400)}},
                "requestBodies": {"B": {"content": content(500)}},
                "callbacks": {"C": {"{$url}": {"put": operation(600)}}},
            },
        });
        let mut value = document.clone();
        let api = read_with_schemas(&mut value).expect("read apart");
        assert_eq!(value, document, "the document is left as it was");
        let read = <openapiv3::OpenAPI as serde::Deserialize>::deserialize(&document).unwrap();
        assert!(api == read);
        assert_eq!(format!("{api:?}"), format!("{read:?}"));
        // A reference that could be taken for a stand-in: serde reads it.
        let mut clash = document.clone();
        clash["paths"]["/a"]["parameters"][0]["schema"] =
            serde_json::json!({"$ref": "\u{0}inline-schema/0"});
        let before = clash.clone();
        assert!(read_with_schemas(&mut clash).is_none());
        assert_eq!(clash, before);
        // A schema serde refuses: serde reads the whole, and says why.
        let mut refused = document.clone();
        refused["paths"]["/a"]["get"]["requestBody"]["content"]["application/json"]["schema"]
            ["maxLength"] = serde_json::json!("many");
        let before = refused.clone();
        assert!(read_with_schemas(&mut refused).is_none());
        assert_eq!(refused, before);
    }

    #[test]
    fn invalid_yaml_names_file_line_and_column() {
        let err = load_text("bad.yaml", "openapi: 3.0.3\ninfo: [unclosed\n").unwrap_err();
        let Error::Syntax { file, line, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(file.ends_with("bad.yaml"));
        assert!(*line >= 2, "{err}");
    }

    #[test]
    fn invalid_json_names_file_line_and_column() {
        let err =
            load_text("bad.json", "{\n  \"openapi\": \"3.0.3\",\n  \"info\": }\n").unwrap_err();
        let Error::Syntax { line, column, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!((*line, *column), (3, 11), "{err}");
    }

    #[test]
    fn structural_errors_name_the_pointer_and_line() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n      responses: 12\n";
        let err = load_text("structure.yaml", text).unwrap_err();
        let Error::Document { location, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(location.pointer, "/paths/~1pets/get/responses");
        assert_eq!(location.line, Some(6), "{err}");
    }

    #[test]
    fn every_broken_entry_is_reported() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 12\ncomponents:\n  securitySchemes:\n    broken: {type: oauth2}\n";
        let err = load_text("many.yaml", text).unwrap_err();
        let Error::Many(errors) = &err else {
            panic!("{err:?}")
        };
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            text[0].contains("many.yaml:6: at #/paths/~1a/get/responses"),
            "{err}"
        );
        assert!(
            text[1].contains("at #/components/securitySchemes/broken"),
            "{err}"
        );
        assert!(text[1].contains("flows"), "{err}");
    }

    #[test]
    fn unsupported_versions_are_named() {
        let err = load_text(
            "v.yaml",
            "openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("4.0.0"), "{err}");
        assert!(err.to_string().contains("v.yaml:1: at #/openapi"), "{err}");
    }

    #[test]
    fn known_versions_load_and_unknown_ones_are_refused() {
        let body = "info: {title: t, version: '1'}\npaths: {}\n";
        for (name, version) in [
            ("v30.yaml", "openapi: 3.0.3"),
            ("v31.yaml", "openapi: 3.1.0"),
            ("v32.yaml", "openapi: 3.2.0"),
            ("v20.yaml", "swagger: '2.0'"),
            ("v20n.yaml", "swagger: 2.0"),
        ] {
            let document = load_text(name, &format!("{version}\n{body}"))
                .unwrap_or_else(|e| panic!("{version}: {e}"));
            assert_eq!(document.api.openapi.get(..4), Some("3.0."), "{version}");
        }
        for (name, version, shown) in [
            ("v12.yaml", "swagger: '1.2'", "Swagger version 1.2"),
            ("v33.yaml", "openapi: 3.3.0", "OpenAPI version 3.3.0"),
            ("v3.yaml", "openapi: '3'", "OpenAPI version 3 "),
        ] {
            let err = load_text(name, &format!("{version}\n{body}")).unwrap_err();
            assert!(err.to_string().contains(shown), "{err}");
        }
    }

    fn overlay_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("generator-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn overlays_apply_in_order_before_conversion() {
        let spec = overlay_file(
            "overlaid-2.0.yaml",
            "swagger: '2.0'\ninfo: {title: t, version: '1'}\nhost: api.example.com\npaths: {}\n",
        );
        // Targets name the 2.0 layout: the overlay sees the file as written.
        let first = overlay_file(
            "first.yaml",
            "overlay: 1.0.0\ninfo: {title: add, version: '1'}\nactions:\n  - target: $\n    update:\n      securityDefinitions:\n        oauth: {type: oauth2, flow: application, tokenUrl: 'https://old.example.com/token', scopes: {}}\n      security: [{oauth: []}]\n",
        );
        let second = overlay_file(
            "second.yaml",
            "overlay: 1.0.0\ninfo: {title: fix, version: '1'}\nactions:\n  - target: $.securityDefinitions.oauth.tokenUrl\n    update: https://auth.example.com/token\n",
        );
        let document =
            load(&spec, &[first.clone(), second.clone()]).unwrap_or_else(|e| panic!("{e}"));
        let api = serde_json::to_value(&document.api).unwrap();
        assert_eq!(
            api["components"]["securitySchemes"]["oauth"]["flows"]["clientCredentials"]["tokenUrl"],
            "https://auth.example.com/token"
        );
        assert_eq!(api["security"], serde_json::json!([{"oauth": []}]));
        assert_eq!(
            document.files_read,
            [spec.clone(), first.clone(), second.clone()]
        );
        // In the other order the second overlay's target does not exist yet.
        let err = load(&spec, &[second, first]).unwrap_err();
        assert!(err.to_string().contains("second.yaml:4: at #/actions/0/target: action 0: target `$.securityDefinitions.oauth.tokenUrl` matches nothing in overlaid-2.0.yaml"), "{err}");
    }

    #[test]
    fn the_models_warnings_carry_lines_in_the_layout_as_written() {
        for (name, text, pointer, line) in [
            (
                "model-lines.yaml",
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses: {'200': {description: ok}}\n",
                "/paths/~1a~1{id}/get",
                5,
            ),
            (
                "model-lines-2.0.yaml",
                "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\ndefinitions:\n  Both:\n    allOf: [{type: string}, {type: integer}]\n",
                "/definitions/Both",
                5,
            ),
        ] {
            let document = load_text(name, text).unwrap_or_else(|e| panic!("{e}"));
            let api = crate::model::build(&document).unwrap();
            let warning = api
                .warnings
                .iter()
                .find(|w| w.location.pointer.starts_with(pointer))
                .unwrap_or_else(|| panic!("{name}: {:?}", api.warnings));
            assert_eq!(warning.location.line, Some(line), "{warning}");
        }
    }

    #[test]
    fn loader_warnings_reach_the_model() {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n    Pair: {type: array, items: [{type: string}, {type: integer}]}\n";
        let document = load_text("warnings.yaml", text).unwrap();
        assert_eq!(document.warnings.len(), 1);
        let api = crate::model::build(&document).unwrap();
        assert!(
            api.warnings
                .iter()
                .any(|w| w.location.pointer == "/components/schemas/Pair/items"),
            "{:?}",
            api.warnings
        );
    }
}
