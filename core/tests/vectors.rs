//! Runs every shared vector of tests/vectors/ through `planet_core::analyze`.
//!
//! The expected tables were produced by a real InfluxDB (tests/oracle/make_vectors.py), never by
//! this crate: a mismatch is a bug in the core (or a vector to regenerate, see its README).

use planet_core::rows::to_ndjson;
use planet_core::{analyze, Options};
use std::fs;
use std::path::{Path, PathBuf};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn known_differences_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors-known-differences")
}

/// The case folders, in name order.
fn cases_in(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root)
        .expect("tests/vectors exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The input files of a case: names starting with `input`, in name order.
fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("case folder")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("input")))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.file_name().expect("name").to_string_lossy().into_owned(), fs::read(&p).expect("input")))
        .collect()
}

/// A readable line diff: every line, marked `-` when only expected, `+` when only produced.
fn line_diff(expected: &str, actual: &str) -> String {
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

#[test]
fn every_vector_gives_exactly_the_tables_influxdb_gave() {
    let cases = cases_in(&vectors_dir());
    assert!(cases.len() >= 20, "expected the committed vectors in {}, found {}", vectors_dir().display(), cases.len());
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().expect("name").to_string_lossy().into_owned();
        let options: Options =
            serde_json::from_str(&fs::read_to_string(dir.join("options.json")).expect("options.json"))
                .expect("valid options");
        let files = inputs(dir);
        assert!(!files.is_empty(), "{name}: no input file");
        let analysis = match analyze(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())), options) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: analyze failed: {e}"));
                continue;
            }
        };
        if !analysis.warnings.is_empty() {
            failures.push(format!("{name}: unexpected warnings: {:?}", analysis.warnings));
        }
        for (table, actual) in
            [("traffic", to_ndjson(&analysis.traffic)), ("dependency", to_ndjson(&analysis.dependency))]
        {
            let expected = fs::read_to_string(dir.join(format!("{table}.ndjson"))).expect("expected table");
            if expected != actual {
                failures.push(format!(
                    "{name}/{table}.ndjson differs (- InfluxDB, + core):\n{}",
                    line_diff(&expected, &actual)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vector checks failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn known_differences_from_influxdb_are_exactly_the_documented_ones() {
    // tests/vectors-known-differences/README.md: InfluxDB's MEAN sums floats naively in time
    // order; the core sums exactly. The oracle wrote InfluxDB's tables and, separately, the
    // exact tables (math.fsum over the server's raw values).
    let cases = cases_in(&known_differences_dir());
    assert!(!cases.is_empty(), "no case in {}", known_differences_dir().display());
    for dir in &cases {
        let name = dir.file_name().expect("name").to_string_lossy().into_owned();
        let options: Options = serde_json::from_str(&fs::read_to_string(dir.join("options.json")).expect("options"))
            .expect("valid options");
        let files = inputs(dir);
        let analysis = analyze(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())), options).expect("analyzes");
        let read = |file: &str| fs::read_to_string(dir.join(file)).expect("expected table");
        let (influx, exact, actual) =
            (read("traffic.ndjson"), read("exact-traffic.ndjson"), to_ndjson(&analysis.traffic));
        assert_ne!(influx, exact, "{name}: InfluxDB no longer differs here; move the case to tests/vectors");
        assert!(
            exact == actual,
            "{name}: traffic differs from the exact tables (- exact, + core):\n{}",
            line_diff(&exact, &actual)
        );
        assert_eq!(to_ndjson(&analysis.dependency), read("dependency.ndjson"), "{name}: dependency");
    }
}

#[test]
fn line_diff_marks_missing_and_extra_lines() {
    assert_eq!(line_diff("a\nb\n", "a\nc\n"), "  a\n- b\n+ c\n");
}
