fn main() {
    // Writes $OUT_DIR/petstore.rs and asks Cargo to rerun when the document changes.
    if let Err(error) = generator::Generator::new()
        .spec("openapi/petstore.yaml")
        .generate()
    {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
