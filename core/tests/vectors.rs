//! Runs every shared vector of tests/vectors/ through `planet_core::analyze`.
//!
//! The expected tables were produced by a real InfluxDB (tests/oracle/make_vectors.py), never by
//! this crate: a mismatch is a bug in the core (or a vector to regenerate, see its README).

use planet_core::rows::to_ndjson;
use planet_core::{analyze, Inventory, Options};
use planet_test_support::{cases_in, inputs, inventory_file, known_differences_dir, line_diff, vectors_dir};
use std::fs;

#[test]
fn every_vector_gives_exactly_the_tables_influxdb_gave() {
    let cases = cases_in(&vectors_dir());
    assert!(cases.len() >= 20, "expected the committed vectors in {}, found {}", vectors_dir().display(), cases.len());
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().expect("name").to_string_lossy().into_owned();
        let mut options: Options =
            serde_json::from_str(&fs::read_to_string(dir.join("options.json")).expect("options.json"))
                .expect("valid options");
        if let Some((path, format)) = inventory_file(dir) {
            let text = fs::read_to_string(&path).expect("inventory");
            let format = format.parse().expect("known format");
            options.inventory = Some(Inventory::parse(&text, format, "inventory").expect("valid inventory"));
        }
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
