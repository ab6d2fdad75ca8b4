//! Embeds the wasm engine's module (host-wasm/abi) when the build is told where it is.
//!
//! The Makefile builds the module before anything native and exports `PLANET_BQ_WASM_ABI`
//! with its path. Without it (a bare `cargo build`), or when the file is not there yet, the
//! binary is built without a module and `--engine wasm` asks for `--wasm-module PATH`.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=PLANET_BQ_WASM_ABI");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut module = "None".to_string();
    // Without the wasm engine (`--no-default-features`) there is nothing to run the module.
    let engine = std::env::var_os("CARGO_FEATURE_WASM_ENGINE").is_some();
    if let Some(path) = std::env::var_os("PLANET_BQ_WASM_ABI").filter(|_| engine) {
        let path = PathBuf::from(path);
        // Rebuild when the module changes (and, while it is missing, on every build until it appears).
        println!("cargo:rerun-if-changed={}", path.display());
        if Path::new(&path).is_file() {
            module = format!("Some(include_bytes!({:?}))", path.display().to_string());
        } else {
            println!(
                "cargo:warning=PLANET_BQ_WASM_ABI={} does not exist: building without the wasm engine's module (run `make wasm-abi` first)",
                path.display()
            );
        }
    }
    let code = format!(
        "/// The wasm engine's module, when the build embedded it.\nconst EMBEDDED_MODULE: Option<&'static [u8]> = {module};\n"
    );
    std::fs::write(out_dir.join("embedded_wasm.rs"), code).expect("writing embedded_wasm.rs into OUT_DIR");
}
