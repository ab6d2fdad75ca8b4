//! Error behaviour of the real `planet-bq analyze` binary: bad lines are reported with file,
//! line number and a quote; the default skips and counts them; `--strict` stops at the first;
//! nothing panics on garbage; `-` reads standard input.

mod common;

use common::{planet_bq, run_with_stdin, scratch, vectors_dir};
use std::fs;
use std::process::Output;

const AT: &str = "2026-11-22T14:00:00Z";

/// Two good points around a malformed third line.
const WITH_BAD_LINE: &str = "\
ingress,service=api,remote_service=web bandwidth_bps=10 1795352400000000000
ingress,service=api,remote_service=web bandwidth_bps=30 1795353000000000000
ingress,service=api,remote_service=web bandwidth_bps=oops 1795353000000000000
upstream,service=api,upstream_service=db,protocol=tcp service_dependency=1i 1795352400000000000
";

const GOOD_TRAFFIC: &str = "{\"inventory_date\":\"2026-11-22T14:00:00Z\",\"traffic_direction\":\"ingress\",\
\"local_hostgroup\":\"api\",\"local_hostgroup_address\":null,\"remote_hostgroup\":\"web\",\
\"remote_hostgroup_address\":null,\"traffic_bandwidth_bits_min_1h\":10,\"traffic_bandwidth_bits_max_1h\":30,\
\"traffic_bandwidth_bits_avg_1h\":20}\n";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_no_panic(output: &Output, what: &str) {
    let err = stderr(output);
    assert!(!err.contains("panicked"), "{what}: planet-bq panicked:\n{err}");
    // 101 is Rust's exit code for a panic; an error exits with 1.
    assert_ne!(output.status.code(), Some(101), "{what}: exit code of a panic:\n{err}");
    assert!(output.status.code().is_some(), "{what}: killed by a signal:\n{err}");
}

#[test]
fn default_mode_skips_a_malformed_line_reports_where_it_is_and_keeps_the_good_rows() {
    let dir = scratch("skip");
    let file = dir.join("bad.lp");
    fs::write(&file, WITH_BAD_LINE).expect("write input");
    let out = dir.join("out");
    let output = planet_bq().args(["analyze", "--at", AT, "--out"]).arg(&out).arg(&file).output().expect("runs");
    let err = stderr(&output);
    assert!(output.status.success(), "default mode must not fail on a bad line:\n{err}");
    let location = format!("{}:3", file.display());
    assert!(err.contains(&location), "the warning names file and line ({location}):\n{err}");
    assert!(err.contains("bandwidth_bps=oops"), "the warning quotes the line:\n{err}");
    assert!(err.contains("1 malformed line(s) skipped"), "the count is reported:\n{err}");
    assert_eq!(fs::read_to_string(out.join("traffic.ndjson")).expect("traffic written"), GOOD_TRAFFIC);
    let dependency = fs::read_to_string(out.join("dependency.ndjson")).expect("dependency written");
    assert_eq!(dependency.lines().count(), 1, "the good dependency line still counts:\n{dependency}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn strict_mode_fails_at_the_first_malformed_line_with_file_line_and_quote() {
    let dir = scratch("strict");
    let file = dir.join("bad.lp");
    fs::write(&file, WITH_BAD_LINE).expect("write input");
    let out = dir.join("out");
    let output =
        planet_bq().args(["analyze", "--strict", "--at", AT, "--out"]).arg(&out).arg(&file).output().expect("runs");
    let err = stderr(&output);
    assert_no_panic(&output, "strict");
    assert!(!output.status.success(), "--strict must fail:\n{err}");
    assert!(err.contains(&format!("{}:3", file.display())), "names file and line 3:\n{err}");
    assert!(err.contains("bandwidth_bps=oops"), "quotes the line:\n{err}");
    assert!(!out.join("traffic.ndjson").exists(), "no table is written when the analysis failed");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_line_protocol_point_without_timestamp_is_an_error() {
    let input = "ingress,service=api,remote_service=web bandwidth_bps=10 1795352400000000000\n\
                 ingress,service=api,remote_service=web bandwidth_bps=20\n";
    let strict = run_with_stdin(planet_bq().args(["analyze", "--strict", "--at", AT, "-"]), input.as_bytes());
    let err = stderr(&strict);
    assert_no_panic(&strict, "missing timestamp");
    assert!(!strict.status.success(), "a missing timestamp fails in strict mode:\n{err}");
    assert!(err.contains("-:2") && err.contains("missing timestamp"), "says where and what:\n{err}");
    let lenient = run_with_stdin(planet_bq().args(["analyze", "--at", AT, "-"]), input.as_bytes());
    let err = stderr(&lenient);
    assert!(lenient.status.success(), "skipped by default:\n{err}");
    assert!(err.contains("-:2") && err.contains("missing timestamp"), "still reported:\n{err}");
    assert!(err.contains("1 malformed line(s) skipped"), "and counted:\n{err}");
}

#[test]
fn standard_input_reads_like_a_file() {
    // The lp-bare vector through stdin gives exactly the tables InfluxDB gave.
    let case = vectors_dir().join("lp-bare");
    let input = fs::read(case.join("input.lp")).expect("vector input");
    let out = scratch("stdin");
    let output = run_with_stdin(planet_bq().args(["analyze", "--at", AT, "--out"]).arg(&out).arg("-"), &input);
    assert!(output.status.success(), "{}", stderr(&output));
    for table in ["traffic", "dependency"] {
        let expected = fs::read_to_string(case.join(format!("{table}.ndjson"))).expect("expected");
        let actual = fs::read_to_string(out.join(format!("{table}.ndjson"))).expect("written");
        assert_eq!(actual, expected, "{table} from stdin");
    }
    let _ = fs::remove_dir_all(&out);
}

#[test]
fn garbage_never_makes_planet_bq_panic() {
    let mut binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    binary.extend_from_slice(b"\n\xff\xfe\x00ingress,service=a bandwidth_bps=1 1\n");
    let nasty: Vec<(&str, Vec<u8>)> = vec![
        ("binary bytes", binary),
        ("truncated json", br#"{"results":[{"statement_id":0,"series":[{"name":"ingress","columns":["time","bandwidth_bps"],"values":[[1795352400000000000,1"#.to_vec()),
        ("truncated chunked json", b"{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"ingress\",\"tags\":{\"service\":\"a\"},\"columns\":[\"time\",\"min\"],\"values\":[[0,1]]}],\"partial\":true}]}\n".to_vec()),
        ("json of the wrong shape", br#"{"results":"nope"}"#.to_vec()),
        ("json array", b"[1,2,3]\n[[[[[[[[[[[[[[[[[[[[".to_vec()),
        ("huge numbers", b"ingress,service=a bandwidth_bps=1e400 99999999999999999999999\ningress,service=a bandwidth_bps=179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 9223372036854775807\ningress,service=a bandwidth_bps=-9223372036854775808i -9223372036854775808\n".to_vec()),
        ("csv garbage", b"name,tags,time,min\ningress,\"service=a\\\",1,2\n\"unterminated\n,,,,,,,,\n".to_vec()),
        ("annotated csv garbage", b"#datatype,string\n,result\n,,0,x,y,z\n\n\n#group\n".to_vec()),
        ("only newlines", b"\n\n\r\n\n".to_vec()),
        ("escapes at the end", b"ingress,service=a\\".to_vec()),
        ("invalid utf-8 in a tag", b"ingress,service=\xe2\x82 bandwidth_bps=1 1795352400000000000\n".to_vec()),
    ];
    for (what, input) in &nasty {
        for strict in [false, true] {
            let mut cmd = planet_bq();
            cmd.args(["analyze", "--at", AT]);
            if strict {
                cmd.arg("--strict");
            }
            let output = run_with_stdin(cmd.arg("-"), input);
            assert_no_panic(&output, what);
            if strict && !output.status.success() {
                assert!(
                    stderr(&output).starts_with("error: "),
                    "{what}: an error message, not a crash:\n{}",
                    stderr(&output)
                );
            }
        }
        // Without --at the window comes from the data: huge or negative times must not overflow.
        let output = run_with_stdin(planet_bq().args(["analyze", "-"]), input);
        assert_no_panic(&output, what);
    }
}
