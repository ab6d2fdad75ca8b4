//! Helpers shared by the CLI integration tests.
#![allow(dead_code, unused_imports)]

use std::path::PathBuf;
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
