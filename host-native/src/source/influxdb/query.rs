//! The InfluxQL of the source: the statements of a job window, and those of `planet-bq check`.
//!
//! Queries carry both window bounds (`time >= 'start' AND time < 'end'`), never `now()`. By
//! default the heavy lifting is pushed down: `MIN/MAX/SUM/COUNT ... GROUP BY <tags>` per traffic
//! measurement and `COUNT(*) ... GROUP BY <tags>` per dependency measurement, merged by the
//! core (SUM and COUNT rather than MEAN so that time slices merge exactly). `--influxdb-query-mode
//! raw` fetches the points instead. Long windows may be cut in slices (`--influxdb-query-slice`).

use super::QueryMode;
use crate::job::{Job, JobWindow};
use planet_core::profile::{MetricsSpec, Rule, StageTable};
use planet_core::{Duration, Profile, Timestamp};

/// Quotes an identifier for InfluxQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Quotes a string literal for InfluxQL.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The InfluxQL statements of a job window: one per measurement of the job and per time slice.
pub fn queries(
    profile: &Profile,
    window: &JobWindow,
    mode: QueryMode,
    slice: Option<Duration>,
    retention_policy: &str,
) -> Vec<String> {
    if let Some(spec) = &profile.metrics {
        return raw_metric_queries(spec, window, slice, retention_policy);
    }
    let mut out = Vec::new();
    let rules: Vec<(String, Rule<'_>)> = match window.job {
        Job::Traffic => profile.traffic.iter().map(|r| (r.measurement.clone(), Rule::Traffic(r))).collect(),
        Job::Dependency => profile.dependency.iter().map(|r| (r.measurement.clone(), Rule::Dependency(r))).collect(),
    };
    let ranges = ranges(window.start, window.end, slice);
    for (measurement, rule) in &rules {
        let tags = rule.group_tags();
        let group_by = tags.iter().map(|t| ident(t)).collect::<Vec<_>>().join(", ");
        let (select, local) = match rule {
            Rule::Traffic(r) => {
                let f = ident(&r.field);
                let select = match mode {
                    QueryMode::Pushdown => format!("MIN({f}), MAX({f}), SUM({f}), COUNT({f})"),
                    QueryMode::Raw => f,
                };
                (select, &r.local_hostgroup)
            }
            Rule::Dependency(r) => {
                let select = match mode {
                    QueryMode::Pushdown => "COUNT(*)".to_string(),
                    QueryMode::Raw => "*".to_string(),
                };
                (select, &r.local_hostgroup)
            }
        };
        for (start, end) in &ranges {
            out.push(format!(
                "SELECT {select} FROM {} WHERE {} != '' AND time >= {} AND time < {} GROUP BY {group_by}",
                from(retention_policy, measurement),
                ident(local),
                literal(&start.to_rfc3339()),
                literal(&end.to_rfc3339()),
            ));
        }
    }
    out
}

/// `[start, end)` cut in slices of at most `slice`.
fn ranges(start: Timestamp, end: Timestamp, slice: Option<Duration>) -> Vec<(Timestamp, Timestamp)> {
    let Some(s) = slice.filter(|s| s.0 > 0) else {
        return vec![(start, end)];
    };
    let mut out = Vec::new();
    let mut from = start;
    while from < end {
        let to = Timestamp(from.0.saturating_add(s.0).min(end.0));
        out.push((from, to));
        from = to;
    }
    out
}

/// A measurement, with the retention policy when one is named.
fn from(retention_policy: &str, measurement: &str) -> String {
    if retention_policy.is_empty() {
        ident(measurement)
    } else {
        format!("{}.{}", ident(retention_policy), ident(measurement))
    }
}

/// Raw exporter metrics (a profile with metric stages): every sample of the job's metrics from
/// the stages' lookback before the window (the first ticks read samples before it) to its end,
/// series by series (`GROUP BY *` keeps every label a tag, as the stages need them all). Nothing
/// is pushed down: the stages need the samples themselves.
fn raw_metric_queries(
    spec: &MetricsSpec,
    window: &JobWindow,
    slice: Option<Duration>,
    retention_policy: &str,
) -> Vec<String> {
    let table = match window.job {
        Job::Traffic => StageTable::Traffic,
        Job::Dependency => StageTable::Dependency,
    };
    let lookback = spec.offset.0 + spec.stages.iter().map(|s| s.range.0).max().unwrap_or(0);
    let measurements = metric_measurements(spec, Some(table));
    let start = Timestamp(window.start.0.saturating_sub(lookback));
    let mut out = Vec::new();
    for m in measurements {
        for (a, b) in ranges(start, window.end, slice) {
            out.push(format!(
                "SELECT * FROM {} WHERE time >= {} AND time < {} GROUP BY *",
                from(retention_policy, m),
                literal(&a.to_rfc3339()),
                literal(&b.to_rfc3339()),
            ));
        }
    }
    out
}

/// The measurements raw exporter metrics are stored in, for one table's stages or all of them.
fn metric_measurements(spec: &MetricsSpec, table: Option<StageTable>) -> Vec<&str> {
    // A metric is its own measurement only where a value field can hold its samples (Contiv's
    // counters are fields of `httpjson_svcstats`, never measurements).
    let mut measurements: Vec<&str> = spec
        .stages
        .iter()
        .filter(|s| table.is_none_or(|t| s.table == t) && !spec.value_fields.is_empty())
        .map(|s| s.metric.as_str())
        .collect();
    // Telegraf's metric_version 2 keeps every metric as a field of one measurement.
    measurements.extend(spec.wide_measurement.as_deref());
    let mut seen = std::collections::HashSet::new();
    measurements.retain(|m| seen.insert(*m));
    measurements
}

/// `check`: the measurements the profile reads, each looked at for its newest point.
pub fn checked_measurements(profile: &Profile) -> Vec<String> {
    match &profile.metrics {
        Some(spec) => metric_measurements(spec, None).into_iter().map(str::to_string).collect(),
        None => profile
            .traffic
            .iter()
            .map(|r| r.measurement.clone())
            .chain(profile.dependency.iter().map(|r| r.measurement.clone()))
            .collect(),
    }
}

/// `check`: is the database readable at all?
pub const ANY_MEASUREMENT: &str = "SHOW MEASUREMENTS LIMIT 1";

/// `check`: the newest point of a measurement.
pub fn newest_point(measurement: &str) -> String {
    format!("SELECT * FROM \"{}\" ORDER BY time DESC LIMIT 1", measurement.replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_looks_at_the_profiles_own_measurements() {
        let federator = checked_measurements(&Profile::default());
        assert_eq!(federator, ["ingress", "egress", "upstream", "downstream"]);
        let exporter = checked_measurements(&Profile::planet_exporter());
        assert_eq!(exporter, ["planet_traffic_bytes_total", "planet_upstream", "planet_downstream", "prometheus"]);
        // Contiv's counters are fields of one measurement, never measurements of their own.
        assert_eq!(checked_measurements(&Profile::contiv_svcstats()), ["httpjson_svcstats"]);
    }
    use crate::job::WindowLengths;

    fn window(job: Job, end: &str) -> JobWindow {
        WindowLengths::default().window(job, end.parse().expect("valid"))
    }

    #[test]
    fn pushdown_traffic_queries_carry_both_bounds_and_group_by_every_tag() {
        let q = queries(
            &Profile::planet_federator(),
            &window(Job::Traffic, "2026-11-22T13:00:00Z"),
            QueryMode::Pushdown,
            None,
            "",
        );
        assert_eq!(q.len(), 2);
        assert_eq!(
            q[0],
            "SELECT MIN(\"bandwidth_bps\"), MAX(\"bandwidth_bps\"), SUM(\"bandwidth_bps\"), COUNT(\"bandwidth_bps\") \
             FROM \"ingress\" WHERE \"service\" != '' AND time >= '2026-11-22T12:00:00Z' AND time < '2026-11-22T13:00:00Z' \
             GROUP BY \"service\", \"address\", \"remote_service\", \"remote_address\""
        );
        assert!(q[1].contains("FROM \"egress\""));
        assert!(!q.iter().any(|s| s.contains("now()")));
    }

    #[test]
    fn dependency_queries_slice_the_week_and_name_the_retention_policy() {
        let q = queries(
            &Profile::planet_federator(),
            &window(Job::Dependency, "2026-11-22T11:00:00Z"),
            QueryMode::Pushdown,
            Some("1d".parse().expect("valid")),
            "autogen",
        );
        assert_eq!(q.len(), 14, "7 daily slices for upstream and for downstream");
        assert!(q[0].starts_with("SELECT COUNT(*) FROM \"autogen\".\"upstream\""));
        assert!(q[0].contains("time >= '2026-11-15T11:00:00Z' AND time < '2026-11-16T11:00:00Z'"));
        assert!(q[6].contains("time < '2026-11-22T11:00:00Z'"));
        assert!(q[7].contains("\"downstream\""));
        assert!(q[7].contains("GROUP BY \"protocol\", \"process_name\", \"service\", \"address\", \"port\", \"downstream_service\", \"downstream_address\""));
    }

    #[test]
    fn raw_exporter_metrics_are_read_whole_from_45_seconds_before_the_window() {
        let profile = Profile::by_name("planet-exporter").expect("built in");
        let q = queries(&profile, &window(Job::Traffic, "2026-11-22T13:00:00Z"), QueryMode::Pushdown, None, "");
        assert_eq!(
            q,
            [
                "SELECT * FROM \"planet_traffic_bytes_total\" WHERE time >= '2026-11-22T11:59:15Z' \
                 AND time < '2026-11-22T13:00:00Z' GROUP BY *",
                "SELECT * FROM \"prometheus\" WHERE time >= '2026-11-22T11:59:15Z' \
                 AND time < '2026-11-22T13:00:00Z' GROUP BY *",
            ]
        );
        let q = queries(&profile, &window(Job::Dependency, "2026-11-22T11:00:00Z"), QueryMode::Raw, None, "");
        assert!(q[0].contains("FROM \"planet_upstream\"") && q[1].contains("FROM \"planet_downstream\""), "{q:?}");
    }

    #[test]
    fn identifiers_and_literals_are_escaped() {
        assert_eq!(ident("a\"b"), "\"a\\\"b\"");
        assert_eq!(literal("it's"), "'it\\'s'");
    }
}
