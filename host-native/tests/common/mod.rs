//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The real planet-bq binary cargo built for these tests.
pub(crate) fn planet_bq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_planet-bq"))
}

/// tests/vectors of the repository.
pub(crate) fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
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

/// A readable line diff: every line, marked `-` when only expected, `+` when only produced.
pub(crate) fn line_diff(expected: &str, actual: &str) -> String {
    let exp: Vec<&str> = expected.lines().collect();
    let act: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for line in &exp {
        let mark = if act.contains(line) { ' ' } else { '-' };
        out.push_str(&format!("{mark} {line}\n"));
    }
    for line in &act {
        if !exp.contains(line) {
            out.push_str(&format!("+ {line}\n"));
        }
    }
    if exp.len() == act.len() && out.lines().all(|l| l.starts_with(' ')) {
        out.push_str("(same lines, different order or line endings)\n");
    }
    out
}
