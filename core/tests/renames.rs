//! Hostgroups renamed to one name merge into one traffic row; without renames every group is
//! its own row. Expected rows are computed by hand.

use planet_core::whatif::WhatIf;
use planet_core::{Analyzer, Options, Timestamp};
use std::collections::BTreeMap;

// 12:00:00 and 12:00:30 UTC on 2026-11-22; the window ends at 13:00.
const T0: i64 = 1_795_348_800_000_000_000;
const T1: i64 = T0 + 30_000_000_000;

fn rows(what_if: WhatIf) -> Vec<(String, Option<String>, i64, i64, i64)> {
    let text = format!(
        "ingress,service=db,address=10.0.0.1,remote_service=api bandwidth_bps=100 {T0}\n\
         ingress,service=cache,address=10.0.0.1,remote_service=api bandwidth_bps=300 {T1}\n\
         ingress,service=cache,address=10.0.0.1,remote_service=api bandwidth_bps=500 {T0}\n\
         ingress,service=web,address=10.0.0.2,remote_service=api bandwidth_bps=50 {T0}\n"
    );
    let options = Options { at: Timestamp::parse_rfc3339("2026-11-22T13:00:00Z"), what_if, ..Options::default() };
    let mut analyzer = Analyzer::new(options);
    analyzer.begin_input("renames.lp");
    analyzer.push(text.as_bytes()).expect("push");
    let analysis = analyzer.finish().expect("analysis");
    analysis
        .traffic
        .into_iter()
        .map(|r| {
            (
                r.local_hostgroup,
                r.local_hostgroup_address,
                r.traffic_bandwidth_bits_min_1h,
                r.traffic_bandwidth_bits_max_1h,
                r.traffic_bandwidth_bits_avg_1h,
            )
        })
        .collect()
}

fn ip(a: &str) -> Option<String> {
    Some(a.to_string())
}

#[test]
fn groups_renamed_to_one_name_merge_and_others_stay_apart() {
    // cache: 300 and 500 (avg 400); db: 100; web on another address: 50.
    assert_eq!(
        rows(WhatIf::default()),
        vec![
            ("cache".to_string(), ip("10.0.0.1"), 300, 500, 400),
            ("db".to_string(), ip("10.0.0.1"), 100, 100, 100),
            ("web".to_string(), ip("10.0.0.2"), 50, 50, 50),
        ]
    );
    let rename = BTreeMap::from([("db".to_string(), "web".to_string()), ("cache".to_string(), "web".to_string())]);
    // db and cache at 10.0.0.1 become one web row: 100, 300, 500 (avg 300); web at 10.0.0.2
    // keeps its own row.
    assert_eq!(
        rows(WhatIf { rename, ..WhatIf::default() }),
        vec![("web".to_string(), ip("10.0.0.1"), 100, 500, 300), ("web".to_string(), ip("10.0.0.2"), 50, 50, 50)]
    );
}
