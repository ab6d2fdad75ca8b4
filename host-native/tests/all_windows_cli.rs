//! `planet-bq analyze --all-windows` on a generated week: its files are the concatenation of
//! `analyze --at END --out` for every window end (the released single-window path is the
//! oracle), and `--engine wasm` writes the same bytes.

mod common;

use common::{line_diff, planet_bq, scratch};
use std::fs;
use std::path::Path;

const HOUR_NS: i64 = 3_600_000_000_000;
/// 2026-11-16T00:00:00Z, a Monday.
const START_NS: i64 = 1_794_787_200_000_000_000;

/// A week of six services, one point per series every 20 minutes, with an hour missing now and
/// then and dependencies seen on some days only.
fn week() -> String {
    let services = ["api", "web", "db", "cache", "auth", "queue"];
    let mut out = String::new();
    for step in 0..7 * 24 * 3 {
        let t = START_NS + step * 1_200_000_000_000;
        let hour = step / 3;
        for (i, local) in services.iter().enumerate() {
            let remote = services[(i + 1) % services.len()];
            if !(i == 2 && hour % 5 == 0) {
                let value = (i as f64 + 1.0) * 1000.0 + (step % 97) as f64 * 13.37 + hour as f64 / 3.0;
                out.push_str(&format!("ingress,service={local},remote_service={remote} bandwidth_bps={value} {t}\n"));
            }
            if (hour / 24 + i as i64) % 3 != 0 {
                let port = 5430 + i;
                out.push_str(&format!(
                    "upstream,service={local},upstream_service={remote},upstream_port={port},protocol=tcp service_dependency=1i {t}\n"
                ));
            }
        }
    }
    out
}

fn rfc3339(ns: i64) -> String {
    let seconds = ns / 1_000_000_000;
    let days = seconds.div_euclid(86_400);
    let (h, m) = (seconds.rem_euclid(86_400) / 3600, seconds.rem_euclid(3600) / 60);
    // 2026-11-16 is day 20773 since the epoch; the week stays inside November 2026 and its next day.
    let day = 16 + (days - 20_773);
    let (month, day) = if day > 30 { (12, day - 30) } else { (11, day) };
    format!("2026-{month:02}-{day:02}T{h:02}:{m:02}:00Z")
}

fn analyze(args: &[&str], input: &Path, out: &Path) {
    let output = planet_bq().arg("analyze").args(args).arg("--out").arg(out).arg(input).output().expect("runs");
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn every_window_of_a_generated_week_is_analyze_at_each_end_on_both_engines() {
    let dir = scratch("all-windows-week");
    let input = dir.join("week.lp");
    fs::write(&input, week()).expect("written");
    // The ends, worked out by hand: the points run from Monday 00:00 to Sunday 23:40, so hourly
    // windows end from Monday 01:00 to the next Monday 00:00, daily ones at 11:00 from Monday to
    // Sunday and the next Monday (the window holding the last points).
    let hourly: Vec<i64> = (1..=168).map(|h| START_NS + h * HOUR_NS).collect();
    let daily: Vec<i64> = (0..8).map(|d| START_NS + (d * 24 + 11) * HOUR_NS).collect();

    let mut traffic = String::new();
    let mut dependency = String::new();
    let one = dir.join("one");
    for end in &hourly {
        analyze(&["--at", &rfc3339(*end)], &input, &one);
        traffic.push_str(&fs::read_to_string(one.join("traffic.ndjson")).expect("traffic"));
    }
    for end in &daily {
        analyze(&["--at", &rfc3339(*end)], &input, &one);
        dependency.push_str(&fs::read_to_string(one.join("dependency.ndjson")).expect("dependency"));
    }
    assert!(traffic.lines().count() > 168 * 5, "every hour has rows");

    for engine in ["native", "wasm"] {
        let all = dir.join(format!("all-{engine}"));
        analyze(&["--all-windows", "--engine", engine], &input, &all);
        let got = fs::read_to_string(all.join("traffic.ndjson")).expect("traffic");
        assert!(
            got == traffic,
            "{engine} traffic differs (- per window, + all windows):\n{}",
            line_diff(&traffic, &got)
        );
        let got = fs::read_to_string(all.join("dependency.ndjson")).expect("dependency");
        assert!(
            got == dependency,
            "{engine} dependency differs (- per window, + all windows):\n{}",
            line_diff(&dependency, &got)
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn all_windows_prints_each_window_and_refuses_at_and_the_exporter_profile() {
    let dir = scratch("all-windows-print");
    let input = dir.join("day.lp");
    fs::write(
        &input,
        "ingress,service=api,remote_service=db bandwidth_bps=10 1794787200000000000\n\
         ingress,service=api,remote_service=db bandwidth_bps=30 1794790800000000000\n",
    )
    .expect("written");
    let output = planet_bq().args(["analyze", "--all-windows"]).arg(&input).output().expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // Points at 00:00 and 01:00: hourly windows end 01:00 and 02:00, one row each.
    assert!(text.contains("Traffic (hourly) [2026-11-16T00:00:00Z, 2026-11-16T01:00:00Z)"), "{text}");
    assert!(text.contains("Traffic (hourly) [2026-11-16T01:00:00Z, 2026-11-16T02:00:00Z)"), "{text}");
    assert!(text.contains("Dependency (daily) [2026-11-09T11:00:00Z, 2026-11-16T11:00:00Z)"), "{text}");

    let both = planet_bq().args(["analyze", "--all-windows", "--at", "2026-11-16T01:00:00Z"]).arg(&input).output();
    assert!(!both.expect("runs").status.success(), "--at and --all-windows conflict");
    let exporter = planet_bq().args(["analyze", "--all-windows", "--profile", "planet-exporter"]).arg(&input).output();
    let exporter = exporter.expect("runs");
    assert!(!exporter.status.success());
    assert!(String::from_utf8_lossy(&exporter.stderr).contains("raw exporter metrics"));
    // Refused before any file is opened: a missing file is not what it reports.
    let missing = dir.join("absent.lp");
    let early = planet_bq().args(["analyze", "--all-windows", "--profile", "planet-exporter"]).arg(&missing).output();
    let early = early.expect("runs");
    let stderr = String::from_utf8_lossy(&early.stderr);
    assert!(!early.status.success());
    assert!(
        stderr.contains("--all-windows") && stderr.contains("--at END") && !stderr.contains("absent.lp"),
        "{stderr}"
    );
    let _ = fs::remove_dir_all(&dir);
}
