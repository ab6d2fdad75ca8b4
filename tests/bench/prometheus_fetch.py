#!/usr/bin/env python3
"""Benchmark: `--source prometheus` fetching raw samples (`--prometheus-fetch raw`) against
pushing the PromQL down (`--prometheus-fetch pushdown`), on a real Prometheus 2.x holding a
fleet, for BENCHMARKS.md; and the planet-exporter profile's memory per series.

Not part of `make test` (timings are not tests). Run by `make bench-prometheus-fetch`.
Standard library only; needs prometheus, promtool and GNU time (`/usr/bin/time -v`).

Fleets (samples with explicit timestamps loaded with `promtool tsdb create-blocks-from
openmetrics`, ending at the window end AT, starting 45 s before the window for the lookback):
- traffic-heavy: 4,000 `planet_traffic_bytes_total` counters and 400 dependency gauges,
  scraped every 10 s, the traffic job (1 h window);
- dependency-heavy: 400 counters and 4,000 `planet_upstream`/`planet_downstream` gauges,
  scraped every 15 s, the dependency job over a 3 h window (7 days would not fit this machine);
- high-cardinality: 20,000 counters scraped every 15 s, the traffic job (1 h).
`--scale` multiplies the series counts. For each fleet, raw and push-down run interleaved
`--runs` times: median wall seconds of `planet-bq once`, its highest peak RSS, Prometheus's CPU
seconds during the run (from /proc), and a check that both write the same rows.

Memory per series (`--memory`): `planet-bq analyze --profile planet-exporter` of remote_write
line protocol, streamed on standard input (no file), with no series and with 10,000 and 100,000
counter series over one hour scraped every 15 s (irate needs two samples in 30 s); peak RSS above
the empty run, over the series, is the state per series.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle"))
import promlib  # noqa: E402

AT_S = 1795352400  # 2026-11-22T13:00:00Z
AT = "2026-11-22T13:00:00Z"
LOOKBACK_S = 45
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def counter_labels(i):
    host, peer = i % 97, (i * 7 + 3) % 89
    direction = "egress" if i % 2 else "ingress"
    return (f'direction="{direction}",instance="10.0.{i % 250}.{i // 250 % 250}:9100",job="planet-exporter",'
            f'local_domain="svc{host}.service.consul",local_hostgroup="svc{host}",'
            f'remote_domain="svc{peer}.service.consul",remote_hostgroup="svc{peer}",remote_ip="10.1.{i % 250}.{i % 199}"')


def gauge_labels(i):
    host, peer = i % 97, (i * 7 + 3) % 89
    return (f'instance="10.0.{i % 250}.{i // 250 % 250}:9100",job="planet-exporter",'
            f'local_address="svc{host}.service.consul",local_hostgroup="svc{host}",port="{8000 + i % 500}",'
            f'process_name="proc{host}",protocol="tcp",remote_address="svc{peer}.service.consul",'
            f'remote_hostgroup="svc{peer}"')


def write_fleet(path, counters, gauges, every_s, span_s):
    """OpenMetrics text of the fleet (families not interleaved), samples ending at AT."""
    times = [AT_S - span_s - LOOKBACK_S + k * every_s for k in range((span_s + LOOKBACK_S) // every_s)]
    with open(path, "w") as f:
        f.write("# TYPE planet_traffic_bytes_total gauge\n")
        for i in range(counters):
            head = f"planet_traffic_bytes_total{{{counter_labels(i)}}} "
            rate = 200 + (i * 7919) % 50_000
            f.write("".join(f"{head}{rate * k * every_s} {t}\n" for k, t in enumerate(times)))
        for metric, parity in (("planet_upstream", 0), ("planet_downstream", 1)):
            f.write(f"# TYPE {metric} gauge\n")
            for i in range(parity, gauges, 2):
                head = f"{metric}{{{gauge_labels(i)}}} 1 "
                f.write("".join(f"{head}{t}\n" for t in times))
        f.write("# EOF\n")
    return len(times) * (counters + gauges)


class Prometheus(promlib.Prometheus):
    """promlib's throwaway Prometheus, over blocks made from an OpenMetrics file on disk."""

    def __init__(self, om_path):
        self.dir = tempfile.mkdtemp(prefix="planet-bench-prometheus-")
        data = os.path.join(self.dir, "data")
        os.makedirs(data)
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om_path, data],
                       check=True, capture_output=True)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  evaluation_interval: 1h\n")
        port = promlib.free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
             f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=100y"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def timed(cmd, stdin=None):
    """Seconds and peak RSS (KiB) of one command under GNU time."""
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-v", *cmd], stdin=stdin, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"FAIL - {' '.join(cmd)}:\n{result.stderr[-3000:]}")
    rss = next(int(l.split(":")[1]) for l in result.stderr.splitlines() if "Maximum resident set size" in l)
    return seconds, rss


def read_rows(directory):
    out = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name)) as f:
            out.append((name, f.read()))
    return out


def bench_fleets(args):
    fleets = [
        ("traffic-heavy", 4000, 400, 10, 3600, "traffic"),
        ("dependency-heavy", 400, 4000, 15, 3 * 3600, "dependency"),
        ("high-cardinality", 20000, 0, 15, 3600, "traffic"),
    ]
    print("| fleet | series | samples | job | fetch | median s | peak RSS MB | Prometheus CPU s | rows |")
    print("|---|---|---|---|---|---|---|---|---|")
    ratios = []
    for name, counters, gauges, every_s, span_s, job in fleets:
        if args.only and name not in args.only:
            continue
        counters, gauges = int(counters * args.scale), int(gauges * args.scale)
        om = os.path.join(args.work, f"{name}.om")
        samples = write_fleet(om, counters, gauges, every_s, span_s)
        with Prometheus(om) as prom:
            os.remove(om)
            # Warm the TSDB's caches once per fetch, so that neither run pays the first read.
            results = {"raw": [], "pushdown": []}
            rows = {}
            for run in range(args.runs + 1):
                for fetch in ("raw", "pushdown"):
                    out = os.path.join(args.work, f"out-{name}-{fetch}")
                    shutil.rmtree(out, ignore_errors=True)
                    cpu = prom.cpu_seconds()
                    seconds, rss = timed([
                        args.planet_bq, "once", job, "--at", AT, "--source", "prometheus",
                        "--prometheus-addr", prom.url, "--prometheus-fetch", fetch, "--out", out,
                        "--state-file", os.path.join(args.work, f"state-{name}-{fetch}-{run}.json"),
                        "--traffic-window", "1h", "--dependency-window", f"{span_s}s", "--retries", "0",
                        "--log-level", "warn", "--cron-job-timeout-second", "3600"])
                    cpu = prom.cpu_seconds() - cpu
                    rows[fetch] = read_rows(out) if os.path.isdir(out) else []
                    if run > 0:
                        results[fetch].append((seconds, rss, cpu))
            same = rows["raw"] == rows["pushdown"]
            count = sum(text.count("\n") for _, text in rows["raw"])
            if not same:
                print(f"# FAIL - {name}: raw and push-down rows differ")
            median = {}
            for fetch in ("raw", "pushdown"):
                s = statistics.median(r[0] for r in results[fetch])
                rss = max(r[1] for r in results[fetch]) / 1024
                cpu = statistics.median(r[2] for r in results[fetch])
                median[fetch] = (s, rss, cpu)
                print(f"| {name} | {counters + gauges} | {samples} | {job} | {fetch} | {s:.2f} | {rss:.0f} | "
                      f"{cpu:.2f} | {count}{'' if same else ' (DIFFER)'} |")
            ratios.append((name, median["pushdown"][0] / median["raw"][0], median["pushdown"][1] / median["raw"][1]))
    for name, time_ratio, rss_ratio in ratios:
        print(f"# {name}: push-down / raw: time {time_ratio:.2f}, peak RSS {rss_ratio:.2f}")


def stream_remote_write(series, every_s, span_s, sink):
    """remote_write's line-protocol shape of `series` counters, written to `sink` (a pipe)."""
    times = [(AT_S - span_s - LOOKBACK_S + k * every_s) for k in range((span_s + LOOKBACK_S) // every_s)]
    for i in range(series):
        labels = counter_labels(i).replace('"', "")
        head = f"planet_traffic_bytes_total,__name__=planet_traffic_bytes_total,{labels} value="
        rate = 200 + (i * 7919) % 50_000
        sink.write("".join(f"{head}{rate * k * every_s} {t}000000000\n" for k, t in enumerate(times)).encode())


def bench_memory(args):
    print("| series | samples | seconds | peak RSS MB |")
    print("|---|---|---|---|")
    peaks = []
    for series in (0, 10_000, 100_000):
        series = int(series * args.scale)
        proc = subprocess.Popen(["/usr/bin/time", "-v", args.planet_bq, "analyze", "--at", AT, "--profile",
                                 "planet-exporter", "--format", "lp", "--out", os.path.join(args.work, "mem-out"), "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started = time.monotonic()
        stream_remote_write(series, 15, 3600, proc.stdin)
        proc.stdin.close()
        err = proc.stderr.read().decode()
        if proc.wait() != 0:
            sys.exit(f"FAIL - analyze: {err[-2000:]}")
        seconds = time.monotonic() - started
        rss = next(int(l.split(":")[1]) for l in err.splitlines() if "Maximum resident set size" in l)
        peaks.append((series, rss))
        print(f"| {series} | {series * ((3600 + LOOKBACK_S) // 15)} | {seconds:.1f} | {rss / 1024:.0f} |")
    base = peaks[0][1]
    for series, rss in peaks[1:]:
        print(f"# {series} series: {(rss - base) * 1024 / series:.0f} bytes per series above the empty run")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--planet-bq", required=True)
    parser.add_argument("--work", default="tests/.work/bench-prometheus-fetch")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every series count")
    parser.add_argument("--only", nargs="*", help="fleets to run (default: all)")
    parser.add_argument("--memory", action="store_true", help="also the memory per series at 10k/100k series")
    parser.add_argument("--no-fleets", action="store_true", help="skip the raw/push-down fleets")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    if not args.no_fleets:
        bench_fleets(args)
    if args.memory:
        bench_memory(args)


if __name__ == "__main__":
    main()
