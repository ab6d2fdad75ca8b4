//! The line-protocol parser against InfluxDB's own crate and 1.x's rules.

use super::*;
use crate::aggregate::{Aggregator, WindowSpec};
use crate::profile::Profile;
use crate::time::{Duration, Precision, HOUR};

fn tags_of(line: &str) -> Vec<(String, String)> {
    let doubled = double_backslash_pairs_in_key(line, series_end(line.as_bytes()));
    let parsed = parse_lines(doubled.as_deref().unwrap_or(line)).next().expect("a line").expect("valid");
    let tags = parsed.series.tag_set.expect("tags").iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    tags
}

#[test]
fn backslashes_in_tags_stay_literal_as_influxdb_1x_stores_them() {
    let tags = tags_of(r#"ingress,a=x\\\\y,b=C:\dir,c=say\ \"hi\",d=p\,q\=r m=1 1"#);
    let expected = [("a", r"x\\\\y"), ("b", r"C:\dir"), ("c", r#"say \"hi\""#), ("d", "p,q=r")];
    assert_eq!(tags, expected.map(|(k, v)| (k.to_string(), v.to_string())));
}

#[test]
fn backslash_pairs_in_string_fields_are_left_to_the_field_rules() {
    let doubled = |line: &str| double_backslash_pairs_in_key(line, series_end(line.as_bytes()));
    assert_eq!(doubled(r#"m,t=a s="x\\y" 1"#), None);
    assert_eq!(doubled(r"m,t=a\\b s=1 1").as_deref(), Some(r"m,t=a\\\\b s=1 1"));
    assert_eq!(doubled(r"m,t=a\ \\b s=1 1").as_deref(), Some(r"m,t=a\ \\\\b s=1 1"));
    assert_eq!(doubled(r"m,t=a\\").as_deref(), Some(r"m,t=a\\\\"), "no space: the whole line is the key");
    assert_eq!(doubled(r"m,t=a\\\ b=\\ 1").as_deref(), Some(r"m,t=a\\\\\ b=\\\\ 1"));
    assert_eq!(doubled(r"m,t=a\ b s=\\ 1"), None, "the pair is after the key");
}

/// The first version of the check: the first `\\` pair anywhere in the line, then whether an
/// unescaped space comes before it (an odd run of backslashes escapes the byte after it).
fn pair_in_key_by_search(line: &str) -> bool {
    let bytes = line.as_bytes();
    let Some(first) = bytes.windows(2).position(|w| w == b"\\\\") else {
        return false;
    };
    let escaped = |pos: usize| bytes[..pos].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1;
    !bytes[..first].iter().enumerate().any(|(i, &b)| b == b' ' && !escaped(i))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn backslash_pairs_are_found_in_the_key_exactly_as_a_search_of_the_line_finds_them(
        line in prop::collection::vec(prop::sample::select(&["a", r"\\", " ", "=", ",", "é", r"\"][..]), 0..12)
    ) {
        let line = line.concat();
        let found = double_backslash_pairs_in_key(&line, series_end(line.as_bytes())).is_some();
        prop_assert_eq!(found, pair_in_key_by_search(&line), "{:?}", line);
    }
}

#[test]
fn a_line_with_backslash_pairs_still_aggregates() {
    let spec = WindowSpec { at: None, traffic_window: Duration(HOUR), dependency_window: Duration(HOUR) };
    let mut aggregator = Aggregator::new(Profile::planet_federator(), spec);
    let profile = Profile::planet_federator();
    let mut ctx = Context {
        aggregator: &mut aggregator,
        precision: Precision::Auto,
        profile: &profile,
        max_record_bytes: usize::MAX,
    };
    let mut parser = LineProtocolParser::default();
    parser.line(r"ingress,service=a\\b bandwidth_bps=1 1795349886000000000", &mut ctx).expect("valid");
    let tables = aggregator.tables();
    assert_eq!(tables.traffic[0].local_hostgroup, r"a\\b");
}

use proptest::prelude::*;

/// Everything a parser read from a line, values as their Debug text (floats to the bit).
#[derive(Debug, PartialEq)]
struct Seen {
    measurement: String,
    tags: Vec<(String, String)>,
    fields: Vec<(String, String)>,
    time: Option<i64>,
}

fn by_crate(line: &str) -> Option<Seen> {
    let parsed = parse_lines(line).next()?.ok()?;
    let point = LpPoint(&parsed);
    Some(Seen {
        measurement: point.measurement().to_string(),
        tags: parsed
            .series
            .tag_set
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str().to_string(), v.as_str().to_string()))
            .collect(),
        fields: parsed
            .field_set
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    LpValue::F64(v) => FieldValue::Float(*v),
                    LpValue::I64(v) => FieldValue::Integer(*v),
                    LpValue::U64(v) => FieldValue::Unsigned(*v),
                    LpValue::Boolean(v) => FieldValue::Boolean(*v),
                    LpValue::String(v) => FieldValue::String(v.as_str()),
                };
                (k.as_str().to_string(), format!("{value:?}"))
            })
            .collect(),
        time: parsed.timestamp,
    })
}

fn by_fast(line: &str) -> Option<Seen> {
    let mut parser = LineProtocolParser::default();
    let (measurement_end, _, time) = parser.fast(line)?;
    let point = FastPoint { line, measurement_end, parser: &parser };
    let tags = parser.tags.iter().map(|((ks, ke), (vs, ve))| (line[*ks..*ke].into(), line[*vs..*ve].into()));
    let fields = parser.fields.iter().map(|((ks, ke), v)| {
        let value = match *v {
            FastValue::Integer(v) => FieldValue::Integer(v),
            FastValue::Unsigned(v) => FieldValue::Unsigned(v),
            FastValue::Float(s, e) => FieldValue::Float(line[s..e].parse().expect("checked float")),
        };
        (line[*ks..*ke].to_string(), format!("{value:?}"))
    });
    Some(Seen {
        measurement: point.measurement().to_string(),
        tags: tags.collect(),
        fields: fields.collect(),
        time: Some(time),
    })
}

#[test]
fn fast_path_reads_plain_export_lines_exactly_as_the_crate() {
    let lines = [
        "ingress,address=10.0.0.2,remote_address=10.0.0.1,remote_service=frontend,service=api bandwidth_bps=31367249.298 1795349886000000000",
        "egress,service=api bandwidth_bps=3.3867304422e+07 1795349886",
        "ingress,service=api bandwidth_bps=4.68344213E-05,other=-12i,u=7u,f=-1e5 -1",
        "upstream,k=a=b,service=café service_dependency=1i 0",
        "m f=1 1",
    ];
    for line in lines {
        let fast = by_fast(line);
        assert!(fast.is_some(), "the fast path should take {line:?}");
        assert_eq!(fast, by_crate(line), "{line:?}");
    }
}

#[test]
fn fast_path_leaves_unusual_lines_to_the_crate() {
    for line in [
        "m,k=a\\ b f=1 1",
        "m f=\"s\" 1",
        "m f=t 1",
        " m f=1 1",
        "m f=1  1",
        "m f=1 1 ",
        "m f=1",
        "m f=1. 1",
        "m f=-1u 1",
        "m f=99999999999999999999i 1",
        "m,a,b=c f=1 1",
        "m\tx f=1 1",
    ] {
        assert_eq!(by_fast(line), None, "{line:?}");
    }
}

const WORDS: [&str; 14] = ["a", "svc", "é", "日本", "=", ",", "\\", " ", "\"", "x\\ y", "-", "\t", "1", "#"];
const VALUES: [&str; 29] = [
    "1",
    "-1",
    "1.5",
    "1.5e3",
    "1E-2",
    "-2.5E+10",
    "1.",
    "1e",
    "12i",
    "-12i",
    "12u",
    "-12u",
    "t",
    "false",
    "\"s\"",
    "99999999999999999999i",
    "1.5x",
    ".5",
    "+1",
    "0x1",
    "1e999",
    "007",
    "1.5e",
    "1e+",
    "-",
    "1.e5",
    "1..2",
    "1e5.5",
    "-9223372036854775808i",
];
const TIMES: [&str; 10] = [
    "1795349886000000000",
    "-5",
    "",
    "1 ",
    "12a",
    "99999999999999999999",
    "1e3",
    "9999999999999999999",
    "-9223372036854775808",
    "18446744073709551616",
];

fn word() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&WORDS[..]), 1..3).prop_map(|w| w.concat())
}

fn line() -> impl Strategy<Value = String> {
    (
        word(),
        prop::collection::vec((word(), word()), 0..4),
        prop::collection::vec((word(), prop::sample::select(&VALUES[..])), 1..3),
        prop::sample::select(&TIMES[..]),
        prop::sample::select(&[" ", "  ", ""][..]),
    )
        .prop_map(|(m, tags, fields, time, space)| {
            let mut line = m;
            for (k, v) in tags {
                line.push_str(&format!(",{k}={v}"));
            }
            line.push(' ');
            let f: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            line.push_str(&f.join(","));
            line.push_str(space);
            line.push_str(time);
            line
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn whenever_the_fast_path_reads_a_line_the_crate_reads_the_same_point(line in line()) {
        if let Some(fast) = by_fast(&line) {
            prop_assert_eq!(Some(fast), by_crate(&line), "{:?}", line);
        }
    }
}

#[test]
fn series_key_ends_at_the_first_space_no_backslash_escapes() {
    assert_eq!(series_end(b"m,k=v f=1 1"), Some(5));
    assert_eq!(series_end(br"m,p=nginx\ worker f=1 1"), Some(17));
    assert_eq!(series_end(br"m,p=a\\ f=1 1"), Some(7));
    assert_eq!(series_end(r"m,p=\é\ x f=1 1".as_bytes()), Some(10));
    assert_eq!(series_end(b"m"), None);
    assert_eq!(series_end(br"m\"), None);
}

#[test]
fn integers_parse_like_the_standard_library_within_and_beyond_range() {
    for text in ["0", "-0", "17", "-17", "9223372036854775807", "-9223372036854775808", "9223372036854775808"] {
        assert_eq!(parse_i64(text.as_bytes()), text.parse::<i64>().ok(), "{text}");
    }
    assert_eq!(parse_i64(b"-9223372036854775809"), None);
    assert_eq!(parse_i64(b"99999999999999999999"), None);
    for text in ["", "-", "1a", "+1", "--1", " 1"] {
        assert_eq!(parse_i64(text.as_bytes()), None, "{text:?}");
    }
}

const SERIES: [&str; 9] = [
    "ingress,service=a,remote_service=b",
    "ingress,service=a,remote_service=b,x=y",
    r"ingress,service=a\ b,remote_service=c",
    r"ingress,service=a\\b,remote_service=c",
    "egress,address=10.0.0.1,service=c",
    "upstream,service=a,upstream_service=d",
    "downstream,service=a,downstream_service=é",
    "ingress,service=,remote_service=b",
    "other,k=v",
];
const FIELDS: [&str; 6] = [
    "bandwidth_bps=1.5",
    "bandwidth_bps=2i",
    "bandwidth_bps=3e2",
    "service_dependency=1i",
    "bandwidth_bps=\"s\"",
    "f=1",
];

/// What the aggregator makes of `lines`, and the error of each line; read by one parser, or by
/// a fresh parser (an empty series cache) for every line.
fn tables_of(lines: &[String], fresh_parser_per_line: bool) -> (crate::aggregate::Tables, Vec<Option<String>>) {
    let spec = WindowSpec { at: None, traffic_window: Duration(HOUR), dependency_window: Duration(HOUR) };
    let profile = Profile::planet_federator();
    let mut aggregator = Aggregator::new(profile.clone(), spec);
    let mut parser = LineProtocolParser::default();
    let mut errors = Vec::new();
    for line in lines {
        let mut ctx = Context {
            aggregator: &mut aggregator,
            precision: Precision::Auto,
            profile: &profile,
            max_record_bytes: usize::MAX,
        };
        if fresh_parser_per_line {
            parser = LineProtocolParser::default();
        }
        errors.push(parser.line(line, &mut ctx).err().map(|e| e.message));
    }
    (aggregator.tables(), errors)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Lines of a few series in any order (repeated, interleaved, with keys that are prefixes
    /// of others, escaped or not): one parser, whose series cache remembers them, gives the
    /// same tables and the same errors as a fresh parser for every line.
    #[test]
    fn the_series_cache_changes_no_result(
        picks in prop::collection::vec((0..SERIES.len(), 0..FIELDS.len(), 0..3i64), 1..80)
    ) {
        let lines: Vec<String> = picks
            .iter()
            .map(|&(s, f, t)| format!("{} {} {}", SERIES[s], FIELDS[f], 1_795_349_886_000_000_000 + t * 30_000_000_000))
            .collect();
        prop_assert_eq!(tables_of(&lines, false), tables_of(&lines, true));
    }
}
