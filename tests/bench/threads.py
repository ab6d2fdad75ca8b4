#!/usr/bin/env python3
"""Benchmark: `planet-bq analyze` of one large line-protocol file (and its `influx -format csv`
export) on 1 thread and on N threads (`--threads`), side by side in one run.

Not part of `make test` (timings are not tests). Run by `make bench-threads`. Standard library
only. Checks first that every thread count writes byte-identical tables and says the same on
standard error, then times each count (best of --runs) and prints wall seconds, CPU seconds
(getrusage of the child: all its threads) and the speedup of N threads over one. The load
average is printed before and after: on a machine shared with other work the wall-clock
speedup is bounded by the cores actually free, while the CPU seconds stay comparable.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time


def run(cmd):
    """Runs cmd; returns (wall s, CPU s of the child, completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr.decode(errors='replace')}")
    return wall, cpu, done


def generate(fleetgen, path, fmt, target):
    if os.path.exists(path):
        return
    tmp = path + ".tmp"
    subprocess.run([fleetgen, "--hostgroups", "200", "--pairs", "5000", "--target-bytes", target,
                    "--format", fmt, "--out", tmp], check=True)
    os.rename(tmp, path)


def bench(args, path, label):
    size_mb = os.path.getsize(path) / 1e6
    outputs = {}
    rows = []
    for threads in [1] + [t for t in args.threads if t != 1]:
        out = os.path.join(args.work, f"out-{label}-{threads}")
        cmd = [args.planet_bq, "analyze", "--threads", str(threads), "--out", out, path]
        best = None
        for _ in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            wall, cpu, done = run(cmd)
            if best is None or wall < best[0]:
                best = (wall, cpu)
        tables = tuple(open(os.path.join(out, f"{t}.ndjson"), "rb").read() for t in ("traffic", "dependency"))
        stderr = done.stderr.decode(errors="replace").replace(out, "OUT")
        outputs[threads] = (tables, stderr)
        shutil.rmtree(out, ignore_errors=True)
        rows.append((threads, *best))
    one = outputs[1]
    for threads, output in outputs.items():
        if output[0] != one[0]:
            sys.exit(f"{label}: --threads {threads} wrote other tables than --threads 1")
        if output[1] != one[1]:
            sys.exit(f"{label}: --threads {threads} said other things on stderr than --threads 1:\n{output[1]}\n---\n{one[1]}")
    base_wall, base_cpu = rows[0][1], rows[0][2]
    print(f"\n{label}: {path} ({size_mb:.0f} MB); tables and stderr identical for every thread count")
    print(f"| threads | wall s | CPU s | MB per wall-s | wall speedup vs 1 | CPU vs 1 |")
    print(f"|---:|---:|---:|---:|---:|---:|")
    for threads, wall, cpu in rows:
        print(f"| {threads} | {wall:.3f} | {cpu:.3f} | {size_mb / wall:.0f} | {base_wall / wall:.2f}x | {cpu / base_cpu:.2f}x |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--planet-bq", required=True)
    p.add_argument("--fleetgen", required=True)
    p.add_argument("--work", default="tests/.work/bench-threads")
    p.add_argument("--target-bytes", default="300M", help="size of the generated line-protocol file")
    p.add_argument("--threads", default=f"2,{os.cpu_count() or 2}",
                   help="thread counts compared with 1 (default: 2 and the cores)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--formats", default="lp,csv")
    p.add_argument("--keep", action="store_true", help="keep the generated files for the next run")
    args = p.parse_args()
    args.threads = sorted({int(t) for t in args.threads.split(",")})
    os.makedirs(args.work, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; load average before: {os.getloadavg()}")
    paths = []
    for fmt in args.formats.split(","):
        path = os.path.join(args.work, f"fleet-{args.target_bytes}.{fmt}")
        generate(args.fleetgen, path, fmt, args.target_bytes)
        paths.append(path)
        bench(args, path, fmt)
    print(f"\nload average after: {os.getloadavg()}")
    if not args.keep:
        for path in paths:
            os.remove(path)


if __name__ == "__main__":
    main()
