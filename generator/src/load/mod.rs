//! Reading a document: YAML or JSON into one normalised
//! [`openapiv3::OpenAPI`]. Nothing after this step knows how the file was
//! written.

mod syntax;

use std::path::{Path, PathBuf};

use crate::error::{escape_pointer_token, Error, Location};

/// A loaded document.
#[derive(Debug)]
pub(crate) struct Document {
    /// The document as given on the command line or to the builder.
    pub(crate) file: PathBuf,
    /// The parsed, normalised document.
    pub(crate) api: openapiv3::OpenAPI,
    /// Every file read.
    pub(crate) files_read: Vec<PathBuf>,
}

impl Document {
    /// A location in this document.
    pub(crate) fn at(&self, pointer: impl Into<String>) -> Location {
        Location {
            file: self.file.clone(),
            pointer: pointer.into(),
            line: None,
        }
    }

    /// The file name, for the `@generated` header.
    pub(crate) fn file_name(&self) -> String {
        self.file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Reads and parses the document at `path`.
pub(crate) fn load(path: &Path) -> Result<Document, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let value = syntax::parse(&text).map_err(|e| Error::Syntax {
        file: path.to_owned(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    let at = |pointer: &str| Location {
        file: path.to_owned(),
        pointer: pointer.to_owned(),
        line: syntax::line_of(&text, pointer),
    };
    check_version(&value, &at)?;
    let api = serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&value).map_err(|e| {
        let problems = narrow(&value);
        let mut errors: Vec<Error> = problems
            .into_iter()
            .map(|(pointer, message)| Error::Document {
                location: at(&pointer),
                message,
                hint: None,
            })
            .collect();
        match errors.len() {
            0 => Error::Document {
                location: at(&pointer_of(e.path())),
                message: e.inner().to_string(),
                hint: None,
            },
            1 => errors.remove(0),
            _ => Error::Many(errors),
        }
    })?;
    Ok(Document {
        file: path.to_owned(),
        api,
        files_read: vec![path.to_owned()],
    })
}

fn check_version(value: &serde_json::Value, at: &dyn Fn(&str) -> Location) -> Result<(), Error> {
    let Some(object) = value.as_object() else {
        return Err(Error::Document {
            location: at(""),
            message: "the document is not an object".to_owned(),
            hint: Some("an OpenAPI document starts with `openapi: 3.0.x`".to_owned()),
        });
    };
    if let Some(swagger) = object.get("swagger") {
        return Err(Error::Document {
            location: at("/swagger"),
            message: format!("Swagger {swagger} documents are not supported yet"),
            hint: Some("convert the document to OpenAPI 3.0 first".to_owned()),
        });
    }
    match object.get("openapi").and_then(|v| v.as_str()) {
        Some(version) if version.starts_with("3.0.") => Ok(()),
        Some(version) => Err(Error::Document {
            location: at("/openapi"),
            message: format!("OpenAPI version {version} is not supported yet"),
            hint: Some("OpenAPI 3.0.x documents are supported".to_owned()),
        }),
        None => Err(Error::Document {
            location: at(""),
            message: "the document has no `openapi` version field".to_owned(),
            hint: Some("an OpenAPI document starts with `openapi: 3.0.x`".to_owned()),
        }),
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
                let pointer = format!(
                    "{prefix}/{}{}",
                    escape_pointer_token(key),
                    pointer_of(e.path())
                );
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
                pointer.push_str(&escape_pointer_token(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(name: &str, text: &str) -> Result<Document, Error> {
        let dir = std::env::temp_dir().join(format!("generator-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        load(&path)
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
}
