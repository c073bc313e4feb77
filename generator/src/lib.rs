//! Generates typed Rust clients from OpenAPI documents, with authentication
//! inferred from the document's security schemes.
//!
//! From a build script, in the style of `prost-build`:
//!
//! ```no_run
//! // build.rs, in `fn main`: writes $OUT_DIR/petstore.rs and prints
//! // `cargo:rerun-if-changed` for the document.
//! if let Err(error) = generator::Generator::new()
//!     .spec("openapi/petstore.yaml")
//!     .generate()
//! {
//!     eprintln!("error: {error}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs
//! mod petstore {
//!     include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
//! }
//!
//! let client = petstore::Client::builder()
//!     .auth(petstore::auth::Oauth::client_credentials(id, secret))
//!     .build()?;
//! let pets = client.list_pets().limit(10).send().await?;
//! ```
//!
//! The generated module depends only on the `runtime` crate, reached through
//! `::runtime::__private_v0_1`, named after the version, so the `runtime` of
//! the generator's own version must be used (see [`Options::runtime_crate`]).
//!
//! Generation is a one-way pipeline: [`load`](crate::load) reads the
//! document, `model` decides every type, name and security requirement, and
//! `emit` turns the model into tokens that prettyplease formats.

mod diagnostics;
mod emit;
mod error;
mod inspect;
mod load;
mod model;
pub mod plan;
mod pointer;

use std::path::{Path, PathBuf};

pub use error::{Error, Location, Warning};
pub use inspect::InspectFormat;

/// Options shared by the [`Generator`] builder and the command line.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Options {
    /// The OpenAPI document (YAML or JSON).
    #[cfg_attr(feature = "cli", arg(value_name = "SPEC"))]
    pub spec: PathBuf,
    /// The path of the runtime crate in generated code.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "PATH", default_value = DEFAULT_RUNTIME_CRATE)
    )]
    pub runtime_crate: String,
    /// OpenAPI Overlay 1.0 documents applied, in order, to the document as
    /// written: how to add a security scheme or a token URL to a vendor's
    /// document without editing it.
    #[cfg_attr(feature = "cli", arg(long = "overlay", value_name = "FILE"))]
    pub overlays: Vec<PathBuf>,
    /// The folder `$ref`s may read files in, with its subfolders; by
    /// default the document's folder. A reference leading elsewhere (`..`,
    /// an absolute path, a symbolic link) is refused.
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub ref_root: Option<PathBuf>,
    /// Only the operations with one of these tags, and the types they use.
    /// Tags, operations and paths add up: an operation matching any of them
    /// is kept; one matching no operation is an error.
    #[cfg_attr(feature = "cli", arg(long, value_name = "TAG", value_delimiter = ','))]
    pub tags: Vec<String>,
    /// Only these operations, and the types they use: `operationId`s as
    /// written (`repos/get`) or generated method names (`repos_get`).
    #[cfg_attr(feature = "cli", arg(long, value_name = "ID", value_delimiter = ','))]
    pub operations: Vec<String>,
    /// Only the operations under these path prefixes, and the types they
    /// use, matched a whole segment at a time: `/repos` selects
    /// `/repos/{owner}/{repo}`, not `/repositories`.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "PREFIX", value_delimiter = ',')
    )]
    pub paths: Vec<String>,
    /// Puts each tag's operations behind a cargo feature (`tag-repos`),
    /// and each type behind the features of the operations that use it,
    /// so that a crate compiles only the tags enabled (`full` enables
    /// all). In `crate` mode the manifest declares them; a module needs
    /// the including crate to declare [`Output::features`].
    #[cfg_attr(feature = "cli", arg(long))]
    pub features_per_tag: bool,
}

const DEFAULT_RUNTIME_CRATE: &str = "::runtime";

impl Options {
    /// Options for `spec` with every default.
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        Options {
            spec: spec.into(),
            runtime_crate: DEFAULT_RUNTIME_CRATE.to_owned(),
            overlays: Vec::new(),
            ref_root: None,
            tags: Vec::new(),
            operations: Vec::new(),
            paths: Vec::new(),
            features_per_tag: false,
        }
    }

    /// The operations to generate, for the model.
    fn selection(&self) -> model::Selection {
        model::Selection {
            tags: self.tags.clone(),
            operations: self.operations.clone(),
            paths: self.paths.clone(),
        }
    }
}

/// What one generation produced.
#[derive(Debug, Clone)]
pub struct Output {
    /// The formatted module, starting with an `@generated` header.
    pub code: String,
    /// The crate-level documentation (`//!` lines) for a crate whose
    /// `lib.rs` is [`code`](Self::code): what [`write_crate_output`] puts
    /// after the header. A module `include!`d from a build script's output
    /// cannot have inner documentation; its `Client` has the same example.
    pub crate_doc: String,
    /// Every file read, for `cargo:rerun-if-changed`.
    pub files_read: Vec<PathBuf>,
    /// What the generator worked around in the document.
    pub warnings: Vec<Warning>,
    /// The JSON examples the document gives (of component schemas, and of
    /// JSON request and response bodies), each with the generated type it
    /// should deserialise into: material for round-trip tests.
    pub examples: Vec<Example>,
    /// With [`Options::features_per_tag`], the cargo feature of each tag,
    /// by feature name; empty otherwise, or when no operation has a tag.
    /// Besides them, code is conditional on `full`, which must enable
    /// them all.
    pub features: Vec<TagFeature>,
}

/// The cargo feature a tag's operations are compiled under.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TagFeature {
    /// The feature: `tag-` and the tag in lower case, with `-` for runs of
    /// other characters than ASCII letters and digits (`tag-git-data`).
    pub name: String,
    /// The tag as the document writes it.
    pub tag: String,
}

/// A JSON example from the document.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Example {
    /// Where the example is, as a JSON pointer into the document
    /// (`/components/schemas/Pet/example`).
    pub pointer: String,
    /// The generated type it is an example of, as a path from the generated
    /// module's root (`types::Pet`, `::std::vec::Vec<types::Pet>`).
    pub rust_type: String,
    /// The example.
    pub json: serde_json::Value,
}

/// Generates the client module for `options`.
pub fn generate(options: &Options) -> Result<Output, Error> {
    let mut document = load::load_within(
        &options.spec,
        &options.overlays,
        options.ref_root.as_deref(),
    )?;
    let mut api = model::build_selected(&document, &options.selection())?;
    if options.features_per_tag {
        model::tag_features(&document, &mut api);
    }
    let files_read = std::mem::take(&mut document.files_read);
    // Nothing after the model reads the document (twice over, as JSON and
    // as `openapiv3`). Freed before emitting rather than after, the
    // emitter reuses its memory: lower peak memory, and faster than
    // freeing it after or on a thread of its own, which slows the emitter
    // using both cores.
    drop(document);
    let code = emit::emit(&api, &options.runtime_crate)?;
    let examples = emit::examples(&api, &options.runtime_crate)?;
    let crate_doc = emit::crate_doc(&api, &options.runtime_crate)?;
    let features = api.features.as_ref().map_or_else(Vec::new, |features| {
        features
            .tags
            .iter()
            .map(|feature| TagFeature {
                name: feature.name.clone(),
                tag: feature.tag.clone(),
            })
            .collect()
    });
    Ok(Output {
        code,
        crate_doc,
        files_read,
        warnings: api.warnings,
        examples,
        features,
    })
}

/// Describes the security the generator infers from the document of
/// `options` (its overlays applied): per scheme its flows, URLs and scopes,
/// and per operation the requirement alternatives.
pub fn inspect(options: &Options, format: InspectFormat) -> Result<String, Error> {
    let document = load::load_within(
        &options.spec,
        &options.overlays,
        options.ref_root.as_deref(),
    )?;
    let api = model::build_selected(&document, &options.selection())?;
    Ok(inspect::render(&api, format))
}

/// Generates a client from a build script, into `OUT_DIR`.
#[derive(Debug, Clone, Default)]
pub struct Generator {
    spec: Option<PathBuf>,
    overlays: Vec<PathBuf>,
    ref_root: Option<PathBuf>,
    runtime_crate: Option<String>,
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    tags: Vec<String>,
    operations: Vec<String>,
    paths: Vec<String>,
    features_per_tag: bool,
}

impl Generator {
    /// A generator with default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// The OpenAPI document, relative to the crate's directory.
    pub fn spec(mut self, path: impl Into<PathBuf>) -> Self {
        self.spec = Some(path.into());
        self
    }

    /// An OpenAPI Overlay 1.0 document to apply to the document before it
    /// is read, relative to the crate's directory. Overlays apply in the
    /// order they are added.
    pub fn overlay(mut self, path: impl Into<PathBuf>) -> Self {
        self.overlays.push(path.into());
        self
    }

    /// The folder `$ref`s may read files in, with its subfolders, relative
    /// to the crate's directory; by default the document's folder.
    pub fn ref_root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.ref_root = Some(dir.into());
        self
    }

    /// The path of the runtime crate in generated code; `::runtime` by
    /// default. Set it when the runtime is renamed in `Cargo.toml` or
    /// re-exported by another crate.
    pub fn runtime_crate(mut self, path: impl Into<String>) -> Self {
        self.runtime_crate = Some(path.into());
        self
    }

    /// Generates only the operations with one of these tags, and the
    /// types they use: a client of a large API then compiles in proportion
    /// to what is called. Selectors (tags, operations, paths) add up: an
    /// operation matching any of them is kept. A tag no operation has is an
    /// error naming it.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Generates only these operations (and those other selectors keep):
    /// each an `operationId` as written (`repos/get`) or a generated
    /// method name (`repos_get`).
    pub fn operations<S: Into<String>>(mut self, operations: impl IntoIterator<Item = S>) -> Self {
        self.operations
            .extend(operations.into_iter().map(Into::into));
        self
    }

    /// Generates only the operations under these path prefixes (and those
    /// other selectors keep), matched a whole segment at a time: `/repos`
    /// selects `/repos/{owner}/{repo}`, not `/repositories`.
    pub fn paths<S: Into<String>>(mut self, prefixes: impl IntoIterator<Item = S>) -> Self {
        self.paths.extend(prefixes.into_iter().map(Into::into));
        self
    }

    /// Puts each tag's operations, and the types only they use, behind a
    /// cargo feature (`tag-repos`; see [`Options::features_per_tag`]):
    /// the crate including the module declares them, and `full`, in its
    /// `Cargo.toml` ([`Output::features`] lists them).
    pub fn features_per_tag(mut self, enabled: bool) -> Self {
        self.features_per_tag = enabled;
        self
    }

    /// Where to write; `OUT_DIR` by default.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The file name to write; by default the document's name with `.rs`
    /// (`petstore.yaml` gives `petstore.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Generates the module, writes it (only when its bytes change), prints
    /// `cargo:rerun-if-changed` for every file read and `cargo:warning` for
    /// every warning, and returns the path written.
    pub fn generate(self) -> Result<PathBuf, Error> {
        self.generate_output().map(|(path, _)| path)
    }

    /// Like [`generate`](Self::generate), and returns what was generated
    /// too: the code, the warnings and the document's JSON examples.
    pub fn generate_output(self) -> Result<(PathBuf, Output), Error> {
        let spec = self.spec.ok_or(Error::NoSpec)?;
        let mut options = Options::new(&spec);
        options.overlays = self.overlays;
        options.ref_root = self.ref_root;
        options.tags = self.tags;
        options.operations = self.operations;
        options.paths = self.paths;
        options.features_per_tag = self.features_per_tag;
        if let Some(runtime_crate) = self.runtime_crate {
            options.runtime_crate = runtime_crate;
        }
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::OutDir)?,
        };
        let file_name = self.file_name.unwrap_or_else(|| default_file_name(&spec));
        // Report inputs first, so a failed generation is retried when they change.
        println!("cargo:rerun-if-changed={}", spec.display());
        for overlay in &options.overlays {
            println!("cargo:rerun-if-changed={}", overlay.display());
        }
        let output = generate(&options)?;
        for file in &output.files_read {
            if file != &spec && !options.overlays.contains(file) {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
        for warning in &output.warnings {
            println!("cargo:warning={warning}");
        }
        let path = out_dir.join(file_name);
        write_if_changed(&path, output.code.as_bytes())?;
        Ok((path, output))
    }
}

/// The document's file name with its extension replaced by `.rs`.
pub fn default_file_name(spec: &Path) -> String {
    let stem = spec
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "openapi".to_owned());
    format!("{stem}.rs")
}

/// Writes `bytes` to `path` unless it already holds them, so that unchanged
/// output does not trigger recompilation.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: parent.to_owned(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

const CRATE_MANIFEST: &str = include_str!("../templates/crate/Cargo.toml.in");
const CRATE_README: &str = include_str!("../templates/crate/README.md");

/// How a crate written by [`write_crate_output`] depends on the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeDependency {
    /// The runtime's source folder: `runtime = { path = "…" }`.
    Path(PathBuf),
    /// A version requirement from a registry: `runtime = "0.1"`.
    Version(String),
    /// Any dependency specification, as the TOML value of `runtime = …`
    /// on one line: `{ git = "https://…", tag = "v0.1.0" }`, or
    /// `{ version = "0.1", package = "…" }` for a runtime published under
    /// another name (then generate with `runtime_crate` set to match).
    Spec(String),
}

impl RuntimeDependency {
    /// The TOML value after `runtime = `.
    fn toml(&self) -> Result<String, Error> {
        match self {
            RuntimeDependency::Path(path) => Ok(format!(
                "{{ path = {} }}",
                toml_string(&path.to_string_lossy())
            )),
            RuntimeDependency::Version(version) => Ok(toml_string(version)),
            RuntimeDependency::Spec(spec)
                if !spec.trim().is_empty() && !spec.contains(['\n', '\r']) =>
            {
                Ok(spec.trim().to_owned())
            }
            RuntimeDependency::Spec(spec) => Err(Error::InvalidOption {
                option: "runtime dependency",
                message: format!("`{spec}` is not a dependency specification on one line"),
            }),
        }
    }
}

/// Writes a standalone crate at `dir` depending on the runtime at
/// `runtime_path`, with `code` as its `lib.rs` and no crate-level
/// documentation; [`write_crate_output`] writes it with its documentation
/// and any [`RuntimeDependency`].
pub fn write_crate(dir: &Path, name: &str, runtime_path: &Path, code: &str) -> Result<(), Error> {
    let runtime = RuntimeDependency::Path(runtime_path.to_owned());
    write_crate_files(dir, name, &runtime, "", code, &[])
}

/// Writes a standalone crate at `dir`: `Cargo.toml` and `README.md` from
/// `generator/templates/crate/`, depending on the runtime as `runtime`
/// says, and `src/lib.rs` holding the generated code after its
/// crate-level documentation.
pub fn write_crate_output(
    dir: &Path,
    name: &str,
    runtime: &RuntimeDependency,
    output: &Output,
) -> Result<(), Error> {
    write_crate_files(
        dir,
        name,
        runtime,
        &output.crate_doc,
        &output.code,
        &output.features,
    )
}

fn write_crate_files(
    dir: &Path,
    name: &str,
    runtime: &RuntimeDependency,
    crate_doc: &str,
    code: &str,
    features: &[TagFeature],
) -> Result<(), Error> {
    let package = package_name(name)?;
    // Regenerating without the flag would drop the features.
    let features_flag = if features.is_empty() {
        ""
    } else {
        " --features-per-tag"
    };
    let features = features_toml(features);
    // The `@generated` line names the document.
    let (header, body) = code.split_once('\n').unwrap_or((code, ""));
    let source = header
        .split(" from ")
        .nth(1)
        .map(|rest| rest.trim_end_matches(". Do not edit by hand."))
        .unwrap_or("an OpenAPI document");
    let runtime = runtime.toml()?;
    let fill = |template: &str| {
        template
            .replace("{name}", &package)
            .replace("{source}", source)
            .replace("{runtime}", &runtime)
            .replace("{features}", &features)
            .replace("{features_flag}", features_flag)
    };
    let lib = if crate_doc.is_empty() {
        code.to_owned()
    } else {
        format!("{header}\n\n{crate_doc}{body}")
    };
    write_if_changed(&dir.join("Cargo.toml"), fill(CRATE_MANIFEST).as_bytes())?;
    write_if_changed(&dir.join("README.md"), fill(CRATE_README).as_bytes())?;
    write_if_changed(&dir.join("src").join("lib.rs"), lib.as_bytes())
}

/// The `[features]` table of a crate with per-tag features, and the
/// docs.rs settings documenting them all; empty without features. As in
/// `async-stripe`, no tag is a default: a user names the tags they call,
/// and compiles only those; `full` enables every one.
fn features_toml(features: &[TagFeature]) -> String {
    if features.is_empty() {
        return String::new();
    }
    let names: Vec<String> = features
        .iter()
        .map(|feature| toml_string(&feature.name))
        .collect();
    let mut toml = format!(
        "\n[features]\ndefault = []\n# Every tag's operations.\n{} = [\n{}]\n",
        model::FULL_FEATURE,
        names
            .iter()
            .map(|name| format!("    {name},\n"))
            .collect::<String>()
    );
    for feature in features {
        // The tag on a comment line of its own, whatever it holds; the
        // name is a bare key (letters, digits and `-`).
        let tag: String = feature.tag.chars().filter(|c| !c.is_control()).collect();
        let name = &feature.name;
        toml.push_str(&format!("# The operations tagged `{tag}`.\n{name} = []\n"));
    }
    toml.push_str(&format!(
        "\n[package.metadata.docs.rs]\nfeatures = [{}]\n",
        toml_string(model::FULL_FEATURE)
    ));
    toml
}

/// A Cargo package name from `name`: ASCII letters, digits, `-` and `_`.
fn package_name(name: &str) -> Result<String, Error> {
    let package: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let package = package.trim_matches('-').to_ascii_lowercase();
    if package.is_empty() || package.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(Error::InvalidOption {
            option: "crate name",
            message: format!("`{name}` cannot be made a package name; pass `--name`"),
        });
    }
    Ok(package)
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::from('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{write_crate_output, Options, RuntimeDependency};

    /// The runtime dependency is written as each option says; a
    /// specification over several lines, which could add TOML tables, is
    /// refused.
    #[test]
    fn runtime_dependencies_become_toml_values() {
        let path = RuntimeDependency::Path("/opt/r\"t".into());
        assert_eq!(path.toml().unwrap(), r#"{ path = "/opt/r\"t" }"#);
        let version = RuntimeDependency::Version("0.1".to_owned());
        assert_eq!(version.toml().unwrap(), r#""0.1""#);
        let spec = RuntimeDependency::Spec(r#" { git = "https://h/r" } "#.to_owned());
        assert_eq!(spec.toml().unwrap(), r#"{ git = "https://h/r" }"#);
        let injected = RuntimeDependency::Spec("\"0.1\"\n[build-dependencies]".to_owned());
        assert!(injected.toml().is_err());
    }

    /// A written crate's `lib.rs` has the crate-level documentation after
    /// the `@generated` line, with the example as a `text` block (no
    /// doctest for the consumer), and its manifest the dependency asked for.
    #[test]
    fn a_crate_is_documented_and_depends_on_the_runtime_as_asked() {
        let spec = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/petstore/openapi/petstore.yaml"
        );
        let output = super::generate(&Options::new(spec)).unwrap();
        let dir = std::env::temp_dir().join(format!("write-crate-{}", std::process::id()));
        let runtime = RuntimeDependency::Version("0.1".to_owned());
        write_crate_output(&dir, "Pet Store", &runtime, &output).unwrap();
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(lib.starts_with(
            "// @generated by generator from petstore.yaml. Do not edit by hand.\n\n//! A client for Petstore 1.0.0, generated from `petstore.yaml`.\n"
        ), "{lib}");
        assert!(lib.contains("//! ```text\n//! let client = Client::builder()\n//!     .auth(auth::PetstoreAuth::client_credentials(client_id, client_secret))\n"), "{lib}");
        assert_eq!(lib.matches("//! ```").count(), 2, "one text block: {lib}");
        assert!(lib.ends_with(&output.code[output.code.find("\n\n").unwrap()..]));
        syn::parse_file(&lib).unwrap();
        assert!(manifest.contains("name = \"pet-store\""), "{manifest}");
        assert!(manifest.contains("\nruntime = \"0.1\"\n"), "{manifest}");
        assert!(
            readme.contains(
                "generator crate path/to/petstore.yaml -o path/to/this/crate --name pet-store"
            ),
            "{readme}"
        );
    }
}
