//! Every window in one pass equals one analysis per window: for random points over several
//! days, the all-windows rows of each window are byte for byte those of an analysis with that
//! window's `at`, with random window lengths, dependency hours and what-if options.

use planet_core::rows::Encoding;
use planet_core::whatif::Pattern;
use planet_core::{analyze, Analyzer, Duration, Options, Timestamp, WhatIf};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// 2026-11-20T00:00:00Z, a whole day.
const START: i64 = 1_795_132_800_000_000_000;
const SECOND: i64 = 1_000_000_000;
const HOUR: i64 = 3600 * SECOND;
const SERVICES: [&str; 4] = ["", "api", "db", "web"];

#[derive(Debug, Clone)]
struct Point {
    traffic: bool,
    direction: bool,
    local: usize,
    remote: usize,
    port: usize,
    /// Thirds are not exact in binary, so sums depend on their order unless summed exactly.
    thirds: i64,
    time: i64,
}

impl Point {
    fn line(&self) -> String {
        let tag = |key: &str, i: usize| if i == 0 { String::new() } else { format!(",{key}={}", SERVICES[i]) };
        let local = tag("service", self.local);
        if self.traffic {
            let measurement = if self.direction { "ingress" } else { "egress" };
            let value = self.thirds as f64 / 3.0;
            format!(
                "{measurement}{local}{} bandwidth_bps={value:?} {}\n",
                tag("remote_service", self.remote),
                self.time
            )
        } else if self.direction {
            let port = 5430 + self.port;
            let remote = tag("upstream_service", self.remote);
            format!("upstream{local}{remote},upstream_port={port},protocol=tcp service_dependency=1i {}\n", self.time)
        } else {
            let remote = tag("downstream_service", self.remote);
            format!(
                "downstream{local}{remote},port={},protocol=tcp service_dependency=1i {}\n",
                80 + self.port,
                self.time
            )
        }
    }
}

/// Points over `days` days from [`START`], some exactly on hour boundaries.
fn points(max: usize, days: i64) -> impl Strategy<Value = Vec<Point>> {
    let point = (
        any::<bool>(),
        any::<bool>(),
        0..4usize,
        0..4usize,
        0..3usize,
        0..30_000i64,
        0..days * 24 * 3600,
        any::<bool>(),
    )
        .prop_map(|(traffic, direction, local, remote, port, thirds, second, on_hour)| {
            let time = if on_hour { START + second / 3600 * HOUR } else { START + second * SECOND + second % 11 };
            Point { traffic, direction, local, remote, port, thirds, time }
        });
    prop::collection::vec(point, 1..max)
}

fn what_if() -> impl Strategy<Value = WhatIf> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(min_bandwidth, ports, rename, hide, percentiles)| WhatIf {
            min_bandwidth: min_bandwidth.then_some(4000.0),
            exclude_ports: ports.then(|| "5431|81".parse::<Pattern>().expect("valid")),
            exclude_addresses: None,
            hide_empty_remote: hide,
            rename: if rename { BTreeMap::from([("db".to_string(), "web".to_string())]) } else { BTreeMap::new() },
            percentiles,
        },
    )
}

fn lengths() -> impl Strategy<Value = (Duration, Duration)> {
    let traffic = prop::sample::select(vec![HOUR, 90 * 60 * SECOND, 2 * HOUR, HOUR + SECOND]);
    let dependency = prop::sample::select(vec![7 * 24 * HOUR, 24 * HOUR, 36 * HOUR + 30 * 60 * SECOND]);
    (traffic, dependency).prop_map(|(t, d)| (Duration(t), Duration(d)))
}

/// The whole hours from the first after `oldest` to the first after `newest`: the windows a
/// schedule running every hour produces within the data.
fn hourly_ends(oldest: i64, newest: i64) -> Vec<Timestamp> {
    let (first, last) = (oldest.div_euclid(HOUR) + 1, newest.div_euclid(HOUR) + 1);
    (first..=last).map(|h| Timestamp(h * HOUR)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn every_window_in_one_pass_is_each_window_analyzed_alone(
        points in points(120, 4),
        (traffic_window, dependency_window) in lengths(),
        dependency_hour in 0..24u8,
        what_if in what_if(),
    ) {
        let input: String = points.iter().map(Point::line).collect();
        let base = Options { traffic_window, dependency_window, what_if, ..Options::default() };
        let all = Options { all_windows: true, dependency_hour, ..base.clone() };
        let analysis = analyze([("week.lp", input.as_bytes())], all).expect("analysis");
        let ends = analysis.windows.clone().expect("all windows");

        let oldest = points.iter().map(|p| p.time).min().expect("points");
        let newest = points.iter().map(|p| p.time).max().expect("points");
        let hours = hourly_ends(oldest, newest);
        prop_assert_eq!(&ends.traffic, &hours);
        let days: Vec<Timestamp> = hours.iter().copied().filter(|t| t.0.rem_euclid(24 * HOUR) == i64::from(dependency_hour) * HOUR).collect();
        // The daily ends within the hours, plus the first one after them when the last hour is not one.
        let last_day = ends.dependency.last().copied().expect("a dependency window");
        prop_assert!(last_day >= *hours.last().expect("an hour") && last_day.0 - 24 * HOUR < hours.last().expect("an hour").0);
        prop_assert_eq!(&ends.dependency[..days.len()], &days[..]);

        let mut traffic = String::new();
        for end in &ends.traffic {
            let one = analyze([("week.lp", input.as_bytes())], Options { at: Some(*end), ..base.clone() }).expect("analysis");
            traffic.push_str(&one.render(Encoding::Ndjson).traffic);
        }
        let mut dependency = String::new();
        for end in &ends.dependency {
            let one = analyze([("week.lp", input.as_bytes())], Options { at: Some(*end), ..base.clone() }).expect("analysis");
            dependency.push_str(&one.render(Encoding::Ndjson).dependency);
        }
        let texts = analysis.render(Encoding::Ndjson);
        prop_assert_eq!(texts.traffic, traffic);
        prop_assert_eq!(texts.dependency, dependency);
    }

    #[test]
    fn row_filters_recompute_from_the_partials_as_a_fresh_analysis_gives_them(
        points in points(80, 3),
        read in what_if(),
        wanted in what_if(),
        hour in 0..72i64,
    ) {
        let input: String = points.iter().map(Point::line).collect();
        let mut analyzer = Analyzer::new(Options { all_windows: true, what_if: read.clone(), ..Options::default() });
        analyzer.push(input.as_bytes()).expect("not strict");
        let windows = analyzer.finish_all_windows().expect("all windows");
        let end = Timestamp(START + hour * HOUR);
        let derived = windows.window(end, &wanted);
        let needs = windows.needs_reread(&wanted);
        prop_assert_eq!(needs.contains(&"minBandwidth"), read.min_bandwidth != wanted.min_bandwidth);
        prop_assert_eq!(needs.contains(&"percentiles"), wanted.percentiles && !read.percentiles);
        match derived {
            Err(e) => prop_assert!(!needs.is_empty(), "{}", e),
            Ok(tables) => {
                let fresh = analyze([("in.lp", input.as_bytes())], Options { at: Some(end), what_if: wanted, ..Options::default() })
                    .expect("analysis");
                prop_assert_eq!(tables, fresh.into_tables());
            }
        }
    }
}

#[test]
fn a_window_end_off_the_hour_and_the_exporter_profile_are_refused_with_a_reason() {
    let input = "ingress,service=api,remote_service=db bandwidth_bps=5 1795132800000000000\n";
    let mut analyzer = Analyzer::new(Options { all_windows: true, ..Options::default() });
    analyzer.push(input.as_bytes()).expect("not strict");
    let windows = analyzer.finish_all_windows().expect("all windows");
    let error = windows.window(Timestamp(START + 30 * 60 * SECOND), &WhatIf::default()).expect_err("off the hour");
    assert!(error.to_string().contains("not a whole hour"), "{error}");

    let exporter = Options {
        all_windows: true,
        profile: planet_core::Profile::by_name("planet-exporter").expect("built in"),
        ..Options::default()
    };
    // Said before any input is read, naming the option in both spellings and the way out.
    let early = exporter.check_all_windows().expect_err("refused up front").to_string();
    for part in ["--all-windows", "allWindows", "planet-exporter", "raw exporter metrics", "--at END"] {
        assert!(early.contains(part), "{part}: {early}");
    }
    let error = analyze([("in.lp", input.as_bytes())], exporter).expect_err("exporter");
    assert!(error.to_string().contains("raw exporter metrics"), "{error}");
    assert!(Options { all_windows: true, ..Options::default() }.check_all_windows().is_ok());
}

#[test]
fn a_stray_timestamp_decades_away_is_refused_instead_of_computing_every_hour_between() {
    let input = "ingress,service=api,remote_service=db bandwidth_bps=5 1795132800000000000\n\
                 ingress,service=api,remote_service=db bandwidth_bps=5 631152000000000000\n";
    let options = Options { all_windows: true, precision: planet_core::Precision::Ns, ..Options::default() };
    let error = analyze([("in.lp", input.as_bytes())], options).expect_err("too long a span");
    assert!(error.to_string().contains("spans more than"), "{error}");
}

#[test]
fn a_dependency_hour_past_23_is_an_invalid_option() {
    assert!(serde_json::from_str::<Options>(r#"{"allWindows":true,"dependencyHour":24}"#).is_err());
    let o: Options = serde_json::from_str(r#"{"allWindows":true,"dependencyHour":3}"#).expect("valid");
    assert_eq!((o.all_windows, o.dependency_hour), (true, 3));
}
