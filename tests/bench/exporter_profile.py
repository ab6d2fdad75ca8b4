#!/usr/bin/env python3
"""Benchmark: the planet-exporter profile (raw metrics, irate and presence stages) against the
planet-federator profile (points aggregated directly) on the same number of points, and the
peak memory of the exporter profile at 10,000 series over an hour.

Not part of `make test` (timings are not tests). Run by `make bench-exporter`. Standard library
only; needs GNU time (`/usr/bin/time -v`) for peak memory.

Both inputs are line protocol of one hour, scraped every 10 s, ending at the window end:
- exporter: N series (70 % `planet_traffic_bytes_total` counters, 30 % `planet_upstream` and
  `planet_downstream` gauges), remote_write's shape, 360 samples each;
- federator: the same number of points spread over `ingress`/`egress`/`upstream`/`downstream`.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time

AT_S = 1795352400  # 2026-11-22T13:00:00Z
AT = "2026-11-22T13:00:00Z"
STEP_S = 10
SAMPLES = 3600 // STEP_S


def exporter_lp(path, series, rng):
    traffic = int(series * 0.7)
    with open(path, "w") as f:
        for i in range(series):
            host, peer = i % 97, (i * 7 + 3) % 89
            instance = f"10.0.{i % 250}.{i % 200}:9100"
            if i < traffic:
                direction = "egress" if i % 2 else "ingress"
                tags = (f"planet_traffic_bytes_total,__name__=planet_traffic_bytes_total,direction={direction},"
                        f"instance={instance},job=planet-exporter,local_domain=svc{host}.service.consul,"
                        f"local_hostgroup=svc{host},remote_domain=svc{peer}.service.consul,remote_hostgroup=svc{peer},"
                        f"remote_ip=10.1.{i % 250}.{i % 199}")
                rate = rng.randint(200, 50_000)
                value = 0
                for k in range(SAMPLES):
                    value += rate * STEP_S
                    f.write(f"{tags} value={value} {(AT_S - 3600 + k * STEP_S) * 1_000_000_000}\n")
            else:
                metric = "planet_upstream" if i % 2 else "planet_downstream"
                tags = (f"{metric},__name__={metric},instance={instance},job=planet-exporter,"
                        f"local_address=svc{host}.service.consul,local_hostgroup=svc{host},port={8000 + i % 500},"
                        f"process_name=proc{host},protocol=tcp,remote_address=svc{peer}.service.consul,"
                        f"remote_hostgroup=svc{peer}")
                for k in range(SAMPLES):
                    f.write(f"{tags} value=1 {(AT_S - 3600 + k * STEP_S) * 1_000_000_000}\n")


def federator_lp(path, points, rng):
    series = max(1, points // SAMPLES)
    with open(path, "w") as f:
        for i in range(series):
            host, peer = i % 97, (i * 7 + 3) % 89
            kind = ("ingress", "egress", "upstream", "downstream")[i % 4]
            if kind in ("ingress", "egress"):
                tags = (f"{kind},address=svc{host}.service.consul,remote_address=svc{peer}.service.consul,"
                        f"remote_service=svc{peer}-{i},service=svc{host}")
                field = lambda: f"bandwidth_bps={rng.uniform(1000, 400000):.3f}"  # noqa: E731
            else:
                other = "upstream" if kind == "upstream" else "downstream"
                port = "upstream_port" if kind == "upstream" else "port"
                tags = (f"{kind},address=svc{host}.service.consul,{other}_address=svc{peer}.service.consul,"
                        f"{other}_service=svc{peer},{port}={8000 + i},process_name=proc{host},protocol=tcp,service=svc{host}")
                field = lambda: "service_dependency=1i"  # noqa: E731
            for k in range(SAMPLES):
                f.write(f"{tags} {field()} {(AT_S - 3600 + k * STEP_S) * 1_000_000_000}\n")


def run(binary, args):
    """Seconds and peak RSS (KiB) of one run."""
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-v", binary, "analyze", "--at", AT, *args],
                            capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"planet-bq failed: {result.stderr[-2000:]}")
    rss = next(int(l.split(":")[1]) for l in result.stderr.splitlines() if "Maximum resident set size" in l)
    return seconds, rss, result.stdout


def lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--planet-bq", required=True)
    parser.add_argument("--work", default="tests/.work/bench-exporter")
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = random.Random(7)
    raw = os.path.join(args.work, f"exporter-{args.series}.lp")
    fed = os.path.join(args.work, f"federator-{args.series}.lp")
    if not os.path.exists(raw):
        exporter_lp(raw, args.series, rng)
    n = lines(raw)
    if not os.path.exists(fed):
        federator_lp(fed, n, rng)
    m = lines(fed)
    print(f"# exporter input: {n} points, {os.path.getsize(raw) / 1e6:.0f} MB; federator input: {m} points, "
          f"{os.path.getsize(fed) / 1e6:.0f} MB; {args.runs} runs each, interleaved, median")
    results = {"exporter": [], "federator": []}
    rows = {}
    for _ in range(args.runs):
        for name, flags, path in (("exporter", ["--profile", "planet-exporter"], raw), ("federator", [], fed)):
            out_dir = os.path.join(args.work, f"out-{name}")
            seconds, rss, out = run(args.planet_bq, [*flags, "--out", out_dir, path])
            results[name].append((seconds, rss))
            rows[name] = out
    print("| profile | points | median s | points/s | peak RSS MB |")
    print("|---|---|---|---|---|")
    speed = {}
    for name, points in (("exporter", n), ("federator", m)):
        s = statistics.median(r[0] for r in results[name])
        rss = max(r[1] for r in results[name]) / 1024
        speed[name] = points / s
        print(f"| {name} | {points} | {s:.2f} | {points / s / 1e6:.2f} M | {rss:.0f} |")
    print(f"# exporter / federator throughput: {speed['exporter'] / speed['federator']:.2f}")


if __name__ == "__main__":
    main()
