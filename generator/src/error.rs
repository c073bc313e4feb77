//! The generator's one error type.

use std::fmt;
use std::path::PathBuf;

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The document is not valid YAML or JSON.
    #[error("{}:{line}:{column}: {message}", .file.display())]
    Syntax {
        /// The document.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The document parses but cannot be used.
    #[error("{location}: {message}{}", hint_suffix(.hint))]
    Document {
        /// Where in which file.
        location: Location,
        /// What is wrong.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// Several problems, all reported at once.
    #[error("{} problems:\n{}", .0.len(), list(.0))]
    Many(Vec<Error>),
    /// An option has a value the generator cannot use.
    #[error("invalid {option}: {message}")]
    InvalidOption {
        /// Which option.
        option: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The build script environment lacks `OUT_DIR`.
    #[error(
        "OUT_DIR is not set; call the generator from a build script or set `Generator::out_dir`"
    )]
    OutDir,
    /// No document was given to the generator.
    #[error("no OpenAPI document given; call `Generator::spec`")]
    NoSpec,
    /// The generator produced code it cannot format: a bug in the generator.
    #[error("internal error: the generated code does not parse ({0}); please report this with the document")]
    Internal(String),
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|hint| format!(" (hint: {hint})"))
        .unwrap_or_default()
}

fn list(errors: &[Error]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    lines.join("\n")
}

/// A place in a document: the file, the JSON pointer of the node, and its
/// line when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The document.
    pub file: PathBuf,
    /// A JSON pointer (RFC 6901) to the node; empty for the whole document.
    pub pointer: String,
    /// 1-based line of the node, when known.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, ": at #{pointer}")
    }
}

/// Something in the document the generator worked around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// What was wrong and what the generator did.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}
