#!/usr/bin/env python3
"""`--source prometheus` against a real Prometheus 2.x.

For each exporter vector with a remote_write-shaped input (tests/vectors/exporter-*/input.lp,
whose expected rows a real Prometheus and a real influxd made, see tests/vectors/README.md), the
same samples are loaded into a throwaway Prometheus (promtool blocks), and `planet-bq once` and
`planet-bq backfill` with `--source prometheus` must write exactly the vector's rows, whatever
the slice length the window is read in (slices must neither lose nor repeat a sample at their
edges), both fetching raw samples (`--prometheus-fetch raw`) and pushing the PromQL down
(`--prometheus-fetch pushdown`): push-down rows == raw rows == the vector. `check` must name
the server and the metrics. Standard library only.
"""

import argparse
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle"))
import influxlib  # noqa: E402
import promlib  # noqa: E402

VECTORS = os.path.join(ROOT, "tests", "vectors")
# Tags of the line-protocol input: `key=value` pairs, escapes as line protocol writes them.
PAIR = re.compile(r"((?:[^,=\\]|\\.)+)=((?:[^,\\]|\\.)*)")


def unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


def series_of(path):
    """The input's samples as promlib series: labels (with `__name__`) and (ms, value) pairs;
    `None` for an input in another shape than remote_write's (Telegraf's)."""
    series = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            head, field, ts = line.rsplit(" ", 2)
            measurement, _, tags = head.partition(",")
            labels = {unescape(k): unescape(v) for k, v in PAIR.findall(tags)}
            labels["__name__"] = unescape(measurement)
            name, value = field.split("=", 1)
            if name != "value" or "__name__" not in labels and measurement == "prometheus":
                return None  # Telegraf's shapes: not what remote_write stores

            key = tuple(sorted(labels.items()))
            entry = series.setdefault(key, {"labels": labels, "samples": []})
            entry["samples"].append((int(ts) // 1_000_000, float(value)))
    return list(series.values())


def read(path):
    with open(path) as f:
        return f.read()


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        sys.exit(f"FAIL - {' '.join(cmd)}\n{result.stdout}{result.stderr}")
    return result


def outputs(directory):
    """The local sink's files by job: `traffic-<end>.ndjson`, `dependency-<end>.ndjson`. A window
    without rows writes no file: that reads as one empty table, as the vectors write it."""
    found = {"traffic": [""], "dependency": [""]}
    for path in sorted(glob.glob(os.path.join(directory, "*.ndjson"))):
        job = os.path.basename(path).split("-", 1)[0]
        found[job] = [text for text in found[job] if text] + [read(path)]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="the planet-bq binary")
    args = parser.parse_args()
    cases = sorted(d for d in glob.glob(os.path.join(VECTORS, "exporter-*"))
                   if os.path.exists(os.path.join(d, "input.lp")) and series_of(os.path.join(d, "input.lp")))
    if not cases:
        sys.exit("FAIL - no exporter vector with an input.lp")
    checked = 0
    for case in cases:
        name = os.path.basename(case)
        options = json.loads(read(os.path.join(case, "options.json")))
        want = {job: read(os.path.join(case, f"{job}.ndjson")) for job in ("traffic", "dependency")}
        window = ["--traffic-window", options.get("trafficWindow", "1h"),
                  "--dependency-window", options.get("dependencyWindow", "7d")]
        with promlib.Prometheus(series_of(os.path.join(case, "input.lp"))) as prom, \
                tempfile.TemporaryDirectory() as work:
            common = ["--source", "prometheus", "--prometheus-addr", prom.url, "--retries", "0",
                      "--log-disable-colors", *window]
            # The slices cut the raw samples (59s: one tick per query_range when pushed down);
            # with several slices, requests run side by side (their answers are merged in order).
            for fetch in ("raw", "pushdown"):
                for slice_, concurrency in (("1h", "2"), ("7m", "1"), ("59s", "8")):
                    out = os.path.join(work, f"once-{fetch}-{slice_}")
                    run([args.bin, "once", "all", "--at", options["at"], "--out", out,
                         "--state-file", os.path.join(work, f"state-{fetch}-{slice_}.json"),
                         "--prometheus-fetch", fetch, "--prometheus-query-slice", slice_,
                         "--query-concurrency", concurrency, *common])
                    got = outputs(out)
                    for job in ("traffic", "dependency"):
                        if got.get(job) != [want[job]]:
                            sys.exit(f"FAIL - {name}: once {job} with --prometheus-fetch {fetch} "
                                     f"--prometheus-query-slice {slice_} --query-concurrency {concurrency} "
                                     f"differs from the vector\n"
                                     f"--- got\n{''.join(got.get(job, []))}--- want\n{want[job]}")
                # backfill over the hour ending at `at` writes the same traffic window.
                out = os.path.join(work, f"backfill-{fetch}")
                # The traffic tick (mm:ss 00:30) of the hour starting at `at` ends the window at `at`.
                until = (datetime.datetime.fromisoformat(options["at"].replace("Z", "+00:00"))
                         + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
                run([args.bin, "backfill", "traffic", "--from", options["at"], "--to", until,
                     "--out", out, "--state-file", os.path.join(work, f"state-backfill-{fetch}.json"),
                     "--prometheus-fetch", fetch, *common])
                if outputs(out).get("traffic") != [want["traffic"]]:
                    sys.exit(f"FAIL - {name}: backfill traffic with --prometheus-fetch {fetch} differs from the vector")
            checked += 1
            print(f"ok - {name}: once (3 slice lengths, 1 to 8 requests at once) and backfill from a real Prometheus, raw and pushed down, "
                  f"equal the vector ({want['traffic'].count(chr(10))} traffic, {want['dependency'].count(chr(10))} dependency rows)")
    # Raw metrics in InfluxDB (remote_write's shape, and Telegraf's for the cases that have it):
    # `--source influxdb --profile planet-exporter` gives the same rows from a real influxd.
    shapes = sorted(d for d in glob.glob(os.path.join(VECTORS, "exporter-*"))
                    if glob.glob(os.path.join(d, "input*.lp")))
    with influxlib.Server() as influx, tempfile.TemporaryDirectory() as work:
        for case in shapes:
            name = os.path.basename(case)
            options = json.loads(read(os.path.join(case, "options.json")))
            influx.reset()
            for path in sorted(glob.glob(os.path.join(case, "input*.lp"))):
                influx.write("".join(l for l in open(path) if l.strip() and not l.startswith("#")))
            # 20-minute slices: several queries per measurement, run 1, 2 (the default) and 8 at once.
            for concurrency in ("1", "2", "8"):
                out = os.path.join(work, f"{name}-{concurrency}")
                run([args.bin, "once", "all", "--at", options["at"], "--out", out, "--profile", "planet-exporter",
                     "--influxdb-addr", influx.url, "--influxdb-query-slice", "20m", "--query-concurrency", concurrency,
                     "--state-file", os.path.join(work, f"{name}-{concurrency}.state.json"), "--retries", "0",
                     "--traffic-window", options.get("trafficWindow", "1h"),
                     "--dependency-window", options.get("dependencyWindow", "7d")])
                got = outputs(out)
                for job in ("traffic", "dependency"):
                    want = read(os.path.join(case, f"{job}.ndjson"))
                    if got.get(job) != [want]:
                        sys.exit(f"FAIL - {name}: once --source influxdb --profile planet-exporter --query-concurrency "
                                 f"{concurrency} {job} differs from the vector\n--- got\n{''.join(got.get(job, []))}"
                                 f"--- want\n{want}")
            print(f"ok - {name}: raw metrics written into a real influxd, read back with --profile planet-exporter "
                  f"(1, 2 and 8 queries at once), equal the vector")
            # check looks for the profile's own measurements, in whichever shape they were written.
            result = subprocess.run([args.bin, "check", "--profile", "planet-exporter", "--influxdb-addr", influx.url,
                                     "--out", work, "--log-disable-colors"], capture_output=True, text=True)
            text = result.stdout + result.stderr
            found = re.findall(r"ok: measurement (\S+): newest point", text)
            if result.returncode != 0 or not found or "problem:" in text:
                sys.exit(f"FAIL - {name}: check --profile planet-exporter on the influxd (exit {result.returncode}):\n{text}")
            print(f"ok - {name}: check --profile planet-exporter finds the raw metrics ({', '.join(found)})")
    # check: the server answers; backfilled samples are older than its 5-minute look, which it says.
    with promlib.Prometheus(series_of(os.path.join(cases[0], "input.lp"))) as prom:
        result = subprocess.run([args.bin, "check", "--source", "prometheus", "--prometheus-addr", prom.url,
                                 "--out", tempfile.gettempdir()], capture_output=True, text=True)
        text = result.stdout + result.stderr
        if "ok: Prometheus at" not in text or "metric planet_traffic_bytes_total" not in text:
            sys.exit(f"FAIL - check does not report the server and the metrics:\n{text}")
        print("ok - check names the Prometheus server and each metric of the profile")
    print(f"# prometheus source: {checked} vectors")


if __name__ == "__main__":
    main()
