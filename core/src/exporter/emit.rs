//! The point a stage emits per group and tick, as the profile's rules read points.

use crate::point::{FieldValue, PointView};
use crate::profile::Emit;

/// One federator point: measurement, tags and one field.
#[derive(Debug)]
pub(crate) struct EmittedPoint<'a> {
    measurement: &'a str,
    tags: Vec<(&'a str, &'a str)>,
    field: &'a str,
    value: f64,
}

impl<'a> EmittedPoint<'a> {
    /// The point of a group whose `labels` have `values`; `None` when the measurement label
    /// is empty (no measurement to write).
    pub(crate) fn new(emit: &'a Emit, labels: &[String], values: &'a [String], value: f64) -> Option<Self> {
        let of = |label: &str| labels.iter().position(|l| l == label).map_or("", |i| values[i].as_str());
        let measurement = match (&emit.measurement, &emit.measurement_label) {
            (Some(m), _) => m.as_str(),
            (None, Some(label)) => of(label),
            (None, None) => "",
        };
        if measurement.is_empty() {
            return None;
        }
        let tags = emit.tags.iter().map(|(tag, label)| (tag.as_str(), of(label))).collect();
        Some(EmittedPoint { measurement, tags, field: &emit.field, value })
    }
}

impl PointView for EmittedPoint<'_> {
    fn measurement(&self) -> &str {
        self.measurement
    }

    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        (key == self.field).then_some(FieldValue::Float(self.value))
    }

    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str)) {
        for (k, v) in &self.tags {
            visit(k, v);
        }
    }
}
