//! Schema profiles: which measurements, tags and fields become traffic and dependency observations.
//!
//! The mapping is data, not code, so other schemas (raw planet-exporter metrics, other traffic
//! sources) can be added as profiles without reshaping the core. The default profile is the
//! schema planet-federator writes (docs/REFERENCE.md, "InfluxDB schema written by planet-federator").
//! `planet-exporter` adds a `metrics` section ([`MetricsSpec`]) that turns planet-exporter's own
//! metrics into those points. docs/PROFILES.md describes the JSON form.

mod contiv_svcstats;
mod metrics;
mod planet_exporter;

pub use metrics::{Emit, InventoryLookup, MatchOp, Matcher, MetricsSpec, Stage, StageFunction, StageTable};

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// How one measurement becomes rows of the traffic table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficRule {
    /// Measurement name, e.g. `ingress`.
    pub measurement: String,
    /// Value of `traffic_direction`, e.g. `ingress`.
    pub direction: String,
    /// The numeric field aggregated into min/max/avg, e.g. `bandwidth_bps`.
    pub field: String,
    /// Tag for `local_hostgroup`; points where it is empty or absent are left out.
    pub local_hostgroup: String,
    /// Tag for `local_hostgroup_address`.
    pub local_hostgroup_address: String,
    /// Tag for `remote_hostgroup`.
    pub remote_hostgroup: String,
    /// Tag for `remote_hostgroup_address`.
    pub remote_hostgroup_address: String,
}

/// How one measurement becomes rows of the dependency table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyRule {
    /// Measurement name, e.g. `upstream`.
    pub measurement: String,
    /// Value of `dependency_direction`.
    pub direction: String,
    /// Tag for `protocol`.
    pub protocol: String,
    /// Tag for `local_hostgroup_process_name`.
    pub local_hostgroup_process_name: String,
    /// Tag for `local_hostgroup`; points where it is empty or absent are left out.
    pub local_hostgroup: String,
    /// Tag for `local_hostgroup_address`.
    pub local_hostgroup_address: String,
    /// Tag for `local_hostgroup_address_port`; `None` makes the column always NULL.
    pub local_hostgroup_address_port: Option<String>,
    /// Tag for `remote_hostgroup`.
    pub remote_hostgroup: String,
    /// Tag for `remote_hostgroup_address`.
    pub remote_hostgroup_address: String,
    /// Tag for `remote_hostgroup_address_port`; `None` makes the column always NULL.
    pub remote_hostgroup_address_port: Option<String>,
}

/// A complete mapping from an InfluxDB schema to the two tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Short name, e.g. `planet-federator`.
    pub name: String,
    /// Traffic measurements.
    pub traffic: Vec<TrafficRule>,
    /// Dependency measurements.
    pub dependency: Vec<DependencyRule>,
    /// Raw exporter metrics that become points of the rules above (see [`MetricsSpec`]);
    /// `None` when the input already holds the rules' measurements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MetricsSpec>,
}

/// What a measurement is in a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule<'p> {
    /// A traffic measurement.
    Traffic(&'p TrafficRule),
    /// A dependency measurement.
    Dependency(&'p DependencyRule),
}

impl<'p> Rule<'p> {
    /// The tag keys the rule groups by, in the order of the table's columns.
    pub fn group_tags(&self) -> Vec<&'p str> {
        match *self {
            Rule::Traffic(r) => vec![
                r.local_hostgroup.as_str(),
                r.local_hostgroup_address.as_str(),
                r.remote_hostgroup.as_str(),
                r.remote_hostgroup_address.as_str(),
            ],
            Rule::Dependency(r) => {
                let mut tags = vec![
                    r.protocol.as_str(),
                    r.local_hostgroup_process_name.as_str(),
                    r.local_hostgroup.as_str(),
                    r.local_hostgroup_address.as_str(),
                ];
                tags.extend(r.local_hostgroup_address_port.as_deref());
                tags.extend([r.remote_hostgroup.as_str(), &r.remote_hostgroup_address]);
                tags.extend(r.remote_hostgroup_address_port.as_deref());
                tags
            }
        }
    }
}

impl Profile {
    /// The schema planet-federator writes into InfluxDB; the default.
    pub fn planet_federator() -> Profile {
        let traffic = |direction: &str| TrafficRule {
            measurement: direction.into(),
            direction: direction.into(),
            field: "bandwidth_bps".into(),
            local_hostgroup: "service".into(),
            local_hostgroup_address: "address".into(),
            remote_hostgroup: "remote_service".into(),
            remote_hostgroup_address: "remote_address".into(),
        };
        Profile {
            name: "planet-federator".into(),
            traffic: vec![traffic("ingress"), traffic("egress")],
            dependency: vec![
                DependencyRule {
                    measurement: "upstream".into(),
                    direction: "upstream".into(),
                    protocol: "protocol".into(),
                    local_hostgroup_process_name: "process_name".into(),
                    local_hostgroup: "service".into(),
                    local_hostgroup_address: "address".into(),
                    local_hostgroup_address_port: None,
                    remote_hostgroup: "upstream_service".into(),
                    remote_hostgroup_address: "upstream_address".into(),
                    remote_hostgroup_address_port: Some("upstream_port".into()),
                },
                DependencyRule {
                    measurement: "downstream".into(),
                    direction: "downstream".into(),
                    protocol: "protocol".into(),
                    local_hostgroup_process_name: "process_name".into(),
                    local_hostgroup: "service".into(),
                    local_hostgroup_address: "address".into(),
                    local_hostgroup_address_port: Some("port".into()),
                    remote_hostgroup: "downstream_service".into(),
                    remote_hostgroup_address: "downstream_address".into(),
                    remote_hostgroup_address_port: None,
                },
            ],
            metrics: None,
        }
    }

    /// Looks a profile up by name. Known: `planet-federator`, `planet-exporter`, `contiv-svcstats`.
    pub fn by_name(name: &str) -> Result<Profile> {
        match name {
            "planet-federator" | "" => Ok(Profile::planet_federator()),
            "planet-exporter" => Ok(Profile::planet_exporter()),
            "contiv-svcstats" => Ok(Profile::contiv_svcstats()),
            other => Err(Error::Profile(format!(
                "unknown profile {other:?} (known: {})",
                crate::defaults::PROFILES.join(", ")
            ))),
        }
    }

    /// Reads a profile from JSON (the same shape as this struct).
    pub fn from_json(text: &str) -> Result<Profile> {
        let profile: Profile = serde_json::from_str(text).map_err(|e| Error::Profile(e.to_string()))?;
        profile.validate()?;
        Ok(profile)
    }

    /// Rejects a profile in which one measurement has two rules, or whose metrics section
    /// cannot be evaluated.
    pub fn validate(&self) -> Result<()> {
        if let Some(metrics) = &self.metrics {
            metrics.validate()?;
        }
        let mut names: Vec<&str> = self
            .traffic
            .iter()
            .map(|r| r.measurement.as_str())
            .chain(self.dependency.iter().map(|r| r.measurement.as_str()))
            .collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::Profile(format!("measurement {:?} has two rules", w[0])));
        }
        Ok(())
    }

    /// The rule for a measurement, if the profile uses it.
    pub fn rule(&self, measurement: &str) -> Option<Rule<'_>> {
        if let Some(r) = self.traffic.iter().find(|r| r.measurement == measurement) {
            return Some(Rule::Traffic(r));
        }
        self.dependency.iter().find(|r| r.measurement == measurement).map(Rule::Dependency)
    }

    /// Whether a column of a typeless export (CSV, JSON) is a tag of the measurement.
    /// Columns that are not grouping tags are treated as fields.
    pub fn is_tag(&self, measurement: &str, column: &str) -> bool {
        self.rule(measurement).is_some_and(|r| r.group_tags().contains(&column))
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::planet_federator()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profile_groups_by_the_original_tag_keys() {
        let p = Profile::planet_federator();
        let mut up = p.rule("upstream").expect("upstream").group_tags();
        up.sort_unstable();
        // GROUP BY service, address, upstream_service, upstream_address, process_name, upstream_port, protocol
        let mut want = vec![
            "service",
            "address",
            "upstream_service",
            "upstream_address",
            "process_name",
            "upstream_port",
            "protocol",
        ];
        want.sort_unstable();
        assert_eq!(up, want);
        assert!(p.is_tag("downstream", "port"));
        assert!(!p.is_tag("ingress", "bandwidth_bps"));
        assert!(p.rule("unknown").is_none());
    }

    #[test]
    fn profile_with_duplicate_measurement_is_rejected() {
        let mut p = Profile::planet_federator();
        p.traffic[1].measurement = "ingress".into();
        assert!(p.validate().is_err());
    }
}
