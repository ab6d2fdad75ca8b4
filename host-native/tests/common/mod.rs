//! Helpers shared by the CLI integration tests.
#![allow(dead_code, unused_imports)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) use planet_test_support::{line_diff, vectors_dir};

/// The real planet-bq binary cargo built for these tests.
pub(crate) fn planet_bq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_planet-bq"))
}

/// A fresh, empty scratch directory under the target's temp dir, unique per test.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planet-bq-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs the binary with `stdin` piped in.
pub(crate) fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("planet-bq starts");
    let mut input = child.stdin.take().expect("stdin");
    // A broken pipe (the binary stopped reading early) is not this helper's business.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("planet-bq ends")
}

/// The command-line flags equivalent to a vector's options.json, and its inventory when it has one.
pub(crate) fn case_flags(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("options.json")).expect("options");
    let options: Value = serde_json::from_str(&text).expect("json");
    let mut out = Vec::new();
    for (key, value) in options.as_object().expect("options.json is an object") {
        let flag = match key.as_str() {
            "at" => "--at",
            "trafficWindow" => "--traffic-window",
            "dependencyWindow" => "--dependency-window",
            "format" => "--format",
            "precision" => "--precision",
            "profile" => "--profile",
            "dependencyHour" => "--dependency-hour",
            "strict" | "allWindows" => {
                if value.as_bool() == Some(true) {
                    out.push(if key == "strict" { "--strict" } else { "--all-windows" }.to_string());
                }
                continue;
            }
            other => panic!("options.json key {other:?} has no flag in this runner"),
        };
        out.push(flag.to_string());
        out.push(match value {
            Value::Number(n) => n.to_string(),
            other => other.as_str().expect("string or number option").to_string(),
        });
    }
    if let Some((path, format)) = planet_test_support::inventory_file(dir) {
        out.extend(["--inventory".into(), path.display().to_string(), "--inventory-format".into(), format.into()]);
    }
    out
}
