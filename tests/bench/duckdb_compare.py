#!/usr/bin/env python3
"""Benchmark: planet-bq against DuckDB on the same `influx -format csv` export and the same
question (the traffic table: MIN, MAX and MEAN of bandwidth_bps per direction, service, address,
remote_service and remote_address over the hour before --at, rows with an empty service left
out, values truncated to integers).

Not part of `make test` (timings are not tests). Run by `make bench-duckdb`. Installs duckdb
from PyPI into a venv under tests/.work (once; skipped when present), generates the fleet with
planet-fleetgen (5000 series, 2M points by default), checks that DuckDB's rows equal planet-bq's
traffic rows, then times both: planet-bq --threads 1 against DuckDB with 1 thread, and all
threads against all threads (best of --runs each), and prints the ratios.

What is timed: planet-bq end to end (process start, reading the file, both tables, writing
them with --out); DuckDB's query over the CSV file (read_csv, filter, GROUP BY, fetching the
rows) in an already started Python process. planet-bq also computes the dependency table,
which DuckDB is not asked for.

How DuckDB reads the export: `influx -format csv` repeats a header before every measurement
with other columns, so DuckDB reads every line as 10 text columns (null padding for shorter
rows), keeps the ingress and egress rows, and casts time and bandwidth_bps. Empty cells are
NULL in DuckDB and NULL or "" in planet-bq's rows (REQUIRED columns hold ""): compared as equal.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

VENV = "tests/.work/duckdb-venv"

TRAFFIC_HEADER = "name,time,address,bandwidth_bps,remote_address,remote_service,service"

QUERY = """
SELECT column0, column6, column2, column5, column4,
       trunc(min(bw))::BIGINT, trunc(max(bw))::BIGINT, trunc(avg(bw))::BIGINT
FROM (
    SELECT column0, column2, column4, column5, column6,
           CAST(column3 AS DOUBLE) AS bw, CAST(column1 AS BIGINT) AS t
    FROM read_csv(?, header = false, auto_detect = false, null_padding = true, quote = '"', escape = '"',
                  columns = {'column0': 'VARCHAR', 'column1': 'VARCHAR', 'column2': 'VARCHAR',
                             'column3': 'VARCHAR', 'column4': 'VARCHAR', 'column5': 'VARCHAR',
                             'column6': 'VARCHAR', 'column7': 'VARCHAR', 'column8': 'VARCHAR',
                             'column9': 'VARCHAR'})
    WHERE column0 IN ('ingress', 'egress')
)
WHERE t >= ? AND t < ? AND column6 <> ''
GROUP BY ALL
"""


def ensure_venv():
    """Re-runs this script with the venv's Python, creating it and installing duckdb once."""
    python = os.path.join(VENV, "bin", "python")
    if sys.prefix == os.path.abspath(VENV):
        return
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if subprocess.run([python, "-c", "import duckdb"], capture_output=True).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "duckdb"], check=True)
    os.execv(python, [python, *sys.argv])


def generate(args, path):
    """The fleet's CSV export; returns its window end (the end of its last tick) as RFC3339."""
    meta = path + ".at"
    if not (os.path.exists(path) and os.path.exists(meta)):
        done = subprocess.run([args.fleetgen, "--hostgroups", "200", "--pairs", str(args.pairs),
                               "--points", str(args.points), "--format", "csv", "--out", path],
                              check=True, capture_output=True, text=True)
        # "times [start, end)": the window ends at the end of the last tick.
        end = done.stderr.split("times [", 1)[1].split(", ", 1)[1].split(")", 1)[0]
        with open(meta, "w") as f:
            f.write(end)
    return open(meta).read().strip()


def rfc3339_ns(text):
    from datetime import datetime, timezone
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()) * 10**9


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def planet_bq(args, path, at, threads, out):
    shutil.rmtree(out, ignore_errors=True)
    cpu0, start = cpu_children(), time.perf_counter()
    done = subprocess.run([args.planet_bq, "analyze", "--at", at, "--threads", str(threads), "--out", out, path],
                          capture_output=True)
    wall, cpu = time.perf_counter() - start, cpu_children() - cpu0
    if done.returncode != 0:
        sys.exit(f"planet-bq failed: {done.stderr.decode(errors='replace')}")
    return wall, cpu


def duckdb_rows(duckdb, path, start_ns, end_ns, threads):
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    cpu0, start = time.process_time(), time.perf_counter()
    rows = con.execute(QUERY, [path, start_ns, end_ns]).fetchall()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    con.close()
    return rows, wall, cpu


def key(row):
    """A row with empty and NULL strings alike."""
    return tuple(None if v == "" else v for v in row)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--planet-bq", required=True)
    p.add_argument("--fleetgen", required=True)
    p.add_argument("--work", default="tests/.work/bench-duckdb")
    p.add_argument("--pairs", type=int, default=5000)
    p.add_argument("--points", type=int, default=2_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keep", action="store_true", help="keep the generated CSV for the next run")
    args = p.parse_args()
    ensure_venv()
    import duckdb

    os.makedirs(args.work, exist_ok=True)
    path = os.path.join(args.work, f"fleet-{args.pairs}-{args.points}.csv")
    at = generate(args, path)
    with open(path) as f:
        headers = {line.rstrip("\n") for line in f if line.startswith("name,")}
    if TRAFFIC_HEADER not in headers:
        sys.exit(f"the export's traffic header is not {TRAFFIC_HEADER!r}: {sorted(headers)}")
    end_ns = rfc3339_ns(at)
    start_ns = end_ns - 3600 * 10**9
    cores = os.cpu_count() or 1
    out = os.path.join(args.work, "out")

    # Same rows first.
    planet_bq(args, path, at, 1, out)
    ours = set()
    with open(os.path.join(out, "traffic.ndjson")) as f:
        for line in f:
            r = json.loads(line)
            ours.add(key((r["traffic_direction"], r["local_hostgroup"], r["local_hostgroup_address"],
                          r["remote_hostgroup"], r["remote_hostgroup_address"], r["traffic_bandwidth_bits_min_1h"],
                          r["traffic_bandwidth_bits_max_1h"], r["traffic_bandwidth_bits_avg_1h"])))
    for threads in sorted({1, cores}):
        theirs = {key(r) for r in duckdb_rows(duckdb, path, start_ns, end_ns, threads)[0]}
        if theirs != ours:
            only_ours, only_theirs = sorted(ours - theirs, key=str), sorted(theirs - ours, key=str)
            sys.exit(f"rows differ (DuckDB {threads} thread(s)): {len(only_ours)} only in planet-bq, "
                     f"{len(only_theirs)} only in DuckDB; first: {only_ours[:3]} / {only_theirs[:3]}")
    size_mb = os.path.getsize(path) / 1e6
    print(f"machine: {cores} cores; load average before: {os.getloadavg()}")
    print(f"DuckDB {duckdb.__version__}; {path} ({size_mb:.0f} MB), window [{at} - 1h, {at}): "
          f"{len(ours)} traffic rows, identical in planet-bq and DuckDB (1 and {cores} threads)")

    def best(measure):
        return min((measure() for _ in range(args.runs)), key=lambda m: m[0])

    results = []
    for threads in sorted({1, cores}):
        ours_t = best(lambda: planet_bq(args, path, at, threads, out))
        theirs_t = best(lambda: duckdb_rows(duckdb, path, start_ns, end_ns, threads)[1:])
        results.append((threads, ours_t, theirs_t))
    shutil.rmtree(out, ignore_errors=True)
    print("| threads | planet-bq wall s | planet-bq CPU s | DuckDB wall s | DuckDB CPU s | DuckDB wall / planet-bq wall |")
    print("|---:|---:|---:|---:|---:|---:|")
    for threads, (ow, oc), (tw, tc) in results:
        print(f"| {threads} | {ow:.3f} | {oc:.3f} | {tw:.3f} | {tc:.3f} | {tw / ow:.2f}x |")
    print(f"load average after: {os.getloadavg()}")
    print("(a ratio above 1.00x: planet-bq answers sooner)")
    if not args.keep:
        os.remove(path)
        os.remove(path + ".at")


if __name__ == "__main__":
    main()
