//! The inventory applied by the profiles that resolve addresses (`planet-exporter`,
//! `contiv-svcstats`), end to end through `analyze`; every expected value is computed by hand
//! in the comments (irate of the last two samples, * 8, ticks every 30 s evaluated 15 s before).
//!
//! The window is [12:00, 13:00) on 2026-11-22 (`at` 13:00, traffic window 1h, dependency
//! window 1h too, so both tables cover the same 120 ticks 12:00:00 .. 12:59:30).

use planet_core::rows::to_ndjson;
use planet_core::{analyze, Analysis, Inventory, InventoryFormat, Options, Profile, Result, Timestamp};

const AT: &str = "2026-11-22T13:00:00Z";

/// Epoch ns of 11:59:00 plus `seconds`.
fn ns(seconds: i64) -> i64 {
    let at: Timestamp = AT.parse().expect("valid");
    at.0 - 61 * 60 * 1_000_000_000 + seconds * 1_000_000_000
}

fn options(profile: Profile, inventory: Option<&str>) -> Options {
    Options {
        at: Some(AT.parse().expect("valid")),
        dependency_window: "1h".parse().expect("valid"),
        profile,
        inventory: inventory.map(|text| Inventory::parse(text, InventoryFormat::NdJson, "inv.ndjson").expect("valid")),
        ..Options::default()
    }
}

fn run(input: &str, options: Options) -> Result<Analysis> {
    analyze([("in.lp", input.as_bytes())], options)
}

const INVENTORY: &str = r#"{"ip_address":"10.1.1.2","domain":"web.consul","hostgroup":"web"}
{"ip_address":"10.1.2.0/24","domain":"db.consul","hostgroup":"db"}
{"ip_address":"10.1.0.0/16","domain":"","hostgroup":"cluster"}
{"ip_address":"10.254.0.9","domain":"cache.consul","hostgroup":"cache"}
"#;

/// Contiv points every 10 s from 11:59:00 to 13:00:00 of one endpoint-provider pair, the
/// endpoint sending `out` B/s and receiving `inn` B/s.
fn contiv(endpoint: &str, provider: &str, service: &str, out: i64, inn: i64) -> String {
    (0..=366)
        .map(|i| {
            let s = i * 10;
            format!(
                "httpjson_svcstats,EndpointIP={endpoint},ProviderIP={provider},ServiceIP={service},host=node1,\
                 server=http://localhost:9999/{endpoint} BytesIn={},BytesOut={},PacketsIn={i},PacketsOut={i} {}\n",
                inn * s,
                out * s,
                ns(s)
            )
        })
        .collect()
}

#[test]
fn contiv_counters_become_bits_per_second_between_inventory_hostgroups() {
    // web (10.1.1.2, exact entry) sends 1000 B/s to a provider in 10.1.2.0/24 (db: the /24
    // beats the /16) and receives 250 B/s. At every tick the last two samples in range are
    // 10 s apart: egress 1000 * 8 = 8000 bit/s, ingress 250 * 8 = 2000 bit/s, at all 120 ticks.
    // A second endpoint 10.1.9.9 (only the /16: cluster, no domain) sends 100 B/s = 800 bit/s to
    // the same provider: under the threshold (> 1000), and receives nothing (0 bit/s): no traffic
    // rows, but dependencies. A third pair's provider 10.9.9.9 is in no entry, its service IP
    // 10.254.0.9 is (cache): the service names the remote.
    let input = [
        contiv("10.1.1.2", "10.1.2.5", "10.254.0.1", 1000, 250),
        contiv("10.1.9.9", "10.1.2.5", "10.254.0.1", 100, 0),
        contiv("10.1.1.2", "10.9.9.9", "10.254.0.9", 500, 500),
    ]
    .concat();
    let a = run(&input, options(Profile::contiv_svcstats(), Some(INVENTORY))).expect("analyzes");
    let date = r#"{"inventory_date":"2026-11-22T13:00:00Z","#;
    let traffic = |dir: &str, remote: &str, address: &str, v: i64| {
        format!(
            r#"{date}"traffic_direction":"{dir}","local_hostgroup":"web","local_hostgroup_address":"web.consul","remote_hostgroup":"{remote}","remote_hostgroup_address":"{address}","traffic_bandwidth_bits_min_1h":{v},"traffic_bandwidth_bits_max_1h":{v},"traffic_bandwidth_bits_avg_1h":{v}}}"#
        )
    };
    let expected_traffic = [
        traffic("egress", "cache", "cache.consul", 4000),
        traffic("egress", "db", "db.consul", 8000),
        traffic("ingress", "cache", "cache.consul", 4000),
        traffic("ingress", "db", "db.consul", 2000),
    ]
    .map(|l| l + "\n")
    .concat();
    assert_eq!(to_ndjson(&a.traffic), expected_traffic);

    let dependency = |dir: &str, local: &str, local_address: &str, remote: &str, remote_address: &str| {
        let quoted = |s: &str| if s.is_empty() { "null".to_string() } else { format!("\"{s}\"") };
        format!(
            r#"{date}"dependency_direction":"{dir}","protocol":"","local_hostgroup_process_name":null,"local_hostgroup":"{local}","local_hostgroup_address":{},"local_hostgroup_address_port":null,"remote_hostgroup":"{remote}","remote_hostgroup_address":{},"remote_hostgroup_address_port":null}}"#,
            quoted(local_address),
            quoted(remote_address)
        )
    };
    let expected_dependency = [
        dependency("downstream", "cache", "cache.consul", "web", "web.consul"),
        dependency("downstream", "db", "db.consul", "cluster", ""),
        dependency("downstream", "db", "db.consul", "web", "web.consul"),
        dependency("upstream", "cluster", "", "db", "db.consul"),
        dependency("upstream", "web", "web.consul", "cache", "cache.consul"),
        dependency("upstream", "web", "web.consul", "db", "db.consul"),
    ]
    .map(|l| l + "\n")
    .concat();
    assert_eq!(to_ndjson(&a.dependency), expected_dependency);
}

#[test]
fn contiv_without_an_inventory_is_refused_and_an_unknown_endpoint_gives_no_row() {
    let input = contiv("10.1.1.2", "10.1.2.5", "10.254.0.1", 1000, 250);
    let e = run(&input, options(Profile::contiv_svcstats(), None)).expect_err("no inventory");
    assert!(e
        .to_string()
        .contains("the profile contiv-svcstats maps addresses to hostgroups only through an inventory"));
    let unknown = contiv("192.0.2.1", "10.1.2.5", "10.254.0.1", 1000, 250);
    let a = run(&unknown, options(Profile::contiv_svcstats(), Some(INVENTORY))).expect("analyzes");
    // The endpoint has no hostgroup: no traffic, no upstream; the provider's downstream keeps it.
    assert!(a.traffic.is_empty());
    assert_eq!(a.dependency.len(), 1);
    assert_eq!(a.dependency[0].dependency_direction, "downstream");
    assert_eq!(a.dependency[0].remote_hostgroup, "");
}

#[test]
fn an_inventory_the_profile_does_not_use_is_refused() {
    let e = run("", options(Profile::planet_federator(), Some(INVENTORY))).expect_err("federator reads no IPs");
    assert!(e.to_string().contains("the profile planet-federator resolves no address through an inventory"), "{e}");
}

/// planet_traffic_bytes_total of x -> remote_ip, 1000 B/s, scraped every 10 s.
fn exporter_traffic(remote: &[(&str, &str)]) -> String {
    let tags: String = remote.iter().map(|(k, v)| format!(",{k}={v}")).collect();
    (0..=366)
        .map(|i| {
            format!(
                "planet_traffic_bytes_total,direction=egress,instance=a:9100,local_domain=x.consul,local_hostgroup=x{tags} value={} {}\n",
                1000 * i * 10,
                ns(i * 10)
            )
        })
        .collect()
}

#[test]
fn planet_exporter_series_without_a_remote_hostgroup_are_resolved_and_the_others_kept() {
    // Unresolved at scrape time: remote_ip only, which planet-federator drops (remote_hostgroup
    // must not be empty). With the inventory, 10.1.2.7 is db (db.consul): 8000 bit/s at every tick.
    let unresolved = exporter_traffic(&[("remote_ip", "10.1.2.7")]);
    let without = run(&unresolved, options(Profile::planet_exporter(), None)).expect("analyzes");
    assert!(without.traffic.is_empty());
    let with = run(&unresolved, options(Profile::planet_exporter(), Some(INVENTORY))).expect("analyzes");
    let row = &with.traffic[..];
    assert_eq!(row.len(), 1);
    assert_eq!(
        (row[0].remote_hostgroup.as_str(), row[0].remote_hostgroup_address.as_deref()),
        ("db", Some("db.consul"))
    );
    assert_eq!(row[0].traffic_bandwidth_bits_avg_1h, 8000);

    // A series that has a hostgroup keeps it, whatever the inventory says of its IP.
    let resolved =
        exporter_traffic(&[("remote_domain", "old.consul"), ("remote_hostgroup", "old"), ("remote_ip", "10.1.2.7")]);
    let a = run(&resolved, options(Profile::planet_exporter(), Some(INVENTORY))).expect("analyzes");
    let b = run(&resolved, options(Profile::planet_exporter(), None)).expect("analyzes");
    assert_eq!(to_ndjson(&a.traffic), to_ndjson(&b.traffic));
    assert_eq!(a.traffic[0].remote_hostgroup, "old");
}

#[test]
fn planet_exporter_dependencies_on_an_ip_get_the_domain_planet_exporter_would_have_written() {
    // remote_address 10.1.2.7 (an IP: planet-federator drops `\d.*`); resolved, it is db.consul.
    let input: String = (0..=366)
        .map(|i| {
            format!(
                "planet_upstream,instance=a:9100,local_address=x.consul,local_hostgroup=x,port=5432,process_name=app,protocol=tcp,remote_address=10.1.2.7 value=1 {}\n",
                ns(i * 10)
            )
        })
        .collect();
    assert!(run(&input, options(Profile::planet_exporter(), None)).expect("analyzes").dependency.is_empty());
    let a = run(&input, options(Profile::planet_exporter(), Some(INVENTORY))).expect("analyzes");
    assert_eq!(a.dependency.len(), 1);
    assert_eq!(a.dependency[0].remote_hostgroup, "db");
    assert_eq!(a.dependency[0].remote_hostgroup_address.as_deref(), Some("db.consul"));
}
