use super::*;

const TICK: i64 = 1_795_348_830_000_000_000; // 2026-11-22T12:00:30Z
const S: i64 = 1_000_000_000;

fn lp(lines: &[String]) -> Vec<u8> {
    lines.concat().into_bytes()
}

/// A traffic counter sample, in line protocol as remote_write stores it.
fn traffic(direction: &str, local: &str, remote: &str, instance: &str, bytes: f64, time: i64) -> String {
    format!(
        "planet_traffic_bytes_total,direction={direction},instance={instance},local_domain={local}.consul,local_hostgroup={local},remote_domain={remote}.consul,remote_hostgroup={remote},remote_ip=10.0.0.9 value={bytes} {time}\n"
    )
}

#[test]
fn traffic_of_an_unknown_direction_is_written_as_unknown_and_the_rows_ignore_it() {
    // Two samples 10 s apart in [t - 45s, t - 15s]: 1250 bytes/s, 10000 bit/s.
    let mut lines = Vec::new();
    for direction in ["ingress", "sideways"] {
        lines.push(traffic(direction, "api", "db", "h1:9", 0.0, TICK - 40 * S));
        lines.push(traffic(direction, "api", "db", "h1:9", 12_500.0, TICK - 30 * S));
    }
    let got = federate(&Profile::planet_exporter(), [("in.lp", lp(&lines).as_slice())], Timestamp(TICK)).expect("ok");
    let want = format!(
        "ingress,service=api,address=api.consul,remote_service=db,remote_address=db.consul bandwidth_bps=10000 {TICK}\n\
         unknown,service=api,address=api.consul,remote_service=db,remote_address=db.consul bandwidth_bps=10000 {TICK}\n"
    );
    assert_eq!(got.lines, want);
    assert_eq!(got.points, 2);
}

#[test]
fn a_tick_off_the_30_second_grid_is_evaluated_at_itself_minus_15_seconds() {
    // A schedule of */10 or a time offset puts ticks anywhere: t = 12:00:37.250.
    let tick = TICK + 7_250_000_000;
    // Samples at t - 44s and t - 16s are in [t - 45s, t - 15s]; the one at t - 14s is not.
    let lines = vec![
        traffic("egress", "api", "db", "h1:9", 0.0, tick - 44 * S),
        traffic("egress", "api", "db", "h1:9", 2_800.0, tick - 16 * S),
        traffic("egress", "api", "db", "h1:9", 999_999.0, tick - 14 * S),
    ];
    let got = federate(&Profile::planet_exporter(), [("in.lp", lp(&lines).as_slice())], Timestamp(tick)).expect("ok");
    // (2800 - 0) bytes / 28 s * 8 = 800 bit/s: under the 1000 threshold, nothing.
    assert_eq!(got.points, 0, "{}", got.lines);
    let lines = vec![
        traffic("egress", "api", "db", "h1:9", 0.0, tick - 44 * S),
        traffic("egress", "api", "db", "h1:9", 28_000.0, tick - 16 * S),
    ];
    let got = federate(&Profile::planet_exporter(), [("in.lp", lp(&lines).as_slice())], Timestamp(tick)).expect("ok");
    assert_eq!(
        got.lines,
        format!("egress,service=api,address=api.consul,remote_service=db,remote_address=db.consul bandwidth_bps=8000 {tick}\n")
    );
}

#[test]
fn empty_tags_are_left_out_and_specials_escaped_as_the_go_client_does() {
    // planet_downstream without remote_hostgroup, with a space and a comma in process_name.
    let line = format!(
        "planet_downstream,local_address=a.consul,local_hostgroup=api,port=8080,process_name=my\\ proc\\,x,protocol=tcp,remote_address=web.consul value=1 {}\n",
        TICK - 20 * S
    );
    let got = federate(&Profile::planet_exporter(), [("in.lp", line.as_bytes())], Timestamp(TICK)).expect("ok");
    assert_eq!(
        got.lines,
        format!(
            "downstream,service=api,address=a.consul,port=8080,process_name=my\\ proc\\,x,downstream_address=web.consul,protocol=tcp service_dependency=1i {TICK}\n"
        )
    );
}

#[test]
fn a_profile_without_metric_stages_is_refused() {
    let e = Federator::new(Profile::planet_federator(), Timestamp(TICK)).expect_err("no stages");
    assert!(e.to_string().contains("planet-exporter"), "{e}");
}

#[test]
fn the_lookback_is_the_offset_plus_the_longest_range() {
    assert_eq!(lookback(&Profile::planet_exporter()), Duration(45 * S));
}
