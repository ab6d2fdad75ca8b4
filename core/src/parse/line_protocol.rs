//! Line protocol, bare or as `influx_inspect export` writes it (comment, DDL and DML lines).
//!
//! Parsing is InfluxDB's own `influxdb_line_protocol` crate; this module adds what an export
//! file carries around the points and turns the crate's errors into line errors. In front of
//! the crate sits a fast path for the plain lines that make up nearly every export (no escape,
//! no quote, no control character, single spaces): it reads them without allocating, and
//! gives up on anything else, which then goes to the crate. A property test checks that
//! whenever the fast path accepts a line, the crate reads the very same point from it.

use super::{Context, LineError, LineParser};
use crate::point::{FieldValue, PointView};
use influxdb_line_protocol::{parse_lines, FieldValue as LpValue, ParsedLine};

#[derive(Debug, Default)]
pub(crate) struct LineProtocolParser {
    /// Byte ranges of the tag keys and values of the current line (fast path).
    tags: Vec<((usize, usize), (usize, usize))>,
    /// Byte range of each field key and its value (fast path).
    fields: Vec<((usize, usize), FastValue)>,
}

/// A field value read by the fast path; floats are parsed only when asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum FastValue {
    Integer(i64),
    Unsigned(u64),
    /// Byte range of a float literal, already checked against the crate's float grammar.
    Float(usize, usize),
}

/// Bytes the fast path leaves to the crate: escapes, quotes and control characters
/// (tab, NUL, CR), whose rules differ between the parts of a line.
fn is_special(b: u8) -> bool {
    b == b'\\' || b == b'"' || b < 0x20
}

/// Scans a token up to one of the stop bytes; `None` at a special byte.
fn token(b: &[u8], mut i: usize, stop: impl Fn(u8) -> bool) -> Option<usize> {
    while i < b.len() && !stop(b[i]) {
        if is_special(b[i]) {
            return None;
        }
        i += 1;
    }
    Some(i)
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// The crate's float grammar: `-?D`, `-?D.D`, `-?De[+-]?D`, `-?D.De[+-]?D` (D: digits).
fn is_float(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"-").unwrap_or(b);
    let (mantissa, exponent) = match b.iter().position(|&c| c == b'e' || c == b'E') {
        Some(e) => (&b[..e], Some(&b[e + 1..])),
        None => (b, None),
    };
    let mantissa_ok = match mantissa.iter().position(|&c| c == b'.') {
        Some(dot) => all_digits(&mantissa[..dot]) && all_digits(&mantissa[dot + 1..]),
        None => all_digits(mantissa),
    };
    let exponent_ok =
        exponent.is_none_or(|e| all_digits(e.strip_prefix(b"+").or_else(|| e.strip_prefix(b"-")).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

fn fast_value(line: &str, start: usize, end: usize) -> Option<FastValue> {
    let text = &line[start..end];
    let b = text.as_bytes();
    match b.last()? {
        b'i' => {
            let digits = &b[..b.len() - 1];
            if !all_digits(digits.strip_prefix(b"-").unwrap_or(digits)) {
                return None;
            }
            text[..text.len() - 1].parse().ok().map(FastValue::Integer)
        }
        b'u' => {
            if !all_digits(&b[..b.len() - 1]) {
                return None;
            }
            text[..text.len() - 1].parse().ok().map(FastValue::Unsigned)
        }
        _ => is_float(b).then_some(FastValue::Float(start, end)),
    }
}

impl LineProtocolParser {
    /// Reads a plain line into `self.tags` and `self.fields`; returns the end of the
    /// measurement and the timestamp, or `None` when the crate must decide.
    fn fast(&mut self, line: &str) -> Option<(usize, i64)> {
        let b = line.as_bytes();
        let n = b.len();
        // A comment line: the crate skips it (callers skip it before, too).
        if b.first() == Some(&b'#') {
            return None;
        }
        let measurement_end = token(b, 0, |c| c == b',' || c == b' ')?;
        if measurement_end == 0 {
            return None;
        }
        let mut i = measurement_end;
        self.tags.clear();
        while i < n && b[i] == b',' {
            let key_start = i + 1;
            let key_end = token(b, key_start, |c| c == b'=' || c == b',' || c == b' ')?;
            if key_end == key_start || key_end >= n || b[key_end] != b'=' {
                return None;
            }
            let value_start = key_end + 1;
            // A tag value may hold `=`, as the crate reads it.
            i = token(b, value_start, |c| c == b',' || c == b' ')?;
            if i == value_start {
                return None;
            }
            self.tags.push(((key_start, key_end), (value_start, i)));
        }
        if i >= n || b[i] != b' ' {
            return None;
        }
        self.fields.clear();
        loop {
            let key_start = i + 1;
            let key_end = token(b, key_start, |c| c == b'=' || c == b',' || c == b' ')?;
            if key_end == key_start || key_end >= n || b[key_end] != b'=' {
                return None;
            }
            let value_start = key_end + 1;
            i = token(b, value_start, |c| c == b',' || c == b' ')?;
            if i == value_start {
                return None;
            }
            self.fields.push(((key_start, key_end), fast_value(line, value_start, i)?));
            if i >= n || b[i] != b',' {
                break;
            }
        }
        // Exactly one space, then the timestamp to the end of the line.
        if i >= n || b[i] != b' ' {
            return None;
        }
        let time = &b[i + 1..];
        if !all_digits(time.strip_prefix(b"-").unwrap_or(time)) {
            return None;
        }
        let time = line[i + 1..].parse().ok()?;
        Some((measurement_end, time))
    }
}

/// A point read by the fast path: ranges into its line.
struct FastPoint<'a> {
    line: &'a str,
    measurement_end: usize,
    parser: &'a LineProtocolParser,
}

impl PointView for FastPoint<'_> {
    fn measurement(&self) -> &str {
        &self.line[..self.measurement_end]
    }

    fn tag(&self, key: &str) -> Option<&str> {
        let line = self.line;
        let found = self.parser.tags.iter().find(|((ks, ke), _)| &line[*ks..*ke] == key);
        found.map(|(_, (vs, ve))| &line[*vs..*ve])
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        let line = self.line;
        let (_, value) = self.parser.fields.iter().find(|((ks, ke), _)| &line[*ks..*ke] == key)?;
        Some(match *value {
            FastValue::Integer(v) => FieldValue::Integer(v),
            FastValue::Unsigned(v) => FieldValue::Unsigned(v),
            // The same `str::parse` the crate uses, on the same text.
            FastValue::Float(s, e) => FieldValue::Float(line[s..e].parse().ok()?),
        })
    }
}

struct LpPoint<'a, 'b>(&'b ParsedLine<'a>);

impl PointView for LpPoint<'_, '_> {
    fn measurement(&self) -> &str {
        self.0.series.measurement.as_str()
    }

    fn tag(&self, key: &str) -> Option<&str> {
        self.0.series.tag_set.as_ref()?.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v.as_str())
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        let (_, value) = self.0.field_set.iter().find(|(k, _)| k.as_str() == key)?;
        Some(match value {
            LpValue::F64(v) => FieldValue::Float(*v),
            LpValue::I64(v) => FieldValue::Integer(*v),
            LpValue::U64(v) => FieldValue::Unsigned(*v),
            LpValue::Boolean(v) => FieldValue::Boolean(*v),
            LpValue::String(v) => FieldValue::String(v.as_str()),
        })
    }
}

/// Lines of an `influx_inspect export` header that are statements, not points.
fn is_export_statement(line: &str) -> bool {
    line.starts_with("CREATE DATABASE ") || line.starts_with("CREATE RETENTION POLICY ")
}

impl LineParser for LineProtocolParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || is_export_statement(trimmed) {
            return Ok(());
        }
        if let Some((measurement_end, raw_time)) = self.fast(line) {
            let time = ctx
                .precision
                .to_nanos(raw_time)
                .ok_or_else(|| LineError::new(format!("timestamp {raw_time} is out of range")))?;
            ctx.aggregator.observe_point(&FastPoint { line, measurement_end, parser: self }, time);
            return Ok(());
        }
        let Some(parsed) = parse_lines(line).next() else {
            return Ok(());
        };
        let parsed = parsed.map_err(|e| LineError::new(e.to_string()))?;
        let Some(raw_time) = parsed.timestamp else {
            return Err(LineError::new("missing timestamp (exports must carry the time of every point)"));
        };
        let time = ctx
            .precision
            .to_nanos(raw_time)
            .ok_or_else(|| LineError::new(format!("timestamp {raw_time} is out of range")))?;
        ctx.aggregator.observe_point(&LpPoint(&parsed), time);
        Ok(())
    }

    fn finish(&mut self, _ctx: &mut Context<'_>) -> Vec<LineError> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let (measurement_end, time) = parser.fast(line)?;
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
    const VALUES: [&str; 22] = [
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
    ];
    const TIMES: [&str; 7] = ["1795349886000000000", "-5", "", "1 ", "12a", "99999999999999999999", "1e3"];

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
}
