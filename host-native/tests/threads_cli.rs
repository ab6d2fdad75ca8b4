//! `planet-bq analyze --threads N`: every shared vector gives InfluxDB's tables with 1, 2 and
//! 3 threads while its files are cut into slices of a few bytes, and what the command says on
//! standard error (warnings with their line numbers, counts) does not depend on the threads.

mod common;

use common::{case_flags, line_diff, planet_bq, scratch, vectors_dir};
use planet_test_support::{cases_in, input_paths};
use std::fs;
use std::path::Path;
use std::process::Output;

fn analyze(dir: &Path, out: &Path, threads: u32, min_slice: u32) -> Output {
    planet_bq()
        .arg("analyze")
        .args(case_flags(dir))
        .args(["--threads", &threads.to_string(), "--min-slice-bytes", &min_slice.to_string(), "--out"])
        .arg(out)
        .args(input_paths(dir))
        .output()
        .expect("planet-bq runs")
}

#[test]
fn every_vector_gives_influxdbs_tables_and_the_same_messages_on_1_2_and_3_threads() {
    let cases = cases_in(&vectors_dir());
    assert!(cases.len() >= 20, "expected the committed vectors, found {}", cases.len());
    let mut problems = Vec::new();
    for dir in &cases {
        let name = dir.file_name().expect("name").to_string_lossy().into_owned();
        let mut one_thread_stderr = None;
        // Slices of 1 byte and of 200 bytes: cuts after nearly every line, and a few cuts.
        for (threads, min_slice) in [(1, 1), (2, 1), (3, 1), (2, 200), (3, 200)] {
            let out = scratch(&format!("threads-{name}-{threads}-{min_slice}"));
            let output = analyze(dir, &out, threads, min_slice);
            let run = format!("{name} --threads {threads} --min-slice-bytes {min_slice}");
            if !output.status.success() {
                problems.push(format!("{run}: failed: {}", String::from_utf8_lossy(&output.stderr)));
                continue;
            }
            for table in ["traffic", "dependency"] {
                let expected = fs::read_to_string(dir.join(format!("{table}.ndjson"))).expect("expected table");
                let actual = fs::read_to_string(out.join(format!("{table}.ndjson"))).unwrap_or_default();
                if expected != actual {
                    problems
                        .push(format!("{run}: {table} (- InfluxDB, + planet-bq):\n{}", line_diff(&expected, &actual)));
                }
            }
            let stderr = String::from_utf8_lossy(&output.stderr).replace(&out.display().to_string(), "OUT");
            match &one_thread_stderr {
                None => one_thread_stderr = Some(stderr),
                Some(one) if *one != stderr => problems
                    .push(format!("{run}: standard error differs from one thread's:\n{}", line_diff(one, &stderr))),
                Some(_) => {}
            }
            let _ = fs::remove_dir_all(&out);
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n\n{}", problems.len(), problems.join("\n"));
}

/// A file cut into three slices: the point repeated in the third slice counts once, and the
/// malformed lines are named by their line in the file (written out by hand: 3 and 6).
#[test]
fn slices_count_a_repeated_point_once_and_name_lines_of_the_whole_file() {
    let dir = scratch("threads-hand");
    let a = "ingress,service=api,remote_service=db bandwidth_bps=1000 1795352340000000000\n";
    let b = "ingress,service=api,remote_service=db bandwidth_bps=3000 1795352280000000000\n";
    let bad = "ingress,service=api bandwidth_bps=\n";
    let text = format!("{a}{b}{bad}{b}{a}{bad}{a}");
    let input = dir.join("input.lp");
    fs::write(&input, &text).expect("write input");
    let out = dir.join("out");
    let output = planet_bq()
        .args(["analyze", "--at", "2026-11-22T13:00:00Z", "--threads", "3"])
        .args(["--min-slice-bytes", &(text.len() / 3).to_string(), "--out"])
        .arg(&out)
        .arg(&input)
        .output()
        .expect("planet-bq runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let traffic = fs::read_to_string(out.join("traffic.ndjson")).expect("traffic");
    // Two distinct points, 1000 and 3000 bit/s: min 1000, max 3000, mean 2000.
    assert!(traffic.contains("\"traffic_bandwidth_bits_min_1h\":1000,\"traffic_bandwidth_bits_max_1h\":3000,\"traffic_bandwidth_bits_avg_1h\":2000"), "{traffic}");
    let name = input.display().to_string();
    assert!(stderr.contains(&format!("{name}:3")), "{stderr}");
    assert!(stderr.contains(&format!("{name}:6")), "{stderr}");
    assert!(stderr.contains("read 7 lines"), "{stderr}");
    // 5 good lines hold 2 distinct points: 3 duplicates.
    assert!(stderr.contains("3 duplicate point(s)"), "{stderr}");

    // In strict mode the first bad line, line 6, is in the third slice.
    let text = format!("{a}{b}{b}{a}{a}{bad}{a}");
    fs::write(&input, &text).expect("write input");
    let strict = planet_bq()
        .args(["analyze", "--strict", "--at", "2026-11-22T13:00:00Z", "--threads", "3"])
        .args(["--min-slice-bytes", &(text.len() / 3).to_string(), "--out"])
        .arg(&out)
        .arg(&input)
        .output()
        .expect("planet-bq runs");
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(!strict.status.success());
    assert!(stderr.contains(&format!("{name}:6")), "{stderr}");
    let _ = fs::remove_dir_all(&dir);
}
