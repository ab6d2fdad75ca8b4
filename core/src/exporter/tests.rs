//! The stages end to end, through `analyze` and the `planet-exporter` profile, with every
//! expected value computed by hand in the test (PromQL semantics of Prometheus 2.x).
//!
//! The window is [12:00, 13:00) on 2026-11-22; tick `t` evaluates at `t - 15s` over
//! `[t - 45s, t - 15s]` (traffic) and `[t - 30s, t - 15s]` (dependencies).

use crate::rows::to_ndjson;
use crate::{analyze, Analysis, Analyzer, Options, Profile, Timestamp};

const AT: &str = "2026-11-22T13:00:00Z";

/// Epoch ms of 12:00:00 plus `seconds`.
fn ms(seconds: i64) -> i64 {
    let at: Timestamp = AT.parse().expect("valid");
    at.0 / 1_000_000 - 3_600_000 + seconds * 1000
}

fn options(at: bool) -> Options {
    Options { at: at.then(|| AT.parse().expect("valid")), profile: Profile::planet_exporter(), ..Options::default() }
}

/// A remote_write point of planet_traffic_bytes_total (`direction=egress`, x -> y unless the
/// labels say otherwise; a label given as "" is left out).
fn traffic(labels: &[(&str, &str)], value: f64, seconds: i64) -> String {
    traffic_ms(labels, value, ms(seconds))
}

fn traffic_ms(labels: &[(&str, &str)], value: f64, time_ms: i64) -> String {
    let mut all: Vec<(&str, &str)> = vec![
        ("__name__", "planet_traffic_bytes_total"),
        ("direction", "egress"),
        ("instance", "a:9100"),
        ("job", "planet-exporter"),
        ("local_domain", "x.consul"),
        ("local_hostgroup", "x"),
        ("remote_domain", "y.consul"),
        ("remote_hostgroup", "y"),
        ("remote_ip", "10.1.2.3"),
    ];
    for (k, v) in labels {
        all.retain(|(ak, _)| ak != k);
        all.push((k, v));
    }
    all.sort();
    let tags: String = all.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!(",{k}={v}")).collect();
    format!("planet_traffic_bytes_total{tags} value={value} {}000000\n", time_ms)
}

fn upstream(labels: &[(&str, &str)], seconds: i64) -> String {
    let mut all: Vec<(&str, &str)> = vec![
        ("__name__", "planet_upstream"),
        ("instance", "a:9100"),
        ("local_address", "x.consul"),
        ("local_hostgroup", "x"),
        ("port", "5432"),
        ("process_name", "app"),
        ("protocol", "tcp"),
        ("remote_address", "db.consul"),
        ("remote_hostgroup", "db"),
    ];
    for (k, v) in labels {
        all.retain(|(ak, _)| ak != k);
        all.push((k, v));
    }
    all.sort();
    let tags: String = all.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!(",{k}={v}")).collect();
    format!("planet_upstream{tags} value=1 {}000000\n", ms(seconds))
}

fn run(input: &str) -> Analysis {
    analyze([("in.lp", input.as_bytes())], options(true)).expect("analyzes")
}

/// (direction, local, remote, min, max, avg) of every traffic row.
fn traffic_rows(a: &Analysis) -> Vec<(String, String, String, i64, i64, i64)> {
    a.traffic
        .iter()
        .map(|r| {
            (
                r.traffic_direction.clone(),
                r.local_hostgroup.clone(),
                r.remote_hostgroup.clone(),
                r.traffic_bandwidth_bits_min_1h,
                r.traffic_bandwidth_bits_max_1h,
                r.traffic_bandwidth_bits_avg_1h,
            )
        })
        .collect()
}

fn row(
    direction: &str,
    local: &str,
    remote: &str,
    min: i64,
    max: i64,
    avg: i64,
) -> (String, String, String, i64, i64, i64) {
    (direction.into(), local.into(), remote.into(), min, max, avg)
}

#[test]
fn irate_of_the_last_two_samples_times_eight_at_each_tick() {
    // Tick 12:00:30 sees 12:00:00, :05, :10; the last two give (3000 - 1000) / 5 s = 400 B/s,
    // 3200 bit/s. Tick 12:01:00 ([12:00:15, 12:00:45]) sees none. One value: min = max = avg.
    let input = [traffic(&[], 0.0, 0), traffic(&[], 1000.0, 5), traffic(&[], 3000.0, 10)].concat();
    assert_eq!(traffic_rows(&run(&input)), vec![row("egress", "x", "y", 3200, 3200, 3200)]);
    // The rows carry the domains as addresses.
    let a = run(&input);
    assert_eq!(a.traffic[0].local_hostgroup_address.as_deref(), Some("x.consul"));
    assert_eq!(a.traffic[0].remote_hostgroup_address.as_deref(), Some("y.consul"));
}

#[test]
fn a_decrease_is_a_counter_reset() {
    // 5000 then 1000: the rate is 1000 / 5 s = 200 B/s, 1600 bit/s (not negative).
    let input = [traffic(&[], 5000.0, 5), traffic(&[], 1000.0, 10)].concat();
    assert_eq!(traffic_rows(&run(&input)), vec![row("egress", "x", "y", 1600, 1600, 1600)]);
}

#[test]
fn a_gap_over_the_range_gives_no_rate() {
    // 12:00:00 and 12:00:40 never share a 30 s range: tick 12:00:30 holds only the first,
    // 12:01:00 ([12:00:15, 12:00:45]) only the second.
    let input = [traffic(&[], 0.0, 0), traffic(&[], 1_000_000.0, 40)].concat();
    assert!(run(&input).traffic.is_empty());
}

#[test]
fn both_ends_of_the_range_are_included_as_in_prometheus_2() {
    // Tick 12:00:30 evaluates at 12:00:15 over [11:59:45, 12:00:15]: samples exactly at both
    // ends, 7500 B in 30 s = 250 B/s = 2000 bit/s. (Prometheus 3 would leave 11:59:45 out.)
    // The first sample is before the window start, and still counts.
    let input = [traffic(&[], 0.0, -15), traffic(&[], 7500.0, 15)].concat();
    assert_eq!(traffic_rows(&run(&input)), vec![row("egress", "x", "y", 2000, 2000, 2000)]);
}

#[test]
fn the_threshold_keeps_only_values_above_1000() {
    // 1000 B in 8 s = 125 B/s = exactly 1000 bit/s: `> 1000` drops it.
    let exact = [traffic(&[], 0.0, 5), traffic(&[], 1000.0, 13)].concat();
    assert!(run(&exact).traffic.is_empty());
    // 1000.001 B in 8 s = 1000.001 bit/s: kept, truncated to 1000 in the row.
    let above = [traffic(&[], 0.0, 5), traffic(&[], 1000.001, 13)].concat();
    assert_eq!(traffic_rows(&run(&above)), vec![row("egress", "x", "y", 1000, 1000, 1000)]);
}

#[test]
fn instances_are_summed_before_the_threshold() {
    // Each instance: 375 B in 5 s = 75 B/s = 600 bit/s, below 1000 alone; summed: 1200.
    let a = [traffic(&[], 0.0, 0), traffic(&[], 375.0, 5)].concat();
    let b = [traffic(&[("instance", "b:9100")], 0.0, 1), traffic(&[("instance", "b:9100")], 375.0, 6)].concat();
    assert!(run(&a).traffic.is_empty());
    assert_eq!(traffic_rows(&run(&(a + &b))), vec![row("egress", "x", "y", 1200, 1200, 1200)]);
}

#[test]
fn series_with_other_labels_are_summed_within_a_group() {
    // Two remote IPs of the same remote domain: 600 + 800 bit/s, one group.
    let a = [traffic(&[], 0.0, 0), traffic(&[], 375.0, 5)].concat();
    let ip = ("remote_ip", "10.9.9.9");
    let b = [traffic(&[ip], 0.0, 0), traffic(&[ip], 500.0, 5)].concat();
    assert_eq!(traffic_rows(&run(&(a + &b))), vec![row("egress", "x", "y", 1400, 1400, 1400)]);
}

#[test]
fn every_exclusion_of_the_traffic_query_applies() {
    let pair = |labels: &[(&str, &str)]| [traffic(labels, 0.0, 0), traffic(labels, 5000.0, 5)].concat();
    for excluded in [
        vec![("local_hostgroup", "")],
        vec![("remote_hostgroup", "")],
        vec![("remote_ip", "52.1.2.3")],
        vec![("remote_ip", "192.168.1.1")],
        vec![("remote_domain", "prometheus.service.consul")],
        vec![("remote_domain", "169.254.0.1")],
    ] {
        assert!(run(&pair(&excluded)).traffic.is_empty(), "{excluded:?} should be excluded");
    }
    // Anchored: 10.52.1.1 is not `52.*`; a missing remote_ip reads as "" and passes.
    for kept in [vec![("remote_ip", "10.52.1.1")], vec![("remote_ip", "")]] {
        assert_eq!(traffic_rows(&run(&pair(&kept))), vec![row("egress", "x", "y", 8000, 8000, 8000)], "{kept:?}");
    }
}

#[test]
fn a_missing_label_is_empty_in_the_group_and_null_in_the_row() {
    let labels = [("local_domain", "")];
    let input = [traffic(&labels, 0.0, 0), traffic(&labels, 5000.0, 5)].concat();
    let a = run(&input);
    assert_eq!(traffic_rows(&a), vec![row("egress", "x", "y", 8000, 8000, 8000)]);
    assert_eq!(a.traffic[0].local_hostgroup_address, None);
}

#[test]
fn min_max_mean_over_the_ticks_of_the_hour() {
    // Scrapes every 10 s from 12:00:00 to 12:01:50, rates 200 B/s then 400 B/s from 12:01:00.
    // Ticks (T = t - 15 s, last two samples in [T - 30 s, T]): 12:00:30 (12:00:00, 12:00:10)
    // 1600 bit/s; 12:01:00 (12:00:30, 12:00:40) 1600; 12:01:30 (12:01:00, 12:01:10) 3200;
    // 12:02:00 (12:01:30, 12:01:40) 3200; 12:02:30 holds only 12:01:50. Mean 2400.
    let mut input = String::new();
    let mut counter = 0.0;
    for i in 0..12 {
        input.push_str(&traffic(&[], counter, i * 10));
        counter += if i < 6 { 2000.0 } else { 4000.0 };
    }
    assert_eq!(traffic_rows(&run(&input)), vec![row("egress", "x", "y", 1600, 3200, 2400)]);
    // A second instance of the pair at 750 B per 10 s = 600 bit/s: dropped alone, added to the
    // first at each tick: 2200, 2200, 3800, 3800 (the README's worked example).
    let b = ("instance", "b:9100");
    let second: String = (0..12).map(|i| traffic(&[b], (i * 750) as f64, i * 10)).collect();
    assert!(run(&second).traffic.is_empty());
    assert_eq!(traffic_rows(&run(&(input + &second))), vec![row("egress", "x", "y", 2200, 3800, 3000)]);
}

#[test]
fn ticks_are_the_windows_own_and_the_window_end_is_excluded() {
    // 12:59:40 serves tick 13:00:00 (the end, excluded), 12:59:50 tick 13:00:30: nothing.
    let late = [traffic(&[], 0.0, 3580), traffic(&[], 5000.0, 3590)].concat();
    assert!(run(&late).traffic.is_empty());
    // 12:59:10 and 12:59:15 serve tick 12:59:30 (inside) and 13:00:00 (excluded): one value.
    let inside = [traffic(&[], 0.0, 3550), traffic(&[], 5000.0, 3555)].concat();
    assert_eq!(traffic_rows(&run(&inside)), vec![row("egress", "x", "y", 8000, 8000, 8000)]);
}

#[test]
fn a_dependency_is_present_when_a_sample_falls_in_the_first_half_of_a_period() {
    // 12:00:00 serves tick 12:00:30 ([12:00:00, 12:00:15]).
    let a = run(&upstream(&[], 0));
    assert_eq!(a.dependency.len(), 1);
    let d = &a.dependency[0];
    assert_eq!(
        (d.dependency_direction.as_str(), d.local_hostgroup.as_str(), d.remote_hostgroup.as_str()),
        ("upstream", "x", "db")
    );
    assert_eq!(d.remote_hostgroup_address_port.as_deref(), Some("5432"));
    assert_eq!(d.local_hostgroup_address.as_deref(), Some("x.consul"));
    assert_eq!(d.local_hostgroup_process_name.as_deref(), Some("app"));
    // Scraped only at :20 and :50 of each minute, it is never inside a [t - 30 s, t - 15 s].
    let second_half: String = (0..10).flat_map(|m| [upstream(&[], m * 60 + 20), upstream(&[], m * 60 + 50)]).collect();
    assert!(run(&second_half).dependency.is_empty());
}

#[test]
fn every_exclusion_of_the_dependency_queries_applies() {
    for excluded in [
        vec![("local_hostgroup", "")],
        vec![("port", "22")],
        vec![("port", "19100")],
        vec![("remote_address", "10.0.0.1")],
        vec![("remote_address", "localhost")],
        vec![("remote_address", "prometheus.service.consul")],
        vec![("process_name", "")],
    ] {
        assert!(run(&upstream(&excluded, 0)).dependency.is_empty(), "{excluded:?} should be excluded");
    }
    // `22` is anchored: 2222 stays.
    assert_eq!(run(&upstream(&[("port", "2222")], 0)).dependency.len(), 1);
}

#[test]
fn the_input_order_does_not_change_a_byte() {
    let mut lines: Vec<String> = Vec::new();
    for i in 0..20 {
        lines.push(traffic(&[], (i * i * 700) as f64, i * 7));
        lines.push(traffic(&[("instance", "b:9100")], (i * 900) as f64, i * 7 + 3));
        lines.push(traffic(&[("direction", "ingress")], (i * 400) as f64, i * 6));
        lines.push(upstream(&[], i * 30));
    }
    let forward = run(&lines.concat());
    let mut shuffled = lines.clone();
    shuffled.reverse();
    shuffled.rotate_left(7);
    let other = run(&shuffled.concat());
    assert!(!forward.traffic.is_empty());
    assert_eq!(to_ndjson(&forward.traffic), to_ndjson(&other.traffic));
    assert_eq!(to_ndjson(&forward.dependency), to_ndjson(&other.dependency));

    // Two analyzers, each with half of the lines, merged: the same bytes, with an explicit
    // window or one ending at the hour after the newest sample (13:00 here too).
    for at in [true, false] {
        let mut first = Analyzer::new(options(at));
        let mut second = Analyzer::new(options(at));
        for (i, line) in shuffled.iter().enumerate() {
            let target = if i % 3 == 0 { &mut first } else { &mut second };
            target.push(line.as_bytes()).expect("push");
        }
        // Asking for the tables midway (progress) changes nothing.
        assert!(!first.tables().traffic.is_empty());
        first.merge(second).expect("merge");
        let merged = first.finish().expect("finish");
        assert_eq!(to_ndjson(&merged.traffic), to_ndjson(&forward.traffic), "at: {at}");
        assert_eq!(to_ndjson(&merged.dependency), to_ndjson(&forward.dependency), "at: {at}");
    }
}

#[test]
fn without_at_the_window_ends_at_the_hour_after_the_newest_sample() {
    let input = [traffic(&[], 0.0, 0), traffic(&[], 1000.0, 5), traffic(&[], 3000.0, 10), upstream(&[], 1200)].concat();
    let open = analyze([("in.lp", input.as_bytes())], options(false)).expect("analyzes");
    assert_eq!(open.window.map(|w| w.end.to_rfc3339()).as_deref(), Some(AT));
    assert_eq!(to_ndjson(&open.traffic), to_ndjson(&run(&input).traffic));
    assert_eq!(to_ndjson(&open.dependency), to_ndjson(&run(&input).dependency));
    // A sample at 12:59:50 serves only ticks at or after 13:00, outside the open window too.
    let late = [traffic(&[], 0.0, 3590), traffic(&[], 1000.0, 3595), upstream(&[], 3585)].concat();
    let open = analyze([("in.lp", late.as_bytes())], options(false)).expect("analyzes");
    assert!(open.traffic.is_empty() && open.dependency.is_empty(), "{:?}", open.traffic);
}

#[test]
fn telegraf_and_prometheus_api_shapes_give_the_same_rows() {
    // Tick 12:00:30: (3000 - 1000) / 5 s * 8 = 3200 bit/s.
    let remote_write = [traffic(&[], 1000.0, 5), traffic(&[], 3000.0, 10)].concat();
    let tags = "direction=egress,host=h1,local_domain=x.consul,local_hostgroup=x,remote_domain=y.consul,remote_hostgroup=y,remote_ip=10.1.2.3,url=http://a:9100/metrics";
    let v1 = format!(
        "planet_traffic_bytes_total,{tags} gauge=1000 {}000000\nplanet_traffic_bytes_total,{tags} gauge=3000 {}000000\n",
        ms(5),
        ms(10)
    );
    let v2 = format!(
        "prometheus,{tags} planet_traffic_bytes_total=1000,planet_hostname=1 {}000000\nprometheus,{tags} planet_traffic_bytes_total=3000 {}000000\n",
        ms(5),
        ms(10)
    );
    let metric = r#"{"__name__":"planet_traffic_bytes_total","direction":"egress","instance":"a:9100","local_domain":"x.consul","local_hostgroup":"x","remote_domain":"y.consul","remote_hostgroup":"y","remote_ip":"10.1.2.3"}"#;
    let seconds = |s: i64| format!("{}.{:03}", ms(s) / 1000, ms(s) % 1000);
    let api = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{metric},"values":[[{},"1000"],[{},"3000"]]}}]}}}}"#,
        seconds(5),
        seconds(10)
    );
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&api).expect("json")).expect("pretty");
    // `influx -format csv` of the remote_write points: labels are columns, `value` the field.
    let csv = format!(
        "name,time,__name__,direction,instance,job,local_domain,local_hostgroup,remote_domain,remote_hostgroup,remote_ip,value\n\
         planet_traffic_bytes_total,{}000000,planet_traffic_bytes_total,egress,a:9100,pe,x.consul,x,y.consul,y,10.1.2.3,3000\n\
         planet_traffic_bytes_total,{}000000,planet_traffic_bytes_total,egress,a:9100,pe,x.consul,x,y.consul,y,10.1.2.3,1000\n",
        ms(10),
        ms(5)
    );
    // Telegraf v2's measurement read back with `SELECT * FROM prometheus GROUP BY *`: InfluxDB
    // lists every metric of the measurement as a column (null where a point lacks it) and every
    // tag key of the measurement, "" where a series lacks it. Neither is a label.
    let v2_query = format!(
        r#"{{"results":[{{"statement_id":0,"series":[{{"name":"prometheus","tags":{{"direction":"egress","host":"h1","local_domain":"x.consul","local_hostgroup":"x","port":"","remote_domain":"y.consul","remote_hostgroup":"y","remote_ip":"10.1.2.3","url":"http://a:9100/metrics"}},"columns":["time","planet_traffic_bytes_total","planet_upstream"],"values":[[{}000000,1000,null],[{}000000,3000,null]]}}]}}]}}"#,
        ms(5),
        ms(10)
    );
    let want = vec![row("egress", "x", "y", 3200, 3200, 3200)];
    for (name, input) in [
        ("telegraf v2 through /query", v2_query),
        ("remote_write", remote_write),
        ("telegraf v1", v1),
        ("telegraf v2", v2),
        ("api", api),
        ("pretty", pretty),
        ("influx csv", csv),
    ] {
        let a = run(&input);
        assert!(a.warnings.is_empty(), "{name}: {:?}", a.warnings);
        assert_eq!(traffic_rows(&a), want, "{name}");
    }
}

#[test]
fn a_json_profile_can_change_the_threshold() {
    let mut profile = Profile::planet_exporter();
    if let Some(m) = profile.metrics.as_mut() {
        m.stages[0].threshold = Some(100.0);
    }
    // 600 bit/s: dropped by the built-in threshold, kept above 100.
    let input = [traffic(&[], 0.0, 0), traffic(&[], 375.0, 5)].concat();
    assert!(run(&input).traffic.is_empty());
    let options = Options { profile, ..options(true) };
    let text = serde_json::to_string(&options).expect("serializable");
    let options: Options = serde_json::from_str(&text).expect("round trip");
    let a = analyze([("in.lp", input.as_bytes())], options).expect("analyzes");
    assert_eq!(traffic_rows(&a), vec![row("egress", "x", "y", 600, 600, 600)]);
}
