//! What parsers hand to the aggregator: a view of one point or one pre-aggregated row.

/// A field value as InfluxDB types it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// `1.5`, `3.38e+07`
    Float(f64),
    /// `12i`
    Integer(i64),
    /// `12u`
    Unsigned(u64),
    /// `t`, `false`
    Boolean(bool),
    /// `"text"`
    String(&'a str),
}

impl FieldValue<'_> {
    /// The value as a number, for MIN/MAX/MEAN; strings and booleans are not numbers
    /// (InfluxDB refuses to aggregate them too).
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            FieldValue::Float(v) => Some(v),
            FieldValue::Integer(v) => Some(v as f64),
            FieldValue::Unsigned(v) => Some(v as f64),
            FieldValue::Boolean(_) | FieldValue::String(_) => None,
        }
    }
}

/// One point (or one pre-aggregated row) as a parser sees it.
///
/// Parsers implement this over their own buffers so that no point is copied: the aggregator
/// asks only for the tags and the field its profile needs.
pub trait PointView {
    /// Measurement name.
    fn measurement(&self) -> &str;
    /// Value of a tag with escapes resolved; `None` or `Some("")` when absent.
    fn tag(&self, key: &str) -> Option<&str>;
    /// Value of a field; `None` when the point has no such field.
    fn field(&self, key: &str) -> Option<FieldValue<'_>>;
    /// Every tag of the point (for typeless exports: every column but the measurement, time and
    /// tag-list columns), in any order; values with escapes resolved. Raw-metric profiles need
    /// them all, because a Prometheus series is its metric name and *all* its labels.
    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str));
}

/// The aggregate columns of a pre-aggregated row (`SELECT MIN(..), MAX(..), SUM(..), COUNT(..)`),
/// each `None` when the row does not have it or it is null.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AggregateValues {
    /// `min` or `min_<field>`.
    pub min: Option<f64>,
    /// `max` or `max_<field>`.
    pub max: Option<f64>,
    /// `sum` or `sum_<field>`.
    pub sum: Option<f64>,
    /// `mean` or `mean_<field>`.
    pub mean: Option<f64>,
    /// `count` or `count_<field>` (COUNT(*) names it after the field).
    pub count: Option<f64>,
}

/// Which aggregate a result column holds, from InfluxDB's naming of function columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateColumn {
    /// MIN
    Min,
    /// MAX
    Max,
    /// SUM
    Sum,
    /// MEAN
    Mean,
    /// COUNT
    Count,
}

impl AggregateColumn {
    /// Classifies a column name: `min`, `min_bandwidth_bps`, `count_service_dependency`, ...
    pub fn classify(column: &str) -> Option<AggregateColumn> {
        let (head, _) = column.split_once('_').unwrap_or((column, ""));
        match head {
            "min" => Some(AggregateColumn::Min),
            "max" => Some(AggregateColumn::Max),
            "sum" => Some(AggregateColumn::Sum),
            "mean" => Some(AggregateColumn::Mean),
            "count" => Some(AggregateColumn::Count),
            _ => None,
        }
    }

    /// Stores a value into the matching slot.
    pub fn store(self, values: &mut AggregateValues, value: Option<f64>) {
        let slot = match self {
            AggregateColumn::Min => &mut values.min,
            AggregateColumn::Max => &mut values.max,
            AggregateColumn::Sum => &mut values.sum,
            AggregateColumn::Mean => &mut values.mean,
            AggregateColumn::Count => &mut values.count,
        };
        if value.is_some() {
            *slot = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_columns_are_recognised_by_influxdb_naming() {
        assert_eq!(AggregateColumn::classify("min"), Some(AggregateColumn::Min));
        assert_eq!(AggregateColumn::classify("count_service_dependency"), Some(AggregateColumn::Count));
        assert_eq!(AggregateColumn::classify("mean_bandwidth_bps"), Some(AggregateColumn::Mean));
        assert_eq!(AggregateColumn::classify("bandwidth_bps"), None);
        assert_eq!(AggregateColumn::classify("minute"), None);
    }
}
