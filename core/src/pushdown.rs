//! Push-down for the Prometheus source: instead of fetching raw samples and evaluating a
//! profile's stages here, ask Prometheus to evaluate each stage's PromQL (planet-federator's own
//! queries for the built-in profile) with `/api/v1/query_range` on the tick grid, and turn the
//! answers into the points the stages would have emitted. Those points are then aggregated by
//! the profile's rules alone ([`rules_only`]), as planet-federator's points in InfluxDB are.
//!
//! The PromQL is built from the profile's data, so a JSON profile with other regexes, labels or
//! threshold is pushed down too; [`queries`] refuses a profile whose meaning PromQL would not
//! reproduce exactly (an `instance` read from another label, a label the raw path cannot see).
//! The answers give the same rows as the raw path: the same samples, the same range semantics
//! (Prometheus is the oracle the raw path is tested against); only the order in which floats are
//! summed differs, which can move an integer column by 1 where a sum lands on a truncation edge.

use crate::error::{Error, Result};
use crate::exporter::EmittedPoint;
use crate::parse::prometheus_json::{time_of, Answer, Series};
use crate::point::PointView;
use crate::profile::{MatchOp, MetricsSpec, Profile, Stage, StageFunction, StageTable};
use crate::time::Timestamp;
use serde_json::Value;
use std::collections::BTreeMap;

const NS_PER_MS: i64 = 1_000_000;

/// One stage's PromQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageQuery {
    /// Index of the stage in the profile's `metrics.stages`.
    pub stage: usize,
    /// The table it feeds, hence the job that asks it.
    pub table: StageTable,
    /// The expression to evaluate at each tick's `t - offset`.
    pub promql: String,
}

/// The PromQL of every stage of a profile, or why the profile cannot be pushed down.
pub fn queries(profile: &Profile) -> Result<Vec<StageQuery>> {
    let Some(spec) = &profile.metrics else {
        return Err(refuse(&profile.name, "it reads no raw metrics"));
    };
    spec.stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let promql =
                promql(stage, spec).map_err(|why| refuse(&profile.name, &format!("stage {}: {why}", stage.metric)))?;
            Ok(StageQuery { stage: i, table: stage.table, promql })
        })
        .collect()
}

fn refuse(profile: &str, why: &str) -> Error {
    Error::Profile(format!(
        "profile {profile:?} cannot be pushed down to Prometheus: {why} (use --prometheus-fetch raw)"
    ))
}

/// The same profile without its `metrics` section: the rules that read the stages' points.
pub fn rules_only(profile: &Profile) -> Profile {
    Profile { metrics: None, ..profile.clone() }
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A PromQL double-quoted string (Go escapes).
fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A PromQL duration: whole seconds as `30s`, else milliseconds.
fn duration(ns: i64) -> String {
    let ms = ns / NS_PER_MS;
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The PromQL of one stage: `sum(sum(irate(m{..}[r])) by (..) * scale) by (..) > threshold`
/// or `max(max_over_time(m{..}[r])) by (..)`.
pub fn promql(stage: &Stage, spec: &MetricsSpec) -> std::result::Result<String, String> {
    if !is_metric_name(&stage.metric) {
        return Err(format!("{:?} is not a PromQL metric name", stage.metric));
    }
    if stage.range.0 <= 0 {
        return Err("a range selector needs a range longer than zero".into());
    }
    // Labels the raw path does not read as labels (the value fields, metric names of the wide
    // shape) would mean something else to Prometheus.
    let hidden = |l: &str| {
        l == "__name__" || spec.value_fields.iter().any(|f| f == l) || spec.stages.iter().any(|s| s.metric == l)
    };
    let labels = stage.matchers.iter().map(|m| &m.label).chain(&stage.by).chain(stage.then_by.iter().flatten());
    for label in labels {
        if !is_label_name(label) || hidden(label) {
            return Err(format!("label {label:?} means something else to Prometheus"));
        }
    }
    let groups_by_instance = stage.by.iter().chain(stage.then_by.iter().flatten()).any(|l| l == "instance");
    if groups_by_instance && spec.instance_labels.first().is_some_and(|l| l != "instance") {
        return Err(format!(
            "`instance` is read from {:?} first, Prometheus groups by its own `instance`",
            spec.instance_labels[0]
        ));
    }
    if groups_by_instance && spec.instance_labels.is_empty() {
        return Err("`instance` reads no label, Prometheus groups by its own `instance`".into());
    }
    let matchers: Vec<String> = stage
        .matchers
        .iter()
        .map(|m| {
            let op = match m.op {
                MatchOp::Equal => "=",
                MatchOp::NotEqual => "!=",
                MatchOp::Matches => "=~",
                MatchOp::NotMatches => "!~",
            };
            format!("{}{op}{}", m.label, string_literal(&m.value))
        })
        .collect();
    let selector = format!("{}{{{}}}[{}]", stage.metric, matchers.join(", "), duration(stage.range.0));
    let by = stage.by.join(", ");
    Ok(match stage.function {
        StageFunction::MaxOverTime => format!("max(max_over_time({selector})) by ({by})"),
        StageFunction::Irate => {
            let mut expr = format!("sum(irate({selector})) by ({by})");
            if stage.scale != 1.0 {
                expr = format!("{expr} * {}", stage.scale);
            }
            if let Some(then_by) = &stage.then_by {
                expr = format!("sum({expr}) by ({})", then_by.join(", "));
            }
            if let Some(threshold) = stage.threshold {
                expr = format!("{expr} > {threshold}");
            }
            expr
        }
    })
}

/// The ticks `t` of the profile's grid with `start <= t < end`, cut into runs of at most
/// `max_ticks`: (first, last) tick of each run, both included. One `query_range` per run, from
/// `first - offset` to `last - offset` with the tick as step.
pub fn tick_runs(spec: &MetricsSpec, start: Timestamp, end: Timestamp, max_ticks: i64) -> Vec<(Timestamp, Timestamp)> {
    let step = spec.tick.0.max(1);
    let first = start.0.div_euclid(step).saturating_add(i64::from(start.0.rem_euclid(step) != 0)).saturating_mul(step);
    let last = end.0.saturating_sub(1).div_euclid(step).saturating_mul(step);
    let run = step.saturating_mul(max_ticks.max(1));
    let mut out = Vec::new();
    let mut from = first;
    while from <= last {
        let to = from.saturating_add(run - step).min(last);
        out.push((Timestamp(from), Timestamp(to)));
        from = to.saturating_add(step);
    }
    out
}

/// Points gathered by measurement and tags, as InfluxDB answers a `GROUP BY *` query.
type Gathered = BTreeMap<(String, Vec<(String, String)>), (String, Vec<(i64, f64)>)>;

fn gather(points: &mut Gathered, point: &EmittedPoint<'_>, field: &str, time: i64, value: f64) {
    let mut tags = Vec::new();
    point.for_each_tag(&mut |k, v| tags.push((k.to_string(), v.to_string())));
    let entry =
        points.entry((point.measurement().to_string(), tags)).or_insert_with(|| (field.to_string(), Vec::new()));
    entry.1.push((time, value));
}

fn bad_answer(message: String) -> Error {
    Error::Input { input: "Prometheus query_range answer".into(), message }
}

/// The points one stage's `query_range` answer stands for, as an InfluxDB `/query` JSON
/// document (`--format json`, `--precision ns`) for the profile's rules, and how many points it
/// holds. Each answer time `T` is the tick `T + offset`; ticks outside `[from, to)` are left
/// out. An `irate` stage gives a point per group and tick (NaN left out, as the raw path does);
/// a presence stage gives one point per group at its latest tick, all the dependency table
/// needs.
pub fn federator_points(
    profile: &Profile,
    stage: usize,
    answer: &[u8],
    from: Timestamp,
    to: Timestamp,
) -> Result<(String, u64)> {
    let Some((spec, s)) = profile.metrics.as_ref().and_then(|m| m.stages.get(stage).map(|s| (m, s))) else {
        return Err(Error::Profile(format!("profile {:?} has no stage {stage}", profile.name)));
    };
    let answer: Answer<Vec<Series>> =
        serde_json::from_slice(answer).map_err(|e| bad_answer(format!("invalid json: {e}")))?;
    let data = answer.into_data().map_err(bad_answer)?;
    if data.result_type != "matrix" {
        return Err(bad_answer(format!("result type {:?}, expected a matrix", data.result_type)));
    }
    let labels = s.then_by.as_ref().unwrap_or(&s.by);
    let mut points = Gathered::new();
    for series in &data.result {
        let values: Vec<String> = labels.iter().map(|l| series.metric.get(l).cloned().unwrap_or_default()).collect();
        let mut latest = None;
        for (time, value) in &series.values {
            let at = time_of(time).ok_or_else(|| bad_answer(format!("invalid sample time {time}")))?;
            let tick = at.saturating_add(spec.offset.0);
            if tick.rem_euclid(spec.tick.0.max(1)) != 0 {
                return Err(bad_answer(format!("time {time} is not on the {} grid less {}", spec.tick, spec.offset)));
            }
            if tick < from.0 || tick >= to.0 {
                continue;
            }
            let value: f64 = value.parse().map_err(|_| bad_answer(format!("invalid sample value {value:?}")))?;
            match s.function {
                StageFunction::Irate if value.is_nan() => {}
                StageFunction::Irate => {
                    if let Some(point) = EmittedPoint::new(&s.emit, labels, &values, value) {
                        gather(&mut points, &point, &s.emit.field, tick, value);
                    }
                }
                StageFunction::MaxOverTime => latest = latest.max(Some(tick)),
            }
        }
        if let Some(tick) = latest {
            if let Some(point) = EmittedPoint::new(&s.emit, labels, &values, 1.0) {
                gather(&mut points, &point, &s.emit.field, tick, 1.0);
            }
        }
    }
    let count = points.values().map(|(_, v)| v.len() as u64).sum();
    let series: Vec<Value> = points
        .into_iter()
        .map(|((name, tags), (field, values))| {
            let tags: serde_json::Map<String, Value> = tags.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
            let values: Vec<Value> = values.into_iter().map(|(t, v)| serde_json::json!([t, v])).collect();
            serde_json::json!({ "name": name, "tags": tags, "columns": ["time", field], "values": values })
        })
        .collect();
    let document = serde_json::json!({ "results": [{ "statement_id": 0, "series": series }] });
    Ok((document.to_string(), count))
}

#[cfg(test)]
mod tests;
