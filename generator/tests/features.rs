//! Per-tag cargo features (`generator crate --features-per-tag`): the
//! written crate declares a feature per tag, compiles with none, one or
//! all of them, and with one feature has that tag's methods and types and
//! not another's, which a small consumer (an example of the crate) shows by
//! compiling or failing to.
//!
//! The crate is checked by Cargo in `target/generated-crates`, the target
//! directory `tests/cli.rs` builds generated crates in, so the runtime and
//! its dependencies build once for both.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Two tags (one written with a space), an operation with both, an
/// untagged one, a schema only the untagged one reaches, and one nothing
/// uses.
const SHOP: &str = r#"openapi: 3.0.3
info: {title: Shop, version: '1'}
servers: [{url: 'https://shop.example.com'}]
paths:
  /pets:
    get:
      operationId: listPets
      tags: [pets]
      parameters:
        - {name: sort, in: query, schema: {type: string, enum: [name, age]}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/PetList'}}}
        default:
          description: failed
          content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}
  /pets/{id}:
    get:
      operationId: getPet
      tags: [pets, Store Front]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: ok
          headers:
            X-Rate-Limit: {schema: {type: integer}}
          content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
        '404':
          description: missing
          content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}
        '500':
          description: broken
          content: {application/json: {schema: {$ref: '#/components/schemas/Outage'}}}
  /stores:
    post:
      operationId: createStore
      tags: [Store Front]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Store'}}}
      responses:
        '201':
          description: created
          content: {application/json: {schema: {$ref: '#/components/schemas/Store'}}}
  /health:
    get:
      operationId: health
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Health'}}}
components:
  schemas:
    Unused: {type: object, properties: {x: {type: string}}}
    Health: {type: object, properties: {ok: {type: boolean}}}
    Pet:
      type: object
      properties:
        owner: {$ref: '#/components/schemas/Owner'}
    PetList: {type: array, items: {$ref: '#/components/schemas/Pet'}}
    Owner: {type: object, properties: {name: {type: string}}}
    Problem: {type: object, properties: {message: {type: string}}}
    Outage: {type: object, properties: {since: {type: string}}}
    Store:
      type: object
      properties:
        kind: {$ref: '#/components/schemas/StoreKind'}
    StoreKind: {type: string, enum: [a, b]}
"#;

/// A consumer of the `pets` tag: its methods, its types (`Owner` through
/// `getPet`, which `Store Front` has too; `PetList` only through
/// `listPets`), and the untagged operation.
const PETS_CONSUMER: &str = r#"
fn main() {
    let client = shop::Client::builder().build().unwrap();
    let _ = client.list_pets().sort(shop::types::ListPetsSort::Name);
    let _ = client.get_pet(1);
    let _ = client.health();
    let _: Option<shop::types::Owner> = None;
    let _: Option<shop::types::PetList> = None;
}
"#;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator is in the workspace")
        .to_owned()
}

/// Writes the crate with the command line, in a fresh folder.
fn write_crate() -> PathBuf {
    let scratch = std::env::temp_dir().join(format!("generator-features-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let spec = scratch.join("shop.yaml");
    std::fs::write(&spec, SHOP).unwrap();
    let dir = scratch.join("shop");
    let output = Command::new(env!("CARGO_BIN_EXE_generator"))
        .args(["crate", "--features-per-tag", "--name", "shop", "-o"])
        .arg(&dir)
        .arg(&spec)
        .output()
        .expect("the generator binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The workspace's lock file, so the crate builds with the same versions.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::create_dir_all(dir.join("examples")).unwrap();
    std::fs::write(dir.join("examples/pets.rs"), PETS_CONSUMER).unwrap();
    dir
}

/// `cargo check` with `args` on the crate at `dir`.
fn check(dir: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("target"));
    Command::new(cargo)
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target.join("generated-crates"))
        .output()
        .expect("cargo runs")
}

/// Passes, with no diagnostic in the generated code.
fn assert_clean(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{what} failed:\n{stderr}");
    assert!(
        !stderr.contains("src/lib.rs"),
        "{what} warned about the generated code:\n{stderr}"
    );
}

#[test]
fn each_tag_is_a_feature_and_compiles_alone() {
    let dir = write_crate();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(
            "[features]\ndefault = []\n# Every tag's operations.\nfull = [\n    \"tag-pets\",\n    \"tag-store-front\",\n]\n"
        ),
        "{manifest}"
    );
    assert!(
        manifest.contains("# The operations tagged `Store Front`.\ntag-store-front = []\n"),
        "{manifest}"
    );
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("-o path/to/this/crate --name shop --features-per-tag\n"),
        "{readme}"
    );
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    // An operation of two tags is behind either; a type only the
    // untagged operation reaches, behind none; an unused one, `full`.
    assert!(
        lib.contains(
            "/// `GET /pets/{id}` (`getPet`)\n        #[cfg(any(feature = \"tag-pets\", feature = \"tag-store-front\"))]\n        pub fn get_pet"
        ),
        "{lib}"
    );
    assert!(
        lib.contains("#[cfg(feature = \"full\")]\n    #[derive(")
            && lib.contains("pub struct Unused {"),
        "{lib}"
    );
    let health = lib
        .find("pub struct Health {")
        .expect("the type of `health`");
    let attributes = &lib[lib[..health].rfind("\n\n").unwrap()..health];
    assert!(!attributes.contains("cfg"), "{attributes}");

    assert_clean(&check(&dir, &["--lib"]), "check without features");
    assert_clean(
        &check(&dir, &["--lib", "--features", "tag-store-front"]),
        "check with `tag-store-front`",
    );
    assert_clean(
        &check(&dir, &["--all-targets", "--features", "full"]),
        "check with `full`",
    );
    assert_clean(
        &check(&dir, &["--example", "pets", "--features", "tag-pets"]),
        "the `pets` consumer with `tag-pets`",
    );

    // With the other tag only, `getPet` (in both) is there, and what only
    // `pets` has is not.
    let other = check(
        &dir,
        &["--example", "pets", "--features", "tag-store-front"],
    );
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(!other.status.success(), "{stderr}");
    assert!(stderr.contains("no method named `list_pets`"), "{stderr}");
    assert!(stderr.contains("`ListPetsSort`"), "{stderr}");
    assert!(stderr.contains("`PetList`"), "{stderr}");
    assert_eq!(stderr.matches("error[").count(), 3, "{stderr}");
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}
