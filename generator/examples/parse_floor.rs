//! The parse floor of the generation benchmark (`benches/run`): reads an
//! OpenAPI document in JSON and parses it into a `serde_json::Value`, with
//! the workspace's `serde_json` features (`preserve_order`), and does
//! nothing else. No generator can be faster than this on the same input, so
//! `generator generate` is reported as a multiple of it.
//!
//! ```sh
//! cargo run --release -p generator --example parse_floor -- doc.json
//! ```
//!
//! With `--time`, prints the seconds spent reading and parsing (without
//! process start-up) on standard error.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut time = false;
    let mut path = None;
    for argument in std::env::args().skip(1) {
        match argument.as_str() {
            "--time" => time = true,
            _ if path.is_none() => path = Some(argument),
            _ => {
                eprintln!("usage: parse_floor [--time] <DOC.json>");
                return ExitCode::from(2);
            }
        }
    }
    let Some(path) = path else {
        eprintln!("usage: parse_floor [--time] <DOC.json>");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("error: {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(error) => {
            eprintln!("error: {path}: {error}");
            return ExitCode::from(2);
        }
    };
    std::hint::black_box(&value);
    if time {
        eprintln!("{:.6}", started.elapsed().as_secs_f64());
    }
    // The process exit frees it: dropping the tree is not parsing.
    std::mem::forget(value);
    ExitCode::SUCCESS
}
