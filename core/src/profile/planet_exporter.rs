//! The built-in `planet-exporter` profile: planet-exporter's own metrics, evaluated as
//! planet-federator's PromQL evaluates them, then the planet-federator rules.
//! docs/profiles/planet-exporter.json is the same profile as JSON (a test holds them equal).

use super::metrics::{Emit, InventoryLookup, MatchOp, Matcher, MetricsSpec, Stage, StageFunction, StageTable};
use super::Profile;
use crate::defaults::{FEDERATOR_EXCLUDED_ADDRESSES, FEDERATOR_EXCLUDED_PORTS};
use crate::time::{Duration, SECOND};

pub(super) fn matcher(label: &str, op: MatchOp, value: &str) -> Matcher {
    Matcher { label: label.into(), op, value: value.into() }
}

pub(super) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// With an inventory: a remote address planet-exporter could not resolve (no hostgroup) gets
/// the hostgroup and domain it would have written had its inventory held that address.
fn lookup(address: &str, hostgroup: &str, domain: &str) -> InventoryLookup {
    InventoryLookup { address: address.into(), hostgroup: hostgroup.into(), domain: Some(domain.into()) }
}

pub(super) fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// `planet_traffic_bytes_total`: `sum(sum(irate(...[30s])) by (..., instance) * 8) by (...) > 1000`.
fn traffic_stage() -> Stage {
    let by = ["direction", "local_hostgroup", "local_domain", "remote_hostgroup", "remote_domain"];
    let mut inner = strings(&by);
    inner.push("instance".into());
    Stage {
        metric: "planet_traffic_bytes_total".into(),
        inventory: vec![lookup("remote_ip", "remote_hostgroup", "remote_domain")],
        matchers: vec![
            matcher("local_hostgroup", MatchOp::NotEqual, ""),
            matcher("remote_ip", MatchOp::NotMatches, FEDERATOR_EXCLUDED_ADDRESSES),
            matcher("remote_domain", MatchOp::NotMatches, FEDERATOR_EXCLUDED_ADDRESSES),
            matcher("remote_hostgroup", MatchOp::NotEqual, ""),
        ],
        function: StageFunction::Irate,
        range: Duration(30 * SECOND),
        by: inner,
        scale: 8.0,
        then_by: Some(strings(&by)),
        threshold: Some(1000.0),
        table: StageTable::Traffic,
        emit: Emit {
            measurement: None,
            measurement_label: Some("direction".into()),
            measurement_values: strings(&["ingress", "egress"]),
            other_measurement: Some("unknown".into()),
            field: "bandwidth_bps".into(),
            tags: pairs(&[
                ("service", "local_hostgroup"),
                ("address", "local_domain"),
                ("remote_service", "remote_hostgroup"),
                ("remote_address", "remote_domain"),
            ]),
            integer: false,
        },
    }
}

/// `planet_upstream` / `planet_downstream`: `max(max_over_time(...[15s])) by (...)`.
fn dependency_stage(direction: &str) -> Stage {
    let ports = format!("({FEDERATOR_EXCLUDED_PORTS})");
    Stage {
        metric: format!("planet_{direction}"),
        // planet-exporter writes the domain in remote_address when it knows one, else the IP.
        inventory: vec![lookup("remote_address", "remote_hostgroup", "remote_address")],
        matchers: vec![
            matcher("local_hostgroup", MatchOp::NotEqual, ""),
            matcher("port", MatchOp::NotMatches, &ports),
            matcher("remote_address", MatchOp::NotMatches, FEDERATOR_EXCLUDED_ADDRESSES),
            matcher("remote_address", MatchOp::NotEqual, "localhost"),
            matcher("process_name", MatchOp::NotEqual, ""),
            matcher("remote_address", MatchOp::NotMatches, r"\d.*"),
        ],
        function: StageFunction::MaxOverTime,
        range: Duration(15 * SECOND),
        by: strings(&[
            "local_hostgroup",
            "local_address",
            "remote_address",
            "remote_hostgroup",
            "port",
            "process_name",
            "protocol",
        ]),
        scale: 1.0,
        then_by: None,
        threshold: None,
        table: StageTable::Dependency,
        emit: Emit::fixed(direction, "service_dependency", &dependency_tags(direction), true),
    }
}

/// The tags of a dependency point, `[tag, label]`, in the order planet-federator adds them.
fn dependency_tags(direction: &str) -> [(&'static str, &'static str); 7] {
    let (service, address) = (("service", "local_hostgroup"), ("address", "local_address"));
    let (process, protocol) = (("process_name", "process_name"), ("protocol", "protocol"));
    match direction {
        "upstream" => [
            service,
            address,
            ("upstream_service", "remote_hostgroup"),
            ("upstream_address", "remote_address"),
            ("upstream_port", "port"),
            process,
            protocol,
        ],
        _ => [
            service,
            address,
            ("port", "port"),
            process,
            ("downstream_service", "remote_hostgroup"),
            ("downstream_address", "remote_address"),
            protocol,
        ],
    }
}

impl Profile {
    /// planet-exporter's raw metrics (Prometheus remote_write into InfluxDB, Telegraf, the
    /// Prometheus HTTP API), turned into planet-federator's points on its 30-second grid.
    pub fn planet_exporter() -> Profile {
        Profile {
            name: "planet-exporter".into(),
            metrics: Some(MetricsSpec {
                tick: Duration(30 * SECOND),
                offset: Duration(15 * SECOND),
                instance_labels: strings(&["instance", "url"]),
                value_fields: strings(&["value", "gauge", "counter"]),
                wide_measurement: Some("prometheus".into()),
                inventory_required: false,
                stages: vec![traffic_stage(), dependency_stage("upstream"), dependency_stage("downstream")],
            }),
            ..Profile::planet_federator()
        }
    }
}
