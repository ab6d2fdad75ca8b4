//! The wasmtime engine against the native one: same bytes, limits enforced, the code cache.

use super::*;
use crate::engine::{analyze_with, Engine};
use std::sync::Arc;

const LINE: &str = "ingress,service=api,remote_service=web bandwidth_bps=1500 1795349886000000000\n";

/// The module under test: the built-in one. `make unit` builds it first and sets
/// PLANET_BQ_WASM_ABI, so there it must be present; a bare `cargo test` without the
/// module skips these tests with a notice.
fn module() -> Option<&'static [u8]> {
    match embedded_module() {
        Some(bytes) => Some(bytes),
        None if option_env!("PLANET_BQ_WASM_ABI").is_some() => {
            panic!("PLANET_BQ_WASM_ABI was set but the module was missing at build time: run `make wasm-abi`")
        }
        None => {
            eprintln!("skipped: no WebAssembly module built in (run through `make unit`)");
            None
        }
    }
}

fn runtime(bytes: &[u8], limits: Limits) -> Runtime {
    Runtime::from_bytes(bytes, "test".into(), limits, &CodeCache::Off).expect("the module compiles")
}

fn generous() -> Limits {
    Limits { max_memory_bytes: 1 << 30, timeout: "10m".parse().expect("valid") }
}

fn options() -> Options {
    Options { at: Some("2026-11-22T13:00:00Z".parse().expect("valid")), ..Options::default() }
}

#[test]
fn the_module_imports_nothing() {
    let Some(bytes) = module() else { return };
    assert_eq!(runtime(bytes, generous()).imports(), Vec::<String>::new());
}

#[test]
fn a_module_with_an_import_is_refused() {
    // A minimal module importing one function, written out byte by byte.
    let bytes: &[u8] = &[
        0, 97, 115, 109, 1, 0, 0, 0, // magic, version
        1, 4, 1, 96, 0, 0, // type section: one func type () -> ()
        2, 9, 1, 3, b'e', b'n', b'v', 1, b'f', 0, 0, // import section: env::f, func type 0
    ];
    let error = Runtime::from_bytes(bytes, "test".into(), generous(), &CodeCache::Off).expect_err("refused");
    assert!(error.to_string().contains("imports env::f"), "{error:#}");
}

#[test]
fn the_guest_gives_the_same_bytes_as_the_native_core() {
    let Some(bytes) = module() else { return };
    let input = format!(
        "{LINE}upstream,service=api,upstream_service=db,protocol=tcp service_dependency=1i 1795349886000000000\n"
    );
    let wasm = Engine::Wasm(Arc::new(runtime(bytes, generous())));
    let native = analyze_with(&Engine::Native, options(), [("a.lp".to_string(), input.as_bytes())]).expect("native");
    let guest = analyze_with(&wasm, options(), [("a.lp".to_string(), input.as_bytes())]).expect("wasm");
    assert_eq!(guest.traffic_ndjson, native.traffic_ndjson);
    assert_eq!(guest.dependency_ndjson, native.dependency_ndjson);
    assert_eq!(guest.analysis, native.analysis);
    assert_eq!(guest.analysis.traffic.len(), 1);
    assert_eq!(guest.analysis.dependency.len(), 1);
}

#[test]
fn a_strict_error_in_the_guest_reads_like_the_native_one() {
    let Some(bytes) = module() else { return };
    let strict = Options { strict: true, ..options() };
    let input = format!("{LINE}ingress,service=api bandwidth_bps=oops 1795349886000000000\n");
    let wasm = Engine::Wasm(Arc::new(runtime(bytes, generous())));
    let native = analyze_with(&Engine::Native, strict.clone(), [("bad.lp".to_string(), input.as_bytes())])
        .expect_err("native refuses");
    let guest = analyze_with(&wasm, strict, [("bad.lp".to_string(), input.as_bytes())]).expect_err("wasm refuses");
    assert_eq!(format!("{guest:#}"), format!("{native:#}"));
    assert!(guest.to_string().starts_with("bad.lp:2: "), "{guest:#}");
}

#[test]
fn a_guest_over_its_memory_limit_stops_with_a_clear_error() {
    let Some(bytes) = module() else { return };
    // 8 MiB is enough to start but not for tens of thousands of distinct groups.
    let limits = Limits { max_memory_bytes: 8 << 20, ..generous() };
    let wasm = Engine::Wasm(Arc::new(runtime(bytes, limits)));
    let input: String = (0..100_000)
        .map(|n| format!("ingress,service=service-{n},remote_service=peer-{n} bandwidth_bps=1 1795349886000000000\n"))
        .collect();
    let error = analyze_with(&wasm, options(), [("big.lp".to_string(), input.as_bytes())]).expect_err("too big");
    let text = format!("{error:#}");
    assert!(text.contains("ran out of memory") && text.contains("limit of 8 MiB"), "{text}");
}

#[test]
fn a_guest_past_its_time_limit_stops_with_a_clear_error() {
    let Some(bytes) = module() else { return };
    // A zero limit is already reached when the guest first checks it: no timing involved.
    let limits = Limits { timeout: Duration(0), ..generous() };
    let wasm = Engine::Wasm(Arc::new(runtime(bytes, limits)));
    let error = analyze_with(&wasm, options(), [("a.lp".to_string(), LINE.as_bytes())]).expect_err("stopped");
    let text = format!("{error:#}");
    assert!(text.contains("time limit of 0s"), "{text}");
}

/// A fresh directory under the system's temporary directory, removed by the caller.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planet-bq-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_second_start_takes_the_machine_code_from_the_cache() {
    let Some(bytes) = module() else { return };
    let dir = scratch("code-cache");
    let cache = CodeCache::Dir(dir.clone());
    let first = Runtime::from_bytes(bytes, "test".into(), generous(), &cache).expect("compiles");
    assert!(!first.loaded_from_cache(), "an empty cache cannot hold the module");
    drop(first);
    let second = Runtime::from_bytes(bytes, "test".into(), generous(), &cache).expect("loads");
    assert!(second.loaded_from_cache(), "the second start should find the module in {}", dir.display());
    // The cached code must run the analysis exactly as freshly compiled code does.
    let input = LINE.as_bytes();
    let cached = analyze_with(&Engine::Wasm(Arc::new(second)), options(), [("a.lp".to_string(), input)]);
    let native = analyze_with(&Engine::Native, options(), [("a.lp".to_string(), input)]);
    assert_eq!(cached.expect("cached runs").traffic_ndjson, native.expect("native runs").traffic_ndjson);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cache_that_cannot_be_opened_only_costs_the_compilation() {
    let Some(bytes) = module() else { return };
    // A regular file where the directory should be: the cache cannot be created there.
    let file = scratch("not-a-dir");
    std::fs::write(&file, b"").expect("temp file");
    let runtime = Runtime::from_bytes(bytes, "test".into(), generous(), &CodeCache::Dir(file.join("cache")))
        .expect("compiles without the cache");
    assert!(!runtime.loaded_from_cache());
    let analysis = analyze_with(&Engine::Wasm(Arc::new(runtime)), options(), [("a.lp".to_string(), LINE.as_bytes())]);
    assert_eq!(analysis.expect("runs").analysis.traffic.len(), 1);
    let _ = std::fs::remove_file(&file);
}
