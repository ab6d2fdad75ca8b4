#!/usr/bin/env python3
"""Parity: `planet-bq analyze` against InfluxDB's own answers on a generated fleet.

Starts a real influxd (tests/scripts/influxd.sh), writes a deterministic fleet of
planet-federator data (hostgroups, traffic pairs every 30 s, dependencies that come and go over
8 days, edge cases sprinkled in), exports it from the server (chunked `/query` JSON and
`Accept: application/csv`) besides the line protocol that was written, and for several windows
compares, row for row and byte for byte, the tables of `planet-bq analyze --out` on each export
with the rows InfluxDB gives for the reference queries with explicit bounds [at - window, at).

It also reports how often InfluxDB's MEAN (a naive float sum) differs from the correctly rounded
mean (what the core computes, with an exact sum) and whether that ever changes the truncated
integer; such a case would show up as a failure of the comparison, which is never weakened.

    parity.py --bin target/debug/planet-bq [--hostgroups 30] [--pairs 120] [--dependencies 80]
                      [--traffic-hours 12] [--csv-everywhere]

Python 3 standard library only.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import influxlib as ix  # noqa: E402

SECOND, HOUR, DAY = ix.SECOND, ix.HOUR, ix.DAY
# The data ends just before this hour; the 7d dependency windows near it cross the 1000-day
# epoch-aligned boundary of 2027-06-30T00:00:00Z (day 21000), where time(1000d) splits buckets.
END = ix.parse_rfc3339("2027-07-02T10:00:00Z")
BOUNDARY_1000D = 21000 * DAY
STEP = 30 * SECOND

# Explicit windows: (at, traffic window, dependency window).
WINDOWS = [
    ("2027-07-02T09:00:00Z", "1h", "7d"),
    ("2027-07-02T03:00:00Z", "1h", "7d"),
    ("2027-07-02T06:00:00Z", "90m", "1d"),
    ("2027-06-29T12:00:00Z", "1h", "7d"),  # before the 1000d boundary: one bucket only
]

# Tag values with what breaks parsers: spaces, commas, equals signs, quotes, backslashes, unicode.
SPECIAL_NAMES = ["pay ment", "a,b", "k=v", 'q"uote', r"back\\slash", "ünïcode", "支付", "😀-svc", "sp ace,c=1"]


def lp_tag(value):
    return ix.lp_escape(value, ",= ")


def fmt_value(rng, value, integer):
    if integer:
        return f"{int(value)}i"
    r = rng.random()
    if r < 0.3:
        return f"{value:.6e}"  # exponent form, as influx_inspect writes large floats
    if r < 0.35:
        return f"{int(value)}"  # a float field written without decimals
    return f"{value:.3f}"


def generate(args):
    """The fleet as line protocol (a list of lines), deterministic for a seed."""
    rng = random.Random(args.seed)
    names = [f"svc-{i:02d}" for i in range(args.hostgroups - len(SPECIAL_NAMES))] + SPECIAL_NAMES
    address = {n: (None if rng.random() < 0.15 else f"{n}.service.consul") for n in names}
    lines = []
    start_traffic = END - args.traffic_hours * HOUR

    def tags(pairs):
        return "".join(f",{k}={lp_tag(v)}" for k, v in pairs if v)

    for p in range(args.pairs):
        local, remote = rng.sample(names, 2)
        direction = rng.choice(["ingress", "egress"])
        remote_service = "" if rng.random() < 0.05 else remote  # absent: REQUIRED ""
        remote_address = None if rng.random() < 0.1 else address[remote]
        extra = rng.random() < 0.05  # an extra tag that is not grouped by
        base = rng.uniform(1e3, 5e7)
        # Pairs come and go: most run the whole time, some start late or stop early.
        first = start_traffic + (rng.randrange(0, args.traffic_hours * 120) * STEP if rng.random() < 0.2 else 0)
        last = END - (rng.randrange(0, args.traffic_hours * 120) * STEP if rng.random() < 0.2 else 0)
        phase = rng.randrange(0, 30) * SECOND
        key = direction + tags([("service", local), ("address", address[local]),
                                ("remote_service", remote_service), ("remote_address", remote_address)])
        integer = direction == "egress"  # one field type per measurement, as InfluxDB requires
        t = first + phase
        n = 0
        while t < last:
            value = base * (0.5 + rng.random())
            k = key + (f",host=node-{n % 2}" if extra else "")
            lines.append(f"{k} bandwidth_bps={fmt_value(rng, value, integer)} {t}")
            n += 1
            t += STEP
    for d in range(args.dependencies):
        local, remote = rng.sample(names, 2)
        process = rng.choice(["java", "nginx worker", "envoy", None, 'C:\\srv "x"'])
        protocol = rng.choice(["tcp", "tcp", "udp"])
        port = str(rng.choice([80, 443, 5432, 8080, 9090]))
        up = "upstream" + tags([("service", local), ("address", address[local]), ("upstream_service", remote),
                                ("upstream_address", address[remote]), ("upstream_port", port),
                                ("process_name", process), ("protocol", protocol)])
        down = "downstream" + tags([("service", remote), ("address", address[remote]), ("port", port),
                                    ("process_name", process), ("downstream_service", local),
                                    ("downstream_address", address[local]), ("protocol", protocol)])
        # Dependencies come and go over 8 days: a few bursts of points every 30 s.
        for _ in range(rng.randint(1, 3)):
            burst_start = END - 8 * DAY + rng.randrange(0, 8 * 24 * 120) * STEP
            length = rng.randint(1, 240) * STEP
            t = burst_start
            while t < min(burst_start + length, END):
                lines.append(f"{up} service_dependency=1i {t}")
                lines.append(f"{down} service_dependency=1i {t}")
                t += STEP * rng.randint(1, 4)
    # Edge cases at every explicit window: points exactly on both edges and 1 ns inside/outside.
    for at_text, tw, dw in WINDOWS:
        at = ix.parse_rfc3339(at_text)
        for label, t in [("start", at - ix.parse_duration(tw)), ("before-start", at - ix.parse_duration(tw) - 1),
                         ("last-ns", at - 1), ("end", at)]:
            lines.append(f"ingress,service=edge,remote_service={label}-{at // HOUR} bandwidth_bps=1.5 {t}")
        for label, t in [("start", at - ix.parse_duration(dw)), ("before-start", at - ix.parse_duration(dw) - 1),
                         ("last-ns", at - 1), ("end", at)]:
            lines.append(f"upstream,service=edge,upstream_service={label}-{at // HOUR},protocol=tcp "
                         f"service_dependency=1i {t}")
        # Left out: no service; no row: only another field.
        lines.append(f"ingress,remote_service=orphan bandwidth_bps=5 {at - 10 * SECOND}")
        lines.append(f"egress,service=metrics-only,remote_service=x packets=5i {at - 10 * SECOND}")
        lines.append(f"downstream,downstream_service=orphan,protocol=tcp service_dependency=1i {at - 10 * SECOND}")
    return lines


def run_analyze(binary, files, out, at=None, tw=None, dw=None):
    cmd = [binary, "analyze", "--out", out]
    if at:
        cmd += ["--at", at]
    if tw:
        cmd += ["--traffic-window", tw, "--dependency-window", dw]
    cmd += files
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    if "malformed" in proc.stderr and " 0 malformed" not in proc.stderr:
        raise RuntimeError(f"planet-bq skipped lines of a valid export:\n{proc.stderr}")
    with open(os.path.join(out, "traffic.ndjson")) as f:
        traffic = f.read()
    with open(os.path.join(out, "dependency.ndjson")) as f:
        dependency = f.read()
    return traffic, dependency, time.monotonic() - started


def mean_drift(server, at, window):
    """Groups whose InfluxDB MEAN differs from the correctly rounded mean, and of those, how many
    truncate to another integer."""
    start = at - window
    differ = changed = groups = 0
    for direction in ("ingress", "egress"):
        exact = ix.exact_means(server, direction, start, at)
        for s in server.series(ix.traffic_query(direction, start, at, ("MEAN",))):
            influx = s["values"][0][1]
            if influx is None:
                continue
            groups += 1
            mean = exact[tuple(sorted(s["tags"].items()))]
            if mean != influx:
                differ += 1
                changed += int(mean) != int(influx)
    return groups, differ, changed


def two_bucket_series(server, at, window):
    """Dependency series that InfluxDB answers with points in both time(1000d) buckets."""
    n = 0
    for direction in ("upstream", "downstream"):
        for s in server.series(ix.dependency_query(direction, at - window, at)):
            n += sum(1 for row in s["values"] if any(v for v in row[1:])) > 1
    return n


def compare(name, expected, actual):
    if expected == actual:
        return []
    exp, act = set(expected.splitlines()), set(actual.splitlines())
    lines = [f"{name}: {len(exp - act)} row(s) only in InfluxDB's answer, {len(act - exp)} only in planet-bq's"]
    lines += ["  - " + x for x in sorted(exp - act)[:5]] + ["  + " + x for x in sorted(act - exp)[:5]]
    if not (exp - act) and not (act - exp):
        lines.append("  same rows, different order or duplicates")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the planet-bq binary")
    parser.add_argument("--hostgroups", type=int, default=30)
    parser.add_argument("--pairs", type=int, default=120, help="traffic pairs")
    parser.add_argument("--dependencies", type=int, default=80, help="dependency pairs (upstream + downstream each)")
    parser.add_argument("--traffic-hours", type=int, default=12, help="hours of traffic points (every 30 s)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--csv-everywhere", action="store_true", help="check the CSV export at every window")
    parser.add_argument("--keep", action="store_true", help="keep the exports (printed path)")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="planet-parity-")
    failures = []
    t0 = time.monotonic()
    try:
        lines = generate(args)
        lp_path = os.path.join(work, "fleet.lp")
        with open(lp_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"parity: generated {len(lines)} points ({os.path.getsize(lp_path) >> 20} MiB of line protocol)")
        with ix.Server() as server:
            server.reset()
            for i in range(0, len(lines), 20000):
                server.write("\n".join(lines[i:i + 20000]) + "\n")
            del lines
            exports = {"line protocol": [lp_path]}
            json_path = os.path.join(work, "fleet.ndjson")
            with open(json_path, "wb") as f:
                f.write(server.raw_query(ix.select_all(group_by=True), {"epoch": "ns", "chunked": "true", "chunk_size": "5000"}))
            csv_path = os.path.join(work, "fleet.csv")
            with open(csv_path, "wb") as f:
                f.write(server.raw_query(ix.select_all(group_by=True), headers={"Accept": "application/csv"}))
            exports["/query chunked JSON"] = [json_path]
            exports["/query CSV"] = [csv_path]
            print(f"parity: wrote and exported in {time.monotonic() - t0:.1f} s "
                  f"(JSON {os.path.getsize(json_path) >> 20} MiB, CSV {os.path.getsize(csv_path) >> 20} MiB)")
            newest = server.newest_time(ix.MEASUREMENTS)
            default_at = (newest // HOUR + 1) * HOUR
            runs = [(at, tw, dw) for at, tw, dw in WINDOWS] + [(None, "1h", "7d")]
            compared = {"traffic": 0, "dependency": 0}
            drift = [0, 0, 0]
            for at_text, tw, dw in runs:
                at = ix.parse_rfc3339(at_text) if at_text else default_at
                twn, dwn = ix.parse_duration(tw), ix.parse_duration(dw)
                expected_t = ix.to_ndjson(ix.traffic_rows(server, at, twn), ix.TRAFFIC_COLUMNS)
                expected_d = ix.to_ndjson(ix.dependency_rows(server, at, dwn), ix.DEPENDENCY_COLUMNS)
                straddle = at - dwn < BOUNDARY_1000D <= at
                label = f"at={at_text or 'default (' + ix.rfc3339(at) + ')'} traffic {tw} dependency {dw}"
                if straddle:
                    label += f" ({two_bucket_series(server, at, dwn)} series in two 1000d buckets)"
                g, d, c = mean_drift(server, at, twn)
                drift = [drift[0] + g, drift[1] + d, drift[2] + c]
                # The live pipeline's pre-aggregated answer for this very window.
                answer_path = os.path.join(work, "answer.json")
                with open(answer_path, "wb") as f:
                    f.write(ix.reference_answer(server, at, twn, dwn, ("MIN", "MAX", "SUM", "COUNT"), epoch="ns"))
                exports["GROUP BY answer (MIN, MAX, SUM, COUNT)"] = [answer_path]
                for export, files in exports.items():
                    # The CSV export is the slowest to read in a debug build: two windows suffice
                    # to check that format (the first explicit one and the default `at`).
                    if export == "/query CSV" and at_text not in (WINDOWS[0][0], None) and not args.csv_everywhere:
                        continue
                    out = os.path.join(work, "out")
                    shutil.rmtree(out, ignore_errors=True)
                    flags = (tw, dw) if (tw, dw) != ("1h", "7d") else (None, None)
                    # A pre-aggregated answer is tied to the window it was asked for: say which.
                    at_flag = ix.rfc3339(at) if export.startswith("GROUP BY") else at_text
                    traffic, dependency, took = run_analyze(binary, files, out, at_flag, *flags)
                    failures += compare(f"{label} [{export}] traffic", expected_t, traffic)
                    failures += compare(f"{label} [{export}] dependency", expected_d, dependency)
                    compared["traffic"] += expected_t.count("\n")
                    compared["dependency"] += expected_d.count("\n")
                    print(f"parity: {label} [{export}]: "
                          f"{expected_t.count(chr(10))} traffic, {expected_d.count(chr(10))} dependency rows "
                          f"{'identical' if (expected_t, expected_d) == (traffic, dependency) else 'DIFFERENT'} "
                          f"({took:.1f} s)")
        print(f"parity: mean check: {drift[1]} of {drift[0]} traffic groups have an InfluxDB MEAN (naive sum) that "
              f"differs from the correctly rounded mean in the last bits; {drift[2]} of those truncate to another integer")
        print(f"parity: compared {compared['traffic']} traffic and {compared['dependency']} dependency rows "
              f"in {time.monotonic() - t0:.1f} s")
    finally:
        if args.keep:
            print(f"parity: exports kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("parity FAILED:\n" + "\n".join(failures))
        return 1
    print("parity: planet-bq gives exactly InfluxDB's rows for every window and every export")
    return 0


if __name__ == "__main__":
    sys.exit(main())
