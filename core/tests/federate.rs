//! `planet_core::federate` against a real Prometheus 2.42: for every time Prometheus evaluated
//! planet-federator's queries (core/tests/data/prometheus-2.42/README.md), the points of the
//! tick 15 s later are what planet-federator writes from Prometheus's answers. The expected
//! lines are made here from those answers as planet-federator's Go code makes them
//! (federator/influxdb/influxdb.go: measurement from `direction`, tags in the order it adds
//! them, empty ones left out by its line-protocol encoder, `service_dependency=1i`); Prometheus
//! writes sample values as Go's `strconv.FormatFloat(v, 'f', -1, 64)`, which is how that
//! encoder writes floats, so the value strings are taken as they are.

use planet_core::federate::federate;
use planet_core::{Profile, Timestamp};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn data(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/prometheus-2.42").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Evaluation time (ms) to the lines planet-federator writes for it, stamped `tick`.
fn go_lines(file: &str, tick_of: impl Fn(i64) -> i64) -> BTreeMap<i64, Vec<String>> {
    let answer: Value = serde_json::from_str(&data(file)).expect("json");
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for series in answer["data"]["result"].as_array().expect("result") {
        let m = |k: &str| series["metric"][k].as_str().unwrap_or("").to_string();
        for pair in series["values"].as_array().expect("values") {
            let evaluated = (pair[0].as_f64().expect("time") * 1000.0).round() as i64;
            let value = pair[1].as_str().expect("value");
            let (measurement, tags, field): (String, Vec<(&str, String)>, String) = if file.contains("traffic") {
                let direction = m("direction");
                let measurement = match direction.as_str() {
                    "ingress" | "egress" => direction,
                    _ => "unknown".to_string(),
                };
                let tags = vec![
                    ("service", m("local_hostgroup")),
                    ("address", m("local_domain")),
                    ("remote_service", m("remote_hostgroup")),
                    ("remote_address", m("remote_domain")),
                ];
                (measurement, tags, format!("bandwidth_bps={value}"))
            } else if file.contains("upstream") {
                let tags = vec![
                    ("service", m("local_hostgroup")),
                    ("address", m("local_address")),
                    ("upstream_service", m("remote_hostgroup")),
                    ("upstream_address", m("remote_address")),
                    ("upstream_port", m("port")),
                    ("process_name", m("process_name")),
                    ("protocol", m("protocol")),
                ];
                ("upstream".to_string(), tags, "service_dependency=1i".to_string())
            } else {
                let tags = vec![
                    ("service", m("local_hostgroup")),
                    ("address", m("local_address")),
                    ("port", m("port")),
                    ("process_name", m("process_name")),
                    ("downstream_service", m("remote_hostgroup")),
                    ("downstream_address", m("remote_address")),
                    ("protocol", m("protocol")),
                ];
                ("downstream".to_string(), tags, "service_dependency=1i".to_string())
            };
            let tags: String = tags.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!(",{k}={v}")).collect();
            let tick = tick_of(evaluated);
            out.entry(evaluated).or_default().push(format!("{measurement}{tags} {field} {}\n", tick * 1_000_000));
        }
    }
    out
}

#[test]
fn every_tick_writes_what_planet_federator_writes_from_prometheus_answers() {
    let input = data("remote_write.lp");
    let tick_of = |evaluated: i64| evaluated + 15_000;
    let mut want: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for file in ["query_range_traffic.json", "query_range_upstream.json", "query_range_downstream.json"] {
        for (t, lines) in go_lines(file, tick_of) {
            want.entry(t).or_default().extend(lines);
        }
    }
    assert_eq!(want.len(), 9, "nine evaluations");
    let profile = Profile::planet_exporter();
    for (evaluated, mut lines) in want {
        lines.sort();
        let tick = Timestamp(tick_of(evaluated) * 1_000_000);
        let got = federate(&profile, [("remote_write.lp", input.as_bytes())], tick).expect("federates");
        assert_eq!(got.lines, lines.concat(), "tick {tick}");
        assert!(got.points >= 3, "tick {tick}: every kind of point is there");
    }
}

/// The same points as `federator_output.lp` (see the README there), tag order aside.
#[test]
fn the_tick_of_the_federator_window_gives_the_recorded_output() {
    let normalized = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let mut parts = l.splitn(2, ' ');
                let (key, rest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let mut key: Vec<&str> = key.split(',').collect();
                key[1..].sort_unstable();
                format!("{} {rest}", key.join(","))
            })
            .collect();
        lines.sort();
        lines
    };
    let recorded = data("federator_output.lp");
    let input = data("remote_write.lp");
    let tick = Timestamp(1_796_181_509_579_000_000);
    let got = federate(&Profile::planet_exporter(), [("remote_write.lp", input.as_bytes())], tick).expect("federates");
    assert_eq!(normalized(&got.lines), normalized(&recorded));
}
