//! Line protocol, bare or as `influx_inspect export` writes it (comment, DDL and DML lines).
//!
//! Parsing is InfluxDB's own `influxdb_line_protocol` crate; this module adds what an export
//! file carries around the points and turns the crate's errors into line errors. In front of
//! the crate sits a fast path for the plain lines that make up nearly every export (no escape,
//! no quote, no control character, single spaces): it reads them without allocating, and
//! gives up on anything else, which then goes to the crate. A property test checks that
//! whenever the fast path accepts a line, the crate reads the very same point from it.

use super::{wrong_type, Context, LineError, LineParser};
use crate::aggregate::SeriesHandle;
use crate::point::{FieldValue, PointView};
use crate::profile::Profile;

mod fast_path;

use super::series_cache::SeriesCache;
use fast_path::*;

use influxdb_line_protocol::{parse_lines, FieldValue as LpValue, ParsedLine};

#[derive(Debug, Default)]
pub(crate) struct LineProtocolParser {
    /// Byte ranges of the tag keys and values of the current line (fast path).
    tags: Vec<((usize, usize), (usize, usize))>,
    /// Byte range of each field key and its value (fast path).
    fields: Vec<((usize, usize), FastValue)>,
    /// Series keys (the text before the first space) of lines the fast path read, with the
    /// end of their measurement and what the aggregator made of them.
    series: SeriesCache,
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
        return Err(LineError::new(wrong_type(&rule.field, kind, measurement)));
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

/// A line the crate read, with its raw timestamp, once its values are ones the tables can use.
fn checked<'a, E: std::fmt::Display>(
    parsed: Result<ParsedLine<'a>, E>,
    line: &str,
    profile: &Profile,
) -> Result<(ParsedLine<'a>, i64), LineError> {
    let parsed = parsed.map_err(|e| crate_error(line, e))?;
    check_values(&parsed, profile)?;
    let Some(raw_time) = parsed.timestamp else {
        return Err(LineError::new("missing timestamp (exports must carry the time of every point)"));
    };
    Ok((parsed, raw_time))
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
/// `None` when the key holds no such pair (the common case: no copy). `key_end` is
/// [`series_end`] of the line (`None`: the key runs to the end of the line).
fn double_backslash_pairs_in_key(line: &str, key_end: Option<usize>) -> Option<String> {
    let bytes = line.as_bytes();
    let key = &bytes[..key_end.unwrap_or(bytes.len())];
    // Most keys hold no backslash at all: one SIMD search, no substring finder built per line.
    let first = memchr::memchr(b'\\', key)?;
    if !key[first..].windows(2).any(|pair| pair == b"\\\\") {
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

impl LineParser for LineProtocolParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || is_export_statement(trimmed) {
            return Ok(());
        }
        let key_end = series_end(line.as_bytes());
        let cached = key_end.and_then(|end| self.series.find(&line.as_bytes()[..end]));
        let cached_id = cached.map(|(id, ..)| id);
        let to_nanos = |raw: i64| {
            ctx.precision.to_nanos(raw).ok_or_else(|| LineError::new(format!("timestamp {raw} is out of range")))
        };
        // Keys holding `\\` pairs are read with 1.x's rules (see `double_backslash_pairs_in_key`):
        // such rare lines bypass the fast path and the series cache and go to the crate doubled.
        if let Some(doubled) = double_backslash_pairs_in_key(line, key_end) {
            let Some(parsed) = parse_lines(&doubled).next() else {
                return Ok(());
            };
            let (parsed, raw_time) = checked(parsed, line, ctx.profile)?;
            let time = to_nanos(raw_time)?;
            let mut handle = SeriesHandle::Unresolved;
            ctx.aggregator.observe_point_tracked(&LpPoint(&parsed), time, &mut handle);
            return Ok(());
        }
        // A series seen before whose group is known: only its fields and time are read. The
        // series key was read (by the fast path or the crate) when it was remembered, and the
        // crate reads a series key the same way whatever follows it.
        if let (Some(end), Some((id, measurement_end, mut handle))) = (key_end, cached) {
            if !handle.needs_tags() {
                if let Some(raw) = self.fast_fields(line, end) {
                    let time = to_nanos(raw)?;
                    self.tags.clear();
                    let point = FastPoint { line, measurement_end, parser: self };
                    ctx.aggregator.observe_point_tracked(&point, time, &mut handle);
                    if cached.is_some_and(|(_, _, h)| h != handle) {
                        self.series.set_handle(id, handle);
                    }
                    return Ok(());
                }
            }
        }
        let mut handle = cached.map_or(SeriesHandle::Unresolved, |(_, _, h)| h);
        if let Some((measurement_end, end, raw)) = self.fast(line) {
            let time = to_nanos(raw)?;
            let point = FastPoint { line, measurement_end, parser: self };
            ctx.aggregator.observe_point_tracked(&point, time, &mut handle);
            if key_end == Some(end) {
                self.series.remember(cached_id, &line.as_bytes()[..end], measurement_end, handle);
            }
            return Ok(());
        }
        let Some(parsed) = parse_lines(line).next() else {
            return Ok(());
        };
        let (parsed, raw_time) = checked(parsed, line, ctx.profile)?;
        let time = to_nanos(raw_time)?;
        ctx.aggregator.observe_point_tracked(&LpPoint(&parsed), time, &mut handle);
        // Escaped series (`process_name=nginx\ worker`) are remembered too, when the crate's
        // series text is exactly the key found above.
        if let Some(end) = key_end.filter(|&end| key_reads_as(&line[..end], &parsed)) {
            // The measurement end is not used on the cached path (the handle is resolved).
            self.series.remember(cached_id, &line.as_bytes()[..end], 0, handle);
        }
        Ok(())
    }

    fn finish(&mut self, _ctx: &mut Context<'_>) -> Vec<LineError> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests;
