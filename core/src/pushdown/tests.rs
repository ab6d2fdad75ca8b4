use super::*;
use crate::profile::{MatchOp, Matcher};
use crate::{analyze, Format, Options, Precision};

fn t(text: &str) -> Timestamp {
    text.parse().expect("valid timestamp")
}

/// planet-federator's PromQL from its Go source, comments dropped, whitespace removed.
fn federator(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with('#')).flat_map(|l| l.chars()).filter(|c| !c.is_whitespace()).collect()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_built_in_profile_pushes_down_planet_federators_exact_promql() {
    let q = queries(&Profile::planet_exporter()).expect("expressible");
    let texts: Vec<(StageTable, String)> = q.iter().map(|q| (q.table, squeeze(&q.promql))).collect();
    assert_eq!(
        texts,
        vec![
            (StageTable::Traffic, federator(include_str!("../../../tests/oracle/promql/traffic.txt"))),
            (StageTable::Dependency, federator(include_str!("../../../tests/oracle/promql/upstream.txt"))),
            (StageTable::Dependency, federator(include_str!("../../../tests/oracle/promql/downstream.txt"))),
        ]
    );
}

#[test]
fn a_json_profile_changes_the_promql_and_one_prometheus_would_read_otherwise_is_refused() {
    let mut p = Profile::planet_exporter();
    let spec = p.metrics.as_mut().expect("metrics");
    spec.stages[0].threshold = Some(2500.5);
    spec.stages[0].matchers =
        vec![Matcher { label: "remote_ip".into(), op: MatchOp::Matches, value: r#"a"b\c"#.into() }];
    spec.stages[0].range = crate::Duration(1_500 * NS_PER_MS);
    let q = queries(&p).expect("expressible");
    assert_eq!(
        q[0].promql,
        r#"sum(sum(irate(planet_traffic_bytes_total{remote_ip=~"a\"b\\c"}[1500ms])) by (direction, local_hostgroup, local_domain, remote_hostgroup, remote_domain, instance) * 8) by (direction, local_hostgroup, local_domain, remote_hostgroup, remote_domain) > 2500.5"#
    );
    // Telegraf's `url` read as the instance: Prometheus would group by its own `instance`.
    let mut url_first = Profile::planet_exporter();
    url_first.metrics.as_mut().expect("metrics").instance_labels = vec!["url".into(), "instance".into()];
    let e = queries(&url_first).expect_err("refused");
    assert!(e.to_string().contains("--prometheus-fetch raw"), "{e}");
    // A label named like a value field is not a label to the raw path.
    let mut value_label = Profile::planet_exporter();
    value_label.metrics.as_mut().expect("metrics").stages[1].by.push("value".into());
    assert!(queries(&value_label).is_err());
    assert!(queries(&Profile::planet_federator()).is_err(), "no raw metrics, nothing to push down");
}

#[test]
fn ticks_are_cut_into_runs_on_the_grid_inside_the_window() {
    let spec = Profile::planet_exporter().metrics.expect("metrics");
    // Ticks 12:00:00 .. 12:59:30 (120), runs of 50: 50 + 50 + 20.
    let runs = tick_runs(&spec, t("2026-11-22T12:00:00Z"), t("2026-11-22T13:00:00Z"), 50);
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0], (t("2026-11-22T12:00:00Z"), t("2026-11-22T12:24:30Z")));
    assert_eq!(runs[1].0, t("2026-11-22T12:25:00Z"));
    assert_eq!(runs[2], (t("2026-11-22T12:50:00Z"), t("2026-11-22T12:59:30Z")));
    // A start off the grid begins at the next tick; an end on the grid is left out.
    let runs = tick_runs(&spec, t("2026-11-22T12:00:01Z"), t("2026-11-22T12:01:00Z"), 1000);
    assert_eq!(runs, vec![(t("2026-11-22T12:00:30Z"), t("2026-11-22T12:00:30Z"))]);
}

fn seconds(text: &str) -> i64 {
    t(text).0 / 1_000_000_000
}

fn options(profile: Profile, format: Format, precision: Precision) -> Options {
    Options { at: Some(t("2026-11-22T13:00:00Z")), format, precision, strict: true, profile, ..Options::default() }
}

/// One counter scraped every 10 s and one upstream series, as raw samples (a range-selector
/// answer), and by hand what Prometheus answers to the federator's queries on the grid.
#[test]
fn pushed_down_answers_give_the_rows_the_raw_samples_give() {
    let labels = r#""direction":"ingress","local_hostgroup":"api","local_domain":"api.example","remote_hostgroup":"db","remote_domain":"db.example","remote_ip":"10.0.0.1","instance":"host1:9100","job":"planet""#;
    let bytes = [0, 2000, 4000, 6000, 11000, 16000, 21000];
    let samples: Vec<String> = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| format!(r#"[{},"{b}"]"#, seconds("2026-11-22T12:00:00Z") + 10 * i as i64))
        .collect();
    let up = r#""local_hostgroup":"api","local_address":"10.1.1.1","remote_hostgroup":"db","remote_address":"db.example","port":"5432","process_name":"api","protocol":"tcp","instance":"host1:9100""#;
    let raw = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"__name__":"planet_traffic_bytes_total",{labels}}},"values":[{}]}},{{"metric":{{"__name__":"planet_upstream",{up}}},"values":[[{},"1"]]}}]}}}}"#,
        samples.join(","),
        seconds("2026-11-22T12:10:00Z")
    );
    let from_raw = analyze(
        [("raw.json", raw.as_bytes())],
        options(Profile::planet_exporter(), Format::PrometheusJson, Precision::Auto),
    )
    .expect("raw");

    // By hand: tick 12:00:30 reads [11:59:45, 12:00:15]: 0 -> 2000 in 10 s, 200 B/s = 1600 bit/s;
    // 12:01:00 reads [12:00:15, 12:00:45]: last two 6000 -> 11000, 4000 bit/s; 12:01:30 reads
    // 16000 -> 21000, 4000 bit/s. The upstream sample at 12:10:00 is in [T - 15s, T] for
    // T = 12:10:15 only (tick 12:10:30).
    let grouped = r#""direction":"ingress","local_hostgroup":"api","local_domain":"api.example","remote_hostgroup":"db","remote_domain":"db.example""#;
    let traffic = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{{grouped}}},"values":[[{},"1600"],[{},"4000"],[{},"4000"]]}}]}}}}"#,
        seconds("2026-11-22T12:00:15Z"),
        seconds("2026-11-22T12:00:45Z"),
        seconds("2026-11-22T12:01:15Z")
    );
    let upstream = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{{}}},"values":[[{}.000,"1"]]}}]}}}}"#,
        up.replace(r#","instance":"host1:9100""#, ""),
        seconds("2026-11-22T12:10:15Z")
    );
    let profile = Profile::planet_exporter();
    let window = (t("2026-11-22T12:00:00Z"), t("2026-11-22T13:00:00Z"));
    let (traffic_points, n) = federator_points(&profile, 0, traffic.as_bytes(), window.0, window.1).expect("traffic");
    assert_eq!(n, 3);
    let (upstream_points, n) =
        federator_points(&profile, 1, upstream.as_bytes(), window.0, window.1).expect("upstream");
    assert_eq!(n, 1);
    let pushed = analyze(
        [("traffic", traffic_points.as_bytes()), ("upstream", upstream_points.as_bytes())],
        options(rules_only(&profile), Format::Json, Precision::Ns),
    )
    .expect("pushed down");

    assert_eq!(pushed.traffic.len(), 1);
    let row = &pushed.traffic[0];
    assert_eq!((row.traffic_direction.as_str(), row.local_hostgroup.as_str()), ("ingress", "api"));
    assert_eq!(row.remote_hostgroup_address.as_deref(), Some("db.example"));
    // min, max, mean (1600 + 4000 + 4000) / 3.
    assert_eq!(
        (row.traffic_bandwidth_bits_min_1h, row.traffic_bandwidth_bits_max_1h, row.traffic_bandwidth_bits_avg_1h),
        (1600, 4000, 3200)
    );
    assert_eq!(pushed.dependency.len(), 1);
    assert_eq!(pushed.dependency[0].remote_hostgroup_address_port.as_deref(), Some("5432"));
    assert_eq!((pushed.traffic.clone(), pushed.dependency.clone()), (from_raw.traffic, from_raw.dependency));
}

#[test]
fn answers_off_the_grid_or_in_error_are_refused_and_ticks_outside_the_window_left_out() {
    let profile = Profile::planet_exporter();
    let (from, to) = (t("2026-11-22T12:00:00Z"), t("2026-11-22T13:00:00Z"));
    let answer = |time: i64| {
        format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"direction":"egress"}},"values":[[{time},"5000"]]}}]}}}}"#
        )
    };
    let off = federator_points(&profile, 0, answer(seconds("2026-11-22T12:00:10Z")).as_bytes(), from, to);
    assert!(off.expect_err("off the grid").to_string().contains("not on the"));
    // T = 12:59:45 is the tick 13:00:00, the window's end: not in it.
    let (_, n) =
        federator_points(&profile, 0, answer(seconds("2026-11-22T12:59:45Z")).as_bytes(), from, to).expect("ok");
    assert_eq!(n, 0);
    let error = br#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"}"#;
    let e = federator_points(&profile, 0, error, from, to).expect_err("error answer");
    assert!(e.to_string().contains("too many samples"), "{e}");
    assert!(federator_points(&profile, 7, error, from, to).is_err(), "no such stage");
    assert!(federator_points(&profile, 0, b"{", from, to).is_err());
}
