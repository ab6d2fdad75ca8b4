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

impl LineParser for LineProtocolParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || is_export_statement(trimmed) {
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
