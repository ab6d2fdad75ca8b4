//! The `planet-exporter` profile against a real Prometheus 2.42: the same samples, evaluated at
//! the times Prometheus evaluated planet-federator's queries, give Prometheus's answers
//! (core/tests/data/prometheus-2.42/README.md). The expected values are Prometheus's own.

use planet_core::{analyze, Duration, Options, Profile, Timestamp};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn data(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/prometheus-2.42").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (evaluation time in ms, labels, value) of every sample of a query_range answer.
fn answers(file: &str) -> Vec<(i64, serde_json::Map<String, Value>, f64)> {
    let answer: Value = serde_json::from_str(&data(file)).expect("json");
    let mut out = Vec::new();
    for series in answer["data"]["result"].as_array().expect("result") {
        let labels = series["metric"].as_object().expect("metric").clone();
        for pair in series["values"].as_array().expect("values") {
            let time = (pair[0].as_f64().expect("time") * 1000.0).round() as i64;
            let value: f64 = pair[1].as_str().expect("value").parse().expect("number");
            out.push((time, labels.clone(), value));
        }
    }
    out
}

fn label<'a>(labels: &'a serde_json::Map<String, Value>, name: &str) -> &'a str {
    labels.get(name).and_then(Value::as_str).unwrap_or("")
}

#[test]
fn each_evaluation_gives_what_prometheus_answered() {
    let input = data("remote_write.lp");
    let traffic = answers("query_range_traffic.json");
    let upstream = answers("query_range_upstream.json");
    let downstream = answers("query_range_downstream.json");
    let times: BTreeSet<i64> = traffic.iter().map(|(t, _, _)| *t).collect();
    assert_eq!(times.len(), 9);
    for &evaluated in &times {
        // Prometheus evaluated at T (not on the federator's grid): move the tick grid so that
        // a tick evaluates exactly at T, and take a window holding that one tick.
        let tick = (evaluated / 30_000 + 1) * 30_000;
        let mut profile = Profile::planet_exporter();
        if let Some(m) = profile.metrics.as_mut() {
            m.offset = Duration((tick - evaluated) * 1_000_000);
        }
        let options = Options {
            at: Some(Timestamp((tick + 1000) * 1_000_000)),
            traffic_window: Duration(2_000_000_000),
            dependency_window: Duration(2_000_000_000),
            profile,
            ..Options::default()
        };
        let a = analyze([("remote_write.lp", input.as_bytes())], options).expect("analyzes");
        let got: BTreeSet<(String, String, String, i64)> = a
            .traffic
            .iter()
            .map(|r| {
                assert_eq!(r.traffic_bandwidth_bits_min_1h, r.traffic_bandwidth_bits_max_1h);
                (
                    r.traffic_direction.clone(),
                    r.local_hostgroup.clone(),
                    r.remote_hostgroup.clone(),
                    r.traffic_bandwidth_bits_max_1h,
                )
            })
            .collect();
        let want: BTreeSet<(String, String, String, i64)> = traffic
            .iter()
            .filter(|(t, _, _)| *t == evaluated)
            .map(|(_, l, v)| {
                let row = |k| label(l, k).to_string();
                (row("direction"), row("local_hostgroup"), row("remote_hostgroup"), v.trunc() as i64)
            })
            .collect();
        assert_eq!(got, want, "traffic at {evaluated}");

        let got: BTreeSet<(String, String, String, String)> = a
            .dependency
            .iter()
            .map(|r| {
                let port = r.remote_hostgroup_address_port.clone().or(r.local_hostgroup_address_port.clone());
                (
                    r.dependency_direction.clone(),
                    r.local_hostgroup.clone(),
                    r.remote_hostgroup.clone(),
                    port.unwrap_or_default(),
                )
            })
            .collect();
        let want: BTreeSet<(String, String, String, String)> = [("upstream", &upstream), ("downstream", &downstream)]
            .into_iter()
            .flat_map(|(direction, answer)| {
                answer.iter().filter(|(t, _, _)| *t == evaluated).map(move |(_, l, _)| {
                    let row = |k| label(l, k).to_string();
                    (direction.to_string(), row("local_hostgroup"), row("remote_hostgroup"), row("port"))
                })
            })
            .collect();
        assert_eq!(got, want, "dependencies at {evaluated}");
    }
}
