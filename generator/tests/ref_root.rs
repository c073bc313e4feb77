//! The folder `$ref`s may read: the document's by default, wider with
//! `--ref-root` on the command line and `Generator::ref_root` in a build
//! script.

use std::path::PathBuf;
use std::process::Command;

/// A document in `specs/` that refers to a path item in `shared/`, beside
/// it; returns the scratch directory holding both.
fn layout(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("generator-ref-root-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::write(
        dir.join("specs/api.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /things:\n    $ref: '../shared/things.yaml'\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("shared/things.yaml"),
        "get:\n  operationId: listThings\n  responses:\n    '200': {description: ok}\n",
    )
    .unwrap();
    dir
}

#[test]
fn the_command_line_widens_the_folder_with_ref_root() {
    let dir = layout("cli");
    let spec = dir.join("specs/api.yaml");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_generator"))
            .arg("generate")
            .arg(&spec)
            .args(extra)
            .output()
            .expect("the generator binary runs")
    };
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(
        stderr.contains("api.yaml:4: at #/paths/~1things: `$ref: ../shared/things.yaml` names"),
        "{stderr}"
    );
    assert!(stderr.contains("--ref-root DIR"), "{stderr}");

    let allowed = run(&["--ref-root", dir.to_str().unwrap()]);
    let stderr = String::from_utf8(allowed.stderr).unwrap();
    assert!(allowed.status.success(), "{stderr}");
    let code = String::from_utf8(allowed.stdout).unwrap();
    assert!(code.contains("pub fn list_things(&self)"), "{code}");
}

#[test]
fn the_builder_widens_the_folder_with_ref_root() {
    let dir = layout("builder");
    let spec = dir.join("specs/api.yaml");
    let refused = generator::Generator::new()
        .spec(&spec)
        .out_dir(dir.join("out"))
        .generate()
        .unwrap_err();
    assert!(refused.to_string().contains("outside"), "{refused}");

    let (written, output) = generator::Generator::new()
        .spec(&spec)
        .ref_root(&dir)
        .out_dir(dir.join("out"))
        .generate_output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(output.code.contains("pub fn list_things(&self)"));
    assert_eq!(output.files_read, [spec, dir.join("shared/things.yaml")]);
    assert!(written.exists());
}
