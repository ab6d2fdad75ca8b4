//! Property tests of the invariants the tables rely on: input order does not matter,
//! chunks can be cut anywhere, analyzers of parts merge into the analysis of the whole, and
//! pre-aggregated MIN/MAX/SUM/COUNT rows of disjoint slices give the rows of the raw points.

use planet_core::{Analysis, Analyzer, Format, Options, Timestamp};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// 2026-11-22T13:00:00Z: the window end of the explicit-window cases.
const AT: i64 = 1_795_352_400_000_000_000;
const SECOND: i64 = 1_000_000_000;

const MEASUREMENTS: [&str; 5] = ["ingress", "egress", "upstream", "downstream", "cpu"];

/// Tag values, with the characters escaping and splitting can get wrong: spaces, commas,
/// equals signs, quotes, multi-byte UTF-8. The first is empty (an absent tag).
const VALUES: [&str; 8] = ["", "api", "db.service.consul", "10.0.0.2", "nginx worker", "a,b=c", "café", "日本\"x"];

#[derive(Debug, Clone)]
struct Point {
    measurement: usize,
    tags: Vec<(&'static str, &'static str)>,
    /// `bandwidth_bps` in quarters: exact in f64, so sums do not depend on their order.
    quarters: i64,
    time: i64,
}

impl Point {
    fn name(&self) -> &'static str {
        MEASUREMENTS[self.measurement]
    }

    fn is_traffic(&self) -> bool {
        self.measurement < 2
    }

    fn value(&self) -> f64 {
        self.quarters as f64 / 4.0
    }

    fn tag(&self, key: &str) -> &'static str {
        self.tags.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v)
    }

    fn field(&self) -> &'static str {
        if self.is_traffic() || self.measurement == 4 {
            "bandwidth_bps"
        } else {
            "service_dependency"
        }
    }

    fn columns(&self) -> Vec<&'static str> {
        let mut c: Vec<&'static str> = self.tags.iter().map(|(k, _)| *k).collect();
        c.push(self.field());
        c.sort_unstable();
        c
    }
}

fn tag_keys(measurement: usize) -> &'static [&'static str] {
    match measurement {
        0 | 1 | 4 => &["address", "remote_address", "remote_service", "service"],
        2 => {
            &["address", "process_name", "protocol", "service", "upstream_address", "upstream_port", "upstream_service"]
        }
        _ => &["address", "downstream_address", "downstream_service", "port", "process_name", "protocol", "service"],
    }
}

/// Points within `span_s` seconds before [`AT`]; few distinct tag values so groups repeat.
fn points(max: usize, span_s: i64) -> impl Strategy<Value = Vec<Point>> {
    let point = (0..5usize, prop::collection::vec(0..VALUES.len(), 7), 0..4_000_000_000i64, 1..=span_s).prop_map(
        |(measurement, picks, quarters, back)| {
            let tags = tag_keys(measurement)
                .iter()
                .zip(&picks)
                // Mostly the first three values, so that groups get several points.
                .map(|(k, &i)| (*k, VALUES[if i > 4 { i } else { i % 3 }]))
                .collect();
            Point { measurement, tags, quarters, time: AT - back * SECOND + back % 7 }
        },
    );
    prop::collection::vec(point, 0..max)
}

fn escape_lp(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(c, ',' | '=' | ' ') {
            out.push('\\');
        }
        out.push(c);
    }
}

fn lp_line(p: &Point) -> String {
    let mut out = p.name().to_string();
    for (k, v) in &p.tags {
        if !v.is_empty() {
            out.push(',');
            out.push_str(k);
            out.push('=');
            escape_lp(v, &mut out);
        }
    }
    if p.field() == "bandwidth_bps" {
        out.push_str(&format!(" bandwidth_bps={:?} {}\n", p.value(), p.time));
    } else {
        out.push_str(&format!(" service_dependency=1i {}\n", p.time));
    }
    out
}

fn lp(points: &[Point]) -> String {
    points.iter().map(lp_line).collect()
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `influx -format csv` style: a header whenever the columns change.
fn csv(points: &[Point]) -> String {
    let mut out = String::new();
    let mut header = String::new();
    for p in points {
        let columns = p.columns();
        let h = format!("name,time,{}\n", columns.join(","));
        if h != header {
            out.push_str(&h);
            header = h;
        }
        out.push_str(p.name());
        out.push_str(&format!(",{}", p.time));
        for c in columns {
            out.push(',');
            if c == "bandwidth_bps" {
                out.push_str(&format!("{:?}", p.value()));
            } else if c == "service_dependency" {
                out.push('1');
            } else {
                out.push_str(&csv_cell(p.tag(c)));
            }
        }
        out.push('\n');
    }
    out
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

/// Chunked `/query` JSON: one object per line, one row per point, absent tags as `null`.
fn json(points: &[Point]) -> String {
    let mut out = String::new();
    for p in points {
        let columns = p.columns();
        let names: Vec<String> =
            std::iter::once("\"time\"".to_string()).chain(columns.iter().map(|c| json_string(c))).collect();
        let mut row = vec![p.time.to_string()];
        for c in &columns {
            row.push(match *c {
                "bandwidth_bps" => format!("{:?}", p.value()),
                "service_dependency" => "1".into(),
                tag => match p.tag(tag) {
                    "" => "null".into(),
                    v => json_string(v),
                },
            });
        }
        out.push_str(&format!(
            "{{\"results\":[{{\"statement_id\":0,\"series\":[{{\"name\":\"{}\",\"columns\":[{}],\"values\":[[{}]]}}]}}]}}\n",
            p.name(),
            names.join(","),
            row.join(",")
        ));
    }
    out
}

fn options(format: Format, at: bool) -> Options {
    Options { format, at: at.then_some(Timestamp(AT)), ..Options::default() }
}

fn run(options: &Options, chunks: &[&[u8]]) -> Analysis {
    let mut analyzer = Analyzer::new(options.clone());
    analyzer.begin_input("input");
    for chunk in chunks {
        analyzer.push(chunk).expect("not strict");
    }
    analyzer.finish().expect("not strict")
}

/// The parts of an analysis that must not depend on how the input arrived.
fn tables(a: &Analysis) -> impl PartialEq + std::fmt::Debug + '_ {
    (a.window, &a.traffic, &a.dependency, a.stats.aggregate.points, a.stats.skipped_lines)
}

/// Cuts `bytes` at the given positions (taken modulo the length, sorted).
fn cut<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| if bytes.is_empty() { 0 } else { c % bytes.len() }).collect();
    at.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for a in at {
        out.push(&bytes[start..a]);
        start = a;
    }
    out.push(&bytes[start..]);
    out
}

fn render(format: Format, points: &[Point]) -> String {
    match format {
        Format::Csv => csv(points),
        Format::Json => json(points),
        _ => lp(points),
    }
}

const FORMATS: [Format; 3] = [Format::LineProtocol, Format::Csv, Format::Json];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn row_order_of_the_input_does_not_change_the_tables(
        (original, shuffled) in points(60, 5 * 3600).prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
        at in any::<bool>(),
    ) {
        for format in FORMATS {
            let o = options(format, at);
            let a = run(&o, &[render(format, &original).as_bytes()]);
            let b = run(&o, &[render(format, &shuffled).as_bytes()]);
            prop_assert_eq!(tables(&a), tables(&b), "{:?}", format);
        }
    }

    #[test]
    fn cutting_the_input_anywhere_gives_the_same_tables(
        points in points(40, 3 * 3600),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        at in any::<bool>(),
    ) {
        let mut first: Option<Analysis> = None;
        for format in FORMATS {
            let text = render(format, &points);
            let o = options(format, at);
            let whole = run(&o, &[text.as_bytes()]);
            let pieces = run(&o, &cut(text.as_bytes(), &cuts));
            prop_assert_eq!(tables(&whole), tables(&pieces), "{:?}", format);
            // The same points in another format give the same tables (line protocol takes its
            // series-cache fast path, CSV and JSON do not).
            match &first {
                Some(lp) => prop_assert_eq!(tables(lp), tables(&whole), "{:?} vs line protocol", format),
                None => first = Some(whole),
            }
        }
    }

    #[test]
    fn analyzers_of_two_parts_merge_into_the_tables_of_the_whole(
        points in points(60, 5 * 3600),
        sides in prop::collection::vec(any::<bool>(), 60),
        at in any::<bool>(),
    ) {
        for format in FORMATS {
            let o = options(format, at);
            let whole = run(&o, &[render(format, &points).as_bytes()]);
            let (mut left, mut right) = (Vec::new(), Vec::new());
            for (p, &side) in points.iter().zip(&sides) {
                if side { left.push(p.clone()) } else { right.push(p.clone()) }
            }
            let mut a = Analyzer::new(o.clone());
            a.begin_input("left");
            a.push(render(format, &left).as_bytes()).expect("not strict");
            let mut b = Analyzer::new(o.clone());
            b.begin_input("right");
            b.push(render(format, &right).as_bytes()).expect("not strict");
            a.merge(b).expect("not strict");
            let merged = a.finish().expect("not strict");
            prop_assert_eq!(tables(&whole), tables(&merged), "{:?}", format);
        }
    }

    #[test]
    fn aggregates_of_disjoint_slices_give_the_rows_of_the_raw_points(
        points in points(80, 3599),
        slices in prop::collection::vec(0..3usize, 80),
    ) {
        let raw = run(&options(Format::LineProtocol, true), &[lp(&points).as_bytes()]);

        // Independently of the core: per slice and group, MIN/MAX/SUM/COUNT as InfluxDB's
        // GROUP BY answers give them; COUNT(*) for dependencies.
        type Key = (usize, Vec<(&'static str, &'static str)>);
        let mut groups: BTreeMap<(usize, Key), (f64, f64, f64, u64)> = BTreeMap::new();
        let mut expected: BTreeMap<Key, (f64, f64, f64, u64)> = BTreeMap::new();
        for (i, p) in points.iter().enumerate() {
            if p.measurement == 4 || p.tag("service").is_empty() {
                continue;
            }
            let keys = if p.is_traffic() { tag_keys(0) } else { tag_keys(p.measurement) };
            let key: Key = (p.measurement, keys.iter().map(|k| (*k, p.tag(k))).collect());
            let v = p.value();
            let g = groups.entry((slices[i], key.clone())).or_insert((f64::MAX, f64::MIN, 0.0, 0));
            *g = (g.0.min(v), g.1.max(v), g.2 + v, g.3 + 1);
            let e = expected.entry(key).or_insert((f64::MAX, f64::MIN, 0.0, 0));
            *e = (e.0.min(v), e.1.max(v), e.2 + v, e.3 + 1);
        }
        let mut answer = String::new();
        for ((_, (m, tags)), (min, max, sum, count)) in &groups {
            let tags_json: Vec<String> =
                tags.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect();
            let (columns, values) = if *m < 2 {
                ("\"time\",\"min\",\"max\",\"sum\",\"count\"", format!("{AT},{min:?},{max:?},{sum:?},{count}"))
            } else {
                ("\"time\",\"count_service_dependency\"", format!("{AT},{count}"))
            };
            answer.push_str(&format!(
                "{{\"results\":[{{\"statement_id\":0,\"series\":[{{\"name\":\"{}\",\"tags\":{{{}}},\"columns\":[{columns}],\"values\":[[{values}]]}}]}}]}}\n",
                MEASUREMENTS[*m],
                tags_json.join(",")
            ));
        }
        let merged = run(&options(Format::Json, true), &[answer.as_bytes()]);
        prop_assert_eq!(&merged.traffic, &raw.traffic);
        prop_assert_eq!(&merged.dependency, &raw.dependency);

        // And the traffic rows hold the MIN, MAX and truncated MEAN of the raw points.
        let traffic: Vec<(String, String, i64, i64, i64)> = expected
            .iter()
            .filter(|((m, _), _)| *m < 2)
            .map(|((m, tags), (min, max, sum, count))| {
                let t: Vec<&str> = tags.iter().map(|(_, v)| *v).collect();
                (MEASUREMENTS[*m].to_string(), t.join("|"), *min as i64, *max as i64, (sum / *count as f64) as i64)
            })
            .collect();
        let mut got: Vec<(String, String, i64, i64, i64)> = raw
            .traffic
            .iter()
            .map(|r| {
                let t = [
                    r.local_hostgroup_address.clone().unwrap_or_default(),
                    r.remote_hostgroup_address.clone().unwrap_or_default(),
                    r.remote_hostgroup.clone(),
                    r.local_hostgroup.clone(),
                ];
                (
                    r.traffic_direction.clone(),
                    t.join("|"),
                    r.traffic_bandwidth_bits_min_1h,
                    r.traffic_bandwidth_bits_max_1h,
                    r.traffic_bandwidth_bits_avg_1h,
                )
            })
            .collect();
        got.sort();
        let mut traffic = traffic;
        traffic.sort();
        prop_assert_eq!(got, traffic);
    }
}
