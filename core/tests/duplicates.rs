//! The same point (series and time) read twice counts once, as InfluxDB stores it once; when
//! the value differs, the one read last wins. Expected rows are computed by hand in each test.

use planet_core::{Analysis, Analyzer, Options, Timestamp};

const AT: &str = "2026-11-22T13:00:00Z";

fn options() -> Options {
    Options { at: Timestamp::parse_rfc3339(AT), ..Options::default() }
}

fn analyze(inputs: &[(&str, &str)], options: Options) -> Analysis {
    let mut analyzer = Analyzer::new(options);
    for (name, text) in inputs {
        analyzer.begin_input(name);
        analyzer.push(text.as_bytes()).expect("push");
    }
    analyzer.finish().expect("analysis")
}

/// (min, max, avg) of the one traffic row.
fn row(analysis: &Analysis) -> (i64, i64, i64) {
    assert_eq!(analysis.traffic.len(), 1, "{:?}", analysis.traffic);
    let r = &analysis.traffic[0];
    (r.traffic_bandwidth_bits_min_1h, r.traffic_bandwidth_bits_max_1h, r.traffic_bandwidth_bits_avg_1h)
}

// 12:00:00, 12:00:30 and 12:01:00 UTC on 2026-11-22.
const T0: i64 = 1_795_348_800_000_000_000;
const T1: i64 = T0 + 30_000_000_000;
const T2: i64 = T0 + 60_000_000_000;

fn point(value: u32, time: i64) -> String {
    format!("ingress,service=api,remote_service=web bandwidth_bps={value} {time}\n")
}

#[test]
fn overlapping_exports_count_each_point_once() {
    let first = [point(1000, T0), point(2000, T1)].concat();
    let second = [point(2000, T1), point(6000, T2)].concat();
    let a = analyze(&[("first.lp", &first), ("second.lp", &second)], options());
    // Points 1000, 2000, 6000: avg 3000, not (1000+2000+2000+6000)/4 = 2750.
    assert_eq!(row(&a), (1000, 6000, 3000));
    assert_eq!(a.stats.aggregate.duplicates, 1);
    // The same file twice is the file once.
    let twice = analyze(&[("first.lp", &first), ("first.lp", &first)], options());
    assert_eq!(row(&twice), (1000, 2000, 1500));
}

#[test]
fn a_point_read_again_with_another_value_replaces_the_first() {
    let text = [point(1000, T0), point(9000, T1), point(6000, T2), point(3000, T1)].concat();
    let a = analyze(&[("rewritten.lp", &text)], options());
    // 1000, 3000 (last of T1), 6000: min 1000, max 6000 (not 9000), avg 3333.
    assert_eq!(row(&a), (1000, 6000, 3333));
}

#[test]
fn points_of_distinct_series_at_one_time_both_count() {
    // An extra tag makes another series of the same group: InfluxDB keeps both points.
    let text = format!(
        "ingress,service=api,remote_service=web,host=a bandwidth_bps=1000 {T0}\n\
         ingress,remote_service=web,host=b,service=api bandwidth_bps=3000 {T0}\n\
         ingress,host=b,service=api,remote_service=web bandwidth_bps=3000 {T0}\n"
    );
    let a = analyze(&[("hosts.lp", &text)], options());
    // host=a 1000 and host=b 3000 (its second line, tags in another order, is the same point).
    assert_eq!(row(&a), (1000, 3000, 2000));
    assert_eq!(a.stats.aggregate.duplicates, 1);
}

#[test]
fn duplicates_across_formats_and_without_an_explicit_window() {
    let lp = [point(1000, T0), point(2000, T1)].concat();
    let csv = format!(
        "name,tags,time,bandwidth_bps,remote_service,service\ningress,,{T1},2000,web,api\ningress,,{T2},3000,web,api\n"
    );
    let a = analyze(&[("a.lp", &lp), ("b.csv", &csv)], Options::default());
    assert_eq!(row(&a), (1000, 3000, 2000));
}

#[test]
fn a_csv_point_read_again_with_another_value_replaces_the_first_as_in_line_protocol() {
    // `influx -format csv` does not say which columns are tags and which fields: the traffic
    // value must not make the rewritten point another series.
    let header = "name,tags,time,bandwidth_bps,remote_service,service\n";
    let csv = format!("{header}ingress,,{T0},1000,web,api\ningress,,{T1},9000,web,api\ningress,,{T1},3000,web,api\n");
    let a = analyze(&[("rewritten.csv", &csv)], options());
    // 1000 and 3000 (the last of T1): avg 2000; not 1000, 9000, 3000 (avg 4333, max 9000).
    assert_eq!(row(&a), (1000, 3000, 2000));
    assert_eq!(a.stats.aggregate.duplicates, 1);
    // And across formats: the line-protocol point at T1 is replaced by the CSV one read after it.
    let lp = [point(1000, T0), point(9000, T1)].concat();
    let csv = format!("{header}ingress,,{T1},3000,web,api\n");
    let a = analyze(&[("a.lp", &lp), ("b.csv", &csv)], options());
    assert_eq!(row(&a), (1000, 3000, 2000));
}
