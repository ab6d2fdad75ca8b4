//! Line protocol, bare or as `influx_inspect export` writes it (comment, DDL and DML lines).
//!
//! Parsing itself is InfluxDB's own `influxdb_line_protocol` crate; this module adds what an
//! export file carries around the points and turns the crate's errors into line errors.

use super::{Context, LineError, LineParser};
use crate::point::{FieldValue, PointView};
use influxdb_line_protocol::{parse_lines, FieldValue as LpValue, ParsedLine};

#[derive(Debug, Default)]
pub(crate) struct LineProtocolParser;

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
        let doubled = double_backslash_pairs_in_key(line);
        let line = doubled.as_deref().unwrap_or(line);
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
        let mut ctx = Context { aggregator: &mut aggregator, precision: Precision::Auto };
        let mut parser = LineProtocolParser;
        parser.line(r"ingress,service=a\\b bandwidth_bps=1 1795349886000000000", &mut ctx).expect("valid");
        let tables = aggregator.tables();
        assert_eq!(tables.traffic[0].local_hostgroup, r"a\\b");
    }
}
