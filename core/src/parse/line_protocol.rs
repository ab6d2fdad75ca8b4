//! Line protocol, bare or as `influx_inspect export` writes it (comment, DDL and DML lines).
//!
//! Parsing is InfluxDB's own `influxdb_line_protocol` crate; this module adds what an export
//! file carries around the points and turns the crate's errors into line errors. In front of
//! the crate sits a fast path for the plain lines that make up nearly every export (no escape,
//! no quote, no control character, single spaces): it reads them without allocating, and
//! gives up on anything else, which then goes to the crate. A property test checks that
//! whenever the fast path accepts a line, the crate reads the very same point from it.

use super::{Context, LineError, LineParser};
use crate::aggregate::{FxBuild, SeriesHandle};
use crate::point::{FieldValue, PointView};
use crate::profile::Profile;
use std::collections::HashMap;

/// At most this many series keys are remembered; the cache starts over when full, so memory
/// stays bounded whatever the number of series.
const MAX_CACHED_SERIES: usize = 1 << 16;
use influxdb_line_protocol::{parse_lines, FieldValue as LpValue, ParsedLine};

#[derive(Debug, Default)]
pub(crate) struct LineProtocolParser {
    /// Byte ranges of the tag keys and values of the current line (fast path).
    tags: Vec<((usize, usize), (usize, usize))>,
    /// Byte range of each field key and its value (fast path).
    fields: Vec<((usize, usize), FastValue)>,
    /// Series keys (the text before the first space) of lines the fast path read, with the
    /// end of their measurement and what the aggregator made of them.
    series: HashMap<Box<[u8]>, (usize, SeriesHandle), FxBuild>,
}

/// A field value read by the fast path; floats are parsed only when asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum FastValue {
    Integer(i64),
    Unsigned(u64),
    /// Byte range of a float literal, already checked against the crate's float grammar.
    Float(usize, usize),
}

/// Byte classes of the fast path, one table lookup per byte.
const SPECIAL: u8 = 1;
const COMMA: u8 = 2;
const EQUALS: u8 = 4;
const SPACE: u8 = 8;

/// Bytes the fast path leaves to the crate (escapes, quotes and control characters such as
/// tab, NUL and CR, whose rules differ between the parts of a line) and the separators.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = SPECIAL;
        c += 1;
    }
    t[b'\\' as usize] = SPECIAL;
    t[b'"' as usize] = SPECIAL;
    t[b',' as usize] = COMMA;
    t[b'=' as usize] = EQUALS;
    t[b' ' as usize] = SPACE;
    t
};

/// Reads the `key=value` that starts after the separator at `sep`, as byte ranges of the key
/// and of the value; `None` when the `=` is missing or either side is empty. A value may hold
/// `=`, as the crate reads it.
#[inline]
fn key_value(b: &[u8], sep: usize) -> Option<((usize, usize), (usize, usize))> {
    let key_start = sep + 1;
    let key_end = token(b, key_start, EQUALS | COMMA | SPACE)?;
    if key_end == key_start || key_end >= b.len() || b[key_end] != b'=' {
        return None;
    }
    let value_start = key_end + 1;
    let value_end = token(b, value_start, COMMA | SPACE)?;
    if value_end == value_start {
        return None;
    }
    Some(((key_start, key_end), (value_start, value_end)))
}

/// Scans a token up to a byte of the `stop` classes; `None` at a special byte.
#[inline]
fn token(b: &[u8], mut i: usize, stop: u8) -> Option<usize> {
    while let Some(&c) = b.get(i) {
        let class = CLASS[usize::from(c)];
        if class & stop != 0 {
            break;
        }
        if class & SPECIAL != 0 {
            return None;
        }
        i += 1;
    }
    Some(i)
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// The crate's float grammar: `-?D`, `-?D.D`, `-?De[+-]?D`, `-?D.De[+-]?D` (D: digits), in
/// one pass.
fn is_float(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"-").unwrap_or(b);
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = digits(0);
    if i == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = digits(start);
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        i = digits(start);
        if i == start {
            return false;
        }
    }
    i == b.len()
}

fn fast_value(line: &str, start: usize, end: usize) -> Option<FastValue> {
    let text = &line[start..end];
    let b = text.as_bytes();
    match b.last()? {
        b'i' => parse_i64(&b[..b.len() - 1]).map(FastValue::Integer),
        b'u' => {
            if !all_digits(&b[..b.len() - 1]) {
                return None;
            }
            // Past i64::MAX the crate's path reports it: the tables' columns are INT64.
            text[..text.len() - 1].parse().ok().filter(|v| i64::try_from(*v).is_ok()).map(FastValue::Unsigned)
        }
        // Only a literal with an exponent or hundreds of digits can overflow to infinity: those
        // are checked here (rare), the rest is parsed only when a field is read.
        _ if is_float(b) && (b.len() > 300 || b.iter().any(|c| matches!(c, b'e' | b'E'))) => {
            text.parse::<f64>().ok().filter(|v| v.is_finite()).map(|_| FastValue::Float(start, end))
        }
        _ => is_float(b).then_some(FastValue::Float(start, end)),
    }
}

/// Refuses field values InfluxDB refuses on write (`invalid float` for a literal past f64's
/// range), unsigned values past the INT64 the tables hold, instead of saturating them, and a
/// string or boolean where the profile reads a number (InfluxDB stores those; the tables cannot
/// use them, and dropping the point silently would hide it).
fn check_values(parsed: &ParsedLine<'_>, profile: &Profile) -> Result<(), LineError> {
    let measurement = parsed.series.measurement.as_str();
    for rule in profile.traffic.iter().filter(|r| r.measurement == measurement) {
        let value = parsed.field_set.iter().find(|(k, _)| k.as_str() == rule.field).map(|(_, v)| v);
        let kind = match value {
            Some(LpValue::String(_)) => "a string",
            Some(LpValue::Boolean(_)) => "a boolean",
            _ => continue,
        };
        return Err(LineError::new(format!(
            "field {}: {kind}, not a number (the {measurement} rows need a number)",
            rule.field
        )));
    }
    for (key, value) in &parsed.field_set {
        match value {
            LpValue::F64(v) if !v.is_finite() => {
                return Err(LineError::new(format!(
                    "field {}: invalid float (out of range of a 64-bit float; InfluxDB refuses it too)",
                    key.as_str()
                )))
            }
            LpValue::U64(v) if i64::try_from(*v).is_err() => {
                return Err(LineError::new(format!(
                    "field {}: {v}u is past the largest value the tables hold (9223372036854775807)",
                    key.as_str()
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The crate's message for a line, clearer for NaN and infinity, which it does not name.
fn crate_error(line: &str, error: impl std::fmt::Display) -> LineError {
    let fields = line.split_once(' ').map_or("", |(_, rest)| rest);
    let not_a_number = fields.split([',', ' ']).filter_map(|kv| kv.split_once('=')).find(|(_, v)| {
        let v = v.trim_start_matches(['+', '-']).to_ascii_lowercase();
        v == "nan" || v == "inf" || v == "infinity"
    });
    match not_a_number {
        Some((key, value)) => {
            LineError::new(format!("field {key}: invalid number {value} (InfluxDB accepts no NaN or infinity)"))
        }
        None => LineError::new(error.to_string()),
    }
}

impl LineProtocolParser {
    /// Reads a plain line into `self.tags` and `self.fields`; returns the end of the
    /// measurement, the space after the tags and the timestamp, or `None` when the crate must
    /// decide.
    fn fast(&mut self, line: &str) -> Option<(usize, usize, i64)> {
        let b = line.as_bytes();
        let n = b.len();
        // A comment line: the crate skips it (callers skip it before, too).
        if b.first() == Some(&b'#') {
            return None;
        }
        let measurement_end = token(b, 0, COMMA | SPACE)?;
        if measurement_end == 0 {
            return None;
        }
        let mut i = measurement_end;
        self.tags.clear();
        while i < n && b[i] == b',' {
            let (key, value) = key_value(b, i)?;
            i = value.1;
            self.tags.push((key, value));
        }
        if i >= n || b[i] != b' ' {
            return None;
        }
        let time = self.fast_fields(line, i)?;
        Some((measurement_end, i, time))
    }

    /// Reads the fields and the timestamp after the space at `space` into `self.fields`.
    fn fast_fields(&mut self, line: &str, space: usize) -> Option<i64> {
        let b = line.as_bytes();
        let n = b.len();
        let mut i = space;
        self.fields.clear();
        loop {
            let (key, (value_start, value_end)) = key_value(b, i)?;
            i = value_end;
            self.fields.push((key, fast_value(line, value_start, value_end)?));
            if i >= n || b[i] != b',' {
                break;
            }
        }
        // Exactly one space, then the timestamp to the end of the line.
        if i >= n || b[i] != b' ' {
            return None;
        }
        parse_i64(&b[i + 1..])
    }

    /// Remembers what the aggregator made of a series, keyed by its raw text.
    fn remember(&mut self, key: &[u8], measurement_end: usize, handle: SeriesHandle) {
        match self.series.get_mut(key) {
            Some(entry) => *entry = (measurement_end, handle),
            None => {
                if self.series.len() >= MAX_CACHED_SERIES {
                    self.series.clear();
                }
                self.series.insert(key.into(), (measurement_end, handle));
            }
        }
    }
}

/// Where the series key (measurement and tags) of a line ends: at the first space that no
/// backslash escapes. In the crate's grammar a backslash always takes the next character with
/// it (known escape or not), so this is where the crate's series parser stops too.
fn series_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        i += memchr::memchr2(b' ', b'\\', &b[i..])?;
        if b[i] == b' ' {
            return Some(i);
        }
        i += 2;
        if i >= b.len() {
            return None;
        }
    }
}

/// Whether the crate reads `key`, as a series key on its own, as the series of `parsed`
/// (checked once per escaped series, before it is remembered).
fn key_reads_as(key: &str, parsed: &ParsedLine<'_>) -> bool {
    let probe = format!("{key} f=0 0");
    let Some(Ok(alone)) = parse_lines(&probe).next() else {
        return false;
    };
    let tags = |p: &ParsedLine<'_>| -> Vec<(String, String)> {
        p.series.tag_set.iter().flatten().map(|(k, v)| (k.as_str().to_string(), v.as_str().to_string())).collect()
    };
    alone.series.measurement.as_str() == parsed.series.measurement.as_str() && tags(&alone) == tags(parsed)
}

/// `-?[0-9]+` as `str::parse::<i64>` reads it; `None` for anything else or out of range.
fn parse_i64(b: &[u8]) -> Option<i64> {
    let (negative, digits) = match b.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, b),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: u64 = 0;
    // Up to 19 digits cannot overflow u64; nanosecond timestamps have 19.
    if digits.len() <= 19 {
        for &d in digits {
            let digit = d.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            magnitude = magnitude * 10 + u64::from(digit);
        }
    } else {
        for &d in digits {
            let digit = d.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            magnitude = magnitude.checked_mul(10)?.checked_add(u64::from(digit))?;
        }
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
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

    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str)) {
        let line = self.line;
        for ((ks, ke), (vs, ve)) in &self.parser.tags {
            visit(&line[*ks..*ke], &line[*vs..*ve]);
        }
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

    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str)) {
        for (k, v) in self.0.series.tag_set.iter().flatten() {
            visit(k.as_str(), v.as_str());
        }
    }
}

/// Lines of an `influx_inspect export` header that are statements, not points.
fn is_export_statement(line: &str) -> bool {
    line.starts_with("CREATE DATABASE ") || line.starts_with("CREATE RETENTION POLICY ")
}

/// InfluxDB 1.x keeps a backslash in a measurement, tag key or tag value literally unless it
/// escapes a comma, an equals sign or a space (`models.scanKey` skips the byte after a backslash,
/// `unescapeTag` replaces only `\,` `\=` `\ `), so `a\\b` is stored with both backslashes. The
/// `influxdb_line_protocol` crate (IOx rules) reads `\\` as one backslash. Doubling every `\\` pair
/// of the series key (up to the first unescaped space) makes the crate read what 1.x stores.
/// `None` when the key holds no such pair (the common case: no copy).
fn double_backslash_pairs_in_key(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let first = memchr::memmem::find(bytes, b"\\\\")?;
    if memchr::memchr(b' ', &bytes[..first]).is_some_and(|space| !is_escaped(bytes, space)) {
        return None;
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'\\') => {
                out.push_str(&line[copied..i]);
                out.push_str("\\\\\\\\");
                i += 2;
                copied = i;
            }
            // Like 1.x, the byte after a backslash is never a separator.
            b'\\' => i += 2,
            b' ' => break,
            _ => i += 1,
        }
    }
    // `copied` is always just after an ASCII backslash pair, so a char boundary.
    out.push_str(&line[copied..]);
    Some(out)
}

/// Whether the byte at `pos` follows an escaping backslash (an odd run of backslashes).
fn is_escaped(bytes: &[u8], pos: usize) -> bool {
    bytes[..pos].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

impl LineParser for LineProtocolParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || is_export_statement(trimmed) {
            return Ok(());
        }
        let key_end = series_end(line.as_bytes());
        let cached = key_end.and_then(|end| self.series.get(&line.as_bytes()[..end]).copied());
        let to_nanos = |raw: i64| {
            ctx.precision.to_nanos(raw).ok_or_else(|| LineError::new(format!("timestamp {raw} is out of range")))
        };
        // Keys holding `\\` pairs are read with 1.x's rules (see `double_backslash_pairs_in_key`):
        // such rare lines bypass the fast path and the series cache and go to the crate doubled.
        if let Some(doubled) = double_backslash_pairs_in_key(line) {
            let Some(parsed) = parse_lines(&doubled).next() else {
                return Ok(());
            };
            let parsed = parsed.map_err(|e| crate_error(line, e))?;
            check_values(&parsed, ctx.profile)?;
            let Some(raw_time) = parsed.timestamp else {
                return Err(LineError::new("missing timestamp (exports must carry the time of every point)"));
            };
            let time = to_nanos(raw_time)?;
            let mut handle = SeriesHandle::Unresolved;
            ctx.aggregator.observe_point_tracked(&LpPoint(&parsed), time, &mut handle);
            return Ok(());
        }
        // A series seen before whose group is known: only its fields and time are read. The
        // series key was read (by the fast path or the crate) when it was remembered, and the
        // crate reads a series key the same way whatever follows it.
        if let (Some(end), Some((measurement_end, mut handle))) = (key_end, cached) {
            if !handle.needs_tags() {
                if let Some(raw) = self.fast_fields(line, end) {
                    let time = to_nanos(raw)?;
                    self.tags.clear();
                    let point = FastPoint { line, measurement_end, parser: self };
                    ctx.aggregator.observe_point_tracked(&point, time, &mut handle);
                    if cached.is_some_and(|(_, h)| h != handle) {
                        self.remember(&line.as_bytes()[..end], measurement_end, handle);
                    }
                    return Ok(());
                }
            }
        }
        let mut handle = cached.map_or(SeriesHandle::Unresolved, |(_, h)| h);
        if let Some((measurement_end, end, raw)) = self.fast(line) {
            let time = to_nanos(raw)?;
            let point = FastPoint { line, measurement_end, parser: self };
            ctx.aggregator.observe_point_tracked(&point, time, &mut handle);
            if key_end == Some(end) {
                self.remember(&line.as_bytes()[..end], measurement_end, handle);
            }
            return Ok(());
        }
        let Some(parsed) = parse_lines(line).next() else {
            return Ok(());
        };
        let parsed = parsed.map_err(|e| crate_error(line, e))?;
        check_values(&parsed, ctx.profile)?;
        let Some(raw_time) = parsed.timestamp else {
            return Err(LineError::new("missing timestamp (exports must carry the time of every point)"));
        };
        let time = to_nanos(raw_time)?;
        ctx.aggregator.observe_point_tracked(&LpPoint(&parsed), time, &mut handle);
        // Escaped series (`process_name=nginx\ worker`) are remembered too, when the crate's
        // series text is exactly the key found above.
        if let Some(end) = key_end.filter(|&end| key_reads_as(&line[..end], &parsed)) {
            // The measurement end is not used on the cached path (the handle is resolved).
            self.remember(&line.as_bytes()[..end], 0, handle);
        }
        Ok(())
    }

    fn finish(&mut self, _ctx: &mut Context<'_>) -> Vec<LineError> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{Aggregator, WindowSpec};
    use crate::profile::Profile;
    use crate::time::{Duration, Precision, HOUR};

    fn tags_of(line: &str) -> Vec<(String, String)> {
        let doubled = double_backslash_pairs_in_key(line);
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
        assert_eq!(double_backslash_pairs_in_key(r#"m,t=a s="x\\y" 1"#), None);
        assert_eq!(double_backslash_pairs_in_key(r"m,t=a\\b s=1 1").as_deref(), Some(r"m,t=a\\\\b s=1 1"));
        assert_eq!(double_backslash_pairs_in_key(r"m,t=a\ \\b s=1 1").as_deref(), Some(r"m,t=a\ \\\\b s=1 1"));
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
}

#[cfg(test)]
mod key_tests {
    use super::*;

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
}
