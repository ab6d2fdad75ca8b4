//! An IP-to-hostgroup inventory, read and resolved as planet-exporter's inventory task does:
//! an address is looked up as an exact `ip_address` first, then in the `ip_address` networks
//! given in CIDR notation, the longest prefix winning.
//!
//! A profile's metric stages name the labels it resolves ([`crate::profile::InventoryLookup`]);
//! without an inventory nothing changes.

mod parse;

pub use parse::InventoryFormat;

use crate::error::{Error, Result};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::net::IpAddr;

/// One inventory entry, with planet-exporter's keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Host {
    /// An address (`10.0.1.2`, matched as written) or a network (`10.3.0.0/16`).
    pub ip_address: String,
    /// The host's domain, e.g. `xyz.service.consul`; may be empty.
    pub domain: String,
    /// The host's hostgroup (service), e.g. `xyz`; may be empty.
    pub hostgroup: String,
}

/// A parsed inventory, ready to resolve addresses.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The entries as given, for writing the inventory back (options passed to a guest).
    hosts: Vec<Host>,
    /// Exact addresses; a later entry replaces an earlier one, as in planet-exporter's map.
    exact: HashMap<String, usize>,
    /// Networks, in the order given.
    networks: Vec<(IpNet, usize)>,
    /// What the indexes point into: the entries kept plus planet-exporter's own localhost.
    kept: Vec<Host>,
}

impl PartialEq for Inventory {
    fn eq(&self, other: &Self) -> bool {
        self.hosts == other.hosts
    }
}

impl Inventory {
    /// Reads an inventory in a format; `name` (a file name or URL) starts every error.
    /// An entry with neither domain nor hostgroup is left out (planet-exporter: it adds
    /// nothing); an `ip_address` with a `/` must be a network in CIDR notation.
    pub fn parse(text: &str, format: InventoryFormat, name: &str) -> Result<Inventory> {
        Inventory::from_hosts(parse::hosts(text, format, name)?, name)
    }

    /// Builds the lookup from entries; `name` starts every error.
    pub fn from_hosts(hosts: Vec<Host>, name: &str) -> Result<Inventory> {
        let mut inventory = Inventory { hosts, ..Inventory::default() };
        // planet-exporter appends 127.0.0.1 (localhost) to every inventory it fetches.
        let localhost =
            Host { ip_address: "127.0.0.1".into(), domain: "localhost".into(), hostgroup: "localhost".into() };
        for (n, host) in inventory.hosts.iter().chain([&localhost]).enumerate() {
            if host.domain.is_empty() && host.hostgroup.is_empty() {
                continue;
            }
            let at = inventory.kept.len();
            if host.ip_address.contains('/') {
                let network: IpNet = host.ip_address.parse().map_err(|e| {
                    Error::Inventory(format!("{name}: entry {}: ip_address {:?}: {e}", n + 1, host.ip_address))
                })?;
                inventory.networks.push((network.trunc(), at));
            } else {
                inventory.exact.insert(host.ip_address.clone(), at);
            }
            inventory.kept.push(host.clone());
        }
        Ok(inventory)
    }

    /// The entries as given.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The entry of an address: the exact `ip_address` first, then the network with the
    /// longest prefix that contains it (the first given among equally long ones).
    pub fn resolve(&self, address: &str) -> Option<&Host> {
        if let Some(&i) = self.exact.get(address) {
            return Some(&self.kept[i]);
        }
        let ip: IpAddr = address.parse().ok()?;
        // Go's IPNet.Contains reads an IPv4-mapped IPv6 address as IPv4.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let mut best: Option<(u8, usize)> = None;
        for (network, i) in &self.networks {
            if network.contains(&ip) && best.is_none_or(|(len, _)| network.prefix_len() > len) {
                best = Some((network.prefix_len(), *i));
            }
        }
        best.map(|(_, i)| &self.kept[i])
    }
}

/// In options: written as the entries' array; read from a text (format detected, see
/// [`InventoryFormat::detect`]) or from the array itself.
impl Serialize for Inventory {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.hosts.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Inventory {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum TextOrHosts {
            Text(String),
            Hosts(Vec<Host>),
        }
        let inventory = match TextOrHosts::deserialize(d)? {
            TextOrHosts::Text(text) => Inventory::parse(&text, InventoryFormat::detect(&text), "inventory"),
            TextOrHosts::Hosts(hosts) => Inventory::from_hosts(hosts, "inventory"),
        };
        inventory.map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(ip: &str, domain: &str, hostgroup: &str) -> Host {
        Host { ip_address: ip.into(), domain: domain.into(), hostgroup: hostgroup.into() }
    }

    fn hostgroup<'a>(inventory: &'a Inventory, address: &str) -> Option<&'a str> {
        inventory.resolve(address).map(|h| h.hostgroup.as_str())
    }

    #[test]
    fn exact_address_first_then_the_longest_prefix() {
        let inventory = Inventory::from_hosts(
            vec![
                host("10.0.0.0/8", "", "ten"),
                host("10.3.0.0/16", "", "net-16"),
                host("10.3.1.0/24", "", "net-24"),
                host("10.3.1.7", "seven.consul", "seven"),
                host("10.3.1.0/24", "", "net-24-again"),
                host("0.0.0.0/0", "", "anywhere"),
                host("fd00::/8", "", "v6-8"),
                host("fd00:1::/32", "", "v6-32"),
            ],
            "test",
        )
        .expect("valid");
        assert_eq!(hostgroup(&inventory, "10.3.1.7"), Some("seven"));
        assert_eq!(inventory.resolve("10.3.1.7").map(|h| h.domain.as_str()), Some("seven.consul"));
        // /24 beats /16 and /8; of two equal /24s the first given wins.
        assert_eq!(hostgroup(&inventory, "10.3.1.8"), Some("net-24"));
        assert_eq!(hostgroup(&inventory, "10.3.2.1"), Some("net-16"));
        assert_eq!(hostgroup(&inventory, "10.4.0.1"), Some("ten"));
        // Even /0 matches (planet-exporter: a prefix length of 0 is a match).
        assert_eq!(hostgroup(&inventory, "192.0.2.1"), Some("anywhere"));
        assert_eq!(hostgroup(&inventory, "fd00:1::5"), Some("v6-32"));
        assert_eq!(hostgroup(&inventory, "fd01::5"), Some("v6-8"));
        // An IPv4-mapped IPv6 address is its IPv4 address; an IPv6 one is in no IPv4 network.
        assert_eq!(hostgroup(&inventory, "::ffff:10.3.2.1"), Some("net-16"));
        assert_eq!(hostgroup(&inventory, "2001:db8::1"), None);
        // Not an address: only an exact entry could match it.
        assert_eq!(hostgroup(&inventory, "db.service.consul"), None);
        // planet-exporter's own localhost entry.
        assert_eq!(hostgroup(&inventory, "127.0.0.1"), Some("localhost"));
    }

    #[test]
    fn entries_follow_planet_exporters_rules() {
        let inventory = Inventory::from_hosts(
            vec![
                host("10.0.0.1", "", ""),          // neither domain nor hostgroup: left out
                host("10.0.0.0/24", "", "net"),    // so the network answers for it
                host("10.0.0.2", "a.consul", "a"), // replaced by the later entry
                host("10.0.0.2", "b.consul", "b"),
                host("10.9.0.5/16", "", "host-bits"), // host bits set: the network 10.9.0.0/16
                host("db.consul", "", "by-name"),     // an exact entry is matched as written
            ],
            "test",
        )
        .expect("valid");
        assert_eq!(hostgroup(&inventory, "10.0.0.1"), Some("net"));
        assert_eq!(hostgroup(&inventory, "10.0.0.2"), Some("b"));
        assert_eq!(hostgroup(&inventory, "10.9.200.1"), Some("host-bits"));
        assert_eq!(hostgroup(&inventory, "db.consul"), Some("by-name"));
        assert_eq!(inventory.hosts().len(), 6);

        let bad = Inventory::from_hosts(vec![host("10.0.0.1", "", "a"), host("10.0.0.0/33", "", "b")], "inv.json");
        let e = bad.expect_err("prefix too long").to_string();
        assert!(e.starts_with("invalid inventory: inv.json: entry 2: ip_address \"10.0.0.0/33\""), "{e}");
    }

    #[test]
    fn options_read_a_text_or_the_entries_and_write_the_entries() {
        let nd = "{\"ip_address\":\"10.0.0.1\",\"hostgroup\":\"a\"}\n";
        let from_text: Inventory = serde_json::from_value(serde_json::Value::String(nd.into())).expect("text");
        let from_array: Inventory =
            serde_json::from_str(r#"[{"ip_address":"10.0.0.1","hostgroup":"a"}]"#).expect("entries");
        assert_eq!(from_text, from_array);
        let written = serde_json::to_string(&from_text).expect("serializable");
        assert_eq!(written, r#"[{"ip_address":"10.0.0.1","domain":"","hostgroup":"a"}]"#);
        assert!(serde_json::from_str::<Inventory>(r#""{\"ip\":1}""#).is_err());
    }
}
