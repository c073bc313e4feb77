//! `generator`: the command line over the library. Every option is defined
//! once, in [`generator::Options`]. `call` (in `call/`) is the one command
//! that talks to servers: through the runtime, never from the library.

mod call;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use generator::{InspectFormat, Options, RuntimeDependency};

/// Generates typed Rust clients, authentication included, from OpenAPI
/// documents.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes the client as one Rust module.
    Generate {
        #[command(flatten)]
        options: Options,
        /// The file to write; standard output when absent.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Writes a standalone crate holding the client.
    Crate {
        #[command(flatten)]
        options: Options,
        /// The crate's directory.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// The package name; by default the document's file name.
        #[arg(long)]
        name: Option<String>,
        /// The `runtime` dependency's path; by default the runtime this
        /// generator was built with, when it is still there.
        #[arg(long, value_name = "DIR", group = "runtime")]
        runtime_path: Option<PathBuf>,
        /// The `runtime` dependency as a version requirement from a
        /// registry (`0.1`), instead of a path.
        #[arg(long, value_name = "VERSION", group = "runtime")]
        runtime_version: Option<String>,
        /// The `runtime` dependency as a TOML value on one line, written as
        /// is: `{ git = "https://…", tag = "v0.1.0" }`.
        #[arg(long, value_name = "TOML", group = "runtime")]
        runtime_dependency: Option<String>,
    },
    /// Prints the security inferred from the document: schemes, flows, URLs
    /// and scopes, and what each operation needs.
    Inspect {
        #[command(flatten)]
        options: Options,
        /// Text for people, JSON for tools.
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
    /// Calls one operation and shows every exchange (token request and
    /// response, API request and response), secrets redacted. Credentials
    /// come from the environment variables `inspect` lists. Exits 0 when
    /// the API answered 2xx, 1 when it answered otherwise or no token could
    /// be had, 2 for a bad document or bad arguments.
    Call(call::CallArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let command = match cli.command {
        Command::Call(args) => return ExitCode::from(call::run(args)),
        command => command,
    };
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The reason on one line, with its causes.
            let mut message = format!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<(), generator::Error> {
    match command {
        Command::Generate { options, output } => {
            let generated = generate(&options)?;
            match output {
                Some(path) => generator::write_if_changed(&path, generated.code.as_bytes()),
                None => print_stdout(&generated.code),
            }
        }
        Command::Crate {
            options,
            output,
            name,
            runtime_path,
            runtime_version,
            runtime_dependency,
        } => {
            let runtime = match (runtime_version, runtime_dependency, runtime_path) {
                (Some(version), _, _) => RuntimeDependency::Version(version),
                (None, Some(spec), _) => RuntimeDependency::Spec(spec),
                (None, None, path) => {
                    let path = path.unwrap_or_else(|| {
                        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtime")
                    });
                    let path = path
                        .canonicalize()
                        .map_err(|source| generator::Error::Read {
                            path: path.clone(),
                            source,
                        })?;
                    RuntimeDependency::Path(path)
                }
            };
            let generated = generate(&options)?;
            let name = name.unwrap_or_else(|| {
                generator::default_file_name(&options.spec)
                    .trim_end_matches(".rs")
                    .to_owned()
            });
            generator::write_crate_output(&output, &name, &runtime, &generated)
        }
        Command::Inspect { options, format } => {
            print_stdout(&generator::inspect(&options, format)?)
        }
        // Run by `main`, with exit statuses of its own.
        Command::Call(args) => {
            let status = call::run(args);
            if status != 0 {
                std::process::exit(i32::from(status));
            }
            Ok(())
        }
    }
}

/// Prints to standard output; a reader that went away (`| head`) is not an
/// error.
fn print_stdout(text: &str) -> Result<(), generator::Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(generator::Error::Write {
                path: PathBuf::from("<stdout>"),
                source: error,
            })
        }
        _ => Ok(()),
    }
}

fn generate(options: &Options) -> Result<generator::Output, generator::Error> {
    let output = generator::generate(options)?;
    for warning in &output.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(output)
}
