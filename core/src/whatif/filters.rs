//! The filters and renames of the what-if options, and the anchored patterns they match with.

use super::WhatIf;
use crate::error::Error;
use crate::rows::DependencyRow;
use regex_lite::Regex;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;

impl WhatIf {
    /// Whether a raw traffic value passes the bandwidth filter.
    pub fn keeps_bandwidth(&self, value: f64) -> bool {
        self.min_bandwidth.is_none_or(|min| value > min)
    }

    /// The name a hostgroup is shown under.
    pub fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.rename.get(name).map_or(name, String::as_str)
    }

    fn excluded_address(&self, address: Option<&str>) -> bool {
        self.exclude_addresses.as_ref().is_some_and(|p| p.matches(address.unwrap_or("")))
    }

    /// Whether a traffic group with these tags (local, local address, remote, remote address;
    /// already renamed) stays in the table.
    pub fn keeps_traffic(&self, tags: &[String; 4]) -> bool {
        let hidden = self.hide_empty_remote && tags[2].is_empty();
        !hidden && !self.excluded_address(Some(&tags[3]))
    }

    /// Applies filters and renames to dependency rows; they stay sorted and distinct.
    pub fn apply_to_dependencies(&self, rows: &mut Vec<DependencyRow>) {
        if *self == WhatIf::default() {
            return;
        }
        rows.retain(|r| {
            let port = r.remote_hostgroup_address_port.as_deref().or(r.local_hostgroup_address_port.as_deref());
            !self.exclude_ports.as_ref().is_some_and(|p| p.matches(port.unwrap_or("")))
                && !self.excluded_address(r.remote_hostgroup_address.as_deref())
        });
        for r in rows.iter_mut() {
            r.local_hostgroup = self.renamed(&r.local_hostgroup).to_string();
            r.remote_hostgroup = self.renamed(&r.remote_hostgroup).to_string();
        }
        if self.hide_empty_remote {
            rows.retain(|r| !r.remote_hostgroup.is_empty());
        }
        rows.sort_unstable();
        rows.dedup();
    }
}

/// A regular expression that must match a whole value; compiled once, compared by its text.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    /// Whether the whole value matches.
    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }

    /// The expression as given.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl FromStr for Pattern {
    type Err = Error;
    fn from_str(source: &str) -> Result<Self, Error> {
        let regex = Regex::new(&format!("^(?:{source})$")).map_err(|e| Error::Option {
            name: "pattern".into(),
            reason: format!("invalid regular expression {:?}: {e}", crate::error::quote(source)),
        })?;
        Ok(Pattern { source: source.to_string(), regex })
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::defaults::{FEDERATOR_EXCLUDED_ADDRESSES, FEDERATOR_EXCLUDED_PORTS};
    use crate::{analyze, Options};
    use std::collections::BTreeMap;

    #[test]
    fn default_what_if_changes_nothing() {
        let input = traffic_points("api", "", "", &[10.0, 3000.0]) + &dependency("upstream", "api", "db", "22", "x");
        let plain = run(&input, WhatIf::default());
        assert_eq!(plain.traffic.len(), 1);
        assert_eq!(plain.dependency.len(), 1);
        assert!(plain.traffic_percentiles.is_empty());
    }

    #[test]
    fn min_bandwidth_drops_points_at_or_below_it_before_aggregating() {
        let input = traffic_points("api", "web", "", &[500.0, 1000.0, 1500.0, 2500.0]);
        let a = run(&input, WhatIf { min_bandwidth: Some(1000.0), ..WhatIf::default() });
        let row = &a.traffic[0];
        // 500 and 1000 are not above 1000, as the federator's rule keeps pairs *above* it.
        assert_eq!(
            (row.traffic_bandwidth_bits_min_1h, row.traffic_bandwidth_bits_max_1h, row.traffic_bandwidth_bits_avg_1h),
            (1500, 2500, 2000)
        );
        assert_eq!(a.stats.aggregate.below_min_bandwidth, 2);
        let none = run(&input, WhatIf { min_bandwidth: Some(2500.0), ..WhatIf::default() });
        assert!(none.traffic.is_empty());
    }

    #[test]
    fn min_bandwidth_drops_pre_aggregated_rows_only_when_their_max_is_below() {
        let json = r#"{"results":[{"statement_id":0,"series":[
            {"name":"ingress","tags":{"service":"a","address":"","remote_service":"b","remote_address":""},"columns":["time","min","max","mean"],"values":[["2026-11-22T12:00:00Z",10,900,300]]},
            {"name":"ingress","tags":{"service":"a","address":"","remote_service":"c","remote_address":""},"columns":["time","min","max","mean"],"values":[["2026-11-22T12:00:00Z",10,5000,300]]}]}]}"#;
        let options = Options {
            at: Some(AT.parse().expect("valid")),
            what_if: WhatIf { min_bandwidth: Some(1000.0), ..WhatIf::default() },
            ..Options::default()
        };
        let a = analyze([("q.json", json.as_bytes())], options).expect("analysis");
        let remotes: Vec<_> = a.traffic.iter().map(|r| r.remote_hostgroup.as_str()).collect();
        assert_eq!(remotes, ["c"]);
        assert_eq!(a.traffic[0].traffic_bandwidth_bits_min_1h, 10);
    }

    #[test]
    fn excluded_ports_match_the_whole_port_of_either_direction() {
        let input = dependency("upstream", "api", "db", "22", "db.consul")
            + &dependency("upstream", "api", "db", "2222", "db.consul")
            + &dependency("downstream", "api", "web", "53", "web.consul")
            + &dependency("downstream", "api", "web", "8080", "web.consul");
        let a = run(
            &input,
            WhatIf { exclude_ports: Some(FEDERATOR_EXCLUDED_PORTS.parse().expect("valid")), ..WhatIf::default() },
        );
        let ports: Vec<_> = a
            .dependency
            .iter()
            .map(|r| r.remote_hostgroup_address_port.clone().or(r.local_hostgroup_address_port.clone()))
            .collect();
        assert_eq!(ports, [Some("8080".to_string()), Some("2222".to_string())]);
    }

    #[test]
    fn excluded_addresses_apply_to_the_remote_address_of_both_tables() {
        let input = traffic_points("api", "web", "192.168.1.4", &[5000.0])
            + &traffic_points("api", "web", "10.0.0.1", &[5000.0])
            + &dependency("upstream", "api", "db", "5432", "169.254.0.1")
            + &dependency("upstream", "api", "db", "5432", "db.consul");
        let a = run(
            &input,
            WhatIf {
                exclude_addresses: Some(FEDERATOR_EXCLUDED_ADDRESSES.parse().expect("valid")),
                ..WhatIf::default()
            },
        );
        assert_eq!(a.traffic.len(), 1);
        assert_eq!(a.traffic[0].remote_hostgroup_address.as_deref(), Some("10.0.0.1"));
        assert_eq!(a.dependency.len(), 1);
        assert_eq!(a.dependency[0].remote_hostgroup_address.as_deref(), Some("db.consul"));
    }

    #[test]
    fn hide_empty_remote_drops_rows_without_remote_hostgroup() {
        let input = traffic_points("api", "", "", &[5000.0])
            + &traffic_points("api", "web", "", &[5000.0])
            + &dependency("upstream", "api", "", "5432", "x");
        let a = run(&input, WhatIf { hide_empty_remote: true, ..WhatIf::default() });
        assert_eq!(a.traffic.len(), 1);
        assert_eq!(a.traffic[0].remote_hostgroup, "web");
        assert!(a.dependency.is_empty());
    }

    #[test]
    fn renaming_two_hostgroups_to_one_merges_their_points_and_rows() {
        let input = traffic_points("api", "web-a", "", &[1000.0, 2000.0])
            + &traffic_points("api", "web-b", "", &[6000.0])
            + &dependency("upstream", "api", "web-a", "80", "")
            + &dependency("upstream", "api", "web-b", "80", "");
        let rename =
            BTreeMap::from([("web-a".to_string(), "web".to_string()), ("web-b".to_string(), "web".to_string())]);
        let a = run(&input, WhatIf { rename, ..WhatIf::default() });
        assert_eq!(a.traffic.len(), 1);
        let row = &a.traffic[0];
        assert_eq!(row.remote_hostgroup, "web");
        assert_eq!(
            (row.traffic_bandwidth_bits_min_1h, row.traffic_bandwidth_bits_max_1h, row.traffic_bandwidth_bits_avg_1h),
            (1000, 6000, 3000)
        );
        assert_eq!(a.dependency.len(), 1);
        assert_eq!(a.dependency[0].remote_hostgroup, "web");
    }

    #[test]
    fn what_if_options_come_from_javascript_keys_and_reject_bad_patterns() {
        let o: Options = serde_json::from_str(
            r#"{"trafficWindow":"2h","minBandwidth":1000,"excludePorts":"22|53","hideEmptyRemote":true,
                "rename":{"a":"b"},"percentiles":true}"#,
        )
        .expect("valid options");
        assert_eq!(o.what_if.min_bandwidth, Some(1000.0));
        assert!(o.what_if.exclude_ports.as_ref().is_some_and(|p| p.matches("53") && !p.matches("530")));
        assert!(o.what_if.hide_empty_remote && o.what_if.percentiles);
        assert_eq!(o.what_if.renamed("a"), "b");
        let back: Options = serde_json::from_str(&serde_json::to_string(&o).expect("serializes")).expect("round trip");
        assert_eq!(back, o);
        let bad = serde_json::from_str::<Options>(r#"{"excludeAddresses":"(unclosed"}"#).expect_err("bad regex");
        assert!(bad.to_string().contains("(unclosed"), "{bad}");
    }

    #[test]
    fn patterns_use_regex_lite_syntax_anchored_to_the_whole_value() {
        let private: Pattern = r"10\.\d+\.\d+\.\d+|192\.168\..*".parse().expect("valid");
        assert!(private.matches("10.0.1.2") && private.matches("192.168.0.1"));
        assert!(!private.matches("110.0.1.2") && !private.matches("10.0.1.2:80"));
        // ASCII classes only: a Unicode class is refused with the pattern quoted, not ignored.
        let unicode = "\\p{Greek}+".parse::<Pattern>().expect_err("regex-lite has no Unicode classes");
        assert!(unicode.to_string().contains("p{Greek}"), "{unicode}");
    }
}
