//! The built-in `contiv-svcstats` profile: Contiv service statistics that Telegraf's `httpjson`
//! input writes into InfluxDB as `httpjson_svcstats` points (tags `EndpointIP`, `ProviderIP`,
//! `ServiceIP`; cumulative counters `BytesIn`, `BytesOut`, `PacketsIn`, `PacketsOut`), turned
//! into planet-federator's points through the inventory, then the planet-federator rules.
//! docs/profiles/contiv-svcstats.json is the same profile as JSON (a test holds them equal);
//! docs/PROFILES.md explains the mapping.
//!
//! The endpoint is local: Telegraf asks for each endpoint's counters (`/<EndpointIP>`), and they
//! count the endpoint's bytes with the provider that serves it the service. `BytesOut` is what
//! the endpoint sent (egress), `BytesIn` what it received (ingress). The endpoint calls the
//! service, so the provider is its upstream, and the endpoint a downstream of the provider.
//! Packets have no column in the tables and are not read.

use super::metrics::{Emit, InventoryLookup, MatchOp, MetricsSpec, Stage, StageFunction, StageTable};
use super::planet_exporter::{matcher, strings};
use super::Profile;
use crate::time::{Duration, SECOND};

/// Endpoint is local, provider remote; a provider the inventory does not know is named by the
/// service IP's entry instead (a lookup fills only an empty hostgroup).
fn lookups() -> Vec<InventoryLookup> {
    let lookup = |address: &str, side: &str| InventoryLookup {
        address: address.into(),
        hostgroup: format!("{side}_hostgroup"),
        domain: Some(format!("{side}_domain")),
    };
    vec![lookup("EndpointIP", "local"), lookup("ProviderIP", "remote"), lookup("ServiceIP", "remote")]
}

const GROUP: [&str; 4] = ["local_hostgroup", "local_domain", "remote_hostgroup", "remote_domain"];

/// `sum(irate(<counter>[30s])) by (local, remote) * 8 > 1000`, as planet-federator's traffic.
fn traffic_stage(counter: &str, direction: &str) -> Stage {
    Stage {
        metric: counter.into(),
        inventory: lookups(),
        matchers: vec![
            matcher("local_hostgroup", MatchOp::NotEqual, ""),
            matcher("remote_hostgroup", MatchOp::NotEqual, ""),
        ],
        function: StageFunction::Irate,
        range: Duration(30 * SECOND),
        by: strings(&GROUP),
        scale: 8.0,
        then_by: None,
        threshold: Some(1000.0),
        table: StageTable::Traffic,
        emit: Emit::fixed(
            direction,
            "bandwidth_bps",
            &[
                ("service", "local_hostgroup"),
                ("address", "local_domain"),
                ("remote_service", "remote_hostgroup"),
                ("remote_address", "remote_domain"),
            ],
            false,
        ),
    }
}

/// A dependency while the endpoint-provider series is reported (`max_over_time(...[15s])`),
/// seen from the endpoint (`upstream`) or from the provider (`downstream`). Contiv has no
/// process, port or protocol: those columns are empty.
fn dependency_stage(direction: &str) -> Stage {
    let (local, remote, remote_service, remote_address) = match direction {
        "upstream" => ("local", "remote", "upstream_service", "upstream_address"),
        _ => ("remote", "local", "downstream_service", "downstream_address"),
    };
    let (local_hostgroup, local_domain) = (format!("{local}_hostgroup"), format!("{local}_domain"));
    let (remote_hostgroup, remote_domain) = (format!("{remote}_hostgroup"), format!("{remote}_domain"));
    Stage {
        metric: "BytesOut".into(),
        inventory: lookups(),
        matchers: vec![matcher(&local_hostgroup, MatchOp::NotEqual, "")],
        function: StageFunction::MaxOverTime,
        range: Duration(15 * SECOND),
        by: strings(&GROUP),
        scale: 1.0,
        then_by: None,
        threshold: None,
        table: StageTable::Dependency,
        emit: Emit::fixed(
            direction,
            "service_dependency",
            &[
                ("service", &local_hostgroup),
                ("address", &local_domain),
                (remote_service, &remote_hostgroup),
                (remote_address, &remote_domain),
            ],
            true,
        ),
    }
}

impl Profile {
    /// Contiv's `httpjson_svcstats` counters, with hostgroups from the inventory (required).
    pub fn contiv_svcstats() -> Profile {
        Profile {
            name: "contiv-svcstats".into(),
            metrics: Some(MetricsSpec {
                tick: Duration(30 * SECOND),
                offset: Duration(15 * SECOND),
                instance_labels: strings(&["server"]),
                value_fields: Vec::new(),
                wide_measurement: Some("httpjson_svcstats".into()),
                inventory_required: true,
                stages: vec![
                    traffic_stage("BytesOut", "egress"),
                    traffic_stage("BytesIn", "ingress"),
                    dependency_stage("upstream"),
                    dependency_stage("downstream"),
                ],
            }),
            ..Profile::planet_federator()
        }
    }
}
