//! The `metrics` section of a profile: how raw exporter metrics (Prometheus series) become the
//! points of the profile's traffic and dependency rules, as planet-federator's PromQL makes them.
//!
//! Each stage reads one metric, keeps the series its label matchers accept, evaluates a range
//! function on a tick grid, groups and sums, and emits one point per group and tick. The
//! evaluation itself is in [`crate::exporter`]; this is only the data.

use crate::error::{Error, Result};
use crate::time::{Duration, SECOND};
use serde::{Deserialize, Serialize};

/// How raw metrics become rule points (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsSpec {
    /// Spacing of the evaluation ticks, aligned on the epoch (planet-federator: `30s`).
    pub tick: Duration,
    /// Each tick `t` evaluates at `t - offset` and emits at `t` (planet-federator: `15s`).
    pub offset: Duration,
    /// The label `instance` in a `by` list reads the first of these that a series has
    /// (Prometheus: `instance`; Telegraf: `url`).
    pub instance_labels: Vec<String>,
    /// Fields that hold a sample's value when the measurement is the metric name
    /// (remote_write: `value`; Telegraf metric_version 1: `gauge`, `counter`).
    pub value_fields: Vec<String>,
    /// A measurement whose fields are named after the metrics (Telegraf metric_version 2:
    /// `prometheus`); `None` when no input has that shape.
    #[serde(default)]
    pub wide_measurement: Option<String>,
    /// Whether the rows need an inventory: the stages read addresses only (Contiv's IPs), so
    /// without one no hostgroup is known and the analysis is refused with a clear error.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inventory_required: bool,
    /// The stages, one per metric.
    pub stages: Vec<Stage>,
}

/// An address label a stage resolves through the inventory, where the series has no hostgroup.
///
/// When the `hostgroup` label of a series is empty or absent and its `address` label resolves,
/// the entry's hostgroup is written to the `hostgroup` label and, when the entry has a domain,
/// that domain to the `domain` label (planet-exporter writes the domain where it knows one and
/// leaves the address otherwise). Lookups apply in order, before the matchers, so a later one
/// fills only what an earlier one left empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryLookup {
    /// The label holding the address (`remote_ip`).
    pub address: String,
    /// The label that receives the hostgroup (`remote_hostgroup`).
    pub hostgroup: String,
    /// The label that receives the domain (`remote_domain`); `None`: the domain is not used.
    #[serde(default)]
    pub domain: Option<String>,
}

/// A label matcher, as in a PromQL selector; the regular expressions are fully anchored as
/// PromQL anchors them, and an absent label reads as the empty string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matcher {
    /// Label name.
    pub label: String,
    /// `=`, `!=`, `=~` or `!~`.
    pub op: MatchOp,
    /// The value or regular expression.
    pub value: String,
}

/// The four PromQL matcher operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOp {
    /// Equal.
    #[serde(rename = "=")]
    Equal,
    /// Not equal.
    #[serde(rename = "!=")]
    NotEqual,
    /// Matches the whole value.
    #[serde(rename = "=~")]
    Matches,
    /// Does not match the whole value.
    #[serde(rename = "!~")]
    NotMatches,
}

/// The range function of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageFunction {
    /// Per-second rate of the last two samples in range (a decrease is a counter reset).
    Irate,
    /// The series is present when it has a sample in range (`max_over_time` then `max`, whose
    /// value planet-federator does not use).
    MaxOverTime,
}

/// Which table a stage feeds, hence which window its ticks cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageTable {
    /// The traffic window.
    Traffic,
    /// The dependency window.
    Dependency,
}

/// One metric's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Metric name (`__name__`).
    pub metric: String,
    /// Addresses resolved through the inventory before the matchers (none without one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventory: Vec<InventoryLookup>,
    /// All must hold for a series to count.
    #[serde(default)]
    pub matchers: Vec<Matcher>,
    /// Range function.
    pub function: StageFunction,
    /// Range of the selector, `[t - offset - range, t - offset]`, both ends included
    /// (Prometheus 2.x).
    pub range: Duration,
    /// First grouping: `sum by (...)` for `irate`, `max by (...)` for `max_over_time`.
    pub by: Vec<String>,
    /// Factor applied to each first-level sum (`* 8`: bytes to bits).
    #[serde(default = "one")]
    pub scale: f64,
    /// Second grouping, a `sum by (...)` of the scaled first-level sums; `None`: none.
    #[serde(default)]
    pub then_by: Option<Vec<String>>,
    /// Groups are kept only when their value is strictly above this (`> 1000`).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// The table, hence the window of ticks.
    pub table: StageTable,
    /// The point emitted per group and tick.
    pub emit: Emit,
}

// The only floats are finite factors and thresholds from a profile; equality is what tests need.
impl Eq for Stage {}

fn one() -> f64 {
    1.0
}

/// The point a stage emits per group and tick, read by the profile's traffic and dependency rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emit {
    /// A fixed measurement name (`upstream`).
    #[serde(default)]
    pub measurement: Option<String>,
    /// Or the label whose value names the measurement (`direction`: `ingress`, `egress`).
    #[serde(default)]
    pub measurement_label: Option<String>,
    /// With `measurement_label` and `other_measurement`: the label values that name a
    /// measurement; any other value, or none, writes `other_measurement` (planet-federator
    /// writes `ingress` and `egress` as they are and every other direction as `unknown`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurement_values: Vec<String>,
    /// The measurement of a label value not in `measurement_values`; `None`: the value itself,
    /// and no point when the label is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_measurement: Option<String>,
    /// The field holding the group's value (`bandwidth_bps`, `service_dependency`).
    pub field: String,
    /// Emitted tags: `[tag, label]` pairs, the label read from the group, in the order
    /// planet-federator adds them (its client writes them in that order).
    pub tags: Vec<(String, String)>,
    /// The value is an integer in line protocol (`1i`), as planet-federator writes
    /// `service_dependency`; the rules read it as a number either way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub integer: bool,
}

impl Emit {
    /// A point of the fixed measurement `measurement` with the value in `field` and the tags
    /// `[tag, label]`, in the order given.
    pub fn fixed(measurement: &str, field: &str, tags: &[(&str, &str)], integer: bool) -> Emit {
        Emit {
            measurement: Some(measurement.into()),
            measurement_label: None,
            measurement_values: Vec::new(),
            other_measurement: None,
            field: field.into(),
            tags: tags.iter().map(|(tag, label)| (tag.to_string(), label.to_string())).collect(),
            integer,
        }
    }
}

impl MetricsSpec {
    /// Rejects specs that cannot be evaluated: a tick that is not a positive whole number of
    /// milliseconds, an invalid regular expression, an emit that reads a label the grouping drops.
    pub fn validate(&self) -> Result<()> {
        let err = |m: String| Err(Error::Profile(m));
        if self.tick.0 < SECOND / 1000 || self.tick.0 % (SECOND / 1000) != 0 {
            return err(format!("metrics.tick {} must be a positive whole number of milliseconds", self.tick));
        }
        if self.offset.0 < 0 || self.offset.0 % (SECOND / 1000) != 0 {
            return err(format!("metrics.offset {} must be a whole number of milliseconds", self.offset));
        }
        for stage in &self.stages {
            let name = &stage.metric;
            if stage.range.0 < 0 || stage.range.0 % (SECOND / 1000) != 0 {
                return err(format!("stage {name}: range must be a whole number of milliseconds"));
            }
            for m in &stage.matchers {
                if matches!(m.op, MatchOp::Matches | MatchOp::NotMatches) {
                    if let Err(e) = regex_lite::Regex::new(&format!("^(?:{})$", m.value)) {
                        return err(format!("stage {name}: matcher on {}: {e}", m.label));
                    }
                }
            }
            let grouped = stage.then_by.as_ref().unwrap_or(&stage.by);
            if let Some(then_by) = &stage.then_by {
                if let Some(l) = then_by.iter().find(|l| !stage.by.contains(l)) {
                    return err(format!("stage {name}: then_by label {l:?} is not in by"));
                }
            }
            if stage.function == StageFunction::MaxOverTime && (stage.then_by.is_some() || stage.threshold.is_some()) {
                return err(format!("stage {name}: max_over_time takes no then_by or threshold"));
            }
            if !stage.scale.is_finite() || stage.threshold.is_some_and(|t| !t.is_finite()) {
                return err(format!("stage {name}: scale and threshold must be finite"));
            }
            let emit = &stage.emit;
            match (&emit.measurement, &emit.measurement_label) {
                (Some(_), None) => {}
                (None, Some(l)) if grouped.contains(l) => {}
                (None, Some(l)) => return err(format!("stage {name}: measurement_label {l:?} is not grouped by")),
                _ => return err(format!("stage {name}: emit needs exactly one of measurement, measurement_label")),
            }
            if emit.measurement_label.is_none()
                && (emit.other_measurement.is_some() || !emit.measurement_values.is_empty())
            {
                return err(format!("stage {name}: other_measurement and measurement_values need measurement_label"));
            }
            if let Some((_, l)) = emit.tags.iter().find(|(_, l)| !grouped.contains(l)) {
                return err(format!("stage {name}: emitted label {l:?} is not grouped by"));
            }
        }
        Ok(())
    }
}
