//! Runs every shared vector of tests/vectors/ through the real `planet-bq analyze --out DIR`.
//!
//! Expected tables come from a real InfluxDB (tests/oracle/make_vectors.py), never from our code.

mod common;

use common::{case_flags, line_diff, planet_bq, scratch, vectors_dir};
use planet_test_support::{cases_in, input_paths as inputs};
use std::fs;
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    cases_in(&vectors_dir())
}

/// Runs a case; returns the problems found (empty when the output is exactly the expected one).
fn run_case(dir: &Path, out_format: &str, ext: &str) -> Vec<String> {
    let name = dir.file_name().expect("name").to_string_lossy().into_owned();
    let out = scratch(&format!("{name}-{ext}"));
    let output = planet_bq()
        .arg("analyze")
        .args(case_flags(dir))
        .args(["--out-format", out_format, "--out"])
        .arg(&out)
        .args(inputs(dir))
        .output()
        .expect("planet-bq runs");
    if !output.status.success() {
        return vec![format!("{name}: planet-bq failed: {}", String::from_utf8_lossy(&output.stderr))];
    }
    let mut problems = Vec::new();
    for table in ["traffic", "dependency"] {
        let expected = fs::read_to_string(dir.join(format!("{table}.{ext}"))).expect("expected table");
        let actual =
            fs::read_to_string(out.join(format!("{table}.{ext}"))).unwrap_or_else(|e| format!("<not written: {e}>"));
        if expected != actual {
            problems.push(format!(
                "{name}/{table}.{ext} differs (- InfluxDB, + planet-bq):\n{}",
                line_diff(&expected, &actual)
            ));
        }
    }
    let _ = fs::remove_dir_all(&out);
    problems
}

#[test]
fn planet_bq_analyze_writes_exactly_the_tables_influxdb_gave_for_every_vector() {
    let cases = cases();
    assert!(cases.len() >= 20, "expected the committed vectors, found {}", cases.len());
    let failures: Vec<String> = cases.iter().flat_map(|dir| run_case(dir, "ndjson", "ndjson")).collect();
    assert!(failures.is_empty(), "{} problem(s):\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn out_format_csv_matches_the_independently_written_csv() {
    // tests/vectors/escaped-tags holds traffic.csv and dependency.csv written by the oracle with
    // Python's csv module from InfluxDB's answers: quotes, commas, backslashes, "" versus NULL.
    let dir = vectors_dir().join("escaped-tags");
    assert!(dir.join("traffic.csv").is_file(), "the csv expectation is missing");
    let failures = run_case(&dir, "csv", "csv");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
